r"""The ``prove`` command and ``try --prove``: the prover of :mod:`gradients.catalog.prove`.

Functions for :mod:`gradients.cli.parser` to wire into argparse::

    gradients prove [IDS...] [--json] [--budget S]
    gradients try ID "EXPR" --prove

:func:`run_prove` prints one line per entry (its status and the time it took) or, with
``--json``, one document; its exit status is 1 if a formula is refuted, 0 otherwise, and 2
(one line on stderr) without SymPy or for an unknown id. :func:`run_try_prove` proves or
refutes a candidate typed as a numpy expression: the text is parsed and checked by the
sandbox's grammar (:func:`gradients.cli.expr.parse_program`), then interpreted *symbolically*
(never by ``eval``; :mod:`gradients.cli.expr.symbolic`) in a child process under a time and
memory limit, twice:

* on numpy ``object`` arrays of SymPy symbols at fixed sizes (``X[0,1]``), for the exact checks;
* on SymPy ``MatrixSymbol``\ s of symbolic size, where the expression stays in what SymPy
  writes as matrices (``@``, ``.T``, scalars, ``np.outer``, ``np.trace``,
  ``np.linalg.inv``/``solve``/``matrix_power``, elementwise functions and products of equal
  shapes, ``np.diag`` of a vector): then it can be proved for all sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from gradients.cli.columns import aligned

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "add_prove_parser",
    "cmd_prove",
    "format_results",
    "prove_expression",
    "run_prove",
    "run_try_prove",
]

DEFAULT_TIME_LIMIT = 120.0
"""Wall-clock seconds for proving one typed candidate (the child is killed after it)."""

_MEMORY_LIMIT = 4 * 1024**3  # address space of the child proving a typed candidate


# --------------------------------------------------------------------------- the command


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (``--budget``): nan, inf and -1 are refused."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def add_prove_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``prove`` subcommand to an argparse ``add_subparsers()`` object."""
    p = sub.add_parser(
        "prove", help="prove the catalog's formulas symbolically (needs SymPy)",
        description="Prove each formula with SymPy: for all sizes where its matrix calculus "
        "reaches, else exactly at small sizes; exit 1 if a formula is refuted.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--budget", type=_seconds, default=None, metavar="S",
                   help="seconds per entry after which no larger size is started")
    p.set_defaults(run=cmd_prove)
    return p


def cmd_prove(ns: argparse.Namespace) -> int:
    """``gradients prove`` from parsed arguments (``ids``, ``json``, optional ``budget``)."""
    return run_prove(ns.ids or None, as_json=ns.json, budget=getattr(ns, "budget", None))


def run_prove(ids: Sequence[str] | None = None, *, as_json: bool = False,
              budget: float | None = None, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """Prove the entries ``ids`` (default all), print the results, return the exit status.

    0: nothing refuted; 1: a formula is refuted; 2: SymPy is missing or an id is unknown (one
    line on ``err``).
    """
    from gradients.catalog import prove as prover

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if not prover.sympy_available():
        print(f"gradients: error: {prover.INSTALL_HINT}", file=err)
        return 2
    kwargs = {} if budget is None else {"budget": budget}
    start = time.perf_counter()
    try:
        results = prover.prove(ids, **kwargs)
    except KeyError as exc:
        print(f"gradients: error: {exc.args[0]}", file=err)
        return 2
    total = time.perf_counter() - start
    if as_json:
        import sympy

        print(json.dumps({"results": [r.as_dict() for r in results],
                          "ok": all(r.ok for r in results), "seconds": round(total, 3),
                          "sympy": sympy.__version__}, indent=2), file=out)
    else:
        print(format_results(results, total), file=out)
    return 0 if all(r.ok for r in results) else 1


def format_results(results: Sequence[Any], total: float | None = None) -> str:
    """The table of ``gradients prove``: id, status, time; witnesses of refutations below.

    >>> from gradients.catalog.prove import prove
    >>> print(format_results(prove(["1a"])))   # doctest: +ELLIPSIS
    id  status                                                  time
    --  ------------------------------------------------------  -----
    1a  proved for all sizes (cross-checked exactly at n <= 3)  ... s
    <BLANKLINE>
    1 formulas: 1 proved for all sizes, 0 proved exactly at small sizes, ... (... s)
    """
    from gradients.catalog.prove import STATUSES

    rows = [("id", "status", "time")]
    rows += [(r.id, r.summary(), f"{r.seconds:.1f} s") for r in results]
    lines = aligned(rows, right={2})
    for r in results:
        if r.witness is not None:
            lines.append(f"\n{r.id}: refuted {r.witness}")
    counts = [f"{sum(r.status == s for r in results)} {s}" for s in STATUSES]
    took = sum(r.seconds for r in results) if total is None else total
    lines.append(f"\n{len(results)} formulas: " + ", ".join(counts) + f" ({took:.1f} s)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- try --prove


def run_try_prove(derivation_id: str, text: str, *, time_limit: float = DEFAULT_TIME_LIMIT,
                  out: TextIO | None = None, err: TextIO | None = None) -> int | None:
    """``gradients try ID "EXPR" --prove``: prove or refute a typed candidate.

    Prints one verdict; returns 0 (proved, for all sizes or exactly at the sizes listed), 1
    (refuted: the smallest size, the symbolic difference and a point are printed), 2 (no
    SymPy, an unknown id, an expression the grammar refuses: one line on ``err``), or
    ``None`` when it could neither prove nor refute it: the caller then runs the numerical
    check of ``gradients try``.
    """
    from gradients.catalog import get
    from gradients.catalog import prove as prover
    from gradients.cli.expr import ExpressionError, parse_program

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if not prover.sympy_available():
        print(f"gradients: error: {prover.INSTALL_HINT}", file=err)
        return 2
    try:
        d = get(derivation_id)
    except KeyError as exc:
        print(f"gradients: error: {exc.args[0]}", file=err)
        return 2
    try:
        parse_program(text, d.variables)
    except ExpressionError as exc:
        print(f"gradients: error: bad expression: {exc}", file=err)
        return 2
    if d.id not in prover.SYMBOLIC:
        print(f"NOT PROVED: {d.id} ({d.title}) has no symbolic form; numerical evidence "
              "only.", file=out)
        return None
    result = prove_expression(d.id, text, time_limit=time_limit)
    head = f"{d.id} ({d.title}): `{text}`"
    if result.status == prover.REFUTED:
        print(f"REFUTED: {head} is wrong {result.witness}", file=out)
        return 1
    if result.proved:
        print(f"PROVED: {head}: {result.summary()}.", file=out)
        if result.note:
            print(f"  ({result.note})", file=out)
        return 0
    why = f" ({result.note})" if result.note else ""
    print(f"NOT PROVED: {head}: {prover.NUMERICAL}{why}.", file=out)
    return None


def prove_expression(derivation_id: str, text: str, *,
                     time_limit: float = DEFAULT_TIME_LIMIT) -> Any:
    """Prove a typed candidate in a child process; a :class:`~gradients.catalog.prove.ProofResult`.

    The child (``python -c``, JSON on its stdin and stdout, nothing unpickled) has
    ``time_limit`` seconds of wall-clock time, as much CPU time and an address-space limit;
    past them the result is ``"numerical evidence only"`` with a note saying why.
    """
    from gradients.catalog.prove import NUMERICAL, ProofResult

    root = str(Path(__file__).resolve().parents[2])
    path = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), PYTHONDONTWRITEBYTECODE="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    request = json.dumps({"id": derivation_id, "text": text, "time_limit": time_limit})
    start = time.perf_counter()
    note = ""
    try:
        done = subprocess.run(
            [sys.executable, "-B", "-c", _BOOTSTRAP], input=request.encode(),
            capture_output=True, timeout=time_limit, env=env, cwd="/", close_fds=True,
            start_new_session=True, check=False,
        )
    except subprocess.TimeoutExpired:
        note = f"time limit of {time_limit:g} s reached"
    else:
        try:
            payload = json.loads(done.stdout.decode() or "null")
        except ValueError:
            payload = None
        if isinstance(payload, dict) and "result" in payload:
            return ProofResult.from_dict(payload["result"])
        if isinstance(payload, dict) and "error" in payload:
            note = str(payload["error"])[:300]
        else:
            note = f"the prover stopped (exit status {done.returncode}: memory or CPU limit?)"
    return ProofResult(derivation_id, NUMERICAL, seconds=time.perf_counter() - start,
                       candidate=text, note=note)


_BOOTSTRAP = "from gradients.cli.prove_command import _child_main; _child_main()"


def _child_main() -> None:
    """The child of :func:`prove_expression`: limits, then the proof; JSON on stdout."""
    request = json.loads(sys.stdin.read())
    time_limit = float(request["time_limit"])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
        cpu = int(math.ceil(time_limit)) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass
    try:
        from gradients.catalog.prove import prove_candidate
        from gradients.cli.expr.symbolic import expression_candidate

        candidate = expression_candidate(request["id"], request["text"])
        result = prove_candidate(request["id"], candidate, budget=time_limit / 2,
                                 label=request["text"])
        answer: dict[str, Any] = {"result": result.as_dict()}
    except MemoryError:
        answer = {"error": "memory limit reached"}
    except Exception as exc:  # noqa: BLE001 - reported to the parent as the reason
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
