"""Evaluation: a small interpreter over a validated tree, with size, work and memory bounds.

Before each operation the size of its result and its cost are estimated from the operand
shapes; anything above :data:`~.grammar.MAX_ELEMENTS` elements, beyond the budget of
:data:`~.grammar.MAX_WORK` operations, or beyond :data:`~.grammar.MAX_ALLOCATED` elements
created in all is refused (:class:`~.grammar.LimitError`) before it is computed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection, Mapping
from inspect import Parameter, Signature
from typing import Any

import numpy as np

from . import grammar
from .einsum import _einsum_estimate, _parse_subscripts
from .grammar import (
    _COMPARISONS,
    _CONSTANTS,
    _FUNCTIONS,
    _METHODS,
    _UNARYOPS,
    ExpressionError,
    LimitError,
)
from .literals import _binary, _is_python_number, _normalise, _unparse
from .parsing import parse_program
from .validation import _check_variables, _Validator
from .walker import Walker

_EVALUATION_ERRORS = (ArithmeticError, ValueError, TypeError, IndexError, MemoryError)


def _prod(shape: tuple[int, ...]) -> int:
    return math.prod(int(n) for n in shape)


def _reduced_size(shape: tuple[int, ...], kwargs: dict[str, Any]) -> int:
    """Elements of a reduction's result: the axes not reduced (all of them by default)."""
    axis = kwargs.get("axis")
    if axis is None:
        return 1
    axes = axis if isinstance(axis, tuple) else (axis,)
    ndim = len(shape)
    reduced = set()
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for array of dimension {ndim}")
        reduced.add(a % ndim)
    return _prod(tuple(n for i, n in enumerate(shape) if i not in reduced))


def _estimate(kind: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[int, int, int]:
    """``(elements of the result, elementary operations, elements allocated)`` of a table
    function: upper bounds computed from shapes only; may raise what numpy would raise.

    A reduction is costed by its input *and* its output: summing an empty axis reads nothing
    but writes a result as large as the other axes.
    """
    if kind == "einsum":
        inputs, output = _parse_subscripts(args[0], len(args) - 1)
        return _einsum_estimate(inputs, output, [np.shape(a) for a in args[1:]])
    if kind == "arange":
        bounds = [grammar._integer(a, "an argument of np.arange") for a in args]
        if len(bounds) == 3 and bounds[2] == 0:
            raise ValueError("the step of np.arange is 0")
        size = len(range(*bounds))
        return size, size, size
    shapes = [np.shape(a) for a in args]
    sizes = [_prod(s) for s in shapes]
    if kind == "meta":  # len, np.size: read off the shape; the result is one number
        return 1, 1, 1
    if kind == "reshape":  # never more elements than its input (a copy at most)
        return sizes[0], sizes[0], sizes[0]
    if kind == "sum0":  # Python's sum: over the first axis
        if not shapes[0]:
            return 1, 1, 1  # refused by the function, with its message
        out = _prod(shapes[0][1:])
        return out, max(sizes[0], out), out
    if kind == "elementwise":
        size = _prod(np.broadcast_shapes(*shapes))
        return size, size, size
    if kind == "reduce":
        out = _reduced_size(shapes[0], kwargs)
        return out, max(sizes[0], out), out
    if kind == "trace":
        s = shapes[0]
        if len(s) < 2:
            raise ValueError("diag requires an array of at least two dimensions")
        out = _prod(s[2:])
        return out, max(out * min(s[0], s[1]), out), out
    if kind == "same":
        return sizes[0], sizes[0], sizes[0]
    if kind == "tri":  # np.tril / np.triu make a square matrix of a vector
        size = sizes[0] ** 2 if len(shapes[0]) == 1 else sizes[0]
        return size, size, size
    if kind == "outer":
        size = sizes[0] * sizes[1]
        return size, size, size
    if kind == "dot":
        (sa, sb), (na, nb) = shapes, sizes
        if not sa or not sb:
            return max(na, nb), max(na, nb), max(na, nb)
        out = sa[:-1] if len(sb) == 1 else sa[:-1] + sb[:-2] + sb[-1:]
        return _prod(out), max(_prod(out) * sa[-1], _prod(out)), _prod(out)
    if kind == "matmul":
        return _matmul_estimate(shapes[0], shapes[1])
    if kind == "eye":
        n = operator.index(args[0])
        m = operator.index(args[1]) if len(args) > 1 else n
        size = max(n, 0) * max(m, 0)
        return size, size, size
    if kind == "diag":
        if len(shapes[0]) == 1:
            n = shapes[0][0] + abs(operator.index(kwargs.get("k", 0)))
            return n * n, n * n, n * n
        return sizes[0], sizes[0], sizes[0]
    if kind == "solve":
        return _solve_estimate(shapes[0], shapes[1])
    # "cubic", "svd" and "matrix_power": (..., m, n) stacks; LAPACK works on a copy
    s = shapes[0]
    m, n = (s[-2], s[-1]) if len(s) >= 2 else (1, 1)
    batch = _prod(s[:-2])
    if kind == "matrix_power":
        p = operator.index(args[1])
        cubes = batch * n**3
        return sizes[0], cubes * (2 * max(abs(p).bit_length(), 1) + (p < 0)), 3 * sizes[0]
    # an SVD (pinv) costs about 12 m n min(m, n); det, inv and cholesky (square) n^3
    cost = batch * (12 * max(m, n) * min(m, n) ** 2 if kind == "svd" else max(m, n) ** 3)
    return max(sizes), cost + sum(sizes), 3 * max(sizes) + sum(sizes)


def _solve_estimate(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[int, int, int]:
    """``np.linalg.solve(a, b)``: a factorisation per matrix, then ``2 n^2`` per right-hand side.

    ``b`` of shape ``(n,)`` is one vector; ``(..., n, k)`` is ``k`` columns per matrix.
    """
    if len(sa) < 2:
        raise np.linalg.LinAlgError(
            f"{len(sa)}-dimensional array given. Array must be at least two-dimensional"
        )
    n = sa[-1]
    if len(sb) == 1:
        out = sa[:-2] + sb
    else:
        out = np.broadcast_shapes(sa[:-2], sb[:-2]) + sb[-2:]
    size = _prod(out)
    matrices = max(_prod(out[:-2]) if len(sb) > 1 else _prod(sa[:-2]), 1)
    cost = matrices * n**3 + 2 * n * size
    return size, cost + size, size + matrices * n * n


def _matmul_estimate(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[int, int, int]:
    if not sa or not sb:
        return 1, 1, 1  # numpy refuses 0-d operands of matmul
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    rows = sa[-2:-1] if len(sa) >= 2 else ()
    cols = sb[-1:] if len(sb) >= 2 else ()
    size = _prod(batch + rows + cols)
    return size, max(size * sa[-1], size), size


def _as_value(name: str, value: Any) -> Any:
    if isinstance(value, (np.ndarray, np.generic)) or not _is_python_number(value):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(
                f"value of {name!r} must be numeric, not an array of dtype {array.dtype}"
            )
        if array.size > grammar.MAX_ELEMENTS:
            raise ValueError(f"value of {name!r} has more than {grammar.MAX_ELEMENTS} elements")
        return value if isinstance(value, (np.ndarray, np.generic)) else array
    return _normalise(value)


class _Evaluator(Walker):
    """The numeric back end of :class:`.walker.Walker`: numpy values, with the size, work and
    allocation bounds checked before each operation."""

    def __init__(self, env: Mapping[str, Any], transposed_1d: set[str] | None = None) -> None:
        super().__init__(env)
        self.budget = grammar.MAX_WORK
        self.allocated = 0
        # the operands `.T` is applied to while 1-D (it does nothing there), as text
        self.transposed_1d = set() if transposed_1d is None else transposed_1d

    def fail(self, node: ast.AST, exc: BaseException) -> ExpressionError:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, MemoryError):
            return LimitError(f"{_unparse(node)!r} ran out of memory: {message}", "memory")
        return ExpressionError(f"{_unparse(node)!r} could not be evaluated: {message}")

    def admit(self, node: ast.AST, size: int, cost: int, allocated: int | None = None) -> None:
        if size > grammar.MAX_ELEMENTS:
            raise LimitError(
                f"{_unparse(node)!r} would create {size} elements, over the size limit "
                f"(at most {grammar.MAX_ELEMENTS} allowed)", "size"
            )
        self.budget -= max(cost, 1)
        if self.budget < 0:
            raise LimitError(
                f"{_unparse(node)!r} exceeds the work budget of {grammar.MAX_WORK} operations",
                "work",
            )
        self.allocated += size if allocated is None else allocated
        if self.allocated > grammar.MAX_ALLOCATED:
            raise LimitError(
                f"{_unparse(node)!r} exceeds the memory budget: the candidate would create more "
                f"than {grammar.MAX_ALLOCATED} array elements in all", "allocation"
            )

    def statement(self, node: ast.AST) -> Any:
        try:
            value = self.eval(node)
        except ExpressionError:
            raise
        except _EVALUATION_ERRORS as exc:
            raise self.fail(node, exc) from exc
        return value

    run = statement  # a whole expression, its errors named after it

    def finish(self, value: Any, node: ast.AST) -> Any:
        return value, node

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
            if result.size > grammar.MAX_ELEMENTS:  # pragma: no cover - estimated before computing
                raise LimitError(
                    f"{_unparse(node)!r} gave more than {grammar.MAX_ELEMENTS} elements", "size"
                )
        return result

    def refuse(self, node: ast.AST) -> Any:  # pragma: no cover - the validator refused it
        raise ExpressionError(f"{_unparse(node)!r} is not allowed")

    def constant(self, node: ast.Constant) -> Any:
        return self.guard(node, lambda: _normalise(node.value))

    def unbound(self, node: ast.Name) -> Any:  # pragma: no cover - validated against the env
        raise ExpressionError(f"name {node.id!r} has no value")

    def named_constant(self, node: ast.Attribute, dotted: str) -> Any:
        return _CONSTANTS[dotted]

    def transpose(self, node: ast.Attribute, value: Any) -> Any:
        if np.ndim(value) == 1:
            self.transposed_1d.add(_unparse(node.value))
        return self.guard(node, lambda: np.asarray(value).T)

    def attribute(self, node: ast.Attribute, value: Any) -> Any:  # .shape
        ndim = int(np.ndim(value))
        self.admit(node, ndim, 1, ndim)
        return self.guard(node, lambda: np.array(np.shape(value), dtype=np.int64))

    def unary(self, node: ast.UnaryOp, value: Any) -> Any:
        self.admit(node, int(np.size(value)), int(np.size(value)))
        return self.guard(node, lambda: _normalise(_UNARYOPS[type(node.op)][1](value)))

    def binop(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        def estimate() -> tuple[int, int, int]:
            if isinstance(node.op, ast.MatMult):
                return _matmul_estimate(np.shape(left), np.shape(right))
            size = _prod(np.broadcast_shapes(np.shape(left), np.shape(right)))
            return size, size, size

        size, cost, allocated = self.guard(node, estimate)
        self.admit(node, size, cost, allocated)
        return self.guard(node, lambda: _binary(node.op, left, right))

    def compare(self, node: ast.Compare, left: Any, right: Any) -> Any:
        size = self.guard(
            node, lambda: _prod(np.broadcast_shapes(np.shape(left), np.shape(right)))
        )
        self.admit(node, size, size)
        compare = _COMPARISONS[type(node.ops[0])][1]
        result = self.guard(node, lambda: compare(left, right))
        return np.bool_(result) if isinstance(result, bool) else result

    def call(self, node: ast.Call, name: str | None, args: list[Any],
             kwargs: dict[str, Any]) -> Any:
        assert name is not None
        spec = _METHODS[name[1:]] if name.startswith(".") else _FUNCTIONS[name]
        size, cost, allocated = self.guard(node, lambda: _estimate(spec.kind, args, kwargs))
        self.admit(node, size, cost, allocated)
        return self.guard(node, lambda: _normalise(spec.func(*args, **kwargs)))

    def subscript(self, node: ast.Subscript, value: Any, index: Any) -> Any:
        self.admit(node, 1, 1, 0)  # basic indexing: a view
        return self.guard(node, lambda: np.asarray(value)[index])


def _evaluate_validated(tree: ast.Expression | ast.Module, env: Mapping[str, Any],
                        transposed_1d: set[str] | None = None) -> np.ndarray:
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    evaluator = _Evaluator({name: _as_value(name, env[name]) for name in used if name in env},
                           transposed_1d)
    with np.errstate(all="ignore"):
        if isinstance(tree, ast.Module):
            value, last = evaluator.program(tree)
        else:
            value, last = evaluator.run(tree.body), tree.body
        size = int(np.size(value))
        evaluator.admit(last, size, size)  # the copy returned
        result = evaluator.guard(last, lambda: np.array(value))  # a copy, never a view
    if result.dtype.kind not in "biufc":  # pragma: no cover - no path yields objects
        raise ExpressionError(f"{_unparse(last)!r} is not numeric")
    return result


def evaluate(
    tree_or_text: ast.Expression | ast.Module | str, env: Mapping[str, Any]
) -> np.ndarray:
    """Evaluate a candidate expression (or program) with the variables bound by ``env``.

    Parameters
    ----------
    tree_or_text : ast.Expression, ast.Module or str
        A tree from :func:`parse_expression` or :func:`parse_program`, or the text (then
        parsed as a program, with the names of ``env`` as the variables). A tree is validated
        again against the names of ``env``: a hand-built tree gets the same checks as a parsed
        one.
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
        singular matrix, ...); :class:`LimitError` (a subclass) if it would exceed
        :data:`MAX_ELEMENTS`, :data:`MAX_WORK` or :data:`MAX_ALLOCATED`, or numpy ran out of
        memory.
    TypeError, ValueError
        For a bad ``env``: a key that can't be a variable name, or a non-numeric value.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> evaluate("(X + X.T) @ w", {"X": X, "w": np.ones(2)})
    array([ 7., 13.])
    >>> evaluate("S = X + X.T; S @ w", {"X": X, "w": np.ones(2)})
    array([ 7., 13.])
    """
    names = _check_variables(env.keys())
    tree: ast.Expression | ast.Module
    if isinstance(tree_or_text, str):
        tree = parse_program(tree_or_text, names)
    elif isinstance(tree_or_text, ast.Expression):
        tree = tree_or_text
        _Validator(names, None).value(tree.body, 1)
    elif isinstance(tree_or_text, ast.Module):
        tree = tree_or_text
        _Validator(names, None).program(tree)
    else:
        raise TypeError(
            f"expected an ast.Expression, an ast.Module or a str, not "
            f"{type(tree_or_text).__name__}"
        )
    return _evaluate_validated(tree, env)


def compile_candidate(text: str, variables: Collection[str]) -> Callable[..., np.ndarray]:
    """Make a function of the variables, in the given order, that evaluates ``text``.

    The text is parsed and validated once (:func:`parse_program`); each call evaluates the
    tree.

    Parameters
    ----------
    text : str
        The candidate: an expression, e.g. ``"X.T @ (sigmoid(X @ w) - y) + 2 * lam * w"``, or
        ``name = expression`` statements ending with one, e.g.
        ``"r = sigmoid(X @ w) - y; X.T @ r + 2 * lam * w"``.
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
    tree = parse_program(text, order)
    signature = Signature([Parameter(name, Parameter.POSITIONAL_OR_KEYWORD) for name in order])

    transposed_1d: set[str] = set()

    def candidate(*args: Any, **kwargs: Any) -> np.ndarray:
        bound = signature.bind(*args, **kwargs)  # TypeError for missing or extra arguments
        return _evaluate_validated(tree, bound.arguments, transposed_1d)

    candidate.__signature__ = signature  # type: ignore[attr-defined]
    candidate.__name__ = candidate.__qualname__ = "candidate"
    candidate.__doc__ = f"Candidate expression ``{text}`` of {', '.join(order) or 'nothing'}."
    candidate.expression = text  # type: ignore[attr-defined]
    # the operands `.T` was applied to while 1-D, in all its evaluations so far (e.g. "w":
    # `w.T` does nothing on a vector; `gradients try` says so when the candidate fails)
    candidate.transposed_1d = transposed_1d  # type: ignore[attr-defined]
    return candidate
