"""salesops-xl: one tested engine behind sales-operations spreadsheets.

The engine is plain Python over numpy/pandas and never imports Excel
libraries; the add-in (``addin/``), the scripts and the ``salesops-xl``
command are thin doors onto it (docs/architecture.md).

The public API is flat, as in sqlite-utils and httpx::

    import salesops_xl as sx

    report = sx.recalc("workbooks/commissions.xlsx")           # a workbook on disk, as `salesops-xl recalc`
    inputs = sx.load_commission_inputs(sx.MemorySource(tables)) # any TableSource: a workbook, CSV, SQL, memory
    result = sx.compute_commissions(inputs)

Every name in ``__all__`` is imported on first use, not with the package: ``import salesops_xl`` stays cheap,
and the parts that need the batch door's libraries (python-calamine, pyarrow) are loaded only by the names that
use them, so the same package imports where xlwings Lite runs (Pyodide).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    # the batch door: workbooks on disk
    "recalc": ("salesops_xl.batch", "recalc"),
    "validate": ("salesops_xl.batch", "validate"),
    "run_workflow": ("salesops_xl.batch", "run_workflow"),
    "open_source": ("salesops_xl.batch", "open_source"),
    "RecalcReport": ("salesops_xl.batch", "RecalcReport"),
    # where tables come from
    "TableSource": ("salesops_xl.source", "TableSource"),
    "MemorySource": ("salesops_xl.source", "MemorySource"),
    "XlsxSource": ("salesops_xl.xlsx.reader", "XlsxSource"),
    "CompositeSource": ("salesops_xl.sources", "CompositeSource"),
    "TableSpec": ("salesops_xl.sources", "TableSpec"),
    "table_specs": ("salesops_xl.sources", "table_specs"),
    # errors
    "SalesopsError": ("salesops_xl.errors", "SalesopsError"),
    "WorkbookError": ("salesops_xl.errors", "WorkbookError"),
    "SourceError": ("salesops_xl.errors", "SourceError"),
    "ResultsError": ("salesops_xl.errors", "ResultsError"),
    "InputError": ("salesops_xl.errors", "InputError"),
    "UsageError": ("salesops_xl.errors", "UsageError"),
    "ComputationError": ("salesops_xl.errors", "ComputationError"),
    "InternalError": ("salesops_xl.errors", "InternalError"),
    "Problem": ("salesops_xl.errors", "Problem"),
    # the registry of capabilities and the shape of a workflow
    "Capability": ("salesops_xl.capabilities", "Capability"),
    "all_capabilities": ("salesops_xl.capabilities", "all_capabilities"),
    "get_capability": ("salesops_xl.capabilities", "get"),
    "detect": ("salesops_xl.capabilities", "detect"),
    "Workflow": ("salesops_xl.workflows", "Workflow"),
    "WorkflowResult": ("salesops_xl.workflows", "WorkflowResult"),
    # each capability: load (read and check the inputs), compute (the numbers), recalc (the sheets)
    "load_commission_inputs": ("salesops_xl.commissions.inputs", "load_inputs"),
    "compute_commissions": ("salesops_xl.commissions.engine", "compute"),
    "recalc_commissions": ("salesops_xl.commissions.workflow", "recalc_commissions"),
    "load_quota_inputs": ("salesops_xl.quotas.inputs", "load_inputs"),
    "compute_quotas": ("salesops_xl.quotas.engine", "compute"),
    "recalc_quotas": ("salesops_xl.quotas.workflow", "recalc_quotas"),
    "load_alignment": ("salesops_xl.territories.inputs", "load_alignment"),
    "compute_alignment": ("salesops_xl.territories.engine", "compute_alignment"),
    "load_leads": ("salesops_xl.territories.leads", "load_leads"),
    "route_leads": ("salesops_xl.territories.leads", "route"),
    "recalc_territories": ("salesops_xl.territories.workflow", "recalc_territories"),
    "load_forecast_inputs": ("salesops_xl.forecast.inputs", "load_inputs"),
    "compute_forecast": ("salesops_xl.forecast.engine", "compute"),
    "recalc_forecast": ("salesops_xl.forecast.workflow", "recalc_forecast"),
    "load_budget_inputs": ("salesops_xl.budget.inputs", "load_inputs"),
    "compute_budget": ("salesops_xl.budget.engine", "compute"),
    "recalc_budget": ("salesops_xl.budget.workflow", "recalc_budget"),
    "load_quote_inputs": ("salesops_xl.quotes.inputs", "load_inputs"),
    "compute_quotes": ("salesops_xl.quotes.engine", "compute"),
    "recalc_quotes": ("salesops_xl.quotes.workflow", "recalc_quotes"),
}

# spelled out, as linters and IDEs read it (tests/test_public_api.py checks it names exactly _EXPORTS)
__all__ = [
    "__version__", "recalc", "validate", "run_workflow", "open_source", "RecalcReport", "TableSource",
    "MemorySource", "XlsxSource", "CompositeSource", "TableSpec", "table_specs", "SalesopsError",
    "WorkbookError", "SourceError", "ResultsError", "InputError", "UsageError", "ComputationError",
    "InternalError", "Problem", "Capability", "all_capabilities", "get_capability", "detect", "Workflow",
    "WorkflowResult", "load_commission_inputs", "compute_commissions", "recalc_commissions",
    "load_quota_inputs", "compute_quotas", "recalc_quotas", "load_alignment", "compute_alignment", "load_leads",
    "route_leads", "recalc_territories", "load_forecast_inputs", "compute_forecast", "recalc_forecast",
    "load_budget_inputs", "compute_budget", "recalc_budget", "load_quote_inputs", "compute_quotes",
    "recalc_quotes",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'salesops_xl' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # what a type checker and an IDE see; at run time __getattr__ above imports them
    from .batch import RecalcReport, open_source, recalc, run_workflow, validate
    from .budget.engine import compute as compute_budget
    from .budget.inputs import load_inputs as load_budget_inputs
    from .budget.workflow import recalc_budget
    from .capabilities import Capability, all_capabilities, detect
    from .capabilities import get as get_capability
    from .commissions.engine import compute as compute_commissions
    from .commissions.inputs import load_inputs as load_commission_inputs
    from .commissions.workflow import recalc_commissions
    from .errors import (
        ComputationError,
        InputError,
        InternalError,
        Problem,
        ResultsError,
        SalesopsError,
        SourceError,
        UsageError,
        WorkbookError,
    )
    from .forecast.engine import compute as compute_forecast
    from .forecast.inputs import load_inputs as load_forecast_inputs
    from .forecast.workflow import recalc_forecast
    from .quotas.engine import compute as compute_quotas
    from .quotas.inputs import load_inputs as load_quota_inputs
    from .quotas.workflow import recalc_quotas
    from .quotes.engine import compute as compute_quotes
    from .quotes.inputs import load_inputs as load_quote_inputs
    from .quotes.workflow import recalc_quotes
    from .source import MemorySource, TableSource
    from .sources import CompositeSource, TableSpec, table_specs
    from .territories.engine import compute_alignment
    from .territories.inputs import load_alignment
    from .territories.leads import load_leads
    from .territories.leads import route as route_leads
    from .territories.workflow import recalc_territories
    from .workflows import Workflow, WorkflowResult
    from .xlsx.reader import XlsxSource
