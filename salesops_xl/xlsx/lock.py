"""One writer per workbook: an advisory lock held while a command reads and rewrites a file.

A second salesops-xl process that wants the same workbook waits (up to
``SALESOPS_LOCK_TIMEOUT`` seconds, default 60) and then fails with a clear
message; neither can corrupt the file (writes are atomic anyway: temporary
file, then rename). The lock is a small hidden file next to the workbook,
``.~salesops.<name>.lock``, removed when the command ends; a lock left by a
killed process is released by the operating system and taken over.

While holding the lock, temporary files that a killed run left behind
(``<name>.<12 hex digits>.tmp``) are removed.
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import WorkbookError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # absent on Windows; checked before use
    import msvcrt


def lock_path(path: Path) -> Path:
    return path.with_name(f".~salesops.{path.name}.lock")


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass


def _holder(lp: Path) -> str:
    try:
        pid = lp.read_text().strip()
        return f" (process {pid})" if pid.isdigit() else ""
    except OSError:
        return ""


@contextmanager
def workbook_lock(path: str | os.PathLike, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock of ``path`` for the duration of the block."""
    path = Path(path)
    if timeout is None:
        timeout = float(os.environ.get("SALESOPS_LOCK_TIMEOUT", "60"))
    lp = lock_path(path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise WorkbookError(f"{path}: cannot create the lock file {lp.name}: {e.strerror or e}") from None
        if _try_lock(fd):
            # the file we locked must still be the lock file (a finishing holder may have removed it)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lp))
            except FileNotFoundError:
                same = False
            if same:
                break
            _unlock(fd)
        os.close(fd)
        if time.monotonic() >= deadline:
            raise WorkbookError(f"{path}: another salesops-xl command is working on this workbook{_holder(lp)}; "
                                "try again when it has finished")
        time.sleep(0.05)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _remove_stale_temporaries(path)
        yield
    finally:
        try:
            os.unlink(lp)  # before unlocking: a waiter that locked the old file will notice and retry
        except OSError:
            pass
        _unlock(fd)
        os.close(fd)


_TMP = re.compile(r"\.[0-9a-f]{12}\.tmp$")


def _remove_stale_temporaries(path: Path) -> None:
    try:
        candidates = list(path.parent.glob(f"{path.name}.*.tmp"))
    except OSError:
        return
    for p in candidates:
        if _TMP.search(p.name[len(path.name):]):
            try:
                p.unlink()
            except OSError:
                pass
