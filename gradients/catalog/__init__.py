"""The verification data: what is checked, on which inputs, against which wrong answers.

============================================  ===================================================
:mod:`gradients.catalog.derivation`           :class:`Derivation`, the record of one verified
                                              formula and how it is checked
:mod:`gradients.catalog.inputs`               the hypothesis strategies of each entry's inputs
:mod:`gradients.catalog.table`                :data:`CATALOG`, the table, and :func:`get`
:mod:`gradients.catalog.candidates`           the homework sheet's handwritten answers
:mod:`gradients.catalog.mistakes`             plausible wrong derivations the checker must catch
:mod:`gradients.catalog.markdown`             the catalog as Markdown (``FORMULAS.md``)
:mod:`gradients.catalog.lookup`               :func:`~gradients.catalog.lookup.by_id`, the one
                                              lookup by id
============================================  ===================================================

The property test of the seven problems, ``gradients verify``, ``gradients show``,
``gradients try`` and ``FORMULAS.md`` all walk :data:`CATALOG`. The catalog imports the seven
problem modules and (lazily, to draw inputs and check) :mod:`checks`; it never imports
:mod:`gradients.cli`.

>>> from gradients.catalog import CATALOG, get
>>> d = get("1b")
>>> d.title, d.variables, d in CATALOG
('Trace of a cube', ('X',), True)
"""

from gradients.catalog.derivation import Derivation
from gradients.catalog.table import CATALOG, get

__all__ = ["CATALOG", "Derivation", "get"]
