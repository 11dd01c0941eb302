"""The cases of ``python -m benchmarks.realworld``: analytic derivatives nobody here wrote.

Each source draws, from ``numpy.random.default_rng([SOURCE_KEY, seed])``, one point per model
or kernel and seed, and returns :class:`Case` records. A case is one derivative a library
computes, seen as a function of one flat float64 vector ``x``:

========== ============================ ===============================================
kind       ``deriv``                    what is differentiated (``target``)
========== ============================ ===============================================
gradient   ``deriv(x)``, shape ``(n,)``  the scalar ``f(x)``
jacobian   ``deriv(x)``, ``out + (n,)``  the array ``f(x)`` of shape ``out``
hessian    ``deriv(x)``, ``(n, n)``      the gradient ``grad(x)`` (``f`` is its integral)
hvp        ``deriv(v, x) = H v``         the gradient ``grad(x)``
========== ============================ ===============================================

Sources (each optional: a missing library is a note, see :func:`build_cases`):

* ``sklearn-kernel``: Gaussian-process kernels, ``kernel(X, eval_gradient=True)``: the
  Jacobian of every kernel entry w.r.t. the log hyperparameters ``theta``, drawn
  ``e^U(-4, 4)`` around the defaults; ``X`` rounded to float32 on odd seeds.
* ``sklearn-gpr``: ``GaussianProcessRegressor.log_marginal_likelihood(theta,
  eval_gradient=True)`` (``optimizer=None``), same draws; a draw whose likelihood is not
  finite (Cholesky failure) is drawn again.
* ``sklearn-linear``: ``LinearModelLoss`` (``loss_gradient``; ``gradient_hessian_product``
  as an HVP), six base losses, columns of ``X`` scaled by ``10^U(-2, 2)``, coefficients of
  scale ``e^U(-4, 1.5)``, ``l2_reg_strength`` in ``{0, 1e-3, 1}``; ``X``, ``y`` float32 on odd
  seeds.
* ``scipy-rosen``: ``rosen_der``, ``rosen_hess``, ``rosen_hess_prod`` at
  ``1 + 10^U(-6, 1) N(0, 1)`` (near the minimum and far from it), ``n`` in ``{2, 5, 10}``.
* ``statsmodels-discrete``: ``score`` and ``hessian`` of Logit, Probit, Poisson,
  NegativeBinomial (nb2, ``alpha`` last) and MNLogit (3 classes), 200 observations; even
  seeds at the MLE (Newton, ``tol=1e-14``: ``|score| ~ 1e-13``), odd seeds at
  ``truth + 10^U(-2, 0.5) N(0, 1)`` on a model never fitted.
* ``statsmodels-glm``: ``GLM.score(params, scale=1)`` and ``GLM.hessian(params, scale=1)``
  for ten family/link pairs, the same points (MLE by IRLS then Newton).
"""

from __future__ import annotations

import importlib.util
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

__all__ = ["KINDS", "SOURCES", "Case", "build_cases"]

KINDS = ("gradient", "jacobian", "hessian", "hvp")
#: Source name -> the optional packages it needs.
SOURCES: dict[str, tuple[str, ...]] = {
    "sklearn-kernel": ("sklearn",),
    "sklearn-gpr": ("sklearn",),
    "sklearn-linear": ("sklearn",),
    "scipy-rosen": ("scipy",),
    "statsmodels-discrete": ("statsmodels",),
    "statsmodels-glm": ("statsmodels",),
}


@dataclass
class Case:
    """One library derivative at one point (module docstring for ``kind``).

    Attributes
    ----------
    source, model, id : str
        The source, the model or kernel (a row of the per-model table), ``model/s<seed>/...``.
    kind : str
        ``"gradient"``, ``"jacobian"``, ``"hessian"`` or ``"hvp"``.
    f : callable
        ``f(x)``: the function (scalar, or an array for ``"jacobian"``).
    deriv : callable
        The library's derivative: ``deriv(x)``, or ``deriv(v, x)`` for ``"hvp"``.
    x : numpy.ndarray
        The point, flat float64.
    grad : callable or None
        ``grad(x)`` for ``"hessian"`` and ``"hvp"``: what the derivative differentiates.
    complex_safe : bool
        ``target`` gives the right complex-step derivative (checked when this module was
        written; statsmodels' ``approx_fprime_cs`` is run only on these).
    params : dict
        How to rebuild the case (seed and the drawn numbers), for the failure reports.
    confirm : callable or None
        An independent high-precision reference of ``deriv`` at ``x`` (mpmath), where one is
        written (scikit-learn's Matern kernels).
    twin : callable or None
        For a case computed in float32: ``target`` computed in float64 on the same data
        (cast), for the reference only.
    precision : float
        The machine epsilon of the library's computation (float32's for float32 data).
    """

    source: str
    model: str
    id: str
    kind: str
    f: Callable[..., Any]
    deriv: Callable[..., Any]
    x: np.ndarray
    grad: Callable[..., Any] | None = None
    complex_safe: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    confirm: Callable[[], np.ndarray] | None = None
    twin: Callable[[np.ndarray], np.ndarray] | None = None
    precision: float = float(np.finfo(np.float64).eps)

    @property
    def n(self) -> int:
        return int(self.x.size)

    def target(self, x: np.ndarray) -> np.ndarray:
        """The function whose Jacobian ``deriv`` is, flattened: ``f`` or ``grad``."""
        fn = self.f if self.kind in ("gradient", "jacobian") else self.grad
        return np.ravel(np.asarray(fn(x)))

    def matrix(self, deriv: Callable[..., Any] | None = None) -> np.ndarray:
        """``deriv`` (default the library's) at ``x`` as an ``(m, n)`` Jacobian of ``target``.

        For ``"hvp"`` the columns are ``deriv(e_j, x)``.
        """
        d = self.deriv if deriv is None else deriv
        if self.kind == "hvp":
            eye = np.eye(self.n)
            cols = [np.ravel(np.asarray(d(eye[j], self.x.copy()), dtype=float))
                    for j in range(self.n)]
            return np.stack(cols, axis=1)
        return np.asarray(d(self.x.copy()), dtype=float).reshape(-1, self.n)


def _rng(source: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(source.encode()), seed])


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _lu(rng: np.random.Generator, lo: float, hi: float, size: Any = None) -> Any:
    """``e^U(lo, hi)``."""
    return np.exp(rng.uniform(lo, hi, size))


# --------------------------------------------------------------------------- scikit-learn


def _kernel_specs() -> dict[str, tuple[int, Callable[[np.random.Generator], Any]]]:
    """Kernel name -> (dimension of X, builder from the rng); theta ~ defaults * e^U(-4, 4)."""
    from sklearn.gaussian_process import kernels as k

    def matern(nu: float) -> Callable[[np.random.Generator], Any]:
        return lambda r: k.Matern(length_scale=_lu(r, -4, 4), nu=nu)

    return {
        "RBF": (2, lambda r: k.RBF(length_scale=_lu(r, -4, 4))),
        "RBF-aniso": (3, lambda r: k.RBF(length_scale=_lu(r, -4, 4, 3))),
        "Matern-0.5": (2, matern(0.5)),
        "Matern-1.5": (2, matern(1.5)),
        "Matern-2.5": (2, matern(2.5)),
        "Matern-2.0": (2, matern(2.0)),
        "RationalQuadratic": (2, lambda r: k.RationalQuadratic(length_scale=_lu(r, -4, 4),
                                                               alpha=_lu(r, -4, 4))),
        "ExpSineSquared": (1, lambda r: k.ExpSineSquared(length_scale=_lu(r, -4, 4),
                                                         periodicity=_lu(r, -4, 4))),
        "DotProduct": (2, lambda r: k.DotProduct(sigma_0=_lu(r, -4, 4))),
        "C*RBF+White": (2, lambda r: k.ConstantKernel(_lu(r, -4, 4)) * k.RBF(_lu(r, -4, 4))
                        + k.WhiteKernel(_lu(r, -4, 4))),
    }


def _theta_free(kernel: Any) -> dict[str, Any]:
    params = kernel.get_params()
    return {h.name: np.round(np.atleast_1d(params[h.name]), 6).tolist()
            for h in kernel.hyperparameters}


def sklearn_kernel(seed: int) -> list[Case]:
    """Kernel entries' Jacobians w.r.t. ``theta`` (module docstring)."""
    out = []
    for name, (dim, build) in _kernel_specs().items():
        rng = _rng(f"sklearn-kernel/{name}", seed)
        kernel = build(rng)
        X = rng.standard_normal((6, dim))
        if seed % 2:
            X = X.astype(np.float32)

        def f(theta: np.ndarray, kernel: Any = kernel, X: np.ndarray = X) -> np.ndarray:
            return kernel.clone_with_theta(np.asarray(theta, dtype=float))(X)

        def jac(theta: np.ndarray, kernel: Any = kernel, X: np.ndarray = X) -> np.ndarray:
            return kernel.clone_with_theta(np.asarray(theta, dtype=float))(
                X, eval_gradient=True)[1]

        confirm = None
        if name.startswith("Matern") and _installed("mpmath"):
            confirm = partial(_matern_mpmath, np.asarray(X, dtype=float),
                              float(kernel.length_scale), float(kernel.nu))
        out.append(Case("sklearn-kernel", name, f"{name}/s{seed}", "jacobian", f, jac,
                        np.array(kernel.theta, dtype=float),
                        params={"seed": seed, "kernel": repr(kernel),
                                "X": "float32" if seed % 2 else "float64",
                                "hyperparameters": _theta_free(kernel)},
                        confirm=confirm))
    return out


def _matern_mpmath(X: np.ndarray, length_scale: float, nu: float) -> np.ndarray:
    """``d K_ij / d log(length_scale)`` of the Matern kernel in mpmath at 30 digits.

    ``k(r) = 2^(1-nu) / Gamma(nu) (sqrt(2 nu) r / l)^nu K_nu(sqrt(2 nu) r / l)``, ``k(0) = 1``;
    independent of scikit-learn's code (its closed forms for nu = 0.5, 1.5, 2.5, its
    numerical gradient otherwise).
    """
    import mpmath

    with mpmath.workdps(30):
        n = X.shape[0]
        out = np.zeros((n, n, 1))
        log_l = mpmath.log(mpmath.mpf(length_scale))
        nu_m = mpmath.mpf(nu)
        for i in range(n):
            for j in range(i + 1, n):
                r = mpmath.sqrt(mpmath.fsum((mpmath.mpf(a) - mpmath.mpf(b)) ** 2
                                            for a, b in zip(X[i], X[j], strict=True)))

                def k(t: Any, r: Any = r) -> Any:
                    z = mpmath.sqrt(2 * nu_m) * r / mpmath.exp(t)
                    return (2 ** (1 - nu_m) / mpmath.gamma(nu_m) * z ** nu_m
                            * mpmath.besselk(nu_m, z))

                out[i, j, 0] = out[j, i, 0] = float(mpmath.diff(k, log_l))
    return out


def sklearn_gpr(seed: int) -> list[Case]:
    """``log_marginal_likelihood(theta, eval_gradient=True)`` (module docstring)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process import kernels as k

    specs = {
        "C*RBF+White": lambda r: (k.ConstantKernel(_lu(r, -4, 4)) * k.RBF(_lu(r, -4, 4))
                                  + k.WhiteKernel(_lu(r, -4, 4))),
        "C*Matern-1.5+White": lambda r: (k.ConstantKernel(_lu(r, -4, 4))
                                         * k.Matern(_lu(r, -4, 4), nu=1.5)
                                         + k.WhiteKernel(_lu(r, -4, 4))),
        "RQ+White": lambda r: (k.RationalQuadratic(_lu(r, -4, 4), alpha=_lu(r, -4, 4))
                               + k.WhiteKernel(_lu(r, -4, 4))),
        "C*ExpSine+White": lambda r: (k.ConstantKernel(_lu(r, -4, 4))
                                      * k.ExpSineSquared(_lu(r, -4, 4), _lu(r, -4, 4))
                                      + k.WhiteKernel(_lu(r, -4, 4))),
        "RBF-aniso+White": lambda r: (k.RBF(_lu(r, -4, 4, 2)) + k.WhiteKernel(_lu(r, -4, 4))),
    }
    out = []
    for name, build in specs.items():
        rng = _rng(f"sklearn-gpr/{name}", seed)
        X = rng.standard_normal((15, 2))
        y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 / 4 + 0.1 * rng.standard_normal(15)
        for _ in range(50):  # a draw whose kernel matrix is positive definite
            kernel = build(rng)
            try:
                gpr = GaussianProcessRegressor(kernel=kernel, optimizer=None).fit(X, y)
            except np.linalg.LinAlgError:
                continue
            if np.isfinite(gpr.log_marginal_likelihood(kernel.theta)):
                break

        def f(theta: np.ndarray, gpr: Any = gpr) -> float:
            return float(gpr.log_marginal_likelihood(np.asarray(theta, dtype=float)))

        def grad(theta: np.ndarray, gpr: Any = gpr) -> np.ndarray:
            return gpr.log_marginal_likelihood(np.asarray(theta, dtype=float),
                                               eval_gradient=True)[1]

        out.append(Case("sklearn-gpr", name, f"{name}/s{seed}", "gradient", f, grad,
                        np.array(kernel.theta, dtype=float),
                        params={"seed": seed, "kernel": repr(kernel),
                                "hyperparameters": _theta_free(kernel)}))
    return out


def _linear_losses() -> dict[str, tuple[Callable[[], Any], str]]:
    from sklearn._loss import loss

    return {
        "squared": (loss.HalfSquaredError, "real"),
        "binomial": (loss.HalfBinomialLoss, "binary"),
        "poisson": (loss.HalfPoissonLoss, "count"),
        "gamma": (loss.HalfGammaLoss, "positive"),
        "tweedie-1.5": (lambda: loss.HalfTweedieLoss(power=1.5), "positive"),
        "multinomial": (lambda: loss.HalfMultinomialLoss(n_classes=3), "class"),
    }


def sklearn_linear(seed: int) -> list[Case]:
    """``LinearModelLoss`` gradients and Hessian-vector products (module docstring)."""
    from sklearn.linear_model._linear_loss import LinearModelLoss

    out = []
    for name, (make, ytype) in _linear_losses().items():
        rng = _rng(f"sklearn-linear/{name}", seed)
        n_obs, p = 40, 3
        X = rng.standard_normal((n_obs, p)) * 10.0 ** rng.uniform(-2, 2, p)
        eta = (X / np.abs(X).max(axis=0)) @ rng.standard_normal(p)
        y = {"real": eta + rng.standard_normal(n_obs),
             "binary": (rng.random(n_obs) < 1 / (1 + np.exp(-eta))).astype(float),
             "count": rng.poisson(np.exp(eta)).astype(float),
             "positive": rng.gamma(2.0, np.exp(eta) / 2.0) + 1e-3,
             "class": rng.integers(0, 3, n_obs).astype(float)}[ytype]
        if seed % 2:
            X, y = X.astype(np.float32), y.astype(np.float32)
        fit_intercept = bool(rng.integers(2))
        l2 = float(rng.choice([0.0, 1e-3, 1.0]))
        model = LinearModelLoss(make(), fit_intercept=fit_intercept)
        k = 3 if ytype == "class" else 1
        scale = float(_lu(rng, -4, 1.5))
        coef = scale * rng.standard_normal(k * (p + fit_intercept)) / np.abs(X).max()
        if fit_intercept:  # the intercept at scale, not divided by |X|
            coef[-k:] = scale * rng.standard_normal(k)

        def f(c: np.ndarray, model: Any = model, X: Any = X, y: Any = y, l2: float = l2) -> float:
            return float(model.loss_gradient(np.asarray(c, dtype=float), X, y,
                                             l2_reg_strength=l2)[0])

        def grad(c: np.ndarray, model: Any = model, X: Any = X, y: Any = y,
                 l2: float = l2) -> np.ndarray:
            return np.asarray(model.loss_gradient(np.asarray(c, dtype=float), X, y,
                                                  l2_reg_strength=l2)[1], dtype=float)

        def hvp(v: np.ndarray, c: np.ndarray, model: Any = model, X: Any = X, y: Any = y,
                l2: float = l2) -> np.ndarray:
            hessp = model.gradient_hessian_product(np.asarray(c, dtype=float), X, y,
                                                   l2_reg_strength=l2)[1]
            return np.asarray(hessp(np.asarray(v, dtype=float)), dtype=float)

        params = {"seed": seed, "loss": name, "fit_intercept": fit_intercept, "l2": l2,
                  "coef_scale": round(scale, 6), "dtype": str(X.dtype)}
        twin_f = twin_g = None
        precision = float(np.finfo(X.dtype).eps)
        if X.dtype != np.float64:
            X64, y64 = X.astype(np.float64), y.astype(np.float64)
            twin_f = partial(f, X=X64, y=y64)
            twin_g = partial(grad, X=X64, y=y64)
        out.append(Case("sklearn-linear", f"{name} loss_gradient", f"{name}/s{seed}/grad",
                        "gradient", f, grad, coef.copy(), params=params,
                        twin=twin_f and (lambda c, t=twin_f: np.ravel(t(c))),
                        precision=precision))
        out.append(Case("sklearn-linear", f"{name} hessian_product", f"{name}/s{seed}/hvp",
                        "hvp", f, hvp, coef.copy(), grad=grad, params=params, twin=twin_g,
                        precision=precision))
    return out


# --------------------------------------------------------------------------- scipy


def scipy_rosen(seed: int) -> list[Case]:
    """scipy's Rosenbrock derivatives (module docstring)."""
    from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod

    rng = _rng("scipy-rosen", seed)
    out = []
    for what in ("rosen_der", "rosen_hess", "rosen_hess_prod"):
        n = int(rng.choice([2, 5, 10]))
        sigma = float(10.0 ** rng.uniform(-6, 1))
        x = 1.0 + sigma * rng.standard_normal(n)
        params = {"seed": seed, "n": n, "sigma": sigma, "x": "1 + sigma N(0, 1)"}
        if what == "rosen_der":
            case = Case("scipy-rosen", what, f"{what}/s{seed}", "gradient", rosen, rosen_der, x,
                        complex_safe=True, params=params)
        elif what == "rosen_hess":
            case = Case("scipy-rosen", what, f"{what}/s{seed}", "hessian", rosen, rosen_hess, x,
                        grad=rosen_der, complex_safe=True, params=params)
        else:
            case = Case("scipy-rosen", what, f"{what}/s{seed}", "hvp", rosen,
                        lambda v, x: rosen_hess_prod(x, v), x, grad=rosen_der,
                        complex_safe=True, params=params)
        out.append(case)
    return out


# --------------------------------------------------------------------------- statsmodels

#: Models whose ``loglike`` and ``score`` give right complex-step derivatives (checked with
#: ``approx_fprime_cs`` at a random point when this was written); ``loglike`` is safe for all.
_SCORE_COMPLEX_SAFE = {"Logit", "Probit", "Poisson", "NegativeBinomial", "MNLogit",
                       "gaussian-identity", "gaussian-log", "binomial-logit",
                       "binomial-cloglog", "negbin-log"}


def _design(rng: np.random.Generator, n_obs: int = 200) -> np.ndarray:
    cols = rng.standard_normal((n_obs, 2)) * 10.0 ** rng.uniform(-1, 1, 2)
    return np.column_stack([np.ones(n_obs), cols])


def _response(rng: np.random.Generator, ytype: str, eta: np.ndarray) -> np.ndarray:
    n = eta.size
    if ytype == "binary":
        return (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    if ytype == "count":
        return rng.poisson(np.exp(np.clip(eta, -20, 5))).astype(float)
    if ytype == "overdispersed":
        mu = np.exp(np.clip(eta, -20, 5))
        return rng.poisson(rng.gamma(2.0, mu / 2.0)).astype(float)
    if ytype == "positive":
        return rng.gamma(3.0, np.exp(np.clip(eta, -20, 5)) / 3.0) + 1e-6
    if ytype == "class":
        return rng.integers(0, 3, n).astype(float)
    return eta + rng.standard_normal(n)


def _sm_cases(source: str, name: str, seed: int, make: Callable[[], Any],
              kw: dict[str, Any], truth: np.ndarray, at_mle: bool, extra: dict[str, Any],
              rng: np.random.Generator) -> list[Case]:
    model = make()
    if at_mle:
        fitted = make()
        if source == "statsmodels-glm":
            start = fitted.fit(maxiter=200, tol=1e-12).params
            res = fitted.fit(method="newton", start_params=start, maxiter=100, tol=1e-14,
                             disp=0)
        else:
            res = fitted.fit(method="newton", maxiter=200, tol=1e-14, disp=0)
            model = fitted  # as users call it: res.model.score(res.params)
        # MNLogit's params are (k, J - 1); its loglike reads them flat in Fortran order
        x = np.asarray(res.params, dtype=float).ravel(order="F").copy()
        point = "MLE"
        if not (np.all(np.isfinite(x)) and np.isfinite(fitted.loglike(x, **kw))):
            at_mle = False  # Newton diverged: a drawn point instead, on a model never fitted
            model = make()
    if not at_mle:
        spread = float(10.0 ** rng.uniform(-2, 0.5))
        x = truth + spread * rng.standard_normal(truth.size)
        point = f"truth + {spread:.3g} N(0, 1)"

    def f(p: np.ndarray) -> Any:  # no float(): a complex step must keep its imaginary part
        return model.loglike(p, **kw)

    def score(p: np.ndarray) -> np.ndarray:
        return np.asarray(model.score(p, **kw)).ravel()

    def hessian(p: np.ndarray) -> np.ndarray:
        return np.asarray(model.hessian(p, **kw))

    params = {"seed": seed, "model": name, "point": point,
              "params": np.round(x, 8).tolist(), **extra}
    safe = name in _SCORE_COMPLEX_SAFE
    tag = "mle" if at_mle else "rand"
    return [
        Case(source, f"{name} score", f"{name}/s{seed}/{tag}/score", "gradient", f, score,
             x.copy(), complex_safe=True, params=params),
        Case(source, f"{name} hessian", f"{name}/s{seed}/{tag}/hessian", "hessian", f,
             hessian, x.copy(), grad=score, complex_safe=safe, params=params),
    ]


def statsmodels_discrete(seed: int) -> list[Case]:
    """Discrete models' ``score`` and ``hessian`` (module docstring)."""
    import statsmodels.api as sm

    specs = {
        "Logit": (sm.Logit, "binary", {}),
        "Probit": (sm.Probit, "binary", {}),
        "Poisson": (sm.Poisson, "count", {}),
        "NegativeBinomial": (sm.NegativeBinomial, "overdispersed", {"loglike_method": "nb2"}),
        "MNLogit": (sm.MNLogit, "class", {}),
    }
    out = []
    for name, (cls, ytype, opts) in specs.items():
        rng = _rng(f"statsmodels-discrete/{name}", seed)
        X = _design(rng)
        beta = rng.standard_normal(3) / np.abs(X).max(axis=0) * 2
        y = _response(rng, ytype, X @ beta)
        truth = beta
        if name == "NegativeBinomial":
            truth = np.r_[beta, 0.5]
        elif name == "MNLogit":
            truth = np.concatenate([beta, rng.standard_normal(3) / np.abs(X).max(axis=0)])

        def make(cls: Any = cls, y: np.ndarray = y, X: np.ndarray = X,
                 opts: dict[str, Any] = opts) -> Any:
            return cls(y, X, **opts)

        out += _sm_cases("statsmodels-discrete", name, seed, make, {}, truth, seed % 2 == 0,
                         {"n_obs": 200}, rng)
    return out


def statsmodels_glm(seed: int) -> list[Case]:
    """GLM ``score`` and ``hessian`` with ``scale=1`` (module docstring)."""
    import statsmodels.api as sm

    fam, links = sm.families, sm.families.links
    specs = {
        "gaussian-identity": (lambda: fam.Gaussian(), "real"),
        "gaussian-log": (lambda: fam.Gaussian(links.Log()), "positive"),
        "binomial-logit": (lambda: fam.Binomial(), "binary"),
        "binomial-probit": (lambda: fam.Binomial(links.Probit()), "binary"),
        "binomial-cloglog": (lambda: fam.Binomial(links.CLogLog()), "binary"),
        "poisson-log": (lambda: fam.Poisson(), "count"),
        "gamma-log": (lambda: fam.Gamma(links.Log()), "positive"),
        "invgauss-log": (lambda: fam.InverseGaussian(links.Log()), "positive"),
        "tweedie-1.5-log": (lambda: fam.Tweedie(var_power=1.5, link=links.Log()), "positive"),
        "negbin-log": (lambda: fam.NegativeBinomial(alpha=1.0), "overdispersed"),
    }
    out = []
    for name, (family, ytype) in specs.items():
        rng = _rng(f"statsmodels-glm/{name}", seed)
        X = _design(rng)
        beta = rng.standard_normal(3) / np.abs(X).max(axis=0)
        y = _response(rng, ytype, X @ beta)

        def make(family: Callable[[], Any] = family, y: np.ndarray = y,
                 X: np.ndarray = X) -> Any:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return sm.GLM(y, X, family=family())

        out += _sm_cases("statsmodels-glm", name, seed, make, {"scale": 1.0}, beta,
                         seed % 2 == 0, {"n_obs": 200}, rng)
    return out


_BUILDERS: dict[str, Callable[[int], list[Case]]] = {
    "sklearn-kernel": sklearn_kernel,
    "sklearn-gpr": sklearn_gpr,
    "sklearn-linear": sklearn_linear,
    "scipy-rosen": scipy_rosen,
    "statsmodels-discrete": statsmodels_discrete,
    "statsmodels-glm": statsmodels_glm,
}


def build_cases(seeds: Sequence[int], sources: Sequence[str] | None = None
                ) -> tuple[list[Case], list[str]]:
    """The cases of ``sources`` (default all) at ``seeds``, and a note per skipped source.

    Parameters
    ----------
    seeds : sequence of int
        The seeds; every source draws one point per model and seed.
    sources : sequence of str, optional
        Names from :data:`SOURCES`.

    Returns
    -------
    cases : list of Case
    notes : list of str
        One line per source skipped because its library is not installed.

    Examples
    --------
    >>> cases, notes = build_cases([0], ["scipy-rosen"])
    >>> [c.kind for c in cases]
    ['gradient', 'hessian', 'hvp']
    """
    import warnings

    wanted = list(sources) if sources else list(SOURCES)
    unknown = [s for s in wanted if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {list(SOURCES)}")
    cases: list[Case] = []
    notes: list[str] = []
    for source in wanted:
        missing = [m for m in SOURCES[source] if not _installed(m)]
        if missing:
            pkg = {"sklearn": "scikit-learn"}.get(missing[0], missing[0])
            notes.append(f"{pkg} is not installed (pip install -e \".[bench]\"): {source} "
                         "skipped")
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for seed in seeds:
                cases += _BUILDERS[source](seed)
    return cases, notes
