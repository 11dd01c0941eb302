"""The numerical Jacobian (``checks.jacobian_estimate``): rows, notes, pairs, failures.

Values are closed forms (``J`` of ``sin`` is ``diag(cos)``, of ``A x`` is ``A``, of a
product ``x_0 x_1`` is ``(x_1, x_0)``); evaluation counts are counted by the function.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._memo import Memo
from checks._util import NonFiniteValueError
from checks.differences import estimate_gradient
from checks.jacobian_estimate import (
    _NOTE_LIMIT,
    _draw_pairs,
    _pair_estimates,
    _row_notes,
    estimate_jacobian,
)
from checks.ladder import KINK, SMOOTH

A = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])


class Counted:
    def __init__(self, fn) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, x):
        self.calls += 1
        return self.fn(x)


def test_the_jacobian_of_a_map_with_every_row_and_every_call_counted() -> None:
    x = np.array([0.5, -1.0, 2.0])
    f = Counted(lambda x: np.array([x[0] * x[1], np.sin(x[2]), np.sum(A[1] * x)]))
    est = estimate_jacobian(f, x)
    exact = np.array([[x[1], x[0], 0.0], [0.0, 0.0, np.cos(x[2])], A[1]])
    assert est.value.shape == est.error.shape == est.lower.shape == est.upper.shape == (3, 3)
    assert est.step.shape == est.kind.shape == (3, 3)
    assert np.all(np.abs(est.value - exact) <= est.error + 1e-15)
    assert est.evaluations == f.calls
    assert est.method == "richardson"
    assert est.kind.tolist() == [[SMOOTH] * 3] * 3
    assert est.notes == ()


def test_rows_share_the_evaluations_of_f() -> None:
    x = np.array([0.5, -1.0, 2.0])
    one = Counted(lambda x: np.sin(x[0]) + x[1] * x[2])
    estimate_jacobian(one, x)
    many = Counted(lambda x: np.array([np.sin(x[0]) + x[1] * x[2]] * 4))
    estimate_jacobian(many, x)
    assert many.calls == one.calls


def test_a_matrix_output_has_out_plus_in_shape() -> None:
    x = np.array([1.0, 2.0])
    est = estimate_jacobian(lambda x: np.outer(x, x), x)
    assert est.value.shape == (2, 2, 2)
    exact = np.zeros((2, 2, 2))
    for i in range(2):
        for j in range(2):
            exact[i, j, i] += x[j]
            exact[i, j, j] += x[i]
    assert np.allclose(est.value, exact, rtol=1e-9, atol=1e-12)


def test_a_map_without_outputs_has_an_empty_estimate() -> None:
    est = estimate_jacobian(lambda x: np.zeros((0,)), np.array([0.0, 1.0]))
    assert est.value.shape == est.error.shape == est.lower.shape == (0, 2)
    assert est.kind is None
    assert (est.noise, est.f0, est.f_scale) == (0.0, 0.0, 0.0)


def test_an_integer_point_is_noted_first() -> None:
    est = estimate_jacobian(lambda x: np.abs(x), np.array([0, 1]))
    assert est.notes[0] == "x had dtype int64; it was differentiated in float64"
    assert est.notes[1].startswith("output (0,): not differentiable at entry (0,)")
    assert est.kind.tolist() == [[KINK, SMOOTH], [SMOOTH, SMOOTH]]


def test_method_is_validated_and_passed_on() -> None:
    with pytest.raises(ValueError, match="method"):
        estimate_jacobian(np.sin, np.ones(2), method="nope")
    est = estimate_jacobian(np.sin, np.array([0.25, 0.5]), method="central", step=1e-4)
    assert est.method == "central"
    assert np.allclose(est.step[[0, 1], [0, 1]], 1e-4, rtol=1e-12, atol=0)
    assert np.allclose(est.value, np.diag(np.cos([0.25, 0.5])), rtol=1e-7, atol=1e-12)


def test_a_row_on_the_edge_of_the_domain_names_its_output() -> None:
    x0 = np.array([0.5, 1.0])

    def f(z):
        return np.array([z.sum(), 1.0 if np.array_equal(z, x0) else np.nan])

    with pytest.raises(NonFiniteValueError) as info:
        estimate_jacobian(f, x0)
    assert str(info.value).startswith("f, output (1,): f is not finite at x + h e_(0,)")
    assert isinstance(info.value.__cause__, NonFiniteValueError)


def jagged(x):
    """A deterministic wiggle of amplitude 1e-9, far narrower than any step: noise."""
    return 1e-9 * np.sin(1e9 * np.sum(x * np.array([1.0, np.pi])))


@pytest.mark.parametrize(("rows", "noisiest"), [
    ((lambda x: np.sin(x[0]), lambda x: 1.0 + x[1] + jagged(x)), 1),
    ((lambda x: np.sin(x[0]) + 3.0 * jagged(x), lambda x: 1.0 + x[1]), 0),
    # more noise in absolute terms, less relative to its values: row 1 is the noisier
    ((lambda x: 1e4 + x[0] + 10.0 * jagged(x), lambda x: 1.0 + x[1] + jagged(x)), 1),
])
def test_the_noisiest_row_relative_to_its_values_gives_the_noise_fields(rows, noisiest) -> None:
    x = np.array([0.3, 0.7])
    est = estimate_jacobian(lambda z: np.array([r(z) for r in rows]), x)
    row = estimate_gradient(rows[noisiest], x)
    other = estimate_gradient(rows[1 - noisiest], x)
    assert row.noise / row.f_scale > other.noise / other.f_scale
    assert (est.noise, est.f0, est.f_scale) == (row.noise, row.f0, row.f_scale)
    assert not any(n.startswith("f is noisy") for n in est.notes)


# ----------------------------------------------------------------------------- _row_notes


def test_row_notes_prefix_entry_findings_share_the_rest_and_drop_noise() -> None:
    notes = [("shared A", "kink at entry (0,)", "f is noisy here"),
             ("shared A", "shared B", "along direction 1 a kink"),
             ()]
    assert _row_notes(notes, (3,)) == (
        "shared A", "shared B", "output (0,): kink at entry (0,)",
        "output (1,): along direction 1 a kink")


def test_row_notes_index_a_matrix_output() -> None:
    notes = [(), (), (), ("entry (1,) is odd",)]
    assert _row_notes(notes, (2, 2)) == ("output (1, 1): entry (1,) is odd",)


def test_row_notes_keep_ten_then_count_the_rest() -> None:
    ten = [(f"entry {k}",) for k in range(_NOTE_LIMIT)]
    assert _NOTE_LIMIT == 10
    assert _row_notes(ten, (10,)) == tuple(f"output ({k},): entry {k}" for k in range(10))
    thirteen = [(f"entry {k}",) for k in range(13)]
    got = _row_notes(thirteen, (13,))
    assert got[:10] == tuple(f"output ({k},): entry {k}" for k in range(10))
    assert got[10:] == ("... and 3 more such notes",)


# ----------------------------------------------------------------------------- pairs


def test_draw_pairs_draws_v_first_from_the_given_generator() -> None:
    us, vs = _draw_pairs(np.random.default_rng(3), 4, (2, 3), (5,))
    ref = np.random.default_rng(3)
    assert np.array_equal(vs, ref.standard_normal((4, 2, 3)))
    assert np.array_equal(us, ref.standard_normal((4, 5)))
    us2, vs2 = _draw_pairs(7, 2, (3,), ())
    ref = np.random.default_rng(7)
    assert np.array_equal(vs2, ref.standard_normal((2, 3)))
    assert np.array_equal(us2, ref.standard_normal((2,)))


def test_pair_estimates_are_u_transpose_j_v() -> None:
    x = np.array([0.5, -1.0, 2.0])
    us = np.array([[1.0, 2.0], [-0.5, 0.25], [0.0, 1.0]])
    vs = np.array([[1.0, 0.0, 1.0], [2.0, -1.0, 0.5], [0.0, 0.0, 3.0]])
    f = Counted(lambda x: A @ x + 0.5 * x[0] ** 2 * np.array([1.0, 0.0]))
    memo = Memo(f, x)
    est = _pair_estimates(memo, x, us, vs, "richardson", None)
    J = A + np.array([[x[0], 0.0, 0.0], [0.0, 0.0, 0.0]])
    exact = [u @ J @ v for u, v in zip(us, vs, strict=True)]
    assert est.value.shape == est.error.shape == est.lower.shape == est.step.shape == (3,)
    assert np.all(np.abs(est.value - exact) <= est.error + 1e-14)
    assert est.evaluations == f.calls == memo.evaluations
    assert est.kind is None
    assert est.method == "richardson"


def test_pair_findings_name_the_pair_once() -> None:
    x = np.array([0.0, 1.0])
    us = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    vs = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    est = _pair_estimates(Memo(lambda z: np.abs(z), x), x, us, vs, "richardson", None)
    assert all("direction 0" not in n for n in est.notes)
    assert any("pair 0" in n for n in est.notes)
    assert any("pair 1" in n for n in est.notes)
    assert not any("pair 2" in n for n in est.notes)
    assert len(est.notes) == len(set(est.notes))
    assert est.lower[0] == pytest.approx(-1.0, rel=1e-8, abs=0)
    assert est.upper[0] == pytest.approx(1.0, rel=1e-8, abs=0)
    assert est.value[2] == pytest.approx(1.0, rel=1e-9, abs=0)


def test_a_pair_on_the_edge_of_the_domain_is_named() -> None:
    x0 = np.array([0.5, 1.0])

    def f(z):
        return np.array([z.sum(), 1.0 if np.array_equal(z, x0) else np.nan])

    with pytest.raises(NonFiniteValueError) as info:
        _pair_estimates(Memo(f, x0), x0, np.ones((2, 2)), np.ones((2, 2)), "richardson", None)
    assert str(info.value).startswith("<u, f(x + t v)> of pair 0: f is not finite")


@pytest.mark.parametrize("n", [1, 2, 5])
def test_a_smooth_jacobian_costs_one_gradient_and_six_per_entry(n: int) -> None:
    from checks.differences import estimate_gradient

    x = np.linspace(0.2, 1.0, n)
    f = Counted(lambda z: np.array([np.sum(np.sin(z)), np.sum(z**2), z[0] * 3.0]))
    est = estimate_jacobian(f, x)
    g = Counted(lambda z: np.sum(np.sin(z)))
    estimate_gradient(g, x)
    assert est.evaluations == f.calls == g.calls
    one = Counted(lambda z: np.array([np.sum(np.sin(z)), np.sum(z**2), z[0] * 3.0]))
    estimate_jacobian(one, np.linspace(0.2, 1.0, 1))
    assert f.calls - one.calls == 6 * (n - 1)


def test_pair_estimates_carry_the_value_and_scale_of_their_dot_product() -> None:
    x = np.array([0.5, -1.0, 2.0])
    u = np.array([[2.0, -1.0]])
    memo = Memo(lambda z: A @ z + 10.0, x)
    est = _pair_estimates(memo, x, u, np.array([[1.0, 0.0, 0.0]]), "richardson", None)
    f0 = float(u[0] @ (A @ x + 10.0))  # <u, f(x)> = 2 * 11 - 1 * 11 = 11
    assert est.f0 == pytest.approx(f0, rel=1e-15, abs=0)
    assert est.f_scale >= abs(f0)


def test_a_noisy_map_along_pairs_is_noted() -> None:
    from checks.jacobian import check_jvp

    x = np.array([0.3, 0.7])

    def f(z):
        return np.array([np.sin(z[0]), 1.0 + z[1]]) + jagged(z)

    r = check_jvp(f, lambda v, z: np.array([np.cos(z[0]) * v[0], v[1]]), (x,))
    noisy = [n for n in r.notes if n.startswith("f is noisy at the ")]
    assert len(noisy) == 1
    assert "the smallest detectable relative error here is" in noisy[0]
