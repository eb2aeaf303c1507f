"""Render table schemas for people: plain text for the terminal, Markdown for the docs, JSON for tools."""
from __future__ import annotations

import json
from collections.abc import Iterable

from .precision import SIGNIFICANT_DIGITS
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


#: how a table is read from a file: what lies beside it, formulas, hidden and blank rows (the rules of the reader)
READING_RULES = """## How the tables are read

* **Only the Table counts, and nothing outside it goes unnoticed.** Data in the rows directly below a
  table (in its columns, from the row right under its last row, or under its Totals Row) or in the columns
  directly right of it (in its rows) is not part of it. Excel extends a table only when you type into the row
  right below it, so rows pasted or appended by a script are left outside. For a table payouts depend on
  (every input of the commission, quota and territory workbooks) this is an error naming the sheet, the rows or
  columns and the table, and saying how to resize it (Table Design → Resize Table); for the forecast
  workbook's tables, which pay nobody, it is a warning. A note after an empty row or column is not beside the
  table. To keep notes right under the tables of a sheet, define the name `AllowDataBesideTables` with the
  value `TRUE` (Formulas → Name Manager → New), scoped to that sheet, or to the workbook for every sheet.
* **A formula is read as the value the spreadsheet saved with it.** A formula cell without a saved value
  (programs that write workbooks without calculating them, such as openpyxl-based scripts, leave them so) is
  an error naming the cell and its formula, never a blank: open the workbook in Excel or LibreOffice and save
  it there (they calculate it), then run again; or run `salesops-xl recalc --calculate WORKBOOK`, which has
  LibreOffice (when installed) calculate a copy, reads the inputs from that copy and writes the outputs into
  the workbook, whose input cells stay as they were (so the next run needs `--calculate` again).
* Error values (`#N/A`, `#REF!`...) are errors naming the cell; hidden and filtered rows are read (they are
  data); blank rows inside a table are skipped, and rows keep their Excel row numbers in messages; a Totals
  Row is not data.
* **The file itself**: a file cut short (an interrupted copy or download), an OpenDocument spreadsheet or a
  Word document renamed `.xlsx`, a workbook whose table part is missing, and a file the reading library
  cannot read are refused with a message that says so and what to do; zip entry names written with
  backslashes (`xl\\workbook.xml`) are read as the folders they mean, as Excel does. A missing required table
  is named (\"table Deals is missing; this looks like a commission workbook\"), and a workbook of another
  kind given to a command is named with its kind."""


def schema_page() -> str:
    """docs/schema.md: the tables of every template, generated from the code."""
    from .capabilities import all_capabilities

    out = [
        "# Workbook schema",
        "",
        "<!-- generated by `python -m salesops_xl.schemadoc > docs/schema.md`; do not edit by hand -->",
        "",
        "Every input is an Excel Table (Insert > Table) with the name and columns below; the sheet it sits on",
        "and the order of columns do not matter, extra columns are ignored. `salesops-xl schema` prints the same.",
        "",
        READING_RULES,
        "",
        "## Numbers in the workbook",
        "",
        "Every sheet salesops-xl writes (the output sheets of a recalc, the tables of a template) holds its",
        "numbers at one stated precision, the same for every kind of workbook:",
        "",
        "* **money** to the cent, by the money rule of [commissions.md](commissions.md#14-money-and-rounding)",
        "  (half away from zero, as Excel's `ROUND(x, 2)`); payouts are exact cents already, a computed amount",
        "  such as a forecast is rounded when written;",
        f"* **every other number** (counts, percentages, rates, multiples, scores) to {SIGNIFICANT_DIGITS} "
        "significant digits,",
        "  rounded half away from zero: 2/3 is written as 0.6666666667, a share of 0.12345678912 as 0.1234567891;",
        "* whole numbers below 10^10 and dates exactly.",
        "",
        "This is far finer than any number format shows, and it makes a workbook independent of the last bits",
        "of a float, which differ between numpy, pandas and scipy versions (summation order, SIMD kernels, an",
        "optimiser's steps: up to about 3e-13 relative in the shipped workbooks): the same inputs give",
        "byte-for-byte the same workbook on every supported version, and recalculating a shipped template",
        "leaves it unchanged (`ci/same_bytes.py` checks this under the newest and the oldest versions",
        "`pyproject.toml` allows). The cell functions return the engine's unrounded values.",
        "",
    ]
    for cap in all_capabilities():
        out += [f"## {cap.title} (`workbooks/{cap.template_name}`)", ""]
        if cap.doc:
            out += [f"Rules: [{cap.doc.split('/')[-1]}]({cap.doc.split('/')[-1]}).", ""]
        out += [as_markdown(cap.input_tables),
                "Output sheets (replaced by every `recalc`): " + ", ".join(f"`{s}`" for s in cap.output_sheets)
                + ".", ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(schema_page(), end="")
