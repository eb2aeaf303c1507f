"""The input tables of commission accounting and the exports (all optional: a workbook without them computes
payouts as before, and gets no accounting sheets)."""
from __future__ import annotations

from ..tables import Field, TableSchema

#: The components of Payout Summary (salesops_xl.commissions.engine.SUMMARY_COMPONENTS), named here so the
#: schema module imports nothing of the engine.
COMPONENTS = ("Commission", "SPIFs", "Bonuses", "Adjustments", "PriorPeriodAdjustments", "DrawTopUp",
              "DrawAdvance", "DrawRecovery")

CAP_POLICY = TableSchema(
    name="CapPolicy",
    sheet="Finance",
    description="Capitalisation policy (ASC 340-40 / IFRS 15): which deal commissions are capitalised as "
                "contract-cost assets and over how many months they are amortised. Once this table has a row, "
                "every plan measure that pays deal commission must match one row.",
    fields=(
        Field("PlanID", "id", "Only this plan; blank: any plan (a row naming the plan wins).", blank=True,
              example="AE"),
        Field("Measure", "id", "The measure whose deal commission the row governs (PlanMeasures[Measure]).",
              example="NewBusiness"),
        Field("Treatment", "choice", "Capitalise: an asset amortised over the period of benefit. Expense: "
              "expensed in the month earned.", choices=("Capitalise", "Expense"), example="Capitalise"),
        Field("PeriodOfBenefit", "choice", "ContractTerm: the deal's DealTerms[TermMonths] (else Months). "
              "CustomerLife: Months, the expected customer life.", choices=("ContractTerm", "CustomerLife"),
              blank=True, default="ContractTerm", example="CustomerLife"),
        Field("Months", "int", "Months of benefit: the customer life, or the term of a deal DealTerms does not "
              "list.", blank=True, minimum=1, maximum=600, example="36"),
        Field("PracticalExpedient", "choice", "Yes (default): a benefit of 12 months or less is expensed when "
              "earned (ASC 340-40-25-4, IFRS 15.94). No: it is capitalised all the same.",
              choices=("Yes", "No"), blank=True, default="Yes", example="Yes"),
    ),
    key=("PlanID", "Measure"),
    required=False,
    min_rows=0,
)

DEAL_TERMS = TableSchema(
    name="DealTerms",
    sheet="Deal Terms",
    description="Contract term of deals whose commission is amortised over the contract term (renewals over "
                "their own term).",
    fields=(
        Field("DealID", "id", "The deal (Deals[DealID]).", example="D-10001"),
        Field("TermMonths", "int", "Contract term in months.", minimum=1, maximum=600, example="24"),
    ),
    key=("DealID",),
    required=False,
    min_rows=0,
)

#: The journal's entry types: what each is debited or credited for (docs/accounting.md, "Journal entries").
JOURNAL_ENTRIES = {
    "ContractCostAsset": "Capitalised commissions (balance sheet asset).",
    "CommissionExpense": "Commission, SPIFs, bonuses, adjustments, draw top-ups expensed when earned.",
    "AmortisationExpense": "Amortisation of the capitalised commissions.",
    "WriteOffExpense": "Unamortised balance written off when a contract is cancelled.",
    "AccruedCommissions": "Liability: earned but not yet paid.",
    "DrawReceivable": "Recoverable draws advanced to reps and not yet recovered.",
    "PayrollClearing": "Paid through payroll.",
}

JOURNAL_ACCOUNTS = TableSchema(
    name="JournalAccounts",
    sheet="Finance",
    description="Chart-of-accounts mapping of the journal: one row per entry type (and currency, when "
                "currencies book to different ledgers).",
    fields=(
        Field("Entry", "choice", "The entry type: " + ", ".join(JOURNAL_ENTRIES) + ".",
              choices=tuple(JOURNAL_ENTRIES), example="ContractCostAsset"),
        Field("Currency", "text", "Only this currency; blank: any (a row naming the currency wins).", blank=True),
        Field("Account", "text", "Ledger account number.", example="1460"),
        Field("AccountName", "text", "Account name, for the reader.", required=False, blank=True,
              example="Capitalised contract costs"),
        Field("CostCentre", "text", "Cost centre booked with the account; blank: none.", blank=True,
              example="SALES-NA"),
    ),
    key=("Entry", "Currency"),
    required=False,
    min_rows=0,
)

#: What a payroll export column may hold.
PAYROLL_SOURCES = ("PayeeID", "PayeeName", "EarningCode", "Component", "Currency", "Amount", "PayDate",
                   "PayMonth", "Fixed")

PAYROLL_COLUMNS = TableSchema(
    name="PayrollColumns",
    sheet="Finance",
    description="Layout of the payroll export (salesops-xl export payroll): one row per CSV column, in order.",
    fields=(
        Field("Header", "text", "Column header in the CSV.", example="Employee Number"),
        Field("Source", "choice", "What the column holds: " + ", ".join(PAYROLL_SOURCES) + " (Fixed: Value).",
              choices=PAYROLL_SOURCES, example="PayeeID"),
        Field("Value", "text", "The text of a Fixed column (e.g. a company code); else blank.", blank=True),
    ),
    required=False,
    min_rows=0,
)

EARNING_CODES = TableSchema(
    name="EarningCodes",
    sheet="Finance",
    description="Payroll earning code of each Payout Summary component.",
    fields=(
        Field("Component", "choice", "A Payout Summary component.", choices=COMPONENTS, example="Commission"),
        Field("EarningCode", "text", "The payroll system's earning code.", example="COMM"),
    ),
    key=("Component",),
    required=False,
    min_rows=0,
)

ACCOUNTING_TABLES: tuple[TableSchema, ...] = (CAP_POLICY, DEAL_TERMS, JOURNAL_ACCOUNTS, PAYROLL_COLUMNS,
                                              EARNING_CODES)

#: Sheets recalc writes when the workbook has a CapPolicy row (removed when it no longer has one).
ACCOUNTING_SHEETS = ("Contract Costs", "Commission Register", "Amortisation", "Close", "Journal")
