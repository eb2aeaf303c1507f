"""Generate the template workbooks in ``workbooks/`` from code, reproducibly.

``python -m salesops_xl.templates`` (or ``salesops-xl template``) rebuilds
them: input sheets from the schema and the sample data, then a recalculation
fills the output sheets. The same code always gives the same bytes.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .sheets import Column, ColumnKind, ListValidation, SheetSpec, TableBlock
from .tables import TableSchema

KIND_OF_TYPE: dict[str, ColumnKind] = {"text": "text", "id": "text", "choice": "text", "number": "number", "money": "money",
                "percent": "percent", "int": "int", "date": "date"}

#: Fixed timestamp of the sample run, so the template is reproducible.
SAMPLE_RUN_AT = "2026-07-01T09:00:00+00:00"
SAMPLE_RUN_AT_2 = "2026-07-20T09:00:00+00:00"


def table_block(schema: TableSchema, frame: pd.DataFrame, anchor: str = "A1") -> tuple[TableBlock, list]:
    """An input table as a TableBlock (column formats from the schema) plus its drop-down validations."""
    cols, data, validations = [], {}, []
    for f in schema.fields:
        if f.name not in frame.columns:
            continue
        kind = KIND_OF_TYPE[f.type]
        if schema.name == "Tiers" and f.name == "Rate":
            kind = "number"
        if schema.name == "PlanMeasures" and f.name == "CapValue":
            kind = "number"
        cols.append(Column(f.name, kind, description=f.description))
        s = frame[f.name]
        if kind == "date":
            v = pd.to_datetime(s).to_numpy().astype("datetime64[D]")
        elif kind in ("money", "number", "percent", "int"):
            v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        else:
            v = np.array([None if (x is None or (isinstance(x, float) and np.isnan(x))) else
                          (x.isoformat()[:10] if hasattr(x, "isoformat") else str(x)) for x in s], dtype=object)
        data[f.name] = v
        if f.type == "choice":
            validations.append(ListValidation(table=schema.name, column=f.name, choices=f.choices))
    return TableBlock(name=schema.name, columns=tuple(cols), data=data, anchor=anchor), validations


def readme_sheet(title: str, lines: list[str]) -> SheetSpec:
    notes = [("A1", title)] + [(f"A{i + 3}", line) for i, line in enumerate(lines)]
    return SheetSpec(name="README", notes=tuple(notes), tab_color="C00000")


def input_sheet(name: str, tables: dict[str, pd.DataFrame], placed, freeze: str | None = "A2") -> SheetSpec:
    """An input sheet (blue tab) with the tables of ``placed`` [(schema, anchor)] that ``tables`` holds."""
    blocks, vals = [], []
    for sch, anchor in placed:
        if sch.name not in tables:
            continue
        b, v = table_block(sch, tables[sch.name], anchor)
        blocks.append(b)
        vals += v
    return SheetSpec(name=name, tables=tuple(blocks), freeze=freeze, validations=tuple(vals), tab_color="2F75B5")


@contextmanager
def building(path: str | Path) -> Iterator[str]:
    """A temporary file beside ``path`` (its folder created) to build a template in; renamed into place if the
    block succeeds."""
    from .batch.files import replace_atomically

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with replace_atomically(path) as tmp:
        yield str(tmp)


def build_template(path: str | Path, sheets: list[SheetSpec], *, kind: str,
                   computed_at: str = SAMPLE_RUN_AT) -> Path:
    """Write the input ``sheets`` to ``path`` and recalculate it as a ``kind`` workbook (fixed run time)."""
    from .batch import recalc
    from .xlsx.writer import write_sheets

    with building(path) as tmp:
        write_sheets(None, tmp, sheets)
        recalc(tmp, computed_at=computed_at, kind=kind)
    return Path(path)


def build_all(folder: str | Path = "workbooks") -> list[Path]:
    """Rebuild every capability's template in ``folder``."""
    from .capabilities import all_capabilities

    return [cap.build_template(Path(folder) / cap.template_name) for cap in all_capabilities()]


if __name__ == "__main__":  # pragma: no cover
    for p in build_all():
        print(f"wrote {p}")
