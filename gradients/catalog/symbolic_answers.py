"""The sheet's handwritten answers and the planted mistakes, as answer builders.

:data:`SHEET` transcribes the answers of :mod:`gradients.catalog.candidates` and
:data:`MISTAKE_FORMS` the wrong derivations of :mod:`gradients.catalog.mistakes` (by mistake
id), in the builders' notation (:mod:`gradients.catalog.builders`), so that the prover can
prove the right ones and refute the wrong ones with a witness.

>>> SHEET["sheet_1a"].answers, SHEET["sheet_1a"].expected
('1a', 'right')
>>> "1b-untransposed" in MISTAKE_FORMS
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradients.catalog.builders import (
    _bipolar_grad,
    _delta_out,
    _dsigmoid,
    _fixed_k,
    _frob_grad_A,
    _logistic_grad,
    _net,
    _one_minus,
    _quad_grad_w,
    _trace_answer,
    _W0_part,
    _W1_part,
    _w2_part,
)
from gradients.proof.forms import Builder

__all__ = ["MISTAKE_FORMS", "SHEET", "SheetAnswer", "sheet_4_loss"]


@dataclass(frozen=True)
class SheetAnswer:
    """One of the sheet's handwritten answers (:mod:`gradients.catalog.candidates`).

    ``answer`` is a builder like :attr:`SymbolicForm.answer` for the entry ``answers``;
    ``expected`` is ``"right"`` or ``"wrong"``; ``function`` names the numpy function it
    transcribes (checked numerically against it by the tests).
    """

    name: str
    answers: str
    answer: Builder
    expected: str
    function: str
    description: str = ""


# --------------------------------------------------------------------------- the sheet


def _sheet_2b(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    """``sheet_2b_loss_grad``: the data term with the norm's gradient ``lam w / ||w||``."""
    norm = o.sqrt_scalar((w.T @ w)[0, 0])
    return X.T @ (o.sigmoid(X @ w) - y) + lam * w / norm


def _sheet_2(o: Any, w: Any, X: Any, y: Any, lam: Any) -> Any:
    """``sheet_2_grad``: sum_i (-y_i (1 - f_i) + (1 - y_i) f_i) x_i + 2 lam w."""
    f = o.sigmoid(X @ w)
    ones = o.ones(*f.shape)
    return X.T @ (-o.had(y, ones - f) + o.had(ones - y, f)) + 2 * lam * w


def _sheet_2_step(o: Any, w: Any, X: Any, y: Any, lr: Any, lam: Any) -> Any:
    return w - lr * _sheet_2(o, w, X, y, lam)


def _sheet_7a(o: Any, H: Any, w2: Any, y: Any) -> Any:
    """``sheet_7a``: (g - y) sigma(w2^T h)(1 - sigma(w2^T h)) w2_j, per sample."""
    g = o.sigmoid(H @ w2)
    return o.had(g - y, _dsigmoid(o, g)) @ w2.T


def _sheet_7a_prime(o: Any, H: Any, w2: Any, y: Any) -> Any:
    """``sheet_7a_prime``: sigma(w2_j h_j) where sigma(w2^T h) belongs."""
    g = o.sigmoid(H @ w2)
    n = H.shape[0]
    W = o.ones(n, 1) @ w2.T  # w2 broadcast over the rows
    a = o.had(H, W)
    return o.had((g - y) @ o.ones(1, H.shape[1]), _dsigmoid(o, o.sigmoid(a)), W)


SHEET: dict[str, SheetAnswer] = {
    s.name: s
    for s in (
        SheetAnswer("sheet_1a", "1a", _fixed_k(2, _trace_answer), "right", "sheet_1a",
                    "2X^T"),
        SheetAnswer("sheet_2_grad", "2", _sheet_2, "right", "sheet_2_grad",
                    "sum_i (-y_i (1 - f_i) + (1 - y_i) f_i) x_i + 2 lam w"),
        SheetAnswer("sheet_2_step", "2-step", _sheet_2_step, "right", "sheet_2_step",
                    "w - lr (sheet 2's gradient)"),
        SheetAnswer("sheet_2b_loss_grad", "2", _sheet_2b, "wrong", "sheet_2b_loss_grad",
                    "the penalty's gradient taken from the norm ||w||, not ||w||^2"),
        SheetAnswer("sheet_5", "5", _frob_grad_A, "right", "sheet_5", "B"),
        SheetAnswer("sheet_6", "6", _quad_grad_w, "right", "sheet_6",
                    "sum_j w_j X_kj + sum_i w_i X_ik"),
        SheetAnswer("sheet_7a", "7a", _sheet_7a, "right", "sheet_7a",
                    "(g - y) g (1 - g) w2_j"),
        SheetAnswer("sheet_7a_prime", "7a", _sheet_7a_prime, "wrong", "sheet_7a_prime",
                    "sigma(w2_j h_j) where sigma(w2^T h) belongs"),
    )
}
"""The sheet's answers to catalog entries, by the name of their function in
:mod:`gradients.catalog.candidates`. (Sheet 3's ``df/dw`` answers no entry, 2b's norm is a
penalty, not a gradient; sheet 4's log-likelihood is a loss: the prover compares it with the
catalog's by :func:`gradients.catalog.prove.compare_loss`, with :func:`sheet_4_loss`.)"""


def sheet_4_loss(o: Any, w: Any, X: Any, y: Any, sigma: Any) -> Any:
    """``sheet_4_log_likelihood``: -1/sqrt(2 pi sigma^2) * 1/(2 sigma^2) * sum_i r_i^2."""
    r = y - X @ w
    return -(r.T @ r) / (o.sqrt_scalar(2 * o.pi * sigma**2) * 2 * sigma**2)


# --------------------------------------------------------------------------- the mistakes


MISTAKE_FORMS: dict[str, Builder] = {
    # 1. trace powers
    "1a-untransposed": lambda o, X: 2 * X,
    "1a-no-factor": lambda o, X: X.T,
    "1b-untransposed": lambda o, X: 3 * X @ X,
    "1b-no-factor": lambda o, X: (X @ X).T,
    "1k-untransposed": lambda o, X, k: k * o.pow(X, max(k - 1, 0)),
    "1k-power-not-lowered": lambda o, X, k: k * o.pow(X, k).T,
    # 2. logistic regression
    "2-no-penalty": lambda o, w, X, y, lam: X.T @ (o.sigmoid(X @ w) - y),
    "2-half-penalty": lambda o, w, X, y, lam: X.T @ (o.sigmoid(X @ w) - y) + lam * w,
    "2-sign": lambda o, w, X, y, lam: -X.T @ (o.sigmoid(X @ w) - y) + 2 * lam * w,
    "2-squared-loss-habit": lambda o, w, X, y, lam: (
        X.T @ o.had(o.sigmoid(X @ w) - y, _dsigmoid(o, o.sigmoid(X @ w))) + 2 * lam * w
    ),
    "2-step-ascent": lambda o, w, X, y, lr, lam: w + lr * _logistic_grad(o, w, X, y, lam),
    # 3. bipolar sigmoid
    "3-logistic-derivative": lambda o, w, X, y: (
        X.T @ o.had(o.tanh(X @ w / 2) - y, _dsigmoid(o, o.tanh(X @ w / 2)))
    ),
    "3-missing-half": lambda o, w, X, y: (
        X.T @ o.had(o.tanh(X @ w / 2) - y,
                    _one_minus(o, o.had(o.tanh(X @ w / 2), o.tanh(X @ w / 2))))
    ),
    "3-sign": lambda o, w, X, y: -_bipolar_grad(o, w, X, y),
    "3-no-residual": lambda o, w, X, y: (
        X.T @ _one_minus(o, o.had(o.tanh(X @ w / 2), o.tanh(X @ w / 2))) / 2
    ),
    "3-step-logistic-derivative": lambda o, w, X, y, lr: (
        w - lr * X.T @ o.had(o.tanh(X @ w / 2) - y, _dsigmoid(o, o.tanh(X @ w / 2)))
    ),
    # 4. Gaussian maximum likelihood
    "4-sign": lambda o, w, X, y, sigma: -X.T @ (y - X @ w) / sigma**2,
    "4-no-sigma": lambda o, w, X, y, sigma: X.T @ (y - X @ w),
    "4-sigma-power": lambda o, w, X, y, sigma: X.T @ (y - X @ w) / sigma,
    "4-y-dropped": lambda o, w, X, y, sigma: -X.T @ X @ w / sigma**2,
    "4-mle-ridge": lambda o, X, y: o.inv(X.T @ X + o.eye(X.shape[1])) @ X.T @ y,
    "4-mle-no-inverse": lambda o, X, y: X.T @ y,
    # 5. Frobenius product
    "5-transposed": lambda o, A, B: B.T,
    "5-wrong-factor": lambda o, A, B: A,
    "5-doubled": lambda o, A, B: 2 * B,
    "5B-wrong-factor": lambda o, A, B: B,
    # 6. quadratic form
    "6-2Xw": lambda o, w, X: 2 * X @ w,
    "6-Xw": lambda o, w, X: X @ w,
    "6-XTw": lambda o, w, X: X.T @ w,
    "6X-doubled": lambda o, w, X: 2 * w @ w.T,
    "6X-diagonal": lambda o, w, X: o.diag(o.had(w, w)),
    # 7. residual network
    "7a-prime": _sheet_7a_prime,
    "7a-no-activation-derivative": lambda o, H, w2, y: (o.sigmoid(H @ w2) - y) @ w2.T,
    "7a-summed-over-samples": lambda o, H, w2, y: (
        o.ones(H.shape[0], 1) @ o.ones(1, H.shape[0]) @ _delta_out(o, H @ w2, y) @ w2.T
    ),
    "7b-no-activation-derivative": _net(_W1_part, a1_prime=False),
    "7b-transposed": _net(lambda b, W0, X: b["Z"].T @ b["d_a1"]),
    "7-W0-no-activation-derivative": _net(_W0_part, a0_prime=False),
    "7-W0-no-hidden-derivative": _net(_W0_part, a1_prime=False),
    "7-w2-no-activation-derivative": _net(_w2_part, s_prime=False),
    "7-w2-x-for-h": _net(lambda b, W0, X: X.T @ b["d_s"]),
    "7-X-no-residual": _net(lambda b, W0, X: b["d_a0"] @ W0),
    "7-X-only-residual": _net(lambda b, W0, X: b["d_h"]),
}
"""The planted mistakes of :mod:`gradients.catalog.mistakes`, as answer builders (same
arguments as the catalog entry's answer; 1k's take ``k`` too), by mistake id."""
