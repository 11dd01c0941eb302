"""What the sandbox accepts: the limits, the table of functions, the operators.

Data, shared by :mod:`.validation` (what is refused), :mod:`.literals` (constant folding)
and :mod:`.evaluation` (what is run, and its cost). The limits are read from this module at
call time, so a test may lower one with ``monkeypatch.setattr(grammar, "MAX_WORK", ...)``.
The error every refusal raises, :class:`ExpressionError`, lives here too.

>>> _FUNCTIONS["np.linalg.solve"].kind, _FUNCTIONS["np.linalg.solve"].max_args
('solve', 2)
>>> "np.linalg.eig" in ALLOWED_FUNCTIONS, issubclass(LimitError, ExpressionError)
(False, True)
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients._numerics import _sigmoid, _softplus

_MAX_EINSUM_OPERANDS = 8  # repeated as einsum.MAX_OPERANDS (which imports this module)

MAX_LENGTH = 2_000
"""Longest accepted candidate text, in characters (all its statements)."""
MAX_STATEMENTS = 100
"""Most statements (``name = expression`` lines, and the final expression) in a candidate."""
MAX_DEPTH = 100
"""Deepest accepted syntax tree of one statement (nesting levels)."""
MAX_EXPONENT = 64
"""Largest ``|exponent|`` of a literal (constant) exponent."""
MAX_ELEMENTS = 10**7
"""Largest array an evaluation may create, in elements."""
MAX_WORK = 10**9
"""Budget of elementary operations (estimated) for one evaluation.

An element of an elementwise result counts 1, a multiply-add of ``@`` counts 1, an
``n x n`` inverse ``n^3``, a solve with ``k`` right-hand sides ``n^3 + 2 n^2 k``, a reduction
the larger of its input and its output. Realistic candidates use well under 10^5; the budget
is spent in about a second of CPU time.
"""
MAX_ALLOCATED = 5 * 10**7
"""Budget of array elements (float64: 400 MB) created in all by one evaluation.

Every intermediate result counts, also those that are dropped again, so the live memory of an
evaluation (results held by pending operands and by assigned names) never exceeds it. Views
(indexing, ``.T``) count nothing.
"""


class ExpressionError(ValueError):
    """A candidate expression is refused, or could not be evaluated.

    The message names the offending part, e.g. ``"attribute access '.__class__' is not
    allowed (only .T and .shape; ...)"``.
    """


class LimitError(ExpressionError):
    """An evaluation refused, before it ran, for a limit: ``limit`` names it.

    ``"size"`` (:data:`MAX_ELEMENTS`), ``"work"`` (:data:`MAX_WORK`), ``"allocation"``
    (:data:`MAX_ALLOCATED`), or ``"memory"`` (numpy could not allocate: in the sandbox, the
    operating system's address-space limit).
    """

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


# --- the table of functions ----------------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    """One allowed function: the callable, its positional arity, keywords and cost model."""

    func: Callable[..., Any]
    min_args: int
    max_args: int
    keywords: tuple[str, ...]
    kind: str  # "elementwise", "reduce", "trace", "same", "outer", "dot", "matmul", "eye",
    # "diag", "tri", "cubic", "svd", "solve", "matrix_power", "reshape", "arange", "einsum",
    # "meta" (shape information), "sum0" (Python's sum: over the first axis)


_ELEMENTWISE_1 = (
    "abs", "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt",
    "ceil", "cos", "cosh", "exp", "exp2", "expm1", "fabs", "floor", "isfinite", "isinf",
    "isnan", "log", "log10", "log1p", "log2", "logical_not", "negative", "reciprocal", "rint",
    "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc",
)  # fmt: skip
_ELEMENTWISE_2 = (
    "add", "arctan2", "divide", "equal", "fmax", "fmin", "greater", "greater_equal",
    "heaviside", "hypot", "less", "less_equal", "logaddexp", "logical_and", "logical_or",
    "logical_xor", "maximum", "minimum", "multiply", "not_equal", "power", "subtract",
)  # fmt: skip
_REDUCE = ("all", "any", "max", "mean", "min", "prod", "std", "sum", "var")
_SAME = ("ones_like", "ravel", "squeeze", "zeros_like")
_DTYPES: dict[str, type] = {"float": np.float64, "int": np.int64, "bool": np.bool_}
"""The type names ``.astype(...)`` accepts."""


def _integer(value: Any, what: str) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {value!r}") from None


def _arange(*args: Any) -> np.ndarray:
    """``np.arange`` of integers only (``start``, ``stop``, ``step``)."""
    return np.arange(*(_integer(a, "an argument of np.arange") for a in args))


def _shape_of(args: tuple[Any, ...]) -> Any:
    """The shape given as one tuple (or array) or as separate integers."""
    if len(args) == 1:
        shape = args[0]
        if isinstance(shape, np.ndarray) and shape.ndim == 1:
            shape = tuple(shape)
        return tuple(shape) if isinstance(shape, tuple) else shape
    return tuple(args)


def _reshape(a: Any, *shape: Any) -> Any:
    """``np.reshape(a, shape)`` and ``a.reshape(d0, d1, ...)``; ``-1`` infers one size."""
    return np.reshape(a, _shape_of(shape))


def _transpose(a: Any, *axes: Any, **keywords: Any) -> Any:
    """``np.transpose(a)``, ``np.transpose(a, axes)``, ``np.transpose(a, axes=...)``,
    ``a.transpose(1, 0, ...)``."""
    if "axes" in keywords:
        if axes:
            raise TypeError("np.transpose got its axes twice (as an argument and as axes=)")
        given = keywords.pop("axes")
        axes = () if given is None else (given,)
    if keywords:
        raise TypeError(f"np.transpose got an unexpected keyword {next(iter(keywords))!r}")
    return np.transpose(a, _shape_of(axes) if axes else None)


def _astype(a: Any, dtype: str) -> Any:
    return np.asarray(a).astype(_DTYPES[dtype])


def _len(a: Any) -> int:
    if np.ndim(a) == 0:
        raise TypeError("len() of a scalar: it has no first axis")
    return int(np.shape(a)[0])


def _builtin_sum(a: Any) -> Any:
    """Python's ``sum(a)``: the sum over the first axis (the rows of a matrix)."""
    if np.ndim(a) == 0:
        raise TypeError("sum(x) adds up x along its first axis, and a scalar has none; "
                        "use np.sum(x)")
    return np.sum(a, axis=0)


def _build_table() -> dict[str, _Function]:
    table: dict[str, _Function] = {}
    for name in _ELEMENTWISE_1:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, (), "elementwise")
    for name in _ELEMENTWISE_2:
        table[f"np.{name}"] = _Function(getattr(np, name), 2, 2, (), "elementwise")
    table["np.clip"] = _Function(np.clip, 3, 3, (), "elementwise")
    table["np.where"] = _Function(np.where, 3, 3, (), "elementwise")
    for name in _REDUCE:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, ("axis", "keepdims"), "reduce")
    table["np.trace"] = _Function(np.trace, 1, 1, (), "trace")
    for name in _SAME:
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, (), "same")
    table["np.transpose"] = _Function(_transpose, 1, 2, ("axes",), "same")
    table["np.reshape"] = _Function(_reshape, 2, 2, (), "reshape")
    table["np.arange"] = _Function(_arange, 1, 3, (), "arange")
    table["np.einsum"] = _Function(np.einsum, 2, 2 + _MAX_EINSUM_OPERANDS - 1, (), "einsum")
    table["np.size"] = _Function(np.size, 1, 1, (), "meta")
    table["len"] = _Function(_len, 1, 1, (), "meta")
    table["sum"] = _Function(_builtin_sum, 1, 1, (), "sum0")
    for name in ("cumsum", "cumprod"):
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, ("axis",), "same")
    for name in ("tril", "triu"):  # a vector becomes a square matrix
        table[f"np.{name}"] = _Function(getattr(np, name), 1, 1, ("k",), "tri")
    table["np.full_like"] = _Function(np.full_like, 2, 2, (), "same")
    table["np.outer"] = _Function(np.outer, 2, 2, (), "outer")
    table["np.kron"] = _Function(np.kron, 2, 2, (), "outer")
    table["np.dot"] = _Function(np.dot, 2, 2, (), "dot")
    table["np.matmul"] = _Function(np.matmul, 2, 2, (), "matmul")
    table["np.eye"] = _Function(np.eye, 1, 2, ("k",), "eye")
    table["np.identity"] = _Function(np.identity, 1, 1, (), "eye")
    table["np.diag"] = _Function(np.diag, 1, 1, ("k",), "diag")
    for name in ("cholesky", "det", "inv"):
        table[f"np.linalg.{name}"] = _Function(getattr(np.linalg, name), 1, 1, (), "cubic")
    table["np.linalg.pinv"] = _Function(np.linalg.pinv, 1, 1, (), "svd")
    table["np.linalg.solve"] = _Function(np.linalg.solve, 2, 2, (), "solve")
    table["np.linalg.matrix_power"] = _Function(np.linalg.matrix_power, 2, 2, (), "matrix_power")
    table["np.linalg.norm"] = _Function(np.linalg.norm, 1, 1, ("axis", "keepdims"), "reduce")
    table["sigmoid"] = _Function(_sigmoid, 1, 1, (), "elementwise")
    table["softplus"] = _Function(_softplus, 1, 1, (), "elementwise")
    # Python's spelling of three elementwise functions (two arguments for max and min)
    table["abs"] = _Function(np.abs, 1, 1, (), "elementwise")
    table["max"] = _Function(np.maximum, 2, 2, (), "elementwise")
    table["min"] = _Function(np.minimum, 2, 2, (), "elementwise")
    return table


_FUNCTIONS = _build_table()
_HELPERS = frozenset(name for name in _FUNCTIONS if not name.startswith("np."))

# Methods, called on any value: ``x.reshape(...)``. The table's arities count the arguments
# in the parentheses; the function is called with the value first.
_METHODS: dict[str, _Function] = {
    "reshape": _Function(_reshape, 1, 32, (), "reshape"),
    "transpose": _Function(_transpose, 0, 32, (), "same"),
    "astype": _Function(_astype, 1, 1, (), "same"),
}
_ATTRIBUTES = ("T", "shape")
"""The attributes of a value: ``x.T`` (transpose), ``x.shape`` (an integer array)."""
_CONSTANTS: dict[str, float] = {"np.pi": np.pi, "np.e": np.e, "np.inf": np.inf}

ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(_FUNCTIONS))
"""The callable names, e.g. ``"np.exp"``, ``"np.linalg.matrix_power"``, ``"sigmoid"``."""
ALLOWED_METHODS: tuple[str, ...] = tuple(f".{name}" for name in sorted(_METHODS))
"""The methods, e.g. ``".reshape"`` (``x.reshape(2, -1)``)."""
ALLOWED_ATTRIBUTES: tuple[str, ...] = tuple(f".{name}" for name in _ATTRIBUTES)
"""The attributes: ``".T"``, ``".shape"``."""


def allowed_names() -> str:
    """Every name a candidate may use besides its variables, as one paragraph of text: what
    ``gradients try --help`` and the README list (one source, so they cannot drift).

    >>> "np.einsum" in allowed_names() and ".reshape" in allowed_names()
    True
    """
    constants = ", ".join([*_CONSTANTS, "np.newaxis (in an index)"])
    return (f"functions: {', '.join(ALLOWED_FUNCTIONS)}; methods: "
            f"{', '.join(ALLOWED_METHODS)}; attributes: {', '.join(ALLOWED_ATTRIBUTES)}; "
            f"constants: {constants}; types (in .astype): {', '.join(_DTYPES)}.")

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
_COMPARISONS: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
}
_REFUSED_COMPARISONS = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
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
    "BoolOp": "boolean operator",
    "Starred": "starred expression",
    "Slice": "slice (allowed only in an index)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    # statements (a candidate is `name = expression` lines and a final expression)
    "Import": "import statement",
    "ImportFrom": "import statement",
    "FunctionDef": "function definition",
    "AsyncFunctionDef": "function definition",
    "ClassDef": "class definition",
    "Return": "return statement",
    "Delete": "del statement",
    "AugAssign": "augmented assignment",
    "AnnAssign": "annotated assignment",
    "For": "for loop",
    "AsyncFor": "for loop",
    "While": "while loop",
    "If": "if statement",
    "With": "with statement",
    "AsyncWith": "with statement",
    "Match": "match statement",
    "Raise": "raise statement",
    "Try": "try statement",
    "TryStar": "try statement",
    "Assert": "assert statement",
    "Global": "global statement",
    "Nonlocal": "nonlocal statement",
    "Pass": "pass statement",
    "Break": "break statement",
    "Continue": "continue statement",
}
