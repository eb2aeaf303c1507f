"""Reader benchmark: what reading a workbook's input tables costs us over python-calamine alone.

    python bench/bench_reader.py                       # 1M deals (the workbook is generated once, ~30 s)
    python bench/bench_reader.py --deals 200000
    python bench/bench_reader.py --code /tmp/main      # also another checkout's reader, side by side
                                                        # (git archive main salesops_xl | tar -x -C /tmp/main)

Each figure is the best of ``--repeat`` fresh processes, wall and CPU seconds (CPU counts every thread):

* ``calamine``  - python-calamine opening the workbook and reading every table (the baseline);
* ``read``      - our door: XlsxSource reading every table (calamine + the streaming scan of each sheet for
                  error cells, formulas without values and data beside the tables, run in a thread beside it);
* ``scan``      - the scan of the Deals sheet alone.

Results go to bench/out/reader.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PROBE = r"""
import json, sys, time, resource
sys.path.insert(0, sys.argv[1])
path, what = sys.argv[2], sys.argv[3]
t0, c0 = time.perf_counter(), time.process_time()
if what == "calamine":
    import python_calamine as pc
    book = pc.CalamineWorkbook.from_path(path, load_tables=True)
    for name in book.table_names:
        book.get_table_by_name(name).to_python()
elif what == "read":
    from salesops_xl.xlsx.reader import XlsxSource
    with XlsxSource(path) as src:
        names = src.table_names()
        src.prefetch(names)
        for name in names:
            src.read(name)
else:
    import inspect
    from salesops_xl.xlsx.package import Package
    from salesops_xl.xlsx.reader import scan_sheet
    pkg = Package(path)
    info = pkg.table("Deals")
    kw = {}
    if "rects" in inspect.signature(scan_sheet).parameters:  # (older readers did not look beside tables)
        from salesops_xl.xlsx.reader import _rect
        kw["rects"] = [_rect(info.ref)]
    scan_sheet(pkg, pkg.sheet_part("Deals"), **kw)
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""


def probe(code: Path, path: Path, what: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(code), str(path), what], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", action="append", default=[], help="another checkout's root to time beside ours")
    ap.add_argument("--workbook", type=Path, help="reuse this generated workbook")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    path = args.workbook or HERE / "out" / f"reader-{args.deals}.xlsx"
    if not path.exists():
        from bench_commissions import bench_tables, write_workbook

        path.parent.mkdir(parents=True, exist_ok=True)
        write_workbook(path, bench_tables(args.deals, args.reps))
    trees = {"ours": ROOT, **{Path(c).name: Path(c) for c in args.code}}
    best: dict[str, dict] = {}
    for _ in range(args.repeat):  # interleaved, so a busy moment hits every variant alike
        probes = [("calamine", ROOT, "calamine")] + [(f"{what} ({name})", tree, what) for name, tree in trees.items()
                                                    for what in ("read", "scan")]
        for label, tree, what in probes:
            r = probe(tree, path, what)
            b = best.setdefault(label, r)
            best[label] = {k: min(b[k], r[k]) for k in r}
    base = best["calamine"]
    print(f"{args.deals:,} deals ({path.stat().st_size / 2**20:.1f} MiB), best of {args.repeat}:")
    print(f"{'':<22}{'wall s':>8}{'cpu s':>8}{'wall / calamine':>17}{'cpu / calamine':>16}")
    for label, r in best.items():
        print(f"{label:<22}{r['wall']:>8.2f}{r['cpu']:>8.2f}{r['wall'] / base['wall']:>16.2f}x"
              f"{r['cpu'] / base['cpu']:>15.2f}x")
    out = HERE / "out" / "reader.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"deals": args.deals, "best": best}, indent=2))


if __name__ == "__main__":
    main()
