"""Read and check the alignment tables (TerritoryUnits, TerritoryReps, UnitLocks, UnitAdjacency, Regions,
AlignSettings). Every problem is collected with its location; only clean inputs reach the optimiser."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..tables import Table, fingerprint, read_table
from . import schema as S
from .geo import builtin_region
from .optimiser import AlignProblem, PairDistances

MEASURES = ("Potential", "Workload")


@dataclass(frozen=True)
class AlignSettings:
    balance_on: tuple[str, ...]  # subset of MEASURES, in that order
    tolerance: float
    disruption_km: float
    centres: str  # "Home" or "Optimised"
    contiguity: bool
    time_limit: float = 5.0  # seconds (TimeLimit)
    missing_distance: str = "error"  # "error" or "great-circle" (MissingDistance)


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
    home_distance: np.ndarray | None = None  # (N, T) from the Distances table, NaN: no row
    unit_distance: PairDistances | None = None
    distance_rows: int = 0

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
            home_distance=self.home_distance, unit_distance=self.unit_distance,
            missing_distance=self.settings.missing_distance,
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
    dist_t = tables.get(S.DISTANCES.name)
    home_d, unit_d = _distances(dist_t, units, rep_index, problems)
    if settings is not None and (home_d is not None or unit_d is not None) and settings.missing_distance == "error":
        assert dist_t is not None  # distances come only from a Distances table
        _distance_coverage(dist_t, units, reps, home_d, unit_d, settings, problems)
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
                                 settings.contiguity, settings.time_limit, settings.missing_distance)
    if problems:
        return None
    assert settings is not None  # _settings gives None only after reporting a problem
    frames = {name: t.frame for name, t in tables.items()}
    return AlignInputs(workbook=source.workbook, settings=settings, units=units, reps=reps, current=current,
                       locked=locked, edges=edges, fingerprint=fingerprint(frames), warnings=warnings,
                       home_distance=home_d, unit_distance=unit_d,
                       distance_rows=0 if dist_t is None else len(dist_t.frame))


# -- pieces -------------------------------------------------------------------------------------------

def _settings(tbl: Table | None, problems: ProblemCollector) -> AlignSettings | None:
    raw = read_settings(tbl, S.ALIGN_SETTING_NAMES, problems)
    ok = True

    def bad(name, message, expected):
        nonlocal ok
        ok = False
        text, row = raw[name]
        assert tbl is not None  # the defaults are valid: only a value read from the table can be bad
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
    limit = parse_number(raw["TimeLimit"][0])
    if limit is None or not (limit > 0) or not np.isfinite(limit):
        bad("TimeLimit", "not a time limit", "a number of seconds above 0, e.g. 5")
        limit = 5.0
    missing = {"error": "error", "greatcircle": "great-circle", "great-circle": "great-circle",
               "great circle": "great-circle"}.get(raw["MissingDistance"][0].strip().lower())
    if missing is None:
        bad("MissingDistance", "unknown MissingDistance", "Error or GreatCircle")
        missing = "error"
    return AlignSettings(balance, float(tol), float(dis), centres, contig, float(limit), missing) if ok else None


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
                                     expected=f"one rep per unit ({tbl.raw.row_ref(first_row[k])} locks it "
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


def _distances(tbl: Table | None, units: pd.DataFrame, rep_index: dict[str, int], problems: ProblemCollector
               ) -> tuple[np.ndarray | None, PairDistances | None]:
    """The Distances table as (unit x rep home) matrix and unit-to-unit pairs; every bad row reported."""
    if tbl is None or not len(tbl.frame):
        return None, None
    f = tbl.frame
    N, T = len(units), len(rep_index)
    ids = units["UnitID"]
    first = ~ids.duplicated(keep="first") & ids.notna()
    lookup = pd.Series(np.flatnonzero(first.to_numpy()), index=ids[first].to_numpy())
    u = f["UnitID"].map(lookup).fillna(-1).to_numpy(np.intp)
    rep_col = f["RepID"] if "RepID" in f else pd.Series([None] * len(f))
    to_col = f["ToUnitID"] if "ToUnitID" in f else pd.Series([None] * len(f))
    r = rep_col.map(pd.Series(rep_index, dtype=np.int64) if rep_index else pd.Series(dtype=np.int64)
                    ).fillna(-1).to_numpy(np.intp)
    v = to_col.map(lookup).fillna(-1).to_numpy(np.intp)
    val = f["Distance"].to_numpy(np.float64)
    has_r, has_v = rep_col.notna().to_numpy(), to_col.notna().to_numpy()
    bad = np.zeros(len(f), dtype=bool)
    for col, idx, given, what, exp in (("UnitID", u, f["UnitID"].notna().to_numpy(), "unknown unit",
                                        "a UnitID listed in TerritoryUnits"),
                                       ("RepID", r, has_r, "unknown rep", "a RepID listed in TerritoryReps"),
                                       ("ToUnitID", v, has_v, "unknown unit", "a UnitID listed in TerritoryUnits")):
        vals = f[col].to_numpy(object) if col in f else np.full(len(f), None, dtype=object)
        for i in np.flatnonzero(given & (idx < 0)):
            problems.add(tbl.problem(int(i), col, what, value=vals[i], expected=exp))
            bad[i] = True
    for i in np.flatnonzero(has_r == has_v):
        problems.add(tbl.problem(int(i), "RepID", "a distance row needs exactly one destination", value=None,
                                 show_value=False, expected="RepID (to the rep's home) or ToUnitID (to a unit), "
                                                           "not both and not neither"))
        bad[i] = True
    same = has_v & (u == v) & (u >= 0)
    for i in np.flatnonzero(same):
        problems.add(tbl.problem(int(i), "ToUnitID", "a distance from a unit to itself", value=to_col.iloc[i],
                                 expected="another unit (a unit's distance to itself is 0)"))
        bad[i] = True
    bad |= np.isnan(val)
    # the same pair twice (unit-to-home, or unit-to-unit in the same direction) is an error
    key = np.where(has_r, u * (T + 1) + r, -(u * (N + 1) + v) - 1)
    dup = pd.Series(key).duplicated(keep="first").to_numpy() & ~bad
    for i in np.flatnonzero(dup):
        problems.add(tbl.problem(int(i), "Distance", "a second row for the same pair", value=val[i],
                                 expected="one row per unit and destination"))
    ok = ~bad & ~dup
    home = None
    hr = ok & has_r
    if hr.any():
        home = np.full((N, T), np.nan)
        home[u[hr], r[hr]] = val[hr]
    uu = ok & has_v
    pairs = PairDistances.from_rows(N, u[uu], v[uu], val[uu]) if uu.any() else None
    return home, pairs


def _distance_coverage(tbl: Table, units: pd.DataFrame, reps: pd.DataFrame, home: np.ndarray | None,
                       pairs: PairDistances | None, settings: AlignSettings, problems: ProblemCollector) -> None:
    """With MissingDistance Error, every pair the alignment can use must have a row: each unit to each
    home of a rep with a home (coordinates or rows), and, when some centre is a unit (Centres Optimised,
    or a rep without a home), every pair of units. The first few missing pairs are named."""
    N, T = len(units), len(reps)
    ids = units["UnitID"].to_numpy(object)
    rep_ids = reps["RepID"].to_numpy(object)
    has_home = ~np.isnan(reps["HomeLatitude"].to_numpy(np.float64))
    if home is not None:
        has_home |= (~np.isnan(home)).any(axis=0)
    cap = reps["Capacity"].to_numpy(np.float64)
    homes = np.flatnonzero(has_home & (np.nan_to_num(cap, nan=1.0) > 0) if settings.centres == "Home"
                           else np.zeros(T, dtype=bool))
    missing: list[str] = []
    n_missing = 0
    if len(homes):
        H = np.full((N, T), np.nan) if home is None else home
        mu, mt = np.nonzero(np.isnan(H[:, homes]))
        n_missing += len(mu)
        missing += [f"{ids[a]} to {rep_ids[homes[b]]}'s home" for a, b in zip(mu[:5], mt[:5])]
    unit_centres = settings.centres == "Optimised" or (~has_home & (np.nan_to_num(cap, nan=1.0) > 0)).any()
    if unit_centres and N > 1:
        given = 0 if pairs is None else int(((pairs.keys // N) < (pairs.keys % N)).sum())
        n_pairs = N * (N - 1) // 2 - given
        n_missing += n_pairs
        if n_pairs and N <= 2000:  # name a few (all pairs of a large table would not fit in memory)
            a, b = np.triu_indices(N, k=1)
            d = pairs.lookup(a, b) if pairs is not None else np.full(len(a), np.nan)
            miss = np.flatnonzero(np.isnan(d))[:5]
            missing += [f"{ids[a[k]]} to {ids[b[k]]}" for k in miss]
    if n_missing:
        problems.add(tbl.problem(None, "Distance", f"{n_missing:,} pair(s) the alignment needs have no row, e.g. "
                                 + "; ".join(missing[:5]), value=None, show_value=False,
                                 expected="a row for each unit and rep home"
                                          + (" and each pair of units (centres are units)" if unit_centres else "")
                                          + ", or AlignSettings MissingDistance GreatCircle (km from the "
                                            "coordinates where no row is given)"))


# -- settings tables and word lists (also read by the lead routing, leads.py) -------------------------------

def read_settings(tbl: Table | None, names: dict[str, tuple[str, str]],
                  problems: ProblemCollector) -> dict[str, tuple[str, int | None]]:
    """Setting -> (text value, data row index or None for a default), unknown settings reported."""
    out: dict[str, tuple[str, int | None]] = {k: (default, None) for k, (default, _) in names.items()}
    if tbl is None:
        return out
    lookup = {k.lower(): k for k in names}
    f = tbl.frame
    for i, (name, value) in enumerate(zip(f["Setting"], f["Value"])):
        if name is None:
            continue
        key = lookup.get(str(name).strip().lower())
        if key is None:
            problems.add(tbl.problem(i, "Setting", "unknown setting", value=name,
                                     expected="one of " + ", ".join(names)))
            continue
        text = "" if value is None else str(value).strip()
        out[key] = (text if text != "" else names[key][0], i)
    return out


def parse_fraction(text: str) -> float | None:
    """'5%' -> 0.05, '0.05' -> 0.05; None if not a number."""
    s = text.strip().replace(",", "")
    try:
        return float(s[:-1]) / 100.0 if s.endswith("%") else float(s)
    except ValueError:
        return None


def parse_number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


_SPLIT = re.compile(r"[,;]")


def word_set(text) -> frozenset[str]:
    """'en, ES;de' -> {'en', 'es', 'de'} (trimmed, lower-case); blank -> empty set."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return frozenset()
    return frozenset(w.strip().lower() for w in _SPLIT.split(str(text)) if w.strip())


def norm_key(values) -> np.ndarray:
    """Object array of text keys, trimmed and lower-cased (None stays None); each distinct value once."""
    arr = np.asarray(values, dtype=object)
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    conv = np.empty(len(uniq) + 1, dtype=object)
    conv[:len(uniq)] = [str(u).strip().lower() for u in uniq]  # a loop over distinct values
    conv[-1] = None
    return conv[codes]
