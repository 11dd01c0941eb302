r"""``gradients try ID EXPR``: a candidate typed in numpy, checked in the sandbox.

The text is parsed against the sandbox's grammar (never ``eval``), evaluated in a child
process under operating-system limits (:mod:`gradients.cli.sandbox`), and checked on random
inputs like a catalog entry; every value must have the answer's shape. ``--prove`` first
proves or refutes it symbolically (:mod:`gradients.cli.prove_command`). ``--file`` takes
statements, or a ``def`` exactly as ``gradients show ID --format numpy`` prints it
(:mod:`gradients.cli.candidate_file`). Exit status 0 pass,
1 fail, 2 a usage error (a bad expression, a wrong shape, a limit reached).

>>> _one_line("r = X @ w  # residual\nX.T @ r")
'r = X @ w; X.T @ r'
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradients.catalog import Derivation
from gradients.cli.sandbox import Limits
from gradients.cli.selection import catalog_of, complex_filter, select_one
from gradients.cli.usage import UsageError
from gradients.cli.verification import report, verify_derivation

__all__ = ["cmd_try"]


class _WrongShape(BaseException):  # noqa: N818 - passes through the engine, like a limit
    """The candidate's value has another shape than the answer's."""


class _ShapeChecked:
    """The sandboxed candidate, whose every value must have the answer's shape."""

    def __init__(self, d: Derivation, sandbox: Any) -> None:
        self.d, self.sandbox = d, sandbox
        self.__name__ = self.__qualname__ = "candidate"

    def __call__(self, *args: Any) -> Any:
        value = self.sandbox(*args)
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        expected = tuple(int(n) for n in np.shape(self.d.grad(*copies)))
        if value.shape != expected:
            shapes = ", ".join(f"{n} {_shape(a)}" for n, a in
                               zip(self.d.variables, args, strict=False))
            scalar = ("; the answer is a scalar: return shape () (drop keepdims=True, or take "
                      "the one element with [0])" if expected == () else "")
            raise _WrongShape(
                f"the candidate for {self.d.id} returns shape {value.shape}, but the answer has "
                f"shape {expected} for inputs of shapes {shapes}{scalar}"
            )
        return value


def _transpose_note(operands: Any) -> str:
    """What to say of ``.T`` applied to a 1-D operand (it does nothing), or ``""``.

    >>> _transpose_note({"w"})
    '`w.T` does nothing: w is 1-D, and .T of a 1-D array is the same array (so w @ w.T is a \
number, the dot product); write w[:, None] for a column, np.outer(w, w) for the outer \
product w w^T'
    """
    if not operands:
        return ""
    t = sorted(operands, key=lambda o: (len(o), o))[0]
    t = t if t.isidentifier() else f"({t})"
    return (f"`{t}.T` does nothing: {t} is 1-D, and .T of a 1-D array is the same array (so "
            f"{t} @ {t}.T is a number, the dot product); write {t}[:, None] for a column, "
            f"np.outer({t}, {t}) for the outer product {t} {t}^T")


def _shape(a: Any) -> str:
    shape = getattr(a, "shape", None)
    return str(tuple(shape)) if shape is not None else f"= {a!r}"


def _candidate_text(ns: argparse.Namespace) -> str:
    if ns.file is not None and ns.expr is not None:
        raise UsageError("give the candidate either as EXPR or with --file, not both")
    if ns.file is None:
        if ns.expr is None:
            raise UsageError(f"missing the candidate: gradients try {ns.id} \"EXPR\" (or "
                             "--file PATH); see 'gradients try --help'")
        return ns.expr
    try:
        if ns.file == "-":
            return sys.stdin.read()
        with open(ns.file, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {ns.file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {ns.file}: not UTF-8 text") from None


def _one_line(text: str, limit: int = 100) -> str:
    """The candidate on one line: statements joined by '; ', comments dropped (the grammar has
    no strings, so '#' starts a comment)."""
    lines = [line.split("#", 1)[0].strip() for line in text.strip().splitlines()]
    lines = [line.rstrip(";").strip() for line in lines if line]
    joined = "; ".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def cmd_try(ns: argparse.Namespace) -> int:
    from gradients.cli.expr import ExpressionError
    from gradients.cli.sandbox import LimitExceeded, Sandbox, SandboxError

    d = select_one(ns.id, catalog_of(ns), ns)
    text = _candidate_text(ns)
    if ns.file is not None:  # a def (as `show --format numpy` prints it) or plain statements
        from gradients.cli.candidate_file import candidate_text

        text = candidate_text(text, d.id, d.variables,
                              "standard input" if ns.file == "-" else ns.file)
    if ns.method == "complex":
        complex_filter([d])
    if getattr(ns, "prove", False) and getattr(ns, "module", None) is None:
        from gradients.cli.prove_command import run_try_prove

        code = run_try_prove(d.id, text, time_limit=ns.time_limit)
        if code is not None:
            return code  # 0 proved, 1 refuted, 2 usage or no SymPy
        # neither proved nor refuted: the numerical check decides
    limits = Limits(ns.memory_limit, ns.cpu_limit, ns.time_limit)
    deadline = time.monotonic() + limits.time_seconds
    try:
        sandbox = Sandbox(text, d.variables, limits, deadline=deadline)
    except ExpressionError as exc:
        raise UsageError(f"bad expression: {exc}") from None
    try:
        with sandbox:
            result = verify_derivation(d, examples=ns.examples, seed=ns.seed, method=ns.method,
                                       candidate=_ShapeChecked(d, sandbox))
    except _WrongShape as exc:
        note = _transpose_note(sandbox.transposed_1d)
        raise UsageError(f"{exc}{'; ' + note if note else ''}") from None
    except LimitExceeded as exc:
        raise UsageError(str(exc)) from None
    except SandboxError as exc:
        raise UsageError(f"the sandbox failed: {exc}") from None
    shown = _one_line(text)
    if result.ok:
        inconclusive = (f"; {result.inconclusive} inconclusive" if result.inconclusive else "")
        print(f"PASS: {d.id} ({d.title}): `{shown}` agrees with the numerical derivative on "
              f"{result.examples} random inputs (worst relative error "
              f"{result.worst_rel_error:.1e}{inconclusive}).")
        return 0
    raised = (f" (it raised an error on {result.raised} of them)" if result.raised else "")
    print(f"FAIL: {d.id} ({d.title}): `{shown}` is wrong on {result.failures} of "
          f"{result.examples} random inputs{raised}.")
    if result.counterexample is not None:
        print(result.report or report(d, result.counterexample))
    note = _transpose_note(sandbox.transposed_1d)
    if note:
        print(f"Note: {note}.")
    steps = _chain_steps(d, catalog_of(ns))
    if steps:
        print(f"Each chain-rule step of this problem is verified on its own "
              f"(`gradients verify {' '.join(steps)}`). If your candidate is built from those "
              "steps, the steps are right and the composition is wrong; "
              "`gradients try STEP \"EXPR\"` checks one of your own steps.")
    return 1


def _chain_steps(d: Derivation, catalog: Sequence[Derivation]) -> list[str]:
    """The ids of the chain-rule steps (Jacobian and VJP entries) of ``d``'s problem."""
    if d.kind in ("jacobian", "vjp") or not d.id[:1].isdigit():
        return []
    problem = d.id[0]
    return [e.id for e in catalog if e.id.startswith(problem) and (
        e.kind in ("jacobian", "vjp") or e.id.startswith(f"{problem}-dL/"))]
