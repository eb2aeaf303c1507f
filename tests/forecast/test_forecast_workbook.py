"""The forecast template through the batch door: reproducible, idempotent, its numbers the engine's and the cell
function's, LibreOffice opens it and its native formulas (FORECAST.ETS included) compute; the extra commands."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import python_calamine as pc

from salesops_xl import batch
from salesops_xl.forecast import models as M
from salesops_xl.forecast.workflow import run_forecast
from salesops_xl.money import round_money
from salesops_xl.xlsx.reader import XlsxSource

TEMPLATE = Path(__file__).resolve().parents[2] / "workbooks" / "forecast.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    p = tmp_path / "forecast.xlsx"
    shutil.copy(TEMPLATE, p)
    return p


def table(path: Path, name: str) -> list[dict]:
    book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = book.get_table_by_name(name)
    return [dict(zip(t.columns, r)) for r in t.to_python()]


def test_template_is_reproducible_from_code(tmp_path: Path):
    from salesops_xl.forecast.template import build_forecast_template

    fresh = build_forecast_template(tmp_path / "forecast.xlsx")
    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == hashlib.sha256(TEMPLATE.read_bytes()).hexdigest(), \
        "workbooks/forecast.xlsx is out of date: run salesops-xl template forecast --force"


def test_cli_recalc_recognises_the_workbook_and_is_idempotent(wb: Path):
    before = wb.read_bytes()
    p = subprocess.run(CLI + ["recalc", "--amounts", str(wb)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "series forecast; 2026-Q4: 52.5% of quota closed; 2026-Q4: closed" in p.stdout
    assert "learned pipeline forecast" in p.stdout
    assert wb.read_bytes() == before  # the template already holds its outputs (same fingerprint: same time)
    subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True, check=True)
    assert wb.read_bytes() == before


def test_written_numbers_are_the_engine_numbers(wb: Path):
    with XlsxSource(wb) as src:
        run = run_forecast(src)
    gap = {r["ID"] + "/" + r["Level"]: r for r in table(wb, "GapAnalysis")}
    for _, r in run.tables["gap"].iterrows():
        w = gap[f"{r['ID']}/{r['Level']}"]
        assert w["Closed"] == pytest.approx(r["Closed"]) and w["Status"] == r["Status"]
    summary = {r["ID"] + "/" + r["Level"]: r for r in table(wb, "ForecastSummary")}
    for _, r in run.summary.iterrows():
        # money is written to the cent (docs/schema.md, "Numbers in the workbook")
        assert summary[f"{r['ID']}/{r['Level']}"]["NextMonth"] == round_money(r["NextMonth"])


def test_the_cell_function_gives_the_workbook_forecast(wb: Path):
    """SXL_FORECAST_ETS on the company's monthly bookings, with their dates and the workbook's method, returns the
    Forecast sheet's numbers: one engine behind both doors."""
    from salesops_xl.addin import functions as F

    comp = table(wb, "CompanyForecast")
    hist = [r for r in comp if isinstance(r["Actual"], float)]
    future = [r for r in comp if not isinstance(r["Actual"], float)]
    dates = [dt.date(int(r["Month"][:4]), int(r["Month"][5:]), 1) for r in hist]
    targets = [[dt.date(int(r["Month"][:4]), int(r["Month"][5:]), 1)] for r in future]
    values = [[r["Actual"]] for r in hist]
    ours = F.sxl_forecast_ets(targets, values, [[d] for d in dates], None, None, None, "Combo")
    # the cell function returns the engine's float, the workbook holds it to the cent
    assert [round_money(r[0]) for r in ours] == [r["Forecast"] for r in future]
    # FORECAST.ETS.SEASONALITY follows Excel's rule (the season whose month-to-month changes repeat best,
    # docs/forecast.md section 8): two years here; the workbook's own models use 12 months
    assert F.sxl_forecast_ets_seasonality(values, [[d] for d in dates]) == 24
    summary = {r["ID"]: r for r in table(wb, "ForecastSummary")}
    assert summary["Company"]["Seasonality"] == "multiplicative"
    half = F.sxl_forecast_ets_confint(targets[0][0], values, [[d] for d in dates], 0.8, None, None, None, "Combo")
    assert half == pytest.approx((future[0]["Upper"] - future[0]["Lower"]) / 2, abs=0.005)  # Upper, Lower to the cent


def test_invalid_input_writes_nothing_and_exits_1(wb: Path, tmp_path: Path):
    from salesops_xl.forecast import schema as S
    from salesops_xl.forecast.sample import sample_tables
    from salesops_xl.templates import table_block
    from salesops_xl.sheets import SheetSpec
    from salesops_xl.xlsx.writer import write_sheets

    tables = sample_tables()
    tables["Opportunities"].loc[4, "RepID"] = "NOBODY"
    tables["Opportunities"].loc[6, "Stage"] = "Maybe"
    block, vals = table_block(S.OPPORTUNITIES, tables["Opportunities"])
    write_sheets(wb, wb, [SheetSpec(name="Opportunities", tables=(block,), freeze="A2", validations=tuple(vals))])
    before = wb.read_bytes()
    p = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "forecast.xlsx, sheet 'Opportunities', table Opportunities: row 6, column RepID, cell B6: unknown rep; " \
           "found \"NOBODY\"" in p.stderr
    assert "row 8, column Stage, cell G8: unknown stage" in p.stderr and "nothing was written" in p.stderr
    assert wb.read_bytes() == before


def test_forecast_series_command_forecasts_a_csv(tmp_path: Path):
    rng = np.random.default_rng(4)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    series = {"north": 100 + np.arange(30) * 2.0 + rng.normal(0, 3, 30), "south": 50 + rng.normal(0, 2, 24)}
    with src.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series", "date", "value"])
        for sid, ys in series.items():
            for k, y in enumerate(ys):
                w.writerow([sid, f"{2023 + k // 12}-{k % 12 + 1:02d}-15", f"{y:.6f}"])
            if sid == "north":  # a second row of the same month is added in (sum)
                w.writerow([sid, "2023-01-20", "5"])
    p = subprocess.run(CLI + ["forecast", "series", str(src), "-o", str(out), "-H", "6", "-m", "Combo", "-m", "ETS"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "2 series, 24 rows" in p.stdout
    rows = list(csv.DictReader(out.open()))
    assert [r["period"] for r in rows if r["series"] == "north" and r["method"] == "Combo"][:2] == ["2025-07",
                                                                                                    "2025-08"]
    north = series["north"].round(6)
    north[0] += 5
    expect = M.forecast([north, series["south"].round(6)], 6, 12, methods=("Combo",), levels=(0.95,))
    got = [float(r["forecast"]) for r in rows if r["series"] == "north" and r["method"] == "Combo"]
    assert got == pytest.approx(expect.methods["Combo"].mean[0], rel=1e-8)
    bad = tmp_path / "bad.csv"
    bad.write_text("series,date,value\na,2024-01-01,10\na,someday,12\n")
    p = subprocess.run(CLI + ["forecast", "series", str(bad)], capture_output=True, text=True)
    assert p.returncode == 1 and "row 3, column date: not a date; found \"someday\"" in p.stderr


def test_backtest_command_and_schema(wb: Path):
    p = subprocess.run(CLI + ["forecast", "backtest", str(wb), "--origins", "2"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "best per level: Company" in p.stdout and "SeasonalNaive" in p.stdout
    s = subprocess.run(CLI + ["schema", "--kind", "forecast"], capture_output=True, text=True)
    for t in ("ForecastSettings", "SalesTeam", "PipelineStages", "Opportunities", "RepQuotas"):
        assert f"Table {t} " in s.stdout


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook_and_computes_its_checks(wb: Path, libreoffice):
    (out,) = libreoffice([wb], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out))
    checks = {r[0]: r[1] for r in book.get_sheet_by_name("Checks").to_python() if r and r[0]}
    with XlsxSource(wb) as src:
        run = run_forecast(src)
    g = run.tables["gap"]
    comp = g[g["Level"] == "Company"].iloc[0]
    # these formulas have no cached value in our file: LibreOffice computed them
    assert checks["Company forecast of the next month (salesops-xl, Forecast sheet)"] == pytest.approx(
        float(run.summary[run.summary["Level"] == "Company"]["NextMonth"].iloc[0]))
    assert checks["Company quota of the gap period"] == pytest.approx(comp["Quota"])
    assert checks["Gap recomputed: MAX(quota - closed, 0) minus GapAnalysis[Gap] (must be 0)"] == 0
    assert checks["Closed of the reps minus closed of the company (must be 0)"] == 0
    assert checks["Coverage recomputed: OpenInPeriod / Gap"] == pytest.approx(comp["Coverage"])
    assert checks["Months of company history"] == int(run.series.n[0])
    # the spreadsheet's own FORECAST.ETS of the same month: a number of the same magnitude as ours
    ets = checks["FORECAST.ETS of the same month (the spreadsheet's own, season 12)"]
    assert isinstance(ets, float) and 0.5 < ets / checks["Company forecast of the next month (salesops-xl, Forecast sheet)"] < 2
    assert checks["FORECAST.ETS.CONFINT at 80% (the spreadsheet's own)"] > 0
    # and it reads our output tables back as we wrote them
    assert len(book.get_sheet_by_name("Gap Analysis").to_python()) > len(g)


@pytest.mark.slow  # the real workbook round trip of the snapshot command: a snapshot and two recalcs of the template
def test_snapshot_command_appends_history_and_the_new_sheets_tie_out(wb: Path):
    """forecast snapshot: one more day in CallHistory and PipelineHistory, other sheets kept, recalc twice = same
    bytes; the written calls, movements and accuracy are the engine's."""
    days = {r["SnapshotDate"] for r in table(wb, "CallHistory")}
    opps = table(wb, "Opportunities")
    p = subprocess.run(CLI + ["forecast", "snapshot", str(wb), "--date", "2026-11-27"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "after AsOfDate" in p.stderr
    hist = table(wb, "PipelineHistory")
    assert len({r["SnapshotDate"] for r in table(wb, "CallHistory")}) == len(days) + 1
    assert max(r["SnapshotDate"] for r in hist) == dt.date(2026, 11, 27)
    assert table(wb, "Opportunities") == opps  # inputs untouched
    # Pipeline Changes now compares 2026-11-20 with 2026-11-27: the export did not change, nothing moved
    summary = {r["Movement"]: r for r in table(wb, "PipelineMovementSummary")}
    assert sum(r["Change"] for k, r in summary.items() if not k.startswith("Open")) == 0
    batch.recalc(wb)
    twice = wb.read_bytes()
    batch.recalc(wb)
    assert wb.read_bytes() == twice
    with XlsxSource(wb) as src:
        run = run_forecast(src)
    calls = {r["ID"]: r for r in table(wb, "ForecastCalls")}
    for rid, number in zip(run.calls["ID"], run.calls["CommitCall"]):
        assert calls[rid]["CommitCall"] == pytest.approx(number) if number == number else calls[rid]["CommitCall"] in (None, "")
    acc = table(wb, "ForecastAccuracy")
    assert len(acc) == len(run.accuracy.summary) and {r["Measure"] for r in acc} >= {"Commit call", "Weighted"}
