"""The ``gradients`` command: verify the catalog, show a formula, try a candidate, export.

Subcommands::

    gradients verify [IDS...] [--examples N] [--seed S] [--method M] [--json]
    gradients show ID [--format latex|markdown|numpy]
    gradients try ID "EXPR" [--examples N] [--seed S]
    gradients export [--format markdown] [--out FILE]

Exit status: 0 when everything checked passes, 1 when a derivation or a candidate fails, 2 for
a usage error (unknown id, bad expression, a candidate of the wrong shape), reported as one
line on stderr. (The benchmark pictures are drawn from a checkout, by
``python -m benchmarks.plots``.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradients.catalog import CATALOG, Derivation, get
from gradients.catalog.markdown import export_markdown, markdown_entry
from gradients.cli.verification import (
    DEFAULT_EXAMPLES,
    DETECTABLE,
    Verification,
    verify_derivation,
)

__all__ = ["main"]


class UsageError(Exception):
    """A user error, printed as one line on stderr with exit status 2."""


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
    rows = [("id", "derivation", "examples", "inconclusive", "worst rel. error", "verdict")]
    for r in results:
        rows.append((r.id, r.title, str(r.examples), str(r.inconclusive),
                     f"{r.worst_rel_error:.1e}", "pass" if r.ok else f"FAIL ({r.failures})"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    total = sum(r.seconds for r in results)
    passed = sum(r.ok for r in results)
    lines.append(
        "\ninconclusive: inputs where the check could not have caught a gradient wrong by a "
        f"relative {DETECTABLE:g} (zero gradients, or gradients below the resolution of finite "
        "differences, e.g. behind a saturated sigmoid); the worst error is over the other inputs"
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
        print(markdown_entry(d))
    return 0


def _cmd_export(ns: argparse.Namespace) -> int:
    text = export_markdown()
    if ns.out:
        with open(ns.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text, end="")
    return 0


def _cmd_try(ns: argparse.Namespace) -> int:
    from gradients.cli.expr import ExpressionError, compile_candidate

    d = _select([ns.id])[0]
    try:
        candidate = compile_candidate(ns.expr, d.variables)
    except ExpressionError as exc:
        raise UsageError(f"bad expression: {exc}") from None
    _check_candidate_shape(d, candidate)
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


def _check_candidate_shape(d: Derivation, candidate: Any) -> None:
    """Refuse, as a usage error, a candidate whose result has the wrong shape."""
    from hypothesis import HealthCheck, Phase, find, settings

    from gradients.cli.expr import ExpressionError

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
    """Entry point of the ``gradients`` console script (and of ``python -m gradients``)."""
    ns = _parser().parse_args(argv)
    try:
        return ns.run(ns)
    except UsageError as exc:
        print(f"gradients: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `gradients show 1b | head`
        sys.stderr.close()
        return 1
