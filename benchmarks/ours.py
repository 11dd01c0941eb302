"""Adapters for this project's engine: every method in full and directional mode, and the
Taylor test. Each calls :func:`checks.check_gradient` at default settings (only ``method``
and ``mode`` are chosen), so the verdict is the default verdict.

The complex-step rows evaluate the problem's complex-safe twin (the catalog's functions reject
complex input); every other row evaluates the catalog's own loss.
"""

from __future__ import annotations

from benchmarks.measure import Outcome, Tool
from checks import DEFAULT_DIRECTIONS, STEP_FACTORS, check_gradient, taylor_test

__all__ = ["OursDirectional", "OursFull", "OursTaylor", "our_tools"]

METHODS = ("richardson", "central", "forward", "complex")


def _f(problem, method):
    return problem.f_complex if method == "complex" else problem.f


class OursFull(Tool):
    """``check_gradient(f, grad, (x,), method=method)``: every entry."""

    family = "ours"
    scope = "full"
    has_verdict = True

    def __init__(self, method: str = "richardson"):
        self.method = method
        default = " (default)" if method == "richardson" else ""
        self.name = f"ours full {method}{default}"
        self.scheme = f"{method}, h = {STEP_FACTORS[method]:.3g}·max(|x_k|, rms x), error bar"

    def check(self, problem, grad):
        r = check_gradient(_f(problem, self.method), grad, (problem.x,), method=self.method)
        return Outcome(r.ok, r.numerical, problem.exact)


class OursDirectional(Tool):
    """``check_gradient(..., mode="directional")``: ``DEFAULT_DIRECTIONS`` random directions."""

    family = "ours"
    scope = "directional"
    has_verdict = True

    def __init__(self, method: str = "richardson"):
        self.method = method
        default = " (default)" if method == "richardson" else ""
        self.name = f"ours directional {method}{default}"
        self.scheme = f"{method} along {DEFAULT_DIRECTIONS} random directions, error bar"

    def check(self, problem, grad):
        r = check_gradient(
            _f(problem, self.method), grad, (problem.x,), method=self.method, mode="directional"
        )
        # ``r.analytic`` holds <grad, v_j>: the reference only when grad is the exact one
        reference = r.analytic if grad == problem.grad else None
        return Outcome(r.ok, r.numerical if reference is not None else None, reference)

    def numerical(self, problem):
        r = check_gradient(
            _f(problem, self.method), problem.grad, (problem.x,), method=self.method,
            mode="directional",
        )
        return r.numerical, r.analytic


class OursTaylor(Tool):
    """``taylor_test(...)``: the order of the Taylor remainder."""

    name = "ours taylor"
    family = "ours"
    scope = "taylor"
    has_verdict = True
    scheme = "order of f(x+hv)-f(x)-h<g,v> over h = 1e-1..1e-10, no step, no tolerance"

    def check(self, problem, grad):
        r = taylor_test(problem.f, grad, (problem.x,))
        order = "nan" if r.order != r.order else f"{r.order:.2f}"
        return Outcome(r.ok, detail=f"order {order}")


def our_tools() -> list[Tool]:
    """The nine rows of this engine, in table order."""
    tools: list[Tool] = [OursFull(m) for m in METHODS]
    tools += [OursDirectional(m) for m in METHODS]
    tools.append(OursTaylor())
    return tools
