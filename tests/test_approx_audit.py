"""Every ``pytest.approx``, ``np.allclose`` and ``np.isclose`` in the suite names its
absolute tolerance.

``pytest.approx(expected, rel=r)`` still accepts anything within pytest's default absolute
tolerance, 1e-12: a comparison of an error bar of 1e-15, or a round-off term in ``EPS``,
passed whatever the value was. ``np.allclose`` and ``np.isclose`` default to ``atol=1e-8``:
a tolerance of ``1e-9 + ...`` compared with ``rtol=1e-12`` passed within 1e-8. So each call
says ``abs=`` / ``atol=`` (0 where the relative bound alone is meant), read off the source.
A negated ``np.allclose`` (``assert not np.allclose(a, b)``: they differ) keeps numpy's
default: there a looser tolerance makes the assertion stronger, not weaker.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


_ABSOLUTE = {("pytest", "approx"): "abs", ("np", "allclose"): "atol", ("np", "isclose"): "atol"}


def approx_without_abs(source: str) -> list[int]:
    """The lines of the calls of :data:`_ABSOLUTE` in ``source`` that do not name their
    absolute tolerance (a negated ``np.allclose`` / ``np.isclose`` aside)."""
    tree = ast.parse(source)
    negated = {id(node.operand) for node in ast.walk(tree)
               if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)}
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)):
            continue
        name = _ABSOLUTE.get((node.func.value.id, node.func.attr))
        if name is None or (name == "atol" and id(node) in negated):
            continue
        if all(k.arg != name for k in node.keywords):
            out.append(node.lineno)
    return sorted(out)


# (this file shows the loose default on purpose, once)
@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "tests").glob("*.py")
                                        if p.name != "test_approx_audit.py"),
                         ids=lambda p: p.name)
def test_every_approx_names_its_absolute_tolerance(path):
    lines = approx_without_abs(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.name}: pytest.approx without abs= at lines {lines}"


def test_the_rule_sees_a_missing_abs():
    # not vacuous: the calls the rule is about are found, and the default really is loose
    src = ("import pytest\nassert x == pytest.approx(1e-15, rel=1e-9)\n"
           "b = pytest.approx(2, abs=0)\nassert np.allclose(a, b)\n"
           "assert not np.allclose(a, c)\nnp.isclose(a, b, atol=0)\n")
    assert approx_without_abs(src) == [2, 4]
    assert np.allclose(2e-9, 1e-9)  # numpy's looseness too
    assert 3e-15 == pytest.approx(1e-15, rel=1e-9)  # the looseness itself
