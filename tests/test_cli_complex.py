"""``--method complex`` on the catalog: the complex-analytic losses take the complex step.

The losses of 1a/1b/1k (``tr(X^k)``), 4 and 4-mle (``r @ r``, no conjugate), 5/5B
(``sum(A * B)``) and 6/6X (``w @ X @ w``) are complex-analytic as computed and accept a complex
argument; the logistic, bipolar and residual-network losses are evaluated in stable real forms
(``logaddexp``, sigmoids through ``|a|``) and are refused with a one-line reason. Issue 19:
before, every entry was refused ("must be a real numeric array").
"""

from __future__ import annotations

import numpy as np
import pytest

from gradients.cli import main
from gradients.frobenius import frobenius_dot
from gradients.gaussian_mle import gaussian_log_likelihood
from gradients.quadratic import quadratic_form, quadratic_form_grad
from gradients.trace import trace_power

SAFE = ["1a", "1b", "1k", "4", "4-mle", "5", "5B", "6", "6X"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_complex_analytic_entries_verify_with_the_complex_step(capsys):
    status, out, err = run(["verify", *SAFE, "--method", "complex", "--examples", "10"], capsys)
    assert status == 0 and err == "", out + err
    assert f"{len(SAFE)} of {len(SAFE)} derivations verified" in out, out
    # "4", "5", "6" also select those problems' Hessians, whose check takes real steps
    skipped = [line for line in out.splitlines() if "not checked with the complex step" in line]
    assert all(i.endswith("-hess") for line in skipped
               for i in line.split(": ", 1)[1].split(", ")), out


def test_a_wrong_candidate_fails_with_the_complex_step(capsys):
    # d(w^T X w)/dw = (X + X^T) w; X w alone is wrong for a non-symmetric X
    status, out, _ = run(["try", "6", "X @ w", "--method", "complex"], capsys)
    assert status == 1 and out.startswith("FAIL: 6"), out
    assert "Method: complex" in out, out
    status, out, _ = run(["try", "6", "X @ w + X.T @ w", "--method", "complex"], capsys)
    assert status == 0 and out.startswith("PASS: 6"), out


@pytest.mark.parametrize("entry", ["2", "3", "7b"])
def test_a_loss_in_a_stable_real_form_is_refused_with_one_line_why(entry, capsys):
    status, out, err = run(["verify", entry, "--method", "complex"], capsys)
    assert status == 2 and out == "", out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "not complex-analytic as computed" in lines[0] and "|a|" in lines[0], err
    assert "Traceback" not in err


def test_the_complex_step_of_each_safe_loss_is_its_directional_derivative():
    """Im f(x + i h v) / h = <grad f(x), v>, computed here by hand for each formula."""
    rng = np.random.default_rng(0)
    X, V = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    w, v = rng.standard_normal(3), rng.standard_normal(3)
    h = 1e-20
    # tr(X^3): 3 tr(X^2 V)
    assert np.isclose(trace_power(X + 1j * h * V, 3).imag / h, 3 * np.trace(X @ X @ V), atol=0)
    # <A, B> in A: <V, B>
    assert np.isclose(frobenius_dot(X + 1j * h * V, w[:, None] * v).imag / h,
                      np.sum(V * (w[:, None] * v)), atol=0)
    # w^T X w in w: v^T (X + X^T) w
    assert np.isclose(quadratic_form(w + 1j * h * v, X).imag / h, v @ (X + X.T) @ w, atol=0)
    # -|y - X w|^2 / (2 sigma^2) in w: v^T X^T (y - X w) / sigma^2
    y = rng.standard_normal(3)
    got = gaussian_log_likelihood(w + 1j * h * v, X, y, 0.5).imag / h
    assert np.isclose(got, v @ X.T @ (y - X @ w) / 0.25, atol=0)


def test_real_input_still_gives_a_float_and_gradients_still_refuse_complex():
    X = np.eye(2)
    assert type(trace_power(X, 2)) is float
    assert type(quadratic_form(np.ones(2), X)) is float
    with pytest.raises(ValueError, match="w must be a real numeric array"):
        quadratic_form_grad(np.ones(2) + 0j, X)
