"""The pricing and approval rules of docs/quotes.md, each on a case small enough to compute by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quote_helpers import line, product, quote, rule, run, tier

# Price book of the worked example of docs/quotes.md: list 100.00, floor 70.00, cost 20.00, schedule SEATS
# with three tiers: from 1 unit 0%, from 10 units 10%, from 50 units 20%; a 24-month term takes 5% more.
P1 = product("P1", 100.0, 70.0, 20.0, schedule="SEATS")
SEATS = [tier("SEATS", 1, 0.0), tier("SEATS", 10, 0.10), tier("SEATS", 50, 0.20)]
TERMS = [(12, 0.0), (24, 0.05)]


def test_three_tier_volume_discount_with_a_floor():
    r = run([P1], [quote("Q1", term=24)],
            [line("Q1", "P1", 5), line("Q1", "P1", 10), line("Q1", "P1", 49), line("Q1", "P1", 60, 0.10),
             line("Q1", "P1", 50)],
            tiers=SEATS, terms=TERMS)
    ln = r.lines
    # tier reached: 5 -> from 1 (0%), 10 -> from 10 (10%), 49 -> still from 10, 60 and 50 -> from 50 (20%)
    assert ln.VolumeTier.tolist() == [1, 10, 10, 50, 50]
    assert ln.VolumeDiscount.tolist() == [0.0, 0.10, 0.10, 0.20, 0.20]
    assert ln.TermDiscount.tolist() == [0.05] * 5
    # standard = 100 x (1 - v) x 0.95: 95.00, 85.50, 85.50, 76.00, 76.00 (in cents)
    assert ln.StandardPrice.tolist() == [9500, 8550, 8550, 7600, 7600]
    # net: the 60-unit line takes 10% more: 76.00 x 0.90 = 68.40, under the 70.00 floor
    assert ln.NetPrice.tolist() == [9500, 8550, 8550, 6840, 7600]
    assert ln.BelowFloor.tolist() == [False, False, False, True, False]
    # amounts: 5 x 95 = 475; 10 x 85.50 = 855; 49 x 85.50 = 4,189.50; 60 x 68.40 = 4,104; 50 x 76 = 3,800
    assert ln.NetAmount.tolist() == [47500, 85500, 418950, 410400, 380000]
    # margin of the floor-breaking line: 4,104 - 60 x 20 = 2,904.00, 2,904 / 4,104 = 70.76%
    assert ln.Margin.iat[3] == 290400 and ln.MarginPct.iat[3] == pytest.approx(2904 / 4104)
    q = r.quotes.iloc[0]
    assert q.NetAmount == 47500 + 85500 + 418950 + 410400 + 380000 == 1342350
    assert q.LinesBelowFloor == 1
    # discretionary discount: standard 475 + 855 + 4,189.50 + 4,560 + 3,800 = 13,879.50; net 13,423.50
    assert q.StandardAmount == 1387950
    assert q.Discount == pytest.approx(1 - 13423.50 / 13879.50)


def test_no_tier_below_the_first_and_no_schedule_means_no_volume_discount():
    p2 = product("P2", 50.0, 0.0, 0.0)
    r = run([product("P1", 100.0, 0.0, 0.0, schedule="SEATS"), p2], [quote("Q1")],
            [line("Q1", "P1", 4), line("Q1", "P2", 1000)], tiers=[tier("SEATS", 5, 0.1)])
    assert r.lines.VolumeDiscount.tolist() == [0.0, 0.0]
    assert r.lines.NetPrice.tolist() == [10000, 5000]


def test_unit_prices_round_half_away_from_zero_once_from_the_list_price():
    # 10.05 x (1 - 50%) = 5.025 -> 5.03; 99.99 x 0.9 x 0.95 x 0.93 = 79.5070... -> 79.51 (not 85.49 x 0.93)
    r = run([product("A", 10.05, 0.0, 0.0), product("B", 99.99, 0.0, 0.0, schedule="S")],
            [quote("Q1", term=12), quote("Q2", term=24)], [line("Q1", "A", 3, 0.5), line("Q2", "B", 10, 0.07)],
            tiers=[tier("S", 1, 0.10)], terms=[(12, 0.0), (24, 0.05)])
    assert r.lines.NetPrice.tolist() == [503, 7951]
    assert r.lines.NetAmount.tolist() == [3 * 503, 10 * 7951]


MATRIX = [
    rule(1, "Sales Manager", "Discount", 0.10),   # row 1
    rule(2, "Regional VP", "Discount", 0.20),     # row 2
    rule(2, "Finance", "Margin", 0.50),           # row 3
    rule(3, "Deal Desk", "BelowFloor"),           # row 4
    rule(2, "Legal", "NonStandardTerms"),         # row 5
    rule(4, "CFO", "DealSize", 1_000_000.0),      # row 6
]


def approvals(quotes, lines, products):
    r = run(products, quotes, lines, rules=MATRIX, fx=[("EUR", 0.92)])
    return r.quotes.set_index("QuoteID")


def test_approval_routed_by_the_strictest_rule_that_applies():
    # list 100, cost 51: a 15% discount nets 85.00, margin 34 / 85 = 40%; 25% nets 75.00, margin 24 / 75 = 32%
    prods = [product("P", 100.0, 60.0, 51.0), product("F", 100.0, 90.0, 10.0),
             product("P", 100.0, 0.0, 10.0, currency="EUR")]
    q = approvals(
        [quote("A"), quote("B"), quote("C", terms="Net 90 payment"), quote("D", currency="EUR"), quote("E"),
         quote("G")],
        [line("A", "P", 1, 0.15), line("B", "P", 1, 0.25), line("C", "F", 1, 0.15),
         line("D", "P", 9500, 0.0), line("E", "P", 1, 0.10), line("G", "F", 1, 0.05)],
        prods)
    # A meets row 1 (15% > 10%, level 1) and row 3 (40% < 50%, level 2): the stricter is Finance
    assert q.loc["A", "Approver"] == "Finance" and q.loc["A", "ApprovalLevel"] == 2
    assert q.loc["A", "ApprovalRule"] == "Margin below 50.0% (ApprovalRules row 3, level 2)"
    assert q.loc["A", "Breaches"] == ("discount 15.0% above 10.0% -> Sales Manager; "
                                      "margin 40.0% below 50.0% -> Finance")
    # B meets rows 1, 2 and 3; rows 2 and 3 share level 2: the first row (Regional VP) decides
    assert q.loc["B", "Approver"] == "Regional VP"
    assert q.loc["B", "ApprovalRule"] == "Discount above 20.0% (ApprovalRules row 2, level 2)"
    # C: 85.00 is below the 90.00 floor (row 4, level 3) and has non-standard terms (row 5, level 2)
    assert q.loc["C", "Approver"] == "Deal Desk" and q.loc["C", "LinesBelowFloor"] == 1
    # D: EUR 950,000.00 / 0.92 = USD 1,032,608.70 >= 1,000,000 (row 6, level 4), though no discount at all
    assert q.loc["D", "NetAmountBase"] == 103260870
    assert q.loc["D", "Approver"] == "CFO"
    # E: exactly 10% is not above 10%; margin (90 - 51) / 90 = 43.3% < 50%: Finance only
    assert q.loc["E", "Breaches"] == "margin 43.3% below 50.0% -> Finance"
    # G: 5% discount (not above 10%), margin 85 / 95 = 89.5%, net 95.00 at or above the 90.00 floor: nothing met
    assert q.loc["G", "Approver"] == "None (within guardrails)" and q.loc["G", "ApprovalLevel"] == 0
    assert pd.isna(q.loc["G", "ApprovalRule"])


def test_quote_totals_are_the_sums_of_their_lines_to_the_cent():
    prods = [product("P", 33.33, 0.0, 11.11), product("Q", 0.99, 0.0, 0.5)]
    r = run(prods, [quote("A"), quote("B")],
            [line("A", "P", 3, 0.07), line("B", "Q", 7), line("A", "Q", 11, 0.33)])
    ln, q = r.lines, r.quotes.set_index("QuoteID")
    for qid in ("A", "B"):
        mine = ln[ln.QuoteID == qid]
        for col in ("ListAmount", "NetAmount", "Cost", "Margin"):
            assert q.loc[qid, col] == mine[col].sum()
    assert np.all(ln.NetAmount == ln.NetPrice * ln.Quantity)
