r"""The derivation record: one entry of the catalog and how it is checked.

A :class:`Derivation` names a loss, its analytic answer, the differentiated argument, the
variable names, the formula in LaTeX and a hypothesis strategy for its inputs, and knows how
to hand them to the engine's check. Five kinds of entry:

``"gradient"``
    ``grad(*args)`` is the gradient of ``loss(*args)`` with respect to ``args[argnum]``.
``"step"``
    ``grad(*args)`` is the new ``w`` after one gradient-descent step with rate ``lr`` (the
    argument at ``lr_index``); it is checked through the gradient it implies,
    ``(w - w_new) / lr``.
``"stationary"``
    ``grad(X, y)`` is a maximiser ``w*``; it is checked by the numerical gradient of the loss
    vanishing at ``w*``.
``"hessian"``
    ``grad(*args)`` is the Hessian of ``loss(*args)`` with respect to ``args[argnum]`` (shape
    of that argument, twice), checked by :func:`checks.check_hessian` against the Jacobian
    of ``reference``, the entry's verified gradient (or second differences without one).
``"hvp"``
    ``grad(v, *args)`` is that Hessian applied to ``v``, checked by :func:`checks.check_hvp`
    (every entry, through ``n`` products) against the Jacobian of ``reference``.

``"jacobian"``
    ``loss`` is a vector-valued map and ``grad(*args)`` its Jacobian (output shape + input
    shape), checked entry by entry by :func:`checks.check_jacobian` (a chain-rule step).
``"vjp"``
    ``grad(u, *args)`` is the vector-Jacobian product of the map ``loss``, checked by
    :func:`checks.check_vjp` (every entry) (a step of a hand-written backward pass).
``"newton"``
    ``grad(*args)`` is the new ``w`` after one Newton step; it is checked through the
    gradient it implies, ``H (w - w_new)`` with ``H = reference(*args)`` the entry's verified
    Hessian (its own catalog entry).

``expect_zero`` marks an answer that is identically zero (the Hessian of a linear
function): no relative error can be judged against 0, so an ``"inconclusive"`` check is
that entry's pass (as for a maximiser), while any non-zero answer still fails.

A user writes one with keyword arguments, the same record as the catalog's (``gradients
verify --module mypkg.derivations`` checks a module-level list ``DERIVATIONS`` of them)::

    Derivation(
        id="xent", title="Softmax cross-entropy, w.r.t. the logits",
        formula=r"\nabla_Z L = (\mathrm{softmax}(Z) - Y) / N",
        loss=softmax_xent, grad=softmax_xent_grad, argnum=0, variables=("Z", "y"),
        inputs=logits_and_labels,        # a callable returning a strategy of (Z, y) tuples
    )

``statement`` defaults to the title, ``argnum`` to 0, ``variables`` to the parameter names of
``grad``; ``shapes`` and ``roles`` (optional, name to text) are printed by
``gradients show``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Derivation"]

_KINDS = ("gradient", "step", "stationary", "hessian", "hvp", "newton", "jacobian", "vjp")


@dataclass(frozen=True)
class Derivation:
    """One verified derivation of the catalog.

    Attributes
    ----------
    id : str
        Short id (``"1a"``, ``"7b"``, ...), as on the sheet.
    title, statement : str
        A title and the problem in one line.
    formula : str
        The result in LaTeX.
    loss : callable
        The scalar function, ``loss(*args)``.
    grad : callable
        The analytic answer (a gradient, a new ``w``, or a maximiser: see ``kind``).
    argnum : int
        Which argument of ``loss`` is differentiated.
    variables : tuple of str
        Names of the arguments of ``grad`` (the names a candidate expression may use).
    inputs : callable
        ``inputs()`` returns a hypothesis strategy of argument tuples for ``grad``.
    kind : str
        ``"gradient"``, ``"step"``, ``"stationary"``, ``"hessian"`` or ``"hvp"``.
    lr_index : int
        For a step: the position of the learning rate among the arguments.
    reference : callable, optional
        The verified gradient of the loss: for a maximiser, used only to put the size of the
        gradient at ``w*`` in proportion (see :meth:`relative_error`); for a Hessian or HVP,
        the map whose Jacobian the answer is checked against.
    expect_zero : bool
        The answer is identically zero (see the module docstring).
    shapes, roles : mapping of str to str, optional
        Each variable's shape (``"(N, D)"``) and role (``"samples as rows"``), for
        ``gradients show``.

    ``id``, ``title``, ``formula``, ``loss``, ``grad`` and ``inputs`` are required (as
    keywords, or positionally in the order above); ``statement`` defaults to ``title``,
    ``argnum`` to 0 and ``variables`` to the parameter names of ``grad``. A missing or
    ill-typed field is a ``TypeError`` or ``ValueError`` naming the derivation and the field.
    ``inputs`` may also be given as a strategy itself.

    A record of one's own (``variables`` come from ``grad``'s parameter names), and the
    functions the engine checks, named for reports:

    >>> from hypothesis import strategies as st
    >>> from checks import check_gradient
    >>> d = Derivation(id="sq", title="Squared norm", formula="grad |w|^2 = 2 w",
    ...                loss=lambda w: float(w @ w), grad=lambda w: 2 * w,
    ...                inputs=lambda: st.tuples(st.just(np.array([1.0, -2.0]))))
    >>> d.variables, d.argnum, d.kind, d.statement
    (('w',), 0, 'gradient', 'Squared norm')
    >>> loss, grad = d.check_functions()
    >>> loss.__qualname__, d.judged(check_gradient(loss, grad, (np.array([1.0, -2.0]),)))
    ("sq's loss", 'pass')
    """

    id: str
    title: str
    statement: str = ""
    formula: str | None = None
    loss: Callable[..., float] | None = None
    grad: Callable[..., Any] | None = None
    argnum: int = 0
    variables: tuple[str, ...] | None = None
    inputs: Callable[[], Any] | None = None
    kind: str = "gradient"
    lr_index: int = 3
    reference: Callable[..., Any] | None = None
    expect_zero: bool = False
    shapes: Mapping[str, str] | None = field(default=None, hash=False, compare=False)
    roles: Mapping[str, str] | None = field(default=None, hash=False, compare=False)

    def __post_init__(self) -> None:
        name = f"Derivation {self.id!r}" if isinstance(self.id, str) else "Derivation"
        for key in ("id", "title"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise TypeError(f"{name}: {key} must be a non-empty str, got {value!r}")
        if self.formula is None:
            raise TypeError(f"{name}: missing required argument 'formula' (the result, LaTeX)")
        if not isinstance(self.formula, str):
            raise TypeError(f"{name}: formula must be a str, got {type(self.formula).__name__}")
        for key in ("loss", "grad"):
            value = getattr(self, key)
            if value is None:
                raise TypeError(f"{name}: missing required argument {key!r} (a function)")
            if not callable(value):
                raise TypeError(f"{name}: {key} must be callable, got {type(value).__name__}")
        self._set_inputs(name)
        if not isinstance(self.statement, str):
            raise TypeError(f"{name}: statement must be a str")
        if not self.statement:
            object.__setattr__(self, "statement", self.title)
        if self.kind not in _KINDS:
            raise ValueError(f"{name}: kind must be one of {', '.join(map(repr, _KINDS))}, "
                             f"got {self.kind!r}")
        self._set_variables(name)
        if isinstance(self.argnum, bool) or not isinstance(self.argnum, int):
            raise TypeError(f"{name}: argnum must be an int, got {self.argnum!r}")
        if self.kind != "stationary" and not 0 <= self.argnum < len(self.variables):
            raise ValueError(f"{name}: argnum {self.argnum} is not the position of one of the "
                             f"variables {self.variables}")
        for key in ("shapes", "roles"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{name}: {key} must be a mapping of variable name to text")

    def _set_inputs(self, name: str) -> None:
        inputs = self.inputs
        if inputs is None:
            raise TypeError(f"{name}: missing required argument 'inputs' (a callable returning "
                            "a hypothesis strategy of argument tuples)")
        if not callable(inputs):
            if type(inputs).__module__.startswith("hypothesis"):  # a strategy itself
                object.__setattr__(self, "inputs", lambda: inputs)
                return
            raise TypeError(f"{name}: inputs must be a callable returning a hypothesis strategy "
                            f"of argument tuples, got {type(inputs).__name__}")

    def _set_variables(self, name: str) -> None:
        variables = self.variables
        if variables is None:
            try:
                params = inspect.signature(self.grad).parameters.values()
            except (TypeError, ValueError):
                raise TypeError(f"{name}: pass variables=(...), the names of grad's "
                                "arguments") from None
            variables = tuple(p.name for p in params
                              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        if isinstance(variables, str) or not all(isinstance(v, str) for v in variables):
            raise TypeError(f"{name}: variables must be a tuple of names, got {variables!r}")
        object.__setattr__(self, "variables", tuple(variables))

    def options(self, args: tuple[Any, ...]) -> dict[str, Any]:
        """Extra :func:`checks.check_gradient` arguments for these (check) ``args``.

        A computed maximiser ``w~`` is exact only to round-off, so the gradient there,
        ``X^T (X w~ - y) / sigma^2`` (the residual of the normal equations), is not 0. A
        backward-stable least-squares solve (``w~`` solves a problem with ``X + dX``,
        ``||dX|| <= c eps ||X||``) bounds it by ``c eps ||X|| (||y - X w~|| + ||X|| ||w~||) /
        sigma^2``. The closed form as written, ``inv(X^T X) X^T y``, is right too, but an
        inverse leaves a residual up to about ``eps cond(A) ||A|| ||w~||`` of the system ``A w
        = X^T y`` it solves (its right residual is not small: Higham, *Accuracy and Stability
        of Numerical Algorithms*, ch. 14), and ``cond(A) = cond(X)^2``: measured on 400 of
        4-mle's designs (``cond(X)`` up to 1e3), that residual reached ``4.5 eps cond(X)^2
        ||X||^2 ||w~||``. So ``atol`` is ``c eps ||X|| (||y - X w~|| + cond(X)^2 ||X||
        ||w~||) / sigma^2`` with ``c = 8 max(N, D)``: a right formula computed through the
        normal equations passes, and a maximiser off by ``delta`` (relatively) still fails
        where ``delta`` exceeds about ``c eps cond(X)^4`` (a scale error: ``c eps
        cond(X)^2``). ``cond(X)^2`` is capped at ``0.01 / (c eps)``, where the bound reaches
        1 % of the gradient's own scale ``||X||^2 ||w~|| / sigma^2``: a design so nearly
        rank-deficient has no maximiser to check to better than that. A step entry gets a
        per-entry ``atol`` for the round-off of the update itself (see the code). A gradient
        entry uses the defaults.
        """
        if self.kind == "step":
            # (w - w_new) / lr: w_new = w - lr g is rounded to eps |w_new|, so the implied
            # gradient carries an error up to eps (|w| + lr |g|) / lr; the eps |g| part is
            # below rtol, the rest is the per-entry atol 2 eps |w| / lr.
            w = np.asarray(args[0], dtype=float)
            return {"atol": 2.0 * np.finfo(float).eps * np.abs(w) / args[self.lr_index]}
        if self.kind == "newton":
            # H (w - w_new): w_new is rounded to eps |w_new|, which H carries to the implied
            # gradient as at most eps |H| (|w| + |w_new|), entry by entry
            w = np.asarray(args[0], dtype=float)
            H = np.abs(np.asarray(self.reference(*args), dtype=float))
            w_new = np.asarray(self.grad(*args), dtype=float)
            return {"atol": 2.0 * np.finfo(float).eps * (H @ (np.abs(w) + np.abs(w_new)))}
        if self.kind != "stationary":
            return {}
        w, X, y, sigma = (np.asarray(a, dtype=float) for a in args)
        singular = np.linalg.svd(X, compute_uv=False)
        norm_x = float(singular[0]) if singular.size else 0.0
        resid = np.linalg.norm(y - X @ w)
        c = 8.0 * max(X.shape)
        eps = np.finfo(float).eps
        least = float(singular[-1]) if singular.size else 0.0
        cap = 0.01 / (c * eps)
        cond2 = cap if least * least * cap <= norm_x * norm_x else (norm_x / least) ** 2
        bound = c * eps * norm_x * (resid + cond2 * norm_x * np.linalg.norm(w))
        return {"atol": float(bound / sigma**2)}

    def judged(self, result: Any) -> str:
        """The verdict of a check of this entry: ``"pass"``, ``"fail"`` or ``"inconclusive"``.

        A gradient or step takes the check's own verdict. A maximiser is checked by the
        gradient at ``w*``, which is 0: no relative error can be judged there, so the check
        can only be ``"fail"`` (the gradient exceeds the round-off bound of :meth:`options`)
        or ``"inconclusive"``, and the latter is this entry's pass.
        """
        if (self.kind == "stationary" or self.expect_zero) and result.verdict == "inconclusive":
            return "pass"
        return str(result.verdict)

    def checker(self) -> Callable[..., Any]:
        """The engine's check for this entry, called as ``check(f, answer, args, argnum=...,
        **options)``: :func:`checks.check_gradient`, or for a Hessian :func:`checks.check_hessian`
        and for an HVP :func:`checks.check_hvp` (every entry), with ``grad=reference``."""
        from checks import check_gradient, check_hessian, check_hvp

        if self.kind == "hessian":
            return functools.partial(check_hessian, grad=self.reference)
        if self.kind == "hvp":
            return functools.partial(check_hvp, grad=self.reference, mode="full")
        if self.kind == "jacobian":
            from checks import check_jacobian

            return check_jacobian
        if self.kind == "vjp":
            from checks import check_vjp

            return functools.partial(check_vjp, mode="full")
        return check_gradient

    def relative_error(self, result: Any, args: tuple[Any, ...]) -> float:
        """The error of a check, relative to the size of the gradient.

        For a maximiser the analytic side is 0, so the figure is ``max|grad at w*|``
        relative to ``max|grad at w = 0|``: how stationary ``w*`` is, in the problem's scale.
        """
        if self.kind != "stationary" or self.reference is None:
            return float(result.max_rel_error)
        w, *rest = args
        scale = float(np.max(np.abs(self.reference(np.zeros_like(w), *rest)), initial=0.0))
        return float(result.max_abs_error) / scale if scale > 0 else 0.0

    def prepare(self, candidate: Callable[..., Any] | None = None):
        """Map a drawn tuple to the arguments of the check.

        The identity, except for a maximiser: ``(X, y, sigma) -> (w*, X, y, sigma)`` with
        ``w*`` from ``candidate`` (default: the catalog's answer).
        """
        if self.kind != "stationary":
            return tuple
        answer = self.grad if candidate is None else candidate

        def with_maximiser(args: tuple[Any, ...]) -> tuple[Any, ...]:
            return (np.asarray(answer(*args[:-1]), dtype=float), *args)

        return with_maximiser

    def setup(self, candidate: Callable[..., Any] | None = None):
        """``(f, grad, strategy)`` to hand to :func:`checks.check_gradient`.

        ``candidate`` replaces the catalog's answer (same arguments, same meaning). The
        strategy draws the arguments of the check (``strategy = inputs().map(prepare)``);
        pass ``**self.options(args)`` to the check as well.
        """
        f, grad = self.check_functions(candidate)
        return f, grad, self.inputs().map(self.prepare(candidate))

    def check_functions(self, candidate: Callable[..., Any] | None = None):
        """``(f, grad)`` of the check: the loss and the (implied) gradient.

        Both carry user-facing names (``"7b's loss"``, ``"7b's answer"``), which the
        engine's reports print instead of a Python qualname.
        """
        answer = self.grad if candidate is None else candidate
        if self.kind in ("gradient", "hessian", "hvp", "jacobian", "vjp"):
            gradient = answer
            loss = self._named(self.loss, "loss")
        elif self.kind == "step":
            i = self.lr_index

            def implied_gradient(*args: Any) -> np.ndarray:
                w, lr = np.asarray(args[0], dtype=float), args[i]
                return (w - np.asarray(answer(*args), dtype=float)) / lr

            def loss(*args: Any) -> float:
                return self.loss(*args[:i], *args[i + 1 :])

            gradient = implied_gradient
        elif self.kind == "newton":

            def newton_implied_gradient(*args: Any) -> np.ndarray:
                w = np.asarray(args[0], dtype=float)
                H = np.asarray(self.reference(*args), dtype=float)
                return H @ (w - np.asarray(answer(*args), dtype=float))

            gradient = newton_implied_gradient
            loss = self._named(self.loss, "loss")
        else:

            def zero(w: np.ndarray, *rest: Any) -> np.ndarray:
                return np.zeros_like(w)

            gradient = zero
            loss = self._named(self.loss, "loss")
        _rename(loss, f"{self.id}'s loss")
        if gradient is not answer:
            _rename(gradient, f"{self.id}'s answer")
        return loss, gradient

    @staticmethod
    def _named(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
        """A thin wrapper of ``fn`` to carry a user-facing name (``fn`` itself is untouched)."""

        def wrapper(*args: Any) -> Any:
            return fn(*args)

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    @property
    def argument_names(self) -> tuple[str, ...]:
        """Names of the check's arguments, for reports.

        The variables, except for a maximiser: ``w*`` (the answer), the variables, and the
        loss's remaining parameters marked ``(loss only)`` (4-mle's ``sigma``: the likelihood
        needs it, ``w*`` does not depend on it); and for a Hessian-vector or vector-Jacobian
        product the variables after the direction (the check draws the direction itself).
        """
        if self.kind in ("hvp", "vjp"):
            return self.variables[1:]
        if self.kind != "stationary":
            return self.variables
        try:
            params = [p.name for p in inspect.signature(self.loss).parameters.values()]
        except (TypeError, ValueError):
            params = []
        first = f"{params[0]}*" if params else "w*"
        rest = params[1 + len(self.variables):]
        return (first, *self.variables, *(f"{p} (loss only)" for p in rest))

    def find_counterexample(self, candidate: Callable[..., Any] | None = None, *,
                            prepare: Callable[..., Any] | None = None, **kwargs: Any):
        """Shrink a failure: :func:`checks.search.find_counterexample` over this entry's inputs
        (``prepare``, where given, in place of the entry's own :meth:`prepare`)."""
        from checks.search import find_counterexample

        f, grad = self.check_functions(candidate)
        return find_counterexample(
            f, grad, self.inputs(), argnum=self.argnum, names=self.argument_names,
            options=self.options,
            prepare=self.prepare(candidate) if prepare is None else prepare,
            check=self.checker(), **kwargs,
        )

    def check_args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments of the check for drawn ``args`` (the maximiser prepended if needed)."""
        return tuple(self.prepare()(tuple(args)))

    @property
    def implementation(self) -> Callable[..., Any]:
        """The named function behind the answer (unwrapping ``functools.partial``)."""
        fn = self.grad
        return fn.func if isinstance(fn, functools.partial) else fn

    @property
    def source(self) -> str:
        """The numpy source of the answer function."""
        fn = self.implementation
        try:
            return inspect.getsource(fn)
        except (OSError, TypeError):  # pragma: no cover - lambdas defined at runtime
            return repr(fn)


def _rename(fn: Callable[..., Any], name: str) -> None:
    fn.__name__ = fn.__qualname__ = name
