"""The finite-difference engine: numerical gradients with error bars, and gradient checks.

Public surface::

    check_gradient(f, grad, args, *, argnum=0, method=..., mode="full"|"directional", ...)
        -> GradientCheck(verdict "pass"|"fail"|"inconclusive", detectable, ...)
    assert_gradient(...)             raises AssertionError (fail) or InconclusiveError
    taylor_test(f, grad, args, *, argnum=0, direction=None) -> TaylorResult
    find_counterexample(f, grad, inputs, *, argnum=0, **check_options) -> Counterexample | None
    assert_no_counterexample(...)    raises AssertionError with the minimal arguments
    numerical_gradient(f, x, *, method="richardson", step=None, vectorized=False) -> ndarray
    estimate_gradient(...)           -> Estimate(value, error, lower, upper, step, ...)
    directional_derivative(f, x, v, ...) / directional_derivatives(f, x, directions, ...)
    numerical_hessian(f, x)

Hypothesis strategies live in :mod:`checks.strategies` (``from checks import strategies``);
the pytest plugin that registers the ``gradcheck-*`` hypothesis profiles is
:mod:`checks.pytest_plugin`. The layout of the engine is in ARCHITECTURE.md.
"""

from checks.compare import (
    DEFAULT_DIRECTIONS,
    DEFAULT_RTOL,
    DEFAULT_SAFETY,
    GradientCheck,
    InconclusiveError,
    InconclusiveWarning,
    assert_gradient,
    check_gradient,
)
from checks.differences import (
    STEP_FACTORS,
    Estimate,
    directional_derivative,
    directional_derivatives,
    estimate_gradient,
    numerical_gradient,
    numerical_hessian,
)
from checks.search import Counterexample, assert_no_counterexample, find_counterexample
from checks.taylor import TaylorResult, taylor_test

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_RTOL",
    "DEFAULT_SAFETY",
    "STEP_FACTORS",
    "Counterexample",
    "Estimate",
    "GradientCheck",
    "InconclusiveError",
    "InconclusiveWarning",
    "TaylorResult",
    "assert_gradient",
    "assert_no_counterexample",
    "check_gradient",
    "directional_derivative",
    "directional_derivatives",
    "estimate_gradient",
    "find_counterexample",
    "numerical_gradient",
    "numerical_hessian",
    "taylor_test",
]
