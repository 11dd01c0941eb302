"""The ``>>>`` examples in the docstrings of every module of ``checks`` and ``gradients`` run.

One test per module (found by walking the two packages on disk, so a new module is covered
without being listed here): its examples run with ``numpy`` imported as ``np``, under
``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``, and any failing example -- or a docstring doctest
cannot parse -- fails the test with doctest's report.

Every module shows at least one example: a module without one fails, unless it is listed in
:data:`WITHOUT_EXAMPLES` with the reason. The list is kept exact: a listed module that shows
an example, or that the walk does not find, fails too.
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

_PENDING = ("pending: being rewritten for issue 17 by another developer while the examples "
            "were added; an example goes in with the rewrite")

#: The modules that show no example, and why.
WITHOUT_EXAMPLES: dict[str, str] = {
    "gradients.cli.sandbox_worker": (
        "the sandbox's child process: serve() reads its stdin and answers on its stdout "
        "under the operating-system limits its bootstrap set, so it cannot run inside the "
        "test process (tests/test_sandbox.py runs it through gradients.cli.sandbox.Sandbox)"
    ),
    "checks.strategies": _PENDING + " (the package of the strategies; its modules have some)",
    "gradients.cli.verification": _PENDING,
}


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


#: Modules of an optional extra, and the package they need (installed by ``.[torch,jax]``,
#: as CI does; without it their examples cannot run).
OPTIONAL = {"checks.torch": "torch", "checks.jax": "jax"}


def run_examples(name: str) -> tuple[doctest.TestResults, str]:
    """Run the examples of module ``name``; the counts and doctest's report of the failures."""
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name], reason=f"{name} needs the optional extra "
                            f"{OPTIONAL[name]!r}")
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    for test in doctest.DocTestFinder().find(module, extraglobs={"np": np}):
        runner.run(test, out=report.append)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report)


def test_the_walk_finds_the_modules():
    for name in ("checks", "checks.compare", "checks.strategies.ml", "gradients.trace",
                 "gradients.catalog.mistakes", "gradients.cli.expr.grammar"):
        assert name in MODULES, f"{name} not found by the walk: {MODULES}"
    assert "gradients.__main__" not in MODULES


def test_every_module_without_examples_is_a_module_of_the_walk():
    unknown = sorted(set(WITHOUT_EXAMPLES) - set(MODULES))
    assert not unknown, f"listed in WITHOUT_EXAMPLES but not found by the walk: {unknown}"


def test_a_module_without_examples_fails_unless_listed(monkeypatch):
    """The rule itself: ``checks._memo`` with its docstrings emptied runs no example, and
    fails; listed, it passes."""
    import checks._memo as memo

    monkeypatch.setattr(memo, "__doc__", None)
    monkeypatch.setattr(memo.Memo, "__doc__", None)
    result, _ = run_examples("checks._memo")
    assert result.attempted == 0
    with pytest.raises(AssertionError, match="shows no example"):
        assert_examples("checks._memo")
    monkeypatch.setitem(WITHOUT_EXAMPLES, "checks._memo", "a test of the rule")
    assert_examples("checks._memo")


def assert_examples(name: str) -> None:
    """The examples of ``name`` pass; it shows some, or is listed in WITHOUT_EXAMPLES and
    shows none."""
    __tracebackhide__ = True
    result, report = run_examples(name)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples of {name} failed:\n{report}"
    )
    if name in WITHOUT_EXAMPLES:
        assert result.attempted == 0, (
            f"{name} now shows {result.attempted} example(s): remove it from WITHOUT_EXAMPLES"
        )
    else:
        assert result.attempted > 0, (
            f"{name} shows no example: add a short runnable one (>>>) to a docstring of its "
            "public functions, or list the module in WITHOUT_EXAMPLES with the reason"
        )


# the strategies' and the catalog inputs' examples call `.example()`, which warns outside an
# interactive session; checks._args shows how an np.matrix is refused
@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name):
    assert_examples(name)
