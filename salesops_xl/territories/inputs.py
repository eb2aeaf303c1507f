"""Read and check the alignment tables (TerritoryUnits, TerritoryReps, UnitLocks, UnitAdjacency, Regions,
AlignSettings). Every problem is collected with its location; only clean inputs reach the optimiser."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..tables import Table, read_table
from . import schema as S
from .align import AlignProblem
from .common import fingerprint, parse_fraction, parse_number, read_settings
from .geo import builtin_region

MEASURES = ("Potential", "Workload")


@dataclass(frozen=True)
class AlignSettings:
    balance_on: tuple[str, ...]  # subset of MEASURES, in that order
    tolerance: float
    disruption_km: float
    centres: str  # "Home" or "Optimised"
    contiguity: bool


@dataclass
class AlignInputs:
    """Validated inputs of one alignment."""

    workbook: str
    settings: AlignSettings
    units: pd.DataFrame  # UnitID, Name, Latitude, Longitude (resolved), Potential, Workload, CurrentOwner
    reps: pd.DataFrame  # RepID, RepName, HomeLatitude, HomeLongitude (resolved, NaN: none), Capacity
    current: np.ndarray  # (N,) rep index or -1
    locked: np.ndarray  # (N,) rep index or -1
    edges: np.ndarray  # (E, 2) unit index pairs (empty without adjacency)
    fingerprint: str
    warnings: list[str] = field(default_factory=list)

    def problem(self) -> AlignProblem:
        u = self.units
        measures = np.stack([u[m].to_numpy(np.float64) for m in self.settings.balance_on], axis=1) \
            if self.settings.balance_on else np.zeros((len(u), 0))
        use_edges = self.settings.contiguity and len(self.edges) > 0
        return AlignProblem(
            lat=u["Latitude"].to_numpy(np.float64), lon=u["Longitude"].to_numpy(np.float64),
            weight=u["Workload"].to_numpy(np.float64), measures=measures, measure_names=self.settings.balance_on,
            current=self.current, locked=self.locked, capacity=self.reps["Capacity"].to_numpy(np.float64),
            home_lat=self.reps["HomeLatitude"].to_numpy(np.float64),
            home_lon=self.reps["HomeLongitude"].to_numpy(np.float64),
            tolerance=self.settings.tolerance, disruption_km=self.settings.disruption_km,
            optimise_centres=self.settings.centres == "Optimised", edges=self.edges if use_edges else None,
        )


def present(source) -> bool:
    """Does the workbook hold the alignment half (either of its main tables)?"""
    return source.read(S.UNITS.name) is not None or source.read(S.REPS.name) is not None


def load_alignment(source, problems: ProblemCollector) -> AlignInputs | None:
    """Read and cross-check the alignment tables, adding every problem to ``problems``."""
    tables: dict[str, Table] = {}
    for sch in S.ALIGN_TABLES:
        t = read_table(source.read(sch.name), sch, problems)
        if t is not None:
            tables[sch.name] = t
    settings = _settings(tables.get(S.ALIGN_SETTINGS.name), problems)
    regions = _regions(tables.get(S.REGIONS.name))
    units_t, reps_t = tables.get(S.UNITS.name), tables.get(S.REPS.name)
    if units_t is None or reps_t is None:
        return None
    units = units_t.frame.copy()
    reps = reps_t.frame.copy()
    if "Name" not in units:
        units["Name"] = None
    _locations(units_t, units, "Latitude", "Longitude", "Region", regions, problems, required=True)
    _locations(reps_t, reps, "HomeLatitude", "HomeLongitude", "HomeRegion", regions, problems, required=False)
    rep_index = {r: i for i, r in enumerate(reps["RepID"]) if r is not None}
    current = _rep_refs(units_t, "CurrentOwner", rep_index, problems, blank_ok=True)
    cap = reps["Capacity"].to_numpy(np.float64)
    if len(reps) and np.nansum(cap) <= 0 and not np.isnan(cap).any():
        problems.add(reps_t.problem(0, "Capacity", "every rep has capacity 0", value=0.0,
                                    expected="at least one rep with a Capacity above 0"))
    locked = _locks(tables.get(S.LOCKS.name), units, rep_index, problems)
    edges = _edges(tables.get(S.ADJACENCY.name), units, problems)
    warnings: list[str] = []
    if settings is not None and len(units):
        keep = []
        for m in settings.balance_on:
            total = float(np.nansum(units[m].to_numpy(np.float64)))
            if total > 0:
                keep.append(m)
            else:
                warnings.append(f"every unit's {m} is 0: {m} is not balanced")
        settings = AlignSettings(tuple(keep), settings.tolerance, settings.disruption_km, settings.centres,
                                 settings.contiguity)
    if problems:
        return None
    frames = {name: t.frame for name, t in tables.items()}
    return AlignInputs(workbook=source.workbook, settings=settings, units=units, reps=reps, current=current,
                       locked=locked, edges=edges, fingerprint=fingerprint(frames), warnings=warnings)


# -- pieces -------------------------------------------------------------------------------------------

def _settings(tbl: Table | None, problems: ProblemCollector) -> AlignSettings | None:
    raw = read_settings(tbl, S.ALIGN_SETTING_NAMES, problems)
    ok = True

    def bad(name, message, expected):
        nonlocal ok
        ok = False
        text, row = raw[name]
        problems.add(tbl.problem(row, "Value", message, value=text, expected=expected))

    text = raw["BalanceOn"][0].strip().lower()
    balance = {"potential": ("Potential",), "workload": ("Workload",), "both": ("Potential", "Workload"),
               "potential and workload": ("Potential", "Workload"), "none": ()}.get(text)
    if balance is None:
        bad("BalanceOn", "unknown BalanceOn", "Potential, Workload or Both")
        balance = ("Potential",)
    tol = parse_fraction(raw["Tolerance"][0])
    if tol is None or not (0 < tol < 1):
        bad("Tolerance", "not a tolerance", "a percentage above 0% and below 100%, e.g. 5%")
        tol = 0.05
    dis = parse_number(raw["DisruptionWeight"][0])
    if dis is None or dis < 0 or not np.isfinite(dis):
        bad("DisruptionWeight", "not a distance", "a number of kilometres of 0 or more")
        dis = 0.0
    centres = {"home": "Home", "homes": "Home", "optimised": "Optimised", "optimized": "Optimised",
               "optimise": "Optimised", "optimize": "Optimised"}.get(raw["Centres"][0].strip().lower())
    if centres is None:
        bad("Centres", "unknown Centres", "Home or Optimised")
        centres = "Home"
    contig = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
        raw["Contiguity"][0].strip().lower())
    if contig is None:
        bad("Contiguity", "not Yes or No", "Yes or No")
        contig = True
    return AlignSettings(balance, float(tol), float(dis), centres, contig) if ok else None


def _regions(tbl: Table | None) -> dict[str, tuple[float, float]]:
    if tbl is None:
        return {}
    f = tbl.frame
    return {str(r).strip().lower(): (float(a), float(b)) for r, a, b in zip(f["Region"], f["Latitude"], f["Longitude"])
            if r is not None and not np.isnan(a) and not np.isnan(b)}


def _locations(tbl: Table, frame: pd.DataFrame, lat_col: str, lon_col: str, region_col: str,
               regions: dict[str, tuple[float, float]], problems: ProblemCollector, *, required: bool) -> None:
    """Fill blank coordinates from the region code (Regions table first, then US states), in place."""
    lat = frame[lat_col].to_numpy(np.float64).copy()
    lon = frame[lon_col].to_numpy(np.float64).copy()
    reg = frame[region_col].to_numpy(object) if region_col in frame else np.full(len(frame), None, dtype=object)
    raw_lat = np.asarray(tbl.raw.data.get(lat_col, [None] * len(frame)), dtype=object)
    raw_lon = np.asarray(tbl.raw.data.get(lon_col, [None] * len(frame)), dtype=object)
    was_blank_lat = np.array([v is None or (isinstance(v, str) and v.strip() == "") for v in raw_lat], dtype=bool) \
        if len(frame) else np.zeros(0, dtype=bool)
    was_blank_lon = np.array([v is None or (isinstance(v, str) and v.strip() == "") for v in raw_lon], dtype=bool) \
        if len(frame) else np.zeros(0, dtype=bool)
    one_only = was_blank_lat ^ was_blank_lon
    for i in np.flatnonzero(one_only):
        col = lon_col if was_blank_lon[i] else lat_col
        problems.add(tbl.problem(int(i), col, "a location needs both a latitude and a longitude", value=None,
                                 show_value=False, expected=f"{lat_col} and {lon_col} both given, or both blank"))
    need = was_blank_lat & was_blank_lon
    codes = {}
    for i in np.flatnonzero(need):
        code = reg[i]
        if code is None:
            if required:
                problems.add(tbl.problem(int(i), lat_col, "no location", value=None, show_value=False,
                                         expected=f"{lat_col} and {lon_col}, or a {region_col} code"))
            continue
        key = str(code).strip()
        if key not in codes:
            codes[key] = regions.get(key.lower()) or builtin_region(key)
        loc = codes[key]
        if loc is None:
            problems.add(tbl.problem(int(i), region_col, "unknown region code", value=code,
                                     expected="a Region of the Regions table or a US state code (CO, US-CO)"))
            continue
        lat[i], lon[i] = loc
    frame[lat_col] = lat
    frame[lon_col] = lon


def _rep_refs(tbl: Table, column: str, rep_index: dict[str, int], problems: ProblemCollector,
              *, blank_ok: bool) -> np.ndarray:
    vals = tbl.frame[column].to_numpy(object)
    out = np.full(len(vals), -1, dtype=np.intp)
    codes, uniq = pd.factorize(pd.Series(vals, dtype=object))
    look = np.array([rep_index.get(u, -1) for u in uniq], dtype=np.intp)
    out[codes >= 0] = look[codes[codes >= 0]]
    for i in np.flatnonzero((codes >= 0) & (out < 0)):
        problems.add(tbl.problem(int(i), column, "unknown rep", value=vals[i],
                                 expected="a RepID listed in TerritoryReps" + (", or blank" if blank_ok else "")))
    return out


def _locks(tbl: Table | None, units: pd.DataFrame, rep_index: dict[str, int],
           problems: ProblemCollector) -> np.ndarray:
    locked = np.full(len(units), -1, dtype=np.intp)
    if tbl is None or not len(tbl.frame):
        return locked
    f = tbl.frame
    unit_index = {u: i for i, u in enumerate(units["UnitID"]) if u is not None}
    first_row: dict[int, int] = {}
    for i, (u, r) in enumerate(zip(f["UnitID"], f["RepID"])):  # a loop over lock rows (a short list)
        ok = True
        if u is not None and u not in unit_index:
            problems.add(tbl.problem(i, "UnitID", "unknown unit", value=u, expected="a UnitID listed in TerritoryUnits"))
            ok = False
        if r is not None and r not in rep_index:
            problems.add(tbl.problem(i, "RepID", "unknown rep", value=r, expected="a RepID listed in TerritoryReps"))
            ok = False
        if not ok or u is None or r is None:
            continue
        k, t = unit_index[u], rep_index[r]
        if locked[k] >= 0 and locked[k] != t:
            problems.add(tbl.problem(i, "RepID", f"unit {u} is locked to two reps", value=r,
                                     expected=f"one rep per unit (row {tbl.raw.excel_row(first_row[k])} locks it "
                                              f"to {f['RepID'].iloc[first_row[k]]})"))
            continue
        if locked[k] < 0:
            first_row[k] = i
        locked[k] = t
    return locked


def _edges(tbl: Table | None, units: pd.DataFrame, problems: ProblemCollector) -> np.ndarray:
    if tbl is None or not len(tbl.frame):
        return np.zeros((0, 2), dtype=np.int64)
    f = tbl.frame
    ids = units["UnitID"]
    first = ~ids.duplicated(keep="first") & ids.notna()
    lookup = pd.Series(np.flatnonzero(first.to_numpy()), index=ids[first].to_numpy())
    a = f["UnitID"].map(lookup).fillna(-1).to_numpy(np.intp)
    b = f["NeighbourID"].map(lookup).fillna(-1).to_numpy(np.intp)
    for col, idx in (("UnitID", a), ("NeighbourID", b)):
        vals = f[col].to_numpy(object)
        for i in np.flatnonzero((idx < 0) & pd.notna(vals)):
            problems.add(tbl.problem(int(i), col, "unknown unit", value=vals[i],
                                     expected="a UnitID listed in TerritoryUnits"))
    same = (a == b) & (a >= 0)
    for i in np.flatnonzero(same):
        problems.add(tbl.problem(int(i), "NeighbourID", "a unit listed as its own neighbour",
                                 value=f["NeighbourID"].iloc[i], expected="another unit"))
    ok = (a >= 0) & (b >= 0) & ~same
    e = np.sort(np.stack([a[ok], b[ok]], axis=1), axis=1)
    return np.unique(e, axis=0) if len(e) else np.zeros((0, 2), dtype=np.int64)
