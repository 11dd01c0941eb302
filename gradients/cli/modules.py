"""User catalogs: ``gradients verify --module mypkg.derivations`` (and export, show, try).

A user's module lists its derivations in a module-level ``DERIVATIONS``, a list (or tuple) of
:class:`gradients.Derivation` records, the same record as our catalog's::

    # mypkg/derivations.py
    from gradients import Derivation

    DERIVATIONS = [
        Derivation(id="xent", title="Softmax cross-entropy", formula=r"(P - Y) / N",
                   loss=xent, grad=xent_grad, variables=("Z", "y"), inputs=logits_and_labels),
    ]

:func:`load_derivations` imports it (by name, from the current directory or ``sys.path``, or
from a ``.py`` file path) and checks the list. Every problem is a :class:`ModuleError` with a
one-line message naming the module, which the command prints with exit status 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from gradients.catalog import Derivation

__all__ = ["ModuleError", "load_derivations"]


class ModuleError(Exception):
    """The user's module could not be imported, or its ``DERIVATIONS`` is not usable."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, SyntaxError) and exc.lineno:
        text = f"{exc.msg} ({Path(exc.filename or '?').name}, line {exc.lineno})"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import(spec: str) -> ModuleType:
    if spec.endswith(".py") or os.sep in spec or (os.altsep and os.altsep in spec):
        path = Path(spec)
        if not path.is_file():
            raise ModuleError(f"cannot read module file {spec}: no such file")
        name = f"_gradients_user_{path.stem}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ModuleError(f"cannot import {spec}: not a Python module")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[name] = module
        if str(path.resolve().parent) not in sys.path:  # its sibling modules import too
            sys.path.insert(0, str(path.resolve().parent))
        try:
            loader_spec.loader.exec_module(module)
        except OSError as exc:
            raise ModuleError(f"cannot read module file {spec}: {exc.strerror or exc}") from None
        except Exception as exc:  # noqa: BLE001 - the user's code: report, don't crash
            raise ModuleError(_import_failed(spec, exc)) from None
        return module
    if not all(part.isidentifier() for part in spec.split(".")):
        raise ModuleError(f"--module takes a module name such as mypkg.derivations, or a path "
                          f"to a .py file; got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:  # the console script does not add it
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name and spec.startswith(exc.name):
            raise ModuleError(
                f"cannot import module {spec!r}: no module named {exc.name!r} (run from the "
                "directory that contains it, or add that directory to PYTHONPATH)"
            ) from None
        raise ModuleError(_import_failed(spec, exc)) from None
    except Exception as exc:  # noqa: BLE001 - the user's code: report, don't crash
        raise ModuleError(_import_failed(spec, exc)) from None


def _import_failed(spec: str, exc: BaseException) -> str:
    return (f"cannot import module {spec!r}: {_one_line(exc)} (see the traceback with: "
            f"python -c \"import {spec}\")" if not spec.endswith(".py") else
            f"cannot import {spec}: {_one_line(exc)} (see the traceback with: python {spec})")


def load_derivations(spec: str) -> tuple[Derivation, ...]:
    """Import ``spec`` (a module name, or a ``.py`` path) and return its ``DERIVATIONS``.

    Raises
    ------
    ModuleError
        The module can't be imported (its error in one line); it has no ``DERIVATIONS``; it is
        not a list or tuple, or is empty; an item is not a :class:`gradients.Derivation`; or
        two items share an id.

    Examples
    --------
    >>> load_derivations("no_such_module_xyz")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradients.cli.modules.ModuleError: cannot import module 'no_such_module_xyz': ...
    """
    module = _import(spec)
    if not hasattr(module, "DERIVATIONS"):
        raise ModuleError(f"module {spec!r} has no DERIVATIONS: define a module-level list "
                          "DERIVATIONS = [Derivation(...), ...] of gradients.Derivation records")
    items = module.DERIVATIONS
    if not isinstance(items, (list, tuple)):
        raise ModuleError(f"{spec}.DERIVATIONS must be a list of gradients.Derivation records, "
                          f"not a {type(items).__name__}")
    if not items:
        raise ModuleError(f"{spec}.DERIVATIONS is empty: list at least one gradients.Derivation")
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, Derivation):
            raise ModuleError(f"{spec}.DERIVATIONS[{i}] is a {type(item).__name__}, not a "
                              "gradients.Derivation record")
        if item.id in seen:
            raise ModuleError(f"{spec}.DERIVATIONS: the id {item.id!r} is used twice")
        seen.add(item.id)
    return tuple(items)
