"""Hostile and broken files are refused quickly, with a clear message, within bounded memory.

Each case runs the real CLI in a child process and measures its wall time and peak memory.
"""
from __future__ import annotations

import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import TEMPLATES

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(f"{p.returncode}\\n{time.perf_counter() - t:.3f}\\n"
                 f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n{p.stderr}")
"""


def run_measured(path: Path) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MiB, stderr) of `salesops-xl recalc PATH` in a fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE] + CLI + ["recalc", str(path)], capture_output=True,
                         text=True, timeout=300).stdout
    code, secs, rss, err = out.split("\n", 3)
    return int(code), float(secs), int(rss) / 1024, err


def rewrite(src: Path, dst: Path, change) -> None:
    """Copy a workbook, passing each part through ``change(name, data) -> data``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item.filename)))


def deals_part() -> str:
    from salesops_xl.xlsx.package import Package

    with Package(TEMPLATE) as p:
        return p.sheet_part("Deals")


def assert_refused(path: Path, *patterns: str, max_seconds: float = 20, max_mib: float = 800) -> None:
    code, secs, mib, err = run_measured(path)
    assert code == 3, f"exit {code}: {err}"
    for pat in patterns:
        assert re.search(pat, err), f"{pat!r} not in: {err}"
    assert "Traceback" not in err
    assert secs < max_seconds, f"took {secs:.1f} s"
    assert mib < max_mib, f"peak memory {mib:.0f} MiB"


def test_a_stray_cell_at_the_far_corner_of_a_sheet(tmp_path: Path):
    # calamine would allocate 16,384 x 1,048,576 cells (512 GiB) and abort the process
    p = tmp_path / "far.xlsx"
    part = deals_part()
    rewrite(TEMPLATE, p, lambda n, d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v>'
                                                b"</c></row></sheetData>") if n == part else d)
    assert_refused(p, r"sheet 'Deals' spans 1,048,576 rows x 16,384 columns \(to cell XFD1048576\)",
                   r"Delete stray cells")


def test_a_row_of_millions_of_positional_cells(tmp_path: Path):
    p = tmp_path / "wide.xlsx"
    part = deals_part()
    wide = b"<row>" + b"<c/>" * 3_000_000 + b"<c><v>1</v></c></row>"
    rewrite(TEMPLATE, p, lambda n, d: d.replace(b"</sheetData>", wide + b"</sheetData>") if n == part else d)
    assert_refused(p, r"(too large to read safely|suspicious compression ratio)")


def test_a_zip_bomb_entry(tmp_path: Path):
    # a 300 MB sheet of repeated markup that deflates ~1000:1
    p = tmp_path / "bomb.xlsx"
    part = deals_part()
    with zipfile.ZipFile(TEMPLATE) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != part:
                zout.writestr(item.filename, zin.read(item.filename))
                continue
            with zout.open(item.filename, "w", force_zip64=True) as f:
                f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData><row r="1">')
                block = b"<c/>" * (1 << 20)
                for _ in range(75):
                    f.write(block)
                f.write(b"</row></sheetData></worksheet>")
    assert_refused(p, r"(suspicious compression ratio|too large to read safely)")


def _lie_about_size(path: Path, name: str, declared: int) -> None:
    """Patch the local header and central directory so ``name`` claims a tiny uncompressed size."""
    data = bytearray(path.read_bytes())
    nb = name.encode()
    for sig, size_off, name_len_off, name_off in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        pos = 0
        while True:
            pos = data.find(sig, pos)
            if pos < 0:
                break
            n = struct.unpack_from("<H", data, pos + name_len_off)[0]
            if bytes(data[pos + name_off:pos + name_off + n]) == nb:
                struct.pack_into("<I", data, pos + size_off, declared)
            pos += 4
    path.write_bytes(bytes(data))


def test_an_entry_that_inflates_beyond_its_declared_size(tmp_path: Path):
    p = tmp_path / "liar.xlsx"
    part = deals_part()
    rewrite(TEMPLATE, p, lambda n, d: d.replace(b"</sheetData>", b"<row>" + b"<c/>" * 2_000_000 + b"</row>"
                                                b"</sheetData>") if n == part else d)
    _lie_about_size(p, part, 4096)
    assert_refused(p, r"(inflates beyond its declared size|suspicious compression ratio)")


def test_xml_entity_expansion_is_refused(tmp_path: Path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>')
    for target in ("xl/workbook.xml", "xl/styles.xml", deals_part()):
        p = tmp_path / f"laughs_{target.replace('/', '_')}.xlsx"

        def change(n, d, target=target):
            if n != target:
                return d
            body = d.split(b"?>", 1)[1] if d.startswith(b"<?xml") else d
            return laughs + body.replace(b"<sheetData>", b"<sheetData><!-- &lol3; -->", 1)

        rewrite(TEMPLATE, p, change)
        assert_refused(p, r"(DTD|entit)")


@pytest.mark.parametrize("name,content,message", [
    ("empty.xlsx", b"", "not a zip archive"),
    ("text.xlsx", b"RepID,Amount\nR1,100\n", "not a zip archive"),
    ("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "password-protected or legacy .xls"),
    ("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, r"\.xls files are not supported"),
    ("binary.xlsb", b"PK\x03\x04", r"\.xlsb files are not supported"),
    ("notes.docx", b"PK\x03\x04", r"expected an \.xlsx or \.xlsm workbook"),
])
def test_files_that_are_not_workbooks(tmp_path: Path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    assert_refused(p, message, max_seconds=10)


def test_a_truncated_workbook(tmp_path: Path):
    p = tmp_path / "cut.xlsx"
    p.write_bytes(TEMPLATE.read_bytes()[: TEMPLATE.stat().st_size // 2])
    assert_refused(p, r"the file is incomplete")


def test_an_xlsb_renamed_to_xlsx(tmp_path: Path):
    p = tmp_path / "binary.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/vnd.'
                   'ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/workbook.bin", b"\x00\x01")
    assert_refused(p, r"binary workbooks \(\.xlsb\) are not supported")


def test_a_folder_named_like_a_workbook(tmp_path: Path):
    p = tmp_path / "folder.xlsx"
    p.mkdir()
    code, secs, mib, err = run_measured(p)
    assert code == 2 and "is a directory" in err  # a usage error, caught before anything is read


def test_refusals_leave_no_file_behind(tmp_path: Path):
    p = tmp_path / "far.xlsx"
    part = deals_part()
    rewrite(TEMPLATE, p, lambda n, d: d.replace(b"</sheetData>", b'<row r="900000"><c r="ZZ900000"><v>1</v>'
                                                b"</c></row></sheetData>") if n == part else d)
    before = p.read_bytes()
    assert_refused(p, "too large to read safely")
    assert p.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["far.xlsx"]
