"""Cost of the check a written workbook passes before it replaces anything, side by side in one run.

    python bench/bench_write_check.py                  # the 1M-deal workbook of bench_commissions.py
    python bench/bench_write_check.py --deals 100000   # quicker

The workbook is generated as bench_commissions.py does (5,000 reps), recalculated once so that its
output sheets exist, then recalculated again into another file (``recalc -o``, the same work as an
in-place run after the first one) ``--repeat`` times with the check and as many times with the
check switched off, alternately. Reported: the write stage's time with and without the check,
the check's own time after the write (wall clock and CPU: on a shared machine the CPU figures are
the ones to read), the megabytes of XML it parsed (the parts the writer changed or added; parts
copied byte for byte are not parsed) and how many of them helper processes parsed while they were
written (``xmlcheck``: their CPU time is in the recalc's CPU figure, which counts child processes;
without the check no helper runs), and the ratios. Results go to bench/out/write_check.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workbook", help="use this workbook (with its outputs) instead of generating one")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()

    from salesops_xl import batch
    from salesops_xl.xlsx import writer, xmlcheck
    from salesops_xl.xlsx.package import Package

    real_check = writer.check_written
    seen: dict = {}

    real_min = xmlcheck.PARALLEL_MIN_BYTES

    def timed_check(tmp, pkg, expect, checked=frozenset()):
        w, c = time.perf_counter(), time.process_time()
        real_check(tmp, pkg, expect, checked)
        seen["wall"], seen["cpu"] = time.perf_counter() - w, time.process_time() - c
        with Package(tmp) as out:
            seen["mb"] = sum(out.entry(n).file_size for n in expect.changed if out.has(n)) / 1e6
            seen["helper_mb"] = sum(out.entry(n).file_size for n in checked if out.has(n)) / 1e6

    def cpu() -> float:  # this process and the helper processes it waited for
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.workbook:
            src = Path(args.workbook)
        else:
            import bench_commissions as B

            src = tmp / f"deals-{args.deals}.xlsx"
            B.write_workbook(src, B.bench_tables(args.deals, args.reps))
            batch.recalc(src)  # the output sheets now exist: the runs below replace them
        runs = {"with check": [], "without check": []}
        for i in range(args.repeat):
            for mode in runs:
                writer.check_written = timed_check if mode == "with check" else (lambda *a: None)
                xmlcheck.PARALLEL_MIN_BYTES = real_min if mode == "with check" else 1 << 62
                seen.clear()
                c = cpu()
                rep = batch.recalc(src, tmp / f"out-{i}.xlsx")
                runs[mode].append({"write_s": rep.timings["write"], "recalc_s": rep.seconds,
                                   "recalc_cpu_s": cpu() - c, **{f"check_{k}": v for k, v in seen.items()}})
                (tmp / f"out-{i}.xlsx").unlink()
        writer.check_written = real_check
        xmlcheck.PARALLEL_MIN_BYTES = real_min

    def med(mode, key):
        return statistics.median(r[key] for r in runs[mode])

    res = {
        "deals": args.deals, "runs": runs,
        "write_s_with_check": med("with check", "write_s"), "write_s_without_check": med("without check", "write_s"),
        "check_wall_s": med("with check", "check_wall"), "check_cpu_s": med("with check", "check_cpu"),
        "check_parsed_mb": med("with check", "check_mb"),
        "check_parsed_beside_the_writer_mb": med("with check", "check_helper_mb"),
        "recalc_cpu_s_with_check": med("with check", "recalc_cpu_s"),
        "recalc_cpu_s_without_check": med("without check", "recalc_cpu_s"),
    }
    res["write_ratio"] = res["write_s_with_check"] / res["write_s_without_check"]
    res["check_share_of_recalc_cpu"] = res["check_cpu_s"] / res["recalc_cpu_s_with_check"]
    res["recalc_cpu_ratio"] = res["recalc_cpu_s_with_check"] / res["recalc_cpu_s_without_check"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "write_check.json").write_text(json.dumps(res, indent=2))
    print(f"{args.deals:,} deals: write stage {res['write_s_without_check']:.2f} s without the check, "
          f"{res['write_s_with_check']:.2f} s with it (x{res['write_ratio']:.2f}); the check itself "
          f"{res['check_wall_s']:.2f} s wall / {res['check_cpu_s']:.2f} s CPU for {res['check_parsed_mb']:.0f} MB of "
          f"XML parsed ({res['check_parsed_beside_the_writer_mb']:.0f} MB of it by helper processes while it was "
          f"written) = {res['check_share_of_recalc_cpu']:.0%} of the recalc's CPU time; the recalc's CPU time "
          f"{res['recalc_cpu_s_without_check']:.1f} s without the check, {res['recalc_cpu_s_with_check']:.1f} s with it "
          f"(x{res['recalc_cpu_ratio']:.2f})")


if __name__ == "__main__":
    main()
