"""Bad input: every problem is located (table, row, column, cell, value) and explained; all come at once.

QuotaRoster columns in these workbooks: A RepID, B RepName, C ManagerID, D Status, E HireDate, F TermDate,
G Currency, H Potential, I Floor, J Ceiling (row 1 is the header).
"""
from __future__ import annotations

import pytest

from salesops_xl.errors import InputError

from quota_helpers import D, booked, capacity, flat, rule, run, seat, workbook


def problems(src) -> str:
    with pytest.raises(InputError) as e:
        run(src)
    return str(e.value)


# -- the list -----------------------------------------------------------------------------------

def test_missing_history_for_a_rep():
    text = problems(workbook([seat("A"), seat("B")], [rule(method="History")], history=flat("A", 100_000)))
    assert ("quotas-test.xlsx, sheet 'QuotaRoster', table QuotaRoster: row 3, column RepID, cell A3: no "
            "BookingsHistory rows for this rep, employed during the history year (2025-01 to 2025-12); a rule above "
            "it allocates by History; found \"B\"; expected BookingsHistory rows for the rep (an Amount of 0 if "
            "nothing was booked)") in text


def test_missing_history_when_phasing_by_history():
    text = problems(workbook([seat("A"), seat("B")], history=flat("A", 100_000), plan_kw={"phasing": "History"}))
    assert "row 3, column RepID, cell A3: no BookingsHistory rows for this rep" in text
    assert "Phasing is History" in text


def test_negative_potential_in_the_roster_and_in_accounts():
    accounts = [{"AccountID": "X1", "RepID": "B", "Potential": -10.0}]
    text = problems(workbook([seat("A", potential=-5), seat("B")], [rule(method="Potential")], accounts=accounts))
    assert "table QuotaRoster: row 2, column Potential, cell H2: negative; found -5; expected an amount (a number) " \
           "of at least 0" in text
    assert "table AccountPotential: row 2, column Potential, cell C2: negative; found -10" in text


def test_blend_weights_not_summing_to_100_percent():
    text = problems(workbook([seat("A")], [rule(method="Blend", even=0.5, history=0.3, potential=0.1)]))
    assert "table AllocationRules: row 2, column HistoryWeight, cell D2: the blend weights of Company total " \
           "90.0000%; expected EvenWeight + HistoryWeight + PotentialWeight = 100%" in text


def test_a_hire_with_no_start_date():
    text = problems(workbook([seat("A", hire=None), seat("REQ", status="Open", hire=None)]))
    assert "table QuotaRoster: row 2, column HireDate, cell E2: a rep without a HireDate; expected the first day " \
           "of employment (a date)" in text
    assert "row 3, column HireDate, cell E3: an open requisition without a planned start date; expected the date " \
           "the seat is planned to start" in text


def test_a_target_below_the_sum_of_floors():
    text = problems(workbook([seat("A", floor=700_000), seat("B", floor=500_000)]))
    assert "table QuotaRoster: row 2, column Floor, cell I2: the floors of the reports of Company total " \
           "1,200,000.00 USD, above the 1,000,000.00 USD to allocate there; expected floors totalling at most " \
           "1,000,000.00 USD" in text


def test_a_team_target_below_the_floors_of_its_reps_names_the_manager():
    seats = [seat("M1"), seat("A", "M1", floor=400_000), seat("B", "M1", floor=400_000), seat("M2"), seat("C", "M2")]
    text = problems(workbook(seats))
    # M1 gets 2/3 of 1,000,000 = 666,667, below 800,000 of floors
    assert "the floors of the reports of M1 total 800,000.00 USD, above the 666,667.00 USD to allocate there" in text


# -- hierarchy and rules -------------------------------------------------------------------------------------

def test_unknown_manager_own_manager_and_loops():
    seats = [seat("A", "NOBODY"), seat("B", "B"), seat("C", "D"), seat("D", "C")]
    text = problems(workbook(seats))
    assert "row 2, column ManagerID, cell C2: unknown manager; found \"NOBODY\"" in text
    assert "row 3, column ManagerID, cell C3: a rep is their own manager; found \"B\"" in text
    assert "manager loop in the roster; found \"" in text and "C -> D -> C" in text or "D -> C -> D" in text


def test_rules_missing_company_unknown_node_and_weights_on_a_single_method():
    rules = [rule("ZZZ", "Even"), rule("A", "History", history=1.0)]
    text = problems(workbook([seat("A"), seat("B", "A")], rules, history=flat("B", 1)))
    assert "table AllocationRules: no rule for the Company; expected a row with Node = Company" in text
    assert "row 2, column Node, cell A2: unknown node; found \"ZZZ\"" in text
    assert "row 3, column HistoryWeight, cell D3: a blend weight on a rule whose Method is History; found 1; " \
           "expected Method Blend, or blank weights" in text


def test_over_assignment_out_of_range():
    text = problems(workbook([seat("A")], [rule(oa=0.9)]))
    assert "column OverAssignment, cell F2: out of range; found 0.9; expected a percentage (25% or 0.25) between " \
           "100% and 200%" in text


def test_termination_before_hire_floor_above_ceiling_reserved_id():
    seats = [seat("A", hire=D(2026, 5, 1), term=D(2026, 4, 1)), seat("B", floor=10, ceiling=5), seat("Company")]
    text = problems(workbook(seats))
    assert "row 2, column TermDate, cell F2: termination before hire" in text
    assert "row 3, column Ceiling, cell J3: a ceiling below the floor; found 5; expected an amount of at least the " \
           "Floor 10" in text
    assert "row 4, column RepID, cell A4: 'Company' is the name of the top of the hierarchy" in text


def test_currency_without_a_planning_rate():
    text = problems(workbook([seat("A", currency="EUR")]))
    assert "row 2, column Currency, cell G2: no planning rate for EUR; found \"EUR\"; expected a PlanFXRates row " \
           "for EUR (units of EUR per USD)" in text


# -- history, potential ------------------------------------------------------------------------------------

def test_history_unknown_rep_month_outside_the_year_and_outside_employment():
    hist = booked("ZED", [1]) + booked("A", [1], year=2026) + booked("N", [5_000], first_month=3)
    text = problems(workbook([seat("A"), seat("N", hire=D(2025, 6, 1))], history=hist,
                             plan_kw={"phasing": "History"}))
    assert "table BookingsHistory: row 2, column RepID, cell A2: unknown rep; found \"ZED\"" in text
    assert "row 3, column Month, cell B3: a month outside the history year; found \"2026-01\"; expected a month of " \
           "the history year, 2025-01 to 2025-12" in text
    assert "row 4, column Month, cell B4: bookings of N in 2025-03, before the HireDate 2025-06-01" in text


def test_negative_run_rate():
    hist = flat("A", 100_000) + booked("B", [-1_000] * 12)
    text = problems(workbook([seat("A"), seat("B")], [rule(method="History")], history=hist))
    assert "row 3, column RepID, cell A3: the history bookings of this rep total -12,000.00, below 0" in text


def test_potential_missing_given_twice_and_all_zero():
    accounts = [{"AccountID": "X1", "RepID": "B", "Potential": 10.0}]
    text = problems(workbook([seat("A"), seat("B", potential=3)], [rule(method="Potential")], accounts=accounts))
    assert "row 2, column Potential, cell H2: no potential for this seat, and a rule above it allocates by " \
           "Potential" in text
    assert "row 3, column Potential, cell H3: potential given twice: here and in AccountPotential" in text
    text = problems(workbook([seat("A", potential=0), seat("B", potential=0)], [rule(method="Potential")]))
    assert "table AllocationRules: row 2, column Method, cell B2: the Potential basis of the reports of Company " \
           "totals 0" in text


def test_no_seat_employed_in_the_plan_year():
    text = problems(workbook([seat("A", term=D(2025, 6, 30))]))
    assert "table QuotaPlan: row 2, column Target, cell B2: no seat under the Company is employed in the plan year" \
           in text


def test_history_month_without_any_rep_employed():
    text = problems(workbook([seat("A", hire=D(2025, 4, 1))], history=booked("A", [1] * 9, first_month=4),
                             plan_kw={"phasing": "History"}))
    assert "no rep was employed in history month 2025-01, so it has no seasonal index" in text


# -- plan tables, ramp, profile ------------------------------------------------------------------------------

def test_one_row_tables_rounding_unit_and_typing():
    src = workbook([seat("A")], plan_kw={"unit": 0.001},
                   extra={"CapacityPlan": [capacity()] * 2})
    text = problems(src)
    assert "table QuotaPlan: row 2, column RoundingUnit, cell E2: less than one cent; found 0.001" in text
    assert "table CapacityPlan: row 3, column Productivity, cell A3: table CapacityPlan has 2 rows; expected " \
           "exactly one row" in text
    text = problems(workbook([seat("A")], plan_kw={"target": "1,000,000"}))
    assert "column Target, cell B2: a number stored as text (convert it to a number in Excel)" in text


def test_ramp_curve_with_a_gap_or_going_down():
    text = problems(workbook([seat("A")], extra={"RampCurve": [{"Month": 1, "Pct": 0.5}, {"Month": 3, "Pct": 0.8}]}))
    assert "table RampCurve: column Month: the ramp months are not 1, 2, 3... without gaps (missing 2)" in text
    text = problems(workbook([seat("A")], ramp=[0.5, 0.4]))
    assert "table RampCurve: row 3, column Pct, cell B3: the ramp goes down; found 0.4; expected at least the " \
           "previous month's 50%" in text


def test_profile_phasing_needs_all_twelve_months():
    text = problems(workbook([seat("A")], extra={"SeasonalProfile": [{"Month": "2026-01", "Weight": 1}]},
                             plan_kw={"phasing": "Profile"}))
    assert "table SeasonalProfile: column Month: months without a weight: 2026-02, 2026-03" in text


def test_every_problem_is_reported_in_one_go():
    seats = [seat("A", hire=None), seat("B", "NOBODY"), seat("C", potential=-1)]
    with pytest.raises(InputError) as e:
        run(workbook(seats, [rule(method="Blend", even=0.5)]))
    assert len(e.value.problems) >= 4
    assert str(e.value).startswith(f"{len(e.value.problems)} problems in the input; nothing was written:")
