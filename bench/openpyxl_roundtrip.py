"""What openpyxl's load + save does to a workbook a user has enriched, next to what `recalc` does.

    python bench/openpyxl_roundtrip.py

The workbook is the commission template plus what users add (tests/test_preservation.py builds it):
a sheet with a formula, a chart, an image, a pivot table, data validation, conditional formatting,
comments, a defined name, and a VBA project (.xlsm). Both tools get a copy; the zip parts are
compared with the original: kept byte for byte, rewritten, or lost. This is the measurement behind
writing our own part-level writer instead of relying on openpyxl (issue 2 asked for it).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from test_preservation import rich_workbook  # noqa: E402


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def compare(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, list[str]]:
    return {"kept": sorted(n for n in before if after.get(n) == before[n]),
            "rewritten": sorted(n for n in before if n in after and after[n] != before[n]),
            "lost": sorted(n for n in before if n not in after)}


def run(label: str, wb: Path, tmp: Path) -> None:
    import openpyxl

    before = parts(wb)
    ours, theirs = tmp / f"ours{wb.suffix}", tmp / f"openpyxl{wb.suffix}"
    shutil.copy(wb, ours)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", "-q", str(ours)], check=True)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    book = openpyxl.load_workbook(wb)  # as most scripts do (keep_vba=True would keep the VBA project)
    book.save(theirs)
    t_openpyxl = time.perf_counter() - t0
    print(f"== {label}: {len(before)} parts")
    for tool, path, secs in (("salesops-xl recalc", ours, t_ours), ("openpyxl load+save", theirs, t_openpyxl)):
        c = compare(before, parts(path))
        print(f"{tool:20s} {secs:5.2f} s: {len(c['kept'])} kept byte for byte, {len(c['rewritten'])} rewritten, "
              f"{len(c['lost'])} lost")
        for n in c["lost"]:
            print(f"    lost: {n}")
        other = [n for n in c["rewritten"] if not n.startswith(("xl/worksheets/", "xl/tables/", "xl/charts/",
                                                                  "xl/drawings/"))]
        if other:
            print("    rewritten besides sheets, tables, charts, drawings: " + ", ".join(other))


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        template = HERE.parent / "workbooks" / "commissions.xlsx"
        run("the commission template as shipped (native charts on the Dashboard)", template, tmp)
        (tmp / "rich").mkdir()
        run("the template enriched by a user (.xlsm: VBA, pivot table, chart, image, comments, validation, "
            "conditional formatting, defined name)", rich_workbook(template, tmp / "rich.xlsm"), tmp / "rich")
        print("(recalc rewrites only the sheets it owns and their tables, charts and drawings: "
              "tests/test_preservation.py checks every other part is unchanged)")


if __name__ == "__main__":
    main()
