"""Parsing: text to a validated syntax tree (:func:`parse_expression`, :func:`parse_program`)."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Collection

from . import grammar
from .grammar import ExpressionError
from .literals import _short
from .validation import _check_variables, _Validator


def _syntax_message(text: str, exc: SyntaxError) -> str:
    """``invalid syntax at column 3: 'rest of the text'`` (and Python's reason, if specific);
    ``at line 2, column 3: '...'`` or ``at line 2: 'the line'`` in a text of several lines."""
    reason = "" if exc.msg == "invalid syntax" else f" ({exc.msg})"
    column, lineno = exc.offset, exc.lineno
    lines = text.split("\n")
    if not lineno or lineno > len(lines):
        return f"invalid syntax in {_short(text, 40)!r}{reason}"
    line = lines[lineno - 1]
    rest = line[column - 1 :] if column else ""
    if len(lines) == 1:
        if not rest.strip():
            return f"invalid syntax in {_short(text, 40)!r}{reason}"
        return f"invalid syntax at column {column}: {_short(rest, 40)!r}{reason}"
    if not rest.strip():
        return f"invalid syntax at line {lineno}: {_short(line.strip(), 40)!r}{reason}"
    return f"invalid syntax at line {lineno}, column {column}: {_short(rest, 40)!r}{reason}"


_SUBSCRIPTS = re.compile(r"(einsum\(\s*)('[^'\n]*'|\"[^\"\n]*\")")
_NUMBER_BEFORE_NAME = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![eEjJ][-+]?\d)([A-Za-z_(])")


def _typo_hints(text: str, names: Collection[str]) -> list[str]:
    r""""did you mean" hints for the usual typos of a refused candidate: math notation (``ᵀ``,
    ``X'``, ``^\top``, ``^``), a typographic minus, ``2X`` for ``2 * X``, ``lambda``.

    >>> _typo_hints("3(X^2)^\\top", ["X"])  # doctest: +NORMALIZE_WHITESPACE
    ['did you mean .T for a transpose (X.T, (X @ X).T)?', 'did you mean 3 * (...) (a product
    needs *)?', 'use ** for a power (X ** 2) or @ for a matrix product (X @ X), not ^']
    """
    hints = []
    text = _SUBSCRIPTS.sub(r"\1''", text)  # einsum's quotes are not a transpose (X')
    transpose = re.compile(r"\^\s*(\{\s*)?(\\top|T|\\intercal)\b")
    if "ᵀ" in text or "⊤" in text or transpose.search(text) or re.search(r"[\w)\]]'", text):
        hints.append("did you mean .T for a transpose (X.T, (X @ X).T)?")
    minus = sorted({c for c in text if c in "\u2212\u2013\u2014\u2010\u2011\ufe63\uff0d"})
    if minus:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in minus)
        hints.append(f"did you mean - (the ASCII minus) for {shown}?")
    if "×" in text or "·" in text or "⋅" in text:
        hints.append("did you mean * (elementwise) or @ (matrix product) for × or ·?")
    match = _NUMBER_BEFORE_NAME.search(text)
    if match:
        number, after = match.groups()
        shown = f"{number} * (...)" if after == "(" else f"{number} * {after}"
        if after != "(":
            word = re.match(r"\w+", text[match.start(2):])
            shown = f"{number} * {word.group(0) if word else after}"
        hints.append(f"did you mean {shown} (a product needs *)?")
    if "^" in transpose.sub("", text):
        hints.append("use ** for a power (X ** 2) or @ for a matrix product (X @ X), not ^")
    if re.search(r"\blambda\b", text):
        hints.append("did you mean lam? (lambda is a Python keyword; the variable is lam)"
                     if "lam" in names else "lambda is a Python keyword, not allowed here")
    return hints


def _with_hints(text: str, names: Collection[str], exc: ExpressionError) -> ExpressionError:
    """``exc`` with the typo hints of ``text`` appended to its message (one line)."""
    hints = _typo_hints(text, names) if type(exc) is ExpressionError else []
    return ExpressionError("; ".join([str(exc), *hints])) if hints else exc


def _parse(text: str, mode: str) -> ast.AST:
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    if len(text) > grammar.MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters; at most {grammar.MAX_LENGTH})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes and the like
            return ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(_syntax_message(text, exc)) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes; parser limits
        raise ExpressionError(f"invalid expression: {exc}") from None


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
        of :mod:`gradients.cli.expr`; the message names the offending part.
    TypeError
        If ``text`` is not a string.
    ValueError
        If a variable name is not an identifier, starts with ``_`` or is ``np``.

    Examples
    --------
    >>> tree = parse_expression("2 * X @ w", ["X", "w"])
    >>> parse_expression("w.copy()", ["w"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradients.cli.expr.grammar.ExpressionError: method call '.copy(...)' is not allowed ...
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    names = _check_variables(variables)
    try:
        tree = _parse(text, "eval")
        assert isinstance(tree, ast.Expression)
        _Validator(names, text).value(tree.body, 1)
    except ExpressionError as exc:
        raise _with_hints(text, names, exc) from None
    return tree


def parse_program(text: str, variables: Collection[str]) -> ast.Module:
    """Parse and validate a candidate of several statements.

    Statements are separated by ``;`` or newlines. Each but the last is an assignment of an
    expression to a new name (not a variable, not assigned before, not starting with ``_``),
    which later statements may use; the last is the expression of the answer::

        Z = sigmoid(X @ W0.T); H = X + sigmoid(Z @ W1.T); H.T @ (sigmoid(H @ w2) - y)

    A single expression is a program of one statement; leading spaces of a line are ignored.
    Every expression obeys the grammar of
    :mod:`gradients.cli.expr`; all statements together obey :data:`~.grammar.MAX_LENGTH` and
    :data:`~.grammar.MAX_STATEMENTS`.

    Raises
    ------
    ExpressionError
        As :func:`parse_expression`, and for any statement that is not ``name = expression``
        (imports, ``+=``, loops, definitions, ...), a name assigned twice or shadowing a
        variable, or a last statement that is not an expression.

    Examples
    --------
    >>> tree = parse_program("A = X @ w; 2 * A", ["X", "w"])
    >>> parse_program("A = X @ w; A += 1; A", ["X", "w"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradients.cli.expr.grammar.ExpressionError: augmented assignment 'A += 1' is not allowed
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, not {type(text).__name__}")
    names = _check_variables(variables)
    # indentation means nothing here (no blocks): a pasted, indented formula is welcome
    text = "\n".join(line.lstrip(" \t") for line in text.replace("\r\n", "\n").split("\n"))
    try:
        tree = _parse(text, "exec")
        assert isinstance(tree, ast.Module)
        _Validator(names, text).program(tree)
    except ExpressionError as exc:
        raise _with_hints(text, names, exc) from None
    return tree

