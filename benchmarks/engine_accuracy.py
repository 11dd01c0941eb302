"""Worst error of each finite-difference method on the engine's test functions.

``python -m benchmarks.engine_accuracy [--examples N]`` draws N inputs per function of
``tests/_functions.py`` (polynomials, sin*exp, log-sum-exp, Rosenbrock, tr(X^3), tr(X^2)),
keeps those of condition <= 3 (as the accuracy tests do), and prints per method the worst
``max|num - exact| / max|exact|`` (exact reference in long double) and the worst ratio of
true error to the engine's error estimate. Run it from the root of a checkout: the test
functions are imported from there as ``tests._functions`` (``tests/`` is a namespace package).
"""

from __future__ import annotations

import argparse

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings

from checks import estimate_gradient
from tests._functions import CASES, MAX_CONDITION, condition, reference_gradient

METHODS = ("forward", "central", "richardson", "complex")


def measure(examples: int) -> dict[str, tuple[float, float, str]]:
    """``{method: (worst relative error, worst true/estimate, function id)}``."""
    worst: dict[str, tuple[float, float, str]] = {m: (0.0, 0.0, "") for m in METHODS}
    for case in CASES:
        if case.f.__code__.co_argcount != 1:
            continue
        _measure_case(case, examples, worst)
    return worst


def _measure_case(case, examples: int, worst: dict) -> None:
    @settings(max_examples=examples, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @seed(1)
    @given(case.inputs)
    def run(x):
        if condition(case, x) > MAX_CONDITION:
            return
        exact = np.asarray(reference_gradient(case, x), dtype=float)
        scale = np.abs(exact).max()
        if scale == 0:
            return
        for m in METHODS:
            est = estimate_gradient(case.f, x, method=m)
            err = np.abs(est.value - exact)
            rel, cid = err.max() / scale, case.id
            ratio = float(np.max(err / np.maximum(est.error, 1e-300)))
            old = worst[m]
            worst[m] = (max(old[0], rel), max(old[1], ratio), cid if rel > old[0] else old[2])

    run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    ns = parser.parse_args()
    for m, (rel, ratio, cid) in measure(ns.examples).items():
        print(f"{m:<11} worst rel. error {rel:.1e} ({cid}), worst true/estimate {ratio:.2f}")


if __name__ == "__main__":
    main()
