"""What every command of the CLI shares: exit codes, turning errors into a message, progress on stderr.

A capability's ``commands.py`` wraps each library call in :func:`run_guarded`, so an error the user can act on
prints one message and exits with a stated code, and a bug saves a report beside the workbook
(docs: README, "Exit codes").
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .errors import ComputationError, InputError, InternalError, SalesopsError, UsageError, WorkbookError, first_line

#: exit codes: the input tables have problems, wrong usage, the file cannot be used, an internal error
EXIT_INPUT, EXIT_USAGE, EXIT_FILE, EXIT_INTERNAL = 1, 2, 3, 4


def fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def run_guarded(fn, *args, **kwargs):
    """Run a batch function; turn our errors into a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except InputError as e:
        fail(str(e), EXIT_INPUT)
    except InternalError as e:
        fail(_internal_message(e), EXIT_INTERNAL)
    except UsageError as e:
        fail(f"error: {e}", EXIT_USAGE)
    except (WorkbookError, ComputationError) as e:
        fail(f"error: {e}", EXIT_FILE if isinstance(e, WorkbookError) else EXIT_INPUT)
    except SalesopsError as e:
        fail(f"error: {e}", EXIT_INPUT)
    except PermissionError as e:
        fail(f"error: cannot write {e.filename}: permission denied (is the workbook open in Excel?)", EXIT_FILE)
    except OSError as e:
        fail(f"error: {e}", EXIT_FILE)
    except KeyboardInterrupt:
        fail("interrupted; the workbook was not changed", 130)
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as e:  # a bug, or a reading library that failed (a Rust panic is a BaseException)
        library = _reading_library(e)
        if library:
            fail(f"error: {_file_named(args)}{library} could not read this workbook: {first_line(e)}. The file may "
                  "be damaged; open it in Excel or LibreOffice, save it as .xlsx, and run again", EXIT_FILE)
        fail(f"internal error ({type(e).__name__}): {e}\nThe workbook was not changed. Please report this.",
              EXIT_INTERNAL)


def save_report(e: InternalError) -> Path | None:
    """Save an internal error's report beside the workbook (else in the temp folder); None if neither works."""
    import tempfile
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path(e.workbook) if e.workbook else Path("workbook.xlsx")
    name = f"{base.stem}.salesops-error-{stamp}.txt"
    for folder in (base.parent, Path(tempfile.gettempdir())):
        try:
            path = folder / name
            path.write_text(e.report or str(e), encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _internal_message(e: InternalError) -> str:
    path = save_report(e)
    where = f"A report was saved to {path}; please send it to the salesops-xl maintainers." if path else \
        "Please report this to the salesops-xl maintainers with the message above."
    target = Path(e.workbook).name if e.workbook else "the workbook"
    return f"internal error: {e}\nThe workbook was NOT changed: {target} is as it was. {where}"


#: the modules whose exceptions mean "this file could not be read", by the library a user would recognise
_READERS = {"pyo3_runtime": "python-calamine", "python_calamine": "python-calamine", "zipfile": "the zip reader",
            "zlib": "the zip reader", "xml": "the XML parser", "lxml": "the XML parser", "openpyxl": "openpyxl",
            "defusedxml": "the XML parser"}


def _reading_library(e: BaseException) -> str | None:
    for cls in type(e).__mro__:
        lib = _READERS.get((getattr(cls, "__module__", "") or "").split(".")[0])
        if lib:
            return lib
    return None


def _file_named(args) -> str:
    """'name.xlsx: ' for the first file among a command's arguments."""
    for a in args:
        if isinstance(a, (str, Path)) and str(a).lower().endswith((".xlsx", ".xlsm")):
            return f"{Path(a).name}: "
    return ""


class StageBar:
    """A progress bar over the named stages of a run, on stderr, only when it is a terminal."""

    STAGES = ["opening workbook", "reading tables", "computing", "building sheets", "writing workbook", "done"]

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # click's progress bar (its class is private to click)

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
        self.bar.update(1 if stage in self.STAGES[1:] else 0)  # (an extra stage, such as --calculate's, shows)

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)


class CountProgress:
    """Progress over counted items (statements written, PDFs rendered) on stderr.

    Called as ``progress(stage, done, total)``. On a terminal a bar per stage; elsewhere (a log, CI) a
    line per stage at most every ``every`` seconds and when the stage completes, so a long run shows
    it is moving without flooding the log. Disabled: does nothing.
    """

    def __init__(self, enabled: bool, *, tty: bool | None = None, every: float = 5.0):
        self.enabled = enabled
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.every = every
        self.stage: str | None = None
        self.bar: Any = None  # click's progress bar (its class is private to click)
        self.shown = 0
        self.last = 0.0

    def __enter__(self):
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        if stage != self.stage:
            self._close()
            self.stage, self.shown, self.last = stage, 0, time.monotonic()
            if self.tty:
                self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr, show_pos=True,
                                             width=24)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.shown)
            self.shown = done
            return
        now = time.monotonic()
        if done and (done >= total or now - self.last >= self.every):
            click.echo(f"{stage}: {done:,}/{total:,}", err=True)
            self.last = now

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __exit__(self, *exc):
        self._close()


def print_report(rep, *, amounts: bool, headline: str = "") -> None:
    """A run's report (a RecalcReport): one line on stdout, with the money totals only when ``amounts`` (logs stay
    free of pay), then its warnings on stderr."""
    extra = f"; {rep.summary['amounts']}" if amounts and rep.summary.get("amounts") else ""
    click.echo(f"{rep.output}: {rep.summary.get('headline', headline)}{extra} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)
