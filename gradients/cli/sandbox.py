"""The sandbox of ``gradients try``: a candidate evaluated in a child process under OS limits.

The text a user types is parsed and checked against the grammar here, in the command's own
process (:func:`gradients.cli.expr.parse_program`); it is *evaluated* only in a child process
(:mod:`gradients.cli.sandbox_worker`) that the operating system holds to

* an address-space limit (``RLIMIT_AS``, default :data:`DEFAULT_LIMITS`: 1 GiB): numpy raises
  ``MemoryError`` beyond it, reported as a breach of the memory limit;
* a CPU-time limit for *all* the candidate's evaluations together (``RLIMIT_CPU``, default
  10 s): the kernel stops the child (``SIGXCPU``);
* no core dumps and no file writes (``RLIMIT_CORE = RLIMIT_FSIZE = 0``), no inherited file
  descriptors, a neutral working directory, one BLAS/OpenMP thread;

and the whole ``try`` (every evaluation, shrinking included) has a wall-clock budget (default
60 s), enforced here: a child that does not answer in time is killed. The interpreter's own
estimates (:data:`~gradients.cli.expr.grammar.MAX_WORK`, ``MAX_ELEMENTS``, ``MAX_ALLOCATED``)
stay as the first line: they refuse a costly operation before it starts, with a message
naming it; the OS limits are the guarantee that holds when an estimate is wrong.

A breach of any limit raises :class:`LimitExceeded`, a ``BaseException`` (not an
``Exception``) so that it passes through the engine and hypothesis, which count an
``Exception`` raised by a gradient as a failing gradient: the command reports it as a
one-line refusal (exit status 2). An evaluation error (a singular matrix, a shape mismatch)
is an :class:`~gradients.cli.expr.ExpressionError` raised to the caller: a failing candidate
on that input.

The child speaks a small protocol on its stdin and stdout: length-prefixed frames, a JSON
header describing each array by a numeric dtype and a shape, and the arrays' raw bytes; the
parent bounds every frame it reads and checks each array's dtype and size. Nothing the child
sends is unpickled or evaluated.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CEILINGS",
    "DEFAULT_LIMITS",
    "FLOORS",
    "LimitExceeded",
    "Limits",
    "Sandbox",
]


@dataclass(frozen=True)
class Limits:
    """The limits of one ``try``: the child's memory and CPU time, and the wall-clock budget."""

    memory_mib: int = 1024
    """Address space of the child process, in MiB (``RLIMIT_AS``)."""
    cpu_seconds: int = 10
    """CPU time of the child process, all evaluations together (``RLIMIT_CPU``, whole
    seconds)."""
    time_seconds: float = 60.0
    """Wall-clock time of the whole ``try``: every evaluation and the shrinking."""


DEFAULT_LIMITS = Limits()
#: the most a flag may ask for
CEILINGS = Limits(memory_mib=4096, cpu_seconds=120, time_seconds=900.0)
#: the least that makes sense: the child needs about 200 MiB of address space to load numpy
FLOORS = Limits(memory_mib=256, cpu_seconds=1, time_seconds=1.0)

_FLAGS = {"memory": "--memory-limit", "cpu": "--cpu-limit", "time": "--time-limit"}

#: the largest frames the parent reads: a JSON header, and an array of MAX_ELEMENTS complex
#: numbers (the interpreter's own limit; the child's result is checked against it again)
_MAX_HEADER = 1 << 16
_MAX_FRAME = 16 * 10**7
_HEADER = struct.Struct(">I")

#: interpreter estimates the parent may relax for the child, e.g. to show the OS limits at work
_STATIC_LIMITS = ("MAX_ELEMENTS", "MAX_WORK", "MAX_ALLOCATED")

_BOOTSTRAP = """\
import resource, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
from gradients.cli.sandbox_worker import serve
serve()
"""


class LimitExceeded(BaseException):  # noqa: N818 - a refusal, not an error of the program
    """A limit of the sandbox was reached: ``limit`` is ``"memory"``, ``"cpu"``, ``"time"``,
    or one of the interpreter's estimates (``"size"``, ``"work"``, ``"allocation"``).

    A ``BaseException``, so that the engine and hypothesis, which treat an ``Exception`` from
    a gradient as a failing gradient, let it through to the command.
    """

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit
        self.message = message

    def __str__(self) -> str:
        return self.message


class SandboxError(RuntimeError):
    """The child process could not be started or broke the protocol."""


# --- frames --------------------------------------------------------------------------------


def encode_message(header: Mapping[str, Any], arrays: Sequence[np.ndarray] = ()) -> bytes:
    """A JSON header frame (with each array's dtype and shape) and one raw frame per array."""
    # np.asarray(order="C"), not np.ascontiguousarray: that one makes a scalar (shape ())
    # an array of shape (1,), and a right scalar answer would come back with a wrong shape
    arrays = [np.asarray(a, order="C") for a in arrays]
    specs = [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays]
    body = json.dumps({**header, "arrays": specs}).encode()
    parts = [_HEADER.pack(len(body)), body]
    for a in arrays:
        data = a.tobytes()
        parts += [_HEADER.pack(len(data)), data]
    return b"".join(parts)


def decode_array(spec: Mapping[str, Any], data: bytes) -> np.ndarray:
    """An array from its spec and raw bytes: numeric dtypes only, the size checked."""
    try:
        dtype = np.dtype(str(spec["dtype"]))
        shape = tuple(int(n) for n in spec["shape"])
    except (TypeError, ValueError, KeyError) as exc:
        raise SandboxError(f"bad array description {spec!r}: {exc}") from None
    if dtype.kind not in "biufc" or dtype.hasobject or any(n < 0 for n in shape):
        raise SandboxError(f"refusing an array of dtype {dtype} and shape {shape}")
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise SandboxError("an array's bytes do not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def encode_arguments(args: Sequence[Any]) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """Describe the arguments of a call: Python scalars by value, arrays as frames."""
    specs: list[dict[str, Any]] = []
    arrays: list[np.ndarray] = []
    for a in args:
        if isinstance(a, (bool, np.bool_)):
            specs.append({"kind": "array"})
            arrays.append(np.asarray(a))
        elif isinstance(a, (int, np.integer)):
            specs.append({"kind": "int", "value": int(a)})
        elif isinstance(a, (float, np.floating)):
            specs.append({"kind": "float", "value": float(a)})
        else:
            array = np.asarray(a)
            if array.dtype.kind not in "biufc":
                raise TypeError(f"argument of dtype {array.dtype} can't be sent to the sandbox")
            specs.append({"kind": "array"})
            arrays.append(array)
    return specs, arrays


def decode_arguments(specs: Sequence[Mapping[str, Any]], arrays: Sequence[np.ndarray]):
    """The inverse of :func:`encode_arguments`."""
    out: list[Any] = []
    pending = iter(arrays)
    for spec in specs:
        kind = spec["kind"]
        if kind == "int":
            out.append(int(spec["value"]))
        elif kind == "float":
            out.append(float(spec["value"]))
        else:
            out.append(next(pending))
    return tuple(out)


# --- the parent's side ---------------------------------------------------------------------


def _package_root() -> str:
    import gradients

    return str(Path(gradients.__file__).resolve().parents[1])


class Sandbox:
    """A child process that evaluates one candidate text, called like the candidate.

    ``Sandbox(text, variables, limits)`` is a context manager; inside it,
    ``sandbox(*values)`` evaluates the candidate in the child and returns the array, raises
    :class:`~gradients.cli.expr.ExpressionError` for an evaluation error, or
    :class:`LimitExceeded`. ``deadline`` (a :func:`time.monotonic` time) ends the wall-clock
    budget; by default ``limits.time_seconds`` from the start. ``peak_rss_mib`` and
    ``peak_vm_mib`` hold the child's peak resident and virtual memory as it last reported them
    (with every answer; a child stopped mid-evaluation cannot report its last), and after the
    context ``cpu_seconds`` its CPU time (from ``wait4``).

    The text is validated in this process first (``ExpressionError`` for a refused text).

    >>> with Sandbox("2 * X.T", ("X",)) as candidate:
    ...     candidate(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 6.],
           [4., 8.]])
    """

    def __init__(
        self,
        text: str,
        variables: Sequence[str],
        limits: Limits = DEFAULT_LIMITS,
        *,
        deadline: float | None = None,
        static_limits: Mapping[str, int] | None = None,
    ) -> None:
        from gradients.cli.expr import parse_program

        parse_program(text, variables)  # refused here, before any process is started
        self.text = text
        self.variables = tuple(variables)
        self.limits = limits
        self.deadline = deadline
        unknown = set(static_limits or {}) - set(_STATIC_LIMITS)
        if unknown:
            raise ValueError(f"unknown static limits {sorted(unknown)}")
        self.static_limits = dict(static_limits or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss_mib: float | None = None
        self.peak_vm_mib: float | None = None
        self.cpu_seconds: float | None = None
        self.evaluations = 0
        self.transposed_1d: set[str] = set()
        """The operands the candidate applied ``.T`` to while 1-D (where it does nothing), as
        text, e.g. ``{"w"}``: reported by the child after each evaluation."""
        self._buffer = bytearray()

    # lifecycle
    def __enter__(self) -> Sandbox:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.limits.time_seconds
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONINSPECT", "PYTHONSTARTUP")}
        path = [_package_root(), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env.update(
            PYTHONPATH=os.pathsep.join(path), PYTHONDONTWRITEBYTECODE="1",
            OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
            VECLIB_MAXIMUM_THREADS="1", NUMEXPR_NUM_THREADS="1",
        )
        memory = int(self.limits.memory_mib) * 2**20
        cpu = max(1, math.ceil(self.limits.cpu_seconds))
        self.proc = subprocess.Popen(
            [sys.executable, "-B", "-c", _BOOTSTRAP, str(memory), str(cpu)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd="/", close_fds=True, start_new_session=True,
        )
        header, _ = self._exchange(
            {"op": "start", "text": self.text, "variables": list(self.variables),
             "static": self.static_limits}, (), starting=True,
        )
        if not header.get("ok"):
            self._raise(header)

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        if proc.returncode is None:
            deadline = time.monotonic() + 2.0
            while proc.returncode is None and time.monotonic() < deadline:
                if not self._reap(proc, block=False):
                    time.sleep(0.01)
            if proc.returncode is None:
                proc.kill()
                self._reap(proc, block=True)
        if proc.stdout is not None:
            proc.stdout.close()

    def _reap(self, proc: subprocess.Popen[bytes], block: bool) -> bool:
        """Wait for the child with ``wait4``, keeping its resource usage."""
        if proc.returncode is not None:
            return True
        try:
            pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            proc.returncode = proc.returncode if proc.returncode is not None else -1
            return True
        if pid == 0:
            return False
        proc.returncode = os.waitstatus_to_exitcode(status)
        # (not usage.ru_maxrss: it counts this process's memory at the fork before the exec)
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return True

    # calls
    def __call__(self, *args: Any) -> np.ndarray:
        from gradients.cli.expr import ExpressionError

        specs, arrays = encode_arguments(args)
        header, results = self._exchange({"op": "eval", "args": specs}, arrays)
        self.evaluations += 1
        self.transposed_1d.update(str(t) for t in header.get("transposed_1d") or ())
        if header.get("ok"):
            if len(results) != 1:
                raise SandboxError("the sandbox answered without a result")
            return results[0]
        if header.get("error") == "evaluation":
            raise ExpressionError(str(header.get("message", "could not be evaluated")))
        self._raise(header)
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise(self, header: Mapping[str, Any]) -> None:
        from gradients.cli.expr import ExpressionError

        error, message = header.get("error"), str(header.get("message", ""))
        if error == "expression":  # pragma: no cover - validated in this process first
            raise ExpressionError(message)
        if error == "limit":
            limit = str(header.get("limit", "memory"))
            if limit == "memory":
                raise LimitExceeded("memory", self._memory_message(message))
            raise LimitExceeded(limit, f"refused: {message}")
        raise SandboxError(message or "the sandbox failed")

    def _memory_message(self, detail: str = "") -> str:
        tail = f" ({detail})" if detail else ""
        return (f"refused: the candidate exceeded the memory limit of {self.limits.memory_mib} "
                f"MiB ({_FLAGS['memory']}){tail}")

    def _time_message(self) -> str:
        return (f"refused: the try exceeded its wall-clock limit of "
                f"{self.limits.time_seconds:g} s ({_FLAGS['time']}; every evaluation and the "
                f"shrinking together)")

    # the protocol
    def _exchange(self, header: Mapping[str, Any], arrays: Sequence[np.ndarray],
                  starting: bool = False) -> tuple[dict[str, Any], list[np.ndarray]]:
        proc = self.proc
        if proc is None:
            raise SandboxError("the sandbox is not running")
        assert self.deadline is not None
        if time.monotonic() >= self.deadline:
            raise LimitExceeded("time", self._time_message())
        try:
            self._write(proc, encode_message(header, arrays))
            reply = json.loads(self._read_frame(proc, _MAX_HEADER).decode())
            specs = reply["arrays"]
            if not isinstance(specs, list) or len(specs) > 1:
                raise ValueError("at most one array per answer")
            results = [decode_array(spec, self._read_frame(proc)) for spec in specs]
            self._note_memory(reply)
        except _ChildGone:
            self._died(starting)
            raise AssertionError("unreachable") from None  # pragma: no cover
        except (ValueError, KeyError, TypeError) as exc:
            raise SandboxError(f"the sandbox broke the protocol: {exc}") from None
        return reply, results

    def _note_memory(self, reply: Mapping[str, Any]) -> None:
        for key, attr in (("rss_kib", "peak_rss_mib"), ("vm_kib", "peak_vm_mib")):
            if isinstance(reply.get(key), int):
                value = reply[key] / 1024.0
                setattr(self, attr, max(getattr(self, attr) or 0.0, value))

    def _write(self, proc: subprocess.Popen[bytes], data: bytes) -> None:
        assert proc.stdin is not None
        fd = proc.stdin.fileno()
        view = memoryview(data)
        while view:
            self._wait(proc, fd, write=True)
            try:
                n = os.write(fd, view[: 1 << 16])
            except (BrokenPipeError, OSError):
                raise _ChildGone from None
            view = view[n:]

    def _read_frame(self, proc: subprocess.Popen[bytes], limit: int = _MAX_FRAME) -> bytes:
        (n,) = _HEADER.unpack(self._read_exact(proc, _HEADER.size))
        if n > limit:
            raise SandboxError(f"the sandbox sent a frame of {n} bytes (at most {limit})")
        return self._read_exact(proc, n)

    def _read_exact(self, proc: subprocess.Popen[bytes], n: int) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while len(self._buffer) < n:
            self._wait(proc, fd, write=False)
            chunk = os.read(fd, max(n - len(self._buffer), 1 << 16))
            if not chunk:
                raise _ChildGone
            self._buffer += chunk
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def _wait(self, proc: subprocess.Popen[bytes], fd: int, write: bool) -> None:
        assert self.deadline is not None
        remaining = self.deadline - time.monotonic()
        if remaining > 0:
            ready = select.select([], [fd], [], remaining) if write else select.select(
                [fd], [], [], remaining)
            if ready[1 if write else 0]:
                return
        proc.kill()
        self._reap(proc, block=True)
        raise LimitExceeded("time", self._time_message())

    def _died(self, starting: bool) -> None:
        """The child closed its end: find out why and raise accordingly."""
        proc = self.proc
        assert proc is not None
        self._reap(proc, block=True)
        code = proc.returncode
        cpu = self.cpu_seconds or 0.0
        if code in (-signal.SIGXCPU, -signal.SIGKILL) and cpu >= self.limits.cpu_seconds - 0.5:
            raise LimitExceeded(
                "cpu", f"refused: the candidate exceeded the CPU-time limit of "
                f"{self.limits.cpu_seconds:g} s ({_FLAGS['cpu']}; all its evaluations together)"
            )
        if starting:
            raise LimitExceeded(
                "memory", f"refused: the sandbox could not start within the memory limit of "
                f"{self.limits.memory_mib} MiB ({_FLAGS['memory']}; loading numpy needs about "
                f"200 MiB); exit status {code}"
            )
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            raise LimitExceeded(
                "memory", self._memory_message(f"the sandbox process was stopped by {name}")
            )
        raise SandboxError(f"the sandbox process ended unexpectedly (exit status {code})")


class _ChildGone(Exception):
    """The child's end of a pipe is closed."""
