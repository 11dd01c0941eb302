"""checks.jax.check_grads: jax's call, our engine; custom rules right pass, planted bugs fail."""

import functools

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy

from checks import InconclusiveError  # noqa: E402
from checks.jax import CheckGradsError, check, check_grads  # noqa: E402

N = 5  # LayerNorm width


def _point(seed, shape=(3, N), dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- LayerNorm


def _layernorm_rule(backward):
    """A LayerNorm over the last axis (no affine) with a hand-written ``backward``."""

    @jax.custom_vjp
    def layernorm(x):
        return _forward(x)[0]

    def _forward(x):
        mu = x.mean(-1, keepdims=True)
        sigma = jnp.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
        xhat = (x - mu) / sigma
        return xhat, (xhat, sigma)

    layernorm.defvjp(_forward, lambda res, g: (backward(*res, g),))
    return layernorm


def _ln_right(xhat, sigma, g):
    return (g - g.mean(-1, keepdims=True) - xhat * (g * xhat).mean(-1, keepdims=True)) / sigma


LN_BUGS = {
    "mean_term_forgotten": lambda xhat, sigma, g: (
        g - xhat * (g * xhat).mean(-1, keepdims=True)) / sigma,
    "factor_N": lambda xhat, sigma, g: (
        g - g.mean(-1, keepdims=True) - xhat * (g * xhat).sum(-1, keepdims=True)) / sigma,
    "relative_1e-5": lambda xhat, sigma, g: _ln_right(xhat, sigma, g) * (1 + 1e-5),
}


@pytest.mark.parametrize("order", [1, 2])
def test_layernorm_custom_vjp_right_passes_rev(order):
    check_grads(_layernorm_rule(_ln_right), (_point(0),), order=order, modes=("rev",))


@pytest.mark.parametrize("bug", sorted(LN_BUGS))
def test_layernorm_custom_vjp_planted_bug_fails(bug):
    with pytest.raises(CheckGradsError, match=r"VJP check FAILED: d out / d args\[0\]"):
        check_grads(_layernorm_rule(LN_BUGS[bug]), (_point(0),), order=1, modes=("rev",))


def test_jax_own_check_grads_passes_the_1e_5_layernorm_bug_ours_fails():
    """The evidence for the module: jax's check, at float64, misses a 1e-5 relative error."""
    from jax.test_util import check_grads as jax_check_grads

    wrong = _layernorm_rule(LN_BUGS["relative_1e-5"])
    with jax.enable_x64(True):
        jax_check_grads(wrong, (_point(0),), order=1, modes=("rev",))  # no AssertionError
    with pytest.raises(AssertionError):
        check_grads(wrong, (_point(0),), order=1, modes=("rev",))


# ----------------------------------------------------------------------------- a transpose


def _dense_rule(transposed: bool):
    """``tanh(x @ W)`` with a hand-written backward; W square, so a transpose still fits."""

    @jax.custom_vjp
    def dense(x, W):
        return jnp.tanh(x @ W)

    def fwd(x, W):
        y = jnp.tanh(x @ W)
        return y, (x, W, y)

    def bwd(res, g):
        x, W, y = res
        gpre = g * (1 - y**2)
        return gpre @ (W if transposed else W.T), x.T @ gpre

    dense.defvjp(fwd, bwd)
    return dense


def test_dense_custom_vjp_right_passes_to_order_2():
    args = (_point(1, (2, 4)), _point(2, (4, 4)))
    check_grads(_dense_rule(False), args, order=2, modes=("rev",))


def test_dense_custom_vjp_transpose_fails_naming_x_not_W():
    args = (_point(1, (2, 4)), _point(2, (4, 4)))
    with pytest.raises(CheckGradsError, match=r"1 of 2 leaf checks failed") as info:
        check_grads(_dense_rule(True), args, order=1, modes=("rev",))
    assert r"d out / d args[0]" in str(info.value)
    assert r"d out / d args[1]" not in str(info.value)


# ----------------------------------------------------------------------------- softmax, lse


def _softmax(x):
    e = jnp.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _logsumexp(x):
    m = x.max()
    return m + jnp.log(jnp.exp(x - m).sum())


def _vjp_rule(fun, backward):
    rule = jax.custom_vjp(fun)
    rule.defvjp(lambda x: (fun(x), (x, fun(x))), lambda res, g: (backward(*res, g),))
    return rule


def _jvp_rule(fun, tangent):
    rule = jax.custom_jvp(fun)
    rule.defjvp(lambda p, t: (fun(p[0]), tangent(p[0], fun(p[0]), t[0])))
    return rule


RULES = {  # name: (function, right VJP (x, y, g), right JVP (x, y, t), wrong VJP)
    "softmax": (_softmax, lambda x, y, g: y * (g - (g * y).sum(-1, keepdims=True)),
                lambda x, y, t: y * (t - (t * y).sum(-1, keepdims=True)),
                lambda x, y, g: y * g),
    "logsumexp": (_logsumexp, lambda x, y, g: g * _softmax(x),
                  lambda x, y, t: (_softmax(x) * t).sum(),
                  lambda x, y, g: g * jnp.exp(x)),
}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(RULES))
def test_custom_vjp_right_passes_rev(name, order):
    fun, backward, _, _ = RULES[name]
    check_grads(_vjp_rule(fun, backward), (_point(3, (4,)),), order=order, modes=("rev",))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(RULES))
def test_custom_jvp_right_passes_fwd_and_rev(name, order):
    fun, _, tangent, _ = RULES[name]
    check_grads(_jvp_rule(fun, tangent), (_point(3, (4,)),), order=order)


@pytest.mark.parametrize("name", sorted(RULES))
def test_custom_vjp_wrong_fails(name):
    fun, _, _, wrong = RULES[name]
    with pytest.raises(CheckGradsError):
        check_grads(_vjp_rule(fun, wrong), (_point(3, (4,)),), order=1, modes=("rev",))


def test_custom_jvp_wrong_jvp_fails_in_fwd_mode():
    wrong = _jvp_rule(_softmax, lambda x, y, t: y * (t - t.sum(-1, keepdims=True) / 4))
    with pytest.raises(CheckGradsError, match=r"JVP check FAILED: d out / d args\[0\]"):
        check_grads(wrong, (_point(3, (4,)),), order=1, modes=("fwd",))


# ----------------------------------------------------------------------------- pytrees

X = _point(4, (6, 3))
Y = _point(5, (6,))


def _mlp_loss(p):
    h = jnp.tanh(X @ p["W1"] + p["b1"])
    return jnp.mean((h @ p["w2"] - Y) ** 2)


def _mlp_rule(b1_factor):
    rule = jax.custom_vjp(_mlp_loss)

    def fwd(p):
        h = jnp.tanh(X @ p["W1"] + p["b1"])
        return _mlp_loss(p), (p, h)

    def bwd(res, g):
        p, h = res
        r = 2 * (h @ p["w2"] - Y) / Y.size * g
        gpre = jnp.outer(r, p["w2"]) * (1 - h**2)
        return ({"W1": X.T @ gpre, "b1": b1_factor * gpre.sum(0), "w2": h.T @ r},)

    rule.defvjp(fwd, bwd)
    return rule


def _params(seed=6):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4),
            "w2": rng.standard_normal(4)}


def test_pytree_of_parameters_right_passes_to_order_2():
    check_grads(_mlp_rule(1.0), (_params(),), order=2, modes=("rev",))


def test_pytree_wrong_leaf_is_named_with_its_worst_entry():
    with pytest.raises(CheckGradsError) as info:
        check_grads(_mlp_rule(1.001), (_params(),), order=1, modes=("rev",))
    message = str(info.value)
    assert "1 of 3 leaf checks failed" in message
    assert "VJP: d out / d args[0]['b1']" in message
    assert "Worst entry: d out / d args[0]['b1'][" in message
    assert "args[0]['W1']:" not in message and "args[0]['w2']:" not in message


def test_pytree_outputs_are_named_by_key_path():
    def f(p):
        return {"a": jnp.sin(p[0]), "b": [p[0] * p[1], jnp.cos(p[1])]}

    rs = check(f, ((_point(7, (2,)), _point(8, (3, 2))),), order=1, modes=("fwd",))
    assert {(r.input, r.output) for r in rs} == {
        (f"args[0][{i}]", o) for i in (0, 1) for o in ("out['a']", "out['b'][0]", "out['b'][1]")}
    assert all(r.verdict == "pass" for r in rs)


# ----------------------------------------------------------------------------- float32, x64


@pytest.mark.parametrize("x64", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_float32_right_rule_passes_and_x64_state_is_left_alone(seed, x64):
    fun, backward, _, _ = RULES["softmax"]
    with jax.enable_x64(x64):
        check_grads(_vjp_rule(fun, backward), (_point(seed, (5,), np.float32),), order=1,
                    modes=("rev",))
        assert jax.config.jax_enable_x64 is x64


def test_float32_rule_wrong_by_1e_2_fails():
    fun, backward, _, _ = RULES["softmax"]
    wrong = _vjp_rule(fun, lambda x, y, g: backward(x, y, g) * (1 + 1e-2))
    with pytest.raises(CheckGradsError, match="had dtype float32; it was checked in float64"):
        check_grads(wrong, (_point(0, (5,), np.float32),), order=1, modes=("rev",))


@pytest.mark.parametrize("seed", range(3))
def test_function_computing_in_float32_itself_passes_right_fails_wrong(seed):
    def f32(x):
        return jnp.tanh(x.astype(jnp.float32))

    def rule(factor):
        r = jax.custom_vjp(f32)
        r.defvjp(lambda x: (f32(x), f32(x)), lambda y, g: (factor * g * (1 - y**2),))
        return r

    x = _point(seed, (4,), np.float32)
    check_grads(rule(1.0), (x,), order=1, modes=("rev",))
    with pytest.raises(CheckGradsError):
        check_grads(rule(1.01), (x,), order=1, modes=("rev",))


# ----------------------------------------------------------------------------- zero blocks


def test_order_2_of_a_linear_map_passes_with_absolute_promises():
    A = _point(9, (3, 4))
    check_grads(lambda x: A @ x, (_point(10, (4,)),), order=2)
    rs = check(lambda x: A @ x, (_point(10, (4,)),), order=2, modes=("fwd",))
    zero = [r for r in rs if r.absolute is not None]
    assert {(r.what, r.input, r.output) for r in zero} >= {
        ("JVP of JVP", "tangent[args[0]]", "out"), ("JVP of JVP", "args[0]", "jvp[out]")}
    # the engine itself passes a zero confirmed to the noise floor (checks.rule) in full mode
    assert all(r.verdict == "pass" and r.result.verdict in ("pass", "inconclusive")
               for r in zero)
    assert all(0 <= r.absolute < 1e-8 * np.abs(A).max() for r in zero)


def test_a_nonzero_jvp_of_a_constant_fails():
    c = jax.custom_jvp(lambda x: jnp.ones(2) + 0 * x.sum())
    c.defjvp(lambda p, t: (c(p[0]), jnp.full(2, 1e-6) * t[0].sum()))
    with pytest.raises(CheckGradsError):
        check_grads(c, (_point(11, (3,)),), order=1, modes=("fwd",))


def test_a_jump_is_inconclusive_not_a_pass():
    with pytest.raises(InconclusiveError):
        check_grads(lambda x: jnp.floor(3 * x) * 1e-3 + x, (np.array([1 / 3]),), order=1,
                    modes=("rev",))


# ----------------------------------------------------------------------------- keywords


def test_rtol_loosens_the_rule_only_where_asked():
    wrong = _layernorm_rule(LN_BUGS["relative_1e-5"])
    check_grads(wrong, (_point(0),), order=1, modes=("rev",), rtol=1e-4)
    check_grads(wrong, (_point(0),), order=1, modes=("rev",), rtol={np.float64: 1e-4})
    with pytest.raises(CheckGradsError):
        check_grads(wrong, (_point(0),), order=1, modes=("rev",), rtol={np.float32: 1e-4})


def test_large_leaves_are_checked_along_random_pairs_and_still_fail_wrong():
    fun, backward, _, wrong = RULES["softmax"]
    x = _point(12, (80,))
    rs = check(_vjp_rule(fun, backward), (x,), order=1, modes=("rev",))
    assert [(r.result.mode, r.verdict) for r in rs] == [("directional", "pass")]
    scaled = _vjp_rule(fun, lambda x, y, g: backward(x, y, g) * (1 + 1e-5))
    with pytest.raises(CheckGradsError):
        check_grads(scaled, (x,), order=1, modes=("rev",))


@pytest.mark.parametrize("bad", [
    functools.partial(check_grads, jnp.sin, np.ones(2), 1),
    functools.partial(check_grads, jnp.sin, (np.ones(2),), 0),
    functools.partial(check_grads, jnp.sin, (np.ones(2),), 1, modes=("lin",)),
    functools.partial(check_grads, lambda x, n: jnp.sin(x) * n, (np.ones(2), 3), 1),
])
def test_bad_arguments_are_rejected(bad):
    with pytest.raises((TypeError, ValueError)):
        bad()


def test_eps_is_the_engines_absolute_step():
    with pytest.raises(ValueError, match="underflows"):
        check_grads(jnp.sin, (np.array([1e10]),), 1, modes=("rev",), eps=1e-10)
    check_grads(jnp.sin, (np.array([1e10]),), 1, modes=("rev",), eps=1e-3)


# ----------------------------------------------------------------------------- results


def test_order_2_checks_every_derivative_map_in_jax_order():
    """``order=2`` with both modes checks six maps, as jax's ``check_grads`` does: the JVP,
    then the JVP and VJP of the JVP map ``(x, t) -> (f, J t)``, then the VJP, then the JVP
    and VJP of the VJP map ``(x, u) -> J^T u``; each map block by block (2 x 2 leaf pairs
    for the JVP map, 2 x 1 for the VJP map)."""
    rs = check(lambda x: jnp.sin(x) * x, (np.array([0.3, -1.1]),), order=2)
    assert [r.what for r in rs] == (["JVP"] + ["JVP of JVP"] * 4 + ["VJP of JVP"] * 4
                                    + ["VJP"] + ["JVP of VJP"] * 2 + ["VJP of VJP"] * 2)
    assert {(r.input, r.output) for r in rs if r.what == "VJP of VJP"} == {
        ("args[0]", "vjp[args[0]]"), ("cotangent[out]", "vjp[args[0]]")}
    assert all(r.verdict == "pass" for r in rs), [str(r) for r in rs if r.verdict != "pass"]


def test_a_directional_leaf_check_reads_without_a_worst_entry_line():
    """A leaf pair above ``FULL_MAX`` is checked along random pairs: its ``str()``, passing
    or failing, heads the engine's report with the verdict and the block, and names no
    worst *entry* (a pair is not an entry; the engine's report names the worst pair)."""
    fun, backward, _, _ = RULES["softmax"]
    x = _point(12, (80,))
    right = check(_vjp_rule(fun, backward), (x,), order=1, modes=("rev",))
    wrong = check(_vjp_rule(fun, lambda x, y, g: backward(x, y, g) * (1 + 1e-5)), (x,),
                  order=1, modes=("rev",))
    for (c,), word in ((right, "passed"), (wrong, "FAILED")):
        assert c.result.mode == "directional"
        lines = str(c).splitlines()
        assert lines[:2] == [
            f"VJP check {word}: d out / d args[0] (block of shape (80,) x (80,), "
            "directional mode)",
            "In the engine's report, args[0] is args[0] and the output is out:"]
        assert not any(line.startswith("Worst entry") for line in lines)


def test_a_passing_leaf_check_reads_passed():
    """``str()`` of a passing full-mode leaf check starts with ``... check passed`` and its
    block, then the worst entry by leaf name."""
    (c,) = check(jnp.sin, (np.array([0.3, 1.2]),), order=1, modes=("rev",))
    assert c.verdict == "pass"
    lines = str(c).splitlines()
    assert lines[0] == "VJP check passed: d out / d args[0] (block of shape (2,) x (2,), full mode)"
    assert lines[1].startswith("Worst entry: d out[")


# ----------------------------------------------------------------------------- mutation kills


def test_fwd_mode_checks_the_jvp_not_the_vjp():
    """``modes=("fwd",)`` judges ``jax.jvp``: a ``custom_vjp`` function (no JVP rule) cannot
    be checked in forward mode at all -- jax itself refuses, as in jax's own
    ``check_grads`` -- while its VJP can."""
    ln = _layernorm_rule(_ln_right)
    with pytest.raises(TypeError):
        check(ln, (_point(0),), order=1, modes=("fwd",))
    check(ln, (_point(0),), order=1, modes=("rev",))  # its VJP is checkable, and right


def test_the_report_names_the_function_checked():
    """The engine's report inside a leaf check names ``f`` (its ``__qualname__``)."""

    def my_squashing_function(x):
        return jnp.tanh(x) * 2.0

    (c,) = check(my_squashing_function, (np.array([0.3, -0.4]),), order=1, modes=("rev",))
    assert "my_squashing_function" in str(c.result)
    assert "None" not in str(c.result)


def test_f_only_ever_sees_float64_leaves_at_order_2():
    """The module docstring: every floating leaf is promoted to float64 before ``f`` sees it,
    and every jax computation of the check runs with x64 enabled -- also the extra calls
    the higher-order maps make (the VJP map's output shapes)."""
    seen = []

    def f(x):
        seen.append(str(x.dtype))
        return jnp.sin(x) * x

    check(f, (np.array([0.3, -1.1], dtype=np.float32),), order=2, modes=("rev",))
    assert seen and set(seen) == {"float64"}, sorted(set(seen))


def test_a_full_mode_zero_block_states_a_plain_absolute_promise():
    """A zero block checked in full mode reads ``(an absolute promise)``: a sure bound,
    not a probability (that wording belongs to blocks checked along random pairs)."""
    A = _point(9, (3, 4))
    rs = check(lambda x: A @ x, (_point(10, (4,)),), order=2, modes=("fwd",))
    zero = [r for r in rs if r.absolute is not None and r.result.mode == "full"]
    assert zero
    for r in zero:
        (line,) = [s for s in str(r).splitlines() if s.startswith("Zero block")]
        assert line.endswith("(an absolute promise)"), line
        assert "probability" not in line
