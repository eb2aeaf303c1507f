"""The ``salesops-xl`` command: thin wrappers over :mod:`salesops_xl.batch`.

Exit codes: 0 success; 1 the input tables have problems (all listed, nothing
written); 2 wrong usage; 3 the file cannot be used (not a workbook, missing,
locked...); 4 an internal error (a bug: please report it with the message).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import ComputationError, InputError, SalesopsError, WorkbookError

EXIT_INPUT, EXIT_FILE, EXIT_INTERNAL = 1, 3, 4


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def run_guarded(fn, *args, **kwargs):
    """Run a batch function; turn our errors into a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except InputError as e:
        _fail(str(e), EXIT_INPUT)
    except (WorkbookError, ComputationError) as e:
        _fail(f"error: {e}", EXIT_FILE if isinstance(e, WorkbookError) else EXIT_INPUT)
    except SalesopsError as e:
        _fail(f"error: {e}", EXIT_INPUT)
    except PermissionError as e:
        _fail(f"error: cannot write {e.filename}: permission denied (is the workbook open in Excel?)", EXIT_FILE)
    except OSError as e:
        _fail(f"error: {e}", EXIT_FILE)
    except KeyboardInterrupt:
        _fail("interrupted; the workbook was not changed", 130)
    except Exception as e:  # pragma: no cover - a bug
        _fail(f"internal error ({type(e).__name__}): {e}\nThe workbook was not changed. Please report this.",
              EXIT_INTERNAL)


class _StageBar:
    """A progress bar over the named stages of a run, on stderr, only when it is a terminal."""

    STAGES = ["opening workbook", "reading tables", "computing", "building sheets", "writing workbook", "done"]

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __enter__(self):
        if self.enabled:
            self.bar = click.progressbar(length=len(self.STAGES) - 1, label="recalc", file=sys.stderr,
                                         show_eta=False, show_percent=False, width=24)
            self.bar.__enter__()
        return self

    def __call__(self, stage: str) -> None:
        if not self.bar:
            return
        self.bar.label = f"{stage:<17}"
        self.bar.update(1 if stage != "opening workbook" else 0)

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)


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
def recalc(workbook: Path, output: Path | None, progress: bool | None, quiet: bool) -> None:
    """Recalculate payouts, statement lines, dashboard and run log of WORKBOOK."""
    from .batch import recalc as do_recalc

    show = sys.stderr.isatty() if progress is None else progress
    with _StageBar(show and not quiet) as bar:
        rep = run_guarded(do_recalc, workbook, output, progress=bar)
    if quiet:
        return
    s = rep.summary
    totals = ", ".join(f"{ccy} {amt:,.2f}" for ccy, amt in s.get("totals", {}).items())
    click.echo(f"{rep.output}: {s.get('Payout rows', 0):,} payout rows, {s.get('Statement lines', 0):,} statement "
               f"lines; total payable {totals} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
def validate(workbook: Path) -> None:
    """Check WORKBOOK's input tables and report every problem; write nothing."""
    from .batch import validate as do_validate

    warnings = run_guarded(do_validate, workbook)
    click.echo(f"{workbook}: inputs are valid")
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


@main.command()
@click.argument("table", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
def schema(table: str | None, fmt: str) -> None:
    """Print the input tables a workbook must hold, their columns and rules."""
    from . import schemadoc
    from .commissions.schema import INPUT_TABLES

    tables = INPUT_TABLES
    if table:
        tables = tuple(t for t in INPUT_TABLES if t.name.lower() == table.lower())
        if not tables:
            _fail(f"no table {table!r}; tables: {', '.join(t.name for t in INPUT_TABLES)}", 2)
    if fmt == "json":
        click.echo(schemadoc.as_json(tables))
    elif fmt == "markdown":
        click.echo(schemadoc.as_markdown(tables))
    else:
        click.echo(schemadoc.as_text(tables, "Commission workbook (workbooks/commissions.xlsx)"))


@main.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def template(output: Path | None, force: bool) -> None:
    """Write the commission template with its sample data (default: workbooks/commissions.xlsx)."""
    from .templates import build_commission_template

    out = output or Path("workbooks/commissions.xlsx")
    if out.exists() and not force and output is not None:
        _fail(f"{out} exists; use --force to overwrite it", 2)
    path = run_guarded(build_commission_template, out)
    click.echo(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
