"""The catalogue of real-user workbooks (issue 14 item 4): made by the tools users have, each with its outcome.

One small commission plan (two reps, marginal tiers on a monthly quota) is written as Excel Tables by
openpyxl (with lxml, and in a child process where lxml cannot be imported), by xlsxwriter, by pandas
``to_excel`` with either engine, and re-saved by LibreOffice Calc, then touched as users touch
workbooks: rows pasted under a table, a column typed beside it, formulas a script wrote without values,
hidden rows, a Totals Row, text where numbers belong...

Each case states what the user meant and what must happen:

* ``ok``: the payouts are exactly those of the engine run on the tables the user meant (in memory, no file
  in between); the base plan's total is hand-checked below, so the oracle is not the reader itself;
* ``error``: a clear message naming sheet, row/cell, column and value (patterns), and the input file
  byte for byte unchanged.

No case may end as a run that succeeds with numbers other than the meant ones. The counts are printed
(``pytest -s``) and asserted.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from salesops_xl.batch import validate
from salesops_xl.commissions.engine import compute
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.errors import SalesopsError
from salesops_xl.source import MemorySource
from salesops_xl.xlsx.reader import XlsxSource

import libreoffice as LO

D = dt.date
COMPUTED_AT = "2026-06-01T00:00:00+00:00"

#: where each table goes: sheet, and its top-left cell (row, column), 1-based; Plans and PlanMeasures share a
#: sheet with an empty column between them, as in the template
LAYOUT = {"Settings": ("Settings", 1, 1), "Roster": ("Roster", 1, 1), "Plans": ("Plans", 1, 1),
          "PlanMeasures": ("Plans", 1, 4), "Tiers": ("Tiers", 1, 1), "Quotas": ("Quotas", 1, 1),
          "Deals": ("Deals", 1, 1)}


def base_tables() -> dict[str, list[dict]]:
    """The plan the user means. Hand check of its total: quota 100,000 a month, YTD marginal 5% up to 100%
    of YTD quota, 10% above, each month paying the YTD earnings less what was paid before. Rep A: Jan 60,000
    -> 3,000.00; Feb +150,000 (YTD 210,000 of 200,000: 200,000 x 5% + 10,000 x 10% = 11,000 YTD) -> 8,000.00;
    Mar +30,000 (YTD 240,000 of 300,000: all at 5% = 12,000 YTD, 11,000 paid) -> 1,000.00. Rep B: Feb 80,000
    (YTD 80,000 of 200,000) -> 4,000.00; Apr 40,000 (YTD 120,000 of 400,000: 6,000 YTD) -> 2,000.00.
    Total payable 18,000.00."""
    reps = [{"RepID": r, "RepName": n, "ManagerID": None, "PlanID": "P", "Currency": "USD",
             "HireDate": D(2020, 1, 1), "TermDate": None, "TargetIncentive": 12000.0}
            for r, n in (("A", "Ana Álvarez"), ("B", "Bo Berg"))]
    deals = [("D1", "A", D(2026, 1, 15), 60000.0), ("D2", "A", D(2026, 2, 10), 150000.0),
             ("D3", "B", D(2026, 2, 20), 80000.0), ("D4", "A", D(2026, 3, 5), 30000.0),
             ("D5", "B", D(2026, 4, 12), 40000.0)]
    return _complete({
        "Settings": [{"Setting": "PlanYearStart", "Value": D(2026, 1, 1)},
                     {"Setting": "AsOfDate", "Value": D(2026, 12, 31)}],
        "Roster": reps,
        "Plans": [{"PlanID": "P", "PlanName": "Account Executive"}],
        "PlanMeasures": [{"PlanID": "P", "Measure": "NB", "Weight": 1.0, "PeriodType": "Month", "Basis": "YTD",
                          "Method": "Marginal", "RateType": "Commission", "TierTable": "T"}],
        "Tiers": [{"TierTable": "T", "Tier": "T1", "From": 0.0, "To": 1.0, "Rate": 0.05},
                  {"TierTable": "T", "Tier": "T2", "From": 1.0, "To": None, "Rate": 0.10}],
        "Quotas": [{"RepID": r, "Measure": "NB", "Period": f"2026-{m:02d}", "Quota": 100000.0}
                   for r in ("A", "B") for m in range(1, 13)],
        "Deals": [{"DealID": i, "RepID": r, "SplitPct": 1.0, "CloseDate": c, "Measure": "NB", "Amount": a,
                   "Currency": "USD", "Status": "Booked", "CancelDate": None, "Product": None}
                  for i, r, c, a in deals],
    })


def _complete(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Every required column of each table, blank where the plan leaves it blank (as the template has them)."""
    from salesops_xl.commissions import schema as S

    for sch in S.INPUT_TABLES:
        if sch.name in tables:
            cols = [f.name for f in sch.fields if f.required]
            tables[sch.name] = [{**{c: None for c in cols}, **r} for r in tables[sch.name]]
            tables[sch.name] = [{c: r[c] for c in cols + [c for c in r if c not in cols]}
                                for r in tables[sch.name]]
    return tables


def payable_of(tables_or_path) -> dict[tuple[str, str], int]:
    """Payable in cents per (rep, period) for the tables in memory, or read from a workbook file."""
    if isinstance(tables_or_path, Path):
        with XlsxSource(tables_or_path) as src:
            res = compute(load_inputs(src), computed_at=COMPUTED_AT)
    else:
        res = compute(load_inputs(MemorySource(tables_or_path, workbook="meant.xlsx")), computed_at=COMPUTED_AT)
    p = res.payouts
    out = {(str(r), str(m)): int(v) for r, m, v in zip(p.RepID, p.Period, p.Payable)}
    return {k: v for k, v in out.items() if v}


def test_the_base_plan_pays_the_hand_computed_amounts():
    got = payable_of(base_tables())
    assert got == {("A", "2026-01"): 300000, ("A", "2026-02"): 800000, ("A", "2026-03"): 100000,
                   ("B", "2026-02"): 400000, ("B", "2026-04"): 200000}
    assert sum(got.values()) == 1_800_000


# -- writers -----------------------------------------------------------------------------------------------------


def _columns(rows: list[dict]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    return cols


def write_openpyxl(path: Path, tables: dict[str, list[dict]], layout=LAYOUT) -> None:
    """As a script using openpyxl writes a workbook: values, date formats, one Excel Table per input."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet, r0, c0 = layout.get(name, (name, 1, 1))
        ws = book[sheet] if sheet in book.sheetnames else book.create_sheet(sheet)
        cols = _columns(rows)
        for j, c in enumerate(cols):
            ws.cell(row=r0, column=c0 + j, value=c)
        for i, row in enumerate(rows):
            for j, c in enumerate(cols):
                v = row.get(c)
                cell = ws.cell(row=r0 + 1 + i, column=c0 + j, value=v)
                if isinstance(v, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        ref = f"{get_column_letter(c0)}{r0}:{get_column_letter(c0 + len(cols) - 1)}{r0 + max(len(rows), 1)}"
        t = Table(displayName=name, ref=ref)
        t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(t)
    book.save(path)


def write_xlsxwriter(path: Path, tables: dict[str, list[dict]], layout=LAYOUT) -> None:
    """As xlsxwriter (pandas' default .xlsx engine) writes it: add_table with the data."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"default_date_format": "yyyy-mm-dd"})
    by_sheet: dict[str, list[str]] = {}
    for name in tables:
        by_sheet.setdefault(layout.get(name, (name, 1, 1))[0], []).append(name)
    for sheet, names in by_sheet.items():
        ws = book.add_worksheet(sheet)
        grid: dict[tuple[int, int], object] = {}
        for name in names:
            _, r0, c0 = layout.get(name, (name, 1, 1))
            rows = tables[name]
            cols = _columns(rows)
            for j, c in enumerate(cols):
                grid[(r0 - 1, c0 - 1 + j)] = c
            for i, row in enumerate(rows):
                for j, c in enumerate(cols):
                    grid[(r0 + i, c0 - 1 + j)] = row.get(c)
            ws.add_table(r0 - 1, c0 - 1, r0 - 1 + max(len(rows), 1), c0 - 2 + len(cols),
                         {"name": name, "columns": [{"header": c} for c in cols], "autofilter": False})
        for (r, c) in sorted(grid):
            v = grid[(r, c)]
            if v is not None:
                ws.write(r, c, v)
    book.close()


def write_pandas(path: Path, tables: dict[str, list[dict]], engine: str) -> None:
    """As a pandas script does: DataFrame.to_excel per table, then an Excel Table over what it wrote."""
    import pandas as pd
    from openpyxl.worksheet.table import Table

    frames = {name: pd.DataFrame(rows) for name, rows in tables.items()}
    with pd.ExcelWriter(path, engine=engine) as xw:
        for name, df in frames.items():
            df.to_excel(xw, sheet_name=name, index=False)
            if engine == "xlsxwriter":
                xw.sheets[name].add_table(0, 0, len(df), len(df.columns) - 1,
                                          {"name": name, "header_row": True,
                                           "columns": [{"header": c} for c in df.columns]})
    if engine == "openpyxl":
        book = openpyxl.load_workbook(path)
        for name in frames:
            book[name].add_table(Table(displayName=name, ref=book[name].dimensions))
        book.save(path)


NO_LXML_WRITER = """
import sys
sys.modules["lxml"] = None  # as on a machine without lxml: openpyxl falls back to the standard library
sys.modules["lxml.etree"] = None
import openpyxl, pickle
assert not openpyxl.LXML
sys.path.insert(0, sys.argv[1])
from test_user_workbooks import write_openpyxl, apply_edit
jobs = pickle.load(open(sys.argv[2], "rb"))
for path, tables, edit in jobs:
    write_openpyxl(path, tables)
    if edit:
        apply_edit(path, edit)
"""


# -- edits a user makes after the file exists (by openpyxl, as a script or a paste-by-macro does) ------------------


def apply_edit(path: Path, edit: str) -> None:
    book = openpyxl.load_workbook(path)
    EDITS[edit](book)
    book.save(path)


def _deal_row(book, k=0):
    ws = book["Deals"]
    return [c.value for c in ws[2 + k]]


def _paste_below(book, n=2):
    ws = book["Deals"]
    last = int(re.search(r"(\d+)$", ws.tables["Deals"].ref).group(1))
    for i in range(n):
        row = _deal_row(book)
        row[0] = f"DX{i}"
        for j, v in enumerate(row):
            ws.cell(row=last + 1 + i, column=j + 1, value=v)


def _grow(ref: str, rows: int) -> str:
    """'A1:J6' grown by ``rows`` rows at the bottom."""
    first, last = ref.split(":")
    m = re.match(r"([A-Z]+)(\d+)$", last)
    return f"{first}:{m.group(1)}{int(m.group(2)) + rows}"


def _paste_and_resize(book):
    """The remedy the message gives: the table extended over the pasted rows (Table Design → Resize Table)."""
    _paste_below(book)
    t = book["Deals"].tables["Deals"]
    t.ref = _grow(t.ref, 2)
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref


def _totals_row(book):
    """A Totals Row under Deals, as Table Design → Total Row adds it (SUBTOTAL over the Amount column)."""
    ws = book["Deals"]
    t = ws.tables["Deals"]
    t.ref = _grow(t.ref, 1)
    row = int(re.search(r"\d+$", t.ref).group())
    t.totalsRowCount = 1
    if t.autoFilter is not None:
        t.autoFilter.ref = _grow(t.ref, -1)
    ws.cell(row=row, column=1, value="Total")
    ws.cell(row=row, column=6, value="=SUBTOTAL(109,Deals[Amount])")


def _column_right(book):
    ws = book["Deals"]  # the table is A:J: a heading and a value typed in the next column, K
    ws["K1"] = "Region"
    ws["K3"] = "EMEA"


def _note_after_gap(book):
    ws = book["Deals"]
    last = int(re.search(r"(\d+)$", ws.tables["Deals"].ref).group(1))
    ws.cell(row=last + 2, column=1, value="Checked by finance 2026-05-02")


def _allow_notes(book):
    ws = book["Deals"]
    last = int(re.search(r"(\d+)$", ws.tables["Deals"].ref).group(1))
    ws.cell(row=last + 1, column=1, value="Note: D6 pending legal review")
    ws.defined_names["AllowDataBesideTables"] = DefinedName("AllowDataBesideTables", attr_text="TRUE")


def _term_formula(book):
    book["Roster"]["G3"] = "=DATE(2026,3,31)"  # Bo Berg leaves on 31 March


def _amount_formula(book):
    book["Deals"]["F2"] = "=20000*3"  # D1's amount, 60,000, as a formula


def _status_formula(book):
    book["Deals"]["H3"] = '=IF(F3>0,"Booked","Cancelled")'


def _hide_rows(book):
    book["Deals"].row_dimensions[3].hidden = True  # hidden rows are still deals


EDITS: dict[str, Callable] = {
    "paste_below": _paste_below, "column_right": _column_right, "note_after_gap": _note_after_gap,
    "allow_notes": _allow_notes, "term_formula": _term_formula, "amount_formula": _amount_formula,
    "status_formula": _status_formula, "hide_rows": _hide_rows, "paste_and_resize": _paste_and_resize,
    "totals_row": _totals_row,
}


# -- the catalogue ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    writer: str  # openpyxl | openpyxl-nolxml | xlsxwriter | pandas-openpyxl | pandas-xlsxwriter
    tables: dict = field(default_factory=base_tables)
    meant: dict | None = None  # the tables the user meant, when not those written (None: the same)
    edit: str | None = None  # an edit of EDITS after writing
    resave: bool = False  # opened and saved by LibreOffice Calc (recalculates formulas) before the run
    mangle: Callable[[Path], None] | None = None  # a change to the file itself (zip level)
    layout: dict = field(default_factory=lambda: dict(LAYOUT))
    errors: tuple[str, ...] = ()  # patterns of the message when the outcome is an error


def _with(change: Callable[[dict], None]) -> dict:
    t = base_tables()
    change(t)
    return t


def _set(table, i, col, value):
    def change(t):
        t[table][i][col] = value
    return change


def _both(*changes):
    def change(t):
        for c in changes:
            c(t)
    return change


def _term_b(t):
    t["Roster"][1]["TermDate"] = D(2026, 3, 31)


def _pasted(t):
    for i in range(2):
        row = dict(t["Deals"][0])
        row["DealID"] = f"DX{i}"
        t["Deals"].append(row)


def _amount_60k(t):
    t["Deals"][0]["Amount"] = 60000.0


def _extra_column(t):
    for k, r in enumerate(t["Deals"]):
        r["Notes"] = f"call {k}"


def _reorder(t):
    t["Deals"] = [dict(reversed(list(r.items()))) for r in t["Deals"]]


def _blank_row(t):
    t["Deals"].insert(2, {c: None for c in t["Deals"][0]})


def _offset(layout):
    layout = dict(layout)
    layout["Deals"] = ("Deals", 4, 3)  # a title block above, the table from C4
    layout["Roster"] = ("Team", 2, 2)  # another sheet name: tables are found by their name
    return layout


def _zip_rewrite(change):
    def mangle(path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                out = change(item.filename, zin.read(item.filename))
                if out is not None:
                    zout.writestr(out[0], out[1])
        tmp.replace(path)
    return mangle


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


def _backslashes(name, data):
    return name.replace("/", "\\"), data


def _parts_at_root(name, data):
    if name.endswith(".rels"):
        data = data.replace(b'Target="xl/', b'Target="').replace(b'Target="/xl/', b'Target="/')
    elif name == "[Content_Types].xml":
        data = data.replace(b'PartName="/xl/', b'PartName="/')
    return name.removeprefix("xl/"), data


def _drop_deals_part(path: Path) -> None:
    with XlsxSource(path) as src:
        part = src.pkg.table("Deals").part.lstrip("/")
    _zip_rewrite(lambda n, d: None if n == part else (n, d))(path)


def _unlist_deals(path: Path) -> None:
    """The Deals table converted to a range (Table Design → Convert to Range): the data stays, the table goes."""
    book = openpyxl.load_workbook(path)
    del book["Deals"].tables["Deals"]
    book.save(path)


PASTE = r"rows? [\d,–]+ of sheet 'Deals' hold data below table Deals, which ends on row \d+"
RIGHT = r"column K of sheet 'Deals' hold data right of table Deals"
NOVALUE = r"a formula without a saved value"


def catalogue() -> list[Case]:
    cases: list[Case] = []
    for w in ("openpyxl", "openpyxl-nolxml", "xlsxwriter", "pandas-openpyxl", "pandas-xlsxwriter"):
        cases.append(Case(f"{w}: as written", w))
    for w in ("openpyxl", "xlsxwriter"):
        cases.append(Case(f"{w}: re-saved by LibreOffice", w, resave=True))
        cases.append(Case(f"{w}: title block above, Roster on another sheet", w,
                          layout=_offset(LAYOUT)))
        cases.append(Case(f"{w}: an extra Notes column in Deals", w, tables=_with(_extra_column)))
        cases.append(Case(f"{w}: columns in another order", w, tables=_with(_reorder)))
        cases.append(Case(f"{w}: a blank row inside Deals", w, tables=_with(_blank_row)))
    # the silent-wrong cases of issue 14, by every writer and after LibreOffice
    for w, resave in (("openpyxl", False), ("openpyxl-nolxml", False), ("openpyxl", True), ("xlsxwriter", True)):
        tag = f"{w}{' + LibreOffice' if resave else ''}"
        cases.append(Case(f"{tag}: deals pasted under the Deals table", w, edit="paste_below", resave=resave,
                          meant=_with(_pasted), errors=(PASTE, r"Resize Table", r"AllowDataBesideTables")))
        cases.append(Case(f"{tag}: a column typed right of Deals", w, edit="column_right", resave=resave,
                          errors=(RIGHT,)))
    for w in ("openpyxl", "openpyxl-nolxml"):
        cases.append(Case(f"{w}: TermDate is a formula without a value", w, edit="term_formula",
                          meant=_with(_term_b), errors=(r"sheet 'Roster'", r"row 3, column TermDate, cell G3",
                                                        NOVALUE, r'found "=DATE\(2026,3,31\)"',
                                                        r"Excel or LibreOffice")))
        cases.append(Case(f"{w}: Amount is a formula without a value", w, edit="amount_formula",
                          errors=(r"column Amount, cell F2", NOVALUE, r'found "=20000\*3"')))
        cases.append(Case(f"{w}: Status is a formula without a value", w, edit="status_formula",
                          errors=(r"column Status, cell H3", NOVALUE)))
    # ... and once a spreadsheet application has calculated them, the numbers are the meant ones
    cases.append(Case("openpyxl + LibreOffice: TermDate formula calculated", "openpyxl", edit="term_formula",
                      resave=True, meant=_with(_term_b)))
    cases.append(Case("openpyxl + LibreOffice: Amount formula calculated", "openpyxl", edit="amount_formula",
                      resave=True, meant=_with(_amount_60k)))
    cases.append(Case("openpyxl: pasted deals with the table resized over them", "openpyxl",
                      edit="paste_and_resize", meant=_with(_pasted)))
    cases.append(Case("openpyxl + LibreOffice: pasted deals, table resized", "openpyxl", edit="paste_and_resize",
                      resave=True, meant=_with(_pasted)))
    cases.append(Case("openpyxl: a Totals Row under Deals", "openpyxl", edit="totals_row"))
    cases.append(Case("openpyxl + LibreOffice: a Totals Row under Deals", "openpyxl", edit="totals_row", resave=True))
    for w in ("openpyxl", "xlsxwriter"):
        cases.append(Case(f"{w}: a note two rows under Deals (not the table's)", w, edit="note_after_gap"))
        cases.append(Case(f"{w}: a note under Deals, AllowDataBesideTables on", w, edit="allow_notes"))
        cases.append(Case(f"{w}: a hidden deal row still counts", w, edit="hide_rows"))
    # text where numbers or dates belong: clear errors naming the cell and the value
    cases.append(Case("openpyxl: amount pasted as text with a currency sign", "openpyxl",
                      tables=_with(_set("Deals", 1, "Amount", "$150,000.00")),
                      errors=(r"sheet 'Deals'", r"row 3, column Amount, cell F3", r"\$150,000\.00")))
    cases.append(Case("xlsxwriter: a date typed as words", "xlsxwriter",
                      tables=_with(_set("Deals", 2, "CloseDate", "Feb 20th")),
                      errors=(r"row 4, column CloseDate, cell D4", r"Feb 20th")))
    cases.append(Case("openpyxl: an error value copied from a broken lookup", "openpyxl",
                      tables=_with(_set("Deals", 3, "Amount", "#N/A")),
                      errors=(r"row 5, column Amount, cell F5", r"#N/A")))
    cases.append(Case("xlsxwriter: a deal of a rep not on the roster", "xlsxwriter",
                      tables=_with(_set("Deals", 0, "RepID", "Z9")), errors=(r"row 2, column RepID", r"Z9")))
    cases.append(Case("openpyxl: a deal ID pasted twice", "openpyxl",
                      tables=_with(_set("Deals", 1, "DealID", "D1")), errors=(r"DealID", r"D1")))
    # file-level cases
    cases.append(Case("openpyxl: zip entries named with backslashes", "openpyxl", mangle=_zip_rewrite(_backslashes)))
    cases.append(Case("xlsxwriter: zip entries named with backslashes", "xlsxwriter",
                      mangle=_zip_rewrite(_backslashes)))
    cases.append(Case("openpyxl: an interrupted copy (file cut short)", "openpyxl", mangle=_truncate,
                      errors=(r"the file is incomplete",)))
    cases.append(Case("openpyxl: the Deals table's part is missing", "openpyxl", mangle=_drop_deals_part,
                      errors=(r"sheet 'Deals' has an Excel Table whose part", r"table Deals")))
    # parts at the zip's root: with relative targets (xlsxwriter's) python-calamine panics; with absolute ones
    # (openpyxl's) the package is valid and read as it is
    cases.append(Case("xlsxwriter: parts at the zip's root (python-calamine panics)", "xlsxwriter",
                      mangle=_zip_rewrite(_parts_at_root), errors=(r"python-calamine could not read this workbook",)))
    cases.append(Case("openpyxl: parts at the zip's root, absolute targets", "openpyxl",
                      mangle=_zip_rewrite(_parts_at_root)))
    cases.append(Case("openpyxl: Deals converted to a range", "openpyxl", mangle=_unlist_deals,
                      errors=(r"table Deals is missing; this looks like a commission workbook",)))
    return cases


CASES = catalogue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every case's workbook, made in batches: one child process for openpyxl without lxml, one LibreOffice
    call for every re-save."""
    import pickle

    folder = tmp_path_factory.mktemp("catalogue")
    paths: dict[str, Path] = {}
    nolxml = []
    for k, c in enumerate(CASES):
        p = folder / f"case{k:02d}.xlsx"
        paths[c.name] = p
        if c.writer == "openpyxl-nolxml":
            nolxml.append((p, c.tables, c.edit))
            continue
        if c.writer == "openpyxl":
            write_openpyxl(p, c.tables, c.layout)
        elif c.writer == "xlsxwriter":
            write_xlsxwriter(p, c.tables, c.layout)
        elif c.writer.startswith("pandas"):  # pandas writes the values, the script makes them tables
            write_pandas(p, c.tables, c.writer.split("-")[1])
        if c.edit:
            apply_edit(p, c.edit)
    if nolxml:
        jobs = folder / "nolxml.pickle"
        jobs.write_bytes(pickle.dumps(nolxml))
        subprocess.run([sys.executable, "-c", NO_LXML_WRITER, str(Path(__file__).parent), str(jobs)],
                       check=True, timeout=120)
    resave = [paths[c.name] for c in CASES if c.resave]
    if resave:
        if not LO.available():
            if os.environ.get("SALESOPS_REQUIRE_LIBREOFFICE") == "1":
                pytest.fail("LibreOffice (soffice) is required but not installed")
        else:
            out = LO.convert(resave, "xlsx:Calc MS Excel 2007 XML", folder / "lo", folder)
            for src, new in zip(resave, out):
                shutil.copy(new, src)
    for c in CASES:
        if c.mangle:
            c.mangle(paths[c.name])
    return paths


OUTCOMES: dict[str, str] = {}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue(case: Case, built: dict[str, Path]):
    if case.resave and not LO.available():
        pytest.skip("LibreOffice (soffice) is not installed")
    path = built[case.name]
    before = path.read_bytes()
    if case.errors:
        with pytest.raises(SalesopsError) as info:
            validate(path)
        text = str(info.value)
        for pat in case.errors:
            assert re.search(pat, text), f"{pat!r} not in: {text}"
        assert "Traceback" not in text
        assert path.read_bytes() == before, "the input changed"
        if case.meant is not None:  # the silent-wrong cases: what was read would have paid other numbers
            assert payable_of(case.meant) != payable_of(base_tables())
        OUTCOMES[case.name] = "clear error"
        return
    got = payable_of(path)
    assert got == payable_of(case.meant if case.meant is not None else case.tables)
    assert path.read_bytes() == before
    OUTCOMES[case.name] = "correct"


def test_catalogue_counts():
    """Runs after the cases (same module, file order): at least 40, every one correct or a clear error."""
    assert len(CASES) >= 40
    done = [n for n in (c.name for c in CASES) if n in OUTCOMES]
    if len(done) < len(CASES):
        pytest.skip("run the whole module to count its cases")
    counts = {k: sum(1 for v in OUTCOMES.values() if v == k) for k in ("correct", "clear error")}
    print(f"\ncatalogue: {len(CASES)} workbooks: {counts['correct']} correct, {counts['clear error']} clear error, "
          f"{len(CASES) - sum(counts.values())} other")
    assert sum(counts.values()) == len(CASES)
