"""Excel custom functions of the forecast capability: xlwings decorators around :mod:`salesops_xl.forecast.cells`.

Discovered by :mod:`salesops_xl.addin.functions` (names ``sxl_*``). The FORECAST.ETS family keeps
Excel's argument order, so ``=FORECAST.ETS(A20, B2:B19, A2:A19)`` becomes
``=SXL_FORECAST_ETS(A20, B2:B19, A2:A19)``; the optional last argument ``method`` picks the model
(blank: Excel's own AAA model, :mod:`salesops_xl.forecast.holtwinters`).
"""
from __future__ import annotations

from xlwings import arg, func

from ..cells import unwrap
from ..forecast import cells

__all__ = ["sxl_forecast_ets", "sxl_forecast_ets_confint", "sxl_forecast_ets_seasonality", "sxl_forecast_ets_stat",
           "sxl_forecast_table", "sxl_coverage", "sxl_pipeline_velocity", "sxl_run_rate", "sxl_wins_needed",
           "sxl_pipeline_needed", "sxl_forecast_rollup"]

_METHOD_DOC = 'Optional model: "AAA" (default, Excel\'s), "ETS", "Combo", "Theta", "DOTM", "Damped", "SES"...'




@func
@arg("target_date", ndim=2, doc="Date to forecast (a range of dates spills)")
@arg("values", ndim=2, doc="Historical values")
@arg("timeline", ndim=2, doc="Their dates (a constant step: days, months...)")
@arg("seasonality", doc="1 or blank: detect; 0: none; n: season of n steps")
@arg("data_completion", doc="1 or blank: fill missing steps with the neighbours' average; 0: with zero")
@arg("aggregation", doc="Same-date values: 1 AVERAGE (default), 2 COUNT, 3 COUNTA, 4 MAX, 5 MEDIAN, 6 MIN, 7 SUM")
@arg("method", doc=_METHOD_DOC)
def sxl_forecast_ets(target_date, values, timeline, seasonality=None, data_completion=None, aggregation=None,
                     method=None):
    """Forecast at a date, like FORECAST.ETS (same arguments and, by default, the same model: Excel's AAA)."""
    return cells.forecast_ets(unwrap(target_date), values, timeline, seasonality, data_completion, aggregation,
                              method)


@func
@arg("target_date", ndim=2, doc="Date to forecast (a range of dates spills)")
@arg("values", ndim=2, doc="Historical values")
@arg("timeline", ndim=2, doc="Their dates")
@arg("confidence_level", doc="Blank: 95%")
@arg("seasonality", doc="1 or blank: detect; 0: none; n: season of n steps")
@arg("data_completion", doc="1 or blank: neighbours' average; 0: zero")
@arg("aggregation", doc="1 AVERAGE (default) ... 7 SUM")
@arg("method", doc=_METHOD_DOC)
def sxl_forecast_ets_confint(target_date, values, timeline, confidence_level=None, seasonality=None,
                             data_completion=None, aggregation=None, method=None):
    """Half-width of the prediction interval at a date, like FORECAST.ETS.CONFINT."""
    return cells.forecast_ets_confint(unwrap(target_date), values, timeline, confidence_level, seasonality,
                                      data_completion, aggregation, method)


@func
@arg("values", ndim=2, doc="Historical values")
@arg("timeline", ndim=2, doc="Their dates")
@arg("data_completion", doc="1 or blank: neighbours' average; 0: zero")
@arg("aggregation", doc="1 AVERAGE (default) ... 7 SUM")
def sxl_forecast_ets_seasonality(values, timeline, data_completion=None, aggregation=None):
    """Length of the season detected (0 = none), like FORECAST.ETS.SEASONALITY."""
    return cells.forecast_ets_seasonality(values, timeline, data_completion, aggregation)


@func
@arg("values", ndim=2, doc="Historical values")
@arg("timeline", ndim=2, doc="Their dates")
@arg("statistic_type", ndim=2, doc="1 alpha, 2 beta, 3 gamma, 4 MASE, 5 SMAPE, 6 MAE, 7 RMSE, 8 step")
@arg("seasonality", doc="1 or blank: detect; 0: none; n: season of n steps")
@arg("data_completion", doc="1 or blank: neighbours' average; 0: zero")
@arg("aggregation", doc="1 AVERAGE (default) ... 7 SUM")
@arg("method", doc=_METHOD_DOC)
def sxl_forecast_ets_stat(values, timeline, statistic_type, seasonality=None, data_completion=None,
                          aggregation=None, method=None):
    """A statistic of the fitted model, like FORECAST.ETS.STAT."""
    return cells.forecast_ets_stat(values, timeline, unwrap(statistic_type), seasonality, data_completion,
                                   aggregation, method)


@func
@arg("values", ndim=2, doc="A regular series, oldest first (a column or row)")
@arg("horizon", doc="Number of periods to forecast")
@arg("season_length", doc="Blank: 12; 0 or 1: none")
@arg("method", doc='Blank: "ETS"; "Combo", "Theta", "DOTM", "AAA"...')
@arg("level", doc="Interval level, blank: 95%")
def sxl_forecast_table(values, horizon, season_length=None, method=None, level=None):
    """Forecast table of the next periods (Step, Forecast, Lower, Upper); spills."""
    return cells.forecast_table(values, unwrap(horizon), unwrap(season_length), unwrap(method), unwrap(level))


@func
@arg("open_pipeline", ndim=2, doc="Open pipeline amount(s)")
@arg("quota", ndim=2, doc="Quota(s) of the period")
@arg("closed", ndim=2, doc="Optional amount(s) already closed won (blank = 0)")
def sxl_coverage(open_pipeline, quota, closed=None):
    """Coverage ratio: open pipeline / (quota - closed)."""
    return cells.coverage(unwrap(open_pipeline), unwrap(quota), unwrap(closed))


@func
@arg("opportunities", ndim=2, doc="Number of open opportunities")
@arg("win_rate", ndim=2, doc="Win rate (25% = 0.25)")
@arg("deal_size", ndim=2, doc="Average won deal size")
@arg("cycle_days", ndim=2, doc="Average sales cycle in days")
def sxl_pipeline_velocity(opportunities, win_rate, deal_size, cycle_days):
    """Pipeline velocity per day: opportunities x win rate x deal size / cycle days."""
    return cells.velocity(unwrap(opportunities), unwrap(win_rate), unwrap(deal_size), unwrap(cycle_days))


@func
@arg("closed", ndim=2, doc="Amount closed so far in the period")
@arg("elapsed_days", ndim=2, doc="Days of the period elapsed (as-of day included)")
@arg("total_days", ndim=2, doc="Days in the period")
def sxl_run_rate(closed, elapsed_days, total_days):
    """Run-rate projection of the period: closed / elapsed days x total days."""
    return cells.run_rate(unwrap(closed), unwrap(elapsed_days), unwrap(total_days))


@func
@arg("gap", ndim=2, doc="Amount still to close")
@arg("avg_deal_size", ndim=2, doc="Average won deal size")
def sxl_wins_needed(gap, avg_deal_size):
    """Wins needed to close a gap (rounded up)."""
    return cells.wins_needed(unwrap(gap), unwrap(avg_deal_size))


@func
@arg("gap", ndim=2, doc="Amount still to close")
@arg("win_rate", ndim=2, doc="Win rate (25% = 0.25)")
def sxl_pipeline_needed(gap, win_rate):
    """Pipeline needed to close a gap at a win rate: gap / win rate."""
    return cells.pipeline_needed(unwrap(gap), unwrap(win_rate))


@func
@arg("ids", ndim=2, err_to_str=True, doc="The people (RepID column)")
@arg("manager_ids", ndim=2, err_to_str=True, doc="Each one's manager (blank at the top)")
@arg("submitted", ndim=2, err_to_str=True, doc="Each one's call or a manager's number (blank = none)")
def sxl_forecast_rollup(ids, manager_ids, submitted):
    """Forecast calls rolled up the hierarchy: own number, else the sum of the direct reports' numbers; spills."""
    return cells.forecast_rollup(ids, manager_ids, submitted)
