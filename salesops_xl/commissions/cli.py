"""Commission commands beyond `recalc`: rep statements, run diff, plan what-if."""
from __future__ import annotations

import sys
from pathlib import Path

import click



def run_guarded(fn, *args, **kwargs):
    from ..cli import run_guarded as guarded  # imported late: salesops_xl.cli imports this module

    return guarded(fn, *args, **kwargs)


def _result(workbook: Path):
    from ..batch import open_source
    from .engine import compute
    from .inputs import load_inputs

    with open_source(workbook) as src:
        return compute(load_inputs(src))


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the statements (created if needed).")
@click.option("--rep", "reps", multiple=True, help="Only this rep (repeat for several).")
@click.option("--pdf", is_flag=True, help="Also render each statement to PDF with LibreOffice.")
@click.option("--jobs", type=int, default=None, help="Parallel processes (default: up to 4, by CPU count).")
def statements(workbook: Path, out: Path, reps: tuple[str, ...], pdf: bool, jobs: int | None) -> None:
    """Write one statement workbook (and PDF) per rep of WORKBOOK into OUT, each holding only that rep's data."""
    from .statements import default_jobs, write_statements

    result = run_guarded(_result, workbook)
    rep = run_guarded(write_statements, result, out, reps=list(reps) or None, jobs=jobs or default_jobs(), pdf=pdf)
    extra = f" and {len(rep.pdfs)} PDFs ({rep.seconds['pdfs']:.1f} s)" if pdf else ""
    click.echo(f"wrote {len(rep.workbooks)} statements to {rep.folder} ({rep.seconds['workbooks']:.1f} s){extra}")


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--rep", "reps", multiple=True, help="Only this rep (repeat for several).")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the changes as CSV (one row per rep, month and component).")
def diff(old: Path, new: Path, reps: tuple[str, ...], csv_out: Path | None) -> None:
    """Show what changed between two recalculated commission workbooks, per rep, and why."""
    from ..safety import csv_safe
    from .diff import diff as do_diff

    report = run_guarded(do_diff, old, new)
    if reps:
        report.changes = [c for c in report.changes if c.rep in set(reps)]
    click.echo(report.text())
    if csv_out is not None:
        csv_safe(report.frame()).to_csv(csv_out, index=False)


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the What-if sheet here instead of into WORKBOOK.")
def whatif(workbook: Path, output: Path | None) -> None:
    """Simulate next year's commission cost and compare a scenario plan (ScenarioMeasures/ScenarioTiers)."""
    from ..batch import run_workflow
    from .whatif import run_whatif

    rep = run_guarded(run_workflow, workbook, output, workflow=run_whatif)
    click.echo(f"{rep.output}: {rep.summary.get('headline', '')} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)


COMMANDS = (statements, diff, whatif)
