"""Excel custom functions (UDFs): xlwings decorators around :mod:`salesops_xl.cells`.

Desktop Excel: put ``salesops_xl.addin.functions`` in the xlwings add-in's
"UDF Modules" setting and click *Import Functions*. xlwings Lite: import this
module in ``main.py`` (see addin/lite/). Each function only converts
arguments (``ndim=2``: a range arrives as a list of rows) and calls the
engine; errors come back as short ``#VALUE! ...`` texts, never tracebacks.
"""
from __future__ import annotations

from xlwings import arg, func

from .. import cells


@func
@arg("amount", ndim=2, doc="Credited amount (a cell or a range: the result spills)")
@arg("tiers", ndim=2, doc="Tier range: From, Rate | From, To, Rate | Tier, From, To, Rate")
@arg("method", doc='"marginal" (default) or "retroactive"')
@arg("quota", doc="Optional quota: then From/To are attainment (0%, 100%...)")
def sxl_commission(amount, tiers, method=None, quota=None):
    """Commission on an amount against a tier table, marginal or retroactive."""
    return cells.commission(_unwrap(amount), tiers, method, quota)


@func
@arg("credit", ndim=2, doc="Credited amount(s)")
@arg("quota", ndim=2, doc="Quota(s): one, or one per credit")
def sxl_attainment(credit, quota):
    """Attainment = credit / quota."""
    return cells.attainment(_unwrap(credit), _unwrap(quota))


@func
@arg("attainment", ndim=2, doc="Attainment (100% = 1)")
@arg("curve", ndim=2, doc="Payout curve: From, Rate | From, To, Rate | Tier, From, To, Rate")
@arg("method", doc='"marginal" (rates are slopes, default) or "retroactive" (step curve)')
def sxl_payout(attainment, curve, method=None):
    """Payout as a multiple of target incentive at an attainment on a payout curve."""
    return cells.payout(_unwrap(attainment), curve, method)


@func
@arg("value", ndim=2, doc="Value or attainment")
@arg("tiers", ndim=2, doc="Tier range")
def sxl_tier(value, tiers):
    """Name of the tier band a value falls in."""
    return cells.tier_reached(_unwrap(value), tiers)


def _unwrap(v):
    """A 1x1 range is a scalar: return a scalar so the cell gets a scalar back."""
    if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list) and len(v[0]) == 1:
        return v[0][0]
    return v


def _import_capability_functions() -> None:
    """Bring the cell functions of every capability (salesops_xl/addin/<name>_functions.py) into this module.

    Excel's UDF registration (desktop "Import Functions", xlwings Lite) looks at this one module, so
    each capability's functions appear here under their own names.
    """
    import importlib
    import pkgutil
    from pathlib import Path

    for mod in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if mod.name.endswith("_functions"):
            m = importlib.import_module(f"{__package__}.{mod.name}")
            for name in getattr(m, "__all__", [n for n in dir(m) if n.startswith("sxl_")]):
                globals()[name] = getattr(m, name)


_import_capability_functions()
