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

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["emit", "jsonable"]


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


def emit(text: str, results: Any, *, out: str | None, json_path: str | None,
         log: Callable[[str], None]) -> None:
    """Write the section ``text`` and the ``results`` as the command's options say."""
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
