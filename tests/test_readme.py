"""Every code block of README.md runs, so the front door cannot go stale.

* A ``python`` block whose first line is ``# file: PATH`` is written to ``PATH`` inside a
  temporary user project (shared by the README's blocks, in order); any other ``python``
  block is executed as it is, with that project as the working directory.
* A ``bash`` block runs line by line in that project with ``bash`` (comments after ``#``
  are the README's explanations). Two kinds of line are not run, because they are what CI
  itself does around this suite: installing this project (``python -m pip install ...``)
  and running this repository's own test suite (``python -m pytest`` with no path in a
  checkout). Every other line must exit 0, unless the block is marked ``# exits 1`` on the
  line (a command demonstrating a failure), in which case it must exit 1.
* A ``python`` block whose first line is ``# needs: torch`` (or ``jax``) runs only where that
  optional extra is installed (CI installs it, as the README's quick start does).
* ``text`` blocks are sample output: not run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)
_NOT_RUN = (
    re.compile(r"^python -m pip install"),
    re.compile(r"^python -m pytest(\s+-n \d+)?\s*(#.*)?$"),
)


def _blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(README.read_text())]


def _env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS", "PYTEST"))}
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    env["MPLBACKEND"] = "Agg"
    return env


def _commands(block: str) -> list[tuple[str, int]]:
    """The lines of a bash block to run, each with the exit code it must give."""
    out = []
    for raw in block.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("$"):
            continue
        expected = 1 if re.search(r"#\s*exits 1\b", line) else 0
        command = line.split("  #")[0].strip()
        if any(p.match(command) for p in _NOT_RUN):
            continue
        out.append((command, expected))
    return out


def test_the_readme_has_python_and_bash_blocks():
    kinds = {kind for kind, _ in _blocks()}
    assert {"python", "bash"} <= kinds


def test_every_readme_code_block_runs(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    env = _env(project)
    ran = 0
    for i, (kind, body) in enumerate(_blocks()):
        first = body.splitlines()[0] if body.strip() else ""
        if kind == "python" and first.startswith("# file: "):
            path = project / first.removeprefix("# file: ").strip()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            if path.parent != project and not (path.parent / "__init__.py").exists():
                (path.parent / "__init__.py").write_text("")
            continue
        if kind == "python" and first.startswith("# needs: "):
            # a drop-in's example needs its optional extra (".[torch,jax]", installed by CI)
            missing = [name for name in first.removeprefix("# needs: ").split(",")
                       if importlib.util.find_spec(name.strip()) is None]
            if missing:
                continue
        if kind == "python":
            result = subprocess.run([sys.executable, "-c", body], cwd=project, env=env,
                                    capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, f"README block {i} (python) failed:\n{body}\n" \
                f"{result.stdout}{result.stderr}"
            ran += 1
        elif kind == "bash":
            for command, expected in _commands(body):
                result = subprocess.run(["bash", "-c", command], cwd=project, env=env,
                                        capture_output=True, text=True, timeout=600)
                assert result.returncode == expected, (
                    f"README command {command!r} exited {result.returncode}, expected "
                    f"{expected}:\n{result.stdout}{result.stderr}")
                ran += 1
    assert ran > 0


@pytest.mark.parametrize("line, runs", [
    ("python -m pip install -e \".[test]\"     # install", False),
    ("python -m pytest                       # run the test suite", False),
    ("python -m pytest -n 2", False),
    ("python -m pytest --hypothesis-profile=gradcheck-ci test_softmax.py", True),
    ("gradients verify", True),
])
def test_only_the_install_and_the_suites_own_run_are_left_out(line, runs):
    assert bool(_commands(line)) == runs
