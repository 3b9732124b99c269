"""Shared by the method-version-2 oracle tests: the packs, the two
implementations under test, and small portfolio builders.

The test modules run under ``--import-mode=importlib`` and import this module
(and reference_v2) after putting tests/core on ``sys.path``.
"""
from __future__ import annotations

import copy
import functools
import math
from pathlib import Path
from typing import Any

from reference_v2 import ReferencePack, appraise_loaded, load_reference_pack

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL_PACK = DATA / "pack-v2-test"              # synthetic round numbers (its README)
PACK_2026 = DATA / "reference-pack-2026"        # copy of shared/data/reference-pack-2026
PACK_V1 = DATA / "reference-pack-v1"            # copy of shared/data/reference-pack (v1)
STATIC_PACKS = {SMALL_PACK.resolve(), PACK_2026.resolve(), PACK_V1.resolve()}

IMPLEMENTATIONS = ["reference", "core"]


@functools.cache
def _reference_pack(pack_dir: Path) -> ReferencePack:
    return load_reference_pack(pack_dir)


@functools.cache
def _core_pack(pack_dir: Path):
    from appraisal.core import load_pack
    return load_pack(pack_dir)


def reference_appraise(data: dict[str, Any], pack_dir: Path) -> dict[str, Any]:
    """tests/core/reference_v2.appraise_reference (the pack read once per folder)."""
    pack_dir = Path(pack_dir).resolve()
    pack = _reference_pack(pack_dir) if pack_dir in STATIC_PACKS else load_reference_pack(pack_dir)
    return appraise_loaded(copy.deepcopy(data), pack)


def core_appraise(data: dict[str, Any], pack_dir: Path) -> dict[str, Any]:
    """The core: load_pack, parse_portfolio, appraise_portfolio, to_dict (the
    pack is loaded once per static test folder)."""
    from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
    pack_dir = Path(pack_dir).resolve()
    pack = _core_pack(pack_dir) if pack_dir in STATIC_PACKS else load_pack(pack_dir)
    return appraise_portfolio(parse_portfolio(copy.deepcopy(data), pack), pack).to_dict()


def appraise(impl: str, data: dict[str, Any], pack_dir: Path = SMALL_PACK) -> dict[str, Any]:
    if impl == "reference":
        return reference_appraise(data, pack_dir)
    if impl == "core":
        return core_appraise(data, pack_dir)
    raise ValueError(impl)


def project(**fields: Any) -> dict[str, Any]:
    """A project (FORMAT.md 1): category ``other`` (commercial sector, no gap
    sector, standard_buildings OB 0.2) with no money and no operating years
    unless ``fields`` say otherwise."""
    p: dict[str, Any] = {"id": "P1", "name": "Test project", "category": "other",
                         "lifetime_years": 0}
    p.update(fields)
    return p


def portfolio(*projects: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A portfolio: appraisal year A = 2030 and a financial discount rate of 25%
    (so that 1/1.25 = 0.8) unless ``fields`` say otherwise; the other
    portfolio fields take METHOD.md's defaults (price base: the pack's
    default_price_base_year, 2030 in pack-v2-test)."""
    d: dict[str, Any] = {"format": "appraisal-portfolio", "version": 1, "name": "Test portfolio",
                         "appraisal_year": 2030, "financial_discount_rate": 0.25,
                         "projects": [copy.deepcopy(p) for p in projects]}
    d.update(fields)
    return d


def record(impl: str, *projects: dict[str, Any], pack_dir: Path = SMALL_PACK,
           **portfolio_fields: Any) -> dict[str, Any]:
    """The first project's result record."""
    return appraise(impl, portfolio(*projects, **portfolio_fields), pack_dir)["projects"][0]


def numbers_equal(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-6) -> bool:
    """None equals None; strings and booleans exactly; numbers within tolerance."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (bool, str)) or isinstance(b, (bool, str)):
        return a == b
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def compare_results(ref: dict[str, Any], other: dict[str, Any], rtol: float = 1e-9,
                    atol: float = 1e-6, path: str = "") -> list[str]:
    """Every key of ``ref`` (recursively, warnings aside) compared in ``other``:
    the differences, as readable lines."""
    out = []
    for key, value in ref.items():
        where = f"{path}.{key}" if path else key
        if key == "warnings" or key.startswith("_"):
            continue
        if key not in other:
            out.append(f"{where}: missing (reference {value!r})")
        elif isinstance(value, dict):
            if not isinstance(other[key], dict):
                out.append(f"{where}: {other[key]!r}, reference a mapping")
            else:
                out.extend(compare_results(value, other[key], rtol, atol, where))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            if len(value) != len(other[key]):
                out.append(f"{where}: {len(other[key])} items, reference {len(value)}")
            for i, (a, b) in enumerate(zip(value, other[key])):
                out.extend(compare_results(a, b, rtol, atol, f"{where}[{i}]"))
        elif isinstance(value, list):
            if value != other[key] and not (
                    len(value) == len(other[key])
                    and all(numbers_equal(a, b, rtol, atol) for a, b in zip(value, other[key]))):
                out.append(f"{where}: {other[key]!r}, reference {value!r}")
        elif not numbers_equal(value, other[key], rtol, atol):
            out.append(f"{where}: {other[key]!r}, reference {value!r}")
    return out
