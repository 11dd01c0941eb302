"""The noise of ``f`` (``checks.noise``): measured where it matters, and never confused with
a kink, a pole or a feature of ``f``.

Issue 17's mechanisms 4, 6 and 7: a kink or a pole within the reach of the probe read as
noise (so that a deterministic ``f`` was called noisy and the losing branch's gradient
passed), and noise the shared probe could not see (a log-sum-exp quantised along one
entry). The probe confirms noise above round-off 100 times finer, calls a table with one
outstanding second difference a kink, and an entry that needed much shorter steps has its
noise measured along it.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks import check_gradient, estimate_gradient
from checks._util import EPS
from checks.noise import _precision_of, baseline, noise_along, with_noise
from checks.probe import _scaled_sigma, probe_direction
from tests._attack import lse, lse_grad, max_affine


def test_a_kink_within_the_probes_reach_is_structure_not_noise():
    """Two affine branches 1e-7 apart at x: before, ``f is noisy at 1e-8`` and every entry a
    'kink' whose interval accepted the losing branch."""
    x = np.array([0.3, -0.2, 0.4])
    A = np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 2.0]])
    b = np.array([0.0, float(A[0] @ x - A[1] @ x) - 1e-7])
    base = baseline(lambda v: max_affine(v, A, b), x, False)
    assert base.noise <= 100.0 * EPS * abs(base.f0), base
    assert not any("noisy" in n for n in base.notes)
    est = estimate_gradient(lambda v: max_affine(v, A, b), x)
    assert np.all(est.kind == 0) and np.allclose(est.value, A[0], atol=1e-9), est
    losing = check_gradient(max_affine, lambda v, A, b: A[1].copy(), (x, A, b))
    assert losing.verdict == "fail", str(losing)


@pytest.mark.parametrize("x0", [1e-8, 3e-9, -5e-9])
def test_a_pole_closer_than_the_probe_spacing_is_not_noise(x0):
    x = np.array([x0, 1.0, 2.0])
    f = lambda v: float(np.sum(1.0 / v))  # noqa: E731
    base = baseline(f, x, False)
    assert base.noise <= 100.0 * EPS * abs(base.f0), base
    r = check_gradient(f, lambda v: -1.0 / v**2, (x,))
    assert r.verdict == "pass", str(r)
    wrong = check_gradient(f, lambda v: -1.1 / v**2, (x,))
    assert wrong.verdict == "fail", str(wrong)


def test_noise_that_changes_with_the_spacing_is_structure_not_noise():
    """A deterministic wiggle of period ``6e-7`` is noise at a spacing of ``1e-6`` but a
    smooth feature at ``1e-8``: it is a feature of ``f``, not noise (a wiggle far below every
    spacing, ``sin(1e13 s)``, stays noise: tests/test_engine_mutants.py)."""
    x = np.array([0.1, -0.4, 0.7])

    def wiggly(v):
        s = float(np.sum(np.sin(v)))
        return s + 1e-9 * np.sin(1e7 * s)

    base = baseline(wiggly, x, False)
    assert base.noise < 1e-12, base  # the 1e-9 wiggle is not taken for noise


def test_true_noise_is_confirmed_at_the_finer_spacing():
    x = np.array([0.3, -1.2, 2.0, 0.5])

    def in_float32(v):
        return float(np.sum(np.sin(v.astype(np.float32)) ** 2))

    def rounded(v):  # a loss rounded to 1e-8: a staircase at the finer spacing
        return float(np.round(np.sum(np.sin(v) ** 2), 8))

    for f, level in ((in_float32, 1e-8), (rounded, 1e-9)):
        base = baseline(f, x, False)
        assert base.noise >= level, (f.__name__, base)


def test_values_that_are_all_float32_numbers_are_checked_at_float32_precision():
    x = np.array([0.3, -1.2, 2.0, 0.5])

    def f(v):  # computed in float32, handed back as a Python float
        return float(np.sum(np.exp(v.astype(np.float32))))

    base = baseline(f, x, False)
    unit = float(np.finfo(np.float32).eps)
    assert base.dtype == "float32" and base.noise >= 0.5 * unit * abs(base.f0)
    assert any("every value f returned is a float32 number" in n for n in base.notes)
    assert _precision_of((1.0, 2.0, 3.0000001)) is None  # 3.0000001 is no float32
    assert _precision_of((0.5, 0.25, 0.125)) == "float16"
    assert _precision_of((0.1, 0.1, 0.1)) is None  # fewer than three distinct values
    r = check_gradient(f, lambda v: np.exp(v), (x,))
    assert r.verdict == "pass", str(r)
    assert check_gradient(f, lambda v: 1.001 * np.exp(v), (x,)).verdict == "fail"


def test_noise_along_an_entry_sees_what_the_shared_probe_cannot():
    """The usual log-sum-exp at ``[0, -29]``: ``f`` moves with ``z_0`` along the shared probe;
    along ``z_1`` it rounds ``log(1 + 2.5e-13)``, quantised at 1e-16."""
    z = np.array([0.0, -29.0])
    base = baseline(lse, z, False)
    along, evals = noise_along(lse, z, 1, base.f0, False, reach=0.02)
    assert along > 1e4 * base.noise and evals >= 9, (along, base.noise)
    est = estimate_gradient(lse, z)
    true = lse_grad(z)
    assert np.all(np.abs(est.value - true) <= est.error), (est.value - true, est.error)
    [note] = [n for n in est.notes if "noisier" in n]
    assert note.startswith("f is noisier (at the scale of the steps along entry (1,): ")
    assert note.endswith("than the shared noise probe showed; that noise was used for every "
                         "entry")


def _lse_rows(Z):
    """The stable log-sum-exp of each row of a batch (a vectorized :func:`lse`)."""
    m = Z.max(axis=-1)
    return m + np.log(np.sum(np.exp(Z - m[..., None]), axis=-1))


def test_noise_along_an_entry_of_a_matrix_vectorized_or_not():
    """The same measurement on a point of shape ``(1, 2)``: ``f`` gets points of that shape
    one at a time, or a batch of them, and the two agree exactly."""
    z = np.array([[0.0, -29.0]])

    def lse_of_matrix(Z):
        assert Z.shape == (1, 2), Z.shape
        return lse(Z[0])

    def lse_of_batch(B):
        assert B.shape[1:] == (1, 2), B.shape
        return _lse_rows(B[:, 0, :])

    f0 = lse(z[0])
    loop = noise_along(lse_of_matrix, z, 1, f0, False, reach=0.02)
    batch = noise_along(lse_of_batch, z, 1, f0, True, reach=0.02)
    assert loop == batch
    assert loop == noise_along(lse, z[0], 1, f0, False, reach=0.02)
    assert loop[0] > 1e4 * baseline(lse, z[0], False).noise and loop[1] >= 9


def test_the_noise_of_a_table_scales_with_it_and_is_zero_for_zeros():
    """``_scaled_sigma`` works on the table divided by its largest magnitude: doubling the
    table doubles the estimate exactly, also for a table whose largest value is 1; a table
    of zeros has no noise."""
    table = np.array([1.0, 0.25, -0.5, 0.75, 0.0, -0.25, 0.5, 0.125, -0.75])
    sigma = _scaled_sigma(table, (1, 2, 3))
    assert sigma > 0.0
    assert _scaled_sigma(2.0 * table, (1, 2, 3)) == 2.0 * sigma
    assert _scaled_sigma(0.5 * table, (1, 2, 3)) == 0.5 * sigma
    assert _scaled_sigma(np.zeros(9), (4, 5, 6)) == 0.0


def test_louder_noise_widens_the_probes_slope_by_its_gain():
    x = np.array([0.3, -1.2, 2.0])
    base = baseline(lambda v: float(np.sum(np.sin(v))), x, False)
    assert base.slope is not None and base.slope_gain > 0.0
    louder = with_noise(base, 1e-6)
    assert louder.noise == 1e-6
    assert louder.slope_error == pytest.approx(base.slope_error
                                               + base.slope_gain * (1e-6 - base.noise),
                                               rel=1e-6, abs=0)
    assert with_noise(base, 0.5 * base.noise) is base  # never quieter
    p = probe_direction(x.shape)
    assert abs(base.slope - float(np.cos(x) @ p)) <= base.slope_error


def test_a_directional_check_probes_along_its_first_direction():
    x = np.array([0.3, -1.2, 2.0])
    v = np.array([2.0, 0.0, -1.0])
    base = baseline(lambda z: float(np.sum(np.sin(z))), x, False, direction=v)
    assert np.allclose(base.direction * np.sqrt(np.mean(v**2)), v, atol=0)
    assert abs(base.slope - float(np.cos(x) @ base.direction)) <= base.slope_error


def test_a_kink_within_reach_of_an_entry_is_not_noise_along_it():
    """``sum(relu(w))`` at ``w_4 = 0.0068`` beside entries of 3: the first step along entry 4
    (0.026) reaches the kink at 0, its ladder descends through irregular levels, and the noise
    along it is measured within that step. The tables there are a kink and, 100 times finer,
    flat: no noise-like table, and the kink's bound (6.4e-4) is no evidence of noise. It made
    an exact ``f`` "noisy" and its check inconclusive (sensitivity 76); now the check is sharp,
    and a gradient with one entry 10 % off fails."""
    relu_sum = lambda w: float(np.sum(np.maximum(w, 0.0)))  # noqa: E731
    grad = lambda w: (w > 0.0).astype(float)  # noqa: E731
    w = np.array([0.0, 0.0, 4.07494133, -2.83895954, 0.00683016])
    r = check_gradient(relu_sum, grad, (w,))
    assert r.verdict == "pass" and r.detectable < 1e-6, r
    assert not any("noisy" in n or "noisier" in n for n in r.notes), r.notes
    wrong = lambda w: grad(w) * np.array([1.0, 1.0, 1.1, 1.0, 1.0])  # noqa: E731
    assert check_gradient(relu_sum, wrong, (w,)).verdict == "fail"
    # a noise-like table still counts: a float32 loss beside a float64 penalty (test_attacks)
    x = np.array([0.3, -0.7])
    noisy = lambda z: float(np.float32(np.sum(np.sin(z)))) + 1e-3 * float(z @ z)  # noqa: E731
    assert noise_along(noisy, x, 0, noisy(x), False, 0.01)[0] > 0.0


def test_f_rounded_inside_at_a_quantum_far_above_its_ulps_is_noise_of_half_the_quantum():
    """The stable log-sum-exp at ``[0, -35]`` adds ``log(1 + 6.3e-16)`` -- rounded at ``eps``
    -- to 0: its value, ``6.7e-16``, moves along ``z_1`` in whole steps of ``2.2e-16``, far
    above its ulps, and stands still between them. Read as a kink or a staircase before,
    the exact gradient failed (numerical 0 with an error bar of 8e-19 against 6.3e-16); the
    quantum is noise now, and a gradient wrong by 1e-6 in its large entry still fails. A kink
    (``relu``, which moves at every step past it) is no quantum."""
    from checks.probe import _quantum

    x = np.array([0.0, -35.0])
    r = check_gradient(lse, lse_grad, (x,))
    assert r.verdict == "pass", r
    wrong = check_gradient(lse, lambda z: lse_grad(z) * np.array([1.0 + 1e-6, 1.0]), (x,))
    assert wrong.verdict == "fail"
    q = np.finfo(float).eps
    assert _quantum(np.array([2, 2, 2, 3, 3, 3, 3, 4, 4]) * q) == q
    assert _quantum(np.array([0, 0, 0, 0, 1, 2, 3, 4, 5]) * 0.01) is None  # a kink
    assert _quantum(np.linspace(1.0, 2.0, 9)) is None  # smooth
