"""Read and check the quoting workbook's input tables.

:func:`load_inputs` reads every table through a
:class:`~salesops_xl.source.TableSource`, types it, checks the rules that
span tables (every line's product has a price in its quote's currency, every
volume schedule exists, floors are not above list prices, Discount/DealSize/
Margin rules have a threshold...) and raises one
:class:`~salesops_xl.errors.InputError` listing everything wrong, each
problem naming its sheet, table, row, column and value. Rules: docs/quotes.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..source import TableSource
from ..tables import Table, fingerprint, input_frames, read_tables
from . import schema as S

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

_CCY_RE = re.compile(r"^[A-Z]{3}$")
#: Row problems of one kind listed before "and N more" (the collector caps them too).
_SHOWN = 20


@dataclass
class QuoteInputs:
    """Validated inputs of one quoting run."""

    workbook: str
    tables: dict[str, Table]
    fingerprint: str
    base_currency: str
    fx: dict[str, float]  # currency -> units per unit of the base currency (base: 1.0)
    warnings: list[str] = field(default_factory=list)

    def frame(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame




def _bad_rows(tbl: Table, mask: np.ndarray, column: str, message: str, expected: str,
              problems: ProblemCollector, values=None) -> None:
    """One problem per row of ``mask`` (the first ``_SHOWN``), naming the cell and its value."""
    vals = tbl.frame[column].to_numpy() if values is None else values
    for i in np.flatnonzero(mask)[:_SHOWN]:
        problems.add(tbl.problem(int(i), column, message, value=vals[i], expected=expected))


def _currency_codes(tbl: Table, column: str, problems: ProblemCollector) -> np.ndarray:
    """The column upper-cased; rows that are not ISO codes are reported."""
    raw = tbl.frame[column].to_numpy(dtype=object)
    up = np.array([None if v is None else str(v).strip().upper() for v in raw], dtype=object)
    bad = np.array([v is not None and not _CCY_RE.match(v) for v in up], dtype=bool)
    _bad_rows(tbl, bad, column, "not a currency code", "a three-letter ISO code such as USD", problems, raw)
    return up


def load_inputs(source: TableSource) -> QuoteInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    from ..capabilities import check_kind

    check_kind("quotes", source.table_names(), source.workbook, "quoting")
    problems = ProblemCollector()
    warnings: list[str] = []
    tables = read_tables(source, S.INPUT_TABLES, problems)
    fp = fingerprint(input_frames(tables))

    base = None
    st = tables.get("QuoteSettings")
    if st is not None and len(st.frame):
        if len(st.frame) > 1:
            problems.add(st.problem(1, "BaseCurrency", f"table QuoteSettings has {len(st.frame)} rows",
                                    show_value=False, expected="exactly one row"))
        b = _currency_codes(st, "BaseCurrency", problems)[0]
        base = b if b is not None and _CCY_RE.match(b) else None
    fx: dict[str, float] = {}
    if "QuoteFX" in tables:
        t = tables["QuoteFX"]
        codes = _currency_codes(t, "Currency", problems)
        fx = {c: float(r) for c, r in zip(codes, t.frame["Rate"]) if c is not None and not np.isnan(r)}
        if base is not None and base in fx and abs(fx[base] - 1.0) > 1e-12:
            i = int(np.flatnonzero(codes == base)[0])
            problems.add(t.problem(i, "Rate", f"the base currency {base} must have rate 1", value=fx[base],
                                   expected="1, or no row for the base currency"))
    if base is not None:
        fx[base] = 1.0

    pb = tables.get("PriceBook")
    if pb is not None:
        f = pb.frame
        f["Currency"] = _currency_codes(pb, "Currency", problems)
        above = (f["FloorPrice"].to_numpy(float) > f["ListPrice"].to_numpy(float) + 1e-9)
        _bad_rows(pb, above, "FloorPrice", "the floor price is above the list price",
                  "a floor at or below ListPrice", problems)
        vt = tables.get("VolumeTiers")
        known = set(vt.frame["Schedule"].dropna()) if vt is not None else set()
        sched = f["VolumeSchedule"].to_numpy(dtype=object)
        unknown = np.array([s is not None and s not in known for s in sched], dtype=bool)
        _bad_rows(pb, unknown, "VolumeSchedule", "unknown volume schedule",
                  "a Schedule of the VolumeTiers table, or blank", problems)

    ar = tables.get("ApprovalRules")
    if ar is not None:
        f = ar.frame
        rule = f["Rule"].to_numpy(dtype=object)
        thr = f["Threshold"].to_numpy(float)
        need = np.isin(rule, ("Discount", "DealSize", "Margin"))
        _bad_rows(ar, need & np.isnan(thr), "Threshold", "this rule needs a threshold",
                  "a fraction for Discount and Margin (25% = 0.25), an amount for DealSize", problems)
        frac = np.isin(rule, ("Discount", "Margin"))
        _bad_rows(ar, frac & (np.abs(np.nan_to_num(thr)) > 1), "Threshold",
                  "a Discount or Margin threshold is a fraction", "a percentage between -100% and 100% "
                  "(25% or 0.25, not 25)", problems)
        _bad_rows(ar, (rule == "DealSize") & (np.nan_to_num(thr) < 0), "Threshold",
                  "a DealSize threshold is an amount", "an amount of 0 or more in the base currency", problems)
        appr = f["Approver"].to_numpy(dtype=object)
        _bad_rows(ar, np.array([a is None or str(a).strip() == "" for a in appr], dtype=bool), "Approver",
                  "every rule names its approver", "a role or a name", problems)

    q = tables.get("Quotes")
    if q is not None:
        f = q.frame
        f["Currency"] = _currency_codes(q, "Currency", problems)
        if base is not None:
            ccy = f["Currency"].to_numpy(dtype=object)
            nofx = np.array([c is not None and _CCY_RE.match(c) is not None and c not in fx for c in ccy],
                            dtype=bool)
            _bad_rows(q, nofx, "Currency", "no exchange rate into the base currency " + base,
                      f"{base} or a currency of the QuoteFX table", problems, ccy)
    ql = tables.get("QuoteLines")
    if ql is not None and q is not None:
        f = ql.frame
        qpos = pd.Index(q.frame["QuoteID"]).get_indexer(f["QuoteID"])
        _bad_rows(ql, qpos < 0, "QuoteID", "unknown quote", "a QuoteID of the Quotes table", problems)
        if pb is not None:
            qccy = q.frame["Currency"].to_numpy(dtype=object)
            ccy = np.append(qccy, _NONE)[np.where(qpos >= 0, qpos, len(qccy))]  # None: unknown quote
            key = pd.MultiIndex.from_arrays([pb.frame["Product"].astype(object), pb.frame["Currency"].astype(object)])
            pos = key.get_indexer(pd.MultiIndex.from_arrays([f["Product"].astype(object), pd.Series(ccy, dtype=object)]))
            known_p = set(pb.frame["Product"].dropna())
            prod = f["Product"].to_numpy(dtype=object)
            miss = (qpos >= 0) & (pos < 0)
            for i in np.flatnonzero(miss)[:_SHOWN]:
                if prod[i] in known_p:
                    problems.add(ql.problem(int(i), "Product", f"no price for this product in {ccy[i]}, the "
                                            f"currency of quote {f['QuoteID'].iat[i]}", value=prod[i],
                                            expected=f"a PriceBook row for this product in {ccy[i]}"))
                else:
                    problems.add(ql.problem(int(i), "Product", "unknown product", value=prod[i],
                                            expected="a Product of the PriceBook table"))
        empty = ~q.frame["QuoteID"].isin(f["QuoteID"]).to_numpy()
        if empty.any():
            ids = q.frame["QuoteID"].to_numpy(dtype=object)[empty]
            warnings.append(f"{len(ids)} quote{'s' if len(ids) != 1 else ''} without lines (not priced): "
                            + ", ".join(map(str, ids[:10])) + (" ..." if len(ids) > 10 else ""))
    problems.raise_if_any()
    assert base is not None
    return QuoteInputs(workbook=source.workbook, tables=tables, fingerprint=fp, base_currency=base, fx=fx,
                       warnings=warnings)
