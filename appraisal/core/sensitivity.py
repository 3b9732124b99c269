"""Sensitivity analysis: tornado ranges, switching values and scenarios.

The Green Book asks for sensitivity analysis and switching values on every
preferred option (HM Treasury, The Green Book (2022), paragraphs 5.78-5.84
and Annex A: "switching values show by how much a variable would have to
change for the NPSV to fall to zero"). Each driver below has a documented low
and high; a tornado shows the NPSV (and BCR, net jobs, carbon saved) at each
driver's low and high, sorted by swing.

Most drivers scale one component of the present values, so they are computed
exactly from the components the appraisal keeps per project, with no second
appraisal:

    PVC = pv_capex * capex * (1 + OB) + pv_opex * opex
    PVB = pv_carbon * quantities * carbon + pv_energy * quantities * prices
          + pv_other * other

and NPSV is linear in each of them, so its switching value is exact. The
carbon series and the lifetime are appraised again (vectorised over projects);
the lifetime's switching value is found by a bracketed search over whole years.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .appraise import appraise_portfolio
from .pack import AssumptionPack
from .portfolio import MAX_LIFETIME_YEARS, PortfolioInputs
from .results import PortfolioResults


@dataclass(frozen=True)
class Driver:
    """A quantity whose uncertainty is tested, with its low and high and why."""

    name: str
    label: str
    low: float
    high: float
    kind: str          # "factor" on the central value, "series" of carbon values, "years"
    reason: str
    affects_npsv: bool = True


DRIVERS: tuple[Driver, ...] = (
    Driver("capex", "Capital cost", 0.9, 1.3, "factor",
           "Outturn capital costs overrun more often and by more than they underrun (HM Treasury, "
           "Supplementary Green Book Guidance: Optimism Bias); -10% to +30% on the estimate, on top "
           "of the optimism bias"),
    Driver("opex", "Operating cost", 0.9, 1.2, "factor",
           "Operating costs of new low-carbon assets are less certain than capital costs; -10% to "
           "+20%"),
    Driver("optimism_bias", "Optimism bias", 0.5, 1.5, "factor",
           "Half to one and a half times the uplift used: the gap between the lower and upper "
           "bounds of the optimism-bias table"),
    Driver("energy_quantities", "Energy saved (uptake)", 0.75, 1.1, "factor",
           "Installed measures often save less than designed (the 'performance gap' of retrofit "
           "and heat pump schemes) and uptake can fall short; -25% to +10%"),
    Driver("energy_prices", "Energy prices", 0.8, 1.2, "factor",
           "Energy prices moved by more than 20% a year in 2021-2023; +/-20%"),
    Driver("carbon_values", "Carbon values", 0.0, 0.0, "series",
           "The DESNZ low and high carbon value series (half and one and a half times central)"),
    Driver("other_benefits", "Other economic benefits", 0.75, 1.1, "factor",
           "Health, time and amenity benefits rest on transferred evidence; -25% to +10%"),
    Driver("lifetime", "Asset lifetime", 0.75, 1.25, "years",
           "Asset lives vary with maintenance and technology change; -25% to +25% in whole years"),
    Driver("job_intensity", "Construction jobs per GBP 1m", 0.8, 1.2, "factor",
           "Jobs per GBP 1m of construction output vary with the work's labour intensity; +/-20%",
           affects_npsv=False),
    Driver("additionality", "Additionality (net to gross jobs)", 0.8, 1.2, "factor",
           "Deadweight, leakage and displacement are judged from ready reckoners; +/-20% on the "
           "net-to-gross ratio", affects_npsv=False),
)
DRIVER_BY_NAME = {d.name: d for d in DRIVERS}
OUTPUTS = ("npsv_gbp", "bcr", "net_additional_jobs_fte", "carbon_saved_tco2e")
LONG_HORIZON_YEARS = 50   # the Green Book's lower-rate test applies beyond this (2026 update)


@dataclass
class Components:
    """Per project, the parts of the present values and of the jobs (arrays)."""

    pv_capex: np.ndarray
    ob: np.ndarray
    pv_opex: np.ndarray
    pv_carbon: np.ndarray
    pv_energy: np.ndarray
    pv_other: np.ndarray
    carbon: np.ndarray
    job_years: np.ndarray
    fte: np.ndarray
    net_to_gross: np.ndarray
    job_years_per_job: float

    @classmethod
    def of(cls, results: PortfolioResults, job_years_per_job: float) -> "Components":
        m = results.metrics
        gross = m["gross_jobs_fte"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(gross > 0, m["net_additional_jobs_fte"] / gross, 0.0)
        return cls(m["pv_capex_gbp"], m["optimism_bias"], m["pv_opex_gbp"],
                   m["pv_carbon_benefit_gbp"], m["pv_energy_saving_gbp"],
                   m["pv_other_economic_gbp"], m["carbon_saved_tco2e"],
                   m["construction_job_years"],
                   gross - m["construction_job_years"] / job_years_per_job, ratio,
                   job_years_per_job)

    def evaluate(self, **f: Any) -> dict[str, np.ndarray]:
        """The outputs with the named drivers' factors applied (1 for the others)."""
        g = {d.name: 1.0 for d in DRIVERS if d.kind == "factor"}
        g.update(f)
        pvc = self.pv_capex * g["capex"] * (1.0 + self.ob * g["optimism_bias"]) + self.pv_opex * g["opex"]
        carbon_pv = f.get("pv_carbon", self.pv_carbon)
        pvb = (carbon_pv * g["energy_quantities"] + self.pv_energy * g["energy_quantities"]
               * g["energy_prices"] + self.pv_other * g["other_benefits"])
        gross = self.job_years * g["capex"] * g["job_intensity"] / self.job_years_per_job + self.fte
        with np.errstate(invalid="ignore", divide="ignore"):
            bcr = np.where(pvc != 0, pvb / np.where(pvc != 0, pvc, 1.0), np.nan)
        return {"npsv_gbp": pvb - pvc, "bcr": bcr, "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb,
                "net_additional_jobs_fte": gross * self.net_to_gross * g["additionality"],
                "carbon_saved_tco2e": self.carbon * g["energy_quantities"]}


def _clean(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _scaled_lifetimes(inputs: PortfolioInputs, factor: float | np.ndarray) -> PortfolioInputs:
    f = np.broadcast_to(np.asarray(factor, dtype=float), (len(inputs.projects),))
    projects = tuple(dataclasses.replace(
        p, lifetime_years=int(min(MAX_LIFETIME_YEARS, max(1, round(p.lifetime_years * k)))))
        for p, k in zip(inputs.projects, f))
    return dataclasses.replace(inputs, projects=projects)


def driver_bounds(inputs: PortfolioInputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per driver, each project's low and high: the project's own range, else the
    portfolio's, else the documented default (FORMAT: ``"sensitivity": {driver:
    {"low": ..., "high": ...}}`` on the portfolio or a project)."""
    out = {}
    for d in DRIVERS:
        if d.kind == "series":
            continue
        default = inputs.sensitivity.get(d.name, (d.low, d.high))
        pairs = [p.sensitivity.get(d.name, default) for p in inputs.projects]
        out[d.name] = (np.array([a for a, _ in pairs], dtype=float),
                       np.array([b for _, b in pairs], dtype=float))
    return out


def _lifetime_runs(inputs: PortfolioInputs, pack: AssumptionPack,
                   factors: tuple[np.ndarray, np.ndarray], carbon_series: str | None,
                   discount_schedule: str | None) -> dict[str, dict]:
    out = {}
    for side, k in (("low", factors[0]), ("high", factors[1])):
        r = appraise_portfolio(_scaled_lifetimes(inputs, k), pack, carbon_series=carbon_series,
                               discount_schedule=discount_schedule)
        out[side] = {key: r.metrics[key] for key in ("npsv_gbp", "bcr", "net_additional_jobs_fte",
                                                    "carbon_saved_tco2e", "pv_costs_gbp",
                                                    "pv_benefits_gbp")}
    return out


LIFETIME_MULTIPLES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 100.0)


def _lifetime_switch(inputs: PortfolioInputs, pack: AssumptionPack, npsv0: np.ndarray,
                     carbon_series: str | None, discount_schedule: str | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per project, the whole number of years of life, nearest the given one, at
    which NPSV has changed sign; searched over 1..MAX_LIFETIME_YEARS.

    Lifetimes at fixed multiples of each project's own are tried first (one
    vectorised appraisal of the portfolio per multiple) to bracket the change
    nearest the given lifetime; the bracket is then bisected in whole years.
    Returns the years (NaN where none) and whether one was found.
    """
    n = len(inputs.projects)
    life0 = np.array([p.lifetime_years for p in inputs.projects], dtype=float)

    def npsv_at(rows: np.ndarray, lives: np.ndarray) -> np.ndarray:
        """NPSV of projects ``rows`` with lifetimes ``lives`` (one appraisal of just them)."""
        projects = tuple(dataclasses.replace(inputs.projects[i], lifetime_years=int(L))
                         for i, L in zip(rows, lives))
        return appraise_portfolio(dataclasses.replace(inputs, projects=projects), pack,
                                  carbon_series=carbon_series,
                                  discount_schedule=discount_schedule).metrics["npsv_gbp"]

    s0 = np.sign(npsv0)
    a = life0.copy()              # a life with the central sign
    b = np.full(n, np.nan)        # the nearest tried life with the other sign
    # try the multiples nearest the given life first, on both sides, for the projects
    # still without a bracket
    for k in sorted(LIFETIME_MULTIPLES, key=lambda k: abs(math.log(k))):
        rows = np.nonzero(np.isnan(b) & (s0 != 0))[0]
        if rows.size == 0:
            break
        lives = np.clip(np.round(life0[rows] * k), 1, MAX_LIFETIME_YEARS)
        flipped = np.sign(npsv_at(rows, lives)) != s0[rows]
        b[rows[flipped]] = lives[flipped]
    found = ~np.isnan(b)
    # bisect in whole years between a (central sign) and b (flipped), for the open brackets
    while True:
        rows = np.nonzero(found & (np.abs(b - a) > 1))[0]
        if rows.size == 0:
            break
        mid = np.floor((a[rows] + b[rows]) / 2)
        same = np.sign(npsv_at(rows, mid)) == s0[rows]
        a[rows[same]] = mid[same]
        b[rows[~same]] = mid[~same]
    return np.where(found, b, np.nan), found


def sensitivity(inputs: PortfolioInputs, pack: AssumptionPack, *,
                carbon_series: str | None = None, discount_schedule: str | None = None,
                results: PortfolioResults | None = None) -> dict[str, Any]:
    """Tornado ranges, switching values and scenarios for every project and the portfolio.

    Returns a JSON-ready dict: ``projects`` (per project ``tornado`` sorted by
    NPSV swing, ``switching_values`` as ``{driver, switching_value,
    switching_change, reachable}``, ``scenarios``) and ``portfolio`` (its
    tornado), with the drivers' definitions and the assumption pack.
    """
    results = results or appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                            discount_schedule=discount_schedule)
    comp = Components.of(results, pack.parameters["job_years_per_permanent_job"])
    central = comp.evaluate()
    n = len(results.ids)
    series_runs = {s: appraise_portfolio(inputs, pack, carbon_series=s,
                                         discount_schedule=discount_schedule)
                   for s in ("low", "central", "high")}
    life_runs = _lifetime_runs(inputs, pack, driver_bounds(inputs)["lifetime"], carbon_series,
                               discount_schedule)

    # each driver's outputs at its low and high: {driver: {"low": {...}, "high": {...}}}
    bounds = driver_bounds(inputs)
    at: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for d in DRIVERS:
        if d.kind == "factor":
            at[d.name] = {"low": comp.evaluate(**{d.name: bounds[d.name][0]}),
                          "high": comp.evaluate(**{d.name: bounds[d.name][1]})}
        elif d.kind == "series":
            at[d.name] = {side: comp.evaluate(pv_carbon=series_runs[s].metrics["pv_carbon_benefit_gbp"])
                          for side, s in (("low", "low"), ("high", "high"))}
        else:
            at[d.name] = {side: dict(life_runs[side]) for side in ("low", "high")}

    switch = switching_values(comp, central, inputs, pack, series_runs, carbon_series,
                              discount_schedule)
    horizons = _horizons(results, inputs)
    reduced = None
    if (horizons > LONG_HORIZON_YEARS).any() and "reduced" in pack.discount_schedules:
        reduced = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                     discount_schedule="reduced")
    projects = []
    for i in range(n):
        tornado = []
        for d in DRIVERS:
            low, high = at[d.name]["low"], at[d.name]["high"]
            row = {"driver": d.name, "label": d.label,
                   "low": "low series" if d.kind == "series" else float(bounds[d.name][0][i]),
                   "high": "high series" if d.kind == "series" else float(bounds[d.name][1][i])}
            for key in OUTPUTS:
                row[f"{key}_low"] = _clean(low[key][i])
                row[f"{key}_high"] = _clean(high[key][i])
            row["npsv_swing_gbp"] = abs((row["npsv_gbp_high"] or 0.0) - (row["npsv_gbp_low"] or 0.0))
            tornado.append(row)
        tornado.sort(key=lambda r: -r["npsv_swing_gbp"])
        scenarios = {f"carbon_{s}": {"npsv_gbp": _clean(series_runs[s].metrics["npsv_gbp"][i]),
                                     "bcr": _clean(series_runs[s].metrics["bcr"][i])}
                     for s in ("low", "central", "high")}
        if reduced is not None and horizons[i] > LONG_HORIZON_YEARS:
            scenarios["reduced_discount_schedule"] = {
                "npsv_gbp": _clean(reduced.metrics["npsv_gbp"][i]),
                "bcr": _clean(reduced.metrics["bcr"][i]),
                "why": f"the horizon is {int(horizons[i])} years, over {LONG_HORIZON_YEARS}: the "
                       "Green Book's lower-rate test"}
        projects.append({"id": results.ids[i], "name": results.names[i],
                         "npsv_gbp": _clean(central["npsv_gbp"][i]), "bcr": _clean(central["bcr"][i]),
                         "tornado": tornado, "switching_values": switch[i], "scenarios": scenarios})
    portfolio_tornado = []
    for d in DRIVERS:
        row = {"driver": d.name, "label": d.label}
        for side in ("low", "high"):
            r = at[d.name][side]
            pvc, pvb = float(np.sum(r["pv_costs_gbp"])), float(np.sum(r["pv_benefits_gbp"]))
            row[f"npsv_gbp_{side}"] = pvb - pvc
            row[f"bcr_{side}"] = pvb / pvc if pvc else None
            row[f"net_additional_jobs_fte_{side}"] = float(np.sum(r["net_additional_jobs_fte"]))
            row[f"carbon_saved_tco2e_{side}"] = float(np.sum(r["carbon_saved_tco2e"]))
        row["npsv_swing_gbp"] = abs(row["npsv_gbp_high"] - row["npsv_gbp_low"])
        portfolio_tornado.append(row)
    portfolio_tornado.sort(key=lambda r: -r["npsv_swing_gbp"])
    return {
        "assumptions": {"id": pack.id, "vintage": pack.vintage},
        "drivers": [{"driver": d.name, "label": d.label,
                     "low": inputs.sensitivity.get(d.name, (d.low, d.high))[0]
                     if d.kind != "series" else "low",
                     "high": inputs.sensitivity.get(d.name, (d.low, d.high))[1]
                     if d.kind != "series" else "high",
                     "set_by": "portfolio" if d.name in inputs.sensitivity else "default",
                     "kind": d.kind, "reason": d.reason} for d in DRIVERS],
        "portfolio": {"npsv_gbp": float(np.sum(central["npsv_gbp"])), "tornado": portfolio_tornado},
        "projects": projects,
    }


def switching_values(comp: Components, central: dict, inputs: PortfolioInputs,
                     pack: AssumptionPack, series_runs: dict, carbon_series: str | None,
                     discount_schedule: str | None) -> list[list[dict[str, Any]]]:
    """Per project, per driver: the value at which NPSV reaches zero.

    ``switching_value`` is the driver's factor (or the optimism-bias rate, or
    the lifetime in years); ``switching_change`` the change from the central
    case as a fraction; ``reachable`` False when no value of the driver makes
    NPSV zero (for example a project whose benefits are all carbon, for the
    energy price driver).

    Notes
    -----
    NPSV is linear in every factor driver, so ``NPSV(f) = a + b f`` and
    ``f* = -a / b``; a negative factor is not reachable.
    """
    c = comp
    pvc = central["pv_costs_gbp"]
    capex_adj = c.pv_capex * (1.0 + c.ob)
    with np.errstate(divide="ignore", invalid="ignore"):
        pvb_rest_q = c.pv_other                                    # PVB not scaled by quantities
        solved = {
            "capex": ((central["pv_benefits_gbp"] - c.pv_opex) / capex_adj, 1.0),
            "opex": ((central["pv_benefits_gbp"] - capex_adj) / c.pv_opex, 1.0),
            "optimism_bias": (((central["pv_benefits_gbp"] - c.pv_opex) / c.pv_capex - 1.0), None),
            "energy_quantities": ((pvc - pvb_rest_q) / (c.pv_carbon + c.pv_energy), 1.0),
            "energy_prices": ((pvc - c.pv_other - c.pv_carbon) / c.pv_energy, 1.0),
            "carbon_values": ((pvc - c.pv_other - c.pv_energy) / c.pv_carbon, 1.0),
            "other_benefits": ((pvc - c.pv_carbon - c.pv_energy) / c.pv_other, 1.0),
        }
    life_switch, life_found = _lifetime_switch(inputs, pack, central["npsv_gbp"], carbon_series,
                                               discount_schedule)
    out: list[list[dict[str, Any]]] = []
    n = len(pvc)
    life0 = np.array([p.lifetime_years for p in inputs.projects], dtype=float)
    for i in range(n):
        rows = []
        for d in DRIVERS:
            if not d.affects_npsv:
                rows.append({"driver": d.name, "switching_value": None, "switching_change": None,
                             "reachable": False, "note": "does not change NPSV"})
                continue
            if d.name == "lifetime":
                ok = bool(life_found[i])
                rows.append({"driver": d.name, "switching_value": float(life_switch[i]) if ok else None,
                             "switching_change": (float(life_switch[i] / life0[i] - 1.0)
                                                  if ok and life0[i] else None),
                             "reachable": ok, "unit": "years"})
                continue
            values, _ = solved[d.name]
            v = float(values[i])
            if d.name == "optimism_bias":
                ok = math.isfinite(v) and v >= 0
                central_ob = float(c.ob[i])
                change = (v / central_ob - 1.0) if ok and central_ob else (v - central_ob if ok else None)
                rows.append({"driver": d.name, "switching_value": v if ok else None,
                             "switching_change": change, "reachable": ok, "unit": "rate"})
                continue
            ok = math.isfinite(v) and v >= 0
            rows.append({"driver": d.name, "switching_value": v if ok else None,
                         "switching_change": v - 1.0 if ok else None, "reachable": ok,
                         "unit": "factor on the central value"})
        out.append(rows)
    return out


def _horizons(results: PortfolioResults, inputs: PortfolioInputs) -> np.ndarray:
    """Years from the appraisal year to each project's last operating year."""
    from .appraise import project_spans
    start, first, last = project_spans(inputs.projects, inputs.appraisal_year)
    return (last - inputs.appraisal_year + 1).astype(float)
