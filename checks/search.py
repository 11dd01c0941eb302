r"""The property-test API: search for the smallest input on which an analytic gradient is wrong.

:func:`find_counterexample` draws argument tuples from a hypothesis strategy, runs
:func:`checks.check_gradient` on each, and when one fails lets hypothesis shrink it: fewer
rows, smaller matrices, simpler values, until no smaller input fails.
:func:`assert_no_counterexample` is the same as an assertion for a test suite. Tests, the
``gradients`` command and users share this one mechanism.

Only a ``"fail"`` verdict makes a counterexample: an ``"inconclusive"`` check proves nothing
either way, and a draw where ``f`` is not finite (outside its domain) is skipped. Misuse is
an error, never a counterexample: ``inputs`` that is not a strategy, a strategy that draws
something other than a tuple of arguments, a ``grad`` that cannot take those arguments, or a
check option that :func:`checks.check_gradient` does not know are ``TypeError``\ s that say
what to write instead.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._args import _signature_mismatch, copies
from checks._util import NonFiniteValueError
from checks.compare import GradientCheck, check_gradient

__all__ = ["Counterexample", "assert_no_counterexample", "find_counterexample",
           "format_inputs"]

#: The options :func:`find_counterexample` passes on to :func:`checks.check_gradient`.
CHECK_OPTIONS = tuple(
    name for name, par in inspect.signature(check_gradient).parameters.items()
    if par.kind is inspect.Parameter.KEYWORD_ONLY and name != "argnum"
)


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
    prepare: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    check: Callable[..., Any] = check_gradient,
    **check_options: Any,
) -> Counterexample | None:
    """Search ``inputs`` for arguments on which ``grad`` fails :func:`check_gradient`.

    Parameters
    ----------
    f, grad, argnum
        As in :func:`checks.check_gradient`: ``f(*args)`` is the scalar function and
        ``grad(*args)`` its gradient with respect to ``args[argnum]``.
    inputs : hypothesis strategy
        Draws argument tuples ``args`` (e.g. ``st.tuples(vectors(), st.just(X))``, or
        ``vectors().map(lambda w: (w,))`` for a single argument; see
        :mod:`checks.strategies`).
    max_examples : int, default 200
        How many inputs to try before concluding there is no counterexample.
    seed : int or None, default 0
        Seed of the search; the default makes the result reproducible. ``None`` draws anew.
    names : tuple of str
        Argument names for the report.
    options : callable, optional
        ``options(args) -> dict`` of extra check arguments that depend on the input, such as
        :meth:`gradients.catalog.Derivation.options`.
    prepare : callable, optional
        Maps a drawn tuple to the arguments of the check (e.g. prepends a computed
        maximiser); shrinking acts on the drawn tuple. Default: the identity.
    check : callable, default :func:`checks.check_gradient`
        The check run on each draw, ``check(f, grad, args, argnum=..., **options)`` with a
        ``verdict``: e.g. :func:`checks.check_hessian` to search a Hessian's inputs.
    **check_options
        Passed to the check (``method``, ``rtol``, ``atol``, ``mode``, ...); with the
        default check, an unknown name is a ``TypeError``.

    Returns
    -------
    Counterexample or None
        The shrunk failing input with its report, or ``None`` if no input failed. Only a
        ``"fail"`` verdict counts: a draw whose check is ``"inconclusive"`` is never a
        counterexample, and a draw where ``f`` is not finite (outside its domain) is skipped.

    Raises
    ------
    TypeError
        ``inputs`` is not a hypothesis strategy, draws something other than a tuple of
        arguments, ``grad`` cannot be called with the drawn arguments, or a check option is
        unknown.

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
    from hypothesis.strategies import SearchStrategy

    if not isinstance(inputs, SearchStrategy):
        raise TypeError(
            f"inputs must be a hypothesis strategy of argument tuples, got "
            f"{type(inputs).__name__}; e.g. st.tuples(vectors(), st.just(X)), or "
            "vectors().map(lambda w: (w,)) for a single argument"
        )
    unknown = sorted(set(check_options) - set(CHECK_OPTIONS))
    if unknown and check is check_gradient:
        raise TypeError(f"unknown check option(s) {', '.join(unknown)}; check_gradient takes "
                        f"{', '.join(CHECK_OPTIONS)}")
    prep = prepare if prepare is not None else _as_arguments

    def run(args: tuple[Any, ...]) -> GradientCheck:
        extra = options(args) if options is not None else {}
        return check(f, grad, args, argnum=argnum, **check_options, **extra)

    def fails(raw: tuple[Any, ...]) -> bool:
        args = tuple(prep(raw))
        if check is check_gradient and _raises(grad, args) is not None:
            return True  # a gradient that raises is a failing gradient
        try:
            result = run(args)
        except NonFiniteValueError:
            return False  # f is not finite there: the draw says nothing about grad
        except Exception:  # noqa: BLE001 - with another check, the answer raised inside it
            if check is check_gradient:
                raise
            return True
        # only a failed check is a counterexample: an inconclusive one proves nothing
        return result.verdict == "fail"

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
        raw = tuple(find(inputs, fails, settings=conf, random=rnd))
    except NoSuchExample:
        return None
    raw = _delete_indices(raw, fails)
    args = tuple(prep(raw))
    raised = _raises(grad, args) if check is check_gradient else None
    if raised is None and check is not check_gradient:
        try:
            return Counterexample(args, run(args), None, tuple(names))
        except Exception as exc:  # noqa: BLE001 - the answer raised inside the check
            raised = f"{type(exc).__name__}: {exc}"
    if raised is not None:
        return Counterexample(args, None, raised, tuple(names))
    return Counterexample(args, run(args), None, tuple(names))


def _as_arguments(raw: Any) -> tuple[Any, ...]:
    """A drawn value as the argument tuple of a check; anything else is misuse."""
    if not isinstance(raw, (tuple, list)):
        raise TypeError(
            f"inputs drew a {type(raw).__name__}, not a tuple of the arguments of f; map the "
            "strategy to tuples, e.g. vectors().map(lambda w: (w,)) or "
            "st.tuples(vectors(), st.just(X))"
        )
    return tuple(raw)


def _raises(grad: Callable[..., Any], args: tuple[Any, ...]) -> str | None:
    """``"Type: message"`` if ``grad(*args)`` raises, else ``None``; a call that cannot bind
    (a ``grad`` whose signature does not match ``f``'s arguments) is a ``TypeError``."""
    try:
        grad(*copies(args))
    except TypeError as exc:
        if _signature_mismatch(grad, len(args)):
            raise TypeError(
                f"grad cannot be called with the {len(args)} drawn argument(s) ({exc}); grad "
                "must take the same arguments as f, in the same order"
            ) from exc
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a gradient that raises is a failing gradient
        return f"{type(exc).__name__}: {exc}"
    return None


def assert_no_counterexample(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    inputs: Any,
    *,
    argnum: int = 0,
    max_examples: int = 200,
    seed: int | None = 0,
    names: tuple[str, ...] = (),
    **check_options: Any,
) -> None:
    """Assert that ``grad`` passes on every input drawn from ``inputs``.

    The arguments are those of :func:`find_counterexample`. On a counterexample, raises
    ``AssertionError`` whose message shows the minimal arguments (values and shapes) and the
    failed check's report.

    Examples
    --------
    >>> from checks.strategies import vectors
    >>> assert_no_counterexample(lambda w: w @ w, lambda w: 2 * w,
    ...                          vectors().map(lambda w: (w,)))
    """
    __tracebackhide__ = True
    cx = find_counterexample(f, grad, inputs, argnum=argnum, max_examples=max_examples,
                             seed=seed, names=names, **check_options)
    if cx is not None:
        raise AssertionError(f"grad is wrong on some inputs.\n{cx}")


def _delete_indices(args: tuple[Any, ...], fails: Callable[[tuple[Any, ...]], bool]):
    """Shrink dimensions further than hypothesis can: delete one index at a time.

    Hypothesis shrinks sizes and values, but cannot move a non-zero entry to a smaller
    index, so a failure that needs entry ``(1, 6)`` keeps ``D = 7``. Here, for each axis
    length ``s`` and index ``i``, entry ``i`` is deleted from every axis of length ``s`` in
    every array argument at once (axes of one length are taken to be one dimension, which
    keeps the shapes consistent), and the deletion is kept while the input still fails.
    Inputs that no longer make sense (the loss raises) count as passing.
    """

    def safe_fails(candidate: tuple[Any, ...]) -> bool:
        try:
            return fails(candidate)
        except Exception:  # noqa: BLE001 - e.g. a design that lost full rank
            return False

    changed = True
    while changed:
        changed = False
        lengths = sorted({n for a in args if isinstance(a, np.ndarray) for n in a.shape if n > 1})
        for length in reversed(lengths):
            for i in range(length):
                smaller = tuple(_drop(a, length, i) for a in args)
                if safe_fails(smaller):
                    args, changed = smaller, True
                    break
            if changed:
                break
    return args


def _drop(a: Any, length: int, i: int) -> Any:
    if not isinstance(a, np.ndarray):
        return a
    for axis, n in enumerate(a.shape):
        if n == length:
            a = np.delete(a, i, axis=axis)
    return a
