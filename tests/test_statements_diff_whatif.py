"""Rep statements (privacy), run diff, and the plan what-if on the sample workbook."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from salesops_xl import batch
from salesops_xl.commissions.engine import compute
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.xlsx.reader import XlsxSource

from helpers import TEMPLATES
from helpers import D, deal, measure, rep, tiers, workbook

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


@pytest.fixture(scope="module")
def sample_result():
    with XlsxSource(TEMPLATE) as src:
        return compute(load_inputs(src))


def all_text(path: Path) -> str:
    """Every text part of a workbook: sheets (incl. hidden), tables, charts, names, document properties."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels")))


def test_every_statement_holds_only_its_reps_data(tmp_path: Path, sample_result):
    r = subprocess.run(CLI + ["statements", str(TEMPLATE), "--out", str(tmp_path / "st"), "--jobs", "2"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    res = sample_result
    ros = res.inputs.frame("Roster").drop_duplicates("RepID")
    deals = res.inputs.frame("Deals")
    own_deals = deals.groupby("RepID")["DealID"].apply(set).to_dict()
    # the statement names the rep's own manager (issue 13 asks for it), never the manager's id
    last = res.summary.groupby("RepID").tail(1)
    names = dict(zip(ros.RepID, ros.RepName))
    manager_name = {r: names.get(m) for r, m in zip(last.RepID, last.ManagerID)}
    files = sorted((tmp_path / "st").glob("statement_*.xlsx"))
    assert len(files) == ros.RepID.nunique() == 51
    for f in files:
        me = f.stem.removeprefix("statement_")
        text = all_text(f)
        assert me in text
        for other, name in zip(ros.RepID, ros.RepName):
            if other == me:
                continue
            assert not re.search(rf"(?<![\w-]){re.escape(other)}(?![\w-])", text), f"{f.name} shows {other}"
            if name != manager_name.get(me):
                assert name not in text, f"{f.name} shows {name}"
        foreign = set(deals.DealID) - own_deals.get(me, set())
        shown = set(re.findall(r"D-\d+", text))
        assert not (shown & foreign), f"{f.name} shows deals of other reps: {sorted(shown & foreign)[:3]}"


@pytest.mark.libreoffice
def test_statement_renders_to_pdf(tmp_path: Path, sample_result, libreoffice):
    from salesops_xl.batch.statements import write_statements

    rep_ = write_statements(sample_result, tmp_path, reps=["R008", "M01"], pdf=True)
    assert [p.name for p in rep_.pdfs] == ["statement_M01.pdf", "statement_R008.pdf"] or \
        sorted(p.name for p in rep_.pdfs) == ["statement_M01.pdf", "statement_R008.pdf"]
    for p in rep_.pdfs:
        assert p.read_bytes()[:5] == b"%PDF-"


def test_statement_lines_tie_out_to_the_summary(sample_result):
    from salesops_xl.commissions.statements import _anonymise_team

    for who in ("M01", "V01", "R008"):
        lines = _anonymise_team(sample_result.lines[sample_result.lines.RepID == who])
        total = sample_result.summary[sample_result.summary.RepID == who].Total.sum()
        assert lines.Amount.sum() == total


def test_diff_names_the_rep_the_month_and_the_input_that_changed(tmp_path: Path):
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    old = tmp_path / "old.xlsx"
    new = tmp_path / "new.xlsx"
    shutil.copy(TEMPLATE, old)
    shutil.copy(TEMPLATE, new)
    with XlsxSource(old) as src:
        deals = load_inputs(src).frame("Deals")
    tables = sample_tables()
    target = tables["Deals"].index[(tables["Deals"].RepID == "R002") & (tables["Deals"].SplitPct == 1.0)
                                   & tables["Deals"].CloseDate.map(lambda c: c.month == 9)][0]
    deal_id = tables["Deals"].loc[target, "DealID"]
    tables["Deals"].loc[target, "Amount"] += 10_000
    from salesops_xl.commissions.sample import late_cancellation
    tables = late_cancellation(tables)
    write_sheets(new, new, [s for s in commission_input_sheets(tables) if s.name == "Deals"])
    batch.recalc(new)
    r = subprocess.run(CLI + ["diff", str(old), str(new), "--amounts", "--csv", str(tmp_path / "d.csv")],
                       capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^R002 .*: total [\d,.]+ -> [\d,.]+ \(\+[\d,.]+\)$", r.stdout, re.M)
    assert "2026-09 Commission: +" in r.stdout
    assert f"because: Deals: {deal_id} / R002 changed (Amount)" in r.stdout
    csv = pd.read_csv(tmp_path / "d.csv")
    assert {"R002"} <= set(csv.RepID)
    del deals


def test_diff_of_a_workbook_with_itself_reports_nothing():
    r = subprocess.run(CLI + ["diff", str(TEMPLATE), str(TEMPLATE)], capture_output=True, text=True)
    assert r.returncode == 0 and "no change" in r.stdout


def test_whatif_totals_equal_the_sum_of_its_reps(sample_result):
    from salesops_xl.commissions.whatif import DEFAULTS, simulate

    sim = simulate(sample_result.inputs, sample_result, dict(DEFAULTS, Simulations="500"))
    by_ccy = sim.per_rep.groupby("Currency").MeanCost.sum()
    total = sim.summary[sim.summary.Metric == "Total cost"].set_index("Currency").Mean
    assert np.allclose(by_ccy.sort_index().to_numpy(), total.sort_index().to_numpy(), rtol=1e-9)
    assert (sim.summary.P10 <= sim.summary.P50).all() and (sim.summary.P50 <= sim.summary.P90).all()


def test_whatif_assumed_attainment_at_quota_on_a_flat_rate_costs_rate_times_quota():
    from salesops_xl.commissions.whatif import DEFAULTS, simulate

    src = workbook(measures=[measure()], tier_rows=tiers("T", (0, None, 0.05)), quota=10_000,
                   deals=[deal("D1", "A", 1, D(2026, 1, 3))])
    inp = load_inputs(src)
    res = compute(inp)
    sim = simulate(inp, res, dict(DEFAULTS, AttainmentSource="Assumed", MeanAttainment="1.0",
                                  StdDevAttainment="0", Simulations="10"))
    # 100% of a 120,000 year quota at 5% = 6,000 in every simulation
    row = sim.summary[sim.summary.Metric == "Total cost"].iloc[0]
    assert (row.Mean, row.P10, row.P90) == pytest.approx((6_000, 6_000, 6_000))
    cos = sim.summary[sim.summary.Metric == "Cost of sales"].iloc[0]
    assert cos.Mean == pytest.approx(0.05)


def test_whatif_compares_a_scenario_plan_on_the_same_deals(tmp_path: Path):
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.sheets import SheetSpec
    from salesops_xl.templates import table_block
    from salesops_xl.commissions import schema as S
    from salesops_xl.xlsx.writer import write_sheets

    wb = tmp_path / "w.xlsx"
    shutil.copy(TEMPLATE, wb)
    t = sample_tables()
    tiers_alt = t["Tiers"].copy()
    tiers_alt.loc[tiers_alt.TierTable == "AE-NB", "Rate"] *= 1.1  # AE new business rates +10%
    blk_m, _ = table_block(S.MEASURES, t["PlanMeasures"])
    blk_t, _ = table_block(S.TIERS, tiers_alt)
    from dataclasses import replace
    blk_m = replace(blk_m, name="ScenarioMeasures")
    blk_t = replace(blk_t, name="ScenarioTiers", anchor="R1")
    write_sheets(wb, wb, [SheetSpec(name="Scenario", tables=(blk_m, blk_t))])
    r = subprocess.run(CLI + ["whatif", str(wb)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "gain" in r.stdout
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    cmp = book.get_table_by_name("PlanComparison")
    frame = pd.DataFrame(cmp.to_python(), columns=cmp.columns)
    ae = set(sample_tables()["Roster"].query("PlanID == 'AE'").RepID)
    gains = set(frame[frame.Outcome == "gains"].RepID)
    assert gains and gains <= ae | {"M01", "M02", "M03", "M04", "M05", "V01"}
    assert set(frame[frame.Outcome == "loses"].RepID) == set()


def test_a_blank_text_cell_of_a_statement_is_none_under_every_pandas(sample_result):
    # a manager's team lines are rolled up without deal ids: those cells are blank (None), not NaN,
    # so the statement tables are the same objects under pandas 2 and 3 (pandas 3 fills a None column with NaN)
    from salesops_xl.commissions.statements import statement_sheets

    lines = statement_sheets(sample_result, "M01")[1].tables[0]
    deal_ids = lines.data["Deal"]
    assert any(v is None for v in deal_ids) and any(isinstance(v, str) for v in deal_ids)
    for c in lines.columns:
        v = lines.data[c.name]
        if v.dtype == object:
            assert not any(isinstance(x, float) for x in v), c.name


def _settings_rep(src, dest: Path, value) -> Path:
    """A copy of the sample workbook with Settings[StatementRep] set to ``value`` (through openpyxl, as a user edits);
    ``src`` is a path or a workbook openpyxl loaded."""
    import openpyxl

    wb = openpyxl.load_workbook(src) if isinstance(src, Path) else src
    ws = wb["Settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "StatementRep":
            row[1].value = value
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def sample_with_rep(tmp_path_factory):
    """``sample_with_rep(dest, value)``: a copy at ``dest`` of the sample workbook with Settings[StatementRep] =
    ``value``, edited through openpyxl once per value for the module (loading the 1 MB sample costs ~4 s, saving ~3 s)."""
    import openpyxl

    folder = tmp_path_factory.mktemp("statement-rep")
    made: dict = {}
    loaded: list = []

    def copy(dest: Path, value) -> Path:
        if value not in made:
            loaded[:] = loaded or [openpyxl.load_workbook(TEMPLATE)]
            made[value] = _settings_rep(loaded[0], folder / f"{len(made)}.xlsx", value)
        shutil.copyfile(made[value], dest)
        return dest

    return copy


@pytest.fixture(scope="module")
def r003_statement_written(tmp_path_factory, sample_with_rep) -> Path:
    """The sample with R003 chosen and its statement written by the button (commissions.statement), made once;
    the tests only read it."""
    first = sample_with_rep(tmp_path_factory.mktemp("r003") / "c.xlsx", "R003")
    r = subprocess.run(CLI + ["run", "commissions.statement", str(first)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return first


def test_rep_statement_script_writes_that_reps_statement_into_the_workbook(sample_result, r003_statement_written):
    wb = r003_statement_written  # R003 chosen, then its button (the script) run
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    assert {"Rep Statement", "Rep Statement Lines"} <= set(book.sheet_names)
    assert any(r[0] == "Rep" and "(R003)" in r[1] for r in book.get_sheet_by_name("Rep Statement").to_python())
    # its monthly totals are the Payout Summary's for R003, to the cent
    table = book.get_table_by_name("RepSummary")  # data rows (calamine leaves the header out)
    total = table.columns.index("Total")
    shown = {row[0]: round(row[total], 2) for row in table.to_python()}
    s = sample_result.summary
    mine = s[s.RepID == "R003"]
    assert shown == {**{m: t / 100 for m, t in zip(mine.PayMonth, mine.Total)}, "Year total": mine.Total.sum() / 100}
    table = book.get_table_by_name("RepLines")
    amount = table.columns.index("Amount")
    amounts = [row[amount] for row in table.to_python() if row[amount] != ""]  # month total rows: blank Amount
    assert round(sum(amounts), 2) == round(mine.Total.sum() / 100, 2)
    # the choice of rep is not an input of the payout run: recalc keeps its fingerprint and time
    before = XlsxSource(TEMPLATE)
    with before as a, XlsxSource(wb) as b:
        assert load_inputs(a).fingerprint == load_inputs(b).fingerprint


def _statement_of(path: Path) -> tuple[str, dict]:
    """The Rep Statement's title and its monthly totals (PayMonth -> Total)."""
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    rows = book.get_sheet_by_name("Rep Statement").to_python()
    title = next(r[1] for r in rows if r and r[0] == "Rep")  # the header block: "Name (RepID)"
    table = book.get_table_by_name("RepSummary")
    total = table.columns.index("Total")
    return title, {row[0]: round(row[total], 2) for row in table.to_python() if row[0] != "Year total"}


def test_recalc_refreshes_the_rep_statement_the_workbook_holds(tmp_path: Path, sample_result,
                                                              r003_statement_written):
    # R003's statement is written by its button; the analyst then picks R001 and recalculates:
    # the statement follows, and equals R001's Payout Summary to the cent.
    wb = _settings_rep(r003_statement_written, tmp_path / "d.xlsx", "R001")
    r = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    title, shown = _statement_of(wb)
    s = sample_result.summary
    mine = s[s.RepID == "R001"]
    assert "(R001)" in title and shown == {m: t / 100 for m, t in zip(mine.PayMonth, mine.Total)}
    once = wb.read_bytes()
    assert subprocess.run(CLI + ["recalc", "-q", str(wb)]).returncode == 0
    assert wb.read_bytes() == once  # refreshing the statement keeps recalc idempotent


def test_recalc_adds_no_statement_and_keeps_one_it_cannot_refresh_with_a_warning(tmp_path: Path,
                                                                                  r003_statement_written):
    import python_calamine as pc

    plain = tmp_path / "plain.xlsx"
    shutil.copy(TEMPLATE, plain)
    assert subprocess.run(CLI + ["recalc", "-q", str(plain)]).returncode == 0
    assert "Rep Statement" not in pc.CalamineWorkbook.from_path(str(plain)).sheet_names  # only on request
    first = r003_statement_written
    before = _statement_of(first)
    wb = _settings_rep(first, tmp_path / "d.xlsx", None)  # StatementRep blanked afterwards
    r = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Rep Statement sheets were not refreshed" in r.stdout + r.stderr and "Settings[StatementRep] is blank" in r.stderr
    assert _statement_of(wb) == before  # left as it was, not removed


@pytest.mark.parametrize("value,message", [("NOBODY", "StatementRep is unknown rep"), (None, "StatementRep is blank")])
def test_rep_statement_script_names_the_setting_when_the_rep_is_missing(tmp_path: Path, value, message,
                                                                       sample_with_rep):
    wb = sample_with_rep(tmp_path / "c.xlsx", value)
    before = wb.read_bytes()
    r = subprocess.run(CLI + ["run", "commissions.statement", str(wb)], capture_output=True, text=True)
    assert r.returncode == 1
    assert message in r.stderr and "sheet 'Settings'" in r.stderr and "a RepID of the Roster" in r.stderr
    assert wb.read_bytes() == before


def test_diff_when_only_one_workbook_has_an_optional_table(tmp_path: Path):
    """A table the new workbook no longer holds (here Leaves) is its rows removed, not a crash."""
    from salesops_xl.commissions.diff import diff
    from salesops_xl.xlsx.writer import write_sheets

    new = tmp_path / "new.xlsx"
    shutil.copy(TEMPLATE, new)
    write_sheets(new, new, [], remove=["Leaves"])
    batch.recalc(new)
    with XlsxSource(TEMPLATE) as o, XlsxSource(new) as n:
        assert "Leaves" in o.table_names() and "Leaves" not in n.table_names()
        report = diff(o, n)
    assert any("Leaves:" in c and "removed" in c for rc in report.changes for c in rc.causes)
