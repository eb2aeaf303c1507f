"""Commission commands beyond `recalc`: rep statements, run diff, plan what-if."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click


def run_guarded(fn, *args, **kwargs):
    from ..console import run_guarded as guarded

    return guarded(fn, *args, **kwargs)


def commission_run(workbook: Path):
    """The workbook's commission run; with the run time its Run Log records when the inputs are unchanged since
    its last recalculation (so a statement's date is the Run Log's "Computed at")."""
    from ..batch import open_source
    from ..workflows import kept_run_time, previous_run
    from .engine import compute
    from .inputs import load_inputs

    with open_source(workbook) as src:
        prev = previous_run(src)
        inputs = load_inputs(src)
        return compute(inputs, computed_at=kept_run_time(prev, inputs.fingerprint, None))


_AMOUNTS = click.option("--amounts", is_flag=True, help="Also print pay amounts (not printed by default: "
                                                        "terminals and logs stay free of pay).")


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the statements (created if needed).")
@click.option("--rep", "reps", multiple=True, help="Only this rep (repeat for several); an unknown one is an error.")
@click.option("--pdf", is_flag=True, help="Also render each statement to PDF with LibreOffice.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel processes (default: up to 4, by CPU count).")
@click.option("--send", is_flag=True, help="E-mail each rep its own statement (the PDF with --pdf) and record it "
              "in the workbook's Delivery Log; a rerun sends only what is not yet delivered.")
@click.option("--dry-run", is_flag=True, help="With --send: write each message as an .eml file into OUT/outbox "
              "and list who would get what; send nothing.")
@click.option("--resend", "resend", multiple=True, help="With --send: send this rep's statement again even if "
              "the Delivery Log shows it delivered (repeat for several).")
@click.option("--smtp-config", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="TOML file with [smtp] and [message] settings; overrides the Settings table's.")
@click.option("--amounts", is_flag=True, help="Print amounts (left out by default so logs carry no pay).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show progress on stderr (a bar on a terminal, else a line every few seconds).")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr; without --send, print nothing on success.")
def statements(workbook: Path, out: Path, reps: tuple[str, ...], pdf: bool, jobs: int | None, send: bool,
               dry_run: bool, resend: tuple[str, ...], smtp_config: Path | None, amounts: bool, progress: bool,
               quiet: bool) -> None:
    """Write one statement workbook (and PDF) per rep of WORKBOOK into OUT, each holding only that rep's data.

    A --rep the workbook does not hold is an error naming it (exit 1); nothing is written then.
    With --send, each rep is e-mailed its own statement (docs/commissions.md, "Statements by e-mail").
    """
    from ..batch.statements import default_jobs, write_statements
    from ..console import CountProgress
    from ..words import count

    if (dry_run or resend or smtp_config) and not send:
        raise click.UsageError("--dry-run, --resend and --smtp-config go with --send")
    if send:
        _send(workbook, out, reps, pdf, jobs or default_jobs(), dry_run, resend, smtp_config, amounts, quiet)
        return
    result = run_guarded(commission_run, workbook)
    with CountProgress(progress and not quiet) as bar:
        rep = run_guarded(write_statements, result, out, reps=list(reps) or None, jobs=jobs or default_jobs(),
                          pdf=pdf, progress=bar)
    if quiet:
        return
    extra = f" and {count(len(rep.pdfs), 'PDF')} ({rep.seconds['pdfs']:.1f} s)" if pdf else ""
    click.echo(f"wrote {count(len(rep.workbooks), 'statement')} to {rep.folder} "
               f"({rep.seconds['workbooks']:.1f} s){extra}")


def _send(workbook, out, reps, pdf, jobs, dry_run, resend, smtp_config, amounts, quiet) -> None:
    from ..batch.delivery import plural, send_statements

    progress = None if quiet else (lambda stage: click.echo(stage, err=True))
    rep = run_guarded(send_statements, workbook, out, reps=list(reps) or None, pdf=pdf, dry_run=dry_run,
                      resend=list(resend), config=smtp_config, jobs=jobs, progress=progress)
    with_address = [o for o in rep.planned if o.address is not None and o not in rep.skipped_delivered]
    if dry_run:
        click.echo(f"dry run for {rep.period}: {plural(len(with_address), 'message')} written to {rep.outbox}; "
                   f"nothing was sent")
        for o in with_address:
            click.echo(f"  {o.rep_id} {o.name} <{o.address}>: {o.kind.lower()}, "
                       f"{', '.join(p.name for p in o.attachments)}"
                       + (f", payable {o.payable}" if amounts and o.payable else ""))
    else:
        click.echo(f"{rep.period}: {plural(len(rep.sent), 'message')} sent (statements "
                   f"{rep.seconds['statements']:.1f} s, delivery {rep.seconds['delivery']:.1f} s)")
    if rep.skipped_delivered:
        ids = [o.rep_id for o in rep.skipped_delivered]
        more = f" and {len(ids) - 10:,} more" if len(ids) > 10 else ""
        click.echo(f"{plural(len(ids), 'message')} already delivered for {rep.period} "
                   f"(not sent again; --resend REP to force): {', '.join(ids[:10])}{more}")
    if rep.no_address:
        click.echo(f"{plural(len(rep.no_address), 'rep')} without an e-mail address in Roster[Email], skipped: "
                   f"{', '.join(o.rep_id for o in rep.no_address)}")
    for o, why in rep.refused:
        click.echo(f"refused by the server: {o.rep_id} <{o.address}>: {why}", err=True)
    if rep.refused:
        sys.exit(1)


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rep", "reps", multiple=True, help="Only this rep (repeat for several); an unknown one is an error.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the changes as CSV (one row per rep, month and component, with the amounts).")
@_AMOUNTS
def diff(old: Path, new: Path, reps: tuple[str, ...], csv_out: Path | None, amounts: bool) -> None:
    """Show what changed between two recalculated commission workbooks, per rep, and why.

    Without --amounts it says who changed, in which months and components, and why, but no pay
    amounts. A workbook whose inputs changed after its last recalculation is compared as it was last
    computed: a warning on stderr says so.
    """
    from ..safety import csv_safe
    report = run_guarded(_diff, old, new)
    if reps:
        report = run_guarded(report.only, reps)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(report.text(amounts=amounts))
    if csv_out is not None:
        csv_safe(report.frame()).to_csv(csv_out, index=False)


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the What-if sheet here instead of into WORKBOOK.")
@_AMOUNTS
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def whatif(workbook: Path, output: Path | None, amounts: bool, quiet: bool) -> None:
    """Simulate next year's commission cost and compare a scenario plan (ScenarioMeasures/ScenarioTiers)."""
    from ..batch import run_workflow
    from ..console import print_report
    from .whatif import run_whatif

    rep = run_guarded(run_workflow, workbook, output, workflow=run_whatif)
    if not quiet:
        print_report(rep, amounts=amounts)


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "by", required=True, help="Name of the person signing (recorded in the Approvals sheet).")
@click.option("--role", required=True, help="Their role, e.g. finance (ApprovalRoles table, or the default policy).")
@click.option("--step", type=click.Choice(["reviewed", "approved", "paid"], case_sensitive=False),
              default="approved", show_default=True, help="The step recorded: Draft -> Reviewed -> Approved -> Paid.")
@click.option("--note", default="", help="A note kept with the sign-off.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def approve(workbook: Path, by: str, role: str, step: str, note: str, quiet: bool) -> None:
    """Record a sign-off of WORKBOOK's payout run (who, role, when) in its Approvals sheet.

    Refused, with nothing written, for a role not allowed to record the step, a step out of order, or inputs
    changed since the last recalculation (recalculate and check first).
    """
    from .approvals import SignOff

    rep = run_guarded(_sign, workbook, SignOff(step=step.strip().capitalize(), by=by, role=role, note=note))
    if not quiet:
        click.echo(f"{rep.output}: run {rep.summary.get('status', step.capitalize())} by {by} ({role})")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)


@click.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
def audit(workbook: Path) -> None:
    """Verify WORKBOOK's audit log: every entry's hash and the chain between them.

    Exit 0 when intact; otherwise (exit 1) the first entry edited or removed, by sheet, row and column.
    """
    rep = run_guarded(_audit, workbook)
    click.echo(f"{workbook}: audit log intact, {rep.entries} entr{'y' if rep.entries == 1 else 'ies'}; last run "
               f"{rep.last_at}")
    if not rep.matches_run_log:
        click.echo("warning: the Run Log's input fingerprint is not the last entry's: the outputs were edited or "
                   "the last entries removed; recalculate to record the run", err=True)


def _diff(old: Path, new: Path):
    from ..batch import open_source
    from .diff import diff as diff_runs

    with open_source(old) as o, open_source(new) as n:
        return diff_runs(o, n, labels=(str(old), str(new)))


def _sign(workbook: Path, sign_off):
    """Record ``sign_off`` (an approvals.SignOff) in the workbook: its outputs are rewritten as ``recalc`` would
    (unchanged when the inputs are); refused, with nothing written, for a role the policy does not allow, a step
    out of order, or inputs changed since the last recalculation. Returns the RecalcReport."""
    from ..batch import run_workflow
    from .workflow import recalc_commissions

    return run_workflow(workbook, None, workflow=functools.partial(recalc_commissions, sign_off=sign_off))


def _audit(workbook: Path):
    from ..batch import open_source
    from .audit import audit_source

    with open_source(workbook) as src:
        return audit_source(src, workbook.name)


COMMANDS = (statements, diff, whatif, approve, audit)
