"""Helpers shared by the test files, each written once.

* :func:`strict_floats`: every floating-point flag and every warning raised as an error, for
  the tests that a function stays finite and quiet at extreme inputs;
* :func:`first`: the first drawn input that satisfies a condition -- one generic input for an
  example-based test, not a property run, so its budget is not the profile's.

The example budget of a property is the profile's (``HYPOTHESIS_PROFILE``); a slow property
divides it with :func:`tests._functions.fewer` instead of setting its own.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

__all__ = ["FIRST", "first", "strict_floats"]

T = TypeVar("T")

#: Settings of :func:`first`: generation only (no shrinking: any satisfying input will do),
#: derandomized (the same input on every run and machine), no example database, up to 500
#: draws, and no health check (a rare condition is the point, not a flaw of the strategy).
FIRST = settings(database=None, max_examples=500, phases=(Phase.generate,),
                 suppress_health_check=list(HealthCheck), derandomize=True)


def first(strategy: st.SearchStrategy[T], condition: Callable[[T], object]) -> T:
    """The first input drawn from ``strategy`` that satisfies ``condition`` (see :data:`FIRST`).

    Raises ``hypothesis.errors.NoSuchExample`` when none of the draws does.
    """
    return find(strategy, condition, settings=FIRST)


@contextlib.contextmanager
def strict_floats() -> Iterator[None]:
    """Turn every floating-point flag and every warning into an error."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
