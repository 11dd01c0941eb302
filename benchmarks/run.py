"""Run the benchmark: ``python -m benchmarks.run [--quick] [--out docs/BENCHMARKS.md]``.

A full run measures every tool on the eight problems at D = 4, 16, 64, the speed targets,
the directional series up to D = 1024, the hard functions of ``tests/_hard.py`` (kinks,
domain edges, offsets, noise; :mod:`benchmarks.hard`), the Hessians, issue 21's expensive-f
tables (executors, the engine's overhead, T1 for each method) and the profile of the property
suite, draws the three pictures into ``docs/`` and writes ``docs/BENCHMARKS.md`` with the raw
figures beside it in ``docs/benchmark_results.json``. About 35 minutes on an idle 2-core
machine.

``--quick``: D = 4 and 16, one timing per call, the series up to D = 256, no profile, no
pictures; prints the report unless ``--out`` is given.
"""

from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise (set before numpy is imported). The problems
# are small, and this OpenBLAS build's threaded complex product is pathological on 2 cores:
# a 64 x 64 complex matrix product took 23 ms with 2 threads and 52 us with one, which made
# every complex-step row 400x slower for reasons that have nothing to do with the method.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.measure import SMALL_SCALE, measure, probe_sensitivity  # noqa: E402
from benchmarks.ours import our_tools  # noqa: E402
from benchmarks.peers import peer_tools  # noqa: E402
from benchmarks.problems import build_problem, build_problems  # noqa: E402
from benchmarks.report import environment, render  # noqa: E402
from benchmarks.targets import SERIES, T2_SIZE, directional_series, target_t1  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (4, 16, 64)
QUICK_SIZES = (4, 16)
SCALES = (1.0, SMALL_SCALE, 1e-8)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _json_default(obj):
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, float) and (math.isinf(obj) or math.isnan(obj)):
        return str(obj)
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def _clean(value):
    """JSON has no inf/nan: write them as strings."""
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return str(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _warm_up(tools) -> None:
    """One untimed check per tool on a tiny problem: imports, jit, caches."""
    p = build_problem("1a", 3)
    for t in tools:
        try:
            t.check(p, p.grad)
        except Exception as exc:  # noqa: BLE001 - reported again when measured
            _log(f"warm-up of {t.name} failed: {exc}")


def run(*, quick: bool = False, sizes=None, profile: bool = True, figures_dir=None,
        series_max: int | None = None, command: str = "python -m benchmarks.run") -> dict:
    """Measure everything; return the results dictionary that :func:`render` formats."""
    started = time.perf_counter()
    env = environment()
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    peers, notes = peer_tools()
    tools = our_tools() + peers
    _warm_up(tools)
    measurements, sensitivity = [], []
    for D in sizes:
        problems = build_problems(D)
        for t in tools:
            t0 = time.perf_counter()
            for p in problems:
                measurements.append(measure(t, p, quick=quick))
                if measurements[-1].error:
                    _log(f"  {t.name} on {p.id}, D={D}: {measurements[-1].error}")
            for s in SCALES:
                sensitivity.append(probe_sensitivity(t, problems[0], s))
            _log(f"D={D:<4d} {t.name:40s} {time.perf_counter() - t0:7.2f} s")
    _log("T1: numerical gradient of tr(X^3), D=48, ours vs numdifftools")
    t1 = target_t1(rounds=1 if quick else 3)
    limit = series_max or (T2_SIZE if quick else SERIES[-1])
    _log(f"directional series up to D={limit}")
    series = directional_series(sizes=[D for D in SERIES if D <= limit], quick=quick)
    t2 = [p for p in series if p.D == T2_SIZE]
    from benchmarks.hard import run as hard_run

    _log("hard functions: every tool on the cases of tests/_hard.py")
    hard = hard_run(seeds=5 if quick else 30)
    from benchmarks.hessian import run as hessian_run

    _log("Hessians: ours, numdifftools, torch gradgradcheck")
    hessian = hessian_run(seeds=3 if quick else 20)
    big = _big_checks(quick)
    prof = None
    if profile and not quick:
        from benchmarks.profile_suite import profile_suite

        _log("profiling pytest tests/test_catalog.py (HYPOTHESIS_PROFILE=ci)")
        try:
            prof = profile_suite()
        except Exception as exc:  # noqa: BLE001
            notes.append(f"profile of the suite failed: {exc}")
    res = {
        "command": command, "env": env, "sizes": list(sizes), "tools": tools, "notes": notes,
        "measurements": measurements, "sensitivity": sensitivity, "t1": t1, "t2": t2,
        "series": series, "profile": prof, "figures": {}, "hard": hard,
        "hessian": hessian, "big": big,
    }
    if figures_dir is not None:
        res["figures"] = _figures(res, Path(figures_dir))
    try:
        res["load_end"] = os.getloadavg()
    except OSError:
        res["load_end"] = (float("nan"),) * 3
    res["elapsed"] = time.perf_counter() - started
    return res


def _big_checks(quick: bool) -> dict:
    """Issue 21: the executors (:mod:`benchmarks.scale`), the directional overhead series and
    the Jacobian's shared probe (:mod:`benchmarks.overhead`), T1 for each method
    (:mod:`benchmarks.t1_methods`)."""
    from benchmarks import overhead, scale, t1_methods

    ns = [8] if quick else [8, 32, 128, 256]
    _log(f"executors: serial, threads, processes, Dask at n = {ns}")
    out = {"scale": scale.run(ns)}
    powers = list(range(10, (16 if quick else 20) + 1, 2))
    _log(f"directional overhead at n = 2^{powers[0]} ... 2^{powers[-1]}")
    out["overhead"] = overhead.run(powers, 2 if quick else 5)
    _log("T1 for each method")
    out["t1_methods"] = t1_methods.run(1 if quick else 3)
    return out


def _figures(res, folder: Path) -> dict[str, str]:
    """Draw the three pictures into ``folder``; paths relative to it for the markdown."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        res["notes"].append("matplotlib is not installed: no pictures")
        return {}
    from benchmarks.plots import plot_accuracy_time, plot_regularisation, plot_steps

    _log("pictures")
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "steps": plot_steps("3", folder / "steps.png"),
        "regularisation": plot_regularisation(folder / "regularisation.png"),
        "accuracy_time": plot_accuracy_time(res["measurements"], folder / "accuracy_time.png"),
    }
    return {k: os.path.basename(v) for k, v in out.items()}


def _dump(res, path: Path) -> None:
    data = {
        "env": res["env"], "sizes": res["sizes"], "notes": res["notes"],
        "tools": [{"name": t.name, "family": t.family, "scope": t.scope,
                   "has_verdict": t.has_verdict, "scheme": t.scheme} for t in res["tools"]],
        "measurements": [m.as_dict() for m in res["measurements"]],
        "sensitivity": [s.as_dict() for s in res["sensitivity"]],
        "t1": res["t1"].as_dict() if res["t1"] else None,
        "series": [p.as_dict() for p in res["series"]],
        "profile": res["profile"].as_dict() if res["profile"] else None,
        "hard": [r.as_dict() for r in res["hard"]["results"]] if res.get("hard") else None,
        "hessian": ([r.as_dict() for r in res["hessian"]["accuracy"] + res["hessian"]["verdicts"]]
                    if res.get("hessian") else None),
        "big": res.get("big"), "elapsed": res["elapsed"], "command": res["command"],
    }
    path.write_text(json.dumps(_clean(data), indent=1, default=_json_default) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: D in {4, 16}, one timing, no profile, no pictures")
    parser.add_argument("--out", help="markdown report to write (default docs/BENCHMARKS.md; "
                        "with --quick: print it)")
    parser.add_argument("--figures", help="folder for the PNGs (default: the report's folder; "
                        "none with --quick)")
    parser.add_argument("--no-profile", action="store_true", help="skip the suite profile")
    parser.add_argument("--sizes", type=int, nargs="+", help="override the sizes D")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else str(ROOT / "docs" / "BENCHMARKS.md"))
    figures = args.figures or (str(Path(out).parent) if out and not args.quick else None)
    words = ["python -m benchmarks.run"] + (["--quick"] if args.quick else [])
    if args.sizes:
        words += ["--sizes", *map(str, args.sizes)]
    if args.no_profile:
        words.append("--no-profile")
    if args.out:
        words += ["--out", args.out]
    res = run(quick=args.quick, sizes=args.sizes, profile=not args.no_profile,
              figures_dir=figures, command=" ".join(words))
    text = render(res)
    if out is None:
        print(text)
    else:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
        _dump(res, Path(out).with_name("benchmark_results.json"))
        _log(f"wrote {out} and {Path(out).with_name('benchmark_results.json')}")
    _log(f"done in {res['elapsed']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
