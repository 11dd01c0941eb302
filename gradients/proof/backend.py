r"""SymPy, loaded on first use, and the two things every stage of a proof shares.

SymPy is optional: nothing here imports it at import time. :func:`sympy_available` says
whether it is there, :data:`INSTALL_HINT` how to get it, and :func:`_sympy` loads it or raises
:class:`SymPyMissing` (an ``ImportError``) with that hint. :func:`functions` are the sigmoid
and softplus as SymPy functions that know their derivatives; :func:`exact_inverse` writes the
inverse of an explicit matrix as its adjugate times a symbol for ``1 / det``.

>>> sympy_available()
True
>>> sig, soft = functions()
>>> import sympy
>>> x = sympy.Symbol("x")
>>> sig(x).diff(x)
(1 - sigmoid(x))*sigmoid(x)
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["INSTALL_HINT", "SymPyMissing", "exact_inverse", "functions", "sympy_available"]

INSTALL_HINT = (
    "proving needs SymPy: python -m pip install sympy (or, from a checkout of this project, "
    'python -m pip install -e ".[prove]")'
)
"""One line: how to install what :func:`gradients.proof.prove_form` needs."""


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
