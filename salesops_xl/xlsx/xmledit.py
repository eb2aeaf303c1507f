"""Namespace-aware, position-preserving edits of small XML parts (``workbook.xml``, ``styles.xml``).

The writer changes a few elements of parts it does not own and must keep the
rest of them byte for byte (extensions, ``mc:Ignorable`` prefixes, comments,
the order of attributes). So it does not re-serialise a tree: :func:`scan`
parses the part with expat, with namespaces processed as XML defines them,
and records for every element its namespace, local name, qualified name as
written, byte positions and the prefix declarations in scope; edits are then
splices at those positions (:func:`splice`).

A new element or attribute is named with a prefix bound to its namespace
*where it is inserted* (:meth:`Elem.name_for`, :meth:`Elem.attr_name_for`);
when none is in scope there, the new element declares one itself. Nothing is
ever looked up in the text of a part: a declaration on a sibling (openpyxl
with lxml writes ``xmlns:r`` on each ``<sheet>``) is not in scope, and an
unusual prefix (``x:``, ``ns0:``) is as good as the usual one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import WorkbookError
from . import xmlutil as X

# A start tag of a well-formed document (expat has checked it): its name, attributes and end.
_START_TAG = re.compile(rb"""<[^\s/>]+((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ATTR = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")


@dataclass
class Attr:
    qname: str  # as written, e.g. "r:id"
    value: str  # raw (still escaped) text between the quotes
    span: tuple[int, int]  # byte offsets of the whole ` name="value"`
    value_span: tuple[int, int]  # byte offsets of the value between the quotes


@dataclass
class Elem:
    ns: str | None
    local: str
    qname: str  # as written, e.g. "x:sheet"
    start: int  # offset of "<"
    head_end: int  # offset just after the start tag's ">"
    end: int = 0  # offset just after the element (its end tag, or the start tag when empty)
    close: int = 0  # offset of its end tag "</" (the head end when empty): where content may be appended
    empty: bool = False  # written as <a/>
    scope: dict[str, str] = field(default_factory=dict)  # prefix ('' = default) -> namespace, inside the element
    parent: Elem | None = None
    children: list[Elem] = field(default_factory=list)

    def child(self, ns: str, local: str) -> Elem | None:
        return next((c for c in self.children if c.ns == ns and c.local == local), None)

    def kids(self, ns: str, local: str) -> list[Elem]:
        return [c for c in self.children if c.ns == ns and c.local == local]

    # -- names for new nodes inside this element ------------------------------------
    def name_for(self, ns: str, local: str) -> tuple[str, str]:
        """(qualified name, declaration to put on the new element) of a child element in ``ns``."""
        if self.scope.get("") == ns:
            return local, ""
        for p, u in self.scope.items():
            if p and u == ns:
                return f"{p}:{local}", ""
        return local, f' xmlns="{X.plain_attr(ns)}"'

    def attr_name_for(self, ns: str, local: str, taken: Iterable[str] = ()) -> tuple[str, str]:
        """(qualified name, declaration) of an attribute in ``ns`` on a new child element.

        Attributes take no default namespace, so this needs a prefix: one bound
        to ``ns`` in scope, or else a fresh one declared on the new element
        (not one of ``taken``, the prefixes the new element's own name uses).
        """
        for p, u in self.scope.items():
            if p and u == ns:
                return f"{p}:{local}", ""
        taken = set(taken)
        p, k = "r", 1
        while p in taken or p.lower().startswith("xml"):
            p, k = f"r{k}", k + 1
        return f"{p}:{local}", f' xmlns:{p}="{X.plain_attr(ns)}"'

    # -- attributes of this element --------------------------------------------------
    def attrs(self, data: bytes) -> list[Attr]:
        head = data[self.start:self.head_end]
        m = _START_TAG.match(head)
        assert m is not None  # self.start..head_end was found by matching a start tag
        out = []
        base = self.start + m.start(1)
        for am in _ATTR.finditer(m.group(1)):
            v0, v1 = am.span(2)
            out.append(Attr(am.group(1).decode("utf-8"), am.group(2)[1:-1].decode("utf-8"),
                            (base + am.start(), base + am.end()), (base + v0 + 1, base + v1 - 1)))
        return out

    def attr(self, data: bytes, name: str) -> Attr | None:
        """An attribute without a namespace (``name="..."``, never ``p:name``)."""
        return next((a for a in self.attrs(data) if a.qname == name), None)

    def attr_insert_at(self) -> int:
        """Offset where a new attribute may be inserted (before ``>`` or ``/>``)."""
        return self.head_end - (2 if self.empty else 1)


@dataclass
class Doc:
    data: bytes
    root: Elem


def scan(data: bytes, what: str) -> Doc:
    """Parse ``data`` (UTF-8) and return its element tree with positions and namespace scopes.

    Refuses DTDs and entity declarations like :func:`~.xmlutil.parse_xml`, and
    any XML that is not namespace-well-formed (an unbound prefix).
    """
    p = X.hardened_parser(namespace_separator=" ")
    p.namespace_prefixes = True
    stack: list[Elem] = []
    pending: dict[str, str] = {}
    root: list[Elem] = []

    def ns_decl(prefix, uri):
        pending[prefix or ""] = uri or ""

    def start(name, _attrs):
        pos = p.CurrentByteIndex
        m = _START_TAG.match(data, pos)
        if m is None:  # pragma: no cover - expat accepted it
            raise WorkbookError(f"{what}: cannot locate an element at byte {pos}")
        bits = name.split(" ")
        if len(bits) == 1:
            ns, local, prefix = None, bits[0], ""
        else:
            ns, local, prefix = bits[0], bits[1], (bits[2] if len(bits) > 2 else "")
        parent = stack[-1] if stack else None
        scope = dict(parent.scope) if parent else {}
        if pending:
            scope.update(pending)
            pending.clear()
        scope = {k: v for k, v in scope.items() if v}  # xmlns="" undeclares the default namespace
        e = Elem(ns, local, f"{prefix}:{local}" if prefix else local, pos, m.end(), empty=bool(m.group(2)),
                 scope=scope, parent=parent)
        if parent is not None:
            parent.children.append(e)
        else:
            root.append(e)
        stack.append(e)

    def end(_name):
        e = stack.pop()
        if e.empty:
            e.close = e.end = e.head_end
        else:
            e.close = p.CurrentByteIndex
            e.end = data.index(b">", e.close) + 1

    p.StartNamespaceDeclHandler = ns_decl
    p.StartElementHandler = start
    p.EndElementHandler = end
    X.run_parser(p, data, what)
    return Doc(data, root[0])


def splice(data: bytes, edits: Iterable[tuple[int, int, str | bytes]]) -> bytes:
    """Apply non-overlapping replacements ``(start, end, text)`` to ``data``."""
    out = []
    pos = 0
    for a, b, text in sorted(edits, key=lambda e: (e[0], e[1])):
        if a < pos:
            raise WorkbookError("internal error: overlapping XML edits")
        out.append(data[pos:a])
        out.append(text.encode("utf-8") if isinstance(text, str) else text)
        pos = b
    out.append(data[pos:])
    return b"".join(out)


def set_attr(data: bytes, e: Elem, name: str, value: str) -> tuple[int, int, str]:
    """The edit that sets the un-namespaced attribute ``name`` of ``e`` (added when missing)."""
    a = e.attr(data, name)
    v = X.plain_attr(value)
    if a is not None:
        s, t = a.span
        return s, t, f' {name}="{v}"'
    at = e.attr_insert_at()
    return at, at, f' {name}="{v}"'


def append_children(data: bytes, e: Elem, items: str) -> list[tuple[int, int, str]]:
    """The edits that append ``items`` (markup) as the last children of ``e`` (opening it if empty)."""
    if not e.empty:
        return [(e.close, e.close, items)]
    # <x:sheets/> -> <x:sheets>items</x:sheets>
    return [(e.head_end - 2, e.head_end, f">{items}</{e.qname}>")]
