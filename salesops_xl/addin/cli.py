"""The add-in's commands: ``salesops-xl run SCRIPT_ID WORKBOOK`` and the ``salesops-xl addin`` group.

``run`` is the batch door of every script (the ribbon buttons and xlwings Lite scripts run the same
code on the open workbook). ``addin`` builds and checks what Excel loads: the ribbon XML, the
desktop .xlam, xlwings Lite's main.py and requirements.txt, the analyst's interpreter setting.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("run")
@click.argument("script_id", metavar="SCRIPT_ID")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result to this file instead of updating WORKBOOK in place.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--amounts", is_flag=True, help="Also print the money totals (not printed by default: logs stay free "
                                               "of pay amounts).")
def run(script_id: str, workbook: Path, output: Path | None, progress: bool | None, quiet: bool,
        amounts: bool) -> None:
    """Run the script SCRIPT_ID (a ribbon button) on WORKBOOK, without Excel.

    SCRIPT_ID is one of `salesops-xl addin scripts`, e.g. commissions.recalc. The script reads the
    workbook's input tables, computes, and replaces only the sheets it owns, exactly as the button
    does in Excel. Exit codes as for `salesops-xl recalc`.
    """
    from ..console import StageBar, run_guarded
    from ..errors import WorkbookError
    from .scripts import resolve, run_on_file

    try:
        resolve(script_id)
    except WorkbookError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    show = sys.stderr.isatty() if progress is None else progress
    with StageBar(show and not quiet) as bar:
        rep = run_guarded(run_on_file, script_id, workbook, output, progress=bar)
    if quiet:
        return
    where = rep.output or workbook
    said = rep.headline if amounts else str(rep.summary.get("headline", "done"))
    click.echo(f"{where}: {rep.script.label}: {said} ({rep.seconds:.2f} s)")
    for w in rep.warnings:
        click.echo(f"warning: {w}", err=True)


@click.group("addin")
def addin() -> None:
    """What Excel loads: scripts, cell functions, the desktop add-in, xlwings Lite files."""


@addin.command("scripts")
def scripts_cmd() -> None:
    """List the scripts (ribbon buttons, xlwings Lite scripts, `salesops-xl run` ids)."""
    from .scripts import script_groups

    for _, label, scripts in script_groups():
        click.echo(f"{label}:")
        for s in scripts:
            click.echo(f"  {s.id:<28} {s.label}  [{s.icon}]")
            if s.description:
                click.echo(f"  {'':<28} {s.description}")


@addin.command("functions")
def functions_cmd() -> None:
    """List the cell functions (=SXL_...) with their arguments."""
    import inspect

    from . import functions
    from .lite import cell_function_names

    for name in cell_function_names():
        f = getattr(functions, name)
        sig = inspect.signature(f)
        args = ", ".join(p.name if p.default is inspect.Parameter.empty else f"[{p.name}]"
                         for p in sig.parameters.values())
        doc = (inspect.getdoc(f) or "").splitlines()
        click.echo(f"={name.upper()}({args})")
        if doc:
            click.echo(f"    {doc[0]}")


@addin.command("ribbon")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: addin/desktop/customUI.xml")
def ribbon_cmd(output: Path | None) -> None:
    """Regenerate the ribbon XML from the script registry."""
    from .ribbon import CUSTOM_UI_PATH, write_custom_ui
    from .xlam import source_root

    click.echo(f"wrote {write_custom_ui(output or source_root() / CUSTOM_UI_PATH)}")


@addin.command("lite")
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for main.py and requirements.txt (default: addin/lite).")
@click.option("--wheel-url", help="Install salesops-xl from this wheel URL instead of the package index.")
def lite_cmd(folder: Path | None, wheel_url: str | None) -> None:
    """Regenerate xlwings Lite's main.py and requirements.txt from the registry."""
    from .lite import LITE_DIR, write_lite
    from .xlam import source_root

    for p in write_lite(folder or source_root() / LITE_DIR, wheel_url):
        click.echo(f"wrote {p}")


@addin.command("package")
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write (default: dist/salesops-xl-addin-VERSION); replaced if it exists.")
@click.option("--wheel-url", metavar="URL",
              help="Where your team hosts the wheel (its URL, or the folder URL ending in '/'): written into "
                   "Lite's requirements.txt.")
def package_cmd(folder: Path | None, wheel_url: str | None) -> None:
    """Build what a team hands out: the wheel, Lite's main.py and requirements.txt, the .xlam and its sources.

    Desktop users pip-install the wheel; xlwings Lite installs it from the URL given with --wheel-url
    (a web server that allows CORS). Steps in the folder's README.txt and docs/addin.md.
    """
    from ..console import run_guarded
    from .package import build_package

    pkg = run_guarded(build_package, folder, wheel_url=wheel_url)
    click.echo(f"wrote {pkg.folder}")
    for p in sorted(pkg.folder.rglob("*")):
        if p.is_file():
            click.echo(f"  {p.relative_to(pkg.folder).as_posix()}")
    if pkg.xlam is None:
        click.echo("  (no .xlam: this xlwings ships no ribbon add-in template; build it where xlwings does)")
    if not pkg.wheel_url:
        click.echo("lite/requirements.txt names no wheel yet: host the wheel and build again with --wheel-url URL",
                   err=True)


@addin.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Default: addin/build/salesops-xl.xlam")
@click.option("--zip-only", is_flag=True, help="Only the zip-level step (any OS); skip the VBA step.")
@click.option("--finish-only", "finish_only", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Only the VBA step (Windows), on an .xlam assembled elsewhere.")
@click.option("--no-functions", is_flag=True, help="Do not import the cell functions into the add-in.")
def build_cmd(output: Path | None, zip_only: bool, finish_only: Path | None, no_functions: bool) -> None:
    """Build the desktop add-in salesops-xl.xlam (ribbon, callbacks, config sheet, cell functions).

    Step 1 (any OS) puts the generated ribbon and the config sheet into xlwings' own ribbon add-in
    template; step 2 (Windows with Excel, 'Trust access to the VBA project object model' ticked)
    imports the VBA callback module and the cell functions. See docs/addin.md.
    """
    from ..console import run_guarded
    from . import xlam

    if finish_only is None:
        out = run_guarded(xlam.assemble, output or xlam.source_root() / xlam.DEFAULT_OUTPUT)
        click.echo(f"assembled {out} (ribbon from the registry, config sheet {xlam.CONFIG_SHEET})")
    else:
        out = finish_only
    if zip_only:
        click.echo("VBA step skipped: on Windows run `salesops-xl addin build --finish-only " f"{out}`")
        return
    if not sys.platform.startswith("win"):
        click.echo("VBA step: needs Excel on Windows. Copy the file there and run\n"
                   f"    salesops-xl addin build --finish-only {out.name}")
        return
    for step in run_guarded(xlam.finish_on_windows, out, import_functions=not no_functions):
        click.echo(f"  {step}")
    click.echo(f"built {out}; install it with: xlwings addin install --file \"{out}\"")


@addin.command("configure")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Config file to write (default: the add-in's user config file).")
@click.option("--print", "just_print", is_flag=True, help="Print what would be written; write nothing.")
def configure_cmd(path: Path | None, just_print: bool) -> None:
    """Point the salesops-xl add-in at this Python (the one salesops-xl is installed in).

    Writes Interpreter_Win (Windows: this environment's pythonw.exe) or Interpreter_Mac into the
    add-in's user config file, %USERPROFILE%\\.salesopsxl\\salesopsxl.conf on Windows.
    """
    from . import xlam

    items = xlam.interpreter_settings()
    target = path or xlam.user_config_path()
    if just_print:
        click.echo(f"{target}:\n{xlam.conf_text(items)}", nl=False)
        return
    click.echo(f"wrote {xlam.write_user_config(target, items)}: " + ", ".join(f"{k} = {v}" for k, v in items))


@addin.command("check")
def check_cmd() -> None:
    """Check the committed add-in sources are current and every ribbon tag runs a script (exit 1 if not)."""
    from .checks import problems

    found = problems()
    for p in found:
        click.echo(f"problem: {p}", err=True)
    if found:
        sys.exit(1)
    click.echo("add-in sources are current; every ribbon button resolves to a script")
