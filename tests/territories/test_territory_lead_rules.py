"""Lead routing rules of docs/territories.md, computed by hand."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from salesops_xl.territories.leads import jain_index, normalise_domain

from territory_lead_helpers import MONDAY, lead, rep, run, source, who

TUESDAY = MONDAY + dt.timedelta(days=1)


def test_weighted_round_robin_sequence():
    # weights A 2, B 1, C 1: due times start at 1/(2w): A 0.25, B 0.5, C 0.5; the k-th next lead of a rep
    # is due at start + k / w:  A .25 .75 1.25 1.75 | B .5 1.5 | C .5 1.5; ties go to the rep listed first
    res = run(source([lead(f"L{i}") for i in range(8)], [rep("A", weight=2), rep("B"), rep("C")]))
    assert who(res) == ["A", "B", "C", "A", "A", "B", "C", "A"]
    assert set(res.assignments["Rule"]) == {"Round-robin"}
    st = res.state.set_index("RepID")
    # after the run: the clock is 1.75 (the last lead's due time); A is next due at 2.25, B and C at 2.5
    assert st.loc["A", "Due"] == pytest.approx(0.5) and st.loc["B", "Due"] == pytest.approx(0.75)
    assert st["Leads"].tolist() == [4, 2, 2]


def test_equal_weights_are_plain_round_robin():
    res = run(source([lead(f"L{i}") for i in range(7)], [rep("A"), rep("B"), rep("C")]))
    assert who(res) == ["A", "B", "C", "A", "B", "C", "A"]


def test_the_rule_chain_in_order():
    reps = [rep("O"), rep("N"), rep("T"), rep("S"), rep("P1"), rep("P2")]
    leads = [lead("owner", AccountID="ACC1", Domain="acme.com", Territory="OR", Segment="SMB"),
             lead("named", AccountID="ACC9", Domain="jo@www.Acme.com", Territory="OR"),
             lead("territory", Territory="or", Segment="Enterprise"),
             lead("segment", Territory="WA", Segment="SMB"),
             lead("pool", Territory="WA", Segment="Mid-Market"),
             lead("queue", Territory="WA", Segment="Mid-Market", Language="ja")]
    rules = [{"Territory": "OR", "Segment": None, "RepID": "T", "Pool": None},
             {"Territory": None, "Segment": "SMB", "RepID": "S", "Pool": None}]
    res = run(source(leads, reps, owners=[{"AccountID": "ACC1", "RepID": "O"}],
                     named=[{"Domain": "acme.com", "RepID": "N"}], rules=rules,
                     settings={"FallbackQueue": "Review"}))
    a = res.assignments.set_index("LeadID")
    assert a["AssignedTo"].to_dict() == {"owner": "O", "named": "N", "territory": "T", "segment": "S",
                                         "pool": "O", "queue": "Review"}
    assert a["Rule"].to_dict() == {"owner": "Account owner", "named": "Named account", "territory": "Territory",
                                   "segment": "Segment", "pool": "Round-robin", "queue": "Fallback queue"}
    assert a.loc["named", "Detail"] == "named account acme.com"
    assert a.loc["queue", "Detail"] == "pool P: no eligible rep (6 without language 'ja')"


def test_most_specific_routing_rule_wins():
    rules = [{"Territory": None, "Segment": "SMB", "RepID": "S", "Pool": None},
             {"Territory": "OR", "Segment": None, "RepID": "T", "Pool": None},
             {"Territory": "OR", "Segment": "SMB", "RepID": "TS", "Pool": None}]
    leads = [lead("a", Territory="OR", Segment="SMB"), lead("b", Territory="OR", Segment="Ent"),
             lead("c", Territory="CA", Segment="SMB")]
    res = run(source(leads, [rep("S"), rep("T"), rep("TS")], rules=rules))
    assert who(res) == ["TS", "T", "S"]
    assert res.assignments["Rule"].tolist() == ["Territory", "Territory", "Segment"]


def test_an_unavailable_rep_passes_the_lead_down_the_chain_and_says_why():
    reps = [rep("O", pools="X"), rep("A"), rep("B")]
    ooo = [{"RepID": "O", "FirstDay": MONDAY, "LastDay": MONDAY}]
    leads = [lead("L1", AccountID="ACC1"), lead("L2", TUESDAY, AccountID="ACC1")]
    res = run(source(leads, reps, owners=[{"AccountID": "ACC1", "RepID": "O"}], ooo=ooo))
    assert who(res) == ["A", "O"]
    assert res.assignments["Detail"].tolist() == ["account owner O out of office; pool P (DefaultPool)",
                                                    "owner of account ACC1"]


def test_daily_capacity_counts_every_rule_and_resets_each_day():
    # O takes at most 2 leads a day: two owner leads on Monday fill it, the third goes to the pool
    reps = [rep("O", DailyCapacity=2), rep("A", pools="P")]
    leads = [lead("L1", AccountID="X"), lead("L2", AccountID="X"), lead("L3", AccountID="X"),
             lead("L4", TUESDAY, AccountID="X")]
    res = run(source(leads, reps, owners=[{"AccountID": "X", "RepID": "O"}]))
    assert who(res) == ["O", "O", "A", "O"]
    assert res.assignments["Detail"].iloc[2] == "account owner O at capacity; pool P (DefaultPool)"
    load = res.load.set_index("RepID")
    assert load.loc["O", "Leads"] == 3 and load.loc["O", "BusiestDay"] == 2


def test_capacity_of_round_robin_reps_and_the_queue_when_all_are_full():
    reps = [rep("A", DailyCapacity=1), rep("B", DailyCapacity=2)]
    res = run(source([lead(f"L{i}") for i in range(5)], reps))
    # due times A .5, B .5 (tie: A), then B 1.5 -> A (full after 1), B, B; L4 finds both full
    assert who(res) == ["A", "B", "B", "Unassigned", "Unassigned"]
    assert res.assignments["Detail"].iloc[3] == "pool P: every eligible rep at capacity"


def test_languages_and_skills():
    reps = [rep("A", Languages="en"), rep("B", Languages="en, ES", Skills="Payments"),
            rep("C", Languages=None, Skills="payments, hardware")]
    leads = [lead("es", Language="es"), lead("pay", Skills="Payments"), lead("both", Skills="payments, hardware"),
             lead("es-pay", Language="es", Skills="Payments"), lead("any")]
    res = run(source(leads, reps))
    a = dict(zip(res.assignments["LeadID"], res.assignments["AssignedTo"]))
    assert a["es"] == "B" and a["both"] == "C" and a["es-pay"] == "B"
    assert a["pay"] in ("B", "C")
    # a rep with no Languages takes only leads that need none
    assert a["any"] in ("A", "B", "C")


def test_leads_fewer_reps_can_take_are_routed_first_within_a_day():
    # B is the only Spanish speaker with 1 slot a day: the Spanish lead gets it although it came last
    reps = [rep("A", Languages="en"), rep("B", Languages="en, es", DailyCapacity=1)]
    leads = [lead("L1"), lead("L2"), lead("L3", Language="es")]
    res = run(source(leads, reps))
    assert who(res) == ["A", "A", "B"]


def test_inactive_and_zero_weight_reps_get_no_round_robin_lead():
    reps = [rep("A", Active="No"), rep("B", weight=0), rep("C")]
    res = run(source([lead("L1"), lead("L2")], reps))
    assert who(res) == ["C", "C"]
    pools = res.pools.set_index("RepID")
    assert pools.loc["C", "TargetShare"] == 1.0 and pools.loc["A", "TargetShare"] == 0.0


def test_no_pool_means_the_fallback_queue_visibly():
    res = run(source([lead("L1")], [rep("A")], default_pool=None))
    assert who(res) == ["Unassigned"]
    assert res.assignments["Detail"].iloc[0] == "no routing rule sent it to a pool and there is no DefaultPool"
    assert res.rules.set_index("Rule").loc["Fallback queue", "Leads"] == 1


def test_rule_rep_with_overflow_pool():
    rules = [{"Territory": "OR", "Segment": None, "RepID": "T", "Pool": "Q"}]
    reps = [rep("T", pools=None, DailyCapacity=1), rep("A", pools="P"), rep("B", pools="Q")]
    res = run(source([lead("L1", Territory="OR"), lead("L2", Territory="OR")], reps, rules=rules))
    assert who(res) == ["T", "B"]
    assert res.assignments["Pool"].tolist()[1] == "Q"


def test_domains_are_compared_without_scheme_www_path_case_or_mailbox():
    assert normalise_domain(["https://www.Acme.com/about", "jo@ACME.com", "acme.com.", None]).tolist() == \
        ["acme.com", "acme.com", "acme.com", None]


def test_fairness_figures():
    # weights 2, 1, 1 and 8 leads: 4, 2, 2 -> shares equal the targets, Jain 1
    res = run(source([lead(f"L{i}") for i in range(8)], [rep("A", weight=2), rep("B"), rep("C")]))
    f = res.fairness.iloc[0]
    assert f["MaxDeviation"] == 0 and f["JainIndex"] == 1
    # Jain's index: loads 3, 1 against equal weights: (3 + 1)^2 / (2 x (9 + 1)) = 0.8
    assert jain_index(np.array([3.0, 1.0])) == pytest.approx(0.8)
    # 5 leads, B away: A 5, B 0 -> shares 1 and 0 against 0.5, 0.5: deviation 50 points, Jain 0.5
    res = run(source([lead(f"L{i}") for i in range(5)], [rep("A"), rep("B")],
                     ooo=[{"RepID": "B", "FirstDay": MONDAY, "LastDay": MONDAY}]))
    f = res.fairness.iloc[0]
    assert f["MaxDeviation"] == pytest.approx(0.5) and f["JainIndex"] == pytest.approx(0.5)
    load = res.load.set_index("RepID")
    assert load.loc["A", "RoundRobinExpected"] == 2.5 and load.loc["A", "RoundRobinDeviation"] == 2.5


def test_state_carries_fairness_to_the_next_run():
    reps = [rep("A", weight=2), rep("B"), rep("C")]
    first = run(source([lead(f"L{i}") for i in range(3)], reps))
    assert who(first) == ["A", "B", "C"]
    # the next batch (new LeadIDs) starts where the first ended: A .75, B 1.5, C 1.5 (clock .5 -> 0)
    state = first.state.to_dict("records")
    second = run(source([lead(f"M{i}") for i in range(5)], reps, state=state))
    assert who(second) == ["A", "A", "B", "C", "A"]  # as leads 4-8 of a single run of eight
    assert second.state.set_index("RepID")["Leads"].tolist() == [4, 2, 2]
    assert second.inputs.state_source == "carried over from the previous batch of leads"


def test_running_the_same_batch_again_starts_from_the_same_state():
    # KeepAssignments No (every run routes every lead again, the behaviour before issue 23): a redo of the same
    # batch starts where the last run started, so recalculating gives the same answer
    reps = [rep("A"), rep("B")]
    no = {"KeepAssignments": "No"}
    first = run(source([lead("L1")], reps, settings=no))
    state = first.state.to_dict("records")
    again = run(source([lead("L1")], reps, state=state, settings=no), previous_lead_ids=["L1"])
    assert who(again) == who(first) == ["A"]
    assert again.state.equals(first.state)
    # a new batch continues instead
    nxt = run(source([lead("L2")], reps, state=state, settings=no), previous_lead_ids=["L1"])
    assert who(nxt) == ["B"]


def test_reset_ignores_the_state():
    reps = [rep("A"), rep("B")]
    state = run(source([lead("L1")], reps)).state.to_dict("records")
    res = run(source([lead("L2")], reps, state=state, settings={"RoundRobinState": "Reset"}))
    assert who(res) == ["A"] and res.inputs.state_source == "reset (RoundRobinState setting)"


def test_a_rep_back_from_leave_gets_no_backlog_of_leads():
    # A away on Monday: B takes both; on Tuesday A resumes at the pool's clock instead of catching up
    reps = [rep("A"), rep("B")]
    leads = [lead("L1"), lead("L2"), lead("L3", TUESDAY), lead("L4", TUESDAY)]
    res = run(source(leads, reps, ooo=[{"RepID": "A", "FirstDay": MONDAY, "LastDay": MONDAY}]))
    # Monday: B .5, 1.5 (clock 1.5); Tuesday: A max(.5, 1.5) = 1.5, B 2.5 -> A, then A 2.5 ties B 2.5 -> A
    assert who(res) == ["B", "B", "A", "A"]


def test_a_rep_new_to_a_pool_starts_half_a_turn_after_the_clock():
    reps = [rep("A"), rep("B")]
    state = run(source([lead(f"L{i}") for i in range(4)], reps)).state.to_dict("records")
    # A, B, A, B: the clock is at 1.5, A and B are next due at 2.5, i.e. 1.0 after it; newcomer C
    # (weight 1) starts at 1 / (2 x 1) = 0.5 after the clock: it takes the next lead
    assert [r["Due"] for r in state] == [1.0, 1.0]
    res = run(source([lead(f"M{i}") for i in range(3)], reps + [rep("C")], state=state))
    assert who(res) == ["C", "A", "B"]
