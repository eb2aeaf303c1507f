"""Commission accounting (docs/accounting.md): capitalisation, amortisation, roll-forward, accruals, journal,
and the payroll / journal exports. Hand-computed cases with the arithmetic in comments; property tests of the
invariants; the template workbook round trip is in test_accounting_workbook.py."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_xl.accounting import amortise as A
from salesops_xl.accounting.engine import account
from salesops_xl.accounting.exports import journal_rows, payroll_rows
from salesops_xl.batch.files import write_csv
from salesops_xl.errors import InputError, UsageError

from helpers import D, deal, measure, rep, run, tiers, workbook

FLAT_10 = tiers("T", (0, None, 0.10))  # 10% of credit, no quota needed
ACCOUNTS = [{"Entry": e, "Currency": None, "Account": str(1000 + i), "AccountName": e, "CostCentre": "CC1"}
            for i, e in enumerate(("ContractCostAsset", "CommissionExpense", "AmortisationExpense",
                                   "WriteOffExpense", "AccruedCommissions", "DrawReceivable", "PayrollClearing"))]


def policy(treatment="Capitalise", basis="ContractTerm", months=None, expedient="Yes", plan=None, meas="NB"):
    return {"PlanID": plan, "Measure": meas, "Treatment": treatment, "PeriodOfBenefit": basis, "Months": months,
            "PracticalExpedient": expedient}


def books(deals, *, policies=None, terms=None, cancellations=None, accounts=None, reps=None, measures=None,
          extra=None):
    tables = {"CapPolicy": policies or [policy()],
              "DealTerms": terms or {"DealID": [], "TermMonths": []}}
    if cancellations:
        tables["Cancellations"] = cancellations
    if accounts is not None:
        tables["JournalAccounts"] = accounts
    tables.update(extra or {})
    src = workbook(deals=deals, tier_rows=FLAT_10, reps=reps, measures=measures, extra_tables=tables)
    result = run(src)
    return result, account(result)


def rows(acc, deal_id, rep_id="A"):
    s = acc.schedule
    return s[(s.DealID == deal_id) & (s.RepID == rep_id)].set_index("Month")


# -- amortisation ---------------------------------------------------------------------------------------

def test_straight_line_by_month_from_the_close_month():
    # 24,000 deal at 10% = 2,400.00 commission, 24-month term, closed on the 10th: amortised from January,
    # 2,400 / 24 = 100.00 a month, January 2026 to December 2027
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=[{"DealID": "D1", "TermMonths": 24}])
    r = rows(acc, "D1")
    assert r.loc["2026-01", ["Opening", "Capitalised", "Amortised", "Closing"]].tolist() == \
        [0, 240000, 10000, 230000]
    assert list(r.index[[0, -1]]) == ["2026-01", "2027-12"] and len(r) == 24
    assert (r["Amortised"] == 10000).all() and r["Closing"].iloc[-1] == 0
    reg = acc.register.iloc[0]
    assert (reg.Treatment, reg.BenefitMonths, reg.FirstMonth, reg.LastMonth) == \
        ("Capitalised", 24, "2026-01", "2027-12")


def test_mid_month_rule_a_close_on_the_16th_starts_the_next_month():
    # 10,000 deal = 1,000.00 commission over 36 months, closed 16 January: capitalised in January, amortised from
    # February. Cumulative amortisation is rounded: round(1000 x 1/36) = 27.78, round(1000 x 2/36) = 55.56,
    # round(1000 x 3/36) = 83.33 -> months of 27.78, 27.78, 27.77; 36 months add up to 1,000.00 exactly
    _, acc = books([deal("D2", "A", 10_000, D(2026, 1, 16))], terms=[{"DealID": "D2", "TermMonths": 36}])
    r = rows(acc, "D2")
    assert r.loc["2026-01", ["Capitalised", "Amortised", "Closing", "MonthOfBenefit"]].tolist() == \
        [100000, 0, 100000, 0]
    assert r["Amortised"].iloc[1:4].tolist() == [2778, 2778, 2777]
    assert r.loc["2026-02", "MonthOfBenefit"] == 1 and r.index[-1] == "2029-01"
    assert r["Amortised"].sum() == 100000
    # the 15th still starts the same month
    _, acc = books([deal("D3", "A", 10_000, D(2026, 1, 15))], terms=[{"DealID": "D3", "TermMonths": 36}])
    assert rows(acc, "D3").loc["2026-01", "Amortised"] == 2778


def test_cancellation_in_month_7_of_24_writes_off_the_unamortised_balance():
    # 2,400.00 over 24 months from January; cancelled 20 July = month 7: January-June amortise 6 x 100 = 600,
    # July amortises nothing and writes off 2,400 - 600 = 1,800. Capitalised 2,400 = 600 + 1,800 + 0 closing
    result, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10), cancel=D(2026, 7, 20))],
                        terms=[{"DealID": "D1", "TermMonths": 24}])
    r = rows(acc, "D1")
    assert r.loc["2026-06", "Closing"] == 180000
    assert r.loc["2026-07", ["Opening", "Amortised", "WrittenOff", "Closing", "MonthOfBenefit"]].tolist() == \
        [180000, 0, 180000, 0, 7]
    assert r.index[-1] == "2026-07"
    reg = acc.register.iloc[0]
    assert (reg.Capitalised, reg.Amortised, reg.WrittenOff, reg.Closing) == (240000, 60000, 180000, 0)
    # the clawback itself (-2,400 in July, commission rule 9) reduces commission expense in the journal
    j = acc.journal[acc.journal.Month == "2026-07"]
    assert j[(j.Entry == "WriteOffExpense")].Debit.sum() == 180000
    assert j[(j.Entry == "CommissionExpense")].Credit.sum() == 240000


def test_partial_cancellation_writes_off_its_share_and_the_rest_carries_on():
    # 25% cancelled on 20 July (month 7 of 24): that quarter of 2,400 (600) amortised 6 x 25 = 150 and writes off
    # 450 in July; the other 1,800 amortises 75 a month. End of December 2026: 2,400 - 12 x 75 - 150 - 450 = 900
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=[{"DealID": "D1", "TermMonths": 24}],
                   cancellations=[{"DealID": "D1", "CancelDate": D(2026, 7, 20), "CancelledPct": 0.25}])
    r = rows(acc, "D1")
    assert r.loc["2026-06", "Amortised"] == 10000
    assert r.loc["2026-07", ["Amortised", "WrittenOff"]].tolist() == [7500, 45000]
    assert r.loc["2026-12", "Closing"] == 90000
    assert r.index[-1] == "2027-12" and r["Closing"].iloc[-1] == 0


def test_cancelled_in_its_own_month_never_counted_so_nothing_is_written_off():
    # a 40% cancellation on 25 January of a deal closed 10 January: commission rule 9 pays 60% only (1,440.00);
    # that is what is capitalised, and amortised in full without a write-off
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=[{"DealID": "D1", "TermMonths": 24}],
                   cancellations=[{"DealID": "D1", "CancelDate": D(2026, 1, 25), "CancelledPct": 0.4}])
    r = rows(acc, "D1")
    assert r["Capitalised"].sum() == 144000 and r["WrittenOff"].sum() == 0 and r["Amortised"].sum() == 144000


def test_practical_expedient_and_expense_policy_and_customer_life():
    terms = [{"DealID": "D1", "TermMonths": 12}, {"DealID": "D2", "TermMonths": 12}]
    # 12 months or less: expensed under the practical expedient, unless the policy says No
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=terms)
    assert acc.register.Treatment.iloc[0].startswith("Expensed (practical expedient") and not len(acc.schedule)
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=terms, policies=[policy(expedient="No")])
    assert acc.register.Treatment.iloc[0] == "Capitalised" and rows(acc, "D1")["Amortised"].tolist() == [20000] * 12
    # Expense: expensed when earned
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], policies=[policy("Expense", None)])
    assert acc.register.Treatment.iloc[0] == "Expensed (policy)"
    # CustomerLife: the policy's months, whatever the deal's term; a plan's own row wins over the any-plan row
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=terms,
                   policies=[policy("Expense", None), policy(basis="CustomerLife", months=48, plan="P")])
    assert acc.register.BenefitMonths.iloc[0] == 48 and rows(acc, "D1")["Amortised"].iloc[0] == 5000  # 2,400/48


def test_rollforward_per_month_balances():
    _, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10), cancel=D(2026, 7, 20)),
                    deal("D2", "A", 10_000, D(2026, 3, 16))],
                   terms=[{"DealID": "D1", "TermMonths": 24}, {"DealID": "D2", "TermMonths": 36}])
    rf = acc.rollforward.set_index("Month")
    # March: opening 2,400 - 2 x 100 = 2,200; + 1,000 capitalised (D2, amortised from April); - 100 (D1)
    assert rf.loc["2026-03", ["Opening", "Capitalised", "Amortised", "WrittenOff", "Closing"]].tolist() == \
        [220000, 100000, 10000, 0, 310000]
    assert (rf["Opening"].iloc[1:].to_numpy() == rf["Closing"].iloc[:-1].to_numpy()).all()


# -- accruals and the close --------------------------------------------------------------------------------

def test_quarterly_commission_is_accrued_until_its_pay_month():
    # a quarterly measure: a 5,000 deal on 10 January earns 500.00 in January, paid with the quarter in March;
    # the accrual is 500 at the end of January and February, reversed by the payment in March
    ms = [measure(period="Quarter")]
    _, acc = books([deal("D1", "A", 5_000, D(2026, 1, 10))], measures=ms, policies=[policy("Expense", None)])
    c = acc.close[acc.close.Currency == "USD"].set_index("Month")
    assert c.loc["2026-01", ["OpeningAccrual", "Earned", "Paid", "ClosingAccrual"]].tolist() == [0, 50000, 0, 50000]
    assert c.loc["2026-02", "ClosingAccrual"] == 50000
    assert c.loc["2026-03", ["Earned", "Paid", "ClosingAccrual"]].tolist() == [0, 50000, 0]


def test_true_ups_are_their_own_column_of_the_close():
    # tiers 5% to 100% of a 100,000 monthly quota, 10% above, YTD: January 120,000 pays 5,000 + 2,000 = 7,000;
    # February with no deal re-measures at the YTD quota of 200,000: 120,000 x 5% = 6,000, a -1,000 true-up
    src = workbook(deals=[deal("D1", "A", 120_000, D(2026, 1, 10))],
                   extra_tables={"CapPolicy": [policy("Expense", None)]})
    acc = account(run(src))
    c = acc.close.set_index("Month")
    assert c.loc["2026-01", "Earned"] == 700000 and c.loc["2026-02", "TrueUps"] == -100000


# -- the journal ------------------------------------------------------------------------------------------

def test_journal_balances_each_month_and_maps_the_accounts():
    result, acc = books([deal("D1", "A", 24_000, D(2026, 1, 10), cancel=D(2026, 7, 20))],
                        terms=[{"DealID": "D1", "TermMonths": 24}], accounts=ACCOUNTS)
    j = acc.journal
    by = j.groupby(["Month", "Currency"])[["Debit", "Credit"]].sum()
    assert (by.Debit == by.Credit).all()
    jan = j[j.Month == "2026-01"].set_index("Entry")
    # January: Dr asset 2,400 / Cr accrued 2,400; Dr amortisation 100 / Cr asset 100; paid: Dr accrued / Cr clearing
    assert jan.loc["AmortisationExpense", ["Account", "Debit", "CostCentre"]].tolist() == ["1002", 10000, "CC1"]
    assert j[(j.Month == "2026-01") & (j.Entry == "PayrollClearing")].Credit.sum() == 240000


def test_journal_mapping_missing_an_account_is_an_error_naming_table_column_and_value():
    with pytest.raises(InputError) as e:
        books([deal("D1", "A", 24_000, D(2026, 1, 10))], terms=[{"DealID": "D1", "TermMonths": 24}],
              accounts=[a for a in ACCOUNTS if a["Entry"] != "WriteOffExpense"])
        raise AssertionError("no error")
    assert "table JournalAccounts: column Entry: no account for journal entry WriteOffExpense in USD" in str(e.value)
    # a row without its Account: the row and column of the blank cell
    bad = [dict(a) for a in ACCOUNTS]
    bad[2]["Account"] = None
    with pytest.raises(InputError) as e:
        books([deal("D1", "A", 24_000, D(2026, 1, 10))], accounts=bad)
    assert "table JournalAccounts: row 4, column Account" in str(e.value)


def test_policy_with_no_match_for_a_measure_is_an_error_naming_the_plan_measure_row():
    with pytest.raises(InputError) as e:
        books([deal("D1", "A", 24_000, D(2026, 1, 10))], policies=[policy(meas="Other")])
    text = str(e.value)
    assert "table PlanMeasures: row 2, column Measure" in text and "no CapPolicy row" in text
    assert 'found "NB"' in text


def test_capitalised_deal_without_a_term_is_an_error_naming_the_deal_row():
    with pytest.raises(InputError) as e:
        books([deal("D1", "A", 24_000, D(2026, 1, 10))])
    assert "table Deals: row 2, column DealID" in str(e.value) and "DealTerms" in str(e.value)


# -- exports ----------------------------------------------------------------------------------------------

def _three_reps(extra=None):
    reps = [rep("A"), rep("B", name="=HYPERLINK(\"http://x\",\"pay\")"), rep("C", currency="EUR")]
    deals = [deal("D1", "A", 24_000, D(2026, 3, 10)), deal("D2", "B", 10_000, D(2026, 3, 20)),
             deal("D3", "C", 5_000, D(2026, 3, 2), currency="EUR")]
    src = workbook(reps=reps, deals=deals, tier_rows=FLAT_10, adjustments=[
        {"RepID": "A", "Period": "2026-03", "Amount": -12.5, "Type": "Correction", "Description": "x"}],
        extra_tables={"CapPolicy": [policy("Expense", None)], **(extra or {})})
    return run(src)


def test_payroll_export_ties_to_payout_summary_and_is_safe_against_formula_injection(tmp_path):
    result = _three_reps({"EarningCodes": [{"Component": "Commission", "EarningCode": "COMM"},
                                           {"Component": "Adjustments", "EarningCode": "ADJ"}],
                          "PayrollColumns": [{"Header": "Emp", "Source": "PayeeID"},
                                             {"Header": "Name", "Source": "PayeeName"},
                                             {"Header": "Code", "Source": "EarningCode"},
                                             {"Header": "Amt", "Source": "Amount"},
                                             {"Header": "Cur", "Source": "Currency"},
                                             {"Header": "Co", "Source": "Fixed", "Value": "-co"}]})
    out = payroll_rows(result, "2026-03")
    # A: 2,400.00 commission and -12.50 adjustment; B: 1,000.00; C: 500.00 EUR
    assert out[["Emp", "Code", "Amt", "Cur"]].values.tolist() == [
        ["A", "COMM", "2400.00", "USD"], ["A", "ADJ", "-12.50", "USD"], ["B", "COMM", "1000.00", "USD"],
        ["C", "COMM", "500.00", "EUR"]]
    path = write_csv(out, tmp_path / "pay.csv")
    with open(path, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    assert got[0] == ["Emp", "Name", "Code", "Amt", "Cur", "Co"]
    assert got[3][1] == "'=HYPERLINK(\"http://x\",\"pay\")" and got[1][5] == "'-co"
    assert got[2][3] == "-12.50"  # amounts are numbers, not neutralised text: they came from the engine
    assert {r.Currency: r.Total for r in result.summary[result.summary.PayMonth == "2026-03"]
            .groupby("Currency").Total.sum().reset_index().itertuples()} == {"USD": 338750, "EUR": 50000}


def test_payroll_export_errors():
    result = _three_reps({"EarningCodes": [{"Component": "Commission", "EarningCode": "COMM"}]})
    with pytest.raises(InputError) as e:
        payroll_rows(result, "2026-03")
    assert "table EarningCodes: column Component: no earning code for the Payout Summary component Adjustments" \
        in str(e.value)
    with pytest.raises(UsageError, match="2026-01 to 2026-12"):
        payroll_rows(result, "2026-3")


def test_journal_export_of_a_month(tmp_path):
    result = _three_reps({"JournalAccounts": ACCOUNTS})
    out = journal_rows(result, "2026-03")
    assert list(out.columns) == ["Date", "Account", "AccountName", "Debit", "Credit", "Currency", "CostCentre", "Memo"]
    clearing = out[out.Account == "1006"]
    assert sorted(clearing.Credit) == ["3387.50", "500.00"] and set(out.Date) == {"2026-03-31"}


# -- properties -------------------------------------------------------------------------------------------

@st.composite
def tranches(draw):
    n_items = draw(st.integers(1, 6))
    item, cents, start, months, end = [], [], [], [], []
    cap = np.array([draw(st.integers(24300, 24340)) for _ in range(n_items)], dtype=np.int64)
    for i in range(n_items):
        s = int(cap[i]) + draw(st.integers(0, 1))
        n = draw(st.integers(1, 40))
        for _ in range(draw(st.integers(1, 3))):
            item.append(i)
            cents.append(draw(st.integers(1, 10**9)))
            start.append(s)
            months.append(n)
            end.append(draw(st.one_of(st.just(int(A.NEVER)), st.integers(int(cap[i]), s + 45))))
    return item, cents, cap, start, months, end, n_items


def reference_schedule(item, cents, cap, start, months, end, n_items):
    """docs/accounting.md sections 3-4 one tranche and one month at a time, with exact fractions: month k of
    C over N amortises round(C k / N) - round(C (k - 1) / N), half away from zero; from the cancellation month on
    nothing is amortised and what is left is written off in it (or in the capitalisation month, if later)."""
    from fractions import Fraction
    from math import floor

    def amortised(c, k, n):
        return floor(Fraction(c * k, n) + Fraction(1, 2))

    moves = {}  # (item, month) -> [capitalised, amortised, written off]
    for i in range(n_items):
        moves[(i, int(cap[i]))] = [0, 0, 0]
    for i, c, s, n, e in zip(item, cents, start, months, end):
        moves[(i, int(cap[i]))][0] += c
        for k in range(1, n + 1):
            if s + k - 1 >= e:
                moves.setdefault((i, max(e, int(cap[i]))), [0, 0, 0])[2] += c - amortised(c, k - 1, n)
                break
            moves.setdefault((i, s + k - 1), [0, 0, 0])[1] += amortised(c, k, n) - amortised(c, k - 1, n)
    rows = []
    for i in range(n_items):
        last = max(m for (j, m) in moves if j == i)
        balance = 0
        for m in range(int(cap[i]), last + 1):
            c, a, w = moves.get((i, m), (0, 0, 0))
            rows.append((i, m, balance, c, a, w, balance + c - a - w))
            balance += c - a - w
    return rows


@settings(max_examples=60, deadline=None)
@given(tranches())
def test_schedule_invariants(t):
    item, cents, cap, start, months, end, n_items = t
    s = A.schedule(item, cents, cap, start, months, end, n_items)
    # every row balances, and each item's rows follow each other month by month
    assert (s.opening + s.capitalised - s.amortised - s.written_off == s.closing).all()
    same = s.item[1:] == s.item[:-1]
    assert (s.opening[1:][same] == s.closing[:-1][same]).all() and (s.month[1:][same] == s.month[:-1][same] + 1).all()
    # capitalised = amortised + written off + closing, per item; never a negative balance or amortisation
    for a in (s.capitalised, s.amortised, s.written_off):
        assert (np.bincount(s.item, weights=a, minlength=n_items) >= 0).all()
    tot = lambda a: np.bincount(s.item, weights=a, minlength=n_items)  # noqa: E731
    last = np.r_[np.flatnonzero(~same), len(s) - 1]
    assert np.array_equal(tot(s.capitalised), tot(s.amortised) + tot(s.written_off) + s.closing[last])
    assert (s.closing >= 0).all() and (s.amortised >= 0).all()
    assert tot(s.capitalised).sum() == sum(cents)
    # and row for row what the rules give one tranche and one month at a time
    got = list(zip(*(a.tolist() for a in (s.item, s.month, s.opening, s.capitalised, s.amortised, s.written_off,
                                          s.closing))))
    assert got == reference_schedule(item, cents, cap, start, months, end, n_items)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.integers(-5_000, 90_000), st.integers(1, 28),
                          st.integers(1, 12)), min_size=1, max_size=8))
def test_payroll_export_totals_are_the_payouts(deals_):
    reps = [rep("A"), rep("B"), rep("C", currency="EUR")]
    ds = [deal(f"D{i}", r, a, D(2026, m, d), currency="EUR" if r == "C" else "USD")
          for i, (r, a, d, m) in enumerate(deals_)]
    result = run(workbook(reps=reps, deals=ds, tier_rows=FLAT_10,
                          extra_tables={"CapPolicy": [policy(basis="CustomerLife", months=24)]}))
    acc = account(result)
    for month in ("2026-03", "2026-12"):
        out = payroll_rows(result, month)
        cents = out.attrs["cents"]
        s = result.summary[result.summary.PayMonth == month]
        assert int(cents.sum()) == int(s.Total.sum())
    rf = acc.rollforward
    for _, part in rf.groupby("Currency"):
        assert (part.Opening.iloc[1:].to_numpy() == part.Closing.iloc[:-1].to_numpy()).all()
        assert part.Capitalised.sum() == part.Amortised.sum() + part.WrittenOff.sum() + part.Closing.iloc[-1]
