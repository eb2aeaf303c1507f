"""From validated alignment inputs to result tables: run the optimiser, measure before and after."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .inputs import MEASURES, AlignInputs
from .optimiser import (
    DEFAULT_TIME_LIMIT,
    AlignProblem,
    AlignSolution,
    centre_distance,
    initial_centres,
    solve,
)

#: A blank (None) as an object array, for np.where (numpy's typed signature takes no bare None).
_BLANK = np.array(None, dtype=object)


@dataclass
class AlignmentResult:
    """Everything the alignment sheets show. Rows of ``units`` follow TerritoryUnits."""

    inputs: AlignInputs
    solution: AlignSolution
    units: pd.DataFrame
    territories: pd.DataFrame
    comparison: pd.DataFrame
    metrics: pd.DataFrame
    moved: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _per_territory(assign: np.ndarray, values: np.ndarray, T: int) -> np.ndarray:
    ok = assign >= 0
    return np.bincount(assign[ok], weights=values[ok], minlength=T)


def _deviation(load: np.ndarray, target: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(target > 0, load / np.where(target > 0, target, 1.0) - 1.0, np.nan)


def _measure(inp: AlignInputs, prob: AlignProblem, assign: np.ndarray, clat, clon, cunit) -> dict:
    """Per-territory figures of an assignment (units with -1 are unassigned)."""
    u, r = inp.units, inp.reps
    T = len(r)
    cap = r["Capacity"].to_numpy(np.float64)
    share = cap / cap.sum() if cap.sum() > 0 else np.zeros(T)
    out: dict[str, Any] = {"Units": np.bincount(assign[assign >= 0], minlength=T).astype(np.int64)}
    for m in MEASURES:
        v = u[m].to_numpy(np.float64)
        load = _per_territory(assign, v, T)
        target = v.sum() * share
        out[m] = load
        out[f"{m}Target"] = target
        out[f"{m}Deviation"] = _deviation(load, target)
    ok = assign >= 0
    d = np.full(len(assign), np.nan)
    if ok.any():  # the distances the optimiser used: Distances rows, else great-circle km (docs §2)
        rows = np.flatnonzero(ok)
        d[rows] = centre_distance(prob, clat, clon, cunit, units=rows)[np.arange(len(rows)), assign[rows]]
    w = u["Workload"].to_numpy(np.float64)
    wd = _per_territory(assign, np.where(ok, w * np.nan_to_num(d), 0.0), T)
    ws = _per_territory(assign, w, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["AvgDistanceKm"] = np.where(ws > 0, wd / np.where(ws > 0, ws, 1.0), np.nan)
    out["distance"] = d
    out["compactness"] = float(np.nansum(w * np.where(ok, d, 0.0)))
    out["weight"] = float(w[ok].sum())
    return out


def compute_alignment(inp: AlignInputs, *, problem: AlignProblem | None = None,
                      time_limit: float | None = None) -> AlignmentResult:
    """Solve the alignment (within ``time_limit`` seconds, else AlignSettings[TimeLimit]) and build its tables."""
    prob = problem or inp.problem()
    limit = time_limit if time_limit is not None else getattr(inp.settings, "time_limit", DEFAULT_TIME_LIMIT)
    sol = solve(prob, time_limit=limit)
    u, r = inp.units, inp.reps
    N, T = len(u), len(r)
    rep_ids = r["RepID"].to_numpy(object)
    assign = sol.assign
    cur = inp.current
    after = _measure(inp, prob, assign, sol.centre_lat, sol.centre_lon, sol.centre_unit)
    blat, blon, bunit, _ = initial_centres(prob)
    before = _measure(inp, prob, cur, blat, blon, bunit)
    moved = (cur >= 0) & (assign != cur)
    newly = cur < 0
    pot = u["Potential"].to_numpy(np.float64)
    work = u["Workload"].to_numpy(np.float64)
    locked = inp.locked >= 0
    tol = inp.settings.tolerance
    balanced = inp.settings.balance_on
    units = pd.DataFrame({
        "UnitID": u["UnitID"].to_numpy(object), "Name": u["Name"].to_numpy(object),
        "Latitude": u["Latitude"].to_numpy(np.float64), "Longitude": u["Longitude"].to_numpy(np.float64),
        "Potential": pot, "Workload": work,
        "CurrentOwner": np.where(cur >= 0, rep_ids[np.maximum(cur, 0)] if T else _BLANK, _BLANK).astype(object),
        "NewOwner": rep_ids[assign] if T else np.zeros(0, object),
        "Change": np.where(moved, "Moved", np.where(newly, "New", "Kept")).astype(object),
        "Locked": np.where(locked, "Yes", "").astype(object),
        "DistanceKm": after["distance"], "DistanceBeforeKm": before["distance"],
    })
    moved_in_n = np.bincount(assign[moved], minlength=T)
    moved_in_p = np.bincount(assign[moved], weights=pot[moved], minlength=T)
    moved_out_n = np.bincount(cur[moved], minlength=T)
    moved_out_p = np.bincount(cur[moved], weights=pot[moved], minlength=T)
    within = np.ones(T, dtype=bool)
    active = r["Capacity"].to_numpy(np.float64) > 0
    for m in balanced:
        dev = after[f"{m}Deviation"]
        within &= ~active | (np.abs(np.nan_to_num(dev)) <= tol + 1e-9)
    contig = sol.contiguous
    territories = pd.DataFrame({
        "RepID": rep_ids, "RepName": r["RepName"].to_numpy(object), "Capacity": r["Capacity"].to_numpy(np.float64),
        "Units": after["Units"],
        "Potential": after["Potential"], "PotentialTarget": after["PotentialTarget"],
        "PotentialDeviation": after["PotentialDeviation"],
        "Workload": after["Workload"], "WorkloadTarget": after["WorkloadTarget"],
        "WorkloadDeviation": after["WorkloadDeviation"],
        "WithinTolerance": np.where(within, "Yes", "No").astype(object),
        "AvgDistanceKm": after["AvgDistanceKm"],
        "CentreLatitude": sol.centre_lat, "CentreLongitude": sol.centre_lon,
        "Centre": np.where(sol.centre_unit >= 0, u["UnitID"].to_numpy(object)[np.maximum(sol.centre_unit, 0)]
                           if N else _BLANK, "Home").astype(object),
        "UnitsMovedIn": moved_in_n, "PotentialMovedIn": moved_in_p,
        "UnitsMovedOut": moved_out_n, "PotentialMovedOut": moved_out_p,
        "Contiguous": (np.where(contig, "Yes", "No") if contig is not None else np.full(T, "n/a")).astype(object),
    })
    comparison = pd.DataFrame({
        "RepID": rep_ids,
        "UnitsBefore": before["Units"], "UnitsAfter": after["Units"],
        "PotentialBefore": before["Potential"], "PotentialAfter": after["Potential"],
        "PotentialDevBefore": before["PotentialDeviation"], "PotentialDevAfter": after["PotentialDeviation"],
        "WorkloadBefore": before["Workload"], "WorkloadAfter": after["Workload"],
        "WorkloadDevBefore": before["WorkloadDeviation"], "WorkloadDevAfter": after["WorkloadDeviation"],
        "AvgDistanceBefore": before["AvgDistanceKm"], "AvgDistanceAfter": after["AvgDistanceKm"],
    })
    mv = np.flatnonzero(moved)
    moved_df = pd.DataFrame({
        "UnitID": u["UnitID"].to_numpy(object)[mv], "Name": u["Name"].to_numpy(object)[mv],
        "From": rep_ids[cur[mv]] if len(mv) else np.zeros(0, object),
        "To": rep_ids[assign[mv]] if len(mv) else np.zeros(0, object),
        "Potential": pot[mv], "Workload": work[mv],
    })
    metrics = _metrics(inp, sol, before, after, moved, cur, active)
    return AlignmentResult(inputs=inp, solution=sol, units=units, territories=territories, comparison=comparison,
                           metrics=metrics, moved=moved_df, warnings=list(inp.warnings) + list(sol.warnings))


def _maxabs(x: np.ndarray, mask: np.ndarray) -> float:
    v = np.abs(x[mask & ~np.isnan(x)])
    return float(v.max()) if len(v) else np.nan


def _metrics(inp: AlignInputs, sol: AlignSolution, before: dict, after: dict, moved, cur, active) -> pd.DataFrame:
    pot = inp.units["Potential"].to_numpy(np.float64)
    w = inp.units["Workload"].to_numpy(np.float64)
    tol = inp.settings.tolerance
    T = len(inp.reps)

    def within(res):
        ok = np.ones(T, dtype=bool)
        for m in inp.settings.balance_on:
            ok &= ~active | (np.abs(np.nan_to_num(res[f"{m}Deviation"], nan=np.inf)) <= tol + 1e-9)
        return float(ok.sum())

    rows = [
        ("Units assigned", float((cur >= 0).sum()), float(len(cur)), "int"),
        ("Largest potential deviation from target", _maxabs(before["PotentialDeviation"], active),
         _maxabs(after["PotentialDeviation"], active), "percent"),
        ("Largest workload deviation from target", _maxabs(before["WorkloadDeviation"], active),
         _maxabs(after["WorkloadDeviation"], active), "percent"),
        (f"Territories within the {tol:.1%} tolerance", within(before), within(after), "int"),
        ("Mean distance to the territory centre (km, workload-weighted)",
         before["compactness"] / before["weight"] if before["weight"] > 0 else np.nan,
         after["compactness"] / after["weight"] if after["weight"] > 0 else np.nan, "number"),
        ("Objective: distance cost (km x workload)", before["compactness"], sol.compactness, "number"),
        ("Objective: disruption cost (km x workload)", 0.0, sol.disruption, "number"),
        ("Objective: total", before["compactness"], sol.objective, "number"),
        ("Proven lower bound of the objective", np.nan, np.nan if sol.lower_bound is None else sol.lower_bound,
         "number"),
        ("Gap to the proven lower bound", np.nan, np.nan if sol.gap is None else sol.gap, "percent"),
        ("Units moved", 0.0, float(moved.sum()), "int"),
        ("Potential moved", 0.0, float(pot[moved].sum()), "number"),
        ("Share of potential moved", 0.0, float(pot[moved].sum() / pot.sum()) if pot.sum() > 0 else 0.0,
         "percent"),
        ("Workload moved", 0.0, float(w[moved].sum()), "number"),
    ]
    return pd.DataFrame(rows, columns=["Metric", "Before", "After", "Kind"])
