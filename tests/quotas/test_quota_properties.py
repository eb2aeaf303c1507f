"""Invariants that must hold for any input (hypothesis)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from salesops_xl.quotas import cells
from salesops_xl.quotas.engine import (BOUND_CEILING, bounded_proportional, hire_matrix, largest_remainder,
                                       ramp_matrix)

from quota_helpers import D, booked, cap_row, flat, rule, run, seat, workbook

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

units = st.sampled_from([0.01, 1.0, 100.0, 1000.0])
dates = st.builds(lambda y, m: D(y, m, 1), st.integers(2023, 2026), st.integers(1, 12))


@st.composite
def organisations(draw):
    """A random hierarchy: managers nested under earlier managers or the top, seats under any of them."""
    n_mgr = draw(st.integers(0, 4))
    mgrs = [f"M{k}" for k in range(n_mgr)]
    people = []
    hist = []
    for k, m in enumerate(mgrs):  # a manager nobody reports to is a seat: it gets potential and history too
        boss = draw(st.sampled_from([None] + mgrs[:k]))
        people.append(seat(m, boss, potential=draw(st.floats(1, 5e6))))
        hist += flat(m, draw(st.floats(12, 2e6)))
    n_seats = draw(st.integers(1, 10))
    for k in range(n_seats):
        rid = f"R{k}"
        hire = D(2020, 1, 1) if k == 0 else draw(dates)
        term = draw(st.one_of(st.none(), st.builds(lambda m: D(2026, m, 28), st.integers(max(1, hire.month), 12))))
        if term is not None and term < hire:
            term = None
        people.append(seat(rid, draw(st.sampled_from([None] + mgrs)), hire=hire, term=term,
                           potential=draw(st.floats(1, 5e6)),
                           status="Open" if (hire.year == 2026 and draw(st.booleans())) else None))
        if hire.year < 2026 and people[-1]["Status"] != "Open":
            start = max(1, hire.month) if hire.year == 2025 else 1
            hist += booked(rid, [draw(st.floats(1, 2e5))] * (13 - start), first_month=start)
    return people, hist


def _seats_and_nodes(r):
    ppl = r.inputs.people
    return ppl.n, ppl.parent, ppl.n_children


@SETTINGS
@given(organisations(), st.sampled_from(["Even", "History", "Potential", "Blend"]), units,
       st.integers(1, 10**5).map(lambda k: k * 1000.0), st.floats(1.0, 1.25), st.floats(0, 1))
def test_allocations_sum_exactly_to_every_nodes_target_times_its_factor(org, method, unit, target, oa, mix):
    people, hist = org
    blend = {"even": mix, "history": 1 - mix} if method == "Blend" else {}
    r = run(workbook(people, [rule(method=method, oa=oa, **blend)], history=hist,
                     plan_kw={"target": target, "unit": unit}))
    n, parent, kids = _seats_and_nodes(r)
    q = r.alloc.quota
    sums = np.bincount(parent[:n], weights=q[:n], minlength=n + 1).round().astype(np.int64)
    for node in np.flatnonzero(kids > 0):
        # the reports sum to round(target x factor), exactly, in units of the rounding unit
        expected = int(np.sign(q[node] * oa) * np.floor(abs(np.round(q[node] * oa, 6)) + 0.5))
        assert sums[node] == expected == r.alloc.below[node]
    assert q[n] * r.unit_cents == round(target * 100)
    # months sum to the year, for everyone; quotas never negative
    assert (r.monthly.sum(axis=1) == q).all() and (r.monthly >= 0).all()
    assert (r.local_monthly.sum(axis=1) == r.local).all()
    # no quota in a month a seat is not employed
    leaf = r.inputs.people.is_leaf
    assert (r.monthly[:n][leaf][~r.active[leaf]] == 0).all()


@SETTINGS
@given(organisations(), st.floats(0, 1), units)
def test_a_blend_of_two_methods_lies_between_them_rep_by_rep(org, beta, unit):
    people, hist = org
    flat_people = [dict(p, ManagerID=None) for p in people]  # one level: the same total is split each time
    kw = {"history": hist, "plan_kw": {"target": 10_000_000.0, "unit": unit}}
    even = run(workbook(flat_people, [rule(method="Even")], **kw))
    pot = run(workbook(flat_people, [rule(method="Potential")], **kw))
    mixed = run(workbook(flat_people, [rule(method="Blend", even=beta, potential=1 - beta)], **kw))
    n = even.inputs.people.n
    lo = np.minimum(even.alloc.quota[:n], pot.alloc.quota[:n])
    hi = np.maximum(even.alloc.quota[:n], pot.alloc.quota[:n])
    b = mixed.alloc.quota[:n]
    # within one rounding unit (each of the three is rounded to the unit)
    assert ((b >= lo - 1) & (b <= hi + 1)).all()


@SETTINGS
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 1e6), st.floats(0, 1e6)), min_size=1, max_size=12),
       st.integers(0, 10**9))
def test_bounded_allocation_meets_bounds_and_total_and_stays_proportional(items, total_seed):
    w = np.array([a for a, _, _ in items])
    lo = np.floor(np.array([min(b, c) for _, b, c in items]))
    hi = np.floor(np.array([max(b, c) for _, b, c in items]))
    hi = np.where(np.arange(len(items)) % 3 == 2, np.inf, hi)  # some items without a ceiling
    reach = np.where(w > 0, hi, lo).sum() if w.sum() == 0 else np.where(w / w.sum() >= 1e-15, hi, lo).sum()
    assume(lo.sum() <= reach)
    top = min(reach, lo.sum() + 1e7)
    total = int(lo.sum() + (total_seed % (int(top - lo.sum()) + 1)))
    assume(w.sum() > 0 or total == lo.sum())
    g = np.zeros(len(w), dtype=np.int64)
    x, code = bounded_proportional(w, lo, hi, g, np.array([float(total)]))
    units_ = largest_remainder(x, g, np.array([total]), blocked=code == BOUND_CEILING)
    assert units_.sum() == total
    assert (units_ >= lo).all() and (units_ <= hi).all()
    free = (code == 0) & (w > 0) & (x > lo + 1e-6)
    if free.sum() >= 2:  # the free items share in proportion to their weights
        ratio = x[free] / w[free]
        assert np.allclose(ratio, ratio[0], rtol=1e-6)


ramps = st.lists(st.floats(0, 1), min_size=0, max_size=6).map(sorted)


@SETTINGS
@given(st.lists(st.tuples(st.integers(-30, 14), st.integers(-30, 30)), min_size=1, max_size=20), ramps,
       st.floats(0, 0.9))
def test_ramped_capacity_never_exceeds_full_capacity(spans, curve, attrition):
    hire = np.array([h for h, _ in spans])
    term = np.array([max(h, h + t) for h, t in spans])
    months = np.arange(-12, 12)
    active, tenure, factor = ramp_matrix(hire, term, months, curve)
    assert ((factor >= 0) & (factor <= active)).all()
    assert (tenure[active] >= 1).all() and (tenure[~active] == 0).all()
    rho = (1 - attrition) ** (1 / 12)
    K = hire_matrix(curve, rho)
    full = hire_matrix([], rho)  # no ramp: 100% from the start month
    assert (K <= full + 1e-15).all() and (K >= 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dates, min_size=1, max_size=8), ramps)
def test_the_capacity_plan_with_ramp_never_exceeds_the_plan_without(hires, curve):
    people = [seat(f"R{k}", hire=h) for k, h in enumerate(hires)]
    kw = {"plan_kw": {"target": 5_000_000.0}, "cap_kw": {"productivity": 600_000.0, "attrition": 0.1}}
    ramped = run(workbook(people, ramp=curve or None, **kw))
    full = run(workbook(people, ramp=[1.0], **kw))
    assert cap_row(ramped, "Current team capacity") <= cap_row(full, "Current team capacity") + 0.01
    m_r, m_f = ramped.capacity.monthly, full.capacity.monthly
    assert (m_r.CurrentTeam <= m_f.CurrentTeam).all()  # month by month, in cents
    assert (m_r.RampedHeadcount <= m_r.Headcount + 1e-9).all()


@SETTINGS
@given(st.floats(0, 1e9), st.lists(st.floats(0, 1e6), min_size=1, max_size=15), units)
def test_cell_allocate_and_phase_sum_exactly(total, weights, unit):
    assume(sum(weights) > 0)
    out = cells.allocate(total, [[w] for w in weights], unit=unit)
    assert isinstance(out, list)
    uc = round(unit * 100)
    cents = [round(v[0] * 100) for v in out]
    expected = int(np.floor(np.round(total * 100 / uc, 6) + 0.5))  # half away from zero (total >= 0)
    assert sum(cents) == expected * uc and all(c % uc == 0 for c in cents)
    ph = cells.phase(total, [weights], None, unit)
    assert sum(round(v * 100) for v in ph[0]) == expected * uc


@SETTINGS
@given(st.lists(st.floats(0, 1e7), min_size=1, max_size=30), st.integers(0, 10**9))
def test_largest_remainder_is_within_one_unit_of_the_exact_share(weights, total):
    w = np.array(weights)
    assume(w.sum() > 0)
    exact = total * w / w.sum()
    out = largest_remainder(exact, np.zeros(len(w), dtype=np.int64), np.array([total]))
    assert out.sum() == total
    assert (np.abs(out - exact) < 1 + 1e-6).all()
