"""Write the sheets salesops-xl owns into an .xlsx/.xlsm, leaving everything else untouched.

:func:`write_sheets` works on the parts of the package, never on a model of
the whole workbook:

* every zip entry that is not ours is copied as its raw compressed bytes
  (user sheets, formulas, formatting, defined names, charts, images, pivot
  tables, VBA...), in its original position;
* a sheet named like a :class:`~salesops_xl.sheets.SheetSpec` is replaced in
  place (same position, sheetId, r:id and part name); the parts it owned
  (tables, drawing, charts, comments...) are deleted unless something else
  still refers to them; new sheets are appended;
* ``workbook.xml``, its relationships, ``[Content_Types].xml``,
  ``styles.xml`` and ``calcChain.xml`` are rewritten only when something in
  them must change - the edits of ``workbook.xml`` and ``styles.xml`` are
  splices at positions found by a namespace-aware parse (:mod:`.xmledit`),
  so the rest of them stays as it was, and every element or attribute we
  add is named with a prefix declared where it goes (or declares its own);
* the output is deterministic: the same inputs give the same bytes, and a
  second run on the output with the same specs gives a byte-identical file;
* the file is written to a temporary file next to ``dest``, fsynced,
  re-opened and checked (:func:`.verify.check_written`: the parts we wrote
  parse, relationship targets and content types are all there, names and
  ids are unique, our sheets and tables read back), and only then renamed
  over ``dest``; on any error ``dest`` and ``src`` are untouched and the
  temporary file is removed (a failed check is an
  :class:`~salesops_xl.errors.InternalError` with a report to send us).

Sheet removal (``remove=``) drops the sheet's ``<sheet>`` entry, its parts
and its calcChain entries; defined names scoped to it (``localSheetId``) are
dropped and the ``localSheetId`` of later sheets is shifted, as are the
workbook view's ``activeTab``/``firstSheet``. Defined names whose formulas
refer to a removed sheet are left as they are (Excel shows #REF!).

Format choices (all within ECMA-376, checked with python-calamine, openpyxl
and LibreOffice):

* cells carry no ``r`` attribute (``<row>`` keeps its ``r``): readers place a
  cell right after the previous one, so blank cells are written as
  ``<c s="n"/>`` and gaps left of a block as ``<c/>``; this makes the sheet
  XML ~25% smaller and the write proportionally faster;
* text is always an inline string (``t="inlineStr"``), never a shared string
  or a formula; ``SheetSpec.formulas`` are written as ``<f>`` without a cached
  value, and then ``fullCalcOnLoad="1"`` is set on the workbook's ``calcPr``;
* dates are serial numbers of the workbook's date system, read once from its
  ``<workbookPr date1904>`` (a new workbook is on the 1900 system); charts
  declare the same ``<c:date1904>``;
* numbers are written at a stated precision (:func:`salesops_xl.precision.round_written`:
  money to the cent, other floats to 10 significant digits), then in their
  shortest round-trip form (``orjson`` when installed, else ``repr``); money
  in int64 cents as the exact decimal. So the bytes do not depend on the
  numpy, pandas or scipy version that computed the numbers;
* a VBA ``codeName`` of a replaced sheet is kept, so the macro project still
  matches its sheet.
"""
from __future__ import annotations

import os
import posixpath
import secrets
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..cellrefs import check_sheet_name
from ..errors import InternalError, WorkbookError
from ..sheets import SheetSpec
from . import xmledit as xe
from . import xmlutil as X
from .drawing import chart_xml, drawing_xml
from .package import CONTENT_TYPES, Package, Relationship, SheetInfo, relative_target, rels_part_of
from .printsetup import set_print_names
from .sheetxml import SheetLayout, iter_worksheet, layout_sheet, table_xml
from .skeleton import PARTS as SKELETON_PARTS
from .styles import Styles
from .verify import Expectation, ExpectedSheet, ExpectedTable, check_written
from .xmlcheck import StreamChecks
from .zipraw import ZipWriter

COMPRESS_LEVEL = 3
COMPRESS_THREADS = 2

__all__ = ["write_sheets"]


def write_sheets(src: str | os.PathLike | None, dest: str | os.PathLike, sheets: Sequence[SheetSpec], *,
                 remove: Sequence[str] = ()) -> None:
    """Write ``sheets`` into the workbook ``src`` (None: a new workbook), saving it as ``dest``.

    Sheets named like a spec are replaced in place, other specs are appended
    in order, sheets named in ``remove`` are deleted (names not found are
    ignored). ``dest`` may be ``src``. Raises :class:`WorkbookError` on any
    problem, leaving ``dest`` as it was.
    """
    specs = list(sheets)
    remove = [remove] if isinstance(remove, str) else list(remove)
    _check_specs(specs, remove)
    dest = Path(dest)
    skeleton_path = None
    if src is None:
        if not specs:
            raise WorkbookError("a new workbook needs at least one sheet")
        skeleton_path = _write_skeleton()
        pkg = Package(skeleton_path, label=dest.name)
    else:
        pkg = Package(src)
    try:
        plan = _Plan(pkg, specs, remove)
        plan.build()
        try:
            _atomic_write(dest, plan.emit, mode_from=Path(src) if src is not None else None,
                          check=lambda tmp: check_written(tmp, pkg, plan.expectation(), plan.checked_parts()),
                          before_replace=pkg.close)  # no open handle on src when it is replaced (Windows)
        except InternalError as e:
            e.workbook = str(dest)
            raise
    finally:
        pkg.close()
        if skeleton_path is not None:
            try:
                os.unlink(skeleton_path)
            except OSError:
                pass


def _check_specs(specs: list[SheetSpec], remove: list[str]) -> None:
    seen: dict[str, str] = {}
    tables: dict[str, str] = {}
    for s in specs:
        if not isinstance(s, SheetSpec):
            raise WorkbookError(f"expected SheetSpec objects, got {type(s).__name__}")
        check_sheet_name(s.name)
        key = s.name.casefold()
        if key in seen:
            raise WorkbookError(f"two sheets are named {s.name!r}")
        seen[key] = s.name
        for t in s.tables:
            k = t.name.casefold()
            if k in tables:
                raise WorkbookError(f"table name {t.name!r} is used on sheets {tables[k]!r} and {s.name!r}; "
                                    "table names must be unique in a workbook")
            tables[k] = s.name
    for r in remove:
        if not isinstance(r, str):
            raise WorkbookError(f"remove: sheet names must be text, got {r!r}")
        if r.casefold() in seen:
            raise WorkbookError(f"sheet {r!r} is both written and removed")


def _write_skeleton() -> str:
    fd, path = tempfile.mkstemp(prefix="salesops-new-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as f:
            zw = ZipWriter(f, level=COMPRESS_LEVEL, threads=1)
            for name, text in SKELETON_PARTS:
                zw.write_bytes(name, text.encode("utf-8"))
            zw.close()
    except BaseException:
        os.unlink(path)
        raise
    return path


def _atomic_write(dest: Path, emit: Callable, mode_from: Path | None,
                  before_replace: Callable[[], None] | None = None, check: Callable[[Path], None] | None = None) -> None:
    """Write ``emit(file)`` to a temporary file beside ``dest``, ``check(temporary path)`` it, rename it over ``dest``.

    If anything fails (``check`` included), the temporary file is removed and ``dest`` is left as it was.
    """
    directory = dest.parent if str(dest.parent) else Path(".")
    if not directory.is_dir():
        raise WorkbookError(f"{dest}: the folder {directory} does not exist")
    for _ in range(100):
        tmp = directory / f"{dest.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise WorkbookError(f"{dest}: cannot create a file in {directory}: {e.strerror or e}") from None
    else:  # pragma: no cover
        raise WorkbookError(f"{dest}: cannot create a temporary file")
    try:
        with os.fdopen(fd, "wb") as f:
            emit(f)
            f.flush()
            os.fsync(f.fileno())
        if check is not None:
            check(tmp)
        for ref in (dest, mode_from):
            try:
                if ref is not None and ref.exists():
                    os.chmod(tmp, ref.stat().st_mode & 0o7777)
                    break
            except OSError:
                pass
        if before_replace is not None:
            before_replace()
        os.replace(tmp, dest)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise WorkbookError(f"{dest}: cannot write the file: {e.strerror or e}") from e
        raise
    try:  # make the rename durable (best effort)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# ----------------------------------------------------------------------------


def _rels_xml(rels: Iterable[tuple[str, str, str, bool]]) -> bytes:
    items = []
    for rid, typ, target, external in rels:
        mode = ' TargetMode="External"' if external else ""
        items.append(f'<Relationship Id="{X.plain_attr(rid)}" Type="{X.plain_attr(typ)}" '
                     f'Target="{X.plain_attr(target)}"{mode}/>')
    return (X.XML_DECL + f'<Relationships xmlns="{X.NS_PKG_REL}">' + "".join(items) + "</Relationships>").encode()


def _next_rid(used: set[str]) -> str:
    n = 1
    while f"rId{n}" in used:
        n += 1
    rid = f"rId{n}"
    used.add(rid)
    return rid


@dataclass
class _NewSheet:
    spec: SheetSpec
    layout: SheetLayout
    part: str
    old: SheetInfo | None
    rels_part: str
    table_parts: list[str] = field(default_factory=list)
    drawing_part: str | None = None
    chart_parts: list[str] = field(default_factory=list)
    media_parts: list[str] = field(default_factory=list)
    sheet_id: int = 0
    rel_id: str = ""


class _Plan:
    def __init__(self, pkg: Package, specs: list[SheetSpec], remove: list[str]):
        self.pkg = pkg
        self.stream_checks: StreamChecks | None = None  # set by emit
        self.specs = specs
        self.remove = remove
        self.wb = pkg.workbook_part
        self.wb_dir = posixpath.dirname(self.wb)
        self.wb_rels_part = rels_part_of(self.wb)
        # output: name -> producer (callable writing to a ZipWriter) for replaced/new entries
        self.replace: dict[str, Callable[[ZipWriter, str], None]] = {}
        self.appended: list[str] = []
        self.deleted: set[str] = set()

    # -- helpers ---------------------------------------------------------------
    def _put(self, name: str, producer: Callable[[ZipWriter, str], None]) -> None:
        if name in self.replace:
            raise WorkbookError(f"internal error: part {name} produced twice")
        self.replace[name] = producer
        if name not in self.pkg.zip.by_name:
            self.appended.append(name)
        self.deleted.discard(name)

    def _put_bytes(self, name: str, data: bytes, *, level: int | None = None) -> None:
        def produce(zw: ZipWriter, n: str) -> None:
            zw.write_bytes(n, data, level=level)

        self._put(name, produce)

    def _free_name(self, pattern: str, taken: set[str]) -> str:
        n = 1
        while True:
            name = pattern.format(n)
            if name.lower() not in taken:
                taken.add(name.lower())
                return name
            n += 1

    # -- planning --------------------------------------------------------------
    def build(self) -> None:
        pkg = self.pkg
        by_key = {s.name.casefold(): s for s in pkg.sheets}
        removed = [s for s in pkg.sheets if s.name.casefold() in {r.casefold() for r in self.remove}]
        replaced: dict[int, SheetInfo] = {}
        for i, spec in enumerate(self.specs):
            old = by_key.get(spec.name.casefold())
            if old is not None:
                if old.kind != "worksheet":
                    raise WorkbookError(f"{pkg.label}: sheet {old.name!r} is a {old.kind}; "
                                        "it cannot be replaced by a worksheet")
                replaced[i] = old
        ours = list(replaced.values()) + removed
        our_parts = {s.part for s in ours}
        removed_parts = {s.part for s in removed}
        kept_sheets = [s for s in pkg.sheets if s.part not in our_parts]

        # names of tables that stay: ours must not collide with them
        self._check_names(kept_sheets)

        # mark and sweep: what the replaced/removed sheets owned and nothing else refers to
        retained = self._closure([r.part for r in pkg.root_rels if r.part], skip=our_parts)
        retained -= removed_parts
        owned = self._closure(sorted(our_parts), skip=set())
        doomed = {p for p in owned if p not in retained and p not in our_parts and pkg.has(p)}
        doomed |= {p for p in removed_parts if pkg.has(p)}
        for p in list(doomed) + sorted(our_parts):
            rp = rels_part_of(p)
            if pkg.has(rp):
                entry = pkg.zip.get(rp)
                assert entry is not None  # pkg.has(rp)
                doomed.add(entry.name)
        self.deleted = set(doomed)

        # styles
        wb_rels = list(pkg.workbook_rels)
        style_rel = next((r for r in wb_rels if r.type == X.REL_STYLES and r.part and pkg.has(r.part)), None)
        self.styles = Styles(pkg.read(style_rel.part) if style_rel is not None and style_rel.part else None)

        # lay out every sheet (validates the specs, factorises the columns); dates in the workbook's date system,
        # read once from its workbookPr (a new workbook is on the 1900 system)
        layouts = [layout_sheet(spec, self.styles, pkg.date1904) for spec in self.specs]

        # allocate part names and ids. Names of parts being deleted stay taken: a replaced sheet reuses its
        # own old names below, and a fresh name must not grab one of them first.
        taken = {n.lower() for n in pkg.names}
        old_tables: dict[int, list] = {}
        retained_ids = {t.id for s in kept_sheets for t in pkg.tables_of(s)}
        all_old_ids = set(retained_ids)
        for i, old in replaced.items():
            old_tables[i] = [t for t in pkg.tables_of(old) if t.part in self.deleted]
            all_old_ids |= {t.id for t in old_tables[i]}
        used_ids = set(retained_ids)
        next_id = max(all_old_ids | {0}) + 1
        wb_dir = (self.wb_dir + "/") if self.wb_dir else ""

        sheet_ids = [s.sheet_id for s in pkg.sheets]
        next_sheet_id = max(sheet_ids + [0]) + 1
        wb_rids = {r.id for r in wb_rels}

        self.new_sheets: list[_NewSheet] = []
        for i, (spec, lay) in enumerate(zip(self.specs, layouts)):
            old = replaced.get(i)
            if old is not None:
                part = old.part
                sid, rid = old.sheet_id, old.rel_id
            else:
                part = self._free_name(wb_dir + "worksheets/sheet{}.xml", taken)
                sid, rid = next_sheet_id, _next_rid(wb_rids)
                next_sheet_id += 1
            ns = _NewSheet(spec, lay, part, old, rels_part_of(part), sheet_id=sid, rel_id=rid)
            reuse_tables = [t.part for t in old_tables.get(i, [])]
            reuse_ids = [t.id for t in old_tables.get(i, [])]
            for t in lay.tables:
                if reuse_tables:
                    t.part = reuse_tables.pop(0)
                    taken.add(t.part.lower())
                else:
                    t.part = self._free_name(wb_dir + "tables/table{}.xml", taken)
                while reuse_ids and reuse_ids[0] in used_ids:
                    reuse_ids.pop(0)
                if reuse_ids:
                    t.id = reuse_ids.pop(0)
                else:
                    while next_id in used_ids or next_id in all_old_ids:
                        next_id += 1
                    t.id = next_id
                    next_id += 1
                used_ids.add(t.id)
                ns.table_parts.append(t.part)
            if spec.charts or spec.pictures:
                # a replaced sheet reuses its old drawing, chart and picture names: recalc twice = same file
                old_drawing, old_charts, old_media = self._old_drawing(old)
                if old_drawing:
                    ns.drawing_part = old_drawing
                    taken.add(old_drawing.lower())
                else:
                    ns.drawing_part = self._free_name(wb_dir + "drawings/drawing{}.xml", taken)
                for _ in spec.charts:
                    if old_charts:
                        c = old_charts.pop(0)
                        taken.add(c.lower())
                    else:
                        c = self._free_name(wb_dir + "charts/chart{}.xml", taken)
                    ns.chart_parts.append(c)
                for _ in spec.pictures:
                    if old_media:
                        m = old_media.pop(0)
                        taken.add(m.lower())
                    else:
                        m = self._free_name(wb_dir + "media/image{}.png", taken)
                    ns.media_parts.append(m)
            self.new_sheets.append(ns)

        # final sheet order and the active tab
        final_order = [s for s in pkg.sheets if s.part not in removed_parts]
        final_names = [s.part for s in final_order] + [ns.part for ns in self.new_sheets if ns.old is None]
        self._plan_workbook(removed, final_order, final_names, wb_rels, style_rel)

        # produce the sheet parts
        for ns in self.new_sheets:
            self._produce_sheet(ns, final_names.index(ns.part) == self.active_tab)

        # styles, content types, rels
        styles_bytes = self.styles.result()
        if styles_bytes is not None:
            self._put_bytes(self.styles_part, styles_bytes)
        self._plan_content_types()

    def _closure(self, starts: list[str], skip: set[str]) -> set[str]:
        pkg = self.pkg
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            if p in skip or not pkg.has(p):
                continue
            for r in pkg.rels(p):
                if r.part is not None and r.part not in seen:
                    stack.append(r.part)
        return seen

    def _check_names(self, kept_sheets: list[SheetInfo]) -> None:
        pkg = self.pkg
        ours = {t.name.casefold(): (spec.name, t.name) for spec in self.specs for t in spec.tables}
        for s in kept_sheets:
            for t in pkg.tables_of(s):
                for nm in {t.name, t.display_name}:
                    hit = ours.get(nm.casefold())
                    if hit:
                        raise WorkbookError(f"{pkg.label}: table name {hit[1]!r} (sheet {hit[0]!r}) is already used by "
                                            f"a table on sheet {s.name!r}; table names must be unique in a workbook")
        for dn in pkg.defined_names:
            hit = ours.get(dn.name.casefold())
            if hit:
                raise WorkbookError(f"{pkg.label}: table name {hit[1]!r} (sheet {hit[0]!r}) is already a defined "
                                    "name in the workbook; table names must differ from defined names")

    def _old_drawing(self, old: SheetInfo | None) -> tuple[str | None, list[str], list[str]]:
        if old is None:
            return None, [], []
        pkg = self.pkg
        for r in pkg.rels(old.part):
            if r.type == X.REL_DRAWING and r.part in self.deleted:
                rels = pkg.rels(r.part)
                charts = [c.part for c in rels if c.type == X.REL_CHART and c.part in self.deleted]
                media = [m.part for m in rels if m.type == X.REL_IMAGE and m.part in self.deleted
                         and m.part.lower().endswith(".png")]
                return r.part, charts, media
        return None, [], []

    # -- workbook-level parts ----------------------------------------------------
    def _plan_workbook(self, removed: list[SheetInfo], final_order: list[SheetInfo], final_names: list[str],
                       wb_rels: list[Relationship], style_rel: Relationship | None) -> None:
        pkg = self.pkg
        text, utf8 = X.decode_part(pkg.workbook_xml, self.wb)
        data = orig = text.encode("utf-8")
        what = f"{pkg.label}: {self.wb}"
        rels_changed = False
        new_rels = [(r.id, r.type, r.target, r.external) for r in wb_rels]

        # -- removed sheets: <sheet> elements, defined names, views
        removed_idx = {s.index for s in removed}
        index_map: dict[int, int | None] = {}
        k = 0
        for s in pkg.sheets:
            if s.index in removed_idx:
                index_map[s.index] = None
            else:
                index_map[s.index] = k
                k += 1
        doc = _workbook_doc(data, what)
        views = _workbook_views(doc)
        active = 0
        if views:
            a = views[0].attr(data, "activeTab")
            active = int(a.value) if a is not None and a.value.strip().isdigit() else 0
        n_final = len(final_names)
        if n_final == 0:
            raise WorkbookError(f"{pkg.label}: a workbook needs at least one sheet")
        states = [s.state for s in final_order] + ["visible"] * (n_final - len(final_order))
        visible = [i for i, st in enumerate(states) if st == "visible"]
        if not visible:
            raise WorkbookError(f"{pkg.label}: removing these sheets would leave no visible sheet")
        new_active = index_map.get(active, active) if not removed else index_map.get(active)
        if removed and (new_active is None or new_active >= n_final or states[new_active] != "visible"):
            later = [i for i in visible if i >= min(active, n_final - 1)]
            new_active = later[0] if later else visible[-1]
        self.active_tab = new_active
        self.sheet_index_map = index_map

        if removed:
            data = _edit_sheets(data, pkg.sheets, removed_idx, [], {}, what)
            data = _shift_defined_names(data, index_map, what)
            assert new_active is not None  # chosen above whenever sheets are removed
            if views:
                data = _edit_view(data, index_map, new_active, n_final, what)
            removed_rids = {s.rel_id for s in removed}
            new_rels = [r for r in new_rels if r[0] not in removed_rids]
            rels_changed = True

        # -- renamed (case-only) and appended sheets
        renames = {}
        for ns in self.new_sheets:
            if ns.old is not None and ns.old.name != ns.spec.name:
                renames[ns.old.index] = ns.spec.name
        appended = [ns for ns in self.new_sheets if ns.old is None]
        if renames or appended:
            for ns in appended:
                new_rels.append((ns.rel_id, X.REL_WORKSHEET, relative_target(self.wb, ns.part), False))
                rels_changed = True
            remaining = [s for s in pkg.sheets if s.index not in removed_idx]
            data = _edit_sheets(data, remaining, set(), [(ns.spec.name, ns.sheet_id, ns.rel_id) for ns in appended],
                                renames, what)

        # -- print titles and print areas of the sheets we write (sheet-scoped defined names)
        wanted = {final_names.index(ns.part): ns.layout.page.names(ns.spec.name) for ns in self.new_sheets
                  if ns.layout.page is not None}
        data = set_print_names(data.decode("utf-8"), wanted).encode("utf-8")

        # -- formulas without cached values: have Excel compute them on open
        if any(getattr(spec, "formulas", ()) for spec in self.specs):
            data = _ensure_full_calc_on_load(data, what)

        # -- calcChain
        ids = {ns.old.sheet_id for ns in self.new_sheets if ns.old is not None} | {s.sheet_id for s in removed}
        calc_rel = next((r for r in wb_rels if r.type == X.REL_CALC_CHAIN and r.part and pkg.has(r.part)), None)
        if calc_rel is not None and ids:
            calc_part = calc_rel.part
            assert calc_part is not None  # calc_rel was chosen only with a part
            new_calc = _filter_calc_chain(pkg.read(calc_part), ids, calc_part)
            if new_calc is False:
                pass
            elif new_calc is None:
                self.deleted.add(calc_part)
                new_rels = [r for r in new_rels if r[0] != calc_rel.id]
                rels_changed = True
            else:
                self._put_bytes(calc_part, new_calc)

        # -- styles part
        if style_rel is None:
            taken = {n.lower() for n in pkg.names if n not in self.deleted} | {n.lower() for n in self.appended}
            wb_dir = (self.wb_dir + "/") if self.wb_dir else ""
            self.styles_part = wb_dir + "styles.xml"
            if self.styles_part.lower() in taken:
                self.styles_part = self._free_name(wb_dir + "styles{}.xml", taken)
            rid = _next_rid({r[0] for r in new_rels})
            new_rels.append((rid, X.REL_STYLES, relative_target(self.wb, self.styles_part), False))
            rels_changed = True
        else:
            assert style_rel.part is not None  # style_rel was chosen only with a part
            self.styles_part = style_rel.part

        if data != orig or not utf8:
            self._put_bytes(self.wb, data)
        if rels_changed:
            self._put_bytes(self.wb_rels_part, _rels_xml(new_rels))

    def _produce_sheet(self, ns: _NewSheet, tab_selected: bool) -> None:
        lay = ns.layout
        rels: list[tuple[str, str, str, bool]] = []
        used: set[str] = set()
        drawing_rid = None
        if ns.drawing_part:
            drawing_rid = _next_rid(used)
            rels.append((drawing_rid, X.REL_DRAWING, relative_target(ns.part, ns.drawing_part), False))
        table_rids = []
        for t in lay.tables:
            rid = _next_rid(used)
            table_rids.append(rid)
            rels.append((rid, X.REL_TABLE, relative_target(ns.part, t.part), False))

        code_name = self._code_name(ns.old)

        def produce(zw: ZipWriter, name: str, lay=lay, drawing_rid=drawing_rid, table_rids=table_rids,
                    tab_selected=tab_selected, code_name=code_name):
            zw.write_stream(name, iter_worksheet(lay, tab_selected=tab_selected, drawing_rid=drawing_rid,
                                                 table_rids=table_rids, code_name=code_name),
                            size_bound=lay.size_bound())

        self._put(ns.part, produce)
        if rels:
            self._put_bytes(ns.rels_part, _rels_xml(rels))
        for t in lay.tables:
            self._put_bytes(t.part, table_xml(t))
        if ns.drawing_part:
            chart_rids = [f"rId{k + 1}" for k in range(len(ns.chart_parts))]
            pic_rids = [f"rId{len(chart_rids) + k + 1}" for k in range(len(ns.media_parts))]
            self._put_bytes(ns.drawing_part, drawing_xml(lay, chart_rids, pic_rids))
            self._put_bytes(rels_part_of(ns.drawing_part), _rels_xml(
                [(rid, X.REL_CHART, relative_target(ns.drawing_part, c), False)
                 for rid, c in zip(chart_rids, ns.chart_parts)]
                + [(rid, X.REL_IMAGE, relative_target(ns.drawing_part, m), False)
                   for rid, m in zip(pic_rids, ns.media_parts)]))
            for k, (ch, c) in enumerate(zip(lay.spec.charts, ns.chart_parts)):
                self._put_bytes(c, chart_xml(lay, ch, k))
            for pic, m in zip(lay.spec.pictures, ns.media_parts):
                self._put_bytes(m, pic.png, level=0)  # PNG is compressed already

    def _code_name(self, old: SheetInfo | None) -> str | None:
        """VBA code name of the sheet we replace (kept, so the VBA project still matches it)."""
        if old is None or not self.pkg.has(old.part):
            return None
        found: list[str] = []

        class _Stop(Exception):
            pass

        def start(name, attrs):  # names are "namespace local" (namespaces processed by expat)
            if name == X.NS_MAIN + " sheetPr":
                if attrs.get("codeName"):
                    found.append(attrs["codeName"])
                raise _Stop
            if name == X.NS_MAIN + " sheetData":  # sheetPr comes before sheetData
                raise _Stop

        p = X.hardened_parser(namespace_separator=" ")
        p.StartElementHandler = start
        try:
            X.run_parser(p, self.pkg.iter_decompressed(old.part, chunk=1 << 16), old.part)
        except (_Stop, WorkbookError):  # an unreadable old sheet is replaced anyway
            pass
        return found[0] if found else None

    def _plan_content_types(self) -> None:
        pkg = self.pkg
        ct = pkg.content_types
        gone = {d.lower() for d in self.deleted}
        overrides = [(p, t) for p, t in ct.overrides if p.lstrip("/").lower() not in gone]
        have = {p.lower(): i for i, (p, _) in enumerate(overrides)}
        want: dict[str, str] = {}
        for ns in self.new_sheets:
            want[ns.part] = X.CT_WORKSHEET
            for t in ns.layout.tables:
                want[t.part] = X.CT_TABLE
            if ns.drawing_part:
                want[ns.drawing_part] = X.CT_DRAWING
                for c in ns.chart_parts:
                    want[c] = X.CT_CHART
        if self.styles.created:
            want[self.styles_part] = X.CT_STYLES
        for part, typ in want.items():
            key = ("/" + part).lower()
            if key in have:
                i = have[key]
                if overrides[i][1] != typ:
                    overrides[i] = (overrides[i][0], typ)
            else:
                have[key] = len(overrides)
                overrides.append(("/" + part, typ))
        defaults = list(ct.defaults)
        needed_ext = {posixpath.splitext(n)[1][1:].lower() for n in self.appended}
        have_ext = {e.lower() for e, _ in defaults}
        if "rels" in needed_ext and "rels" not in have_ext:
            defaults.append(("rels", X.CT_RELS))
        if "xml" in needed_ext and "xml" not in have_ext:
            defaults.append(("xml", "application/xml"))
        if "png" in needed_ext and "png" not in have_ext:
            defaults.append(("png", "image/png"))
        if overrides != ct.overrides or defaults != ct.defaults:
            self._put_bytes(CONTENT_TYPES, _content_types_xml(defaults, overrides))

    # -- output ------------------------------------------------------------------
    def expectation(self) -> Expectation:
        """What this plan writes, for the check of the written file."""
        return Expectation(
            changed=frozenset(self.replace),
            sheets=tuple(ExpectedSheet(ns.spec.name, ns.part, tuple(
                ExpectedTable(t.spec.name, t.id, t.ref, tuple(X.ooxml_escape(n) for n in t.names))
                for t in ns.layout.tables)) for ns in self.new_sheets),
            removed=tuple(self.remove))

    def checked_parts(self) -> frozenset[str]:
        """Parts parsed as well-formed XML while :meth:`emit` wrote them (waits for their helpers)."""
        return self.stream_checks.checked() if self.stream_checks is not None else frozenset()

    def emit(self, f) -> None:
        pkg = self.pkg
        zw = ZipWriter(f, level=COMPRESS_LEVEL, threads=COMPRESS_THREADS)
        self.stream_checks = zw.stream_checks = StreamChecks()
        try:
            for e in pkg.zip.entries:
                name = e.name
                if name in self.replace:
                    self.replace[name](zw, name)
                elif name in self.deleted:
                    continue
                elif name in zw.names:
                    continue  # duplicate entry name in the source: keep the first
                else:
                    zw.copy_raw(pkg.zip, e)
            for name in self.appended:
                if name not in zw.names:
                    self.replace[name](zw, name)
            zw.close()
        except BaseException:
            zw.abort()
            self.stream_checks.abort()
            raise


# ----------------------------------------------------------------------------
# textual edits of workbook.xml


def _workbook_doc(data: bytes, what: str) -> xe.Doc:
    doc = xe.scan(data, what)
    if (doc.root.ns, doc.root.local) != (X.NS_MAIN, "workbook"):
        raise WorkbookError(f"{what}: not a SpreadsheetML workbook part")
    return doc


def _workbook_views(doc: xe.Doc) -> list[xe.Elem]:
    views = doc.root.child(X.NS_MAIN, "bookViews")
    return views.kids(X.NS_MAIN, "workbookView") if views is not None else []


def _sheet_element(parent: xe.Elem, name: str, sheet_id: int, rel_id: str) -> str:
    """A new ``<sheet>`` inside ``parent``, named with the prefixes in scope there (or declaring its own)."""
    tag, decl = parent.name_for(X.NS_MAIN, "sheet")
    rid, rdecl = parent.attr_name_for(X.NS_R, "id", taken=tag.split(":")[:-1])
    return f'<{tag}{decl}{rdecl} name="{X.plain_attr(name)}" sheetId="{sheet_id}" {rid}="{X.plain_attr(rel_id)}"/>'


def _edit_sheets(data: bytes, sheets: list[SheetInfo], drop_idx: set[int], append: list[tuple[str, int, str]],
                 renames: dict[int, str], what: str) -> bytes:
    """Drop, rename (``renames``: sheet index -> new name) and append (name, sheetId, r:id) ``<sheet>`` entries."""
    doc = _workbook_doc(data, what)
    sheets_el = doc.root.child(X.NS_MAIN, "sheets")
    if sheets_el is None:
        raise WorkbookError(f"{what}: no <sheets> element")
    elems = sheets_el.kids(X.NS_MAIN, "sheet")
    if len(elems) != len(sheets):
        raise WorkbookError(f"{what}: the <sheets> list could not be matched")
    edits: list = []
    for s, e in zip(sheets, elems):
        if s.index in drop_idx:
            edits.append((e.start, e.end, ""))
        elif s.index in renames:
            edits.append(xe.set_attr(data, e, "name", renames[s.index]))
    if append:
        edits += xe.append_children(data, sheets_el, "".join(_sheet_element(sheets_el, *a) for a in append))
    return xe.splice(data, edits)


def _shift_defined_names(data: bytes, index_map: dict[int, int | None], what: str) -> bytes:
    doc = _workbook_doc(data, what)
    dn = doc.root.child(X.NS_MAIN, "definedNames")
    if dn is None:
        return data
    edits = []
    names = dn.kids(X.NS_MAIN, "definedName")
    dropped = 0
    for e in names:
        a = e.attr(data, "localSheetId")
        if a is None or not a.value.strip().isdigit():
            continue
        old = int(a.value)
        new = index_map.get(old, old)
        if new is None:
            edits.append((e.start, e.end, ""))
            dropped += 1
        elif new != old:
            edits.append((*a.value_span, str(new)))
    if dropped and dropped == len(dn.children):  # an emptied <definedNames/> is invalid: drop it
        edits = [(dn.start, dn.end, "")]
    return xe.splice(data, edits)


def _edit_view(data: bytes, index_map: dict[int, int | None], new_active: int, n_final: int, what: str) -> bytes:
    edits = []
    for e in _workbook_views(_workbook_doc(data, what)):
        if e.attr(data, "activeTab") is not None or new_active:
            edits.append(xe.set_attr(data, e, "activeTab", str(new_active)))
        fs = e.attr(data, "firstSheet")
        if fs is not None and fs.value.strip().isdigit():
            old = int(fs.value)
            new = index_map.get(old)
            if new is None:
                later = [v for k, v in sorted(index_map.items()) if k > old and v is not None]
                new = later[0] if later else 0
            edits.append((*fs.value_span, str(min(new, max(n_final - 1, 0)))))
    return xe.splice(data, edits)


def _ensure_full_calc_on_load(data: bytes, what: str) -> bytes:
    doc = _workbook_doc(data, what)
    calc = doc.root.child(X.NS_MAIN, "calcPr")
    if calc is not None:
        a = calc.attr(data, "fullCalcOnLoad")
        if a is not None and a.value in ("1", "true"):
            return data
        return xe.splice(data, [xe.set_attr(data, calc, "fullCalcOnLoad", "1")])
    tag, decl = doc.root.name_for(X.NS_MAIN, "calcPr")
    for after in ("definedNames", "externalReferences", "functionGroups", "sheets"):  # calcPr follows these
        e = doc.root.child(X.NS_MAIN, after)
        if e is not None:
            return xe.splice(data, [(e.end, e.end, f'<{tag}{decl} fullCalcOnLoad="1"/>')])
    raise WorkbookError(f"{what}: cannot place the calculation settings")


def _filter_calc_chain(data: bytes, sheet_ids: set[int], what: str) -> bytes | Literal[False] | None:
    """calcChain without the cells of ``sheet_ids``: new bytes, None (now empty) or False (unchanged)."""
    root = X.parse_xml(data, what)
    entries = []
    cur = 0
    dropped = False
    for el in root:
        if el.tag != X.q(X.NS_MAIN, "c"):
            continue
        i_attr = el.get("i")
        if i_attr is not None:
            try:
                cur = int(i_attr)
            except ValueError:
                pass
        if cur in sheet_ids:
            dropped = True
            continue
        attrs = {k: v for k, v in el.attrib.items() if k not in ("r", "i")}
        entries.append((el.get("r", ""), cur, attrs))
    if not dropped:
        return False
    if not entries:
        return None
    items = []
    prev = None
    for r, i, attrs in entries:
        extra = "".join(f' {k}="{X.plain_attr(v)}"' for k, v in attrs.items() if not k.startswith("{"))
        ia = f' i="{i}"' if i != prev else ""
        prev = i
        items.append(f'<c r="{X.plain_attr(r)}"{ia}{extra}/>')
    return (X.XML_DECL + f'<calcChain xmlns="{X.NS_MAIN}">' + "".join(items) + "</calcChain>").encode()


def _content_types_xml(defaults: list[tuple[str, str]], overrides: list[tuple[str, str]]) -> bytes:
    parts = [X.XML_DECL, f'<Types xmlns="{X.NS_CT}">']
    for ext, typ in defaults:
        parts.append(f'<Default Extension="{X.plain_attr(ext)}" ContentType="{X.plain_attr(typ)}"/>')
    for name, typ in overrides:
        parts.append(f'<Override PartName="{X.plain_attr(name)}" ContentType="{X.plain_attr(typ)}"/>')
    parts.append("</Types>")
    return "".join(parts).encode()

