"""Every command-line mistake is one line on stderr with exit status 2, never a traceback.

The cases of issue 12 ("tried as a new user would"), unknown flags and unreadable paths, run
in-process through :func:`gradients.cli.main` (fast); a few run as real processes to see what a
shell sees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradients.cli import main

ROOT = Path(__file__).resolve().parents[1]


def one_line_error(args, capsys, fragment):
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 2, (status, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("gradients: error: "), err
    assert fragment in err, err
    return err


MISTAKES = [
    # unknown ids, with "did you mean"
    (("verify", "1B"), "unknown derivation id '1B'; did you mean '1b'?"),
    (("show", "7B"), "did you mean '7b'?"),
    (("try", "5b", "A"), "did you mean '5B'?"),
    (("verify", "7-wo"), "'7-W0'"),  # and '7-w2': both are close
    (("verify", "7-WO"), "did you mean"),
    (("verify", "1a", "zz"), "unknown derivation id 'zz' (known: 1a, 1b"),
    (("show", "nope"), "unknown derivation id 'nope'"),
    (("try", "99", "X"), "unknown derivation id '99'"),
    # flags and their values
    (("verify", "--seed", "-1"), "argument --seed: expected a non-negative integer, got -1"),
    (("try", "1b", "X", "--seed", "-1"), "expected a non-negative integer, got -1"),
    (("verify", "--seed", "abc"), "expected a non-negative integer, got 'abc'"),
    (("verify", "--seed", str(2**64)), "expected an integer below 2**63"),
    (("verify", "--examples", "0"), "argument --examples: expected a positive integer, got 0"),
    (("try", "1b", "X", "--examples", "many"), "expected a positive integer, got 'many'"),
    (("verify", "--method", "magic"), "argument --method: invalid choice: 'magic'"),
    (("show", "1b", "--format", "pdf"), "argument --format: invalid choice: 'pdf'"),
    (("show", "1b", "--format"), "argument --format: expected one argument"),
    (("export", "--format", "html"), "invalid choice: 'html'"),
    (("verify", "--bogus"), "unrecognized arguments: --bogus (see 'gradients verify --help')"),
    (("try", "1b", "X", "--bogus"), "unrecognized arguments: --bogus"),
    (("try", "1b", "-X.T"), "a candidate that starts with '-' goes after '--'"),
    (("show", "1b", "--fromat", "latex"), "unrecognized arguments: --fromat latex"),
    (("--bogus",), "unrecognized arguments: --bogus"),
    (("plot", "steps", "4-mle"), "argument COMMAND: invalid choice: 'plot'"),
    (("plot",), "invalid choice: 'plot'"),
    (("show",), "the following arguments are required: ID"),
    (("try",), "the following arguments are required: ID"),
    # the sandbox's limits, within their ceilings
    (("try", "1b", "X", "--memory-limit", "100000"),
     "argument --memory-limit: 100000 MiB is outside the allowed range 256 to 4096 MiB"),
    (("try", "1b", "X", "--memory-limit", "1.5"), "expected a whole number of MiB, got '1.5'"),
    (("try", "1b", "X", "--cpu-limit", "0"), "0 s is outside the allowed range 1 to 120 s"),
    (("try", "1b", "X", "--cpu-limit", "2.5"), "expected a whole number of seconds, got '2.5'"),
    (("try", "1b", "X", "--time-limit", "1e9"), "outside the allowed range 1 to 900 s"),
    (("try", "1b", "X", "--time-limit", "nan"), "outside the allowed range"),
    # the candidate
    (("try", "1b"), "missing the candidate: gradients try 1b \"EXPR\" (or --file PATH)"),
    (("try", "6", "__import__('os')"), "bad expression: name '__import__' is not allowed"),
    (("try", "6", "import os; X"), "bad expression: import statement 'import os'"),
    (("try", "1b", "X @ w"), "bad expression: name 'w' is not defined; allowed: X, np"),
    (("try", "1b", "S = X @ X"), "the last statement 'S = X @ X' is an assignment"),
    (("try", "6", "np.outer(w, w)"), "the candidate for 6 returns shape (1, 1), but the answer "
     "has shape (1,) for inputs of shapes w (1,), X (1, 1)"),
    (("try", "4-mle", "y"), "the candidate for 4-mle returns shape"),
    # the complex step: a loss in a stable real form is not complex-analytic as computed
    (("verify", "2", "--method", "complex"), "--method complex needs a loss that accepts "
     "complex input (the complex step), and the loss of 2, 2-step, 2-hess, 2-newton does not "
     "(not complex-analytic as computed: a stable real form (logaddexp, a sigmoid through |a|))"),
    (("verify", "7b", "--method", "complex"), "use --method richardson (default), central or "
     "forward"),
    (("try", "3", "X.T @ y", "--method", "complex"), "the loss of 3 does not"),
    # paths
    (("export", "--out", "/nonexistent/x.md"),
     "cannot write /nonexistent/x.md: No such file or directory"),
    (("try", "1b", "--file", "/nonexistent/candidate.py"),
     "cannot read /nonexistent/candidate.py: No such file or directory"),
    (("verify", "--module", "/nonexistent/derivations.py"),
     "cannot read module file /nonexistent/derivations.py: no such file"),
    (("verify", "--module", "no_such_module_xyz"),
     "cannot import module 'no_such_module_xyz': no module named 'no_such_module_xyz'"),
    (("verify", "--module", "not a module"), "--module takes a module name such as"),
]


@pytest.mark.parametrize(("args", "fragment"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_each_mistake_is_one_line_with_exit_2(args, fragment, capsys):
    one_line_error(args, capsys, fragment)


def test_unreadable_paths(tmp_path, capsys):
    one_line_error(["export", "--out", str(tmp_path)], capsys, "Is a directory")
    one_line_error(["try", "1b", "--file", str(tmp_path)], capsys, "Is a directory")
    binary = tmp_path / "candidate.bin"
    binary.write_bytes(b"\xff\xfe\x00X")
    one_line_error(["try", "1b", "--file", str(binary)], capsys, "not UTF-8 text")
    text = tmp_path / "candidate.py"
    text.write_text("3 * (X @ X).T\n")
    one_line_error(["try", "1b", "X", "--file", str(text)], capsys,
                   "give the candidate either as EXPR or with --file, not both")


def _paths_no_user_can_open(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Paths that cannot be opened whatever the uid (root included), with the reason."""
    regular = tmp_path / "regular.txt"
    regular.write_text("X\n")
    loop = tmp_path / "loop"
    loop.symlink_to(loop.name)  # a symbolic link to itself
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    return {
        "inside-a-file": (regular / "candidate.py", "Not a directory"),
        "symlink-loop": (loop, "Too many levels of symbolic links"),
        "dangling-symlink": (dangling, "No such file or directory"),
        "directory": (tmp_path, "Is a directory"),
    }


@pytest.mark.parametrize("kind", ["inside-a-file", "symlink-loop", "dangling-symlink",
                                  "directory"])
def test_a_path_that_no_user_can_read_is_one_line_with_exit_2(kind, tmp_path, capsys):
    """Unreadable for every uid, root included (as CI runs): not a permission question."""
    path, why = _paths_no_user_can_open(tmp_path)[kind]
    with pytest.raises(OSError):  # the premise: the path really cannot be read
        path.read_bytes()
    one_line_error(["try", "1b", "--file", str(path)], capsys, f"cannot read {path}: {why}")
    one_line_error(["verify", "--module", str(path)], capsys, f"cannot read module file {path}")


# A dangling link is writable (writing through it creates its target). A symbolic-link loop
# is refused too, but only after the whole export is computed (30 s): the pre-check in
# gradients/cli/export_command.py (_writable) does not see it, so it is not among these cases.
@pytest.mark.parametrize("kind", ["inside-a-file", "directory"])
def test_a_path_that_no_user_can_write_is_one_line_with_exit_2(kind, tmp_path, capsys):
    path, _why = _paths_no_user_can_open(tmp_path)[kind]
    with pytest.raises(OSError):  # the premise: the path really cannot be written
        path.open("a").close()
    one_line_error(["export", "--out", str(path)], capsys, f"cannot write {path}: ")


def _main_as_nobody(args: list[str]) -> tuple[int, str]:
    """``main(args)`` in a forked child that gave up root for uid and gid 65534 ("nobody"):
    its exit status and stderr. Root reads any file whatever its mode; the child cannot."""
    import io
    import os
    import traceback

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reports through the pipe and never returns into pytest
        code = 0
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            status = main(args)
            os.write(write_end, f"{status}\n{sys.stderr.getvalue()}".encode())
        except BaseException:  # noqa: BLE001 - whatever happened, tell the parent
            os.write(write_end, f"-1\n{traceback.format_exc()}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 1 << 16):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    status, _, err = b"".join(chunks).decode().partition("\n")
    return int(status), err


def test_a_file_without_read_permission_is_permission_denied(tmp_path, capsys):
    """As any user but root, in-process; as root (CI), in a child that dropped to uid 65534,
    for whom a mode-0 file in a directory it may enter is unreadable."""
    import os
    import tempfile

    if os.geteuid() != 0:
        locked = tmp_path / "locked.py"
        locked.write_text("X")
        locked.chmod(0)
        try:
            one_line_error(["try", "1b", "--file", str(locked)], capsys,
                           f"cannot read {locked}: Permission denied")
        finally:
            locked.chmod(0o600)
    else:
        # tmp_path's parents are private to root: the file goes where uid 65534 may look
        with tempfile.TemporaryDirectory() as folder:
            os.chmod(folder, 0o755)
            locked = Path(folder) / "locked.py"
            locked.write_text("X")
            locked.chmod(0)
            assert locked.read_text() == "X"  # root reads it: why the child is needed
            # the child cannot read the standard library either (it may live under /root):
            # the same code path, run here first, imports whatever it needs
            one_line_error(["try", "1b", "--file", str(locked) + ".missing"], capsys,
                           "No such file or directory")
            status, err = _main_as_nobody(["try", "1b", "--file", str(locked)])
        assert status == 2, err
        assert err == f"gradients: error: cannot read {locked}: Permission denied\n", err


def test_a_repeated_id_is_verified_once(capsys):
    assert main(["verify", "1b", "1b", "1a", "1b", "--examples", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line.split()[0] for line in out.splitlines()[2:] if line[:2] in ("1a", "1b")]
    assert rows == ["1a", "1b"]  # once each, in catalog order (as `verify 7 7b`)
    assert "2 of 2 derivations verified" in out


def test_a_candidate_after_options_or_after_a_double_dash(capsys):
    for args in (["try", "1b", "--examples", "2", "3 * (X @ X).T"],
                 ["try", "1b", "--examples", "2", "--", "3 * (X @ X).T"],
                 ["try", "1b", "--examples", "2", "--", "-(-3 * (X @ X).T)"]):
        status = main(args)
        out = capsys.readouterr().out
        assert status == 0 and out.startswith("PASS: 1b"), out


def test_bare_gradients_prints_the_help_and_exits_0(capsys):
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: gradients") and "verify" in out and "try" in out
    assert err == ""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gradients", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_as_processes_bare_help_unknown_flag_and_a_broken_path():
    bare = run()
    assert bare.returncode == 0 and bare.stdout.startswith("usage: gradients")
    assert bare.stderr == ""
    for args, fragment in [(("verify", "--bogus"), "unrecognized arguments: --bogus"),
                           (("export", "--out", "/nonexistent/x.md"), "cannot write")]:
        out = run(*args)
        assert out.returncode == 2 and fragment in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_help_states_the_sandbox_limits(capsys):
    assert main(["try", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1024 MiB of address space" in out and "10 s of CPU time" in out
    assert "60 s of wall-clock time for the whole try" in out
    for flag in ("--memory-limit", "--cpu-limit", "--time-limit", "--method", "--examples",
                 "--seed", "--file", "--module"):
        assert flag in out
