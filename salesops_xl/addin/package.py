"""What a team hands out: ``salesops-xl addin package`` builds one folder holding every piece.

::

    salesops-xl-addin-X.Y.Z/
        README.txt                         the steps, for this version and this wheel URL
        salesops_xl-X.Y.Z-py3-none-any.whl the wheel: desktop Excel installs it with pip, Lite from its URL
        lite/main.py                       paste into xlwings Lite's main.py
        lite/requirements.txt              paste into Lite's requirements.txt: the wheel's URL, nothing pinned
        desktop/salesops-xl.xlam           the ribbon add-in, zip-level step done (VBA step on Windows)
        desktop/SalesopsXLRibbon.bas, customUI.xml, salesopsxl.conf   the .xlam's sources

salesops-xl is not on PyPI, so the wheel is the install: desktop users ``pip install`` the file (pip
fetches numpy, pandas, scipy and xlwings from PyPI); xlwings Lite installs it from a URL the team
hosts (a web server that allows CORS: an intranet server, a storage bucket, a GitHub release), which
is what ``wheel_url`` names. Lite provides numpy, pandas and scipy itself, so nothing is pinned.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import WorkbookError
from .lite import main_py, requirements_txt
from .xlam import BAS_FILE, CONF_FILE, DESKTOP_DIR, source_root

WHEEL_NAME = f"salesops_xl-{__version__}-py3-none-any.whl"


@dataclass(frozen=True)
class AddinPackage:
    """The folder :func:`build_package` wrote, and its pieces."""

    folder: Path
    wheel: Path
    main_py: Path
    requirements: Path
    xlam: Path | None  # None when this xlwings ships no ribbon add-in template
    wheel_url: str | None


def wheel_url_for(base: str) -> str:
    """``base`` may name the wheel itself or the folder (ending in '/') it is hosted in."""
    return base if base.endswith(".whl") else base + WHEEL_NAME if base.endswith("/") else f"{base}/{WHEEL_NAME}"


def build_wheel(dest: Path, root: Path | None = None) -> Path:
    """The project's pure-Python wheel, built from the checkout with pip (no dependencies bundled)."""
    root = root or source_root()
    if not (root / "pyproject.toml").exists():
        raise WorkbookError(f"{root}: no pyproject.toml; `salesops-xl addin package` runs in a salesops-xl checkout")
    with tempfile.TemporaryDirectory(prefix="sxl-wheel-") as tmp:
        res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                              "-w", tmp, str(root)], capture_output=True, text=True)
        built = list(Path(tmp).glob("salesops_xl-*.whl"))
        if res.returncode != 0 or len(built) != 1:
            raise WorkbookError(f"building the wheel failed: {(res.stderr or res.stdout).strip()[-600:]}")
        if built[0].name != WHEEL_NAME:
            raise WorkbookError(f"built {built[0].name}, expected {WHEEL_NAME}: is the checkout the installed version?")
        out = dest / WHEEL_NAME
        shutil.copyfile(built[0], out)
    return out


def readme(wheel_url: str | None) -> str:
    where = wheel_url or "https://YOUR-HOST/" + WHEEL_NAME
    lines = [
        f"salesops-xl {__version__}: the Excel add-in, as a team hands it out (docs/addin.md has the details).",
        "",
        f"1. Host {WHEEL_NAME} where your analysts can reach it:",
        "   desktop users need the file (a share or a download); xlwings Lite needs a URL on a web server",
        "   that allows CORS (an intranet server, a storage bucket, a GitHub release asset).",
        f"   Lite's requirements.txt names: {where}",
        "",
        "Desktop Excel (Windows):",
        f"   python -m pip install {WHEEL_NAME}",
        "   salesops-xl addin configure",
        "   desktop/salesops-xl.xlam: on a Windows PC with Excel (Trust access to the VBA project object model ticked)",
        "   run `salesops-xl addin build --finish-only desktop/salesops-xl.xlam` once, then",
        "   `xlwings addin install --file desktop/salesops-xl.xlam` on each analyst's PC.",
        "",
        "xlwings Lite (Windows, Mac, Excel on the web):",
        "   in the workbook, open the xlwings Lite task pane; paste lite/requirements.txt into the",
        "   requirements.txt tab, lite/main.py into main.py; restart Python (the pane's menu).",
    ]
    if not wheel_url:
        lines += ["", "lite/requirements.txt still names a placeholder URL: build again with",
                  "   salesops-xl addin package --wheel-url https://<where you host it>/"]
    return "\n".join(lines) + "\n"


def build_package(folder: str | Path | None = None, *, wheel_url: str | None = None,
                  wheel: str | Path | None = None, root: str | Path | None = None) -> AddinPackage:
    """Write the hand-out folder (default ``dist/salesops-xl-addin-X.Y.Z``), replacing an older one.

    ``wheel_url``: where the team hosts the wheel (the wheel's URL, or its folder ending in '/');
    Lite's requirements.txt names it. ``wheel``: an already built wheel to use instead of building one.
    ``root``: the salesops-xl checkout (default: the one this package is imported from, else the
    current folder).
    """
    from .xlam import assemble, read_conf

    root = Path(root) if root else source_root()
    folder = Path(folder) if folder else root / "dist" / f"salesops-xl-addin-{__version__}"
    url = wheel_url_for(wheel_url) if wheel_url else None
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent if folder.parent.exists() else None))
    try:
        if wheel:
            whl = tmp / WHEEL_NAME
            shutil.copyfile(wheel, whl)
        else:
            whl = build_wheel(tmp, root)
        (tmp / "lite").mkdir()
        (tmp / "lite" / "main.py").write_text(main_py(), encoding="utf-8", newline="\n")
        (tmp / "lite" / "requirements.txt").write_text(
            requirements_txt(url), encoding="utf-8", newline="\n")
        desk = tmp / "desktop"
        desk.mkdir()
        from .ribbon import custom_ui_xml

        (desk / "customUI.xml").write_text(custom_ui_xml(), encoding="utf-8", newline="\n")
        for src in (BAS_FILE, CONF_FILE):
            shutil.copyfile(root / src, desk / Path(src).name)
        try:
            xlam = assemble(desk / "salesops-xl.xlam", config=read_conf(root / CONF_FILE))
        except WorkbookError:
            xlam = None
        (tmp / "README.txt").write_text(readme(url), encoding="utf-8", newline="\n")
        folder.parent.mkdir(parents=True, exist_ok=True)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return AddinPackage(folder=folder, wheel=folder / WHEEL_NAME, main_py=folder / "lite" / "main.py",
                        requirements=folder / "lite" / "requirements.txt",
                        xlam=folder / "desktop" / "salesops-xl.xlam" if xlam else None, wheel_url=url)


__all__ = ["AddinPackage", "build_package", "build_wheel", "wheel_url_for", "WHEEL_NAME", "DESKTOP_DIR"]
