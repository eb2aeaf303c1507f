"""The input tables of the sales budget workbook (``workbooks/budget.xlsx``).

The single source of the schema: the template generator, the validation,
``salesops-xl schema`` and docs/schema.md all come from it. The rules that use
these tables are stated in docs/budget.md.
"""
from __future__ import annotations

from ..tables import Field, TableSchema

#: Categories the engine plans itself (from Headcount, Roles, RampCurve and the hiring funnel).
SALARIES, BENEFITS, VARIABLE, RECRUITING = "Salaries", "Benefits", "Variable comp", "Recruiting"
ENGINE_CATEGORIES = (SALARIES, BENEFITS, VARIABLE, RECRUITING)

BUDGET_PLAN = TableSchema(
    name="BudgetPlan",
    sheet="Plan",
    description="The budget year, the months closed with actuals and the re-forecast rule (exactly one row).",
    fields=(
        Field("PlanYearStart", "date", "First day of the budget year (its month is what counts).",
              example="2026-01-01"),
        Field("ActualsThrough", "date", "Months up to and including this date's month are closed: their "
              "actuals replace the plan in the forecast. Blank: no month closed yet.", blank=True,
              example="2026-06-30"),
        Field("Currency", "text", "Budget currency (ISO code); every amount of the workbook is in it.",
              required=False, blank=True, default="USD", example="USD"),
        Field("Reforecast", "choice", "How open months are forecast when a category does not say: Plan (the "
              "budget) or RunRate (average actuals of the last RunRateMonths closed months).",
              choices=("Plan", "RunRate"), required=False, blank=True, default="Plan", example="Plan"),
        Field("RunRateMonths", "int", "Closed months averaged by the RunRate rule.", required=False, blank=True,
              default=3, minimum=1, maximum=12, example="3"),
        Field("BenefitsRate", "percent", "Benefits and payroll taxes as a share of salary, when the role or "
              "person does not say.", required=False, blank=True, default=0.0, minimum=0, maximum=1,
              example="24%"),
        Field("NoticeDays", "int", "Days from an accepted offer to the start date (notice period).",
              required=False, blank=True, default=0, minimum=0, maximum=365, example="30"),
        Field("CostPerApplicant", "money", "Sourcing cost per applicant (job boards, ads), budgeted in the month "
              "the applicants are sourced.", required=False, blank=True, default=0.0, minimum=0, example="40"),
        Field("CostPerHire", "money", "Cost per hire (agency or referral fee, onboarding), budgeted in the start "
              "month.", required=False, blank=True, default=0.0, minimum=0, example="6000"),
        Field("HiresCostCentre", "id", "Cost centre of the planned hires `budget from-quotas` brings in; blank: "
              "the first CostCentres row.", required=False, blank=True, example="CC-NA-EAST"),
    ),
    min_rows=1,
)

COST_CENTRES = TableSchema(
    name="CostCentres",
    sheet="Cost Centres",
    description="The cost centres of the sales budget and the group each rolls up to.",
    fields=(
        Field("CostCentre", "id", "Unique id of the cost centre (as in the general ledger).", example="CC-NA-EAST"),
        Field("Name", "text", "Name shown on the outputs.", blank=True, example="North America East"),
        Field("Group", "text", "Roll-up group (region, segment...); blank: the cost centre's own id.",
              required=False, blank=True, example="North America"),
        Field("QuotaNode", "id", "RepID of the manager (quota workbook) whose team is this cost centre; "
              "`budget from-quotas` puts each seat in the cost centre of its nearest manager listed here.",
              required=False, blank=True, example="M01"),
    ),
    key=("CostCentre",),
)

ROLES = TableSchema(
    name="Roles",
    sheet="Roles",
    description="Pay of each role: used for the Headcount rows that leave salary, benefits or target incentive "
                "blank.",
    fields=(
        Field("Role", "id", "Role name.", example="Account executive"),
        Field("AnnualSalary", "money", "Base salary a year.", minimum=0, example="95000"),
        Field("BenefitsRate", "percent", "Benefits as a share of salary; blank: BudgetPlan[BenefitsRate].",
              required=False, blank=True, minimum=0, maximum=1, example="24%"),
        Field("TargetIncentive", "money", "Variable pay a year at 100% of quota (on-target).", required=False,
              blank=True, default=0.0, minimum=0, example="95000"),
    ),
    key=("Role",),
    required=False,
    min_rows=0,
)

HEADCOUNT = TableSchema(
    name="Headcount",
    sheet="Headcount",
    description="One row per person or seat: employees (Active), open requisitions (Open) and planned hires "
                "(Planned). Open and Planned rows are back-scheduled on the Hiring sheet.",
    fields=(
        Field("PersonID", "id", "Unique id (the commission RepID, so variable comp actuals find the person).",
              example="R001"),
        Field("Name", "text", "Name shown on the outputs.", blank=True, example="Ada Lovelace"),
        Field("CostCentre", "id", "The cost centre paying the person (CostCentres[CostCentre]).",
              example="CC-NA-EAST"),
        Field("Role", "text", "Role (Roles[Role]) giving the pay left blank here.", required=False, blank=True,
              example="Account executive"),
        Field("Status", "choice", "Active (employed), Open (requisition) or Planned (a hire of the capacity plan).",
              choices=("Active", "Open", "Planned"), required=False, blank=True, default="Active", example="Active"),
        Field("StartDate", "date", "First day of employment; for Open and Planned rows the needed start date.",
              example="2025-03-01"),
        Field("EndDate", "date", "Last day of employment; blank if staying.", required=False, blank=True),
        Field("AnnualSalary", "money", "Base salary a year; blank: the role's.", required=False, blank=True,
              minimum=0, example="95000"),
        Field("BenefitsRate", "percent", "Benefits as a share of salary; blank: the role's, then the plan's.",
              required=False, blank=True, minimum=0, maximum=1, example="24%"),
        Field("TargetIncentive", "money", "Variable pay a year at 100%; blank: the role's.", required=False,
              blank=True, minimum=0, example="95000"),
        Field("ExpectedVariable", "money", "Expected variable pay of the budget year (the commission what-if's "
              "mean cost, written by `budget from-commissions`); blank: TargetIncentive x ramp.",
              required=False, blank=True, minimum=0, example="88000"),
        Field("Source", "text", "Where the row came from (quotas: written by `budget from-quotas`, which "
              "replaces those rows).", required=False, blank=True, example="quotas"),
    ),
    key=("PersonID",),
    min_rows=0,
)

RAMP_CURVE = TableSchema(
    name="RampCurve",
    sheet="Roles",
    description="Share of the target incentive a new hire is expected to earn by month of tenure (the start "
                "month is month 1; 100% after the last row). Empty or missing: 25%, 50%, 75%, then 100%.",
    fields=(
        Field("Month", "int", "Month of tenure: 1, 2, 3...", minimum=1, maximum=36, example="1"),
        Field("Pct", "percent", "Share of on-target variable pay in that month.", minimum=0, maximum=1,
              example="25%"),
    ),
    key=("Month",),
    required=False,
    min_rows=0,
)

CATEGORIES = TableSchema(
    name="Categories",
    sheet="Plan",
    description="Budget categories and how each is re-forecast. Salaries, Benefits, Variable comp and "
                "Recruiting always exist; list them here only to change their rule.",
    fields=(
        Field("Category", "text", "Category name (T&E, Programs...).", example="T&E"),
        Field("Reforecast", "choice", "Plan or RunRate; blank: BudgetPlan[Reforecast].", choices=("Plan", "RunRate"),
              required=False, blank=True, example="RunRate"),
        Field("Description", "text", "Free text.", required=False, blank=True),
    ),
    key=("Category",),
    required=False,
    min_rows=0,
)

PLAN_LINES = TableSchema(
    name="PlanLines",
    sheet="Plan Lines",
    description="Budget of the categories the engine does not plan itself (T&E, programs, tools...) per cost "
                "centre and month; rows of the same cost centre, category and month add up.",
    fields=(
        Field("CostCentre", "id", "CostCentres[CostCentre].", example="CC-NA-EAST"),
        Field("Category", "text", "A category (Categories[Category], or any name: it is then re-forecast by the "
              "plan's rule).", example="T&E"),
        Field("Month", "text", "Month label (2026-03) or a date inside the month.", example="2026-03"),
        Field("Amount", "money", "Budgeted amount.", example="12000"),
        Field("Note", "text", "Free text.", required=False, blank=True),
    ),
    min_rows=0,
)

ACTUALS = TableSchema(
    name="Actuals",
    sheet="Actuals",
    description="Actual spend per cost centre, category and month (a general-ledger export works as is: rows "
                "add up). Only closed months (through ActualsThrough) may have actuals.",
    fields=(
        Field("CostCentre", "id", "CostCentres[CostCentre].", example="CC-NA-EAST"),
        Field("Category", "text", "Category (the same names as the plan).", example="T&E"),
        Field("Month", "text", "Month label (2026-03) or a date inside the month.", example="2026-03"),
        Field("Amount", "money", "Actual amount (negative for a credit).", example="11234.56"),
        Field("Source", "text", "Where the row came from (commissions: written by `budget from-commissions`, "
              "which replaces those rows).", required=False, blank=True, example="GL"),
    ),
    min_rows=0,
)

BOOKINGS = TableSchema(
    name="Bookings",
    sheet="Bookings",
    description="Bookings per month (the forecast workbook's plan, actuals and forecast): the denominator of "
                "cost of sales as a share of bookings.",
    fields=(
        Field("Month", "text", "Month label (2026-03) or a date inside the month.", example="2026-03"),
        Field("Plan", "money", "Planned bookings (the quota target of the month).", required=False, blank=True,
              minimum=0, example="1100000"),
        Field("Actual", "money", "Actual bookings of a closed month.", required=False, blank=True, minimum=0,
              example="1045000"),
        Field("Forecast", "money", "Forecast bookings of an open month.", required=False, blank=True, minimum=0,
              example="1180000"),
    ),
    key=("Month",),
    required=False,
    min_rows=0,
)

HIRING_FUNNEL = TableSchema(
    name="HiringFunnel",
    sheet="Hiring Funnel",
    description="The recruiting funnel in order (applicants -> screen -> interview -> offer -> accept): the share "
                "of candidates of each stage who reach the next, and how long the stage takes.",
    fields=(
        Field("Stage", "text", "Stage name, in funnel order.", example="Applicants"),
        Field("Conversion", "percent", "Share of the stage's candidates who pass to the next stage (the last "
              "stage: who accept and start).", minimum=0, maximum=1, min_exclusive=True, example="20%"),
        Field("Days", "int", "Days the stage takes.", minimum=0, maximum=365, example="21"),
    ),
    key=("Stage",),
    required=False,
    min_rows=0,
)

BUDGET_FX = TableSchema(
    name="BudgetFX",
    sheet="Plan",
    description="Budget exchange rates, for commission payouts in another currency than the budget's.",
    fields=(
        Field("Currency", "text", "The payout currency (ISO code).", example="EUR"),
        Field("Rate", "number", "Units of Currency per unit of the budget currency.", minimum=0,
              min_exclusive=True, example="0.92"),
    ),
    key=("Currency",),
    required=False,
    min_rows=0,
)

INPUT_TABLES: tuple[TableSchema, ...] = (BUDGET_PLAN, COST_CENTRES, HEADCOUNT, ROLES, RAMP_CURVE, CATEGORIES,
                                         PLAN_LINES, ACTUALS, BOOKINGS, HIRING_FUNNEL, BUDGET_FX)

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS = ("Budget", "Budget Lines", "Budget Months", "Hiring", "Budget Run Log")

DEFAULT_RAMP = (0.25, 0.50, 0.75)
