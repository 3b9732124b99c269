"""Hypothesis strategies for random portfolios with every method-version-2 field.

Values stay within the documented ranges (FORMAT.md 1 and 4) and within what
each pack can answer (deflator years for price years, the pack's fuels and
categories). Money is rounded to the penny and shares to four places, as a
user types them.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

CATEGORIES = ("heat_pumps", "building_retrofit", "ev_charging", "public_transport",
              "active_travel", "green_space", "hydrogen", "renewable_generation", "broadband",
              "other")
SPATIAL_LEVELS = ("neighbourhood", "local", "sub-regional", "regional")
SECTORS = ("domestic", "commercial", "industrial", "transport")
ALL_FUELS = ("grid_electricity", "natural_gas", "heating_oil", "lpg", "petrol", "diesel")


@dataclass(frozen=True)
class PackInfo:
    """What a pack can answer: its fuels, and the years to draw."""

    fuels: tuple[str, ...]
    price_years: tuple[int, int]          # within the deflator (or just past it, v2)
    appraisal_years: tuple[int, int]
    schedules: tuple[str, ...]
    v2: bool = True


SMALL = PackInfo(fuels=("grid_electricity", "natural_gas", "petrol"), price_years=(2028, 2032),
                 appraisal_years=(2029, 2031), schedules=("standard", "reduced"))
PACK_2026_INFO = PackInfo(fuels=ALL_FUELS, price_years=(2015, 2027), appraisal_years=(2023, 2030),
                          schedules=("standard", "reduced"))
V1 = PackInfo(fuels=ALL_FUELS, price_years=(2015, 2024), appraisal_years=(2019, 2024),
              schedules=("standard",), v2=False)


def rounded(lo: float, hi: float, places: int) -> st.SearchStrategy:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False).map(lambda x: round(x, places))


def optional(s: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | s


money = rounded(0, 5e6, 2)
fraction = rounded(0, 1, 4)


@st.composite
def year_map(draw, first: int, last: int, values: st.SearchStrategy, min_size: int = 0,
             max_size: int = 3) -> dict[str, float]:
    years = draw(st.lists(st.integers(first, last), min_size=min_size, max_size=max_size,
                          unique=True))
    return {str(y): draw(values) for y in sorted(years)}


@st.composite
def v2_projects(draw, info: PackInfo, A: int | None = None) -> dict:
    """One project; every v2 field present or left to its default at random."""
    if A is None:
        A = draw(st.integers(*info.appraisal_years))
    category = draw(st.sampled_from(CATEGORIES))
    capex = draw(year_map(A - 2, A + 3, rounded(1e3, 5e6, 2), min_size=0, max_size=3))
    lifetime = draw(st.integers(1, 12))
    p: dict = {
        "id": "P", "name": "random project", "category": category,
        "spatial_level": draw(optional(st.sampled_from(SPATIAL_LEVELS))),
        "price_year": draw(optional(st.integers(*info.price_years))),
        "capex": capex,
        "public_funding_share": draw(optional(fraction)),
        "opex_per_year": draw(optional(rounded(0, 2e5, 2))),
        "operating_start": draw(optional(st.integers(A - 2, A + 4))),
        "lifetime_years": lifetime,
        "energy_changes": draw(st.lists(st.fixed_dictionaries({
            "fuel": st.sampled_from(info.fuels),
            "quantity_per_year": rounded(-2e6, 1e6, 3)}), max_size=3)),
        "other_benefits": draw(st.lists(st.one_of(
            st.fixed_dictionaries({"label": st.just("stream"),
                                   "kind": st.sampled_from(["economic", "revenue"]),
                                   "per_year": rounded(-1e5, 5e5, 2)},
                                  optional={"discounting": st.sampled_from(["standard", "health"])}
                                  if info.v2 else {}),
            st.fixed_dictionaries({"label": st.just("profile"),
                                   "kind": st.sampled_from(["economic", "revenue"]),
                                   "profile": year_map(A - 2, A + 15, rounded(-1e5, 5e5, 2))},
                                  optional={"discounting": st.sampled_from(["standard", "health"])}
                                  if info.v2 else {})), max_size=3)),
        "bill_savings_to_promoter": draw(st.booleans()),
        "optimism_bias": draw(optional(rounded(0, 1, 2))),
        "ob_mitigation": draw(optional(rounded(0, 0.9, 2))),
        "job_years_per_million": draw(optional(rounded(0, 20, 1))),
        "operational_fte": draw(optional(rounded(0, 20, 1))),
        "additionality": draw(st.fixed_dictionaries({}, optional={
            "deadweight": optional(fraction), "leakage": optional(fraction),
            "displacement": optional(fraction), "substitution": optional(fraction),
            "multiplier": optional(rounded(1, 2, 2))})),
        "readiness": draw(st.fixed_dictionaries({}, optional={
            "planning_consent": st.booleans(), "site_secured": st.booleans(),
            "procurement_ready": st.booleans(), "match_funding_confirmed": st.booleans(),
            "months_to_start": optional(st.sampled_from([0, 3, 6, 7, 12, 13, 24]))})),
    }
    if draw(st.booleans()):
        p["public_funding"] = draw(year_map(A - 2, A + 3, rounded(0, 3e6, 2), max_size=3))
    if not info.v2:
        return p
    # -- version 2 fields (FORMAT.md 4) --
    v2 = {
        "energy_sector": optional(st.sampled_from(SECTORS)),
        "counterfactual_capex": year_map(A - 2, A + 3, rounded(0, 1e6, 2), max_size=2),
        "benefit_deadweight": optional(fraction),
        "comfort_taking": optional(rounded(0, 0.5, 4)),
        "car_km_removed": st.one_of(st.none(), rounded(0, 1e6, 1),
                                    year_map(A - 1, A + 10, rounded(0, 1e6, 1))),
        "added_peak_kw": optional(rounded(0, 500, 1)),
        "renewals": st.lists(st.fixed_dictionaries({
            "label": st.just("renewal"), "cost": rounded(0, 5e5, 2),
            "every_years": st.integers(1, 6)}), max_size=2),
        "residual_value": optional(rounded(0, 1e6, 2)),
        "asset_life_years": optional(st.integers(1, 30)),
        "business_case_stage": optional(st.sampled_from(["soc", "obc", "fbc"])),
        "tariffs": st.dictionaries(st.sampled_from(info.fuels), rounded(0.01, 3, 4), max_size=2),
        "vat_recoverable": optional(st.booleans()),
        "promoter_public": optional(st.booleans()),
    }
    for name, strategy in v2.items():
        if draw(st.booleans()):
            p[name] = draw(strategy)
    if draw(st.booleans()):
        p["vfm_adjustment"] = draw(st.sampled_from([-1, 0, 1]))
        p["vfm_adjustment_reason"] = "Non-monetised impacts"
    return p


@st.composite
def v2_portfolios(draw, info: PackInfo, max_projects: int = 4) -> dict:
    A = draw(st.integers(*info.appraisal_years))
    projects = draw(st.lists(v2_projects(info, A), min_size=1, max_size=max_projects))
    for i, p in enumerate(projects):
        p["id"] = f"P{i + 1}"
    d = {"format": "appraisal-portfolio", "version": 1, "name": "random portfolio",
         "appraisal_year": A, "projects": projects}
    fields = {
        "price_base_year": optional(st.integers(*info.price_years)),
        "discount_schedule": optional(st.sampled_from(info.schedules)),
        "carbon_series": optional(st.sampled_from(["low", "central", "high"])),
        "financial_discount_rate": optional(rounded(0, 0.15, 4)),
    }
    if info.v2:
        fields.update({
            "energy_series": optional(st.sampled_from(["low", "central", "high"])),
            "vfm_basis": optional(st.sampled_from(["public", "social"])),
            "financial_ob_share": optional(fraction),
            "financial_basis": optional(st.sampled_from(["real", "nominal"])),
        })
    for name, strategy in fields.items():
        if draw(st.booleans()):
            d[name] = draw(strategy)
    return d


def v1_portfolios() -> st.SearchStrategy:
    """Portfolios with version 1 fields only, for the v1 pack."""
    return v2_portfolios(V1)
