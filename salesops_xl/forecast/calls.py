"""Forecast calls: the submissions that count, and their roll-up through the roster hierarchy.

Rules (docs/forecast.md, "Forecast calls and roll-ups"):

* **The submission that counts.** For each person, period and category (Commit, Best Case), the
  ForecastSubmissions row with the latest SubmittedOn on or before the day looked at (AsOfDate, or a
  snapshot's date) counts; on a tie, the lower row of the table (entered later). Earlier rows are
  history and are ignored.
* **Roll-up.** A person's *number* for a period and category is
  - their own submission when they head a team (a manager's number for the whole team, an
    *adjustment* of the sum below: it replaces it);
  - otherwise, for a manager without a submission, the sum of the numbers of their direct reports
    (a manager's own deals are only covered by their own number);
  - for a rep (nobody reports to them), their own call.
  A person with no number of their own and nobody below with one has none (blank); a missing
  number below a manager counts as 0 in the sum, and the manager's row says how many are missing.
  With no manager submission anywhere, a person's number is the sum of the calls of every rep in
  their team: the roll-up of the leaves.

Everything is vectorised over people: one pass per level of the hierarchy, bottom-up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CALL_CATEGORIES = ("Commit", "Best Case")


@dataclass(frozen=True)
class RollUp:
    number: np.ndarray  # (P, K) the rolled-up number, NaN = none
    submitted: np.ndarray  # (P, K) the person's own counted submission, NaN = none
    below: np.ndarray  # (P, K) the sum of the direct reports' numbers (NaN: no report has one, or no reports)
    missing: np.ndarray  # (P, K) reps in the team (leaves) whose number is missing and not covered by a manager's
    source: np.ndarray  # (P, K) object: "call", "adjustment", "sum below", "none"


def roll_up(parent: np.ndarray, depth: np.ndarray, submitted: np.ndarray) -> RollUp:
    """Roll ``submitted`` (P, K; NaN = no submission) up the hierarchy given by ``parent`` (-1 at the top)
    and ``depth`` (0 at the top): a manager's submission replaces the sum of the direct reports' numbers."""
    parent = np.asarray(parent, dtype=np.intp)
    depth = np.asarray(depth, dtype=np.intp)
    sub = np.asarray(submitted, dtype=np.float64)
    if sub.ndim == 1:
        sub = sub[:, None]
    P, K = sub.shape
    has_kids = np.zeros(P, bool)
    has_kids[parent[parent >= 0]] = True
    number = np.where(has_kids[:, None], np.nan, sub)  # leaves: their call
    missing = np.where(has_kids[:, None], 0.0, np.isnan(sub).astype(np.float64))
    below = np.full((P, K), np.nan)
    for d in range(int(depth.max()) if P else 0, 0, -1):  # bottom-up: every number of depth d is final here
        kids = np.flatnonzero(depth == d)
        kids = kids[parent[kids] >= 0]
        if not len(kids):
            continue
        pk = parent[kids]
        s = np.zeros((P, K))
        np.add.at(s, pk, np.nan_to_num(number[kids]))
        any_ = np.zeros((P, K), bool)
        np.logical_or.at(any_, pk, ~np.isnan(number[kids]))
        miss = np.zeros((P, K))
        np.add.at(miss, pk, missing[kids])
        mgr = np.unique(pk)
        below[mgr] = np.where(any_[mgr], s[mgr], np.nan)
        own = sub[mgr]
        number[mgr] = np.where(np.isnan(own), below[mgr], own)
        missing[mgr] = np.where(np.isnan(own), miss[mgr], 0.0)
    source = np.where(~np.isnan(sub), np.where(has_kids[:, None], "adjustment", "call"),
                      np.where(~np.isnan(number), "sum below", "none")).astype(object)
    return RollUp(number=number, submitted=np.where(np.isnan(sub), np.nan, sub), below=below, missing=missing,
                  source=source)


def counted_submissions(subs: pd.DataFrame, day, period: str) -> pd.DataFrame:
    """The submissions that count for ``period`` on ``day``: per (Rep, Category), the latest SubmittedOn on or
    before ``day``, the lower row on a tie. ``subs``: Rep (int), Period, Category, Amount, SubmittedOn, Note, Row."""
    if not len(subs):
        return subs.iloc[:0]
    s = subs[(subs["Period"] == period)
             & (subs["SubmittedOn"].to_numpy().astype("datetime64[D]") <= np.datetime64(day, "D"))]
    s = s.sort_values(["SubmittedOn", "Row"], kind="stable")
    return s.drop_duplicates(["Rep", "Category"], keep="last")


def submitted_matrix(counted: pd.DataFrame, P: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, K) amounts, (P, K) notes (object), (P, K) SubmittedOn (datetime64[D], NaT) of the counted submissions."""
    K = len(CALL_CATEGORIES)
    amt = np.full((P, K), np.nan)
    note = np.full((P, K), None, dtype=object)
    when = np.full((P, K), np.datetime64("NaT"), dtype="datetime64[D]")
    if len(counted):
        r = counted["Rep"].to_numpy(np.intp)
        k = counted["Category"].map({c: i for i, c in enumerate(CALL_CATEGORIES)}).to_numpy(np.intp)
        amt[r, k] = counted["Amount"].to_numpy(np.float64)
        note[r, k] = counted["Note"].to_numpy(object)
        when[r, k] = counted["SubmittedOn"].to_numpy().astype("datetime64[D]")
    return amt, note, when


def hierarchy_order(parent: np.ndarray) -> np.ndarray:
    """People in depth-first order (a manager, then each report's subtree), siblings in table order."""
    parent = np.asarray(parent, dtype=np.intp)
    P = len(parent)
    kids: dict[int, list[int]] = {}
    for i in range(P):  # one pass over people (not deals) to list each manager's reports
        kids.setdefault(int(parent[i]), []).append(i)
    out: list[int] = []
    stack = list(reversed(kids.get(-1, [])))
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(reversed(kids.get(i, [])))
    return np.array(out, dtype=np.intp)
