"""Issue 14 (and 25 items 3-4, 13 item 5): the reader says what it sees instead of silently dropping or
misreading input, and file-level problems are told in words a user understands.

Every workbook here is made the way a user's tool makes it (openpyxl editing the template, LibreOffice
converting it, a zip written by hand only where the case is a broken package), and every refusal leaves
the input byte for byte as it was.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from salesops_xl.batch import validate
from salesops_xl.errors import SalesopsError, WorkbookError
from salesops_xl.xlsx.reader import XlsxSource

from helpers import TEMPLATES

COMMISSIONS = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=300)


def edited(tmp_path: Path, name: str, change, template: Path = COMMISSIONS) -> Path:
    """The template after ``change(book)``, saved by openpyxl (as a user's script saves it)."""
    book = openpyxl.load_workbook(template)
    change(book)
    p = tmp_path / name
    book.save(p)
    return p


def refused(path: Path, *patterns: str, kind=SalesopsError) -> str:
    """Run the checks in process: they fail with a message matching every pattern; the file is unchanged."""
    before = path.read_bytes()
    with pytest.raises(kind) as info:
        validate(path)
    text = str(info.value)
    for pat in patterns:
        assert re.search(pat, text), f"{pat!r} not in: {text}"
    assert path.read_bytes() == before
    return text


def append_deals(book, n: int = 3, start_row: int | None = None) -> None:
    ws = book["Deals"]
    first = [c.value for c in ws[2]]
    row = start_row or ws.max_row + 1
    for k in range(n):
        for j, v in enumerate(first):
            ws.cell(row=row + k, column=j + 1, value=f"D-NEW{k}" if j == 0 else v)


# -- 1. nothing outside a table goes unnoticed ------------------------------------------------------------------


def test_rows_pasted_below_the_deals_table_are_an_error_naming_rows_sheet_table_and_remedy(tmp_path: Path):
    # the template's Deals table is A1:J2013; a paste of 3 deals under it does not extend it
    p = edited(tmp_path, "below.xlsx", append_deals)
    refused(p, r"rows 2,014–2,016 of sheet 'Deals' hold data below table Deals, which ends on row 2,013",
            r"Table Design → Resize Table: A1:J2016", r"AllowDataBesideTables")
    r = cli("recalc", str(p))  # the CLI says the same, exit 1 (a problem in the input), nothing written
    assert r.returncode == 1 and "rows 2,014–2,016 of sheet 'Deals'" in r.stderr and "Traceback" not in r.stderr


def test_a_column_typed_right_of_a_table_is_an_error(tmp_path: Path):
    def change(book):
        ws = book["Deals"]
        ws["K1"] = "Region"  # a header and a value right of the table's last column J
        ws["K5"] = "EMEA"
    p = edited(tmp_path, "right.xlsx", change)
    refused(p, r"column K of sheet 'Deals' hold data right of table Deals, which ends at column J",
            r"Resize Table: A1:K2013")


def test_notes_after_a_blank_row_are_not_the_tables(tmp_path: Path):
    # only rows directly below count: a note two rows down is the user's own business
    p = edited(tmp_path, "note.xlsx", lambda b: b["Deals"].cell(row=2015, column=1, value="checked by AB"))
    validate(p)


def test_the_documented_setting_allows_notes_beside_the_tables_of_one_sheet(tmp_path: Path):
    def change(book):
        append_deals(book, 1)
        ws = book["Deals"]
        ws.defined_names["AllowDataBesideTables"] = DefinedName("AllowDataBesideTables", attr_text="TRUE")
    p = edited(tmp_path, "allowed.xlsx", change)
    validate(p)  # no error: the row below is a note the user keeps there
    with XlsxSource(p) as src:
        assert src.read("Deals").n_rows == 2012  # and it is not read as a deal


def test_the_setting_on_another_sheet_does_not_apply(tmp_path: Path):
    def change(book):
        append_deals(book, 1)
        ws = book["Roster"]
        ws.defined_names["AllowDataBesideTables"] = DefinedName("AllowDataBesideTables", attr_text="TRUE")
    refused(edited(tmp_path, "other.xlsx", change), r"row 2,014 of sheet 'Deals' hold data below table Deals")


def test_rows_below_a_table_that_pays_nobody_are_a_warning(tmp_path: Path):
    template = TEMPLATES / "forecast.xlsx"

    def change(book):
        ws = next(ws for ws in book if "Opportunities" in ws.tables)
        ref = ws.tables["Opportunities"].ref
        last = int(re.search(r"(\d+)$", ref).group(1))
        for j, c in enumerate(ws[2]):
            ws.cell(row=last + 1, column=j + 1, value=c.value)
    p = edited(tmp_path, "forecast.xlsx", change, template)
    warnings = validate(p)
    assert any("hold data below table Opportunities" in w for w in warnings), warnings


def test_a_formula_without_a_saved_value_is_never_a_blank(tmp_path: Path):
    # openpyxl writes formulas without a cached value; before, TermDate read as "no termination" (exit 0)
    p = edited(tmp_path, "term.xlsx", lambda b: b["Roster"].__setitem__("G2", "=DATE(2026,8,31)"))
    text = refused(p, r"table Roster: row 2, column TermDate, cell G2: a formula without a saved value",
                   r'found "=DATE\(2026,8,31\)"', r"open the workbook in Excel or LibreOffice and save it there")
    assert "blank" not in text


@pytest.mark.parametrize("cell,column", [("F2", "Amount"), ("H2", "Status")])
def test_a_formula_without_a_value_in_a_required_column_is_not_called_a_blank_cell(tmp_path: Path, cell, column):
    p = edited(tmp_path, "req.xlsx", lambda b: b["Deals"].__setitem__(cell, '=IF(TRUE,1000,"Booked")'))
    text = refused(p, rf"column {column}, cell {cell}: a formula without a saved value")
    assert "blank cell" not in text


def test_a_formula_with_its_saved_value_reads_as_the_value(tmp_path: Path, libreoffice):
    # the same workbook once LibreOffice has opened and saved it: the formula's value is read
    p = edited(tmp_path, "term.xlsx", lambda b: b["Roster"].__setitem__("G2", "=DATE(2026,8,31)"))
    (saved,) = libreoffice([p])
    with XlsxSource(saved) as src:
        t = src.read("Roster")
    assert str(t.data["TermDate"][0])[:10] == "2026-08-31" and not t.errors


# -- 3. file-level messages -------------------------------------------------------------------------------------


def test_a_truncated_file_is_called_incomplete(tmp_path: Path):
    p = tmp_path / "cut.xlsx"
    p.write_bytes(COMMISSIONS.read_bytes()[: COMMISSIONS.stat().st_size // 2])
    refused(p, r"cut\.xlsx: the file is incomplete", r"(copy|download) it again", kind=WorkbookError)


def _docx(path: Path) -> None:
    """A minimal Word document: the three parts Word itself needs (this machine's LibreOffice has no Writer)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats'
                   '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
                   'formats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument'
                   '.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   '</Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
                   'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Deals for Q3</w:t></w:r>'
                   '</w:p></w:body></w:document>')


def test_an_opendocument_spreadsheet_renamed_xlsx_is_named(tmp_path: Path, libreoffice):
    (ods,) = libreoffice([COMMISSIONS], "ods")  # LibreOffice's own default format
    p = tmp_path / "commissions-renamed.xlsx"
    shutil.copy(ods, p)
    refused(p, r"this is an OpenDocument spreadsheet \(\.ods.*Save As.*Excel 2007-365 \(\.xlsx\)",
            kind=WorkbookError)


def test_a_word_document_renamed_xlsx_is_named(tmp_path: Path):
    p = tmp_path / "notes.xlsx"
    _docx(p)
    refused(p, r"this is a Word document \(\.docx\), not an Excel workbook", kind=WorkbookError)


def test_a_workbook_missing_a_tables_part_names_the_table(tmp_path: Path):
    p = tmp_path / "nopart.xlsx"
    with XlsxSource(COMMISSIONS) as src:
        gone = src.pkg.table("Deals").part
    with zipfile.ZipFile(COMMISSIONS) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != gone.lstrip("/"):
                zout.writestr(item, zin.read(item.filename))
    refused(p, r"sheet 'Deals' has an Excel Table whose part .* is missing", r"holds table Deals",
            r"Open it in Excel", kind=WorkbookError)


def _parts_at_the_root(dst: Path) -> None:
    """The template with every part of xl/ moved to the zip's root (python-calamine panics on it)."""
    with zipfile.ZipFile(COMMISSIONS) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            d = zin.read(item.filename)
            if item.filename == "_rels/.rels":
                d = d.replace(b'Target="xl/', b'Target="')
            elif item.filename == "[Content_Types].xml":
                d = d.replace(b'PartName="/xl/', b'PartName="/')
            zout.writestr(item.filename.removeprefix("xl/"), d)


def test_a_calamine_panic_is_a_message_from_the_reader(tmp_path: Path):
    p = tmp_path / "root.xlsx"
    _parts_at_the_root(p)
    with pytest.raises(WorkbookError, match=r"root\.xlsx: python-calamine could not read this workbook: "):
        XlsxSource(p)


def test_a_calamine_panic_is_a_message_from_the_cli(tmp_path: Path):
    p = tmp_path / "root.xlsx"
    _parts_at_the_root(p)
    before = p.read_bytes()
    r = subprocess.run(CLI + ["recalc", str(p)], capture_output=True, text=True, timeout=120,
                       env={**__import__("os").environ, "RUST_BACKTRACE": "1"})
    assert r.returncode == 3, r.stderr
    assert "python-calamine could not read this workbook" in r.stderr and "root.xlsx" in r.stderr
    assert "Traceback" not in r.stderr and "panicked" not in r.stderr and "stack backtrace" not in r.stderr
    assert p.read_bytes() == before


def test_zip_entries_named_with_backslashes_read_as_folders(tmp_path: Path):
    p = tmp_path / "windows.xlsx"
    with zipfile.ZipFile(COMMISSIONS) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            item.filename = item.filename.replace("/", "\\")
            zout.writestr(item, data)
    assert "xl\\workbook.xml" in zipfile.ZipFile(p).namelist()
    with XlsxSource(p) as src, XlsxSource(COMMISSIONS) as ref:
        assert sorted(src.table_names()) == sorted(ref.table_names())
        a, b = src.read("Deals"), ref.read("Deals")
        assert a.n_rows == b.n_rows and list(a.data["Amount"]) == list(b.data["Amount"])
    validate(p)


# -- issue 13 item 5: a missing table, a workbook of another kind -----------------------------------------------


def test_a_missing_deals_table_is_named_with_the_workbooks_kind(tmp_path: Path):
    def change(book):
        del book["Deals"].tables["Deals"]  # the data stays, the Excel Table is gone (Convert to Range)
    p = edited(tmp_path, "nodeals.xlsx", change)
    text = refused(p, r"nodeals\.xlsx: table Deals is missing; this looks like a commission workbook",
                   r"Insert → Table", r"salesops-xl schema Deals", kind=WorkbookError)
    assert "cannot tell which kind" not in text


def test_a_territory_workbook_given_to_whatif_is_named_with_its_kind(tmp_path: Path):
    p = tmp_path / "territories.xlsx"
    shutil.copy(TEMPLATES / "territories.xlsx", p)
    before = p.read_bytes()
    r = cli("whatif", str(p))
    assert r.returncode == 3, r.stderr
    assert "territories.xlsx is a territory workbook" in r.stderr
    assert "the what-if simulation needs a commission workbook" in r.stderr
    assert p.read_bytes() == before


# -- recalc --calculate: LibreOffice calculates what a script left uncalculated ------------------------------------


def test_recalc_calculate_has_libreoffice_calculate_formulas_without_values(tmp_path: Path, libreoffice):
    import datetime as dt

    from salesops_xl.batch import recalc
    from salesops_xl.xlsx.package import Package

    formula = edited(tmp_path, "formula.xlsx", lambda b: b["Roster"].__setitem__("G2", "=DATE(2026,8,31)"))
    meant = edited(tmp_path, "meant.xlsx", lambda b: b["Roster"].__setitem__("G2", dt.datetime(2026, 8, 31)))
    plain = tmp_path / "plain.xlsx"
    shutil.copy(COMMISSIONS, plain)
    before = formula.read_bytes()
    r = cli("recalc", "--calculate", str(formula), "-o", str(tmp_path / "out.xlsx"))
    assert r.returncode == 0, r.stderr
    assert formula.read_bytes() == before
    recalc(meant, tmp_path / "meant-out.xlsx", computed_at="2026-01-01T00:00:00+00:00")
    recalc(plain, tmp_path / "plain-out.xlsx", computed_at="2026-01-01T00:00:00+00:00")

    def summary(p: Path):
        with XlsxSource(p) as src:
            t = src.read("PayoutSummary")
            return {c: list(t.data[c]) for c in t.columns}

    got = summary(tmp_path / "out.xlsx")
    assert got == summary(tmp_path / "meant-out.xlsx")  # the termination is applied...
    assert got != summary(tmp_path / "plain-out.xlsx")  # ... and it changes the payouts
    # the input tables of the written workbook are the user's, untouched (the formula still without a value)
    with Package(formula) as a, Package(tmp_path / "out.xlsx") as b:
        part = a.sheet_part("Roster")
        assert a.read(part) == b.read(b.sheet_part("Roster"))


def test_the_clis_last_line_of_defence_names_the_file_for_a_reading_librarys_error(capsys):
    # a failure of a reading library that escaped the reader (here a zip error and a Rust panic's class, both
    # raised as the libraries raise them) is a file message naming the workbook, exit 3, not an internal error
    import xml.etree.ElementTree as ET

    from salesops_xl.console import EXIT_FILE, run_guarded

    def zip_fails(path):
        raise zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet3.xml'")

    def xml_fails(path):
        ET.fromstring("<a>")

    for fn, library in ((zip_fails, "the zip reader"), (xml_fails, "the XML parser")):
        with pytest.raises(SystemExit) as info:
            run_guarded(fn, Path("deals.xlsx"))
        assert info.value.code == EXIT_FILE
        err = capsys.readouterr().err
        assert err.startswith(f"error: deals.xlsx: {library} could not read this workbook: "), err
        assert "internal error" not in err


def test_the_scan_finds_the_same_in_any_chunking(tmp_path: Path):
    # tiny chunks cut the markup anywhere: formulas without values and rows below are found all the same
    from salesops_xl.xlsx.package import Package
    from salesops_xl.xlsx.reader import _rect, scan_sheet

    def change(book):
        append_deals(book, 2)
        book["Deals"]["F3"] = "=2*1000"
        book["Deals"]["K4"] = "note"
    p = edited(tmp_path, "chunks.xlsx", change)
    with Package(p) as pkg:
        part = pkg.sheet_part("Deals")
        rects = [_rect(pkg.table("Deals").ref)]
        whole = scan_sheet(pkg, part, rects=rects)
        assert whole.uncalculated == {(2, 5): "=2*1000"}
        assert list(whole.beside[0][0]) == [2014, 2015] and list(whole.beside[0][1]) == [10]
        for size in (7, 64, 1000):
            s = scan_sheet(pkg, part, chunk=size, rects=rects)
            assert s.uncalculated == whole.uncalculated
            assert [list(x) for x in s.beside[0]] == [list(x) for x in whole.beside[0]]
