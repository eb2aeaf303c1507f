"""The budget template through the batch door: reproducible, CLI round trip, hand-offs, errors, LibreOffice."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import python_calamine as pc

from salesops_xl.budget.engine import line_measures
from salesops_xl.budget.sample import sample_tables
from salesops_xl.budget.template import budget_input_sheets
from salesops_xl.budget.workflow import plan_budget
from salesops_xl.xlsx.reader import XlsxSource
from salesops_xl.xlsx.writer import write_sheets

TEMPLATES = Path(__file__).resolve().parents[2] / "workbooks"
TEMPLATE = TEMPLATES / "budget.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True)


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "budget.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def test_template_is_reproducible_from_code(tmp_path: Path):
    from salesops_xl.budget.template import build_budget_template

    fresh = build_budget_template(tmp_path / "budget.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/budget.xlsx is out of date: run python -m salesops_xl.templates"


def test_cli_recalc_round_trip_is_idempotent(wb: Path):
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 0, p.stderr
    assert "budget lines in 6 cost centres" in p.stdout
    assert wb.read_bytes() == before  # the template holds its outputs: nothing changes


def test_invalid_input_names_sheet_row_column_and_value_and_writes_nothing(wb: Path):
    t = sample_tables()
    t["Actuals"].loc[3, "Month"] = "2026-11"  # an actual in an open month
    t["Headcount"].loc[0, "CostCentre"] = "CC-999"
    write_sheets(wb, wb, [s for s in budget_input_sheets(t) if s.name in ("Actuals", "Headcount")])
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 1
    assert "sheet 'Actuals', table Actuals: row 5, column Month, cell C5: an actual in an open month" in p.stderr
    assert 'found "2026-11"' in p.stderr
    assert "sheet 'Headcount', table Headcount: row 2, column CostCentre" in p.stderr and '"CC-999"' in p.stderr
    assert wb.read_bytes() == before


def test_from_quotas_reads_the_quota_workbook_and_replaces_only_its_rows(wb: Path, tmp_path: Path):
    quotas = tmp_path / "quotas.xlsx"
    shutil.copy(TEMPLATES / "quotas.xlsx", quotas)
    q_before = quotas.read_bytes()
    p = cli("budget", "from-quotas", quotas, wb)
    assert p.returncode == 0, p.stderr
    assert "seats and 6 planned hires" in p.stdout
    assert quotas.read_bytes() == q_before  # read, never written
    with XlsxSource(wb) as src:
        r = plan_budget(src)
    hc = r.inputs.tables["Headcount"].frame
    assert (hc["Source"] == "quotas").sum() == 34 + 6  # the quota roster's rows and the planned hires
    assert hc["PersonID"].is_unique and "R006" in set(hc["PersonID"])  # the other rows are kept
    first = wb.read_bytes()
    assert cli("budget", "from-quotas", quotas, wb).returncode == 0
    assert wb.read_bytes() == first  # a second hand-off of the same plan changes nothing


def test_from_commissions_brings_payouts_in_as_actuals(wb: Path, tmp_path: Path):
    com = tmp_path / "commissions.xlsx"
    shutil.copy(TEMPLATES / "commissions.xlsx", com)
    c_before = com.read_bytes()
    p = cli("budget", "from-commissions", com, wb)
    assert p.returncode == 0, p.stderr
    assert com.read_bytes() == c_before
    with XlsxSource(com) as src:
        raw = src.read("PayoutSummary")
        months = [str(m) for m in raw.data["PayMonth"]]
        ccy = [str(c) for c in raw.data["Currency"]]
        total = sum(float(t) / {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}[c]
                    for t, m, c in zip(raw.data["Total"], months, ccy) if m <= "2026-06")
    with XlsxSource(wb) as src:
        r = plan_budget(src)
    act = r.inputs.tables["Actuals"].frame
    mine = act[act["Source"] == "commissions"]
    assert len(mine) and set(mine["Category"]) == {"Variable comp"}
    assert mine["Amount"].sum() == pytest.approx(total, abs=0.01 * len(mine))  # each row rounded to the cent
    assert (act["Source"] == "GL").sum() > 0  # the ledger's rows are kept
    assert cli("recalc", wb).returncode == 0


@pytest.mark.libreoffice
def test_libreoffice_opens_the_template_and_its_recalculated_copy(wb: Path, tmp_path: Path, libreoffice):
    edited = tmp_path / "edited.xlsx"
    shutil.copy(wb, edited)
    t = sample_tables()
    t["PlanLines"].loc[0, "Amount"] = 99_999.0
    write_sheets(edited, edited, [s for s in budget_input_sheets(t) if s.name == "Plan Lines"])
    assert cli("recalc", edited).returncode == 0
    outs = libreoffice([wb, edited], "xlsx")
    for src_path, out in zip([wb, edited], outs):
        with XlsxSource(src_path) as src:
            r = plan_budget(src)
        m = line_measures(r.plan, r.actual, r.forecast, r.closed)
        book = pc.CalamineWorkbook.from_path(str(out))
        checks = {row[0]: row[1] for row in book.get_sheet_by_name("Checks").to_python() if row and row[0]}
        # the Checks sheet's formulas have no cached value in our file: LibreOffice computed these
        assert checks["Plan of the year, sum of the lines"] == pytest.approx(m["PlanYear"].sum() / 100, abs=0.005)
        assert checks["Plan of the year, total row of the summary"] == pytest.approx(m["PlanYear"].sum() / 100,
                                                                                      abs=0.005)
        ye = m["YearEndForecast"].sum() / 100
        assert checks["Year-end forecast recomputed: closed months' actuals + open months' forecast"] == \
            pytest.approx(ye, abs=0.005)
        assert checks["Difference (must be 0)"] == 0
        assert checks["Categories' year-end forecasts minus the total (must be 0)"] == 0
        assert checks["Recruiting cost of the hiring plan"] == checks["Recruiting budget lines, year"]
        assert book.get_sheet_by_name("Hiring").to_python()[3][0] == "PersonID"
