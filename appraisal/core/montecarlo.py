"""Monte Carlo simulation of the appraisal's uncertainty, vectorised over draws and projects.

Each draw scales the components of every project's present values (see
:mod:`appraisal.core.sensitivity`) by factors drawn from a distribution per
driver. Drivers that are common to all projects (carbon values, energy
prices) are drawn once per draw and shared, so that the portfolio's risk is
not understated by averaging independent draws; the others are drawn per
project. The lifetime, which NPSV is not linear in, is held at its central
value (its range is in the tornado and its switching value is exact).

Carbon values and energy prices are drawn between the pack's series (method
v2): a draw is a position between the low series (-1), the central (0) and
the high series (+1), and each project's present values are interpolated
linearly between their full appraisals at those series. Each fuel's price is
drawn from its own series, once per draw for every project (and, with the
distribution's ``correlation``, at the same position as the other fuels in
that share of the draws); a fuel whose pack rows serve every series keeps
its central price.

References
----------
HM Treasury, The Green Book (2022), 5.86-5.89 ("Monte Carlo analysis") and
the Orange Book's guidance on quantified risk analysis.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .appraise import appraise_portfolio
from .finite import finite_output
from .pack import AssumptionPack
from .portfolio import PortfolioInputs
from .sensitivity import (Components, appraiser, carbon_value_part, fuel_values, fuels_with_series,
                          used_fuels)

SERIES_DRIVERS = ("carbon_values", "energy_prices")


@dataclass(frozen=True)
class Distribution:
    """A driver's distribution.

    ``kind`` "factor": a factor on the central value. ``kind`` "series" (carbon
    values and energy prices only): a position between the pack's series, the
    low end at the low series, the mode at the central case and the high end
    at the high series, the present values interpolated linearly between the
    appraisals at those series. ``correlation`` (energy prices only): the share
    of draws in which every fuel takes the same draw (the correlation between
    two fuels' draws); in the others each fuel is drawn on its own.
    """

    driver: str
    shape: str          # "triangular" or "pert"
    low: float
    mode: float
    high: float
    common: bool        # drawn once per draw for every project
    reason: str
    kind: str = "factor"
    correlation: float = 0.0

    def draw(self, rng: np.random.Generator, size) -> np.ndarray:
        a, m, b = self.low, self.mode, self.high
        if b <= a:
            return np.full(size, m)
        if self.shape == "triangular":
            return rng.triangular(a, m, b, size)
        # Beta-PERT with the usual weight of 4 on the mode
        alpha = 1 + 4 * (m - a) / (b - a)
        beta = 1 + 4 * (b - m) / (b - a)
        return a + (b - a) * rng.beta(alpha, beta, size)

    def position(self, x: np.ndarray) -> np.ndarray:
        """A draw as a position between the series: -1 at ``low``, 0 at ``mode``,
        +1 at ``high``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(self.high > self.mode, (x - self.mode) / (self.high - self.mode), 0.0)
            down = np.where(self.mode > self.low, (x - self.mode) / (self.mode - self.low), 0.0)
        return np.where(x >= self.mode, up, down)


DISTRIBUTIONS: tuple[Distribution, ...] = (
    Distribution("capex", "triangular", 0.9, 1.0, 1.1, False,
                 "Triangular, symmetric, +/-10%: the optimism bias uplift already allows for "
                 "overruns, so a skewed capex range would count them twice"),
    Distribution("opex", "pert", 0.9, 1.0, 1.2, False, "PERT over the tornado's range"),
    Distribution("optimism_bias", "triangular", 0.5, 1.0, 1.5, False,
                 "Triangular between half and one and a half times the uplift used"),
    Distribution("energy_quantities", "pert", 0.75, 1.0, 1.1, False,
                 "PERT: savings below design are likelier than above (the performance gap)"),
    Distribution("energy_prices", "triangular", -1.0, 0.0, 1.0, True,
                 "Each fuel's price between the pack's low (-1), central (0) and high (+1) energy "
                 "series, triangular in that position: one draw per fuel for all projects in a "
                 "draw, each fuel drawn on its own; a fuel without low or high rows keeps its "
                 "central price", kind="series"),
    Distribution("carbon_values", "triangular", -1.0, 0.0, 1.0, True,
                 "Between the DESNZ low (-1), central (0) and high (+1) carbon value series "
                 "(half and one and a half times central), triangular in that position; one "
                 "carbon value path for all projects in a draw", kind="series"),
    Distribution("other_benefits", "pert", 0.75, 1.0, 1.1, False, "PERT over the tornado's range"),
    Distribution("job_intensity", "triangular", 0.8, 1.0, 1.2, False, "Triangular, symmetric"),
    Distribution("additionality", "triangular", 0.8, 1.0, 1.2, False, "Triangular, symmetric"),
)

PERCENTILES = (10, 50, 90)


class SimulationCancelled(Exception):
    """The user stopped the simulation; no figures were produced."""


HISTOGRAM_BINS = 30
SUMMED = ("npsv_gbp", "carbon_saved_tco2e", "net_additional_jobs_fte", "pv_costs_gbp",
          "pv_benefits_gbp", "pv_costs_public_gbp")


def _between(w: np.ndarray, low: np.ndarray, central: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Linear interpolation at position ``w`` (-1 low, 0 central, +1 high)."""
    return central + np.maximum(w, 0.0) * (high - central) + np.maximum(-w, 0.0) * (low - central)


@finite_output("Monte Carlo simulation")
def simulate(inputs: PortfolioInputs, pack: AssumptionPack, *, draws: int, seed: int,
             distributions: tuple[Distribution, ...] = DISTRIBUTIONS,
             carbon_series: str | None = None, discount_schedule: str | None = None,
             energy_series: str | None = None,
             chunk: int = 2_000, progress=None, cancelled=None) -> dict[str, Any]:
    """Draw ``draws`` futures of every project and of the portfolio.

    Returns a JSON-ready dict with, per project, the mean, P10, P50 and P90 of
    NPSV, the social and funder BCRs, carbon saved and net additional jobs, the
    probability that NPSV is below zero and a histogram of NPSV; the same for
    the portfolio; and the seed, the number of draws, the distributions and the
    assumption pack, so that the figures can be reproduced.
    ``progress(done, total)`` is called after each chunk of draws and
    ``cancelled()`` polled before each; when it returns True,
    :class:`SimulationCancelled` is raised.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    for d in distributions:
        if d.kind not in ("factor", "series") or (d.kind == "series" and d.driver not in SERIES_DRIVERS):
            raise ValueError(f"{d.driver}: a {d.kind!r} distribution is not possible")
        if not 0.0 <= d.correlation <= 1.0:
            raise ValueError(f"{d.driver}: correlation {d.correlation} is not between 0 and 1")
    results = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                 discount_schedule=discount_schedule, energy_series=energy_series)
    run = appraiser(inputs, pack, results)
    by_driver = {d.driver: d for d in distributions}
    carbon_d, energy_d = by_driver.get("carbon_values"), by_driver.get("energy_prices")
    cv_part = (carbon_value_part(run, pack, results)
               if carbon_d is not None and carbon_d.kind == "factor" else None)
    comp = Components.of(results, pack.parameters["job_years_per_permanent_job"], cv_part)
    n = len(results.ids)
    m = results.metrics

    # carbon values between the series: each project's carbon benefit and embodied cost
    carbon_at = None
    if carbon_d is not None and carbon_d.kind == "series":
        runs = {s: run(carbon=s).metrics for s in ("low", "high")}
        carbon_at = {key: (runs["low"][key], m[key], runs["high"][key])
                     for key in ("pv_carbon_benefit_gbp", "pv_embodied_carbon_cost_gbp")}
    # energy prices, fuel by fuel: the value of each project's change in each fuel
    used = used_fuels(inputs)
    with_series = fuels_with_series(pack, used)
    energy_fuels: list[str] = []
    fuel_pv = None
    if energy_d is not None:
        if energy_d.kind == "series":
            energy_fuels = with_series
            if energy_fuels:
                fuel_pv = fuel_values(inputs, pack, run, energy_fuels, tuple(dict.fromkeys(
                    ("low", results.energy_series, "high")))).values
                fuel_pv = {"low": fuel_pv["low"], "central": fuel_pv[results.energy_series],
                           "high": fuel_pv["high"]}
        else:
            energy_fuels = used
            if energy_fuels:
                fuel_pv = {"central": fuel_values(inputs, pack, run, energy_fuels,
                                                  (results.energy_series,)
                                                  ).values[results.energy_series]}

    rng = np.random.default_rng(seed)
    outs: dict[str, list[np.ndarray]] = {k: [] for k in ("npsv_gbp", "bcr", "bcr_public", *SUMMED)}
    for start in range(0, draws, chunk):   # chunks of draws bound memory for big portfolios
        if cancelled is not None and cancelled():
            raise SimulationCancelled()
        k = min(chunk, draws - start)
        factors: dict[str, Any] = {}
        for d in distributions:
            shape = (k, 1) if d.common else (k, n)
            if d is energy_d:
                factors.update(_energy_draw(d, rng, shape, comp, fuel_pv, len(energy_fuels)))
            elif d is carbon_d and carbon_at is not None:
                w = d.position(d.draw(rng, shape))
                factors["pv_carbon"] = _between(w, *carbon_at["pv_carbon_benefit_gbp"])
                factors["pv_embodied"] = _between(w, *carbon_at["pv_embodied_carbon_cost_gbp"])
            else:
                factors[d.driver] = d.draw(rng, shape)
        r = comp.evaluate(**factors)
        for key in outs:
            outs[key].append(np.broadcast_to(r[key], (k, n)))
        if progress is not None:
            progress(start + k, draws)
    arrays = {key: np.concatenate(v, axis=0) if v else np.zeros((0, n)) for key, v in outs.items()}
    central = m["npsv_gbp"]
    projects = [{"id": results.ids[i], "npsv_central_gbp": float(central[i]), **s}
                for i, s in enumerate(_summaries(arrays))]
    total = {k: arrays[k].sum(axis=1) for k in SUMMED}
    with np.errstate(invalid="ignore", divide="ignore"):
        total["bcr"] = np.where(total["pv_costs_gbp"] != 0,
                                total["pv_benefits_gbp"] / total["pv_costs_gbp"], np.nan)
        pub = total["pv_costs_public_gbp"]
        total["bcr_public"] = np.where(
            pub != 0, (total["pv_benefits_gbp"] - (total["pv_costs_gbp"] - pub)) / pub, np.nan)
    without = [f for f in used if f not in with_series]
    note = ("The lifetime is held at its central value (see the tornado and switching "
            "values). The mean can differ from the central NPSV because some ranges are "
            "skewed (energy savings more often fall short of design than exceed it) and the "
            "pack's low and high series need not be symmetric about the central.")
    if energy_d is not None and energy_d.kind == "series" and without:
        note += (" The pack has no low or high energy price series for "
                 f"{', '.join(without)}: their prices are held at the central.")
    return {
        "seed": seed, "draws": draws,
        "assumptions": {"id": pack.id, "vintage": pack.vintage},
        "carbon_series": results.carbon_series, "discount_schedule": results.discount_schedule,
        "energy_series": results.energy_series,
        "distributions": [{"driver": d.driver, "shape": d.shape, "low": d.low, "mode": d.mode,
                           "high": d.high, "common_to_all_projects": d.common, "reason": d.reason,
                           "kind": d.kind,
                           **({"correlation_between_fuels": d.correlation,
                               "fuels_drawn": list(energy_fuels)} if d is energy_d else {})}
                          for d in distributions],
        "energy_fuels_without_series": without,
        "note": note,
        "portfolio": {"npsv_central_gbp": float(central.sum()), **_summary(total)},
        "projects": projects,
    }


def _energy_draw(d: Distribution, rng: np.random.Generator, shape: tuple, comp: Components,
                 fuel_pv: dict[str, np.ndarray] | None, n_fuels: int) -> dict[str, Any]:
    """The energy saving's PV (with the comfort taken) of one chunk of draws, each
    fuel drawn on its own (the loop is over fuels, a handful)."""
    if fuel_pv is None:          # no fuel to draw: every price stays central
        return {}
    together = d.draw(rng, shape) if d.correlation > 0 else None
    same = rng.random((shape[0], 1)) < d.correlation if d.correlation > 0 else None
    draws = []
    for _ in range(n_fuels):
        x = d.draw(rng, shape)
        draws.append(x if together is None else np.where(same, together, x))
    c = fuel_pv["central"]
    if d.kind == "series":
        up, down = fuel_pv["high"] - c, fuel_pv["low"] - c
        value = comp.pv_energy + comp.pv_comfort
        if shape[1] == 1:    # common to every project: (draws, fuels) @ (fuels, projects)
            w = d.position(np.hstack(draws))
            value = value + np.maximum(w, 0.0) @ up.T + np.maximum(-w, 0.0) @ down.T
        else:
            for j, x in enumerate(draws):
                w = d.position(x)
                value = value + np.maximum(w, 0.0) * up[:, j] + np.maximum(-w, 0.0) * down[:, j]
    elif shape[1] == 1:
        value = np.hstack(draws) @ c.T
    else:
        value = sum(x * c[:, j] for j, x in enumerate(draws))
    return {"pv_energy": value, "pv_comfort": 0.0}


STATS = (("npsv_gbp", "npsv", "_gbp"), ("bcr", "bcr", ""), ("bcr_public", "bcr_public", ""),
         ("carbon_saved_tco2e", "carbon", "_tco2e"), ("net_additional_jobs_fte", "jobs", "_fte"))


def _summaries(arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """:func:`_summary` of every project (column) of (draws, projects) arrays: the
    percentiles of the columns without an undefined draw at once, the others
    one by one (a BCR with no costs in some draws)."""
    n = next(iter(arrays.values())).shape[1]
    cols = [{k: a[:, i] for k, a in arrays.items()} for i in range(n)]
    if n == 0 or arrays["npsv_gbp"].shape[0] == 0:
        return [_summary(c) for c in cols]
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, prefix, unit in STATS:
        a = arrays[key]
        finite = np.isfinite(a).all(axis=0)
        qs = np.percentile(a[:, finite], PERCENTILES, axis=0) if finite.any() else None
        means = a[:, finite].mean(axis=0) if finite.any() else None
        k = 0
        for i in range(n):   # the dicts of the JSON, one per project
            if finite[i]:
                out[i][f"{prefix}_mean{unit}"] = float(means[k])
                for p, q in zip(PERCENTILES, qs[:, k]):
                    out[i][f"{prefix}_p{p}{unit}"] = float(q)
                k += 1
            else:
                out[i].update(_stat(a[:, i], prefix, unit))
    npsv = arrays["npsv_gbp"]
    negative = (npsv < 0).mean(axis=0)
    for i in range(n):
        out[i]["prob_npsv_negative"] = float(negative[i])
        counts, edges = np.histogram(npsv[:, i], bins=HISTOGRAM_BINS)
        out[i]["npsv_histogram"] = {"counts": counts.astype(int).tolist(),
                                    "edges_gbp": [float(e) for e in edges]}
    return out


def _stat(v: np.ndarray, prefix: str, unit: str) -> dict[str, Any]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {f"{prefix}_mean{unit}": None, **{f"{prefix}_p{p}{unit}": None for p in PERCENTILES}}
    qs = np.percentile(v, PERCENTILES)
    return {f"{prefix}_mean{unit}": float(v.mean()),
            **{f"{prefix}_p{p}{unit}": float(q) for p, q in zip(PERCENTILES, qs)}}


def _summary(a: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prefix, unit in STATS:
        out.update(_stat(a[key], prefix, unit))
    npsv = a["npsv_gbp"]
    out["prob_npsv_negative"] = float(np.mean(npsv < 0)) if npsv.size else None
    counts, edges = np.histogram(npsv, bins=HISTOGRAM_BINS) if npsv.size else (np.zeros(0), np.zeros(0))
    out["npsv_histogram"] = {"counts": counts.astype(int).tolist(),
                             "edges_gbp": [float(e) for e in edges]}
    return out
