r"""Check Hessians and Hessian-vector products, against :mod:`checks.hessian_estimate`.

The checks (:func:`check_hessian`, :func:`check_hvp`) are those of
:mod:`checks.jacobian` with ``f``'s gradient as the map: in full mode every entry of
``hess(*args)`` (or of the ``n`` columns ``hvp(e_k)``) against the estimate above; in
directional mode ``u_j^T A v_j`` along random pairs against ``d/dt <u_j, grad(x + t v_j)>``
when ``grad`` is given, and otherwise against the polarised second directional derivatives
``((u + v)^T H (u + v) - (u - v)^T H (u - v)) / 4``, each ``w^T H w`` the second difference
of ``t -> f(x + t w)`` (same ladder, ``12 K + 18`` evaluations). Pairs with ``u != v`` see an
antisymmetric error (a missing symmetrisation), which ``v^T A v`` alone never would. Where a
line crosses a kink of the gradient, the pair's interval is ``M +- d`` with ``M`` the
difference of the lines' midpoints over 4 and ``d = ||J_{u+v}| - |J_{u-v}|| / 8`` (the
rank-one jump ``c n n^T`` gives ``u^T (c n n^T) v / 2 = c ((n.(u+v))^2 - (n.(u-v))^2) / 8``);
an error smaller than the kink's width along a pair cannot show there, and ``detectable``
says so. A pair with an unresolved line cannot fail. (The curvature probe applies to the
full estimate only.)

The second-order Taylor test is :mod:`checks.taylor_second`.

>>> f = lambda w: np.sum(w**4)
>>> check_hessian(f, lambda w: np.diag(12 * w**2), (np.ones(3),)).verdict
'pass'
>>> check_hessian(f, lambda w: np.diag(4 * w**3), (np.ones(3),)).verdict
'fail'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from checks._args import closure, prepare
from checks._util import (
    function_name,
    validate_method,
)
from checks.analytic import _along_pairs, _Analytic, _full_matrix
from checks.executor import runs_on_executor
from checks.hessian_estimate import (
    HESSIAN_STEP_FACTOR,
    _from_gradient,
    _grad_memo,
    _polarised_pairs,
    _second_differences,
)
from checks.jacobian import JacobianCheck, _conclude, _count, _options, _require_entries
from checks.jacobian_estimate import _draw_pairs, _pair_estimates
from checks.methods import STEP_FACTORS
from checks.noise import baseline
from checks.rule import _validate_atol, natural_scale
from checks.scales import second_opinion

__all__ = [
    "check_hessian",
    "check_hvp",
]

#: ``c`` of the default top step ``h_k = c max(|x_k|, rms(x))`` of the second differences.


# ----------------------------------------------------------------------------- second differences


#: the kind of a combination of estimates: the least reliable of its parts


# ----------------------------------------------------------------------------- the estimate


# ----------------------------------------------------------------------------- the checks


def _run(f, an: _Analytic, args, *, argnum, grad, method, mode, rtol, atol, safety, step,
         directions, rng, what, vectorized: bool = False) -> JacobianCheck:
    if grad is None and method not in (None, "richardson"):
        raise ValueError(f"method={method!r} applies with grad= only: without grad the "
                         "Hessian comes from Richardson second differences")
    method = "richardson" if method is None else validate_method(method)
    rtol, safety = _options(mode, directions, rng, rtol, safety)
    p = prepare(args, argnum)
    x = p.x
    atol = _validate_atol(atol, x.shape + x.shape, mode)
    fx = closure(f, p)
    gx = None if grad is None else closure(grad, p)
    factor = STEP_FACTORS[method] if grad is not None else HESSIAN_STEP_FACTOR
    common = dict(method=method, mode=mode, name=function_name(f), argnum=p.argnum,
                  shape=x.shape, out_shape=x.shape, what=what,
                  evaluated="f" if grad is None else "grad and f",
                  step_factor=factor if step is None else None)
    us = vs = analytic_max = None
    if mode == "full":
        if gx is None:
            est = _second_differences(fx, x, step, baseline(fx, x, vectorized), vectorized)
        else:
            est = _from_gradient(fx, gx, x, method, step, vectorized)
        a, failure = _full_matrix(an, p, x.shape, hessian=True)
    else:
        _require_entries(x, x.shape, p.argnum)
        us, vs = _draw_pairs(rng, _count(directions), x.shape, x.shape)
        if gx is None:
            est = _polarised_pairs(fx, x, us, vs, step, vectorized)
            numerical = "(q(u + v) - q(u - v)) / 4, q(w) = d2/dt2 f(x + t w)"
        else:
            memo, f_evals = _grad_memo(fx, gx, x, vectorized)
            est = _pair_estimates(memo, x, us, vs, method, step)
            est = dataclasses.replace(est, evaluations=est.evaluations + f_evals)
            numerical = "d/dt <u, grad(x + t v)>"
        a, extra, failure, analytic_max = _along_pairs(an, p, us, vs, x.shape, hessian=True)
        est = dataclasses.replace(est, error=est.error + extra)
        side = "u^T A v" if an.kind == "matrix" else f"<u, {an.name}(v)>"
        common["compares"] = f"analytic {side} against numerical {numerical}"
    if p.note:
        est = dataclasses.replace(est, notes=(p.note,) + est.notes)
    # the Hessian's natural scale: |f| / rms(x)^2, or |grad| / rms(x) where it came from grad
    order = 2 if gx is None else 1
    return _conclude(a, est, failure, pairs=mode != "full", us=us, vs=vs,
                     analytic_max=analytic_max, rtol=rtol, atol=atol, safety=safety,
                     common=common, scale=natural_scale(est.f_scale, x, order), second=True)


@runs_on_executor
@second_opinion
def check_hessian(
    f: Callable[..., Any],
    hess: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    grad: Callable[..., Any] | None = None,
    method: str | None = None,
    mode: str = "full",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
    vectorized: bool = False,
    executor: Any = None,
) -> JacobianCheck:
    r"""Compare ``hess(*args)`` (shape ``x.shape + x.shape``) with ``f``'s numerical Hessian.

    Parameters
    ----------
    f : callable
        The scalar function ``f(*args)``.
    hess : callable
        ``hess(*args)``, ``hess[i + k] = d^2 f / dx_i dx_k`` with ``x = args[argnum]``.
    grad : callable, optional
        ``grad(*args)``, ``f``'s gradient: the numerical Hessian is then its Jacobian (far
        cheaper and more accurate; ``grad`` is checked against ``f`` first).
    method : str, optional
        For the Jacobian of ``grad`` only (default ``"richardson"``).
    mode : {"full", "directional"}, default "full"
        ``"full"`` compares every entry against :func:`numerical_hessian`; ``"directional"``
        compares ``u_j^T hess v_j`` along random pairs (module docstring).
    args, argnum, rtol, atol, safety, step, directions, rng
        As in :func:`checks.check_jacobian`.
    vectorized : bool, default False
        ``f`` takes a stack of points in place of ``args[argnum]`` (shape ``(B, *x.shape)``)
        and returns shape ``(B,)``; with ``grad=``, ``grad`` takes the same stack and returns
        shape ``(B, *x.shape)``. The points of each level of the second differences (of the
        Jacobian of ``grad``, with ``grad=``), of each noise probe and of the curvature probe
        go in one call; along a direction (directional mode) the stack holds the line's
        points. The result is that of the unbatched functions wherever the batched ones
        compute each point as they do; ``evaluations`` counts points, not calls. Not with
        ``executor=``.
    executor : concurrent.futures.Executor, optional
        As in :func:`checks.check_gradient`: the points of ``f`` at each level of the second
        differences (without ``grad=``; along each direction in directional mode), of the
        noise probes and of the curvature probe, and every evaluation of ``grad`` (with
        ``grad=``), go there; the result is the serial one, bit for bit. Not with
        ``vectorized=True``.

    Returns
    -------
    JacobianCheck
        With ``what == "Hessian"``; arrays of shape ``x.shape + x.shape`` in full mode.

    Examples
    --------
    >>> B = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> check_hessian(lambda w: w @ B @ w, lambda w: B + B.T, (np.ones(2),)).verdict
    'pass'
    >>> check_hessian(lambda w: w @ B @ w, lambda w: 2 * B, (np.ones(2),)).verdict
    'fail'
    """
    return _run(f, _Analytic("matrix", hess, "hess"), args, argnum=argnum, grad=grad,
                method=method, mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="Hessian", vectorized=vectorized)


def check_hvp(
    f: Callable[..., Any],
    hvp: Callable[..., Any],
    args: Sequence[Any],
    *,
    argnum: int = 0,
    grad: Callable[..., Any] | None = None,
    method: str | None = None,
    mode: str = "directional",
    rtol: float | None = None,
    atol: Any = None,
    safety: float | None = None,
    step: Any = None,
    directions: int | None = None,
    rng: Any = None,
) -> JacobianCheck:
    r"""Check a Hessian-vector product ``hvp(v, *args) = H v`` (shape of ``args[argnum]``).

    ``"directional"`` (default) compares ``<u_j, hvp(v_j)>`` along random pairs: with
    ``grad``, against ``d/dt <u_j, grad(x + t v_j)>`` (``6K + 18`` evaluations of ``grad``);
    without, against polarised second differences of ``f`` (``12K + 18`` of ``f``).
    ``"full"`` builds ``H`` from ``n`` calls of ``hvp`` on the unit vectors and compares every
    entry. The other arguments are those of :func:`check_hessian`.

    Examples
    --------
    >>> B = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> check_hvp(lambda w: w @ B @ w, lambda v, w: (B + B.T) @ v, (np.ones(2),)).verdict
    'pass'
    """
    return _run(f, _Analytic("tangent", hvp, "hvp"), args, argnum=argnum, grad=grad,
                method=method, mode=mode, rtol=rtol, atol=atol, safety=safety, step=step,
                directions=directions, rng=rng, what="HVP")


# ----------------------------------------------------------------------------- Taylor, second order


