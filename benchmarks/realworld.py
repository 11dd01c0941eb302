"""Real-world gradients: false alarms and false passes, ``python -m benchmarks.realworld``.

Analytic derivatives that nobody on this project wrote — scikit-learn's Gaussian-process
kernels and log-marginal likelihoods and its ``LinearModelLoss``, scipy's Rosenbrock
family, statsmodels' discrete models and GLMs (:mod:`benchmarks.realworld_cases`) — are
checked by our engine and by the peers (:mod:`benchmarks.realworld_tools`), each as its
users use it. Every case is checked as the library computes it ("right") and with planted
mistakes (one entry times ``1 + 1e-4``, one sign flipped, everything times 2, two entries
swapped). Counted per source and tool:

* **false alarm**: the library's derivative rejected (``"fail"``, or the tool raised);
* **false pass**: a planted mistake accepted. For our engine, a pass of a mistake whose error
  ``max|D' - D| / max|D|`` is within the check's own ``detectable`` is counted apart
  ("within sens."): its report said it could not see an error that small;
* **inconclusive**: our engine's third verdict, neither.

A library derivative that is really wrong is a **library defect**, not a false alarm: each
case is compared with an independent reference (complex step, mpmath, or a scan of hand
steps: :func:`benchmarks.realworld_tools.reference`); a defect case is left out of the counts
and listed with its evidence and each tool's verdict on it.

Usage::

    python -m benchmarks.realworld                        # the markdown section, to stdout
    python -m benchmarks.realworld --out rw.md --json rw.json --failures /tmp/f.md
    python -m benchmarks.realworld --seeds 2 --sources scipy-rosen --tools ours scipy
    python -m benchmarks.realworld --reproduce sklearn-kernel RBF/s3 sign
"""

from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise (as benchmarks.run; set before numpy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.output import bold, emit, jsonable, revision, table, versions  # noqa: E402
from benchmarks.realworld_cases import SOURCES, Case, build_cases  # noqa: E402
from benchmarks.realworld_tools import (  # noqa: E402
    ERROR,
    FAIL,
    INCONCLUSIVE,
    PASS,
    RIGHT,
    VARIANTS,
    WITHIN,
    Outcome,
    plant,
    realworld_tools,
    reference,
)

__all__ = ["SEEDS", "CaseRecord", "main", "render_section", "reproduce", "run",
           "write_failures"]

SEEDS = 5


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class CaseRecord:
    """One case: what it is, its reference verdict, and every tool's outcome per label."""

    source: str
    model: str
    id: str
    kind: str
    n: int
    params: dict[str, Any]
    defect: bool
    evidence: str
    errors: dict[str, float]
    severity: str = ""
    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)

    def verdict(self, tool: str, label: str) -> str | None:
        o = self.outcomes.get(tool, {}).get(label)
        return None if o is None else o.verdict


def _planted_rng(case: Case) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(case.id.encode()))


def _record(case: Case, tools: Sequence[Any]) -> CaseRecord:
    D = case.matrix()
    ref = reference(case, D)
    planted = plant(case, D, _planted_rng(case))
    derivs = {RIGHT: case.deriv, **{label: fn for label, (fn, _) in planted.items()}}
    rec = CaseRecord(case.source, case.model, case.id, case.kind, case.n, case.params,
                     ref.defect, ref.evidence, {k: e for k, (_, e) in planted.items()},
                     ref.severity)
    for tool in tools:
        if tool.applies(case):
            rec.outcomes[tool.name] = tool.outcomes(case, derivs)
    return rec


def run(*, seeds: int = SEEDS, sources: Sequence[str] | None = None,
        families: Sequence[str] | None = None) -> dict[str, Any]:
    """Every case of ``sources`` at seeds ``0..seeds-1``, checked by every tool.

    Parameters
    ----------
    seeds : int
        Seeds per source (each source draws one point per model and seed).
    sources : sequence of str, optional
        Names of :data:`benchmarks.realworld_cases.SOURCES` (default all installed).
    families : sequence of str, optional
        Tool families: ``ours``, ``scipy``, ``statsmodels``, ``numdifftools`` (default all
        installed).

    Returns
    -------
    dict
        ``records`` (one :class:`CaseRecord` per case), ``tools``, ``notes``, versions, time.
    """
    started = time.perf_counter()
    cases, notes = build_cases(range(seeds), sources)
    tools, tool_notes = realworld_tools(list(families) if families else None)
    notes += tool_notes
    for note in notes:
        _log(f"note: {note}")
    records = []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        rec = _record(case, tools)
        records.append(rec)
        ours = rec.outcomes.get("ours", {})
        _log(f"[{i + 1}/{len(cases)}] {case.source:20s} {case.id:34s} "
             f"{time.perf_counter() - t0:6.2f} s  defect {rec.defect!s:5s} ours "
             + " ".join(f"{k}:{o.verdict[:4]}" for k, o in ours.items()))
    return {
        "seeds": seeds, "sources": sorted({c.source for c in cases}, key=list(SOURCES).index),
        "tools": [{"name": t.name, "family": t.family, "rule": t.rule} for t in tools],
        "records": records, "notes": notes, "versions": _versions(), "revision": revision(),
        "elapsed": time.perf_counter() - started,
    }


def _versions() -> dict[str, str]:
    return versions(("numpy", "scipy", "scikit-learn", "statsmodels", "numdifftools", "mpmath"))




# --------------------------------------------------------------------------- counting


@dataclass
class Tally:
    """Counts of one tool over a set of (non-defect) cases."""

    right: int = 0
    alarms: int = 0
    inc_right: int = 0
    wrong: int = 0
    passes: int = 0
    within: int = 0
    inc_wrong: int = 0
    errors: int = 0
    by_variant: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    evaluations: int = 0
    seconds: float = 0.0

    def add(self, rec: CaseRecord, tool: str) -> None:
        for label, o in rec.outcomes.get(tool, {}).items():
            self.evaluations += o.evaluations
            self.seconds += o.seconds
            self.errors += o.verdict.startswith(ERROR)
            if label == RIGHT:
                self.right += 1
                self.alarms += o.verdict in (FAIL, ERROR) or o.verdict.startswith(ERROR)
                self.inc_right += o.verdict == INCONCLUSIVE
            else:
                self.wrong += 1
                self.passes += o.verdict == PASS
                self.by_variant[label] += o.verdict == PASS
                self.within += o.verdict == WITHIN
                self.inc_wrong += o.verdict == INCONCLUSIVE

    @property
    def checks(self) -> int:
        return self.right + self.wrong


def _tally(records: Sequence[CaseRecord], tool: str) -> Tally:
    t = Tally()
    for rec in records:
        if not rec.defect:
            t.add(rec, tool)
    return t


# --------------------------------------------------------------------------- the markdown






def _cell(t: Tally) -> str:
    if not t.checks:
        return "—"
    cell = f"{bold(t.alarms)} / {t.right} · {bold(t.passes)} / {t.wrong}"
    if t.within:
        cell += f" ({t.within} within sens.)"
    if t.inc_right or t.inc_wrong:
        cell += f" ({t.inc_right} / {t.inc_wrong} inc.)"
    return cell


def render_section(res: dict[str, Any], *, level: int = 2) -> str:
    """The "Real-world gradients" section of ``docs/BENCHMARKS.md`` from :func:`run`."""
    h = "#" * level
    records: list[CaseRecord] = res["records"]
    tools = [t["name"] for t in res["tools"]]
    good = [r for r in records if not r.defect]
    defects = [r for r in records if r.defect]
    n_wrong = sum(len(r.errors) for r in good)
    lines = [
        f"{h} Real-world gradients",
        "",
        "Analytic derivatives nobody here wrote (scikit-learn's Gaussian-process kernels, "
        "log-marginal likelihoods and `LinearModelLoss`; scipy's `rosen_der` / `rosen_hess` / "
        "`rosen_hess_prod`; statsmodels' discrete models and GLMs, `score` and `hessian`), "
        f"drawn at seeds 0..{res['seeds'] - 1} over wide ranges (kernel hyperparameters "
        "e^±4 around the defaults, float32 data on odd seeds, statsmodels at the MLE on even "
        "seeds, |score| ~ 1e-13): "
        f"{len(good)} library derivatives and {n_wrong} planted mistakes (`entry-1e-4`: the "
        "largest entry × (1 + 1e-4); `sign`: one entry of at least 1e-3 of the largest "
        "negated; `x2`: all × 2; `swap`: the largest entry swapped with a different one). "
        "**False alarm**: the library's derivative rejected (or the tool raised). "
        "**False pass**: a planted mistake accepted; for our engine, \"within sens.\" counts "
        "the passes of a mistake below the check's own `detectable` (allowed by its promise). "
        "**inc.**: our engine's `\"inconclusive\"`, neither. "
        f"{len(defects)} further cases are **library defects** (the library's derivative is "
        "wrong, confirmed by an independent reference), left out of the counts and listed "
        "below. Each peer is judged by the rule its users write:",
        "",
    ]
    lines += table(["tool", "rule"], [[t["name"], t["rule"]] for t in res["tools"]])
    lines += ["", "False alarms / right checks · false passes / planted mistakes "
              "(inconclusive right / wrong), per source:", ""]
    rows = []
    for source in res["sources"]:
        mine = [r for r in good if r.source == source]
        rows.append([f"`{source}`"] + [_cell(_tally(mine, t)) for t in tools])
    lines += table(["source"] + tools, rows)
    lines += ["", "Totals:", ""]
    rows = []
    for t in tools:
        tl = _tally(records, t)
        per_check = tl.evaluations / tl.checks if tl.checks else math.nan
        rows.append([t, f"{bold(tl.alarms)} of {tl.right}",
                     f"{bold(tl.passes)} of {tl.wrong}"
                     + (f" ({tl.within} within sens.)" if tl.within else ""),
                     ", ".join(f"{v} {tl.by_variant[v]}" for v in VARIANTS),
                     f"{tl.inc_right} / {tl.inc_wrong}", tl.errors, f"{per_check:.0f}",
                     f"{tl.seconds:.1f} s"])
    lines += table(["tool", "false alarms", "false passes", "false passes by mistake",
                     "inconclusive (right / wrong)", "errors", "evaluations / check",
                     "time"], rows)
    lines += ["", "Where each tool's false alarms are (cases, by model):", ""]
    rows = []
    for t in tools:
        models: dict[str, int] = {}
        for r in good:
            if (r.verdict(t, RIGHT) or "").startswith((FAIL, ERROR)):
                models[f"{r.source}: {r.model}"] = models.get(f"{r.source}: {r.model}", 0) + 1
        rows.append([t, "; ".join(f"{m} ({k})" for m, k in sorted(models.items())) or "—"])
    lines += table(["tool", "false alarms on"], rows)
    if defects:
        lines += ["", "Library defects (the library's derivative is wrong; the verdict of each "
                  "tool on it — `fail` catches it):", ""]
        rows = [[f"`{r.id}`", r.source, r.severity, r.evidence]
                + [r.verdict(t, RIGHT) or "—" for t in tools]
                for r in sorted(defects, key=lambda r: (r.severity, r.source, r.model))]
        lines += table(["case", "source", "defect", "independent confirmation"] + tools, rows)
    lines += ["", f"Generated by `python -m benchmarks.realworld --seeds {res['seeds']}` in "
              f"{res['elapsed']:.0f} s, git {res['revision']}; "
              + ", ".join(f"{k} {v}" for k, v in res["versions"].items()) + "."]
    if res["notes"]:
        lines += [""] + [f"* {n}" for n in res["notes"]]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- our failures


def _ours_failures(records: Sequence[CaseRecord]) -> list[tuple[CaseRecord, str, str]]:
    out = []
    for r in records:
        ours = r.outcomes.get("ours", {})
        for label, o in ours.items():
            if r.defect:
                continue
            if label == RIGHT and o.verdict.startswith((FAIL, ERROR)):
                out.append((r, label, "false alarm"))
            elif label != RIGHT and o.verdict == PASS:
                out.append((r, label, "false pass"))
    return out


def write_failures(res: dict[str, Any], path: str | Path) -> int:
    """Every false alarm and false pass of our engine, with a reproducer, to ``path``.

    Returns
    -------
    int
        How many were written.
    """
    found = _ours_failures(res["records"])
    lines = ["# Real-world gradients: our engine's false alarms and false passes", "",
             f"From `python -m benchmarks.realworld --seeds {res['seeds']}` (git "
             f"{res['revision']}). Each is reproduced, with our engine's full report, by the "
             "command under it (from the repository root, with the bench extra).", ""]
    for r, label, what in found:
        o = r.outcomes["ours"][label]
        err = f", planted error {r.errors[label]:.2g}" if label in r.errors else ""
        lines += [f"## {what}: `{r.id}` ({r.source}, {r.kind}, n = {r.n}), {label}{err}", "",
                  f"- verdict: {o.verdict} ({o.detail}); {o.evaluations} evaluations",
                  f"- parameters: `{json.dumps(jsonable(r.params))}`",
                  f"- reference: {r.evidence}", "",
                  "```bash",
                  f"python -m benchmarks.realworld --reproduce {r.source} {r.id}"
                  + ("" if label == RIGHT else f" {label}"),
                  "```", ""]
    within = [(r, label) for r in res["records"] if not r.defect
              for label, o in r.outcomes.get("ours", {}).items() if o.verdict == WITHIN]
    if within:
        lines += ["## Passes within the stated sensitivity (allowed by the promise)", ""]
        lines += [f"- `{r.id}` ({r.source}) {label}: planted error {r.errors[label]:.2g}, "
                  f"{r.outcomes['ours'][label].detail}" for r, label in within]
    if not found:
        lines += ["No false alarm and no false pass.", ""]
    Path(path).write_text("\n".join(lines) + "\n")
    return len(found)


def reproduce(source: str, case_id: str, variant: str = RIGHT) -> str:
    """Our engine's report on one case (``variant``: ``right`` or a planted mistake's label),
    with the case's parameters, point and independent reference."""
    import checks

    seed = int(case_id.split("/s")[1].split("/")[0])
    cases, _ = build_cases([seed], [source])
    case = next((c for c in cases if c.id == case_id), None)
    if case is None:
        raise ValueError(f"no case {case_id!r} in {source} at seed {seed}: "
                         f"{[c.id for c in cases]}")
    D = case.matrix()
    derivs = {RIGHT: case.deriv, **{k: fn for k, (fn, _) in plant(case, D, _planted_rng(case)
                                                                 ).items()}}
    if variant not in derivs:
        raise ValueError(f"no variant {variant!r}; choose from {list(derivs)}")
    deriv, args = derivs[variant], (case.x.copy(),)
    try:
        if case.kind == "gradient":
            r: Any = checks.check_gradient(case.f, deriv, args)
        elif case.kind == "jacobian":
            r = checks.check_jacobian(case.f, deriv, args)
        elif case.kind == "hessian":
            r = checks.check_hessian(case.f, deriv, args, grad=case.grad)
        else:
            r = checks.check_hvp(case.f, deriv, args, grad=case.grad)
    except Exception as exc:  # noqa: BLE001 - the engine's raise is the report here
        r = f"the check raised {type(exc).__name__}: {exc}"
    ref = reference(case, D)
    return (f"{case.source} {case.id} ({case.kind}, n = {case.n}) {variant}\n"
            f"parameters: {json.dumps(jsonable(case.params))}\nx = {case.x!r}\n"
            f"reference: {ref.evidence}\n\n{r}")


# --------------------------------------------------------------------------- the command




def main(argv: Sequence[str] | None = None) -> int:
    """The command line (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realworld",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=SEEDS,
                        help=f"seeds per source (default {SEEDS}: 0..{SEEDS - 1})")
    parser.add_argument("--sources", nargs="+", choices=list(SOURCES),
                        help="sources (default: all installed)")
    parser.add_argument("--tools", nargs="+", choices=["ours", "scipy", "statsmodels",
                                                       "numdifftools"],
                        help="tool families (default: all installed)")
    parser.add_argument("--out", help="write the markdown section here (default: print it)")
    parser.add_argument("--json", help="write every outcome here ('-': stdout)")
    parser.add_argument("--failures", default="/tmp/realworld_failures.md",
                        help="our engine's false alarms and passes, with reproducers "
                        "(default /tmp/realworld_failures.md)")
    parser.add_argument("--reproduce", nargs="+", metavar=("SOURCE", "ID"),
                        help="print our engine's report on one case: SOURCE ID [VARIANT]")
    args = parser.parse_args(argv)
    if args.reproduce:
        if not 2 <= len(args.reproduce) <= 3:
            parser.error("--reproduce takes SOURCE ID [VARIANT]")
        try:
            print(reproduce(*args.reproduce))
        except ValueError as exc:
            parser.error(str(exc))
        return 0
    res = run(seeds=args.seeds, sources=args.sources, families=args.tools)
    text = render_section(res)
    emit(text, res, out=args.out, json_path=args.json, log=_log)
    if any(t["family"] == "ours" for t in res["tools"]) and args.failures:
        k = write_failures(res, args.failures)
        _log(f"wrote {args.failures}: {k} false alarms / false passes of our engine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
