r"""The dot-product (adjoint) test: ``<u, jvp(v)> = <vjp(u), v>``, without ``f``.

:func:`check_adjoint` compares ``a_j = <u_j, jvp(v_j)>`` with ``b_j = <vjp(u_j), v_j>``: equal
to round-off for an exact pair of maps, whatever ``f``. Each side is a sum of ``N`` products
(``N = m`` and ``n``), computed with ``math.fsum`` (exactly rounded): the sum adds at most
``eps sum|terms|`` (the products' own rounding, ``eps / 2`` each, and the final rounding).
The terms' factors come out of ``jvp`` and ``vjp`` with relative errors of a few ``eps``
each; with random signs those add like ``sqrt(N)``, so the error bar is
``e_j = eps (sqrt(m) sum|u_j o jvp(v_j)| + sqrt(n) sum|vjp(u_j) o v_j|)``, the bound of
:mod:`checks.compare`'s directional mode. It does not model round-off that a map amplifies
(an ill-conditioned solve inside ``jvp``): pass ``atol`` there. With the default
``rtol = 1e-8`` the test is as sharp as the others; ``rtol=0`` makes it a test to round-off.
``detectable`` is the pair bound of :mod:`checks.jacobian`, relative to
``max|A_jvp| >= max_j max|jvp(v_j)| / ||v_j||_1``.

>>> A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
>>> check_adjoint(lambda v, x: A @ v, lambda u, x: A.T @ u, (np.ones(2),)).verdict
'pass'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from checks import draws
from checks._args import generator, prepare
from checks._util import EPS, function_name
from checks.analytic import _Analytic, _bad, _call
from checks.estimates import Estimate
from checks.jacobian import JacobianCheck, _conclude, _count, _options, _require_entries
from checks.rule import _validate_atol

__all__ = ["check_adjoint"]


def check_adjoint(
    jvp: Callable[..., Any],
    vjp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    rtol: float | None = None,
    atol: float | None = None,
    safety: float | None = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""The dot-product test: ``<u, jvp(v)> = <vjp(u), v>`` along random pairs ``(u_j, v_j)``.

    Checks that ``vjp`` is the adjoint of ``jvp`` (to the round-off bound of the module
    docstring), with no finite differences and no ``f``: ``K`` calls of each. It says nothing
    about whether either is the derivative of ``f``: use :func:`check_jvp` or
    :func:`check_vjp` for that.

    Parameters
    ----------
    jvp, vjp : callable
        ``jvp(v, *args)`` of ``f``'s output shape (taken from the first call) and
        ``vjp(u, *args)`` of the shape of ``args[argnum]``.
    args, argnum, rtol, atol, safety, directions, rng
        As in :func:`check_jacobian` (``atol`` a scalar).

    Returns
    -------
    JacobianCheck
        In ``"adjoint"`` mode: ``analytic[j] = <u_j, jvp(v_j)>``,
        ``numerical[j] = <vjp(u_j), v_j>``, ``error`` the round-off bound.

    Examples
    --------
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])
    >>> check_adjoint(lambda v, x: A @ v, lambda u, x: A.T @ u, (np.ones(2),)).verdict
    'pass'
    >>> check_adjoint(lambda v, x: A @ v, lambda u, x: A[:, ::-1].T @ u, (np.ones(2),)).verdict
    'fail'
    """
    rtol, safety = _options("directional", directions, rng, rtol, safety)
    atol = _validate_atol(atol, (), "directional")
    p = prepare(args, argnum)
    x = p.x
    k = _count(directions)
    gen = generator(rng)
    vs = draws.standard_normal(gen, (k,) + x.shape)
    fwd, bwd = _Analytic("tangent", jvp, "jvp"), _Analytic("cotangent", vjp, "vjp")
    ws = [_call(fwd, p, v) for v in vs]
    out = ws[0].shape
    _require_entries(x, out, p.argnum)
    us = draws.standard_normal(gen, (k,) + out)
    a, b, err = np.full(k, np.nan), np.full(k, np.nan), np.zeros(k)
    failure = None
    for j in range(k):
        failure = _bad(ws[j], out, f"jvp(v, *args) of pair {j}", "its shape at pair 0")
        if failure is not None:
            break
        g = _call(bwd, p, us[j])
        failure = _bad(g, x.shape, f"vjp(u, *args) of pair {j}", "the argument's shape")
        if failure is not None:
            break
        left, right = us[j] * ws[j], g * vs[j]
        a[j] = math.fsum(left.ravel().tolist())
        b[j] = math.fsum(right.ravel().tolist())
        err[j] = EPS * (np.sqrt(left.size) * np.abs(left).sum()
                        + np.sqrt(right.size) * np.abs(right).sum())
    est = Estimate(b, err, np.zeros(k), "dot-product", 0, (p.note,) if p.note else (), b, b)
    common = dict(method="dot-product", mode="adjoint", name=f"{function_name(jvp)} / "
                  f"{function_name(vjp)}", argnum=p.argnum, shape=x.shape, out_shape=out,
                  what="adjoint", evaluated="f", step_factor=None,
                  compares="<u, jvp(v)> against <vjp(u), v>")
    top = None if failure else max(float(np.max(np.abs(w), initial=0.0)) / float(np.abs(v).sum())
                                   for w, v in zip(ws, vs, strict=True))
    return _conclude(a, est, failure, pairs=True, us=us, vs=vs, analytic_max=top, rtol=rtol,
                     atol=atol, safety=safety, common=common)
