"""Monte Carlo simulation of the appraisal's uncertainty, vectorised over draws and projects.

Each draw scales the components of every project's present values (see
:mod:`appraisal.core.sensitivity`) by factors drawn from a distribution per
driver. Drivers that are common to all projects (carbon values, energy
prices) are drawn once per draw and shared, so that the portfolio's risk is
not understated by averaging independent draws; the others are drawn per
project. The lifetime, which NPSV is not linear in, is held at its central
value (its range is in the tornado and its switching value is exact).

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
from .pack import AssumptionPack
from .portfolio import PortfolioInputs
from .sensitivity import Components


@dataclass(frozen=True)
class Distribution:
    """A driver's distribution: a factor on the central value."""

    driver: str
    shape: str          # "triangular" or "pert"
    low: float
    mode: float
    high: float
    common: bool        # drawn once per draw for every project
    reason: str

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


DISTRIBUTIONS: tuple[Distribution, ...] = (
    Distribution("capex", "triangular", 0.9, 1.0, 1.1, False,
                 "Triangular, symmetric, +/-10%: the optimism bias uplift already allows for "
                 "overruns, so a skewed capex range would count them twice"),
    Distribution("opex", "pert", 0.9, 1.0, 1.2, False, "PERT over the tornado's range"),
    Distribution("optimism_bias", "triangular", 0.5, 1.0, 1.5, False,
                 "Triangular between half and one and a half times the uplift used"),
    Distribution("energy_quantities", "pert", 0.75, 1.0, 1.1, False,
                 "PERT: savings below design are likelier than above (the performance gap)"),
    Distribution("energy_prices", "triangular", 0.8, 1.0, 1.2, True,
                 "Triangular, symmetric; one price path for all projects in a draw"),
    Distribution("carbon_values", "triangular", 0.5, 1.0, 1.5, True,
                 "Triangular between the DESNZ low and high series (half and one and a half "
                 "times central); one carbon value path for all projects in a draw"),
    Distribution("other_benefits", "pert", 0.75, 1.0, 1.1, False, "PERT over the tornado's range"),
    Distribution("job_intensity", "triangular", 0.8, 1.0, 1.2, False, "Triangular, symmetric"),
    Distribution("additionality", "triangular", 0.8, 1.0, 1.2, False, "Triangular, symmetric"),
)

PERCENTILES = (10, 50, 90)


class SimulationCancelled(Exception):
    """The user stopped the simulation; no figures were produced."""
HISTOGRAM_BINS = 30


def simulate(inputs: PortfolioInputs, pack: AssumptionPack, *, draws: int, seed: int,
             distributions: tuple[Distribution, ...] = DISTRIBUTIONS,
             carbon_series: str | None = None, discount_schedule: str | None = None,
             chunk: int = 2_000, progress=None, cancelled=None) -> dict[str, Any]:
    """Draw ``draws`` futures of every project and of the portfolio.

    Returns a JSON-ready dict with, per project, the mean, P10, P50 and P90 of
    NPSV, BCR, carbon saved and net additional jobs, the probability that NPSV
    is below zero and a histogram of NPSV; the same for the portfolio; and the
    seed, the number of draws, the distributions and the assumption pack, so
    that the figures can be reproduced. ``progress(done, total)`` is called
    after each chunk of draws and ``cancelled()`` polled before each; when it
    returns True, :class:`SimulationCancelled` is raised.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    results = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                 discount_schedule=discount_schedule)
    comp = Components.of(results, pack.parameters["job_years_per_permanent_job"])
    n = len(results.ids)
    rng = np.random.default_rng(seed)
    outs: dict[str, list[np.ndarray]] = {k: [] for k in ("npsv_gbp", "bcr", "carbon_saved_tco2e",
                                                        "net_additional_jobs_fte", "pv_costs_gbp",
                                                        "pv_benefits_gbp")}
    for start in range(0, draws, chunk):   # chunks of draws bound memory for big portfolios
        if cancelled is not None and cancelled():
            raise SimulationCancelled()
        k = min(chunk, draws - start)
        factors = {d.driver: (d.draw(rng, (k, 1)) if d.common else d.draw(rng, (k, n)))
                   for d in distributions}
        pv_carbon = comp.pv_carbon * factors.pop("carbon_values")
        r = comp.evaluate(pv_carbon=pv_carbon, **factors)
        for key in outs:
            outs[key].append(np.broadcast_to(r[key], (k, n)))
        if progress is not None:
            progress(start + k, draws)
    arrays = {key: np.concatenate(v, axis=0) if v else np.zeros((0, n)) for key, v in outs.items()}
    central = results.metrics["npsv_gbp"]
    projects = [
        {"id": results.ids[i], "npsv_central_gbp": float(central[i]),
         **_summary({k: a[:, i] for k, a in arrays.items()})}
        for i in range(n)]
    total = {k: arrays[k].sum(axis=1) for k in ("npsv_gbp", "carbon_saved_tco2e",
                                                "net_additional_jobs_fte", "pv_costs_gbp",
                                                "pv_benefits_gbp")}
    with np.errstate(invalid="ignore", divide="ignore"):
        total["bcr"] = np.where(total["pv_costs_gbp"] != 0,
                                total["pv_benefits_gbp"] / total["pv_costs_gbp"], np.nan)
    return {
        "seed": seed, "draws": draws,
        "assumptions": {"id": pack.id, "vintage": pack.vintage},
        "carbon_series": results.carbon_series, "discount_schedule": results.discount_schedule,
        "distributions": [{"driver": d.driver, "shape": d.shape, "low": d.low, "mode": d.mode,
                           "high": d.high, "common_to_all_projects": d.common, "reason": d.reason}
                          for d in distributions],
        "note": ("The lifetime is held at its central value (see the tornado and switching "
                 "values). The mean can differ from the central NPSV because some ranges are "
                 "skewed (energy savings more often fall short of design than exceed it)."),
        "portfolio": {"npsv_central_gbp": float(central.sum()), **_summary(total)},
        "projects": projects,
    }


def _summary(a: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prefix in (("npsv_gbp", "npsv"), ("bcr", "bcr"), ("carbon_saved_tco2e", "carbon"),
                        ("net_additional_jobs_fte", "jobs")):
        v = a[key]
        v = v[np.isfinite(v)]
        unit = {"npsv": "_gbp", "bcr": "", "carbon": "_tco2e", "jobs": "_fte"}[prefix]
        if v.size == 0:
            out.update({f"{prefix}_mean{unit}": None,
                        **{f"{prefix}_p{p}{unit}": None for p in PERCENTILES}})
            continue
        qs = np.percentile(v, PERCENTILES)
        out[f"{prefix}_mean{unit}"] = float(v.mean())
        for p, q in zip(PERCENTILES, qs):
            out[f"{prefix}_p{p}{unit}"] = float(q)
    npsv = a["npsv_gbp"]
    out["prob_npsv_negative"] = float(np.mean(npsv < 0)) if npsv.size else None
    counts, edges = np.histogram(npsv, bins=HISTOGRAM_BINS) if npsv.size else (np.zeros(0), np.zeros(0))
    out["npsv_histogram"] = {"counts": counts.astype(int).tolist(),
                             "edges_gbp": [float(e) for e in edges]}
    return out
