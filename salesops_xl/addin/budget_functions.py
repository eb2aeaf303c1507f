"""Excel custom functions of the budget capability: xlwings decorators around :mod:`salesops_xl.budget.cells`.

Discovered by :mod:`salesops_xl.addin.functions` (names ``sxl_*``), so they register with the others
(desktop "Import Functions", xlwings Lite).
"""
from __future__ import annotations

from xlwings import arg, func

from ..budget import cells
from ..cells import unwrap

__all__ = ["sxl_budget_year_end", "sxl_req_open_date", "sxl_funnel_needed"]




@func
@arg("actuals", ndim=2, err_to_str=True, doc="Actuals by month (rows x months); open months may be blank")
@arg("plan", ndim=2, err_to_str=True, doc="Plan by month, the same shape (one row per budget line)")
@arg("closed_months", err_to_str=True, doc="Months closed with actuals, from the first (0 to 12)")
@arg("rule", err_to_str=True, doc='"Plan" (default) or "RunRate": how the open months are forecast')
@arg("run_rate_months", err_to_str=True, doc="RunRate: closed months averaged (default 3)")
def sxl_budget_year_end(actuals, plan, closed_months, rule=None, run_rate_months=None):
    """Year-end forecast of budget lines: actuals to date + the rest at plan or run rate (one per row)."""
    return cells.year_end(actuals, plan, unwrap(closed_months), unwrap(rule), unwrap(run_rate_months))


@func
@arg("start_date", err_to_str=True, doc="The needed start date of the hire")
@arg("stage_days", ndim=2, err_to_str=True, doc="Days of each funnel stage (a row or column)")
@arg("notice_days", err_to_str=True, doc="Days from the accepted offer to the start (default 0)")
def sxl_req_open_date(start_date, stage_days, notice_days=None):
    """Date a requisition must open: start date - (sum of stage days + notice days)."""
    return cells.req_open_date(unwrap(start_date), stage_days, unwrap(notice_days))


@func
@arg("hires", err_to_str=True, doc="Hires wanted")
@arg("conversions", ndim=2, err_to_str=True, doc="Conversion of each stage to the next, in funnel order")
def sxl_funnel_needed(hires, conversions):
    """Candidates needed at each funnel stage for a number of hires (spills one per stage)."""
    return cells.funnel_needed(unwrap(hires), conversions)
