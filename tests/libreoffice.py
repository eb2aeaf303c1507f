"""LibreOffice Calc as the real spreadsheet application of the tests.

LibreOffice 7.4 does not recalculate an .xlsx's formulas on load by default
(``OOXMLRecalcMode`` = never), so every conversion here runs with its own
profile set to "always": a formula we wrote without a cached value, or one
whose cached value is stale, is computed by Calc itself.

Tests that need it use the ``libreoffice`` fixture; it skips when soffice is
missing, unless SALESOPS_REQUIRE_LIBREOFFICE=1 (set by .ci/run), where a
missing LibreOffice fails the run instead of passing it falsely.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def profile(folder: Path) -> str:
    """A LibreOffice user profile that always recalculates on load; returns its file URI."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_XCU)
    return folder.resolve().as_uri()


def convert(files: list[Path] | Path, fmt: str, outdir: Path, work: Path, timeout: int = 300) -> list[Path]:
    """Convert files with one soffice call (start-up costs ~2 s); return the output paths."""
    files = [files] if isinstance(files, Path) else list(files)
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [SOFFICE, f"-env:UserInstallation={profile(work / 'lo-profile')}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(outdir)] + [str(f) for f in files]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise RuntimeError(f"soffice failed ({res.returncode}): {res.stderr}")
    ext = fmt.split(":")[0]
    out = [outdir / (f.stem + "." + ext) for f in files]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"soffice did not write {missing}: {res.stdout} {res.stderr}")
    return out


def available() -> bool:
    return SOFFICE is not None


@pytest.fixture
def libreoffice(tmp_path: Path):
    """``libreoffice(files, fmt)`` converts with a recalculating profile; skips (or fails in CI) without soffice."""
    if SOFFICE is None:
        if os.environ.get("SALESOPS_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (SALESOPS_REQUIRE_LIBREOFFICE=1) but not installed")
        pytest.skip("LibreOffice (soffice) is not installed")

    def run(files, fmt: str = "xlsx") -> list[Path]:
        return convert(files, fmt, tmp_path / f"lo-{fmt.split(':')[0]}", tmp_path)

    return run
