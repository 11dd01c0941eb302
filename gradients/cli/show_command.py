r"""``gradients show ID...``: formulas, their variables (shape and role), LaTeX or numpy code.

A bare problem number shows every entry of that problem (``gradients show 7``: 7a, 7b, ...,
the chain-rule steps); several entries are separated by a blank line (markdown, numpy: the
functions of one file that runs as copied) or each LaTeX line is preceded by a ``% ID``
comment.

>>> from gradients.cli.commands import main
>>> main(["show", "1b", "--format", "latex"])
\frac{\partial\,\mathrm{tr}(X^3)}{\partial X} = 3(X^2)^\top
0
"""

from __future__ import annotations

import argparse

from gradients.catalog.markdown import markdown_entry
from gradients.cli.selection import catalog_of, select

__all__ = ["cmd_show"]


def cmd_show(ns: argparse.Namespace) -> int:
    from gradients.cli.reference import answer_line, numpy_code, variable_lines

    chosen = select(ns.ids, catalog_of(ns), ns)
    several = len(chosen) > 1
    for n, d in enumerate(chosen):
        if ns.format == "latex":
            if several:
                print(f"% {d.id} — {d.title}")
            print(d.formula)
        elif ns.format == "numpy":
            print(("\n\n" if n else "") + numpy_code(d), end="")
        else:
            if n:
                print()
            print(markdown_entry(d))
            print()
            print(f"Variables (the names a `gradients try {d.id}` candidate uses):")
            print("\n".join(variable_lines(d)))
            print(answer_line(d))
    return 0
