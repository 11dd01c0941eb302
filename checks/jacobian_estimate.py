"""The numerical Jacobian: each row an adaptive gradient estimate, all rows through one memo.

Row ``o`` of ``J`` is the gradient of the scalar ``f_o``: :func:`checks.estimate_gradient` of
``x -> f(x)[o]`` (its adaptive ladder, kinks, domain edges and noise included), through a
memo of ``f`` (:mod:`checks._memo`): the rows evaluate the same points, so the whole Jacobian
costs ``6n + 18`` evaluations of ``f`` on a smooth map, plus those of the entries that descend
to shorter steps. Along random pairs ``(u_j, v_j)`` the estimate is the derivative of the
scalar ``t -> <u_j, f(x + t v_j)>`` (:func:`checks.directional_derivatives`): ``6K + 18``
evaluations whatever the sizes.

>>> est = estimate_jacobian(np.sin, np.array([0.0, 1.0]))
>>> bool(np.allclose(est.value, np.diag(np.cos([0.0, 1.0]))))
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from checks import draws
from checks._args import generator
from checks._memo import Memo
from checks._util import NonFiniteValueError, as_float64, validate_method
from checks.differences import estimate_gradient
from checks.directional import directional_derivatives
from checks.estimates import Estimate
from checks.evaluation import _index
from checks.ladder import UNRESOLVED

__all__ = ["estimate_jacobian"]
_NOTE_LIMIT = 10  # notes of one kind kept per output before "... and N more"


def estimate_jacobian(
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    method: str = "richardson",
    step: Any = None,
    vectorized: bool = False,
) -> Estimate:
    """Numerical Jacobian of an array-valued ``f`` at ``x``, with a per-entry error estimate.

    Row ``o`` is :func:`checks.estimate_gradient` of ``f(x)[o]``; the rows share ``f``'s
    evaluations (module docstring), so the cost is about one gradient's.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape ``out`` (a scalar gives a gradient). It must be
        deterministic; it is called twice at ``x`` to make sure.
    x : array_like
        The point, converted to float64.
    method, step
        As in :func:`checks.estimate_gradient`.
    vectorized : bool, default False
        Whether ``f`` maps a stack of points ``(B, *x.shape)`` to a stack of outputs
        ``(B, *out)``: the points of each ladder level and of each noise probe then go in one
        call. The numbers are those of the unbatched ``f`` wherever the batched one computes
        each point as the unbatched one does.

    Returns
    -------
    Estimate
        ``value``, ``error``, ``lower``, ``upper`` and ``kind`` of shape ``out + x.shape``;
        ``noise``, ``f0`` and ``f_scale`` of the output with the largest relative noise.

    Examples
    --------
    >>> est = estimate_jacobian(np.sin, np.array([0.0, 1.0]))
    >>> bool(np.allclose(est.value, np.diag(np.cos([0.0, 1.0]))))
    True
    """
    validate_method(method)
    xf, note = as_float64("x", x)
    est = _jacobian_estimate(Memo(f, xf, vectorized=vectorized), xf, method, step)
    return dataclasses.replace(est, notes=(note,) + est.notes) if note else est


def _jacobian_estimate(memo: Memo, x: np.ndarray, method: str, step: Any) -> Estimate:
    """Every row of the Jacobian through the memo, stacked into ``out + in`` arrays."""
    out = memo.out_shape
    m = int(np.prod(out, dtype=int))
    rows = []
    for k in range(m):
        try:
            rows.append(estimate_gradient(memo.entry(k), x, method=method, step=step))
        except NonFiniteValueError as exc:
            raise NonFiniteValueError(f"{memo.what}, output {_index(out, k)}: {exc}") from exc
    shape = out + x.shape

    def stack(name: str) -> np.ndarray:
        if not rows:
            return np.zeros(shape)
        return np.stack([np.asarray(getattr(r, name), dtype=float) for r in rows]).reshape(shape)

    # a row whose estimate disagrees with its noise probe is unresolved as a whole
    kinds = [r.kind if not r.inconsistent else np.full_like(r.kind, UNRESOLVED)
             for r in rows]
    kind = None if not rows or any(k is None for k in kinds) else np.stack(kinds).reshape(shape)
    noisiest = max(rows, key=lambda r: r.noise / r.f_scale if r.f_scale else 0.0, default=None)
    return Estimate(
        stack("value"), stack("error"), stack("step"), method, memo.evaluations,
        _row_notes([r.notes for r in rows], out), stack("lower"), stack("upper"), kind,
        0.0 if noisiest is None else noisiest.noise,
        0.0 if noisiest is None else noisiest.f0,
        0.0 if noisiest is None else noisiest.f_scale,
    )


def _row_notes(notes: list[tuple[str, ...]], out: tuple[int, ...]) -> tuple[str, ...]:
    """The rows' notes, each once: per-entry findings prefixed with their output, capped."""
    shared: list[str] = []
    local: list[str] = []
    for k, row in enumerate(notes):
        for note in row:
            if note.startswith("f is noisy"):
                continue  # one noise note for the whole check, written with its verdict
            if "entry" in note or "direction" in note:
                local.append(f"output {_index(out, k)}: {note}")
            elif note not in shared:
                shared.append(note)
    if len(local) > _NOTE_LIMIT:
        local = local[:_NOTE_LIMIT] + [f"... and {len(local) - _NOTE_LIMIT} more such notes"]
    return tuple(shared + local)


def _draw_pairs(rng: Any, k: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]):
    gen = generator(rng)
    vs = draws.standard_normal(gen, (k,) + in_shape)
    us = draws.standard_normal(gen, (k,) + out_shape)
    return us, vs


def _pair_estimates(memo: Memo, x: np.ndarray, us: np.ndarray, vs: np.ndarray, method: str,
                    step: Any) -> Estimate:
    """``d/dt <u_j, f(x + t v_j)>`` for every pair, as one :class:`Estimate` of shape (K,)."""
    ests = []
    for j, (u, v) in enumerate(zip(us, vs, strict=True)):
        try:
            ests.append(directional_derivatives(memo.dot(u), x, v[None], method=method,
                                                step=step))
        except NonFiniteValueError as exc:
            raise NonFiniteValueError(f"<u, {memo.what}(x + t v)> of pair {j}: {exc}") from exc
    notes: list[str] = []
    for j, e in enumerate(ests):
        for note in e.notes:
            if note.startswith("f is noisy"):
                continue
            note = note.replace("direction 0", f"pair {j}")
            if note not in notes:
                notes.append(note)
    noisiest = max(ests, key=lambda e: e.noise / e.f_scale if e.f_scale else 0.0)

    def stack(name: str) -> np.ndarray:
        return np.array([float(getattr(e, name)[0]) for e in ests])

    return Estimate(stack("value"), stack("error"), stack("step"), method, memo.evaluations,
                    tuple(notes), stack("lower"), stack("upper"), None, noisiest.noise,
                    noisiest.f0, noisiest.f_scale)
