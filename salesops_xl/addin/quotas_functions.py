"""Excel custom functions of the quota capability: xlwings decorators around :mod:`salesops_xl.quotas.cells`.

Discovered by :mod:`salesops_xl.addin.functions` (names ``sxl_*``), so they
register with the others (desktop "Import Functions", xlwings Lite).
"""
from __future__ import annotations

from xlwings import arg, func

from ..cells import unwrap
from ..quotas import cells

__all__ = ["sxl_quota_allocate", "sxl_quota_phase", "sxl_quota_seasonality", "sxl_ramp", "sxl_hire_capacity",
           "sxl_hires_needed"]




@func
@arg("total", doc="Amount to split (a target)")
@arg("weights", ndim=2, doc="One row/column of weights, or one column per method (then give mix)")
@arg("mix", ndim=2, doc="Blend: one weight per column of weights, totalling 100%")
@arg("floors", ndim=2, doc="Optional lowest amount per item (blank = none)")
@arg("ceilings", ndim=2, doc="Optional highest amount per item (blank = none)")
@arg("unit", doc="Rounding unit (default 1): results are multiples of it and sum exactly to the total")
def sxl_quota_allocate(total, weights, mix=None, floors=None, ceilings=None, unit=None):
    """Split a target by weights or a blend of methods, with floors and ceilings, summing exactly (spills)."""
    return cells.allocate(unwrap(total), weights, mix, floors, ceilings, unwrap(unit))


@func
@arg("annual", doc="Annual amount")
@arg("profile", ndim=2, doc="Weights of the periods (a row or column, e.g. 12 months)")
@arg("ramp", ndim=2, doc="Optional ramp factor per period (same size as profile)")
@arg("unit", doc="Rounding unit (default 1)")
def sxl_quota_phase(annual, profile, ramp=None, unit=None):
    """Spread an annual quota over periods by profile x ramp; the parts sum exactly (spills)."""
    return cells.phase(unwrap(annual), profile, ramp, unwrap(unit))


@func
@arg("history", ndim=2, doc="Monthly history: 12 values, or rows x 12 months")
@arg("capacity", ndim=2, doc="Optional ramped rep-months of the same shape")
def sxl_quota_seasonality(history, capacity=None):
    """Seasonal indices (mean 1) from monthly history (spills)."""
    return cells.seasonality(history, capacity)


@func
@arg("hire_date", doc="Start date of the hire")
@arg("month", ndim=2, doc="A date in the month (or a range of dates: spills)")
@arg("curve", ndim=2, doc="Optional ramp by month of tenure (default 25%, 50%, 75%, then 100%)")
@arg("term_date", doc="Optional last day of employment")
def sxl_ramp(hire_date, month, curve=None, term_date=None):
    """Ramp factor of a hire in a month: 0 before the start, the curve by tenure month, then 100%."""
    return cells.ramp(unwrap(hire_date), unwrap(month), curve, unwrap(term_date))


@func
@arg("productivity", doc="Annual bookings of a ramped rep at 100%")
@arg("start_month", doc="Plan month the hire starts, 1 to 12")
@arg("attainment", doc="Expected attainment (default 100%)")
@arg("curve", ndim=2, doc="Optional ramp curve")
@arg("attrition", doc="Annual attrition rate (default 0%)")
@arg("seasonality", ndim=2, doc="Optional 12 seasonal indices")
def sxl_hire_capacity(productivity, start_month, attainment=None, curve=None, attrition=None, seasonality=None):
    """Expected plan-year bookings of one hire starting in a month."""
    return cells.hire_capacity(unwrap(productivity), unwrap(start_month), unwrap(attainment), curve,
                               unwrap(attrition), seasonality)


@func
@arg("gap", doc="Bookings to cover this plan year")
@arg("productivity", doc="Annual bookings of a ramped rep at 100%")
@arg("start_month", doc="Plan month the hires start, 1 to 12")
@arg("attainment", doc="Expected attainment (default 100%)")
@arg("curve", ndim=2, doc="Optional ramp curve")
@arg("attrition", doc="Annual attrition rate (default 0%)")
@arg("seasonality", ndim=2, doc="Optional 12 seasonal indices")
def sxl_hires_needed(gap, productivity, start_month, attainment=None, curve=None, attrition=None, seasonality=None):
    """Hires starting in a month needed to cover a gap this plan year."""
    return cells.hires_needed(unwrap(gap), unwrap(productivity), unwrap(start_month), unwrap(attainment), curve,
                              unwrap(attrition), seasonality)
