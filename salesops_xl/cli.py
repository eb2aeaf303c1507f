"""The ``salesops-xl`` command: thin wrappers over :mod:`salesops_xl.batch`.

Exit codes: 0 success; 1 the input tables have problems (all listed, nothing
written); 2 wrong usage (an unknown option value, a file that exists without
--force...); 3 the file cannot be used (not a workbook, missing, locked...);
4 an internal error (a bug of ours, caught before anything was changed: a report
to send us is saved beside the workbook).

Progress goes to stderr, results to stdout; no command prints pay amounts
unless given ``--amounts``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .console import EXIT_USAGE, StageBar, fail, print_report, run_guarded


def _kind_names() -> list[str]:
    from .capabilities import all_capabilities

    return [c.name for c in all_capabilities()]


#: ``--kind`` of every command: one of the capabilities, checked by click (a wrong one is a usage error, exit 2).
KIND = click.Choice(_kind_names())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="salesops-xl")
def main() -> None:
    """Sales-operations calculations on Excel workbooks: commissions and more.

    Every command reads the workbook's Excel Tables (see `salesops-xl schema`)
    and writes only the sheets it owns.
    """


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result to this file instead of updating WORKBOOK in place.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--kind", type=KIND, help="Kind of workbook; default: recognised from its tables.")
@click.option("--amounts", is_flag=True, help="Also print the money totals (not printed by default: logs stay "
                                                "free of pay amounts).")
@click.option("--calculate", is_flag=True, help="Have LibreOffice calculate formulas that have no saved value "
                                                  "(files written by scripts) before reading the inputs; the "
                                                  "input cells themselves are left as they are.")
@click.option("--table", "tables", multiple=True, metavar="NAME=SOURCE",
              help="Read input table NAME from SOURCE instead of the workbook: a .csv or .parquet file, or a "
                   "database URL naming a table or a query (sqlite:///ops.db?table=quotas, "
                   "'postgresql+psycopg://user@host/db?query=SELECT ...'). Repeat for more tables.")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A sources file (TOML, a [tables] section: Deals = \"deals.parquet\") naming a source per "
                   "table; --table wins over it.")
@click.option("--tables-from", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Read every table that has a file NAME.csv or NAME.parquet in DIR from that file; --sources "
                   "and --table win over it.")
@click.option("--results", metavar="DIR|URL",
              help="Also write Payouts, Payout Summary and Statement Lines (commissions) as Parquet files into "
                   "DIR, or as SQL tables at a database URL: all or nothing, a rerun replacing this workbook's "
                   "rows. Money exact to the cent (decimal 18,2). See docs/sources.md.")
@click.option("--engine", type=click.Choice(["single", "dask"]), default="single", show_default=True,
              help="dask: compute the commissions in partitions of reps on a Dask cluster (docs/scale.md); "
                   "the same numbers to the cent.")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: a running dask.distributed scheduler (tcp://host:8786), or sync for "
                   "in-process; default: a local cluster, one worker process per core.")
@click.option("--partitions", type=click.IntRange(min=1), help="With --engine dask: how many partitions "
              "(default: one per worker, more above 1,000,000 deal rows per worker).")
@click.option("--workers", type=click.IntRange(min=1), help="With --engine dask and no --scheduler: worker "
              "processes of the local cluster (default: one per core).")
def recalc(workbook: Path, output: Path | None, progress: bool | None, quiet: bool, kind: str | None,
           amounts: bool, calculate: bool, tables: tuple[str, ...], sources_file: Path | None,
           tables_from: Path | None, results: str | None, engine: str, scheduler: str | None,
           partitions: int | None, workers: int | None) -> None:
    """Recalculate the output sheets of WORKBOOK (payouts, plans, forecasts... by its kind).

    Input tables come from WORKBOOK unless --table, --sources or --tables-from name another source for them
    (same columns, same rules, errors naming that file or database table); the workbook still gets every
    output sheet.

    \b
    Examples:
      salesops-xl recalc commissions.xlsx --table Deals=deals.parquet
      salesops-xl recalc commissions.xlsx --table 'Quotas=sqlite:///ops.db?table=quotas' --results out/
      salesops-xl recalc commissions.xlsx --tables-from exports/ --results sqlite:///results.db
      salesops-xl recalc commissions.xlsx --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from .batch import recalc as do_recalc

    compute = None
    if engine == "dask":
        from .batch.scale import partitioned_engine

        compute = partitioned_engine(partitions=partitions, scheduler=scheduler, workers=workers)
    elif scheduler or partitions or workers:
        fail("error: --scheduler, --partitions and --workers go with --engine dask", EXIT_USAGE)
    specs = None
    if tables or sources_file or tables_from:
        from .sources import table_specs

        specs = run_guarded(table_specs, tables, sources_file, tables_from)
    show = sys.stderr.isatty() if progress is None else progress
    with StageBar(show and not quiet) as bar:
        rep = run_guarded(do_recalc, workbook, output, progress=bar, kind=kind, calculate=calculate, tables=specs,
                          results=results, engine=compute)
    if not quiet:
        print_report(rep, amounts=amounts, headline="recalculated")


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=KIND, help="Kind of workbook; default: recognised from its tables.")
def validate(workbook: Path, kind: str | None) -> None:
    """Check WORKBOOK's input tables and report every problem; write nothing."""
    from .batch import validate as do_validate

    warnings = run_guarded(do_validate, workbook, kind=kind)
    click.echo(f"{workbook}: inputs are valid")
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


@main.command()
@click.argument("table", required=False)
@click.option("--kind", type=KIND, help="Only this kind of workbook.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
def schema(table: str | None, kind: str | None, fmt: str) -> None:
    """Print the input tables each kind of workbook holds, their columns and rules."""
    from . import schemadoc
    from .capabilities import all_capabilities

    caps = [c for c in all_capabilities() if kind is None or c.name == kind]  # click checked the kind
    chunks, found = [], False
    for cap in caps:
        tables = tuple(t for t in cap.input_tables if table is None or t.name.lower() == table.lower())
        if not tables:
            continue
        found = True
        if fmt == "json":
            chunks.append(schemadoc.as_json(tables))
        elif fmt == "markdown":
            chunks.append(f"## {cap.title} (`workbooks/{cap.template_name}`)\n\n" + schemadoc.as_markdown(tables))
        else:
            chunks.append(schemadoc.as_text(tables, f"{cap.title} (workbooks/{cap.template_name})"))
    if not found:
        fail(f"no table {table!r}; tables: "
              + ", ".join(t.name for c in caps for t in c.input_tables), EXIT_USAGE)
    click.echo("\n".join(chunks))


@main.command()
@click.argument("kind", required=False, type=KIND, metavar="[KIND]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (default: workbooks/KIND.xlsx).")
@click.option("--force", is_flag=True, help="Overwrite a workbook that exists (it is replaced, your sheets with it).")
def template(kind: str | None, output: Path | None, force: bool) -> None:
    """Write a template workbook with its sample data (all kinds when KIND is omitted).

    A workbook that exists is never overwritten without --force: nothing is written then (exit 2).
    """
    from .capabilities import all_capabilities, get

    caps = [get(kind)] if kind else all_capabilities()
    if output is not None and len(caps) != 1:
        fail("error: --output needs a KIND", EXIT_USAGE)
    if output is not None and output.suffix.lower() != ".xlsx":
        fail(f"error: {output.name}: a template is an .xlsx workbook; name the output *.xlsx", EXIT_USAGE)
    targets = [(cap, output or Path("workbooks") / cap.template_name) for cap in caps]
    taken = [str(out) for _, out in targets if out.exists()]
    if taken and not force:
        fail(f"error: {', '.join(taken)} {'exists' if len(taken) == 1 else 'exist'}; nothing was written. "
              f"Use --force to overwrite (your own sheets in it would be lost), or -o to write elsewhere.",
              EXIT_USAGE)
    for cap, out in targets:
        path = run_guarded(cap.build_template, out)
        click.echo(f"wrote {path}")


def _register_capability_commands() -> None:
    from .capabilities import all_capabilities

    for cap in all_capabilities():
        for cmd in (cap.commands() if callable(cap.commands) else cap.commands):
            main.add_command(cmd)
    from .addin.cli import addin, run  # the add-in: `salesops-xl run SCRIPT WORKBOOK`, `salesops-xl addin ...`
    main.add_command(run)
    main.add_command(addin)


_register_capability_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
