"""Smoke test of the Hessian benchmark section (``benchmarks/hessian.py``), our engine only.

The benchmark itself (``python -m benchmarks.hessian``) is not part of the test run; this
checks, on two functions at n = 3 and two points, that the closed-form Hessians agree with
our estimates, that the verdicts add up (the exact Hessian passes, the planted wrong ones
fail) and that the section renders. numdifftools and torch are not touched.
"""

from __future__ import annotations

import numpy as np


def test_hessian_benchmark_on_two_functions_ours_only():
    from benchmarks.hessian import EXACT, render_section, run

    res = run(seeds=2, sizes=(3,), verdict_sizes=(3,), case_ids=("quad-cubic", "logistic"),
              families=("ours",))
    acc = res["accuracy"]
    assert len(acc) == 2 * 2 * 2  # 2 estimates x 2 functions x 2 points
    assert all(a.error == "" for a in acc)
    assert max(a.true for a in acc) < 1e-8
    assert max(a.honesty for a in acc) <= 10.0  # within the check's tolerance of 10 bars
    assert all(a.f_evals > 0 for a in acc)
    assert all(a.g_evals > 0 for a in acc if "grad=" in a.tool)

    ver = res["verdicts"]
    # 4 checks x (quad-cubic: exact + 3 wrong, logistic: exact + 2 wrong) x 2 points
    assert len(ver) == 4 * (4 + 3) * 2
    assert {v.verdict for v in ver if v.variant == EXACT} == {"pass"}
    assert {v.verdict for v in ver if v.variant != EXACT} == {"fail"}

    text = render_section(res)
    assert text.startswith("## Hessians\n")
    assert "`quad-cubic`" in text and "`logistic`" in text and "false passes" in text


def test_closed_form_hessians_match_a_plain_difference_of_the_gradient():
    """Every function's ``H`` (all six, n = 4) is the Jacobian of its ``grad`` to ~1e-6."""
    from benchmarks.hessian import EXACT, make_cases

    for case in make_cases(4, 0):
        x, g = case.x, case.grad
        h = 1e-6
        fd = np.stack([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(x.size)], 1)
        H = case.H
        assert np.allclose(H, H.T, atol=0), case.id
        assert np.max(np.abs(fd - H)) <= 1e-6 * max(1.0, np.max(np.abs(H))), case.id
        for label, A in case.matrices().items():
            if label != EXACT:
                assert not np.allclose(A(x), H, rtol=1e-9, atol=0), (case.id, label)

