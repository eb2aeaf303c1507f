"""`salesops-xl addin package`: what a team hands out, and that it installs as written.

The Pyodide half (Lite's requirements.txt installed by micropip from the built package) is in
tests/pyodide/test_pyodide.py, run by .ci/pyodide.sh.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import venv
import zipfile

import pytest
from addin_testlib import ROOT

from salesops_xl import __version__
from salesops_xl.addin import lite
from salesops_xl.addin.package import WHEEL_NAME, build_package, wheel_url_for

URL = "https://files.example.org/salesops/"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return build_package(tmp_path_factory.mktemp("pkg") / "salesops-xl-addin", wheel_url=URL)


def requirement_lines(path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and
            not ln.lstrip().startswith("#")]


def test_the_package_holds_the_wheel_lites_files_and_the_xlam_sources(package):
    files = sorted(p.relative_to(package.folder).as_posix() for p in package.folder.rglob("*") if p.is_file())
    assert files == ["README.txt", "desktop/SalesopsXLRibbon.bas", "desktop/customUI.xml", "desktop/salesops-xl.xlam",
                     "desktop/salesopsxl.conf", "lite/main.py", "lite/requirements.txt", WHEEL_NAME]
    assert package.main_py.read_text(encoding="utf-8") == lite.main_py()
    # Lite: one line, the hosted wheel; numpy, pandas and scipy come with Pyodide and are not named
    assert requirement_lines(package.requirements) == [URL + WHEEL_NAME]
    for src in ("SalesopsXLRibbon.bas", "salesopsxl.conf"):
        assert (package.folder / "desktop" / src).read_bytes() == (ROOT / "addin" / "desktop" / src).read_bytes()
    with zipfile.ZipFile(package.xlam) as z:
        assert "customUI/customUI.xml" in z.namelist() and "xl/vbaProject.bin" in z.namelist()
    readme = (package.folder / "README.txt").read_text(encoding="utf-8")
    assert URL + WHEEL_NAME in readme and f"pip install {WHEEL_NAME}" in readme


def test_the_wheel_is_pure_python_and_pins_nothing_lite_provides(package):
    with zipfile.ZipFile(package.wheel) as z:
        names = z.namelist()
        meta = z.read(f"salesops_xl-{__version__}.dist-info/METADATA").decode()
        tag = z.read(f"salesops_xl-{__version__}.dist-info/WHEEL").decode()
    assert "Tag: py3-none-any" in tag and "salesops_xl/addin/functions.py" in names
    assert not any(n.endswith((".so", ".pyd")) for n in names)
    reqs = [ln.split(":", 1)[1].strip() for ln in meta.splitlines() if ln.startswith("Requires-Dist:")]
    for lib in ("numpy", "pandas", "scipy"):
        (spec,) = [r for r in reqs if r.split(">")[0].split("=")[0].split("<")[0].strip() == lib]
        assert "==" not in spec and "<" not in spec, spec
    # the batch door's compiled packages are not asked of Pyodide
    for lib in ("python-calamine", "orjson", "click", "pyarrow", "sqlalchemy"):
        (spec,) = [r for r in reqs if r.startswith(lib)]
        assert "sys_platform != \"emscripten\"" in spec.replace("'", '"'), spec


def test_without_a_url_the_requirements_name_no_wheel_and_the_cli_says_so(tmp_path):
    from click.testing import CliRunner

    from salesops_xl.cli import main

    wheel = tmp_path / WHEEL_NAME
    res = CliRunner().invoke(main, ["addin", "package", "-o", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    assert requirement_lines(tmp_path / "p" / "lite" / "requirements.txt") == []
    assert "--wheel-url" in res.output and not wheel.exists()
    assert wheel_url_for("https://h/x/") == wheel_url_for("https://h/x") == f"https://h/x/{WHEEL_NAME}"
    assert wheel_url_for("https://h/a.whl") == "https://h/a.whl"


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_venv_and_runs_a_cell_function_and_a_script(package, tmp_path):
    """A new user's machine: a fresh virtual environment, `pip install` of the handed-out wheel (its
    dependencies from the package index), then the cell function, main.py's Lite script on the Book model
    and the batch door's `salesops-xl run` on a copy of the template."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(package.wheel)],
                         capture_output=True, text=True, env=clean, timeout=900)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]

    from addin_xwmodel import Book

    blob = tmp_path / "book.pickle"
    blob.write_bytes(pickle.dumps(Book.from_xlsx(ROOT / "workbooks" / "commissions.xlsx")))
    out = tmp_path / "out.json"
    res = subprocess.run([str(py), str(ROOT / "tests" / "pyodide" / "package_smoke.py"), str(package.main_py),
                          str(blob), str(ROOT / "tests" / "addin"), str(out)],
                         capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    got = json.loads(out.read_text())
    assert str(env_dir) in got["module"]  # the installed wheel, not this checkout
    assert got["commission"] == 4700.0  # 10000*5% + 40000*8% + 10000*10% = 500 + 3200 + 1000
    title, text, mode = got["alerts"][-1]
    assert title == "salesops-xl: Recalculate payouts" and mode == "info", got["alerts"]

    wb = tmp_path / "commissions.xlsx"
    shutil.copyfile(ROOT / "workbooks" / "commissions.xlsx", wb)
    cli = env_dir / ("Scripts/salesops-xl.exe" if os.name == "nt" else "bin/salesops-xl")
    res = subprocess.run([str(cli), "run", "commissions.recalc", str(wb)], capture_output=True, text=True,
                         env=clean, cwd=tmp_path, timeout=600)
    assert res.returncode == 0 and "Recalculate payouts" in res.stdout, res.stdout + res.stderr
    assert sys.executable != str(py)
