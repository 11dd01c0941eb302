r"""The property-test API: search for the smallest input on which an analytic gradient is wrong.

:func:`search_counterexample` draws argument tuples from a hypothesis strategy, runs
:func:`checks.check_gradient` on each, and when one fails lets hypothesis shrink it: fewer
rows, smaller matrices, simpler values, until no smaller input fails. It returns a
:class:`SearchResult`: the counterexample, if any, and the :class:`Draws` (how many inputs
were drawn and how each was judged). :func:`find_counterexample` returns the counterexample
alone (or ``None``); :func:`assert_no_counterexample` is the same search as an assertion for
a test suite. Tests, the ``gradients`` command and users share this one mechanism.

Counterexamples come from the strategy
--------------------------------------
Every input tried, shrinking included, is drawn by hypothesis from the user's strategy: a
counterexample is always a value the strategy can draw (its sizes, filters and
``assume``\ s hold; a batch-norm strategy drawing ``N >= 2`` rows never yields ``N = 1``).
Nothing is deleted from the arrays after hypothesis has shrunk them, so how small a
counterexample gets is up to the strategy: those of :mod:`checks.strategies` let hypothesis
delete any index of any dimension (their "Shrinking" section).

Settings come from the active hypothesis profile
------------------------------------------------
The number of examples, the randomness (``derandomize``), the example database and the
deadline are those of the active profile (``hypothesis.settings.default``: the profile loaded
by ``pytest --hypothesis-profile=NAME``, ``HYPOTHESIS_PROFILE`` in this project's
``conftest.py``, or ``settings.load_profile``), or of the ``settings=`` given; the
``max_examples=`` and ``seed=`` arguments win over both. An explicit ``seed`` makes the
search reproducible, as the former default ``seed=0`` did: the draws follow from the seed, and
no example database is read or written (a replayed failure would make one run depend on the
runs before it). Hypothesis's *explain* phase never runs: it would list lines of this engine
rather than of the derivation under test.

What each draw says
-------------------
Each drawn input is judged once, and counted in :class:`Draws`:

* ``failed``: the check's verdict is ``"fail"``, or ``grad`` raised. Only a failed draw makes
  a counterexample; the search stops drawing at the first one and shrinks it.
* ``passed``: the verdict is ``"pass"``.
* ``inconclusive``: the check could not have caught a wrong gradient there (a zero gradient,
  one below the noise of ``f``); it proves nothing either way.
* ``skipped``: ``f`` is not finite, or raises, at or near the point
  (:class:`checks._util.NonFiniteValueError`): outside ``f``'s domain the draw says nothing
  about ``grad``.

The search's verdict has the three values of a single check: ``"fail"`` with a
counterexample, ``"inconclusive"`` when no draw was conclusive (none passed or failed: nothing
was checked), ``"pass"`` otherwise. :func:`assert_no_counterexample` raises
``AssertionError`` on the first and :class:`checks.InconclusiveError` on the second.

Misuse is an error, never a counterexample: ``inputs`` that is not a strategy, a strategy that
draws something other than a tuple of arguments, a ``grad`` that cannot take those arguments,
or a check option that :func:`checks.check_gradient` does not know are ``TypeError``\ s that
say what to write instead.
"""

from __future__ import annotations

import hashlib
import inspect
import random
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from checks._args import _signature_mismatch, copies
from checks._util import NonFiniteValueError
from checks.compare import GradientCheck, InconclusiveError, check_gradient
from checks.search_results import Counterexample, Draws, SearchResult, format_inputs

if TYPE_CHECKING:
    from hypothesis import settings as Settings

__all__ = ["Counterexample", "Draws", "SearchResult", "assert_no_counterexample",
           "find_counterexample", "format_inputs", "search_counterexample"]

#: The options :func:`find_counterexample` passes on to :func:`checks.check_gradient`.
CHECK_OPTIONS = tuple(
    name for name, par in inspect.signature(check_gradient).parameters.items()
    if par.kind is inspect.Parameter.KEYWORD_ONLY and name != "argnum"
)

#: Why a draw is skipped, as the reports say it.


def search_counterexample(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    inputs: Any,
    *,
    argnum: int = 0,
    max_examples: int | None = None,
    seed: int | None = None,
    settings: Settings | None = None,
    names: tuple[str, ...] = (),
    options: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None,
    prepare: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    check: Callable[..., Any] = check_gradient,
    **check_options: Any,
) -> SearchResult:
    """Search ``inputs`` for arguments on which ``grad`` fails :func:`check_gradient`.

    Parameters
    ----------
    f, grad, argnum
        As in :func:`checks.check_gradient`: ``f(*args)`` is the scalar function and
        ``grad(*args)`` its gradient with respect to ``args[argnum]``.
    inputs : hypothesis strategy
        Draws argument tuples ``args`` (e.g. ``st.tuples(vectors(), st.just(X))``, or
        ``vectors().map(lambda w: (w,))`` for a single argument; see
        :mod:`checks.strategies`). Every input tried, shrinking included, is drawn from it.
    max_examples : int, optional
        How many inputs to draw before concluding there is no counterexample. Default: the
        ``max_examples`` of ``settings`` (the active profile's: 100 under hypothesis's own
        default profile, 50 under ``gradcheck-dev`` and ``-ci``, 1,000 under
        ``-thorough``).
    seed : int, optional
        Makes the search reproducible: the draws follow from this seed, and no example
        database is read or written (``seed=0`` is what the search did by default before it
        followed the profile). Default: the randomness of ``settings`` (random draws; the
        same draws on every run under a ``derandomize=True`` profile such as
        ``gradcheck-ci``; pytest's ``--hypothesis-seed`` applies).
    settings : hypothesis.settings, optional
        The hypothesis settings of the search (``max_examples``, ``derandomize``,
        ``database``, ``deadline``, ``phases``, ``verbosity``). Default: the active profile,
        ``hypothesis.settings.default``. The explain phase is never run.
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
    SearchResult
        ``.counterexample``: the shrunk failing input with its report, or ``None`` if no
        draw failed (only a ``"fail"`` verdict, or a ``grad`` that raises, counts);
        ``.draws``: how many inputs were drawn, passed, failed, inconclusive and skipped;
        ``.verdict``: ``"fail"``, ``"inconclusive"`` (no draw was conclusive) or ``"pass"``.

    Raises
    ------
    TypeError
        ``inputs`` is not a hypothesis strategy, draws something other than a tuple of
        arguments, ``grad`` cannot be called with the drawn arguments, a check option is
        unknown, or ``settings`` is not a ``hypothesis.settings``.

    Examples
    --------
    Where ``tanh`` is 1 to the last bit, a gradient wrong by a factor 3 cannot be seen:

    >>> from hypothesis import strategies as st
    >>> from checks.strategies import vectors
    >>> saturated = vectors(elements=st.floats(25.0, 40.0)).map(lambda x: (x,))
    >>> result = search_counterexample(lambda x: np.sum(np.tanh(x)),
    ...                                lambda x: 3 / np.cosh(x) ** 2, saturated, max_examples=20)
    >>> result.verdict, result.draws.inconclusive
    ('inconclusive', 20)
    """
    from hypothesis import find
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
    conf = _search_settings(settings, max_examples, seed)
    prep = prepare if prepare is not None else _as_arguments

    def run(args: tuple[Any, ...]) -> GradientCheck:
        extra = options(args) if options is not None else {}
        if (check is check_gradient and names and len(names) == len(args)
                and "names" not in check_options and "names" not in extra):
            extra = {**extra, "names": tuple(names)}  # the report names the arguments too
        return check(f, grad, args, argnum=argnum, **check_options, **extra)

    def judge(raw: tuple[Any, ...]) -> str:
        """The draw's count in :class:`Draws`: passed, failed, inconclusive or skipped."""
        args = tuple(prep(raw))
        if check is check_gradient and _raises(grad, args) is not None:
            return "failed"  # a gradient that raises is a failing gradient
        try:
            result = run(args)
        except NonFiniteValueError:
            return "skipped"  # f is not finite there: the draw says nothing about grad
        except Exception:  # noqa: BLE001 - with another check, the answer raised inside it
            if check is check_gradient:
                raise
            return "failed"
        # only a failed check is a counterexample: an inconclusive one proves nothing
        return {"fail": "failed", "pass": "passed"}.get(result.verdict, "inconclusive")

    counts = {field.name: 0 for field in fields(Draws)}
    shrinking = False

    def fails(raw: tuple[Any, ...]) -> bool:
        nonlocal shrinking
        outcome = judge(raw)
        if not shrinking:  # the inputs tried while shrinking are not draws of the search
            counts[outcome] += 1
            shrinking = outcome == "failed"
        return outcome == "failed"

    rnd = random.Random(seed) if seed is not None else None
    key = None if conf.database is None else _database_key(
        f, grad, inputs, argnum, options, prepare, check, check_options)
    try:
        raw = tuple(find(inputs, fails, settings=conf, random=rnd, database_key=key))
    except NoSuchExample:
        return SearchResult(None, Draws(**counts))
    draws = Draws(**counts)
    args = tuple(prep(raw))
    raised = _raises(grad, args) if check is check_gradient else None
    if raised is None and check is not check_gradient:
        try:
            return SearchResult(Counterexample(args, run(args), None, tuple(names)), draws)
        except Exception as exc:  # noqa: BLE001 - the answer raised inside the check
            raised = f"{type(exc).__name__}: {exc}"
    if raised is not None:
        return SearchResult(Counterexample(args, None, raised, tuple(names)), draws)
    return SearchResult(Counterexample(args, run(args), None, tuple(names)), draws)


def find_counterexample(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    inputs: Any,
    *,
    argnum: int = 0,
    max_examples: int | None = None,
    seed: int | None = None,
    settings: Settings | None = None,
    names: tuple[str, ...] = (),
    options: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None,
    prepare: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    check: Callable[..., Any] = check_gradient,
    **check_options: Any,
) -> Counterexample | None:
    """The counterexample of :func:`search_counterexample`, or ``None`` if no draw failed.

    The arguments are those of :func:`search_counterexample` (the settings of the active
    hypothesis profile, unless ``max_examples``, ``seed`` or ``settings`` say otherwise).
    ``None`` does not tell a search where every draw passed from one where nothing was
    checked; :func:`search_counterexample` gives the counts (``.draws``) as well.

    Returns
    -------
    Counterexample or None
        The shrunk failing input with its report, or ``None`` if no input failed. Only a
        ``"fail"`` verdict counts: a draw whose check is ``"inconclusive"`` is never a
        counterexample, and a draw where ``f`` is not finite (outside its domain) is skipped.

    Examples
    --------
    >>> from checks.strategies import square_matrices
    >>> cx = find_counterexample(lambda X: np.trace(X @ X), lambda X: 2 * X,
    ...                          square_matrices().map(lambda X: (X,)))
    >>> cx.shapes
    ((2, 2),)
    """
    return search_counterexample(
        f, grad, inputs, argnum=argnum, max_examples=max_examples, seed=seed,
        settings=settings, names=names, options=options, prepare=prepare, check=check,
        **check_options,
    ).counterexample


def assert_no_counterexample(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    inputs: Any,
    *,
    argnum: int = 0,
    max_examples: int | None = None,
    seed: int | None = None,
    settings: Settings | None = None,
    names: tuple[str, ...] = (),
    options: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None,
    prepare: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    check: Callable[..., Any] = check_gradient,
    **check_options: Any,
) -> None:
    """Assert that ``grad`` passes on every input drawn from ``inputs``, and that something
    was checked.

    The arguments are those of :func:`search_counterexample` (by default, the settings of
    the active hypothesis profile).

    Raises
    ------
    AssertionError
        On a counterexample: the message shows the draws (how many were conclusive), the
        minimal arguments (values and shapes) and the failed check's report.
    checks.InconclusiveError
        When no draw was conclusive (every one was skipped or inconclusive): the message
        gives the counts. Not an ``AssertionError``: nothing was checked, which is not a
        rejection either.

    Examples
    --------
    >>> from checks.strategies import vectors
    >>> assert_no_counterexample(lambda w: w @ w, lambda w: 2 * w,
    ...                          vectors().map(lambda w: (w,)))
    """
    __tracebackhide__ = True
    result = search_counterexample(
        f, grad, inputs, argnum=argnum, max_examples=max_examples, seed=seed,
        settings=settings, names=names, options=options, prepare=prepare, check=check,
        **check_options,
    )
    if result.verdict == "fail":
        raise AssertionError(str(result))
    if result.verdict == "inconclusive":
        raise InconclusiveError(str(result))


def _search_settings(base: Settings | None, max_examples: int | None,
                     seed: int | None) -> Settings:
    """The settings of a search: ``base`` (default: the active profile) without the explain
    phase, ``max_examples`` if given, and no database with an explicit ``seed``."""
    from hypothesis import Phase
    from hypothesis import settings as Settings

    if base is None:
        base = Settings.default
    elif not isinstance(base, Settings):
        raise TypeError(f"settings must be a hypothesis.settings, got {type(base).__name__}; "
                        "e.g. settings(max_examples=100, database=None)")
    overrides: dict[str, Any] = {
        "phases": tuple(p for p in base.phases if p is not Phase.explain)}
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    if seed is not None:
        overrides["database"] = None
    return Settings(base, **overrides)


def _database_key(*parts: Any) -> bytes:
    """The example database's key of a search: what it checks (functions by name and
    source, the strategy by its repr, the options)."""

    def describe(part: Any) -> str:
        if callable(part) and not isinstance(part, type):
            name = f"{getattr(part, '__module__', '')}.{getattr(part, '__qualname__', '')}"
            try:
                return name + inspect.getsource(part)
            except (OSError, TypeError):
                return name or repr(part)
        if isinstance(part, dict):
            return repr(sorted((k, describe(v)) for k, v in part.items()))
        return repr(part)

    text = "\n".join(describe(part) for part in parts)
    return b"checks.search:" + hashlib.sha256(text.encode()).digest()


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
