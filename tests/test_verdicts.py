"""What a check says (``checks.compare``, ``checks.report``) where issue 17 found it wrong or
silent: sensitivity per entry, an analytic gradient in float32, entries that cannot be
judged, and ``f`` that raises where the engine looked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from checks import check_gradient, check_jacobian
from checks._util import DomainError, UsageError
from tests._attack import cholesky_logdet, cholesky_logdet_grad


def test_sensitivity_per_entry_names_a_small_entry_beside_large_ones():
    """``1e6 x_0^2 + 1e-3 x_1``: the global promise is relative to ``max|g| = 2e6``; the
    small entry alone can hide far more of its own size, and the report names it."""
    def f(v):
        return 1e6 * v[0] ** 2 + 1e-3 * v[1]

    def grad(v):
        return np.array([2e6 * v[0], 1e-3])

    r = check_gradient(f, grad, (np.array([1.0, 0.3]),))
    assert r.verdict == "pass"
    d = r.detectable_by_entry
    assert d.shape == (2,) and d[0] <= 1e-7 < d[1]
    assert d[1] > 100 * r.detectable
    assert "Per entry: 1 entry could hide an error above 1e-06" in str(r)
    # a small entry wrong by more than its own sensitivity fails
    off = check_gradient(f, lambda v: grad(v) * np.array([1.0, 1.0 + 2 * d[1]]),
                         (np.array([1.0, 0.3]),))
    assert off.verdict == "fail", str(off)
    assert check_gradient(f, grad, (np.array([1.0, 0.3]),), mode="directional"
                          ).detectable_by_entry is None


def test_an_entry_whose_derivative_is_exactly_zero_has_no_relative_sensitivity():
    """``sin(x_1)`` does not depend on ``x_0``: its derivative there is exactly 0, and with
    ``safety=0`` the lower bound ``G_0 = |n_0|`` on ``|g_0|`` is exactly 0 too. No error
    relative to an entry that may be 0 can be promised: its sensitivity is ``inf`` (not
    ``atol / 1``), and the report names only the other entry, ``atol / |cos 2|``."""
    r = check_gradient(lambda v: float(np.sin(v[1])), lambda v: np.array([0.0, np.cos(v[1])]),
                       (np.array([1.0, 2.0]),), safety=0.0, atol=1e-3)
    assert r.verdict == "pass" and r.numerical[0] == 0.0, str(r)
    d = r.detectable_by_entry
    assert d[0] == np.inf
    assert d[1] == pytest.approx(1e-3 / abs(math.cos(2.0)), rel=1e-5, abs=0)
    assert ("Per entry: 1 entry could hide an error above 1e-06 of their own size (worst: "
            f"(1,) {d[1]:.2g}); .detectable_by_entry has every entry's") in str(r).split("\n")


def test_an_analytic_gradient_in_float32_is_checked_at_its_precision_and_said_so():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    r = check_gradient(f, lambda v: np.cos(v).astype(np.float32), (x,))
    assert r.verdict == "pass", str(r)
    assert any("grad returned float32" in n for n in r.notes)
    assert 1e-7 < r.detectable < 1e-5
    wrong = check_gradient(f, lambda v: (1.001 * np.cos(v)).astype(np.float32), (x,))
    assert wrong.verdict == "fail"


def test_f_that_raises_outside_its_domain_is_a_domain_edge():
    """A Cholesky-based log-determinant raises ``LinAlgError`` where a step leaves the cone;
    ``math.log`` raises ``ValueError``: both are outside ``f``'s domain, like ``nan``."""
    Q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))
    A = (Q * np.array([1.0, 0.1, 1e-7])) @ Q.T
    A = 0.5 * (A + A.T)
    r = check_gradient(cholesky_logdet, cholesky_logdet_grad, (A,))
    assert r.verdict == "pass", str(r)
    g = lambda v: math.log(v[0]) + float(v[1] ** 2)  # noqa: E731
    assert check_gradient(g, lambda v: np.array([1.0 / v[0], 2.0 * v[1]]),
                          (np.array([1e-3, 3.0]),)).verdict == "pass"
    with pytest.raises(DomainError, match="math domain error") as info:
        check_gradient(g, lambda v: np.ones(2), (np.array([-1.0, 3.0]),))
    assert isinstance(info.value.__cause__, ValueError)


def test_a_bug_in_f_is_not_taken_for_a_domain_edge():
    def buggy(v):
        if v[0] != 0.25:
            raise IndexError("a bug")
        return float(v @ v)

    with pytest.raises(IndexError, match="a bug"):
        check_gradient(buggy, lambda v: 2.0 * v, (np.array([0.25, 1.0]),))
    # a map whose output changes shape at a perturbed point: misuse, not a domain edge
    def shifty(v):
        return np.zeros(2) if v[0] == 0.5 else np.zeros(3)

    with pytest.raises(UsageError, match="returned shape"):
        check_jacobian(shifty, lambda v: np.zeros((2, 2)), (np.array([0.5, 1.0]),))


def test_a_failure_where_nothing_can_be_judged_is_not_printed():
    """Before: ``FAILED`` next to ``Sensitivity: none`` for ``sum(1/x)`` at ``1e-8`` with a
    garbage estimate. A jump's entry has an infinite tolerance and says why."""
    r = check_gradient(lambda v: float(np.floor(v[0]) + v[1] ** 2),
                       lambda v: np.array([5.0, 2.0 * v[1]]), (np.array([2.0, 0.5]),))
    assert r.verdict == "inconclusive" and "cannot be judged" in r.reason
    assert "Sensitivity: none promised" in str(r) and "FAILED" not in str(r)
