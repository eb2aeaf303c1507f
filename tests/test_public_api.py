"""The flat public API of ``salesops_xl`` (docs/architecture.md, "The public API").

``import salesops_xl as sx`` gives every door's entry point and each capability's load and compute under one
name each; the names are imported on first use, so importing the package costs nothing and loads none of the
batch door's file-format libraries (xlwings Lite imports the same package in Pyodide).
"""
from __future__ import annotations

import importlib
import subprocess
import sys

import salesops_xl as sx


def test_all_names_exactly_the_exported_ones():
    assert sx.__all__ == ["__version__", *sx._EXPORTS]
    assert len(set(sx.__all__)) == len(sx.__all__)


def test_every_public_name_is_the_object_of_its_home_module():
    for name, (module, attr) in sx._EXPORTS.items():
        assert getattr(sx, name) is getattr(importlib.import_module(module), attr), name
    assert set(sx._EXPORTS) <= set(dir(sx))


def test_an_unknown_name_is_an_attribute_error():
    try:
        sx.no_such_thing  # noqa: B018
    except AttributeError as e:
        assert "no_such_thing" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def _fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter (nothing this test process imported is loaded there)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_the_package_loads_nothing_heavy():
    assert _fresh_python("import sys, salesops_xl; print(sorted(m for m in ('pandas', 'numpy', 'python_calamine', "
                         "'pyarrow', 'click', 'xlwings') if m in sys.modules))") == "[]"


def test_load_and_compute_through_the_flat_api_is_the_workflow_run():
    from salesops_xl.commissions.sample import sample_tables

    at = "2026-07-01T09:00:00+00:00"
    inputs = sx.load_commission_inputs(sx.MemorySource(sample_tables()))
    direct = sx.compute_commissions(inputs, computed_at=at)
    run = sx.recalc_commissions(sx.MemorySource(sample_tables()), computed_at=at)
    assert isinstance(run, sx.WorkflowResult)
    assert direct.run.totals.equals(run.result.run.totals)
    assert sx.detect(list(sample_tables())).name == "commissions"
    assert sx.get_capability("commissions").workflow is not None


def test_the_registry_never_imports_the_batch_door():
    """The add-in's scripts list the capabilities in xlwings Lite, where the batch door cannot be imported."""
    code = ("import sys; from salesops_xl.capabilities import all_capabilities; "
            "names = [c.name for c in all_capabilities()]; "
            "print(names, sorted(m for m in sys.modules if m.startswith(('salesops_xl.batch', 'salesops_xl.xlsx'))))")
    assert _fresh_python(code) == "['commissions', 'quotas', 'territories', 'forecast', 'budget', 'quotes'] []"
