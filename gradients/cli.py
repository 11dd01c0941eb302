"""The ``gradients`` command: verify the catalog, show a formula, try a candidate, export.

Subcommands::

    gradients verify [IDS...] [--examples N] [--seed S] [--method M] [--json]
    gradients show ID [--format latex|markdown|numpy]
    gradients try ID "EXPR" [--examples N] [--seed S]
    gradients export [--format markdown] [--out FILE]
    gradients plot steps ID --out FILE | gradients plot regularisation --out FILE

Exit status: 0 when everything checked passes, 1 when a derivation or a candidate fails, 2 for
a usage error (unknown id, bad expression, a candidate of the wrong shape), reported as one
line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradients.catalog import CATALOG, Derivation, get

__all__ = ["main", "verify_derivation", "export_markdown"]

DEFAULT_EXAMPLES = 25
#: a check is "sharp" when it would catch a gradient wrong by this relative amount
SHARP = 1e-6


class UsageError(Exception):
    """A user error, printed as one line on stderr with exit status 2."""


@dataclass
class Verification:
    """Outcome of checking one derivation on many random inputs."""

    id: str
    title: str
    examples: int
    failures: int
    worst_rel_error: float
    seconds: float
    counterexample: Any = None
    inconclusive: int = 0

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "title": self.title,
            "examples": self.examples,
            "failures": self.failures,
            "blunt": self.inconclusive,
            "worst_rel_error": self.worst_rel_error,
            "seconds": round(self.seconds, 4),
            "ok": self.ok,
        }
        if self.counterexample is not None:
            out["counterexample"] = str(self.counterexample)
        return out


def verify_derivation(
    d: Derivation,
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    method: str = "richardson",
    candidate: Any = None,
) -> Verification:
    """Check ``d`` (or a candidate answer) on ``examples`` random inputs.

    On a failure, :func:`checks.find_counterexample` shrinks it to a minimal input.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from checks import check_gradient
    from checks.search import Counterexample

    f, grad, strategy = d.setup(candidate)
    worst = 0.0
    failures = 0
    inconclusive = 0
    start = time.perf_counter()
    errors: list[str] = []

    @settings(
        max_examples=examples, database=None, deadline=None, phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @hseed(seed)
    @given(strategy)
    def run(args: tuple[Any, ...]) -> None:
        nonlocal worst, failures, inconclusive
        try:
            result = check_gradient(f, grad, args, argnum=d.argnum, method=method,
                                    **d.options(args))
        except Exception as exc:  # noqa: BLE001 - a candidate that raises fails
            failures += 1
            errors.append(f"{type(exc).__name__}: {exc}")
            return
        verdict = d.judged(result)
        if verdict == "fail":
            failures += 1
        elif verdict == "pass" and (d.kind == "stationary" or result.detectable <= SHARP):
            # the error of a maximiser is relative to the problem's gradient scale; any other
            # check counts where it would have caught a gradient wrong by SHARP
            rel = d.relative_error(result, args)
            worst = max(worst, rel) if np.isfinite(rel) else worst
        else:
            inconclusive += 1

    run()
    cx = None
    if failures:
        cx = d.find_counterexample(candidate, method=method, seed=seed,
                                   max_examples=max(examples, 50))
        if cx is None and errors:
            cx = Counterexample((), None, errors[0], ())
    return Verification(d.id, d.title, examples, failures, worst,
                        time.perf_counter() - start, cx, inconclusive)


def _select(ids: Sequence[str]) -> list[Derivation]:
    try:
        return [get(i) for i in ids] if ids else list(CATALOG)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def _cmd_verify(ns: argparse.Namespace) -> int:
    selected = _select(ns.ids)
    tty = sys.stderr.isatty() and not ns.json
    results = []
    for i, d in enumerate(selected, 1):
        if tty:
            print(f"\r[{i}/{len(selected)}] verifying {d.id:<8}", end="", file=sys.stderr,
                  flush=True)
        results.append(verify_derivation(d, examples=ns.examples, seed=ns.seed,
                                         method=ns.method))
    if tty:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    if ns.json:
        print(json.dumps({"method": ns.method, "seed": ns.seed,
                          "results": [r.as_dict() for r in results],
                          "ok": all(r.ok for r in results)}, indent=2))
    else:
        print(_table(results))
        for r in results:
            if r.counterexample is not None:
                print(f"\n{r.id}: {r.counterexample}")
    return 0 if all(r.ok for r in results) else 1


def _table(results: list[Verification]) -> str:
    rows = [("id", "derivation", "examples", "blunt", "worst rel. error", "verdict")]
    for r in results:
        rows.append((r.id, r.title, str(r.examples), str(r.inconclusive),
                     f"{r.worst_rel_error:.1e}", "ok" if r.ok else f"FAILED ({r.failures})"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    total = sum(r.seconds for r in results)
    passed = sum(r.ok for r in results)
    lines.append(
        "\nblunt: inputs where the check could not have caught a gradient wrong by a relative "
        f"{SHARP:g} (zero gradients, or gradients below the resolution of finite differences, "
        "e.g. behind a saturated sigmoid); the worst error is over the other inputs"
    )
    lines.append(f"{passed} of {len(results)} derivations verified in {total:.1f} s")
    return "\n".join(lines)


def _cmd_show(ns: argparse.Namespace) -> int:
    d = _select([ns.id])[0]
    if ns.format == "latex":
        print(d.formula)
    elif ns.format == "numpy":
        print(d.source, end="")
    else:
        print(_markdown_entry(d))
    return 0


def _markdown_entry(d: Derivation) -> str:
    return "\n".join([
        f"### {d.id} — {d.title}",
        "",
        f"Problem: {d.statement}",
        "",
        "$$",
        d.formula,
        "$$",
        "",
        f"Variables: {', '.join(f'`{v}`' for v in d.variables)}. "
        f"Implemented by `{d.implementation.__module__}.{d.implementation.__name__}`.",
    ])


def export_markdown() -> str:
    """The whole catalog as Markdown (the text of ``FORMULAS.md``)."""
    head = [
        "# Verified formulas",
        "",
        "Generated by `gradients export --format markdown`; do not edit by hand. Every formula",
        "below is checked against finite differences on random shapes by the test suite and",
        "by `gradients verify`.",
        "",
    ]
    return "\n".join(head + ["\n\n".join(_markdown_entry(d) for d in CATALOG), ""])


def _cmd_export(ns: argparse.Namespace) -> int:
    text = export_markdown()
    if ns.out:
        with open(ns.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text, end="")
    return 0


def _cmd_try(ns: argparse.Namespace) -> int:
    from gradients.expr import ExpressionError, compile_candidate

    d = _select([ns.id])[0]
    try:
        candidate = compile_candidate(ns.expr, d.variables)
    except ExpressionError as exc:
        raise UsageError(f"bad expression: {exc}") from None
    _check_candidate_shape(d, candidate, ns.seed)
    result = verify_derivation(d, examples=ns.examples, seed=ns.seed, candidate=candidate)
    if result.ok:
        print(f"PASS: {d.id} ({d.title}): `{ns.expr}` agrees with the numerical derivative on "
              f"{result.examples} random inputs (worst relative error "
              f"{result.worst_rel_error:.1e}).")
        return 0
    print(f"FAIL: {d.id} ({d.title}): `{ns.expr}` is wrong on {result.failures} of "
          f"{result.examples} random inputs.")
    if result.counterexample is not None:
        print(result.counterexample)
    return 1


def _check_candidate_shape(d: Derivation, candidate: Any, seed: int) -> None:
    """Refuse, as a usage error, a candidate whose result has the wrong shape."""
    from hypothesis import HealthCheck, Phase, find, settings

    from gradients.expr import ExpressionError

    drawn = find(d.inputs(), lambda a: True, settings=settings(
        database=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
        derandomize=True))
    # a maximiser is a function of (X, y); every other answer takes the drawn arguments
    args = tuple(drawn[:-1]) if d.kind == "stationary" else tuple(drawn)
    expected = np.shape(d.grad(*args))
    try:
        got = np.shape(candidate(*args))
    except ExpressionError as exc:
        raise UsageError(f"the expression could not be evaluated: {exc}") from None
    if got != expected:
        raise UsageError(
            f"the candidate for {d.id} returns shape {got}, but the answer has shape "
            f"{expected} for inputs of shapes "
            + ", ".join(f"{n}{np.shape(a)}" for n, a in zip(d.variables, args, strict=True))
        )


def _cmd_plot(ns: argparse.Namespace) -> int:
    try:
        from benchmarks import plots
    except ImportError as exc:
        raise UsageError(
            f"plotting needs the bench extra (pip install -e '.[bench]'): {exc}"
        ) from None
    if ns.what == "steps":
        _select([ns.id])
        plots.plot_steps(ns.id, ns.out)
    else:
        plots.plot_regularisation(ns.out)
    print(f"wrote {ns.out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gradients",
        description="Verify hand-derived gradients against finite differences.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("verify", help="check the catalog's derivations on random inputs",
                       description="Check each derivation on N random shapes and values.")
    v.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (default: all)")
    v.add_argument("--examples", type=_positive, default=DEFAULT_EXAMPLES,
                   help=f"random inputs per derivation (default {DEFAULT_EXAMPLES})")
    v.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    v.add_argument("--method", default="richardson",
                   choices=["richardson", "central", "forward", "complex"],
                   help="finite-difference method (default richardson)")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.set_defaults(run=_cmd_verify)

    s = sub.add_parser("show", help="print a formula for copying",
                       description="Print one derivation's formula.")
    s.add_argument("id", metavar="ID")
    s.add_argument("--format", choices=["latex", "markdown", "numpy"], default="markdown",
                   help="latex, markdown (default) or the numpy source")
    s.set_defaults(run=_cmd_show)

    t = sub.add_parser("try", help="check a candidate gradient written as a numpy expression",
                       description="Check a candidate answer, e.g. "
                       "gradients try 1b \"3 * (X @ X).T\". Use the derivation's variable "
                       "names (see `gradients show ID`), numpy as np, and sigmoid.")
    t.add_argument("id", metavar="ID")
    t.add_argument("expr", metavar="EXPR")
    t.add_argument("--examples", type=_positive, default=DEFAULT_EXAMPLES,
                   help=f"random inputs (default {DEFAULT_EXAMPLES})")
    t.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    t.set_defaults(run=_cmd_try)

    e = sub.add_parser("export", help="print the whole catalog (FORMULAS.md)",
                       description="Export the catalog.")
    e.add_argument("--format", choices=["markdown"], default="markdown")
    e.add_argument("--out", help="write to this file instead of stdout")
    e.set_defaults(run=_cmd_export)

    pl = sub.add_parser("plot", help="draw a benchmark picture (needs the bench extra)",
                        description="Draw the step-size sweep or the regularisation path.")
    pl.add_argument("what", choices=["steps", "regularisation"])
    pl.add_argument("id", nargs="?", default="1b", help="derivation id for steps (default 1b)")
    pl.add_argument("--out", required=True, help="PNG file to write")
    pl.set_defaults(run=_cmd_plot)
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradients`` console script."""
    ns = _parser().parse_args(argv)
    try:
        return ns.run(ns)
    except UsageError as exc:
        print(f"gradients: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `gradients show 1b | head`
        sys.stderr.close()
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
