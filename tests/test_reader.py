"""The file reader: Excel Tables out of an .xlsx, error cells kept as errors, blank rows dropped."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from salesops_xl.xlsx.package import Package
from salesops_xl.xlsx.reader import XlsxSource, scan_error_cells

from helpers import TEMPLATES


@pytest.fixture(scope="module")
def broken_once(tmp_path_factory) -> Path:
    """The template with error cells typed into the Deals table (as Excel saves a broken lookup), saved by openpyxl
    once per module (its load and save of the 1 MB sample take ~8 s)."""
    p = tmp_path_factory.mktemp("broken") / "broken.xlsx"
    book = openpyxl.load_workbook(TEMPLATES / "commissions.xlsx")
    ws = book["Deals"]
    ws["F2"] = "#N/A"  # Amount of the first deal row
    ws["D3"] = "#REF!"  # CloseDate of the second
    book.save(p)
    return p


@pytest.fixture
def broken(broken_once: Path, tmp_path: Path) -> Path:
    """Each test's own copy of that workbook."""
    return Path(shutil.copyfile(broken_once, tmp_path / "broken.xlsx"))


def test_error_cells_are_found_even_across_chunk_boundaries(broken: Path):
    with Package(broken) as pkg:
        part = pkg.sheet_part("Deals")
        whole = scan_error_cells(pkg, part)
        for size in (7, 64, 1000):  # tiny chunks split the markup anywhere
            assert scan_error_cells(pkg, part, chunk=size) == whole
    assert whole == {(1, 5): "#N/A", (2, 3): "#REF!"}


def test_reader_hands_error_cells_over_as_their_literal(broken: Path):
    with XlsxSource(broken) as src:
        t = src.read("Deals")
    assert t.data["Amount"][0] == "#N/A" and t.errors[("Amount", 0)] == "#N/A"
    assert t.data["CloseDate"][1] == "#REF!"


def test_recalc_reports_error_cells_by_cell(broken: Path):
    r = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", str(broken)], capture_output=True,
                       text=True)
    assert r.returncode == 1
    assert "table Deals: row 2, column Amount, cell F2: error value in the cell; found \"#N/A\"" in r.stderr
    assert "table Deals: row 3, column CloseDate, cell D3: error value in the cell; found \"#REF!\"" in r.stderr


def test_blank_rows_inside_a_table_are_skipped_and_rows_keep_their_excel_numbers(tmp_path: Path):
    p = tmp_path / "gaps.xlsx"
    shutil.copy(TEMPLATES / "commissions.xlsx", p)
    book = openpyxl.load_workbook(p)
    ws = book["Deals"]
    for c in range(1, 11):
        ws.cell(row=3, column=c).value = None  # blank out the second deal row entirely
    ws["B5"] = "NOBODY"
    book.save(p)
    r = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", str(p)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "row 5, column RepID, cell B5: unknown rep" in r.stderr


def test_error_cells_in_single_quoted_attributes_are_found_too(broken: Path, tmp_path: Path):
    """XML allows t='e' as well as t="e"; a writer using single quotes is rare, not wrong."""
    import zipfile

    single = tmp_path / "single.xlsx"
    with zipfile.ZipFile(broken) as zin, zipfile.ZipFile(single, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and b't="e"' in data:
                data = data.replace(b't="e"', b"t='e'")
            zout.writestr(item, data)
    with Package(single) as pkg:
        part = pkg.sheet_part("Deals")
        assert b"t='e'" in pkg.read(part)
        for size in (7, 64, 1000, 1 << 20):  # the quote and the attribute cut apart anywhere
            assert scan_error_cells(pkg, part, chunk=size) == {(1, 5): "#N/A", (2, 3): "#REF!"}
