"""The candidate-expression evaluator: results, refused escapes, bounds, and fuzzing.

Every parse and evaluation of untrusted text below runs under :func:`watched`, an audit hook
(PEP 578) that fails the test if the interpreter reports executing code, opening a file,
importing a module, or touching the OS while the expression is handled: "never executed" is
checked, not assumed.
"""

import ast
import contextlib
import inspect
import sys

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from gradients._numerics import _sigmoid, _softplus
from gradients.cli.expr import (
    ALLOWED_FUNCTIONS,
    MAX_ELEMENTS,
    MAX_LENGTH,
    ExpressionError,
    LimitError,
    compile_candidate,
    evaluate,
    grammar,
    parse_expression,
    parse_program,
)

RNG = np.random.default_rng(5)

# --- an audit hook: nothing dangerous happens while an expression is handled --------------

_DANGEROUS_PREFIXES = (
    "builtins.",
    "ctypes.",
    "exec",
    "import",
    "open",
    "os.",
    "pickle.",
    "shutil.",
    "socket.",
    "subprocess.",
    "sys._getframe",
    "sys.settrace",
    "urllib.",
    "webbrowser.",
)
_watch: list[list[str]] = []  # a stack of event logs; empty when nothing is watched


def _audit(event: str, args: tuple) -> None:
    if _watch and event.startswith(_DANGEROUS_PREFIXES):
        _watch[-1].append(event)


sys.addaudithook(_audit)  # permanent for the process, but silent outside ``watched``


@contextlib.contextmanager
def watched():
    """Fail if a dangerous audit event is raised inside the block."""
    events: list[str] = []
    _watch.append(events)
    try:
        yield events
    finally:
        _watch.pop()
    assert not events, f"dangerous audit events while handling an expression: {events}"


def test_the_audit_hook_sees_eval():
    # the guard is not vacuous: evaluating code *is* reported
    events: list[str] = []
    _watch.append(events)
    try:
        eval("1 + 1")  # noqa: S307 - the point of the test
    finally:
        _watch.pop()
    assert "exec" in events


def _warm_up():
    """Call each table function once, so lazy imports inside numpy happen outside the hook."""
    M = np.eye(3) + 0.5
    for name in ALLOWED_FUNCTIONS:
        spec = grammar._FUNCTIONS[name]
        args = {"eye": [3], "matrix_power": [M, 2], "solve": [M, M], "arange": [3],
                "einsum": ["ij", M], "reshape": [M, -1]}.get(
            spec.kind, [M] * spec.min_args)
        with np.errstate(all="ignore"):
            spec.func(*args)


_warm_up()


def safe_parse(text, variables=("X", "w")):
    with watched():
        return parse_expression(text, variables)


def safe_evaluate(text_or_tree, env):
    with watched():
        return evaluate(text_or_tree, env)


# --- correct evaluation ---------------------------------------------------------------------

X = RNG.standard_normal((4, 4))
A = RNG.standard_normal((5, 3))
w = RNG.standard_normal(4)
v = RNG.standard_normal(3)
y = (RNG.random(5) < 0.5).astype(float)
lam = 0.7
ENV = {"X": X, "A": A, "w": w, "v": v, "y": y, "lam": lam, "a": w, "W2": v, "x": w, "k": 3}

CASES = [
    ("3 * (X @ X).T", 3 * (X @ X).T),
    ("2 * X @ w", 2 * X @ w),
    ("A.T @ (sigmoid(A @ v) - y) + 2 * lam * v", A.T @ (_sigmoid(A @ v) - y) + 2 * lam * v),
    ("np.outer(w, w)", np.outer(w, w)),
    ("(X + X.T) @ w", (X + X.T) @ w),
    ("np.exp(-a) / (1 + np.exp(-a))**2", np.exp(-w) / (1 + np.exp(-w)) ** 2),
    ("W2[:, None]", v[:, None]),
    ("W2[np.newaxis, :]", v[np.newaxis, :]),
    ("x[0]", w[0]),
    ("x[-1]", w[-1]),
    ("X[1:, ::2]", X[1:, ::2]),
    ("X[..., 0]", X[..., 0]),
    ("np.linalg.matrix_power(X, 2).T", np.linalg.matrix_power(X, 2).T),
    ("k * np.linalg.matrix_power(X, k - 1).T", 3 * np.linalg.matrix_power(X, 2).T),
    ("np.trace(X) * np.eye(4)", np.trace(X) * np.eye(4)),
    ("np.eye(4, 3, k=1)", np.eye(4, 3, k=1)),
    ("np.diag(np.diag(X))", np.diag(np.diag(X))),
    ("np.diag(w, k=-1)", np.diag(w, k=-1)),
    ("np.sum(A, axis=0)", np.sum(A, axis=0)),
    ("np.mean(A, axis=1, keepdims=True)", np.mean(A, axis=1, keepdims=True)),
    ("np.sum(A, axis=(0, 1))", np.sum(A)),
    ("np.tanh(A @ v / 2)", np.tanh(A @ v / 2)),
    ("(1 - np.tanh(w) ** 2) / 2", (1 - np.tanh(w) ** 2) / 2),
    ("np.log1p(np.exp(w))", np.log1p(np.exp(w))),
    ("softplus(w) - np.logaddexp(0, w)", _softplus(w) - np.logaddexp(0, w)),
    ("np.maximum(w, 0) + np.minimum(w, 0)", w),
    ("np.clip(w, -0.5, 0.5)", np.clip(w, -0.5, 0.5)),
    ("np.heaviside(w, 0.5) * w", np.heaviside(w, 0.5) * w),
    ("np.linalg.inv(X).T", np.linalg.inv(X).T),
    ("np.linalg.det(X) * np.linalg.inv(X).T", np.linalg.det(X) * np.linalg.inv(X).T),
    ("np.linalg.solve(X, w)", np.linalg.solve(X, w)),
    ("np.linalg.norm(w) ** 2", np.linalg.norm(w) ** 2),
    ("np.dot(w, X)", w @ X),
    ("np.matmul(X, X.T)", X @ X.T),
    ("np.ones_like(w) * np.pi + np.zeros_like(w) * np.e", np.ones_like(w) * np.pi),
    ("np.full_like(X, 2.5)", np.full_like(X, 2.5)),
    ("np.transpose(X) + np.ravel(X)[:4]", X.T + X.ravel()[:4]),
    ("-w + +w", 0 * w),
    ("2 ** -2 * w", 0.25 * w),
    ("w ** 64", w**64),
    ("w ** -64.0", w**-64.0),
    ("1.5e-3 * X", 1.5e-3 * X),
    ("lam", np.array(lam)),
    ("np.sqrt(np.square(w))", np.abs(w)),
    # comparisons, selection and Python's spelling of abs, max, min
    ("X > 0", X > 0),
    ("(w <= 0) * w", (w <= 0) * w),
    ("k == 3", np.array(True)),
    ("np.where(X > 0, X, 0.1 * X)", np.where(X > 0, X, 0.1 * X)),
    ("np.where(k == 0, 0 * X, k * X)", 3 * X),
    ("np.logical_and(w > -1, w < 1) * 1.0", np.logical_and(w > -1, w < 1) * 1.0),
    ("np.maximum(X, 0) - np.minimum(X, 0)", np.abs(X)),
    ("max(w, 0) + min(w, 0) - abs(w)", w - np.abs(w)),
    ("k * np.linalg.matrix_power(X, max(k - 1, 0)).T", 3 * np.linalg.matrix_power(X, 2).T),
    ("np.heaviside(w, 0) + np.sign(w) + np.floor(w) + np.isfinite(w)",
     np.heaviside(w, 0) + np.sign(w) + np.floor(w) + np.isfinite(w)),
    ("np.tril(X, k=-1) + np.triu(X) + np.cumsum(w, axis=0)[0]",
     np.tril(X, k=-1) + np.triu(X) + np.cumsum(w)[0]),
    ("np.std(A, axis=0) + np.var(A, axis=0)", np.std(A, axis=0) + np.var(A, axis=0)),
    ("np.kron(v, v)", np.kron(v, v)),
    ("np.linalg.cholesky(X @ X.T + np.eye(4))", np.linalg.cholesky(X @ X.T + np.eye(4))),
    ("np.linalg.solve(X, np.eye(4))", np.linalg.solve(X, np.eye(4))),
    # programs: assignments to new names, then the answer
    ("S = X + X.T; S @ w", (X + X.T) @ w),
    ("r = sigmoid(A @ v) - y\nA.T @ r + 2 * lam * v", A.T @ (_sigmoid(A @ v) - y) + 2 * lam * v),
    ("u1 = X @ w; u2 = u1 * u1; u3 = u2 - u1; np.sum(u3)", np.sum((X @ w) ** 2 - X @ w)),
    ("  S = X @ X ;\n\n 3 * S.T  ", 3 * (X @ X).T),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_evaluates_like_numpy(text, expected):
    result = safe_evaluate(text, ENV)
    assert isinstance(result, np.ndarray)
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_parse_then_evaluate_the_same_tree():
    tree = safe_parse("(X + X.T) @ w")
    assert isinstance(tree, ast.Expression)
    np.testing.assert_array_equal(safe_evaluate(tree, ENV), (X + X.T) @ w)


def test_the_result_is_a_copy_and_the_inputs_are_untouched():
    before = {name: np.copy(value) for name, value in ENV.items()}
    result = safe_evaluate("X.T", ENV)
    assert not np.shares_memory(result, X)
    result[...] = 0.0
    for text in ("np.exp(X)", "np.maximum(X, 0)", "X[0]", "np.ravel(X)"):
        safe_evaluate(text, ENV)[...] = 0.0
    for name, value in before.items():
        np.testing.assert_array_equal(ENV[name], value)


def test_non_finite_results_are_returned_not_raised():
    result = safe_evaluate("np.log(w - w) + 1 / (w - w)", {"w": np.ones(2)})
    assert np.all(np.isnan(result) | np.isinf(result))
    assert safe_evaluate("1 / 0", {}) == np.inf


def test_a_variable_shadows_a_helper_of_the_same_name():
    assert safe_evaluate("sigmoid * 2", {"sigmoid": 1.5}) == 3.0
    with pytest.raises(ExpressionError, match="'sigmoid' is a variable, not a function"):
        safe_parse("sigmoid(1)", ["sigmoid"])


def test_allowed_functions_table():
    assert "np.exp" in ALLOWED_FUNCTIONS
    assert "np.linalg.matrix_power" in ALLOWED_FUNCTIONS
    assert "sigmoid" in ALLOWED_FUNCTIONS
    assert all(
        name.startswith("np.")
        or name in {"sigmoid", "softplus", "abs", "max", "min", "len", "sum"}
        for name in ALLOWED_FUNCTIONS
    )
    for refused in ("np.load", "np.save", "np.fromfile", "np.frombuffer", "np.vectorize"):
        assert refused not in ALLOWED_FUNCTIONS


# --- compile_candidate ------------------------------------------------------------------------


def test_compile_candidate_binds_variables_in_order():
    grad = compile_candidate("X.T @ (sigmoid(X @ w) - y) + 2 * lam * w", ("w", "X", "y", "lam"))
    expected = A.T @ (_sigmoid(A @ v) - y) + 2 * lam * v
    with watched():
        np.testing.assert_allclose(grad(v, A, y, lam), expected, rtol=1e-12)
        np.testing.assert_allclose(grad(v, A, y=y, lam=lam), expected, rtol=1e-12)
        np.testing.assert_allclose(grad(2 * v, A, y, 0.0), A.T @ (_sigmoid(A @ (2 * v)) - y))
    assert grad.expression == "X.T @ (sigmoid(X @ w) - y) + 2 * lam * w"
    assert list(inspect.signature(grad).parameters) == ["w", "X", "y", "lam"]


def test_compile_candidate_argument_errors():
    grad = compile_candidate("2 * X @ w", ["w", "X"])
    with pytest.raises(TypeError):
        grad(w)
    with pytest.raises(TypeError):
        grad(w, X, X)
    with pytest.raises(ExpressionError, match="could not be evaluated"):
        grad(np.ones(3), X)  # shapes don't match: reported per call
    with pytest.raises(ValueError, match="duplicate"):
        compile_candidate("w", ["w", "w"])


def test_compile_candidate_refuses_at_compile_time():
    with pytest.raises(ExpressionError, match="name 'z' is not defined; allowed: X, w, np"):
        compile_candidate("z * w", ["w", "X"])


def test_shape_errors_are_expression_errors_naming_the_subexpression():
    with pytest.raises(ExpressionError) as info:
        safe_evaluate("X @ w + y", ENV)
    message = str(info.value)
    assert message.startswith("'X @ w + y' could not be evaluated:")
    assert "broadcast" in message
    with pytest.raises(ExpressionError, match=r"'X @ v' could not be evaluated: matmul"):
        safe_evaluate("X @ v", ENV)
    with pytest.raises(ExpressionError, match="Singular matrix"):
        safe_evaluate("np.linalg.inv(np.zeros_like(X))", ENV)
    with pytest.raises(ExpressionError, match="out of bounds"):
        safe_evaluate("np.sum(X, axis=3)", ENV)
    with pytest.raises(ExpressionError, match="could not be evaluated"):
        safe_evaluate("w[10]", ENV)


# --- refused escapes ------------------------------------------------------------------------

ESCAPES = [
    ("__import__('os')", "name '__import__' is not allowed"),
    ("__import__('os').system('true')", "method call '.system(...)' is not allowed"),
    ("().__class__.__mro__", "attribute access '.__mro__' is not allowed (only .T and .shape"),
    ("().__class__", "attribute access '.__class__' is not allowed (only .T and .shape"),
    ("np.__dict__", "attribute access '.__dict__' is not allowed"),
    ("np.load", "attribute np.load is not allowed"),
    ("np.load('x.npy')", "function np.load is not allowed"),
    ("np.sys", "attribute np.sys is not allowed"),
    ("np.sys.modules", "attribute np.sys.modules is not allowed"),
    ("np.lib.npyio.load('x')", "function np.lib.npyio.load is not allowed"),
    ("np.exp.__call__(X)", "'.__call__'"),
    ("np.exp.reduce(X)", "function np.exp.reduce is not allowed"),
    ("np.linalg.__dict__", "attribute access '.__dict__' is not allowed"),
    ("np.linalg.lapack_lite", "attribute np.linalg.lapack_lite is not allowed"),
    ("open('x')", "function 'open' is not allowed"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("exec('1')", "function 'exec' is not allowed"),
    ("globals()", "function 'globals' is not allowed"),
    ("getattr(X, 'T')", "function 'getattr' is not allowed"),
    ("__builtins__", "name '__builtins__' is not allowed"),
    ("os", "name 'os' is not defined; allowed: X, w, y, np"),
    ("np", "'np' alone is not a value"),
    ("X.__class__", "attribute access '.__class__' is not allowed (only .T and .shape"),
    ("X.size", "attribute access '.size' is not allowed (only .T and .shape"),
    ("w.copy()", "method call '.copy(...)' is not allowed"),
    ("X.T()", "method call '.T(...)' is not allowed"),
    ("X.sum()", "method call '.sum(...)' is not allowed"),
    ("w(1)", "'w' is a variable, not a function"),
    ("lambda: 1", "lambda 'lambda: 1' is not allowed"),
    ("(lambda: 1)()", "call of 'lambda: 1' is not allowed"),
    ("[x for x in w]", "list comprehension '[x for x in w]' is not allowed"),
    ("(x for x in w)", "generator expression"),
    ("{x: 1 for x in w}", "dict comprehension"),
    ("{}", "dict display '{}' is not allowed"),
    ("{1}", "set display"),
    ("[1, 2]", "list display '[1, 2]' is not allowed"),
    ("(X, w)", "tuple (allowed only in an index) '(X, w)' is not allowed"),
    ("'abc'", "string constant \"'abc'\" is not allowed"),
    ("b'abc'", "bytes constant"),
    ("1j", "complex constant '1j' is not allowed"),
    ("True", "constant 'True' is not allowed"),
    ("None", "'None' is allowed only in an index"),
    ("np.newaxis", "np.newaxis is allowed only in an index"),
    ("X if w else w", "conditional expression 'X if w else w' is not allowed"),
    ("X < w < y", "chained comparison 'X < w < y' is not allowed"),
    ("X is w", "operator 'is' in 'X is w' is not allowed"),
    ("X in w", "operator 'in' in 'X in w' is not allowed"),
    ("max(X)", "max takes 2 positional argument(s), got 1"),
    ("X and w", "boolean operator 'X and w' is not allowed"),
    ("not X", "operator 'not' in 'not X' is not allowed"),
    ("~X", "operator '~'"),
    ("X // 2", "operator '//' in 'X // 2' is not allowed"),
    ("X % 2", "operator '%'"),
    ("f'{X}'", "f-string \"f'{X}'\" is not allowed"),
    ("(y := 1)", "assignment expression 'y := 1' is not allowed"),
    ("*w", "invalid syntax at column 1: '*w'"),
    ("np.exp(*w)", "starred argument '*w' is not allowed"),
    ("np.sum(X, **{'axis': 0})", "'**' argument"),
    ("np.exp(X, X)", "np.exp takes 1 positional argument(s), got 2"),
    ("np.exp(X, out=X)", "keyword argument 'out=' is not allowed for np.exp"),
    ("np.sum(X, 0)", "np.sum takes 1 positional argument(s), got 2 (keywords: axis, keepdims)"),
    ("np.sum(X, dtype=object)", "keyword argument 'dtype=' is not allowed for np.sum"),
    ("np.sum(X, axis=w)", "value 'w' of 'axis=' is not allowed"),
    ("np.sum(X, __class__=1)", "name '__class__' is not allowed"),
    ("X[w]", "index 'w' is not allowed"),
    ("X[X.__class__]", "attribute access '.__class__' is not allowed"),
    ("X[1 + 1]", "index '1 + 1' is not allowed"),
    ("X[(0, 1),]", "index '(0, 1)' is not allowed"),
    ("10**10**10", "exponent 10**10 too large (|exponent| <= 64 allowed)"),
    ("2**1000000", "exponent 1000000 too large (|exponent| <= 64 allowed)"),
    ("X ** 65", "exponent 65 too large"),
    ("X ** -(2 * 40)", "exponent -(2 * 40) too large"),
    ("(2**64)**64**64", "exponent 64**64 too large"),
    ("X ** (9**9**9)", "exponent 9**9 too large"),
    ("x" * (MAX_LENGTH + 1), f"expression is too long ({MAX_LENGTH + 1} characters"),
    ("(" * 500 + "1" + ")" * 500, "too many nested parentheses"),
    ("-" * 500 + "1", "expression is nested too deeply"),
    ("X" + ".T" * 200, "expression is nested too deeply"),
    ("\x00", "null bytes"),
    ("1 +", "invalid syntax in '1 +'"),
    ("import os", "invalid syntax at column 1: 'import os'"),
    ("X; import os", "invalid syntax at column 2"),
    ("X\nimport os", "invalid syntax"),
]


@pytest.mark.parametrize(("text", "fragment"), ESCAPES, ids=[e[0][:40] for e in ESCAPES])
def test_escapes_are_refused_naming_the_offending_part(text, fragment):
    with pytest.raises(ExpressionError) as info:
        safe_parse(text, ("X", "w", "y"))
    assert fragment in str(info.value)
    # evaluate() refuses it as well (it parses first, and nothing runs)
    with pytest.raises(ExpressionError):
        safe_evaluate(text, {"X": X, "w": w, "y": y})


def test_a_hand_built_tree_is_validated_again():
    # an AST that never went through parse_expression: evaluate() refuses it all the same
    tree = ast.Expression(
        body=ast.Attribute(value=ast.Name(id="X", ctx=ast.Load()), attr="__class__", ctx=ast.Load())
    )
    with pytest.raises(ExpressionError, match="'.__class__' is not allowed"):
        safe_evaluate(tree, {"X": X})
    huge = ast.Expression(
        body=ast.BinOp(left=ast.Constant(10), op=ast.Pow(), right=ast.Constant(10**10))
    )
    with pytest.raises(ExpressionError, match="too large"):
        safe_evaluate(huge, {})
    tree = safe_parse("X @ w")  # validated for (X, w); evaluated with an env lacking w
    with pytest.raises(ExpressionError, match="name 'w' is not defined; allowed: X, np"):
        safe_evaluate(tree, {"X": X})


# --- bounds: refused or bounded, never executed unboundedly ---------------------------------


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ("np.eye(10**9)", {}),
        ("np.eye(100000, 1000)", {}),
        ("np.identity(4000)", {}),
        ("np.diag(w, k=1000000)", {"w": np.ones(3)}),
        ("np.outer(w, w)", {"w": np.ones(4000)}),
        ("w[:, None] * w[None, :]", {"w": np.ones(4000)}),
        ("w[:, None] @ w[None, :]", {"w": np.ones(4000)}),
        ("np.maximum(w[:, None], w)", {"w": np.ones(4000)}),
        ("np.dot(w[:, None], w[None, :])", {"w": np.ones(4000)}),
        ("np.ones_like(np.outer(np.outer(w, w), np.outer(w, w)))", {"w": np.ones(60)}),
    ],
)
def test_huge_results_are_refused_before_they_are_computed(text, env):
    with pytest.raises(ExpressionError, match=f"at most {MAX_ELEMENTS} allowed"):
        safe_evaluate(text, env)


def test_the_work_budget(monkeypatch):
    monkeypatch.setattr(grammar, "MAX_WORK", 2500)
    M = np.ones((10, 10))
    safe_evaluate("M @ M @ M", {"M": M})  # 2 * 10^3 multiply-adds, plus a little
    with pytest.raises(ExpressionError, match="exceeds the work budget"):
        safe_evaluate("M @ M @ M @ M", {"M": M})
    monkeypatch.setattr(grammar, "MAX_WORK", 10**5)
    with pytest.raises(ExpressionError, match="exceeds the work budget"):
        safe_evaluate("np.linalg.matrix_power(M, k)", {"M": np.ones((30, 30)), "k": 2**40})


def test_python_integers_stay_bounded():
    # int ** int is exact only for exponents 0..MAX_EXPONENT; beyond, float64 (no hang)
    assert safe_evaluate("k ** n", {"k": 3, "n": 10**9}) == np.inf
    assert safe_evaluate("k ** n", {"k": 3, "n": 40}) == 3**40
    # an integer outside int64 becomes a float, so numpy never sees an object integer
    result = safe_evaluate("(2**62) ** 64 * w", {"w": np.ones(2)})
    assert result.dtype == np.float64
    assert np.all(np.isinf(result))
    assert safe_evaluate("(2**40)**64", {}).dtype == np.float64
    assert safe_evaluate("((2**63) * 2)", {}).dtype == np.float64
    assert np.all(safe_evaluate("w * 1" + "0" * 400, {"w": np.ones(2)}) == np.inf)
    assert safe_evaluate("-(3**40) ** 64", {}) == -np.inf
    assert safe_evaluate("2 ** 63", {}) == 2.0**63
    assert safe_evaluate("2 ** 62", {}).dtype == np.int64


# --- caller errors ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["np", "_x", "__class__", "not an identifier", "lambda", "1x"])
def test_bad_variable_names_are_caller_errors(bad):
    with pytest.raises(ValueError, match="variable name|reserved") as info:
        parse_expression("1", [bad])
    assert not isinstance(info.value, ExpressionError)


def test_non_numeric_values_are_caller_errors():
    with pytest.raises(TypeError, match="must be numeric"):
        evaluate("w", {"w": np.array(["a"])})
    with pytest.raises(TypeError, match="must be numeric"):
        evaluate("w", {"w": object()})
    with pytest.raises(TypeError, match="ast.Expression, an ast.Module or a str"):
        evaluate(42, {})
    with pytest.raises(TypeError, match="must be a str"):
        parse_expression(b"X", ["X"])


# --- fuzzing (example counts come from the active hypothesis profile) ------------------------

VARIABLES = ("X", "w", "A", "v", "lam", "k")
FUZZ_ENV = {
    "X": RNG.standard_normal((3, 3)),
    "w": RNG.standard_normal(3),
    "A": RNG.standard_normal((2, 3)),
    "v": RNG.standard_normal(2),
    "lam": 0.5,
    "k": 2,
}
FUZZ_ENV_COPY = {name: np.copy(value) for name, value in FUZZ_ENV.items()}


def check_outcome(text_or_tree):
    """Parse/evaluate must give an array or raise ExpressionError: nothing else, nothing run."""
    try:
        result = safe_evaluate(text_or_tree, FUZZ_ENV)
    except ExpressionError as exc:
        note(f"refused: {exc}")
        event("refused while evaluating" if "could not be evaluated" in str(exc) else "refused")
        assert str(exc)
        return None
    event("evaluated")
    assert isinstance(result, np.ndarray)
    assert result.dtype.kind in "biufc"
    assert result.size <= MAX_ELEMENTS
    for name, value in FUZZ_ENV_COPY.items():  # the inputs were not written to
        np.testing.assert_array_equal(FUZZ_ENV[name], value)
    return result


@given(st.one_of(st.text(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126))))
def test_fuzz_random_text_parses_or_is_refused(text):
    try:
        tree = safe_parse(text, VARIABLES)
    except ExpressionError as exc:
        assert str(exc)
    else:
        assert isinstance(tree, ast.Expression)
        check_outcome(tree)


TOKENS = (
    "X", "w", "A", "v", "lam", "k", "np", "np.exp", "np.outer", "np.sum", "np.eye",
    "np.linalg.matrix_power", "np.linalg.inv", "np.load", "sigmoid", "os", "open", "lambda",
    "(", ")", "[", "]", "{", "}", ",", ":", ".", ".T", ".__class__", "__class__", "__import__",
    "_", "@", "*", "+", "-", "/", "**", "//", " ", "[0]", "[:, None]", "[...]", "0", "1", "2",
    "64", "65", "10", "1e308", "0.5", "'s'", "None", "axis=", "keepdims=True", "k=",
    "if", "else", "for", "in", ":=", "*w",
)  # fmt: skip


@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_fuzz_spliced_tokens_parse_or_are_refused(text):
    note(repr(text))
    try:
        tree = safe_parse(text, VARIABLES)
    except ExpressionError as exc:
        assert str(exc)
    else:
        check_outcome(tree)


# A recursive strategy over the *allowed* grammar: every tree is syntactically admissible
# (though some exponents exceed the bound and many shapes don't match).


def _func_node(name):
    if "." not in name:
        return ast.Name(id=name, ctx=ast.Load())
    *base, attr = name.split(".")
    return ast.Attribute(value=_func_node(".".join(base)), attr=attr, ctx=ast.Load())


_leaves = st.one_of(
    st.sampled_from(VARIABLES).map(lambda n: ast.Name(id=n, ctx=ast.Load())),
    # non-negative: ast.unparse writes Constant(-2) ** x as -2 ** x, i.e. -(2 ** x)
    st.integers(0, 70).map(ast.Constant),
    st.floats(0, 1e3).map(ast.Constant),
    st.sampled_from(["np.pi", "np.e", "np.inf"]).map(_func_node),
)
_int_literal = st.integers(-3, 3).map(ast.Constant)
_index_part = st.one_of(
    _int_literal,
    st.just(ast.Constant(None)),
    st.just(ast.Constant(Ellipsis)),
    st.just(_func_node("np.newaxis")),
    st.builds(
        ast.Slice,
        lower=st.none() | _int_literal,
        upper=st.none() | _int_literal,
        step=st.none() | st.sampled_from([-2, -1, 1, 2]).map(ast.Constant),
    ),
)
_index = st.one_of(
    _index_part,
    st.lists(_index_part, min_size=1, max_size=3).map(lambda e: ast.Tuple(e, ast.Load())),
)
_KEYWORDS = {
    "axis": st.sampled_from([None, 0, 1, -1]).map(ast.Constant),
    "keepdims": st.booleans().map(ast.Constant),
    "k": st.integers(-2, 2).map(ast.Constant),
    "axes": st.permutations([0, 1]).map(
        lambda p: ast.Tuple([ast.Constant(a) for a in p], ast.Load())),
}


def _extend(children):
    @st.composite
    def call(draw):
        name = draw(st.sampled_from(ALLOWED_FUNCTIONS))
        spec = grammar._FUNCTIONS[name]
        n = draw(st.integers(spec.min_args, spec.max_args))
        args = [draw(children) for _ in range(n)]
        names = draw(st.lists(st.sampled_from(spec.keywords), unique=True)) if spec.keywords else []
        keywords = [ast.keyword(arg=kw, value=draw(_KEYWORDS[kw])) for kw in names]
        return ast.Call(func=_func_node(name), args=args, keywords=keywords)

    operators = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult])
    return st.one_of(
        st.builds(ast.BinOp, left=children, op=operators.map(lambda op: op()), right=children),
        st.builds(
            ast.UnaryOp,
            op=st.sampled_from([ast.USub, ast.UAdd]).map(lambda op: op()),
            operand=children,
        ),
        st.builds(ast.Attribute, value=children, attr=st.just("T"), ctx=st.just(ast.Load())),
        st.builds(ast.Subscript, value=children, slice=_index, ctx=st.just(ast.Load())),
        call(),
    )


allowed_trees = st.recursive(_leaves, _extend, max_leaves=10).map(
    lambda body: ast.fix_missing_locations(ast.Expression(body=body))
)


@given(allowed_trees)
def test_fuzz_random_allowed_trees_evaluate_or_raise_expression_error(tree):
    text = ast.unparse(tree)
    note(text)
    result = check_outcome(tree)
    # the same expression as text: refused or evaluated identically
    try:
        again = safe_evaluate(text, FUZZ_ENV)
    except ExpressionError:
        assert result is None, f"{text!r} evaluated as a tree but was refused as text"
    else:
        assert result is not None, f"{text!r} was refused as a tree but evaluated as text"
        np.testing.assert_array_equal(again, result)


# --- programs: assignments to new names, then the answer ----------------------------------

PROGRAM_REFUSALS = [
    ("", "the candidate is empty"),
    ("   \n  ", "the candidate is empty"),
    ("S = X @ X", "the last statement 'S = X @ X' is an assignment; end with the expression"),
    ("X @ X; 2 * X", "'X @ X' is not the last statement"),
    ("X = X @ X; X", "'X' is a variable of the problem and can't be reassigned"),
    ("sigmoid = X; sigmoid", "'sigmoid' is a function; assign to another name"),
    ("np = X; X", "'np' is reserved"),
    ("_s = X; _s", "name '_s' is not allowed"),
    ("S = T = X; S", "assignment 'S = T = X' is not allowed (only name = expression"),
    ("S, T = X, X; S", "assignment 'S, T = X, X' is not allowed"),
    ("X[0] = 1; X", "assignment 'X[0] = 1' is not allowed"),
    ("X.T = 1; X", "assignment 'X.T = 1' is not allowed"),
    ("S = X; S += 1; S", "augmented assignment 'S += 1' is not allowed"),
    ("S: int = 1; S", "annotated assignment"),
    ("import os; X", "import statement 'import os' is not allowed"),
    ("from os import system; X", "import statement"),
    ("X; import os", "import statement 'import os' is not allowed"),
    ("X\nimport os", "import statement"),
    ("def f(): pass\nX", "function definition"),
    ("class C: pass\nX", "class definition"),
    ("for i in X: pass\nX", "for loop"),
    ("while 1: pass\nX", "while loop"),
    ("if X: pass\nX", "if statement"),
    ("with X: pass\nX", "with statement"),
    ("try:\n    X\nexcept Exception:\n    X\nX", "'try' statement"),
    ("del X; X", "del statement"),
    ("global X; X", "global statement"),
    ("assert X; X", "assert statement"),
    ("raise X", "raise statement"),
    ("pass", "pass statement"),
    ("S = T; S", "name 'T' is not defined"),
    ("S = S; S", "name 'S' is not defined"),
    ("S = X.__class__; S", "attribute access '.__class__' is not allowed"),
    ("S = (X := 1); S", "assignment expression"),
    ("S = X\n  T = S\n)", "invalid syntax at line 3, column 1: ')'"),
    ("".join(f"S{i} = X; " for i in range(grammar.MAX_STATEMENTS)) + "X",
     "too many statements"),
]


@pytest.mark.parametrize(("text", "fragment"), PROGRAM_REFUSALS,
                         ids=[t[:30] for t, _ in PROGRAM_REFUSALS])
def test_programs_refuse_anything_but_assignments_then_the_answer(text, fragment):
    with pytest.raises(ExpressionError) as info, watched():
        parse_program(text, ("X", "w"))
    assert fragment in str(info.value)
    with pytest.raises(ExpressionError):
        safe_evaluate(text, {"X": X, "w": w})


def test_a_program_binds_names_in_order_and_returns_a_copy():
    tree = parse_program("S = X + X.T\nT = S @ w\nT", ("X", "w"))
    assert isinstance(tree, ast.Module) and len(tree.body) == 3
    np.testing.assert_allclose(safe_evaluate(tree, {"X": X, "w": w}), (X + X.T) @ w)
    result = safe_evaluate("S = X; S", {"X": X})
    assert not np.shares_memory(result, X)
    np.testing.assert_array_equal(result, X)


def test_compile_candidate_takes_programs_and_checks_names_once():
    grad = compile_candidate("r = sigmoid(X @ w) - y; X.T @ r + 2 * lam * w",
                             ("w", "X", "y", "lam"))
    with watched():
        np.testing.assert_allclose(grad(v, A, y, lam),
                                   A.T @ (_sigmoid(A @ v) - y) + 2 * lam * v, rtol=1e-12)
    # the intermediate names are not arguments, and calls do not leak names into each other
    assert list(inspect.signature(grad).parameters) == ["w", "X", "y", "lam"]
    np.testing.assert_allclose(grad(v, A, y, 0.0), A.T @ (_sigmoid(A @ v) - y), rtol=1e-12)


def test_a_hand_built_module_is_validated_again():
    module = ast.Module(body=[
        ast.Import(names=[ast.alias(name="os")]),
        ast.Expr(value=ast.Name(id="X", ctx=ast.Load())),
    ], type_ignores=[])
    with pytest.raises(ExpressionError, match="import statement"):
        safe_evaluate(module, {"X": X})


def test_syntax_errors_in_programs_name_the_line():
    with pytest.raises(ExpressionError, match=r"invalid syntax at line 2: 'T = S \+'"):
        parse_program("S = X\nT = S +\nT", ("X",))
    with pytest.raises(ExpressionError, match=r"invalid syntax at line 2, column 5: '\) \+ 1'"):
        parse_program("S = X\nT = ) + 1\nT", ("X",))


# --- the limits: each refusal names its limit -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("np.eye(10**5)", "size"),
        ("np.prod(np.eye(0, 3 * 10**8), axis=0)", "size"),  # an empty axis, a huge result
        ("np.sum(np.eye(0, 10**8), axis=0)", "size"),
        ("np.max(np.eye(0, 10**8), axis=0, keepdims=True)", "size"),
        ("np.trace(np.eye(0, 10**8)[None])", "size"),  # trace of a stack: one per slice
        ("np.tril(np.ravel(np.eye(3000))[:4000])", "size"),  # a vector becomes a matrix
        ("np.linalg.solve(np.eye(215), np.eye(215, 46511))", "work"),  # a big right-hand side
        ("np.linalg.inv(np.eye(1100))", "work"),
        ("np.linalg.pinv(np.eye(500))", "work"),
        ("A1 = np.eye(1000) + 1; A2 = A1 @ A1; A3 = A2 @ A2; A3", "work"),
        ("np.linalg.matrix_power(np.eye(300), 2**40)", "work"),
        (" + ".join(["np.sum(np.eye(0, 10**7), axis=0)"] * 6), "allocation"),
        ("; ".join(f"B{i} = np.ones_like(np.eye(3000))" for i in range(7)) + "; X", "allocation"),
        ("np.exp(" * 6 + "np.eye(3000)" + ")" * 6, "allocation"),
    ],
    ids=lambda t: t[:40] if isinstance(t, str) else t,
)
def test_limits_are_refused_before_running_and_named(text, limit):
    with pytest.raises(LimitError) as info:
        safe_evaluate(text, {"X": X})
    assert info.value.limit == limit
    assert isinstance(info.value, ExpressionError)


def test_the_allocation_budget(monkeypatch):
    monkeypatch.setattr(grammar, "MAX_ALLOCATED", 50)
    safe_evaluate("S = X + 1; T = S * 2; T", {"X": np.ones((4, 4))})  # 16 + 16 + 16 (copy)
    with pytest.raises(LimitError, match="would create more than 50 array elements"):
        safe_evaluate("S = X + 1; T = S * 2; U = T - 1; V = U * 2; V", {"X": np.ones((4, 4))})
    # views cost nothing
    safe_evaluate("X.T[0][None, :]", {"X": np.ones((4, 4))})
