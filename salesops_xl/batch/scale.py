"""Scale-out: the commission engine run in partitions of reps, on Dask (the batch door; docs/scale.md).

The single-process engine (:func:`salesops_xl.commissions.engine.compute`) runs unchanged on each partition; this module only decides
which reps travel together, cuts the inputs, runs the partitions and puts the results back together.

**What stays together.** A rep's numbers depend only on rows of their own, except where rows link reps:

* a split deal (one DealID credited to several reps): its rows share cancellations and the 100% split check;
* an account move (AccountMoves FromRep -> ToRep): the giving rep's rows are credited to the receiving rep;
* a Team measure: a manager's team credit rolls up the deals of everyone below them, so every reporting line
  (Roster ManagerID, any effective-dated row) under a manager holding a Team measure, at any level above, is a link.

The connected components of that graph are the atoms; they are packed in RepID order into partitions of about
equal weight (deal rows). A partition is a complete, valid set of inputs for its reps,
so the engine computes exactly what it computes in one process; the results are concatenated and put back in
the single-process order (by the rep's position in the Roster, stably), so payouts, summary and statement lines are
identical to the cent, row for row.

Dask is imported lazily, only here: the engine modules stay importable where Excel runs (Pyodide).
"""
from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..commissions.engine import CommissionResult, RunInfo, compute, run_timestamp, run_totals
from ..commissions.inputs import CommissionInputs
from ..errors import InputError, Problem, ProblemCollector, SalesopsError, UsageError
from ..tables import RawTable, Table

#: deal rows per partition when the number of partitions is not given (memory: see docs/scale.md)
ROWS_PER_PARTITION = 1_000_000

#: input tables cut by rep (the column naming the rep); every other table goes whole to every partition
REP_COLUMN = {"Roster": "RepID", "Quotas": "RepID", "Deals": "RepID", "Leaves": "RepID", "Adjustments": "RepID",
              "Draws": "RepID", "Disputes": "RepID", "AccountMoves": "ToRep"}
#: input tables cut by deal (rows follow the partition of the deal's rows)
DEAL_COLUMN = {"Cancellations": "DealID", "Invoices": "DealID"}


class ScaleError(SalesopsError):
    """The partitioned run could not be set up or run (cluster unreachable, unsupported input)."""


# -- the partitioning rule ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Partitioning:
    """Which partition each rep goes to.

    ``rep_ids`` are the Roster's reps in Roster order; ``component[i]`` the atom of rep ``i`` (reps linked by a
    split deal, an account move or a Team roll-up); ``partition[i]`` its partition; ``weights`` deal rows per
    partition.
    """

    rep_ids: np.ndarray
    component: np.ndarray
    partition: np.ndarray
    weights: np.ndarray

    @property
    def n_partitions(self) -> int:
        return len(self.weights)

    def reps_of(self, k: int) -> np.ndarray:
        return self.rep_ids[self.partition == k]

    def partition_of(self, reps) -> np.ndarray:
        """Partition of each RepID in ``reps``; a rep not in the Roster goes to partition 0 (whose validation
        reports it exactly as a single-process run would)."""
        pos = pd.Index(self.rep_ids).get_indexer(pd.Index(np.asarray(reps, dtype=object)))
        return np.where(pos >= 0, self.partition[np.maximum(pos, 0)], 0) if len(self.partition) else \
            np.zeros(len(pos), dtype=np.intp)


def components(rep_ids: npt.ArrayLike, *, deal_reps: npt.ArrayLike = (), deal_ids: npt.ArrayLike = (),
               edges: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]] = ()) -> np.ndarray:
    """Connected components of the reps: rows of one deal (``deal_ids`` beside ``deal_reps``) link their reps, each
    pair of equal-length RepID columns in ``edges`` links rep to rep. Returns the component of each rep."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    idx = pd.Index(np.asarray(rep_ids, dtype=object))
    R = len(idx)
    a_parts, b_parts = [np.arange(R)], [np.arange(R)]
    deal_ids = np.asarray(deal_ids, dtype=object)
    if len(deal_ids):
        rep = idx.get_indexer(pd.Index(np.asarray(deal_reps, dtype=object)))
        codes, _ = pd.factorize(deal_ids)
        ok = (rep >= 0) & (codes >= 0)
        rep, codes = rep[ok], codes[ok]
        first = np.full(codes.max() + 1 if len(codes) else 0, -1, dtype=np.int64)
        first[codes[::-1]] = rep[::-1]  # the deal's first rep; every other rep of the deal links to it
        a_parts.append(rep)
        b_parts.append(first[codes])
    for ea, eb in edges:
        ia = idx.get_indexer(pd.Index(np.asarray(ea, dtype=object)))
        ib = idx.get_indexer(pd.Index(np.asarray(eb, dtype=object)))
        ok = (ia >= 0) & (ib >= 0)
        a_parts.append(ia[ok])
        b_parts.append(ib[ok])
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(R, R))
    _, comp = connected_components(graph, directed=False)
    return comp.astype(np.intp)


def team_edges(roster_reps: npt.ArrayLike, roster_managers: npt.ArrayLike, roster_plans: npt.ArrayLike,
               team_plans: set) -> tuple[np.ndarray, np.ndarray]:
    """Reporting lines a Team roll-up runs along: (rep, manager) for every Roster row whose manager, or anyone
    above them, holds a plan with a Team measure (on any of their rows)."""
    reps = np.asarray(roster_reps, dtype=object)
    mgrs = np.asarray(roster_managers, dtype=object)
    if not team_plans or not len(reps):
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    idx = pd.Index(pd.unique(reps))
    holds = np.zeros(len(idx), dtype=bool)
    holds[idx.get_indexer(reps[pd.Series(roster_plans, dtype=object).isin(team_plans).to_numpy()])] = True
    r, m = idx.get_indexer(reps), idx.get_indexer(pd.Index(mgrs))
    has_mgr = m >= 0
    # above[i]: rep i or someone above them holds a Team measure (a pass per level; the roster has no loops)
    above = holds.copy()
    for _ in range(len(idx)):
        nxt = above.copy()
        np.logical_or.at(nxt, r[has_mgr], above[m[has_mgr]])
        if (nxt == above).all():
            break
        above = nxt
    link = has_mgr & above[np.maximum(m, 0)]
    return reps[link], mgrs[link]


def pack(component: np.ndarray, weight: np.ndarray, partitions: int,
         rank: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pack components into at most ``partitions`` partitions of about equal weight, in order: atoms sorted by
    their lowest-ranked rep (``rank`` per rep, default: position; the callers rank by RepID text), then cut into
    consecutive runs at the multiples of total weight / partitions. Consecutive RepIDs land together, so a
    Parquet file sorted by RepID gives each partition a run of row groups of its own to read. An atom heavier
    than a share fills a partition alone (partitions left empty are dropped). ``weight`` per rep. Returns
    (partition of each rep, weight per partition)."""
    n_comp = int(component.max()) + 1 if len(component) else 0
    if not n_comp:
        return np.zeros(0, dtype=np.intp), np.zeros(1)
    cw = np.bincount(component, weights=weight, minlength=n_comp)
    rank = np.arange(len(component)) if rank is None else np.asarray(rank)
    key = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(key, component, rank.astype(np.int64))
    order = np.argsort(key, kind="stable")
    before = np.cumsum(cw[order]) - cw[order]
    n = max(1, min(partitions, n_comp))
    bins = np.minimum((before * n / cw.sum()).astype(np.int64), n - 1)
    _, bins = np.unique(bins, return_inverse=True)  # no empty partitions
    bin_of = np.empty(n_comp, dtype=np.intp)
    bin_of[order] = bins.reshape(-1)
    part = bin_of[component]
    return part, np.bincount(part, weights=weight)


def _rank(rep_ids) -> np.ndarray:
    """Each rep's rank in RepID text order (how a Parquet file sorted by RepID lays them out)."""
    ids = np.asarray(rep_ids, dtype=object).astype(str)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return rank


def _auto_partitions(deal_rows: int, workers: int) -> int:
    return max(workers, math.ceil(deal_rows / ROWS_PER_PARTITION))


def _team_plans(inputs: CommissionInputs) -> set:
    return {m.plan for m in inputs.measures if m.credit_source == "Team"}


def plan_partitions(inputs: CommissionInputs, partitions: int | None = None, *, workers: int = 1) -> Partitioning:
    """The partitioning of validated ``inputs`` (a workbook's): atoms of linked reps, bin-packed by deal rows."""
    ros, d = inputs.frame("Roster"), inputs.frame("Deals")
    rep_ids = pd.unique(ros["RepID"].to_numpy(dtype=object))
    edges = [team_edges(ros["RepID"], ros["ManagerID"], ros["PlanID"], _team_plans(inputs))]
    if "AccountMoves" in inputs.tables and len(inputs.frame("AccountMoves")):
        mv = inputs.frame("AccountMoves")
        edges.append((mv["FromRep"], mv["ToRep"]))
    comp = components(rep_ids, deal_reps=d["RepID"], deal_ids=d["DealID"], edges=edges)
    pos = pd.Index(rep_ids).get_indexer(pd.Index(d["RepID"].to_numpy(dtype=object)))
    weight = 1.0 + np.bincount(pos[pos >= 0], minlength=len(rep_ids))
    n = partitions if partitions is not None else _auto_partitions(len(d), workers)
    part, w = pack(comp, weight, n, _rank(rep_ids))
    return Partitioning(np.asarray(rep_ids, dtype=object), comp, part, w)


# -- cutting the inputs -----------------------------------------------------------------------------------

def _rows_of(raw: RawTable, keep: np.ndarray) -> np.ndarray:
    """Worksheet rows of the data rows ``keep`` (positions) of ``raw``."""
    if raw.row_numbers is not None:
        return raw.row_numbers[keep]
    assert raw.header_row is not None  # a source without a header row (Parquet, SQL) numbers its rows
    return raw.header_row + 1 + keep.astype(np.int64)


def _take(tbl: Table, keep: np.ndarray) -> Table:
    """Rows ``keep`` (positions) of a typed table; each keeps the worksheet row its problems name."""
    raw = tbl.raw
    rows = _rows_of(raw, keep)
    sub = RawTable(name=raw.name, columns=raw.columns, data={c: () for c in raw.columns}, sheet=raw.sheet,
                   workbook=raw.workbook, header_row=raw.header_row, first_col=raw.first_col, row_numbers=rows,
                   date1904=raw.date1904)
    frame = tbl.frame.iloc[keep].reset_index(drop=True)
    frame.attrs = dict(tbl.frame.attrs)
    return Table(schema=tbl.schema, frame=frame, raw=sub)


def _deal_partition(deals: pd.DataFrame, deal_part: np.ndarray, deal_ids) -> np.ndarray:
    """The partition of each of ``deal_ids`` (that of its rows; an unknown deal: 0)."""
    first = pd.Series(deal_part, index=pd.Index(deals["DealID"].to_numpy(dtype=object))).groupby(level=0).first()
    return first.reindex(pd.Index(np.asarray(deal_ids, dtype=object))).fillna(0).to_numpy().astype(np.intp)


def cut(inputs: CommissionInputs, partitioning: Partitioning, k: int) -> CommissionInputs:
    """The inputs of partition ``k``: its reps' rows of every table cut by rep, the rows of their deals of every table
    cut by deal, every other table whole."""
    tables = dict(inputs.tables)
    d = inputs.frame("Deals")
    deal_part = partitioning.partition_of(d["RepID"])
    for name, col in REP_COLUMN.items():
        if name in tables:
            f = tables[name].frame
            tables[name] = _take(tables[name], np.flatnonzero(partitioning.partition_of(f[col]) == k))
    for name, col in DEAL_COLUMN.items():
        if name in tables and len(tables[name].frame):
            f = tables[name].frame
            first = pd.Series(deal_part, index=pd.Index(d["DealID"].to_numpy(dtype=object))).groupby(level=0).first()
            p = first.reindex(pd.Index(f[col].to_numpy(dtype=object))).fillna(0).to_numpy().astype(np.intp)
            tables[name] = _take(tables[name], np.flatnonzero(p == k))
    if "Payments" in tables and len(tables["Payments"].frame):  # a payment follows its invoice's deal
        inv = inputs.frame("Invoices") if "Invoices" in inputs.tables else pd.DataFrame({"InvoiceID": [], "DealID": []})
        deal_of = pd.Series(inv["DealID"].to_numpy(dtype=object), index=pd.Index(inv["InvoiceID"].to_numpy(dtype=object)))
        deal_of = deal_of[~deal_of.index.duplicated()]
        f = tables["Payments"].frame
        p = _deal_partition(d, deal_part, deal_of.reindex(pd.Index(f["InvoiceID"].to_numpy(dtype=object))).to_numpy())
        tables["Payments"] = _take(tables["Payments"], np.flatnonzero(p == k))
    if "Holds" in tables and len(tables["Holds"].frame):  # a hold on a deal follows the deal, on a rep the rep
        f = tables["Holds"].frame
        ids = f["ID"].to_numpy(dtype=object)
        by_deal = _deal_partition(d, deal_part, ids)
        by_rep = partitioning.partition_of(ids)
        p = np.where(pd.Series(f["Scope"], dtype=object).astype(str).str.lower().eq("rep").to_numpy(), by_rep, by_deal)
        tables["Holds"] = _take(tables["Holds"], np.flatnonzero(p == k))
    paid = {}
    for name, f in inputs.paid.items():  # the frozen record of locked months: the partition's reps' rows
        paid[name] = f[partitioning.partition_of(f["RepID"]) == k] if "RepID" in f else f
        paid[name].attrs = dict(f.attrs)
        if name == "PaidSummary":  # which months are frozen is the whole record's business
            paid[name].attrs["pay_months"] = sorted(set(f["PayMonth"]))
    return replace(inputs, tables=tables, warnings=list(inputs.warnings), paid=paid)


# -- one partition ----------------------------------------------------------------------------------------

@dataclass
class PartResult:
    """What a partition sends back: its rows of each output, and what the run log needs."""

    payouts: pd.DataFrame
    summary: pd.DataFrame
    lines: pd.DataFrame
    draws: pd.DataFrame
    warnings: list[str]
    credited: int  # deal rows credited
    deal_rows: int
    held: pd.DataFrame = field(default_factory=pd.DataFrame)  # Held Commission rows (holds.py)
    n_lines: int = 0  # statement lines computed (also when they are not sent back: ``lines=False``)
    peak_rss: int = 0  # bytes, the worker process's peak resident memory so far (for the bench)


def _peak_rss() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
    except Exception:  # pragma: no cover - not on every platform
        return 0


def run_part(inputs: CommissionInputs, all_reps: frozenset | None = None,
             computed_at: str | None = None) -> PartResult:
    """Compute one partition with the single-process engine (runs on a worker)."""
    res = compute(inputs, computed_at=computed_at or "")
    summary = _managers(inputs, res.summary, all_reps)
    credited = res.run.counts["Deal rows credited"]
    return PartResult(res.payouts, summary, res.lines, res.draws, res.run.warnings[len(inputs.warnings):],
                      credited, len(inputs.frame("Deals")), n_lines=len(res.lines), peak_rss=_peak_rss(),
                      held=res.held)


def _managers(inputs: CommissionInputs, summary: pd.DataFrame, all_reps: frozenset | None) -> pd.DataFrame:
    """Payout Summary names the rep's manager of the month; a manager in another partition is in the full Roster
    all the same (``all_reps``): put their RepID back where the partition could not see it."""
    ros = inputs.frame("Roster")
    if all_reps is None or not len(summary) or not len(ros):
        return summary
    outside = ros["ManagerID"].notna() & ~ros["ManagerID"].isin(set(ros["RepID"])) & ros["ManagerID"].isin(all_reps)
    if not outside.any():
        return summary
    from ..commissions.engine import month_rows
    from ..commissions.prepare import period_day_bounds, roster_days

    rd = roster_days(inputs)
    bounds = period_day_bounds(inputs.calendar, "Month", rd.start, rd.n_days)
    plan = _MonthPlan(rd, {"Month": np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))})
    # the same rule as the engine's: the row in force at the end of the month (month_rows reads only the
    # .roster and .day_period a Plan has, which _MonthPlan gives it)
    rows = month_rows(plan)  # type: ignore[arg-type]
    last_row = np.full(len(rd.rep_ids), -1, dtype=np.intp)
    last_row[rd.row_rep] = np.arange(len(rd.row_rep))
    r = pd.Index(rd.rep_ids).get_indexer(summary["RepID"].to_numpy(dtype=object))
    m = pd.Index(inputs.calendar.period_labels("Month")).get_indexer(summary["PayMonth"].to_numpy(dtype=object))
    k = rows[r, m]
    k = np.where(k >= 0, k, last_row[r])
    mgr = ros["ManagerID"].to_numpy(dtype=object)[np.maximum(k, 0)]
    fix = summary["ManagerID"].isna().to_numpy() & pd.Series(mgr, dtype=object).isin(all_reps).to_numpy()
    if fix.any():
        summary = summary.copy()
        col = summary["ManagerID"].to_numpy(dtype=object).copy()
        col[fix] = mgr[fix]
        summary["ManagerID"] = pd.Series(col, index=summary.index, dtype=object)
    return summary


@dataclass
class _MonthPlan:
    roster: Any
    day_period: dict


def _guarded(fn: Callable, *args):
    """Run on a worker: an error of ours comes back as a value, so the problems of every partition are reported."""
    try:
        return fn(*args)
    except SalesopsError as e:
        return e


# -- putting the partitions back together -----------------------------------------------------------------

def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f.columns)]
    if not nonempty:
        return frames[0] if frames else pd.DataFrame()
    rows = [f for f in nonempty if len(f)]
    out = pd.concat(rows or nonempty[:1], ignore_index=True)
    return out


def _in_rep_order(frame: pd.DataFrame, reps: pd.Index, month_labels: list[str] | None = None) -> pd.DataFrame:
    """Rows in the Roster order of their reps, stably (a rep no longer in the Roster, on a locked month's record,
    last); ``month_labels``: month first."""
    if not len(frame):
        return frame.reset_index(drop=True)
    key = reps.get_indexer(frame["RepID"].to_numpy(dtype=object)).astype(np.int64)
    key = np.where(key < 0, len(reps), key)
    if month_labels is not None:  # the draw table runs month by month, then rep by rep
        key = pd.Index(month_labels).get_indexer(frame["PayMonth"].to_numpy(dtype=object)) * (len(reps) + 1) + key
    order = np.argsort(key, kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def merge(inputs: CommissionInputs, parts: Sequence[PartResult], *, fingerprint: str | None = None,
          computed_at: str | None = None) -> CommissionResult:
    """The partitions' results as one :class:`CommissionResult`, in the single-process order.

    ``inputs`` carries the whole run's Roster, calendar and settings (its Deals may be empty: the Parquet path).
    """
    from .. import __version__

    reps = pd.Index(pd.unique(inputs.frame("Roster")["RepID"].to_numpy(dtype=object)))
    payouts = _in_rep_order(_concat([p.payouts for p in parts]), reps)
    summary = _in_rep_order(_concat([p.summary for p in parts]), reps)
    lines = _in_rep_order(_concat([p.lines for p in parts]), reps)
    # the draw table runs month by month (rep by rep within a month), or rep by rep once months are locked
    draws = _in_rep_order(_concat([p.draws for p in parts]), reps,
                          inputs.calendar.period_labels("Month") if inputs.locked_through is None else None)
    warnings = list(inputs.warnings) + merge_warnings([p.warnings for p in parts])
    held = _concat([p.held for p in parts])
    if len(held):  # the engine's order: by RepID, kind and deal as text (holds.held_table)
        key = pd.DataFrame({"r": held["RepID"].astype(str), "k": held["Kind"].astype(str),
                            "d": held["DealID"].fillna("").astype(str)})
        held = held.iloc[key.sort_values(["r", "k", "d"], kind="mergesort").index.to_numpy()].reset_index(drop=True)
    cal = inputs.calendar
    roster = inputs.frame("Roster")
    counts = {
        "Reps": int(roster["RepID"].nunique()),
        "Roster rows": int(len(roster)),
        "Deal rows": int(sum(p.deal_rows for p in parts)),
        "Deal rows credited": int(sum(p.credited for p in parts)),
        "Payout rows": int(len(payouts)),
        "Statement lines": int(sum(p.n_lines for p in parts)),
    }
    run = RunInfo(fingerprint=fingerprint or inputs.fingerprint, computed_at=computed_at or run_timestamp(),
                  engine_version=__version__, workbook=inputs.workbook, plan_year_start=cal.start, as_of=cal.as_of,
                  months_computed=cal.months_computed, counts=counts, totals=run_totals(summary), warnings=warnings)
    return CommissionResult(payouts=payouts, summary=summary, lines=lines, run=run, inputs=inputs, draws=draws,
                            held=held)


_COUNTED = re.compile(r"^([\d,]+) (.*?)(?: \(e\.g\. (.*)\))?$")
_PLURAL = ((" row ", " rows "), (" was ", " were "), (" its ", " their "), (" it ", " they "))
#: the order in which the engine raises its counted warnings (prepare.pieces, then locks), by their opening words
_ENGINE_ORDER = ("deal rows closed outside", "deal rows closed on a day", "deal rows credit a measure",
                 "cancelled deal rows were cancelled after", "deal rows were cancelled (in whole or part)",
                 "changes to locked months cannot", "changes to locked months of reps")


def _engine_rank(key: str) -> int:
    return next((k for k, start in enumerate(_ENGINE_ORDER) if key.startswith(start)), len(_ENGINE_ORDER))


def merge_warnings(per_part: Sequence[Sequence[str]]) -> list[str]:
    """The partitions' warnings as the whole run's: one warning per kind, counts added up ("3 deal rows ..." and
    "1 deal row ..." -> "4 deal rows ..."), examples ("(e.g. D-1, D-7)") pooled up to five; a warning without a
    count once. Kinds keep the order in which the engine raises them (``_ENGINE_ORDER``; others as first seen)."""
    merged: dict[str, list] = {}  # key -> [rank, total, singular text, examples, plain number]
    for part in per_part:
        for rank, w in enumerate(part):
            m = _COUNTED.match(w)
            if m is None:
                merged.setdefault(w, [rank, None, w, None, True])
                continue
            n, text, ex = int(m[1].replace(",", "")), m[2], m[3]
            key = text
            if n == 1:
                for one, many in _PLURAL:
                    key = (" " + key + " ").replace(one, many).strip()
            entry = merged.setdefault(key, [rank, 0, text if n == 1 else None, [] if ex is not None else None,
                                            "," not in m[1] and ex is not None])
            entry[0] = min(entry[0], rank)
            entry[1] += n
            if n == 1:
                entry[2] = text
            if ex is not None:
                entry[3] += ex.split(", ")
    out = []
    for key, (rank, total, one, ex, plain) in sorted(merged.items(), key=lambda kv: (_engine_rank(kv[0]), kv[1][0])):
        if total is None:
            out.append(one)
            continue
        text = one if total == 1 and one is not None else key
        number = str(total) if plain else f"{total:,}"
        out.append(f"{number} {text}" + (f" (e.g. {', '.join(ex[:5])})" if ex is not None else ""))
    return out


def _raise_problems(outcomes: list) -> None:
    errors = [o for o in outcomes if isinstance(o, SalesopsError)]
    if not errors:
        return
    inputs_errors = [e for e in errors if isinstance(e, InputError)]
    if len(inputs_errors) < len(errors):
        raise next(e for e in errors if not isinstance(e, InputError))
    problems = ProblemCollector()
    seen: set[str] = set()
    omitted = 0
    for e in inputs_errors:  # a problem of a table every partition reads is reported once
        omitted += e.omitted
        for p in e.problems:
            if str(p) not in seen:
                seen.add(str(p))
                problems.add(p)
    raise InputError(problems.sorted(), omitted=problems.omitted + omitted)


# -- running on Dask ------------------------------------------------------------------------------------------

LOCAL_SCHEDULERS = ("sync", "synchronous", "single-threaded", "threads", "processes")


class _Cluster:
    """The Dask client to run on: the one given, one connected to ``scheduler`` (an address), a new LocalCluster
    with a worker process per core (the default), or none for dask's local schedulers ("sync", "threads")."""

    def __init__(self, client=None, scheduler: str | None = None, workers: int | None = None,
                 connect_timeout: str = "10s"):
        self.client, self.local, self.cluster, self.own = client, None, None, False
        if client is not None:
            return
        if scheduler in LOCAL_SCHEDULERS:
            self.local = scheduler
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - the [dask] extra not installed
            raise UsageError("--engine dask needs dask.distributed: pip install 'salesops-xl[dask]'") from e
        self.own = True
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=connect_timeout)
            else:
                n = workers or os.cpu_count() or 1
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                            dashboard_address=":0", memory_limit=0)
                self.client = Client(self.cluster)
        except OSError as e:
            raise ScaleError(f"cannot reach the Dask scheduler {scheduler}: {e}; start one with `dask scheduler` "
                             "and `dask worker ADDRESS`, or leave out --scheduler for a local cluster") from e

    @property
    def workers(self) -> int:
        if self.client is None:
            return os.cpu_count() or 1 if self.local in ("threads", "processes") else 1
        return max(len(self.client.scheduler_info().get("workers", {})), 1)

    def share(self, obj):
        """``obj`` sent to every worker once (a future standing for it), rather than inside every task."""
        if self.client is None:
            return obj
        return self.client.scatter(obj, broadcast=True, hash=False)

    def map(self, fn: Callable, *iterables) -> list:
        items = list(zip(*iterables))
        if self.client is None:
            import dask

            # (traverse=False: dask would otherwise rebuild the dataclasses and dicts of tables field by field)
            tasks = [dask.delayed(_guarded, pure=False)(fn, *[dask.delayed(x, traverse=False) for x in a])
                     for a in items]
            return list(dask.compute(*tasks, scheduler=self.local))
        from distributed import as_completed

        futures = [self.client.submit(_guarded, fn, *a, pure=False) for a in items]
        position = {f.key: i for i, f in enumerate(futures)}
        out: list = [None] * len(futures)
        try:
            # Each result is fetched as soon as its partition finishes and its future released, so the worker
            # forgets it. client.gather(futures) waits for every future before fetching any: a worker then holds
            # the results of every partition it has run until the last one ends, and its memory grows with the
            # number of partitions, not their size. Measured on one worker (bench/bench_dask.py --baseline,
            # docs/scale.md "Memory model"): 5M deals in 10 partitions, 2.38 GiB peak and 0.18 GiB more resident
            # after each partition before, 0.81 GiB and flat now; 20M deals in 21 partitions, 8.32 -> 1.55 GiB.
            for f, result in as_completed(futures, with_results=True):
                out[position[f.key]] = result
                f.release()
            return out
        finally:
            for f in futures:
                f.release()

    def close(self) -> None:
        if self.own:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def compute_partitioned(inputs: CommissionInputs, *, partitions: int | None = None, client=None,
                        scheduler: str | None = None, workers: int | None = None,
                        computed_at: str | None = None, connect_timeout: str = "10s") -> CommissionResult:
    """:func:`.engine.compute`, run in partitions of reps on Dask; the same result to the cent, row for row.

    ``inputs``: validated inputs (:func:`.inputs.load_inputs`). ``partitions``: how many (default: one per
    worker, more when there are over ``ROWS_PER_PARTITION`` deal rows per worker). ``client``: a
    ``distributed.Client`` to run on; else ``scheduler``: an address (``tcp://host:8786``) of a running
    dask.distributed scheduler, or "sync"/"threads"/"processes" for dask's local schedulers; neither: a
    LocalCluster with ``workers`` worker processes (default: one per core), closed afterwards.
    ``connect_timeout``: how long to try reaching ``scheduler``.
    """
    computed_at = computed_at or run_timestamp()
    cluster = _Cluster(client, scheduler, workers, connect_timeout)
    try:
        parting = plan_partitions(inputs, partitions, workers=cluster.workers)
        cuts = [cut(inputs, parting, k) for k in range(parting.n_partitions)]
        all_reps = frozenset(parting.rep_ids)
        outcomes = cluster.map(run_part, cuts, [all_reps] * len(cuts), [computed_at] * len(cuts))
    finally:
        cluster.close()
    _raise_problems(outcomes)
    return merge(inputs, outcomes, computed_at=computed_at)


def partitioned_engine(*, partitions: int | None = None, scheduler: str | None = None, client=None,
                       workers: int | None = None) -> Callable[..., CommissionResult]:
    """A drop-in for :func:`.engine.compute` (``fn(inputs, computed_at=...)``) that runs partitioned: what
    ``recalc --engine dask`` hands to :func:`salesops_xl.commissions.workflow.recalc_commissions`."""

    def engine(inputs: CommissionInputs, *, computed_at: str | None = None) -> CommissionResult:
        return compute_partitioned(inputs, partitions=partitions, scheduler=scheduler, client=client,
                                   workers=workers, computed_at=computed_at)

    return engine


# -- deals from Parquet: each partition reads its own slice -------------------------------------------------

def _ids(values) -> np.ndarray:
    """Ids as the typed tables hold them (text, trimmed; blank: None), for matching raw values across sources."""
    arr = pd.Series(np.asarray(values, dtype=object), dtype=object)
    out = arr.map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
    return out.replace("", None).to_numpy(dtype=object)


def _raw_take(raw: RawTable, keep: np.ndarray) -> RawTable:
    """Rows ``keep`` of a raw table, each keeping its worksheet row."""
    rows = _rows_of(raw, keep)
    data = {c: (np.asarray(raw.data[c])[keep] if isinstance(raw.data[c], np.ndarray) else
                list(np.asarray(raw.data[c], dtype=object)[keep])) for c in dict.fromkeys(raw.columns)}
    index = {int(old): new for new, old in enumerate(keep)}
    errors = {(c, index[i]): e for (c, i), e in raw.errors.items() if i in index}
    return replace(raw, data=data, row_numbers=rows, errors=errors)


def _raw_col(raw: RawTable | None, name: str) -> np.ndarray:
    if raw is None or name not in raw.columns:
        return np.full(raw.n_rows if raw is not None else 0, None, dtype=object)
    return _ids(raw.data[name])


def _np(arr) -> np.ndarray:
    """An Arrow array or chunked array as numpy (pyarrow before 13 takes no arguments for a chunked array)."""
    try:
        return arr.to_numpy(zero_copy_only=False)
    except TypeError:
        return arr.to_numpy()


def read_deals_slice(path: str | Path, rep_values: Sequence, *, workbook: str | None = None) -> RawTable:
    """The Deals rows of ``path`` (Parquet) whose RepID is one of ``rep_values``, as a raw table whose rows are
    numbered as in the file (header = row 1, first data row = row 2), so problems name the file's row.

    Row groups whose RepID statistics exclude every wanted rep are skipped unread; of the others only RepID is read
    first, then the matching rows of the other columns: memory is bounded by the slice plus one row group.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    if "RepID" not in names:
        raise InputError([Problem(message="required column 'RepID' is missing", expected="columns of table Deals "
                                  "(`salesops-xl schema Deals`)", value=", ".join(names), workbook=workbook or
                                  Path(path).name, table="Deals")])
    wanted = pa.array(sorted({str(v) for v in rep_values}), type=pa.string())
    lo_all = wanted[0].as_py() if len(wanted) else None
    hi_all = wanted[-1].as_py() if len(wanted) else None
    sorted_wanted = np.asarray(wanted.to_pylist(), dtype=object)
    rep_leaf = pf.metadata.schema.to_arrow_schema().get_field_index("RepID")
    parts, rows, offset = [], [], 0
    for g in range(pf.num_row_groups):
        md = pf.metadata.row_group(g)
        n = md.num_rows
        stats = md.column(rep_leaf).statistics if rep_leaf >= 0 else None
        skip = not len(wanted)
        if not skip and stats is not None and stats.has_min_max and isinstance(stats.min, str):
            assert lo_all is not None and hi_all is not None  # `wanted` is not empty
            j = np.searchsorted(sorted_wanted, stats.min)
            skip = stats.max < lo_all or stats.min > hi_all or j == len(sorted_wanted) or sorted_wanted[j] > stats.max
        if not skip:
            rep = pf.read_row_group(g, columns=["RepID"]).column(0)
            mask = pc.is_in(pc.cast(rep, pa.string()), value_set=wanted)
            mask = pc.fill_null(mask, False)
            if pc.any(mask).as_py():
                parts.append(pf.read_row_group(g).filter(mask))
                rows.append(offset + np.flatnonzero(_np(mask)))
        offset += n
    table = pa.concat_tables(parts) if parts else pf.schema_arrow.empty_table()
    data = {}
    for c in table.column_names:
        col = table.column(c)
        if pa.types.is_floating(col.type) or pa.types.is_integer(col.type):
            data[c] = _np(col).astype(np.float64) if col.null_count == 0 else \
                np.asarray(_np(pc.fill_null(pc.cast(col, pa.float64()), float("nan"))))
        elif pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
            data[c] = np.asarray(col.to_pandas(), dtype="datetime64[ns]").astype("datetime64[D]").astype(object)
        else:
            data[c] = _np(col).astype(object)
    row_numbers = (np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)) + 2
    return RawTable(name="Deals", columns=list(table.column_names),
                    data=data,
                    sheet=None,
                    workbook=workbook or Path(path).name, header_row=1, row_numbers=row_numbers.astype(np.int64))


#: workbook tables each partition gets only its reps' rows of (checked rep by rep)
_RAW_BY_REP = ("quotas", "leaves", "adjustments", "draws", "disputes")


class _SliceSource:
    """A partition's tables: the workbook's (some cut to the partition) and its slice of the Parquet deals."""

    def __init__(self, workbook: str, tables: dict[str, RawTable], deals_path: str, rep_values: list):
        self.workbook, self.tables, self.deals_path, self.rep_values = workbook, tables, deals_path, rep_values

    def read(self, name: str) -> RawTable | None:
        if name.lower() == "deals":
            return read_deals_slice(self.deals_path, self.rep_values, workbook=Path(self.deals_path).name)
        raw = self.tables.get(name.lower())
        return None if raw is None else replace(raw)  # (reading frees a table's cells: partitions share them)

    def table_names(self) -> list[str]:
        return [t.name for t in self.tables.values()] + ["Deals"]


@dataclass
class _SliceJob:
    workbook: str
    tables: dict[str, RawTable]
    deals_path: str
    rep_values: list
    own_reps: list  # typed RepIDs this partition computes
    keep_lines: bool  # send the statement lines back
    computed_at: str
    context: bool  # send back the typed small tables (partition 0)


def _run_slice(job: _SliceJob, shared: dict[str, RawTable]):
    from ..commissions.inputs import fingerprint, load_inputs

    tables = {**shared, **job.tables}
    inputs = load_inputs(_SliceSource(job.workbook, tables, job.deals_path, job.rep_values))
    reps = pd.unique(inputs.frame("Roster")["RepID"].to_numpy(dtype=object))
    own = set(job.own_reps)
    parting = Partitioning(np.asarray(reps, dtype=object), np.zeros(len(reps), dtype=np.intp),
                           np.where(pd.Series(reps, dtype=object).isin(own).to_numpy(), 0, 1).astype(np.intp),
                           np.zeros(2))
    mine = cut(inputs, parting, 0)
    part = run_part(mine, frozenset(reps), job.computed_at)
    if not job.keep_lines:
        # an empty frame of its own, not .iloc[:0] alone: a zero-row view keeps the whole lines frame's arrays alive
        # (76 MiB for a partition of 500,000 deals whose result pickles to 10 MiB) for as long as the result waits
        # on the worker or, on dask's local schedulers, in the driver beside every other partition's (results
        # gathered at the end, 5M deals in 10 partitions on one worker: 2.38 GiB peak with the view, 1.04 without)
        part.lines = part.lines.iloc[:0].copy()
    if not job.context:
        return part
    small = {k: v for k, v in inputs.tables.items() if k not in ("Deals",)}
    context = replace(inputs, tables={**small, "Deals": _take(inputs.tables["Deals"], np.zeros(0, dtype=np.intp))})
    return part, context, fingerprint({k: v for k, v in small.items() if k not in ("Cancellations", "Disputes")})


def _file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def compute_from_parquet(source, deals: str | Path, *, partitions: int | None = None, client=None,
                         scheduler: str | None = None, workers: int | None = None,
                         computed_at: str | None = None, connect_timeout: str = "10s",
                         lines: bool = True) -> CommissionResult:
    """The commission run with the Deals table read from a Parquet file, partition by partition.

    ``source`` (a :class:`~salesops_xl.source.TableSource`, e.g. the workbook) gives every other input table; its
    own Deals table, if any, is ignored. The driver reads only the RepID and DealID columns of ``deals`` (to find the
    atoms); each partition reads its reps' rows itself (:func:`read_deals_slice`), validates them with the workbook's
    tables and computes: no process holds all the deals. Problems name the Parquet file and its row (header = row 1).

    The result's ``inputs`` hold the workbook's tables and no deals; its fingerprint covers those tables and the
    Parquet file's bytes. ``lines=False``: the partitions compute the statement lines but do not send them back
    (the result's ``lines`` is empty; the run log counts them): the driver then holds payouts and summary only.
    """
    import pyarrow.parquet as pq

    from ..commissions import schema as S

    computed_at = computed_at or run_timestamp()
    names = {t.lower(): t for t in source.table_names()}
    raw = {s.name.lower(): source.read(s.name) for s in S.INPUT_TABLES if s.name.lower() in names
           and s.name != "Deals"}
    raw = {k: v for k, v in raw.items() if v is not None}
    roster = raw.get("roster")
    ids = pq.read_table(deals, columns=[c for c in ("RepID", "DealID")
                                        if c in pq.ParquetFile(deals).schema_arrow.names])
    deal_rep_raw = _np(ids.column("RepID")) if "RepID" in ids.column_names else \
        np.zeros(0, dtype=object)
    deal_id = _ids(_np(ids.column("DealID"))) if "DealID" in ids.column_names else \
        np.full(len(deal_rep_raw), None, dtype=object)
    del ids
    rep_codes, rep_values = pd.factorize(pd.Series(deal_rep_raw, dtype=object))
    del deal_rep_raw
    rep_norm = _ids(np.asarray(rep_values, dtype=object))
    deal_rep = rep_norm[rep_codes] if len(rep_codes) else np.zeros(0, dtype=object)
    ros_rep, ros_mgr, ros_plan = (_raw_col(roster, c) for c in ("RepID", "ManagerID", "PlanID"))
    rep_ids = pd.unique(ros_rep[pd.notna(ros_rep)])
    pm = raw.get("planmeasures")
    team = {p for p, src in zip(_raw_col(pm, "PlanID"), _raw_col(pm, "CreditSource"))
            if src is not None and src.lower() == "team"}
    edges = [team_edges(ros_rep, ros_mgr, ros_plan, team)]
    mv = raw.get("accountmoves")
    if mv is not None:
        edges.append((_raw_col(mv, "FromRep"), _raw_col(mv, "ToRep")))
    comp = components(rep_ids, deal_reps=deal_rep, deal_ids=deal_id, edges=edges)
    pos = pd.Index(rep_ids).get_indexer(pd.Index(deal_rep))
    weight = 1.0 + np.bincount(pos[pos >= 0], minlength=len(rep_ids))
    cluster = _Cluster(client, scheduler, workers, connect_timeout)
    try:
        n = partitions if partitions is not None else _auto_partitions(len(deal_rep), cluster.workers)
        # every partition gets deal rows (the heaviest atoms are placed first, one per partition): a slice is a
        # complete Deals table, and an empty one would be refused as an empty table
        n = min(n, max(1, len(np.unique(comp[pos[pos >= 0]]))))
        part, w = pack(comp, weight, n, _rank(rep_ids))
        parting = Partitioning(np.asarray(rep_ids, dtype=object), comp, part, w)
        # which partition reads each distinct RepID value of the file, and each deal's partition (Cancellations)
        value_part = parting.partition_of(rep_norm)
        deal_part = value_part[rep_codes] if len(rep_codes) else np.zeros(0, dtype=np.intp)
        first_part = pd.Series(deal_part).groupby(pd.Series(deal_id, dtype=object)).first()
        del deal_rep, pos
        rep_part = {name: parting.partition_of(_raw_col(raw[name], "RepID")) for name in _RAW_BY_REP if name in raw}

        def by_deal(ids):
            return first_part.reindex(pd.Index(ids)).fillna(0).to_numpy().astype(np.intp)

        # tables cut by deal: Cancellations, Invoices (DealID), Payments (its invoice's deal), Holds (deal or rep)
        deal_cut: dict[str, np.ndarray] = {}
        for name in ("cancellations", "invoices"):
            if name in raw:
                deal_cut[name] = by_deal(_raw_col(raw[name], "DealID"))
        if "payments" in raw:
            inv = raw.get("invoices")
            deal_of = pd.Series(_raw_col(inv, "DealID"), index=pd.Index(_raw_col(inv, "InvoiceID")), dtype=object)
            deal_of = deal_of[~deal_of.index.duplicated()]
            deal_cut["payments"] = by_deal(deal_of.reindex(pd.Index(_raw_col(raw["payments"], "InvoiceID"))).to_numpy())
        if "holds" in raw:
            h = raw["holds"]
            ids = _raw_col(h, "ID")
            scope = np.array([str(x).lower() for x in _raw_col(h, "Scope")], dtype=object)
            deal_cut["holds"] = np.where(scope == "rep", parting.partition_of(ids), by_deal(ids))
        jobs = []
        # the tables every partition reads whole go to each worker once, not inside each of its tasks (a worker
        # holds the inputs of the tasks queued on it: 21 copies of a 50,000-rep Roster were GiBs)
        cut_names = {*deal_cut, *_RAW_BY_REP}
        shared = cluster.share({k: v for k, v in raw.items() if k not in cut_names})
        for k in range(parting.n_partitions):
            tables: dict[str, RawTable] = {}
            for name, p in deal_cut.items():
                tables[name] = _raw_take(raw[name], np.flatnonzero(p == k))
            for name in _RAW_BY_REP:  # the Roster stays whole: managers and account moves are checked against it
                if name in raw:
                    r = raw[name]
                    tables[name] = _raw_take(r, np.flatnonzero(rep_part[name] == k))
            jobs.append(_SliceJob(source.workbook, tables, str(deals),
                                  [v for v, p in zip(rep_values, value_part) if p == k],
                                  list(parting.reps_of(k)), lines, computed_at, k == 0))
        outcomes = cluster.map(_run_slice, jobs, [shared] * len(jobs))
    finally:
        cluster.close()
    _raise_problems([o[0] if isinstance(o, tuple) else o for o in outcomes])
    first, context, small_fp = outcomes[0]
    parts = [first] + list(outcomes[1:])
    fp = hashlib.sha256(f"{small_fp}\x1f{_file_sha256(deals)}".encode()).hexdigest()
    return merge(context, parts, fingerprint=fp, computed_at=computed_at)
