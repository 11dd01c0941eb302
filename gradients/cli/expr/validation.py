"""The whitelist: walk a parsed candidate and refuse anything outside the grammar.

:class:`_Validator` raises :class:`~.grammar.ExpressionError` naming the offending part: for
one expression (:meth:`_Validator.value`) or a program of ``name = expression`` statements
ending with an expression (:meth:`_Validator.program`); :func:`_check_variables` refuses
variable names that could reach anything but a value.

>>> from gradients.cli.expr import parse_program
>>> parse_program("S = X @ X; S.T", ("X",)).body[-1].value.attr
'T'
>>> parse_program("import os; X", ("X",))
Traceback (most recent call last):
...
gradients.cli.expr.grammar.ExpressionError: import statement 'import os' is not allowed
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Collection

from . import grammar
from .einsum import _parse_subscripts
from .grammar import (
    _ATTRIBUTES,
    _BINOPS,
    _COMPARISONS,
    _CONSTANTS,
    _DESCRIPTIONS,
    _DTYPES,
    _FUNCTIONS,
    _HELPERS,
    _METHODS,
    _REFUSED_BINOPS,
    _REFUSED_COMPARISONS,
    _REFUSED_UNARYOPS,
    _UNARYOPS,
    ALLOWED_ATTRIBUTES,
    ALLOWED_METHODS,
    ExpressionError,
    _Function,
)
from .literals import _dotted, _fold, _is_int, _is_signed_int, _short, _unparse


def _check_variables(variables: Collection[str]) -> frozenset[str]:
    names = frozenset(variables)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"variable name {name!r} is not a Python identifier")
        if name.startswith("_"):
            raise ValueError(f"variable name {name!r} may not start with '_'")
        if name == "np":
            raise ValueError("'np' is reserved for numpy and can't be a variable name")
    return names


_ONLY = f"only {' and '.join(ALLOWED_ATTRIBUTES)}; methods {', '.join(ALLOWED_METHODS)}"


class _Validator:
    """Whitelist walk of a parsed expression or program; raises :class:`ExpressionError`.

    ``variables`` are the names a value may use; :meth:`program` adds each assigned name
    after its statement (a name assigned before may be assigned again, a variable may not).
    """

    def __init__(self, variables: frozenset[str], text: str | None) -> None:
        self.variables = variables
        self.given = variables  # the problem's variables: never reassigned
        self.text = text

    # a program: `name = expression` statements, then the expression of the answer
    def program(self, module: ast.Module) -> None:
        body = module.body
        if not body:
            raise ExpressionError("the candidate is empty: write an expression, e.g. 2 * X")
        if len(body) > grammar.MAX_STATEMENTS:
            raise ExpressionError(
                f"too many statements ({len(body)}; at most {grammar.MAX_STATEMENTS})"
            )
        for stmt in body:  # refuse foreign statements first, whatever their position
            if not isinstance(stmt, (ast.Assign, ast.Expr)):
                raise self.refuse(stmt)
        for i, stmt in enumerate(body):
            last = i == len(body) - 1
            if isinstance(stmt, ast.Expr):
                if not last:
                    raise ExpressionError(
                        f"{self.snippet(stmt)!r} is not the last statement: every statement "
                        "before the last must be an assignment, name = expression"
                    )
                self.value(stmt.value, 1)
                continue
            assert isinstance(stmt, ast.Assign)
            target = self.assignment_target(stmt)
            if last:
                raise ExpressionError(
                    f"the last statement {self.snippet(stmt)!r} is an assignment; end with the "
                    f"expression of the answer, e.g. '...; {target}'"
                )
            self.value(stmt.value, 1)
            self.variables = self.variables | {target}

    def assignment_target(self, stmt: ast.Assign) -> str:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise ExpressionError(
                f"assignment {self.snippet(stmt)!r} is not allowed (only name = expression, "
                "one name)"
            )
        name = stmt.targets[0].id
        self.name(name)
        if name == "np":
            raise ExpressionError("'np' is reserved for numpy and can't be assigned")
        if name in self.given:
            raise ExpressionError(
                f"{name!r} is a variable of the problem and can't be reassigned; assign the "
                "intermediate to a new name"
            )
        if name in _HELPERS:
            raise ExpressionError(f"{name!r} is a function; assign to another name")
        return name

    def snippet(self, node: ast.AST) -> str:
        if self.text is not None:
            try:
                segment = ast.get_source_segment(self.text, node)
            except Exception:  # noqa: BLE001 - positions missing or wrong: fall back
                segment = None
            if segment:
                return _short(" ".join(segment.split()))
        return _unparse(node)

    def refuse(self, node: ast.AST) -> ExpressionError:
        kind = _DESCRIPTIONS.get(type(node).__name__, f"syntax {type(node).__name__}")
        return ExpressionError(f"{kind} {self.snippet(node)!r} is not allowed")

    def allowed_names(self) -> str:
        return ", ".join([*sorted(self.variables), "np"])

    def name(self, name: str) -> None:
        if name.startswith("_"):
            raise ExpressionError(f"name {name!r} is not allowed (names starting with '_')")

    def attribute(self, attr: str) -> None:
        if attr.startswith("_"):
            raise ExpressionError(f"attribute access '.{attr}' is not allowed ({_ONLY})")

    # value context: anything that evaluates to a number or an array
    def value(self, node: ast.AST, depth: int) -> None:
        if depth > grammar.MAX_DEPTH:
            raise ExpressionError(
                f"expression is nested too deeply (at most {grammar.MAX_DEPTH} levels)"
            )
        if isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Name):
            self.value_name(node)
        elif isinstance(node, ast.BinOp):
            self.binop(node, depth)
        elif isinstance(node, ast.Compare):
            self.compare(node, depth)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARYOPS:
                op = _REFUSED_UNARYOPS.get(type(node.op), type(node.op).__name__)
                raise ExpressionError(f"operator {op!r} in {self.snippet(node)!r} is not allowed")
            self.value(node.operand, depth + 1)
        elif isinstance(node, ast.Attribute):
            self.value_attribute(node, depth)
        elif isinstance(node, ast.Call):
            self.call(node, depth)
        elif isinstance(node, ast.Subscript):
            self.value(node.value, depth + 1)
            self.index(node.slice, depth + 1)
        else:
            raise self.refuse(node)

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if _is_int(value) or isinstance(value, float):
            return
        if isinstance(value, str):
            kind = "string constant"
        elif isinstance(value, bytes):
            kind = "bytes constant"
        elif isinstance(value, complex):
            kind = "complex constant"
        elif value is None or value is Ellipsis:
            raise ExpressionError(
                f"{self.snippet(node)!r} is allowed only in an index, e.g. x[:, None]"
            )
        else:
            kind = "constant"
        raise ExpressionError(
            f"{kind} {self.snippet(node)!r} is not allowed (only int and float numbers)"
        )

    def value_name(self, node: ast.Name) -> None:
        name = node.id
        self.name(name)
        if name in self.variables:
            return
        if name == "np":
            raise ExpressionError("'np' alone is not a value; use np.<function>(...)")
        if name in _HELPERS:
            raise ExpressionError(f"function {name!r} must be called, e.g. {name}(x)")
        raise ExpressionError(f"name {name!r} is not defined; allowed: {self.allowed_names()}")

    def binop(self, node: ast.BinOp, depth: int) -> None:
        if type(node.op) not in _BINOPS:
            op = _REFUSED_BINOPS.get(type(node.op), type(node.op).__name__)
            raise ExpressionError(f"operator {op!r} in {self.snippet(node)!r} is not allowed")
        self.value(node.left, depth + 1)
        self.value(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            exponent = _fold(node.right)
            if exponent is not None:
                bounded = abs(exponent) <= grammar.MAX_EXPONENT  # False for nan
                if not bounded:
                    raise ExpressionError(
                        f"exponent {self.snippet(node.right)} too large "
                        f"(|exponent| <= {grammar.MAX_EXPONENT} allowed)"
                    )

    def compare(self, node: ast.Compare, depth: int) -> None:
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                name = _REFUSED_COMPARISONS.get(type(op), type(op).__name__)
                raise ExpressionError(
                    f"operator {name!r} in {self.snippet(node)!r} is not allowed (only ==, !=, "
                    "<, <=, >, >=)"
                )
        if len(node.ops) != 1:
            raise ExpressionError(
                f"chained comparison {self.snippet(node)!r} is not allowed; combine single "
                "comparisons with np.logical_and(a < b, b < c)"
            )
        self.value(node.left, depth + 1)
        self.value(node.comparators[0], depth + 1)

    def value_attribute(self, node: ast.Attribute, depth: int) -> None:
        self.attribute(node.attr)
        dotted = _dotted(node)
        if dotted is None:
            if node.attr not in _ATTRIBUTES:
                raise ExpressionError(f"attribute access '.{node.attr}' is not allowed ({_ONLY})")
            self.value(node.value, depth + 1)
            return
        if dotted in _CONSTANTS:
            return
        if dotted == "np.newaxis":
            raise ExpressionError("np.newaxis is allowed only in an index, e.g. x[:, np.newaxis]")
        if dotted in _FUNCTIONS:
            raise ExpressionError(f"function {dotted} must be called, e.g. {dotted}(x)")
        raise ExpressionError(
            f"attribute {dotted} is not allowed (only np.<function>(...) from the table, "
            "np.pi, np.e, np.inf, np.newaxis)"
        )

    def call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.name(func.id)
            if func.id in self.variables:
                raise ExpressionError(f"{func.id!r} is a variable, not a function")
            name = func.id
            if name not in _HELPERS:
                raise ExpressionError(
                    f"function {name!r} is not allowed (only np.<function>(...) from the "
                    f"table, {', '.join(sorted(_HELPERS))})"
                )
        elif isinstance(func, ast.Attribute):
            self.attribute(func.attr)
            dotted = _dotted(func)
            if dotted is None:
                if func.attr not in _METHODS:
                    raise ExpressionError(
                        f"method call '.{func.attr}(...)' is not allowed (only "
                        f"{', '.join(f'.{m}(...)' for m in sorted(_METHODS))}; call "
                        "np.<function>(x) instead)"
                    )
                self.value(func.value, depth + 1)
                self.arguments(node, f".{func.attr}", _METHODS[func.attr], depth)
                return
            for part in dotted.split("."):
                self.attribute(part)
            if dotted not in _FUNCTIONS:
                raise ExpressionError(f"function {dotted} is not allowed")
            name = dotted
        else:
            raise ExpressionError(f"call of {self.snippet(func)!r} is not allowed")
        self.arguments(node, name, _FUNCTIONS[name], depth)

    def arguments(self, node: ast.Call, name: str, spec: _Function, depth: int) -> None:
        """The arguments of a call of ``name`` (a table function, or ``.method``)."""
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError(f"starred argument {self.snippet(arg)!r} is not allowed")
        n = len(node.args)
        if not spec.min_args <= n <= spec.max_args:
            expected = (
                str(spec.min_args)
                if spec.min_args == spec.max_args
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise ExpressionError(
                f"{name} takes {expected} positional argument(s), got {n}"
                + (f" (keywords: {', '.join(spec.keywords)})" if spec.keywords else "")
            )
        args = list(node.args)
        if name == "np.einsum":
            first = args.pop(0)
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                raise ExpressionError(
                    f"np.einsum's first argument {self.snippet(first)!r} must be a string of "
                    "subscripts, e.g. np.einsum('ij,j->i', X, w)"
                )
            _parse_subscripts(first.value, len(args))
        if name == ".astype":
            dtype = args.pop(0)
            if not (isinstance(dtype, ast.Name) and dtype.id in _DTYPES
                    and dtype.id not in self.variables):
                raise ExpressionError(
                    f"type {self.snippet(dtype)!r} is not allowed in .astype (only "
                    f"{', '.join(_DTYPES)})"
                )
        shaped = spec.kind == "reshape" or name in ("np.transpose", ".transpose")
        for i, arg in enumerate(args):
            if shaped and isinstance(arg, ast.Tuple) and (i > 0 or name.startswith(".")):
                for element in arg.elts:  # a shape or axes: (2, -1), (X.shape[0], 3)
                    self.value(element, depth + 2)
            else:
                self.value(arg, depth + 1)
        if spec.kind == "reshape":
            self.static_shape(name, args if name.startswith(".") else args[1:])
        seen: set[str] = set()
        for kw in node.keywords:
            if kw.arg is None:
                raise ExpressionError(f"'**' argument {self.snippet(kw.value)!r} is not allowed")
            self.name(kw.arg)
            if kw.arg not in spec.keywords or kw.arg in seen:
                allowed = ", ".join(spec.keywords) or "none"
                raise ExpressionError(
                    f"keyword argument '{kw.arg}=' is not allowed for {name} (allowed: {allowed})"
                )
            seen.add(kw.arg)
            self.keyword_value(kw.arg, kw.value)

    def static_shape(self, name: str, args: list[ast.expr]) -> None:
        """The new shape of a reshape, as far as its literals tell: one tuple or integers,
        at most one ``-1``, no other negative size."""
        if len(args) > 1 and any(isinstance(a, ast.Tuple) for a in args):
            raise ExpressionError(f"{name}: give the new shape as one tuple or as separate "
                                  "sizes, not both")
        elements = args[0].elts if len(args) == 1 and isinstance(args[0], ast.Tuple) else args
        sizes = [_fold(e) for e in elements]
        if sum(1 for n in sizes if n == -1) > 1:
            raise ExpressionError(f"{name}: at most one size may be -1 (the inferred one)")
        for element, n in zip(elements, sizes, strict=True):
            if n is not None and (not _is_int(n) or n < -1):
                raise ExpressionError(f"{name}: size {self.snippet(element)!r} must be an "
                                      "integer >= 0, or -1 for the inferred one")

    def keyword_value(self, name: str, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and (
            _is_int(node.value) or node.value is None or isinstance(node.value, bool)
        ):
            return
        if _is_signed_int(node):
            return
        if isinstance(node, ast.Tuple) and all(_is_signed_int(e) for e in node.elts):
            return
        raise ExpressionError(
            f"value {self.snippet(node)!r} of '{name}=' is not allowed (only an integer, "
            "a tuple of integers, None, True or False)"
        )

    # index context: literal indices only (no array indexing, so no result grows)
    def index(self, node: ast.AST, depth: int) -> None:
        elements = node.elts if isinstance(node, ast.Tuple) else [node]
        for element in elements:
            if isinstance(element, ast.Slice):
                for part in (element.lower, element.upper, element.step):
                    if part is not None and not (
                        _is_signed_int(part)
                        or (isinstance(part, ast.Constant) and part.value is None)
                    ):
                        raise self.bad_index(part)
            elif _is_signed_int(element):
                continue
            elif isinstance(element, ast.Constant) and (
                element.value is None or element.value is Ellipsis
            ):
                continue
            elif isinstance(element, ast.Attribute) and _dotted(element) == "np.newaxis":
                continue
            else:
                if isinstance(element, ast.Attribute):
                    self.attribute(element.attr)
                if isinstance(element, ast.Name):
                    self.name(element.id)
                raise self.bad_index(element)

    def bad_index(self, node: ast.AST) -> ExpressionError:
        return ExpressionError(
            f"index {self.snippet(node)!r} is not allowed (only integer literals, slices of "
            "them, None/np.newaxis and ...)"
        )

