"""The commission workflow: read the workbook's tables, compute payouts, return the sheets to write.

``recalc_commissions`` is what ``salesops-xl recalc``, the *Recalculate payouts* button and the batch door run
(docs/commissions.md). It knows nothing about files: it reads through a
:class:`~salesops_xl.source.TableSource` and returns a :class:`~salesops_xl.workflows.WorkflowResult`.
"""
from __future__ import annotations

import functools

from ..accounting.outputs import accounting_sheets
from ..accounting.schema import ACCOUNTING_SHEETS
from ..errors import UsageError
from ..source import TableSource
from ..words import count
from ..workflows import Progress, WorkflowResult, kept_run_time, previous_run
from . import approvals, audit
from .engine import CommissionResult, compute
from .inputs import load_inputs
from .outputs import OPTIONAL_SHEETS, commission_sheets, continuation_sheet_names, run_results
from .statements import refreshed_statement


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
    st_sheets, st_remove, st_warnings = refreshed_statement(source, inputs, result)
    totals = {row.Currency: row.Total / 100.0 for row in result.run.totals.itertuples()}
    counts = result.run.counts
    headline = f"{count(counts['Payout rows'], 'payout row')}, {count(counts['Statement lines'], 'statement line')}"
    amounts = "total payable " + ", ".join(f"{c} {a:,.2f}" for c, a in totals.items())
    summary = {"headline": headline, "amounts": amounts, "totals": totals, **counts,
               "status": outcome.state.status, "changed_reps": list(outcome.changed)}
    return WorkflowResult(sheets=sheets + st_sheets, summary=summary,
                          warnings=result.run.warnings + list(outcome.warnings) + st_warnings, result=result,
                          remove=stale + st_remove, results=functools.partial(run_results, result))


def _check_locking(inputs, result: CommissionResult, state) -> None:
    """Months this run records as paid for the first time need an approved run of them (approvals in use)."""
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
