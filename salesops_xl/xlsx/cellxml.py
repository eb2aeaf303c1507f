"""Vectorised encoding of table columns into worksheet cell XML.

A column encoder turns a slice of rows into *items*: each item is either a
constant ``str`` (the same for every row) or a sequence of ``str`` with one
element per row. The row assembler (:mod:`.sheetxml`) lays the items of all
columns side by side in a 2-D object array and joins it row-major into the
``<sheetData>`` text, so no Python code runs per cell:

* text is *factorised* by object identity (cheap: repeated values are
  usually the same objects); the distinct values are checked for characters
  needing an escape in one pass over their NUL-joined text, only those are
  escaped, and rows pick their value by code (few distinct values: whole
  pre-built ``<c>`` elements; many: opening tag, value, closing tag);
* dates are factorised by value and each distinct date formatted once;
* integers and floats are formatted by ``orjson`` (C, shortest round-trip
  float text) when it is installed, else by ``str``/``repr``;
* money in int64 cents is split into whole units and cents with integer
  arithmetic: ``-5`` -> ``-0.05``, ``12340`` -> ``123.4``, ``100000`` -> ``1000``;
* floats are first rounded to the precision every workbook states
  (:func:`salesops_xl.precision.round_written`: money to the cent, other
  numbers to 10 significant digits), so the bytes do not depend on the last
  bits of a float, which move with the numpy, pandas and scipy versions.

Cells carry no ``r`` attribute (it is optional: readers place a cell right
after the previous one), so blank cells are written as ``<c s="n"/>`` to
keep positions.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..cellrefs import MAX_CELL_CHARS
from ..dates import DATE1904_OFFSET  # a date's 1904-system serial is its 1900-system serial minus this
from ..errors import WorkbookError
from ..precision import round_written
from . import xmlutil as X

try:  # optional accelerator: ~10x faster number formatting
    import orjson as _orjson

    _OPT_NUMPY = _orjson.OPT_SERIALIZE_NUMPY
except Exception:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]  # optional accelerator; checked before use
    _OPT_NUMPY = 0

EXCEL_EPOCH_OFFSET = 25569  # serial of 1970-01-01 in the 1900 date system
MAX_SERIAL = 2958465  # 9999-12-31

_FRAC = np.array([""] + [(".%02d" % r).rstrip("0") for r in range(1, 100)], dtype=object)


@dataclass
class Where:
    """Location used in error messages."""

    sheet: str
    table: str
    column: str
    first_row: int  # 0-based sheet row of the column's first data row

    def __call__(self, i: int) -> str:
        return f"sheet {self.sheet!r}, table {self.table!r}, column {self.column!r}, row {self.first_row + i + 1}"


def format_ints(a: np.ndarray) -> list[str]:
    """Decimal text of an integer array."""
    if len(a) == 0:
        return []
    if _orjson is not None and a.dtype in (np.int64, np.uint64, np.int32, np.uint32):
        return _orjson.dumps(np.ascontiguousarray(a), option=_OPT_NUMPY)[1:-1].decode().split(",")
    return list(map(str, a.tolist()))


def format_floats(a: np.ndarray) -> list[str]:
    """Shortest round-trip text of finite float64 values (non-finite give 'null')."""
    if len(a) == 0:
        return []
    if _orjson is not None:
        a = np.ascontiguousarray(a, dtype=np.float64)
        out = _orjson.dumps(a, option=_OPT_NUMPY)[1:-1].decode().split(",")
        for i in np.flatnonzero(np.abs(a) >= 1e16).tolist():  # orjson 3.8 writes 1e16, later ones 1e+16: take repr's
            out[i] = repr(float(a[i])) if np.isfinite(a[i]) else "null"
        return out
    return [repr(x) if x == x and x not in (float("inf"), float("-inf")) else "null" for x in a.tolist()]


def factorize_objects(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, distinct objects and first-occurrence index of an object array.

    Objects are told apart by *identity* (their address): repeated values in
    engine output are usually the same objects, and hashing pointers is an
    order of magnitude faster than hashing strings. Equal values held by
    distinct objects may therefore appear more than once among the uniques,
    which is harmless (they are formatted identically); the cost of formatting
    a distinct value is kept low for that reason (see :func:`text_column`).
    """
    n = len(a)
    if n == 0:
        return np.zeros(0, np.intp), np.zeros(0, object), np.zeros(0, np.intp)
    a = np.ascontiguousarray(a, dtype=object)
    word = ctypes.c_uint64 if ctypes.sizeof(ctypes.c_void_p) == 8 else ctypes.c_uint32
    ptrs = np.ctypeslib.as_array((word * n).from_address(a.ctypes.data))  # the PyObject* of each element
    codes, _ = pd.factorize(ptrs)
    del ptrs
    codes = np.asarray(codes, dtype=np.intp)
    k = int(codes.max()) + 1
    first = np.empty(k, np.intp)
    first[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    return codes, a[first], first


def _is_missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    try:
        return v is pd.NA or v is pd.NaT or (isinstance(v, np.floating) and np.isnan(v))
    except Exception:
        return False


def utf16_len(s: str) -> int:
    if len(s) * 2 <= MAX_CELL_CHARS * 2 and s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def text_cell(s: str, style: int) -> str:
    sp = ' xml:space="preserve"' if X.needs_preserve(s) else ""
    return f'<c t="inlineStr" s="{style}"><is><t{sp}>{X.xml_text(s)}</t></is></c>'


class ColumnCells:
    """Encoder of one table column. ``items(a, b)`` covers rows a..b-1 (0-based in the table)."""

    n: int
    style: int
    max_bytes: int  # upper bound of the UTF-8 bytes of one cell
    content_chars: float  # estimated display width of the content (characters)

    def items(self, a: int, b: int) -> list:
        raise NotImplementedError

    def values_for_cache(self, limit: int) -> tuple[str, list]:
        """('num'|'str', values) for chart caches: first ``limit`` values (None = blank)."""
        raise NotImplementedError


class _Lookup(ColumnCells):
    """Cells chosen by code from pre-formatted distinct cells."""

    def __init__(self, n: int, style: int, codes: np.ndarray, cells: list[str], cache_vals: list, cache_kind: str,
                 content_chars: float):
        self.n = n
        self.style = style
        self.codes = codes
        self.cells = np.array(cells, dtype=object) if cells else np.array([f'<c s="{style}"/>'], dtype=object)
        self.max_bytes = max((len(c) for c in cells), default=16) * 4
        self.cache_vals = cache_vals
        self.cache_kind = cache_kind
        self.content_chars = content_chars

    def items(self, a: int, b: int) -> list:
        return [self.cells[self.codes[a:b]]]

    def values_for_cache(self, limit: int):
        vals = self.cache_vals
        return self.cache_kind, [vals[c] for c in self.codes[:limit].tolist()]


# Text that needs more than wrapping in <t>...</t>: XML specials, characters to escape the OOXML
# way, a literal _xHHHH_, and whitespace that needs xml:space="preserve" (see X.needs_preserve).
_UNSAFE = re.compile("[&<>\t\n\x01-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|  |^ | $")
_UNSAFE_CHARS = re.compile("[&<>\t\n\x01-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def _find_all(text: str, sub: str) -> list[int]:
    out = []
    i = text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _unsafe_positions(joined: str) -> list[int]:
    """Positions in the NUL-joined distinct values where a value needs escaping or preserving."""
    pos = [m.start() for m in _UNSAFE_CHARS.finditer(joined)]
    pos += _find_all(joined, "_x")  # candidates of a literal _xHHHH_ (checked again per value)
    pos += _find_all(joined, "  ")
    pos += [i + 1 for i in _find_all(joined, "\x00 ")] + _find_all(joined, " \x00")
    if joined.startswith(" "):
        pos.append(0)
    if joined.endswith(" "):
        pos.append(len(joined) - 1)
    return pos


WHOLE_CELL_MAX = 4096  # up to this many distinct values, pre-build whole <c> elements


class _TextCells(ColumnCells):
    """Text cells: each distinct value is escaped once; rows pick theirs by code."""

    def __init__(self, n: int, style: int, codes: np.ndarray, strs: list[str], vals: np.ndarray,
                 kind: np.ndarray, content_chars: float, max_bytes: int):
        self.n = n
        self.style = style
        self.codes = codes
        self.strs = strs  # distinct values ('' = blank)
        self.content_chars = content_chars
        self.max_bytes = max_bytes
        pre = np.array([f'<c t="inlineStr" s="{style}"><is><t>', f'<c t="inlineStr" s="{style}"><is><t xml:space="preserve">',
                        f'<c s="{style}"/>'], dtype=object)
        suf = np.array(["</t></is></c>", "</t></is></c>", ""], dtype=object)
        self.whole = None
        if len(strs) <= max(WHOLE_CELL_MAX, n // 8):
            self.whole = np.array([pre[k] + v + suf[k] for v, k in zip(vals.tolist(), kind.tolist())], dtype=object)
            if len(self.whole) == 0:
                self.whole = np.array([pre[2]], dtype=object)
        else:
            self.vals = vals
            self.kind = kind.astype(np.intp)
            self.plain = not self.kind.any()
            self.pre, self.suf = pre, suf

    def items(self, a: int, b: int) -> list:
        c = self.codes[a:b]
        if self.whole is not None:
            return [self.whole[c]]
        if self.plain:
            return [self.pre[0], self.vals[c], self.suf[0]]
        k = self.kind[c]
        return [self.pre[k], self.vals[c], self.suf[k]]

    def values_for_cache(self, limit: int):
        strs = self.strs
        return "str", [strs[c] or None for c in self.codes[:limit].tolist()]


def text_column(values, style: int, where: Where) -> ColumnCells:
    a = np.asarray(values, dtype=object) if not (isinstance(values, np.ndarray) and values.dtype == object) else values
    if a.ndim != 1:
        raise WorkbookError(f"{where(0)}: column data must be one-dimensional")
    n = len(a)
    codes, uniq, first = factorize_objects(a)
    if len(uniq) > max(WHOLE_CELL_MAX, n // 8):
        # many distinct objects: perhaps equal values in distinct objects (np.full of a str copies it per row);
        # telling them apart by value costs one hash per row and can save formatting each row separately
        vcodes, vuniq = pd.factorize(a, use_na_sentinel=False)
        if len(vuniq) * 2 < len(uniq):
            codes = np.asarray(vcodes, dtype=np.intp)
            uniq = np.asarray(vuniq, dtype=object)
            first = np.empty(len(uniq), np.intp)
            first[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    ulist = uniq.tolist()
    if not set(map(type, ulist)) <= {str, type(None)}:
        ulist = [None if _is_missing(v) else (v if isinstance(v, str) else str(v)) for v in ulist]
    strs = [v or "" for v in ulist]
    k = len(strs)
    lens = np.fromiter(map(len, strs), dtype=np.int64, count=k)
    for i in np.flatnonzero(lens > MAX_CELL_CHARS // 2).tolist():
        if utf16_len(strs[i]) > MAX_CELL_CHARS:
            raise WorkbookError(f"{where(int(first[i]))}: text of {utf16_len(strs[i]):,} characters exceeds Excel's "
                                f"limit of {MAX_CELL_CHARS:,} characters per cell")
    vals = np.array(strs, dtype=object) if k else np.zeros(0, dtype=object)
    kind = np.where(lens == 0, 2, 0).astype(np.int8)
    joined = "\x00".join(strs)
    if joined.count("\x00") == max(k - 1, 0):
        starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1])) if k else np.zeros(0, np.int64)
        pos = _unsafe_positions(joined)
        dirty = np.unique(np.searchsorted(starts, np.array(pos, dtype=np.int64), side="right") - 1).tolist() if pos else []
        dirty = [i for i in dirty if _UNSAFE.search(strs[i])]
    else:  # a value holds a NUL itself: check them one by one
        dirty = [i for i, v in enumerate(strs) if _UNSAFE.search(v) or "\x00" in v]
    for i in dirty:
        v = strs[i]
        if v:
            vals[i] = X.xml_text(v)
            kind[i] = 1 if X.needs_preserve(v) else 0
    widths = lens[lens > 0]
    content = float(min(int(widths.max()), 60)) if len(widths) else 0.0
    max_bytes = int(lens.max()) * 4 * 6 + 64 if k else 64  # escapes grow text at most 6x, UTF-8 4 bytes/char
    return _TextCells(n, style, codes, strs, vals, kind, content, max_bytes)


def _serial_parts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """datetime64 -> (whole days since 1970-01-01, seconds into the day)."""
    secs = d.astype("datetime64[s]").astype(np.int64)
    days = np.floor_divide(secs, 86400)
    return days, secs - days * 86400


def date_column(values, style: int, text_style: int, where: Where, date1904: bool = False) -> ColumnCells:
    """Dates (and date-times) as serial numbers of the workbook's date system.

    1900 system (``date1904`` false): serial 1 is 1900-01-01, with Excel's phantom 1900-02-29 as 60.
    1904 system: serial 0 is 1904-01-01. A date no spreadsheet can show as a date (before 1900-01-01, after
    9999-12-31) is written as ISO text, the same in both systems; a date from 1900 to 1903, which a 1904
    workbook cannot hold, is a :class:`WorkbookError` naming the sheet, table, column, row and value.
    """
    a = np.asarray(values)
    if a.dtype.kind != "M":
        try:
            a = pd.to_datetime(pd.Series(a, dtype=object), errors="raise").to_numpy()
        except Exception:
            raise WorkbookError(f"{where(0)}: a date column needs datetime64 values") from None
    if a.ndim != 1:
        raise WorkbookError(f"{where(0)}: column data must be one-dimensional")
    n = len(a)
    if n == 0:
        return _Lookup(0, style, np.zeros(0, np.intp), [], [], "num", 10)
    # factorise on the int64 representation (NaT is the minimum int64)
    unit = np.datetime_data(a.dtype)[0]
    ints = a.view(np.int64)
    codes, uniq = pd.factorize(ints)
    codes = np.asarray(codes, dtype=np.intp)
    uniq_dt = np.asarray(uniq, dtype=np.int64).view(f"datetime64[{unit}]")
    nat = np.isnat(uniq_dt)
    safe = np.where(nat, np.zeros((), dtype=uniq_dt.dtype), uniq_dt)  # NaT -> the epoch, in the column's unit
    days, rem = _serial_parts(safe)
    serial = days + EXCEL_EPOCH_OFFSET
    serial = np.where(serial < 61, serial - 1, serial)  # Excel's 1900-02-29 that never was
    if date1904:
        early = ~nat & (serial >= 1) & (serial < DATE1904_OFFSET)  # 1900-01-01 .. 1903-12-31 (1904-01-01 is 1462)
        if early.any():
            k = int(np.flatnonzero(early)[0])
            i = int(np.flatnonzero(codes == k)[0])
            shown = str(uniq_dt[k].astype("datetime64[s]" if rem[k] else "datetime64[D]"))
            raise WorkbookError(f"{where(i)}: the date {shown} cannot be written: the workbook uses the 1904 date "
                                "system (Excel Options > Advanced > 'Use 1904 date system'), whose first date is "
                                "1904-01-01; expected a date from 1904-01-01 on, or a workbook on the 1900 date system")
        in_range = (serial >= 1) & (serial <= MAX_SERIAL)
        serial = np.where(in_range, days + (EXCEL_EPOCH_OFFSET - DATE1904_OFFSET), -1)
    cells: list[str] = []
    cache: list[float | None] = []
    blank = f'<c s="{style}"/>'
    for k in range(len(uniq_dt)):
        if nat[k]:
            cells.append(blank)
            cache.append(None)
            continue
        s = int(serial[k])
        if s < 0 or (s == 0 and not date1904) or s > MAX_SERIAL:  # outside Excel's calendar: keep it readable as text
            txt = str(uniq_dt[k].astype("datetime64[s]" if rem[k] else "datetime64[D]"))
            cells.append(text_cell(txt, text_style))
            cache.append(None)
            continue
        if rem[k]:
            v = repr(s + int(rem[k]) / 86400.0)
            cache.append(s + int(rem[k]) / 86400.0)
        else:
            v = str(s)
            cache.append(float(s))
        cells.append(f'<c s="{style}"><v>{v}</v></c>')
    return _Lookup(n, style, codes, cells, cache, "num", 10)


class _Ints(ColumnCells):
    def __init__(self, a: np.ndarray, style: int):
        self.a = a
        self.n = len(a)
        self.style = style
        self.max_bytes = 48
        if self.n:
            mx = max(abs(int(a.max())), abs(int(a.min())))
            digits = len(str(mx))
            self.content_chars = digits + (digits - 1) // 3 + (1 if a.min() < 0 else 0)
        else:
            self.content_chars = 1

    def items(self, a: int, b: int) -> list:
        return [f'<c s="{self.style}"><v>', format_ints(self.a[a:b]), "</v></c>"]

    def values_for_cache(self, limit: int):
        return "num", [float(x) for x in self.a[:limit].tolist()]


class _Cents(ColumnCells):
    """Money as int64 cents -> exact decimal text, integer arithmetic only."""

    def __init__(self, a: np.ndarray, style: int):
        self.a = a.astype(np.int64, copy=False)
        self.n = len(a)
        self.style = style
        self.max_bytes = 56
        self._pre = np.array([f'<c s="{style}"><v>', f'<c s="{style}"><v>-'], dtype=object)
        if self.n:
            mx = max(abs(int(self.a.max())), abs(int(self.a.min()))) // 100
            digits = len(str(mx))
            self.content_chars = digits + (digits - 1) // 3 + 3 + (1 if self.a.min() < 0 else 0)
        else:
            self.content_chars = 4

    def items(self, a: int, b: int) -> list:
        x = self.a[a:b]
        neg = x < 0
        mag = np.abs(x).view(np.uint64)  # |INT64_MIN| = 2**63 is right as uint64
        q, r = np.divmod(mag, np.uint64(100))
        return [self._pre[neg.view(np.int8)], format_ints(q), _FRAC[r.astype(np.intp)], "</v></c>"]

    def values_for_cache(self, limit: int):
        return "num", [cents_text(int(c)) for c in self.a[:limit].tolist()]


def cents_text(c: int) -> str:
    q, r = divmod(abs(c), 100)
    return ("-" if c < 0 else "") + str(q) + _FRAC[r]


class _Floats(ColumnCells):
    def __init__(self, a: np.ndarray, style: int, kind: str):
        self.a = np.ascontiguousarray(round_written(a, kind))  # cells and chart caches alike
        self.n = len(a)
        self.style = style
        self.max_bytes = 64
        self._blank = f'<c s="{style}"/>'
        self._open = f'<c s="{style}"><v>'
        fin = self.a[np.isfinite(self.a)] if self.n else self.a
        if kind in ("percent", "rate", "multiple"):
            self.content_chars = 8
        elif len(fin):
            mx = float(np.max(np.abs(fin)))
            digits = len(str(int(mx))) if mx < 1e18 else 19
            self.content_chars = digits + (digits - 1) // 3 + 3 + (1 if fin.min() < 0 else 0)
        else:
            self.content_chars = 4

    def items(self, a: int, b: int) -> list:
        x = self.a[a:b]
        vals = format_floats(x)
        bad = ~np.isfinite(x)
        if not bad.any():
            return [self._open, vals, "</v></c>"]
        m = len(x)
        pre = np.empty(m, dtype=object)  # not np.full: it would copy the string into every element
        pre.fill(self._open)
        suf = np.empty(m, dtype=object)
        suf.fill("</v></c>")
        v = np.array(vals, dtype=object)
        pre[bad] = self._blank
        v[bad] = ""
        suf[bad] = ""
        return [pre, v, suf]

    def values_for_cache(self, limit: int):
        x = self.a[:limit]
        return "num", [float(v) if np.isfinite(v) else None for v in x.tolist()]


def _as_numeric(values, where: Where) -> np.ndarray:
    a = np.asarray(values)
    if a.dtype == bool:
        return a.astype(np.int64)
    if a.dtype.kind in "iu":
        return a if a.dtype in (np.int64, np.uint64) else a.astype(np.int64)
    if a.dtype.kind == "f":
        return a.astype(np.float64, copy=False)
    try:
        return pd.to_numeric(pd.Series(a, dtype=object), errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except Exception:
        raise WorkbookError(f"{where(0)}: expected numbers, got values of type {a.dtype}") from None


def column_cells(kind: str, values, style: int, text_style: int, where: Where, date1904: bool = False) -> ColumnCells:
    """Encoder for a column of ``kind`` (see :mod:`salesops_xl.sheets`); dates in the 1900 or 1904 date system."""
    if kind == "text":
        return text_column(values, style, where)
    if kind == "date":
        return date_column(values, style, text_style, where, date1904)
    if kind not in ("int", "number", "money", "percent", "rate", "multiple"):
        raise WorkbookError(f"{where(0)}: unknown column kind {kind!r}")
    a = _as_numeric(values, where)
    if a.ndim != 1:
        raise WorkbookError(f"{where(0)}: column data must be one-dimensional")
    if a.dtype.kind in "iu":
        if kind == "money":
            if a.dtype == np.uint64 and len(a) and int(a.max()) > np.iinfo(np.int64).max:
                raise WorkbookError(f"{where(0)}: money in cents exceeds the int64 range")
            return _Cents(a, style)
        return _Ints(a, style)
    return _Floats(a, style, kind)
