"""User catalogs: ``gradients verify --module mypkg.derivations`` and ``export --module``.

A throwaway user project is written into a temporary directory: a package ``mypkg`` whose
``derivations`` module lists a right softmax cross-entropy gradient (w.r.t. the logits) and,
in a second module, also a wrong one that forgets the 1/N of the mean. The command runs in a
subprocess with the project as its working directory and on ``PYTHONPATH``, as a user's CI
would run it. The misuse cases run in-process (each is one line on stderr with exit status 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gradients
from gradients.catalog import Derivation
from gradients.cli import main

ROOT = Path(__file__).resolve().parents[1]

COMMON = '''
import numpy as np
from hypothesis import strategies as st

from gradients import Derivation


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
    return softmax_xent_grad(Z, y) * len(y)


@st.composite
def logits_and_labels(draw):
    n = draw(st.integers(1, 5))
    c = draw(st.integers(2, 4))
    floats = st.floats(-4, 4, allow_nan=False, allow_infinity=False)
    Z = np.array([[draw(floats) for _ in range(c)] for _ in range(n)])
    y = np.array([draw(st.integers(0, c - 1)) for _ in range(n)])
    return Z, y


RIGHT = Derivation(
    id="xent",
    title="Softmax cross-entropy, w.r.t. the logits",
    formula=r"\\nabla_Z L = (\\mathrm{softmax}(Z) - Y) / N",
    loss=softmax_xent,
    grad=softmax_xent_grad,
    inputs=logits_and_labels,
    variables=("Z", "y"),
    argnum=0,
    shapes={"Z": "(N, C)", "y": "(N,)"},
    roles={"Z": "logits, samples as rows", "y": "integer labels in 0..C-1"},
)
WRONG = Derivation(
    id="xent-no-mean",
    title="Softmax cross-entropy, forgetting the 1/N",
    formula=r"\\nabla_Z L = \\mathrm{softmax}(Z) - Y",
    loss=softmax_xent,
    grad=softmax_xent_grad_wrong,
    inputs=logits_and_labels,
)
'''


def _env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTEST"))}
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    return env


def gradients_cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gradients", *args], cwd=project,
                          env=_env(project), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("user_project")
    pkg = root / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "common.py").write_text(textwrap.dedent(COMMON))
    (pkg / "derivations.py").write_text("from mypkg.common import RIGHT\n\nDERIVATIONS = [RIGHT]\n")
    (pkg / "with_wrong.py").write_text(
        "from mypkg.common import RIGHT, WRONG\n\nDERIVATIONS = [RIGHT, WRONG]\n")
    return root


def test_a_module_with_only_the_right_derivation_verifies(project):
    out = gradients_cli(project, "verify", "--module", "mypkg.derivations")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == ""
    header, rule, row = out.stdout.splitlines()[:3]
    assert header.split()[:2] == ["id", "derivation"]
    assert row.split()[0] == "xent" and row.endswith("pass")
    assert "1 of 1 derivations verified" in out.stdout


def test_a_module_with_the_wrong_derivation_fails_with_a_shrunk_counterexample(project):
    out = gradients_cli(project, "verify", "--module", "mypkg.with_wrong")
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert "FAIL" in next(line for line in text.splitlines() if line.startswith("xent-no-mean"))
    assert "1 of 2 derivations verified" in text
    # the smallest input that shows a forgotten 1/N: two samples (with one, mean = sum)
    assert "xent-no-mean: Minimal counterexample (after shrinking):" in text
    assert "  Z = [[" in text and "shape (2, 2)" in text
    assert "Gradient check FAILED: gradient of xent-no-mean's loss with respect to Z" in text
    assert "<locals>" not in text and "args[" not in text and "Traceback" not in out.stderr


def test_json_and_export_for_a_module(project, tmp_path):
    out = gradients_cli(project, "verify", "--module", "mypkg.with_wrong", "--json",
                        "--examples", "10")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["module"] == "mypkg.with_wrong" and data["ok"] is False
    assert [r["id"] for r in data["results"]] == ["xent", "xent-no-mean"]
    assert [r["ok"] for r in data["results"]] == [True, False]
    assert "Minimal counterexample" in data["results"][1]["counterexample"]

    sheet = tmp_path / "FORMULAS.md"
    out = gradients_cli(project, "export", "--module", "mypkg.with_wrong", "--out", str(sheet))
    assert out.returncode == 0 and out.stdout == ""
    text = sheet.read_text(encoding="utf-8")
    assert text.startswith("# Verified formulas: mypkg.with_wrong")
    assert "### xent — Softmax cross-entropy, w.r.t. the logits" in text
    assert r"\nabla_Z L = (\mathrm{softmax}(Z) - Y) / N" in text
    assert "### xent-no-mean — " in text
    assert "Implemented by `mypkg.common.softmax_xent_grad`" in text
    assert "### 1b" not in text  # not our catalog


def test_show_and_try_with_a_module(project):
    out = gradients_cli(project, "show", "xent", "--module", "mypkg.derivations")
    assert out.returncode == 0
    # each variable with its shape, its role (a user's module records none for y) and
    # description
    assert "  Z  (N, C)  differentiated  logits, samples as rows" in out.stdout
    assert "  y  (N,)    not recorded    integer labels in 0..C-1" in out.stdout
    assert "Answer: the gradient with respect to Z, shape (N, C)" in out.stdout
    candidate = """
        Y = np.cumsum(np.ones_like(Z), axis=1) - 1 == y[:, None]   # one-hot labels
        E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
        P = E / np.sum(E, axis=1, keepdims=True)                   # softmax
        (P - Y) / np.sum(np.ones_like(y))                          # 1/N of the mean
    """
    out = gradients_cli(project, "try", "xent", "--module", "mypkg.derivations", candidate,
                        "--examples", "10")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("PASS: xent")


def test_a_py_path_works_as_well(project):
    out = gradients_cli(project, "verify", "--module", "mypkg/derivations.py", "--examples", "3")
    assert out.returncode == 0, out.stderr


# --- the record, written with plain keywords ---------------------------------------------------


def test_the_record_is_gradients_derivation_and_takes_plain_keywords():
    from hypothesis import strategies as st

    assert gradients.Derivation is Derivation

    def loss(W, X):
        return float((W * X).sum())

    def grad(W, X):
        return X

    d = Derivation(id="lin", title="A linear form", formula="X", loss=loss, grad=grad,
                   inputs=lambda: st.just((1.0, 2.0)))
    assert d.statement == "A linear form"  # defaults to the title
    assert d.variables == ("W", "X")  # grad's parameters
    assert d.argnum == 0 and d.kind == "gradient"
    # a strategy itself is accepted for inputs
    strategy = st.just((1.0, 2.0))
    d2 = Derivation(id="lin2", title="t", formula="f", loss=loss, grad=grad,
                    inputs=strategy, variables=["W", "X"])
    assert d2.inputs() is strategy and d2.variables == ("W", "X")
    hash(d)  # still hashable, shapes and roles included


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"loss": None}, TypeError, "missing required argument 'loss'"),
        ({"grad": None}, TypeError, "missing required argument 'grad'"),
        ({"inputs": None}, TypeError, "missing required argument 'inputs'"),
        ({"formula": None}, TypeError, "missing required argument 'formula'"),
        ({"id": ""}, TypeError, "id must be a non-empty str"),
        ({"loss": 3}, TypeError, "loss must be callable"),
        ({"inputs": [1, 2]}, TypeError, "inputs must be a callable returning a hypothesis"),
        ({"argnum": 2}, ValueError, "argnum 2 is not the position of one of the variables"),
        ({"argnum": "0"}, TypeError, "argnum must be an int"),
        ({"variables": "Wx"}, TypeError, "variables must be a tuple of names"),
        ({"kind": "hessian-ish"}, ValueError, "kind must be one of 'gradient', 'step'"),
        ({"shapes": ["(N,)"]}, TypeError, "shapes must be a mapping"),
    ],
)
def test_an_incomplete_record_names_the_derivation_and_the_field(kwargs, error, message):
    from hypothesis import strategies as st

    fields = dict(id="d1", title="t", formula="f", loss=lambda W: 0.0, grad=lambda W: W,
                  inputs=lambda: st.just((1.0,)))
    fields.update(kwargs)
    with pytest.raises(error, match=message) as info:
        Derivation(**fields)
    if fields["id"]:
        assert "Derivation 'd1'" in str(info.value)


# --- misuse: one line, exit 2, naming the module ---------------------------------------------

MISUSE = {
    "no_list": ("X = 1\n", "module 'no_list' has no DERIVATIONS: define a module-level list"),
    "empty_list": ("DERIVATIONS = []\n", "empty_list.DERIVATIONS is empty"),
    "not_a_list": ("DERIVATIONS = {'a': 1}\n",
                   "not_a_list.DERIVATIONS must be a list of gradients.Derivation records, "
                   "not a dict"),
    "not_records": ("DERIVATIONS = [lambda: 0]\n",
                    "not_records.DERIVATIONS[0] is a function, not a gradients.Derivation"),
    "raises": ("raise RuntimeError('boom')\n",
               "cannot import module 'raises': RuntimeError: boom (see the traceback with: "
               "python -c \"import raises\")"),
    "bad_syntax": ("DERIVATIONS = [\n", "cannot import module 'bad_syntax': SyntaxError:"),
    "incomplete": ("from gradients import Derivation\n"
                   "DERIVATIONS = [Derivation(id='a', title='t', formula='f')]\n",
                   "TypeError: Derivation 'a': missing required argument 'loss'"),
    "twice": ("from gradients import Derivation\nfrom hypothesis import strategies as st\n"
              "d = Derivation(id='a', title='t', formula='f', loss=lambda w: 0.0, "
              "grad=lambda w: w, inputs=lambda: st.just((1.0,)))\nDERIVATIONS = [d, d]\n",
              "twice.DERIVATIONS: the id 'a' is used twice"),
}


@pytest.mark.parametrize("name", list(MISUSE))
def test_misuse_is_one_line_with_exit_2_naming_the_module(name, tmp_path, monkeypatch, capsys):
    source, message = MISUSE[name]
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for command in (["verify", "--module", name], ["export", "--module", name]):
        monkeypatch.delitem(sys.modules, name, raising=False)
        status = main(command)
        out, err = capsys.readouterr()
        assert status == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert message in err, err


def test_an_unknown_id_in_a_module_gets_a_suggestion(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    assert main(["verify", "--module", "mypkg.with_wrong", "xnet"]) == 2
    err = capsys.readouterr().err
    assert "unknown derivation id 'xnet' in mypkg.with_wrong; did you mean 'xent'?" in err


def test_the_complex_step_on_a_module_checks_the_complex_safe_ones(tmp_path, monkeypatch,
                                                                    capsys):
    (tmp_path / "mixed.py").write_text(textwrap.dedent('''
        import numpy as np
        from hypothesis import strategies as st
        from gradients import Derivation

        def cube(W):
            return np.sum(W ** 3)

        def cube_abs(W):
            return np.sum(np.abs(W) ** 3)

        inputs = lambda: st.just((np.array([[1.0, -2.0], [0.5, 3.0]]),))
        DERIVATIONS = [
            Derivation(id="cube", title="sum of cubes", formula="3 W^2", loss=cube,
                       grad=lambda W: 3 * W ** 2, inputs=inputs),
            Derivation(id="cube-abs", title="sum of |W|^3", formula="3 |W| W", loss=cube_abs,
                       grad=lambda W: 3 * np.abs(W) * W, inputs=inputs),
        ]
    '''))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["verify", "--module", "mixed", "--method", "complex", "--examples", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("cube ") and "1 of 1 derivations verified" in out
    assert "not checked with the complex step (their loss is not complex-safe): cube-abs" in out
