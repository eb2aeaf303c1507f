"""The input tables of the quota and capacity workbook (``workbooks/quotas.xlsx``).

The single source of the schema: the template generator, the validation,
``salesops-xl schema`` and docs/schema.md all come from it. The rules that
use these tables are stated in docs/quotas.md.
"""
from __future__ import annotations

from ..tables import Field, TableSchema

#: Node name of the top of the hierarchy in AllocationRules and the outputs.
COMPANY = "Company"

QUOTA_PLAN = TableSchema(
    name="QuotaPlan",
    sheet="Plan",
    description="The target to allocate and how quotas are rounded and phased (exactly one row).",
    fields=(
        Field("PlanYearStart", "date", "First day of the plan year (its month is what counts); the history year "
              "is the 12 months before it.", example="2026-01-01"),
        Field("Target", "money", "Annual target of the company (or region) to allocate, in Currency.", minimum=0,
              min_exclusive=True, example="14000000"),
        Field("Currency", "text", "Plan currency (ISO code): Target, Floor, Ceiling, Potential and history are in it.",
              required=False, blank=True, default="USD", example="USD"),
        Field("Measure", "id", "The commission measure these quotas are for (used by the hand-off to the "
              "commission workbook).", required=False, blank=True, default="NewBusiness", example="NewBusiness"),
        Field("TeamMeasure", "id", "The commission measure that takes a manager's team target in the hand-off "
              "(e.g. a team override measure); blank: managers' targets are not handed off.", required=False,
              blank=True, example="TeamNB"),
        Field("RoundingUnit", "money", "Quotas are whole multiples of this amount (1 = whole currency units, "
              "0.01 = cents, 1000 = thousands); allocations sum exactly at this unit.", required=False, blank=True,
              default=1.0,
              minimum=0, min_exclusive=True, example="1"),
        Field("Phasing", "choice", "How annual quotas are spread over months: History (seasonal indices of the "
              "history year), Profile (the SeasonalProfile table) or Even.", choices=("History", "Profile", "Even"),
              required=False, blank=True, default="History", example="History"),
        Field("MinHistoryMonths", "number", "A rep with fewer full-productivity months than this in the history "
              "year is treated as a new seat (team average run rate).", required=False, blank=True, default=3.0,
              minimum=0,
              maximum=12, example="3"),
    ),
    min_rows=1,
)

CAPACITY_PLAN = TableSchema(
    name="CapacityPlan",
    sheet="Plan",
    description="Assumptions of the capacity and hiring plan (exactly one row).",
    fields=(
        Field("Productivity", "money", "Annual bookings of a fully ramped rep at 100% attainment (the ramped "
              "quota), in the plan currency.", minimum=0, min_exclusive=True, example="600000"),
        Field("ExpectedAttainment", "percent", "Share of Productivity a ramped rep is expected to book.",
              required=False, blank=True, default=1.0, minimum=0, maximum=3, min_exclusive=True, example="85%"),
        Field("AttritionRate", "percent", "Expected share of reps leaving over a year (applied monthly).",
              required=False, blank=True, default=0.0, minimum=0, maximum=0.99, example="15%"),
        Field("HiringLagMonths", "int", "Months from opening a requisition to the new hire's start.", minimum=0,
              maximum=24, example="3"),
        Field("ReqOpenDate", "date", "First day requisitions for new hires can be opened; blank = PlanYearStart.",
              required=False, blank=True, example="2026-01-01"),
        Field("MaxHiresPerMonth", "int", "Most new hires that can start in one month; blank = no limit.",
              required=False, blank=True, minimum=1, example="3"),
    ),
    min_rows=1,
)

QUOTA_ROSTER = TableSchema(
    name="QuotaRoster",
    sheet="Quota Roster",
    description="One row per person or seat: reps, managers and open requisitions. ManagerID builds the "
                "hierarchy; a row with no reports carries a quota, a row with reports is a team.",
    fields=(
        Field("RepID", "id", "Unique id (the commission workbook's RepID for the hand-off; any id for an open "
              "requisition).", example="R001"),
        Field("RepName", "text", "Name shown on the outputs.", blank=True, example="Ada Lovelace"),
        Field("ManagerID", "id", "RepID of the manager; blank at the top of the hierarchy (under the Company).",
              blank=True, example="M01"),
        Field("Status", "choice", "Active (employed or signed) or Open (a requisition: a seat to be hired).",
              choices=("Active", "Open"), required=False, blank=True, default="Active", example="Active"),
        Field("HireDate", "date", "First day of employment; for an Open seat its planned start. Required for "
              "every seat.", blank=True, example="2025-03-01"),
        Field("TermDate", "date", "Last day in the seat (a termination, or a move to a role without this quota); "
              "blank if staying.", blank=True),
        Field("Currency", "text", "Currency the rep is paid in (ISO code); blank = the plan currency. Quotas are "
              "converted at PlanFXRates.", required=False, blank=True, example="EUR"),
        Field("Potential", "money", "Market potential of the seat's territory (annual, plan currency); blank when "
              "given by AccountPotential or not used.", required=False, blank=True, minimum=0, example="2500000"),
        Field("Floor", "money", "Lowest annual quota (or team target) allowed; blank = none.", required=False,
              blank=True, minimum=0, example="300000"),
        Field("Ceiling", "money", "Highest annual quota (or team target) allowed; blank = none.", required=False,
              blank=True, minimum=0, example="900000"),
    ),
    key=("RepID",),
)

ALLOCATION_RULES = TableSchema(
    name="AllocationRules",
    sheet="Rules",
    description="How a node's target is split among its direct reports. A node without a row uses its "
                "manager's rule; the Company row is required.",
    fields=(
        Field("Node", "id", f"{COMPANY} (the top), or the RepID of a manager.", example=COMPANY),
        Field("Method", "choice", "Even (per ramped seat), History (historical run rate), Potential, or Blend "
              "(weights below).", choices=("Even", "History", "Potential", "Blend"), example="Blend"),
        Field("EvenWeight", "percent", "Blend only: weight of the even split.", required=False, blank=True, minimum=0,
              maximum=1,
              example="20%"),
        Field("HistoryWeight", "percent", "Blend only: weight of the historical share.", required=False, blank=True,
              minimum=0,
              maximum=1, example="50%"),
        Field("PotentialWeight", "percent", "Blend only: weight of the potential share.", required=False,
              blank=True, minimum=0,
              maximum=1, example="30%"),
        Field("OverAssignment", "percent", "Sum of the reports' quotas ÷ the node's target (110% assigns 10% "
              "more than the target below this node).", required=False, blank=True, default=1.0, minimum=1, maximum=2,
              example="110%"),
        Field("Note", "text", "Free text.", required=False, blank=True),
    ),
    key=("Node",),
)

BOOKINGS_HISTORY = TableSchema(
    name="BookingsHistory",
    sheet="Bookings History",
    description="Bookings of the history year (the 12 months before PlanYearStart) per rep and month; rows of "
                "the same rep and month add up (a deal-level export works as is).",
    fields=(
        Field("RepID", "id", "The rep (QuotaRoster[RepID]).", example="R001"),
        Field("Month", "text", "Month label (2025-03) or a date inside the month.", example="2025-03"),
        Field("Amount", "money", "Bookings in the plan currency (negative for a credit note).", example="48000"),
    ),
    required=False,
    min_rows=0,
)

ACCOUNT_POTENTIAL = TableSchema(
    name="AccountPotential",
    sheet="Accounts",
    description="Account-based potential: a seat's potential is the sum of its accounts' (when its "
                "QuotaRoster[Potential] is blank).",
    fields=(
        Field("AccountID", "id", "Unique id of the account.", example="A-1001"),
        Field("RepID", "id", "The seat the account is assigned to (QuotaRoster[RepID]).", example="R001"),
        Field("Potential", "money", "Annual potential of the account, plan currency.", minimum=0,
              example="250000"),
        Field("AccountName", "text", "Free text.", required=False, blank=True, example="Acme Corp"),
    ),
    key=("AccountID",),
    required=False,
    min_rows=0,
)

ACCOUNT_MOVES = TableSchema(
    name="AccountMoves",
    sheet="Accounts",
    description="Scheduled account moves: from EffectiveDate the account and its share of the quota go from "
                "FromRep to ToRep (applied by the hand-off to the commission workbook; docs/quotas.md).",
    fields=(
        Field("AccountID", "id", "The account (AccountPotential[AccountID]; a TerritoryUnits UnitID when the "
              "territory workbook's units are accounts).", example="A-1001"),
        Field("FromRep", "id", "The seat giving the account: its AccountPotential rep, or the receiver of its "
              "previous move.", example="R001"),
        Field("ToRep", "id", "The seat receiving it (QuotaRoster[RepID]).", example="R002"),
        Field("EffectiveDate", "date", "First day the account is with ToRep.", example="2026-05-16"),
        Field("Reason", "text", "Free text, shown with the move.", required=False, blank=True,
              example="Territory realignment"),
    ),
    key=("AccountID", "EffectiveDate"),
    required=False,
    min_rows=0,
)

SEASONAL_PROFILE = TableSchema(
    name="SeasonalProfile",
    sheet="Profiles",
    description="Phasing = Profile: the relative weight of each of the 12 months of the plan year.",
    fields=(
        Field("Month", "text", "Month label (2026-03) or a date inside the month.", example="2026-03"),
        Field("Weight", "number", "Relative weight (any scale: 8.3% or 1.1 or 110).", minimum=0, example="1.1"),
    ),
    key=("Month",),
    required=False,
    min_rows=0,
)

RAMP_CURVE = TableSchema(
    name="RampCurve",
    sheet="Profiles",
    description="Productivity of a new hire by month of tenure (the start month is month 1); months after the "
                "last row are at 100%. Empty or missing: 25%, 50%, 75%, then 100% from month 4.",
    fields=(
        Field("Month", "int", "Month of tenure: 1, 2, 3...", minimum=1, maximum=36, example="1"),
        Field("Pct", "percent", "Share of full productivity in that month.", minimum=0, maximum=1, example="25%"),
    ),
    key=("Month",),
    required=False,
    min_rows=0,
)

PLAN_FX = TableSchema(
    name="PlanFXRates",
    sheet="FX",
    description="Planning exchange rates of the year, for seats paid in another currency than the plan's.",
    fields=(
        Field("Currency", "text", "The seat's currency (ISO code).", example="EUR"),
        Field("Rate", "number", "Units of Currency per unit of the plan currency.", minimum=0, min_exclusive=True,
              example="0.92"),
    ),
    key=("Currency",),
    required=False,
    min_rows=0,
)

INPUT_TABLES: tuple[TableSchema, ...] = (QUOTA_PLAN, CAPACITY_PLAN, QUOTA_ROSTER, ALLOCATION_RULES, BOOKINGS_HISTORY,
                                         ACCOUNT_POTENTIAL, ACCOUNT_MOVES, SEASONAL_PROFILE, RAMP_CURVE, PLAN_FX)

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS = ("Allocation", "Rep Quotas", "Quota Months", "Seasonality", "Capacity", "Quota Run Log")

#: Default ramp: 25%, 50%, 75% in tenure months 1-3, 100% from month 4.
DEFAULT_RAMP = (0.25, 0.50, 0.75)
