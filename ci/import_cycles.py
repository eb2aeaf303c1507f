"""Fail (exit 1) when modules of salesops_xl import each other in a circle, function-level imports included.

    python ci/import_cycles.py            # prints each circle and the import lines that close it
Imports under ``if TYPE_CHECKING:`` are left out (they never run).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] if len(sys.argv) < 2 else Path(sys.argv[1])
PKG = ROOT / "salesops_xl"


def modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def imports(name: str, path: Path, known: dict[str, Path]):
    is_pkg = path.name == "__init__.py"

    def walk(node):
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, ast.If) and "TYPE_CHECKING" in ast.unparse(ch.test):
                continue
            if isinstance(ch, ast.Import):
                for a in ch.names:
                    yield a.name, ch.lineno
            elif isinstance(ch, ast.ImportFrom):
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                if ch.level:
                    base = base[:len(base) - (ch.level - 1)]
                    target = ".".join(base + ([ch.module] if ch.module else []))
                else:
                    target = ch.module or ""
                yield target, ch.lineno
                for a in ch.names:
                    if f"{target}.{a.name}" in known:
                        yield f"{target}.{a.name}", ch.lineno
            else:
                yield from walk(ch)

    for target, line in walk(ast.parse(path.read_text(encoding="utf-8"))):
        while target and target not in known and "." in target:
            target = target.rsplit(".", 1)[0]
        if target in known and target != name:
            yield target, line


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10_000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    known = modules()
    lines: dict[tuple[str, str], list[int]] = {}
    graph: dict[str, set[str]] = {m: set() for m in known}
    for m, p in known.items():
        for t, line in imports(m, p, known):
            graph[m].add(t)
            lines.setdefault((m, t), []).append(line)
    found = cycles(graph)
    for comp in found:
        print(f"circle of {len(comp)} modules: {', '.join(comp)}")
        members = set(comp)
        for a in comp:
            for b in sorted(graph[a] & members):
                print(f"    {a} -> {b} (line {', '.join(map(str, lines[(a, b)]))})")
    print(f"{len(found)} circle(s) of imports among {len(known)} modules")
    # layering: the shared top level never imports a capability (the registry finds them by name)
    caps = {m.split(".")[1] for m in known if "." in m and (PKG / m.split(".")[1] / "capability.py").exists()} | {"accounting"}
    doors = ("salesops_xl.batch", "salesops_xl.addin", "salesops_xl.cli")
    bad = sorted((a, b) for a in graph for b in graph[a]
                 if a.count(".") == 1 and not a.startswith(doors) and b.split(".")[1:2] and b.split(".")[1] in caps
                 and b.count(".") >= 1 and a.split(".")[1] not in caps)
    for a, b in bad:
        print(f"    layering: {a} imports {b} (line {', '.join(map(str, lines[(a, b)]))})")
    print(f"{len(bad)} import(s) of a capability from the shared top level")
    return 1 if found or bad else 0


if __name__ == "__main__":
    sys.exit(main())
