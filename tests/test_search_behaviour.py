"""Behaviour of :mod:`checks.search`'s pieces: the settings of a search, the database key,
the drawn value as arguments, a gradient that raises, misuse errors, and how draws are
counted and turned into a verdict (small searches with explicit seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st

from checks import InconclusiveError
from checks.search import (
    CHECK_OPTIONS,
    _as_arguments,
    _database_key,
    _raises,
    _search_settings,
    assert_no_counterexample,
    find_counterexample,
    search_counterexample,
)

VECTORS = st.lists(st.floats(0.5, 2.0), min_size=1, max_size=3).map(
    lambda v: (np.array(v),))


def _f(w):
    return float(w @ w)


def _grad(w):
    return 2.0 * w


def test_check_options_are_the_keyword_options_of_check_gradient():
    assert "argnum" not in CHECK_OPTIONS
    for name in ("method", "rtol", "atol", "mode"):
        assert name in CHECK_OPTIONS


def test_search_settings():
    base = settings(max_examples=7, database=None, phases=tuple(Phase))
    conf = _search_settings(base, None, None)
    assert Phase.explain not in conf.phases and Phase.shrink in conf.phases
    assert conf.max_examples == 7
    assert _search_settings(base, 3, None).max_examples == 3
    from hypothesis.database import InMemoryExampleDatabase

    db = InMemoryExampleDatabase()
    with_db = settings(base, database=db)
    assert _search_settings(with_db, None, None).database is db
    assert _search_settings(with_db, None, 5).database is None  # an explicit seed: no database
    assert _search_settings(None, None, None).max_examples == settings.default.max_examples
    with pytest.raises(TypeError, match=r"^settings must be a hypothesis.settings, got dict; "
                                        r"e.g. settings\(max_examples=100, database=None\)$"):
        _search_settings({"max_examples": 3}, None, None)


def test_database_key_depends_on_what_is_checked():
    k1 = _database_key(_f, _grad, VECTORS, 0, None, None, None, {"rtol": 1e-6})
    k2 = _database_key(_f, _grad, VECTORS, 0, None, None, None, {"rtol": 1e-6})
    assert k1 == k2 and k1.startswith(b"checks.search:") and len(k1) == 14 + 32
    assert _database_key(_f, _grad, VECTORS, 1, None, None, None, {"rtol": 1e-6}) != k1
    assert _database_key(_f, _f, VECTORS, 0, None, None, None, {"rtol": 1e-6}) != k1
    assert _database_key(_f, _grad, VECTORS, 0, None, None, None, {"rtol": 1e-7}) != k1
    # the order of the options does not matter
    assert _database_key({"a": 1, "b": 2}) == _database_key({"b": 2, "a": 1})
    # a builtin has no source: its name stands in
    assert _database_key(len) == _database_key(len) != _database_key(abs)
    # classes are described by repr, not by their source
    assert _database_key(int) != _database_key(float)


def test_as_arguments():
    assert _as_arguments((1, 2)) == (1, 2)
    assert _as_arguments([1, 2]) == (1, 2)
    with pytest.raises(TypeError, match=r"^inputs drew a ndarray, not a tuple of the arguments "
                                        r"of f; map the strategy to tuples"):
        _as_arguments(np.zeros(2))


def test_raises():
    assert _raises(_grad, (np.ones(2),)) is None

    def bad(w):
        raise ZeroDivisionError("no")

    assert _raises(bad, (np.ones(2),)) == "ZeroDivisionError: no"

    def inner_type_error(w):
        raise TypeError("inside")

    assert _raises(inner_type_error, (np.ones(2),)) == "TypeError: inside"
    with pytest.raises(TypeError, match=r"^grad cannot be called with the 2 drawn argument\(s\) "
                                        r"\(.*\); grad must take the same arguments as f, in "
                                        r"the same order$"):
        _raises(_grad, (np.ones(2), np.ones(2)))

    def writes(w):
        w[...] = 0.0
        return w

    w = np.ones(2)
    _raises(writes, (w,))
    np.testing.assert_array_equal(w, [1.0, 1.0])  # grad gets copies


def test_a_right_gradient_passes_every_draw():
    result = search_counterexample(_f, _grad, VECTORS, max_examples=5, seed=1)
    assert result.counterexample is None and result.verdict == "pass"
    d = result.draws
    assert d.passed >= 1 and d.failed == 0 and d.skipped == 0 and d.inconclusive == 0
    assert find_counterexample(_f, _grad, VECTORS, max_examples=5, seed=1) is None
    assert_no_counterexample(_f, _grad, VECTORS, max_examples=5, seed=1)


def test_a_wrong_gradient_stops_the_draws_at_the_first_failure():
    wrong = lambda w: 2.1 * w  # noqa: E731
    result = search_counterexample(_f, wrong, VECTORS, max_examples=20, seed=1,
                                   names=("w",))
    assert result.verdict == "fail" and result.draws.failed == 1
    cx = result.counterexample
    assert cx.exception is None and cx.check.verdict == "fail"
    assert cx.names == ("w",)
    # shrunk: the smallest input the strategy draws, one entry
    assert cx.args[0].shape == (1,)
    with pytest.raises(AssertionError):
        assert_no_counterexample(_f, wrong, VECTORS, max_examples=20, seed=1)
    assert find_counterexample(_f, wrong, VECTORS, max_examples=20, seed=1) is not None


def test_a_gradient_that_raises_is_a_counterexample():
    def bad(w):
        raise ZeroDivisionError("no")

    result = search_counterexample(_f, bad, VECTORS, max_examples=5, seed=1)
    cx = result.counterexample
    assert cx is not None and cx.check is None and cx.exception == "ZeroDivisionError: no"
    assert result.draws.failed == 1


def _outside(w):
    return float(np.sum(np.log(w - 5.0))) if np.all(w > 5.0) else float("nan")


def test_draws_outside_the_domain_are_skipped_and_prove_nothing():
    result = search_counterexample(_outside, lambda w: w, VECTORS, max_examples=5, seed=1)
    assert result.verdict == "inconclusive" and result.counterexample is None
    assert result.draws.skipped >= 1 and result.draws.passed == 0
    with pytest.raises(InconclusiveError):
        assert_no_counterexample(_outside, lambda w: w, VECTORS, max_examples=5, seed=1)


def test_misuse_is_a_type_error():
    with pytest.raises(TypeError, match=r"^inputs must be a hypothesis strategy of argument "
                                        r"tuples, got list"):
        search_counterexample(_f, _grad, [np.ones(2)])
    with pytest.raises(TypeError, match=r"^unknown check option\(s\) bogus, zzz; "
                                        r"check_gradient takes "):
        search_counterexample(_f, _grad, VECTORS, zzz=1, bogus=2)


def test_another_check_sees_the_options_and_its_exceptions_fail():
    seen = []

    class Result:
        def __init__(self, verdict):
            self.verdict = verdict

    def check(f, grad, args, *, argnum, **options):
        seen.append((argnum, options))
        return Result("pass")

    result = search_counterexample(_f, _grad, VECTORS, max_examples=3, seed=1, check=check,
                                   anything=5, argnum=0)
    assert result.verdict == "pass" and seen and seen[0] == (0, {"anything": 5})

    def raising(f, grad, args, *, argnum, **options):
        raise RuntimeError("inside the check")

    result = search_counterexample(_f, _grad, VECTORS, max_examples=3, seed=1, check=raising)
    assert result.verdict == "fail"
    assert result.counterexample.exception == "RuntimeError: inside the check"

    def undecided(f, grad, args, *, argnum, **options):
        return Result("inconclusive")

    result = search_counterexample(_f, _grad, VECTORS, max_examples=3, seed=1,
                                   check=undecided)
    assert result.verdict == "inconclusive" and result.draws.inconclusive >= 1


def test_options_and_prepare_shape_each_check():
    calls = []

    def options(args):
        calls.append(len(args))
        return {"rtol": 1e-6}

    result = search_counterexample(lambda w, c: float(w @ w) + c, lambda w, c: 2.0 * w,
                                   VECTORS, max_examples=3, seed=1, options=options,
                                   prepare=lambda raw: (raw[0], 3.0), names=("w", "c"))
    assert result.verdict == "pass" and calls and all(n == 2 for n in calls)


def test_an_explicit_seed_neither_reads_nor_writes_the_database():
    from hypothesis.database import InMemoryExampleDatabase

    wrong = lambda w: 2.1 * w  # noqa: E731
    db = InMemoryExampleDatabase()
    conf = settings(max_examples=10, database=db)
    seeded = search_counterexample(_f, wrong, VECTORS, settings=conf, seed=3)
    assert seeded.verdict == "fail" and db.data == {}
    unseeded = search_counterexample(_f, wrong, VECTORS, settings=conf)
    assert unseeded.verdict == "fail" and db.data != {}  # the failure is saved for replay


def test_another_checks_failure_carries_its_result_and_the_draws():
    class Result:
        verdict = "fail"

    def failing(f, grad, args, *, argnum, **options):
        return Result()

    result = search_counterexample(_f, _grad, VECTORS, max_examples=3, seed=1, check=failing,
                                   names=("w",))
    assert result.verdict == "fail" and result.draws.failed == 1
    assert result.draws.passed == 0 and result.draws.drawn == 1
    cx = result.counterexample
    assert isinstance(cx.check, Result) and cx.exception is None and cx.names == ("w",)


def test_a_gradient_that_raises_is_reported_under_the_argument_names_given():
    """A counterexample where ``grad`` raised keeps the argument names the search was given,
    as a failed check's does: the report prints ``w = ...`` and the exception. Kills
    ``checks.search.x_search_counterexample__mutmut_189`` (the names dropped: ``None``, and
    the report cannot be printed)."""
    def bad(w):
        raise ZeroDivisionError("no")

    cx = search_counterexample(_f, bad, VECTORS, names=("w",), max_examples=5,
                               seed=1).counterexample
    assert cx is not None and cx.check is None
    assert cx.names == ("w",)
    text = str(cx)
    assert "\n  w = [" in text and "args[0]" not in text
    assert text.endswith("The gradient function raised: ZeroDivisionError: no")
