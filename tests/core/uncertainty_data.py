"""Test data for the sensitivity and Monte Carlo tests (method v2).

:func:`v2_pack` copies the application's default pack and fills the v2 tables
the 2026 reference pack leaves empty (air quality, marginal external costs, a
traded carbon price, network reinforcement, embodied carbon, a category
deadweight), so that every v2 term of the present values is non-zero; with
``energy_series`` it adds low and high energy price rows for the named fuels
(a factor on each of the fuel's rows, resource and retail alike, duty held).
:func:`v2_portfolio` is a small portfolio using every v2 project input. The
figures are made up for the tests; no test asserts a figure of the example
portfolio or of the default pack.
"""
from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path
from typing import Any

from appraisal.resources import default_pack_dir

QUALITY = "illustrative"
SOURCE = "test data"


def _rewrite(path: Path, edit) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    fields, rows = edit(fields, rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def _append(path: Path, rows: list[dict[str, Any]]) -> None:
    _rewrite(path, lambda fields, old: (fields, old + [
        {**{f: "" for f in fields}, "source": SOURCE, "quality": QUALITY, **r} for r in rows]))


def v2_pack(dst: Path, *, energy_series: dict[str, tuple[float, float]] | None = None,
            carbon_scale: float = 1.0, price_scale: float = 1.0, v2_terms: bool = True) -> Path:
    """A copy of the default pack in ``dst`` (see the module's docstring).

    ``energy_series``: {fuel: (low factor, high factor)} on that fuel's rows;
    ``carbon_scale`` and ``price_scale`` multiply every carbon value and every
    energy price (for checking a factor on them against a full appraisal).
    """
    shutil.copytree(default_pack_dir(), dst)
    if v2_terms:
        _append(dst / "air_quality.csv", [
            {"fuel": "natural_gas", "sector": "", "year": 2020, "gbp_per_unit": 0.004,
             "price_year": 2022},
            {"fuel": "natural_gas", "sector": "", "year": 2035, "gbp_per_unit": 0.003,
             "price_year": 2022},
            {"fuel": "petrol", "sector": "transport", "year": 2020, "gbp_per_unit": 0.05,
             "price_year": 2022},
            {"fuel": "diesel", "sector": "", "year": 2020, "gbp_per_unit": 0.09, "price_year": 2022}])
        _append(dst / "marginal_external_costs.csv", [
            {"component": "congestion", "year": 2020, "gbp_per_car_km": 0.12, "price_year": 2022},
            {"component": "congestion", "year": 2035, "gbp_per_car_km": 0.15, "price_year": 2022},
            {"component": "accidents", "year": 2020, "gbp_per_car_km": 0.02, "price_year": 2022}])
        _append(dst / "traded_carbon_price.csv", [
            {"year": 2020, "gbp_per_tco2e": 60, "price_year": 2022},
            {"year": 2030, "gbp_per_tco2e": 90, "price_year": 2022}])

        def parameters(fields, rows):
            for r in rows:
                if r["name"] == "network_reinforcement_gbp_per_kw":
                    r["value"] = "120"
            return fields, rows
        _rewrite(dst / "parameters.csv", parameters)

        def categories(fields, rows):
            for r in rows:
                r["embodied_tco2e_per_million"] = "45"
                if r["category"] == "heat_pumps":
                    r["benefit_deadweight"] = "0.1"
            return fields, rows
        _rewrite(dst / "categories.csv", categories)

    if carbon_scale != 1.0:
        def carbon(fields, rows):
            for r in rows:
                for s in ("low", "central", "high"):
                    r[s] = repr(float(r[s]) * carbon_scale)
            return fields, rows
        _rewrite(dst / "carbon_values.csv", carbon)

    def prices(fields, rows):
        out = []
        for r in rows:
            r = dict(r)
            if price_scale != 1.0:
                r["gbp_per_unit"] = repr(float(r["gbp_per_unit"]) * price_scale)
            out.append(r)
            if energy_series and r["fuel"] in energy_series and not r["series"]:
                for series, factor in zip(("low", "high"), energy_series[r["fuel"]]):
                    out.append({**r, "series": series,
                                "gbp_per_unit": repr(float(r["gbp_per_unit"]) * factor),
                                "quality": QUALITY})
        return fields, out
    _rewrite(dst / "energy_prices.csv", prices)
    return dst


V2_PROJECTS: list[dict[str, Any]] = [
    {"id": "HP-1", "name": "Heat pumps with a boiler replacement due", "category": "heat_pumps",
     "capex": {"2026": 2_000_000, "2027": 1_000_000}, "counterfactual_capex": {"2027": 300_000},
     "public_funding_share": 0.6, "opex_per_year": 20_000, "lifetime_years": 20,
     "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -3_000_000},
                        {"fuel": "grid_electricity", "quantity_per_year": 800_000}],
     "renewals": [{"label": "Compressors", "cost": 200_000, "every_years": 8}],
     "asset_life_years": 25, "business_case_stage": "obc", "added_peak_kw": 300,
     "other_benefits": [{"label": "Avoided maintenance", "kind": "economic", "per_year": 60_000},
                        {"label": "Health from warmer homes", "kind": "economic",
                         "per_year": 40_000, "discounting": "health"}],
     "operational_fte": 2},
    {"id": "RET-2", "name": "Council retrofit", "category": "building_retrofit",
     "capex": {"2026": 1_500_000}, "public_funding": {"2026": 1_000_000},
     "opex_per_year": 5_000, "lifetime_years": 30,
     "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -2_500_000},
                        {"fuel": "heating_oil", "quantity_per_year": -200_000}],
     "residual_value": 100_000, "promoter_public": True, "bill_savings_to_promoter": True,
     "other_benefits": [{"label": "Comfort and health", "kind": "economic", "per_year": 30_000}]},
    {"id": "BUS-3", "name": "Electric buses", "category": "public_transport",
     "capex": {"2026": 3_000_000, "2027": 3_000_000, "2028": 3_000_000},
     "counterfactual_capex": {"2026": 2_000_000}, "business_case_stage": "soc",
     "public_funding_share": 0.5, "opex_per_year": 150_000, "lifetime_years": 15,
     "energy_changes": [{"fuel": "diesel", "quantity_per_year": -400_000},
                        {"fuel": "grid_electricity", "quantity_per_year": 1_500_000}],
     "car_km_removed": 3_000_000, "added_peak_kw": 1_200,
     "renewals": [{"label": "Batteries", "cost": 900_000, "every_years": 7}],
     "other_benefits": [{"label": "Journey time", "kind": "economic",
                         "profile": {"2028": 300_000, "2029": 450_000, "2030": 500_000}},
                        {"label": "Fares", "kind": "revenue", "per_year": 200_000}],
     "benefit_deadweight": 0.2, "operational_fte": 6},
    {"id": "CYC-4", "name": "Cycle routes", "category": "active_travel",
     "capex": {"2026": 1_200_000}, "public_funding_share": 1.0, "opex_per_year": 10_000,
     "lifetime_years": 25, "energy_changes": [{"fuel": "petrol", "quantity_per_year": -60_000}],
     "car_km_removed": {"2027": 400_000, "2028": 700_000, "2029": 900_000},
     "other_benefits": [{"label": "Physical activity", "kind": "economic", "per_year": 150_000,
                         "discounting": "health"}]},
    {"id": "EV-5", "name": "Chargers", "category": "ev_charging",
     "capex": {"2026": 800_000}, "public_funding_share": 0.4, "opex_per_year": 15_000,
     "lifetime_years": 12,
     "energy_changes": [{"fuel": "petrol", "quantity_per_year": -150_000},
                        {"fuel": "grid_electricity", "quantity_per_year": 500_000}],
     "renewals": [{"label": "Charger heads", "cost": 150_000, "every_years": 6}],
     "added_peak_kw": 400, "vat_recoverable": False,
     "other_benefits": [{"label": "Charging fees", "kind": "revenue", "per_year": 90_000}]},
    {"id": "PARK-6", "name": "Pocket park", "category": "green_space",
     "capex": {"2026": 400_000}, "public_funding_share": 1.0, "opex_per_year": 8_000,
     "lifetime_years": 30,
     "other_benefits": [{"label": "Amenity", "kind": "economic", "per_year": 45_000}]},
    {"id": "GAS-7", "name": "Gas saving only", "category": "other",
     "capex": {"2026": 300_000}, "public_funding_share": 0.5, "lifetime_years": 15,
     "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1_200_000}]},
    {"id": "ELEC-8", "name": "Electricity saving only", "category": "other",
     "capex": {"2026": 300_000}, "public_funding_share": 0.5, "lifetime_years": 15,
     "energy_changes": [{"fuel": "grid_electricity", "quantity_per_year": -900_000}]},
]


def v2_portfolio(*ids: str, **fields: Any) -> dict[str, Any]:
    """A portfolio document (FORMAT.md 1 and 4) of the projects ``ids`` (all by default)."""
    projects = [copy.deepcopy(p) for p in V2_PROJECTS if not ids or p["id"] in ids]
    return {"format": "appraisal-portfolio", "version": 1, "name": "Uncertainty test portfolio",
            "appraisal_year": 2026, "price_base_year": 2025, **fields, "projects": projects}


def scaled(doc: dict[str, Any], driver: str, factor: float, central_ob=None) -> dict[str, Any]:
    """``doc`` with the inputs a driver scales multiplied by ``factor``, as the
    drivers' reasons in :mod:`appraisal.core.sensitivity` say."""
    d = copy.deepcopy(doc)
    for i, p in enumerate(d["projects"]):
        if driver == "capex":
            for key in ("capex", "public_funding", "counterfactual_capex"):
                if p.get(key):
                    p[key] = {y: v * factor for y, v in p[key].items()}
            for r in p.get("renewals") or []:
                r["cost"] *= factor
            if p.get("residual_value") is not None:
                p["residual_value"] *= factor
        elif driver == "opex":
            p["opex_per_year"] = (p.get("opex_per_year") or 0) * factor
        elif driver == "optimism_bias":
            p["optimism_bias"] = float(central_ob[i]) * factor
        elif driver == "energy_quantities":
            for e in p.get("energy_changes") or []:
                e["quantity_per_year"] *= factor
            km = p.get("car_km_removed")
            if isinstance(km, dict):
                p["car_km_removed"] = {y: v * factor for y, v in km.items()}
            elif km is not None:
                p["car_km_removed"] = km * factor
        elif driver == "other_benefits":
            for s in p.get("other_benefits") or []:
                if s.get("kind", "economic") == "economic":
                    if s.get("per_year") is not None:
                        s["per_year"] *= factor
                    else:
                        s["profile"] = {y: v * factor for y, v in s["profile"].items()}
        else:
            raise ValueError(driver)
    return d
