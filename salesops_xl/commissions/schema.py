"""The input tables of the commission workbook (``workbooks/commissions.xlsx``).

This is the single source of the schema: the template generator, the
validation, ``salesops-xl schema`` and docs/schema.md all come from it.
"""
from __future__ import annotations

from ..tables import Field, TableSchema

SETTINGS = TableSchema(
    name="Settings",
    sheet="Settings",
    description="Run settings, one per row (Setting, Value).",
    fields=(
        Field("Setting", "text", "Name of the setting: PlanYearStart or AsOfDate.", example="PlanYearStart"),
        Field("Value", "text", "Its value (a date for both settings).", blank=True, example="2026-01-01"),
        Field("Description", "text", "Free text for the reader.", required=False, blank=True),
    ),
    key=("Setting",),
)

#: The settings the Settings table understands: name -> (required, description).
SETTING_NAMES = {
    "PlanYearStart": (True, "First day of the plan year (its month is what counts). Periods are the 12 months "
                            "and 4 quarters from there."),
    "AsOfDate": (False, "Compute periods starting on or before this date and ignore deals closed or "
                        "cancelled after it. Blank: the whole plan year."),
}

ROSTER = TableSchema(
    name="Roster",
    sheet="Roster",
    description="One row per rep (and per manager).",
    fields=(
        Field("RepID", "id", "Unique id of the rep.", example="R001"),
        Field("RepName", "text", "Name shown on statements.", example="Ada Lovelace"),
        Field("ManagerID", "id", "RepID of the rep's manager; blank at the top of the hierarchy.", blank=True,
              example="M01"),
        Field("PlanID", "id", "The rep's compensation plan (Plans[PlanID]).", example="AE"),
        Field("Currency", "text", "Payout currency (ISO code). Deals are converted into it.", example="USD"),
        Field("HireDate", "date", "First day of employment.", example="2025-03-01"),
        Field("TermDate", "date", "Last day of employment; blank if employed.", blank=True),
        Field("TargetIncentive", "money", "Annual on-target incentive (variable pay at 100%), in Currency.",
              minimum=0, example="60000"),
    ),
    key=("RepID",),
)

PLANS = TableSchema(
    name="Plans",
    sheet="Plans",
    description="One row per compensation plan.",
    fields=(
        Field("PlanID", "id", "Unique id of the plan.", example="AE"),
        Field("PlanName", "text", "Name shown on statements.", example="Account Executive"),
        Field("Description", "text", "Free text.", required=False, blank=True),
    ),
    key=("PlanID",),
)

MEASURES = TableSchema(
    name="PlanMeasures",
    sheet="Plans",
    description="The measures of each plan, with how each is paid.",
    fields=(
        Field("PlanID", "id", "The plan (Plans[PlanID]).", example="AE"),
        Field("Measure", "id", "Name of the measure; deals and quotas refer to it.", example="NewBusiness"),
        Field("Weight", "percent", "Share of the target incentive carried by this measure; a plan's weights "
              "total 100%.", minimum=0, maximum=1, example="70%"),
        Field("PeriodType", "choice", "Length of the measurement and payment period.", choices=("Month", "Quarter"),
              example="Month"),
        Field("Basis", "choice", "YTD: each period pays cumulative year-to-date earnings minus what was paid "
              "(a true-up). Period: each period is measured on its own.", choices=("YTD", "Period"),
              blank=True, default="YTD", example="YTD"),
        Field("Method", "choice", "Marginal: each band of attainment paid at its own rate. Retroactive: the "
              "rate of the band reached applies to everything.", choices=("Marginal", "Retroactive"),
              example="Marginal"),
        Field("RateType", "choice", "Commission: tier rates are commission rates on credited amount. "
              "Multiple: tier rates are multiples of the target incentive (a payout curve).",
              choices=("Commission", "Multiple"), example="Commission"),
        Field("TierTable", "id", "The tier table (Tiers[TierTable]).", example="AE-NB"),
        Field("Threshold", "percent", "Gate: nothing is earned while attainment is below it.", blank=True,
              default=0.0, minimum=0, example="50%"),
        Field("CapType", "choice", "None, PctOfTarget (CapValue x target incentive of the period) or Amount "
              "(CapValue per period, in the rep's currency).", choices=("None", "PctOfTarget", "Amount"),
              blank=True, default="None", example="PctOfTarget"),
        Field("CapValue", "number", "The cap: a multiple (200% = twice the target) or an amount per period.",
              blank=True, minimum=0, example="200%"),
        Field("ClawbackDays", "int", "A cancelled deal reverses its commission only if cancelled within this "
              "many days of its close date; blank = always.", required=False, blank=True, minimum=0,
              example="180"),
    ),
    key=("PlanID", "Measure"),
)

TIERS = TableSchema(
    name="Tiers",
    sheet="Tiers",
    description="Tier tables: bands of attainment [From, To) and their rates.",
    fields=(
        Field("TierTable", "id", "Id of the tier table.", example="AE-NB"),
        Field("Tier", "text", "Name of the band, shown on statements; blank = T1, T2...", blank=True,
              example="Base"),
        Field("From", "percent", "Attainment where the band starts (included).", minimum=0, example="0%"),
        Field("To", "percent", "Attainment where the band ends (excluded); blank for the last band.", blank=True,
              minimum=0, example="100%"),
        Field("Rate", "number", "Commission rate (RateType Commission) or multiple of target incentive "
              "(RateType Multiple). Marginal multiples are slopes: payout multiple per 100% of attainment.",
              minimum=0, example="8%"),
    ),
    key=("TierTable", "From"),
)

QUOTAS = TableSchema(
    name="Quotas",
    sheet="Quotas",
    description="Quota per rep, measure and period (the measure's period type).",
    fields=(
        Field("RepID", "id", "The rep (Roster[RepID]).", example="R001"),
        Field("Measure", "id", "The measure (PlanMeasures[Measure]).", example="NewBusiness"),
        Field("Period", "text", "Period label (2026-03 or 2026-Q1) or a date inside the period.",
              example="2026-03"),
        Field("Quota", "money", "Quota of the period in the rep's currency; above zero.", minimum=0,
              min_exclusive=True, example="100000"),
    ),
    key=("RepID", "Measure", "Period"),
)

DEALS = TableSchema(
    name="Deals",
    sheet="Deals",
    description="One row per deal and credited rep: a deal split between reps has one row per rep, "
                "repeating the deal's fields.",
    fields=(
        Field("DealID", "id", "Id of the deal.", example="D-10001"),
        Field("RepID", "id", "A credited rep (Roster[RepID]).", example="R001"),
        Field("SplitPct", "percent", "This rep's share of the credit; the rows of a deal total 100%.",
              minimum=0, maximum=1, min_exclusive=True, example="100%"),
        Field("CloseDate", "date", "Date the deal closed; decides its period.", example="2026-02-14"),
        Field("Measure", "id", "The measure it counts toward (PlanMeasures[Measure]).", example="NewBusiness"),
        Field("Amount", "money", "The deal's whole amount in Currency (negative for a credit note).",
              example="25000"),
        Field("Currency", "text", "Currency of Amount (ISO code).", example="USD"),
        Field("Status", "choice", "Booked, or Cancelled (then CancelDate is required).",
              choices=("Booked", "Cancelled"), blank=True, default="Booked", example="Booked"),
        Field("CancelDate", "date", "Date a cancelled deal was cancelled.", blank=True),
        Field("Product", "text", "Free text, shown on statements.", required=False, blank=True),
    ),
    key=("DealID", "RepID"),
)

ADJUSTMENTS = TableSchema(
    name="Adjustments",
    sheet="Adjustments",
    description="Amounts added to (or, negative, taken from) a rep's payout in a month.",
    fields=(
        Field("RepID", "id", "The rep (Roster[RepID]).", example="R001"),
        Field("Period", "text", "Pay month label (2026-03) or a date inside it.", example="2026-03"),
        Field("Amount", "money", "Amount in the rep's currency; negative to deduct.", example="500"),
        Field("Type", "text", "Kind, shown on the statement (e.g. SPIF, Bonus, Correction).", blank=True,
              default="Adjustment", example="SPIF"),
        Field("Description", "text", "Shown on the statement.", blank=True, example="Q1 launch SPIF"),
    ),
    required=False,
    min_rows=0,
)

FX_RATES = TableSchema(
    name="FXRates",
    sheet="FXRates",
    description="Exchange rates per month: 1 FromCurrency = Rate ToCurrency.",
    fields=(
        Field("Month", "text", "Month label (2026-03) or a date inside the month.", example="2026-03"),
        Field("FromCurrency", "text", "Currency converted from (ISO code).", example="EUR"),
        Field("ToCurrency", "text", "Currency converted to (ISO code).", example="USD"),
        Field("Rate", "number", "Units of ToCurrency per unit of FromCurrency; above zero.", minimum=0,
              min_exclusive=True, example="1.08"),
    ),
    key=("Month", "FromCurrency", "ToCurrency"),
    required=False,
    min_rows=0,
)

INPUT_TABLES: tuple[TableSchema, ...] = (SETTINGS, ROSTER, PLANS, MEASURES, TIERS, QUOTAS, DEALS, ADJUSTMENTS,
                                         FX_RATES)

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS = ("Payouts", "Payout Summary", "Statement Lines", "Dashboard", "Run Log")
