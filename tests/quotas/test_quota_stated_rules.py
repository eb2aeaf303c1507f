"""Rules docs/quotas.md states since issue 23 (its "silences"), each with the arithmetic worked out."""
from __future__ import annotations

import pytest
from quota_helpers import D, booked, cap_row, flat, months, quota, rule, run, run_rate, seat, workbook


def test_reps_directly_under_the_company_average_their_own_peers():
    # X and Y report to the Company (X has history 240,000; Y is new); M's team: A 600,000 and new B.
    seats = [seat("X"), seat("Y", hire=D(2026, 1, 1)), seat("M"), seat("A", "M"), seat("B", "M", hire=D(2026, 1, 1))]
    r = run(workbook(seats, [rule(method="History")], history=flat("X", 240_000) + flat("A", 600_000)))
    # Y's team average is the mean over the seats with their own run rate directly under the Company: X alone
    assert run_rate(r, "Y") == pytest.approx(240_000)
    assert run_rate(r, "B") == pytest.approx(600_000)


def test_blank_blend_weights_count_as_zero():
    seats = [seat("A"), seat("B")]
    r = run(workbook(seats, [rule(method="Blend", even=1.0, history=None, potential=None)]))
    assert quota(r, "A") == quota(r, "B") == 500_000  # 100% Even: blank History and Potential weights are 0%


def test_history_is_needed_only_by_seats_under_a_rule_using_it():
    # M's team allocates by History (A has history); N's team Even: its rep C has no history rows at all: no error
    seats = [seat("M"), seat("A", "M"), seat("N"), seat("C", "N")]
    r = run(workbook(seats, [rule(), rule("M", "History")], history=flat("A", 100_000)))
    assert quota(r, "C") == 500_000 and quota(r, "A") == 500_000


def test_the_hiring_plan_covers_the_annual_gap_and_a_negative_gap_hires_nobody():
    # target 500,000, current team 600,000 (one full-year rep at 50,000 a month): gap -100,000 -> no hires
    r = run(workbook([seat("A")], plan_kw={"target": 500_000}, cap_kw={"productivity": 600_000}))
    assert cap_row(r, "Gap after open requisitions") == -100_000
    assert cap_row(r, "New hires planned") == 0 and cap_row(r, "Gap left uncovered") == 0
    # a gap in some months but not over the year hires nobody either: the annual gap decides
    r = run(workbook([seat("A")], plan_kw={"target": 600_000, "phasing": "Profile"},
                     cap_kw={"productivity": 600_000}, profile=[2] + [1] * 11))
    assert (r.capacity.monthly.Gap.to_numpy() != 0).any() and cap_row(r, "New hires planned") == 0


def test_capacity_is_rounded_on_the_teams_month_not_per_seat():
    # three full-year reps at 100 a year x 1/3: 8.3333... a month each; the team's month 25.00 (not 3 x 8.33 = 24.99)
    r = run(workbook([seat("A"), seat("B"), seat("C")], plan_kw={"target": 300}, cap_kw={"productivity": 100}))
    assert r.capacity.monthly.CurrentTeam.tolist() == [2_500] * 12  # cents


def test_open_req_by_a_mid_month_req_open_date():
    # ReqOpenDate 2026-03-16, lag 2: earliest start May (month of ReqOpenDate + 2); OpenReqBy = max(Mar 1, Mar 16)
    r = run(workbook([seat("A")], plan_kw={"target": 2_000_000},
                     cap_kw={"productivity": 600_000, "lag": 2, "req_open": D(2026, 3, 16)}))
    hp = r.capacity.hires
    assert hp.StartMonth.iloc[0] == "2026-05" and str(hp.OpenReqBy.iloc[0])[:10] == "2026-03-16"


def test_a_history_month_totalling_zero_and_a_seat_of_potential_zero_are_warned_about():
    # two reps: 10,000 a month each, nothing in 2025-08 -> August's index is 0 and no seat gets quota in August
    hist = booked("A", [10_000] * 7 + [0] + [10_000] * 4) + booked("B", [10_000] * 7 + [0] + [10_000] * 4)
    r = run(workbook([seat("A"), seat("B")], history=hist, plan_kw={"phasing": "History"}))
    assert months(r, "A")[7] == 0
    assert any("2025-08 total 0" in w and "2026-08" in w for w in r.warnings)
    r = run(workbook([seat("A", potential=0), seat("B", potential=100)], [rule(method="Potential")]))
    assert quota(r, "A") == 0 and quota(r, "B") == 1_000_000
    assert any("potential 0" in w and "A" in w for w in r.warnings)


def test_over_assignment_by_level_with_reps_at_mixed_depths():
    # X reports to the Company beside manager M (over A and B); Company rule 110%, M's rule 120%
    seats = [seat("X"), seat("M"), seat("A", "M"), seat("B", "M")]
    r = run(workbook(seats, [rule(oa=1.1), rule("M", oa=1.2)], plan_kw={"target": 900_000}))
    from salesops_xl.quotas.outputs import level_frame
    lv = level_frame(r).set_index("Level")
    # level 0 -> 1: the Company's 900,000 x 1.1 = 990,000 split over X and M by FTE (1 vs 2): 330,000 / 660,000
    assert lv.loc["0 -> 1", "AssignedBelow"] == 99_000_000  # cents
    # level 1 -> 2: only M has reports: 660,000 -> 792,000 (X, a seat at depth 1, is not in this level)
    assert lv.loc["1 -> 2", "Target"] == 66_000_000 and lv.loc["1 -> 2", "AssignedBelow"] == 79_200_000
    # Company -> seats: X 330,000 + A 396,000 + B 396,000 = 1,122,000
    assert lv.loc["Company -> seats", "AssignedBelow"] == 112_200_000
