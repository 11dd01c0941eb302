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

__all__ = ["DEFAULT_EXAMPLES", "DETECTABLE", "Verification", "verify_derivation"]

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

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "examples": self.examples,
            "failures": self.failures,
            "inconclusive": self.inconclusive,
            "worst_rel_error": self.worst_rel_error,
            "seconds": round(self.seconds, 4),
            "ok": self.ok,
        }
        if self.counterexample is not None:
            out["counterexample"] = str(self.counterexample)
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

    On a failure, :func:`checks.search.find_counterexample` shrinks it to a minimal input.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from checks import check_gradient
    from checks.search import Counterexample

    f, grad, strategy = d.setup(candidate)
    worst = 0.0
    failures = 0
    inconclusive = 0
    start = time.perf_counter()
    errors: list[str] = []

    @settings(
        max_examples=examples, database=None, deadline=None, phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @hseed(seed)
    @given(strategy)
    def run(args: tuple[Any, ...]) -> None:
        nonlocal worst, failures, inconclusive
        try:
            result = check_gradient(f, grad, args, argnum=d.argnum, method=method,
                                    **d.options(args))
        except Exception as exc:  # noqa: BLE001 - a candidate that raises fails
            failures += 1
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        verdict = d.judged(result)
        if verdict == "fail":
            failures += 1
        elif verdict == "pass" and (d.kind == "stationary" or result.detectable <= DETECTABLE):
            # the error of a maximiser is relative to the problem's gradient scale; any other
            # check counts where it would have caught a gradient wrong by DETECTABLE
            rel = d.relative_error(result, args)
            worst = max(worst, rel) if np.isfinite(rel) else worst
        else:
            inconclusive += 1

    run()
    cx = None
    if failures:
        cx = d.find_counterexample(candidate, method=method, seed=seed,
                                   max_examples=max(examples, 50))
        if cx is None and errors:
            cx = Counterexample((), None, errors[0], ())
    return Verification(d.id, d.title, examples, failures, worst,
                        time.perf_counter() - start, cx, inconclusive)
