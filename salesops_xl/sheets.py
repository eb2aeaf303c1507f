"""Format-neutral description of the sheets salesops-xl writes.

The engine produces results as pandas/numpy data; a *door* (the xlsx file
writer of the batch CLI, or the xlwings adapter of the add-in) renders them.
This module is the contract between the two: a :class:`SheetSpec` holds
:class:`TableBlock` s (an Excel Table each), optional free text lines above
them and :class:`ChartSpec` s whose series point at table columns.

Value conventions for ``TableBlock.data`` (one array per column, all the same
length):

========== ======================================= ===========================
kind       array dtype                             blank
========== ======================================= ===========================
text       object array of ``str`` (or ``None``)   ``None``
int        int64, or float64                       NaN (float64 only)
number     float64                                 NaN
money      int64 **cents** (exact), or float64     NaN (float64 only)
percent    float64 (0.25 is shown as 25.0%)        NaN
rate       float64 (0.0525 is shown as 5.25%)      NaN
multiple   float64 (1.5 is shown as 1.50x)         NaN
date       datetime64[D] (or [ns])                 NaT
========== ======================================= ===========================

Text is always written as a literal string, never as a formula, whatever it
starts with. Money in cents is written as the exact decimal (``12345`` cents
-> ``123.45``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ColumnKind = Literal["text", "int", "number", "money", "percent", "rate", "multiple", "date"]

#: Excel number format code for every column kind.
NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "int": "#,##0",
    "number": "#,##0.00",
    "money": "#,##0.00",
    "percent": "0.0%",
    "rate": "0.00%",
    "multiple": '0.00"x"',
    "date": "yyyy-mm-dd",
}


@dataclass(frozen=True)
class Column:
    """A column of an output table: its header and how values are shown."""

    name: str
    kind: ColumnKind = "text"
    width: float | None = None  # in Excel character units; None = fitted to content
    description: str = ""


@dataclass(frozen=True)
class TableBlock:
    """An Excel Table (ListObject) written at ``anchor``; the header is its first row."""

    name: str
    columns: tuple[Column, ...]
    data: Mapping[str, np.ndarray]
    anchor: str = "A1"
    style: str = "TableStyleMedium2"
    # data rows (0-based) shown as totals / subtotals: bold on a light fill with a rule above
    total_rows: tuple[int, ...] = ()

    @property
    def n_rows(self) -> int:
        if not self.columns:
            return 0
        return len(self.data[self.columns[0].name])


@dataclass(frozen=True)
class SeriesRef:
    """One chart series: values (and categories / x values) taken from table columns."""

    name: str
    table: str
    values: str  # column name of the y values
    categories: str | None = None  # column name of categories (bar/line) or x values (scatter)
    color: str | None = None  # RRGGBB
    # line charts: None a solid line; "markers" markers without a line; "dash" a dashed line without markers
    style: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart placed on the sheet."""

    kind: Literal["bar", "column", "line", "scatter"]
    title: str
    series: tuple[SeriesRef, ...]
    anchor: str  # top-left cell of the chart frame
    x_title: str = ""
    y_title: str = ""
    width_cols: int = 8
    height_rows: int = 16
    y_format: str | None = None  # number format of the value axis, e.g. '0%'
    x_format: str | None = None


@dataclass(frozen=True)
class PictureSpec:
    """A PNG picture placed on the sheet at its own size (a one-cell anchor: it does not stretch with columns).

    ``png`` must be the same bytes for the same inputs (no timestamps): a recalculation must give back the
    identical workbook. Shown at ``width_px`` x ``height_px`` screen pixels (96 per inch)."""

    png: bytes
    anchor: str  # top-left cell
    width_px: int
    height_px: int
    name: str = "Picture"
    description: str = ""  # alternative text, read by screen readers

    @property
    def rows_cols(self) -> tuple[int, int]:
        """Rows and columns it covers at the default row height (20 px) and column width (64 px)."""
        return -(-int(self.height_px) // 20), -(-int(self.width_px) // 64)


@dataclass(frozen=True)
class SheetSpec:
    """A whole sheet owned by salesops-xl: replaced as a unit on every run."""

    name: str
    tables: tuple[TableBlock, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    pictures: tuple[PictureSpec, ...] = ()  # written by the batch door's writer (the add-in leaves them out)
    freeze: str | None = None  # e.g. "A2": rows above / columns left of it stay visible
    notes: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (cell, text) written as plain text
    tab_color: str | None = None  # RRGGBB
    validations: Sequence[ListValidation] = field(default_factory=tuple)
    # (cell, formula without the leading "=") written as native formulas with no cached value, so a
    # spreadsheet application computes them on open. Only code (templates) sets these: text taken from
    # user input is never written as a formula.
    formulas: Sequence[tuple[str, str]] = field(default_factory=tuple)
    # cell -> the value salesops-xl computed for a formula cell (a number or text), written as its cached value
    # so readers that do not compute (previews, pandas, LibreOffice's default) show it; Excel recomputes on open
    cached: Mapping[str, object] = field(default_factory=dict)
    col_widths: Sequence[tuple[str, float]] = field(default_factory=tuple)  # ("A", 40.0): widths of note columns
    # Page setup for printing / PDF rendering (every sheet we write prints; see salesops_xl.xlsx.printsetup).
    print_landscape: bool | None = None  # None: landscape when the content is too wide for a portrait page
    print_fit_width: bool = True  # scale the printout to one page wide (as many pages tall as it takes)
    # rows / columns repeated on every printed page, e.g. "1:6" and "A:B"; None: the frozen rows / columns
    print_rows: str | None = None
    print_cols: str | None = None
    # columns printed, e.g. "A:I", or a cell range ("A1:K4": just those cells); None: everything written
    print_area: str | None = None
    # (cell, look) for notes and formula cells: "title", "subtitle", "label", "total", "header", "wrap"
    looks: Sequence[tuple[str, str]] = field(default_factory=tuple)


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list (data validation) on a table column."""

    table: str
    column: str
    choices: tuple[str, ...]
