r"""What a proof is about: a loss and its formula written symbolically, and a candidate answer.

A :class:`SymbolicForm` is one gradient (or Hessian, step, maximiser, Jacobian, VJP) written
as *builders*: functions ``builder(o, **variables)`` that use only the operations of ``o``
(``o.tr``, ``o.inv``, ``o.sigmoid``, ``@``, ``.T``, ...), so that the same text can be
evaluated with explicit SymPy matrices of symbolic entries (exact proofs at fixed sizes) and
with ``MatrixSymbol``\ s of symbolic size (proofs for all sizes). The catalog's forms live in
:mod:`gradients.catalog.symbolic`; a :class:`Candidate` is an answer to be proved or refuted
against one of them.

>>> form = SymbolicForm(id="frob", shapes={"A": ("n", "m"), "X": ("n", "m")},
...                     loss_args=("A", "X"), answer_args=("A", "X"), wrt="X",
...                     loss=lambda o, A, X: o.tr(A.T @ X), answer=lambda o, A, X: A,
...                     dims={"n": 2, "m": 2})
>>> form.kind, form.dims["n"]
('gradient', 2)
>>> Candidate("A.T", builder=lambda o, A, X: A.T).label
'A.T'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Builder", "Candidate", "SymbolicForm"]

Builder = Callable[..., Any]
"""``builder(o, **variables)``: a loss or a formula in the operations of ``o``."""


@dataclass(frozen=True)
class SymbolicForm:
    """One catalog entry, symbolically.

    Attributes
    ----------
    id : str
        The catalog id.
    shapes : mapping of str to tuple
        Every variable of the loss and of the answer, with its numpy shape in size names
        (``("N", "D")``, ``("D",)``, ``()`` for a scalar).
    loss_args, answer_args : tuple of str
        The arguments of the numpy loss and of the numpy answer, in order (the answer's are
        the derivation's ``variables``: the names a candidate uses).
    wrt : str
        The differentiated variable.
    loss, answer : callable
        Builders ``loss(o, **variables)`` and ``answer(o, **variables)``: the loss, and the
        catalog's formula (a gradient, a new ``w`` for a step, a maximiser ``w*``).
    kind : str
        ``"gradient"``, ``"step"`` (the answer is ``w - lr * gradient``), ``"stationary"``
        (the answer is a point where the gradient of the loss vanishes), ``"hessian"`` (the
        second derivative, of the variable's shape twice), ``"hvp"`` (the Hessian applied to
        the direction :attr:`direction`), ``"newton"`` (the answer is
        ``w - H^{-1} gradient``), ``"jacobian"`` (``loss`` is a map, the answer its Jacobian,
        of shape :attr:`out_shape` + the variable's) or ``"vjp"`` (``loss`` is a map, the
        answer ``u -> (dF/dV)^T u`` with ``u`` the :attr:`direction`).
    dims : mapping of str to int
        Largest value of each size for the exact checks at fixed sizes.
    params : mapping of str to tuple of int
        Discrete parameters fixed per proof (``{"k": (0, ..., 6)}``).
    labels : mapping of str to tuple
        Variables whose entries are labels, and the set they are drawn from.
    positive, nonnegative : tuple of str
        Scalars known to be ``> 0`` (``sigma``, ``lr``) or ``>= 0`` (``lam``).
    size_ok : callable, optional
        ``size_ok(sizes) -> bool``: sizes where the entry is defined (4-mle: ``D <= N``),
        and ``size_rule`` the same in words.
    general : bool
        Whether SymPy's matrix calculus is tried for the symbolic sizes.
    direction : str
        For a Hessian-vector product its direction, for a vector-Jacobian product the vector
        ``u`` (a name among :attr:`shapes`).
    out_shape : tuple of str
        For a map (``"jacobian"``, ``"vjp"``): the numpy shape of its value, in size names.
    """

    id: str
    shapes: Mapping[str, tuple[str, ...]]
    loss_args: tuple[str, ...]
    answer_args: tuple[str, ...]
    wrt: str
    loss: Builder
    answer: Builder
    kind: str = "gradient"
    dims: Mapping[str, int] = field(default_factory=dict)
    params: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    labels: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    positive: tuple[str, ...] = ()
    nonnegative: tuple[str, ...] = ()
    size_ok: Callable[[Mapping[str, int]], bool] | None = None
    size_rule: str = ""
    general: bool = True
    direction: str = "V"
    out_shape: tuple[str, ...] = ()

    @property
    def lr(self) -> str:
        """The learning rate's name (a step entry)."""
        return "lr"


@dataclass(frozen=True)
class Candidate:
    r"""A candidate answer for a symbolic form, in the forms the prover can use.

    Attributes
    ----------
    label : str
        How it is named in results (the expression, a mistake's id, ...).
    builder : callable, optional
        ``builder(o, **variables)`` as the builders of :mod:`gradients.catalog.symbolic`:
        used at symbolic and at fixed sizes.
    general : callable, optional
        ``general(variables) -> sympy matrix expression`` in the ``MatrixSymbol``\ s of
        :func:`gradients.catalog.prove.general_variables`: used at symbolic sizes.
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
