"""Budget invariants (hypothesis): roll-ups equal their lines, the year-end rule holds on every line."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_helpers import D, line, person, run, workbook
from salesops_xl.budget.engine import by_month, line_measures, reforecast, rollup

CCS = (("CC1", "One", "North"), ("CC2", "Two", "North"), ("CC3", "Three", "South"))
AMOUNT = st.floats(-5_000, 50_000, allow_nan=False).map(lambda x: round(x, 2))
LINES = st.lists(st.tuples(st.sampled_from(["CC1", "CC2", "CC3"]), st.sampled_from(["T&E", "Programs", "Tools"]),
                           st.integers(1, 12), AMOUNT), max_size=25)
PEOPLE = st.lists(st.tuples(st.sampled_from(["CC1", "CC2", "CC3"]), st.integers(30_000, 300_000),
                            st.integers(0, 400), st.sampled_from(["Active", "Open", "Planned"])), max_size=6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES, acts=LINES, people=PEOPLE, closed=st.integers(0, 12), runrate=st.booleans(),
       rr=st.integers(1, 6))
def test_rollups_equal_their_lines(lines, acts, people, closed, runrate, rr):
    through = None if closed == 0 else np.datetime64(f"2026-{closed:02d}", "M") + 1
    through = None if through is None else (through.astype("datetime64[D]") - 1).item()
    ppl = [person(f"P{i}", cc=cc, salary=float(s), start=D(2025, 12, 1) + np.timedelta64(d, "D").item(), status=st_,
                  ti=float(s) / 2) for i, (cc, s, d, st_) in enumerate(people)]
    src = workbook(ppl, [line(*x) for x in lines], [line(cc, cat, m, a) for cc, cat, m, a in acts if m <= closed],
                   ccs=CCS, funnel=[("Applicants", 0.2, 20), ("Offer", 0.5, 10)],
                   plan_kw={"ActualsThrough": through, "Reforecast": "RunRate" if runrate else "Plan",
                            "RunRateMonths": rr, "CostPerApplicant": 30.0, "CostPerHire": 1000.0, "NoticeDays": 14})
    r = run(src)
    m = line_measures(r.plan, r.actual, r.forecast, r.closed)
    # the year-end rule on every line: actuals to date + the rest of the year's forecast
    assert np.array_equal(m["YearEndForecast"], m["ActualToDate"] + m["ForecastRest"])
    assert np.array_equal(r.forecast[:, :r.closed], r.actual[:, :r.closed])
    if not runrate:
        assert np.array_equal(r.forecast[:, r.closed:], r.plan[:, r.closed:])
    roll = rollup(r)
    total = roll[roll.Level == "Total"].iloc[0]
    for name, v in m.items():
        assert total[name] == v.sum()  # the total is the sum of the lines, to the cent
        for level in ("Group", "Category", "Cost centre"):
            assert roll.loc[roll.Level == level, name].sum() == v.sum()  # each level partitions the lines
    # every input cent is in the plan or the actuals, nowhere twice
    assert int(r.actual.sum()) == sum(round(a * 100) for cc, cat, mo, a in acts if mo <= closed)
    year = by_month(r)
    assert year["Plan"].sum() == m["PlanYear"].sum() and year["ActualOrForecast"].sum() == m["YearEndForecast"].sum()
    # the recruiting lines hold exactly the hiring plan's cost
    assert int(r.plan[r.line_cat == "Recruiting"].sum()) == int(r.hiring_months["RecruitingCost"].sum())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(-10**9, 10**9), min_size=12, max_size=12), min_size=1, max_size=5),
       st.integers(0, 12), st.integers(1, 12))
def test_run_rate_is_the_rounded_average_of_the_last_closed_months(rows, closed, n):
    a = np.array(rows, dtype=np.int64)
    p = a[::-1].copy()
    f = reforecast(p, a, closed, np.ones(len(a), dtype=bool), n)
    k = min(n, closed)
    if k:
        avg = a[:, closed - k:closed].sum(axis=1) / k
        assert np.all(np.abs(f[:, closed:] - avg[:, None]) <= 0.5)
    else:
        assert np.array_equal(f, p)
