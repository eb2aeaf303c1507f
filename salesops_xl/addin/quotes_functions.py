"""Excel custom functions of the quoting capability: xlwings decorators around :mod:`salesops_xl.quotes.cells`.

Discovered by :mod:`salesops_xl.addin.functions` (names ``sxl_*``), so they
register with the others (desktop "Import Functions", xlwings Lite).
"""
from __future__ import annotations

from xlwings import arg, func

from ..cells import unwrap
from ..quotes import cells
from .functions import CATEGORY

__all__ = ["sxl_price", "sxl_discount_approver", "sxl_margin"]


@func(category=CATEGORY)
@arg("product", err_to_str=True, doc="Product code (PriceBook[Product])")
@arg("qty", ndim=2, err_to_str=True, doc="Units: a cell or a range (the result spills)")
@arg("currency", err_to_str=True, doc="Currency of the price (PriceBook[Currency])")
@arg("price_book", ndim=2, err_to_str=True, doc="Price book with its header: Product, Currency, ListPrice, "
                                                "[VolumeSchedule]")
@arg("volume_tiers", ndim=2, err_to_str=True, doc="Optional: Schedule, MinQty, Discount (with header)")
@arg("term_months", err_to_str=True, doc="Optional contract term in months")
@arg("term_discounts", ndim=2, err_to_str=True, doc="Optional: TermMonths, Discount (with header)")
@arg("discount", err_to_str=True, doc="Optional discretionary discount (default 0%)")
def sxl_price(product, qty, currency, price_book, volume_tiers=None, term_months=None, term_discounts=None,
              discount=None):
    """Net unit price: list x (1 - volume tier) x (1 - term discount) x (1 - discount), to the cent."""
    return cells.price(product, unwrap(qty), currency, price_book, volume_tiers, term_months, term_discounts,
                       discount)


@func(category=CATEGORY)
@arg("discount", ndim=2, err_to_str=True, doc="Discretionary discount(s) of the quote")
@arg("amount", ndim=2, err_to_str=True, doc="Deal size(s), in the currency of the DealSize thresholds")
@arg("margin", ndim=2, err_to_str=True, doc="Margin share(s) of the net amount")
@arg("rules", ndim=2, err_to_str=True, doc="Approval matrix with its header: Level, Approver, Rule, Threshold")
@arg("non_standard", err_to_str=True, doc="Optional TRUE when the quote has non-standard terms")
@arg("below_floor", err_to_str=True, doc="Optional TRUE when a line is priced below its floor")
def sxl_discount_approver(discount, amount, margin, rules, non_standard=None, below_floor=None):
    """Who approves: the approver of the strictest rule met (highest level, then the first row)."""
    return cells.discount_approver(unwrap(discount), unwrap(amount), unwrap(margin), rules, non_standard,
                                   below_floor)


@func(category=CATEGORY)
@arg("net", ndim=2, err_to_str=True, doc="Net amount(s) (or net unit price)")
@arg("cost", ndim=2, err_to_str=True, doc="Cost(s), one or one per net")
def sxl_margin(net, cost):
    """Margin share: (net - cost) / net."""
    return cells.margin(unwrap(net), unwrap(cost))
