"""Commission cell functions: commission on a tier range, attainment, payout multiple, tier reached, proration."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cells import (
    CellError,
    as_matrix,
    cell_function,
    date_value,
    is_blank,
    number,
    numbers,
    rectangular,
    shape_result,
    text_value,
)
from ..dates import EXCEL_ERRORS
from ..money import to_cents
from .tiers import Method, TierTable, TierTableError, payout_multiple, tiered_value


@cell_function
def prorate(amount: Any, period_start: Any, period_end: Any, active_from: Any, active_to: Any = None) -> Any:
    """``amount x active days / days`` of the period [period_start, period_end], both included.

    Active from ``active_from`` (e.g. a hire date) to ``active_to`` (blank: to the end), the rule the
    engine applies to quotas and target incentives. Money is rounded to the cent.
    """
    x, scalar = numbers(amount, "amount")
    p0, p1 = date_value(period_start, "period start"), date_value(period_end, "period end")
    a0 = p0 if is_blank(active_from) else date_value(active_from, "active from")
    a1 = p1 if is_blank(active_to) else date_value(active_to, "active to")
    if p1 < p0:
        raise CellError("the period ends before it starts")
    days = int((p1 - p0) // np.timedelta64(1, "D")) + 1
    active = max(0, int((min(p1, a1) - max(p0, a0)) // np.timedelta64(1, "D")) + 1)
    return shape_result(to_cents(x * active / days).astype(np.float64) / 100.0, scalar)


def method_arg(v: Any, default: Method = "Marginal") -> Method:
    if is_blank(v):
        return default
    s = str(v).strip().lower()
    aliases: dict[str, Method] = {"marginal": "Marginal", "cumulative": "Marginal", "m": "Marginal",
               "retroactive": "Retroactive", "retro": "Retroactive", "flat": "Retroactive", "r": "Retroactive",
               "non-cumulative": "Retroactive"}
    if s not in aliases:
        raise CellError(f"method {v!r} unknown; use \"marginal\" or \"retroactive\"")
    return aliases[s]


def tier_table(value: Any, what: str = "tiers") -> TierTable:
    """A tier range -> TierTable.

    Accepted layouts (an optional header row of text is skipped, and so are blank rows):
    2 columns ``From, Rate``; 3 columns ``From, To, Rate``; 4 columns ``Tier, From, To, Rate``.
    A problem names the row of the range it is on (1 = the range's first row).
    """
    m = as_matrix(value)
    rectangular(m, what)
    numbered = [(i + 1, r) for i, r in enumerate(m) if not all(is_blank(v) for v in r)]
    if numbered and any(isinstance(v, str) and v.strip() and v.strip().split(" ")[0] not in EXCEL_ERRORS
                        for v in numbered[0][1][-2:]):
        numbered = numbered[1:]  # header
    if not numbered:
        raise CellError(f"{what} is empty")
    at = [n for n, _ in numbered]
    rows = [r for _, r in numbered]
    width = len(rows[0])
    if width not in (2, 3, 4):
        raise CellError(f"{what} must have 2 (From, Rate), 3 (From, To, Rate) or 4 (Tier, From, To, Rate) columns")
    names = None
    if width == 4:
        names = [None if is_blank(r[0]) else text_value(r[0], f"{what} Tier (row {n})") for n, r in zip(at, rows)]
        rows = [r[1:] for r in rows]
        width = 3
    froms = [number(r[0], f"{what} From (row {n})") for n, r in zip(at, rows)]
    if width == 2:
        tos: list[float | None] = [None] * len(rows)
        rates = [number(r[1], f"{what} Rate (row {n})") for n, r in zip(at, rows)]
    else:
        tos = [None if is_blank(r[1]) else number(r[1], f"{what} To (row {n})") for n, r in zip(at, rows)]
        rates = [number(r[2], f"{what} Rate (row {n})") for n, r in zip(at, rows)]
    try:
        return TierTable.from_rows(what, froms, tos, rates, names=names, rows=at)
    except TierTableError as e:
        row, col, msg, val, exp = e.problems[0]
        msg = msg.replace(f"tier table {what!r}", what)
        where = f"{what} {col} (row {row})" if col and row is not None else f"{what} (row {row})"
        raise CellError(f"{msg}: {where}" + (f"; expected {exp}" if exp else ""))


def _money(result: np.ndarray) -> np.ndarray:
    """Round currency results to cents by the money rule (half away from zero)."""
    return to_cents(result).astype(np.float64) / 100.0


def _clean(result: np.ndarray) -> np.ndarray:
    """Remove float noise from ratios (0.30000000000000004 -> 0.3)."""
    return np.round(result, 12)


# -- tier arithmetic in cells ----------------------------------------------------------------------------------

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
    if not isinstance(quota, (list, tuple, np.ndarray)) and is_blank(quota):
        return shape_result(_money(tiered_value(x, table, m)), scalar)
    q = number(quota, "quota")
    if q <= 0:
        raise CellError("quota must be above 0")
    if m == "Marginal":
        out = q * table.marginal(x / q)
    else:
        out = table.rates[table.band(x / q)] * np.maximum(x, 0.0)
    return shape_result(_money(out), scalar)


@cell_function
def attainment(credit: Any, quota: Any) -> Any:
    """``credit / quota``; element-wise for ranges of the same shape (or a single quota)."""
    c, c_scalar = numbers(credit, "credit")
    q, q_scalar = numbers(quota, "quota")
    if q.shape != c.shape and q.size != 1:
        raise CellError("credit and quota ranges must have the same size (or give one quota)")
    if np.any(q <= 0):
        raise CellError("quota must be above 0", "#DIV/0!" if np.any(q == 0) else "#VALUE!")
    return shape_result(_clean(c / q), c_scalar and q_scalar)


@cell_function
def payout(attainment_value: Any, curve: Any, method: Any = None) -> Any:
    """Payout multiple of target incentive at an attainment, on a payout curve (a tier range).

    "marginal": rates are slopes (the multiple grows by Rate per 100% of attainment in each band);
    "retroactive": the band reached pays its Rate as the multiple (a step curve).
    """
    a, scalar = numbers(attainment_value, "attainment")
    table = tier_table(curve, "curve")
    return shape_result(_clean(payout_multiple(a, table, method_arg(method))), scalar)


@cell_function
def tier_reached(value: Any, tiers: Any) -> Any:
    """Name of the band containing ``value`` (T1, T2... when the range has no names)."""
    x, scalar = numbers(value, "value")
    table = tier_table(tiers)
    names = np.array(table.names, dtype=object)[table.band(x)]
    return names.reshape(-1)[0] if scalar else names.reshape(x.shape)
