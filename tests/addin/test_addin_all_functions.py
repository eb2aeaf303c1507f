"""Every cell function of the add-in (the commission ones and each capability's ``*_functions.py``),
called generically with what Excel hands a custom function: none may raise, every result must be a
value both runtimes can write (no traceback text, no NaN), and a failing call must say why.

How xlwings converts an argument depends on its ``@arg`` options, which the pass-through decorators
of xlwings on Linux do not keep; they are read from the decorators' source instead:

* ``ndim=2``: the value always arrives as a list of rows (a single cell as ``[[x]]``);
* otherwise a single cell arrives as a scalar, a range as a list of rows (a row or column of a
  2-D range as a flat list);
* without ``err_to_str=True`` an error cell arrives as ``None`` (both runtimes), with it as "#N/A".
"""
from __future__ import annotations

import ast
import datetime as dt
import inspect
import math
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_xl.addin import functions
from salesops_xl.addin.lite import cell_function_names

NAMES = cell_function_names()
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!")


def arg_options(f) -> dict[str, dict]:
    """{argument: {"ndim": 2, "err_to_str": True}} from the function's @arg decorators."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    fdef = tree.body[0]
    out: dict[str, dict] = {}
    for dec in fdef.decorator_list:
        if isinstance(dec, ast.Call):
            name = dec.func.id if isinstance(dec.func, ast.Name) else getattr(dec.func, "attr", "")
            if name == "arg" and dec.args:
                opts = {}
                for k in dec.keywords:
                    if k.arg in ("ndim", "err_to_str"):
                        opts[k.arg] = ast.literal_eval(k.value)
                if len(dec.args) > 1:
                    opts["convert"] = ast.unparse(dec.args[1])
                out[ast.literal_eval(dec.args[0]).lstrip("*")] = opts
    return out


def as_xlwings_passes(value, opts: dict):
    """A cell value or a range (list of rows) as xlwings hands it to the function."""
    def cell(v):
        if isinstance(v, str) and v in ERROR_CODES and not opts.get("err_to_str"):
            return None
        return v

    if isinstance(value, list):
        rows = [[cell(v) for v in r] for r in value]
        if opts.get("ndim") == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows
    v = cell(value)
    return [[v]] if opts.get("ndim") == 2 else v


def is_excel_value(v) -> bool:
    if isinstance(v, list):
        return bool(v) and all(isinstance(r, list) and r and len(r) == len(v[0]) and all(is_excel_scalar(x) for x in r)
                               for r in v)
    return is_excel_scalar(v)


def is_excel_scalar(v) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, str):
        if v.startswith("#") and v.split(" ")[0] not in ERROR_CODES:
            return True  # text that merely starts with '#'
        return "Traceback" not in v and "\n" not in v and len(v) <= 255
    return v is None or isinstance(v, (bool, int, dt.datetime))


# what a cell may hold, in both runtimes: numbers, text, blanks, booleans, errors, dates (desktop: datetime;
# Lite: serial numbers, which are plain numbers)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.sampled_from(ERROR_CODES), st.text(max_size=10),
    st.floats(-1e9, 1e9, allow_nan=False), st.integers(-1000, 1000), st.sampled_from([0.0, 1.0, 0.5, 12.0, 100.0]),
    st.sampled_from([46023.0, 46054.0, 45658.0]),  # 2026-01-01, 2026-02-01, 2025-01-01 as Lite passes dates
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
)
RANGES = st.integers(1, 3).flatmap(lambda w: st.lists(st.lists(SCALARS, min_size=w, max_size=w), min_size=1,
                                                     max_size=13))
VALUES = st.one_of(SCALARS, RANGES)


def test_the_add_in_offers_functions_of_every_capability_module():
    import pkgutil
    from pathlib import Path

    modules = [m.name for m in pkgutil.iter_modules([str(Path(functions.__file__).parent)])
               if m.name.endswith("_functions")]
    for mod in modules:
        m = __import__(f"salesops_xl.addin.{mod}", fromlist=["x"])
        declared = getattr(m, "__all__", [n for n in dir(m) if n.startswith("sxl_")])
        for name in declared:
            assert getattr(functions, name) is getattr(m, name), f"{mod}.{name} is not registered"
    assert {"sxl_commission", "sxl_attainment", "sxl_payout", "sxl_tier"} <= set(NAMES)


def test_function_names_are_unique_in_excel_and_documented():
    upper = [n.upper() for n in NAMES]
    assert len(upper) == len(set(upper))
    for n in NAMES:
        f = getattr(functions, n)
        assert n.startswith("sxl_") and n.isidentifier()
        assert (inspect.getdoc(f) or "").strip(), f"{n} has no docstring (Excel shows it as the description)"
        params = inspect.signature(f).parameters.values()
        assert all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params), f"{n}: Excel passes arguments by position"
        assert all(p.default is None for p in params if p.default is not p.empty), (
            f"{n}: an optional argument must default to None (what an omitted argument arrives as)")


@pytest.mark.parametrize("name", NAMES)
def test_every_function_returns_an_excel_value_whatever_it_is_given(name):
    f = getattr(functions, name)
    opts = arg_options(f)
    params = list(inspect.signature(f).parameters.values())
    required = [p for p in params if p.default is p.empty]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(VALUES, min_size=len(required), max_size=len(params)))
    def check(values):
        args = [as_xlwings_passes(v, opts.get(p.name, {})) for p, v in zip(params, values)]
        out = f(*args)
        assert is_excel_value(out), f"{name}{tuple(args)!r} returned {out!r}"

    check()


@pytest.mark.parametrize("name", NAMES)
def test_every_function_explains_a_missing_argument(name):
    f = getattr(functions, name)
    opts = arg_options(f)
    params = list(inspect.signature(f).parameters.values())
    required = [p for p in params if p.default is p.empty]
    out = f(*[as_xlwings_passes(None, opts.get(p.name, {})) for p in required])
    assert isinstance(out, str) and out.split(" ")[0] in ERROR_CODES and len(out.split(" ", 1)) == 2, (
        f"{name} with blank arguments returned {out!r}; expected an error code and a message")
