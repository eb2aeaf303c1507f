"""Recalculating through a symbolic link writes the link's target and keeps the link (issue 23, defect 4)."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from salesops_xl.batch import recalc

TEMPLATES = Path(__file__).resolve().parents[1] / "workbooks"


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symbolic links")
@pytest.mark.parametrize("via_output", [False, True])
def test_recalc_through_a_symlink_writes_the_target_and_keeps_the_link_and_mode(tmp_path, via_output):
    real_dir = tmp_path / "shared"
    real_dir.mkdir()
    target = real_dir / "quotas.xlsx"
    shutil.copyfile(TEMPLATES / "quotas.xlsx", target)
    os.chmod(target, 0o640)
    link = tmp_path / "my-quotas.xlsx"
    link.symlink_to(target)
    before = target.read_bytes()
    if via_output:
        rep = recalc(target, link, computed_at="2026-01-02T00:00:00+00:00")
    else:
        rep = recalc(link, computed_at="2026-01-02T00:00:00+00:00")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() != before  # the Run Log's time changed: the target got the new outputs
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert rep.output == target
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert sorted(p.name for p in real_dir.iterdir() if not p.name.startswith(".")) == ["quotas.xlsx"]
