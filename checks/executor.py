r"""``f`` evaluated on an executor: the points of one batch sent out in chunks, nothing else.

A check passed ``executor=`` (any object with the :class:`concurrent.futures.Executor`
interface: a ``ThreadPoolExecutor``, a ``ProcessPoolExecutor``, a Dask cluster's
``distributed.Client(cluster).get_executor()``) evaluates every batch of the engine -- the
points of one ladder level (:func:`checks.evaluation._evaluate`), of one noise probe
(:func:`checks.probe._probe_values`), of one direction's level -- on it. The batch is split
into ``ceil(points / (4 * workers))`` points per task, ``f`` sent once per task; the results
come back in the order of the points. The engine decides *which* points to evaluate exactly
as it does serially, so the estimate, its error bar, the evaluation count and the verdict are
the serial ones, bit for bit: only *where* ``f`` runs changes.

Exceptions keep their serial meaning: a task evaluates its points through
:func:`checks._util.call_scalar` (a domain error at a trial point becomes ``nan`` there, as
serially) and returns a marker, not the exception, for a point where something else was
raised; the engine then evaluates that point again itself, in order, and the exception is
raised where the serial loop would raise it, with its own traceback and cause (``f`` is
deterministic: :func:`checks.noise.baseline` checks it). The executor is the caller's: it is
never shut down here.

The executor reaches the evaluation loops through a context variable set by the public
functions (:func:`using`), not through every private signature between them.

>>> from concurrent.futures import ThreadPoolExecutor
>>> from checks.evaluation import _evaluate
>>> with ThreadPoolExecutor(2) as pool, using(pool):
...     values = _evaluate(lambda z: float(z @ z), np.array([1.0, 2.0]),
...                        np.array([[1.5, 2.5]]), False, False)
>>> values
array([[6.25, 7.25]])
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from checks._util import call_scalar

__all__ = ["current", "map_entries", "map_points", "map_raw", "require_sendable",
           "runs_on_executor", "using", "validate_executor"]

_CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar("checks_executor", default=None)

#: tasks per worker in one batch: small enough that the per-task cost (sending ``f`` and
#: ``x``) stays small, large enough that a slow point does not leave the other workers idle
_TASKS_PER_WORKER = 4


class _Raised:
    """A point where ``f`` raised what :func:`call_scalar` lets through: evaluated again by
    the engine, where the serial loop would have raised it."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "RAISED"


RAISED = _Raised()


def current() -> Any:
    """The executor of the running check, or ``None`` (the serial loop)."""
    return _CURRENT.get()


def validate_executor(executor: Any) -> Any:
    """``executor`` itself when it has the ``Executor`` interface (``submit``, ``map``), else
    ``TypeError`` naming it; ``None`` passes (the serial loop)."""
    if executor is None:
        return None
    missing = [name for name in ("submit", "map") if not callable(getattr(executor, name, None))]
    if missing:
        raise TypeError(
            "executor must have the concurrent.futures.Executor interface (submit, map), "
            f"e.g. a ThreadPoolExecutor; got {type(executor).__name__} without "
            f"{', '.join(missing)}"
        )
    return executor


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _is_process(executor: Any) -> bool:
    from concurrent.futures import ProcessPoolExecutor

    return isinstance(executor, ProcessPoolExecutor)


def require_sendable(f: Callable[..., Any], executor: Any, name: str = "f") -> None:
    """``TypeError`` naming ``f`` when an executor in other processes cannot receive it.

    A ``ProcessPoolExecutor`` sends ``f`` with :mod:`pickle` (a lambda or a nested function
    cannot go); a Dask executor with ``cloudpickle`` (lambdas can, open files and locks
    cannot). Threads share ``f``: anything goes.
    """
    if executor is None or not (_is_process(executor) or _is_dask(executor)):
        return
    if _is_dask(executor):
        import cloudpickle

        dumps, how = cloudpickle.dumps, "cloudpickle (Dask)"
    else:
        dumps, how = pickle.dumps, "pickle (ProcessPoolExecutor)"
    try:
        dumps(f)
    except Exception as exc:  # noqa: BLE001 - pickling raises many types
        raise TypeError(
            f"{name} cannot be sent to the workers of a {type(executor).__name__}: {how} "
            f"failed ({type(exc).__name__}: {exc}); define {name} as a module-level function "
            "(not a lambda or a nested function), or use a ThreadPoolExecutor"
        ) from exc


@contextlib.contextmanager
def using(executor: Any, f: Callable[..., Any] | None = None) -> Iterator[Any]:
    """Run the engine's batches on ``executor`` inside the block (``None``: leave whatever
    executor is already active, so a check that runs another passes its own on).

    ``f`` is checked to be sendable to the executor's workers (:func:`require_sendable`).
    """
    validate_executor(executor)
    if executor is None:
        yield current()
        return
    if f is not None:
        require_sendable(f, executor)
    token = _CURRENT.set(executor)
    try:
        yield executor
    finally:
        _CURRENT.reset(token)


def runs_on_executor(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a public function whose first argument is ``f`` and which takes ``executor=``
    (and maybe ``vectorized=``): the call runs :func:`using` that executor. The function's own
    body ignores ``executor``; its signature and docstring document it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        executor = kwargs.get("executor")
        if executor is None:
            return fn(*args, **kwargs)
        if kwargs.get("vectorized"):
            raise ValueError(
                "executor= and vectorized=True exclude each other: a vectorized f gets each "
                "batch in one call (run it on a GPU or over threads inside f), an executor "
                "spreads scalar calls of f over workers; got both"
            )
        f = args[0] if args else kwargs.get("f")
        with using(executor, f):
            return fn(*args, **kwargs)

    return wrapper


def _workers(executor: Any) -> int:
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


def _chunks(n: int, executor: Any) -> list[slice]:
    size = max(1, math.ceil(n / (_TASKS_PER_WORKER * _workers(executor))))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _entry_task(fun, x, entries, targets, complex_ok, finite) -> list[Any]:
    """``f`` at ``x`` with ``x.flat[entries[i]] = targets[i]``, one point after the other."""
    flat = x.ravel()
    buf = flat.astype(targets.dtype, copy=True)
    out: list[Any] = []
    for e, t in zip(entries, targets, strict=True):
        buf[e] = t
        try:
            out.append(call_scalar(fun, buf.reshape(x.shape).copy(), "", complex_ok, finite))
        except Exception:  # noqa: BLE001 - the engine raises it again, in order
            out.append(RAISED)
        buf[e] = flat[e]
    return out


def _point_task(fun, points, where, complex_ok, finite) -> list[Any]:
    out: list[Any] = []
    for pt in points:
        try:
            out.append(call_scalar(fun, pt, where, complex_ok, finite))
        except Exception:  # noqa: BLE001 - the engine raises it again, in order
            out.append(RAISED)
    return out


def _raw_task(fun, points) -> list[Any]:
    out: list[Any] = []
    for pt in points:
        try:
            out.append(np.asarray(fun(pt.copy())))
        except Exception:  # noqa: BLE001 - the engine raises it again, in order
            out.append(RAISED)
    return out


def map_raw(fun: Callable[[np.ndarray], Any], points: np.ndarray) -> list[Any]:
    """``fun`` at every point (a stack along axis 0) on the current executor, its outputs as
    they are (a memo checks them); :data:`RAISED` where it raised."""
    executor = current()
    return _gather(executor, [(fun, points[s]) for s in _chunks(len(points), executor)],
                   _raw_task)


def _gather(executor: Any, submit_args: list[tuple[Any, ...]], task) -> list[Any]:
    futures = [executor.submit(task, *a) for a in submit_args]
    out: list[Any] = []
    for fut in futures:
        out.extend(fut.result())
    return out


def map_entries(fun: Callable[[np.ndarray], Any], x: np.ndarray, entries: np.ndarray,
                targets: np.ndarray, complex_ok: bool, finite: bool) -> list[Any]:
    """``call_scalar`` of ``fun`` at ``x`` with entry ``entries[i]`` set to ``targets[i]``, for
    every ``i``, on the current executor; :data:`RAISED` where it raised."""
    executor = current()
    parts = _chunks(len(entries), executor)
    return _gather(executor, [(fun, x, entries[s], targets[s], complex_ok, finite)
                              for s in parts], _entry_task)


def map_points(fun: Callable[[np.ndarray], Any], points: np.ndarray, where: str,
               complex_ok: bool, finite: bool) -> list[Any]:
    """``call_scalar`` of ``fun`` at every point (a stack along axis 0) on the current
    executor; :data:`RAISED` where it raised."""
    executor = current()
    parts = _chunks(len(points), executor)
    return _gather(executor, [(fun, points[s], where, complex_ok, finite) for s in parts],
                   _point_task)
