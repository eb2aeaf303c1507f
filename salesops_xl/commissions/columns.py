"""Columns of the commission output tables (shared by the writer and by the reading back of locked months)."""
from __future__ import annotations

from ..sheets import Column

#: Statement Lines[LineType] of the engine's own lines (disputes.py and holds.py add theirs)
LINE_DEAL, LINE_REVERSAL, LINE_TRUEUP, LINE_ADJUSTMENT = "Deal", "Reversal", "True-up", "Adjustment"
LINE_TEAM, LINE_TEAM_REVERSAL = "Team credit", "Team reversal"

PAYOUT_COLUMNS = (
    Column("RepID", "text", description="The rep."),
    Column("RepName", "text"),
    Column("PlanID", "text"),
    Column("Measure", "text"),
    Column("Period", "text", description="Measurement period: 2026-03 (month) or 2026-Q1 (quarter of the plan year)."),
    Column("PayMonth", "text", description="Month in which the payable is paid: the period's last month."),
    Column("Basis", "text", description="YTD or Period (see PlanMeasures)."),
    Column("Currency", "text", description="The rep's payout currency; every amount of the row is in it."),
    Column("ActiveShare", "percent", description="Active days in the period / days in the period (hire, "
           "termination, leave, plan change): quota and target are prorated by it."),
    Column("TargetIncentive", "money", description="Target incentive of the measure for the period (prorated)."),
    Column("Credit", "money", description="Credit of deals closed in the period, net of those cancelled by its end."),
    Column("Quota", "money"),
    Column("Attainment", "percent", description="Credit / Quota of the period."),
    Column("CreditYTD", "money", description="Credit of the plan year to the end of the period (as known then)."),
    Column("QuotaYTD", "money"),
    Column("AttainmentYTD", "percent", description="CreditYTD / QuotaYTD."),
    Column("Unit", "text", description="Blank: Credit and Quota are money in Currency. Else the unit they count in "
           "(PlanMeasures[Unit]): meetings, seats..."),
    Column("Variance", "money", description="Credit - Quota of the period (in Unit for a unit measure): above "
           "zero ahead of quota, below zero short of it."),
    Column("VarianceYTD", "money", description="CreditYTD - QuotaYTD."),
    Column("Tier", "text", description="Band reached: at AttainmentYTD (YTD basis) or Attainment (Period basis)."),
    Column("EarnedBeforeCap", "money", description="Cumulative earnings of the year to date before caps."),
    Column("CapApplied", "money", description="Cumulative earnings removed by the cap."),
    Column("EarnedToDate", "money", description="Cumulative earnings to date, rounded to cents."),
    Column("HeldToDate", "money", description="Of EarnedToDate, what is held at the end of the period: awaiting "
           "invoice or payment (PlanMeasures[PayOn]) or under a manual hold (Holds). See Held Commission."),
    Column("PaidBefore", "money", description="What was already paid: EarnedToDate - HeldToDate of the previous "
           "period."),
    Column("Payable", "money", description="EarnedToDate - HeldToDate - PaidBefore: paid in PayMonth (negative: "
           "recovered)."),
)

SUMMARY_COLUMNS = (
    Column("RepID", "text"),
    Column("RepName", "text"),
    Column("PlanID", "text"),
    Column("ManagerID", "text"),
    Column("PayMonth", "text"),
    Column("Currency", "text"),
    Column("Commission", "money", description="Sum of Payouts[Payable] paid in the month."),
    Column("SPIFs", "money", description="Per-deal SPIFs earned (or reversed) in the month."),
    Column("Bonuses", "money", description="Milestone bonuses reached (or taken back) in the month."),
    Column("Adjustments", "money", description="Sum of Adjustments[Amount] of the month."),
    Column("PriorPeriodAdjustments", "money", description="Changes to locked (paid) months, carried into the "
           "first open month."),
    Column("DrawTopUp", "money", description="Non-recoverable draw: top-up to the guarantee."),
    Column("DrawAdvance", "money", description="Recoverable draw: advance paid (added to the balance owed)."),
    Column("DrawRecovery", "money", description="Recoverable draw: balance recovered from earnings (negative)."),
    Column("Total", "money", description="The sum of the above: the amount to pay."),
)

DRAW_COLUMNS = (
    Column("RepID", "text"),
    Column("RepName", "text"),
    Column("PayMonth", "text"),
    Column("Currency", "text"),
    Column("DrawType", "text", description="Recoverable or NonRecoverable; blank in a month without a draw."),
    Column("DrawAmount", "money"),
    Column("EarningsBeforeDraw", "money", description="Commission + SPIFs + bonuses + adjustments of the month."),
    Column("TopUp", "money"),
    Column("Advance", "money"),
    Column("Recovery", "money"),
    Column("OpeningBalance", "money", description="Recoverable balance owed by the rep at the start of the month."),
    Column("ClosingBalance", "money"),
    Column("WrittenOff", "money", description="Balance forgiven when the rep left (DrawBalanceAtTermination)."),
)

LINE_COLUMN_SPECS = (
    Column("RepID", "text"),
    Column("PayMonth", "text"),
    Column("Period", "text"),
    Column("Measure", "text"),
    Column("LineType", "text", description="Deal, Reversal, True-up, Team credit, Team reversal, SPIF, "
           "SPIF reversal, Bonus, Adjustment, Prior-period adjustment, Draw top-up, Draw advance, Draw recovery, "
           "Held (commission withheld: awaiting invoice or payment, or a manual hold), Released (held commission "
           "paid: names the invoice, payment or hold)."),
    Column("DealID", "text"),
    Column("CloseDate", "date"),
    Column("Product", "text"),
    Column("DealCurrency", "text"),
    Column("SplitPct", "percent"),
    Column("FXRate", "number", description="Units of the rep's currency per unit of DealCurrency used for this line."),
    Column("Credit", "money", description="Amount x SplitPct x FXRate, in the rep's currency (negative: reversed)."),
    Column("AttainmentFrom", "percent", description="Attainment before this line's credit."),
    Column("AttainmentTo", "percent", description="Attainment after it."),
    Column("Tier", "text", description="Band(s) the credit fell in."),
    Column("Rate", "rate", description="Amount / Credit."),
    Column("Amount", "money", description="This line's share of the payable, in cents-exact currency."),
    Column("Note", "text"),
)
