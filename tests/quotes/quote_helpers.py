"""Build small quoting workbooks in memory for tests that read like the rules they check (docs/quotes.md)."""
from __future__ import annotations

from salesops_xl.quotes.engine import QuoteResult, compute
from salesops_xl.quotes.inputs import load_inputs
from salesops_xl.source import MemorySource

RUN_AT = "2026-07-01T00:00:00+00:00"


def product(code: str, list_price: float, floor: float, cost: float, *, currency: str = "USD",
            schedule: str | None = None) -> dict:
    return {"Product": code, "Currency": currency, "ListPrice": list_price, "FloorPrice": floor, "UnitCost": cost,
            "VolumeSchedule": schedule, "Description": None}


def tier(schedule: str, min_qty: int, discount: float) -> dict:
    return {"Schedule": schedule, "MinQty": min_qty, "Discount": discount}


def rule(level: int, approver: str, kind: str, threshold: float | None = None) -> dict:
    return {"Level": level, "Approver": approver, "Rule": kind, "Threshold": threshold, "Note": None}


def quote(qid: str, *, currency: str = "USD", term: int = 12, terms: str | None = None, deal: str | None = None) -> dict:
    return {"QuoteID": qid, "Customer": f"Customer of {qid}", "Currency": currency, "TermMonths": term,
            "NonStandardTerms": terms, "Owner": "R001", "DealID": deal}


def line(qid: str, prod: str, qty: int, discount: float | None = None) -> dict:
    return {"QuoteID": qid, "Product": prod, "Quantity": qty, "Discount": discount}


DEFAULT_RULES = [rule(1, "Sales Manager", "Discount", 0.10)]


def workbook(products, quotes, lines, *, tiers=(), terms=(), rules=None, base: str = "USD", fx=()) -> MemorySource:
    tables = {
        "QuoteSettings": [{"BaseCurrency": base}],
        "QuoteFX": {"Currency": [c for c, _ in fx], "Rate": [r for _, r in fx]},
        "PriceBook": list(products),
        "VolumeTiers": list(tiers) or {"Schedule": [], "MinQty": [], "Discount": []},
        "TermDiscounts": [{"TermMonths": m, "Discount": d} for m, d in terms] or {"TermMonths": [], "Discount": []},
        "ApprovalRules": list(rules if rules is not None else DEFAULT_RULES),
        "Quotes": list(quotes),
        "QuoteLines": list(lines),
    }
    return MemorySource(tables, workbook="quotes.xlsx")


def run(*args, **kwargs) -> QuoteResult:
    return compute(load_inputs(workbook(*args, **kwargs)), computed_at=RUN_AT)
