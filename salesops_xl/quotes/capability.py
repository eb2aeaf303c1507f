"""Quoting guardrails: the capability record the CLI, docs and add-in discover."""
from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_quotes

    return recalc_quotes(source, **kwargs)


def _build(path: Path) -> Path:
    from .template import build_quote_template

    return build_quote_template(path)


def _sample():
    from .sample import sample_tables

    return sample_tables()


CAPABILITY = Capability(
    name="quotes",
    title="Quoting guardrails workbook",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/quotes.md",
    sample=_sample,
    order=60,
    scripts=(
        ScriptSpec(id="quotes.recalc", label="Price and check quotes", run=_workflow, icon="CalculateNow",
                   description="Price every quote line from the price book and discount schedules, flag every "
                               "breach, name the approver each quote needs: rewrite the Priced Lines, Quote "
                               "Approvals and Quote Run Log sheets"),
    ),
)
