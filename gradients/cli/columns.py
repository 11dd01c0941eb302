"""The command's plain-text tables: a header, a rule of dashes, one line per row.

>>> print("\\n".join(aligned([("id", "time"), ("1a", "0.5 s"), ("7-dh", "12.0 s")], right={1})))
id      time
----  ------
1a     0.5 s
7-dh  12.0 s
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["aligned"]


def aligned(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """``rows`` (the first one the header) as lines whose columns line up, two spaces apart,
    each column as wide as its widest cell (left-aligned, or right-aligned where its index is
    in ``right``), trailing spaces stripped, a rule of dashes under the header."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if c in right else cell.ljust(w)
                       for c, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
