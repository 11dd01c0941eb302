"""The ``>>>`` examples in the docstrings of every module of ``checks`` and ``gradients`` run.

One test per module (found by walking the two packages on disk, so a new module is covered
without being listed here): its examples run with ``numpy`` imported as ``np``, under
``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``, and any failing example -- or a docstring doctest
cannot parse -- fails the test with doctest's report. A module without examples passes.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("checks", "gradients")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Modules that must show at least one example (the strategies document each with one).
MUST_SHOW_EXAMPLES = {f"checks.strategies.{name}" for name in ("_base", "arrays", "data", "ml")}


def module_names() -> list[str]:
    """Dotted names of the packages' modules, from the files (nothing is imported here).

    ``__main__`` modules are left out: importing one runs the command line.
    """
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = module_names()


def run_examples(name: str) -> tuple[doctest.TestResults, str]:
    """Run the examples of module ``name``; the counts and doctest's report of the failures."""
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module, extraglobs={"np": np}):
        runner.run(test, out=report.append)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report)


def test_the_walk_finds_the_modules():
    for name in ("checks", "checks.compare", "checks.strategies.ml", "gradients.trace",
                 "gradients.catalog.mistakes", *MUST_SHOW_EXAMPLES):
        assert name in MODULES, f"{name} not found by the walk: {MODULES}"
    assert "gradients.__main__" not in MODULES


# the strategies' examples call `.example()`, which warns outside an interactive session
@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name):
    result, report = run_examples(name)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples of {name} failed:\n{report}"
    )
    if name in MUST_SHOW_EXAMPLES:
        assert result.attempted > 0, f"{name} should show an example"
