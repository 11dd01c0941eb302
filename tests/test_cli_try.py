"""``gradients try`` and ``gradients show`` for real formulas.

Intermediate names, comparisons and ``np.where``; ``--method``, ``--examples``, ``--seed``,
``--file``; evaluation errors shown with the input that caused them; reports in the
derivation's terms; ``show`` with each variable's shape and role, and numpy code that runs as
copied. Runs in-process through :func:`gradients.cli.main` (the sandbox's child process is
started all the same).
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from checks import check_gradient
from checks.search import Counterexample
from gradients.catalog import CATALOG, get
from gradients.cli import main
from gradients.cli.expr import compile_candidate
from gradients.cli.reference import PROGRAMS, VARIABLES, function_name, numpy_code
from gradients.cli.verification import report, verify_derivation

RIGHT_7B = """
Z = sigmoid(X @ W0.T)            # hidden layer, (N, M)
S1 = sigmoid(Z @ W1.T)           # residual branch, (N, D)
H = X + S1
g = sigmoid(H @ w2)              # output, (N,)
d_s = (g - y) * g * (1 - g)
d_h = d_s[:, None] * w2[None, :]
d_a1 = d_h * S1 * (1 - S1)
d_a1.T @ Z
"""
# the same, with the sigmoid's derivative S1 * (1 - S1) dropped from d_a1
WRONG_7B = RIGHT_7B.replace("d_a1 = d_h * S1 * (1 - S1)", "d_a1 = d_h * S1")


def run(args, capsys):
    status = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_the_right_7b_with_intermediate_names_passes(tmp_path, capsys):
    path = tmp_path / "candidate_7b.py"
    path.write_text(RIGHT_7B)
    status, out, err = run(["try", "7b", "--file", str(path), "--examples", "10"], capsys)
    assert status == 0, out + err
    assert out.startswith("PASS: 7b (Residual network: dL/dW1): `Z = sigmoid(X @ W0.T); S1 =")
    assert "on 10 random inputs" in out


def test_the_7b_with_a_dropped_factor_fails_with_a_minimal_counterexample(capsys):
    status, out, _ = run(["try", "7b", WRONG_7B], capsys)
    assert status == 1
    assert out.startswith("FAIL: 7b (Residual network: dL/dW1):")
    assert "Minimal counterexample (after shrinking):" in out
    for name in ("W0", "W1", "X"):  # the smallest network: one sample, one unit everywhere
        assert re.search(rf"^  {name} = \[\[[-0-9. ]+\]\]   shape \(1, 1\)$", out, re.M), out
    assert "Gradient check FAILED: gradient of 7b's loss with respect to W1, shape (1, 1)" in out
    assert "<locals>" not in out and "args[" not in out and "residual_net_loss" not in out


def test_the_k_0_case_of_1k_shows_the_input_that_breaks_the_sheets_formula(capsys):
    status, out, err = run(["try", "1k", "k * np.linalg.matrix_power(X, k - 1).T"], capsys)
    assert status == 1 and err == ""
    assert out.startswith("UNDEFINED: 1k") and "it raised an error on" in out
    assert "  X = [[0.]]   shape (1, 1)\n  k = 0\n" in out
    assert "'np.linalg.matrix_power(X, k - 1)' could not be evaluated: Singular matrix" in out


@pytest.mark.parametrize("text", [
    "k * np.linalg.matrix_power(X, max(k - 1, 0)).T",
    "np.where(k == 0, np.zeros_like(X), k * np.linalg.matrix_power(X, max(k - 1, 0)).T)",
])
def test_the_k_0_case_can_be_written(text, capsys):
    status, out, err = run(["try", "1k", text, "--examples", "8"], capsys)
    assert status == 0, out + err
    assert out.startswith("PASS: 1k")


def test_method_examples_and_seed(capsys):
    args = ["try", "6", "P = X + X.T; P @ w", "--method", "central", "--examples", "4"]
    status, first, _ = run([*args, "--seed", "3"], capsys)
    assert status == 0 and "on 4 random inputs" in first
    status, again, _ = run([*args, "--seed", "3"], capsys)
    assert again == first  # the draws are reproducible


def test_the_4_mle_report_names_w_star_and_marks_sigma_as_the_loss_s(capsys):
    d = get("4-mle")
    X, y, sigma = np.array([[1.0], [2.0]]), np.array([1.0, 0.0]), 0.5
    wrong = compile_candidate("np.linalg.pinv(X) @ y * 1.01", d.variables)
    f, zero = d.check_functions(wrong)
    args = d.prepare(wrong)((X, y, sigma))
    check = check_gradient(f, zero, args, argnum=0, **d.options(args))
    text = report(d, Counterexample(args, check, None, d.argument_names))
    assert "  w* = [0.202]   shape (1,)" in text
    assert "  sigma (loss only) = 0.5" in text
    assert "gradient of 4-mle's loss with respect to w*" in text
    assert "gaussian_log_likelihood" not in text and "args[" not in text


def test_check_functions_carry_user_facing_names():
    for d in CATALOG:
        f, grad = d.check_functions()
        assert f.__qualname__ == f"{d.id}'s loss"
        assert "<locals>" not in getattr(grad, "__qualname__", "")


# --- show -------------------------------------------------------------------------------------


OURS = [d for d in CATALOG if d.id in PROGRAMS]


def test_the_tables_describe_catalog_entries():
    ids = {d.id for d in CATALOG}
    assert set(VARIABLES) <= ids and set(PROGRAMS) <= ids
    for d in CATALOG:
        if d.id in VARIABLES:
            assert set(d.variables) <= set(VARIABLES[d.id]), d.id


def answer_args(d, drawn):
    """The arguments of ``d.grad`` for a drawn tuple (an HVP also takes a direction)."""
    drawn = tuple(drawn)
    if d.kind == "hvp":
        V = np.random.default_rng(len(repr(drawn))).standard_normal(np.shape(drawn[0]))
        return (V, *drawn)
    if d.kind == "vjp":  # a direction of the map's output shape
        out = np.shape(d.loss(*drawn))
        return (np.random.default_rng(len(repr(drawn))).standard_normal(out), *drawn)
    return drawn[: len(d.variables)]


@pytest.mark.parametrize("d", OURS, ids=lambda d: d.id)
def test_show_lists_each_variable_with_its_shape_and_role(d, capsys):
    status, out, _ = run(["show", d.id], capsys)
    assert status == 0
    assert out.startswith(f"### {d.id} — ")
    for name in d.variables:
        shape, role = VARIABLES[d.id][name]
        # name, shape, the role derived from the catalog (differentiated, held fixed, ...),
        # the description
        assert re.search(rf"^  {re.escape(name)} +{re.escape(shape)} +\S.*  {re.escape(role)}$",
                         out, re.M), out
    assert "Answer: " in out


@pytest.mark.parametrize("d", CATALOG, ids=lambda d: d.id)
def test_show_numpy_runs_as_copied_with_public_names_only(d, capsys):
    status, code, _ = run(["show", d.id, "--format", "numpy"], capsys)
    # a problem number (2, ..., 6) shows every entry of its problem: d's function among them
    assert status == 0 and (code == numpy_code(d) or numpy_code(d) in code)
    code = numpy_code(d)
    after_docstring = code.split('"""', 2)[-1]
    assert not re.search(r"(?<![\w.])_[a-z]", after_docstring), "a private name"
    namespace: dict = {}
    exec(compile(code, f"show {d.id}", "exec"), namespace)  # noqa: S102 - our own output
    function = namespace[function_name(d.id)]
    assert list(inspect.signature(function).parameters) == list(d.variables)
    if d.id not in PROGRAMS:  # a function calling the public implementation
        assert namespace[d.implementation.__name__] is d.implementation
        return
    assert "gradients" not in after_docstring  # numpy only

    @settings(max_examples=5, database=None, deadline=None, derandomize=True,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(d.inputs())
    def agrees(drawn):
        args = answer_args(d, drawn)
        expected = np.asarray(d.grad(*args))
        got = np.asarray(function(*args))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-12 * (
            1 + float(np.max(np.abs(expected), initial=0.0))))

    agrees()


@pytest.mark.parametrize("d", OURS, ids=lambda d: d.id)
def test_the_formula_show_prints_passes_as_a_candidate(d):
    candidate = compile_candidate(PROGRAMS[d.id], d.variables)
    result = verify_derivation(d, examples=4, candidate=candidate)
    assert result.ok, result.report


def test_show_latex_and_markdown(capsys):
    status, latex, _ = run(["show", "1b", "--format", "latex"], capsys)
    assert status == 0 and r"3(X^2)^\top" in latex
    status, md, _ = run(["show", "7b"], capsys)
    assert "  W1  (D, M)  differentiated  residual branch: W1[d, m] feeds z_m into h_d" in md
    assert "Answer: the gradient with respect to W1, shape (D, M)" in md
    status, md, _ = run(["show", "4-mle"], capsys)
    assert "Answer: the maximiser w*" in md
    status, md, _ = run(["show", "2-step"], capsys)
    assert "Answer: the new w after one gradient-descent step, shape (D,)" in md
    status, md, _ = run(["show", "5-hess"], capsys)
    assert "Answer: the Hessian with respect to A, shape (m, n, m, n)" in md


# --- wrong candidates are rejected, from several angles ------------------------------------
# Issue 17: a `gradients try` that accepted everything failed only 2 tests (4 by the time it
# was measured again). Each wrong answer below is a plausible mistake, and each angle (the
# exit status and the FAIL line, the input, the count, the counterexample) is checked apart.

WRONG = {
    "1b": ("3 * X @ X", "the sheet's missing transpose"),
    "1k": ("k * np.linalg.matrix_power(X, max(k - 1, 0))", "the transpose missing for every k"),
    "2": ("r = sigmoid(X @ w) - y\nX.T @ r + lam * w", "the penalty's factor 2 dropped"),
    "3": ("f = np.tanh(X @ w / 2)\nX.T @ ((f - y) * (1 - f**2))", "the inner 1/2 dropped"),
    "4": ("X.T @ (y - X @ w) / sigma", "sigma instead of sigma**2"),
    "5": ("1.000001 * B", "one part in a million off"),
    "6": ("-(X + X.T) @ w", "the sign flipped"),
    "7a": ("g = sigmoid(H @ w2)\nd_s = (g - y) * g\nd_s[:, None] * w2[None, :]",
           "the sigmoid's 1 - g dropped"),
    "2-step": ("r = sigmoid(X @ w) - y\nw + lr * (X.T @ r + 2 * lam * w)", "an ascent step"),
    "4-mle": ("np.linalg.pinv(X) @ y + 0.001", "a maximiser shifted by 1e-3"),
    "2-hess": ("s = sigmoid(X @ w)\nX.T @ (X * (s * (1 - s))[:, None])",
               "the penalty's Hessian dropped"),
    "6-hess": ("2 * X", "the Hessian taken as if X were symmetric"),
}
WRONG_IDS = sorted(WRONG)
FAIL_LINE = re.compile(r"^FAIL: (\S+) \(.*\): `.*` is wrong on (\d+) of (\d+) random inputs")


def assert_fail_output(entry: str, status: int, out: str, err: str, examples: int) -> int:
    """``try`` rejected the candidate: exit 1, a FAIL line first, a counterexample, no PASS;
    the number of inputs it was wrong on."""
    __tracebackhide__ = True
    assert status == 1, out + err
    assert err == "", err
    match = FAIL_LINE.match(out)
    assert match, out
    assert match.group(1) == entry and int(match.group(3)) == examples, out
    wrong_on = int(match.group(2))
    assert 1 <= wrong_on <= examples, out
    assert "Minimal counterexample (after shrinking):" in out, out
    assert "FAILED" in out and "PASS" not in out, out
    return wrong_on


@pytest.mark.parametrize("entry", WRONG_IDS)
def test_a_wrong_candidate_exits_1_with_a_fail_line_and_a_counterexample(entry, capsys):
    text, _why = WRONG[entry]
    assert text != PROGRAMS[entry]
    status, out, err = run(["try", entry, text, "--examples", "12"], capsys)
    assert_fail_output(entry, status, out, err, 12)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_wrong_candidate_read_from_a_file_or_stdin_is_rejected(source, tmp_path, capsys,
                                                                 monkeypatch):
    import io

    text = WRONG_7B
    if source == "file":
        path = tmp_path / "candidate.py"
        path.write_text(text)
        args = ["try", "7b", "--file", str(path)]
    else:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        args = ["try", "7b", "--file", "-"]
    status, out, err = run([*args, "--examples", "6"], capsys)
    assert_fail_output("7b", status, out, err, 6)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_wrong_candidate_fails_whatever_the_seed_and_the_method(seed, capsys):
    for method in ("richardson", "central", "forward"):
        status, out, err = run(["try", "1b", "3 * X @ X", "--seed", str(seed), "--method",
                                method, "--examples", "8"], capsys)
        assert_fail_output("1b", status, out, err, 8)


def test_a_candidate_wrong_only_for_some_inputs_is_counted_as_such(capsys):
    """The transpose dropped from 1k's answer is right for k = 0 and 1 (X^0 = I is
    symmetric) and wrong from k = 2 on: rejected, wrong on some inputs but not on all, and
    the minimal counterexample is the smallest power where it is wrong."""
    status, out, err = run(["try", "1k", WRONG["1k"][0], "--examples", "25"], capsys)
    wrong_on = assert_fail_output("1k", status, out, err, 25)
    assert wrong_on < 25, out
    assert re.search(r"^  k = 2$", out, re.M), out


@pytest.mark.parametrize("entry", ["1b", "4", "6-hess", "4-mle"])
def test_the_counterexample_of_a_wrong_candidate_fails_again_and_the_answer_passes_there(entry):
    """The library under ``try``: the counterexample it reports is a real disagreement. The
    candidate checked again at that input fails; the catalog's answer there does not."""
    d = get(entry)
    candidate = compile_candidate(WRONG[entry][0], d.variables)
    result = verify_derivation(d, examples=10, candidate=candidate)
    assert not result.ok and 1 <= result.failures <= 10
    cx = result.counterexample
    assert cx is not None and cx.check is not None, result.report
    drawn = tuple(cx.args[1:] if d.kind == "stationary" else cx.args)  # w* is prepended

    def judged_at_the_counterexample(answer):
        args = d.prepare(answer)(drawn)
        f, grad = d.check_functions(answer)
        check = d.checker()(f, grad, args, argnum=d.argnum, **d.options(args))
        return d.judged(check), str(check)

    verdict, text = judged_at_the_counterexample(candidate)
    assert verdict == "fail", text
    verdict, text = judged_at_the_counterexample(None)  # the catalog's answer
    assert verdict != "fail", text
