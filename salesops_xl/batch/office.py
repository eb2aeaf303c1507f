"""Formulas without saved values, calculated by LibreOffice (the batch door's ``recalc --calculate``).

Programs that write workbooks without a calculation engine (openpyxl-based scripts, most report generators)
leave formula cells without the value a spreadsheet saves beside each formula. The reader refuses those cells
rather than read them as blanks. ``calculated_copy`` has LibreOffice Calc open the workbook headless, calculate
every formula and save a copy; the inputs are then read from that copy while the outputs are written into the
user's own file, whose every other part (its input tables included, formulas still without values) stays
byte for byte as it was.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import WorkbookError

#: a LibreOffice profile that recalculates every formula of an .xlsx on load (its default is "never")
_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice executable, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def calculated_copy(path: Path, folder: Path, *, timeout: float = 600) -> Path:
    """A copy of the workbook ``path`` in ``folder`` (same file name) whose formulas LibreOffice calculated."""
    exe = soffice()
    if exe is None:
        raise WorkbookError(f"{path.name}: --calculate needs LibreOffice (soffice), which is not installed "
                            "(apt-get install libreoffice-calc); or open the workbook in Excel or LibreOffice, "
                            "save it there, and run again without --calculate")
    out = folder / "calculated"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sxl-lo-") as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE)
        cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise WorkbookError(f"{path.name}: LibreOffice did not finish calculating the workbook in "
                                f"{timeout:.0f} s; open and save it in Excel or LibreOffice instead") from None
    copy = out / (path.stem + ".xlsx")
    if res.returncode != 0 or not copy.exists():
        detail = (res.stderr or res.stdout).strip().splitlines()
        raise WorkbookError(f"{path.name}: LibreOffice could not calculate the workbook"
                            f"{': ' + detail[-1] if detail else ''}; open and save it in Excel or LibreOffice "
                            "instead, and run again without --calculate")
    if copy.name != path.name:  # (a .xlsm: messages name the user's file)
        copy = copy.rename(out / path.name)
    return copy
