"""Meta-tests of the machine-learning strategies (``checks.strategies.ml``).

Each strategy produces what its docstring promises: dtype, then shape, then values (SPD with
the condition bound, probabilities that sum to 1, one-hot rows, label ranges, matched layer
shapes, attention shape agreements); ``elements=`` draws the entries; bad arguments raise a
``ValueError`` naming the argument; failing properties shrink to the smallest inputs.
"""

import math
import re
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import strategies as S
from tests.test_strategies import assert_elements, assert_shape, minimal

EPS = np.finfo(np.float64).eps

COND_MARGIN = 1e-9
"""Relative slack for a condition number computed another way than ``np.linalg.cond``.

``eigvalsh`` is accurate to about ``eps * cond`` relative (``2e-13`` at ``cond = 1e3``); the
strategy keeps a margin of ``1e-6 * ln(cond)`` below the bound, so ``1e-9`` is ample.
"""


def assert_float64(a):
    __tracebackhide__ = True
    assert isinstance(a, np.ndarray), f"type={type(a).__name__}, but should be ndarray"
    assert a.dtype == np.float64, f"dtype={a.dtype}, but should be float64"
    assert np.all(np.isfinite(a)), f"non-finite entries in {a!r}"


def assert_spd(A, max_condition, top=S.MAX_MAGNITUDE):
    """Float64, square, exactly symmetric, positive definite, ``cond(A) <= max_condition``."""
    __tracebackhide__ = True
    assert_float64(A)
    assert A.ndim == 2 and A.shape[0] == A.shape[1], f"shape={A.shape}, but should be square"
    assert np.array_equal(A, A.T), f"A - A.T has max {np.abs(A - A.T).max()}, should be 0"
    np.linalg.cholesky(A)  # raises LinAlgError unless positive definite
    lam = np.linalg.eigvalsh(A)
    assert lam[0] > 0, f"smallest eigenvalue {lam[0]}, but should be > 0"
    assert np.linalg.cond(A) <= max_condition, f"cond(A)={np.linalg.cond(A)} > {max_condition}"
    ratio = lam[-1] / lam[0]
    assert ratio <= max_condition * (1 + COND_MARGIN), f"eigenvalue ratio {ratio}"
    assert np.abs(A).max() <= top, f"max |A_ij|={np.abs(A).max()}, but should be <= {top}"
    assert lam[-1] <= top * (1 + COND_MARGIN), f"largest eigenvalue {lam[-1]} > top {top}"


# --------------------------------------------------------------------------- spd_matrices


@given(S.spd_matrices())
def test_spd_matrices_default(A):
    assert_spd(A, 1e3)
    assert 1 <= A.shape[0] <= 8, f"shape={A.shape}, but should be (1..8, 1..8)"


@given(S.spd_matrices(min_side=3, max_side=5, max_condition=1.01))
def test_spd_matrices_tight_condition(A):
    assert_spd(A, 1.01)
    assert 3 <= A.shape[0] <= 5, f"shape={A.shape}"


@given(S.spd_matrices(max_condition=1e10))
def test_spd_matrices_at_the_largest_condition_allowed(A):
    assert_spd(A, 1e10)


@given(S.spd_matrices(elements=st.just(1.0)))
def test_spd_matrices_elements_set_the_top_eigenvalue(A):
    assert_spd(A, 1e3, top=1.0)


@given(S.spd_matrices(elements=st.floats(-0.5, 0.5), max_condition=100.0))
def test_spd_matrices_stay_within_the_magnitude_of_elements(A):
    assert_spd(A, 100.0, top=0.5)


def test_spd_matrices_accept_the_largest_condition_and_no_larger():
    A = minimal(S.spd_matrices(max_condition=1e10), lambda A: A.shape[0] >= 2)
    np.testing.assert_array_equal(A, np.eye(2))
    with pytest.raises(ValueError, match=re.escape("max_condition=10000000001.0 must be <= 1e10")):
        S.spd_matrices(max_condition=1e10 + 1.0)


def test_spd_matrix_shrinks_to_the_identity():
    np.testing.assert_array_equal(minimal(S.spd_matrices()), [[1.0]])
    np.testing.assert_array_equal(minimal(S.spd_matrices(), lambda A: A.shape[0] >= 2), np.eye(2))


# --------------------------------------------------------------------------- logits_and_labels


@given(S.logits_and_labels())
def test_logits_and_integer_labels(pair):
    Z, y = pair
    assert_elements(Z)
    n, c = Z.shape
    assert 1 <= n <= 12 and 2 <= c <= 6, f"Z.shape={Z.shape}, but should be (1..12, 2..6)"
    assert y.dtype == np.int64, f"y.dtype={y.dtype}, but should be int64"
    assert_shape(y, (n,))
    assert np.all((0 <= y) & (y < c)), f"labels {y} not in [0, {c})"


@given(S.logits_and_labels(one_hot=True, min_samples=0, max_samples=4, max_classes=3))
def test_logits_and_one_hot_labels(pair):
    Z, Y = pair
    assert_elements(Z)
    n, c = Z.shape
    assert 0 <= n <= 4 and 2 <= c <= 3, f"Z.shape={Z.shape}"
    assert Y.dtype == np.float64, f"Y.dtype={Y.dtype}, but should be float64"
    assert_shape(Y, (n, c))
    assert set(Y.ravel().tolist()) <= {0.0, 1.0}, f"one-hot rows hold only 0 and 1: {Y}"
    np.testing.assert_array_equal(Y.sum(axis=1), np.ones(n), err_msg="one 1.0 per row")


@given(S.logits_and_labels(min_classes=1, max_classes=1))
def test_logits_with_one_class_label_everything_zero(pair):
    Z, y = pair
    assert_shape(Z, (y.size, 1))
    assert np.all(y == 0)


@pytest.mark.parametrize("one_hot", [False, True])
@given(data=st.data())
def test_logits_draw_from_elements(one_hot, data):
    Z, _ = data.draw(S.logits_and_labels(one_hot=one_hot, elements=st.just(1.0)), label="(Z, y)")
    assert_float64(Z)
    assert np.all(Z == 1.0), f"{Z!r} should hold only the 1.0 of elements=st.just(1.0)"


def test_logits_and_labels_shrink_to_class_zero():
    Z, y = minimal(S.logits_and_labels())
    np.testing.assert_array_equal(Z, np.zeros((1, 2)))
    np.testing.assert_array_equal(y, [0])
    _, Y = minimal(S.logits_and_labels(one_hot=True))
    np.testing.assert_array_equal(Y, [[1.0, 0.0]])


# --------------------------------------------------------------------------- probability_vectors


def assert_probabilities(p, min_probability):
    """Float64 entries in ``[min_probability, 1]``; the sum is 1 within the promised ulps."""
    __tracebackhide__ = True
    assert_float64(p)
    assert p.ndim == 1 and p.size >= 1, f"shape={p.shape}, but should be (K,) with K >= 1"
    assert np.all(p >= min_probability), f"min(p)={p.min()}, but should be >= {min_probability}"
    assert np.all(p <= 1.0), f"max(p)={p.max()}, but should be <= 1"
    # exactly summed, within 1 eps; a float sum of K terms adds up to (K - 1) eps / 2
    assert abs(math.fsum(p) - 1.0) <= EPS, f"fsum(p) - 1 = {math.fsum(p) - 1.0}"
    bound = (p.size + 1) * EPS / 2
    assert abs(p.sum() - 1.0) <= bound, f"p.sum() - 1 = {p.sum() - 1.0}, but should be <= {bound}"


@given(S.probability_vectors())
def test_probability_vectors_default(p):
    assert_probabilities(p, 1e-6)
    assert 1 <= p.size <= 8, f"shape={p.shape}, but should be (1..8,)"
    assert np.all(np.isfinite(np.log(p)))


@given(S.probability_vectors(min_size=10, max_size=10, min_probability=0.1))
def test_probability_vectors_at_the_largest_floor_are_uniform(p):
    assert_probabilities(p, 0.1)
    np.testing.assert_allclose(p, np.full(10, 0.1), rtol=4 * EPS)


@given(S.probability_vectors(max_size=64, min_probability=0.0, elements=st.floats(-50, 50)))
def test_probability_vectors_with_wide_logits_still_sum_to_one(p):
    assert_probabilities(p, 0.0)
    assert p.size <= 64


@given(S.probability_vectors(elements=st.just(1.0)))
def test_probability_vectors_of_equal_logits_are_uniform(p):
    assert_probabilities(p, 1e-6)
    np.testing.assert_allclose(p, np.full(p.size, 1.0 / p.size), rtol=4 * EPS)


def test_probability_vector_shrinks_to_one():
    np.testing.assert_array_equal(minimal(S.probability_vectors()), [1.0])


# --------------------------------------------------------------------------- mlp_inputs


def assert_mlp(weights, X, *, layers=(1, 3), widths=(1, 6), samples=(1, 8)):
    __tracebackhide__ = True
    assert isinstance(weights, tuple), f"type={type(weights).__name__}, but should be tuple"
    assert layers[0] <= len(weights) <= layers[1], f"{len(weights)} layers, not in {layers}"
    for W in (*weights, X):
        assert_float64(W)
        assert W.ndim == 2, f"shape={W.shape}, but should be 2-D"
    for i, (W, V) in enumerate(pairwise(weights)):
        assert W.shape[1] == V.shape[0], f"weights[{i}].shape={W.shape}, [{i + 1}]={V.shape}"
    dims = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    assert all(widths[0] <= d <= widths[1] for d in dims), f"widths {dims} not in {widths}"
    assert samples[0] <= X.shape[0] <= samples[1], f"X.shape={X.shape}"
    assert_shape(X, (X.shape[0], dims[0]))


@given(S.mlp_inputs())
def test_mlp_inputs_default(inputs):
    weights, X = inputs
    assert_mlp(weights, X)
    for W in (*weights, X):
        assert_elements(W)
    H = X
    for W in weights:
        H = np.tanh(H @ W)
    assert_shape(H, (X.shape[0], weights[-1].shape[1]))


@given(S.mlp_inputs(min_layers=4, max_layers=4, min_width=2, max_width=3, max_samples=2))
def test_mlp_inputs_bounds(inputs):
    assert_mlp(*inputs, layers=(4, 4), widths=(2, 3), samples=(1, 2))


@given(S.mlp_inputs(elements=st.just(1.0)))
def test_mlp_inputs_draw_from_elements(inputs):
    weights, X = inputs
    assert_mlp(weights, X)
    assert all(np.all(a == 1.0) for a in (*weights, X)), "every entry should be 1.0"


def test_mlp_inputs_shrink_to_one_layer_of_width_one():
    weights, X = minimal(S.mlp_inputs())
    assert [W.shape for W in weights] == [(1, 1)]
    np.testing.assert_array_equal(X, [[0.0]])
    weights, _ = minimal(S.mlp_inputs(), lambda a: len(a[0]) >= 2)
    assert [W.shape for W in weights] == [(1, 1), (1, 1)]


# --------------------------------------------------------------------------- attention_inputs


def assert_attention(Q, K, V):
    """``Q (Lq, d)``, ``K (Lk, d)``, ``V (Lk, dv)``; returns ``(Lq, Lk, d, dv)``."""
    __tracebackhide__ = True
    for a in (Q, K, V):
        assert_float64(a)
        assert a.ndim == 2, f"shape={a.shape}, but should be 2-D"
    (lq, d), (lk, dv) = Q.shape, V.shape
    assert_shape(K, (lk, d))
    scores = Q @ K.T / math.sqrt(d)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    out = (weights / weights.sum(axis=1, keepdims=True)) @ V
    assert_shape(out, (lq, dv))
    return lq, lk, d, dv


@given(S.attention_inputs())
def test_attention_inputs_default(qkv):
    for a in qkv:
        assert_elements(a)
    sizes = assert_attention(*qkv)
    assert all(1 <= n <= 6 for n in sizes), f"(Lq, Lk, d, dv)={sizes}, but should be in 1..6"


@given(S.attention_inputs(min_length=3, max_length=3, min_dim=2, max_dim=2))
def test_attention_key_length_and_value_dim_follow_their_counterparts(qkv):
    assert assert_attention(*qkv) == (3, 3, 2, 2)


@given(
    S.attention_inputs(
        max_length=2,
        min_key_length=4,
        max_key_length=5,
        max_dim=1,
        min_value_dim=3,
        max_value_dim=6,
    )
)
def test_attention_inputs_bounds(qkv):
    lq, lk, d, dv = assert_attention(*qkv)
    assert 1 <= lq <= 2 and 4 <= lk <= 5 and d == 1 and 3 <= dv <= 6, (lq, lk, d, dv)


@given(S.attention_inputs(elements=st.just(1.0)))
def test_attention_inputs_draw_from_elements(qkv):
    assert_attention(*qkv)
    assert all(np.all(a == 1.0) for a in qkv), "every entry should be 1.0"


def test_attention_inputs_take_every_entry_from_elements():
    Q, K, V = minimal(S.attention_inputs(elements=st.just(0.5)),
                      lambda t: t[0].shape[0] >= 2 and t[2].shape[1] >= 2)
    assert all(np.all(a == 0.5) for a in (Q, K, V)), (Q, K, V)


def test_attention_inputs_draw_lengths_independently_and_shrink_small():
    assert [a.shape for a in minimal(S.attention_inputs())] == [(1, 1), (1, 1), (1, 1)]
    Q, K, V = minimal(S.attention_inputs(), lambda t: t[0].shape[0] != t[1].shape[0])
    assert sorted([Q.shape[0], K.shape[0]]) == [1, 2] and Q.shape[1] == V.shape[1] == 1


# --------------------------------------------------------------------------- bad arguments

BAD_ARGUMENTS = [
    (S.spd_matrices, {"min_side": 0}, "min_side=0 must be >= 1"),
    (S.spd_matrices, {"min_side": 9}, "min_side=9 must be <= max_side=8"),
    (S.spd_matrices, {"max_condition": 1.0}, "max_condition=1.0 must be > 1"),
    (S.spd_matrices, {"max_condition": math.inf}, "max_condition=inf must be finite"),
    (S.spd_matrices, {"max_condition": 1e11}, "max_condition=100000000000.0 must be <= 1e10"),
    (S.spd_matrices, {"max_condition": "big"}, "max_condition must be a real number"),
    (S.logits_and_labels, {"min_classes": 0}, "min_classes=0 must be >= 1"),
    (S.logits_and_labels, {"min_samples": 13}, "min_samples=13 must be <= max_samples=12"),
    (S.logits_and_labels, {"max_classes": 2.0}, "max_classes must be an integer, got 2.0"),
    (S.logits_and_labels, {"one_hot": 1}, "one_hot must be True or False, got 1"),
    (S.probability_vectors, {"min_size": 0}, "min_size=0 must be >= 1"),
    (S.probability_vectors, {"min_probability": -0.1}, "min_probability=-0.1 must satisfy"),
    (S.probability_vectors, {"min_probability": 0.2}, "min_probability=0.2 must satisfy 0 <="),
    (S.probability_vectors, {"min_probability": math.nan}, "min_probability=nan must satisfy"),
    (S.probability_vectors, {"min_probability": None}, "min_probability must be a real"),
    (S.mlp_inputs, {"min_layers": 0}, "min_layers=0 must be >= 1"),
    (S.mlp_inputs, {"min_width": 7}, "min_width=7 must be <= max_width=6"),
    (S.mlp_inputs, {"max_samples": -1}, "max_samples=-1 must be >= 0"),
    (S.attention_inputs, {"min_length": 0}, "min_length=0 must be >= 1"),
    (S.attention_inputs, {"max_key_length": 0}, "max_key_length=0 must be >= 1"),
    (S.attention_inputs, {"min_key_length": 7}, "min_key_length=7 must be <= max_key_length=6"),
    (S.attention_inputs, {"max_dim": True}, "max_dim must be an integer, got True"),
    (S.attention_inputs, {"max_value_dim": 0}, "max_value_dim=0 must be >= 1"),
    (S.attention_inputs, {"min_value_dim": 3, "max_value_dim": 2}, "min_value_dim=3 must be <="),
    (
        S.attention_inputs,
        {"min_value_dim": 7},
        "min_value_dim=7 must be <= max_value_dim=6 (max_value_dim defaults to max_dim)",
    ),
    (
        S.attention_inputs,
        {"max_key_length": 3, "min_length": 4, "max_length": 4},
        "min_key_length=4 must be <= max_key_length=3 (min_key_length defaults to min_length)",
    ),
]


@pytest.mark.parametrize(
    ("factory", "kwargs", "message"),
    BAD_ARGUMENTS,
    ids=[f"{f.__name__}-{'-'.join(k)}-{i}" for i, (f, k, _) in enumerate(BAD_ARGUMENTS)],
)
def test_bad_arguments_raise_when_the_strategy_is_built(factory, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        factory(**kwargs)


ML_STRATEGIES = [
    S.spd_matrices,
    S.logits_and_labels,
    S.probability_vectors,
    S.mlp_inputs,
    S.attention_inputs,
]


@pytest.mark.parametrize("factory", ML_STRATEGIES, ids=lambda f: f.__name__)
def test_arguments_are_keyword_only(factory):
    with pytest.raises(TypeError):
        factory(1)


@pytest.mark.parametrize("factory", ML_STRATEGIES, ids=lambda f: f.__name__)
def test_max_magnitude_is_not_an_argument_use_elements(factory):
    with pytest.raises(TypeError, match="max_magnitude"):
        factory(max_magnitude=1.0)


# --------------------------------------------------------------------------- deleting indices
# (see tests/test_strategies.py): a property that needs one index of each dimension shrinks
# to every dimension 1, whichever indices the first failing draw had them at


def test_mlp_inputs_lose_any_unit_of_any_width_and_any_sample():
    def one_path(a):
        (W,), X = a if len(a[0]) == 1 else ((None,), None)
        return W is not None and bool(np.any((X != 0).T[:, :, None] & (W[:, None, :] != 0)))

    weights, X = minimal(S.mlp_inputs(), one_path)
    assert [W.shape for W in weights] == [(1, 1)] and X.shape == (1, 1)


def test_attention_inputs_lose_any_position_and_any_dimension():
    def one_path(qkv):
        Q, K, V = qkv
        scores = (Q != 0)[:, None, :] & (K != 0)[None, :, :]  # (Lq, Lk, d)
        return bool(np.any(scores.any(axis=2)[:, :, None] & (V != 0)[None, :, :]))

    assert [a.shape for a in minimal(S.attention_inputs(), one_path)] == [(1, 1)] * 3


def test_spd_matrices_lose_any_index_and_stay_spd():
    A = minimal(S.spd_matrices(max_condition=10.0),
                lambda A: A.shape[0] >= 2 and bool(np.any(A[np.triu_indices(A.shape[0], 1)] != 0)))
    assert A.shape == (2, 2) and A[0, 1] == A[1, 0] != 0
    assert_spd(A, 10.0)


def test_logits_lose_any_sample():
    Z, y = minimal(S.logits_and_labels(), lambda p: bool(np.any(p[1] != 0)))
    assert Z.shape == (1, 2) and y.tolist() == [1]
