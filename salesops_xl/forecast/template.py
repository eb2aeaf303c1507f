"""The forecast template ``workbooks/forecast.xlsx``, generated reproducibly from code.

Input sheets from the schema and the sample data, a README and a Checks sheet of native formulas
(Excel's own FORECAST.ETS next to ours), then a recalculation with a fixed time: the same code always
gives the same bytes (a test compares the committed file with a fresh build).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sheets import SheetSpec
from ..templates import build_template, input_sheet
from . import schema as S

#: Fixed timestamp of the sample run, so the template is reproducible.
SAMPLE_RUN_AT = "2026-11-20T18:00:00+00:00"

README = [
    "This workbook forecasts bookings, weighs the pipeline and analyses the gap to quota with salesops-xl.",
    "Fill in the blue input tables; the other sheets (Forecast, Pipeline, Sales Metrics, Gap Analysis, Backtest,",
    "Forecast Run Log) are produced by a recalculation and replaced every time: do not edit them. Everything else",
    "(your own sheets, formulas, charts) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Recalculate forecast;  or from a terminal:",
    "    salesops-xl recalc forecast.xlsx",
    "Input tables (salesops-xl schema --kind forecast prints every column and rule):",
    "  ForecastSettings  AsOfDate (required), FiscalYearStart, GapPeriod (Quarter/Year), Horizon, Method,",
    "                    ConfidenceLevel, LookbackMonths, ConversionPriorWeight, MinDeals, BacktestOrigins/Horizon",
    "  SalesTeam         reps and managers (ManagerID builds the teams), Region",
    "  PipelineStages    open stages in order with their probability and forecast category; the Won and Lost stages",
    "  Opportunities     the CRM export: owner, amount, created and close dates, stage, category, lost-at stage,",
    "                    original close date (teaches slippage)",
    "  RepQuotas         quota per rep and month (2026-03), fiscal quarter (2026-Q1) or fiscal year (FY2026)",
    "  ForecastSubmissions  each rep's call and each manager's number per period and category (Commit, Best Case),",
    "                    dated, with a note; the latest on or before AsOfDate counts (Forecast Calls sheet)",
    "Forecast History (PipelineHistory, CallHistory): snapshots appended by  salesops-xl forecast snapshot forecast.xlsx",
    "  (Pipeline Changes compares two of them; Forecast Accuracy measures the calls of closed periods).",
    "In a cell: =SXL_FORECAST_ETS(target_date, values, timeline) takes FORECAST.ETS's arguments (see Checks).",
    "Rules (how every number is computed): docs/forecast.md in the salesops-xl repository.",
]


def _readme() -> SheetSpec:
    notes = [("A1", "salesops-xl forecast workbook")] + [(f"A{i + 3}", line) for i, line in enumerate(README)]
    return SheetSpec(name="README", notes=tuple(notes), tab_color="C00000")


def checks_sheet() -> SheetSpec:
    """Native formulas over the output tables (kept by recalculations; Excel or LibreOffice computes them)."""
    company = 'MATCH("Company",GapAnalysis[ID],0)'
    hist = ("INDEX(CompanyForecast[Actual],1):INDEX(CompanyForecast[Actual],COUNT(CompanyForecast[Actual]))")
    rows = [
        ("A1", "Checks (native formulas over the output tables; salesops-xl never rewrites this sheet)"),
        ("A3", "Company forecast of the next month (salesops-xl, Forecast sheet)"),
        ("A4", "FORECAST.ETS of the same month (the spreadsheet's own, season 12)"),
        ("A5", "FORECAST.ETS.CONFINT at 80% (the spreadsheet's own)"),
        ("A6", "Months of company history"),
        ("A8", "Company quota of the gap period"),
        ("A9", "Company closed in the gap period"),
        ("A10", "Gap recomputed: MAX(quota - closed, 0) minus GapAnalysis[Gap] (must be 0)"),
        ("A11", "Closed of the reps minus closed of the company (must be 0)"),
        ("A12", "Coverage recomputed: OpenInPeriod / Gap"),
        ("A13", "Learned pipeline forecast (Closed + ExpectedFromPipeline)"),
    ]
    formulas = [
        ("B3", 'INDEX(ForecastSummary[NextMonth],MATCH("Company",ForecastSummary[ID],0))'),
        ("B4", f"_xlfn.FORECAST.ETS(ROW(INDEX(CompanyForecast[Actual],COUNT(CompanyForecast[Actual])))+1,{hist},"
               f"ROW({hist}),12)"),
        ("B5", f"_xlfn.FORECAST.ETS.CONFINT(ROW(INDEX(CompanyForecast[Actual],COUNT(CompanyForecast[Actual])))+1,"
               f"{hist},ROW({hist}),0.8,12)"),
        ("B6", "COUNT(CompanyForecast[Actual])"),
        ("B8", f"INDEX(GapAnalysis[Quota],{company})"),
        ("B9", f"INDEX(GapAnalysis[Closed],{company})"),
        ("B10", f"ROUND(MAX(B8-B9,0)-INDEX(GapAnalysis[Gap],{company}),2)"),
        ("B11", 'ROUND(SUMIFS(GapAnalysis[Closed],GapAnalysis[Level],"Rep")-B9,2)'),
        ("B12", f"INDEX(GapAnalysis[OpenInPeriod],{company})/INDEX(GapAnalysis[Gap],{company})"),
        ("B13", f"B9+INDEX(GapAnalysis[ExpectedFromPipeline],{company})"),
    ]
    return SheetSpec(name="Checks", notes=tuple(rows), formulas=tuple(formulas), tab_color="FFC000")


def forecast_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    """README, the input sheets (blue) and the Checks sheet."""

    def sheet(name, sch, freeze="A2"):
        return input_sheet(name, tables, [(sch, "A1")], freeze)

    return [_readme(), sheet("Settings", S.SETTINGS), sheet("Team", S.TEAM), sheet("Stages", S.STAGES),
            sheet("Opportunities", S.OPPORTUNITIES), sheet("Quotas", S.QUOTAS), sheet("Submissions", S.SUBMISSIONS),
            checks_sheet()]


def build_forecast_template(path: str | Path = "workbooks/forecast.xlsx") -> Path:
    """Write the forecast template with sample data and computed outputs to ``path``."""
    from .outputs import history_sheet
    from .sample import sample_history, sample_tables

    sheets = forecast_input_sheets(sample_tables())
    sheets.insert(len(sheets) - 1, history_sheet(*sample_history()))
    return build_template(path, sheets, kind="forecast", computed_at=SAMPLE_RUN_AT)
