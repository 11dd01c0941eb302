r"""A safe evaluator for candidate gradients written as numpy expressions.

``gradients try`` checks a gradient the user typed, e.g. ``"3 * (X @ X).T"`` or
``"X.T @ (sigmoid(X @ w) - y) + 2 * lam * w"``, written in the problem's variable names. The
text is parsed with :func:`ast.parse` (``mode="eval"``), checked against a *whitelist* of
syntax, and evaluated by a small interpreter that walks the checked tree: the raw string is
never handed to ``eval``, ``exec`` or ``compile``, and no Python object other than numbers,
numpy arrays and the table's functions is ever reached.

The grammar
-----------
* numbers: ``int`` and ``float`` literals (no strings, bytes, complex, ``True``/``None``);
* the problem's variable names, and the helpers ``sigmoid`` and ``softplus`` (stable
  :math:`1/(1+e^{-a})` and :math:`\ln(1+e^{a})`); a variable of the same name shadows a helper;
* ``+ - * / ** @``, unary ``-`` and ``+`` (no ``//``, ``%``, bit operators, comparisons,
  ``and``/``or``/``not``, conditional expressions);
* ``.T`` on any expression: the only attribute; **no method calls** (``w.copy()``,
  ``X.sum()`` are refused: write ``np.sum(X)``);
* calls of the functions in :data:`ALLOWED_FUNCTIONS` only (``np.<name>``,
  ``np.linalg.<name>``, ``sigmoid``, ``softplus``), with a fixed number of positional
  arguments each (so a ufunc's ``out`` can't be passed) and a few keywords (``axis=``,
  ``keepdims=``, ``k=``) whose values are literals;
* the constants ``np.pi``, ``np.e``, ``np.inf``, and ``np.newaxis`` inside an index;
* indexing with literals only: integers, slices of integers, ``None``/``np.newaxis`` and
  ``...``, e.g. ``x[0]``, ``W2[:, None]``, ``X[1:, ::2]`` (no array indices).

Everything else (other names and attributes, any identifier starting with ``_``, lambdas,
comprehensions, displays, f-strings, ``:=``, starred arguments, ...) raises
:class:`ExpressionError` with a message naming the offending part.

Bounds: "refused or bounded, never executed unboundedly"
--------------------------------------------------------
* the text has at most :data:`MAX_LENGTH` characters and its tree at most :data:`MAX_DEPTH`
  levels;
* a literal exponent (any constant sub-expression, folded at parse time with the same
  bounds, so ``10**10**10`` stops at ``10**10``) satisfies ``|exponent| <= MAX_EXPONENT``;
  at run time a Python ``int ** int`` is computed exactly only for exponents in
  ``0..MAX_EXPONENT``, in ``float64`` otherwise, and a Python integer outside the ``int64``
  range becomes a ``float`` (``inf`` beyond ``float64``, as the literal ``1e400`` does), so
  numpy never sees an unbounded ``object`` integer;
* before each operation its result size and cost are estimated from the operand shapes
  (broadcasting, ``@``, ``np.outer``, ``np.eye``, ``np.diag``, the ``O(n^3)`` linear algebra,
  ...): a result of more than :data:`MAX_ELEMENTS` elements, or a total cost of more than
  :data:`MAX_WORK` elementary operations per evaluation, is refused *before* it is computed.

Errors
------
:func:`parse_expression` raises :class:`ExpressionError` for any refused text.
:func:`evaluate` and the functions made by :func:`compile_candidate` raise
:class:`ExpressionError` for a refused expression *and* for every failure while evaluating it
(shape mismatches, singular matrices, bad axes, a float where an int is needed, ...), the
message naming the sub-expression, e.g. ``"'X @ w' could not be evaluated: matmul: ..."``.
They raise :class:`TypeError` or :class:`ValueError` only for caller errors: a variable name
that is not an identifier, starts with ``_`` or is ``np``; a non-numeric value; wrong
arguments to the compiled function. Floating-point warnings are silenced
(``np.errstate(all="ignore")``): a result with ``inf`` or ``nan`` is returned, and judging it
is the caller's business.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from inspect import Parameter, Signature
from typing import Any

import numpy as np

from ._numerics import _sigmoid, _softplus

__all__ = [
    "ALLOWED_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_WORK",
    "ExpressionError",
    "compile_candidate",
    "evaluate",
    "parse_expression",
]

MAX_LENGTH = 2_000
"""Longest accepted expression text, in characters."""
MAX_DEPTH = 100
"""Deepest accepted syntax tree (nesting levels)."""
MAX_EXPONENT = 64
"""Largest ``|exponent|`` of a literal (constant) exponent."""
MAX_ELEMENTS = 10**7
"""Largest array an evaluation may create, in elements."""
MAX_WORK = 10**9
"""Budget of elementary operations (estimated) for one evaluation.

An element of an elementwise result counts 1, a multiply-add of ``@`` counts 1, an
``n x n`` inverse ``n^3``. The most expensive admissible 2,000-character expression runs for
a few seconds at most (measured: about 3 s for a sum of 85 ``np.exp(np.eye(3000))``, refused
at the budget); realistic candidates use well under 10^5.
"""

_INT64 = 2**63


class ExpressionError(ValueError):
    """A candidate expression is refused, or could not be evaluated.

    The message names the offending part, e.g. ``"attribute access '.__class__' is not
    allowed (only .T)"``.
    """


# --- the table of functions ----------------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    """One allowed function: the callable, its positional arity, keywords and cost model."""

    func: Callable[..., Any]
    min_args: int
    max_args: int
    keywords: tuple[str, ...]
    kind: str  # "elementwise", "reduce", "same", "outer", "dot", "matmul", "eye", "diag",
    # "cubic", "matrix_power"


_ELEMENTWISE_1 = (
    "abs", "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt",
    "cos", "cosh", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2", "negative",
    "reciprocal", "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh",
)  # fmt: skip
_ELEMENTWISE_2 = (
    "add", "arctan2", "divide", "heaviside", "hypot", "logaddexp", "maximum", "minimum",
    "multiply", "subtract",
)  # fmt: skip
_REDUCE = ("max", "mean", "min", "prod", "sum")
_SAME = ("ones_like", "ravel", "transpose", "zeros_like")


def _build_table() -> dict[str, _Function]:
    table: dict[str, _Function] = {}
    for name in _ELEMENTWISE_1:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, (), "elementwise")
    for name in _ELEMENTWISE_2:
        table[f"np.{name}"] = _Function(getattr(np, name), 2, 2, (), "elementwise")
    table["np.clip"] = _Function(np.clip, 3, 3, (), "elementwise")
    for name in _REDUCE:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, ("axis", "keepdims"), "reduce")
    table["np.trace"] = _Function(np.trace, 1, 1, (), "reduce")
    for name in _SAME:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, (), "same")
    table["np.full_like"] = _Function(np.full_like, 2, 2, (), "same")
    table["np.outer"] = _Function(np.outer, 2, 2, (), "outer")
    table["np.dot"] = _Function(np.dot, 2, 2, (), "dot")
    table["np.matmul"] = _Function(np.matmul, 2, 2, (), "matmul")
    table["np.eye"] = _Function(np.eye, 1, 2, ("k",), "eye")
    table["np.identity"] = _Function(np.identity, 1, 1, (), "eye")
    table["np.diag"] = _Function(np.diag, 1, 1, ("k",), "diag")
    for name in ("det", "inv", "pinv"):
        table[f"np.linalg.{name}"] = _Function(getattr(np.linalg, name), 1, 1, (), "cubic")
    table["np.linalg.solve"] = _Function(np.linalg.solve, 2, 2, (), "cubic")
    table["np.linalg.matrix_power"] = _Function(np.linalg.matrix_power, 2, 2, (), "matrix_power")
    table["np.linalg.norm"] = _Function(np.linalg.norm, 1, 1, ("axis", "keepdims"), "reduce")
    table["sigmoid"] = _Function(_sigmoid, 1, 1, (), "elementwise")
    table["softplus"] = _Function(_softplus, 1, 1, (), "elementwise")
    return table


_FUNCTIONS = _build_table()
_HELPERS = frozenset(name for name in _FUNCTIONS if not name.startswith("np."))
_CONSTANTS: dict[str, float] = {"np.pi": np.pi, "np.e": np.e, "np.inf": np.inf}

ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(_FUNCTIONS))
"""The callable names, e.g. ``"np.exp"``, ``"np.linalg.matrix_power"``, ``"sigmoid"``."""

_BINOPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
    ast.MatMult: ("@", operator.matmul),
}
_REFUSED_BINOPS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}  # fmt: skip
_UNARYOPS: dict[type[ast.unaryop], tuple[str, Callable[[Any], Any]]] = {
    ast.USub: ("-", operator.neg),
    ast.UAdd: ("+", operator.pos),
}
_REFUSED_UNARYOPS = {ast.Not: "not", ast.Invert: "~"}

# How refused syntax is named in messages.
_DESCRIPTIONS: dict[str, str] = {
    "Lambda": "lambda",
    "ListComp": "list comprehension",
    "SetComp": "set comprehension",
    "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression",
    "IfExp": "conditional expression",
    "NamedExpr": "assignment expression",
    "JoinedStr": "f-string",
    "FormattedValue": "f-string",
    "Dict": "dict display",
    "Set": "set display",
    "List": "list display",
    "Tuple": "tuple (allowed only in an index)",
    "Compare": "comparison",
    "BoolOp": "boolean operator",
    "Starred": "starred expression",
    "Slice": "slice (allowed only in an index)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
}


# --- validation ----------------------------------------------------------------------------


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
    """The value of a literal accepted by :meth:`_Validator._keyword_value`."""
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


class _Validator:
    """Whitelist walk of a parsed expression; raises :class:`ExpressionError`."""

    def __init__(self, variables: frozenset[str], text: str | None) -> None:
        self.variables = variables
        self.text = text

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
            raise ExpressionError(f"attribute access '.{attr}' is not allowed (only .T)")

    # value context: anything that evaluates to a number or an array
    def value(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Name):
            self.value_name(node)
        elif isinstance(node, ast.BinOp):
            self.binop(node, depth)
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
                bounded = abs(exponent) <= MAX_EXPONENT  # False for nan
                if not bounded:
                    raise ExpressionError(
                        f"exponent {self.snippet(node.right)} too large "
                        f"(|exponent| <= {MAX_EXPONENT} allowed)"
                    )

    def value_attribute(self, node: ast.Attribute, depth: int) -> None:
        self.attribute(node.attr)
        dotted = _dotted(node)
        if dotted is None:
            if node.attr != "T":
                raise ExpressionError(f"attribute access '.{node.attr}' is not allowed (only .T)")
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
                raise ExpressionError(
                    f"method call '.{func.attr}(...)' is not allowed (only .T; call "
                    "np.<function>(x) instead)"
                )
            for part in dotted.split("."):
                self.attribute(part)
            if dotted not in _FUNCTIONS:
                raise ExpressionError(f"function {dotted} is not allowed")
            name = dotted
        else:
            raise ExpressionError(f"call of {self.snippet(func)!r} is not allowed")
        spec = _FUNCTIONS[name]
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
        for arg in node.args:
            self.value(arg, depth + 1)
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


# --- arithmetic on Python scalars, shared by constant folding and evaluation ---------------


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
    """``left <op> right`` with the bounds of the module docstring."""
    if _is_python_number(left) and _is_python_number(right):
        if isinstance(op, ast.Pow):
            if _is_int(left) and _is_int(right) and 0 <= right <= MAX_EXPONENT:
                return _normalise(left**right)  # at most 63 * 64 bits: instant
            return np.float64(left) ** np.float64(right)  # numpy semantics: inf/nan, no raise
        if isinstance(op, ast.Div):
            return np.float64(left) / np.float64(right)
    return _normalise(_BINOPS[type(op)][1](left, right))


def _fold(node: ast.AST) -> float | int | None:
    """The value of a constant sub-expression (numbers and arithmetic only), else ``None``."""
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


# --- parsing -------------------------------------------------------------------------------


def _syntax_message(text: str, exc: SyntaxError) -> str:
    """``invalid syntax at column 3: 'rest of the text'`` (and Python's reason, if specific)."""
    reason = "" if exc.msg == "invalid syntax" else f" ({exc.msg})"
    column = exc.offset
    if not column or exc.lineno != 1 or "\n" in text or not text[column - 1 :].strip():
        return f"invalid syntax in {_short(text, 40)!r}{reason}"
    return f"invalid syntax at column {column}: {_short(text[column - 1 :], 40)!r}{reason}"


def parse_expression(text: str, variables: Collection[str]) -> ast.Expression:
    """Parse and validate a candidate expression.

    Parameters
    ----------
    text : str
        A numpy expression in the variable names, e.g. ``"(X + X.T) @ w"``.
    variables : collection of str
        The names the expression may use (a problem's variable names).

    Returns
    -------
    ast.Expression
        The validated tree, for :func:`evaluate`.

    Raises
    ------
    ExpressionError
        If the text is too long, is not an expression, or uses anything outside the grammar
        of the module docstring; the message names the offending part.
    TypeError
        If ``text`` is not a string.
    ValueError
        If a variable name is not an identifier, starts with ``_`` or is ``np``.

    Examples
    --------
    >>> tree = parse_expression("2 * X @ w", ["X", "w"])
    >>> parse_expression("w.copy()", ["w"])
    Traceback (most recent call last):
    ...
    gradients.expr.ExpressionError: method call '.copy(...)' is not allowed (only .T; ...
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    names = _check_variables(variables)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters; at most {MAX_LENGTH})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes and the like
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(_syntax_message(text, exc)) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes; parser limits
        raise ExpressionError(f"invalid expression: {exc}") from None
    _Validator(names, text).value(tree.body, 1)
    return tree


# --- evaluation ----------------------------------------------------------------------------

_EVALUATION_ERRORS = (ArithmeticError, ValueError, TypeError, IndexError, MemoryError)


def _prod(shape: tuple[int, ...]) -> int:
    return math.prod(int(n) for n in shape)


def _estimate(kind: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[int, int]:
    """``(elements of the result, elementary operations)`` of a table function, an upper
    bound computed from shapes only; may raise what numpy would raise."""
    shapes = [np.shape(a) for a in args]
    sizes = [_prod(s) for s in shapes]
    if kind == "elementwise":
        size = _prod(np.broadcast_shapes(*shapes))
        return size, size
    if kind in ("reduce", "same"):
        return sizes[0], sizes[0]
    if kind == "outer":
        size = sizes[0] * sizes[1]
        return size, size
    if kind == "dot":
        (sa, sb), (na, nb) = shapes, sizes
        if not sa or not sb:
            return max(na, nb), max(na, nb)
        out = sa[:-1] if len(sb) == 1 else sa[:-1] + sb[:-2] + sb[-1:]
        return _prod(out), _prod(out) * sa[-1]
    if kind == "matmul":
        return _matmul_estimate(shapes[0], shapes[1])
    if kind == "eye":
        n = operator.index(args[0])
        m = operator.index(args[1]) if len(args) > 1 else n
        size = max(n, 0) * max(m, 0)
        return size, size
    if kind == "diag":
        if len(shapes[0]) == 1:
            n = shapes[0][0] + abs(operator.index(kwargs.get("k", 0)))
            return n * n, n * n
        return sizes[0], sizes[0]
    # "cubic" and "matrix_power": (..., n, n) stacks, O(n^3) each
    s = shapes[0]
    n = s[-1] if s else 1
    cubes = _prod(s[:-2]) * n**3
    if kind == "matrix_power":
        p = operator.index(args[1])
        return sizes[0], cubes * (2 * max(abs(p).bit_length(), 1) + (p < 0))
    return max(sizes), cubes + sum(sizes)


def _matmul_estimate(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[int, int]:
    if not sa or not sb:
        return 1, 1  # numpy refuses 0-d operands of matmul
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    rows = sa[-2:-1] if len(sa) >= 2 else ()
    cols = sb[-1:] if len(sb) >= 2 else ()
    size = _prod(batch + rows + cols)
    return size, size * sa[-1]


def _as_value(name: str, value: Any) -> Any:
    if isinstance(value, (np.ndarray, np.generic)) or not _is_python_number(value):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"value of {name!r} must be numeric, not an array of dtype {array.dtype}"
            )
        if array.size > MAX_ELEMENTS:
            raise ValueError(f"value of {name!r} has more than {MAX_ELEMENTS} elements")
        return value if isinstance(value, (np.ndarray, np.generic)) else array
    return _normalise(value)


class _Evaluator:
    """Interpreter over a validated tree, with the size and work bounds."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env
        self.budget = MAX_WORK

    def fail(self, node: ast.AST, exc: BaseException) -> ExpressionError:
        message = " ".join(str(exc).split()) or type(exc).__name__
        return ExpressionError(f"{_unparse(node)!r} could not be evaluated: {message}")

    def admit(self, node: ast.AST, size: int, cost: int) -> None:
        if size > MAX_ELEMENTS:
            raise ExpressionError(
                f"{_unparse(node)!r} would create {size} elements (at most {MAX_ELEMENTS} allowed)"
            )
        self.budget -= max(cost, 1)
        if self.budget < 0:
            raise ExpressionError(
                f"{_unparse(node)!r} exceeds the work budget of {MAX_WORK} operations"
            )

    def run(self, node: ast.AST) -> Any:
        try:
            value = self.eval(node)
        except ExpressionError:
            raise
        except _EVALUATION_ERRORS as exc:
            raise self.fail(node, exc) from exc
        return value

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return self.guard(node, lambda: _normalise(node.value))
        if isinstance(node, ast.Name):
            if node.id not in self.env:  # pragma: no cover - validated against the env
                raise ExpressionError(f"name {node.id!r} has no value")
            return self.env[node.id]
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                return _CONSTANTS[dotted]
            value = self.eval(node.value)
            return self.guard(node, lambda: np.asarray(value).T)
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            self.admit(node, int(np.size(value)), int(np.size(value)))
            return self.guard(node, lambda: _normalise(_UNARYOPS[type(node.op)][1](value)))
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            value = self.eval(node.value)
            index = self.index(node.slice)
            self.admit(node, 1, 1)
            return self.guard(node, lambda: np.asarray(value)[index])
        raise ExpressionError(f"{_unparse(node)!r} is not allowed")  # pragma: no cover

    def guard(self, node: ast.AST, compute: Callable[[], Any]) -> Any:
        try:
            result = compute()
        except ExpressionError:
            raise
        except _EVALUATION_ERRORS as exc:
            raise self.fail(node, exc) from exc
        if isinstance(result, np.ndarray):
            if result.dtype.kind not in "biufc":  # pragma: no cover - no path yields objects
                raise ExpressionError(f"{_unparse(node)!r} gave a non-numeric array")
            if result.size > MAX_ELEMENTS:  # pragma: no cover - estimated before computing
                raise ExpressionError(f"{_unparse(node)!r} gave more than {MAX_ELEMENTS} elements")
        return result

    def binop(self, node: ast.BinOp) -> Any:
        left = self.eval(node.left)
        right = self.eval(node.right)

        def estimate() -> tuple[int, int]:
            if isinstance(node.op, ast.MatMult):
                return _matmul_estimate(np.shape(left), np.shape(right))
            size = _prod(np.broadcast_shapes(np.shape(left), np.shape(right)))
            return size, size

        size, cost = self.guard(node, estimate)
        self.admit(node, size, cost)
        return self.guard(node, lambda: _binary(node.op, left, right))

    def call(self, node: ast.Call) -> Any:
        name = node.func.id if isinstance(node.func, ast.Name) else _dotted(node.func)
        spec = _FUNCTIONS[name]  # type: ignore[index]
        args = [self.eval(arg) for arg in node.args]
        kwargs = {kw.arg: _static_value(kw.value) for kw in node.keywords}
        size, cost = self.guard(node, lambda: _estimate(spec.kind, args, kwargs))
        self.admit(node, size, cost)
        return self.guard(node, lambda: _normalise(spec.func(*args, **kwargs)))

    def index(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self.index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if p is None else _static_value(p) for p in parts))
        if isinstance(node, ast.Attribute):  # np.newaxis
            return None
        return _static_value(node)


def _evaluate_validated(tree: ast.Expression, env: Mapping[str, Any]) -> np.ndarray:
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    evaluator = _Evaluator({name: _as_value(name, env[name]) for name in used if name in env})
    with np.errstate(all="ignore"):
        value = evaluator.run(tree.body)
        result = evaluator.guard(tree.body, lambda: np.array(value))  # a copy, never a view
    if result.dtype.kind not in "biufc":  # pragma: no cover - no path yields objects
        raise ExpressionError(f"{_unparse(tree.body)!r} is not numeric")
    return result


def evaluate(tree_or_text: ast.Expression | str, env: Mapping[str, Any]) -> np.ndarray:
    """Evaluate a candidate expression with the variables bound by ``env``.

    Parameters
    ----------
    tree_or_text : ast.Expression or str
        A tree from :func:`parse_expression`, or the text (then parsed with the names of
        ``env`` as the variables). A tree is validated again against the names of ``env``:
        a hand-built tree gets the same checks as a parsed one.
    env : mapping of str to array_like or number
        The variables' values.

    Returns
    -------
    numpy.ndarray
        The value, as a new array (0-d for a scalar); it may contain ``inf`` or ``nan``.

    Raises
    ------
    ExpressionError
        If the expression is refused, or fails while being evaluated (shape mismatch,
        singular matrix, ...), or would exceed :data:`MAX_ELEMENTS` or :data:`MAX_WORK`.
    TypeError, ValueError
        For a bad ``env``: a key that can't be a variable name, or a non-numeric value.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> evaluate("(X + X.T) @ w", {"X": X, "w": np.ones(2)})
    array([ 7., 13.])
    """
    names = _check_variables(env.keys())
    if isinstance(tree_or_text, str):
        tree = parse_expression(tree_or_text, names)
    elif isinstance(tree_or_text, ast.Expression):
        tree = tree_or_text
        _Validator(names, None).value(tree.body, 1)
    else:
        raise TypeError(f"expected an ast.Expression or a str, not {type(tree_or_text).__name__}")
    return _evaluate_validated(tree, env)


def compile_candidate(text: str, variables: Collection[str]) -> Callable[..., np.ndarray]:
    """Make a function of the variables, in the given order, that evaluates ``text``.

    The text is parsed and validated once; each call evaluates the tree.

    Parameters
    ----------
    text : str
        The candidate expression, e.g. ``"X.T @ (sigmoid(X @ w) - y) + 2 * lam * w"``.
    variables : sequence of str
        The parameter names, in order (e.g. a problem's ``("w", "X", "y", "lam")``).

    Returns
    -------
    callable
        ``candidate(*values)`` (or by keyword), returning a :class:`numpy.ndarray`; it raises
        :class:`ExpressionError` as :func:`evaluate` does, and :class:`TypeError` for missing
        or extra arguments. Its ``expression`` attribute holds the text.

    Raises
    ------
    ExpressionError
        If the text is refused (see :func:`parse_expression`).

    Examples
    --------
    >>> grad = compile_candidate("2 * X @ w", ["w", "X"])
    >>> grad(np.ones(2), np.eye(2))
    array([2., 2.])
    """
    order = tuple(variables)
    if len(set(order)) != len(order):
        raise ValueError(f"duplicate variable names in {order}")
    tree = parse_expression(text, order)
    signature = Signature([Parameter(name, Parameter.POSITIONAL_OR_KEYWORD) for name in order])

    def candidate(*args: Any, **kwargs: Any) -> np.ndarray:
        bound = signature.bind(*args, **kwargs)  # TypeError for missing or extra arguments
        return _evaluate_validated(tree, bound.arguments)

    candidate.__signature__ = signature  # type: ignore[attr-defined]
    candidate.__name__ = candidate.__qualname__ = "candidate"
    candidate.__doc__ = f"Candidate expression ``{text}`` of {', '.join(order) or 'nothing'}."
    candidate.expression = text  # type: ignore[attr-defined]
    return candidate
