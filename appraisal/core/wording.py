"""The core's rules in words: one sentence for each, which every view prints.

The GUI, the PDF summary, the workbook and the command line each used to type
these sentences out themselves, and the copies drifted (issue 12). Each is made
here from the constant that is the rule (``SHOVEL_READY_MIN_SCORE``,
``VFM_BANDS``...), so that changing the rule changes every sentence with it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .appraise import SHOVEL_READY_MAX_MONTHS, SHOVEL_READY_MIN_SCORE
from .results import VFM_BANDS, VFM_LOWEST

if TYPE_CHECKING:
    from .results import PortfolioResults

__all__ = ["UNDEFINED_REASONS", "provenance", "results_provenance", "shovel_ready_rule",
           "undefined_reason", "vfm_bands_text"]


def shovel_ready_rule(short: bool = False) -> str:
    """The shovel-ready rule (METHOD.md 7): 'a readiness score of 80 or more and a start
    within 12 months', or with ``short`` 'score 80+, start within 12 months'."""
    if short:
        return f"score {SHOVEL_READY_MIN_SCORE:g}+, start within {SHOVEL_READY_MAX_MONTHS:g} months"
    return (f"a readiness score of {SHOVEL_READY_MIN_SCORE:g} or more and a start within "
            f"{SHOVEL_READY_MAX_MONTHS:g} months")


def vfm_bands_text() -> str:
    """The value-for-money bands (METHOD.md 3) from ``VFM_BANDS``, lowest first:
    'very poor below 0, poor 0-1, low 1-1.5, medium 1.5-2, high 2-4, very high 4+'."""
    ascending = list(reversed(VFM_BANDS))
    parts = [f"{VFM_LOWEST} below {ascending[0][0]:g}"]
    for k, (lower, label) in enumerate(ascending):
        upper = ascending[k + 1][0] if k + 1 < len(ascending) else None
        parts.append(f"{label} {lower:g}+" if upper is None else f"{label} {lower:g}-{upper:g}")
    return ", ".join(parts)


def provenance(pack_id: str, pack_vintage: str, *, carbon_series: str | None = None,
               energy_series: str | None = None, discount_schedule: str | None = None,
               price_base_year: int | None = None, appraisal_year: int | None = None,
               vfm_basis_name: str | None = None) -> str:
    """Where the figures come from, in one order: 'Assumptions ID (VINTAGE); carbon
    values central; energy prices central; discounting standard; £ at 2024 prices;
    appraisal year 2025; value for money on the funder BCR' (the parts given; no
    full stop, so that a caller may go on)."""
    parts = [f"Assumptions {pack_id} ({pack_vintage})"]
    if carbon_series:
        parts.append(f"carbon values {carbon_series}")
    if energy_series:
        parts.append(f"energy prices {energy_series}")
    if discount_schedule:
        parts.append(f"discounting {discount_schedule}")
    if price_base_year is not None:
        parts.append(f"£ at {price_base_year} prices")
    if appraisal_year is not None:
        parts.append(f"appraisal year {appraisal_year}")
    if vfm_basis_name:
        parts.append(f"value for money on the {vfm_basis_name}")
    return "; ".join(parts)


def results_provenance(results: PortfolioResults, *, energy: bool = True, prices: bool = True,
                       vfm_basis_name: str | None = None) -> str:
    """:func:`provenance` of an appraisal's results (its pack and choices)."""
    return provenance(results.pack_id, results.pack_vintage, carbon_series=results.carbon_series,
                      energy_series=results.energy_series if energy else None,
                      discount_schedule=results.discount_schedule,
                      price_base_year=results.price_base_year if prices else None,
                      appraisal_year=results.appraisal_year, vfm_basis_name=vfm_basis_name)


_PAYBACK = "none: never negative, or still negative in the last year"
UNDEFINED_REASONS: dict[str, str] = {
    "bcr": "not defined: no costs",
    "bcr_public": "not defined: no public costs",
    "vfm_category_unadjusted": "not defined without a BCR on the basis",
    "vfm_category": "not defined without a BCR on the basis",
    "cost_per_tco2e_gbp": "not defined: no carbon saved",
    "public_cost_per_tco2e_gbp": "not defined: no carbon saved",
    "public_cost_per_direct_tco2e_gbp": "not defined: no direct tonnes saved",
    "cost_per_net_job_gbp": "not defined: no net jobs",
    "switching_benefits_fall": "not defined: PVB is zero",
    "switching_costs_rise": "not defined: PVC is zero",
    "financial_irr": "none: the cash flows do not change sign, or no rate solves NPV = 0",
    "payback_year": _PAYBACK,
    "discounted_payback_year": _PAYBACK,
    "psds_test_passed": "the test does not apply to the category",
    "gap_sector": "the category is in no gap sector: no contribution",
}


def undefined_reason(key: str, flows: np.ndarray | None = None) -> str | None:
    """Why a result (a FORMAT.md 3 key) is undefined (METHOD.md 3 to 5), or None for a
    key that is always defined.

    With ``flows``, the project's flows from the appraisal year (its financial cash
    flow for the IRR and payback, its discounted net benefits for the discounted
    payback), the reason is the one that applies rather than both that may.
    """
    if flows is not None and key == "financial_irr":
        return ("no rate solves NPV = 0" if (flows > 0).any() and (flows < 0).any()
                else "cash never changes sign")
    if flows is not None and key in ("payback_year", "discounted_payback_year"):
        return "not repaid in its life" if (np.cumsum(flows) < 0).any() else "never in deficit"
    return UNDEFINED_REASONS.get(key)
