"""Cell functions in plain Python: Excel values in, Excel values out.

Each function here takes arguments the way Excel hands them to a custom
function (scalars, or ranges as lists of lists; blanks as ``None``; dates as
serial numbers or datetimes; error cells as their literal, e.g. ``"#N/A"``),
converts them, calls the engine and returns a scalar or a 2-D list that
spills. It never raises: bad input returns an Excel-style error text such as
``"#VALUE! quota must be above 0"`` (a custom function cannot return a real
error value with a message in both xlwings runtimes, so the message starts
with the error literal; the add-in's functions are thin decorators around
these).
"""
from __future__ import annotations

import datetime as _dt
import functools
import math
from typing import Any, Callable

import numpy as np

from .commissions.tiers import TierTable, TierTableError, payout_multiple, tiered_value
from .money import to_cents
from .tables import EXCEL_ERRORS


class CellError(Exception):
    """Bad argument; rendered as ``"<code> <message>"`` in the cell."""

    def __init__(self, message: str, code: str = "#VALUE!"):
        self.code = code
        super().__init__(message)

    def render(self) -> str:
        return f"{self.code} {self}"


def excel_error(message: str, code: str = "#VALUE!") -> str:
    return f"{code} {message}"


def cell_function(f: Callable) -> Callable:
    """Turn any exception into an Excel error text; never let a traceback reach a cell."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except CellError as e:
            return e.render()
        except Exception as e:  # a bug must not crash Excel: show a short message instead
            return excel_error(f"internal error: {type(e).__name__}: {str(e)[:120]}")

    return wrapper


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
    return [list(r) for r in value]


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def number(v: Any, what: str, *, blank: float | None = None) -> float:
    """One Excel value -> float, or CellError naming ``what``."""
    if _is_blank(v):
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


def numbers(value: Any, what: str) -> tuple[np.ndarray, bool]:
    """Scalar or range -> (2-D float array, was_scalar). Blanks in a range are errors."""
    scalar = not isinstance(value, (list, tuple, np.ndarray))
    m = as_matrix(value)
    arr = np.array([[number(v, f"{what} (row {i + 1}, column {j + 1})" if not scalar else what)
                     for j, v in enumerate(r)] for i, r in enumerate(m)], dtype=np.float64)
    return arr, scalar


def method_arg(v: Any, default: str = "Marginal") -> str:
    if _is_blank(v):
        return default
    s = str(v).strip().lower()
    aliases = {"marginal": "Marginal", "cumulative": "Marginal", "m": "Marginal",
               "retroactive": "Retroactive", "retro": "Retroactive", "flat": "Retroactive", "r": "Retroactive",
               "non-cumulative": "Retroactive"}
    if s not in aliases:
        raise CellError(f"method {v!r} unknown; use \"marginal\" or \"retroactive\"")
    return aliases[s]


def tier_table(value: Any, what: str = "tiers") -> TierTable:
    """A tier range -> TierTable.

    Accepted layouts (an optional header row of text is skipped):
    2 columns ``From, Rate``; 3 columns ``From, To, Rate``; 4 columns ``Tier, From, To, Rate``.
    """
    rows = [r for r in as_matrix(value) if not all(_is_blank(v) for v in r)]
    if rows and any(isinstance(v, str) and v.strip() and v.strip() not in EXCEL_ERRORS for v in rows[0][-2:]):
        rows = rows[1:]  # header
    if not rows:
        raise CellError(f"{what} is empty")
    width = len(rows[0])
    if width not in (2, 3, 4):
        raise CellError(f"{what} must have 2 (From, Rate), 3 (From, To, Rate) or 4 (Tier, From, To, Rate) columns")
    names = None
    if width == 4:
        names = [None if _is_blank(r[0]) else str(r[0]) for r in rows]
        rows = [r[1:] for r in rows]
        width = 3
    froms = [number(r[0], f"{what} From (row {i + 1})") for i, r in enumerate(rows)]
    if width == 2:
        tos = [None] * len(rows)
        rates = [number(r[1], f"{what} Rate (row {i + 1})") for i, r in enumerate(rows)]
    else:
        tos = [None if _is_blank(r[1]) else number(r[1], f"{what} To (row {i + 1})") for i, r in enumerate(rows)]
        rates = [number(r[2], f"{what} Rate (row {i + 1})") for i, r in enumerate(rows)]
    try:
        return TierTable.from_rows(what, froms, tos, rates, names=names)
    except TierTableError as e:
        row, col, msg, val, exp = e.problems[0]
        raise CellError(f"{msg.replace(repr(what) + ' ', '')} (row {row + 1 if row is not None else '?'})")


def _money(result: np.ndarray) -> np.ndarray:
    """Round currency results to cents by the money rule (half away from zero)."""
    return to_cents(result).astype(np.float64) / 100.0


def _clean(result: np.ndarray) -> np.ndarray:
    """Remove float noise from ratios (0.30000000000000004 -> 0.3)."""
    return np.round(result, 12)


def _shape(result: np.ndarray, scalar: bool) -> Any:
    if scalar:
        return float(result.reshape(-1)[0])
    return result.tolist()


# -- the functions ----------------------------------------------------------------------------------

@cell_function
def commission(amount: Any, tiers: Any, method: Any = None, quota: Any = None) -> Any:
    """Commission on ``amount`` against a tier range.

    Without ``quota`` the bands are in the units of ``amount`` (0-10,000 at 5%...);
    with ``quota`` they are attainment (0%-100%...) and apply to ``amount / quota``.
    ``method``: "marginal" (default: each band at its own rate) or "retroactive"
    (the band reached pays its rate on everything).
    """
    x, scalar = numbers(amount, "amount")
    table = tier_table(tiers)
    m = method_arg(method)
    if not isinstance(quota, (list, tuple, np.ndarray)) and _is_blank(quota):
        return _shape(_money(tiered_value(x, table, m)), scalar)
    q = number(quota, "quota")
    if q <= 0:
        raise CellError("quota must be above 0")
    if m == "Marginal":
        out = q * table.marginal(x / q)
    else:
        out = table.rates[table.band(x / q)] * np.maximum(x, 0.0)
    return _shape(_money(out), scalar)


@cell_function
def attainment(credit: Any, quota: Any) -> Any:
    """``credit / quota``; element-wise for ranges of the same shape (or a single quota)."""
    c, c_scalar = numbers(credit, "credit")
    q, q_scalar = numbers(quota, "quota")
    if q.shape != c.shape and q.size != 1:
        raise CellError("credit and quota ranges must have the same size (or give one quota)")
    if np.any(q <= 0):
        raise CellError("quota must be above 0", "#DIV/0!" if np.any(q == 0) else "#VALUE!")
    return _shape(_clean(c / q), c_scalar and q_scalar)


@cell_function
def payout(attainment_value: Any, curve: Any, method: Any = None) -> Any:
    """Payout multiple of target incentive at an attainment, on a payout curve (a tier range).

    "marginal": rates are slopes (the multiple grows by Rate per 100% of attainment in each band);
    "retroactive": the band reached pays its Rate as the multiple (a step curve).
    """
    a, scalar = numbers(attainment_value, "attainment")
    table = tier_table(curve, "curve")
    return _shape(_clean(payout_multiple(a, table, method_arg(method))), scalar)


@cell_function
def tier_reached(value: Any, tiers: Any) -> Any:
    """Name of the band containing ``value`` (T1, T2... when the range has no names)."""
    x, scalar = numbers(value, "value")
    table = tier_table(tiers)
    names = np.array(table.names, dtype=object)[table.band(x)]
    return names.reshape(-1)[0] if scalar else names.tolist()
