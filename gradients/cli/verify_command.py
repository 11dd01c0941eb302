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
import sys
from typing import Any

from gradients.cli.selection import catalog_of, complex_filter, select
from gradients.cli.usage import UsageError
from gradients.cli.verification import DETECTABLE, Verification, verify_derivation

__all__ = ["cmd_verify"]


def cmd_verify(ns: argparse.Namespace) -> int:
    catalog = catalog_of(ns)
    selected = select(ns.ids, catalog, ns)
    skipped: list[str] = []
    if ns.method == "complex":
        selected, skipped = complex_filter(selected)
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


def _worst(r: Verification) -> str:
    """The worst relative error of a row: over the conclusive passes of a passing derivation,
    over the failing inputs of a failing one (``raised`` if every failure was an error)."""
    if r.ok:
        return f"{r.worst_rel_error:.1e}"
    if r.worst_failing_rel_error is None:
        return "raised" if r.raised else "n/a"
    return f"{r.worst_failing_rel_error:.1e}"


def _table(results: list[Verification]) -> str:
    rows = [("id", "derivation", "examples", "inconclusive", "worst rel. error", "verdict")]
    for r in results:
        rows.append((r.id, r.title, str(r.examples), str(r.inconclusive), _worst(r),
                     "pass" if r.ok else f"FAIL ({r.failures})"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    total = sum(r.seconds for r in results)
    passed = sum(r.ok for r in results)
    lines.append(
        "\ninconclusive: inputs where the check could not have caught a gradient wrong by a "
        f"relative {DETECTABLE:g} (zero gradients, or gradients below the resolution of finite "
        "differences, e.g. behind a saturated sigmoid); the worst error is over the other inputs "
        "(on a FAIL row, over the failing inputs)"
    )
    lines.append(f"{passed} of {len(results)} derivations verified in {total:.1f} s")
    return "\n".join(lines)
