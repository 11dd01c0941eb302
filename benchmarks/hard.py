"""Hard functions: false alarms and false passes of every checker, ``python -m benchmarks.hard``.

For each case of the hard-function library (``HARD_CASES`` in ``tests/_hard.py``) that is
listed in :data:`CASE_IDS`, on 30 random inputs (``draw(np.random.default_rng(seed))``,
seeds 0..29), every tool checks the exact gradient and each planted-wrong variant of the
case. Counted per case and tool:

* **false alarm**: the exact gradient rejected. A tool that raises on the exact gradient
  (or, for the tools without a verdict, returns a non-finite estimate) counts as a false
  alarm, and is also shown in the "error" column;
* **false pass**, per wrong variant: the wrong gradient accepted. A tool that raises on a
  wrong gradient has not accepted it: no false pass (it is counted under "error");
* **inconclusive**: a verdict of ``"inconclusive"`` (``r.verdict`` when the engine's result
  has that attribute, otherwise ``r.ok`` decides) counts as neither an alarm nor a pass.

Tools, each at its defaults (:mod:`benchmarks.peers` for the peers' adapters):

* ours: ``check_gradient(f, grad, args, argnum=...)``, full and ``mode="directional"``;
* numdifftools ``Gradient`` (default) and scipy ``check_grad``, which give no verdict: both
  are judged by one rule a user would write, ``||a - n||_2 <= USER_RTOL * ||a||_2`` with
  ``a`` the gradient under test, ``n`` the tool's numerical gradient (scipy: ``check_grad``
  returns ``||a - n||_2`` itself) and ``USER_RTOL = 1e-5`` (numpy ``allclose``'s default
  ``rtol``; loose enough for scipy's forward difference on regular functions, tight enough
  for the ``1e-4`` variants). The estimate of numdifftools does not depend on the gradient
  under test: it is computed once per input and compared with each variant;
* torch ``gradcheck`` (default and ``fast_mode=True``) and jax ``check_grads`` (``order=1``,
  modes ``fwd`` and ``rev``), through the wrappers of :mod:`benchmarks.peers` (they check
  the numpy gradient under test, not their own autodiff).

Every tool sees the same closure ``x -> f(*args[:k], x, *args[k+1:])`` over the drawn
arguments and the differentiated argument ``x = args[argnum]`` as float64 (as our engine
converts it). A peer that is not installed is skipped with a note.

Usage::

    python -m benchmarks.hard                        # the markdown section, to stdout
    python -m benchmarks.hard --out hard.md --json hard.json
    python -m benchmarks.hard --seeds 5 --cases pole log-edge --tools ours
"""

from __future__ import annotations

import os

# One BLAS thread unless the caller says otherwise (as benchmarks.run; set before numpy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.output import bold, emit, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "CASE_IDS",
    "SEEDS",
    "USER_RTOL",
    "Bound",
    "CaseResult",
    "HardTool",
    "hard_tools",
    "load_cases",
    "main",
    "render_section",
    "run",
]

#: The cases reported, in table order (those present in ``HARD_CASES``). Left out: cases
#: that are not meaningful for the peers (a non-deterministic f, a user step that
#: underflows, Taylor-mode cases).
CASE_IDS = (
    "relu-net",
    "layernorm-offset",
    "pole",
    "log-edge",
    "sqrt-edge",
    "gauss-nll",
    "abs-small",
    "sin-offset",
    "logdet-illcond",
    "relu-exact-kink",
    "float32-logistic",
    "huge-trace",
    "huge-output",
    "sin300",
    # issue 17: the attacks (tests/_attack.py), one per mechanism
    "narrow-bump",
    "odd-bump",
    "mixed-scales",
    "tie",
    "maxpool-ties",
    "kink-in-probe",
    "two-kinks",
    "near-pole",
    "lse-tail",
    "subnormal",
    "cholesky-logdet",
    "floor-jump",
)

SEEDS = 30
#: Relative tolerance of the rule applied to the tools that give no verdict.
USER_RTOL = 1e-5
EXACT = "exact"
#: Wrong variants every case has, one column each (the others share a column).
STANDARD_VARIANTS = ("one-entry-10%", "scaled-1e-4")

PASS, FAIL, INCONCLUSIVE, ERROR = "pass", "fail", "inconclusive", "error"
#: Our verdict "pass" on a wrong gradient whose error is within the stated ``detectable``.
WITHIN = "pass (within detectable)"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the cases


#: The case libraries: issue 9's hard functions and issue 17's attacks.
MODULES = ("tests._hard", "tests._attack")


def load_cases(modules: str | Sequence[str] = MODULES) -> list[Any]:
    """``HARD_CASES`` and ``ATTACK_CASES`` of ``modules`` (imported from the repository
    root), in order."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    names = [modules] if isinstance(modules, str) else list(modules)
    out: list[Any] = []
    for name in names:
        module = importlib.import_module(name)
        out += list(getattr(module, "HARD_CASES", ())) + list(getattr(module, "ATTACK_CASES", ()))
    return out


class Bound:
    """One drawn input of a case, seen as a function of ``args[argnum]`` alone.

    It has the attributes the adapters of :mod:`benchmarks.peers` read from a
    :class:`benchmarks.problems.Problem`: ``x`` (float64 copy of ``args[argnum]``), ``f(x)``,
    ``grad(x)`` (the exact gradient) and ``exact`` (``grad(x)``).
    """

    def __init__(self, case, args: Sequence[Any]):
        self.case = case
        self.id = case.id
        self.args = tuple(args)
        self.argnum = int(getattr(case, "argnum", 0))
        self.x = np.array(self.args[self.argnum], dtype=np.float64)
        self.f = self.bind(case.f)
        self.grad = self.bind(case.grad)
        self.exact = np.asarray(case.grad(*self.args), dtype=np.float64)
        self.n = self.x.size

    def bind(self, fn: Callable[..., Any]) -> Callable[[np.ndarray], Any]:
        """``x -> fn(*args[:k], x, *args[k+1:])``."""
        before, after = self.args[: self.argnum], self.args[self.argnum + 1 :]
        return lambda x: fn(*before, x, *after)


# --------------------------------------------------------------------------- the tools


class HardTool:
    """A checker on a :class:`Bound` input: ``verdicts(bound, grads) -> {label: verdict}``.

    ``grads`` maps a label (``"exact"`` or a wrong variant's) to ``fn(*args)``. A verdict is
    ``"pass"``, ``"fail"``, ``"inconclusive"`` or ``"error: ..."``.
    """

    name = "tool"
    family = "ours"
    rule = ""

    def verdict(self, bound: Bound, grad: Callable[..., Any]) -> str:
        raise NotImplementedError

    def verdicts(self, bound: Bound, grads: dict[str, Callable[..., Any]]) -> dict[str, str]:
        return {label: _guarded(lambda g=g: self.verdict(bound, g)) for label, g in grads.items()}


def _guarded(call: Callable[[], str]) -> str:
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return call()
    except Exception as exc:  # noqa: BLE001 - a raise is a result here
        return f"{ERROR}: {type(exc).__name__}: {exc}".splitlines()[0][:200]


def _our_verdict(r) -> str:
    """``r.verdict`` if the result has one (``"inconclusive"`` kept apart), else ``r.ok``."""
    v = getattr(r, "verdict", None)
    if v is not None:
        text = str(getattr(v, "value", v)).lower()
        if "inconclusive" in text:
            return INCONCLUSIVE
        if text in ("pass", "passed", "ok", "true"):
            return PASS
        if text in ("fail", "failed", "false"):
            return FAIL
    if r.ok is None:
        return INCONCLUSIVE
    return PASS if r.ok else FAIL


class Ours(HardTool):
    family = "ours"

    def __init__(self, mode: str = "full", method: str | None = None):
        self.mode, self.method = mode, method
        self.name = "ours full (default)" if mode == "full" else f"ours {mode}"
        extra = "" if mode == "full" else f", mode={mode!r}"
        if method is not None:
            self.name = f"ours {mode} {method}"
            extra += f", method={method!r}"
        self.rule = f"check_gradient(f, grad, args, argnum=k{extra}); its verdict"

    def verdict(self, bound, grad):
        from checks import check_gradient

        kw = {} if self.mode == "full" else {"mode": self.mode}
        if self.method is not None:
            kw["method"] = self.method
        r = check_gradient(bound.case.f, grad, bound.args, argnum=bound.argnum, **kw)
        v = _our_verdict(r)
        if v == PASS and grad is not bound.case.grad:
            # a wrong gradient passed: within the check's own promise or not?
            g = np.asarray(bound.case.grad(*bound.args), dtype=float)
            a = np.asarray(grad(*bound.args), dtype=float)
            diff, top = float(np.max(np.abs(a - g))), float(np.max(np.abs(g)))
            err = diff / top if top > 0.0 else (0.0 if diff == 0.0 else float("inf"))
            if err <= float(getattr(r, "detectable", -1.0)):
                return WITHIN
        return v


def _norm(v: np.ndarray) -> float:
    """``||v||_2`` without overflow (``np.linalg.norm`` squares: inf past ~1e154)."""
    v = np.asarray(v, dtype=np.float64).ravel()
    m = float(np.max(np.abs(v), initial=0.0))
    if m == 0.0 or not math.isfinite(m):
        return m  # 0, inf or nan
    return m * float(np.linalg.norm(v / m))


def _user_rule(analytic: np.ndarray, numerical: np.ndarray) -> str:
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numerical, dtype=np.float64).ravel()
    if not np.all(np.isfinite(n)):
        return f"{ERROR}: non-finite numerical gradient"
    return PASS if _norm(a - n) <= USER_RTOL * _norm(a) else FAIL


class NumdifftoolsRule(HardTool):
    family = "numdifftools"
    name = "numdifftools Gradient"
    rule = f"no verdict: ‖a − n‖₂ ≤ {USER_RTOL:g}·‖a‖₂, n = Gradient(f)(x)"

    def verdicts(self, bound, grads):
        from benchmarks.peers import Numdifftools

        est: dict[str, Any] = {}

        def estimate() -> str:
            est["n"] = Numdifftools().check(bound, bound.grad).numerical
            return PASS

        failed = _guarded(estimate)
        out = {}
        for label, g in grads.items():
            if failed != PASS:
                out[label] = failed
            else:
                out[label] = _guarded(lambda g=g: _user_rule(g(*bound.args), est["n"]))
        return out


class ScipyRule(HardTool):
    family = "scipy"
    name = "scipy check_grad"
    rule = f"no verdict: check_grad(f, g, x) ≤ {USER_RTOL:g}·‖g(x)‖₂"

    def verdict(self, bound, grad):
        from scipy.optimize import check_grad

        shape = bound.x.shape
        f = bound.f
        g = bound.bind(grad)
        value = check_grad(lambda v: f(v.reshape(shape)),
                           lambda v: np.asarray(g(v.reshape(shape)), dtype=np.float64).ravel(),
                           bound.x.ravel())
        if not math.isfinite(value):
            return f"{ERROR}: check_grad returned {value}"
        a = np.asarray(g(bound.x), dtype=np.float64)
        return PASS if value <= USER_RTOL * _norm(a) else FAIL


class PeerVerdict(HardTool):
    """A peer adapter of :mod:`benchmarks.peers` that has its own verdict."""

    def __init__(self, make: Callable[[], Any]):
        self.make = make
        tool = make()
        self.name, self.family, self.rule = tool.name, tool.family, tool.scheme

    def verdicts(self, bound, grads):
        tool = self.make()  # fresh per input: the jax adapter caches one function per gradient
        return {label: _guarded(lambda g=g: PASS if tool.check(bound, bound.bind(g)).ok else FAIL)
                for label, g in grads.items()}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def hard_tools(names: Sequence[str] | None = None) -> tuple[list[HardTool], list[str]]:
    """The tools in table order (``names``: families to keep) and a note per skipped one."""
    from benchmarks import peers

    tools: list[HardTool] = []
    notes: list[str] = []
    want = set(names) if names else None

    def wanted(family: str) -> bool:
        return want is None or family in want

    if wanted("ours"):
        try:
            import checks  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - the engine is being rewritten: say so
            notes.append(f"checks failed to import ({type(exc).__name__}: {exc}): ours skipped")
        else:
            tools += [Ours("full"), Ours("directional")]
    if want is not None and "ours-auto" in want:  # only when asked: method="auto", full mode
        tools.append(Ours("full", "auto"))
    for family, module, make in (
        ("numdifftools", "numdifftools", NumdifftoolsRule),
        ("scipy", "scipy", ScipyRule),
    ):
        if wanted(family):
            if _installed(module):
                tools.append(make())
            else:
                notes.append(f"{module} is not installed: {make.name} skipped")
    if wanted("torch"):
        if _installed("torch"):
            tools += [PeerVerdict(peers.TorchGradcheck),
                      PeerVerdict(lambda: peers.TorchGradcheck(fast_mode=True))]
        else:
            notes.append("torch is not installed: torch gradcheck skipped")
    if wanted("jax"):
        if _installed("jax") and _installed("jaxlib"):
            tools.append(PeerVerdict(peers.JaxCheckGrads))
        else:
            notes.append("jax is not installed: jax check_grads skipped")
    for note in notes:
        _log(f"note: {note}")
    return tools, notes


# --------------------------------------------------------------------------- running


@dataclass
class CaseResult:
    """One tool on one case: the verdicts per gradient label, one per seed."""

    case: str
    title: str
    tool: str
    family: str
    n: int
    variants: list[str]
    verdicts: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, label: str, kind: str) -> int:
        return sum(v.startswith(kind) for v in self.verdicts.get(label, []))

    def false_alarms(self) -> int:
        """Exact gradient rejected or the tool raised on it."""
        return self.count(EXACT, FAIL) + self.count(EXACT, ERROR)

    def false_passes(self, label: str) -> int:
        return self.count(label, PASS)

    def within(self, label: str | None = None) -> int:
        """Passes of a wrong gradient whose error was within the check's ``detectable``:
        allowed by the promise (the report said it could not see an error that small)."""
        labels = [label] if label else list(self.variants)
        return sum(self.count(lab, WITHIN) for lab in labels)

    def errors(self, label: str | None = None) -> int:
        labels = [label] if label else list(self.verdicts)
        return sum(self.count(lab, ERROR) for lab in labels)

    def inconclusive(self, label: str | None = None) -> int:
        labels = [label] if label else list(self.verdicts)
        return sum(self.count(lab, INCONCLUSIVE) for lab in labels)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = {
            "seeds": len(self.verdicts.get(EXACT, [])),
            "false_alarms": self.false_alarms(),
            "inconclusive_exact": self.inconclusive(EXACT),
            "errors_exact": self.errors(EXACT),
            "false_passes": {v: self.false_passes(v) for v in self.variants},
            "inconclusive_wrong": {v: self.inconclusive(v) for v in self.variants},
            "errors_wrong": {v: self.errors(v) for v in self.variants},
        }
        return d


def run(*, seeds: int = SEEDS, case_ids: Sequence[str] | None = None,
        families: Sequence[str] | None = None,
        module: str | Sequence[str] = MODULES) -> dict[str, Any]:
    """Check every listed case on ``seeds`` inputs with every tool; the results dictionary."""
    from benchmarks.peers import peer_versions

    started = time.perf_counter()
    cases = {c.id: c for c in load_cases(module)}
    wanted = list(case_ids) if case_ids else list(CASE_IDS)
    missing = [cid for cid in wanted if cid not in cases]
    present = [cid for cid in wanted if cid in cases]
    notes = []
    if missing:
        notes.append(f"cases not in the libraries (skipped): {', '.join(missing)}")
        _log(f"note: {notes[-1]}")
    tools, tool_notes = hard_tools(families)
    notes += tool_notes
    results: list[CaseResult] = []
    for cid in present:
        case = cases[cid]
        variants = [label for label, _ in case.wrong]
        grads = {EXACT: case.grad, **dict(case.wrong)}
        bounds = [Bound(case, case.draw(np.random.default_rng(seed))) for seed in range(seeds)]
        for tool in tools:
            res = CaseResult(cid, getattr(case, "title", cid), tool.name, tool.family,
                             bounds[0].n, variants, {label: [] for label in grads})
            t0 = time.perf_counter()
            for b in bounds:
                for label, v in tool.verdicts(b, grads).items():
                    res.verdicts[label].append(v)
            res.seconds = time.perf_counter() - t0
            results.append(res)
            _log(f"{cid:18s} {tool.name:28s} {res.seconds:7.2f} s  alarms {res.false_alarms():2d}"
                 f"  passes {[res.false_passes(v) for v in variants]}"
                 f"  inconclusive {res.inconclusive()}  errors {res.errors()}")
    try:
        import checks  # noqa: F401
        from benchmarks.provenance import git_revision

        revision = git_revision()
    except Exception:  # noqa: BLE001
        revision = "unknown"
    return {
        "seeds": seeds, "cases": present, "notes": notes, "user_rtol": USER_RTOL,
        "case_info": [{"id": cid, "title": getattr(cases[cid], "title", ""),
                       "notes": getattr(cases[cid], "notes", ""),
                       "argnum": int(getattr(cases[cid], "argnum", 0)),
                       "n": Bound(cases[cid], cases[cid].draw(np.random.default_rng(0))).n,
                       "variants": [label for label, _ in cases[cid].wrong]}
                      for cid in present],
        "tools": [{"name": t.name, "family": t.family, "rule": t.rule} for t in tools],
        "results": results, "versions": peer_versions(), "revision": revision,
        "elapsed": time.perf_counter() - started,
    }


# --------------------------------------------------------------------------- the markdown






def render_section(res: dict[str, Any], *, level: int = 2) -> str:
    """The "Hard functions" section of ``docs/BENCHMARKS.md`` from :func:`run`'s results."""
    h = "#" * level
    results: list[CaseResult] = res["results"]
    seeds = res["seeds"]
    lines = [
        f"{h} Hard functions",
        "",
        f"Cases of `tests/_hard.py` (`HARD_CASES`, the hard functions of issue 9) and "
        f"`tests/_attack.py` (`ATTACK_CASES`, one per mechanism of issue 17), each on {seeds} "
        f"random inputs (seeds "
        f"0..{seeds - 1} of `draw`); every tool, at its defaults, checks the exact gradient "
        "and each planted-wrong variant: `one-entry-10%` (the largest entry, or the hard one, "
        "times 1.1), `scaled-1e-4` (the whole gradient times 1 + 1e-4) and a few per case. "
        f"**False alarm**: the exact gradient rejected (out of {seeds}); a tool that raises on "
        "it, or returns a non-finite estimate, counts as one (and under \"errors\"). "
        f"**False pass**: a wrong variant accepted (out of {seeds} per variant); a raise is no "
        "pass. For our engine, \"within sens.\" counts the false passes whose error "
        "`max|a − g| / max|g|` was within the check's own `detectable`, which its report "
        "printed: allowed by its promise (e.g. a 1e-4 error in a float32 loss whose noise "
        "limits the check to 1e-3). **Inconclusive**: our engine's verdict "
        "`\"inconclusive\"` (`r.verdict`; "
        "where the result has no `verdict`, `r.ok` decides), counted as neither. numdifftools "
        "and scipy give no verdict: they are judged by the rule a user would write, "
        f"`‖a − n‖₂ ≤ {res['user_rtol']:g}·‖a‖₂` (a the gradient under test, n the tool's "
        "numerical gradient; scipy's `check_grad` returns `‖a − n‖₂` itself; "
        f"{res['user_rtol']:g} is numpy `allclose`'s default rtol). torch and jax check the "
        "numpy gradient under test through a `torch.autograd.Function` / `jax.custom_jvp` "
        "wrapper (as in the tables above), at their default tolerances.",
        "",
    ]
    info = res.get("case_info", [])
    if info:
        lines += table(["case", "n", "what", "why it is hard"],
                        [[f"`{c['id']}`", c["n"], c["title"], c["notes"]] for c in info])
        lines.append("")
    tools = [t["name"] for t in res["tools"]]
    by = {(r.case, r.tool): r for r in results}
    lines += [f"False alarms · false passes (all wrong variants together) per case, out of "
              f"{seeds} and {seeds} × the number of variants:", ""]
    rows = []
    for cid in res["cases"]:
        row = [f"`{cid}`"]
        for t in tools:
            r = by.get((cid, t))
            if r is None:
                row.append("—")
                continue
            passes = sum(r.false_passes(v) for v in r.variants)
            cell = f"{bold(r.false_alarms())} · {bold(passes)}"
            if r.within():
                cell += f" ({r.within()} within sens.)"
            if r.inconclusive():
                cell += f" ({r.inconclusive()} inc.)"
            row.append(cell)
        rows.append(row)
    lines += table(["case"] + tools, rows)
    lines += ["", "Per case, tool and wrong variant:", ""]
    header = (["case", "n", "tool", "false alarms"]
              + [f"false passes: {v}" for v in STANDARD_VARIANTS]
              + ["false passes: other variants", "inconclusive (exact / wrong)",
                 "errors (exact / wrong)", "time"])
    rows = []
    for r in results:
        row = [f"`{r.case}`", r.n, r.tool, bold(r.false_alarms())]
        for v in STANDARD_VARIANTS:
            row.append(bold(r.false_passes(v)) if v in r.variants else "—")
        others = [v for v in r.variants if v not in STANDARD_VARIANTS]
        row.append(", ".join(f"`{v}` {bold(r.false_passes(v))}" for v in others) or "—")
        inc_w = sum(r.inconclusive(v) for v in r.variants)
        err_w = sum(r.errors(v) for v in r.variants)
        row += [f"{r.inconclusive(EXACT)} / {inc_w}", f"{r.errors(EXACT)} / {err_w}",
                f"{r.seconds:.2f} s"]
        rows.append(row)
    lines += table(header, rows)
    # totals per tool
    lines += ["", f"Totals over the {len(res['cases'])} cases ({seeds} inputs each):", ""]
    rows = []
    for t in res["tools"]:
        mine = [r for r in results if r.tool == t["name"]]
        checks_exact = sum(len(r.verdicts.get(EXACT, [])) for r in mine)
        checks_wrong = sum(len(r.verdicts.get(v, [])) for r in mine for v in r.variants)
        alarms = sum(r.false_alarms() for r in mine)
        passes = sum(r.false_passes(v) for r in mine for v in r.variants)
        within = sum(r.within() for r in mine)
        inc = sum(r.inconclusive(EXACT) for r in mine), sum(
            r.inconclusive(v) for r in mine for v in r.variants)
        err = sum(r.errors(EXACT) for r in mine), sum(r.errors(v) for r in mine for v in r.variants)
        hit = sorted({r.case for r in mine if r.false_alarms()})
        fooled = sorted({r.case for r in mine if any(r.false_passes(v) for v in r.variants)})
        rows.append([
            t["name"], f"{bold(alarms)} of {checks_exact}",
            f"{bold(passes)} of {checks_wrong}" + (f" ({within} within sens.)" if within else ""),
            f"{inc[0]} / {inc[1]}", f"{err[0]} / {err[1]}",
            ", ".join(f"`{c}`" for c in hit) or "—", ", ".join(f"`{c}`" for c in fooled) or "—",
            t["rule"],
        ])
    lines += table(["tool", "false alarms", "false passes", "inconclusive (exact / wrong)",
                     "errors (exact / wrong)", "alarms on", "fooled on", "verdict"], rows)
    lines += ["", f"Generated by `python -m benchmarks.hard` in {res['elapsed']:.0f} s, git "
              f"{res['revision']}; "
              + ", ".join(f"{k} {v}" for k, v in res["versions"].items()
                          if k in ("scipy", "numdifftools", "torch", "jax")) + "."]
    if res["notes"]:
        lines += [""] + [f"* {n}" for n in res["notes"]]
    return "\n".join(lines) + "\n"




def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hard",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"inputs per case (default "
                        f"{SEEDS}: seeds 0..{SEEDS - 1})")
    parser.add_argument("--cases", nargs="+", help="case ids (default: CASE_IDS)")
    parser.add_argument("--tools", nargs="+", help="families to run: ours numdifftools scipy "
                        "torch jax, and ours-auto (method='auto', only when named; default: all "
                        "installed)")
    parser.add_argument("--out", help="write the markdown section here (default: print it)")
    parser.add_argument("--json", help="write the raw verdicts, per seed, here ('-': stdout)")
    parser.add_argument("--module", nargs="+", default=list(MODULES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    res = run(seeds=args.seeds, case_ids=args.cases, families=args.tools, module=args.module)
    text = render_section(res)
    emit(text, res, out=args.out, json_path=args.json, log=_log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
