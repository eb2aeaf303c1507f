"""The input tables of the forecast workbook (``workbooks/forecast.xlsx``).

The single source of the schema: the template generator, the validation, ``salesops-xl schema``
and docs/schema.md all come from it. The rules that use these tables are stated in
docs/forecast.md.
"""
from __future__ import annotations

from ..tables import Field, TableSchema
from .models import METHODS

SETTINGS = TableSchema(
    name="ForecastSettings",
    sheet="Settings",
    description="Run settings, one per row (Setting, Value).",
    fields=(
        Field("Setting", "text", "Name of the setting (see the list in docs/forecast.md).", example="AsOfDate"),
        Field("Value", "text", "Its value; blank = the default.", blank=True, example="2026-11-20"),
        Field("Description", "text", "Free text for the reader.", required=False, blank=True),
    ),
    key=("Setting",),
    money=False,  # a projection that pays nobody: data left beside it is a warning
)

#: The settings the ForecastSettings table understands: name -> (kind, default, description).
#: kind: "date", "month", "choice:<a|b>", "int:<lo>:<hi>", "percent:<lo>:<hi>", "number:<lo>:<hi>", "method".
SETTING_SPECS: dict[str, tuple[str, object, str]] = {
    "AsOfDate": ("date", None, "Required. The day the forecast is made: deals closed on or before it are booked; "
                               "its month is the first month forecast."),
    "FiscalYearStart": ("month", 1, "Month the fiscal year starts (a date inside it, or 1-12); default January."),
    "GapPeriod": ("choice:Quarter|Year", "Quarter", "The quota period of the gap analysis and pipeline forecast: "
                                                     "the fiscal quarter or year holding AsOfDate."),
    "Horizon": ("int:1:36", 12, "Months forecast from AsOfDate's month."),
    "Method": ("method", "Combo", "Time-series method used for the forecasts: " + ", ".join(METHODS)
               + ", or Best (per level, the lowest backtest MASE)."),
    "ConfidenceLevel": ("percent:0.5:0.99", 0.8, "Level of the prediction intervals."),
    "LookbackMonths": ("int:1:60", 12, "Months of closed opportunities (before AsOfDate) that teach win rates, "
                                       "stage conversion, slippage, deal size and cycle length."),
    "ConversionPriorWeight": ("number:0:1000", 10.0, "Stage conversion learned from closed deals is shrunk toward "
                                                     "the stage probability as if this many deals had converted at it."),
    "MinDeals": ("int:1:1000", 5, "A rep with fewer closed deals in the lookback uses the company's win rate, "
                                  "deal size and cycle length."),
    "ManagerQuota": ("choice:Team|Own", "Team", "Team: a manager's RepQuotas row is the team's number (the sum of "
                                                 "the reports' is used when a manager has none); Own: it is the "
                                                 "manager's own quota, added to the reports' for the team."),
    "BacktestOrigins": ("int:0:24", 6, "Rolling origins of the backtest (0 = no backtest)."),
    "BacktestHorizon": ("int:1:12", 3, "Months forecast from each backtest origin."),
    "CompareFrom": ("date", "", "Pipeline Changes: the earlier snapshot compared (a SnapshotDate of "
                                "PipelineHistory); blank = the second latest snapshot."),
    "CompareTo": ("date", "", "Pipeline Changes: the later snapshot compared; blank = the latest snapshot."),
    "AccuracyPeriods": ("int:1:12", 4, "Forecast Accuracy: how many closed periods (GapPeriod) are measured, "
                                       "the latest first."),
    "AccuracyDay": ("int:0:366", 0, "Forecast Accuracy: the call measured is the last snapshot taken on or before "
                                    "this day of the period (day 1 = its first day); 0 = the period's last snapshot."),
}

TEAM = TableSchema(
    name="SalesTeam",
    sheet="Team",
    description="One row per rep and per manager; managers' teams are everyone below them.",
    fields=(
        Field("RepID", "id", "Unique id of the rep (or manager).", example="R01"),
        Field("RepName", "text", "Name shown on the sheets.", example="Ada Lovelace"),
        Field("ManagerID", "id", "RepID of the manager; blank at the top of the hierarchy.", blank=True, example="M1"),
        Field("Region", "text", "Region the rep sells in (series are also forecast per region); blank = none.",
              required=False, blank=True, example="EMEA"),
    ),
    key=("RepID",),
    money=False,  # a projection that pays nobody: data left beside it is a warning
)

STAGES = TableSchema(
    name="PipelineStages",
    sheet="Stages",
    description="The sales stages: open stages in their order, and the won and lost stages.",
    fields=(
        Field("Stage", "id", "Name of the stage, as in Opportunities[Stage].", example="Proposal"),
        Field("Type", "choice", "Open, Won or Lost (exactly one Won and at least one Lost stage).",
              choices=("Open", "Won", "Lost"), example="Open"),
        Field("Order", "int", "Position of an open stage in the process (1 = first); blank for Won/Lost.",
              blank=True, minimum=1, example="3"),
        Field("Probability", "percent", "Probability of winning a deal at this stage (the CRM's default).",
              minimum=0, maximum=1, example="40%"),
        Field("ForecastCategory", "choice", "Default forecast category of deals at this stage.",
              choices=("Pipeline", "Best Case", "Commit", "Omitted", "Closed"), example="Pipeline"),
    ),
    key=("Stage",),
    money=False,  # a projection that pays nobody: data left beside it is a warning
)

OPPORTUNITIES = TableSchema(
    name="Opportunities",
    sheet="Opportunities",
    description="One row per opportunity, open or closed (the CRM export).",
    fields=(
        Field("OppID", "id", "Unique id of the opportunity.", example="O-10001"),
        Field("RepID", "id", "Owner (SalesTeam[RepID]).", example="R01"),
        Field("Account", "text", "Free text.", required=False, blank=True, example="Acme Corp"),
        Field("Amount", "money", "Amount of the deal (one currency for the whole workbook).", minimum=0,
              example="25000"),
        Field("CreatedDate", "date", "Day the opportunity was created.", example="2026-06-02"),
        Field("CloseDate", "date", "Expected close day of an open deal; the day a closed deal was won or lost.",
              example="2026-12-15"),
        Field("Stage", "id", "Current stage (PipelineStages[Stage]).", example="Proposal"),
        Field("ForecastCategory", "choice", "The rep's category for an open deal; blank = the stage's.",
              choices=("Pipeline", "Best Case", "Commit", "Omitted"), blank=True, example="Commit"),
        Field("Probability", "percent", "The deal's own probability; blank = the stage's.", required=False,
              blank=True, minimum=0, maximum=1, example="60%"),
        Field("LostAtStage", "id", "For a lost deal: the last open stage it reached; blank = unknown (then it "
              "counts in win rates but not in stage conversion).", required=False, blank=True, example="Demo"),
        Field("OriginalCloseDate", "date", "The close date first forecast for the deal (teaches slippage); "
              "blank = unknown.", required=False, blank=True, example="2026-11-30"),
    ),
    key=("OppID",),
    money=False,  # a projection that pays nobody: data left beside it is a warning
)

QUOTAS = TableSchema(
    name="RepQuotas",
    sheet="Quotas",
    description="Quota per rep and period: a month, a fiscal quarter or a fiscal year.",
    fields=(
        Field("RepID", "id", "The rep (SalesTeam[RepID]).", example="R01"),
        Field("Period", "text", "2026-03 (a month), 2026-Q1 (fiscal quarter of the fiscal year starting in 2026), "
              "FY2026 (fiscal year), or a date inside a month.", example="2026-Q4"),
        Field("Quota", "money", "Bookings quota of the period; above zero.", minimum=0, min_exclusive=True,
              example="300000"),
    ),
    key=("RepID", "Period"),
    money=False,  # a projection that pays nobody: data left beside it is a warning
    required=False,
    min_rows=0,
)

SUBMISSIONS = TableSchema(
    name="ForecastSubmissions",
    sheet="Submissions",
    description="Forecast calls: a rep's call and a manager's number for the team, per period and category, "
                "with the day submitted and a note. The latest submission counts.",
    fields=(
        Field("RepID", "id", "Who submits (SalesTeam[RepID]): a rep's own call, or a manager's number for the "
              "whole team (an adjustment of the sum below).", example="R01"),
        Field("Period", "text", "The forecast period, as RepQuotas[Period]: 2026-Q4 (fiscal quarter) or FY2026.",
              example="2026-Q4"),
        Field("Category", "choice", "Commit or Best Case; blank = Commit.", choices=("Commit", "Best Case"),
              blank=True, default="Commit", example="Commit"),
        Field("Amount", "money", "The call: total bookings expected in the period (closed + still to close).",
              minimum=0, example="250000"),
        Field("SubmittedOn", "date", "Day of the submission; the latest on or before the day looked at counts "
              "(the lower row on a tie).", example="2026-11-14"),
        Field("Note", "text", "Why: the deals behind the call, a manager's reason for the adjustment.",
              required=False, blank=True, example="Globex slips to Q1"),
    ),
    required=False,
    min_rows=0,
    money=False,  # a projection that pays nobody: data left beside it is a warning
)

HISTORY_SHEET = "Forecast History"

PIPELINE_HISTORY = TableSchema(
    name="PipelineHistory",
    sheet=HISTORY_SHEET,
    description="Snapshots of the pipeline, appended by `salesops-xl forecast snapshot` (one row per deal and "
                "snapshot; old snapshots may be deleted to keep the file small: accuracy uses CallHistory).",
    fields=(
        Field("SnapshotDate", "date", "Day of the snapshot.", example="2026-11-13"),
        Field("OppID", "id", "The opportunity.", example="O-10001"),
        Field("RepID", "id", "Its owner then.", example="R01"),
        Field("Amount", "money", "Its amount then.", minimum=0, example="25000"),
        Field("CloseDate", "date", "Its close date then.", example="2026-12-15"),
        Field("Stage", "text", "Its stage then.", example="Proposal"),
        Field("Status", "choice", "Open, Won or Lost then.", choices=("Open", "Won", "Lost"), example="Open"),
        Field("Category", "choice", "Its forecast category then (the stage's when the deal had none).",
              choices=("Pipeline", "Best Case", "Commit", "Omitted", "Closed"), example="Commit"),
        Field("Probability", "percent", "Its probability then (the deal's, else the stage's).", minimum=0,
              maximum=1, example="60%"),
    ),
    key=("SnapshotDate", "OppID"),
    required=False,
    min_rows=0,
    money=False,
)

CALL_HISTORY = TableSchema(
    name="CallHistory",
    sheet=HISTORY_SHEET,
    description="Snapshots of the calls and category totals per person (the person's team for a manager), "
                "appended by `salesops-xl forecast snapshot`.",
    fields=(
        Field("SnapshotDate", "date", "Day of the snapshot.", example="2026-11-13"),
        Field("Period", "text", "The period forecast (the GapPeriod holding SnapshotDate).", example="2026-Q4"),
        Field("RepID", "id", "The person; a manager's row covers the whole team.", example="M1"),
        Field("Closed", "money", "Won in the period up to the snapshot.", example="120000"),
        Field("Commit", "money", "Closed + open Commit deals expected in the period.", example="200000"),
        Field("BestCase", "money", "Commit + open Best Case deals expected in the period.", example="260000"),
        Field("Pipeline", "money", "BestCase + open Pipeline deals expected in the period.", example="400000"),
        Field("Weighted", "money", "Closed + open deals expected in the period x probability.", example="240000"),
        Field("CommitCall", "money", "The rolled-up Commit call (blank: nobody in the team called).", blank=True,
              example="210000"),
        Field("BestCaseCall", "money", "The rolled-up Best Case call.", blank=True, example="280000"),
    ),
    key=("SnapshotDate", "RepID"),
    required=False,
    min_rows=0,
    money=False,
)

HISTORY_TABLES: tuple[TableSchema, ...] = (PIPELINE_HISTORY, CALL_HISTORY)

INPUT_TABLES: tuple[TableSchema, ...] = (SETTINGS, TEAM, STAGES, OPPORTUNITIES, QUOTAS, SUBMISSIONS) + HISTORY_TABLES

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS = ("Forecast", "Pipeline", "Forecast Calls", "Pipeline Changes", "Forecast Accuracy", "Sales Metrics",
                 "Gap Analysis", "Backtest", "Forecast Run Log")
