"""The verification loop: one derivation (or a candidate answer) on many random inputs.

Hypothesis draws the inputs (random shapes and values) and, on a failure,
:func:`checks.search.find_counterexample` shrinks it to a minimal input; this is why
hypothesis is a runtime dependency of the command.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients.catalog import Derivation

__all__ = ["DEFAULT_EXAMPLES", "DETECTABLE", "Verification", "report", "verify_derivation"]

DEFAULT_EXAMPLES = 25
#: a passing check counts as conclusive only where its ``result.detectable`` is at most this:
#: it would have caught a gradient wrong by this relative amount; the others are inconclusive
DETECTABLE = 1e-6


@dataclass
class Verification:
    """Outcome of checking one derivation on many random inputs.

    Every input is judged ``"pass"``, ``"fail"`` or ``"inconclusive"``
    (:meth:`gradients.catalog.Derivation.judged`, and a pass whose ``detectable`` exceeds
    :data:`DETECTABLE` counts as inconclusive); ``failures`` and ``inconclusive`` count them,
    ``worst_rel_error`` is over the conclusive passes.
    """

    id: str
    title: str
    examples: int
    failures: int
    worst_rel_error: float
    seconds: float
    counterexample: Any = None
    inconclusive: int = 0
    raised: int = 0
    """How many of the failures are the answer raising an error (counted in ``failures``)."""
    report: str | None = None
    """The counterexample as text, with the derivation's variable names (see :func:`report`)."""
    worst_failing_rel_error: float | None = None
    """The largest relative error over the failing inputs whose error is a number."""
    check_seconds: float = 0.0
    """Of ``seconds``, the time inside the checks (finite differences and the answer); the
    rest of the examples' time is hypothesis drawing the inputs."""
    search_seconds: float = 0.0
    """Of ``seconds``, the time of the search for a minimal counterexample (0 on a pass)."""
    error: str | None = None
    """Why the derivation could not be checked at all (its loss or strategy raised): then it
    is not ``ok``, and nothing else of the row was measured."""
    undefined: int = 0
    """How many of the failures are inputs on which the answer cannot be evaluated: it
    raised, or its value is not finite (counted in ``failures``; ``raised`` among them)."""

    @property
    def wrong(self) -> int:
        """How many failures are inputs on which the answer's value is wrong (a number that
        differs from the truth), as opposed to :attr:`undefined` ones."""
        return self.failures - self.undefined

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.error is None

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "examples": self.examples,
            "failures": self.failures,
            "inconclusive": self.inconclusive,
            "wrong": self.wrong,
            "undefined": self.undefined,
            "worst_rel_error": self.worst_rel_error,
            "seconds": round(self.seconds, 4),
            "ok": self.ok,
        }
        if self.error is not None:
            out["error"] = self.error
        if self.failures:
            out["worst_failing_rel_error"] = self.worst_failing_rel_error
        if self.counterexample is not None:
            out["counterexample"] = self.report or str(self.counterexample)
        return out


def verify_derivation(
    d: Derivation,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    method: str = "richardson",
    candidate: Any = None,
) -> Verification:
    """Check ``d`` (or a candidate answer) on ``examples`` random inputs.

    On a failure, :func:`checks.search.find_counterexample` shrinks it to a minimal input:
    the smallest input on which the answer is *wrong* (a finite value that fails the
    check) if any draw was wrong, else the smallest on which it cannot be evaluated (it
    raises, or its value is not finite). Both kinds are counted (``wrong``, ``undefined``).

    The drawn inputs are mapped to the check's arguments (:meth:`Derivation.prepare`) inside
    the test, not in the strategy: a maximiser's answer (4-mle's ``w*``) is computed there,
    and an answer that raises on a draw is a failing answer, counted and reported like any
    gradient that raises, never an error of hypothesis's generation.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from checks.search import Counterexample

    f, grad = d.check_functions(candidate)
    strategy, prepare = d.inputs(), d.prepare(candidate)
    worst = 0.0
    worst_failing: float | None = None
    failures = 0
    inconclusive = 0
    raised = 0
    undefined = 0
    start = time.perf_counter()
    checking = 0.0
    errors: list[str] = []

    @settings(
        max_examples=examples, database=None, deadline=None, phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @hseed(seed)
    @given(strategy)
    def run(drawn: tuple[Any, ...]) -> None:
        nonlocal worst, worst_failing, failures, inconclusive, raised, checking, undefined
        began = time.perf_counter()
        try:
            args = tuple(prepare(tuple(drawn)))
            result = d.checker()(f, grad, args, argnum=d.argnum, method=method,
                                 **d.options(args))
        except Exception as exc:  # noqa: BLE001 - a candidate that raises fails
            checking += time.perf_counter() - began
            failures += 1
            raised += 1
            undefined += 1
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        checking += time.perf_counter() - began
        verdict = d.judged(result)
        if verdict == "fail":
            failures += 1
            if not np.all(np.isfinite(np.asarray(result.analytic))):
                undefined += 1
                return
            rel = d.relative_error(result, args)
            if np.isfinite(rel):
                worst_failing = rel if worst_failing is None else max(worst_failing, rel)
        elif verdict == "pass" and (d.kind == "stationary" or result.detectable <= DETECTABLE):
            # the error of a maximiser is relative to the problem's gradient scale; any other
            # check counts where it would have caught a gradient wrong by DETECTABLE
            rel = d.relative_error(result, args)
            worst = max(worst, rel) if np.isfinite(rel) else worst
        else:
            inconclusive += 1

    run()
    searching = time.perf_counter()
    cx = None
    if failures > undefined:  # show a wrong value before an input where there is none
        cx = _wrong_counterexample(d, candidate, method, seed, max(examples, 50))
    if failures and cx is None:
        try:
            cx = d.find_counterexample(candidate, method=method, seed=seed,
                                       max_examples=max(examples, 50),
                                       settings=_search_settings())
        except Exception as exc:  # noqa: BLE001 - e.g. the loss itself raises on a draw
            errors.insert(0, f"{type(exc).__name__}: {exc}")
            cx = _raising_draw(d, candidate, seed)
        if cx is None and errors:
            cx = Counterexample((), None, errors[0], ())
    end = time.perf_counter()
    return Verification(d.id, d.title, examples, failures, worst, end - start, cx,
                        inconclusive, raised, None if cx is None else report(d, cx, candidate),
                        worst_failing, check_seconds=checking,
                        search_seconds=end - searching if failures else 0.0,
                        undefined=undefined)


def _wrong_counterexample(d: Derivation, candidate: Any, method: str, seed: int,
                          max_examples: int) -> Any:
    """The smallest input on which the answer has a finite value that fails the check, or
    ``None``: the inputs on which it cannot be evaluated (it raises, or its value is not
    finite) are rejected from the search (hypothesis's ``reject``), not counted as failures.
    """
    from hypothesis import reject

    _, grad = d.check_functions(candidate)
    prepare = d.prepare(candidate)

    def defined_only(raw: tuple[Any, ...]) -> tuple[Any, ...]:
        try:
            args = tuple(prepare(tuple(raw)))
            value = np.asarray(args[0] if d.kind == "stationary" else
                               grad(*(a.copy() if isinstance(a, np.ndarray) else a
                                      for a in args)))
            ok = bool(np.all(np.isfinite(value)))
        except Exception:  # noqa: BLE001 - cannot be evaluated here: not a wrong value
            ok = False
        if not ok:
            reject()
        return args

    try:
        return d.find_counterexample(candidate, prepare=defined_only, method=method,
                                     seed=seed, max_examples=max_examples,
                                     settings=_search_settings())
    except Exception:  # noqa: BLE001 - none found (or unsatisfiable): the general search runs
        return None


def _raising_draw(d: Derivation, candidate: Any, seed: int) -> Any:
    """The smallest draw on which the answer raises while the check's arguments are prepared
    (a maximiser's answer, 4-mle's ``w*``, is computed there), as a counterexample; ``None``
    if none is found. (:meth:`Derivation.find_counterexample` lets that error through.)"""
    import random

    from hypothesis import find

    from checks.search import Counterexample

    prepare = d.prepare(candidate)

    def error(raw: Any) -> str | None:
        try:
            prepare(tuple(raw))
        except Exception as exc:  # noqa: BLE001 - what the answer raised
            return f"{type(exc).__name__}: {exc}"
        return None

    try:
        raw = tuple(find(d.inputs(), lambda raw: error(raw) is not None,
                         settings=_search_settings(), random=random.Random(seed)))
    except Exception:  # noqa: BLE001 - none found, or the search itself failed
        return None
    names = d.argument_names[1:] if d.kind == "stationary" else d.argument_names
    return Counterexample(raw, None, error(raw), tuple(names))


def _search_settings() -> Any:
    """The hypothesis settings of the shrinking search, whatever profile is loaded.

    The command's output depends only on its arguments (``--seed``, ``--examples``): the
    search starts from hypothesis's own default profile, with no example database (the
    command writes no ``.hypothesis/`` directory into the user's working directory), no
    deadline, generation and shrinking only.
    """
    from hypothesis import HealthCheck, Phase, settings

    return settings(settings.get_profile("default"), database=None, deadline=None,
                    derandomize=False, phases=(Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck))


def report(d: Derivation, cx: Any, candidate: Any = None) -> str:
    """The counterexample's text in the derivation's terms.

    The engine's report names the argument by position (``with respect to args[1]``); here it
    is the variable (``with respect to W1``), and the function is the derivation's loss
    (``gradient of 7b's loss``, the name :meth:`Derivation.check_functions` gives it). With a
    ``candidate``, an entry whose answer is not a gradient (a step, a Newton step, a
    maximiser), or an input on which the candidate cannot be evaluated, ends with what was
    compared: the candidate's value beside the right one (:func:`compared`).
    """
    names = d.argument_names
    text = str(cx)
    if 0 <= d.argnum < len(names):
        text = text.replace(f"with respect to args[{d.argnum}]",
                            f"with respect to {names[d.argnum]}")
    if d.kind == "stationary":  # the answer is the maximiser, not a gradient function
        text = text.replace("The gradient function raised:", "The answer raised:")
        # the analytic side is 0 by construction: a diagnosis of it ("identically zero, a
        # term missing") would describe the check, not the answer
        text = "\n".join(line for line in text.splitlines()
                          if not line.startswith("Diagnosis: "))
    if candidate is not None and getattr(cx, "args", ()) and (
            d.kind in _WHAT or cx.exception is not None or _not_finite(cx)):
        text += "\n" + compared(d, candidate, tuple(cx.args))
    return text


#: what an entry's answer is, and how it is checked, for the entries that are not gradients
_WHAT = {
    "step": ("the new w after one step", "it is checked through the gradient it implies, "
             "(w - w_new) / lr, shown above as ANALYTIC"),
    "newton": ("the new w after one Newton step", "it is checked through the gradient it "
               "implies, H (w - w_new), shown above as ANALYTIC"),
    "stationary": ("the maximiser w*", "it is checked by the gradient of the loss at your "
                   "w*, which must vanish: shown above as NUMERICAL, beside ANALYTIC 0"),
}


def _not_finite(cx: Any) -> bool:
    check = getattr(cx, "check", None)
    return check is not None and not np.all(np.isfinite(np.asarray(check.analytic)))


def _text(value: Any) -> str:
    return " ".join(np.array2string(np.asarray(value, dtype=float), precision=6,
                                    separator=", ").split())


def compared(d: Derivation, candidate: Any, args: tuple[Any, ...]) -> str:
    """The candidate's value beside the catalog's answer at the check's ``args``."""
    what, how = _WHAT.get(d.kind, ("the gradient", ""))
    # a maximiser's check arguments start with the candidate's w*; where the candidate
    # raised, they are the drawn inputs alone
    has_w = d.kind == "stationary" and len(args) == len(d.argument_names)
    inputs = args[1:1 + len(d.variables)] if has_w else args[:len(d.variables)]
    copied = [a.copy() if isinstance(a, np.ndarray) else a for a in inputs]
    try:
        mine = _text(args[0] if has_w else candidate(*copied))
    except Exception as exc:  # noqa: BLE001 - the candidate has no value here
        mine = f"cannot be evaluated ({type(exc).__name__}: {' '.join(str(exc).split())})"
    else:
        if "nan" in mine or "inf" in mine:
            mine += " (not finite: it cannot be evaluated here)"
    try:
        right = _text(d.grad(*[a.copy() if isinstance(a, np.ndarray) else a for a in inputs]))
    except Exception as exc:  # noqa: BLE001 - e.g. inputs outside the answer's domain
        right = f"not defined here either ({type(exc).__name__}: {' '.join(str(exc).split())})"
    lines = [f"Compared: {what}{' (' + how + ')' if how else ''}.",
             f"  yours: {mine}", f"  right: {right}"]
    return "\n".join(lines)
