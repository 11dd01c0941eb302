"""The engine's own work in a directional check and in a Jacobian check:
``python -m benchmarks.overhead``.

Issue 21: a directional check of ``f = tr(X^2)`` (with its gradient ``2 X^T``) at
``n = 2^10 ... 2^20`` entries costs a fixed number of evaluations of ``f``; what the engine
adds beyond them -- forming the trial points, the dot products, the report -- should be a
few milliseconds (target: at most 3 ms at ``n = 65,536`` and 40 ms at ``n = 2^20``).
``f`` and ``grad`` are wrapped with a timer, so the overhead is measured beside the cost of
``f`` in the same run: ``overhead = total - time in f - time in grad``, the minimum over
``--repeats`` runs (the machine's load makes single timings noisy).

The second table times ``check_jacobian`` of a 25-output map (the squared-exponential kernel
matrix of five inputs), unbatched and with ``vectorized=True``: total, time in ``f``, the
engine's own work, evaluations and calls of ``f``, verdict.

Usage::

    python -m benchmarks.overhead                    # the markdown table, to stdout
    python -m benchmarks.overhead --out overhead.md --json overhead.json
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.output import command, run_and_emit, table

#: Issue 21's targets: overhead in seconds at these sizes.
TARGETS = {2**16: 3e-3, 2**20: 40e-3}


class _Timed:
    """``fun`` with the time spent in it added up (``seconds``) and its calls counted."""

    def __init__(self, fun):
        self.fun, self.seconds, self.calls = fun, 0.0, 0

    def __call__(self, *args):
        t0 = time.perf_counter()
        try:
            return self.fun(*args)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1


def trace_square(X: np.ndarray) -> float:
    """``tr(X^2) = sum_ij X_ij X_ji``."""
    return float(np.sum(X * X.T))


def trace_square_grad(X: np.ndarray) -> np.ndarray:
    """``d tr(X^2) / dX = 2 X^T``."""
    return 2.0 * X.T


def measure(n: int, repeats: int) -> dict[str, Any]:
    """Total, ``f`` and ``grad`` time of a directional check at ``n`` entries (a square
    ``N(0, 1)`` matrix of side ``sqrt(n)``), the run with the least overhead of ``repeats``."""
    from checks import check_gradient

    d = int(round(np.sqrt(n)))
    if d * d != n:
        raise ValueError(f"n = {n} is not a perfect square")
    X = np.random.default_rng(0).standard_normal((d, d))
    best: dict[str, Any] | None = None
    for _ in range(repeats):
        f, g = _Timed(trace_square), _Timed(trace_square_grad)
        t0 = time.perf_counter()
        r = check_gradient(f, g, (X,), mode="directional")
        total = time.perf_counter() - t0
        row = {"n": n, "total": total, "f": f.seconds, "grad": g.seconds,
               "overhead": total - f.seconds - g.seconds, "evaluations": f.calls,
               "verdict": r.verdict}
        if best is None or row["overhead"] < best["overhead"]:
            best = row
    assert best is not None
    return best


def gp_kernel(x: np.ndarray) -> np.ndarray:
    """The squared-exponential kernel matrix of the entries of ``x``, flattened."""
    d = x[:, None] - x[None, :]
    return np.exp(-0.5 * d * d).ravel()


def gp_kernel_batch(X: np.ndarray) -> np.ndarray:
    """:func:`gp_kernel` of each row of ``X``."""
    d = X[:, :, None] - X[:, None, :]
    return np.exp(-0.5 * d * d).reshape(len(X), -1)


def gp_kernel_jac(x: np.ndarray) -> np.ndarray:
    """``dK_ij / dx_l = -d_ij K_ij (delta_il - delta_jl)``."""
    n = x.size
    d = x[:, None] - x[None, :]
    dk = -d * np.exp(-0.5 * d * d)
    eye = np.eye(n)
    return (dk[:, :, None] * (eye[:, None, :] - eye[None, :, :])).reshape(n * n, n)


def measure_jacobian(repeats: int, vectorized: bool) -> dict[str, Any]:
    """``check_jacobian`` of the 25-output kernel map, the run with the least overhead."""
    from checks import check_jacobian

    x = np.array([0.3, -1.1, 0.8, 2.0, -0.4])
    best: dict[str, Any] | None = None
    for _ in range(repeats):
        f, jac = _Timed(gp_kernel_batch if vectorized else gp_kernel), _Timed(gp_kernel_jac)
        t0 = time.perf_counter()
        # (vectorized= only where asked: the same command times a checkout without it)
        r = check_jacobian(f, jac, (x,), **({"vectorized": True} if vectorized else {}))
        total = time.perf_counter() - t0
        row = {"vectorized": vectorized, "total": total, "f": f.seconds + jac.seconds,
               "overhead": total - f.seconds - jac.seconds, "evaluations": r.evaluations,
               "calls": f.calls, "verdict": r.verdict}
        if best is None or row["overhead"] < best["overhead"]:
            best = row
    assert best is not None
    return best


def run(powers: list[int], repeats: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    rows = [measure(2**p, repeats) for p in powers]
    jacobian = [measure_jacobian(repeats, False)]
    try:
        jacobian.append(measure_jacobian(repeats, True))
    except TypeError:  # a checkout whose check_jacobian has no vectorized=
        pass
    return {"repeats": repeats, "rows": rows, "jacobian": jacobian,
            "elapsed": time.perf_counter() - t0}


def render(res: dict[str, Any]) -> str:
    rows = []
    for r in res["rows"]:
        target = TARGETS.get(r["n"])
        rows.append([f"{r['n']:,}", r["evaluations"], f"{1e3 * r['total']:.2f}",
                     f"{1e3 * r['f']:.2f}", f"{1e3 * r['grad']:.2f}",
                     f"{1e3 * r['overhead']:.2f}",
                     "" if target is None else f"{1e3 * target:.0f}", r["verdict"]])
    lines = table(["n", "evaluations of f", "total (ms)", "in f (ms)", "in grad (ms)",
                   "overhead (ms)", "target (ms)", "verdict"], rows)
    lines.append("")
    lines.append(f"Directional check of tr(X^2) (`mode=\"directional\"`); overhead = total - "
                 f"time in f - time in grad, the run with the least overhead of "
                 f"{res['repeats']}.")
    lines.append("")
    rows = [["vectorized" if r["vectorized"] else "one point per call", r["evaluations"],
             r["calls"], f"{1e3 * r['total']:.2f}", f"{1e3 * r['f']:.2f}",
             f"{1e3 * r['overhead']:.2f}", r["verdict"]] for r in res.get("jacobian", [])]
    lines += table(["check_jacobian, 25 outputs", "evaluations", "calls of f", "total (ms)",
                    "in f and jac (ms)", "overhead (ms)", "verdict"], rows)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = command("benchmarks.overhead", __doc__)
    parser.add_argument("--min-power", type=int, default=10, help="even")
    parser.add_argument("--max-power", type=int, default=20, help="even")
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args(argv)
    powers = list(range(opts.min_power, opts.max_power + 1, 2))
    run_and_emit(opts, lambda: run(powers, opts.repeats), render)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
