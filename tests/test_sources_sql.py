"""Input tables from SQL tables and queries, results to SQL tables: on SQLite (embedded) and on a real
PostgreSQL server when SALESOPS_TEST_POSTGRES_URL names one (.ci/postgres.sh starts a throwaway cluster and sets
SALESOPS_REQUIRE_POSTGRES=1, under which a missing server fails instead of skipping)."""
from __future__ import annotations

import os
import shutil
import uuid
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

import sources_data as sd
from salesops_xl.cli import main
from salesops_xl.errors import InputError, ResultsError, SourceError
from salesops_xl.batch.results import write_results
from salesops_xl.commissions.outputs import run_results
from salesops_xl.sources import CompositeSource, table_specs


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path_factory):
    """A database URL holding every input table of the sample (lower-case table names, as pandas wrote them)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'ops.db'}"
        sd.write_sql(sd.input_frames(), url)
        yield url
        return
    server = os.environ.get("SALESOPS_TEST_POSTGRES_URL")
    if not server:
        if os.environ.get("SALESOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("SALESOPS_REQUIRE_POSTGRES=1 but SALESOPS_TEST_POSTGRES_URL is not set: no PostgreSQL to test")
        pytest.skip("no PostgreSQL server (set SALESOPS_TEST_POSTGRES_URL; .ci/postgres.sh starts one)")
    name = f"sxl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = create_engine(server).url.set(database=name).render_as_string(hide_password=False)
    sd.write_sql(sd.input_frames(), url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def is_pg(url: str) -> bool:
    return url.startswith("postgresql")


def run_with(specs):
    return sd.run_commissions(CompositeSource(sd.Without(specs), specs))


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for s in statements:
                conn.execute(text(s))
    finally:
        engine.dispose()


def fetch(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_sql_tables_and_a_query_give_the_workbooks_numbers(db):
    names = list(sd.input_frames())
    specs = table_specs([f"{n}={db}?table={n.lower()}" for n in names if n != "Deals"]
                        + [f"Deals={db}?query=SELECT * FROM deals"])
    assert specs["Deals"].query == "SELECT * FROM deals" and specs["Quotas"].table == "quotas"
    sd.same_numbers(run_with(specs), sd.workbook_result())


def test_sql_errors_name_the_database_table_or_query(db, tmp_path):
    with pytest.raises(SourceError, match=r"SQL table nothere: the database has no table nothere"):
        run_with(table_specs([f"Deals={db}?table=nothere"]))
    with pytest.raises(SourceError, match=r'SQL query "SELECT nope FROM deals": the query failed: .*nope'):
        run_with(table_specs([f"Deals={db}?query=SELECT nope FROM deals"]))
    q = 'SELECT "DealID" FROM deals'
    text_ = str(pytest.raises(InputError, run_with, table_specs([f"Deals={db}?query={q}"])).value)
    assert f'SQL query "{q}", table Deals: required column \'RepID\' is missing' in text_
    # a bad value: named by its ordinal in the result (1 = the first row returned)
    execute(db, "CREATE TABLE bad_deals AS SELECT * FROM deals",
            'UPDATE bad_deals SET "SplitPct" = -0.5 WHERE "DealID" = '
            "(SELECT \"DealID\" FROM deals ORDER BY \"DealID\" LIMIT 1 OFFSET 3)")
    q = 'SELECT * FROM bad_deals ORDER BY "DealID"'
    text_ = str(pytest.raises(InputError, run_with, table_specs([f"Deals={db}?query={q}"])).value)
    assert f'SQL query "{q}", table Deals: row 4, column SplitPct: negative; found -0.5' in text_
    if not is_pg(db):
        with pytest.raises(SourceError, match=r"missing\.db, SQL table deals: no such database file"):
            run_with(table_specs([f"Deals=sqlite:///{tmp_path / 'missing.db'}?table=deals"]))


@pytest.mark.parametrize("db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_connection_dropped_while_reading_is_a_clear_error(db):  # the server ends the session
    q = "SELECT * FROM deals WHERE pg_terminate_backend(pg_backend_pid())"
    with pytest.raises(SourceError, match=r"SQL query .*: the query failed: .*connection to the database was lost"):
        run_with(table_specs([f"Deals={db}?query={q}"]))


def snapshot(url: str) -> dict:
    """Every result row, by table (sorted): what must not change when a write fails."""
    return {t: sorted(fetch(url, f"SELECT * FROM {t}"), key=repr)
            for t in ("payouts", "payout_summary", "statement_lines", "runs")}


def test_results_to_sql_are_exact_and_a_rerun_replaces_its_rows(db):
    result = sd.workbook_result()
    write_results(run_results(result), db, run_key="a.xlsx")
    write_results(run_results(result), db, run_key="b.xlsx")
    write_results(run_results(result), db, run_key="a.xlsx")  # the rerun replaces a.xlsx's rows, b.xlsx's stay
    counts = dict(fetch(db, 'SELECT "RunKey", COUNT(*) FROM statement_lines GROUP BY "RunKey"'))
    assert counts == {"a.xlsx": len(result.lines), "b.xlsx": len(result.lines)}
    got = fetch(db, 'SELECT "Payable" FROM payouts WHERE "RunKey" = \'a.xlsx\'')
    assert sorted(Decimal(str(v)) for (v,) in got) == sorted(Decimal(int(c)).scaleb(-2)
                                                            for c in result.payouts["Payable"])
    total = Decimal(str(fetch(db, 'SELECT SUM("Amount") FROM statement_lines WHERE "RunKey" = \'a.xlsx\'')[0][0]))
    if not is_pg(db):  # SQLite has no decimal type: NUMERIC values are floats there, a sum is rounded to the cent
        total = total.quantize(Decimal("0.01"))
    assert total == Decimal(int(result.lines["Amount"].sum())).scaleb(-2)  # PostgreSQL: exact as it is
    engine = create_engine(db)
    try:
        col = {c["name"]: c["type"] for c in inspect(engine).get_columns("payout_summary")}["Total"]
    finally:
        engine.dispose()
    assert (col.precision, col.scale) == (18, 2)
    assert {r[0] for r in fetch(db, 'SELECT "RunKey" FROM runs')} == {"a.xlsx", "b.xlsx"}


def test_a_failing_insert_midway_leaves_the_results_as_they_were(db):
    result = sd.workbook_result()
    write_results(run_results(result), db, run_key="a.xlsx")
    before = snapshot(db)
    if is_pg(db):
        execute(db, "CREATE FUNCTION sxl_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; "
                    "END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER sxl_full BEFORE INSERT ON statement_lines FOR EACH ROW EXECUTE FUNCTION sxl_full()")
        undo = ("DROP TRIGGER sxl_full ON statement_lines", "DROP FUNCTION sxl_full()")
    else:
        execute(db, "CREATE TRIGGER sxl_full BEFORE INSERT ON statement_lines "
                    "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END")
        undo = ("DROP TRIGGER sxl_full",)
    try:  # payouts and payout_summary are deleted and inserted first, then statement_lines fails
        with pytest.raises(ResultsError, match="disk quota exceeded; the transaction was rolled back"):
            write_results(run_results(result), db, run_key="a.xlsx")
        assert snapshot(db) == before
    finally:
        execute(db, *undo)


@pytest.mark.parametrize("db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_connection_dropped_while_writing_leaves_the_results_as_they_were(db):  # the server ends the session
    result = sd.workbook_result()
    write_results(run_results(result), db, run_key="a.xlsx")
    before = snapshot(db)
    execute(db, "CREATE FUNCTION sxl_drop() RETURNS trigger AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); "
                "RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER sxl_drop BEFORE INSERT ON statement_lines FOR EACH ROW EXECUTE FUNCTION sxl_drop()")
    try:
        with pytest.raises(ResultsError, match="connection to the database was lost.*nothing was changed"):
            write_results(run_results(result), db, run_key="a.xlsx")
        assert snapshot(db) == before
    finally:
        execute(db, "DROP TRIGGER sxl_drop ON statement_lines", "DROP FUNCTION sxl_drop()")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # once is enough: the CLI passes URLs on unchanged
def test_the_cli_reads_sql_and_writes_sql_results(db, tmp_path):
    wb = tmp_path / "run.xlsx"
    shutil.copy(sd.SAMPLE, wb)
    res = f"sqlite:///{tmp_path / 'results.db'}"
    r = CliRunner().invoke(main, ["recalc", str(wb), "--table", f"Quotas={db}?table=quotas", "--table",
                                  f"Deals={db}?query=SELECT * FROM deals", "--results", res, "-q"])
    assert r.exit_code == 0, r.output
    assert fetch(res, "SELECT COUNT(*) FROM payouts")[0][0] == len(sd.workbook_result().payouts)
    r = CliRunner().invoke(main, ["recalc", str(wb), "--table", f"Deals={db}?query=SELECT nope FROM deals"])
    assert r.exit_code == 3 and "the query failed" in r.output
