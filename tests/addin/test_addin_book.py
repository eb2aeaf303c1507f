"""The Book door on its own: how a SheetSpec is written and an Excel Table read, through xlwings' calls.

Against the stand-in of tests/addin/addin_xwmodel.py (what it models is written there).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from addin_xwmodel import Book, ErrorCell

from salesops_xl.addin.book import REMOTE_CELLS_PER_WRITE, BookSource, write_book
from salesops_xl.sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from salesops_xl.tables import read_table, TableSchema, Field
from salesops_xl.errors import ProblemCollector


def new_book(flavour: str) -> Book:
    book = Book("w.xlsx", flavour)
    book.sheets.add(name="Sheet1")  # a workbook always has a sheet
    book.settle()
    return book


def block(n: int = 3, name: str = "Out", anchor: str = "A1") -> TableBlock:
    cols = (Column("Period", "text"), Column("Day", "date"), Column("Amount", "money"), Column("Share", "percent"),
            Column("Count", "int"))
    data = {
        "Period": np.array(["2026-03", "00123", None][:n] + ["=1+1"] * max(0, n - 3), dtype=object),
        "Day": np.array(["2026-01-05", "NaT", "2026-12-31"][:n] + ["2026-01-01"] * max(0, n - 3),
                        dtype="datetime64[D]"),
        "Amount": np.array([12345, -5, 0][:n] + [1] * max(0, n - 3), dtype=np.int64),  # cents
        "Share": np.array([0.25, np.nan, 1.0][:n] + [0.5] * max(0, n - 3)),
        "Count": np.array([1.0, 2.0, 3.0][:n] + [4.0] * max(0, n - 3)),
    }
    return TableBlock(name=name, columns=cols, data=data, anchor=anchor)


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_values_formats_and_table_of_a_new_sheet(flavour):
    book = new_book(flavour)
    rep = write_book(book, [SheetSpec(name="Out", tables=(block(anchor="B3"),), freeze="A4",
                                      notes=(("B1", "=not a formula"),))])
    assert rep.written == ["Out"] and rep.added == ["Out"] and rep.range_writes == 2  # the table, the note
    sh = book.sheet("Out")
    book.settle()
    assert sh.value_at("B1") == "=not a formula"  # notes are text, never formulas
    (t,) = sh.tables
    assert (t.name, t.range.address) == ("Out", "$B$3:$F$6")
    assert sh.value_at("B4") == "2026-03" and sh.value_at("B5") == "00123"  # text stays text
    assert sh.value_at("C4") == 46027.0 and sh.formats[(4, 3)] == "yyyy-mm-dd"  # 2026-01-05 as a serial date
    assert sh.value_at("C5") is None  # NaT: a blank cell
    assert sh.value_at("D4") == 123.45 and sh.value_at("D5") == -0.05  # exact cents
    assert sh.formats[(4, 4)] == "#,##0.00" and sh.formats[(4, 5)] == "0.0%" and sh.formats[(4, 6)] == "#,##0"
    assert sh.value_at("E5") is None  # NaN: blank
    raw = BookSource(book).read("Out")
    assert raw.columns == ["Period", "Day", "Amount", "Share", "Count"] and raw.header_row == 3 and raw.first_col == 1
    assert raw.data["Day"][0] == dt.datetime(2026, 1, 5)


def test_an_empty_table_keeps_one_blank_row():
    book = new_book("lite")
    write_book(book, [SheetSpec(name="Out", tables=(block(0),))])
    (t,) = book.sheet("Out").tables
    assert t.range.address == "$A$1:$E$2"


def test_a_very_large_table_is_written_in_blocks_of_whole_rows_in_lite():
    n = 60_000  # 300,000 cells: above what one request to Excel on the web may carry
    book = new_book("lite")
    rep = write_book(book, [SheetSpec(name="Big", tables=(block(n, "Big"),))])
    sizes = [cells for sheet, _, cells in book.value_writes if sheet == "Big"]
    assert len(sizes) == rep.range_writes == 2 and max(sizes) <= REMOTE_CELLS_PER_WRITE
    book.settle()
    raw = BookSource(book).read("Big")
    assert raw.n_rows == n and raw.data["Amount"][n - 1] == 0.01
    assert BookSource(book).read("Big").data["Period"][n - 1] == "=1+1"  # literal text, even deep in the table


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_tables_that_move_or_grow_into_each_other(flavour):
    """Run Log-like layout: a table below another that grows, then one that moves down."""
    book = new_book(flavour)
    book.sheets.add(name="After", after=book.sheet("Sheet1"))
    write_book(book, [SheetSpec(name="Out", tables=(block(3, "Top", "A1"), block(3, "Below", "A6")))])
    book.sheets.add(name="Last", after=book.sheet("Out"))
    book.settle()
    # "Top" grows to 10 rows: it would run into "Below", which moves to A13
    rep = write_book(book, [SheetSpec(name="Out", tables=(block(10, "Top", "A1"), block(3, "Below", "A13")))])
    tables = sorted((t.name, t.range.address) for t in book.sheet("Out").tables)
    assert tables == [("Below", "$A$13:$E$16"), ("Top", "$A$1:$E$11")]
    assert [s.name for s in book.sheets] == ["Sheet1", "After", "Out", "Last"]  # at its place
    if flavour == "desktop":
        assert rep.skipped == []
    else:
        assert len(rep.skipped) == 1 and "was re-created" in rep.skipped[0]


def test_a_chart_from_columns_that_are_not_side_by_side_is_reported_not_failed():
    b = block()
    chart = ChartSpec(kind="line", title="t", anchor="H1",
                      series=(SeriesRef("a", "Out", "Amount", "Period"), SeriesRef("c", "Out", "Count", "Period")))
    book = new_book("lite")
    rep = write_book(book, [SheetSpec(name="Out", tables=(b,), charts=(chart,))])
    assert rep.skipped == ["sheet 'Out': chart 't': its value columns are not side by side"]
    assert book.sheet("Out").tables  # the values and the table are written all the same


def test_reading_a_table_as_xlwings_hands_it_over():
    book = new_book("desktop")
    sh = book.sheets.add(name="Data")
    sh.range("C2:E2").number_format = "@"
    sh.range("C2:E5").value = [["RepID", "Start", "Amount"], ["R1", None, 10.0], ["R2", None, None],
                               ["R3", None, 30.0]]
    sh.range("D3").value = dt.datetime(2026, 2, 1)
    sh.cells[(4, 5)] = ErrorCell("#N/A")
    sh.tables.add(source=sh.range("C2:E5"), name="Data")
    book.settle()
    raw = BookSource(book).read("data")  # case-insensitive
    assert raw.data["Amount"].tolist() == [10.0, "#N/A", 30.0]  # the error literal, not a blank
    assert raw.cell("Amount", 1) == "E4"
    problems = ProblemCollector()
    schema = TableSchema(name="Data", sheet="Data", description="", fields=(
        Field("RepID", "id", ""), Field("Start", "date", "", blank=True), Field("Amount", "money", "")))
    read_table(raw, schema, problems)
    (p,) = problems.problems
    assert str(p) == ("w.xlsx, sheet 'Data', table Data: row 4, column Amount, cell E4: error value in the cell; "
                      'found "#N/A"; expected an amount (a number)')


def test_a_table_with_its_header_row_off_is_refused_clearly():
    from salesops_xl.errors import WorkbookError

    class Headless:
        name = "T"
        header_row_range = None

    class S:
        name = "S"

    from salesops_xl.addin.book import read_table_range

    with pytest.raises(WorkbookError, match="header row switched off"):
        read_table_range(S(), Headless(), "w.xlsx")


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_floats_reach_excel_at_the_precision_the_xlsx_writer_writes(flavour, tmp_path):
    """One number through both doors: a script's Book gets the values `salesops-xl recalc` writes into the file
    (money to the cent, the rest to 10 significant digits, docs/schema.md), not the engine's last bits."""
    from python_calamine import CalamineWorkbook

    from salesops_xl.xlsx.writer import write_sheets

    cols = (Column("Forecast", "money"), Column("Share", "percent"), Column("Score", "number"), Column("N", "int"))
    data = {"Forecast": np.array([1567429.2421971706, -0.125, np.nan]),
            "Share": np.array([2 / 3, 0.3879674731324968, 1e-13 / 3]),
            "Score": np.array([6314209.529609884, 123456789012.5, 0.1 + 0.2]),
            "N": np.array([12_345_678_901, 0, -3], dtype=np.int64)}
    spec = SheetSpec(name="Out", tables=(TableBlock(name="Out", columns=cols, data=data),))
    book = new_book(flavour)
    write_book(book, [spec])
    book.settle()
    sh = book.sheet("Out")
    via_book = [[sh.value_at(f"{c}{r}") for c in "ABCD"] for r in (2, 3, 4)]
    write_sheets(None, tmp_path / "out.xlsx", [spec])
    via_file = CalamineWorkbook.from_path(str(tmp_path / "out.xlsx")).get_sheet_by_name("Out").to_python()[1:]
    assert via_book == [[(v if v != "" else None) for v in row] for row in via_file]
    assert via_book == [[1567429.24, 0.6666666667, 6314209.53, 12_345_678_901],
                        [-0.13, 0.3879674731, 123456789000.0, 0],
                        [None, 3.333333333e-14, 0.3, -3]]
