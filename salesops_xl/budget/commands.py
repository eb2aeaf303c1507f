"""``salesops-xl budget ...``: the budget capability's hand-offs (thin wrappers over :mod:`.handoff`)."""
from __future__ import annotations

from pathlib import Path

import click


@click.group(name="budget")
def budget() -> None:
    """Sales budget workbooks: hand-offs from the quota and commission workbooks (recalc works as for all)."""


def _run(kind: str, other: Path, budget_workbook: Path, output: Path | None, dry_run: bool, quiet: bool) -> None:
    from ..batch.handoff import write_handoff
    from ..console import run_guarded
    from .handoff import build_from_commissions, build_from_quotas

    build = {"quotas": build_from_quotas, "commissions": build_from_commissions}[kind]
    rep = run_guarded(write_handoff, build, other, budget_workbook, output=output, dry_run=dry_run)
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)
    if not quiet:
        where = "dry run, nothing written" if rep.output is None else str(rep.output)
        click.echo(f"{where}: {rep.summary['headline']} ({rep.seconds:.2f} s)")


_OUT = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                    help="Write the budget workbook here instead of updating it in place.")
_DRY = click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
_QUIET = click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")


@budget.command("from-quotas")
@click.argument("quotas_workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("budget_workbook", type=click.Path(dir_okay=False, path_type=Path))
@_OUT
@_DRY
@_QUIET
def from_quotas_command(quotas_workbook: Path, budget_workbook: Path, output: Path | None, dry_run: bool,
                        quiet: bool) -> None:
    """Bring QUOTAS_WORKBOOK's seats and planned hires into BUDGET_WORKBOOK's Headcount table.

    Reads the quota workbook (never writes it): its Active and Open seats with their dates, and the
    capacity plan's planned hires, become Headcount rows with Source "quotas" (those rows are
    replaced; every other row and sheet is kept). Then `salesops-xl recalc BUDGET_WORKBOOK`.
    """
    _run("quotas", quotas_workbook, budget_workbook, output, dry_run, quiet)


@budget.command("from-commissions")
@click.argument("commissions_workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("budget_workbook", type=click.Path(dir_okay=False, path_type=Path))
@_OUT
@_DRY
@_QUIET
def from_commissions_command(commissions_workbook: Path, budget_workbook: Path, output: Path | None,
                             dry_run: bool, quiet: bool) -> None:
    """Bring COMMISSIONS_WORKBOOK's payouts (actuals) and what-if cost (plan) into BUDGET_WORKBOOK.

    Reads the commission workbook (never writes it): PayoutSummary[Total] of the closed months, by
    the rep's cost centre, becomes Actuals rows of Variable comp with Source "commissions" (those
    rows are replaced); a WhatIfByRep table's MeanCost becomes Headcount[ExpectedVariable].
    """
    _run("commissions", commissions_workbook, budget_workbook, output, dry_run, quiet)
