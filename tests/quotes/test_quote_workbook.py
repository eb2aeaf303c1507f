"""The quoting template through the batch door: reproducible, CLI round trip, errors, LibreOffice, the chart."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import python_calamine as pc

from salesops_xl.quotes.sample import sample_tables
from salesops_xl.quotes.template import quote_input_sheets
from salesops_xl.quotes.workflow import price_quotes
from salesops_xl.xlsx.reader import XlsxSource
from salesops_xl.xlsx.writer import write_sheets

TEMPLATE = Path(__file__).resolve().parents[2] / "workbooks" / "quotes.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True)


def rewrite_input(wb: Path, sheet: str, tables: dict) -> None:
    """Replace one input sheet the way a user edit would change it (through our own writer)."""
    write_sheets(wb, wb, [s for s in quote_input_sheets(tables) if s.name == sheet])


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "quotes.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def test_template_is_reproducible_from_code(tmp_path: Path):
    from salesops_xl.quotes.template import build_quote_template

    fresh = build_quote_template(tmp_path / "quotes.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/quotes.xlsx is out of date: run python -m salesops_xl.templates"


def test_cli_recalc_is_idempotent_and_writes_the_engines_numbers(wb: Path):
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 0, p.stderr
    assert "quotes (" in p.stdout and "need an approval" in p.stdout and "below floor" in p.stdout
    assert wb.read_bytes() == before  # the template holds its outputs: nothing changes
    with XlsxSource(wb) as src:
        r = price_quotes(src)
    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    t = book.get_table_by_name("QuoteApprovals")
    col = {c: j for j, c in enumerate(t.columns)}
    rows = {row[col["QuoteID"]]: row for row in t.to_python()}
    for q in r.quotes.itertuples():
        row = rows[q.QuoteID]
        assert round(row[col["NetAmount"]] * 100) == q.NetAmount
        assert row[col["Approver"]] == q.Approver
    lines = book.get_table_by_name("PricedLines")
    assert len(lines.to_python()) == len(r.lines)


def test_an_edit_reprices_and_reroutes(wb: Path):
    tables = sample_tables()
    ql = tables["QuoteLines"]
    ql.loc[ql.QuoteID == "Q-1001", "Discount"] = 0.9  # 90% off: below floor, far above every discount threshold
    rewrite_input(wb, "Quote Lines", tables)
    p = cli("recalc", wb)
    assert p.returncode == 0, p.stderr
    with XlsxSource(wb) as src:
        r = price_quotes(src)
    first = r.quotes.iloc[0]
    assert first.QuoteID == "Q-1001" and first.Discount == pytest.approx(0.9, abs=0.001)
    assert first.Approver == "CFO" and first.ApprovalRule.startswith("Discount above 35.0%")
    assert "below floor" in first.Breaches


def test_bad_input_names_sheet_row_column_and_value_and_writes_nothing(wb: Path):
    tables = sample_tables()
    tables["QuoteLines"].loc[2, "Product"] = "NOPE-1"
    tables["QuoteLines"].loc[4, "Quantity"] = 0
    tables["PriceBook"].loc[1, "FloorPrice"] = 500.0
    tables["ApprovalRules"].loc[0, "Threshold"] = 10.0  # 10 typed for 10%
    for sheet in ("Quote Lines", "Price Book", "Approvals"):
        rewrite_input(wb, sheet, tables)
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 1
    err = p.stderr
    assert ("quotes.xlsx, sheet 'Quote Lines', table QuoteLines: row 4, column Product, cell B4: unknown product; "
            'found "NOPE-1"; expected a Product of the PriceBook table') in err
    assert "sheet 'Quote Lines', table QuoteLines: row 6, column Quantity, cell C6" in err and "found 0" in err
    assert ("sheet 'Price Book', table PriceBook: row 3, column FloorPrice, cell D3: the floor price is above the "
            "list price; found 500") in err
    assert ("sheet 'Approvals', table ApprovalRules: row 2, column Threshold, cell D2: a Discount or Margin "
            "threshold is a fraction; found 10") in err
    assert "nothing was written" in err
    assert wb.read_bytes() == before


def test_a_product_without_a_price_in_the_quote_currency_is_named(wb: Path):
    tables = sample_tables()
    pb = tables["PriceBook"]
    tables["PriceBook"] = pb[~((pb.Product == "ANL-PRO") & (pb.Currency == "EUR"))].reset_index(drop=True)
    rewrite_input(wb, "Price Book", tables)
    p = cli("validate", wb)
    assert p.returncode == 1
    assert "no price for this product in EUR, the currency of quote" in p.stderr
    assert 'found "ANL-PRO"; expected a PriceBook row for this product in EUR' in p.stderr


@pytest.mark.libreoffice
def test_libreoffice_opens_the_template_and_a_recalculated_copy(wb: Path, libreoffice, tmp_path: Path):
    tables = sample_tables()
    tables["QuoteLines"].loc[0, "Discount"] = 0.5
    edited = tmp_path / "quotes-edited.xlsx"
    shutil.copy(wb, edited)
    rewrite_input(edited, "Quote Lines", tables)
    assert cli("recalc", edited).returncode == 0
    outs = libreoffice([wb, edited], "xlsx")
    for src, out in zip((wb, edited), outs):
        with XlsxSource(src) as s:
            r = price_quotes(s)
        checks = {row[0]: row[1] for row in pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Checks")
                  .to_python() if row and row[0]}
        # the Checks formulas have no cached value in our file: LibreOffice computed these from our tables
        net = r.lines.NetAmount.sum() / 100
        assert checks["Net amount of the lines (all currencies added together)"] == pytest.approx(net, abs=0.005)
        assert checks["Net amount of the quotes (must equal B3)"] == pytest.approx(net, abs=0.005)
        assert checks["Lines below floor (NetPrice < FloorPrice, counted here)"] == r.lines.BelowFloor.sum()
        assert checks["Lines below floor (as flagged by salesops-xl; must equal B5)"] == r.lines.BelowFloor.sum()
        assert checks["Quotes needing an approval"] == (r.quotes.ApprovalLevel > 0).sum()
        assert checks["Margin of the lines minus margin of the quotes (must be 0)"] == 0


@pytest.mark.libreoffice
def test_the_approvals_page_with_its_chart_renders(wb: Path, libreoffice, tmp_path: Path):
    """Renders the workbook to PDF, the Quote Approvals page to PNG (looked at by a person when the layout
    changes: docs/quotes.md); here the page must exist, hold its title and a drawn chart."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    (pdf,) = libreoffice([wb], "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    k = next(i for i, pg in enumerate(pages) if pg.lstrip().startswith("Quote approvals"))
    assert "Quotes by approver needed" in pages[k]  # the chart's title, drawn by LibreOffice
    png = tmp_path / "approvals"
    subprocess.run(["pdftoppm", "-f", str(k + 1), "-l", str(k + 1), "-r", "40", "-png", str(pdf), str(png)],
                   check=True)
    assert any(p.stat().st_size > 5000 for p in tmp_path.glob("approvals*.png"))
