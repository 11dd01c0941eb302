"""What an estimate hands on: a numerical derivative, its error bar and what was seen on the way.

:class:`Estimate` is the type every numerical side of a check produces (a gradient, a
Jacobian, a Hessian, derivatives along directions) and :mod:`checks.compare` consumes: value,
error bar, the interval at a kink, the kind of each entry (:mod:`checks.ladder`), the noise and
scale of ``f``, the noise probe's slope. :class:`_Raw` is what one method returns before the
caller wraps it.

>>> e = Estimate(np.array([1.0]), np.array([1e-10]), np.array([1e-3]), "central", 4)
>>> e.lower is None, e.notes
(True, ())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Estimate"]


@dataclass(frozen=True)
class Estimate:
    """A numerical derivative with its error bar.

    Attributes
    ----------
    value : ndarray or float
        The derivative estimate (the shape of ``x`` for a gradient).
    error : ndarray or float
        Estimated absolute error of each entry (truncation + round-off).
    step : ndarray or float
        The base step ``h`` used for each entry.
    method : str
        ``"forward"``, ``"central"``, ``"richardson"`` or ``"complex"``.
    evaluations : int
        Number of calls of ``f`` (points, when vectorized).
    notes : tuple of str
        Remarks, e.g. that the input was converted to float64, that ``f`` is noisy, or that
        an entry is not differentiable (a kink) or was differentiated one-sidedly.
    lower, upper : ndarray or float
        The interval the derivative lies in: equal to ``value`` except at a kink, where they
        are the smaller and the larger one-sided derivative (and ``value`` their midpoint).
    kind : ndarray of int8 or None
        Per entry, :data:`checks.ladder.KIND_NAMES` index (0 smooth, 1 kink, 2/3 one-sided,
        4 unresolved, 5 jump, 6 overflow: differences not finite where ``f`` is);
        ``None`` for methods without the ladder.
    noise : float
        The noise of ``f`` near ``x`` (absolute), as measured.
    f0 : float
        ``f(x)``.
    f_scale : float
        The largest ``|f|`` seen at ``x`` and in the noise probe.
    slope, slope_error : float or None, float
        The derivative of ``f`` along the noise probe's direction (:attr:`probe_direction`)
        at its short spacing, and its bound; ``None`` where no probe table was noise-like.
        :mod:`checks.compare` holds the analytic gradient against it as one more direction.
    inconsistent : str or None
        Why the estimate cannot be trusted as a whole, or ``None``: the per-entry estimates
        disagree with :attr:`slope` even at much shorter steps (see
        :func:`_adaptive`). No entry of such an estimate can fail a check.
    probe_direction : ndarray or None
        The direction of the noise probe (rms 1), the shape of ``x``.
    left, right : ndarray or None
        The one-sided derivatives where an entry is a kink (``nan`` elsewhere; ``None`` for
        methods without the ladder): ``lower`` and ``upper`` are their minimum and maximum.
    """

    value: Any
    error: Any
    step: Any
    method: str
    evaluations: int
    notes: tuple[str, ...] = field(default=())
    lower: Any = None
    upper: Any = None
    kind: Any = None
    noise: float = 0.0
    f0: float = 0.0
    f_scale: float = 0.0
    slope: float | None = None
    slope_error: float = float("inf")
    inconsistent: str | None = None
    probe_direction: Any = None
    left: Any = None
    right: Any = None


@dataclass(frozen=True)
class _Raw:
    """What one estimate at ``x`` found, before it is wrapped for the caller."""

    value: np.ndarray
    error: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    kind: np.ndarray | None
    evaluations: int
    findings: tuple[str, ...] = ()
    step: np.ndarray | None = None
    inconsistent: str | None = None
    noise: float | None = None  # the noise used, where measured louder than the baseline's
    shrink: float = 1.0  # the factor the steps were divided by to agree with the probe
    left: np.ndarray | None = None
    right: np.ndarray | None = None
