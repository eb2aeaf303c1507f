"""The budget template ``workbooks/budget.xlsx``, generated reproducibly from code.

Input sheets from the schema and the sample data, a README and a Checks sheet of native formulas,
then a recalculation with a fixed time: the same code always gives the same bytes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sheets import SheetSpec
from ..templates import build_template, input_sheet
from . import schema as S

README = [
    "This workbook plans the sales budget and the hiring plan with salesops-xl. Fill in the blue input tables;",
    "the other sheets (Budget, Budget Lines, Budget Months, Hiring, Budget Run Log) are produced by a",
    "recalculation and replaced every time: do not edit them. Everything else (your sheets, formulas) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Recalculate budget;  or from a terminal:",
    "    salesops-xl recalc budget.xlsx",
    "Bring in the quota workbook's seats and planned hires, and the commission workbook's payouts:",
    "    salesops-xl budget from-quotas quotas.xlsx budget.xlsx",
    "    salesops-xl budget from-commissions commissions.xlsx budget.xlsx",
    "",
    "Input tables (salesops-xl schema --kind budget prints every column and rule):",
    "  BudgetPlan   budget year, ActualsThrough (closed months), currency, re-forecast rule, benefits rate,",
    "               notice days and recruiting costs per applicant and per hire",
    "  Categories   the re-forecast rule of each category (Plan or RunRate)",
    "  CostCentres  cost centres, their roll-up group and the quota team they pay for",
    "  Headcount    employees, open requisitions and planned hires with dates and pay (blank pay: the role's)",
    "  Roles / RampCurve   pay by role; the ramp of a new hire's variable pay",
    "  PlanLines    budget of T&E, programs and the other categories by cost centre and month",
    "  Actuals      actual spend of the closed months (a ledger export: rows add up)",
    "  Bookings     plan, actual and forecast bookings by month (cost of sales as % of bookings)",
    "  HiringFunnel stages, conversion rates and days: requisitions are back-scheduled from the start dates",
    "Rules (how every number is computed, with examples): docs/budget.md in the salesops-xl repository.",
]


def _checks_sheet() -> SheetSpec:
    """Native formulas over the output tables (kept by recalculations; LibreOffice/Excel compute them)."""
    rows = [
        ("A1", "Checks (native Excel formulas over the output tables; salesops-xl never rewrites this sheet)"),
        ("A3", "Plan of the year, sum of the lines"),
        ("A4", "Plan of the year, total row of the summary"),
        ("A5", "Year-end forecast, sum of the lines"),
        ("A6", "Year-end forecast recomputed: closed months' actuals + open months' forecast"),
        ("A7", "Difference (must be 0)"),
        ("A8", "Categories' year-end forecasts minus the total (must be 0)"),
        ("A9", "Recruiting cost of the hiring plan"),
        ("A10", "Recruiting budget lines, year"),
    ]
    formulas = [
        ("B3", "SUM(BudgetLines[PlanYear])"),
        ("B4", 'SUMIFS(BudgetSummary[PlanYear],BudgetSummary[Level],"Total")'),
        ("B5", "SUM(BudgetLines[YearEndForecast])"),
        ("B6", 'SUMIFS(BudgetMonths[Actual],BudgetMonths[Status],"Actual")+SUMIFS(BudgetMonths[Forecast],'
               'BudgetMonths[Status],"Forecast")'),
        ("B7", "ROUND(B6-B5,2)"),
        ("B8", 'ROUND(SUMIFS(BudgetSummary[YearEndForecast],BudgetSummary[Level],"Category")-B5,2)'),
        ("B9", "SUM(HiringByMonth[RecruitingCost])"),
        ("B10", 'SUMIFS(BudgetLines[PlanYear],BudgetLines[Category],"Recruiting")'),
    ]
    return SheetSpec(name="Checks", notes=tuple(rows), formulas=tuple(formulas), tab_color="FFC000",
                     col_widths=(("A", 70.0), ("B", 18.0)))


def budget_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    """README, the input sheets (blue) and the Checks sheet."""

    def sheet(name, schemas_anchors, freeze="A2"):
        return input_sheet(name, tables, schemas_anchors, freeze)

    notes = (("A1", "salesops-xl sales budget workbook"),) + tuple((f"A{i + 3}", line) for i, line in enumerate(README))
    return [
        SheetSpec(name="README", notes=notes, tab_color="C00000"),
        sheet("Plan", [(S.BUDGET_PLAN, "A1"), (S.CATEGORIES, "A5"), (S.BUDGET_FX, "E5")], freeze=None),
        sheet("Cost Centres", [(S.COST_CENTRES, "A1")]),
        sheet("Headcount", [(S.HEADCOUNT, "A1")]),
        sheet("Roles", [(S.ROLES, "A1"), (S.RAMP_CURVE, "F1")], freeze=None),
        sheet("Plan Lines", [(S.PLAN_LINES, "A1")]),
        sheet("Actuals", [(S.ACTUALS, "A1")]),
        sheet("Bookings", [(S.BOOKINGS, "A1")]),
        sheet("Hiring Funnel", [(S.HIRING_FUNNEL, "A1")]),
        _checks_sheet(),
    ]


def build_budget_template(path: str | Path = "workbooks/budget.xlsx") -> Path:
    """Write the budget template with sample data and computed outputs to ``path``."""
    from .sample import sample_tables

    return build_template(path, budget_input_sheets(sample_tables()), kind="budget")
