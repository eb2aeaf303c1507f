"""The payroll and journal exports of a pay month: frames of text cells (exact decimals, ISO dates) whose
totals tie to Payout Summary to the cent, written as CSV that a spreadsheet cannot read as formulas."""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from ..errors import InternalError, Problem, ProblemCollector, UsageError
from ..money import cents_to_text
from ..safety import csv_safe, neutralise
from .amortise import month_end
from .engine import journal_entries
from .schema import COMPONENTS

#: The layout of the payroll export when the workbook's PayrollColumns table is empty.
DEFAULT_PAYROLL_LAYOUT = (("PayeeID", "PayeeID", None), ("PayeeName", "PayeeName", None),
                          ("EarningCode", "EarningCode", None), ("Currency", "Currency", None),
                          ("Amount", "Amount", None), ("PayDate", "PayDate", None))
JOURNAL_HEADER = ("Date", "Account", "AccountName", "Debit", "Credit", "Currency", "CostCentre", "Memo")


def check_period(result, period: str) -> str:
    """``period`` as a pay month label of the run (2026-03), else a UsageError naming the months there are."""
    months = list(dict.fromkeys(result.summary["PayMonth"].astype(str)))
    text = str(period).strip()
    if text not in months:
        span = f"{months[0]} to {months[-1]}" if months else "none"
        raise UsageError(f"--period {period!r} is not a pay month of this workbook; expected a month from {span} "
                         f"written YYYY-MM")
    return text


def payroll_rows(result, period: str, pay_date: _dt.date | None = None) -> pd.DataFrame:
    """One row per rep and Payout Summary component paid in ``period`` (amounts that are not zero), in the
    layout of the workbook's PayrollColumns table; every cell is text. Per currency, the amounts add up to
    Payout Summary's Total of the month exactly."""
    period = check_period(result, period)
    inputs = result.inputs
    s = result.summary[result.summary["PayMonth"].astype(str).to_numpy() == period]
    comp = np.array(COMPONENTS, dtype=object)
    cents = s[list(COMPONENTS)].to_numpy(dtype=np.int64)  # reps x components
    r, c = np.nonzero(cents)  # row-major: rep by rep, components in Payout Summary's order
    amount = cents[r, c]
    codes = _earning_codes(inputs, sorted(set(comp[c]), key=list(COMPONENTS).index))
    date = pay_date or pd.Timestamp(month_end([_month_number(period)])[0]).date()
    values = {
        "PayeeID": s["RepID"].to_numpy(dtype=object)[r], "PayeeName": s["RepName"].to_numpy(dtype=object)[r],
        "Component": comp[c], "EarningCode": np.array([codes[x] for x in comp[c]], dtype=object),
        "Currency": s["Currency"].to_numpy(dtype=object)[r], "Amount": np.array(cents_to_text(amount), dtype=object),
        "PayDate": np.full(len(r), date.isoformat(), dtype=object), "PayMonth": np.full(len(r), period, dtype=object),
    }
    layout = _layout(inputs)
    out = pd.DataFrame({h: (values[src] if src != "Fixed" else np.full(len(r), v or "", dtype=object))
                        for h, src, v in layout})
    _tie_out(s, pd.DataFrame({"Currency": values["Currency"], "cents": amount}), "payroll export")
    out.attrs["numbers"] = [h for h, src, _ in layout if src == "Amount"]
    out.attrs["cents"] = amount
    out.attrs["currency"] = values["Currency"]
    out.attrs["payees"] = values["PayeeID"]
    return out


def journal_rows(result, period: str) -> pd.DataFrame:
    """The balanced journal entries of ``period`` (docs/accounting.md, "Journal entries") with the accounts of
    the JournalAccounts table; every cell is text. The PayrollClearing credit is Payout Summary's total."""
    period = check_period(result, period)
    j = journal_entries(result)
    j = j[j["Month"].to_numpy() == period]
    debit, credit = j["Debit"].to_numpy(dtype=np.int64), j["Credit"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "Date": [pd.Timestamp(d).date().isoformat() for d in j["Date"]],
        "Account": j["Account"].to_numpy(dtype=object), "AccountName": j["AccountName"].to_numpy(dtype=object),
        "Debit": np.where(debit != 0, np.array(cents_to_text(debit), dtype=object), ""),
        "Credit": np.where(credit != 0, np.array(cents_to_text(credit), dtype=object), ""),
        "Currency": j["Currency"].to_numpy(dtype=object), "CostCentre": j["CostCentre"].to_numpy(dtype=object),
        "Memo": j["Memo"].to_numpy(dtype=object)})
    out = out.where(pd.notna(out), "")
    paid = j[j["Entry"].to_numpy() == "PayrollClearing"]
    s = result.summary[result.summary["PayMonth"].astype(str).to_numpy() == period]
    _tie_out(s, pd.DataFrame({"Currency": paid["Currency"].to_numpy(),
                              "cents": paid["Credit"].to_numpy(dtype=np.int64) - paid["Debit"].to_numpy(np.int64)}),
             "journal's payroll clearing")
    if debit.sum() != credit.sum():
        raise InternalError(f"the journal of {period} does not balance: debits {debit.sum()} != credits "
                            f"{credit.sum()} cents; nothing was written")
    out.attrs["numbers"] = ["Debit", "Credit"]
    out.attrs["debit"], out.attrs["credit"] = int(debit.sum()), int(credit.sum())
    return out


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as it goes into a CSV file: text that a spreadsheet would read as a formula (=, +, -, @, tab, CR
    first) is prefixed with a quote, headers too; the amount columns (``frame.attrs["numbers"]``) must be exact
    decimals and are kept as they are (-12.50 is a number, not a formula)."""
    safe = csv_safe(frame)
    for c in frame.attrs.get("numbers", ()):
        v = frame[c].astype(str)
        if not v.str.fullmatch(r"-?[0-9]+\.[0-9]{2}|").all():
            raise InternalError(f"column {c!r} of an export holds text that is not an amount; nothing was written")
        safe[c] = frame[c]
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


def _month_number(label: str) -> int:
    y, m = label.split("-")
    return int(y) * 12 + int(m) - 1


def _earning_codes(inputs, needed: list[str]) -> dict[str, str]:
    t = inputs.tables.get("EarningCodes")
    if t is None or not len(t.frame):
        return {c: c for c in COMPONENTS}  # no table: the component names are the codes
    codes = dict(zip(t.frame["Component"].astype(str), t.frame["EarningCode"].astype(str)))
    problems = ProblemCollector()
    for c in needed:
        if c not in codes:
            problems.add(Problem(message=f"no earning code for the Payout Summary component {c}", value=c,
                                 workbook=inputs.workbook, sheet=t.raw.sheet, table="EarningCodes",
                                 column="Component", expected=f"an EarningCodes row with Component {c}"))
    problems.raise_if_any()
    return codes


def _layout(inputs) -> tuple[tuple[str, str, str | None], ...]:
    t = inputs.tables.get("PayrollColumns")
    if t is None or not len(t.frame):
        return DEFAULT_PAYROLL_LAYOUT
    f = t.frame
    problems = ProblemCollector()
    seen: dict[str, int] = {}
    for i, h in enumerate(f["Header"].astype(str)):
        if h in seen:
            problems.add(t.problem(i, "Header", "two payroll columns have the same header", value=h,
                                   expected=f"a header not used on {t.raw.row_ref(seen[h])}"))
        seen.setdefault(h, i)
    problems.raise_if_any()
    return tuple(zip(f["Header"].astype(str), f["Source"].astype(str), f["Value"].to_numpy(dtype=object)))


def _tie_out(summary: pd.DataFrame, rows: pd.DataFrame, what: str) -> None:
    """Per currency, the exported cents must equal Payout Summary's Total of the month (a bug otherwise)."""
    want = summary.groupby("Currency")["Total"].sum()
    got = rows.groupby("Currency")["cents"].sum().reindex(want.index).fillna(0).astype(np.int64)
    bad = want[want.to_numpy() != got.to_numpy()]
    if len(bad):
        raise InternalError(f"the {what} does not tie to Payout Summary in {', '.join(map(str, bad.index))}; "
                            "nothing was written")
