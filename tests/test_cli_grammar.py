"""The grammar of ``gradients try`` beyond ``+ - * / @``: what ML answers use (issue 19).

``np.einsum``, ``np.arange``, ``np.reshape``/``.reshape``, ``.shape``, ``len``, ``np.size``,
Python's ``sum``, ``.transpose()``, ``np.eye``, a one-hot by comparison (and ``.astype``),
``keepdims=`` and a reassigned intermediate: each in a right answer to a catalog entry that
passes and in a wrong one that fails; each size and work guard refusing an oversized use
before it runs; malformed subscripts and shapes as one line, exit 2; and the list of
allowed names in ``try --help`` and in the README, the same as the evaluator's table.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gradients.catalog import prove as prover
from gradients.cli import main
from gradients.cli.expr import ALLOWED_FUNCTIONS, ExpressionError, LimitError, evaluate
from gradients.cli.expr.grammar import ALLOWED_ATTRIBUTES, ALLOWED_METHODS, allowed_names

ROOT = Path(__file__).resolve().parents[1]

# a two-class softmax of the logits [0, X w] is sigmoid(X w) in its column 1: the logistic
# gradient through a softmax with keepdims, a reassigned P and a one-hot made by comparison
SOFTMAX_2 = ("Z = X @ w; L = Z[:, None] * np.arange(2); "
             "P = np.exp(L - np.max(L, axis=1, keepdims=True)); "
             "P = P / np.sum(P, axis=1, keepdims=True); "
             "Y = (np.arange(2) == y[:, None]) * 1.0; "
             "X.T @ (P - Y)[:, 1] + 2 * lam * w")

# (entry, construct, right answer, wrong answer)
PAIRS = [
    ("6", "einsum", "np.einsum('ij,j->i', X + X.T, w)", "np.einsum('ij,j->i', X, w)"),
    ("6", "einsum-implicit", "np.einsum('ji,j', X, w) + np.einsum('ij,j', X, w)",
     "np.einsum('ij,j', X, w) + np.einsum('ij,j', X, w)"),
    ("6X", "reshape-method", "w.reshape(-1, 1) @ w.reshape(1, -1)",
     "w.reshape(-1, 1) @ w.reshape(1, -1) / 2"),
    ("6X", "np.reshape-len", "np.reshape(w, (len(w), 1)) * w",
     "np.reshape(w, (len(w), 1)) * w + np.size(w)"),
    ("6", "shape-eye", "(X + X.T) @ np.eye(X.shape[1]) @ w", "X @ np.eye(X.shape[1]) @ w"),
    ("6", "transpose", "(X + X.transpose()) @ w", "(X + X.transpose().transpose()) @ w"),
    ("6", "transpose-axes", "(X + np.transpose(X, (1, 0))) @ w", "(X + X.transpose(0, 1)) @ w"),
    ("6", "sum", "sum(X.T * w[:, None]) + sum(X * w[:, None])", "sum(X * w) + sum(X.T * w)"),
    ("6", "reassign", "P = X @ w; P = P + X.T @ w; P", "P = X @ w; P = X.T @ w; P"),
    ("2", "softmax-one-hot", SOFTMAX_2,
     SOFTMAX_2.replace("P = P / np.sum(P, axis=1, keepdims=True); ", "")),
    ("2", "astype-one-hot",
     "Y = (np.arange(2) == y[:, None]).astype(float); X.T @ (sigmoid(X @ w) - Y[:, 1]) "
     "+ 2 * lam * w",
     "Y = (np.arange(2) == y[:, None]).astype(float); X.T @ (sigmoid(X @ w) - Y[:, 0]) "
     "+ 2 * lam * w"),
]


def run(args, capsys):
    status = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


@pytest.mark.parametrize(("entry", "right", "wrong"), [(e, r, w) for e, _, r, w in PAIRS],
                         ids=[c for _, c, _, _ in PAIRS])
def test_a_right_answer_with_the_construct_passes_and_a_wrong_one_fails(entry, right, wrong,
                                                                       capsys):
    status, out, err = run(["try", entry, right, "--examples", "6"], capsys)
    assert status == 0 and out.startswith(f"PASS: {entry} "), out + err
    status, out, err = run(["try", entry, wrong, "--examples", "6"], capsys)
    assert status == 1 and out.startswith(f"FAIL: {entry} "), out + err


def test_einsum_and_reshape_compute_what_numpy_computes():
    rng = np.random.default_rng(1)
    X, w = rng.standard_normal((3, 4)), rng.standard_normal(4)
    env = {"X": X, "w": w}
    np.testing.assert_allclose(evaluate("np.einsum('ij,j->i', X, w)", env), X @ w)
    np.testing.assert_allclose(evaluate("np.einsum('ij,kj', X, X)", env), X @ X.T)
    np.testing.assert_array_equal(evaluate("X.reshape(2, -1)", env), X.reshape(2, 6))
    np.testing.assert_array_equal(evaluate("np.reshape(X, (X.shape[1], 3))", env),
                                  X.reshape(4, 3))
    np.testing.assert_array_equal(evaluate("X.shape", env), [3, 4])
    assert evaluate("len(X) + np.size(X)", env) == 3 + 12
    np.testing.assert_array_equal(evaluate("sum(X)", env), X[0] + X[1] + X[2])
    np.testing.assert_array_equal(evaluate("np.arange(1, 8, 3)", env), [1, 4, 7])
    one_hot = evaluate("(np.arange(3) == np.arange(4)[:, None]).astype(float)", env)
    np.testing.assert_array_equal(one_hot, np.eye(4, 3))
    assert one_hot.dtype == np.float64
    np.testing.assert_array_equal(evaluate("X.transpose()", env), X.T)


# --- the guards: refused before running, the same kind of refusal as any other --------------

GUARDS = [
    ("np.arange(10**9)", "size", "would create 1000000000 elements, over the size limit"),
    ("np.arange(0, 10**9, 1) * 0", "size", "would create 1000000000 elements"),
    ("np.einsum('i,j->ij', np.arange(10**5), np.arange(10**5))", "size",
     "would create 10000000000 elements"),
    ("np.einsum('i,j,k->', np.arange(2000), np.arange(2000), np.arange(2000))", "work",
     "exceeds the work budget"),
]


@pytest.mark.parametrize(("text", "limit", "message"), GUARDS, ids=[g[0] for g in GUARDS])
def test_an_oversized_use_is_refused_before_it_runs(text, limit, message, capsys):
    with pytest.raises(LimitError, match=re.escape(message)) as info:
        evaluate(text, {"X": np.eye(2), "w": np.ones(2)})
    assert info.value.limit == limit
    status, out, err = run(["try", "6", text, "--examples", "2"], capsys)
    assert status == 2 and out == "", out
    assert err.startswith("gradients: error: refused: ") and message in err, err
    assert len(err.splitlines()) == 1, err


def test_an_einsum_within_the_limits_is_not_refused():
    n = 300  # 300^3 * 2 = 5.4e7 operations, under the budget of 1e9
    value = evaluate("np.einsum('ij,jk->ik', X, X)", {"X": np.ones((n, n))})
    assert value.shape == (n, n) and value[0, 0] == n


# --- malformed: one line, exit 2 --------------------------------------------------------------

MALFORMED = [
    ("np.einsum('ij,j->k', X, w)", "output label 'k' is not in any operand"),
    ("np.einsum('ij,j->ii', X, w)", "output label 'i' appears more than once"),
    ("np.einsum('ij,j', X)", "name 2 operand(s) but 1 were given"),
    ("np.einsum('i...,j', X, w)", "'...' is not supported"),
    ("np.einsum('ij;j', X, w)", "';' is not allowed"),
    ("np.einsum('ij,j->i->', X, w)", "'->' must appear at most once"),
    ("np.einsum(w, X)", "must be a string of subscripts"),
    ("X.reshape(-1, -1)", "at most one size may be -1"),
    ("np.reshape(X, (2, -3))", "size '-3' must be an integer >= 0"),
    ("X.reshape((2, 3), 1)", "one tuple or as separate sizes, not both"),
    ("X.reshape()", ".reshape takes 1 to 32 positional argument(s), got 0"),
    ("X.astype(str)", "type 'str' is not allowed in .astype"),
    ("X.copy()", "method call '.copy(...)' is not allowed"),
    ("X = X @ w; X", "'X' is a variable of the problem and can't be reassigned"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_use_is_one_line_exit_2(text, message, capsys):
    status, out, err = run(["try", "6", text, "--examples", "2"], capsys)
    assert status == 2 and out == "", out
    assert err.startswith("gradients: error: bad expression: "), err
    assert message in err and len(err.splitlines()) == 1, err
    assert "did you mean" not in err  # einsum's quotes are not a transpose X'


def test_operands_that_do_not_fit_the_subscripts_say_so():
    env = {"X": np.ones((2, 3)), "w": np.ones(4)}
    with pytest.raises(ExpressionError, match=r"operand 1 has 2 dimension\(s\) but its "
                       r"subscripts 'ijk' name 3"):
        evaluate("np.einsum('ijk,j->i', X, w)", env)
    with pytest.raises(ExpressionError, match="label 'j' has size 3 in one place and 4"):
        evaluate("np.einsum('ij,j->i', X, w)", env)
    with pytest.raises(ExpressionError, match="np.arange must be an integer"):
        evaluate("np.arange(2.5)", env)
    with pytest.raises(ExpressionError, match="cannot reshape array of size 6"):
        evaluate("X.reshape(4, -1)", env)


# --- the list of names: one source for the evaluator, --help and the README -----------------


def _words(text: str) -> str:
    return " ".join(text.split())


def test_try_help_lists_every_allowed_name(capsys):
    status, out, _ = run(["try", "--help"], capsys)
    assert status == 0
    out = _words(out)
    assert _words(allowed_names()) in out
    for name in (*ALLOWED_FUNCTIONS, *ALLOWED_METHODS, *ALLOWED_ATTRIBUTES):
        assert re.search(rf"(?<![\w.]){re.escape(name)}[,;]", out), name


def test_the_readme_lists_the_same_names_as_the_evaluator():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- allowed-names:[^\n]*-->\n(.*?)\n<!-- /allowed-names -->", readme,
                      re.S)
    assert match, "README.md has no allowed-names block"
    block = _words(match.group(1))
    assert block == _words(allowed_names()), "regenerate the block from allowed_names()"
    listed = set(re.findall(r"(?:np\.[\w.]+|\.\w+|\b\w+)(?=[,;.](?:\s|$))", block))
    for name in (*ALLOWED_FUNCTIONS, *ALLOWED_METHODS, *ALLOWED_ATTRIBUTES):
        assert name in listed, name


# --- the prover says what it does not support; the numerical check still runs ----------------


@pytest.mark.skipif(not prover.sympy_available(), reason="SymPy is not installed")
@pytest.mark.parametrize(("text", "unsupported"), [
    ("np.einsum('ij,j->i', X + X.T, w)", "np.einsum is not supported by the prover"),
    ("(X + X.T) @ np.eye(X.shape[1]) @ w", ".shape is not supported by the prover"),
])
def test_prove_names_the_unsupported_construct_then_checks_numerically(text, unsupported,
                                                                       capsys):
    status, out, err = run(["try", "6", text, "--prove", "--examples", "4"], capsys)
    assert status == 0, out + err
    first, second = out.splitlines()[:2]
    assert first.startswith("NOT PROVED: 6 ") and unsupported in first, out
    assert second.startswith("PASS: 6 "), out
