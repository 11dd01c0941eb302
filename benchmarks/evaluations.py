"""What a check costs on smooth, well-scaled functions: ``python -m benchmarks.evaluations``.

Issue 17's budget: no check of a smooth, well-scaled function may cost more than 25 % more
evaluations of ``f`` than ``6n + 10`` (the cost of a full Richardson check before the
issue: ``f(x)`` twice, the noise probe, three levels per entry). Every function of
``tests/_functions.py`` and every problem of the sheet is checked, full and directional mode,
at points whose entries are ``N(0, 1)`` (seeds ``0 .. seeds-1``) with its exact gradient;
the table gives the evaluations against ``6n + 10`` (full) and ``6K + 10`` (directional,
``K = 2`` directions), the largest ratio, and the verdicts (all must be ``pass``). The exit
status is 1 when a full check costs more than :data:`BUDGET` times ``6n + 10``.

Usage::

    python -m benchmarks.evaluations                 # the markdown table, to stdout
    python -m benchmarks.evaluations --seeds 10 --json evaluations.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: Issue 17: at most 25 % more than 6n + 10.
BUDGET = 1.25


def problems(rng: np.random.Generator) -> list[tuple[str, Callable, Callable, tuple, int]]:
    """``(name, f, grad, args, argnum)`` for every smooth function, drawn with ``rng``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from gradients import (
        bipolar,
        frobenius,
        gaussian_mle,
        logistic,
        quadratic,
        residual_net,
        trace,
    )
    from tests import _functions as F

    x6 = rng.standard_normal(6)
    X4 = rng.standard_normal((4, 4))
    B4 = rng.standard_normal((4, 4))
    A5, w5 = rng.standard_normal((5, 5)), rng.standard_normal(5)
    Xd = rng.standard_normal((12, 4))
    w4 = rng.standard_normal(4)
    y01 = (rng.random(12) < 0.5).astype(float)
    ypm = np.where(rng.random(12) < 0.5, -1.0, 1.0)
    yr = rng.standard_normal(12)
    W0, W1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    return [
        ("poly", F.poly, F.poly_grad, (x6,), 0),
        ("sin_exp", F.sin_exp, F.sin_exp_grad, (x6,), 0),
        ("log_sum_exp", F.log_sum_exp, F.log_sum_exp_grad, (x6,), 0),
        ("rosenbrock", F.rosenbrock, F.rosenbrock_grad, (x6,), 0),
        ("trace_cube", F.trace_cube, F.trace_cube_grad, (X4,), 0),
        ("quadratic_form", F.quadratic_form, F.quadratic_form_grad, (w5, A5), 0),
        ("1: tr(X^3)", trace.trace_power, trace.trace_power_grad, (X4, 3), 0),
        ("2: logistic L2", logistic.logistic_l2_loss, logistic.logistic_l2_grad,
         (w4, Xd, y01), 0),
        ("3: bipolar", bipolar.bipolar_squared_loss, bipolar.bipolar_squared_grad,
         (w4, Xd, ypm), 0),
        ("4: Gaussian MLE", gaussian_mle.gaussian_log_likelihood,
         gaussian_mle.gaussian_log_likelihood_grad, (w4, Xd, yr, 1.3), 0),
        ("5: Frobenius", frobenius.frobenius_dot, frobenius.frobenius_dot_grad, (X4, B4), 0),
        ("6: quadratic form", quadratic.quadratic_form, quadratic.quadratic_form_grad,
         (w5, A5), 0),
        ("7: residual net W1", residual_net.residual_net_loss, residual_net.residual_net_grad_W1,
         (W0, W1, w2, Xd, y01), 1),
    ]


def run(seeds: int = 5) -> dict[str, Any]:
    """Evaluations and verdicts of every problem, full and directional, over ``seeds``."""
    from checks import check_gradient

    rows: dict[str, dict[str, Any]] = {}
    for seed in range(seeds):
        for name, f, grad, args, argnum in problems(np.random.default_rng(seed)):
            n = int(np.size(args[argnum]))
            row = rows.setdefault(name, {"n": n, "full": [], "directional": [], "verdicts": []})
            for mode in ("full", "directional"):
                r = check_gradient(f, grad, args, argnum=argnum, mode=mode)
                row[mode].append(int(r.evaluations))
                row["verdicts"].append(r.verdict)
    for row in rows.values():
        row["full_ratio"] = max(row["full"]) / (6 * row["n"] + 10)
        row["directional_ratio"] = max(row["directional"]) / (6 * 2 + 10)
    worst = max(r["full_ratio"] for r in rows.values())
    worst_directional = max(r["directional_ratio"] for r in rows.values())
    return {"seeds": seeds, "rows": rows, "worst": worst, "worst_directional": worst_directional}


def render(res: dict[str, Any]) -> str:
    lines = [
        "| function | n | full: evaluations (max) | / (6n + 10) | directional (max) | "
        "/ (6K + 10) | verdicts |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in res["rows"].items():
        verdicts = ", ".join(f"{v} {r['verdicts'].count(v)}" for v in sorted(set(r["verdicts"])))
        lines.append(f"| {name} | {r['n']} | {min(r['full'])}–{max(r['full'])} | "
                     f"{r['full_ratio']:.2f} | {min(r['directional'])}–{max(r['directional'])} | "
                     f"{r['directional_ratio']:.2f} | {verdicts} |")
    lines.append("")
    full = max(r["full_ratio"] for r in res["rows"].values())
    lines.append(f"Largest ratio over {res['seeds']} points per function: full mode "
                 f"**{full:.2f}** of 6n + 10 (budget {BUDGET:.2f}); directional "
                 f"**{res['worst_directional']:.2f}** of 6K + 10 (its ladders descend where a "
                 "direction needs it, as before this issue).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evaluations",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", help="write the raw counts here")
    opts = parser.parse_args(argv)
    res = run(opts.seeds)
    print(render(res), end="")
    if opts.json:
        Path(opts.json).write_text(json.dumps(res, indent=1))
    return 0 if res["worst"] <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
