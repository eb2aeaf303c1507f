"""Budget cell functions in plain Python: Excel values in, Excel values out, never an exception.

The same rules as the budget workbook (docs/budget.md), one formula at a time:

* :func:`year_end` - the year-end forecast of budget lines: actuals of the closed months + the rest at
  plan or at run rate;
* :func:`req_open_date` - when a requisition must open for a start date, given the funnel's stage days
  and the notice period;
* :func:`funnel_needed` - how many candidates each funnel stage needs for a number of hires.

Arguments arrive as Excel gives them (scalars, lists of lists, None for blanks, serial numbers or
datetimes for dates, "#N/A" for errors); bad input returns a short ``"#VALUE! ..."`` text.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cells import CellError, cell_function, date_value, is_blank, number, numbers, text_value
from ..money import to_cents
from . import engine as E


def _row_vector(value: Any, what: str) -> np.ndarray:
    arr, _ = numbers(value, what)
    if arr.shape[0] != 1 and arr.shape[1] != 1:
        raise CellError(f"{what} must be a single row or column")
    return arr.reshape(-1)


@cell_function
def year_end(actuals: Any, plan: Any, closed_months: Any, rule: Any = None, run_rate_months: Any = None) -> Any:
    """Year-end forecast: actuals of the first ``closed_months`` months + the other months at plan (rule
    "Plan", the default) or at the average actual of the last ``run_rate_months`` (default 3) closed months
    (rule "RunRate"), each month rounded to the cent. ``plan``: one row of months per line (rows x months);
    ``actuals``: the same shape (cells of open months are ignored and may be blank). One result per row."""
    p, _ = numbers(plan, "plan")
    k = number(closed_months, "closed_months")
    if k != int(k) or not 0 <= k <= p.shape[1]:
        raise CellError(f"closed_months must be a whole number from 0 to {p.shape[1]} (the months given)")
    k = int(k)
    if k:
        if not isinstance(actuals, (list, tuple, np.ndarray)):
            actuals = [[actuals]]
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in actuals] \
            if isinstance(actuals[0], (list, tuple)) else [list(actuals)]
        if len(rows) != p.shape[0] or any(len(r) < k for r in rows):
            raise CellError(f"actuals must have {p.shape[0]} row(s) with at least the {k} closed month(s)")
        a, _ = numbers([r[:k] for r in rows], "actuals")
    else:
        a = np.zeros((p.shape[0], 0))
    name = text_value(rule, "rule", blank="Plan").replace(" ", "").lower()
    if name not in ("plan", "runrate"):
        raise CellError('rule must be "Plan" or "RunRate"')
    n = number(run_rate_months, "run_rate_months", blank=3.0)
    if n != int(n) or not 1 <= n <= 12:
        raise CellError("run_rate_months must be a whole number from 1 to 12")
    pc = to_cents(p)
    ac = np.zeros_like(pc)
    ac[:, :k] = to_cents(a)
    fc = E.reforecast(pc, ac, k, np.full(len(pc), name == "runrate"), int(n))
    out = fc.sum(axis=1) / 100.0
    return float(out[0]) if len(out) == 1 else out.reshape(-1, 1).tolist()


@cell_function
def req_open_date(start_date: Any, stage_days: Any, notice_days: Any = None) -> Any:
    """The date a requisition must open: start_date - (sum of the funnel's stage days + notice days)."""
    s = date_value(start_date, "start_date")
    if stage_days is None or (not isinstance(stage_days, (list, tuple, np.ndarray)) and is_blank(stage_days)):
        raise CellError("stage_days is blank")
    d = _row_vector(stage_days, "stage_days")
    if np.any(d < 0) or np.any(d != np.floor(d)):
        raise CellError("stage_days must be whole numbers of days, 0 or more")
    nd = number(notice_days, "notice_days", blank=0.0)
    if nd < 0 or nd != int(nd):
        raise CellError("notice_days must be a whole number of days, 0 or more")
    opened, _ = E.back_schedule(np.array([s]), d.astype(np.int64), int(nd))
    return opened[0]


@cell_function
def funnel_needed(hires: Any, conversions: Any) -> Any:
    """Candidates needed at each funnel stage for ``hires`` hires, back from the last stage (each stage:
    ceil(next stage's need / its conversion)); spills one count per stage, in the shape of ``conversions``."""
    h = number(hires, "hires")
    if h < 0 or h != int(h):
        raise CellError("hires must be a whole number, 0 or more")
    if conversions is None or (not isinstance(conversions, (list, tuple, np.ndarray)) and is_blank(conversions)):
        raise CellError("conversions is blank")
    arr, scalar = numbers(conversions, "conversions")
    c = arr.reshape(-1)
    if arr.shape[0] != 1 and arr.shape[1] != 1:
        raise CellError("conversions must be a single row or column")
    if np.any(c <= 0) or np.any(c > 1):
        raise CellError("conversions must be above 0% and at most 100%")
    out = E.funnel_needed(np.array([h]), c)[0].astype(np.float64)
    return float(out[0]) if scalar else out.reshape(arr.shape).tolist()
