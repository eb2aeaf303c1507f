"""Rep statements benchmark: one statement workbook (and PDF) per rep for 5,000 reps, against openpyxl
writing the same statements - side by side in one run.

    python bench/bench_statements.py                  # 5,000 reps, 100,000 deals
    python bench/bench_statements.py --reps 1000 --pdf-sample 20

What it measures:

* ``cli``         - ``salesops-xl statements WORKBOOK --out DIR`` for every rep, whole process (read, compute,
                    write every file), wall time and peak RSS under /usr/bin/time -v; with the default
                    number of jobs (processes, up to 4 by CPU count) and with ``--jobs 1``;
* ``ours``        - writing the statement workbooks of a sample of reps in process, one core, from a computed
                    run (the same sheets, tables and chart as the files above);
* ``openpyxl``    - openpyxl writing the same statements for the same sample of reps: the same cells, an
                    Excel Table per block, the same line chart, frozen header (the usual Python way to
                    write workbooks);
* ``pdf``         - LibreOffice rendering a sample of the statement workbooks to PDF, as ``--pdf`` does,
                    extrapolated to every rep (rendering all of them takes tens of minutes: ``--pdf-sample 0``
                    renders every file).

The workbook is the commission benchmark's (bench_commissions.py): one plan, a monthly YTD marginal measure
with 3 tiers, single-rep deals over a year (about 20 per rep at the default sizes). Results are printed with
their ratios and written to bench/out/statements.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_commissions import bench_tables, timed, write_workbook  # noqa: E402

from salesops_xl.commissions.engine import compute  # noqa: E402
from salesops_xl.commissions.inputs import load_inputs  # noqa: E402
from salesops_xl.batch.statements import render_pdfs, write_statements  # noqa: E402
from salesops_xl.commissions.statements import rep_rows, statement_sheets  # noqa: E402
from salesops_xl.xlsx.reader import XlsxSource  # noqa: E402


def _cell_value(v):
    if v is None:
        return None
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v.astype("datetime64[D]").astype(dt.date)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def openpyxl_statement(sheets, path: Path) -> None:
    """The same statement sheets written with openpyxl: notes, each table's cells and an Excel Table,
    the line chart over its chart table, frozen header."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for cell, text in spec.notes:
            ws[cell] = text
        where = {}
        for block in spec.tables:
            col_letter, row0 = coordinate_from_string(block.anchor)
            c0 = column_index_from_string(col_letter)
            names = [c.name for c in block.columns]
            for j, name in enumerate(names):
                ws.cell(row=row0, column=c0 + j, value=name)
            cols = [block.data[name] for name in names]
            n = len(cols[0]) if cols else 0
            for i in range(n):
                for j, col in enumerate(cols):
                    ws.cell(row=row0 + 1 + i, column=c0 + j, value=_cell_value(col[i]))
            ref = f"{get_column_letter(c0)}{row0}:{get_column_letter(c0 + len(names) - 1)}{row0 + max(n, 1)}"
            t = Table(displayName=block.name, ref=ref)
            t.tableStyleInfo = TableStyleInfo(name=block.style, showRowStripes=True)
            ws.add_table(t)
            where[block.name] = (row0, c0, names, n)
        for ch in spec.charts:
            chart = LineChart()
            chart.title, chart.x_axis.title, chart.y_axis.title = ch.title, ch.x_title, ch.y_title
            for s in ch.series:
                row0, c0, names, n = where[s.table]
                j = names.index(s.values)
                chart.add_data(Reference(ws, min_col=c0 + j, min_row=row0, max_row=row0 + n), titles_from_data=True)
                k = names.index(s.categories)
                chart.set_categories(Reference(ws, min_col=c0 + k, min_row=row0 + 1, max_row=row0 + n))
            ws.add_chart(chart, ch.anchor)
        if spec.freeze:
            ws.freeze_panes = spec.freeze
    wb.save(path)


def best_of(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=500, help="reps written in process by ours and openpyxl")
    ap.add_argument("--pdf-sample", type=int, default=100, help="statements rendered to PDF (0: all)")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "salesops_xl.cli"]
    r: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "reps": args.reps, "deals": args.deals}
    with tempfile.TemporaryDirectory(prefix="sxl-bench-st-") as tmpd:
        tmp = Path(tmpd)
        wbk = tmp / "commissions.xlsx"
        write_workbook(wbk, bench_tables(args.deals, args.reps))
        print(f"== statements for {args.reps:,} reps ({args.deals:,} deals)", flush=True)

        for label, extra in (("cli", []), ("cli_jobs1", ["--jobs", "1"])):
            folder = tmp / label
            r[label] = timed(cli + ["statements", str(wbk), "--out", str(folder)] + extra)
            files = sorted(folder.glob("statement_*.xlsx"))
            assert len(files) == args.reps, (label, len(files))
            r[label]["files"] = len(files)
            r[label]["mib"] = round(sum(f.stat().st_size for f in files) / 2**20, 1)
            print(label, r[label], flush=True)

        with XlsxSource(wbk) as src:
            result = compute(load_inputs(src))
        reps = list(dict.fromkeys(result.summary["RepID"]))[: args.sample]
        groups = rep_rows(result)
        ours_dir, op_dir = tmp / "ours", tmp / "openpyxl"
        ours_dir.mkdir()
        op_dir.mkdir()
        ours = best_of(lambda: write_statements(result, ours_dir, reps=reps, jobs=1), 2)

        def with_openpyxl():
            for rep in reps:
                openpyxl_statement(statement_sheets(result, rep, groups=groups), op_dir / f"statement_{rep}.xlsx")

        op = best_of(with_openpyxl, 1)
        r["sample_reps"] = len(reps)
        r["ours_sample_seconds"] = round(ours, 3)
        r["openpyxl_sample_seconds"] = round(op, 3)
        r["openpyxl_vs_ours"] = round(op / ours, 1)
        print("sample", len(reps), "ours", r["ours_sample_seconds"], "openpyxl", r["openpyxl_sample_seconds"],
              flush=True)

        if shutil.which("soffice"):
            files = sorted((tmp / "cli").glob("statement_*.xlsx"))
            sample = files if args.pdf_sample == 0 else files[: args.pdf_sample]
            jobs = max(1, min(4, os.cpu_count() or 1))
            pdf_dir = tmp / "pdf"
            pdf_dir.mkdir()
            t0 = time.perf_counter()
            pdfs = render_pdfs(sample, pdf_dir, jobs=jobs, batch=max(1, min(200, len(sample) // jobs or 1)))
            sec = time.perf_counter() - t0
            assert all(p.exists() for p in pdfs)
            r["pdf"] = {"rendered": len(sample), "seconds": round(sec, 2), "jobs": jobs,
                        "per_statement_ms": round(1000 * sec / len(sample), 1),
                        "all_reps_seconds_estimated": round(sec / len(sample) * args.reps, 1)}
            print("pdf", r["pdf"], flush=True)

    (out / "statements.json").write_text(json.dumps(r, indent=2))
    per_rep_ours = r["ours_sample_seconds"] / r["sample_reps"]
    per_rep_op = r["openpyxl_sample_seconds"] / r["sample_reps"]
    print(f"\n| {args.reps:,} reps | seconds | peak MiB | per statement |")
    print("|---|---|---|---|")
    for label, name in (("cli", "salesops-xl statements (default jobs)"), ("cli_jobs1", "salesops-xl statements --jobs 1")):
        print(f"| {name} | {r[label]['seconds']:.1f} | {r[label]['peak_mib']:.0f} | "
              f"{1000 * r[label]['seconds'] / args.reps:.1f} ms |")
    print(f"| writing only, ours, one core ({r['sample_reps']} reps) | {r['ours_sample_seconds']:.2f} | | "
          f"{1000 * per_rep_ours:.1f} ms |")
    print(f"| writing only, openpyxl, one core ({r['sample_reps']} reps) | {r['openpyxl_sample_seconds']:.2f} | | "
          f"{1000 * per_rep_op:.1f} ms ({r['openpyxl_vs_ours']}x ours) |")
    if "pdf" in r:
        p = r["pdf"]
        print(f"| PDFs by LibreOffice ({p['rendered']} rendered, {p['jobs']} jobs) | {p['seconds']:.1f} | | "
              f"{p['per_statement_ms']:.0f} ms; all {args.reps:,}: ~{p['all_reps_seconds_estimated'] / 60:.0f} min |")


if __name__ == "__main__":
    main()
