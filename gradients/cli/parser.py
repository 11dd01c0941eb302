"""The parser of the ``gradients`` command, apart from the work: subcommands, flags, their types.

Every parse error is one line on stderr with exit status 2 (:class:`_Parser`), never argparse's
usage block; each subcommand's ``run`` is the ``cmd_*`` function of its module
(``list_command``, ``verify_command``, ``show_command``, ``try_command``, ``prove_command``,
``export_command``).

>>> ns = build_parser().parse_args(["verify", "1a", "--examples", "3"])
>>> ns.ids, ns.examples, ns.method
(['1a'], 3, 'richardson')
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from gradients.cli.export_command import cmd_export
from gradients.cli.expr.grammar import allowed_names
from gradients.cli.list_command import cmd_list
from gradients.cli.prove_command import add_prove_parser
from gradients.cli.sandbox import CEILINGS, DEFAULT_LIMITS, FLOORS
from gradients.cli.show_command import cmd_show
from gradients.cli.try_command import cmd_try
from gradients.cli.verification import DEFAULT_EXAMPLES
from gradients.cli.verify_command import cmd_verify, jobs_default

__all__ = ["METHODS", "build_parser"]

METHODS = ("richardson", "central", "forward", "complex")


class _Parser(argparse.ArgumentParser):
    """argparse, with every error as one line on stderr (exit status 2), no usage block."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(2, f"gradients: error: {' '.join(message.split())}{hint}\n")


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


_IDS_HELP = ("derivation ids or problem numbers (default: all): a problem number selects every "
             "entry of that problem, also when it is itself an id (2: 2, 2-step, 2-hess, "
             "2-newton); =ID selects that entry alone (=2: entry 2 only)")


def _module_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--module", metavar="MODULE", default=None,
                   help="a module listing your own derivations in DERIVATIONS (a module name "
                   "such as mypkg.derivations, importable from the current directory, or a "
                   ".py path) instead of the built-in catalog")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``gradients`` command; each subcommand's ``run`` is its module's
    ``cmd_*`` function."""
    p = _Parser(
        prog="gradients",
        description="Verify hand-derived gradients against finite differences.",
        epilog="Exit status: 0 all checked pass, 1 a derivation or candidate fails, 2 a usage "
        "error (one line on stderr). 'gradients COMMAND --help' describes each command.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    li = sub.add_parser("list", help="the ids: problem, kind, title, proof status",
                        description="List the catalog's entries (or your module's): id, "
                        "problem, kind, title and the proof status recorded in FORMULAS.md "
                        "('-' where none is recorded; 'gradients prove' computes it).")
    li.add_argument("ids", nargs="*", metavar="ID", help=_IDS_HELP)
    _module_flag(li)
    li.add_argument("--json", action="store_true", help="a JSON list of dicts")
    li.set_defaults(run=cmd_list)

    v = sub.add_parser("verify", help="check the catalog's derivations on random inputs",
                       description="Check each derivation on N random shapes and values.")
    v.add_argument("ids", nargs="*", metavar="ID", help=_IDS_HELP + "; each entry is "
                   "checked once, in catalog order")
    _module_flag(v)
    v.add_argument("--examples", type=_positive, default=DEFAULT_EXAMPLES,
                   help=f"random inputs per derivation (default {DEFAULT_EXAMPLES})")
    v.add_argument("--seed", type=_seed, default=0, help="seed of the draws, >= 0 (default 0)")
    v.add_argument("--method", default="richardson", choices=METHODS,
                   help="finite-difference method (default richardson); complex checks only "
                   "the derivations whose loss accepts complex input, and refuses if none does")
    v.add_argument("-j", "--jobs", type=_positive, default=jobs_default(), metavar="N",
                   help=f"check the derivations in N processes (default: the number of "
                   f"cores, here {jobs_default()}; -j 1 checks them one after the other); the "
                   "verdicts and numbers do not depend on N, only the times do")
    v.add_argument("--json", action="store_true", help="machine-readable output (each "
                   "derivation's 'seconds' included)")
    v.add_argument("--profile", action="store_true", help="after the results, a table of the "
                   "derivations by time, longest first: in the checks, drawing inputs, "
                   "searching a counterexample (on stderr with --json)")
    v.set_defaults(run=cmd_verify)

    s = sub.add_parser("show", help="print a formula, its variables, or numpy code",
                       description="Print derivations: the formula and variables (shape "
                       "and role of each), the LaTeX alone, or the answer as numpy code that "
                       "runs as copied. A problem number shows every entry of that problem.")
    s.add_argument("ids", nargs="+", metavar="ID",
                   help=_IDS_HELP.replace(" (default: all)", "") + " ('gradients list' shows "
                   "them)")
    _module_flag(s)
    s.add_argument("--format", choices=["markdown", "latex", "numpy"], default="markdown",
                   help="markdown with the variables (default), latex, or numpy code")
    s.set_defaults(run=cmd_show)

    lim = DEFAULT_LIMITS
    t = sub.add_parser(
        "try", help="check a candidate gradient written in numpy",
        description="Check a candidate answer, e.g. gradients try 1b \"3 * (X @ X).T\", or "
        "with intermediate names: gradients try 2 \"r = sigmoid(X @ w) - y; X.T @ r + 2 * lam "
        "* w\". Use the derivation's variable names (see gradients show ID), numpy as np, "
        "sigmoid, softplus, comparisons and np.where; statements are separated by ';' or "
        "newlines, each but the last assigning a name (an intermediate may be reassigned). "
        "The text is parsed and checked against a whitelist, never passed to eval, and "
        "evaluated in a child process under "
        f"operating-system limits: by default {lim.memory_mib} MiB of address space and "
        f"{lim.cpu_seconds:g} s of CPU time for all the candidate's evaluations, and "
        f"{lim.time_seconds:g} s of wall-clock time for the whole try (shrinking included). "
        "Reaching a limit is a refusal (exit status 2) naming it.",
        epilog="Allowed names, besides the derivation's variables: " + allowed_names(),
    )
    t.add_argument("id", metavar="ID",
                   help="a derivation id ('gradients list' shows them; =ID is the same); a "
                   "problem number with several entries asks which one")
    t.add_argument("expr", metavar="EXPR", nargs="?", default=None,
                   help="the candidate (or give --file)")
    t.add_argument("--file", metavar="PATH", default=None,
                   help="read the candidate from a file ('-': standard input): statements, "
                   "or a def as 'gradients show ID --format numpy' prints it")
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
    t.set_defaults(run=cmd_try)

    add_prove_parser(sub)

    e = sub.add_parser("export", help="print the whole catalog (FORMULAS.md)",
                       description="Export the catalog (or your module's) as Markdown or a "
                       "LaTeX fragment; with ids or problem numbers, only those entries. The "
                       "proof statuses are those recorded in FORMULAS.md (as 'gradients list' "
                       "shows them); --prove computes them again.")
    e.add_argument("ids", nargs="*", metavar="ID", help=_IDS_HELP)
    _module_flag(e)
    e.add_argument("--format", choices=["markdown", "latex"], default="markdown",
                   help="markdown (default; the whole catalog is FORMULAS.md) or a LaTeX "
                   "fragment to \\input into a document that loads amsmath")
    e.add_argument("--out", metavar="FILE", help="write to this file instead of stdout "
                   "(--out '' is stdout)")
    e.add_argument("--prove", action="store_true",
                   help="run the symbolic prover for the statuses (needs SymPy; minutes for "
                   "the whole catalog) instead of reading those recorded in FORMULAS.md")
    e.set_defaults(run=cmd_export)
    return p
