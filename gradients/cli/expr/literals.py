"""Reading literals off the syntax tree, and arithmetic on Python scalars.

Shared by :mod:`.validation` (a constant exponent is folded and bounded before anything runs)
and :mod:`.evaluation` (the same bounded arithmetic at run time).
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from . import grammar
from .grammar import _BINOPS, _UNARYOPS, ExpressionError

_INT64 = 2**63


# --- literals --------------------------------------------------------------------------------


def _dotted(node: ast.AST) -> str | None:
    """``"np.linalg.inv"`` for a chain of attributes on the name ``np``, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "np":
        return ".".join(["np", *reversed(parts)])
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_signed_int(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and _is_int(node.value)


def _static_value(node: ast.AST) -> Any:
    """The value of a literal accepted by :meth:`.validation._Validator.keyword_value`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        value = node.operand.value  # type: ignore[attr-defined]
        return -value if isinstance(node.op, ast.USub) else value
    return tuple(_static_value(e) for e in node.elts)  # type: ignore[attr-defined]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unparse(node: ast.AST) -> str:
    try:
        return _short(ast.unparse(node))
    except Exception:  # noqa: BLE001 - a malformed tree built by hand: name its type
        return type(node).__name__


# --- arithmetic on Python scalars ------------------------------------------------------------


def _normalise(value: Any) -> Any:
    """A Python int outside the int64 range becomes a float (``inf`` beyond float64).

    So numpy never sees an unbounded integer (it would make an ``object`` array).
    """
    if _is_int(value) and not -_INT64 <= value < _INT64:
        try:
            return float(value)
        except OverflowError:  # beyond float64, like the literal 1e400: infinite
            return math.inf if value > 0 else -math.inf
    return value


def _is_python_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _binary(op: ast.operator, left: Any, right: Any) -> Any:
    """``left <op> right`` with the bounds of :mod:`gradients.cli.expr` ("Bounds")."""
    if _is_python_number(left) and _is_python_number(right):
        if isinstance(op, ast.Pow):
            if _is_int(left) and _is_int(right) and 0 <= right <= grammar.MAX_EXPONENT:
                return _normalise(left**right)  # at most 63 * 64 bits: instant
            return np.float64(left) ** np.float64(right)  # numpy semantics: inf/nan, no raise
        if isinstance(op, ast.Div):
            return np.float64(left) / np.float64(right)
    return _normalise(_BINOPS[type(op)][1](left, right))


def _fold(node: ast.AST) -> float | int | None:
    """The value of a constant sub-expression (numbers and arithmetic only), else ``None``.

    >>> import ast
    >>> _fold(ast.parse("2 ** 10 - 1", mode="eval").body)
    1023
    >>> _fold(ast.parse("2 * X", mode="eval").body) is None    # X is not a constant
    True
    """
    if isinstance(node, ast.Constant):
        value = node.value
        return value if _is_python_number(value) else None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARYOPS:
        value = _fold(node.operand)
        return None if value is None else _UNARYOPS[type(node.op)][1](value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        if isinstance(node.op, ast.MatMult):
            return None
        left, right = _fold(node.left), _fold(node.right)
        if left is None or right is None:
            return None
        try:
            with np.errstate(all="ignore"):
                return _binary(node.op, _normalise(left), _normalise(right))
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ExpressionError(
                f"constant {_unparse(node)!r} could not be evaluated: {exc}"
            ) from exc
    return None
