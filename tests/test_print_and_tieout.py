"""Issue 13: the rep statement as a document, workbooks that print, and totals that tie out.

Printing is checked where it happens: LibreOffice exports the workbooks to PDF and pdftotext reads each page
(its footer names the sheet: "<sheet> ... Page k of n"). The expected page counts are those of the sample
workbooks on LibreOffice 7.4 (Debian), A4.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import python_calamine as pc

from salesops_xl import batch
from salesops_xl.commissions.engine import SUMMARY_COMPONENTS, compute
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.xlsx import xmlutil as X
from salesops_xl.xlsx.package import Package
from salesops_xl.xlsx.reader import XlsxSource

from helpers import TEMPLATES

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]
PDFTOTEXT = shutil.which("pdftotext")

#: Pages of each output sheet of the sample workbooks, as LibreOffice prints them (A4, fit to width).
EXPECTED_PAGES = {
    "commissions.xlsx": {"Payouts": 7, "Payout Summary": 8, "Statement Lines": 33, "Draws": 1, "Dashboard": 1,
                         "Disputes Summary": 1, "Held Commission": 1, "Run Log": 1, "Audit Log": 1, "Checks": 1,
                         "Paid History": 15,
                         "Contract Costs": 4,
                         "Commission Register": 28, "Amortisation": 1, "Close": 1, "Journal": 10},
    "quotas.xlsx": {"Allocation": 1, "Rep Quotas": 1, "Quota Months": 11, "Seasonality": 1, "Capacity": 1,
                    "Quota Run Log": 1},
    "territories.xlsx": {"Alignment": 9, "Territories": 1, "Before After": 1, "Territory Map": 7,
                         "Lead Assignments": 10, "Lead Load": 1, "Round Robin": 1, "Run Log": 1},
    "forecast.xlsx": {"Forecast": 5, "Pipeline": 7, "Sales Metrics": 1, "Gap Analysis": 2, "Backtest": 5,
                      "Forecast Run Log": 1},
}


@pytest.fixture(scope="module")
def sample_result():
    with XlsxSource(TEMPLATE) as src:
        return compute(load_inputs(src))


def pdf_pages(pdf: Path) -> list[str]:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def sheet_of(page: str) -> str | None:
    """The sheet a page belongs to, from its footer "<sheet>   Page k of n" (pdftotext may put the text of a
    chart clipped at the page's edge on the footer's line: the name is then on the line above)."""
    lines = page.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        m = re.search(r"\s{2,}Page \d+ of \d+\s*$", lines[i])
        if m:
            before = lines[i][:m.start()]
            if before[:1].strip():
                return before.strip()
            above = [ln for ln in lines[:i] if ln.strip()]
            return above[-1].strip() if above else None
    return None


def table_rows(path: Path, table: str) -> tuple[list[str], list[list]]:
    book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = book.get_table_by_name(table)
    return list(t.columns), t.to_python()


def sheet_xml(path: Path, sheet: str) -> str:
    with Package(path) as p:
        info = next(s for s in p.sheets if s.name == sheet)
        return p.read(info.part).decode()


# -- page setup: every output sheet of every workbook ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_PAGES))
def test_every_output_sheet_has_a_page_setup_and_print_names(name):
    path = TEMPLATES / name
    with Package(path) as p:
        names = {(d.name, d.local_sheet_id): d.text for d in p.defined_names}
        index = {s.name: i for i, s in enumerate(p.sheets)}
    for sheet in EXPECTED_PAGES[name]:
        xml = sheet_xml(path, sheet)
        assert re.search(r'<pageSetup [^>]*fitToWidth="1" fitToHeight="0"', xml), sheet
        assert re.search(r'orientation="(portrait|landscape)"', xml) and '<pageSetUpPr fitToPage="1"/>' in xml
        area = names.get(("_xlnm.Print_Area", index[sheet]))
        assert area and area.startswith("'" + sheet.replace("'", "''") + "'!$A$1:"), (sheet, area)
        if re.search(r'<pane [^>]*state="frozen"', xml):  # frozen header rows / ID columns repeat on every page
            assert ("_xlnm.Print_Titles", index[sheet]) in names, sheet


def test_the_per_deal_amortisation_schedule_prints_as_its_note():
    # 21,391 rows (a row per deal commission and month) would print 549 pages: the sheet prints the note above
    # its table (A1:K4), which points to Contract Costs and Commission Register; the table is all there
    with Package(TEMPLATE) as p:
        names = {(d.name, d.local_sheet_id): d.text for d in p.defined_names}
        index = {s.name: i for i, s in enumerate(p.sheets)}
    assert names[("_xlnm.Print_Area", index["Amortisation"])] == "'Amortisation'!$A$1:$K$4"
    assert names[("_xlnm.Print_Area", index["Contract Costs"])].startswith("'Contract Costs'!$A$1:$G$")
    _, rows = table_rows(TEMPLATE, "AmortisationSchedule")
    assert len(rows) == 21391


def test_print_names_keep_other_names_prefixes_and_bytes():
    from salesops_xl.xlsx.printsetup import set_print_names

    ns = X.NS_MAIN
    wb = (f'<?xml version="1.0" encoding="UTF-8"?>\n<x:workbook xmlns:x="{ns}" xmlns:r="{X.NS_R}">'
          '<x:sheets><x:sheet name="A" sheetId="1" r:id="rId1"/><x:sheet name="B" sheetId="2" r:id="rId2"/></x:sheets>'
          '<x:definedNames><x:definedName name="Mine">A!$A$1</x:definedName>'
          '<x:definedName name="_xlnm.Print_Titles" localSheetId="0">A!$1:$1</x:definedName>'
          '<x:definedName name="_xlnm.Print_Area" localSheetId="1">B!$A$1:$C$9</x:definedName>'
          '</x:definedNames><x:calcPr calcId="1"/></x:workbook>')
    out = set_print_names(wb, {1: {"_xlnm.Print_Area": "'B'!$A$1:$D$20", "_xlnm.Print_Titles": "'B'!$1:$1"}})
    # the user's name and the print titles of sheet A (not ours) stay byte for byte
    assert '<x:definedName name="Mine">A!$A$1</x:definedName>' in out
    assert '<x:definedName name="_xlnm.Print_Titles" localSheetId="0">A!$1:$1</x:definedName>' in out
    # ours replaced in place, the new one appended, in the document's own prefix
    assert out.index("'B'!$A$1:$D$20") < out.index("'B'!$1:$1") and "B!$A$1:$C$9" not in out
    assert "<definedName" not in out.replace("<x:definedName", "")
    root = X.parse_xml(out.encode())
    assert len(root.find(X.q(ns, "definedNames"))) == 4
    assert set_print_names(out, {1: {"_xlnm.Print_Area": "'B'!$A$1:$D$20", "_xlnm.Print_Titles": "'B'!$1:$1"}}) == out
    # a workbook without definedNames gets the list right after <sheets>
    bare = wb[:wb.index("<x:definedNames>")] + wb[wb.index("<x:calcPr"):]
    out2 = set_print_names(bare, {0: {"_xlnm.Print_Area": "'A'!$A$1:$B$2"}})
    assert "</x:sheets><x:definedNames><x:definedName " in out2


@pytest.mark.libreoffice
def test_sample_workbooks_print_their_expected_pages(libreoffice):
    pdfs = libreoffice([TEMPLATES / n for n in sorted(EXPECTED_PAGES)], "pdf")
    for pdf in pdfs:
        counts: dict[str, int] = {}
        for page in pdf_pages(pdf):
            s = sheet_of(page)
            counts[s] = counts.get(s, 0) + 1
        got = {s: counts.get(s, 0) for s in EXPECTED_PAGES[pdf.stem + ".xlsx"]}
        assert got == EXPECTED_PAGES[pdf.stem + ".xlsx"], pdf.name


@pytest.mark.libreoffice
def test_recalculated_payout_summary_carries_ids_and_headers_on_every_page(tmp_path: Path, libreoffice):
    wb = tmp_path / "commissions.xlsx"
    shutil.copy(TEMPLATE, wb)
    r = subprocess.run(CLI + ["recalc", "-q", str(wb)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (pdf,) = libreoffice([wb], "pdf")
    pages = [p for p in pdf_pages(pdf) if sheet_of(p) == "Payout Summary"]
    assert len(pages) == EXPECTED_PAGES["commissions.xlsx"]["Payout Summary"]
    cols, rows = table_rows(wb, "PayoutSummary")
    seen = set()
    for page in pages:
        body = [ln for ln in page.splitlines() if ln.strip()]
        assert re.match(r"\s*RepID\s+RepName\s+PlanID\s+ManagerID\s+PayMonth\s+Currency\s+Commission", body[0]), body[0]
        ids = [re.match(r"\s*([A-Z]\d{2,3})\s", ln).group(1) for ln in body[1:] if re.match(r"\s*[A-Z]\d{2,3}\s", ln)]
        assert ids, "a page without rows"
        seen.update(ids)
        # each row's last columns (its Total and Status) are printed on the page that shows its ID
        assert len(re.findall(r"-?[\d,]+\.\d\d\s+(?:Open|Paid \(locked\))\s*$", page, re.M)) == len(ids)
    assert seen == {row[0] for row in rows}
    # the totals per currency are printed, on the last page
    tot_cols, tot = table_rows(wb, "PayoutSummaryTotals")
    for row in tot:
        assert f"{row[tot_cols.index('Total')]:,.2f}" in pages[-1]


# -- tie-out -------------------------------------------------------------------------------------------


def test_run_log_totals_add_up_per_currency_and_count_people(sample_result):
    cols, rows = table_rows(TEMPLATE, "RunTotals")
    assert cols[0] == "Component" and [r[0] for r in rows] == [
        "Commission", "SPIFs", "Bonuses", "Adjustments", "Prior-period adjustments", "Draw top-ups",
        "Draw advances", "Draw recoveries", "Total"]
    tot = sample_result.run.totals.set_index("Currency")
    for j, cur in enumerate(cols[1:], start=1):
        parts = [r[j] for r in rows[:-1]]
        assert round(sum(parts), 2) == rows[-1][j] == tot.loc[cur, "Total"] / 100
    log = dict(table_rows(TEMPLATE, "RunLog")[1])
    roster = sample_result.inputs.frame("Roster")
    assert len(roster) == 53 and roster["RepID"].nunique() == 51
    assert log["Reps"] == "51" and log["Roster rows"] == "53"  # people, not roster rows
    assert sum(int(log[f"Reps paid in {c}"]) for c in cols[1:]) == 51
    assert log["Locked (paid) months"] == "2026-01 to 2026-06"


def test_payout_summary_marks_locked_months_and_has_totals(sample_result):
    cols, rows = table_rows(TEMPLATE, "PayoutSummary")
    month, status = cols.index("PayMonth"), cols.index("Status")
    assert {(r[month] <= "2026-06", r[status]) for r in rows} == {(True, "Paid (locked)"), (False, "Open")}
    tcols, trows = table_rows(TEMPLATE, "PayoutSummaryTotals")
    s = sample_result.summary
    for r in trows:
        mine = s[s.Currency == r[0]]
        assert r[tcols.index("Reps")] == mine.RepID.nunique()
        assert r[tcols.index("Total")] == mine.Total.sum() / 100
        assert r[tcols.index("Prior-period adjustments")] == mine.PriorPeriodAdjustments.sum() / 100


def test_checks_sheet_has_cached_values_formats_and_a_verdict(sample_result):
    # read without any spreadsheet application: the values are stored with the formulas
    rows = pc.CalamineWorkbook.from_path(str(TEMPLATE)).get_sheet_by_name("Checks").to_python()
    checks = {r[0]: r[1:] for r in rows if r and r[0]}
    tot = sample_result.run.totals.set_index("Currency").Total / 100
    for cur, v in tot.items():
        value, expected, verdict = checks[f"Total payable in {cur}: Payout Summary against the Run Log"]
        assert value == expected == pytest.approx(v, abs=0.001) and verdict == "PASS"
    zero = [k for k in checks if k.endswith("(must be 0)")]
    assert len(zero) == 5 and all(checks[k] == [0.0, 0.0, "PASS"] for k in zero)
    assert checks["All checks"][-1] == "PASS"
    xml = sheet_xml(TEMPLATE, "Checks")
    assert '<c t="str"><f>IF(ABS(B5-C5)&lt;0.005,"PASS","FAIL")</f><v>PASS</v></c>' in xml
    import openpyxl

    ws = openpyxl.load_workbook(TEMPLATE)["Checks"]
    assert ws["B5"].number_format == "#,##0.00" and ws["C5"].number_format == "#,##0.00"
    labels = [r[0] for r in rows[4:] if r and r[0]]
    assert ws.column_dimensions["A"].width >= max(len(k) for k in labels)  # labels not cut off
    assert ws["A4"].font.b and ws["A4"].fill.fgColor.rgb == "FF1F4E79"  # a header made of cell styles


@pytest.mark.libreoffice
def test_checks_formulas_agree_with_their_cached_values_in_libreoffice(tmp_path: Path, libreoffice):
    wb = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATE, wb)
    (out,) = libreoffice([wb], "xlsx")  # a recalculating profile: LibreOffice computes every formula itself
    mine = pc.CalamineWorkbook.from_path(str(TEMPLATE)).get_sheet_by_name("Checks").to_python()
    theirs = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Checks").to_python()
    assert [r[:4] for r in theirs if r and r[0]] == [r[:4] for r in mine if r and r[0]]


# -- one run time --------------------------------------------------------------------------------------


def test_statement_date_is_the_run_logs_computed_at(tmp_path: Path):
    log = dict(table_rows(TEMPLATE, "RunLog")[1])
    stamp = log["Computed at (UTC)"]  # 2026-07-20T09:00:00+00:00
    shown = f"{stamp[:10]} {stamp[11:16]} UTC"
    r = subprocess.run(CLI + ["statements", str(TEMPLATE), "--out", str(tmp_path), "--rep", "R001"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "statement_R001.xlsx")).get_sheet_by_name("Statement")
    header = {r[0]: r[1] for r in rows.to_python()[:10] if r and r[0]}
    assert header["Computed"] == shown
    wb = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATE, wb)
    assert subprocess.run(CLI + ["run", "commissions.statement", str(wb)], capture_output=True).returncode == 0
    rows = pc.CalamineWorkbook.from_path(str(wb)).get_sheet_by_name("Rep Statement").to_python()
    assert {r[0]: r[1] for r in rows[:10] if r and r[0]}["Computed"] == shown
    assert dict(table_rows(wb, "RunLog")[1])["Computed at (UTC)"] == stamp


# -- the statement ---------------------------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def test_statement_reads_as_a_document(tmp_path: Path, sample_result):
    from salesops_xl.batch.statements import write_statements

    write_statements(sample_result, tmp_path, reps=["R001"])
    path = tmp_path / "statement_R001.xlsx"
    rows = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Statement").to_python()
    text = "\n".join(" ".join(str(c) for c in r if c != "") for r in rows)
    assert rows[0][0] == "Northwind Traders"  # Settings[CompanyName]
    for label in ("Rep", "Manager", "Plan", "Currency", "Period covered", "Computed"):
        assert any(r[0] == label for r in rows[:10]), label
    assert "Ada Archer" in text and "M01" not in text  # the manager by name; no other rep's id
    assert "paid 6% on credit from 0% to 50% of quota (Base)" in text
    assert "Questions about this statement: Sales Operations, salesops@northwind.example, ext. 4100." in text
    assert "docs/" not in text and "PriorPeriodAdjustments" not in text and "EarnedToDate" not in text
    cols, months = table_rows(path, "Summary")
    assert cols[0] == "Pay month" and months[-1][0] == "Year total"
    s = sample_result.summary[sample_result.summary.RepID == "R001"]
    assert [r[0] for r in months[:-1]] == list(s.PayMonth)
    assert months[-1][cols.index("Total")] == s.Total.sum() / 100
    _, totals = table_rows(path, "Totals")
    items = {r[0]: r[1] for r in totals}
    assert items["Payable now"] == s.Total.iloc[-1] / 100
    assert items["Year to date"] == pytest.approx(items["Paid before"] + items["Payable now"], abs=1e-9)
    # lines grouped by pay month, each month closed by its total (equal to the month's pay)
    lcols, lines = table_rows(path, "Lines")
    totals_rows = [r for r in lines if r[lcols.index("What")] == "Month total"]
    assert [r[0] for r in totals_rows] == list(s.PayMonth)
    assert [r[lcols.index("Month total")] for r in totals_rows] == [t / 100 for t in s.Total]
    amounts = [r[lcols.index("Amount")] for r in lines if r[lcols.index("What")] != "Month total"]
    assert round(sum(amounts), 2) == s.Total.sum() / 100
    # portrait statement, one chart per period type (R001: monthly and quarterly measures)
    xml = sheet_xml(path, "Statement")
    assert 'orientation="portrait"' in xml
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and any("Monthly" in c for c in charts) and any("Quarterly" in c for c in charts)


@pytest.mark.libreoffice
@pytest.mark.parametrize("door", ["file", "workbook"])
def test_statement_pdf_pages_and_totals(tmp_path: Path, sample_result, libreoffice, door):
    """Both statement paths render the same document: 2 portrait pages of statement, then its lines."""
    s = sample_result.summary[sample_result.summary.RepID == "R001"]
    if door == "file":
        from salesops_xl.batch.statements import write_statements

        write_statements(sample_result, tmp_path / "st", reps=["R001"])
        wb, sheets = tmp_path / "st" / "statement_R001.xlsx", ("Statement", "Lines")
    else:
        wb = tmp_path / "c.xlsx"
        shutil.copy(TEMPLATE, wb)  # StatementRep = R001
        assert subprocess.run(CLI + ["run", "commissions.statement", str(wb)], capture_output=True).returncode == 0
        sheets = ("Rep Statement", "Rep Statement Lines")
    (pdf,) = libreoffice([wb], "pdf")
    pages = pdf_pages(pdf)
    statement = [p for p in pages if sheet_of(p) == sheets[0]]
    lines = [p for p in pages if sheet_of(p) == sheets[1]]
    assert len(statement) == 2 and len(lines) == 2
    first = statement[0]
    payable_now = int(s.Total.iloc[-1])
    for figure in [int(s.Total.sum()), int(s.Total.iloc[:-1].sum()), payable_now] + [int(t) for t in s.Total]:
        assert _money(figure) in first, _money(figure)
    for c in ("Commission", "SPIFs", "Bonuses", "Adjustments", "PriorPeriodAdjustments"):
        assert _money(int(s[c].sum())) in first, c
    assert "Year total" in first and "Northwind Traders" in first
    assert "Questions about this statement" in statement[1]
    body = "".join(lines)
    for t in s.Total:
        assert _money(int(t)) in body  # every month total
    size = subprocess.run(["pdfinfo", "-f", "1", "-l", "1", str(pdf)], capture_output=True, text=True).stdout
    if door == "file":
        assert re.search(r"Page\s+1 size:\s+595\.\d+ x 841\.\d+", size), size  # A4 portrait


def test_a_sheet_appended_to_an_openpyxl_workbook_keeps_workbook_xml_well_formed(tmp_path: Path):
    """openpyxl binds the r: prefix on each <sheet>, not on the root: a new <sheet> must declare it itself
    (the print names are added by parsing workbook.xml, which refused the unbound prefix)."""
    import openpyxl

    from salesops_xl.sheets import SheetSpec
    from salesops_xl.xlsx.writer import write_sheets

    src = tmp_path / "o.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Mine"
    wb.save(src)
    write_sheets(src, src, [SheetSpec(name="New", notes=(("A1", "hello"),))])
    with zipfile.ZipFile(src) as z:
        root = X.parse_xml(z.read("xl/workbook.xml"))
    assert [s.get("name") for s in root.iter(X.q(X.NS_MAIN, "sheet"))] == ["Mine", "New"]
    assert openpyxl.load_workbook(src)["New"]["A1"].value == "hello"
