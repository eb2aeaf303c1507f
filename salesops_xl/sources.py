"""Input tables from CSV or Parquet files and SQL tables or queries, beside (or instead of) the workbook's.

The batch door only: pyarrow and SQLAlchemy are imported when a source of theirs is read, never by the engine
(which runs in xlwings Lite too). A table read here is handed to the engine as a
:class:`~salesops_xl.tables.RawTable`, typed and checked by the same :func:`~salesops_xl.tables.read_table` as a
workbook's: same schema, same rules, same messages, naming the file or the database table/query instead of
the workbook and sheet, and counting rows as that source's users do (docs/sources.md):

* **CSV** (UTF-8, comma-separated, a header line): every value is text; a number column takes plain numbers
  (``1234.56``, ``-3``, ``1e3``; a percent column also ``25%``), a date column ``YYYY-MM-DD`` (a time after it
  is ignored); rows are numbered by **line** of the file, the header being line 1.
* **Parquet**: each column's stored (Arrow) type must suit its field (numbers: integer, floating point or
  decimal; dates: date or timestamp; text and ids: string or integer); a column of another type is a
  :class:`~salesops_xl.errors.SourceError`. Rows are numbered by **row index** (0-based, as pandas and pyarrow
  show them).
* **SQL** (any SQLAlchemy URL; ``?table=NAME`` or ``?query=SELECT...``): values come typed by the database;
  text in a number or date column is read by the CSV rules (SQLite stores what it is given). Rows are
  numbered by their **ordinal** in the result (1 = the first row returned).

:class:`CompositeSource` puts these in front of the workbook's own source: a table named there is read from
its source, every other one from the workbook.
"""
from __future__ import annotations

import csv
import datetime as _dt
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import SourceError, UsageError, first_line
from .tables import RawTable, TableSchema

#: the file kinds a path may name, by suffix
FILE_KINDS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_NUMERIC = ("number", "money", "percent", "int")


# ---------------------------------------------------------------------------------------------------------
# one table's source


@dataclass(frozen=True)
class TableSpec:
    """Where one input table comes from: a CSV or Parquet file, or a SQL table or query."""

    kind: str  # "csv", "parquet" or "sql"
    path: Path | None = None  # csv, parquet
    url: str | None = None  # sql: the SQLAlchemy URL without table/query
    table: str | None = None  # sql: a table name (schema.table allowed)
    query: str | None = None  # sql: a SELECT

    def describe(self) -> str:
        """The source as error messages name it."""
        if self.kind != "sql":
            return self.path.name if self.path is not None else "?"
        db = db_name(self.url)
        if self.query is not None:
            q = " ".join(self.query.split())
            return f"{db}, SQL query \"{q if len(q) <= 80 else q[:77] + '...'}\""
        return f"{db}, SQL table {self.table}"

    def read(self, name: str, schema: TableSchema | None) -> RawTable:
        """The table as a RawTable named ``name`` (values typed for ``schema`` where the source holds text)."""
        if self.kind == "csv":
            return _read_csv(self, name, schema)
        if self.kind == "parquet":
            return _read_parquet(self, name, schema)
        return _read_sql(self, name, schema)


def parse_spec(spec: str | Mapping[str, Any], base: Path | None = None) -> TableSpec:
    """``deals.csv``, ``deals.parquet``, ``sqlite:///ops.db?table=deals``, ``URL?query=SELECT ...`` (or, in a
    sources file, ``{url = "...", table = "..."}`` / ``{url = "...", query = "..."}`` / ``{path = "..."}``)
    -> a TableSpec. Relative paths (and a relative SQLite database) are taken from ``base`` (default: the
    current folder)."""
    if isinstance(spec, Mapping):
        keys = set(spec)
        if keys <= {"path"} and "path" in keys:
            return parse_spec(str(spec["path"]), base)
        if "url" in keys and keys <= {"url", "table", "query"} and (("table" in keys) != ("query" in keys)):
            return _sql_spec(str(spec["url"]), spec.get("table"), spec.get("query"), base)
        raise UsageError(f"{dict(spec)!r}: expected {{path = \"FILE\"}}, {{url = \"URL\", table = \"NAME\"}} or "
                         "{url = \"URL\", query = \"SELECT ...\"}")
    spec = str(spec).strip()
    if "://" in spec:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(spec)
        except ArgumentError as e:
            raise UsageError(f"{spec}: not a database URL ({e})") from None
        q = dict(url.query)
        table, query = q.get("table"), q.get("query")
        bare = url.difference_update_query(["table", "query"])
        return _sql_spec(bare.render_as_string(hide_password=False), table, query, base, shown=spec)
    p = Path(spec)
    kind = FILE_KINDS.get(p.suffix.lower())
    if kind is None:
        raise UsageError(f"{spec}: a table source is a .csv or .parquet file or a database URL "
                         "(sqlite:///ops.db?table=deals)")
    if base is not None and not p.is_absolute():
        p = base / p
    return TableSpec(kind=kind, path=p)


def _sql_spec(url: str, table, query, base: Path | None, shown: str | None = None) -> TableSpec:
    from sqlalchemy.engine import make_url

    if (table is None) == (query is None):
        raise UsageError(f"{shown or url}: name a table (?table=NAME) or a query (?query=SELECT ...), one of them")
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") \
            and not u.database.startswith("file:") and base is not None and not os.path.isabs(u.database):
        u = u.set(database=str(base / u.database))
    return TableSpec(kind="sql", url=u.render_as_string(hide_password=False), table=table, query=query)


def db_name(url: str | None) -> str:
    """A database URL as messages name it: a SQLite file by its name, any other without its password."""
    from sqlalchemy.engine import make_url

    if url is None:  # only a hand-made TableSpec; parse_spec always gives a SQL source its URL
        return "?"
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return Path(u.database).name if u.database and u.database != ":memory:" else "SQLite in memory"
    return u.set(query={}).render_as_string(hide_password=True)


# ---------------------------------------------------------------------------------------------------------
# reading each kind


def _existing_file(spec: TableSpec, name: str, kind: str) -> Path:
    """The source's path, if it is a file; else a SourceError saying what is there instead."""
    path = spec.path
    if path is None:  # only a hand-made TableSpec; parse_spec always gives a file source its path
        raise SourceError(f"{spec.kind} source without a path (the source of table {name})")
    if not path.exists():
        raise SourceError(f"{path}: no such file (the source of table {name})")
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, expected a {kind} file (the source of table {name})")
    return path


def _read_csv(spec: TableSpec, name: str, schema: TableSchema | None) -> RawTable:
    where = spec.describe()
    path = _existing_file(spec, name, "CSV")
    try:
        parsed = _csv_simple(path) or _csv_records(path, where)
    except (UnicodeDecodeError, csv.Error) as e:
        raise SourceError(f"{where}: cannot be read as a UTF-8 CSV file ({e})") from None
    except OSError as e:
        raise SourceError(f"{where}: cannot be opened ({e.strerror or e})") from None
    if parsed is None:
        raise SourceError(f"{where}: the file is empty; expected a header line naming the columns of {name}")
    header, start, columns, lines = parsed
    data = {h: _typed(col, _field_type(schema, h)) for h, col in zip(header, columns)}
    return RawTable(name=name, columns=header, data=data, sheet=None, workbook=where, header_row=start,
                    row_numbers=lines, origin="csv", row_label="line")


def _csv_records(path: Path, where: str):
    """(header, its line, columns as object arrays, line of each row) by the csv module, counting the line each
    record starts on (a quoted value may span lines; blank lines are skipped); None for a file without a header."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header, start, rows, lines = None, 0, [], []
        last = 0
        for rec in reader:
            first_line, last = last + 1, reader.line_num
            if not any(rec):
                continue  # a blank line (no field, or only empty ones)
            if header is None:
                header, start = [h.strip() for h in rec], first_line
                continue
            if len(rec) > len(header) and any(v.strip() for v in rec[len(header):]):
                raise SourceError(f"{where}: line {first_line} has {len(rec)} values, the header "
                                  f"(line {start}) names {len(header)} columns")
            rows.append(rec)
            lines.append(first_line)
    if header is None:
        return None
    n = len(header)
    rows = [r if len(r) == n else (r + [""] * (n - len(r)))[:n] for r in rows]
    columns = []
    for col in (list(zip(*rows)) if rows else [()] * n):
        values = np.empty(len(col), dtype=object)
        values[:] = col
        columns.append(values)
    return header, start, columns, np.array(lines, dtype=np.int64)


def _csv_simple(path: Path):
    """The same as :func:`_csv_records` by pandas' C parser (several times faster), for the common file where
    a record is a line: no quote character, no blank line, no bare CR, a header of distinct names, no row
    longer than the header. None when the file is not such a file (the csv module reads it then)."""
    import io

    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.replace(b"\r\n", b"\n")
    body = text.rstrip(b"\n")
    if not body or b'"' in body or b"\r" in body or body.startswith(b"\n") or b"\n\n" in body:
        return None
    first = body.split(b"\n", 1)[0].decode("utf-8")
    header = [h.strip() for h in next(csv.reader([first]))]
    if len(set(header)) != len(header) or not any(header):
        return None
    if max(line.count(b",") for line in body.split(b"\n")) > len(header) - 1:
        return None  # a row longer than the header: the csv module's reading says where, or drops blank extras
    import pandas.errors

    try:
        df = pd.read_csv(io.BytesIO(body), header=None, skiprows=1, names=header, dtype=str, na_filter=False,
                         keep_default_na=False, skip_blank_lines=False, encoding="utf-8", engine="c")
    except (pandas.errors.ParserError, UnicodeDecodeError, ValueError):
        return None
    columns = []
    for h in header:
        values = df[h].to_numpy(dtype=object)
        missing = pd.isna(values)
        if missing.any():  # a short row: its missing fields are empty, as the csv module reads them
            values[missing] = ""
        columns.append(values)
    return header, 1, columns, np.arange(2, len(df) + 2, dtype=np.int64)


def _read_parquet(spec: TableSpec, name: str, schema: TableSchema | None) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = spec.describe()
    path = _existing_file(spec, name, "Parquet")
    try:
        tbl = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise SourceError(f"{where}: cannot be read as a Parquet file ({first_line(e)})") from None
    header = [str(c) for c in tbl.column_names]
    wrong = []
    data: dict[str, Any] = {}
    for h, col in zip(header, tbl.columns):
        ftype = _field_type(schema, h)
        if col.null_count == len(col):  # all blank, whatever type a writer gave it (pandas: float for all-NaN)
            data[h] = np.full(len(col), None, dtype=object)
            continue
        why = _arrow_mismatch(col.type, ftype)
        if why:
            wrong.append(f"column {h} is stored as {col.type}; table {name} needs {why}")
            continue
        data[h] = _arrow_values(col, ftype)
    if wrong:
        raise SourceError(f"{where}: " + "; ".join(wrong) + ". Write the file with those column types (in pandas: "
                          "df[col] = pd.to_numeric(df[col]) or pd.to_datetime(df[col]) before to_parquet)")
    return RawTable(name=name, columns=header, data=data, sheet=None, workbook=where, header_row=None,
                    row_numbers=np.arange(tbl.num_rows, dtype=np.int64), origin="parquet", row_label="row index")


def _arrow_mismatch(t, ftype: str | None) -> str:
    """Why an Arrow column type cannot hold a field of ``ftype`` ('' when it can)."""
    import pyarrow as pa

    if ftype is None or pa.types.is_null(t):
        return ""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if ftype in _NUMERIC:
        ok = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        return "" if ok else "numbers (an integer, floating-point or decimal column)"
    if ftype == "date":
        ok = pa.types.is_date(t) or pa.types.is_timestamp(t)
        return "" if ok else "dates (a date or timestamp column)"
    ok = pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
    return "" if ok else "text (a string column)"


def _arrow_values(col, ftype: str | None):
    import pyarrow as pa

    t = col.type
    if ftype in _NUMERIC and not pa.types.is_null(t):
        return col.cast(pa.float64()).to_numpy()  # nulls -> NaN (blank)
    if ftype == "date" and (pa.types.is_timestamp(t) or pa.types.is_date(t)):
        import pyarrow.compute as pc

        days = pc.cast(col, pa.date32(), safe=False).cast(pa.int32()).to_numpy()  # nulls -> NaN (float)
        out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
        ok = ~np.isnan(days) if days.dtype.kind == "f" else np.ones(len(days), dtype=bool)
        out[ok] = days[ok].astype(np.int64).astype("datetime64[D]")
        return out.astype(object)  # datetime.date, None where blank
    if pa.types.is_dictionary(t):
        return np.array(col.to_pylist(), dtype=object)
    return col.to_numpy()  # (a ChunkedArray copies where it must, under every pyarrow)


def _read_sql(spec: TableSpec, name: str, schema: TableSchema | None) -> RawTable:
    from sqlalchemy import MetaData, Table, create_engine, select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import NoSuchModuleError, NoSuchTableError, SQLAlchemyError

    where = spec.describe()
    if spec.url is None:  # only a hand-made TableSpec; parse_spec always gives a SQL source its URL
        raise SourceError(f"{where}: no database URL (the source of table {name})")
    u = make_url(spec.url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") \
            and not u.database.startswith("file:") and not os.path.exists(u.database):
        raise SourceError(f"{where}: no such database file {u.database} (the source of table {name})")
    try:
        engine = create_engine(u)
    except (NoSuchModuleError, ImportError) as e:
        raise SourceError(f"{where}: no driver for this database URL ({first_line(e)}); install it "
                          "(PostgreSQL: pip install 'psycopg[binary]')") from None
    try:
        with engine.connect() as conn:
            if spec.query is not None:
                res = conn.exec_driver_sql(spec.query)
            elif spec.table is not None:
                sch, _, tname = spec.table.rpartition(".")
                t = Table(tname, MetaData(), autoload_with=conn, schema=sch or None)
                res = conn.execute(select(t))
            else:  # only a hand-made TableSpec; parse_spec gives a SQL source a table or a query, one of them
                raise SourceError(f"{where}: neither a table nor a query (the source of table {name})")
            header = [str(k) for k in res.keys()]
            rows = res.fetchall()
    except NoSuchTableError:
        raise SourceError(f"{where}: the database has no table {spec.table} (the source of table {name})") from None
    except SQLAlchemyError as e:
        what = "the query failed" if spec.query is not None else "cannot be read"
        raise SourceError(f"{where}: {what}: {db_error(e)}") from None
    finally:
        engine.dispose()
    data = {}
    for j, h in enumerate(header):
        vals = np.empty(len(rows), dtype=object)
        vals[:] = [r[j] for r in rows]
        data[h] = _typed(vals, _field_type(schema, h))
    return RawTable(name=name, columns=header, data=data, sheet=None, workbook=where, header_row=None,
                    row_numbers=np.arange(1, len(rows) + 1, dtype=np.int64), origin="sql", row_label="row")


def db_error(e) -> str:
    """A database driver's exception as one line a user can act on (the server's message, not the SQL)."""
    orig = getattr(e, "orig", None)
    text = first_line(orig if orig is not None else e)
    if getattr(e, "connection_invalidated", False) or "server closed the connection" in text \
            or "terminating connection" in text or "connection" in type(orig).__name__.lower():
        text += " (the connection to the database was lost)"
    return text




# ---------------------------------------------------------------------------------------------------------
# typing text (CSV, and text a database hands over in a number or date column)


def _field_type(schema: TableSchema | None, column: str) -> str | None:
    if schema is None:
        return None
    for f in schema.fields:
        if f.name == column:
            return f.type
    return None


def _typed(values: np.ndarray, ftype: str | None):
    """Values of a column read as text (or from a database), converted for a field of ``ftype``: the text of
    a plain number in a number column becomes the number, ``YYYY-MM-DD`` in a date column the date, a
    database's Decimal a float; anything else is left as it is, for read_table to report."""
    if ftype is None or len(values) == 0:
        return values
    if ftype in _NUMERIC:
        fast = _plain_numbers(values, ftype == "percent")
        if fast is not None:
            return fast
        conv = lambda u: _number(u, ftype == "percent")  # noqa: E731
    elif ftype == "date":
        conv = _date
    else:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out_u = np.empty(len(uniques) + 1, dtype=object)
    out_u[-1] = None
    out_u[:-1] = [conv(u) for u in uniques]
    out = out_u[codes]
    if ftype in _NUMERIC and all(u is None or type(u) is float for u in out_u):
        return np.array([np.nan if u is None else u for u in out_u], dtype=np.float64)[codes]
    return out


def _plain_numbers(values: np.ndarray, percent: bool) -> np.ndarray | None:
    """A column of text that is all plain numbers or blank, as float64 (NaN blank) in one go; else None."""
    if percent or pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    s = pd.Series(values, dtype=object).str.strip()
    blank = (s == "").to_numpy()
    ok = s.str.fullmatch(_NUMBER.pattern).to_numpy(dtype=bool, na_value=False)
    if not (ok | blank).all():
        return None
    out = np.full(len(values), np.nan)
    out[ok] = s[ok].astype(np.float64).to_numpy()
    return out


def _number(u: Any, percent: bool):
    if isinstance(u, Decimal):
        return float(u)
    if isinstance(u, str):
        s = u.strip()
        if s == "":
            return None
        scale = 1.0
        if percent and s.endswith("%"):
            s, scale = s[:-1].strip(), 0.01
        if _NUMBER.match(s):
            return float(s) * scale
        return u
    if isinstance(u, (int, np.integer)) and not isinstance(u, bool):
        return float(u)
    return u


def _date(u: Any):
    if isinstance(u, str):
        s = u.strip()
        if s == "":
            return None
        if _ISO_DATE.match(s):
            try:
                return _dt.date.fromisoformat(s[:10])
            except ValueError:
                return u
        return u
    return u


# ---------------------------------------------------------------------------------------------------------
# the sources of a run


def table_specs(tables: Iterable[str] = (), sources_file: str | Path | None = None,
                tables_from: str | Path | None = None) -> dict[str, TableSpec]:
    """Table name -> its source, from ``--table NAME=SPEC`` values, a sources file and a folder of files.

    A table named in several places is taken from the most specific: ``--table`` over the sources file over
    the folder. Names match the schema's table names case-insensitively.
    """
    out: dict[str, tuple[str, TableSpec]] = {}
    if tables_from is not None:
        for name, spec in folder_specs(tables_from).items():
            out[name.lower()] = (name, spec)
    if sources_file is not None:
        for name, spec in read_sources_file(sources_file).items():
            out[name.lower()] = (_input_table(name, f"{sources_file}: [tables] {name}"), spec)
    for item in tables:
        name, eq, text = str(item).partition("=")
        if not eq or not name.strip() or not text.strip():
            raise UsageError(f"--table {item}: expected NAME=SOURCE, e.g. Deals=deals.csv")
        out[name.strip().lower()] = (_input_table(name.strip(), f"--table {item}"), parse_spec(text))
    return {name: spec for name, spec in out.values()}


def _input_table(name: str, where: str) -> str:
    """The input table ``name`` names (its schema's spelling), or a UsageError naming the closest ones."""
    schema = _any_schema(name.lower())
    if schema is not None:
        return schema.name
    import difflib

    from .capabilities import all_capabilities

    names = sorted({s.name for c in all_capabilities() for s in c.input_tables})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else "; `salesops-xl schema` lists them"
    raise UsageError(f"{where}: no input table is called {name}{hint}")


def folder_specs(folder: str | Path) -> dict[str, TableSpec]:
    """The CSV and Parquet files of ``folder`` named after an input table (case-insensitive: deals.csv is the
    source of Deals); other files are left alone."""
    d = Path(folder)
    if not d.is_dir():
        raise SourceError(f"{d}: no such folder (--tables-from)")
    found: dict[str, tuple[str, Path]] = {}
    for p in sorted(d.iterdir()):
        if p.is_file() and p.suffix.lower() in FILE_KINDS and not p.name.startswith("."):
            schema = _any_schema(p.stem.lower())
            if schema is None:  # not an input table (notes.csv, results such as payouts.parquet): left alone
                continue
            key = p.stem.lower()
            if key in found:
                raise SourceError(f"{d}: both {found[key][1].name} and {p.name} name table {schema.name}; keep one")
            found[key] = (schema.name, p)
    if not found:
        raise SourceError(f"{d}: no CSV or Parquet file there is named after an input table (Deals.csv, "
                          "Quotas.parquet...; `salesops-xl schema` lists the tables)")
    return {stem: TableSpec(kind=FILE_KINDS[p.suffix.lower()], path=p) for stem, p in found.values()}


def read_sources_file(path: str | Path) -> dict[str, TableSpec]:
    """A sources file (TOML): a ``[tables]`` section, one ``Name = "source"`` line per table (docs/sources.md).
    Relative paths and SQLite databases are taken from the file's own folder."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{p}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{p}: cannot be read ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{p}: not a valid sources file (TOML): {e}") from None
    tables = doc.get("tables")
    if not isinstance(tables, dict) or set(doc) - {"tables"}:
        raise SourceError(f"{p}: expected a [tables] section only, one line per table: Deals = \"deals.csv\"")
    base = p.parent.resolve()
    try:
        return {str(k): parse_spec(v, base) for k, v in tables.items()}
    except UsageError as e:
        raise SourceError(f"{p}: {e}") from None


class CompositeSource:
    """The workbook's tables, with some read from other sources instead (a TableSource).

    ``base``: the workbook's own source (its context manager, warnings and other attributes are passed
    through); ``specs``: table name -> :class:`TableSpec`. Tables are typed for the schemas the engine
    announces (:meth:`expect`); a table read before any announcement is typed by the first capability
    whose schema has a table of that name.
    """

    def __init__(self, base, specs: Mapping[str, TableSpec]):
        self.base = base
        self.workbook = base.workbook
        self.specs = {k.lower(): (k, v) for k, v in specs.items()}
        self._schemas: dict[str, TableSchema] = {}
        self._cache: dict[str, RawTable] = {}

    def __enter__(self):
        if hasattr(self.base, "__enter__"):
            self.base.__enter__()
        return self

    def __exit__(self, *exc):
        if hasattr(self.base, "__exit__"):
            return self.base.__exit__(*exc)
        return None

    def __getattr__(self, attr):  # warnings(), date1904... of the workbook
        return getattr(self.base, attr)

    def expect(self, schemas: Sequence[TableSchema]) -> None:
        for s in schemas:
            self._schemas[s.name.lower()] = s
        if hasattr(self.base, "expect"):
            self.base.expect(schemas)

    def prefetch(self, names: Sequence[str]) -> None:
        if hasattr(self.base, "prefetch"):
            self.base.prefetch([n for n in names if n.lower() not in self.specs])

    def read(self, name: str) -> RawTable | None:
        key = name.lower()
        if key not in self.specs:
            return self.base.read(name)
        if key not in self._cache:
            schema = self._schemas.get(key) or _any_schema(key)
            self._cache[key] = self.specs[key][1].read(schema.name if schema else self.specs[key][0], schema)
        return self._cache[key]

    def table_names(self) -> list[str]:
        names = list(self.base.table_names())
        have = {n.lower() for n in names}
        return names + [k for k, _ in self.specs.values() if k.lower() not in have]


def _any_schema(key: str) -> TableSchema | None:
    from .capabilities import all_capabilities

    for cap in all_capabilities():
        for s in cap.input_tables:
            if s.name.lower() == key:
                return s
    return None
