"""Benchmarks of the gradient checker against its peers, and the pictures users look at.

Run from the root of a checkout (this package is not installed with ``gradients`` and
``checks``; it imports them, and nothing they contain imports it) with
``python -m benchmarks.run`` (see ``docs/BENCHMARKS.md`` for the command that produced the
published tables). The modules:

``problems``
    The eight problem instances (1a, 1b, 2, 3, 4, 5, 6, 7b) at a size ``D``, fixed seed, with
    exact gradients from :mod:`gradients` and complex-safe twins of the losses.
``measure``
    Timing, evaluation counts, accuracy figures and the sensitivity probes, for any adapter.
``ours`` and ``peers``
    Adapters: this engine (each method in full and directional mode, the Taylor test) and
    scipy, numdifftools, torch and jax (each skipped with a note when it is not installed).
``targets``
    The speed targets of issues 2 and 6 and the directional scaling series.
``profile_suite``
    Where the time of ``pytest tests/test_catalog.py`` goes.
``hard``
    False alarms and false passes of every checker on the hard functions of ``tests/_hard.py``.
``engine_accuracy``
    The worst error of each finite-difference method on the engine's test functions.
``plots``
    ``plot_steps``, ``plot_regularisation``, ``plot_accuracy_time`` (matplotlib, Agg); the
    first two also from the command line, ``python -m benchmarks.plots steps|regularisation``.
``report``
    The markdown writer of ``docs/BENCHMARKS.md``.

Benchmark code is not part of the test run: nothing here is named ``test_*``.
"""
