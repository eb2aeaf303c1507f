"""Price every quote line, flag every breach, route every quote to its approver (docs/quotes.md).

The rules, vectorised over whole columns (no Python loop per line or quote):

* **volume discount** ``v``: the tier of the line's schedule with the largest MinQty <= Quantity, on every
  unit (0 below the first tier, or without a schedule);
* **term discount** ``t``: the TermDiscounts row with the largest TermMonths <= the quote's term;
* **standard unit price** = round(List x (1 - v) x (1 - t)); **net unit price** = round(List x (1 - v) x
  (1 - t) x (1 - d)) with ``d`` the line's discretionary discount; rounding to the cent, half away from zero;
* line amounts are unit prices x Quantity, exact in cents; margin = net amount - UnitCost x Quantity;
* a line is **below floor** when its net unit price < FloorPrice;
* a quote's **discretionary discount** = 1 - net amount / standard amount; its **margin** = margin / net
  amount; its **deal size** = net amount / the FX rate (base currency);
* the quote needs the approver of the strictest ApprovalRules row it meets: highest Level, then first row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..money import round_half_away
from . import schema as S

if TYPE_CHECKING:
    from .inputs import QuoteInputs

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

#: Float noise allowed when comparing a ratio with a threshold (a discount of exactly 25% is not above 25%).
EPS = 1e-9


def tier_discount(tier_sched: np.ndarray, tier_min: np.ndarray, tier_disc: np.ndarray,
                  line_sched: np.ndarray, qty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Volume discount of each line and the MinQty of its tier (0 when no tier is reached).

    ``tier_sched`` / ``line_sched`` are integer schedule codes (-1: the line has no schedule).
    """
    n = len(qty)
    if len(tier_min) == 0 or n == 0:
        return np.zeros(n), np.zeros(n, dtype=np.int64)
    big = np.int64(2) ** 40
    tkey = tier_sched.astype(np.int64) * big + tier_min.astype(np.int64)
    order = np.argsort(tkey, kind="stable")
    tkey = tkey[order]
    lkey = line_sched.astype(np.int64) * big + np.minimum(qty.astype(np.int64), big - 1)
    pos = np.searchsorted(tkey, lkey, side="right") - 1
    ok = (pos >= 0) & (line_sched >= 0)
    pos_c = np.maximum(pos, 0).astype(np.intp)
    ok &= tier_sched.astype(np.int64)[order][pos_c] == line_sched
    disc = np.where(ok, tier_disc[order][pos_c], 0.0)
    mins = np.where(ok, tier_min.astype(np.int64)[order][pos_c], 0)
    return disc, mins


def step_discount(steps: np.ndarray, disc: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Discount of the row with the largest ``steps`` <= x (0 below the first)."""
    if len(steps) == 0:
        return np.zeros(len(x))
    order = np.argsort(steps, kind="stable")
    pos = np.searchsorted(steps[order], x, side="right") - 1
    return np.where(pos >= 0, disc[order][np.maximum(pos, 0).astype(np.intp)], 0.0)


def unit_cents(list_cents: np.ndarray, *discounts: np.ndarray) -> np.ndarray:
    """round(List x (1 - d1) x (1 - d2) ...), in cents, half away from zero."""
    f = np.ones(len(list_cents))
    for d in discounts:
        f = f * (1.0 - np.asarray(d, dtype=np.float64))
    return round_half_away(np.asarray(list_cents, dtype=np.float64) * f)


@dataclass(frozen=True)
class Rules:
    """The approval matrix as arrays (one entry per ApprovalRules row, in table order)."""

    level: np.ndarray  # int
    approver: np.ndarray  # object
    rule: np.ndarray  # object: one of schema.RULES
    threshold: np.ndarray  # float (NaN where not used)

    @classmethod
    def from_frame(cls, f: pd.DataFrame) -> Rules:
        return cls(level=f["Level"].to_numpy(np.int64), approver=f["Approver"].to_numpy(dtype=object),
                   rule=f["Rule"].to_numpy(dtype=object), threshold=f["Threshold"].to_numpy(np.float64))

    def __len__(self) -> int:
        return len(self.level)


def triggered(rules: Rules, discount, amount, margin, nonstandard, below_floor) -> np.ndarray:
    """(quotes x rules) booleans: which rows of the matrix each quote meets.

    Discount: discount > threshold; DealSize: amount >= threshold; Margin: margin < threshold (a quote with
    no margin % - net amount 0 - meets every Margin rule); NonStandardTerms / BelowFloor: the flag is set.
    """
    discount, amount, margin = (np.asarray(a, dtype=np.float64)[:, None] for a in (discount, amount, margin))
    nonstandard = np.asarray(nonstandard, dtype=bool)[:, None]
    below_floor = np.asarray(below_floor, dtype=bool)[:, None]
    r, thr = rules.rule[None, :], rules.threshold[None, :]
    m = np.where(np.isnan(margin), -np.inf, margin)
    return (((r == "Discount") & (discount > thr + EPS))
            | ((r == "DealSize") & (amount >= thr - 0.005))
            | ((r == "Margin") & (m < thr - EPS))
            | ((r == "NonStandardTerms") & nonstandard)
            | ((r == "BelowFloor") & below_floor))


def strictest(rules: Rules, hits: np.ndarray) -> np.ndarray:
    """Index of the strictest rule met per quote (highest Level, then the first row); -1: none."""
    k = len(rules)
    if k == 0:
        return np.full(hits.shape[0], -1, dtype=np.int64)
    score = rules.level.astype(np.int64) * (k + 1) + (k - np.arange(k))
    s = np.where(hits, score[None, :], -1)
    best = np.argmax(s, axis=1)
    return np.where(hits.any(axis=1), best, -1)


def _pct(x: float) -> str:
    return f"{x:.1%}"


def rule_text(rules: Rules, j: int) -> str:
    """A rule in words, e.g. 'Discount above 20.0%' (how the outputs state the rule applied)."""
    r, t = rules.rule[j], rules.threshold[j]
    return {"Discount": lambda: f"Discount above {_pct(t)}",
            "DealSize": lambda: f"DealSize at or above {t:,.2f}",
            "Margin": lambda: f"Margin below {_pct(t)}",
            "NonStandardTerms": lambda: "NonStandardTerms",
            "BelowFloor": lambda: "BelowFloor (a line below its floor price)"}[r]()


@dataclass
class QuoteResult:
    inputs: QuoteInputs
    lines: pd.DataFrame  # one row per QuoteLines row, in table order
    quotes: pd.DataFrame  # one row per priced quote, in Quotes order
    rules: Rules
    computed_at: str
    engine_version: str
    warnings: list[str]


def _price_rows(book_prod, book_ccy, prod, ccy) -> np.ndarray:
    """Row of the price book holding each (product, currency) pair (-1: none), through integer codes."""
    prods, curs = pd.Index(pd.unique(book_prod)), pd.Index(pd.unique(book_ccy))
    k = len(curs)
    book = pd.Index(prods.get_indexer(book_prod).astype(np.int64) * k + curs.get_indexer(book_ccy))
    p, c = prods.get_indexer(prod).astype(np.int64), curs.get_indexer(ccy)
    return np.where((p >= 0) & (c >= 0), book.get_indexer(p * k + c), -1).astype(np.intp)


def price_lines(inp) -> pd.DataFrame:
    """Every QuoteLines row priced: discounts, unit prices and amounts (cents), margin, floor flag."""
    q, ql, pb = inp.frame("Quotes"), inp.frame("QuoteLines"), inp.frame("PriceBook")
    qpos = pd.Index(q["QuoteID"]).get_indexer(ql["QuoteID"]).astype(np.intp)
    ccy = q["Currency"].to_numpy(dtype=object)[qpos]
    term = q["TermMonths"].to_numpy(np.int64)[qpos]
    pos = _price_rows(pb["Product"].to_numpy(dtype=object), pb["Currency"].to_numpy(dtype=object),
                      ql["Product"].to_numpy(dtype=object), ccy)
    list_c = round_half_away(pb["ListPrice"].to_numpy(np.float64) * 100)[pos]
    floor_c = round_half_away(pb["FloorPrice"].to_numpy(np.float64) * 100)[pos]
    cost_c = round_half_away(pb["UnitCost"].to_numpy(np.float64) * 100)[pos]
    qty = ql["Quantity"].to_numpy(np.int64)
    d = np.nan_to_num(ql["Discount"].to_numpy(np.float64))
    vt = inp.frame("VolumeTiers") if "VolumeTiers" in inp.tables else None
    if vt is not None and len(vt):
        codes, names = pd.factorize(vt["Schedule"])
        line_sched = pd.Index(names).get_indexer(pb["VolumeSchedule"].astype(object))[pos]
        v, vmin = tier_discount(codes, vt["MinQty"].to_numpy(np.int64), vt["Discount"].to_numpy(np.float64),
                                line_sched, qty)
    else:
        v, vmin = np.zeros(len(ql)), np.zeros(len(ql), dtype=np.int64)
    td = inp.frame("TermDiscounts") if "TermDiscounts" in inp.tables else None
    t = step_discount(td["TermMonths"].to_numpy(np.int64), td["Discount"].to_numpy(np.float64), term) \
        if td is not None and len(td) else np.zeros(len(ql))
    std_c = unit_cents(list_c, v, t)
    net_c = unit_cents(list_c, v, t, d)
    net_amt = net_c * qty
    cost_amt = cost_c * qty
    margin = net_amt - cost_amt
    below = net_c < floor_c
    loss = margin < 0
    return pd.DataFrame({
        "QuoteID": ql["QuoteID"].to_numpy(dtype=object), "Line": np.arange(len(ql)) + 1,
        "Product": ql["Product"].to_numpy(dtype=object), "Currency": ccy, "Quantity": qty,
        "TermMonths": term, "ListPrice": list_c, "VolumeTier": vmin, "VolumeDiscount": v, "TermDiscount": t,
        "StandardPrice": std_c, "Discount": d, "NetPrice": net_c, "FloorPrice": floor_c,
        "TotalDiscount": np.divide(list_c - net_c, list_c, out=np.zeros(len(ql)), where=list_c != 0),
        "ListAmount": list_c * qty, "StandardAmount": std_c * qty, "NetAmount": net_amt, "Cost": cost_amt,
        "Margin": margin,
        "MarginPct": np.divide(margin, net_amt, out=np.full(len(ql), np.nan), where=net_amt != 0),
        "BelowFloor": below, "BelowCost": loss, "_quote": qpos,
    })


def _join(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Per-row text fragments (None: nothing) joined with '; ' (None where a row has none)."""
    out = np.full(n, None, dtype=object)
    for p in parts:
        has = np.flatnonzero(p != None)  # noqa: E711 (elementwise on an object array)
        first = pd.isna(out[has])
        out[has[first]] = p[has[first]]
        rest = has[~first]
        out[rest] = out[rest] + "; " + p[rest]
    return out


def _texts(idx: np.ndarray, n: int, words: list[str]) -> np.ndarray:
    col = np.full(n, None, dtype=object)
    col[idx] = words
    return col


def line_flags(lines: pd.DataFrame) -> np.ndarray:
    """The breaches of each line in words (None: none)."""
    n = len(lines)
    below = np.flatnonzero(lines["BelowFloor"].to_numpy())
    loss = np.flatnonzero(lines["BelowCost"].to_numpy())
    net = lines["NetPrice"].to_numpy()[below] / 100.0
    floor = lines["FloorPrice"].to_numpy()[below] / 100.0
    return _join([_texts(below, n, [f"below floor: net price {a:,.2f} < floor {b:,.2f}"
                                    for a, b in zip(net.tolist(), floor.tolist())]),
                  _texts(loss, n, ["sold below cost (negative margin)"] * len(loss))], n)


def _pct_text(x: np.ndarray) -> np.ndarray:
    """Fractions as percentages with one decimal (0.4 -> '40.0%'), as f"{x:.1%}" writes them, in one C loop."""
    return np.char.mod("%.1f%%", np.nan_to_num(np.asarray(x, dtype=np.float64)) * 100)


def breaches(rules: Rules, hits: np.ndarray, disc, amount, margin, n_below, terms, base: str) -> np.ndarray:
    """Every rule each quote meets, with its figure and approver, in words (None: none); one pass per rule."""
    nq = hits.shape[0]
    parts = []
    for k in range(len(rules)):  # the rows of the matrix: a handful
        idx = np.flatnonzero(hits[:, k])
        if not len(idx):
            continue
        r, t, who = rules.rule[k], rules.threshold[k], f" -> {rules.approver[k]}"
        if r == "Discount":
            words = np.char.add(np.char.add("discount ", _pct_text(disc[idx])), f" above {t:.1%}{who}").tolist()
        elif r == "DealSize":
            words = [f"deal size {base} {x:,.2f} at or above {t:,.2f}{who}" for x in amount[idx].tolist()]
        elif r == "Margin":
            m = margin[idx]
            head = np.where(np.isnan(m), "no margin (net amount 0)", np.char.add("margin ", _pct_text(m)))
            words = np.char.add(head, f" below {t:.1%}{who}").tolist()
        elif r == "NonStandardTerms":
            words = [f"non-standard terms: {x}{who}" for x in terms[idx].tolist()]
        else:
            words = [f"{x} line{'s' if x != 1 else ''} below floor{who}" for x in n_below[idx].tolist()]
        parts.append(_texts(idx, nq, words))
    return _join(parts, nq)


def compute(inp: QuoteInputs, *, computed_at: str | None = None) -> QuoteResult:
    """Price the lines, sum them per quote, check every quote against the approval matrix."""
    import datetime as _dt

    from .. import __version__

    computed_at = computed_at or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    lines = price_lines(inp)
    q = inp.frame("Quotes")
    nq = len(q)
    qi = lines["_quote"].to_numpy(np.intp)

    def per_quote(col):
        return np.bincount(qi, weights=lines[col].to_numpy(np.float64), minlength=nq).astype(np.int64)

    n_lines = np.bincount(qi, minlength=nq)
    list_amt, std_amt, net_amt = per_quote("ListAmount"), per_quote("StandardAmount"), per_quote("NetAmount")
    cost, margin = per_quote("Cost"), per_quote("Margin")
    n_below = np.bincount(qi, weights=lines["BelowFloor"].to_numpy(np.float64), minlength=nq).astype(np.int64)
    ccy = q["Currency"].to_numpy(dtype=object)
    rate = pd.Series(ccy, dtype=object).map(inp.fx).to_numpy(np.float64)
    base_amt = round_half_away(net_amt / rate)
    disc = np.divide(std_amt - net_amt, std_amt, out=np.zeros(nq), where=std_amt != 0)
    total_disc = np.divide(list_amt - net_amt, list_amt, out=np.zeros(nq), where=list_amt != 0)
    mpct = np.divide(margin, net_amt, out=np.full(nq, np.nan), where=net_amt != 0)
    terms = q["NonStandardTerms"].to_numpy(dtype=object)
    nonstd = pd.Series(terms, dtype=object).fillna("").astype(str).str.strip().ne("").to_numpy()
    rules = Rules.from_frame(inp.frame("ApprovalRules"))
    hits = triggered(rules, disc, base_amt / 100.0, mpct, nonstd, n_below > 0)
    best = strictest(rules, hits)
    approver = np.where(best >= 0, np.append(rules.approver, _NONE)[best], S.NO_APPROVAL).astype(object)
    level = np.where(best >= 0, np.append(rules.level, 0)[best], 0)
    stated_k = [f"{rule_text(rules, j)} (ApprovalRules row {j + 1}, level {rules.level[j]})" for j in range(len(rules))]
    stated = np.array(stated_k + [None], dtype=object)[best]
    reasons = breaches(rules, hits, disc, base_amt / 100.0, mpct, n_below, terms, inp.base_currency)
    priced = n_lines > 0
    quotes = pd.DataFrame({
        "QuoteID": q["QuoteID"].to_numpy(dtype=object), "Customer": q["Customer"].to_numpy(dtype=object),
        "Owner": q["Owner"].to_numpy(dtype=object) if "Owner" in q else np.full(nq, None, dtype=object),
        "DealID": q["DealID"].to_numpy(dtype=object) if "DealID" in q else np.full(nq, None, dtype=object),
        "Currency": ccy, "TermMonths": q["TermMonths"].to_numpy(np.int64), "Lines": n_lines,
        "ListAmount": list_amt, "StandardAmount": std_amt, "NetAmount": net_amt, "Discount": disc,
        "TotalDiscount": total_disc, "Cost": cost, "Margin": margin, "MarginPct": mpct,
        "NetAmountBase": base_amt, "LinesBelowFloor": n_below, "NonStandardTerms": nonstd,
        "Approver": approver, "ApprovalLevel": level, "ApprovalRule": stated, "Breaches": reasons,
        "RulesMet": hits.sum(axis=1),
    })[priced].reset_index(drop=True)
    return QuoteResult(inputs=inp, lines=lines, quotes=quotes, rules=rules, computed_at=computed_at,
                       engine_version=__version__, warnings=list(inp.warnings))

