"""Realistic, reproducible sample data for the territory template.

*Alignment*: Oregon's 392 ZIP codes (real centroids, embedded in sample_geo.py) with a synthetic potential
(denser areas sell more) and workload (accounts), six reps based in Portland (two), Salem, Eugene, Bend and
Medford, a drifted current alignment, three locked units and ZIP adjacency (a Delaunay triangulation of
the centroids without its long edges).

*Leads*: a week of inbound leads (Monday 2026-11-23 to Friday 2026-11-27) for an inside-sales team in three
round-robin pools, field reps owning accounts, named accounts and territory rules, languages, a payments
skill, out-of-office days and daily capacities.

The same seed always gives the same tables, so the template is reproducible.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from .sample_geo import OREGON_ZIPS

REPS = [  # RepID, name, home city ZIP (None: home given as a region code), capacity
    ("R01", "Ada Lovelace", "97209", 1.0),
    ("R02", "Grace Hopper", "97266", 1.0),
    ("R03", "Alan Turing", "97301", 1.0),
    ("R04", "Edsger Dijkstra", None, 1.0),
    ("R05", "Barbara Liskov", "97701", 0.8),
    ("R06", "Donald Knuth", "97501", 1.0),
]
EUGENE_OFFICE = ("EUG-OFFICE", 44.0521, -123.0868)


def _adjacency(lat: np.ndarray, lon: np.ndarray, max_km: float = 100.0) -> np.ndarray:
    """Delaunay edges between ZIP centroids shorter than ``max_km``; ZIPs sharing a centroid touch."""
    from scipy.spatial import Delaunay

    from .geo import haversine_km

    x = np.radians(lon) * np.cos(np.radians(44.0)) * 6371.0
    y = np.radians(lat) * 6371.0
    pts = np.round(np.stack([x, y], axis=1), 6)
    uniq, inv = np.unique(pts, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    tri = Delaunay(uniq)
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    rep = np.full(len(uniq), -1)
    rep[inv[::-1]] = np.arange(len(inv))[::-1]  # first unit at each point
    a, b = rep[e[:, 0]], rep[e[:, 1]]
    d = haversine_km(lat[a], lon[a], lat[b], lon[b])
    edges = [np.stack([a[d <= max_km], b[d <= max_km]], axis=1)]
    # units sharing a point with the first unit there touch it and inherit nothing else (they are neighbours)
    dup = np.flatnonzero(rep[inv] != np.arange(len(inv)))
    edges.append(np.stack([rep[inv[dup]], dup], axis=1))
    out = np.concatenate(edges)
    return np.unique(np.sort(out, axis=1), axis=0)


def alignment_tables(seed: int = 11) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    z = pd.DataFrame(OREGON_ZIPS, columns=["UnitID", "Name", "Latitude", "Longitude"])
    lat, lon = z["Latitude"].to_numpy(), z["Longitude"].to_numpy()
    from .geo import haversine_km

    d = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    density = (d < 20).sum(axis=1)  # ZIPs within 20 km: an urban proxy
    potential = np.round(rng.lognormal(11.3, 0.6, len(z)) * (0.6 + 0.12 * np.sqrt(density)), -3)
    accounts = 1 + rng.poisson(potential / 60_000.0)
    z["Potential"] = potential
    z["Workload"] = accounts.astype(np.float64)
    home = {}
    for rid, _, zipc, _ in REPS:
        if zipc is not None:
            row = z[z["UnitID"] == zipc].iloc[0]
            home[rid] = (row["Latitude"], row["Longitude"])
    home["R04"] = EUGENE_OFFICE[1:]
    ids = [r[0] for r in REPS]
    hl = np.array([home[r] for r in ids])
    # the current alignment: nearest home as drawn years ago (Portland split at longitude -122.6, Bend's
    # reach a little shorter), then drift
    dist = haversine_km(lat[:, None], lon[:, None], hl[None, :, 0], hl[None, :, 1])
    dist[:, 4] *= 1.2
    cur = dist.argmin(axis=1)
    pdx = np.isin(cur, [0, 1])
    cur[pdx] = np.where(lon[pdx] < -122.6, 0, 1)
    drift = rng.random(len(z)) < 0.06
    second = np.argsort(dist, axis=1)[:, 1]
    cur = np.where(drift, second, cur)
    owner = np.array(ids, dtype=object)[cur]
    new = rng.choice(len(z), 5, replace=False)  # recently added ZIPs nobody owns yet
    owner[new] = None
    z["CurrentOwner"] = owner
    units = z[["UnitID", "Name", "Latitude", "Longitude", "Potential", "Workload", "CurrentOwner"]].copy()
    units.insert(4, "Region", None)
    reps = pd.DataFrame({
        "RepID": ids, "RepName": [r[1] for r in REPS],
        "HomeLatitude": [home[r][0] if r != "R04" else None for r in ids],
        "HomeLongitude": [home[r][1] if r != "R04" else None for r in ids],
        "HomeRegion": [None if r != "R04" else EUGENE_OFFICE[0] for r in ids],
        "Capacity": [r[3] for r in REPS],
    })
    locks = pd.DataFrame([
        ("97204", "R01", "Headquarters of a strategic account"),
        ("97401", "R04", "Key account managed from the Eugene office"),
        ("97520", "R06", "Customer success pilot"),
    ], columns=["UnitID", "RepID", "Reason"])
    e = _adjacency(lat, lon)
    adjacency = pd.DataFrame({"UnitID": z["UnitID"].to_numpy()[e[:, 0]], "NeighbourID": z["UnitID"].to_numpy()[e[:, 1]]})
    regions = pd.DataFrame([EUGENE_OFFICE], columns=["Region", "Latitude", "Longitude"])
    settings = pd.DataFrame([
        ("BalanceOn", "Both", "Potential and Workload within the tolerance of their targets"),
        ("Tolerance", "0.05", "5%: each territory within 95%-105% of its target"),
        ("DisruptionWeight", "25", "km: moving a unit must save more than 25 km (x workload) to be worth it"),
        ("Centres", "Home", "Distances to each rep's home base"),
        ("Contiguity", "Yes", "Each territory one connected piece of the ZIP adjacency"),
        ("TimeLimit", "600", "Seconds the optimiser may take (default 5). The sample needs about 2; this wide "
                             "margin keeps its result identical on any machine, however busy"),
        ("MissingDistance", "Error", "With Distances rows: every pair needs one (GreatCircle: km where none)"),
    ], columns=["Setting", "Value", "Description"])
    distances = pd.DataFrame({"UnitID": pd.Series([], dtype=object), "RepID": pd.Series([], dtype=object),
                              "ToUnitID": pd.Series([], dtype=object), "Distance": pd.Series([], dtype=float)})
    return {"AlignSettings": settings, "TerritoryUnits": units, "TerritoryReps": reps, "UnitLocks": locks,
            "UnitAdjacency": adjacency, "Regions": regions, "Distances": distances}


FIRST = ["Ines", "Jonas", "Kara", "Luis", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara"]
COMPANY_A = ["Acme", "Blue", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
             "Keystone", "Lumen", "Maple", "North", "Orchard", "Pioneer", "Quartz", "River", "Summit", "Timber"]
COMPANY_B = ["Labs", "Logistics", "Foods", "Health", "Energy", "Retail", "Systems", "Partners", "Works", "Bank"]
NAMED = [("columbia-outfitters.com", "R01"), ("cascade-health.org", "R02"), ("willamette-foods.com", "R03"),
         ("ducks-analytics.com", "R04"), ("highdesert-energy.com", "R05"), ("rogue-logistics.com", "R06"),
         ("pacific-bank.com", "M01"), ("rose-city-retail.com", "M02")]


def lead_tables(seed: int = 5) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    D = _dt.date
    lead_reps = pd.DataFrame([
        # RepID, name, pools, weight, capacity, languages, skills, active
        ("R01", "Ada Lovelace", "Enterprise", 1.0, 12, "en", "Payments", "Yes"),
        ("R02", "Grace Hopper", "Enterprise", 1.0, 12, "en, es", "", "Yes"),
        ("R03", "Alan Turing", "Enterprise", 1.0, 12, "en", "Payments", "Yes"),
        ("R04", "Edsger Dijkstra", "Enterprise", 1.0, 12, "en", "", "Yes"),
        ("R05", "Barbara Liskov", "Enterprise", 0.8, 10, "en", "", "Yes"),
        ("R06", "Donald Knuth", "Enterprise", 1.0, 12, "en", "", "Yes"),
        ("M01", "Ines Moreau", "Mid-Market", 2.0, 30, "en", "Payments", "Yes"),
        ("M02", "Jonas Weber", "Mid-Market", 1.0, 20, "en, es", "", "Yes"),
        ("M03", "Kara Okafor", "Mid-Market, SMB", 1.0, 20, "en", "", "Yes"),
        ("S01", "Luis Garcia", "SMB", 1.0, 25, "en, es", "", "Yes"),
        ("S02", "Maya Tanaka", "SMB", 1.0, 25, "en", "Payments", "Yes"),
        ("S03", "Nikhil Haddad", "SMB", 1.0, 25, "en", "", "Yes"),
        ("S04", "Olga Petrov", "SMB", 1.0, 25, "en, vi", "", "Yes"),
        ("S05", "Pablo Rossi", "SMB", 0.5, 12, "en, es", "", "Yes"),
        ("S06", "Quinn Larsen", "SMB", 1.0, 25, "en", "", "No"),
    ], columns=["RepID", "RepName", "Pools", "Weight", "DailyCapacity", "Languages", "Skills", "Active"])
    owners = pd.DataFrame({"AccountID": [f"A-{1001 + i}" for i in range(40)],
                           "RepID": [["R01", "R02", "R03", "R04", "R05", "R06", "M01", "M02", "M03"][i % 9]
                                     for i in range(40)]})
    named = pd.DataFrame(NAMED, columns=["Domain", "RepID"])
    rules = pd.DataFrame([
        ("WA", "Enterprise", "R01", "Enterprise"),
        ("OR", "Enterprise", "R02", "Enterprise"),
        ("CA", "Enterprise", "R03", "Enterprise"),
        ("ID", "Enterprise", "R05", "Enterprise"),
        (None, "Enterprise", None, "Enterprise"),
        (None, "Mid-Market", None, "Mid-Market"),
        (None, "SMB", None, "SMB"),
    ], columns=["Territory", "Segment", "RepID", "Pool"])
    ooo = pd.DataFrame([
        ("R02", D(2026, 11, 23), D(2026, 11, 27), "Vacation"),
        ("S03", D(2026, 11, 24), D(2026, 11, 25), "Training"),
        ("M03", D(2026, 11, 26), D(2026, 11, 26), "Public holiday"),
    ], columns=["RepID", "FirstDay", "LastDay", "Note"])
    n = 600
    days = np.array([D(2026, 11, 23) + _dt.timedelta(days=int(k)) for k in range(5)], dtype=object)
    day = days[np.sort(rng.choice(5, n, p=[0.24, 0.22, 0.2, 0.16, 0.18]))]
    seg = rng.choice(np.array(["SMB", "Mid-Market", "Enterprise", None], dtype=object), n, p=[0.55, 0.25, 0.15, 0.05])
    terr = rng.choice(["OR", "WA", "CA", "ID", "NV"], n, p=[0.4, 0.25, 0.2, 0.1, 0.05])
    company_names = [f"{COMPANY_A[a]} {COMPANY_B[b]}" for a, b in zip(rng.integers(0, 20, n), rng.integers(0, 10, n))]
    domain = np.array([c.lower().replace(" ", "") + ".com" for c in company_names], dtype=object)
    account = np.full(n, None, dtype=object)
    existing = rng.random(n) < 0.1
    account[existing] = [f"A-{1001 + k}" for k in rng.integers(0, 40, int(existing.sum()))]
    is_named = rng.random(n) < 0.03
    pick = rng.integers(0, len(NAMED), int(is_named.sum()))
    domain[is_named] = [NAMED[k][0] for k in pick]
    company = np.array(company_names, dtype=object)
    company[is_named] = [NAMED[k][0].split(".")[0].replace("-", " ").title() for k in pick]
    emails = rng.random(n) < 0.3  # some leads carry an e-mail address instead of a domain
    first = np.array(FIRST, dtype=object)[rng.integers(0, len(FIRST), n)]
    domain = np.where(emails, [f"{f.lower()}@{d}" for f, d in zip(first, domain)], domain)
    lang = rng.choice(np.array([None, "es", "vi", "ja"], dtype=object), n, p=[0.88, 0.08, 0.03, 0.01])
    skills = np.where(rng.random(n) < 0.1, "Payments", np.array(None, dtype=object))
    leads = pd.DataFrame({
        "LeadID": [f"L-{26001 + i}" for i in range(n)], "CreatedDate": day, "Company": company,
        "AccountID": account, "Domain": domain, "Territory": terr, "Segment": seg, "Language": lang,
        "Skills": skills,
    })
    settings = pd.DataFrame([
        ("FallbackQueue", "Unassigned - review", "Leads no rep can take wait here"),
        ("DefaultPool", "SMB", "Leads without a matching rule"),
        ("RoundRobinState", "Continue", "Carry fairness over from the last run"),
    ], columns=["Setting", "Value", "Description"])
    return {"LeadSettings": settings, "Leads": leads, "LeadReps": lead_reps, "AccountOwners": owners,
            "NamedAccounts": named, "RoutingRules": rules, "OutOfOffice": ooo}


def sample_tables() -> dict[str, pd.DataFrame]:
    """Every input table of workbooks/territories.xlsx."""
    return {**alignment_tables(), **lead_tables()}
