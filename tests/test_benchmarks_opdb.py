"""Smoke test of ``python -m benchmarks.opdb`` (our drop-ins against torch's ``gradcheck`` on
``op_db`` samples and jax's ``check_grads``), on a tiny subset: one sample of two torch ops
and one jax function. The benchmark itself is not part of the test run."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_reference_confirms_a_wrong_column_and_clears_a_right_one():
    from benchmarks.opdb import reference_jacobian

    x = np.array([0.3, -1.2, 2.0])
    J = np.diag(np.cos(x))
    assert not reference_jacobian(np.sin, x, J)["confirmed"]
    wrong = J.copy()
    wrong[1, 1] *= 1 + 3e-8  # hardsigmoid's size of error (1/6 rounded to float32)
    ref = reference_jacobian(np.sin, x, wrong)
    assert ref["confirmed"] and ref["worst"] == (1, 1)
    assert ref["rel"] == pytest.approx(3e-8 * abs(np.cos(-1.2)) / np.cos(0.3), rel=1e-3, abs=0)


def test_tiny_run_counts_every_check_and_lists_the_hardsigmoid_defect(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from benchmarks.opdb import RIGHT, main, render_section, run

    res = run(ops=["exp", "nn.functional.hardsigmoid"], jax_funcs=["tanh"], samples=1)
    recs = res["records"]
    assert [(r.framework, r.op, r.sample) for r in recs] == [
        ("torch", "exp", 0), ("torch", "nn.functional.hardsigmoid", 0), ("jax", "tanh", 0)]
    for r in recs:
        assert set(r.checks) == {RIGHT, "1e-04", "1e-06"}
        peer = r.framework
        # torch's and jax's own checks pass every right backward here
        assert r.checks[RIGHT][peer].verdict == "pass"
        # ours catches every planted error, at 1e-4 and at 1e-6
        assert all(r.checks[lab]["ours"].verdict == "fail" for lab in ("1e-04", "1e-06"))
        # torch's gradcheck misses both (its rtol is 1e-3)
        if peer == "torch":
            assert all(r.checks[lab]["torch"].verdict == "pass" for lab in ("1e-04", "1e-06"))
    exp, hard, tanh = recs
    assert exp.checks[RIGHT]["ours"].verdict == "pass" and not exp.defect
    assert tanh.checks[RIGHT]["ours"].verdict == "pass" and not tanh.defect
    # torch's float64 hardsigmoid backward is 1/6 rounded to float32: ours fails it, the
    # independent reference confirms it, and it is a defect, not a false alarm
    assert hard.checks[RIGHT]["ours"].verdict == "fail" and hard.defect
    assert "0.1666666716" in hard.evidence
    text = render_section(res)
    assert "### torch: `op_db`" in text and "### jax:" in text
    assert "`nn.functional.hardsigmoid` #0" in text.split("Library defects")[1]

    out, raw = tmp_path / "opdb.md", tmp_path / "opdb.json"
    assert main(["--framework", "jax", "--jax-funcs", "exp", "--samples", "1",
                 "--out", str(out), "--json", str(raw)]) == 0
    assert "jax `check_grads`" in out.read_text()
    data = json.loads(raw.read_text())
    assert [r["op"] for r in data["records"]] == ["exp"]


def test_importing_torchs_test_helpers_keeps_the_hypothesis_profile():
    """torch's common_utils registers its own "dev" (10 random examples, no database) and
    loads it when first imported: hypothesis_profiles_kept puts the registrations and the
    active profile back (the suite's conftest checks the profile after every test too)."""
    from hypothesis import settings

    from benchmarks.opdb import hypothesis_profiles_kept

    name, before, dev = (settings.get_current_profile_name(), settings.default,
                         settings.get_profile("dev"))
    with hypothesis_profiles_kept():  # what common_utils does at import
        settings.register_profile("dev", max_examples=10, database=None)
        settings.register_profile("pytorch_ci", derandomize=True, max_examples=50)
        settings.load_profile("dev")
        assert settings.default.max_examples == 10  # (the planted change took effect)
    assert settings.get_current_profile_name() == name
    assert settings.default == before and settings.get_profile("dev") == dev
    with pytest.raises(Exception, match="pytorch_ci"):
        settings.get_profile("pytorch_ci")
