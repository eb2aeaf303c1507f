"""`salesops-xl export payroll|journal WORKBOOK --period YYYY-MM -o FILE.csv`: thin wrappers over
:mod:`salesops_xl.accounting.exports`."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click


def _run(workbook: Path):
    from ..commissions.commands import commission_run

    return commission_run(workbook)


def _stale_warning(workbook: Path) -> str | None:
    from ..batch import open_source
    from ..commissions.inputs import load_inputs
    from ..workflows import previous_run

    with open_source(workbook) as src:
        prev = previous_run(src)
        fp = load_inputs(src).fingerprint
    if prev and prev.get("Input fingerprint (SHA-256)") not in (None, fp):
        return (f"{workbook.name}: the inputs changed since the last recalculation; the export follows the inputs "
                "as they are now, which Payout Summary does not show yet (run salesops-xl recalc)")
    return None


_WORKBOOK = click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
_PERIOD = click.option("--period", required=True, help="The pay month, e.g. 2026-03.")
_OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                       help="The CSV file to write (replaced if it exists).")
_AMOUNTS = click.option("--amounts", is_flag=True, help="Also print the totals (left out by default so logs "
                                                        "carry no pay).")


@click.group()
def export() -> None:
    """Export a pay month for payroll or the general ledger (docs/accounting.md)."""


@export.command()
@_WORKBOOK
@_PERIOD
@_OUTPUT
@click.option("--pay-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pay date written on every row (default: the last day of the pay month).")
@_AMOUNTS
def payroll(workbook: Path, period: str, output: Path, pay_date, amounts: bool) -> None:
    """Write the pay of PERIOD as a payroll CSV: one row per rep and paid component, in the layout of the
    PayrollColumns table, with the earning codes of EarningCodes. Totals tie to Payout Summary."""
    from ..batch.files import write_csv
    from ..console import run_guarded
    from .exports import payroll_rows

    result = run_guarded(_run, workbook)
    date = pay_date.date() if isinstance(pay_date, _dt.datetime) else None
    rows = run_guarded(payroll_rows, result, period, date)
    run_guarded(write_csv, rows, output)
    _say_stale(workbook)
    reps = len(set(rows.attrs["payees"]))
    click.echo(f"wrote {output}: {len(rows):,} payroll rows, {reps:,} payees, for {period} (ties to Payout Summary)")
    if amounts:
        tot = pd_totals(rows.attrs["currency"], rows.attrs["cents"])
        click.echo("total " + ", ".join(f"{c} {v}" for c, v in tot))


@export.command()
@_WORKBOOK
@_PERIOD
@_OUTPUT
@_AMOUNTS
def journal(workbook: Path, period: str, output: Path, amounts: bool) -> None:
    """Write the journal entries of PERIOD as CSV (date, account, debit, credit, currency, cost centre, memo)
    with the accounts of the JournalAccounts table; the payroll clearing ties to Payout Summary."""
    from ..batch.files import write_csv
    from ..console import run_guarded
    from ..money import cents_to_text
    from .exports import journal_rows

    result = run_guarded(_run, workbook)
    rows = run_guarded(journal_rows, result, period)
    run_guarded(write_csv, rows, output)
    _say_stale(workbook)
    click.echo(f"wrote {output}: {len(rows):,} journal lines for {period}, debits = credits")
    if amounts:
        click.echo(f"debits {cents_to_text([rows.attrs['debit']])[0]}, credits "
                   f"{cents_to_text([rows.attrs['credit']])[0]} (all currencies)")


def pd_totals(currency, cents) -> list[tuple[str, str]]:
    import numpy as np

    from ..money import cents_to_text

    cur = np.asarray(currency, dtype=object)
    out = []
    for c in sorted(set(cur.tolist())):
        out.append((c, cents_to_text([int(np.asarray(cents)[cur == c].sum())])[0]))
    return out


def _say_stale(workbook: Path) -> None:
    try:
        w = _stale_warning(workbook)
    except Exception:  # a warning only: never fail an export that was written
        w = None
    if w:
        click.echo(f"warning: {w}", err=True)


COMMANDS = (export,)
