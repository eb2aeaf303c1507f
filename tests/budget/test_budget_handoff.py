"""The commission hand-off's rules on small in-memory workbooks (the file round trips: test_budget_workbook.py)."""
from __future__ import annotations

import pytest

from budget_helpers import D, line, person, workbook
from salesops_xl.budget.handoff import build_from_commissions
from salesops_xl.errors import WorkbookError
from salesops_xl.source import MemorySource


def _budget(actuals=()):
    src = workbook([person("R1"), person("R2", cc="CC2")], [line("CC1", "T&E", 1, 100.0)], list(actuals),
                   ccs=(("CC1", "One", "G"), ("CC2", "Two", "G")), plan_kw={"ActualsThrough": D(2026, 2, 28)},
                   fx=[("EUR", 0.8)])
    return src


def test_payouts_become_variable_comp_actuals_in_the_budget_currency():
    com = MemorySource({"PayoutSummary": [
        {"RepID": "R1", "PayMonth": "2026-01", "Currency": "EUR", "Total": 1000.0},  # 1,000 / 0.8 = 1,250 USD
        {"RepID": "R1", "PayMonth": "2026-01", "Currency": "USD", "Total": 10.0},  # same cost centre and month: adds
        {"RepID": "R2", "PayMonth": "2026-02", "Currency": "USD", "Total": 300.0},
        {"RepID": "R2", "PayMonth": "2026-03", "Currency": "USD", "Total": 999.0},  # March is not closed
    ], "WhatIfByRep": [{"RepID": "R2", "Currency": "EUR", "MeanCost": 40_000.0}]}, workbook="com.xlsx")
    res = build_from_commissions(com, _budget([line("CC1", "T&E", 1, 5.0)]))
    sheets = {s.name: s for s in res.sheets}
    act = sheets["Actuals"].tables[0].data
    rows = sorted(zip(act["CostCentre"], act["Category"], act["Month"], act["Amount"]))
    assert rows == [("CC1", "T&E", "2026-01", 5.0), ("CC1", "Variable comp", "2026-01", 1260.0),
                    ("CC2", "Variable comp", "2026-02", 300.0)]
    assert any("not closed yet" in w for w in res.warnings)
    hc = sheets["Headcount"].tables[0].data
    assert dict(zip(hc["PersonID"], hc["ExpectedVariable"]))["R2"] == 50_000.0  # 40,000 EUR / 0.8


def test_a_rep_outside_the_headcount_or_a_currency_without_rate_is_refused():
    com = MemorySource({"PayoutSummary": [{"RepID": "R9", "PayMonth": "2026-01", "Currency": "USD", "Total": 1.0}]},
                       workbook="com.xlsx")
    with pytest.raises(WorkbookError, match=r"table PayoutSummary: row 2, column RepID: rep 'R9' is not in"):
        build_from_commissions(com, _budget())
    com = MemorySource({"PayoutSummary": [{"RepID": "R1", "PayMonth": "2026-01", "Currency": "GBP", "Total": 1.0}]},
                       workbook="com.xlsx")
    with pytest.raises(WorkbookError, match="currency GBP has no rate in the budget's BudgetFX table"):
        build_from_commissions(com, _budget())


def test_ledger_rows_of_variable_comp_in_the_same_months_are_kept_with_a_warning():
    com = MemorySource({"PayoutSummary": [{"RepID": "R1", "PayMonth": "2026-01", "Currency": "USD", "Total": 7.0}]},
                       workbook="com.xlsx")
    res = build_from_commissions(com, _budget([line("CC1", "Variable comp", 1, 7.0)]))
    assert any("add up with them" in w for w in res.warnings)
