"""The sandbox of ``gradients try``: OS limits, the cost model in front of them, and the attacks.

Three layers are tested:

* the interpreter's estimates (:func:`gradients.cli.expr.evaluation._estimate`) bound the size
  of every table function's actual result (a property test over shapes, empty ones included);
* the child process (:class:`gradients.cli.sandbox.Sandbox`) holds the candidate to the
  operating system's limits *even when the estimates are switched off*: memory, CPU time and
  wall-clock time are each reached and reported, and the child's peak memory (``VmHWM`` and
  ``VmPeak``, which it reports with every answer) stays within its address-space limit;
* the attacks of issue 12 and new ones of the same families, through ``gradients try``: each is
  a one-line refusal with exit status 2 naming the limit, within the wall-clock limit, and the
  peak memory of the command and its child stays within the memory limit (``wait4`` on the
  command, started from a small launcher: a child's ``ru_maxrss`` includes its parent's
  resident memory at the fork, so measured straight from pytest it would report pytest's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from gradients.cli import main
from gradients.cli import sandbox as sandbox_module
from gradients.cli.expr import ALLOWED_FUNCTIONS, ExpressionError, grammar
from gradients.cli.expr.evaluation import _estimate
from gradients.cli.reference import PROGRAMS
from gradients.cli.sandbox import (
    DEFAULT_LIMITS,
    LimitExceeded,
    Limits,
    Sandbox,
    SandboxError,
    decode_arguments,
    decode_array,
    encode_arguments,
    encode_message,
)

ROOT = Path(__file__).resolve().parents[1]
MIB = DEFAULT_LIMITS.memory_mib
#: the interpreter's estimates switched off: only the operating system stands in the way
NO_ESTIMATES = {"MAX_ELEMENTS": 10**13, "MAX_WORK": 10**18, "MAX_ALLOCATED": 10**13}

# --- the cost model bounds every function ----------------------------------------------------

_POOL = [
    np.float64(1.5), 2, np.zeros(0), np.ones(3), np.arange(4.0), np.ones((2, 3)),
    np.eye(3) + 0.5, np.zeros((0, 3)), np.zeros((3, 0)), np.ones((1, 2, 3)), np.ones((2, 2, 2)),
    np.zeros((2, 0, 4)), np.array([True, False, True]),
]
_KEYWORD_VALUES = {
    "axis": st.sampled_from([None, 0, 1, -1, 2, (0, 1), (0, -1)]),
    "keepdims": st.booleans(),
    "k": st.integers(-3, 3),
    "axes": st.sampled_from([None, (0,), (1, 0), (0, 1), (2, 0, 1), (0, 2, 1), (0, 0)]),
}


@st.composite
def calls(draw, names=ALLOWED_FUNCTIONS):
    name = draw(st.sampled_from(names))
    spec = grammar._FUNCTIONS[name]
    n = draw(st.integers(spec.min_args, spec.max_args))
    args = [draw(st.sampled_from(_POOL)) for _ in range(n)]
    if spec.kind == "einsum":  # the first argument is the subscripts, one term per operand
        ops = n - 1
        args[0] = draw(st.sampled_from({1: ["i", "ij", "ij->ji", "ii", "ijk->k", "ij->"],
                                        2: ["ij,j->i", "i,i", "ij,jk->ik", "i,j->ij"]}.get(
            ops, [",".join(["i"] * ops), ",".join(["ij"] * ops) + "->j"])))
    if spec.kind in ("eye", "matrix_power"):
        args[-1] = draw(st.integers(0, 5))
        if spec.kind == "eye":
            args = [draw(st.integers(0, 5)) for _ in range(n)]
    keys = draw(st.lists(st.sampled_from(spec.keywords), unique=True)) if spec.keywords else []
    kwargs = {k: draw(_KEYWORD_VALUES[k]) for k in keys}
    return name, spec, args, kwargs


def estimated_and_made(spec, args, kwargs) -> tuple[int, int, int, int] | None:
    """The interpreter's estimate ``(size, cost, allocated)`` of a call and the number of
    elements numpy's result has; ``None`` where either refuses the call (nothing to bound)."""
    try:
        size, cost, allocated = _estimate(spec.kind, args, kwargs)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty slice
            result = spec.func(*args, **kwargs)
    except (ArithmeticError, ValueError, TypeError, IndexError):
        return None
    return size, cost, allocated, int(np.size(result))


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@pytest.mark.parametrize("name", ALLOWED_FUNCTIONS)
@given(data=st.data())
def test_the_estimates_bound_the_result_of_every_table_function(name, data):
    """One test per function of the table; a call that the estimate or numpy refuses proves
    nothing and is discarded, so a function with no conclusive call at all fails the test
    (hypothesis: "Unable to satisfy assumptions")."""
    name, spec, args, kwargs = data.draw(calls(names=[name]), label="call")
    outcome = estimated_and_made(spec, args, kwargs)
    assume(outcome is not None)
    size, cost, allocated, actual = outcome
    assert actual <= size, f"{name}: estimated {size} elements, made {actual}"
    assert actual <= allocated and cost >= 0, f"{name}: allocation {allocated} < {actual}"


#: The share of drawn calls that the property above can judge (measured: 78.5 % of 1,000).
MIN_CONCLUSIVE = 2 / 3


def test_most_drawn_calls_are_conclusive():
    """The property discards refused calls: on 1,000 fixed draws over the whole table, at
    least MIN_CONCLUSIVE of them are judged (an estimate that refused everything, or a pool
    of arguments that fits no function, would otherwise pass it vacuously)."""
    judged = []

    @settings(max_examples=1000, database=None, derandomize=True, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(calls())
    def draw(call):
        _name, spec, args, kwargs = call
        judged.append(estimated_and_made(spec, args, kwargs) is not None)

    draw()
    assert len(judged) >= 500, len(judged)
    share = sum(judged) / len(judged)
    assert share >= MIN_CONCLUSIVE, f"only {share:.1%} of {len(judged)} draws were judged"


# --- the protocol ---------------------------------------------------------------------------


def test_arguments_round_trip_exactly():
    args = (np.arange(6.0).reshape(2, 3), 3, 0.1, np.array([1, 0, 2]), np.float64(2.5),
            np.int64(-4), np.zeros((0, 2)), np.array(True))
    specs, arrays = encode_arguments(args)
    frames = [decode_array({"dtype": a.dtype.str, "shape": list(a.shape)}, a.tobytes())
              for a in arrays]
    back = decode_arguments(specs, frames)
    assert type(back[1]) is int and back[1] == 3 and type(back[2]) is float and back[2] == 0.1
    assert back[4] == 2.5 and back[5] == -4
    for a, b in zip(args, back, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert np.shape(a) == np.shape(b)


@pytest.mark.parametrize(
    ("spec", "data", "message"),
    [
        ({"dtype": "|O", "shape": [1]}, b"\0" * 8, "refusing an array of dtype object"),
        ({"dtype": "<U3", "shape": [1]}, b"\0" * 12, "refusing an array"),
        ({"dtype": "<f8", "shape": [2]}, b"\0" * 8, "do not match its shape"),
        ({"dtype": "<f8", "shape": [-1]}, b"", "refusing an array"),
        ({"dtype": "not a dtype", "shape": [1]}, b"", "bad array description"),
        ({"dtype": "<f8"}, b"", "bad array description"),
    ],
)
def test_the_parent_refuses_anything_but_numeric_arrays(spec, data, message):
    with pytest.raises(SandboxError, match=message):
        decode_array(spec, data)


def test_messages_carry_no_pickles():
    data = encode_message({"ok": True}, (np.ones(2),))
    assert b"pickle" not in data and b"numpy.core" not in data
    assert data[4:].startswith(b'{"ok": true, "arrays": [{"dtype": "<f8", "shape": [2]}]}')


# --- the child process and its limits ---------------------------------------------------------


def _limits_of(pid: int) -> dict[str, str]:
    rows = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    return {row[:26].strip(): row[26:47].strip() for row in rows}


def test_the_child_runs_under_the_limits_with_one_thread():
    with Sandbox("2 * X", ["X"], Limits(memory_mib=512, cpu_seconds=7)) as sb:
        np.testing.assert_array_equal(sb(np.eye(2)), 2 * np.eye(2))
        pid = sb.proc.pid
        limits = _limits_of(pid)
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert Path(f"/proc/{pid}/cwd").resolve() == Path("/")
        fds = os.listdir(f"/proc/{pid}/fd")
    assert limits["Max address space"] == str(512 * 2**20)
    assert limits["Max cpu time"] == "7"
    assert limits["Max file size"] == "0" and limits["Max core file size"] == "0"
    assert b"OPENBLAS_NUM_THREADS=1" in environ and b"OMP_NUM_THREADS=1" in environ
    assert len(fds) <= 6  # stdin, stdout, stderr and the two protocol duplicates
    assert sb.peak_rss_mib is not None and sb.peak_rss_mib < 512
    assert sb.peak_vm_mib is not None and sb.peak_vm_mib < 512


def test_numpy_and_a_normal_candidate_fit_in_a_quarter_of_the_default():
    # the 7b answer with intermediate names, on a realistic input, under 256 MiB
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 4)), rng.standard_normal((4, 3)), rng.standard_normal(4),
            rng.standard_normal((6, 4)), (rng.random(6) < 0.5).astype(float))
    with Sandbox(PROGRAMS["7b"], ("W0", "W1", "w2", "X", "y"), Limits(memory_mib=256)) as sb:
        for _ in range(50):
            out = sb(*args)
    assert out.shape == (4, 3)
    assert sb.peak_vm_mib < 256 and sb.peak_rss_mib < 128 and sb.cpu_seconds < 5


def test_evaluation_errors_are_expression_errors_and_the_child_survives():
    with Sandbox("np.linalg.inv(X)", ["X"]) as sb:
        with pytest.raises(ExpressionError, match="Singular matrix"):
            sb(np.zeros((2, 2)))
        np.testing.assert_allclose(sb(2 * np.eye(2)), 0.5 * np.eye(2))
        assert sb.evaluations == 2


def test_a_refused_text_starts_no_process():
    with pytest.raises(ExpressionError, match="import statement"):
        Sandbox("import os; X", ["X"])


def _breach(text, limits, calls=3):
    """Evaluate, with the estimates off, until a limit is reached: the exception, the seconds
    it took and the child's peak MiB."""
    start = time.monotonic()
    sb = Sandbox(text, ["X"], limits, static_limits=NO_ESTIMATES)
    with pytest.raises(LimitExceeded) as info, sb:
        for _ in range(calls):
            sb(np.eye(2))
    return info.value, time.monotonic() - start, sb.peak_rss_mib


def test_memory_the_os_stops_an_empty_axis_reduction_the_estimates_would_have_missed():
    exc, seconds, peak = _breach("np.prod(np.eye(0, 3 * 10**8), axis=0)", DEFAULT_LIMITS)
    assert exc.limit == "memory"
    assert f"exceeded the memory limit of {MIB} MiB (--memory-limit)" in str(exc)
    assert "Unable to allocate" in str(exc)
    assert peak < MIB and seconds < 10


def test_memory_the_os_stops_right_nested_sums():
    # 36 terms of 80 MB each, held at once by the pending additions: 2.9 GB without limits
    text = "".join("np.sum(np.eye(0, 10**7), axis=0) + (" for _ in range(35))
    text += "np.sum(np.eye(0, 10**7), axis=0)" + ")" * 35
    exc, seconds, peak = _breach(text, Limits(memory_mib=512))
    assert exc.limit == "memory" and "512 MiB" in str(exc)
    assert peak < 512 and seconds < 10


def test_cpu_the_os_stops_a_solve_with_a_big_right_hand_side():
    # 8.7 s per evaluation when issue 12 was filed (costed at n^3, real cost ~200 times more)
    text = "np.linalg.solve(np.eye(215), np.eye(215, 46511))"
    exc, seconds, peak = _breach(text, Limits(cpu_seconds=1), calls=20)
    assert exc.limit == "cpu"
    assert "exceeded the CPU-time limit of 1 s (--cpu-limit; all its evaluations together)" in (
        str(exc))
    assert peak < MIB and seconds < 10


def test_wall_clock_the_parent_kills_a_child_that_does_not_answer():
    text = "np.linalg.solve(np.eye(215), np.eye(215, 46511))"
    exc, seconds, peak = _breach(text, Limits(cpu_seconds=60, time_seconds=1), calls=20)
    assert exc.limit == "time"
    assert "exceeded its wall-clock limit of 1 s (--time-limit" in str(exc)
    assert seconds < 5


def test_the_wall_clock_budget_is_shared_by_all_calls():
    with Sandbox("X", ["X"]) as sb:
        sb.deadline = time.monotonic() + 0.5
        sb(np.eye(2))
        time.sleep(0.6)
        with pytest.raises(LimitExceeded, match="wall-clock"):
            sb(np.eye(2))


def test_the_child_cannot_start_below_the_memory_numpy_needs():
    with pytest.raises(LimitExceeded) as info:
        with Sandbox("X", ["X"], Limits(memory_mib=64)) as sb:
            sb(np.eye(2))
    assert info.value.limit == "memory" and "64 MiB" in str(info.value)


# --- the attacks, through `gradients try` ------------------------------------------------------

_SUM = "np.sum(np.eye(0,10**7),axis=0)"
_SOLVE = "np.linalg.solve(np.eye(215), np.eye(215, 46511))"
ATTACKS = [
    # issue 12
    ("empty-axis prod", "np.prod(np.eye(0, 3*10**8), axis=0)", "size limit"),
    ("36 right-nested sums", "".join(f"{_SUM} + (" for _ in range(35)) + _SUM + ")" * 35,
     "memory budget"),
    ("22 solves, big rhs", " + ".join([_SOLVE] * 22), "work budget"),
    # empty and broadcast reductions
    ("empty-axis mean", "np.mean(np.eye(0, 3*10**8), axis=0)", "size limit"),
    ("empty-axis norm", "np.linalg.norm(np.eye(0, 3*10**8), axis=0)", "size limit"),
    ("empty trace of a stack", "np.trace(np.eye(0, 10**8)[None])", "size limit"),
    ("empty broadcast, reduced",
     "np.sum(np.eye(0, 10**4)[:, :, None] + np.eye(0, 10**4)[:, None, :], axis=0)", "size limit"),
    ("broadcast product", "np.sum(np.ones_like(np.eye(3000))[:, None, :] * "
     "np.ones_like(np.eye(3000))[None, :, :])", "size limit"),
    # deep nesting
    ("nested 150 deep", "np.exp(" * 150 + "X" + ")" * 150, "nested too deeply"),
    ("nested big arrays", "np.exp(" * 90 + "np.eye(3000)" + ")" * 90, "memory budget"),
    # big right-hand sides
    ("one solve, big rhs", _SOLVE, "work budget"),
    ("batched solve", "np.linalg.solve(np.eye(100)[None] + np.zeros_like(np.eye(1000))"
     "[:, :1, None], np.eye(100, 1000))", "size limit"),
    # repeated squaring
    ("squaring by names", "A = np.eye(1000) + X[0, 0]; B = A @ A; C = B @ B; D = C @ C; "
     "X * np.sum(D)", "work budget"),
    ("matrix_power 2**60", "np.linalg.matrix_power(np.eye(1000), 2**60)", "work budget"),
    ("squaring a scalar", "X * 2 ** 2 ** 2 ** 2 ** 2 ** 2", "too large"),
    # long chains of assignments
    ("chain of big names", "; ".join(f"a{i} = np.ones_like(np.eye(3000))" for i in range(40))
     + "; X", "memory budget"),
    ("chain of updates", "a0 = np.eye(3000); " + "; ".join(f"a{i} = a{i - 1} + 1"
                                                         for i in range(1, 90)) + "; X",
     "memory budget"),
    ("too many statements", "; ".join(f"a{i} = X" for i in range(150)) + "; X",
     "too many statements"),
]


@pytest.fixture
def peaks(monkeypatch):
    """The peak memory (MiB) of every sandbox child the command starts."""
    seen: list[float] = []
    close = Sandbox.close

    def recording_close(self):
        close(self)
        if self.peak_rss_mib is not None:
            seen.append(self.peak_rss_mib)

    monkeypatch.setattr(sandbox_module.Sandbox, "close", recording_close)
    return seen


@pytest.mark.parametrize(("name", "text", "message"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attacks_are_refused_with_exit_2_in_one_line(name, text, message, capsys, peaks):
    start = time.monotonic()
    status = main(["try", "1b", text, "--time-limit", "30"])
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    assert status == 2, out + err
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("gradients: error: ") and message in err, err
    assert seconds < 30
    assert all(p < MIB for p in peaks), peaks


def test_a_candidate_within_the_estimates_is_stopped_by_the_cpu_limit(capsys):
    # 90 allocations of 9 million elements would be refused; 4 are not, but 25 inputs and the
    # shrinking make hundreds of evaluations: the CPU limit of the child stops it
    text = "np.sum(np.exp(np.exp(np.exp(np.eye(3000))))) * X"
    start = time.monotonic()
    status = main(["try", "1b", text, "--cpu-limit", "1"])
    _, err = capsys.readouterr()
    assert status == 2 and "exceeded the CPU-time limit of 1 s (--cpu-limit" in err
    assert len(err.strip().splitlines()) == 1
    assert time.monotonic() - start < 20


def test_the_wall_clock_limit_covers_the_whole_try(capsys):
    text = "np.sum(np.exp(np.exp(np.exp(np.eye(3000))))) * X"
    start = time.monotonic()
    status = main(["try", "1b", text, "--time-limit", "1.5"])
    _, err = capsys.readouterr()
    assert status == 2 and "exceeded its wall-clock limit of 1.5 s (--time-limit" in err
    assert time.monotonic() - start < 5


_LAUNCHER = """\
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{usage.ru_maxrss / 1024} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run_measured(tmp_path: Path, *args: str) -> tuple[int, str, str, float, float]:
    """``python -m gradients ARGS``: status, stdout, stderr, seconds, and the peak resident
    MiB of the command and its sandbox child together (``wait4`` in a small launcher)."""
    stats = tmp_path / "usage.txt"
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, str(stats), sys.executable, "-m",
                          "gradients", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    peak = float(stats.read_text().split()[0])
    return out.returncode, out.stdout, out.stderr, time.monotonic() - start, peak


@pytest.mark.parametrize("index", [0, 2], ids=[ATTACKS[0][0], ATTACKS[2][0]])
def test_the_issue_attacks_as_processes_with_their_peak_memory(index, tmp_path):
    _, text, message = ATTACKS[index]
    status, out, err, seconds, peak = _run_measured(tmp_path, "try", "1b", text)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert seconds < DEFAULT_LIMITS.time_seconds
    assert peak < MIB
