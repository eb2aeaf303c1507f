"""Invariants that must hold for any input (hypothesis)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_xl.commissions.tiers import TierTable, earned

from helpers import D, deal, measure, rep, run, tiers, workbook

money = st.floats(min_value=0.01, max_value=2_000_000, allow_nan=False, allow_infinity=False).map(
    lambda x: round(x, 2))


@st.composite
def split_deals(draw):
    reps = ["A", "B", "C", "D"]
    out = []
    for k in range(draw(st.integers(1, 12))):
        amount = draw(money)
        n = draw(st.integers(1, 4))
        who = draw(st.permutations(reps))[:n]
        cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
        shares = np.diff([0] + cuts + [100]) / 100.0
        month = draw(st.integers(1, 12))
        day = draw(st.integers(1, 28))
        for r, s in zip(who, shares):
            out.append(deal(f"D{k}", r, amount, D(2026, month, day), split=float(s)))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_deals())
def test_credit_is_conserved_across_splits(deals):
    r = run(workbook(reps=[rep(x) for x in "ABCD"], deals=deals))
    total_amount = sum({d["DealID"]: d["Amount"] for d in deals}.values())
    assert np.isclose(r.payouts.Credit.sum(), total_amount, rtol=1e-12, atol=1e-6)
    assert np.isclose(r.lines.Credit.sum(), total_amount, rtol=1e-12, atol=1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_deals(), st.sampled_from(["Marginal", "Retroactive"]), st.sampled_from(["YTD", "Period"]),
       st.sampled_from([None, 0.3]))
def test_statement_lines_always_sum_to_the_payouts(deals, method, basis, threshold):
    m = measure(method=method, basis=basis, threshold=threshold, cap_type="PctOfTarget", cap_value=3.0)
    r = run(workbook(reps=[rep(x) for x in "ABCD"], measures=[m], deals=deals))
    per_payout = r.lines.groupby(["RepID", "Period", "Measure"]).Amount.sum()
    p = r.payouts.set_index(["RepID", "Period", "Measure"]).Payable
    assert (per_payout.reindex(p.index, fill_value=0) == p).all()
    per_month = r.lines.groupby(["RepID", "PayMonth"]).Amount.sum()
    s = r.summary.set_index(["RepID", "PayMonth"]).Total
    assert (per_month.reindex(s.index, fill_value=0) == s).all()
    assert r.lines.Amount.dtype.kind == "i"  # exact cents


@st.composite
def accelerating_table(draw):
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.floats(0.05, 3.0), min_size=n - 1, max_size=n - 1, unique=True)))
    rates = sorted(draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n)))
    froms = [0.0] + cuts
    return TierTable.from_rows("T", froms, [None] * n, rates)


@settings(max_examples=200, deadline=None)
@given(accelerating_table(), st.sampled_from(["Marginal", "Retroactive"]), st.sampled_from(["Commission", "Multiple"]),
       st.floats(0, 1.5), st.lists(st.floats(0, 4.0), min_size=2, max_size=40))
def test_payout_never_decreases_as_attainment_grows(table, method, rate_type, threshold, atts):
    a = np.sort(np.array(atts))
    quota, target = 100_000.0, 10_000.0
    e = earned(a * quota, quota, target, table, method, rate_type, threshold)
    assert np.all(np.diff(e) >= -1e-9 * np.maximum(1.0, np.abs(e[1:])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(money, min_size=1, max_size=8))
def test_more_credit_never_pays_less_in_the_workbook(amounts):
    ms = [measure(method="Retroactive", threshold=0.2)]
    base = [deal(f"D{i}", "A", a, D(2026, 1, 5)) for i, a in enumerate(amounts)]
    more = base + [deal("EXTRA", "A", 1_000.0, D(2026, 1, 6))]
    tr = tiers("T", (0, 0.5, 0.02), (0.5, 1.0, 0.05), (1.0, None, 0.08))
    p0 = run(workbook(measures=ms, tier_rows=tr, deals=base)).payouts
    p1 = run(workbook(measures=ms, tier_rows=tr, deals=more)).payouts
    assert p1.Payable.sum() >= p0.Payable.sum()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["D1", "D10", "D9", "a\x00", "a", "é", "x" * 70])),
                max_size=30))
def test_deal_order_is_pandas_sorted_factorize(values):
    """DealOrder ranks DealIDs as pd.factorize(sort=True) does (numpy's fixed-width sort is only a faster way)."""
    import pandas as pd

    from salesops_xl.commissions.inputs import sorted_codes

    arr = np.array(values, dtype=object)
    want_codes, want_uniq = pd.factorize(arr, sort=True)
    codes, uniq = sorted_codes(arr)
    assert codes.tolist() == np.asarray(want_codes).tolist()
    assert list(uniq) == list(want_uniq)
