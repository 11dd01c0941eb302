"""The ``gradients`` command, exercised through its entry points (``python -m gradients``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradients.catalog import CATALOG
from gradients.catalog.markdown import export_markdown
from gradients.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gradients", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )


def test_verify_subset_passes_with_table():
    out = run("verify", "1a", "6", "--examples", "5")  # 6: the whole problem 6
    assert out.returncode == 0, out.stderr
    assert "1a" in out.stdout and "6 " in out.stdout and "6X " in out.stdout
    assert "4 of 4 derivations verified" in out.stdout
    header = out.stdout.splitlines()[0].split()
    assert "inconclusive" in header and "blunt" not in out.stdout
    assert out.stderr == ""  # no progress bar when stderr is not a terminal


def test_verify_json_is_machine_readable():
    out = run("verify", "1b", "7b", "--examples", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is True
    assert [r["id"] for r in data["results"]] == ["1b", "7b"]
    assert all(r["examples"] == 3 and r["failures"] == 0 for r in data["results"])
    assert all(r["worst_rel_error"] < 1e-6 for r in data["results"])
    # one name per idea: the count of inputs the check could not decide is "inconclusive",
    # as the engine's verdict
    assert all(isinstance(r["inconclusive"], int) and "blunt" not in r for r in data["results"])


def test_verify_whole_catalog_in_process():
    assert main(["verify", "--examples", "2"]) == 0


def test_try_right_candidate_passes():
    out = run("try", "1b", "3 * (X @ X).T", "--examples", "10")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("PASS: 1b")


def test_try_wrong_candidate_fails_with_minimal_counterexample():
    out = run("try", "6", "2 * X @ w")
    assert out.returncode == 1
    assert out.stdout.startswith("FAIL: 6")
    assert "Minimal counterexample" in out.stdout
    # the smallest non-symmetric X shows the mistake: D = 2
    assert "shape (2, 2)" in out.stdout
    assert "Mismatched elements" in out.stdout
    assert "gradient of 6's loss with respect to w" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("try", "99", "X"), "unknown derivation id '99'"),
        (("try", "6", "__import__('os')"), "bad expression"),
        (("try", "6", "np.outer(w, w)"), "returns shape"),
        (("try", "1b", "X @ w"), "not defined"),
        (("try", "1b", "X = X @ X; X"), "'X' is a variable of the problem"),
        (("show", "nope"), "unknown derivation id"),
        (("verify", "1a", "zz"), "unknown derivation id 'zz'"),
    ],
)
def test_errors_are_one_line_on_stderr(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_show_formats():
    latex = run("show", "1b", "--format", "latex")
    assert latex.returncode == 0 and r"3(X^2)^\top" in latex.stdout
    numpy_src = run("show", "6", "--format", "numpy")
    assert "import numpy as np" in numpy_src.stdout
    assert "def grad_6(w, X):\n    return (X + X.T) @ w" in numpy_src.stdout
    md = run("show", "7a")
    assert md.stdout.startswith("### 7a")


def test_help_for_every_subcommand():
    for sub in ("verify", "show", "try", "export"):
        out = run(sub, "--help")
        assert out.returncode == 0 and "usage: gradients" in out.stdout


def test_plot_is_not_a_command_of_the_installed_cli():
    # the benchmark pictures are drawn from a checkout: python -m benchmarks.plots
    out = run("plot", "steps", "1b", "--out", "x.png")
    assert out.returncode == 2 and "invalid choice: 'plot'" in out.stderr


@pytest.fixture(scope="module")
def exported() -> str:
    return export_markdown()  # runs the symbolic prover: computed once for the tests below


def test_formulas_md_is_up_to_date(exported):
    committed = (ROOT / "FORMULAS.md").read_text(encoding="utf-8")
    assert committed == exported, (
        "FORMULAS.md is out of date: run `gradients export --format markdown --out FORMULAS.md`"
    )


def test_export_lists_every_derivation(exported):
    for d in CATALOG:
        assert f"### {d.id} — " in exported


def test_verify_a_problem_number_checks_every_step_of_that_problem(capsys):
    # 7 is not an id: it selects 7a, 7b, 7-W0, 7-w2, 7-X and the chain-rule steps 7-dL/dg ...
    status = main(["verify", "7", "--examples", "3"])
    out = capsys.readouterr().out
    assert status == 0, out
    for entry in ("7a", "7b", "7-W0", "7-X", "7-dL/dg", "7-dg/ds", "7-ds/dh", "7-dh/da1",
                  "7-da1/dW1"):
        assert re.search(rf"^{re.escape(entry)}\s", out, re.M), (entry, out)
    assert not re.search(r"^1a\s", out, re.M)


def test_a_wrong_final_gradient_points_to_its_verified_chain_rule_steps(capsys):
    # the bipolar gradient without the 1 - f^2 factor: wrong; the steps are verified apart
    status = main(["try", "3", "0.5 * X.T @ (np.tanh(X @ w / 2) - y)", "--examples", "5"])
    out = capsys.readouterr().out
    assert status == 1, out
    assert "gradients verify 3-dL/df 3-df/da 3-da/dw" in out and "composition" in out, out
    status = main(["try", "1a", "2 * X", "--examples", "5"])
    assert status == 1 and "chain-rule step" not in capsys.readouterr().out


def test_a_failures_search_writes_no_example_database_and_ignores_the_profile(
        tmp_path, monkeypatch):
    # the shrinking search behind a FAIL draws from --seed and --examples alone: it writes no
    # hypothesis database into the user's working directory, and its counterexample is the
    # same whatever hypothesis profile is loaded around the command
    from hypothesis import settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    from gradients.catalog import get
    from gradients.cli.verification import verify_derivation

    def untransposed(X):
        return 2.0 * X

    monkeypatch.chdir(tmp_path)
    previous = settings.get_current_profile_name()
    reports = []
    try:
        for name, kwargs in [
            ("test-cli-database", {"database": DirectoryBasedExampleDatabase(tmp_path / "db")}),
            ("test-cli-derandomized", {"derandomize": True, "max_examples": 7}),
            ("test-cli-deadline", {"deadline": 1}),  # 1 ms: shorter than any check
        ]:
            settings.register_profile(name, **kwargs)
            settings.load_profile(name)
            reports.append(verify_derivation(get("1a"), candidate=untransposed, examples=5,
                                             seed=3).report)
    finally:
        settings.load_profile(previous)
    assert not (tmp_path / "db").exists() and not (tmp_path / ".hypothesis").exists()
    assert reports[0] is not None and "Minimal counterexample" in reports[0]
    assert reports[0] == reports[1] == reports[2]
