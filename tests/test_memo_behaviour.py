"""Behaviour of :class:`checks._memo.Memo`: two calls at ``x``, one per later point, the
errors it raises (and their texts), integer outputs as floats, complex points allowed."""

from __future__ import annotations

import numpy as np
import pytest

from checks import check_jacobian
from checks._memo import Memo
from checks._util import UsageError


class _Counted:
    def __init__(self, fun):
        self.fun, self.calls = fun, []

    def __call__(self, z):
        self.calls.append(np.array(z, copy=True))
        return self.fun(z)


def test_two_calls_at_x_then_one_per_new_point():
    f = _Counted(lambda z: np.array([z @ z, np.sum(z)]))
    x = np.array([1.0, 2.0])
    memo = Memo(f, x)
    assert memo.evaluations == 2 and len(f.calls) == 2 and memo.out_shape == (2,)
    assert memo.what == "f"
    np.testing.assert_array_equal(memo.value, [5.0, 3.0])
    # x itself is stored: no call
    np.testing.assert_array_equal(memo(x.copy()), [5.0, 3.0])
    assert memo.evaluations == 2 and len(f.calls) == 2
    z = np.array([1.5, 2.0])
    assert memo.entry(0)(z) == 6.25 and memo.entry(1)(z) == 3.5
    assert memo.evaluations == 3 and len(f.calls) == 3
    assert memo.dot(np.array([2.0, -1.0]))(z) == 2.0 * 6.25 - 3.5
    assert memo.evaluations == 3
    # a different dtype or shape of the same bytes is another point
    memo(np.array([1.5, 2.0], dtype=np.float32))
    assert memo.evaluations == 4


def test_the_function_never_sees_the_memo_s_own_arrays():
    def f(z):
        out = np.array([float(np.sum(z))])
        z[...] = 99.0  # a careless f writing into its input
        return out

    x = np.array([1.0, 2.0])
    memo = Memo(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    z = np.array([0.5, 0.5])
    memo(z)
    np.testing.assert_array_equal(z, [0.5, 0.5])


def test_integer_and_boolean_outputs_become_floats():
    memo = Memo(lambda z: np.array([1, 2], dtype=np.int32), np.array([0.0]))
    assert memo.value.dtype == np.float64
    assert memo(np.array([1.0])).dtype == np.float64
    memo_b = Memo(lambda z: np.array([True]), np.array([0.0]))
    assert memo_b.value.dtype == np.float64 and memo_b.value[0] == 1.0
    memo_u = Memo(lambda z: np.uint8(3), np.array([0.0]))
    assert memo_u.value.dtype == np.float64 and memo_u.out_shape == ()


def test_float32_outputs_keep_their_type():
    memo = Memo(lambda z: np.array([1.5], dtype=np.float32), np.array([0.0]))
    assert memo.value.dtype == np.float32


def test_a_non_finite_value_at_x_names_its_index():
    with pytest.raises(ValueError, match=r"^grad\(x\) is not finite: nan at output index "):
        Memo(lambda z: np.array([1.0, np.nan]), np.array([0.0]), "grad")
    with pytest.raises(ValueError, match=r"f\(x\) is not finite: inf"):
        Memo(lambda z: np.float64(np.inf), np.array([0.0]))
    # an empty output has nothing to be non-finite
    assert Memo(lambda z: np.zeros(0), np.array([0.0])).out_shape == (0,)


def test_non_finite_values_elsewhere_are_allowed():
    memo = Memo(lambda z: np.array([1.0 / z[0] if z[0] != 0.0 else np.inf]), np.array([1.0]))
    assert np.isinf(memo(np.array([0.0]))[0])


def test_a_random_function_is_refused():
    values = iter([np.array([1.0]), np.array([2.0])])
    with pytest.raises(ValueError, match=r"^f is not deterministic: two calls at the same x "
                                         r"returned different values") as info:
        Memo(lambda z: next(values), np.array([0.0]))
    assert str(info.value) == (
        "f is not deterministic: two calls at the same x returned different values; a "
        "finite difference of a random function (a minibatch, dropout, a global counter) "
        "means nothing: fix its seed or its data inside it")
    # the same numbers in another dtype are not the same output
    dtypes = iter([np.array([1.0]), np.array([1.0], dtype=np.float32)])
    with pytest.raises(ValueError, match="not deterministic"):
        Memo(lambda z: next(dtypes), np.array([0.0]))


def test_output_shape_must_not_depend_on_the_point():
    f = lambda z: np.zeros(2) if z[0] == 0.0 else np.zeros(3)  # noqa: E731
    memo = Memo(f, np.array([0.0]), "grad")
    with pytest.raises(UsageError, match=r"^grad returned shape \(3,\) at a perturbed point, "
                                         r"but shape \(2,\) at x: its output shape must not "
                                         r"depend on the point$"):
        memo(np.array([1.0]))
    shapes = iter([np.zeros(2), np.zeros(3)])
    with pytest.raises(UsageError, match=r"returned shape \(3,\) at x, but shape \(2,\) at x"):
        Memo(lambda z: next(shapes), np.array([0.0]))


def test_complex_and_non_numeric_outputs():
    with pytest.raises(UsageError, match=r"^f must return real values, got dtype complex128 "
                                         r"at x$"):
        Memo(lambda z: np.array([1j]), np.array([0.0]))
    with pytest.raises(UsageError, match=r"^grad must return a numeric array, got str at x$"):
        Memo(lambda z: "1.0", np.array([0.0]), "grad")
    with pytest.raises(UsageError, match=r"must return a numeric array, got NoneType"):
        Memo(lambda z: None, np.array([0.0]))
    memo = Memo(lambda z: z * 2.0, np.array([1.0]))
    # a complex point (the complex step) may give a complex value
    out = memo(np.array([1.0 + 1e-20j]))
    assert out.dtype.kind == "c" and out.imag[0] == 2e-20
    # a real point may not
    memo_c = Memo(lambda z: z * 2.0 if z[0] == 1.0 else np.array([1j]), np.array([1.0]))
    with pytest.raises(UsageError, match="must return real values, got dtype complex128 at a "
                                         "perturbed point"):
        memo_c(np.array([2.0]))


def test_a_vectorized_jacobian_check_counts_every_point_of_its_batches():
    """``check_jacobian(vectorized=True)`` sends the points of a ladder level or a noise
    probe to ``f`` as one stack: the evaluation count it reports is the number of points in
    the stacks ``f`` received (each once), fewer calls than points but not fewer points."""
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    batches = []

    def f(stack):
        batches.append(len(stack))
        return np.tanh(stack @ W.T)

    def jac(x):
        return (1.0 - np.tanh(W @ x) ** 2)[:, None] * W

    r = check_jacobian(f, jac, (np.array([0.1, -0.2]),), vectorized=True)
    assert r.verdict == "pass", str(r)
    assert len(batches) < sum(batches)  # batched: several points per call
    assert r.evaluations == sum(batches)
    assert f"{sum(batches)} evaluations" in str(r)


@pytest.mark.parametrize("vectorized", [False, True])
def test_a_level_table_evaluates_the_points_in_the_targets_dtype(vectorized):
    # the points of checks.evaluation._evaluate's loop: x with one entry set to a target, in
    # the targets' dtype -- float32 here, as f itself would get them from that loop; each
    # point evaluated once
    seen = []

    def f(z):
        seen.append(z.dtype)
        return np.stack([np.sum(z**2, axis=-1), np.sum(z, axis=-1)], axis=-1)

    x = np.array([1.0, 2.0], dtype=np.float32)
    memo = Memo(f, x, vectorized=vectorized)
    seen.clear()
    targets = np.array([[1.5, 2.5], [0.5, 1.5]], dtype=np.float32)
    table = memo.level_table(x, targets, np.array([0, 1]))
    assert set(seen) == {np.dtype(np.float32)}
    assert memo.evaluations == 2 + 4
    # points (1.5, 2), (0.5, 2), (1, 2.5), (1, 1.5): sum of squares and sum
    np.testing.assert_array_equal(table[:, :, 0], [[6.25, 7.25], [4.25, 3.25]])
    np.testing.assert_array_equal(table[:, :, 1], [[3.5, 3.5], [2.5, 2.5]])
