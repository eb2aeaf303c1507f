"""Fixtures of the add-in tests: the template workbooks of every capability that has scripts."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from addin_testlib import ROOT  # noqa: E402

from salesops_xl.capabilities import all_capabilities  # noqa: E402


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> dict[str, Path]:
    """capability name -> its template workbook (the committed one, else freshly built)."""
    out = {}
    for cap in all_capabilities():
        p = ROOT / "workbooks" / cap.template_name
        if not p.exists():
            p = cap.build_template(tmp_path_factory.mktemp(f"tpl-{cap.name}") / cap.template_name)
        out[cap.name] = p
    return out


@pytest.fixture
def workbook_copy(tmp_path, templates):
    def make(cap: str, name: str | None = None) -> Path:
        dest = tmp_path / (name or templates[cap].name)
        shutil.copyfile(templates[cap], dest)
        return dest

    return make


_MODELS: dict[tuple[str, str], object] = {}


@pytest.fixture
def book_model(templates):
    """A stand-in xlwings Book loaded from a template (cached; each test gets its own copy)."""
    from addin_xwmodel import Book

    def make(cap: str, flavour: str = "desktop"):
        if cap not in _MODELS:
            _MODELS[cap] = Book.from_xlsx(templates[cap], "desktop")
        return _MODELS[cap].copy(flavour)

    return make
