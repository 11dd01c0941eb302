r"""The proof layer: a formula proved with SymPy, for all sizes where it can be.

For a :class:`SymbolicForm` (a loss and its formula written as builders) the prover
(:func:`prove_form`) establishes, in this order:

1. **For all sizes** (:mod:`gradients.proof.canonical`): SymPy's matrix calculus
   differentiates the loss in ``MatrixSymbol``\ s of symbolic size; the result and the formula
   are brought to a canonical form in the free algebra and compared. It trusts SymPy's
   matrix calculus, so it counts only together with step 2.
2. **Exactly at fixed sizes** (:mod:`gradients.proof.exact`, :mod:`gradients.proof.zero`):
   at every size up to the form's bounds the loss is written with explicit matrices of
   symbolic entries, differentiated entry by entry, and the difference to the formula is
   reduced to zero -- an exact proof at that size, for all values of the entries.
3. **Refutation** (:mod:`gradients.proof.exact`): where the difference does not reduce to
   zero, it is evaluated at random rational points; a clearly non-zero value refutes the
   formula at the smallest size where it happens, with a :class:`Witness`.

Given the numpy code, the form is also checked to *be* that code
(:mod:`gradients.proof.faithful`). The :class:`ProofResult`'s status says exactly what was
shown (:data:`STATUSES`).

The layers: :mod:`~gradients.proof.forms` (what is proved) and
:mod:`~gradients.proof.backend` (SymPy, loaded on first use) at the bottom;
:mod:`~gradients.proof.ops` (the two back ends of a builder), :mod:`~gradients.proof.zero`
(the exact zero test), :mod:`~gradients.proof.results`; :mod:`~gradients.proof.exact` and
:mod:`~gradients.proof.canonical`; :mod:`~gradients.proof.faithful`;
:mod:`~gradients.proof.prover` on top. Nothing here knows the catalog:
:mod:`gradients.catalog.prove` applies this layer to the catalog's forms.

>>> form = SymbolicForm(id="quad", shapes={"A": ("n", "n"), "w": ("n",)},
...                     loss_args=("A", "w"), answer_args=("A", "w"), wrt="w",
...                     loss=lambda o, A, w: w.T @ A @ w,
...                     answer=lambda o, A, w: (A + A.T) @ w, dims={"n": 2})
>>> prove_form(form).status
'proved for all sizes'
>>> prove_form(form, Candidate("2 A w", builder=lambda o, A, w: 2 * A @ w)).status
'refuted'
"""

from __future__ import annotations

from gradients.proof.backend import (
    INSTALL_HINT,
    SymPyMissing,
    exact_inverse,
    functions,
    sympy_available,
)
from gradients.proof.forms import Builder, Candidate, SymbolicForm
from gradients.proof.prover import DEFAULT_BUDGET, prove_form
from gradients.proof.results import (
    NUMERICAL,
    PROVED_ALL,
    PROVED_SIZES,
    REFUTED,
    STATUSES,
    ProofResult,
    Witness,
)

__all__ = [
    "DEFAULT_BUDGET",
    "INSTALL_HINT",
    "NUMERICAL",
    "PROVED_ALL",
    "PROVED_SIZES",
    "REFUTED",
    "STATUSES",
    "Builder",
    "Candidate",
    "ProofResult",
    "SymPyMissing",
    "SymbolicForm",
    "Witness",
    "exact_inverse",
    "functions",
    "prove_form",
    "sympy_available",
]
