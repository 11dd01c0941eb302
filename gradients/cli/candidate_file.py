"""A candidate as a file: a ``def`` (what ``gradients show ID --format numpy`` prints), or
statements whose indentation means what Python says.

:func:`candidate_text` turns the text of ``gradients try ID --file PATH`` into the candidate
the sandbox's grammar checks (:func:`gradients.cli.expr.parse_program`). The file is only
*parsed* here (``ast.parse``: no code runs, never ``eval``), under a length limit; what comes
out is the body of the function, checked by the sandbox like any typed candidate, under the
same limits.

A file with a ``def`` may contain, besides its docstrings, only ``import numpy as np``, the
helpers ``show`` prints (``sigmoid``, ``softplus``, exactly as printed: the sandbox has them)
and the candidate function: parameters the entry's variables, a body of ``name = ...``
statements ending with ``return EXPR``. With several functions (``gradients show 2 --format
numpy`` prints every entry of problem 2), the one named as ``show`` names the entry's
(``grad_2``) is the candidate.

>>> candidate_text("def grad_6(w, X):\\n    '''doc'''\\n    return (X + X.T) @ w\\n", "6",
...                ("w", "X"))
'(X + X.T) @ w'
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from collections.abc import Sequence

from gradients.cli.usage import UsageError

__all__ = ["MAX_FILE_LENGTH", "candidate_text"]

MAX_FILE_LENGTH = 20_000
"""Characters of a candidate file with a ``def`` (docstrings, helpers, several functions);
the candidate taken out of it obeys the grammar's own limit."""


def _parse(text: str, where: str) -> ast.Module | None:
    """The file as a Python module, ``None`` if Python cannot parse it (then the sandbox's
    grammar reports the error in its terms); an indentation error is a usage error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except IndentationError as exc:
        line = (exc.text or "").strip()
        raise UsageError(
            f"{where}, line {exc.lineno}: {exc.msg}{f': {line[:40]!r}' if line else ''} (a "
            "candidate's statements start at the same column; a def's body is indented)"
        ) from None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _helpers() -> dict[str, str]:
    from gradients.cli.reference import _HELPERS

    return {name: ast.dump(ast.parse(code).body[0]) for name, code in _HELPERS.items()}


def _function_name(derivation_id: str) -> str:
    from gradients.cli.reference import function_name

    return function_name(derivation_id)


def candidate_text(text: str, derivation_id: str, variables: Sequence[str],
                   where: str = "the candidate file") -> str:
    """The candidate of a file's text: the body of its ``def`` as ``name = ...`` lines and the
    returned expression last, or the text itself (dedented) when it has no ``def``.

    Raises
    ------
    UsageError
        Stray indentation; a file too long; anything beside the function but docstrings,
        ``import numpy as np`` and the helpers as ``show`` prints them; parameters other than
        the entry's variables; a body not ending with ``return``.
    """
    dedented = textwrap.dedent(text.replace("\r\n", "\n"))
    if "def" not in dedented:  # no function: a plain candidate, indentation checked
        if len(dedented) <= MAX_FILE_LENGTH:
            _parse(dedented, where)
        return dedented
    if len(dedented) > MAX_FILE_LENGTH:
        raise UsageError(f"{where} is too long ({len(dedented)} characters; at most "
                         f"{MAX_FILE_LENGTH})")
    tree = _parse(dedented, where)
    if tree is None or not any(isinstance(s, ast.FunctionDef) for s in tree.body):
        return dedented  # the grammar reports what Python cannot parse, or refuses `def`
    helpers = _helpers()
    functions = []
    for stmt in tree.body:
        if _is_docstring(stmt):
            continue
        if (isinstance(stmt, ast.Import) and len(stmt.names) == 1
                and stmt.names[0].name == "numpy" and stmt.names[0].asname == "np"):
            continue
        if isinstance(stmt, ast.FunctionDef) and stmt.name in helpers:
            if ast.dump(stmt) != helpers[stmt.name]:
                raise UsageError(
                    f"{where}, line {stmt.lineno}: 'def {stmt.name}' differs from the "
                    f"sandbox's {stmt.name} (see gradients show --format numpy); delete it, "
                    f"the candidate may use {stmt.name} as it is")
            continue
        if isinstance(stmt, ast.FunctionDef):
            functions.append(stmt)
            continue
        shown = (ast.get_source_segment(dedented, stmt) or "").split("\n")[0][:40]
        raise UsageError(
            f"{where}, line {stmt.lineno}: {shown!r} is not allowed beside the function (a "
            "file with a def may hold only docstrings, import numpy as np, the helpers of "
            "gradients show and the function)")
    if len(functions) > 1:
        wanted = _function_name(derivation_id)
        named = [f for f in functions if f.name == wanted]
        if len(named) != 1:
            raise UsageError(
                f"{where} defines {', '.join(f.name for f in functions)}: keep one function, "
                f"or name the candidate {wanted}")
        functions = named
    return _body(functions[0], dedented, derivation_id, variables, where)


def _body(fn: ast.FunctionDef, text: str, derivation_id: str, variables: Sequence[str],
          where: str) -> str:
    a = fn.args
    params = [p.arg for p in a.args]
    if (fn.decorator_list or a.posonlyargs or a.vararg or a.kwonlyargs or a.kwarg or a.defaults
            or any(p.annotation for p in a.args) or fn.returns or getattr(fn, "type_params", None)):
        raise UsageError(f"{where}, line {fn.lineno}: def {fn.name} may have plain parameters "
                         "only (no decorators, defaults, annotations, *args or **kwargs)")
    if sorted(params) != sorted(variables) or len(set(params)) != len(params):
        raise UsageError(
            f"{where}, line {fn.lineno}: the parameters of {fn.name} are ({', '.join(params)}), "
            f"but the variables of {derivation_id} are ({', '.join(variables)}) (see "
            f"gradients show {derivation_id})")
    body = fn.body[1:] if fn.body and _is_docstring(fn.body[0]) else fn.body
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        raise UsageError(f"{where}: def {fn.name} must end with 'return EXPR', the answer")
    lines = []
    for stmt in body[:-1]:
        if isinstance(stmt, ast.Return):
            raise UsageError(f"{where}, line {stmt.lineno}: only the last statement of "
                             f"{fn.name} may return")
        lines.append(ast.get_source_segment(text, stmt) or "")
    lines.append(ast.get_source_segment(text, body[-1].value) or "")
    return "\n".join(lines)
