"""What a counterexample search returns: the counterexample, the draws, and how they read.

:class:`Counterexample` is the minimal failing input with its check (arguments, the
:class:`checks.GradientCheck`, the failure's message when ``grad`` raised); :class:`Draws`
counts the inputs drawn and how each was judged (conclusive, skipped outside ``f``'s domain,
inconclusive); :class:`SearchResult` holds both. Their ``str`` is what a failing test prints.

>>> d = Draws(passed=7, failed=1, inconclusive=1, skipped=1)
>>> d.drawn, d.conclusive
(10, 8)
>>> print(format_inputs((np.array([1.0, 2.0]),), ("w",)))
  w = [1. 2.]   shape (2,)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from checks.compare import GradientCheck

__all__ = ["Counterexample", "Draws", "SKIPPED", "SearchResult", "format_inputs"]


SKIPPED = "f not finite or outside its domain"


@dataclass(frozen=True)
class Counterexample:
    """The minimal failing input found by :func:`find_counterexample`.

    Attributes
    ----------
    args : tuple
        The shrunk arguments.
    check : GradientCheck or None
        The failed check on ``args`` (``None`` when ``grad`` raised instead).
    exception : str or None
        The exception raised by ``grad`` on ``args``, if that is why it failed.
    names : tuple of str
        Names of the arguments, for the report.
    """

    args: tuple[Any, ...]
    check: GradientCheck | None
    exception: str | None = None
    names: tuple[str, ...] = ()

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(np.shape(a) for a in self.args)

    def __str__(self) -> str:
        lines = ["Minimal counterexample (after shrinking):", format_inputs(self.args, self.names)]
        if self.exception is not None:
            lines.append(f"The gradient function raised: {self.exception}")
        if self.check is not None:
            lines.append(str(self.check))
        return "\n".join(lines)


@dataclass(frozen=True)
class Draws:
    """How the inputs drawn by a search were judged (the module docstring defines each count).

    Only the search's own draws are counted, up to and including the first failed one; the
    inputs tried while shrinking are not.

    Attributes
    ----------
    drawn : int
        Inputs drawn and checked: ``passed + failed + inconclusive + skipped``.
    passed, failed : int
        Draws whose check passed, or failed (``failed`` is 0 or 1: the search stops at the
        first failure).
    inconclusive : int
        Draws whose check could not have caught a wrong gradient.
    skipped : int
        Draws where ``f`` was not finite, or raised, at or near the point.

    Examples
    --------
    >>> draws = Draws(passed=45, inconclusive=3, skipped=2)
    >>> draws.drawn, draws.conclusive
    (50, 45)
    >>> print(draws)
    50 draws: 45 conclusive (45 passed, 0 failed), 3 inconclusive, 2 skipped (f not finite or outside its domain)
    """  # noqa: E501 - a doctest's output line

    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    skipped: int = 0

    @property
    def drawn(self) -> int:
        return self.passed + self.failed + self.inconclusive + self.skipped

    @property
    def conclusive(self) -> int:
        """Draws that checked something: ``passed + failed``."""
        return self.passed + self.failed

    def __str__(self) -> str:
        return (f"{self.drawn} draw{'s' if self.drawn != 1 else ''}: {self.conclusive} "
                f"conclusive ({self.passed} passed, {self.failed} failed), {self.inconclusive} "
                f"inconclusive, {self.skipped} skipped ({SKIPPED})")


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search_counterexample` found: the counterexample, if any, and the draws.

    Attributes
    ----------
    counterexample : Counterexample or None
        The shrunk failing input, or ``None`` if no draw failed.
    draws : Draws
        How many inputs were drawn and how each was judged.
    """

    counterexample: Counterexample | None
    draws: Draws

    @property
    def verdict(self) -> str:
        """``"fail"`` with a counterexample; ``"inconclusive"`` when no draw was conclusive
        (nothing was checked); ``"pass"`` otherwise."""
        if self.counterexample is not None:
            return "fail"
        return "pass" if self.draws.conclusive else "inconclusive"

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def __bool__(self) -> bool:
        # `assert search_counterexample(...)` would always pass on a truthy object: refuse it.
        raise TypeError("use `.ok` or `.verdict` (or assert_no_counterexample) rather than "
                        "the truth of the result")

    def __str__(self) -> str:
        if self.counterexample is not None:
            return f"grad is wrong on some inputs ({self.draws}).\n{self.counterexample}"
        if not self.draws.conclusive:
            return (
                f"no draw was conclusive ({self.draws}): nothing was checked. A skipped draw "
                "is outside the domain of f; an inconclusive one could not have caught a "
                "wrong gradient (the gradient is zero there, or below the noise of f, as "
                "behind a saturated tanh). Draw inputs where f is finite and its gradient "
                "can be resolved; check_gradient on one of them says why."
            )
        return f"no counterexample ({self.draws})"


def format_inputs(args: tuple[Any, ...], names: tuple[str, ...] = ()) -> str:
    """One line per argument: ``name = array(...)`` with the shape."""
    names = tuple(names) + tuple(f"args[{i}]" for i in range(len(names), len(args)))
    lines = []
    with np.printoptions(precision=6, threshold=40, linewidth=100):
        for name, a in zip(names, args, strict=True):
            arr = np.asarray(a)
            text = np.array2string(arr, prefix=f"  {name} = ") if arr.ndim else repr(a)
            lines.append(f"  {name} = {text}" + (f"   shape {arr.shape}" if arr.ndim else ""))
    return "\n".join(lines)
