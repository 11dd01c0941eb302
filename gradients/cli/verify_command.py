"""``gradients verify``: the catalog's derivations (or a module's) checked on random inputs.

One row per derivation (examples, inconclusive inputs, worst relative error, verdict), the
counterexample of each failure below the table; ``--json`` for machines. Exit status 0 when
every derivation passes, 1 otherwise.

>>> from gradients.cli.commands import main
>>> main(["verify", "1a", "--examples", "3"])   # doctest: +ELLIPSIS
id  derivation         examples  inconclusive  worst rel. error  verdict
--  -----------------  --------  ------------  ----------------  -------
1a  Trace of a square  3         ...                             pass
...
1 of 1 derivations verified in ... s
0
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from typing import Any

from gradients.catalog import Derivation
from gradients.cli.columns import aligned
from gradients.cli.selection import catalog_of, complex_filter, select
from gradients.cli.verification import DETECTABLE, Verification, verify_derivation

__all__ = ["cmd_verify", "jobs_default"]


def cmd_verify(ns: argparse.Namespace) -> int:
    catalog = catalog_of(ns)
    selected = select(ns.ids, catalog, ns)
    skipped: list[str] = []
    if ns.method == "complex":
        selected, skipped = complex_filter(selected)
    began = time.perf_counter()
    results = _verify_all(selected, ns)
    wall = time.perf_counter() - began
    ok = all(r.ok for r in results)
    if ns.json:
        out: dict[str, Any] = {"method": ns.method, "seed": ns.seed}
        if ns.module:
            out["module"] = ns.module
        out["results"] = [r.as_dict() for r in results]
        if skipped:
            out["skipped"] = skipped
        out["ok"] = ok
        print(json.dumps(out, indent=2))
    else:
        print(_table(results, wall))
        if skipped:
            print(f"not checked with the complex step (their loss is not complex-safe): "
                  f"{', '.join(skipped)}")
        for r in results:
            if r.error is not None:
                print(f"\n{r.id}: could not be checked: {r.error}")
            elif r.counterexample is not None:
                print(f"\n{r.id}: {r.report}")
    if getattr(ns, "profile", False):
        print(_profile(results), file=sys.stderr if ns.json else sys.stdout)
    return 0 if ok else 1


def jobs_default() -> int:
    """The default of ``-j``: the number of cores (1 if unknown)."""
    return os.cpu_count() or 1


def _verify_all(selected: list[Derivation], ns: argparse.Namespace) -> list[Verification]:
    """Each derivation's :class:`Verification`, in the order given.

    With ``ns.jobs > 1`` the derivations are checked in that many worker processes; every
    derivation's draws depend only on ``--seed`` and ``--examples``, so the verdicts and numbers
    are those of ``-j 1`` (only the times differ). A derivation that cannot be checked (its
    loss or strategy raises, or its worker dies) is a row with its ``error``.
    """
    jobs = min(getattr(ns, "jobs", 1) or 1, len(selected))
    tty = sys.stderr.isatty() and not ns.json

    def progress(done: int, d: Derivation) -> None:
        if tty:
            print(f"\r[{done}/{len(selected)}] verified {d.id:<8}", end="", file=sys.stderr,
                  flush=True)

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = []
        for i, d in enumerate(selected, 1):
            results.append(_verify_one(d, ns.examples, ns.seed, ns.method))
            progress(i, d)
    else:
        results = _in_parallel(selected, ns, jobs, progress)
    if tty:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    return results


def _verify_one(d: Derivation, examples: int, seed: int, method: str) -> Verification:
    start = time.perf_counter()
    try:
        return verify_derivation(d, examples=examples, seed=seed, method=method)
    except Exception as exc:  # noqa: BLE001 - e.g. a user's loss or strategy raising
        return _error_row(d, examples, f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                          time.perf_counter() - start)


def _error_row(d: Derivation, examples: int, error: str, seconds: float) -> Verification:
    return Verification(d.id, d.title, examples, 0, 0.0, seconds, error=error)


_WORK: list[Derivation] = []  # the derivations of a parallel run, inherited by the workers


def _work(index: int, examples: int, seed: int, method: str) -> Verification:
    """A worker's job: derivation ``index`` of :data:`_WORK`, its counterexample as text (the
    engine's object may hold the user's functions, which need not pickle)."""
    v = _verify_one(_WORK[index], examples, seed, method)
    if v.counterexample is not None:
        v.counterexample = v.report or str(v.counterexample)
    return v


def _in_parallel(selected: list[Derivation], ns: argparse.Namespace, jobs: int,
                 progress: Any) -> list[Verification]:
    """The derivations checked in ``jobs`` forked processes (the catalog, or the user's module,
    is inherited, never pickled), the results in the order given."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _WORK[:] = selected
    results: list[Verification | None] = [None] * len(selected)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_work, i, ns.examples, ns.seed, ns.method): i
                       for i in _longest_first(selected)}
            for done, future in enumerate(as_completed(futures), 1):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:  # noqa: BLE001 - the worker died or could not answer
                    results[i] = _error_row(selected[i], ns.examples,
                                            f"its worker process failed: {type(exc).__name__}: "
                                            f"{' '.join(str(exc).split())}", 0.0)
                progress(done, selected[i])
    finally:
        _WORK.clear()
    return [r for r in results if r is not None]


def _longest_first(selected: list[Derivation]) -> list[int]:
    """The order in which the derivations are handed to the workers: the checks of Jacobians,
    Hessians and VJPs (the slowest) first, so that no long one starts last."""
    slow = ("jacobian", "vjp", "hessian", "hvp")
    return sorted(range(len(selected)), key=lambda i: selected[i].kind not in slow)


def _profile(results: list[Verification]) -> str:
    """``--profile``: the derivations by time, longest first, and where the time went."""
    rows = [("id", "seconds", "checks", "drawing", "search")]
    for r in sorted(results, key=lambda r: -r.seconds):
        drawing = max(r.seconds - r.check_seconds - r.search_seconds, 0.0)
        rows.append((r.id, f"{r.seconds:.2f}", f"{r.check_seconds:.2f}", f"{drawing:.2f}",
                     f"{r.search_seconds:.2f}"))
    lines = aligned(rows, right=range(1, len(rows[0])))
    lines.append("checks: inside the checks (finite differences and the answer); drawing: "
                 "hypothesis drawing the inputs; search: shrinking a failure to a minimal "
                 "counterexample. The sum of the seconds is CPU time spread over the workers "
                 "with -j > 1.")
    return "\n".join(lines)


def _worst(r: Verification) -> str:
    """The worst relative error of a row: over the conclusive passes of a passing derivation,
    over the failing inputs of a failing one (``raised`` if every failure was an error)."""
    if r.error is not None:
        return "-"
    if r.ok:
        return f"{r.worst_rel_error:.1e}"
    if r.worst_failing_rel_error is None:
        return "raised" if r.raised else "n/a"
    return f"{r.worst_failing_rel_error:.1e}"


def _verdict(r: Verification) -> str:
    if r.error is not None:
        return "ERROR"
    return "pass" if r.ok else f"FAIL ({r.failures})"


def _table(results: list[Verification], wall: float) -> str:
    rows = [("id", "derivation", "examples", "inconclusive", "worst rel. error", "verdict")]
    for r in results:
        rows.append((r.id, r.title, str(r.examples), str(r.inconclusive), _worst(r),
                     _verdict(r)))
    lines = aligned(rows)
    passed = sum(r.ok for r in results)
    lines.append(
        "\ninconclusive: inputs where the check could not have caught a gradient wrong by a "
        f"relative {DETECTABLE:g} (zero gradients, or gradients below the resolution of finite "
        "differences, e.g. behind a saturated sigmoid); the worst error is over the other inputs "
        "(on a FAIL row, over the failing inputs)"
    )
    lines.append(f"{passed} of {len(results)} derivations verified in {wall:.1f} s")
    return "\n".join(lines)
