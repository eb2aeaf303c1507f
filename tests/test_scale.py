"""The partitioned engine (salesops_xl.batch.scale, docs/scale.md): identical to the single-process run.

Most examples run on dask's synchronous scheduler or an in-process cluster; one test starts a real
multi-process LocalCluster through the CLI and compares the whole workbook byte for byte.
"""
from __future__ import annotations

import functools
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pytest.importorskip("distributed")

from salesops_xl.batch import scale  # noqa: E402
from salesops_xl.commissions.engine import compute  # noqa: E402
from salesops_xl.commissions.inputs import load_inputs  # noqa: E402
from salesops_xl.commissions.sample import sample_tables  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402

AT = "2026-07-01T00:00:00+00:00"
OUTPUTS = ("payouts", "summary", "lines", "draws", "held")


@functools.lru_cache(maxsize=1)
def _sample() -> dict[str, pd.DataFrame]:
    return sample_tables()


def assert_same(one, many) -> None:
    """Every output frame equal, row for row and column for column (money in exact cents), and the run log."""
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(many, name), check_exact=True, obj=name)
    assert one.run.counts == many.run.counts
    pd.testing.assert_frame_equal(one.run.totals, many.run.totals)
    assert one.run.warnings == many.run.warnings


# -- the partitioning rule, by hand ---------------------------------------------------------------------------

def test_components_link_split_deals_and_moves():
    # reps A..F: deal D1 split A/B, move C -> D; E and F alone
    comp = scale.components(list("ABCDEF"), deal_reps=["A", "B", "E", "F"], deal_ids=["D1", "D1", "D2", "D3"],
                            edges=[(["C"], ["D"])])
    assert comp[0] == comp[1] and comp[2] == comp[3]
    assert len({comp[0], comp[2], comp[4], comp[5]}) == 4


def test_team_edges_follow_the_lines_under_a_team_measure_at_any_level():
    # V (plan VP, Team) <- M1 (MGR, no Team) <- R1 ; M2 (MGR) <- R2 under nobody with a Team measure
    reps = ["V", "M1", "R1", "M2", "R2"]
    mgrs = [None, "V", "M1", None, "M2"]
    plans = ["VP", "MGR", "AE", "MGR", "AE"]
    a, b = scale.team_edges(reps, mgrs, plans, {"VP"})
    assert sorted(zip(a, b)) == [("M1", "V"), ("R1", "M1")]  # R1's deals roll up to V through M1
    a, b = scale.team_edges(reps, mgrs, plans, set())
    assert not len(a)


def test_pack_cuts_atoms_in_repid_order_into_runs_of_equal_weight():
    # atoms 0..3 (reps ranked 3, 0, 1, 2 -> atom order 1, 2, 3, 0), weights 5, 3, 2, 2; two partitions of ~6:
    # weight before each in that order: atom1 0, atom2 3, atom3 5, atom0 7 -> cut at 6: {1, 2, 3} | {0}
    comp = np.array([0, 1, 2, 3])
    part, w = scale.pack(comp, np.array([5.0, 3.0, 2.0, 2.0]), 2, rank=np.array([3, 0, 1, 2]))
    assert part.tolist() == [1, 0, 0, 0] and w.tolist() == [7.0, 5.0]
    part, w = scale.pack(comp, np.ones(4), 9)  # never more partitions than atoms
    assert len(w) == 4
    part, w = scale.pack(np.array([0, 0, 0, 1]), np.array([10.0, 10, 10, 1]), 3)  # a heavy atom alone; none empty
    assert part.tolist() == [0, 0, 0, 1] and len(w) == 2


def test_merge_warnings_adds_counts_and_keeps_the_engines_order():
    parts = [["3 deal rows were cancelled (in whole or part) in the period they closed; that part is not credited",
              "2 deal rows closed outside the computed periods (e.g. D-1, D-2)"],
             ["1 deal row was cancelled (in whole or part) in the period it closed; that part is not credited"],
             ["1 deal rows closed outside the computed periods (e.g. D-9)", "no quota for X"]]
    assert scale.merge_warnings(parts) == [  # the engine warns of rows outside the periods first
        "3 deal rows closed outside the computed periods (e.g. D-1, D-2, D-9)",
        "4 deal rows were cancelled (in whole or part) in the period they closed; that part is not credited",
        "no quota for X"]
    assert scale.merge_warnings([["1 deal row was cancelled (in whole or part) in the period it closed"]]) == \
        ["1 deal row was cancelled (in whole or part) in the period it closed"]


# -- identity: random hierarchies, plans and partitionings ----------------------------------------------------

@st.composite
def scenarios(draw):
    t = {k: v.copy() for k, v in _sample().items()}
    pm = t["PlanMeasures"]
    for plan in ("MGR", "VP"):  # each team measure a real Team roll-up or the manager's own deals
        if not draw(st.booleans()):
            pm.loc[pm.PlanID == plan, "CreditSource"] = "Own"
    ros = t["Roster"]
    managers = sorted(ros.loc[ros.PlanID == "MGR", "RepID"].unique())
    under = ros["ManagerID"].isin(managers).to_numpy()
    ros.loc[under, "ManagerID"] = draw(st.lists(st.sampled_from(managers), min_size=int(under.sum()),
                                                max_size=int(under.sum())))
    ros.loc[ros.PlanID == "MGR", "ManagerID"] = draw(st.sampled_from(["V01", None]))  # top of the tree or not
    deals = t["Deals"]
    keep = draw(st.sampled_from([1.0, 0.5, 0.2]))
    ids = deals["DealID"].unique()
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    chosen = set(rng.choice(ids, size=max(1, int(len(ids) * keep)), replace=False))
    t["Deals"] = deals[deals["DealID"].isin(chosen)].reset_index(drop=True)
    for name in ("Cancellations", "Invoices"):  # (their rows of the deals kept)
        if name in t:
            t[name] = t[name][t[name]["DealID"].isin(chosen)].reset_index(drop=True)
    if "Payments" in t and "Invoices" in t:
        t["Payments"] = t["Payments"][t["Payments"]["InvoiceID"].isin(set(t["Invoices"]["InvoiceID"]))] \
            .reset_index(drop=True)
    if "Holds" in t:
        h = t["Holds"]
        t["Holds"] = h[(h["Scope"].astype(str).str.lower() == "rep") | h["ID"].isin(chosen)].reset_index(drop=True)
    t["Disputes"] = t["Disputes"][t["Disputes"]["DealID"].isna() | t["Disputes"]["DealID"].isin(chosen)] \
        .reset_index(drop=True)
    return t, draw(st.integers(1, 6))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_partitioned_equals_single_process_to_the_cent(scenario):
    tables, partitions = scenario
    inp = load_inputs(MemorySource(tables))
    one = compute(inp, computed_at=AT)
    parting = scale.plan_partitions(inp, partitions)
    # the rule itself: a split deal's reps, and a Team roll-up's lines, share a partition
    d = inp.frame("Deals")
    part_of_row = parting.partition_of(d["RepID"])
    assert (pd.Series(part_of_row).groupby(d["DealID"].to_numpy()).nunique() == 1).all()
    many = scale.compute_partitioned(inp, partitions=partitions, scheduler="sync", computed_at=AT)
    assert_same(one, many)


def test_identity_with_locked_months_and_a_paid_record(tmp_path):
    """LockedThrough with a frozen Paid History: prior-period lines and frozen rows come out the same."""
    from salesops_xl.commissions import locks

    t = {k: v.copy() for k, v in _sample().items() if k not in ("Invoices", "Payments", "Holds")}
    t["PlanMeasures"].loc[:, "CreditSource"] = "Own"  # many small atoms
    if "PayOn" in t["PlanMeasures"]:  # paid as earned: the late deal's commission shows as a prior-period line
        t["PlanMeasures"] = t["PlanMeasures"].drop(columns="PayOn")
    inp = load_inputs(MemorySource(t))
    first = compute(inp, computed_at=AT)
    paid = locks.paid_history(first, inp.locked_through)
    # the frozen record differs from a fresh run: a deal added since, so prior-period lines appear
    t2 = {k: v.copy() for k, v in t.items()}
    extra = t2["Deals"].iloc[[0]].copy()
    extra["DealID"] = "D-LATE"
    extra["SplitPct"] = 1.0
    t2["Deals"] = pd.concat([t2["Deals"], extra], ignore_index=True)
    inp2 = load_inputs(MemorySource(t2))
    inp2.paid = {k: v.reset_index(drop=True) for k, v in paid.items()}
    one = compute(inp2, computed_at=AT)
    assert (one.lines["LineType"] == locks.LINE_PRIOR).any()
    many = scale.compute_partitioned(inp2, partitions=4, scheduler="sync", computed_at=AT)
    assert_same(one, many)


def test_an_in_process_cluster_given_as_client(tmp_path):
    from distributed import Client, LocalCluster

    t = {k: v.copy() for k, v in _sample().items()}
    t["PlanMeasures"].loc[:, "CreditSource"] = "Own"
    inp = load_inputs(MemorySource(t))
    t2, path, workbook = _parquet_case(tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        many = scale.compute_partitioned(inp, partitions=3, client=client, computed_at=AT)
        from_parquet = scale.compute_from_parquet(workbook, path, partitions=3, client=client, computed_at=AT)
    assert_same(compute(inp, computed_at=AT), many)
    assert_same(compute(load_inputs(MemorySource(t2)), computed_at=AT), from_parquet)


def _results_left_on_worker(_k: int) -> int:
    """Run as partition ``_k`` on a one-thread worker: how many finished partitions' results the worker still holds,
    after giving the driver up to 5 s to collect them."""
    import time

    from distributed import get_worker

    data = get_worker().data
    deadline = time.monotonic() + 5
    while len(data) and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(data)


def test_a_worker_forgets_each_partitions_result_once_the_driver_has_it():
    """A worker running partitions one after another does not keep the earlier ones' results (docs/scale.md, Memory
    model): the driver collects each as it finishes. Collecting them all at the end, a worker held every result it
    had computed until the last partition was done, and its memory grew with the number of partitions."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        left = scale._Cluster(client).map(_results_left_on_worker, range(4))
    assert left == [0, 0, 0, 0]


def test_a_problem_found_in_partitions_is_reported_once_with_its_row():
    """A missing FX rate surfaces while computing (not while reading): each partition's problems come back as one
    InputError. A problem summarised over many rows (the months a rate is missing for) is summarised per partition
    (docs/scale.md): the same kinds of problem, on the same table and column, each naming its row and cell."""
    from salesops_xl.errors import InputError

    t = {k: v.copy() for k, v in _sample().items()}
    t["PlanMeasures"].loc[:, "CreditSource"] = "Own"
    fx = t["FXRates"]
    t["FXRates"] = fx[fx["FromCurrency"] != "EUR"].reset_index(drop=True)
    inp = load_inputs(MemorySource(t))
    with pytest.raises(InputError) as single:
        compute(inp, computed_at=AT)
    with pytest.raises(InputError) as parted:
        scale.compute_partitioned(inp, partitions=5, scheduler="sync", computed_at=AT)
    def kinds(err):
        return {(p.table, p.column, p.message.split(" for ")[0]) for p in err.problems}

    assert kinds(parted.value) == kinds(single.value) == {("Deals", "Currency", f"no FX rate EUR->{c}")
                                                          for c in ("USD", "GBP")}
    assert all(p.row is not None and p.cell for p in parted.value.problems)
    single_rows = {p.row for p in single.value.problems}
    assert single_rows <= {p.row for p in parted.value.problems}  # the row a single run names is named too


def test_an_unreachable_scheduler_is_a_clear_error():
    inp = load_inputs(MemorySource(_sample()))
    with pytest.raises(scale.ScaleError, match="cannot reach the Dask scheduler tcp://127.0.0.1:9"):
        scale.compute_partitioned(inp, scheduler="tcp://127.0.0.1:9", connect_timeout="1s")


# -- the CLI on a real multi-process cluster ------------------------------------------------------------------

def test_cli_engine_dask_on_a_local_cluster_writes_the_same_workbook(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from salesops_xl.cli import main
    from salesops_xl.commissions.capability import CAPABILITY

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    src = tmp_path / "template.xlsx"
    CAPABILITY.build_template(src)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    shutil.copy(src, a)
    shutil.copy(src, b)
    runner = CliRunner()
    r1 = runner.invoke(main, ["recalc", str(a), "-q"])
    assert r1.exit_code == 0, r1.output
    r2 = runner.invoke(main, ["recalc", str(b), "--engine", "dask", "--workers", "2", "--partitions", "3"])
    assert r2.exit_code == 0, r2.output
    assert a.read_bytes() == b.read_bytes()
    r3 = runner.invoke(main, ["recalc", str(b), "--scheduler", "sync"])
    assert r3.exit_code == 2 and "go with --engine dask" in r3.output


# -- deals from Parquet: each partition reads its own slice ---------------------------------------------------

def _parquet_case(tmp_path, mutate=None):
    pytest.importorskip("pyarrow")
    t = {k: v.copy() for k, v in _sample().items()}
    t["PlanMeasures"].loc[t["PlanMeasures"].PlanID == "VP", "CreditSource"] = "Own"  # teams of each manager
    deals = t["Deals"].copy()
    if mutate is not None:
        mutate(deals)
    path = tmp_path / "deals.parquet"
    deals.to_parquet(path, row_group_size=250)  # several row groups: slices skip or filter them
    workbook = MemorySource({k: v for k, v in t.items() if k != "Deals"}, workbook="plan.xlsx")
    return t, path, workbook


def test_deals_from_parquet_partition_by_partition_equal_the_single_run(tmp_path):
    t, path, workbook = _parquet_case(tmp_path)
    one = compute(load_inputs(MemorySource(t)), computed_at=AT)
    many = scale.compute_from_parquet(workbook, path, partitions=4, scheduler="sync", computed_at=AT)
    assert_same(one, many)
    assert len(many.inputs.frame("Deals")) == 0  # the driver never held the deals
    assert many.run.fingerprint != one.run.fingerprint and len(many.run.fingerprint) == 64
    # lines=False: the lines stay on the workers; payouts, summary and the run log's counts are the same
    lean = scale.compute_from_parquet(workbook, path, partitions=2, scheduler="sync", computed_at=AT, lines=False)
    assert len(lean.lines) == 0 and lean.run.counts == one.run.counts
    pd.testing.assert_frame_equal(lean.payouts, one.payouts, check_exact=True)
    pd.testing.assert_frame_equal(lean.summary, one.summary, check_exact=True)


def test_a_bad_parquet_value_names_the_file_and_its_row(tmp_path):
    def bad(d):
        d.loc[1500, "Status"] = "Maybe"  # file row 1502 (header = row 1)

    _, path, workbook = _parquet_case(tmp_path, bad)
    from salesops_xl.errors import InputError

    with pytest.raises(InputError) as e:
        scale.compute_from_parquet(workbook, path, partitions=3, scheduler="sync", computed_at=AT)
    (p,) = e.value.problems
    assert (p.workbook, p.table, p.row, p.column, p.value) == ("deals.parquet", "Deals", 1502, "Status", "Maybe")
