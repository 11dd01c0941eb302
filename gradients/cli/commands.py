"""The ``gradients`` command: list the ids, verify the catalog, show a formula, try a
candidate, export.

Subcommands::

    gradients list [IDS...] [--module M] [--json]
    gradients verify [IDS...] [--module M] [--examples N] [--seed S] [--method M] [-j N]
                     [--json] [--profile]
    gradients show ID... [--module M] [--format markdown|latex|numpy]
    gradients try ID [EXPR | --file PATH] [--module M] [--examples N] [--seed S] [--method M]
                  [--memory-limit MIB] [--cpu-limit S] [--time-limit S]
    gradients export [IDS...] [--module M] [--format markdown|latex] [--out FILE] [--prove]

An ID may be a problem number (``7``): every entry of that problem, each once, in catalog
order (``gradients try`` asks which one when the problem has several), also when the number
is itself an id (``2``: ``2``, ``2-step``, ``2-hess``, ``2-newton``); ``=ID`` is that entry
alone (``=2``: entry ``2`` only).
``--module`` (a module name such as ``mypkg.derivations``, or a ``.py`` path) replaces our
catalog with the user's list ``DERIVATIONS`` (:mod:`gradients.cli.modules`).

Exit status: 0 when everything checked passes, 1 when a derivation or a candidate fails, 2 for
a usage error (unknown id or flag, bad expression, a candidate of the wrong shape, a limit of
the sandbox reached, an unusable module or path), reported as one line on stderr and never as
a traceback. A bare ``gradients`` prints the help and exits 0. (The benchmark pictures are
drawn from a checkout, by ``python -m benchmarks.plots``.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gradients.cli.parser import build_parser
from gradients.cli.usage import UsageError

__all__ = ["main"]


def _glob_expanded(extra: Sequence[str]) -> bool:
    """Whether arguments left over look like a shell's expansion of an unquoted ``*``: the
    names of files or directories of the current directory (``2 * X.T`` became ``2 a.py b.py
    X.T``)."""
    import os

    return any(not a.startswith("-") and os.path.lexists(a) and os.sep not in a
               for a in extra)


def _hypothesis_storage() -> None:
    """Hypothesis's files go to the user's cache directory, not the working directory.

    Hypothesis writes a ``.hypothesis/`` directory (a cache of the constants of the local
    modules, read from their source) into the current directory unless told otherwise; the
    command runs in the student's directory, which it must leave as it was. It is set only in
    a process where hypothesis has not chosen its directory yet (not under pytest, whose
    hypothesis is already configured), and never over ``HYPOTHESIS_STORAGE_DIRECTORY``.
    """
    import os

    if "HYPOTHESIS_STORAGE_DIRECTORY" in os.environ or "hypothesis" in sys.modules:
        return
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(cache, "gradients", "hypothesis")


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
    _hypothesis_storage()
    parser = build_parser()
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
            if command == "try" and _glob_expanded(extra):
                hint = (" (the shell replaced an unquoted * by the names of files: quote the "
                        f"expression, e.g. gradients try {ns.id} \"2 * X.T\")")
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
