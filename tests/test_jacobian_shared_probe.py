"""The noise probe of a Jacobian is shared by its outputs (``checks._memo``, issue 21).

Row ``k`` of a numerical Jacobian is the gradient of ``z -> f(z)[k]``; its noise probe reads
``f`` at points that depend on ``x``, the spacing and the probe direction alone. The check
evaluates each probe point once for the whole output vector, and every output reads its own
values from those evaluations. What is checked here:

* counting ``f``'s calls: the probe points of a 25-output map (a Gaussian-process kernel
  matrix) are evaluated once each, they are exactly the points the 25 separate probes would
  have visited, and their number is what :mod:`checks.noise` documents (nine points
  ``t_j = j + 0.5 u_j``, ``j = 0..8``, of which ``j = 0`` is ``x`` itself: eight new
  evaluations per probe; four probes at most);
* the numbers are those of probing each output on its own: every row's value, error
  bounds, step and kind equal, bit for bit, :func:`checks.estimate_gradient` of the scalar
  ``z -> f(z)[k]`` -- for the kernel map, for outputs that are noisy at different levels (so
  that their probes take different spacings), and for a map returning float32;
* the verdicts: a right Jacobian passes and a wrong one fails, with the same numerical side
  as the per-output reference;
* ``vectorized=True``: a batched ``f`` gives the unbatched numbers and verdicts, each point
  once, in a handful of calls; an ``f`` that does not batch is a clear error.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.overhead import gp_kernel, gp_kernel_jac
from checks import check_jacobian, estimate_gradient, estimate_jacobian

#: From checks.noise's docstring: nine probe points, the first of them x itself ...
NEW_POINTS_PER_PROBE = 9 - 1
#: ... and four probes at most.
MAX_PROBES = 4


def noisy_outputs(x: np.ndarray) -> np.ndarray:
    """Four smooth outputs, three of them rounded at different quanta: their noise probes
    settle at different spacings."""
    s = np.array([np.sum(x * x), np.sum(np.sin(x)), np.prod(np.cos(x)), float(x @ x[::-1])])
    quanta = np.array([0.0, 1e-13, 1e-10, 1e-7])
    out = s.copy()
    out[1:] = np.round(s[1:] / quanta[1:]) * quanta[1:]
    return out


def float32_outputs(x: np.ndarray) -> np.ndarray:
    """A map computed and returned in float32."""
    x32 = x.astype(np.float32)
    return np.stack([np.sum(x32 * x32), np.sum(np.exp(x32))]).astype(np.float32)


X5 = np.array([0.3, -1.1, 0.8, 2.0, -0.4])


class Recorder:
    """``f`` with every point it was called at kept (as bytes)."""

    def __init__(self, f):
        self.f, self.points = f, []

    def __call__(self, z):
        self.points.append(np.array(z, dtype=float))
        return self.f(z)


def probe_points(points: list[np.ndarray], x: np.ndarray) -> list[bytes]:
    """The points that move more than one entry of ``x``: a per-entry difference moves one,
    the noise probe moves every entry along its direction."""
    return [p.tobytes() for p in points if np.count_nonzero(p != x) > 1]


def per_output(f, x: np.ndarray, m: int, **options):
    return [estimate_gradient(lambda z, k=k: f(z).ravel()[k], x, **options) for k in range(m)]


FIELDS = ("value", "error", "lower", "upper", "step", "kind")


def assert_rows_equal(est, refs, x: np.ndarray) -> None:
    m = len(refs)
    for name in FIELDS:
        if getattr(est, name) is None:  # central differences classify no kinds
            assert all(getattr(ref, name) is None for ref in refs), name
            continue
        got = np.asarray(getattr(est, name)).reshape(m, *x.shape)
        for k, ref in enumerate(refs):
            want = np.asarray(getattr(ref, name))
            assert got[k].tobytes() == want.astype(got.dtype).tobytes(), (
                f"{name} of output {k}: {got[k]} shared against {want} alone")


def test_a_25_output_map_evaluates_each_probe_point_once():
    f = Recorder(gp_kernel)
    r = check_jacobian(f, gp_kernel_jac, (X5,))
    assert r.verdict == "pass"
    shared = probe_points(f.points, X5)
    assert len(shared) == len(set(shared)), "a probe point was evaluated more than once"
    assert len(shared) % NEW_POINTS_PER_PROBE == 0
    assert NEW_POINTS_PER_PROBE <= len(shared) <= MAX_PROBES * NEW_POINTS_PER_PROBE
    # the same points the outputs' own probes visit, each output on its own
    alone = Recorder(gp_kernel)
    per_output(alone, X5, 25)
    separate = probe_points(alone.points, X5)
    assert set(shared) == set(separate)
    assert len(separate) >= 25 * NEW_POINTS_PER_PROBE > len(shared)
    # and f(x) itself twice (is f deterministic?), every point once
    assert sum(p.tobytes() == X5.tobytes() for p in f.points) == 2
    assert len(f.points) == len({p.tobytes() for p in f.points}) + 1
    assert r.evaluations == len(f.points)


@pytest.mark.parametrize("f, x", [
    (gp_kernel, X5),
    (noisy_outputs, np.array([0.7, -0.2, 1.3])),
    (float32_outputs, np.array([0.5, -1.5, 0.25])),
], ids=["gp-kernel", "noisy-at-different-levels", "float32"])
def test_every_row_is_the_per_output_estimate_bit_for_bit(f, x):
    m = np.asarray(f(x)).size
    est = estimate_jacobian(f, x)
    refs = per_output(f, x, m)
    assert_rows_equal(est, refs, x)
    noisiest = max(refs, key=lambda r: r.noise / r.f_scale if r.f_scale else 0.0)
    assert (est.noise, est.f0, est.f_scale) == (noisiest.noise, noisiest.f0, noisiest.f_scale)


def test_the_noisy_outputs_do_take_different_spacings():
    """The case above exercises one table per spacing: its outputs' probes differ."""
    x = np.array([0.7, -0.2, 1.3])
    noises = {r.noise / abs(r.f0) for r in per_output(noisy_outputs, x, 4)}
    assert len(noises) >= 3


def test_central_differences_share_the_probe_too():
    est = estimate_jacobian(gp_kernel, X5, method="central")
    assert_rows_equal(est, per_output(gp_kernel, X5, 25, method="central"), X5)


@pytest.mark.parametrize("wrong", [False, True], ids=["right", "wrong"])
def test_the_verdict_and_numbers_are_the_per_output_ones(wrong):
    def jac(x):
        j = gp_kernel_jac(x)
        if wrong:
            j = j.copy()
            j[7, 1] += 1e-3 * (1.0 + abs(j[7, 1]))  # one entry off by far more than its error
        return j

    r = check_jacobian(gp_kernel, jac, (X5,))
    refs = per_output(gp_kernel, X5, 25)
    want = np.stack([ref.value for ref in refs])
    assert np.asarray(r.numerical).tobytes() == want.tobytes()
    assert np.asarray(r.error).tobytes() == np.stack([ref.error for ref in refs]).tobytes()
    if wrong:
        assert r.verdict == "fail"
        assert r.mismatched >= 1
        assert r.worst_index == (7, 1)
    else:
        assert r.verdict == "pass"
        assert r.mismatched == 0


# ----------------------------------------------------------------------------- vectorized=True


class BatchRecorder:
    """A vectorized ``f``: a stack of points in, a stack of outputs out; batches kept."""

    def __init__(self, f):
        self.f, self.batches = f, []

    def __call__(self, Z):
        Z = np.asarray(Z)
        self.batches.append(Z.copy())
        return np.stack([np.asarray(self.f(z)) for z in Z])


def test_vectorized_gives_the_unbatched_numbers_in_few_calls():
    batched = BatchRecorder(gp_kernel)
    est = estimate_jacobian(batched, X5, vectorized=True)
    ref = estimate_jacobian(gp_kernel, X5)
    for name in FIELDS:
        assert np.asarray(getattr(est, name)).tobytes() == np.asarray(getattr(ref, name)).tobytes()
    assert est.evaluations == ref.evaluations
    # every point once (x itself twice, in the first call), a batch per level and per probe
    sizes = [len(b) for b in batched.batches]
    assert sum(sizes) == est.evaluations
    points = [z.tobytes() for b in batched.batches for z in b]
    assert len(points) == len(set(points)) + 1
    assert len(batched.batches) <= est.evaluations // 4


@pytest.mark.parametrize("wrong", [False, True], ids=["right", "wrong"])
def test_vectorized_check_keeps_the_verdicts(wrong):
    def jac(x):
        return gp_kernel_jac(x) + (1e-3 if wrong else 0.0)

    r = check_jacobian(BatchRecorder(gp_kernel), jac, (X5,), vectorized=True)
    ref = check_jacobian(gp_kernel, jac, (X5,))
    assert r.verdict == ref.verdict == ("fail" if wrong else "pass")
    assert np.asarray(r.numerical).tobytes() == np.asarray(ref.numerical).tobytes()


def test_vectorized_f_that_does_not_batch_is_a_clear_error():
    with pytest.raises(ValueError, match="vectorized"):
        estimate_jacobian(lambda Z: np.sum(Z), X5, vectorized=True)
