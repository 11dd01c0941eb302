"""What ``gradients show`` adds to a catalog entry: its variables and its formula as numpy code.

For each entry of our catalog, :data:`VARIABLES` gives each variable's shape and role, and
:data:`PROGRAMS` the answer written as a ``gradients try`` candidate: ``name = expression``
lines ending with the answer, in the entry's variable names, with numpy as ``np`` and
``sigmoid``. The same text is

* what ``gradients show ID --format numpy`` prints, as a self-contained function
  (:func:`numpy_code`: ``import numpy as np``, ``sigmoid`` defined, only public names);
* a candidate that ``gradients try ID`` accepts and passes (the tests run both).

A user's own derivation (``--module``) brings ``shapes=`` and ``roles=`` if it likes, and its
numpy code is the source of its ``grad``.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import re

from gradients.catalog import CATALOG, Derivation

__all__ = ["PROGRAMS", "VARIABLES", "answer_line", "numpy_code", "variable_lines"]

_SQUARE = {"X": ("(D, D)", "a square matrix")}
_LOGISTIC = {
    "w": ("(D,)", "weights"),
    "X": ("(N, D)", "design matrix, samples as rows"),
    "y": ("(N,)", "labels, each 0 or 1"),
    "lr": ("scalar", "learning rate (0.125)"),
    "lam": ("scalar", "L2 penalty weight, >= 0"),
}
_BIPOLAR = {**_LOGISTIC, "y": ("(N,)", "labels, each -1 or 1")}
_GAUSSIAN = {
    "w": ("(D,)", "weights"),
    "X": ("(N, D)", "design matrix, samples as rows"),
    "y": ("(N,)", "real targets"),
    "sigma": ("scalar", "noise standard deviation, > 0"),
}
_NET = {
    "W0": ("(M, D)", "first layer: W0[m, d] feeds x_d into z_m"),
    "W1": ("(D, M)", "residual branch: W1[d, m] feeds z_m into h_d"),
    "w2": ("(D,)", "output weights"),
    "X": ("(N, D)", "samples as rows"),
    "y": ("(N,)", "labels, each 0 or 1"),
}
_PAIR = {"A": ("(m, n)", "a matrix"), "B": ("(m, n)", "a matrix of A's shape")}
_QUADRATIC = {"w": ("(D,)", "a vector"), "X": ("(D, D)", "a square matrix, not symmetric")}

#: id -> variable -> (shape, role)
VARIABLES: dict[str, dict[str, tuple[str, str]]] = {
    "1a": _SQUARE,
    "1b": _SQUARE,
    "1k": {**_SQUARE, "k": ("integer", "the power, 0 to 6")},
    "2": _LOGISTIC,
    "2-step": _LOGISTIC,
    "3": _BIPOLAR,
    "3-step": _BIPOLAR,
    "4": _GAUSSIAN,
    "4-mle": {"X": ("(N, D)", "design matrix of full column rank, samples as rows"),
              "y": ("(N,)", "real targets")},
    "5": _PAIR,
    "5B": _PAIR,
    "6": _QUADRATIC,
    "6X": _QUADRATIC,
    "7a": {"H": ("(N, D)", "residual layer h(x_i), samples as rows"),
           "w2": ("(D,)", "output weights"), "y": ("(N,)", "labels, each 0 or 1")},
    "7b": _NET,
    "7-W0": _NET,
    "7-w2": _NET,
    "7-X": _NET,
    "1k-hvp": {"V": ("(D, D)", "the direction, a matrix of X's shape"), **_SQUARE,
               "k": ("integer", "the power, 0 to 6")},
    "2-hess": _LOGISTIC,
    "2-newton": {**_LOGISTIC, "lam": ("scalar", "L2 penalty weight, > 0")},
    "4-hess": _GAUSSIAN,
    "5-hess": _PAIR,
    "6-hess": _QUADRATIC,
    # the chain-rule steps: each step's inputs, as the forward pass computes them
    "3-dL/df": {"f": ("(N,)", "the outputs f(x_i), each in (-1, 1)"),
                "y": ("(N,)", "labels, each -1 or 1")},
    "3-df/da": {"a": ("(N,)", "the activations a_i = w^T x_i")},
    "3-da/dw": {"w": ("(D,)", "weights"), "X": ("(N, D)", "design matrix, samples as rows")},
    "7-dL/dg": {"g": ("(N,)", "the outputs g(x_i), each in (0, 1)"),
                "y": ("(N,)", "labels, each 0 or 1")},
    "7-dg/ds": {"s": ("(N,)", "the output pre-activations s_i = w2^T h_i")},
    "7-ds/dh": {"u": ("(N,)", "dL/ds, the gradient flowing back from the later steps"),
                "H": ("(N, D)", "residual layer h(x_i), samples as rows"),
                "w2": ("(D,)", "output weights")},
    "7-dh/da1": {"u": ("(N, D)", "dL/dH, the gradient flowing back from the later steps"),
                 "A1": ("(N, D)", "the residual branch's pre-activations Z W1^T"),
                 "X": ("(N, D)", "samples as rows")},
    "7-da1/dW1": {"u": ("(N, D)", "dL/dA1, the gradient flowing back from the later steps"),
                  "W1": ("(D, M)", "residual branch: W1[d, m] feeds z_m into h_d"),
                  "Z": ("(N, M)", "hidden layer z(x_i), samples as rows")},
}

_NET_FORWARD = """\
Z = sigmoid(X @ W0.T)
S1 = sigmoid(Z @ W1.T)
H = X + S1
g = sigmoid(H @ w2)
d_s = (g - y) * g * (1 - g)
d_h = d_s[:, None] * w2[None, :]
d_a1 = d_h * S1 * (1 - S1)
"""

#: id -> the answer as a `gradients try` candidate
PROGRAMS: dict[str, str] = {
    "1a": "2 * X.T",
    "1b": "3 * (X @ X).T",
    "1k": "k * np.linalg.matrix_power(X, max(k - 1, 0)).T",
    "2": "r = sigmoid(X @ w) - y\nX.T @ r + 2 * lam * w",
    "2-step": "r = sigmoid(X @ w) - y\nw - lr * (X.T @ r + 2 * lam * w)",
    "3": "f = np.tanh(X @ w / 2)\nX.T @ ((f - y) * (1 - f**2)) / 2",
    "3-step": "f = np.tanh(X @ w / 2)\nw - lr * X.T @ ((f - y) * (1 - f**2)) / 2",
    "4": "X.T @ (y - X @ w) / sigma**2",
    "4-mle": "np.linalg.pinv(X) @ y",
    "5": "B",
    "5B": "A",
    "6": "(X + X.T) @ w",
    "6X": "np.outer(w, w)",
    "7a": "g = sigmoid(H @ w2)\nd_s = (g - y) * g * (1 - g)\nd_s[:, None] * w2[None, :]",
    "7b": _NET_FORWARD + "d_a1.T @ Z",
    "7-W0": _NET_FORWARD + "d_a0 = (d_a1 @ W1) * Z * (1 - Z)\nd_a0.T @ X",
    "7-w2": _NET_FORWARD + "H.T @ d_s",
    "7-X": _NET_FORWARD + "d_a0 = (d_a1 @ W1) * Z * (1 - Z)\nd_h + d_a0 @ W0",
    # second order
    "1k-hvp": """\
P2 = X @ X
P3 = P2 @ X
P4 = P3 @ X
S2 = V
S3 = V @ X + X @ V
S4 = V @ P2 + X @ V @ X + P2 @ V
S5 = V @ P3 + X @ V @ P2 + P2 @ V @ X + P3 @ V
S6 = V @ P4 + X @ V @ P3 + P2 @ V @ P2 + P3 @ V @ X + P4 @ V
S = np.where(k == 2, S2, np.where(k == 3, S3, np.where(k == 4, S4, np.where(k == 5, S5, S6))))
np.where(k < 2, 0 * V, k * S.T)""",
    "2-hess": "s = sigmoid(X @ w)\n"
              "X.T @ (X * (s * (1 - s))[:, None]) + 2 * lam * np.diag(np.ones_like(w))",
    "2-newton": """\
s = sigmoid(X @ w)
H = X.T @ (X * (s * (1 - s))[:, None]) + 2 * lam * np.diag(np.ones_like(w))
g = X.T @ (s - y) + 2 * lam * w
w - np.linalg.solve(H, g)""",
    "4-hess": "-(X.T @ X) / sigma**2",
    "5-hess": "0 * A[:, :, None, None] * A[None, None, :, :]",
    "6-hess": "X + X.T",
    # the chain-rule steps
    "3-dL/df": "f - y",
    "3-df/da": "f = np.tanh(a / 2)\nnp.diag((1 - f**2) / 2)",
    "3-da/dw": "X",
    "7-dL/dg": "g - y",
    "7-dg/ds": "g = sigmoid(s)\nnp.diag(g * (1 - g))",
    "7-ds/dh": "np.outer(u, w2)",
    "7-dh/da1": "S = sigmoid(A1)\nu * S * (1 - S)",
    "7-da1/dW1": "u.T @ Z",
}

_HELPERS = {
    "sigmoid": ('def sigmoid(a):\n    """1 / (1 + exp(-a)), without overflow."""\n'
                "    return 0.5 * (1.0 + np.tanh(0.5 * a))\n"),
    "softplus": ('def softplus(a):\n    """log(1 + exp(a)), without overflow."""\n'
                 "    return np.logaddexp(0.0, a)\n"),
}


def _ours(d: Derivation) -> bool:
    """Whether ``d`` is an entry of our catalog (not a user's record with the same id)."""
    return any(d is entry for entry in CATALOG)


def _variable_table(d: Derivation) -> dict[str, tuple[str, str]]:
    if _ours(d) and d.id in VARIABLES:
        return VARIABLES[d.id]
    shapes, roles = d.shapes or {}, d.roles or {}
    return {v: (str(shapes.get(v, "")), str(roles.get(v, ""))) for v in d.variables}


def role_of(d: Derivation, name: str) -> str:
    """What a variable is to the check, from the catalog's metadata (the entry's kind and
    ``argnum``, and its symbolic form's direction, labels, positive scalars and parameters).

    >>> from gradients.catalog import get
    >>> [role_of(get("7-ds/dh"), v) for v in ("u", "H", "w2")]
    ['upstream gradient (fixed)', 'differentiated', 'held fixed']
    >>> [role_of(get("2-step"), v) for v in ("w", "X", "y", "lr", "lam")]
    ['updated', 'held fixed', 'labels (data)', 'hyper-parameter', 'hyper-parameter']
    """
    from gradients.catalog.symbolic import SYMBOLIC

    form = SYMBOLIC.get(d.id) if _ours(d) else None
    directional = d.kind in ("hvp", "vjp")
    if directional and name == d.variables[0]:
        return "direction (fixed)" if d.kind == "hvp" else "upstream gradient (fixed)"
    target = d.variables[min(d.argnum + directional, len(d.variables) - 1)]
    if name == target and d.kind != "stationary":
        return "updated" if d.kind in ("step", "newton") else "differentiated"
    if form is None:
        return "not recorded"
    if name in form.params:
        return "integer parameter"
    if name in form.labels:
        return "labels (data)"
    if name in (*form.positive, *form.nonnegative):
        return "hyper-parameter"
    return "data" if d.kind == "stationary" else "held fixed"


def variable_lines(d: Derivation) -> list[str]:
    """One line per variable: name, shape, role, description (what ``gradients show``
    prints); ``not recorded`` where the catalog (or a user's record) has no shape."""
    table = _variable_table(d)
    rows = []
    for v in d.variables:
        shape, what = table.get(v, ("", ""))
        rows.append((v, shape or "shape not recorded", role_of(d, v), what))
    wn, ws, wr = (max(len(r[i]) for r in rows) for i in range(3))
    return [f"  {n:<{wn}}  {s:<{ws}}  {r:<{wr}}  {what}".rstrip() for n, s, r, what in rows]


def answer_line(d: Derivation) -> str:
    """What the answer is and its shape.

    >>> from gradients.catalog import get
    >>> answer_line(get("1b"))
    'Answer: the gradient with respect to X, shape (D, D)'
    >>> answer_line(get("4-mle"))
    'Answer: the maximiser w* (checked by the gradient of the loss vanishing there)'
    """
    table = _variable_table(d)

    def shape_of(name: str, twice: bool = False) -> str:
        shape = table.get(name, ("", ""))[0]
        if not shape.startswith("("):
            return ""
        if twice:  # (D,) -> (D, D); (m, n) -> (m, n, m, n)
            parts = [p.strip() for p in shape.strip("()").split(",") if p.strip()]
            shape = f"({', '.join(parts * 2)})"
        return f", shape {shape}"

    if d.kind == "stationary":
        return "Answer: the maximiser w* (checked by the gradient of the loss vanishing there)"
    if d.kind == "step":
        return (f"Answer: the new {d.variables[0]} after one gradient-descent step"
                f"{shape_of(d.variables[0])}")
    if d.kind == "newton":
        return f"Answer: the new {d.variables[0]} after one Newton step{shape_of(d.variables[0])}"
    if d.kind in ("hvp", "vjp"):  # grad(direction, *args)
        direction, target = d.variables[0], d.variables[min(d.argnum + 1, len(d.variables) - 1)]
        what = "the Hessian" if d.kind == "hvp" else "the Jacobian's transpose"
        return (f"Answer: {what} with respect to {target} applied to {direction}"
                f"{shape_of(target) if d.kind == 'hvp' else ''}")
    target = d.variables[d.argnum]
    if d.kind == "hessian":
        return f"Answer: the Hessian with respect to {target}{shape_of(target, twice=True)}"
    if d.kind == "jacobian":
        return f"Answer: the Jacobian with respect to {target}"
    if d.kind != "gradient":
        return f"Answer: the {d.kind} with respect to {target}"
    return f"Answer: the gradient with respect to {target}{shape_of(target)}"


def function_name(derivation_id: str) -> str:
    """The name of the function ``gradients show ID --format numpy`` prints.

    >>> function_name("7-ds/dh")
    'grad_7_ds_dh'
    """
    name = "grad_" + re.sub(r"\W", "_", derivation_id)
    return name if name.isidentifier() and not keyword.iskeyword(name) else "grad"


def numpy_code(d: Derivation) -> str:
    """The answer as numpy code that runs as copied (``gradients show ID --format numpy``).

    For our catalog, :data:`PROGRAMS` as a function of the variables, with ``import numpy as
    np`` and the helpers it uses (an entry without a program: a function calling the public
    implementation). For a user's derivation, the source of its ``grad``.
    """
    if not _ours(d):
        try:
            return inspect.getsource(d.implementation)
        except (OSError, TypeError):
            return f"# the source of {d.implementation!r} is not available\n"
    impl = d.implementation
    what = answer_line(d).removeprefix("Answer: ")
    head = [f'"""{d.id} — {d.title}: {what}.', ""]
    signature = f"def {function_name(d.id)}({', '.join(d.variables)}):"
    if d.id not in PROGRAMS:
        return "\n".join([
            *head, '"""', "", f"from {impl.__module__} import {impl.__name__}", "", "",
            signature, f"    return {impl.__name__}({', '.join(d.variables)})", "",
        ])
    program = PROGRAMS[d.id]
    tree = ast.parse(program)
    body = []
    for stmt in tree.body[:-1]:
        body.append(f"    {ast.get_source_segment(program, stmt)}")
    last = ast.get_source_segment(program, tree.body[-1])
    body.append(f"    return {last}")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    helpers = [code for name, code in _HELPERS.items() if name in used]
    lines = [
        *head,
        f"Checked by the test suite; the implementation is {impl.__module__}.{impl.__name__}.",
        '"""',
        "",
        "import numpy as np",
        "",
        "",
        *[h + "\n" for h in helpers],
        signature,
        *body,
        "",
    ]
    return "\n".join(lines)
