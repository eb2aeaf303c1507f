"""A stand-in for the part of the xlwings object model the Book door uses, for tests on Linux.

Neither xlwings runtime exists here: desktop xlwings needs Excel, and xlwings' remote Book engine
(what xlwings Lite runs) needs a licence key (tests/addin/test_remote_engine.py uses it when a key
is present). This model implements the calls of salesops_xl/addin/book.py with the behaviour of
those runtimes that matters to a correct result, and is stricter than Excel where a mistake
would otherwise go unseen:

* values are read as xlwings reads them: lists of rows, ``None`` for blanks, ``datetime`` for a
  date-formatted number, an error cell as ``None`` or, with ``err_to_str=True``, its literal;
* a string written into a cell not formatted as text is *parsed as Excel parses typed input*:
  "2026-03" becomes a date, "00123" the number 123, "TRUE" a boolean, "=..." a formula;
* flavour "desktop": a Table can be deleted (``table.api.Delete()``), freeze panes go through the
  window (``app.api.ActiveWindow``), there is a status bar, ``sheet.freeze_panes`` does not exist;
* flavour "lite": ``app.engine.type == "remote"``, freeze panes via ``sheet.freeze_panes``, no
  table deletion, no status bar, screen updating or calculation mode; and the book is a
  **snapshot**: reading a value after the first write raises (Lite would return stale values).

It is loaded from an .xlsx file (values with python-calamine, tables and error cells from the
package) so scripts run against the real templates.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

EPOCH = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)  # a book on the 1904 date system (<workbookPr date1904="1"/>) counts from here
ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!"}


class ErrorCell:
    def __init__(self, code: str):
        self.code = code

    def __eq__(self, other):
        return isinstance(other, ErrorCell) and other.code == self.code

    def __repr__(self):
        return f"ErrorCell({self.code})"


class Formula:
    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, Formula) and other.text == self.text

    def __repr__(self):
        return f"Formula({self.text})"


class SnapshotError(AssertionError):
    """A value was read after a write: xlwings Lite would have returned the stale snapshot."""


def col_letter(c: int) -> str:
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def parse_a1(ref: str) -> tuple[int, int, int, int]:
    ref = ref.replace("$", "").split("!")[-1]
    parts = ref.split(":")

    def one(p):
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", p)
        c = 0
        for ch in m.group(1).upper():
            c = c * 26 + ord(ch) - 64
        return int(m.group(2)), c

    r1, c1 = one(parts[0])
    r2, c2 = one(parts[1]) if len(parts) > 1 else (r1, c1)
    return r1, c1, r2, c2


def is_date_format(fmt: str | None) -> bool:
    if not fmt or fmt in ("General", "@"):
        return False
    core = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt).lower()
    return bool(re.search(r"[yd]", core)) or bool(re.search(r"(^|[^0#])m{1,4}([^0#]|$)", core) and "/" in core)


_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


def excel_parse(text: str, epoch: dt.datetime = EPOCH) -> tuple[Any, str | None]:
    """What Excel stores when this text is entered into a General cell: (value, number format set)."""
    s = text.strip()
    if s.startswith("="):
        return Formula(s), None
    if s.upper() in ("TRUE", "FALSE"):
        return s.upper() == "TRUE", None
    if _NUM.match(s):
        return float(s), None
    m = _ISO.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        try:
            return float((dt.datetime(y, mo, d) - epoch).days), "yyyy-mm-dd"
        except ValueError:
            pass
    return text, None


class _Engine:
    def __init__(self, kind):
        self.type = "remote" if kind == "lite" else "desktop"
        self.name = "remote" if kind == "lite" else "excel"


class _Window:
    def __init__(self):
        self.FreezePanes = False
        self.ScrollRow = 1
        self.ScrollColumn = 1
        self.SplitRow = 0
        self.SplitColumn = 0


class _AppApi:
    def __init__(self, app):
        self._app = app

    @property
    def ActiveWindow(self):  # each sheet of the model keeps its own window state
        book = self._app.book
        return book._sheets[book.active_index].window


class App:
    def __init__(self, book, flavour):
        self.book = book
        self.flavour = flavour
        self.engine = _Engine(flavour)
        self.alerts: list[tuple[str, str, str]] = []
        self._status = False
        self._screen = True
        self._calc = "automatic"
        self.api = _AppApi(self) if flavour == "desktop" else None

    def _desktop_only(self, what):
        if self.flavour != "desktop":
            raise NotImplementedError(f"{what} is not supported by xlwings Lite")

    @property
    def status_bar(self):
        self._desktop_only("status_bar")
        return self._status

    @status_bar.setter
    def status_bar(self, v):
        self._desktop_only("status_bar")
        self._status = v

    @property
    def screen_updating(self):
        self._desktop_only("screen_updating")
        return self._screen

    @screen_updating.setter
    def screen_updating(self, v):
        self._desktop_only("screen_updating")
        self._screen = v

    @property
    def calculation(self):
        self._desktop_only("calculation")
        return self._calc

    @calculation.setter
    def calculation(self, v):
        self._desktop_only("calculation")
        self._calc = v

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((title or "", prompt, mode or ""))
        return "ok" if self.flavour == "desktop" else None


class Book:
    def __init__(self, name: str, flavour: str = "desktop"):
        assert flavour in ("desktop", "lite")
        self.name = name
        self.flavour = flavour
        self.app = App(self, flavour)
        self._sheets: list[Sheet] = []
        self.sheets = Sheets(self)
        self.writes = 0  # write calls (values, formats, structure)
        self.value_writes: list[tuple[str, str, int]] = []  # (sheet, address, cells) of each value write
        self.active_index = 0
        self.date1904 = False  # the book's date system: its serial numbers count from 1904-01-01
        self.api = _BookApi(self) if flavour == "desktop" else None

    @property
    def epoch(self) -> dt.datetime:
        return EPOCH_1904 if self.date1904 else EPOCH

    # the snapshot rule of xlwings Lite
    def _read(self):
        if self.flavour == "lite" and self.writes:
            raise SnapshotError("a value was read after the script started writing")

    def _write(self):
        self.writes += 1

    def settle(self) -> None:
        """The script has returned: Lite applied its writes; reading is allowed again (a new snapshot)."""
        self.writes = 0

    def copy(self, flavour: str | None = None) -> "Book":
        """A deep copy, possibly of the other flavour (the workbook is the same, the runtime differs)."""
        import copy as _copy

        other = _copy.deepcopy(self)
        if flavour and flavour != other.flavour:
            other.flavour = flavour
            other.app = App(other, flavour)
            other.api = _BookApi(other) if flavour == "desktop" else None
            for sh in other._sheets:
                sh.api = _SheetApi(sh) if flavour == "desktop" else None
                for t in sh._tables:
                    t.api = _TableApi(t) if flavour == "desktop" else None
        return other

    @classmethod
    def from_xlsx(cls, path: str | Path, flavour: str = "desktop") -> "Book":
        """Load values (python-calamine), error cells and tables (the package's parts) of a workbook file."""
        import python_calamine as pc

        from salesops_xl.xlsx.package import Package
        from salesops_xl.xlsx.reader import scan_error_cells

        book = cls(Path(path).name, flavour)
        wb = pc.CalamineWorkbook.from_path(str(path))
        with Package(path) as pkg:
            book.date1904 = pkg.date1904
            for name in wb.sheet_names:
                sh = Sheet(book, name)
                book._sheets.append(sh)
                data = wb.get_sheet_by_name(name)
                r0, c0 = data.start if data.start else (0, 0)
                for i, row in enumerate(data.to_python(skip_empty_area=False)):
                    for j, v in enumerate(row):
                        if v is None or v == "":
                            continue
                        key = (r0 + i + 1, c0 + j + 1)
                        if isinstance(v, (dt.datetime, dt.date)):
                            d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
                            sh.cells[key] = (d - book.epoch).total_seconds() / 86400.0
                            sh.formats[key] = "yyyy-mm-dd"
                        elif isinstance(v, bool):
                            sh.cells[key] = v
                        elif isinstance(v, (int, float)):
                            sh.cells[key] = float(v)
                        else:
                            sh.cells[key] = str(v)
                info = pkg.sheet(name)
                if info is None:
                    continue
                for (r, c), code in scan_error_cells(pkg, info.part).items():
                    sh.cells[(r + 1, c + 1)] = ErrorCell(code)
                for t in pkg.tables_of(info):
                    r1, c1, r2, c2 = parse_a1(t.ref)
                    sh._tables.append(Table(sh, t.display_name or t.name, r1, c1, r2, c2))
        return book

    def sheet(self, name: str) -> "Sheet":
        for s in self._sheets:
            if s.name == name:
                return s
        raise KeyError(name)


class _BookApi:
    """Desktop only: ``book.api.Date1904`` (the COM Workbook property)."""

    def __init__(self, book: "Book"):
        self._book = book

    @property
    def Date1904(self) -> bool:
        return self._book.date1904


class Sheets:
    def __init__(self, book: Book):
        self.book = book

    def __iter__(self):
        return iter(list(self.book._sheets))

    def __len__(self):
        return len(self.book._sheets)

    def __getitem__(self, i):
        if isinstance(i, str):
            return self.book.sheet(i)
        return self.book._sheets[i]

    @property
    def active(self):
        return self.book._sheets[self.book.active_index]

    def add(self, name=None, before=None, after=None):
        if any(s.name.lower() == (name or "").lower() for s in self.book._sheets):
            raise ValueError(f"a sheet named {name!r} exists")
        sh = Sheet(self.book, name or f"Sheet{len(self.book._sheets) + 1}")
        if before is not None:
            ix = self.book._sheets.index(before)
        elif after is not None:
            ix = self.book._sheets.index(after) + 1
        else:
            ix = 0  # desktop Excel adds before the active sheet; callers here always say where
        self.book._sheets.insert(ix, sh)
        self.book._write()
        return sh


class _FreezePanes:
    def __init__(self, sheet):
        self.sheet = sheet

    def freeze_at(self, rng: str):
        self.sheet.frozen = rng
        self.sheet.book._write()


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book = book
        self.name = name
        self.cells: dict[tuple[int, int], Any] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self._tables: list[Table] = []
        self._charts: list[Chart] = []
        self.frozen: str | None = None
        self.tab_color: int | None = None
        self.column_widths: dict[int, float] = {}
        self.window = _Window()
        self.api = _SheetApi(self) if book.flavour == "desktop" else None

    def __repr__(self):
        return f"<Sheet {self.name}>"

    @property
    def tables(self):
        return Tables(self)

    @property
    def charts(self):
        return Charts(self)

    @property
    def freeze_panes(self):
        if self.book.flavour == "desktop":
            raise AttributeError("'Sheet' object has no attribute 'freeze_panes'")  # as xlwings over COM
        return _FreezePanes(self)

    def range(self, a, b=None):
        if isinstance(a, str):
            r1, c1, r2, c2 = parse_a1(a)
        else:
            r1, c1 = a
            r2, c2 = b if b is not None else a
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, ref):
        return self.range(ref)

    def clear_contents(self):
        self.cells.clear()
        self.book._write()

    def activate(self):
        self.book.active_index = self.book._sheets.index(self)

    def delete(self):
        self.book._sheets.remove(self)
        self.book.active_index = min(self.book.active_index, len(self.book._sheets) - 1)
        self.book._write()

    # helpers for assertions
    def value_at(self, ref: str):
        r, c, _, _ = parse_a1(ref)
        return self.cells.get((r, c))


class _Tab:
    def __init__(self, sheet):
        self._sheet = sheet

    @property
    def Color(self):
        return self._sheet.tab_color

    @Color.setter
    def Color(self, v):
        self._sheet.tab_color = v


class _SheetApi:
    def __init__(self, sheet):
        self.Tab = _Tab(sheet)


class _Options:
    def __init__(self, rng, ndim=None, err_to_str=False):
        self.rng = rng
        self.ndim = ndim
        self.err_to_str = err_to_str

    @property
    def value(self):
        return self.rng._read(self.ndim, self.err_to_str)


class _Columns:
    def __init__(self, rng):
        self.rng = rng

    def autofit(self):
        self.rng.sheet.book._write()


class Range:
    def __init__(self, sheet: Sheet, r1, c1, r2, c2):
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    @property
    def row(self):
        return self.r1

    @property
    def column(self):
        return self.c1

    @property
    def shape(self):
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def address(self):
        a = f"${col_letter(self.c1)}${self.r1}"
        return a if (self.r1, self.c1) == (self.r2, self.c2) else f"{a}:${col_letter(self.c2)}${self.r2}"

    @property
    def left(self):
        return (self.c1 - 1) * 48.0

    @property
    def top(self):
        return (self.r1 - 1) * 15.0

    def options(self, ndim=None, err_to_str=False, **_):
        return _Options(self, ndim, err_to_str)

    def _cell_out(self, key, err_to_str):
        v = self.sheet.cells.get(key)
        if isinstance(v, ErrorCell):
            return v.code if err_to_str else None
        if isinstance(v, Formula):
            return v  # no calculation engine here: visible, so a test sees it
        if isinstance(v, float) and is_date_format(self.sheet.formats.get(key)):
            # desktop: Excel hands over the date itself (COM Range.Value); xlwings Lite's Office.js client
            # counts the serial from 1899-12-30 whatever the book's date system
            book = self.sheet.book
            return (book.epoch if book.flavour == "desktop" else EPOCH) + dt.timedelta(days=v)
        return v

    def _read(self, ndim, err_to_str):
        self.sheet.book._read()
        rows = [[self._cell_out((r, c), err_to_str) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]
        if ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows

    @property
    def value(self):
        return self._read(None, False)

    @value.setter
    def value(self, v):
        rows = v if isinstance(v, list) and v and isinstance(v[0], list) else [[v]] if not isinstance(v, list) else [v]
        if len(rows) != self.shape[0] or any(len(r) != self.shape[1] for r in rows):
            raise ValueError(f"data of shape {len(rows)}x{len(rows[0])} written to {self.address} {self.shape}")
        for i, r in enumerate(rows):
            for j, x in enumerate(r):
                self._set((self.r1 + i, self.c1 + j), x)
        self.sheet.book._write()
        self.sheet.book.value_writes.append((self.sheet.name, self.address, self.shape[0] * self.shape[1]))

    def _set(self, key, x):
        cells, formats = self.sheet.cells, self.sheet.formats
        if x is None or x == "":
            cells.pop(key, None)
            return
        if isinstance(x, bool):
            cells[key] = x
        elif isinstance(x, (int, float)):
            cells[key] = float(x)
        elif isinstance(x, dt.datetime):
            cells[key] = (x - self.sheet.book.epoch).total_seconds() / 86400.0
            if not is_date_format(formats.get(key)):
                formats[key] = "yyyy-mm-dd"
        elif isinstance(x, str):
            if formats.get(key) == "@":
                cells[key] = x
            else:
                val, fmt = excel_parse(x, self.sheet.book.epoch)
                cells[key] = val
                if fmt and not is_date_format(formats.get(key)):
                    formats[key] = fmt
        else:
            raise TypeError(f"xlwings cannot write {type(x).__name__} ({x!r})")

    @property
    def number_format(self):
        return self.sheet.formats.get((self.r1, self.c1), "General")

    @number_format.setter
    def number_format(self, fmt):
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self.sheet.formats[(r, c)] = fmt
        self.sheet.book._write()

    def clear_formats(self):
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self.sheet.formats.pop((r, c), None)
        self.sheet.book._write()

    @property
    def formula(self):
        v = self.sheet.cells.get((self.r1, self.c1))
        return v.text if isinstance(v, Formula) else v

    @formula.setter
    def formula(self, text):
        self.sheet.cells[(self.r1, self.c1)] = Formula(text)
        self.sheet.book._write()

    @property
    def columns(self):
        return _Columns(self)

    @property
    def column_width(self):
        return self.sheet.column_widths.get(self.c1)

    @column_width.setter
    def column_width(self, w):
        for c in range(self.c1, self.c2 + 1):
            self.sheet.column_widths[c] = w
        self.sheet.book._write()


class _TableApi:
    def __init__(self, table):
        self.table = table

    def Delete(self):  # desktop only: ListObject.Delete removes the table and its cells
        t = self.table
        t.sheet._tables.remove(t)
        for r in range(t.r1, t.r2 + 1):
            for c in range(t.c1, t.c2 + 1):
                t.sheet.cells.pop((r, c), None)
        t.sheet.book._write()


class Table:
    def __init__(self, sheet, name, r1, c1, r2, c2, style="TableStyleMedium2"):
        self.sheet = sheet
        self.name = name
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.style = style
        self.api = _TableApi(self) if sheet.book.flavour == "desktop" else None

    def __repr__(self):
        return f"<Table {self.name} {self.range.address}>"

    @property
    def parent(self):
        return self.sheet

    @property
    def range(self):
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2)

    @property
    def header_row_range(self):
        return Range(self.sheet, self.r1, self.c1, self.r1, self.c2)

    @property
    def data_body_range(self):
        if self.r2 == self.r1:
            return None
        return Range(self.sheet, self.r1 + 1, self.c1, self.r2, self.c2)

    def resize(self, rng: Range):
        if (rng.r1, rng.c1) != (self.r1, self.c1):
            raise ValueError("Excel: a table's header row must stay where it is when it is resized")
        self.r2, self.c2 = rng.r2, rng.c2
        self.sheet.book._write()


class Tables:
    def __init__(self, sheet):
        self.sheet = sheet

    def __iter__(self):
        return iter(list(self.sheet._tables))

    def __len__(self):
        return len(self.sheet._tables)

    def __getitem__(self, name):
        for t in self.sheet._tables:
            if t.name.lower() == str(name).lower():
                return t
        raise KeyError(name)

    def add(self, source=None, name=None, source_type=None, link_source=None, has_headers=True, destination=None,
            table_style_name="TableStyleMedium2"):
        book = self.sheet.book
        for sh in book._sheets:
            for t in sh._tables:
                if name and t.name.lower() == name.lower():
                    raise ValueError(f"Excel: a table named {name} exists already")
                if sh is self.sheet and not (source.r2 < t.r1 or source.r1 > t.r2 or source.c2 < t.c1
                                             or source.c1 > t.c2):
                    raise ValueError("Excel: a table cannot overlap another table")
        t = Table(self.sheet, name or f"Table{sum(len(s._tables) for s in book._sheets) + 1}", source.r1, source.c1,
                  source.r2, source.c2, table_style_name)
        self.sheet._tables.append(t)
        book._write()
        return t


class _Axis:
    def __init__(self):
        self.title = None
        self.number_format = None


class _Series:
    def __init__(self):
        self.props: dict[str, Any] = {}

    def set(self, **kw):
        self.props.update(kw)


class Chart:
    def __init__(self, sheet, **kw):
        self.sheet = sheet
        self.kw = kw
        self.x_values = None
        self.title = None
        self.category_axis = _Axis()
        self.value_axis = _Axis()
        src = kw.get("source")
        n = 0
        if src:
            r1, c1, r2, c2 = parse_a1(src)
            n = c2 - c1 + 1
        self.series = [_Series() for _ in range(n)]

    def set_x_axis_values(self, rng):
        self.x_values = rng.address

    def delete(self):
        self.sheet._charts.remove(self)
        self.sheet.book._write()


class Charts:
    def __init__(self, sheet):
        self.sheet = sheet

    def __iter__(self):
        return iter(list(self.sheet._charts))

    def __len__(self):
        return len(self.sheet._charts)

    def add(self, left=0, top=0, width=355, height=211, chart_type=None, source=None, plot_by=None, name=None,
            anchor=None, style=227):
        ch = Chart(self.sheet, chart_type=chart_type, source=source.address if source else None, plot_by=plot_by,
                   anchor=anchor.address if anchor else None, width=width, height=height)
        self.sheet._charts.append(ch)
        self.sheet.book._write()
        return ch
