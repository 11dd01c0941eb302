r"""The prover: each formula of the catalog proved with SymPy, for all sizes where it can be.

For an entry of :data:`gradients.catalog.CATALOG` with a symbolic form
(:mod:`gradients.catalog.symbolic`) the prover establishes, in this order:

1. **For all sizes.** SymPy's matrix calculus differentiates the loss written in
   ``MatrixSymbol``\ s of symbolic size (``X`` of shape ``(n, n)``); the result and the catalog's
   formula are brought to a canonical form -- expanded, transposes pushed down to the symbols,
   inverses cancelled against their argument, scalar coefficients collected, terms sorted -- and
   compared. Equal canonical forms are an identity of the matrix algebra, for every size. This
   trusts SymPy's matrix calculus (which has bugs: the derivative of a scalar ``Add`` of a
   constant and a ``Trace`` comes out as 0 in SymPy 1.14, and an elementwise function gives
   array contractions or errors), so it counts only together with step 2.
2. **Exactly at fixed sizes.** At every size up to the entry's bounds (``n <= 3``, ...) the
   loss is written with explicit matrices of symbolic entries (``X[0,1]``), differentiated
   entry by entry with ordinary scalar calculus, and the difference to the formula is reduced
   to zero: exponentials, sigmoids and ``tanh`` become rational functions of the sigmoids of
   the (canonical) pre-activations, ``exp(p) = s/(1 - s)`` with ``s = sigma(p)``, treated as
   independent symbols (an inverse is its adjugate times a symbol for ``1/det``, cleared by
   multiplying with the determinant), and the difference's numerator expands to 0 -- an exact
   proof at that size, for all values of the entries (and labels).
3. **Refutation.** Where the difference does not reduce to zero, it is evaluated at random
   points (rational entries, labels from their set, 30 significant digits); a clearly
   non-zero value refutes the formula at that size, the smallest one where it happens, with
   the symbolic difference and the point as the witness.

The status says exactly what was shown (:data:`STATUSES`):

``"proved for all sizes"``
    1 and 2 (and, for a catalog entry, the symbolic form agrees numerically with the numpy
    code: :attr:`ProofResult.faithful`).
``"proved exactly at small sizes"``
    2 only, at the sizes listed in :attr:`ProofResult.sizes`.
``"numerical evidence only"``
    neither: no size could be decided (or the symbolic form does not match the numpy code);
    the finite-difference checks of ``gradients verify`` are then all there is.
``"refuted"``
    3: :attr:`ProofResult.witness` has the size, the difference and the point.

SymPy is optional: this module imports it on first use, and :func:`sympy_available` says
whether it is there (:data:`INSTALL_HINT` says how to get it).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradients.catalog.symbolic import MISTAKE_FORMS, SHEET, SYMBOLIC, SymbolicForm

__all__ = [
    "INSTALL_HINT",
    "NUMERICAL",
    "PROVED_ALL",
    "PROVED_SIZES",
    "REFUTED",
    "STATUSES",
    "Candidate",
    "ProofResult",
    "SymPyMissing",
    "Witness",
    "compare_loss",
    "evaluate_builder",
    "exact_inverse",
    "functions",
    "general_variables",
    "prove",
    "prove_candidate",
    "status_of",
    "sympy_available",
]

PROVED_ALL = "proved for all sizes"
PROVED_SIZES = "proved exactly at small sizes"
NUMERICAL = "numerical evidence only"
REFUTED = "refuted"
STATUSES = (PROVED_ALL, PROVED_SIZES, NUMERICAL, REFUTED)
"""The four statuses, strongest first (refuted last)."""

INSTALL_HINT = (
    "proving needs SymPy: python -m pip install 'gradcheck-suite[prove]' "
    "(or python -m pip install sympy)"
)
"""One line: how to install what :func:`prove` needs."""

DEFAULT_BUDGET = 120.0
"""Seconds after which no further (larger) size is started for one entry."""

_ZERO_DIGITS = 30  # significant digits of a witness evaluation
_NONZERO = 1e-12  # a witness value above this (at 30 digits) is not round-off


class SymPyMissing(ImportError):
    """SymPy is not installed; the message is :data:`INSTALL_HINT`."""


def sympy_available() -> bool:
    """Whether SymPy can be imported."""
    try:
        import sympy  # noqa: F401
    except ImportError:
        return False
    return True


def _sympy() -> Any:
    try:
        import sympy
    except ImportError:
        raise SymPyMissing(INSTALL_HINT) from None
    return sympy


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    r"""A candidate answer for a catalog entry, in the forms the prover can use.

    Attributes
    ----------
    label : str
        How it is named in results (the expression, a mistake's id, ...).
    builder : callable, optional
        ``builder(o, **variables)`` as the builders of :mod:`gradients.catalog.symbolic`:
        used at symbolic and at fixed sizes.
    general : callable, optional
        ``general(variables) -> sympy matrix expression`` in the ``MatrixSymbol``\ s of
        :func:`general_variables`: used at symbolic sizes.
    explicit : callable, optional
        ``explicit(*args)`` with the derivation's arguments as numpy ``object`` arrays of
        SymPy symbols (vectors 1-d, scalars SymPy symbols, ``k`` an ``int``), returning an
        array: used at fixed sizes. Works for many numpy expressions (``X.T @ w``,
        ``np.outer``); not for code that converts to ``float``.
    """

    label: str
    builder: Callable[..., Any] | None = None
    general: Callable[[Mapping[str, Any]], Any] | None = None
    explicit: Callable[..., Any] | None = None


def _as_candidate(candidate: Any) -> Candidate:
    sp = _sympy()
    if isinstance(candidate, Candidate):
        return candidate
    if isinstance(candidate, str):
        if candidate in MISTAKE_FORMS:
            return Candidate(candidate, builder=MISTAKE_FORMS[candidate])
        if candidate in SHEET:
            return Candidate(candidate, builder=SHEET[candidate].answer)
        raise ValueError(
            f"{candidate!r} is neither a mistake id nor a sheet answer; pass a numpy expression "
            "through gradients.cli.prove (the sandbox parses it) or a Candidate"
        )
    if isinstance(candidate, sp.Basic):
        expr = candidate
        return Candidate(str(expr), general=lambda v: expr)
    if callable(candidate):
        name = getattr(candidate, "__name__", "candidate")
        return Candidate(name, explicit=candidate)
    raise TypeError(f"cannot prove a candidate of type {type(candidate).__name__}")


# --------------------------------------------------------------------------- the two backends


class _Ops:
    """The operations a builder is written with, at fixed sizes (explicit SymPy matrices)."""

    general = False

    def __init__(self) -> None:
        self.sp = sp = _sympy()
        self.pi = sp.pi

    def ones(self, r: Any, c: Any) -> Any:
        return self.sp.ones(r, c)

    def zeros(self, r: Any, c: Any) -> Any:
        return self.sp.zeros(r, c)

    def eye(self, n: Any) -> Any:
        return self.sp.eye(n)

    def had(self, *ms: Any) -> Any:
        return functools.reduce(lambda a, b: a.multiply_elementwise(b), ms)

    def sigmoid(self, m: Any) -> Any:
        return m.applyfunc(lambda a: 1 / (1 + self.sp.exp(-a)))

    def tanh(self, m: Any) -> Any:
        return m.applyfunc(self.sp.tanh)

    def softplus(self, m: Any) -> Any:
        return m.applyfunc(lambda a: self.sp.log(1 + self.sp.exp(a)))

    def sum(self, m: Any) -> Any:
        return self.sp.Matrix([[sum(m)]])

    def tr(self, m: Any) -> Any:
        return m.trace()

    def pow(self, m: Any, k: int) -> Any:
        return m**k

    def inv(self, m: Any) -> Any:
        return exact_inverse(m)

    def diag(self, v: Any) -> Any:
        return self.sp.diag(*v)

    def zero_tensor(self, *shape: int) -> Any:
        return np.full(shape, self.sp.Integer(0), dtype=object)

    def const(self, c: Any) -> Any:
        return self.sp.Matrix([[c]])

    def log_scalar(self, c: Any) -> Any:
        return self.sp.log(c)

    def sqrt_scalar(self, c: Any) -> Any:
        return self.sp.sqrt(c)


class _GeneralOps(_Ops):
    """The same operations at symbolic sizes (SymPy matrix expressions)."""

    general = True

    def ones(self, r: Any, c: Any) -> Any:
        return self.sp.OneMatrix(r, c)

    def zeros(self, r: Any, c: Any) -> Any:
        return self.sp.ZeroMatrix(r, c)

    def eye(self, n: Any) -> Any:
        return self.sp.Identity(n)

    def had(self, *ms: Any) -> Any:
        return self.sp.HadamardProduct(*ms)

    def _apply(self, m: Any, body: Callable[[Any], Any]) -> Any:
        d = self.sp.Symbol("_d", real=True)  # one name: equal functions compare equal
        return m.applyfunc(self.sp.Lambda(d, body(d)))

    def sigmoid(self, m: Any) -> Any:
        return self._apply(m, lambda a: 1 / (1 + self.sp.exp(-a)))

    def tanh(self, m: Any) -> Any:
        return self._apply(m, self.sp.tanh)

    def softplus(self, m: Any) -> Any:
        return self._apply(m, lambda a: self.sp.log(1 + self.sp.exp(a)))

    def sum(self, m: Any) -> Any:
        r, c = m.shape
        return self.sp.OneMatrix(1, r) @ m @ self.sp.OneMatrix(c, 1)

    def tr(self, m: Any) -> Any:
        return self.sp.Trace(m)

    def pow(self, m: Any, k: int) -> Any:
        return self.sp.Identity(m.shape[0]) if k == 0 else self.sp.MatPow(m, k)

    def inv(self, m: Any) -> Any:
        return self.sp.Inverse(m)

    def diag(self, v: Any) -> Any:
        return self.sp.DiagMatrix(v)

    def zero_tensor(self, *shape: Any) -> Any:
        return self.sp.S.Zero  # the zero of any shape: compared as "does not depend on it"

    def const(self, c: Any) -> Any:
        return c * self.sp.Identity(1)


def _scalar_symbol(name: str, form: SymbolicForm) -> Any:
    sp = _sympy()
    if name in form.positive:
        return sp.Symbol(name, positive=True)
    if name in form.nonnegative:
        return sp.Symbol(name, nonnegative=True)
    return sp.Symbol(name, real=True)


@functools.cache
def _size_symbol(name: str) -> Any:
    return _sympy().Symbol(name, integer=True, positive=True)


def general_variables(derivation_id: str) -> dict[str, Any]:
    r"""The variables of an entry at symbolic size: ``MatrixSymbol``\ s and scalar symbols.

    A vector is a column (``D x 1``). Write a candidate for :func:`prove_candidate` in these::

        v = general_variables("1b")
        prove_candidate("1b", 3 * (v["X"] ** 2).T)
    """
    form = _form(derivation_id)
    return _general_variables(form)


def _general_variables(form: SymbolicForm) -> dict[str, Any]:
    sp = _sympy()
    out = {}
    for name, shape in form.shapes.items():
        if not shape:
            out[name] = _scalar_symbol(name, form)
        else:
            dims = [_size_symbol(d) for d in shape] + ([1] if len(shape) == 1 else [])
            out[name] = sp.MatrixSymbol(name, *dims)
    return out


def _explicit_variables(form: SymbolicForm, sizes: Mapping[str, int]) -> dict[str, Any]:
    """Explicit matrices of symbols (``X[0,1]``, ``w[2]``); vectors as columns."""
    sp = _sympy()
    out = {}
    for name, shape in form.shapes.items():
        if not shape:
            out[name] = _scalar_symbol(name, form)
        elif len(shape) == 1:
            out[name] = sp.Matrix(sizes[shape[0]], 1,
                                  lambda i, j, n=name: sp.Symbol(f"{n}[{i}]", real=True))
        else:
            out[name] = sp.Matrix(sizes[shape[0]], sizes[shape[1]],
                                  lambda i, j, n=name: sp.Symbol(f"{n}[{i},{j}]", real=True))
    return out


def _form(derivation_id: str) -> SymbolicForm:
    try:
        return SYMBOLIC[derivation_id]
    except KeyError:
        known = ", ".join(SYMBOLIC)
        raise KeyError(f"no symbolic form for derivation id {derivation_id!r}; "
                       f"known: {known}") from None


@functools.cache
def functions() -> tuple[Any, Any]:
    """SymPy's ``sigmoid`` and ``softplus``: functions that know their derivatives.

    ``sigmoid(x) = 1 / (1 + e^{-x})`` with ``sigmoid' = sigmoid (1 - sigmoid)`` and
    ``softplus(x) = ln(1 + e^x)`` with ``softplus' = sigmoid``: derivatives stay polynomials in
    the sigmoids, which keeps the exact checks fast. Both rewrite to ``exp`` (``.rewrite(exp)``).
    """
    sp = _sympy()

    class sigmoid(sp.Function):  # noqa: N801 - printed as the sandbox's name
        """The logistic function, ``1 / (1 + exp(-x))``."""

        @classmethod
        def eval(cls, x: Any) -> Any:
            if x.is_Float:  # a number to evaluate, not an expression to prove
                return 1 / (1 + sp.exp(-x))
            return None

        def fdiff(self, argindex: int = 1) -> Any:
            s = self.func(self.args[0])
            return s * (1 - s)

        def _eval_rewrite_as_exp(self, x: Any, **kwargs: Any) -> Any:
            return 1 / (1 + sp.exp(-x))

    class softplus(sp.Function):  # noqa: N801
        """``ln(1 + exp(x))``."""

        @classmethod
        def eval(cls, x: Any) -> Any:
            if x.is_Float:
                return sp.log(1 + sp.exp(x))
            return None

        def fdiff(self, argindex: int = 1) -> Any:
            return sigmoid(self.args[0])

        def _eval_rewrite_as_exp(self, x: Any, **kwargs: Any) -> Any:
            return sp.log(1 + sp.exp(x))

    return sigmoid, softplus


def _sigmoid_ops(ops: _Ops) -> _Ops:
    sig, soft = functions()
    ops.sigmoid = lambda m: m.applyfunc(sig)  # type: ignore[method-assign]
    ops.softplus = lambda m: m.applyfunc(soft)  # type: ignore[method-assign]
    return ops


# --------------------------------------------------------------------------- exact zero test

_INVERSE_DETS: dict[Any, Any] = {}
"""Each symbol ``d`` made by an exact inverse, with the determinant it is the reciprocal of."""


def exact_inverse(m: Any) -> Any:
    """The inverse of an explicit SymPy matrix of symbols, as ``adj(m) * d``.

    ``d`` is a new symbol standing for ``1 / det(m)``: the exact checks clear it by
    multiplying with the determinant (:func:`_without_inverses`) instead of bringing a sum of
    fractions over a common denominator, and evaluation puts ``1 / det(m)`` back.
    """
    sp = _sympy()
    det = m.det()
    if det.is_number:
        return m.inv()
    d = sp.Dummy("inv_det")
    _INVERSE_DETS[d] = det
    return m.adjugate() * d


def _without_inverses(e: Any) -> Any:
    """``e`` times a power of each determinant it divides by, as a polynomial in ``1/det``.

    ``e = sum_i c_i d^i`` with ``d = 1/det`` is zero iff ``sum_i c_i det^(k - i)`` is (``det``
    is a non-zero polynomial): the inverse's denominator cleared without ``together``.
    """
    sp = _sympy()
    for d in [s for s in e.free_symbols if s in _INVERSE_DETS]:
        poly = sp.Poly(sp.expand(e), d)
        k = poly.degree()
        det = _INVERSE_DETS[d]
        e = sum((c * det ** (k - i) for (i,), c in poly.terms()), sp.Integer(0))
    return e


def _with_inverses(e: Any) -> Any:
    """``e`` with each inverse's symbol replaced by ``1 / det`` (for evaluation and display)."""
    found = {s: 1 / _INVERSE_DETS[s] for s in e.free_symbols if s in _INVERSE_DETS}
    return e.xreplace(found) if found else e


def _exact(e: Any) -> Any:
    """Floats (from numpy code) as the exact rationals they are."""
    sp = _sympy()
    e = sp.sympify(e)
    floats = e.atoms(sp.Float)
    return e.xreplace({f: sp.Rational(f) for f in floats}) if floats else e


def _reduced(e: Any) -> Any:
    """``e`` as a rational function of the entries and of one symbol per sigmoid.

    Every ``sigmoid(c p)``, ``exp(c p)`` and ``tanh(c p / 2)`` (``p`` a canonical, sign-normalised
    primitive polynomial, ``c`` an integer) becomes a polynomial or rational function of one
    symbol ``s_p`` standing for ``sigmoid(p)``: ``sigmoid(-p) = 1 - s_p``,
    ``exp(p) = s_p / (1 - s_p)``, ``tanh(p / 2) = 2 s_p - 1``. These are identities, so a
    result that is 0 as a rational function in independent symbols is 0 -- the converse need
    not hold (``sigmoid(2p)`` is left alone, and relations between different ``p`` are not
    used): the test is sound, not complete.
    """
    sp = _sympy()
    sig, soft = functions()
    atoms: dict[Any, Any] = {}

    def key(arg: Any) -> tuple[Any, Any]:
        arg = sp.expand(arg)
        c, p = arg.as_content_primitive()
        if p.could_extract_minus_sign():
            c, p = -c, -p
        return c, p

    def symbol(p: Any) -> Any:
        if p not in atoms:
            atoms[p] = sp.Dummy(f"s{len(atoms)}")
        return atoms[p]

    def on_sigmoid(arg: Any) -> Any:
        c, p = key(arg)
        if c == 1:
            return symbol(p)
        if c == -1:
            return 1 - symbol(p)
        return sig(arg)

    def on_exp(arg: Any) -> Any:
        c, p = key(arg)
        if not c.is_integer:
            return sp.exp(arg)
        s = symbol(p)
        return (s / (1 - s)) ** c

    e = _exact(e)
    present = {type(f) for f in e.atoms(sp.Function)} | ({sp.exp} if e.has(sp.exp) else set())
    if sp.tanh in present:
        e = e.replace(sp.tanh, lambda u: 2 * sig(2 * u) - 1)
        present.add(sig)
    if sig in present:
        e = e.replace(sig, on_sigmoid)
    if sp.exp in present:
        e = e.replace(sp.exp, on_exp)
    return e


def _is_zero(e: Any) -> bool:
    """Exactly zero (proved), or not shown to be."""
    sp = _sympy()
    e = _exact(e)
    if e == 0:
        return True
    e = _without_inverses(e)
    r = _reduced(e)
    if r == 0:
        return True
    if r.is_polynomial():  # nothing to bring over a common denominator
        return bool(sp.expand(r) == 0)
    num, _ = sp.fraction(sp.together(r))
    return bool(sp.expand(num) == 0)


def _numeric(e: Any) -> Any:
    """``e`` with the sigmoid and softplus written through ``exp`` (for evaluation)."""
    sp = _sympy()
    sig, soft = functions()
    e = _with_inverses(sp.sympify(e))
    e = e.replace(sig, lambda u: 1 / (1 + sp.exp(-u)))
    return e.replace(soft, lambda u: sp.log(1 + sp.exp(u)))


# --------------------------------------------------------------------------- sizes


def _all_sizes(form: SymbolicForm) -> list[dict[str, int]]:
    dims = list(form.dims)
    combos = itertools.product(*(range(1, form.dims[d] + 1) for d in dims))
    sizes = [dict(zip(dims, c, strict=True)) for c in combos]
    if form.size_ok is not None:
        sizes = [s for s in sizes if form.size_ok(s)]
    return sorted(sizes, key=lambda s: (sum(s.values()), tuple(s.values())))


def _param_sets(form: SymbolicForm) -> list[dict[str, int]]:
    names = list(form.params)
    return [dict(zip(names, vals, strict=True))
            for vals in itertools.product(*(form.params[n] for n in names))]


# --------------------------------------------------------------------------- fixed sizes


@dataclass
class _Outcome:
    kind: str  # "zero", "refuted", "undecided"
    witness: Witness | None = None
    labels_needed: bool = False


def _answer_shape(form: SymbolicForm, sizes: Mapping[str, int]) -> tuple[int, ...]:
    """The numpy shape of the answer: the differentiated variable's, twice for a Hessian."""
    shape = tuple(sizes[d] for d in form.shapes[form.wrt])
    if form.kind == "jacobian":
        return tuple(sizes[d] for d in form.out_shape) + shape
    return shape + shape if form.kind == "hessian" else shape


def _to_numpy(value: Any, shape: tuple[str, ...] | None) -> Any:
    """An explicit variable as the numpy code sees it: 1-d vectors, 0-d scalars as symbols."""
    if shape is None or not isinstance(value, _sympy().MatrixBase):
        return value
    array = np.array(value.tolist(), dtype=object)
    return array.reshape(-1) if len(shape) == 1 else array


def _as_array(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    sp = _sympy()
    if isinstance(value, sp.MatrixBase):
        array = np.array(value.tolist(), dtype=object)
        if len(shape) == 1 and array.shape == (shape[0], 1):
            array = array.reshape(-1)
        return array
    return np.asarray(value, dtype=object)


def _answer_at(form: SymbolicForm, cand: Candidate | None, values: Mapping[str, Any],
               sizes: Mapping[str, int]) -> Any:
    sp = _sympy()
    o = _sigmoid_ops(_Ops())
    args = {a: values[a] for a in form.answer_args}
    if cand is None:
        return form.answer(o, **args)
    if cand.builder is not None:
        return cand.builder(o, **args)
    if cand.explicit is not None:
        shaped = [_to_numpy(values[a], form.shapes.get(a)) for a in form.answer_args]
        return cand.explicit(*shaped)
    assert cand.general is not None
    general = _general_variables(form)
    expr = cand.general({**general, **{k: v for k, v in values.items() if k not in general}})
    swap = {general[n]: sp.ImmutableMatrix(values[n]) if isinstance(values[n], sp.MatrixBase)
            else values[n] for n in general}
    swap.update({_size_symbol(d): sizes[d] for d in sizes})
    out = expr.xreplace(swap)
    out = out.doit() if hasattr(out, "doit") else out
    return out.as_explicit() if hasattr(out, "as_explicit") else out


def _scalar_loss(loss: Any) -> Any:
    sp = _sympy()
    if isinstance(loss, sp.MatrixBase):
        if loss.shape != (1, 1):
            raise ValueError(f"a loss must be 1 x 1, got shape {loss.shape}")
        return loss[0, 0]
    return loss


def _difference(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                params: Mapping[str, int], loss_builder: Callable[..., Any] | None,
                what: str) -> tuple[np.ndarray | None, str, dict[str, Any]]:
    """``(difference, shape_message, values)`` at one size: zero where the claim holds."""
    sp = _sympy()
    values: dict[str, Any] = {**_explicit_variables(form, sizes), **params}
    o = _sigmoid_ops(_Ops())
    if form.kind in ("jacobian", "vjp"):
        return _map_difference(form, cand, sizes, values)
    true_loss = _scalar_loss(form.loss(o, **{a: values[a] for a in form.loss_args}))
    if what == "loss":
        assert loss_builder is not None
        other = _scalar_loss(loss_builder(o, **{a: values[a] for a in form.loss_args}))
        return np.array([[other - true_loss]], dtype=object), "", values
    loss = true_loss if loss_builder is None else _scalar_loss(
        loss_builder(o, **{a: values[a] for a in form.loss_args}))
    V = values[form.wrt]
    shape = tuple(sizes[d] for d in form.shapes[form.wrt])
    if loss.is_polynomial(*V):  # a sum of monomials differentiates fast; a product tree not
        loss = sp.expand(loss)
    grad = _as_array(V.applyfunc(lambda x: sp.diff(loss, x)), shape)
    expected = _answer_shape(form, sizes)
    array = _as_array(_answer_at(form, cand, values, sizes), expected)
    if array.shape != expected:
        what = {"stationary": "maximiser", "step": "new w", "newton": "new w",
                "hessian": "Hessian", "hvp": "Hessian-vector product"}.get(form.kind, "gradient")
        return None, (f"the candidate has shape {array.shape}, the {what} has shape "
                      f"{expected}"), values
    array = np.vectorize(_exact, otypes=[object])(array)
    w = _as_array(V, shape)
    entries = list(w.ravel())
    if form.kind == "step":
        implied = (w - array) / values[form.lr]
        return implied - grad, "", values
    if form.kind == "stationary":
        swap = {a: b for a, b in zip(entries, array.ravel(), strict=True)}
        return np.vectorize(lambda g: sp.sympify(g).xreplace(swap), otypes=[object])(grad), \
            "", values
    if form.kind == "hessian":
        hessian = np.array([[sp.diff(g, x) for x in entries] for g in grad.ravel()],
                           dtype=object).reshape(expected)
        return array - hessian, "", values
    if form.kind == "hvp":
        # H V = grad <grad L, V> (mixed partials commute): n + n derivatives, not n^2
        direction = list(_as_array(values[form.direction], shape).ravel())
        along = sum((g * v for g, v in zip(grad.ravel(), direction, strict=True)),
                    sp.Integer(0))
        hvp = np.array([sp.diff(along, x) for x in entries], dtype=object).reshape(shape)
        return array - hvp, "", values
    if form.kind == "newton":
        hessian = np.array([[sp.diff(g, x) for x in entries] for g in grad.ravel()],
                           dtype=object)
        implied = hessian.dot(w.ravel() - array.ravel())
        return (implied - grad.ravel()).reshape(shape), "", values
    return array - grad, "", values


def _map_difference(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                    values: dict[str, Any]) -> tuple[np.ndarray | None, str, dict[str, Any]]:
    """:func:`_difference` for a map ``F``: its Jacobian, or ``grad <u, F>`` for a VJP."""
    sp = _sympy()
    o = _sigmoid_ops(_Ops())
    F = form.loss(o, **{a: values[a] for a in form.loss_args})
    V = values[form.wrt]
    entries = list(V)
    if form.kind == "vjp":
        u = values[form.direction]
        along = sum((a * b for a, b in zip(u, F, strict=True)), sp.Integer(0))
        truth = np.array([sp.diff(along, x) for x in entries], dtype=object)
    else:
        truth = np.array([[sp.diff(f, x) for x in entries] for f in F], dtype=object)
    expected = _answer_shape(form, sizes)
    truth = truth.reshape(expected)
    array = _as_array(_answer_at(form, cand, values, sizes), expected)
    if array.shape != expected:
        what = "Jacobian" if form.kind == "jacobian" else "vector-Jacobian product"
        return None, (f"the candidate has shape {array.shape}, the {what} has shape "
                      f"{expected}"), values
    return np.vectorize(_exact, otypes=[object])(array) - truth, "", values


def _point(form: SymbolicForm, values: Mapping[str, Any], rng: random.Random) -> dict[Any, Any]:
    sp = _sympy()
    point: dict[Any, Any] = {}
    choices = [sp.Rational(n, 2) for n in range(-5, 6) if n]
    for name, value in values.items():
        if name not in form.shapes:
            continue
        symbols = list(value) if isinstance(value, sp.MatrixBase) else [value]
        for s in symbols:
            if name in form.labels:
                point[s] = sp.Integer(rng.choice(form.labels[name]))
            elif name in form.positive:
                point[s] = sp.Rational(rng.randint(1, 6), 2)
            elif name in form.nonnegative:
                point[s] = sp.Rational(rng.randint(0, 6), 2)
            else:
                point[s] = rng.choice(choices)
    return point


def _evaluate(e: Any, point: Mapping[Any, Any]) -> Any:
    sp = _sympy()
    value = _numeric(e).xreplace(point)
    try:
        value = sp.N(value, _ZERO_DIGITS)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    try:
        complex(value)
    except TypeError:
        return None
    return value


def _display(array: np.ndarray, zero: np.ndarray) -> str:
    sp = _sympy()
    shown = np.empty(array.shape, dtype=object)
    for idx in np.ndindex(array.shape):
        e = _with_inverses(sp.sympify(array[idx]))
        if zero[idx]:
            shown[idx] = sp.Integer(0)
            continue
        try:
            shown[idx] = sp.factor(sp.simplify(e)) if sp.count_ops(e) < 150 else e
        except Exception:  # noqa: BLE001 - display only; the raw difference is as good
            shown[idx] = e
    text = str(sp.Matrix(shown.reshape(shown.shape[0], -1) if shown.ndim else [[shown[()]]]))
    if shown.ndim == 1:
        text = str(list(shown))
    return text if len(text) <= 800 else text[:800] + " ..."


def _check_size(form: SymbolicForm, cand: Candidate | None, sizes: Mapping[str, int],
                params: Mapping[str, int], loss_builder: Callable[..., Any] | None = None,
                what: str = "answer") -> _Outcome:
    sp = _sympy()
    at = {**sizes, **params}
    diff, shape_message, values = _difference(form, cand, sizes, params, loss_builder, what)
    label = "candidate's loss - loss" if what == "loss" else {
        "stationary": "gradient of the loss at the candidate",
        "step": "implied gradient (w - candidate) / lr - derivative",
        "newton": "H (w - candidate) - gradient, H the Hessian",
        "hessian": "candidate - Hessian",
        "hvp": "candidate - Hessian applied to V",
        "jacobian": "candidate - Jacobian",
        "vjp": "candidate - (dF/dV)^T u",
    }.get(form.kind, "candidate - derivative")
    if diff is None:
        return _Outcome("refuted", Witness(at, "", shape=shape_message))
    zero = np.vectorize(_is_zero, otypes=[bool])(diff)
    if zero.all():
        return _Outcome("zero")
    open_ = [idx for idx in np.ndindex(diff.shape) if not zero[idx]]
    rng = random.Random(0)
    for _ in range(6):
        point = _point(form, values, rng)
        best = None
        for idx in open_:
            v = _evaluate(diff[idx], point)
            if v is not None and (best is None or abs(v) > abs(best[1])):
                best = (idx, v)
        if best is not None and abs(best[1]) > _NONZERO:
            used = set().union(*(sp.sympify(diff[i]).free_symbols for i in open_))
            shown = {str(k): str(v) for k, v in point.items() if k in used}
            return _Outcome("refuted", Witness(
                at, _display(diff, zero), shown, str(sp.N(best[1], 12)),
                tuple(int(i) for i in best[0]), what=label))
    if form.labels:  # zero for every label value, perhaps, though not for symbolic labels
        label_symbols = [(s, form.labels[n]) for n in form.labels
                         for s in (values[n] if isinstance(values[n], sp.MatrixBase)
                                   else [values[n]])]
        combos = itertools.product(*(vals for _, vals in label_symbols))
        if all(_is_zero(sp.sympify(diff[idx]).xreplace(
                {s: sp.Integer(c) for (s, _), c in zip(label_symbols, combo, strict=True)}))
               for combo in combos for idx in open_):
            return _Outcome("zero", labels_needed=True)
    return _Outcome("undecided")


# --------------------------------------------------------------------------- symbolic sizes


def _canonical(e: Any, t: bool = False) -> dict[tuple[Any, ...], Any]:
    """A matrix expression as a polynomial in the free algebra: ``{word: coefficient}``.

    Products are expanded, transposes pushed down to the symbols (``(AB)^T = B^T A^T``),
    integer powers written out, ``M (M)^{-1}`` cancelled, scalar coefficients collected. Any
    other node (an elementwise function, a Hadamard product) is an opaque letter, compared by
    its structure. Equal polynomials are equal matrices for every size.
    """
    sp = _sympy()
    if isinstance(e, sp.MatAdd):
        out: dict[tuple[Any, ...], Any] = {}
        for arg in e.args:
            _accumulate(out, _canonical(arg, t))
        return out
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        polys = [_canonical(m, t) for m in mats]
        if t:
            polys.reverse()
        result: dict[tuple[Any, ...], Any] = {(): coeff}
        for p in polys:
            result = _product(result, p)
        return result
    if isinstance(e, sp.MatPow):
        base, k = e.args
        if k.is_integer and k >= 0:
            result = {(): sp.Integer(1)}
            for _ in range(int(k)):
                result = _product(result, _canonical(base, t))
            return result
        if k.is_integer:
            inv = {(("inv", _frozen(_canonical(base, t))),): sp.Integer(1)}
            result = {(): sp.Integer(1)}
            for _ in range(int(-k)):
                result = _product(result, inv)
            return result
    if isinstance(e, sp.Transpose):
        return _canonical(e.arg, not t)
    if isinstance(e, sp.Inverse):
        inner = _canonical(e.arg, t)
        return {(("inv", _frozen(inner)),): sp.Integer(1)}
    if isinstance(e, sp.Identity):
        return {(): sp.Integer(1)}
    if isinstance(e, sp.ZeroMatrix):
        return {}
    if isinstance(e, sp.MatrixSymbol):
        return {((e.name, t),): sp.Integer(1)}
    return {(("opaque", sp.srepr(e), t),): sp.Integer(1)}


def _frozen(poly: Mapping[tuple[Any, ...], Any]) -> tuple[Any, ...]:
    sp = _sympy()
    return tuple(sorted(((w, sp.cancel(c)) for w, c in poly.items() if c != 0), key=str))


def _accumulate(out: dict[tuple[Any, ...], Any], poly: Mapping[tuple[Any, ...], Any]) -> None:
    for w, c in poly.items():
        out[w] = out.get(w, 0) + c


def _cancel_inverses(word: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """Remove ``M M^{-1}`` and ``M^{-1} M`` for an inverse of a single term ``c M``."""
    sp = _sympy()
    factor = sp.Integer(1)
    changed = True
    while changed:
        changed = False
        for i, letter in enumerate(word):
            if not (isinstance(letter, tuple) and letter and letter[0] == "inv"):
                continue
            terms = letter[1]
            if len(terms) != 1:
                continue
            w, c = terms[0]
            n = len(w)
            if n and tuple(word[i - n:i]) == w and i - n >= 0:
                word = word[:i - n] + word[i + 1:]
            elif n and tuple(word[i + 1:i + 1 + n]) == w:
                word = word[:i] + word[i + 1 + n:]
            else:
                continue
            factor = factor / c
            changed = True
            break
    return word, factor


_MAX_TERMS = 4096  # a canonical form larger than this is not attempted


def _product(p: Mapping[tuple[Any, ...], Any],
             q: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    if len(p) * len(q) > _MAX_TERMS:
        raise ValueError(f"the expanded form has more than {_MAX_TERMS} terms")
    out: dict[tuple[Any, ...], Any] = {}
    for w1, c1 in p.items():
        for w2, c2 in q.items():
            word, factor = _cancel_inverses(w1 + w2)
            out[word] = out.get(word, 0) + c1 * c2 * factor
    return out


def _poly_is_zero(poly: Mapping[tuple[Any, ...], Any]) -> bool:
    sp = _sympy()
    return all(sp.simplify(c) == 0 for c in poly.values())


def _subtract(p: Mapping[tuple[Any, ...], Any],
              q: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    out = dict(p)
    for w, c in q.items():
        out[w] = out.get(w, 0) - c
    return out


def _pointwise(e: Any, x: Any) -> tuple[Any, Any, tuple[str, ...]] | None:
    """``e`` as ``others * h.(base)``: ``(base, h(x), others)``, or ``None``.

    For an expression of elementwise functions of one matrix ``base`` (``f.(c base)``, sums,
    scalar multiples, Hadamard products and powers, the all-ones matrix), times Hadamard
    factors that are not functions of it (``others``, by structure): then two such
    expressions with the same ``base`` and ``others`` are equal at every size iff the scalar
    functions ``h`` are equal -- a one-variable identity the exact zero test decides.
    """
    sp = _sympy()
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    if isinstance(e, ElementwiseApplyFunction):
        arg = e.expr
        coeff, mats = arg.as_coeff_matrices() if isinstance(arg, sp.MatMul) else (1, [arg])
        base, scale = (mats[0], coeff) if len(mats) == 1 else (arg, 1)
        return base, e.function(scale * x), ()
    if isinstance(e, sp.OneMatrix):
        return None, sp.Integer(1), ()
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        if len(mats) == 1:
            inner = _pointwise(mats[0], x)
            return None if inner is None else (inner[0], coeff * inner[1], inner[2])
        return None, sp.Integer(1), (sp.srepr(e),)
    if isinstance(e, sp.HadamardPower):
        inner = _pointwise(e.base, x)
        if inner is None or not e.exp.is_Integer:
            return None
        return inner[0], inner[1] ** e.exp, inner[2] * int(e.exp)
    if isinstance(e, (sp.HadamardProduct, sp.MatAdd)):
        parts = [_pointwise(a, x) for a in e.args]
        if any(p is None for p in parts):
            return None
        bases = {p[0] for p in parts if p[0] is not None}
        if len(bases) > 1:
            return None
        base = bases.pop() if bases else None
        if isinstance(e, sp.HadamardProduct):
            body = functools.reduce(lambda a, b: a * b, (p[1] for p in parts))
            return base, body, tuple(sorted(sum((p[2] for p in parts), ())))
        if len({p[2] for p in parts}) != 1:
            return None
        return base, sum((p[1] for p in parts), sp.Integer(0)), parts[0][2]
    if isinstance(e, sp.MatrixExpr):
        return None, sp.Integer(1), (sp.srepr(e),)
    return None


def _elementwise_equal(a: Any, b: Any) -> bool:
    """Equal at every size by :func:`_pointwise` (inside ``DiagMatrix`` on both sides)."""
    sp = _sympy()

    def undiag(e: Any) -> tuple[bool, Any]:
        if isinstance(e, sp.DiagMatrix):
            return True, e.args[0]
        if isinstance(e, sp.MatMul):
            coeff, mats = e.as_coeff_matrices()
            if len(mats) == 1 and isinstance(mats[0], sp.DiagMatrix):
                return True, coeff * mats[0].args[0]
        return False, e

    (da, a), (db, b) = undiag(a), undiag(b)
    if da != db:
        return False
    x = sp.Symbol("x", real=True)
    pa, pb = _pointwise(a, x), _pointwise(b, x)
    if pa is None or pb is None or pa[2] != pb[2] or None in (pa[0], pb[0]):
        return False
    return bool(pa[0] == pb[0] and _is_zero(pa[1] - pb[1]))


@functools.lru_cache(maxsize=256)
def _general_derivative(form_id: str, loss_builder: Callable[..., Any] | None,
                        params: tuple[tuple[str, int], ...]) -> Any:
    """SymPy's derivative of the loss at symbolic sizes, or why there is none (a ``str``
    with an ``{at}`` field). Cached: it depends on neither the candidate nor the sizes."""
    sp = _sympy()
    form = SYMBOLIC[form_id]
    o = _GeneralOps()
    variables = _general_variables(form)
    values = {**variables, **dict(params)}
    V = variables[form.wrt]
    expected = tuple(V.shape)
    try:
        loss = (loss_builder or form.loss)(o, **{a: values[a] for a in form.loss_args})
        if form.kind == "vjp":  # the gradient of <u, F>
            loss = sp.Trace(variables[form.direction].T @ loss)
        G = loss.diff(V)
        if form.kind == "jacobian":
            # SymPy's layout for a column by a column is (input, output): transpose it
            expected = (loss.shape[0], V.shape[0])
            if V.shape[1] != 1 or loss.shape[1] != 1:
                return ("a Jacobian{at} of a matrix map is a 4-d array, beyond SymPy's "
                        "matrix expressions")
            G = G.T if isinstance(G, sp.MatrixExpr) else G
    except Exception as exc:  # noqa: BLE001 - SymPy's limits, reported as such
        why = f"{type(exc).__name__}: {exc}".replace("{", "{{").replace("}", "}}")
        return f"SymPy's matrix calculus failed{{at}}: {why}"[:300]
    if not isinstance(G, sp.MatrixExpr):
        return (f"SymPy's derivative{{at}} is an array expression ({type(G).__name__}), not "
                "a matrix expression")
    if tuple(G.shape) != expected:
        return f"SymPy's derivative{{at}} has shape {G.shape}, not {expected}"
    return G


def _general(form: SymbolicForm, cand: Candidate | None,
             loss_builder: Callable[..., Any] | None) -> str:
    """``"match"``, or why SymPy's matrix calculus did not prove the formula for all sizes."""
    sp = _sympy()
    if not form.general:
        return "not tried (elementwise nonlinearities)"
    if cand is not None and cand.builder is None and cand.general is None:
        return "no symbolic-size form of the candidate"
    o = _GeneralOps()
    variables = _general_variables(form)
    for params in _param_sets(form):
        values = {**variables, **params}
        V = variables[form.wrt]
        at = f" at {', '.join(f'{k} = {v}' for k, v in params.items())}" if params else ""
        G = _general_derivative(form.id, loss_builder, tuple(sorted(params.items())))
        if isinstance(G, str):
            return G.format(at=at)
        try:
            if cand is not None and cand.general is not None:
                answer = cand.general(values)
            else:
                builder = form.answer if cand is None else cand.builder
                answer = builder(o, **{a: values[a] for a in form.answer_args})
            if form.kind == "stationary":
                poly, target = _canonical(G.xreplace({V: answer})), G
            elif form.kind == "hessian":
                if answer == 0:  # the zero tensor: the gradient must not depend on V
                    poly, target = ({} if V not in G.free_symbols else {(): 1}), G
                else:
                    target = (G.diff(V) if V in G.free_symbols
                              else sp.ZeroMatrix(*answer.shape))
                    if not isinstance(target, sp.MatrixExpr):
                        return (f"SymPy's second derivative{at} is an array expression "
                                f"({type(target).__name__}), not a matrix expression")
                    poly = _subtract(_canonical(answer), _canonical(target))
            elif form.kind == "hvp":
                t = sp.Dummy("t")
                moved = _canonical(G.xreplace({V: V + t * variables[form.direction]}))
                target = {w: sp.diff(c, t).subs(t, 0) for w, c in moved.items()}
                poly = _subtract(_canonical(answer), target)
            elif form.kind == "newton":
                target = G.diff(V)
                poly = _subtract(_canonical(target @ (V - answer)), _canonical(G))
            else:
                if form.kind == "step":
                    answer = (V - answer) / values[form.lr]
                poly, target = _subtract(_canonical(answer), _canonical(G)), G
        except Exception as exc:  # noqa: BLE001
            return f"no canonical form{at}: {type(exc).__name__}: {exc}"[:300]
        if _poly_is_zero(poly):
            continue
        try:
            pointwise = form.kind in ("gradient", "jacobian", "vjp") and _elementwise_equal(
                answer, target)
        except Exception:  # noqa: BLE001 - not in that form: no proof this way
            pointwise = False
        if pointwise:
            continue  # elementwise functions of one argument, equal as scalar functions
        return f"canonical forms differ{at}: derivative {target}, formula {answer}"[:300]
    return "match"


# --------------------------------------------------------------------------- faithfulness


def evaluate_builder(derivation_id: str, builder: Callable[..., Any],
                     values: Mapping[str, Any], *, loss: bool = False) -> Any:
    """A builder's value at numbers: ``builder(o, **values)`` with float arrays in.

    ``values`` maps the entry's answer arguments (with ``loss``, its loss arguments) to numbers
    or numpy arrays (vectors 1-d, as the numpy code takes them; ``k`` an ``int``); the sizes
    are read off the arrays. Evaluated exactly at the floats given, rounded to float at the
    end: an array of the answer's numpy shape, or a float for a loss.
    """
    form = _form(derivation_id)
    args = form.loss_args if loss else form.answer_args
    return _evaluate_builder(form, builder, values, args, loss)


def _evaluate_builder(form: SymbolicForm, builder: Callable[..., Any],
                      numbers: Mapping[str, Any], args: Sequence[str], loss: bool) -> Any:
    sp = _sympy()
    values: dict[str, Any] = {}
    for name in args:
        if name not in form.shapes:
            values[name] = numbers[name]  # a fixed parameter (k)
            continue
        array = np.asarray(numbers[name], dtype=float)
        if array.ndim == 0:
            values[name] = sp.Float(float(array), _ZERO_DIGITS)
        else:
            rows = array.reshape(array.shape[0], -1)
            values[name] = sp.Matrix(rows.shape[0], rows.shape[1],
                                     lambda i, j, r=rows: sp.Float(float(r[i, j]), _ZERO_DIGITS))
    result = builder(_sigmoid_ops(_Ops()), **values)
    sizes = {d: n for name in args if name in form.shapes
             for d, n in zip(form.shapes[name], np.shape(numbers[name]), strict=True)}
    if loss and form.kind not in ("jacobian", "vjp"):
        return float(sp.N(_numeric(_scalar_loss(result)), _ZERO_DIGITS))
    shape = tuple(sizes[d] for d in form.out_shape) if loss else _answer_shape(form, sizes)
    array = _as_array(result, shape)
    return np.vectorize(lambda e: float(sp.N(_numeric(e), _ZERO_DIGITS)),
                        otypes=[float])(array)


def _faithful(form: SymbolicForm) -> tuple[float, str]:
    """Largest relative difference of the symbolic loss and answer from the numpy code.

    At one size (every dimension 2, or its bound if smaller), for every fixed parameter, at a
    random point (labels from their set); the symbolic side evaluated to 30 digits.
    """
    from gradients.catalog.table import get

    d = get(form.id)
    sizes = {dim: min(2, bound) for dim, bound in form.dims.items()}
    rng = np.random.default_rng(0)
    worst, where = 0.0, ""
    for params in _param_sets(form):
        numbers: dict[str, Any] = dict(params)
        for name, shape in form.shapes.items():
            dims = tuple(sizes[s] for s in shape)
            if name in form.labels:
                x = rng.choice(np.array(form.labels[name], dtype=float), size=dims)
            elif name == form.lr:
                x = np.float64(0.125)
            elif name in form.positive or name in form.nonnegative:
                x = rng.uniform(0.5, 2.0, size=dims)
            else:
                x = rng.standard_normal(dims)
            numbers[name] = x if dims else float(x)
        pairs = [
            ("loss", form.loss, form.loss_args, d.loss),
            ("answer", form.answer, form.answer_args, d.grad),
        ]
        for what, builder, args, fn in pairs:
            got = np.asarray(_evaluate_builder(form, builder, numbers, args, what == "loss"),
                             dtype=float)
            want = np.asarray(fn(*[numbers[a] for a in args]), dtype=float)
            got = got.reshape(want.shape)
            err = float(np.max(np.abs(got - want), initial=0.0)
                        / max(1.0, float(np.max(np.abs(want), initial=0.0))))
            if err >= worst:
                worst, where = err, what
    return worst, where


_FAITHFUL_TOL = 1e-9


# --------------------------------------------------------------------------- the prover


def _prove(form: SymbolicForm, cand: Candidate | None, *, budget: float,
           loss_builder: Callable[..., Any] | None = None, what: str = "answer",
           check_faithful: bool = False, label: str | None = None,
           max_size: int | None = None) -> ProofResult:
    start = time.perf_counter()
    if max_size is not None:
        form = dataclasses.replace(
            form, dims={d: max(1, min(b, max_size)) for d, b in form.dims.items()})
    notes: list[str] = []
    general = _general(form, cand, loss_builder) if what == "answer" else "not tried (a loss)"
    params_list = _param_sets(form)
    proved: list[dict[str, int]] = []
    undecided: list[dict[str, int]] = []
    labels_needed = False
    witness: Witness | None = None
    skipped: list[dict[str, int]] = []
    for sizes in _all_sizes(form):
        if time.perf_counter() - start > budget and proved:
            skipped.append(sizes)
            continue
        all_zero = True
        for params in params_list:
            try:
                outcome = _check_size(form, cand, sizes, params, loss_builder, what)
            except Exception as exc:
                if cand is None and loss_builder is None:
                    raise  # the catalog's own forms: a bug, not a verdict
                at = ", ".join(f"{k} = {v}" for k, v in {**sizes, **params}.items())
                notes.append(f"could not evaluate symbolically at {at}: "
                             f"{type(exc).__name__}: {exc}"[:300])
                outcome = _Outcome("undecided")
            if outcome.kind == "refuted":
                witness = outcome.witness
                break
            if outcome.kind == "undecided":
                undecided.append({**sizes, **params})
                all_zero = False
            labels_needed = labels_needed or outcome.labels_needed
        if witness is not None:
            break
        if all_zero:
            proved.append(sizes)
    if skipped:
        notes.append(f"{len(skipped)} larger sizes skipped (time budget {budget:g} s)")
    if undecided:
        notes.append("not decided at " + "; ".join(
            ", ".join(f"{k} = {v}" for k, v in u.items()) for u in undecided[:3]))
    if labels_needed:
        notes.append("the identity holds for the labels' values, not for every real label")
    faithful = None
    if check_faithful:
        faithful, where = _faithful(form)
        if faithful > _FAITHFUL_TOL:
            notes.append(f"the symbolic {where} differs from the numpy code "
                         f"(relative {faithful:.1e}): the proof is not about the code")
    if witness is not None:
        status = REFUTED
        if general == "match":
            notes.append("SymPy's matrix calculus claimed a match that the exact check refutes")
    elif faithful is not None and faithful > _FAITHFUL_TOL:
        status = NUMERICAL
    elif general == "match" and proved and not undecided:
        status = PROVED_ALL
    elif proved:
        status = PROVED_SIZES
    else:
        status = NUMERICAL
    return ProofResult(
        id=form.id, status=status, sizes=tuple(proved), bounds=dict(form.dims),
        seconds=time.perf_counter() - start, candidate=label, general=general,
        witness=witness, note="; ".join(notes), faithful=faithful,
        params={k: tuple(v) for k, v in form.params.items()}, size_rule=form.size_rule,
        complete=len(proved) == len(_all_sizes(form)),
    )


def prove(ids: Iterable[str] | None = None, candidate: Any = None, *,
          budget: float = DEFAULT_BUDGET, max_size: int | None = None) -> list[ProofResult]:
    """Prove the catalog's formulas (or one candidate), each as far as it goes.

    Parameters
    ----------
    ids : iterable of str, optional
        Catalog ids; default every entry, in the catalog's order.
    candidate : optional
        Prove this instead of the catalog's formula (``ids`` must then name one entry); see
        :func:`prove_candidate` for the forms accepted.
    budget : float
        Seconds per entry after which no larger size is started.
    max_size : int, optional
        Cap every dimension of the exact checks at this size (default: each entry's bounds,
        3 everywhere).

    Returns
    -------
    list of ProofResult
        One per id. An entry without a symbolic form gets ``"numerical evidence only"``.

    Raises
    ------
    SymPyMissing
        SymPy is not installed (an ``ImportError``; the message says how to install it).
    KeyError
        An unknown id.

    Examples
    --------
    >>> prove(["1a"])[0].status
    'proved for all sizes'
    >>> X = general_variables("1b")["X"]              # a MatrixSymbol of symbolic size
    >>> prove(["1b"], candidate=3 * X * X)[0].short()   # the sheet's missing transpose
    'refuted at n = 2'
    """
    from gradients.catalog.table import CATALOG, get

    _sympy()
    selected = [get(i).id for i in ids] if ids is not None else [d.id for d in CATALOG]
    if candidate is not None:
        if len(selected) != 1:
            raise ValueError("a candidate answers one entry: pass exactly one id")
        return [prove_candidate(selected[0], candidate, budget=budget, max_size=max_size)]
    results = []
    for derivation_id in selected:
        form = SYMBOLIC.get(derivation_id)
        if form is None:
            results.append(ProofResult(derivation_id, NUMERICAL,
                                       note="no symbolic form in gradients.catalog.symbolic"))
            continue
        results.append(_prove(form, None, budget=budget, check_faithful=True,
                              max_size=max_size))
    return results


def prove_candidate(derivation_id: str, candidate: Any = None, *,
                    loss: Callable[..., Any] | None = None, budget: float = DEFAULT_BUDGET,
                    label: str | None = None, max_size: int | None = None) -> ProofResult:
    """Prove or refute a candidate answer to a catalog entry.

    Parameters
    ----------
    derivation_id : str
        The entry it answers.
    candidate
        ``None`` (the catalog's own answer, e.g. with another ``loss``), or one of: a
        :class:`Candidate`; a mistake id of :mod:`gradients.catalog.mistakes` or
        the name of a sheet answer (:data:`gradients.catalog.symbolic.SHEET`); a SymPy matrix
        expression in the symbols of :func:`general_variables` (tried at symbolic sizes and at
        fixed sizes); a callable of the derivation's arguments evaluated on numpy ``object``
        arrays of SymPy symbols (fixed sizes only).
    loss : builder, optional
        A different loss to differentiate (``loss(o, **variables)``), e.g. the sheet's
        log-likelihood, to show that the catalog's maximiser maximises it too.
    budget : float
        Seconds after which no larger size is started.
    label : str, optional
        The candidate's name in the result (default: the mistake id, the expression, ...).
    max_size : int, optional
        Cap every dimension of the exact checks at this size.

    Returns
    -------
    ProofResult
        ``"refuted"`` with the witness at the smallest size where it is wrong, or what was
        proved.
    """
    form = _form(derivation_id)
    if candidate is None:
        return _prove(form, None, budget=budget, loss_builder=loss, max_size=max_size,
                      label=label or "the catalog's answer")
    cand = _as_candidate(candidate)
    return _prove(form, cand, budget=budget, loss_builder=loss, label=label or cand.label,
                  max_size=max_size)


def compare_loss(derivation_id: str, loss: Callable[..., Any], *, label: str = "loss",
                 budget: float = DEFAULT_BUDGET, max_size: int | None = None) -> ProofResult:
    """Whether ``loss`` (a builder) is the entry's loss: proved equal at fixed sizes, or refuted.

    The sheet's log-likelihood (:func:`gradients.catalog.symbolic.sheet_4_loss`) is refuted
    against entry ``"4"``'s: the witness shows the difference.
    """
    form = _form(derivation_id)
    return _prove(form, None, budget=budget, loss_builder=loss, what="loss", label=label,
                  max_size=max_size)


@functools.cache
def status_of(derivation_id: str) -> str:
    """The status of a catalog entry in a few words, for ``FORMULAS.md`` (computed once).

    ``"proved for all sizes"``, ``"proved for all sizes (k = 0..6)"``,
    ``"proved exactly at N, D <= 3"``, ``"numerical evidence only"``, or
    ``"numerical evidence only (SymPy not installed)"``.
    """
    if not sympy_available():
        return f"{NUMERICAL} (SymPy not installed)"
    return prove([derivation_id])[0].short()
