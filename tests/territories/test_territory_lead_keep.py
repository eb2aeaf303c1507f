"""A lead once assigned keeps its rep; routing again only on request (docs/territories.md §14a; issue 23: defect 2,
behaviours 5 and 9)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from territory_lead_helpers import MONDAY, inputs, lead, rep, run, source, who

from salesops_xl.capabilities import detect
from salesops_xl.errors import InputError, ProblemCollector
from salesops_xl.territories.leads import load_leads, route
from salesops_xl.territories.template import input_sheets
from salesops_xl.xlsx.writer import write_sheets


def _next(prev, leads, reps, **kw):
    """The next run on a workbook holding ``prev``'s outputs (LeadAssignments and RoundRobinState)."""
    return run(source(leads, reps, previous=prev.assignments, state=prev.state.to_dict("records"), **kw))


LEADS4 = [lead(f"L{i}") for i in range(1, 5)]


def test_marking_a_rep_inactive_moves_none_of_the_leads_already_handed_out():
    reps = [rep("A"), rep("B")]
    first = run(source(LEADS4, reps))
    assert who(first) == ["A", "B", "A", "B"] and set(first.assignments["Origin"]) == {"Routed"}
    # the case: B marked inactive, the old leads stay in the table. Before: L2 and L4 moved to A.
    off = [rep("A"), rep("B", Active="No")]
    second = _next(first, LEADS4 + [lead("L5")], off)
    assert who(second) == ["A", "B", "A", "B", "A"]  # the four kept; only L5 is routed (B inactive)
    assert second.assignments["Detail"].tolist()[:4] == first.assignments["Detail"].tolist()
    assert any("2 lead(s) keep a rep who is inactive: L2 (B), L4 (B)" in w for w in second.inputs.warnings)
    # the round-robin state continued from the first run's end: A had 2, now 3
    assert second.state.set_index("RepID").loc["A", "Leads"] == 3


def test_reroute_moves_a_lead_once_and_says_what_moved():
    reps = [rep("A"), rep("B")]
    first = run(source(LEADS4, reps))
    off = [rep("A"), rep("B", Active="No")]
    marked = [dict(x) for x in LEADS4]
    marked[1]["Reroute"] = "Yes"
    second = _next(first, marked, off)
    a = second.assignments.set_index("LeadID")
    assert who(second) == ["A", "A", "A", "B"]
    assert a.loc["L2", "Origin"] == "Rerouted"
    assert a.loc["L2", "Detail"] == "rerouted on request (was B); pool P (DefaultPool)"
    # B's round-robin count gives the rerouted lead back: B 2 - 1 = 1; A 2 + 1 = 3
    st = second.state.set_index("RepID")
    assert st.loc["A", "Leads"] == 3 and st.loc["B", "Leads"] == 1
    # recalculating while the cell still says Yes keeps the new assignment: the same outputs
    third = _next(second, marked, off)
    assert third.assignments.equals(second.assignments) and third.state.equals(second.state)
    # the cell cleared: the row is kept as it is
    fourth = _next(third, LEADS4, off)
    assert fourth.assignments.equals(third.assignments)


def test_reroute_by_lead_id_as_the_cli_does():
    reps = [rep("A"), rep("B")]
    first = run(source(LEADS4, reps))
    src = source(LEADS4, [rep("A"), rep("B", Active="No")], previous=first.assignments,
                 state=first.state.to_dict("records"))
    problems = ProblemCollector()
    res = route(load_leads(src, problems, reroute=["L4"]))
    assert who(res) == ["A", "B", "A", "A"]
    with pytest.raises(InputError, match="--reroute names lead L9"):
        p = ProblemCollector()
        load_leads(src, p, reroute=["L9"])
        p.raise_if_any()


def test_an_assigned_column_keeps_the_lead_where_it_is():
    reps = [rep("A"), rep("B")]
    leads = [lead("L1", Assigned="B"), lead("L2"), lead("L3", Assigned="Unassigned")]
    res = run(source(leads, reps))
    a = res.assignments
    assert who(res) == ["B", "A", "Unassigned"]
    assert a["Rule"].tolist() == ["Assigned", "Round-robin", "Assigned"]
    assert a["Origin"].tolist() == ["Assigned", "Routed", "Assigned"]
    assert res.rules.set_index("Rule").loc["Assigned", "Leads"] == 2
    with pytest.raises(InputError, match="Assigned.*unknown rep"):
        inputs(source([lead("L1", Assigned="ZZ")], reps))


def test_kept_leads_count_toward_daily_capacity():
    reps = [rep("A", DailyCapacity=2), rep("B", DailyCapacity=2)]
    first = run(source(LEADS4, reps))
    second = _next(first, LEADS4 + [lead("L5")], reps)
    # A and B each hold two leads of Monday already: L5 finds nobody with room
    assert who(second)[-1] == "Unassigned"


def test_keep_assignments_no_routes_every_lead_again_as_before():
    reps = [rep("A"), rep("B")]
    first = run(source(LEADS4, reps, settings={"KeepAssignments": "No"}))
    off = [rep("A"), rep("B", Active="No")]
    second = _next(first, LEADS4, off, settings={"KeepAssignments": "No"})
    assert who(second) == ["A", "A", "A", "A"]


def test_a_run_with_nothing_to_route_leaves_the_state_as_it_was():
    reps = [rep("A", weight=2), rep("B")]
    first = run(source(LEADS4, reps))
    again = _next(first, LEADS4, reps)
    assert again.state.equals(first.state)  # start columns included: a recalculation changes nothing
    assert again.pools.equals(first.pools) and again.fairness.equals(first.fairness)
    assert again.load.equals(first.load) and again.rules.equals(first.rules)
    assert again.inputs.fingerprint == first.inputs.fingerprint


def test_a_blank_lead_territory_never_matches_a_blank_rule_territory():
    # defect 2: a lead without a Territory reaching a segment-only rule was labelled Territory with an empty
    # Detail, and RuleCounts under-counted Segment
    reps = [rep("A", pools=None), rep("B", pools=None)]
    rules = [{"Territory": "OR", "Segment": None, "RepID": "A", "Pool": None},
             {"Territory": None, "Segment": "SMB", "RepID": "B", "Pool": None}]
    res = run(source([lead("L1", Segment="SMB"), lead("L2", Territory="OR", Segment="SMB")], reps, rules=rules,
                     default_pool=None))
    a = res.assignments
    assert who(res) == ["B", "A"]
    assert a["Rule"].tolist() == ["Segment", "Territory"]
    # the Detail names the rule row that fired (the table's header is row 1: rules on rows 2 and 3)
    assert a["Detail"].tolist() == ["segment SMB (RoutingRules row 3)", "territory OR (RoutingRules row 2)"]
    counts = res.rules.set_index("Rule")["Leads"]
    assert counts["Segment"] == 1 and counts["Territory"] == 1


def test_recalc_recognises_a_workbook_holding_only_the_lead_tables(tmp_path):
    # behaviour 8: `salesops-xl recalc` exited 3 (unknown kind) on a lead-only workbook
    assert detect(["Leads", "LeadReps", "LeadSettings"]).name == "territories"
    reps = [{"RepID": "A", "RepName": "Ann", "Pools": "P", "Weight": 1.0},
            {"RepID": "B", "RepName": "Bob", "Pools": "P", "Weight": 1.0}]
    tables = {"Leads": pd.DataFrame([{"LeadID": "L1", "CreatedDate": MONDAY}, {"LeadID": "L2", "CreatedDate": MONDAY}]),
              "LeadReps": pd.DataFrame(reps),
              "LeadSettings": pd.DataFrame([{"Setting": "DefaultPool", "Value": "P"}])}
    path = tmp_path / "leads-only.xlsx"
    write_sheets(None, path, input_sheets(tables))
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", str(path)], capture_output=True, text=True,
                       cwd=root)
    assert p.returncode == 0, p.stderr
    assert "2 leads: 2 routed this run, 0 kept" in p.stdout


def test_the_most_specific_rule_never_falls_back_to_a_less_specific_rules_rep():
    reps = [rep("R1", pools=None), rep("R2", pools=None), rep("W1", pools="West")]
    rules = [{"Territory": "OR", "Segment": "Enterprise", "RepID": "R1", "Pool": "West"},
             {"Territory": "OR", "Segment": None, "RepID": "R2", "Pool": None}]
    ooo = [{"RepID": "R1", "FirstDay": MONDAY, "LastDay": MONDAY}]
    res = run(source([lead("L1", Territory="OR", Segment="Enterprise")], reps, rules=rules, ooo=ooo,
                     default_pool=None))
    assert who(res) == ["W1"]
    assert res.assignments["Detail"].iloc[0] == "territory rep R1 out of office; pool West (RoutingRules row 2)"


def test_only_round_robin_leads_move_the_pointer_and_time_of_day_is_dropped():
    import datetime as dt
    reps = [rep("A"), rep("B")]
    owners = [{"AccountID": "X", "RepID": "A"}]
    # L1 to its owner A (not a round-robin turn), L2 and L3 by round-robin: A then B, as if L1 were not there
    leads = [lead("L1", dt.datetime(2026, 11, 23, 18, 45), AccountID="X"), lead("L2"), lead("L3")]
    res = run(source(leads, reps, owners=owners))
    assert who(res) == ["A", "A", "B"]
    assert str(res.assignments["CreatedDate"].iloc[0])[:10] == "2026-11-23"  # the day only
