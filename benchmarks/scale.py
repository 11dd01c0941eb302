"""Serial, threads, processes, Dask: one check with an expensive ``f`` on each executor.

``python -m benchmarks.scale [--n 8 32 128] [--out FILE] [--json FILE]``: for an ``f`` that
takes about 20 ms -- a sleeping solver stand-in (``time.sleep(0.02)``, which releases the
GIL) and a CPU-bound pure-Python loop (which does not) -- and each ``n``, one full
``check_gradient`` of a right gradient serially, on a ``ThreadPoolExecutor(2)``, a
``ProcessPoolExecutor(2)`` and a 2-worker Dask ``LocalCluster`` (when ``distributed`` is
installed): wall time, speed-up over serial beside the ideal (2 workers: 2x), and whether
the verdict, the numbers, the error bars and the evaluation count are *identical* to the
serial run's (asserted: the command fails if not).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np

from benchmarks.output import command, run_and_emit
from checks import check_gradient

WORKERS = 2
#: CPU time each call of :func:`cpu_bound` spends (seconds of its own thread's CPU time).
CPU_SECONDS = 0.02


def sleeping(x: np.ndarray) -> float:
    """``sum(sin(x)) + |x|^2 / 2`` after 20 ms of waiting (a solver in another process)."""
    time.sleep(0.02)
    return float(np.sum(np.sin(x)) + 0.5 * x @ x)


def sleeping_grad(x: np.ndarray) -> np.ndarray:
    return np.cos(x) + x


def cpu_bound(x: np.ndarray) -> float:
    """The same value after 20 ms of pure-Python arithmetic (holds the GIL).

    The loop runs until its own thread has used :data:`CPU_SECONDS` of CPU time
    (``time.thread_time``), not for a fixed count of iterations: a count calibrated once
    measured 2-4 ms per call on this machine, and any count depends on the machine and its
    load. CPU time, unlike wall time, does not advance while the thread waits for the GIL or
    for a core, so every call costs the same 20 ms of work on any executor.
    """
    start = time.thread_time()
    acc, i = 0.0, 0
    while time.thread_time() - start < CPU_SECONDS:
        for _ in range(200):
            acc += (i % 7) * 1e-300
            i += 1
    return float(np.sum(np.sin(x)) + 0.5 * x @ x) + acc * 0.0


FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], float], Callable[..., Any]]] = {
    "sleep 20 ms": (sleeping, sleeping_grad),
    "CPU-bound": (cpu_bound, sleeping_grad),
}


@contextlib.contextmanager
def _executors(dask: bool):
    with ThreadPoolExecutor(WORKERS) as threads, ProcessPoolExecutor(WORKERS) as procs:
        pools: dict[str, Any] = {"threads": threads, "processes": procs}
        if not dask:
            yield pools
            return
        import distributed

        with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1,
                                      processes=True, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            pools["dask"] = client.get_executor()
            yield pools


def _identical(a, b) -> bool:
    return (a.verdict == b.verdict and a.evaluations == b.evaluations
            and np.array_equal(a.numerical, b.numerical) and np.array_equal(a.error, b.error))


def run(ns: list[int], dask: bool | None = None) -> dict[str, Any]:
    """One row per ``f`` and ``n``; ``dask=None``: a Dask cluster where ``distributed`` is
    installed."""
    if dask is None:
        try:
            import distributed  # noqa: F401
            dask = True
        except ImportError:
            dask = False
    rows = []
    with _executors(dask) as pools:
        for pool in pools.values():  # warm the workers up: start-up is not the check's cost
            check_gradient(sleeping, sleeping_grad, (np.ones(2),), executor=pool)
        for label, (f, g) in FUNCTIONS.items():
            t = time.perf_counter()
            f(np.ones(2))
            per_call = time.perf_counter() - t
            for n in ns:
                x = np.linspace(-1.0, 1.0, n)
                t = time.perf_counter()
                serial = check_gradient(f, g, (x,))
                row = {"f": label, "n": n, "per_call": per_call, "evaluations": serial.evaluations,
                       "verdict": serial.verdict, "serial": time.perf_counter() - t}
                for name, pool in pools.items():
                    t = time.perf_counter()
                    r = check_gradient(f, g, (x,), executor=pool)
                    row[name] = time.perf_counter() - t
                    row[f"{name}_identical"] = _identical(serial, r)
                rows.append(row)
    return {"rows": rows, "backends": list(pools), "workers": WORKERS}


def render(res: dict[str, Any]) -> str:
    backends = res["backends"]
    lines = [
        "| f | n | evaluations | serial (s) | " + " | ".join(
            f"{b} (s) / speed-up" for b in backends) + " | identical to serial |",
        "|---|---|---|---|" + "---|" * len(backends) + "---|",
    ]
    for r in res["rows"]:
        cells = [f"{r[b]:.2f} / {r['serial'] / r[b]:.2f}x" for b in backends]
        same = all(r[f"{b}_identical"] for b in backends)
        lines.append(f"| {r['f']} ({1e3 * r['per_call']:.0f} ms) | {r['n']} | "
                     f"{r['evaluations']} | {r['serial']:.2f} | {' | '.join(cells)} | "
                     f"{'yes' if same else '**NO**'} ({r['verdict']}) |")
    lines.append("")
    lines.append(f"Ideal speed-up with {res['workers']} workers: {res['workers']:.1f}x. "
                 "Identical: same verdict, evaluation count, numerical gradient and error "
                 "bars, bit for bit.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = command("benchmarks.scale", __doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[8, 32, 128],
                        help="sizes of x (default 8 32 128)")
    opts = parser.parse_args(argv)
    res = run_and_emit(opts, lambda: run(opts.n), render)
    ok = all(r[f"{b}_identical"] for r in res["rows"] for b in res["backends"])
    return 0 if ok and not math.isnan(res["elapsed"]) else 1


if __name__ == "__main__":
    sys.exit(main())
