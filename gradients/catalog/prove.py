r"""The catalog's formulas proved with SymPy (:mod:`gradients.proof`), by catalog id.

For an entry of :data:`gradients.catalog.CATALOG` with a symbolic form
(:mod:`gradients.catalog.symbolic`), :func:`prove` runs the proof layer
(:func:`gradients.proof.prove_form`: for all sizes, exactly at fixed sizes, or refuted with a
witness) and checks that the form is the entry's numpy code; :func:`prove_candidate` proves or
refutes another answer -- a planted mistake, a sheet answer, a SymPy expression, a numpy
expression -- against the entry. The statuses (:data:`STATUSES`):

``"proved for all sizes"``
    proved for all sizes and exactly at every fixed size, and the symbolic form agrees
    numerically with the numpy code (:attr:`ProofResult.faithful`).
``"proved exactly at small sizes"``
    exactly at the sizes listed in :attr:`ProofResult.sizes` only.
``"numerical evidence only"``
    neither: the finite-difference checks of ``gradients verify`` are then all there is.
``"refuted"``
    :attr:`ProofResult.witness` has the size, the difference and the point.

SymPy is optional: it is imported on first use, and :func:`sympy_available` says whether it is
there (:data:`INSTALL_HINT` says how to get it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gradients.catalog.symbolic import MISTAKE_FORMS, SHEET, SYMBOLIC
from gradients.proof import (
    DEFAULT_BUDGET,
    INSTALL_HINT,
    NUMERICAL,
    PROVED_ALL,
    PROVED_SIZES,
    REFUTED,
    STATUSES,
    Candidate,
    ProofResult,
    SymbolicForm,
    SymPyMissing,
    Witness,
    exact_inverse,
    functions,
    prove_form,
    sympy_available,
)
from gradients.proof.backend import _sympy
from gradients.proof.faithful import _evaluate_builder
from gradients.proof.ops import _general_variables

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


def general_variables(derivation_id: str) -> dict[str, Any]:
    r"""The variables of an entry at symbolic size: ``MatrixSymbol``\ s and scalar symbols.

    A vector is a column (``D x 1``). Write a candidate for :func:`prove_candidate` in these::

        v = general_variables("1b")
        prove_candidate("1b", 3 * (v["X"] ** 2).T)
    """
    form = _form(derivation_id)
    return _general_variables(form)


def _form(derivation_id: str) -> SymbolicForm:
    try:
        return SYMBOLIC[derivation_id]
    except KeyError:
        known = ", ".join(SYMBOLIC)
        raise KeyError(f"no symbolic form for derivation id {derivation_id!r}; "
                       f"known: {known}") from None


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
            "through gradients.cli.expr.symbolic.expression_candidate (the sandbox parses it) "
            "or a Candidate"
        )
    if isinstance(candidate, sp.Basic):
        expr = candidate
        return Candidate(str(expr), general=lambda v: expr)
    if callable(candidate):
        name = getattr(candidate, "__name__", "candidate")
        return Candidate(name, explicit=candidate)
    raise TypeError(f"cannot prove a candidate of type {type(candidate).__name__}")


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

    if not sympy_available():
        raise SymPyMissing(INSTALL_HINT)
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
        d = get(derivation_id)
        results.append(prove_form(form, None, budget=budget, code=(d.loss, d.grad),
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
        return prove_form(form, None, budget=budget, loss_builder=loss, max_size=max_size,
                      label=label or "the catalog's answer")
    cand = _as_candidate(candidate)
    return prove_form(form, cand, budget=budget, loss_builder=loss, label=label or cand.label,
                  max_size=max_size)


def compare_loss(derivation_id: str, loss: Callable[..., Any], *, label: str = "loss",
                 budget: float = DEFAULT_BUDGET, max_size: int | None = None) -> ProofResult:
    """Whether ``loss`` (a builder) is the entry's loss: proved equal at fixed sizes, or refuted.

    The sheet's log-likelihood (:func:`gradients.catalog.symbolic.sheet_4_loss`) is refuted
    against entry ``"4"``'s: the witness shows the difference.
    """
    form = _form(derivation_id)
    return prove_form(form, None, budget=budget, loss_builder=loss, what="loss", label=label,
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
