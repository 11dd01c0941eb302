"""The markdown of ``docs/BENCHMARKS.md``, from one run's results (never written by hand)."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.provenance import git_revision
from checks import DEFAULT_DIRECTIONS

__all__ = ["environment", "render"]



# --------------------------------------------------------------------------- environment


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy: no dict mode
        return "unknown"


def environment() -> dict[str, Any]:
    """Machine, versions and date, for the report header."""
    from importlib.metadata import PackageNotFoundError, version

    from benchmarks.peers import peer_versions

    try:
        ours = version("gradcheck-suite")
    except PackageNotFoundError:
        ours = "not installed (run from the source tree)"
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "gradcheck-suite": f"{ours}, git {git_revision()}",
        "load_start": load,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "omp_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        **peer_versions(),
    }


# --------------------------------------------------------------------------- formatting


def _e(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}e}"


def _t(sec: float | None) -> str:
    if sec is None:
        return "—"
    if sec >= 1:
        return f"{sec:.2f} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.3g} ms"
    return f"{sec * 1e6:.3g} µs"


def _overhead(p) -> str:
    over = p.overhead
    return "≈0 (within noise)" if over <= 0 else _t(over)


def _spread(m) -> str:
    if m.time_median is None:
        return "—"
    if m.repeats <= 1:
        return f"{_t(m.time_median)} (1 run)"
    return f"{_t(m.time_median)} [{_t(m.time_low)}–{_t(m.time_high)}]"


def _yes(v: bool | None) -> str:
    return "—" if v is None else ("yes" if v else "**no**")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _slope(t1, t2, n1, n2) -> str:
    if not (t1 and t2) or n1 == n2:
        return "—"
    return f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}"


# --------------------------------------------------------------------------- sections


def _by(measurements, *keys):
    out: dict = {}
    for m in measurements:
        out[tuple(getattr(m, k) for k in keys)] = m
    return out


def _targets(res) -> list[str]:
    t1, t2, prof = res["t1"], res["t2"], res.get("profile")
    lines = ["## Targets (issues 2 and 6)", ""]
    rows = []
    if t1 is not None:
        ratio = t1.ratio
        met_err = t1.ours_error <= 1e-12
        met_speed = ratio is not None and ratio >= 10
        rows.append([
            f"T1 default full numerical gradient of tr(X³), D = {t1.D} (n = {t1.n:,})",
            f"ours {_t(t1.ours_time)} [{_t(t1.ours_spread[0])}–{_t(t1.ours_spread[1])}], "
            f"{t1.ours_evaluations:,} evaluations, norm-relative error {_e(t1.ours_error)}; "
            f"numdifftools {_t(t1.ndt_time)}, {t1.ndt_evaluations or 0:,} evaluations, error "
            f"{_e(t1.ndt_error)}; **ratio {ratio:.1f}×**" if ratio else "numdifftools missing",
            "error ≤ 1e-12 and ≥ 10× faster",
            f"error {'met' if met_err else 'missed'}; speed "
            f"{'met' if met_speed else 'missed'}",
        ])
    for p in t2:
        rows.append([
            f"T2 directional check, tr(X²) as `{p.implementation}`, D = {p.D} "
            f"(n = {p.n:,})",
            f"{_t(p.time_median)} [{_t(p.time_low)}–{_t(p.time_high)}], {p.evaluations} "
            f"evaluations of {_t(p.eval_time)} each, engine overhead {_overhead(p)}",
            "≤ 20 ms", "met" if p.time_median <= 0.020 else "missed",
        ])
    sens = res["measurements"]
    default = [m for m in sens if m.tool == "ours full richardson (default)"]
    rejected = sum(bool(m.rejects_wrong) for m in default)
    alarms = sum(m.ok_exact is False for m in sens if m.family == "ours")
    rows.append([
        "T3 default verdict rejects exact·(1 + 1e-6), no false alarm",
        f"rejected in {rejected} of {len(default)} problem instances; exact gradient rejected "
        f"{alarms} times in all of ours' {sum(1 for m in sens if m.family == 'ours')} checks",
        "all rejected, 0 false alarms",
        "met" if default and rejected == len(default) and alarms == 0 else "missed",
    ])
    if prof is not None:
        ours = sum(v for k, v in prof.shares.items() if k in ("checks/", "gradients/", "tests/"))
        rows.append([
            "T4 time of `pytest tests/test_catalog.py` (ci profile) in our code",
            f"{100 * ours:.0f}% self time (checks/ {100 * prof.shares.get('checks/', 0):.0f}%, "
            f"gradients/ {100 * prof.shares.get('gradients/', 0):.0f}%); "
            f"{100 * prof.check_gradient_inclusive:.0f}% inclusive under check_gradient",
            "< 50%", "met" if ours < 0.5 else "missed",
        ])
    lines += _table(["target", "measured", "goal", "verdict"], rows)
    notes = []
    if t1 is not None and t1.ndt_evaluations:
        bound = t1.ndt_evaluations / t1.ours_evaluations
        notes.append(
            f"T1: numdifftools evaluates f {t1.ndt_evaluations:,} times, ours "
            f"{t1.ours_evaluations:,}: at equal cost per evaluation the time ratio cannot "
            f"exceed {bound:.1f}× (measured {t1.ratio:.1f}×; the rest is per-evaluation "
            "overhead on both sides). 10× would need at most 3 evaluations per entry, and a "
            "real-difference scheme that reaches 1e-12 needs at least 4 (an O(h⁴) stencil); "
            "the complex step (n + 24 evaluations) would, for complex-safe f."
        )
    for p in t2:
        notes.append(
            f"T2 (`{p.implementation}`): f alone takes {p.evaluations} × {_t(p.eval_time)} = "
            f"{_t(p.evaluations * p.eval_time)} of the {_t(p.time_median)}."
        )
    if notes:
        lines += [""] + [f"* {n}" for n in notes]
    return lines


def _tools(tools) -> list[str]:
    rows = [[t.name, t.scope, "yes" if t.has_verdict else "no verdict", t.scheme] for t in tools]
    return ["## The tools, at their defaults", ""] + _table(
        ["tool", "compares", "verdict", "scheme"], rows)


def _accuracy(res) -> list[str]:
    ms, tools, sizes = res["measurements"], res["tools"], res["sizes"]
    big = sizes[-1]
    rows = []
    for t in tools:
        row = [t.name]
        for D in sizes:
            accs = [m.accuracy for m in ms if m.tool == t.name and m.D == D]
            accs = [a for a in accs if a is not None]
            row.append(_e(max(accs)) if accs else "—")
        worst = [m.worst_entry for m in ms if m.tool == t.name and m.D == big
                 and m.worst_entry is not None]
        row.append(_e(max(worst)) if worst else "—")
        rows.append(row)
    lines = [
        "## Accuracy",
        "",
        "`max|numerical − exact| / max|exact|`, the worst of the eight problems. Directional "
        "tools: the same over the derivatives along their directions. Worst entry: "
        "`max_k |num_k − exact_k| / |exact_k|` (full-gradient tools).",
        "",
    ]
    header = ["tool"] + [f"D={D}" for D in sizes] + [f"worst entry, D={big}"]
    return lines + _table(header, rows)


def _cost(res) -> list[str]:
    ms, tools, sizes = res["measurements"], res["tools"], res["sizes"]
    big, prev = sizes[-1], sizes[-2] if len(sizes) > 1 else sizes[-1]
    idx = _by(ms, "tool", "problem", "D")
    rows = []
    for t in tools:
        row = [t.name]
        for pid in ("1b", "7b"):
            m = idx.get((t.name, pid, big))
            row.append("—" if m is None or m.evaluations is None else f"{m.evaluations:,}")
            row.append("—" if m is None else _spread(m))
        for D in sizes:
            times = [m.time_median for m in ms if m.tool == t.name and m.D == D]
            row.append(_t(sum(times)) if times and None not in times else "—")
        for pid in ("1b", "7b"):
            a, b = idx.get((t.name, pid, prev)), idx.get((t.name, pid, big))
            row.append("—" if a is None or b is None else
                       _slope(a.time_median, b.time_median, a.n, b.n))
        rows.append(row)
    n1b = next((m.n for m in ms if m.problem == "1b" and m.D == big), "?")
    n7b = next((m.n for m in ms if m.problem == "7b" and m.D == big), "?")
    header = (["tool", f"evals 1b (n={n1b:,})", f"time 1b, D={big}",
               f"evals 7b (n={n7b:,})", f"time 7b, D={big}"]
              + [f"all 8, D={D}" for D in sizes]
              + [f"slope 1b {prev}→{big}", f"slope 7b {prev}→{big}"])
    lines = [
        "## Cost",
        "",
        "One check (the tool's whole call) with the exact gradient: median wall time "
        "[min–max] over the repeats, evaluations of f counted by a wrapper. 1b is tr(X³) "
        "(n = D²), 7b the residual network w.r.t. W1 (n = D·D/2, N = 2D samples). "
        "\"all 8\": the sum of the medians over the eight problems. Slope: "
        "`d log(time) / d log(n)` between the two largest sizes (1 = linear in the number "
        "of variables at a fixed cost per evaluation; the cost per evaluation grows too).",
        "",
    ]
    return lines + _table(header, rows)


def _sensitivity(res) -> list[str]:
    ms, tools, sizes, sens = res["measurements"], res["tools"], res["sizes"], res["sensitivity"]
    from benchmarks.problems import PROBLEM_IDS

    scales = sorted({s.scale for s in sens}, reverse=True)
    rows = []
    for t in tools:
        if not t.has_verdict:
            rows.append([t.name] + ["no verdict"] * (len(sizes) + 1 + 2 * len(scales)))
            continue
        row = [t.name]
        for D in sizes:
            sel = [m for m in ms if m.tool == t.name and m.D == D and m.rejects_wrong is not None]
            row.append(f"{sum(m.rejects_wrong for m in sel)}/{len(sel)}")
        checks = [m for m in ms if m.tool == t.name and m.ok_exact is not None]
        checks_s = [s for s in sens if s.tool == t.name and s.ok_exact is not None]
        alarms = sum(not m.ok_exact for m in checks) + sum(not s.ok_exact for s in checks_s)
        row.append(f"{alarms} of {len(checks) + len(checks_s)}" if alarms == 0
                   else f"**{alarms} of {len(checks) + len(checks_s)}**")
        for s in scales:
            sel = [x for x in sens if x.tool == t.name and x.scale == s]
            rej = [x.rejects_2x for x in sel if x.rejects_2x is not None]
            row.append(f"{sum(rej)}/{len(rej)}" if rej else "—")
        for s in scales:
            sel = [x for x in sens if x.tool == t.name and x.scale == s]
            ok = [x.ok_exact for x in sel if x.ok_exact is not None]
            row.append(f"{sum(ok)}/{len(ok)}" if ok else "—")
        rows.append(row)
    header = (["tool"] + [f"rejects ·(1+1e-6), D={D}" for D in sizes]
              + ["false alarms"]
              + [f"rejects 2X, s={s:g}" for s in scales]
              + [f"accepts 2Xᵀ, s={s:g}" for s in scales])
    lines = [
        "## Sensitivity (default verdicts)",
        "",
        "Each tool's default verdict on: the exact gradient times `1 + 1e-6` (per size: "
        "problems rejected / problems); the exact gradient (false alarms: rejections over all "
        "its checks of exact gradients, every problem and size, scaled inputs included); "
        "`2X` in place of `2Xᵀ` for tr(X²) with the input scaled by `s` (sizes rejected / "
        "sizes), and the exact `2Xᵀ` at that scale. Tools without a verdict return a number "
        "or an estimate that the user must judge: \"no verdict\".",
        "",
    ]
    lines += _table(header, rows)
    # per-problem detail of the 1e-6 probe
    rows = []
    for t in tools:
        if not t.has_verdict:
            continue
        row = [t.name]
        for pid in PROBLEM_IDS:
            sel = {m.D: m.rejects_wrong for m in ms if m.tool == t.name and m.problem == pid}
            hit = [D for D in sizes if sel.get(D)]
            if len(hit) == len(sizes):
                row.append("yes")
            elif not hit:
                row.append("**no**")
            else:
                row.append("D=" + ",".join(map(str, hit)))
        rows.append(row)
    lines += ["", "Which problems' 1e-6 error each verdict catches (yes: at every size; "
              "**no**: at none):", ""]
    lines += _table(["tool"] + list(PROBLEM_IDS), rows)
    misses = [t.name for t in tools if t.has_verdict and t.family != "ours"
              and not all(m.rejects_wrong for m in ms if m.tool == t.name)]
    if misses:
        lines += ["", f"Peers whose default verdict misses the 1e-6 error: {', '.join(misses)}."]
    return lines


def _series(res) -> list[str]:
    pts = res["series"]
    if not pts:
        return []
    by = {(p.implementation, p.D): p for p in pts}
    names = list(dict.fromkeys(p.implementation for p in pts))
    rows = []
    for D in sorted({p.D for p in pts}):
        row = [D, f"{D * D:,}"]
        for name in names:
            p = by.get((name, D))
            row += ["—"] * 4 if p is None else [
                f"{_t(p.time_median)} [{_t(p.time_low)}–{_t(p.time_high)}]", p.evaluations,
                _t(p.eval_time), _overhead(p)]
        rows.append(row)
    header = ["D", "n"]
    for name in names:
        header += [f"`{name}`: time", "evals", "one f", "overhead"]
    lines = [
        "## Directional mode: scaling to a million variables",
        "",
        "`check_gradient(f, grad, (X,), mode=\"directional\")` at default settings "
        f"({DEFAULT_DIRECTIONS} random directions, Richardson) on tr(X²), n = D² variables, "
        "two implementations of the same f. The number of evaluations does not depend on n; "
        "overhead is the time not spent inside f (`time − evals × one f`): the engine's own "
        "O(n) vector work.",
        "",
    ]
    return lines + _table(header, rows)


def _profile(res) -> list[str]:
    prof = res.get("profile")
    if prof is None:
        return ["## Profile of the property suite", "", "Not run (`--no-profile` or `--quick`)."]
    rows = [[k, f"{100 * v:.1f}%"] for k, v in prof.shares.items() if v >= 0.0005]
    lines = [
        "## Profile of the property suite (target 4)",
        "",
        f"`{prof.command}`: {prof.outcome}; {prof.wall_time:.1f} s wall, "
        f"{prof.profiled_time:.1f} s profiled. Self time by where the code lives (C built-ins "
        "charged to their Python caller). cProfile inflates call-heavy Python code (hypothesis, "
        "the per-evaluation loop of checks/) against numpy's kernels.",
        "",
    ]
    lines += _table(["code", "share of self time"], rows)
    lines += ["", f"Inclusive time under `checks.check_gradient` (the engine and the losses it "
              f"evaluates): {100 * prof.check_gradient_inclusive:.1f}%.", "",
              "Hot spots in `checks/` (self time, built-ins charged to the caller):", ""]
    lines += _table(["function", "share", "calls"],
                    [[f"`{label}`", f"{100 * s:.2f}%", f"{n:,}"] for label, s, n in
                     prof.hot_spots])
    return lines


def _big(big) -> list[str]:
    """Issue 21's tables: executors, the engine's overhead, T1 for each method."""
    from benchmarks import overhead, scale, t1_methods

    def body(text: str) -> list[str]:
        return text.rstrip("\n").split("\n")

    return [
        "## Expensive f and big checks (issue 21)",
        "",
        "### One check on each executor (`python -m benchmarks.scale`)",
        "",
        "`check_gradient(f, grad, (x,), executor=...)`, full mode, for an `f` that sleeps "
        "20 ms (a solver stand-in that releases the GIL) and one that spends 20 ms of its own "
        "CPU time in pure Python (holds the GIL: threads cannot help it).",
        "",
        *body(scale.render(big["scale"])),
        "",
        "### The engine's own work (`python -m benchmarks.overhead`)",
        "",
        *body(overhead.render(big["overhead"])),
        "",
        "### T1 for each method (`python -m benchmarks.t1_methods`)",
        "",
        *body(t1_methods.render(big["t1_methods"])),
    ]


def _detail(res) -> list[str]:
    from benchmarks.problems import PROBLEM_IDS

    ms, tools, sizes = res["measurements"], res["tools"], res["sizes"]
    idx = _by(ms, "tool", "problem", "D")
    lines = ["## All measurements", "",
             "Each cell: accuracy · median time · evaluations (Taylor: the observed order). "
             "A failed call shows its error.", ""]
    for D in sizes:
        ns = {m.problem: m.n for m in ms if m.D == D}
        lines += [f"### D = {D}", ""]
        rows = []
        for t in tools:
            row = [t.name]
            for pid in PROBLEM_IDS:
                m = idx.get((t.name, pid, D))
                if m is None:
                    row.append("—")
                elif m.error:
                    row.append(f"error: {m.error[:60]}")
                else:
                    acc = m.detail if m.accuracy is None and m.detail else _e(m.accuracy)
                    row.append(f"{acc} · {_t(m.time_median)} · {m.evaluations}")
            rows.append(row)
        header = ["tool"] + [f"{pid} (n={ns.get(pid, '?')})" for pid in PROBLEM_IDS]
        lines += _table(header, rows) + [""]
    return lines


def render(res: dict[str, Any]) -> str:
    """The whole document."""
    env = res["env"]
    ls, le = env["load_start"], res.get("load_end", (float("nan"),) * 3)
    lines = [
        "# Benchmarks: this engine against the peers",
        "",
        "<!-- generated by `python -m benchmarks.run`; do not edit by hand -->",
        "",
        f"Generated by `{res['command']}` on {env['date']} in {res['elapsed']:.0f} s.",
        "Regenerate on an idle machine with:",
        "",
        "```bash",
        "python -m pip install -e \".[test,bench]\"  # hypothesis; scipy, numdifftools, matplotlib",
        "python -m pip install -e \".[peers]\"       # torch, jax: optional, skipped when missing",
        "python -m benchmarks.run --out docs/BENCHMARKS.md",
        "```",
        "",
        "`--quick` is a smoke run (D ∈ {4, 16}, one timing per call, no profile) that prints "
        "to the terminal unless `--out` is given. Timings on a shared machine vary by ×1.3 to "
        "×2 between runs: compare tools within one run only; evaluation counts and "
        "accuracies are stable.",
        "",
        "## Machine and versions",
        "",
    ]
    rows = [
        ["date", env["date"]], ["CPU", env["cpu"]], ["cores", env["cores"]],
        ["system", env["machine"]], ["numpy BLAS", env["blas"]], ["python", env["python"]],
        ["numpy", env["numpy"]],
    ]
    rows += [[k, env[k]] for k in ("scipy", "numdifftools", "torch", "jax", "jaxlib",
                                   "matplotlib")]
    rows += [["this project", env["gradcheck-suite"]],
             ["BLAS threads (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS; the run sets 1 "
              "unless given)",
              f"{env.get('openblas_threads')} / {env.get('omp_threads')}"],
             ["load average (1 min) at start / end", f"{ls[0]:.2f} / {le[0]:.2f}"]]
    lines += _table(["", ""], rows)
    if res["notes"]:
        lines += [""] + [f"Note: {n}." for n in res["notes"]]
    lines += [""] + _targets(res) + [""] + _tools(res["tools"]) + [""]
    lines += _accuracy(res) + [""] + _cost(res) + [""] + _sensitivity(res) + [""]
    lines += _series(res) + [""]
    if res.get("hard"):
        from benchmarks.hard import render_section

        lines += render_section(res["hard"]).rstrip("\n").split("\n") + [""]
    if res.get("hessian"):
        from benchmarks.hessian import render_section as hessian_section

        lines += hessian_section(res["hessian"]).rstrip("\n").split("\n") + [""]
    if res.get("big"):
        lines += _big(res["big"]) + [""]
    lines += _profile(res) + [""]
    figs = res.get("figures") or {}
    if figs:
        lines += ["## Pictures", ""]
        captions = {
            "steps": "Step-size sweep: error of the numerical gradient against the step, per "
                     "method; ★ the default step.",
            "regularisation": "Problem 2: the L2 regularisation path and gradient descent with "
                              "and without the penalty on separable data.",
            "accuracy_time": "Accuracy against time of every checker, one point per tool per "
                             "size.",
        }
        for key, path in figs.items():
            lines += [f"![{key}]({path})", "", captions.get(key, ""), ""]
    lines += [
        "## How it is measured",
        "",
        "* Same functions, same inputs, one process: the eight problem instances of "
        "`benchmarks/problems.py` (fixed seed; matrices D×D, data sets N = 2D samples of "
        "dimension D, network M = D/2 hidden units), the catalog's losses and exact "
        "gradients. Every tool evaluates the same numpy loss; torch and jax through a thin "
        "wrapper (a `torch.autograd.Function` / `jax.custom_jvp` whose backward / tangent "
        "returns the gradient under test), so they check our gradient, not their autodiff.",
        "* Complex-step rows (ours and numdifftools) evaluate a complex-safe twin of each loss "
        "(the catalog's functions reject complex input), checked equal to the loss to 1e-12.",
        "* Time: the first call is a warm-up (counted only if it took over 1 s), then 3–7 "
        "repeats (2–3 for calls over 1 s), median and range. Evaluations: calls of the loss "
        "during one check. BLAS runs on one thread (see the machine table): the problems are "
        "small, and this OpenBLAS build's threaded complex matrix product is ~400× slower on "
        "2 cores, which would bury the complex-step rows under a BLAS artefact.",
        "* Accuracy of tools whose check call does not expose its numbers (scipy `check_grad`, "
        "torch, jax) is recomputed untimed with the tool's own routine and defaults "
        "(`approx_fprime`, torch's `_get_numerical_jacobian` / `_get_numerical_vJu`, jax's "
        "`numerical_jvp` with the tangent `check_grads` draws).",
        "",
    ]
    lines += _detail(res)
    return "\n".join(lines).rstrip() + "\n"
