"""Functions that attacked the engine after issue 9: one :class:`~_hard.HardCase` per mechanism.

Issue 17 lists the mechanisms by which a finite-difference check was confidently wrong --
right gradients failed with tiny error bars, wrong ones passed -- on functions the engine had
never seen. Each case here draws random points where its mechanism is at work and plants
wrong gradients of the kind the mechanism let through. A library, not tests: the tests
(``tests/test_ladder.py``, ``tests/test_noise.py``, ``tests/test_crosscheck.py``,
``tests/test_verdicts.py``) and ``python -m benchmarks.hard`` use it.

=====================  ==========================================================
id                     mechanism (issue 17)
=====================  ==========================================================
``narrow-bump``        1. a Gaussian bump narrower than the first steps
``odd-bump``           1. an odd bump, ``f(x)`` fits its neighbours: only the
                       probe's slope sees it
``mixed-scales``       2. an O(1) entry beside entries of ``1e4`` (saturated
                       ``tanh^2``, aliased ``sin``)
``tie``                3. ``|x_0 - x_1| + |x_1 - x_2|`` at ties: entry-wise extremes
                       are no subgradient
``maxpool-ties``       3. max-pooling an integer image whose maxima are tied
``kink-in-probe``      4. a maximum of two affine maps whose branches differ by
                       ``1e-6`` at the point
``two-kinks``          5. a hinge loss with margins ``1 +- delta``, ``delta`` down
                       to ``1e-6``
``near-pole``          6. ``sum(1/x)`` with an entry between ``1e-9`` and ``1e-7``
``lse-tail``           7. the usual stable log-sum-exp with a logit ``-25..-45``
                       below the largest (at 0 half the time)
``subnormal``          8. ``sum(x^2)`` at entries near ``1e-318``
``cholesky-logdet``    10. ``log det`` through a Cholesky factor that raises
                       outside the positive-definite cone
``floor-jump``         12. ``floor(x_0) + |x|^2`` at an integer ``x_0``
=====================  ==========================================================
"""

from __future__ import annotations

import math

import numpy as np

from gradients.catalog.lookup import by_id as lookup_by_id
from tests._hard import HardCase, _entry_off, _loguniform, _scaled, _standard

__all__ = ["ATTACK_CASES", "ATTACK_IDS", "by_id"]


# ------------------------------------------------------------------------------ 1. narrow


def _bump_parts(x, c, w):
    t = (x[0] - c) / w
    return t, np.exp(-0.5 * t * t)


def narrow_bump(x, c, w):
    _, e = _bump_parts(x, c, w)
    return float(x @ x + e)


def narrow_bump_grad(x, c, w):
    t, e = _bump_parts(x, c, w)
    g = 2.0 * x
    g[0] -= t / w * e
    return g


def _without_bump(x, c, w):
    return 2.0 * x


def _draw_bump(rng):
    w = float(_loguniform(rng, 1e-5, 1e-3))
    c = float(rng.uniform(-1.0, 1.0))
    x = rng.standard_normal(3)
    x[0] = c + w * rng.uniform(0.3, 2.0) * rng.choice([-1.0, 1.0])
    return (x, c, w)


def odd_bump(x, c, w):
    t = (x[0] - c) / w
    return float(x @ x + w * t * np.exp(-t * t))


def odd_bump_grad(x, c, w):
    t = (x[0] - c) / w
    g = 2.0 * x
    g[0] += (1.0 - 2.0 * t * t) * np.exp(-t * t)
    return g


def _draw_odd_bump(rng):
    w = float(_loguniform(rng, 1e-6, 1e-4))
    c = float(rng.uniform(-1.0, 1.0))
    x = rng.standard_normal(3)
    x[0] = c + w * rng.uniform(-0.3, 0.3)
    return (x, c, w)


# ------------------------------------------------------------------------------ 2. scales


def mixed(x):
    return float(np.sum(np.tanh(x) ** 2) + np.sum(np.sin(x)))


def mixed_grad(x):
    t = np.tanh(x)
    return 2.0 * t * (1.0 - t * t) + np.cos(x)


def _small_entry_dropped(x):
    g = mixed_grad(x)
    g[np.argmin(np.abs(x))] = 0.0
    return g


def _draw_mixed(rng):
    n = int(rng.integers(3, 6))
    x = rng.choice([-1.0, 1.0], n) * _loguniform(rng, 1e3, 1e5, n)
    x[rng.integers(n)] = rng.uniform(-2.0, 2.0)
    return (x,)


# ------------------------------------------------------------------------------ 3. ties


def tie(x):
    return float(abs(x[0] - x[1]) + abs(x[1] - x[2]))


def tie_grad(x):
    """A subgradient: ``sign(0) = 0`` in both terms."""
    s01, s12 = np.sign(x[0] - x[1]), np.sign(x[1] - x[2])
    return np.array([s01, s12 - s01, -s12])


def tie_onesided(x):
    left, right = np.empty(3), np.empty(3)
    for k in range(3):
        for side, sign in ((right, 1.0), (left, -1.0)):
            h = 1e-7
            z = x.copy()
            z[k] += sign * h
            side[k] = sign * (tie(z) - tie(x)) / h
    return left, right


def _every_extreme(x):
    """Each tied entry at the end of its own interval: no subgradient of a tie."""
    g = tie_grad(x)
    lo, hi = tie_onesided(x)
    return np.where(lo != hi, hi, g)


def _draw_tie(rng):
    a = float(rng.integers(-3, 4))
    x = np.array([a, a, a + float(rng.choice([0.0, 1.0, -2.0]))])
    return (x,)


def maxpool(X):
    """Sum over 2x2 windows (stride 2) of their maximum, ``X`` of shape ``(2m, 2m)``."""
    m = X.shape[0] // 2
    return float(X.reshape(m, 2, m, 2).max(axis=(1, 3)).sum())


def maxpool_grad(X):
    """The gradient to the first maximum of each window (numpy's argmax convention)."""
    m = X.shape[0] // 2
    win = X.reshape(m, 2, m, 2).transpose(0, 2, 1, 3).reshape(m, m, 4)
    first = np.zeros_like(win)
    np.put_along_axis(first, win.argmax(axis=2)[..., None], 1.0, axis=2)
    return first.reshape(m, m, 2, 2).transpose(0, 2, 1, 3).reshape(X.shape)


def _to_every_maximum(X):
    """The gradient sent to every tied maximum of a window: no subgradient."""
    m = X.shape[0] // 2
    win = X.reshape(m, 2, m, 2).transpose(0, 2, 1, 3).reshape(m, m, 4)
    every = (win == win.max(axis=2, keepdims=True)).astype(float)
    return every.reshape(m, m, 2, 2).transpose(0, 2, 1, 3).reshape(X.shape)


def maxpool_onesided(X):
    m = X.shape[0] // 2
    win = X.reshape(m, 2, m, 2).transpose(0, 2, 1, 3).reshape(m, m, 4)
    top = win == win.max(axis=2, keepdims=True)
    alone = top & (top.sum(axis=2, keepdims=True) == 1)
    right = top.astype(float)
    left = alone.astype(float)
    back = lambda a: a.reshape(m, m, 2, 2).transpose(0, 2, 1, 3).reshape(X.shape)  # noqa: E731
    return back(left), back(right)


def _draw_maxpool(rng):
    m = int(rng.integers(1, 3))
    X = rng.integers(0, 3, (2 * m, 2 * m)).astype(float)
    X[0, 0] = X[0, 1] = X[:2, :2].max()  # at least one tie
    return (X,)


# ------------------------------------------------------------------------------ 4. probe


def _max_affine_parts(x, A, b):
    values = A @ x + b
    return values, int(np.argmax(values))


def max_affine(x, A, b):
    return float(np.max(A @ x + b))


def max_affine_grad(x, A, b):
    _, k = _max_affine_parts(x, A, b)
    return A[k].copy()


def _losing_branch(x, A, b):
    values, k = _max_affine_parts(x, A, b)
    order = np.argsort(values)
    return A[order[-2]].copy()


def _draw_max_affine(rng):
    """Two branches 1e-8 to 1e-6 apart at x (relative to their size): within the reach of
    a noise probe at 1e-6 rms(x)."""
    x = rng.standard_normal(3)
    A = rng.standard_normal((2, 3))
    gap = float(_loguniform(rng, 1e-8, 1e-6)) * (1.0 + abs(float(A[0] @ x)))
    b = np.array([0.0, float(A[0] @ x - A[1] @ x) - gap])  # branch 0 wins by gap
    return (x, A, b)


# ------------------------------------------------------------------------------ 5. kinks


def hinge(w, X, y):
    return float(np.sum(np.maximum(0.0, 1.0 - y * (X @ w))) + 0.5 * w @ w)


def hinge_grad(w, X, y):
    m = y * (X @ w)
    return -(X * (y * (m < 1.0))[:, None]).sum(axis=0) + w


def _draw_hinge(rng):
    X = rng.standard_normal((4, 2))
    y = rng.choice([-1.0, 1.0], 4)
    delta = float(_loguniform(rng, 1e-6, 1e-4))
    M = np.vstack([y[0] * X[0], y[1] * X[1]])
    w = np.linalg.solve(M, [1.0 + delta, 1.0 - delta])
    return (w, X, y)


# ------------------------------------------------------------------------------ 6. poles


def inverse_sum(x):
    return float(np.sum(1.0 / x))


def inverse_sum_grad(x):
    return -1.0 / x**2


def _draw_near_pole(rng):
    x = rng.uniform(0.5, 3.0, 3)
    x[rng.integers(3)] = float(_loguniform(rng, 1e-9, 1e-7))
    return (x,)


# ------------------------------------------------------------------------------ 7. noise


def lse(z):
    """The usual stable log-sum-exp: ``m + log(sum(exp(z - m)))``."""
    m = float(np.max(z))
    return m + float(np.log(np.sum(np.exp(z - m))))


def lse_grad(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def lse_hess(z):
    p = lse_grad(z)
    return np.diag(p) - np.outer(p, p)


def _draw_lse(rng):
    """Logits 25..45 below the largest; half the draws with the largest at exactly 0, where
    ``f(x) = log(1 + tail)`` is tiny (or exactly 0: ``exp(-37) < eps / 2``) while the sum it
    is computed from is 1: its rounding is ``eps``, not ``eps |f|``."""
    n = int(rng.integers(2, 4))
    z = np.zeros(n)
    z[1:] = -rng.uniform(25.0, 45.0, n - 1)
    shift = 0.0 if rng.random() < 0.5 else float(rng.uniform(-2.0, 2.0))
    return (z + shift,)


# ------------------------------------------------------------------------------ 8. floats


def half_square(x):
    return 0.5 * float(x @ x)


def half_square_grad(x):
    return x.copy()


def _draw_subnormal(rng):
    return (rng.choice([-1.0, 1.0], 3) * _loguniform(rng, 1e-320, 1e-310, 3),)


# ------------------------------------------------------------------------------ 10. raises


def cholesky_logdet(A):
    """``log det A`` through its Cholesky factor: raises ``LinAlgError`` outside the
    positive-definite cone. Only the lower triangle of ``A`` is read."""
    L = np.linalg.cholesky(A)
    return 2.0 * float(np.sum(np.log(np.diag(L))))


def cholesky_logdet_grad(A):
    """The gradient with respect to every entry, of a function of the lower triangle:
    ``2 tril(inv(A)) - diag(inv(A))`` (the strict upper triangle is never read)."""
    inv = np.linalg.inv(A)
    return 2.0 * np.tril(inv) - np.diag(np.diag(inv))


def _symmetrised(A):
    inv = np.linalg.inv(A)
    return 0.5 * (inv + inv.T)


def _draw_spd(rng):
    n = int(rng.integers(2, 4))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eig = np.concatenate(([1.0], _loguniform(rng, 1e-7, 1.0, n - 2), [float(
        _loguniform(rng, 1e-8, 1e-6))]))
    A = (Q * eig) @ Q.T
    return (0.5 * (A + A.T),)


# ------------------------------------------------------------------------------ 12. jumps


def floor_sum(x):
    return float(math.floor(x[0]) + x @ x)


def floor_sum_grad(x):
    return 2.0 * x


def _draw_floor(rng):
    x = rng.standard_normal(3)
    x[0] = float(rng.integers(-3, 4))
    return (x,)


# ------------------------------------------------------------------------------ the table


ATTACK_CASES: tuple[HardCase, ...] = (
    HardCase(
        "narrow-bump", "|x|^2 + exp(-(x_0 - c)^2 / 2w^2), w in [1e-5, 1e-3], x_0 within 2w of c",
        narrow_bump, narrow_bump_grad, _draw_bump,
        _standard(narrow_bump_grad, None, ("bump dropped", _without_bump)),
        notes="f at x +- h is ~0 for every step tried: the central differences agree on 0",
    ),
    HardCase(
        "odd-bump", "|x|^2 + w t exp(-t^2), t = (x_0 - c) / w, w in [1e-6, 1e-4], |t| <= 0.3",
        odd_bump, odd_bump_grad, _draw_odd_bump,
        _standard(odd_bump_grad, None, ("bump dropped", _without_bump)),
        notes="f(x) fits its neighbours and the differences are flat: only a shorter step sees it",
    ),
    HardCase(
        "mixed-scales", "sum(tanh(x)^2 + sin x), one entry in [-2, 2] beside entries of 1e3..1e5",
        mixed, mixed_grad, _draw_mixed,
        _standard(mixed_grad, lambda g, x: int(np.argmin(np.abs(x))),
                  ("small entry dropped", _small_entry_dropped)),
        notes="the small entry's first step is set by rms(x) ~ 1e4: tanh^2 saturated, sin aliased",
    ),
    HardCase(
        "tie", "|x_0 - x_1| + |x_1 - x_2| at integer points with ties",
        tie, tie_grad, _draw_tie,
        _standard(tie_grad, None, ("every tie at its extreme", _every_extreme)),
        notes="each tied entry alone allows [-1, 1] (or [-2, 2]); together they are coupled",
        onesided=tie_onesided,
    ),
    HardCase(
        "maxpool-ties", "sum of 2x2 max-pools of an integer image with tied maxima",
        maxpool, maxpool_grad, _draw_maxpool,
        _standard(maxpool_grad, None, ("to every tied maximum", _to_every_maximum)),
        notes="the backward pass that sends the gradient to every tied maximum passes entry "
              "by entry",
        onesided=maxpool_onesided,
    ),
    HardCase(
        "kink-in-probe", "max of two affine maps whose values differ by 1e-8..1e-6 at x",
        max_affine, max_affine_grad, _draw_max_affine,
        _standard(max_affine_grad, None, ("losing branch", _losing_branch)),
        notes="the noise probe at 1e-6 rms(x) crosses the kink and reads it as noise",
    ),
    HardCase(
        "two-kinks", "hinge loss + |w|^2 / 2, two margins at 1 + delta and 1 - delta, "
        "delta in [1e-6, 1e-4]", hinge, hinge_grad, _draw_hinge, _standard(hinge_grad),
        notes="the first steps straddle both kinks, symmetrically",
    ),
    HardCase(
        "near-pole", "sum(1/x), one entry in [1e-9, 1e-7], others in [0.5, 3]",
        inverse_sum, inverse_sum_grad, _draw_near_pole, _standard(inverse_sum_grad),
        notes="the pole is closer than the noise probe's spacing (1e-6 rms(x))",
    ),
    HardCase(
        "lse-tail", "the stable log-sum-exp m + log(sum(exp(z - m))), logits 25..45 below the "
        "largest (at 0 half the time)", lse, lse_grad, _draw_lse, _standard(lse_grad),
        notes="log(1 + 2.5e-13) is rounded: values quantised at 1e-16 while the tail moves f "
              "by 1e-13; at a largest logit of 0, f(x) itself is that tiny (or 0)",
    ),
    HardCase(
        "subnormal", "|x|^2 / 2 at entries of magnitude 1e-320..1e-310",
        half_square, half_square_grad, _draw_subnormal,
        _standard(half_square_grad, None, ("doubled", _scaled(half_square_grad, 1.0))),
        notes="f underflows: the values are 0 or subnormal, spaced by 5e-324",
    ),
    HardCase(
        "cholesky-logdet", "log det A by Cholesky, A SPD with smallest eigenvalue 1e-8..1e-6",
        cholesky_logdet, cholesky_logdet_grad, _draw_spd,
        _standard(cholesky_logdet_grad, None, ("symmetrised", _symmetrised)),
        notes="steps leave the positive-definite cone: f raises LinAlgError there",
    ),
    HardCase(
        "floor-jump", "floor(x_0) + |x|^2 at an integer x_0",
        floor_sum, floor_sum_grad, _draw_floor,
        (("one-entry-10%", _entry_off(floor_sum_grad, lambda g, x: 1)),
         ("scaled-1e-4", _scaled(floor_sum_grad, 1e-4))),
        notes="f jumps at x along x_0: no derivative exists there, the other entries have one",
    ),
)

ATTACK_IDS = [c.id for c in ATTACK_CASES]


def by_id(case_id: str) -> HardCase:
    return lookup_by_id(ATTACK_CASES, case_id, "attack case")
