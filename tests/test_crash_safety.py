"""Crash safety and concurrency: a killed or concurrent recalculation never leaves a broken workbook."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "salesops_xl.cli"]
KILLS = int(os.environ.get("SALESOPS_KILLS", "12"))
os.environ["SOURCE_DATE_EPOCH"] = "1795000000"  # reproducible run time: two clean runs give identical bytes


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, bytes, bytes]:
    """A 60k-deal workbook (so a recalculation takes a second or two), and its bytes before/after a clean run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from bench_commissions import bench_tables, write_workbook

    folder = tmp_path_factory.mktemp("crash")
    src = folder / "big.xlsx"
    write_workbook(src, bench_tables(60_000, 2_000))
    before = src.read_bytes()
    ref = folder / "ref.xlsx"
    ref.write_bytes(before)
    subprocess.run(CLI + ["recalc", "-q", str(ref)], check=True)
    return src, before, ref.read_bytes()


def _is_complete_workbook(data: bytes, path: Path) -> bool:
    path.write_bytes(data)
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except zipfile.BadZipFile:
        return False


def test_killing_the_process_at_random_points_never_breaks_the_workbook(big, tmp_path: Path):
    src, before, after = big
    rng = random.Random(20261127)
    t0 = time.perf_counter()
    subprocess.run(CLI + ["recalc", "-q", str(src)], check=True)  # time a full run
    full = time.perf_counter() - t0
    outcomes = {"old": 0, "new": 0}
    for _ in range(KILLS):
        src.write_bytes(before)
        p = subprocess.Popen(CLI + ["recalc", "-q", str(src)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.0) * full if rng.random() < 0.5 else rng.uniform(0.6, 1.4) * full)
        p.send_signal(signal.SIGKILL)
        p.wait()
        data = src.read_bytes()
        # the workbook is always the original or the complete new one, never anything in between
        assert data in (before, after), "a killed recalculation left a workbook that is neither old nor new"
        outcomes["old" if data == before else "new"] += 1
    # at most leftover temporaries, which the next run (holding the lock) removes
    subprocess.run(CLI + ["recalc", "-q", str(src)], check=True)
    assert src.read_bytes() == after
    leftovers = [x.name for x in src.parent.iterdir() if x.name.startswith(src.name + ".") or
                 x.name.startswith(".~salesops")]
    assert leftovers == []
    print(f"{KILLS} kills survived: {outcomes}")


def test_two_recalculations_of_one_file_at_once(big):
    src, before, after = big
    src.write_bytes(before)
    a = subprocess.Popen(CLI + ["recalc", "-q", str(src)], stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(CLI + ["recalc", "-q", str(src)], stderr=subprocess.PIPE, text=True)
    ra, rb = a.wait(), b.wait()
    assert (ra, rb) == (0, 0), (a.stderr.read(), b.stderr.read())  # the second waited for the first
    assert src.read_bytes() == after


def test_a_second_run_that_cannot_wait_fails_clearly(big):
    src, before, after = big
    src.write_bytes(before)
    a = subprocess.Popen(CLI + ["recalc", "-q", str(src)], stderr=subprocess.PIPE, text=True)
    lock = src.with_name(f".~salesops.{src.name}.lock")
    deadline = time.time() + 20
    while not lock.exists() and time.time() < deadline:
        time.sleep(0.01)
    env = dict(os.environ, SALESOPS_LOCK_TIMEOUT="0")
    b = subprocess.run(CLI + ["recalc", "-q", str(src)], capture_output=True, text=True, env=env)
    assert a.wait() == 0
    assert b.returncode == 3
    assert "another salesops-xl command is working on this workbook (process" in b.stderr
    assert src.read_bytes() == after
