"""Excel custom function of the forecast calls: an xlwings decorator around :mod:`salesops_xl.forecast.callcells`.

Discovered by :mod:`salesops_xl.addin.functions` (names ``sxl_*``).
"""
from __future__ import annotations

from xlwings import arg, func

from ..forecast import callcells

__all__ = ["sxl_forecast_rollup"]


@func
@arg("ids", ndim=2, err_to_str=True, doc="The people (RepID column)")
@arg("manager_ids", ndim=2, err_to_str=True, doc="Each one's manager (blank at the top)")
@arg("submitted", ndim=2, err_to_str=True, doc="Each one's call or a manager's number (blank = none)")
def sxl_forecast_rollup(ids, manager_ids, submitted):
    """Forecast calls rolled up the hierarchy: own number, else the sum of the direct reports' numbers; spills."""
    return callcells.forecast_rollup(ids, manager_ids, submitted)
