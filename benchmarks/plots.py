"""The pictures: step-size sweep, L2 regularisation path, accuracy against time.

Each function writes one PNG with matplotlib's Agg backend (imported inside the function, so
importing this module needs no matplotlib) and returns the path written. The command line
below and :mod:`benchmarks.run` call them. From a checkout, with the bench extra
(``pip install -e ".[bench]"``)::

    python -m benchmarks.plots steps [ID] --out F.png       # default ID: 1b
    python -m benchmarks.plots regularisation --out F.png


* :func:`plot_steps` — the error of the numerical derivative against the step ``h``
  (log-log) for the forward, central, Richardson and complex-step methods on one problem,
  with the engine's default step marked: the V-shaped curve (truncation error falling with
  ``h``, round-off rising as ``h`` shrinks) that explains the default.
* :func:`plot_regularisation` — problem 2: ``||w*(lam)||`` and the training loss against
  ``lam``, and the weight norm during gradient descent with and without the penalty on
  separable data.
* :func:`plot_accuracy_time` — error against time of every checker, one point per tool
  per size, from the benchmark's measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_accuracy_time", "plot_regularisation", "plot_steps"]

_METHODS = ("forward", "central", "richardson", "complex")
_COLORS = {"forward": "tab:orange", "central": "tab:blue", "richardson": "tab:green",
           "complex": "tab:purple"}
_FLOOR = 1e-17  # where an error of exactly 0 is drawn on a log axis


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out) -> str:
    out = os.fspath(out)
    parent = os.path.dirname(out)
    if parent:
        os.makedirs(parent, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return out


def _complex_step(f, x, h):
    """``Im f(x + i h e_k) / h`` for every entry: the bare complex step."""
    flat = x.ravel()
    out = np.empty(flat.size)
    for k in range(flat.size):
        xp = flat.astype(complex)
        xp[k] += 1j * h
        out[k] = np.imag(f(xp.reshape(x.shape))) / h
    return out.reshape(x.shape)


def _step_errors(problem, method, steps):
    from benchmarks.measure import accuracy
    from checks import numerical_gradient

    f = problem.f_complex if method == "complex" else problem.f
    errors = []
    for h in steps:
        try:
            with np.errstate(all="ignore"):
                num = numerical_gradient(f, problem.x, method=method, step=h)
        except (ValueError, ZeroDivisionError, FloatingPointError):
            # the complex step is cross-checked against a Richardson difference at the same
            # step, which fails where h is far too large or small for the real difference
            num = _complex_step(problem.f_complex, problem.x, h) if method == "complex" else None
        finite = num is not None and np.all(np.isfinite(num))
        errors.append(accuracy(num, problem.exact) if finite else np.nan)
    return np.array(errors)


def plot_steps(derivation_id: str, out: str | os.PathLike, *, D: int = 6) -> str:
    """Error of the numerical gradient against the step ``h``, for each method (log-log).

    Parameters
    ----------
    derivation_id : str
        One of the benchmark problems: ``1a, 1b, 2, 3, 4, 5, 6, 7b``.
    out : path
        The PNG to write.
    D : int, default 6
        The size of the problem instance (see :mod:`benchmarks.problems`).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> plot_steps("3", "/tmp/steps.png")  # doctest: +SKIP
    '/tmp/steps.png'
    """
    from benchmarks.measure import accuracy
    from benchmarks.problems import PROBLEM_IDS, build_problem
    from checks import STEP_FACTORS, numerical_gradient

    if derivation_id not in PROBLEM_IDS:
        raise ValueError(
            f"no step sweep for {derivation_id!r}: choose one of {', '.join(PROBLEM_IDS)}"
        )
    problem = build_problem(derivation_id, D)
    scale = float(np.sqrt(np.mean(problem.x**2)))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for method in _METHODS:
        # real steps below ~1e-15 |x| vanish in x + h; the complex step has no such limit
        rel = np.logspace(-21 if method == "complex" else -15, 0, 85 if method == "complex" else 61)
        errors = _step_errors(problem, method, rel * scale)
        shown = np.where(errors == 0, _FLOOR, errors)
        ax.loglog(rel, shown, "-", color=_COLORS[method], lw=1.6, label=method)
        f = problem.f_complex if method == "complex" else problem.f
        default = accuracy(numerical_gradient(f, problem.x, method=method), problem.exact)
        c = STEP_FACTORS[method]
        ax.axvline(c, color=_COLORS[method], ls=":", lw=1)
        ax.loglog([c], [max(default, _FLOOR)], "*", color=_COLORS[method], ms=14,
                  mec="black", mew=0.6)
    ax.set_xlabel(r"step $h$ / rms($x$)")
    ax.set_ylabel(r"max$|$numerical $-$ exact$|$ / max$|$exact$|$")
    ax.set_title(f"Step-size sweep, problem {problem.id} ({problem.title}), "
                 f"n = {problem.n}\n★ = default step (h = c·max(|x_k|, rms x))", fontsize=10)
    ax.axhline(np.finfo(float).eps, color="gray", lw=0.8, ls="--")
    ax.text(1.0, np.finfo(float).eps * 1.5, "machine eps", ha="right", va="bottom",
            fontsize=8, color="gray")
    ax.set_ylim(bottom=1e-17)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper center", ncol=4, fontsize=9)
    return _save(fig, out)


def _separable(rng, n=40, d=2):
    X = rng.standard_normal((n, d))
    y = (X @ np.array([1.0, -0.5]) > 0).astype(float)
    return X, y


def _overlapping(rng, n=80, d=5):
    X = rng.standard_normal((n, d))
    w_true = np.linspace(2.0, -1.0, d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


def _minimise(X, y, lam, w0=None):
    """Newton's method on the L2-regularised logistic loss (``lam > 0``)."""
    from gradients import logistic_l2_grad, logistic_l2_loss

    w = np.zeros(X.shape[1]) if w0 is None else w0.copy()
    for _ in range(100):
        g = logistic_l2_grad(w, X, y, lam)
        if np.linalg.norm(g) <= 1e-10 * (1.0 + np.linalg.norm(X.T @ y)):
            break
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        H = (X.T * (p * (1 - p))) @ X + 2.0 * lam * np.eye(X.shape[1])
        step = np.linalg.solve(H, g)
        t, f0 = 1.0, logistic_l2_loss(w, X, y, lam)
        while logistic_l2_loss(w - t * step, X, y, lam) > f0 - 1e-4 * t * (g @ step):
            t *= 0.5
            if t < 1e-12:
                break
        w = w - t * step
    return w


def plot_regularisation(out: str | os.PathLike) -> str:
    """Problem 2: the L2 regularisation path and gradient descent with and without it.

    Left: ``||w*(lam)||`` against ``lam`` (the minimiser by Newton's method) on overlapping
    classes. Middle: the training loss at ``w*(lam)`` (the data term, without the penalty).
    Right: ``||w_t||`` during gradient descent (``gradients.logistic_l2_step``) on linearly
    separable data: without the penalty the norm grows without bound, with it the
    iterates converge.

    Returns
    -------
    str
        The path written.
    """
    from gradients import logistic_l2_loss, logistic_l2_step

    rng = np.random.default_rng(20240602)
    X, y = _overlapping(rng)
    lams = np.logspace(-3, 3, 37)
    norms, losses = [], []
    w = None
    for lam in lams[::-1]:  # warm starts from strong to weak penalty
        w = _minimise(X, y, lam, w)
        norms.append(np.linalg.norm(w))
        losses.append(logistic_l2_loss(w, X, y, 0.0))
    norms, losses = np.array(norms[::-1]), np.array(losses[::-1])

    Xs, ys = _separable(rng)
    iters = 20000
    curves = {}
    for lam in (0.0, 0.01, 1.0):
        lr = 1.0 / (0.25 * np.linalg.norm(Xs, 2) ** 2 + 2.0 * lam)
        w = np.zeros(Xs.shape[1])
        norm = np.empty(iters)
        for t in range(iters):
            w = logistic_l2_step(w, Xs, ys, lr, lam)
            norm[t] = np.linalg.norm(w)
        curves[lam] = norm

    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    ax.loglog(lams, norms, "o-", ms=3, color="tab:blue")
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.text(1.0, norms.min(), " λ = 1 (the sheet)", fontsize=8, color="gray", va="bottom")
    ax.set_xlabel("λ")
    ax.set_ylabel(r"$\|w^*(\lambda)\|$")
    ax.set_title("Regularisation path: the penalty shrinks w*", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax = axes[1]
    ax.semilogx(lams, losses, "o-", ms=3, color="tab:red")
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.set_xlabel("λ")
    ax.set_ylabel("training loss at w* (data term, no penalty)")
    ax.set_title("...at the price of a higher training loss", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax = axes[2]
    steps = np.arange(1, iters + 1)
    for lam, norm in curves.items():
        ax.semilogx(steps, norm, lw=1.6, label=f"λ = {lam:g}")
    ax.set_xlabel("gradient-descent step t")
    ax.set_ylabel(r"$\|w_t\|$")
    ax.set_title("Separable data: without the penalty ||w|| diverges", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.suptitle("Problem 2, logistic regression with an L2 penalty λ||w||²", fontsize=11)
    fig.tight_layout()
    return _save(fig, out)


def _records(results: Any) -> list[dict[str, Any]]:
    if isinstance(results, (str, os.PathLike)):
        data = json.loads(Path(results).read_text())
        results = data["measurements"] if isinstance(data, dict) else data
    out = []
    for r in results:
        out.append(r.as_dict() if hasattr(r, "as_dict") else dict(r))
    return out


_PEER_COLORS = (("numdifftools Gradient complex", "tab:gray"), ("numdifftools", "black"),
                ("scipy", "tab:brown"), ("torch", "tab:red"), ("jax", "tab:olive"))


def _tool_color(tool: str, ours: bool) -> str:
    if ours:
        return next((c for m, c in _COLORS.items() if m in tool), "tab:cyan")
    return next((c for key, c in _PEER_COLORS if key in tool), "tab:pink")


def plot_accuracy_time(results: Iterable[Any] | str | os.PathLike, out: str | os.PathLike) -> str:
    """Accuracy against time of every checker: one point per tool per size.

    Parameters
    ----------
    results : iterable of Measurement or dict, or a path
        The benchmark's measurements (:class:`benchmarks.measure.Measurement`, their
        ``as_dict()``, or the JSON file written by ``python -m benchmarks.run``).
    out : path
        The PNG to write.

    For each tool and size: the largest error over the problems (``max|num - exact| /
    max|exact|``; for directional tools, of the derivatives along the tool's directions, drawn
    hollow) against the total time of checking all of them. Rows without an accuracy figure
    (the Taylor test) are left out. An error of exactly 0 is drawn at ``1e-17``.

    Returns
    -------
    str
        The path written.
    """
    records = [r for r in _records(results) if r.get("accuracy") is not None
               and r.get("time_median") is not None]
    tools: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for r in records:
        tools.setdefault(r["tool"], {}).setdefault(int(r["D"]), []).append(r)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9.5, 6))
    sizes = sorted({int(r["D"]) for r in records})
    marker_size = {D: 5 + 4 * i for i, D in enumerate(sizes)}
    for tool, by_size in tools.items():
        xs, ys, ms = [], [], []
        for D in sorted(by_size):
            rows = by_size[D]
            xs.append(sum(r["time_median"] for r in rows))
            ys.append(max(max(r["accuracy"], _FLOOR) for r in rows))
            ms.append(marker_size[D])
        directional = rows[0]["scope"] == "directional"
        ours = rows[0]["family"] == "ours"
        color = _tool_color(tool, ours)
        marker = "s" if ours else "o"
        ax.plot(xs, ys, "-", color=color, lw=1.8 if ours else 1.0, alpha=0.7)
        for x, yv, m in zip(xs, ys, ms, strict=True):
            ax.plot([x], [yv], marker, ms=m, color=color,
                    mfc="none" if directional else color, mew=1.5)
        ax.plot([], [], marker, color=color, mfc="none" if directional else color, label=tool)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time to check all problems at one size (s, sum of medians)")
    ax.set_ylabel("largest relative error over the problems (lower is better)\n"
                  "max|num − exact| / max|exact|")
    ax.set_title("Error vs time of every checker (squares: ours; hollow: directional;\n"
                 f"marker size: D = {', '.join(map(str, sizes))})", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(fig, out)


def main(argv=None) -> int:
    """``python -m benchmarks.plots steps [ID] --out F`` or ``... regularisation --out F``."""
    from benchmarks.problems import PROBLEM_IDS

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.plots",
        description="Draw a benchmark picture: the step-size sweep of one problem, or the "
        "regularisation path of problem 2 (needs matplotlib: pip install -e '.[bench]').",
    )
    sub = parser.add_subparsers(dest="what", required=True, metavar="PICTURE")
    steps = sub.add_parser("steps", help="error of each finite-difference method against "
                           "the step")
    steps.add_argument("id", nargs="?", default="1b",
                       help=f"benchmark problem: {', '.join(PROBLEM_IDS)} (default 1b)")
    steps.add_argument("--out", required=True, help="PNG file to write")
    reg = sub.add_parser("regularisation", help="problem 2: the L2 penalty's effect on w*")
    reg.add_argument("--out", required=True, help="PNG file to write")
    ns = parser.parse_args(argv)
    if ns.what == "steps" and ns.id not in PROBLEM_IDS:
        parser.error(f"no step sweep for {ns.id!r}: choose one of {', '.join(PROBLEM_IDS)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        parser.error(f"plotting needs matplotlib (pip install -e '.[bench]'): {exc}")
    written = plot_steps(ns.id, ns.out) if ns.what == "steps" else plot_regularisation(ns.out)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
