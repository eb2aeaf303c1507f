"""The quota rules of docs/quotas.md, one hand-computed case each (arithmetic in the comments).

Amounts are in currency units; unless a test says otherwise: unit 1, even seasonality, default ramp
(25/50/75%, then 100%), everyone hired in 2020.
"""
from __future__ import annotations

import pytest

from salesops_xl.quotas.outputs import level_frame, person_frame

from quota_helpers import (D, below, booked, cap_row, flat, fte, local, months, quota, ramp_of, rule, run, run_rate,
                           seat, workbook)


# -- 1. employment and ramp ----------------------------------------------------------------------------

def test_default_ramp_is_25_50_75_then_100_from_the_hire_month():
    r = run(workbook([seat("A"), seat("N", hire=D(2026, 7, 1))]))
    assert ramp_of(r, "N") == [0, 0, 0, 0, 0, 0, 0.25, 0.5, 0.75, 1, 1, 1]
    assert ramp_of(r, "A") == [1.0] * 12


def test_mid_month_hire_counts_its_month_as_tenure_month_1():
    r = run(workbook([seat("A"), seat("N", hire=D(2026, 3, 16))]))
    assert ramp_of(r, "N") == [0, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1, 1, 1]


def test_a_december_hire_is_still_ramping_in_january():
    r = run(workbook([seat("A"), seat("N", hire=D(2025, 12, 1))]))
    # December 2025 is tenure month 1 (25%): January 50%, February 75%, March on 100%
    assert ramp_of(r, "N")[:4] == [0.5, 0.75, 1.0, 1.0]


def test_a_custom_ramp_curve():
    r = run(workbook([seat("A"), seat("N", hire=D(2026, 2, 1))], ramp=[0.0, 0.5]))
    assert ramp_of(r, "N") == [0, 0, 0.5] + [1.0] * 9


def test_termination_ends_the_seat_months_and_its_share():
    r = run(workbook([seat("A"), seat("T", term=D(2026, 6, 30))], plan_kw={"target": 900_000}))
    # FTE: A 12/12 = 1, T 6/12 = 0.5; 900,000 x 1/1.5 = 600,000 and x 0.5/1.5 = 300,000
    assert fte(r, "T") == pytest.approx(0.5)
    assert (quota(r, "A"), quota(r, "T")) == (600_000, 300_000)
    # the termination month (June) counts in full: 300,000 / 6 = 50,000 a month, then nothing
    assert months(r, "T") == [50_000] * 6 + [0] * 6


# -- 3. capacity (FTE) and the even split -----------------------------------------------------------------

def test_even_split_over_full_year_reps():
    r = run(workbook([seat(x) for x in "ABCD"]))
    # 1,000,000 / 4
    assert [quota(r, x) for x in "ABCD"] == [250_000] * 4
    assert below(r, "Company") == 1_000_000


def test_even_split_is_per_ramped_seat_so_a_new_hire_gets_its_ramped_share():
    r = run(workbook([seat("A"), seat("B"), seat("N", hire=D(2026, 7, 1))], plan_kw={"target": 950_000}))
    # FTE of N = (0.25 + 0.5 + 0.75 + 1 + 1 + 1) / 12 = 4.5 / 12 = 0.375; total 2.375
    assert fte(r, "N") == pytest.approx(0.375)
    # 950,000 x 1/2.375 = 400,000 (A, B); 950,000 x 0.375/2.375 = 150,000 (N)
    assert (quota(r, "A"), quota(r, "B"), quota(r, "N")) == (400_000, 400_000, 150_000)


def test_an_open_requisition_is_a_seat_from_its_planned_start():
    r = run(workbook([seat("A"), seat("REQ", status="Open", hire=D(2026, 7, 1))], plan_kw={"target": 1_375_000}))
    # FTE 1 and 0.375: 1,375,000 x 1/1.375 = 1,000,000; x 0.375/1.375 = 375,000
    assert (quota(r, "A"), quota(r, "REQ")) == (1_000_000, 375_000)
    pf = person_frame(r).set_index("NodeID")
    assert pf.loc["REQ", "Role"] == "Open seat" and "planned start 2026-07-01" in pf.loc["REQ", "Note"]


# -- 4. history and run rates -------------------------------------------------------------------------------

def test_history_shares_by_last_years_bookings():
    src = workbook([seat("A"), seat("B")], [rule(method="History")], history=flat("A", 600_000) + flat("B", 400_000))
    r = run(src)
    # full history year: run rate = bookings; shares 600/1000 and 400/1000 of 1,000,000
    assert (run_rate(r, "A"), run_rate(r, "B")) == (pytest.approx(600_000), pytest.approx(400_000))
    assert (quota(r, "A"), quota(r, "B")) == (600_000, 400_000)


def test_run_rate_annualises_a_partial_ramping_history_year():
    hist = flat("Y", 600_000) + booked("X", [15_000, 30_000, 45_000, 45_000, 45_000, 45_000], first_month=7)
    r = run(workbook([seat("X", hire=D(2025, 7, 1)), seat("Y")], [rule(method="History")], history=hist,
                     plan_kw={"target": 1_200_000}))
    # X worked July-December 2025 at 25%, 50%, 75%, 100%, 100%, 100%: H = 4.5 full-productivity months;
    # booked 225,000: run rate 12 x 225,000 / 4.5 = 600,000, the same as Y's -> 600,000 each
    assert run_rate(r, "X") == pytest.approx(600_000)
    assert (quota(r, "X"), quota(r, "Y")) == (600_000, 600_000)


def test_a_new_seat_gets_the_average_run_rate_of_its_team():
    seats = [seat("M"), seat("A", "M"), seat("B", "M"), seat("N", "M", hire=D(2026, 1, 1))]
    r = run(workbook(seats, [rule(method="History")], history=flat("A", 600_000) + flat("B", 400_000),
                     plan_kw={"target": 1_437_500}))
    # N: team average (600,000 + 400,000) / 2 = 500,000; FTE (0.25 + 0.5 + 0.75 + 9) / 12 = 0.875
    # bases: A 600,000, B 400,000, N 0.875 x 500,000 = 437,500; total 1,437,500 = the target
    assert run_rate(r, "N") == pytest.approx(500_000)
    assert person_frame(r).set_index("NodeID").loc["N", "RunRateSource"] == "Team average"
    assert (quota(r, "A"), quota(r, "B"), quota(r, "N")) == (600_000, 400_000, 437_500)


def test_a_team_without_history_uses_the_plan_average():
    seats = [seat("M1"), seat("A", "M1"), seat("B", "M1"), seat("M2"), seat("N", "M2", hire=D(2026, 1, 1))]
    r = run(workbook(seats, [rule(method="History")], history=flat("A", 600_000) + flat("B", 400_000)))
    assert run_rate(r, "N") == pytest.approx(500_000)  # (600,000 + 400,000) / 2 over the plan
    assert person_frame(r).set_index("NodeID").loc["N", "RunRateSource"] == "Plan average"


def test_less_history_than_min_history_months_counts_as_a_new_seat():
    hist = flat("A", 600_000) + flat("B", 400_000) + booked("X", [10_000, 20_000], first_month=11)
    seats = [seat("A"), seat("B"), seat("X", hire=D(2025, 11, 1))]
    r = run(workbook(seats, [rule(method="History")], history=hist))
    # X: H = 0.25 + 0.5 = 0.75 < 3 months -> team average (600,000 + 400,000) / 2 = 500,000
    assert run_rate(r, "X") == pytest.approx(500_000)
    r = run(workbook(seats, [rule(method="History")], history=hist, plan_kw={"min_history": 0.5}))
    # with MinHistoryMonths 0.5 its own: 12 x 30,000 / 0.75 = 480,000
    assert run_rate(r, "X") == pytest.approx(480_000)


# -- 5. potential ------------------------------------------------------------------------------------------------

def test_potential_shares_by_market_potential():
    seats = [seat("A", potential=1_000_000), seat("B", potential=2_000_000), seat("C", potential=3_000_000)]
    r = run(workbook(seats, [rule(method="Potential")], plan_kw={"target": 600_000}))
    # 600,000 x 1/6, 2/6, 3/6
    assert [quota(r, x) for x in "ABC"] == [100_000, 200_000, 300_000]


def test_account_based_potential_is_the_sum_of_the_seats_accounts():
    accounts = [{"AccountID": "A1", "RepID": "A", "Potential": 400_000},
                {"AccountID": "A2", "RepID": "A", "Potential": 600_000}]
    r = run(workbook([seat("A"), seat("B", potential=3_000_000)], [rule(method="Potential")], accounts=accounts))
    # A: 400,000 + 600,000 = 1,000,000; B 3,000,000 -> 25% / 75% of 1,000,000
    assert (quota(r, "A"), quota(r, "B")) == (250_000, 750_000)


# -- 6. blend, over-assignment, floors, ceilings, rounding ----------------------------------------------------

def test_blend_over_two_levels_example_of_the_docs():
    seats = [seat("MA"), seat("a1", "MA"), seat("a2", "MA"), seat("MB"), seat("b1", "MB")]
    hist = flat("a1", 600_000) + flat("a2", 400_000) + flat("b1", 500_000)
    r = run(workbook(seats, [rule(method="Blend", even=0.5, history=0.5, oa=1.10)], history=hist))
    # Company: X = 1,100,000; Even shares A 2/3, B 1/3; History A 1,000,000/1,500,000 = 2/3, B 1/3
    # A = 733,333.33 -> 733,333; B = 366,666.67 -> 366,667 (the missing unit to the larger remainder)
    assert (quota(r, "MA"), quota(r, "MB")) == (733_333, 366_667)
    assert below(r, "Company") == 1_100_000
    # A: X = round(733,333 x 1.1) = 806,666; blend 0.5 x 1/2 + 0.5 x 0.6 = 0.55 and 0.45:
    # a1 = 443,666.3 -> 443,666; a2 = 362,999.7 -> 363,000
    assert below(r, "MA") == 806_666
    assert (quota(r, "a1"), quota(r, "a2")) == (443_666, 363_000)
    # B: X = round(366,667 x 1.1) = 403,333.7 -> 403,334
    assert quota(r, "b1") == 403_334
    lv = level_frame(r)
    # seats total 443,666 + 363,000 + 403,334 = 1,210,000 = 121% of 1,000,000
    last = lv.iloc[-1]
    assert last.AssignedBelow == 121_000_000 and last.OverAssignment == pytest.approx(1.21)
    assert lv.iloc[1].Target == 110_000_000 and lv.iloc[1].AssignedBelow == 121_000_000  # level 1 -> 2, cents


def test_a_manager_rule_overrides_the_inherited_one():
    seats = [seat("M"), seat("A", "M", potential=1), seat("B", "M", potential=3)]
    r = run(workbook(seats, [rule(oa=1.0), rule("M", "Potential", oa=1.2)], plan_kw={"target": 500_000}))
    # M's own rule: Potential, 120%: 600,000 split 1/4 and 3/4
    assert below(r, "M") == 600_000
    assert (quota(r, "A"), quota(r, "B")) == (150_000, 450_000)


def test_a_floor_is_met_and_the_others_share_the_rest():
    r = run(workbook([seat("A", floor=300_000), seat("B"), seat("C"), seat("D")]))
    # A at its floor; 700,000 / 3 = 233,333.33 -> 233,334 (earliest row), 233,333, 233,333
    assert [quota(r, x) for x in "ABCD"] == [300_000, 233_334, 233_333, 233_333]
    assert person_frame(r).set_index("NodeID").loc["A", "Bound"] == "Floor"


def test_a_ceiling_caps_and_the_others_share_the_rest():
    r = run(workbook([seat("A", ceiling=100_000), seat("B"), seat("C"), seat("D")]))
    # A capped at 100,000; 900,000 / 3 = 300,000 each
    assert [quota(r, x) for x in "ABCD"] == [100_000, 300_000, 300_000, 300_000]


def test_a_floor_on_a_team_raises_its_target():
    seats = [seat("M1"), seat("A", "M1"), seat("B", "M1"), seat("M2", floor=500_000), seat("C", "M2")]
    r = run(workbook(seats))
    # even: M1 2/3, M2 1/3 of 1,000,000 = 333,333 < its floor -> M2 500,000, M1 the other 500,000 (250,000 each)
    assert (quota(r, "M1"), quota(r, "M2")) == (500_000, 500_000)
    assert (quota(r, "A"), quota(r, "B"), quota(r, "C")) == (250_000, 250_000, 500_000)


def test_bounds_that_push_others_past_their_own_bounds_are_resolved_together():
    seats = [seat("A", floor=500_000), seat("B", ceiling=150_000), seat("C"), seat("D")]
    r = run(workbook(seats))
    # A at 500,000, B at 150,000, C and D share 350,000 -> 175,000 each (within their bounds)
    assert [quota(r, x) for x in "ABCD"] == [500_000, 150_000, 175_000, 175_000]


def test_quotas_sum_exactly_at_the_rounding_unit():
    r = run(workbook([seat(x) for x in "ABC"], plan_kw={"unit": 1000}))
    # 1,000,000 / 3 = 333.33 thousands -> 334, 333, 333 thousands (largest remainder, earliest row)
    assert [quota(r, x) for x in "ABC"] == [334_000, 333_000, 333_000]
    for x in "ABC":
        assert all(m % 1000 == 0 for m in months(r, x)) and sum(months(r, x)) == quota(r, x)


def test_a_target_that_is_not_a_multiple_of_the_unit_is_rounded_with_a_warning():
    r = run(workbook([seat("A"), seat("B")], plan_kw={"target": 1_000_400, "unit": 1000}))
    assert quota(r, "A") + quota(r, "B") == 1_000_000
    assert any("not a multiple of the rounding unit" in w for w in r.warnings)


# -- 2 and 7. seasonality and phasing -------------------------------------------------------------------------

SEASON = [1] * 11 + [2]  # December twice an ordinary month


def test_history_seasonality_is_bookings_per_ramped_rep_month():
    hist = booked("A", [10_000 * w for w in SEASON]) + booked("B", [10_000 * w for w in SEASON])
    r = run(workbook([seat("A"), seat("B")], history=hist, plan_kw={"phasing": "History", "target": 260_000}))
    # per rep-month: 10,000 x w; mean 10,000 x 13/12 -> index 12/13 (Jan-Nov), 24/13 (December)
    assert r.season.tolist() == pytest.approx([12 / 13] * 11 + [24 / 13])
    # 130,000 each: 130,000 x (12/13) / 12 = 10,000 a month, December 20,000
    assert months(r, "A") == [10_000] * 11 + [20_000]
    # the Company target follows the index: 260,000 / 13 = 20,000, December 40,000
    assert months(r, "Company") == [20_000] * 11 + [40_000]


def test_hiring_during_the_history_year_is_not_taken_for_seasonality():
    ramp = [0] * 6 + [0.25, 0.5, 0.75, 1, 1, 1]
    hist = booked("A", [10_000 * w for w in SEASON]) + booked(
        "C", [10_000 * w * f for w, f in zip(SEASON[6:], ramp[6:])], first_month=7)
    r = run(workbook([seat("A"), seat("C", hire=D(2025, 7, 1))], history=hist, plan_kw={"phasing": "History"}))
    # C books its ramp share of the same pattern: per ramped rep-month still 10,000 x w
    assert r.season.tolist() == pytest.approx([12 / 13] * 11 + [24 / 13])


def test_profile_phasing():
    r = run(workbook([seat("A"), seat("B")], profile=[100] * 11 + [200],
                     plan_kw={"phasing": "Profile", "target": 260_000}))
    assert months(r, "A") == [10_000] * 11 + [20_000]


def test_a_seat_is_phased_by_season_times_ramp():
    r = run(workbook([seat("A"), seat("B", hire=D(2026, 10, 1))], plan_kw={"target": 1_120_000}))
    # FTE B = (0.25 + 0.5 + 0.75) / 12 = 0.125: 1,120,000 x 0.125 / 1.125 = 124,444.44 -> 124,444
    # months weights 0.25, 0.5, 0.75 of 1.5: 20,740.67, 41,481.33, 62,222 -> 20,741, 41,481, 62,222
    assert quota(r, "B") == 124_444
    assert months(r, "B") == [0] * 9 + [20_741, 41_481, 62_222]


def test_months_and_quarters_sum_to_the_annual_quota_with_ties_to_the_earlier_month():
    r = run(workbook([seat("A"), seat("B"), seat("N", hire=D(2026, 7, 1))], plan_kw={"target": 950_000}))
    # N: 150,000 over 0.25, 0.5, 0.75, 1, 1, 1 (of 4.5): 8,333.33, 16,666.67, 25,000, 33,333.33 x 3;
    # rounded down they miss 2: August (.67) then July (.33, earliest of the ties)
    assert months(r, "N") == [0] * 6 + [8_334, 16_667, 25_000, 33_333, 33_333, 33_333]
    # A: 400,000 / 12 = 33,333.33: the 4 missing units go to January-April
    assert months(r, "A") == [33_334] * 4 + [33_333] * 8


def test_a_manager_target_follows_its_team_months():
    seats = [seat("M"), seat("A", "M"), seat("N", "M", hire=D(2026, 7, 1))]
    r = run(workbook(seats, [rule(oa=1.0)], plan_kw={"target": 1_375_000}))
    team = [a + b for a, b in zip(months(r, "A"), months(r, "N"))]
    assert months(r, "M") == team and sum(team) == quota(r, "M") == 1_375_000


def test_local_currency_quota_at_the_planning_rate():
    r = run(workbook([seat("A"), seat("E", currency="EUR")], fx=[{"Currency": "EUR", "Rate": 0.92}]))
    # 500,000 USD x 0.92 = 460,000 EUR, months 38,333.33 -> 4 x 38,334 + 8 x 38,333
    assert local(r, "E") == 460_000
    assert (r.local_monthly[1] / 1).tolist() == [38_334] * 4 + [38_333] * 8


# -- 8. capacity and hiring plan --------------------------------------------------------------------------------

CAP = {"productivity": 600_000, "attainment": 0.85, "lag": 3, "req_open": D(2026, 1, 1)}


def test_hire_value_and_hires_needed_example_of_the_docs():
    r = run(workbook([seat("A")], plan_kw={"target": 1_510_000}, cap_kw=CAP))
    # a ramped rep books 600,000 x 85% / 12 = 42,500 a month: current team 12 x 42,500 = 510,000
    assert cap_row(r, "Current team capacity") == 510_000
    assert cap_row(r, "Gap: target - current team") == 1_000_000
    # earliest start: January + 3 months lag = April; one hire books 42,500 x (0.25+0.5+0.75+6) = 318,750
    hp = r.capacity.hires
    assert hp.StartMonth.tolist() == ["2026-04"] and hp.BookingsPerHire.tolist() == [31_875_000]  # cents
    # ceil(1,000,000 / 318,750) = ceil(3.14) = 4 hires, requisitions opened by January 1
    assert hp.Hires.tolist() == [4] and str(hp.OpenReqBy.iloc[0])[:10] == "2026-01-01"
    assert cap_row(r, "New hires capacity") == 4 * 318_750
    assert cap_row(r, "Gap left uncovered") == 0


def test_max_hires_per_month_spreads_hires_over_later_months():
    r = run(workbook([seat("A")], plan_kw={"target": 1_510_000}, cap_kw=dict(CAP, max_hires=1)))
    # April 318,750 (left 681,250); May 42,500 x 6.5 = 276,250 (left 405,000);
    # June 42,500 x 5.5 = 233,750 (left 171,250); July 42,500 x 4.5 = 191,250: covered
    hp = r.capacity.hires
    assert hp.StartMonth.tolist() == ["2026-04", "2026-05", "2026-06", "2026-07"]
    assert hp.Hires.tolist() == [1, 1, 1, 1]
    assert r.capacity.monthly.ReqsToOpen.tolist()[:4] == [1, 1, 1, 1]  # January-April, 3 months ahead


def test_a_gap_the_plan_cannot_close_is_reported():
    r = run(workbook([seat("A")], plan_kw={"target": 1_510_000}, cap_kw=dict(CAP, lag=10, max_hires=1)))
    # starts from November: 42,500 x 0.75 = 31,875 and December 42,500 x 0.25 = 10,625
    assert r.capacity.hires.Hires.tolist() == [1, 1]
    assert cap_row(r, "Gap left uncovered") == 1_000_000 - 31_875 - 10_625
    assert any("cannot close the gap" in w for w in r.warnings)


def test_attrition_is_a_monthly_retention():
    attrition = 1 - 0.99 ** 12  # monthly retention 0.99
    r = run(workbook([seat("A")], plan_kw={"target": 500_000}, cap_kw={"productivity": 600_000,
                                                                      "attrition": attrition}))
    # 50,000 a month x (1 + 0.99 + ... + 0.99^11) = 50,000 x (1 - 0.99^12) / 0.01 = 568,080.38
    expected = sum(round(50_000 * 0.99 ** m, 2) for m in range(12))
    assert cap_row(r, "Current team capacity") == pytest.approx(expected, abs=0.005)
    assert cap_row(r, "Monthly attrition") == pytest.approx(0.01)
    assert r.capacity.monthly.Headcount.tolist() == pytest.approx([0.99 ** m for m in range(12)])
    assert r.capacity.hires_by_month.sum() == 0  # 568,080 of capacity covers the 500,000 target


def test_open_seats_count_from_their_start_and_the_gap_after_them():
    seats = [seat("A"), seat("REQ", status="Open", hire=D(2026, 7, 1))]
    r = run(workbook(seats, plan_kw={"target": 1_000_000}, cap_kw={"productivity": 600_000}))
    # open seat: 50,000 x 4.5 = 225,000; gap after it 1,000,000 - 600,000 - 225,000 = 175,000
    assert cap_row(r, "Open requisitions capacity") == 225_000
    assert cap_row(r, "Gap after open requisitions") == 175_000
    m = r.capacity.monthly
    assert m.Gap.sum() == m.Target.sum() - m.Capacity.sum()
    assert m.Target.tolist() == [r.monthly[-1][k] * 100 for k in range(12)]  # the Company months, in cents


# -- optional columns, warnings ---------------------------------------------------------------------------------

def test_optional_columns_may_be_left_out_and_take_their_defaults():
    from salesops_xl.source import MemorySource

    src = MemorySource({
        "QuotaPlan": [{"PlanYearStart": D(2026, 1, 1), "Target": 1_000_000, "Phasing": "Even"}],
        "CapacityPlan": [{"Productivity": 600_000, "HiringLagMonths": 2}],
        "QuotaRoster": [{"RepID": "A", "RepName": "A", "ManagerID": None, "HireDate": D(2020, 1, 1),
                         "TermDate": None},
                        {"RepID": "B", "RepName": "B", "ManagerID": None, "HireDate": D(2026, 7, 1),
                         "TermDate": None}],
        "AllocationRules": [{"Node": "Company", "Method": "Even"}],
    }, workbook="minimal.xlsx")
    r = run(src)
    inp = r.inputs
    assert (inp.currency, inp.measure, inp.team_measure, inp.unit_cents) == ("USD", "NewBusiness", None, 100)
    assert inp.ramp.tolist() == [0.25, 0.5, 0.75] and inp.rules.oa.tolist() == [1.0]
    assert (inp.capacity.attainment, inp.capacity.attrition, inp.capacity.max_hires) == (1.0, 0.0, None)
    # FTE 1 and 0.375: 1,000,000 / 1.375 = 727,272.73 -> 727,273; 272,727.27 -> 272,727
    assert (quota(r, "A"), quota(r, "B")) == (727_273, 272_727)


def test_a_rule_on_a_seat_is_reported_as_unused():
    r = run(workbook([seat("A"), seat("B")], [rule(), rule("A", "Potential")]))
    assert any("A has no direct reports, so its rule is not used" in w for w in r.warnings)


def test_a_cohort_of_hires_ties_out_to_the_cent_everywhere():
    # issue 23: with 20% attrition the hiring plan's Bookings and BookingsPerHire were rounded from the unrounded
    # year while "New hires capacity" summed rounded months; now each month of one hire is rounded to the cent,
    # a cohort of n books n x that, and every figure is a sum of those rounded months
    r = run(workbook([seat("A")], plan_kw={"target": 4_900_000},
                     cap_kw={"productivity": 600_000, "attrition": 0.2, "max_hires": 10}))
    hp = r.capacity.hires
    assert hp.Hires.iloc[0] == 10 and hp.StartMonth.iloc[0] == "2026-01"
    rho = 0.8 ** (1 / 12)
    # one hire starting in January: 50,000 x ramp(m) x rho^m, each month rounded to the cent
    ramp = [0.25, 0.5, 0.75] + [1.0] * 9
    per_hire_months = [round(50_000 * ramp[m] * rho ** m * 100) for m in range(12)]
    assert hp.BookingsPerHire.iloc[0] == sum(per_hire_months)
    assert (hp.Bookings == hp.Hires * hp.BookingsPerHire).all()
    assert int(r.capacity.monthly.NewHires.sum()) == int(hp.Bookings.sum())
    assert round(cap_row(r, "New hires capacity") * 100) == int(hp.Bookings.sum())
