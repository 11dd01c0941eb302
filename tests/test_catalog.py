"""The seven problems, verified on random shapes: one property walks the whole catalog.

Every gradient function of the public contract is an entry of ``gradients.catalog.CATALOG``;
for each, hypothesis draws inputs (sizes from 1 up to 8 for D, 12 for N, 6 for M) and
``check_gradient`` at default settings must pass. A failure shrinks to a minimal input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import gradients
from checks import check_gradient
from gradients.catalog import CATALOG, get
from tests._helpers import first

IDS = [d.id for d in CATALOG]


@pytest.mark.parametrize("derivation_id", IDS)
@given(data=st.data())
def test_catalog_gradient_is_verified(derivation_id, data):
    d = get(derivation_id)
    f, grad, strategy = d.setup()
    args = data.draw(strategy, label="args")
    result = d.checker()(f, grad, args, argnum=d.argnum, **d.options(args))
    note(str(result))
    # never rejected; "inconclusive" where the gradient is below what finite differences of
    # f resolve (a zero gradient, a saturated sigmoid), counted apart by `gradients verify`
    assert d.judged(result) != "fail", str(result)


def test_every_contract_gradient_is_in_the_catalog():
    answers = {d.grad for d in CATALOG}
    names = [n for n in gradients.__all__
             if n.endswith(("_grad", "_step", "_hessian", "_hvp")) or "_grad_" in n]
    names.append("mle_weights")
    missing = [n for n in names if getattr(gradients, n) not in answers]
    assert not missing, f"contract gradients not verified by the catalog: {missing}"


def test_catalog_ids_are_unique_and_complete():
    assert len(IDS) == len(set(IDS))
    for required in ("1a", "1b", "1k", "2", "2-step", "3", "3-step", "4", "4-mle", "5", "6",
                     "6X", "7a", "7b"):
        assert required in IDS


def test_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match="known: 1a, 1b"):
        get("99")


def _nonzero_answer(d, grad, args) -> bool:
    """The answer is not identically zero at ``args`` (an HVP: along a direction of ones)."""
    if d.kind == "hvp":
        v = np.ones_like(np.asarray(args[d.argnum], dtype=float))
        return bool(np.any(np.asarray(grad(v, *args)) != 0))
    if d.kind == "vjp":
        u = np.ones_like(np.asarray(d.loss(*args), dtype=float))
        return bool(np.any(np.asarray(grad(u, *args)) != 0))
    return bool(np.any(np.asarray(grad(*args)) != 0))


@pytest.mark.parametrize("derivation_id", [d.id for d in CATALOG
                                           if d.kind != "stationary" and not d.expect_zero])
def test_planted_error_is_rejected(derivation_id):
    """The same check rejects each answer perturbed by a relative 1e-6 (one input each)."""
    d = get(derivation_id)
    f, grad, strategy = d.setup()
    check = d.checker()

    def wrong(*args):
        return np.asarray(grad(*args)) * (1 + 1e-6)

    # an input whose answer is not identically zero
    args = first(strategy, lambda a: _nonzero_answer(d, grad, a))
    right = check(f, grad, args, argnum=d.argnum, **d.options(args))
    assert right.verdict == "pass", str(right)
    wrong_check = check(f, wrong, args, argnum=d.argnum, **d.options(args))
    assert wrong_check.verdict == "fail", str(wrong_check)


@pytest.mark.parametrize("derivation_id", [d.id for d in CATALOG if d.expect_zero])
def test_a_zero_answer_is_judged_against_absolute_error(derivation_id):
    """An identically zero answer (the Hessian of a linear function) passes -- the engine's
    pass with an absolute promise where the zero is confirmed to the noise floor of f, its
    'inconclusive' elsewhere -- and any non-zero answer fails."""
    d = get(derivation_id)
    f, grad, strategy = d.setup()
    args = first(strategy, lambda a: np.any(np.asarray(a[0]) != 0))
    right = d.checker()(f, grad, args, argnum=d.argnum, **d.options(args))
    assert d.judged(right) == "pass", str(right)

    def ones(*a):
        return np.ones_like(np.asarray(grad(*a)))

    wrong = d.checker()(f, ones, args, argnum=d.argnum, **d.options(args))
    assert wrong.verdict == "fail", str(wrong)


def test_wrong_maximiser_is_rejected():
    """4-mle: a maximiser off by a relative 1e-6, or the ridge solution, is not stationary."""
    d = get("4-mle")
    f, zero, _ = d.setup()
    args = first(d.inputs(), lambda a: np.linalg.norm(a[1]) > 1)
    X, y, sigma = args
    w = d.grad(X, y)
    good = (w, X, y, sigma)
    assert d.judged(check_gradient(f, zero, good, **d.options(good))) == "pass"
    for wrong in (w * (1 + 1e-6), np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ y)):
        bad = (wrong, X, y, sigma)
        assert check_gradient(f, zero, bad, **d.options(bad)).verdict == "fail"
