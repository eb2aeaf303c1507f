"""SXL_FORECAST_ETS against the spreadsheet's own FORECAST.ETS (LibreOffice's FORECAST.ETS.ADD), cell by cell.

One workbook holds native FORECAST.ETS, .SEASONALITY and .STAT formulas without cached values over a
dozen series (seasonal with trend, seasons of 4, 7 and 12, no season, noise, a negative level, a daily
timeline with gaps, duplicated dates summed); one soffice call recalculates it; our cell functions get
the same arguments. Goal (issue 16): a median within 1%; the algorithm being LibreOffice's where
Microsoft is silent (docs/forecast.md, section 8), every cell is asked to be within 1%.
Not compared: CONFINT (LibreOffice simulates it with random numbers), AVERAGE of same-date points and
monthly timelines with gaps (LibreOffice differs from Excel's documentation there; see the docs).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pytest
import python_calamine as pc
from openpyxl.utils import get_column_letter

from salesops_xl.addin import functions as F

D = dt.date


def _months(n, start=D(2019, 1, 1)):
    return [D(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(n)]


def _cases():
    rng = np.random.default_rng(16)
    t = np.arange(60.0)
    cases = []

    def add(name, y, timeline, targets, seasonality=None, aggregation=None):
        cases.append({"name": name, "y": [float(v) for v in y], "t": list(timeline), "targets": list(targets),
                      "seasonality": seasonality, "aggregation": aggregation})

    sales = 200 + 3 * t + 40 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 8, 60)
    add("monthly, trend and a yearly season", sales, _months(60), _months(14, D(2024, 1, 1)))
    add("the same, season forced to 12", sales, _months(60), _months(6, D(2024, 1, 1)), 12)
    add("the same, no season", sales, _months(60), _months(6, D(2024, 1, 1)), 0)
    q = 50 + np.tile([10.0, -5, 20, -25], 8) + 0.8 * np.arange(32) + rng.normal(0, 2, 32)
    add("quarters as months, season of 4", q, _months(32), _months(8, D(2021, 9, 1)))
    noisy = 120 + rng.normal(0, 15, 40)
    add("noise around a level", noisy, _months(40), _months(6, D(2022, 5, 1)))
    neg = -80 + 0.5 * np.arange(36) + 12 * np.cos(2 * np.pi * np.arange(36) / 12) + rng.normal(0, 2, 36)
    add("a negative level", neg, _months(36), _months(6, D(2022, 1, 1)))
    days = [D(2024, 3, 1) + dt.timedelta(days=k) for k in range(70)]
    weekly = 30 + 12 * np.isin(np.arange(70) % 7, (5, 6)) + 0.1 * np.arange(70) + rng.normal(0, 1.5, 70)
    add("daily, a weekly season", weekly, days, [days[-1] + dt.timedelta(days=k) for k in (1, 2, 3, 7, 10)])
    keep = [k for k in range(70) if k not in (12, 13, 40)]  # 3 days missing: completed by their neighbours' mean
    add("daily with gaps", weekly[keep], [days[k] for k in keep], [days[-1] + dt.timedelta(days=k) for k in (1, 5)])
    dup_t = list(range(1, 41)) + [5, 17, 30]
    dup_y = list(100 + 2 * np.arange(40) + rng.normal(0, 3, 40)) + [7.0, 9.0, 4.0]
    add("plain numbers, same-date points summed", dup_y, dup_t, [41, 42, 45.5], None, 7)
    add("plain numbers, same-date points, the largest", dup_y, dup_t, [41, 44], None, 4)
    add("half-way between two months", sales, _months(60), [D(2024, 1, 16), D(2024, 2, 10)])
    return cases


@pytest.mark.libreoffice
def test_sxl_forecast_ets_matches_the_spreadsheets_forecast_ets(tmp_path, libreoffice):
    cases = _cases()
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    out = wb.create_sheet("Out")
    for j, c in enumerate(cases):
        tc, vc = get_column_letter(2 * j + 1), get_column_letter(2 * j + 2)
        for r, (tv, yv) in enumerate(zip(c["t"], c["y"]), start=1):
            data.cell(row=r, column=2 * j + 1, value=tv)
            data.cell(row=r, column=2 * j + 2, value=yv)
        n = len(c["y"])
        rv, rt = f"Data!${vc}$1:${vc}${n}", f"Data!${tc}$1:${tc}${n}"
        extra = ",".join("" if a is None else str(a) for a in (c["seasonality"], None, c["aggregation"]))
        extra = "," + extra.rstrip(",") if extra.strip(",") else ""
        for k, target in enumerate(c["targets"]):
            tv = f"DATE({target.year},{target.month},{target.day})" if isinstance(target, D) else repr(target)
            out.cell(row=3 * j + 1, column=k + 1, value=f"=_xlfn.FORECAST.ETS({tv},{rv},{rt}{extra})")
        agg = "" if c["aggregation"] is None else f",,{c['aggregation']}"
        out.cell(row=3 * j + 2, column=1, value=f"=_xlfn.FORECAST.ETS.SEASONALITY({rv},{rt}{agg})")
        for s in range(1, 9):
            out.cell(row=3 * j + 3, column=s, value=f"=_xlfn.FORECAST.ETS.STAT({rv},{rt},{s}{extra})")
    src = tmp_path / "ets.xlsx"
    wb.save(src)
    (res,) = libreoffice([src], "xlsx")
    rows = pc.CalamineWorkbook.from_path(str(res)).get_sheet_by_name("Out").to_python()

    rel, report = [], []
    for j, c in enumerate(cases):
        vals, tl = [[v] for v in c["y"]], [[v] for v in c["t"]]
        ours = F.sxl_forecast_ets([[x] for x in c["targets"]], vals, tl, c["seasonality"], None, c["aggregation"])
        assert not isinstance(ours, str), (c["name"], ours)
        lo = rows[3 * j][: len(c["targets"])]
        for (o,), v in zip(ours, lo):
            assert isinstance(v, float), (c["name"], v)
            rel.append(abs(o - v) / max(abs(v), 1e-9))
            report.append((c["name"], o, v))
        stats = F.sxl_forecast_ets_stat(vals, tl, [list(range(1, 9))], c["seasonality"], None, c["aggregation"])[0]
        lo_stats = rows[3 * j + 2][:8]
        # alpha, beta, gamma (LibreOffice's STAT 2 is the trend's constant, 3 the season's, as Excel documents)
        # (with alpha 0 the level never moves, so the trend's constant changes nothing: the search then meets
        # errors equal but for rounding, and which it keeps is noise; the forecasts still agree)
        same = [0, 1, 2] if lo_stats[0] > 0 else [0, 2]
        assert [stats[i] for i in same] == pytest.approx([lo_stats[i] for i in same], abs=1e-9), c["name"]
        # MASE, SMAPE, MAE, RMSE, step
        assert stats[3:] == pytest.approx(lo_stats[3:8], rel=1e-6), c["name"]
        season = F.sxl_forecast_ets_seasonality(vals, tl, None, c["aggregation"])
        lo_season = rows[3 * j + 1][0]
        assert season == (lo_season if lo_season > 1 else 0), c["name"]  # no season: LibreOffice says 1, Excel 0
    rel = np.array(rel)
    assert np.median(rel) <= 0.01
    worst = [r for r, x in zip(report, rel) if x > 0.01]
    assert not worst, worst
