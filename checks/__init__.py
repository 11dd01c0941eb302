"""The finite-difference engine: numerical gradients with error bars, and gradient checks.

Public surface::

    check_gradient(f, grad, args, *, argnum=0, method=..., mode="full"|"directional", ...)
        -> GradientCheck(verdict "pass"|"fail"|"inconclusive", detectable, ...)
    assert_gradient(...)             raises AssertionError (fail) or InconclusiveError
    taylor_test(f, grad, args, *, argnum=0, direction=None) -> TaylorResult
    find_counterexample(f, grad, inputs, *, argnum=0, **check_options) -> Counterexample | None
    search_counterexample(...)       -> SearchResult(counterexample, draws, verdict)
    assert_no_counterexample(...)    raises AssertionError with the minimal arguments, or
                                     InconclusiveError when no draw was conclusive
    numerical_gradient(f, x, *, method="richardson", step=None, vectorized=False) -> ndarray
    estimate_gradient(...)           -> Estimate(value, error, lower, upper, step, ...)
    directional_derivative(f, x, v, ...) / directional_derivatives(f, x, directions, ...)
    numerical_hessian(f, x, *, grad=None) -> Estimate(value of shape x.shape * 2, error, ...)
    check_jacobian(f, jac, args, ...) / check_jvp(f, jvp, args, ...) / check_vjp(f, vjp, args, ...)
        -> JacobianCheck (a GradientCheck: verdict, detectable, worst (output, input) entry)
    check_adjoint(jvp, vjp, args, ...) -> JacobianCheck   the dot-product test, no f
    check_hessian(f, hess, args, *, grad=None, ...) / check_hvp(f, hvp, args, ...) -> JacobianCheck
    taylor_test_hessian(f, grad, args, *, hess=None, hvp=None) -> HessianTaylorResult

Hypothesis strategies live in :mod:`checks.strategies` (``from checks import strategies``);
the pytest plugin that registers the ``gradcheck-*`` hypothesis profiles is
:mod:`checks.pytest_plugin`. The layout of the engine is in ARCHITECTURE.md.

A right gradient passes, a wrong one fails (a third verdict, ``"inconclusive"``, says that
the finite differences could not have told):

>>> import numpy as np
>>> from checks import check_gradient
>>> w = np.array([1.0, -2.0, 0.5])
>>> check_gradient(lambda w: np.sum(w**3), lambda w: 3 * w**2, (w,)).verdict
'pass'
>>> check_gradient(lambda w: np.sum(w**3), lambda w: 3 * w, (w,)).verdict
'fail'
"""

from checks.adjoint import check_adjoint
from checks.compare import (
    DEFAULT_DIRECTIONS,
    GradientCheck,
    InconclusiveError,
    InconclusiveWarning,
    assert_gradient,
    check_gradient,
)
from checks.differences import estimate_gradient, numerical_gradient
from checks.directional import directional_derivative, directional_derivatives
from checks.estimates import Estimate
from checks.hessian import check_hessian, check_hvp
from checks.hessian_estimate import numerical_hessian
from checks.jacobian import (
    JacobianCheck,
    check_jacobian,
    check_jvp,
    check_vjp,
    estimate_jacobian,
)
from checks.methods import STEP_FACTORS
from checks.rule import DEFAULT_RTOL, DEFAULT_SAFETY
from checks.search import (
    Counterexample,
    Draws,
    SearchResult,
    assert_no_counterexample,
    find_counterexample,
    search_counterexample,
)
from checks.taylor import TaylorResult, taylor_test
from checks.taylor_second import HessianTaylorResult, taylor_test_hessian

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_RTOL",
    "DEFAULT_SAFETY",
    "STEP_FACTORS",
    "Counterexample",
    "Draws",
    "Estimate",
    "GradientCheck",
    "HessianTaylorResult",
    "InconclusiveError",
    "InconclusiveWarning",
    "JacobianCheck",
    "SearchResult",
    "TaylorResult",
    "assert_gradient",
    "assert_no_counterexample",
    "check_adjoint",
    "check_gradient",
    "check_hessian",
    "check_hvp",
    "check_jacobian",
    "check_jvp",
    "check_vjp",
    "directional_derivative",
    "directional_derivatives",
    "estimate_gradient",
    "estimate_jacobian",
    "find_counterexample",
    "numerical_gradient",
    "numerical_hessian",
    "search_counterexample",
    "taylor_test",
    "taylor_test_hessian",
]
