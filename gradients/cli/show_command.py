r"""``gradients show ID``: one formula, its variables (shape and role), LaTeX or numpy code.

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

    d = select([ns.id], catalog_of(ns), ns)[0]
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
