"""A vectorized ``f`` whose output has the wrong shape for some batch, not the first:
every check says so in one clear error, whichever batch shows it (the noise probe's was
read by numpy's own arithmetic: "all the input arrays must have same number of dimensions",
"matmul: Input operand 1 has a mismatch in its core dimension 0")."""

from __future__ import annotations

import numpy as np
import pytest

from checks import check_gradient, check_hessian
from checks._util import UsageError

X = np.array([0.3, -1.2, 2.0])

WRONG = {
    "a column": lambda v: v[:, None],
    "one short": lambda v: v[:-1],
    "a scalar": lambda v: float(np.sum(v)),
    "strings": lambda v: np.array(["a"] * len(v)),
    "complex": lambda v: v + 0j,
}


def _wrong_after(first: int, wrong):
    """``sum z^2`` per point of the stack, right for the first ``first`` calls, then
    ``wrong`` of it."""
    calls = []

    def f(Z):
        calls.append(len(Z))
        v = np.sum(Z**2, axis=-1)
        return v if len(calls) <= first else wrong(v)

    return f


def _run(check: str, f):
    if check == "gradient":
        return check_gradient(f, lambda z: 2 * z, (X,), vectorized=True)
    return check_hessian(f, lambda z: 2 * np.eye(3), (X,), vectorized=True)


@pytest.mark.parametrize("name", list(WRONG))
@pytest.mark.parametrize("check", ["gradient", "hessian"])
def test_a_vectorized_f_that_changes_shape_later_is_a_usage_error(check, name):
    """Wrong from every call on in turn: the baseline's, the noise probe's stack, each
    ladder level's (the right f's calls are counted first)."""
    calls = []
    right = _run(check, lambda Z: calls.append(len(Z)) or np.sum(Z**2, axis=-1))
    assert right.verdict == "pass" and len(calls) >= 3, (right.verdict, calls)
    for first in range(len(calls)):
        with pytest.raises(UsageError, match=r"vectorized f must map a batch|real values|"
                                             r"real numbers") as info:
            _run(check, _wrong_after(first, WRONG[name]))
        if name in ("a column", "one short", "a scalar"):
            assert f"for B={calls[first]}" in str(info.value), (first, info.value)


def test_a_right_vectorized_f_passes_and_a_wrong_gradient_fails():
    def f(Z):
        return np.sum(Z**2, axis=-1)

    assert check_gradient(f, lambda z: 2 * z, (X,), vectorized=True).verdict == "pass"
    assert check_gradient(f, lambda z: 2.001 * z, (X,), vectorized=True).verdict == "fail"
