"""The four methods behind one call, and their default steps.

:func:`_estimate` is the derivative of a scalar function at a float64 point with given base
steps: Richardson runs the adaptive ladder (:mod:`checks.adaptive`), the others a fixed
stencil (:mod:`checks.stencils`). :data:`STEP_FACTORS` is ``c`` in the default step
``h_k = c * max(|x_k|, rms(x))``.

>>> sorted(STEP_FACTORS)
['central', 'complex', 'forward', 'richardson']
"""

from __future__ import annotations

from checks._util import EPS
from checks.adaptive import _adaptive
from checks.estimates import _Raw
from checks.noise import Baseline
from checks.stencils import _stencil

__all__ = ["STEP_FACTORS"]


#: ``c`` in the default step ``h_k = c * max(|x_k|, rms(x))``, per method.
STEP_FACTORS: dict[str, float] = {
    "forward": EPS**0.5,
    "central": EPS ** (1.0 / 3.0),
    "richardson": 2.0 * EPS ** (1.0 / 7.0),
    "complex": 1e-20,
}


def _estimate(fun, x, h, method, vectorized, base: Baseline, refine=True, unit=1.0) -> _Raw:
    """Core: the derivative of scalar ``fun`` at float64 array ``x`` with base steps ``h``.

    ``base`` (``f(x)`` and the noise of ``f`` near ``x``) comes from
    :func:`checks.noise.baseline`. Richardson runs the adaptive ladder of
    :mod:`checks.ladder` (only its first three levels when the caller chose the step:
    ``refine=False``). Central and forward differences use their fixed stencil; where the
    truncation part of an entry's error exceeds its round-off part ``_REFINE_RATIO``-fold,
    the entry is recomputed with the step divided by 4, at most ``_REFINE_ROUNDS`` times.
    """
    if method == "richardson":
        return _adaptive(fun, x, h.ravel(), vectorized, base, refine, unit)
    return _stencil(fun, x, h, method, vectorized, base, refine)
