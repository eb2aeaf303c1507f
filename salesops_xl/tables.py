"""Input tables: their declared schema, and typed reading with located errors.

A door (the xlsx reader, the xlwings adapter, a test) hands over a
:class:`RawTable`: the header and the cell values of one Excel Table as they
came out of the spreadsheet (numbers, strings, dates, ``None``/``""`` for
blanks, error literals such as ``"#N/A"``). :func:`read_table` checks it
against a :class:`TableSchema` and returns a :class:`Table`: a pandas
DataFrame with one typed column per field, plus what is needed to point at a
cell when a later rule fails. All problems found are added to a
:class:`~salesops_xl.errors.ProblemCollector`, never raised one at a time.

Conversions (stated in docs/schema.md):

* **text / id** - numbers are accepted and written as text without a decimal
  part when whole (a RepID typed as 1001 is "1001"); leading and trailing
  spaces are removed; an id may not be blank.
* **number / money / percent** - a real number; text (even "100" stored as
  text), booleans and error cells are refused. Percent fields hold fractions:
  25% is 0.25.
* **date** - an Excel date (or a serial number, as xlwings Lite passes it,
  counted in the workbook's date system: :attr:`RawTable.date1904`); a date
  typed as text ("2026-01-05") is refused: Excel would not compute with it
  either. A time of day is ignored.
* **choice** - one of the listed words, case-insensitive.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .cellrefs import col_letters
from .dates import EXCEL_ERRORS, read_date
from .errors import Problem, ProblemCollector

#: a data row's 0-based index: a Python int or a numpy one (np.flatnonzero gives those)
RowIndex = int | np.integer
FieldType = Literal["text", "id", "number", "money", "percent", "int", "date", "choice"]

@dataclass(frozen=True)
class Field:
    """A column of an input table."""

    name: str
    type: FieldType
    description: str
    required: bool = True  # the column must be present in the table
    blank: bool = False  # blank cells are allowed (become None / NaN / NaT)
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None  # value used for a blank cell when blank is allowed
    example: str = ""

    def expected(self) -> str:
        base = {
            "text": "text",
            "id": "an identifier (text or a whole number)",
            "number": "a number",
            "money": "an amount (a number)",
            "percent": "a percentage (25% or 0.25)",
            "int": "a whole number",
            "date": "a date (an Excel date, not text)",
            "choice": "one of " + ", ".join(self.choices),
        }[self.type]
        rng = self.range_text()
        return f"{base} {rng}".strip()

    def range_text(self) -> str:
        if self.type not in ("number", "money", "percent", "int"):
            return ""
        fmt = (lambda v: f"{v:.0%}") if self.type == "percent" else (lambda v: f"{v:g}")
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"between {fmt(lo)} and {fmt(hi)}" + (f" (above {fmt(lo)})" if self.min_exclusive else "")
        if lo is not None:
            return f"greater than {fmt(lo)}" if self.min_exclusive else f"of at least {fmt(lo)}"
        if hi is not None:
            return f"of at most {fmt(hi)}"
        return ""


@dataclass(frozen=True)
class TableSchema:
    """An input table: its Excel Table name, the sheet it lives on in the template, its fields."""

    name: str
    sheet: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()  # columns whose combination must be unique
    required: bool = True  # the table must exist in the workbook
    min_rows: int = 1
    #: payouts (or other money) depend on this table: data left just outside it is an error, not a warning
    money: bool = True

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass
class RawTable:
    """One Excel Table as a door read it: header names and columns of raw cell values."""

    name: str
    columns: list[str]
    #: header -> values, one per data row: a list, or an array as the readers give it (read, never changed in place)
    data: Mapping[str, Sequence[Any] | np.ndarray]
    sheet: str | None = None
    workbook: str | None = None
    header_row: int | None = 1  # Excel row number of the header (None: a source without one, Parquet or SQL)
    first_col: int = 0  # 0-based column index of the table's first column
    errors: dict[tuple[str, int], str] = field(default_factory=dict)  # (column, data row index) -> "#N/A"
    row_numbers: np.ndarray | None = None  # Excel row of each data row, when not contiguous
    date1904: bool = False  # the workbook's date system: a bare serial number in a date column counts from 1904
    #: what the door found next to the table that the table does not include (rows of data right below it,
    #: columns right of it), each in words; see :func:`read_table`
    beside: tuple[str, ...] = ()
    #: where the table came from: "workbook" (an Excel Table), or "csv", "parquet", "sql"
    #: (:mod:`salesops_xl.sources`): messages then name no cell and count rows as that source's users do
    origin: str = "workbook"
    row_label: str = "row"  # see Problem.row_label

    @property
    def n_rows(self) -> int:
        if not self.columns:
            return 0
        return len(self.data[self.columns[0]])

    def row_ref(self, i: RowIndex) -> str:
        """Row ``i`` as its source's users name it: "row 12" (a sheet, SQL), "line 12" (CSV), "row index 11"
        (Parquet)."""
        return f"{self.row_label} {self.excel_row(i)}"

    def rows_word(self) -> str:
        """The plural of :attr:`row_label`: "rows", "lines", "row indexes"."""
        label = self.row_label
        return label + ("es" if label.endswith("x") else "s")

    def excel_row(self, i: RowIndex) -> int:
        if self.row_numbers is not None:
            return int(self.row_numbers[int(i)])
        if self.header_row is None:  # the sources that have no header row (Parquet, SQL) always give row_numbers
            raise TypeError(f"table {self.name} has neither a header row nor row numbers")
        return self.header_row + 1 + int(i)

    def without_blank_rows(self) -> RawTable:
        """The table without its entirely blank rows (Excel keeps an empty row in an empty table)."""
        n = self.n_rows
        if n == 0 or not self.columns:
            return self
        blank = np.ones(n, dtype=bool)
        for c in dict.fromkeys(self.columns):
            col = self.data[c]
            if isinstance(col, np.ndarray) and col.dtype.kind in "fiu":
                blank &= np.isnan(col) if col.dtype.kind == "f" else False
            else:
                obj = _as_object_array(col)
                blank &= pd.isna(obj) | (obj == "")
            if not blank.any():
                return self
        for i in np.flatnonzero(blank).tolist():
            if any(k[1] == i for k in self.errors):
                blank[i] = False
        if not blank.any():
            return self
        keep = np.flatnonzero(~blank)
        new_index = {int(old): new for new, old in enumerate(keep)}
        data: dict[str, Sequence[Any] | np.ndarray] = {}
        for c in dict.fromkeys(self.columns):
            col = self.data[c]
            data[c] = col[keep] if isinstance(col, np.ndarray) else [col[i] for i in keep.tolist()]
        rows = np.array([self.excel_row(i) for i in keep], dtype=np.int64)
        errors = {(c, new_index[i]): e for (c, i), e in self.errors.items() if i in new_index}
        return RawTable(name=self.name, columns=self.columns, data=data, sheet=self.sheet, workbook=self.workbook,
                        header_row=self.header_row, first_col=self.first_col, errors=errors, row_numbers=rows,
                        date1904=self.date1904, beside=self.beside, origin=self.origin, row_label=self.row_label)

    def cell(self, column: str, i: RowIndex) -> str | None:
        if column not in self.columns or self.origin != "workbook":
            return None
        j = self.first_col + self.columns.index(column)
        return f"{col_letters(j)}{self.excel_row(i)}"


@dataclass
class Table:
    """A validated input table: typed frame plus the location of every row."""

    schema: TableSchema
    frame: pd.DataFrame  # one column per schema field, in schema order; index = data row index
    raw: RawTable

    def problem(self, i: RowIndex | None, column: str | None, message: str, *, value: Any = None,
                expected: str = "", show_value: bool = True) -> Problem:
        raw = self.raw
        if raw.origin != "workbook" and "(an Excel date, not text)" in expected:
            expected = expected.replace("(an Excel date, not text)", "(written YYYY-MM-DD, or a date column)")
        return Problem(
            message=message,
            expected=expected,
            value=value,
            workbook=raw.workbook,
            sheet=raw.sheet,
            table=raw.name,
            row=None if i is None else raw.excel_row(i),
            column=column,
            cell=None if (i is None or column is None) else raw.cell(column, i),
            show_value=show_value,
            row_label=raw.row_label,
        )


def index_of(reference, values) -> np.ndarray:
    """Position in ``reference`` of each of ``values`` (its first occurrence); -1 where absent or blank."""
    ref = pd.Index(np.asarray(reference, dtype=object))
    vals = pd.Index(np.asarray(values, dtype=object))
    if ref.is_unique:
        out = ref.get_indexer(vals)
    else:
        keep = ~ref.duplicated(keep="first")
        pos = np.flatnonzero(keep)
        found = ref[keep].get_indexer(vals)
        out = np.where(found >= 0, pos[np.maximum(found, 0)] if len(pos) else -1, -1)
    out = np.asarray(out, dtype=np.intp)
    out[pd.isna(np.asarray(values, dtype=object))] = -1
    return out


def take(values, pos: np.ndarray, fill=None) -> np.ndarray:
    """``values[pos]`` with ``fill`` where ``pos`` is -1 (as returned by :func:`index_of`)."""
    arr = np.asarray(values)
    ext = np.empty(len(arr) + 1, dtype=object if arr.dtype.kind in "OUS" or fill is None else arr.dtype)
    ext[:-1] = arr
    ext[-1] = fill
    return ext[pos]




def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (isinstance(v, float) and math.isnan(v))


def _as_object_array(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values) if not isinstance(values, (list, np.ndarray)) else values
    return arr


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def read_table(raw: RawTable | None, schema: TableSchema, problems: ProblemCollector) -> Table | None:
    """Validate and type ``raw`` against ``schema``; add every problem found to ``problems``.

    Returns ``None`` when the table cannot be used at all (missing, or a
    required column missing); otherwise a :class:`Table` whose rows with a bad
    cell are kept with NaN/None in that cell (the caller must not compute when
    ``problems`` is non-empty).
    """
    if raw is None:
        if schema.required:
            problems.add(Problem(
                message=f"the workbook has no Excel Table named {schema.name}",
                expected=f"a table named {schema.name} (on sheet {schema.sheet!r} in the template); "
                         "`salesops-xl schema` lists its columns",
                show_value=False,
                table=schema.name,
            ))
            return None
        raw = RawTable(name=schema.name, columns=[f.name for f in schema.fields],
                       data={f.name: [] for f in schema.fields})
    if raw.beside and schema.money:
        for text in raw.beside:
            problems.add(Problem(message=text, show_value=False, workbook=raw.workbook, table=raw.name))
    raw = raw.without_blank_rows()
    present = {c: c for c in raw.columns}
    by_norm = {_normalise(c): c for c in raw.columns}
    missing = False
    colmap: dict[str, str | None] = {}
    for f in schema.fields:
        if f.name in present:
            colmap[f.name] = f.name
            continue
        near = by_norm.get(_normalise(f.name))
        if f.required:
            missing = True
            hint = f" (found a column {near!r}: rename it to {f.name!r})" if near else ""
            problems.add(Problem(
                message=f"required column {f.name!r} is missing{hint}",
                expected=f"columns {', '.join(schema.column_names)}",
                value=", ".join(raw.columns) if raw.columns else None, show_value=bool(raw.columns),
                workbook=raw.workbook, sheet=raw.sheet, table=raw.name, row=raw.header_row, row_label=raw.row_label,
            ))
        colmap[f.name] = None
    if missing:
        return None
    seen: set[str] = set()
    for c in raw.columns:
        if c in seen:
            problems.add(Problem(message=f"column {c!r} appears twice in the header", show_value=False,
                                 workbook=raw.workbook, sheet=raw.sheet, table=raw.name, row=raw.header_row,
                                 row_label=raw.row_label))
        seen.add(c)
    n = raw.n_rows
    tbl = Table(schema=schema, frame=pd.DataFrame(index=pd.RangeIndex(n)), raw=raw)
    out: dict[str, Any] = {}
    for f in schema.fields:
        src = colmap[f.name]
        values: Sequence[Any] | np.ndarray
        if src is None:
            values = np.full(n, None, dtype=object)
        else:
            values = raw.data[src]
        errs = {i: e for (c, i), e in raw.errors.items() if c == src} if (raw.errors and src) else {}
        out[f.name] = _coerce(values, f, tbl, problems, errs)
    tbl.frame = object_frame(out, n=n, copy=False)  # no block consolidation (1M rows)
    if n < schema.min_rows:
        problems.add(tbl.problem(None, None, f"table {schema.name} is empty", show_value=False,
                                 expected=f"at least {schema.min_rows} row{'s' if schema.min_rows > 1 else ''}"))
    if schema.key and n:
        _check_unique(tbl, schema.key, problems, blank_is_a_value=tuple(
            k for k in schema.key if any(f.name == k and f.blank for f in schema.fields)))
    return tbl



def read_tables(source, schemas: Sequence[TableSchema], problems: ProblemCollector) -> dict[str, Table]:
    """Read and type each of ``schemas`` from ``source`` (a TableSource; all in one pass where it can prefetch),
    collecting problems; a table that could not be read is left out, and ``problems`` says why."""
    if hasattr(source, "expect"):  # a source that types text (CSV, SQL) needs the schemas: salesops_xl.sources
        source.expect(schemas)
    if hasattr(source, "prefetch"):
        source.prefetch([sch.name for sch in schemas])
    tables: dict[str, Table] = {}
    for sch in schemas:
        t = read_table(source.read(sch.name), sch, problems)
        if t is not None:
            tables[sch.name] = t
    return tables

def cell_error(tbl: Table, i: RowIndex, f: Field, found: str) -> Problem:
    """The problem with a cell the door reported: an error value ('#N/A') or a formula without a saved value."""
    if found.startswith("="):
        return tbl.problem(
            i, f.name, "a formula without a saved value (the file was written by a program that does not calculate "
            "formulas, so its result is unknown)", value=found if len(found) > 1 else "a shared formula",
            expected=f"{f.expected()}; open the workbook in Excel or LibreOffice and save it there (they calculate "
                     "its formulas), then run again; or run `salesops-xl recalc --calculate`, which has "
                     "LibreOffice calculate them when it is installed")
    return tbl.problem(i, f.name, "error value in the cell", value=found, expected=f.expected())


def _check_unique(tbl: Table, key: tuple[str, ...], problems: ProblemCollector,
                  blank_is_a_value: tuple[str, ...] = ()) -> None:
    """Each key once. A blank in a key column that may be blank is a value ("any plan", "from the start"):
    two rows alike but for such blanks are duplicates. A row with a blank where one is not allowed is
    reported as missing, not as a duplicate."""
    frame = tbl.frame[list(key)]
    required = [k for k in key if k not in blank_is_a_value]
    dup = frame.duplicated(keep="first").to_numpy()
    if required:
        dup = dup & ~frame[required].isna().any(axis=1).to_numpy()
    if not dup.any():
        return
    group = frame.groupby(list(key), dropna=False, sort=False).ngroup().to_numpy()
    _, first_at = np.unique(group, return_index=True)  # groups are numbered in order of first appearance
    label = " + ".join(key)
    for i in np.flatnonzero(dup).tolist():
        k = ["(blank)" if pd.isna(x) else x for x in frame.iloc[i]]
        val = k[0] if len(k) == 1 else " / ".join(str(x) for x in k)
        problems.add(tbl.problem(
            int(i), key[0], f"duplicate {label}", value=val,
            expected=f"each {label} once (first seen on {tbl.raw.row_ref(int(first_at[group[i]]))})",
        ))


def _coerce(values, f: Field, tbl: Table, problems: ProblemCollector, errs: dict[int, str]) -> np.ndarray | pd.Series:
    n = len(values)
    if f.type in ("number", "money", "percent", "int"):
        arr = _fast_float(values)
        if arr is None:
            arr = _slow_float(values, f, tbl, problems, errs)
        elif errs:
            for i, e in errs.items():
                problems.add(cell_error(tbl, i, f, e))
                arr[i] = np.nan
        _check_range(arr, f, tbl, problems)
        if not f.blank:
            for i in np.flatnonzero(np.isnan(arr)).tolist():
                if int(i) not in errs and not _bad_already(values[i]):
                    problems.add(tbl.problem(int(i), f.name, "blank cell", value=None, expected=f.expected(), show_value=False))
        elif f.default is not None:
            arr = np.where(np.isnan(arr), float(f.default), arr)
        if f.type == "int":
            bad = ~np.isnan(arr) & (arr != np.round(arr))
            for i in np.flatnonzero(bad).tolist():
                problems.add(tbl.problem(int(i), f.name, "not a whole number", value=float(arr[i]),
                                         expected=f.expected()))
        return arr
    if f.type == "date":
        return _coerce_dates(values, f, tbl, problems, errs)
    # text, id, choice: factorize, check each distinct value once
    obj = _as_object_array(values)
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    lookup = {c.lower(): c for c in f.choices}
    conv_arr, bad_unique = _text_uniques(uniques, f, lookup)
    result = conv_arr[codes]
    if bad_unique:
        for i in np.flatnonzero(np.isin(codes, list(bad_unique))).tolist():
            why, u = bad_unique[int(codes[i])]
            if int(i) in errs:
                continue
            problems.add(tbl.problem(int(i), f.name, why, value=u, expected=f.expected()))
    for i, e in errs.items():
        problems.add(cell_error(tbl, i, f, e))
        result[i] = None
    blanks = np.flatnonzero(pd.isna(result)) if n else np.zeros(0, dtype=np.int64)
    if len(blanks):
        if not f.blank:
            for i in blanks.tolist():
                if int(i) in errs or (int(codes[i]) in bad_unique):
                    continue
                problems.add(tbl.problem(int(i), f.name, "blank cell", value=None, expected=f.expected(), show_value=False))
        elif f.default is not None:
            result[blanks] = f.default
    return result


def _text_uniques(uniques, f: Field, lookup: dict[str, str]) -> tuple[np.ndarray, dict[int, tuple[str, Any]]]:
    """Convert the distinct values of a text column; returns (values + trailing None, problems by unique)."""
    n = len(uniques)
    conv_arr = np.empty(n + 1, dtype=object)
    conv_arr[-1] = None  # the NA sentinel (-1) lands here
    bad: dict[int, tuple[str, Any]] = {}
    u = pd.Series(np.asarray(uniques, dtype=object))
    if n and f.type != "choice" and pd.api.types.infer_dtype(u, skipna=True) == "string":
        # the common case, done column-wise: all distinct values are text
        stripped = u.str.strip()
        special = (stripped == "") | stripped.isin(EXCEL_ERRORS)
        conv_arr[:n] = stripped.to_numpy(dtype=object)
        for k in np.flatnonzero(special.to_numpy()).tolist():
            v, why = _text_value(uniques[k], f, lookup)
            conv_arr[k] = v
            if why:
                bad[int(k)] = (why, uniques[k])
        return conv_arr, bad
    for k, x in enumerate(uniques):
        v, why = _text_value(x, f, lookup)
        conv_arr[k] = v
        if why:
            bad[k] = (why, x)
    return conv_arr, bad


def _bad_already(v: Any) -> bool:
    return not _is_blank(v)


def _text_value(u: Any, f: Field, lookup: dict[str, str]) -> tuple[Any, str]:
    if u is None or (isinstance(u, float) and math.isnan(u)):
        return None, ""
    if isinstance(u, str):
        s = u.strip()
        if s in EXCEL_ERRORS:
            return None, "error value in the cell"
        if s == "":
            return None, ""
    elif isinstance(u, bool):
        return None, "TRUE/FALSE where text was expected"
    elif isinstance(u, (int, float, np.integer, np.floating)):
        x = float(u)
        if f.type == "choice":
            return None, "a number where a word was expected"
        s = str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    elif isinstance(u, (_dt.date, _dt.datetime)):
        if f.type == "text":
            return u.isoformat()[:10], ""
        return None, "a date where text was expected"
    else:
        s = str(u).strip()
    if f.type == "choice":
        c = lookup.get(s.lower())
        if c is None:
            return None, "not an allowed value"
        return c, ""
    return s, ""


def _fast_float(values) -> np.ndarray | None:
    """All cells are real numbers: convert in one go; otherwise None (take the slow path)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=True)
    obj = _as_object_array(values)
    if len(obj) == 0:
        return np.zeros(0, dtype=np.float64)
    kinds = set(pd.unique(np.frompyfunc(type, 1, 1)(obj)))
    if not kinds <= _NUMBER_TYPES:
        return None
    return obj.astype(np.float64)


_NUMBER_TYPES = {float, int, np.float64, np.int64, np.float32, np.int32}
_NUMBER_TYPE_ARRAY = np.array(list(_NUMBER_TYPES), dtype=object)  # for np.isin (what it would make of the list)


def _slow_float(values, f: Field, tbl: Table, problems: ProblemCollector, errs: dict[int, str]) -> np.ndarray:
    obj = _as_object_array(values)
    n = len(obj)
    arr = np.full(n, np.nan)
    types = np.frompyfunc(type, 1, 1)(obj) if n else np.zeros(0, dtype=object)
    num = np.isin(types, _NUMBER_TYPE_ARRAY)
    if num.any():
        arr[num] = obj[num].astype(np.float64)
    for i in np.flatnonzero(~num).tolist():
        v = obj[i]
        if _is_blank(v):
            continue
        if int(i) in errs:
            problems.add(cell_error(tbl, int(i), f, errs[int(i)]))
        elif isinstance(v, str) and v.strip() in EXCEL_ERRORS:
            problems.add(tbl.problem(int(i), f.name, "error value in the cell", value=v.strip(),
                                     expected=f.expected()))
        elif isinstance(v, bool):
            problems.add(tbl.problem(int(i), f.name, "TRUE/FALSE where a number was expected", value=v,
                                     expected=f.expected()))
        elif isinstance(v, str):
            hint = "text in a numeric column"
            try:
                float(v.replace(",", "").replace("%", ""))
                hint = "a number stored as text (convert it to a number in Excel)" if tbl.raw.origin == "workbook" \
                    else "not a plain number (write it as 1234.56: no thousands separator or currency sign)"
            except ValueError:
                pass
            problems.add(tbl.problem(int(i), f.name, hint, value=v, expected=f.expected()))
        elif isinstance(v, (_dt.date, _dt.datetime)):
            problems.add(tbl.problem(int(i), f.name, "a date where a number was expected", value=v,
                                     expected=f.expected()))
        else:
            problems.add(tbl.problem(int(i), f.name, "not a number", value=v, expected=f.expected()))
    for i, e in errs.items():
        if num[i] or _is_blank(obj[i]):
            # the reader reported an error cell that came through as blank or a number
            if not (isinstance(obj[i], str) and obj[i].strip() in EXCEL_ERRORS):
                problems.add(cell_error(tbl, i, f, e))
            arr[i] = np.nan
    return arr


#: Magnitudes no sales-operations number reaches: beyond them a cell is a typo or garbage, not data.
IMPLAUSIBLE = {"money": 1e13, "number": 1e15, "percent": 1e6, "int": 1e15}


def _check_range(arr: np.ndarray, f: Field, tbl: Table, problems: ProblemCollector) -> None:
    ok = ~np.isnan(arr)
    bad = np.zeros(len(arr), dtype=bool)
    if not np.isfinite(arr[ok]).all():
        bad |= ok & ~np.isfinite(arr)
    if f.minimum is not None:
        bad |= ok & ((arr <= f.minimum) if f.min_exclusive else (arr < f.minimum))
    if f.maximum is not None:
        bad |= ok & (arr > f.maximum)
    tiny = np.zeros(len(arr), dtype=bool)
    if f.type == "money" and f.min_exclusive and f.minimum == 0:  # a positive amount (a quota): at least a cent
        tiny = ok & ~bad & (arr > 0) & (arr < 0.01)
    limit = IMPLAUSIBLE.get(f.type)
    huge = ok & np.isfinite(arr) & (np.abs(arr) > limit) if limit else np.zeros(len(arr), dtype=bool)
    for i in np.flatnonzero(tiny).tolist():
        problems.add(tbl.problem(int(i), f.name, "less than one cent", value=float(arr[i]),
                                 expected=f"{f.expected()} of at least 0.01"))
        arr[i] = np.nan
    for i in np.flatnonzero(huge & ~bad & ~tiny).tolist():
        problems.add(tbl.problem(int(i), f.name, "implausibly large", value=float(arr[i]),
                                 expected=f"{f.expected()} of at most {limit:,.0f} in size".replace(" of at most",
                                                                                                " and at most", 1)
                                 if f.range_text() else f"{f.expected()} of at most {limit:,.0f} in size"))
        arr[i] = np.nan
    for i in np.flatnonzero(bad).tolist():
        what = "negative" if (f.minimum == 0 and arr[i] < 0) else "out of range"
        problems.add(tbl.problem(int(i), f.name, what, value=float(arr[i]), expected=f.expected()))
        arr[i] = np.nan


def _coerce_dates(values, f: Field, tbl: Table, problems: ProblemCollector, errs: dict[int, str]) -> np.ndarray:
    obj = _as_object_array(values)
    n = len(obj)
    if n == 0:
        return np.zeros(0, dtype="datetime64[D]")
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    conv = np.empty(len(uniques) + 1, dtype="datetime64[D]")
    conv[-1] = np.datetime64("NaT")
    bad: dict[int, tuple[str, Any]] = {}
    for k, u in enumerate(uniques):
        d, why = read_date(u, tbl.raw.date1904)
        if why and tbl.raw.origin != "workbook" and why.startswith("a date typed as text"):
            why = "not a date written YYYY-MM-DD"  # (a source besides a workbook: see salesops_xl.sources)
        if why:
            bad[k] = (why, u)
            conv[k] = np.datetime64("NaT")
        else:
            conv[k] = d
    out = conv[codes]
    if bad:
        for i in np.flatnonzero(np.isin(codes, list(bad))).tolist():
            if int(i) in errs:
                continue
            why, u = bad[int(codes[i])]
            problems.add(tbl.problem(int(i), f.name, why, value=u, expected=f.expected()))
    for i, e in errs.items():
        problems.add(cell_error(tbl, i, f, e))
        out[i] = np.datetime64("NaT")
    if not f.blank:
        for i in np.flatnonzero(np.isnat(out)).tolist():
            if int(i) in errs or int(codes[i]) in bad:
                continue
            problems.add(tbl.problem(int(i), f.name, "blank cell", value=None, expected=f.expected(), show_value=False))
    return out


def object_series(values, index=None, name=None) -> pd.Series:
    """``values`` as an object-dtype Series, blanks kept as ``None``, without a copy of an object array.

    pandas 3 infers its string dtype (blanks become NaN) for an object array of text put into a Series or
    DataFrame; the typed input tables keep Python objects and ``None`` under every pandas version.
    """
    return pd.Series(_as_object_array(values), index=index, name=name, dtype=object, copy=False)


def object_frame(columns: dict[str, Any], *, n: int | None = None, copy: bool | None = None) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` whose object arrays stay object dtype, blanks ``None``, under every pandas.

    For frames built from numpy columns (arrays of one length, or scalars to broadcast): pandas 3 would
    turn an object array of text into its str dtype, with NaN for None. ``n``: the number of rows, if
    known (default: the length of the first array).
    """
    if n is None:
        n = next((len(v) for v in columns.values() if isinstance(v, np.ndarray)), None)
    if n is None:
        return pd.DataFrame(columns, copy=copy)
    index = pd.RangeIndex(n)
    out: dict[str, Any] = {}
    for k, v in columns.items():
        if isinstance(v, str):  # a text scalar broadcast down the column
            v = const(n, v)
        out[k] = object_series(v, index) if isinstance(v, np.ndarray) and v.dtype == object else v
    return pd.DataFrame(out, index=index, copy=copy)


def const(n: int, value) -> np.ndarray:
    """An object array of ``n`` references to one ``value`` (``np.full`` would copy a str per element)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


# -- the input fingerprint --------------------------------------------------------------------------

def fingerprint(frames: Mapping[str, pd.DataFrame]) -> str:
    """SHA-256 over the typed content of tables: their names, columns and values, in order (the Run Log's
    "Input fingerprint": a recalculation of unchanged inputs keeps the last run's time, docs/schema.md)."""
    h = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        h.update(name.encode())
        h.update("\x1f".join(map(str, frame.columns)).encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def input_frames(tables: Mapping[str, Table]) -> dict[str, pd.DataFrame]:
    """Each table's typed input columns (those of its schema), without the columns loaders derive."""
    return {name: t.frame[t.schema.column_names] for name, t in tables.items()}
