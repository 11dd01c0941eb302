"""Test functions with known gradients, for the engine's own tests.

One entry per function: id, ``f``, its gradient, the input strategy and the formula. Every
``f`` and ``grad`` is written with numpy ufuncs only, so that

* they are complex-safe (no ``abs``, ``real``, comparisons or casts), for the complex step;
* they run in ``np.longdouble`` (80-bit extended precision on x86-64 Linux, eps ~ 1e-19):
  :func:`reference_gradient` evaluates ``grad`` there, so the reference against which the
  engine's errors are measured is not itself wrong by a few float64 ulps — the complex step
  is expected to be within 1e-15, about 4.5 ulps, of the truth.

Inputs come from :mod:`checks.strategies` (entries ``0`` or ``1e-3 <= |x| <= 4``, sizes
1..8), with the restrictions each function needs written next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from checks import strategies as S
from gradients.catalog.lookup import by_id as lookup_by_id

__all__ = [
    "CASES",
    "CASE_IDS",
    "MAX_CONDITION",
    "REFERENCE_EPS",
    "Case",
    "by_id",
    "condition",
    "fewer",
    "reference_gradient",
    "small_arrays",
    # the functions, each with its gradient
    "poly", "poly_grad", "poly0", "poly0_grad", "sin_exp", "sin_exp_grad",
    "log_sum_exp", "log_sum_exp_grad", "rosenbrock", "rosenbrock_grad",
    "trace_cube", "trace_cube_grad", "trace_square", "trace_square_grad",
    "quadratic_form", "quadratic_form_grad",
]

#: Unit round-off of the reference gradients: about 1e-19 where ``np.longdouble`` is 80-bit
#: (x86-64 Linux), ``2.2e-16`` where it is float64 (e.g. arm64 macOS).
REFERENCE_EPS = float(np.finfo(np.longdouble).eps)


@st.composite
def small_arrays(draw, *, min_dims=0, max_dims=3, max_size=8, elements=None):
    """float64 arrays of ``min_dims..max_dims`` dimensions and at most ``max_size`` entries."""
    ndim = draw(st.integers(min_dims, max_dims))
    shape: list[int] = []
    room = max_size
    for _ in range(ndim):
        side = draw(st.integers(1, room))
        shape.append(side)
        room //= side
    elems = S.elements() if elements is None else elements
    return draw(arrays(np.float64, tuple(shape), elements=elems))


# ------------------------------------------------------------------------------ functions


def poly(x):
    return np.sum(x**4 - 2.0 * x**3 + x) + 0.5 * np.sum(x) ** 2


def poly_grad(x):
    return 4.0 * x**3 - 6.0 * x**2 + 1.0 + np.sum(x)


def poly_terms(x):
    return 4.0 * np.abs(x) ** 3 + 6.0 * x**2 + 1.0 + np.sum(np.abs(x))


def poly0(x):
    return x**5 - 3.0 * x**2 + x


def poly0_grad(x):
    return 5.0 * x**4 - 6.0 * x + 1.0


def poly0_terms(x):
    return 5.0 * x**4 + 6.0 * np.abs(x) + 1.0


def sin_exp(x):
    return np.sum(np.sin(x) * np.exp(x / 2.0))


def sin_exp_grad(x):
    return (np.cos(x) + np.sin(x) / 2.0) * np.exp(x / 2.0)


def sin_exp_terms(x):
    return (np.abs(np.cos(x)) + np.abs(np.sin(x)) / 2.0) * np.exp(x / 2.0)


def log_sum_exp(x):
    # |x| <= 4 here, so no max-shift is needed (and none would be complex-safe).
    return np.log(np.sum(np.exp(x)))


def log_sum_exp_grad(x):
    e = np.exp(x)
    return e / np.sum(e)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    inner = x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * inner - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * inner
    return g


def rosenbrock_terms(x):
    # The differences x_{i+1} - x_i^2 and 1 - x_i count as cancelling sums too: in the
    # valley (x_{i+1} = x_i^2, near x = 1) the gradient is small while f varies steeply.
    t = np.zeros_like(x)
    inner = np.abs(x[1:]) + x[:-1] ** 2
    t[:-1] += 400.0 * np.abs(x[:-1]) * inner + 2.0 * (1.0 + np.abs(x[:-1]))
    t[1:] += 200.0 * inner
    return t


def trace_cube(X):
    return np.trace(X @ X @ X)


def trace_cube_grad(X):
    return 3.0 * (X @ X).T


def trace_cube_terms(X):
    return 3.0 * (np.abs(X) @ np.abs(X)).T


def trace_square(X):
    return np.trace(X @ X)


def trace_square_grad(X):
    return 2.0 * X.T


def quadratic_form(w, A):
    return w @ A @ w


def quadratic_form_grad(w, A):
    return (A + A.T) @ w




# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True, repr=False)
class Case:
    """A function with a known gradient and the inputs it is tested on.

    ``terms(x)`` is, entry by entry, the sum of the magnitudes of the terms that the gradient
    formula adds up (``|a| + |b|`` for ``a - b``); see :func:`condition`.
    """

    id: str
    f: Callable[[np.ndarray], object]
    grad: Callable[[np.ndarray], np.ndarray]
    terms: Callable[[np.ndarray], np.ndarray]
    inputs: st.SearchStrategy[np.ndarray]
    formula: str

    def __repr__(self) -> str:  # names the case in hypothesis' falsifying examples
        return f"by_id({self.id!r})"


def _magnitude(grad):
    return lambda x: np.abs(grad(x))


# log-sum-exp and Rosenbrock are the two functions whose value does not scale with their
# input: f(0) = log(n) and f(0) = n - 1, while the default steps scale with x (h ~ c rms(x)).
# At small x the round-off of a difference, ~ eps |f| / h, relative to the gradient (~1) is
# eps |f| / (c rms(x)) -- 6e-7 for central differences (c = 6e-6) at rms(x) = 1e-3, and
# 5 eps |f| / (0.011 rms(x)) = 1e-11 for Richardson at rms(x) = 0.01 (measured: 1.9e-11 and
# 6.3e-12). That is their conditioning on the scale of x (f is O(1) and nearly flat there),
# not an engine defect, so their entries are drawn with 1/2 <= |x| <= 4.
_AWAY_FROM_ZERO = st.one_of(st.floats(-4.0, -0.5), st.floats(0.5, 4.0))
# log-sum-exp also has gradient entries that sum to 1, so max|grad| can be as small as 1/n
# while f >= log(n): at x = (a, ..., a) the Richardson round-off relative to max|grad| is
# about 5 eps n (a + log n) / (0.011 a) -- 1.1e-12 measured at n = 5, a = 0.5, and 8e-13 at
# n = 6, a = 1. With n <= 4 it is below 4e-13 (measured), so its arrays have at most 4 entries.
_LSE_INPUTS = small_arrays(min_dims=1, max_dims=2, max_size=4, elements=_AWAY_FROM_ZERO)

#: Relative errors are measured where ``condition(case, x) <= MAX_CONDITION``: away from
#: stationary points, where the gradient is a cancelling sum of larger terms (measured on
#: 1,500 draws per case at 3: central <= 2.1e-10, Richardson <= 4.7e-13, complex <= 4.7e-16).
MAX_CONDITION = 3.0

CASES: tuple[Case, ...] = (
    Case("poly", poly, poly_grad, poly_terms, small_arrays(min_dims=1, max_dims=1),
         "sum(x^4 - 2x^3 + x) + (sum x)^2 / 2 -> 4x^3 - 6x^2 + 1 + sum x"),
    Case("poly-0d", poly0, poly0_grad, poly0_terms, small_arrays(min_dims=0, max_dims=0),
         "x^5 - 3x^2 + x -> 5x^4 - 6x + 1 (0-d x)"),
    Case("sin-exp", sin_exp, sin_exp_grad, sin_exp_terms, small_arrays(),
         "sum(sin(x) exp(x/2)) -> (cos x + sin x / 2) exp(x/2)"),
    Case("log-sum-exp", log_sum_exp, log_sum_exp_grad, _magnitude(log_sum_exp_grad),
         _LSE_INPUTS, "log(sum(exp x)) -> softmax(x)"),
    Case("rosenbrock", rosenbrock, rosenbrock_grad, rosenbrock_terms,
         arrays(np.float64, st.integers(2, 8), elements=_AWAY_FROM_ZERO),
         "sum(100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2)"),
    Case("trace-cube", trace_cube, trace_cube_grad, trace_cube_terms, S.square_matrices(),
         "tr(X^3) -> 3 (X^2)^T"),
    Case("trace-square", trace_square, trace_square_grad, _magnitude(trace_square_grad),
         S.square_matrices(), "tr(X^2) -> 2 X^T"),
)
CASE_IDS = [c.id for c in CASES]


def by_id(case_id: str) -> Case:
    return lookup_by_id(CASES, case_id, "case")


def reference_gradient(case: Case, x: np.ndarray) -> np.ndarray:
    """``case.grad`` evaluated in extended precision (``np.longdouble``)."""
    return np.asarray(case.grad(np.asarray(x, dtype=np.longdouble)), dtype=np.longdouble)


def condition(case: Case, x: np.ndarray) -> float:
    """``max_k terms_k / max_k |grad_k|``: how much the gradient cancels (1 when it does not).

    Near a stationary point every finite-difference formula loses relative accuracy by this
    factor: the complex step computes the same terms and its round-off is ``eps * terms``;
    the truncation error ``h^2 f''' / 6`` of a central difference does not shrink with the
    gradient. ``inf`` when the gradient is zero.
    """
    g = float(np.max(np.abs(reference_gradient(case, x)), initial=0.0))
    t = float(np.max(case.terms(np.asarray(x, dtype=np.longdouble)), initial=0.0))
    return t / g if g > 0 else float("inf")


def fewer(divisor: int) -> settings:
    """The active profile's example budget divided by ``divisor`` (at least 10).

    For properties that are slow or multiplied by many parameters; the profile still sets
    everything else, and ``thorough`` still runs ``divisor`` times fewer than its 1,000.
    """
    return settings(max_examples=max(10, settings.default.max_examples // divisor))
