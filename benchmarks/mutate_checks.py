"""Mutation testing of the engine, ``checks/``, on a stratified random sample of its mutants.

mutmut 3 reads a single configuration, the ``[tool.mutmut]`` table of ``pyproject.toml``,
which mutates ``gradients/`` (``docs/MUTATION.md``). The engine has its own table,
``[tool.mutmut-checks]`` (same keys; mutmut itself never reads it). Every command copies the
checkout (without ``.git``, ``mutants/`` and caches) to a work directory outside it, writes
that table as the copy's ``[tool.mutmut]`` and runs mutmut there with the ``ci`` hypothesis
profile: the work tree is never touched, and the work directory keeps mutmut's cache
(``mutants/``) from one command to the next.

A complete run over the engine's mutants takes hours on two cores, so its score is measured
on a sample::

    python -m benchmarks.mutate_checks sample --out docs/mutation_checks_sample.json
    nice -n 10 python -m benchmarks.mutate_checks run --sample docs/mutation_checks_sample.json
    python -m benchmarks.mutate_checks score --sample docs/mutation_checks_sample.json \\
        --equivalent docs/mutation_checks_equivalent.txt
    python -m benchmarks.mutate_checks show checks.ladder.x_ladder__mutmut_7

* ``sample`` generates every mutant (mutmut's own generator, no test run) and draws a
  stratified random sample, one stratum per module, with a fixed seed: proportional
  allocation (largest remainders) raised to a minimum per module (:func:`allocate`). The
  file records the seed, the design, each module's population and its drawn names.
* ``run`` runs mutmut on the sampled mutants only (``mutmut run --max-children 2 NAME...``;
  extra names may follow, e.g. to re-test a few), and prints the wall time.
* ``score`` reads mutmut's results for the sample and prints the score per module and over
  the engine, weighted by the modules' populations, with 95 % intervals
  (:func:`stratified_score`); ``--equivalent`` names the mutants judged equivalent (one name
  a line, ``#`` starts a comment), for the score that leaves them out.
* ``forget NAME...`` drops the recorded results of the named mutants, so that the next
  ``run`` tests them again: after new tests were written against survivors (mutmut keeps a
  result until the mutated function's source changes, and a new test alone does not change
  it).
* ``results`` and ``show NAME`` are mutmut's, run in the work directory.

``--workdir`` (default ``$TMPDIR/gradcheck-mutmut-checks``) chooses the directory;
``--fresh`` (``sample``, ``run``) deletes mutmut's cache first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = "mutmut-checks"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "gradcheck-mutmut-checks"
AT_START_DIR = "mutants-at-start"
_SKIP = {".git", "mutants", AT_START_DIR, ".pytest_cache", ".hypothesis", ".ruff_cache",
         "__pycache__", ".mutmut-cache"}

#: Modules whose functions run while pytest starts, before any test: the plugin's entry point
#: and the root ``conftest.py`` call ``register_profiles()``. mutmut turns a mutant on in a
#: process that has started already, and its check that the tests can fail at all (every
#: mutated function raising) breaks pytest's start-up instead (a usage error, which stops
#: ``mutmut run``). These modules are therefore left out of mutmut's table
#: (``do_not_mutate``), mutated by mutmut's own generator into a copy of the checkout of
#: their own (``<workdir>/mutants-at-start``), and each of their mutants runs in a fresh
#: pytest process, active from its start (``MUTANT_UNDER_TEST``), on the whole selection:
#: :func:`run_at_start`.
#:
#: The drop-ins for torch and JAX take the same path, each on the test files that use it
#: (:data:`FRESH_TESTS`): mutmut forks each mutant's process from the one that ran the
#: tests, and after torch's or JAX's thread pools ran there, the child hangs as soon as it
#: computes with them (no CPU used) until mutmut's timeout, which counts as killed. One
#: thread per OpenMP pool (:data:`SINGLE_THREADED`) cures torch's, nothing cures XLA's: the
#: fourth sample's run hung on every ``checks.jax`` mutant it reached.
AT_START = ("checks/pytest_plugin.py", "checks/jax.py", "checks/torch.py")

#: The test files each :data:`AT_START` module runs on (absent: the whole selection).
FRESH_TESTS = {"checks/jax.py": ("tests/test_jax.py", "tests/test_docstrings.py"),
               "checks/torch.py": ("tests/test_torch.py", "tests/test_docstrings.py")}

#: The sample's design, unless told otherwise: 600 mutants (the issue asks for at least
#: 500), at least 15 per module (all of a module that has fewer), seed 17 (the issue).
SIZE, MINIMUM, SEED = 600, 15, 17
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile

#: mutmut's exit codes (``mutmut.stats.status_by_exit_code``), as this score counts them.
#: Detected: the tests failed (1; 3 is an internal error of pytest, mutmut's "killed"), the
#: mutant ran out of its CPU time (SIGXCPU: timeout) or was killed by the CPU limit's SIGKILL
#: or crashed (-9, -11). Not detected: the tests passed (0), or no selected test calls the
#: mutated function (33, "no tests").
KILLED = {1: "killed", 3: "killed", 24: "timeout", -24: "timeout", 152: "timeout",
          255: "timeout", 36: "timeout", -9: "segfault", -11: "segfault"}
SURVIVED = {0: "survived", 33: "no tests"}

_GENERATE = """\
import sys
from pathlib import Path
from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import setup_source_paths
set_mutant_under_test("mutant_generation")
Path("mutants").mkdir(exist_ok=True)
copy_src_dir()
copy_also_copy_files()
setup_source_paths()
create_mutants(int(sys.argv[1]))
"""


# ------------------------------------------------------------------------ the work directory


def _toml_value(value) -> str:
    """A TOML literal for the values a mutmut table holds (strings, numbers, booleans, lists
    of strings): JSON's spelling of them is valid TOML."""
    return json.dumps(value)


def toml_loads(text: str) -> dict:
    """``tomllib.loads`` (Python 3.10: ``toml.loads``; mutmut depends on ``toml`` there)."""
    try:
        import tomllib
    except ModuleNotFoundError:
        import toml as tomllib
    return tomllib.loads(text)


def mutmut_table(pyproject: str) -> str:
    """``[tool.mutmut-checks]`` of ``pyproject`` rewritten as a ``[tool.mutmut]`` table."""
    config = toml_loads(pyproject).get("tool", {}).get(TABLE)
    if not config:
        raise SystemExit(f"pyproject.toml has no [tool.{TABLE}] table")
    lines = ["[tool.mutmut]"] + [f"{key} = {_toml_value(v)}" for key, v in config.items()]
    return "\n".join(lines) + "\n"


def with_table(pyproject: str, table: str) -> str:
    """``pyproject`` with its ``[tool.mutmut]`` table (up to the next table) replaced."""
    pattern = re.compile(r"^\[tool\.mutmut\]\s*$.*?(?=^\[|\Z)", re.M | re.S)
    if pattern.search(pyproject):
        return pattern.sub(lambda _: table + "\n", pyproject, count=1)
    return pyproject.rstrip("\n") + "\n\n" + table


def sync(workdir: Path) -> None:
    """Make ``workdir`` a copy of the checkout, keeping its ``mutants/`` (mutmut's cache) and
    ``mutants-at-start/`` (:data:`AT_START`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for entry in workdir.iterdir():
        if entry.name in ("mutants", AT_START_DIR):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in ROOT.iterdir():
        if entry.name in _SKIP or entry.resolve() == workdir.resolve():
            continue
        target = workdir / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=shutil.ignore_patterns(*_SKIP))
        else:
            shutil.copy2(entry, target)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (workdir / "pyproject.toml").write_text(with_table(pyproject, mutmut_table(pyproject)),
                                            encoding="utf-8")


#: mutmut forks each mutant's process from the one that ran the tests. A fork taken after an
#: OpenMP thread pool ran (torch's, once a test of ``checks.torch`` computed anything) hangs
#: the child as soon as it computes in turn, using no CPU, until mutmut's timeout: every
#: mutant of ``checks.torch`` came out "timeout", which counts as killed (the fourth sample's
#: first run: 11 of 11). With one thread per pool there is no pool to inherit.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _mutmut(workdir: Path, args: list[str]) -> int:
    if shutil.which("mutmut") is None:
        raise SystemExit("mutmut is not installed: python -m pip install mutmut==3.8.1")
    print(f"[{workdir}] mutmut {' '.join(args[:8])}{' ...' if len(args) > 8 else ''}",
          file=sys.stderr)
    env = dict(os.environ, HYPOTHESIS_PROFILE="ci", **SINGLE_THREADED)
    return subprocess.call(["mutmut", *args], cwd=workdir, env=env)


def generate(workdir: Path, max_children: int) -> None:
    """Generate every mutant in ``workdir/mutants`` with mutmut's own generator, running no
    test (``mutmut run`` would run the whole test selection first)."""
    code = subprocess.call([sys.executable, "-c", _GENERATE, str(max_children)], cwd=workdir,
                           stdout=subprocess.DEVNULL)
    if code:
        raise SystemExit(f"mutant generation failed (exit status {code})")


def _metas(workdir: Path) -> list[Path]:
    """mutmut's result files of the modules it mutates (a module moved to ``do_not_mutate``
    since an earlier run may have left one)."""
    config = toml_loads((workdir / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    skip = {workdir / "mutants" / (path + ".meta") for path in config.get("do_not_mutate", [])}
    metas = sorted(set((workdir / "mutants").rglob("*.py.meta")) - skip)
    if not metas:
        raise SystemExit(f"no mutants in {workdir}/mutants: run `sample` first")
    return metas


def module_of(path: Path, workdir: Path) -> str:
    """``checks.ladder`` for ``<workdir>/mutants/checks/ladder.py.meta``."""
    rel = path.relative_to(workdir / "mutants").as_posix().removesuffix(".py.meta")
    return rel.replace("/", ".")


def population(workdir: Path) -> dict[str, list[str]]:
    """Every mutant's name, by module, as mutmut generated them (:data:`AT_START` included)."""
    out = {}
    for meta in _metas(workdir):
        names = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        out[module_of(meta, workdir)] = sorted(names)
    for name in _at_start_results(workdir)["codes"]:
        out.setdefault(name.rsplit(".", 1)[0], []).append(name)
    return {h: sorted(names) for h, names in sorted(out.items())}


def exit_codes(workdir: Path) -> dict[str, int | None]:
    """The recorded exit code of every mutant (``None``: not tested yet): mutmut's, and
    :func:`run_at_start`'s in mutmut's codes."""
    codes: dict[str, int | None] = {}
    for meta in _metas(workdir):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    codes.update(_at_start_results(workdir)["codes"])
    return codes


def forget(workdir: Path, names: Iterable[str]) -> list[str]:
    """Drop the recorded results of ``names`` (mutmut's and :func:`run_at_start`'s); return
    the names that had none to drop. Unknown names are refused before anything changes."""
    names = list(dict.fromkeys(names))
    unknown = sorted(set(names) - set(exit_codes(workdir)))
    if unknown:
        raise SystemExit(f"no such mutant in {workdir}: {', '.join(unknown)}")
    untested = []
    for meta in _metas(workdir):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data["exit_code_by_key"]
        mine = [n for n in names if n in codes]
        untested += [n for n in mine if codes[n] is None]
        for n in mine:
            codes[n] = None
        if mine:
            meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    results = _at_start_results(workdir)
    mine = [n for n in names if n in results["codes"]]
    if mine:
        untested += [n for n in mine if results["codes"][n] is None]
        for n in mine:
            del results["codes"][n]
        _save_at_start(workdir, results)
    return untested


# --------------------------------------------------------- modules that run at pytest's start


def _at_start_results(workdir: Path) -> dict:
    path = workdir / AT_START_DIR / "results.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {"codes": {}, "hash": {}}


def generate_at_start(workdir: Path) -> None:
    """Mutate the :data:`AT_START` modules with mutmut's generator into
    ``<workdir>/mutants-at-start``, a copy of ``workdir``'s checkout; results recorded for a
    module whose source has not changed are kept."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    tree = workdir / AT_START_DIR
    results = _at_start_results(workdir)
    if tree.is_dir():
        shutil.rmtree(tree)
    tree.mkdir()
    for entry in workdir.iterdir():
        if entry.name in _SKIP:
            continue
        if entry.is_dir():
            shutil.copytree(entry, tree / entry.name, ignore=shutil.ignore_patterns(*_SKIP))
        else:
            shutil.copy2(entry, tree / entry.name)
    codes, hashes = {}, {}
    for path in AT_START:
        source = (workdir / path).read_text("utf-8")
        digest = hashlib.sha256(source.encode()).hexdigest()
        mutated = mutate_file_contents(path, source)
        (tree / path).write_text(mutated.code, "utf-8")
        for name in mutated.mutant_names:
            key = get_mutant_name(Path(path), name)
            same = results["hash"].get(path) == digest
            codes[key] = results["codes"].get(key) if same else None
        hashes[path] = digest
    _save_at_start(workdir, {"codes": codes, "hash": hashes})


def _save_at_start(workdir: Path, results: dict) -> None:
    (workdir / AT_START_DIR / "results.json").write_text(json.dumps(results, indent=1), "utf-8")


def _pytest_args(workdir: Path, path: str | None = None) -> list[str]:
    """The engine table's pytest arguments and test selection, as mutmut passes them; for
    the :data:`AT_START` module ``path``, its :data:`FRESH_TESTS` in place of the
    selection."""
    config = toml_loads((workdir / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    tests = FRESH_TESTS.get(path) or config.get("pytest_add_cli_args_test_selection", [])
    return ["--rootdir=.", "-x", "-q", "-p", "no:randomly", *tests,
            *config.get("pytest_add_cli_args", [])]


def _pytest(tree: Path, args: list[str], mutant: str) -> subprocess.Popen:
    env = dict(os.environ, HYPOTHESIS_PROFILE="ci", MUTANT_UNDER_TEST=mutant,
               PYTHONPATH=str(tree))
    return subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_at_start(workdir: Path, names: list[str], max_children: int,
                 timeout_factor: float = 15.0) -> None:
    """Run each :data:`AT_START` mutant in ``names`` in a fresh pytest process, on its
    module's tests (:func:`_pytest_args`).

    As mutmut does, first, per module, the tests without a mutant (they must pass; their
    wall time times ``timeout_factor`` is each mutant's time limit) and with every mutated
    function raising (they must fail). A mutant is killed when pytest exits with any
    non-zero status: tests failed (1), collection or start-up broken (2, 3, 4: e.g. the
    ``ci`` profile not registered); recorded in mutmut's codes: 1 killed, 0 survived, 36 timeout.
    """
    tree, results = workdir / AT_START_DIR, _at_start_results(workdir)
    args, limit = {}, {}
    for path in AT_START:
        module = _module_name(path)
        if not any(n.rsplit(".", 1)[0] == module for n in names):
            continue
        args[module] = _pytest_args(workdir, path)
        start = time.monotonic()
        if _pytest(tree, args[module], "").wait() != 0:
            raise SystemExit(f"the tests of {module} fail without a mutant in {tree}")
        limit[module] = timeout_factor * (time.monotonic() - start)
        if _pytest(tree, args[module], "fail").wait() == 0:
            raise SystemExit(f"the tests of {module} pass with every mutated function "
                             f"raising, in {tree}")
    queue, running = list(names), {}
    while queue or running:
        while queue and len(running) < max_children:
            name = queue.pop(0)
            module = name.rsplit(".", 1)[0]
            running[name] = (_pytest(tree, args[module], name), time.monotonic(), module)
        time.sleep(0.5)
        for name, (proc, began, module) in list(running.items()):
            status = proc.poll()
            if status is None and time.monotonic() - began > limit[module]:
                proc.kill()
                proc.wait()
                status = "timeout"
            if status is None:
                continue
            del running[name]
            code = 36 if status == "timeout" else int(status != 0)
            results["codes"][name] = code
            _save_at_start(workdir, results)
            print(f"    {name}: pytest exit status {status} -> "
                  f"{SURVIVED.get(code) or KILLED[code]}", file=sys.stderr)


def _diff_at_start(workdir: Path, name: str) -> str:
    """The diff of an :data:`AT_START` mutant, as ``mutmut show`` prints one."""
    import difflib

    import libcst as cst
    from mutmut.mutation.diff_apply import read_mutant_function, read_original_function

    module = name.rsplit(".", 1)[0]
    path = workdir / AT_START_DIR / (module.replace(".", "/") + ".py")
    tree = cst.parse_module(path.read_text("utf-8"))
    local = name.rpartition(".")[2]
    old = tree.code_for_node(read_original_function(tree, local))
    new = tree.code_for_node(read_mutant_function(tree, local))
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        fromfile=str(path), tofile=str(path)))


# ------------------------------------------------------------------------------- the sample


def allocate(sizes: Mapping[str, int], total: int, minimum: int) -> dict[str, int]:
    """Sample sizes per stratum: ``total`` shared in proportion to the strata's sizes (each
    share rounded down, the remaining units to the largest fractional parts, ties by name),
    then raised to ``minimum`` (to the whole stratum where it is smaller). The result sums to
    at least ``total`` (more where the minimum raised a share) and never exceeds a stratum.

    >>> allocate({"a": 900, "b": 90, "c": 10}, 100, 5)
    {'a': 90, 'b': 9, 'c': 5}
    >>> allocate({"a": 3, "b": 997}, 10, 5)
    {'a': 3, 'b': 10}
    """
    population_size = sum(sizes.values())
    if total > population_size:
        raise ValueError(f"a sample of {total} from {population_size} mutants")
    quota = {h: total * n / population_size for h, n in sizes.items()}
    shares = {h: math.floor(q) for h, q in quota.items()}
    left = total - sum(shares.values())
    for h in sorted(quota, key=lambda h: (shares[h] - quota[h], h))[:left]:
        shares[h] += 1
    return {h: min(sizes[h], max(shares[h], minimum)) for h in sorted(sizes)}


def draw(strata: Mapping[str, list[str]], total: int, minimum: int, seed: int) -> dict:
    """The stratified sample: per stratum (sorted by name), ``random.Random(seed).sample`` of
    its sorted mutant names, one generator for all strata in that order."""
    rng = random.Random(seed)
    sizes = allocate({h: len(names) for h, names in strata.items()}, total, minimum)
    return {
        "seed": seed, "size": total, "minimum": minimum,
        "design": "stratified by module; proportional allocation (largest remainders) raised "
                  "to the minimum; simple random sampling without replacement in each stratum",
        "strata": {h: {"population": len(strata[h]),
                       "sample": sorted(rng.sample(sorted(strata[h]), sizes[h]))}
                   for h in sorted(strata)},
    }


def sampled_names(sample: Mapping) -> list[str]:
    return [name for stratum in sample["strata"].values() for name in stratum["sample"]]


def read_names(path: Path) -> list[str]:
    """Mutant names, one a line; ``#`` starts a comment."""
    lines = (line.partition("#")[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


# -------------------------------------------------------------------------------- the score


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` observed on ``n`` (possibly an effective,
    non-integer ``n``) trials.

    >>> [round(v, 4) for v in wilson(1.0, 50)]
    [0.9287, 1.0]
    """
    if n <= 0:
        return 0.0, 1.0
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Score:
    """A stratum's or the whole population's estimated score."""

    population: float  # N_h (overall: N), excluded mutants removed in proportion
    sampled: int
    killed: int
    estimate: float
    low: float
    high: float
    effective_n: float  # the n of the Wilson interval


def stratum_score(population_size: float, sampled: int, killed: int) -> Score:
    """One stratum: the proportion killed, and Wilson's interval at the sample size corrected
    for sampling without replacement (``n (N - 1) / (N - n)``: the whole stratum sampled is
    exact)."""
    p = killed / sampled if sampled else math.nan
    if sampled >= population_size:
        return Score(population_size, sampled, killed, p, p, p, math.inf)
    n_eff = sampled * (population_size - 1) / (population_size - sampled)
    return Score(population_size, sampled, killed, p, *wilson(p, n_eff), n_eff)


def stratified_score(strata: Mapping[str, tuple[float, int, int]]) -> Score:
    """The population's score from ``{stratum: (N_h, n_h, killed_h)}``.

    The estimate weights each stratum's proportion by its share of the population,
    ``p = sum_h W_h p_h`` with ``W_h = N_h / N``. Its variance is the stratified one with the
    finite-population correction, ``v = sum_h W_h^2 (1 - n_h / N_h) p_h (1 - p_h) / (n_h - 1)``.
    The interval is Wilson's at the effective sample size ``p (1 - p) / v`` (Kish's design
    effect; Korn and Graubard 1998), at most the sample's size: near 100 %, where a normal
    interval ``p +- 1.96 sqrt(v)`` would reach past 1 and shrink to a point when every
    stratum killed all its sampled mutants, Wilson's stays inside [0, 1] with close to its
    nominal coverage. When ``v = 0`` (every sampled stratum at 0 % or 100 %) the effective
    size is the sample's.

    >>> s = stratified_score({"a": (900, 90, 90), "b": (100, 10, 5)})
    >>> round(s.estimate, 3), s.sampled, s.killed
    (0.95, 100, 95)
    """
    strata = {h: v for h, v in strata.items() if v[1] > 0}
    total = sum(N for N, _, _ in strata.values())
    sampled = sum(n for _, n, _ in strata.values())
    killed = sum(k for _, _, k in strata.values())
    p = sum(N / total * k / n for N, n, k in strata.values())
    v = sum((N / total) ** 2 * (1 - n / N) * (k / n) * (1 - k / n) / (n - 1)
            for N, n, k in strata.values() if n > 1)
    n_eff = min(sampled, p * (1 - p) / v) if v > 0 else sampled
    return Score(total, sampled, killed, p, *wilson(p, n_eff), n_eff)


def tally(sample: Mapping, codes: Mapping[str, int | None],
          equivalent: Iterable[str] = ()) -> dict[str, dict[str, list[str]]]:
    """Each stratum's sampled mutants by outcome: ``killed`` (detected, see :data:`KILLED`),
    ``survived`` (and ``no tests``), ``equivalent`` (survivors judged so), ``other`` (not
    tested yet, or a result this score does not count: mutmut's "suspicious")."""
    equivalent = set(equivalent)
    out = {}
    for h, stratum in sample["strata"].items():
        groups: dict[str, list[str]] = {"killed": [], "survived": [], "equivalent": [],
                                        "other": []}
        for name in stratum["sample"]:
            code = codes.get(name)
            if code in KILLED:
                groups["killed"].append(name)
            elif code in SURVIVED:
                groups["equivalent" if name in equivalent else "survived"].append(name)
            else:
                groups["other"].append(name)
        out[h] = groups
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def report(sample: Mapping, codes: Mapping[str, int | None],
           equivalent: Iterable[str] = ()) -> str:
    """The Markdown table of the score, per module and over the engine, and the survivors."""
    equivalent = list(equivalent)
    groups = tally(sample, codes, equivalent)
    rows = ["| module | mutants | sampled | killed | survived | of which equivalent | "
            "score % (95 % CI) | score % without equivalent (95 % CI) |",
            "|---|---:|---:|---:|---:|---:|---|---|"]
    raw, strict = {}, {}
    for h, g in groups.items():
        N, n = sample["strata"][h]["population"], len(sample["strata"][h]["sample"])
        k, e = len(g["killed"]), len(g["equivalent"])
        if g["other"]:
            raise SystemExit(f"{len(g['other'])} sampled mutants of {h} have no result: "
                             f"{g['other'][:3]} ... (run the sample first)")
        if n == 0:  # a module without mutants (checks.estimates: dataclasses only)
            rows.append(f"| `{h}` | {N} | 0 | 0 | 0 | 0 | - | - |")
            continue
        raw[h] = (N, n, k)
        strict[h] = (N * (n - e) / n, n - e, k)  # the equivalent ones removed in proportion
        a, b = stratum_score(*raw[h]), stratum_score(*strict[h])
        rows.append(f"| `{h}` | {N} | {n} | {k} | {n - k} | {e} | "
                    f"{_pct(a.estimate)} ({_pct(a.low)}-{_pct(a.high)}) | "
                    f"{_pct(b.estimate)} ({_pct(b.low)}-{_pct(b.high)}) |")
    a, b = stratified_score(raw), stratified_score(strict)
    survived = sum(len(g["survived"]) + len(g["equivalent"]) for g in groups.values())
    n_equivalent = sum(len(g["equivalent"]) for g in groups.values())
    rows.append(f"| **all** (weighted) | {sum(N for N, _, _ in raw.values())} | {a.sampled} | "
                f"{a.killed} | {survived} | {n_equivalent} | "
                f"**{_pct(a.estimate)}** ({_pct(a.low)}-{_pct(a.high)}) | "
                f"**{_pct(b.estimate)}** ({_pct(b.low)}-{_pct(b.high)}) |")
    lines = rows + ["", f"Unweighted: {a.killed} / {a.sampled} killed "
                        f"({_pct(a.killed / a.sampled)} %); without the {n_equivalent} "
                        f"equivalent: {b.killed} / {b.sampled} ({_pct(b.killed / b.sampled)} %). "
                        f"Effective sample size of the interval: {a.effective_n:.0f} "
                        f"(without equivalent: {b.effective_n:.0f})."]
    for label in ("survived", "equivalent"):
        names = [(h, name) for h, g in groups.items() for name in g[label]]
        if names:
            lines += ["", f"{label} ({len(names)}):"]
            lines += [f"    {name}  [{SURVIVED[codes[name]]}]" for _, name in names]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mutate_checks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--max-children", type=int, default=2)
    sub = parser.add_subparsers(dest="command", required=True)
    p_sample = sub.add_parser("sample", help="generate every mutant, draw the sample")
    p_sample.add_argument("--size", type=int, default=SIZE)
    p_sample.add_argument("--minimum", type=int, default=MINIMUM)
    p_sample.add_argument("--seed", type=int, default=SEED)
    p_sample.add_argument("--out", type=Path, required=True, help="the sample (JSON)")
    p_sample.add_argument("--fresh", action="store_true", help="delete mutmut's cache first")
    p_run = sub.add_parser("run", help="mutmut run on the sample and/or on named mutants")
    p_run.add_argument("--sample", type=Path)
    p_run.add_argument("--fresh", action="store_true", help="delete mutmut's cache first")
    p_run.add_argument("names", nargs="*", help="mutant names (added to the sample's)")
    p_score = sub.add_parser("score", help="the score of the sample, with 95 %% intervals")
    p_score.add_argument("--sample", type=Path, required=True)
    p_score.add_argument("--equivalent", type=Path, help="names judged equivalent")
    p_forget = sub.add_parser("forget", help="drop the results of named mutants (re-test)")
    p_forget.add_argument("names", nargs="+")
    sub.add_parser("results", help="mutmut results (the survivors)")
    p_show = sub.add_parser("show", help="mutmut show NAME (the diff)")
    p_show.add_argument("name")
    opts = parser.parse_args(argv)
    workdir = opts.workdir.resolve()

    if opts.command in ("sample", "run"):
        if opts.fresh:
            shutil.rmtree(workdir / "mutants", ignore_errors=True)
        sync(workdir)
    if opts.command == "sample":
        generate(workdir, opts.max_children)
        generate_at_start(workdir)
        sample = draw(population(workdir), opts.size, opts.minimum, opts.seed)
        opts.out.write_text(json.dumps(sample, indent=1, ensure_ascii=False) + "\n", "utf-8")
        for h, stratum in sample["strata"].items():
            print(f"{h:32s} {stratum['population']:6d} {len(stratum['sample']):5d}")
        print(f"{'all':32s} {sum(s['population'] for s in sample['strata'].values()):6d} "
              f"{len(sampled_names(sample)):5d}  -> {opts.out}")
        return 0
    if opts.command == "run":
        names = opts.names
        if opts.sample:
            names = sampled_names(json.loads(opts.sample.read_text("utf-8"))) + names
        if not names:
            raise SystemExit("name the mutants to run: --sample FILE and/or names")
        at_start = [n for n in names if n.rsplit(".", 1)[0] in _AT_START_MODULES]
        rest = [n for n in names if n not in at_start]
        start, code = time.monotonic(), 0
        if rest:
            code = _mutmut(workdir, ["run", "--max-children", str(opts.max_children), *rest])
        middle = time.monotonic()
        if at_start and code == 0:
            generate_at_start(workdir)
            run_at_start(workdir, at_start, opts.max_children)
        end = time.monotonic()
        print(f"wall time {_minutes(end - start)}: mutmut {_minutes(middle - start)} "
              f"({len(rest)} mutants), at start-up {_minutes(end - middle)} ({len(at_start)}); "
              f"--max-children {opts.max_children}", file=sys.stderr)
        return code
    if opts.command == "score":
        sample = json.loads(opts.sample.read_text("utf-8"))
        equivalent = read_names(opts.equivalent) if opts.equivalent else []
        unknown = set(equivalent) - set(sampled_names(sample))
        if unknown:
            raise SystemExit(f"not in the sample: {sorted(unknown)}")
        print(report(sample, exit_codes(workdir), equivalent))
        return 0
    if not (workdir / "mutants").is_dir():
        raise SystemExit(f"no mutmut run in {workdir} yet")
    if opts.command == "forget":
        untested = forget(workdir, opts.names)
        print(f"forgot {len(set(opts.names)) - len(untested)} results"
              + (f"; never tested: {', '.join(untested)}" if untested else ""))
        return 0
    if opts.command == "show" and opts.name.rsplit(".", 1)[0] in _AT_START_MODULES:
        print(f"# {opts.name}: {_status(exit_codes(workdir).get(opts.name))}")
        print(_diff_at_start(workdir, opts.name))
        return 0
    code = _mutmut(workdir, [opts.command] + ([opts.name] if opts.command == "show" else []))
    if opts.command == "results":
        for name, c in _at_start_results(workdir)["codes"].items():
            if c not in KILLED:
                print(f"    {name}: {_status(c)}")
    return code


def _module_name(path: str) -> str:
    """``checks.torch`` for ``checks/torch.py``."""
    return path.removesuffix(".py").replace("/", ".")


_AT_START_MODULES = {_module_name(p) for p in AT_START}


def _minutes(seconds: float) -> str:
    return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


def _status(code: int | None) -> str:
    return KILLED.get(code) or SURVIVED.get(code) or ("not checked" if code is None else
                                                      f"exit code {code}")

if __name__ == "__main__":
    sys.exit(main())
