r"""Finite-difference derivatives of scalar functions, each with a per-entry error estimate.

Every method perturbs one entry ``x_k`` at a time by a step ``h_k`` and returns an
:class:`Estimate` whose ``error`` bounds (up to a small constant) the difference between the
estimate and the true derivative: a truncation part, measured from a second step, plus a
round-off part, ``c * noise / h_k``, where ``noise`` is the larger of ``eps * max|f|`` and
the noise of ``f`` measured near ``x`` by two probes of 8 extra evaluations each (see
:func:`checks.noise.baseline`): round-off in ``f`` can exceed ``eps * |f|`` by orders of magnitude.

Default steps balance truncation against round-off and are scale-invariant:

.. math::

    h_k = c_{\text{method}} \cdot \max(|x_k|, \operatorname{rms}(x)),

with ``c = eps^(1/2)`` (forward, error ``O(h) + O(eps/h)``), ``c = eps^(1/3)`` (central,
``O(h^2) + O(eps/h)``), ``c = 2 eps^(1/7)`` (Richardson over ``h, h/2, h/4``,
``O(h^6) + O(eps/h)``) and ``c = 1e-20`` (complex step: no subtraction, no round-off
amplification). Multiplying ``x`` by ``s`` multiplies every step by ``s``; no absolute
constant enters, so verdicts do not depend on the scale of the inputs.

Each step is made exactly representable (``h = (x + h) - x``) so that the divisor is the
perturbation that was really applied; a user's step that vanishes that way (``x + h == x``)
is a ``ValueError``.

The default method, Richardson, does not stop at the default step: each entry descends a
ladder of halved steps until its estimate settles, with kinks, domain edges and poles told
apart (:mod:`checks.ladder`, run by :mod:`checks.adaptive`); the fixed stencils are
:mod:`checks.stencils`, the dispatch between them :mod:`checks.methods`, the evaluation of
``f`` at perturbed points :mod:`checks.evaluation`, derivatives along directions
:mod:`checks.directional`, and the result type :class:`checks.estimates.Estimate`. This module
is the public entry: :func:`estimate_gradient` and :func:`numerical_gradient`. ``f`` gets a
fresh copy of the point at every call, so an ``f`` that writes into its argument cannot
corrupt the points that follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from checks._util import (
    EPS,
    as_float64,
    default_steps,
    floor_steps,
    user_steps,
    validate_method,
)
from checks.auto import auto_estimate
from checks.directional import (
    _cross_check_complex,
)
from checks.estimates import Estimate
from checks.evaluation import _index
from checks.executor import runs_on_executor
from checks.methods import STEP_FACTORS, _estimate
from checks.noise import (
    baseline,
    noise_note,
    with_noise,
)

__all__ = [
    "estimate_gradient",
    "numerical_gradient",
]


@runs_on_executor
def estimate_gradient(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
    executor: Any = None,
) -> Estimate:
    r"""Numerical gradient of a scalar function, with a per-entry error estimate.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It receives a read-only array (it must not modify its argument).
        With ``vectorized=True``, ``f`` maps a batch of shape
        ``(B, *x.shape)`` to shape ``(B,)`` and all perturbed points go in few calls.
    x : array_like
        The point; any shape (0-d included). Converted to float64 (noted).
    method : {"richardson", "central", "forward", "complex", "auto"}, default "richardson"
        ``"richardson"`` combines central differences at ``h, h/2, h/4`` (error
        ``O(h^6)``, ``6n + 17`` evaluations); ``"central"`` uses ``h`` and ``2h``
        (``O(h^2)``, ``4n + 17``); ``"forward"`` uses ``h`` and ``2h`` (``O(h)``,
        ``2n + 17``); ``"complex"`` is the complex step ``Im f(x + i h e_k) / h`` (exact to
        round-off, ``n + 23``; ``f`` must be complex-safe, which is cross-checked against a
        Richardson directional derivative along a random direction); ``"auto"`` is the
        complex step where ``f`` proves complex-safe (one complex call, then the complex
        step held against the ladder along 3 random directions: ``n + 19`` beyond the noise
        probes), the ladder where it does not (:mod:`checks.auto`; ``.method`` is the one
        used, a note says why; no ``step``). The 16 extra
        evaluations are the noise probes; entries whose step proves long (truncation well
        above round-off) are recomputed with shorter steps, at extra cost.
    step : float or ndarray, optional
        Absolute base step ``h`` (scalar or per entry). Default
        ``STEP_FACTORS[method] * max(|x_k|, rms(x))``.
    vectorized : bool, default False
        Whether ``f`` accepts a leading batch axis.
    executor : concurrent.futures.Executor, optional
        Where ``f`` is evaluated: a ``ThreadPoolExecutor``, a ``ProcessPoolExecutor`` (``f``
        must pickle: a module-level function), a Dask ``Client(...).get_executor()``. Each
        batch of points (a ladder level, a noise probe) goes out at once, in chunks; the
        result is the serial one, bit for bit (:mod:`checks.executor`). Not with
        ``vectorized=True``. The executor is not shut down.

    Returns
    -------
    Estimate
        ``value`` and ``error`` of ``x``'s shape; the steps' disagreement measures the
        truncation error, ``c * noise / h`` the round-off (see the module docstring).

    Examples
    --------
    >>> est = estimate_gradient(lambda x: np.sum(x**3), np.array([1.0, 2.0]))
    >>> np.allclose(est.value, [3.0, 12.0]), bool(np.all(est.error < 1e-8))
    (True, True)
    """
    validate_method(method, auto=True)
    xf, note = as_float64("x", x)
    if method == "auto":
        return _auto(f, xf, note, step, vectorized)
    if step is not None:
        h = user_steps(step, xf)
    elif method == "complex":
        h = default_steps(xf, STEP_FACTORS[method])
    else:
        h = floor_steps(xf, default_steps(xf, STEP_FACTORS[method]))
    if step is not None and method != "complex":
        _require_applied(xf, h)
    base = baseline(f, xf, vectorized)
    raw = _estimate(f, xf, h, method, vectorized, base, step is None)
    error, evals = raw.error, base.evaluations + raw.evaluations
    if method == "complex":
        n_evals, floor = _cross_check_complex(f, xf, raw.value, error, vectorized,
                                              base if raw.noise is None
                                              else with_noise(base, raw.noise))
        evals += n_evals
        error = np.maximum(error, floor)
    return _wrap(raw, error, evals, base, method, note, h, xf.shape)


def _auto(f, xf: np.ndarray, note: str | None, step: Any, vectorized: bool) -> Estimate:
    """:func:`estimate_gradient` with ``method="auto"`` (:mod:`checks.auto`)."""
    if step is not None:
        raise ValueError("step= does not apply to method='auto', which chooses between the "
                         "complex step and the ladder (their steps differ by 18 orders of "
                         "magnitude): choose method='complex' or 'richardson' to set a step")
    base = baseline(f, xf, vectorized)
    used, raw, spent, why = auto_estimate(f, xf, vectorized, base)
    h = default_steps(xf, STEP_FACTORS[used])
    if used != "complex":
        h = floor_steps(xf, h)
    return _wrap(raw, raw.error, base.evaluations + spent, base, used, note, h, xf.shape,
                 (why,))


def _wrap(raw, error, evals: int, base, method: str, note: str | None, h: np.ndarray,
          shape: tuple[int, ...], chosen: tuple[str, ...] = ()) -> Estimate:
    """The :class:`Estimate` of one method's ``raw`` result, with the baseline's notes."""
    if raw.noise is not None:
        base = with_noise(base, raw.noise)
    notes = ((note,) if note else ()) + chosen + base.notes + raw.findings
    noisy = noise_note(base.noise, base.scale, None)
    if noisy:
        notes += (noisy,)
    used = h.reshape(shape) if raw.step is None else raw.step
    if raw.inconsistent:
        notes += (raw.inconsistent,)
    return Estimate(raw.value, error, used, method, evals, notes, raw.lower, raw.upper,
                    raw.kind, base.noise, base.f0, base.scale, base.slope, base.slope_error,
                    raw.inconsistent, base.direction, raw.left, raw.right)


def _require_applied(x: np.ndarray, h: np.ndarray) -> None:
    """A user's step must move every entry: ``x + h != x`` (else it underflows)."""
    flat, hs = x.ravel(), np.broadcast_to(h, x.shape).ravel()
    lost = np.flatnonzero((flat + hs == flat) | (flat - hs == flat))
    if lost.size:
        k = int(lost[0])
        raise ValueError(
            f"step {float(hs[k])!r} underflows at entry {_index(x.shape, k)}: x + h == x there "
            f"(x = {float(flat[k])!r}); use a step above {abs(flat[k]) * EPS:.3g} or the default"
        )


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
    executor: Any = None,
) -> np.ndarray:
    """Finite-difference gradient of scalar ``f`` at ``x``: float64, the shape of ``x``.

    Same arguments as :func:`estimate_gradient`, which also returns the error estimate.

    Examples
    --------
    >>> g = numerical_gradient(lambda X: np.trace(X @ X), np.eye(2))
    >>> np.allclose(g, 2 * np.eye(2))
    True
    """
    return estimate_gradient(f, x, method=method, step=step, vectorized=vectorized,
                             executor=executor).value


