"""What changed between two commission runs, per rep, and why.

``diff(old, new)`` compares two recalculated workbooks: the payout summary per
rep and month (which components moved), and the input rows behind the change
(deals, cancellations, quotas, roster rows, adjustments, incentives added,
removed or edited; plan and tier changes affect every rep on the plan).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from .columns import SUMMARY_COLUMNS
from .engine import SUMMARY_COMPONENTS
from .inputs import paid_schema
from . import schema as S


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

    def text(self) -> str:
        if not self.changes and not self.plan_changes:
            return f"{self.old} -> {self.new}: no change in any payout or input"
        out = [f"{self.old} -> {self.new}: {len(self.changes)} reps with changes"]
        out += [f"  plan change: {c}" for c in self.plan_changes]
        for c in self.changes:
            out.append(f"{c.rep} {c.name} ({c.currency}): total {c.old_total / 100:,.2f} -> {c.new_total / 100:,.2f} "
                       f"({c.delta / 100:+,.2f})")
            for month, comp, d in c.months:
                out.append(f"    {month} {comp}: {d / 100:+,.2f}")
            for why in c.causes:
                out.append(f"    because: {why}")
        return "\n".join(out)

    def frame(self) -> pd.DataFrame:
        rows = [(c.rep, c.name, c.currency, m, comp, d / 100.0, "; ".join(c.causes))
                for c in self.changes for m, comp, d in (c.months or [("", "Total", c.delta)])]
        return pd.DataFrame(rows, columns=["RepID", "RepName", "Currency", "PayMonth", "Component", "Change",
                                           "Because"])


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    from ..errors import ProblemCollector
    from ..tables import read_table
    from ..xlsx.reader import XlsxSource

    problems = ProblemCollector()
    out = {}
    with XlsxSource(path) as src:
        raw = src.read("PayoutSummary")
        if raw is None:
            raise WorkbookError(f"{path.name}: no PayoutSummary table: recalculate the workbook first")
        summary_schema = paid_schema("PaidSummary").__class__(
            name="PayoutSummary", sheet="Payout Summary", description="", required=True, min_rows=0,
            fields=paid_schema("PaidSummary").fields)
        t = read_table(raw, summary_schema, problems)
        for sch in S.INPUT_TABLES:
            r = src.read(sch.name)
            if r is not None:
                tt = read_table(r, sch, problems)
                if tt is not None:
                    out[sch.name] = tt.frame
    problems.raise_if_any()
    f = t.frame.copy()
    for c in SUMMARY_COLUMNS:
        if c.kind == "money":
            f[c.name] = np.round(f[c.name].fillna(0).to_numpy(dtype=np.float64) * 100).astype(np.int64)
    out["PayoutSummary"] = f
    return out


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
        for idx in np.flatnonzero(diff_mask.any(axis=1).to_numpy()):
            changed.append((common[idx] if isinstance(common[idx], tuple) else (common[idx],),
                            [c for c in a.columns if diff_mask.iloc[idx][c]]))
    return added, removed, changed


def diff(old_path: str | Path, new_path: str | Path) -> DiffReport:
    """Compare two recalculated commission workbooks."""
    old_path, new_path = Path(old_path), Path(new_path)
    old, new = _tables(old_path), _tables(new_path)
    so, sn = old["PayoutSummary"], new["PayoutSummary"]
    comps = [c for c in SUMMARY_COMPONENTS if c in so and c in sn]
    key = ["RepID", "PayMonth"]
    merged = so.set_index(key)[comps + ["Total"]].join(sn.set_index(key)[comps + ["Total"]], how="outer",
                                                      lsuffix="_old", rsuffix="_new").fillna(0)
    names = {**dict(zip(so.RepID, so.RepName)), **dict(zip(sn.RepID, sn.RepName))}
    ccy = {**dict(zip(so.RepID, so.Currency)), **dict(zip(sn.RepID, sn.Currency))}
    causes = _causes(old, new)
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
    return DiffReport(old=old_path.name, new=new_path.name, changes=changes, plan_changes=plan_changes)


def _fmt_key(k: tuple) -> str:
    return " / ".join("" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)) for v in k)


def _causes(old: dict, new: dict) -> dict[str, list[str]]:
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
        o = old.get(table, new.get(table).iloc[0:0])
        n = new.get(table, old.get(table).iloc[0:0])
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
