r"""The expression sandbox: a safe evaluator for candidate gradients written as numpy expressions.

``gradients try`` checks a gradient the user typed, e.g. ``"3 * (X @ X).T"`` or
``"X.T @ (sigmoid(X @ w) - y) + 2 * lam * w"``, written in the problem's variable names, or a
short program of assignments ending with the answer,
``"r = sigmoid(X @ w) - y; X.T @ r + 2 * lam * w"``. The text is parsed with
:func:`ast.parse`, checked against a *whitelist* of syntax, and evaluated by a small
interpreter that walks the checked tree: the raw string is never handed to ``eval``, ``exec``
or ``compile``, and no Python object other than numbers, numpy arrays and the table's
functions is ever reached. ``gradients try`` runs this interpreter in a child process under
operating-system limits (:mod:`gradients.cli.sandbox`); the bounds below are its first line.

The grammar
-----------
* statements separated by ``;`` or newlines: ``name = expression`` (not a variable, not
  starting with ``_``; an intermediate may be assigned again, ``P = P / s``), then the
  expression of the answer; no other statement (imports, ``+=``, loops, definitions, ...);
* numbers: ``int`` and ``float`` literals (no strings, bytes, complex, ``True``/``None``);
* the problem's variable names, and the helpers ``sigmoid`` and ``softplus`` (stable
  :math:`1/(1+e^{-a})` and :math:`\ln(1+e^{a})`), ``abs(a)``, and ``max(a, b)`` /
  ``min(a, b)`` (elementwise, as ``np.maximum`` / ``np.minimum``); a variable of the same
  name shadows a helper;
* ``+ - * / ** @``, unary ``-`` and ``+``, one comparison ``== != < <= > >=`` (a boolean
  array; combine with ``np.logical_and``, select with ``np.where(c, a, b)``) (no ``//``,
  ``%``, bit operators, chained comparisons, ``and``/``or``/``not``, conditional
  expressions);
* ``.T`` and ``.shape`` (an integer array: ``X.shape[0]``) on any expression, and the
  methods ``.reshape(...)`` (a tuple or sizes, one ``-1``), ``.transpose(...)`` and
  ``.astype(float)`` (or ``int``, ``bool``); no other method (``w.copy()``, ``X.sum()`` are
  refused: write ``np.sum(X)``);
* ``np.einsum`` with a string literal of subscripts (``'ij,j->i'``, checked when parsed; no
  ``...``), ``np.arange`` of integers, ``len(x)``, ``np.size(x)`` and Python's ``sum(x)``
  (over the first axis);
* calls of the functions in :data:`ALLOWED_FUNCTIONS` only (``np.<name>``,
  ``np.linalg.<name>``, ``sigmoid``, ``softplus``), with a fixed number of positional
  arguments each (so a ufunc's ``out`` can't be passed) and a few keywords (``axis=``,
  ``keepdims=``, ``k=``, ``axes=``) whose values are literals; a shape or axes argument may
  be a tuple of expressions, ``np.reshape(Z, (X.shape[0], -1))``;
  :func:`~.grammar.allowed_names` lists every name;
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
  (broadcasting, ``@``, ``np.outer``, ``np.eye``, ``np.arange``, ``np.einsum`` by its whole
  index space, ``np.diag``, reductions by their input and their output, the ``O(n^3)``
  linear algebra, a solve by its right-hand sides, ...): a result
  of more than :data:`MAX_ELEMENTS` elements, a total cost of more than :data:`MAX_WORK`
  elementary operations, or more than :data:`MAX_ALLOCATED` elements created in all (every
  intermediate, also those assigned to names) per evaluation, is refused *before* it is
  computed, with :class:`LimitError` naming the limit.

Errors
------
:func:`parse_expression` (one expression) and :func:`parse_program` (statements) raise
:class:`ExpressionError` for any refused text.
:func:`evaluate` and the functions made by :func:`compile_candidate` raise
:class:`ExpressionError` for a refused expression *and* for every failure while evaluating it
(shape mismatches, singular matrices, bad axes, a float where an int is needed, ...), the
message naming the sub-expression, e.g. ``"'X @ w' could not be evaluated: matmul: ..."``.
They raise :class:`TypeError` or :class:`ValueError` only for caller errors: a variable name
that is not an identifier, starts with ``_`` or is ``np``; a non-numeric value; wrong
arguments to the compiled function. Floating-point warnings are silenced
(``np.errstate(all="ignore")``): a result with ``inf`` or ``nan`` is returned, and judging it
is the caller's business.

Layout
------
:mod:`.grammar` (the limits, the table of functions, the operators, :class:`ExpressionError`),
:mod:`.literals` (reading literals, bounded scalar arithmetic and constant folding),
:mod:`.validation` (the whitelist walk), :mod:`.parsing` (:func:`parse_expression`,
:func:`parse_program`),
:mod:`.evaluation` (the interpreter: :func:`evaluate`, :func:`compile_candidate`). The limits
above are re-exported for reading; they are read from :mod:`.grammar` at call time, so that is
where to change one.

Example
-------
>>> import numpy as np
>>> from gradients.cli.expr import compile_candidate
>>> candidate = compile_candidate("3 * (X @ X).T", ("X",))
>>> candidate(np.array([[1.0, 2.0], [0.0, 1.0]]))
array([[ 3.,  0.],
       [12.,  3.]])
>>> compile_candidate("X.__class__", ("X",))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gradients.cli.expr.grammar.ExpressionError: attribute access '.__class__' is not allowed ...
"""

from .evaluation import compile_candidate, evaluate
from .grammar import (
    ALLOWED_FUNCTIONS,
    MAX_ALLOCATED,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_STATEMENTS,
    MAX_WORK,
    ExpressionError,
    LimitError,
)
from .parsing import parse_expression, parse_program

__all__ = [
    "ALLOWED_FUNCTIONS",
    "MAX_ALLOCATED",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_STATEMENTS",
    "MAX_WORK",
    "ExpressionError",
    "LimitError",
    "compile_candidate",
    "evaluate",
    "parse_expression",
    "parse_program",
]
