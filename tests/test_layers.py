"""The dependency rules of ``ARCHITECTURE.md``, read off the source (every import, at any depth).

``gradients.cli -> gradients.catalog -> gradients.proof, the problem modules``, and ``checks``
below them all:

* nothing in ``gradients`` or ``checks`` imports ``benchmarks`` or ``tests`` (they run from a
  checkout and are not installed);
* ``checks`` imports nothing from ``gradients``;
* the problem modules import no catalog and no command line (``gradients/__init__.py`` only
  for its lazy ``gradients.Derivation`` alias, ``gradients/__main__.py`` only for ``main``);
* the catalog does not import the command line; the proof layer imports neither (it proves
  the forms it is given);
* no import circle, at any depth (:func:`test_no_import_circle`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for pkg in ("gradients", "checks") for p in (ROOT / pkg).rglob("*.py"))

# the two documented imports upward, each from a package's entry file
ALLOWED_UPWARD = {
    ("gradients/__init__.py", "gradients.catalog"),
    ("gradients/__main__.py", "gradients.cli"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def against_the_layering(path: Path, name: str) -> bool:
    me = module_name(path)
    if under(name, "benchmarks") or under(name, "tests"):
        return True
    if under(me, "checks"):
        return under(name, "gradients")
    if under(me, "gradients.cli"):
        return False
    if under(me, "gradients.catalog"):
        return under(name, "gradients.cli")
    # a problem module, a helper, or the package's entry files
    upward = under(name, "gradients.catalog") or under(name, "gradients.cli")
    allowed = any(rel(path) == p and under(name, m) for p, m in ALLOWED_UPWARD)
    return upward and not allowed


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_imports_point_down(path):
    bad = sorted(name for name in imports(path) if against_the_layering(path, name))
    assert not bad, f"{rel(path)} imports against the layering: {bad}"


def test_the_rules_see_imports():
    # not vacuous: imports are found (relative ones resolved), and an upward one is refused
    assert "gradients.trace" in imports(ROOT / "gradients/catalog/table.py")
    assert "gradients.catalog" in imports(ROOT / "gradients/cli/selection.py")
    assert "gradients.cli.expr.grammar" in imports(ROOT / "gradients/cli/expr/parsing.py")
    assert "gradients._validation" in imports(ROOT / "gradients/trace.py")
    assert against_the_layering(ROOT / "gradients/trace.py", "gradients.catalog")
    assert against_the_layering(ROOT / "checks/compare.py", "gradients.trace")
    assert against_the_layering(ROOT / "gradients/catalog/table.py", "gradients.cli.commands")
    assert against_the_layering(ROOT / "gradients/cli/commands.py", "benchmarks.plots")
    assert not against_the_layering(ROOT / "gradients/__init__.py", "gradients.catalog")
    assert against_the_layering(ROOT / "gradients/proof/prover.py", "gradients.catalog.table")
    assert not against_the_layering(ROOT / "gradients/catalog/prove.py", "gradients.proof")


def test_architecture_map_names_every_module():
    """ARCHITECTURE.md is the map of the code: every module of the packages appears in it."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "ARCHITECTURE.md").read_text()
    missing = []
    for package in ("checks", "gradients"):
        for path in sorted((root / package).rglob("*.py")):
            if path.name in text:
                continue
            missing.append(str(path.relative_to(root)))
    assert not missing, f"modules missing from ARCHITECTURE.md: {missing}"


# --------------------------------------------------------------------------- no circles


def module_graph(roots: tuple[str, ...] = ("checks", "gradients", "benchmarks")
                 ) -> dict[str, set[str]]:
    """Which of the project's modules each module imports, at any depth (function-level
    imports too: a lazy import that closes a circle is still a circle of ideas).

    ``from a import b`` is an edge to ``a.b`` when that is a module, else to ``a``. The
    implicit import of a module's own parent packages is not an edge.
    """
    paths = {module_name(p): p for r in roots for p in (ROOT / r).rglob("*.py")
             if p.name != "__main__.py"}
    graph: dict[str, set[str]] = {}
    for me, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in paths)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    anchor = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for a in node.names:
                    if f"{base}.{a.name}" in paths:
                        found.add(f"{base}.{a.name}")
                    elif base in paths:
                        found.add(base)
        graph[me] = {m for m in found if m != me and not me.startswith(m + ".")}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    found = circles(module_graph())
    assert not found, f"import circles (each a set of modules importing each other): {found}"


def test_the_circle_rule_sees_a_circle():
    # not vacuous: a planted circle is found, and the real graph has edges at every depth
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = module_graph()
    assert "gradients.proof.exact" in graph["gradients.proof.canonical"]
    assert "gradients.catalog.table" in graph["gradients.catalog.markdown"]  # inside a function
