"""Territories: the capability record the CLI, docs and add-in discover.

Nothing here imports a batch-only package (click...): xlwings Lite loads this module. The CLI
commands (``salesops-xl territories align|leads``) live in commands.py.
"""
from __future__ import annotations

from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_territories

    return recalc_territories(source, **kwargs)


def _align(source, **kwargs):
    from .workflow import align_territories

    return align_territories(source, **kwargs)


def _leads(source, **kwargs):
    from .workflow import route_leads

    return route_leads(source, **kwargs)


def _sample():
    from .sample import sample_tables

    return sample_tables()


#: The workflows the add-in exposes as ribbon buttons / xlwings Lite scripts.
SCRIPTS = (
    ScriptSpec(id="territories.recalc", label="Territories and leads", run=_workflow, icon="CalculateNow",
               description="Align the territories and route the leads, whichever the workbook holds"),
    ScriptSpec(id="territories.align", label="Align territories", run=_align, icon="DiagramRadialInsertClassic",
               description="Balanced, compact, contiguous territories with little disruption (HiGHS optimiser); "
                           "writes Alignment, Territories, Before After, Territory Map"),
    ScriptSpec(id="territories.leads", label="Route leads", run=_leads, icon="ShareWorkbook",
               description="Owner, named account, territory/segment, weighted round-robin, fallback queue; "
                           "writes Lead Assignments, Lead Load and the round-robin state"),
)


def _build(path: Path) -> Path:
    from .template import build_template

    return build_template(path)


def _commands():
    from .commands import territories

    return (territories,)


CAPABILITY = Capability(
    name="territories",
    title="Territory workbook (alignment and lead routing)",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/territories.md",
    commands=_commands,
    order=30,
    scripts=SCRIPTS,
    sample=_sample,
    also_detected_by=((schema.LEADS.name, schema.LEAD_REPS.name),),  # a workbook holding only the lead tables
)
