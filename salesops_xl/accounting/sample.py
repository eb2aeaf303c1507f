"""Sample finance tables of workbooks/commissions.xlsx: the capitalisation policy, contract terms, the chart of
accounts of the journal and the payroll export layout of a fictitious company (Northwind Traders)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def accounting_tables(deals: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The finance tables for the sample ``deals``."""
    policy = pd.DataFrame([
        (None, "NewBusiness", "Capitalise", "ContractTerm", 24, "Yes"),
        ("MGR", "NewBusiness", "Capitalise", "CustomerLife", 48, "Yes"),
        (None, "Expansion", "Capitalise", "ContractTerm", 24, "Yes"),
        (None, "Renewal", "Capitalise", "ContractTerm", 12, "Yes"),
        ("SDR", "Pipeline", "Expense", None, None, None),
    ], columns=["PlanID", "Measure", "Treatment", "PeriodOfBenefit", "Months", "PracticalExpedient"])
    # new business and expansions: 12, 24 or 36 months; renewals: mostly a year (expensed under the practical
    # expedient), one in four for two years (amortised over its own term); a few deals left to the default
    one = deals.drop_duplicates("DealID")
    nb = one[one["Measure"].isin(["NewBusiness", "Expansion"])]
    rn = one[one["Measure"] == "Renewal"]
    nb_terms = np.array([12, 24, 36])[np.arange(len(nb)) % 3]
    rn_terms = np.where(np.arange(len(rn)) % 4 == 3, 24, 12)
    keep = np.arange(len(nb)) % 10 != 9  # every tenth new-business deal takes the policy's 24 months
    terms = pd.DataFrame({"DealID": np.concatenate([nb["DealID"].to_numpy()[keep], rn["DealID"].to_numpy()]),
                          "TermMonths": np.concatenate([nb_terms[keep], rn_terms]).astype(np.float64)})
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
