"""The Hessian's second differences in batches: ``vectorized=True`` and ``executor=`` (issue 21).

Without ``grad=`` the Hessian comes from the second-difference ladder of :mod:`checks.second`;
each of its levels gathers its points first and then evaluates them one by one, in stacks
(a vectorized ``f``) or on an executor (:func:`checks.second_lines._values`). The engine picks
the same points whichever way they are evaluated, so the result must be *equal* to the serial
run -- verdict, numbers, error bars, evaluation count, report -- never merely close. The
expected side is always the serial run of the same call.

The functions are written once, batched (a stack ``(B, n)`` in, shape ``(B,)`` out); the
scalar ``f`` is the batched one on a stack of one point, so that both compute every point with
the same operations (a batched sum may round differently from a scalar one, which would be a
different function, not a different evaluation).

* a smooth quadratic plus ``sin``; a kink of the gradient (``relu(x_0)^2 / 2`` at ``x_0 = 0``);
  a ``log`` near 0 whose first steps leave its domain, raising there (``math.log``'s
  ``ValueError``) or returning ``nan``: full and directional mode, with and without ``grad=``,
  a right and a wrong Hessian;
* the batched ``f`` is called with stacks: far fewer calls than evaluations;
* on a ``ThreadPoolExecutor(2)``, without ``grad=``, the points run on the workers (process
  and Dask pools: ``tests/test_executor.py::test_hessian_as_serially``);
* an exception that is not a domain error is raised as serially, batched and on the executor;
* a vectorized ``f`` of the wrong output shape, and ``vectorized=True`` with ``executor=``,
  are clear errors; :func:`checks.numerical_hessian` batches the same way.
"""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from checks import check_hessian, numerical_hessian
from checks.hessian_estimate import _Psi

# ----------------------------------------------------------------------------- the functions


def smooth(W: np.ndarray) -> np.ndarray:
    """``|w|^2 / 2 + x_0 sum(sin(w)) + w_1 w_2``, per row."""
    return (0.5 * np.sum(W * W, axis=-1) + np.sum(np.sin(W), axis=-1) * W[:, 0]
            + W[:, 1] * W[:, 2])


def smooth_grad(W: np.ndarray) -> np.ndarray:
    g = W + np.cos(W) * W[:, :1]
    g[:, 0] += np.sum(np.sin(W), axis=-1)
    g[:, 1] += W[:, 2]
    g[:, 2] += W[:, 1]
    return g


def smooth_hess(w: np.ndarray) -> np.ndarray:
    h = np.eye(w.size) - np.diag(np.sin(w)) * w[0]
    h[0, :] += np.cos(w)
    h[:, 0] += np.cos(w)
    h[1, 2] += 1.0
    h[2, 1] += 1.0
    return h


def kink(W: np.ndarray) -> np.ndarray:
    """``relu(w_0)^2 / 2 + w_1^2 + sum(cos(w_2:))``: at ``w_0 = 0`` the gradient has a kink
    and ``H_00`` is anything in ``[0, 1]``."""
    return 0.5 * np.maximum(W[:, 0], 0.0) ** 2 + W[:, 1] ** 2 + np.sum(np.cos(W[:, 2:]), axis=-1)


def kink_grad(W: np.ndarray) -> np.ndarray:
    g = -np.sin(W)
    g[:, 0] = np.maximum(W[:, 0], 0.0)
    g[:, 1] = 2.0 * W[:, 1]
    return g


def kink_hess(w: np.ndarray) -> np.ndarray:
    return np.diag(np.concatenate([[1.0, 2.0], -np.cos(w[2:])]))


def log_raising(W: np.ndarray) -> np.ndarray:
    """``log(w_0) + |w_1:|^2``, raising ``ValueError`` (as ``math.log`` does) for a stack with
    a point at ``w_0 <= 0``."""
    if np.any(W[:, 0] <= 0.0):
        raise ValueError("math domain error")
    return np.log(W[:, 0]) + np.sum(W[:, 1:] ** 2, axis=-1)


def log_nan(W: np.ndarray) -> np.ndarray:
    """The same ``log``, ``nan`` at ``w_0 < 0`` (numpy's)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(W[:, 0]) + np.sum(W[:, 1:] ** 2, axis=-1)


def log_grad(W: np.ndarray) -> np.ndarray:
    if np.any(W[:, 0] <= 0.0):
        raise ValueError("math domain error")
    g = 2.0 * W
    g[:, 0] = 1.0 / W[:, 0]
    return g


def log_hess(w: np.ndarray) -> np.ndarray:
    return np.diag(np.concatenate([[-1.0 / w[0] ** 2], np.full(w.size - 1, 2.0)]))


#: name: (batched f, batched grad, hess, point). The log's first steps along w_0 (about
#: 0.0098 rms(x) = 0.0068) reach w_0 < 0: those levels are outside f's domain.
CASES = {
    "smooth": (smooth, smooth_grad, smooth_hess, np.array([0.3, -0.7, 1.1, 0.4, -1.2, 0.9])),
    "kink": (kink, kink_grad, kink_hess, np.array([0.0, 0.7, -0.4, 1.3])),
    "log-raising": (log_raising, log_grad, log_hess, np.array([0.005, 1.0, -0.5])),
    "log-nan": (log_nan, log_grad, log_hess, np.array([0.005, 1.0, -0.5])),
}
MODES = ["full", "directional"]


class One:
    """The scalar function of a batched one: ``f(w) = batched(w[None])[0]``."""

    def __init__(self, batched):
        self.batched = batched

    def __call__(self, w):
        return self.batched(np.asarray(w)[None])[0]


class Counted:
    """A batched function that counts its calls and the points it was given."""

    def __init__(self, batched):
        self.batched, self.calls, self.points = batched, 0, 0

    def __call__(self, W):
        W = np.asarray(W)
        self.calls += 1
        self.points += len(W)
        return self.batched(W)


def wrong(hess, x):
    """``hess`` with ``0.1`` added on the diagonal: wrong beyond any tolerance."""
    return lambda w: hess(w) + 0.1 * np.eye(x.size)


def same(serial, other) -> None:
    """The two checks agree exactly: verdict, numbers, error bars, evaluations, report (but
    for its first line, which names the function)."""
    assert other.verdict == serial.verdict
    assert other.evaluations == serial.evaluations
    np.testing.assert_array_equal(other.numerical, serial.numerical)
    np.testing.assert_array_equal(other.error, serial.error)
    np.testing.assert_array_equal(other.tolerance, serial.tolerance)
    assert other.notes == serial.notes
    assert str(other).splitlines()[1:] == str(serial).splitlines()[1:]


def checks_both_ways(name, mode, with_grad, hess_of):
    """The serial check (scalar ``f``, ``grad``) and the vectorized one (their batched
    versions, counted), with the Hessian ``hess_of(hess, x)``."""
    fb, gb, hess, x = CASES[name]
    h = hess_of(hess, x)
    serial = check_hessian(One(fb), h, (x,), mode=mode,
                           **({"grad": One(gb)} if with_grad else {}))
    f, g = Counted(fb), Counted(gb)
    batched = check_hessian(f, h, (x,), mode=mode, vectorized=True,
                            **({"grad": g} if with_grad else {}))
    return serial, batched, f, g


# ----------------------------------------------------------------------------- vectorized=True


@pytest.mark.parametrize("with_grad", [False, True], ids=["without-grad", "with-grad"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_vectorized_is_the_serial_check(name, mode, with_grad):
    serial, batched, f, _ = checks_both_ways(name, mode, with_grad, lambda h, x: h)
    # the right Hessian passes (at the kink, directional without grad= cannot judge the
    # pairs whose lines cross it: inconclusive, never a fail)
    assert serial.verdict in (("pass", "inconclusive") if name == "kink" else ("pass",))
    same(serial, batched)
    assert f.calls < f.points


@pytest.mark.parametrize("with_grad", [False, True], ids=["without-grad", "with-grad"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_vectorized_fails_a_wrong_hessian_as_serially(name, mode, with_grad):
    serial, batched, _, _ = checks_both_ways(name, mode, with_grad, wrong)
    assert serial.verdict == "fail"
    same(serial, batched)


@pytest.mark.parametrize("name", ["smooth", "kink", "log-nan"])
def test_the_second_differences_go_in_stacks(name):
    # without grad=, full mode: a stack per level (and per probe), not a call per point;
    # every point the serial run evaluates, each once (f(x) twice, in the first stack)
    fb, _, hess, x = CASES[name]
    f = Counted(fb)
    r = check_hessian(f, hess, (x,), vectorized=True)
    assert f.points == r.evaluations
    assert f.calls <= r.evaluations / 4


def test_the_domain_edge_is_reached_and_each_raising_stack_is_taken_apart():
    # log_raising raises for a whole stack where one point is outside the domain; those
    # points are evaluated alone (a stack of one each), so the batched f sees more points
    # than the evaluations counted -- which are the serial run's
    fb, _, hess, x = CASES["log-raising"]
    smooth_count = check_hessian(One(smooth), smooth_hess, (x,)).evaluations
    f = Counted(fb)
    r = check_hessian(f, hess, (x,), vectorized=True)
    assert r.verdict == "pass"
    assert r.evaluations > smooth_count  # the domain edge made pairs descend
    assert f.points > r.evaluations
    assert f.calls < r.evaluations


def test_an_error_that_is_not_a_domain_error_is_raised_as_serially():
    def picky(W):  # a bug of f below w_0 = 0.3: not a point outside its domain
        if np.any(W[:, 0] < 0.2999):
            raise KeyError("w_0 below 0.3")
        return smooth(W)

    x = CASES["smooth"][3]
    with pytest.raises(KeyError) as serial:
        check_hessian(One(picky), smooth_hess, (x,))
    with pytest.raises(KeyError) as batched:
        check_hessian(picky, smooth_hess, (x,), vectorized=True)
    assert str(batched.value) == str(serial.value)


def test_numerical_hessian_vectorized_is_the_serial_estimate():
    for name in ("smooth", "kink", "log-raising"):
        fb, gb, _, x = CASES[name]
        for grad in ({}, {"grad": gb}):
            serial = numerical_hessian(One(fb), x, **{k: One(v) for k, v in grad.items()})
            f = Counted(fb)
            batched = numerical_hessian(f, x, vectorized=True, **grad)
            for field in ("value", "error", "lower", "upper", "step", "kind"):
                np.testing.assert_array_equal(getattr(batched, field), getattr(serial, field))
            assert batched.evaluations == serial.evaluations
            assert batched.notes == serial.notes
            assert f.calls < f.points


# ----------------------------------------------------------------------------- wrong shapes


def test_a_vectorized_f_of_the_wrong_shape_is_a_clear_error():
    x = CASES["smooth"][3]
    with pytest.raises(ValueError, match=r"shape \(B,\); got \(2, 1\) for B=2"):
        check_hessian(lambda W: smooth(W)[:, None], smooth_hess, (x,), vectorized=True)


def test_a_vectorized_f_wrong_only_on_long_stacks_is_a_clear_error():
    # right for the two points at x and the eight of the noise probe, but never more than
    # eight values: the first level's 72 points (n = 6) show it
    x = CASES["smooth"][3]
    with pytest.raises(ValueError, match=r"must map a batch of shape \(B, \*x\.shape\) to "
                                         r"shape \(B,\); got \(8,\) for B=72"):
        check_hessian(lambda W: smooth(W)[:8], smooth_hess, (x,), vectorized=True)


def test_vectorized_with_an_executor_is_a_clear_error():
    x = CASES["smooth"][3]
    with ThreadPoolExecutor(2) as pool, \
            pytest.raises(ValueError, match="executor= and vectorized=True exclude each other"):
        check_hessian(smooth, smooth_hess, (x,), vectorized=True, executor=pool)


# ----------------------------------------------------------------------------- executor=


class CountingPool(ThreadPoolExecutor):
    """A thread pool that counts the tasks submitted to it."""

    def __init__(self, workers: int):
        super().__init__(workers)
        self.submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_on_threads_without_grad_is_the_serial_check(name, mode):
    fb, _, hess, x = CASES[name]
    serial = check_hessian(One(fb), hess, (x,), mode=mode)
    threads: list[str] = []

    def f(w):
        threads.append(threading.current_thread().name)
        return One(fb)(w)

    with CountingPool(2) as pool:
        parallel = check_hessian(f, hess, (x,), mode=mode, executor=pool)
    same(serial, parallel)
    # only f(x), twice, ran here: every other point -- the noise probe, each level of the
    # second differences, the curvature probe -- ran on the workers, a task per chunk
    main = threading.main_thread().name
    assert threads.count(main) == 2
    assert len(threads) == serial.evaluations
    assert pool.submitted >= 4


def test_on_threads_an_error_that_is_not_a_domain_error_is_raised_as_serially():
    def picky(w):
        if w[0] < 0.2999:
            raise KeyError(f"w_0 = {w[0]!r} below 0.3")
        return One(smooth)(w)

    x = CASES["smooth"][3]
    with pytest.raises(KeyError) as serial:
        check_hessian(picky, smooth_hess, (x,))
    with ThreadPoolExecutor(2) as pool, pytest.raises(KeyError) as parallel:
        check_hessian(picky, smooth_hess, (x,), executor=pool)
    assert str(parallel.value) == str(serial.value)


def test_the_lines_of_the_second_differences_can_go_to_other_processes():
    # a process pool receives f by pickle: the lines t -> f(x + t w) are objects, not
    # lambdas, and a pickled line gives the same values, alone and as a stack
    x = CASES["smooth"][3]
    p = np.linspace(-1.0, 1.0, x.size)
    for vectorized in (False, True):
        line = _Psi(One(smooth) if not vectorized else smooth, x, p, 1e-3, vectorized)
        copy = pickle.loads(pickle.dumps(line))
        t = np.array([[0.5], [-0.25]]) if vectorized else np.array([0.5])
        np.testing.assert_array_equal(copy(t), line(t))
    alone = _Psi(One(smooth), x, p, 1e-3, False)
    stacked = _Psi(smooth, x, p, 1e-3, True)
    ts = np.array([0.5, -0.25, 1.0 / 3.0])
    np.testing.assert_array_equal(stacked(ts[:, None]), [alone(np.array([t])) for t in ts])
