"""The property-test API (``checks.search``): find_counterexample, assert_no_counterexample.

A wrong gradient is found and shrunk to the smallest input; a right one gives ``None``; the
assertion's message shows the minimal arguments and the report, and nothing of the engine's
internals; every misuse is a ``TypeError`` that says what to write instead, never a
"counterexample". Counterexamples are drawn from the user's strategy (shrinking included);
the active hypothesis profile sets the budget, randomness, database and deadline, explicit
arguments win; a search where no draw was conclusive is an ``InconclusiveError`` with the
counts. (Inconclusive and non-finite draws of a single check: ``tests/test_three_verdicts.py``.)
"""

import time
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase
from hypothesis.errors import DeadlineExceeded

from checks import (
    Counterexample,
    InconclusiveError,
    assert_no_counterexample,
    check_gradient,
    find_counterexample,
)
from checks.search import Draws, SearchResult, search_counterexample
from checks.strategies import matrices, square_matrices, vectors


def trace_square(X):
    return np.trace(X @ X)


def trace_square_grad(X):
    return 2.0 * X.T


def untransposed(X):
    return 2.0 * X  # wrong where X is not symmetric


ONE_MATRIX = square_matrices().map(lambda X: (X,))


def test_right_gradient_has_no_counterexample():
    assert find_counterexample(trace_square, trace_square_grad, ONE_MATRIX) is None


def test_wrong_gradient_is_found_and_shrunk_to_the_smallest_matrix_that_shows_it():
    # 2X is wrong only where X is not symmetric: 2x2 is the smallest such matrix
    cx = find_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX)
    assert isinstance(cx, Counterexample)
    assert cx.shapes == ((2, 2),)
    X = cx.args[0]
    assert not np.allclose(X, X.T)
    assert cx.check is not None and cx.check.verdict == "fail"
    assert cx.exception is None


def test_a_gradient_that_raises_is_a_counterexample_with_the_exception():
    def grad(X):
        if X.shape[0] > 1:
            raise ZeroDivisionError("two rows")
        return 2.0 * X.T

    cx = find_counterexample(trace_square, grad, ONE_MATRIX)
    assert cx is not None and cx.check is None
    assert cx.exception == "ZeroDivisionError: two rows"
    assert cx.shapes == ((2, 2),)


def test_assert_no_counterexample_passes_silently_on_a_right_gradient():
    assert assert_no_counterexample(trace_square, trace_square_grad, ONE_MATRIX) is None


def test_assert_no_counterexample_shows_the_minimal_arguments_and_the_report():
    with pytest.raises(AssertionError) as info:
        assert_no_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX, names=("X",))
    message = str(info.value)
    assert "Minimal counterexample" in message
    assert "X = [[" in message and "shape (2, 2)" in message
    assert "Gradient check FAILED" in message and "Mismatched elements" in message
    # none of hypothesis's or the engine's internals
    for internal in ("Explanation", "checks/compare.py", "Falsifying example", "Traceback"):
        assert internal not in message


def test_check_options_are_passed_on_and_unknown_ones_refused():
    inputs = vectors(min_size=2, max_size=4).map(lambda w: (w,))
    # a generous rtol lets a 1e-6 error through; the default does not
    def wrong(w):
        return 2.0 * w * (1 + 1e-6)

    assert find_counterexample(lambda w: w @ w, wrong, inputs, rtol=1e-3) is None
    assert find_counterexample(lambda w: w @ w, wrong, inputs) is not None
    with pytest.raises(TypeError, match=r"unknown check option\(s\) rtl; check_gradient takes"):
        find_counterexample(lambda w: w @ w, wrong, inputs, rtl=1e-3)


def test_argnum_selects_the_differentiated_argument():
    X = np.array([[1.0, 2.0], [0.0, 3.0]])
    inputs = st.tuples(st.just(X), vectors(min_size=2, max_size=2))

    def f(A, w):
        return w @ A @ w

    assert find_counterexample(f, lambda A, w: (A + A.T) @ w, inputs, argnum=1) is None
    cx = find_counterexample(f, lambda A, w: 2.0 * A @ w, inputs, argnum=1)
    assert cx is not None and cx.check.argnum == 1


# ------------------------------------------------------------------------------ misuse


def test_inputs_that_are_not_a_strategy_are_a_type_error():
    with pytest.raises(TypeError, match="inputs must be a hypothesis strategy of argument tuples"):
        find_counterexample(trace_square, trace_square_grad, [np.eye(2)])


def test_a_strategy_of_bare_arrays_is_a_type_error_naming_the_fix_not_a_counterexample():
    # before: tuple(X) split a matrix into its rows and the TypeError was the "counterexample"
    with pytest.raises(TypeError, match=r"inputs drew a ndarray, not a tuple .*\.map\(lambda w"):
        find_counterexample(trace_square, trace_square_grad, square_matrices())


def test_a_grad_with_the_wrong_signature_is_a_type_error_not_a_counterexample():
    inputs = st.tuples(vectors(), st.just(2.0))

    def f(w, c):
        return c * (w @ w)

    with pytest.raises(TypeError, match="grad cannot be called with the 2 drawn argument"):
        find_counterexample(f, lambda w: 4.0 * w, inputs)


def test_assert_no_counterexample_reports_misuse_the_same_way():
    with pytest.raises(TypeError, match="inputs drew a ndarray"):
        assert_no_counterexample(trace_square, trace_square_grad, square_matrices())


# ------------------------------------------------------------- drawn from the user's strategy

BN_EPS = 1e-3


def batch_norm_loss(x, g):
    """``sum(g * xhat)``, ``xhat = (x - mean) / sqrt(var + eps)`` over the batch (the rows)."""
    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + BN_EPS)
    return float(np.sum(g * xhat))


def _batch_norm_backward(x, g, eps):
    inv = 1.0 / np.sqrt(x.var(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) * inv
    return inv * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))


def batch_norm_grad(x, g):
    return _batch_norm_backward(x, g, BN_EPS)


def batch_norm_grad_without_eps(x, g):
    """The bug: ``eps`` dropped from the backward pass (a NaN where a column is constant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _batch_norm_backward(x, g, 0.0)


@st.composite
def _batches(draw):
    # a batch norm is defined on N >= 2 samples whose every feature varies
    x = draw(matrices(min_rows=2, max_rows=6, max_cols=3)
             .filter(lambda x: bool(np.all(x.var(axis=0) >= 0.01))))
    n, d = x.shape
    return x, draw(matrices(min_rows=n, max_rows=n, min_cols=d, max_cols=d))


BATCHES = _batches()


def test_a_counterexample_is_a_batch_the_strategy_draws_and_shows_the_real_bug():
    # before: rows were deleted after hypothesis had shrunk, without asking the strategy,
    # down to x = [[1.]], N = 1: a NaN gradient the strategy can never produce, hiding the
    # dropped eps
    assert find_counterexample(batch_norm_loss, batch_norm_grad, BATCHES) is None
    cx = find_counterexample(batch_norm_loss, batch_norm_grad_without_eps, BATCHES,
                             names=("x", "g"))
    assert cx is not None
    x, g = cx.args
    assert x.shape[0] >= 2 and np.all(x.var(axis=0) >= 0.01), str(cx)  # a valid batch
    assert cx.check is not None and cx.check.verdict == "fail", str(cx)
    assert np.all(np.isfinite(cx.check.analytic)), str(cx)  # the dropped eps, not a NaN
    assert check_gradient(batch_norm_loss, batch_norm_grad, cx.args).verdict == "pass"


def test_shrinking_never_goes_below_the_strategys_minimum_size():
    def wrong_where_non_zero(w):
        return 2.0 * w + (w != 0)

    inputs = vectors(min_size=3, max_size=6).map(lambda w: (w,))
    cx = find_counterexample(lambda w: w @ w, wrong_where_non_zero, inputs)
    assert cx is not None and cx.shapes == ((3,),), str(cx)
    assert np.count_nonzero(cx.args[0]) == 1


# ------------------------------------------------------------- the active hypothesis profile


@pytest.fixture
def profile():
    """``profile(**settings)`` loads those settings as the active hypothesis profile for one
    test; the suite's own profile is loaded again afterwards."""
    previous = settings.get_current_profile_name()

    def load(name=None, **kwargs):
        if name is None:
            name = "test-search"
            settings.register_profile(name, **kwargs)
        settings.load_profile(name)

    yield load
    settings.load_profile(previous)


def _recorder():
    """A stub check that records each drawn argument tuple and passes (instant)."""
    seen = []

    def check(f, grad, args, argnum=0):
        seen.append(args[0].tolist())
        return SimpleNamespace(verdict="pass")

    return check, seen


MANY = st.integers(0, 10**6).map(lambda k: (np.array([float(k)]),))


@pytest.mark.parametrize(("name", "examples"), [
    ("gradcheck-dev", 50), ("gradcheck-ci", 50), ("gradcheck-thorough", 1000)])
def test_the_plugins_profiles_set_the_number_of_draws(profile, name, examples):
    profile(name)
    check, seen = _recorder()
    result = search_counterexample(_sq, _sq_grad, MANY, check=check)
    assert result.draws == Draws(passed=examples) and len(seen) == examples


def test_the_active_profile_sets_the_number_of_draws_and_explicit_arguments_win(profile):
    profile(max_examples=7, database=None)
    for kwargs, examples in [({}, 7), ({"max_examples": 3}, 3),
                             ({"settings": settings(max_examples=4)}, 4),
                             ({"settings": settings(max_examples=4), "max_examples": 2}, 2)]:
        check, seen = _recorder()
        assert find_counterexample(_sq, _sq_grad, MANY, check=check, **kwargs) is None
        assert len(seen) == examples, kwargs
    check, seen = _recorder()
    assert_no_counterexample(_sq, _sq_grad, MANY, check=check)
    assert len(seen) == 7


def _draws(**kwargs):
    check, seen = _recorder()
    assert find_counterexample(_sq, _sq_grad, MANY, check=check, max_examples=10,
                               **kwargs) is None
    return seen


def test_a_derandomized_profile_draws_the_same_inputs_on_every_run(profile):
    profile(derandomize=True)
    assert _draws() == _draws()
    profile(derandomize=False, database=None)
    assert _draws() != _draws()


def test_an_explicit_seed_wins_over_the_profiles_randomness(profile):
    profile(derandomize=False, database=None)
    assert _draws(seed=5) == _draws(seed=5) != _draws(seed=6)
    profile(derandomize=True)
    assert _draws(seed=5) != _draws()


def test_the_profiles_database_replays_a_failure_and_an_explicit_seed_uses_none(profile):
    db = InMemoryExampleDatabase()
    profile(database=db, derandomize=False)
    inputs = square_matrices(max_side=3).map(lambda X: (X,))
    first = search_counterexample(trace_square, untransposed, inputs)
    assert first.verdict == "fail" and db.data  # the failure is saved ...
    again = search_counterexample(trace_square, untransposed, inputs)
    assert again.draws == Draws(failed=1)  # ... and replayed first
    np.testing.assert_array_equal(again.counterexample.args[0], first.counterexample.args[0])
    fresh = InMemoryExampleDatabase()
    profile(database=fresh, derandomize=False)
    assert search_counterexample(trace_square, untransposed, inputs, seed=0).verdict == "fail"
    assert not fresh.data


def _threshold_check(seen):
    """A stub check (a new function object at every call, as in a new run of a test suite):
    it records each drawn ``k`` and fails from ``k = 1000`` on."""
    def check(f, grad, args, argnum=0, **options):
        k = int(args[0][0])
        seen.append(k)
        return SimpleNamespace(verdict="fail" if k >= 1000 else "pass")

    return check


def test_the_database_replays_a_failure_into_the_same_search_only(profile):
    """A failure is saved under a key made of what the search checks -- the functions by
    their name and source, the strategy, the options: the same search, with its functions
    created anew (a new run), replays it first; a search with other options does not."""
    db = InMemoryExampleDatabase()
    profile(database=db, derandomize=False)
    seen = []
    first = search_counterexample(_sq, _sq_grad, MANY, check=_threshold_check(seen),
                                  max_examples=50)
    assert first.verdict == "fail" and first.counterexample.args[0][0] == 1000.0  # shrunk
    assert db.data
    again = []
    replayed = search_counterexample(_sq, _sq_grad, MANY, check=_threshold_check(again),
                                     max_examples=50)
    assert replayed.draws == Draws(failed=1) and again[0] == 1000
    other = []
    search_counterexample(_sq, _sq_grad, MANY, check=_threshold_check(other), max_examples=50,
                          options=lambda args: {"rtol": 0.0})
    assert other[0] != 1000  # a fresh draw first (the simplest, 0), not the saved input


def test_another_checks_failure_is_a_counterexample_with_its_result_and_names():
    """With a ``check`` other than check_gradient, a failed draw's counterexample carries that
    check's result, no exception, and the argument names of the report."""
    seen = []
    result = search_counterexample(_sq, _sq_grad, MANY, check=_threshold_check(seen),
                                   names=("k",), max_examples=50, seed=0)
    cx = result.counterexample
    assert result.verdict == "fail" and cx.check.verdict == "fail"
    assert cx.exception is None and cx.names == ("k",)
    assert str(cx).split("\n")[1] == "  k = [1000.]   shape (1,)"
    assert "raised" not in str(cx)


def test_the_profiles_deadline_applies_and_explicit_settings_win(profile):
    def slow_grad(w):
        time.sleep(0.02)
        return 2.0 * w

    inputs = vectors(max_size=2).map(lambda w: (w,))
    profile(deadline=5, database=None)
    with pytest.raises(DeadlineExceeded):
        find_counterexample(_sq, slow_grad, inputs, max_examples=3)
    assert find_counterexample(_sq, slow_grad, inputs, max_examples=3,
                               settings=settings(deadline=None)) is None


def test_settings_that_are_not_hypothesis_settings_are_a_type_error():
    with pytest.raises(TypeError, match="settings must be a hypothesis.settings, got dict"):
        find_counterexample(_sq, _sq_grad, MANY, settings={"max_examples": 3})


# ------------------------------------------------------------- what the draws said


def _sq(w):
    return float(w @ w)


def _sq_grad(w):
    return 2.0 * w


def log_sum(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.sum(np.log(x)))


NEGATIVE = vectors(max_size=3).map(lambda w: (-1.0 - w**2,))  # log is NaN on every draw
SATURATED = vectors(max_size=3, elements=st.floats(25.0, 40.0)).map(lambda x: (x,))


def test_a_search_where_every_draw_was_skipped_is_inconclusive_with_the_counts():
    result = search_counterexample(log_sum, lambda x: 1.0 / x, NEGATIVE, max_examples=20)
    assert result.verdict == "inconclusive" and result.counterexample is None
    assert result.draws == Draws(skipped=20)
    with pytest.raises(InconclusiveError) as info:
        assert_no_counterexample(log_sum, lambda x: 1.0 / x, NEGATIVE, max_examples=20)
    assert not isinstance(info.value, AssertionError)  # "could not tell" is no rejection
    assert str(info.value).startswith(
        "no draw was conclusive (20 draws: 0 conclusive (0 passed, 0 failed), 0 inconclusive, "
        "20 skipped (f not finite or outside its domain)): nothing was checked.")


def test_a_search_where_every_draw_was_inconclusive_raises_inconclusive_error():
    # tanh is 1 to the last bit: a gradient wrong by any factor cannot be seen there
    def tanh_sum(x):
        return float(np.sum(np.tanh(x)))

    def tripled(x):
        return 3.0 / np.cosh(x) ** 2

    result = search_counterexample(tanh_sum, tripled, SATURATED, max_examples=15)
    assert result.draws == Draws(inconclusive=15) and result.verdict == "inconclusive"
    assert find_counterexample(tanh_sum, tripled, SATURATED, max_examples=15) is None
    with pytest.raises(InconclusiveError, match=r"^no draw was conclusive \(15 draws: 0 "
                       r"conclusive \(0 passed, 0 failed\), 15 inconclusive, 0 skipped"):
        assert_no_counterexample(tanh_sum, tripled, SATURATED, max_examples=15)


def test_one_conclusive_draw_is_enough_and_the_counts_add_up():
    inputs = st.one_of(NEGATIVE, vectors(min_nonzero=0.5, max_size=3)
                       .map(lambda w: (1.0 + w**2,)))
    result = search_counterexample(log_sum, lambda x: 1.0 / x, inputs, max_examples=30)
    d = result.draws
    assert result.verdict == "pass" and result.ok
    assert d.drawn == 30 == d.passed + d.skipped and d.passed >= 1 and d.skipped >= 1
    assert str(result) == f"no counterexample ({d})"
    assert_no_counterexample(log_sum, lambda x: 1.0 / x, inputs, max_examples=30)


def test_the_report_of_a_counterexample_says_how_many_draws_were_conclusive():
    result = search_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX, names=("X",))
    d = result.draws
    assert result.verdict == "fail" and d.failed == 1 and d.conclusive == d.passed + 1
    first_line = f"grad is wrong on some inputs ({d})."
    assert str(result).split("\n")[0] == first_line
    assert str(result) == f"{first_line}\n{result.counterexample}"
    with pytest.raises(AssertionError) as info:
        assert_no_counterexample(trace_square, lambda X: 2.0 * X, ONE_MATRIX, names=("X",))
    assert str(info.value).startswith("grad is wrong on some inputs (")
    assert " conclusive (" in str(info.value).split("\n")[0]
    assert "1 failed" in str(info.value).split("\n")[0]


def test_the_draws_and_the_search_read_as_their_docstrings_say():
    d = Draws(passed=45, inconclusive=3, skipped=2)
    assert (d.drawn, d.conclusive) == (50, 45)
    assert str(Draws(failed=1)) == ("1 draw: 1 conclusive (0 passed, 1 failed), 0 "
                                    "inconclusive, 0 skipped (f not finite or outside its "
                                    "domain)")
    assert SearchResult(None, d).verdict == "pass"
    assert SearchResult(None, Draws(inconclusive=3, skipped=2)).verdict == "inconclusive"
    cx = Counterexample((np.eye(2),), None, "ValueError: no", ())
    assert SearchResult(cx, Draws(failed=1)).verdict == "fail"
    nothing = Draws(inconclusive=3, skipped=2)
    assert str(SearchResult(None, nothing)) == (
        f"no draw was conclusive ({nothing}): nothing was checked. A skipped draw is outside "
        "the domain of f; an inconclusive one could not have caught a wrong gradient (the "
        "gradient is zero there, or below the noise of f, as behind a saturated tanh). Draw "
        "inputs where f is finite and its gradient can be resolved; check_gradient on one of "
        "them says why.")
    with pytest.raises(TypeError, match="use `.ok` or `.verdict`"):
        assert SearchResult(None, d)
