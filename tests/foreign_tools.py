"""Workbooks holding a kind's input tables, written by the tools our users have (not by salesops-xl).

The input tables of each kind are taken from its template in ``workbooks/``
(same sheets, same anchors, same values), then written by:

* ``openpyxl-lxml`` / ``openpyxl-etree``: openpyxl with lxml (as it is when
  lxml is installed beside pandas: it declares ``xmlns:r`` on each
  ``<sheet>``) and without (the standard library's ElementTree: ``ns0:``-style
  prefixes are possible), each in its own process, since openpyxl picks its
  XML library when it is first imported;
* ``xlsxwriter``;
* ``pandas-openpyxl`` / ``pandas-xlsxwriter``: ``DataFrame.to_excel`` with each
  engine, then the engine's own call to make each range an Excel Table (what
  a script that builds a workbook with pandas does);
* ``libreoffice``: the openpyxl workbook re-saved by LibreOffice Calc.

Run as a script (``python tests/foreign_tools.py TOOL INPUTS.pickle OUT.xlsx``)
it writes one workbook, so that each tool runs in a clean process.
"""
from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "workbooks"

PYTHON_TOOLS = ("openpyxl-lxml", "openpyxl-etree", "xlsxwriter", "pandas-openpyxl", "pandas-xlsxwriter")


@dataclass
class InputTable:
    sheet: str
    name: str
    row: int  # 0-based header row
    col: int  # 0-based first column
    header: list[str]
    rows: list[list]  # data rows of plain Python values (None, str, float/int, bool, datetime)


def template_inputs(kind: str) -> list[InputTable]:
    """The input tables of ``kind``'s template, in sheet order, with their values."""
    import python_calamine

    from salesops_xl import capabilities
    from salesops_xl.xlsx.package import Package
    from salesops_xl.cellrefs import parse_cell

    cap = capabilities.get(kind)
    wanted = {t.name for t in cap.input_tables}
    path = TEMPLATES / cap.template_name
    out = []
    with Package(path) as pkg:
        tables = [t for t in pkg.tables if t.name in wanted]
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for t in tables:
        first, last = t.ref.split(":")
        r0, c0 = parse_cell(first, t.ref)
        r1, c1 = parse_cell(last, t.ref)
        grid = book.get_sheet_by_name(t.sheet).to_python(skip_empty_area=False)
        body = [[_plain(grid[r][c] if r < len(grid) and c < len(grid[r]) else None) for c in range(c0, c1 + 1)]
                for r in range(r0 + 1, r1 + 1)]
        body = [row for row in body if any(v is not None for v in row)]
        out.append(InputTable(t.sheet, t.name, r0, c0, list(t.columns), body))
    return out


def _plain(v):
    if v == "" or v is None:
        return None
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    return v


def _sheets(tables: list[InputTable]) -> dict[str, list[InputTable]]:
    out: dict[str, list[InputTable]] = {}
    for t in tables:
        out.setdefault(t.sheet, []).append(t)
    return out


def _ref(t: InputTable) -> str:
    from openpyxl.utils import get_column_letter

    last_row = t.row + 1 + max(len(t.rows), 1)  # an empty table keeps one empty data row
    return (f"{get_column_letter(t.col + 1)}{t.row + 1}:"
            f"{get_column_letter(t.col + len(t.header))}{last_row}")


def _openpyxl(tables: list[InputTable], out: Path) -> None:
    import openpyxl
    from openpyxl.worksheet.table import Table

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, ts in _sheets(tables).items():
        ws = wb.create_sheet(sheet)
        for t in ts:
            for j, h in enumerate(t.header):
                ws.cell(t.row + 1, t.col + 1 + j, h)
            for i, row in enumerate(t.rows):
                for j, v in enumerate(row):
                    if v is not None:
                        ws.cell(t.row + 2 + i, t.col + 1 + j, v)
            ws.add_table(Table(displayName=t.name, ref=_ref(t)))
    wb.save(out)


def _xlsxwriter(tables: list[InputTable], out: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"default_date_format": "yyyy-mm-dd"})
    for sheet, ts in _sheets(tables).items():
        ws = wb.add_worksheet(sheet)
        for t in ts:
            n = max(len(t.rows), 1)
            options = {"name": t.name, "columns": [{"header": h} for h in t.header]}
            if t.rows:  # an empty table (e.g. territories' Distances) has no data: xlsxwriter 3.2 refuses data=None
                options["data"] = t.rows
            ws.add_table(t.row, t.col, t.row + n, t.col + len(t.header) - 1, options)
    wb.close()


def _pandas(tables: list[InputTable], out: Path, engine: str) -> None:
    import pandas as pd

    with pd.ExcelWriter(out, engine=engine) as xw:
        for sheet, ts in _sheets(tables).items():
            for t in ts:
                df = pd.DataFrame(t.rows, columns=t.header)
                df.to_excel(xw, sheet_name=sheet, startrow=t.row, startcol=t.col, index=False)
                ws = xw.sheets[sheet]
                if engine == "openpyxl":
                    from openpyxl.worksheet.table import Table

                    ws.add_table(Table(displayName=t.name, ref=_ref(t)))
                else:
                    n = max(len(t.rows), 1)
                    ws.add_table(t.row, t.col, t.row + n, t.col + len(t.header) - 1,
                                 {"name": t.name, "columns": [{"header": h} for h in t.header]})


def write_with(tool: str, tables: list[InputTable], out: Path, work: Path) -> Path:
    """Write ``tables`` with ``tool`` into ``out`` (each Python tool in a fresh process)."""
    if tool == "libreoffice":
        from libreoffice import convert

        src = write_with("openpyxl-etree", tables, work / f"{out.stem}-for-lo.xlsx", work)
        got = convert(src, "xlsx:Calc MS Excel 2007 XML", work / "lo-out", work)[0]
        got.replace(out)
        return out
    data = work / f"{out.stem}.inputs.pickle"
    data.write_bytes(pickle.dumps([vars(t) for t in tables]))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, str(Path(__file__)), tool, str(data), str(out)], capture_output=True,
                         text=True, env=env, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"{tool} failed: {res.stderr[-2000:]}")
    return out


def _main(tool: str, data: str, out: str) -> None:
    if tool == "openpyxl-etree":
        sys.modules["lxml"] = None  # as on a machine without lxml: openpyxl falls back to ElementTree
    tables = [InputTable(**t) for t in pickle.loads(Path(data).read_bytes())]
    if tool.startswith("openpyxl"):
        import openpyxl.xml

        assert openpyxl.xml.LXML == (tool == "openpyxl-lxml"), "openpyxl did not pick the XML library asked for"
        _openpyxl(tables, Path(out))
    elif tool == "xlsxwriter":
        _xlsxwriter(tables, Path(out))
    elif tool.startswith("pandas-"):
        _pandas(tables, Path(out), tool.split("-", 1)[1])
    else:
        raise SystemExit(f"unknown tool {tool}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _main(*sys.argv[1:])
