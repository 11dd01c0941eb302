"""The default method: every entry's Richardson ladder, then two cross-checks of the whole.

Each entry descends its own ladder of halved steps until its estimate settles, with kinks,
domain edges and poles told apart (:mod:`checks.ladder`). Then :func:`_adaptive` checks the
result against what ``f`` does elsewhere: entries whose ladder saw ``f`` irregular before
settling have their own noise measured (:func:`checks.noise.noise_along`), and the estimate
as a whole must agree with the noise probe's slope along its random direction, else the
ladders run again at much shorter steps (a feature narrower than the steps) or the estimate is
marked inconsistent.

>>> from checks.noise import baseline
>>> x = np.array([0.3, -1.2])
>>> raw = _adaptive(np.sum, x, 1e-2 * np.ones(2), False, baseline(np.sum, x, False), True)
>>> raw.value
array([1., 1.])
"""

from __future__ import annotations

import functools

import numpy as np

from checks import scales as _scales
from checks._util import EPS
from checks.estimates import _Raw
from checks.evaluation import _evaluate, _index
from checks.ladder import _QUIET, SMOOTH, Ladder, describe_findings, ladder, reliable
from checks.noise import PROBE_SPACING, Baseline, noise_along, quantised_along, with_noise

#: Entries whose first candidate came this many irregular levels down have their own noise
#: measured.
_DESCENT_NOISE = 2


#: Steps are divided by this before the ladder runs again where the per-entry estimates and
#: the noise probe's slope disagree (a feature narrower than the steps), at most twice.
_SHORTER = 2.0**10
_RETRIES_SHORTER = 2


def _adaptive(fun, x, h, vectorized, base: Baseline, refine, unit=1.0) -> _Raw:
    """The Richardson ladder of every entry (:mod:`checks.ladder`), then two cross-checks.

    * **Noise along the entry.** An entry whose ladder passed :data:`_DESCENT_NOISE` levels
      or more that were in no regime before it took a triple flat to noise (its differences
      were irregular at the longer steps and stopped changing below them: what unseen noise,
      or quantised values, look like -- not a smooth entry descending for precision, which
      has candidates all the way down) has the noise
      of ``f`` measured along it alone, within its first step, where the levels it descended
      from saw ``f`` irregular (:func:`checks.noise.noise_along`: 9 to 33 evaluations);
      where that is more than 4 times the noise of the shared probe, every entry's ladder
      runs again with it (the noise is a property of ``f``'s values, whichever entry showed
      it). Noise depends on the direction and on the scale: a shared probe at
      ``1e-6 rms(x)`` cannot see noise along an entry that ``f`` hardly varies with, nor a
      float32 part of ``f`` that moves in quanta only every few steps, so that the shorter
      steps the ladder descends to see a smooth ``f`` without it.
    * **Round-off.** The noise of ``f`` is at least ``eps`` times the largest ``|f|`` the
      first run of the ladders saw (:attr:`checks.ladder.Ladder.reach`), in every later run
      and in the probe's slope: the probe at ``1e-6 rms(x)`` sees values too close to
      ``f(x)`` to show the size of what ``f`` is computed from.
    * **The probe's slope.** The noise probe also measured the derivative of ``f`` along its
      direction ``p`` at a spacing of ``1e-6 rms(x)`` (:attr:`Baseline.slope`). The
      per-entry estimates must agree with it: ``|<n, p> - slope| <= 10 (sum_k |p_k| e_k +
      slope_error)``. A feature narrower than an entry's steps whose central differences are
      flat and whose ``f(x)`` fits its neighbours (an odd bump ``t exp(-(t / w)^2)``) escapes
      every test of the ladder, but not this one. Where they disagree the ladder runs again
      with all steps divided by :data:`_SHORTER`, at most twice; if they still disagree the
      estimate says so (``_Raw.inconsistent``) and no entry of it can fail a check.
    """
    flat = x.ravel()

    def evaluate_on(entries_of):
        def evaluate(targets, entries):
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return _evaluate(fun, x, targets, vectorized, False, entries_of[entries],
                                 finite=False)
        return evaluate

    everyone = np.arange(flat.size)

    reach = 0.0

    def run(steps, noise, entries=everyone):
        # the round-off floor found at the longest steps holds at every shorter one
        nonlocal reach, base
        out = ladder(evaluate_on(entries), flat[entries], steps[entries], base.f0,
                     noise if np.ndim(noise) == 0 else noise[entries], refine=refine,
                     describe=lambda k: str(_index(x.shape, int(entries[k]))), reach=reach)
        reach = out.reach
        base = with_noise(base, EPS * reach)
        return out

    names = ("value", "error", "lower", "upper", "step", "kind", "left", "right", "flat",
             "irregular", "truncation")
    first_noise = base.noise
    noise = np.full(flat.size, base.noise)
    measured = np.zeros(flat.size, dtype=bool)
    steps, evals, notes, inconsistent = h, 0, [], None
    for attempt in range(_RETRIES_SHORTER + 1):
        lad = run(steps, noise)
        evals += lad.evaluations
        parts = {name: getattr(lad, name).copy() for name in names}
        if not refine:
            break
        if attempt == 0:
            _later_scales(fun, x, steps, lad, vectorized)
        deep = np.flatnonzero(~measured & (parts["kind"] == SMOOTH) & parts["flat"]
                              & (parts["irregular"] >= _DESCENT_NOISE))
        measured[deep] = True
        own = noise.copy()
        for k in deep:
            # nine points within the first step of x, both sides: where the levels the
            # entry descended from saw f irregular (a kink there makes the probe look
            # closer: checks.noise; quantised values that only move at that scale are
            # noise for every level below it)
            own[k], n_evals = noise_along(fun, x, int(k), base.f0, vectorized,
                                          reach=float(steps[k]))
            evals += n_evals
        louder = deep[own[deep] > 4.0 * noise[deep]]
        if louder.size:
            # the noise of f's values is theirs, whichever entry showed it: every entry's
            # estimate at that scale carries it
            noise[:] = float(np.max(own[louder]))
            base = with_noise(base, float(noise[0]))
            again = run(steps, noise)
            evals += again.evaluations
            parts = {name: getattr(again, name).copy() for name in names}
            measured[:] = True
            notes.append(f"f is noisier (at the scale of the steps along "
                         f"{_entries_text(x.shape, louder)}: {noise[0]:.2g}) than the shared "
                         "noise probe showed; that noise was used for every entry")
        if attempt == 0:
            quiet = noise <= _QUIET * EPS * max(abs(base.f0), reach)
            evals += _climb(run, steps, noise, parts, names, quiet)
        if base.slope is None or not np.all(reliable(parts["kind"])):
            break
        gap, bound = _probe_gap(x, parts, base)
        if gap <= _PROBE_SAFETY * bound:
            break
        if attempt == _RETRIES_SHORTER:
            inconsistent = (
                f"the per-entry estimates disagree with the derivative along a random "
                f"direction measured at spacing {PROBE_SPACING:g} rms(x) (by {gap:.3g}, "
                f"bound {bound:.3g}) even at steps {_SHORTER:g}^{_RETRIES_SHORTER} times "
                "shorter: f has a feature narrower than the steps tried; pass a shorter step="
            )
            break
        steps = steps / _SHORTER
    lad = Ladder(**parts, evaluations=evals)
    shrink = float(np.max(h / steps)) if flat.size else 1.0
    findings = tuple(notes) + (describe_findings(lad, x.shape, unit=unit)
                               if np.any(lad.kind != SMOOTH) else ())
    shape = x.shape
    louder = float(noise[0]) if flat.size and noise[0] > first_noise else None
    return _Raw(lad.value.reshape(shape), lad.error.reshape(shape), lad.lower.reshape(shape),
                lad.upper.reshape(shape), lad.kind.reshape(shape), evals, findings,
                lad.step.reshape(shape), inconsistent, louder, shrink,
                lad.left.reshape(shape), lad.right.reshape(shape))


def _later_scales(fun, x, steps, lad: Ladder, vectorized) -> None:
    """Entries that descended :data:`_DESCENT_NOISE` levels or more that were in no regime
    and then settled in it, not flat to noise: the levels above straddled a feature narrower
    than the first step (the ladder must descend: its derivative is ``f``'s) or values
    quantised between the first and the settled step (a loss summed in float16 beside a
    float64 term: the settled step lies on one flat stair, and the derivative there is the
    float64 term's alone). Which one is measured only if the check fails
    (:func:`checks.scales.later`, :func:`checks.noise.quantised_along`), the entries with the
    most irregular levels first: quantised values are then a second hypothesis, and the
    check is judged again under it."""
    found = np.flatnonzero((lad.kind == SMOOTH) & ~lad.flat & (lad.irregular >= _DESCENT_NOISE))
    for k in found[np.argsort(-lad.irregular[found], kind="stable")]:
        _scales.later(functools.partial(quantised_along, fun, x, int(k), vectorized,
                                        float(steps[k]), float(lad.step[k])))


_PROBE_SAFETY = 10.0

#: An entry climbs where its bound is mostly round-off (at least 4 times its truncation) and
#: above this fraction of the gradient's largest smooth entry ...
_CLIMB_TARGET = 1e-9
#: ... by running its ladder again from steps this many times longer, at most
#: :data:`_MAX_CLIMBS` times.
_CLIMB = 16.0
_MAX_CLIMBS = 3
# ... where the noise of ``f`` is its round-off (at most :data:`_QUIET` ulps of ``|f|``:
# :mod:`checks.ladder`, shared with the second ladder of :mod:`checks.second`)


def _climb(run, steps, noise, parts, names, quiet) -> int:
    """Climb where round-off dominates; ``parts`` updated in place, the evaluations returned.

    The first step, ``c max(|x_k|, rms(x))``, is short where every entry is small beside the
    scale on which ``f`` varies: ``cos`` at ``x ~ 1e-3`` starts at ``h ~ 1.2e-5``, where the
    round-off of ``R_2``, ``7 s / h`` with ``s >= eps |f|``, is ``1.3e-10``, a tenth of a
    percent of a micro-part of the derivative ``1e-3`` -- a gradient wrong by ``1e-6`` of
    itself passed. Truncation there is ``O(h^6)``: a step ``16`` times longer divides the
    round-off by ``16`` and leaves the truncation negligible while ``f`` stays smooth at that
    scale. So an entry that was taken from its first triple (it did not descend: the longer
    steps were not irregular), is smooth, and whose bound is mostly round-off and above
    :data:`_CLIMB_TARGET` of the gradient's scale runs its ladder again from steps
    :data:`_CLIMB` times longer (the ladder descends from there as usual, so a feature the
    longer steps straddle sends it back down). Its new estimate replaces the old only where
    it is smooth, its bound is smaller, and the two claims ``|v - f'| <= e`` intersect: both
    are claims of the ladder's, and a longer step that reads a narrow feature as flat cannot
    contradict the shorter step's value beyond both bounds and still be taken. A smooth,
    well-scaled ``f`` (``|x| ~ 1``) has round-off ``~1e-13`` of its scale and never climbs.

    Only entries whose noise is ``f``'s round-off (``quiet``: at most :data:`_QUIET` ulps of
    the largest ``|f|`` seen) climb. Round-off grows with ``|f|`` at the longer steps, and the
    ladder's floor (``eps`` times the largest ``|f|`` on its triples) follows it; a noise
    measured at ``x`` does not: a ``float32`` ``f`` is rounded to ``6e-8`` of ``|f|``
    wherever it is evaluated, and a climbed bound holding only the noise measured at ``x``
    failed an exact gradient of ``sum(x^2)`` in ``float32``.
    """
    evals = 0
    top = np.array(steps, dtype=float, copy=True)
    for _ in range(_MAX_CLIMBS):
        smooth = parts["kind"] == SMOOTH
        if not smooth.any():
            break
        scale = float(np.max(np.abs(parts["value"][smooth])))
        if not scale > 0.0:  # no derivative to be precise against (f flat to its noise)
            break
        err, trunc = parts["error"], parts["truncation"]
        with np.errstate(invalid="ignore"):
            want = (smooth & quiet & (err > _CLIMB_TARGET * scale) & (4.0 * trunc <= err - trunc)
                    & (parts["irregular"] == 0) & (parts["step"] >= 0.5 * top))
        sel = np.flatnonzero(want)
        if not sel.size:
            break
        top[sel] *= _CLIMB
        lad = run(top, noise, sel)
        evals += lad.evaluations
        agree = np.abs(lad.value - parts["value"][sel]) <= lad.error + err[sel]
        better = (lad.kind == SMOOTH) & (lad.error < err[sel]) & agree
        take = sel[better]
        for name in names:
            parts[name][take] = getattr(lad, name)[better]
        if not take.size:
            break
    return evals


def _probe_gap(x, parts, base: Baseline) -> tuple[float, float]:
    """The distance from the probe's slope to ``<n, p>`` (to the interval of
    ``sum_k p_k [lower_k, upper_k]`` where entries are kinks: the directional derivative of a
    convex kink lies in it) and its bound ``sum_k |p_k| e_k + slope_error`` plus the
    round-off of the dot product (``sqrt(n) eps sum_k |n_k p_k|``)."""
    p = base.direction.ravel()
    ends = np.stack([parts["lower"] * p, parts["upper"] * p])
    low, high = float(np.sum(ends.min(axis=0))), float(np.sum(ends.max(axis=0)))
    gap = max(low - base.slope, base.slope - high, 0.0)
    bound = (float(np.sum(np.abs(p) * parts["error"])) + base.slope_error
             + np.sqrt(x.size) * EPS * float(np.sum(np.abs(ends).max(axis=0))))
    return gap, bound


def _entries_text(shape, entries, limit=5) -> str:
    shown = ", ".join(str(_index(shape, int(k))) for k in entries[:limit])
    more = f" and {entries.size - limit} more" if entries.size > limit else ""
    return f"entr{'y' if entries.size == 1 else 'ies'} {shown}{more}"
