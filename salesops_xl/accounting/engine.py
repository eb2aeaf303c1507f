"""From a commission run to the books: capitalised contract costs (ASC 340-40 / IFRS 15), their amortisation
schedule and roll-forward, the accrual of earned-but-unpaid commission, the month-end close report and the
journal. Every rule is stated in docs/accounting.md; money is int64 cents throughout."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemCollector
from ..money import largest_remainder
from . import amortise as A
from .schema import JOURNAL_ENTRIES

#: Statement line types that are a deal's own commission: what the capitalisation policy governs.
DEAL_LINE = "Deal"
#: Line types earned in the month of the deal's close date (the rest are earned in their pay month).
EARNED_AT_CLOSE = ("Deal", "SPIF")
TRUE_UP, PRIOR_PERIOD = "True-up", "Prior-period adjustment"
#: Held and Released lines move commission in time (held until invoiced, collected or released): they are paid
#: in their pay month but earn nothing, so held commission stays in the accrual (an accrued liability, not lost).
HOLD_LINES = ("Held", "Released")
DRAW_LINES = ("Draw advance", "Draw recovery")  # a receivable from the rep, not an expense

CAPITALISED = "Capitalised"
EXPENSED_POLICY = "Expensed (policy)"
EXPENSED_EXPEDIENT = "Expensed (practical expedient: 12 months or less)"
EXPENSED_NOT_POSITIVE = "Expensed (not a positive amount)"


@dataclass(frozen=True)
class AccountingResult:
    """Outputs of commission accounting; money columns in int64 cents."""

    register: pd.DataFrame  # one row per rep and deal commission: treatment, period of benefit, balances
    schedule: pd.DataFrame  # one row per capitalised commission and month
    rollforward: pd.DataFrame  # one row per currency and month: opening, capitalised, amortised, written off, closing
    close: pd.DataFrame  # one row per currency and month: the accrual and what moved it
    journal: pd.DataFrame  # balanced entries per month and currency (accounts when JournalAccounts maps them)
    months: tuple[str, ...]  # every month of the books, in order


def has_policy(inputs) -> bool:
    t = inputs.tables.get("CapPolicy")
    return t is not None and len(t.frame) > 0


def account(result, *, require_accounts: bool = False) -> AccountingResult:
    """Book a commission run (a :class:`~salesops_xl.commissions.engine.CommissionResult`).

    Raises :class:`~salesops_xl.errors.InputError` naming sheet, table, row, column and value when the
    policy or the chart of accounts cannot book it (nothing is written then).
    """
    problems = ProblemCollector()
    inputs = result.inputs
    lines = result.lines
    items = _items(result, problems)
    accounts = _accounts(inputs, result, problems, require_accounts)
    problems.raise_if_any()
    books = _amortise(items, inputs)
    rollforward = _rollforward(books)
    earned = _earned(lines, result)
    close = _close(earned, result)
    journal = _journal(earned, items, rollforward, result, accounts)
    months = sorted(set(rollforward["Month"]) | set(close["Month"]))
    return AccountingResult(register=_register(items, books), schedule=_schedule_frame(books),
                            rollforward=rollforward, close=close, journal=journal, months=tuple(months))


def journal_entries(result, *, require_accounts: bool = True) -> pd.DataFrame:
    """The journal of a commission run alone (what ``export journal`` writes): :func:`account`'s journal, without
    building the per-deal schedule, register and close frames it does not need."""
    problems = ProblemCollector()
    items = _items(result, problems)
    accounts = _accounts(result.inputs, result, problems, require_accounts)
    problems.raise_if_any()
    rollforward = _rollforward(_amortise(items, result.inputs))
    return _journal(_earned(result.lines, result), items, rollforward, result, accounts)


# -- capitalisation ---------------------------------------------------------------------------------

def _items(result, problems: ProblemCollector) -> pd.DataFrame:
    """One row per rep, deal and measure with deal commission, with its policy decision and benefit months."""
    inputs = result.inputs
    lines = result.lines
    deal = lines[(lines["LineType"].to_numpy() == DEAL_LINE) & lines["DealID"].notna().to_numpy()]
    plan_of = result.payouts.drop_duplicates(["RepID", "Measure", "Period"]).set_index(
        ["RepID", "Measure", "Period"])[["PlanID", "Currency"]]
    deal = deal.join(plan_of, on=["RepID", "Measure", "Period"])
    items = (deal.groupby(["DealID", "RepID", "Measure", "PlanID", "Currency"], sort=False, dropna=False)
             .agg(CloseDate=("CloseDate", "min"), Period=("Period", "first"), Commission=("Amount", "sum"))
             .reset_index())
    names = result.summary.drop_duplicates("RepID").set_index("RepID")["RepName"]
    items.insert(2, "RepName", items["RepID"].map(names).astype(object))
    pol = inputs.tables["CapPolicy"]
    pf = pol.frame
    key = pd.Series(np.arange(len(pf)), index=pd.MultiIndex.from_arrays(
        [pf["PlanID"].fillna("").astype(str).to_numpy(), pf["Measure"].astype(str).to_numpy()]))
    exact = key.reindex(pd.MultiIndex.from_arrays([items["PlanID"].fillna("").astype(str).to_numpy(),
                                                   items["Measure"].astype(str).to_numpy()])).to_numpy()
    anyplan = key.reindex(pd.MultiIndex.from_arrays([np.full(len(items), ""),
                                                     items["Measure"].astype(str).to_numpy()])).to_numpy()
    row = np.where(np.isnan(exact), anyplan, exact)
    _unmatched_measures(inputs, key, problems)
    row_ok = ~np.isnan(row)
    r = np.where(row_ok, row, 0).astype(np.intp)
    treatment = pf["Treatment"].to_numpy(dtype=object)[r] if len(pf) else np.full(len(items), None)
    basis = pf["PeriodOfBenefit"].to_numpy(dtype=object)[r] if len(pf) else np.full(len(items), None)
    pmonths = pd.to_numeric(pf["Months"], errors="coerce").to_numpy(dtype=np.float64)[r] if len(pf) \
        else np.full(len(items), np.nan)
    expedient = pf["PracticalExpedient"].to_numpy(dtype=object)[r] if len(pf) else np.full(len(items), None)
    terms = inputs.tables.get("DealTerms")
    term = np.full(len(items), np.nan)
    if terms is not None and len(terms.frame):
        tmap = pd.Series(pd.to_numeric(terms.frame["TermMonths"], errors="coerce").to_numpy(),
                         index=terms.frame["DealID"].astype(str).to_numpy())
        term = tmap.reindex(items["DealID"].astype(str).to_numpy()).to_numpy(dtype=np.float64)
    by_term = basis == "ContractTerm"
    months = np.where(by_term & ~np.isnan(term), term, pmonths)
    capitalise = row_ok & (treatment == "Capitalise")
    _missing_months(items, capitalise, by_term, months, r, inputs, pol, problems)
    n = np.nan_to_num(months, nan=0).astype(np.int64)
    positive = items["Commission"].to_numpy() > 0
    expedient_applies = (expedient != "No") & (n <= 12)
    cap = capitalise & positive & ~expedient_applies & (n >= 1)
    reason = np.where(cap, CAPITALISED, np.where(~capitalise, EXPENSED_POLICY, np.where(
        ~positive, EXPENSED_NOT_POSITIVE, EXPENSED_EXPEDIENT))).astype(object)
    items["Treatment"] = reason
    items["BenefitMonths"] = np.where(row_ok & ~np.isnan(months), months, np.nan)
    items["Capitalise"] = cap
    return items


def _unmatched_measures(inputs, key: pd.Series, problems: ProblemCollector) -> None:
    """Every plan measure paying deal commission (CreditSource Own) must match a CapPolicy row."""
    pm = inputs.tables["PlanMeasures"]
    have = set(key.index)
    for m in inputs.measures:
        if m.credit_source != "Own":
            continue
        if (m.plan, m.measure) in have or ("", m.measure) in have:
            continue
        problems.add(pm.problem(m.row, "Measure", f"no CapPolicy row for the deal commission of plan {m.plan}, "
                                f"measure {m.measure}", value=m.measure,
                                expected=f"a CapPolicy row (sheet 'Finance') with Measure {m.measure} and PlanID "
                                         f"{m.plan} or blank, saying Capitalise or Expense"))


def _missing_months(items, capitalise, by_term, months, r, inputs, pol, problems: ProblemCollector) -> None:
    bad = capitalise & np.isnan(months)
    if not bad.any():
        return
    deals = inputs.tables["Deals"]
    first_row = pd.Series(np.arange(len(deals.frame)), index=deals.frame["DealID"].astype(str).to_numpy())
    first_row = first_row[~first_row.index.duplicated()]
    for i in np.flatnonzero(bad):
        if by_term[i]:
            d = str(items["DealID"].iat[i])
            problems.add(deals.problem(int(first_row[d]), "DealID", "a capitalised deal has no contract term",
                                       value=d, expected=f"a DealTerms row with DealID {d}, or Months on its "
                                                         f"CapPolicy row ({pol.raw.row_ref(int(r[i]))})"))
        else:
            problems.add(pol.problem(int(r[i]), "Months", "a CustomerLife policy needs the months of benefit",
                                     value=None, expected="a whole number of months of at least 1"))


def _events(inputs, items: pd.DataFrame, period_type: dict) -> pd.DataFrame:
    """Cancellations of capitalised deals: (item, month, share of the item's commission)."""
    deals = inputs.frame("Deals")
    full = deals[(deals["Status"].to_numpy() == "Cancelled") & deals["CancelDate"].notna().to_numpy()]
    ev = [pd.DataFrame({"DealID": full["DealID"].astype(str).to_numpy(), "CancelDate": full["CancelDate"].to_numpy(),
                        "Pct": 1.0}).drop_duplicates("DealID")]
    canc = inputs.tables.get("Cancellations")
    if canc is not None and len(canc.frame):
        c = canc.frame
        ev.append(pd.DataFrame({"DealID": c["DealID"].astype(str).to_numpy(), "CancelDate": c["CancelDate"].to_numpy(),
                                "Pct": c["CancelledPct"].to_numpy(dtype=np.float64)}))
    ev = pd.concat(ev, ignore_index=True)
    as_of = inputs.calendar.as_of
    if as_of is not None:
        ev = ev[ev["CancelDate"].to_numpy() <= np.datetime64(as_of)]
    idx = items.reset_index(drop=True)[["DealID", "CloseDate", "Measure", "PlanID"]].copy()
    idx["item"] = np.arange(len(idx))
    idx["DealID"] = idx["DealID"].astype(str)
    ev = ev.merge(idx, on="DealID")
    if not len(ev):
        return pd.DataFrame({"item": np.zeros(0, np.intp), "month": np.zeros(0, np.int64), "share": np.zeros(0)})
    cal = inputs.calendar
    ptype = np.array([period_type.get((p, m), "Month") for p, m in zip(ev["PlanID"], ev["Measure"])], dtype=object)
    cd = ev["CancelDate"].to_numpy(dtype="datetime64[D]")
    close = ev["CloseDate"].to_numpy(dtype="datetime64[D]")
    same = np.zeros(len(ev), dtype=bool)
    for t in ("Month", "Quarter"):
        sel = ptype == t
        if sel.any():
            same[sel] = cal.period_index(cd[sel], t) == cal.period_index(close[sel], t)
    # a cancellation in the close's own period never counted (commission rule 9): it shrank the commission
    excluded = pd.Series(np.where(same, ev["Pct"].to_numpy(), 0.0)).groupby(ev["item"].to_numpy()).sum()
    ev = ev[~same].sort_values(["item", "CancelDate"], kind="stable")
    base = 1.0 - excluded.reindex(ev["item"].to_numpy()).fillna(0.0).to_numpy()
    share = np.where(base > 1e-12, ev["Pct"].to_numpy() / np.where(base > 1e-12, base, 1.0), 0.0)
    cum = pd.Series(share).groupby(ev["item"].to_numpy()).cumsum().to_numpy()
    share = np.clip(share - np.clip(cum - 1.0, 0.0, None), 0.0, None)  # never more than the whole item
    return pd.DataFrame({"item": ev["item"].to_numpy(dtype=np.intp),
                         "month": A.month_number(ev["CancelDate"].to_numpy(dtype="datetime64[D]")),
                         "share": share})


@dataclass(frozen=True)
class _Books:
    """The capitalised items (one per rep, deal and measure) and their schedule as kernel arrays."""

    cap_items: pd.DataFrame
    start: np.ndarray  # int64 per item: first month amortised
    s: A.Schedule


def _amortise(items: pd.DataFrame, inputs) -> _Books:
    period_type = {(m.plan, m.measure): m.period_type for m in inputs.measures}
    cap_items = items[items["Capitalise"].to_numpy()].reset_index(drop=True)
    close = cap_items["CloseDate"].to_numpy(dtype="datetime64[D]")
    cap_month = A.month_number(close)
    day = (close - close.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    start = cap_month + (day > 15)  # mid-month rule: from the 16th, amortisation starts the next month
    n = cap_items["BenefitMonths"].to_numpy(dtype=np.float64).astype(np.int64)
    cents = cap_items["Commission"].to_numpy(dtype=np.int64)
    ev = _events(inputs, cap_items, period_type)
    k = len(cap_items)
    # tranches: each cancellation's share, then the part never cancelled (the rest)
    kept = 1.0 - np.bincount(ev["item"].to_numpy(dtype=np.intp), weights=ev["share"].to_numpy(), minlength=k)
    t_item = np.concatenate([ev["item"].to_numpy(dtype=np.intp), np.arange(k, dtype=np.intp)])
    t_share = np.concatenate([ev["share"].to_numpy(), np.clip(kept, 0.0, 1.0)])
    t_end = np.concatenate([ev["month"].to_numpy(dtype=np.int64), np.full(k, A.NEVER, dtype=np.int64)])
    order = np.argsort(t_item, kind="stable")
    t_item, t_share, t_end = t_item[order], t_share[order], t_end[order]
    t_cents = largest_remainder(cents[t_item] * t_share, t_item, cents) if k else np.zeros(0, np.int64)
    keep = t_cents > 0
    t_item, t_cents, t_end = t_item[keep], t_cents[keep], t_end[keep]
    s = A.schedule(t_item, t_cents, cap_month, start[t_item], n[t_item], t_end, k)
    return _Books(cap_items=cap_items, start=start, s=s)


def _coded(values, rows: np.ndarray) -> pd.Categorical:
    """``values[rows]`` as a categorical: the per-row codes are integers, each distinct value one string."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(codes[rows], categories=pd.Index(uniques, dtype=object))


def _schedule_frame(b: _Books) -> pd.DataFrame:
    """One row per capitalised item and month. IDs and months are categoricals (integer codes per row), money
    int64 cents: a schedule of tens of millions of rows holds no Python object per row."""
    s, ci = b.s, b.cap_items
    if len(s):
        m0, m1 = int(s.month.min()), int(s.month.max())
        month = pd.Categorical.from_codes(s.month - m0, categories=pd.Index(
            A.month_labels(np.arange(m0, m1 + 1)), dtype=object))
    else:
        month = pd.Categorical([], categories=pd.Index([], dtype=object))
    start = b.start[s.item]
    return pd.DataFrame({
        "DealID": _coded(ci["DealID"], s.item), "RepID": _coded(ci["RepID"], s.item),
        "Measure": _coded(ci["Measure"], s.item), "Currency": _coded(ci["Currency"], s.item),
        "Month": month, "MonthOfBenefit": np.where(s.month >= start, s.month - start + 1, 0),
        "Opening": s.opening, "Capitalised": s.capitalised, "Amortised": s.amortised,
        "WrittenOff": s.written_off, "Closing": s.closing,
    })


def _register(items: pd.DataFrame, b: _Books) -> pd.DataFrame:
    """Every deal commission with its treatment; balances of the capitalised ones (per item, from its rows)."""
    s, k = b.s, len(b.cap_items)
    register = items.drop(columns=["Capitalise", "Period"]).copy()
    register["FirstMonth"] = None
    register["LastMonth"] = None
    for c in ("Capitalised", "Amortised", "WrittenOff", "Closing"):
        register[c] = np.zeros(len(register), dtype=np.int64)
    pos = np.flatnonzero(items["Capitalise"].to_numpy())
    if k:
        last_row = np.append(s.first[1:], len(s)) - 1  # an item's rows follow each other; it has one at least
        register.loc[pos, "FirstMonth"] = A.month_labels(b.start)
        register.loc[pos, "LastMonth"] = A.month_labels(s.month[last_row])
        register.loc[pos, "Capitalised"] = b.cap_items["Commission"].to_numpy(dtype=np.int64)
        register.loc[pos, "Amortised"] = np.add.reduceat(s.amortised, s.first)
        register.loc[pos, "WrittenOff"] = np.add.reduceat(s.written_off, s.first)
        register.loc[pos, "Closing"] = s.closing[last_row]
    return register


def _rollforward(b: _Books) -> pd.DataFrame:
    """Per currency and month: opening, capitalised, amortised, written off, closing (every month from the
    currency's first row to its last). Sums of the schedule's rows, by one integer key per row."""
    cols = ["Capitalised", "Amortised", "WrittenOff"]
    s = b.s
    if not len(s):
        return pd.DataFrame({"Currency": [], "Month": [], "Opening": [], **{c: [] for c in cols}, "Closing": []})
    code, currencies = pd.factorize(b.cap_items["Currency"].to_numpy(dtype=object), sort=True)
    m0 = int(s.month.min())
    span = int(s.month.max()) - m0 + 1
    size = len(currencies) * span
    key = (s.month - m0).astype(np.intp)  # bincount takes intp (32 bits in Pyodide)
    if len(currencies) > 1:
        key += code[s.item].astype(np.intp) * span

    def total(values, at=None):  # exact: float64 sums of cents below 2**53
        return np.rint(np.bincount(key if at is None else key[at], weights=values, minlength=size)).astype(np.int64)

    cap_rows = s.first
    wo_rows = np.flatnonzero(s.written_off)
    sums = {"Capitalised": total(s.capitalised[cap_rows], cap_rows), "Amortised": total(s.amortised),
            "WrittenOff": total(s.written_off[wo_rows], wo_rows)}
    last_row = np.append(s.first[1:], len(s)) - 1
    out = []
    for c, cur in enumerate(currencies):
        mine = code == c
        lo, hi = int(s.month[s.first[mine]].min()) - m0, int(s.month[last_row[mine]].max()) - m0
        part = {k: v[c * span + lo:c * span + hi + 1] for k, v in sums.items()}
        closing = np.cumsum(part["Capitalised"] - part["Amortised"] - part["WrittenOff"])
        opening = np.concatenate(([0], closing[:-1]))
        out.append(pd.DataFrame({"Currency": cur, "Month": A.month_labels(np.arange(m0 + lo, m0 + hi + 1)),
                                 "Opening": opening, **{k: part[k] for k in cols}, "Closing": closing}))
    return pd.concat(out, ignore_index=True)


# -- accruals and the close -----------------------------------------------------------------------------

def _earned(lines: pd.DataFrame, result) -> pd.DataFrame:
    """Statement lines with the month each is earned in (close month of deal and SPIF lines, else the pay
    month), the month paid (the pay month) and the rep's currency."""
    cur = result.summary.drop_duplicates("RepID").set_index("RepID")["Currency"]
    pay = A.month_number(lines["PayMonth"].to_numpy(dtype=str).astype("datetime64[M]"))
    at_close = lines["LineType"].isin(EARNED_AT_CLOSE).to_numpy() & lines["CloseDate"].notna().to_numpy()
    close = A.month_number(lines["CloseDate"].to_numpy(dtype="datetime64[D]"))
    earned = np.where(at_close, np.minimum(close, pay), pay)
    return pd.DataFrame({"RepID": lines["RepID"].to_numpy(), "DealID": lines["DealID"].to_numpy(),
                         "Measure": lines["Measure"].to_numpy(), "LineType": lines["LineType"].to_numpy(),
                         "Currency": lines["RepID"].map(cur).to_numpy(dtype=object),
                         "Earned": earned, "Paid": pay, "Amount": lines["Amount"].to_numpy(dtype=np.int64)})


def _close(earned: pd.DataFrame, result) -> pd.DataFrame:
    """Per currency and month: opening accrual, earned (before true-ups and prior-period adjustments),
    true-ups, prior-period adjustments, paid, closing accrual, and whether the month is paid (locked)."""
    from ..commissions.outputs import locked_months

    kind = np.select([earned["LineType"].to_numpy() == TRUE_UP, earned["LineType"].to_numpy() == PRIOR_PERIOD],
                     ["TrueUps", "PriorPeriodAdjustments"], "Earned")
    e = pd.DataFrame({"Currency": earned["Currency"], "m": earned["Earned"], "k": kind, "a": earned["Amount"]})
    e = e[~earned["LineType"].isin(HOLD_LINES).to_numpy()]  # held / released: paid later, earned all the same
    by = e.pivot_table(index=["Currency", "m"], columns="k", values="a", aggfunc="sum", fill_value=0)
    paid = earned.groupby(["Currency", "Paid"])["Amount"].sum()
    paid.index.names = ["Currency", "m"]
    locked = locked_months(result)
    out = []
    for cur in sorted(set(earned["Currency"])):
        b = by.loc[cur] if cur in by.index.get_level_values(0) else pd.DataFrame()
        p = paid.loc[cur]
        months = np.arange(min(b.index.min(), p.index.min()), max(b.index.max(), p.index.max()) + 1)
        cols = {c: (b[c].reindex(months).fillna(0).to_numpy(dtype=np.int64) if c in b else
                    np.zeros(len(months), np.int64)) for c in ("Earned", "TrueUps", "PriorPeriodAdjustments")}
        pd_ = p.reindex(months).fillna(0).to_numpy(dtype=np.int64)
        closing = np.cumsum(cols["Earned"] + cols["TrueUps"] + cols["PriorPeriodAdjustments"] - pd_)
        labels = A.month_labels(months)
        out.append(pd.DataFrame({"Currency": cur, "Month": labels, "OpeningAccrual": closing - (
            cols["Earned"] + cols["TrueUps"] + cols["PriorPeriodAdjustments"] - pd_), **cols, "Paid": pd_,
            "ClosingAccrual": closing,
            "Status": np.where(np.isin(labels, list(locked)), "Paid (locked)", "Open").astype(object)}))
    return pd.concat(out, ignore_index=True)


# -- the journal ------------------------------------------------------------------------------------------

def _accounts(inputs, result, problems: ProblemCollector, required: bool) -> pd.DataFrame | None:
    """(Entry, Currency) -> Account, AccountName, CostCentre; None when the workbook maps no account."""
    t = inputs.tables.get("JournalAccounts")
    if t is None or not len(t.frame):
        if required:
            problems.add(Problem(message="the JournalAccounts table has no rows: the journal needs an account "
                                 "for every entry type", show_value=False, workbook=inputs.workbook,
                                 sheet="Finance", table="JournalAccounts", column="Entry",
                                 expected="one row per entry type: " + ", ".join(JOURNAL_ENTRIES)))
        return None
    f = t.frame
    cur = f["Currency"].fillna("").astype(str).str.upper()
    have = set(zip(f["Entry"].astype(str), cur))
    currencies = sorted(set(result.summary["Currency"].astype(str)))
    for entry in JOURNAL_ENTRIES:
        for c in currencies:
            if (entry, c) not in have and (entry, "") not in have:
                problems.add(Problem(message=f"no account for journal entry {entry} in {c}", value=entry,
                                     workbook=inputs.workbook, sheet=t.raw.sheet, table="JournalAccounts",
                                     column="Entry",
                                     expected=f"a JournalAccounts row with Entry {entry} and Currency {c} or "
                                              f"blank, and its Account"))
    return pd.DataFrame({"Entry": f["Entry"].astype(str).to_numpy(), "Currency": cur.to_numpy(),
                         "Account": f["Account"].astype(str).to_numpy(),
                         "AccountName": (f["AccountName"] if "AccountName" in f else pd.Series([None] * len(f)))
                         .to_numpy(dtype=object),
                         "CostCentre": f["CostCentre"].to_numpy(dtype=object)})


def _journal(earned: pd.DataFrame, items: pd.DataFrame, roll: pd.DataFrame, result,
             accounts: pd.DataFrame | None) -> pd.DataFrame:
    """Balanced entries per month and currency: earned (Dr asset / expense / draw receivable, Cr accrued),
    amortisation, write-offs, and payment (Dr accrued, Cr payroll clearing = Payout Summary's total)."""
    cap = items[items["Capitalise"].to_numpy()]
    cap_m = pd.Series(cap["Commission"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [cap["Currency"].to_numpy(), A.month_number(cap["CloseDate"].to_numpy(dtype="datetime64[D]"))]))
    cap_m = cap_m.groupby(level=[0, 1]).sum()
    draw = earned["LineType"].isin(DRAW_LINES).to_numpy()
    e_all = earned[~earned["LineType"].isin(HOLD_LINES).to_numpy()].groupby(["Currency", "Earned"])["Amount"].sum()
    e_draw = earned[draw].groupby(["Currency", "Earned"])["Amount"].sum()
    paid = earned.groupby(["Currency", "Paid"])["Amount"].sum()
    rm = roll.assign(m=A.month_number(roll["Month"].to_numpy(dtype=str).astype("datetime64[M]"))) if len(roll) \
        else roll.assign(m=[])
    amort = rm.set_index(["Currency", "m"])["Amortised"] if len(rm) else pd.Series(dtype=np.int64)
    woff = rm.set_index(["Currency", "m"])["WrittenOff"] if len(rm) else pd.Series(dtype=np.int64)
    keys = sorted(set(e_all.index) | set(paid.index) | set(amort.index))
    rows = []

    def get(s, k):
        return int(s.get(k, 0)) if len(s) else 0

    for cur, m in keys:
        label = A.month_labels([m])[0]
        c, d, tot = get(cap_m, (cur, m)), get(e_draw, (cur, m)), get(e_all, (cur, m))
        entries = [
            ("Commission earned", [("ContractCostAsset", c), ("CommissionExpense", tot - c - d),
                                   ("DrawReceivable", d), ("AccruedCommissions", -tot)]),
            ("Amortisation of capitalised commissions", [("AmortisationExpense", get(amort, (cur, m))),
                                                         ("ContractCostAsset", -get(amort, (cur, m)))]),
            ("Write-off on cancellation", [("WriteOffExpense", get(woff, (cur, m))),
                                           ("ContractCostAsset", -get(woff, (cur, m)))]),
            ("Commission paid (Payout Summary)", [("AccruedCommissions", get(paid, (cur, m))),
                                                  ("PayrollClearing", -get(paid, (cur, m)))]),
        ]
        for memo, legs in entries:
            for entry, amount in legs:
                if amount:
                    rows.append((m, cur, entry, amount, f"{memo} {label}"))
    j = pd.DataFrame(rows, columns=["m", "Currency", "Entry", "Signed", "Memo"])
    signed = j["Signed"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"Date": A.month_end(j["m"].to_numpy(dtype=np.int64)), "Month": A.month_labels(j["m"]),
                        "Entry": j["Entry"].to_numpy(dtype=object), "Account": None, "AccountName": None,
                        "Debit": np.where(signed > 0, signed, 0), "Credit": np.where(signed < 0, -signed, 0),
                        "Currency": j["Currency"].to_numpy(dtype=object), "CostCentre": None,
                        "Memo": j["Memo"].to_numpy(dtype=object)})
    if accounts is not None and len(out):
        for col in ("Account", "AccountName", "CostCentre"):
            exact = accounts.set_index(["Entry", "Currency"])[col]
            anyc = accounts[accounts["Currency"] == ""].set_index("Entry")[col]
            v = exact.reindex(pd.MultiIndex.from_arrays([out["Entry"], out["Currency"]])).to_numpy(dtype=object)
            fb = anyc.reindex(out["Entry"]).to_numpy(dtype=object)
            has = pd.MultiIndex.from_arrays([out["Entry"], out["Currency"]]).isin(exact.index)
            out[col] = np.where(has, v, fb)
    return out
