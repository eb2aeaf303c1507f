"""Add-in benchmark: the cost of our own code in a cell-function call, against the engine alone.

    python bench/bench_addin.py              # figures printed, and written to bench/out/addin.json
    python bench/bench_addin.py --rows 1000000

What it measures, in this process, each the median of several rounds:

* **scalar call**: ``=SXL_COMMISSION(A1, Tiers)`` as Excel hands it over (``[[60000.0]]`` and a
  4-row tier range with a header) through the add-in's function, per call; against the engine
  alone on a prebuilt tier table (``tiered_value`` on a 1-element array): the difference is the
  overhead of argument conversion, validation, the error guard and the result conversion;
* **array call**: the same function on a 100,000-row column (a list of 100,000 one-element rows,
  what a ``=SXL_COMMISSION(A2:A100001, Tiers)`` receives), spilling 100,000 results; split into
  converting the range in, computing, converting the result out; against the numpy kernel on the
  same numbers and against the issue's target (at most 100 ms of our own time);
* the same array call for SXL_ATTAINMENT, SXL_PAYOUT and SXL_TIER.

Not included (not our code, and not runnable here): xlwings' own marshalling (VBA/COM on desktop,
Office.js/Pyodide in xlwings Lite) before and after the call.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from salesops_xl import cells  # noqa: E402
from salesops_xl.commissions import cells as commission_cells  # noqa: E402
from salesops_xl.addin.functions import sxl_attainment, sxl_commission, sxl_payout, sxl_tier  # noqa: E402
from salesops_xl.commissions.tiers import tiered_value  # noqa: E402
from salesops_xl.money import to_cents  # noqa: E402

TIERS = [["From", "To", "Rate"], [0.0, 10000.0, 0.05], [10000.0, 50000.0, 0.08], [50000.0, None, 0.10]]
CURVE = [[0.0, 1.0, 1.0], [1.0, 1.3, 2.0], [1.3, None, 0.5]]
TARGET_MS = 100.0


def median_time(fn, rounds: int, inner: int = 1, *, no_gc: bool = False) -> float:
    """Median seconds per call over ``rounds`` rounds of ``inner`` calls.

    ``no_gc``: with the garbage collector paused, as the cell functions run (to time their parts alike).
    """
    import gc

    out = []
    for _ in range(rounds):
        if no_gc:
            gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            out.append((time.perf_counter() - t0) / inner)
        finally:
            gc.enable()
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the array call (default 100,000)")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    n = args.rows
    rng = np.random.default_rng(4)
    amounts = np.round(rng.uniform(0, 120_000, n), 2)
    column = [[float(x)] for x in amounts]  # what Excel hands over for an n-row column
    quotas = [[100_000.0] for _ in range(n)]
    attain = [[float(x)] for x in rng.uniform(0, 2, n)]
    table = commission_cells.tier_table(TIERS)
    results: dict = {"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0],
                     "numpy": np.__version__, "rows": n}

    # -- scalar call
    one = [[60000.0]]
    ours_scalar = median_time(lambda: sxl_commission(one, TIERS), args.rounds, 2000)
    kernel_scalar = median_time(lambda: tiered_value(np.array([60000.0]), table, "Marginal"), args.rounds, 2000)
    assert sxl_commission(one, TIERS) == 4700.0
    results["scalar"] = {"sxl_commission_us": round(ours_scalar * 1e6, 1),
                         "engine_only_us": round(kernel_scalar * 1e6, 1),
                         "overhead_us": round((ours_scalar - kernel_scalar) * 1e6, 1),
                         "ratio_to_engine": round(ours_scalar / kernel_scalar, 1)}

    # -- array call, and its parts
    total = median_time(lambda: sxl_commission(column, TIERS), args.rounds)
    out = sxl_commission(column, TIERS)
    assert len(out) == n and isinstance(out[0][0], float)
    conv_in = median_time(lambda: cells.numbers(column, "amount"), args.rounds, no_gc=True)
    arr, _ = cells.numbers(column, "amount")
    compute = median_time(lambda: to_cents(tiered_value(arr, commission_cells.tier_table(TIERS), "Marginal")) / 100.0,
                          args.rounds, no_gc=True)
    res = to_cents(tiered_value(arr, table, "Marginal")) / 100.0

    conv_out = median_time(lambda: cells.to_excel(res), args.rounds, no_gc=True)
    kernel = median_time(lambda: tiered_value(amounts, table, "Marginal"), args.rounds)
    results["array"] = {
        "sxl_commission_ms": round(total * 1e3, 1),
        "parts_ms": {"range_in": round(conv_in * 1e3, 1), "compute": round(compute * 1e3, 1),
                     "result_out": round(conv_out * 1e3, 1)},
        "numpy_kernel_ms": round(kernel * 1e3, 2),
        "target_ms": TARGET_MS,
        "ratio_to_target": round(total * 1e3 / TARGET_MS, 2),
        "ratio_to_kernel": round(total / kernel, 1),
        "us_per_row": round(total / n * 1e6, 3),
    }
    others = {
        "sxl_attainment": lambda: sxl_attainment(column, quotas),
        "sxl_payout": lambda: sxl_payout(attain, CURVE),
        "sxl_tier": lambda: sxl_tier(column, TIERS),
    }
    results["array_other_ms"] = {k: round(median_time(f, args.rounds) * 1e3, 1) for k, f in others.items()}

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "addin.json").write_text(json.dumps(results, indent=2))
    s, a = results["scalar"], results["array"]
    print(f"cell functions, {platform.python_implementation()} {results['python']}, numpy {results['numpy']}")
    print(f"scalar  =SXL_COMMISSION(A1, Tiers)       {s['sxl_commission_us']:>8.1f} us per call; engine alone "
          f"{s['engine_only_us']:.1f} us (overhead {s['overhead_us']:.1f} us, x{s['ratio_to_engine']})")
    print(f"array   =SXL_COMMISSION(A2:A{n + 1}, Tiers) {a['sxl_commission_ms']:>8.1f} ms = range in "
          f"{a['parts_ms']['range_in']} + compute {a['parts_ms']['compute']} + result out "
          f"{a['parts_ms']['result_out']} ms")
    print(f"        target {TARGET_MS:.0f} ms: x{a['ratio_to_target']} of it; numpy kernel alone "
          f"{a['numpy_kernel_ms']} ms (x{a['ratio_to_kernel']}); {a['us_per_row']} us per row")
    for k, v in results["array_other_ms"].items():
        print(f"array   ={k.upper()} over {n:,} rows {v:>8.1f} ms")
    print(f"wrote {out_dir / 'addin.json'}")


if __name__ == "__main__":
    main()
