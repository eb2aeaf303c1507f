"""Build lead-routing workbooks in memory for tests."""
from __future__ import annotations

import datetime as dt

import numpy as np

from salesops_xl.errors import ProblemCollector
from salesops_xl.source import MemorySource
from salesops_xl.territories.leads import LeadInputs, load_leads, route

D = dt.date
MONDAY = D(2026, 11, 23)


def lead(lead_id: str, day: dt.date = MONDAY, **kw) -> dict:
    return {"LeadID": lead_id, "CreatedDate": day, **kw}


def rep(rep_id: str, pools: str | None = "P", weight: float | None = 1.0, **kw) -> dict:
    return {"RepID": rep_id, "RepName": f"Rep {rep_id}", "Pools": pools, "Weight": weight, **kw}


def source(leads, reps, *, owners=None, named=None, rules=None, ooo=None, settings=None, state=None,
           previous=None, default_pool: str | None = "P") -> MemorySource:
    tables = {"Leads": leads, "LeadReps": reps}
    st = dict(settings or {})
    if default_pool is not None:
        st.setdefault("DefaultPool", default_pool)
    if st:
        tables["LeadSettings"] = [{"Setting": k, "Value": v} for k, v in st.items()]
    for name, rows in (("AccountOwners", owners), ("NamedAccounts", named), ("RoutingRules", rules),
                       ("OutOfOffice", ooo), ("RoundRobinState", state), ("LeadAssignments", previous)):
        if rows is not None:
            tables[name] = rows
    return MemorySource(tables, workbook="leads.xlsx")


def inputs(src, previous_lead_ids=None) -> LeadInputs:
    problems = ProblemCollector()
    inp = load_leads(src, problems, previous_lead_ids=previous_lead_ids)
    problems.raise_if_any()
    return inp


def run(src, previous_lead_ids=None):
    return route(inputs(src, previous_lead_ids))


def who(result) -> list:
    return result.assignments["AssignedTo"].tolist()


def random_workbook(rng: np.random.Generator, n_leads: int = 60, n_reps: int = 8, n_days: int = 3):
    """A random but valid routing workbook exercising every rule."""
    pools = ["P", "Q", "R"][: min(int(rng.integers(1, 4)), n_reps)]
    langs = ["en", "es", "fr"]
    skills = ["pay", "hw"]
    reps = []
    for k in range(n_reps):
        ps = sorted({p for p in pools if rng.random() < 0.6} | {pools[k % len(pools)]})
        reps.append(rep(f"S{k:02d}", ", ".join(ps), float(rng.choice([0.0, 0.5, 1.0, 1.0, 2.0, 3.0])),
                        DailyCapacity=None if rng.random() < 0.4 else int(rng.integers(0, 8)),
                        Languages=", ".join(l for l in langs if rng.random() < 0.5) or None,
                        Skills=", ".join(s for s in skills if rng.random() < 0.4) or None,
                        Active="No" if rng.random() < 0.1 else "Yes"))
    rep_ids = [r["RepID"] for r in reps]
    owners = [{"AccountID": f"A{k}", "RepID": rep_ids[int(rng.integers(0, n_reps))]} for k in range(6)]
    named = [{"Domain": f"d{k}.com", "RepID": rep_ids[int(rng.integers(0, n_reps))]} for k in range(4)]
    rules = [{"Territory": "T1", "Segment": None, "RepID": rep_ids[0], "Pool": pools[-1]},
             {"Territory": "T2", "Segment": "Ent", "RepID": rep_ids[-1], "Pool": None},
             {"Territory": None, "Segment": "SMB", "RepID": None, "Pool": pools[0]}]
    ooo = [{"RepID": rep_ids[int(rng.integers(0, n_reps))], "FirstDay": MONDAY + dt.timedelta(days=int(a)),
            "LastDay": MONDAY + dt.timedelta(days=int(a + rng.integers(0, 2)))} for a in rng.integers(0, n_days, 3)]
    leads = []
    for i in range(n_leads):
        leads.append(lead(f"L{i:04d}", MONDAY + dt.timedelta(days=int(rng.integers(0, n_days))),
                          AccountID=f"A{int(rng.integers(0, 12))}" if rng.random() < 0.3 else None,
                          Domain=f"x@d{int(rng.integers(0, 8))}.com" if rng.random() < 0.3 else None,
                          Territory=str(rng.choice(["T1", "T2", "T3"])) if rng.random() < 0.7 else None,
                          Segment=str(rng.choice(["Ent", "SMB", "MM"])) if rng.random() < 0.7 else None,
                          Language=str(rng.choice(langs)) if rng.random() < 0.3 else None,
                          Skills=str(rng.choice(skills)) if rng.random() < 0.2 else None))
    return source(leads, reps, owners=owners, named=named, rules=rules, ooo=ooo,
                  default_pool=pools[int(rng.integers(0, len(pools)))] if rng.random() < 0.7 else None)
