"""Rep statements: the sheets of one rep's statement workbook, holding only that rep's data.

(The batch door writes them, one file per rep, and renders PDFs: :mod:`salesops_xl.batch.statements`.)

A statement has a *Statement* sheet, a document printed portrait (see
:func:`statement_sheets`), a *Lines* sheet (every line of the rep's pay:
deals, reversals, true-ups, SPIFs, bonuses, adjustments, draws, prior-period
adjustments, grouped by pay month with month totals) and, when the rep has a
draw, a *Draws* sheet with the balance month by month.

Privacy: nothing of another rep goes in. Team (override) credit is shown per
period and measure without the names, ids or deals of the team members; the
manager is named (the header block asks for it) but the manager's id is left
out; document properties carry no names.
"""
from __future__ import annotations

import datetime as _dt
import re
import textwrap

import numpy as np
import pandas as pd

from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from ..tables import object_frame
from .columns import LINE_TEAM, LINE_TEAM_REVERSAL
from .engine import SUMMARY_COMPONENTS, CommissionResult

#: What a rep reads: plain-language headers (the workbook's own tables keep their field names).
MONTH_COLUMNS = (
    Column("Pay month", "text", width=16), Column("Commission", "money", width=12), Column("SPIFs", "money", width=12),
    Column("Bonuses", "money", width=12), Column("Adjustments", "money", width=12),
    Column("Prior periods", "money", width=12), Column("Draws", "money", width=12),
    Column("Total", "money", width=12), Column("Status", "text", width=12),
)
ATTAINMENT_COLUMNS = (
    Column("Measure", "text", width=16), Column("Period", "text", width=11), Column("Credit", "money", width=11),
    Column("Quota", "money", width=11), Column("Attainment", "percent", width=11),
    Column("Attainment year to date", "percent", width=11), Column("Tier reached", "text", width=11),
    Column("Earned to date", "money", width=11), Column("Payable", "money", width=11),
)
SUMMARY_ITEM_COLUMNS = (Column("Item", "text", width=16), Column("Amount", "money", width=11))
STATEMENT_LINE_COLUMNS = (
    Column("Pay month", "text", width=10), Column("Period", "text", width=10), Column("Measure", "text", width=13),
    Column("What", "text", width=14), Column("Deal", "text", width=10), Column("Closed", "date", width=11),
    Column("Product", "text", width=11), Column("Split", "percent", width=8), Column("FX rate", "number", width=9),
    Column("Credit", "money", width=12), Column("Attainment before", "percent", width=11),
    Column("Attainment after", "percent", width=11), Column("Tier", "text", width=18), Column("Rate", "rate", width=9),
    Column("Amount", "money", width=12), Column("Month total", "money", width=12), Column("Note", "text", width=60),
)
_LINE_FIELDS = {"Pay month": "PayMonth", "Period": "Period", "Measure": "Measure", "What": "LineType",
                "Deal": "DealID", "Closed": "CloseDate", "Product": "Product", "Split": "SplitPct", "FX rate": "FXRate",
                "Credit": "Credit", "Attainment before": "AttainmentFrom", "Attainment after": "AttainmentTo",
                "Tier": "Tier", "Rate": "Rate", "Amount": "Amount", "Note": "Note"}
DRAW_STATEMENT_COLUMNS = (
    Column("Pay month", "text", width=10), Column("Draw", "text", width=14), Column("Draw amount", "money", width=12),
    Column("Earnings before the draw", "money", width=13), Column("Top-up", "money", width=11),
    Column("Advance", "money", width=11), Column("Recovered", "money", width=11),
    Column("Balance owed at start", "money", width=13), Column("Balance owed at end", "money", width=13),
    Column("Written off", "money", width=11),
)
_DRAW_FIELDS = {"Pay month": "PayMonth", "Draw": "DrawType", "Draw amount": "DrawAmount",
                "Earnings before the draw": "EarningsBeforeDraw", "Top-up": "TopUp", "Advance": "Advance",
                "Recovered": "Recovery", "Balance owed at start": "OpeningBalance",
                "Balance owed at end": "ClosingBalance", "Written off": "WrittenOff"}
_ATT_FIELDS = {"Measure": "Measure", "Period": "Period", "Credit": "Credit", "Quota": "Quota",
               "Attainment": "Attainment", "Attainment year to date": "AttainmentYTD", "Tier reached": "Tier",
               "Earned to date": "EarnedToDate", "Payable": "Payable"}
YEAR_TOTAL = "Year total"
MONTH_TOTAL = "Month total"
PERIOD_WORDS = {"Month": "Monthly", "Quarter": "Quarterly", "Year": "Yearly"}
WRAP_CHARS = 105  # text lines of the statement sheet are cut to the width of its tables (columns A to I)


def statement_file_stem(rep: str) -> str:
    """The file name of a rep's statement without its extension: ``statement_<RepID>``, the id made safe for a file name."""
    return "statement_" + _safe(rep)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("_") or "rep"


def _anonymise_team(lines: pd.DataFrame) -> pd.DataFrame:
    """Team lines rolled up per month, period, measure and kind, without the members' identities."""
    team = lines["LineType"].isin([LINE_TEAM, LINE_TEAM_REVERSAL])
    if not team.any():
        return lines
    t = lines[team]
    agg = t.groupby(["PayMonth", "Period", "Measure", "LineType"], sort=False).agg(
        Credit=("Credit", "sum"), Amount=("Amount", "sum"), AttainmentFrom=("AttainmentFrom", "min"),
        AttainmentTo=("AttainmentTo", "max"), Tier=("Tier", "first"), n=("Amount", "size")).reset_index()
    agg["Note"] = np.where(agg["LineType"] == LINE_TEAM, "credit of your team", "cancellations in your team")
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["Rate"] = np.where(agg["Credit"] != 0, agg["Amount"] / agg["Credit"], np.nan)
    agg = agg.drop(columns="n")
    for c in lines.columns:
        if c not in agg:
            agg[c] = None if lines[c].dtype == object else (np.datetime64("NaT") if lines[c].dtype.kind == "M"
                                                            else np.nan)
    agg = agg[list(lines.columns)].astype({c: lines[c].dtype for c in ("Amount",)})
    rest = lines[~team]
    cols = {}
    for c in lines.columns:
        v = np.concatenate([rest[c].to_numpy(), agg[c].to_numpy().astype(rest[c].dtype)])
        if v.dtype == object:  # a blank is None under every pandas (pandas 3 fills a None column with NaN)
            v[pd.isna(v)] = None
        cols[c] = v
    out = object_frame(cols)
    order = np.lexsort((np.arange(len(out)), out["PayMonth"].to_numpy().astype(str)))
    return out.iloc[order].reset_index(drop=True)


#: Sheet names of a statement in its own workbook, and inside the commission workbook (the 'Rep statement' script).
STATEMENT_FILE_SHEETS = ("Statement", "Lines", "Draws")
IN_WORKBOOK_SHEETS = ("Rep Statement", "Rep Statement Lines", "Rep Statement Draws")
IN_WORKBOOK_TABLE_PREFIX = "Rep"  # its tables: RepSummary, RepLines...


def statement_sheets(result: CommissionResult, rep_id: str, *, groups=None, names=STATEMENT_FILE_SHEETS,
                     table_prefix: str = "") -> list[SheetSpec]:
    """The sheets of one rep's statement (``names``: the statement, lines and draws sheets).

    The statement sheet is a document printed portrait on one page width: a header block (company, rep,
    manager, plan, currency, period covered, computed date), the summary (earned, paid before, payable
    now, draw balance, year to date), pay by month with its year total, attainment by period, the tiers in
    words, one chart per period type (monthly, quarterly) and where to ask. The lines sheet lists every line
    of pay grouped by pay month, each month closed by its total.
    """
    tp = table_prefix

    def pick(frame, key):
        return frame.iloc[groups[key].get(rep_id, [])] if groups is not None else frame[frame["RepID"] == rep_id]

    summary = pick(result.summary, "summary")
    rep_name = summary["RepName"].iloc[-1] if len(summary) else rep_id  # its own rows, not a dict of every rep
    payouts = pick(result.payouts, "payouts")
    lines = _anonymise_team(pick(result.lines, "lines"))
    draws = pick(result.draws, "draws") if len(result.draws) else result.draws
    run, inp = result.run, result.inputs
    currency = summary["Currency"].iloc[0] if len(summary) else ""
    plan_ids = list(pd.unique(summary["PlanID"].dropna())) if len(summary) else []
    plan_names = _plan_names(inp)
    plans = ", ".join(f"{plan_names.get(p, p)} ({p})" if plan_names.get(p) else str(p) for p in plan_ids)
    manager = _manager_name(inp, summary)
    months = list(summary["PayMonth"]) if len(summary) else []
    covered = (f"{months[0]} to {months[-1]}" if len(months) > 1 else (months[0] if months else "")) + \
        (f" (as of {run.as_of.isoformat()})" if run.as_of else "")
    locked = _locked(result)
    contact = inp.statement_contact or (f"your manager, {manager}" if manager else "your manager")

    notes: list[tuple[str, str]] = []
    looks: list[tuple[str, str]] = []

    def note(cell: str, text: str, look: str | None = None) -> None:
        notes.append((cell, text))
        if look:
            looks.append((cell, look))

    note("A1", inp.company_name or "Commission statement", "title")
    note("A2", f"Commission statement for {rep_name}" if inp.company_name else str(rep_name), "subtitle")
    header = (("Rep", f"{rep_name} ({rep_id})"), ("Manager", manager or "-"), ("Plan", plans or "-"),
              ("Currency", f"{currency}: every amount on this statement is in {currency}" if currency else "-"),
              ("Period covered", covered or "-"), ("Computed", _when(run.computed_at)))
    for k, (label, value) in enumerate(header):
        note(f"A{4 + k}", label, "label")
        note(f"B{4 + k}", value)

    # the summary
    comp = summary[list(SUMMARY_COMPONENTS)].to_numpy(dtype=np.int64) if len(summary) else np.zeros((0, 8), np.int64)
    draw_cols = [SUMMARY_COMPONENTS.index(c) for c in ("DrawTopUp", "DrawAdvance", "DrawRecovery")]
    earned_cols = [i for i in range(len(SUMMARY_COMPONENTS)) if i not in draw_cols]
    totals = summary["Total"].to_numpy(dtype=np.int64) if len(summary) else np.zeros(0, np.int64)
    now = int(totals[-1]) if len(totals) else 0
    balance = int(draws["ClosingBalance"].iloc[-1]) if len(draws) else 0
    held = result.held
    held_now = int(held.loc[held["RepID"] == rep_id, "Held"].sum()) if held is not None and len(held) else 0
    items = [
        ("Earned this year", int(comp[:, earned_cols].sum()) + held_now,
         "commission, SPIFs, bonuses and adjustments of every month shown" + (", and what is held" if held_now
                                                                               else "")),
        ("Draws this year", int(comp[:, draw_cols].sum()), "top-ups and advances paid, minus what was recovered"),
        ("Paid before", int(totals[:-1].sum()), f"the months before {months[-1]}" if months else ""),
        ("Payable now", now, f"the pay of {months[-1]}" if months else ""),
        ("Year to date", int(totals.sum()), "paid before + payable now: the year total of the table below"),
        ("Draw balance owed", balance, "a recoverable draw still to be recovered from future earnings"),
    ]
    if held_now:  # earned, not paid yet: awaiting invoice or payment, or under a manual hold
        items.append(("Held", held_now, "earned but not paid yet: awaiting invoice or payment, or on hold (see "
                                        "the Held and Released lines); paid when released"))
    r_sum = 11
    note(f"A{r_sum}", "Summary", "subtitle")
    s_frame = object_frame({"Item": np.array([i[0] for i in items], dtype=object),
                            "Amount": np.array([i[1] for i in items], dtype=np.int64)})
    s_block = TableBlock(f"{tp}Totals", SUMMARY_ITEM_COLUMNS, {c: s_frame[c].to_numpy() for c in s_frame},
                         anchor=f"A{r_sum + 1}", total_rows=(3,))
    for k, (_i, _v, why) in enumerate(items):
        note(f"C{r_sum + 2 + k}", why)

    # pay by month, with the year total
    r_month = r_sum + 2 + len(items) + 2
    note(f"A{r_month}", "Pay by month", "subtitle")
    m_frame = _months_frame(summary, locked)
    m_block = TableBlock(f"{tp}Summary", MONTH_COLUMNS, {c.name: m_frame[c.name].to_numpy() for c in MONTH_COLUMNS},
                         anchor=f"A{r_month + 1}", total_rows=(len(m_frame) - 1,))

    # attainment by period
    r_att = r_month + 1 + len(m_frame) + 3
    note(f"A{r_att}", "Attainment by period", "subtitle")
    a_frame = payouts.rename(columns={v: k for k, v in _ATT_FIELDS.items()})
    a_block = _block(f"{tp}Attainment", ATTAINMENT_COLUMNS, a_frame, f"A{r_att + 1}")

    # the plan in words
    row = r_att + 1 + max(len(payouts), 1) + 3
    note(f"A{row}", "How you are paid", "subtitle")
    row += 1
    for text in plan_in_words(inp, summary, payouts):
        indent = text[:len(text) - len(text.lstrip())]
        for k, piece in enumerate(textwrap.wrap(text.strip(), WRAP_CHARS - len(indent)) or [""]):
            note(f"A{row}", indent + ("  " if k else "") + piece)
            row += 1

    # one chart per period type
    charts, blocks = [], [s_block, m_block, a_block]
    row += 1
    chart_row = row
    for ptype, piv in _attainment_by_period_type(inp, payouts):
        table = f"{tp}Attainment{ptype}"
        c_cols = (Column("Period", "text"),) + tuple(Column(str(m), "percent") for m in piv.columns[1:])
        blocks.append(TableBlock(table, c_cols, {c.name: piv[c.name].to_numpy() for c in c_cols},
                                 anchor=f"K{chart_row}"))
        charts.append(ChartSpec(kind="line" if ptype == "Month" else "column",
                                title=f"{PERIOD_WORDS.get(ptype, ptype)} measures: attainment year to date",
                                series=tuple(SeriesRef(name=str(m), table=table, values=str(m), categories="Period")
                                             for m in piv.columns[1:]),
                                anchor=f"A{row}", x_title=ptype, y_title="Attainment (YTD)", y_format="0%",
                                width_cols=9, height_rows=18))
        chart_row += len(piv) + 3
        row += 19
    row += 1
    from .disputes import open_disputes

    mine = open_disputes(inp, rep_id)
    if mine:
        note(f"A{row}", "Your open disputes", "subtitle")
        row += 1
        for text in mine:
            for k, piece in enumerate(textwrap.wrap(text, WRAP_CHARS) or [""]):
                note(f"A{row}", ("  " if k else "") + piece)
                row += 1
        row += 1
    note(f"A{row}", f"Questions about this statement: {contact}.", "label")
    note(f"A{row + 1}", f"Every line of your pay, deal by deal, is on the {names[1]} sheet"
                        + (f"; your draw month by month on the {names[2]} sheet." if len(draws) else "."))
    fit_width = True  # every sheet of a statement prints one page wide
    sheets = [SheetSpec(name=names[0], tables=tuple(blocks), charts=tuple(charts), notes=tuple(notes),
                        looks=tuple(looks), tab_color="1F4E79", print_landscape=False, print_rows="1:2", print_area="A:I",
                        print_cols="", print_fit_width=fit_width),
              _lines_sheet(names[1], f"{tp}Lines", lines, rep_name, rep_id, currency, print_fit_width=fit_width)]
    if len(draws):
        d_frame = draws.rename(columns={v: k for k, v in _DRAW_FIELDS.items()})
        sheets.append(SheetSpec(name=names[2], tables=(_block(f"{tp}DrawBalance", DRAW_STATEMENT_COLUMNS, d_frame,
                                                              "A3"),),
                                notes=(("A1", f"Draw: {rep_name} ({rep_id}), amounts in {currency}"),),
                                looks=(("A1", "subtitle"),), freeze="A4", print_fit_width=fit_width))
    return sheets


def _when(computed_at: str) -> str:
    """'2026-07-20T09:00:00+00:00' -> '2026-07-20 09:00 UTC' (the Run Log's "Computed at", in words)."""
    try:
        t = _dt.datetime.fromisoformat(computed_at).astimezone(_dt.UTC)
        return t.strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return computed_at


def _plan_names(inp) -> dict[str, str]:
    plans = inp.tables.get("Plans")
    if plans is None or "PlanName" not in plans.frame:
        return {}
    f = plans.frame
    return {str(k): str(v) for k, v in zip(f["PlanID"], f["PlanName"]) if v is not None and str(v).strip()}


def _manager_name(inp, summary: pd.DataFrame) -> str:
    """The name of the rep's manager (privacy: the name a rep knows, not the id)."""
    if not len(summary):
        return ""
    mid = summary["ManagerID"].iloc[-1]
    if mid is None or (isinstance(mid, float) and np.isnan(mid)):
        return ""
    roster = inp.frame("Roster")
    hit = roster.loc[roster["RepID"] == mid, "RepName"]
    return str(hit.iloc[-1]) if len(hit) else ""


def _locked(result: CommissionResult) -> set[str]:
    lt = result.inputs.locked_through
    return set(result.inputs.calendar.period_labels("Month")[:lt + 1]) if lt is not None else set()


def _months_frame(summary: pd.DataFrame, locked: set[str]) -> pd.DataFrame:
    """Pay by month in plain words, and its year total as the last row."""
    draws = summary[["DrawTopUp", "DrawAdvance", "DrawRecovery"]].sum(axis=1).to_numpy(dtype=np.int64) \
        if len(summary) else np.zeros(0, np.int64)
    cols = {"Pay month": np.array(list(summary["PayMonth"]) + [YEAR_TOTAL], dtype=object)}
    for name, col in (("Commission", "Commission"), ("SPIFs", "SPIFs"), ("Bonuses", "Bonuses"),
                        ("Adjustments", "Adjustments"), ("Prior periods", "PriorPeriodAdjustments"),
                        ("Total", "Total")):
        v = summary[col].to_numpy(dtype=np.int64)
        cols[name] = np.concatenate([v, [v.sum()]])
    cols["Draws"] = np.concatenate([draws, [draws.sum()]])
    cols["Status"] = np.array([("Paid" if m in locked else "Open") for m in summary["PayMonth"]] + [""], dtype=object)
    return object_frame(cols)


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _singular(unit: str) -> str:
    """"meetings" -> "meeting" (a unit named in the plural, as in PlanMeasures[Unit]); others as given."""
    return unit[:-1] if len(unit) > 3 and unit.endswith("s") and not unit.endswith("ss") else unit


def tier_in_words(m) -> list[str]:
    """The bands of a measure's tier table as a rep reads them."""
    t = m.tiers
    out = []
    for k in range(t.n):
        lo, hi, rate = float(t.froms[k]), float(t.tos[k]), float(t.rates[k])
        if m.threshold and hi <= m.threshold:
            continue
        lo = max(lo, float(m.threshold or 0.0))
        where = (f"from {_pct(lo)} to {_pct(hi)} of quota" if np.isfinite(hi) else f"from {_pct(lo)} of quota up")
        if m.rate_type == "Commission" and m.unit:
            text = (f"paid {rate:,.2f} per {_singular(m.unit)} {where}" if m.method == "Marginal"
                    else f"{where}: {rate:,.2f} per {_singular(m.unit)} on all of them")
        elif m.rate_type == "Commission":
            text = (f"paid {_pct(rate)} on credit {where}" if m.method == "Marginal"
                    else f"{where}: {_pct(rate)} on all credit")
        else:
            text = (f"{where}: {rate:g}x the target incentive for each 100% of quota" if m.method == "Marginal"
                    else f"{where}: {rate:g}x the target incentive")
        out.append(f"{text} ({t.names[k]})")
    return out


def plan_in_words(inp, summary: pd.DataFrame, payouts: pd.DataFrame) -> list[str]:
    """One paragraph per measure of the rep's plans: period, basis, tiers, gate and cap in words."""
    plan_ids = set(summary["PlanID"].dropna()) if len(summary) else set()
    paid = set(zip(payouts["PlanID"], payouts["Measure"])) if len(payouts) else set()
    out = []
    for m in inp.measures:
        if m.plan not in plan_ids and (m.plan, m.measure) not in paid:
            continue
        basis = ("each period pays the year-to-date earnings minus what was paid before" if m.basis == "YTD"
                 else "each period is paid on its own")
        gate = f"; nothing below {_pct(m.threshold)} of quota" if m.threshold else ""
        cap = ""
        if m.cap_type == "PctOfTarget" and np.isfinite(m.cap_value):
            cap = f"; capped at {m.cap_value:g}x the target incentive"
        elif m.cap_type == "Amount" and np.isfinite(m.cap_value):
            cap = f"; capped at {m.cap_value:,.2f}"
        team = " (credit of your team)" if m.credit_source == "Team" else ""
        head = (f"{m.measure}{team}, plan {m.plan}, weight {_pct(m.weight)}: "
                f"{PERIOD_WORDS.get(m.period_type, m.period_type).lower()}, {basis}{gate}{cap}.")
        tiers = tier_in_words(m)
        out.append(head)
        out += [f"    {t}" for t in tiers]
    return out


def _attainment_by_period_type(inp, payouts: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The chart data: YTD attainment by period, one frame per period type (months and quarters apart)."""
    if not len(payouts):
        return []
    ptype = {(m.plan, m.measure): m.period_type for m in inp.measures}
    kinds = np.array([ptype.get((p, m), "Month") for p, m in zip(payouts["PlanID"], payouts["Measure"])],
                     dtype=object)
    out = []
    for kind in ("Month", "Quarter", "Year"):
        piv = _attainment_by_period(payouts[kinds == kind])
        if len(piv):
            out.append((kind, piv))
    return out


def _lines_sheet(name: str, table: str, lines: pd.DataFrame, rep_name: str, rep_id: str, currency: str,
                 *, print_fit_width: bool = True) -> SheetSpec:
    """Every line of the rep's pay, grouped by pay month; each month closed by a "Month total" row."""
    frame = lines.rename(columns={v: k for k, v in _LINE_FIELDS.items()})
    months = frame["Pay month"].to_numpy().astype(str) if len(frame) else np.zeros(0, dtype=str)
    cuts = np.flatnonzero(months[1:] != months[:-1]) + 1 if len(months) else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], cuts]) if len(months) else np.zeros(0, dtype=np.int64)
    ends = np.concatenate([cuts, [len(months)]]) if len(months) else np.zeros(0, dtype=np.int64)
    n = len(frame) + len(starts)
    # positions: lines of group g shift down by g (the totals of the groups before them)
    group = np.repeat(np.arange(len(starts)), ends - starts) if len(starts) else np.zeros(0, dtype=np.int64)
    line_pos = np.arange(len(frame)) + group
    total_pos = ends + np.arange(len(starts))
    data = {}
    cols = tuple(c for c in STATEMENT_LINE_COLUMNS if c.name != MONTH_TOTAL)
    converted = _block("x", cols, frame).data
    for c in cols:
        src = converted[c.name]
        if c.kind == "money" and src.dtype.kind in "iu":
            src = src / 100.0  # exact cents -> amounts (a float column: the total rows leave blanks)
        if src.dtype == object:
            v = np.full(n, None, dtype=object)
        elif src.dtype.kind == "M":
            v = np.full(n, np.datetime64("NaT"), dtype=src.dtype)
        else:
            v = np.full(n, np.nan, dtype=np.float64)
        v[line_pos] = src
        data[c.name] = v
    amounts = frame["Amount"].to_numpy(dtype=np.int64) if len(frame) else np.zeros(0, np.int64)
    sums = np.add.reduceat(amounts, starts) if len(starts) else np.zeros(0, np.int64)
    mt = np.full(n, np.nan)
    mt[total_pos] = sums / 100.0
    data[MONTH_TOTAL] = mt
    data["Pay month"][total_pos] = months[starts] if len(starts) else []
    data["What"][total_pos] = MONTH_TOTAL
    block = TableBlock(table, STATEMENT_LINE_COLUMNS, data, anchor="A3", total_rows=tuple(int(p) for p in total_pos))
    notes = (("A1", f"Lines of pay: {rep_name} ({rep_id}), amounts in {currency}, grouped by pay month"),)
    return SheetSpec(name=name, tables=(block,), notes=notes, looks=(("A1", "subtitle"),), freeze="B4",
                     print_landscape=True, print_fit_width=print_fit_width)


def _attainment_by_period(payouts: pd.DataFrame) -> pd.DataFrame:
    """One rep's YTD attainment by period, a column per measure (the statement's chart data).

    Rows sorted by Period, columns by Measure; per cell the last non-blank AttainmentYTD of that period
    and measure; periods and measures without any value left out. (What ``pivot_table(aggfunc="last")``
    gives, built directly: a statement has a few dozen payout rows and pandas' pivot cost more than
    writing the whole file.)
    """
    att = payouts["AttainmentYTD"].to_numpy(dtype=float) if len(payouts) else np.zeros(0)
    keep = ~np.isnan(att) & payouts["Period"].notna().to_numpy() & payouts["Measure"].notna().to_numpy()
    cells: dict[tuple, float] = {}
    for period, measure, a in zip(payouts["Period"].to_numpy()[keep], payouts["Measure"].to_numpy()[keep], att[keep]):
        cells[(period, measure)] = a  # the last one wins
    if not cells:
        return pd.DataFrame()
    periods = sorted({p for p, _ in cells})
    measures = sorted({m for _, m in cells})
    out = {"Period": np.array(periods, dtype=object)}
    for m in measures:
        out[str(m)] = np.array([cells.get((p, m), np.nan) for p in periods], dtype=float)
    return object_frame(out)


def _block(name: str, cols, frame: pd.DataFrame, anchor: str = "A1") -> TableBlock:
    from .outputs import _block as block

    return block(name, cols, frame, anchor)


def rep_rows(result: CommissionResult) -> dict[str, dict[str, np.ndarray]]:
    """Row positions of each rep in each output frame (one pass, not one filter per rep)."""
    out = {}
    for key, frame in (("summary", result.summary), ("payouts", result.payouts), ("lines", result.lines),
                       ("draws", result.draws)):
        out[key] = {k: v for k, v in frame.groupby("RepID", sort=False).indices.items()} if len(frame) else {}
    return out


def select_reps(result: CommissionResult, reps=None) -> list[str]:
    """The reps to write statements for: every rep of the run, or those of ``reps`` (in the run's order).

    A rep of ``reps`` the run does not hold is an :class:`~salesops_xl.errors.InputError` naming each
    one (with the closest RepIDs, for a typo), raised before anything is written: asking for a
    statement that cannot be made is never a silent zero.
    """
    import difflib

    from ..errors import InputError, Problem

    all_reps = [str(r) for r in pd.unique(result.summary["RepID"])]
    if reps is None:
        return all_reps
    wanted = [str(r) for r in reps]
    have = set(all_reps)
    unknown = [r for r in dict.fromkeys(wanted) if r not in have]
    if unknown:
        roster = set(result.inputs.frame("Roster")["RepID"].astype(str)) if "Roster" in result.inputs.tables \
            else set()
        problems = []
        for r in unknown:
            if r in roster:
                problems.append(Problem(
                    f"rep {r} has nothing computed in this run: no statement to write", show_value=False,
                    expected="a rep whose Roster rows cover the plan year", workbook=result.inputs.workbook,
                    table="Roster", column="RepID"))
                continue
            close = [x for x in all_reps if x.lower() == r.lower()] or \
                difflib.get_close_matches(r, all_reps, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(close)}?)" if close else f" ({len(all_reps):,} in this run)"
            problems.append(Problem("no such rep: no statement to write", value=r,
                                    expected=f"a RepID of the Roster{hint}", workbook=result.inputs.workbook,
                                    table="Roster", column="RepID"))
        raise InputError(problems)
    return [r for r in all_reps if r in set(wanted)]


def has_rep_statement(source) -> bool:
    """Whether the workbook holds the Rep Statement sheets (written earlier by the 'Rep statement' script)."""
    summary = f"{IN_WORKBOOK_TABLE_PREFIX}Summary".lower()  # the table statement_sheets names so
    return any(str(n).lower() == summary for n in source.table_names())


def _statement_rep(inputs) -> tuple[str | None, str, int | None]:
    """Settings[StatementRep] if it names a rep of the Roster, else None; and what was found, and its row."""
    roster = set(inputs.frame("Roster")["RepID"].tolist())
    value, row = inputs.statement_rep or (None, None)
    if value is not None and value in roster:
        return value, "", row
    return None, "blank" if value is None else "unknown rep", row


def in_workbook_statement(result: CommissionResult, rep: str) -> tuple[list[SheetSpec], list[str]]:
    """The Rep Statement sheets of ``rep``, and those of the set not produced (no draws): to remove."""
    sheets = statement_sheets(result, rep, names=IN_WORKBOOK_SHEETS, table_prefix=IN_WORKBOOK_TABLE_PREFIX)
    produced = {sh.name for sh in sheets}
    return sheets, [n for n in IN_WORKBOOK_SHEETS if n not in produced]


def refreshed_statement(source, inputs, result: CommissionResult) -> tuple[list[SheetSpec], list[str], list[str]]:
    """For ``recalc``: the Rep Statement sheets again, from this run, if the workbook holds them.

    Returns (sheets, sheets to remove, warnings). A workbook without them gets nothing; one whose
    StatementRep is now blank or unknown keeps its old statement, with a warning saying so.
    """
    if not has_rep_statement(source):
        return [], [], []
    rep, found, _row = _statement_rep(inputs)
    if rep is None:
        return [], [], [f"The Rep Statement sheets were not refreshed and still show an earlier run: "
                         f"Settings[StatementRep] is {found}. Set it to a RepID of the Roster and recalculate, "
                         f"or delete those sheets."]
    sheets, remove = in_workbook_statement(result, rep)
    return sheets, remove, []


def rep_statement_workflow(source, *, computed_at: str | None = None, progress=None):
    """The 'Rep statement' script: the statement of Settings[StatementRep] as sheets of the commission workbook.

    The same sheets as the rep's own statement file (``salesops-xl statements``), named Rep Statement,
    Rep Statement Lines and Rep Statement Draws, with their tables prefixed ``Rep``; computed by the
    same engine run as ``recalc``, so its numbers are the Payouts' numbers. ``recalc`` refreshes these
    sheets when the workbook holds them.
    """
    from ..errors import InputError
    from ..workflows import WorkflowResult
    from .engine import compute
    from .inputs import load_inputs

    say = progress or (lambda stage: None)
    say("reading tables")
    inputs = load_inputs(source)
    rep, found, row = _statement_rep(inputs)
    if rep is None:
        value = inputs.statement_rep[0] if inputs.statement_rep else None
        raise InputError([inputs.tables["Settings"].problem(
            row, "Value" if row is not None else "Setting", f"StatementRep is {found}", value=value,
            show_value=value is not None, expected="a row Setting = StatementRep whose Value is a RepID of the Roster")])
    say("computing")
    from ..workflows import kept_run_time, previous_run

    # one run time everywhere: the Run Log's, when the inputs are those of the last recalculation
    result = compute(inputs, computed_at=kept_run_time(previous_run(source), inputs.fingerprint, computed_at))
    say("building sheets")
    sheets, remove = in_workbook_statement(result, rep)
    name = dict(zip(result.summary["RepID"], result.summary["RepName"])).get(rep, rep)
    return WorkflowResult(sheets=sheets, summary={"headline": f"{name} ({rep})", "rep": rep},
                          warnings=result.run.warnings, result=result, remove=remove)
