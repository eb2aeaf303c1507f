"""Forecasting, sales metrics and gap analysis (``workbooks/forecast.xlsx``).

* :mod:`.models` - univariate time-series forecasting in plain numpy (exponential smoothing with
  automatic model selection, Theta, dynamic optimised Theta, benchmarks, their combination), with
  prediction intervals; vectorised over many series at once.
* :mod:`.excel` - the FORECAST.ETS family of Excel (timeline, data completion, aggregation,
  detected seasonality, confidence interval, statistics) on top of :mod:`.models`.
* :mod:`.backtest` - rolling-origin accuracy of every method on a user's own history.
* :mod:`.pipeline` - pipeline forecast: stage probabilities, conversion and slippage learned from
  closed history, forecast categories rolled up the manager hierarchy, coverage.
* :mod:`.metrics` - attainment, gap, run rate, win rate, deal size, cycle length, velocity, and
  what each rep needs to close the gap.

The rules are stated in docs/forecast.md.
"""
