"""Cell functions: Excel values in, Excel values out, the engine's numbers, never an exception."""
from __future__ import annotations

import datetime as dt

import pytest

from salesops_xl.addin import functions as F
from salesops_xl.territories import cells

KM01 = 6371.0 * 3.141592653589793 / 180 * 0.1  # 0.1 degree on the equator


def test_distance_scalar_and_ranges():
    assert cells.distance_km(0, 0, 0, 0.1) == pytest.approx(KM01, abs=1e-9)
    assert cells.distance_km([[0], [0]], [[0], [0]], [[0], [0]], [[0.1], [0.2]]) == \
        [[pytest.approx(KM01, abs=1e-9)], [pytest.approx(2 * KM01, abs=1e-9)]]
    assert F.sxl_distance([[0]], [[0]], [[0]], [[0.1]]) == pytest.approx(KM01, abs=1e-9)


def test_territory_balance_and_max_deviation():
    owners = [["A"], ["A"], ["B"], [None]]
    values = [[10], [20], [30], [99]]  # the unassigned unit counts in neither total nor target
    assert cells.territory_balance(owners, values) == [["Territory", "Total", "Target", "Deviation"],
                                                       ["A", 30.0, 30.0, 0.0], ["B", 30.0, 30.0, 0.0]]
    # capacities 2 : 1 -> targets 40 and 20: deviations -25% and +50%
    out = cells.territory_balance(owners, values, [["A"], ["B"]], [[2], [1]])
    assert out[1] == ["A", 30.0, 40.0, -0.25] and out[2] == ["B", 30.0, 20.0, 0.5]
    assert cells.max_deviation(owners, values, [["A"], ["B"]], [[2], [1]]) == 0.5


def test_compactness_is_the_workload_weighted_mean_distance_to_the_home():
    # u0 at the home of A (0 km), u1 0.1 degree from B's home with workload 3: (0 x 1 + 11.12 x 3) / 4
    out = cells.compactness([["A"], ["B"]], [[0], [0]], [[0], [0.1]], [[1], [3]], [["A"], ["B"]], [[0], [0]],
                            [[0], [0.2]])
    assert out == pytest.approx(3 * KM01 / 4, abs=1e-9)


def test_jain_index():
    assert cells.jain([[3], [1]]) == pytest.approx(0.8)  # (3 + 1)^2 / (2 x 10)
    assert cells.jain([[4], [2], [2]], [[2], [1], [1]]) == 1.0
    assert cells.jain([[0], [0]]).startswith("#DIV/0!")


def test_route_lead_is_the_engine_on_one_lead():
    reps = [["RepID", "Pools", "Languages", "DailyCapacity"], ["A", "P", "en", 5], ["B", "P", "en, es", 5]]
    settings = [["Setting", "Value"], ["DefaultPool", "P"]]
    serial = (dt.date(2026, 11, 23) - dt.date(1899, 12, 30)).days
    lead = [["LeadID", "CreatedDate", "Language"], ["L1", serial, "es"]]
    assert cells.route_lead(lead, reps, settings=settings) == [["B", "Round-robin", "pool P (DefaultPool)"]]
    # with the state of a previous run where B is due later than A, the next plain lead goes to A
    state = [["Pool", "RepID", "Weight", "StartLeads", "StartDue", "Leads", "Due"],
             ["P", "A", 1, 0, None, 3, 0.5], ["P", "B", 1, 0, None, 3, 1.0]]
    lead2 = [["LeadID", "CreatedDate"], ["L2", dt.datetime(2026, 11, 24)]]
    assert cells.route_lead(lead2, reps, state=state, settings=settings) == [["A", "Round-robin", "pool P (DefaultPool)"]]
    owners = [["AccountID", "RepID"], ["X", "B"]]
    lead3 = [["LeadID", "CreatedDate", "AccountID"], ["L3", serial, "X"]]
    assert cells.route_lead(lead3, reps, owners, settings=settings) == [["B", "Account owner",
                                                                          "owner of account X"]]
    assert F.sxl_route_lead(lead3, reps, owners, None, None, None, None, settings)[0][0] == "B"


@pytest.mark.parametrize("call,start", [
    (lambda: cells.distance_km("x", 0, 0, 0), "#VALUE! lat1 is text"),
    (lambda: cells.distance_km(91, 0, 0, 0), "#VALUE! lat1 must be between -90 and 90"),
    (lambda: cells.territory_balance([["A"], ["B"]], [[1]]), "#VALUE! values must have as many cells"),
    (lambda: cells.territory_balance([["A"]], [[1]], [["B"]]), "#VALUE! owner 'A' is not in reps"),
    (lambda: cells.max_deviation([["A"]], [["#N/A"]]), "#N/A"),
    (lambda: cells.jain([[1], [2]], [[1]]), "#VALUE! values and weights must have the same size"),
    (lambda: cells.route_lead([["LeadID"], ["L1"]], [["RepID"], ["A"]]), "#VALUE! Leads"),
    (lambda: cells.route_lead([["LeadID", "CreatedDate"], ["L1", 46349]], [["RepID", "DailyCapacity"], ["A", -1]]),
     "#VALUE! LeadReps row 2 DailyCapacity: negative"),
    (lambda: cells.route_lead([["LeadID"]], [["RepID"], ["A"]]), "#VALUE! lead must be a header row"),
])
def test_bad_arguments_give_an_error_value_never_an_exception(call, start):
    out = call()
    assert isinstance(out, str) and out.startswith(start), out


def test_route_lead_explains_a_segment_rule_for_a_lead_without_territory():
    # issue 23, defect 2: a blank lead Territory matched the segment-only rule's blank Territory: Rule "Territory"
    # with an empty Detail (#NUM! in the cell)
    reps = [["RepID", "Pools"], ["A", None], ["B", None]]
    rules = [["Territory", "Segment", "RepID", "Pool"], ["OR", None, "A", None], [None, "SMB", "B", None]]
    serial = (dt.date(2026, 11, 23) - dt.date(1899, 12, 30)).days
    lead = [["LeadID", "CreatedDate", "Segment"], ["L1", serial, "SMB"]]
    assert cells.route_lead(lead, reps, rules=rules) == [["B", "Segment", "segment SMB (RoutingRules row 3)"]]
