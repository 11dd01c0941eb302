"""What a proof established: its status, and for a refutation, the witness.

The status says exactly what was shown (:data:`STATUSES`, strongest first):

``"proved for all sizes"``
    the matrix-calculus identity holds (:mod:`gradients.proof.canonical`) and the exact
    checks at every fixed size agree (:mod:`gradients.proof.exact`);
``"proved exactly at small sizes"``
    the exact checks only, at the sizes listed in :attr:`ProofResult.sizes`;
``"numerical evidence only"``
    neither: no size could be decided (or the symbolic form does not match the numpy code);
``"refuted"``
    :attr:`ProofResult.witness` has the size, the difference and the point.

>>> r = ProofResult("1a", PROVED_SIZES, sizes=({"n": 1}, {"n": 2}), bounds={"n": 2})
>>> r.short()
'proved exactly at (n) in {1, 2}'
>>> ProofResult("1b", PROVED_ALL).short()
'proved for all sizes'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NUMERICAL", "PROVED_ALL", "PROVED_SIZES", "REFUTED", "STATUSES", "ProofResult",
           "Witness"]

PROVED_ALL = "proved for all sizes"
PROVED_SIZES = "proved exactly at small sizes"
NUMERICAL = "numerical evidence only"
REFUTED = "refuted"
STATUSES = (PROVED_ALL, PROVED_SIZES, NUMERICAL, REFUTED)
"""The four statuses, strongest first (refuted last)."""


@dataclass(frozen=True)
class Witness:
    """Where a formula was refuted: the size, the symbolic difference and a point.

    ``difference`` is ``candidate - derivative`` at that size (for a step, the implied
    gradient's; for a maximiser, the gradient of the loss at the candidate), as SymPy prints it;
    ``point`` the values of the entries where ``value`` (the largest entry of the difference
    there, at ``entry``) was computed. ``shape`` is set instead when the candidate has the
    wrong shape.
    """

    sizes: Mapping[str, int]
    difference: str
    point: Mapping[str, str] = field(default_factory=dict)
    value: str = ""
    entry: tuple[int, ...] = ()
    shape: str = ""
    what: str = "candidate - derivative"

    def __str__(self) -> str:
        at = ", ".join(f"{k} = {v}" for k, v in self.sizes.items())
        if self.shape:
            return f"at {at}: {self.shape}"
        lines = [f"at {at}: {self.what} = {self.difference}"]
        if self.point:
            values = ", ".join(f"{k} = {v}" for k, v in self.point.items())
            lines.append(f"  e.g. entry {self.entry} is {self.value} at {values}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"sizes": dict(self.sizes), "difference": self.difference,
                "point": dict(self.point), "value": self.value, "entry": list(self.entry),
                "shape": self.shape, "what": self.what}


@dataclass(frozen=True)
class ProofResult:
    """What was shown about one formula.

    Attributes
    ----------
    id : str
        The catalog entry.
    status : str
        One of :data:`STATUSES`.
    sizes : tuple of dict
        The fixed sizes (and parameters, e.g. ``k``) where the formula was proved exactly.
    bounds : dict
        The largest size of each dimension tried (``{"n": 3}``).
    seconds : float
        Wall-clock time taken.
    candidate : str or None
        What was proved: ``None`` for the catalog's own formula, else the candidate's label.
    general : str
        The outcome of SymPy's matrix calculus at symbolic sizes: ``"match"`` (the canonical
        forms agree, for every fixed parameter), or why it did not give a proof.
    witness : Witness or None
        For a refutation.
    note : str
        Anything else worth knowing (labels needed, sizes skipped for time, ...).
    faithful : float or None
        For a catalog entry: the largest relative difference between the symbolic form and
        the numpy code (loss and answer) at random points; ``None`` if not checked.
    params : dict
        The fixed parameters the proof covers (``{"k": (0, ..., 6)}``).
    size_rule : str
        Where the entry is defined, if not at every size (``"D <= N"``).
    complete : bool
        Every size within ``bounds`` (and ``size_rule``) was proved exactly.
    """

    id: str
    status: str
    sizes: tuple[Mapping[str, int], ...] = ()
    bounds: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    candidate: str | None = None
    general: str = ""
    witness: Witness | None = None
    note: str = ""
    faithful: float | None = None
    params: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    size_rule: str = ""
    complete: bool = False

    @property
    def ok(self) -> bool:
        """Not refuted."""
        return self.status != REFUTED

    @property
    def proved(self) -> bool:
        """Proved for all sizes or exactly at some sizes."""
        return self.status in (PROVED_ALL, PROVED_SIZES)

    def sizes_text(self) -> str:
        """The sizes proved exactly, briefly: ``"n <= 3"``, or a list."""
        return _sizes_text(self.sizes, self.bounds, self.size_rule, self.complete)

    def params_text(self) -> str:
        return ", ".join(f"{k} = {_range_text(v)}" for k, v in self.params.items())

    def summary(self) -> str:
        """The status in one line, e.g. ``"proved for all sizes (k = 0..6; exact at n <= 3)"``."""
        params = self.params_text()
        if self.status == PROVED_ALL:
            extra = f"{params}; " if params else ""
            return f"{PROVED_ALL} ({extra}cross-checked exactly at {self.sizes_text()})"
        if self.status == PROVED_SIZES:
            return f"proved exactly at {self.sizes_text()}"
        if self.status == REFUTED and self.witness is not None:
            at = ", ".join(f"{k} = {v}" for k, v in self.witness.sizes.items())
            return f"{REFUTED} at {at}"
        return self.status

    def short(self) -> str:
        """For ``FORMULAS.md``: ``"proved for all sizes"``, ``"proved exactly at n <= 3"``, ..."""
        if self.status == PROVED_ALL:
            params = self.params_text()
            return PROVED_ALL + (f" ({params})" if params else "")
        return self.summary()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProofResult:
        """The inverse of :meth:`as_dict` (results cross a process boundary as dicts)."""
        w = data.get("witness")
        witness = None if w is None else Witness(
            w["sizes"], w["difference"], w["point"], w["value"], tuple(w["entry"]),
            w["shape"], w["what"])
        return cls(
            id=data["id"], status=data["status"], sizes=tuple(data["sizes"]),
            bounds=data["bounds"], seconds=data["seconds"], candidate=data["candidate"],
            general=data["general"], witness=witness, note=data["note"],
            faithful=data["faithful"],
            params={k: tuple(v) for k, v in data["params"].items()},
            size_rule=data.get("size_rule", ""), complete=data.get("complete", False),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "candidate": self.candidate, "status": self.status,
            "summary": self.summary(), "sizes": [dict(s) for s in self.sizes],
            "bounds": dict(self.bounds), "params": {k: list(v) for k, v in self.params.items()},
            "general": self.general, "seconds": round(self.seconds, 3),
            "witness": None if self.witness is None else self.witness.as_dict(),
            "note": self.note, "faithful": self.faithful, "ok": self.ok,
            "size_rule": self.size_rule, "complete": self.complete,
        }


def _range_text(values: Sequence[int]) -> str:
    values = sorted(values)
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ", ".join(str(v) for v in values)


def _sizes_text(sizes: Sequence[Mapping[str, int]], bounds: Mapping[str, int], rule: str,
                complete: bool) -> str:
    if not sizes:
        return "no size"
    dims = list(bounds)
    if complete:
        if len(set(bounds.values())) == 1:
            text = ", ".join(dims) + f" <= {max(bounds.values())}"
        else:
            text = ", ".join(f"{d} <= {bounds[d]}" for d in dims)
        return text + (f" with {rule}" if rule else "")
    listed = sorted((tuple(s[d] for d in dims) for s in sizes), key=lambda c: (sum(c), c))
    return "(" + ", ".join(dims) + ") in {" + ", ".join(
        "(" + ", ".join(map(str, c)) + ")" if len(c) > 1 else str(c[0]) for c in listed) + "}"
