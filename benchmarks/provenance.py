"""Where a measurement comes from: the git revision of the checkout it was taken in.

Every benchmark's report names it (``docs/BENCHMARKS.md``), with "(with uncommitted changes)"
when tracked files differ from the commit: a number measured on code nobody can check out is
said to be so.

>>> rev = git_revision()
>>> isinstance(rev, str) and len(rev) > 0
True
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git_revision() -> str:
    """The short hash of ``HEAD`` (and whether tracked files differ), or ``"unknown"``."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
