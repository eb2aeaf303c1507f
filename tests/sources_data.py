"""The sample commission workbook's input tables, exported as users would have them outside Excel (CSV written
by the csv module, Parquet by pyarrow from pandas, SQL tables by pandas' to_sql), and a commission run over a
source whose workbook holds none of the tables given elsewhere (so they can only come from there)."""
from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import TEMPLATES
from salesops_xl.commissions import schema as S
from salesops_xl.errors import ProblemCollector
from salesops_xl.tables import RawTable, read_table
from salesops_xl.commissions.workflow import recalc_commissions
from salesops_xl.xlsx.reader import XlsxSource

SAMPLE = TEMPLATES / "commissions.xlsx"


@functools.lru_cache(maxsize=1)
def sample_raw() -> dict[str, RawTable]:
    """Every table of the sample workbook as read (inputs and the outputs of its last run)."""
    with XlsxSource(SAMPLE) as src:
        return {n: src.read(n) for n in src.table_names()}


@functools.lru_cache(maxsize=1)
def input_frames() -> dict[str, pd.DataFrame]:
    """The sample's input tables typed by their schema: float numbers, datetime64 dates, text (None blank)."""
    raws = sample_raw()
    out = {}
    for sch in S.INPUT_TABLES:
        raw = raws.get(sch.name)
        if raw is None:
            continue
        problems = ProblemCollector()
        t = read_table(raw, sch, problems)
        assert not problems, problems.problems
        frame = t.frame.copy()
        for f in sch.fields:
            if f.type == "date":
                frame[f.name] = pd.to_datetime(pd.Series(frame[f.name].to_numpy()))
        out[sch.name] = frame
    return out


def cell_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, (pd.Timestamp, dt.date)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(frame.columns)
        for row in frame.itertuples(index=False, name=None):
            w.writerow([cell_text(v) for v in row])
    return path


def write_parquet(frame: pd.DataFrame, path: Path, decimals: tuple[str, ...] = ()) -> Path:
    """``decimals``: columns stored as decimal128(18, 2), as a warehouse exports money."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {}
    for c in frame.columns:
        s = frame[c]
        if c in decimals:
            vals = [None if pd.isna(v) else decimal.Decimal(repr(float(v))) for v in s]
            assert all(v is None or v == v.quantize(decimal.Decimal("0.01")) for v in vals)  # cents exactly
            cols[c] = pa.array(vals, type=pa.decimal128(18, 2))
        elif s.dtype == object:
            cols[c] = pa.array([None if v is None else str(v) for v in s], type=pa.string())
        else:
            cols[c] = pa.array(s)
    pq.write_table(pa.table(cols), path)
    return path


def write_sql(frames: dict[str, pd.DataFrame], url: str) -> None:
    """Each frame as a table of its name in lower case (dates as DATE, numbers as floating point)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for name, frame in frames.items():
                f = frame.copy()
                for c in f.columns:
                    if f[c].dtype.kind == "M":
                        f[c] = [None if pd.isna(v) else v.date() for v in f[c]]
                        f[c] = f[c].astype(object)
                f.to_sql(name.lower(), conn, index=False, if_exists="replace")
    finally:
        engine.dispose()


class Without:
    """The sample workbook with the tables ``names`` taken out: they can only come from another source."""

    def __init__(self, names):
        gone = {n.lower() for n in names}
        self.workbook = SAMPLE.name
        self._raws = {k.lower(): v for k, v in sample_raw().items() if k.lower() not in gone}

    def read(self, name):
        return self._raws.get(name.lower())

    def table_names(self):
        return [r.name for r in self._raws.values()]


def run_commissions(source):
    """A commission run's result (payouts, summary, lines in cents) over ``source``."""
    return recalc_commissions(source, computed_at="2026-12-31T00:00:00Z").result


@functools.lru_cache(maxsize=1)
def workbook_result():
    with XlsxSource(SAMPLE) as src:
        return run_commissions(src)


def same_numbers(a, b) -> None:
    """Two commission results agree to the cent: payouts, summary and statement lines."""
    for name in ("payouts", "summary", "lines"):
        fa, fb = getattr(a, name), getattr(b, name)
        assert len(fa) == len(fb) and len(fa) > 0, name
        pd.testing.assert_frame_equal(fa.reset_index(drop=True), fb.reset_index(drop=True), check_exact=True)
