"""Hand-offs into the budget: ``budget from-quotas`` and ``budget from-commissions``.

Both read the other workbook (never write it) and return the budget's input sheet to rewrite:

* :func:`from_quotas` - the quota workbook's seats (Active and Open, with their hire and termination
  dates) and the capacity plan's planned hires become the budget's Headcount rows marked
  ``Source = quotas``; rows with another Source are kept as they are.
* :func:`from_commissions` - the commission workbook's PayoutSummary (what was paid, by rep and month)
  becomes Actuals rows of the category Variable comp marked ``Source = commissions`` for the closed
  months; a what-if run's WhatIfByRep mean cost becomes Headcount[ExpectedVariable].

Rules: docs/budget.md, "Hand-offs".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ProblemCollector, WorkbookError
from ..sheets import SheetSpec
from ..source import TableSource
from ..tables import Table, index_of, read_table
from ..templates import input_sheet
from ..workflows import WorkflowResult
from . import schema as S

ROLE_LEADER, ROLE_MANAGER, ROLE_AE = "Sales leader", "Sales manager", "Account executive"


def _budget_tables(source: TableSource, names) -> dict[str, Table]:
    problems = ProblemCollector()
    out = {}
    for sch in S.INPUT_TABLES:
        if sch.name in names:
            t = read_table(source.read(sch.name), sch, problems)
            if t is not None:
                out[sch.name] = t
    problems.raise_if_any()
    return out


def _rewrite(tbl: Table, frame: pd.DataFrame) -> SheetSpec:
    """The sheet holding ``tbl`` with the table's rows replaced by ``frame``."""
    return input_sheet(tbl.raw.sheet or tbl.schema.sheet, {tbl.schema.name: frame}, [(tbl.schema, "A1")])


def headcount_from_quotas(qres, cc_ids, cc_nodes, hires_cc: str) -> pd.DataFrame:
    """Headcount rows (Source quotas) for the seats and planned hires of a quota result."""
    ppl = qres.inputs.people
    n = ppl.n
    # the cost centre of a seat: its own or its nearest manager's QuotaNode ("Company" stands for the top)
    node_ids = np.append(ppl.ids.astype(object), "Company")
    cc_of_node = index_of(np.asarray(cc_nodes, dtype=object), node_ids)
    assigned = np.full(n, -1, dtype=np.intp)
    cur = np.arange(n, dtype=np.intp)
    for _ in range(int(ppl.depth.max()) + 1):  # levels of the hierarchy: a handful
        hit = (assigned < 0) & (cur >= 0)
        hit &= cc_of_node[np.maximum(cur, 0)] >= 0
        assigned[hit] = cc_of_node[cur[hit]]
        cur = np.where(cur >= 0, ppl.parent[np.maximum(cur, 0)], -1).astype(np.intp)
    hires_pos = int(np.flatnonzero(np.asarray(cc_ids, dtype=object) == hires_cc)[0])
    assigned[assigned < 0] = hires_pos
    leaf = ppl.is_leaf
    role = np.where(leaf, ROLE_AE, np.where(ppl.depth[:n] <= 1, ROLE_LEADER, ROLE_MANAGER)).astype(object)
    seats = pd.DataFrame({"PersonID": ppl.ids.astype(object), "Name": ppl.names.astype(object),
                          "CostCentre": np.asarray(cc_ids, dtype=object)[assigned], "Role": role,
                          "Status": ppl.status.astype(object), "StartDate": ppl.hire, "EndDate": ppl.term})
    h = qres.capacity.hires
    k = h["Hires"].to_numpy(dtype=np.int64).astype(np.intp)  # np.repeat's counts: intp (32-bit in Pyodide)
    idx = np.repeat(np.arange(len(h), dtype=np.intp), k)
    nth = np.arange(len(idx)) - np.repeat(np.cumsum(k) - k, k)
    month = h["StartMonth"].to_numpy(dtype=object)[idx]
    hires = pd.DataFrame({"PersonID": [f"HIRE-{m}-{j + 1}" for m, j in zip(month, nth)],
                          "Name": [f"Planned hire {m} #{j + 1}" for m, j in zip(month, nth)],
                          "CostCentre": hires_cc, "Role": ROLE_AE, "Status": "Planned",
                          "StartDate": h["StartDate"].to_numpy()[idx].astype("datetime64[D]"),
                          "EndDate": np.full(len(idx), "NaT", dtype="datetime64[D]")})
    out = pd.concat([seats, hires], ignore_index=True)
    for c in ("AnnualSalary", "BenefitsRate", "TargetIncentive", "ExpectedVariable"):
        out[c] = np.nan
    out["Source"] = "quotas"
    return out[[f.name for f in S.HEADCOUNT.fields]]


def build_from_quotas(quota_source: TableSource, budget_source: TableSource, *, progress=None) -> WorkflowResult:
    from ..quotas.workflow import plan_quotas

    say = progress or (lambda stage: None)
    say("planning quotas")
    qres = plan_quotas(quota_source)
    say("reading the budget")
    t = _budget_tables(budget_source, ("BudgetPlan", "CostCentres", "Headcount"))
    for name in ("BudgetPlan", "CostCentres", "Headcount"):
        if name not in t:
            raise WorkbookError(f"{budget_source.workbook}: table {name} is missing; `salesops-xl template budget "
                                "-o sample.xlsx` writes a complete example")
    cc = t["CostCentres"].frame
    ids = cc["CostCentre"].to_numpy(dtype=object)
    nodes = cc["QuotaNode"].to_numpy(dtype=object) if "QuotaNode" in cc else np.full(len(ids), None, dtype=object)
    hcc = t["BudgetPlan"].frame["HiresCostCentre"].iloc[0] if "HiresCostCentre" in t["BudgetPlan"].frame else None
    hcc = str(ids[0]) if hcc is None or pd.isna(hcc) else str(hcc)
    if hcc not in set(ids.tolist()):
        raise WorkbookError(f"{budget_source.workbook}: BudgetPlan[HiresCostCentre] {hcc!r} is not a CostCentres"
                            "[CostCentre]")
    new = headcount_from_quotas(qres, ids, nodes, hcc)
    hc = t["Headcount"]
    old = hc.frame.copy()
    src = old["Source"].astype(object) if "Source" in old else pd.Series([None] * len(old), dtype=object)
    keep = old[~src.fillna("").astype(str).str.lower().eq("quotas").to_numpy()]
    clash = sorted(set(keep["PersonID"].astype(str)) & set(new["PersonID"].astype(str)))
    if clash:
        raise WorkbookError(f"{budget_source.workbook}: Headcount already has rows for {', '.join(clash[:5])} with "
                            "another Source than quotas; remove them (or set their Source to quotas) so the quota "
                            "workbook's rows can replace them")
    # the pay the quota workbook does not know is kept from the replaced rows of the same person
    prev = old[src.fillna("").astype(str).str.lower().eq("quotas").to_numpy()].set_index("PersonID")
    for c in ("AnnualSalary", "BenefitsRate", "TargetIncentive", "ExpectedVariable"):
        if c in prev:
            new[c] = new["PersonID"].map(prev[c]).to_numpy(dtype=np.float64)
    frame = pd.concat([keep[[c for c in new.columns if c in keep]], new], ignore_index=True)
    n_hire = int((new["Status"] == "Planned").sum())
    summary = {"headline": f"{len(new) - n_hire} seats and {n_hire} planned hires from the quota workbook "
                           f"({len(keep)} other Headcount rows kept)", "rows": len(frame)}
    return WorkflowResult(sheets=[_rewrite(hc, frame)], summary=summary, warnings=list(qres.warnings))


def build_from_commissions(commission_source: TableSource, budget_source: TableSource, *,
                           progress=None) -> WorkflowResult:
    from .inputs import load_inputs

    say = progress or (lambda stage: None)
    say("reading the budget")
    inp = load_inputs(budget_source)
    cal = inp.calendar
    raw = commission_source.read("PayoutSummary")
    whatif = commission_source.read("WhatIfByRep")
    if raw is None and whatif is None:
        raise WorkbookError(f"{commission_source.workbook}: no PayoutSummary table (run `salesops-xl recalc` on it "
                            "first) and no WhatIfByRep table (`salesops-xl whatif`): nothing to bring into the budget")
    warnings: list[str] = []
    sheets = []
    ppl = inp.people
    budget_ccy = inp.currency

    def rate(ccy, where):
        c = str(ccy or "").upper()
        if c == budget_ccy:
            return 1.0
        if c not in inp.fx:
            raise WorkbookError(f"{where}: currency {c or '(blank)'} has no rate in the budget's BudgetFX table; "
                                f"add a row (Currency {c}, Rate = units of {c} per {budget_ccy})")
        return inp.fx[c]

    summary: dict[str, int | float | str] = {}
    if raw is not None:
        f = pd.DataFrame({c: list(raw.data[c]) for c in ("RepID", "PayMonth", "Currency", "Total")
                          if c in raw.columns})
        missing = [c for c in ("RepID", "PayMonth", "Currency", "Total") if c not in f]
        if missing:
            raise WorkbookError(f"{commission_source.workbook}: table PayoutSummary has no column "
                                f"{', '.join(missing)}")
        pos = index_of(ppl["PersonID"].to_numpy(dtype=object), f["RepID"].to_numpy(dtype=object))
        unknown = np.flatnonzero(pos < 0)
        if len(unknown):
            i = int(unknown[0])
            raise WorkbookError(f"{commission_source.workbook}, sheet {raw.sheet!r}, table PayoutSummary: "
                                f"{raw.row_ref(i)}, column RepID: rep {f['RepID'].iloc[i]!r} is not in the "
                                f"budget's Headcount ({len(unknown)} row(s) like it); add the person to Headcount "
                                "with their cost centre so their pay is budgeted")
        codes, uniq = pd.factorize(f["PayMonth"].astype(str).to_numpy(dtype=object))
        m_of = np.array([-1 if p is None else p for p in (cal.parse_period(u, "Month")[0] for u in uniq)] + [-1],
                        dtype=np.int64)  # distinct months: a dozen
        months = m_of[codes]
        inside = (months >= 0) & (months < inp.closed)
        later = int((months >= inp.closed).sum())
        if later:
            warnings.append(f"{later} PayoutSummary row(s) pay in months not closed yet: not brought in as actuals")
        rates = {c: rate(c, f"{commission_source.workbook}, table PayoutSummary") for c in set(f["Currency"])}
        amount = f["Total"].astype(float).to_numpy() / f["Currency"].map(rates).to_numpy(dtype=np.float64)
        g = pd.DataFrame({"CostCentre": ppl["CostCentre"].to_numpy(dtype=object)[pos[inside]],
                          "Month": f["PayMonth"].to_numpy(dtype=object)[inside], "Amount": amount[inside]})
        g = g.groupby(["CostCentre", "Month"], sort=True, as_index=False)["Amount"].sum()
        g["Amount"] = np.round(g["Amount"].to_numpy(), 2)
        g.insert(1, "Category", S.VARIABLE)
        g["Source"] = "commissions"
        act = inp.tables.get("Actuals")
        if act is None:
            raise WorkbookError(f"{budget_source.workbook}: table Actuals is missing")
        old = act.frame
        src = old["Source"].fillna("").astype(str).str.lower() if "Source" in old else pd.Series([""] * len(old))
        keep = old[~src.eq("commissions").to_numpy()]
        both = keep[(keep["Category"].astype(str) == S.VARIABLE).to_numpy()]
        both = both.merge(g[["CostCentre", "Month"]], on=["CostCentre", "Month"])
        if len(both):
            warnings.append(f"Actuals already hold {len(both)} Variable comp row(s) from another source in the same "
                            "cost centres and months as the payouts brought in; they are kept and add up with them: "
                            "remove them if the ledger's rows are these same payouts")
        frame = pd.concat([keep[[c for c in g.columns if c in keep]], g], ignore_index=True)
        sheets.append(_rewrite(act, frame))
        summary["actual_rows"] = len(g)
        summary["actual_total"] = float(g["Amount"].sum())
    if whatif is not None:
        w = pd.DataFrame({c: list(whatif.data[c]) for c in ("RepID", "Currency", "MeanCost") if c in whatif.columns})
        rates = {c: rate(c, f"{commission_source.workbook}, table WhatIfByRep") for c in set(w["Currency"])}
        cost = w["MeanCost"].astype(float).to_numpy() / w["Currency"].map(rates).to_numpy(dtype=np.float64)
        by_rep = dict(zip(w["RepID"].astype(str), np.round(cost, 2)))
        hc = inp.tables["Headcount"]
        frame = hc.frame.copy()
        hit = frame["PersonID"].astype(str).map(by_rep)
        frame["ExpectedVariable"] = np.where(hit.notna(), hit, frame["ExpectedVariable"]).astype(np.float64)
        sheets.append(_rewrite(hc, frame))
        summary["expected_variable_rows"] = int(hit.notna().sum())
    summary["headline"] = (f"{summary.get('actual_rows', 0)} variable comp actual rows "
                           f"({summary.get('actual_total', 0.0):,.2f} {budget_ccy}); "
                           f"{summary.get('expected_variable_rows', 0)} expected variable pay figures")
    return WorkflowResult(sheets=sheets, summary=summary, warnings=warnings)
