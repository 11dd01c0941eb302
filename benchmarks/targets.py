"""The speed targets of issues 2 and 6, and the scaling series of the directional mode.

* **T1**: the default full numerical gradient (``checks.numerical_gradient(f, X)``) of
  ``tr(X^3)`` at ``D = 48`` (2,304 variables) against ``numdifftools.Gradient(f)`` at its
  defaults, measured side by side in one process, in alternating rounds. Target: a
  norm-relative error ``<= 1e-12`` in ``<= 1/10`` of numdifftools' time.
* **T2**: the directional check (``check_gradient(..., mode="directional")``) of
  ``tr(X^2)`` at ``D = 256`` (65,536 variables). Target: ``<= 20 ms``, a cost independent of
  the number of variables.
* The scaling series of the directional check on ``tr(X^2)`` up to ``D = 1024``
  (``n = D^2`` up to 1,048,576 variables), for two implementations of the same function: the
  catalog's ``trace_power(X, 2)`` (a matrix product, ``O(D^3)`` per evaluation) and
  ``sum(X * X^T)`` (``O(D^2)``), so that the engine's own cost can be told from ``f``'s.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from benchmarks.measure import time_call
from benchmarks.problems import build_problem
from checks import check_gradient, numerical_gradient
from gradients.trace import trace_power_grad

__all__ = ["DirectionalPoint", "SpeedTarget", "directional_series", "target_t1", "target_t2"]

T1_SIZE = 48
T2_SIZE = 256
T2_LIMIT = 0.020
SERIES = (16, 32, 64, 128, 256, 512, 1024)


@dataclass
class SpeedTarget:
    """T1: ours against numdifftools (times in seconds)."""

    D: int
    n: int
    ours_time: float
    ours_spread: tuple[float, float]
    ours_error: float
    ours_max_error: float
    ours_evaluations: int
    ndt_time: float | None
    ndt_spread: tuple[float, float] | None
    ndt_error: float | None
    ndt_max_error: float | None
    ndt_evaluations: int | None
    rounds: int
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.ndt_time is None else self.ndt_time / self.ours_time

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        return out


def _norm_rel(num, exact) -> float:
    return float(np.linalg.norm(num - exact) / np.linalg.norm(exact))


def _max_rel(num, exact) -> float:
    return float(np.max(np.abs(num - exact)) / np.max(np.abs(exact)))


def target_t1(*, rounds: int = 3, D: int = T1_SIZE) -> SpeedTarget:
    """T1, in ``rounds`` alternating rounds (ours, then numdifftools)."""
    p = build_problem("1b", D)
    flat = p.x.ravel()

    def f_flat(v):
        return p.f(v.reshape(p.x.shape))

    p.reset()
    ours = numerical_gradient(p.f, p.x)  # also the warm-up
    ours_evals = p.calls
    try:
        import numdifftools as nd
    except ImportError:
        nd = None
    ndt = ndt_evals = None
    if nd is not None:
        p.reset()
        ndt = np.asarray(nd.Gradient(f_flat)(flat)).reshape(p.x.shape)
        ndt_evals = p.calls
    t_ours, t_ndt = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        numerical_gradient(p.f, p.x)
        t_ours.append(time.perf_counter() - t0)
        if nd is not None:
            t0 = time.perf_counter()
            nd.Gradient(f_flat)(flat)
            t_ndt.append(time.perf_counter() - t0)
    return SpeedTarget(
        D=D, n=p.n,
        ours_time=float(np.median(t_ours)), ours_spread=(min(t_ours), max(t_ours)),
        ours_error=_norm_rel(ours, p.exact), ours_max_error=_max_rel(ours, p.exact),
        ours_evaluations=ours_evals,
        ndt_time=float(np.median(t_ndt)) if t_ndt else None,
        ndt_spread=(min(t_ndt), max(t_ndt)) if t_ndt else None,
        ndt_error=None if ndt is None else _norm_rel(ndt, p.exact),
        ndt_max_error=None if ndt is None else _max_rel(ndt, p.exact),
        ndt_evaluations=ndt_evals, rounds=rounds,
        note="" if nd is not None else "numdifftools is not installed: no comparison",
    )


@dataclass
class DirectionalPoint:
    """One size of the directional series, for one implementation of ``tr(X^2)``."""

    implementation: str
    D: int
    n: int
    time_median: float
    time_low: float
    time_high: float
    repeats: int
    evaluations: int
    eval_time: float
    ok: bool

    @property
    def overhead(self) -> float:
        """Time not spent inside ``f``: ``time - evaluations * eval_time``."""
        return self.time_median - self.evaluations * self.eval_time

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["overhead"] = self.overhead
        return out


def _implementations():
    from gradients.trace import trace_power

    return {
        "trace_power(X, 2)": lambda X: trace_power(X, 2),
        "sum(X * X.T)": lambda X: float(np.sum(X * X.T)),
    }


def _eval_time(f, X) -> float:
    """Median time of one evaluation of ``f`` at ``X`` (at least 0.2 s of calls)."""
    f(X)
    t0 = time.perf_counter()
    f(X)
    one = time.perf_counter() - t0
    number = max(1, min(200, math.ceil(0.05 / max(one, 1e-7))))
    samples = []
    for _ in range(4):
        t0 = time.perf_counter()
        for _ in range(number):
            f(X)
        samples.append((time.perf_counter() - t0) / number)
    return float(np.median(samples))


def directional_point(name: str, D: int, *, quick: bool = False) -> DirectionalPoint:
    """The default directional check of ``tr(X^2)`` (implementation ``name``) at size ``D``."""
    f = _implementations()[name]
    X = np.random.default_rng([7, D]).standard_normal((D, D))
    calls = [0]

    def counted(Z):
        calls[0] += 1
        return f(Z)

    def grad(Z):
        return trace_power_grad(Z, 2)

    result, timing = time_call(
        lambda: check_gradient(counted, grad, (X,), mode="directional"), quick=quick
    )
    calls[0] = 0
    check_gradient(counted, grad, (X,), mode="directional")
    evaluations = calls[0]
    return DirectionalPoint(
        name, D, D * D, timing.median, timing.low, timing.high, timing.repeats, evaluations,
        _eval_time(f, X), bool(result.ok),
    )


def target_t2(*, quick: bool = False, D: int = T2_SIZE) -> list[DirectionalPoint]:
    """T2 for both implementations of ``tr(X^2)``."""
    return [directional_point(name, D, quick=quick) for name in _implementations()]


def directional_series(*, sizes=SERIES, quick: bool = False) -> list[DirectionalPoint]:
    """The directional check at every size of ``sizes``, both implementations."""
    return [directional_point(name, D, quick=quick) for D in sizes for name in _implementations()]
