"""The docs' examples run, and print what the code gives today.

Specification:

* every page of ``docs/`` holding a ``>>>`` example is run by :func:`doctest.testfile`, one test per page,
  with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``; a page whose examples print anything else than what the
  page shows fails, with doctest's report of each difference;
* every page of rules (commissions, accounting, budget, forecast, quotas, quotes, sources, territories,
  scale) has at least one such example; the reference pages (schema.md, generated; addin.md) need none;
* a page whose example needs an optional extra skips when the extra is not installed (scale.md: dask),
  as its own tests do.

An example ends at a blank line: a fenced block closes with a blank line before its closing fence, or
doctest reads the fence as expected output.
"""
from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
RULES_PAGES = ("accounting.md", "budget.md", "commissions.md", "forecast.md", "quotas.md", "quotes.md",
               "sources.md", "territories.md", "scale.md")
NEEDS = {"scale.md": "dask"}  # the module an optional extra brings, for a page whose example needs it
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _has_example(page: Path) -> bool:
    return ">>>" in page.read_text(encoding="utf-8")


PAGES_WITH_EXAMPLES = sorted(p.name for p in DOCS.glob("*.md") if _has_example(p))


@pytest.mark.parametrize("name", PAGES_WITH_EXAMPLES)
def test_page_examples_print_what_the_page_shows(name, capsys):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    failures, tried = doctest.testfile(str(DOCS / name), module_relative=False, optionflags=FLAGS,
                                       raise_on_error=False, verbose=False, report=True)
    report = capsys.readouterr().out
    assert tried > 0
    assert failures == 0, f"docs/{name}: {failures} of {tried} examples failed\n{report}"


def test_every_rules_page_has_an_example():
    missing = [name for name in RULES_PAGES if not (DOCS / name).is_file() or not _has_example(DOCS / name)]
    assert not missing, f"rules pages without a runnable >>> example: {', '.join(missing)}"
