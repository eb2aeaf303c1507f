"""A problem that makes later checks meaningless suppresses them (issue 13, item 5), in the commission workbook.

A rep's blank or unknown PlanID made each of the rep's Quotas rows "the rep's plan has no such measure"
(11 problems for one cell on the sample); a payout currency without FX rates made each month of each
deal currency a problem of its own (10 for one typo in Roster[Currency]).
"""
from __future__ import annotations

import pytest

from salesops_xl.errors import InputError

from helpers import D, deal, months, rep, run, workbook


def problems(src) -> list[str]:
    with pytest.raises(InputError) as e:
        run(src)
    return [str(p) for p in e.value.problems]


@pytest.mark.parametrize("plan, said", [(None, "blank cell"), ("NOPE", 'unknown plan; found "NOPE"')])
def test_a_rep_without_a_known_plan_is_one_problem_not_one_per_quota_row(plan, said):
    quotas = [{"RepID": r, "Measure": "NB", "Period": p, "Quota": 100_000.0} for r in ("A", "B") for p in months()]
    src = workbook(reps=[rep("A", plan=plan), rep("B")], quotas=quotas, deals=[deal("D1", "B", 1_000, D(2026, 1, 5))])
    got = problems(src)
    assert len(got) == 1, got
    assert "table Roster: row 2, column PlanID, cell D2: " + said in got[0]


def test_a_payout_currency_without_rates_is_one_problem_naming_its_months():
    deals = [deal(f"D{m}", "A", 1_000, D(2026, m, 10), currency="USD") for m in range(1, 13)]
    src = workbook(reps=[rep("A", currency="XXX")], deals=deals,
                   fx=[{"Month": "2026-01", "FromCurrency": "USD", "ToCurrency": "EUR", "Rate": 0.9}])
    got = problems(src)
    assert got == [
        "test.xlsx, sheet 'Deals', table Deals: row 2, column Currency, cell G2: no FX rate USD->XXX for 12 months: "
        + ", ".join(months()) + "; FXRates has no rate into XXX at all: check the credited rep's Roster[Currency]; "
        'found "USD"; expected rows in FXRates with FromCurrency USD, ToCurrency XXX for those months (XXX is the '
        "payout currency of the credited rep or manager)"]


def test_a_few_missing_months_of_a_known_pair_are_one_problem_naming_them():
    deals = [deal(f"D{m}", "A", 1_000, D(2026, m, 10), currency="USD") for m in (1, 2, 3)]
    fx = [{"Month": "2026-02", "FromCurrency": "USD", "ToCurrency": "EUR", "Rate": 0.9}]
    got = problems(workbook(reps=[rep("A", currency="EUR")], deals=deals, fx=fx))
    assert len(got) == 1 and "row 2, column Currency, cell G2: no FX rate USD->EUR for 2 months: 2026-01, 2026-03; " \
        'found "USD"' in got[0]


def test_a_rep_missing_from_the_roster_is_one_problem_per_table_naming_its_rows():
    # before: one "unknown rep" per row (a blank RepID in the sample's Roster gave 44 problems); now one per
    # table and RepID, on its first row, naming the others, and pointing at the Roster row with a blank RepID
    quotas = [{"RepID": "B", "Measure": "NB", "Period": p, "Quota": 100_000.0} for p in months()]
    src = workbook(reps=[rep("A"), dict(rep("B"), RepID=None)], quotas=quotas,
                   deals=[deal(f"D{m}", "B", 1_000, D(2026, m, 10)) for m in (1, 2, 3)])
    got = problems(src)
    assert got == [
        "test.xlsx, sheet 'Roster', table Roster: row 3, column RepID, cell A3: blank cell; expected an identifier "
        "(text or a whole number)",
        "test.xlsx, sheet 'Quotas', table Quotas: row 2, column RepID, cell A2: unknown rep (also on rows 3, 4, 5, 6, "
        "7, 8, 9, 10, 11, 12 ...: 12 rows in all); found \"B\"; expected a RepID listed in the Roster (the Roster's "
        "row 3 has a blank RepID: is it this rep?)",
        "test.xlsx, sheet 'Deals', table Deals: row 2, column RepID, cell B2: unknown rep (also on rows 3, 4: 3 rows "
        "in all); found \"B\"; expected a RepID listed in the Roster (the Roster's row 3 has a blank RepID: is it "
        "this rep?)"]
