"""salesops_xl.xlsx.package: reading the parts of a workbook, and refusing bad files."""
from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from salesops_xl.errors import WorkbookError
from salesops_xl.xlsx import zipraw
from salesops_xl.xlsx.package import Package


def rezip(src: Path, dest: Path, *, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
          rename: dict[str, str] | None = None, extra: dict[str, bytes] | None = None) -> Path:
    replace = replace or {}
    rename = rename or {}
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename, zi.read(info))
            zo.writestr(rename.get(info.filename, info.filename), data)
        for name, data in (extra or {}).items():
            zo.writestr(name, data)
    return dest


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    a = wb.add_worksheet("Alpha")
    a.write_row(0, 0, ["Id", "Name"])
    a.write_row(1, 0, [1, "x"])
    a.add_table(0, 0, 1, 1, {"name": "Things", "columns": [{"header": "Id"}, {"header": "Name"}]})
    b = wb.add_worksheet("Beta")
    b.hide()
    c = wb.add_worksheet("Gamma")
    c.very_hidden()
    ch = wb.add_chartsheet("Chart Sheet")
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Alpha!$A$2:$A$2"})
    ch.set_chart(chart)
    wb.close()
    return path


def test_sheets_and_tables(book: Path):
    with Package(book) as pkg:
        assert pkg.workbook_part == "xl/workbook.xml"
        names = [(s.name, s.state, s.kind, s.index) for s in pkg.sheets]
        assert names == [("Alpha", "visible", "worksheet", 0), ("Beta", "hidden", "worksheet", 1),
                         ("Gamma", "veryHidden", "worksheet", 2), ("Chart Sheet", "visible", "chartsheet", 3)]
        alpha = pkg.sheet("alpha")  # case-insensitive, as Excel
        assert alpha.part == "xl/worksheets/sheet1.xml" and alpha.sheet_id == 1 and alpha.rel_id.startswith("rId")
        assert pkg.sheet_part("Chart Sheet").startswith("xl/chartsheets/")
        assert pkg.sheet_part("nope") is None
        (t,) = pkg.tables
        assert (t.name, t.display_name, t.id, t.ref, t.sheet, t.part, t.columns) == \
            ("Things", "Things", 1, "A1:B2", "Alpha", "xl/tables/table1.xml", ("Id", "Name"))
        assert pkg.table("THINGS") == t
        assert "[Content_Types].xml" in pkg.names


def test_read_and_stream_match_zipfile(book: Path):
    with Package(book) as pkg, zipfile.ZipFile(book) as z:
        for name in z.namelist():
            assert pkg.read(name) == z.read(name)
            pieces = list(pkg.iter_decompressed(name, chunk=100))
            assert all(len(p) <= 100 for p in pieces)
            assert b"".join(pieces) == z.read(name)


def test_reads_from_several_threads(book: Path):
    with Package(book) as pkg, zipfile.ZipFile(book) as z:
        expected = {n: z.read(n) for n in z.namelist()}
        errors = []

        def work():
            try:
                for _ in range(20):
                    for n, data in expected.items():
                        assert b"".join(pkg.iter_decompressed(n, chunk=64)) == data
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors


def test_workbook_part_found_through_relationships(book: Path, tmp_path: Path):
    with zipfile.ZipFile(book) as z:
        ct = z.read("[Content_Types].xml").replace(b"/xl/workbook.xml", b"/xl/main.xml")
        rels = z.read("_rels/.rels").replace(b"xl/workbook.xml", b"xl/main.xml")
    moved = rezip(book, tmp_path / "moved.xlsx", replace={"[Content_Types].xml": ct, "_rels/.rels": rels},
                  rename={"xl/workbook.xml": "xl/main.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/main.xml.rels"})
    with Package(moved) as pkg:
        assert pkg.workbook_part == "xl/main.xml"
        assert [s.name for s in pkg.sheets][:2] == ["Alpha", "Beta"]
        assert pkg.tables[0].name == "Things"


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd">',
])
def test_refuses_dtd_and_entities(book: Path, tmp_path: Path, doctype: bytes):
    with zipfile.ZipFile(book) as z:
        xml = z.read("xl/workbook.xml")
    head, rest = xml.split(b"?>", 1)
    bad = rezip(book, tmp_path / "bad.xlsx", replace={"xl/workbook.xml": head + b"?>" + doctype + rest})
    with pytest.raises(WorkbookError, match="DOCTYPE"):
        Package(bad)


def test_refuses_legacy_or_encrypted(tmp_path: Path):
    p = tmp_path / "secret.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(WorkbookError, match="password-protected or legacy .xls"):
        Package(p)


def test_refuses_xlsb(book: Path, tmp_path: Path):
    with zipfile.ZipFile(book) as z:
        ct = z.read("[Content_Types].xml").replace(
            b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"',
            b'PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"')
        rels = z.read("_rels/.rels").replace(b"xl/workbook.xml", b"xl/workbook.bin")
    bad = rezip(book, tmp_path / "book.xlsb", replace={"[Content_Types].xml": ct, "_rels/.rels": rels},
                rename={"xl/workbook.xml": "xl/workbook.bin"})
    with pytest.raises(WorkbookError, match=r"only \.xlsx/\.xlsm"):
        Package(bad)


def test_refuses_non_workbooks(tmp_path: Path, book: Path):
    text = tmp_path / "notes.xlsx"
    text.write_text("just text")
    with pytest.raises(WorkbookError, match="not a zip"):
        Package(text)
    with pytest.raises(WorkbookError, match="not found"):
        Package(tmp_path / "missing.xlsx")
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(WorkbookError, match="Content_Types"):
        Package(plain)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(book.read_bytes()[:-300])
    with pytest.raises(WorkbookError):
        Package(truncated)
    no_wb = rezip(book, tmp_path / "nowb.xlsx", drop=("xl/workbook.xml",))
    with pytest.raises(WorkbookError, match="missing"):
        Package(no_wb)


def test_zip_bomb_guards(tmp_path: Path, book: Path, monkeypatch):
    bomb = rezip(book, tmp_path / "bomb.xlsx", extra={"xl/media/zeros.bin": b"\0" * (8 << 20)})
    with Package(bomb) as pkg:
        assert pkg.has("xl/media/zeros.bin")  # listing is fine
        monkeypatch.setattr(zipraw, "MAX_RATIO", 100)
        with pytest.raises(WorkbookError, match="ratio"):
            pkg.read("xl/media/zeros.bin")
        monkeypatch.setattr(zipraw, "MAX_RATIO", 10_000)
        monkeypatch.setattr(zipraw, "MAX_UNCOMPRESSED", 1 << 20)
        with pytest.raises(WorkbookError, match="too large"):
            list(pkg.iter_decompressed("xl/media/zeros.bin"))


def test_entry_inflating_past_its_declared_size_is_refused(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<a>" + b"x" * 5000 + b"</a>")
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (100).to_bytes(4, "little")  # declared uncompressed size: 100
    p = tmp_path / "lie.zip"
    p.write_bytes(bytes(data))
    r = zipraw.ZipReader(p)
    with pytest.raises(WorkbookError, match="declared size"):
        r.read(r.get("a.xml"))
    r.close()
