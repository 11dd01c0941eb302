"""Hypothesis profiles for the whole suite, chosen by ``HYPOTHESIS_PROFILE`` (or pytest's
``--hypothesis-profile``).

The profiles are those of the package's pytest plugin (:mod:`checks.pytest_plugin`:
``gradcheck-dev``, ``gradcheck-ci``, ``gradcheck-thorough``), registered here as well under
the short names ``dev`` (default), ``ci`` (derandomized, used by CI) and ``thorough``
(1,000 examples: ``HYPOTHESIS_PROFILE=thorough python -m pytest``).

Being at the top level, this file also puts the project root on ``sys.path`` (pytest's default
``prepend`` import mode), so ``checks`` and ``gradients`` import even without an install.
"""

import os

from hypothesis import settings

from checks.pytest_plugin import register_profiles

register_profiles()  # the gradcheck-* names, also when the plugin is not installed
register_profiles(prefix="")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
