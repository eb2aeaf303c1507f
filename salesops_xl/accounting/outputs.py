"""The accounting sheets a commission recalculation writes when the workbook has a capitalisation policy:
Contract Costs (the asset roll-forward), Commission Register (every deal commission and its treatment),
Amortisation (per deal and month), Close (the accrual and what moved it, per month) and Journal (balanced
entries with their accounts)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..sheets import Column, SheetSpec, TableBlock
from .engine import AccountingResult, account, has_policy

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

ROLL_COLUMNS = (
    Column("Currency", "text"), Column("Month", "text"),
    Column("Opening", "money", description="Unamortised capitalised commissions at the start of the month."),
    Column("Capitalised", "money", description="Deal commissions capitalised (deals closed in the month)."),
    Column("Amortised", "money", description="Straight-line amortisation of the month."),
    Column("WrittenOff", "money", description="Unamortised balance written off on cancellation."),
    Column("Closing", "money", description="Opening + Capitalised - Amortised - WrittenOff."),
)
REGISTER_COLUMNS = (
    Column("DealID", "text"), Column("RepID", "text"), Column("RepName", "text"), Column("PlanID", "text"),
    Column("Measure", "text"), Column("Currency", "text"), Column("CloseDate", "date"),
    Column("Commission", "money", description="The deal's commission (its Deal statement lines)."),
    Column("Treatment", "text", width=46), Column("BenefitMonths", "int"),
    Column("FirstMonth", "text", description="First month amortised (the close month, or the next one for a "
                                             "close on the 16th or later)."),
    Column("LastMonth", "text"), Column("Capitalised", "money"), Column("Amortised", "money"),
    Column("WrittenOff", "money"), Column("Closing", "money"),
)
SCHEDULE_COLUMNS = (
    Column("DealID", "text"), Column("RepID", "text"), Column("Measure", "text"), Column("Currency", "text"),
    Column("Month", "text"),
    Column("MonthOfBenefit", "int", description="1 for the first month amortised; 0 for the capitalisation month "
                                                "before it."),
    Column("Opening", "money"), Column("Capitalised", "money"), Column("Amortised", "money"),
    Column("WrittenOff", "money"), Column("Closing", "money"),
)
CLOSE_COLUMNS = (
    Column("Currency", "text"), Column("Month", "text"),
    Column("OpeningAccrual", "money", description="Earned and not yet paid at the start of the month."),
    Column("Earned", "money", description="Commission, SPIFs, bonuses, adjustments, draws, clawbacks earned in "
                                          "the month (deal lines in their close month)."),
    Column("TrueUps", "money"), Column("PriorPeriodAdjustments", "money"),
    Column("Paid", "money", description="Paid in the month: Payout Summary's total of the pay month (this "
                                        "reverses the accrual)."),
    Column("ClosingAccrual", "money", description="The accrual to book at month end."),
    Column("Status", "text", width=16),
)
JOURNAL_COLUMNS = (
    Column("Date", "date", width=12), Column("Month", "text", width=10), Column("Entry", "text", width=22),
    Column("Account", "text"),
    Column("AccountName", "text", width=30), Column("Debit", "money"), Column("Credit", "money"),
    Column("Currency", "text"), Column("CostCentre", "text"), Column("Memo", "text", width=44),
)


def block(name: str, columns, frame: pd.DataFrame, anchor: str = "A1", total_rows=()) -> TableBlock:
    data = {}
    for c in columns:
        col = frame[c.name]
        if isinstance(col.dtype, pd.CategoricalDtype):  # each distinct value made text once
            text = np.append(_text(col.cat.categories.to_numpy()), _NONE)
            data[c.name] = text[col.cat.codes.to_numpy()]  # code -1 (blank) takes the None at the end
            continue
        v = col.to_numpy()
        if c.kind == "text":
            v = _text(v)
        elif c.kind == "date":
            v = v.astype("datetime64[D]")
        elif c.kind == "int":
            v = v.astype(np.float64)
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor, total_rows=tuple(total_rows))


def _text(values) -> np.ndarray:
    return np.array([None if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x) for x in values],
                    dtype=object)


def accounting_sheets(result) -> list[SheetSpec]:
    """The accounting sheets of a commission run; none when the workbook has no CapPolicy row."""
    if not has_policy(result.inputs):
        return []
    acc = account(result)
    return sheets_of(acc)


def amortisation_sheet(acc: AccountingResult) -> SheetSpec:
    """The per-deal schedule, whole, for filtering and recomputing on screen. Printed, it is one page saying where
    its totals print (a deal commission has a row per month: printing them all makes hundreds of pages that no
    reviewer reads); filtering a deal and printing the selection prints that deal's schedule."""
    n_items = int((acc.register["Treatment"].to_numpy() == "Capitalised").sum())
    notes = (("A1", "Amortisation schedule: each capitalised deal commission, month by month"),
             ("A2", f"{len(acc.schedule):,} rows for {n_items:,} deal commissions: "
                    "Opening + Capitalised - Amortised - WrittenOff = Closing on every row."),
             ("A3", "Printed, this sheet is this page: the month totals print on Contract Costs (the "
                    "roll-forward),"),
             ("A4", "each deal's totals on Commission Register. To print one deal: filter the table below and "
                    "print the selection."))
    return SheetSpec(name="Amortisation", tables=(block("AmortisationSchedule", SCHEDULE_COLUMNS, acc.schedule,
                                                        anchor="A6"),),
                     notes=notes, looks=(("A1", "title"),), freeze="C7", tab_color="548235",
                     print_area="A1:K4", print_rows="1:1")


def sheets_of(acc: AccountingResult) -> list[SheetSpec]:
    contract = SheetSpec(
        name="Contract Costs",
        tables=(block("AssetRollforward", ROLL_COLUMNS, acc.rollforward, anchor="A4"),),
        notes=(("A1", "Capitalised commissions (ASC 340-40 / IFRS 15): roll-forward"),  # short enough to print
               ("A2", "Per currency and month: Opening + Capitalised - Amortised - WrittenOff = Closing."),),
        looks=(("A1", "title"),), freeze="C5", tab_color="548235")
    register = SheetSpec(name="Commission Register",
                         tables=(block("ContractCostRegister", REGISTER_COLUMNS, acc.register),),
                         freeze="B2", tab_color="548235")
    schedule = amortisation_sheet(acc)
    close = SheetSpec(
        name="Close", tables=(block("CloseReport", CLOSE_COLUMNS, acc.close, anchor="A4"),),
        notes=(("A1", "Month-end close: accrued commissions"),
               ("A2", "ClosingAccrual = OpeningAccrual + Earned + TrueUps + PriorPeriodAdjustments - Paid: book it "
                      "at month end; payment reverses it."),),
        looks=(("A1", "title"),), freeze="C5", tab_color="548235")
    journal = SheetSpec(name="Journal", tables=(block("JournalEntries", JOURNAL_COLUMNS, acc.journal),),
                        freeze="C2", tab_color="548235")
    return [contract, register, schedule, close, journal]
