"""Which derivations a command works on: the catalog or a user's module, ids, problem numbers.

:func:`select` turns the ids given on the command line into derivations (each once, in the
order given; a bare problem number selects every entry of that problem), and an unknown id
into a :class:`~gradients.cli.usage.UsageError` with the closest known ids.
:func:`complex_filter` keeps the derivations whose loss takes the complex step.

>>> from gradients.catalog import CATALOG
>>> [d.id for d in select(["1b", "1a", "1b"], CATALOG)]
['1b', '1a']
>>> select(["1B"], CATALOG)
Traceback (most recent call last):
...
gradients.cli.usage.UsageError: unknown derivation id '1B'; did you mean '1b'? (known: ...)
"""

from __future__ import annotations

import argparse
import difflib
import warnings
from collections.abc import Sequence

from gradients.catalog import CATALOG, Derivation
from gradients.cli.usage import UsageError

__all__ = ["catalog_of", "complex_filter", "complex_safe", "select", "unknown_id"]


def catalog_of(ns: argparse.Namespace) -> tuple[Derivation, ...]:
    spec = getattr(ns, "module", None)
    if spec is None:
        return CATALOG
    from gradients.cli.modules import ModuleError, load_derivations

    try:
        return load_derivations(spec)
    except ModuleError as exc:
        raise UsageError(str(exc)) from None


def unknown_id(item_id: str, known: Sequence[str], where: str) -> UsageError:
    folded = {k.casefold(): k for k in known}
    close = [folded[c] for c in difflib.get_close_matches(item_id.casefold(), list(folded),
                                                           n=3, cutoff=0.6)]
    same = [k for k in known if k.casefold() == item_id.casefold()]
    close = same or close
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return UsageError(f"unknown derivation id {item_id!r}{where}{hint} (known: "
                      f"{', '.join(known)})")


def select(ids: Sequence[str], catalog: Sequence[Derivation],
            ns: argparse.Namespace | None = None, *, problems: bool = False) -> list[Derivation]:
    """The derivations with these ids, each once, in the order given (all if none).

    With ``problems``, a bare problem number that is not an id (``7``) selects every entry
    of that problem: its answers, second-order facts and chain-rule steps (``7a``, ``7b``,
    ``7-W0``, ..., ``7-ds/dh``), so that ``gradients verify 7`` checks every step.
    """
    if not ids:
        return list(catalog)
    by_id = {d.id: d for d in catalog}
    spec = getattr(ns, "module", None)
    where = f" in {spec}" if spec else ""
    chosen: list[Derivation] = []
    for i in dict.fromkeys(ids):  # repeated ids are verified once
        if i in by_id:
            chosen.append(by_id[i])
            continue
        family = [d for d in catalog if problems and i.isdigit() and d.id.startswith(i)
                  and not d.id[len(i):len(i) + 1].isdigit()]
        if not family:
            raise unknown_id(i, list(by_id), where)
        chosen.extend(d for d in family if d not in chosen)
    return chosen


def complex_safe(d: Derivation) -> str | None:
    """``None`` if ``d``'s loss takes the complex step, else the reason it does not."""
    from hypothesis import HealthCheck, Phase, find, settings

    from checks import check_gradient

    try:
        drawn = find(d.inputs(), lambda a: True, settings=settings(
            database=None, phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
            derandomize=True))
        args = d.check_args(tuple(drawn))
        f, grad = d.check_functions()
        if d.kind in ("hessian", "hvp", "jacobian", "vjp"):
            return "its check (a Jacobian, Hessian or VJP) uses real steps"
        with warnings.catch_warnings():  # a loss that casts complex to real warns: it's the probe
            warnings.simplefilter("ignore")
            check_gradient(f, grad, args, argnum=d.argnum, method="complex", **d.options(args))
    except Exception as exc:  # noqa: BLE001 - whatever refuses complex input
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def complex_filter(selected: list[Derivation]) -> tuple[list[Derivation], list[str]]:
    """The derivations that can be checked with the complex step, and the others' ids."""
    safe, unsafe, reasons = [], [], []
    for d in selected:
        reason = complex_safe(d)
        if reason is None:
            safe.append(d)
        else:
            unsafe.append(d.id)
            reasons.append(reason)
    if not safe:
        ids = ", ".join(unsafe)
        raise UsageError(
            f"--method complex needs a loss that accepts complex input (the complex step), and "
            f"the loss of {ids} does not ({reasons[0][:100]}); use --method richardson "
            "(default), central or forward"
        )
    return safe, unsafe
