"""Sample finance tables of workbooks/commissions.xlsx: the capitalisation policy, contract terms, the chart of
accounts of the journal and the payroll export layout of a fictitious company (Northwind Traders)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def accounting_tables(deals: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The finance tables for the sample ``deals`` (terms of renewals and expansions cycle 12/24/36 months)."""
    policy = pd.DataFrame([
        (None, "NewBusiness", "Capitalise", "CustomerLife", 48, "Yes"),
        (None, "Expansion", "Capitalise", "ContractTerm", 24, "Yes"),
        (None, "Renewal", "Capitalise", "ContractTerm", 12, "Yes"),
        ("SDR", "Pipeline", "Expense", None, None, None),
    ], columns=["PlanID", "Measure", "Treatment", "PeriodOfBenefit", "Months", "PracticalExpedient"])
    termed = deals[deals["Measure"].isin(["Renewal", "Expansion"])].drop_duplicates("DealID")
    cycle = np.array([12, 24, 36])
    terms = pd.DataFrame({"DealID": termed["DealID"].to_numpy(),
                          "TermMonths": cycle[np.arange(len(termed)) % 3].astype(np.float64)})
    accounts = pd.DataFrame([
        ("ContractCostAsset", None, "1460", "Capitalised contract costs", None),
        ("CommissionExpense", None, "6110", "Sales commissions", "SALES"),
        ("AmortisationExpense", None, "6115", "Amortisation of contract costs", "SALES"),
        ("WriteOffExpense", None, "6116", "Impairment of contract costs", "SALES"),
        ("AccruedCommissions", None, "2150", "Accrued commissions", None),
        ("DrawReceivable", None, "1230", "Draw advances receivable", None),
        ("PayrollClearing", None, "2190", "Payroll clearing", None),
        ("PayrollClearing", "EUR", "2191", "Payroll clearing EUR", None),
        ("PayrollClearing", "GBP", "2192", "Payroll clearing GBP", None),
    ], columns=["Entry", "Currency", "Account", "AccountName", "CostCentre"])
    columns = pd.DataFrame([
        ("Company", "Fixed", "NWT01"), ("Employee ID", "PayeeID", None), ("Employee Name", "PayeeName", None),
        ("Earning Code", "EarningCode", None), ("Currency", "Currency", None), ("Amount", "Amount", None),
        ("Pay Date", "PayDate", None), ("Period", "PayMonth", None),
    ], columns=["Header", "Source", "Value"])
    codes = pd.DataFrame([
        ("Commission", "COMM"), ("SPIFs", "SPIF"), ("Bonuses", "BONUS"), ("Adjustments", "ADJ"),
        ("PriorPeriodAdjustments", "COMMADJ"), ("DrawTopUp", "DRAWG"), ("DrawAdvance", "DRAWA"),
        ("DrawRecovery", "DRAWR"),
    ], columns=["Component", "EarningCode"])
    return {"CapPolicy": policy, "DealTerms": terms, "JournalAccounts": accounts, "PayrollColumns": columns,
            "EarningCodes": codes}
