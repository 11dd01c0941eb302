"""The exact zero test: whether an expression of the entries is identically zero.

Exponentials, sigmoids and ``tanh`` become rational functions of the sigmoids of the
(canonical) pre-activations, ``exp(p) = s/(1 - s)`` with ``s = sigma(p)``, treated as
independent symbols; an inverse (:func:`gradients.proof.backend.exact_inverse`) is cleared by
multiplying with its determinant; the numerator then expands to 0 or not. The test is sound,
not complete: ``True`` is a proof, ``False`` only "not shown".

>>> import sympy
>>> sig, _ = functions()
>>> x = sympy.Symbol("x")
>>> _is_zero(sig(x) * (1 - sig(x)) - sig(x).diff(x))
True
>>> _is_zero(sympy.exp(x) - sig(x) / (1 - sig(x)))
True
>>> _is_zero(x - 1)
False
"""

from __future__ import annotations

from typing import Any

from gradients.proof.backend import _INVERSE_DETS, _sympy, functions


def _without_inverses(e: Any) -> Any:
    """``e`` times a power of each determinant it divides by, as a polynomial in ``1/det``.

    ``e = sum_i c_i d^i`` with ``d = 1/det`` is zero iff ``sum_i c_i det^(k - i)`` is (``det``
    is a non-zero polynomial): the inverse's denominator cleared without ``together``.
    """
    sp = _sympy()
    for d in [s for s in e.free_symbols if s in _INVERSE_DETS]:
        poly = sp.Poly(sp.expand(e), d)
        k = poly.degree()
        det = _INVERSE_DETS[d]
        e = sum((c * det ** (k - i) for (i,), c in poly.terms()), sp.Integer(0))
    return e


def _with_inverses(e: Any) -> Any:
    """``e`` with each inverse's symbol replaced by ``1 / det`` (for evaluation and display)."""
    found = {s: 1 / _INVERSE_DETS[s] for s in e.free_symbols if s in _INVERSE_DETS}
    return e.xreplace(found) if found else e


def _exact(e: Any) -> Any:
    """Floats (from numpy code) as the exact rationals they are."""
    sp = _sympy()
    e = sp.sympify(e)
    floats = e.atoms(sp.Float)
    return e.xreplace({f: sp.Rational(f) for f in floats}) if floats else e


def _reduced(e: Any) -> Any:
    """``e`` as a rational function of the entries and of one symbol per sigmoid.

    Every ``sigmoid(c p)``, ``exp(c p)`` and ``tanh(c p / 2)`` (``p`` a canonical, sign-normalised
    primitive polynomial, ``c`` an integer) becomes a polynomial or rational function of one
    symbol ``s_p`` standing for ``sigmoid(p)``: ``sigmoid(-p) = 1 - s_p``,
    ``exp(p) = s_p / (1 - s_p)``, ``tanh(p / 2) = 2 s_p - 1``. These are identities, so a
    result that is 0 as a rational function in independent symbols is 0 -- the converse need
    not hold (``sigmoid(2p)`` is left alone, and relations between different ``p`` are not
    used): the test is sound, not complete.
    """
    sp = _sympy()
    sig, soft = functions()
    atoms: dict[Any, Any] = {}

    def key(arg: Any) -> tuple[Any, Any]:
        arg = sp.expand(arg)
        c, p = arg.as_content_primitive()
        if p.could_extract_minus_sign():
            c, p = -c, -p
        return c, p

    def symbol(p: Any) -> Any:
        if p not in atoms:
            atoms[p] = sp.Dummy(f"s{len(atoms)}")
        return atoms[p]

    def on_sigmoid(arg: Any) -> Any:
        c, p = key(arg)
        if c == 1:
            return symbol(p)
        if c == -1:
            return 1 - symbol(p)
        return sig(arg)

    def on_exp(arg: Any) -> Any:
        c, p = key(arg)
        if not c.is_integer:
            return sp.exp(arg)
        s = symbol(p)
        return (s / (1 - s)) ** c

    e = _exact(e)
    present = {type(f) for f in e.atoms(sp.Function)} | ({sp.exp} if e.has(sp.exp) else set())
    if sp.tanh in present:
        e = e.replace(sp.tanh, lambda u: 2 * sig(2 * u) - 1)
        present.add(sig)
    if sig in present:
        e = e.replace(sig, on_sigmoid)
    if sp.exp in present:
        e = e.replace(sp.exp, on_exp)
    return e


def _is_zero(e: Any) -> bool:
    """Exactly zero (proved), or not shown to be."""
    sp = _sympy()
    e = _exact(e)
    if e == 0:
        return True
    e = _without_inverses(e)
    r = _reduced(e)
    if r == 0:
        return True
    if r.is_polynomial():  # nothing to bring over a common denominator
        return bool(sp.expand(r) == 0)
    num, _ = sp.fraction(sp.together(r))
    return bool(sp.expand(num) == 0)


def _numeric(e: Any) -> Any:
    """``e`` with the sigmoid and softplus written through ``exp`` (for evaluation)."""
    sp = _sympy()
    sig, soft = functions()
    e = _with_inverses(sp.sympify(e))
    e = e.replace(sig, lambda u: 1 / (1 + sp.exp(-u)))
    return e.replace(soft, lambda u: sp.log(1 + sp.exp(u)))
