"""Opt-in: the scripts through xlwings' own remote Book engine (what xlwings Lite runs).

``xw.Book(json=payload)`` builds a Book from the payload Excel's Office.js client sends (every
sheet's used range from A1, dates of date-formatted cells as ISO strings, error cells as their
literal, "" for blanks, the Excel Tables of each sheet with their addresses); a script's writes
become the list of actions Excel then applies (``book.json()["actions"]``). This engine is part
of xlwings PRO (PolyForm Noncommercial or a commercial licence), so this test runs only where an
xlwings licence key is installed (``XLWINGS_LICENSE_KEY`` or ``xlwings license update``); CI has
none and skips it.
"""
from __future__ import annotations

import datetime as dt

import pytest
from addin_testlib import normalize

from salesops_xl.addin import scripts
from salesops_xl.xlsx.reader import XlsxSource, scan_error_cells


def _licensed() -> bool:
    try:
        import xlwings.pro  # noqa: F401  (validates the licence key on import)
    except Exception:
        return False
    return True


pytestmark = pytest.mark.skipif(not _licensed(), reason="opt-in: needs an xlwings licence key for the remote engine")

FIXED = "2026-06-30T12:00:00+00:00"
EPOCH = dt.datetime(1899, 12, 30)


def _a1(r: int, c: int) -> str:
    s = ""
    while c:
        c, k = divmod(c - 1, 26)
        s = chr(65 + k) + s
    return f"{s}{r}"


def office_js_payload(path) -> dict:
    """The payload xlwings' Office.js client sends for this workbook (see xlwings' getBookData)."""
    import python_calamine as pc

    import xlwings as xw
    from salesops_xl.xlsx.package import Package

    wb = pc.CalamineWorkbook.from_path(str(path))
    sheets = []
    with Package(path) as pkg:
        for name in wb.sheet_names:
            data = wb.get_sheet_by_name(name)
            r0, c0 = data.start if data.start else (0, 0)
            rows = data.to_python(skip_empty_area=False)
            width = c0 + max((len(r) for r in rows), default=0)
            grid = [[""] * max(width, 1) for _ in range(max(r0 + len(rows), 1))]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if isinstance(v, (dt.datetime, dt.date)):
                        d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
                        v = d.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                    grid[r0 + i][c0 + j] = "" if v is None else v
            info = pkg.sheet(name)
            for (r, c), code in scan_error_cells(pkg, info.part).items():
                grid[r][c] = code
            tables = []
            for t in pkg.tables_of(info):
                a, b = t.ref.split(":")
                first_row = int("".join(ch for ch in a if ch.isdigit()))
                last_row = int("".join(ch for ch in b if ch.isdigit()))
                ca, cb = a.rstrip("0123456789"), b.rstrip("0123456789")
                tables.append({
                    "name": t.display_name or t.name, "range_address": t.ref,
                    "header_row_range_address": f"{ca}{first_row}:{cb}{first_row}",
                    "data_body_range_address": f"{ca}{first_row + 1}:{cb}{max(last_row, first_row + 1)}",
                    "total_row_range_address": None, "show_headers": True, "show_totals": False,
                    "table_style": "TableStyleMedium2", "show_autofilter": True,
                    "show_table_style_first_column": False, "show_table_style_last_column": False,
                    "show_table_style_row_stripes": True, "show_table_style_column_stripes": False,
                })
            sheets.append({"name": name, "values": grid, "pictures": [], "shapes": [], "charts": [], "notes": [],
                           "tables": tables, "visibility": "Visible", "show_gridlines": True, "pivot_tables": [],
                           "print_area": None})
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": sheets}


def _cell(v):
    if isinstance(v, (dt.datetime, dt.date)):  # dates are written as serial numbers with a date format
        d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
        return float((d - EPOCH).days)
    return normalize(v)


@pytest.mark.parametrize("script_id", ["commissions.recalc", "addin.recalc"])
def test_a_script_through_the_remote_book_engine_writes_what_the_file_door_writes(script_id, workbook_copy):
    import xlwings as xw

    template = workbook_copy("commissions", "template.xlsx")
    payload = office_js_payload(template)
    expected_file = workbook_copy("commissions", "file.xlsx")
    rep = scripts.run_on_file(script_id, expected_file, computed_at=FIXED)

    book = xw.Book(json=payload)
    got = scripts.run_on_book(script_id, book, computed_at=FIXED)
    assert got.headline == rep.headline and got.sheets == rep.sheets
    actions = book.json()["actions"]

    names = [s["name"] for s in payload["sheets"]]
    position = {n: i for i, n in enumerate(names)}
    for k, n in enumerate([n for n in rep.sheets if n not in position]):
        position[n] = len(names) + k  # appended in spec order, before any removal
    with XlsxSource(expected_file) as src:
        for name in src.table_names():
            raw = src.read(name)
            if raw.sheet not in rep.sheets:
                continue
            rows = [list(raw.columns)] + [[_cell(raw.data[c][i]) for c in raw.columns] for i in range(raw.n_rows)]
            writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == position[raw.sheet]
                      and a["start_row"] == raw.header_row - 1 and a["start_column"] == raw.first_col]
            assert len(writes) == 1, f"table {name}: {len(writes)} value writes"
            values = [[normalize(v) for v in r] for r in writes[0]["values"]]
            assert values[:len(rows)] == rows, f"table {name} differs from the file door"
            assert any(a["func"] in ("addTable", "resizeTable") and a["sheet_position"] == position[raw.sheet]
                       for a in actions), name
    assert any(a["func"] == "setNumberFormat" for a in actions)
    print("not applied by this engine:", got.skipped)
