"""Commission cell functions beyond the tier arithmetic: proration by active days."""
from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from ..cells import CellError, _shape, cell_function, number, numbers, serial_date
from ..money import to_cents
from ..tables import EXCEL_ERRORS


def _date(v: Any, what: str, *, blank_ok: bool = False) -> np.datetime64 | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        if blank_ok:
            return None
        raise CellError(f"{what} is blank")
    if isinstance(v, _dt.datetime):
        return np.datetime64(v.date(), "D")
    if isinstance(v, _dt.date):
        return np.datetime64(v, "D")
    if isinstance(v, str):
        if v.strip() in EXCEL_ERRORS:
            raise CellError(f"{what} is an error ({v.strip()})", v.strip())
        raise CellError(f"{what} is text, expected a date")
    return serial_date(number(v, what), what)  # in the cell functions' date system (cells.set_date_system)


@cell_function
def prorate(amount: Any, period_start: Any, period_end: Any, active_from: Any, active_to: Any = None) -> Any:
    """``amount x active days / days`` of the period [period_start, period_end], both included.

    Active from ``active_from`` (e.g. a hire date) to ``active_to`` (blank: to the end), the rule the
    engine applies to quotas and target incentives. Money is rounded to the cent.
    """
    x, scalar = numbers(amount, "amount")
    p0, p1 = _date(period_start, "period start"), _date(period_end, "period end")
    a0 = _date(active_from, "active from", blank_ok=True) or p0
    a1 = _date(active_to, "active to", blank_ok=True) or p1
    if p1 < p0:
        raise CellError("the period ends before it starts")
    days = int((p1 - p0).astype(int)) + 1
    active = max(0, int((min(p1, a1) - max(p0, a0)).astype(int)) + 1)
    return _shape(to_cents(x * active / days).astype(np.float64) / 100.0, scalar)
