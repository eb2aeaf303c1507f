"""Workflows of the territory workbook: read every input first, compute, return the sheets to write.

* :func:`recalc_territories` - what ``salesops-xl recalc`` runs: the alignment if the workbook holds its
  tables (TerritoryUnits, TerritoryReps), lead routing if it holds Leads and LeadReps, or both.
* :func:`align_territories` - the alignment only ("Align territories" button, ``salesops-xl territories align``).
* :func:`route_leads` - lead routing only ("Route leads" button, ``salesops-xl territories leads``).

Each writes the Run Log with its own items and keeps the other half's items of the previous log, so
running one half leaves the other's record as it was. Recalculating unchanged inputs keeps the previous
run's time: the workbook comes back byte for byte.
"""
from __future__ import annotations

import datetime as _dt

from ..errors import InputError, Problem, ProblemCollector
from ..source import TableSource
from ..words import count
from ..workflows import Progress, WorkflowResult, previous_run
from . import inputs as align_inputs
from . import leads as lead_mod
from .engine import AlignmentResult, compute_alignment
from .optimiser import HIGHS_MIP_ABS_GAP, HIGHS_MIP_FEASIBILITY_TOLERANCE, MIP_REL_GAP, DistanceError
from .outputs import alignment_sheets, lead_sheets, run_log_sheet

A_PREFIX, L_PREFIX = "Alignment: ", "Leads: "


class _Cached:
    """A TableSource that reads each table once (the workflows look at some tables twice)."""

    def __init__(self, source: TableSource):
        self._source = source
        self.workbook = source.workbook
        self._cache: dict[str, object] = {}

    def read(self, name: str):
        key = name.lower()
        if key not in self._cache:
            self._cache[key] = self._source.read(name)
        return self._cache[key]

    def table_names(self) -> list[str]:
        return self._source.table_names()


def recalc_territories(source: TableSource, *, computed_at: str | None = None,
                       progress: Progress | None = None) -> WorkflowResult:
    """Align territories and/or route leads, whichever the workbook holds."""
    return _run(source, align=True, leads=True, computed_at=computed_at, progress=progress, strict=False)


def align_territories(source: TableSource, *, computed_at: str | None = None,
                      progress: Progress | None = None, time_limit: float | None = None) -> WorkflowResult:
    """Align territories only; ``time_limit``: seconds, instead of AlignSettings[TimeLimit]."""
    return _run(source, align=True, leads=False, computed_at=computed_at, progress=progress, strict=True,
                time_limit=time_limit)


def route_leads(source: TableSource, *, computed_at: str | None = None, progress: Progress | None = None,
                reroute: tuple[str, ...] = ()) -> WorkflowResult:
    """Route leads only; ``reroute``: LeadIDs to route again although they already have a rep."""
    return _run(source, align=False, leads=True, computed_at=computed_at, progress=progress, strict=True,
                reroute=tuple(reroute))


def _previous_warnings(source) -> list[str]:
    raw = source.read("RunWarnings")
    if raw is None or "Warning" not in raw.columns:
        return []
    return [str(w) for w in raw.data["Warning"] if w is not None and str(w) != "(none)"]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _run(source: TableSource, *, align: bool, leads: bool, computed_at: str | None, progress: Progress | None,
         strict: bool, reroute: tuple[str, ...] = (), time_limit: float | None = None) -> WorkflowResult:
    from .. import __version__

    say = progress or (lambda stage: None)
    say("reading tables")
    from ..capabilities import check_kind

    check_kind("territories", source.table_names(), source.workbook, "the territory workflows")
    src = _Cached(source)
    prev = previous_run(src)
    version = f"salesops-xl {__version__}"
    do_align = align and (strict or align_inputs.present(src))
    do_leads = leads and (strict or lead_mod.present(src))
    problems = ProblemCollector()
    if not do_align and not do_leads:
        raise InputError([Problem(
            message="the workbook holds neither the alignment tables (TerritoryUnits, TerritoryReps) nor the lead "
                    "tables (Leads, LeadReps)",
            expected="the tables of at least one of them; `salesops-xl schema --kind territories` lists them",
            show_value=False, workbook=src.workbook)])
    a_in = align_inputs.load_alignment(src, problems) if do_align else None
    l_in = lead_mod.load_leads(src, problems, reroute=reroute) if do_leads else None
    problems.raise_if_any()
    say("computing")
    items: list[tuple[str, str]] = [("Engine version", version)]
    warnings: list[str] = []
    sheets = []
    summary: dict = {}
    headline = []
    same_engine = prev.get("Engine version") == version

    def stamp(prefix: str, fp: str) -> str:
        if computed_at is not None:
            return computed_at
        if same_engine and prev.get(f"{prefix}input fingerprint (SHA-256)") == fp:
            return prev.get(f"{prefix}computed at (UTC)") or _now()
        return _now()

    prev_items = list(prev.items())
    prev_warn = _previous_warnings(src)
    if a_in is not None:
        try:
            res = compute_alignment(a_in, time_limit=time_limit)
        except DistanceError as exc:  # a backstop: inputs.py names the missing rows before solving
            raise InputError([Problem(message=str(exc), expected="a Distances row for every pair the alignment "
                                      "uses, or AlignSettings MissingDistance GreatCircle", show_value=False,
                                      workbook=src.workbook, table="Distances")]) from exc
        sheets += alignment_sheets(res)
        items += _align_items(res, stamp(A_PREFIX, a_in.fingerprint))
        warnings += [A_PREFIX + w for w in res.warnings]
        summary["alignment"] = _align_summary(res)
        headline.append(summary["alignment"]["headline"])
    else:
        items += [(k, v) for k, v in prev_items if k.startswith(A_PREFIX)]
        warnings += [w for w in prev_warn if w.startswith(A_PREFIX)]
    if l_in is not None:
        lres = lead_mod.route(l_in)
        sheets += lead_sheets(lres)
        items += _lead_items(lres, stamp(L_PREFIX, l_in.fingerprint))
        warnings += [L_PREFIX + w for w in l_in.warnings]
        summary["leads"] = _lead_summary(lres)
        headline.append(summary["leads"]["headline"])
    else:
        items += [(k, v) for k, v in prev_items if k.startswith(L_PREFIX)]
        warnings += [w for w in prev_warn if w.startswith(L_PREFIX)]
    say("building sheets")
    sheets.append(run_log_sheet(items, warnings))
    summary["headline"] = "; ".join(headline)
    return WorkflowResult(sheets=sheets, summary=summary, warnings=warnings,
                          result={"alignment": res if a_in is not None else None,
                                  "leads": lres if l_in is not None else None})


def _fmt(x, spec: str = ",.2f") -> str:
    return "" if x is None else format(x, spec)


def _sig(x) -> str:
    """A figure to 10 significant digits (the Run Log's objective and bound: small ones stay readable)."""
    return "" if x is None else format(float(x), ",.10g")


def _optimality(sol) -> str:
    """What is proven about the alignment, in words (docs/territories.md section 8)."""
    if sol.proven_optimal:
        return (f"proven optimal by HiGHS (within its tolerances: relative gap {MIP_REL_GAP:g}, absolute gap "
                f"{HIGHS_MIP_ABS_GAP:g} in the solver's scaled cost units, feasibility "
                f"{HIGHS_MIP_FEASIBILITY_TOLERANCE:g})")
    if sol.gap is None:
        return "not proven (no bound applies: see the status)"
    budget = f"; the time budget of {sol.time_limit:g} s ran out" if sol.hit_time_limit else ""
    return (f"not proven optimal: at most {sol.gap:.6%} above the best possible (objective - {sol.bound_source} "
            f"= {_sig(sol.objective - sol.lower_bound)}){budget}")


def _align_items(res: AlignmentResult, at: str) -> list[tuple[str, str]]:
    sol, inp = res.solution, res.inputs
    met = res.metrics.set_index("Metric")
    s = inp.settings
    return [
        (A_PREFIX + "computed at (UTC)", at),
        (A_PREFIX + "input fingerprint (SHA-256)", inp.fingerprint),
        (A_PREFIX + "units", str(len(inp.units))),
        (A_PREFIX + "territories", str(len(inp.reps))),
        (A_PREFIX + "settings", f"BalanceOn {'+'.join(s.balance_on) or 'none'}, Tolerance {s.tolerance:.2%}, "
                                f"DisruptionWeight {s.disruption_km:g} km, Centres {s.centres}, Contiguity "
                                f"{'Yes' if s.contiguity and len(inp.edges) else 'No'}, TimeLimit "
                                f"{sol.time_limit:g} s"),
        (A_PREFIX + "distances", "great-circle km from the coordinates" if not inp.distance_rows else
         f"Distances table ({inp.distance_rows:,} rows)" + (", great-circle km where it has no row"
                                                            if s.missing_distance == "great-circle" else
                                                            ", every pair used has a row")),
        (A_PREFIX + "method", sol.method),
        (A_PREFIX + "status", sol.status),
        (A_PREFIX + "objective", _sig(sol.objective)),
        (A_PREFIX + "lower bound (proven)", _sig(sol.lower_bound) + (f" ({sol.bound_source})" if sol.bound_source
                                                                     else "")),
        (A_PREFIX + "gap to the lower bound", "" if sol.gap is None else f"{sol.gap:.6%}"),
        (A_PREFIX + "optimality", _optimality(sol)),
        (A_PREFIX + "time budget", f"{sol.time_limit:g} s, " + ("reached" if sol.hit_time_limit else
                                                                  "not reached")),
        (A_PREFIX + "centre rounds", str(sol.centre_rounds)),
        (A_PREFIX + "units moved", str(int(met.loc["Units moved", "After"]))),
    ]


def _align_summary(res: AlignmentResult) -> dict:
    sol = res.solution
    met = res.metrics.set_index("Metric")
    dev_b = met.loc["Largest potential deviation from target", "Before"]
    dev_a = met.loc["Largest potential deviation from target", "After"]
    moved = int(met.loc["Units moved", "After"])
    headline = (f"{count(len(res.inputs.units), 'unit')} in {count(len(res.inputs.reps), 'territory', 'territories')}"
                f": largest potential deviation {dev_a:.1%} (was {dev_b:.1%}), {count(moved, 'unit')} moved; "
                f"{sol.status}")
    return {"headline": headline, "objective": sol.objective, "lower_bound": sol.lower_bound, "gap": sol.gap,
            "status": sol.status, "units_moved": moved, "max_potential_deviation": dev_a}


def _lead_items(res, at: str) -> list[tuple[str, str]]:
    inp = res.inputs
    rules = dict(zip(res.rules["Rule"], res.rules["Leads"]))
    return [
        (L_PREFIX + "computed at (UTC)", at),
        (L_PREFIX + "input fingerprint (SHA-256)", inp.fingerprint),
        (L_PREFIX + "leads", str(inp.n_leads)),
        (L_PREFIX + "reps", str(len(inp.reps))),
        (L_PREFIX + "by rule", ", ".join(f"{k} {int(v)}" for k, v in rules.items())),
        (L_PREFIX + "by origin", _origins(res)),
        (L_PREFIX + "rerouted on request", _moves(res) or "none"),
        (L_PREFIX + "round-robin state used", inp.state_source),
    ]


def _origins(res) -> str:
    counts = res.assignments["Origin"].value_counts()
    return ", ".join(f"{k} {int(counts.get(k, 0))}" for k in (lead_mod.ORIGIN_ROUTED, lead_mod.ORIGIN_REROUTED,
                                                                lead_mod.ORIGIN_ASSIGNED))


def _moves(res, only_now: bool = False) -> str:
    """'L7 R03 -> R05, ...' for the rows routed again on request (this run's only, or every Rerouted row)."""
    a = res.assignments
    kept = res.inputs.kept
    sel = (a["Origin"] == lead_mod.ORIGIN_REROUTED).to_numpy().copy()
    if only_now and kept is not None:
        sel &= kept.todo
    was = a["Detail"].astype(str).str.extract(r"^rerouted on request \(was ([^)]*)\)")[0].to_numpy(object)
    moves = [f"{lid} {w} -> {to}" for lid, w, to in zip(a["LeadID"][sel], was[sel], a["AssignedTo"][sel])]
    return ", ".join(moves[:20]) + (f" ... ({len(moves)} in all)" if len(moves) > 20 else "")


def _lead_summary(res) -> dict:
    rules = dict(zip(res.rules["Rule"], res.rules["Leads"].astype(int)))
    queued = rules.get(lead_mod.RULE_FALLBACK, 0)
    kept = res.inputs.kept
    n_new = int(kept.todo.sum()) if kept is not None else res.inputs.n_leads
    moved = _moves(res, only_now=True)
    headline = (f"{count(res.inputs.n_leads, 'lead')}: {n_new:,} routed this run, {res.inputs.n_leads - n_new:,} kept, "
                f"{queued:,} in the fallback queue {res.inputs.settings.fallback_queue!r}"
                + (f"; moved on request: {moved}" if moved else ""))
    return {"headline": headline, "rules": rules, "routed": n_new, "kept": res.inputs.n_leads - n_new,
            "moved": moved}
