"""Assemble the desktop add-in (``salesops-xl.xlam``) from its sources.

The starting point is the ribbon add-in that ships inside the xlwings package
(``quickstart_addin_ribbon.xlam``, what ``xlwings quickstart NAME --addin --ribbon`` copies): a
hidden workbook whose VBA project holds xlwings' ``RunPython``/UDF machinery for the very
xlwings version installed, a config sheet and a one-button ribbon. Two steps:

1. :func:`assemble` (any OS, zip level, deterministic): our ribbon (``customUI.xml``, generated
   from the script registry) replaces the demo one, and the config sheet becomes
   ``salesopsxl.conf`` holding the keys of ``addin/desktop/salesopsxl.conf`` (``UDF Modules``).
   Every other part, ``vbaProject.bin`` included, is copied byte for byte.
2. :func:`finish_on_windows` (Windows with Excel; VBA cannot be written without it): through
   Excel's VBA object model (needs *Trust access to the VBA project object model*) the xlwings
   module's ``PROJECT_NAME`` becomes ``salesopsxl`` (so the add-in reads the ``salesopsxl.conf``
   sheet and ``%USERPROFILE%\\.salesopsxl\\salesopsxl.conf``), the demo callback module
   ``RibbonMyAddin`` is removed, ``SalesopsXLRibbon.bas`` is imported, the project is renamed
   ``SalesopsXL`` and the cell functions are imported into the add-in.

``salesops-xl addin build`` runs step 1 everywhere and step 2 on Windows.
"""
from __future__ import annotations

import csv
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from ..batch.files import replace_atomically
from ..errors import WorkbookError
from .ribbon import VBA_MODULE, custom_ui_xml

#: The add-in's xlwings project name: its config sheet and user config file are named after it.
PROJECT_NAME = "salesopsxl"
VB_PROJECT = "SalesopsXL"
TEMPLATE_SHEET = "_myaddin.conf"  # the (inactive) config sheet of xlwings' template
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
DESKTOP_DIR = Path("addin/desktop")
DEFAULT_OUTPUT = Path("addin/build/salesops-xl.xlam")
BAS_FILE = DESKTOP_DIR / f"{VBA_MODULE}.bas"
CONF_FILE = DESKTOP_DIR / f"{PROJECT_NAME}.conf"


def source_root() -> Path:
    """The checkout holding ``addin/`` (this package's repository), else the current folder.

    The add-in's sources live in the repository, not in the installed package: the build and the
    generators work on a checkout (an editable install finds it from anywhere).
    """
    repo = Path(__file__).resolve().parents[2]
    return repo if (repo / BAS_FILE).exists() else Path.cwd()


def xlwings_template() -> Path:
    """xlwings' own ribbon add-in template, for the xlwings version installed."""
    import xlwings

    p = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not p.exists():
        raise WorkbookError(f"{p}: not found; this xlwings ({xlwings.__version__}) ships no ribbon add-in template")
    return p


def read_conf(path: str | Path) -> list[tuple[str, str]]:
    """An xlwings config file (``"KEY","VALUE"`` lines) -> [(key, value)]."""
    text = Path(path).read_text(encoding="utf-8")
    out = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 2:
            raise WorkbookError(f"{path}: expected \"KEY\",\"VALUE\" lines, found {row!r}")
        out.append((row[0].strip(), row[1].strip()))
    return out


def conf_text(items: list[tuple[str, str]]) -> str:
    """[(key, value)] -> xlwings config file text (what VBA's ``Input #`` reads)."""
    return "".join(f'"{k}","{v}"\n' for k, v in items)


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cell(ref: str, value: str) -> str:
    if value.upper() in ("TRUE", "FALSE"):
        return f'<c r="{ref}" s="1" t="b"><v>{1 if value.upper() == "TRUE" else 0}</v></c>'
    return f'<c r="{ref}" s="1" t="inlineStr"><is><t xml:space="preserve">{_x(value)}</t></is></c>'


def _config_sheet_xml(original: str, items: list[tuple[str, str]]) -> str:
    rows = "".join(f'<row r="{i}">{_cell(f"A{i}", k)}{_cell(f"B{i}", v)}</row>'
                   for i, (k, v) in enumerate(items, start=1))
    data = f"<sheetData>{rows}</sheetData>"
    out, n = re.subn(r"<sheetData>.*?</sheetData>|<sheetData\s*/>", lambda m: data, original, count=1, flags=re.S)
    if n != 1:
        raise WorkbookError("the config sheet of xlwings' add-in template has no sheetData")
    last = max(len(items), 1)
    out = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{last}" />', out, count=1)
    # readable when the add-in is opened as a workbook (IsAddin = False)
    out = re.sub(r'<col min="1" max="1" width="[^"]*"', '<col min="1" max="1" width="22"', out, count=1)
    out = re.sub(r'<col min="2" max="2" width="[^"]*"', '<col min="2" max="2" width="40"', out, count=1)
    return out


def _sheet_part(files: dict[str, bytes], sheet_name: str) -> str:
    wb = files["xl/workbook.xml"].decode("utf-8")
    m = re.search(r'<sheet\b[^>]*\bname="%s"[^>]*>' % re.escape(sheet_name), wb)
    if not m:
        raise WorkbookError(f"xlwings' add-in template has no sheet {sheet_name!r}")
    rid = re.search(r'\br:id="([^"]+)"', m.group(0))
    if rid is None:
        raise WorkbookError(f"xlwings' add-in template: sheet {sheet_name!r} has no r:id")
    rels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rel = re.search(r'<Relationship\b[^>]*\bId="%s"[^>]*>' % re.escape(rid.group(1)), rels)
    found = re.search(r'\bTarget="([^"]+)"', rel.group(0)) if rel is not None else None
    if found is None:
        raise WorkbookError(f"xlwings' add-in template: no part for sheet {sheet_name!r} in workbook.xml.rels")
    target = found.group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def assemble(output: str | Path = DEFAULT_OUTPUT, *, template: str | Path | None = None,
             custom_ui: str | None = None, config: list[tuple[str, str]] | None = None) -> Path:
    """Step 1: xlwings' ribbon add-in with our ribbon and config sheet, written atomically to ``output``.

    Deterministic: the same template, ribbon and config give the same bytes.
    """
    template = Path(template) if template else xlwings_template()
    custom_ui = custom_ui if custom_ui is not None else custom_ui_xml()
    config = config if config is not None else read_conf(source_root() / CONF_FILE)
    with zipfile.ZipFile(template) as z:
        infos = z.infolist()
        files = {i.filename: z.read(i.filename) for i in infos}
    for part in ("xl/workbook.xml", "xl/vbaProject.bin", "customUI/customUI.xml"):
        if part not in files:
            raise WorkbookError(f"{template}: not the xlwings ribbon add-in template (no {part})")
    sheet_part = _sheet_part(files, TEMPLATE_SHEET)
    files["customUI/customUI.xml"] = custom_ui.encode("utf-8")
    wb = files["xl/workbook.xml"].decode("utf-8")
    files["xl/workbook.xml"] = wb.replace(f'name="{TEMPLATE_SHEET}"', f'name="{CONFIG_SHEET}"', 1).encode("utf-8")
    files[sheet_part] = _config_sheet_xml(files[sheet_part].decode("utf-8"), config).encode("utf-8")
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with replace_atomically(out) as tmp, zipfile.ZipFile(tmp, "w") as z:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            z.writestr(zi, files[info.filename], compresslevel=6)
    return out


def _crlf_copy(path: Path, folder: Path) -> Path:
    """VBA's importer wants CRLF line ends; the repository keeps LF."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    dest = folder / path.name
    dest.write_bytes(text.encode("cp1252"))
    return dest


def finish_on_windows(xlam: str | Path, *, bas: str | Path | None = None, import_functions: bool = True,
                      functions_module: str = "salesops_xl.addin.functions") -> list[str]:
    """Step 2 (Windows, Excel installed): the VBA part. Returns the steps done.

    Needs Excel's *File > Options > Trust Center > Trust Center Settings > Macro Settings >
    Trust access to the VBA project object model*.
    """
    if not sys.platform.startswith("win"):
        raise WorkbookError("the VBA step needs Excel on Windows; copy the assembled .xlam there and run "
                            "`salesops-xl addin build --finish-only PATH`")
    import xlwings as xw

    xlam = Path(xlam).resolve()
    bas = Path(bas) if bas is not None else source_root() / BAS_FILE
    done: list[str] = []
    with tempfile.TemporaryDirectory() as tmpdir, xw.App(visible=False, add_book=False) as app:
        app.display_alerts = False
        book = app.books.open(str(xlam))
        try:
            try:
                vbp = book.api.VBProject
                comps = vbp.VBComponents
                _ = comps.Count
            except Exception as e:
                raise WorkbookError("Excel refuses access to the add-in's VBA project. Tick File > Options > Trust "
                                    "Center > Trust Center Settings > Macro Settings > 'Trust access to the VBA "
                                    f"project object model' and run the build again ({e})") from e
            cm = comps("xlwings").CodeModule
            for i in range(1, cm.CountOfLines + 1):
                if cm.Lines(i, 1).strip().startswith("Public Const PROJECT_NAME As String"):
                    cm.ReplaceLine(i, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"')
                    done.append(f"xlwings module: PROJECT_NAME = {PROJECT_NAME}")
                    break
            else:
                raise WorkbookError("the add-in's xlwings module has no PROJECT_NAME constant (unknown xlwings "
                                    "template)")
            for name in ("RibbonMyAddin", VBA_MODULE):
                try:
                    comps.Remove(comps(name))
                    done.append(f"removed VBA module {name}")
                except Exception:
                    pass
            comps.Import(str(_crlf_copy(Path(bas), Path(tmpdir))))
            done.append(f"imported {Path(bas).name}")
            vbp.Name = VB_PROJECT
            done.append(f"VBA project renamed {VB_PROJECT}")
            if import_functions:
                from xlwings.udfs import import_udfs

                import_udfs(functions_module, book.api)
                done.append(f"cell functions of {functions_module} imported")
            book.save()
            done.append(f"saved {xlam}")
        finally:
            book.close()
    return done


def user_config_path(platform: str | None = None) -> Path:
    """Where the add-in's xlwings reads the analyst's own settings (``PROJECT_NAME.conf``)."""
    platform = platform or sys.platform
    home = Path.home()
    if platform.startswith("darwin"):
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT_NAME}.conf"
    return home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def interpreter_settings(executable: str | None = None, platform: str | None = None) -> list[tuple[str, str]]:
    """The Interpreter_Win / Interpreter_Mac setting pointing at this Python (pythonw.exe on Windows)."""
    from pathlib import PureWindowsPath

    platform = platform or sys.platform
    exe = (PureWindowsPath if platform.startswith("win") else Path)(executable or sys.executable)
    if platform.startswith("win"):
        w = exe.with_name("pythonw.exe")  # no console window for each button click
        return [("Interpreter_Win", str(w if executable or Path(str(w)).exists() else exe))]
    if platform.startswith("darwin"):
        return [("Interpreter_Mac", str(exe))]
    return [("Interpreter", str(exe))]


def write_user_config(path: str | Path | None = None, items: list[tuple[str, str]] | None = None) -> Path:
    """Write (or update) the analyst's config file with ``items`` (default: this Python as the interpreter)."""
    p = Path(path) if path else user_config_path()
    items = items if items is not None else interpreter_settings()
    current = read_conf(p) if p.exists() else []
    keys = {k.lower() for k, _ in items}
    merged = [(k, v) for k, v in current if k.lower() not in keys] + list(items)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(conf_text(merged), encoding="utf-8")
    return p
