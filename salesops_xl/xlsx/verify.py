"""The check a written workbook passes before it replaces anything.

:func:`check_written` re-opens the temporary file the writer produced, as the
reader would, and compares it with the source package and with what the
writer meant to write:

* the package opens (content types, relationships, the workbook part and its
  sheet list parse and agree);
* every part the writer changed or added is namespace-well-formed XML (parsed
  in a streaming pass of expat's C code, building nothing; parts copied from
  the source byte for byte are not parsed again). A large part may have been
  parsed already while it was written, by the same parser in a helper process
  fed the very bytes that went into the compressor and the CRC
  (:mod:`.xmlcheck`); it is then not parsed twice;
* every relationship target exists, except a relationship the source already
  had to a target it already lacked (the source's own problem, not ours);
* ``[Content_Types].xml`` gives a content type to every part (again: every
  part we wrote, and every part the source covered);
* sheet names, sheet ids, sheet relationship ids, table names and table ids
  are unique (no duplicate the source did not already have);
* the outputs read back: each sheet written is listed under its name, points
  to the part written for it, and holds the tables meant for it (name, id,
  range, columns).

Any failure raises :class:`~salesops_xl.errors.InternalError` with a report
(no cell values, no pay amounts) the user can send; the writer then removes
the temporary file and leaves the original as it was.
"""
from __future__ import annotations

import platform
import posixpath
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..errors import InternalError, WorkbookError
from . import xmlutil as X
from .package import CONTENT_TYPES, Package, parse_rels
from .zipraw import ZipReader


@dataclass(frozen=True)
class ExpectedTable:
    name: str
    id: int
    ref: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ExpectedSheet:
    name: str
    part: str
    tables: tuple[ExpectedTable, ...] = ()


@dataclass(frozen=True)
class Expectation:
    """What the writer meant to produce."""

    changed: frozenset[str]  # parts written or rewritten by us (everything else is copied raw)
    sheets: tuple[ExpectedSheet, ...] = ()
    removed: tuple[str, ...] = ()  # sheet names that must be gone


_XML_EXT = (".xml", ".rels", ".vml")


def _source_of_rels(rels_part: str) -> str:
    """The part a relationships part belongs to ('' for the package's ``_rels/.rels``)."""
    d, base = posixpath.split(rels_part)
    owner_dir = posixpath.dirname(d)  # strip "_rels"
    return posixpath.join(owner_dir, base[:-len(".rels")]) if base != ".rels" else owner_dir


def _duplicates(keys: Iterable) -> set:
    c = Counter(keys)
    return {k for k, n in c.items() if n > 1}


def check_written(path: str | Path, source: Package, expect: Expectation,
                  checked: frozenset[str] = frozenset()) -> None:
    """Raise :class:`InternalError` unless the workbook at ``path`` passes every check above.

    ``checked``: parts already parsed as well-formed while they were written (see :mod:`.xmlcheck`).
    """
    problems: list[str] = []
    snippets: dict[str, str] = {}
    try:
        out = Package(path, label=source.label)
    except WorkbookError as e:
        problems.append(f"the written file does not open: {e}")
        try:
            z = ZipReader(path, label=source.label)
            try:
                _check_parts(z, expect, [], snippets)  # only to show the start of the part that failed
            finally:
                z.close()
        except WorkbookError:
            pass
        _fail(problems, source, expect, snippets)
        return
    with out:
        _check_parts(out.zip, expect, problems, snippets, checked)
        _check_relationships(out, source, expect, problems)
        _check_content_types(out, source, expect, problems)
        try:
            _check_unique(out, source, problems)
            _check_outputs(out, expect, problems)
        except WorkbookError as e:
            problems.append(str(e))
    if problems:
        _fail(problems, source, expect, snippets)


def _check_parts(z: ZipReader, expect: Expectation, problems: list[str], snippets: dict[str, str],
                 checked: frozenset[str] = frozenset()) -> None:
    for name in sorted(expect.changed):
        e = z.get(name)
        if e is None:
            problems.append(f"{name}: written by us but missing from the file")
            continue
        if not name.lower().endswith(_XML_EXT) or name in checked:  # every part we write is .xml or .rels
            continue
        try:
            X.check_xml(z.iter_decompressed(e), name)
        except WorkbookError as ex:
            problems.append(str(ex))
            if "/worksheets/" not in name:  # no cell values in a report
                try:
                    snippets[name] = z.read(e)[:4000].decode("utf-8", "replace")
                except WorkbookError:
                    pass


def _exists(pkg: Package, part: str) -> bool:
    """Whether a relationship's target part is in the package (as the reader finds it: any case, or %-decoded)."""
    return pkg.has(part) or ("%" in part and pkg.has(unquote(part)))


def _check_relationships(out: Package, source: Package, expect: Expectation, problems: list[str]) -> None:
    for name in out.names:
        if not name.lower().endswith(".rels") or name.endswith("/"):
            continue
        ours = name in expect.changed
        owner = _source_of_rels(name)
        try:
            rels = parse_rels(out.read(name), owner, name)
        except WorkbookError as e:
            if ours or source.has(name):
                problems.append(str(e))
            continue
        missing = [r for r in rels if not r.external and r.part and not _exists(out, r.part)]
        if missing:
            # a target the source had is lost; a relationship we wrote points nowhere. A relationship the
            # source already had, to a target it already lacked, is the source's own (Excel tolerates some).
            before = set()
            if source.has(name):
                try:
                    before = {(r.id, r.target) for r in parse_rels(source.read(name), owner, name)}
                except WorkbookError:
                    pass
            for r in missing:
                assert r.part is not None  # `missing` holds only relationships with a target part
                if _exists(source, r.part) or (r.id, r.target) not in before:
                    problems.append(f"{name}: relationship {r.id} points to {r.target}, which is not in the file")
        ids = _duplicates(r.id for r in rels)
        if ids and ours:
            problems.append(f"{name}: relationship ids {sorted(ids)} are used twice")


def _check_content_types(out: Package, source: Package, expect: Expectation, problems: list[str]) -> None:
    for name in out.names:
        if name == CONTENT_TYPES or name.endswith("/"):
            continue
        if out.content_type(name) is None and (name in expect.changed or source.content_type(name) is not None):
            problems.append(f"{name}: [Content_Types].xml gives it no content type")


def _check_unique(out: Package, source: Package, problems: list[str]) -> None:
    def sheet_keys(p: Package):
        return ([("sheet name", s.name.casefold()) for s in p.sheets] + [("sheetId", s.sheet_id) for s in p.sheets]
                + [("sheet relationship id", s.rel_id) for s in p.sheets])

    def table_keys(p: Package):
        keys: list[tuple[str, str | int]] = []
        for t in p.tables:
            keys += [("table name", n) for n in {t.name.casefold(), t.display_name.casefold()}]
            keys.append(("table id", t.id))
        return keys

    try:
        before = _duplicates(sheet_keys(source)) | _duplicates(table_keys(source))
    except WorkbookError:  # the source's own tables could not all be read: compare with nothing
        before = set()
    after = _duplicates(sheet_keys(out)) | _duplicates(table_keys(out))
    for what, key in sorted(after - before, key=str):
        problems.append(f"two {what}s are {key!r}")


def _check_outputs(out: Package, expect: Expectation, problems: list[str]) -> None:
    for want in expect.sheets:
        s = out.sheet(want.name)
        if s is None:
            problems.append(f"sheet {want.name!r} is not in the written workbook")
            continue
        if s.part != want.part:
            problems.append(f"sheet {want.name!r} points to {s.part}, not to the part written for it ({want.part})")
            continue
        got = [(t.name, t.id, t.ref, t.columns) for t in out.tables_of(s)]
        meant = [(t.name, t.id, t.ref, t.columns) for t in want.tables]
        if got != meant:
            problems.append(f"sheet {want.name!r}: its tables read back as {[g[:3] for g in got]}, "
                            f"not {[m[:3] for m in meant]}")
    for name in expect.removed:
        if out.sheet(name) is not None:
            problems.append(f"sheet {name!r} should have been removed")


def _fail(problems: list[str], source: Package, expect: Expectation, snippets: dict[str, str]) -> None:
    from .. import __version__

    lines = ["salesops-xl internal error report",
             "==================================",
             "A workbook salesops-xl wrote failed the check it must pass before it replaces anything.",
             "Nothing was replaced: the workbook is as it was. This report holds no cell values.",
             "",
             f"salesops-xl {__version__}; Python {sys.version.split()[0]}; {platform.platform()}",
             f"command: {' '.join(Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv))}",
             f"source workbook: {source.label} ({len(source.names)} parts)",
             "",
             "Problems found:"]
    lines += [f"  - {p}" for p in problems]
    lines += ["", "Parts written by salesops-xl:"] + [f"  {n}" for n in sorted(expect.changed)]
    lines += ["", "Sheets written:"] + [f"  {s.name!r} -> {s.part}; tables {[t.name for t in s.tables]}"
                                         for s in expect.sheets]
    lines += ["", "Parts of the source workbook (name, size, content type):"]
    for e in source.zip.entries:
        lines.append(f"  {e.name}  {e.file_size}  {source.content_type(e.name) or '-'}")
    for n, text in snippets.items():
        lines += ["", f"Start of the written {n}:", text]
    head = problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} more)"
    raise InternalError(f"the workbook salesops-xl wrote failed its check, so nothing was replaced: {head}",
                        report="\n".join(lines) + "\n")
