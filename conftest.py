"""Hypothesis profiles for the whole suite, chosen by ``HYPOTHESIS_PROFILE`` (or pytest's
``--hypothesis-profile``).

The profiles are those of the package's pytest plugin (:mod:`checks.pytest_plugin`:
``gradcheck-dev``, ``gradcheck-ci``, ``gradcheck-thorough``), registered here as well under
the short names ``dev`` (default), ``ci`` (derandomized, used by CI) and ``thorough``
(1,000 examples: ``HYPOTHESIS_PROFILE=thorough python -m pytest``).

Being at the top level, this file also puts the project root on ``sys.path`` (pytest's default
``prepend`` import mode), so ``checks`` and ``gradients`` import even without an install.

The ``rng`` fixture is the random source of the example-based tests (see its docstring).
"""

import os
import zlib

import numpy as np
import pytest
from hypothesis import settings

from checks.pytest_plugin import register_profiles

register_profiles()  # the gradcheck-* names, also when the plugin is not installed
register_profiles(prefix="")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A numpy generator seeded from the test's node id (its CRC-32, stable across runs and
    machines): each test, and each parameter of it, draws the same data whatever else runs
    before it -- the test order, ``-k``, pytest-xdist and mutmut change nothing.
    """
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(autouse=True)
def _profile_unchanged(request: pytest.FixtureRequest):
    """The active hypothesis profile after a test is the one it started with: a test that
    loads another (``settings.load_profile``) restores it. Otherwise every later test in the
    same process -- a pytest-xdist worker runs hundreds -- would draw under that profile's
    budget and seed, and pass or fail by what ran before it."""
    name, before = settings.get_current_profile_name(), settings.default
    yield
    now, after = settings.get_current_profile_name(), settings.default
    assert (now, after) == (name, before), (
        f"{request.node.nodeid} changed the active hypothesis profile: {now!r} with "
        f"max_examples={after.max_examples}, derandomize={after.derandomize}, database="
        f"{after.database!r} instead of {name!r} with max_examples={before.max_examples}, "
        f"derandomize={before.derandomize}, database={before.database!r}"
    )
