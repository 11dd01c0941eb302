"""``gradients list``: every entry's id, problem, kind, title and recorded proof status.

The proof status is the one recorded in ``FORMULAS.md`` (written by ``gradients export``
from the symbolic prover, and kept up to date by the test suite) when this checkout has it;
the command does not run the prover (``gradients prove`` does). An entry with no recorded
status, and every entry of a user's module (``--module``), shows ``-``. ``--json`` prints a
list of dicts with the same fields.

>>> from gradients.cli.commands import main
>>> main(["list", "1a", "1b"])   # doctest: +NORMALIZE_WHITESPACE
id  problem  kind      title              proof status
--  -------  --------  -----------------  --------------------
1a  1        gradient  Trace of a square  proved for all sizes
1b  1        gradient  Trace of a cube    proved for all sizes
0
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from gradients.cli.columns import aligned
from gradients.cli.selection import catalog_of, problem_of, select

__all__ = ["cmd_list", "recorded_statuses"]

_FORMULAS = Path(__file__).resolve().parents[2] / "FORMULAS.md"
_ROW = re.compile(r"^\| \[(?P<id>[^\]]+)\]\([^)]*\) \| .* \| (?P<status>[^|]+) \|$")


def recorded_statuses(path: Path = _FORMULAS) -> dict[str, str]:
    """id -> proof status, from the table at the top of ``FORMULAS.md`` ({} without it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {m["id"]: m["status"].strip() for m in map(_ROW.match, text.splitlines()) if m}


def cmd_list(ns: argparse.Namespace) -> int:
    entries = select(ns.ids, catalog_of(ns), ns)
    statuses = {} if ns.module else recorded_statuses()
    rows = [{"id": d.id, "problem": problem_of(d.id), "kind": d.kind, "title": d.title,
             "status": statuses.get(d.id)} for d in entries]
    if ns.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [("id", "problem", "kind", "title", "proof status")]
    table += [(r["id"], r["problem"] or "-", r["kind"], r["title"], r["status"] or "-")
              for r in rows]
    print("\n".join(aligned(table)))
    return 0
