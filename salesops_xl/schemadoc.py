"""Render table schemas for people: plain text for the terminal, Markdown for the docs, JSON for tools."""
from __future__ import annotations

import json
from typing import Iterable

from .tables import TableSchema


def _flags(f) -> str:
    bits = []
    if not f.required:
        bits.append("optional column")
    if f.blank:
        bits.append(f"blank = {f.default}" if f.default not in (None, "") else "may be blank")
    return "; ".join(bits)


def as_text(tables: Iterable[TableSchema], title: str = "") -> str:
    out = [title, "=" * len(title), ""] if title else []
    for t in tables:
        key = f"  key: {' + '.join(t.key)}" if t.key else ""
        out.append(f"Table {t.name} (sheet {t.sheet!r}){'' if t.required else ' - optional table'}{key}")
        out.append(f"  {t.description}")
        w = max(len(f.name) for f in t.fields)
        for f in t.fields:
            flags = _flags(f)
            out.append(f"  {f.name:<{w}}  {f.expected()}{' [' + flags + ']' if flags else ''}")
            out.append(f"  {'':<{w}}  {f.description}")
        out.append("")
    return "\n".join(out)


def as_markdown(tables: Iterable[TableSchema], heading: str = "###") -> str:
    out = []
    for t in tables:
        out.append(f"{heading} {t.name}")
        out.append("")
        extra = [f"sheet `{t.sheet}`"]
        if t.key:
            extra.append("unique key: " + " + ".join(f"`{k}`" for k in t.key))
        if not t.required:
            extra.append("optional table")
        out.append(f"{t.description} ({'; '.join(extra)})")
        out.append("")
        out.append("| Column | Type | Example | Meaning |")
        out.append("|---|---|---|---|")
        for f in t.fields:
            flags = _flags(f)
            typ = f.expected() + (f" ({flags})" if flags else "")
            desc = f.description.replace("|", "\\|")
            out.append(f"| `{f.name}` | {typ} | {f.example} | {desc} |")
        out.append("")
    return "\n".join(out)


def as_json(tables: Iterable[TableSchema]) -> str:
    return json.dumps([
        {"table": t.name, "sheet": t.sheet, "description": t.description, "key": list(t.key),
         "required": t.required,
         "columns": [{"name": f.name, "type": f.type, "expected": f.expected(), "required": f.required,
                      "blank": f.blank, "default": f.default, "choices": list(f.choices),
                      "description": f.description, "example": f.example} for f in t.fields]}
        for t in tables
    ], indent=2)
