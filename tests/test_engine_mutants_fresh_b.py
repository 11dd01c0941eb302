"""Tests that a sample of surviving mutants of ``checks/`` showed missing (``docs/MUTATION.md``).

Each test pins down a behaviour that a surviving mutant changed without any other test
noticing: an argument named in an error message, a message's wording, a note kept or not, an
entry's reliability, an error bar's documented composition. They are small and deterministic
(fixed points, fixed seeds); a test of the checker includes a wrong derivative it must
reject. Expected values are derived by hand (in the docstrings), never copied from the output.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pytest

from checks import (
    check_adjoint,
    check_gradient,
    check_hessian,
    check_jacobian,
    check_jvp,
    estimate_jacobian,
    ladder,
    numerical_hessian,
)
from checks.executor import map_points, using, validate_executor
from checks.second_lines import _level, _lines

A = np.array([[1.0, 2.0], [0.0, 3.0], [1.0, 1.0]])


def sin_map(x):
    """``A sin(x)``: its Jacobian is ``A diag(cos(x))``."""
    return A @ np.sin(x)


def sin_map_jac(x):
    return A * np.cos(x)


# ------------------------------------------------------------------------------ adjoint


def test_adjoint_names_the_pair_whose_jvp_changed_shape_against_pair_0():
    """``jvp``'s output shape is taken from its first call (the docstring): a ``jvp`` that
    returns ``(3,)`` at pair 0 and ``(2,)`` afterwards is reported at pair 1, against the
    shape ``(3,)`` of pair 0. Kills ``checks.adjoint.x_check_adjoint__mutmut_66`` (the shape
    taken from pair 1: the report would blame pair 0 against ``(2,)``)."""
    calls = []

    def jvp(v, x):
        calls.append(1)
        return A @ v if len(calls) == 1 else (A @ v)[:2]

    r = check_adjoint(jvp, lambda u, x: A.T @ u, (np.ones(2),), rng=0)
    assert r.verdict == "fail"
    assert r.reason.startswith("jvp(v, *args) of pair 1 has shape (2,), but its shape at "
                               "pair 0 is (3,)"), r.reason
    # and the right pair passes, the wrong adjoint fails
    assert check_adjoint(lambda v, x: A @ v, lambda u, x: A.T @ u, (np.ones(2),),
                         rng=0).verdict == "pass"
    assert check_adjoint(lambda v, x: A @ v, lambda u, x: A[:, ::-1].T @ u, (np.ones(2),),
                         rng=0).verdict == "fail"


# ------------------------------------------------------------------------------ analytic


def test_directional_check_names_jac_when_its_matrix_has_the_wrong_shape():
    """Along random pairs a ``jac`` of the transposed shape is refused with a message naming
    the call ``jac(*args)`` and the expected shape. Kills
    ``checks.analytic.x__along_pairs__mutmut_30`` (the label dropped: "None has shape")."""
    r = check_jacobian(sin_map, lambda x: sin_map_jac(x).T, (np.ones(2),),
                       mode="directional", rng=0)
    assert r.verdict == "fail"
    assert r.reason.startswith("jac(*args) has shape (2, 3), but f's output shape + the "
                               "argument's shape is (3, 2)"), r.reason


def test_full_jvp_check_names_the_unit_vector_where_the_shape_went_wrong():
    """In full mode ``jvp`` is called on each unit tangent; one that returns a wrong shape
    only on ``e_1`` is reported "at the unit vector (1,)". Kills
    ``checks.analytic.x__full_matrix__mutmut_61`` (the index computed without the shape:
    "at the unit vector ()")."""
    def jvp(v, x):
        out = sin_map_jac(x) @ v
        return out if v[1] == 0.0 else out[:2]

    r = check_jvp(sin_map, jvp, (np.ones(2),), mode="full")
    assert r.verdict == "fail"
    assert r.reason.startswith("jvp(v, *args) at the unit vector (1,) has shape (2,), but f's "
                               "output shape is (3,)"), r.reason


# ------------------------------------------------------------------------------ hessian


def test_directional_hessian_of_an_empty_argument_names_that_argument():
    """A Hessian along random pairs of an argument with no entries is a ``ValueError`` naming
    ``args[argnum]`` (here ``args[1]``). Kills ``checks.hessian.x__run__mutmut_142``
    ("args[None]")."""
    def f(x, y):
        return float(np.sum(x**2)) + float(np.sum(y**2))

    with pytest.raises(ValueError, match=r"^args\[1\] has shape \(0,\) and the output shape "
                                         r"\(0,\): a map with no entries"):
        check_hessian(f, lambda x, y: np.zeros((0, 0)), (np.ones(2), np.ones(0)), argnum=1,
                      mode="directional")


def test_directional_hessian_without_grad_honours_a_user_step():
    """Without ``grad`` the directional Hessian check takes ``q(w) = d2/dt2 f(x + t w)`` with
    the user's ``step``: ``f = sum x^3`` has ``H = diag(6 x)``, which passes, and ``H + 0.1``
    fails. Kills ``checks.hessian_estimate.x__along_second__mutmut_11`` (the step replaced by
    ``None``: "step must be finite and > 0")."""
    x = np.array([1.0, 2.0])
    f = lambda z: float(np.sum(z**3))  # noqa: E731
    good = check_hessian(f, lambda z: np.diag(6.0 * z), (x,), mode="directional", step=1e-3,
                         rng=0)
    assert good.verdict == "pass", str(good)
    bad = check_hessian(f, lambda z: np.diag(6.0 * z) + 0.1, (x,), mode="directional",
                        step=1e-3, rng=0)
    assert bad.verdict == "fail", str(bad)


def test_a_hessian_entry_from_grad_is_as_reliable_as_the_worse_of_its_two_jacobian_entries():
    """``f = x_0 |x_1|`` at ``x_1 = 0``: ``grad = (|x_1|, x_0 sign(x_1))``. Its Jacobian entry
    ``d grad_0 / dx_1`` is a kink (``|x_1|``), while ``d grad_1 / dx_0 = sign(0) = 0`` is
    smooth; the Hessian entry ``(0, 1)`` and its mirror ``(1, 0)`` both carry the kink
    (module docstring: "each entry carries the kind of the less reliable of its two
    Jacobian entries"), so the kind is symmetric. Kills
    ``checks.hessian_estimate.x__from_gradient__mutmut_144`` (the Jacobian's own kinds kept:
    ``(1, 0)`` smooth)."""
    est = numerical_hessian(lambda x: x[0] * abs(x[1]), np.array([0.7, 0.0]),
                            grad=lambda x: np.array([abs(x[1]), x[0] * np.sign(x[1])]))
    assert est.kind[0, 1] == ladder.KINK and est.kind[1, 0] == ladder.KINK, est.kind
    assert np.array_equal(est.kind, est.kind.T)
    # the kink's interval [-x_0, x_0] for d grad_0 / dx_1, symmetrised with 0: it holds 0
    assert est.lower[1, 0] <= 0.0 <= est.upper[1, 0]


def test_numerical_hessian_accepts_method_richardson_without_grad():
    """Without ``grad`` only ``"richardson"`` applies, and naming it is allowed: ``sum x^3``
    at ``(1, 2)`` has ``H = diag(6, 12)``. Kills
    ``checks.hessian_estimate.x_numerical_hessian__mutmut_11`` (only ``"RICHARDSON"``
    accepted)."""
    x = np.array([1.0, 2.0])
    est = numerical_hessian(lambda z: float(np.sum(z**3)), x, method="richardson")
    truth = np.diag(6.0 * x)
    assert np.all(np.abs(est.value - truth) <= est.error + 1e-9)
    with pytest.raises(ValueError, match="^method='central' applies to the Jacobian of grad"):
        numerical_hessian(lambda z: float(np.sum(z**3)), x, method="central")


# ------------------------------------------------------------------------------ jacobian


def test_a_directional_failure_counts_mismatched_pairs():
    """Along random pairs the reason of a failure counts pairs, as the report's
    "Mismatched pairs" does: a Jacobian with its second column scaled by 1.1 fails both
    pairs. Kills ``checks.jacobian.x__conclude__mutmut_145`` ("PAIRS")."""
    wrong = lambda x: sin_map_jac(x) * np.array([1.0, 1.1])  # noqa: E731
    r = check_jacobian(sin_map, wrong, (np.ones(2),), mode="directional", rng=0)
    assert r.verdict == "fail"
    assert r.reason == "2 of 2 pairs differ by more than the tolerance", r.reason
    assert check_jacobian(sin_map, sin_map_jac, (np.ones(2),), mode="directional",
                          rng=0).verdict == "pass"


def test_a_failure_of_the_analytic_side_keeps_the_dtype_note():
    """An integer argument is differentiated in float64 and the result says so, also when the
    check fails because ``jac`` has the wrong shape. Kills
    ``checks.jacobian.x__conclude__mutmut_30`` (the failure's notes dropped)."""
    r = check_jacobian(sin_map, lambda x: sin_map_jac(x).T, ([1, 2],))
    assert r.verdict == "fail" and r.reason.startswith("jac(*args) has shape (2, 3)")
    assert "args[0] had dtype int64; it was differentiated in float64" in r.notes, r.notes


def test_unjudged_pairs_of_a_directional_hessian_are_called_pairs():
    """``f = |x_0| + x_1^2`` at ``x_0 = 0`` has no second derivative along any pair (its
    second differences grow like ``1/h``): the check is inconclusive, and the reason counts
    "pairs", not "entries". Kills ``checks.jacobian.x__conclude__mutmut_72`` (the unit word
    dropped: "2 entries cannot be judged")."""
    f = lambda x: abs(x[0]) + x[1] ** 2  # noqa: E731
    r = check_hessian(f, lambda x: np.diag([0.0, 2.0]), (np.array([0.0, 1.0]),),
                      mode="directional", rng=0)
    assert r.verdict == "inconclusive"
    assert r.reason.startswith("2 pairs cannot be judged ((0,), (1,))"), r.reason


# ------------------------------------------------------------------------------ jacobian_estimate


def noisy_tanh(x):
    """``tanh`` with a wiggle of ``1e-9`` far below the noise probe's spacings."""
    return np.tanh(x) + 1e-9 * np.sin(1e13 * np.tanh(x))


def test_a_noisy_map_failing_on_its_analytic_side_is_not_noted_noisy_once_per_pair():
    """The per-pair lines about noise are dropped from the directional estimate (one noise
    note is written with the verdict, and none when ``jac`` itself is refused): a ``jac`` of
    the wrong shape for a noisy map gives no "f is noisy" note, let alone one per pair.
    Kills ``checks.jacobian_estimate.x__pair_estimates__mutmut_27`` (the pairs' noise lines
    kept)."""
    x = np.array([0.3, -0.5, 0.8])
    r = check_jacobian(noisy_tanh, lambda z: np.zeros((2, 3)), (x,), mode="directional",
                       rng=0)
    assert r.verdict == "fail" and r.reason.startswith("jac(*args) has shape (2, 3)")
    assert not [n for n in r.notes if "noisy" in n], r.notes
    # the same map with its right Jacobian: one noise note, with the verdict
    ok = check_jacobian(noisy_tanh, lambda z: np.diag(1.0 - np.tanh(z) ** 2), (x,),
                        mode="directional", rng=0)
    assert ok.verdict == "pass", str(ok)
    assert len([n for n in ok.notes if n.startswith("f is noisy at the ")]) == 1, ok.notes


def test_estimate_jacobian_of_a_float64_point_adds_no_dtype_note():
    """A float64 point needs no conversion: the notes hold no conversion line (and no empty
    one), while an integer point gets the line naming ``x``'s dtype. Kills
    ``checks.jacobian_estimate.x_estimate_jacobian__mutmut_25`` (a ``None`` note prepended
    always)."""
    est = estimate_jacobian(np.sin, np.array([0.0, 1.0]))
    assert est.notes == (), est.notes
    assert np.allclose(est.value, np.diag(np.cos([0.0, 1.0])), atol=1e-9)
    ints = estimate_jacobian(np.sin, [0, 1])
    assert ints.notes[0] == "x had dtype int64; it was differentiated in float64", ints.notes


# ------------------------------------------------------------------------------ jacobian_result


def test_the_reports_array_summary_ignores_the_users_numpy_print_options():
    """The report prints its arrays with its own options (3 items at each edge of a summary
    above 64 entries): a user's ``np.set_printoptions(edgeitems=1)`` does not change it.
    Kills ``checks.jacobian_result.x__render__mutmut_157`` (``edgeitems`` left to the
    user's options)."""
    n = 9
    r = check_jacobian(np.sin, lambda x: np.diag(np.cos(x)), (np.linspace(-1.0, 1.0, n),))
    assert r.verdict == "pass", str(r)
    text = str(r)
    with np.printoptions(edgeitems=1):
        assert str(r) == text
    analytic = [line for line in text.splitlines() if line.startswith(" ANALYTIC: ")]
    assert len(analytic) == 1
    # 81 entries are summarised: rows 0, 1, 2, '...', rows 6, 7, 8, each of 3 + '...' + 3
    block = text[text.index(" ANALYTIC: "):text.index(" NUMERICAL: ")]
    assert block.count("...") == 1 + 6, block


# ------------------------------------------------------------------------------ second_lines


def test_a_diagonal_second_differences_noise_coefficient_is_attained_by_values_off_by_s():
    """``D(h) = (f(x + h) - 2 f(x) + f(x - h)) / h^2``: values each off by at most ``s`` move
    it by at most ``4 s / h^2``, and values ``+s, -s, +s`` move it by exactly that, so the
    noise coefficient ``_level`` returns (times ``s``) is ``4 / h^2``, attained. Kills
    ``checks.second_lines.x__level__mutmut_80`` (``6 / h^2``)."""
    s, h = 2.0**-20, 2.0**-3
    fun = lambda z: s  # noqa: E731  (f(x +- h) = +s, f(x) = -s)
    d, coef, _, _, evals = _level(fun, np.zeros(1), np.array([[0, 0]]), np.array([h]), 0, -s)
    assert evals == 2
    assert d[0] == 4.0 * s / h**2
    assert coef[0] == 4.0 / h**2


def test_one_sided_limits_error_bar_is_the_documented_roundoff_where_the_lines_are_flat():
    """On lines with ``f = 0`` everywhere, ``R = 2 F(t/2) - F(t)`` and the one above agree
    exactly, so ``R``'s bar is its round-off alone (``checks.second``: ``F(t) = 2 phi[0, t/2,
    t]``, whose weights sum to ``16 / t^2``): ``n(t) = 2 * 16 s / (t/2)^2 + 16 s / t^2`` for
    ``R_1(t)``, plus ``(n(t) + n(2t)) / 3`` for the round-off in ``|R_1(t) - R_1(2t)| / 3``.
    Levels ``t = 1, 1/2, 1/4, 1/8``: ``n(1/2) = 576 s``, ``n(1) = 144 s``, bar ``576 s +
    (576 s + 144 s) / 3 = 816 s``. Kills ``checks.second_lines.x__lines__mutmut_119``
    (``2 n - n``: 645 s) and ``checks.second_lines.x__lines__mutmut_127`` (``n(2t)`` from
    the finer level: 944 s)."""
    s = 1e-9
    t = np.array([1.0, 0.5, 0.25, 0.125])
    zeros = np.zeros((4, 1, 2))
    lines = {"P": zeros, "M": zeros,
             "tp": np.broadcast_to(t[:, None, None], (4, 1, 2)),
             "tm": np.broadcast_to(t[:, None, None], (4, 1, 2))}
    out = _lines(lines, 0.0, np.full((1, 1), s))
    n_now = 2.0 * 16.0 * s / 0.25**2 + 16.0 * s / 0.5**2
    n_up = 2.0 * 16.0 * s / 0.5**2 + 16.0 * s / 1.0**2
    expected = n_now + (n_now + n_up) / 3.0
    assert expected == pytest.approx(816.0 * s, rel=1e-15, abs=0)
    assert np.all(out["R"] == 0.0) and np.all(out["L"] == 0.0)
    assert out["Rerr"] == pytest.approx(np.full((1, 2), expected), rel=1e-12, abs=0)
    assert out["Lerr"] == pytest.approx(np.full((1, 2), expected), rel=1e-12, abs=0)


# ------------------------------------------------------------------------------ executor


class _RecordingPool(ThreadPoolExecutor):
    """A thread pool that records, for every task it receives, how many times ``f`` ran in
    it (``f`` calls :meth:`ran`)."""

    def __init__(self, workers: int):
        super().__init__(workers)
        self.per_task: list[int] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            task = len(self.per_task)
            self.per_task.append(0)

        def run():
            self._local.task = task
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.task = None

        return super().submit(run)

    def ran(self) -> None:
        task = getattr(self._local, "task", None)
        if task is not None:
            with self._lock:
                self.per_task[task] += 1


class _Client:
    """What ``checks.executor`` asks of a Dask client: its workers' thread counts."""

    def nthreads(self) -> dict[str, int]:
        return {"tcp://10.0.0.1:4001": 3, "tcp://10.0.0.2:4001": 5}


class ClientExecutor:
    """A stand-in for Dask's ``distributed.cfexecutor.ClientExecutor`` (``Client.
    get_executor()``): the ``Executor`` interface and the ``_client`` it wraps; it runs each
    task at once, in the caller's thread, and counts them."""

    def __init__(self):
        self._client = _Client()
        self.tasks = 0

    def submit(self, fn, /, *args, **kwargs):
        self.tasks += 1
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - a future carries what the task raised
            fut.set_exception(exc)
        return fut

    def map(self, fn, *iterables):
        return map(fn, *iterables)


ClientExecutor.__module__ = "distributed.cfexecutor"


def test_a_jacobians_rows_send_the_executor_only_points_f_has_not_been_evaluated_at():
    """The rows of a Jacobian share their points through a memo (``checks._memo``: ``f``
    once per point for every output); on an executor the memo is filled from it before a
    row reads its values, so every task the executor receives evaluates ``f`` at least once
    -- the rows after the first find their shared points stored and send nothing for them --
    and the check is the serial one. Kills ``checks.evaluation.x__on_executor__mutmut_15``
    (the memo's ``prefetch`` not found: every row sends its points again, tasks in which
    ``f`` never runs)."""
    a = np.array([[1.0, 2.0, 0.5, -1.0], [0.0, 3.0, 1.0, 2.0], [1.0, 1.0, -2.0, 0.5]])
    x = np.array([0.3, 0.7, 1.1, -0.4])

    def jac(z):
        return (1.0 - np.tanh(a @ z) ** 2)[:, None] * a

    serial = check_jacobian(lambda z: np.tanh(a @ z), jac, (x,))
    with _RecordingPool(2) as pool:
        def f(z):
            pool.ran()
            return np.tanh(a @ z)

        parallel = check_jacobian(f, jac, (x,), executor=pool)
    assert serial.verdict == parallel.verdict == "pass", str(parallel)
    assert parallel.evaluations == serial.evaluations
    np.testing.assert_array_equal(parallel.numerical, serial.numerical)
    assert pool.per_task and min(pool.per_task) >= 1, pool.per_task
    # the two evaluations at x (is f deterministic?) are the check's own, not the executor's
    assert sum(pool.per_task) == serial.evaluations - 2


def test_a_batch_on_a_thread_pool_goes_out_in_four_tasks_per_worker(monkeypatch):
    """``checks.executor``: a batch of ``N`` points is split into ``ceil(N / (4 workers))``
    points per task, the workers being the pool's ``max_workers``. ``N = 24`` on 3 threads:
    2 points per task, 12 tasks, each value where its point is. (The machine's CPU count,
    the fallback for an executor that does not say, is set to 1 here: 4 tasks of 6 if it
    were used.) Kills ``checks.executor.x__workers__mutmut_8`` (the pool's size not read)
    and ``checks.executor.x_map_points__mutmut_11`` (the tasks not built)."""
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    points = np.arange(48.0).reshape(24, 2)
    with _RecordingPool(3) as pool, using(pool):
        def f(z):
            pool.ran()
            return float(z[0] * z[1])

        got = map_points(f, points, "a point", False, True)
    assert got == [p * q for p, q in points.tolist()]
    assert pool.per_task == [2] * 12


def test_a_dask_executor_gets_four_tasks_per_worker_thread_of_its_cluster(monkeypatch):
    """On a Dask executor the workers are the threads of the cluster behind it
    (``client.nthreads()``): 3 + 5 = 8 here, so a batch of 64 points goes out in tasks of
    ``ceil(64 / 32) = 2`` points, 32 tasks (with the CPU count of 1 this machine is made to
    report: 4 tasks). Kills ``checks.executor.x__workers__mutmut_18`` (the client not
    read)."""
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    points = np.linspace(-1.0, 1.0, 64)[:, None]
    dask = ClientExecutor()
    with using(dask):
        got = map_points(lambda z: float(z[0] ** 2), points, "a point", False, True)
    assert got == [p * p for p in points[:, 0].tolist()]
    assert dask.tasks == 32


def test_a_dask_executor_refuses_an_f_cloudpickle_cannot_send():
    """A Dask executor sends ``f`` to its workers with cloudpickle (``checks.executor.
    require_sendable``): an ``f`` that holds a lock cannot go, and the check says so before
    evaluating anything; a lambda can, and runs there as serially. Kills
    ``checks.executor.x__is_dask__mutmut_2`` (no executor taken for Dask's: the lock sent
    unchecked)."""
    lock = threading.Lock()

    def f(z):
        with lock:
            return float(z @ z)

    dask = ClientExecutor()
    x = np.array([0.5, -1.5])
    with pytest.raises(TypeError, match=r"f cannot be sent to the workers of a ClientExecutor: "
                                        r"cloudpickle \(Dask\) failed"):
        check_gradient(f, lambda z: 2 * z, (x,), executor=dask)
    assert dask.tasks == 0
    r = check_gradient(lambda z: float(z @ z), lambda z: 2 * z, (x,), executor=dask)
    assert r.verdict == "pass"
    assert dask.tasks > 0


def test_an_executor_without_map_is_refused_naming_its_type():
    """``executor=`` must have ``submit`` and ``map``; the error names the object's type and
    what it lacks. Kills ``checks.executor.x_validate_executor__mutmut_18`` (the type of
    ``None`` named: "got NoneType")."""
    class SubmitOnly:
        def submit(self, fn, /, *args):
            raise AssertionError("never called")

    with pytest.raises(TypeError, match=r"e\.g\. a ThreadPoolExecutor; got SubmitOnly "
                                        r"without map$"):
        validate_executor(SubmitOnly())
    with pytest.raises(TypeError, match=r"got SubmitOnly without map$"):
        check_gradient(lambda z: float(z @ z), lambda z: 2 * z, (np.ones(2),),
                       executor=SubmitOnly())


# ------------------------------------------------------------------------------ probe


def test_the_probes_median_is_numpys_median_of_odd_even_empty_and_nan_tables():
    """``checks.probe._median`` is documented as ``np.median`` exactly: the middle value of an
    odd count, the mean of the middle two of an even count (``[4, 1, 3, 2]``: ``2.5``, not
    the upper middle ``3``), and ``np.median`` itself -- ``nan`` -- for an empty table or
    one with a ``nan`` in it. Kills ``checks.probe.x__median__mutmut_14`` (an even count
    read as odd) and ``checks.probe.x__median__mutmut_3`` (the empty and ``nan`` tables sorted
    as if they had a middle)."""
    from checks.probe import _median

    assert _median(np.array([4.0, 1.0, 3.0, 2.0])) == 2.5
    assert _median(np.array([5.0, -1.0, 2.0])) == 2.0
    assert _median(np.array([1e300, 3e300])) == float(np.median([1e300, 3e300]))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        assert np.isnan(_median(np.array([])))
    assert np.isnan(_median(np.array([1.0, np.nan, 0.5])))
    assert np.isnan(_median(np.array([np.nan, 1.0, 0.5, 2.0])))


def test_probe_point_lays_a_flat_direction_out_in_x_shape_in_c_order():
    """``probe_point(x, s, p)`` is ``x + s p`` with ``p`` read in C order in ``x``'s shape: a
    flat ``p`` of six numbers against a 2 x 3 ``x`` gives ``x + s p.reshape(2, 3)``, a new
    array. Kills ``checks.probe.x_probe_point__mutmut_8`` (``p`` not reshaped: a flat ``p``
    cannot fill a 2 x 3 result)."""
    from checks.probe import probe_point

    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    p = np.array([0.5, -1.0, 2.0, 0.0, 1.5, -0.25])
    pt = probe_point(x, 2.0, p)
    np.testing.assert_array_equal(pt, [[2.0, 0.0, 7.0], [4.0, 8.0, 5.5]])
    assert pt.shape == (2, 3) and not np.shares_memory(pt, x)


def test_probe_slope_is_the_least_squares_cubics_slope_at_zero():
    """``probe_slope``: "the slope at ``t = 0`` is the cubic's" -- of the least-squares cubic
    through the nine values, per unit of ``tau = t delta``. On a table of ``t^4`` the cubic,
    quartic (exact: 0) and quadratic slopes differ; the value must be the cubic's, computed
    here independently by ``np.polyfit`` of degree 3 on the probe points. Kills
    ``checks.probe.x_probe_slope__mutmut_5`` (the quartic's slope returned: 0)."""
    from checks.probe import _PROBE_T, probe_slope

    delta = 1e-2
    table = _PROBE_T ** 4
    cubic = np.polyfit(_PROBE_T, table, 3)[-2]  # coefficient of t: the slope at t = 0
    assert abs(cubic) > 1.0  # far from the quartic's exact 0
    value, bound, _ = probe_slope(table, delta, 0.0)
    assert value == pytest.approx(cubic / delta, rel=1e-9, abs=0)
    assert bound >= abs(value) * 0.5  # truncation seen: the slope is not to be trusted


def test_a_noise_probe_on_an_executor_evaluates_each_point_once_even_where_f_is_nan():
    """The noise probe of a plain ``f`` on an executor sends its eight points to it and takes
    what comes back, ``nan`` included (a point outside ``f``'s domain is the probe's to judge,
    not an error): each point evaluated once, on the pool's threads, and the table is the
    serial one. Kills ``checks.probe.x__probe_values__mutmut_104`` (the points not sent: a
    ``TypeError``) and ``checks.probe.x__probe_values__mutmut_111`` (the values asked to be
    finite: every ``nan`` point evaluated a second time, serially)."""
    from checks.probe import _probe_values, probe_direction

    x = np.array([0.3, -0.2, 0.5])
    p = probe_direction(x.shape)
    delta = 0.1
    calls: list[tuple[float, ...]] = []
    lock = threading.Lock()
    main = threading.get_ident()
    threads: set[int] = set()

    def f(z):
        with lock:
            calls.append(tuple(z.tolist()))
            threads.add(threading.get_ident())
        return float(np.sum(z)) if z[1] < 0.3 else float("nan")  # nan beyond z_1 = 0.3

    serial = _probe_values(f, x, delta, False, p)
    assert np.isnan(serial).any() and np.isfinite(serial).any(), serial
    calls.clear()
    threads.clear()
    with ThreadPoolExecutor(2) as pool, using(pool):
        got = _probe_values(f, x, delta, False, p)
    np.testing.assert_array_equal(got, serial)
    assert len(calls) == 8 and len(set(calls)) == 8, calls
    assert main not in threads
