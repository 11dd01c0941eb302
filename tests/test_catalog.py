"""The seven problems, verified on random shapes: one property walks the whole catalog.

Every gradient function of the public contract is an entry of ``gradients.catalog.CATALOG``;
for each, hypothesis draws inputs (sizes from 1 up to 8 for D, 12 for N, 6 for M) and
``check_gradient`` at default settings must pass. A failure shrinks to a minimal input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, note, settings
from hypothesis import strategies as st

import gradients
from checks import check_gradient
from gradients.catalog import CATALOG, get

IDS = [d.id for d in CATALOG]
# the first generated input that satisfies a condition (no shrinking: any one will do)
_FIRST = settings(database=None, max_examples=200, phases=(Phase.generate,),
                  suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("derivation_id", IDS)
@given(data=st.data())
def test_catalog_gradient_is_verified(derivation_id, data):
    d = get(derivation_id)
    f, grad, strategy = d.setup()
    args = data.draw(strategy, label="args")
    result = check_gradient(f, grad, args, argnum=d.argnum, **d.options(args))
    note(str(result))
    # never rejected; "inconclusive" where the gradient is below what finite differences of
    # f resolve (a zero gradient, a saturated sigmoid), counted apart by `gradients verify`
    assert d.judged(result) != "fail", str(result)


def test_every_contract_gradient_is_in_the_catalog():
    answers = {d.grad for d in CATALOG}
    names = [n for n in gradients.__all__ if n.endswith(("_grad", "_step")) or "_grad_" in n]
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


@pytest.mark.parametrize("derivation_id", [d.id for d in CATALOG if d.kind != "stationary"])
def test_planted_error_is_rejected(derivation_id):
    """The same check rejects each answer perturbed by a relative 1e-6 (one input each)."""
    d = get(derivation_id)
    f, grad, strategy = d.setup()

    def wrong(*args):
        return np.asarray(grad(*args)) * (1 + 1e-6)

    # an input whose gradient is not identically zero
    args = find(strategy, lambda a: np.any(np.asarray(grad(*a)) != 0),
                settings=_FIRST)
    right = check_gradient(f, grad, args, argnum=d.argnum, **d.options(args))
    assert right.verdict == "pass", str(right)
    wrong_check = check_gradient(f, wrong, args, argnum=d.argnum, **d.options(args))
    assert wrong_check.verdict == "fail", str(wrong_check)


def test_wrong_maximiser_is_rejected():
    """4-mle: a maximiser off by a relative 1e-6, or the ridge solution, is not stationary."""
    d = get("4-mle")
    f, zero, _ = d.setup()
    args = find(d.inputs(), lambda a: np.linalg.norm(a[1]) > 1,
                settings=_FIRST)
    X, y, sigma = args
    w = d.grad(X, y)
    good = (w, X, y, sigma)
    assert d.judged(check_gradient(f, zero, good, **d.options(good))) == "pass"
    for wrong in (w * (1 + 1e-6), np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ y)):
        bad = (wrong, X, y, sigma)
        assert check_gradient(f, zero, bad, **d.options(bad)).verdict == "fail"
