"""The xlwings door: a workbook open in Excel, read and written through the xlwings object model.

The same code serves desktop Excel (xlwings over COM / AppleScript, the book of the button that
was clicked) and xlwings Lite (the Book a ``@script`` receives: a snapshot of the workbook whose
writes are queued and applied when the script returns). It only uses calls both provide:

* :class:`BookSource` reads Excel Tables (``sheet.tables``, their header row and data body,
  ``.options(ndim=2, err_to_str=True).value``): numbers, text, datetimes (desktop, and date-
  formatted cells in Lite), serial numbers (undated cells), ``None`` for blanks and error
  literals (``"#N/A"``) for error cells, exactly what :func:`salesops_xl.tables.read_table`
  expects from any door;
* :func:`write_book` renders :class:`~salesops_xl.sheets.SheetSpec` s: an owned sheet that exists is
  kept (so formulas elsewhere that point at it, e.g. ``=SUM(Payouts[Payable])``, keep working),
  its contents cleared and its tables resized in place; a missing one is appended. Each table
  is written with **one** range write (header and rows; only a table beyond 250,000 cells in
  xlwings Lite, or 2 million on desktop, is written in blocks of whole rows), after its columns
  received their number formats (text columns get ``@`` first, so "2026-03" or "00123" stay
  text). Then the Excel Table, notes, freeze panes, charts, pictures (desktop: from a temporary PNG file).

Dates follow the book's date system (1900, or 1904: ``<workbookPr date1904>``), found by
:func:`book_date1904`: desktop xlwings asks Excel (``Workbook.Date1904``); xlwings Lite cannot tell, so
there it is the system set in ``main.py`` (``cells.set_date_system(1904)``), 1900 by default. Serial
numbers read and written are of that system; a date-formatted cell that xlwings Lite handed over as a
datetime counted from 1900 (its conversion assumes the 1900 system) is moved to its real date.

What a runtime cannot do is skipped and reported (``RenderReport.skipped``), never silently:
xlwings Lite cannot colour a sheet tab, nor delete an Excel Table (when a table of an owned sheet
moved, e.g. the Run Log's warnings below a longer totals table, Lite re-creates that sheet);
desktop xlwings before 0.37.3 cannot place charts by cell. Values, tables and number formats are
always written.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..cellrefs import col_letters
from ..dates import DATE1904_OFFSET, date_to_serial
from ..errors import WorkbookError
from ..precision import round_written
from ..sheets import NUMBER_FORMATS, ChartSpec, SheetSpec, TableBlock
from ..tables import RawTable

__all__ = ["BookSource", "RenderReport", "write_book", "runtime_of", "book_date1904"]


def book_date1904(book) -> bool:
    """Is the book on the 1904 date system? Desktop: Excel says so; xlwings Lite: the cell functions' setting.

    xlwings Lite's Book carries no date system (nor does Office.js hand one to a cell function), so there
    the answer is :func:`salesops_xl.cells.date_system`, which ``main.py`` sets for a 1904 workbook.
    """
    from ..cells import date_system

    if runtime_of(book) != "remote":
        api: Any = getattr(book, "api", None)  # the app's own object (COM, AppleScript): untyped; None in a fake
        for get in (lambda: api.Date1904, lambda: api.date_1904.get()):  # Windows COM, macOS AppleScript
            try:
                return bool(get())
            except Exception:
                continue
    return date_system() == 1904


# -- reading -------------------------------------------------------------------------------------------

def _header_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class BookSource:
    """The Excel Tables of an xlwings ``Book`` (desktop or xlwings Lite), by name, case-insensitive."""

    def __init__(self, book):
        self.book = book
        self.workbook = str(book.name)
        self._index: dict[str, tuple[Any, Any]] | None = None
        self.date1904 = book_date1904(book)
        # xlwings Lite turns a date-formatted cell into a datetime counting its serial from 1899-12-30 (the 1900
        # system) whatever the book's system: in a 1904 book that is 1,462 days early
        self._datetime_shift = DATE1904_OFFSET if (self.date1904 and runtime_of(book) == "remote") else 0

    def _tables(self) -> dict[str, tuple[Any, Any]]:
        if self._index is None:
            index: dict[str, tuple[Any, Any]] = {}
            for sheet in self.book.sheets:
                for table in sheet.tables:
                    index.setdefault(str(table.name).lower(), (sheet, table))
            self._index = index
        return self._index

    def table_names(self) -> list[str]:
        return [str(t.name) for _, t in self._tables().values()]

    def read(self, name: str) -> RawTable | None:
        hit = self._tables().get(name.lower())
        if hit is None:
            return None
        return read_table_range(hit[0], hit[1], self.workbook, date1904=self.date1904,
                                datetime_shift_days=self._datetime_shift)


def read_table_range(sheet, table, workbook: str, *, date1904: bool = False, datetime_shift_days: int = 0) -> RawTable:
    """One Excel Table -> RawTable: header names, columns of raw values, its place on the sheet."""
    header_rng = table.header_row_range
    if header_rng is None:
        raise WorkbookError(f"{workbook}, sheet {sheet.name!r}: table {table.name} has its header row switched "
                            "off; switch it on (Table Design > Header Row) so its columns can be found by name")
    header = header_rng.options(ndim=2, err_to_str=True).value[0]
    columns = [_header_text(h) for h in header]
    body_rng = table.data_body_range
    rows = body_rng.options(ndim=2, err_to_str=True).value if body_rng is not None else []
    rows = rows or []
    width = len(columns)
    grid = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):  # rows of a table range all have `width` cells
        grid[i, :len(r)] = r[:width]
    if datetime_shift_days and grid.size:
        import datetime as _dt

        shift = _dt.timedelta(days=datetime_shift_days)
        flat = grid.reshape(-1)
        for k in [k for k, v in enumerate(flat.tolist()) if isinstance(v, _dt.date)]:
            flat[k] = flat[k] + shift
    data = {c: grid[:, j] for j, c in enumerate(columns)}
    return RawTable(name=str(table.name), columns=columns, data=data, sheet=str(sheet.name), workbook=workbook,
                    header_row=int(header_rng.row), first_col=int(header_rng.column) - 1, date1904=date1904)


# -- writing ---------------------------------------------------------------------------------------------

@dataclass
class RenderReport:
    """What :func:`write_book` did."""

    written: list[str] = field(default_factory=list)  # sheet names, in spec order
    added: list[str] = field(default_factory=list)  # sheets that did not exist before
    removed: list[str] = field(default_factory=list)
    cells: int = 0  # table cells written (headers included)
    range_writes: int = 0  # value writes issued (one per table, plus notes)
    skipped: list[str] = field(default_factory=list)  # what this runtime could not do


def runtime_of(book) -> str:
    """"desktop" (xlwings over COM/AppleScript) or "remote" (xlwings Lite / the remote Book engine)."""
    try:
        return "remote" if book.app.engine.type == "remote" else "desktop"
    except Exception:  # an engine without a type: treat as desktop
        return "desktop"


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _cell_rc(ref: str) -> tuple[int, int]:
    """'C2' -> (2, 3): 1-based row and column."""
    m = _CELL.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)), col


def _rows_of(block: TableBlock, date1904: bool = False) -> list[list[Any]]:
    """Header + data rows as plain Python values (what one range write sends).

    text -> str/None; numbers -> float/None (NaN -> None) at the precision of :func:`round_written` (money
    to the cent, the rest to 10 significant digits); money in int64 cents -> units (exact cents);
    dates -> Excel serial numbers of the book's date system (the column gets a date format), so no runtime
    parses a date string.
    An empty table gets one blank row: an Excel Table needs a data row.
    """
    n = block.n_rows
    cols: list[list[Any]] = []
    for c in block.columns:
        v = np.asarray(block.data[c.name])
        if c.kind == "text":
            arr = v.astype(object) if v.dtype != object else v
            out = [None if (x is None or (isinstance(x, float) and x != x)) else str(x) for x in arr.tolist()]
        elif c.kind == "date":
            d = v.astype("datetime64[D]")
            serial = date_to_serial(d, date1904)  # write_book checked first that the 1904 system holds them
            obj = serial.astype(object)
            obj[np.isnat(d)] = None
            out = obj.tolist()
        else:
            if v.dtype.kind in "iub":  # integers (money: cents) are exact, as in the xlsx writer
                f = v.astype(np.float64) / (100.0 if c.kind == "money" else 1.0)
            else:  # floats at the precision every workbook states, as in the xlsx writer of the batch door
                f = round_written(v, c.kind)
            if np.isfinite(f).all():
                out = f.tolist()
            else:
                obj = f.astype(object)
                obj[~np.isfinite(f)] = None
                out = obj.tolist()
        cols.append(out)
    header = [c.name for c in block.columns]
    if n == 0:
        return [header, [None] * len(header)]
    return [header] + [list(r) for r in zip(*cols)]


#: Cells one range write may carry. Excel on the web refuses a request above 5 MB (xlwings Lite sends a
#: value as JSON, ~16 bytes a cell); desktop COM copes with more, but one multi-GB SAFEARRAY does not.
REMOTE_CELLS_PER_WRITE = 250_000
DESKTOP_CELLS_PER_WRITE = 2_000_000


def _rows_per_write(width: int, remote: bool) -> int:
    """Rows of a table written in one call: all of them up to the limit, else blocks of whole rows."""
    limit = REMOTE_CELLS_PER_WRITE if remote else DESKTOP_CELLS_PER_WRITE
    return max(1, limit // max(width, 1))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Do two (top, left, bottom, right) boxes share a cell?"""
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _format_runs(block: TableBlock) -> list[tuple[int, int, str]]:
    """Adjacent columns sharing a number format -> (first, last, format): one format call per run."""
    runs: list[tuple[int, int, str]] = []
    for j, c in enumerate(block.columns):
        fmt = NUMBER_FORMATS[c.kind]
        if runs and runs[-1][2] == fmt and runs[-1][1] == j - 1:
            runs[-1] = (runs[-1][0], j, fmt)
        else:
            runs.append((j, j, fmt))
    return runs


def _frozen_range(ref: str) -> tuple[int, int, str]:
    """SheetSpec.freeze 'C2' (top-left cell of the scrolling pane) -> (rows, cols, Office.js frozen range)."""
    r, c = _cell_rc(ref)
    rows, cols = r - 1, c - 1
    if rows and cols:
        rng = f"A1:{col_letters(cols - 1)}{rows}"
    elif rows:
        rng = f"1:{rows}"
    elif cols:
        rng = f"A:{col_letters(cols - 1)}"
    else:
        rng = ""
    return rows, cols, rng


_CHART_TYPES = {"column": "column_clustered", "bar": "bar_clustered", "line": "line",
                "scatter": "xy_scatter_lines_no_markers"}


class _Writer:
    def __init__(self, book, report: RenderReport):
        self.book = book
        self.report = report
        self.remote = runtime_of(book) == "remote"
        self.date1904 = book_date1904(book)

    def skip(self, what: str, err: BaseException | None = None) -> None:
        why = f" ({type(err).__name__}: {str(err)[:100]})" if err is not None else ""
        self.report.skipped.append(what + why)

    # -- sheets
    def sheet_named(self, name: str):
        for sh in self.book.sheets:
            if str(sh.name).lower() == name.lower():
                return sh
        return None

    def tables_by_name(self) -> dict[str, tuple[Any, Any]]:
        out: dict[str, tuple[Any, Any]] = {}
        for sh in self.book.sheets:
            for t in sh.tables:
                out.setdefault(str(t.name).lower(), (sh, t))
        return out

    def preflight(self, specs: Sequence[SheetSpec]) -> None:
        """Refuse before writing anything if a table name we write belongs to a sheet we do not own."""
        owned = {s.name.lower() for s in specs}
        where = self.tables_by_name()
        for spec in specs:
            for block in spec.tables:
                hit = where.get(block.name.lower())
                if hit is not None and str(hit[0].name).lower() != spec.name.lower():
                    if str(hit[0].name).lower() in owned:
                        continue  # it moves between two sheets we replace: handled when that sheet is cleared
                    raise WorkbookError(
                        f"{self.book.name}: sheet {hit[0].name!r} has an Excel Table named {hit[1].name}, the name "
                        f"of the table salesops-xl writes on sheet {spec.name!r}; rename that table, nothing was "
                        "written")

    def check_dates(self, specs: Sequence[SheetSpec]) -> None:
        """Refuse before writing anything a date the book's 1904 date system cannot hold (before 1904-01-01)."""
        if not self.date1904:
            return
        first = np.datetime64("1904-01-01", "D")
        for spec in specs:
            for block in spec.tables:
                for c in block.columns:
                    if c.kind != "date":
                        continue
                    d = np.asarray(block.data[c.name]).astype("datetime64[D]")
                    early = ~np.isnat(d) & (d < first)
                    if early.any():
                        i = int(np.flatnonzero(early)[0])
                        raise WorkbookError(
                            f"{self.book.name}: sheet {spec.name!r}, table {block.name!r}, column {c.name!r}, row "
                            f"{i + 1}: the date {d[i]} cannot be written: the workbook uses the 1904 date system, "
                            "whose first date is 1904-01-01; expected a date from 1904-01-01 on, or a workbook on "
                            "the 1900 date system; nothing was written")

    def prepare_sheet(self, spec: SheetSpec):
        """The sheet to write ``spec`` on, cleared, and its Excel Tables that are kept (name -> table).

        A table is kept (and later resized) when the spec writes a table of its name at the same
        anchor and the new extent meets no other table; every other table of the sheet goes first
        (desktop: ``ListObject.Delete``). xlwings Lite cannot delete a table: there the sheet is
        deleted and added again at its place, which is reported (formulas elsewhere pointing at it
        then show #REF!). That happens only when a table of the sheet moved or disappeared.
        """
        sh = self.sheet_named(spec.name)
        if sh is None:
            sheets = self.book.sheets
            sh = sheets.add(name=spec.name, after=sheets[len(sheets) - 1])
            self.report.added.append(spec.name)
            return sh, {}
        old = {str(t.name).lower(): t for t in sh.tables}
        boxes = {}
        for t in old.values():
            rng = t.range
            boxes[str(t.name).lower()] = (int(rng.row), int(rng.column), int(rng.row) + int(rng.shape[0]) - 1,
                                          int(rng.column) + int(rng.shape[1]) - 1)
        keep = {}
        for block in spec.tables:
            key = block.name.lower()
            if key not in old:
                continue
            r0, c0 = _cell_rc(block.anchor)
            r1, c1 = r0 + max(block.n_rows, 1), c0 + len(block.columns) - 1
            if boxes[key][:2] == (r0, c0) and not any(
                    _overlap((r0, c0, r1, c1), box) for k, box in boxes.items() if k != key):
                keep[key] = old[key]
        stale = [t for k, t in old.items() if k not in keep]
        if stale and self.remote:
            return self.recreate(sh, spec, stale), {}
        for t in stale:
            self.delete_table(t, f"sheet {spec.name!r}: table {t.name} (moved or no longer written)")
        for chart in list(sh.charts):
            try:
                chart.delete()
            except Exception as e:
                self.skip(f"sheet {spec.name!r}: an old chart could not be deleted", e)
        for pic in list(getattr(sh, "pictures", None) or ()):
            try:
                pic.delete()
            except Exception as e:
                self.skip(f"sheet {spec.name!r}: an old picture could not be deleted", e)
        sh.clear_contents()  # keeps the kept Excel Tables (ListObjects) and the sheet itself
        return sh, keep

    def recreate(self, sh, spec: SheetSpec, stale) -> Any:
        sheets = self.book.sheets
        names = [str(x.name) for x in sheets]
        i = names.index(str(sh.name))
        if len(names) == 1:
            raise WorkbookError(f"{self.book.name}: sheet {spec.name!r} is the only sheet; add another one first")
        # placed after the previous sheet: the form every engine reads the same way (the remote engine maps
        # before=<sheet k> to position k - 1)
        previous = sheets[i - 1] if i > 0 else None
        following = sheets[i + 1] if i + 1 < len(names) else None
        sh.delete()
        if previous is not None:
            sh = sheets.add(name=spec.name, after=previous)
        else:
            sh = sheets.add(name=spec.name, before=following)
        moved = ", ".join(str(t.name) for t in stale)
        self.skip(f"sheet {spec.name!r} was re-created because its table(s) {moved} moved or are no longer "
                  "written and xlwings Lite cannot delete an Excel Table; formulas elsewhere that pointed at this "
                  "sheet show #REF!")
        return sh

    # -- a table
    def write_table(self, sh, block: TableBlock, old) -> None:
        r0, c0 = _cell_rc(block.anchor)
        rows = _rows_of(block, self.date1904)
        n, w = len(rows), len(block.columns)
        full = sh.range((r0, c0), (r0 + n - 1, c0 + w - 1))
        # number formats first: a text column formatted "@" keeps "2026-03" and "00123" as text
        sh.range((r0, c0), (r0, c0 + w - 1)).number_format = "@"
        for j0, j1, fmt in _format_runs(block):
            sh.range((r0 + 1, c0 + j0), (r0 + n - 1, c0 + j1)).number_format = fmt
        step = _rows_per_write(w, self.remote)
        if n <= step:
            full.value = rows
            self.report.range_writes += 1
        else:  # a very large table: consecutive blocks of whole rows (see _rows_per_write)
            for i in range(0, n, step):
                part = rows[i:i + step]
                sh.range((r0 + i, c0), (r0 + i + len(part) - 1, c0 + w - 1)).value = part
                self.report.range_writes += 1
        self.report.cells += n * w
        if old is not None:  # kept by prepare_sheet: same anchor, room to grow
            rng = old.range
            old_rows, old_cols = int(rng.shape[0]), int(rng.shape[1])
            old.resize(full)
            if old_rows > n:  # the table shrank: the rows it left keep no formats
                try:
                    sh.range((r0 + n, c0), (r0 + old_rows - 1, c0 + max(w, old_cols) - 1)).clear_formats()
                except Exception as e:
                    self.skip(f"table {block.name}: formats of the rows it no longer covers were kept", e)
        else:
            sh.tables.add(source=full, name=block.name, table_style_name=block.style)
        widths = [(j, c.width) for j, c in enumerate(block.columns) if c.width]
        for j, wdt in widths:
            try:
                # desktop widths are in characters; the remote engine passes points (about 7 per character)
                sh.range((r0, c0 + j)).column_width = wdt * 7.0 if self.remote else wdt
            except Exception as e:
                self.skip(f"table {block.name}: column width", e)
        if len(widths) < w:
            try:
                full.columns.autofit()
            except Exception as e:
                self.skip(f"table {block.name}: column autofit", e)

    def delete_table(self, table, why: str) -> None:
        try:
            table.api.Delete()  # desktop: ListObject.Delete (the cells were cleared already)
        except Exception as e:
            self.skip(f"{why}: the old Excel Table could not be deleted in this runtime", e)

    # -- the rest of a sheet
    def write_notes(self, sh, spec: SheetSpec) -> None:
        for ref, text in spec.notes:
            cell = sh.range(ref)
            cell.number_format = "@"  # literal text, never a formula
            cell.value = str(text)
            self.report.range_writes += 1
        for ref, formula in spec.formulas:  # only code sets these (templates), never user text
            sh.range(ref).formula = "=" + formula

    def freeze(self, sh, spec: SheetSpec) -> None:
        if not spec.freeze:
            return
        rows, cols, rng = _frozen_range(spec.freeze)
        if not rng:
            return
        try:
            sh.freeze_panes.freeze_at(rng)  # xlwings Lite / remote engine
            return
        except (AttributeError, NotImplementedError):
            pass
        except Exception as e:
            self.skip(f"sheet {spec.name!r}: freeze panes", e)
            return
        try:  # desktop Excel: the window of the sheet
            sh.activate()
            win = self.book.app.api.ActiveWindow
            win.FreezePanes = False
            win.ScrollRow = 1
            win.ScrollColumn = 1
            win.SplitRow = rows
            win.SplitColumn = cols
            win.FreezePanes = True
        except Exception as e:
            self.skip(f"sheet {spec.name!r}: freeze panes", e)

    def tab_color(self, sh, spec: SheetSpec) -> None:
        if not spec.tab_color or self.remote:
            return  # the remote engine (xlwings Lite) has no tab colour
        try:
            r, g, b = (int(spec.tab_color[i:i + 2], 16) for i in (0, 2, 4))
            sh.api.Tab.Color = r + (g << 8) + (b << 16)  # COM colours are BGR
        except Exception as e:
            self.skip(f"sheet {spec.name!r}: tab colour", e)

    def chart(self, sh, spec: SheetSpec, chart: ChartSpec) -> None:
        what = f"sheet {spec.name!r}: chart {chart.title!r}"
        blocks = {b.name: b for b in spec.tables}
        s0 = chart.series[0]
        block = blocks.get(s0.table)
        if block is None or any(s.table != s0.table for s in chart.series):
            self.skip(f"{what}: its series come from another sheet or several tables")
            return
        names = [c.name for c in block.columns]
        try:
            idx = [names.index(s.values) for s in chart.series]
            cat = names.index(s0.categories) if s0.categories else None
        except ValueError:
            self.skip(f"{what}: a series names a column the table does not have")
            return
        if idx != list(range(idx[0], idx[0] + len(idx))):
            self.skip(f"{what}: its value columns are not side by side")
            return
        r0, c0 = _cell_rc(block.anchor)
        n = max(block.n_rows, 1)
        source = sh.range((r0, c0 + idx[0]), (r0 + n, c0 + idx[-1]))
        width, height = chart.width_cols * 48.0, chart.height_rows * 15.0
        try:
            xl_chart = sh.charts.add(chart_type=_CHART_TYPES[chart.kind], source=source, plot_by="columns",
                                     anchor=sh.range(chart.anchor), width=width, height=height)
        except TypeError:  # xlwings before 0.37.3: position in points, then source and type
            try:
                top_left = sh.range(chart.anchor)
                xl_chart = sh.charts.add(left=top_left.left, top=top_left.top, width=width, height=height)
                xl_chart.set_source_data(source)
                xl_chart.chart_type = _CHART_TYPES[chart.kind]
            except Exception as e:
                self.skip(what, e)
                return
        except Exception as e:
            self.skip(what, e)
            return
        if cat is not None:
            try:
                xl_chart.set_x_axis_values(sh.range((r0 + 1, c0 + cat), (r0 + n, c0 + cat)))
            except Exception as e:
                self.skip(f"{what}: category labels", e)
        for label, step in (("title", lambda: setattr(xl_chart, "title", chart.title)),
                            ("axis titles", lambda: _axis_titles(xl_chart, chart)),
                            ("series colours", lambda: _series_colors(xl_chart, chart))):
            try:
                step()
            except Exception as e:
                self.skip(f"{what}: {label}", e)


    def picture(self, sh, spec: SheetSpec, pic) -> None:
        """A PictureSpec as an Excel picture at its cell, its size in points (96 px = 72 pt)."""
        import os
        import tempfile

        what = f"sheet {spec.name!r}: picture {pic.name!r}"
        fd, path = tempfile.mkstemp(suffix=".png")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pic.png)
            cell = sh.range(pic.anchor)
            sh.pictures.add(path, name=pic.name, left=cell.left, top=cell.top, width=pic.width_px * 0.75,
                            height=pic.height_px * 0.75)
        except Exception as e:
            self.skip(what, e)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass


def _axis_titles(xl_chart, chart: ChartSpec) -> None:
    if chart.x_title:
        xl_chart.category_axis.title = chart.x_title
    if chart.y_title:
        xl_chart.value_axis.title = chart.y_title
    if chart.y_format:
        xl_chart.value_axis.number_format = chart.y_format
    if chart.x_format and chart.kind == "scatter":
        xl_chart.category_axis.number_format = chart.x_format


def _series_colors(xl_chart, chart: ChartSpec) -> None:
    if not any(s.color for s in chart.series):
        return
    series = xl_chart.series
    for k, s in enumerate(chart.series):
        if s.color:
            color = "#" + s.color
            if chart.kind in ("line", "scatter"):
                series[k].set(line_color=color)
            else:
                series[k].set(fill_color=color)


def write_book(book, sheets: Sequence[SheetSpec], remove: Sequence[str] = ()) -> RenderReport:
    """Write ``sheets`` into the open workbook ``book``; delete the sheets named in ``remove``.

    Owned sheets are replaced in place (kept, cleared, tables resized), new ones appended in spec
    order; no other sheet is touched. Raises :class:`WorkbookError` before writing anything when a
    table name we write is taken by a sheet we do not own.
    """
    specs = list(sheets)
    report = RenderReport()
    w = _Writer(book, report)
    w.preflight(specs)
    w.check_dates(specs)
    app = book.app
    restore = []
    for attr, value in (("screen_updating", False), ("calculation", "manual")):
        try:
            before = getattr(app, attr)
            setattr(app, attr, value)
            restore.append((attr, before))
        except Exception:  # xlwings Lite: writes are queued anyway
            pass
    try:
        active = None
        try:
            active = book.sheets.active
        except Exception:
            pass
        for spec in specs:
            sh, kept = w.prepare_sheet(spec)
            for block in spec.tables:
                w.write_table(sh, block, kept.get(block.name.lower()))
            w.write_notes(sh, spec)
            w.tab_color(sh, spec)
            for chart in spec.charts:
                w.chart(sh, spec, chart)
            for pic in spec.pictures:
                w.picture(sh, spec, pic)
            w.freeze(sh, spec)
            report.written.append(spec.name)
        keep = {s.name.lower() for s in specs}
        for name in remove:
            if name.lower() in keep:
                continue
            sh = w.sheet_named(name)
            if sh is not None:
                sh.delete()
                report.removed.append(str(name))
        if active is not None and not w.remote:
            try:
                active.activate()
            except Exception:
                pass
    finally:
        for attr, before in reversed(restore):
            try:
                setattr(app, attr, before)
            except Exception:
                pass
    return report

