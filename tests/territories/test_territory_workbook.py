"""The territory template through the batch door: reproducible, round trip, idempotence, state across
runs, errors, and LibreOffice computing our numbers with native formulas."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import python_calamine as pc

from salesops_xl.territories.sample import sample_tables
from salesops_xl.territories.template import build_template, input_sheets
from salesops_xl.xlsx.reader import XlsxSource
from salesops_xl.xlsx.writer import write_sheets

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbooks" / "territories.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "territories.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def table(path: Path, name: str) -> pd.DataFrame:
    book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = book.get_table_by_name(name)
    rows = t.to_python()
    return pd.DataFrame(rows, columns=[str(c) for c in t.columns])


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=ROOT)


def replace_inputs(path: Path, tables: dict, sheet: str) -> None:
    write_sheets(path, path, [s for s in input_sheets(tables) if s.name == sheet])


def test_template_is_reproducible_from_code(tmp_path: Path):
    fresh = build_template(tmp_path / "territories.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/territories.xlsx is out of date: run salesops-xl template territories --force"


def test_cli_recalc_round_trip_is_idempotent_and_writes_the_engine_numbers(wb: Path):
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 0, p.stderr
    # every lead of the template already has a rep: it keeps it (issue 23), nothing is routed again
    assert "392 units in 6 territories" in p.stdout and "600 leads: 0 routed this run, 600 kept" in p.stdout
    assert wb.read_bytes() == before  # the template holds its outputs: nothing changes
    for kind in ("align", "leads"):
        p = cli("territories", kind, wb)
        assert p.returncode == 0, p.stderr
        assert wb.read_bytes() == before
    # what was written is what the engine computes
    from salesops_xl.territories.workflow import recalc_territories

    with XlsxSource(wb) as src:
        res = recalc_territories(src)
    a = res.result["alignment"]
    written = table(wb, "Alignment")
    assert written["NewOwner"].tolist() == a.units["NewOwner"].tolist()
    summary = table(wb, "TerritorySummary")
    assert np.allclose(summary["PotentialDeviation"].astype(float), a.territories["PotentialDeviation"])
    assert (np.abs(a.territories["PotentialDeviation"]) <= 0.05 + 1e-9).all()
    assert set(a.territories["Contiguous"]) == {"Yes"}
    leads = table(wb, "LeadAssignments")
    assert leads["AssignedTo"].tolist() == res.result["leads"].assignments["AssignedTo"].tolist()


def test_the_next_batch_of_leads_continues_the_round_robin_state(wb: Path, tmp_path: Path):
    # the template's state is empty (the sample's pointer is nobody's): a team's first run starts afresh
    state0 = table(wb, "RoundRobinState")
    assert (state0["Leads"].astype(int) == 0).all() and (state0["Due"] == "").all()
    tables = sample_tables()
    first = tables["Leads"].copy()
    first["LeadID"] = [f"N-{i}" for i in range(len(first))]
    first["CreatedDate"] = first["CreatedDate"] + pd.Timedelta(days=7)
    replace_inputs(wb, {"Leads": first}, "Leads")
    p = cli("territories", "leads", wb)
    assert p.returncode == 0, p.stderr
    assert f"{len(first)} leads: {len(first)} routed this run, 0 kept" in p.stdout
    state1 = table(wb, "RoundRobinState")
    assert (state1["StartLeads"].astype(int) == 0).all() and (state1["StartDue"] == "").all()
    assert table(wb, "RunLog").set_index("Item").loc["Leads: round-robin state used", "Value"] == "none (first run)"
    # the next batch, added below the first (whose leads keep their reps), starts where the first ended
    nxt = first.copy()
    nxt["LeadID"] = [f"M-{i}" for i in range(len(nxt))]
    nxt["CreatedDate"] = nxt["CreatedDate"] + pd.Timedelta(days=7)
    replace_inputs(wb, {"Leads": pd.concat([first, nxt], ignore_index=True)}, "Leads")
    before = table(wb, "LeadAssignments")
    p = cli("territories", "leads", wb)
    assert p.returncode == 0, p.stderr
    after = table(wb, "LeadAssignments")
    assert after["AssignedTo"].tolist()[:len(first)] == before["AssignedTo"].tolist()
    state2 = table(wb, "RoundRobinState")
    assert (state2["StartLeads"].astype(int).to_numpy() == state1["Leads"].astype(int).to_numpy()).all()
    assert np.allclose(state2["StartDue"].astype(float), state1["Due"].astype(float))
    assert state2["Leads"].astype(int).sum() > state1["Leads"].astype(int).sum()
    # running again (nothing new to route) gives the same workbook
    again = wb.read_bytes()
    assert cli("territories", "leads", wb).returncode == 0
    assert wb.read_bytes() == again


def test_reroute_on_the_command_line_says_what_moved(wb: Path):
    lid = table(wb, "LeadAssignments")
    rr = lid[lid["Rule"] == "Round-robin"].iloc[0]
    p = cli("territories", "leads", wb, "--reroute", rr["LeadID"])
    assert p.returncode == 0, p.stderr
    assert "1 routed this run, 599 kept" in p.stdout and f"moved on request: {rr['LeadID']} {rr['AssignedTo']} -> " \
        in p.stdout
    row = table(wb, "LeadAssignments").set_index("LeadID").loc[rr["LeadID"]]
    assert row["Origin"] == "Rerouted" and row["Detail"].startswith(f"rerouted on request (was {rr['AssignedTo']})")
    log = table(wb, "RunLog").set_index("Item")["Value"]
    assert log["Leads: rerouted on request"].startswith(f"{rr['LeadID']} {rr['AssignedTo']} -> ")


def test_bad_input_exits_1_and_writes_nothing(wb: Path):
    tables = sample_tables()
    units = tables["TerritoryUnits"].copy()
    units.loc[4, "CurrentOwner"] = "NOBODY"
    units.loc[6, "Latitude"] = 123.0
    replace_inputs(wb, {"TerritoryUnits": units}, "Units")
    before = wb.read_bytes()
    p = cli("recalc", wb)
    assert p.returncode == 1
    assert "territories.xlsx, sheet 'Units', table TerritoryUnits: row 6, column CurrentOwner, cell H6: unknown " \
           "rep; found \"NOBODY\"" in p.stderr
    assert "row 8, column Latitude, cell C8: out of range; found 123" in p.stderr
    assert "nothing was written" in p.stderr
    assert wb.read_bytes() == before


def test_schema_lists_the_tables():
    p = cli("schema", "--kind", "territories")
    assert p.returncode == 0
    for t in ("TerritoryUnits", "TerritoryReps", "UnitLocks", "UnitAdjacency", "Leads", "LeadReps",
              "RoutingRules", "RoundRobinState"):
        assert f"Table {t} " in p.stdout


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook_and_its_formulas_compute_our_figures(wb: Path, libreoffice):
    (out,) = libreoffice([wb], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out))
    values = {r[0]: r[1] for r in book.get_sheet_by_name("Checks").to_python() if r and r[0]}
    terr = table(wb, "TerritorySummary").set_index("RepID")
    units = table(wb, "Alignment")
    leads = table(wb, "LeadAssignments")
    # these cells are SUMIFS/COUNTIF/INDEX formulas without cached values: LibreOffice computed them
    assert values["Units in Alignment minus units in TerritoryUnits (must be 0)"] == 0
    assert values["Potential of R01 in the proposed alignment (SUMIFS)"] == pytest.approx(terr.loc["R01", "Potential"])
    # recomputed from Potential and PotentialTarget as written (10 significant digits each, docs/schema.md)
    assert values["Its deviation from target"] == pytest.approx(terr.loc["R01", "PotentialDeviation"], abs=2e-9)
    assert values["Largest |potential deviation| over territories"] == pytest.approx(
        terr["PotentialDeviation"].astype(float).abs().max(), abs=1e-12)
    assert values["Units moved"] == (units["Change"] == "Moved").sum()
    assert values["Leads in LeadAssignments minus leads in Leads (must be 0)"] == 0
    assert values["Round-robin leads"] == (leads["Rule"] == "Round-robin").sum()
    assert values["Leads in the fallback queue"] == (leads["Rule"] == "Fallback queue").sum() > 0
