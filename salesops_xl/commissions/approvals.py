"""Approvals and sign-off of a payout run (docs/commissions.md, "Approvals and sign-off").

A run's status moves Draft -> Reviewed -> Approved -> Paid. Each step is a row of the ``RunApprovals``
table on the *Approvals* sheet (who, role, when, the input fingerprint and a hash of the numbers signed);
the numbers signed (every rep's total per pay month) are kept beside it in ``SignedTotals``. A later
recalculation whose numbers differ from the signed ones appends a *Draft* row naming the reps that changed.
Who may record which step is the optional ``ApprovalRoles`` input table (Step, Role), else the default
:data:`DEFAULT_ROLES`. Recording a month as paid (moving ``Settings[LockedThrough]`` over it) needs an
approved run whose numbers for that month are those being locked, once the workbook holds approvals.

Plain pandas/numpy and hashlib: runs wherever the engine runs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, Problem

DRAFT, REVIEWED, APPROVED, PAID = "Draft", "Reviewed", "Approved", "Paid"
STATUSES = (DRAFT, REVIEWED, APPROVED, PAID)
#: The statuses a step may be recorded from (Reviewed is optional: a run may be approved from Draft).
ALLOWED_FROM = {REVIEWED: (DRAFT, REVIEWED), APPROVED: (DRAFT, REVIEWED), PAID: (APPROVED,)}
#: Who may record each step when the workbook has no ApprovalRoles table (roles compare case-insensitively).
DEFAULT_ROLES = {REVIEWED: ("SalesOps", "Finance"), APPROVED: ("Finance",), PAID: ("Finance", "Payroll")}

SHEET = "Approvals"
LOG_TABLE = "RunApprovals"
TOTALS_TABLE = "SignedTotals"
RECALC_USER = "salesops-xl recalc"

LOG_COLUMNS = ("Seq", "Status", "By", "Role", "At", "InputFingerprint", "ResultHash", "Note")
TOTALS_COLUMNS = ("RepID", "PayMonth", "Currency", "Total")



@dataclass(frozen=True)
class SignOff:
    """A step requested by ``salesops-xl approve``."""

    step: str  # Reviewed | Approved | Paid
    by: str
    role: str
    note: str = ""
    at: str = ""  # when (ISO 8601, UTC); blank: now


@dataclass(frozen=True)
class ApprovalState:
    """The Approvals sheet as read back: its rows (oldest first) and the numbers last signed."""

    log: pd.DataFrame  # LOG_COLUMNS, as text
    signed: pd.DataFrame  # TOTALS_COLUMNS, Total in cents

    @property
    def status(self) -> str:
        return str(self.log["Status"].iloc[-1]) if len(self.log) else DRAFT

    @property
    def in_use(self) -> bool:
        return bool(len(self.log))


def read_state(source) -> ApprovalState:
    """The workbook's Approvals sheet (empty when it has none)."""
    from ..money import to_cents

    log: dict[str, list[str]] = {c: [] for c in LOG_COLUMNS}
    raw = source.read(LOG_TABLE)
    if raw is not None:
        n = raw.n_rows
        for c in LOG_COLUMNS:
            vals = raw.data[c] if c in raw.columns else [None] * n
            log[c] = ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                      for v in vals]
    signed: dict[str, list] = {c: [] for c in TOTALS_COLUMNS}
    raw = source.read(TOTALS_TABLE)
    if raw is not None:
        for c in TOTALS_COLUMNS:
            signed[c] = list(raw.data[c]) if c in raw.columns else [None] * raw.n_rows
    s = pd.DataFrame(signed)
    s["Total"] = to_cents(pd.to_numeric(s["Total"], errors="coerce").fillna(0).to_numpy(dtype=np.float64)) \
        if len(s) else np.zeros(0, dtype=np.int64)
    return ApprovalState(pd.DataFrame(log, dtype=object), s)


def totals_of(summary: pd.DataFrame) -> pd.DataFrame:
    """Every rep's total per pay month (cents), in a fixed order: the numbers a sign-off covers."""
    t = summary[["RepID", "PayMonth", "Currency", "Total"]].copy()
    t["RepID"] = t["RepID"].astype(str)
    t["PayMonth"] = t["PayMonth"].astype(str)
    t["Total"] = t["Total"].astype(np.int64)
    return t.sort_values(["RepID", "PayMonth"], kind="stable").reset_index(drop=True)


def result_hash(totals: pd.DataFrame) -> str:
    """SHA-256 of the lines ``RepID|PayMonth|Currency|cents`` of ``totals``, one per line, in order."""
    text = "\n".join(f"{r}|{m}|{c}|{int(t)}" for r, m, c, t in totals[list(TOTALS_COLUMNS)].itertuples(index=False))
    return hashlib.sha256(text.encode()).hexdigest()


def changed_reps(signed: pd.DataFrame, now: pd.DataFrame, months: set[str] | None = None) -> list[str]:
    """RepIDs whose total of some pay month (of ``months``, default all) differs between the two, or that are in
    only one of them."""
    a = signed if months is None else signed[signed["PayMonth"].isin(months)]
    b = now if months is None else now[now["PayMonth"].isin(months)]
    m = a.merge(b, on=["RepID", "PayMonth"], how="outer", suffixes=("_a", "_b"), indicator=True)
    diff = (m["_merge"] != "both") | (m["Total_a"].fillna(0) != m["Total_b"].fillna(0))
    return sorted(set(m.loc[diff, "RepID"].astype(str)))


def _names(reps: list[str], limit: int = 10) -> str:
    shown = ", ".join(reps[:limit])
    return shown + (f" and {len(reps) - limit} more" if len(reps) > limit else "")


def allowed_roles(tbl) -> dict[str, list[tuple[str, int]]]:
    """Step -> [(role, data row)] from the ApprovalRoles table (``tbl``, a checked Table), else the default policy
    (row -1) when it is absent or has no rows."""
    if tbl is None or not len(tbl.frame):
        return {k: [(r, -1) for r in v] for k, v in DEFAULT_ROLES.items()}
    out: dict[str, list[tuple[str, int]]] = {k: [] for k in DEFAULT_ROLES}
    for i, (step, role) in enumerate(zip(tbl.frame["Step"], tbl.frame["Role"])):
        if step is not None and role is not None:
            out[step].append((str(role).strip(), i))
    return out


def check_sign_off(req: SignOff, state: ApprovalState, tbl, workbook: str) -> None:
    """Refuse a step by a role the policy (``tbl``: the ApprovalRoles Table or None) does not allow, out of
    order, or without a name."""
    if req.step not in ALLOWED_FROM:
        raise InputError([Problem(message=f"unknown step {req.step!r}", value=req.step,
                                  expected="Reviewed, Approved or Paid", workbook=workbook)])
    if not req.by.strip():
        raise InputError([Problem(message="no name given for the sign-off", show_value=False,
                                  expected="--as NAME: the person recording it", workbook=workbook)])
    policy = allowed_roles(tbl)
    roles = policy.get(req.step, [])
    if req.role.strip().lower() not in {r.lower() for r, _ in roles}:
        names = ", ".join(r for r, _ in roles) or "none"
        if tbl is None or not len(tbl.frame):
            raise InputError([Problem(
                message=f"role {req.role!r} may not record a run as {req.step} (default policy: no ApprovalRoles "
                        "table)", value=req.role, expected=f"one of {names}, or add a row (Step {req.step}, Role "
                                                          f"{req.role}) to an ApprovalRoles table", workbook=workbook)])
        rows = [i for _, i in roles]
        where = tbl.problem(rows[0] if rows else None, "Role" if rows else "Step",
                            f"role {req.role!r} may not record a run as {req.step}", value=req.role,
                            expected=f"a role listed for {req.step}: {names}")
        raise InputError([where])
    if state.status not in ALLOWED_FROM[req.step]:
        raise InputError([Problem(
            message=f"the run is {state.status}: it cannot be recorded as {req.step}", value=req.step,
            expected=f"a run that is {' or '.join(ALLOWED_FROM[req.step])} (Draft -> Reviewed -> Approved -> Paid)",
            workbook=workbook, sheet=SHEET, table=LOG_TABLE)])


@dataclass(frozen=True)
class ApprovalOutcome:
    state: ApprovalState  # the new state to write (unchanged when nothing happened)
    warnings: tuple[str, ...]
    changed: tuple[str, ...]  # reps whose signed numbers changed (this run returned the run to Draft)


def advance(state: ApprovalState, summary: pd.DataFrame, fingerprint: str, run_at: str,
            request: SignOff | None) -> ApprovalOutcome:
    """The Approvals rows after this run: a Draft row when the numbers signed changed (at the run's time), then the
    requested step (at its own time)."""
    now = totals_of(summary)
    h = result_hash(now)
    log, signed = state.log.copy(), state.signed
    warnings, changed = [], []

    def add(status, by, role, note, totals_hash, at):
        nonlocal log
        row = {"Seq": str(len(log) + 1), "Status": status, "By": by, "Role": role, "At": at,
               "InputFingerprint": fingerprint, "ResultHash": totals_hash, "Note": note}
        log = pd.concat([log, pd.DataFrame([row], dtype=object)], ignore_index=True)

    if len(log) and state.status != DRAFT and str(log["ResultHash"].iloc[-1]) != h:
        changed = changed_reps(signed, now)
        add(DRAFT, RECALC_USER, "", f"numbers of {len(changed)} rep{'s' if len(changed) != 1 else ''} changed "
                                    f"since {state.status}: {_names(changed)}", h, run_at)
        warnings.append(f"the run was {state.status}; this recalculation changed the numbers of "
                        f"{len(changed)} rep{'s' if len(changed) != 1 else ''} ({_names(changed)}): it is Draft "
                        "again and needs a new sign-off")
    if request is not None:
        add(request.step, request.by.strip(), request.role.strip(), request.note, h, request.at or _now())
        if request.step in (REVIEWED, APPROVED):
            signed = now
    return ApprovalOutcome(ApprovalState(log, signed), tuple(warnings), tuple(changed))


def check_newly_locked(state: ApprovalState, summary: pd.DataFrame, months: list[str], workbook: str,
                       settings_problem) -> None:
    """Months about to be recorded as paid need an approved run with these very numbers (once approvals are used).

    ``settings_problem(message, expected)`` -> a Problem on the Settings[LockedThrough] cell.
    """
    if not state.in_use or not months:
        return
    if state.status not in (APPROVED, PAID):
        raise InputError([settings_problem(
            f"locking {_span(months)} as paid needs an approved run; the run is {state.status}",
            "salesops-xl approve WORKBOOK --as NAME --role finance before moving LockedThrough")])
    diff = changed_reps(state.signed, totals_of(summary), set(months))
    if diff:
        raise InputError([settings_problem(
            f"locking {_span(months)} as paid: the numbers of {_names(diff)} differ from the approved run",
            "an approval of the numbers being locked (recalculate, review and approve again)")])


def _now() -> str:
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _span(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def approvals_sheet(state: ApprovalState):
    """The Approvals sheet: the sign-off log, then the numbers last signed."""
    from ..sheets import Column, SheetSpec, TableBlock

    widths = {"Seq": 6, "Status": 10, "By": 20, "Role": 12, "At": 26, "InputFingerprint": 22, "ResultHash": 22,
              "Note": 60}
    lcols = tuple(Column(c, "text", width=widths[c]) for c in LOG_COLUMNS)
    ldata = {c: np.array(list(state.log[c]) if c in state.log else [], dtype=object) for c in LOG_COLUMNS}
    tcols = (Column("RepID", "text"), Column("PayMonth", "text"), Column("Currency", "text"),
             Column("Total", "money", description="The rep's total of the pay month when the run was signed."))
    s = state.signed
    tdata = {"RepID": s["RepID"].to_numpy(dtype=object), "PayMonth": s["PayMonth"].to_numpy(dtype=object),
             "Currency": s["Currency"].to_numpy(dtype=object),
             "Total": s["Total"].to_numpy(dtype=np.int64) / 100.0}
    anchor = f"A{len(state.log) + 4}"
    return SheetSpec(name=SHEET, tables=(TableBlock(LOG_TABLE, lcols, ldata, "A1"),
                                         TableBlock(TOTALS_TABLE, tcols, tdata, anchor)),
                     freeze="C2", tab_color="7F7F7F", print_landscape=True, print_fit_width=True)
