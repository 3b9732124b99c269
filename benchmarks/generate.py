"""Random but plausible portfolios for the benchmarks.

    python benchmarks/generate.py N -o FILE [--seed S]

writes a portfolio file (FORMAT.md section 1) of N projects. Every category
and fuel of the default pack appears; capex is spread over 1 to 3 years (some
of it sunk, before the appraisal year), lifetimes run from 10 to 60 years, and
projects mix per-year and profile benefits, revenue streams, explicit
public-funding maps and their own additionality factors. The same seed gives
the same file.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

APPRAISAL_YEAR = 2024          # the last year of the default pack's GDP deflator
PRICE_YEARS = range(2019, 2025)
SPATIAL_LEVELS = ("neighbourhood", "local", "sub-regional", "regional")
AREAS = ("West Midlands Combined Authority", "Greater Manchester", "Liverpool City Region",
         "West Yorkshire", "North East", "Tees Valley", "Cambridgeshire and Peterborough")

# category -> (typical capex GBP, fuels saved, fuels used more, economic benefit, revenue)
CATEGORIES = {
    "heat_pumps": (2e6, ["natural_gas"], ["grid_electricity"], "Avoided boiler replacements", None),
    "building_retrofit": (3e6, ["natural_gas", "heating_oil", "lpg"], [], "Health from warmer homes",
                          None),
    "ev_charging": (1e6, ["petrol", "diesel"], ["grid_electricity"], "Air quality",
                    "Charging fees"),
    "public_transport": (20e6, ["diesel", "petrol"], ["grid_electricity"], "Journey time saved",
                         "Fares"),
    "active_travel": (5e6, ["petrol"], [], "Physical activity health benefits", None),
    "green_space": (2e6, [], [], "Amenity and recreation", None),
    "hydrogen": (15e6, ["natural_gas", "diesel"], ["grid_electricity"], "Industrial resilience",
                 "Hydrogen sales"),
    "renewable_generation": (10e6, ["grid_electricity"], [], "Local energy security",
                             "Electricity sales"),
    "broadband": (4e6, ["petrol"], ["grid_electricity"], "Productivity from remote working", None),
    "other": (1e6, ["natural_gas", "lpg"], [], "Wider benefits", None),
}
# a plausible annual change in use per GBP 1 of capex, by fuel unit (kWh or litre)
QUANTITY_PER_GBP = {"grid_electricity": 0.4, "natural_gas": 0.6, "heating_oil": 0.3, "lpg": 0.2,
                    "petrol": 0.05, "diesel": 0.05}


def _year_map(rng: random.Random, years: list[int], total: float) -> dict[str, float]:
    weights = [rng.uniform(0.5, 1.5) for _ in years]
    return {str(y): round(total * w / sum(weights)) for y, w in zip(years, weights)}


def generate_project(rng: random.Random, i: int) -> dict:
    category = list(CATEGORIES)[i % len(CATEGORIES)]     # every category, evenly
    size, saved, used, benefit_label, revenue_label = CATEGORIES[category]
    capex_total = size * rng.lognormvariate(0, 0.6)
    first = rng.randint(APPRAISAL_YEAR - 2, APPRAISAL_YEAR + 4)
    capex_years = list(range(first, first + rng.randint(1, 3)))
    capex = _year_map(rng, capex_years, capex_total)
    start = max(capex_years) + 1
    lifetime = rng.randint(10, 60)

    energy = [{"fuel": f, "quantity_per_year": -round(capex_total * QUANTITY_PER_GBP[f]
                                                      * rng.uniform(0.1, 1.0))}
              for f in saved if rng.random() < 0.8 or f == saved[0]]
    energy += [{"fuel": f, "quantity_per_year": round(capex_total * QUANTITY_PER_GBP[f]
                                                      * rng.uniform(0.05, 0.4))}
               for f in used]
    benefits = [{"label": benefit_label, "kind": "economic",
                 "per_year": round(capex_total * rng.uniform(0.0, 0.08))}]
    if rng.random() < 0.3:   # a ramp-up given as a profile over the first operating years
        benefits.append({"label": "Ramp-up benefits", "kind": "economic",
                         "profile": {str(start + k): round(capex_total * 0.02 * (k + 1))
                                     for k in range(rng.randint(1, 5))}})
    if revenue_label:
        benefits.append({"label": revenue_label, "kind": "revenue",
                         "per_year": round(capex_total * rng.uniform(0.02, 0.12))})
    if rng.random() < 0.15:  # a one-off sale of assets at the end of the life
        benefits.append({"label": "Residual value", "kind": "revenue",
                         "profile": {str(start + lifetime - 1): round(capex_total * 0.1)}})

    share = round(rng.uniform(0.2, 1.0), 2)
    public_funding = None
    if rng.random() < 0.2:   # funding given by year; takes precedence over the share
        public_funding = {y: round(v * share) for y, v in capex.items()}
    additionality = {"deadweight": None, "leakage": None, "displacement": None,
                     "substitution": None, "multiplier": None}
    if rng.random() < 0.3:
        additionality = {"deadweight": round(rng.uniform(0.1, 0.5), 2),
                         "leakage": round(rng.uniform(0.0, 0.4), 2),
                         "displacement": round(rng.uniform(0.0, 0.6), 2),
                         "substitution": round(rng.uniform(0.0, 0.2), 2),
                         "multiplier": round(rng.uniform(1.0, 1.6), 2)}
    return {
        "id": f"P-{i + 1:06d}",
        "name": f"{category.replace('_', ' ').capitalize()} scheme {i + 1}",
        "category": category,
        "area": rng.choice(AREAS),
        "spatial_level": rng.choice(SPATIAL_LEVELS),
        "price_year": rng.choice(PRICE_YEARS),
        "capex": capex,
        "public_funding_share": share,
        "public_funding": public_funding,
        "opex_per_year": round(capex_total * rng.uniform(0.005, 0.04)),
        "operating_start": start if rng.random() < 0.5 else None,  # None: year after last capex
        "lifetime_years": lifetime,
        "energy_changes": energy,
        "other_benefits": benefits,
        "bill_savings_to_promoter": rng.random() < 0.3,
        "optimism_bias": round(rng.uniform(0.05, 0.5), 2) if rng.random() < 0.2 else None,
        "ob_mitigation": round(rng.uniform(0.0, 0.5), 2) if rng.random() < 0.3 else 0.0,
        "job_years_per_million": round(rng.uniform(5, 15), 1) if rng.random() < 0.2 else None,
        "operational_fte": rng.randint(0, 20),
        "additionality": additionality,
        "readiness": {"planning_consent": rng.random() < 0.6, "site_secured": rng.random() < 0.6,
                      "procurement_ready": rng.random() < 0.4,
                      "match_funding_confirmed": rng.random() < 0.5,
                      "months_to_start": rng.choice([None, 3, 6, 9, 12, 18, 24])},
    }


def _header(n: int, seed: int) -> dict:
    return {
        "format": "appraisal-portfolio", "version": 1,
        "name": f"Benchmark portfolio ({n:,} projects, seed {seed})",
        "appraisal_year": APPRAISAL_YEAR, "price_base_year": 2022,
        "financial_discount_rate": 0.035, "discount_schedule": "standard",
        "carbon_series": "central",
    }


def generate_portfolio(n: int, seed: int = 0) -> dict:
    """A portfolio document (FORMAT.md section 1) of ``n`` random projects."""
    rng = random.Random(seed)
    return {**_header(n, seed), "projects": [generate_project(rng, i) for i in range(n)]}


def write_portfolio(n: int, path: str | Path, seed: int = 0) -> Path:
    """Write the same portfolio as ``generate_portfolio(n, seed)``, one project at a
    time, so that this process stays small (bench_memory.py relies on it)."""
    path = Path(path)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(_header(n, seed))[:-1] + ', "projects": [')
        for i in range(n):
            fh.write((", " if i else "") + json.dumps(generate_project(rng, i)))
        fh.write("]}\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of projects")
    ap.add_argument("-o", "--output", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    path = write_portfolio(args.n, args.output, args.seed)
    print(f"wrote {args.n:,} projects to {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
