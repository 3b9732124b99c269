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

import functools
import math
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .appraise import appraise_portfolio
from .finite import finite_output
from .pack import AssumptionPack
from .portfolio import PortfolioInputs
from .sensitivity import (Components, appraiser, carbon_value_part, fuel_values, fuels_with_series,
                          used_fuels)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd   # imported where used: the core loads without it

    from .results import PortfolioResults

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

    def draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        a, m, b = self.low, self.mode, self.high
        if b <= a:
            return np.full(size, m)
        if self.shape == "triangular":
            drawn: np.ndarray = rng.triangular(a, m, b, size)
            return drawn
        # Beta-PERT with the usual weight of 4 on the mode
        alpha = 1 + 4 * (m - a) / (b - a)
        beta = 1 + 4 * (b - m) / (b - a)
        pert: np.ndarray = a + (b - a) * rng.beta(alpha, beta, size)
        return pert

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
# output -> (prefix, unit suffix) of the JSON's keys, e.g. npsv_p10_gbp
STATS = (("npsv_gbp", "npsv", "_gbp"), ("bcr", "bcr", ""), ("bcr_public", "bcr_public", ""),
         ("carbon_saved_tco2e", "carbon", "_tco2e"), ("net_additional_jobs_fte", "jobs", "_fte"))
OUTPUTS = tuple(key for key, _, _ in STATS)

# The documented maximum number of draws (FORMAT.md 3; the command line refuses more).
MAX_DRAWS = 10_000_000
# Draws are made in blocks of this many, each distribution in turn: the seed's
# definition. Memory does not depend on it (the draws of a block for 500
# projects take some 50 MB), and the figures do not depend on ``chunk``.
RNG_BLOCK = 2_000
# Up to this many draws x projects, every project's draws are kept (200 MB) and
# its percentiles are exact; beyond, they are read from a histogram of
# QUANTILE_BINS bins between the project's least and greatest draw, filled in a
# second run over the same draws: within (max - min) / bins of the exact figure
# (docs/uncertainty.md). Means, the risk of a negative NPSV, the NPSV histograms
# and every portfolio figure are exact either way. The histograms hold at most
# HISTOGRAM_VALUES counts (134 MB): past 819 projects each has fewer bins, down
# to MIN_QUANTILE_BINS.
EXACT_MAX_VALUES = 5_000_000
QUANTILE_BINS = 4_096
MIN_QUANTILE_BINS = 64
HISTOGRAM_VALUES = 2**24
# draws x projects evaluated at a time: bounds the memory of the temporaries
CHUNK_VALUES = 250_000


def _between(w: np.ndarray, low: np.ndarray, central: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Linear interpolation at position ``w`` (-1 low, 0 central, +1 high)."""
    out: np.ndarray = central + np.maximum(w, 0.0) * (high - central) + np.maximum(-w, 0.0) * (low - central)
    return out


# ---------------------------------------------------------------------------
# The typed result
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """The simulated figures of one project or of the portfolio (``id`` None).

    ``mean``, ``p10``, ``p50`` and ``p90`` map each output of :data:`OUTPUTS`
    to its figure (None where no draw gives a defined value, as a BCR
    without costs); the histogram is of NPSV.
    """

    id: str | None
    npsv_central_gbp: float
    mean: dict[str, float | None]
    p10: dict[str, float | None]
    p50: dict[str, float | None]
    p90: dict[str, float | None]
    prob_npsv_negative: float | None
    histogram_counts: tuple[int, ...]
    histogram_edges_gbp: tuple[float, ...]

    @property
    def npsv_mean_gbp(self) -> float | None:
        return self.mean["npsv_gbp"]

    @property
    def npsv_p10_gbp(self) -> float | None:
        return self.p10["npsv_gbp"]

    @property
    def npsv_p50_gbp(self) -> float | None:
        return self.p50["npsv_gbp"]

    @property
    def npsv_p90_gbp(self) -> float | None:
        return self.p90["npsv_gbp"]

    def statistic(self, output: str, stat: str) -> float | None:
        """``stat`` ("mean", "p10", "p50" or "p90") of ``output`` (one of :data:`OUTPUTS`)."""
        if stat not in ("mean", "p10", "p50", "p90"):
            raise KeyError(stat)
        value: float | None = getattr(self, stat)[output]
        return value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.id is None else {"id": self.id}
        out["npsv_central_gbp"] = self.npsv_central_gbp
        for key, prefix, unit in STATS:
            out[f"{prefix}_mean{unit}"] = self.mean[key]
            for p in PERCENTILES:
                out[f"{prefix}_p{p}{unit}"] = getattr(self, f"p{p}")[key]
        out["prob_npsv_negative"] = self.prob_npsv_negative
        out["npsv_histogram"] = {"counts": list(self.histogram_counts),
                                 "edges_gbp": list(self.histogram_edges_gbp)}
        return out


@dataclass(frozen=True)
class Stats:
    """Summaries of ``m`` series of draws (the projects, or the portfolio as one):
    ``mean[output]`` (m,), ``percentiles[output]`` (3, m) at :data:`PERCENTILES`,
    NaN where no draw is defined; ``prob_npsv_negative`` (m,); the NPSV histogram's
    ``histogram_counts`` (m, 30) and ``histogram_edges`` (m, 31)."""

    central: np.ndarray
    mean: dict[str, np.ndarray]
    percentiles: dict[str, np.ndarray]
    prob_npsv_negative: np.ndarray
    histogram_counts: np.ndarray
    histogram_edges: np.ndarray

    def outcome(self, i: int, id: str | None) -> Outcome:
        pct = {p: {key: _finite(self.percentiles[key][k, i]) for key in OUTPUTS}
               for k, p in enumerate(PERCENTILES)}
        return Outcome(id=id, npsv_central_gbp=float(self.central[i]),
                       mean={key: _finite(self.mean[key][i]) for key in OUTPUTS},
                       p10=pct[10], p50=pct[50], p90=pct[90],
                       prob_npsv_negative=_finite(self.prob_npsv_negative[i]),
                       histogram_counts=tuple(int(c) for c in self.histogram_counts[i]),
                       histogram_edges_gbp=tuple(float(e) for e in self.histogram_edges[i]))


def _finite(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class SimulationSummary:
    """The result of :func:`simulate`: the figures per project and for the portfolio
    (:class:`Stats`, arrays), and what reproduces them (seed, draws, the
    distributions and the assumption pack). ``percentiles`` is "exact", or
    "binned" where the projects' percentiles were read from histograms
    (:data:`EXACT_MAX_VALUES`). :meth:`to_dict` is the JSON of ``appraisal
    montecarlo``."""

    seed: int
    draws: int
    pack_id: str
    pack_vintage: str
    carbon_series: str
    discount_schedule: str
    energy_series: str
    distributions: tuple[dict[str, Any], ...]
    energy_fuels_without_series: tuple[str, ...]
    note: str
    ids: tuple[str, ...]
    project_stats: Stats
    portfolio_stats: Stats
    percentiles: str = "exact"

    @functools.cached_property
    def projects(self) -> tuple[Outcome, ...]:
        """Per project (in the order of ``ids``), its figures."""
        return tuple(self.project_stats.outcome(i, pid) for i, pid in enumerate(self.ids))

    @functools.cached_property
    def portfolio(self) -> Outcome:
        """The portfolio's figures: of the sums over projects, draw by draw."""
        return self.portfolio_stats.outcome(0, None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``appraisal montecarlo --format json`` (FORMAT.md)."""
        out: dict[str, Any] = {
            "seed": self.seed, "draws": self.draws,
            "assumptions": {"id": self.pack_id, "vintage": self.pack_vintage},
            "carbon_series": self.carbon_series, "discount_schedule": self.discount_schedule,
            "energy_series": self.energy_series,
            "distributions": [dict(d) for d in self.distributions],
            "energy_fuels_without_series": list(self.energy_fuels_without_series),
            "note": self.note}
        if self.percentiles != "exact":
            out["project_percentiles"] = self.percentiles
        out["portfolio"] = self.portfolio.to_dict()
        out["projects"] = [p.to_dict() for p in self.projects]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per project and a last row ``PORTFOLIO``: the JSON's keys as
        columns (the histogram left out), the project id as index.

        >>> from appraisal import appraise, example_path
        >>> mc = appraise(example_path()).simulate(draws=200, seed=1)
        >>> frame = mc.to_frame()
        >>> frame.index[-1], "npsv_p50_gbp" in frame.columns
        ('PORTFOLIO', True)
        """
        import pandas as pd
        rows = [{k: v for k, v in o.to_dict().items() if k != "npsv_histogram"}
                for o in (*self.projects, self.portfolio)]
        rows[-1] = {"id": "PORTFOLIO", **rows[-1]}
        frame: pd.DataFrame = pd.DataFrame(rows).set_index("id")
        return frame


# ---------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------

@dataclass
class _Model:
    """What every chunk of draws needs: the components, and the series' values
    between which carbon values and energy prices are drawn."""

    comp: Components
    n: int
    distributions: tuple[Distribution, ...]
    carbon_d: Distribution | None
    energy_d: Distribution | None
    carbon_at: dict[str, tuple[Any, ...]] | None
    fuel_pv: dict[str, np.ndarray] | None
    n_fuels: int


def _check(draws: int, distributions: tuple[Distribution, ...]) -> None:
    if draws < 1:
        raise ValueError("draws must be at least 1")
    for d in distributions:
        if d.kind not in ("factor", "series") or (d.kind == "series" and d.driver not in SERIES_DRIVERS):
            raise ValueError(f"{d.driver}: a {d.kind!r} distribution is not possible")
        if not 0.0 <= d.correlation <= 1.0:
            raise ValueError(f"{d.driver}: correlation {d.correlation} is not between 0 and 1")


@finite_output("Monte Carlo simulation")
def simulate(inputs: PortfolioInputs, pack: AssumptionPack, *, draws: int, seed: int,
             distributions: tuple[Distribution, ...] = DISTRIBUTIONS,
             carbon_series: str | None = None, discount_schedule: str | None = None,
             energy_series: str | None = None, chunk: int | None = None,
             exact_max_values: int = EXACT_MAX_VALUES,
             progress: Callable[[int, int], object] | None = None,
             cancelled: Callable[[], bool] | None = None) -> SimulationSummary:
    """Draw ``draws`` futures of every project and of the portfolio.

    Returns a :class:`SimulationSummary`: per project, the mean, P10, P50 and
    P90 of NPSV, the social and funder BCRs, carbon saved and net additional
    jobs, the probability that NPSV is below zero and a histogram of NPSV; the
    same for the portfolio; and the seed, the number of draws, the
    distributions and the assumption pack, so that the figures can be
    reproduced. The draws are evaluated ``chunk`` at a time (by default, some
    :data:`CHUNK_VALUES` draws x projects), which bounds the memory and does not
    change the figures. ``progress(done, total)`` is called after each chunk
    and ``cancelled()`` polled before each; when it returns True,
    :class:`SimulationCancelled` is raised.

    >>> from appraisal import appraise, example_path
    >>> mc = appraise(example_path()).simulate(draws=500, seed=3)
    >>> mc.draws, len(mc.projects) == len(mc.ids), mc.percentiles
    (500, True, 'exact')
    >>> mc.portfolio.p10["npsv_gbp"] <= mc.portfolio.p90["npsv_gbp"]
    True
    """
    _check(draws, distributions)
    results = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                 discount_schedule=discount_schedule, energy_series=energy_series)
    model, used, with_series, energy_fuels = _model(inputs, pack, results, distributions)
    n = model.n
    chunk = chunk or max(1, min(RNG_BLOCK, CHUNK_VALUES // max(n, 1)))
    exact = draws * n <= exact_max_values
    runner = _Runner(model, draws, seed, chunk, 1 if exact else 2, progress, cancelled)
    totals = {key: np.empty(draws) for key in OUTPUTS}
    if exact:
        kept = {key: np.empty((draws, n)) for key in OUTPUTS}

        def keep(start: int, r: dict[str, np.ndarray]) -> None:
            for key in OUTPUTS:
                kept[key][start:start + len(r["npsv_gbp"])] = r[key]
            _add_totals(totals, start, r)
        runner.run(keep)
        project_stats = _exact_stats(kept, results.metrics["npsv_gbp"])
        del kept
    else:
        project_stats = _streamed_stats(runner, totals, results.metrics["npsv_gbp"])
    portfolio_stats = _exact_stats({k: v[:, None] for k, v in totals.items()},
                                   np.array([results.metrics["npsv_gbp"].sum()]), column=False)
    without = [f for f in used if f not in with_series]
    return SimulationSummary(
        seed=seed, draws=draws, pack_id=pack.id, pack_vintage=pack.vintage,
        carbon_series=results.carbon_series, discount_schedule=results.discount_schedule,
        energy_series=results.energy_series,
        distributions=tuple(_distribution_entry(d, model.energy_d, energy_fuels)
                            for d in distributions),
        energy_fuels_without_series=tuple(without),
        note=_note(model.energy_d, without, None if exact else quantile_bins(n)),
        ids=tuple(results.ids), project_stats=project_stats, portfolio_stats=portfolio_stats,
        percentiles="exact" if exact else f"binned ({quantile_bins(n)} bins between each "
                                          "project's least and greatest draw)")


def quantile_bins(n: int) -> int:
    """The bins of each project's histograms when its draws are not kept: QUANTILE_BINS,
    fewer past 819 projects so that all of them hold at most HISTOGRAM_VALUES counts.

    >>> quantile_bins(500), quantile_bins(10_000), quantile_bins(1_000_000)
    (4096, 335, 64)
    """
    return max(MIN_QUANTILE_BINS, min(QUANTILE_BINS, HISTOGRAM_VALUES // (len(OUTPUTS) * max(n, 1))))


def _distribution_entry(d: Distribution, energy_d: Distribution | None,
                        energy_fuels: list[str]) -> dict[str, Any]:
    return {"driver": d.driver, "shape": d.shape, "low": d.low, "mode": d.mode,
            "high": d.high, "common_to_all_projects": d.common, "reason": d.reason,
            "kind": d.kind,
            **({"correlation_between_fuels": d.correlation,
                "fuels_drawn": list(energy_fuels)} if d is energy_d else {})}


def _note(energy_d: Distribution | None, without: list[str], bins: int | None) -> str:
    note = ("The lifetime is held at its central value (see the tornado and switching "
            "values). The mean can differ from the central NPSV because some ranges are "
            "skewed (energy savings more often fall short of design than exceed it) and the "
            "pack's low and high series need not be symmetric about the central.")
    if energy_d is not None and energy_d.kind == "series" and without:
        note += (" The pack has no low or high energy price series for "
                 f"{', '.join(without)}: their prices are held at the central.")
    if bins is not None:
        note += (f" With this many draws and projects, each project's percentiles are read from "
                 f"a histogram of its draws in {bins:,} bins (within 1/{bins:,} of the range of "
                 "its draws); the portfolio's are exact.")
    return note


def _model(inputs: PortfolioInputs, pack: AssumptionPack, results: PortfolioResults,
           distributions: tuple[Distribution, ...]
           ) -> tuple[_Model, list[str], list[str], list[str]]:
    """The components and the series' values the draws move between; with the
    fuels used, those with price series, and those drawn."""
    run = appraiser(inputs, pack, results)
    by_driver = {d.driver: d for d in distributions}
    carbon_d, energy_d = by_driver.get("carbon_values"), by_driver.get("energy_prices")
    cv_part = (carbon_value_part(run, pack, results)
               if carbon_d is not None and carbon_d.kind == "factor" else None)
    comp = Components.of(results, pack.parameters["job_years_per_permanent_job"], cv_part)
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
    model = _Model(comp, len(results.ids), distributions, carbon_d, energy_d, carbon_at, fuel_pv,
                   len(energy_fuels))
    return model, used, with_series, energy_fuels


class _Runner:
    """Runs over the draws, as many times as asked, chunk by chunk: the same seed
    gives the same draws on every run. Draws are made a block of
    :data:`RNG_BLOCK` at a time (each distribution in turn, the seed's definition
    since the first version) and evaluated ``chunk`` rows at a time."""

    def __init__(self, model: _Model, draws: int, seed: int, chunk: int, passes: int,
                 progress: Callable[[int, int], object] | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.model, self.draws, self.seed, self.chunk = model, draws, seed, chunk
        self.passes, self.progress, self.cancelled = passes, progress, cancelled
        self.done_passes = 0

    def run(self, visit: Callable[[int, dict[str, np.ndarray]], object]) -> None:
        """Call ``visit(first_draw, outputs)`` for every chunk of draws in order."""
        rng = np.random.default_rng(self.seed)
        for block in range(0, self.draws, RNG_BLOCK):
            k = min(RNG_BLOCK, self.draws - block)
            drawn = _draw_block(self.model, rng, k)
            for start in range(0, k, self.chunk):
                if self.cancelled is not None and self.cancelled():
                    raise SimulationCancelled()
                rows = slice(start, min(k, start + self.chunk))
                visit(block + start, _evaluate(self.model, drawn, rows))
                if self.progress is not None:
                    self.progress(self.done_passes * self.draws + block + rows.stop,
                                  self.passes * self.draws)
        self.done_passes += 1


def _draw_block(model: _Model, rng: np.random.Generator, k: int) -> dict[str, Any]:
    """A block of ``k`` draws of every distribution, in the seed's order."""
    drawn: dict[str, Any] = {}
    for d in model.distributions:
        shape = (k, 1) if d.common else (k, model.n)
        if d is model.energy_d:
            if model.fuel_pv is not None:     # no fuel to draw: every price stays central
                drawn[d.driver] = _energy_positions(d, rng, shape, model.n_fuels)
        else:
            drawn[d.driver] = d.draw(rng, shape)
    return drawn


def _evaluate(model: _Model, drawn: dict[str, Any], rows: slice) -> dict[str, np.ndarray]:
    """The outputs of the draws ``rows`` of a block, as (draws, projects) arrays."""
    factors: dict[str, Any] = {}
    for d in model.distributions:
        if d.driver not in drawn:
            continue
        if d is model.energy_d and model.fuel_pv is not None:
            factors.update(_energy_value(d, [x[rows] for x in drawn[d.driver]], model.comp,
                                         model.fuel_pv))
        elif d is model.carbon_d and model.carbon_at is not None:
            w = d.position(drawn[d.driver][rows])
            factors["pv_carbon"] = _between(w, *model.carbon_at["pv_carbon_benefit_gbp"])
            factors["pv_embodied"] = _between(w, *model.carbon_at["pv_embodied_carbon_cost_gbp"])
        else:
            factors[d.driver] = drawn[d.driver][rows]
    r = model.comp.evaluate(**factors)
    k = rows.stop - rows.start
    return {key: np.ascontiguousarray(np.broadcast_to(r[key], (k, model.n)))
            for key in (*OUTPUTS, *SUMMED)}


def _add_totals(totals: dict[str, np.ndarray], start: int, r: dict[str, np.ndarray]) -> None:
    """The portfolio's outputs of a chunk of draws: sums over projects, draw by draw."""
    rows = slice(start, start + len(r["npsv_gbp"]))
    s = {key: r[key].sum(axis=1) for key in SUMMED}
    for key in ("npsv_gbp", "carbon_saved_tco2e", "net_additional_jobs_fte"):
        totals[key][rows] = s[key]
    with np.errstate(invalid="ignore", divide="ignore"):
        totals["bcr"][rows] = np.where(s["pv_costs_gbp"] != 0,
                                       s["pv_benefits_gbp"] / s["pv_costs_gbp"], np.nan)
        pub = s["pv_costs_public_gbp"]
        totals["bcr_public"][rows] = np.where(
            pub != 0, (s["pv_benefits_gbp"] - (s["pv_costs_gbp"] - pub)) / pub, np.nan)


def _energy_positions(d: Distribution, rng: np.random.Generator, shape: tuple[Any, ...],
                      n_fuels: int) -> list[np.ndarray]:
    """Each fuel's draws of a block (in the seed's order: the draw shared by every
    fuel, which draws share it, then each fuel's own)."""
    if d.correlation <= 0:
        return [d.draw(rng, shape) for _ in range(n_fuels)]
    together = d.draw(rng, shape)
    same = rng.random((shape[0], 1)) < d.correlation
    return [np.where(same, together, d.draw(rng, shape)) for _ in range(n_fuels)]


def _energy_value(d: Distribution, draws: list[np.ndarray], comp: Components,
                  fuel_pv: dict[str, np.ndarray]) -> dict[str, Any]:
    """The energy saving's PV (with the comfort taken) of a chunk of draws, each
    fuel drawn on its own (the loop is over fuels, a handful)."""
    c = fuel_pv["central"]
    common = draws[0].shape[1] == 1 if draws else True
    if d.kind == "series":
        up, down = fuel_pv["high"] - c, fuel_pv["low"] - c
        value = comp.pv_energy + comp.pv_comfort
        if common:    # common to every project: (draws, fuels) @ (fuels, projects)
            w = d.position(np.hstack(draws))
            value = value + np.maximum(w, 0.0) @ up.T + np.maximum(-w, 0.0) @ down.T
        else:
            for j, x in enumerate(draws):
                w = d.position(x)
                value = value + np.maximum(w, 0.0) * up[:, j] + np.maximum(-w, 0.0) * down[:, j]
    elif common:
        value = np.hstack(draws) @ c.T
    else:
        value = sum(x * c[:, j] for j, x in enumerate(draws))
    return {"pv_energy": value, "pv_comfort": 0.0}


# ---------------------------------------------------------------------------
# Summaries: exact from every draw, or streamed
# ---------------------------------------------------------------------------

def _exact_stats(arrays: dict[str, np.ndarray], central: np.ndarray, column: bool = True) -> Stats:
    """:class:`Stats` of every column of (draws, m) arrays, from all the draws: the
    percentiles of the columns without an undefined draw at once, the others one
    by one (a BCR with no costs in some draws). ``column`` False (the portfolio,
    one column): each output as a whole, as one series."""
    n = arrays["npsv_gbp"].shape[1]
    mean = {key: np.full(n, np.nan) for key in OUTPUTS}
    pct = {key: np.full((len(PERCENTILES), n), np.nan) for key in OUTPUTS}
    for key in OUTPUTS:
        a = arrays[key]
        finite = np.isfinite(a).all(axis=0)
        if column and finite.any():
            mean[key][finite] = a[:, finite].mean(axis=0)
            pct[key][:, finite] = np.percentile(a[:, finite], PERCENTILES, axis=0)
        for i in np.nonzero(~finite if column else np.ones(n, bool))[0]:
            v = a[:, i][np.isfinite(a[:, i])]
            if v.size:
                mean[key][i] = v.mean()
                pct[key][:, i] = np.percentile(v, PERCENTILES)
    npsv = arrays["npsv_gbp"]
    counts = np.zeros((n, HISTOGRAM_BINS), dtype=np.int64)
    edges = np.zeros((n, HISTOGRAM_BINS + 1))
    for col in range(n):
        counts[col], edges[col] = np.histogram(npsv[:, col], bins=HISTOGRAM_BINS)
    prob = (npsv < 0).mean(axis=0) if column else np.array([np.mean(npsv[:, 0] < 0)])
    return Stats(np.asarray(central, float), mean, pct, prob, counts, edges)


def _streamed_stats(runner: _Runner, totals: dict[str, np.ndarray], central: np.ndarray) -> Stats:
    """:class:`Stats` of every project in two runs over the same draws, keeping no
    project's draws: the first gives the exact means, the risk of a negative
    NPSV and each output's least and greatest draw (and the portfolio's
    ``totals``); the second the exact NPSV histograms and a histogram of
    :func:`quantile_bins` bins per output, from which the percentiles are read."""
    n = runner.model.n
    acc = {key: _Moments(n) for key in OUTPUTS}
    negative: np.ndarray = np.zeros(n, dtype=np.int64)

    def first(start: int, r: dict[str, np.ndarray]) -> None:
        for key in OUTPUTS:
            acc[key].add(r[key])
        negative[:] += (r["npsv_gbp"] < 0).sum(axis=0)
        _add_totals(totals, start, r)
    runner.run(first)

    npsv_range = _outer_edges(acc["npsv_gbp"].low, acc["npsv_gbp"].high)
    edges = np.array([np.linspace(a, b, HISTOGRAM_BINS + 1) for a, b in zip(*npsv_range)]
                     ).reshape(n, HISTOGRAM_BINS + 1)
    counts = np.zeros((n, HISTOGRAM_BINS), dtype=np.int64)
    bins = quantile_bins(n)
    fine = {key: np.zeros((n, bins), dtype=np.int64) for key in OUTPUTS}

    def second(start: int, r: dict[str, np.ndarray]) -> None:
        counts[:] += _histogram_counts(r["npsv_gbp"], npsv_range, edges)
        for key in OUTPUTS:
            fine[key] += _fine_counts(r[key], acc[key].low, acc[key].high, bins)
    runner.run(second)

    pct = {key: np.stack([_binned_percentile(fine[key], acc[key], p) for p in PERCENTILES])
           for key in OUTPUTS}
    return Stats(np.asarray(central, float), {key: acc[key].mean() for key in OUTPUTS}, pct,
                 negative / runner.draws, counts, edges)


class _Moments:
    """Per column, the count, sum, least and greatest of the defined draws."""

    def __init__(self, n: int) -> None:
        self.count = np.zeros(n, dtype=np.int64)
        self.total = np.zeros(n)
        self.low = np.full(n, np.inf)
        self.high = np.full(n, -np.inf)

    def add(self, a: np.ndarray) -> None:
        ok = np.isfinite(a)
        self.count += ok.sum(axis=0)
        self.total += np.where(ok, a, 0.0).sum(axis=0)
        self.low = np.minimum(self.low, np.where(ok, a, np.inf).min(axis=0))
        self.high = np.maximum(self.high, np.where(ok, a, -np.inf).max(axis=0))

    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.maximum(self.count, 1), np.nan)


def _outer_edges(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy.histogram's outer edges: the least and greatest value, half a unit
    either side where they are equal."""
    same = low == high
    return np.where(same, low - 0.5, low), np.where(same, high + 0.5, high)


def _histogram_counts(x: np.ndarray, outer: tuple[np.ndarray, np.ndarray],
                      edges: np.ndarray) -> np.ndarray:
    """(columns, bins) counts of a chunk's (draws, columns) values, each column on its
    own edges, bin by bin as ``numpy.histogram`` assigns them (its arithmetic, with
    its corrections at the edges), so that the sum over chunks is its histogram of
    every draw."""
    first, last = outer
    bins = edges.shape[1] - 1
    idx = ((x - first) / (last - first) * bins).astype(np.intp)
    idx[idx == bins] -= 1
    cols = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    idx[x < edges[cols, idx]] -= 1
    idx[(x >= edges[cols, idx + 1]) & (idx != bins - 1)] += 1
    flat = (cols * bins + idx).ravel()
    return np.bincount(flat, minlength=x.shape[1] * bins).reshape(x.shape[1], bins)


def _fine_counts(x: np.ndarray, low: np.ndarray, high: np.ndarray,
                 bins: int = QUANTILE_BINS) -> np.ndarray:
    """(columns, bins) counts of the defined values of a chunk between each column's
    least and greatest draw."""
    ok = np.isfinite(x)
    with np.errstate(invalid="ignore", over="ignore"):   # columns without a defined draw
        width = np.where(high > low, high - low, 1.0)
        pos = np.where(ok, (x - low) / width * bins, 0.0)
    idx = np.clip(pos.astype(np.intp), 0, bins - 1)
    cols = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    flat = (cols * bins + idx)[ok]
    return np.bincount(flat, minlength=x.shape[1] * bins).reshape(x.shape[1], bins)


def _binned_percentile(counts: np.ndarray, m: _Moments, p: float) -> np.ndarray:
    """Per column, the percentile ``p`` as numpy's default ("linear") defines it on
    the sorted draws, each order statistic placed within its bin as if the bin's
    draws were spread evenly: within one bin's width of the exact figure."""
    with np.errstate(invalid="ignore", over="ignore"):   # columns without a defined draw
        return _binned(counts, m, p)


def _binned(counts: np.ndarray, m: _Moments, p: float) -> np.ndarray:
    n = m.count
    h = (n - 1) * p / 100.0
    lo = np.floor(h)
    frac = h - lo
    cum = np.cumsum(counts, axis=1)
    bins = counts.shape[1]
    width = (m.high - m.low) / bins

    def order_stat(rank: np.ndarray) -> np.ndarray:
        j = np.minimum((cum <= rank[:, None]).sum(axis=1), bins - 1)
        before = np.take_along_axis(cum, j[:, None], 1)[:, 0] - counts[np.arange(len(j)), j]
        inside = counts[np.arange(len(j)), j]
        share = (rank - before + 0.5) / np.maximum(inside, 1)
        stat: np.ndarray = np.minimum(m.low + (j + share) * width, m.high)
        return stat

    a = order_stat(lo)
    b = order_stat(np.minimum(lo + 1, np.maximum(n - 1, 0)))
    return np.where(n > 0, a + (b - a) * frac, np.nan)
