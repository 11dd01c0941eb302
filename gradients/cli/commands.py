"""The ``gradients`` command: verify the catalog, show a formula, try a candidate, export.

Subcommands::

    gradients verify [IDS...] [--module M] [--examples N] [--seed S] [--method M] [--json]
    gradients show ID [--module M] [--format markdown|latex|numpy]
    gradients try ID [EXPR | --file PATH] [--module M] [--examples N] [--seed S] [--method M]
                  [--memory-limit MIB] [--cpu-limit S] [--time-limit S]
    gradients export [--module M] [--format markdown] [--out FILE]

``--module`` (a module name such as ``mypkg.derivations``, or a ``.py`` path) replaces our
catalog with the user's list ``DERIVATIONS`` (:mod:`gradients.cli.modules`).

Exit status: 0 when everything checked passes, 1 when a derivation or a candidate fails, 2 for
a usage error (unknown id or flag, bad expression, a candidate of the wrong shape, a limit of
the sandbox reached, an unusable module or path), reported as one line on stderr and never as
a traceback. A bare ``gradients`` prints the help and exits 0. (The benchmark pictures are
drawn from a checkout, by ``python -m benchmarks.plots``.)
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from gradients.catalog import CATALOG, Derivation
from gradients.catalog.markdown import export_markdown, markdown_entry
from gradients.cli.sandbox import CEILINGS, DEFAULT_LIMITS, FLOORS, Limits
from gradients.cli.verification import (
    DEFAULT_EXAMPLES,
    DETECTABLE,
    Verification,
    report,
    verify_derivation,
)

__all__ = ["main"]

METHODS = ("richardson", "central", "forward", "complex")


class UsageError(Exception):
    """A user error, printed as one line on stderr with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with every error as one line on stderr (exit status 2), no usage block."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(2, f"gradients: error: {' '.join(message.split())}{hint}\n")


# --- which derivations --------------------------------------------------------------------


def _catalog(ns: argparse.Namespace) -> tuple[Derivation, ...]:
    spec = getattr(ns, "module", None)
    if spec is None:
        return CATALOG
    from gradients.cli.modules import ModuleError, load_derivations

    try:
        return load_derivations(spec)
    except ModuleError as exc:
        raise UsageError(str(exc)) from None


def _unknown(item_id: str, known: Sequence[str], where: str) -> UsageError:
    folded = {k.casefold(): k for k in known}
    close = [folded[c] for c in difflib.get_close_matches(item_id.casefold(), list(folded),
                                                           n=3, cutoff=0.6)]
    same = [k for k in known if k.casefold() == item_id.casefold()]
    close = same or close
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return UsageError(f"unknown derivation id {item_id!r}{where}{hint} (known: "
                      f"{', '.join(known)})")


def _select(ids: Sequence[str], catalog: Sequence[Derivation],
            ns: argparse.Namespace | None = None, *, problems: bool = False) -> list[Derivation]:
    """The derivations with these ids, each once, in the order given (all if none).

    With ``problems``, a bare problem number that is not an id (``7``) selects every entry
    of that problem: its answers, second-order facts and chain-rule steps (``7a``, ``7b``,
    ``7-W0``, ..., ``7-ds/dh``), so that ``gradients verify 7`` checks every step.
    """
    if not ids:
        return list(catalog)
    by_id = {d.id: d for d in catalog}
    spec = getattr(ns, "module", None)
    where = f" in {spec}" if spec else ""
    chosen: list[Derivation] = []
    for i in dict.fromkeys(ids):  # repeated ids are verified once
        if i in by_id:
            chosen.append(by_id[i])
            continue
        family = [d for d in catalog if problems and i.isdigit() and d.id.startswith(i)
                  and not d.id[len(i):len(i) + 1].isdigit()]
        if not family:
            raise _unknown(i, list(by_id), where)
        chosen.extend(d for d in family if d not in chosen)
    return chosen


# --- the complex step -----------------------------------------------------------------------


def _complex_safe(d: Derivation) -> str | None:
    """``None`` if ``d``'s loss takes the complex step, else the reason it does not."""
    from hypothesis import HealthCheck, Phase, find, settings

    from checks import check_gradient

    try:
        drawn = find(d.inputs(), lambda a: True, settings=settings(
            database=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
            derandomize=True))
        args = d.check_args(tuple(drawn))
        f, grad = d.check_functions()
        if d.kind in ("hessian", "hvp", "jacobian", "vjp"):
            return "its check (a Jacobian, Hessian or VJP) uses real steps"
        with warnings.catch_warnings():  # a loss that casts complex to real warns: it's the probe
            warnings.simplefilter("ignore")
            check_gradient(f, grad, args, argnum=d.argnum, method="complex", **d.options(args))
    except Exception as exc:  # noqa: BLE001 - whatever refuses complex input
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def _complex_filter(selected: list[Derivation]) -> tuple[list[Derivation], list[str]]:
    """The derivations that can be checked with the complex step, and the others' ids."""
    safe, unsafe, reasons = [], [], []
    for d in selected:
        reason = _complex_safe(d)
        if reason is None:
            safe.append(d)
        else:
            unsafe.append(d.id)
            reasons.append(reason)
    if not safe:
        ids = ", ".join(unsafe)
        raise UsageError(
            f"--method complex needs a loss that accepts complex input (the complex step), and "
            f"the loss of {ids} does not ({reasons[0][:100]}); use --method richardson "
            "(default), central or forward"
        )
    return safe, unsafe


# --- verify -------------------------------------------------------------------------------


def _cmd_verify(ns: argparse.Namespace) -> int:
    catalog = _catalog(ns)
    selected = _select(ns.ids, catalog, ns, problems=True)
    skipped: list[str] = []
    if ns.method == "complex":
        selected, skipped = _complex_filter(selected)
    tty = sys.stderr.isatty() and not ns.json
    results = []
    for i, d in enumerate(selected, 1):
        if tty:
            print(f"\r[{i}/{len(selected)}] verifying {d.id:<8}", end="", file=sys.stderr,
                  flush=True)
        try:
            results.append(verify_derivation(d, examples=ns.examples, seed=ns.seed,
                                             method=ns.method))
        except Exception as exc:  # noqa: BLE001 - e.g. a user's loss or strategy raising
            where = f" of {ns.module}" if ns.module else ""
            raise UsageError(f"derivation {d.id!r}{where} could not be checked: "
                             f"{type(exc).__name__}: {' '.join(str(exc).split())}") from None
    if tty:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
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
        print(_table(results))
        if skipped:
            print(f"not checked with the complex step (their loss is not complex-safe): "
                  f"{', '.join(skipped)}")
        for r in results:
            if r.counterexample is not None:
                print(f"\n{r.id}: {r.report}")
    return 0 if ok else 1


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


# --- show, export -------------------------------------------------------------------------


def _cmd_show(ns: argparse.Namespace) -> int:
    from gradients.cli.reference import answer_line, numpy_code, variable_lines

    d = _select([ns.id], _catalog(ns), ns)[0]
    if ns.format == "latex":
        print(d.formula)
    elif ns.format == "numpy":
        print(numpy_code(d), end="")
    else:
        print(markdown_entry(d))
        print()
        print(f"Variables (the names a `gradients try {d.id}` candidate uses):")
        print("\n".join(variable_lines(d)))
        print(answer_line(d))
    return 0


def _export_text(ns: argparse.Namespace) -> str:
    if ns.module is None:
        return export_markdown()
    derivations = _catalog(ns)
    head = [
        f"# Verified formulas: {ns.module}",
        "",
        f"Generated by `gradients export --module {ns.module}`; every formula below is checked "
        f"against finite differences on random inputs by `gradients verify --module "
        f"{ns.module}`.",
        "",
    ]
    return "\n".join(head + ["\n\n".join(markdown_entry(d) for d in derivations), ""])


def _writable(path: str) -> None:
    """Refuse a path that can't be written before the (slow) export is computed."""
    import os

    target = os.path.abspath(path)
    parent = os.path.dirname(target)
    if os.path.isdir(target):
        raise UsageError(f"cannot write {path}: Is a directory")
    if not os.path.isdir(parent):
        raise UsageError(f"cannot write {path}: No such file or directory")
    if not os.access(parent, os.W_OK) or (os.path.exists(target)
                                          and not os.access(target, os.W_OK)):
        raise UsageError(f"cannot write {path}: Permission denied")


def _cmd_export(ns: argparse.Namespace) -> int:
    if ns.out:
        _writable(ns.out)
    text = _export_text(ns)
    if ns.out:
        try:
            with open(ns.out, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {ns.out}: {exc.strerror or exc}") from None
    else:
        print(text, end="")
    return 0


# --- try ----------------------------------------------------------------------------------


class _WrongShape(BaseException):  # noqa: N818 - passes through the engine, like a limit
    """The candidate's value has another shape than the answer's."""


class _ShapeChecked:
    """The sandboxed candidate, whose every value must have the answer's shape."""

    def __init__(self, d: Derivation, sandbox: Any) -> None:
        self.d, self.sandbox = d, sandbox
        self.__name__ = self.__qualname__ = "candidate"

    def __call__(self, *args: Any) -> Any:
        value = self.sandbox(*args)
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        expected = tuple(int(n) for n in np.shape(self.d.grad(*copies)))
        if value.shape != expected:
            shapes = ", ".join(f"{n} {_shape(a)}" for n, a in
                               zip(self.d.variables, args, strict=False))
            raise _WrongShape(
                f"the candidate for {self.d.id} returns shape {value.shape}, but the answer has "
                f"shape {expected} for inputs of shapes {shapes}"
            )
        return value


def _shape(a: Any) -> str:
    shape = getattr(a, "shape", None)
    return str(tuple(shape)) if shape is not None else f"= {a!r}"


def _candidate_text(ns: argparse.Namespace) -> str:
    if ns.file is not None and ns.expr is not None:
        raise UsageError("give the candidate either as EXPR or with --file, not both")
    if ns.file is None:
        if ns.expr is None:
            raise UsageError(f"missing the candidate: gradients try {ns.id} \"EXPR\" (or "
                             "--file PATH); see 'gradients try --help'")
        return ns.expr
    try:
        if ns.file == "-":
            return sys.stdin.read()
        with open(ns.file, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {ns.file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {ns.file}: not UTF-8 text") from None


def _one_line(text: str, limit: int = 100) -> str:
    """The candidate on one line: statements joined by '; ', comments dropped (the grammar has
    no strings, so '#' starts a comment)."""
    lines = [line.split("#", 1)[0].strip() for line in text.strip().splitlines()]
    lines = [line.rstrip(";").strip() for line in lines if line]
    joined = "; ".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def _cmd_try(ns: argparse.Namespace) -> int:
    from gradients.cli.expr import ExpressionError
    from gradients.cli.sandbox import LimitExceeded, Sandbox, SandboxError

    d = _select([ns.id], _catalog(ns), ns)[0]
    text = _candidate_text(ns)
    if ns.method == "complex":
        _complex_filter([d])
    if getattr(ns, "prove", False) and getattr(ns, "module", None) is None:
        from gradients.cli.prove import run_try_prove

        code = run_try_prove(d.id, text, time_limit=ns.time_limit)
        if code is not None:
            return code  # 0 proved, 1 refuted, 2 usage or no SymPy
        # neither proved nor refuted: the numerical check decides
    limits = Limits(ns.memory_limit, ns.cpu_limit, ns.time_limit)
    deadline = time.monotonic() + limits.time_seconds
    try:
        sandbox = Sandbox(text, d.variables, limits, deadline=deadline)
    except ExpressionError as exc:
        raise UsageError(f"bad expression: {exc}") from None
    try:
        with sandbox:
            result = verify_derivation(d, examples=ns.examples, seed=ns.seed, method=ns.method,
                                       candidate=_ShapeChecked(d, sandbox))
    except (LimitExceeded, _WrongShape) as exc:
        raise UsageError(str(exc)) from None
    except SandboxError as exc:
        raise UsageError(f"the sandbox failed: {exc}") from None
    shown = _one_line(text)
    if result.ok:
        inconclusive = (f"; {result.inconclusive} inconclusive" if result.inconclusive else "")
        print(f"PASS: {d.id} ({d.title}): `{shown}` agrees with the numerical derivative on "
              f"{result.examples} random inputs (worst relative error "
              f"{result.worst_rel_error:.1e}{inconclusive}).")
        return 0
    raised = (f" (it raised an error on {result.raised} of them)" if result.raised else "")
    print(f"FAIL: {d.id} ({d.title}): `{shown}` is wrong on {result.failures} of "
          f"{result.examples} random inputs{raised}.")
    if result.counterexample is not None:
        print(result.report or report(d, result.counterexample))
    steps = _chain_steps(d, _catalog(ns))
    if steps:
        print(f"Each chain-rule step of this problem is verified on its own "
              f"(`gradients verify {' '.join(steps)}`). If your candidate is built from those "
              "steps, the steps are right and the composition is wrong; "
              "`gradients try STEP \"EXPR\"` checks one of your own steps.")
    return 1


def _chain_steps(d: Derivation, catalog: Sequence[Derivation]) -> list[str]:
    """The ids of the chain-rule steps (Jacobian and VJP entries) of ``d``'s problem."""
    if d.kind in ("jacobian", "vjp") or not d.id[:1].isdigit():
        return []
    problem = d.id[0]
    return [e.id for e in catalog if e.id.startswith(problem) and (
        e.kind in ("jacobian", "vjp") or e.id.startswith(f"{problem}-dL/"))]


# --- the parser -----------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    if value >= 2**63:
        raise argparse.ArgumentTypeError(f"expected an integer below 2**63, got {value}")
    return value


def _bounded(name: str, unit: str, integer: bool = False):
    low, high = getattr(FLOORS, name), getattr(CEILINGS, name)

    def parse(text: str) -> float:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            word = "seconds" if unit == "s" else unit
            raise argparse.ArgumentTypeError(f"expected {kind} of {word}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value:g} {unit} is outside the allowed range {low:g} to {high:g} {unit}")
        return value

    return parse


def _module_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--module", metavar="MODULE", default=None,
                   help="a module listing your own derivations in DERIVATIONS (a module name "
                   "such as mypkg.derivations, importable from the current directory, or a "
                   ".py path) instead of the built-in catalog")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gradients",
        description="Verify hand-derived gradients against finite differences.",
        epilog="Exit status: 0 all checked pass, 1 a derivation or candidate fails, 2 a usage "
        "error (one line on stderr). 'gradients COMMAND --help' describes each command.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    v = sub.add_parser("verify", help="check the catalog's derivations on random inputs",
                       description="Check each derivation on N random shapes and values.")
    v.add_argument("ids", nargs="*", metavar="ID",
                   help="derivation ids (default: all; a repeated id is checked once)")
    _module_flag(v)
    v.add_argument("--examples", type=_positive, default=DEFAULT_EXAMPLES,
                   help=f"random inputs per derivation (default {DEFAULT_EXAMPLES})")
    v.add_argument("--seed", type=_seed, default=0, help="seed of the draws, >= 0 (default 0)")
    v.add_argument("--method", default="richardson", choices=METHODS,
                   help="finite-difference method (default richardson); complex checks only "
                   "the derivations whose loss accepts complex input, and refuses if none does")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.set_defaults(run=_cmd_verify)

    s = sub.add_parser("show", help="print a formula, its variables, or numpy code",
                       description="Print one derivation: its formula and variables (shape "
                       "and role of each), the LaTeX alone, or the answer as numpy code that "
                       "runs as copied.")
    s.add_argument("id", metavar="ID")
    _module_flag(s)
    s.add_argument("--format", choices=["markdown", "latex", "numpy"], default="markdown",
                   help="markdown with the variables (default), latex, or numpy code")
    s.set_defaults(run=_cmd_show)

    lim = DEFAULT_LIMITS
    t = sub.add_parser(
        "try", help="check a candidate gradient written in numpy",
        description="Check a candidate answer, e.g. gradients try 1b \"3 * (X @ X).T\", or "
        "with intermediate names: gradients try 2 \"r = sigmoid(X @ w) - y; X.T @ r + 2 * lam "
        "* w\". Use the derivation's variable names (see gradients show ID), numpy as np, "
        "sigmoid, softplus, comparisons and np.where; statements are separated by ';' or "
        "newlines, each but the last assigning a new name. The text is parsed and checked "
        "against a whitelist, never passed to eval, and evaluated in a child process under "
        f"operating-system limits: by default {lim.memory_mib} MiB of address space and "
        f"{lim.cpu_seconds:g} s of CPU time for all the candidate's evaluations, and "
        f"{lim.time_seconds:g} s of wall-clock time for the whole try (shrinking included). "
        "Reaching a limit is a refusal (exit status 2) naming it.",
    )
    t.add_argument("id", metavar="ID")
    t.add_argument("expr", metavar="EXPR", nargs="?", default=None,
                   help="the candidate (or give --file)")
    t.add_argument("--file", metavar="PATH", default=None,
                   help="read the candidate from a file ('-': standard input)")
    _module_flag(t)
    t.add_argument("--examples", type=_positive, default=DEFAULT_EXAMPLES,
                   help=f"random inputs (default {DEFAULT_EXAMPLES})")
    t.add_argument("--seed", type=_seed, default=0, help="seed of the draws, >= 0 (default 0)")
    t.add_argument("--method", default="richardson", choices=METHODS,
                   help="finite-difference method (default richardson)")
    t.add_argument("--memory-limit", type=_bounded("memory_mib", "MiB", integer=True),
                   default=lim.memory_mib, metavar="MIB",
                   help=f"address space of the candidate's process (default {lim.memory_mib} "
                   f"MiB, {FLOORS.memory_mib} to {CEILINGS.memory_mib})")
    t.add_argument("--cpu-limit", type=_bounded("cpu_seconds", "s", integer=True),
                   default=lim.cpu_seconds,
                   metavar="S", help=f"CPU time of all the candidate's evaluations together "
                   f"(default {lim.cpu_seconds:g} s, at most {CEILINGS.cpu_seconds:g})")
    t.add_argument("--time-limit", type=_bounded("time_seconds", "s"),
                   default=lim.time_seconds, metavar="S",
                   help=f"wall-clock time of the whole try, shrinking included (default "
                   f"{lim.time_seconds:g} s, at most {CEILINGS.time_seconds:g})")
    t.add_argument("--prove", action="store_true",
                   help="prove or refute the candidate symbolically first (needs SymPy)")
    t.set_defaults(run=_cmd_try)

    from gradients.cli.prove import add_prove_parser

    add_prove_parser(sub)

    e = sub.add_parser("export", help="print the whole catalog (FORMULAS.md)",
                       description="Export the catalog (or your module's) as Markdown.")
    _module_flag(e)
    e.add_argument("--format", choices=["markdown"], default="markdown")
    e.add_argument("--out", metavar="FILE", help="write to this file instead of stdout")
    e.set_defaults(run=_cmd_export)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradients`` console script (and of ``python -m gradients``).

    >>> main(["verify", "1a", "--examples", "3"])   # doctest: +ELLIPSIS
    id  derivation         examples  inconclusive  worst rel. error  verdict
    --  -----------------  --------  ------------  ----------------  -------
    1a  Trace of a square  3         ...                             pass
    ...
    1 of 1 derivations verified in ... s
    0
    """
    parser = _parser()
    try:
        ns, extra = parser.parse_known_args(argv)
        command = getattr(ns, "command", None)
        if command == "try" and ns.expr is None:
            # argparse fills an optional positional only before the first option:
            # `try ID --module M EXPR` (or `... -- EXPR`) leaves EXPR over
            rest = extra[1:] if extra[:1] == ["--"] else extra
            if len(rest) == 1 and (rest is not extra or not rest[0].startswith("-")):
                ns.expr, extra = rest[0], []
        if extra:
            prog = f"gradients {command}" if command else "gradients"
            hint = (" (a candidate that starts with '-' goes after '--': gradients try ID -- "
                    "\"-X\")" if command == "try" and extra[0][:1] == "-"
                    and not extra[0].startswith("--") else "")
            print(f"gradients: error: unrecognized arguments: {' '.join(extra)}{hint} (see "
                  f"'{prog} --help')", file=sys.stderr)
            return 2
    except SystemExit as exc:  # --help (0) or a one-line usage error (2)
        return int(exc.code or 0)
    if getattr(ns, "run", None) is None:  # a bare `gradients`: the help
        parser.print_help()
        return 0
    try:
        return ns.run(ns)
    except UsageError as exc:
        print(f"gradients: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gradients: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gradients show 1b | head`
        sys.stderr.close()
        return 1
