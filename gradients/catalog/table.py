r"""The table: one :class:`~gradients.catalog.derivation.Derivation` per verified formula.

The property test of the seven problems, ``gradients verify``, ``gradients show``,
``gradients try`` and ``FORMULAS.md`` all walk :data:`CATALOG`; :func:`get` finds an entry by
its id.
"""

from __future__ import annotations

import functools

from gradients.bipolar import bipolar_squared_grad, bipolar_squared_loss, bipolar_step
from gradients.catalog import inputs, steps
from gradients.catalog.derivation import Derivation
from gradients.catalog.lookup import by_id
from gradients.frobenius import (
    frobenius_dot,
    frobenius_dot_grad,
    frobenius_dot_grad_B,
    frobenius_dot_hessian,
)
from gradients.gaussian_mle import (
    gaussian_log_likelihood,
    gaussian_log_likelihood_grad,
    gaussian_log_likelihood_hessian,
    mle_weights,
)
from gradients.logistic import (
    logistic_l2_grad,
    logistic_l2_hessian,
    logistic_l2_loss,
    logistic_l2_newton_step,
    logistic_l2_step,
)
from gradients.quadratic import (
    quadratic_form,
    quadratic_form_grad,
    quadratic_form_grad_X,
    quadratic_form_hessian,
)
from gradients.residual_net import (
    residual_net_grad_h,
    residual_net_grad_W0,
    residual_net_grad_W1,
    residual_net_grad_w2,
    residual_net_grad_X,
    residual_net_loss,
    residual_net_loss_from_h,
)
from gradients.trace import trace_power, trace_power_grad, trace_power_hvp

__all__ = ["CATALOG", "get"]

_NET = ("W0", "W1", "w2", "X", "y")
_NET_STATEMENT = (
    "L = 1/2 sum_i (g(x_i) - y_i)^2, g = sigma(w2^T h), h = x + sigma(W1 z), z = sigma(W0 x)"
)

CATALOG: tuple[Derivation, ...] = (
    Derivation(
        "1a", "Trace of a square", "f(X) = tr(X^2), X square",
        r"\frac{\partial\,\mathrm{tr}(X^2)}{\partial X} = 2X^\top",
        functools.partial(trace_power, k=2), functools.partial(trace_power_grad, k=2), 0,
        ("X",), inputs.square,
    ),
    Derivation(
        "1b", "Trace of a cube", "g(X) = tr(X^3), X square",
        r"\frac{\partial\,\mathrm{tr}(X^3)}{\partial X} = 3(X^2)^\top",
        functools.partial(trace_power, k=3), functools.partial(trace_power_grad, k=3), 0,
        ("X",), inputs.square,
    ),
    Derivation(
        "1k", "Trace of a power", "tr(X^k) for every integer k >= 0",
        r"\frac{\partial\,\mathrm{tr}(X^k)}{\partial X} = k\,(X^{k-1})^\top"
        r"\quad(0 \text{ for } k = 0)",
        trace_power, trace_power_grad, 0, ("X", "k"), inputs.square_and_k,
    ),
    Derivation(
        "2", "Logistic regression with an L2 penalty",
        "L(w) = sum_i -y_i ln s(w^T x_i) - (1 - y_i) ln(1 - s(w^T x_i)) + lam ||w||^2",
        r"\nabla_w L = X^\top(\sigma(Xw) - y) + 2\lambda w",
        logistic_l2_loss, logistic_l2_grad, 0, ("w", "X", "y", "lam"), inputs.logistic,
    ),
    Derivation(
        "2-step", "Gradient-descent update, logistic regression",
        "one step of gradient descent on the L2-regularised logistic loss",
        r"w \leftarrow w - \eta\left(X^\top(\sigma(Xw) - y) + 2\lambda w\right)",
        logistic_l2_loss, logistic_l2_step, 0, ("w", "X", "y", "lr", "lam"),
        functools.partial(inputs.logistic, step=True), kind="step",
    ),
    Derivation(
        "3", "Bipolar sigmoid with squared loss",
        "L(w) = 1/2 sum_i (f(x_i) - y_i)^2, f(x) = (1 - e^{-w^T x}) / (1 + e^{-w^T x})",
        r"\nabla_w L = \tfrac12 X^\top\left((f - y) \odot (1 - f^2)\right),"
        r"\quad f = \tanh(Xw/2)",
        bipolar_squared_loss, bipolar_squared_grad, 0, ("w", "X", "y"), inputs.bipolar,
    ),
    Derivation(
        "3-step", "Gradient-descent update, bipolar sigmoid",
        "one step of gradient descent on the bipolar squared loss",
        r"w \leftarrow w - \tfrac{\eta}{2} X^\top\left((f - y) \odot (1 - f^2)\right)",
        bipolar_squared_loss, bipolar_step, 0, ("w", "X", "y", "lr"),
        functools.partial(inputs.bipolar, step=True), kind="step",
    ),
    Derivation(
        "4", "Gaussian log-likelihood",
        "ln P(w) = -N/2 ln(2 pi sigma^2) - sum_i (y_i - w^T x_i)^2 / (2 sigma^2)",
        r"\nabla_w \ln P = \frac{1}{\sigma^2} X^\top (y - Xw)",
        gaussian_log_likelihood, gaussian_log_likelihood_grad, 0, ("w", "X", "y", "sigma"),
        inputs.gaussian,
    ),
    Derivation(
        "4-mle", "Maximum-likelihood weights",
        "w* = argmax_w P(w) for a full-column-rank design X",
        r"w^* = (X^\top X)^{-1} X^\top y \quad"
        r"(\text{solved by the SVD of } X\text{, not an inverse})",
        gaussian_log_likelihood, mle_weights, 0, ("X", "y"), inputs.gaussian_design,
        kind="stationary", reference=gaussian_log_likelihood_grad,
    ),
    Derivation(
        "5", "Frobenius product, w.r.t. A", "<A, B> = tr(A^T B), A and B of one shape (m, n)",
        r"\frac{\partial \langle A, B\rangle}{\partial A} = B",
        frobenius_dot, frobenius_dot_grad, 0, ("A", "B"), inputs.pairs,
    ),
    Derivation(
        "5B", "Frobenius product, w.r.t. B", "<A, B> = tr(A^T B), A and B of one shape (m, n)",
        r"\frac{\partial \langle A, B\rangle}{\partial B} = A",
        frobenius_dot, frobenius_dot_grad_B, 1, ("A", "B"), inputs.pairs,
    ),
    Derivation(
        "6", "Quadratic form, w.r.t. w", "f(w) = w^T X w, X square, not necessarily symmetric",
        r"\frac{\partial\, w^\top X w}{\partial w} = (X + X^\top) w",
        quadratic_form, quadratic_form_grad, 0, ("w", "X"), inputs.quadratic,
    ),
    Derivation(
        "6X", "Quadratic form, w.r.t. X", "f(X) = w^T X w",
        r"\frac{\partial\, w^\top X w}{\partial X} = w w^\top",
        quadratic_form, quadratic_form_grad_X, 1, ("w", "X"), inputs.quadratic,
    ),
    Derivation(
        "7a", "Residual network: dL/dh", "L = 1/2 sum_i (sigma(w2^T h_i) - y_i)^2, per sample",
        r"\frac{\partial L}{\partial h_{ij}} = (g_i - y_i)\, g_i (1 - g_i)\, w_{2,j},"
        r"\quad g_i = \sigma(w_2^\top h_i)",
        residual_net_loss_from_h, residual_net_grad_h, 0, ("H", "w2", "y"),
        inputs.hidden_layer,
    ),
    Derivation(
        "7b", "Residual network: dL/dW1", _NET_STATEMENT,
        r"\frac{\partial L}{\partial W_{1,dm}} = \sum_i \delta^{h}_{id}\, a_{id}(1 - a_{id})"
        r"\, z_{im},\quad \delta^{h}_{i} = (g_i - y_i) g_i (1 - g_i) w_2,"
        r"\ a = \sigma(Z W_1^\top)",
        residual_net_loss, residual_net_grad_W1, 1, _NET, inputs.network,
    ),
    Derivation(
        "7-W0", "Residual network: dL/dW0", _NET_STATEMENT,
        r"\frac{\partial L}{\partial W_0} = \left(\left((\delta^h \odot a \odot (1 - a)) W_1"
        r"\right) \odot z \odot (1 - z)\right)^\top X",
        residual_net_loss, residual_net_grad_W0, 0, _NET, inputs.network,
    ),
    Derivation(
        "7-w2", "Residual network: dL/dw2", _NET_STATEMENT,
        r"\frac{\partial L}{\partial w_2} = H^\top\left((g - y) \odot g \odot (1 - g)\right)",
        residual_net_loss, residual_net_grad_w2, 2, _NET, inputs.network,
    ),
    Derivation(
        "7-X", "Residual network: dL/dX", _NET_STATEMENT,
        r"\frac{\partial L}{\partial X} = \delta^h + \left(\left((\delta^h \odot a \odot"
        r" (1 - a)) W_1\right) \odot z \odot (1 - z)\right) W_0",
        residual_net_loss, residual_net_grad_X, 3, _NET, inputs.network,
    ),
    # ---------------------------------------------------------------- second order
    Derivation(
        "1k-hvp", "Trace of a power: Hessian-vector product",
        "the Hessian of tr(X^k) applied to a direction V",
        r"\nabla^2\,\mathrm{tr}(X^k)[V] = k \sum_{j=0}^{k-2} (X^j V X^{k-2-j})^\top"
        r"\quad(2V^\top \text{ for } k = 2)",
        trace_power, trace_power_hvp, 0, ("V", "X", "k"), inputs.square_and_k,
        kind="hvp", reference=trace_power_grad,
    ),
    Derivation(
        "2-hess", "Logistic regression: Hessian",
        "the Hessian of the L2-regularised logistic loss",
        r"\nabla_w^2 L = X^\top S X + 2\lambda I,\quad S = \mathrm{diag}(\sigma(Xw) \odot"
        r" (1 - \sigma(Xw)))",
        logistic_l2_loss, logistic_l2_hessian, 0, ("w", "X", "y", "lam"), inputs.logistic,
        kind="hessian", reference=logistic_l2_grad,
    ),
    Derivation(
        "2-newton", "Newton step, logistic regression",
        "one Newton step on the L2-regularised logistic loss",
        r"w \leftarrow w - (X^\top S X + 2\lambda I)^{-1}\left(X^\top(\sigma(Xw) - y)"
        r" + 2\lambda w\right)",
        logistic_l2_loss, logistic_l2_newton_step, 0, ("w", "X", "y", "lam"),
        inputs.logistic_penalised, kind="newton", reference=logistic_l2_hessian,
    ),
    Derivation(
        "4-hess", "Gaussian log-likelihood: Hessian",
        "the Hessian of ln P(w): constant, negative (semi-)definite",
        r"\nabla_w^2 \ln P = -\frac{1}{\sigma^2} X^\top X",
        gaussian_log_likelihood, gaussian_log_likelihood_hessian, 0, ("w", "X", "y", "sigma"),
        inputs.gaussian, kind="hessian", reference=gaussian_log_likelihood_grad,
    ),
    Derivation(
        "5-hess", "Frobenius product: Hessian w.r.t. A", "<A, B> is linear in A",
        r"\frac{\partial^2 \langle A, B\rangle}{\partial A^2} = 0",
        frobenius_dot, frobenius_dot_hessian, 0, ("A", "B"), inputs.pairs,
        kind="hessian", reference=frobenius_dot_grad, expect_zero=True,
    ),
    Derivation(
        "6-hess", "Quadratic form: Hessian w.r.t. w", "f(w) = w^T X w",
        r"\frac{\partial^2\, w^\top X w}{\partial w^2} = X + X^\top",
        quadratic_form, quadratic_form_hessian, 0, ("w", "X"), inputs.quadratic,
        kind="hessian", reference=quadratic_form_grad,
    ),
    # ---------------------------------------------------------------- chain-rule steps
    Derivation(
        "3-dL/df", "Problem 3, step 1: dL/df", "L = 1/2 sum_i (f_i - y_i)^2 as a function of f",
        r"\frac{\partial L}{\partial f} = f - y",
        steps.squared_residual, steps.squared_residual_grad, 0, ("f", "y"),
        functools.partial(inputs.bipolar_chain, "dL/df"),
    ),
    Derivation(
        "3-df/da", "Problem 3, step 2: df/da", "f = (1 - e^{-a}) / (1 + e^{-a}) = tanh(a/2)",
        r"\frac{\partial f}{\partial a} = \mathrm{diag}\left(\tfrac12 (1 - f^2)\right)",
        steps.bipolar_map, steps.bipolar_map_jacobian, 0, ("a",),
        functools.partial(inputs.bipolar_chain, "df/da"), kind="jacobian",
    ),
    Derivation(
        "3-da/dw", "Problem 3, step 3: da/dw", "a = X w",
        r"\frac{\partial a}{\partial w} = X",
        steps.linear_map, steps.linear_map_jacobian, 0, ("w", "X"),
        functools.partial(inputs.bipolar_chain, "da/dw"), kind="jacobian",
    ),
    Derivation(
        "7-dL/dg", "Problem 7, step 1: dL/dg", "L = 1/2 sum_i (g_i - y_i)^2 as a function of g",
        r"\frac{\partial L}{\partial g} = g - y",
        steps.squared_residual, steps.squared_residual_grad, 0, ("g", "y"),
        functools.partial(inputs.network_chain, "dL/dg"),
    ),
    Derivation(
        "7-dg/ds", "Problem 7, step 2: dg/ds", "g = sigma(s), s_i = w2^T h_i",
        r"\frac{\partial g}{\partial s} = \mathrm{diag}\left(g \odot (1 - g)\right)",
        steps.sigmoid_map, steps.sigmoid_map_jacobian, 0, ("s",),
        functools.partial(inputs.network_chain, "dg/ds"), kind="jacobian",
    ),
    Derivation(
        "7-ds/dh", "Problem 7, step 3: ds/dh (backward)", "s = H w2, samples as rows",
        r"u \mapsto \left(\frac{\partial s}{\partial H}\right)^{\!\top} u = u\, w_2^\top",
        steps.readout, steps.readout_vjp, 0, ("u", "H", "w2"),
        functools.partial(inputs.network_chain, "ds/dH"), kind="vjp",
    ),
    Derivation(
        "7-dh/da1", "Problem 7, step 4: dh/dA1 (backward)", "H = X + sigma(A1), A1 = Z W1^T",
        r"u \mapsto \left(\frac{\partial H}{\partial A_1}\right)^{\!\top} u"
        r" = u \odot \sigma(A_1) \odot (1 - \sigma(A_1))",
        steps.residual_branch, steps.residual_branch_vjp, 0, ("u", "A1", "X"),
        functools.partial(inputs.network_chain, "dH/dA1"), kind="vjp",
    ),
    Derivation(
        "7-da1/dW1", "Problem 7, step 5: dA1/dW1 (backward)",
        "A1[i, d] = sum_m W1[d, m] z[i, m] (the sheet's index convention)",
        r"u \mapsto \left(\frac{\partial A_1}{\partial W_1}\right)^{\!\top} u = u^\top Z",
        steps.hidden_product, steps.hidden_product_vjp, 0, ("u", "W1", "Z"),
        functools.partial(inputs.network_chain, "dA1/dW1"), kind="vjp",
    ),
)


def get(derivation_id: str) -> Derivation:
    """The entry with this id; ``KeyError`` listing the known ids otherwise.

    >>> get("6").variables, get("6").argnum
    (('w', 'X'), 0)
    >>> get("6b")
    Traceback (most recent call last):
    ...
    KeyError: "unknown derivation id '6b'; known: 1a, 1b, 1k, ..."
    """
    return by_id(CATALOG, derivation_id, "derivation")
