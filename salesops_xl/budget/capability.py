"""The sales budget and hiring plan: the capability record the CLI, docs and add-in discover."""
from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_budget

    return recalc_budget(source, **kwargs)


def _build(path: Path) -> Path:
    from .template import build_budget_template

    return build_budget_template(path)


def _sample():
    from .sample import sample_tables

    return sample_tables()


def _commands():
    from .commands import budget

    return (budget,)


CAPABILITY = Capability(
    name="budget",
    title="Sales budget workbook",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/budget.md",
    commands=_commands,
    sample=_sample,
    order=50,
    scripts=(
        ScriptSpec(id="budget.recalc", label="Recalculate budget", run=_workflow, icon="CalculateNow",
                   description="Cost the headcount, back-schedule the hiring plan, compare plan, actuals and the "
                               "year-end forecast: rewrite the Budget, Budget Lines, Budget Months, Hiring and "
                               "Budget Run Log sheets"),
    ),
)
