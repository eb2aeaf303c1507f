"""``salesops-xl quotas ...``: the quota capability's extra commands (thin wrappers over the batch functions)."""
from __future__ import annotations

import functools
from pathlib import Path

import click


@click.group(name="quotas")
def quotas() -> None:
    """Quota and capacity workbooks: extra commands (recalc/validate work as for every workbook)."""


@quotas.command("handoff")
@click.argument("quotas_workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("commissions_workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--measure", help="Commission measure of the seats' quotas (default: QuotaPlan[Measure]).")
@click.option("--team-measure", help="Commission measure of the managers' team targets (default: "
                                     "QuotaPlan[TeamMeasure]; none: managers are not handed off).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the commission workbook here instead of updating it in place.")
@click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def handoff_command(quotas_workbook: Path, commissions_workbook: Path, measure: str | None,
                    team_measure: str | None, output: Path | None, dry_run: bool, quiet: bool) -> None:
    """Write the quotas planned in QUOTAS_WORKBOOK into COMMISSIONS_WORKBOOK's Quotas table.

    Seats hand their quota to --measure, managers their team target to
    --team-measure; rows of those measures for the people planned here are
    replaced (monthly or quarterly, as the measure is paid; in each person's
    currency); every other row, and every other sheet, is kept. Then `salesops-xl recalc
    COMMISSIONS_WORKBOOK` computes payouts on them.
    """
    from ..batch.handoff import write_handoff
    from ..console import run_guarded
    from .handoff import build_handoff

    build = functools.partial(build_handoff, measure=measure, team_measure=team_measure)
    rep = run_guarded(write_handoff, build, quotas_workbook, commissions_workbook, output=output, dry_run=dry_run)
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)
    if quiet:
        return
    where = "dry run, nothing written" if rep.output is None else str(rep.output)
    click.echo(f"{where}: {rep.summary['headline']} ({rep.seconds:.2f} s)")


@quotas.command("ramp")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--apply", is_flag=True, help="Copy the proposed curve into the RampCurve table (the only input table "
                                            "this changes; the old curve is kept in RampCurveLog).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result here instead of updating WORKBOOK in place.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def ramp_command(workbook: Path, apply: bool, output: Path | None, quiet: bool) -> None:
    """Measure how fast new hires ramped in BookingsHistory and propose a RampCurve (the Ramp sheet).

    Each new hire's bookings by month of tenure are compared with tenured reps of the same calendar
    months; the Ramp sheet shows the measured productivity with a 95% interval, the proposed monotone
    curve beside RampCurve, and what the proposal changes in the capacity plan. Rules: docs/quotas.md,
    "The ramp, measured".
    """
    from ..batch import run_workflow
    from ..console import run_guarded
    from .ramp import ramp_workflow

    rep = run_guarded(run_workflow, workbook, output,
                      workflow=lambda source, **kw: ramp_workflow(source, apply=apply, **kw))
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)
    if not quiet:
        click.echo(f"{rep.output}: {rep.summary['headline']} ({rep.seconds:.2f} s)")
