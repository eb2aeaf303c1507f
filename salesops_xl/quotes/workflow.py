"""The quoting workflow: read the workbook's tables, price and check, return the sheets to write.

Of the shape the add-in's generic script and the batch door run
(``(source, *, computed_at=None, progress=None) -> WorkflowResult``); it
reads everything first and touches neither files nor Excel.
"""
from __future__ import annotations

from ..source import TableSource
from ..words import count
from ..workflows import Progress, WorkflowResult, kept_run_time, previous_run
from .engine import QuoteResult, compute
from .inputs import load_inputs
from .outputs import quote_sheets


def price_quotes(source: TableSource, *, computed_at: str | None = None) -> QuoteResult:
    """Validate the quoting inputs and price every quote (no sheets)."""
    return compute(load_inputs(source), computed_at=computed_at)


def recalc_quotes(source: TableSource, *, computed_at: str | None = None,
                  progress: Progress | None = None) -> WorkflowResult:
    """Validate the inputs, price every line, route every quote, and build the output sheets.

    An unchanged workbook (same inputs, same engine) keeps its last run time, so recalculating it gives
    back the same bytes.
    """
    say = progress or (lambda stage: None)
    say("reading tables")
    prev = previous_run(source, "QuoteRunLog")
    inputs = load_inputs(source)
    computed_at = kept_run_time(prev, inputs.fingerprint, computed_at)
    say("pricing")
    result = compute(inputs, computed_at=computed_at)
    say("building sheets")
    return WorkflowResult(sheets=quote_sheets(result), summary=summary(result), warnings=result.warnings,
                          result=result)


def summary(r: QuoteResult) -> dict:
    q, ln = r.quotes, r.lines
    need = int((q["ApprovalLevel"] > 0).sum())
    below = int(ln["BelowFloor"].sum())
    base = r.inputs.base_currency
    total = int(q["NetAmountBase"].sum()) / 100.0
    margin_base = float((q["Margin"] / q["NetAmount"].where(q["NetAmount"] != 0) * q["NetAmountBase"]).sum()) / 100
    headline = (f"{count(len(q), 'quote')} ({count(len(ln), 'line')}) priced, {need} need an approval, "
                f"{count(below, 'line')} below floor")
    amounts = f"net {base} {total:,.2f}" + (f", margin {margin_base / total:.1%}" if total else "")
    return {"headline": headline, "amounts": amounts, "quotes": len(q), "lines": len(ln),
            "need_approval": need, "below_floor": below, "net_base": total}
