"""Holds and pay on collection (issue 15 item 6): docs/commissions.md, "Holds and pay on collection".

Hand-computed cases with the arithmetic in comments, a property (earned = paid to date + held, to the cent; lines
sum to the payout), bad input, and the accrual of held commission (earned, not lost).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import D, deal, lines, measure, payout, rep, run, tiers, workbook
from salesops_xl.errors import InputError

NO_QUOTAS = {"RepID": [], "Measure": [], "Period": [], "Quota": []}


def inv(iid, deal_id, day, amount):
    return {"InvoiceID": iid, "DealID": deal_id, "InvoiceDate": day, "Amount": amount}


def pay(pid, iid, day, amount):
    return {"PaymentID": pid, "InvoiceID": iid, "PaymentDate": day, "Amount": amount}


def hold(scope, ident, start, released=None, reason="credit check", by="Finance"):
    return {"Scope": scope, "ID": ident, "HoldFrom": start, "ReleasedIn": released, "Reason": reason, "By": by}


def book(pay_on="Payment", deals=(), invoices=(), payments=(), holds=(), rate=0.08, period="Month", reps=None,
         as_of=None):
    m = measure(period=period)
    m["PayOn"] = pay_on
    extra = {"Invoices": list(invoices) or {"InvoiceID": [], "DealID": [], "InvoiceDate": [], "Amount": []},
             "Payments": list(payments) or {"PaymentID": [], "InvoiceID": [], "PaymentDate": [], "Amount": []},
             "Holds": list(holds) or {"Scope": [], "ID": [], "HoldFrom": [], "ReleasedIn": [], "Reason": [],
                                      "By": []}}
    return workbook(reps=reps, measures=[m], tier_rows=tiers("T", (0, None, rate)), quotas=NO_QUOTAS,
                    deals=list(deals), extra_tables=extra, as_of=as_of)


# a deal of 10,000 closed in March at a flat 8%: commission 800.00
DEAL = [deal("D1", "A", 10_000, D(2026, 3, 10))]
INVOICES = [inv("INV-1", "D1", D(2026, 3, 12), 6_000), inv("INV-2", "D1", D(2026, 4, 2), 4_000)]
PAYMENTS = [pay("PAY-1", "INV-1", D(2026, 3, 20), 2_500), pay("PAY-2", "INV-1", D(2026, 4, 15), 3_500),
            pay("PAY-3", "INV-2", D(2026, 4, 28), 4_000)]


def cents(r, month, col="Payable"):
    return payout(r, "A", month)[col]


def test_pay_on_payment_releases_commission_as_cash_is_collected():
    r = run(book("Payment", DEAL, INVOICES, PAYMENTS))
    # March: 2,500 of 10,000 collected = 25%: payable 800 x 25% = 200.00; held 800 - 200 = 600.00
    assert cents(r, "2026-03") == 20_000 and cents(r, "2026-03", "HeldToDate") == 60_000
    assert cents(r, "2026-03", "EarnedToDate") == 80_000
    # April: PAY-2 brings it to 6,000 (60%): 480 - 200 = 280.00; PAY-3 to 10,000 (100%): 800 - 480 = 320.00
    assert cents(r, "2026-04") == 60_000 and cents(r, "2026-04", "HeldToDate") == 0
    assert cents(r, "2026-04", "PaidBefore") == 20_000  # EarnedToDate 800 - HeldToDate 600 of March
    march = lines(r, "A", "2026-03")
    assert list(march.LineType) == ["Deal", "Held"] and list(march.Amount) == [80_000, -60_000]
    assert march.Note.iloc[1].startswith("pays on payment: 25% of the deal collected by 2026-03")
    april = lines(r, "A", "2026-04")
    assert list(april.LineType) == ["Released", "Released"] and list(april.Amount) == [28_000, 32_000]
    assert april.Note.iloc[0] == "payment PAY-2 of 2026-04-15 on invoice INV-1: 60% of the deal collected"
    assert set(april.DealID) == {"D1"}
    (h,) = r.held.to_dict("records")
    assert (h["Kind"], h["DealID"], h["Earned"], h["PaidToDate"], h["Held"]) == ("Pay on payment", "D1", 80_000,
                                                                                  80_000, 0)


def test_pay_on_invoice_releases_as_the_deal_is_invoiced():
    r = run(book("Invoice", DEAL, INVOICES, PAYMENTS))
    # March: 6,000 of 10,000 invoiced = 60%: 480.00 payable, 320.00 held; April: INV-2 brings 100%: 320.00
    assert cents(r, "2026-03") == 48_000 and cents(r, "2026-03", "HeldToDate") == 32_000
    assert cents(r, "2026-04") == 32_000 and cents(r, "2026-04", "HeldToDate") == 0


def test_booking_is_the_default_and_pays_at_close():
    r = run(book(None, DEAL, INVOICES, PAYMENTS))
    assert cents(r, "2026-03") == 80_000 and cents(r, "2026-03", "HeldToDate") == 0
    assert not len(r.held) and not r.lines.LineType.isin(["Held", "Released"]).any()


def test_partial_payment_rounds_half_away_from_zero_on_the_cumulative_share():
    # 1,000.00 deal at 1.25%: commission 12.50; 1,000 invoiced; paid 333.33, then 333.33, then 333.34
    d = [deal("D1", "A", 1_000, D(2026, 2, 1))]
    ps = [pay("P1", "I1", D(2026, 2, 5), 333.33), pay("P2", "I1", D(2026, 3, 5), 333.33),
          pay("P3", "I1", D(2026, 4, 5), 333.34)]
    r = run(book("Payment", d, [inv("I1", "D1", D(2026, 2, 2), 1_000)], ps, rate=0.0125))
    # Feb: 12.50 x 33.333% = 4.1666 -> 4.17 (1,250 cents x 0.33333 = 416.66 -> 417)
    # Mar: 12.50 x 66.666% = 8.3333 -> 8.33: released 8.33 - 4.17 = 4.16
    # Apr: 12.50 x 100% = 12.50: released 12.50 - 8.33 = 4.17; 4.17 + 4.16 + 4.17 = 12.50
    assert [cents(r, m) for m in ("2026-02", "2026-03", "2026-04")] == [417, 416, 417]
    assert [cents(r, m, "HeldToDate") for m in ("2026-02", "2026-03", "2026-04")] == [833, 417, 0]


def test_an_uncollected_deal_stays_held_and_a_cancellation_reverses_the_held_part_first():
    d = [deal("D1", "A", 10_000, D(2026, 3, 10), cancel=D(2026, 6, 2))]
    r = run(book("Payment", d, [inv("I1", "D1", D(2026, 3, 11), 10_000)],
                 [pay("P1", "I1", D(2026, 3, 25), 2_500)]))
    # March: 800 earned, 25% paid (200), 600 held. June: the reversal of -800 is 25% collected: -200 taken back,
    # -600 taken off the held balance (a Held line of +600): held 0, and June pays -200
    assert cents(r, "2026-03") == 20_000
    assert cents(r, "2026-06") == -20_000 and cents(r, "2026-06", "HeldToDate") == 0
    assert cents(r, "2026-06", "EarnedToDate") == 0


def test_a_manual_deal_hold_in_february_is_released_in_may():
    d = [deal("D1", "A", 10_000, D(2026, 2, 10)), deal("D2", "A", 5_000, D(2026, 3, 3))]
    r = run(book("Booking", d, holds=[hold("Deal", "D1", "2026-02", "2026-05", "Customer credit check", "J. Doe")]))
    # D1 earns 800.00 in February, withheld: February pays 0; D2's 400.00 in March is not held;
    # May releases 800.00 as a line naming the reason
    assert cents(r, "2026-02") == 0 and cents(r, "2026-02", "HeldToDate") == 80_000
    assert cents(r, "2026-03") == 40_000 and cents(r, "2026-04", "HeldToDate") == 80_000
    assert cents(r, "2026-05") == 80_000 and cents(r, "2026-05", "HeldToDate") == 0
    (rel,) = lines(r, "A", "2026-05").to_dict("records")
    assert rel["LineType"] == "Released" and rel["DealID"] == "D1" and rel["Amount"] == 80_000
    assert rel["Note"] == "release of hold: Customer credit check (J. Doe); held from 2026-02"
    (held,) = lines(r, "A", "2026-02").query("LineType == 'Held'").to_dict("records")
    assert held["Note"] == "hold: Customer credit check (J. Doe)" and held["Amount"] == -80_000
    (h,) = r.held.to_dict("records")
    assert (h["Kind"], h["ReleasedIn"], h["Earned"], h["PaidToDate"], h["Held"]) == (
        "Manual hold (deal)", "2026-05", 80_000, 80_000, 0)


def test_a_rep_hold_without_release_holds_every_positive_month_and_stays_held():
    d = [deal("D1", "A", 10_000, D(2026, 2, 10)), deal("D2", "A", 5_000, D(2026, 4, 3))]
    r = run(book("Booking", d, holds=[hold("Rep", "A", "2026-04", None, "audit")]))
    # February pays 800.00 (before the hold); April's 400.00 is held from then on
    assert cents(r, "2026-02") == 80_000 and cents(r, "2026-04") == 0
    assert cents(r, "2026-12", "HeldToDate") == 40_000
    (h,) = r.held.to_dict("records")
    assert (h["Kind"], h["ReleasedIn"], h["Held"]) == ("Manual hold (rep)", None, 40_000)
    assert r.summary.set_index("PayMonth").loc["2026-04", "Total"] == 0


def test_a_release_in_a_quarter_is_paid_with_the_quarter():
    d = [deal("D1", "A", 10_000, D(2026, 2, 10))]
    r = run(book("Booking", d, period="Quarter", holds=[hold("Deal", "D1", "2026-02", "2026-05")]))
    # Q1 (paid in March) is held; released in May, which is in Q2: paid with Q2 in June
    q1, q2 = payout(r, "A", "2026-Q1"), payout(r, "A", "2026-Q2")
    assert (q1["Payable"], q1["HeldToDate"], q2["Payable"], q2["HeldToDate"]) == (0, 80_000, 80_000, 0)


def test_held_commission_stays_in_the_accrual():
    from salesops_xl.accounting.engine import _close, _earned

    r = run(book("Payment", DEAL, INVOICES, PAYMENTS))
    close = _close(_earned(r.lines, r), r).set_index("Month")
    # March earns 800.00, pays 200.00: the accrual holds the 600.00 still held; April pays it and clears it
    assert close.loc["2026-03", "Earned"] == 80_000 and close.loc["2026-03", "Paid"] == 20_000
    assert close.loc["2026-03", "ClosingAccrual"] == 60_000 and close.loc["2026-04", "ClosingAccrual"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amounts=st.lists(st.integers(1, 2_000_000), min_size=1, max_size=4),
       shares=st.lists(st.lists(st.integers(1, 100), min_size=1, max_size=3), min_size=4, max_size=4),
       rate=st.sampled_from([0.08, 0.0125, 0.0333]), pay_on=st.sampled_from(["Payment", "Invoice"]),
       hold_from=st.integers(1, 12), hold_len=st.integers(0, 13))
def test_earned_is_paid_to_date_plus_held_and_lines_sum_to_the_payout(amounts, shares, rate, pay_on, hold_from,
                                                                      hold_len):
    deals, invoices, payments = [], [], []
    for k, a in enumerate(amounts):
        amount = a / 100
        deals.append(deal(f"D{k}", "A", amount, D(2026, 1 + k * 2, 5)))
        invoices.append(inv(f"I{k}", f"D{k}", D(2026, 1 + k * 2, 6), amount))
        left = a
        for j, s in enumerate(shares[k]):
            c = min(left, max(1, a * s // 300))
            if c <= 0:
                break
            payments.append(pay(f"P{k}-{j}", f"I{k}", D(2026, min(12, 1 + k * 2 + j), 20), c / 100))
            left -= c
    release = hold_from + hold_len
    holds = [hold("Rep", "A", f"2026-{hold_from:02d}", f"2026-{release:02d}" if release <= 12 else None)]
    r = run(book(pay_on, deals, invoices, payments, holds, rate=rate))
    p = r.payouts
    last = p.iloc[-1]
    # earned = paid to date + held, to the cent
    assert int(last.EarnedToDate) == int(p.Payable.sum()) + int(last.HeldToDate)
    assert (p.Payable == p.EarnedToDate - p.HeldToDate - p.PaidBefore).all()
    # statement lines sum exactly to each payout row and to the summary
    by = r.lines[r.lines.Measure.notna()].groupby("Period").Amount.sum()
    assert (by.reindex(p.Period).fillna(0).to_numpy() == p.Payable.to_numpy()).all()
    assert int(r.lines.Amount.sum()) == int(r.summary.Total.sum())
    # the Held Commission table ties to the held balance
    assert int(r.held.Held.sum()) == int(last.HeldToDate)
    assert (r.held.Earned == r.held.PaidToDate + r.held.Held).all()


# -- bad input --------------------------------------------------------------------------------------------

def _problems(source):
    with pytest.raises(InputError) as e:
        run(source)
    return e.value.problems


def test_a_payment_larger_than_its_invoice_is_refused_naming_the_row():
    ps = [pay("P1", "INV-1", D(2026, 3, 20), 5_000), pay("P2", "INV-1", D(2026, 4, 20), 1_000.01)]
    (p,) = _problems(book("Payment", DEAL, INVOICES, ps))
    assert (p.sheet, p.table, p.row, p.column, p.value) == ("Payments", "Payments", 3, "Amount", 1_000.01)
    assert "6,000.01" in p.message and "6,000.00" in p.expected


def test_a_payment_for_an_unknown_invoice_and_an_invoice_for_an_unknown_deal_are_refused():
    probs = _problems(book("Payment", DEAL, INVOICES + [inv("INV-9", "D9", D(2026, 3, 1), 10)],
                           [pay("P1", "INV-7", D(2026, 3, 20), 5)]))
    got = {(p.table, p.column, p.value, p.message) for p in probs}
    assert ("Invoices", "DealID", "D9", "an invoice for an unknown deal") in got
    assert ("Payments", "InvoiceID", "INV-7", "a payment for an unknown invoice") in got


def test_holds_of_unknown_deals_or_reps_and_releases_before_the_hold_are_refused():
    probs = _problems(book("Booking", DEAL, holds=[hold("Deal", "D9", "2026-02"), hold("Rep", "ZZ", "2026-02"),
                                                   hold("Deal", "D1", "2026-05", "2026-03")]))
    got = {(p.table, p.row, p.column, p.value, p.message) for p in probs}
    assert ("Holds", 2, "ID", "D9", "a hold on an unknown deal") in got
    assert ("Holds", 3, "ID", "ZZ", "a hold on an unknown rep") in got
    assert ("Holds", 4, "ReleasedIn", "2026-03", "released before it was held") in got


def test_a_team_measure_cannot_pay_on_payment():
    m = measure()
    t = measure("TEAM", weight=0.0)
    t.update(CreditSource="Team", SourceMeasure="NB", PayOn="Payment")
    m["PayOn"] = None
    src = workbook(reps=[rep("A")], measures=[m, t], tier_rows=tiers("T", (0, None, 0.08)), quotas=NO_QUOTAS,
                   deals=DEAL)
    probs = _problems(src)
    assert any(p.table == "PlanMeasures" and p.column == "PayOn" for p in probs)


def test_nothing_is_written_when_a_payment_is_bad(tmp_path):
    """The CLI recalc refuses the workbook and leaves it byte for byte as it was."""
    from salesops_xl.cli import main as cli
    from click.testing import CliRunner
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets
    from salesops_xl.commissions.sample import sample_tables

    t = sample_tables()
    t["Payments"] = t["Payments"].copy()
    t["Payments"].loc[0, "Amount"] = 10**9
    path = tmp_path / "bad.xlsx"
    write_sheets(None, str(path), commission_input_sheets(t))
    before = path.read_bytes()
    res = CliRunner().invoke(cli, ["recalc", str(path)])
    assert res.exit_code != 0 and "Payments" in res.output and "more than it was invoiced for" in res.output
    assert path.read_bytes() == before


# -- the sample workbook, through the batch door ---------------------------------------------------------

def test_the_sample_workbook_shows_held_commission_and_a_recalc_keeps_it(tmp_path):
    """The template's MGR NewBusiness pays on payment and has two manual holds: read back with openpyxl (not our
    reader), Held Commission ties (Earned = PaidToDate + Held per row; Held = the last HeldToDate of Payouts per
    rep), the release lines name their payments, and a CLI recalc of a copy writes the same table again."""
    import shutil
    import subprocess
    import sys

    import openpyxl
    import pandas as pd

    from helpers import TEMPLATES

    def tables(path, *names):
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
        out = []
        for name in names:
            ws = next(ws for ws in wb.worksheets if name in ws.tables)
            rows = list(ws[ws.tables[name].ref])
            out.append(pd.DataFrame([[c.value for c in r] for r in rows[1:]], columns=[c.value for c in rows[0]]))
        return out

    src = TEMPLATES / "commissions.xlsx"
    held, pay = tables(src, "HeldCommission", "Payouts")
    c = {k: (held[k].astype(float) * 100).round().astype(int) for k in ("Earned", "PaidToDate", "Held")}
    assert (c["Earned"] == c["PaidToDate"] + c["Held"]).all()
    assert {"Pay on payment", "Manual hold (deal)", "Manual hold (rep)"} <= set(held.Kind)
    last = pay.sort_values("Period", kind="mergesort").groupby(["RepID", "Measure"]).tail(1)
    held_by_rep = c["Held"].groupby(held.RepID).sum()
    held_by_rep = held_by_rep[held_by_rep != 0]
    last_by_rep = (last.HeldToDate.astype(float) * 100).round().astype(int).groupby(last.RepID).sum()
    assert held_by_rep.to_dict() == last_by_rep[last_by_rep != 0].to_dict()
    copy = tmp_path / "c.xlsx"
    shutil.copy(src, copy)
    res = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", str(copy)], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(tables(copy, "HeldCommission")[0], held)


def test_the_reps_statement_shows_what_is_held(tmp_path):
    import python_calamine as pc

    from salesops_xl.batch.statements import write_statements

    r = run(book("Payment", DEAL, INVOICES, PAYMENTS[:1]))  # only PAY-1 (25%) is ever collected
    write_statements(r, tmp_path, reps=["A"])
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "statement_A.xlsx")).get_sheet_by_name("Statement")
    items = {row[0]: row[1] for row in rows.to_python() if row and row[0]}
    # earned 800.00 = paid 200.00 (year to date) + held 600.00
    assert (items["Earned this year"], items["Year to date"], items["Held"]) == (800.0, 200.0, 600.0)
