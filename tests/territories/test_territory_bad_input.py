"""Bad input: a clear error naming workbook, sheet, table, row, column, cell, value and expectation, or a
documented outcome (a lead no rep can take goes to the fallback queue, visibly)."""
from __future__ import annotations

import datetime as dt

import pytest

from salesops_xl.errors import InputError
from salesops_xl.source import MemorySource
from salesops_xl.territories.workflow import align_territories, recalc_territories, route_leads

import territory_align_helpers as A
import territory_lead_helpers as L


def problems(fn) -> str:
    with pytest.raises(InputError) as e:
        fn()
    return str(e.value)


def test_unknown_rep_negative_capacity_and_coordinates_out_of_range():
    units = [A.unit("u0", 0.0, owner="A"), A.unit("u1", 0.1, owner="NOBODY"), A.unit("u2", 200.0),
             A.unit("u3", 0.3, lat=95)]
    text = problems(lambda: A.inputs(A.workbook(units, [A.rep("A", 0.0, capacity=-1), A.rep("B", 0.3)])))
    assert "align.xlsx, sheet 'TerritoryUnits', table TerritoryUnits: row 3, column CurrentOwner, cell F3: " \
           "unknown rep; found \"NOBODY\"; expected a RepID listed in TerritoryReps, or blank" in text
    assert "table TerritoryReps: row 2, column Capacity, cell E2: negative; found -1; expected a number of at " \
           "least 0" in text
    assert "row 4, column Longitude, cell C4: out of range; found 200; expected a number between -180 and 180" in text
    assert "row 5, column Latitude, cell B5: out of range; found 95; expected a number between -90 and 90" in text


def test_a_unit_locked_to_two_reps():
    units = [A.unit("u0", 0.0), A.unit("u1", 0.1)]
    text = problems(lambda: A.inputs(A.workbook(units, [A.rep("A", 0.0), A.rep("B", 0.1)],
                                                locks=[("u0", "A"), ("u0", "B"), ("u9", "A"), ("u1", "C")])))
    assert "table UnitLocks: row 3, column RepID, cell B3: unit u0 is locked to two reps; found \"B\"; expected " \
           "one rep per unit (row 2 locks it to A)" in text
    assert "row 4, column UnitID, cell A4: unknown unit; found \"u9\"" in text
    assert "row 5, column RepID, cell B5: unknown rep; found \"C\"" in text


def test_locations_adjacency_and_settings():
    units = [A.unit("u0", None), A.unit("u1", None, lat=None, Region="XX"), A.unit("u2", None, lat=None)]
    text = problems(lambda: A.inputs(A.workbook(
        units, [A.rep("A", 0.0)], tolerance="150%", settings={"Foo": "1", "Centres": "Middle"},
        adjacency=[("u0", "u0"), ("u0", "nope")])))
    assert "row 2, column Longitude, cell C2: a location needs both a latitude and a longitude" in text
    assert "row 3, column Region, cell G3: unknown region code; found \"XX\"; expected a Region of the Regions " \
           "table or a US state code (CO, US-CO)" in text
    assert "row 4, column Latitude, cell B4: no location; expected Latitude and Longitude, or a Region code" in text
    assert "table AlignSettings: row 3, column Value, cell B3: not a tolerance; found \"150%\"" in text
    assert "unknown setting; found \"Foo\"; expected one of BalanceOn, Tolerance, DisruptionWeight, Centres, " \
           "Contiguity" in text
    assert "unknown Centres; found \"Middle\"; expected Home or Optimised" in text
    assert "a unit listed as its own neighbour; found \"u0\"" in text
    assert "column NeighbourID, cell B3: unknown unit; found \"nope\"" in text


def test_lead_tables():
    text = problems(lambda: L.inputs(L.source(
        [L.lead("L1"), L.lead("L1")], [L.rep("A", DailyCapacity=-2), L.rep("B")],
        owners=[{"AccountID": "X", "RepID": "ZZ"}],
        rules=[{"Territory": None, "Segment": None, "RepID": None, "Pool": "Nope"},
               {"Territory": "OR", "Segment": None, "RepID": "A", "Pool": None},
               {"Territory": "or", "Segment": None, "RepID": "B", "Pool": None}],
        ooo=[{"RepID": "A", "FirstDay": dt.date(2026, 11, 5), "LastDay": dt.date(2026, 11, 1)}],
        settings={"DefaultPool": "Q", "RoundRobinState": "Maybe"})))
    assert "leads.xlsx, sheet 'Leads', table Leads: row 3, column LeadID, cell A3: duplicate LeadID" in text
    assert "table LeadReps: row 2, column DailyCapacity, cell E2: negative; found -2; expected a whole number of " \
           "at least 0" in text
    assert "table AccountOwners: row 2, column RepID, cell B2: unknown rep; found \"ZZ\"" in text
    assert "table RoutingRules: row 2, column Pool, cell D2: unknown pool; found \"Nope\"" in text
    assert "row 2, column Territory, cell A2: a rule with neither Territory nor Segment" in text
    assert "row 4, column Territory, cell A4: a second rule for the same Territory and Segment; found \"or\"; " \
           "expected one rule per Territory and Segment (first on row 3)" in text
    assert "table OutOfOffice: row 2, column LastDay, cell C2: last day before the first day" in text
    assert "table LeadSettings: row 2, column Value, cell B2: unknown pool; found \"Q\"" in text
    assert "not Continue or Reset; found \"Maybe\"" in text


def test_no_eligible_rep_sends_the_lead_to_the_fallback_queue_with_the_reason():
    reps = [L.rep("A", Languages="en"), L.rep("B", Languages="en", Active="No")]
    res = L.run(L.source([L.lead("L1", Language="de")], reps, settings={"FallbackQueue": "Review queue"}))
    a = res.assignments.iloc[0]
    assert (a["AssignedTo"], a["Rule"]) == ("Review queue", "Fallback queue")
    assert a["Detail"] == "pool P: no eligible rep (1 inactive or weight 0, 1 without language 'de')"


def test_a_workbook_with_neither_half_is_refused():
    text = problems(lambda: recalc_territories(MemorySource({"Something": [{"A": 1}]}, workbook="x.xlsx")))
    assert "holds neither the alignment tables (TerritoryUnits, TerritoryReps) nor the lead tables" in text


def test_each_half_requires_its_own_tables():
    only_units = MemorySource({"TerritoryUnits": [A.unit("u0", 0.0)]}, workbook="x.xlsx")
    assert "the workbook has no Excel Table named TerritoryReps" in problems(lambda: align_territories(only_units))
    text = problems(lambda: route_leads(MemorySource({"LeadReps": [L.rep("A")]}, workbook="x.xlsx")))
    assert "x.xlsx, table Leads: the workbook has no Excel Table named Leads" in text
