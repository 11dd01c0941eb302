"""The prover: a symbolic form proved for all sizes where it can be, exactly at fixed sizes
where it cannot, or refuted with a witness.

In this order: SymPy's matrix calculus at symbolic sizes (:mod:`gradients.proof.canonical`);
the exact checks at every fixed size up to the form's bounds (:mod:`gradients.proof.exact`),
which alone can refute; and, given the numpy code, whether the form is that code
(:mod:`gradients.proof.faithful`). The status (:mod:`gradients.proof.results`) says exactly
what was shown: "proved for all sizes" needs the first two (and faithfulness, when checked);
a claimed match of the matrix calculus that the exact checks refute is reported as such.

>>> from gradients.proof.forms import Candidate, SymbolicForm
>>> form = SymbolicForm(id="tr", shapes={"X": ("n", "n")}, loss_args=("X",),
...                     answer_args=("X",), wrt="X", loss=lambda o, X: o.tr(X @ X),
...                     answer=lambda o, X: 2 * X.T, dims={"n": 3})
>>> prove_form(form).status
'proved for all sizes'
>>> prove_form(form, Candidate("2 X", builder=lambda o, X: 2 * X)).short()
'refuted at n = 2'
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from gradients.proof.canonical import _general
from gradients.proof.exact import _all_sizes, _check_size, _Outcome, _param_sets
from gradients.proof.faithful import _faithful
from gradients.proof.forms import Builder, Candidate, SymbolicForm
from gradients.proof.results import (
    NUMERICAL,
    PROVED_ALL,
    PROVED_SIZES,
    REFUTED,
    ProofResult,
    Witness,
)

__all__ = ["DEFAULT_BUDGET", "prove_form"]

DEFAULT_BUDGET = 120.0
"""Seconds after which no further (larger) size is started for one entry."""

_FAITHFUL_TOL = 1e-9


def prove_form(form: SymbolicForm, cand: Candidate | None = None, *,
               budget: float = DEFAULT_BUDGET, loss_builder: Builder | None = None,
               what: str = "answer", code: tuple[Callable[..., Any], Callable[..., Any]] | None
               = None, label: str | None = None, max_size: int | None = None) -> ProofResult:
    """Prove ``form``'s formula (or ``cand``), as far as it goes; see the module docstring.

    Parameters
    ----------
    form : SymbolicForm
        The loss and the formula.
    cand : Candidate, optional
        Prove this answer instead of ``form.answer``.
    budget : float
        Seconds after which no larger size is started.
    loss_builder : builder, optional
        A different loss to differentiate.
    what : {"answer", "loss"}
        ``"loss"``: whether ``loss_builder`` *is* the form's loss (no derivative).
    code : (loss, grad), optional
        The numpy functions the form stands for: checked numerically (``faithful``).
    label : str, optional
        The candidate's name in the result.
    max_size : int, optional
        Cap every dimension of the exact checks at this size.
    """
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
    if code is not None:
        faithful, where = _faithful(form, *code)
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
