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
    "LockedThrough": (False, "Pay months up to and including this one are paid and locked: recalculations "
                             "keep their numbers and carry any difference into the first open month. Blank: none."),
    "StatementRep": (False, "RepID whose statement the 'Rep statement' button (script commissions.statement) "
                            "writes into the Rep Statement sheets of this workbook. Blank: none."),
    "CompanyName": (False, "Company name printed at the top of every rep statement. Blank: none."),
    "StatementContact": (False, "Where a rep asks about the statement (a team, an address), printed at the foot "
                                "of every statement. Blank: the rep's manager."),
    "DrawBalanceAtTermination": (False, "Forgive (default): a recoverable draw balance left when a rep leaves is "
                                        "written off. Recover: it is deducted from the final payout."),
}

#: Settings of e-mailed statements (``salesops-xl statements --send``; docs/commissions.md, "Statements by e-mail").
DELIVERY_SETTINGS = {
    "SmtpHost": "Host name of the SMTP server statements are sent through (e.g. smtp.office365.com).",
    "SmtpPort": "Its port: 587 for STARTTLS (default), 465 for SSL, 25 for a plain relay.",
    "SmtpSecurity": "STARTTLS (default), SSL, or None (a relay on a trusted network only).",
    "SmtpUser": "User name to log in with; blank: no login. The password is never in the workbook: it is "
                "read from the environment variable named by SmtpPasswordEnv.",
    "SmtpPasswordEnv": "Name of the environment variable holding the SMTP password (default "
                       "SALESOPS_SMTP_PASSWORD).",
    "EmailFrom": "Sender of the statements, e.g. Sales Ops <sales-ops@example.com>.",
    "EmailSubject": "Subject template; placeholders in braces, e.g. Your commission statement for {period}.",
    "EmailBody": "Body template (plain text; the HTML part is made from it); placeholders in braces.",
    "EmailManagerTeams": "Yes: each manager also gets one message with the statements of everyone below them.",
}
SETTING_NAMES.update({k: (False, v) for k, v in DELIVERY_SETTINGS.items()})

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
        Field("TargetIncentive", "money", "On-target incentive (variable pay at 100%), in Currency: per year, or "
              "per TargetIncentivePer.", minimum=0, example="60000"),
        Field("EffectiveFrom", "date", "First day this row applies (a plan, manager or target change gets a new "
              "row); blank: from the hire date.", required=False, blank=True),
        Field("EffectiveTo", "date", "Last day this row applies; blank: until the next row or the termination.",
              required=False, blank=True),
        Field("TargetIncentivePer", "choice", "The period TargetIncentive is given for: Year (default), Quarter "
              "(x 4 for the year) or Month (x 12).", choices=("Year", "Quarter", "Month"), required=False, blank=True,
              default="Year", example="Year"),
        Field("Email", "text", "Address the rep's statement is e-mailed to (salesops-xl statements --send); "
              "blank: not e-mailed. The rep's latest row with an address counts.", required=False, blank=True,
              example="ada@example.com"),
    ),
    key=("RepID", "EffectiveFrom"),
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
        Field("PeriodType", "choice", "Length of the measurement and payment period: Month, Quarter, or Year (the "
              "plan year's attainment, paid in its last month).", choices=("Month", "Quarter", "Year"),
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
        Field("CapCarryForward", "choice", "Yes: earnings above a period's cap are not lost but paid in later "
              "periods of the year, within their own caps (Period basis; YTD caps already carry over). Blank: No.",
              choices=("Yes", "No"), required=False, blank=True, default="No", example="Yes"),
        Field("ClawbackDays", "int", "A cancelled deal reverses its commission only if cancelled within this "
              "many days of its close date; blank = always.", required=False, blank=True, minimum=0,
              example="180"),
        Field("CreditSource", "choice", "Own: deals credited to the rep. Team: deals credited to everyone below "
              "the rep in the roster hierarchy, at any depth (manager overrides).", choices=("Own", "Team"),
              required=False, blank=True, default="Own", example="Team"),
        Field("SourceMeasure", "id", "For a Team measure: the deals' measure that rolls up (blank: Measure).",
              required=False, blank=True, example="NewBusiness"),
        Field("CreditBase", "choice", "Amount: the measure credits the deals' Amount. Margin: it credits their "
              "Margin (Deals[Margin], e.g. QuoteApprovals[Margin] of the quoting workbook): commission on margin.",
              choices=("Amount", "Margin"), required=False, blank=True, default="Amount", example="Margin"),
        Field("PayOn", "choice", "When earned commission becomes payable: Booking (when the deal closes, the "
              "default), Invoice (pro rata as the deal is invoiced: Invoices) or Payment (pro rata as cash is "
              "collected: Payments). Until then it is held (Held Commission sheet). Blank: Booking.",
              choices=("Booking", "Invoice", "Payment"), required=False, blank=True, default="Booking",
              example="Payment"),
        Field("Unit", "text", "Blank: a money measure (deal amounts in a currency, converted into the rep's). A unit "
              "name (units, meetings, seats): deals count in that unit, without a currency or FX; quotas are in it "
              "and a Commission rate is paid per unit.", required=False, blank=True, example="meetings"),
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
        Field("Quota", "money", "Quota of the full period in the rep's currency; above zero. It is prorated by "
              "the rep's active days.", minimum=0, min_exclusive=True, example="100000"),
        Field("EffectiveFrom", "date", "For a quota change within a period: the day this quota starts (the "
              "period's other row covers the days before); blank: the whole period.", required=False, blank=True),
    ),
    key=("RepID", "Measure", "Period", "EffectiveFrom"),
    min_rows=0,  # a plan of flat rates only needs no quota: the table may be empty (the check is per period)
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
        Field("Currency", "text", "Currency of Amount (ISO code); blank for a unit measure (PlanMeasures[Unit]), "
              "whose Amount is a quantity.", blank=True, example="USD"),
        Field("Status", "choice", "Booked, or Cancelled (then CancelDate is required).",
              choices=("Booked", "Cancelled"), blank=True, default="Booked", example="Booked"),
        Field("CancelDate", "date", "Date a cancelled deal was cancelled.", blank=True),
        Field("Product", "text", "Free text, shown on statements.", required=False, blank=True),
        Field("AccountID", "id", "The account the deal is with: when AccountMoves moves it, a row of the rep "
              "giving it that closes on or after the move is credited to the rep receiving it.", required=False,
              blank=True, example="A-1001"),
        Field("Margin", "money", "The deal's whole margin in Currency (net amount minus cost, e.g. "
              "QuoteApprovals[Margin] of the quoting workbook); required on the deals of a measure whose "
              "PlanMeasures[CreditBase] is Margin.", required=False, blank=True, example="18000"),
    ),
    key=("DealID", "RepID"),
)

ACCOUNT_MOVES = TableSchema(
    name="AccountMoves",
    sheet="Account Moves",
    description="Scheduled account moves (written by the quota hand-off, or by hand): a Deals row of FromRep for "
                "the account closing on or after EffectiveDate is credited to ToRep.",
    fields=(
        Field("AccountID", "id", "The account (Deals[AccountID]).", example="A-1001"),
        Field("FromRep", "id", "The rep giving the account (Roster[RepID]).", example="R001"),
        Field("ToRep", "id", "The rep receiving it (Roster[RepID]).", example="R002"),
        Field("EffectiveDate", "date", "First day the account is with ToRep.", example="2026-05-16"),
        Field("Reason", "text", "Free text.", required=False, blank=True),
    ),
    key=("AccountID", "EffectiveDate"),
    required=False,
    min_rows=0,
)

CANCELLATIONS = TableSchema(
    name="Cancellations",
    sheet="Cancellations",
    description="Partial or additional cancellations of deals (a deal's own Status/CancelDate cancels it "
                "entirely).",
    fields=(
        Field("DealID", "id", "The deal (Deals[DealID]).", example="D-10001"),
        Field("CancelDate", "date", "Date of the cancellation.", example="2026-05-02"),
        Field("CancelledPct", "percent", "Share of the deal cancelled; the cancellations of a deal total at most "
              "100%.", minimum=0, maximum=1, min_exclusive=True, example="40%"),
        Field("Reason", "text", "Shown on the statement.", required=False, blank=True),
    ),
    required=False,
    min_rows=0,
)

LEAVES = TableSchema(
    name="Leaves",
    sheet="Leaves",
    description="Leaves of absence: quota and target incentive are prorated over the days away.",
    fields=(
        Field("RepID", "id", "The rep (Roster[RepID]).", example="R007"),
        Field("StartDate", "date", "First day away.", example="2026-07-01"),
        Field("EndDate", "date", "Last day away.", example="2026-07-31"),
        Field("Reason", "text", "Free text.", required=False, blank=True),
    ),
    required=False,
    min_rows=0,
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

SPIFS = TableSchema(
    name="Spifs",
    sheet="Incentives",
    description="Per-deal SPIFs: a fixed amount or a share of credit for each qualifying deal row.",
    fields=(
        Field("SpifID", "id", "Id of the SPIF, shown on the statement.", example="Q1-ANALYTICS"),
        Field("Description", "text", "Shown on the statement.", blank=True, example="Analytics launch"),
        Field("PlanID", "id", "Only reps on this plan on the close date; blank: any plan.", blank=True),
        Field("Measure", "id", "Only deals of this measure; blank: any.", blank=True, example="NewBusiness"),
        Field("Product", "text", "Only deals of this product (Deals[Product]); blank: any.", blank=True,
              example="Analytics"),
        Field("StartDate", "date", "First close date that qualifies.", example="2026-01-01"),
        Field("EndDate", "date", "Last close date that qualifies.", example="2026-03-31"),
        Field("MinAmount", "money", "The deal's Amount, converted into the rep's currency, must be at least this; "
              "blank: no minimum.", blank=True, minimum=0, example="20000"),
        Field("AmountPerDeal", "money", "Paid per qualifying deal, in the rep's currency, times the rep's "
              "SplitPct; blank: 0.", blank=True, minimum=0, example="250"),
        Field("PctOfCredit", "percent", "Paid as a share of the rep's credit on the deal; blank: 0.", blank=True,
              minimum=0, example="1%"),
    ),
    key=("SpifID",),
    required=False,
    min_rows=0,
)

BONUSES = TableSchema(
    name="Bonuses",
    sheet="Incentives",
    description="Milestone bonuses: paid once year-to-date credit reaches a share of the year's quota.",
    fields=(
        Field("BonusID", "id", "Id of the bonus, shown on the statement.", example="CLUB-100"),
        Field("Description", "text", "Shown on the statement.", blank=True, example="100% of annual quota"),
        Field("PlanID", "id", "Only reps on this plan; blank: any plan with the measure.", blank=True),
        Field("Measure", "id", "The measure whose attainment counts.", example="NewBusiness"),
        Field("Milestone", "percent", "Share of the year's (prorated) quota that YTD credit must reach.", minimum=0,
              min_exclusive=True, example="100%"),
        Field("Amount", "money", "Bonus in the rep's currency; blank: 0.", blank=True, minimum=0, example="5000"),
        Field("PctOfTarget", "percent", "Bonus as a share of the rep's annual target incentive; blank: 0.",
              blank=True, minimum=0, example="10%"),
    ),
    key=("BonusID",),
    required=False,
    min_rows=0,
)

DRAWS = TableSchema(
    name="Draws",
    sheet="Incentives",
    description="Draws against commission: a monthly guarantee (non-recoverable) or advance (recoverable).",
    fields=(
        Field("RepID", "id", "The rep (Roster[RepID]).", example="R008"),
        Field("StartMonth", "text", "First month of the draw (2026-03 or a date in it).", example="2026-03"),
        Field("EndMonth", "text", "Last month of the draw.", example="2026-05"),
        Field("Amount", "money", "Monthly draw in the rep's currency.", minimum=0, example="3000"),
        Field("Type", "choice", "NonRecoverable: topped up to the draw, never paid back. Recoverable: an "
              "advance paid back from later earnings.", choices=("Recoverable", "NonRecoverable"),
              example="Recoverable"),
        Field("RecoveryPct", "percent", "Share of earnings above the draw used to recover the balance; blank: "
              "100%.", blank=True, minimum=0, maximum=1, example="50%"),
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

DISPUTES = TableSchema(
    name="Disputes",
    sheet="Disputes",
    description="Disputes raised by reps about a deal or a statement line; a resolved one with an amount is paid as "
                "a 'Dispute adjustment' line in the month of ResolvedOn.",
    fields=(
        Field("DisputeID", "id", "Id of the dispute.", example="DSP-001"),
        Field("RepID", "id", "The rep who disputes (Roster[RepID]).", example="R001"),
        Field("DealID", "id", "The deal disputed (a deal the rep is credited on); blank: a statement line or a "
              "month as a whole (Period).", blank=True, example="D-10001"),
        Field("Period", "text", "Pay month of the disputed statement line (2026-03 or a date in it); blank: the "
              "deal's.", blank=True, example="2026-03"),
        Field("RaisedBy", "text", "Who raised it.", blank=True, example="Ada Lovelace"),
        Field("RaisedOn", "date", "When it was raised.", example="2026-04-02"),
        Field("Reason", "text", "What is disputed, in the rep's words.", blank=True, example="Split should be 60/40"),
        Field("Status", "choice", "Open, Resolved (agreed; Amount paid) or Rejected.",
              choices=("Open", "Resolved", "Rejected"), blank=True, default="Open", example="Open"),
        Field("Resolution", "text", "How it was settled (shown on the statement line).", blank=True),
        Field("ResolvedOn", "date", "When it was resolved or rejected; decides the pay month of the adjustment.",
              blank=True),
        Field("Amount", "money", "Resolved: the amount added to (or, negative, taken from) the rep's pay, in the "
              "rep's currency; blank or 0: none.", blank=True),
    ),
    key=("DisputeID",),
    required=False,
    min_rows=0,
)

INVOICES = TableSchema(
    name="Invoices",
    sheet="Collections",
    description="Invoices issued for deals: a measure paid on Invoice pays its commission pro rata as its deals are "
                "invoiced; Payments refer to them.",
    fields=(
        Field("InvoiceID", "id", "Unique id of the invoice.", example="INV-0001"),
        Field("DealID", "id", "The deal invoiced (Deals[DealID]).", example="D-10001"),
        Field("InvoiceDate", "date", "Date issued; decides the period commission on it is released in.",
              example="2026-03-15"),
        Field("Amount", "money", "Amount invoiced, in the deal's currency; above zero.", minimum=0,
              min_exclusive=True, example="6000"),
        Field("Currency", "text", "Currency of Amount (ISO code); blank: the deal's. Must be the deal's.",
              required=False, blank=True, example="USD"),
    ),
    key=("InvoiceID",),
    required=False,
    min_rows=0,
)

PAYMENTS = TableSchema(
    name="Payments",
    sheet="Collections",
    description="Cash collected against invoices (several partial payments per invoice allowed): a measure paid on "
                "Payment pays its commission pro rata as the deal's invoices are paid.",
    fields=(
        Field("PaymentID", "id", "Unique id of the payment, named on the statement line it releases.",
              example="PAY-0001"),
        Field("InvoiceID", "id", "The invoice paid (Invoices[InvoiceID]).", example="INV-0001"),
        Field("PaymentDate", "date", "Date received; decides the period commission on it is released in.",
              example="2026-04-10"),
        Field("Amount", "money", "Amount received, in the invoice's currency; above zero. The payments of an "
              "invoice total at most its Amount.", minimum=0, min_exclusive=True, example="2500"),
    ),
    key=("PaymentID",),
    required=False,
    min_rows=0,
)

HOLDS = TableSchema(
    name="Holds",
    sheet="Collections",
    description="Manual holds: commission of a deal or of a rep withheld from HoldFrom and paid when released.",
    fields=(
        Field("Scope", "choice", "Deal: the commission of one deal (every rep and measure credited on it). Rep: "
              "all commission of one rep.", choices=("Deal", "Rep"), example="Deal"),
        Field("ID", "id", "The DealID (Scope Deal) or RepID (Scope Rep).", example="D-10001"),
        Field("HoldFrom", "text", "First pay month held (2026-02 or a date in it).", example="2026-02"),
        Field("ReleasedIn", "text", "Pay month the held amount is released and paid in (2026-05 or a date in "
              "it); blank: still held.", blank=True, example="2026-05"),
        Field("Reason", "text", "Why: printed on the hold and release statement lines.",
              example="Customer credit check pending"),
        Field("By", "text", "Who placed (or released) the hold.", blank=True, example="Finance - J. Doe"),
    ),
    required=False,
    min_rows=0,
)

APPROVAL_ROLES = TableSchema(
    name="ApprovalRoles",
    sheet="Settings",
    description="Who may record each step of a payout run's sign-off (salesops-xl approve): one row per step and "
                "role. Without this table (or with no rows): Reviewed by SalesOps or Finance, Approved by Finance, "
                "Paid by Finance or Payroll.",
    fields=(
        Field("Step", "choice", "The step: Reviewed, Approved or Paid.", choices=("Reviewed", "Approved", "Paid"),
              example="Approved"),
        Field("Role", "text", "A role allowed to record it (compared without regard to case).", example="Finance"),
    ),
    required=False,
    min_rows=0,
)

INPUT_TABLES: tuple[TableSchema, ...] = (SETTINGS, ROSTER, LEAVES, PLANS, MEASURES, TIERS, QUOTAS, DEALS,
                                         CANCELLATIONS, ADJUSTMENTS, SPIFS, BONUSES, DRAWS, FX_RATES, ACCOUNT_MOVES,
                                         DISPUTES, INVOICES, PAYMENTS, HOLDS,
                                         APPROVAL_ROLES)

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS: tuple[str, ...] = ("Payouts", "Payout Summary", "Statement Lines", "Draws", "Disputes Summary", "Held Commission",
                 "Dashboard", "Run Log",
                 "Audit Log", "Checks",
                 "Paid History")

# commission accounting and the payroll / journal exports (salesops_xl.accounting; docs/accounting.md)
from ..accounting.schema import ACCOUNTING_SHEETS, ACCOUNTING_TABLES  # noqa: E402

INPUT_TABLES += ACCOUNTING_TABLES
OUTPUT_SHEETS += ACCOUNTING_SHEETS
