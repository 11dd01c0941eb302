"""Hypothesis strategies of arrays, data sets and machine-learning inputs.

Import this package explicitly (``from checks import strategies``); ``checks`` itself does not
import it, so importing the engine does not import hypothesis.

=============================  ====================================================
module                         strategies
=============================  ====================================================
``checks.strategies._base``    :func:`elements`, :data:`finite_elements`, constants
``checks.strategies.arrays``   vectors, (square) matrices, pairs of them, scales,
                               dicts of parameters
``checks.strategies.data``     data sets with labels, full-rank designs,
                               a residual network's weights and data
``checks.strategies.ml``       SPD matrices, logits with labels, probability
                               vectors, MLP weights and a batch, attention inputs
=============================  ====================================================

Element range
-------------
Every array strategy takes ``elements=``, the strategy of its entries, as
``hypothesis.extra.numpy.arrays`` does. By default every entry is a finite float64 that is
either exactly ``0.0`` or has a magnitude in ``[min_nonzero, max_magnitude]`` (defaults
``1e-3`` and ``4.0``; see :func:`elements`). The strategies of ``arrays`` and ``data`` also
accept ``max_magnitude`` and ``min_nonzero`` to build that default; giving them together
with ``elements=`` is a ``ValueError``. The reasons for the default:

* **Bounded above** (``|x| <= 4``): typical losses are polynomials and exponentials of
  inner products of the inputs. With ``D <= 8`` entries of magnitude ``<= 4``, an inner
  product is at most ``128`` and a cube of an ``8 x 8`` matrix has entries below
  ``8^2 * 4^3``, so nothing comes near overflow and the finite-difference error bound
  (truncation ``~ h^2 |f'''|``, round-off ``~ eps |f| / h``) holds with the default steps.
  Larger scales are tested separately with :func:`scales`.
* **Bounded away from zero** (``x == 0`` or ``|x| >= 1e-3``): steps are scaled to ``|x_k|``;
  subnormal or tiny non-zero entries make relative steps degenerate and test the step floor
  instead of the gradient. Exact zeros stay in: they are the interesting edge case and the
  value hypothesis shrinks towards. ``-0.0`` is normalised to ``0.0``.

Matrices built from a spectrum (:func:`full_rank_designs`, :func:`spd_matrices`) are the
exception: their entries are not drawn one by one, see their docstrings.

Shrinking
---------
Every strategy draws its sizes first (``st.integers``, shrinking towards the minimum), then
the arrays, whose entries shrink towards ``0.0`` and then to small integers such as ``1.0``,
and a keep flag per index of each dimension. On its own, hypothesis lowers a size by dropping
the *last* indices and cannot move a non-zero entry to a smaller index: a failure that needs
entry ``(1, 6)`` would keep ``D = 7``. Shrinking a flag to ``0`` deletes its index everywhere
its dimension occurs (row and column ``i`` of a square matrix with entry ``i`` of its vector;
a sample's row of ``X`` with its label; a feature's column of ``X`` with its weight), so
hypothesis itself deletes rows and columns, one index at a time, while the property still
fails. A deletion keeps every bound and promise of the strategy (a minimum size, ``N >= D``,
a condition number): a counterexample is always a value the strategy can draw. A failing
property therefore reports a minimal counterexample: ``D = 1`` or ``2``, entries ``0.0`` or
``1.0``. (While drawing, about 2 % of the flags delete their index: a draw can be an index
shorter than its drawn size, never shorter than the minimum.)

Size arguments are keyword-only ``min_*``/``max_*`` pairs, validated when the strategy is
built (a ``ValueError`` that names the argument and its value), as in
``hypothesis.extra.numpy``. Default sizes are small: from 1 up to 8 features (``D``),
12 samples (``N``; 8 in an MLP batch), and 6 hidden units, classes, widths or positions.
"""

from checks.strategies._base import (
    LABEL_KINDS,
    MAX_MAGNITUDE,
    MIN_NONZERO,
    elements,
    finite_elements,
)
from checks.strategies.arrays import (
    matrices,
    matrix_pairs,
    parameter_dicts,
    scales,
    square_matrices,
    vector_and_square_matrix,
    vectors,
)
from checks.strategies.data import (
    binary_datasets,
    bipolar_datasets,
    datasets,
    full_rank_designs,
    network_inputs,
    real_datasets,
    weights_and_dataset,
)
from checks.strategies.ml import (
    attention_inputs,
    logits_and_labels,
    mlp_inputs,
    probability_vectors,
    spd_matrices,
)

__all__ = [
    # constants and elements
    "MAX_MAGNITUDE",
    "MIN_NONZERO",
    "LABEL_KINDS",
    "elements",
    "finite_elements",
    # arrays
    "vectors",
    "square_matrices",
    "matrices",
    "matrix_pairs",
    "vector_and_square_matrix",
    "scales",
    "parameter_dicts",
    # data
    "datasets",
    "weights_and_dataset",
    "full_rank_designs",
    "network_inputs",
    "binary_datasets",
    "bipolar_datasets",
    "real_datasets",
    # machine-learning inputs
    "spd_matrices",
    "logits_and_labels",
    "probability_vectors",
    "mlp_inputs",
    "attention_inputs",
]
