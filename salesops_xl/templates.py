"""Generate the template workbooks in ``workbooks/`` from code, reproducibly.

``python -m salesops_xl.templates`` (or ``salesops-xl template``) rebuilds
them: input sheets from the schema and the sample data, then a recalculation
fills the output sheets. The same code always gives the same bytes.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .sheets import Column, ListValidation, SheetSpec, TableBlock
from .tables import TableSchema

KIND_OF_TYPE = {"text": "text", "id": "text", "choice": "text", "number": "number", "money": "money",
                "percent": "percent", "int": "int", "date": "date"}

#: Fixed timestamp of the sample run, so the template is reproducible.
SAMPLE_RUN_AT = "2026-07-01T09:00:00+00:00"
SAMPLE_RUN_AT_2 = "2026-07-20T09:00:00+00:00"


def table_block(schema: TableSchema, frame: pd.DataFrame, anchor: str = "A1") -> tuple[TableBlock, list]:
    """An input table as a TableBlock (column formats from the schema) plus its drop-down validations."""
    cols, data, validations = [], {}, []
    for f in schema.fields:
        if f.name not in frame.columns:
            continue
        kind = KIND_OF_TYPE[f.type]
        if schema.name == "Tiers" and f.name == "Rate":
            kind = "number"
        if schema.name == "PlanMeasures" and f.name == "CapValue":
            kind = "number"
        cols.append(Column(f.name, kind, description=f.description))
        s = frame[f.name]
        if kind == "date":
            v = pd.to_datetime(s).to_numpy().astype("datetime64[D]")
        elif kind in ("money", "number", "percent", "int"):
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        else:
            v = np.array([None if (x is None or (isinstance(x, float) and np.isnan(x))) else
                          (x.isoformat()[:10] if hasattr(x, "isoformat") else str(x)) for x in s], dtype=object)
        data[f.name] = v
        if f.type == "choice":
            validations.append(ListValidation(table=schema.name, column=f.name, choices=f.choices))
    return TableBlock(name=schema.name, columns=tuple(cols), data=data, anchor=anchor), validations


def _readme_sheet(title: str, lines: list[str]) -> SheetSpec:
    notes = [("A1", title)] + [(f"A{i + 3}", line) for i, line in enumerate(lines)]
    return SheetSpec(name="README", notes=tuple(notes), tab_color="C00000")


COMMISSION_README = [
    "This workbook computes commissions with salesops-xl. Fill in the blue input tables; the green/grey sheets",
    "(Payouts, Payout Summary, Statement Lines, Dashboard, Run Log, Checks) are produced by a recalculation and replaced",
    "every time: do not edit them. Everything else in the workbook (your own sheets, formulas, charts) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Recalculate payouts;  or from a terminal:",
    "    salesops-xl recalc commissions.xlsx",
    "Input tables (salesops-xl schema prints every column and rule):",
    "  Settings      PlanYearStart, AsOfDate, LockedThrough; CompanyName and StatementContact for the statements",
    "  Roster        reps, managers, plans, payout currency, hire/termination dates, annual target incentive",
    "  Plans / PlanMeasures   plans and their measures: weight, period, basis, method, rate type, tiers, cap",
    "  Tiers         bands [From, To) of attainment and their rates",
    "  Quotas        quota per rep, measure and period",
    "  Deals         one row per deal and credited rep (splits repeat the deal on several rows)",
    "  Adjustments   amounts added to / taken from a month's payout (SPIFs, bonuses, corrections)",
    "  FXRates       monthly exchange rates into the reps' payout currencies",
    "  Finance / Deal Terms   capitalisation policy, chart of accounts, payroll layout, contract terms:",
    "                the Contract Costs, Commission Register, Amortisation, Close and Journal sheets (docs/accounting.md)",
    "Rules (tiers, true-up, rounding...): docs/commissions.md in the salesops-xl repository.",
]


def input_sheet(name: str, tables: dict[str, pd.DataFrame], placed, freeze: str | None = "A2") -> SheetSpec:
    """An input sheet (blue tab) with the tables of ``placed`` [(schema, anchor)] that ``tables`` holds."""
    blocks, vals = [], []
    for sch, anchor in placed:
        if sch.name not in tables:
            continue
        b, v = table_block(sch, tables[sch.name], anchor)
        blocks.append(b)
        vals += v
    return SheetSpec(name=name, tables=tuple(blocks), freeze=freeze, validations=tuple(vals), tab_color="2F75B5")


@contextmanager
def building(path: str | Path) -> Iterator[str]:
    """A temporary file beside ``path`` to build a template in; renamed into place if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path.with_name(f".building-{path.name}"))
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_template(path: str | Path, sheets: list[SheetSpec], *, kind: str,
                   computed_at: str = SAMPLE_RUN_AT) -> Path:
    """Write the input ``sheets`` to ``path`` and recalculate it as a ``kind`` workbook (fixed run time)."""
    from .batch import recalc
    from .xlsx.writer import write_sheets

    with building(path) as tmp:
        write_sheets(None, tmp, sheets)
        recalc(tmp, computed_at=computed_at, kind=kind)
    return Path(path)


def commission_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    from .commissions import schema as S

    def sheet(name, schemas_anchors, freeze="A2"):
        return input_sheet(name, tables, schemas_anchors, freeze)

    plans_width = len(S.PLANS.fields)
    spif_w, bonus_w = len(S.SPIFS.fields), len(S.BONUSES.fields)
    return [
        _readme_sheet("salesops-xl commission workbook", COMMISSION_README),
        sheet("Settings", [(S.SETTINGS, "A1")]),
        sheet("Roster", [(S.ROSTER, "A1")]),
        sheet("Leaves", [(S.LEAVES, "A1")]),
        sheet("Plans", [(S.PLANS, "A1"), (S.MEASURES, f"{_col(plans_width + 2)}1")], freeze=None),
        sheet("Tiers", [(S.TIERS, "A1")]),
        sheet("Quotas", [(S.QUOTAS, "A1")]),
        sheet("Deals", [(S.DEALS, "A1")]),
        sheet("Cancellations", [(S.CANCELLATIONS, "A1")]),
        sheet("Adjustments", [(S.ADJUSTMENTS, "A1")]),
        sheet("Incentives", [(S.SPIFS, "A1"), (S.BONUSES, f"{_col(spif_w + 2)}1"),
                             (S.DRAWS, f"{_col(spif_w + bonus_w + 3)}1")], freeze=None),
        sheet("FXRates", [(S.FX_RATES, "A1")]),
        *finance_input_sheets(tables, sheet),
    ] + ([sheet("Disputes", [(S.DISPUTES, "A1")])] if "Disputes" in tables else []) + (
        [sheet("Collections", [(S.INVOICES, "A1"), (S.PAYMENTS, f"{_col(len(S.INVOICES.fields) + 2)}1"),
                               (S.HOLDS, f"{_col(len(S.INVOICES.fields) + len(S.PAYMENTS.fields) + 3)}1")],
               freeze=None)] if "Invoices" in tables else [])


def finance_input_sheets(tables: dict[str, pd.DataFrame], sheet) -> list[SheetSpec]:
    """The finance tables of commission accounting and the exports (docs/accounting.md), side by side."""
    from .accounting import schema as F

    if "CapPolicy" not in tables:
        return []
    placed, col = [], 1
    for sch in (F.CAP_POLICY, F.JOURNAL_ACCOUNTS, F.PAYROLL_COLUMNS, F.EARNING_CODES):
        placed.append((sch, f"{_col(col)}1"))
        col += len(sch.fields) + 1
    return [sheet("Finance", placed, freeze=None), sheet("Deal Terms", [(F.DEAL_TERMS, "A1")])]


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def build_commission_template(path: str | Path = "workbooks/commissions.xlsx") -> Path:
    """Write the commission template with sample data and computed outputs to ``path``."""
    from .batch import recalc
    from .commissions.sample import late_cancellation, sample_tables
    from .xlsx.writer import write_sheets

    with building(path) as tmp, _audit_user("Sample data (salesops-xl template)"):
        # stage 1: January-June locked as paid, first recorded on the Paid History sheet
        tables = sample_tables()
        write_sheets(None, tmp, commission_input_sheets(tables))
        recalc(tmp, computed_at=SAMPLE_RUN_AT)
        # stage 2: a June cancellation reported after June was paid flows into July as a prior-period adjustment
        later = late_cancellation(tables)
        write_sheets(tmp, tmp, [s for s in commission_input_sheets(later) if s.name == "Cancellations"])
        recalc(tmp, computed_at=SAMPLE_RUN_AT_2)
    return Path(path)


@contextmanager
def _audit_user(name: str):
    """The user the sample's Audit Log entries name: fixed, so the template is the same whoever builds it."""
    from .commissions.audit import USER_ENV

    old = os.environ.get(USER_ENV)
    os.environ[USER_ENV] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ[USER_ENV]
        else:
            os.environ[USER_ENV] = old


def build_all(folder: str | Path = "workbooks") -> list[Path]:
    """Rebuild every capability's template in ``folder``."""
    from .capabilities import all_capabilities

    return [cap.build_template(Path(folder) / cap.template_name) for cap in all_capabilities()]


if __name__ == "__main__":  # pragma: no cover
    for p in build_all():
        print(f"wrote {p}")
