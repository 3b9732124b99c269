"""Time the calculation core against a plain per-project loop.

    python benchmarks/bench_core.py [--n 10000] [--repeats 5] [--baseline-repeats 3]

Times (a) parse_portfolio + appraise_portfolio and appraise_portfolio alone,
on N generated projects with the default pack loaded once, and (b) a baseline
written the simplest honest way: a Python loop over projects that builds numpy
arrays for each project's own years and follows METHOD.md with
numpy_financial.npv and numpy_financial.irr. The baseline's figures are
checked against the core's, so that both do the same work. Runs of the two
alternate, so that the machine's noise falls on both alike; medians are
reported. The issue's goal: the core at least 30x faster than the loop.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy_financial as npf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_portfolio

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.discounting import discount_factors, step_lookup
from appraisal.resources import default_pack_dir

ADDITIONALITY = ("deadweight", "leakage", "displacement", "substitution", "multiplier")


# ---------------------------------------------------------------------------
# The baseline: one project at a time, METHOD.md read literally
# ---------------------------------------------------------------------------

def _price_on(pack, fuel, years, B):
    """Energy price of ``fuel`` on ``years`` [GBP per unit at prices of B]."""
    table = pack.energy_prices[fuel]
    values, _ = table.on_axis(years)
    rows = np.zeros(years.size, int) if table.years is None else step_lookup(table.years, years)
    price_years = pack.energy_price_years[fuel][rows]
    return values * np.array([pack.deflator[B] / pack.deflator[int(y)] for y in price_years])


def appraise_one(p, pack, A, B, df_all, rate, series):
    """METHOD.md sections 1 to 5 for one project; a dict of its measures."""
    k = pack.deflator[B] / pack.deflator[p.price_year if p.price_year is not None else B]
    start = p.operating_start if p.operating_start is not None else (
        max(p.capex) + 1 if p.capex else A)
    flow_years = [A, *p.capex, *(p.public_funding or {}), start, start + max(p.lifetime_years, 1) - 1]
    for s in p.other_benefits:
        flow_years.extend(s.profile or ())
    years = np.arange(min(flow_years), max(flow_years) + 1)
    t = years - A
    post = t >= 0
    operating = (years >= start) & (years < start + p.lifetime_years)

    def by_year(amounts):
        out = np.zeros(years.size)
        for y, v in amounts.items():
            out[y - years[0]] += v * k
        return out

    capex = by_year(p.capex)
    opex = operating * p.opex_per_year * k
    if p.optimism_bias is not None:
        ob = p.optimism_bias
    else:
        cat_type = p.ob_project_type or pack.categories[p.category].ob_project_type
        mix = {cat_type: 1.0} if isinstance(cat_type, str) else cat_type
        ob = sum(w * (pack.optimism_bias[ty]["capex_upper"] or 0.0) for ty, w in mix.items())
        ob *= 1.0 - p.ob_mitigation
    costs = capex * (1 + ob) + opex

    emissions = np.zeros(years.size)
    energy_saving = np.zeros(years.size)
    for fuel, q in p.energy_changes:
        ef, _ = pack.emission_factors[fuel].on_axis(years)
        emissions += operating * q * ef / 1000.0
        energy_saving -= operating * q * _price_on(pack, fuel, years, B)
    carbon_saved = -emissions
    cv, _ = pack.carbon_values[series].on_axis(years)
    carbon_benefit = carbon_saved * cv * pack.rebase_factor(pack.carbon_price_year, B)
    other, revenue = np.zeros(years.size), np.zeros(years.size)
    for s in p.other_benefits:
        stream = operating * s.per_year * k if s.per_year is not None else by_year(s.profile)
        if s.kind == "economic":
            other += stream
        else:
            revenue += stream
    benefits = carbon_benefit + energy_saving + other

    df = np.zeros(years.size)
    df[post] = df_all[t[post]]
    pvc, pvb = float(costs @ df), float(benefits @ df)

    cash = -capex - opex + revenue + (energy_saving if p.bill_savings_to_promoter else 0.0)
    fin_npv = npf.npv(rate, cash[post])
    fin_irr = npf.irr(cash[post])

    def payback(flows):
        negative = np.cumsum(flows) < -1e-6
        if not negative.any() or negative[-1]:
            return None
        return A + int(np.nonzero(negative)[0][-1]) + 1

    job_years = capex.sum() / 1e6 * (p.job_years_per_million if p.job_years_per_million is not None
                                     else pack.categories[p.category].job_years_per_million)
    gross = job_years / pack.parameters["job_years_per_permanent_job"] + p.operational_fte
    factors = {f: p.additionality.get(f) if p.additionality.get(f) is not None
               else pack.additionality[p.spatial_level][f] for f in ADDITIONALITY}
    net = gross * factors["multiplier"]
    for f in ADDITIONALITY[:4]:
        net *= 1 - factors[f]
    public = by_year(p.public_funding) if p.public_funding is not None \
        else capex * (p.public_funding_share if p.public_funding_share is not None else 1.0)
    return {
        "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "npsv_gbp": pvb - pvc,
        "bcr": pvb / pvc if pvc else None, "carbon_saved_tco2e": float(carbon_saved.sum()),
        "financial_npv_gbp": float(fin_npv),
        "financial_irr": None if np.isnan(fin_irr) else float(fin_irr),
        "payback_year": payback(cash[post]),
        "discounted_payback_year": payback(((benefits - costs) * df)[post]),
        "net_additional_jobs_fte": net, "public_cost_gbp": float(public.sum()),
    }


def baseline(inputs, pack):
    A = inputs.appraisal_year
    B = inputs.price_base_year if inputs.price_base_year is not None else pack.carbon_price_year
    df_all = discount_factors(pack.discount_schedules[inputs.discount_schedule], 400)
    return [appraise_one(p, pack, A, B, df_all, inputs.financial_discount_rate,
                         inputs.carbon_series) for p in inputs.projects]


# ---------------------------------------------------------------------------
# Agreement between the two
# ---------------------------------------------------------------------------

def max_rel_diff(base: list, core: np.ndarray) -> float:
    b = np.array([np.nan if v is None else v for v in base], float)
    scale = np.maximum(np.abs(b), np.abs(core))
    both = ~np.isnan(b) & ~np.isnan(core) & (scale > 0)
    return float(np.max(np.abs(b - core)[both] / scale[both], initial=0.0))


def compare(rows: list[dict], results) -> None:
    m = results.metrics
    print("agreement, baseline vs core over all projects (max relative difference):")
    for key in ("npsv_gbp", "financial_npv_gbp", "pv_costs_gbp", "pv_benefits_gbp",
                "carbon_saved_tco2e", "net_additional_jobs_fte", "public_cost_gbp"):
        print(f"  {key:<26} {max_rel_diff([r[key] for r in rows], m[key]):.1e}")
    for key in ("payback_year", "discounted_payback_year"):
        b = np.array([np.nan if r[key] is None else r[key] for r in rows])
        same = np.sum((b == m[key]) | (np.isnan(b) & np.isnan(m[key])))
        print(f"  {key:<26} same in {same:,} of {b.size:,} projects")
    b = np.array([np.nan if r["financial_irr"] is None else r["financial_irr"] for r in rows])
    c = m["financial_irr"]
    both = ~np.isnan(b) & ~np.isnan(c)
    close = both & (np.abs(b - c) < 1e-9)
    print(f"  financial_irr              within 1e-9 in {close.sum():,} of {both.sum():,} projects "
          f"where both give one; only baseline: {np.sum(~np.isnan(b) & np.isnan(c)):,}, "
          f"only core: {np.sum(np.isnan(b) & ~np.isnan(c)):,}")


# ---------------------------------------------------------------------------

def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="projects (default 10,000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    pack = load_pack(default_pack_dir())
    doc = generate_portfolio(args.n, args.seed)
    inputs = parse_portfolio(doc, pack)
    results = appraise_portfolio(inputs, pack)          # warm-up, and the figures to check
    compare(baseline(inputs, pack), results)

    t_core, t_appraise, t_base = [], [], []
    for r in range(max(args.repeats, args.baseline_repeats)):
        if r < args.repeats:
            t_core.append(timed(lambda: appraise_portfolio(parse_portfolio(doc, pack), pack))[0])
            t_appraise.append(timed(appraise_portfolio, inputs, pack)[0])
        if r < args.baseline_repeats:
            t_base.append(timed(baseline, inputs, pack)[0])

    med = statistics.median
    core, appraise, base = med(t_core), med(t_appraise), med(t_base)
    parse = core - appraise
    print(f"\n{args.n:,} projects, medians of {args.repeats} (baseline {args.baseline_repeats}) "
          f"runs [s]; load average at the end {os.getloadavg()[0]:.1f}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    for label, runs in (("parse_portfolio + appraise_portfolio", t_core),
                        ("appraise_portfolio alone", t_appraise),
                        ("per-project baseline loop", t_base)):
        print(f"  {label:<38} {med(runs):7.3f}   (runs: {', '.join(f'{x:.3f}' for x in runs)})")
    print("ratios (goal: the core at least 30x faster than the loop):")
    print(f"  baseline / appraise_portfolio                  {base / appraise:6.1f}x   (like for like: "
          "both start from parsed inputs)")
    print(f"  baseline / (parse + appraise)                  {base / core:6.1f}x")
    print(f"  (parse + baseline) / (parse + appraise)        {(parse + base) / core:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
