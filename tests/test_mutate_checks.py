"""The sampled mutation run of ``checks/`` (``python -m benchmarks.mutate_checks``): its
configuration, its sample design and its score with the 95 % interval.

Nothing here runs mutmut: the run takes an hour (``docs/MUTATION.md``). What is tested is
what the reported numbers rest on: the table mutmut reads in the work directory, the
allocation and the draw of the sample, and the estimator and its interval (whose coverage is
measured by simulation against populations of known score).
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.mutate_checks import (
    AT_START,
    FRESH_TESTS,
    ROOT,
    Z95,
    _module_name,
    allocate,
    draw,
    mutmut_table,
    report,
    sampled_names,
    stratified_score,
    stratum_score,
    tally,
    toml_loads,
    wilson,
    with_table,
)

# ---------------------------------------------------------------------------- configuration


@pytest.fixture
def loads():
    """A TOML parser: ``tomllib`` (Python >= 3.11), or ``toml``, which mutmut brings on 3.10."""
    try:
        toml_loads("")
    except ModuleNotFoundError:
        pytest.skip("Python 3.10 without the toml package (pip install mutmut==3.8.1)")
    return toml_loads


def test_the_copy_mutates_checks_and_the_checkout_still_mutates_gradients(loads):
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    original = loads(pyproject)["tool"]
    copy = loads(with_table(pyproject, mutmut_table(pyproject)))["tool"]
    assert original["mutmut"]["source_paths"] == ["gradients/"]
    assert copy["mutmut"] == original["mutmut-checks"]
    assert copy["mutmut"]["source_paths"] == ["checks/"]
    # everything else of the file is kept, the engine's own table included
    assert {k: v for k, v in copy.items() if k != "mutmut"} == {
        k: v for k, v in original.items() if k != "mutmut"}


def test_a_pyproject_without_a_mutmut_table_gets_one_appended(loads):
    table = '[tool.mutmut]\nsource_paths = ["checks/"]\n'
    text = with_table('[project]\nname = "x"\n', table)
    assert loads(text)["tool"]["mutmut"]["source_paths"] == ["checks/"]
    assert loads(text)["project"]["name"] == "x"


def test_the_engine_table_selects_test_files_that_exist_and_every_module_but_reexports(
        loads):
    config = loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut-checks"]
    files = [a for a in config["pytest_add_cli_args_test_selection"] if a.startswith("tests/")]
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert files and not missing, missing
    for name in ("test_ladder.py", "test_compare.py", "test_engine_mutants.py"):
        assert f"tests/{name}" in files
    # left out of mutmut's run: the two re-exports, which define no function (nothing to
    # mutate), and the modules the runner mutates and runs itself, each mutant in a fresh
    # pytest process (the plugin runs at pytest's start; torch's and JAX's thread pools hang
    # a forked child), the drop-ins on the test files that use them
    reexports = {"checks/__init__.py", "checks/strategies/__init__.py"}
    assert set(config["do_not_mutate"]) == reexports | set(AT_START)
    assert set(FRESH_TESTS) <= set(AT_START)
    for path, tests in FRESH_TESTS.items():
        module = _module_name(path)
        for test in tests:
            assert test in files and module in (ROOT / test).read_text("utf-8"), (path, test)
    for path in reexports:
        source = (ROOT / path).read_text("utf-8")
        assert "\ndef " not in source and "\nclass " not in source


# ----------------------------------------------------------------------------------- sample

sizes = st.dictionaries(st.sampled_from("abcdefghij"), st.integers(1, 2000), min_size=1)


@given(sizes=sizes, fraction=st.floats(0.01, 1.0), minimum=st.integers(0, 30))
def test_allocation_is_proportional_raised_to_the_minimum(sizes, fraction, minimum):
    population = sum(sizes.values())
    total = max(1, int(fraction * population))
    shares = allocate(sizes, total, minimum)
    plain = allocate(sizes, total, 0)
    assert sum(plain.values()) == total
    for h, n in sizes.items():
        assert abs(plain[h] - total * n / population) < 1  # rounded share
        assert shares[h] == min(n, max(plain[h], minimum))
        assert 0 <= shares[h] <= n
    assert sum(shares.values()) >= total


def test_a_sample_larger_than_the_population_is_refused():
    with pytest.raises(ValueError, match="a sample of 11 from 10"):
        allocate({"a": 4, "b": 6}, 11, 0)


STRATA = {"m.big": [f"m.big.x_f__mutmut_{i}" for i in range(1, 901)],
          "m.mid": [f"m.mid.x_g__mutmut_{i}" for i in range(1, 91)],
          "m.small": [f"m.small.x_h__mutmut_{i}" for i in range(1, 8)]}


def test_the_draw_is_fixed_by_its_seed_and_represents_every_module():
    a, b, c = draw(STRATA, 100, 5, seed=17), draw(STRATA, 100, 5, seed=17), draw(STRATA, 100, 5, 18)
    assert a == b
    assert sampled_names(a) != sampled_names(c)
    assert {h: len(s["sample"]) for h, s in a["strata"].items()} == {
        "m.big": 90, "m.mid": 9, "m.small": 5}  # 90.3, 9.03, 0.70 (the largest remainder) -> 5
    for h, stratum in a["strata"].items():
        assert stratum["population"] == len(STRATA[h])
        assert set(stratum["sample"]) <= set(STRATA[h])
        assert len(set(stratum["sample"])) == len(stratum["sample"])
    assert (a["seed"], a["size"], a["minimum"]) == (17, 100, 5)


# ------------------------------------------------------------------------------------ score


def test_wilson_is_the_score_interval():
    """At ``p = 1`` the lower end is ``n / (n + z^2)``; the interval solves
    ``|p - q| = z sqrt(q (1 - q) / n)`` at both ends."""
    assert wilson(1.0, 100) == pytest.approx((100 / (100 + Z95**2), 1.0), rel=1e-6, abs=0)
    p, n = 0.9, 60
    for q in wilson(p, n):
        assert abs(p - q) == pytest.approx(Z95 * math.sqrt(q * (1 - q) / n), rel=1e-6, abs=0)


def test_a_stratum_sampled_whole_is_known_exactly():
    s = stratum_score(10, 10, 9)
    assert (s.estimate, s.low, s.high) == (0.9, 0.9, 0.9)
    part = stratum_score(1000, 10, 9)
    assert part.low < 0.9 < part.high


def test_the_estimate_weights_each_module_by_its_population():
    """A small module sampled at its minimum (5 of 10, all killed) beside a big one sampled
    in proportion (90 of 900, 81 killed): the unweighted score (86/95) overstates it."""
    s = stratified_score({"big": (900, 90, 81), "small": (10, 5, 5)})
    assert s.estimate == pytest.approx(900 / 910 * 0.9 + 10 / 910 * 1.0, rel=1e-6, abs=0)
    assert s.estimate < 86 / 95
    assert s.low < s.estimate < s.high
    assert (s.sampled, s.killed, s.population) == (95, 86, 910)


def test_every_sampled_mutant_killed_gives_wilson_at_the_sample_size():
    s = stratified_score({"a": (500, 40, 40), "b": (100, 10, 10)})
    assert s.estimate == 1.0 and s.high == 1.0
    assert s.low == pytest.approx(50 / (50 + Z95**2), rel=1e-6, abs=0)


def test_the_interval_covers_the_true_score_95_percent_of_the_time():
    """Populations of known score, stratified as the engine's (a few big modules, several
    small ones sampled at the minimum, scores from 80 % to 100 %): the interval contains the
    true score in at least 93 % of 1,000 samples (nominal 95 %)."""
    rng = random.Random(0)
    pops = {"a": (1700, 0.97), "b": (1500, 0.93), "c": (1100, 0.98), "d": (400, 0.9),
            "e": (230, 0.8), "f": (180, 1.0), "g": (90, 0.95), "h": (10, 1.0)}
    strata = {h: [1] * round(N * p) + [0] * (N - round(N * p)) for h, (N, p) in pops.items()}
    truth = sum(sum(v) for v in strata.values()) / sum(len(v) for v in strata.values())
    shares = allocate({h: len(v) for h, v in strata.items()}, 300, 15)
    hits = 0
    for _ in range(1000):
        counts = {h: (len(v), shares[h], sum(rng.sample(v, shares[h])))
                  for h, v in strata.items()}
        s = stratified_score(counts)
        hits += s.low <= truth <= s.high
    assert hits >= 930, hits


SAMPLE = {"strata": {"m.a": {"population": 50, "sample": ["m.a.x_f__mutmut_1",
                                                          "m.a.x_f__mutmut_2",
                                                          "m.a.x_f__mutmut_3"]},
                     "m.b": {"population": 4, "sample": ["m.b.x_g__mutmut_1",
                                                         "m.b.x_g__mutmut_2"]}}}


def test_outcomes_are_read_from_mutmuts_exit_codes():
    codes = {"m.a.x_f__mutmut_1": 1, "m.a.x_f__mutmut_2": 0, "m.a.x_f__mutmut_3": -24,
             "m.b.x_g__mutmut_1": 33, "m.b.x_g__mutmut_2": None}
    groups = tally(SAMPLE, codes, equivalent=["m.a.x_f__mutmut_2"])
    assert groups["m.a"] == {"killed": ["m.a.x_f__mutmut_1", "m.a.x_f__mutmut_3"],
                             "survived": [], "equivalent": ["m.a.x_f__mutmut_2"], "other": []}
    assert groups["m.b"] == {"killed": [], "survived": ["m.b.x_g__mutmut_1"],
                             "equivalent": [], "other": ["m.b.x_g__mutmut_2"]}
    with pytest.raises(SystemExit, match="1 sampled mutants of m.b have no result"):
        report(SAMPLE, codes)


def test_the_report_scores_with_and_without_the_equivalent_mutants():
    codes = {"m.a.x_f__mutmut_1": 1, "m.a.x_f__mutmut_2": 0, "m.a.x_f__mutmut_3": 1,
             "m.b.x_g__mutmut_1": 1, "m.b.x_g__mutmut_2": 1}
    text = report(SAMPLE, codes, equivalent=["m.a.x_f__mutmut_2"])
    raw = stratified_score({"m.a": (50, 3, 2), "m.b": (4, 2, 2)})
    assert f"**{100 * raw.estimate:.1f}**" in text and "**100.0**" in text
    assert "Unweighted: 4 / 5 killed (80.0 %); without the 1 equivalent: 4 / 4" in text
    assert "m.a.x_f__mutmut_2  [survived]" in text.split("equivalent (1):")[1]
    assert np.isclose(raw.estimate, 50 / 54 * 2 / 3 + 4 / 54, atol=0)


def test_forget_drops_only_the_named_results_and_refuses_unknown_names(tmp_path):
    """``forget`` makes ``run`` test the named survivors again after new tests were written;
    every other result is kept, and a misspelt name changes nothing."""
    import json

    from benchmarks.mutate_checks import exit_codes, forget

    (tmp_path / "pyproject.toml").write_text('[tool.mutmut]\ndo_not_mutate = []\n')
    meta = tmp_path / "mutants" / "checks" / "a.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {"checks.a.x_f__mutmut_1": 0, "checks.a.x_f__mutmut_2": 1,
             "checks.a.x_f__mutmut_3": None}
    meta.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": {}}))
    with pytest.raises(SystemExit, match="no such mutant.*x_f__mutmut_9"):
        forget(tmp_path, ["checks.a.x_f__mutmut_1", "checks.a.x_f__mutmut_9"])
    assert exit_codes(tmp_path) == codes
    untested = forget(tmp_path, ["checks.a.x_f__mutmut_1", "checks.a.x_f__mutmut_3"])
    assert untested == ["checks.a.x_f__mutmut_3"]
    assert exit_codes(tmp_path) == {"checks.a.x_f__mutmut_1": None,
                                    "checks.a.x_f__mutmut_2": 1,
                                    "checks.a.x_f__mutmut_3": None}
    assert json.loads(meta.read_text())["hash_by_function_name"] == {}


def test_mutmut_runs_with_one_thread_per_pool(tmp_path, monkeypatch):
    """mutmut forks each mutant from the process that ran the tests; a fork after an OpenMP
    pool ran (torch's) hangs the child, which then counts as a "timeout", i.e. killed. The
    runner starts mutmut with one thread per pool (and the ``ci`` hypothesis profile)."""
    import benchmarks.mutate_checks as mc

    seen = {}

    def call(argv, cwd, env):
        seen.update(argv=argv, cwd=cwd, env=env)
        return 0

    monkeypatch.setattr(mc.shutil, "which", lambda name: "/bin/" + name)
    monkeypatch.setattr(mc.subprocess, "call", call)
    assert mc._mutmut(tmp_path, ["run", "x"]) == 0
    assert seen["argv"] == ["mutmut", "run", "x"] and seen["cwd"] == tmp_path
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert seen["env"][var] == "1", var
    assert seen["env"]["HYPOTHESIS_PROFILE"] == "ci"
