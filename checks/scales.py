r"""Noise that shows only at longer scales: a second opinion before a check says FAILED.

The noise probe (:mod:`checks.noise`) confirms noise above round-off with a probe 100 times
finer, and takes noise that is not there for a kink or a narrow feature within its reach.
Some noise is not there: values quantised on a scale between the two spacings sit on one flat
step of the finer probe. A loss summed in float32 beside a float64 term is the usual case: its
float32 part moves only where an input crosses one of its own float32 spacings (``6e-8 |x|``),
and then by a quantum of the sum's float32 spacing. The ladder's steps are far longer than
that scale, every value it uses carries that noise, and error bars built on round-off are
10^4 times too small: 7 of 30 exact gradients (and 12 of 30 exact Hessians) of such a loss
FAILED at random points, each with an error bar far below its true error.

The values cannot tell that noise from a deterministic wiggle narrower than the probe (``1e-9
sin(1e7 s)``): both are ``f = smooth + g`` with ``g`` irregular above a scale ``L`` and smooth
below it. Whether the derivative of ``g`` belongs in the gradient is the user's model: it does
for the wiggle (the exact derivative at ``x``), not for a float32 sum (whose float32 part has
derivative 0 wherever it is flat, and whose gradient is the smooth model's). So the noise is not
taken for noise; it is a second hypothesis:

* :func:`checks.noise` calls :func:`seen` with noise ``sigma`` when its probe at a spacing
  ``delta`` measured noise above round-off, the probe 100 times finer did not (it saw
  round-off, or one jump: a quantum), and one 100 times coarser measured noise above
  round-off again and not louder than ``4 sigma`` -- a kink's differences grow with the
  spacing (100 times), noise does not. Where the finer table is smooth (f's variation to
  order 6), f is resolved there: the irregular values were a feature narrower than
  ``delta`` (the wiggle; ``cos(741 z)`` at ``z = 1901``, whose values look like noise at every
  coarser spacing), not values quantised between the two spacings, and nothing is seen.
* Quanta wider than both probes are not seen by them: a loss summed in float16 moves by
  ``1e-3`` of itself, where a float32 sum moves by ``6e-8``. The probes (``1e-6`` and ``1e-4
  rms(x)``) then sit on one flat stair; the ladder's first steps straddle stairs, its entries
  descend through irregular levels onto one stair, where the differences are the float64
  term's alone -- as they would descend into a narrow feature whose derivative is ``f``'s
  (mechanism 1 of issue 17). The model gradient ``2 z + 4e-3 z^3`` of
  ``float16(sum(float16(z)^2)) + 1e-3 sum(z^4)`` FAILED at 13 of 30 points ``z ~ N(0, 1)``
  (25 of 30 where the float64 term is ``1e3 sum(z^4)``). So the ladder
  (:mod:`checks.adaptive`; the diagonal pairs of :mod:`checks.hessian_estimate` alike)
  records the entries that did so with :func:`later`: if the check FAILED and nothing was
  seen at once, :func:`checks.noise.quantised_along` measures, for at most
  :data:`_LATER_MAX` of them, whether ``f`` is noise-like at the first step's scale (read
  beyond ``x``, at two distances) and shows round-off, one jump, or a smooth variation far
  too small to explain that noise within the settled step (a feature the settled step
  resolves explains it). The noise it finds is the second hypothesis. These measurements
  cost evaluations only when a check FAILED.
* A check (:func:`second_opinion`) that FAILED where a second hypothesis was seen is run again
  with ``f``'s noise taken as at least that ``sigma`` (:func:`forced`, read by
  :func:`checks.noise.baseline`). FAILED again: the verdict stands, it fails either way. Not:
  the verdict is *inconclusive*, and the report says why -- ``f``'s derivative depends on the
  scale, and the analytic side matches it only at the longer one. Its evaluations are those of
  both runs.

A right gradient of a quantised loss is then never FAILED: at most inconclusive. A wrong one
that fails under both hypotheses still fails; one that only the finer scale rejects is
inconclusive, not passed.

>>> from checks import check_gradient
>>> def f(z):  # a float32 sum beside a float64 term
...     return float(np.float32(np.sum(z.astype(np.float32) ** 2))) + 3e-4 * float(np.sum(z**4))
>>> x = np.array([542.33598526, -813.95680113, 10524.30963934])
>>> r = check_gradient(f, lambda z: 2 * z + 1.2e-3 * z**3, (x,))
>>> r.verdict, r.reason.startswith("f's derivative depends on the scale")
('inconclusive', True)
>>> check_gradient(f, lambda z: 1.2e-3 * z**3, (x,)).verdict  # the float32 part's 2 z dropped
'fail'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

__all__ = ["forced", "later", "second_opinion", "seen"]

_SEEN: ContextVar[list[float] | None] = ContextVar("checks_scales_seen", default=None)
_LATER: ContextVar[list[Callable[[], tuple[float, int]]] | None] = ContextVar(
    "checks_scales_later", default=None)
_FORCED: ContextVar[float] = ContextVar("checks_scales_forced", default=0.0)

#: Deferred measurements (:func:`later`) run for one FAILED check, at most.
_LATER_MAX = 3


def seen(sigma: float) -> None:
    """Record noise ``sigma`` seen at longer scales only, for the check that is running."""
    found = _SEEN.get()
    if found is not None:
        found.append(float(sigma))


def later(measure: Callable[[], tuple[float, int]]) -> None:
    """Record a measurement that may find noise at longer scales only, to be made only if
    the running check FAILED and nothing was :func:`seen` at once: ``measure()`` returns
    the noise it found (0: none) and the evaluations it spent."""
    pending = _LATER.get()
    if pending is not None:
        pending.append(measure)


def forced() -> float:
    """The noise the running check takes ``f``'s to be at least (0: none)."""
    return _FORCED.get()


def second_opinion(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a public check (its result has ``verdict``, ``reason``, ``notes`` and
    ``evaluations``): a FAILED result where noise at longer scales only was seen is run again
    with that noise, and is inconclusive unless it fails again (module docstring). A check
    called inside another (a Hessian's check of ``grad``) is judged by the outer one."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _SEEN.get() is not None or _FORCED.get() > 0.0:
            return fn(*args, **kwargs)
        found: list[float] = []
        pending: list[Callable[[], tuple[float, int]]] = []
        token, token_later = _SEEN.set(found), _LATER.set(pending)
        try:
            first = fn(*args, **kwargs)
        finally:
            _SEEN.reset(token)
            _LATER.reset(token_later)
        if first.verdict != "fail":
            return first
        spent = 0
        for measure in pending[:_LATER_MAX] if not found else ():
            sigma, n_evals = measure()
            spent += n_evals
            if sigma > 0.0:
                found.append(sigma)
                break
        if not found:
            return (dataclasses.replace(first, evaluations=first.evaluations + spent)
                    if spent else first)
        sigma = max(found)
        token = _FORCED.set(sigma)
        try:
            again = fn(*args, **kwargs)
        finally:
            _FORCED.reset(token)
        evaluations = first.evaluations + spent + again.evaluations
        if again.verdict == "fail":
            note = (f"it fails too with f's noise taken as {sigma:.2g}, the noise its values "
                    "show at longer scales only")
            return dataclasses.replace(first, evaluations=evaluations,
                                       notes=first.notes + (note,))
        reason = (f"f's derivative depends on the scale: f's values fluctuate by {sigma:.2g} "
                  "at the scale of the steps but not closer to x (values quantised there, e.g. "
                  "a sum or inputs in float32 or float16; or a feature narrower than the "
                  "steps), and the analytic side matches the derivative only at the longer "
                  f"scale ({again.verdict} with that noise). Try computing f in float64 "
                  "throughout, or check at a point where the feature is resolved")
        return dataclasses.replace(first, verdict="inconclusive", reason=reason,
                                   evaluations=evaluations)

    return wrapper
