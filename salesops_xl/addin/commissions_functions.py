"""Commission cell functions (xlwings decorators only; the plain functions are in salesops_xl.commissions.cells)."""
from __future__ import annotations

from xlwings import arg, func

from ..cells import unwrap
from ..commissions import cells
from .functions import CATEGORY

__all__ = ["sxl_attainment", "sxl_commission", "sxl_payout", "sxl_prorate", "sxl_tier"]


@func(category=CATEGORY)
@arg("amount", ndim=2, err_to_str=True, doc="Credited amount: a cell or a range (the result spills)")
@arg("tiers", ndim=2, err_to_str=True, doc="Tier range: From, Rate | From, To, Rate | Tier, From, To, Rate")
@arg("method", err_to_str=True, doc='"marginal" (default) or "retroactive"')
@arg("quota", err_to_str=True, doc="Optional quota: then From/To are attainment (0%, 100%...)")
def sxl_commission(amount, tiers, method=None, quota=None):
    """Commission on an amount against a tier table, marginal or retroactive, rounded to the cent."""
    return cells.commission(unwrap(amount), tiers, method, quota)


@func(category=CATEGORY)
@arg("credit", ndim=2, err_to_str=True, doc="Credited amount(s)")
@arg("quota", ndim=2, err_to_str=True, doc="Quota(s): one, or one per credit")
def sxl_attainment(credit, quota):
    """Attainment = credit / quota (1 = 100%)."""
    return cells.attainment(unwrap(credit), unwrap(quota))


@func(category=CATEGORY)
@arg("attainment", ndim=2, err_to_str=True, doc="Attainment (100% = 1)")
@arg("curve", ndim=2, err_to_str=True, doc="Payout curve: From, Rate | From, To, Rate | Tier, From, To, Rate")
@arg("method", err_to_str=True, doc='"marginal" (rates are slopes, default) or "retroactive" (step curve)')
def sxl_payout(attainment, curve, method=None):
    """Payout as a multiple of target incentive at an attainment on a payout curve."""
    return cells.payout(unwrap(attainment), curve, method)


@func(category=CATEGORY)
@arg("value", ndim=2, err_to_str=True, doc="Value or attainment")
@arg("tiers", ndim=2, err_to_str=True, doc="Tier range")
def sxl_tier(value, tiers):
    """Name of the tier band a value falls in."""
    return cells.tier_reached(unwrap(value), tiers)


@func
@arg("amount", ndim=2, doc="Quota, target or any amount for the full period")
@arg("period_start", doc="First day of the period")
@arg("period_end", doc="Last day of the period")
@arg("active_from", doc="First active day (e.g. hire date); blank: period start")
@arg("active_to", doc="Last active day (e.g. termination); blank: period end")
def sxl_prorate(amount, period_start, period_end, active_from=None, active_to=None):
    """Amount prorated by active days in the period (as the engine prorates quotas and targets)."""
    return cells.prorate(unwrap(amount), period_start, period_end, active_from, active_to)
