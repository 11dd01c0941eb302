"""Target 4: where the time of the catalog's property test goes.

Runs ``python -m cProfile -m pytest tests/test_catalog.py`` with ``HYPOTHESIS_PROFILE=ci`` in
a subprocess and splits the *self* time of every function by where it lives: this project
(``checks/``, ``gradients/``, ``tests/``), hypothesis, numpy, pytest (with pluggy), the
standard library and the rest. Time spent in built-in (C) functions such as ``ndarray.astype``
or ``ufunc.reduce`` is given to the caller that called them, in proportion to the time
cProfile recorded per caller, so that numpy's C work done for ``checks/`` counts as ``checks/``.
Also reported: the inclusive (cumulative) time under ``checks.check_gradient`` and the
functions of ``checks/`` with the most self time: the hot spots.

cProfile adds a fixed cost to every Python call, so it inflates call-heavy code (hypothesis's
engine and the per-evaluation loop of ``checks/``) against numpy's C kernels; the shares are
an upper bound for the Python-heavy parts.
"""

from __future__ import annotations

import os
import pstats
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SuiteProfile", "profile_suite"]

ROOT = Path(__file__).resolve().parents[1]
TEST_FILE = "tests/test_catalog.py"


@dataclass
class SuiteProfile:
    """Shares of self time (fractions of the profiled total) and the hot spots of ``checks/``."""

    command: str
    wall_time: float
    profiled_time: float
    outcome: str
    shares: dict[str, float]
    check_gradient_inclusive: float
    hot_spots: list[tuple[str, float, int]] = field(default_factory=list)

    def as_dict(self):
        return {
            "command": self.command, "wall_time": self.wall_time,
            "profiled_time": self.profiled_time, "outcome": self.outcome, "shares": self.shares,
            "check_gradient_inclusive": self.check_gradient_inclusive,
            "hot_spots": self.hot_spots,
        }


def _category(filename: str) -> str:
    path = filename.replace("\\", "/")
    root = str(ROOT).replace("\\", "/") + "/"
    if path.startswith(root):
        rel = path[len(root):]
        top = rel.split("/", 1)[0]
        if top in ("checks", "gradients", "tests"):
            return f"{top}/"
        return "project (other)"
    for name, key in (("hypothesis", "/hypothesis/"), ("numpy", "/numpy/"),
                      ("pytest", "/_pytest/"), ("pytest", "/pytest/"), ("pytest", "/pluggy/")):
        if key in path:
            return name
    stdlib = sysconfig.get_paths()["stdlib"].replace("\\", "/")
    if path.startswith(stdlib) and "site-packages" not in path:
        return "python stdlib"
    return "other"


def _label(func) -> str:
    filename, line, name = func
    path = filename.replace("\\", "/")
    root = str(ROOT).replace("\\", "/") + "/"
    if path.startswith(root):
        path = path[len(root):]
    return f"{path}:{line}({name})"


def _attribute(stats: pstats.Stats):
    """Self time per category and per function, built-ins given to their callers."""
    per_cat: dict[str, float] = {}
    per_func: dict[tuple, float] = {}
    table = stats.stats  # func -> (cc, nc, tt, ct, callers)

    def add(func, t):
        per_func[func] = per_func.get(func, 0.0) + t
        cat = _category(func[0])
        per_cat[cat] = per_cat.get(cat, 0.0) + t

    for func, (_cc, _nc, tt, _ct, callers) in table.items():
        if func[0] != "~" or not callers:
            if func[0] != "~":
                add(func, tt)
            else:
                per_cat["other"] = per_cat.get("other", 0.0) + tt
            continue
        total = sum(v[2] for v in callers.values()) or 0.0
        for caller, v in callers.items():
            share = tt * (v[2] / total) if total > 0 else tt / len(callers)
            if caller[0] == "~":
                per_cat["other"] = per_cat.get("other", 0.0) + share
            else:
                add(caller, share)
    return per_cat, per_func


def profile_suite(*, test_file: str = TEST_FILE, top: int = 8) -> SuiteProfile:
    """Profile ``pytest test_file`` under ``HYPOTHESIS_PROFILE=ci`` (a subprocess)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "suite.prof")
        cmd = [sys.executable, "-m", "cProfile", "-o", out, "-m", "pytest", test_file, "-q",
               "-p", "no:cacheprovider", "-p", "no:randomly"]
        env = dict(os.environ, HYPOTHESIS_PROFILE="ci")
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        outcome = lines[-1] if lines else f"exit code {proc.returncode}"
        if not os.path.exists(out):
            raise RuntimeError(f"profiling failed ({outcome}): {proc.stderr[-500:]}")
        stats = pstats.Stats(out)
    per_cat, per_func = _attribute(stats)
    total = sum(per_cat.values())
    shares = {k: v / total for k, v in sorted(per_cat.items(), key=lambda kv: -kv[1])}
    inclusive = 0.0
    for func, (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if func[2] == "check_gradient" and func[0].endswith("checks/compare.py"):
            inclusive = ct / total
    ours = [(f, t) for f, t in per_func.items() if _category(f[0]) == "checks/"]
    ours.sort(key=lambda ft: -ft[1])
    calls = {f: v[1] for f, v in stats.stats.items()}
    hot = [(_label(f), t / total, int(calls.get(f, 0))) for f, t in ours[:top]]
    command = f"HYPOTHESIS_PROFILE=ci python -m cProfile -m pytest {test_file} -q"
    return SuiteProfile(command, wall, total, outcome, shares, inclusive, hot)


if __name__ == "__main__":  # pragma: no cover - a manual entry point
    prof = profile_suite()
    print(prof.outcome, f"{prof.wall_time:.1f} s")
    for k, v in prof.shares.items():
        print(f"{k:18s} {100 * v:5.1f}%")
    print(f"inclusive under check_gradient: {100 * prof.check_gradient_inclusive:.1f}%")
    for label, share, n in prof.hot_spots:
        print(f"{100 * share:5.2f}%  {n:8d} calls  {label}")
