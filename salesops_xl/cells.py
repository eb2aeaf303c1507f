"""Cell functions in plain Python: Excel values in, Excel values out.

Each function here takes arguments the way Excel hands them to a custom
function (scalars, or ranges as lists of lists; blanks as ``None``; dates as
serial numbers or datetimes; error cells as their literal, e.g. ``"#N/A"``),
converts them, calls the engine and returns a scalar or a 2-D list that
spills. It never raises: bad input returns an Excel-style error text such as
``"#VALUE! quota must be above 0"`` (a custom function cannot return a real
error value with a message in either xlwings runtime, so the message starts
with the error literal; the add-in's functions are thin decorators around
these). See docs/addin.md, "Errors in cells", for what each runtime can show
and :func:`set_error_style` for the alternative (bare error codes, which
xlwings Lite turns into real Excel errors).

Results go through :func:`to_excel`: numpy values become plain Python values,
a NaN or infinite number becomes ``"#NUM!"`` (the same in both runtimes:
desktop xlwings would show NaN as an empty cell, Lite as #NUM!), a date
becomes a ``datetime``.

Helpers for capabilities writing cell functions: :func:`number`,
:func:`numbers` (a range of numbers as a float array, vectorised),
:func:`date_value` and :func:`dates` (serial numbers or datetimes),
:func:`text_value`, :func:`frame` (a range with a header row as a DataFrame)
and :func:`as_matrix`.
"""
from __future__ import annotations

import datetime as _dt
import functools
import gc
import itertools
import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from .dates import DATE1904_OFFSET, EXCEL_ERRORS, SERIAL_RANGE, excel_epoch


class CellError(Exception):
    """Bad argument; rendered as ``"<code> <message>"`` in the cell."""

    def __init__(self, message: str, code: str = "#VALUE!"):
        self.code = code
        super().__init__(message)

    def render(self) -> str:
        return excel_error(str(self), self.code)


# -- how an error reaches the cell --------------------------------------------------------------------

#: Environment variable choosing the error style (see :func:`set_error_style`).
ERROR_STYLE_ENV = "SALESOPS_XL_ERRORS"
ERROR_STYLES = ("text", "code")
_error_style: str | None = None
_MAX_MESSAGE = 200  # Excel shows at most 255 characters of a string in an array result


def set_error_style(style: str | None) -> None:
    """How a bad call shows in its cell.

    * ``"text"`` (default): ``"#VALUE! quota must be above 0"``: the error code, then the message;
      the same in both xlwings runtimes.
    * ``"code"``: the bare code, ``"#VALUE!"``. xlwings Lite turns a bare code into a real Excel error
      (so IFERROR/ISERROR see it and SUM propagates it); desktop xlwings shows it as text. The message
      is printed (xlwings Lite shows it in its output pane).

    ``None`` goes back to the environment variable ``SALESOPS_XL_ERRORS`` (``text`` or ``code``).
    """
    global _error_style
    if style is not None and style not in ERROR_STYLES:
        raise ValueError(f"error style {style!r}: use one of {', '.join(ERROR_STYLES)}")
    _error_style = style


def error_style() -> str:
    if _error_style is not None:
        return _error_style
    env = os.environ.get(ERROR_STYLE_ENV, "").strip().lower()
    return env if env in ERROR_STYLES else "text"


def excel_error(message: str, code: str = "#VALUE!") -> str:
    """The value a failed call returns: ``"#VALUE! message"`` (or ``"#VALUE!"``, see :func:`set_error_style`)."""
    code = code if code in EXCEL_ERRORS else "#VALUE!"
    message = " ".join(str(message).split())  # one line, whatever the exception said
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE - 3] + "..."
    if error_style() == "code":
        print(f"salesops-xl: {code} {message}")
        return code
    return f"{code} {message}" if message else code


def cell_function(f: Callable) -> Callable:
    """Turn any exception into an Excel error value; never let a traceback reach a cell.

    The result goes through :func:`to_excel`. The garbage collector is paused during the call: a
    100,000-row range is 100,000 small lists in and out, and collecting while they are built costs more
    than the computation.
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        collecting = gc.isenabled()
        gc.disable()
        try:
            return to_excel(f(*args, **kwargs))
        except CellError as e:
            return e.render()
        except MemoryError:
            return excel_error("the range is too large for the memory available", "#NUM!")
        except Exception as e:  # a bug must not crash Excel: show a short message instead
            return excel_error(f"internal error: {type(e).__name__}: {e}")
        finally:
            if collecting:
                gc.enable()

    return wrapper


# -- results ----------------------------------------------------------------------------------------

_NUM = "#NUM!"


def to_excel(result: Any) -> Any:
    """A Python/numpy/pandas result -> values both xlwings runtimes write as such.

    Scalars: numpy numbers -> float/int/bool, NaN and infinities -> ``"#NUM!"``, dates and
    timestamps -> ``datetime.datetime``, NaT -> ``"#NUM!"``, None -> None (an empty cell).
    Arrays (numpy, nested lists, tuples) -> 2-D lists of such scalars (a 1-D array is one row);
    a DataFrame -> its header row, then its rows.
    """
    if result is None or isinstance(result, (str, bool)):
        return result
    if isinstance(result, (int, float, np.generic, _dt.date)) or _is_pandas_scalar(result):
        return _scalar_out(result)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is an engine dependency
        pd = None
    if pd is not None and isinstance(result, pd.DataFrame):
        text = [j for j, d in enumerate(result.dtypes) if isinstance(d, pd.StringDtype)]
        if text:  # pandas' string dtype (pandas 3's default for text) holds a blank as NaN/NA: an empty cell
            result = result.copy(deep=False)
            for j in text:
                result.isetitem(j, pd.Series(_text_objects(result.iloc[:, j]), index=result.index, dtype=object))
        body = [_row_out(r) for r in result.itertuples(index=False, name=None)]
        return [[str(c) for c in result.columns]] + body
    if pd is not None and isinstance(result, pd.Series):
        result = _text_objects(result) if isinstance(result.dtype, pd.StringDtype) else result.to_numpy()
    if isinstance(result, np.ndarray):
        return _array_out(result)
    if isinstance(result, (list, tuple)):
        if not result:
            return [[None]]
        if not isinstance(result[0], (list, tuple, np.ndarray)):
            return [_row_out(result)]
        rows = [r if type(r) is list else list(r) for r in result]
        width = max(len(r) for r in rows)
        if any(len(r) != width for r in rows):  # Excel spills rectangles: pad short rows with blanks
            rows = [r + [None] * (width - len(r)) for r in rows]
        flat = list(itertools.chain.from_iterable(rows))
        types = set(map(type, flat))
        if types <= _PLAIN_TYPES:
            return rows
        if types <= _PLAIN_TYPES | {float, int}:
            floats = np.fromiter((v for v in flat if type(v) is float), dtype=np.float64)
            if np.isfinite(floats).all():
                return rows  # plain numbers, text, blanks: as they are (one pass in C, not one per cell)
        return [_row_out(r) for r in rows]
    return _scalar_out(result)


def _text_objects(s) -> np.ndarray:
    """A Series of pandas' string dtype -> object array of str, None where blank (not NaN: that is #NUM!)."""
    return s.to_numpy(dtype=object, na_value=None)


def _is_pandas_scalar(v: Any) -> bool:
    return type(v).__name__ in ("Timestamp", "NaTType", "Timedelta")


def _scalar_out(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        x = float(v)
        return x if math.isfinite(x) else _NUM
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return _NUM
        return v.astype("datetime64[us]").astype(_dt.datetime)
    if _is_pandas_scalar(v):
        if type(v).__name__ == "NaTType":
            return _NUM
        if type(v).__name__ == "Timestamp":
            return v.to_pydatetime().replace(tzinfo=None)
        return str(v)
    if isinstance(v, _dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day)
    return str(v)


def _row_out(row) -> list:
    if isinstance(row, np.ndarray):
        return _array_out(row.reshape(1, -1))[0]
    return [_scalar_out(v) for v in row]


def _array_out(a: np.ndarray) -> list:
    if a.ndim == 0:
        return [[_scalar_out(a[()])]]
    if a.ndim == 1:
        a = a.reshape(1, -1)
    elif a.ndim > 2:
        raise CellError("the result has more than two dimensions")
    if a.size == 0:
        return [[None]]
    if a.dtype.kind in "fiub":
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            obj = a.astype(object)
            obj[~np.isfinite(a)] = _NUM
            return obj.tolist()
        return a.tolist()
    if a.dtype.kind == "M":
        d = a.astype("datetime64[us]")
        obj = d.astype(object)  # datetime.datetime, NaT -> None
        obj[np.isnat(d)] = _NUM
        return obj.tolist()
    rows = a.tolist()
    if set(map(type, itertools.chain.from_iterable(rows))) <= _PLAIN_TYPES:
        return rows  # text, booleans, blanks: already what Excel takes
    return [[_scalar_out(v) for v in r] for r in rows]


_PLAIN_TYPES = frozenset({str, bool, type(None)})


# -- argument conversion --------------------------------------------------------------------------

def as_matrix(value: Any) -> list[list[Any]]:
    """A scalar, a 1-D list or a 2-D list -> 2-D list."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        return [[]]
    if not isinstance(value[0], (list, tuple)):
        return [list(value)]
    if all(type(r) is list for r in value):
        return value if isinstance(value, list) else list(value)
    return [list(r) for r in value]


def unwrap(v: Any) -> Any:
    """A 1x1 range is a scalar: return a scalar so the cell gets a scalar back (the add-in's wrappers declare
    their ranges ``ndim=2``, so a single cell arrives as ``[[v]]``)."""
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list) and len(v[0]) == 1:
        return v[0][0]
    return v


def is_blank(v: Any) -> bool:
    """An empty cell: None, or text of only spaces."""
    return v is None or (isinstance(v, str) and v.strip() == "")


def number(v: Any, what: str, *, blank: float | None = None) -> float:
    """One Excel value -> float, or CellError naming ``what``."""
    if is_blank(v):
        if blank is not None:
            return blank
        raise CellError(f"{what} is blank")
    if isinstance(v, bool):
        raise CellError(f"{what} is TRUE/FALSE, expected a number")
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if math.isnan(x):
            raise CellError(f"{what} is not a number", "#NUM!")
        return x
    if isinstance(v, str):
        s = v.strip()
        if s in EXCEL_ERRORS or s.split(" ")[0] in EXCEL_ERRORS:
            raise CellError(f"{what} is an error ({s.split(' ')[0]})", s.split(" ")[0])
        raise CellError(f"{what} is text ({s[:20]!r}), expected a number")
    if isinstance(v, (_dt.date, _dt.datetime)):
        raise CellError(f"{what} is a date, expected a number")
    raise CellError(f"{what} is not a number")


_REAL_TYPES = frozenset({float, int, np.float64, np.int64, np.float32, np.int32})


def rectangular(m: list[list[Any]], what: str) -> int:
    width = len(m[0]) if m else 0
    if any(len(r) != width for r in m):
        raise CellError(f"{what} is not a rectangular range")
    return width


def numbers(value: Any, what: str) -> tuple[np.ndarray, bool]:
    """Scalar or range -> (2-D float array, was_scalar). Blanks in a range are errors.

    A range of real numbers (the common case) is converted in one numpy call; only a range holding
    something else is walked cell by cell, to name the first bad cell.
    """
    scalar = not isinstance(value, (list, tuple, np.ndarray))
    if scalar:
        return np.array([[number(value, what)]], dtype=np.float64), True
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        arr = np.atleast_2d(value.astype(np.float64))
        if arr.ndim == 2 and not np.isnan(arr).any():
            return arr, False
    m = as_matrix(value)
    width = rectangular(m, what)
    flat = list(itertools.chain.from_iterable(m))
    if set(map(type, flat)) <= _REAL_TYPES:
        arr = np.array(flat, dtype=np.float64).reshape(len(m), width)
        if not np.isnan(arr).any():
            return arr, False
    arr = np.array([[number(v, f"{what} (row {i + 1}, column {j + 1})") for j, v in enumerate(r)]
                    for i, r in enumerate(m)], dtype=np.float64)
    return arr.reshape(len(m), -1), False


def text_value(v: Any, what: str, *, blank: str | None = None) -> str:
    """One Excel value -> text (a whole number becomes "1001", not "1001.0"); errors and blanks refused."""
    if is_blank(v):
        if blank is not None:
            return blank
        raise CellError(f"{what} is blank")
    if isinstance(v, str):
        s = v.strip()
        if s.split(" ")[0] in EXCEL_ERRORS:
            code = s.split(" ")[0]
            raise CellError(f"{what} is an error ({code})", code)
        return s
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if math.isnan(x):
            raise CellError(f"{what} is not a number", "#NUM!")
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


# -- dates: serial numbers (xlwings Lite, or an unformatted cell) or datetimes (desktop) ----------------
#
# A serial number means a date only in a date system: 46023 is 2026-01-01 in a workbook on the 1900 system
# (the default) and 2030-01-02 in one on the 1904 system. Neither xlwings runtime tells a cell function which
# system its workbook uses (desktop xlwings hands date-formatted cells over as datetimes, which are right in
# both; xlwings Lite hands every date over as a bare serial), so bare serials are read in the system set by
# set_date_system() or SALESOPS_XL_DATE_SYSTEM, 1900 unless told (docs/addin.md, "Dates and the 1904 date system").

#: Environment variable naming the date system bare serial numbers are read in ("1900" or "1904").
DATE_SYSTEM_ENV = "SALESOPS_XL_DATE_SYSTEM"
DATE_SYSTEMS = (1900, 1904)
_date_system: int | None = None


def set_date_system(system: int | str | None) -> None:
    """The date system of the workbook the cell functions serve: 1900 (Excel's default) or 1904.

    It decides what a bare serial number given as a date means (46023: 2026-01-01 in 1900, 2030-01-02 in
    1904); dates handed over as dates are right in both. ``None`` goes back to ``SALESOPS_XL_DATE_SYSTEM``.
    """
    global _date_system
    if system is None:
        _date_system = None
        return
    try:
        n = int(str(system).strip())
    except ValueError:
        n = 0
    if n not in DATE_SYSTEMS:
        raise ValueError(f"date system {system!r}: use 1900 or 1904")
    _date_system = n


def date_system() -> int:
    """1900 or 1904: see :func:`set_date_system`."""
    if _date_system is not None:
        return _date_system
    env = os.environ.get(DATE_SYSTEM_ENV, "").strip()
    return 1904 if env == "1904" else 1900


def serial_date(x: float, what: str) -> np.datetime64:
    """A serial number given as a date -> ``datetime64[D]`` in the cell functions' date system (time ignored)."""
    date1904 = date_system() == 1904
    lo, hi = SERIAL_RANGE[date1904]
    if not (lo <= x < hi):  # NaN fails too
        first = "0 (1904-01-01)" if date1904 else "1 (1900-01-01)"
        raise CellError(f"{what} ({x:g}) is not an Excel date serial number of the {date_system()} date system "
                        f"(from {first} to {int(hi) - 1} (9999-12-31))", "#NUM!")
    return excel_epoch(date1904) + np.timedelta64(int(math.floor(x)), "D")


def as_1900_serial(x):
    """Serial number(s) given as dates -> the same dates' 1900-system serials (engines counting in serials)."""
    return x + DATE1904_OFFSET if date_system() == 1904 else x


def date_value(v: Any, what: str) -> np.datetime64:
    """One Excel date -> ``datetime64[D]``.

    Accepted: a ``datetime``/``date`` (desktop xlwings passes date-formatted cells so), a numpy or pandas
    date, or an Excel serial number (xlwings Lite passes dates so; 46023 is 2026-01-01) of the date system
    set by :func:`set_date_system` (the time of day is ignored). Refused with a message: blanks, text
    (even "2026-01-05": Excel would not compute with it either), TRUE/FALSE, error values (their code is kept).
    """
    if is_blank(v):
        raise CellError(f"{what} is blank")
    if isinstance(v, bool):
        raise CellError(f"{what} is TRUE/FALSE, expected a date")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return serial_date(float(v), what)
    if isinstance(v, _dt.datetime):
        return np.datetime64(v.date(), "D")
    if isinstance(v, _dt.date):
        return np.datetime64(v, "D")
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            raise CellError(f"{what} is blank")
        return v.astype("datetime64[D]")
    if _is_pandas_scalar(v):
        if type(v).__name__ == "Timestamp":
            return np.datetime64(v.date(), "D")
        raise CellError(f"{what} is blank")
    if isinstance(v, str):
        s = v.strip()
        code = s.split(" ")[0]
        if code in EXCEL_ERRORS:
            raise CellError(f"{what} is an error ({code})", code)
        raise CellError(f"{what} is text ({s[:20]!r}), expected a date (type it as a date or use DATE())")
    raise CellError(f"{what} is not a date")


def dates(value: Any, what: str) -> tuple[np.ndarray, bool]:
    """Scalar or range of dates -> (2-D ``datetime64[D]`` array, was_scalar); see :func:`date_value`."""
    scalar = not isinstance(value, (list, tuple, np.ndarray))
    if scalar:
        return np.array([[date_value(value, what)]], dtype="datetime64[D]"), True
    m = as_matrix(value)
    width = rectangular(m, what)
    flat = list(itertools.chain.from_iterable(m))
    types = set(map(type, flat))
    if types and types <= _REAL_TYPES:
        x = np.array(flat, dtype=np.float64).reshape(len(m), width)
        date1904 = date_system() == 1904
        lo, hi = SERIAL_RANGE[date1904]
        if np.all((x >= lo) & (x < hi)):
            return excel_epoch(date1904) + np.floor(x).astype(np.int64).astype("timedelta64[D]"), False
    out = np.array([[date_value(v, f"{what} (row {i + 1}, column {j + 1})") for j, v in enumerate(r)]
                    for i, r in enumerate(m)], dtype="datetime64[D]")
    return out.reshape(len(m), -1), False


def frame(value: Any, what: str, *, columns: Sequence[str] = ()) -> pd.DataFrame:
    """A range whose first row is a header -> DataFrame of the raw cell values (blanks are None).

    Header cells must be non-blank, distinct text; ``columns`` must all be present (matched without
    regard to case or spaces; the frame uses the names given in ``columns``). Entirely blank rows are
    dropped. Values are left as Excel gave them: convert them with :func:`numbers`, :func:`dates`...
    """
    import pandas as pd

    m = as_matrix(value)
    rectangular(m, what)
    if not m or not m[0]:
        raise CellError(f"{what} is empty")
    header = []
    for j, h in enumerate(m[0]):
        if is_blank(h):
            raise CellError(f"{what}: the header cell in column {j + 1} is blank")
        header.append(text_value(h, f"{what} header (column {j + 1})"))
    norm = ["".join(h.lower().split()) for h in header]
    if len(set(norm)) != len(norm):
        raise CellError(f"{what}: a column name appears twice in the header")
    rename = {}
    for c in columns:
        k = "".join(c.lower().split())
        if k not in norm:
            raise CellError(f"{what} has no column {c!r} (its header: {', '.join(header)[:80]})")
        rename[header[norm.index(k)]] = c
    body = [r for r in m[1:] if not all(is_blank(v) for v in r)]
    df = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header, dtype=object)
    return df.rename(columns=rename)


def shape_result(result: np.ndarray, scalar: bool) -> Any:
    """A scalar call gets a scalar back; a range call gets the 2-D array (made a list by :func:`to_excel`)."""
    if scalar:
        return float(result.reshape(-1)[0])
    return result
