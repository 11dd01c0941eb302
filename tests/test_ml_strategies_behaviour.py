"""Boundaries of :mod:`checks.strategies.ml`'s arguments, as their docstrings state them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from checks.strategies.ml import probability_vectors


@settings(max_examples=10, deadline=None)
@given(probability_vectors(max_size=4, min_probability=0.25))
def test_min_probability_may_equal_one_over_max_size(p):
    """``0 <= min_probability <= 1 / max_size``: at the bound every entry is at least
    ``1/4`` and they still sum to 1 (``K = 4`` is the uniform vector)."""
    assert np.all(p >= 0.25) and abs(math.fsum(p) - 1.0) <= 2.3e-16
    if p.size == 4:
        np.testing.assert_array_equal(p, np.full(4, 0.25))
    else:
        assert p.size < 4


def test_min_probability_beyond_the_bound_is_refused():
    with pytest.raises(ValueError, match=r"^min_probability=0.26 must satisfy 0 <= "
                                         r"min_probability <= 1 / max_size = 0.25: K entries"):
        probability_vectors(max_size=4, min_probability=0.26)
    with pytest.raises(ValueError, match="must satisfy 0 <= min_probability"):
        probability_vectors(min_probability=-1e-9)
