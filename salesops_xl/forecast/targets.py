"""Whose quota is whose: a person's own quota and a team's number, month by month.

docs/forecast.md, "Quotas", states the rule. ``ForecastSettings[ManagerQuota]``:

* ``Team`` (default, as Salesforce forecasts and Clari read it): a manager's `RepQuotas` row is the
  **team's number**. A team's quota of a month is its manager's row when there is one, else the sum of
  its direct reports' (each a rep's own quota, or a sub-team's quota by the same rule). A manager has
  no quota of their own: their own deals count in the team, and their Rep row (if they own deals)
  shows no quota. A number that differs from its reports' sum by a cent or more is kept, with a
  warning naming both.
* ``Own``: a manager's row is their **own** quota, added to their reports' for the team (a team = the
  sum over everyone in it, the manager included).

The Company's quota is the sum over the people at the top (their team's quota, or a rep's own); a
Region's is the sum of its members' own quotas (a team's number belongs to no region).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import ForecastInputs


@dataclass(frozen=True)
class QuotaCube:
    months: np.ndarray  # (T,) month indices holding a quota row
    own: np.ndarray  # (P, T) a person's own quota, NaN = none
    team: np.ndarray  # (P, T) the quota of the team a person heads (= own for a rep), NaN = none
    is_manager: np.ndarray  # (P,) bool
    numbers: np.ndarray  # (P, T) a manager's row under ManagerQuota Team (the team's number), NaN = none

    def company(self, parent: np.ndarray) -> np.ndarray:
        """(T,) the Company's quota by month: the sum over the people at the top (NaN = none)."""
        return _nansum(self.team[parent < 0], axis=0)

    def in_months(self, arr: np.ndarray, first: int, last: int) -> np.ndarray:
        """(P,) the sum of ``arr`` over months first..last-1, NaN where none of them has a quota."""
        sel = (self.months >= first) & (self.months < last)
        return _nansum(arr[:, sel], axis=1)


def _nansum(a: np.ndarray, axis: int) -> np.ndarray:
    has = (~np.isnan(a)).any(axis=axis)
    return np.where(has, np.nansum(a, axis=axis), np.nan)


def quota_cube(inp: ForecastInputs) -> QuotaCube:
    team = inp.team
    P = inp.n_people
    parent = team["Parent"].to_numpy(np.int64)
    depth = team["Depth"].to_numpy(np.int64)
    is_manager = np.zeros(P, bool)
    is_manager[parent[parent >= 0]] = True
    qm = inp.quota_months
    months = np.unique(qm["Month"].to_numpy(np.int64)) if len(qm) else np.zeros(0, np.int64)
    T = len(months)
    rows = np.full((P, T), np.nan)
    if len(qm):
        r = qm["Rep"].to_numpy(np.int64)
        t = np.searchsorted(months, qm["Month"].to_numpy(np.int64))
        rows[r, t] = 0.0
        np.add.at(rows, (r, t), qm["Quota"].to_numpy(np.float64))
    team_mode = inp.settings.manager_quota == "Team"
    own = np.where(is_manager[:, None], np.nan, rows) if team_mode else rows
    numbers = np.where(is_manager[:, None], rows, np.nan) if team_mode else np.full((P, T), np.nan)
    tq = own.copy()
    for d in range(int(depth.max()) if P else 0, 0, -1):  # bottom-up, one pass per level of the hierarchy
        kids = np.flatnonzero((depth == d) & (parent >= 0))
        if not len(kids):
            continue
        has = np.zeros((P, T), bool)
        add_v = np.zeros((P, T))
        np.add.at(add_v, parent[kids], np.nan_to_num(tq[kids]))
        np.logical_or.at(has, parent[kids], ~np.isnan(tq[kids]))
        add = np.where(has, add_v, np.nan)
        managers = np.unique(parent[kids])
        below = add[managers]
        mine = tq[managers]
        summed = np.where(np.isnan(mine), below, np.where(np.isnan(below), mine, mine + below))
        tq[managers] = np.where(np.isnan(numbers[managers]), summed, numbers[managers])
    return QuotaCube(months=months, own=own, team=tq, is_manager=is_manager, numbers=numbers)


def disagreements(inp: ForecastInputs, cube: QuotaCube) -> list[str]:
    """Warnings for team numbers (ManagerQuota Team) that differ from their reports' sum in the gap period."""
    if inp.settings.manager_quota != "Team" or not cube.is_manager.any():
        return []
    a, b = inp.settings.gap_months
    team = inp.team
    parent = team["Parent"].to_numpy(np.int64)
    ids = team["RepID"].to_numpy(object)
    number = cube.in_months(cube.numbers, a, b)
    P = inp.n_people
    kids_team = cube.in_months(cube.team, a, b)
    below = np.zeros(P)
    has = np.zeros(P, bool)
    child = np.flatnonzero(parent >= 0)
    np.add.at(below, parent[child], np.nan_to_num(kids_team[child]))
    np.logical_or.at(has, parent[child], ~np.isnan(kids_team[child]))
    bad = np.flatnonzero(~np.isnan(number) & has & (np.abs(np.round(number, 2) - np.round(below, 2)) >= 0.005))
    label = inp.settings.gap_label
    return [f"{ids[m]}'s quota for {label} ({number[m]:,.2f}) is the team's number (ManagerQuota Team), but the "
            f"quotas of the people reporting to {ids[m]} add up to {below[m]:,.2f}: the team shows "
            f"{number[m]:,.2f} (set ManagerQuota to Own if the manager's row is a quota of their own, added to "
            "the team's)" for m in bad]
