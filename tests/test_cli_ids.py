"""Ids at the command line: problem numbers, repeats, ``gradients list``, ``show``'s variables,
the ``verify`` table of a failure, and ``try --file`` with a ``def``.

Runs in-process through :func:`gradients.cli.main` (the sandbox's child process is started
all the same); the one subprocess test puts this checkout on ``PYTHONPATH``.
"""

from __future__ import annotations

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
    assert data["worst_failing_rel_error"] == pytest.approx(result.worst_failing_rel_error)
