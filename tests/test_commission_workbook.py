"""The commission template through the batch door: round trip, preservation, idempotence, LibreOffice."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import python_calamine as pc
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image as XLImage

from salesops_xl import batch
from salesops_xl.commissions.engine import compute
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.commissions.schema import OUTPUT_SHEETS
from salesops_xl.xlsx.reader import XlsxSource

from helpers import TEMPLATES

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def owned_parts(path: Path) -> set[str]:
    """Zip parts that belong to the output sheets (sheet xml, its rels, tables, drawings, charts)."""
    from salesops_xl.xlsx.package import Package, rels_part_of

    with Package(path) as pkg:
        owned = set()
        todo = [s.part for s in pkg.sheets if s.name in OUTPUT_SHEETS]
        while todo:  # the sheet parts and everything they point to, transitively
            part = todo.pop()
            if part in owned:
                continue
            owned |= {part, rels_part_of(part)}
            todo += [r.part for r in pkg.rels(part) if r.part and not r.external]
    return owned


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "commissions.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def test_template_is_reproducible_from_code(tmp_path: Path):
    from salesops_xl.commissions.template import build_commission_template

    fresh = build_commission_template(tmp_path / "commissions.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/commissions.xlsx is out of date: run python -m salesops_xl.templates"


def test_recalc_twice_gives_the_same_workbook(wb: Path):
    before = wb.read_bytes()
    batch.recalc(wb)
    assert wb.read_bytes() == before  # the template already holds its outputs
    batch.recalc(wb)
    assert wb.read_bytes() == before


def test_written_numbers_are_the_engine_numbers_to_the_cent(wb: Path):
    batch.recalc(wb)
    with XlsxSource(wb) as src:
        result = compute(load_inputs(src))
    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    t = book.get_table_by_name("PayoutSummary")
    rows = t.to_python()
    assert len(rows) == len(result.summary)
    cents = np.array([round(r[t.columns.index("Total")] * 100) for r in rows], dtype=np.int64)
    assert (cents == result.summary.Total.to_numpy()).all()
    lines = book.get_table_by_name("StatementLines")
    amt = np.array([round(r[lines.columns.index("Amount")] * 100) for r in lines.to_python()], dtype=np.int64)
    assert amt.sum() == result.summary.Total.sum()


def test_recalc_keeps_everything_it_does_not_own(wb: Path, tmp_path: Path):
    # a user adds a sheet with a formula, a chart and an image (through openpyxl, as another tool would)
    book = openpyxl.load_workbook(wb)
    ws = book.create_sheet("My analysis")
    ws["A1"] = "Total USD"
    ws["B1"] = '=SUMIFS(PayoutSummary[Total],PayoutSummary[Currency],"USD")'
    for i in range(5):
        ws.cell(row=3 + i, column=1, value=i)
        ws.cell(row=3 + i, column=2, value=i * i)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=3, max_row=7))
    ws.add_chart(chart, "D3")
    png = tmp_path / "logo.png"
    _write_png(png)
    ws.add_image(XLImage(str(png)), "D20")
    book.save(wb)
    before = entries(wb)
    # change an input so that outputs really change
    _scale_first_deal(wb, tmp_path)
    before_inputs = entries(wb)
    snapshot = tmp_path / "before.xlsx"
    shutil.copy(wb, snapshot)
    batch.recalc(wb)
    after = entries(wb)
    owned = owned_parts(snapshot) | owned_parts(wb) | {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
                               "xl/_rels/workbook.xml.rels", "docProps/app.xml"}
    kept = {k for k in before_inputs if k not in owned}
    changed = [k for k in kept if after.get(k) != before_inputs[k]]
    assert not changed, f"parts we do not own were changed: {changed}"
    assert any(k.startswith("xl/charts/") for k in kept) and any(k.startswith("xl/media/") for k in kept)
    assert before.keys() - after.keys() <= owned


def _write_png(path: Path) -> None:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _scale_first_deal(wb: Path, tmp_path: Path) -> None:
    """Double the first deal's amount by rewriting the Deals sheet through our own writer."""
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    tables = sample_tables()
    tables["Deals"].loc[0, "Amount"] *= 2
    deals_sheet = [s for s in commission_input_sheets(tables) if s.name == "Deals"]
    write_sheets(wb, wb, deals_sheet)


def test_invalid_input_writes_nothing_and_exits_1(wb: Path):
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    tables = sample_tables()
    tables["Deals"].loc[3, "SplitPct"] = 0.5
    tables["Deals"].loc[5, "RepID"] = "NOBODY"
    write_sheets(wb, wb, [s for s in commission_input_sheets(tables) if s.name == "Deals"])
    before = wb.read_bytes()
    p = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "commissions.xlsx, sheet 'Deals', table Deals: row 7, column RepID, cell B7: unknown rep; " \
           "found \"NOBODY\"" in p.stderr
    assert "splits of deal" in p.stderr and "nothing was written" in p.stderr
    assert wb.read_bytes() == before


def test_cli_output_option_leaves_the_input_untouched(wb: Path, tmp_path: Path):
    before = wb.read_bytes()
    out = tmp_path / "out.xlsx"
    p = subprocess.run(CLI + ["recalc", str(wb), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "statement lines" in p.stdout
    assert not re.search(r"\d,\d{3}\.\d\d", p.stdout + p.stderr), "amounts printed without --amounts"
    p = subprocess.run(CLI + ["recalc", str(wb), "-o", str(out), "--amounts"], capture_output=True, text=True)
    assert "total payable" in p.stdout
    assert wb.read_bytes() == before and out.exists()


@pytest.mark.parametrize("name,content,message", [
    ("missing.xlsx", None, "no such file"),
    ("notes.txt", b"hello", "expected an .xlsx or .xlsm workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0", ".xls files are not supported"),
    ("fake.xlsx", b"not a zip", "not a zip archive"),
])
def test_cli_refuses_what_is_not_a_workbook(tmp_path: Path, name, content, message):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    r = subprocess.run(CLI + ["recalc", str(p)], capture_output=True, text=True)
    assert r.returncode == 3 and message in r.stderr


def test_schema_command_prints_every_table():
    r = subprocess.run(CLI + ["schema"], capture_output=True, text=True)
    assert r.returncode == 0
    for t in ("Settings", "Roster", "Plans", "PlanMeasures", "Tiers", "Quotas", "Deals", "Adjustments", "FXRates"):
        assert f"Table {t} " in r.stdout


def test_schema_doc_is_generated_from_the_code():
    from salesops_xl import schemadoc

    doc = (TEMPLATES.parent / "docs" / "schema.md").read_text()
    assert doc == schemadoc.schema_page(), "docs/schema.md is stale: python -m salesops_xl.schemadoc > docs/schema.md"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook_and_its_formulas_compute_our_totals(wb: Path, libreoffice):
    batch.recalc(wb)
    with XlsxSource(wb) as src:
        result = compute(load_inputs(src))
    (out,) = libreoffice([wb], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out))
    checks = book.get_sheet_by_name("Checks").to_python()
    values = {row[0]: row[1:4] for row in checks[4:] if row and row[0]}
    totals = result.run.totals.set_index("Currency").Total / 100.0
    # LibreOffice (a recalculating profile) computed the Checks sheet's formulas itself
    for cur in ("USD", "EUR", "GBP"):
        value, expected, verdict = values[f"Total payable in {cur}: Payout Summary against the Run Log"]
        assert value == pytest.approx(totals[cur], abs=0.005) and expected == value and verdict == "PASS"
    assert values["Statement lines minus Payout Summary (must be 0)"] == [0, 0, "PASS"]
    assert values["Payouts: Payable minus (EarnedToDate - HeldToDate - PaidBefore) (must be 0)"] == [0, 0, "PASS"]
    assert values["All checks"][2] == "PASS"
    # and it reads our output table back as we wrote it
    summary = book.get_sheet_by_name("Payout Summary").to_python()
    blank = next(i for i, row in enumerate(summary) if not row[0])  # the totals per currency follow a gap
    assert blank - 1 == len(result.summary)


@pytest.mark.libreoffice
def test_libreoffice_renders_the_dashboard_to_pdf(wb: Path, libreoffice, tmp_path: Path):
    (pdf,) = libreoffice([wb], "pdf")
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"


def test_statement_lines_beyond_excel_rows_continue_on_further_sheets(tmp_path: Path, monkeypatch):
    from salesops_xl.commissions import outputs

    p = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATE, p)
    monkeypatch.setattr(outputs, "LINES_PER_SHEET", 1200)  # as if Excel held 1,200 rows
    batch.recalc(p)
    book = pc.CalamineWorkbook.from_path(str(p), load_tables=True)
    parts = [n for n in book.sheet_names if n.startswith("Statement Lines")]
    assert parts == ["Statement Lines", "Statement Lines 2", "Statement Lines 3"]
    total = sum(len(book.get_table_by_name(t).to_python()) for t in ("StatementLines", "StatementLines2",
                                                                        "StatementLines3"))
    with XlsxSource(TEMPLATE) as src:
        assert total == len(compute(load_inputs(src)).lines)
    # back to one sheet: the continuation sheets of the earlier run are removed
    monkeypatch.setattr(outputs, "LINES_PER_SHEET", 1_000_000)
    batch.recalc(p)
    names = pc.CalamineWorkbook.from_path(str(p)).sheet_names
    assert [n for n in names if n.startswith("Statement Lines")] == ["Statement Lines"]
