"""Monthly bookings series of the workbook: per rep, per team (a manager's whole subtree), per region
and for the company, and their forecasts.

A month's bookings are the amounts of the deals won (Stage of Type Won) with a CloseDate in that
month. A series' history runs from its first month with a booking (for a team or region: the
earliest of its members'; for the company: the earliest of all) to the month before AsOfDate's month,
the last complete month. Months without a win are zeros. A rep with no win before AsOfDate's month
has no series (the pipeline forecast still covers them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import models as M
from .fiscal import months_of
from .inputs import ForecastInputs

LEVELS = ("Company", "Region", "Team", "Rep")


@dataclass
class SeriesSet:
    level: np.ndarray  # (S,) "Company" | "Region" | "Team" | "Rep"
    key: np.ndarray  # (S,) RepID of the rep or manager, region name, "Company"
    name: np.ndarray  # (S,) display name
    members: np.ndarray  # (S, P) bool: people whose deals the series sums
    start: np.ndarray  # (S,) month index of the first month
    Y: np.ndarray  # (S, T) bookings, left-aligned (NaN after each series' end)
    n: np.ndarray  # (S,) months of history
    end_month: int  # month index of the last history month (the same for every series)

    @property
    def S(self) -> int:
        return len(self.level)


def one_hot(idx: np.ndarray, P: int) -> np.ndarray:
    """(len(idx), P) booleans: row i is True in column idx[i] alone."""
    out = np.zeros((len(idx), P), dtype=bool)
    out[np.arange(len(idx)), idx] = True
    return out


def subtree(parent: np.ndarray) -> np.ndarray:
    """(P, P) bool: [q, p] is True when p is q or anywhere below q in the hierarchy."""
    P = len(parent)
    member = np.eye(P, dtype=bool)
    node = parent.copy()
    for _ in range(P):
        up = node >= 0
        if not up.any():
            break
        member[node[up], np.flatnonzero(up)] = True
        node = np.where(up, parent[np.maximum(node, 0)], -1)
    return member


def bookings_matrix(inp: ForecastInputs, first: int, last: int) -> np.ndarray:
    """(P, months) won amounts by owner and close month, months first..last."""
    o = inp.opps
    P = inp.n_people
    W = max(last - first + 1, 0)
    out = np.zeros((P, W))
    if W == 0:
        return out
    won = (o["StageType"] == "Won").to_numpy()
    mi = months_of(o["CloseDate"].to_numpy())
    sel = won & (mi >= first) & (mi <= last) & (o["Rep"].to_numpy() >= 0)
    np.add.at(out, (o["Rep"].to_numpy()[sel], mi[sel] - first), o["Amount"].to_numpy()[sel])
    return out


def build_series(inp: ForecastInputs) -> SeriesSet:
    st = inp.settings
    team, o = inp.team, inp.opps
    P = inp.n_people
    end = st.as_of_month - 1
    booked = months_of(o["CloseDate"].to_numpy())
    rep = o["Rep"].to_numpy()
    won = (o["StageType"] == "Won").to_numpy() & (rep >= 0)
    first_by_person = np.full(P, np.iinfo(np.int64).max)
    np.minimum.at(first_by_person, rep[won], booked[won])
    has = first_by_person <= end
    first = int(first_by_person[has].min()) if has.any() else end + 1
    B = bookings_matrix(inp, first, end)
    parent = team["Parent"].to_numpy()
    sub = subtree(parent)
    is_manager = np.zeros(P, dtype=bool)
    is_manager[parent[parent >= 0]] = True
    ids = team["RepID"].to_numpy()
    rnames = team["RepName"].to_numpy()
    region = team["Region"].to_numpy()
    regions = sorted({x for x in region if x is not None})
    teams = np.lexsort((np.arange(P), team["Depth"].to_numpy()))
    teams = teams[is_manager[teams]]
    reps = np.flatnonzero(has)
    levels = ["Company"] + ["Region"] * len(regions) + ["Team"] * len(teams) + ["Rep"] * len(reps)
    keys = np.concatenate([np.array(["Company"] + regions, dtype=object), ids[teams], ids[reps]])
    names = np.concatenate([np.array(["Company"] + regions, dtype=object),
                            np.char.add(rnames[teams].astype(str), "'s team").astype(object), rnames[reps]])
    Mm = np.concatenate([np.ones((1, P), bool),
                         (region[None, :] == np.array(regions, dtype=object)[:, None]).reshape(len(regions), P),
                         sub[teams], one_hot(reps, P)]).reshape(len(levels), P)
    starts = np.where(Mm, first_by_person[None, :], np.iinfo(np.int64).max).min(1)
    keep = starts <= end
    Mm, starts = Mm[keep], starts[keep]
    level = np.array(levels, dtype=object)[keep]
    key = np.array(keys, dtype=object)[keep]
    name = np.array(names, dtype=object)[keep]
    S = len(level)
    n = (end - starts + 1).astype(np.int64)
    T = int(n.max()) if S else 1
    Y = np.full((S, max(T, 1)), np.nan)
    if S:
        sums = Mm.astype(np.float64) @ B  # (S, months first..end)
        col = (starts - first)[:, None] + np.arange(T)[None, :]
        valid = np.arange(T)[None, :] < n[:, None]
        Y[valid] = np.take_along_axis(sums, np.where(valid, col, 0), 1)[valid]
    return SeriesSet(level=level, key=key, name=name, members=Mm, start=starts, Y=Y, n=n, end_month=end)


def truncate(ss: SeriesSet, drop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The series without their last ``drop`` months: (Y, n, usable) - usable where at least one month is left."""
    n = ss.n - drop
    usable = n >= 1
    T = ss.Y.shape[1]
    Y = np.where(np.arange(T)[None, :] < n[:, None], ss.Y, np.nan)
    return Y[usable], n[usable], usable


def forecast_series(Y: np.ndarray, n: np.ndarray, H: int, level: float, methods=M.METHODS) -> M.ForecastResult:
    """Every method on monthly bookings (season 12); lower bounds of series that never go below zero are
    clipped at zero (bookings cannot be negative)."""
    res = M.forecast(Y, H, 12, methods=methods, levels=(level,), n=n)
    obs = np.arange(Y.shape[1])[None, :] < n[:, None]
    nonneg = np.where(obs, np.nan_to_num(Y), 0.0).min(1) >= 0
    for mr in res.methods.values():
        mr.mean = np.where(nonneg[:, None], np.maximum(mr.mean, 0.0), mr.mean)
        for lv in mr.lower:
            mr.lower[lv] = np.where(nonneg[:, None], np.maximum(mr.lower[lv], 0.0), mr.lower[lv])
            mr.upper[lv] = np.where(nonneg[:, None], np.maximum(mr.upper[lv], 0.0), mr.upper[lv])
    return res
