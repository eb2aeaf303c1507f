"""The commission rules of docs/commissions.md, one hand-computed case each.

Amounts are in currency units; the arithmetic is in the comment above each assertion.
"""
from __future__ import annotations

import pytest

from salesops_xl.errors import InputError

from helpers import D, deal, lines, measure, payable, payout, rep, run, tiers, workbook


# -- crediting --------------------------------------------------------------------------------------

def test_split_credits_each_rep_by_its_share():
    src = workbook(reps=[rep("A"), rep("B")],
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 15), split=0.6),
                          deal("D1", "B", 10_000, D(2026, 1, 15), split=0.4)])
    r = run(src)
    # A: 10,000 x 60% = 6,000; B: 10,000 x 40% = 4,000
    assert payout(r, "A", "2026-01")["Credit"] == pytest.approx(6_000)
    assert payout(r, "B", "2026-01")["Credit"] == pytest.approx(4_000)
    # quota 100,000, 5% below 100%: A 6,000 x 5% = 300; B 4,000 x 5% = 200
    assert payable(r, "A", "2026-01") == 300.00
    assert payable(r, "B", "2026-01") == 200.00


def test_splits_that_do_not_total_100_percent_are_refused_with_the_row():
    src = workbook(reps=[rep("A"), rep("B")],
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 15), split=0.6),
                          deal("D1", "B", 10_000, D(2026, 1, 15), split=0.3)])
    with pytest.raises(InputError) as e:
        run(src)
    text = str(e.value)
    assert "splits of deal D1 total 90.0000%" in text
    assert "table Deals: row 2, column SplitPct" in text


def test_a_bad_split_names_every_row_of_the_deal_with_its_share():
    # before: only the deal's first row was named, and the fix may be on any of them
    src = workbook(reps=[rep("A"), rep("B"), rep("C")],
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 15), split=0.6),
                          deal("D2", "C", 5_000, D(2026, 1, 20)),
                          deal("D1", "B", 10_000, D(2026, 1, 15), split=0.25),
                          deal("D1", "C", 10_000, D(2026, 1, 15), split=1 / 3)])
    with pytest.raises(InputError) as e:
        run(src)
    assert [str(p) for p in e.value.problems] == [
        "test.xlsx, sheet 'Deals', table Deals: row 2, column SplitPct, cell C2: the splits of deal D1 total "
        "118.3333% over its rows 2 (60%), 4 (25%), 5 (33.3333%); expected SplitPct over the deal's rows to total "
        "100%"]


# -- attainment -------------------------------------------------------------------------------------

def test_attainment_per_period_and_year_to_date():
    src = workbook(deals=[deal("D1", "A", 50_000, D(2026, 1, 10)), deal("D2", "A", 120_000, D(2026, 2, 10))])
    r = run(src)
    jan, feb = payout(r, "A", "2026-01"), payout(r, "A", "2026-02")
    assert jan["Attainment"] == pytest.approx(0.50)  # 50,000 / 100,000
    assert feb["Attainment"] == pytest.approx(1.20)  # 120,000 / 100,000
    assert feb["AttainmentYTD"] == pytest.approx(0.85)  # (50,000 + 120,000) / 200,000


# -- tiers ---------------------------------------------------------------------------------------------

def test_marginal_tiers_pay_each_band_at_its_own_rate():
    src = workbook(deals=[deal("D1", "A", 130_000, D(2026, 1, 10))])
    # 100,000 x 5% + 30,000 x 10% = 5,000 + 3,000 = 8,000
    assert payable(run(src), "A", "2026-01") == 8_000.00


def test_retroactive_tiers_pay_the_reached_rate_on_everything():
    src = workbook(measures=[measure(method="Retroactive")], deals=[deal("D1", "A", 130_000, D(2026, 1, 10))])
    # 130% attainment reaches the 10% band: 130,000 x 10% = 13,000
    assert payable(run(src), "A", "2026-01") == 13_000.00


def test_attainment_exactly_on_a_boundary_is_in_the_band_that_starts_there():
    src = workbook(measures=[measure(method="Retroactive")], deals=[deal("D1", "A", 100_000, D(2026, 1, 10))])
    # exactly 100%: band [100%, inf) at 10%: 100,000 x 10% = 10,000 (not 5,000)
    assert payable(run(src), "A", "2026-01") == 10_000.00


def test_boundary_reached_through_splits_that_add_up_in_floating_point():
    # 0.1 + 0.2 style noise: three splits of 1/3 of 300,000 must reach exactly 100% of a 100,000 quota
    reps = [rep("A"), rep("B"), rep("C")]
    deals = [deal("D1", r, 100_000, D(2026, 1, 10), split=s) for r, s in (("A", 0.7), ("B", 0.2), ("C", 0.1))]
    deals += [deal("D2", "A", 100_000 / 7 * 3, D(2026, 1, 11), split=1.0)]
    src = workbook(reps=reps, measures=[measure(method="Retroactive")], deals=deals)
    r = run(src)
    # A: 70,000 + 42,857.142857... = 112,857.14 -> 10% band: 11,285.71
    assert payable(r, "A", "2026-01") == 11_285.71


def test_payout_curve_marginal_slopes_with_accelerator():
    # annual target incentive 12,000 -> 1,000 a month; slopes 1.0 up to 100%, 2.0 above
    src = workbook(measures=[measure(rate_type="Multiple")],
                   tier_rows=tiers("T", (0, 1.0, 1.0), (1.0, None, 2.0)),
                   deals=[deal("D1", "A", 120_000, D(2026, 1, 10))])
    # 120%: 1.0 x 100% + 2.0 x 20% = 1.4 x 1,000 = 1,400
    assert payable(run(src), "A", "2026-01") == 1_400.00


def test_payout_curve_decelerator():
    src = workbook(measures=[measure(rate_type="Multiple")],
                   tier_rows=tiers("T", (0, 1.0, 1.0), (1.0, 1.5, 2.0), (1.5, None, 0.5)),
                   deals=[deal("D1", "A", 180_000, D(2026, 1, 10))])
    # 180%: 1.0 + 2.0 x 0.5 + 0.5 x 0.3 = 2.15 x 1,000 = 2,150
    assert payable(run(src), "A", "2026-01") == 2_150.00


def test_payout_curve_retroactive_is_a_step_curve():
    src = workbook(measures=[measure(rate_type="Multiple", method="Retroactive")],
                   tier_rows=tiers("T", (0, 0.5, 0.0), (0.5, 1.0, 0.5), (1.0, None, 1.2)),
                   deals=[deal("D1", "A", 80_000, D(2026, 1, 10))])
    # 80% reaches the [50%, 100%) step: 0.5 x 1,000 = 500
    assert payable(run(src), "A", "2026-01") == 500.00


def test_threshold_gate_pays_nothing_below_and_everything_from_it():
    m = measure(threshold=0.5)
    below = run(workbook(measures=[m], deals=[deal("D1", "A", 49_999, D(2026, 1, 10))]))
    at = run(workbook(measures=[m], deals=[deal("D1", "A", 50_000, D(2026, 1, 10))]))
    assert payable(below, "A", "2026-01") == 0.00  # 49.999% < 50%
    assert payable(at, "A", "2026-01") == 2_500.00  # 50,000 x 5%


def test_cap_as_percent_of_target_incentive():
    # target incentive 1,000 a month; cap 200% -> 2,000; uncapped 100,000 x 5% + 100,000 x 10% = 15,000
    src = workbook(measures=[measure(cap_type="PctOfTarget", cap_value=2.0)],
                   deals=[deal("D1", "A", 200_000, D(2026, 1, 10))])
    p = payout(run(src), "A", "2026-01")
    assert p["Payable"] == 200_000  # cents: 2,000.00
    assert p["CapApplied"] == 1_300_000  # 15,000 - 2,000 = 13,000.00


def test_cap_as_amount_per_period():
    src = workbook(measures=[measure(cap_type="Amount", cap_value=5_000)],
                   deals=[deal("D1", "A", 200_000, D(2026, 1, 10))])
    assert payable(run(src), "A", "2026-01") == 5_000.00  # min(15,000, 5,000)


def test_weighted_measures_share_the_target_incentive():
    ms = [measure("NB", weight=0.7, rate_type="Multiple"), measure("REN", weight=0.3, rate_type="Multiple")]
    src = workbook(measures=ms, tier_rows=tiers("T", (0, None, 1.0)),
                   deals=[deal("D1", "A", 100_000, D(2026, 1, 10), measure="NB"),
                          deal("D2", "A", 50_000, D(2026, 1, 12), measure="REN")])
    r = run(src)
    # monthly TI 1,000: NB 70% -> 700 at 100% = 700; REN 30% -> 300 at 50% = 150
    assert payable(r, "A", "2026-01", "NB") == 700.00
    assert payable(r, "A", "2026-01", "REN") == 150.00


# -- periods and the true-up -----------------------------------------------------------------------

def test_ytd_true_up_pays_ytd_earned_minus_already_paid():
    src = workbook(deals=[deal("D1", "A", 150_000, D(2026, 1, 10)), deal("D2", "A", 20_000, D(2026, 2, 10))],
                   as_of=D(2026, 2, 28))
    r = run(src)
    # Jan: 100,000 x 5% + 50,000 x 10% = 10,000 paid
    assert payable(r, "A", "2026-01") == 10_000.00
    # Feb YTD: 170,000 against 200,000 (85%): 170,000 x 5% = 8,500; already paid 10,000 -> -1,500
    assert payable(r, "A", "2026-02") == -1_500.00
    feb = lines(r, "A", "2026-02")
    # the deal line: 20,000 x 5% = 1,000; the true-up re-measures January's credit: 7,500 - 10,000 = -2,500
    assert feb.set_index("LineType").Amount.to_dict() == {"True-up": -250_000, "Deal": 100_000}


def test_payables_never_pay_twice_and_add_up_to_the_year():
    src = workbook(deals=[deal(f"D{m}", "A", 30_000 + 7_000 * m, D(2026, m, 5)) for m in range(1, 13)])
    r = run(src)
    p = r.payouts
    # the sum of monthly payables equals the rounded year-to-date earnings of December
    assert p.Payable.sum() == p[p.Period == "2026-12"].EarnedToDate.iloc[0]
    assert (p.Payable == p.EarnedToDate - p.PaidBefore).all()


def test_quarterly_measure_uses_quarter_quota_and_pays_in_the_last_month():
    src = workbook(measures=[measure(period="Quarter")], quota=300_000,
                   deals=[deal("D1", "A", 150_000, D(2026, 2, 10)), deal("D2", "A", 180_000, D(2026, 3, 20))])
    r = run(src)
    q1 = payout(r, "A", "2026-Q1")
    # 330,000 against 300,000 = 110%: 300,000 x 5% + 30,000 x 10% = 18,000, paid in March
    assert q1["Attainment"] == pytest.approx(1.1)
    assert q1["PayMonth"] == "2026-03"
    assert q1["Payable"] == 1_800_000


def test_period_basis_measures_each_period_on_its_own():
    src = workbook(measures=[measure(basis="Period")],
                   deals=[deal("D1", "A", 150_000, D(2026, 1, 10)), deal("D2", "A", 20_000, D(2026, 2, 10))],
                   as_of=D(2026, 2, 28))
    r = run(src)
    # Jan alone: 10,000; Feb alone: 20,000 x 5% = 1,000 (no YTD re-measurement)
    assert payable(r, "A", "2026-01") == 10_000.00
    assert payable(r, "A", "2026-02") == 1_000.00


# -- cancellations -------------------------------------------------------------------------------------

def test_cancellation_reverses_in_the_period_of_cancellation_without_rewriting_the_paid_one():
    src = workbook(measures=[measure(clawback=90)],
                   deals=[deal("D1", "A", 40_000, D(2026, 1, 10), cancel=D(2026, 3, 1)),
                          deal("D2", "A", 60_000, D(2026, 1, 20))], as_of=D(2026, 3, 31))
    r = run(src)
    # Jan: 100,000 x 5% = 5,000 (D1 still counts)
    assert payable(r, "A", "2026-01") == 5_000.00
    # Mar: YTD 60,000 / 300,000; earned 3,000; paid before 5,000 -> -2,000 in March
    assert payable(r, "A", "2026-03") == -2_000.00
    rev = lines(r, "A", "2026-03")
    assert list(rev.LineType) == ["Reversal"]
    assert rev.DealID.iloc[0] == "D1" and rev.Amount.iloc[0] == -200_000


def test_cancellation_outside_the_clawback_window_reverses_nothing():
    src = workbook(measures=[measure(clawback=30)],
                   deals=[deal("D1", "A", 40_000, D(2026, 1, 10), cancel=D(2026, 3, 1))], as_of=D(2026, 3, 31))
    r = run(src)
    # 50 days after close > 30-day window: the 2,000 commission stands, no reversal
    assert payout(r, "A", "2026-03")["EarnedToDate"] == 200_000
    assert "Reversal" not in set(r.lines.LineType)


# -- currencies ------------------------------------------------------------------------------------------

def test_deal_in_another_currency_is_converted_at_the_month_rate():
    src = workbook(reps=[rep("A", currency="EUR")],
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 10), currency="USD")],
                   fx=[{"Month": "2026-01", "FromCurrency": "USD", "ToCurrency": "EUR", "Rate": 0.9}])
    r = run(src)
    line = lines(r, "A", "2026-01").iloc[0]
    # 10,000 USD x 0.9 = 9,000 EUR credit; x 5% = 450 EUR
    assert line.FXRate == 0.9 and line.Credit == pytest.approx(9_000)
    assert payable(r, "A", "2026-01") == 450.00


def test_missing_fx_rate_is_an_error_naming_the_deal_row():
    src = workbook(reps=[rep("A", currency="EUR")], deals=[deal("D1", "A", 10_000, D(2026, 2, 10), currency="USD")])
    with pytest.raises(InputError) as e:
        run(src)
    assert "no FX rate USD->EUR for 2026-02" in str(e.value)
    assert "row 2" in str(e.value)


# -- money ---------------------------------------------------------------------------------------------

def test_rounding_is_half_away_from_zero_on_the_cent():
    # 2.5 x 5% = 0.125 -> 0.13
    src = workbook(deals=[deal("D1", "A", 2.5, D(2026, 1, 10))])
    assert payable(run(src), "A", "2026-01") == 0.13


def test_statement_lines_sum_exactly_to_the_payable():
    # three deals of 1/3 cent-fractions: 3 x 33.33 x 5% = 3 x 1.6665 = 4.9995 -> payable 5.00
    src = workbook(deals=[deal(f"D{i}", "A", 33.33, D(2026, 1, 10 + i)) for i in range(3)])
    r = run(src)
    assert payable(r, "A", "2026-01") == 5.00
    amounts = sorted(lines(r, "A", "2026-01").Amount.tolist())
    # each line is 1.6665 -> floors of 1.66 leave 2 cents for the largest remainders: 1.66, 1.67, 1.67
    assert amounts == [166, 167, 167] and sum(amounts) == 500


def test_adjustments_add_to_the_month_total():
    src = workbook(deals=[deal("D1", "A", 10_000, D(2026, 1, 10))],
                   adjustments=[{"RepID": "A", "Period": "2026-01", "Amount": 250.5, "Type": "SPIF",
                                 "Description": "launch"}], as_of=D(2026, 1, 31))
    r = run(src)
    s = r.summary.iloc[0]
    # commission 500 + SPIF 250.50 = 750.50
    assert (s.Commission, s.Adjustments, s.Total) == (50_000, 25_050, 75_050)
    assert lines(r, "A").Amount.sum() == 75_050
