"""salesops_xl.xlsx.writer.write_sheets: lossless, in-place, deterministic, atomic."""
from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from salesops_xl.errors import WorkbookError
from salesops_xl.sheets import Column, ListValidation, SheetSpec, TableBlock
from salesops_xl.xlsx import cellxml as cells_mod
from salesops_xl.xlsx import writer as writer_mod
from salesops_xl.xlsx.package import Package
from salesops_xl.xlsx.writer import write_sheets
from xlsx_helpers import make_user_workbook, payout_data, payouts_spec, ten_digits, zip_entries

OURS = re.compile(r"^(xl/worksheets/sheet2\.xml|xl/worksheets/_rels/sheet2\.xml\.rels|xl/tables/table2\.xml|"
                  r"xl/drawings/drawing2\.xml|xl/drawings/_rels/drawing2\.xml\.rels|xl/charts/chart[23]\.xml|"
                  r"xl/comments2\.xml|xl/drawings/vmlDrawing2\.vml)$")
WORKBOOK_LEVEL = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def cents_of(v) -> int:
    """Exact cents of a number read back (its shortest repr is the decimal we wrote)."""
    d = Decimal(repr(float(v))) * 100
    assert d == d.to_integral_value(), v
    return int(d)


def check_table_values(rows: list[list], data: dict, r0: int, c0: int = 0) -> None:
    header = rows[r0][c0:c0 + 6]
    assert header == ["Rep", "Region", "Amount", "Rate", "Deals", "Paid"]
    n = len(data["Amount"])
    for i in range(n):
        row = rows[r0 + 1 + i][c0:c0 + 6]
        rep = data["Rep"][i]
        assert row[0] == (rep if rep is not None else "")
        assert row[1] == data["Region"][i]
        assert cents_of(row[2]) == data["Amount"][i]
        rate = data["Rate"][i]
        assert (row[3] == "") if np.isnan(rate) else (row[3] == ten_digits(rate))
        assert row[4] == data["Deals"][i]
        assert np.datetime64(row[5], "D") == data["Paid"][i]


# --- new workbooks --------------------------------------------------------------

@pytest.mark.parametrize("fast_numbers", [True, False])
def test_new_workbook_round_trip(tmp_path: Path, monkeypatch, fast_numbers: bool):
    if not fast_numbers:  # without the optional orjson accelerator
        monkeypatch.setattr(cells_mod, "_orjson", None)
    out = tmp_path / "new.xlsx"
    spec = payouts_spec(40)
    write_sheets(None, out, [spec])
    rows = sheet_rows(out, "Payouts")
    assert rows[0][0] == "Payouts - computed"
    check_table_values(rows, payout_data(40), r0=2)

    wb = openpyxl.load_workbook(out)
    ws = wb["Payouts"]
    assert wb.sheetnames == ["Payouts"]
    assert ws.freeze_panes == "A4"
    assert ws.sheet_properties.tabColor.rgb == "FF00B050"
    t = ws.tables["Payouts"]
    assert t.ref == "A3:F43" and [c.name for c in t.tableColumns] == [c.name for c in spec.tables[0].columns]
    assert t.tableStyleInfo.showRowStripes
    assert ws["C4"].number_format == "#,##0.00" and ws["D4"].number_format == "0.0%"
    assert ws["E4"].number_format == "#,##0" and ws["F4"].number_format == "yyyy-mm-dd"
    assert ws["A4"].number_format == "@"
    assert ws.column_dimensions["B"].width == 12
    assert 8 <= ws.column_dimensions["A"].width <= 60
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and str(dv.sqref) == "B4:B43" and dv.formula1 == '"North,South,East,West"'
    assert len(ws._charts) == 2
    # no shared strings, no formulas: text is inline
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and 't="inlineStr"' in sheet and 'sharedStrings' not in z.read("[Content_Types].xml").decode()
        assert z.testzip() is None
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())


def test_new_workbook_is_reproducible(tmp_path: Path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_sheets(None, a, [payouts_spec(30)])
    write_sheets(None, b, [payouts_spec(30)])
    assert a.read_bytes() == b.read_bytes()


def test_new_workbook_needs_a_sheet(tmp_path: Path):
    with pytest.raises(WorkbookError, match="at least one sheet"):
        write_sheets(None, tmp_path / "x.xlsx", [])


# --- existing workbooks -----------------------------------------------------------

def test_existing_workbook_keeps_every_other_part(user_workbook: Path, tmp_path: Path):
    out = tmp_path / "out.xlsx"
    write_sheets(user_workbook, out, [payouts_spec(25)])
    before, after = zip_entries(user_workbook), zip_entries(out)
    for name, (data, raw, _info) in before.items():
        if OURS.match(name) or name in WORKBOOK_LEVEL:
            continue
        assert name in after, name
        assert after[name][0] == data, name  # decompressed content
        assert after[name][1] == raw, name  # raw compressed bytes
    # the replaced sheet kept its part name, position, sheetId and r:id
    with Package(user_workbook) as p0, Package(out) as p1:
        assert [(s.name, s.sheet_id, s.rel_id, s.part) for s in p0.sheets] == \
            [(s.name, s.sheet_id, s.rel_id, s.part) for s in p1.sheets]
        assert {t.name for t in p1.tables} == {"UserTable", "Payouts"}
        assert len({t.id for t in p1.tables}) == 2
    # parts the old sheet owned are gone (its comments, its old table), the user's stay
    assert "xl/comments2.xml" not in after and "xl/drawings/vmlDrawing2.vml" not in after
    assert "xl/comments1.xml" in after and "xl/media/image1.png" in after
    ct = after["[Content_Types].xml"][0].decode()
    assert "comments2" not in ct and "/xl/charts/chart2.xml" in ct and "/xl/charts/chart3.xml" in ct
    # workbook.xml changed only by the replaced sheet's print names (print area, titles); a second run leaves it
    from salesops_xl.xlsx.printsetup import _scan

    wb0, wb1 = before["xl/workbook.xml"][0], after["xl/workbook.xml"][0]
    added = [n for n in _scan(wb1)[0] if n.name.startswith("_xlnm.Print_")]
    assert added and {n.local for n in added} == {1}
    stripped = wb1
    for n in sorted(added, key=lambda n: -n.start):
        stripped = stripped[:n.start] + stripped[n.end:]
    assert stripped == wb0
    again = tmp_path / "again.xlsx"
    write_sheets(out, again, [payouts_spec(25)])
    assert zip_entries(again)["xl/workbook.xml"][1] == after["xl/workbook.xml"][1]
    assert after["xl/_rels/workbook.xml.rels"][1] == before["xl/_rels/workbook.xml.rels"][1]

    check_table_values(sheet_rows(out, "Payouts"), payout_data(25), r0=2)
    assert sheet_rows(out, "Inputs")[1][:3] == ["item0", 0.0, 0.0]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Inputs", "Payouts", "Notes"]
    assert wb["Inputs"]["D3"].value == "=B3*C3"
    d2 = wb["Inputs"]["D2"]
    assert d2.font.b and d2.number_format == "0.000" and d2.fill.fgColor.rgb == "FFFFFF00"
    assert "MyName" in wb.defined_names
    assert wb["Inputs"].tables["UserTable"].ref == "A1:D6"
    assert "C3" not in [c.coordinate for row in wb["Payouts"].iter_rows() for c in row if c.comment]


def test_second_run_is_byte_identical(user_workbook: Path, tmp_path: Path):
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_sheets(user_workbook, first, [payouts_spec(25), payouts_spec(5, name="Extra", table="Extra")])
    write_sheets(first, second, [payouts_spec(25), payouts_spec(5, name="Extra", table="Extra")])
    assert first.read_bytes() == second.read_bytes()
    # and in place, dest == src
    write_sheets(second, second, [payouts_spec(25), payouts_spec(5, name="Extra", table="Extra")])
    assert second.read_bytes() == first.read_bytes()
    assert not list(tmp_path.glob("*.tmp"))


def test_second_run_with_new_data_keeps_workbook_parts(user_workbook: Path, tmp_path: Path):
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_sheets(user_workbook, first, [payouts_spec(25), payouts_spec(5, name="Extra", table="Extra")])
    write_sheets(first, second, [payouts_spec(80, seed=3), payouts_spec(9, seed=4, name="Extra", table="Extra")])
    a, b = zip_entries(first), zip_entries(second)
    assert list(a) == list(b)  # same parts, same order
    for name in WORKBOOK_LEVEL:
        if name == "xl/workbook.xml":  # the print areas follow the new number of rows, and nothing else changes
            area = re.compile(rb"(_xlnm.Print_Area[^>]*>[^<]*\$)\d+(</)")
            assert area.sub(rb"\1N\2", a[name][0]) == area.sub(rb"\1N\2", b[name][0])
            assert b"'Payouts'!$A$1:$" in b[name][0] and b"$83</" in b[name][0]
            continue
        assert a[name][1] == b[name][1], name
    check_table_values(sheet_rows(second, "Payouts"), payout_data(80, 3), r0=2)


def test_appended_sheets_and_workbook_edits(user_workbook: Path, tmp_path: Path):
    out = tmp_path / "out.xlsx"
    write_sheets(user_workbook, out, [payouts_spec(3, name="Zeta", table="Zeta", charts=False),
                                      payouts_spec(3, name="Eta", table="Eta")])
    with Package(out) as p:
        assert [s.name for s in p.sheets] == ["Inputs", "Payouts", "Notes", "Zeta", "Eta"]
        ids = [s.sheet_id for s in p.sheets]
        assert len(set(ids)) == 5 and ids[3:] == [max(ids[:3]) + 1, max(ids[:3]) + 2]
        assert len({s.rel_id for s in p.sheets}) == 5 and len({s.part for s in p.sheets}) == 5
        assert len({t.id for t in p.tables}) == len(p.tables) == 4
    wb = openpyxl.load_workbook(out)
    assert wb["Eta"].tables["Eta"].ref == "A3:F6"
    assert wb["Payouts"]["A1"].value == "stale output"  # not ours this time: untouched


def test_remove_sheets_shifts_sheet_scoped_names(user_workbook: Path, tmp_path: Path):
    out = tmp_path / "out.xlsx"
    write_sheets(user_workbook, out, [], remove=["Payouts", "Not There"])
    with Package(out) as p:
        assert [s.name for s in p.sheets] == ["Inputs", "Notes"]
        names = {(d.name, d.local_sheet_id) for d in p.defined_names}
        assert ("NotesLocal", 1) in names and ("LocalName", 0) in names
        assert all(not t.part.endswith("table2.xml") for t in p.tables)
    after = zip_entries(out)
    assert "xl/worksheets/sheet2.xml" not in after and "xl/comments2.xml" not in after
    assert "sheet2.xml" not in after["[Content_Types].xml"][0].decode()
    assert "sheet2.xml" not in after["xl/_rels/workbook.xml.rels"][0].decode()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Inputs", "Notes"]
    with pytest.raises(WorkbookError, match="both written and removed"):
        write_sheets(user_workbook, out, [payouts_spec(3)], remove=["payouts"])


def test_remove_last_visible_sheet_is_refused(tmp_path: Path):
    out = tmp_path / "one.xlsx"
    write_sheets(None, out, [payouts_spec(2, charts=False)])
    with pytest.raises(WorkbookError, match="no visible sheet|at least one sheet"):
        write_sheets(out, out, [], remove=["Payouts"])


def test_xlsm_keeps_vba(user_workbook: Path, tmp_path: Path):
    xlsm = tmp_path / "book.xlsm"
    vba = bytes(range(256)) * 40
    with zipfile.ZipFile(user_workbook) as zi, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"<Default Extension=\"xml\"",
                                    b"<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
                                    b"<Default Extension=\"xml\"")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            elif info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<dimension", b'<sheetPr codeName="Sheet2"/><dimension', 1)
            zo.writestr(info, data)
        zo.writestr("xl/vbaProject.bin", vba)
    out = tmp_path / "out.xlsm"
    write_sheets(xlsm, out, [payouts_spec(10)])
    before, after = zip_entries(xlsm), zip_entries(out)
    assert after["xl/vbaProject.bin"][1] == before["xl/vbaProject.bin"][1]
    assert after["xl/vbaProject.bin"][0] == vba
    ct = after["[Content_Types].xml"][0].decode()
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in ct
    assert "vbaProject" in after["xl/_rels/workbook.xml.rels"][0].decode()
    assert b'codeName="Sheet2"' in after["xl/worksheets/sheet2.xml"][0]  # the VBA module still finds its sheet
    openpyxl.load_workbook(out, keep_vba=True)


def test_failure_mid_write_leaves_files_untouched(user_workbook: Path, tmp_path: Path, monkeypatch):
    original = user_workbook.read_bytes()
    calls = {"n": 0}
    real = cells_mod.format_floats

    def exploding(a):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise RuntimeError("disk on fire")
        return real(a)

    monkeypatch.setattr(cells_mod, "format_floats", exploding)
    monkeypatch.setattr("salesops_xl.xlsx.sheetxml.ITEMS_PER_CHUNK", 500)  # many chunks: fail mid-sheet
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_sheets(user_workbook, user_workbook, [payouts_spec(3000, charts=False)])
    assert user_workbook.read_bytes() == original
    other = tmp_path / "other.xlsx"
    calls["n"] = 0
    with pytest.raises(RuntimeError):
        write_sheets(user_workbook, other, [payouts_spec(3000, charts=False)])
    assert not other.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_failure_at_rename_leaves_dest(user_workbook: Path, tmp_path: Path, monkeypatch):
    dest = tmp_path / "dest.xlsx"
    shutil.copy(user_workbook, dest)
    before = dest.read_bytes()

    def broken_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer_mod.os, "replace", broken_replace)
    with pytest.raises(WorkbookError, match="cannot write"):
        write_sheets(user_workbook, dest, [payouts_spec(10)])
    assert dest.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


TRICKY = ["=1+1", "+A1", "-2", "@SUM(A1)", "<&>\"'", "tab\there", "line\nbreak", "cr\rlf", "ctl\x01\x02\x1f",
          "_x0041_", "_x005F_x0041_", "\U0001F600 emoji", "  padded  ", "null", "", "caf\u00e9"]


@pytest.mark.parametrize("whole_cells", [True, False])
def test_text_is_escaped_and_never_a_formula(tmp_path: Path, monkeypatch, whole_cells: bool):
    if not whole_cells:  # the path used for columns with many distinct values
        monkeypatch.setattr(cells_mod, "WHOLE_CELL_MAX", 0)
    long_text = "y" * 32767
    texts = TRICKY + [long_text, None, "=1+1"]
    data = {"T": np.array(texts, dtype=object)}
    spec = SheetSpec("Text", tables=(TableBlock("Texts", (Column("T"),), data),),
                     notes=(("C1", "=HYPERLINK(\"x\")"),))
    out = tmp_path / "t.xlsx"
    write_sheets(None, out, [spec])
    rows = sheet_rows(out, "Text")
    got = [r[0] for r in rows[1:]]
    assert got[:len(texts)] == [t or "" for t in texts]
    assert rows[0][2] == "=HYPERLINK(\"x\")"
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "\x01" not in xml and "_x0001_" in xml and "_x005F_x0041_" in xml
    wb = openpyxl.load_workbook(out)
    assert wb["Text"]["A2"].value == "=1+1" and wb["Text"]["A2"].data_type == "s"


def test_text_over_excel_limit_names_the_cell(tmp_path: Path):
    data = {"A": np.array(["ok", "z" * 32768], dtype=object)}
    spec = SheetSpec("S", tables=(TableBlock("T1x", (Column("A"),), data, anchor="B2"),))
    with pytest.raises(WorkbookError, match=r"sheet 'S', table 'T1x', column 'A', row 4.*32,767"):
        write_sheets(None, tmp_path / "x.xlsx", [spec])
    emoji = {"A": np.array(["\U0001F600" * 16384], dtype=object)}  # 32,768 UTF-16 units
    with pytest.raises(WorkbookError, match="32,767"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec("S", tables=(TableBlock("T", (Column("A"),), emoji),))])
    assert not (tmp_path / "x.xlsx").exists()


def test_money_is_exact(tmp_path: Path):
    cents = np.array([0, 1, -1, 5, -5, 10, 99, 100, -100, 12345, -12340, 100000, 123456789012345,
                      -(2**63), 2**63 - 1, 9007199254740993], dtype=np.int64)
    spec = SheetSpec("M", tables=(TableBlock("Money", (Column("C", "money"),), {"C": cents}),))
    out = tmp_path / "m.xlsx"
    write_sheets(None, out, [spec])
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    values = re.findall(r"<v>([^<]*)</v>", xml)
    assert values == ["0", "0.01", "-0.01", "0.05", "-0.05", "0.1", "0.99", "1", "-1", "123.45", "-123.4", "1000",
                      "1234567890123.45", "-92233720368547758.08", "92233720368547758.07", "90071992547409.93"]
    rows = sheet_rows(out, "M")
    for c, row in zip(cents[:13], rows[1:14]):
        assert cents_of(row[0]) == c


def test_blanks_keep_their_style_and_position(tmp_path: Path):
    data = {"a": np.array([1.5, np.nan, np.inf]), "b": np.array(["x", None, ""], dtype=object),
            "d": np.array(["2024-01-02", "NaT", "2024-02-03"], dtype="datetime64[D]"),
            "e": np.array(["2024-01-02T12:00", "NaT", "2024-02-03"], dtype="datetime64[ns]")}
    cols = (Column("a", "number"), Column("b"), Column("d", "date"), Column("e", "date"))
    out = tmp_path / "b.xlsx"
    write_sheets(None, out, [SheetSpec("B", tables=(TableBlock("Blanks", cols, data),))])
    rows = sheet_rows(out, "B")
    assert rows[1][:3] == [1.5, "x", np.datetime64("2024-01-02").astype(object)]
    assert rows[2] == ["", "", "", ""] and rows[3][0] == "" and rows[3][1] == ""
    ws = openpyxl.load_workbook(out)["B"]
    assert ws["A3"].number_format == "#,##0.00" and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value.hour == 12


def test_empty_table_keeps_one_row(tmp_path: Path):
    data = {"x": np.array([], dtype=object), "y": np.array([], dtype=np.int64)}
    out = tmp_path / "e.xlsx"
    write_sheets(None, out, [SheetSpec("E", tables=(TableBlock("Empty", (Column("x"), Column("y", "money")), data),))])
    ws = openpyxl.load_workbook(out)["E"]
    assert ws.tables["Empty"].ref == "A1:B2"
    assert sheet_rows(out, "E")[0] == ["x", "y"]


def test_side_by_side_tables_notes_and_formulas(tmp_path: Path):
    left = TableBlock("Left", (Column("k"), Column("v", "int")),
                      {"k": np.array(list("abcde"), dtype=object), "v": np.arange(5, dtype=np.int64)}, anchor="B4")
    right = TableBlock("Right", (Column("k"), Column("k"), Column("")),
                       {"k": np.array(["p", "q"], dtype=object), "": np.array(["r", "s"], dtype=object)}, anchor="F2")
    spec = SheetSpec("Mix", tables=(left, right), notes=(("A1", "Title"), ("D1", "note")),
                     formulas=(("A10", "SUM(Left[v])"), ("B12", "=1+2")))
    out = tmp_path / "mix.xlsx"
    write_sheets(None, out, [spec])
    rows = sheet_rows(out, "Mix")
    assert rows[0][0] == "Title" and rows[0][3] == "note"
    assert rows[1][5:8] == ["k", "k2", "Column3"]  # unique, non-empty header names
    assert rows[3][1:3] == ["k", "v"] and rows[3][5:8] == ["q", "q", "s"]
    assert [r[1:3] for r in rows[4:9]] == [["a", 0.0], ["b", 1.0], ["c", 2.0], ["d", 3.0], ["e", 4.0]]
    wb = openpyxl.load_workbook(out)
    ws = wb["Mix"]
    assert ws["A10"].value == "=SUM(Left[v])" and ws["B12"].value == "=1+2"
    assert [c.name for c in ws.tables["Right"].tableColumns] == ["k", "k2", "Column3"]
    with zipfile.ZipFile(out) as z:
        assert 'fullCalcOnLoad="1"' in z.read("xl/workbook.xml").decode()


def test_calc_chain_entries_of_our_sheet_are_dropped(user_workbook: Path, tmp_path: Path):
    chain = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<c r="D2" i="1"/><c r="D3"/><c r="B2" i="2"/><c r="D4" i="1"/><c r="D5"/></calcChain>').encode()
    src = tmp_path / "chain.xlsx"
    with zipfile.ZipFile(user_workbook) as zi, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId77" Type="http://schemas.openxml'
                                    b'formats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
                                    b"</Relationships>")
            zo.writestr(info, data)
        zo.writestr("xl/calcChain.xml", chain)
    out = tmp_path / "out.xlsx"
    write_sheets(src, out, [payouts_spec(5)])
    with zipfile.ZipFile(out) as z:
        new = z.read("xl/calcChain.xml").decode()
    assert re.findall(r'<c r="(\w+)"(?: i="(\d)")?/>', new) == [("D2", "1"), ("D3", ""), ("D4", ""), ("D5", "")]
    openpyxl.load_workbook(out)
    # once only our sheet had entries, the part goes away with its rel and content type
    only_ours = chain.replace(b'<c r="D2" i="1"/><c r="D3"/>', b"").replace(b'<c r="D4" i="1"/><c r="D5"/>', b"")
    src2 = tmp_path / "chain2.xlsx"
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(src2, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info, only_ours if info.filename == "xl/calcChain.xml" else zi.read(info))
    write_sheets(src2, out, [payouts_spec(5)])
    after = zip_entries(out)
    assert "xl/calcChain.xml" not in after
    assert "calcChain" not in after["[Content_Types].xml"][0].decode()
    assert "calcChain" not in after["xl/_rels/workbook.xml.rels"][0].decode()


def test_missing_styles_part_is_created(tmp_path: Path):
    base = tmp_path / "base.xlsx"
    make_user_workbook(base, with_ours=False)
    src = tmp_path / "nostyles.xlsx"
    with zipfile.ZipFile(base) as zi, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if info.filename == "xl/styles.xml":
                continue
            data = zi.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb'<Relationship [^>]*styles"[^>]*/>', b"", data)
            elif info.filename == "[Content_Types].xml":
                data = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", data)
            zo.writestr(info, data)
    out = tmp_path / "out.xlsx"
    write_sheets(src, out, [payouts_spec(5)])
    after = zip_entries(out)
    assert b"<cellXfs" in after["xl/styles.xml"][0]
    assert b"styles.xml" in after["xl/_rels/workbook.xml.rels"][0]
    assert b'PartName="/xl/styles.xml"' in after["[Content_Types].xml"][0]
    assert openpyxl.load_workbook(out)["Payouts"]["C4"].number_format == "#,##0.00"
    again = tmp_path / "again.xlsx"
    write_sheets(out, again, [payouts_spec(5)])
    assert again.read_bytes() == out.read_bytes()


def test_styles_are_appended_never_renumbered(user_workbook: Path, tmp_path: Path):
    with zipfile.ZipFile(user_workbook) as z:
        old = z.read("xl/styles.xml").decode()
    out = tmp_path / "out.xlsx"
    write_sheets(user_workbook, out, [payouts_spec(5)])
    with zipfile.ZipFile(out) as z:
        new = z.read("xl/styles.xml").decode()
    old_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", old).group(1)
    new_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", new).group(1)
    assert new_xfs.startswith(old_xfs) and len(new_xfs) > len(old_xfs)
    count = int(re.search(r'<cellXfs count="(\d+)"', new).group(1))
    assert count == len(re.findall(r"<xf ", new_xfs))
    def outside(text):
        return re.sub(r"<(numFmts|cellXfs|fonts|fills|borders)\b.*?</\1>", "", text)

    assert outside(old) == outside(new)
    # fonts, fills and borders of the header / totals looks are appended too; existing entries keep their place
    for local in ("numFmts", "fonts", "fills", "borders"):
        old_list = re.search(r"<%s[^>]*>(.*)</%s>" % (local, local), old)
        if old_list:
            assert re.search(r"<%s[^>]*>(.*)</%s>" % (local, local), new).group(1).startswith(old_list.group(1))


def test_table_names_must_be_unique_in_the_workbook(user_workbook: Path, tmp_path: Path):
    spec = payouts_spec(3, name="Other", table="usertable", charts=False)
    with pytest.raises(WorkbookError, match="already used by a table on sheet 'Inputs'"):
        write_sheets(user_workbook, tmp_path / "x.xlsx", [spec])
    spec = payouts_spec(3, name="Other", table="MyName", charts=False)
    with pytest.raises(WorkbookError, match="defined name"):
        write_sheets(user_workbook, tmp_path / "x.xlsx", [spec])
    # the replaced sheet's own old table name is free again
    write_sheets(user_workbook, tmp_path / "ok.xlsx", [payouts_spec(3, table="OldPayouts", charts=False)])


@pytest.mark.parametrize("name,msg", [("A1", "cell reference"), ("R1C1", "cell reference"), ("r", "cell reference"),
                                      ("1abc", "start with"), ("has space", "only letters"), ("", "empty")])
def test_bad_table_names(tmp_path: Path, name: str, msg: str):
    spec = SheetSpec("S", tables=(TableBlock(name, (Column("a"),), {"a": np.array(["x"], dtype=object)}),))
    with pytest.raises(WorkbookError, match=msg):
        write_sheets(None, tmp_path / "x.xlsx", [spec])


@pytest.mark.parametrize("name", ["a" * 32, "x/y", "x[1]", "what?", "", "'quoted'", "History"])
def test_bad_sheet_names(tmp_path: Path, name: str):
    with pytest.raises(WorkbookError, match="sheet name"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec(name)])


def test_overlaps_and_bad_validations(tmp_path: Path):
    t1 = TableBlock("T_one", (Column("a"), Column("b")), {"a": np.array(["x"] * 3, dtype=object),
                                                          "b": np.array(["y"] * 3, dtype=object)})
    t2 = TableBlock("T_two", (Column("a"),), {"a": np.array(["x"], dtype=object)}, anchor="B3")
    with pytest.raises(WorkbookError, match="overlaps"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec("S", tables=(t1, t2))])
    with pytest.raises(WorkbookError, match="overlaps"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec("S", tables=(t1,), notes=(("B2", "x"),))])
    with pytest.raises(WorkbookError, match="comma"):
        write_sheets(None, tmp_path / "x.xlsx",
                     [SheetSpec("S", tables=(t1,), validations=(ListValidation("T_one", "a", ("a,b",)),))])
    with pytest.raises(WorkbookError, match="255"):
        write_sheets(None, tmp_path / "x.xlsx",
                     [SheetSpec("S", tables=(t1,), validations=(ListValidation("T_one", "a", ("x" * 200, "y" * 60)),))])
    with pytest.raises(WorkbookError, match="no column"):
        write_sheets(None, tmp_path / "x.xlsx",
                     [SheetSpec("S", tables=(t1,), validations=(ListValidation("T_one", "zz", ("x",)),))])
    with pytest.raises(WorkbookError, match="different lengths"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec("S", tables=(TableBlock(
            "T_x", (Column("a"), Column("b", "int")), {"a": np.array(["x"], dtype=object), "b": np.arange(2)}),))])
    with pytest.raises(WorkbookError, match="rows"):
        write_sheets(None, tmp_path / "x.xlsx", [SheetSpec("S", tables=(TableBlock(
            "T_y", (Column("b", "int"),), {"b": np.arange(10)}, anchor="A1048570"),))])
    assert not list(tmp_path.iterdir())


def test_quoted_validation_choices(tmp_path: Path):
    t = TableBlock("T_q", (Column("a"),), {"a": np.array(["x"], dtype=object)})
    out = tmp_path / "q.xlsx"
    write_sheets(None, out, [SheetSpec("S", tables=(t,), validations=(ListValidation("T_q", "a", ('say "hi"', "<&>")),))])
    ws = openpyxl.load_workbook(out)["S"]
    assert ws.data_validations.dataValidation[0].formula1 == '"say ""hi"",<&>"'


def test_chartsheet_cannot_be_replaced(tmp_path: Path):
    import xlsxwriter

    src = tmp_path / "cs.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Data")
    ws.write_column(0, 0, [1, 2, 3])
    cs = wb.add_chartsheet("Payouts")
    ch = wb.add_chart({"type": "line"})
    ch.add_series({"values": "=Data!$A$1:$A$3"})
    cs.set_chart(ch)
    wb.close()
    with pytest.raises(WorkbookError, match="chartsheet"):
        write_sheets(src, tmp_path / "o.xlsx", [payouts_spec(3)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab _x05F&<>\"'=+-@ \t\n\r\x00\x01\x1f\u00e9\U0001F600")),
                        max_size=12), min_size=1, max_size=8))
def test_any_text_round_trips(tmp_path: Path, texts: list[str]):
    data = {"T": np.array(texts, dtype=object)}
    out = tmp_path / "h.xlsx"
    write_sheets(None, out, [SheetSpec("H", tables=(TableBlock("H", (Column("T"),), data),))])
    got = [r[0] for r in sheet_rows(out, "H")[1:]]
    got += [""] * (len(texts) - len(got))  # calamine drops trailing blank rows
    assert got == texts
