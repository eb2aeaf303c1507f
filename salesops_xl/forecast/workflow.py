"""The forecast workflow: read the workbook's tables, compute, return the sheets to write.

:func:`recalc_forecast` has the shape the add-in's generic script and the batch door run
(``(source, *, computed_at=None, progress=None) -> WorkflowResult``): it reads every input first and
touches neither files nor Excel.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt

import numpy as np

from ..source import TableSource
from ..workflows import Progress, WorkflowResult, kept_run_time, previous_run
from .engine import ForecastRun, compute
from .history import snapshot
from .inputs import load_inputs
from .outputs import forecast_sheets, history_sheet

RUN_LOG_TABLE = "ForecastRunLog"


def run_forecast(source: TableSource, *, computed_at: str | None = None, progress: Progress | None = None
                 ) -> ForecastRun:
    """Validate the inputs and compute the whole forecast run (no sheets)."""
    say = progress or (lambda stage: None)
    say("reading tables")
    prev = previous_run(source, RUN_LOG_TABLE)
    inputs = load_inputs(source)
    computed_at = kept_run_time(prev, inputs.fingerprint, computed_at)
    say("computing")
    return compute(inputs, computed_at=computed_at, progress=progress)


def recalc_forecast(source: TableSource, *, computed_at: str | None = None,
                    progress: Progress | None = None) -> WorkflowResult:
    """Validate the forecast inputs, forecast, backtest, weigh the pipeline, compute metrics and gaps.

    If the inputs and the engine version are those of the workbook's last run, the last run's
    timestamp is kept, so recalculating an unchanged workbook gives back the very same workbook.
    """
    say = progress or (lambda stage: None)
    run = run_forecast(source, computed_at=computed_at, progress=progress)
    say("building sheets")
    sheets = forecast_sheets(run)
    return WorkflowResult(sheets=sheets, summary=summary(run), warnings=run.warnings, result=run)


def summary(run: ForecastRun) -> dict:
    st = run.inputs.settings
    g = run.tables["gap"]
    comp = g[g["Level"] == "Company"].iloc[0]
    s = run.summary
    cs = s[s["Level"] == "Company"]
    nxt = float(cs["NextMonth"].iloc[0]) if len(cs) else float("nan")
    quota = float(comp["Quota"])
    if quota == quota:  # a company quota exists
        gap_text = (f"closed {comp['Closed']:,.0f} of quota {quota:,.0f} ({comp['Attainment']:.1%}), learned pipeline "
                    f"forecast {comp['Closed'] + comp['ExpectedFromPipeline']:,.0f}, gap {comp['Gap']:,.0f}")
    else:
        gap_text = (f"closed {comp['Closed']:,.0f}, learned pipeline forecast "
                    f"{comp['Closed'] + comp['ExpectedFromPipeline']:,.0f} (no quotas)")
    nxt_text = f"company forecast for {st.as_of.strftime('%Y-%m')}: {nxt:,.0f}" if nxt == nxt else "no history to forecast"
    headline = f"{run.counts['Series']} series forecast" + (
        f"; {st.gap_label}: {comp['Attainment']:.1%} of quota closed" if quota == quota else "")
    amounts = f"{st.gap_label}: {gap_text}; {nxt_text}"
    return {"headline": headline, "amounts": amounts, "as_of": st.as_of.isoformat(), "gap_period": st.gap_label,
            "quota": quota, "closed": float(comp["Closed"]), "gap": float(comp["Gap"]),
            "learned_forecast": float(comp["Closed"] + comp["ExpectedFromPipeline"]),
            "next_month_forecast": nxt, **run.counts}


def snapshot_forecast(source, *, computed_at: str | None = None, progress=None, day: _dt.date | None = None,
                      recalc: bool = True):
    """Workflow: append a snapshot of ``day`` (default today) to the Forecast History sheet and, with ``recalc``,
    recompute every forecast sheet with it (one write: the history sheet and the outputs together)."""

    say = progress or (lambda stage: None)
    say("reading tables")
    inp = load_inputs(source)
    d = day or _dt.date.today()
    say("taking the snapshot")
    ph, ch = snapshot(inp, d)
    n_p = int((ph["SnapshotDate"].to_numpy().astype("datetime64[D]") == np.datetime64(d, "D")).sum())
    warnings = []
    if d > inp.settings.as_of:
        warnings.append(f"snapshot dated {d}, after AsOfDate {inp.settings.as_of}: the export's figures are "
                        "recorded as they stand (set AsOfDate to the day of the export)")
    sheets = [history_sheet(ph, ch)]
    head = f"snapshot of {d.isoformat()}: {n_p} deal(s), {len(inp.team)} people"
    summ = {"headline": head, "amounts": "", "snapshots": int(ch["SnapshotDate"].nunique())}
    result = None
    if recalc:
        say("recalculating")
        result = compute(dataclasses.replace(inp, pipeline_history=ph, call_history=ch), computed_at=computed_at,
                         progress=progress)
        sheets += forecast_sheets(result)
        s = summary(result)
        summ = {**s, "headline": head + "; " + s["headline"]}
        warnings += result.warnings
    return WorkflowResult(sheets=sheets, summary=summ, warnings=warnings, result=result)
