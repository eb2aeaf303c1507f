"""``salesops-xl forecast ...``: the forecast capability's extra commands (recalc/validate work as for every workbook).

* ``salesops-xl forecast series IN.csv -o OUT.csv`` - forecast every series of a long CSV
  (series, date, value) headless: engineers scripting batch runs;
* ``salesops-xl forecast backtest WORKBOOK`` - print the rolling-origin accuracy of every method on
  a forecast workbook's history, without writing anything;
* ``salesops-xl forecast snapshot WORKBOOK [--date D]`` - append the pipeline and the calls as of D
  (default today) to the Forecast History sheet, then recalculate.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

FREQS = {"M": ("M", 12), "Q": ("Q", 4), "W": ("W", 52), "D": ("D", 7)}


@click.group(name="forecast")
def forecast() -> None:
    """Forecast workbooks and series: extra commands (recalc/validate work as for every workbook)."""


def series_frame(frame: pd.DataFrame, id_col: str, date_col: str, value_col: str, freq: str = "M",
                 agg: str = "sum", fill: str = "zero") -> tuple[list[str], list[np.ndarray], list[pd.Period]]:
    """Long rows -> regular series per id: values summed (or averaged) per period, gaps filled with 0 (or
    interpolated linearly). Returns ids, value arrays (oldest first) and each series' last period."""
    from ..errors import InputError, Problem

    problems = []
    for c in (id_col, date_col, value_col):
        if c not in frame.columns:
            raise InputError([Problem(f"column {c!r} is missing", expected="columns " + ", ".join(
                [id_col, date_col, value_col]), value=", ".join(map(str, frame.columns)))])
    dates = pd.to_datetime(frame[date_col], errors="coerce")
    values = pd.to_numeric(frame[value_col], errors="coerce")
    for what, bad in (("not a date", dates.isna() & frame[date_col].notna()),
                      ("blank date", frame[date_col].isna()),
                      ("not a number", values.isna() & frame[value_col].notna()),
                      ("blank value", frame[value_col].isna()),
                      ("blank series id", frame[id_col].isna())):
        for i in np.flatnonzero(bad.to_numpy()).tolist()[:10]:
            col = date_col if "date" in what else value_col if "value" in what or "number" in what else id_col
            problems.append(Problem(what, value=frame[col].iloc[i], row=int(i) + 2, column=col,
                                    expected="a date" if col == date_col else "a number" if col == value_col
                                    else "an id"))
    if problems:
        raise InputError(problems)
    per = dates.dt.to_period(FREQS[freq][0])
    df = pd.DataFrame({"id": frame[id_col].astype(str).to_numpy(), "p": per, "v": values.to_numpy()})
    g = df.groupby(["id", "p"], sort=True)["v"]
    agg_s = g.sum() if agg == "sum" else g.mean()
    ids, arrays, lasts = [], [], []
    for sid, s in agg_s.groupby(level=0, sort=True):  # one reindex per series, in the batch door only
        s = s.droplevel(0)
        full = pd.period_range(s.index.min(), s.index.max(), freq=s.index.freq)
        s = s.reindex(full)
        s = s.fillna(0.0) if fill == "zero" else s.interpolate()
        ids.append(sid)
        arrays.append(s.to_numpy(dtype=np.float64))
        lasts.append(full[-1])
    return ids, arrays, lasts


def forecast_csv(inp: Path, out: Path | None, *, horizon: int, freq: str, methods: list[str], level: float,
                 id_col: str, date_col: str, value_col: str, agg: str, fill: str, season: int | None) -> dict:
    from ..safety import csv_safe
    from . import models as M

    t0 = time.perf_counter()
    frame = pd.read_csv(inp)
    ids, arrays, lasts = series_frame(frame, id_col, date_col, value_col, freq, agg, fill)
    m = season if season is not None else FREQS[freq][1]
    res = M.forecast(arrays, horizon, max(m, 1), methods=methods, levels=(level,))
    rows = []
    H = horizon
    periods = [[str(last + (k + 1)) for k in range(H)] for last in lasts]
    for meth, mr in res.methods.items():
        rows.append(pd.DataFrame({
            "series": np.repeat(np.array(ids, dtype=object), H), "period": np.concatenate(periods) if ids else [],
            "method": meth, "forecast": mr.mean.reshape(-1), "lower": mr.lower[level].reshape(-1),
            "upper": mr.upper[level].reshape(-1), "model": np.repeat(mr.model, H)}))
    result = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    result = csv_safe(result)
    if out is None:
        result.to_csv(sys.stdout, index=False, float_format="%.6g")
    else:
        result.to_csv(out, index=False, float_format="%.10g")
    return {"series": len(ids), "rows": len(result), "seconds": time.perf_counter() - t0}


@forecast.command("series")
@click.argument("csv_in", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the forecasts to this CSV (default: standard output).")
@click.option("-H", "--horizon", type=click.IntRange(1, 1000), default=12, show_default=True,
              help="Periods to forecast.")
@click.option("--freq", type=click.Choice(list(FREQS)), default="M", show_default=True,
              help="Period of the series: M months (season 12), Q quarters (4), W weeks (52), D days (7).")
@click.option("--season", type=click.IntRange(0, 8760), default=None, help="Season length (default: by --freq; 0 = none).")
@click.option("-m", "--method", "methods", multiple=True, default=("Combo",), show_default=True,
              help="Method (repeat for several): Combo, ETS, Theta, DOTM, SES, Holt, Damped, Naive2, SeasonalNaive, Naive.")
@click.option("--level", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True,
              help="Level of the prediction intervals.")
@click.option("--id-col", default="series", show_default=True)
@click.option("--date-col", default="date", show_default=True)
@click.option("--value-col", default="value", show_default=True)
@click.option("--agg", type=click.Choice(["sum", "mean"]), default="sum", show_default=True,
              help="How values of the same period combine.")
@click.option("--fill", type=click.Choice(["zero", "interpolate"]), default="zero", show_default=True,
              help="Periods missing inside a series: 0 (no bookings) or linear interpolation.")
def series_command(csv_in: Path, output: Path | None, horizon: int, freq: str, season: int | None,
                   methods: tuple[str, ...], level: float, id_col: str, date_col: str, value_col: str, agg: str,
                   fill: str) -> None:
    """Forecast every series of CSV_IN (long rows: series, date, value) and write one row per series, period
    and method: forecast, lower, upper, model."""
    from ..console import run_guarded
    from .models import METHODS

    bad = [m for m in methods if m not in METHODS]
    if bad:
        click.echo(f"unknown method(s) {', '.join(bad)}; use: {', '.join(METHODS)}", err=True)
        sys.exit(2)
    rep = run_guarded(forecast_csv, csv_in, output, horizon=horizon, freq=freq, methods=list(methods), level=level,
                      id_col=id_col, date_col=date_col, value_col=value_col, agg=agg, fill=fill, season=season)
    if output is not None:
        click.echo(f"{output}: {rep['series']:,} series, {rep['rows']:,} rows ({rep['seconds']:.2f} s)")


@forecast.command("backtest")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--origins", type=click.IntRange(1, 36), default=None, help="Rolling origins (default: the workbook's).")
@click.option("--horizon", type=click.IntRange(1, 24), default=None, help="Months ahead (default: the workbook's).")
def backtest_command(workbook: Path, origins: int | None, horizon: int | None) -> None:
    """Print the accuracy of every method on WORKBOOK's history by rolling origin; write nothing."""
    from ..console import run_guarded

    table, best = run_guarded(_backtest, workbook, origins, horizon)
    click.echo(table)
    click.echo("best per level: " + ", ".join(f"{k} {v}" for k, v in best.items()))


def _backtest(workbook: Path, origins: int | None, horizon: int | None):
    from ..batch import open_source
    from .backtest import run_backtest
    from .inputs import load_inputs
    from .series import build_series

    with open_source(workbook) as src:
        inp = load_inputs(src)
    st = inp.settings
    bt = run_backtest(build_series(inp), origins or max(st.bt_origins, 1), horizon or st.bt_horizon)
    if bt is None:
        from ..errors import ComputationError

        raise ComputationError("too little history for a backtest")
    t = bt.per_level[["Level", "Method", "Series", "MAE", "MASE", "sMAPE", "Bias", "Rank"]]
    return t.to_string(index=False, float_format=lambda x: f"{x:,.3f}"), bt.best


def take_snapshot(workbook: Path, output: Path | None = None, *, day=None, recalc: bool = True):
    """Append a snapshot of ``day`` (default today) to WORKBOOK's Forecast History and recalculate, in one atomic
    write (:func:`salesops_xl.batch.run_workflow` over :func:`.workflow.snapshot_forecast`)."""
    from ..batch import run_workflow
    from .workflow import snapshot_forecast

    def workflow(source, **kwargs):
        return snapshot_forecast(source, day=day, recalc=recalc, **kwargs)

    return run_workflow(workbook, output, workflow=workflow)


@forecast.command("snapshot")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day of the snapshot (default: today).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this workbook instead of WORKBOOK.")
@click.option("--no-recalc", is_flag=True, help="Only append the snapshot; leave the output sheets as they are.")
def snapshot_command(workbook: Path, day, output: Path | None, no_recalc: bool) -> None:
    """Append the pipeline and the calls as of --date (default today) to WORKBOOK's Forecast History sheet
    (PipelineHistory, CallHistory), and recalculate so Pipeline Changes and Forecast Accuracy use it."""
    from ..console import run_guarded

    rep = run_guarded(take_snapshot, workbook, output, day=day.date() if day else None, recalc=not no_recalc)
    click.echo(f"{rep.output or rep.source}: {rep.summary.get('headline', '')} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)
