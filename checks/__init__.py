"""The finite-difference engine: numerical gradients with error bars, and gradient checks.

Public surface::

    numerical_gradient(f, x, *, method="richardson", step=None, vectorized=False)
    estimate_gradient(...)        -> Estimate(value, error, step, method, evaluations)
    directional_derivative(f, x, v, ...) -> Estimate (scalar)
    numerical_hessian(f, x)
    check_gradient(f, grad, args, *, argnum=0, method=..., mode="full"|"directional"|"taylor")
    assert_gradient(...)          (raises AssertionError with the report)
    taylor_test(f, grad, args, *, argnum=0)

Hypothesis strategies live in :mod:`checks.strategies` (imported explicitly; hypothesis is a
test dependency).
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
from checks.taylor import TaylorResult, taylor_test

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_RTOL",
    "DEFAULT_SAFETY",
    "STEP_FACTORS",
    "Estimate",
    "GradientCheck",
    "InconclusiveError",
    "InconclusiveWarning",
    "TaylorResult",
    "assert_gradient",
    "check_gradient",
    "directional_derivative",
    "directional_derivatives",
    "estimate_gradient",
    "numerical_gradient",
    "numerical_hessian",
    "taylor_test",
]
