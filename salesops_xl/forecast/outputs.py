"""The sheets a forecast run writes back: Forecast, Pipeline, Sales Metrics, Gap Analysis, Backtest, Forecast Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cellrefs import col_letters
from ..sheets import ChartSpec, Column, ColumnKind, SeriesRef, SheetSpec, TableBlock
from . import schema as S
from .engine import ForecastRun
from .fiscal import month_label

OUT_TAB = "1F4E79"
PALETTE = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "7F7F7F")
BAND = "9DC3E6"


def _block(name: str, columns, frame, anchor: str = "A1", total_rows: tuple[int, ...] = ()) -> TableBlock:
    n = len(frame)
    data = {}
    for c in columns:
        v = np.asarray(frame[c.name]) if c.name in frame else np.full(n, None, dtype=object)
        if c.kind == "text":
            out = np.empty(len(v), dtype=object)
            out[:] = [None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x) for x in v]
            v = out
        elif c.kind == "date":
            v = np.asarray(v).astype("datetime64[D]")
        else:
            v = np.asarray(v, dtype=np.float64)
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor, total_rows=total_rows)


def _next_row(block: TableBlock, gap: int = 3) -> int:
    row = int("".join(ch for ch in block.anchor if ch.isdigit()))
    return row + block.n_rows + 1 + gap




ID_COLUMNS = (Column("Level", "text", description="Company, Region, Team (a manager and everyone below) or Rep."),
              Column("ID", "text", description="RepID of the rep or manager, the region, or Company."),
              Column("Name", "text"))

SUMMARY_COLUMNS = ID_COLUMNS + (
    Column("FirstMonth", "text", description="First month of the history (the first month with a booking)."),
    Column("HistoryMonths", "int", description="Months of history, up to the month before AsOfDate's."),
    Column("LastMonthBooked", "money", description="Bookings of the last complete month."),
    Column("Seasonality", "text", description="Seasonal adjustment of the decomposition methods: multiplicative, "
                                              "additive or none."),
    Column("Method", "text", description="Method whose forecasts are shown (the Method setting, or Best)."),
    Column("Model", "text", description="Model behind the forecast (ETS: the candidate with the largest weight)."),
    Column("NextMonth", "money", description="Forecast of AsOfDate's month (the whole month)."),
    Column("NextLower", "money"), Column("NextUpper", "money"),
    Column("HorizonTotal", "money", description="Sum of the forecasts over the horizon."),
    Column("PeriodProjection", "money", description="Gap period: booked in its complete months + forecast of "
                                                    "its remaining months (AsOfDate's month in full)."),
    Column("PeriodQuota", "money"),
    Column("ProjectedAttainment", "percent", description="PeriodProjection / PeriodQuota."),
)

COMPANY_COLUMNS = (
    Column("Month", "text"), Column("Actual", "money", description="Bookings (won amounts) of the month."),
    Column("Forecast", "money"), Column("Lower", "money"), Column("Upper", "money"),
    Column("PipelineExpected", "money", description="Learned expected bookings of today's open pipeline in the "
                                                    "month (conversion x slippage)."),
    Column("Quota", "money", description="Company quota of the month (quarterly quotas spread evenly)."),
)

MONTH_COLUMNS = (Column("Level", "text"), Column("ID", "text"), Column("Month", "text"),
                 Column("Forecast", "money"), Column("Lower", "money"), Column("Upper", "money"),
                 Column("Method", "text"))

ROLLUP_COLUMNS = ID_COLUMNS + (
    Column("Manager", "text"), Column("Quota", "money", description="Quota of the gap period."),
    Column("Closed", "money", description="Won in the gap period up to AsOfDate."),
    Column("CommitOpen", "money", description="Open deals in category Commit expected in the period."),
    Column("BestCaseOpen", "money"), Column("PipelineOpen", "money"),
    Column("OmittedOpen", "money", description="Open deals the reps omitted from the forecast."),
    Column("CommitForecast", "money", description="Closed + CommitOpen."),
    Column("BestCaseForecast", "money", description="CommitForecast + BestCaseOpen."),
    Column("PipelineForecast", "money", description="BestCaseForecast + PipelineOpen."),
    Column("StageWeightedForecast", "money", description="Closed + open amounts x probability (deal's or stage's)."),
    Column("LearnedForecast", "money", description="Closed + open amounts x learned conversion x chance of "
                                                   "closing in the period (slippage)."),
    Column("TimeSeriesForecast", "money", description="The time-series projection of the period (Forecast sheet)."),
    Column("RemainingQuota", "money", description="max(Quota - Closed, 0)."),
    Column("Coverage", "multiple", description="Open pipeline in the period (not Omitted) / RemainingQuota."),
)

METRIC_COLUMNS = ID_COLUMNS + (
    Column("Manager", "text"), Column("Quota", "money"), Column("Closed", "money"),
    Column("Attainment", "percent", description="Closed / Quota."), Column("Gap", "money"),
    Column("RunRate", "money", description="Closed / elapsed days x days in the period."),
    Column("RunRateAttainment", "percent"),
    Column("Won", "int", description="Deals won in the lookback."), Column("Lost", "int"),
    Column("WinRate", "percent", description="Won / (won + lost), by count."),
    Column("AvgDealSize", "money", description="Won amount / won."),
    Column("CycleDays", "number", description="Mean days from CreatedDate to CloseDate of won deals."),
    Column("RateBasis", "text", description="own, or company when the unit has fewer than MinDeals closed deals."),
    Column("OpenDeals", "int", description="Open deals not Omitted (any close date)."),
    Column("OpenPipeline", "money"),
    Column("Velocity", "money", description="OpenDeals x WinRate x AvgDealSize / CycleDays, per day."),
)

GAP_COLUMNS = ID_COLUMNS + (
    Column("Manager", "text"), Column("Quota", "money"), Column("Closed", "money"),
    Column("TimeSeriesForecast", "money"), Column("Attainment", "percent"), Column("Gap", "money"),
    Column("OpenInPeriod", "money", description="Open pipeline (not Omitted) expected in the period."),
    Column("Coverage", "multiple", description="OpenInPeriod / Gap."),
    Column("ExpectedFromPipeline", "money", description="Learned expected bookings of the open pipeline in the period."),
    Column("GapAfterPipeline", "money", description="max(Gap - ExpectedFromPipeline, 0)."),
    Column("WinRate", "percent"), Column("AvgDealSize", "money"),
    Column("WinsNeeded", "int", description="CEILING(Gap / AvgDealSize)."),
    Column("PipelineNeeded", "money", description="Gap / WinRate."),
    Column("PipelineShortfall", "money", description="max(PipelineNeeded - OpenInPeriod, 0): pipeline to create."),
    Column("DaysLeft", "int", description="Days of the period after AsOfDate."),
    Column("RequiredPerDay", "money", description="Gap / DaysLeft."),
    Column("CurrentPerDay", "money", description="Closed / elapsed days."),
    Column("ProjectedAttainment", "percent", description="(Closed + ExpectedFromPipeline) / Quota."),
    Column("Target", "percent", description="100% (the attainment chart's target line); blank without quota."),
    Column("Status", "text", description="Attained; On track (learned forecast reaches quota); At risk (best case "
                                         "does); Off track; No quota."),
)

STAGE_COLUMNS = (Column("Stage", "text"), Column("Order", "int"), Column("Probability", "percent"),
                 Column("Reached", "int", description="Lookback deals that reached the stage: all won + lost at it "
                                                      "or later."),
                 Column("Won", "int", description="Deals won in the lookback (a win passed every stage)."),
                 Column("LostHere", "int", description="Lookback deals lost at this stage (LostAtStage)."),
                 Column("Conversion", "percent", description="(Won + prior x Probability) / (Reached + prior)."))
SLIP_COLUMNS = (Column("MonthsLate", "int", description="Close month - original close month (whole months; "
                                                          "negative = early)."),
                Column("Deals", "int", description="Won deals of the lookback with an OriginalCloseDate that moved "
                                                   "that many months."),
                Column("Share", "percent", description="Deals / all such deals: the chance an open deal slips that "
                                                       "many months; blank when slippage is off (fewer than "
                                                       "MinDeals deals)."))
DEAL_COLUMNS = (Column("OppID", "text"), Column("RepID", "text"), Column("Account", "text"), Column("Stage", "text"),
                Column("Category", "text"), Column("Amount", "money"), Column("CloseDate", "date"),
                Column("Overdue", "text", description="yes when the CloseDate's month is before AsOfDate's month "
                                                      "(by month, not by day: a deal due earlier this month is not "
                                                      "overdue); expected in AsOfDate's month."),
                Column("InPeriod", "text"), Column("Probability", "percent"),
                Column("Conversion", "percent"), Column("InPeriodChance", "percent"),
                Column("StageWeighted", "money"), Column("Learned", "money"))
BT_LEVEL_COLUMNS = (Column("Level", "text"), Column("Method", "text"), Column("Series", "int"),
                    Column("Forecasts", "int"), Column("MAE", "money"), Column("RMSE", "money"),
                    Column("MASE", "number"), Column("sMAPE", "number"), Column("Bias", "money"),
                    Column("Rank", "int"))
BT_SERIES_COLUMNS = (Column("Level", "text"), Column("Key", "text"), Column("Name", "text"), Column("Method", "text"),
                     Column("Forecasts", "int"), Column("MAE", "money"), Column("RMSE", "money"),
                     Column("MASE", "number"), Column("sMAPE", "number"), Column("Bias", "money"))


CALL_COLUMNS = (
    Column("Level", "text", description="Team (someone reports to the person: the row covers the whole team) or Rep."),
    Column("ID", "text"), Column("Name", "text", description="Indented by level of the hierarchy."),
    Column("Manager", "text"), Column("Period", "text"),
    Column("Quota", "money", description="Quota of the period (a team's number, as on Gap Analysis)."),
    Column("Closed", "money", description="Won in the period up to AsOfDate."),
    Column("CommitCall", "money", description="The person's number: own submission, else the sum of the direct "
                                              "reports' numbers."),
    Column("CommitSource", "text", description="call (a rep's own), adjustment (a manager's own number for the "
                                               "team), sum below, none."),
    Column("CommitSubmitted", "money", description="The submission that counts (latest SubmittedOn)."),
    Column("CommitSumBelow", "money", description="Sum of the direct reports' numbers."),
    Column("CommitAdjustment", "money", description="A manager's submitted number minus the sum below."),
    Column("BestCaseCall", "money"), Column("BestCaseSource", "text"),
    Column("MissingCalls", "int", description="Reps of the team without a Commit call that no manager's number "
                                              "covers (counted as 0)."),
    Column("CommitPipeline", "money", description="Closed + open Commit deals expected in the period."),
    Column("BestCasePipeline", "money", description="CommitPipeline + open Best Case deals."),
    Column("TotalPipeline", "money", description="BestCasePipeline + open Pipeline deals (Omitted left out)."),
    Column("Weighted", "money", description="Closed + open deals expected in the period x probability."),
    Column("Gap", "money", description="max(Quota - Closed, 0): still to close."),
    Column("CommitCoverage", "multiple", description="(CommitPipeline - Closed) / Gap."),
    Column("BestCaseCoverage", "multiple", description="(BestCasePipeline - Closed) / Gap."),
    Column("PipelineCoverage", "multiple", description="(TotalPipeline - Closed) / Gap."),
    Column("CallGap", "money", description="Quota - CommitCall (negative: called above quota)."),
    Column("CallAttainment", "percent", description="CommitCall / Quota."),
    Column("SubmittedOn", "date", description="Day of the Commit submission that counts."),
    Column("Note", "text", width=40, description="Its note (else the Best Case submission's)."),
)
MOVE_SUMMARY_COLUMNS = (Column("Movement", "text", width=34), Column("Deals", "int"),
                        Column("Change", "money", description="Change of the period's open pipeline (first and "
                                                              "last rows: the pipeline itself)."))
MOVE_COLUMNS = (Column("OppID", "text"), Column("RepID", "text"), Column("Movement", "text"),
                Column("FromStage", "text"), Column("ToStage", "text"), Column("FromCategory", "text"),
                Column("ToCategory", "text"), Column("FromCloseDate", "date"), Column("ToCloseDate", "date"),
                Column("FromAmount", "money"), Column("ToAmount", "money"),
                Column("FromInPeriod", "money", description="Amount counted in the period's open pipeline at F."),
                Column("ToInPeriod", "money"), Column("Change", "money", description="ToInPeriod - FromInPeriod."))
ACC_COMPANY_COLUMNS = (Column("Period", "text"), Column("SnapshotDate", "date"),
                       Column("Actual", "money", description="Won in the period (today's Opportunities)."),
                       Column("Commit call", "money"), Column("Best Case call", "money"), Column("Commit", "money"),
                       Column("Best Case", "money"), Column("Pipeline", "money"), Column("Weighted", "money"))
ACC_SUMMARY_COLUMNS = (Column("RepID", "text"), Column("Name", "text"), Column("Measure", "text"),
                       Column("Periods", "int"), Column("Forecast", "money"), Column("Actual", "money"),
                       Column("Error", "money", description="Sum of Forecast - Actual."),
                       Column("AbsError", "money", description="Sum of |Forecast - Actual|."),
                       Column("WAPE", "percent", description="AbsError / Actual: the error."),
                       Column("Bias", "percent", description="Error / Actual: above 0 over-forecasts."))
ACC_DETAIL_COLUMNS = (Column("Period", "text"), Column("RepID", "text"), Column("Name", "text"),
                      Column("Measure", "text"), Column("SnapshotDate", "date"), Column("Forecast", "money"),
                      Column("Actual", "money"), Column("Error", "money"), Column("ErrorPct", "percent"))


def forecast_sheets(run: ForecastRun) -> list[SheetSpec]:
    """The output sheets of a forecast run, in the order they appear in the workbook."""
    return [_forecast_sheet(run), _pipeline_sheet(run), _calls_sheet(run), _changes_sheet(run),
            _accuracy_sheet(run), _metrics_sheet(run), _gap_sheet(run), _backtest_sheet(run), _run_log(run)]


CALL_MAIN = ("Level", "ID", "Name", "Quota", "Closed", "CommitCall", "CommitSource", "BestCaseCall",
             "CommitPipeline", "BestCasePipeline", "TotalPipeline", "Weighted", "Gap", "CommitCoverage",
             "BestCaseCoverage", "PipelineCoverage", "CallGap", "CallAttainment")
CALL_DETAIL = ("ID", "Name", "Manager", "Period", "CommitSubmitted", "CommitSumBelow", "CommitAdjustment",
               "MissingCalls", "BestCaseSource", "SubmittedOn", "Note")


def _calls_sheet(run: ForecastRun) -> SheetSpec:
    c = run.calls
    assert c is not None  # (forecast_sheets calls it when the run has calls)
    by = {col.name: col for col in CALL_COLUMNS}
    t = _block("ForecastCalls", [by[n] for n in CALL_MAIN], c, "A5")
    r2 = _next_row(t)
    teams = c[c["Level"] == "Team"].copy()
    teams["Name"] = teams["Name"].str.strip()
    cols = (Column("Name", "text"), Column("Quota", "money"), Column("CommitCall", "money"),
            Column("BestCaseCall", "money"), Column("CommitPipeline", "money"), Column("Weighted", "money"),
            Column("TotalPipeline", "money"))
    tt = _block("CallsByTeam", cols, teams, f"A{r2}")
    chart = ChartSpec(
        kind="column", title=f"Calls against quota and pipeline, {c['Period'].iloc[0] if len(c) else ''}",
        series=tuple(SeriesRef(n, "CallsByTeam", col, "Name", PALETTE[i]) for i, (n, col) in enumerate(
            (("Quota", "Quota"), ("Commit call", "CommitCall"), ("Best Case call", "BestCaseCall"),
             ("Commit deals", "CommitPipeline"), ("Weighted pipeline", "Weighted"),
             ("All pipeline", "TotalPipeline")))),
        anchor=f"I{r2}", x_title="", y_title="Bookings", width_cols=10, height_rows=20, y_format="#,##0")
    r3 = max(_next_row(tt), r2 + 22)
    det = _block("CallSubmissions", [by[n] for n in CALL_DETAIL], c, f"A{r3}")
    subs = run.inputs.submissions
    notes = (("A1", "Forecast calls rolled up the hierarchy"), ("A2", _header(run)),
             ("A3", "A manager's number replaces the sum of the reports' numbers; the latest submission on or before "
                    f"AsOfDate counts ({len(subs)} submission rows; CallSubmissions below shows how each number "
                    "arose). Coverage = open pipeline of the category and those above it / Gap. Rules: "
                    "docs/forecast.md."))
    return SheetSpec(name="Forecast Calls", tables=(t, tt, det), charts=(chart,), notes=notes, freeze="D6",
                     print_landscape=True, tab_color=OUT_TAB)


def _changes_sheet(run: ForecastRun) -> SheetSpec:
    mv = run.movements
    if mv is None:
        empty = pd.DataFrame({c.name: [] for c in MOVE_SUMMARY_COLUMNS})
        t = _block("PipelineMovementSummary", MOVE_SUMMARY_COLUMNS, empty, "A5")
        return SheetSpec(name="Pipeline Changes", tables=(t,), tab_color=OUT_TAB,
                         notes=(("A1", "Pipeline changes between two snapshots"), ("A2", run.movements_note or "")))
    s = _block("PipelineMovementSummary", MOVE_SUMMARY_COLUMNS, mv.summary, "A5",
               total_rows=(0, len(mv.summary) - 1))
    bars = mv.summary.iloc[1:-1]
    bars = bars[bars["Movement"] != "Unchanged"]
    b = _block("PipelineMovementChart", (Column("Movement", "text", width=34), Column("Change", "money")), bars,
               f"A{_next_row(s)}")
    r2 = max(_next_row(b), 5 + 24)
    d = _block("PipelineMovements", MOVE_COLUMNS, mv.deals, f"A{r2}")
    chart = ChartSpec(kind="bar", title=f"What moved the open pipeline of {mv.period}",
                      series=(SeriesRef("Change", "PipelineMovementChart", "Change", "Movement", PALETTE[0]),),
                      anchor="E5", x_title="", y_title="Change of the open pipeline", width_cols=10,
                      height_rows=22, y_format="#,##0")
    notes = (("A1", f"Pipeline changes from {mv.day_from.isoformat()} to {mv.day_to.isoformat()}, open pipeline of "
                    f"{mv.period}"),
             ("A2", "Each deal counts once, under the first movement that applies (docs/forecast.md, Pipeline "
                    "changes); the changes add up exactly to the difference of the two pipelines."),
             ("A3", f"Open pipeline {mv.start / 100:,.2f} -> {mv.end / 100:,.2f} (change "
                    f"{(mv.end - mv.start) / 100:,.2f}). Set CompareFrom / CompareTo to compare other snapshots."))
    return SheetSpec(name="Pipeline Changes", tables=(s, b, d), charts=(chart,), notes=notes, print_rows=f"{r2}:{r2}",
                     tab_color=OUT_TAB)


def _accuracy_sheet(run: ForecastRun) -> SheetSpec:
    acc = run.accuracy
    if acc is None:
        empty = pd.DataFrame({c.name: [] for c in ACC_SUMMARY_COLUMNS})
        t = _block("ForecastAccuracy", ACC_SUMMARY_COLUMNS, empty, "A5")
        return SheetSpec(name="Forecast Accuracy", tables=(t,), tab_color=OUT_TAB,
                         notes=(("A1", "Forecast accuracy"), ("A2", run.accuracy_note or "")))
    comp = _block("AccuracyByPeriod", ACC_COMPANY_COLUMNS, acc.company, "A5")
    r2 = max(_next_row(comp), 5 + 24)
    summ = _block("ForecastAccuracy", ACC_SUMMARY_COLUMNS, acc.summary, f"A{r2}")
    det = _block("AccuracyDetail", ACC_DETAIL_COLUMNS, acc.detail, f"A{_next_row(summ)}")
    chart = ChartSpec(kind="column", title="Company: what each measure said against what closed",
                      series=tuple(SeriesRef(c, "AccuracyByPeriod", c, "Period", PALETTE[i]) for i, c in enumerate(
                          ("Actual", "Commit call", "Best Case call", "Commit", "Best Case", "Weighted"))),
                      anchor="K5", x_title="Period", y_title="Bookings", width_cols=12, height_rows=22,
                      y_format="#,##0")
    st = run.inputs.settings
    when = "the period's last snapshot" if st.accuracy_day == 0 else \
        f"the last snapshot on or before day {st.accuracy_day} of the period"
    notes = (("A1", "Forecast accuracy of the closed periods " + ", ".join(acc.periods)),
             ("A2", f"Each measure as recorded by {when}, against the bookings won in the period. WAPE = sum of "
                    "|forecast - actual| / sum of actual; Bias = sum of (forecast - actual) / sum of actual."),
             ("A3", "Measures: the Commit and Best Case calls (rolled up), the category totals (Closed + open "
                    "deals of the category and those above it) and the weighted pipeline. Rules: docs/forecast.md."))
    return SheetSpec(name="Forecast Accuracy", tables=(comp, summ, det), charts=(chart,), notes=notes,
                     print_rows=f"{r2}:{r2}", tab_color=OUT_TAB)


def _header(run: ForecastRun) -> str:
    st = run.inputs.settings
    return (f"As of {st.as_of.isoformat()}; gap period {st.gap_label} ({st.gap_dates[0].isoformat()} to "
            f"{st.gap_dates[1].isoformat()}); amounts in the workbook's currency.")


def _forecast_sheet(run: ForecastRun) -> SheetSpec:
    st = run.inputs.settings
    lv = f"{st.level:.0%}"
    comp = _block("CompanyForecast", COMPANY_COLUMNS, run.company, "A5")
    summary = _block("ForecastSummary", SUMMARY_COLUMNS, run.summary, f"A{max(_next_row(comp), 40)}")
    months = _block("ForecastMonths", MONTH_COLUMNS, run.months, f"A{_next_row(summary)}")
    method = "Best (per level, by backtest)" if st.method == "Best" else st.method
    chart = ChartSpec(
        kind="line", title=f"Company bookings: forecast with its {lv} interval",
        series=(SeriesRef("Actual", "CompanyForecast", "Actual", "Month", PALETTE[0]),
                SeriesRef("Forecast", "CompanyForecast", "Forecast", "Month", PALETTE[1]),
                SeriesRef(f"Lower {lv}", "CompanyForecast", "Lower", "Month", BAND),
                SeriesRef(f"Upper {lv}", "CompanyForecast", "Upper", "Month", BAND),
                SeriesRef("Quota", "CompanyForecast", "Quota", "Month", PALETTE[2])),
        anchor="J5", x_title="Month", y_title="Bookings", width_cols=14, height_rows=22, y_format="#,##0")
    notes = (("A1", "Time-series forecast of monthly bookings"),
             ("A2", _header(run)),
             ("A3", f"Method {method}; {lv} prediction intervals; {st.horizon} months from "
                    f"{month_label(st.as_of_month)}. Rules: docs/forecast.md."))
    return SheetSpec(name="Forecast", tables=(comp, summary, months), charts=(chart,), notes=notes,
                     tab_color=OUT_TAB)


def _pipeline_sheet(run: ForecastRun) -> SheetSpec:
    p = run.tables["pipeline"]
    roll = _block("PipelineRollup", ROLLUP_COLUMNS, p, "A5")
    r2 = _next_row(roll)
    conv = _block("StageConversion", STAGE_COLUMNS, run.pipeline.conversion, f"A{r2}")
    slip = _block("Slippage", SLIP_COLUMNS, run.pipeline.slippage, f"J{r2}")
    r3 = max(_next_row(conv), _next_row(slip))
    teams = p[p["Level"].isin(["Company", "Team"])].drop_duplicates("ID")
    calls_cols = (Column("Name", "text"), Column("Quota", "money"), Column("Closed", "money"),
                  Column("CommitForecast", "money"), Column("BestCaseForecast", "money"),
                  Column("LearnedForecast", "money"))
    calls = _block("TeamCalls", calls_cols, teams, f"A{r3}")
    r4 = max(_next_row(calls), r3 + 24)
    deals = _block("PipelineDeals", DEAL_COLUMNS, run.pipeline.deals, f"A{r4}")
    chart = ChartSpec(
        kind="column", title=f"Forecast calls for {run.inputs.settings.gap_label}",
        series=tuple(SeriesRef(c, "TeamCalls", c, "Name", PALETTE[i]) for i, c in
                     enumerate(("Quota", "Closed", "CommitForecast", "BestCaseForecast", "LearnedForecast"))),
        anchor=f"H{r3}", x_title="", y_title="Bookings", width_cols=12, height_rows=20, y_format="#,##0")
    st = run.inputs.settings
    notes = (("A1", "Pipeline forecast"), ("A2", _header(run)),
             ("A3", f"Conversion and slippage learned from deals closed after {st.lookback_start.isoformat()} "
                    f"(prior weight {st.prior_weight:g}); "
                    + (f"{run.pipeline.slip_deals} won deals taught slippage." if run.pipeline.slip_deals >= st.min_deals
                       else f"slippage off: only {run.pipeline.slip_deals} won deals have an OriginalCloseDate "
                            f"(MinDeals {st.min_deals}); the Slippage table shows them with Share blank.")))
    return SheetSpec(name="Pipeline", tables=(roll, conv, slip, calls, deals), charts=(chart,), notes=notes,
                     tab_color=OUT_TAB)


def _metrics_sheet(run: ForecastRun) -> SheetSpec:
    st = run.inputs.settings
    t = _block("SalesMetrics", METRIC_COLUMNS, run.tables["metrics"], "A5")
    per = run.period
    notes = (("A1", "Sales metrics"), ("A2", _header(run)),
             ("A3", f"{per['elapsed']} of {per['period_days']} days of {st.gap_label} elapsed; win rate, deal size "
                    f"and cycle from deals closed after {st.lookback_start.isoformat()}."))
    return SheetSpec(name="Sales Metrics", tables=(t,), notes=notes, freeze="D6", tab_color=OUT_TAB)


def _gap_sheet(run: ForecastRun) -> SheetSpec:
    g = run.tables["gap"]
    t = _block("GapAnalysis", GAP_COLUMNS, g, "A5")
    reps = g[g["Level"] == "Rep"]
    att_cols = (Column("Name", "text"), Column("Attainment", "percent"), Column("ProjectedAttainment", "percent"),
                Column("Target", "percent"))
    r2 = _next_row(t)
    att = _block("RepAttainment", att_cols, reps, f"A{r2}")
    chart = ChartSpec(
        kind="column", title="Attainment against target",
        series=(SeriesRef("Attainment to date", "RepAttainment", "Attainment", "Name", PALETTE[0]),
                SeriesRef("Projected (closed + pipeline)", "RepAttainment", "ProjectedAttainment", "Name",
                          PALETTE[1]),
                SeriesRef("Target", "RepAttainment", "Target", "Name", PALETTE[6])),
        anchor=f"F{r2}", x_title="", y_title="Attainment", width_cols=14, height_rows=20, y_format="0%")
    notes = (("A1", "Gap analysis"), ("A2", _header(run)),
             ("A3", f"{run.period['days_left']} days left. WinsNeeded = CEILING(Gap / AvgDealSize); PipelineNeeded = "
                    "Gap / WinRate; PipelineShortfall = what to create beyond the open pipeline of the period."))
    return SheetSpec(name="Gap Analysis", tables=(t, att), charts=(chart,), notes=notes, freeze="D6",
                     tab_color=OUT_TAB)


def _backtest_sheet(run: ForecastRun) -> SheetSpec:
    bt = run.backtest
    if bt is None:
        empty = pd.DataFrame({c.name: [] for c in BT_LEVEL_COLUMNS})
        t = _block("BacktestSummary", BT_LEVEL_COLUMNS, empty, "A5")
        return SheetSpec(name="Backtest", tables=(t,), tab_color=OUT_TAB,
                         notes=(("A1", "Backtest"), ("A2", "No backtest (BacktestOrigins = 0 or too little history).")))
    lvl = _block("BacktestSummary", BT_LEVEL_COLUMNS, bt.per_level, "A5")
    piv = bt.per_level.pivot_table(index="Method", columns="Level", values="MASE", sort=False)
    order = [m for m in dict.fromkeys(bt.per_level["Method"])]
    piv = piv.reindex(order)
    levels = [c for c in ("Company", "Region", "Team", "Rep") if c in piv.columns]
    pframe = pd.DataFrame({"Method": piv.index.to_numpy(dtype=object), **{c: piv[c].to_numpy() for c in levels}})
    r2 = _next_row(lvl)
    mase = _block("BacktestMASE", (Column("Method", "text"),) + tuple(Column(c, "number") for c in levels), pframe,
                  f"A{r2}")
    r3 = max(_next_row(mase), r2 + 22)
    ser = _block("BacktestSeries", BT_SERIES_COLUMNS, bt.per_series, f"A{r3}")
    chart = ChartSpec(kind="column", title="Backtest MASE by method (lower is better)",
                      series=tuple(SeriesRef(c, "BacktestMASE", c, "Method", PALETTE[i]) for i, c in enumerate(levels)),
                      anchor=f"H{r2}", x_title="", y_title="MASE", width_cols=12, height_rows=18, y_format="0.00")
    best = ", ".join(f"{k}: {v}" for k, v in bt.best.items())
    notes = (("A1", "Backtest: accuracy of each method on this history, by rolling origin"),
             ("A2", f"{bt.origins} origins, {bt.horizon} months ahead each; the lowest MASE per level ranks first "
                    f"({best}). Set Method = Best to use them."))
    return SheetSpec(name="Backtest", tables=(lvl, mase, ser), charts=(chart,), notes=notes, tab_color=OUT_TAB)


def run_log_items(run: ForecastRun) -> list[tuple[str, str]]:
    st = run.inputs.settings
    items = [
        ("Computed at (UTC)", run.computed_at),
        ("Engine version", f"salesops-xl {run.engine_version}"),
        ("Input fingerprint (SHA-256)", run.inputs.fingerprint),
        ("As of", st.as_of.isoformat()),
        ("Gap period", f"{st.gap_label} ({st.gap_dates[0].isoformat()} to {st.gap_dates[1].isoformat()})"),
        ("Horizon (months)", str(st.horizon)),
        ("Method", st.method),
        ("Confidence level", f"{st.level:.0%}"),
        ("Lookback", f"deals closed after {st.lookback_start.isoformat()} ({st.lookback} months)"),
    ] + [(k, str(v)) for k, v in run.counts.items()]
    return items


def _run_log(run: ForecastRun) -> SheetSpec:
    items = run_log_items(run)
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]}, dtype=object)
    t_log = _block("ForecastRunLog", (Column("Item", "text", width=30), Column("Value", "text", width=80)), log)
    warn = pd.DataFrame({"Warning": run.warnings or ["(none)"]}, dtype=object)
    t_warn = _block("ForecastRunWarnings", (Column("Warning", "text", width=120),), warn, f"A{len(log) + 4}")
    return SheetSpec(name="Forecast Run Log", tables=(t_log, t_warn), tab_color="7F7F7F")


def history_sheet(pipeline: pd.DataFrame, calls: pd.DataFrame):
    """The "Forecast History" sheet: CallHistory (A) and PipelineHistory (beside it), as ``snapshot`` writes it."""
    kind: dict[str, ColumnKind] = {"date": "date", "money": "money", "percent": "percent"}

    def cols(sch):
        return tuple(Column(f.name, kind.get(f.type, "text"), description=f.description) for f in sch.fields)

    c_cols = cols(S.CALL_HISTORY)
    c = _block(S.CALL_HISTORY.name, c_cols, calls, "A5")
    p = _block(S.PIPELINE_HISTORY.name, cols(S.PIPELINE_HISTORY), pipeline, f"{col_letters(len(c_cols) + 1)}5")
    days = np.unique(calls["SnapshotDate"].to_numpy().astype("datetime64[D]")) if len(calls) \
        else np.zeros(0, "datetime64[D]")
    notes = (("A1", "Forecast history: snapshots of the calls and the pipeline"),
             ("A2", "Appended by  salesops-xl forecast snapshot WORKBOOK [--date D]  (a snapshot replaces one of the "
                    "same day); recalculations keep this sheet. Old PipelineHistory rows may be deleted to keep the "
                    "file small: accuracy uses CallHistory."),
             ("A3", f"{len(days)} call snapshot(s)" + (f", {days[0]} to {days[-1]}" if len(days) else "")
              + f"; {pipeline['SnapshotDate'].nunique() if len(pipeline) else 0} pipeline snapshot(s)."))
    return SheetSpec(name=S.HISTORY_SHEET, tables=(c, p), notes=notes, freeze="A6", print_rows="5:5",
                     tab_color="548235")
