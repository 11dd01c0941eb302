"""Hard functions for the gradient check: each one defeats a fixed-step finite difference.

One :class:`HardCase` per situation: a loss ``f``, its exact gradient, a cheap ``draw(rng)``
of one random argument tuple (numpy RNG, so a benchmark can use seeds ``0..29``) and a few
planted wrong gradients. Each case stands for one way a checker with one global step goes
wrong:

* a kink within one step of the point (``relu-net``, ``abs-small``) or at the point itself
  (``relu-exact-kink``: any value between the one-sided derivatives is right);
* a domain edge within one step (``log-edge``, ``sqrt-edge``, ``gauss-nll``'s ``sigma``,
  ``logdet-illcond``'s positive-definite cone) or a pole (``pole``);
* an entry whose scale is set by an offset, not by its variation (``layernorm-offset``,
  ``sin-offset``, ``gauss-nll``'s ``mu``, ``taylor-offset``) or that varies much faster
  than its size (``sin300``);
* round-off far above ``eps * |f|`` (``float32-logistic``) and values near overflow
  (``huge-trace``, ``huge-output``).

Wrong gradients, all in :attr:`HardCase.wrong` as ``(label, grad_fn)``: ``"one-entry-10%"``
(the entry of largest magnitude, or the hard entry where that is another, times 1.1) and
``"scaled-1e-4"`` (the whole gradient times ``1 + 1e-4``), plus a few case-specific ones.
Their size is measured by :func:`rel_error`, ``max|a - g| / max|g|``; at an exact kink the
distance of ``a_k`` to the interval between the one-sided derivatives counts instead of
``|a_k - g_k|`` (:attr:`HardCase.onesided`).

:func:`assert_promise` states the contract of ``check_gradient``'s ``detectable``: no
gradient whose error exceeds it gets the verdict ``"pass"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from gradients.catalog.lookup import by_id as lookup_by_id

__all__ = [
    "HARD_CASES",
    "HARD_IDS",
    "VERDICTS",
    "MODES",
    "HardCase",
    "assert_promise",
    "assert_right_never_fails",
    "assert_sharp",
    "assert_wrong_never_passes",
    "by_id",
    "check",
    "interval",
    "rel_error",
    "strategy",
    "wrong_by_label",
]

VERDICTS = ("pass", "fail", "inconclusive")
MODES = ("full", "directional")

GradFn = Callable[..., np.ndarray]


@dataclass(frozen=True, repr=False)
class HardCase:
    """A loss with its exact gradient, random inputs and planted wrong gradients.

    Attributes
    ----------
    id, title : str
        Short identifier and a one-line description.
    f : callable
        ``f(*args) -> float``.
    grad : callable
        ``grad(*args)``: the exact gradient with respect to ``args[argnum]`` (at an exact
        kink, one admissible value: ``relu'(0) = 0``).
    draw : callable
        ``draw(rng: np.random.Generator) -> tuple``: one random argument tuple.
    wrong : tuple of (str, callable)
        Wrong gradients, at least ``"one-entry-10%"`` and ``"scaled-1e-4"``.
    argnum : int
        The differentiated argument.
    notes : str
        What makes the case hard.
    onesided : callable or None
        ``onesided(*args) -> (left, right)``: the one-sided partial derivatives, for cases
        drawn at exact kinks; ``None`` where ``f`` is differentiable at every draw.
    """

    id: str
    title: str
    f: Callable[..., Any]
    grad: GradFn
    draw: Callable[[np.random.Generator], tuple]
    wrong: tuple[tuple[str, GradFn], ...]
    argnum: int = 0
    notes: str = ""
    onesided: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None

    def __repr__(self) -> str:  # names the case in hypothesis' falsifying examples
        return f"by_id({self.id!r})"


def strategy(case: HardCase) -> st.SearchStrategy[tuple]:
    """Argument tuples of ``case``, drawn from a hypothesis-chosen seed."""
    return st.integers(0, 2**32 - 1).map(lambda s: case.draw(np.random.default_rng(s)))


# ------------------------------------------------------------------------------ measures


def interval(case: HardCase, args: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)``: the admissible values of each gradient entry at ``args``.

    ``lo == hi == grad`` where ``f`` is differentiable; at an exact kink the interval between
    the one-sided derivatives.
    """
    if case.onesided is None:
        g = np.asarray(case.grad(*args), dtype=float)
        return g, g
    left, right = (np.asarray(d, dtype=float) for d in case.onesided(*args))
    return np.minimum(left, right), np.maximum(left, right)


def rel_error(a: Any, g: Any, bounds: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Norm-relative error ``max_k dist(a_k, [lo_k, hi_k]) / max|g|`` (``[g_k, g_k]`` by default).

    0 when ``a`` is admissible everywhere, ``inf`` when it is not and ``g == 0``.
    """
    a = np.asarray(a, dtype=float)
    g = np.asarray(g, dtype=float)
    lo, hi = (g, g) if bounds is None else bounds
    dist = np.maximum(0.0, np.maximum(lo - a, a - hi))
    worst = float(np.max(dist, initial=0.0))
    scale = float(np.max(np.abs(g), initial=0.0))
    if worst == 0.0:
        return 0.0
    return worst / scale if scale > 0.0 else float("inf")


def assert_promise(result: Any, a: Any, g: Any,
                   bounds: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """The contract of a three-valued check, for the analytic gradient ``a`` it was given.

    The verdict is one of :data:`VERDICTS`, ``ok`` says ``"pass"`` and nothing else, and
    ``detectable`` is a promise: no ``a`` whose :func:`rel_error` to the true gradient ``g``
    exceeds it gets ``"pass"``. Returns that error (for notes and further asserts).
    """
    __tracebackhide__ = True
    err = rel_error(a, g, bounds)
    report = str(result)
    assert result.verdict in VERDICTS, f"verdict {result.verdict!r}:\n{report}"
    assert result.ok == (result.verdict == "pass"), f"ok={result.ok!r}:\n{report}"
    detectable = float(result.detectable)
    assert detectable >= 0.0 and not np.isnan(detectable), f"detectable={detectable}"
    assert not (result.verdict == "pass" and err > detectable), (
        f"a gradient with relative error {err:.3g} passed, but detectable is "
        f"{detectable:.3g}:\n{report}"
    )
    return err


def _copy(args: tuple) -> tuple:
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def check(case: HardCase, args: tuple, grad: GradFn | None = None, **kwargs: Any) -> Any:
    """``checks.check_gradient`` of ``case.f`` against ``grad`` (default the exact one).

    The engine is imported here, not at module level, so that this library imports even
    while the engine does not (a benchmark imports it).
    """
    from checks import check_gradient

    return check_gradient(case.f, case.grad if grad is None else grad, _copy(args),
                          argnum=case.argnum, **kwargs)


def assert_right_never_fails(case: HardCase, args: tuple, mode: str) -> Any:
    """The exact gradient: the promise holds and the verdict is not ``"fail"``."""
    __tracebackhide__ = True
    r = check(case, args, mode=mode)
    assert_promise(r, case.grad(*_copy(args)), case.grad(*_copy(args)), interval(case, args))
    assert r.verdict != "fail", f"{case.id}: the exact gradient failed:\n{r}"
    return r


def assert_wrong_never_passes(case: HardCase, args: tuple, mode: str) -> None:
    """Every planted wrong gradient: no ``"pass"`` with an error above ``detectable``."""
    __tracebackhide__ = True
    g = case.grad(*_copy(args))
    for label, wrong in case.wrong:
        r = check(case, args, wrong, mode=mode)
        try:
            assert_promise(r, wrong(*_copy(args)), g, interval(case, args))
        except AssertionError as exc:
            raise AssertionError(f"{case.id}, {label!r}, {mode} mode: {exc}") from None


def assert_sharp(case: HardCase, args: tuple, label: str = "one-entry-10%") -> Any:
    """A grossly wrong gradient (default one entry 10 % off) fails in full mode."""
    __tracebackhide__ = True
    r = check(case, args, wrong_by_label(case, label), mode="full")
    assert r.verdict == "fail", f"{case.id}: {label!r} was not rejected:\n{r}"
    return r


# ------------------------------------------------------------------------------ builders


def _entry_off(grad: GradFn, pick: Callable[..., int] | None = None,
               factor: float = 1.1) -> GradFn:
    """``grad`` with one entry times ``factor``: ``pick(g, *args)`` (flat index), default the
    entry of largest magnitude."""

    def wrong(*args):
        g = np.array(grad(*args), dtype=float)
        k = int(np.argmax(np.abs(g))) if pick is None else int(pick(g, *args))
        g.flat[k] *= factor
        return g

    return wrong


def _scaled(grad: GradFn, rel: float) -> GradFn:
    def wrong(*args):
        return (1.0 + rel) * np.asarray(grad(*args), dtype=float)

    return wrong


def _standard(grad: GradFn, pick: Callable[..., int] | None = None,
              *extra: tuple[str, GradFn]) -> tuple[tuple[str, GradFn], ...]:
    return (("one-entry-10%", _entry_off(grad, pick)),
            ("scaled-1e-4", _scaled(grad, 1e-4))) + tuple(extra)


def _loguniform(rng: np.random.Generator, lo: float, hi: float, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _one_small(rng, n, small, big):
    """``n`` entries drawn by ``big(rng, n)``, one (at a random index) by ``small(rng)``."""
    x = big(rng, n)
    x[rng.integers(n)] = small(rng)
    return x


# ------------------------------------------------------------------------------ kinks


def relu_net(W1, X, w2, y):
    r = np.maximum(X @ W1, 0.0) @ w2 - y
    return 0.5 * float(r @ r)


def relu_net_grad(W1, X, w2, y):
    H = X @ W1
    r = np.maximum(H, 0.0) @ w2 - y
    return X.T @ ((r[:, None] * w2[None, :]) * (H > 0.0))


def _draw_relu_net(rng):
    X = rng.standard_normal((20, 5))
    W1 = rng.standard_normal((5, 16))
    w2 = rng.standard_normal(16)
    y = rng.standard_normal(20)
    return (W1, X, w2, y)


def abs_sum(x):
    return float(np.sum(np.abs(x)))


def abs_sum_grad(x):
    return np.sign(x)


def _draw_abs_small(rng):
    n = int(rng.integers(2, 5))

    def big(r, m):
        return r.choice([-1.0, 1.0], m) * r.uniform(0.5, 3.0, m)

    def small(r):
        return float(r.choice([-1.0, 1.0]) * _loguniform(r, 1e-4, 1e-2))

    return (_one_small(rng, n, small, big),)


def relu_sum(w):
    return float(np.sum(np.maximum(w, 0.0)))


def relu_sum_grad(w):
    return (w > 0.0).astype(float)  # relu'(0) = 0


def relu_sum_onesided(w):
    return (w > 0.0).astype(float), (w >= 0.0).astype(float)


def _draw_relu_kink(rng):
    """3..6 entries: one positive, at least one exactly 0, the rest N(0, 4) or 0."""
    n = int(rng.integers(3, 7))
    w = 2.0 * rng.standard_normal(n)
    w[rng.random(n) < 0.3] = 0.0
    w[0] = 0.0
    w[1] = 0.5 + abs(w[1])
    return (w[rng.permutation(n)],)


def _kink_slope(value: float) -> GradFn:
    def grad(w):
        return np.where(w == 0.0, value, (w > 0.0).astype(float))

    return grad


def _first_positive(g, w):
    return int(np.flatnonzero(w > 0.0)[0])


# ------------------------------------------------------------------------------ domains


def inverse_sum(x):
    return float(np.sum(1.0 / x))


def inverse_sum_grad(x):
    return -1.0 / x**2


def _draw_pole(rng):
    return (_one_small(rng, 3, lambda r: float(_loguniform(r, 1e-4, 1e-2)),
                       lambda r, m: r.uniform(0.5, 3.0, m)),)


def log_sum(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.sum(np.log(x)))


def log_sum_grad(x):
    return 1.0 / x


def _draw_log_edge(rng):
    return (_one_small(rng, 3, lambda r: float(_loguniform(r, 1e-4, 1e-2)),
                       lambda r, m: _loguniform(r, 0.5, 20.0, m)),)


def sqrt_sum(x):
    with np.errstate(invalid="ignore"):
        return float(np.sum(np.sqrt(x)))


def sqrt_sum_grad(x):
    return 0.5 / np.sqrt(x)


def _draw_sqrt_edge(rng):
    return (_one_small(rng, 3, lambda r: float(_loguniform(r, 1e-4, 1e-2)),
                       lambda r, m: r.uniform(0.5, 3.0, m)),)


def gauss_nll(theta, y):
    """``N log sigma + sum (y - mu)^2 / (2 sigma^2) + N/2 log(2 pi)``; nan for ``sigma <= 0``."""
    mu, sigma = theta
    n = y.size
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(n * np.log(sigma) + np.sum((y - mu) ** 2) / (2.0 * sigma**2)
                     + 0.5 * n * np.log(2.0 * np.pi))


def gauss_nll_grad(theta, y):
    mu, sigma = theta
    d = y - mu
    return np.array([-np.sum(d) / sigma**2, y.size / sigma - np.sum(d**2) / sigma**3])


def _draw_gauss_nll(rng):
    y = 100.0 + 0.5 * rng.standard_normal(10)
    mu = 100.0 + 0.2 * rng.standard_normal()
    sigma = 0.5 * np.exp(0.3 * rng.standard_normal())
    theta = np.array([mu, sigma])
    return (theta, y)


def logdet(A):
    """``log det A``, nan outside the determinant's positive region."""
    sign, value = np.linalg.slogdet(A)
    return float(value) if sign > 0 else float("nan")


def logdet_grad(A):
    inv = np.linalg.inv(A)
    return 0.5 * (inv + inv.T)


def _draw_logdet(rng):
    """4x4 SPD with eigenvalues 1, two log-uniform in between, and 1e-4: condition 1e4."""
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    eig = np.concatenate(([1.0], _loguniform(rng, 1e-4, 1.0, 2), [1e-4]))
    A = (Q * eig) @ Q.T
    return (0.5 * (A + A.T),)


# ------------------------------------------------------------------------------ offsets


_LN_EPS = 1e-5


def layernorm_loss(x, c):
    d = x - np.mean(x)
    return float(c @ (d / np.sqrt(np.mean(d**2) + _LN_EPS)))


def layernorm_loss_grad(x, c):
    d = x - np.mean(x)
    s = np.sqrt(np.mean(d**2) + _LN_EPS)
    yhat = d / s
    return (c - np.mean(c) - yhat * np.mean(c * yhat)) / s


def _draw_layernorm(rng):
    return (5.0 + 0.01 * rng.standard_normal(8), rng.standard_normal(8))


def sin_sum(x):
    return float(np.sum(np.sin(x)))


def sin_sum_grad(x):
    return np.cos(x)


def _draw_sin_offset(rng):
    return (1000.0 + rng.standard_normal(3),)


def offset_square(x):
    return 1e6 + float(x @ x)


def offset_square_grad(x):
    return 2.0 * x


def sin300(x):
    return float(np.sin(300.0 * x[0]) + x @ x)


def sin300_grad(x):
    g = 2.0 * x
    g[0] += 300.0 * np.cos(300.0 * x[0])
    return g


def _draw_normal3(rng):
    return (rng.standard_normal(3),)


def _draw_normal4(rng):
    return (rng.standard_normal(4),)


# ------------------------------------------------------------------------------ noise, size


def logistic32(w, X, y):
    """Logistic loss computed in float32, returned as a Python float (float64)."""
    z = X.astype(np.float32) @ w.astype(np.float32)
    loss = np.sum(np.logaddexp(np.float32(0.0), z) - y.astype(np.float32) * z)
    return float(loss)


def logistic32_grad(w, X, y):
    z = X @ w
    return X.T @ (0.5 * (1.0 + np.tanh(0.5 * z)) - y)


def _draw_logistic(rng):
    X = rng.standard_normal((20, 4))
    w = rng.standard_normal(4)
    y = (rng.random(20) < 0.5).astype(float)
    return (w, X, y)


def trace_square(X):
    return float(np.trace(X @ X))


def trace_square_grad(X):
    return 2.0 * X.T


def _draw_huge_matrix(rng):
    return (1e100 * rng.standard_normal((3, 3)),)


def huge_square(x):
    return 1e170 * float(x @ x)


def huge_square_grad(x):
    return 2e170 * x


# ------------------------------------------------------------------------------ the table


HARD_CASES: tuple[HardCase, ...] = (
    HardCase(
        "relu-net", "2-layer ReLU regression net, gradient w.r.t. W1 (X 20x5, W1 5x16)",
        relu_net, relu_net_grad, _draw_relu_net, _standard(relu_net_grad),
        notes="320 pre-activations, several within one default step of 0: kinks near x",
    ),
    HardCase(
        "layernorm-offset", "c . layernorm(x), x = 5 + 0.01 N(0, 1), size 8",
        layernorm_loss, layernorm_loss_grad, _draw_layernorm, _standard(layernorm_loss_grad),
        notes="|x_k| = 5 sets a step 500x the length on which f varies (0.01)",
    ),
    HardCase(
        "pole", "sum(1/x), one coordinate log-uniform in [1e-4, 1e-2], others in [0.5, 3]",
        inverse_sum, inverse_sum_grad, _draw_pole, _standard(inverse_sum_grad),
        notes="a step of rms(x) scale jumps over the pole at 0 (f stays finite there)",
    ),
    HardCase(
        "log-edge", "sum(log x), one coordinate log-uniform in [1e-4, 1e-2], others [0.5, 20]",
        log_sum, log_sum_grad, _draw_log_edge, _standard(log_sum_grad),
        notes="a step of rms(x) scale leaves the domain x > 0 (f is nan there)",
    ),
    HardCase(
        "sqrt-edge", "sum(sqrt x), one coordinate log-uniform in [1e-4, 1e-2], others [0.5, 3]",
        sqrt_sum, sqrt_sum_grad, _draw_sqrt_edge, _standard(sqrt_sum_grad),
        notes="the domain edge x >= 0 within one step; f' grows like x^(-1/2)",
    ),
    HardCase(
        "gauss-nll", "Gaussian NLL of 10 points in theta = (mu, sigma), mu ~ 100, sigma ~ 0.5",
        gauss_nll, gauss_nll_grad, _draw_gauss_nll, _standard(gauss_nll_grad),
        notes="rms(theta) ~ 70: a shared step sends sigma below 0 (nan) and is 100x too long "
              "for mu",
    ),
    HardCase(
        "abs-small", "sum(|x|), one coordinate of magnitude in [1e-4, 1e-2], others [0.5, 3]",
        abs_sum, abs_sum_grad, _draw_abs_small,
        _standard(abs_sum_grad, lambda g, x: int(np.argmin(np.abs(x)))),
        notes="the kink at 0 within one step of the small coordinate; np.sign is exact",
    ),
    HardCase(
        "sin-offset", "sum(sin x), x = 1000 + N(0, 1), size 3",
        sin_sum, sin_sum_grad, _draw_sin_offset, _standard(sin_sum_grad),
        notes="a step relative to |x| = 1000 spans several periods",
    ),
    HardCase(
        "logdet-illcond", "log det A, A 4x4 SPD with condition number 1e4",
        logdet, logdet_grad, _draw_logdet, _standard(logdet_grad),
        notes="a step of |A| scale leaves the positive-definite cone (lambda_min = 1e-4); "
              "gradient entries ~ 1e4",
    ),
    HardCase(
        "relu-exact-kink", "sum(max(w, 0)) at points with exact zeros",
        relu_sum, relu_sum_grad, _draw_relu_kink,
        _standard(relu_sum_grad, _first_positive, ("kink-slope-2", _kink_slope(2.0)),
                  ("kink-slope--0.5", _kink_slope(-0.5))),
        notes="not differentiable at the zero entries: any relu'(0) in [0, 1] is right",
        onesided=relu_sum_onesided,
    ),
    HardCase(
        "float32-logistic", "logistic loss of (w; X 20x4, y) computed in float32, returned "
        "as float64", logistic32, logistic32_grad, _draw_logistic, _standard(logistic32_grad),
        notes="f's round-off is ~1e-7 relative, 1e9 times eps: a noisy f",
    ),
    HardCase(
        "huge-trace", "tr(X^2), X = 1e100 N(0, 1) (3x3)",
        trace_square, trace_square_grad, _draw_huge_matrix,
        _standard(trace_square_grad, None, ("transposed", lambda X: 2.0 * X)),
        notes="f ~ 1e200, near overflow when squared",
    ),
    HardCase(
        "huge-output", "1e170 sum(x^2), x ~ N(0, 1) (size 3)",
        huge_square, huge_square_grad, _draw_normal3,
        _standard(huge_square_grad, None, ("doubled", lambda x: 4e170 * x)),
        notes="f ~ 1e170: f^2 overflows",
    ),
    HardCase(
        "taylor-offset", "1e6 + sum(x^2), x ~ N(0, 1) (size 4)",
        offset_square, offset_square_grad, _draw_normal4, _standard(offset_square_grad),
        notes="the offset sets a round-off floor 1e6 eps: Taylor remainders drown in it",
    ),
    HardCase(
        "sin300", "sin(300 x0) + |x|^2, x ~ N(0, 1) (size 3)",
        sin300, sin300_grad, _draw_normal3,
        _standard(sin300_grad, None, ("scaled-1e-6", _scaled(sin300_grad, 1e-6))),
        notes="x0 varies on a length 1/300, far below |x0|: a step of |x| scale aliases",
    ),
)

HARD_IDS = [c.id for c in HARD_CASES]


def by_id(case_id: str) -> HardCase:
    return lookup_by_id(HARD_CASES, case_id, "hard case")


def wrong_by_label(case: HardCase, label: str) -> GradFn:
    return dict(case.wrong)[label]
