"""Meta-tests of ``elements=``, the argument every array strategy takes.

As in ``hypothesis.extra.numpy.arrays``: it draws every entry that is drawn entry by entry
(and, for a matrix built from a spectrum, bounds its scale); ``max_magnitude`` and
``min_nonzero`` only build the default, so giving one with ``elements=`` is a ``ValueError``
naming both; and anything but a hypothesis strategy is a ``ValueError``.
"""

import inspect
import re
from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks import strategies as S

#: The required arguments of the factories that have some.
REQUIRED = {"parameter_dicts": {"shapes": {"W": ("D", "H"), "b": ("H",), "c": ()}}}

ARRAY_STRATEGIES = [
    partial(getattr(S, name), **REQUIRED[name]) if name in REQUIRED else getattr(S, name)
    for name in S.__all__
    if callable(getattr(S, name)) and name not in ("elements", "scales")
]
"""Every strategy of arrays: all public factories but ``elements`` and ``scales``."""


def _name(factory) -> str:
    return getattr(factory, "__name__", None) or factory.func.__name__

WITH_MAGNITUDE = [f for f in ARRAY_STRATEGIES if "max_magnitude" in inspect.signature(f).parameters]
"""The strategies that also build their elements from ``max_magnitude``/``min_nonzero``."""

# strategy -> the arrays of one draw whose entries come from ``elements=`` (labels in {0, 1}
# and the spectrum-built X of a full-rank design do not)
FROM_ELEMENTS = {
    "vectors": (S.vectors, lambda w: [w]),
    "square_matrices": (S.square_matrices, lambda X: [X]),
    "matrices": (S.matrices, lambda A: [A]),
    "matrix_pairs": (S.matrix_pairs, list),
    "vector_and_square_matrix": (S.vector_and_square_matrix, list),
    "datasets-real": (partial(S.datasets, labels="real"), list),
    "weights_and_dataset-binary": (S.weights_and_dataset, lambda d: list(d[:2])),
    "full_rank_designs": (S.full_rank_designs, lambda d: [d[1]]),
    "network_inputs": (S.network_inputs, lambda a: list(a[:4])),
    "parameter_dicts": (partial(S.parameter_dicts, **REQUIRED["parameter_dicts"]),
                        lambda p: list(p.values())),
}


def test_every_array_strategy_takes_elements_keyword_only_default_none():
    assert len(ARRAY_STRATEGIES) == 15, [_name(f) for f in ARRAY_STRATEGIES]
    for factory in ARRAY_STRATEGIES:
        param = inspect.signature(factory).parameters.get("elements")
        assert param is not None, f"{_name(factory)} has no elements= argument"
        assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is None
    for factory in WITH_MAGNITUDE:
        params = inspect.signature(factory).parameters
        defaults = [params[name].default for name in ("max_magnitude", "min_nonzero")]
        assert defaults == [None, None], f"{_name(factory)}: {defaults}, should be sentinels"


@pytest.mark.parametrize("name", FROM_ELEMENTS)
@given(data=st.data())
def test_elements_argument_draws_every_entry(name, data):
    factory, drawn = FROM_ELEMENTS[name]
    for a in drawn(data.draw(factory(elements=st.just(1.0)), label=name)):
        assert a.dtype == np.float64, f"dtype={a.dtype}, but should be float64"
        assert np.all(a == 1.0), f"{a!r} should hold only the 1.0 of elements=st.just(1.0)"


@pytest.mark.parametrize("name", FROM_ELEMENTS)
@given(data=st.data())
def test_elements_argument_replaces_the_default_range(name, data):
    # no min_nonzero floor any more: st.floats draws tiny and subnormal values too
    factory, drawn = FROM_ELEMENTS[name]
    for a in drawn(data.draw(factory(elements=st.floats(-0.5, 0.5)), label=name)):
        assert a.dtype == np.float64 and np.all(np.abs(a) <= 0.5), f"{a!r} exceeds 0.5"


@given(S.full_rank_designs(elements=st.floats(-0.5, 0.5), max_condition=100.0))
def test_full_rank_designs_with_elements_stay_within_their_magnitude(design):
    X, y = design
    assert np.abs(X).max() <= 0.5, f"max |X_ij|={np.abs(X).max()}, but should be <= 0.5"
    assert np.linalg.cond(X) <= 100.0
    assert np.all(np.abs(y) <= 0.5)


@given(S.full_rank_designs(elements=st.just(1.0)))
def test_full_rank_designs_with_unit_elements_have_singular_values_at_most_one(design):
    X, _ = design
    s = np.linalg.norm(X, 2)
    assert s <= 1.0 + 1e-12, f"largest singular value {s}, but should be <= top = |1.0|"
    assert np.abs(X).max() <= 1.0


@pytest.mark.parametrize("factory", WITH_MAGNITUDE, ids=_name)
@pytest.mark.parametrize("kwargs", [{"max_magnitude": 2.0}, {"min_nonzero": 0.1}], ids=str)
def test_elements_with_max_magnitude_or_min_nonzero_is_rejected(factory, kwargs):
    ((name, value),) = kwargs.items()
    with pytest.raises(ValueError, match=re.escape(f"elements and {name}={value!r} were both")):
        factory(elements=st.just(1.0), **kwargs)


@pytest.mark.parametrize("factory", ARRAY_STRATEGIES, ids=_name)
@pytest.mark.parametrize("bad", [1.0, [1.0, 2.0], st.floats], ids=["float", "list", "factory"])
def test_elements_that_is_not_a_strategy_is_rejected(factory, bad):
    with pytest.raises(ValueError, match=r"^elements must be a hypothesis strategy .* got "):
        factory(elements=bad)
