"""Quotas and capacity planning: the capability record the CLI, docs and add-in discover."""
from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_quotas

    return recalc_quotas(source, **kwargs)


def _handoff(source, **kwargs):
    from .handoff import handoff_quotas

    return handoff_quotas(source, **kwargs)


def _build(path: Path) -> Path:
    from .template import build_quota_template

    return build_quota_template(path)


def _sample():
    from .sample import sample_tables

    return sample_tables()


def _commands():
    from .commands import quotas

    return (quotas,)


CAPABILITY = Capability(
    name="quotas",
    title="Quota and capacity workbook",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/quotas.md",
    commands=_commands,
    sample=_sample,
    order=20,
    scripts=(
        ScriptSpec(id="quotas.recalc", label="Recalculate quotas", run=_workflow, icon="CalculateNow",
                   description="Allocate the target, phase the quotas, plan capacity and hiring: rewrite the "
                               "Allocation, Rep Quotas, Quota Months, Seasonality, Capacity and Quota Run Log sheets"),
        ScriptSpec(id="quotas.handoff", label="Send quotas to commissions", run=_handoff, icon="ExportExcel",
                   description="In a workbook holding both the quota and the commission tables: write the planned "
                               "quotas into the commission Quotas table (other measures' rows kept)"),
    ),
)
