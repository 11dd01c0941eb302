"""Ids at the command line: problem numbers, repeats, ``gradients list``, ``show``'s variables,
the ``verify`` table of a failure, and ``try --file`` with a ``def``.

Runs in-process through :func:`gradients.cli.main` (the sandbox's child process is started
all the same); the one subprocess test puts this checkout on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradients.catalog import CATALOG
from gradients.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _problem(number: str) -> list[str]:
    return [d.id for d in CATALOG if re.match(rf"{number}(?!\d)", d.id)]


def _rows(out: str) -> list[str]:
    """The ids of a ``verify`` table, in order."""
    lines = out.splitlines()
    end = lines.index("")
    return [line.split()[0] for line in lines[2:end]]


# --------------------------------------------------------------------------- problem numbers


@pytest.mark.parametrize("number", ["2", "4"])
def test_verify_a_problem_number_that_is_also_an_id_checks_the_whole_problem(number, capsys):
    assert main(["verify", number, "--examples", "2"]) == 0
    assert _rows(capsys.readouterr().out) == _problem(number)
    assert len(_problem(number)) > 1


def test_an_id_covered_by_its_problem_or_repeated_is_checked_once_in_catalog_order(capsys):
    assert main(["verify", "7", "7b", "1a", "7b", "--examples", "2"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows == ["1a", *_problem("7")]
    assert rows.count("7b") == 1


def test_show_a_problem_number_shows_every_entry(capsys):
    assert main(["show", "7"]) == 0
    out = capsys.readouterr().out
    for entry in _problem("7"):
        assert f"### {entry} — " in out
    assert main(["show", "7", "--format", "latex"]) == 0
    latex = capsys.readouterr().out
    assert "% 7-ds/dh" in latex and "% 7a" in latex


def test_export_takes_ids_and_problem_numbers(capsys, monkeypatch):
    import gradients.catalog.prove as prove

    monkeypatch.setattr(prove, "status_of", lambda i: "stub status")
    assert main(["export", "3", "1a"]) == 0
    out = capsys.readouterr().out
    headings = re.findall(r"^### (\S+) — ", out, re.M)
    assert headings == ["1a", *_problem("3")]


def test_try_a_problem_number_with_several_entries_asks_which_one(capsys):
    assert main(["try", "7", "X"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "problem 7 has several entries" in err
    assert all(entry in err for entry in _problem("7"))


def test_try_an_id_that_is_a_problem_number_is_that_entry(capsys):
    assert main(["try", "6", "(X + X.T) @ w", "--examples", "3"]) == 0
    assert capsys.readouterr().out.startswith("PASS: 6 ")


@pytest.mark.parametrize("command", [["verify"], ["show"], ["try"], ["export"]])
def test_an_unknown_id_suggests_close_ids_and_gradients_list(command, capsys):
    args = [*command, "7c"] + (["X"] if command == ["try"] else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "unknown derivation id '7c'; did you mean " in err and "'7a'" in err
    assert "gradients list" in err


def test_a_problem_number_error_is_one_line_from_the_console(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-m", "gradients", "try", "3", "--", "-X"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    # 3 is an id: the candidate is checked (and has the wrong shape)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "gradients", "show", "9"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- gradients list


def test_list_shows_every_id_with_problem_kind_title_and_recorded_status(capsys):
    from gradients.cli.list_command import recorded_statuses

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "problem", "kind", "title", "proof", "status"]
    assert [line.split()[0] for line in lines[2:]] == [d.id for d in CATALOG]
    statuses = recorded_statuses()
    assert set(statuses) == {d.id for d in CATALOG}  # FORMULAS.md records every entry
    row = next(line for line in lines if line.startswith("7-ds/dh "))
    assert row.split()[1:3] == ["7", "vjp"] and row.endswith(statuses["7-ds/dh"])


def test_list_json_and_a_problem_number(capsys):
    import json

    assert main(["list", "4", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == _problem("4")
    assert set(rows[0]) == {"id", "problem", "kind", "title", "status"}
    assert rows[1] == {"id": "4-mle", "problem": "4", "kind": "stationary",
                       "title": "Maximum-likelihood weights", "status": rows[1]["status"]}
    assert rows[1]["status"].startswith("proved")


def test_list_says_dash_where_no_status_is_recorded(capsys, monkeypatch):
    import gradients.cli.list_command as lc

    monkeypatch.setattr(lc, "recorded_statuses", lambda: {})
    assert main(["list", "1a"]) == 0
    assert capsys.readouterr().out.splitlines()[2].split()[-1] == "-"
    assert main(["list", "--help"]) == 0 and "FORMULAS.md" in capsys.readouterr().out


# --------------------------------------------------------------------------- verify's table


def _wrong_6():
    import dataclasses

    from gradients.catalog import get

    return dataclasses.replace(get("6"), id="6-wrong", grad=lambda w, X: 2 * X @ w)


def test_a_fail_row_shows_the_worst_relative_error_of_the_failing_inputs(capsys, monkeypatch):
    import gradients.cli.verify_command as vc
    from gradients.cli.verification import verify_derivation

    result = verify_derivation(_wrong_6(), examples=10)
    assert result.failures > 0 and result.worst_failing_rel_error > 1e-3
    monkeypatch.setattr(vc, "catalog_of", lambda ns: (_wrong_6(),))
    assert main(["verify", "--examples", "10"]) == 1
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("6-wrong "))
    assert "FAIL" in row and "0.0e+00" not in row
    assert f"{result.worst_failing_rel_error:.1e}" in row.split()
    assert main(["verify", "--examples", "10", "--json"]) == 1
    import json

    data = json.loads(capsys.readouterr().out)["results"][0]
    assert data["worst_failing_rel_error"] == pytest.approx(result.worst_failing_rel_error,
                                                            rel=1e-6, abs=0)


# --------------------------------------------------------------------------- show's variables


@pytest.mark.parametrize("d", CATALOG, ids=lambda d: d.id)
def test_show_gives_every_variable_a_shape_and_a_role(d, capsys):
    from gradients.catalog.symbolic import SYMBOLIC

    assert main(["show", d.id]) == 0
    out = capsys.readouterr().out
    lines = out.split("candidate uses):\n", 1)[1].splitlines()[: len(d.variables)]
    assert [line.split()[0] for line in lines] == list(d.variables)
    for name, line in zip(d.variables, lines, strict=True):
        assert "not recorded" not in line, line
        shape = re.match(rf"  {re.escape(name)} +(\(.*?\)|scalar|integer)  ", line)
        assert shape, line
        # the shape agrees with the catalog's symbolic form (same rank; scalars scalar)
        recorded = SYMBOLIC[d.id].shapes.get(name)
        if recorded is not None:
            rank = len([p for p in shape.group(1).strip("()").split(",") if p.strip()
                        and shape.group(1) not in ("scalar", "integer")])
            assert rank == len(recorded), (line, recorded)


def test_show_a_chain_rule_step_names_its_upstream_gradient(capsys):
    assert main(["show", "7-ds/dh"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  u +\(N,\) +upstream gradient \(fixed\)", out, re.M)
    assert re.search(r"^  H +\(N, D\) +differentiated", out, re.M)
    assert re.search(r"^  w2 +\(D,\) +held fixed", out, re.M)


# --------------------------------------------------------------------------- try --file a def


@pytest.mark.parametrize("d", CATALOG, ids=lambda d: d.id)
def test_what_show_numpy_prints_passes_try_file(d, tmp_path, capsys):
    assert main(["show", d.id, "--format", "numpy"]) == 0
    path = tmp_path / "answer.py"
    path.write_text(capsys.readouterr().out)
    status = main(["try", d.id, "--file", str(path), "--examples", "2"])
    captured = capsys.readouterr()
    assert status == 0, captured.err + captured.out
    assert captured.out.startswith(f"PASS: {d.id} ")


def test_show_a_whole_problem_as_numpy_then_try_one_of_its_functions(tmp_path, capsys):
    assert main(["show", "2", "--format", "numpy"]) == 0
    path = tmp_path / "problem2.py"
    path.write_text(capsys.readouterr().out)
    assert main(["try", "2-newton", "--file", str(path), "--examples", "2"]) == 0
    assert capsys.readouterr().out.startswith("PASS: 2-newton ")


@pytest.mark.parametrize(("text", "message"), [
    ("r = sigmoid(X @ w) - y\n    X.T @ r + 2 * lam * w\n", "line 2: unexpected indent"),
    ("import os\ndef grad_2(w, X, y, lam):\n    return w\n", "'import os' is not allowed"),
    ("def grad_2(w, X, y):\n    return w\n", "the parameters of grad_2 are (w, X, y)"),
    ("def grad_2(w, X, y, lam):\n    import os\n    return w\n", "bad expression: import"),
    ("def grad_2(w, X, y, lam):\n    r = __import__('os')\n    return w\n",
     "bad expression: name '__import__' is not allowed"),
    ("def sigmoid(a):\n    return a\n\ndef grad_2(w, X, y, lam):\n    return w\n",
     "differs from the sandbox's sigmoid"),
    ("def grad_2(w, X, y, lam=1):\n    return w\n", "plain parameters only"),
    ("def grad_2(w, X, y, lam):\n    r = w\n", "must end with 'return EXPR'"),
    ("def f(w, X, y, lam):\n    return w\n\ndef g(w, X, y, lam):\n    return w\n",
     "defines f, g"),
])
def test_a_def_file_keeps_the_sandbox_rules(text, message, tmp_path, capsys):
    path = tmp_path / "candidate.py"
    path.write_text(text)
    assert main(["try", "2", "--file", str(path), "--examples", "2"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_plain_file_indented_as_a_whole_still_runs(tmp_path, capsys):
    path = tmp_path / "candidate.py"
    path.write_text("    r = sigmoid(X @ w) - y\n    X.T @ r + 2 * lam * w\n")
    assert main(["try", "2", "--file", str(path), "--examples", "2"]) == 0


# --------------------------------------------------------------------------- =ID: one entry alone


def test_an_id_after_equals_is_that_entry_alone(capsys):
    assert len(_problem("2")) > 1
    assert main(["verify", "=2", "--examples", "2"]) == 0
    assert _rows(capsys.readouterr().out) == ["2"]
    assert main(["verify", "=2", "=7b", "4", "--examples", "2"]) == 0
    wanted = {"2", "7b", *_problem("4")}
    assert _rows(capsys.readouterr().out) == [d.id for d in CATALOG if d.id in wanted]
    assert main(["list", "=2", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["2"]
    assert main(["try", "=6", "(X + X.T) @ w", "--examples", "3"]) == 0
    assert capsys.readouterr().out.startswith("PASS: 6 ")


@pytest.mark.parametrize("command", [["verify"], ["show"], ["export"], ["try"]])
def test_equals_with_an_unknown_id_is_one_line(command, capsys):
    args = [*command, "=7"] + (["X"] if command == ["try"] else [])
    assert main(args) == 2  # 7 is a problem, not an id
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "unknown derivation id '7'; did you mean " in err and "'7a'" in err


def test_help_explains_problem_numbers_and_equals(capsys):
    for command in ("verify", "show", "export", "list"):
        assert main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "=ID selects that entry alone (=2: entry 2 only)" in text, command
