"""Fixtures for the xlsx package reader / writer tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from xlsx_helpers import SOFFICE, make_user_workbook, soffice_convert  # noqa: E402


@pytest.fixture
def user_workbook(tmp_path: Path) -> Path:
    return make_user_workbook(tmp_path / "user.xlsx")


@pytest.fixture
def soffice(tmp_path: Path):
    """Convert a file with headless LibreOffice (own profile); skips when soffice is missing."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-profile"

    def run(src: Path, fmt: str) -> Path:
        out = tmp_path / ("lo-" + fmt.split(":")[0])
        res = soffice_convert(src, fmt, out, profile)
        assert res.returncode == 0, res.stderr
        return out

    return run
