"""A tamper-evident audit trail of commission runs (docs/commissions.md, "Audit trail").

Every run whose inputs, engine version or totals differ from the last entry's appends an entry to the
``AuditLog`` table of the *Audit Log* sheet: its time (the Run Log's), the user, the input fingerprint, the
engine version, the totals per currency, the plan changes since the previous entry, and a SHA-256 hash over
all of that chained to the previous entry's hash. A rerun with the same inputs and results appends nothing, so
recalculating twice still gives the same workbook. :func:`verify` recomputes the chain and names the first
entry edited or removed; a recalculation refuses to extend a broken chain.

The plan rows of the last entry (Plans, PlanMeasures, Tiers) are kept beside the log (``AuditPlanRows``) so
the next entry can say what changed. Plain pandas and hashlib: runs wherever the engine runs.
"""
from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..source import TableSource
from ..workflows import previous_run

SHEET = "Audit Log"
LOG_TABLE = "AuditLog"
PLAN_TABLE = "AuditPlanRows"
COLUMNS = ("Seq", "At", "User", "EngineVersion", "InputFingerprint", "Totals", "PlanChanges", "PrevHash", "Hash")
HASHED = COLUMNS[:-1]  # Hash covers every other column of the entry, PrevHash included
PLAN_COLUMNS = ("Table", "Key", "Row")
PLAN_TABLES = {"Plans": ("PlanID",), "PlanMeasures": ("PlanID", "Measure"), "Tiers": ("TierTable", "From")}
GENESIS = "0" * 64
USER_ENV = "SALESOPS_USER"


class AuditChainError(InputError):
    """The audit log was edited or entries were removed."""


@dataclass(frozen=True)
class AuditTrail:
    log: pd.DataFrame  # COLUMNS, text
    plan_rows: pd.DataFrame  # PLAN_COLUMNS, text
    rows: tuple[int, ...] = ()  # Excel row of each log entry (as read); () for entries made in memory
    sheet: str = SHEET
    workbook: str = ""


def current_user() -> str:
    """Who runs this: $SALESOPS_USER, else the login name, else "unknown"."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # no login name (a container, Pyodide)
        return "unknown"


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_trail(source, workbook: str = "") -> AuditTrail:
    raw = source.read(LOG_TABLE)
    log: dict[str, list[str]] = {c: [] for c in COLUMNS}
    rows: list[int] = []
    if raw is not None:
        n = raw.n_rows
        for c in COLUMNS:
            vals = raw.data[c] if c in raw.columns else [None] * n
            log[c] = [_text(v) for v in vals]
        rows = [raw.excel_row(i) for i in range(n)]
    plan: dict[str, list[str]] = {c: [] for c in PLAN_COLUMNS}
    raw_p = source.read(PLAN_TABLE)
    if raw_p is not None:
        for c in PLAN_COLUMNS:
            plan[c] = [_text(v) for v in (raw_p.data[c] if c in raw_p.columns else [None] * raw_p.n_rows)]
    sheet = raw.sheet if raw is not None else SHEET
    return AuditTrail(pd.DataFrame(log, dtype=object), pd.DataFrame(plan, dtype=object), tuple(rows), sheet,
                      workbook or getattr(source, "workbook", ""))


def entry_hash(entry: dict) -> str:
    """SHA-256 of the entry's fields (HASHED, in order) joined by the unit separator U+001F."""
    return hashlib.sha256("\x1f".join(entry[c] for c in HASHED).encode()).hexdigest()


def verify(trail: AuditTrail) -> None:
    """Raise AuditChainError naming the first entry edited (its Hash does not match its content) or removed (a gap
    in Seq, or a PrevHash that is not the previous entry's Hash)."""
    prev = GENESIS
    for k, entry in enumerate(trail.log.to_dict("records")):
        row = trail.rows[k] if k < len(trail.rows) else None

        def fail(column, message, value, expected):
            raise AuditChainError([Problem(message=message, value=value, expected=expected, workbook=trail.workbook,
                                           sheet=trail.sheet, table=LOG_TABLE, row=row, column=column)])

        if entry["Seq"] != str(k + 1):
            fail("Seq", f"entry {k + 1} of the audit log was removed (or moved): the log goes from entry {k} to "
                        f"this one", entry["Seq"], f"Seq {k + 1}")
        if entry["PrevHash"] != prev:
            fail("PrevHash", f"audit entry {entry['Seq']} does not follow entry {k}: an entry before it was "
                             "removed or edited", entry["PrevHash"][:16] + "...",
                 f"the Hash of entry {k} ({prev[:16]}...)" if k else "the chain's start (64 zeros)")
        if entry_hash(entry) != entry["Hash"]:
            fail("Hash", f"audit entry {entry['Seq']} was edited: its content no longer matches its Hash",
                 entry["Hash"][:16] + "...", "the hash of the entry as written (change nothing in the Audit Log)")
        prev = entry["Hash"]


def plan_rows(tables) -> pd.DataFrame:
    """The plan tables' rows as (Table, Key, Row) text, Row = "Column=value; ..." of every schema column."""
    out: dict[str, list[str]] = {c: [] for c in PLAN_COLUMNS}
    for name, key in PLAN_TABLES.items():
        if name not in tables:
            continue
        t = tables[name]
        f = t.frame[t.schema.column_names]
        for rec in f.to_dict("records"):
            out["Table"].append(name)
            out["Key"].append("/".join(_value(rec[k]) for k in key))
            out["Row"].append("; ".join(f"{c}={_value(v)}" for c, v in rec.items()))
    return pd.DataFrame(out, dtype=object)


def _value(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, float):
        return f"{v:.10g}"
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def plan_changes(old: pd.DataFrame, new: pd.DataFrame) -> str:
    """What changed in the plan rows: "PlanMeasures AE/NewBusiness: Weight 0.7 -> 0.6; Tiers X/0 added"."""
    if not len(old):
        return "first entry" if len(new) else ""
    items = []
    a = {(t, k): r for t, k, r in old[list(PLAN_COLUMNS)].itertuples(index=False)}
    b = {(t, k): r for t, k, r in new[list(PLAN_COLUMNS)].itertuples(index=False)}
    for key in sorted(set(a) | set(b)):
        t, k = key
        if key not in a:
            items.append(f"{t} {k} added")
        elif key not in b:
            items.append(f"{t} {k} removed")
        elif a[key] != b[key]:
            fa = dict(p.split("=", 1) for p in a[key].split("; ") if "=" in p)
            fb = dict(p.split("=", 1) for p in b[key].split("; ") if "=" in p)
            diffs = [f"{c} {fa.get(c, '') or '(blank)'} -> {fb.get(c, '') or '(blank)'}"
                     for c in dict.fromkeys(list(fa) + list(fb)) if fa.get(c, "") != fb.get(c, "")]
            items.append(f"{t} {k}: " + ", ".join(diffs))
    return "; ".join(items) if items else "none"


def totals_text(totals: pd.DataFrame) -> str:
    """ "EUR 1,234.56; USD 98,765.43": the run's Total per currency, from RunInfo.totals (cents)."""
    return "; ".join(f"{c} {int(t) / 100:,.2f}" for c, t in zip(totals["Currency"], totals["Total"]))


def extend(trail: AuditTrail, *, at: str, user: str, version: str, fingerprint: str, totals: str,
           plan: pd.DataFrame) -> AuditTrail:
    """The trail with this run's entry appended, unless the last entry already has these inputs, engine version
    and totals (a rerun appends nothing)."""
    log = trail.log
    if len(log):
        last = log.iloc[-1]
        if (last["InputFingerprint"], last["EngineVersion"], last["Totals"]) == (fingerprint, version, totals):
            return trail
    entry = {"Seq": str(len(log) + 1), "At": at, "User": user, "EngineVersion": version,
             "InputFingerprint": fingerprint, "Totals": totals, "PlanChanges": plan_changes(trail.plan_rows, plan),
             "PrevHash": str(log["Hash"].iloc[-1]) if len(log) else GENESIS}
    entry["Hash"] = entry_hash(entry)
    new = pd.concat([log, pd.DataFrame([entry], dtype=object)], ignore_index=True)
    return AuditTrail(new, plan, trail.rows, trail.sheet, trail.workbook)


def audit_sheet(trail: AuditTrail):
    from ..sheets import Column, SheetSpec, TableBlock

    widths = {"Seq": 6, "At": 26, "User": 18, "EngineVersion": 18, "InputFingerprint": 24, "Totals": 30,
              "PlanChanges": 60, "PrevHash": 24, "Hash": 24}
    cols = tuple(Column(c, "text", width=widths[c]) for c in COLUMNS)
    data = {c: np.array(list(trail.log[c]), dtype=object) for c in COLUMNS}
    pcols = (Column("Table", "text", width=14), Column("Key", "text", width=24), Column("Row", "text", width=90))
    pdata = {c: np.array(list(trail.plan_rows[c]), dtype=object) for c in PLAN_COLUMNS}
    anchor = f"A{len(trail.log) + 5}"
    return SheetSpec(name=SHEET, tables=(TableBlock(LOG_TABLE, cols, data, "A1"),
                                         TableBlock(PLAN_TABLE, pcols, pdata, anchor)),
                     freeze="B2", tab_color="7F7F7F", print_landscape=True, print_fit_width=True,
                     notes=((f"A{len(trail.log) + 4}", "Plan rows of the last entry (what the next entry compares "
                                                       "with)"),))


@dataclass(frozen=True)
class AuditReport:
    entries: int
    last_at: str
    matches_run_log: bool


def audit_source(source: TableSource, workbook: str) -> AuditReport:
    """``salesops-xl audit WORKBOOK``: verify the chain (AuditChainError names the first entry edited or removed)
    and whether its last entry is the run the Run Log records. ``workbook``: the name errors give."""
    trail = read_trail(source, workbook=workbook)
    prev = previous_run(source)
    if not len(trail.log):
        raise InputError([Problem(message="no audit log in this workbook", show_value=False,
                                  expected="a workbook recalculated by a salesops-xl that keeps an audit log "
                                           "(sheet Audit Log, table AuditLog): recalculate it once", workbook=trail.workbook, sheet=SHEET)])
    verify(trail)
    last = trail.log.iloc[-1]
    same = prev.get("Input fingerprint (SHA-256)") == last["InputFingerprint"]
    return AuditReport(entries=len(trail.log), last_at=str(last["At"]), matches_run_log=same)
