"""Commission cell functions beyond the tier arithmetic (xlwings decorators only)."""
from __future__ import annotations

from xlwings import arg, func

from ..commissions import cells

__all__ = ["sxl_prorate"]


@func
@arg("amount", ndim=2, doc="Quota, target or any amount for the full period")
@arg("period_start", doc="First day of the period")
@arg("period_end", doc="Last day of the period")
@arg("active_from", doc="First active day (e.g. hire date); blank: period start")
@arg("active_to", doc="Last active day (e.g. termination); blank: period end")
def sxl_prorate(amount, period_start, period_end, active_from=None, active_to=None):
    """Amount prorated by active days in the period (as the engine prorates quotas and targets)."""
    if isinstance(amount, list) and len(amount) == 1 and isinstance(amount[0], list) and len(amount[0]) == 1:
        amount = amount[0][0]
    return cells.prorate(amount, period_start, period_end, active_from, active_to)
