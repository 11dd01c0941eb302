"""Measuring one checker on one problem: time, evaluations, accuracy, verdicts.

An adapter (see :mod:`benchmarks.ours`, :mod:`benchmarks.peers`) is a :class:`Tool`: its
``check(problem, grad)`` makes *the tool's own gradient check* of ``problem`` with the
gradient function ``grad`` (exact or planted-wrong) and returns an :class:`Outcome`. That call
is what is timed. The numerical values behind it (a full gradient, or derivatives along the
tool's directions) give the accuracy figures; when the check call does not expose them, the
adapter's ``numerical(problem)`` recomputes them untimed with the tool's own defaults.

Accuracy, one definition for every tool:

* ``accuracy = max|num - exact| / max|exact|`` over the entries (full-gradient tools) or over
  the directions (directional tools: ``num`` the finite-difference derivative along ``v``,
  ``exact`` the exact ``<g, v>``);
* ``worst_entry = max_k |num_k - exact_k| / |exact_k|`` (full-gradient tools; an entry with
  ``exact_k = 0`` counts as ``inf`` unless ``num_k`` is 0 too).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from benchmarks.problems import Problem

__all__ = [
    "Measurement",
    "Outcome",
    "Sensitivity",
    "Timing",
    "Tool",
    "accuracy",
    "measure",
    "probe_sensitivity",
    "time_call",
    "worst_entry",
]

WRONG_REL = 1e-6  # the planted relative error of the sensitivity probe
SMALL_SCALE = 1e-6  # the input scale at which the 2X-for-2X^T probe is repeated


@dataclass
class Outcome:
    """What one check returned.

    ``ok`` is the tool's default verdict (``None``: the tool gives none). ``numerical`` and
    ``reference`` are the values the tool compared (``None`` when not exposed), ``detail`` a
    short remark (e.g. the observed order of the Taylor test).
    """

    ok: bool | None
    numerical: np.ndarray | None = None
    reference: np.ndarray | None = None
    detail: str = ""


class Tool:
    """Base class of the adapters.

    Attributes
    ----------
    name : str
        Row label in the tables.
    family : str
        ``"ours"`` or the peer's package name.
    scope : str
        ``"full"`` (every entry), ``"directional"`` or ``"taylor"``.
    has_verdict : bool
        Whether the tool's default call says pass/fail.
    scheme : str
        Its numerical scheme, in a few words.
    """

    name = "tool"
    family = "ours"
    scope = "full"
    has_verdict = True
    scheme = ""

    def check(self, problem: Problem, grad: Callable[[np.ndarray], np.ndarray]) -> Outcome:
        raise NotImplementedError

    def numerical(self, problem: Problem) -> tuple[np.ndarray, np.ndarray] | None:
        """Untimed ``(numerical, reference)`` when :meth:`check` does not expose them."""
        return None


@dataclass
class Timing:
    median: float
    low: float
    high: float
    repeats: int


@dataclass
class Measurement:
    """One tool on one problem at one size (all times in seconds)."""

    tool: str
    family: str
    scope: str
    problem: str
    D: int
    n: int
    accuracy: float | None
    worst_entry: float | None
    time_median: float | None
    time_low: float | None
    time_high: float | None
    repeats: int
    evaluations: int | None
    ok_exact: bool | None
    rejects_wrong: bool | None
    detail: str = ""
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Sensitivity:
    """The ``2X`` for ``2X^T`` probe on ``tr(X^2)`` at input scale ``s``."""

    tool: str
    D: int
    scale: float
    ok_exact: bool | None
    rejects_2x: bool | None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def time_call(
    fn: Callable[[], Any], *, quick: bool = False, budget: float = 2.0, first: float | None = None
):
    """Run ``fn`` repeatedly; return ``(last result, Timing)``.

    The first call is a warm-up (caches, jit) and is not counted unless it took more than a
    second; then calls are repeated until about ``budget`` seconds are spent, between 3 and 7
    samples (1 sample with ``quick``; calls over 1 s: 3 samples including the first; over
    5 s: 2).
    ``first``: the duration of a warm-up call the caller already made (then none is made
    here, and the result is that of the last timed call).
    """
    gc.collect()
    result = None
    if first is None:
        t0 = time.perf_counter()
        result = fn()
        first = time.perf_counter() - t0
    samples = []
    if first > 1.0:
        samples.append(first)
        wanted = 1 if quick else (2 if first > 5.0 else 3)
    else:
        wanted = 1 if quick else min(7, max(3, int(budget / max(first, 1e-6))))
    while len(samples) < wanted:
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    arr = np.array(samples)
    return result, Timing(float(np.median(arr)), float(arr.min()), float(arr.max()), arr.size)


def accuracy(numerical: np.ndarray, exact: np.ndarray) -> float:
    """``max|numerical - exact| / max|exact|`` (0 if both are 0, ``inf`` if only ``exact`` is)."""
    diff = float(np.max(np.abs(np.asarray(numerical) - np.asarray(exact)), initial=0.0))
    scale = float(np.max(np.abs(exact), initial=0.0))
    if scale == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / scale


def worst_entry(numerical: np.ndarray, exact: np.ndarray) -> float:
    """``max_k |numerical_k - exact_k| / |exact_k|`` (``inf`` for a wrong exact zero)."""
    num, ex = np.ravel(numerical), np.ravel(exact)
    diff = np.abs(num - ex)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ex != 0, diff / np.abs(ex), np.where(diff == 0, 0.0, np.inf))
    return float(rel.max(initial=0.0))


def _wrong(problem: Problem) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: problem.grad(x) * (1.0 + WRONG_REL)


def measure(tool: Tool, problem: Problem, *, quick: bool = False) -> Measurement:
    """Time ``tool`` on ``problem`` with the exact gradient; probe it with a 1e-6 error."""
    base = dict(tool=tool.name, family=tool.family, scope=tool.scope, problem=problem.id,
                D=problem.D, n=problem.n)
    try:
        problem.reset()
        t0 = time.perf_counter()
        first = tool.check(problem, problem.grad)
        elapsed = time.perf_counter() - t0
        evaluations = problem.calls
        outcome, timing = time_call(
            lambda: tool.check(problem, problem.grad), quick=quick, first=elapsed
        )
        if outcome is None:  # the warm-up was the only (slow) sample
            outcome = first
        oks = {first.ok, outcome.ok}
        ok_exact = None if None in oks else all(oks)
        pair = (outcome.numerical, outcome.reference)
        if outcome.numerical is None:
            pair = tool.numerical(problem)
        acc = worst = None
        if pair is not None:
            acc = accuracy(*pair)
            worst = worst_entry(*pair) if tool.scope == "full" else None
        rejects = None
        if tool.has_verdict:
            rejects = not tool.check(problem, _wrong(problem)).ok
        return Measurement(
            **base, accuracy=acc, worst_entry=worst, time_median=timing.median,
            time_low=timing.low, time_high=timing.high, repeats=timing.repeats,
            evaluations=evaluations, ok_exact=ok_exact, rejects_wrong=rejects,
            detail=outcome.detail,
        )
    except Exception as exc:  # noqa: BLE001 - a benchmark row reports the failure and goes on
        return Measurement(
            **base, accuracy=None, worst_entry=None, time_median=None, time_low=None,
            time_high=None, repeats=0, evaluations=None, ok_exact=None, rejects_wrong=None,
            error=f"{type(exc).__name__}: {exc}".splitlines()[0][:160],
        )


def probe_sensitivity(tool: Tool, problem: Problem, scale: float) -> Sensitivity:
    """On ``tr(X^2)`` (problem 1a) at ``scale * X``: is the exact ``2X^T`` accepted and
    ``2X`` rejected by the tool's default verdict?"""
    if problem.id != "1a":
        raise ValueError(f"the 2X probe needs problem 1a, got {problem.id}")
    p = problem.scaled(scale)
    if not tool.has_verdict:
        return Sensitivity(tool.name, p.D, scale, None, None)
    try:
        ok = tool.check(p, p.grad).ok
        rejects = not tool.check(p, lambda X: 2.0 * X).ok
        return Sensitivity(tool.name, p.D, scale, ok, rejects)
    except Exception as exc:  # noqa: BLE001
        return Sensitivity(tool.name, p.D, scale, None, None, f"{type(exc).__name__}: {exc}")
