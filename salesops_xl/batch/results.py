"""A commission run's results to Parquet files or SQL tables (``salesops-xl recalc --results DIR|URL``).

The batch door only (pyarrow and SQLAlchemy are imported here, lazily). Four tables, their columns those of
the workbook's sheets (docs/commissions.md), each row led by ``RunKey`` (the workbook's file name):

* ``payouts`` (sheet Payouts), ``payout_summary`` (sheet Payout Summary, with its Status), ``statement_lines``
  (sheet Statement Lines, all of its continuation sheets), and ``runs``: one row per run key with the run's
  time, input fingerprint and engine version.

Money is exact to the cent: Parquet ``decimal128(18, 2)``, SQL ``NUMERIC(18, 2)``, made from the engine's
integer cents (the amounts the workbook shows to the cent: credit, quota... are rounded to
the cent as the sheets show them). Ratios and rates are 64-bit floats, dates dates, the rest text.

Atomic and idempotent (docs/sources.md):

* **Parquet folder**: the four files are written to temporary files in the folder first; only when all are
  written are they renamed into place (the previous files kept aside until then, and put back if a rename
  fails). A folder holds one run: a rerun replaces its files.
* **SQL**: one transaction creates the tables if missing, deletes the rows of this run key and inserts the
  new ones; any failure (a failing insert, a dropped connection) rolls it all back: the tables are as they
  were. Rows of other run keys (other workbooks) are left alone.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ResultsError, UsageError
from ..sheets import Column
from ..workflows import RunResults

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

RUNS_TABLE = "runs"


@dataclass(frozen=True)
class ResultTable:
    name: str
    columns: tuple[Column, ...]  # after RunKey
    data: dict[str, np.ndarray]  # column -> values; money as int64 cents with a null mask (see _cents)
    nulls: dict[str, np.ndarray]

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0


@dataclass(frozen=True)
class ResultsReport:
    target: str
    rows: dict[str, int]


def result_tables(results: RunResults) -> list[ResultTable]:
    """The result frames typed for writing: money as cents, numbers, dates and text, each with its null mask."""
    out = []
    for rf in results.tables:
        data, nulls = {}, {}
        n = len(rf.frame)
        for c in rf.columns:
            v = rf.frame[c.name].to_numpy() if c.name in rf.frame else np.full(n, None, dtype=object)
            data[c.name], nulls[c.name] = _typed(v, c.kind, cents=c.name in rf.cents)
        out.append(ResultTable(rf.name, tuple(rf.columns), data, nulls))
    return out


def _typed(v: np.ndarray, kind: str, *, cents: bool) -> tuple[np.ndarray, np.ndarray]:
    """(values, null mask): money as int64 cents, numbers float64, dates datetime64[D], text object."""
    n = len(v)
    if kind == "money":
        if v.dtype.kind in "iu" and cents:
            return v.astype(np.int64), np.zeros(n, dtype=bool)
        f = pd.to_numeric(pd.Series(v), errors="coerce").to_numpy(dtype=np.float64)
        if cents:  # engine cents held as floats (a frame with blanks)
            null = np.isnan(f)
            return np.where(null, 0, np.round(f)).astype(np.int64), null
        null = ~np.isfinite(f)
        # to the cent as the sheet shows it (np.round(v, 2) there)
        return np.round(np.where(null, 0.0, f) * 100.0).astype(np.int64), null
    if kind in ("percent", "rate", "multiple", "number", "int"):
        f = pd.to_numeric(pd.Series(v), errors="coerce").to_numpy(dtype=np.float64)
        return f, np.isnan(f)
    if kind == "date":
        d = pd.to_datetime(pd.Series(v), errors="coerce").to_numpy().astype("datetime64[D]")
        return d, np.isnat(d)
    obj = np.empty(n, dtype=object)
    obj[:] = [None if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x) for x in v]
    return obj, np.array([x is None for x in obj], dtype=bool)


def write_results(results: RunResults, target: str | Path, *, run_key: str) -> ResultsReport:
    """Write a run's results (e.g. :func:`salesops_xl.commissions.outputs.run_results`) to ``target``: a folder
    (Parquet files) or a database URL (SQL tables); all or nothing, replacing this run key's earlier results
    (see the module's text)."""
    tables = result_tables(results)
    runs = {"RunKey": run_key, **results.run}
    t = str(target)
    if "://" in t:
        return _write_sql(tables, runs, t, run_key)
    return _write_parquet(tables, runs, Path(t), run_key)


# ---------------------------------------------------------------------------------------------------------
# Parquet


def _arrow_table(tbl: ResultTable, run_key: str):
    import pyarrow as pa

    n = tbl.n_rows
    arrays = [pa.array([run_key] * n, type=pa.string())]
    fields = [pa.field("RunKey", pa.string(), nullable=False)]
    for c in tbl.columns:
        v, null = tbl.data[c.name], tbl.nulls[c.name]
        if c.kind == "money":
            arr, typ = _decimal_cents(v, null), pa.decimal128(18, 2)
        elif c.kind == "date":
            typ = pa.date32()
            arr = pa.array(v, type=typ, mask=null)
        elif v.dtype.kind == "f":
            typ = pa.float64()
            arr = pa.array(v, type=typ, mask=null)
        else:
            typ = pa.string()
            arr = pa.array(v, type=typ)
        arrays.append(arr)
        fields.append(pa.field(c.name, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _decimal_cents(cents: np.ndarray, null: np.ndarray):
    """int64 cents -> decimal128(18, 2), exactly: the unscaled 128-bit integer of a decimal is the cents."""
    import pyarrow as pa

    n = len(cents)
    words = np.empty((n, 2), dtype="<i8")
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # the sign extended to the high word
    validity = None
    if null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(pa.decimal128(18, 2), n, [validity, pa.py_buffer(words.tobytes())],
                                 null_count=int(null.sum()))


def _write_parquet(tables: list[ResultTable], runs: dict, folder: Path, run_key: str) -> ResultsReport:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if folder.exists() and not folder.is_dir():
        raise ResultsError(f"{folder}: is a file; --results takes a folder (Parquet files) or a database URL")
    if not folder.parent.is_dir():
        raise ResultsError(f"{folder}: its parent folder does not exist; nothing was written")
    folder.mkdir(exist_ok=True)
    meta = {k.encode(): v.encode() for k, v in runs.items()}
    written: list[tuple[Path, Path]] = []  # (temp, final)
    try:
        for tbl in tables + [None]:
            if tbl is None:
                name, at = RUNS_TABLE, pa.table({k: pa.array([v], type=pa.string()) for k, v in runs.items()})
            else:
                name, at = tbl.name, _arrow_table(tbl, run_key)
            at = at.replace_schema_metadata({**(at.schema.metadata or {}), **meta})
            final = folder / f"{name}.parquet"
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".parquet.tmp", dir=folder)
            os.close(fd)
            written.append((Path(tmp), final))
            _write_table(pq, at, tmp)
        _swap_into_place(written)
    except BaseException as e:
        for tmp_path, _ in written:
            with contextlib.suppress(OSError):
                tmp_path.unlink()
        if isinstance(e, (OSError, pa.ArrowException)):
            raise ResultsError(f"{folder}: the results could not be written ({e}); no file there was changed") \
                from None
        raise
    return ResultsReport(str(folder), {t.name: t.n_rows for t in tables})


def _write_table(pq, table, path) -> None:
    pq.write_table(table, path)


def _swap_into_place(written: list[tuple[Path, Path]]) -> None:
    """Rename every temporary file onto its final name: all of them, or (a rename failing) none."""
    kept: list[tuple[Path, Path | None]] = []  # (final, its previous file set aside, or None)
    try:
        for _, final in written:
            old = None
            if final.exists():
                fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".previous", dir=final.parent)
                os.close(fd)
                old = Path(name)
                os.replace(final, old)
            kept.append((final, old))
        for tmp, final in written:
            os.replace(tmp, final)
    except BaseException:
        for final, old in kept:  # put the previous files back (a new one in its place is dropped)
            if old is not None:
                os.replace(old, final)
            else:
                with contextlib.suppress(OSError):
                    final.unlink()
        raise
    for _, old in kept:
        if old is not None:
            with contextlib.suppress(OSError):
                old.unlink()


# ---------------------------------------------------------------------------------------------------------
# SQL


def _sql_tables(metadata, tables: list[ResultTable]):
    from sqlalchemy import Column as SqlColumn
    from sqlalchemy import Date, Float, Numeric, String, Table, Text

    out = {}
    for tbl in tables:
        cols = [SqlColumn("RunKey", String(255), nullable=False, index=True)]
        for c in tbl.columns:
            typ: TypeEngine[Any] = Numeric(18, 2) if c.kind == "money" else Date() if c.kind == "date" else \
                Float(precision=53) if tbl.data[c.name].dtype.kind == "f" else Text()
            cols.append(SqlColumn(c.name, typ))
        out[tbl.name] = Table(tbl.name, metadata, *cols)
    out[RUNS_TABLE] = Table(RUNS_TABLE, metadata, SqlColumn("RunKey", String(255), primary_key=True),
                            SqlColumn("ComputedAt", Text()), SqlColumn("InputFingerprint", Text()),
                            SqlColumn("EngineVersion", Text()))
    return out


def _columns_for_driver(t, tbl: ResultTable, run_key: str, dialect) -> dict[str, list]:
    """Column -> the values the database driver is handed: money as Decimal (exact from the cents), NULL for a
    blank, then passed through the column type's own bind processor for this dialect (SQLite: its float for a
    NUMERIC, its text for a DATE), as SQLAlchemy would per row, here once per column."""
    out: dict[str, list[Any]] = {"RunKey": [run_key] * tbl.n_rows}
    for c in tbl.columns:
        v, null = tbl.data[c.name], tbl.nulls[c.name]
        vals: list[Any]
        if c.kind == "money":
            vals = [None if m else Decimal(int(x)).scaleb(-2) for x, m in zip(v.tolist(), null.tolist())]
        elif c.kind == "date":
            vals = [None if m else x for x, m in zip(v.astype(object).tolist(), null.tolist())]
        elif v.dtype.kind == "f":
            vals = [None if m else x for x, m in zip(v.tolist(), null.tolist())]
        else:
            vals = v.tolist()
        out[c.name] = vals
    for name, vals in out.items():
        proc = t.c[name].type.bind_processor(dialect)
        if proc is not None:
            out[name] = [None if x is None else proc(x) for x in vals]
    return out


def _insert_rows(conn, t, tbl: ResultTable, run_key: str) -> None:
    """Insert ``tbl``'s rows into ``t`` by the driver's executemany, in chunks (SQLAlchemy's per-row parameter
    handling costs ~40 us a row: minutes for millions of statement lines)."""
    compiled = t.insert().compile(dialect=conn.dialect)
    cols = _columns_for_driver(t, tbl, run_key, conn.dialect)
    rows: list[tuple[Any, ...]] | list[dict[str, Any]]
    if compiled.positional:
        order = [cols[compiled.binds[name].key] for name in compiled.positiontup]
        rows = list(zip(*order))
    else:
        names = list(compiled.binds)
        keys = [compiled.binds[name].key for name in names]
        rows = [dict(zip(names, r)) for r in zip(*(cols[k] for k in keys))]
    for i in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(str(compiled), rows[i:i + CHUNK])


CHUNK = 20_000


def _write_sql(tables: list[ResultTable], runs: dict, url: str, run_key: str) -> ResultsReport:
    from sqlalchemy import MetaData, create_engine, delete
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    from ..sources import db_error, db_name

    try:
        u = make_url(url)
    except ArgumentError as e:
        raise UsageError(f"--results {url}: not a database URL ({e})") from None
    shown = db_name(url)
    try:
        engine = create_engine(u)
    except (NoSuchModuleError, ImportError) as e:
        raise ResultsError(f"{shown}: no driver for this database URL ({e}); nothing was written") from None
    md = MetaData()
    sql = _sql_tables(md, tables)
    try:
        with engine.begin() as conn:  # one transaction: committed at the end, rolled back on any error
            md.create_all(conn, checkfirst=True)
            for tbl in tables + [None]:
                t = sql[RUNS_TABLE if tbl is None else tbl.name]
                conn.execute(delete(t).where(t.c.RunKey == run_key))
                if tbl is None:
                    conn.execute(t.insert(), [runs])
                    continue
                if tbl.n_rows:
                    _insert_rows(conn, t, tbl, run_key)
    except SQLAlchemyError as e:
        raise ResultsError(f"{shown}: the results could not be written: {db_error(e)}; the transaction was "
                           "rolled back, nothing was changed") from None
    finally:
        engine.dispose()
    return ResultsReport(shown, {t.name: t.n_rows for t in tables})
