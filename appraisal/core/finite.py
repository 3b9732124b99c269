"""The last guard: a figure that overflowed is an input error, never a blank.

The ranges of :mod:`appraisal.core.limits` keep every sound appraisal finite.
Inputs that did not pass through the parser (a Python caller building
``ProjectInputs`` itself, a pack assembled in code) could still overflow;
this module finds such figures after the computation and names the project,
and the input most likely at fault, in an :class:`InputError`, instead of
letting a NaN become a blank cell, a ``nan`` in a table or a project that
``select`` silently drops.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np

from .errors import InputError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from .portfolio import PortfolioInputs
    from .results import PortfolioResults

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Measures that are undefined (NaN) by design for some projects: a ratio over
# nothing, a payback that never comes, a test that does not apply, a field left out.
MAY_BE_UNDEFINED = frozenset({
    "bcr", "bcr_public", "cost_per_net_job_gbp", "cost_per_tco2e_gbp", "discounted_payback_year",
    "financial_irr", "payback_year", "psds_test_passed", "public_cost_per_direct_tco2e_gbp",
    "public_cost_per_tco2e_gbp", "switching_benefits_fall", "switching_costs_rise",
    "months_to_start", "optimism_bias", "construction_job_years_per_million",
})
# ratios (measure -> its denominator): NaN where the denominator is not zero is an overflow
RATIO_DENOMINATORS = {"bcr": "pv_costs_gbp", "bcr_public": "pv_costs_public_gbp",
                      "switching_costs_rise": "pv_costs_gbp",
                      "switching_benefits_fall": "pv_benefits_gbp"}
SUSPECT_ABOVE = 1e12      # an input this large, or
SUSPECT_BELOW = 1e-6      # this small but not zero, is named as the likely cause


def overflowed(results: PortfolioResults) -> dict[int, list[str]]:
    """Per project (index), the measures that are not finite where they must be."""
    bad: dict[int, list[str]] = {}
    m = results.metrics
    for key, values in m.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1:
            continue
        wrong = np.isinf(values)
        if key not in MAY_BE_UNDEFINED:
            wrong |= np.isnan(values)
        den = RATIO_DENOMINATORS.get(key)
        if den is not None and den in m:
            d = np.asarray(m[den], dtype=float)
            wrong |= np.isnan(values) & np.isfinite(d) & (d != 0)
        for i in np.flatnonzero(wrong):
            bad.setdefault(int(i), []).append(key)
    return bad


# the parts of a project's tuples, named as the portfolio file names them (FORMAT.md 1, 4)
TUPLE_PARTS = {"energy_changes": ("fuel", "quantity_per_year"),
               "renewals": ("label", "cost", "every_years")}


def suspects(project: Any) -> list[str]:
    """The numeric inputs of a project far outside everyday sizes, by field path."""
    out = []
    for f in fields(project):
        value = getattr(project, f.name)
        if f.name in TUPLE_PARTS:
            value = [dict(zip(TUPLE_PARTS[f.name], item)) for item in value]
        for path, x in _numbers(f.name, value):
            if not math.isfinite(x) or abs(x) > SUSPECT_ABOVE or 0 < abs(x) < SUSPECT_BELOW:
                out.append(path)
    return out


def _numbers(path: str, v: Any) -> Iterator[tuple[str, float]]:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return
    if isinstance(v, (int, float)):
        yield path, float(v)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from _numbers(f"{path}.{k}", x)
    elif isinstance(v, (tuple, list)):
        for k, x in enumerate(v):
            yield from _numbers(f"{path}[{k}]", x)
    elif hasattr(v, "__dataclass_fields__"):
        for f in fields(v):
            yield from _numbers(f"{path}.{f.name}", getattr(v, f.name))


def ensure_finite(results: PortfolioResults, inputs: PortfolioInputs) -> None:
    """Raise :class:`InputError` naming every project whose figures overflowed."""
    bad = overflowed(results)
    if not bad:
        return
    problems = []
    for i in sorted(bad):
        project = inputs.projects[i] if i < len(inputs.projects) else None
        names = ", ".join(k.replace("_", " ") for k in bad[i][:4])
        found = suspects(project) if project is not None else []
        field = found[0] if len(found) == 1 else None
        hint = (f"; look at {', '.join(found[:4])}" if found else
                "; look for an amount far too large or a non-zero amount far too small")
        problems.append(Problem(f"the appraisal overflows (no finite {names}): an input is "
                                f"outside the range the method can compute with{hint}",
                                project=results.ids[i] if i < len(results.ids) else None,
                                field=field))
    raise InputError(problems)


def non_finite_paths(obj: Any, path: str = "") -> list[str]:
    """Where a JSON-ready result holds NaN or infinity (which JSON cannot carry)."""
    if isinstance(obj, float):
        return [] if math.isfinite(obj) else [path or "result"]
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        return [] if np.isfinite(obj).all() else [path or "result"]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in non_finite_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(obj, (list, tuple)):
        return [p for k, v in enumerate(obj) for p in non_finite_paths(v, f"{path}[{k}]")]
    if hasattr(obj, "to_dict"):
        return non_finite_paths(obj.to_dict(), path)
    if hasattr(obj, "to_records"):
        return non_finite_paths(obj.to_records(), path)
    return []


def finite_output(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate an analysis (sensitivity, Monte Carlo, selection): numpy's overflow
    warnings are not printed, and a result holding NaN or infinity is an
    :class:`InputError` naming the figure, never a ``nan`` printed or a project
    silently left out."""
    import functools

    def wrap(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(fn)
        def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                out = fn(*args, **kwargs)
            bad = non_finite_paths(out.to_dict() if hasattr(out, "to_dict") else out)
            if bad:
                raise InputError([Problem(
                    f"the {what} overflows at {', '.join(bad[:3])}: an input is outside the "
                    "range the method can compute with", field=None)])
            return out
        return run
    return wrap
