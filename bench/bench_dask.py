"""Scale-out benchmark: the partitioned engine on a local Dask cluster against the single-process engine, one run.

    python bench/bench_dask.py                                   # 20M deals x 50,000 reps (+ 2M side by side)
    python bench/bench_dask.py --deals 2000000 --reps 5000       # smaller
    python bench/bench_dask.py --deals 200000 --reps 2000 --compare-deals 200000
    python bench/bench_dask.py --deals 5000000 --reps 10000 --compare-deals 0 --partitions 10 --full-workers 1 \
        --baseline                                               # memory per partition run, before/after the fix

Data: bench/gen_parquet_deals.py writes the deals as Parquet (seeded, cached under bench/out/, not committed) and
the workbook's other tables. Every configuration runs in a fresh process (its own LocalCluster):

* ``single``  - the single-process engine on all the deals (read with the same Parquet reader, validated, computed),
                only at ``--compare-deals`` (default 2M: 20M rows do not fit one process on a 24 GiB machine shared
                with others);
* ``dask-1``, ``dask-2`` - :func:`salesops_xl.batch.scale.compute_from_parquet` on a LocalCluster of 1 and 2
                worker processes (one thread each), at ``--compare-deals`` and at ``--deals`` (``--full-workers``);
                at ``--deals`` the statement lines are computed and counted on the workers but not sent back
                (``lines=False``): the driver would otherwise hold them all.

* ``before-1``, ``gather-1`` (``--baseline [before,gather]``, for each worker count) - the same as it ran
                before the fix of docs/scale.md "Memory model": ``before`` collects the partitions' results all at
                once when the last one ends (``client.gather``: a worker holds every result it has computed until
                then) and cuts the lines it does not send back to a zero-row view (which keeps the whole lines
                frame alive); ``gather`` only collects them all at the end.

Reported: wall time, the driver's peak RSS, the largest worker's peak RSS, each worker's resident memory after each
partition it ran (a worker plugin reads it as the task ends: the curve shows whether memory grows with the number of
partitions a worker runs, not just the peak), and ratios (dask-1/dask-2 = scaling from
1 to 2 workers; single/dask-2; memory per worker / single's memory). The results are checked to be identical to the
single-process run (a hash of payouts, summary and statement lines). Results: bench/out/dask.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

from salesops_xl.batch import scale  # noqa: E402

AT = "2026-12-31T00:00:00+00:00"


def _digest(result) -> str:
    import pandas as pd

    h = hashlib.sha256()
    for name in ("payouts", "summary", "lines"):
        frame = getattr(result, name)
        h.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


class _RssAfterPartition(WorkerPlugin):
    """Worker plugin: the worker's resident memory each time a partition's task ends (bytes, in order)."""

    name = "rss-after-partition"

    def setup(self, worker) -> None:
        self.rss: list[int] = []

    def transition(self, key, start, finish, **kwargs) -> None:
        if start == "executing" and "_guarded" in str(key):
            import psutil  # a dependency of distributed

            self.rss.append(psutil.Process().memory_info().rss)


def _curve(dask_worker) -> list[int]:
    return dask_worker.plugins[_RssAfterPartition.name].rss


_RUN_SLICE = scale._run_slice


def _run_slice_view(job, shared):
    """Baseline ``before``: scale._run_slice as it was, the unsent lines cut to a zero-row view of the lines."""
    from dataclasses import replace

    out = _RUN_SLICE(replace(job, keep_lines=True), shared)
    if not job.keep_lines:
        part = out[0] if isinstance(out, tuple) else out
        part.lines = part.lines.iloc[:0]
    return out


def _gather_all(self, fn, *iterables) -> list:
    """Baselines ``before`` and ``gather``: scale._Cluster.map as it was, every result gathered when all are done."""
    futures = [self.client.submit(scale._guarded, fn, *a, pure=False) for a in zip(*iterables)]
    try:
        return self.client.gather(futures)
    finally:
        for f in futures:
            f.release()


def child(mode: str, data: Path, workers: int, partitions: int | None, lines: bool = True) -> dict:
    from gen_parquet_deals import workbook_source

    src = workbook_source(data)
    deals = data / "deals.parquet"
    t0 = time.perf_counter()
    if mode == "single":
        import pyarrow.parquet as pq

        from salesops_xl.commissions.engine import compute
        from salesops_xl.commissions.inputs import load_inputs

        reps = pq.read_table(deals, columns=["RepID"]).column(0).unique().to_pylist()
        tables = {k.lower(): src.read(k) for k in src.table_names()}
        inputs = load_inputs(scale._SliceSource(src.workbook, tables, str(deals), reps))
        result = compute(inputs, computed_at=AT)
        worker_peak, curves = 0, []
    else:
        from distributed import Client, LocalCluster

        if mode in ("before", "gather"):
            scale._Cluster.map = _gather_all  # type: ignore[method-assign]
        if mode == "before":
            scale._run_slice = _run_slice_view
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          memory_limit=0) as cluster, Client(cluster) as client:
            client.register_plugin(_RssAfterPartition(), name=_RssAfterPartition.name)
            t0 = time.perf_counter()  # the cluster's start-up is not the engine's time
            result = scale.compute_from_parquet(src, deals, partitions=partitions, client=client, computed_at=AT,
                                                lines=lines)
            seconds = time.perf_counter() - t0
            peaks = client.run(scale._peak_rss)
            curves = list(client.run(_curve).values())
        worker_peak = max(peaks.values())
    if mode == "single":
        seconds = time.perf_counter() - t0
    return {"mode": mode, "workers": workers, "seconds": seconds, "digest": _digest(result) if lines else "",
            "driver_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "worker_peak": worker_peak,
            "rss_after_partition": curves,
            "deal_rows": result.run.counts["Deal rows"], "lines": result.run.counts["Statement lines"]}


def run(mode: str, data: Path, workers: int, partitions: int | None, lines: bool = True) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--data", str(data), "--workers", str(workers)]
    if not lines:
        cmd.append("--no-lines")
    if partitions:
        cmd += ["--partitions", str(partitions)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deals", type=int, default=20_000_000)
    ap.add_argument("--reps", type=int, default=50_000)
    ap.add_argument("--compare-deals", type=int, default=2_000_000,
                    help="size at which the single-process engine runs beside Dask (0: skip)")
    ap.add_argument("--compare-reps", type=int, default=5_000)
    ap.add_argument("--partitions", type=int, help="default: the engine's (1M deal rows per partition)")
    ap.add_argument("--child")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--full-workers", default="1,2", help="worker counts at --deals (default 1,2)")
    ap.add_argument("--baseline", nargs="?", const="before,gather", default="",
                    help="also run each worker count as before the memory fix: before (as it was), gather (results "
                         "collected at the end only); default both")
    ap.add_argument("--no-lines", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.data, a.workers, a.partitions, not a.no_lines)))
        return
    from gen_parquet_deals import generate

    out = HERE / "out"
    load = os.getloadavg()
    rows = []
    sizes = []
    if a.compare_deals:
        sizes.append((a.compare_deals, a.compare_reps, True))
    if a.deals != a.compare_deals or not a.compare_deals:
        sizes.append((a.deals, a.reps, False))
    for deals, reps, with_single in sizes:
        t = time.perf_counter()
        data = generate(out / f"data-{deals}-{reps}", deals, reps)
        print(f"data {deals:,} deals x {reps:,} reps ready ({time.perf_counter() - t:.0f} s)", flush=True)
        res = {}
        counts = [1, 2] if with_single else [int(x) for x in a.full_workers.split(",")]
        dask_modes = [(m, w) for w in counts for m in (*[b for b in a.baseline.split(",") if b], "dask")]
        for mode, w in ([("single", 1)] if with_single else []) + dask_modes:
            key = mode if mode == "single" else f"{mode}-{w}"
            # at the full size the statement lines stay on the workers (computed, counted, not sent back): the
            # driver would otherwise hold every line (about 1.3 GiB per million deals)
            res[key] = run(mode, data, w, a.partitions, lines=with_single)
            r = res[key]
            print(f"  {key:7} {r['seconds']:8.1f} s  driver {gib(r['driver_peak'])}  worker {gib(r['worker_peak'])}"
                  f"  ({r['deal_rows']:,} deal rows, {r['lines']:,} lines)", flush=True)
            for i, curve in enumerate(r["rss_after_partition"]):
                print(f"          worker {i} resident after each partition (GiB): "
                      + " ".join(f"{b / 2**30:.2f}" for b in curve), flush=True)
        digests = {r["digest"] for r in res.values()}
        ratios = {}
        if "dask-1" in res and "dask-2" in res:
            ratios["scaling 1->2 workers (dask-1 / dask-2 time)"] = res["dask-1"]["seconds"] / res["dask-2"]["seconds"]
        if with_single:
            s = res["single"]
            ratios["single / dask-2 time"] = s["seconds"] / res["dask-2"]["seconds"]
            ratios["single / dask-1 time"] = s["seconds"] / res["dask-1"]["seconds"]
            ratios["peak memory per worker (dask-2) / single process"] = res["dask-2"]["worker_peak"] / s["driver_peak"]
            ratios["driver peak (dask-2) / single process"] = res["dask-2"]["driver_peak"] / s["driver_peak"]
        for w in counts:
            for base in ("before", "gather"):
                if f"{base}-{w}" in res:
                    ratios[f"worker peak, {base} / now ({w} worker(s))"] = \
                        res[f"{base}-{w}"]["worker_peak"] / res[f"dask-{w}"]["worker_peak"]
                    ratios[f"time, {base} / now ({w} worker(s))"] = \
                        res[f"{base}-{w}"]["seconds"] / res[f"dask-{w}"]["seconds"]
        for k, v in ratios.items():
            print(f"  {k}: {v:.2f}")
        if with_single:
            print(f"  identical results in every configuration: {len(digests) == 1}")
        rows.append({"deals": deals, "reps": reps, "results": res, "ratios": ratios, "identical": len(digests) == 1})
    report = {"load_average_at_start": load, "load_average_at_end": os.getloadavg(), "cores": os.cpu_count(),
              "runs": rows}
    out.mkdir(exist_ok=True)
    (out / "dask.json").write_text(json.dumps(report, indent=2))
    print(f"load average at start {load[0]:.1f}, at end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"bench/out/dask.json")


if __name__ == "__main__":
    main()
