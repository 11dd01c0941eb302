"""How every benchmark command writes its result: the Markdown section, and the raw results
as JSON.

``--out FILE`` writes the section to ``FILE`` (else it is printed); ``--json FILE`` writes
the results (``-``: to stdout, and the section is then not printed). Non-finite floats
become strings (JSON has none), numpy scalars Python numbers, and records dicts (their
``as_dict()`` where they have one, else their dataclass fields).

>>> jsonable({"x": float("inf"), "n": np.int64(3), "v": (1.0, np.float64(2.5))})
{'x': 'inf', 'n': 3, 'v': [1.0, 2.5]}
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["bold", "emit", "jsonable", "revision", "table", "versions"]


def jsonable(value: Any) -> Any:
    """``value`` with every part JSON can hold (module docstring)."""
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return str(value)
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "as_dict"):
        return jsonable(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return value


def emit(text: str, results: dict[str, Any], *, out: str | None, json_path: str | None,
         log: Callable[[str], None]) -> None:
    """Write the section ``text`` and the ``results`` as the command's options say, and log
    the run's time (``results["elapsed"]``)."""
    if out:
        Path(out).write_text(text)
        log(f"wrote {out}")
    elif json_path != "-":
        print(text)
    if json_path:
        data = json.dumps(jsonable(results), indent=1) + "\n"
        if json_path == "-":
            sys.stdout.write(data)
        else:
            Path(json_path).write_text(data)
            log(f"wrote {json_path}")
    log(f"done in {results['elapsed']:.0f} s")


def versions(dists: Sequence[str]) -> dict[str, str]:
    """The installed version of each distribution in ``dists`` (``"not installed"``)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in dists:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def revision() -> str:
    """The git revision of the checkout (:func:`benchmarks.provenance.git_revision`), or
    ``"unknown"``."""
    try:
        from benchmarks.provenance import git_revision

        return git_revision()
    except Exception:  # noqa: BLE001 - no git, no checkout: the section says so
        return "unknown"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table (``|`` in a cell escaped)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def bold(k: int) -> str:
    """A count in bold where it is not 0 (a false alarm, a miss)."""
    return f"**{k}**" if k else "0"


def command(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of a section's command: its first paragraph as the description, with the
    ``--out`` (the markdown) and ``--json`` (the raw figures; ``-``: stdout) options."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}",
                                     description=(doc or "").split("\n\n")[0])
    parser.add_argument("--out", help="write the markdown section here")
    parser.add_argument("--json", help="write the raw figures here ('-': stdout)")
    return parser


def run_and_emit(opts: argparse.Namespace, run: Callable[[], dict[str, Any]],
                 render: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """``run()``, timed into its ``elapsed``, then :func:`emit` of ``render`` of it as the
    options of :func:`command` say; the results."""
    start = time.perf_counter()
    res = run()
    res["elapsed"] = time.perf_counter() - start
    emit(render(res), res, out=opts.out, json_path=opts.json,
         log=lambda s: print(s, file=sys.stderr))
    return res
