"""Writing files so a reader never sees half of one: a temporary file beside the target, renamed into place.

:func:`replace_atomically` is the one helper for that (a workbook has its own checked writer,
:func:`salesops_xl.xlsx.writer.write_sheets`, which verifies the file before the rename; a results folder swaps
several files at once, :mod:`salesops_xl.batch.results`). :func:`write_csv` writes an export through it.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import UsageError


@contextmanager
def replace_atomically(path: str | Path) -> Iterator[Path]:
    """A fresh temporary path beside ``path`` (same folder, so the rename is atomic) for the block to write;
    renamed onto ``path`` when the block succeeds, removed when it fails: ``path`` is either the old file or the
    whole new one."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}-{secrets.token_hex(4)}.tmp{path.suffix}")  # its suffix kept: readers check it
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write an export frame (:func:`salesops_xl.accounting.exports.export_frame`: formula-like text quoted,
    amounts as exact decimals) as UTF-8 CSV to ``path``, atomically."""
    from ..accounting.exports import export_frame

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise UsageError(f"{path.name}: an export is a CSV file; name the output *.csv")
    safe = export_frame(frame)
    with replace_atomically(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        safe.to_csv(f, index=False)
    return path
