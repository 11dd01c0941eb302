"""A user's own derivations in a user's own project: the installed pytest plugin and API.

Each test writes a throwaway project into a temporary directory (a module with a right and a
wrong softmax cross-entropy gradient, and a test file that uses
``checks.assert_no_counterexample``), runs pytest on it in a subprocess with
``--hypothesis-profile=gradcheck-ci`` (registered by the plugin installed with the package,
entry point ``pytest11``), and reads what the user would read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DERIVATIONS = '''
import numpy as np


def softmax_xent(Z, y):
    """Mean cross-entropy of logits Z (N, C) against integer labels y (N,)."""
    Z = Z - Z.max(axis=1, keepdims=True)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y])


def softmax_xent_grad(Z, y):
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    return P / len(y)


def softmax_xent_grad_wrong(Z, y):
    """Forgets the 1/N of the mean."""
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    return P
'''

TESTS = '''
import numpy as np
from hypothesis import strategies as st

from checks import assert_no_counterexample
from derivations import softmax_xent, softmax_xent_grad, softmax_xent_grad_wrong


@st.composite
def logits_and_labels(draw):
    n = draw(st.integers(1, 5))
    c = draw(st.integers(2, 4))
    floats = st.floats(-4, 4, allow_nan=False, allow_infinity=False)
    Z = np.array([[draw(floats) for _ in range(c)] for _ in range(n)])
    y = np.array([draw(st.integers(0, c - 1)) for _ in range(n)])
    return Z, y


def test_right_gradient():
    assert_no_counterexample(softmax_xent, softmax_xent_grad, logits_and_labels(),
                             names=("Z", "y"))


def test_wrong_gradient():
    assert_no_counterexample(softmax_xent, softmax_xent_grad_wrong, logits_and_labels(),
                             names=("Z", "y"))
'''


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTEST"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project, capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "derivations.py").write_text(textwrap.dedent(DERIVATIONS))
    (tmp_path / "test_mine.py").write_text(textwrap.dedent(TESTS))
    # a root marker, so that pytest does not climb into the repository's own configuration
    (tmp_path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    return tmp_path


def test_plugin_profile_runs_the_users_tests_right_passes_wrong_fails_shrunk(project):
    result = _run(project, "--hypothesis-profile=gradcheck-ci")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 failed, 1 passed" in out, out
    assert "test_wrong_gradient" in out and "test_right_gradient" not in out.split(
        "short test summary")[-1].replace("test_wrong_gradient", ""), out
    # the shrunk counterexample: one sample, two classes (the smallest that shows a 1/N bug
    # is N = 2 samples; with N = 1 the mean is the sum)
    assert "Minimal counterexample (after shrinking):" in out, out
    assert "Z = [[" in out and "shape (2, 2)" in out, out
    assert "Gradient check FAILED" in out, out
    assert "Explanation:" not in out, out


def test_plugin_profiles_are_registered_for_every_name(project):
    for name in ("gradcheck-dev", "gradcheck-ci", "gradcheck-thorough"):
        result = _run(project, f"--hypothesis-profile={name}", "-k", "right")
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"
        assert "1 passed" in result.stdout, result.stdout
