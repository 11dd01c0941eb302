"""A user's mistake at the command line: :class:`UsageError`, one line on stderr, exit 2.

Every subcommand raises it for what the user can fix (an unknown id, a bad expression, a
path that cannot be written); :func:`gradients.cli.commands.main` prints it as
``gradients: error: ...`` and returns 2, never a traceback.

>>> str(UsageError("unknown derivation id '9'"))
"unknown derivation id '9'"
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """A user error, printed as one line on stderr with exit status 2."""
