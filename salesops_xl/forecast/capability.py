"""Forecasting, sales metrics and gap analysis: the capability record the CLI, docs and add-in discover."""
from pathlib import Path

from ..capabilities import Capability, ScriptSpec
from . import schema


def _workflow(source, **kwargs):
    from .workflow import recalc_forecast

    return recalc_forecast(source, **kwargs)


def _snapshot(source, **kwargs):
    from .workflow import snapshot_forecast

    return snapshot_forecast(source, **kwargs)


def _build(path: Path) -> Path:
    from .template import build_forecast_template

    return build_forecast_template(path)


def _sample():
    from .sample import sample_tables

    return sample_tables()


def _commands():
    from .commands import forecast

    return (forecast,)


CAPABILITY = Capability(
    name="forecast",
    title="Forecast and gap-analysis workbook",
    input_tables=schema.INPUT_TABLES,
    output_sheets=schema.OUTPUT_SHEETS,
    workflow=_workflow,
    build_template=_build,
    doc="docs/forecast.md",
    commands=_commands,
    sample=_sample,
    order=40,
    scripts=(ScriptSpec(id="forecast.recalc", label="Recalculate forecast", run=_workflow, icon="ChartTrendline",
                        description="Forecast bookings per rep, team, region and company, backtest the methods, "
                                    "weigh the pipeline, compute sales metrics and the gap to quota"),
             ScriptSpec(id="forecast.snapshot", label="Take forecast snapshot", run=_snapshot, icon="Camera",
                        description="Append today's pipeline and calls to the Forecast History sheet, then "
                                    "recalculate (Pipeline Changes, Forecast Accuracy)")),
)
