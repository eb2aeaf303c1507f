"""Benchmark of the xlsx writer (not collected by pytest).

    python tests/xlsx/bench_writer.py [rows ...]      # default: 100000 1000000

For each size: writing a 12-column table (4 text, 2 date, 4 money, 2 percent)
into a new workbook, then replacing it in place in that workbook (a second
run), with peak memory (max RSS of the process so far).
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from salesops_xl.sheets import SheetSpec  # noqa: E402
from salesops_xl.xlsx.writer import write_sheets  # noqa: E402
from test_writer_perf import big_table  # noqa: E402


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            table = big_table(n)
            spec = SheetSpec("Big", tables=(table,), freeze="A2")
            path = Path(d) / f"big{n}.xlsx"
            t0 = time.perf_counter()
            write_sheets(None, path, [spec])
            t1 = time.perf_counter()
            write_sheets(path, path, [spec])
            t2 = time.perf_counter()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{n:>9,} rows: new workbook {t1 - t0:5.2f}s, in place {t2 - t1:5.2f}s, "
                  f"file {os.path.getsize(path) / 1e6:6.1f} MB, peak RSS {rss:6.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
