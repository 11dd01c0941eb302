"""Search for the smallest input on which an analytic gradient is wrong.

:func:`find_counterexample` draws inputs from a hypothesis strategy, runs
:func:`checks.check_gradient` on each, and when one fails lets hypothesis shrink it: fewer
rows, smaller matrices, simpler values, until no smaller input fails. Tests, the
``gradients`` command and users share this one mechanism.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks.compare import GradientCheck, check_gradient

__all__ = ["Counterexample", "find_counterexample", "format_inputs"]


@dataclass(frozen=True)
class Counterexample:
    """The minimal failing input found by :func:`find_counterexample`.

    Attributes
    ----------
    args : tuple
        The shrunk arguments.
    check : GradientCheck or None
        The failed check on ``args`` (``None`` when ``grad`` raised instead).
    error : str or None
        The exception raised by ``grad`` on ``args``, if that is why it failed.
    names : tuple of str
        Names of the arguments, for the report.
    """

    args: tuple[Any, ...]
    check: GradientCheck | None
    error: str | None = None
    names: tuple[str, ...] = ()

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(np.shape(a) for a in self.args)

    def __str__(self) -> str:
        lines = ["Minimal counterexample (after shrinking):", format_inputs(self.args, self.names)]
        if self.error is not None:
            lines.append(f"The gradient function raised: {self.error}")
        if self.check is not None:
            lines.append(str(self.check))
        return "\n".join(lines)


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


def find_counterexample(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    inputs: Any,
    *,
    argnum: int = 0,
    max_examples: int = 200,
    seed: int | None = 0,
    names: tuple[str, ...] = (),
    options: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None,
    **check_kwargs: Any,
) -> Counterexample | None:
    """Search ``inputs`` for arguments on which ``grad`` fails :func:`check_gradient`.

    Parameters
    ----------
    f, grad, argnum
        As in :func:`checks.check_gradient`.
    inputs : hypothesis strategy
        Draws argument tuples ``args`` (see :mod:`checks.strategies`).
    max_examples : int, default 200
        How many inputs to try before concluding there is no counterexample.
    seed : int or None, default 0
        Seed of the search; the default makes the result reproducible. ``None`` draws anew.
    names : tuple of str
        Argument names for the report.
    options : callable, optional
        ``options(args) -> dict`` of extra check arguments that depend on the input, such as
        :meth:`gradients.catalog.Derivation.options`.
    **check_kwargs
        Passed to :func:`checks.check_gradient` (``method``, ``rtol``, ...).

    Returns
    -------
    Counterexample or None
        The shrunk failing input with its report, or ``None`` if every input passed.

    Examples
    --------
    >>> from checks.strategies import square_matrices
    >>> cx = find_counterexample(lambda X: np.trace(X @ X), lambda X: 2 * X,
    ...                          square_matrices().map(lambda X: (X,)))
    >>> cx.shapes
    ((2, 2),)
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    def check(args: tuple[Any, ...]) -> GradientCheck:
        extra = options(args) if options is not None else {}
        return check_gradient(f, grad, args, argnum=argnum, **check_kwargs, **extra)

    def fails(args: tuple[Any, ...]) -> bool:
        try:
            grad(*args)
        except Exception:  # noqa: BLE001 - a gradient that raises is a failing gradient
            return True
        return not check(args).ok

    conf = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    rnd = random.Random(seed) if seed is not None else None
    try:
        args = tuple(find(inputs, fails, settings=conf, random=rnd))
    except NoSuchExample:
        return None
    try:
        grad(*args)
    except Exception as exc:  # noqa: BLE001
        return Counterexample(args, None, f"{type(exc).__name__}: {exc}", tuple(names))
    return Counterexample(args, check(args), None, tuple(names))
