r"""Proofs for all sizes: SymPy's matrix calculus and a canonical form in the free algebra.

SymPy differentiates the loss written in ``MatrixSymbol``\ s of symbolic size (``X`` of shape
``(n, n)``); the result and the formula are brought to a canonical form (:func:`_canonical`)
-- expanded, transposes pushed down to the symbols, inverses cancelled against their
argument, scalar coefficients collected, terms sorted -- and compared. Equal canonical forms
are an identity of the matrix algebra, for every size. This trusts SymPy's matrix calculus
(which has bugs: the derivative of a scalar ``Add`` of a constant and a ``Trace`` comes out as
0 in SymPy 1.14, and an elementwise function gives array contractions or errors), so the
prover (:mod:`gradients.proof.prover`) counts it only together with the exact checks at fixed
sizes.

>>> import sympy
>>> n = sympy.Symbol("n", integer=True, positive=True)
>>> A, B = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("B", n, n)
>>> _poly_is_zero(_subtract(_canonical((A @ B).T), _canonical(B.T @ A.T)))
True
>>> _poly_is_zero(_subtract(_canonical((A @ B).T), _canonical(A.T @ B.T)))
False
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from gradients.proof.backend import _sympy
from gradients.proof.exact import _param_sets
from gradients.proof.forms import Candidate, SymbolicForm
from gradients.proof.ops import _general_variables, _GeneralOps
from gradients.proof.zero import _is_zero


def _canonical(e: Any, t: bool = False) -> dict[tuple[Any, ...], Any]:
    """A matrix expression as a polynomial in the free algebra: ``{word: coefficient}``.

    Products are expanded, transposes pushed down to the symbols (``(AB)^T = B^T A^T``),
    integer powers written out, ``M (M)^{-1}`` cancelled, scalar coefficients collected. Any
    other node (an elementwise function, a Hadamard product) is an opaque letter, compared by
    its structure. Equal polynomials are equal matrices for every size.
    """
    sp = _sympy()
    if isinstance(e, sp.MatAdd):
        out: dict[tuple[Any, ...], Any] = {}
        for arg in e.args:
            _accumulate(out, _canonical(arg, t))
        return out
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        polys = [_canonical(m, t) for m in mats]
        if t:
            polys.reverse()
        result: dict[tuple[Any, ...], Any] = {(): coeff}
        for p in polys:
            result = _product(result, p)
        return result
    if isinstance(e, sp.MatPow):
        base, k = e.args
        if k.is_integer and k >= 0:
            result = {(): sp.Integer(1)}
            for _ in range(int(k)):
                result = _product(result, _canonical(base, t))
            return result
        if k.is_integer:
            inv = {(("inv", _frozen(_canonical(base, t))),): sp.Integer(1)}
            result = {(): sp.Integer(1)}
            for _ in range(int(-k)):
                result = _product(result, inv)
            return result
    if isinstance(e, sp.Transpose):
        return _canonical(e.arg, not t)
    if isinstance(e, sp.Inverse):
        inner = _canonical(e.arg, t)
        return {(("inv", _frozen(inner)),): sp.Integer(1)}
    if isinstance(e, sp.Identity):
        return {(): sp.Integer(1)}
    if isinstance(e, sp.ZeroMatrix):
        return {}
    if isinstance(e, sp.MatrixSymbol):
        return {((e.name, t),): sp.Integer(1)}
    return {(("opaque", sp.srepr(e), t),): sp.Integer(1)}


def _frozen(poly: Mapping[tuple[Any, ...], Any]) -> tuple[Any, ...]:
    sp = _sympy()
    return tuple(sorted(((w, sp.cancel(c)) for w, c in poly.items() if c != 0), key=str))


def _accumulate(out: dict[tuple[Any, ...], Any], poly: Mapping[tuple[Any, ...], Any]) -> None:
    for w, c in poly.items():
        out[w] = out.get(w, 0) + c


def _cancel_inverses(word: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """Remove ``M M^{-1}`` and ``M^{-1} M`` for an inverse of a single term ``c M``."""
    sp = _sympy()
    factor = sp.Integer(1)
    changed = True
    while changed:
        changed = False
        for i, letter in enumerate(word):
            if not (isinstance(letter, tuple) and letter and letter[0] == "inv"):
                continue
            terms = letter[1]
            if len(terms) != 1:
                continue
            w, c = terms[0]
            n = len(w)
            if n and tuple(word[i - n:i]) == w and i - n >= 0:
                word = word[:i - n] + word[i + 1:]
            elif n and tuple(word[i + 1:i + 1 + n]) == w:
                word = word[:i] + word[i + 1 + n:]
            else:
                continue
            factor = factor / c
            changed = True
            break
    return word, factor


_MAX_TERMS = 4096  # a canonical form larger than this is not attempted


def _product(p: Mapping[tuple[Any, ...], Any],
             q: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    if len(p) * len(q) > _MAX_TERMS:
        raise ValueError(f"the expanded form has more than {_MAX_TERMS} terms")
    out: dict[tuple[Any, ...], Any] = {}
    for w1, c1 in p.items():
        for w2, c2 in q.items():
            word, factor = _cancel_inverses(w1 + w2)
            out[word] = out.get(word, 0) + c1 * c2 * factor
    return out


def _poly_is_zero(poly: Mapping[tuple[Any, ...], Any]) -> bool:
    sp = _sympy()
    return all(sp.simplify(c) == 0 for c in poly.values())


def _subtract(p: Mapping[tuple[Any, ...], Any],
              q: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    out = dict(p)
    for w, c in q.items():
        out[w] = out.get(w, 0) - c
    return out


def _pointwise(e: Any, x: Any) -> tuple[Any, Any, tuple[str, ...]] | None:
    """``e`` as ``others * h.(base)``: ``(base, h(x), others)``, or ``None``.

    For an expression of elementwise functions of one matrix ``base`` (``f.(c base)``, sums,
    scalar multiples, Hadamard products and powers, the all-ones matrix), times Hadamard
    factors that are not functions of it (``others``, by structure): then two such
    expressions with the same ``base`` and ``others`` are equal at every size iff the scalar
    functions ``h`` are equal -- a one-variable identity the exact zero test decides.
    """
    sp = _sympy()
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    if isinstance(e, ElementwiseApplyFunction):
        arg = e.expr
        coeff, mats = arg.as_coeff_matrices() if isinstance(arg, sp.MatMul) else (1, [arg])
        base, scale = (mats[0], coeff) if len(mats) == 1 else (arg, 1)
        return base, e.function(scale * x), ()
    if isinstance(e, sp.OneMatrix):
        return None, sp.Integer(1), ()
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        if len(mats) == 1:
            inner = _pointwise(mats[0], x)
            return None if inner is None else (inner[0], coeff * inner[1], inner[2])
        return None, sp.Integer(1), (sp.srepr(e),)
    if isinstance(e, sp.HadamardPower):
        inner = _pointwise(e.base, x)
        if inner is None or not e.exp.is_Integer:
            return None
        return inner[0], inner[1] ** e.exp, inner[2] * int(e.exp)
    if isinstance(e, (sp.HadamardProduct, sp.MatAdd)):
        parts = [_pointwise(a, x) for a in e.args]
        if any(p is None for p in parts):
            return None
        bases = {p[0] for p in parts if p[0] is not None}
        if len(bases) > 1:
            return None
        base = bases.pop() if bases else None
        if isinstance(e, sp.HadamardProduct):
            body = functools.reduce(lambda a, b: a * b, (p[1] for p in parts))
            return base, body, tuple(sorted(sum((p[2] for p in parts), ())))
        if len({p[2] for p in parts}) != 1:
            return None
        return base, sum((p[1] for p in parts), sp.Integer(0)), parts[0][2]
    if isinstance(e, sp.MatrixExpr):
        return None, sp.Integer(1), (sp.srepr(e),)
    return None


def _elementwise_equal(a: Any, b: Any) -> bool:
    """Equal at every size by :func:`_pointwise` (inside ``DiagMatrix`` on both sides)."""
    sp = _sympy()

    def undiag(e: Any) -> tuple[bool, Any]:
        if isinstance(e, sp.DiagMatrix):
            return True, e.args[0]
        if isinstance(e, sp.MatMul):
            coeff, mats = e.as_coeff_matrices()
            if len(mats) == 1 and isinstance(mats[0], sp.DiagMatrix):
                return True, coeff * mats[0].args[0]
        return False, e

    (da, a), (db, b) = undiag(a), undiag(b)
    if da != db:
        return False
    x = sp.Symbol("x", real=True)
    pa, pb = _pointwise(a, x), _pointwise(b, x)
    if pa is None or pb is None or pa[2] != pb[2] or None in (pa[0], pb[0]):
        return False
    return bool(pa[0] == pb[0] and _is_zero(pa[1] - pb[1]))


_DERIVATIVES: dict[tuple[Any, ...], tuple[SymbolicForm, Any]] = {}
_MAX_CACHED = 256


def _general_derivative(form: SymbolicForm, loss_builder: Callable[..., Any] | None,
                        params: tuple[tuple[str, int], ...]) -> Any:
    """SymPy's derivative of the loss at symbolic sizes, or why there is none (a ``str``
    with an ``{at}`` field). Cached per form object: it depends on neither the candidate nor
    the sizes (a form holds mappings, so it is no key itself; the cache keeps it alive)."""
    key = (id(form), loss_builder, params)
    if key not in _DERIVATIVES:
        if len(_DERIVATIVES) >= _MAX_CACHED:
            _DERIVATIVES.clear()
        _DERIVATIVES[key] = (form, _derive(form, loss_builder, params))
    return _DERIVATIVES[key][1]


def _derive(form: SymbolicForm, loss_builder: Callable[..., Any] | None,
            params: tuple[tuple[str, int], ...]) -> Any:
    sp = _sympy()
    o = _GeneralOps()
    variables = _general_variables(form)
    values = {**variables, **dict(params)}
    V = variables[form.wrt]
    expected = tuple(V.shape)
    try:
        loss = (loss_builder or form.loss)(o, **{a: values[a] for a in form.loss_args})
        if form.kind == "vjp":  # the gradient of <u, F>
            loss = sp.Trace(variables[form.direction].T @ loss)
        G = loss.diff(V)
        if form.kind == "jacobian":
            # SymPy's layout for a column by a column is (input, output): transpose it
            expected = (loss.shape[0], V.shape[0])
            if V.shape[1] != 1 or loss.shape[1] != 1:
                return ("a Jacobian{at} of a matrix map is a 4-d array, beyond SymPy's "
                        "matrix expressions")
            G = G.T if isinstance(G, sp.MatrixExpr) else G
    except Exception as exc:  # noqa: BLE001 - SymPy's limits, reported as such
        why = f"{type(exc).__name__}: {exc}".replace("{", "{{").replace("}", "}}")
        return f"SymPy's matrix calculus failed{{at}}: {why}"[:300]
    if not isinstance(G, sp.MatrixExpr):
        return (f"SymPy's derivative{{at}} is an array expression ({type(G).__name__}), not "
                "a matrix expression")
    if tuple(G.shape) != expected:
        return f"SymPy's derivative{{at}} has shape {G.shape}, not {expected}"
    return G


def _general(form: SymbolicForm, cand: Candidate | None,
             loss_builder: Callable[..., Any] | None) -> str:
    """``"match"``, or why SymPy's matrix calculus did not prove the formula for all sizes."""
    sp = _sympy()
    if not form.general:
        return "not tried (elementwise nonlinearities)"
    if cand is not None and cand.builder is None and cand.general is None:
        return "no symbolic-size form of the candidate"
    o = _GeneralOps()
    variables = _general_variables(form)
    for params in _param_sets(form):
        values = {**variables, **params}
        V = variables[form.wrt]
        at = f" at {', '.join(f'{k} = {v}' for k, v in params.items())}" if params else ""
        G = _general_derivative(form, loss_builder, tuple(sorted(params.items())))
        if isinstance(G, str):
            return G.format(at=at)
        try:
            if cand is not None and cand.general is not None:
                answer = cand.general(values)
            else:
                builder = form.answer if cand is None else cand.builder
                answer = builder(o, **{a: values[a] for a in form.answer_args})
            if form.kind == "stationary":
                poly, target = _canonical(G.xreplace({V: answer})), G
            elif form.kind == "hessian":
                if answer == 0:  # the zero tensor: the gradient must not depend on V
                    poly, target = ({} if V not in G.free_symbols else {(): 1}), G
                else:
                    target = (G.diff(V) if V in G.free_symbols
                              else sp.ZeroMatrix(*answer.shape))
                    if not isinstance(target, sp.MatrixExpr):
                        return (f"SymPy's second derivative{at} is an array expression "
                                f"({type(target).__name__}), not a matrix expression")
                    poly = _subtract(_canonical(answer), _canonical(target))
            elif form.kind == "hvp":
                t = sp.Dummy("t")
                moved = _canonical(G.xreplace({V: V + t * variables[form.direction]}))
                target = {w: sp.diff(c, t).subs(t, 0) for w, c in moved.items()}
                poly = _subtract(_canonical(answer), target)
            elif form.kind == "newton":
                target = G.diff(V)
                poly = _subtract(_canonical(target @ (V - answer)), _canonical(G))
            else:
                if form.kind == "step":
                    answer = (V - answer) / values[form.lr]
                poly, target = _subtract(_canonical(answer), _canonical(G)), G
        except Exception as exc:  # noqa: BLE001
            return f"no canonical form{at}: {type(exc).__name__}: {exc}"[:300]
        if _poly_is_zero(poly):
            continue
        try:
            pointwise = form.kind in ("gradient", "jacobian", "vjp") and _elementwise_equal(
                answer, target)
        except Exception:  # noqa: BLE001 - not in that form: no proof this way
            pointwise = False
        if pointwise:
            continue  # elementwise functions of one argument, equal as scalar functions
        return f"canonical forms differ{at}: derivative {target}, formula {answer}"[:300]
    return "match"
