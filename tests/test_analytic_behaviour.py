"""The analytic side of a matrix check (``checks.analytic``): calls, shape checks, assembly.

Matrices are small and written out by hand; the pair values ``u^T A v`` and their round-off
bars ``sqrt(N) eps sum|terms|`` (module docstring of ``checks.jacobian``) are computed here
term by term, independently of the module's vectorised code.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._args import prepare
from checks._util import EPS
from checks.analytic import _along_pairs, _Analytic, _bad, _call, _expected, _full_matrix

A = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])  # J of x -> A x: out (2,), in (3,)
P = prepare((np.array([0.5, -1.0, 2.0]), 7.0), 0)


def jac(x, c):
    return A.copy()


def jvp(v, x, c):
    return A @ v


def vjp(u, x, c):
    return A.T @ u


# ----------------------------------------------------------------------------- _call


@pytest.mark.parametrize(("kind", "form"), [("matrix", "jac(*args)"),
                                            ("tangent", "jac(v, *args)"),
                                            ("cotangent", "jac(u, *args)")])
def test_a_wrong_signature_names_the_expected_call(kind: str, form: str) -> None:
    def takes_one(x):
        return x

    an = _Analytic(kind, takes_one, "jac")
    lead = () if kind == "matrix" else (np.ones(2),)
    with pytest.raises(TypeError) as info:
        _call(an, P, *lead)
    msg = str(info.value)
    assert msg.startswith(f"jac cannot be called as {form} with the 2 argument(s) of f (")
    assert msg.endswith(")")
    assert isinstance(info.value.__cause__, TypeError)


def test_a_type_error_raised_inside_a_well_called_function_passes_through() -> None:
    def broken(v, x, c):
        raise TypeError("inner problem")

    with pytest.raises(TypeError, match=r"^inner problem$"):
        _call(_Analytic("tangent", broken, "jvp"), P, np.ones(3))


def test_call_passes_the_lead_then_copies_of_the_arguments() -> None:
    seen = []

    def spy(u, x, c):
        seen.append((u, x, c))
        x[:] = 99.0  # writing into its copy harms nothing
        return np.array([1, 2])

    out = _call(_Analytic("cotangent", spy, "vjp"), P, np.array([3.0, 4.0]))
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [1, 2]
    u, x, c = seen[0]
    assert u.tolist() == [3.0, 4.0]
    assert c == 7.0
    assert x is not P.args[0]
    assert P.args[0].tolist() == [0.5, -1.0, 2.0]


# ----------------------------------------------------------------------------- _bad


def test_bad_shape_message() -> None:
    assert _bad(np.zeros((3, 2)), (2, 3), "jac(*args)", "the shape") == (
        "jac(*args) has shape (3, 2), but the shape is (2, 3) (no broadcasting, no "
        "transposed layout)")


def test_bad_dtype_message_and_accepted_kinds() -> None:
    assert _bad(np.zeros(2, complex), (2,), "jvp", "x") == (
        "jvp must be a real array, got dtype complex128")
    assert _bad(np.array(["a", "b"]), (2,), "jvp", "x") == (
        "jvp must be a real array, got dtype <U1")
    for arr in (np.array([True, False]), np.array([1, 2], np.int8), np.array([1, 2], np.uint8),
                np.array([1.0, 2.0], np.float32)):
        assert _bad(arr, (2,), "jvp", "x") is None


def test_bad_non_finite_message_names_the_first_one() -> None:
    arr = np.array([[1.0, 2.0], [np.inf, np.nan]])
    assert _bad(arr, (2, 2), "hess(*args)", "x") == "hess(*args) is not finite: inf at index (1, 0)"
    assert _bad(np.array([1.0, 2.0]), (2,), "jvp", "x") is None


# ----------------------------------------------------------------------------- _expected


def test_expected_shapes_and_words() -> None:
    m, t, c = (_Analytic(k, jac, n) for k, n in (("matrix", "jac"), ("tangent", "jvp"),
                                                  ("cotangent", "vjp")))
    assert _expected(m, (3,), (2,), False) == (
        (2, 3), "jac(*args)", "f's output shape + the argument's shape")
    assert _expected(m, (3,), (3,), True) == ((3, 3), "jac(*args)", "shape + shape")
    assert _expected(t, (3,), (2,), False) == ((2,), "jvp(v, *args)", "f's output shape")
    assert _expected(t, (3,), (3,), True) == ((3,), "jvp(v, *args)", "the argument's shape")
    assert _expected(c, (3,), (2,), False) == ((3,), "vjp(u, *args)", "the argument's shape")
    assert _expected(c, (3,), (2,), True) == ((3,), "vjp(u, *args)", "the argument's shape")


# ----------------------------------------------------------------------------- _full_matrix


@pytest.mark.parametrize(("kind", "fn"), [("matrix", jac), ("tangent", jvp), ("cotangent", vjp)])
def test_full_matrix_of_each_kind_is_the_jacobian(kind: str, fn) -> None:
    arr, why = _full_matrix(_Analytic(kind, fn, "g"), P, (2,))
    assert why is None
    assert arr.shape == (2, 3)
    assert arr.tolist() == A.tolist()


def test_full_matrix_of_an_integer_jvp_is_float() -> None:
    arr, why = _full_matrix(_Analytic("tangent", lambda v, x, c: (A @ v).astype(int), "jvp"),
                            P, (2,))
    assert why is None
    assert arr.dtype == np.float64


def test_full_matrix_of_a_higher_dimensional_vjp() -> None:
    B = np.arange(24.0).reshape(2, 3, 4)  # out (2, 3), in (4,)
    p = prepare((np.ones(4),), 0)
    arr, why = _full_matrix(_Analytic("cotangent", lambda u, x: np.tensordot(u, B, 2), "vjp"),
                            p, (2, 3))
    assert why is None
    assert arr.tolist() == B.tolist()
    arr, why = _full_matrix(_Analytic("tangent", lambda v, x: B @ v, "jvp"), p, (2, 3))
    assert why is None
    assert arr.tolist() == B.tolist()


def test_full_matrix_of_a_wrong_matrix_says_why() -> None:
    arr, why = _full_matrix(_Analytic("matrix", lambda x, c: A.T, "jac"), P, (2,))
    assert arr.shape == (3, 2)
    assert why == ("jac(*args) has shape (3, 2), but f's output shape + the argument's shape is "
                   "(2, 3) (no broadcasting, no transposed layout)")


def test_full_matrix_names_the_unit_vector_that_went_wrong() -> None:
    def jvp_bad_at_2(v, x, c):
        out = A @ v
        return out * np.nan if v[2] == 1.0 else out

    arr, why = _full_matrix(_Analytic("tangent", jvp_bad_at_2, "jvp"), P, (2,))
    assert why == "jvp(v, *args) at the unit vector (2,) is not finite: nan at index (0,)"
    assert arr.shape == (2,)

    def vjp_short(u, x, c):
        return (A.T @ u)[:2]

    arr, why = _full_matrix(_Analytic("cotangent", vjp_short, "vjp"), P, (2,))
    assert why == ("vjp(u, *args) at the unit vector (0,) has shape (2,), but the argument's "
                   "shape is (3,) (no broadcasting, no transposed layout)")


def test_full_matrix_of_a_map_without_inputs_is_an_empty_matrix() -> None:
    p = prepare((np.zeros(0),), 0)
    calls = []
    an = _Analytic("tangent", lambda v, x: calls.append(v) or np.zeros(2), "jvp")
    arr, why = _full_matrix(an, p, (2,))
    assert why is None
    assert calls == []
    assert arr.shape == (2, 0)


def test_full_matrix_calls_a_jvp_once_per_unit_tangent() -> None:
    seen = []

    def spy(v, x, c):
        seen.append(v.copy())
        return A @ v

    _full_matrix(_Analytic("tangent", spy, "jvp"), P, (2,))
    assert [s.tolist() for s in seen] == np.eye(3).tolist()


# ----------------------------------------------------------------------------- _along_pairs

US = np.array([[1.0, -2.0], [0.5, 3.0]])
VS = np.array([[1.0, 0.0, -1.0], [2.0, -1.0, 0.25]])


def by_hand(j: int) -> tuple[float, float]:
    terms = [US[j, o] * A[o, i] * VS[j, i] for o in range(2) for i in range(3)]
    return sum(terms), np.sqrt(6) * EPS * sum(abs(t) for t in terms)


def test_along_pairs_of_a_matrix() -> None:
    a, extra, why, top = _along_pairs(_Analytic("matrix", jac, "jac"), P, US, VS, (2,))
    assert why is None
    assert top == 6.0
    for j in range(2):
        value, bar = by_hand(j)
        assert a[j] == pytest.approx(value, rel=1e-14, abs=0)
        assert extra[j] == pytest.approx(bar, rel=1e-12, abs=0)


def test_along_pairs_of_a_jvp() -> None:
    a, extra, why, top = _along_pairs(_Analytic("tangent", jvp, "jvp"), P, US, VS, (2,))
    assert why is None
    for j in range(2):
        value = sum(US[j, o] * sum(A[o, i] * VS[j, i] for i in range(3)) for o in range(2))
        assert a[j] == pytest.approx(value, rel=1e-14, abs=0)
        terms = [US[j, o] * (A[o] @ VS[j]) for o in range(2)]
        assert extra[j] == pytest.approx(np.sqrt(2) * EPS * sum(map(abs, terms)), rel=1e-12, abs=0)
    # max|A v_j| / ||v_j||_1: pair 0: A v = (-2, 10), 10 / 2 = 5; pair 1: (4.75, 1.5), / 3.25
    assert top == pytest.approx(5.0, rel=1e-15, abs=0)


def test_along_pairs_of_a_vjp() -> None:
    a, extra, why, top = _along_pairs(_Analytic("cotangent", vjp, "vjp"), P, US, VS, (2,))
    assert why is None
    for j in range(2):
        atu = [sum(A[o, i] * US[j, o] for o in range(2)) for i in range(3)]
        terms = [atu[i] * VS[j, i] for i in range(3)]
        assert a[j] == pytest.approx(sum(terms), rel=1e-14, abs=0)
        assert extra[j] == pytest.approx(np.sqrt(3) * EPS * sum(map(abs, terms)), rel=1e-12, abs=0)
    # A^T u_0 = (-7, -12, 15) / 3 = 5; A^T u_1 = (12.5, 14, -16.5) / 3.5 = 4.71...
    assert top == pytest.approx(5.0, rel=1e-15, abs=0)


def test_along_pairs_top_is_the_largest_over_pairs() -> None:
    us = US[::-1]
    vs = VS[::-1]
    *_, top = _along_pairs(_Analytic("cotangent", vjp, "vjp"), P, us, vs, (2,))
    assert top == pytest.approx(5.0, rel=1e-15, abs=0)


def test_along_pairs_of_a_bad_matrix_says_why_and_gives_nan() -> None:
    a, extra, why, top = _along_pairs(_Analytic("matrix", lambda x, c: A.T, "jac"), P, US, VS,
                                      (2,))
    assert why.startswith("jac(*args) has shape (3, 2), but f's output shape + the argument's")
    assert np.isnan(a).all() and a.shape == (2,)
    assert extra.tolist() == [0.0, 0.0]
    assert top is None


def test_along_pairs_names_the_pair_of_a_bad_product() -> None:
    def vjp_bad_second(u, x, c):
        return A.T @ u if u[0] == 1.0 else np.array([1.0, np.inf, 0.0])

    a, extra, why, top = _along_pairs(_Analytic("cotangent", vjp_bad_second, "vjp"), P, US, VS,
                                      (2,))
    assert why == "vjp(u, *args) of pair 1 is not finite: inf at index (1,)"
    assert top is None
    assert a[0] == pytest.approx(by_hand(0)[0], rel=1e-14, abs=0)
    assert np.isnan(a[1])
    assert extra[1] == 0.0

    a, extra, why, top = _along_pairs(_Analytic("tangent", lambda v, x, c: A.T @ v[:2], "jvp"),
                                      P, US, VS, (2,))
    assert why == ("jvp(v, *args) of pair 0 has shape (3,), but f's output shape is (2,) (no "
                   "broadcasting, no transposed layout)")
    assert np.isnan(a).all()


def test_along_pairs_of_a_hessian_product_uses_the_argument_shape_words() -> None:
    H = np.array([[2.0, 1.0], [1.0, 3.0]])
    p = prepare((np.ones(2),), 0)
    *_, why, top = _along_pairs(_Analytic("tangent", lambda v, x: np.ones(3), "hvp"), p,
                                np.ones((1, 2)), np.ones((1, 2)), (2,), hessian=True)
    assert why == ("hvp(v, *args) of pair 0 has shape (3,), but the argument's shape is (2,) "
                   "(no broadcasting, no transposed layout)")
    a, extra, why, top = _along_pairs(_Analytic("tangent", lambda v, x: H @ v, "hvp"), p,
                                      np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), (2,),
                                      hessian=True)
    assert why is None
    assert a.tolist() == [1.0]
    assert top == 3.0
