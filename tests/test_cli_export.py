"""``gradients export``: recorded proof statuses (the prover only with ``--prove``), the LaTeX
fragment, ``--out ""``.

The prover is replaced by a spy (:func:`gradients.catalog.prove.status_of`) that records the
ids it is asked about: the export must not call it unless told to.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gradients.catalog.prove as prover
from gradients.catalog import CATALOG
from gradients.cli import main
from gradients.cli.list_command import recorded_statuses

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def spy(monkeypatch) -> list[str]:
    asked: list[str] = []

    def status_of(derivation_id: str) -> str:
        asked.append(derivation_id)
        return "spy status"

    monkeypatch.setattr(prover, "status_of", status_of)
    return asked


def test_export_reuses_the_recorded_statuses_without_the_prover(spy, capsys):
    assert main(["export"]) == 0
    out = capsys.readouterr().out
    assert spy == []
    # the recorded statuses, written back: the whole catalog is FORMULAS.md as committed
    assert out == (ROOT / "FORMULAS.md").read_text(encoding="utf-8")
    assert main(["export", "7"]) == 0
    out = capsys.readouterr().out
    recorded = recorded_statuses()
    for d in CATALOG:
        if d.id.startswith("7"):
            assert f"### {d.id} — " in out and f"Status: {recorded[d.id]}." in out
    assert spy == []


def test_export_prove_runs_the_prover_for_every_exported_entry(spy, capsys):
    assert main(["export", "5", "1a", "--prove"]) == 0
    out = capsys.readouterr().out
    fives = [d.id for d in CATALOG if re.match(r"5(?!\d)", d.id)]
    assert sorted(spy) == sorted(["1a", *fives])
    assert out.count("Status: spy status.") == 1 + len(fives)


def test_an_entry_with_no_recorded_status_is_proved(spy, capsys, monkeypatch):
    import gradients.cli.list_command as lc

    recorded = recorded_statuses()
    monkeypatch.setattr(lc, "recorded_statuses",
                        lambda: {k: v for k, v in recorded.items() if k != "1b"})
    assert main(["export", "1"]) == 0
    out = capsys.readouterr().out
    assert spy == ["1b"]
    assert "### 1a — Trace of a square\n" in out and f"Status: {recorded['1a']}." in out
    assert out.count("Status: spy status.") == 1


def test_prove_with_a_module_is_one_line(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text("DERIVATIONS = []\n")
    assert main(["export", "--module", str(path), "--prove"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--prove" in err and "Traceback" not in err


def test_out_empty_writes_to_stdout(spy, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "1a", "--out", ""]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Verified formulas: 1a\n") and "### 1a — " in out
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- LaTeX


def _environments_balanced(text: str) -> bool:
    stack: list[str] = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", text):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _braces_balanced(text: str) -> bool:
    depth = 0
    for match in re.finditer(r"(?<!\\)[{}]", text.replace("\\\\", "")):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def test_latex_is_a_fragment_with_every_entry(spy, capsys):
    assert main(["export", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert spy == []
    assert _environments_balanced(out) and _braces_balanced(out)
    assert "\\documentclass" not in out and "\\begin{document}" not in out
    assert out.count("\\begin{displaymath}") == len(CATALOG)
    recorded = recorded_statuses()
    for d in CATALOG:
        assert f"\\subsection*{{{d.id.replace('_', chr(92) + '_')} --- " in out
        assert f"\\begin{{displaymath}}\n{d.formula}\n\\end{{displaymath}}" in out
    assert f"\\textbf{{Status:}} {recorded['1a']}." in out


def test_latex_escapes_the_special_characters_of_the_text(capsys):
    assert main(["export", "2", "7-da1/dW1", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    # the text outside the formulas: no character that LaTeX would read as a command
    text = re.sub(r"\\begin\{displaymath\}.*?\\end\{displaymath\}", "", out, flags=re.S)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
    assert not re.search(r"(?<!\\)[_^&%$#~]", text.replace("\\\\", "")), text
    # problem 2's statement: "... lam ||w||^2" and "sum_i -y_i"
    assert "\\textbar{}\\textbar{}w\\textbar{}\\textbar{}\\textasciicircum{}2" in out
    assert "sum\\_i -y\\_i" in out
    assert "A1[i, d] = sum\\_m W1[d, m]" in out


def test_latex_of_a_module(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text(
        "import numpy as np\nfrom hypothesis import strategies as st\n"
        "from gradients import Derivation\n"
        "DERIVATIONS = [Derivation(id='my_sq', title='50% & more', formula=r'\\nabla = 2x',\n"
        "    loss=lambda x: float(x @ x), grad=lambda x: 2 * x,\n"
        "    inputs=lambda: st.just((np.ones(2),)), variables=('x_0',))]\n")
    assert main(["export", "--module", str(path), "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert "\\subsection*{my\\_sq --- 50\\% \\& more}" in out
    assert "\\texttt{x\\_0}" in out and "Status" not in out
    assert _environments_balanced(out) and _braces_balanced(out)
