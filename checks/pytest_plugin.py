"""The pytest plugin installed with the package (entry point ``gradcheck`` in ``pytest11``).

It registers three hypothesis profiles for gradient properties, chosen with hypothesis's own
option, ``pytest --hypothesis-profile=gradcheck-ci``:

* ``gradcheck-dev``: 50 examples, random seeds, no deadline (a finite-difference check calls
  ``f`` hundreds of times: per-example timings vary too much for a deadline).
* ``gradcheck-ci``: the same budget, derandomized (the same examples on every run and every
  pytest-xdist worker), no example database, no deadline, the ``@reproduce_failure`` blob
  printed, and the slow-data health check off.
* ``gradcheck-thorough``: 1,000 examples, for a long run before a release.

:func:`checks.find_counterexample` and :func:`checks.assert_no_counterexample` draw under the
active profile as well (its examples, randomness, database and deadline), unless given
``max_examples=``, ``seed=`` or ``settings=``.

None of them runs hypothesis's *explain* phase, whose "Explanation: these lines were always
and only run by failing examples" would list lines of this engine rather than of the
derivation under test. The report of a failed check is the message of the
``AssertionError`` raised by :func:`checks.assert_gradient` or
:func:`checks.assert_no_counterexample`, whose frames pytest hides (``__tracebackhide__``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

__all__ = ["PROFILES", "register_profiles"]

_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)

#: The profiles, by name: keyword arguments of :func:`hypothesis.settings`.
PROFILES: dict[str, dict[str, Any]] = {
    "gradcheck-dev": dict(max_examples=50, deadline=None, phases=_PHASES),
    "gradcheck-ci": dict(
        max_examples=50, deadline=None, derandomize=True, database=None, print_blob=True,
        phases=_PHASES, suppress_health_check=[HealthCheck.too_slow],
    ),
    "gradcheck-thorough": dict(max_examples=1000, deadline=None, phases=_PHASES),
}


def register_profiles(prefix: str = "gradcheck-") -> None:
    """Register :data:`PROFILES`, renamed with ``prefix`` instead of ``"gradcheck-"``.

    >>> from hypothesis import settings
    >>> register_profiles(prefix="example-")
    >>> settings.get_profile("example-ci").derandomize
    True
    >>> settings.get_profile("example-thorough").max_examples
    1000
    """
    for name, kwargs in PROFILES.items():
        settings.register_profile(prefix + name.removeprefix("gradcheck-"), **kwargs)


register_profiles()
