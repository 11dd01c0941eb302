r"""``gradients try ID EXPR``: a candidate typed in numpy, checked in the sandbox.

The text is parsed against the sandbox's grammar (never ``eval``), evaluated in a child
process under operating-system limits (:mod:`gradients.cli.sandbox`), and checked on random
inputs like a catalog entry; every value must have the answer's shape. ``--prove`` first
proves or refutes it symbolically (:mod:`gradients.cli.prove_command`); a proof is then
confirmed numerically, so that ``try`` gives one verdict: PASS (or PROVED), FAIL (or
REFUTED: wrong on some input), or UNDEFINED (never wrong, but it cannot be evaluated on some
input: it raises, or its value is not finite; e.g. ``k X^(k-1)`` at ``k = 0`` on a singular
``X``, where the gradient is 0). A counterexample is the smallest input on which the value is
wrong, before any on which there is no value. ``--file`` takes
statements, or a ``def`` exactly as ``gradients show ID --format numpy`` prints it
(:mod:`gradients.cli.candidate_file`). Exit status 0 pass,
1 fail or undefined, 2 a usage error (a bad expression, a wrong shape, a limit reached).

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
    proof = ""
    if getattr(ns, "prove", False) and getattr(ns, "module", None) is None:
        import io

        from gradients.cli.prove_command import run_try_prove

        buf = io.StringIO()
        code = run_try_prove(d.id, text, time_limit=ns.time_limit, out=buf)
        if code in (1, 2):
            print(buf.getvalue(), end="")
            return code  # 1 refuted, 2 usage or no SymPy
        if code == 0:  # proved: the numerical check must agree, or say where it does not
            proof = buf.getvalue().strip()
        else:  # neither proved nor refuted: the numerical check decides
            print(buf.getvalue(), end="")
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
    head = f"{d.id} ({d.title}): `{shown}`"
    n = result.examples
    if result.ok:
        inconclusive = (f"; {result.inconclusive} inconclusive" if result.inconclusive else "")
        if proof:
            print(f"{proof}\n  (and numerically: it agrees with the numerical derivative on "
                  f"{n} random inputs{inconclusive})")
            return 0
        print(f"PASS: {head} agrees with the numerical derivative on {n} random inputs "
              f"(worst relative error {result.worst_rel_error:.1e}{inconclusive}).")
        return 0
    why = _why_undefined(result.raised, result.undefined)
    cannot = f"{result.undefined} of {n} random inputs {why}"
    if result.wrong:
        also = (f"; it cannot be evaluated on {result.undefined} more {why}"
                if result.undefined else "")
        if proof:
            print(f"DISAGREE: {head}: the symbolic proof and the numerical check disagree. "
                  f"The proof: {proof}")
        print(f"FAIL: {head} is wrong on {result.wrong} of {n} random inputs{also}.")
    elif result.undefined == n:
        print(f"UNDEFINED: {head} cannot be evaluated on any of the {n} random inputs "
              f"{why.replace(' of them', '')}.")
    elif proof:
        print(f"UNDEFINED: {head} is proved right wherever it can be evaluated (symbolically: "
              f"{proof.split('`: ', 1)[-1].rstrip('.')}, as a formula defined where its "
              f"inverses exist), but it cannot be evaluated on {cannot}.")
    else:
        print(f"UNDEFINED: {head} is never wrong where it can be evaluated, but it cannot be "
              f"evaluated on {cannot}.")
    if not result.wrong:
        print("An answer must have a value on every input of the entry: where the candidate "
              "has none, the right value is shown beside it. Not accepted.")
    if result.counterexample is not None:
        print(result.report or report(d, result.counterexample))
    note = _transpose_note(sandbox.transposed_1d)
    if note:
        print(f"Note: {note}.")
    steps = _chain_steps(d, catalog_of(ns)) if result.wrong else []
    if steps:
        print(f"Each chain-rule step of this problem is verified on its own "
              f"(`gradients verify {' '.join(steps)}`). If your candidate is built from those "
              "steps, the steps are right and the composition is wrong; "
              "`gradients try STEP \"EXPR\"` checks one of your own steps.")
    return 1


def _why_undefined(raised: int, undefined: int) -> str:
    """Why a candidate has no value on ``undefined`` inputs, ``raised`` of which raised.

    >>> _why_undefined(2, 2)
    '(it raised an error on 2 of them)'
    >>> _why_undefined(0, 3)
    '(its value is not finite there)'
    """
    if raised == undefined:
        return f"(it raised an error on {raised} of them)"
    if raised == 0:
        return "(its value is not finite there)"
    return (f"(it raised an error on {raised} of them; on {undefined - raised} its value "
            "is not finite)")


def _chain_steps(d: Derivation, catalog: Sequence[Derivation]) -> list[str]:
    """The ids of the chain-rule steps (Jacobian and VJP entries) of ``d``'s problem."""
    if d.kind in ("jacobian", "vjp") or not d.id[:1].isdigit():
        return []
    problem = d.id[0]
    return [e.id for e in catalog if e.id.startswith(problem) and (
        e.kind in ("jacobian", "vjp") or e.id.startswith(f"{problem}-dL/"))]
