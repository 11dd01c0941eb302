"""``executor=``: a check run on threads, processes or a Dask cluster is the serial check.

The same points are evaluated whatever executes them, so the verdict, the numbers and the
evaluation count must be *equal* to the serial run's -- not close: every comparison here is
exact. The expected side is always the serial run of the same call, never a number copied
from the code. One pool per kind for the module (fixtures), so the file stays fast.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from checks import (
    check_gradient,
    check_hessian,
    check_jacobian,
    estimate_gradient,
    find_counterexample,
    numerical_gradient,
)
from checks.strategies import vectors
from tests import _executor_functions as fx

X = np.array([0.3, 0.7, 1.1, -0.4])


@pytest.fixture(scope="module")
def threads():
    with ThreadPoolExecutor(2) as pool:
        yield pool


def _not_under_mutation_testing() -> None:
    # A mutant that makes a worker process wait forever uses no CPU, so the CPU-time limit of
    # the mutation runner (benchmarks.mutate_checks) never stops it, and the workers' processes
    # (a resource tracker, a Dask scheduler) become children of the runner that it cannot
    # account for: under mutmut the other processes' executors are left out (CI runs them).
    if os.environ.get("MUTANT_UNDER_TEST") is not None:
        pytest.skip("process and Dask executors are not run under mutation testing")


@pytest.fixture(scope="module")
def processes():
    _not_under_mutation_testing()
    with ProcessPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def dask_executor():
    _not_under_mutation_testing()
    distributed = pytest.importorskip("distributed")  # the optional extra `dask`
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client.get_executor()


EXECUTORS = ["threads", "processes", "dask_executor"]


def _same(serial, parallel) -> None:
    """The two reports agree exactly: verdict, numbers, error bars, evaluations."""
    assert parallel.verdict == serial.verdict
    assert parallel.evaluations == serial.evaluations
    np.testing.assert_array_equal(parallel.numerical, serial.numerical)
    np.testing.assert_array_equal(parallel.error, serial.error)
    assert str(parallel) == str(serial)


@pytest.mark.parametrize("name", EXECUTORS)
@pytest.mark.parametrize("mode", ["full", "directional"])
def test_right_gradient_passes_as_serially(request, name, mode):
    pool = request.getfixturevalue(name)
    serial = check_gradient(fx.sin_sq, fx.sin_sq_grad, (X,), mode=mode)
    parallel = check_gradient(fx.sin_sq, fx.sin_sq_grad, (X,), mode=mode, executor=pool)
    assert serial.verdict == "pass"
    _same(serial, parallel)


@pytest.mark.parametrize("name", EXECUTORS)
def test_wrong_gradient_fails_as_serially(request, name):
    pool = request.getfixturevalue(name)
    serial = check_gradient(fx.sin_sq, fx.sin_sq_wrong_grad, (X,))
    parallel = check_gradient(fx.sin_sq, fx.sin_sq_wrong_grad, (X,), executor=pool)
    assert serial.verdict == "fail"
    _same(serial, parallel)
    assert parallel.worst_index == serial.worst_index


@pytest.mark.parametrize("name", EXECUTORS)
@pytest.mark.parametrize("mode", ["full", "directional"])
def test_jacobian_as_serially(request, name, mode):
    pool = request.getfixturevalue(name)
    serial = check_jacobian(fx.tanh_map, fx.tanh_map_jac, (X,), mode=mode)
    parallel = check_jacobian(fx.tanh_map, fx.tanh_map_jac, (X,), mode=mode, executor=pool)
    assert serial.verdict == "pass"
    _same(serial, parallel)


@pytest.mark.parametrize("name", EXECUTORS)
@pytest.mark.parametrize("with_grad", [False, True])
def test_hessian_as_serially(request, name, with_grad):
    pool = request.getfixturevalue(name)
    grad = {"grad": fx.quartic_grad} if with_grad else {}
    serial = check_hessian(fx.quartic, fx.quartic_hess, (X,), **grad)
    parallel = check_hessian(fx.quartic, fx.quartic_hess, (X,), executor=pool, **grad)
    assert serial.verdict == "pass"
    _same(serial, parallel)


@pytest.mark.parametrize("name", ["threads", "processes"])
def test_estimate_and_numerical_gradient_as_serially(request, name):
    pool = request.getfixturevalue(name)
    serial = estimate_gradient(fx.sin_sq, X)
    parallel = estimate_gradient(fx.sin_sq, X, executor=pool)
    np.testing.assert_array_equal(parallel.value, serial.value)
    np.testing.assert_array_equal(parallel.error, serial.error)
    assert parallel.evaluations == serial.evaluations
    np.testing.assert_array_equal(numerical_gradient(fx.sin_sq, X, executor=pool), serial.value)


@pytest.mark.parametrize("name", EXECUTORS)
def test_f_raising_at_trial_points_as_serially(request, name):
    # x_0 = 1e-3 beside x_1 = 2: the first steps of entry 0 reach x_0 <= 0, where math.log
    # raises ValueError; the ladder takes those points as outside f's domain
    pool = request.getfixturevalue(name)
    x = np.array([1e-3, 2.0])
    serial = check_gradient(fx.log_sum, fx.log_sum_grad, (x,))
    parallel = check_gradient(fx.log_sum, fx.log_sum_grad, (x,), executor=pool)
    assert serial.evaluations > 6 * x.size + 10  # the domain edge made entry 0 descend
    _same(serial, parallel)


@pytest.mark.parametrize("name", ["threads", "processes"])
def test_f_raising_at_the_point_raises_as_serially(request, name):
    pool = request.getfixturevalue(name)
    x = np.array([-1.0, 2.0])  # math.log(-1): x itself is outside f's domain
    with pytest.raises(ValueError) as serial:
        check_gradient(fx.log_sum, fx.log_sum_grad, (x,))
    with pytest.raises(ValueError) as parallel:
        check_gradient(fx.log_sum, fx.log_sum_grad, (x,), executor=pool)
    assert type(parallel.value) is type(serial.value)
    assert str(parallel.value) == str(serial.value)


@pytest.mark.parametrize("name", ["threads", "processes"])
def test_find_counterexample_finds_the_serial_one(request, name):
    pool = request.getfixturevalue(name)
    inputs = vectors(min_size=2, max_size=3).map(lambda w: (w,))
    kwargs = dict(max_examples=30, seed=1)
    serial = find_counterexample(fx.tanh_sum, fx.tanh_sum_wrong_grad, inputs, **kwargs)
    parallel = find_counterexample(fx.tanh_sum, fx.tanh_sum_wrong_grad, inputs,
                                   executor=pool, **kwargs)
    assert serial is not None
    assert parallel is not None
    np.testing.assert_array_equal(parallel.args[0], serial.args[0])
    _same(serial.check, parallel.check)


def test_a_lambda_on_processes_is_a_clear_error(processes):
    with pytest.raises(TypeError, match=r"f cannot be sent.*module-level function.*"
                                        r"ThreadPoolExecutor"):
        check_gradient(lambda x: float(x @ x), lambda x: 2 * x, (X,), executor=processes)


def test_a_lambda_on_threads_is_fine(threads):
    r = check_gradient(lambda x: float(x @ x), lambda x: 2 * x, (X,), executor=threads)
    assert r.verdict == "pass"


def test_not_an_executor_is_a_clear_error():
    with pytest.raises(TypeError, match=r"executor must have the concurrent.futures.Executor "
                                        r"interface.*got int without submit, map"):
        check_gradient(fx.sin_sq, fx.sin_sq_grad, (X,), executor=2)


def test_executor_with_vectorized_is_a_clear_error(threads):
    with pytest.raises(ValueError, match="executor= and vectorized=True exclude each other"):
        check_gradient(fx.sin_sq, fx.sin_sq_grad, (X,), vectorized=True, executor=threads)


def test_the_points_run_on_the_executor(threads):
    # the serial result proves nothing if the executor was ignored: the workers' threads
    # must have evaluated f
    import threading

    seen: set[str] = set()

    def f(x):
        seen.add(threading.current_thread().name)
        return fx.sin_sq(x)

    check_gradient(f, fx.sin_sq_grad, (X,), executor=threads)
    assert any(name != threading.main_thread().name for name in seen)
