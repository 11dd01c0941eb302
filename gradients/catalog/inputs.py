"""The inputs of each catalog entry: hypothesis strategies of argument tuples.

Each function returns a strategy for the arguments of one kind of entry, built on the array
strategies of :mod:`checks.strategies`. Hypothesis is imported when a strategy is built, not
when the catalog is: reading a formula (``gradients show``, ``FORMULAS.md``) needs no
hypothesis.
"""

from __future__ import annotations

from gradients.residual_net import residual_net_forward

__all__ = [
    "STEP_LR",
    "bipolar",
    "gaussian",
    "gaussian_design",
    "hidden_layer",
    "logistic",
    "network",
    "pairs",
    "quadratic",
    "square",
    "square_and_k",
    "bipolar_chain",
    "network_chain",
    "logistic_penalised",
]

STEP_LR = 0.125  # learning rate of the step entries: a power of two, so w - lr*g is exact-ish


def _st():
    from hypothesis import strategies as st

    from checks import strategies as cs

    return st, cs


def square():
    """``(X,)``, ``X`` square (problem 1 at a fixed power)."""
    _, cs = _st()
    return cs.square_matrices().map(lambda X: (X,))


def square_and_k():
    """``(X, k)``, ``X`` square and the power ``k`` in 0..6.

    >>> X, k = square_and_k().example()
    >>> X.shape[0] == X.shape[1], 0 <= k <= 6
    (True, True)
    """
    st, cs = _st()
    return st.tuples(cs.square_matrices(), st.integers(0, 6))


def logistic(step: bool = False):
    """``(w, X, y, lam)`` with binary labels; with ``step``, ``(w, X, y, lr, lam)``."""
    st, cs = _st()
    lam = st.sampled_from([0.0, 0.25, 1.0, 3.0])
    base = st.tuples(cs.weights_and_dataset(labels="binary"), lam).map(lambda t: (*t[0], t[1]))
    return base.map(lambda a: (*a[:3], STEP_LR, a[3])) if step else base


def logistic_penalised():
    """``(w, X, y, lam)`` as :func:`logistic` with ``lam > 0``: the Hessian is then positive
    definite and the Newton step defined."""
    return logistic().filter(lambda args: args[-1] > 0)


def bipolar(step: bool = False):
    """``(w, X, y)`` with labels in {-1, 1}; with ``step``, ``(w, X, y, lr)``."""
    _, cs = _st()
    base = cs.weights_and_dataset(labels="bipolar")
    return base.map(lambda a: (*a, STEP_LR)) if step else base


def _sigma():
    st, _ = _st()
    return st.sampled_from([0.5, 1.0, 2.0])


def gaussian():
    """``(w, X, y, sigma)`` with real targets."""
    st, cs = _st()
    return st.tuples(cs.weights_and_dataset(labels="real"), _sigma()).map(
        lambda t: (*t[0], t[1])
    )


def gaussian_design():
    """``(X, y, sigma)`` with ``X`` of full column rank (the maximiser is unique)."""
    st, cs = _st()
    return st.tuples(cs.full_rank_designs(), _sigma()).map(lambda t: (*t[0], t[1]))


def pairs():
    """``(A, B)`` of one shape."""
    _, cs = _st()
    return cs.matrix_pairs()


def quadratic():
    """``(w, X)``, ``X`` square of ``w``'s size."""
    _, cs = _st()
    return cs.vector_and_square_matrix()


def network():
    """``(W0, W1, w2, X, y)`` of the residual network."""
    _, cs = _st()
    return cs.network_inputs()


def hidden_layer():
    """``(H, w2, y)``: the residual layer ``H`` of a drawn network, its ``w2`` and labels."""
    _, cs = _st()
    return cs.network_inputs().map(
        lambda a: (residual_net_forward(a[0], a[1], a[2], a[3]).H, a[2], a[4])
    )


def bipolar_chain(step: str):
    """The arguments of one chain-rule step of problem 3, from a drawn ``(w, X, y)``:
    ``"dL/df"`` -> ``(f, y)``, ``"df/da"`` -> ``(a,)``, ``"da/dw"`` -> ``(w, X)``."""
    import numpy as np

    from gradients.bipolar import bipolar_sigmoid

    _, cs = _st()

    def pick(args):
        w, X, y = args
        a = X @ w
        return {"dL/df": (bipolar_sigmoid(a), y), "df/da": (a,), "da/dw": (w, X)}[step]

    return cs.weights_and_dataset(labels="bipolar").filter(
        lambda a: a[1].shape[0] > 0).map(pick).map(lambda t: tuple(np.asarray(x) for x in t))


def network_chain(step: str):
    """The arguments of one chain-rule step of problem 7, from a drawn network:
    ``"dL/dg"`` -> ``(g, y)``, ``"dg/ds"`` -> ``(s,)``, ``"ds/dH"`` -> ``(H, w2)``,
    ``"dH/dA1"`` -> ``(A1, X)``, ``"dA1/dW1"`` -> ``(W1, Z)``."""
    _, cs = _st()

    def pick(args):
        W0, W1, w2, X, y = args
        fw = residual_net_forward(W0, W1, w2, X)
        s = fw.H @ w2
        return {"dL/dg": (fw.g, y), "dg/ds": (s,), "ds/dH": (fw.H, w2),
                "dH/dA1": (fw.A1, X), "dA1/dW1": (W1, fw.Z)}[step]

    return cs.network_inputs().map(pick)

