r"""What ``f`` is like at the point, before anything is differentiated: its value, whether it is
deterministic, the precision it returns, and the noise of its computed values.

Every estimate at ``x`` shares one :class:`Baseline`:

* ``f(x)`` is evaluated **twice**; two different values mean ``f`` is not a function of ``x``
  alone (a random minibatch, a stochastic layer, a global counter): no finite difference of
  it means anything, so that is a ``ValueError`` showing both values, never a verdict.
* The **noise** of ``f`` near ``x`` is measured by Moré & Wild's ECnoise (the table and its
  reading: :mod:`checks.probe`): ``f`` at
  ``x + t_j \delta p``, ``t_j = j + 0.5 u_j`` (``j = 0..8``, a fixed jitter ``u_j`` in
  [0, 1)), along a fixed random direction ``p`` (a directional check's first direction),
  ``\delta = 10^{-6} \operatorname{rms}(x)``. For a smooth ``f`` the ``k``-th divided
  differences of these values are pure noise; their root mean square, normalised by the norm
  of their weights, is ``\sigma_k`` (for equal spacing,
  ``\sqrt{\gamma_k \operatorname{mean}((\Delta^k f)^2)}``, ``\gamma_k = (k!)^2 / (2k)!``).
  The noise is ``\sigma_k`` at the first order whose differences change sign and agree with
  the next two orders within a factor 4 (:func:`_ecnoise`). The jitter keeps the rounding
  errors of a quantised ``f`` (a loss rounded to 1e-8) from repeating from point to point, as
  equal steps of a whole number of quanta would. The differences are taken of values divided
  by their largest magnitude, so that outputs of ``1e300`` do not overflow when squared.
* **Noise is told from structure.** A kink, a pole or a narrow feature of ``f`` within the
  probe's reach makes differences that can pass that test: a maximum of two affine maps
  whose branches differ by ``1e-7`` at ``x`` was "noisy at 1e-8", and the error bars that
  noise implied let the ladder stop before it could resolve the kink. So:

  - a table whose largest second difference is 8 times the median of the others has a single
    break of slope in it (for noise, 8 times is a 5-sigma event): a **kink**, probed again
    100 times finer;
  - noise above ``100 eps |f|`` is **confirmed** by a probe 100 times finer: noise is a
    property of ``f``'s values and measures the same there (within the factor 4), a kink or
    a pole in reach does not (its differences scale with the spacing, or explode). Not the
    same: the finer measurement is taken, and confirmed in turn. A finer table that is a
    staircase (moves by fewer than 64 ulps per step) confirms it: ``f`` is quantised.
  - a table where no order looks like noise is ``f``'s own variation: its order-4..6
    differences bound the noise from above. Below ``100 eps |f|`` that bound is taken (the
    noise is round-off); above, the probe is repeated 100 times finer (a coordinate far
    smaller than ``rms(x)``: ``log`` at 1e-4 beside entries of 10).
  - a staircase table (a saturated ``tanh``, whose rounding errors are correlated) is probed
    100 times coarser.

  Four probes at most; where none settles, the tightest bound any of them gave (each is an
  upper bound on the noise), or the finest unconfirmed measurement, is used and noted. The
  estimate is never less than ``eps * |f|`` (round-off in ``f`` can exceed that by orders of
  magnitude: ``log(exp(x))`` for small ``x``; a loss computed in float32) nor than the
  smallest positive float.
* The probe also gives the **slope** of ``f`` along ``p`` at its spacing (a cubic fitted to
  the nine values, :func:`probe_slope`): a derivative measured at ``1e-6 rms(x)``, which
  :mod:`checks.differences` holds the per-entry estimates to, and :mod:`checks.crosscheck`
  the analytic gradient (a feature narrower than the per-entry steps shows there).
* A probe point outside ``f``'s domain (a non-finite value, or a domain error raised) makes
  the next probe 100 times finer; if every probe leaves the domain, the noise is taken as
  ``eps * |f|`` and noted.
* ``f`` returning a float32 (or float16) scalar -- or values that are all float32 numbers, as
  ``float(loss)`` of a loss computed in float32 gives -- is noted, and its noise is at least
  the unit round-off of that type times ``|f|``.
* :func:`noise_along` measures the noise along one entry, within the step its estimate came
  from: noise depends on the direction (the usual log-sum-exp at ``[0, -29]`` is quantised
  at ``1e-16`` along ``z_1``, while ``f`` moves with ``z_0`` along ``p``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks import scales as _scales
from checks._util import (
    DOMAIN_ERRORS,
    EPS,
    MIN_STEP_ULPS,
    TINY,
    DomainError,
    UsageError,
    abs_max,
    batch_values,
    call_scalar,
    typical_scale,
)
from checks.probe import (
    _AGREE,
    _PROBE_T,
    NOISE_POINTS,
    _ecnoise,
    _ecnoise_order,
    _probe_direction,
    _probe_values,
    _scaled_sigma,
    probe_direction,
    probe_point,
    probe_slope,
)

__all__ = ["Baseline", "PROBE_SPACING", "baseline", "noise_along", "noise_note",
           "quantised_along", "roundoff_unit", "with_noise"]

# (spacing relative to rms(x), orders of differences used)
PROBE_SPACING = 1e-6  # of the first probe, relative to rms(x)
_PROBE_RETRIES = 4  # probes at most (each 8 evaluations)
#: Noise above this many times ``eps * |f|`` is confirmed by a probe 100 times finer.
_CONFIRM = 100.0

#: ``f``'s noise relative to ``|f(x)|`` above which the report says ``f`` is noisy.
NOISY = 1e3 * EPS


@dataclass(frozen=True)
class Baseline:
    """``f`` at the point: value, noise, the dtype it returned, evaluations spent."""

    f0: float
    noise: float
    evaluations: int
    dtype: str = "float64"
    notes: tuple[str, ...] = ()
    scale: float = 0.0  # the largest |f| seen at the point and in the probe
    #: the derivative along :attr:`direction` at the probe's spacing, from a table that was
    #: noise-like (:func:`probe_slope`), and its bound; ``None`` without such a table
    slope: float | None = None
    slope_error: float = float("inf")
    #: how much :attr:`slope_error` grows per unit of noise (``3 ||w|| / delta``)
    slope_gain: float = 0.0
    #: the probe's direction (rms 1): :func:`probe_direction`, or the one the caller gave
    direction: np.ndarray | None = None


def with_noise(base: Baseline, noise: float) -> Baseline:
    """``base`` with a louder ``noise`` (found along an entry or a direction, at the scale
    of the steps): the probe's slope carries it too -- a staircase of quanta ``q`` hides a
    slope of up to ``q / delta`` at the probe's spacing ``delta``."""
    if noise <= base.noise:
        return base
    return dataclasses.replace(base, noise=noise, slope_error=base.slope_error
                               + base.slope_gain * (noise - base.noise))


#: Probe positions in units of the spacing: ``j + 0.5 u_j`` with fixed pseudo-random
#: ``u_j`` in [0, 1) (``t_0 = 0`` is ``x``). Equal spacing would let the rounding errors of an
#: ``f`` quantised on a grid (a loss rounded to 1e-8) repeat from point to point whenever the
#: step is close to a whole number of quanta, and hide the quantisation; jittered points do
#: not, and divided differences still annihilate every polynomial of degree below the order.


#: One second difference this many times the median of the others: a kink (a single break
#: of slope), not noise. For noise the largest of seven is about 3 times their median; 8
#: times is a 5-sigma event.


def _measure(fun, x, f0, vectorized, spacing: float | None = None,
             confirm: bool = True, direction: np.ndarray | None = None,
             scale: float | None = None) -> _Probe:
    """The noise of ``f`` near ``x`` (module docstring): the first noise-like probe table at
    the level of round-off, or confirmed by a probe 100 times finer; evaluations and notes.

    ``spacing`` replaces the first spacing ``1e-6 rms(x)``; ``confirm=False`` takes noise
    above round-off as it is, without the finer probe (the noise *at that spacing*, whatever
    makes it: :func:`noise_along`). ``direction`` (rms 1) replaces the fixed one; ``scale`` is
    ``rms(x)`` where known."""
    p = _probe_direction(x.shape) if direction is None else direction
    # the spacing never drops below a few ulps of x (subnormal points: 1e-6 rms(x) is 0)
    least = MIN_STEP_ULPS * float(np.spacing(abs_max(x)))
    rms = typical_scale(x) if scale is None and spacing is None else scale
    delta = max(PROBE_SPACING * rms if spacing is None else spacing, least)
    evals, notes = 0, []
    top = abs(f0)
    bounds: list[float] = []  # upper bounds on the noise from tables that were f's variation
    stairs = False
    seen: list[float] = [f0]  # every finite value, for _precision_of
    pending: _Probe | None = None  # noise above round-off, awaiting its confirmation
    for _ in range(_PROBE_RETRIES):
        vals = _probe_values(fun, x, delta, vectorized, p)
        evals += NOISE_POINTS - 1
        if not np.all(np.isfinite(vals)):
            delta = max(delta / 100.0, least)
            continue
        table = np.concatenate(([f0], vals))
        top = max(top, float(np.max(np.abs(table))))
        seen.extend(vals.tolist())
        sigma, status = _ecnoise(table)
        if sigma is None:
            if pending is not None and status == "staircase":
                # 100 times finer, f moves by a few ulps per step: it is quantised, and the
                # noise measured at the coarser spacing is its quantisation
                return dataclasses.replace(pending, evaluations=evals, top=top, values=tuple(seen))
            stairs = stairs or status == "staircase"
            if status in ("smooth", "kink"):
                if pending is not None and status == "kink":
                    # one jump 100 times finer: values quantised there, perhaps (a float32
                    # part moving by one quantum). A smooth table is f's own variation
                    # resolved: the noise was a feature narrower than the spacing
                    evals += _coarser(fun, x, vectorized, p, pending)
                # the differences are f's variation: the noise is below them -- and noise
                # measured at a coarser spacing, which would show here too, was not noise
                bound = _scaled_sigma(table, (4, 5, 6))
                bounds.append(bound)
                pending = None
                if (status == "smooth"
                        and bound <= _CONFIRM * EPS * float(np.max(np.abs(table)))):
                    # variation all the way up to order 6, and still below 100 ulps: the
                    # noise is round-off, and this table is smooth -- no finer probe needed
                    return _Probe(max(bound, EPS * abs(f0)), table, delta, evals, top,
                                  values=tuple(seen))
            delta = (delta * 100.0 if status == "staircase" else max(delta / 100.0, least))
            continue
        here = _Probe(max(sigma, EPS * abs(f0)), table, delta, evals, top)
        if not confirm or sigma <= _CONFIRM * EPS * float(np.max(np.abs(table))):
            if pending is not None:
                evals += _coarser(fun, x, vectorized, p, pending)
                here = dataclasses.replace(here, evaluations=evals)
            return dataclasses.replace(here, values=tuple(seen))  # round-off: no confirmation
        if pending is not None and pending.noise / _AGREE <= sigma <= _AGREE * pending.noise:
            # the same noise 100 times finer: stationary, a property of f's values. The
            # coarser table gives the sharper slope.
            return dataclasses.replace(pending, noise=max(pending.noise, here.noise),
                                       evaluations=evals, top=top, values=tuple(seen))
        # noise above round-off, first seen, or not the same as 100 times coarser (so that
        # was a kink, a pole or a narrow feature within the probe's reach): look closer
        pending = here
        delta = max(delta / 100.0, least)
    if pending is not None:
        notes.append("the noise of f changed with the spacing of its probe (a kink or a "
                     "narrow feature within 1e-6 of x?); the finest measurement was used")
        return dataclasses.replace(pending, evaluations=evals, top=top, notes=tuple(notes),
                                   values=tuple(seen))
    if bounds:
        notes.append("the noise of f could not be measured cleanly (no probe spacing gave "
                     "noise-like differences); the tightest bound the probes gave was used")
        return _Probe(max(min(bounds), EPS * abs(f0)), None, delta, evals, top, tuple(notes),
                      tuple(seen))
    if stairs:
        notes.append("f moved by only a few ulps per step at every spacing of the noise probe "
                     "(or left its domain); the noise of f was taken as eps * |f|")
    else:
        notes.append("every noise probe left f's domain; the noise of f was taken as eps * |f|")
    return _Probe(EPS * abs(f0), None, delta, evals, top, tuple(notes), tuple(seen))


def _coarser(fun, x, vectorized, p, pending: _Probe) -> int:
    """``pending`` is noise above round-off at its spacing that the probe 100 times finer did
    not see -- that probe saw round-off, or one jump (a quantum), not a smooth table (a smooth
    oscillation under-resolved at ``pending``'s spacing, ``cos(741 z)`` at ``z = 1901`` probed
    at 2e-3, is smooth 100 times finer, looks like noise at every coarser spacing, and its
    derivative is f's): probe 100 times *coarser*; where that measures noise above round-off
    too, and not louder than :data:`_AGREE` times ``pending`` (a kink's differences grow with
    the spacing, noise does not), the larger is noise at longer scales only, a second
    hypothesis for the check (:func:`checks.scales.seen`). The evaluations spent.

    The coarse table starts one probe's length beyond ``x``, not at ``x``: a feature at ``x``
    narrower than the spacing (a bump of width 1.3e-6 centred 2e-7 from ``x``) is in
    ``f(x)`` alone there, and a table holding ``f(x)`` read it as noise -- a gradient without
    the bump was then inconclusive, not FAILED, on 4 of 201 draws of tests/_attack.py's
    odd bump. Values quantised between the spacings are noisy everywhere, that far from ``x``
    too."""
    wide = 100.0 * pending.delta
    start = probe_point(x, wide * (float(_PROBE_T[-1]) + 1.0), p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        first = _value_at(fun, start, vectorized, "the noise probe")
    table = np.concatenate(([first], _probe_values(fun, start, wide, vectorized, p)))
    if np.all(np.isfinite(table)):
        sigma, _ = _ecnoise(table)
        if (sigma is not None and sigma > _CONFIRM * EPS * float(np.max(np.abs(table)))
                and sigma <= _AGREE * pending.noise):
            _scales.seen(max(sigma, pending.noise))
    return NOISE_POINTS


def _value_at(fun, point: np.ndarray, vectorized: bool, where: str) -> float:
    """``f`` at one ``point`` (non-finite values returned): called on it, or, vectorized, on
    the stack of that point alone (its output checked: :func:`checks._util.batch_values`)."""
    if vectorized:
        return float(batch_values(fun(point[None]), 1)[0])
    return call_scalar(fun, point, where, False, finite=False)


@dataclass(frozen=True)
class _Probe:
    """A noise measurement: the noise, the table it came from (``None`` when no table was
    noise-like) and its spacing, evaluations spent so far, the largest ``|f|``, notes."""

    noise: float
    table: np.ndarray | None
    delta: float
    evaluations: int
    top: float
    notes: tuple[str, ...] = ()
    values: tuple[float, ...] = ()  # every finite value of f the probes saw, f(x) first


def _precision_of(values: tuple[float, ...]) -> str | None:
    """``"float32"`` or ``"float16"`` when every value ``f`` returned is exactly a number of
    that type (at least three distinct ones), else ``None``.

    An ``f`` that computes in float32 and returns ``float(loss)`` returns a float64 whose
    last 29 bits of mantissa are 0: a float64 computation does that with probability
    ``2^-29`` per value, and the probe's points are not round numbers. Such an ``f`` is
    quantised at ``6e-8 |f|``; with steps too short for the quantum its differences see
    only what it adds in float64, if anything.
    """
    finite = [v for v in values if np.isfinite(v)]
    if len(set(finite)) < 3:
        return None
    arr = np.array(finite)
    for name in ("float16", "float32"):
        with np.errstate(over="ignore"):
            if np.all(arr.astype(name).astype(np.float64) == arr):
                return name
    return None


def roundoff_unit(dtype: str) -> float:
    """The round-off of ``f``'s values relative to ``|f|``, by the precision they come in
    (:attr:`Baseline.dtype`): ``eps`` for float64 (and a finer one: the values are float64
    once ``f`` returned them), half the unit round-off of a lower one (float32: ``6e-8``;
    float16: ``4.9e-4``), the floor :func:`baseline` puts under the noise at ``x``. A value
    ``V`` of ``f`` anywhere is rounded by about that times ``|V|``: the second ladder's
    round-off floor (:mod:`checks.second`).

    >>> roundoff_unit("float64") == EPS, roundoff_unit("float32") == 2.0**-24
    (True, True)
    """
    if dtype == "float64":
        return EPS
    return max(EPS, 0.5 * float(np.finfo(np.dtype(dtype)).eps))


def _returned_dtype(value: Any) -> str:
    dt = getattr(value, "dtype", None)
    return str(dt) if dt is not None and np.dtype(dt).kind == "f" else "float64"


def baseline(fun: Callable[[np.ndarray], Any], x: np.ndarray, vectorized: bool,
             direction: np.ndarray | None = None, *,
             scales: tuple[float, float] | None = None) -> Baseline:
    """``f(x)`` (twice: it must be deterministic), its noise near ``x``, and notes.

    The probe runs along ``direction`` (scaled to rms 1) where given -- a directional check
    probes along its first direction, so that the probe's slope cross-checks that direction's
    estimate -- else along :func:`probe_direction`. ``scales`` is ``(rms(x), rms(direction))``
    where the caller has computed them (passes over a large ``x``).

    Examples
    --------
    A smooth ``f`` has the noise of its round-off; the same ``f`` computed in float32 is
    recognised by its values:

    >>> x = np.array([0.3, -1.2, 2.0])
    >>> base = baseline(lambda v: float(np.sum(np.exp(v))), x, False)
    >>> bool(base.noise < 1e-14), base.dtype
    (True, 'float64')
    >>> base = baseline(lambda v: float(np.sum(np.exp(v.astype(np.float32)))), x, False)
    >>> bool(base.noise > 1e-7), base.dtype
    (True, 'float32')
    """
    if vectorized:
        raw = batch_values(fun(np.stack([x, x])), 2)
        first, second = raw[0], raw[1]
        f0 = call_scalar(lambda _: first, x, "x", False)
        f1 = call_scalar(lambda _: second, x, "x", False)
    else:
        try:
            first = fun(x.copy())
        except UsageError:
            raise
        except DOMAIN_ERRORS as exc:
            raise DomainError(
                f"f raised {type(exc).__name__}: {exc} at the point x itself: x is outside "
                "f's domain (or f has a bug there)"
            ) from exc
        f0 = call_scalar(lambda _: first, x, "x", False)
        f1 = call_scalar(fun, x.copy(), "x", False)
    if not (f0 == f1):
        raise ValueError(
            f"f is not deterministic: two calls at the same x returned {f0!r} and {f1!r}; a "
            "finite difference of a random function (a minibatch, dropout, a global counter) "
            "means nothing: fix its seed or its data inside f"
        )
    notes = []
    dtype = _returned_dtype(first)
    if direction is None:
        p = probe_direction(x.shape)
    else:
        d = np.asarray(direction, dtype=float)
        p = d / (typical_scale(d) if scales is None else scales[1])
    probe = _measure(fun, x, f0, vectorized, direction=p,
                     scale=None if scales is None else scales[0])
    how = f"f returned {dtype}"
    if dtype == "float64" and _precision_of(probe.values):
        dtype = _precision_of(probe.values)
        how = f"every value f returned is a {dtype} number (computed in {dtype}?)"
    noise, evals, top = max(probe.noise, TINY), probe.evaluations, probe.top
    notes.extend(probe.notes)
    if _scales.forced() > noise:  # a check's second opinion (checks.scales)
        noise = _scales.forced()
        notes.append(f"f's noise taken as {noise:.2g}, what its values show at the scale of "
                     "the steps but not closer to x (checks.scales)")
    if dtype != "float64":
        unit = float(np.finfo(np.dtype(dtype)).eps)
        noise = max(noise, 0.5 * unit * abs(f0))
        notes.append(
            f"{how}: its values carry about {unit:.1g} relative round-off, "
            "which the tolerance includes; return float64 for a sharper check"
        )
    slope, slope_error, gain = (None, float("inf"), 0.0) if probe.table is None else (
        probe_slope(probe.table, probe.delta, noise))
    return Baseline(f0, noise, 2 + evals, dtype, tuple(notes), top, slope, slope_error, gain,
                    p)


def noise_along(fun: Callable[[np.ndarray], Any], x: np.ndarray, k: int, f0: float,
                vectorized: bool, reach: float) -> tuple[float, int]:
    """The noise of ``f`` along entry ``k`` alone within ``x_k +- reach`` (the probe of
    :func:`baseline` on ``t -> f(x + t e_k)``, nine points from ``x_k - reach`` to
    ``x_k + reach``, not confirmed finer), and the evaluations spent.

    The noise of computed values depends on the direction and on the scale. The usual
    log-sum-exp at ``[0, -29]`` is quantised at ``1e-16`` along ``e_1`` (it rounds
    ``log(1 + 2.5e-13)``), which a probe along a direction where ``f`` moves with ``e_0``
    cannot see. A loss summed in float32 plus a penalty in float64 moves in quanta of
    ``5e-7`` only every ``4e-6`` or so: an entry whose first steps saw those quanta (its
    differences irregular) descends to steps where the float32 part does not move at all,
    and its differences there are exactly the penalty's. Measured within the first step
    (``reach``), that is noise, as it is for every level below it. A kink within reach is
    one outstanding second difference, and the probe looks closer (:func:`_ecnoise`). Only a
    noise-like table counts: where no table was (a kink within reach, flat 100 times finer),
    the bound on the noise that the kink's differences give is not evidence of noise, and the
    noise along the entry is reported as 0 (the shared noise stands). ``relu`` at ``0.0068``
    beside entries of 3 had its kink at 0 within reach, and its bound, ``6.4e-4``, made an
    exact ``sum(relu(w))`` "noisy" and its check inconclusive.
    """
    line = _EntryLine(fun, x, k, x.ravel()[k] - reach, vectorized)

    first = _value_at(line, np.zeros(()), vectorized, "x - h e_k")
    if not np.isfinite(first):
        return 0.0, 1
    spacing = 2.0 * reach / (_PROBE_T[-1] + 0.5)
    probe = _measure(line, np.zeros(()), first, vectorized, spacing=spacing, confirm=False,
                     direction=np.ones(()))
    # only a noise-like table is evidence of noise: where every table was f's own variation
    # (a kink within reach, read 100 times finer as flat), its bound measures the kink
    return (probe.noise if probe.table is not None else 0.0), 1 + probe.evaluations


#: The noise within the first step must be this many times the round-off within the settled
#: step ...
_QUANTA_GAP = 100.0
#: ... and this many times what ``f`` as seen within the settled step, extrapolated to the
#: first step's spacing, would show there.
_UNEXPLAINED = 10.0


#: How far beyond ``x_k``, in first steps, :func:`quantised_along` reads ``f``'s values at the
#: first step's scale: both must show the noise
_BEYOND = (1.0, 8.0)


def quantised_along(fun: Callable[[np.ndarray], Any], x: np.ndarray, k: int, vectorized: bool,
                    first: float, settled: float) -> tuple[float, int]:
    """Noise along entry ``k`` at the scale of the ladder's first step that its settled step
    does not see (0: none), and the evaluations spent: the second hypothesis of
    :mod:`checks.scales` where the noise probe was too fine to see it.

    An entry whose ladder descended through irregular levels and then settled in the
    asymptotic regime (not flat to noise) either straddled a feature narrower than its first
    steps (a bump, a saturated ``tanh``, an aliased ``sin``: mechanism 1 of issue 17; the
    ladder must descend, and the derivative it finds is ``f``'s) or values quantised at a scale
    between its first and its settled step, such as a loss summed in float16 beside a float64
    term: its quanta (``1e-3`` relative) are far wider than the noise probe's spacings
    (``1e-6`` and ``1e-4 rms(x)``), the first steps straddle them, and the settled step lies on
    one flat stair where the differences are the float64 term's alone. Two tables of nine
    jittered points along the entry (three) tell them apart, as :func:`_coarser` does for the
    probe:

    * at the first step's scale, read beyond ``x_k`` (from ``x_k + first`` and from
      ``x_k + 8 first``, :data:`_BEYOND`: quanta are everywhere, a narrow feature is at ``x``)
      ``f`` must be noise-like in both tables, above
      :data:`_CONFIRM` ulps, at some order ``m`` of differences (a kink or a pole within
      reach is one outstanding second difference, a domain edge a non-finite value: none);
    * within the settled step (``x_k +- settled``) ``f`` shows round-off only (at most
      :data:`_CONFIRM` ulps, and :data:`_QUANTA_GAP` times less than that noise), or one
      jump (a quantum), or a smooth variation that does not explain that noise: its
      differences of orders ``m .. m + 2`` at the first step's spacing, extrapolated from
      the settled step's (``(first / settled)^j`` times theirs: exact for a polynomial), are
      :data:`_UNEXPLAINED` times smaller. A feature narrower than the first step that the
      settled step resolves fails this: extrapolated, its variation is as large as the
      noise it made or far larger (0.5 to 1e18 times it on the narrow and odd bumps,
      saturated ``tanh``, aliased ``sin`` and offset entries of tests/_attack.py and
      tests/_hard.py), where the float64 term beside a float16 sum gives at most 0.64.

    That noise is returned (for :func:`checks.scales.later`): ``f``'s derivative then depends
    on the scale, and a check that fails at the settled step is judged again with it.
    """
    fine, spent = _line_table(fun, x, k, settled, vectorized)
    if fine is None:
        return 0.0, spent
    sigma_fine, status, _ = _ecnoise_order(fine)
    roundoff = status == "ok" and sigma_fine <= _CONFIRM * EPS * float(np.max(np.abs(fine)))
    if not (roundoff or status in ("kink", "smooth")):
        return 0.0, spent
    # beyond x_k, not around it, and at two distances: quanta are everywhere along the
    # entry, a feature narrower than the first step is at x. (Around x, an odd bump of width
    # 1e-6 whose table straddled it looked like noise, and a gradient without the bump was
    # inconclusive at 13 of 150 points; one first step beyond x, at 1 of 150, where the bump
    # was wide along the direction; eight beyond x alone, a periodic kernel's values looked
    # like noise.) The smaller noise is the hypothesis.
    found = []
    for offset in _BEYOND:
        coarse, n_coarse = _line_table(fun, x, k, first, vectorized, beyond=offset)
        spent += n_coarse
        if coarse is None:
            return 0.0, spent
        sigma, status_coarse, order = _ecnoise_order(coarse)
        top = float(np.max(np.abs(coarse)))
        if (status_coarse != "ok" or sigma <= _CONFIRM * EPS * top
                or sigma <= _QUANTA_GAP * max(sigma_fine if roundoff else 0.0, EPS * top)):
            return 0.0, spent
        if status == "smooth":
            ratio = first / settled
            explained = max(_scaled_sigma(fine, (j,)) * ratio**j
                            for j in range(order, order + 3))
            if not explained * _UNEXPLAINED <= sigma:
                return 0.0, spent
        found.append(float(sigma))
    return min(found), spent


def _line_table(fun, x, k, reach, vectorized, beyond: float | None = None
                ) -> tuple[np.ndarray | None, int]:
    """Nine jittered values of ``f`` along entry ``k`` from ``x_k - reach`` to about
    ``x_k + reach`` (as :func:`noise_along`; with ``beyond``, from ``x_k + beyond reach`` to
    about ``x_k + (beyond + 2) reach``), or ``None`` where one is not finite; and the
    evaluations spent."""
    start = x.ravel()[k] + (beyond * reach if beyond is not None else -reach)
    line = _EntryLine(fun, x, k, start, vectorized)
    spacing = 2.0 * reach / (_PROBE_T[-1] + 0.5)
    # a vectorized f raises for a stack that holds a point outside its domain (an f called
    # point by point gives nan there): the same table, the same evaluations counted
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            first = _value_at(line, np.zeros(()), vectorized, "x - h e_k")
    except UsageError:
        raise
    except DOMAIN_ERRORS:
        first = float("nan")
    if not np.isfinite(first):
        return None, 1
    try:
        values = _probe_values(line, np.zeros(()), spacing, vectorized, np.ones(()))
    except UsageError:
        raise
    except DOMAIN_ERRORS:
        return None, NOISE_POINTS
    return (None if not np.all(np.isfinite(values)) else
            np.concatenate(([first], values))), NOISE_POINTS


class _EntryLine:
    """``z -> f(x + (start - x_k + z) e_k)`` (a stack of ``z`` when vectorized): an object,
    not a closure, so that an executor in other processes can receive it."""

    def __init__(self, fun, x, k, start, vectorized):
        self.fun, self.x, self.k, self.start, self.vectorized = fun, x, k, start, vectorized

    def __call__(self, z):
        flat, k, x = self.x.ravel(), self.k, self.x
        if self.vectorized:
            z = np.asarray(z, dtype=float).reshape(-1)
            batch = np.repeat(flat[None, :], z.size, axis=0)
            batch[:, k] = self.start + z
            return self.fun(batch.reshape((-1,) + x.shape))
        point = flat.copy()
        point[k] = self.start + float(z)
        return self.fun(point.reshape(x.shape))

    def prefetch(self, zs: np.ndarray) -> bool:
        """Pass the points on to ``f``'s own prefetch (a memo), if it has one."""
        pre = getattr(self.fun, "prefetch", None)
        if pre is None:
            return False
        points = np.repeat(self.x.ravel()[None, :], len(zs), axis=0)
        points[:, self.k] = [self.start + float(z) for z in zs]
        return pre(points.reshape((-1,) + self.x.shape))


def noise_note(noise: float, scale: float, smallest: float | None,
               unjudged: str | None = None) -> str | None:
    """The report's line about a noisy ``f`` (``None`` when the noise is plain round-off).

    ``scale`` is the size of ``f`` near the point (:attr:`Baseline.scale`); ``smallest`` the
    check's ``detectable`` (``None``: not said); ``unjudged`` names the units (``"entries"``,
    ``"directions"``, ``"pairs"``) where some cannot be judged: then, as where ``smallest``
    is ``nan``, no sensitivity is promised (the report's Sensitivity line says the same).
    """
    if scale == 0.0 or noise <= NOISY * scale:
        return None
    rel = noise / scale
    text = f"f is noisy at the {rel:.1g} level (relative to |f|; {noise:.2g} absolute)"
    if smallest is None:
        return text
    if unjudged is not None:
        text += f"; no sensitivity can be promised here (some {unjudged} cannot be judged)"
    elif np.isnan(smallest):
        text += "; no sensitivity can be promised here"
    elif smallest >= 1.0:
        text += "; no relative error can be detected here"
    else:
        text += f"; the smallest detectable relative error here is {smallest:.2g}"
    return text
