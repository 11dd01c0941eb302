r"""The symbolic back end of the candidate language: a validated tree on SymPy values.

The sandbox's grammar (:mod:`gradients.cli.expr`) validates the text once; the numeric
interpreter (:mod:`gradients.cli.expr.evaluation`) runs it on numpy arrays, and this one on
symbols, twice:

* on numpy ``object`` arrays of SymPy symbols at fixed sizes (``X[0,1]``), for the exact
  checks (:class:`_ExplicitBackend`);
* on SymPy ``MatrixSymbol``\ s of symbolic size (:class:`_GeneralBackend`), where the
  expression stays in what SymPy writes as matrices (``@``, ``.T``, scalars, ``np.outer``,
  ``np.trace``, ``np.linalg.inv``/``solve``/``matrix_power``, elementwise functions and
  products of equal shapes, ``np.diag`` of a vector): then it can be proved for all sizes.

:func:`expression_candidate` makes a :class:`~gradients.proof.Candidate` of both.

>>> c = expression_candidate("1b", "3 * (X @ X).T")
>>> c.label, c.general is not None
('3 * (X @ X).T', True)
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .walker import Walker

__all__ = ["NotModelled", "expression_candidate"]


class NotModelled(Exception):
    """The expression uses something the symbolic interpreter does not model."""


def expression_candidate(derivation_id: str, text: str) -> Any:
    r"""A :class:`~gradients.catalog.prove.Candidate` for a typed expression.

    Its ``explicit`` form interprets the validated tree on numpy ``object`` arrays of SymPy
    symbols; its ``general`` form on ``MatrixSymbol``\ s (``None`` when the expression leaves
    matrix algebra: elementwise functions, broadcasting, indexing). Runs in the caller's
    process: :func:`prove_expression` calls it in its child.
    """
    from gradients.catalog import get
    from gradients.catalog.prove import Candidate, general_variables
    from gradients.cli.expr import parse_program

    d = get(derivation_id)
    tree = parse_program(text, d.variables)
    order = tuple(d.variables)

    def explicit(*args: Any) -> Any:
        env = dict(zip(order, args, strict=True))
        return _Interpreter(env, _ExplicitBackend()).program(tree)

    general: Callable[[Mapping[str, Any]], Any] | None = None
    try:
        variables = general_variables(derivation_id)
        env = {n: variables.get(n) for n in order}
        backend = _GeneralBackend()
        _Interpreter(_general_env(env, {}), backend).program(tree)  # probe once
    except (NotModelled, TypeError, ValueError, AttributeError):
        general = None
    else:
        def general(values: Mapping[str, Any]) -> Any:
            env = _general_env({n: values.get(n) for n in order}, values)
            return _Interpreter(env, _GeneralBackend()).program(tree).unwrap()

    return Candidate(text, general=general, explicit=explicit)


def _general_env(env: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    import sympy as sp

    out: dict[str, Any] = {}
    for name, value in env.items():
        if value is None:  # a fixed parameter (k): its value, or a probe value
            out[name] = int(values.get(name, 2))
        elif isinstance(value, sp.MatrixExpr):
            out[name] = _M(value, vector=value.shape[1] == 1)
        else:
            out[name] = value
    return out


class _Interpreter(Walker):
    """The symbolic back end of :class:`.walker.Walker`: each operation handed to a SymPy back
    end (:class:`_ExplicitBackend` or :class:`_GeneralBackend`)."""

    def __init__(self, env: Mapping[str, Any], backend: Any) -> None:
        super().__init__(env)
        self.b = backend

    def finish(self, value: Any, node: ast.AST) -> Any:
        return self.b.result(value)

    def refuse(self, node: ast.AST) -> Any:
        raise NotModelled(f"{type(node).__name__} (a comparison) is not modelled symbolically"
                          if isinstance(node, ast.Compare) else
                          f"{type(node).__name__} is not modelled symbolically")

    def constant(self, node: ast.Constant) -> Any:
        return self.b.constant(node.value)

    def unbound(self, node: ast.Name) -> Any:
        return self.b.function(node.id)  # a helper used as a value: refused there

    def named_constant(self, node: ast.Attribute, dotted: str) -> Any:
        return self.b.named_constant(dotted)

    def transpose(self, node: ast.Attribute, value: Any) -> Any:
        return self.b.transpose(value)

    def attribute(self, node: ast.Attribute, value: Any) -> Any:
        raise NotModelled(f".{node.attr} is not supported by the prover")

    def unary(self, node: ast.UnaryOp, value: Any) -> Any:
        return self.b.neg(value) if isinstance(node.op, ast.USub) else value

    def binop(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        return self.b.binop(type(node.op).__name__, left, right)

    def call(self, node: ast.Call, name: str | None, args: list[Any],
             kwargs: dict[str, Any]) -> Any:
        return self.b.call(name, args, kwargs)

    def subscript(self, node: ast.Subscript, value: Any, index: Any) -> Any:
        return self.b.index(value, index)


def _exact_number(value: Any) -> Any:
    import sympy as sp

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotModelled(f"the constant {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    if not math.isfinite(value):
        raise NotModelled(f"the constant {value!r}")
    return sp.Rational(repr(value))  # the decimal as typed: 0.1 is 1/10


class _Scalars:
    """What both SymPy back ends read the same way: constants as the exact numbers typed, and
    ``np.pi``, ``np.e``."""

    sp: Any

    def constant(self, value: Any) -> Any:
        return _exact_number(value)

    def named_constant(self, dotted: str) -> Any:
        if dotted == "np.pi":
            return self.sp.pi
        if dotted == "np.e":
            return self.sp.E
        raise NotModelled(dotted)


class _ExplicitBackend(_Scalars):
    """Values: numpy ``object`` arrays of SymPy expressions, SymPy scalars, ``int`` params."""

    def __init__(self) -> None:
        import sympy as sp

        from gradients.catalog.prove import functions

        self.sp = sp
        sig, soft = functions()
        self.unary: dict[str, Callable[[Any], Any]] = {
            "exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
            "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sqrt": sp.sqrt,
            "square": lambda x: x**2, "abs": sp.Abs, "absolute": sp.Abs, "fabs": sp.Abs,
            "negative": lambda x: -x, "reciprocal": lambda x: 1 / x,
            "log1p": lambda x: sp.log(1 + x), "expm1": lambda x: sp.exp(x) - 1,
            "exp2": lambda x: 2**x, "log2": lambda x: sp.log(x, 2),
            "log10": lambda x: sp.log(x, 10), "cbrt": sp.cbrt, "arcsin": sp.asin,
            "arccos": sp.acos, "arctan": sp.atan, "arcsinh": sp.asinh, "arccosh": sp.acosh,
            "arctanh": sp.atanh, "sigmoid": sig, "softplus": soft,
        }
        self.binary: dict[str, Callable[[Any, Any], Any]] = {
            "add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
            "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b,
            "power": lambda a, b: a**b, "logaddexp": lambda a, b: sp.log(sp.exp(a) + sp.exp(b)),
            "maximum": sp.Max, "minimum": sp.Min, "max": sp.Max, "min": sp.Min,
            "fmax": sp.Max, "fmin": sp.Min,
        }

    # values
    def function(self, name: str) -> Any:
        raise NotModelled(f"{name} as a value")

    def result(self, value: Any) -> Any:
        return value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)

    @staticmethod
    def _arr(value: Any) -> Any:
        return np.asarray(value, dtype=object)

    def _out(self, value: Any) -> Any:
        return value if isinstance(value, np.ndarray) and value.ndim else (
            value[()] if isinstance(value, np.ndarray) else value)

    # operations
    def transpose(self, value: Any) -> Any:
        return self._arr(value).T if isinstance(value, np.ndarray) else value

    def neg(self, value: Any) -> Any:
        return self._out(-self._arr(value))

    def binop(self, op: str, a: Any, b: Any) -> Any:
        x, y = self._arr(a), self._arr(b)
        if op == "Add":
            r = np.add(x, y)
        elif op == "Sub":
            r = np.subtract(x, y)
        elif op == "Mult":
            r = np.multiply(x, y)
        elif op == "Div":
            r = np.true_divide(x, y)
        elif op == "Pow":
            r = np.power(x, y)
        elif op == "MatMult":
            if x.ndim == 0 or y.ndim == 0:
                raise NotModelled("@ with a scalar")
            r = np.matmul(x, y)
        else:  # pragma: no cover - the grammar has no other operator
            raise NotModelled(op)
        return self._out(r)

    def index(self, value: Any, index: Any) -> Any:
        return self._out(self._arr(value)[index])

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        sp = self.sp
        short = name.removeprefix("np.").removeprefix("linalg.")
        if short in self.unary and len(args) == 1 and not kwargs:
            return self._out(np.vectorize(self.unary[short], otypes=[object])(self._arr(args[0])))
        if short in self.binary and len(args) == 2 and not kwargs and name not in (
                "np.max", "np.min"):
            f = self.binary[short]
            return self._out(np.vectorize(f, otypes=[object])(self._arr(args[0]),
                                                               self._arr(args[1])))
        a = [self._arr(x) for x in args]
        if name in ("np.sum", "np.mean", "np.prod"):
            axis, keep = kwargs.get("axis"), bool(kwargs.get("keepdims", False))
            reduce = np.prod if name == "np.prod" else np.sum
            r = reduce(a[0], axis=axis, keepdims=keep)
            if name == "np.mean":
                count = a[0].size if axis is None else math.prod(
                    a[0].shape[i] for i in (axis if isinstance(axis, tuple) else (axis,)))
                r = np.true_divide(self._arr(r), sp.Integer(count))
            return self._out(self._arr(r))
        if name == "np.trace":
            return np.trace(a[0])
        if name in ("np.transpose",):
            return a[0].T
        if name in ("np.ravel", "np.squeeze"):
            return getattr(np, name[3:])(a[0])
        if name in ("np.ones_like", "np.zeros_like"):
            return np.full(a[0].shape, sp.Integer(1 if "ones" in name else 0), dtype=object)
        if name == "np.full_like":
            return np.full(a[0].shape, a[1][()], dtype=object)
        if name in ("np.outer", "np.kron", "np.dot", "np.matmul", "np.diag", "np.tril",
                    "np.triu", "np.cumsum", "np.cumprod"):
            return self._out(getattr(np, name[3:])(*a, **kwargs))
        if name in ("np.eye", "np.identity"):
            n = [int(x) for x in args]
            eye = np.eye(*n, **kwargs) if name == "np.eye" else np.eye(n[0])
            return np.vectorize(lambda v: sp.Integer(int(v)), otypes=[object])(eye)
        if name == "np.linalg.inv":
            return self._inv(a[0])
        if name == "np.linalg.det":
            return sp.Matrix(a[0].tolist()).det()
        if name == "np.linalg.solve":
            return self._out(np.matmul(self._inv(a[0]), a[1]))
        if name == "np.linalg.matrix_power":
            k = int(args[1])
            base = self._inv(a[0]) if k < 0 else a[0]
            result = np.vectorize(lambda v: sp.Integer(int(v)), otypes=[object])(
                np.eye(a[0].shape[0]))
            for _ in range(abs(k)):
                result = np.matmul(result, base)
            return result
        if name == "np.linalg.norm" and not kwargs:
            return sp.sqrt(sum(x**2 for x in a[0].ravel()))
        raise NotModelled(f"{name} is not supported by the prover")

    def _inv(self, a: Any) -> Any:
        from gradients.catalog.prove import exact_inverse

        return np.array(exact_inverse(self.sp.Matrix(a.tolist())).tolist(), dtype=object)


class _M:
    """A matrix expression at symbolic size; ``vector`` marks a numpy 1-d vector (a column)."""

    def __init__(self, expr: Any, vector: bool = False) -> None:
        self.expr = expr
        self.vector = vector

    def unwrap(self) -> Any:
        return self.expr


class _GeneralBackend(_Scalars):
    """Values: :class:`_M` matrix expressions, SymPy scalars, ``int`` params.

    Matrix algebra, and the elementwise part SymPy writes in matrix form: elementwise
    functions (``Lambda``), products and integer powers of equal shapes (Hadamard), a scalar
    added to a matrix (times the all-ones matrix), ``np.diag`` of a vector. Broadcasting of
    different shapes, indexing, reductions: :class:`NotModelled`.
    """

    def __init__(self) -> None:
        import sympy as sp

        self.sp = sp
        x = sp.Symbol("_x", real=True)
        self.x = x
        self.unary: dict[str, Any] = {
            "np.exp": sp.exp(x), "np.log": sp.log(x), "np.tanh": sp.tanh(x),
            "np.sinh": sp.sinh(x), "np.cosh": sp.cosh(x), "np.sin": sp.sin(x),
            "np.cos": sp.cos(x), "np.sqrt": sp.sqrt(x), "np.square": x**2,
            "np.log1p": sp.log(1 + x), "np.expm1": sp.exp(x) - 1,
            "sigmoid": 1 / (1 + sp.exp(-x)), "softplus": sp.log(1 + sp.exp(x)),
        }

    def _ones(self, m: _M) -> Any:
        return self.sp.OneMatrix(*m.expr.shape)

    def function(self, name: str) -> Any:
        raise NotModelled(name)

    def result(self, value: Any) -> Any:
        if not isinstance(value, _M):
            raise NotModelled("a scalar answer")
        return value

    def transpose(self, value: Any) -> Any:
        if isinstance(value, _M) and not value.vector:
            return _M(value.expr.T)
        return value

    def neg(self, value: Any) -> Any:
        return _M(-value.expr, value.vector) if isinstance(value, _M) else -value

    def binop(self, op: str, a: Any, b: Any) -> Any:
        ma, mb = isinstance(a, _M), isinstance(b, _M)
        if op == "MatMult":
            if not (ma and mb):
                raise NotModelled("@ with a scalar")
            if a.vector and b.vector:
                raise NotModelled("a dot product of two vectors")
            if a.vector:
                return _M(b.expr.T @ a.expr, vector=True)
            return _M(a.expr @ b.expr, vector=b.vector)
        if ma and mb:
            if a.vector != b.vector or a.expr.shape != b.expr.shape:
                raise NotModelled("broadcasting between different shapes")
            if op in ("Add", "Sub"):
                return _M(a.expr + b.expr if op == "Add" else a.expr - b.expr, a.vector)
            if op == "Mult":
                return _M(self.sp.HadamardProduct(a.expr, b.expr), a.vector)
            raise NotModelled("an elementwise quotient or power of two matrices")
        if ma or mb:
            m, s = (a, b) if ma else (b, a)
            if op == "Mult":
                return _M(s * m.expr, m.vector)
            if op == "Div" and ma:
                return _M(m.expr / s, m.vector)
            if op == "Add":
                return _M(s * self._ones(m) + m.expr, m.vector)
            if op == "Sub":
                return _M(a.expr - b * self._ones(a) if ma else a * self._ones(b) - b.expr,
                          m.vector)
            if op == "Pow" and ma and getattr(s, "is_Integer", False) and s > 0:
                return _M(self.sp.HadamardPower(m.expr, s), m.vector)
            raise NotModelled("a scalar divided by a matrix, or a non-integer power")
        return {"Add": lambda: a + b, "Sub": lambda: a - b, "Mult": lambda: a * b,
                "Div": lambda: a / b, "Pow": lambda: a**b}[op]()

    def index(self, value: Any, index: Any) -> Any:
        raise NotModelled("indexing")

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        sp = self.sp
        if kwargs:
            raise NotModelled("keyword arguments")
        if name == "np.outer" and all(isinstance(x, _M) and x.vector for x in args):
            return _M(args[0].expr @ args[1].expr.T)
        if name == "np.trace" and isinstance(args[0], _M) and not args[0].vector:
            return sp.Trace(args[0].expr)
        if name == "np.transpose":
            return self.transpose(args[0])
        if name in ("np.dot", "np.matmul"):
            return self.binop("MatMult", *args)
        if name == "np.linalg.inv" and isinstance(args[0], _M):
            return _M(sp.Inverse(args[0].expr))
        if name == "np.linalg.solve" and all(isinstance(x, _M) for x in args):
            return _M(sp.Inverse(args[0].expr) @ args[1].expr, args[1].vector)
        if name in self.unary and len(args) == 1 and isinstance(args[0], _M):
            f = sp.Lambda(self.x, self.unary[name])
            return _M(args[0].expr.applyfunc(f), args[0].vector)
        if name == "np.diag" and isinstance(args[0], _M) and args[0].vector:
            return _M(sp.DiagMatrix(args[0].expr))
        if name == "np.linalg.matrix_power" and isinstance(args[0], _M):
            k = int(args[1])
            base = args[0].expr
            return _M(sp.Identity(base.shape[0]) if k == 0 else sp.MatPow(base, k))
        raise NotModelled(f"{name} at symbolic size")
