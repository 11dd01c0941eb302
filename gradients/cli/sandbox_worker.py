"""The child process of the sandbox: evaluate one candidate, call after call.

Started by :class:`gradients.cli.sandbox.Sandbox` with ``python -B -c BOOTSTRAP``, which sets
the operating-system limits (address space, CPU time, no core dumps, no file writes) *before*
importing this module, numpy or anything else. It reads the candidate text from the first
message, parses and validates it again (the same grammar as the parent), then answers each
``eval`` message with the value or an error, until its stdin is closed. Standard output is
the protocol channel: anything printed by accident goes to standard error (``/dev/null``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

__all__ = ["serve"]


def _read_exact(stream: BinaryIO, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def serve() -> None:
    """Answer the parent until it closes the channel."""
    # the protocol gets the real stdout; print() and warnings go to stderr
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(0), "rb")
    phase = ["starting (loading numpy)"]
    try:
        _serve(inp, out, phase)
    except MemoryError:  # outside an evaluation: loading numpy, decoding the arguments
        _send(out, {"ok": False, "error": "limit", "limit": "memory",
                    "message": f"out of memory while {phase[0]}"})


def _memory() -> dict[str, int]:
    """This process's peak resident and virtual memory, in KiB (``VmHWM``, ``VmPeak``).

    Read here rather than from ``wait4`` in the parent: a child's ``ru_maxrss`` counts the
    parent's memory at the fork before the ``exec``, not only the child's own.
    """
    try:
        with open("/proc/self/status", "rb") as fh:
            fields = dict(line.split(b":", 1) for line in fh.read().splitlines() if b":" in line)
        return {"rss_kib": int(fields[b"VmHWM"].split()[0]),
                "vm_kib": int(fields[b"VmPeak"].split()[0])}
    except (OSError, KeyError, ValueError):  # not Linux: the resident peak only
        import resource

        scale = 1 if sys.platform.startswith("linux") else 1 / 1024  # macOS: bytes
        return {"rss_kib": int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale)}


def _notes(candidate: Any) -> dict[str, Any]:
    """What the parent may tell the user about the evaluations so far: the operands ``.T``
    was applied to while 1-D (``compile_candidate``'s ``transposed_1d``)."""
    seen = getattr(candidate, "transposed_1d", None)
    return {"transposed_1d": sorted(seen)} if seen else {}


def _send(out: BinaryIO, header: dict[str, Any], arrays: tuple = ()) -> None:
    from gradients.cli.sandbox import encode_message

    out.write(encode_message({**header, **_memory()}, arrays))


def _serve(inp: BinaryIO, out: BinaryIO, phase: list[str]) -> None:
    import json
    import struct

    from gradients.cli.expr import ExpressionError, LimitError, compile_candidate, grammar
    from gradients.cli.sandbox import _STATIC_LIMITS, decode_arguments, decode_array

    size = struct.Struct(">I")

    def frame() -> bytes | None:
        head = _read_exact(inp, size.size)
        if head is None:
            return None
        return _read_exact(inp, size.unpack(head)[0])

    def message() -> tuple[dict[str, Any], list[Any]] | None:
        body = frame()
        if body is None:
            return None
        header = json.loads(body.decode())
        arrays = []
        for spec in header.get("arrays", []):
            data = frame()
            if data is None:
                return None
            arrays.append(decode_array(spec, data))
        return header, arrays

    first = message()
    if first is None:
        return
    start, _ = first
    for name, value in dict(start.get("static") or {}).items():
        if name in _STATIC_LIMITS:
            setattr(grammar, name, int(value))
    try:
        candidate = compile_candidate(start["text"], start["variables"])
    except ExpressionError as exc:
        _send(out, {"ok": False, "error": "expression", "message": str(exc)})
        return
    _send(out, {"ok": True})
    phase[0] = "receiving the arguments"
    while True:
        received = message()
        if received is None:
            return
        header, arrays = received
        args = decode_arguments(header["args"], arrays)
        try:
            value = candidate(*args)
        except LimitError as exc:
            _send(out, {"ok": False, "error": "limit", "limit": exc.limit, "message": str(exc)})
            continue
        except ExpressionError as exc:
            _send(out, {"ok": False, "error": "evaluation", "message": str(exc),
                        **_notes(candidate)})
            continue
        except MemoryError as exc:
            _send(out, {"ok": False, "error": "limit", "limit": "memory",
                        "message": f"out of memory: {exc}"})
            continue
        _send(out, {"ok": True, **_notes(candidate)}, (value,))
