"""What changed between two commission runs, per rep, and why.

``diff(old, new)`` compares two recalculated workbooks: the payout summary per
rep and month (which components moved), and the input rows behind the change
(deals, cancellations, quotas, roster rows, adjustments, incentives added,
removed or edited; plan and tier changes affect every rep on the plan).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, ProblemCollector, WorkbookError
from ..source import TableSource
from ..tables import read_table
from ..words import count
from ..workflows import previous_run
from . import schema as S
from .columns import SUMMARY_COLUMNS
from .engine import SUMMARY_COMPONENTS
from .inputs import load_inputs, paid_schema


@dataclass
class RepChange:
    rep: str
    name: str
    currency: str
    old_total: int  # cents, whole year so far
    new_total: int
    months: list[tuple[str, str, int]] = field(default_factory=list)  # (month, component, delta cents)
    causes: list[str] = field(default_factory=list)

    @property
    def delta(self) -> int:
        return self.new_total - self.old_total


@dataclass
class DiffReport:
    old: str
    new: str
    changes: list[RepChange]
    plan_changes: list[str]
    warnings: list[str] = field(default_factory=list)  # e.g. a workbook whose inputs changed since its last run
    reps: list[str] = field(default_factory=list)  # every rep of either workbook's Payout Summary

    def only(self, reps) -> DiffReport:
        """The report restricted to ``reps``; a rep of neither workbook is an InputError naming it."""
        from dataclasses import replace

        from ..errors import InputError, Problem

        known = set(self.reps) | {c.rep for c in self.changes}
        unknown = [r for r in dict.fromkeys(reps) if r not in known]
        if unknown:
            raise InputError([Problem("no such rep in either workbook", value=r,
                                      expected=f"a RepID of the Payout Summary of {self.old} or {self.new}",
                                      table="PayoutSummary", column="RepID") for r in unknown])
        wanted = set(reps)
        return replace(self, changes=[c for c in self.changes if c.rep in wanted])

    def text(self, *, amounts: bool = False) -> str:
        """The report as lines: who changed, in which months and components, and why.

        Pay amounts (totals and changes) only with ``amounts``; without, a month's component says
        whether it went up or down, so a log or a shared terminal shows no one's pay.
        """
        if not self.changes and not self.plan_changes:
            return f"{self.old} -> {self.new}: no change in any payout or input"
        out = [f"{self.old} -> {self.new}: {count(len(self.changes), 'rep')} with changes"]
        out += [f"  plan change: {c}" for c in self.plan_changes]
        for c in self.changes:
            if amounts:
                total = f"total {c.old_total / 100:,.2f} -> {c.new_total / 100:,.2f} ({c.delta / 100:+,.2f})"
            else:
                total = "year total " + ("changed" if c.delta else "unchanged")
            out.append(f"{c.rep} {c.name} ({c.currency}): {total}")
            for month, comp, d in c.months:
                out.append(f"    {month} {comp}: " + (f"{d / 100:+,.2f}" if amounts else
                                                      "up" if d > 0 else "down"))
            for why in c.causes:
                out.append(f"    because: {why}")
        return "\n".join(out)

    def frame(self) -> pd.DataFrame:
        rows = [(c.rep, c.name, c.currency, m, comp, d / 100.0, "; ".join(c.causes))
                for c in self.changes for m, comp, d in (c.months or [("", "Total", c.delta)])]
        return pd.DataFrame(rows, columns=["RepID", "RepName", "Currency", "PayMonth", "Component", "Change",
                                           "Because"])


def _tables(src: TableSource, label: str) -> tuple[dict[str, pd.DataFrame], str | None]:
    problems = ProblemCollector()
    out: dict[str, pd.DataFrame] = {}
    raw = src.read("PayoutSummary")
    if raw is None:
        raise WorkbookError(f"{src.workbook}: no PayoutSummary table: recalculate the workbook first")
    stale = stale_inputs(src, label)
    summary_schema = paid_schema("PaidSummary").__class__(
        name="PayoutSummary", sheet="Payout Summary", description="", required=True, min_rows=0, money=False,
        fields=paid_schema("PaidSummary").fields)
    t = read_table(raw, summary_schema, problems)
    for sch in S.INPUT_TABLES:
        r = src.read(sch.name)
        if r is not None:
            tt = read_table(r, sch, problems)
            if tt is not None:
                out[sch.name] = tt.frame
    problems.raise_if_any()
    assert t is not None  # read_table returns None only after adding a problem, raised just above
    f = t.frame.copy()
    for c in SUMMARY_COLUMNS:
        if c.kind == "money":
            f[c.name] = np.round(f[c.name].fillna(0).to_numpy(dtype=np.float64) * 100).astype(np.int64)
    out["PayoutSummary"] = f
    return out, stale


def stale_inputs(source: TableSource, label: str | None = None) -> str | None:
    """A warning when a workbook's outputs were not computed from its present inputs, else None.

    Its Run Log records the fingerprint of the inputs its outputs were computed from (see
    :func:`~salesops_xl.commissions.inputs.fingerprint`); the inputs are read again and fingerprinted.
    A diff of such a workbook compares its outputs as last computed, while the reasons it lists come
    from its inputs as they are now: the two disagree until it is recalculated.
    """
    label = label or source.workbook
    name = source.workbook
    recorded = previous_run(source).get("Input fingerprint (SHA-256)")
    again = f"recalculate it first (salesops-xl recalc {label}) for payouts that match its inputs"
    if not recorded:
        return (f"{name}: its Run Log records no input fingerprint, so whether its inputs changed since its "
                f"last recalculation cannot be told; {again}")
    try:
        now = load_inputs(source).fingerprint
    except InputError as e:
        return (f"{name}: its inputs changed since its last recalculation and now have "
                f"{count(len(e.problems) + e.omitted, 'problem')} (salesops-xl validate {label}); its payouts are "
                f"those of its last recalculation")
    if now != recorded:
        return (f"{name}: its inputs changed since its last recalculation: its payouts are those of the old "
                f"inputs, while the reasons below come from the new ones; {again}")
    return None


def _key_diff(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                               list[tuple[tuple, list[str]]]]:
    """Rows added, rows removed, and (key, changed columns) of rows present in both."""
    cols = [c for c in old.columns if c in new.columns]
    o = old[cols].drop_duplicates(key, keep="last").set_index(key)
    n = new[cols].drop_duplicates(key, keep="last").set_index(key)
    added = n.loc[n.index.difference(o.index)].reset_index()
    removed = o.loc[o.index.difference(n.index)].reset_index()
    common = o.index.intersection(n.index)
    changed = []
    if len(common):
        a, b = o.loc[common], n.loc[common]
        diff_mask = ~((a == b) | (a.isna() & b.isna()))
        for idx in np.flatnonzero(diff_mask.any(axis=1).to_numpy()).tolist():
            changed.append((common[idx] if isinstance(common[idx], tuple) else (common[idx],),
                            [c for c in a.columns if diff_mask.iloc[idx][c]]))
    return added, removed, changed


def diff(old: TableSource, new: TableSource, *, labels: tuple[str, str] | None = None) -> DiffReport:
    """Compare two recalculated commission workbooks, read through their sources.

    ``labels``: how the warnings' commands name the two workbooks (the paths a user typed); default their names.

    ``warnings`` says when either workbook's inputs changed after its last recalculation (its Run Log's
    input fingerprint differs from its inputs'): its payouts are then those of its old inputs.
    """
    old_label, new_label = labels or (old.workbook, new.workbook)
    old_name, new_name = old.workbook, new.workbook
    (old_frames, old_stale), (new_frames, new_stale) = _tables(old, old_label), _tables(new, new_label)
    so, sn = old_frames["PayoutSummary"], new_frames["PayoutSummary"]
    comps = [c for c in SUMMARY_COMPONENTS if c in so and c in sn]
    key = ["RepID", "PayMonth"]
    # merge, not join(lsuffix=, rsuffix=): pandas 3.1 deprecates those, and 2.x has no join(suffixes=)
    merged = so.set_index(key)[comps + ["Total"]].merge(sn.set_index(key)[comps + ["Total"]], how="outer",
                                                       left_index=True, right_index=True,
                                                       suffixes=("_old", "_new")).fillna(0)
    names = {**dict(zip(so.RepID, so.RepName)), **dict(zip(sn.RepID, sn.RepName))}
    ccy = {**dict(zip(so.RepID, so.Currency)), **dict(zip(sn.RepID, sn.Currency))}
    causes = _causes(old_frames, new_frames)
    plan_changes = causes.pop("*", [])
    changes: list[RepChange] = []
    reps = sorted(set(merged.index.get_level_values(0)) | set(causes), key=str)
    for rep in reps:
        rows = merged.loc[rep] if rep in merged.index.get_level_values(0) else None
        months = []
        old_total = new_total = 0
        if rows is not None:
            old_total = int(rows["Total_old"].sum())
            new_total = int(rows["Total_new"].sum())
            for month, r in rows.iterrows():
                for c in comps + []:
                    d = int(r[f"{c}_new"] - r[f"{c}_old"])
                    if d:
                        months.append((month, c, d))
        if months or causes.get(rep):
            changes.append(RepChange(rep=str(rep), name=str(names.get(rep, "")), currency=str(ccy.get(rep, "")),
                                     old_total=old_total, new_total=new_total, months=months,
                                     causes=causes.get(rep, [])))
    return DiffReport(old=old_name, new=new_name, changes=changes, plan_changes=plan_changes,
                      warnings=[w for w in (old_stale, new_stale) if w],
                      reps=sorted({str(r) for r in so.RepID} | {str(r) for r in sn.RepID}))


def _fmt_key(k: tuple) -> str:
    return " / ".join("" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)) for v in k)


def _causes(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Input rows that changed, attributed to the reps they concern ("*": plan-wide changes)."""
    out: dict[str, list[str]] = {}

    def add(rep, text):
        out.setdefault(rep, []).append(text)

    deals_new = new.get("Deals", pd.DataFrame(columns=["DealID", "RepID"]))
    deals_old = old.get("Deals", pd.DataFrame(columns=["DealID", "RepID"]))
    reps_of_deal = pd.concat([deals_old, deals_new])[["DealID", "RepID"]].drop_duplicates()
    keys = {"Deals": ["DealID", "RepID"], "Roster": ["RepID", "EffectiveFrom"], "Quotas": ["RepID", "Measure",
            "Period"], "Adjustments": ["RepID", "Period", "Type", "Description"], "Draws": ["RepID", "StartMonth"],
            "Leaves": ["RepID", "StartDate"], "Cancellations": ["DealID", "CancelDate"]}
    for table, key in keys.items():
        if table not in old and table not in new:
            continue
        o = old[table] if table in old else new[table].iloc[0:0]
        n = new[table] if table in new else old[table].iloc[0:0]
        key = [k for k in key if k in o.columns and k in n.columns]
        added, removed, changed = _key_diff(o, n, key)
        for label, frame in (("added", added), ("removed", removed)):
            for r in frame.itertuples(index=False):
                d = r._asdict()
                k = tuple(d[c] for c in key)
                reps = [d["RepID"]] if "RepID" in d else \
                    list(reps_of_deal.loc[reps_of_deal.DealID == d.get("DealID"), "RepID"])
                for rep in reps:
                    add(rep, f"{table}: {label} {_fmt_key(k)}")
        for k, cols in changed:
            d = dict(zip(key, k))
            reps = [d["RepID"]] if "RepID" in d else \
                list(reps_of_deal.loc[reps_of_deal.DealID == d.get("DealID"), "RepID"])
            for rep in reps:
                add(rep, f"{table}: {_fmt_key(k)} changed ({', '.join(cols)})")
    for table, key in (("Plans", ["PlanID"]), ("PlanMeasures", ["PlanID", "Measure"]), ("Tiers", ["TierTable",
                                                                                                  "From"]),
                       ("Spifs", ["SpifID"]), ("Bonuses", ["BonusID"]), ("FXRates", ["Month", "FromCurrency",
                                                                                      "ToCurrency"]),
                       ("Settings", ["Setting"])):
        if table not in old or table not in new:
            continue
        added, removed, changed = _key_diff(old[table], new[table], key)
        for label, frame in (("added", added), ("removed", removed)):
            for r in frame.itertuples(index=False):
                d = r._asdict()
                add("*", f"{table}: {label} {_fmt_key(tuple(d[c] for c in key))}")
        for k, cols in changed:
            add("*", f"{table}: {_fmt_key(k)} changed ({', '.join(cols)})")
    return out
