"""T1 of issue 21 for each method: the full numerical gradient of ``tr(X^3)``, ``D = 48``.

``OPENBLAS_NUM_THREADS=1 python -m benchmarks.t1_methods``: for ``method="auto"``,
``"richardson"`` and ``"complex"`` (and numdifftools' ``Gradient`` where installed) the method
actually used, the evaluations, the largest error against the exact ``3 (X^2)^T`` relative to
its largest entry, the largest error bar on the same scale, and the best of three times.
"""

from __future__ import annotations

import time

import numpy as np

from checks import estimate_gradient


def main() -> int:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((48, 48))

    def f(w: np.ndarray) -> float:
        return np.trace(w @ w @ w)

    exact = 3 * (X @ X).T
    scale = float(np.max(np.abs(exact)))
    print("| method | used | evaluations | max error / max|g| | max bar / max|g| | best time (s) |")
    print("|---|---|---|---|---|---|")
    for method in ("auto", "richardson", "complex"):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            est = estimate_gradient(f, X, method=method)
            times.append(time.perf_counter() - start)
        err = float(np.max(np.abs(est.value - exact))) / scale
        bar = float(np.max(est.error)) / scale
        print(f"| {method} | {est.method} | {est.evaluations} | {err:.2g} | {bar:.2g} | "
              f"{min(times):.3f} |")
    try:
        import numdifftools as nd
    except ImportError:
        print("numdifftools not installed")
        return 0
    times = []
    for _ in range(3):
        start = time.perf_counter()
        g = nd.Gradient(lambda v: f(v.reshape(48, 48)))(X.ravel())
        times.append(time.perf_counter() - start)
    err = float(np.max(np.abs(g.reshape(48, 48) - exact))) / scale
    print(f"| numdifftools Gradient | - | - | {err:.2g} | - | {min(times):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
