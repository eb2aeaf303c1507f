"""Invariants of pricing and approval, over random price books, schedules, quotes and matrices (hypothesis)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_xl.quotes import cells
from salesops_xl.quotes.engine import line_flags

from quote_helpers import line, product, quote, rule, run, tier

money = st.decimals(min_value="0.01", max_value="5000", places=2).map(float)
pct = st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.125, 0.15, 0.2, 0.333, 0.5, 0.9, 1.0])


@st.composite
def books(draw):
    n_prod = draw(st.integers(1, 4))
    prods = []
    for k in range(n_prod):
        lp = draw(money)
        floor = round(lp * draw(st.sampled_from([0.0, 0.5, 0.7, 0.9, 1.0])), 2)
        cost = round(lp * draw(st.sampled_from([0.0, 0.2, 0.6, 1.2])), 2)
        prods.append(product(f"P{k}", lp, floor, cost, schedule=draw(st.sampled_from([None, "S"]))))
    mins = sorted(draw(st.sets(st.integers(1, 200), min_size=1, max_size=3)))
    tiers = [tier("S", m, draw(pct)) for m in mins]
    terms = [(12, 0.0), (24, draw(pct))]
    n_q = draw(st.integers(1, 4))
    quotes = [quote(f"Q{i}", term=draw(st.sampled_from([12, 18, 24, 36])),
                    terms=draw(st.sampled_from([None, None, "Net 90"]))) for i in range(n_q)]
    lines = [line(f"Q{draw(st.integers(0, n_q - 1))}", f"P{draw(st.integers(0, n_prod - 1))}",
                  draw(st.integers(1, 400)), draw(pct)) for _ in range(draw(st.integers(1, 10)))]
    levels = st.integers(1, 4)
    rules = [rule(draw(levels), "A", "Discount", draw(st.sampled_from([0.0, 0.1, 0.2]))),
             rule(draw(levels), "B", "Margin", draw(st.sampled_from([0.0, 0.3, 0.6]))),
             rule(draw(levels), "C", "BelowFloor"), rule(draw(levels), "D", "NonStandardTerms"),
             rule(draw(levels), "E", "DealSize", draw(st.sampled_from([0.0, 1000.0, 1e6])))]
    return prods, quotes, lines, tiers, terms, rules


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(books())
def test_a_price_is_never_below_its_floor_without_a_flag(case):
    prods, quotes, lines, tiers, terms, rules = case
    r = run(prods, quotes, lines, tiers=tiers, terms=terms, rules=rules)
    ln = r.lines
    below = ln.NetPrice.to_numpy() < ln.FloorPrice.to_numpy()
    assert np.array_equal(ln.BelowFloor.to_numpy(), below)
    flags = line_flags(ln)
    assert all(f is not None and "below floor" in f for f in flags[below])
    # and the quote holding it counts it and goes at least to the BelowFloor approver's level
    q = r.quotes.set_index("QuoteID")
    level = next(x["Level"] for x in rules if x["Rule"] == "BelowFloor")
    for qid in set(ln.QuoteID[below]):
        assert q.loc[qid, "LinesBelowFloor"] >= 1
        assert q.loc[qid, "ApprovalLevel"] >= level


@SETTINGS
@given(books())
def test_prices_amounts_and_the_approver_follow_the_stated_rules(case):
    prods, quotes, lines, tiers, terms, rules = case
    r = run(prods, quotes, lines, tiers=tiers, terms=terms, rules=rules)
    ln, q = r.lines, r.quotes
    # discounts only ever lower the price; amounts are unit price x quantity, exact
    assert np.all(ln.NetPrice <= ln.StandardPrice) and np.all(ln.StandardPrice <= ln.ListPrice)
    assert np.all(ln.NetAmount == ln.NetPrice * ln.Quantity)
    assert np.all(ln.Margin == ln.NetAmount - ln.Cost)
    for row in q.itertuples():
        mine = ln[ln.QuoteID == row.QuoteID]
        assert row.NetAmount == mine.NetAmount.sum() and row.Margin == mine.Margin.sum()
        # the approver is that of the highest level met (the cell function agrees on the same figures)
        met = [x for x in rules if _meets(x, row)]
        assert row.ApprovalLevel == max([x["Level"] for x in met], default=0)
        matrix = [["Level", "Approver", "Rule", "Threshold"]] + [[x["Level"], x["Approver"], x["Rule"],
                                                                  x["Threshold"]] for x in rules]
        margin = row.MarginPct if not np.isnan(row.MarginPct) else -1e9
        assert cells.discount_approver(row.Discount, row.NetAmountBase / 100, margin, matrix,
                                       bool(row.NonStandardTerms), row.LinesBelowFloor > 0) == row.Approver


def _meets(x, q) -> bool:
    t = x["Threshold"]
    m = -np.inf if np.isnan(q.MarginPct) else q.MarginPct
    return {"Discount": lambda: q.Discount > t + 1e-9, "Margin": lambda: m < t - 1e-9,
            "DealSize": lambda: q.NetAmountBase / 100 >= t - 0.005, "BelowFloor": lambda: q.LinesBelowFloor > 0,
            "NonStandardTerms": lambda: bool(q.NonStandardTerms)}[x["Rule"]]()


@settings(max_examples=40, deadline=None)
@given(lp=money, qty=st.integers(1, 1000), v=pct, d=pct)
def test_the_cell_function_prices_as_the_workbook_does(lp, qty, v, d):
    r = run([product("P", lp, 0.0, 0.0, schedule="S")], [quote("Q")], [line("Q", "P", qty, d)],
            tiers=[tier("S", 1, v)])
    book = [["Product", "Currency", "ListPrice", "VolumeSchedule"], ["P", "USD", lp, "S"]]
    tiers = [["Schedule", "MinQty", "Discount"], ["S", 1, v]]
    assert cells.price("P", qty, "USD", book, tiers, None, None, d) == r.lines.NetPrice.iat[0] / 100
