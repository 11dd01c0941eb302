"""One lookup by id for the catalog's tables (derivations, mistakes) and the tests' tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)

__all__ = ["by_id"]


def by_id(items: Iterable[T], item_id: str, what: str) -> T:
    """The item of ``items`` whose ``id`` is ``item_id``.

    Raises
    ------
    KeyError
        ``unknown <what> id '<item_id>'; known: <every id, in order>``.

    Examples
    --------
    >>> from gradients.catalog import CATALOG
    >>> by_id(CATALOG, "1b", "derivation").title
    'Trace of a cube'
    """
    items = tuple(items)
    for item in items:
        if item.id == item_id:
            return item
    known = ", ".join(item.id for item in items)
    raise KeyError(f"unknown {what} id {item_id!r}; known: {known}")
