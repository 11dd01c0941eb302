r"""Analytic gradients of the seven problems of the homework sheet.

One module per problem, the loss and its gradient side by side, the differentiated argument
first:

============================  ===================================================
``gradients.trace``           1. :math:`\operatorname{tr}(X^k)`
``gradients.logistic``        2. logistic regression with an L2 penalty
``gradients.bipolar``         3. bipolar sigmoid with squared loss
``gradients.gaussian_mle``    4. Gaussian maximum likelihood
``gradients.frobenius``       5. Frobenius product :math:`\langle A, B \rangle`
``gradients.quadratic``       6. quadratic form :math:`w^\top X w`
``gradients.residual_net``    7. two-layer network with a residual connection
============================  ===================================================

The package has three layers, each importing only the ones below it: these seven modules
(pure numpy, with the helpers ``_numerics`` and ``_validation``); :mod:`gradients.catalog`,
the verification data (each formula, its inputs, the sheet's answers and planted mistakes);
and :mod:`gradients.cli`, the ``gradients`` command. The finite-difference engine they are
checked with is the separate package :mod:`checks`.

``gradients.Derivation`` is the catalog's record, :class:`gradients.catalog.Derivation`; it is
loaded on first use, so importing the problems does not load the catalog.

>>> import numpy as np
>>> from gradients import trace_power, trace_power_grad
>>> X = np.array([[1.0, 2.0], [0.0, 1.0]])
>>> float(trace_power(X, 3)), trace_power_grad(X, 3)   # tr(X^3) and 3 (X^2)^T
(2.0, array([[ 3.,  0.],
       [12.,  3.]]))
"""

from typing import Any

from .bipolar import bipolar_sigmoid, bipolar_squared_grad, bipolar_squared_loss, bipolar_step
from .frobenius import (
    frobenius_dot,
    frobenius_dot_grad,
    frobenius_dot_grad_B,
    frobenius_dot_hessian,
)
from .gaussian_mle import (
    gaussian_log_likelihood,
    gaussian_log_likelihood_grad,
    gaussian_log_likelihood_hessian,
    mle_sigma2,
    mle_weights,
)
from .logistic import (
    logistic_l2_grad,
    logistic_l2_hessian,
    logistic_l2_loss,
    logistic_l2_newton_step,
    logistic_l2_step,
)
from .quadratic import (
    quadratic_form,
    quadratic_form_grad,
    quadratic_form_grad_X,
    quadratic_form_hessian,
)
from .residual_net import (
    ResidualNetForward,
    residual_net_forward,
    residual_net_grad_h,
    residual_net_grad_W0,
    residual_net_grad_W1,
    residual_net_grad_w2,
    residual_net_grad_X,
    residual_net_loss,
    residual_net_loss_from_h,
)
from .trace import trace_power, trace_power_grad, trace_power_hvp

__all__ = [
    "Derivation",
    "ResidualNetForward",
    "bipolar_sigmoid",
    "bipolar_squared_grad",
    "bipolar_squared_loss",
    "bipolar_step",
    "frobenius_dot",
    "frobenius_dot_grad",
    "frobenius_dot_grad_B",
    "frobenius_dot_hessian",
    "gaussian_log_likelihood",
    "gaussian_log_likelihood_grad",
    "gaussian_log_likelihood_hessian",
    "logistic_l2_grad",
    "logistic_l2_hessian",
    "logistic_l2_loss",
    "logistic_l2_newton_step",
    "logistic_l2_step",
    "mle_sigma2",
    "mle_weights",
    "quadratic_form",
    "quadratic_form_grad",
    "quadratic_form_grad_X",
    "quadratic_form_hessian",
    "residual_net_forward",
    "residual_net_grad_W0",
    "residual_net_grad_W1",
    "residual_net_grad_X",
    "residual_net_grad_h",
    "residual_net_grad_w2",
    "residual_net_loss",
    "residual_net_loss_from_h",
    "trace_power",
    "trace_power_grad",
    "trace_power_hvp",
]


def __getattr__(name: str) -> Any:
    if name == "Derivation":  # the catalog's record, imported lazily (the catalog imports us)
        from gradients.catalog import Derivation

        return Derivation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
