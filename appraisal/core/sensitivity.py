"""Sensitivity analysis: tornado ranges, switching values and scenarios (method v2).

The Green Book asks for sensitivity analysis and switching values on every
preferred option (HM Treasury, The Green Book (2022), paragraphs 5.78-5.84
and Annex A: "switching values show by how much a variable would have to
change for the NPSV to fall to zero"). Each driver below has a documented low
and high; a tornado shows the NPSV (and the social and funder BCRs, net jobs
and carbon saved) at each driver's low and high, sorted by swing.

Most drivers scale some of the present-value components the appraisal keeps
per project (METHOD.md 3, v2), so they are computed exactly from those
components, with no second appraisal:

    PVC = pv_capex * k * (1 + OB * b) + pv_opex * x + pv_network
    PVB = q * (pv_carbon(c) + p * (pv_energy + pv_comfort) + pv_air + pv_road)
          + o * pv_other - pv_embodied * c * k + pv_residual * k
    PVC_public = pv_public_capex * k * (1 + OB * b)   (PVC for a public promoter)

with ``k`` capex, ``b`` optimism bias, ``x`` opex, ``q`` energy quantities
(uptake), ``p`` energy prices, ``c`` carbon values, ``o`` other benefits, and
``pv_carbon(c) = pv_carbon + (c - 1) * pv_carbon_at_cv`` (traded tonnes are
valued at the carbon value less the carbon price already in their resource
cost, so only the part valued at the carbon value scales). NPSV is linear in
each factor, so its switching value is exact. The drivers' reasons say which
terms each one moves.

The energy-price and carbon-value drivers use the pack's low and high series,
appraised again in full (vectorised over projects), as does the lifetime,
whose switching value is found by a bracketed search over whole years.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

from .appraise import appraise_portfolio
from .finite import finite_output
from .pack import AssumptionPack, YearTable
from .portfolio import MAX_LIFETIME_YEARS, PortfolioInputs
from .results import PortfolioResults

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd   # imported where used: the core loads without it

_T = TypeVar("_T")

SERIES = ("low", "central", "high")


@dataclass(frozen=True)
class Driver:
    """A quantity whose uncertainty is tested, with its low and high and why."""

    name: str
    label: str
    low: float
    high: float
    kind: str          # "factor" on the central value, "series" of the pack, "years"
    reason: str
    affects_npsv: bool = True


DRIVERS: tuple[Driver, ...] = (
    Driver("capex", "Capital cost", 0.9, 1.3, "factor",
           "Outturn capital costs overrun more often and by more than they underrun (HM Treasury, "
           "Supplementary Green Book Guidance: Optimism Bias); -10% to +30% on the estimate, on top "
           "of the optimism bias. Scales every capital cost estimate alike (capex, renewals and "
           "the counterfactual capex, so the incremental capex), its optimism-bias uplift, the "
           "embodied carbon of the gross capex, the residual value (a share of the asset's cost), "
           "the public costs (public funding keeps its share of capex) and construction jobs; "
           "not network reinforcement (a pack rate on the added peak load)"),
    Driver("opex", "Operating cost", 0.9, 1.2, "factor",
           "Operating costs of new low-carbon assets are less certain than capital costs; -10% to "
           "+20%. Scales the operating cost only"),
    Driver("optimism_bias", "Optimism bias", 0.5, 1.5, "factor",
           "Half to one and a half times the uplift used: the gap between the lower and upper "
           "bounds of the optimism-bias table. Scales the capex uplift on the incremental capex "
           "(and the public costs with it); the delay of duration optimism bias is held"),
    Driver("energy_quantities", "Uptake (energy, car-km)", 0.75, 1.1, "factor",
           "Installed measures often save less than designed (the 'performance gap' of retrofit "
           "and heat pump schemes) and uptake can fall short; -25% to +10%. Scales the annual "
           "change in every fuel and the car-km removed: carbon saved (traded and direct) and its "
           "value, the energy saving at resource cost, the comfort taken, air quality, "
           "road-transport externalities and the Exchequer's indirect-tax line; not embodied "
           "carbon or network reinforcement"),
    Driver("energy_prices", "Energy prices", 0.0, 0.0, "series",
           "The pack's low and high energy price series (each project appraised again with "
           "energy_series low and high): the energy saving at resource cost and the comfort taken "
           "(at retail prices) move, and outside NPSV the Exchequer line and the bill savings. "
           "A fuel whose pack rows serve every series (no low or high rows) does not move, so "
           "its swing is zero. A range set in the portfolio or project file replaces the series "
           "by that factor on every fuel's central prices. The switching value is a factor on "
           "every fuel's central prices"),
    Driver("carbon_values", "Carbon values", 0.0, 0.0, "series",
           "The DESNZ low and high carbon value series (half and one and a half times central), "
           "appraised again in full: the carbon benefit (traded tonnes net of the carbon price in "
           "their resource cost) and the embodied carbon cost move. The switching value is a "
           "factor on the carbon values of every year"),
    Driver("other_benefits", "Other economic benefits", 0.75, 1.1, "factor",
           "Health, time and amenity benefits rest on transferred evidence; -25% to +10%. Scales "
           "the economic benefit streams (standard and health-discounted); not the residual value "
           "(capital cost) or the external effects computed from physical inputs (uptake)"),
    Driver("lifetime", "Asset lifetime", 0.75, 1.25, "years",
           "Asset lives vary with maintenance and technology change; -25% to +25% in whole years, "
           "appraised again in full (renewals and a straight-line residual value follow the life)"),
    Driver("job_intensity", "Construction jobs per GBP 1m", 0.8, 1.2, "factor",
           "Jobs per GBP 1m of construction output vary with the work's labour intensity; +/-20%",
           affects_npsv=False),
    Driver("additionality", "Additionality (net to gross jobs)", 0.8, 1.2, "factor",
           "Deadweight, leakage and displacement are judged from ready reckoners; +/-20% on the "
           "net-to-gross ratio of jobs (the outcome deadweight of benefits is held)",
           affects_npsv=False),
)
DRIVER_BY_NAME = {d.name: d for d in DRIVERS}
FACTORS = tuple(d.name for d in DRIVERS if d.kind != "years")   # drivers Components can scale
OUTPUTS = ("npsv_gbp", "bcr", "bcr_public", "net_additional_jobs_fte", "carbon_saved_tco2e")
LONG_HORIZON_YEARS = 50   # the Green Book's lower-rate test applies beyond this (2026 update)
# the metrics a full appraisal gives that the tornado and the scenarios read
RUN_KEYS = ("npsv_gbp", "bcr", "bcr_public", "net_additional_jobs_fte", "carbon_saved_tco2e",
            "pv_costs_gbp", "pv_benefits_gbp", "pv_costs_public_gbp")


@dataclass
class Components:
    """Per project, the parts of the present values and of the jobs (arrays).

    ``pv_carbon_at_cv`` is the part of ``pv_carbon`` valued at the carbon
    values themselves (all of it unless traded tonnes are netted of a traded
    carbon price); ``pv_public_capex`` the PV of the public share of the
    incremental capex before optimism bias.
    """

    pv_capex: np.ndarray
    ob: np.ndarray
    pv_opex: np.ndarray
    pv_network: np.ndarray
    pv_carbon: np.ndarray
    pv_carbon_at_cv: np.ndarray
    pv_energy: np.ndarray
    pv_comfort: np.ndarray
    pv_air: np.ndarray
    pv_road: np.ndarray
    pv_other: np.ndarray
    pv_embodied: np.ndarray
    pv_residual: np.ndarray
    pv_tax: np.ndarray
    pv_public_capex: np.ndarray
    promoter_public: np.ndarray
    carbon: np.ndarray
    job_years: np.ndarray
    fte: np.ndarray
    net_to_gross: np.ndarray
    job_years_per_job: float

    @classmethod
    def of(cls, results: PortfolioResults, job_years_per_job: float,
           pv_carbon_at_cv: np.ndarray | None = None) -> "Components":
        m = results.metrics
        gross = m["gross_jobs_fte"]
        ob = m["optimism_bias"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(gross > 0, m["net_additional_jobs_fte"] / gross, 0.0)
            # pvc_public = (1 + OB) * PV(public share x incremental capex) (METHOD.md 3, v2)
            public_capex = np.where(1.0 + ob != 0, m["pv_costs_public_gbp"]
                                    / np.where(1.0 + ob != 0, 1.0 + ob, 1.0), 0.0)
        return cls(
            pv_capex=m["pv_capex_gbp"], ob=ob, pv_opex=m["pv_opex_gbp"],
            pv_network=m["pv_network_reinforcement_gbp"], pv_carbon=m["pv_carbon_benefit_gbp"],
            pv_carbon_at_cv=(m["pv_carbon_benefit_gbp"] if pv_carbon_at_cv is None
                             else pv_carbon_at_cv),
            pv_energy=m["pv_energy_benefit_gbp"], pv_comfort=m["pv_comfort_gbp"],
            pv_air=m["pv_air_quality_gbp"], pv_road=m["pv_road_externalities_gbp"],
            pv_other=m["pv_other_economic_gbp"], pv_embodied=m["pv_embodied_carbon_cost_gbp"],
            pv_residual=m["pv_residual_value_gbp"], pv_tax=m["pv_indirect_tax_change_gbp"],
            pv_public_capex=public_capex, promoter_public=m["promoter_public"] > 0,
            carbon=m["carbon_saved_tco2e"], job_years=m["construction_job_years"],
            fte=gross - m["construction_job_years"] / job_years_per_job, net_to_gross=ratio,
            job_years_per_job=job_years_per_job)

    def evaluate(self, **f: Any) -> dict[str, np.ndarray]:
        """The outputs with the named drivers' factors applied (1 for the others).

        Besides the factors of :data:`FACTORS`, ``pv_carbon``, ``pv_embodied``,
        ``pv_energy``, ``pv_comfort`` and ``pv_tax`` replace the central
        components (the values of another carbon or energy series, or draws);
        the factors then apply to them. Every argument broadcasts against the
        projects (a (draws, projects) array gives (draws, projects) outputs).
        """
        unknown = set(f) - set(FACTORS) - {"pv_carbon", "pv_embodied", "pv_energy", "pv_comfort",
                                            "pv_tax"}
        if unknown:
            raise TypeError(f"unknown drivers or components: {', '.join(sorted(unknown))}")
        g = {name: f.get(name, 1.0) for name in FACTORS}
        k, q, c = g["capex"], g["energy_quantities"], g["carbon_values"]
        capex_adj_per_gbp = k * (1.0 + self.ob * g["optimism_bias"])
        pvc = self.pv_capex * capex_adj_per_gbp + self.pv_opex * g["opex"] + self.pv_network
        carbon_pv = f.get("pv_carbon", self.pv_carbon) + (c - 1.0) * self.pv_carbon_at_cv
        energy_pv = (f.get("pv_energy", self.pv_energy) + f.get("pv_comfort", self.pv_comfort)) \
            * g["energy_prices"]
        pvb = (q * (carbon_pv + energy_pv + self.pv_air + self.pv_road)
               + self.pv_other * g["other_benefits"]
               - f.get("pv_embodied", self.pv_embodied) * c * k + self.pv_residual * k)
        pvc_public = np.where(self.promoter_public, pvc, self.pv_public_capex * capex_adj_per_gbp)
        gross = self.job_years * k * g["job_intensity"] / self.job_years_per_job + self.fte
        return {"npsv_gbp": pvb - pvc, "bcr": _ratio(pvb, pvc),
                "bcr_public": _ratio(pvb - (pvc - pvc_public), pvc_public),
                "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "pv_costs_public_gbp": pvc_public,
                "net_additional_jobs_fte": gross * self.net_to_gross * g["additionality"],
                "carbon_saved_tco2e": self.carbon * q,
                # the duty part of the Exchequer line does not move with an energy price
                # factor; with another series, pass that series' line as pv_tax
                "pv_indirect_tax_change_gbp": f.get("pv_tax", self.pv_tax) * q}


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """``num / den``; NaN where ``den`` is zero (as the results' ratios)."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(num.shape, np.nan)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        np.divide(num, den, out=out, where=den != 0)
    out[~np.isfinite(out)] = np.nan
    return out


def _clean(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


# ---------------------------------------------------------------------------
# Full appraisals: the main case's options, another series, other inputs
# ---------------------------------------------------------------------------

def appraiser(inputs: PortfolioInputs, pack: AssumptionPack, results: PortfolioResults
              ) -> Callable[..., PortfolioResults]:
    """A function appraising again with the options of ``results`` (its carbon
    and energy series and discount schedule) unless told otherwise; the main
    case is reused, not appraised twice."""

    def run(carbon: str | None = None, energy: str | None = None, schedule: str | None = None,
            of: PortfolioInputs | None = None, on: AssumptionPack | None = None) -> PortfolioResults:
        c = carbon or results.carbon_series
        e = energy or results.energy_series
        s = schedule or results.discount_schedule
        if of is None and on is None and (c, e, s) == (results.carbon_series, results.energy_series,
                                                       results.discount_schedule):
            return results
        return appraise_portfolio(inputs if of is None else of, pack if on is None else on,
                                  carbon_series=c, energy_series=e, discount_schedule=s)
    return run


def carbon_value_part(run: Callable[..., PortfolioResults], pack: AssumptionPack,
                      results: PortfolioResults) -> np.ndarray:
    """Per project, the part of the carbon benefit's PV valued at the carbon
    values themselves: ``PV(tonnes saved x CV)``. It is the whole carbon
    benefit unless the pack nets a traded carbon price off traded tonnes; then
    one appraisal with every carbon value doubled gives it exactly (the
    benefit is ``tonnes x CV - traded tonnes x traded price``)."""
    if pack.traded_carbon_price is None:
        return results.metrics["pv_carbon_benefit_gbp"]
    doubled = dataclasses.replace(pack, carbon_values={
        s: YearTable(t.years, np.asarray(t.values, float) * 2.0)
        for s, t in pack.carbon_values.items()})
    twice = run(on=doubled).metrics["pv_carbon_benefit_gbp"]
    part: np.ndarray = twice - results.metrics["pv_carbon_benefit_gbp"]
    return part


def fuels_with_series(pack: AssumptionPack, fuels: Iterable[str] | None = None) -> list[str]:
    """The fuels whose energy prices differ between the pack's series: those with
    rows for a named series. A fuel whose rows all leave the series empty is
    priced the same in every series (FORMAT.md 4: empty = all)."""
    rows = pack.price_rows
    names = sorted(rows) if fuels is None else [f for f in fuels if f in rows]
    return [f for f in names if any(len(key) > 2 and key[2] for key in rows[f])]


def used_fuels(inputs: PortfolioInputs) -> list[str]:
    """The fuels some project changes its use of, sorted."""
    return sorted({f for p in inputs.projects for f, _ in p.energy_changes})


def energy_changes_matrix(inputs: PortfolioInputs, fuels: list[str]) -> np.ndarray:
    """(projects, fuels) annual change in use of each fuel, summed per project."""
    P = inputs.projects
    n, F = len(P), len(fuels)
    col = {f: j for j, f in enumerate(fuels)}
    counts = [len(p.energy_changes) for p in P]
    idx = np.repeat(np.arange(n), counts)
    pairs = [(col.get(f, -1), q) for p in P for f, q in p.energy_changes]
    j = np.fromiter((c for c, _ in pairs), dtype=np.int64, count=len(pairs))
    v = np.fromiter((q for _, q in pairs), dtype=float, count=len(pairs))
    keep = j >= 0
    return np.bincount(idx[keep] * F + j[keep], weights=v[keep],
                       minlength=n * F).reshape(n, F) if F else np.zeros((n, 0))


@dataclass
class FuelValues:
    """Per project and fuel, the PV of the energy saving at resource cost plus
    the comfort taken, in each energy series: ``values[series]`` is
    (projects, fuels). Computed by appraising each project's change in one
    fuel alone (both terms are linear in each fuel's quantity, so the columns
    add up to the project's total)."""

    fuels: list[str]
    values: dict[str, np.ndarray]


def fuel_values(inputs: PortfolioInputs, pack: AssumptionPack, run: Callable[..., PortfolioResults],
                fuels: list[str], series: tuple[str, ...] = SERIES) -> FuelValues:
    """:class:`FuelValues` for ``fuels`` in each of ``series``.

    One portfolio holds a copy of each project per fuel it changes, with that
    fuel's change alone; it is appraised once per series (vectorised over the
    copies). Only the energy changes differ between a copy and its project, so
    the timelines, deadweight, comfort taking and discounting are the project's.
    """
    n = len(inputs.projects)
    q = energy_changes_matrix(inputs, fuels)
    rows, cols = np.nonzero(q)
    out = {s: np.zeros((n, len(fuels))) for s in series}
    if rows.size == 0:
        return FuelValues(list(fuels), out)
    P = inputs.projects
    copies = tuple(_changed(P[i], energy_changes=((fuels[j], float(q[i, j])),))
                   for i, j in zip(rows.tolist(), cols.tolist()))
    one_fuel = dataclasses.replace(inputs, projects=copies)
    for s in series:
        m = run(energy=s, of=one_fuel).metrics
        out[s][rows, cols] = m["pv_energy_benefit_gbp"] + m["pv_comfort_gbp"]
    return FuelValues(list(fuels), out)


# ---------------------------------------------------------------------------
# Ranges and the lifetime
# ---------------------------------------------------------------------------

def _changed(p: _T, **changes: Any) -> _T:
    """``dataclasses.replace(p, **changes)`` without running ``__init__`` again:
    a shallow copy with the fields changed (a tenth of the time; the portfolio is
    copied with new lifetimes or energy changes many times over)."""
    q = object.__new__(type(p))
    q.__dict__.update(p.__dict__)
    q.__dict__.update(changes)
    return q


def _scaled_lifetimes(inputs: PortfolioInputs, factor: float | np.ndarray) -> PortfolioInputs:
    f = np.broadcast_to(np.asarray(factor, dtype=float), (len(inputs.projects),))
    projects = tuple(_changed(
        p, lifetime_years=int(min(MAX_LIFETIME_YEARS, max(1, round(p.lifetime_years * k)))))
        for p, k in zip(inputs.projects, f))
    return dataclasses.replace(inputs, projects=projects)


def driver_bounds(inputs: PortfolioInputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per driver, each project's low and high: the project's own range, else the
    portfolio's, else the documented default (FORMAT: ``"sensitivity": {driver:
    {"low": ..., "high": ...}}`` on the portfolio or a project). For a series
    driver (energy prices) the default is NaN: the pack's series."""
    out = {}
    for d in DRIVERS:
        if d.name == "carbon_values":
            continue
        default = inputs.sensitivity.get(d.name, (np.nan, np.nan) if d.kind == "series"
                                         else (d.low, d.high))
        pairs = [p.sensitivity.get(d.name, default) for p in inputs.projects]
        out[d.name] = (np.array([a for a, _ in pairs], dtype=float),
                       np.array([b for _, b in pairs], dtype=float))
    return out


def _lifetime_runs(inputs: PortfolioInputs, run: Callable[..., PortfolioResults],
                   factors: tuple[np.ndarray, np.ndarray]) -> dict[str, dict[str, Any]]:
    out = {}
    for side, k in (("low", factors[0]), ("high", factors[1])):
        r = run(of=_scaled_lifetimes(inputs, k))
        out[side] = {key: r.metrics[key] for key in RUN_KEYS}
    return out


LIFETIME_MULTIPLES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 100.0)


def _lifetime_switch(inputs: PortfolioInputs, run: Callable[..., PortfolioResults],
                     npsv0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
        projects = tuple(_changed(inputs.projects[i], lifetime_years=int(L))
                         for i, L in zip(rows.tolist(), lives.tolist()))
        return run(of=dataclasses.replace(inputs, projects=projects)).metrics["npsv_gbp"]

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


# ---------------------------------------------------------------------------
# The typed result
# ---------------------------------------------------------------------------

_PV_KEYS = ("pv_costs_gbp", "pv_benefits_gbp", "pv_costs_public_gbp")


@dataclass(frozen=True)
class DriverRange:
    """A driver's range as the analysis used it: ``low`` and ``high`` are factors,
    or the pack's series names ("low", "high") where ``kind`` is "series"."""

    driver: str
    label: str
    low: float | str
    high: float | str
    set_by: str          # "portfolio" (the file set the range) or "default"
    kind: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"driver": self.driver, "label": self.label, "low": self.low, "high": self.high,
                "set_by": self.set_by, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class TornadoRow:
    """One driver's row of a tornado: the outputs at its low and high.

    ``low`` and ``high`` are the driver's settings for a project (a factor, or
    "low series" and "high series"); None on the portfolio's rows, whose
    projects may use different ranges. Outputs are None where undefined (a BCR
    without costs).
    """

    driver: str
    label: str
    low: float | str | None
    high: float | str | None
    npsv_gbp_low: float | None
    npsv_gbp_high: float | None
    bcr_low: float | None
    bcr_high: float | None
    bcr_public_low: float | None
    bcr_public_high: float | None
    net_additional_jobs_fte_low: float | None
    net_additional_jobs_fte_high: float | None
    carbon_saved_tco2e_low: float | None
    carbon_saved_tco2e_high: float | None
    npsv_swing_gbp: float

    def at(self, output: str, side: str) -> float | None:
        """The output (one of :data:`OUTPUTS`) with the driver at ``side`` ("low" or "high")."""
        if output not in OUTPUTS or side not in ("low", "high"):
            raise KeyError(f"{output} at {side}")
        value: float | None = getattr(self, f"{output}_{side}")
        return value

    def to_dict(self) -> dict[str, Any]:
        """The row of the JSON: a project's row interleaves low and high per output,
        the portfolio's gives every low, then every high (as the format always has)."""
        head: dict[str, Any] = {"driver": self.driver, "label": self.label}
        if self.low is None:     # the portfolio's row
            for side in ("low", "high"):
                head.update({f"{key}_{side}": self.at(key, side) for key in OUTPUTS})
        else:
            head.update(low=self.low, high=self.high)
            for key in OUTPUTS:
                head.update({f"{key}_low": self.at(key, "low"), f"{key}_high": self.at(key, "high")})
        head["npsv_swing_gbp"] = self.npsv_swing_gbp
        return head


@dataclass(frozen=True)
class SwitchingValue:
    """The value of one driver at which a project's NPSV is zero (None when no value
    reaches it); ``unit`` says what the value is, ``note`` why there is none."""

    driver: str
    switching_value: float | None
    switching_change: float | None
    reachable: bool
    unit: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"driver": self.driver, "switching_value": self.switching_value,
                               "switching_change": self.switching_change,
                               "reachable": self.reachable}
        if self.note is not None:
            out["note"] = self.note
        if self.unit is not None:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Scenario:
    """A project's NPSV and BCRs in another series or discount schedule (``why`` it
    is tested, for the reduced discount schedule)."""

    npsv_gbp: float | None
    bcr: float | None
    bcr_public: float | None
    why: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"npsv_gbp": self.npsv_gbp, "bcr": self.bcr,
                               "bcr_public": self.bcr_public}
        if self.why is not None:
            out["why"] = self.why
        return out


@dataclass(frozen=True)
class ProjectSensitivity:
    """One project's part of a :class:`Tornado`: its central figures, its tornado rows
    sorted by NPSV swing, its switching values (in the order of :data:`DRIVERS`) and
    its scenarios."""

    id: str
    name: str
    npsv_gbp: float | None
    bcr: float | None
    bcr_public: float | None
    tornado: tuple[TornadoRow, ...]
    switching_values: tuple[SwitchingValue, ...]
    scenarios: dict[str, Scenario]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "npsv_gbp": self.npsv_gbp, "bcr": self.bcr,
                "bcr_public": self.bcr_public, "tornado": [r.to_dict() for r in self.tornado],
                "switching_values": [v.to_dict() for v in self.switching_values],
                "scenarios": {k: v.to_dict() for k, v in self.scenarios.items()}}


def _unit(d: Driver) -> str:
    return {"lifetime": "years", "optimism_bias": "rate"}.get(d.name, "factor on the central value")


@dataclass(frozen=True)
class Tornado:
    """The result of :func:`sensitivity`: arrays per driver (rows in the order of
    :data:`DRIVERS`) and project (columns in the order of ``ids``).

    ``central[key]`` is each project's output with every driver central;
    ``at_low[key]`` and ``at_high[key]`` (drivers, projects) the output with one
    driver at its low or high; ``setting_low`` and ``setting_high`` the drivers'
    low and high factors (NaN where a pack series is used); ``switching_value``,
    ``switching_change`` and ``reachable`` the switching values;
    ``scenarios[name][output]`` per project (``reduced_discount_schedule`` is
    reported only where ``long_horizon``). Outputs are NaN where undefined.
    :attr:`projects` and :attr:`portfolio_tornado` give the rows as the JSON
    has them; :meth:`to_dict` the JSON of ``appraisal sensitivity``.
    """

    pack_id: str
    pack_vintage: str
    carbon_series: str
    energy_series: str
    discount_schedule: str
    drivers: tuple[DriverRange, ...]
    energy_fuels_with_series: tuple[str, ...]
    energy_fuels_without_series: tuple[str, ...]
    ids: tuple[str, ...]
    names: tuple[str, ...]
    central: dict[str, np.ndarray]
    setting_low: np.ndarray
    setting_high: np.ndarray
    at_low: dict[str, np.ndarray]
    at_high: dict[str, np.ndarray]
    switching_value: np.ndarray
    switching_change: np.ndarray
    reachable: np.ndarray
    scenarios: dict[str, dict[str, np.ndarray]]
    long_horizon: np.ndarray
    horizons: np.ndarray

    # -- the portfolio: sums over projects ------------------------------------------
    def _portfolio_outputs(self, by: dict[str, np.ndarray]) -> dict[str, float | None]:
        pvc, pvb = float(np.sum(by["pv_costs_gbp"])), float(np.sum(by["pv_benefits_gbp"]))
        pub = float(np.sum(by["pv_costs_public_gbp"]))
        return {"npsv_gbp": pvb - pvc, "bcr": pvb / pvc if pvc else None,
                "bcr_public": (pvb - (pvc - pub)) / pub if pub else None,
                "net_additional_jobs_fte": float(np.sum(by["net_additional_jobs_fte"])),
                "carbon_saved_tco2e": float(np.sum(by["carbon_saved_tco2e"]))}

    @property
    def portfolio_central(self) -> dict[str, float | None]:
        """The portfolio's NPSV, BCRs, jobs and carbon with every driver central."""
        return self._portfolio_outputs(self.central)

    @functools.cached_property
    def portfolio_tornado(self) -> tuple[TornadoRow, ...]:
        """The portfolio's tornado rows (sums over projects), sorted by NPSV swing."""
        rows = []
        for k, d in enumerate(DRIVERS):
            sides = {side: self._portfolio_outputs({key: a[k] for key, a in at.items()})
                     for side, at in (("low", self.at_low), ("high", self.at_high))}
            swing = abs((sides["high"]["npsv_gbp"] or 0.0) - (sides["low"]["npsv_gbp"] or 0.0))
            rows.append(_row(d, None, None, sides["low"], sides["high"], swing))
        return tuple(sorted(rows, key=lambda r: -r.npsv_swing_gbp))

    # -- the projects -----------------------------------------------------------------
    @functools.cached_property
    def projects(self) -> tuple[ProjectSensitivity, ...]:
        """Per project (in the order of ``ids``), its part of the analysis."""
        return tuple(self.project(i) for i in range(len(self.ids)))

    def project(self, i: int) -> ProjectSensitivity:
        """Project ``i``'s central figures, tornado rows, switching values and scenarios."""
        rows = []
        for k, d in enumerate(DRIVERS):
            low = {key: _clean(self.at_low[key][k, i]) for key in OUTPUTS}
            high = {key: _clean(self.at_high[key][k, i]) for key in OUTPUTS}
            rows.append(_row(d, self._setting(k, i, "low"), self._setting(k, i, "high"), low, high,
                             abs((high["npsv_gbp"] or 0.0) - (low["npsv_gbp"] or 0.0))))
        rows.sort(key=lambda r: -r.npsv_swing_gbp)
        return ProjectSensitivity(
            id=self.ids[i], name=self.names[i], npsv_gbp=_clean(self.central["npsv_gbp"][i]),
            bcr=_clean(self.central["bcr"][i]), bcr_public=_clean(self.central["bcr_public"][i]),
            tornado=tuple(rows), switching_values=tuple(self._switching(k, i, d)
                                                        for k, d in enumerate(DRIVERS)),
            scenarios=self._scenarios(i))

    def _setting(self, k: int, i: int, side: str) -> float | str:
        v = (self.setting_low if side == "low" else self.setting_high)[k, i]
        return f"{side} series" if math.isnan(v) else float(v)

    def _switching(self, k: int, i: int, d: Driver) -> SwitchingValue:
        if not d.affects_npsv:
            return SwitchingValue(d.name, None, None, False, note="does not change NPSV")
        return SwitchingValue(d.name, _clean(self.switching_value[k, i]),
                              _clean(self.switching_change[k, i]), bool(self.reachable[k, i]),
                              unit=_unit(d))

    def _scenarios(self, i: int) -> dict[str, Scenario]:
        out = {}
        for name, by in self.scenarios.items():
            if name == "reduced_discount_schedule":
                if not self.long_horizon[i]:
                    continue
                why = (f"the horizon is {int(self.horizons[i])} years, over {LONG_HORIZON_YEARS}: "
                       "the Green Book's lower-rate test")
            else:
                why = None
            out[name] = Scenario(npsv_gbp=_clean(by["npsv_gbp"][i]), bcr=_clean(by["bcr"][i]),
                                 bcr_public=_clean(by["bcr_public"][i]), why=why)
        return out

    # -- JSON and tables --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``appraisal sensitivity --format json`` (FORMAT.md)."""
        central = self.portfolio_central
        return {
            "assumptions": {"id": self.pack_id, "vintage": self.pack_vintage},
            "carbon_series": self.carbon_series, "energy_series": self.energy_series,
            "discount_schedule": self.discount_schedule,
            "drivers": [d.to_dict() for d in self.drivers],
            "energy_fuels_with_series": list(self.energy_fuels_with_series),
            "energy_fuels_without_series": list(self.energy_fuels_without_series),
            "portfolio": {"npsv_gbp": central["npsv_gbp"], "bcr": central["bcr"],
                          "bcr_public": central["bcr_public"],
                          "tornado": [r.to_dict() for r in self.portfolio_tornado]},
            "projects": [p.to_dict() for p in self.projects],
        }

    def to_frame(self, project: str | None = None) -> pd.DataFrame:
        """The tornado as a pandas DataFrame, one row per driver sorted by NPSV swing,
        with the JSON row's keys as columns: the portfolio's, or ``project``'s (an id).

        >>> from appraisal import appraise, example_path
        >>> t = appraise(example_path()).sensitivity()
        >>> frame = t.to_frame()
        >>> list(frame.columns[:3]), frame.index.name
        (['label', 'npsv_gbp_low', 'bcr_low'], 'driver')
        >>> t.to_frame(t.ids[0]).shape[0] == len(DRIVERS)
        True
        """
        import pandas as pd
        if project is None:
            rows = self.portfolio_tornado
        elif project in self.ids:
            rows = self.projects[self.ids.index(project)].tornado
        else:
            raise KeyError(f"no project {project!r} in the analysis")
        frame: pd.DataFrame = pd.DataFrame([r.to_dict() for r in rows]).set_index("driver")
        return frame


def _row(d: Driver, low: float | str | None, high: float | str | None,
         at_low: dict[str, float | None], at_high: dict[str, float | None],
         swing: float) -> TornadoRow:
    return TornadoRow(
        driver=d.name, label=d.label, low=low, high=high,
        npsv_gbp_low=at_low["npsv_gbp"], npsv_gbp_high=at_high["npsv_gbp"],
        bcr_low=at_low["bcr"], bcr_high=at_high["bcr"],
        bcr_public_low=at_low["bcr_public"], bcr_public_high=at_high["bcr_public"],
        net_additional_jobs_fte_low=at_low["net_additional_jobs_fte"],
        net_additional_jobs_fte_high=at_high["net_additional_jobs_fte"],
        carbon_saved_tco2e_low=at_low["carbon_saved_tco2e"],
        carbon_saved_tco2e_high=at_high["carbon_saved_tco2e"], npsv_swing_gbp=swing)


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------

def _pick(mask: np.ndarray, a: dict[str, np.ndarray], b: dict[str, np.ndarray]
          ) -> dict[str, np.ndarray]:
    """Per project, ``a``'s outputs where ``mask``, else ``b``'s."""
    return {key: np.where(mask, a[key], b[key]) for key in b}


@finite_output("sensitivity analysis")
def sensitivity(inputs: PortfolioInputs, pack: AssumptionPack, *,
                carbon_series: str | None = None, discount_schedule: str | None = None,
                energy_series: str | None = None,
                results: PortfolioResults | None = None) -> Tornado:
    """Tornado ranges, switching values and scenarios for every project and the portfolio.

    Returns a :class:`Tornado`, whose ``to_dict()`` is the JSON: ``projects`` (per project ``tornado`` sorted by
    NPSV swing, ``switching_values`` as ``{driver, switching_value,
    switching_change, reachable}``, ``scenarios`` for the carbon series, and
    for the energy series when the pack has low or high rows for a fuel the
    projects use) and ``portfolio`` (its tornado), with the drivers'
    definitions, the fuels with and without energy series, and the
    assumption pack. With ``results`` (the main case, already appraised),
    every further appraisal uses its series and discount schedule.
    """
    results = results or appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                            discount_schedule=discount_schedule,
                                            energy_series=energy_series)
    run = appraiser(inputs, pack, results)
    comp = Components.of(results, pack.parameters["job_years_per_permanent_job"],
                         carbon_value_part(run, pack, results))
    central = comp.evaluate()
    n = len(results.ids)
    bounds = driver_bounds(inputs)
    carbon_runs = {s: run(carbon=s) for s in SERIES}
    # the energy series: appraised again only when some fuel the projects use has them
    used = used_fuels(inputs)
    varies = bool(fuels_with_series(pack, used))
    energy_runs = {s: run(energy=s) if varies else results for s in SERIES}

    energy_range = ~np.isnan(bounds["energy_prices"][0])   # a factor set in the file
    at = _driver_outputs(comp, bounds, energy_range, carbon_runs, energy_runs,
                         _lifetime_runs(inputs, run, bounds["lifetime"]))

    value, change, reachable = _switching_arrays(comp, central, inputs, run)
    horizons = _horizons(results, inputs)
    reduced = None
    if (horizons > LONG_HORIZON_YEARS).any() and "reduced" in pack.discount_schedules:
        reduced = run(schedule="reduced")
    scenarios = {f"carbon_{s}": carbon_runs[s] for s in SERIES}
    if varies:   # the energy series only where the pack has them for a fuel the projects use
        scenarios.update({f"energy_{s}": energy_runs[s] for s in SERIES})
    long = horizons > LONG_HORIZON_YEARS if reduced is not None else np.zeros(n, bool)
    if reduced is not None:
        scenarios["reduced_discount_schedule"] = reduced
    settings = {side: _settings(bounds, energy_range, k, n) for k, side in enumerate(("low", "high"))}
    return Tornado(
        pack_id=pack.id, pack_vintage=pack.vintage, carbon_series=results.carbon_series,
        energy_series=results.energy_series, discount_schedule=results.discount_schedule,
        drivers=tuple(_driver_entry(d, inputs) for d in DRIVERS),
        energy_fuels_with_series=tuple(fuels_with_series(pack, used)),
        energy_fuels_without_series=tuple(f for f in used if f not in fuels_with_series(pack, used)),
        ids=tuple(results.ids), names=tuple(results.names),
        central={key: np.asarray(central[key], float) for key in OUTPUTS + _PV_KEYS},
        setting_low=settings["low"], setting_high=settings["high"],
        at_low={key: np.array([at[d.name]["low"][key] for d in DRIVERS], float).reshape(
            len(DRIVERS), n) for key in OUTPUTS + _PV_KEYS},
        at_high={key: np.array([at[d.name]["high"][key] for d in DRIVERS], float).reshape(
            len(DRIVERS), n) for key in OUTPUTS + _PV_KEYS},
        switching_value=value, switching_change=change, reachable=reachable,
        scenarios={name: {key: np.asarray(r.metrics[key], float)
                          for key in ("npsv_gbp", "bcr", "bcr_public")}
                   for name, r in scenarios.items()},
        long_horizon=long, horizons=horizons)


def _driver_outputs(comp: Components, bounds: dict[str, tuple[np.ndarray, np.ndarray]],
                    energy_range: np.ndarray, carbon_runs: dict[str, PortfolioResults],
                    energy_runs: dict[str, PortfolioResults], life_runs: dict[str, dict[str, Any]]
                    ) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """Each driver's outputs at its low and high: ``{driver: {"low": {...}, "high": {...}}}``."""
    at: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for d in DRIVERS:
        if d.name == "carbon_values":
            at[d.name] = {side: comp.evaluate(
                pv_carbon=carbon_runs[side].metrics["pv_carbon_benefit_gbp"],
                pv_embodied=carbon_runs[side].metrics["pv_embodied_carbon_cost_gbp"])
                for side in ("low", "high")}
        elif d.name == "energy_prices":
            at[d.name] = {}
            for k, side in enumerate(("low", "high")):
                m = energy_runs[side].metrics
                by_series = comp.evaluate(pv_energy=m["pv_energy_benefit_gbp"],
                                          pv_comfort=m["pv_comfort_gbp"],
                                          pv_tax=m["pv_indirect_tax_change_gbp"])
                factor = np.where(energy_range, bounds[d.name][k], 1.0)
                at[d.name][side] = _pick(energy_range, comp.evaluate(energy_prices=factor),
                                         by_series)
        elif d.kind == "factor":
            at[d.name] = {"low": comp.evaluate(**{d.name: bounds[d.name][0]}),
                          "high": comp.evaluate(**{d.name: bounds[d.name][1]})}
        else:
            at[d.name] = {side: dict(life_runs[side]) for side in ("low", "high")}
    return at


def _driver_entry(d: Driver, inputs: PortfolioInputs) -> DriverRange:
    """A driver's definition as used: a factor range set by the portfolio file
    (an energy-price range replaces the pack's series), else the default."""
    given = inputs.sensitivity.get(d.name)
    low: float | str
    high: float | str
    if d.kind == "series" and given is None:
        low, high, kind = "low", "high", "series"
    else:
        low, high = given or (d.low, d.high)
        kind = "factor" if d.kind == "series" else d.kind
    return DriverRange(d.name, d.label, low, high, "portfolio" if given is not None else "default",
                       kind, d.reason)


def _switching_arrays(comp: Components, central: dict[str, Any], inputs: PortfolioInputs,
                      run: Callable[..., PortfolioResults]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per driver and project (arrays in the order of :data:`DRIVERS`): the value at
    which NPSV reaches zero, its change from the central case, and whether it is
    reachable (NaN value and change where it is not).

    ``switching_value`` is the driver's factor (or the optimism-bias rate, or
    the lifetime in years); ``switching_change`` the change from the central
    case as a fraction; ``reachable`` False when no value of the driver makes
    NPSV zero (for example a project whose benefits are all carbon, for the
    energy price driver).

    Notes
    -----
    NPSV is linear in every factor driver, so ``NPSV(f) = a + b f`` and
    ``f* = -a / b``; a negative factor is not reachable. The energy-price
    switching value is a factor on every fuel's central prices (resource and
    retail), the carbon one a factor on the carbon values of every year.
    """
    c = comp
    pvc, pvb = central["pv_costs_gbp"], central["pv_benefits_gbp"]
    capex_adj = c.pv_capex * (1.0 + c.ob)
    uptake = c.pv_carbon + c.pv_energy + c.pv_comfort + c.pv_air + c.pv_road
    energy = c.pv_energy + c.pv_comfort
    carbon = c.pv_carbon_at_cv - c.pv_embodied       # NPSV's slope in a carbon-value factor
    capital = capex_adj + c.pv_embodied - c.pv_residual   # NPSV's (negative) slope in capex
    with np.errstate(divide="ignore", invalid="ignore"):
        solved = {
            "capex": (pvb + c.pv_embodied - c.pv_residual - c.pv_opex - c.pv_network) / capital,
            "opex": (pvb - capex_adj - c.pv_network) / c.pv_opex,
            "optimism_bias": (pvb - c.pv_opex - c.pv_network) / c.pv_capex - 1.0,
            "energy_quantities": (pvc - (pvb - uptake)) / uptake,
            "energy_prices": (pvc - (pvb - energy)) / energy,
            "carbon_values": 1.0 - central["npsv_gbp"] / carbon,
            "other_benefits": (pvc - (pvb - c.pv_other)) / c.pv_other,
        }
    life_switch, life_found = _lifetime_switch(inputs, run, central["npsv_gbp"])
    n = len(pvc)
    life0 = np.array([p.lifetime_years for p in inputs.projects], dtype=float)
    value = np.full((len(DRIVERS), n), np.nan)
    change = np.full((len(DRIVERS), n), np.nan)
    for k, d in enumerate(DRIVERS):
        if not d.affects_npsv:
            continue
        if d.name == "lifetime":
            value[k] = np.where(life_found, life_switch, np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                change[k] = np.where(life_found & (life0 != 0), life_switch / life0 - 1.0, np.nan)
            continue
        v = np.asarray(solved[d.name], float)
        ok = np.isfinite(v) & (v >= 0)
        value[k] = np.where(ok, v, np.nan)
        if d.name == "optimism_bias":   # a change in the rate where the central rate is zero
            with np.errstate(divide="ignore", invalid="ignore"):
                change[k] = np.where(ok, np.where(c.ob != 0, v / c.ob - 1.0, v - c.ob), np.nan)
        else:
            change[k] = np.where(ok, v - 1.0, np.nan)
    return value, change, ~np.isnan(value)


def _settings(bounds: dict[str, tuple[np.ndarray, np.ndarray]], energy_range: np.ndarray, k: int,
              n: int) -> np.ndarray:
    """(drivers, projects) each driver's low (``k`` 0) or high (1) setting; NaN where
    the driver is a series of the pack (carbon values, and energy prices without a
    range set in the file)."""
    out = np.full((len(DRIVERS), n), np.nan)
    for j, d in enumerate(DRIVERS):
        if d.name == "carbon_values":
            continue
        out[j] = np.where(energy_range, bounds[d.name][k], np.nan) if d.name == "energy_prices" \
            else bounds[d.name][k]
    return out


def _horizons(results: PortfolioResults, inputs: PortfolioInputs) -> np.ndarray:
    """Years from the appraisal year to each project's last year of the economic
    case (operation delayed by duration optimism bias, the residual's year in)."""
    from .appraise import project_spans
    delay = results.metrics.get("ob_delay_years")
    start, first, last = project_spans(inputs.projects, inputs.appraisal_year, delay=delay)
    return (last - inputs.appraisal_year + 1).astype(float)
