"""Small things a user reads (issue 23, behaviour 9): error lists in row order; plurals of the quota headline."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from salesops_xl.errors import InputError, Problem, ProblemCollector

sys.path.insert(0, str(Path(__file__).resolve().parent / "quotas"))
from quota_helpers import run, seat, workbook  # noqa: E402

from salesops_xl.quotas.workflow import summary  # noqa: E402


def test_problems_are_listed_table_by_table_in_row_order():
    c = ProblemCollector()
    # found in the order of the checks (one column, then another): rows 9, 3, then 5, 2
    for table, row in (("Leads", 9), ("Leads", 3), ("LeadReps", 4), ("Leads", 5), ("Leads", None), ("Leads", 2)):
        c.add(Problem(message=f"m{row}", table=table, row=row))
    with pytest.raises(InputError) as e:
        c.raise_if_any()
    assert [(p.table, p.row) for p in e.value.problems] == [
        ("Leads", None), ("Leads", 2), ("Leads", 3), ("Leads", 5), ("Leads", 9), ("LeadReps", 4)]


def test_a_territory_workbook_lists_its_errors_in_row_order():
    from salesops_xl.territories.leads import load_leads
    sys.path.insert(0, str(Path(__file__).resolve().parent / "territories"))
    from territory_lead_helpers import lead, rep, source

    reps = [rep("A"), rep("B", weight=-1), rep("C")]
    leads = [lead("L1", Assigned="Z9"), lead("L2"), lead("L3", Assigned="Z8")]
    owners = [{"AccountID": "X", "RepID": "Q1"}]
    c = ProblemCollector()
    load_leads(source(leads, reps, owners=owners), c)
    with pytest.raises(InputError) as e:
        c.raise_if_any()
    rows = [(p.table, p.row) for p in e.value.problems]
    for t in {t for t, _ in rows}:
        mine = [r for tt, r in rows if tt == t]
        assert mine == sorted(mine, key=lambda r: -1 if r is None else r), rows


@pytest.mark.parametrize("seats,text", [
    ([seat("A")], "1 seat reporting to the Company, 0 hires planned"),
    ([seat("M"), seat("A", "M"), seat("B", "M")], "2 seats under 1 manager, 0 hires planned"),
])
def test_the_quota_headline_counts_in_words(seats, text):
    # was "1 seats under 0 managers"
    r = run(workbook(seats, plan_kw={"target": 100_000}))
    assert summary(r)["headline"] == text
