"""Workflows: read a workbook's tables, compute, return the sheets to write.

A workflow knows nothing about files or Excel: it reads through a
:class:`~salesops_xl.source.TableSource` and returns
:class:`~salesops_xl.sheets.SheetSpec` s. The batch CLI runs it on an .xlsx
file; the add-in's scripts run the very same function on the open workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .accounting.outputs import accounting_sheets
from .accounting.schema import ACCOUNTING_SHEETS
from .commissions.engine import CommissionResult, compute
from .commissions.inputs import load_inputs
from .commissions.outputs import OPTIONAL_SHEETS, commission_sheets, continuation_sheet_names
from .sheets import SheetSpec
from .source import TableSource
from .words import count

Progress = Callable[[str], None]


@dataclass
class WorkflowResult:
    """What a workflow produced: the sheets to write and a short report."""

    sheets: list[SheetSpec]
    summary: dict
    warnings: list[str]
    result: object = None
    remove: list[str] = field(default_factory=list)  # owned sheets of an earlier run that must go


def previous_run(source: TableSource, table: str = "RunLog") -> dict[str, str]:
    """Item -> Value of the workbook's existing run log table (empty if none)."""
    raw = source.read(table)
    if raw is None or "Item" not in raw.columns or "Value" not in raw.columns:
        return {}
    return {str(k): "" if v is None else str(v) for k, v in zip(raw.data["Item"], raw.data["Value"])
            if k is not None}


def kept_run_time(prev: dict[str, str], fingerprint: str, computed_at: str | None) -> str | None:
    """The time to record for this run: ``computed_at`` if given, else the last run's when the inputs and
    the engine version are unchanged (so recalculating an unchanged workbook gives back the same bytes),
    else None (now)."""
    from . import __version__

    if computed_at is None and prev.get("Input fingerprint (SHA-256)") == fingerprint \
            and prev.get("Engine version") == f"salesops-xl {__version__}":
        return prev.get("Computed at (UTC)") or None
    return computed_at


def recalc_commissions(source: TableSource, *, computed_at: str | None = None,
                       progress: Progress | None = None, sign_off=None, engine=None) -> WorkflowResult:
    """Validate the commission inputs, compute payouts, and build the output sheets.

    If the inputs and the engine version are those of the workbook's last run,
    the last run's timestamp is kept, so recalculating an unchanged workbook
    gives back the very same workbook. ``sign_off`` (an
    :class:`~salesops_xl.commissions.approvals.SignOff`, from ``salesops-xl approve``) records a step of the
    run's approval; it needs outputs that are up to date with the inputs. ``engine``: a drop-in for
    :func:`~salesops_xl.commissions.engine.compute` (the partitioned one of docs/scale.md), same result.
    """
    from .commissions import approvals, audit

    say = progress or (lambda stage: None)
    say("reading tables")
    prev = previous_run(source)
    inputs = load_inputs(source)
    trail = audit.read_trail(source, inputs.workbook)
    audit.verify(trail)  # a broken chain is never extended: nothing is written
    state = approvals.read_state(source)
    if sign_off is not None:
        approvals.check_sign_off(sign_off, state, inputs.tables.get("ApprovalRoles"), inputs.workbook)
        if prev.get("Input fingerprint (SHA-256)") != inputs.fingerprint:
            from .errors import UsageError

            raise UsageError(f"{inputs.workbook}: the inputs changed since the last recalculation (or it was never "
                             "recalculated): recalculate and check the numbers before signing them; nothing was "
                             "written")
    say("computing")
    computed_at = kept_run_time(prev, inputs.fingerprint, computed_at)
    result: CommissionResult = (engine or compute)(inputs, computed_at=computed_at)
    _check_locking(inputs, result, state)
    outcome = approvals.advance(state, result.summary, inputs.fingerprint, result.run.computed_at, sign_off)
    say("building sheets")
    sheets = commission_sheets(result)
    sheets += accounting_sheets(result)  # when the workbook has a CapPolicy (docs/accounting.md)
    run = result.run
    trail = audit.extend(trail, at=run.computed_at, user=audit.current_user(),
                         version=f"salesops-xl {run.engine_version}", fingerprint=run.fingerprint,
                         totals=audit.totals_text(run.totals), plan=audit.plan_rows(inputs.tables))
    sheets.append(audit.audit_sheet(trail))
    if outcome.state.in_use:
        sheets.append(approvals.approvals_sheet(outcome.state))
    produced = {sh.name for sh in sheets}
    stale = [n for n in continuation_sheet_names() + list(OPTIONAL_SHEETS) + list(ACCOUNTING_SHEETS)
             if n not in produced]
    # a Rep Statement written earlier by its script would otherwise show the previous run's numbers
    from .commissions.statements import refreshed_statement  # (its module also holds the batch-only file writer)

    st_sheets, st_remove, st_warnings = refreshed_statement(source, inputs, result)
    totals = {row.Currency: row.Total / 100.0 for row in result.run.totals.itertuples()}
    counts = result.run.counts
    headline = f"{count(counts['Payout rows'], 'payout row')}, {count(counts['Statement lines'], 'statement line')}"
    amounts = "total payable " + ", ".join(f"{c} {a:,.2f}" for c, a in totals.items())
    summary = {"headline": headline, "amounts": amounts, "totals": totals, **counts,
               "status": outcome.state.status, "changed_reps": list(outcome.changed)}
    return WorkflowResult(sheets=sheets + st_sheets, summary=summary,
                          warnings=result.run.warnings + list(outcome.warnings) + st_warnings, result=result,
                          remove=stale + st_remove)


def _check_locking(inputs, result: CommissionResult, state) -> None:
    """Months this run records as paid for the first time need an approved run of them (approvals in use)."""
    from .commissions import approvals

    lt = inputs.locked_through
    if lt is None or not state.in_use:
        return
    have = set(inputs.paid["PaidSummary"]["PayMonth"]) if "PaidSummary" in inputs.paid else set()
    months = [m for m in inputs.calendar.period_labels("Month")[:lt + 1] if m not in have]
    settings = inputs.tables["Settings"]
    rows = [i for i, s in enumerate(settings.frame["Setting"]) if str(s).lower() == "lockedthrough"]

    def problem(message, expected):
        return settings.problem(rows[0] if rows else None, "Value", message,
                                value=settings.frame["Value"].iloc[rows[0]] if rows else None, expected=expected)

    approvals.check_newly_locked(state, result.summary, months, inputs.workbook, problem)
