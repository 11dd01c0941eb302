"""Parameter trees (``checks.trees``): one check across every leaf of a dict, list or tuple of
arrays, ``argnum`` a tuple of positions, and reports that name each entry by its path.

Each test holds a right gradient that must pass and a wrong one that must fail, or an input
that must be refused with a message naming what is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from checks import check_gradient, find_counterexample

RNG = np.random.default_rng(3)
PARAMS = {"W1": RNG.standard_normal((3, 4)), "b1": RNG.standard_normal(4),
          "w2": RNG.standard_normal(4)}
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal(5)


def mlp_loss(p, X, y):
    """Mean squared error of a one-hidden-layer tanh network."""
    H = np.tanh(X @ p["W1"] + p["b1"])
    return float(np.mean((H @ p["w2"] - y) ** 2))


def mlp_grad(p, X, y):
    """The backward pass, by hand."""
    H = np.tanh(X @ p["W1"] + p["b1"])
    r = 2.0 * (H @ p["w2"] - y) / len(y)
    dZ = np.outer(r, p["w2"]) * (1.0 - H**2)
    return {"W1": X.T @ dZ, "b1": dZ.sum(axis=0), "w2": H.T @ r}


def _off(grad, leaf, index, factor):
    def wrong(p, X, y):
        g = {k: v.copy() for k, v in grad(p, X, y).items()}
        g[leaf][index] *= factor
        return g
    return wrong


def test_a_dict_of_parameters_is_checked_across_every_leaf():
    right = check_gradient(mlp_loss, mlp_grad, (PARAMS, X, Y))
    assert right.verdict == "pass", str(right)
    assert right.analytic.size == 12 + 4 + 4
    text = str(right)
    assert "with respect to args[0] (3 leaves, 20 entries)" in text.splitlines()[0]
    leaves = right.tree.split(right.analytic)
    truth = mlp_grad(PARAMS, X, Y)
    assert all(np.array_equal(leaves[f"args[0][{k!r}]"], truth[k]) for k in truth)


def test_one_wrong_entry_of_one_leaf_fails_and_is_named_by_its_path():
    wrong = _off(mlp_grad, "W1", (2, 3), 1.0 + 1e-6)
    r = check_gradient(mlp_loss, wrong, (PARAMS, X, Y), names=("params", "X", "y"))
    assert r.verdict == "fail" and r.mismatched == 1, str(r)
    assert r.entry_name(r.worst_index) == "params['W1'][2, 3]"
    text = str(r)
    assert "Worst entry params['W1'][2, 3]: analytic" in text
    assert text.splitlines()[0].endswith("with respect to params (3 leaves, 20 entries)")
    assert r.diagnosis == "only params['W1'][2, 3] is wrong (every other entry agrees)"


def test_a_whole_leaf_off_by_a_factor_is_diagnosed_as_that_leaf():
    def wrong(p, X, y):
        g = mlp_grad(p, X, y)
        return {**g, "b1": 2.0 * g["b1"]}
    r = check_gradient(mlp_loss, wrong, (PARAMS, X, Y), names=("params", "X", "y"))
    assert r.verdict == "fail", str(r)
    assert r.diagnosis.startswith("only params['b1'] is wrong (every other leaf agrees): "
                                  "params['b1'] = 2 x numerical"), r.diagnosis
    # the leaf with the mismatches is printed first
    arrays_shown = [line for line in str(r).splitlines() if line.startswith(" ANALYTIC ")]
    assert arrays_shown[0].startswith(" ANALYTIC params['b1']: ")


def test_nested_lists_and_tuples_of_layers():
    layers = [(RNG.standard_normal((2, 3)), RNG.standard_normal(3)),
              (RNG.standard_normal((3, 1)), RNG.standard_normal(1))]
    x = RNG.standard_normal((4, 2))

    def loss(layers, x):
        h = x
        for W, b in layers:
            h = np.sin(h @ W + b)
        return float(np.sum(h))

    def grad(layers, x):
        hs, zs = [x], []
        for W, b in layers:
            zs.append(hs[-1] @ W + b)
            hs.append(np.sin(zs[-1]))
        d = np.ones_like(hs[-1])
        out = []
        for (W, _), z, h in zip(reversed(layers), reversed(zs), reversed(hs[:-1]), strict=True):
            dz = d * np.cos(z)
            out.append((h.T @ dz, dz.sum(axis=0)))
            d = dz @ W.T
        return out[::-1]

    assert check_gradient(loss, grad, (layers, x)).verdict == "pass"

    def wrong(layers, x):
        g = grad(layers, x)
        return [g[0], (g[1][0], 0.0 * g[1][1])]
    r = check_gradient(loss, wrong, (layers, x))
    assert r.verdict == "fail"
    assert r.entry_name(r.worst_index) == "args[0][1][1][0]"


def test_a_tuple_argnum_differentiates_several_arguments_at_once():
    A = RNG.standard_normal((3, 3))

    def f(u, A, v):
        return float(u @ A @ v)

    def grad(u, A, v):
        return A @ v, A.T @ u

    u, v = RNG.standard_normal(3), RNG.standard_normal(3)
    right = check_gradient(f, grad, (u, A, v), argnum=(0, 2), names=("u", "A", "v"))
    assert right.verdict == "pass", str(right)
    assert str(right).splitlines()[0].endswith("with respect to u and v (2 leaves, 6 entries)")
    r = check_gradient(f, lambda u, A, v: (A @ v, A @ u), (u, A, v), argnum=(0, 2),
                       names=("u", "A", "v"))
    assert r.verdict == "fail"
    assert r.entry_name(r.worst_index).startswith("v[")
    r = check_gradient(f, lambda u, A, v: A @ v, (u, A, v), argnum=(0, 2))
    assert r.verdict == "fail"
    assert r.reason.startswith("with argnum=(0, 2), grad must return a tuple of 2 gradients")


@pytest.mark.parametrize(("grad", "reason"), [
    (lambda p, X, y: {"W1": mlp_grad(p, X, y)["W1"]},
     "the analytic gradient of args[0] has other keys: missing 'b1', 'w2'"),
    # a key the parameters do not have is named, after the missing ones
    (lambda p, X, y: {**mlp_grad(p, X, y), "b2": np.zeros(1)},
     "the analytic gradient of args[0] has other keys: unexpected 'b2'"),
    (lambda p, X, y: {"W1": mlp_grad(p, X, y)["W1"], "w1": 0.0, "bias": 0.0,
                      "w2": mlp_grad(p, X, y)["w2"]},
     "the analytic gradient of args[0] has other keys: missing 'b1'; unexpected 'w1', "
     "'bias'"),
    (lambda p, X, y: {**mlp_grad(p, X, y), "b1": np.zeros(3)},
     "the analytic gradient of args[0]['b1'] has shape (3,), but args[0]['b1'] has shape (4,)"),
    (lambda p, X, y: list(mlp_grad(p, X, y).values()),
     "the analytic gradient of args[0] must be a dict like args[0], got list"),
])
def test_a_gradient_of_another_structure_fails_and_says_where(grad, reason):
    r = check_gradient(mlp_loss, grad, (PARAMS, X, Y))
    assert r.verdict == "fail"
    assert r.reason.startswith(reason), r.reason


def test_dict_keys_in_another_order_are_matched_by_key():
    def reordered(p, X, y):
        g = mlp_grad(p, X, y)
        return {"w2": g["w2"], "W1": g["W1"], "b1": g["b1"]}
    assert check_gradient(mlp_loss, reordered, (PARAMS, X, Y)).verdict == "pass"


def test_names_on_a_plain_array_keep_its_shape_and_name_its_entries():
    W = RNG.standard_normal((2, 3))
    r = check_gradient(lambda W: float(np.sum(W**3)), lambda W: 3 * W**2 * np.array(
        [[1, 1, 1], [1.001, 1, 1]]), (W,), names=("W",))
    assert r.verdict == "fail" and r.analytic.shape == (2, 3)
    assert r.entry_name(r.worst_index) == "W[1, 0]"
    assert str(r).splitlines()[0].endswith("with respect to W, shape (2, 3)")


def test_a_python_number_leaf_comes_back_as_a_float_and_the_point_is_not_touched():
    params = {"w": np.array([0.5, -1.0]), "c": 2.0}
    seen = []

    def f(p):
        seen.append(type(p["c"]))
        p["w"] += 1.0  # f writes into its arguments: harmless
        return float(p["c"] * np.sum(np.sin(p["w"] - 1.0)))

    def grad(p):
        return {"w": p["c"] * np.cos(p["w"]), "c": float(np.sum(np.sin(p["w"])))}

    before = {k: np.copy(v) for k, v in params.items()}
    assert check_gradient(f, grad, (params,)).verdict == "pass"
    assert set(seen) == {float}
    assert all(np.array_equal(params[k], before[k]) for k in params)


def test_directional_mode_on_a_tree():
    assert check_gradient(mlp_loss, mlp_grad, (PARAMS, X, Y), mode="directional"
                          ).verdict == "pass"
    wrong = _off(mlp_grad, "w2", (1,), 1.01)
    assert check_gradient(mlp_loss, wrong, (PARAMS, X, Y), mode="directional"
                          ).verdict == "fail"


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (({},), {}, "args[0] is an empty dict: a tree needs at least one leaf"),
    ((PARAMS, X, Y), {"argnum": ()}, "argnum is an empty tuple"),
    ((PARAMS, X, Y), {"argnum": (0, 0)}, "argnum=(0, 0) names an argument twice"),
    ((PARAMS, X, Y), {"names": ("params",)}, "names must give one name per argument (3)"),
    ((PARAMS, X, Y), {"vectorized": True}, "vectorized=True needs a plain array argument"),
    (({"w": np.array([1.0, np.nan])},), {}, "args[0]['w']"),
])
def test_bad_trees_are_refused_with_a_message_naming_them(args, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        check_gradient(lambda *a: 0.0, lambda *a: a[0], args, **kwargs)


def _parameter_dicts():
    """A strategy of parameter dicts (the shapes drawn first) with a batch."""
    floats = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)

    @st.composite
    def trees(draw):
        d = draw(st.integers(1, 3))
        n = draw(st.integers(1, 4))
        params = draw(st.fixed_dictionaries({
            "w": arrays(np.float64, d, elements=floats), "b": floats}))
        X = draw(arrays(np.float64, (n, d), elements=floats))
        return (params, X)

    return trees()


def _linear_loss(p, X):
    return float(np.sum(np.tanh(X @ p["w"] + p["b"])))


def _linear_grad(p, X):
    s = 1.0 - np.tanh(X @ p["w"] + p["b"]) ** 2
    return {"w": X.T @ s, "b": float(np.sum(s))}


def test_find_counterexample_searches_a_strategy_of_parameter_dicts():
    assert find_counterexample(_linear_loss, _linear_grad, _parameter_dicts(),
                               max_examples=30, seed=0) is None

    def wrong(p, X):  # the bias's gradient forgets the sum over samples
        g = _linear_grad(p, X)
        return {**g, "b": float((1.0 - np.tanh(X @ p["w"] + p["b"]) ** 2)[0])}

    cx = find_counterexample(_linear_loss, wrong, _parameter_dicts(), max_examples=100,
                             seed=0)
    assert cx is not None
    params, X = cx.args
    assert set(params) == {"w", "b"} and X.shape[0] >= 2  # one sample cannot show it
    assert cx.check.verdict == "fail"
    assert cx.check.entry_name(cx.check.worst_index) == "args[0]['b']"


def test_the_parameter_dicts_strategy_shares_named_sizes_and_finds_the_counterexample():
    from checks import strategies as S

    shapes = {"W1": (3, "H"), "b1": ("H",), "w2": ("H",)}
    inputs = st.tuples(S.parameter_dicts(shapes, sizes={"H": (1, 3)}),
                       S.datasets(labels="real", min_features=3, max_features=3,
                                  max_samples=4)).map(lambda t: (t[0], *t[1]))

    def mlp(p, X, y):
        return mlp_loss(p, X, y)

    assert find_counterexample(mlp, mlp_grad, inputs, max_examples=25, seed=0) is None
    wrong = _off(mlp_grad, "b1", (0,), 1.5)
    cx = find_counterexample(mlp, wrong, inputs, max_examples=50, seed=0)
    assert cx is not None and cx.check.verdict == "fail"
    params = cx.args[0]
    assert params["W1"].shape[1] == params["b1"].shape[0] == params["w2"].shape[0]
    assert cx.check.entry_name(cx.check.worst_index) == "args[0]['b1'][0]"


@pytest.mark.parametrize(("shapes", "kwargs", "message"), [
    ({}, {}, "shapes must be a non-empty dict"),
    ({"W": [2, 3]}, {}, "shapes['W'] must be a tuple"),
    ({"W": (2, -1)}, {}, "shapes['W'] has dimension -1"),
    ({"W": ("D",)}, {"sizes": {"H": (1, 2)}}, "sizes names 'H', which no shape uses"),
])
def test_parameter_dicts_refuses_bad_shapes_with_the_argument_named(shapes, kwargs, message):
    from checks import strategies as S

    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        S.parameter_dicts(shapes, **kwargs)


def test_a_dict_whose_values_are_containers_is_rebuilt_with_its_structure():
    """``{"layer": [W, b], "inner": {"scale": s}}``: ``f`` is called with that very
    structure (a list of two arrays, a nested dict with a float), the values at the point
    unchanged; the right gradient passes and the entries are named by their paths."""
    W, b = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    params = {"layer": [W, b], "inner": {"scale": 0.75}}
    x = RNG.standard_normal((4, 2))
    seen = []

    def loss(p, x):
        seen.append(p)
        return p["inner"]["scale"] * float(np.sum(np.tanh(x @ p["layer"][0] + p["layer"][1])))

    def grad(p, x):
        s, (W, b) = p["inner"]["scale"], p["layer"]
        t = np.tanh(x @ W + b)
        dz = s * (1.0 - t**2)
        return {"layer": [x.T @ dz, dz.sum(axis=0)], "inner": {"scale": float(np.sum(t))}}

    r = check_gradient(loss, grad, (params, x))
    assert r.verdict == "pass", str(r)
    first = seen[0]
    assert list(first) == ["layer", "inner"] and list(first["inner"]) == ["scale"]
    assert isinstance(first["layer"], list) and len(first["layer"]) == 2
    np.testing.assert_array_equal(first["layer"][0], W)
    np.testing.assert_array_equal(first["layer"][1], b)
    assert type(first["inner"]["scale"]) is float and first["inner"]["scale"] == 0.75
    assert r.tree.name(r.tree.size - 1) == "args[0]['inner']['scale']"
    assert r.tree.name(6) == "args[0]['layer'][1][0]"
