"""METHOD.md version 1, one project at a time: the figures the compatibility rule keeps.

METHOD.md v2, "Compatibility rule": a pack without v2 tables or columns and a
portfolio with no v2 field but ``"vfm_basis": "social"`` and
``"financial_ob_share": 0`` get exactly the version 1 result for every
version 1 figure. This module computes those version 1 figures from the
version 1 text of the method (docs/METHOD.md of this repository, version 1;
the v1 baseline of benchmarks/bench_core.py), with none of the v2 terms, so
that tests can hold both the v2 reference and the core to them. It reads the
pack with reference_v2's CSV reader (the core is not used).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy_financial as npf

from reference_v2 import (ADDITIONALITY_FACTORS, ReferencePack, _ratio, _year_map,
                          load_reference_pack, make_context, payback, readiness, step_row)

# The version 1 figures, per project and for the portfolio (FORMAT.md 3).
V1_PROJECT_KEYS = (
    "pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "bcr", "vfm_category",
    "pv_carbon_benefit_gbp", "carbon_saved_tco2e", "cost_per_tco2e_gbp", "optimism_bias",
    "switching_benefits_fall", "switching_costs_rise", "financial_npv_gbp", "financial_irr",
    "payback_year", "discounted_payback_year", "viability_gap_gbp", "construction_job_years",
    "gross_jobs_fte", "net_additional_jobs_fte", "public_cost_gbp", "cost_per_net_job_gbp",
    "public_cost_per_tco2e_gbp", "gap_sector", "gap_contribution_gbp", "sunk_costs_gbp",
    "readiness_score",
)
V1_PORTFOLIO_KEYS = ("pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "bcr", "carbon_saved_tco2e",
                     "gross_jobs_fte", "net_additional_jobs_fte", "public_cost_gbp",
                     "pv_carbon_benefit_gbp", "sunk_costs_gbp")


def vfm_band_v1(bcr: float | None) -> str | None:
    """METHOD.md v1: below 1 poor (negative BCRs too), 1-1.5 low, ..., 4+ very high."""
    if bcr is None:
        return None
    for lower, name in ((4.0, "very high"), (2.0, "high"), (1.5, "medium"), (1.0, "low")):
        if bcr >= lower:
            return name
    return "poor"


def appraise_project_v1(p: dict[str, Any], ctx, pack: ReferencePack) -> dict[str, Any]:
    A = ctx.A
    cat = pack.categories[p["category"]]
    k = ctx.rebase(1.0, p.get("price_year"))
    capex = _year_map(p.get("capex"), k)
    L = int(p.get("lifetime_years") or 0)
    start = p.get("operating_start")
    start = int(start) if start is not None else (
        max(int(y) for y in p["capex"]) + 1 if p.get("capex") else A)
    operating = range(start, start + L)

    kind = p.get("ob_project_type") or cat["ob_project_type"]
    mix = {kind: 1.0} if isinstance(kind, str) else kind
    if p.get("optimism_bias") is not None:
        ob = float(p["optimism_bias"])
    else:
        ob = sum(w * (pack.optimism_bias[t]["capex_upper"] or 0.0) for t, w in mix.items())
        ob *= 1.0 - float(p.get("ob_mitigation") or 0.0)

    opex = float(p.get("opex_per_year") or 0.0) * k
    costs: dict[int, float] = {}
    for y, v in capex.items():
        costs[y] = costs.get(y, 0.0) + v * (1 + ob)
    for y in operating:
        costs[y] = costs.get(y, 0.0) + opex

    q = {}
    for ch in p.get("energy_changes") or []:
        q[ch["fuel"]] = q.get(ch["fuel"], 0.0) + float(ch.get("quantity_per_year") or 0.0)
    saved: dict[int, float] = {}
    carbon: dict[int, float] = {}
    energy: dict[int, float] = {}
    for y in operating:
        s = e = 0.0
        for f, qf in q.items():
            ef = step_row([r for r in pack.emission_factors if r["fuel"] == f], y)["value"]
            s += -qf * ef / 1000.0
            row = step_row([r for r in pack.energy_prices if r["fuel"] == f], y)
            e += -qf * ctx.rebase(row["value"], row["price_year"])
        saved[y] = s
        carbon[y] = s * ctx.carbon_value(y)
        energy[y] = e
    other: dict[int, float] = {}
    revenue: dict[int, float] = {}
    for st in p.get("other_benefits") or []:
        stream = ({y: float(st["per_year"]) * k for y in operating}
                  if st.get("per_year") is not None else _year_map(st.get("profile"), k))
        target = other if st.get("kind", "economic") == "economic" else revenue
        for y, v in stream.items():
            target[y] = target.get(y, 0.0) + v
    benefits: dict[int, float] = {}
    for part in (carbon, energy, other):
        for y, v in part.items():
            benefits[y] = benefits.get(y, 0.0) + v

    def pv(flows):
        return sum(ctx.df(y - A) * v for y, v in flows.items() if y >= A)

    pvc, pvb, pv_carbon = pv(costs), pv(benefits), pv(carbon)
    npsv = pvb - pvc
    total_saved = sum(saved.values())

    cash: dict[int, float] = {}
    for y, v in capex.items():
        cash[y] = cash.get(y, 0.0) - v
    for y in operating:
        cash[y] = cash.get(y, 0.0) - opex
    for y, v in revenue.items():
        cash[y] = cash.get(y, 0.0) + v
    if p.get("bill_savings_to_promoter"):
        for y, v in energy.items():
            cash[y] = cash.get(y, 0.0) + v
    flow_years = [A, start, start + max(L, 1) - 1, *capex, *_year_map(p.get("public_funding"))]
    for st in p.get("other_benefits") or []:
        flow_years.extend(int(y) for y in (st.get("profile") or {}))
    years = range(A, max(flow_years) + 1)
    flows = [cash.get(y, 0.0) for y in years]
    fin_npv = float(npf.npv(ctx.financial_discount_rate, flows))
    irr = float(npf.irr(flows)) if any(flows) else float("nan")
    econ = [ctx.df(y - A) * (benefits.get(y, 0.0) - costs.get(y, 0.0)) for y in years]

    jypm = p.get("job_years_per_million")
    jypm = float(jypm if jypm is not None else cat["job_years_per_million"])
    job_years = sum(capex.values()) / 1e6 * jypm
    gross = job_years / pack.parameter("job_years_per_permanent_job", 10.0) \
        + float(p.get("operational_fte") or 0.0)
    own = p.get("additionality") or {}
    level = p.get("spatial_level") or "sub-regional"
    fac = {f: float(own[f]) if own.get(f) is not None else pack.additionality[level][f]
           for f in ADDITIONALITY_FACTORS}
    net = gross * fac["multiplier"]
    for f in ADDITIONALITY_FACTORS[:4]:
        net *= 1 - fac[f]
    if p.get("public_funding") is not None:
        public = dict(_year_map(p["public_funding"], k))
    else:
        share = p.get("public_funding_share")
        share = 1.0 if share is None else float(share)
        public = {y: v * share for y, v in capex.items()}
    public_cost = sum(public.values())
    sector = cat["gap_sector"]
    contribution = 0.0
    if sector:
        row = next(r for r in pack.investment_gap if r["sector"] == sector)
        contribution = sum(v for y, v in public.items()
                           if row["first_year"] <= y <= row["last_year"])
    bcr = _ratio(pvb, pvc)
    return {
        "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "npsv_gbp": npsv, "bcr": bcr,
        "vfm_category": vfm_band_v1(bcr), "pv_carbon_benefit_gbp": pv_carbon,
        "carbon_saved_tco2e": total_saved,
        "cost_per_tco2e_gbp": (_ratio(pvc - (pvb - pv_carbon), total_saved)
                               if total_saved > 0 else None),
        "optimism_bias": ob,
        "switching_benefits_fall": _ratio(npsv, pvb), "switching_costs_rise": _ratio(npsv, pvc),
        "financial_npv_gbp": fin_npv, "financial_irr": irr if irr == irr else None,
        "payback_year": payback(flows, A), "discounted_payback_year": payback(econ, A),
        "viability_gap_gbp": max(0.0, -fin_npv), "construction_job_years": job_years,
        "gross_jobs_fte": gross, "net_additional_jobs_fte": net, "public_cost_gbp": public_cost,
        "cost_per_net_job_gbp": _ratio(public_cost, net) if net > 0 else None,
        "public_cost_per_tco2e_gbp": _ratio(public_cost, total_saved) if total_saved > 0 else None,
        "gap_sector": sector, "gap_contribution_gbp": contribution,
        "sunk_costs_gbp": sum(v for y, v in capex.items() if y < A)
        + sum(opex for y in operating if y < A),
        "readiness_score": readiness(p.get("readiness") or {}, pack)[0],
    }


def appraise_v1(portfolio: dict[str, Any], pack_dir: Path | str) -> dict[str, Any]:
    """The version 1 figures of a portfolio on a version 1 pack."""
    pack = load_reference_pack(pack_dir)
    ctx = make_context(portfolio, pack)
    projects = [appraise_project_v1(p, ctx, pack) for p in portfolio.get("projects") or []]
    totals = {key: sum(r[key] for r in projects) for key in V1_PORTFOLIO_KEYS if key != "bcr"}
    totals["bcr"] = _ratio(totals["pv_benefits_gbp"], totals["pv_costs_gbp"])
    return {"portfolio": totals, "projects": projects}
