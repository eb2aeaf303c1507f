"""A lead-by-lead reference implementation of docs/territories.md's routing rules.

Deliberately naive (Python loops over leads and reps) and written from the rules, not from the engine:
tests compare the vectorised engine against it on random workbooks, and the benchmark times it as the
baseline of a straightforward implementation.
"""
from __future__ import annotations

import numpy as np

from salesops_xl.territories.leads import RULES, TIE_DECIMALS, LeadInputs

OWNER, NAMED, TERRITORY, SEGMENT, RR, FALLBACK = (RULES.index(r) for r in RULES[:6])


def route_reference(inp: LeadInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(assigned rep index or -1, rule index, end due (P x R, relative to the pool clock), leads per pool and rep)."""
    n, R, P = inp.n_leads, len(inp.reps), len(inp.pool_names)
    day = [d.item() for d in inp.day]  # datetime.date
    order = sorted(range(n), key=lambda i: (day[i], i))
    away = set()
    for r, a, b in zip(*inp.ooo):
        for d in set(day):
            if a.item() <= d <= b.item():
                away.add((int(r), d))
    used: dict[tuple[int, object], int] = {}

    def qualified(r: int, i: int) -> bool:
        lg = inp.language[i]
        if lg >= 0 and not inp.speaks[r, lg]:
            return False
        return bool(inp.has_skills[r, inp.skillset[i]])

    def free(r: int, d) -> bool:
        return used.get((r, d), 0) < inp.capacity[r]

    def eligible(r: int, i: int) -> bool:
        d = day[i]
        return bool(inp.active[r]) and (r, d) not in away and qualified(r, i) and free(r, d)

    assigned = [-1] * n
    rule = [FALLBACK] * n
    for stage, target in ((OWNER, inp.owner), (NAMED, inp.named), (None, inp.rule_rep)):
        for i in order:
            r = int(target[i])
            if assigned[i] >= 0 or r < 0 or not eligible(r, i):
                continue
            assigned[i] = r
            rule[i] = stage if stage is not None else (SEGMENT if inp.rule_kind[i] == 2 else TERRITORY)
            used[(r, day[i])] = used.get((r, day[i]), 0) + 1
    # round-robin
    due = [[(0.5 / inp.weight[r] if inp.weight[r] > 0 else 0.5) if np.isnan(inp.start_due[p, r])
            else float(inp.start_due[p, r]) for r in range(R)] for p in range(P)]
    clock = [0.0] * P
    count = np.zeros((P, R), dtype=np.int64)
    K = max(len(inp.skillset_names), 1)
    batches: dict[tuple, list[int]] = {}
    for i in order:
        if assigned[i] < 0 and inp.pool[i] >= 0:
            key = (day[i], int(inp.pool[i]), (int(inp.language[i]) + 1) * K + int(inp.skillset[i]))
            batches.setdefault(key, []).append(i)

    def rr_ok(r, p, d, i):
        return bool(inp.member[p, r] and inp.active[r] and inp.weight[r] > 0 and (r, d) not in away
                    and qualified(r, i))

    def n_eligible(key):
        d, p, _ = key
        i = batches[key][0]
        return sum(1 for r in range(R) if rr_ok(r, p, d, i) and inp.capacity[r] > 0)

    for key in sorted(batches, key=lambda k: (k[0], n_eligible(k), k[1], k[2])):
        d, p, _ = key
        leads = batches[key]
        members = [r for r in range(R) if rr_ok(r, p, d, leads[0]) and free(r, d)]
        base = {r: max(due[p][r], clock[p]) for r in members}
        k = {r: 0 for r in members}
        for i in leads:
            cands = [r for r in members if free(r, d)]
            if not cands:
                continue
            r = min(cands, key=lambda r: (round(base[r] + k[r] / inp.weight[r], TIE_DECIMALS), r))
            t = round(base[r] + k[r] / inp.weight[r], TIE_DECIMALS)
            k[r] += 1
            assigned[i] = r
            rule[i] = RR
            used[(r, d)] = used.get((r, d), 0) + 1
            clock[p] = t
            count[p, r] += 1
        for r in members:
            due[p][r] = base[r] + k[r] / inp.weight[r]
    end = np.array([[max(due[p][r] - clock[p], 0.0) for r in range(R)] for p in range(P)]).reshape(P, R)
    return np.array(assigned), np.array(rule), end, count
