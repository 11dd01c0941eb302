"""T1 of issue 21 for each method: the full numerical gradient of ``tr(X^3)``, ``D = 48``.

``OPENBLAS_NUM_THREADS=1 python -m benchmarks.t1_methods``: for ``method="auto"``,
``"richardson"`` and ``"complex"`` (and numdifftools' ``Gradient`` where installed) the method
actually used, the evaluations, the largest error against the exact ``3 (X^2)^T`` relative to
its largest entry, the largest error bar on the same scale, the best of three times, and that
time as a multiple of numdifftools' (issue 21's goal for ``auto``: 0.1x).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.output import command, run_and_emit, table
from checks import estimate_gradient

D = 48
METHODS = ("auto", "richardson", "complex")


def _best(call, rounds: int) -> tuple[Any, float]:
    times, out = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return out, min(times)


def run(rounds: int = 3) -> dict[str, Any]:
    """One row per method (and numdifftools'), with ``time`` the best of ``rounds``."""
    X = np.random.default_rng(0).standard_normal((D, D))

    def f(w: np.ndarray) -> float:
        return np.trace(w @ w @ w)

    exact = 3 * (X @ X).T
    scale = float(np.max(np.abs(exact)))
    rows: list[dict[str, Any]] = []
    for method in METHODS:
        est, best = _best(lambda m=method: estimate_gradient(f, X, method=m), rounds)
        rows.append({"method": method, "used": est.method, "evaluations": est.evaluations,
                     "error": float(np.max(np.abs(est.value - exact))) / scale,
                     "bar": float(np.max(est.error)) / scale, "time": best})
    try:
        import numdifftools as nd
    except ImportError:
        return {"D": D, "rounds": rounds, "rows": rows, "numdifftools": None}
    g, best = _best(lambda: nd.Gradient(lambda v: f(v.reshape(D, D)))(X.ravel()), rounds)
    ndt = {"error": float(np.max(np.abs(g.reshape(D, D) - exact))) / scale, "time": best}
    return {"D": D, "rounds": rounds, "rows": rows, "numdifftools": ndt}


def render(res: dict[str, Any]) -> str:
    ndt = res["numdifftools"]
    rows = [[f"`{r['method']}`", r["used"], f"{r['evaluations']:,}", f"{r['error']:.2g}",
             f"{r['bar']:.2g}", f"{r['time']:.3f}",
             "-" if ndt is None else f"{r['time'] / ndt['time']:.3f}x"] for r in res["rows"]]
    if ndt is not None:
        rows.append(["numdifftools `Gradient`", "-", "-", f"{ndt['error']:.2g}", "-",
                     f"{ndt['time']:.3f}", "1x"])
    lines = table(["method", "used", "evaluations", "max error / max abs g",
                   "max error bar / max abs g", f"best of {res['rounds']} (s)",
                   "x numdifftools' time"], rows)
    lines += ["", f"`estimate_gradient(f, X, method=...)` of f = tr(X^3), D = {res['D']} "
              f"(n = {res['D'] ** 2:,}); errors against the exact 3 (X^2)^T."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = command("benchmarks.t1_methods", __doc__)
    parser.add_argument("--rounds", type=int, default=3, help="timings per method (best kept)")
    opts = parser.parse_args(argv)
    run_and_emit(opts, lambda: run(opts.rounds), render)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
