"""The one interpreter of candidate text: a walk of the validated tree over a back end.

A candidate is parsed and validated once (:mod:`.parsing`, :mod:`.validation`); what it
*means* is then this walk: the statements in order, each assignment binding a new name, and
every node of the grammar (constants, names, ``np.`` constants, ``.T`` and ``.shape``, unary
and binary operators, comparisons, calls of the table's functions and methods, indexing)
handed to the back end's operation for it. Two back ends subclass :class:`Walker`:

* the numeric one (:class:`.evaluation._Evaluator`): numpy arrays, with the size, work and
  allocation of every operation estimated and bounded before it runs;
* the symbolic one (:class:`.symbolic._Interpreter`): SymPy matrices of symbols at fixed
  sizes, or matrices of symbolic size, for ``try --prove``.

Keyword arguments and indices are literals (the grammar allows nothing else), read off the
tree by :func:`static_index` and :func:`.literals._static_value`.

>>> import ast
>>> class Printer(Walker):
...     def constant(self, node): return str(node.value)
...     def binop(self, node, left, right): return f"({left} {type(node.op).__name__} {right})"
>>> Printer({"x": "x"}).program(ast.parse("y = x + 1; y * 2"))
'((x Add 1) Mult 2)'
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from .grammar import _DTYPES
from .literals import _dotted, _static_value

__all__ = ["Walker", "static_index"]


def static_index(node: ast.AST) -> Any:
    """The index of a subscript: literals, slices of literals, tuples of them, ``np.newaxis``."""
    if isinstance(node, ast.Tuple):
        return tuple(static_index(e) for e in node.elts)
    if isinstance(node, ast.Slice):
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if p is None else _static_value(p) for p in parts))
    if isinstance(node, ast.Attribute):  # np.newaxis
        return None
    return _static_value(node)


class Walker:
    """Walks a validated tree; each node type is one method of the back end (a subclass).

    A back end implements the operations its candidates use; one it does not implement
    refuses the node (:meth:`refuse`).
    """

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = dict(env)

    # --- the walk ------------------------------------------------------------------------

    def program(self, module: ast.Module) -> Any:
        """Run the assignments in order, binding each name; the last expression's value."""
        *assignments, last = module.body
        for stmt in assignments:
            assert isinstance(stmt, ast.Assign)
            self.env[stmt.targets[0].id] = self.statement(stmt.value)  # type: ignore[attr-defined]
        assert isinstance(last, ast.Expr)
        return self.finish(self.statement(last.value), last.value)

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.env[node.id] if node.id in self.env else self.unbound(node)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                return self.named_constant(node, dotted)
            if node.attr == "T":
                return self.transpose(node, self.eval(node.value))
            return self.attribute(node, self.eval(node.value))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, self.eval(node.operand))
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left)
            return self.binop(node, left, self.eval(node.right))
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            return self.compare(node, left, self.eval(node.comparators[0]))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else _dotted(func)
            receiver = []
            if name is None and isinstance(func, ast.Attribute):  # a method: x.reshape(...)
                name = f".{func.attr}"
                receiver = [self.eval(func.value)]
            args = receiver + [self.argument(a) for a in node.args]
            kwargs = {kw.arg: _static_value(kw.value) for kw in node.keywords}
            return self.call(node, name, args, kwargs)
        if isinstance(node, ast.Tuple):  # a shape or axes argument: (2, -1)
            return tuple(self.eval(e) for e in node.elts)
        if isinstance(node, ast.Subscript):
            value = self.eval(node.value)
            return self.subscript(node, value, static_index(node.slice))
        return self.refuse(node)

    def argument(self, node: ast.AST) -> Any:
        """An argument's value; the literal text of einsum's subscripts and of a type name in
        ``.astype(float)`` (the validator allows them only there)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id not in self.env and node.id in _DTYPES:
            return node.id
        return self.eval(node)

    # --- hooks: how a statement runs, and what the program returns -------------------------

    def statement(self, node: ast.AST) -> Any:
        """The value of one statement's expression (a back end may wrap its errors)."""
        return self.eval(node)

    def finish(self, value: Any, node: ast.AST) -> Any:
        """The program's result from its last expression's value."""
        return value

    # --- the operations (a back end implements those its candidates use) -------------------

    def refuse(self, node: ast.AST) -> Any:
        raise NotImplementedError(f"{type(node).__name__} is not supported by this back end")

    def constant(self, node: ast.Constant) -> Any:
        return self.refuse(node)

    def unbound(self, node: ast.Name) -> Any:
        return self.refuse(node)

    def named_constant(self, node: ast.Attribute, dotted: str) -> Any:
        return self.refuse(node)

    def transpose(self, node: ast.Attribute, value: Any) -> Any:
        return self.refuse(node)

    def attribute(self, node: ast.Attribute, value: Any) -> Any:
        """``value.shape`` (the grammar's other attribute)."""
        return self.refuse(node)

    def unary(self, node: ast.UnaryOp, value: Any) -> Any:
        return self.refuse(node)

    def binop(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        return self.refuse(node)

    def compare(self, node: ast.Compare, left: Any, right: Any) -> Any:
        return self.refuse(node)

    def call(self, node: ast.Call, name: str | None, args: list[Any],
             kwargs: dict[str, Any]) -> Any:
        return self.refuse(node)

    def subscript(self, node: ast.Subscript, value: Any, index: Any) -> Any:
        return self.refuse(node)
