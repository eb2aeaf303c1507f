"""Input tables from CSV, Parquet and SQLite against the workbook's own, results to Parquet and SQLite: side by
side in one run.

    python bench/bench_sources.py                    # 100,000 deals, 1,000 reps
    python bench/bench_sources.py --deals 1000000 --reps 5000

What it measures (in process, best of 3, on one generated commission workbook; bench_commissions.py's data):

* ``read+type Deals`` from the workbook (python-calamine), a CSV file, a Parquet file, a SQLite table: the
  source's read and the schema check (salesops_xl.tables.read_table), as a recalc does them;
* ``results``: the payouts, payout summary and statement lines of that run written to a Parquet folder and to
  a SQLite database (one transaction), and the sizes of those tables.

Ratios are against the workbook read. Results go to bench/out/sources.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_commissions import bench_tables, write_workbook  # noqa: E402

from salesops_xl.commissions import schema as S  # noqa: E402
from salesops_xl.errors import ProblemCollector  # noqa: E402
from salesops_xl.batch.results import write_results  # noqa: E402
from salesops_xl.commissions.outputs import run_results  # noqa: E402
from salesops_xl.sources import CompositeSource, TableSpec  # noqa: E402
from salesops_xl.tables import read_table  # noqa: E402
from salesops_xl.commissions.workflow import recalc_commissions  # noqa: E402
from salesops_xl.xlsx.reader import XlsxSource  # noqa: E402


def best(fn, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=1_000)
    args = ap.parse_args()
    deals_schema = next(s for s in S.INPUT_TABLES if s.name == "Deals")
    with tempfile.TemporaryDirectory(prefix="sxl-bench-sources-") as tmp:
        tmp = Path(tmp)
        tables = bench_tables(args.deals, args.reps)
        wb = tmp / "bench.xlsx"
        write_workbook(wb, tables)
        deals = tables["Deals"]
        deals.to_csv(tmp / "deals.csv", index=False, date_format="%Y-%m-%d")
        deals.to_parquet(tmp / "deals.parquet", index=False)
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{tmp / 'ops.db'}")
        deals.assign(CloseDate=deals["CloseDate"].dt.strftime("%Y-%m-%d")).to_sql("deals", engine, index=False)
        engine.dispose()
        specs = {"csv": TableSpec("csv", path=tmp / "deals.csv"),
                 "parquet": TableSpec("parquet", path=tmp / "deals.parquet"),
                 "sqlite": TableSpec("sql", url=f"sqlite:///{tmp / 'ops.db'}", table="deals")}

        def typed(raw):
            problems = ProblemCollector()
            t = read_table(raw, deals_schema, problems)
            assert not problems and len(t.frame) == args.deals, problems.problems[:3]

        res = {"deals": args.deals, "reps": args.reps, "read+type Deals (s)": {}}
        with XlsxSource(wb) as src:
            res["read+type Deals (s)"]["workbook"] = best(lambda: typed(XlsxSource(wb).read("Deals")))
            for kind, spec in specs.items():
                res["read+type Deals (s)"][kind] = best(lambda: typed(spec.read("Deals", deals_schema)))
            result = recalc_commissions(CompositeSource(src, {"Deals": specs["parquet"]})).result
        res["rows"] = {"payouts": len(result.payouts), "payout_summary": len(result.summary),
                       "statement_lines": len(result.lines)}
        res["results (s)"] = {
            "parquet": best(lambda: write_results(run_results(result), tmp / "out", run_key="bench.xlsx")),
            "sqlite": best(lambda: write_results(run_results(result), f"sqlite:///{tmp / 'results.db'}", run_key="bench.xlsx")),
        }
    base = res["read+type Deals (s)"]["workbook"]
    print(f"{args.deals:,} deals, {args.reps:,} reps")
    for kind, s in res["read+type Deals (s)"].items():
        print(f"  read+type Deals from {kind:<9} {s:7.2f} s  ({s / base:.2f}x the workbook)")
    print(f"  results: {res['rows']}")
    for kind, s in res["results (s)"].items():
        print(f"  results to {kind:<8} {s:7.2f} s")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "sources.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
