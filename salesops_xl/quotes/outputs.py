"""The sheets a quoting run writes back: Priced Lines, Quote Approvals (with its chart), Quote Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from . import schema as S
from .engine import QuoteResult, line_flags

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

OUT_TAB = "1F4E79"


def _block(name: str, columns, frame: pd.DataFrame, anchor: str = "A1", total_rows=()) -> TableBlock:
    data = {}
    for c in columns:
        v = np.asarray(frame[c.name])
        if c.kind == "text":
            v = v.astype(object)
            v[pd.isna(v)] = None  # a blank, never the text "nan"
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor, total_rows=tuple(total_rows))


def _yes(mask) -> np.ndarray:
    return np.where(np.asarray(mask, dtype=bool), "Yes", _NONE).astype(object)


LINE_COLUMNS = (
    Column("QuoteID", "text"),
    Column("Line", "int", description="Row of the line in the QuoteLines table (1 = first data row)."),
    Column("Product", "text"),
    Column("Currency", "text"),
    Column("Quantity", "int"),
    Column("TermMonths", "int"),
    Column("ListPrice", "money", description="PriceBook list price per unit, in the quote's currency."),
    Column("VolumeTier", "int", description="MinQty of the volume tier reached (0: none)."),
    Column("VolumeDiscount", "percent"),
    Column("TermDiscount", "percent"),
    Column("StandardPrice", "money", description="round(List x (1 - volume) x (1 - term)): the pre-approved "
                                                 "price per unit."),
    Column("Discount", "percent", description="The rep's discretionary discount (QuoteLines[Discount])."),
    Column("NetPrice", "money", description="round(List x (1 - volume) x (1 - term) x (1 - discount)) per "
                                            "unit, to the cent."),
    Column("FloorPrice", "money"),
    Column("TotalDiscount", "rate", description="1 - NetPrice / ListPrice."),
    Column("ListAmount", "money", description="ListPrice x Quantity."),
    Column("NetAmount", "money", description="NetPrice x Quantity (exact)."),
    Column("Cost", "money", description="UnitCost x Quantity."),
    Column("Margin", "money", description="NetAmount - Cost."),
    Column("MarginPct", "percent", description="Margin / NetAmount."),
    Column("BelowFloor", "text", description="Yes when NetPrice < FloorPrice."),
    Column("Flags", "text", width=60, description="Every breach of the line, in words."),
)

QUOTE_COLUMNS = (
    Column("QuoteID", "text"),
    Column("Customer", "text"),
    Column("Owner", "text"),
    Column("DealID", "text", description="Deals[DealID] of the commission workbook, for commission on margin."),
    Column("Currency", "text"),
    Column("TermMonths", "int"),
    Column("Lines", "int"),
    Column("ListAmount", "money"),
    Column("StandardAmount", "money", description="Sum of StandardPrice x Quantity."),
    Column("NetAmount", "money"),
    Column("Discount", "rate", description="Discretionary discount: 1 - NetAmount / StandardAmount."),
    Column("TotalDiscount", "rate", description="1 - NetAmount / ListAmount."),
    Column("Cost", "money"),
    Column("Margin", "money"),
    Column("MarginPct", "percent", description="Margin / NetAmount (blank when NetAmount is 0)."),
    Column("NetAmountBase", "money", description="NetAmount / FX rate, in the base currency (deal size)."),
    Column("LinesBelowFloor", "int"),
    Column("NonStandardTerms", "text"),
    Column("Approver", "text", description="Approver of the strictest rule met (highest Level, then first row)."),
    Column("ApprovalLevel", "int", description="0: no approval needed."),
    Column("ApprovalRule", "text", width=48, description="The rule that decided the approver, with its row and level."),
    Column("Breaches", "text", width=90, description="Every rule the quote meets, with its figures and approver."),
)

APPROVER_COLUMNS = (
    Column("Approver", "text"),
    Column("Level", "int"),
    Column("Quotes", "int", description="Quotes whose strictest rule names this approver."),
    Column("NetAmountBase", "money", description="Their net amount in the base currency."),
)


def _lines_sheet(r: QuoteResult) -> SheetSpec:
    f = r.lines.copy()
    f["BelowFloor"] = _yes(f["BelowFloor"])
    f["Flags"] = line_flags(r.lines)
    n_below = int(r.lines["BelowFloor"].sum())
    notes = (("A1", "Priced quote lines"),
             ("A2", f"{len(f):,} lines priced; {n_below:,} below floor. Prices per unit in the quote's currency; "
                    "rules: docs/quotes.md. Replaced by every recalculation."))
    return SheetSpec(name="Priced Lines", tables=(_block("PricedLines", LINE_COLUMNS, f, anchor="A4"),),
                     notes=notes, freeze="D5", tab_color=OUT_TAB, print_rows="4:4", print_cols="A:A",
                     looks=(("A1", "title"),))


def approver_frame(r: QuoteResult) -> pd.DataFrame:
    q = r.quotes
    g = q.groupby(["ApprovalLevel", "Approver"], sort=True).agg(Quotes=("QuoteID", "size"),
                                                                 NetAmountBase=("NetAmountBase", "sum"))
    g = g.reset_index().rename(columns={"ApprovalLevel": "Level"})
    return g[["Approver", "Level", "Quotes", "NetAmountBase"]]


def _approvals_sheet(r: QuoteResult) -> SheetSpec:
    q = r.quotes.copy()
    q["NonStandardTerms"] = _yes(q["NonStandardTerms"])
    ap = approver_frame(r)
    need = int((r.quotes["ApprovalLevel"] > 0).sum())
    base = r.inputs.base_currency
    notes = (("A1", "Quote approvals"),
             ("A2", f"{len(q):,} quotes: {need:,} need an approval. Each needs the approver of the strictest "
                    "ApprovalRules row it meets (highest Level, then the first row); Breaches lists every rule "
                    f"met. Deal sizes in {base}."))
    t_ap = _block("ApproverLoad", APPROVER_COLUMNS, ap, anchor="A4")
    chart_rows = max(14, len(ap) + 6)
    start = max(4 + len(ap) + 3, 3 + chart_rows + 2)  # below the chart, which sits beside ApproverLoad
    t_q = _block("QuoteApprovals", QUOTE_COLUMNS, q, anchor=f"A{start}")
    chart = ChartSpec(kind="bar", title="Quotes by approver needed",
                      series=(SeriesRef("Quotes", "ApproverLoad", "Quotes", "Approver", color="1F77B4"),),
                      anchor="F3", x_title="", y_title="Quotes", width_cols=8, height_rows=chart_rows,
                      y_format="0")
    return SheetSpec(name="Quote Approvals", tables=(t_ap, t_q), charts=(chart,), notes=notes,
                     freeze=None, tab_color=OUT_TAB, print_rows=f"{start}:{start}", print_cols="A:A",
                     looks=(("A1", "title"),))


def run_log_items(r: QuoteResult) -> list[tuple[str, str]]:
    inp, q, ln = r.inputs, r.quotes, r.lines
    return [
        ("Computed at (UTC)", r.computed_at),
        ("Engine version", f"salesops-xl {r.engine_version}"),
        ("Input fingerprint (SHA-256)", inp.fingerprint),
        ("Base currency", inp.base_currency),
        ("Quotes priced", f"{len(q):,}"),
        ("Lines priced", f"{len(ln):,}"),
        ("Lines below floor", f"{int(ln['BelowFloor'].sum()):,}"),
        ("Lines below cost", f"{int(ln['BelowCost'].sum()):,}"),
        ("Quotes needing an approval", f"{int((q['ApprovalLevel'] > 0).sum()):,}"),
        ("Net amount, base currency", f"{int(q['NetAmountBase'].sum()) / 100:,.2f} {inp.base_currency}"),
        ("Approval rules", f"{len(r.rules)}"),
        ("Rounding", "unit prices to the cent, half away from zero; amounts = unit price x quantity, exact"),
    ]


def _run_log(r: QuoteResult) -> SheetSpec:
    items = run_log_items(r)
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]}, dtype=object)
    t_log = _block("QuoteRunLog", (Column("Item", "text", width=34), Column("Value", "text", width=70)), log)
    warn = pd.DataFrame({"Warning": r.warnings or ["(none)"]}, dtype=object)
    t_warn = _block("QuoteRunWarnings", (Column("Warning", "text", width=110),), warn, anchor=f"A{len(log) + 4}")
    return SheetSpec(name="Quote Run Log", tables=(t_log, t_warn), tab_color="7F7F7F")


def quote_sheets(r: QuoteResult) -> list[SheetSpec]:
    """The output sheets of a quoting run, in the order they appear in the workbook."""
    assert tuple(s for s in S.OUTPUT_SHEETS) == ("Priced Lines", "Quote Approvals", "Quote Run Log")
    return [_lines_sheet(r), _approvals_sheet(r), _run_log(r)]
