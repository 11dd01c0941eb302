"""checks.torch: torch's gradcheck / gradgradcheck judged by our engine.

Planted bugs in hand-written ``torch.autograd.Function`` backwards must fail with
``GradcheckError`` (an ``AssertionError`` and torch's own class); right backwards must pass, in
float64 and float32, on several seeds. Where torch's own gradcheck misses a planted error,
that is asserted too: it is the reason this module exists.
"""

import pytest

torch = pytest.importorskip("torch")

import torch.autograd.forward_ad as fwad  # noqa: E402
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError  # noqa: E402

import checks.torch as ct  # noqa: E402
from checks import InconclusiveError  # noqa: E402

EPS_LN = 1e-5


def _stats(x):
    mu = x.mean(-1, keepdim=True)
    sigma = ((x - mu) ** 2).mean(-1, keepdim=True).add(EPS_LN).sqrt()
    return (x - mu) / sigma, sigma


def _layer_norm_backward(x, g, bug):
    xh, sigma = _stats(x)
    mean_g = g.mean(-1, keepdim=True)
    proj = (g * xh).mean(-1, keepdim=True)
    if bug == "mean term forgotten":
        mean_g = 0 * mean_g
    if bug == "factor N":
        proj = (g * xh).sum(-1, keepdim=True)
    gx = (g - mean_g - xh * proj) / sigma
    if bug == "1e-5 relative":
        gx = gx * (1 + 1e-5)
    if bug == "1e-2 relative":
        gx = gx * (1 + 1e-2)
    return gx


def layer_norm(bug=None):
    """A LayerNorm over the last axis with a hand-written backward (``bug`` planted in it)."""

    class LayerNorm(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return _stats(x)[0]

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return _layer_norm_backward(x, g, bug)

    return LayerNorm.apply


def softmax(detached=False):
    """Softmax over the last axis; ``detached`` recomputes it from detached logits in the
    backward (right first derivatives, a wrong -- zero -- double backward)."""

    class Softmax(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.softmax(x, -1)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            y = torch.softmax(x.detach() if detached else x, -1)
            return y * (g - (g * y).sum(-1, keepdim=True))

    return Softmax.apply


def matmul(bug=None):
    class MatMul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a @ b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            gb = a.T @ g
            if bug == "transpose":
                gb = gb.T  # right shape for square b, wrong values
            return g @ b.T, gb

    return MatMul.apply


def _x(shape, seed, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=dtype).requires_grad_(True)


def _is_gradcheck_error(exc):
    return (isinstance(exc, AssertionError)
            and isinstance(exc, TorchGradcheckError)
            and isinstance(exc, RuntimeError))


# ----------------------------------------------------------------------------- first order


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_right_layer_norm_backward_passes(dtype):
    assert ct.gradcheck(layer_norm(), (_x((3, 5), 0, dtype),)) is True


@pytest.mark.parametrize("seed", range(5))
def test_right_float32_layer_norm_4x5_passes_on_every_seed(seed):
    result = ct.check(layer_norm(), (_x((4, 5), seed, torch.float32),))
    assert result.verdict == "pass"
    assert "float32" in str(result)
    assert result.detectable < 1e-4


@pytest.mark.parametrize("bug", ["mean term forgotten", "factor N", "1e-5 relative"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_planted_layer_norm_bugs_fail_with_gradcheck_error(bug, dtype):
    x = _x((3, 5), 1, dtype)
    with pytest.raises(AssertionError) as info:
        ct.gradcheck(layer_norm(bug), (x,))
    assert _is_gradcheck_error(info.value)
    assert ct.gradcheck(layer_norm(bug), (x,), raise_exception=False) is False


def test_float32_backward_wrong_by_1e_2_fails():
    with pytest.raises(ct.GradcheckError, match="float32"):
        ct.gradcheck(layer_norm("1e-2 relative"), (_x((3, 5), 2, torch.float32),))


def test_torch_own_gradcheck_passes_the_1e_5_error_that_ours_catches():
    x = _x((3, 5), 1)
    assert torch.autograd.gradcheck(layer_norm("1e-5 relative"), (x,)) is True
    assert ct.gradcheck(layer_norm("1e-5 relative"), (x,), raise_exception=False) is False


def test_right_softmax_passes_in_float64_and_float32():
    assert ct.gradcheck(softmax(), (_x((2, 4), 3),))
    assert ct.gradcheck(softmax(), (_x((2, 4), 3, torch.float32),))


def test_matmul_transpose_bug_names_the_input_output_and_worst_entry():
    a, b = _x((2, 3), 4), _x((3, 3), 5)
    assert ct.gradcheck(lambda a, b: matmul()(a, b), (a, b))
    with pytest.raises(ct.GradcheckError) as info:
        ct.gradcheck(lambda a, b: matmul("transpose")(a, b), (a, b))
    text = str(info.value)
    assert "backward of input 1 (b, float64) -> output 0: FAILED" in text
    assert "backward of input 0 (a, float64) -> output 0: passed" in text
    assert "worst entry: d output0[" in text and "/ d b[" in text
    assert ("Diagnosis: analytic = numerical with the argument's entries transposed: the "
            "derivative with respect to entry (i, j) of the 3 x 3 argument") in text


def test_result_has_one_engine_report_per_input_and_output():
    a, b = _x((2, 3), 4), _x((3, 3), 5).detach()  # b does not require grad: not checked
    result = ct.check(lambda a, b: (a @ b, a.sin()), (a, b))
    assert set(result.reports) == {(0, 0), (0, 1)}
    assert result.ok and result.verdict == "pass"
    with pytest.raises(TypeError):
        bool(result)


def test_large_input_uses_directional_mode_and_still_catches_a_bug():
    x = _x((40, 120), 6)  # 4800 x 4800 entries: above FULL_ENTRIES
    good = ct.check(layer_norm(), (x,))
    assert good.verdict == "pass" and good.reports[(0, 0)].mode == "directional"
    assert ct.check(layer_norm("factor N"), (x,)).verdict == "fail"


def test_masked_softmax_with_minus_inf_logits_passes_entries_held_fixed():
    x = _x((2, 4), 7).detach()
    x[0, 1] = x[1, 3] = float("-inf")
    x.requires_grad_(True)
    result = ct.check(softmax(), (x,))
    assert result.verdict == "pass"
    assert "2 non-finite entries of input 0 held fixed" in str(result)


# ----------------------------------------------------------------------------- forward mode


class _SquareForward(torch.autograd.Function):
    """``x**2``, its input saved for the backward and the forward-mode rule that subclasses
    give."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return x**2


def square(wrong_jvp):
    class Square(_SquareForward):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return (1.0 if wrong_jvp else 2.0) * x * t

    return Square.apply


def test_forward_ad_checks_the_jvp_staticmethod():
    x = _x((3,), 8)
    assert ct.gradcheck(square(False), (x,), check_forward_ad=True)
    assert ct.gradcheck(square(True), (x,))  # backward only: the jvp is not looked at
    with pytest.raises(ct.GradcheckError, match="forward of input 0"):
        ct.gradcheck(square(True), (x,), check_forward_ad=True)


# ----------------------------------------------------------------------------- second order


def test_gradgradcheck_passes_a_right_double_backward():
    assert ct.gradgradcheck(layer_norm(), (_x((2, 4), 9),)) is True


def test_gradgradcheck_catches_a_backward_on_detached_logits():
    x = _x((2, 4), 10)
    assert ct.gradcheck(softmax(detached=True), (x,))  # first order is right
    with pytest.raises(ct.GradcheckError) as info:
        ct.gradgradcheck(softmax(detached=True), (x,))
    assert _is_gradcheck_error(info.value)
    assert "input 0" in str(info.value)


def test_gradgradcheck_of_a_linear_op_passes_with_an_absolute_promise():
    w = _x((3, 2), 11).detach()
    x = _x((4, 3), 12)
    assert ct.gradgradcheck(lambda x: x @ w, (x,)) is True


class _TimesThree(torch.autograd.Function):
    """``g -> 3 g``, whose own backward wrongly claims a dependence on ``x``."""

    @staticmethod
    def forward(ctx, g, x):
        return 3.0 * g

    @staticmethod
    def backward(ctx, gg):
        return 3.0 * gg, 1e-3 * gg


class _Linear3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 3.0 * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _TimesThree.apply(g, x)


def test_a_nonzero_double_backward_of_a_linear_op_fails():
    x = _x((3,), 13)
    assert ct.gradcheck(_Linear3.apply, (x,))
    with pytest.raises(ct.GradcheckError, match="backward of input 0 .* -> output 0: FAILED"):
        ct.gradgradcheck(_Linear3.apply, (x,))


# ----------------------------------------------------------------------------- modules


class _BadLinearFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.T + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gw = g.T @ x
        gw[1, 2] = gw[1, 2] * 1.001  # one entry of the weight's gradient is wrong
        return g @ w, gw, g.sum(0)


class _BadLinear(torch.nn.Linear):
    def forward(self, x):
        return _BadLinearFn.apply(x, self.weight, self.bias)


def _net(first):
    torch.manual_seed(0)
    return torch.nn.Sequential(first, torch.nn.Tanh(), torch.nn.Linear(4, 1))


def test_check_module_passes_a_right_mlp_with_mse_loss():
    torch.manual_seed(1)
    x, y = torch.randn(5, 3), torch.randn(5, 1, dtype=torch.float64)
    net = _net(torch.nn.Linear(3, 4))
    result = ct.check_module(net, lambda out: torch.nn.functional.mse_loss(out, y), x)
    assert result.verdict == "pass"
    assert "0.weight (4, 3)" in str(result)


def test_check_module_names_the_wrong_parameter_entry():
    torch.manual_seed(1)
    x, y = torch.randn(5, 3), torch.randn(5, 1, dtype=torch.float64)
    net = _net(_BadLinear(3, 4))
    result = ct.check_module(net, lambda out: ((out - y) ** 2).mean(), x)
    assert result.verdict == "fail"
    assert "worst entry: 0.weight[1, 2]" in str(result)


def test_check_module_with_a_scalar_output_and_no_loss_fn():
    torch.manual_seed(2)

    class Energy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(3))

        def forward(self, x):
            return (x @ self.w).tanh().sum()

    assert ct.check_module(Energy(), None, torch.randn(4, 3)).ok


# ----------------------------------------------------------------------------- keywords


def test_keywords_torch_accepts_are_accepted_and_wrong_ones_rejected():
    x = _x((3,), 14)
    assert ct.gradcheck(torch.sin, (x,), eps=1e-6, atol=1e-5, rtol=1e-3, nondet_tol=0.0,
                        check_undefined_grad=True, check_batched_grad=True, fast_mode=True)
    with pytest.raises(ValueError, match="require gradient"):
        ct.gradcheck(torch.sin, (x.detach(),))
    with pytest.raises(ValueError, match="nothing to check"):
        ct.gradcheck(torch.sin, (x,), check_backward_ad=False)


def test_an_inconclusive_check_raises_inconclusive_error_not_a_failure():
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)  # sign jumps at 0
    with pytest.raises(InconclusiveError):
        ct.gradcheck(torch.sign, (x,))


# ----------------------------------------------------------------------------- mutation kills


def test_forward_ad_of_a_non_square_jacobian_in_full_mode():
    """JVPs build ``J`` column by column: ``n`` unit tangents of the input's size, also when
    the output has a different size (here 6 outputs of 3 inputs)."""
    x = _x((3,), 20)
    res = ct.check(lambda x: torch.cat([x.sin(), x**2]), (x,), check_forward_ad=True)
    assert [(it.side, it.verdict, it.result.mode) for it in res.items] == [
        ("backward", "pass", "full"), ("forward", "pass", "full")]


def test_rtol_loosens_the_full_mode_rule_as_asked():
    """``rtol`` reaches the engine's rule in full mode: a backward wrong by 1e-5 relative
    passes with ``rtol=1e-3`` (torch's default) and fails with the engine's default."""
    x = _x((3, 4), 21)
    wrong = layer_norm("1e-5 relative")
    assert ct.check(wrong, (x,), rtol=1e-3).items[0].result.mode == "full"
    assert ct.gradcheck(wrong, (x,), rtol=1e-3) is True
    assert ct.gradcheck(wrong, (x,), raise_exception=False) is False


def test_float32_backward_along_random_pairs_passes_right_fails_wrong():
    """``fast_mode`` with a float32 backward: the round-off of each pair's product enters
    atol (noted); a right backward passes, one wrong by 1e-2 fails."""
    x = _x((3, 4), 22, torch.float32)
    res = ct.check(torch.tanh, (x,), fast_mode=True)
    (it,) = res.items
    assert (it.result.mode, it.verdict) == ("directional", "pass")
    assert any("round-off along the pairs" in n for n in it.notes)
    assert ct.gradcheck(layer_norm("1e-2 relative"), (x,), fast_mode=True,
                        raise_exception=False) is False


def test_gradgradcheck_draws_grad_outputs_uniform_in_minus_one_one():
    """Without ``grad_outputs`` the cotangents are uniform in [-1, 1) (as torch draws them):
    the double backward sees cotangents of both signs, none beyond 1 in size."""
    seen = []

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(g.detach().clone())
            return 3 * x**2 * g

    x = _x((6,), 23)
    assert ct.gradgradcheck(Cube.apply, (x,)) is True
    g = torch.cat([s.reshape(-1) for s in seen])
    assert g.max() > 0.05 and g.min() < -0.05
    assert g.abs().max() <= 1 + 1e-3


def test_gradgradcheck_says_how_many_grad_outputs_were_expected():
    x = _x((3,), 24)
    with pytest.raises(ValueError, match="grad_outputs has 2 tensors; func has 1 "
                                         "differentiable outputs"):
        ct.gradgradcheck(torch.sin, (x,), (torch.ones(3), torch.ones(3)))


def test_a_failing_gradcheck_hides_its_own_frames_from_pytest():
    """``gradcheck`` sets ``__tracebackhide__``: a failing test's traceback, as pytest
    filters it, ends in the test, not inside checks.torch."""
    with pytest.raises(ct.GradcheckError) as info:
        ct.gradcheck(layer_norm("factor N"), (_x((2, 4), 25),))
    shown = info.traceback.filter(info)
    assert not [e for e in shown if e.path.name == "torch.py" and e.path.parent.name == "checks"]


def test_result_text_starts_with_the_verdict_line_then_the_notes():
    x = _x((3,), 27)
    res = ct.check(torch.sin, (x,), check_batched_grad=True)
    lines = str(res).splitlines()
    assert lines[0] == "checks.torch gradcheck passed: 1 checks"
    assert lines[1] == ("Note: check_batched_grad=True accepted, not performed (torch "
                        "plumbing, not a derivative)")
    assert lines[2] == "  backward of input 0 (inputs[0], float64) -> output 0: passed"


def test_a_func_that_runs_only_at_float32_is_differenced_at_float32():
    """A ``func`` that refuses float64 is not dtype-generic: the finite differences evaluate
    it at its own dtype (noted), and a right backward passes."""

    def sin32(x):
        if x.dtype != torch.float32:
            raise TypeError("float32 only")
        return x.sin()

    x = _x((4,), 28, torch.float32)
    (it,) = ct.check(sin32, (x,)).items
    assert it.verdict == "pass"
    assert any("does not run in float64" in n for n in it.notes)


class _SinLosingItsSecondDerivative(torch.autograd.Function):
    """``sin`` whose backward detaches ``x``: its first derivatives are right (forward and
    reverse), its second derivatives through the backward are lost."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.cos(x.detach())

    @staticmethod
    def jvp(ctx, tx):
        (x,) = ctx.saved_tensors
        return tx * torch.cos(x)


def test_gradgradcheck_forward_over_reverse_runs_and_judges():
    """``check_fwd_over_rev=True`` (torch's option: the second derivatives by forward mode over
    the backward) crashed on any function: the dual input lost ``requires_grad``, and the
    backward it is pushed through calls ``torch.autograd.grad`` on it. ``sin`` passes, as
    torch's own ``gradgradcheck`` says; a backward that detaches ``x`` fails, as torch's does."""
    x = torch.tensor([0.5, -0.75, 1.25], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(torch.sin, (x,), check_fwd_over_rev=True)
    assert ct.gradgradcheck(torch.sin, (x,), check_fwd_over_rev=True)
    bad = _SinLosingItsSecondDerivative.apply
    assert not torch.autograd.gradgradcheck(bad, (x,), check_fwd_over_rev=True,
                                            raise_exception=False)
    assert not ct.gradgradcheck(bad, (x,), check_fwd_over_rev=True, raise_exception=False)


class _DoubledProductFloat32Tangent(torch.autograd.Function):
    """``(x, g) -> 2 x g`` (the backward of ``x**2``), whose forward-mode rule is right in
    value but returns its tangent in float32 whatever the inputs' dtype."""

    @staticmethod
    def forward(ctx, x, g):
        ctx.save_for_backward(x, g)
        ctx.save_for_forward(x, g)
        return 2 * x * g

    @staticmethod
    def backward(ctx, go):
        x, g = ctx.saved_tensors
        return 2 * g * go, 2 * x * go

    @staticmethod
    def jvp(ctx, tx, tg):
        x, g = ctx.saved_tensors
        return (2 * tx * g + 2 * x * tg).to(torch.float32)


class _SquareWithFloat32SecondTangent(_SquareForward):
    """``x**2`` with right first derivatives, whose backward is
    :class:`_DoubledProductFloat32Tangent`: forward mode over this backward yields a float32
    tangent for float64 inputs."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _DoubledProductFloat32Tangent.apply(x, g)

    @staticmethod
    def jvp(ctx, tx):
        (x,) = ctx.saved_tensors
        return 2 * x * tx


def test_gradgradcheck_check_grad_dtypes_reaches_forward_over_reverse():
    """``gradgradcheck(check_grad_dtypes=True)`` passes the flag on to the check of the second
    derivatives: a forward-over-reverse tangent returned in float32 for float64 inputs fails.
    The inputs, grad_outputs and every second derivative (2 g, 2 x) are exact in float32, so
    the float32 tangent is right in value: without the flag the same call passes, and the
    failure can only be the dtype. (Kills the mutant that dropped ``check_grad_dtypes=`` from
    gradgradcheck's call.)"""
    sq = _SquareWithFloat32SecondTangent.apply
    x = torch.tensor([0.5, -0.75, 1.25], dtype=torch.float64, requires_grad=True)
    u = torch.tensor([0.5, 0.25, -1.0], dtype=torch.float64)
    assert torch.equal(x.to(torch.float32).to(torch.float64), x.detach())
    assert torch.equal(u.to(torch.float32).to(torch.float64), u)
    # the premise: forward mode over the backward gives a float32 tangent
    with fwad.dual_level():
        xd = fwad.make_dual(x.detach().requires_grad_(True), torch.ones_like(x))
        (gx,) = torch.autograd.grad(sq(xd), xd, u, create_graph=True)
        tangent = fwad.unpack_dual(gx).tangent
    assert gx.dtype == torch.float64 and tangent.dtype == torch.float32
    assert torch.equal(tangent.to(torch.float64), 2 * u)  # d(2 x u)/dx along ones: 2 u
    assert ct.gradgradcheck(sq, (x,), (u,), check_fwd_over_rev=True) is True
    assert ct.gradgradcheck(sq, (x,), (u,), check_fwd_over_rev=True, check_grad_dtypes=True,
                            raise_exception=False) is False
    with pytest.raises(ct.GradcheckError):
        ct.gradgradcheck(sq, (x,), (u,), check_fwd_over_rev=True, check_grad_dtypes=True)
    result = ct.check(*ct._second_order(sq, (x,), (u,))[:2], check_forward_ad=True,
                      check_grad_dtypes=True)
    failed = {(it.side, it.verdict) for it in result.items}
    assert failed == {("backward", "pass"), ("forward", "fail")}


class _SinBackwardOffBy1e4(torch.autograd.Function):
    """``sin`` whose backward is ``1 + 1e-4`` times the right one."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.cos(x) * (1 + 1e-4)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_a_passing_item_carries_no_diagnosis(fast_mode):
    """A diagnosis names the pattern of a *failed* check's mistake. A backward ``1e-4``
    relative off passes under ``rtol=1e-3`` (full mode entry by entry, and along random pairs
    in fast mode); its item has no diagnosis and its report no "Diagnosis:" line, though the
    constant factor 1.0001 would fit the tolerance."""
    x = torch.tensor([0.5, -0.75, 1.25, 0.1], dtype=torch.float64, requires_grad=True)
    result = ct.check(_SinBackwardOffBy1e4.apply, (x,), rtol=1e-3, fast_mode=fast_mode)
    (it,) = result.items
    assert it.verdict == "pass"
    assert it.result.mode == ("directional" if fast_mode else "full")
    assert it.result.diagnosis is None
    assert "Diagnosis:" not in str(result)
    # the same backward fails at the default rtol, and there the factor is named
    bad = ct.check(_SinBackwardOffBy1e4.apply, (x,), fast_mode=fast_mode)
    assert bad.items[0].verdict == "fail"
    assert "1.0001 x numerical" in (bad.items[0].result.diagnosis or "")


def test_a_dtype_failure_names_the_dtypes_and_each_item_its_input():
    """The failed dtype check said "jac(*args) is not finite: nan" (the nan entries that
    stand for it) and every item's report "with respect to args[0]", also for input 1 (the
    grad_outputs of a second-order check). Now the reason names both dtypes and each report
    its own input."""
    sq = _SquareWithFloat32SecondTangent.apply
    x = torch.tensor([0.5, -0.75, 1.25], dtype=torch.float64, requires_grad=True)
    u = torch.tensor([0.5, 0.25, -1.0], dtype=torch.float64)
    result = ct.check(*ct._second_order(sq, (x,), (u,))[:2], check_forward_ad=True,
                      check_grad_dtypes=True)
    for it in result.items:
        assert f"with respect to args[{it.input_index}]" in str(it.result), str(it.result)
        if it.side == "forward":
            assert it.verdict == "fail"
            assert it.result.reason == (
                "check_grad_dtypes: the forward derivative has dtype float32, not the float64 "
                f"of output {it.output_index} (torch's gradcheck requires them equal)")
    assert {it.input_index for it in result.items} == {0, 1}
