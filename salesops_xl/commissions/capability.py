"""Commissions: the capability record the CLI, docs and add-in discover."""
from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_commissions

    return recalc_commissions(source, **kwargs)


def _whatif(source, **kwargs):
    from .whatif import run_whatif

    return run_whatif(source, **kwargs)


def _statement(source, **kwargs):
    from .statements import rep_statement_workflow

    return rep_statement_workflow(source, **kwargs)


def _commands():
    from ..accounting.commands import COMMANDS as ACCOUNTING
    from .commands import COMMANDS

    return COMMANDS + ACCOUNTING


def _sample():
    from .sample import sample_tables

    return sample_tables()


def _build(path: Path) -> Path:
    from .template import build_commission_template

    return build_commission_template(path)


CAPABILITY = Capability(
    name="commissions",
    title="Commission workbook",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/commissions.md",
    order=10,
    scripts=(ScriptSpec(id="commissions.recalc", label="Recalculate payouts", run=_workflow, icon="CalculateNow",
                        description="Validate the inputs, compute payouts, statement lines, dashboard and run log"),
             ScriptSpec(id="commissions.statement", label="Rep statement", run=_statement, icon="FileSendAsAttachment",
                        description="Write the statement of the rep named in Settings[StatementRep] into the Rep "
                                    "Statement sheets (per-rep files: salesops-xl statements)"),
             ScriptSpec(id="commissions.whatif", label="Plan what-if", run=_whatif, icon="ChartTypeOtherInsertGallery",
                        description="Simulate the plan's cost and compare the scenario plan on the same deals")),
    commands=_commands,
    sample=_sample,
)
