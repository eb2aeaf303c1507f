"""The quota template through the batch door: reproducible, CLI round trip, idempotence, errors, LibreOffice."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import python_calamine as pc

from salesops_xl.quotas.sample import sample_tables
from salesops_xl.quotas.schema import OUTPUT_SHEETS
from salesops_xl.quotas.template import quota_input_sheets
from salesops_xl.quotas.workflow import plan_quotas
from salesops_xl.xlsx.reader import XlsxSource
from salesops_xl.xlsx.writer import write_sheets

from quota_helpers import TEMPLATES

TEMPLATE = TEMPLATES / "quotas.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def owned_parts(path: Path) -> set[str]:
    from salesops_xl.xlsx.package import Package, rels_part_of

    with Package(path) as pkg:
        owned = set()
        todo = [s.part for s in pkg.sheets if s.name in OUTPUT_SHEETS]
        while todo:
            part = todo.pop()
            if part in owned:
                continue
            owned |= {part, rels_part_of(part)}
            todo += [r.part for r in pkg.rels(part) if r.part and not r.external]
    return owned


def rewrite_input(wb: Path, sheet: str, tables: dict) -> None:
    """Replace one input sheet the way a user edit would change it (through our own writer)."""
    write_sheets(wb, wb, [s for s in quota_input_sheets(tables) if s.name == sheet])


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "quotas.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def test_template_is_reproducible_from_code(tmp_path: Path):
    from salesops_xl.quotas.template import build_quota_template

    fresh = build_quota_template(tmp_path / "quotas.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/quotas.xlsx is out of date: run python -m salesops_xl.templates"


def test_cli_recalc_round_trip_is_idempotent(wb: Path):
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 0, p.stderr
    assert "seats under" in p.stdout and "hires planned" in p.stdout
    assert wb.read_bytes() == before  # the template holds its outputs: nothing changes
    assert cli("recalc", wb).returncode == 0
    assert wb.read_bytes() == before


def test_cli_recalc_after_an_edit_changes_only_the_output_sheets(wb: Path, tmp_path: Path):
    tables = sample_tables()
    tables["QuotaPlan"].loc[0, "Target"] = 15_000_000.0
    rewrite_input(wb, "Plan", tables)
    snapshot = tmp_path / "before.xlsx"
    shutil.copy(wb, snapshot)
    before = entries(wb)
    p = cli("recalc", "--amounts", wb)
    assert p.returncode == 0, p.stderr
    assert "target USD 15,000,000.00 allocated" in p.stdout
    after = entries(wb)
    owned = owned_parts(snapshot) | owned_parts(wb) | {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
                                                       "xl/_rels/workbook.xml.rels", "docProps/app.xml"}
    changed = [k for k in before if k not in owned and after.get(k) != before[k]]
    assert not changed, f"parts recalc does not own were changed: {changed}"
    # the written numbers are the engine's, to the cent
    with XlsxSource(wb) as src:
        r = plan_quotas(src)
    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    t = book.get_table_by_name("Allocation")
    rows = t.to_python()
    col = {c: j for j, c in enumerate(t.columns)}
    company = [row for row in rows if row[col["Level"]] == 0][0]
    assert company[col["Quota"]] == 15_000_000
    quotas = {row[col["NodeID"]]: round(row[col["Quota"]] * 100) for row in rows}
    ids = list(r.inputs.people.ids)
    for rep in ("R001", "R012", "REQ-02", "M03"):
        assert quotas[rep] == r.alloc.quota[ids.index(rep)] * r.unit_cents
    months = book.get_table_by_name("RepQuotas")
    mcol = {c: j for j, c in enumerate(months.columns)}
    for row in months.to_python():
        year = round(row[mcol["Annual"]] * 100)
        assert sum(round(row[mcol[f"2026-{m:02d}"]] * 100) for m in range(1, 13)) == year
        assert sum(round(row[mcol[f"2026-Q{q}"]] * 100) for q in range(1, 5)) == year


def test_invalid_input_writes_nothing_and_exits_1(wb: Path):
    tables = sample_tables()
    roster = tables["QuotaRoster"]
    roster.loc[roster.RepID == "R011", "ManagerID"] = "M99"
    roster.loc[roster.RepID == "REQ-03", "HireDate"] = None
    tables["AllocationRules"].loc[1, "HistoryWeight"] = 0.6
    rewrite_input(wb, "Quota Roster", tables)
    rewrite_input(wb, "Rules", tables)
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 1
    row = int(np.flatnonzero(roster.RepID == "R011")[0]) + 2
    assert (f"quotas.xlsx, sheet 'Quota Roster', table QuotaRoster: row {row}, column ManagerID, cell C{row}: unknown "
            "manager; found \"M99\"") in p.stderr
    assert "an open requisition without a planned start date" in p.stderr
    assert "sheet 'Rules', table AllocationRules: row 3, column HistoryWeight, cell D3: the blend weights of V01 " \
           "total 110.0000%" in p.stderr
    assert "nothing was written" in p.stderr
    assert wb.read_bytes() == before
    v = cli("validate", wb)
    assert v.returncode == 1 and "unknown manager" in v.stderr


def test_validate_and_schema_commands(wb: Path):
    v = cli("validate", wb)
    assert v.returncode == 0 and "inputs are valid" in v.stdout
    s = cli("schema", "--kind", "quotas")
    assert s.returncode == 0
    for t in ("QuotaPlan", "CapacityPlan", "QuotaRoster", "AllocationRules", "BookingsHistory", "AccountPotential",
              "SeasonalProfile", "RampCurve", "PlanFXRates"):
        assert f"Table {t} " in s.stdout


def test_a_recalc_of_the_template_keeps_its_run_time_and_warnings_list(wb: Path):
    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    log = dict(book.get_table_by_name("QuotaRunLog").to_python())
    from salesops_xl.templates import SAMPLE_RUN_AT

    assert log["Computed at (UTC)"] == SAMPLE_RUN_AT
    assert log["Engine version"].startswith("salesops-xl ")
    assert len(log["Input fingerprint (SHA-256)"]) == 64


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook_and_its_formulas_compute_our_numbers(wb: Path, libreoffice):
    with XlsxSource(wb) as src:
        r = plan_quotas(src)
    (out,) = libreoffice([wb], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out))
    checks = {row[0]: row[1] for row in book.get_sheet_by_name("Checks").to_python() if row and row[0]}
    n = r.inputs.people.n
    leaf = r.inputs.people.is_leaf
    uc = r.unit_cents
    # the Checks sheet's formulas have no cached value in our file: LibreOffice computed these
    assert checks["Company target"] == pytest.approx(r.alloc.quota[n] * uc / 100)
    top = r.inputs.people.depth[:n] == 1
    assert checks["Quotas of level 1 (sum)"] == pytest.approx(r.alloc.quota[:n][top].sum() * uc / 100)
    assert checks["Seat quotas (Rep + Open seat)"] == pytest.approx(r.alloc.quota[:n][leaf].sum() * uc / 100)
    assert checks["Seat months minus seat annual quotas (must be 0)"] == 0
    cap = r.capacity
    assert checks["Capacity: target minus capacity, whole year"] == pytest.approx(
        (cap.target_cents - cap.current_cents - cap.open_cents - cap.hires_cents) / 100, abs=0.005)
    assert checks["Planned hires"] == cap.hires_by_month.sum()
