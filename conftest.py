"""Hypothesis profiles for the whole suite, registered once and chosen by ``HYPOTHESIS_PROFILE``.

* ``dev`` (default): 50 examples, random seeds, no deadline (finite-difference checks call
  the loss many times, so timings vary too much for a per-example deadline).
* ``ci``: the same budget, derandomized (the same examples on every run and on every
  pytest-xdist worker), no example database, and the ``@reproduce_failure`` blob printed on
  failure.
* ``thorough``: 1,000 examples, for a long run before a release
  (``HYPOTHESIS_PROFILE=thorough python -m pytest``).

Being at the top level, this file also puts the project root on ``sys.path`` (pytest's default
``prepend`` import mode), so ``checks`` and ``gradients`` import even without an install.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)

settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
