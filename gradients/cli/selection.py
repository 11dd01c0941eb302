"""Which derivations a command works on: the catalog or a user's module, ids, problem numbers.

:func:`select` turns the ids given on the command line into derivations (each once, in
catalog order; a bare problem number selects every entry of that problem), and an unknown id
into a :class:`~gradients.cli.usage.UsageError` with the closest known ids;
:func:`select_one` is the one entry ``gradients try`` works on.
:func:`complex_filter` keeps the derivations whose loss takes the complex step.

>>> from gradients.catalog import CATALOG
>>> [d.id for d in select(["1b", "1a", "1b"], CATALOG)]
['1a', '1b']
>>> [d.id for d in select(["2"], CATALOG)]
['2', '2-step', '2-hess', '2-newton']
>>> [d.id for d in select(["=2"], CATALOG)]
['2']
>>> select(["1B"], CATALOG)
Traceback (most recent call last):
...
gradients.cli.usage.UsageError: unknown derivation id '1B'; did you mean '1b'? (known: ...)
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
import warnings
from collections.abc import Sequence

from gradients.catalog import CATALOG, Derivation
from gradients.cli.usage import UsageError

__all__ = ["catalog_of", "complex_filter", "complex_safe", "problem_of", "select", "select_one",
           "unknown_id"]


def catalog_of(ns: argparse.Namespace) -> tuple[Derivation, ...]:
    spec = getattr(ns, "module", None)
    if spec is None:
        return CATALOG
    from gradients.cli.modules import ModuleError, load_derivations

    try:
        return load_derivations(spec)
    except ModuleError as exc:
        raise UsageError(str(exc)) from None


def problem_of(derivation_id: str) -> str | None:
    """The problem number an id belongs to (its leading digits), or ``None``.

    >>> problem_of("7-ds/dh"), problem_of("1k-hvp"), problem_of("2"), problem_of("xent")
    ('7', '1', '2', None)
    """
    match = re.match(r"\d+", derivation_id)
    return match.group(0) if match else None


def _family(number: str, catalog: Sequence[Derivation]) -> list[Derivation]:
    return [d for d in catalog if number.isdigit() and problem_of(d.id) == number]


def unknown_id(item_id: str, known: Sequence[str], where: str) -> UsageError:
    folded = {k.casefold(): k for k in known}
    close = [folded[c] for c in difflib.get_close_matches(item_id.casefold(), list(folded),
                                                           n=3, cutoff=0.6)]
    same = [k for k in known if k.casefold() == item_id.casefold()]
    number = problem_of(item_id)
    if not close and number:  # '7c': the closest entries of problem 7
        family = {k.casefold(): k for k in known if problem_of(k) == number}
        close = [family[c] for c in difflib.get_close_matches(item_id.casefold(), list(family),
                                                              n=3, cutoff=0.3)]
    close = same or close
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listing = "gradients list" + (f" --module {where.removeprefix(' in ')}" if where else "")
    return UsageError(f"unknown derivation id {item_id!r}{where}{hint} (known: "
                      f"{', '.join(known)}; '{listing}' shows each with its title)")


def select(ids: Sequence[str], catalog: Sequence[Derivation],
           ns: argparse.Namespace | None = None) -> list[Derivation]:
    """The derivations with these ids, each once, in catalog order (all if none).

    A bare problem number (``2``, ``7``) selects every entry of that problem: its answers,
    second-order facts and chain-rule steps (``7a``, ``7b``, ``7-W0``, ..., ``7-ds/dh``), so
    that ``gradients verify 7`` checks every step -- also when the number is itself an id
    (``2`` selects ``2``, ``2-step``, ``2-hess``, ``2-newton``). An id written after ``=``
    is that entry alone, never its problem (``=2`` selects ``2`` only). An id given twice, or
    covered by its problem number, is selected once.
    """
    if not ids:
        return list(catalog)
    by_id = {d.id: d for d in catalog}
    spec = getattr(ns, "module", None)
    where = f" in {spec}" if spec else ""
    wanted: set[str] = set()
    for i in ids:
        if i.startswith("=") and i[1:] in by_id:
            wanted.add(i[1:])
            continue
        if i.startswith("="):
            raise unknown_id(i[1:], list(by_id), where)
        family = _family(i, catalog)
        if family:
            wanted.update(d.id for d in family)
        elif i in by_id:
            wanted.add(i)
        else:
            raise unknown_id(i, list(by_id), where)
    return [d for d in catalog if d.id in wanted]


def select_one(item_id: str, catalog: Sequence[Derivation],
               ns: argparse.Namespace | None = None) -> Derivation:
    """The one entry ``gradients try ID`` checks a candidate against.

    An id is that entry (``2`` is entry 2, and so is ``=2``, as the other commands take it);
    a problem number that is not an id selects its only entry, and with several it is a
    :class:`UsageError` listing them to choose from.

    >>> select_one("7", CATALOG)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gradients.cli.usage.UsageError: problem 7 has several entries; choose one: 7a, 7b, ...
    """
    by_id = {d.id: d for d in catalog}
    if item_id.startswith("=") and item_id[1:] in by_id:
        return by_id[item_id[1:]]
    if item_id in by_id:
        return by_id[item_id]
    if item_id.startswith("="):
        spec = getattr(ns, "module", None)
        raise unknown_id(item_id[1:], list(by_id), f" in {spec}" if spec else "")
    family = _family(item_id, catalog)
    if len(family) == 1:
        return family[0]
    if family:
        command = "try" if ns is None else getattr(ns, "command", "try") or "try"
        raise UsageError(f"problem {item_id} has several entries; choose one: "
                         f"{', '.join(d.id for d in family)} (e.g. gradients {command} "
                         f"{family[0].id} ...; 'gradients show {item_id}' shows them all)")
    spec = getattr(ns, "module", None)
    raise unknown_id(item_id, list(by_id), f" in {spec}" if spec else "")


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
        loss = d.loss.func if isinstance(d.loss, functools.partial) else d.loss
        stated = getattr(loss, "not_complex_analytic", None)  # its module says why
        if stated:
            return str(stated)
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
