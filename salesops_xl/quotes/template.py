"""The quoting template ``workbooks/quotes.xlsx``, generated reproducibly from code.

Input sheets from the schema and the sample data, a README and a Checks
sheet of native formulas, then a recalculation with a fixed time: the same
code always gives the same bytes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sheets import SheetSpec
from ..templates import build_template, input_sheet
from . import schema as S

README = [
    "This workbook prices quotes and checks them against the deal-desk guardrails with salesops-xl. Fill in the",
    "blue input tables; the other sheets (Priced Lines, Quote Approvals, Quote Run Log) are produced by a",
    "recalculation and replaced every time: do not edit them. Everything else (your sheets, formulas) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Price and check quotes;  or from a terminal:",
    "    salesops-xl recalc quotes.xlsx",
    "",
    "Input tables (salesops-xl schema --kind quotes prints every column and rule):",
    "  QuoteSettings / QuoteFX  the base currency of deal sizes, and exchange rates into it",
    "  PriceBook        per product and currency: list price, floor price, unit cost, volume schedule",
    "  VolumeTiers      volume schedules: from MinQty units, Discount on every unit of the line",
    "  TermDiscounts    from TermMonths months, Discount (after the volume discount)",
    "  ApprovalRules    the approval matrix: Level, Approver, Rule (Discount, DealSize, Margin,",
    "                   NonStandardTerms, BelowFloor) and Threshold; the strictest rule met decides",
    "  Quotes           one row per quote: customer, currency, term, non-standard terms, deal",
    "  QuoteLines       one row per line: product, quantity, discretionary discount",
    "Cell functions: =SXL_PRICE(product, qty, currency, PriceBook[#All], ...), =SXL_DISCOUNT_APPROVER(...),",
    "=SXL_MARGIN(net, cost). Rules (how every number is computed, with examples): docs/quotes.md.",
]


def _checks_sheet() -> SheetSpec:
    """Native formulas over the output tables (kept by recalculations; LibreOffice/Excel compute them)."""
    rows = [
        ("A1", "Checks (native Excel formulas over the output tables; salesops-xl never rewrites this sheet)"),
        ("A3", "Net amount of the lines (all currencies added together)"),
        ("A4", "Net amount of the quotes (must equal B3)"),
        ("A5", "Lines below floor (NetPrice < FloorPrice, counted here)"),
        ("A6", "Lines below floor (as flagged by salesops-xl; must equal B5)"),
        ("A7", "Quotes needing an approval"),
        ("A8", "Margin of the lines minus margin of the quotes (must be 0)"),
    ]
    formulas = [
        ("B3", "SUM(PricedLines[NetAmount])"),
        ("B4", "SUM(QuoteApprovals[NetAmount])"),
        ("B5", "SUMPRODUCT(--(PricedLines[NetPrice]<PricedLines[FloorPrice]))"),
        ("B6", 'COUNTIF(PricedLines[BelowFloor],"Yes")'),
        ("B7", 'COUNTIF(QuoteApprovals[ApprovalLevel],">0")'),
        ("B8", "ROUND(SUM(PricedLines[Margin])-SUM(QuoteApprovals[Margin]),2)"),
    ]
    return SheetSpec(name="Checks", notes=tuple(rows), formulas=tuple(formulas), tab_color="FFC000",
                     col_widths=(("A", 62.0), ("B", 18.0)))


def quote_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    """README, the input sheets (blue) and the Checks sheet."""

    def sheet(name, schemas_anchors, freeze="A2"):
        return input_sheet(name, tables, schemas_anchors, freeze)

    notes = (("A1", "salesops-xl quoting guardrails workbook"),) + tuple(
        (f"A{i + 3}", line) for i, line in enumerate(README))
    return [
        SheetSpec(name="README", notes=notes, tab_color="C00000"),
        sheet("Settings", [(S.QUOTE_SETTINGS, "A1"), (S.QUOTE_FX, "C1")], freeze=None),
        sheet("Price Book", [(S.PRICE_BOOK, "A1")]),
        sheet("Discounts", [(S.VOLUME_TIERS, "A1"), (S.TERM_DISCOUNTS, "E1")]),
        sheet("Approvals", [(S.APPROVAL_RULES, "A1")]),
        sheet("Quotes", [(S.QUOTES, "A1")]),
        sheet("Quote Lines", [(S.QUOTE_LINES, "A1")]),
        _checks_sheet(),
    ]


def build_quote_template(path: str | Path = "workbooks/quotes.xlsx") -> Path:
    """Write the quoting template with sample data and computed outputs to ``path``."""
    from .sample import sample_tables

    return build_template(path, quote_input_sheets(sample_tables()), kind="quotes")
