"""The ``gradients`` command (the application layer).

:mod:`gradients.cli.commands` (:func:`main`), :mod:`gradients.cli.parser` (argparse), one
module per subcommand (``list_command``, ``verify_command``, ``show_command``, ``try_command``,
``prove_command``, ``export_command``) over :mod:`gradients.cli.selection` (which
derivations),
:mod:`gradients.cli.verification` (the loop that checks a derivation, or a candidate answer,
on random inputs), :mod:`gradients.cli.expr` (the interpreter that turns a typed expression
into a candidate function), :mod:`gradients.cli.sandbox` and
:mod:`gradients.cli.sandbox_worker` (the child process that evaluates a candidate under
operating-system limits), :mod:`gradients.cli.modules` (user catalogs, ``--module``) and
:mod:`gradients.cli.reference` (each catalog entry's variables and its formula as numpy code,
for ``gradients show``). It reads the catalog (:mod:`gradients.catalog`) and the engine
(:mod:`checks`); nothing below it imports it.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    r"""Entry point of the ``gradients`` console script (and of ``python -m gradients``).

    (Imported on call, so that the sandbox's child process, which imports
    :mod:`gradients.cli.sandbox_worker`, loads neither the catalog nor argparse.)

    It returns the exit status (0, 1 for a failed check, 2 for a usage error):

    >>> main(["show", "1b", "--format", "latex"])
    \frac{\partial\,\mathrm{tr}(X^3)}{\partial X} = 3(X^2)^\top
    0
    """
    from gradients.cli.commands import main as run

    return run(argv)
