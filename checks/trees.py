r"""Parameter trees: a check across every leaf of a dict, list or tuple of arrays.

A model's parameters live in a structure (``{"W1": W1, "b1": b1, "w2": w2}``, a list of layers,
nested) and a hand-written backward pass returns the same structure. The check of such a
gradient is one check of one flat vector, so that one verdict, one ``detectable`` and one
report cover every leaf:

* the differentiated arguments -- ``args[argnum]``, or each ``args[k]`` for ``k`` in a tuple
  ``argnum`` -- are flattened in a fixed order (positions in the order of ``argnum``, dict
  entries in insertion order, list and tuple items in order, depth first) and their leaves
  converted to float64 and concatenated into ``x``;
* ``f`` is called with the structure rebuilt from ``x`` (fresh arrays at every call; a leaf
  that was a Python number comes back as a float);
* ``grad``'s result must have the same structure -- a tuple with one item per position when
  ``argnum`` is a tuple, and below that the same keys, lengths and leaf shapes -- else the
  check fails with a reason that names the first leaf that differs (a wrongly structured
  gradient is a failed check, like a wrongly shaped array, not an exception); it is flattened
  the same way;
* every entry of ``x`` has a name: its path, ``params['W1'][2, 3]`` -- ``args[0]['W1'][2, 3]``
  without ``names=`` -- which the report uses wherever it names an entry.

>>> params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
>>> tree = Tree.of((params, np.ones(3)), 0, ("params", "batch"))
>>> tree.size, tree.name(5)
(6, "params['b'][1]")
>>> rebuilt = tree.rebuild(np.arange(6.0))[0]
>>> rebuilt["W"].tolist(), rebuilt["b"].tolist()
([[0.0, 1.0], [2.0, 3.0]], [4.0, 5.0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checks._util import as_float64, validate_argnum

__all__ = ["Tree", "is_tree"]


def is_tree(obj: Any) -> bool:
    """A dict, list or tuple (not an array): a structure of leaves to flatten."""
    return isinstance(obj, (Mapping, list, tuple))


@dataclass(frozen=True)
class _Leaf:
    path: str
    shape: tuple[int, ...]
    start: int
    number: bool  # a Python number: rebuilt as a float

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))


def _walk(obj: Any, path: str, out: list[tuple[str, Any]]) -> None:
    """The leaves of ``obj`` below ``path``, depth first, in the order described above."""
    if isinstance(obj, Mapping):
        if not obj:
            raise ValueError(f"{path} is an empty dict: a tree needs at least one leaf")
        for key, value in obj.items():
            _walk(value, f"{path}[{key!r}]", out)
    elif isinstance(obj, (list, tuple)):
        if not obj:
            raise ValueError(f"{path} is an empty {type(obj).__name__}: a tree needs at "
                             "least one leaf")
        for i, value in enumerate(obj):
            _walk(value, f"{path}[{i}]", out)
    else:
        out.append((path, obj))


def _walk_like(template: Any, value: Any, out: list[tuple[str, Any]]) -> None:
    """The leaves of ``value`` in the order of ``template``'s (same structure, dict keys
    possibly in another order)."""
    if isinstance(template, Mapping):
        for key, sub in template.items():
            _walk_like(sub, value[key], out)
    elif isinstance(template, (list, tuple)):
        for sub, val in zip(template, value, strict=True):
            _walk_like(sub, val, out)
    else:
        out.append(("", value))


def _rebuild(template: Any, leaves: Any) -> Any:
    """``template``'s structure with its leaves taken from the iterator ``leaves``."""
    if isinstance(template, Mapping):
        items = {k: _rebuild(v, leaves) for k, v in template.items()}
        return items if type(template) is dict else type(template)(items)
    if isinstance(template, (list, tuple)):
        items = [_rebuild(v, leaves) for v in template]
        if hasattr(template, "_fields"):  # a namedtuple
            return type(template)(*items)
        return type(template)(items)
    return next(leaves)


@dataclass(frozen=True)
class Tree:
    """The differentiated arguments of a check, flattened: their leaves, in order, with the
    place of each in the flat vector ``x`` (:attr:`x`) and its name."""

    args: tuple[Any, ...]
    positions: tuple[int, ...]
    leaves: tuple[_Leaf, ...]
    x: np.ndarray
    notes: tuple[str, ...]
    label: str  # "params", or "args[0] and args[2]"
    names: tuple[str, ...] | None = None

    @classmethod
    def of(cls, args: Sequence[Any], argnum: Any, names: Sequence[str] | None = None
           ) -> Tree:
        """Flatten ``args`` at ``argnum`` (an int or a tuple of ints); ``names`` names the
        positions (one string per argument)."""
        args = tuple(args)
        if names is not None:
            if isinstance(names, str) or len(names) != len(args):
                raise ValueError(f"names must give one name per argument ({len(args)}), got "
                                 f"{names!r}")
        positions = tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)
        if not positions:
            raise ValueError("argnum is an empty tuple: name at least one argument to "
                             "differentiate")
        positions = tuple(validate_argnum(k, len(args)) for k in positions)
        if len(set(positions)) != len(positions):
            raise ValueError(f"argnum={tuple(argnum)!r} names an argument twice")
        leaves, values, notes = [], [], []
        start = 0
        for k in positions:
            found: list[tuple[str, Any]] = []
            _walk(args[k], _position_name(k, names), found)
            for path, value in found:
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                arr, note = as_float64(path, value)
                if note:
                    notes.append(note)
                leaves.append(_Leaf(path, arr.shape, start, number))
                values.append(arr.ravel())
                start += arr.size
        x = np.concatenate(values) if values else np.zeros(0)
        label = " and ".join(_position_name(k, names) for k in positions)
        return cls(args, positions, tuple(leaves), x, tuple(notes), label,
                   None if names is None else tuple(names))

    @property
    def size(self) -> int:
        return int(self.x.size)

    def rebuild(self, v: np.ndarray) -> list[Any]:
        """The arguments with the differentiated ones rebuilt from the flat ``v`` (copies)."""
        v = np.asarray(v, dtype=float).ravel()
        pieces = iter([float(v[leaf.start]) if leaf.number and not leaf.shape
                       else v[leaf.start : leaf.start + leaf.size].reshape(leaf.shape).copy()
                       for leaf in self.leaves])
        items = [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]
        for k in self.positions:
            items[k] = _rebuild(self.args[k], pieces)
        return items

    def flatten_like(self, value: Any) -> tuple[np.ndarray | None, str | None]:
        """``grad``'s result flattened like the arguments, or ``(None, why not)``: the first
        place where its structure, a leaf's shape or a leaf's type differs."""
        if len(self.positions) > 1:
            if not isinstance(value, (tuple, list)) or len(value) != len(self.positions):
                got = (f"a {type(value).__name__} of {len(value)}"
                       if isinstance(value, (tuple, list)) else type(value).__name__)
                return None, (f"with argnum={self.positions}, grad must return a tuple of "
                              f"{len(self.positions)} gradients (one per argument), got {got}")
            parts = list(value)
        else:
            parts = [value]
        found: list[tuple[str, Any]] = []
        for k, part in zip(self.positions, parts, strict=True):
            why = _same_structure(self.args[k], part, _position_name(k, self.names))
            if why:
                return None, why
            _walk_like(self.args[k], part, found)
        out = np.empty(self.size)
        for leaf, (_, val) in zip(self.leaves, found, strict=True):
            arr = np.asarray(val)
            if arr.shape != leaf.shape:
                return None, (f"the analytic gradient of {leaf.path} has shape {arr.shape}, "
                              f"but {leaf.path} has shape {leaf.shape}: each leaf of grad "
                              "must have exactly the shape of its parameter (no "
                              "broadcasting)")
            if arr.dtype.kind not in "biuf":
                return None, (f"the analytic gradient of {leaf.path} must be a real array, "
                              f"got dtype {arr.dtype}")
            out[leaf.start : leaf.start + leaf.size] = arr.ravel()
        return out, None

    def name(self, k: int) -> str:
        """The name of entry ``k`` of the flat vector: its leaf's path and index."""
        for leaf in reversed(self.leaves):
            if k >= leaf.start:
                if not leaf.shape:
                    return leaf.path
                idx = np.unravel_index(k - leaf.start, leaf.shape)
                return f"{leaf.path}[{', '.join(str(int(i)) for i in idx)}]"
        raise IndexError(k)

    def leaf_of(self, k: int) -> str:
        """The path of the leaf that entry ``k`` belongs to."""
        return next(leaf.path for leaf in reversed(self.leaves) if k >= leaf.start)

    def split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """A flat array of the check (``analytic``, ``numerical``, ``error``...) per leaf."""
        flat = np.asarray(flat).ravel()
        return {leaf.path: flat[leaf.start : leaf.start + leaf.size].reshape(leaf.shape)
                for leaf in self.leaves}

    def describe(self) -> str:
        """``params (3 leaves, 14 entries)``: what the check differentiated."""
        n = len(self.leaves)
        return (f"{self.label} ({n} lea{'f' if n == 1 else 'ves'}, {self.size} "
                f"entr{'y' if self.size == 1 else 'ies'})")


def _position_name(k: int, names: Sequence[str] | None) -> str:
    return f"args[{k}]" if names is None else str(names[k])


def _same_structure(template: Any, value: Any, path: str) -> str | None:
    """Why ``value`` does not have ``template``'s tree structure (keys, lengths), or None."""
    if isinstance(template, Mapping):
        if not isinstance(value, Mapping):
            return (f"the analytic gradient of {path} must be a dict like {path}, got "
                    f"{type(value).__name__}")
        if list(value.keys()) != list(template.keys()) and set(value) != set(template):
            missing = [k for k in template if k not in value]
            extra = [k for k in value if k not in template]
            parts = []
            if missing:
                parts.append(f"missing {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"unexpected {', '.join(map(repr, extra))}")
            return f"the analytic gradient of {path} has other keys: {'; '.join(parts)}"
        for key, sub in template.items():
            why = _same_structure(sub, value[key], f"{path}[{key!r}]")
            if why:
                return why
        return None
    if isinstance(template, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(template):
            got = (f"{len(value)} items" if isinstance(value, (list, tuple))
                   else type(value).__name__)
            return (f"the analytic gradient of {path} must have {len(template)} items like "
                    f"{path}, got {got}")
        for i, (sub, val) in enumerate(zip(template, value, strict=True)):
            why = _same_structure(sub, val, f"{path}[{i}]")
            if why:
                return why
        return None
    if is_tree(value):
        return (f"the analytic gradient of {path} is a {type(value).__name__}, but {path} is "
                "one array")
    return None
