"""Smoke test of the benchmark harness (``benchmarks/``), at D = 4 with quick settings.

The benchmark itself (``python -m benchmarks.run``) is not part of the test run; this only
checks that the problem builders and our default adapter work and measure a small error.
Peers (scipy, numdifftools, torch, jax) are not touched.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from benchmarks.measure import measure
from benchmarks.ours import OursFull
from benchmarks.problems import PROBLEM_IDS, build_problems


@cache
def _problems():
    return {p.id: p for p in build_problems(4)}


@pytest.mark.parametrize("problem_id", PROBLEM_IDS)
def test_builder_gives_the_point_its_gradient_and_a_complex_safe_twin(problem_id):
    p = _problems()[problem_id]
    assert p.exact.shape == p.x.shape and p.n == p.x.size
    assert np.all(np.isfinite(p.exact)) and np.any(p.exact != 0)
    assert np.isclose(complex(p.f_complex(p.x)).real, p.f(p.x), rtol=1e-12, atol=0)
    direction = np.random.default_rng(0).standard_normal(p.x.shape)
    # the twin is complex-safe: a complex step reproduces <grad, v>
    slope = np.imag(p.f_complex(p.x + 1e-20j * direction)) / 1e-20
    assert np.isclose(slope, np.sum(p.exact * direction), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("problem_id", PROBLEM_IDS)
def test_our_default_adapter_measures_a_small_error(problem_id):
    m = measure(OursFull(), _problems()[problem_id], quick=True)
    assert m.error == ""
    assert m.accuracy is not None and m.accuracy < 1e-9
    assert m.ok_exact is True and m.rejects_wrong is True
    assert m.evaluations and m.evaluations > m.n
    assert m.time_median is not None and m.time_median > 0


def test_hard_benchmark_counts_our_verdicts_on_a_few_inputs():
    """``benchmarks.hard`` on two cases and two inputs, our engine only: the counts add up,
    and the exact gradient raises no false alarm there (the tables' headline)."""
    from benchmarks.hard import render_section
    from benchmarks.hard import run as hard_run

    res = hard_run(seeds=2, case_ids=["pole", "relu-exact-kink"], families=["ours"])
    assert [r.case for r in res["results"]] == ["pole", "pole", "relu-exact-kink",
                                                "relu-exact-kink"]
    for r in res["results"]:
        assert all(len(v) == 2 for v in r.verdicts.values())
        assert r.false_alarms() == 0
    text = render_section(res)
    assert "## Hard functions" in text and "`pole`" in text


def test_plots_command_refuses_an_unknown_problem(tmp_path, capsys):
    """``python -m benchmarks.plots`` (the pictures, moved out of the installed command)."""
    from benchmarks.plots import main

    with pytest.raises(SystemExit) as info:
        main(["steps", "99", "--out", str(tmp_path / "steps.png")])
    assert info.value.code == 2
    assert "choose one of 1a, 1b" in capsys.readouterr().err
    assert not (tmp_path / "steps.png").exists()


def test_realworld_benchmark_counts_every_tool_on_one_seed():
    """``benchmarks.realworld`` on one seed of scipy's Rosenbrock family and of statsmodels'
    discrete models: every planted mistake is accounted for, our engine raises no false
    alarm and accepts no mistake there, and statsmodels' NegativeBinomial Hessian before
    ``fit()`` is listed as a library defect (seed 1 is a point on a model never fitted)."""
    pytest.importorskip("scipy")
    pytest.importorskip("statsmodels")
    pytest.importorskip("sklearn")
    from benchmarks.realworld import _tally, render_section
    from benchmarks.realworld import run as realworld_run

    res = realworld_run(seeds=2, sources=["scipy-rosen", "statsmodels-discrete"],
                        families=["ours", "scipy"])
    records = res["records"]
    assert len(records) == 2 * (3 + 10)
    for r in records:
        assert set(r.outcomes) == {"ours", "scipy check_grad"}
        for outcomes in r.outcomes.values():
            assert set(outcomes) == {"right", *r.errors}
    defects = {r.id for r in records if r.defect}
    assert "NegativeBinomial/s1/rand/hessian" in defects
    ours = _tally(records, "ours")
    assert ours.right == len(records) - len(defects) and ours.wrong > 3 * ours.right
    assert ours.alarms == 0 and ours.passes == 0
    text = render_section(res)
    assert "## Real-world gradients" in text and "NegativeBinomial/s1/rand/hessian" in text


def test_the_accuracy_picture_says_it_plots_the_error(tmp_path, monkeypatch):
    """The y axis of ``accuracy_time.png`` is max|num - exact| / max|exact|: an error (lower
    is better), and the labels say so (it read "worst accuracy")."""
    pytest.importorskip("matplotlib")
    import benchmarks.plots as plots

    seen = {}

    def keep(fig, out):
        ax = fig.axes[0]
        seen["y"], seen["title"] = ax.get_ylabel(), ax.get_title()
        seen["points"] = [line.get_ydata() for line in ax.lines if len(line.get_ydata())]
        return str(out)

    monkeypatch.setattr(plots, "_save", keep)
    rows = [dict(tool="a", D=2, accuracy=1e-9, time_median=0.1, scope="full", family="ours"),
            dict(tool="a", D=2, accuracy=1e-6, time_median=0.2, scope="full", family="ours")]
    plots.plot_accuracy_time(rows, tmp_path / "p.png")
    assert "error" in seen["y"] and "accuracy" not in seen["y"].lower()
    assert "lower is better" in seen["y"]
    assert seen["title"].startswith("Error vs time")
    # the point drawn is the larger error of the two problems, not the smaller
    assert any(1e-6 in list(ys) for ys in seen["points"])


def test_the_expensive_f_section_reports_identical_executors_and_every_method():
    """Issue 21's section of ``docs/BENCHMARKS.md`` on tiny sizes (threads and processes, no
    Dask cluster): every executor's result is identical to serial, the CPU-bound ``f`` spends
    its 20 ms of CPU per call, and each method of T1 has its row with an error below its bar."""
    from benchmarks import overhead, scale, t1_methods
    from benchmarks.report import _big

    executors = scale.run([2], dask=False)
    assert executors["backends"] == ["threads", "processes"]
    for row in executors["rows"]:
        assert row["threads_identical"] and row["processes_identical"], row
        assert row["per_call"] >= 0.02, row  # wall time >= the 20 ms slept or spent on CPU
    t1 = t1_methods.run(1)
    assert [r["method"] for r in t1["rows"]] == ["auto", "richardson", "complex"]
    for r in t1["rows"]:
        assert r["error"] <= r["bar"], r
    text = "\n".join(_big({"scale": executors, "overhead": overhead.run([10], 1),
                           "t1_methods": t1}))
    assert "**NO**" not in text
    for heading in ("One check on each executor", "The engine's own work", "T1 for each"):
        assert heading in text, text
