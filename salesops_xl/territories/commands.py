"""CLI commands of the territory workbook (batch door only: imports click).

    salesops-xl territories align WORKBOOK [-o OUTPUT]   # the alignment only
    salesops-xl territories leads WORKBOOK [-o OUTPUT] [--reroute LEADID]   # lead routing only
    salesops-xl recalc WORKBOOK                          # whichever halves the workbook holds
"""
from __future__ import annotations

import sys
from pathlib import Path

import click


def _run(kind: str, workbook: Path, output: Path | None, progress: bool | None, quiet: bool,
         reroute: tuple[str, ...] = (), time_limit: float | None = None) -> None:
    import functools

    from ..batch import run_workflow
    from ..console import StageBar, run_guarded
    from . import workflow as wf

    fn = {"align": functools.partial(wf.align_territories, time_limit=time_limit),
          "leads": functools.partial(wf.route_leads, reroute=reroute)}[kind]
    show = sys.stderr.isatty() if progress is None else progress
    with StageBar(show and not quiet) as bar:
        rep = run_guarded(run_workflow, workbook, output, workflow=fn, progress=bar)
    if quiet:
        return
    click.echo(f"{rep.output}: {rep.summary.get('headline', 'done')} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)


@click.group(name="territories")
def territories() -> None:
    """Territory alignment and lead routing on a territory workbook (workbooks/territories.xlsx)."""


_ARGS = [
    click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path)),
    click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                 help="Write the result to this file instead of updating WORKBOOK in place."),
    click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal)."),
    click.option("-q", "--quiet", is_flag=True, help="Print nothing on success."),
]


def _with_args(f):
    for deco in reversed(_ARGS):
        f = deco(f)
    return f


@territories.command()
@_with_args
@click.option("--time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Time budget of the optimiser (default: AlignSettings TimeLimit, else 5 s); "
                                      "the Run Log gives the proven gap of the best alignment found.")
def align(workbook: Path, output: Path | None, progress: bool | None, quiet: bool,
          time_limit: float | None) -> None:
    """Align the territories of WORKBOOK: writes Alignment, Territories, Before After, Territory Map, Run Log."""
    _run("align", workbook, output, progress, quiet, time_limit=time_limit)


@territories.command()
@_with_args
@click.option("--reroute", "reroute", multiple=True, metavar="LEADID",
              help="Route this lead again although it already has a rep (repeat, or separate ids by commas).")
def leads(workbook: Path, output: Path | None, progress: bool | None, quiet: bool, reroute: tuple[str, ...]) -> None:
    """Route the leads of WORKBOOK: writes Lead Assignments, Lead Load, Round Robin (state), Run Log.

    A lead already in Lead Assignments keeps its rep (LeadSettings KeepAssignments); new leads are routed, and
    those marked Reroute (or named by --reroute) are routed again: the output says what moved."""
    ids = tuple(x.strip() for r in reroute for x in r.split(",") if x.strip())
    _run("leads", workbook, output, progress, quiet, ids)


