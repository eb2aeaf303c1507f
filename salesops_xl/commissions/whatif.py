"""Comp-cost budgeting and plan what-if.

Two questions finance asks before a plan year:

* **What will the plan cost?** A Monte Carlo simulation draws each rep's
  annual attainment of each measure — from the attainment distribution of the
  current run ("History") or from a stated mean and standard deviation
  ("Assumed") — and computes the year's earnings with the plan's tiers, gates
  and caps on the annual quota and target incentive. Team measures earn on the
  simulated credit of the manager's team. Reported: expected total cost (mean,
  P10, P50, P90) and cost of sales (cost / revenue), per plan and per rep.
* **What would another plan version cost on the same deals?** When the
  workbook holds ``ScenarioMeasures`` / ``ScenarioTiers`` (the columns of
  ``PlanMeasures`` / ``Tiers``), the whole engine runs twice on the same
  inputs, once per plan version, and the year's pay of every rep is compared:
  who gains, who loses, and the total cost of each version.

Settings come from the optional ``WhatIfSettings`` table (Setting, Value).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..periods import PERIODS_PER_YEAR
from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec
from ..source import TableSource
from ..tables import Field, RawTable, TableSchema, read_table
from .engine import CommissionResult, compute
from .inputs import CommissionInputs, load_inputs
from .prepare import prepare
from .tiers import earned

WHATIF_SETTINGS = TableSchema(
    name="WhatIfSettings", sheet="What-if inputs", description="Settings of the cost simulation (Setting, Value).",
    fields=(Field("Setting", "text", "Simulations, Seed, AttainmentSource (History or Assumed), MeanAttainment, "
                  "StdDevAttainment, RevenueMeasures (comma-separated; blank: every measure credited by deals)."),
            Field("Value", "text", "Its value.", blank=True)),
    key=("Setting",), required=False, min_rows=0)

DEFAULTS = {"Simulations": "2000", "Seed": "1", "AttainmentSource": "History", "MeanAttainment": "1.0",
            "StdDevAttainment": "0.25", "RevenueMeasures": ""}


@dataclass
class Simulation:
    per_rep: pd.DataFrame  # RepID, PlanID, Currency, MeanCost, P10, P90 (currency units)
    summary: pd.DataFrame  # Metric, Currency, Mean, P10, P50, P90
    histogram: pd.DataFrame  # bins of total cost
    totals: np.ndarray  # (n_sims,) total cost per simulation, per currency summed in USD-less units


def _settings(source: TableSource, problems: ProblemCollector) -> dict[str, str]:
    out = dict(DEFAULTS)
    t = read_table(source.read("WhatIfSettings"), WHATIF_SETTINGS, problems)
    if t is not None:
        lookup = {k.lower(): k for k in DEFAULTS}
        for i, (k, v) in enumerate(zip(t.frame["Setting"], t.frame["Value"])):
            if k is None:
                continue
            key = lookup.get(str(k).lower())
            if key is None:
                problems.add(t.problem(i, "Setting", "unknown setting", value=k,
                                       expected="one of " + ", ".join(DEFAULTS)))
            elif v is not None:
                out[key] = str(v)
    return out


def simulate(inp: CommissionInputs, result: CommissionResult, settings: dict[str, str]) -> Simulation:
    """Monte Carlo of the year's commission cost (vectorised over simulations x slots)."""
    plan = prepare(inp)
    mdefs = inp.measures
    S = len(plan.slot_rep)
    n = int(float(settings["Simulations"]))
    rng = np.random.default_rng(int(float(settings["Seed"])))
    own = np.array([mdefs[k].credit_source == "Own" for k in plan.slot_md], dtype=bool)
    # attainment draws for own measures
    att = np.zeros((n, S))
    if settings["AttainmentSource"].lower() == "history":
        last = result.payouts.groupby(["RepID", "Measure"]).tail(1)
        pools = {m: g["AttainmentYTD"].dropna().to_numpy() for m, g in last.groupby("Measure")}
        for k, m in enumerate(mdefs):
            cols = np.flatnonzero((plan.slot_md == m.index) & own)
            pool = pools.get(m.measure)
            if len(cols) and pool is not None and len(pool):
                att[:, cols] = rng.choice(pool, size=(n, len(cols)), replace=True)
    else:
        mean, sd = float(settings["MeanAttainment"]), float(settings["StdDevAttainment"])
        att[:, own] = np.maximum(rng.normal(mean, sd, size=(n, int(own.sum()))), 0.0)
    q_year = plan.quota_year
    t_year = plan.target_year
    credit = att * q_year[None, :]
    # team measures: the simulated credit of everyone below, on the source measure (year-end hierarchy)
    team = np.flatnonzero(~own)
    if len(team):
        rd = plan.roster
        last_row = np.full(len(rd.rep_ids), -1)
        last_row[rd.row_rep] = np.arange(len(rd.row_rep))
        parent = rd.row_manager[last_row]
        levels = [parent]  # levels[k][i]: the manager k+1 levels above rep i (-1: none)
        for _ in range(len(rd.rep_ids)):
            up = np.where(levels[-1] >= 0, parent[np.maximum(levels[-1], 0)], -1)
            if (up < 0).all():
                break
            levels.append(up)
        chain = np.array(levels)
        measure_of_slot = np.array([mdefs[k].measure for k in plan.slot_md], dtype=object)
        for s in team:
            m = mdefs[plan.slot_md[s]]
            below = (chain == plan.slot_rep[s]).any(axis=0)
            src = np.flatnonzero(below[plan.slot_rep] & own & (measure_of_slot == m.source_measure))
            credit[:, s] = credit[:, src].sum(axis=1)
            if q_year[s] > 0:
                att[:, s] = credit[:, s] / q_year[s]
    cost = np.zeros((n, S))
    for m in mdefs:
        cols = np.flatnonzero(plan.slot_md == m.index)
        if not len(cols):
            continue
        cap: np.ndarray | float = np.inf
        if m.cap_type == "PctOfTarget":
            cap = m.cap_value * t_year[cols]
        elif m.cap_type == "Amount":
            cap = m.cap_value * PERIODS_PER_YEAR[m.period_type]
        cost[:, cols] = np.minimum(earned(credit[:, cols], q_year[cols], t_year[cols], m.tiers, m.method,
                                          m.rate_type, m.threshold), cap)
    rev_names = [x.strip() for x in settings["RevenueMeasures"].split(",") if x.strip()]
    measure_of = np.array([mdefs[k].measure for k in plan.slot_md], dtype=object)
    revenue_cols = own & (np.isin(measure_of, rev_names) if rev_names else True)
    rd = plan.roster
    ccy = rd.currency[plan.slot_rep]
    rows, hist_rows = [], []
    totals_all = np.zeros(n)
    for c in sorted(set(ccy)):
        sel = ccy == c
        tot = cost[:, sel].sum(axis=1)
        rev = credit[:, sel & revenue_cols].sum(axis=1)
        totals_all += tot
        cos = np.divide(tot, rev, out=np.full(n, np.nan), where=rev > 0)
        for metric, v in (("Total cost", tot), ("Revenue", rev), ("Cost of sales", cos)):
            rows.append((metric, c, float(np.nanmean(v)), *[float(np.nanpercentile(v, q)) for q in (10, 50, 90)]))
        counts, edges = np.histogram(tot, bins=20)
        hist_rows += [(c, f"{edges[i] / 1000:,.0f}k-{edges[i + 1] / 1000:,.0f}k", int(counts[i]))
                      for i in range(len(counts))]
    rep_cost = pd.DataFrame({"rep": plan.slot_rep, "plan": [mdefs[k].plan for k in plan.slot_md]})
    per_slot_mean = cost.mean(axis=0)
    per_slot_p10 = np.percentile(cost, 10, axis=0)
    per_slot_p90 = np.percentile(cost, 90, axis=0)
    g = pd.DataFrame({"rep": plan.slot_rep, "mean": per_slot_mean}).groupby("rep")["mean"].sum()
    per_rep_sims = pd.DataFrame(cost.T).groupby(plan.slot_rep).sum().T.to_numpy()  # (n, reps with slots)
    reps = np.array(sorted(set(plan.slot_rep)))
    per_rep = pd.DataFrame({
        "RepID": rd.rep_ids[reps], "RepName": rd.name[reps],
        "PlanID": rep_cost.groupby("rep")["plan"].first().reindex(reps).to_numpy(),
        "Currency": rd.currency[reps], "MeanCost": g.reindex(reps).to_numpy(),
        "P10": np.percentile(per_rep_sims, 10, axis=0), "P90": np.percentile(per_rep_sims, 90, axis=0),
    })
    del per_slot_p10, per_slot_p90
    summary = pd.DataFrame(rows, columns=["Metric", "Currency", "Mean", "P10", "P50", "P90"])
    hist = pd.DataFrame(hist_rows, columns=["Currency", "TotalCostBand", "Simulations"])
    return Simulation(per_rep=per_rep, summary=summary, histogram=hist, totals=totals_all)


def compare_plans(source: TableSource, inp: CommissionInputs, result: CommissionResult) -> pd.DataFrame | None:
    """Every rep's year pay under the current plans and under the scenario plans, on the same inputs."""
    sm, st = source.read("ScenarioMeasures"), source.read("ScenarioTiers")
    if sm is None and st is None:
        return None

    class Swapped:
        workbook = source.workbook

        def read(self, name):
            if name.lower() == "planmeasures" and sm is not None:
                return RawTable(name="PlanMeasures", columns=sm.columns, data=sm.data, sheet=sm.sheet,
                                workbook=sm.workbook, header_row=sm.header_row, first_col=sm.first_col,
                                errors=sm.errors)
            if name.lower() == "tiers" and st is not None:
                return RawTable(name="Tiers", columns=st.columns, data=st.data, sheet=st.sheet, workbook=st.workbook,
                                header_row=st.header_row, first_col=st.first_col, errors=st.errors)
            if name.lower().startswith("paid"):
                return None  # compare the plans themselves, not the locked records
            return source.read(name)

        def table_names(self):
            return source.table_names()

    alt = compute(load_inputs(Swapped()), computed_at=result.run.computed_at)
    cur = result.summary.groupby(["RepID", "RepName", "Currency"], sort=False)["Total"].sum()
    new = alt.summary.groupby(["RepID", "RepName", "Currency"], sort=False)["Total"].sum()
    both = pd.concat([cur.rename("Current"), new.rename("Scenario")], axis=1).fillna(0).reset_index()
    both["Change"] = both["Scenario"] - both["Current"]
    with np.errstate(divide="ignore", invalid="ignore"):
        both["ChangePct"] = np.where(both["Current"] != 0, both["Change"] / both["Current"].abs(), np.nan)
    both["Outcome"] = np.select([both["Change"] > 0, both["Change"] < 0], ["gains", "loses"], "unchanged")
    return both.sort_values(["Change", "RepID"], kind="stable").reset_index(drop=True)


def run_whatif(source: TableSource, *, computed_at: str | None = None, progress=None):
    """The what-if workflow: simulation (+ comparison when scenario tables exist) -> the 'What-if' sheet."""
    from ..capabilities import check_kind
    from ..words import count
    from ..workflows import WorkflowResult
    from .outputs import _block

    say = progress or (lambda s: None)
    say("reading tables")
    check_kind("commissions", source.table_names(), source.workbook, "the what-if simulation")
    problems = ProblemCollector()
    settings = _settings(source, problems)
    problems.raise_if_any()
    inp = load_inputs(source)
    say("computing")
    result = compute(inp, computed_at=computed_at)
    sim = simulate(inp, result, settings)
    cmp = compare_plans(source, inp, result)
    say("building sheets")
    money = lambda f, cols: f.assign(**{c: np.round(f[c], 2) for c in cols})  # noqa: E731
    blocks, charts, row = [], [], 4
    summ = sim.summary
    blocks.append(_block("WhatIfCost", (Column("Metric", "text"), Column("Currency", "text"),
                                        Column("Mean", "number"), Column("P10", "number"), Column("P50", "number"),
                                        Column("P90", "number")), summ, f"A{row}"))
    row += len(summ) + 3
    hist = sim.histogram
    blocks.append(_block("WhatIfHistogram", (Column("Currency", "text"), Column("TotalCostBand", "text"),
                                             Column("Simulations", "int")), hist, f"A{row}"))
    charts.append(ChartSpec(kind="column", title="Simulated total commission cost",
                            series=(SeriesRef("Simulations", "WhatIfHistogram", "Simulations", "TotalCostBand"),),
                            anchor="I4", x_title="Total cost", y_title="Simulations", width_cols=10, height_rows=16))
    row += len(hist) + 3
    per_rep = money(sim.per_rep, ["MeanCost", "P10", "P90"])
    blocks.append(_block("WhatIfByRep", (Column("RepID", "text"), Column("RepName", "text"), Column("PlanID", "text"),
                                         Column("Currency", "text"), Column("MeanCost", "number"),
                                         Column("P10", "number"), Column("P90", "number")), per_rep, f"A{row}"))
    row += len(per_rep) + 3
    # the headline is printed by the CLI; the amounts only with --amounts (and in the analyst's own workbook)
    headline = f"simulated {count(int(float(settings['Simulations'])), 'year')} of commission cost"
    amounts = "expected cost " + ", ".join(f"{r.Currency} {r.Mean:,.0f}"
                                           for r in summ[summ.Metric == "Total cost"].itertuples())
    if cmp is not None:
        blocks.append(_block("PlanComparison", (Column("RepID", "text"), Column("RepName", "text"),
                                                Column("Currency", "text"), Column("Current", "money"),
                                                Column("Scenario", "money"), Column("Change", "money"),
                                                Column("ChangePct", "percent"), Column("Outcome", "text")),
                             cmp, f"A{row}"))
        charts.append(ChartSpec(kind="bar", title="Change in year pay under the scenario plans",
                                series=(SeriesRef("Change", "PlanComparison", "Change", "RepID"),),
                                anchor="I22", x_title="Rep", y_title="Change", width_cols=10, height_rows=24))
        tot = cmp.groupby("Currency")[["Current", "Scenario"]].sum()
        amounts += "; scenario " + ", ".join(f"{c} {(r.Scenario - r.Current) / 100:+,.0f}"
                                             for c, r in tot.iterrows())
        gain, lose = int((cmp.Outcome == "gains").sum()), int((cmp.Outcome == "loses").sum())
        headline += (f"; under the scenario plan {count(gain, 'rep')} {'gains' if gain == 1 else 'gain'}, "
                     f"{count(lose, 'rep')} {'loses' if lose == 1 else 'lose'}")
    notes = (("A1", "Plan what-if: simulated cost and plan comparison"),
             ("A2", f"Attainment from {settings['AttainmentSource']}; {settings['Simulations']} simulations, "
                    f"seed {settings['Seed']}; annual quota and target per rep, the plan's tiers, gates and caps."))
    sheet = SheetSpec(name="What-if", tables=tuple(blocks), charts=tuple(charts), notes=notes, tab_color="548235")
    return WorkflowResult(sheets=[sheet], summary={"headline": headline, "amounts": amounts},
                          warnings=result.run.warnings,
                          result=(sim, cmp))
