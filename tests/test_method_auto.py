"""``method="auto"`` (:mod:`checks.auto`): the complex step where ``f`` proves complex-safe,
the ladder where it does not; either way a right gradient passes, one wrong by 1e-6 fails, and
the report says which method was used and why."""

from __future__ import annotations

import re

import numpy as np
import pytest

from checks import check_gradient, check_jacobian, estimate_gradient
from checks.auto import DIRECTIONS, auto_estimate
from checks.noise import baseline

X = np.array([0.7, -1.3, 0.4, 2.1])
A = np.array([[3.0, 1.0, 0.0, 0.0], [1.0, 4.0, 1.0, 0.0], [0.0, 1.0, 5.0, 1.0],
              [0.0, 0.0, 1.0, 6.0]])
ONES = np.ones(4)


def _solve_grad(z):
    # d/dz_k 1^T (A + diag z)^{-1} 1 = -(M^{-T} 1)_k (M^{-1} 1)_k
    m = A + np.diag(z)
    return -np.linalg.solve(m.T, ONES) * np.linalg.solve(m, ONES)


def _top_eig_grad(z):
    # lambda_max(A + z z^T): d/dz = 2 (u^T z) u for the top unit eigenvector u
    _, u = np.linalg.eigh(A + np.outer(z, z))
    top = u[:, -1]
    return 2.0 * (top @ z) * top


# id, f, its gradient, the method auto must choose, and why (a phrase of the note)
CASES = [
    ("cube", lambda z: np.sum(z**3), lambda z: 3 * z**2, "complex", "complex step was used"),
    ("branch-on-sign", lambda z: np.sum(np.where(z > 0, z**2, -(z**3))),
     lambda z: np.where(z > 0, 2 * z, -3 * z**2), "complex", "complex step was used"),
    ("maximum", lambda z: np.sum(np.maximum(z, 0.0) ** 3),
     lambda z: 3 * np.maximum(z, 0.0) ** 2, "complex", "complex step was used"),
    ("linalg-solve", lambda z: np.sum(np.linalg.solve(A + np.diag(z), ONES)), _solve_grad,
     "complex", "complex step was used"),
    ("log-det", lambda z: np.log(np.linalg.det(A + np.diag(z))),
     lambda z: np.diag(np.linalg.inv(A + np.diag(z))), "complex", "complex step was used"),
    ("sqrt", lambda z: np.sum(np.sqrt(z + 3.0)), lambda z: 0.5 / np.sqrt(z + 3.0), "complex",
     "complex step was used"),
    ("transpose", lambda z: z.T @ A @ z, lambda z: 2 * A @ z, "complex",
     "complex step was used"),
    ("abs", lambda z: np.sum(np.abs(z) ** 3), lambda z: 3 * z * np.abs(z), "richardson",
     "returned a real value"),
    ("np-real", lambda z: np.sum(np.real(z) ** 2), lambda z: 2 * z, "richardson",
     "returned a real value"),
    ("conj-transpose", lambda z: z.conj().T @ A @ z, lambda z: 2 * A @ z, "richardson",
     "complex step along a random direction gives"),
    ("float-cast", lambda z: float(np.sum(z**2)), lambda z: 2 * z, "richardson",
     "discards the imaginary part"),
    ("asarray-float", lambda z: np.sum(np.asarray(z, dtype=float) ** 2), lambda z: 2 * z,
     "richardson", "discards the imaginary part"),
    ("slogdet", lambda z: np.linalg.slogdet(A + np.diag(z))[1],
     lambda z: np.diag(np.linalg.inv(A + np.diag(z))), "richardson", "returned a real value"),
    ("eigvalsh", lambda z: np.linalg.eigvalsh(A + np.outer(z, z))[-1], _top_eig_grad,
     "richardson", "returned a real value"),
    ("arctan2", lambda z: np.sum(np.exp(z)) + np.arctan2(z[0], 1.0),
     lambda z: np.exp(z) + np.eye(4)[0] / (1.0 + z[0] ** 2), "richardson", "raised TypeError"),
]


def _wrong(grad):
    """``grad`` with its largest entry off by 1e-6 of its size."""
    def wrong(z):
        g = np.array(grad(z), dtype=float)
        k = int(np.argmax(np.abs(g)))
        g[k] *= 1.0 + 1e-6
        return g
    return wrong


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_right_passes_wrong_fails_and_the_report_says_why(case):
    _, f, grad, method, why = case
    right = check_gradient(f, grad, (X,), method="auto")
    assert right.verdict == "pass", str(right)
    assert right.method == method
    assert f"Method: {method} (full mode)" in str(right)
    note = next(n for n in right.notes if n.startswith("method='auto'"))
    assert why in note
    if method == "richardson":
        assert "not complex-safe" in note and "the ladder (richardson) was used" in note
    wrong = check_gradient(f, _wrong(grad), (X,), method="auto")
    assert wrong.verdict == "fail", str(wrong)
    assert wrong.method == method


def test_complex_step_values_reach_round_off_and_the_bar_covers_them():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((6, 6))
    est = estimate_gradient(lambda w: np.trace(w @ w @ w), m, method="auto")
    exact = 3 * (m @ m).T
    assert est.method == "complex"
    assert np.max(np.abs(est.value - exact)) <= 1e-14 * np.max(np.abs(exact))
    assert np.all(np.abs(est.value - exact) <= est.error)


def test_a_small_non_analytic_term_is_never_hidden_behind_a_pass():
    # the complex step misses 1e-9 sum|z|; the gradient that misses it too must not pass
    # while the check claims it could have seen an error that size
    def f(z):
        return np.sum(z**2) + 1e-9 * np.sum(np.abs(z))

    def missing(z):
        return 2 * z

    r = check_gradient(f, missing, (X,), method="auto")
    err = 1e-9 / np.max(np.abs(2 * X + 1e-9 * np.sign(X)))
    assert r.verdict == "fail" or r.detectable >= err, str(r)
    right = check_gradient(f, lambda z: 2 * z + 1e-9 * np.sign(z), (X,), method="auto")
    assert right.verdict == "pass", str(right)


def test_evaluations_for_a_complex_safe_smooth_f_at_n_48():
    # design (checks.auto): the baseline, 1 complex call, the ladder along K directions (6
    # each, 8 where one needs a fourth level), and n complex-step entries
    x = np.linspace(-1.0, 1.5, 48)

    def f(z):
        return np.sum(np.sin(z) * z**2)

    n, k = x.size, DIRECTIONS
    spent = baseline(f, x, False).evaluations
    est = estimate_gradient(f, x, method="auto")
    assert est.method == "complex"
    assert n + 1 + 6 * k <= est.evaluations - spent <= n + 1 + 8 * k
    ladder = estimate_gradient(f, x, method="richardson")
    assert ladder.evaluations - spent >= 6 * n


def test_a_vectorized_complex_safe_f_gets_its_complex_call_as_a_batch_of_one():
    """A vectorized ``f`` maps a stack ``(B, n)`` to ``(B,)``; stage 1's one complex call
    (``checks.auto``) is such a stack with ``B = 1``, the point ``x + i h v_0``. A cube sum is
    complex-analytic, so auto must choose the complex step for it vectorized as it does
    scalar, and the gradient ``3 x^2`` passes."""
    complex_batches = []

    def f(zs):
        zs = np.asarray(zs)
        if np.iscomplexobj(zs):
            complex_batches.append(zs.shape)
        return np.sum(zs**3, axis=1)

    r = check_gradient(f, lambda z: 3 * z**2, (X,), method="auto", vectorized=True)
    assert r.verdict == "pass", str(r)
    assert r.method == "complex"
    assert any("the complex step was used" in n for n in r.notes), r.notes
    assert complex_batches[0] == (1, X.size)
    assert check_gradient(f, _wrong(lambda z: 3 * z**2), (X,), method="auto",
                          vectorized=True).verdict == "fail"


def test_directional_mode_uses_the_ladder_and_says_so():
    r = check_gradient(lambda z: np.sum(z**3), lambda z: 3 * z**2, (X,), method="auto",
                       mode="directional")
    assert r.verdict == "pass" and r.method == "richardson"
    assert any("directional mode" in n for n in r.notes)


def test_auto_is_for_gradients_and_takes_no_step():
    with pytest.raises(ValueError, match="method='auto' applies to gradients"):
        check_jacobian(lambda z: z**2, lambda z: np.diag(2 * z), (X,), method="auto")
    with pytest.raises(ValueError, match="step= does not apply to method='auto'"):
        estimate_gradient(lambda z: np.sum(z**2), X, method="auto", step=1e-6)


def test_the_note_for_a_real_valued_f_names_the_dropped_imaginary_part():
    """``sum |z|^3`` returns a real value for complex input: the note is the documented
    ``method='auto': f is not complex-safe: <why>; the ladder (richardson) was used``, and
    ``why`` says what happened and names the usual culprits, word for word."""
    r = check_gradient(lambda z: np.sum(np.abs(z) ** 3), lambda z: 3 * z * np.abs(z), (X,),
                       method="auto")
    assert r.verdict == "pass" and r.method == "richardson", str(r)
    notes = [n for n in r.notes if n.startswith("method='auto'")]
    assert notes == [
        "method='auto': f is not complex-safe: f returned a real value for complex input: "
        "the imaginary part was dropped (abs, np.real, a norm, float() or a real-typed "
        "result); the ladder (richardson) was used"]


def _lines_through(x, points):
    """The distinct lines through ``x`` that ``points`` lie on, as unit vectors."""
    lines = []
    for z in points:
        d = z - x
        if not np.any(d):
            continue
        u = d / np.linalg.norm(d)
        u = u if u[np.argmax(np.abs(u))] > 0 else -u
        if not any(np.allclose(u, w, rtol=0.0, atol=1e-12) for w in lines):
            lines.append(u)
    return lines


def test_the_fallback_names_the_direction_along_which_the_complex_step_is_wrong():
    """``f = sum z^2 + <w, Re z>``: the complex step misses ``w``, so along a reference
    direction ``v`` it gives ``<2x, v>`` where the real differences give ``<2x + w, v>``.
    With ``w`` orthogonal to ``v_0`` (stage 2 passes) and to one of the two other
    references, exactly one direction disagrees, and the note must name that one with its
    own numbers: ``(B - A) / A = <w, v> / <2x, v>``, a ratio free of ``v``'s length. The
    references are read off the points ``f`` is evaluated at: the stage-1 complex call is
    ``x + i t v_0``, the real references lie on lines through ``x``."""
    seen = []

    def probe(z):
        seen.append(np.array(z, copy=True))
        return np.sum(z**2)

    base = baseline(probe, X, False)
    seen.clear()  # from here on: the points of auto's three stages
    auto_estimate(probe, X, False, base)
    v0 = next(z for z in seen if np.iscomplexobj(z)).imag
    refs = _lines_through(X, [z for z in seen if not np.iscomplexobj(z)])
    assert len(refs) == DIRECTIONS
    along_v0 = [abs(u @ v0) > (1.0 - 1e-12) * np.linalg.norm(v0) for u in refs]
    assert sum(along_v0) == 1
    named = set()
    for k, v in enumerate(refs):
        if along_v0[k]:
            continue
        q, _ = np.linalg.qr(np.array([u for j, u in enumerate(refs) if j != k]).T)
        w = 1e-3 * (v - q @ (q.T @ v))  # orthogonal to every reference but v

        def f(z, w=w):
            return np.sum(z**2) + w @ np.real(z)

        est = estimate_gradient(f, X, method="auto")
        assert est.method == "richardson"
        note = next(n for n in est.notes if n.startswith("method='auto'"))
        found = re.search(r"along random direction (\d+) gives ([-+.e0-9]+), the real "
                          r"differences ([-+.e0-9]+) \+-", note)
        assert found, note
        a, b = float(found[2]), float(found[3])
        assert (b - a) / a == pytest.approx((w @ v) / (2 * X @ v), rel=1e-6, abs=0), note
        named.add(int(found[1]))
    assert named == {1, 2}  # v_1 and v_2 in turn, never v_0 (which agrees)
