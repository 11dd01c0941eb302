"""Every ``pytest.approx`` in the suite names its absolute tolerance.

``pytest.approx(expected, rel=r)`` still accepts anything within pytest's default absolute
tolerance, 1e-12: a comparison of an error bar of 1e-15, or a round-off term in ``EPS``,
passed whatever the value was. So each call says ``abs=`` (``abs=0`` where the relative
bound alone is meant), read off the source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def approx_without_abs(source: str) -> list[int]:
    """The lines of the ``pytest.approx`` calls in ``source`` that give no ``abs=``."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "approx" and isinstance(node.func.value, ast.Name)
                  and node.func.value.id == "pytest"
                  and all(k.arg != "abs" for k in node.keywords))


# (this file shows the loose default on purpose, once)
@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "tests").glob("*.py")
                                        if p.name != "test_approx_audit.py"),
                         ids=lambda p: p.name)
def test_every_approx_names_its_absolute_tolerance(path):
    lines = approx_without_abs(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.name}: pytest.approx without abs= at lines {lines}"


def test_the_rule_sees_a_missing_abs():
    # not vacuous: the calls the rule is about are found, and the default really is loose
    src = "import pytest\nassert x == pytest.approx(1e-15, rel=1e-9)\nb = pytest.approx(2, abs=0)\n"
    assert approx_without_abs(src) == [2]
    assert 3e-15 == pytest.approx(1e-15, rel=1e-9)  # the looseness itself
