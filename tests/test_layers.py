"""The dependency rules of ``ARCHITECTURE.md``, read off the source (every import, at any depth).

``gradients.cli -> gradients.catalog -> the problem modules``, and ``checks`` below them all:

* nothing in ``gradients`` or ``checks`` imports ``benchmarks`` or ``tests`` (they run from a
  checkout and are not installed);
* ``checks`` imports nothing from ``gradients``;
* the problem modules import no catalog and no command line (``gradients/__init__.py`` only
  for its lazy ``gradients.Derivation`` alias, ``gradients/__main__.py`` only for ``main``);
* the catalog does not import the command line.
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
    assert "gradients.catalog" in imports(ROOT / "gradients/cli/commands.py")
    assert "gradients.cli.expr.grammar" in imports(ROOT / "gradients/cli/expr/parsing.py")
    assert "gradients._validation" in imports(ROOT / "gradients/trace.py")
    assert against_the_layering(ROOT / "gradients/trace.py", "gradients.catalog")
    assert against_the_layering(ROOT / "checks/compare.py", "gradients.trace")
    assert against_the_layering(ROOT / "gradients/catalog/table.py", "gradients.cli.commands")
    assert against_the_layering(ROOT / "gradients/cli/commands.py", "benchmarks.plots")
    assert not against_the_layering(ROOT / "gradients/__init__.py", "gradients.catalog")


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
