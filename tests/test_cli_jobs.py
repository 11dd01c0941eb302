"""``gradients verify -j N`` and ``--profile``, and the working directory the command leaves.

The derivations are checked in worker processes; the results must be those of ``-j 1``
(verdicts, numbers, counterexamples: only the times differ), in catalog order. A user's
module with a right, a wrong and a broken derivation (its strategy raises) shows a failure
and an error crossing the process boundary as rows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gradients.cli import main

ROOT = Path(__file__).resolve().parents[1]

MODULE = '''
import numpy as np
from hypothesis import strategies as st

from gradients import Derivation


def square(x):
    return float(np.sum(x ** 2))


def vectors():
    return st.integers(1, 4).flatmap(lambda n: st.lists(
        st.floats(-3, 3, allow_nan=False), min_size=n, max_size=n)).map(
        lambda v: (np.array(v),))


def no_inputs():
    raise RuntimeError("the strategy of this entry is broken")


DERIVATIONS = [
    Derivation(id="sq", title="Sum of squares", formula=r"\\nabla = 2x", loss=square,
               grad=lambda x: 2 * x, inputs=vectors, variables=("x",)),
    Derivation(id="sq-wrong", title="Sum of squares, halved", formula=r"\\nabla = x",
               loss=square, grad=lambda x: x, inputs=vectors, variables=("x",)),
    Derivation(id="sq-broken", title="Sum of squares, no inputs", formula=r"\\nabla = 2x",
               loss=square, grad=lambda x: 2 * x, inputs=no_inputs, variables=("x",)),
]
'''

_TIMES = ("seconds",)


def _untimed(data: dict) -> dict:
    return {**data, "results": [{k: v for k, v in r.items() if k not in _TIMES}
                                for r in data["results"]]}


def _verify_json(capsys, *args: str) -> tuple[int, dict]:
    status = main(["verify", *args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_two_jobs_give_the_results_of_one_in_catalog_order(capsys):
    ids = ["1a", "2-hess", "4-mle", "7b", "3-step"]
    one_status, one = _verify_json(capsys, *ids, "--examples", "4", "--seed", "5", "-j", "1")
    two_status, two = _verify_json(capsys, *ids, "--examples", "4", "--seed", "5", "-j", "2")
    assert one_status == two_status == 0
    assert [r["id"] for r in two["results"]] == ["1a", "3-step", "4-mle", "7b", "2-hess"]
    assert _untimed(one) == _untimed(two)
    assert all(isinstance(r["seconds"], float) and r["seconds"] > 0 for r in two["results"])


@pytest.fixture
def module(tmp_path) -> str:
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(MODULE))
    return str(path)


def test_a_failure_and_an_error_in_a_worker_are_rows_like_with_one_job(module, capsys):
    one_status, one = _verify_json(capsys, "--module", module, "--examples", "6", "-j", "1")
    two_status, two = _verify_json(capsys, "--module", module, "--examples", "6", "-j", "3")
    assert one_status == two_status == 1
    assert _untimed(one) == _untimed(two)
    right, wrong, broken = two["results"]
    assert (right["id"], right["ok"]) == ("sq", True)
    assert wrong["id"] == "sq-wrong" and wrong["failures"] > 0
    assert "Minimal counterexample" in wrong["counterexample"]
    assert broken["id"] == "sq-broken" and broken["ok"] is False
    assert broken["error"] == "RuntimeError: the strategy of this entry is broken"


def test_an_error_row_in_the_table_says_why(module, capsys):
    assert main(["verify", "--module", module, "--examples", "3", "-j", "2"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("sq-broken"))
    assert row.split()[-1] == "ERROR"
    assert "\nsq-broken: could not be checked: RuntimeError: the strategy of this entry is " \
           "broken" in out
    assert "1 of 3 derivations verified" in out


def test_a_worker_that_dies_is_an_error_row_not_a_crash(tmp_path, capsys):
    path = tmp_path / "dies.py"
    path.write_text(textwrap.dedent(MODULE) + textwrap.dedent('''
        import os

        PARENT = os.getpid()


        def exits():
            if os.getpid() != PARENT:  # in a worker: it dies without a word
                os._exit(3)
            return vectors()


        DERIVATIONS = [DERIVATIONS[0], Derivation(
            id="dies", title="Kills its worker", formula="x", loss=square,
            grad=lambda x: 2 * x, inputs=exits, variables=("x",))]
        '''))
    status, data = _verify_json(capsys, "--module", str(path), "--examples", "3", "-j", "2")
    assert status == 1
    # the pool is broken by the death: what had not finished is an error row as well
    assert [r["id"] for r in data["results"]] == ["sq", "dies"]
    row = data["results"][1]
    assert row["ok"] is False
    assert row["error"].startswith("its worker process failed: BrokenProcessPool")


def test_profile_lists_every_entry_longest_first(capsys):
    ids = ["1a", "1b", "2-hess"]
    assert main(["verify", *ids, "--examples", "3", "--profile", "-j", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = lines.index(next(line for line in lines if line.split()[:2] == ["id", "seconds"]))
    assert lines[head].split() == ["id", "seconds", "checks", "drawing", "search"]
    rows = [line.split() for line in lines[head + 2: head + 2 + len(ids)]]
    assert sorted(r[0] for r in rows) == sorted(ids)
    seconds = [float(r[1]) for r in rows]
    assert seconds == sorted(seconds, reverse=True)
    for _, total, checks, drawing, search in rows:
        # the parts are the whole, to the rounding of the table
        assert abs(float(checks) + float(drawing) + float(search) - float(total)) <= 0.02
        assert float(search) == 0.0  # every entry passes: no counterexample was searched


def test_profile_goes_to_stderr_with_json(capsys):
    assert main(["verify", "1a", "--examples", "2", "--json", "--profile"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ok"] is True
    assert re.search(r"^1a\s+\d+\.\d\d\s", captured.err, re.M)


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_a_bad_job_count_is_one_line(jobs, capsys):
    assert main(["verify", "1a", "-j", jobs]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "expected a positive integer" in err


def test_help_names_the_default_job_count(capsys):
    assert main(["verify", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"here {os.cpu_count() or 1}" in text and "-j 1" in text


# --------------------------------------------------------------------------- the working directory


def test_no_command_leaves_a_hypothesis_directory_in_the_working_directory(tmp_path):
    cwd, home = tmp_path / "student", tmp_path / "home"
    cwd.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HYPOTHESIS", "PYTEST", "XDG_CACHE"))}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    commands = [
        ["verify", "1a", "6", "--examples", "3", "-j", "2"],
        ["try", "1a", "2 * X", "--examples", "3"],  # a failure: the shrinking search runs
        ["list", "1a"],
        ["show", "1a"],
        ["export", "1a", "--format", "latex"],
    ]
    for args in commands:
        out = subprocess.run([sys.executable, "-m", "gradients", *args], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode in (0, 1), (args, out.stderr)
        assert "Traceback" not in out.stderr
        assert sorted(p.name for p in cwd.iterdir()) == [], args
    # hypothesis's cache of the modules' constants is in the user's cache directory instead
    assert (home / ".cache" / "gradients" / "hypothesis").is_dir()
