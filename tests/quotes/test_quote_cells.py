"""Quoting cell functions through the add-in's wrappers: hand-computed; bad input is an error text."""
from __future__ import annotations

from salesops_xl.addin import functions as F
from salesops_xl.quotes import cells

BOOK = [["Product", "Currency", "ListPrice", "FloorPrice", "UnitCost", "VolumeSchedule"],
        ["P1", "USD", 100, 70, 20, "SEATS"], ["P1", "EUR", 92, 64, 18, "SEATS"], ["P2", "USD", 10.05, 0, 0, None]]
TIERS = [["Schedule", "MinQty", "Discount"], ["SEATS", 1, 0], ["SEATS", 10, 0.10], ["SEATS", 50, 0.20]]
TERMS = [["TermMonths", "Discount"], [12, 0], [24, 0.05]]
RULES = [["Level", "Approver", "Rule", "Threshold"],
         [1, "Sales Manager", "Discount", 0.10], [2, "Regional VP", "Discount", 0.20], [2, "Finance", "Margin", 0.50],
         [3, "Deal Desk", "BelowFloor", None], [2, "Legal", "NonStandardTerms", None],
         [4, "CFO", "DealSize", 1_000_000]]


def test_the_functions_are_registered_with_the_addin():
    for name in ("sxl_price", "sxl_discount_approver", "sxl_margin"):
        assert callable(getattr(F, name))


def test_price_three_tiers_term_and_discount():
    # 60 units: tier from 50 (20%), 24 months (5%), 10% more: 100 x 0.8 x 0.95 x 0.9 = 68.40
    assert F.sxl_price("P1", [[60]], "USD", BOOK, TIERS, 24, TERMS, 0.10) == 68.40
    # a column of quantities spills one price each: 5 -> 100, 10 -> 90, 49 -> 90, 50 -> 80
    assert F.sxl_price("P1", [[5], [10], [49], [50]], "USD", BOOK, TIERS) == [[100.0], [90.0], [90.0], [80.0]]
    # the currency picks the row: 92 x 0.9 = 82.80; without tiers the list price
    assert F.sxl_price("P1", [[10]], "eur", BOOK, TIERS) == 82.80
    assert F.sxl_price("P1", [[10]], "USD", BOOK) == 100.0
    # half away from zero: 10.05 x 0.5 = 5.025 -> 5.03
    assert F.sxl_price("P2", [[1]], "USD", BOOK, None, None, None, 0.5) == 5.03


def test_price_errors_say_why():
    assert F.sxl_price("P9", [[1]], "USD", BOOK) == "#N/A no price for P9 in USD in price_book"
    assert F.sxl_price("P1", [[0]], "USD", BOOK) == "#VALUE! qty must be a whole number of units, 1 or more"
    assert F.sxl_price("P1", [[1]], "USD", BOOK, None, None, None, 25).startswith(
        "#VALUE! discount must be between 0% and 100%")
    assert F.sxl_price("P1", [["#N/A"]], "USD", BOOK).startswith("#N/A")


def test_discount_approver_strictest_rule():
    assert F.sxl_discount_approver(0.15, 50_000, 0.60, RULES) == "Sales Manager"
    assert F.sxl_discount_approver(0.15, 50_000, 0.40, RULES) == "Finance"  # level 2 beats level 1
    assert F.sxl_discount_approver(0.25, 50_000, 0.40, RULES) == "Regional VP"  # level 2 tie: first row
    assert F.sxl_discount_approver(0.25, 50_000, 0.40, RULES, True, True) == "Deal Desk"
    assert F.sxl_discount_approver(0.0, 1_000_000, 0.90, RULES) == "CFO"
    assert F.sxl_discount_approver(0.10, 999_999.99, 0.50, RULES) == "None (within guardrails)"
    assert F.sxl_discount_approver([[0.05], [0.15], [0.5]], [[10], [10], [10]], [[0.9], [0.9], [0.9]], RULES) == \
        [["None (within guardrails)"], ["Sales Manager"], ["Regional VP"]]


def test_discount_approver_errors():
    bad = RULES[:1] + [[1, "X", "Discount", None]]
    assert F.sxl_discount_approver(0.1, 1, 0.5, bad) == "#VALUE! rules[Threshold] (row 2) is blank; this rule needs one"
    assert F.sxl_discount_approver(0.1, 1, 0.5, RULES[:1] + [[1, "X", "Size", 1]]).startswith(
        "#VALUE! rules[Rule] (row 2) is 'Size'")


def test_margin():
    assert F.sxl_margin(100, 30) == 0.7
    assert F.sxl_margin([[4104], [100]], [[1200], [100]]) == [[2904 / 4104], [0.0]]
    assert F.sxl_margin(0, 5) == "#DIV/0! net is 0: a margin share needs a net amount"


def test_cells_never_raise():
    for bad in (None, "x", [[None]], True, float("nan")):
        for fn, args in ((cells.price, (bad, bad, bad, bad)), (cells.discount_approver, (bad, bad, bad, bad)),
                         (cells.margin, (bad, bad))):
            out = fn(*args)
            assert isinstance(out, (str, list, float, int)), (fn, bad, out)
