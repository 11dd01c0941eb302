"""``np.einsum`` subscripts, read statically: checked when the candidate is parsed, and the
result size and work estimated from the operand shapes before it runs.

The subscripts are a string literal of letters: ``'ij,j->i'`` (explicit output) or
``'ij,jk'`` (implicit: the labels seen once, in alphabetical order, as numpy does). No
``...`` (broadcast dimensions): write every axis.

The work of an evaluation is the size of the whole index space (the product of the sizes of
all labels) times the number of operands: numpy's ``einsum`` (without ``optimize=``) loops
over every combination of labels.

>>> _parse_subscripts("ij,j->i", 2)
(('ij', 'j'), 'i')
>>> _parse_subscripts("ij,jk", 2)
(('ij', 'jk'), 'ik')
>>> _einsum_estimate(("ij", "j"), "i", [(3, 4), (4,)])
(3, 24, 3)
"""

from __future__ import annotations

import math
import string

from .grammar import _MAX_EINSUM_OPERANDS, ExpressionError

MAX_OPERANDS = _MAX_EINSUM_OPERANDS
"""Most operands of one ``np.einsum``."""


def _parse_subscripts(subscripts: str, n_operands: int) -> tuple[tuple[str, ...], str]:
    """``(input terms, output term)`` of an einsum's subscripts; :class:`ExpressionError`
    naming what is wrong with them."""
    if not isinstance(subscripts, str):
        raise TypeError("the first argument of np.einsum must be its subscripts, a string "
                        f"like 'ij,j->i'; got {type(subscripts).__name__}")
    text = subscripts.replace(" ", "")
    shown = repr(subscripts)
    if "..." in text:
        raise ExpressionError(f"np.einsum subscripts {shown}: '...' is not supported; name "
                              "every axis with a letter")
    bad = sorted(set(text) - set(string.ascii_letters + ",->"))
    if bad:
        raise ExpressionError(f"np.einsum subscripts {shown}: {''.join(bad)!r} is not allowed "
                              "(only letters, ',' and '->')")
    if text.count("->") > 1 or text.replace("->", "").count("-") or text.replace(
            "->", "").count(">"):
        raise ExpressionError(f"np.einsum subscripts {shown}: '->' must appear at most once, "
                              "before the output")
    head, arrow, output = text.partition("->")
    inputs = tuple(head.split(","))
    if len(inputs) != n_operands:
        raise ExpressionError(f"np.einsum subscripts {shown} name {len(inputs)} operand(s) but "
                              f"{n_operands} were given")
    counts: dict[str, int] = {}
    for term in inputs:
        for label in term:
            counts[label] = counts.get(label, 0) + 1
    if not arrow:
        output = "".join(sorted(label for label, n in counts.items() if n == 1))
    for label in output:
        if output.count(label) > 1:
            raise ExpressionError(f"np.einsum subscripts {shown}: output label {label!r} "
                                  "appears more than once")
        if label not in counts:
            raise ExpressionError(f"np.einsum subscripts {shown}: output label {label!r} is "
                                  "not in any operand")
    return inputs, output


def _label_sizes(inputs: tuple[str, ...], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(inputs, shapes, strict=True)):
        if len(term) != len(shape):
            raise ValueError(f"np.einsum operand {k + 1} has {len(shape)} dimension(s) but its "
                             f"subscripts {term!r} name {len(term)}")
        for label, n in zip(term, shape, strict=True):
            if label in sizes and n != sizes[label] and 1 not in (n, sizes[label]):
                raise ValueError(f"np.einsum label {label!r} has size {sizes[label]} in one "
                                 f"place and {n} in another")
            sizes[label] = max(n, sizes.get(label, n))
    return sizes


def _einsum_estimate(inputs: tuple[str, ...], output: str,
                     shapes: list[tuple[int, ...]]) -> tuple[int, int, int]:
    """``(elements of the result, operations, elements allocated)`` of an einsum."""
    sizes = _label_sizes(inputs, shapes)
    out = math.prod(sizes[label] for label in output)
    space = math.prod(sizes.values())
    return out, max(space * len(inputs), out), out
