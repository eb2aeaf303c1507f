"""Quoting cell functions in plain Python: Excel values in, Excel values out, never an exception.

The same rules as the quoting workbook (docs/quotes.md), one formula at a time, through the same engine
functions (:mod:`salesops_xl.quotes.engine`):

* :func:`price` - the net unit price of a product: list price of the currency, volume tier, term discount,
  discretionary discount, rounded to the cent;
* :func:`discount_approver` - who approves a quote of this discount, deal size and margin: the strictest
  rule of an approval matrix that applies;
* :func:`margin` - (net - cost) / net.

Arguments arrive as Excel gives them (scalars, lists of lists, None for blanks, "#N/A" for errors); bad
input returns a short ``"#VALUE! ..."`` text.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cells import CellError, cell_function, frame, is_blank, number, numbers, text_value
from . import schema as S
from .engine import Rules, step_discount, strictest, tier_discount, triggered, unit_cents

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)


def _fraction(v: Any, what: str) -> float:
    x = number(v, what, blank=0.0)
    if not 0 <= x <= 1:
        raise CellError(f"{what} must be between 0% and 100% (25% or 0.25)")
    return x


def _column(f, name: str, what: str) -> np.ndarray:
    return np.array([number(v, f"{what}[{name}] (row {i + 2})") for i, v in enumerate(f[name])], dtype=np.float64)


def _quantities(qty: Any) -> tuple[np.ndarray, tuple[int, int] | None]:
    arr, scalar = numbers(qty, "qty")
    if np.any(arr < 1) or np.any(arr != np.floor(arr)):
        raise CellError("qty must be a whole number of units, 1 or more")
    return arr.reshape(-1).astype(np.int64), None if scalar else arr.shape


@cell_function
def price(product: Any, qty: Any, currency: Any, price_book: Any, volume_tiers: Any = None, term_months: Any = None,
          term_discounts: Any = None, discount: Any = None) -> Any:
    """Net unit price = round(List x (1 - volume) x (1 - term) x (1 - discount)), to the cent.

    ``price_book``: a range with the header Product, Currency, ListPrice (and VolumeSchedule to use
    ``volume_tiers``: header Schedule, MinQty, Discount); ``term_discounts``: header TermMonths, Discount.
    ``qty`` may be a range: the result spills one price per quantity.
    """
    prod = text_value(product, "product")
    ccy = text_value(currency, "currency").strip().upper()
    q, shape = _quantities(qty)
    pb = frame(price_book, "price_book", columns=("Product", "Currency", "ListPrice"))
    keys = [(text_value(p, "price_book[Product]", blank=""), text_value(c, "price_book[Currency]", blank="")
             .strip().upper()) for p, c in zip(pb["Product"], pb["Currency"])]
    hits = [i for i, k in enumerate(keys) if k == (prod, ccy)]
    if not hits:
        raise CellError(f"no price for {prod} in {ccy} in price_book", "#N/A")
    if len(hits) > 1:
        raise CellError(f"price_book lists {prod} in {ccy} twice")
    i = hits[0]
    lp = number(pb["ListPrice"].iat[i], f"price_book[ListPrice] (row {i + 2})")
    v = np.zeros(len(q))
    if not (volume_tiers is None or (not isinstance(volume_tiers, list) and is_blank(volume_tiers))):
        if "VolumeSchedule" not in [str(c) for c in pb.columns]:
            pb = frame(price_book, "price_book", columns=("Product", "Currency", "ListPrice", "VolumeSchedule"))
        sched = pb["VolumeSchedule"].iat[i]
        if not is_blank(sched):
            vt = frame(volume_tiers, "volume_tiers", columns=("Schedule", "MinQty", "Discount"))
            names = [text_value(s, "volume_tiers[Schedule]", blank="") for s in vt["Schedule"]]
            code = np.array([0 if n == text_value(sched, "VolumeSchedule") else 1 for n in names], dtype=np.int64)
            if not (code == 0).any():
                raise CellError(f"volume_tiers has no schedule {sched}")
            v, _ = tier_discount(code, _column(vt, "MinQty", "volume_tiers"), _column(vt, "Discount", "volume_tiers"),
                                 np.zeros(len(q), dtype=np.int64), q)
    t = np.zeros(len(q))
    if not is_blank(term_months) and term_discounts is not None and not (
            not isinstance(term_discounts, list) and is_blank(term_discounts)):
        months = number(term_months, "term_months")
        td = frame(term_discounts, "term_discounts", columns=("TermMonths", "Discount"))
        t = step_discount(_column(td, "TermMonths", "term_discounts"), _column(td, "Discount", "term_discounts"),
                          np.full(len(q), months))
    d = np.full(len(q), _fraction(discount, "discount"))
    cents = unit_cents(np.full(len(q), round(lp * 100)), v, t, d) / 100.0
    return float(cents[0]) if shape is None else cents.reshape(shape)


def _rules(rules: Any) -> Rules:
    f = frame(rules, "rules", columns=("Level", "Approver", "Rule", "Threshold"))
    kinds = []
    for i, r in enumerate(f["Rule"]):
        k = text_value(r, f"rules[Rule] (row {i + 2})")
        match = [x for x in S.RULES if x.lower() == k.strip().lower()]
        if not match:
            raise CellError(f"rules[Rule] (row {i + 2}) is {k!r}; expected one of {', '.join(S.RULES)}")
        kinds.append(match[0])
    thr = np.array([np.nan if is_blank(v) else number(v, f"rules[Threshold] (row {i + 2})")
                    for i, v in enumerate(f["Threshold"])], dtype=np.float64)
    need = np.isin(kinds, ("Discount", "DealSize", "Margin")) & np.isnan(thr)
    if need.any():
        raise CellError(f"rules[Threshold] (row {int(np.flatnonzero(need)[0]) + 2}) is blank; this rule needs one")
    return Rules(level=_column(f, "Level", "rules").astype(np.int64),
                 approver=np.array([text_value(a, "rules[Approver]") for a in f["Approver"]], dtype=object),
                 rule=np.array(kinds, dtype=object), threshold=thr)


def _flag(v: Any, what: str) -> bool:
    if is_blank(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    s = str(v).strip().lower()
    if s in ("yes", "true", "y", "1"):
        return True
    if s in ("no", "false", "n", "0"):
        return False
    raise CellError(f"{what} must be TRUE/FALSE (or Yes/No)")


@cell_function
def discount_approver(discount: Any, amount: Any, margin: Any, rules: Any, non_standard: Any = None,
                      below_floor: Any = None) -> Any:
    """The approver of the strictest rule met (highest Level, then the first row); "None (within guardrails)".

    ``discount``, ``amount`` (deal size, in the rules' currency) and ``margin`` may be ranges of one size:
    one approver per row then (spills). ``rules``: the approval matrix with the header Level, Approver,
    Rule, Threshold (the ApprovalRules table).
    """
    dis, s1 = numbers(discount, "discount")
    amt, _ = numbers(amount, "amount")
    mar, _ = numbers(margin, "margin")
    n = dis.size
    if amt.size not in (1, n) or mar.size not in (1, n):
        raise CellError("discount, amount and margin must be single values or ranges of the same size")
    rl = _rules(rules)
    hits = triggered(rl, dis.reshape(-1), np.broadcast_to(amt.reshape(-1), (n,)),
                     np.broadcast_to(mar.reshape(-1), (n,)), np.full(n, _flag(non_standard, "non_standard")),
                     np.full(n, _flag(below_floor, "below_floor")))
    best = strictest(rl, hits)
    out = np.where(best >= 0, np.append(rl.approver, _NONE)[best], S.NO_APPROVAL).astype(object)
    return out[0] if s1 else out.reshape(dis.shape)


@cell_function
def margin(net: Any, cost: Any) -> Any:
    """Margin as a share of the net amount: (net - cost) / net; ranges spill."""
    a, s1 = numbers(net, "net")
    c, _ = numbers(cost, "cost")
    if c.size not in (1, a.size):
        raise CellError("cost must be one value or a range the size of net")
    if np.any(a == 0):
        raise CellError("net is 0: a margin share needs a net amount", "#DIV/0!")
    m = (a - c.reshape(a.shape) if c.size == a.size else a - c.reshape(-1)[0]) / a
    return float(m[0, 0]) if s1 else m
