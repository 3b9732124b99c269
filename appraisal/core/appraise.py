"""The appraisal of a whole portfolio, vectorised over projects and years.

:func:`appraise_portfolio` follows METHOD.md sections 1 to 8. It first
flattens the projects' inputs into arrays (one pass over the projects, as
they are parsed), then computes every measure for blocks of projects at once
on a shared calendar-year axis, with numpy. No Python loop runs over projects
in the calculation; the only loops are over fuels, gap sectors and years,
which are few.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from . import financial
from .discounting import discount_factors
from .errors import InputError, Problem
from .finite import ensure_finite
from .pack import (ADDITIONALITY_FACTORS, DEFAULT_READINESS_WEIGHTS, ENERGY_SECTORS, AssumptionPack,
                   Category)
from .portfolio import DEFAULTS, PortfolioInputs, ProjectInputs
from .results import PortfolioResults, ProjectSeries

# Cells (projects x years) evaluated together. Bigger blocks mean fewer numpy
# calls; the bound keeps memory modest for very large portfolios: about 50
# arrays of this many float64 are alive at once (some 250 MB at most).
BLOCK_CELLS = 600_000
DEFAULT_PUBLIC_FUNDING_SHARE = 1.0
# METHOD.md 7: the default readiness points (a pack's readiness_weights.csv may set its own)
READINESS_POINTS = {k: int(DEFAULT_READINESS_WEIGHTS[k]) for k in (
    "planning_consent", "site_secured", "procurement_ready", "match_funding_confirmed")}
READINESS_START_POINTS = {6: DEFAULT_READINESS_WEIGHTS["start_within_6_months"],
                          12: DEFAULT_READINESS_WEIGHTS["start_within_12_months"]}
SHOVEL_READY_MIN_SCORE = 80.0
SHOVEL_READY_MAX_MONTHS = 12.0
SECTORS = ENERGY_SECTORS + ("",)   # "": a category without an energy sector (a v1 pack)
# a sparse list of year maps: (project index, year, amount) arrays of one length
Sparse = tuple[np.ndarray, ...]
# a projects' note: the projects it concerns (a mask) and its words for project i
Note = Callable[[np.ndarray, Callable[[int], str]], None]


@dataclass(frozen=True)
class Options:
    """Choices that apply to the whole portfolio (METHOD.md, notation)."""

    appraisal_year: int
    price_base_year: int
    discount_schedule: str
    carbon_series: str
    financial_discount_rate: float
    energy_series: str = DEFAULTS.energy_series
    vfm_basis: str = DEFAULTS.vfm_basis
    financial_ob_share: float = DEFAULTS.financial_ob_share
    financial_basis: str = DEFAULTS.financial_basis


# ---------------------------------------------------------------------------
# Flattening the inputs
# ---------------------------------------------------------------------------

@dataclass
class _Flat:
    """All projects' inputs as arrays; money already rebased to the price base."""

    n: int
    capex: Sparse           # sparse (project, year, GBP)
    public_funding: Sparse  # sparse, only for projects that give it by year
    counterfactual: Sparse  # sparse (v2)
    econ_profile: Sparse
    health_profile: Sparse
    rev_profile: Sparse
    car_km_profile: Sparse
    renewals: Sparse        # (project, cost, every_years) arrays
    has_pf_map: np.ndarray
    pf_share: np.ndarray
    op_start: np.ndarray   # the financial (undelayed) timeline
    delay: np.ndarray      # duration optimism bias [years]: economic case only
    lifetime: np.ndarray
    opex: np.ndarray
    q: np.ndarray          # (P, F) annual change in use of each fuel [fuel unit]
    q_eff: np.ndarray      # after comfort taking
    q_comfort: np.ndarray  # energy saving taken as comfort [fuel unit, >= 0]
    econ_per_year: np.ndarray
    health_per_year: np.ndarray
    rev_per_year: np.ndarray
    car_km_per_year: np.ndarray
    ob: np.ndarray
    bill_savings: np.ndarray
    jypm: np.ndarray
    fte: np.ndarray
    add_factors: np.ndarray  # (P, 5) deadweight, leakage, displacement, substitution, multiplier
    readiness: np.ndarray
    months_to_start: np.ndarray
    sector: np.ndarray       # index into the pack's gap sectors, -1 for none
    energy_sector: np.ndarray  # index into SECTORS
    deadweight: np.ndarray   # benefit (outcome) deadweight
    embodied: np.ndarray     # tCO2e per GBP million of capex
    psds: np.ndarray
    network: np.ndarray      # network reinforcement [GBP, rebased]
    residual: np.ndarray     # residual value [GBP, rebased]; 0 for none
    vfm_adjustment: np.ndarray
    promoter_public: np.ndarray
    vat_recoverable: np.ndarray
    tariffs: np.ndarray      # (P, F) GBP per unit incl. VAT, rebased; NaN where the pack's
    first_year: int
    last_year: int
    notes: dict[int, list[str]]   # project index -> warnings found while flattening


def blended_upper_bound(project_type: str | dict[str, float], pack: AssumptionPack,
                        column: str = "capex_upper") -> float:
    """Optimism bias upper bound of a project type, or of a mix of types.

    Parameters
    ----------
    project_type : str or dict of str to float
        A type of ``optimism_bias.csv``, or shares of several that add up to 1.
    column : str
        ``capex_upper`` (works cost) or ``duration_upper`` (works duration).

    Notes
    -----
    A project of several types takes the share-weighted mean of their bounds.

    References
    ----------
    HM Treasury, Supplementary Green Book Guidance: Optimism Bias (2003).
    """
    if isinstance(project_type, str):
        return float(pack.optimism_bias[project_type][column] or 0.0)
    return float(sum(share * (pack.optimism_bias[t][column] or 0.0)
                     for t, share in project_type.items()))


def readiness_points(months_to_start: np.ndarray, weights: dict[str, float] | None = None
                     ) -> np.ndarray:
    """METHOD.md 7: points for an early start (15 within 6 months, 8 within 12
    by default; none when the months are not given, NaN)."""
    w = weights or DEFAULT_READINESS_WEIGHTS
    return np.where(months_to_start <= 6, w["start_within_6_months"],
                    np.where(months_to_start <= 12, w["start_within_12_months"], 0.0))


def readiness_score(p: ProjectInputs, pack: AssumptionPack | None = None) -> float:
    """METHOD.md 7: 0 to 100 points (with the default weights) for how ready a
    project is to start; the pack's ``readiness_weights`` where given (v2)."""
    w = pack.readiness_weights if pack is not None else DEFAULT_READINESS_WEIGHTS
    r = p.readiness
    flags = sum(w[name] for name in READINESS_POINTS if getattr(r, name))
    months = np.nan if r.months_to_start is None else r.months_to_start
    return float(flags + readiness_points(np.array([months]), w)[0])


def ob_terms(p: ProjectInputs, pack: AssumptionPack, category_type: str) -> tuple[float, int]:
    """METHOD.md 3 (v2): the capex uplift and the duration delay [years] of a project.

    The mitigation is the project's ``ob_mitigation``, else its business-case
    stage's (pack ``ob_stage_mitigation``), else 0 (METHOD.md 10.5). A project's
    own ``optimism_bias`` is the uplift as given. The delay applies only when
    the stage is given: ``floor(duration_upper * (1 - mitigation) * n + 0.5)``,
    ``n`` the capex years with non-zero capex.
    """
    stage = p.business_case_stage
    mitigation = (p.ob_mitigation if p.ob_mitigation is not None
                  else pack.ob_stage_mitigation.get(stage, 0.0) if stage else 0.0)
    kind = p.ob_project_type or category_type
    if p.optimism_bias is not None:
        uplift = p.optimism_bias
    else:
        uplift = blended_upper_bound(kind, pack) * (1.0 - mitigation)
    delay = 0
    if stage:
        n = sum(1 for v in p.capex.values() if v != 0)
        delay = int(np.floor(blended_upper_bound(kind, pack, "duration_upper")
                             * (1.0 - mitigation) * n + 0.5))
    return uplift, delay


def project_spans(projects: Sequence[ProjectInputs], appraisal_year: int,
                  capex: Sparse | None = None, public_funding: Sparse | None = None,
                  profiles: Sequence[Sparse] = (), delay: np.ndarray | None = None,
                  residual: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Operating start (undelayed), and first and last calendar year of each
    project's horizon.

    METHOD.md 2: operation starts in ``operating_start``, by default the year
    after the last capex year (or the appraisal year when there is no capex),
    and lasts ``lifetime_years``; the horizon runs from the earliest year with
    a flow, or the appraisal year if earlier, to the last year with a flow:
    the economic case's operating years (delayed by duration optimism bias)
    and the residual value's year included.
    """
    P = projects
    n = len(P)
    capex = _sparse(P, "capex") if capex is None else capex
    public_funding = _sparse(P, "public_funding") if public_funding is None else public_funding
    if not profiles:
        profiles = (_sparse(P, "counterfactual_capex"), _sparse(P, "car_km_removed_by_year"),
                    *_stream_profiles(P))
    last_capex = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_capex, capex[0], capex[1])
    given = np.array([np.nan if p.operating_start is None else p.operating_start for p in P],
                     dtype=float)
    start = np.where(np.isnan(given), np.where(last_capex > np.iinfo(np.int64).min,
                                               last_capex + 1, appraisal_year), given)
    lifetime = np.array([p.lifetime_years for p in P], dtype=float)
    d = np.zeros(n) if delay is None else delay
    end = start + d + np.maximum(lifetime, 1) - 1
    if residual is None:
        residual = np.array([p.residual_value is not None or p.asset_life_years is not None
                             for p in P], dtype=bool)
    end = np.where(residual > 0, np.maximum(end, start + d + lifetime), end)
    first = np.minimum(start, appraisal_year).astype(np.int64)
    last = np.maximum(end, appraisal_year).astype(np.int64)
    for idx, years, *_ in (capex, public_funding, *profiles):
        np.minimum.at(first, idx, years)
        np.maximum.at(last, idx, years)
    return start, first, last


def project_span(p: ProjectInputs, appraisal_year: int, pack: AssumptionPack | None = None
                 ) -> tuple[int, int, int]:
    """:func:`project_spans` of one project: (operating start, first year, last year);
    with ``pack``, the duration optimism bias's delay is in the horizon."""
    delay = None
    if pack is not None:
        delay = np.array([ob_terms(p, pack, pack.categories[p.category].ob_project_type)[1]], float)
    start, first, last = project_spans((p,), appraisal_year, delay=delay)
    return int(start[0]), int(first[0]), int(last[0])


def _sparse(projects: Sequence[ProjectInputs], field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(project index, year, amount) of a year map of every project, in project order."""
    maps = [getattr(p, field) or {} for p in projects]
    idx = np.repeat(np.arange(len(maps), dtype=np.int64), [len(m) for m in maps])
    years = np.fromiter(chain.from_iterable(maps), dtype=np.int64, count=idx.size)
    values = np.fromiter(chain.from_iterable(m.values() for m in maps), dtype=float, count=idx.size)
    return idx, years, values


def _stream_profiles(P: Sequence[ProjectInputs]) -> list[Sparse]:
    """The profile streams of every kind, as sparse lists (for the horizon)."""
    streams = [(i, st.profile) for i, p in enumerate(P) for st in p.other_benefits if st.profile]
    idx = np.repeat(np.array([i for i, _ in streams], dtype=np.int64), [len(m) for _, m in streams])
    return [(idx, np.fromiter(chain.from_iterable(m for _, m in streams), dtype=np.int64,
                              count=idx.size))]


def _flatten(inputs: PortfolioInputs, pack: AssumptionPack, opts: Options,
             fuels: list[str], sectors: list[str]) -> _Flat:
    # long: one column after another of the same projects, each read once into an array;
    # split, each part would need the rebasing factors, indices and sparse lists it shares
    """All projects' inputs as arrays, money rebased to the price base.

    Each column is read from every project in one comprehension and turned
    into an array; the arithmetic then happens on whole arrays.
    """
    P = inputs.projects
    n = len(P)
    A, B = opts.appraisal_year, opts.price_base_year
    deflator = pack.deflator
    price_years = [p.price_year if p.price_year is not None else B for p in P]
    missing = sorted(y for y in set(price_years) if not deflator.covers(y))
    if missing:
        lo, hi = pack.deflator_years
        raise InputError([Problem(f"price year {y} is before the GDP deflator table ({lo}-{hi})",
                                  project=", ".join(p.id for p in P if p.price_year == y)[:200],
                                  field="price_year") for y in missing])
    d_base = deflator[B]
    rebase = {y: d_base / deflator[y] for y in set(price_years)}
    k = np.array([rebase[y] for y in price_years], dtype=float)

    def money(field: str) -> Sparse:
        sp = _sparse(P, field)
        sp[2][:] *= k[sp[0]]
        return sp

    capex = money("capex")
    has_pf = np.array([p.public_funding is not None for p in P], dtype=bool)
    pf = money("public_funding")
    cf = money("counterfactual_capex")
    km_map = _sparse(P, "car_km_removed_by_year")
    # None becomes NaN in a float array: the default fills it
    pf_share = np.array([p.public_funding_share for p in P], dtype=float)
    pf_share[np.isnan(pf_share)] = DEFAULT_PUBLIC_FUNDING_SHARE
    lifetime = np.array([p.lifetime_years for p in P], dtype=float)
    opex = np.array([p.opex_per_year for p in P], dtype=float) * k

    fuel_index = {f: j for j, f in enumerate(fuels)}
    F = len(fuels)
    q: np.ndarray = np.zeros((n, F))
    changes = [p.energy_changes for p in P]
    e_idx = np.repeat(np.arange(n), [len(c) for c in changes])
    if e_idx.size:
        flat_changes = list(chain.from_iterable(changes))
        cells = e_idx * F + np.fromiter((fuel_index[f] for f, _ in flat_changes),
                                        dtype=np.int64, count=e_idx.size)
        q = np.bincount(cells, weights=np.fromiter((v for _, v in flat_changes), dtype=float,
                                                   count=e_idx.size),
                        minlength=n * F).reshape(n, F)

    # benefit streams: one pass over all streams of all projects
    kinds = ("economic", "health", "revenue")
    per_year = {kd: np.zeros(n) for kd in kinds}
    flat_per_year: dict[str, tuple[list[int], list[float]]] = {kd: ([], []) for kd in kinds}
    profile_maps: dict[str, tuple[list[int], list[dict[int, float]]]] = {kd: ([], []) for kd in kinds}
    streams = [p.other_benefits for p in P]
    s_idx = np.repeat(np.arange(n), [len(st) for st in streams]).tolist()
    for i, st in zip(s_idx, chain.from_iterable(streams)):
        kind = "health" if st.kind == "economic" and st.discounting == "health" else st.kind
        if st.per_year is not None:
            flat_per_year[kind][0].append(i)
            flat_per_year[kind][1].append(st.per_year)
        elif st.profile:
            profile_maps[kind][0].append(i)
            profile_maps[kind][1].append(st.profile)
    profiles = {}
    for kind in kinds:   # three kinds of stream
        idx, vals = flat_per_year[kind]
        if idx:
            per_year[kind] = np.bincount(idx, weights=vals, minlength=n).astype(float)
        per_year[kind] *= k
        owners, maps = profile_maps[kind]
        pi = np.repeat(np.asarray(owners, dtype=np.int64), [len(m) for m in maps])
        profiles[kind] = (pi, np.fromiter(chain.from_iterable(maps), dtype=np.int64, count=pi.size),
                          np.fromiter(chain.from_iterable(m.values() for m in maps), dtype=float,
                                      count=pi.size) * k[pi])

    categories = pack.categories
    cat = [categories[p.category] for p in P]
    terms = [ob_terms(p, pack, c.ob_project_type) for p, c in zip(P, cat)]
    ob = np.array([t[0] for t in terms], dtype=float)
    delay = np.array([t[1] for t in terms], dtype=float)
    jypm = np.array([p.job_years_per_million if p.job_years_per_million is not None
                     else c.job_years_per_million for p, c in zip(P, cat)])
    # additionality: the project's factors where given (NaN where not), else its level's.
    # One flat fromiter: much faster than numpy converting a list of lists with None in it.
    nan = np.nan
    given = np.fromiter((nan if (v := p.additionality.get(f)) is None else v
                         for p in P for f in ADDITIONALITY_FACTORS), dtype=float, count=5 * n).reshape(n, 5)
    levels = list(pack.additionality)
    level_defaults = np.array([[pack.additionality[lv][f] for f in ADDITIONALITY_FACTORS]
                               for lv in levels])
    level_of = {lv: j for j, lv in enumerate(levels)}
    add = np.where(np.isnan(given), level_defaults[[level_of[p.spatial_level] for p in P]], given) \
        if n else np.zeros((0, 5))
    flags = tuple(READINESS_POINTS)
    w = pack.readiness_weights
    ready = np.fromiter((nan if v is None else v for p in P for v in (
        *(getattr(p.readiness, f) for f in flags), p.readiness.months_to_start)),
        dtype=float, count=5 * n).reshape(n, 5)
    months = ready[:, 4]
    readiness = ready[:, :4] @ np.array([w[f] for f in flags]) + readiness_points(months, w)
    sector_of = {name: sectors.index(c.gap_sector) if c.gap_sector in sectors else -1
                 for name, c in categories.items()}
    sector = np.array([sector_of[p.category] for p in P], dtype=np.int64)

    # v2 (METHOD.md 3): sector, deadweight, comfort, externalities, residual, renewals
    esec = np.array([SECTORS.index(p.energy_sector or c.energy_sector or "") for p, c in zip(P, cat)],
                    dtype=np.int64)
    bd = np.array([p.benefit_deadweight if p.benefit_deadweight is not None else c.benefit_deadweight
                   for p, c in zip(P, cat)], dtype=float)
    flagged = np.array([c.comfort_taking is not None for c in cat], dtype=bool)
    ct = np.array([(p.comfort_taking if p.comfort_taking is not None else c.comfort_taking or 0.0)
                   if c.comfort_taking is not None else 0.0 for p, c in zip(P, cat)], dtype=float)
    q_eff = np.where(q < 0, q * (1.0 - ct[:, None]), q)
    q_comfort = np.where(q < 0, -q * ct[:, None], 0.0)
    embodied = np.array([c.embodied_tco2e_per_million for c in cat], dtype=float)
    psds = np.array([c.psds_test for c in cat], dtype=bool)
    nr_rate = pack.parameter("network_reinforcement_gbp_per_kw") * pack.rebase_factor(
        pack.default_price_base_year, B)
    peak = np.array([p.added_peak_kw for p in P], dtype=float)
    residual = np.zeros(n)
    for i, p in enumerate(P):   # few projects give a residual value
        if p.residual_value is not None:
            residual[i] = p.residual_value * k[i]
        elif p.asset_life_years is not None and p.asset_life_years > p.lifetime_years:
            residual[i] = (sum(p.capex.values()) * k[i] * (p.asset_life_years - p.lifetime_years)
                           / p.asset_life_years)
    ren = [(i, cost * k[i], every) for i, p in enumerate(P) for _, cost, every in p.renewals]
    renewals = (np.array([r[0] for r in ren], dtype=np.int64), np.array([r[1] for r in ren], float),
                np.array([r[2] for r in ren], dtype=np.int64))
    tariffs = np.full((n, F), np.nan)
    for i, p in enumerate(P):   # few projects give their own tariffs
        for fuel, v in p.tariffs.items():
            tariffs[i, fuel_index[fuel]] = v * k[i]
    km_py = np.array([p.car_km_removed or 0.0 for p in P], dtype=float)

    # the calendar years the projects span (METHOD.md 2: the horizon)
    op_start, firsts, lasts = project_spans(
        P, A, capex, pf, (profiles["economic"], profiles["health"], profiles["revenue"], cf, km_map),
        delay=delay, residual=residual)
    first = int(firsts.min()) if n else A
    last = int(lasts.max()) if n else A

    notes: dict[int, list[str]] = {}

    def note(mask: np.ndarray, text: Callable[[int], str]) -> None:
        for i in np.nonzero(mask)[0]:   # only the projects that need a note
            notes.setdefault(int(i), []).append(text(int(i)))

    for i, p in enumerate(P):   # what parsing found worth saying (few projects have any)
        if p.notes:
            notes.setdefault(i, []).extend(p.notes)
    n_capex = np.bincount(capex[0], minlength=n)
    share_given = np.array([p.public_funding_share is not None for p in P], dtype=bool)
    note(~share_given & ~has_pf & (n_capex > 0), lambda i: (
        "the public funding share is not given: all capex is taken as publicly funded "
        f"(share {DEFAULT_PUBLIC_FUNDING_SHARE:g})"))
    note(lifetime == 0, lambda i: "the lifetime is 0 years: the project has no operating years")
    note(np.array([p.optimism_bias is not None and bool(p.ob_mitigation) for p in P], dtype=bool),
         lambda i: "the optimism-bias mitigation is ignored because the project gives its own "
                   "optimism bias")
    note(sector < 0, lambda i: (f"category {categories[P[i].category].label!r} is in no "
                                "investment-gap sector of "
                                "the pack, so the project contributes nothing to the gap"))
    partial = np.array([p.public_funding is not None and bool(p.capex)
                        and any(y not in p.public_funding for y in p.capex) for p in P], dtype=bool)
    note(partial, lambda i: (
        "public funding is given by year but not for every capex year ("
        + ", ".join(str(y) for y in sorted(P[i].capex) if y not in (P[i].public_funding or {}))
        + "): those years count no public money"))
    _v2_notes(P, pack, cat, note, delay, bd, ct, flagged, q, km_py, km_map, peak, price_years, B)
    return _Flat(n=n, capex=capex, public_funding=pf, counterfactual=cf,
                 econ_profile=profiles["economic"], health_profile=profiles["health"],
                 rev_profile=profiles["revenue"], car_km_profile=km_map, renewals=renewals,
                 has_pf_map=has_pf, pf_share=pf_share, op_start=op_start, delay=delay,
                 lifetime=lifetime, opex=opex, q=q, q_eff=q_eff, q_comfort=q_comfort,
                 econ_per_year=per_year["economic"], health_per_year=per_year["health"],
                 rev_per_year=per_year["revenue"], car_km_per_year=km_py, ob=ob,
                 bill_savings=np.array([p.bill_savings_to_promoter for p in P], dtype=bool),
                 jypm=jypm, fte=np.array([p.operational_fte for p in P], dtype=float),
                 add_factors=add, readiness=readiness, months_to_start=months, sector=sector,
                 energy_sector=esec, deadweight=bd, embodied=embodied, psds=psds,
                 network=peak * nr_rate, residual=residual,
                 vfm_adjustment=np.array([p.vfm_adjustment for p in P], dtype=float),
                 promoter_public=np.array([p.promoter_public for p in P], dtype=bool),
                 vat_recoverable=np.array([p.vat_recoverable for p in P], dtype=bool),
                 tariffs=tariffs, first_year=first, last_year=last, notes=notes)


def _v2_notes(P: Sequence[ProjectInputs], pack: AssumptionPack, cat: Sequence[Category], note: Note,
              delay: np.ndarray, bd: np.ndarray, ct: np.ndarray, flagged: np.ndarray, q: np.ndarray,
              km_py: np.ndarray, km_map: Sparse, peak: np.ndarray, price_years: list[int],
              B: int) -> None:
    """METHOD.md 9 (v2): defaults taken, terms left at zero for want of a pack table."""
    n = len(P)
    last_d = pack.deflator.last_year
    note(np.array([y > last_d for y in price_years], dtype=bool), lambda i: (
        f"prices of {price_years[i]} are past the GDP deflator table (last year {last_d}): "
        f"rebased with the deflator extrapolated at "
        f"{pack.parameter('deflator_forecast_growth'):.1%} a year"))
    note(delay > 0, lambda i: (
        f"duration optimism bias at the {(P[i].business_case_stage or '').upper()} stage delays operation "
        f"by {int(delay[i])} year{'s' if delay[i] != 1 else ''} in the economic case"))
    note(np.array([p.benefit_deadweight is None and c.benefit_deadweight > 0 for p, c in zip(P, cat)],
                  dtype=bool), lambda i: (
        f"benefit deadweight is the category's default ({bd[i]:.0%}): that share of the benefits "
        "would happen anyway"))
    note(np.array([p.comfort_taking is None and (c.comfort_taking or 0) > 0 for p, c in zip(P, cat)],
                  dtype=bool) & (q < 0).any(1), lambda i: (
        f"comfort taking is the category's default ({ct[i]:.0%} of the energy saving)"))
    note(np.array([p.comfort_taking is not None for p in P], dtype=bool) & ~flagged, lambda i: (
        f"comfort taking is ignored: the pack does not flag the category {cat[i].label!r} "
        "for comfort taking"))
    uses = (q != 0).any(1)
    if not pack.air_quality:
        note(uses, lambda i: "air quality is not valued: the assumption pack has no air_quality "
                             "table (the term is zero)")
    if not pack.external_costs:
        has_km = (km_py != 0) | np.isin(np.arange(n), km_map[0][km_map[2] != 0])
        note(has_km, lambda i: "car-km removed are not valued: the assumption pack has no "
                               "marginal_external_costs table (the term is zero)")
    if not pack.parameters.get("network_reinforcement_gbp_per_kw"):
        note(peak > 0, lambda i: "added peak load is not costed: the pack's "
                                 "network_reinforcement_gbp_per_kw is zero or missing")
    if not pack.ob_stage_mitigation:
        note(np.array([bool(p.business_case_stage) and p.ob_mitigation is None for p in P], dtype=bool),
             lambda i: "the pack has no ob_stage_mitigation table: the business-case stage "
                       "mitigates nothing")


def _dense(sparse: Sparse, lo: int, hi: int, first_year: int, n_years: int,
           clip: bool = False) -> np.ndarray:
    """Rows ``lo..hi-1`` of a sparse (project, year, value) list as a dense matrix
    of ``n_years`` from ``first_year`` (with ``clip``, entries outside are left out)."""
    proj, year, value = sparse
    out = np.zeros((hi - lo, n_years))
    if proj.size:
        a, b = np.searchsorted(proj, [lo, hi])  # entries are in project order
        if b > a:
            rows, cols, vals = proj[a:b] - lo, year[a:b] - first_year, value[a:b]
            if clip:
                keep = (cols >= 0) & (cols < n_years)
                rows, cols, vals = rows[keep], cols[keep], vals[keep]
            np.add.at(out, (rows, cols), vals)
    return out


# ---------------------------------------------------------------------------
# The appraisal
# ---------------------------------------------------------------------------

def resolve_options(inputs: PortfolioInputs, pack: AssumptionPack, *, carbon_series: str | None = None,
                    discount_schedule: str | None = None, energy_series: str | None = None) -> Options:
    B = inputs.price_base_year if inputs.price_base_year is not None else pack.default_price_base_year
    if not pack.deflator.covers(B):
        lo, hi = pack.deflator_years
        raise InputError([Problem(f"{B} is before the GDP deflator table ({lo}-{hi})",
                                  field="price_base_year")])
    schedule = discount_schedule or inputs.discount_schedule
    if schedule not in pack.discount_schedules:
        raise InputError([Problem(f"{schedule!r} is not a discount schedule of pack {pack.id} "
                                  f"(one of {', '.join(pack.discount_schedules)})",
                                  field="discount_schedule")])
    series = carbon_series or inputs.carbon_series
    if series not in pack.carbon_values:
        raise InputError([Problem(f"{series!r} is not a carbon series (low, central, high)",
                                  field="carbon_series")])
    return Options(inputs.appraisal_year, B, schedule, series, inputs.financial_discount_rate,
                   energy_series or inputs.energy_series, inputs.vfm_basis,
                   inputs.financial_ob_share, inputs.financial_basis)


def appraise_portfolio(inputs: PortfolioInputs, pack: AssumptionPack, *,
                       carbon_series: str | None = None, discount_schedule: str | None = None,
                       energy_series: str | None = None, keep_series: bool = False,
                       block: int | None = None) -> PortfolioResults:
    """Appraise every project of a portfolio and the portfolio as a whole.

    Parameters
    ----------
    inputs : PortfolioInputs
        Parsed and validated against ``pack`` (:func:`parse_portfolio`).
    pack : AssumptionPack
    carbon_series, discount_schedule, energy_series : str, optional
        Override the portfolio's own choice (scenarios).
    keep_series : bool
        Keep the year-by-year arrays of every project (for charts and the
        workbook); leave False for large portfolios to bound memory.

    Returns
    -------
    PortfolioResults

    Warnings
    --------
    Money is GBP in real terms at prices of the price base year ``B``. Year
    ``A`` (the appraisal year) is t = 0 and undiscounted; flows are at year
    ends; flows before ``A`` are sunk (reported, not discounted).

    References
    ----------
    METHOD.md (version 2); HM Treasury, The Green Book (2026), Annex 6; DESNZ,
    Valuation of energy use and greenhouse gas emissions for appraisal (2023).
    """
    # The appraisal makes many short-lived arrays and lists but no reference
    # cycles; a collection in the middle would scan the whole parsed portfolio
    # for nothing. Only this call is affected; the collector's state is restored.
    with collector_paused():
        # an overflow is not a warning on stderr: ensure_finite names it as an input error
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            results = _appraise(inputs, pack, carbon_series, discount_schedule, energy_series,
                                keep_series, block)
    ensure_finite(results, inputs)
    return results


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, and back in the state it
    was in (on or off) when the block ends, however it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Tables:
    """Pack tables on the calendar-year axis, rebased to B: (sector, fuel, year)."""

    ef: np.ndarray
    traded: np.ndarray        # (S, F) bool
    resource: np.ndarray
    retail: np.ndarray
    vat: np.ndarray
    duty: np.ndarray
    air: np.ndarray
    ef_last: np.ndarray       # (S, F) last year of the rows (inf: one row for all years)
    price_last: np.ndarray
    ef_fallback: np.ndarray   # (S, F) bool: reporting rows stood in
    price_fallback: np.ndarray
    cv: np.ndarray            # (Y,)
    traded_cv: np.ndarray     # (Y,) CV minus the carbon price inside traded fuels' costs
    cv_past: np.ndarray
    mec: np.ndarray           # (Y,)
    df: np.ndarray
    df_health: np.ndarray
    nominal: np.ndarray       # (Y,) D(y) / D(B): real to nominal
    stack: np.ndarray | None = None  # (S, F, 5Y): traded and direct factors [t], resource price,
    #                           air quality, indirect tax per unit, side by side (one product)
    has_air: bool = False
    has_tax: bool = False
    has_traded: bool = False


def _tables(pack: AssumptionPack, opts: Options, fuels: list[str], years: np.ndarray,
            df: np.ndarray, df_health: np.ndarray) -> _Tables:
    B, Y, F, S = opts.price_base_year, years.size, len(fuels), len(SECTORS)
    shape = (S, F, Y)
    ef, resource, retail, vat, duty, air = (np.zeros(shape) for _ in range(6))
    traded, ef_fb, pr_fb = (np.zeros((S, F), bool) for _ in range(3))
    ef_last, pr_last = np.full((S, F), np.inf), np.full((S, F), np.inf)
    for s, sector in enumerate(SECTORS):   # four sectors and a handful of fuels
        for j, fuel in enumerate(fuels):
            ef[s, j], past, traded[s, j], ef_fb[s, j] = pack.factor_on(fuel, years, sector)
            if past.any():
                ef_last[s, j] = years[np.argmax(past)] - 1
            resource[s, j], past, _, _, pr_fb[s, j] = pack.price_on(
                fuel, years, B, basis="resource", sector=sector, series=opts.energy_series)
            if past.any():
                pr_last[s, j] = years[np.argmax(past)] - 1
            retail[s, j], _, vat[s, j], duty[s, j], _ = pack.price_on(
                fuel, years, B, basis="retail", sector=sector, series=opts.energy_series)
            air[s, j] = pack.air_quality_on(fuel, years, B, sector)
    cv, cv_past = pack.carbon_values[opts.carbon_series].on_axis(years)
    cv = cv * pack.rebase_factor(pack.carbon_price_year, B)
    first_d = min(pack.deflator)   # years before the table are sunk: their factor is never used
    nominal = np.array([pack.deflator[max(int(y), first_d)] for y in years]) / pack.deflator[B] \
        if opts.financial_basis == "nominal" else np.ones(Y)
    tax = duty + retail * vat / (1.0 + vat)
    stack = np.concatenate([ef * traded[:, :, None] / 1000.0, ef * ~traded[:, :, None] / 1000.0,
                            resource, air, tax], axis=2)
    return _Tables(ef=ef, traded=traded, resource=resource, retail=retail, vat=vat, duty=duty,
                   air=air, ef_last=ef_last, price_last=pr_last, ef_fallback=ef_fb,
                   price_fallback=pr_fb, cv=cv, traded_cv=cv - pack.traded_price_on(years, B),
                   cv_past=cv_past, mec=pack.external_cost_on(years, B), df=df,
                   df_health=df_health, nominal=nominal, stack=stack, has_air=bool(air.any()),
                   has_tax=bool(tax.any()), has_traded=bool(traded.any()))


def _appraise(inputs: PortfolioInputs, pack: AssumptionPack, carbon_series: str | None,
              discount_schedule: str | None, energy_series: str | None, keep_series: bool,
              block: int | None) -> PortfolioResults:
    opts = resolve_options(inputs, pack, carbon_series=carbon_series,
                           discount_schedule=discount_schedule, energy_series=energy_series)
    A = opts.appraisal_year
    fuels = pack.fuels()
    sectors = list(pack.investment_gap)
    flat = _flatten(inputs, pack, opts, fuels, sectors)
    years = np.arange(flat.first_year, flat.last_year + 1)
    Y = years.size
    t = years - A
    post = t >= 0
    df = np.zeros(Y)
    df[post] = discount_factors(pack.discount_schedules[opts.discount_schedule], int(t[-1]))[t[post]]
    # METHOD.md 1.2 (v2): health streams use the health schedule (the main one if the pack has none)
    df_health = df.copy()
    if "health" in pack.discount_schedules:
        df_health[:] = 0.0
        df_health[post] = discount_factors(pack.discount_schedules["health"], int(t[-1]))[t[post]]
    tab = _tables(pack, opts, fuels, years, df, df_health)

    # Gap windows (METHOD.md 6): per sector, a mask of its years on the axis
    window = np.zeros((len(sectors) + 1, Y))   # last row: no sector
    gw = int(pack.parameter("gap_window_years"))
    windows = {}
    for s, name in enumerate(sectors):
        lo_y, hi_y = pack.investment_gap[name].window(A, gw)
        windows[name] = (lo_y, hi_y)
        window[s] = (years >= lo_y) & (years <= hi_y)

    res = PortfolioResults._empty(inputs, pack, opts, years if keep_series else None, windows)
    if block is None:
        block = max(64, BLOCK_CELLS // max(Y, 1))
    for lo in range(0, max(flat.n, 1), block):   # an empty portfolio: one block of no rows
        hi = min(flat.n, lo + block)
        _appraise_block(flat, lo, hi, years, t, post, tab, window, opts, pack, res, keep_series)
    res._finish(flat.notes, sectors)
    return res


def _sum_by_project(sparse: Sparse, lo: int, hi: int, weights: np.ndarray | None = None,
                    y0: int = 0) -> np.ndarray:
    """For rows ``lo..hi-1``: the sum of each project's amounts, each weighted by
    ``weights[year - y0]`` when given (a discount factor, a window mask)."""
    proj, year, value = sparse
    a, b = np.searchsorted(proj, [lo, hi])   # entries are in project order
    v = value[a:b] if weights is None else value[a:b] * weights[year[a:b] - y0]
    return np.bincount(proj[a:b] - lo, weights=v, minlength=hi - lo)


def _renewals(flat: _Flat, lo: int, hi: int, years: np.ndarray, start: np.ndarray) -> np.ndarray:
    """METHOD.md 2 (v2) and 10.3: renewal costs in years ``start + k * every``
    (k >= 1) up to and including the last operating year; (P, Y)."""
    proj, cost, every = flat.renewals
    out = np.zeros((hi - lo, years.size))
    a, b = np.searchsorted(proj, [lo, hi])
    if b > a:
        rows = proj[a:b] - lo
        offset = years[None, :] - start[rows][:, None]
        due = ((offset > 0) & (offset % every[a:b, None] == 0)
               & (offset <= flat.lifetime[lo:hi][rows][:, None] - 1))
        np.add.at(out, rows, due * cost[a:b, None])
    return out


def _by_sector(esec: np.ndarray, q: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``sum_f q[p, f] * table[sector of p, f, y]`` for every project: (P, Y)."""
    present = np.unique(esec)
    if present.size == 1:      # the usual case in a block: no copies through a mask
        one: np.ndarray = q @ table[present[0]]
        return one
    out = np.empty((q.shape[0], table.shape[2]))
    for s in present:   # at most five sectors
        m = esec == s
        out[m] = q[m] @ table[s]
    return out


def _appraise_block(flat: _Flat, lo: int, hi: int, years: np.ndarray, t: np.ndarray,
                    post: np.ndarray, tab: _Tables, window: np.ndarray, opts: Options,
                    pack: AssumptionPack, res: PortfolioResults, keep_series: bool) -> None:
    # long: the method's steps in order over (projects x years) matrices that later steps
    # reuse; a split would pass some forty arrays between the parts (a context object for
    # them is the way to split it, and it would be worth a benchmark)
    """METHOD.md 3 to 6 for projects ``lo..hi-1``, as (projects x years) matrices.

    The economic case runs on its own timeline (operation delayed by duration
    optimism bias), the financial case and jobs on the promoter's.
    """
    sl = slice(lo, hi)
    y0, Y = int(years[0]), years.size
    df, dfh = tab.df, tab.df_health
    zero = np.zeros((hi - lo, Y))     # a term that is zero throughout: neither built nor discounted
    life = flat.lifetime[sl, None]
    start_f = flat.op_start[sl]
    start_e = start_f + flat.delay[sl]
    op_f = ((years >= start_f[:, None]) & (years < start_f[:, None] + life)).astype(float)
    op_e = ((years >= start_e[:, None]) & (years < start_e[:, None] + life)).astype(float)
    keep = 1.0 - flat.deadweight[sl, None]          # outcome deadweight (v2)
    esec = flat.energy_sector[sl]

    # Costs (METHOD.md 3): incremental capex with renewals, optimism bias, opex, network
    capex_g = _dense(flat.capex, lo, hi, y0, Y)
    a, b = np.searchsorted(flat.renewals[0], [lo, hi])
    ren_f = _renewals(flat, lo, hi, years, start_f) if b > a else None
    ren_e = _renewals(flat, lo, hi, years, start_e) if b > a else None
    capex_e = capex_g + ren_e if b > a else capex_g     # gross, economic timeline
    capex_fin_g = capex_g + ren_f if b > a else capex_g  # gross, promoter's timeline
    a, b = np.searchsorted(flat.counterfactual[0], [lo, hi])
    capex_inc = capex_e - _dense(flat.counterfactual, lo, hi, y0, Y) if b > a else capex_e
    ob = flat.ob[sl]
    capex_adj = capex_inc * (1.0 + ob[:, None])
    opex = op_e * flat.opex[sl, None]
    # METHOD.md 10.8: in the economic case's first operating year (its operating
    # start, also for a lifetime of 0)
    nr = flat.network[sl]
    network = (years == start_e[:, None]) * nr[:, None] if nr.any() else zero
    costs = capex_adj + opex + network if network is not zero else capex_adj + opex

    # Energy and carbon by the project's sector (v2), after comfort taking: one
    # product gives every per-unit rate; terms that are zero throughout (a v1
    # pack, no such input in the block) are not computed
    opk = op_e * keep                                  # operating years, after deadweight
    q_eff, q_comf = flat.q_eff[sl], flat.q_comfort[sl]
    assert tab.stack is not None   # _tables always builds it
    rates = _by_sector(esec, q_eff, tab.stack)
    traded_rate, direct_rate, resource_rate, air_rate, tax_rate = (
        rates[:, k * Y:(k + 1) * Y] for k in range(5))
    saved_direct = direct_rate * -opk
    saved_traded = traded_rate * -opk if tab.has_traded else zero
    carbon_benefit = saved_direct * tab.cv
    if tab.has_traded:
        carbon_benefit += saved_traded * tab.traded_cv
    energy = resource_rate * -opk
    comfort = _by_sector(esec, q_comf, tab.retail) * opk if q_comf.any() else zero
    air = air_rate * -opk if tab.has_air else zero
    km_py, km_map = flat.car_km_per_year[sl], _dense(flat.car_km_profile, lo, hi, y0, Y)
    road = ((op_e * km_py[:, None] + km_map) * tab.mec * keep
            if tab.mec.any() and (km_py.any() or km_map.any()) else zero)
    emb = flat.embodied[sl]
    embodied_t = capex_e * (emb / 1e6)[:, None] if emb.any() else zero
    embodied = embodied_t * tab.cv if emb.any() else zero
    other = op_e * flat.econ_per_year[sl, None] + _dense(flat.econ_profile, lo, hi, y0, Y)
    other *= keep
    h_py, h_map = flat.health_per_year[sl], _dense(flat.health_profile, lo, hi, y0, Y)
    health = (op_e * h_py[:, None] + h_map) * keep if (h_py.any() or h_map.any()) else zero
    res_v = flat.residual[sl]
    residual = (years == (start_e[:, None] + life)) * res_v[:, None] if res_v.any() else zero
    benefits = carbon_benefit + energy + other
    for term, sign in ((comfort, 1.0), (air, 1.0), (road, 1.0), (embodied, -1.0), (residual, 1.0)):
        if term is not zero:
            benefits += sign * term
    tax = tax_rate * op_e if tab.has_tax else zero

    pv = {name: (arr @ df if arr is not zero else np.zeros(hi - lo)) for name, arr in (
        ("pv_costs_gbp", costs), ("pv_carbon_benefit_gbp", carbon_benefit),
        ("pv_energy_benefit_gbp", energy), ("pv_comfort_gbp", comfort),
        ("pv_air_quality_gbp", air), ("pv_road_externalities_gbp", road),
        ("pv_embodied_carbon_cost_gbp", embodied), ("pv_residual_value_gbp", residual),
        ("pv_network_reinforcement_gbp", network), ("pv_indirect_tax_change_gbp", tax),
        ("pv_capex_gbp", capex_inc), ("pv_opex_gbp", opex))}
    pv_health = health @ dfh if health is not zero else np.zeros(hi - lo)
    pv["pv_other_economic_gbp"] = other @ df + pv_health
    pvb = benefits @ df + pv_health
    pvc = pv["pv_costs_gbp"]

    # Funder BCR (v2): public share of each year's capex. Each part is summed
    # directly: PVC_private = PVC - PVC_public would lose digits where one part
    # is tiny beside the other.
    has_map = flat.has_pf_map[sl]
    pf_dense = _dense(flat.public_funding, lo, hi, y0, Y)
    public_pp = flat.promoter_public[sl]
    if has_map.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ps_map = np.where(capex_e != 0, pf_dense / np.where(capex_e != 0, capex_e, 1.0), 0.0)
        ps = np.where(has_map[:, None], ps_map, flat.pf_share[sl, None])
        pv_public = (ps * capex_adj) @ df
        pv_private = ((1.0 - ps) * capex_adj) @ df
    else:   # one share a project: the sums factor
        share_p = flat.pf_share[sl]
        pv_adj = capex_adj @ df
        pv_public, pv_private = share_p * pv_adj, (1.0 - share_p) * pv_adj
    pvc_public = np.where(public_pp, pvc, pv_public)
    pvc_private = np.where(public_pp, 0.0, pv_private + pv["pv_opex_gbp"]
                           + pv["pv_network_reinforcement_gbp"])

    traded_t, direct_t = saved_traded.sum(1), saved_direct.sum(1)
    total_carbon = traded_t + direct_t
    before = ~post
    sunk = (capex_fin_g[:, before].sum(1) + op_f[:, before].sum(1) * flat.opex[sl]
            if before.any() else np.zeros(hi - lo))

    # Financial case (METHOD.md 4): the promoter's timeline, from A on
    bills = flat.bill_savings[sl]
    bill = (-_bill_prices(flat, lo, hi, esec, q_eff, tab) * op_f * bills[:, None]
            if bills.any() else zero)
    revenue = op_f * flat.rev_per_year[sl, None] + _dense(flat.rev_profile, lo, hi, y0, Y)
    capex_fin = capex_fin_g * (1.0 + ob * opts.financial_ob_share)[:, None]
    cash = revenue - capex_fin - op_f * flat.opex[sl, None]
    if bill is not zero:
        cash += bill
    cash_nominal = cash * tab.nominal if opts.financial_basis == "nominal" else cash
    cash_a = cash_nominal[:, post]
    dnet_a = (benefits[:, post] - costs[:, post]) * df[post]
    if health is not zero:
        dnet_a += health[:, post] * dfh[post]
    a_year = int(years[post][0])
    fin_npv = financial.npv(opts.financial_discount_rate, cash_a)
    fin_irr = financial.irr(cash_a)
    payback = financial.payback_year(cash_a, a_year)
    disc_payback = financial.payback_year(dnet_a, a_year)

    # Jobs and public cost (METHOD.md 5)
    capex_total = capex_fin_g.sum(1)
    job_years = capex_total / 1e6 * flat.jypm[sl]
    constr = job_years / pack.parameters["job_years_per_permanent_job"]
    f = flat.add_factors[sl]
    factor = (1 - f[:, 0]) * (1 - f[:, 1]) * (1 - f[:, 2]) * (1 - f[:, 3]) * f[:, 4]
    fte = flat.fte[sl]
    share = flat.pf_share[sl]
    public_y = np.where(has_map[:, None], pf_dense, capex_fin_g * share[:, None])
    public_cost = public_y.sum(1)

    # Gap (METHOD.md 6): amounts in the window years of the project's sector
    w = window[flat.sector[sl]]
    public_in = (public_y * w).sum(1)
    mobilised = (capex_fin_g * w).sum(1)

    # What users must be told (METHOD.md 9)
    uses = q_eff != 0
    op_end = (start_e + flat.lifetime[sl] - 1)[:, None]
    has_life = (flat.lifetime[sl] > 0)[:, None]
    ef_extrap = uses & has_life & (op_end > tab.ef_last[esec])
    price_extrap = uses & has_life & (op_end > tab.price_last[esec])
    ef_fallback = uses & tab.ef_fallback[esec]
    price_fallback = uses & tab.price_fallback[esec]
    tail = tab.cv_past
    cv_extrap = ((((saved_traded[:, tail] + saved_direct[:, tail]) != 0)
                  | (embodied_t[:, tail] != 0)).any(1) if tail.any() else np.zeros(hi - lo, bool))
    early_benefits = early_revenue = np.zeros(hi - lo, bool)
    if before.any():
        early_benefits = ((benefits[:, before] + health[:, before]) != 0).any(1)
        early_revenue = ((revenue[:, before] + bill[:, before]) != 0).any(1)
    multi_sign = ~financial.at_most_one_sign_change(cash_a)

    res._store(sl, dict(
        pv_benefits_gbp=pvb, npsv_gbp=pvb - pvc,
        pv_other_benefits_gbp=pvb - pv["pv_carbon_benefit_gbp"],
        carbon_saved_tco2e=total_carbon, carbon_saved_traded_tco2e=traded_t,
        carbon_saved_direct_tco2e=direct_t, optimism_bias=ob, ob_delay_years=flat.delay[sl],
        benefit_deadweight=flat.deadweight[sl], embodied_carbon_tco2e=embodied_t.sum(1),
        pv_costs_public_gbp=pvc_public, pv_costs_private_gbp=pvc_private,
        financial_npv_gbp=fin_npv, financial_irr=fin_irr, payback_year=payback,
        discounted_payback_year=disc_payback, construction_job_years=job_years,
        gross_jobs_fte=constr + fte, net_additional_jobs_fte=(constr + fte) * factor,
        net_construction_jobs_fte=constr * factor, net_operational_jobs_fte=fte * factor,
        public_cost_gbp=public_cost, gap_contribution_gbp=public_in * (1.0 - flat.deadweight[sl]),
        gap_public_in_window_gbp=public_in, investment_mobilised_gbp=mobilised,
        sunk_costs_gbp=sunk, readiness_score=flat.readiness[sl],
        months_to_start=flat.months_to_start[sl], capex_gbp=capex_total,
        vfm_adjustment=flat.vfm_adjustment[sl], promoter_public=flat.promoter_public[sl] * 1.0,
        psds_applies=flat.psds[sl] * 1.0, pv_health_benefits_gbp=pv_health,
        # components of the present values, for sensitivity analysis and Monte Carlo:
        # PVC = pv_capex * (1 + OB) + pv_opex + pv_network;
        # PVB = pv_carbon + pv_energy + pv_comfort + pv_air + pv_road + pv_other - pv_embodied + pv_residual
        pv_energy_saving_gbp=pv["pv_energy_benefit_gbp"], construction_job_years_per_million=flat.jypm[sl],
        **pv,
    ), flags=dict(ef_extrap=ef_extrap, price_extrap=price_extrap, cv_extrap=cv_extrap,
                  ef_fallback=ef_fallback, price_fallback=price_fallback,
                  early_benefits=early_benefits, early_revenue=early_revenue,
                  multi_sign=multi_sign))
    if keep_series:
        res.series.append(ProjectSeries.block(
            capex=capex_g, renewals=ren_e if ren_e is not None else zero,
            counterfactual_capex=capex_e - capex_inc,
            optimism_bias=capex_adj - capex_inc, opex=opex, network_reinforcement=network,
            emissions=-(saved_traded + saved_direct), carbon_saved=saved_traded + saved_direct,
            carbon_saved_traded=saved_traded, carbon_saved_direct=saved_direct,
            carbon_benefit=carbon_benefit, energy_saving=energy, comfort=comfort,
            air_quality=air, road_externalities=road, embodied_carbon=embodied,
            embodied_carbon_tco2e=embodied_t, residual_value=residual, other_benefits=other + health,
            health_benefits=health, costs=costs, benefits=benefits + health,
            discounted_costs=costs * df, discounted_benefits=benefits * df + health * dfh,
            indirect_tax=tax, revenue=revenue, bill_savings=bill, capex_financial=capex_fin,
            financial_cash_flow=cash_nominal, public_funding=public_y,
            operating=op_e, operating_financial=op_f, discount_factor=np.broadcast_to(df, op_e.shape)))


def _bill_prices(flat: _Flat, lo: int, hi: int, esec: np.ndarray, q_eff: np.ndarray,
                 tab: _Tables) -> np.ndarray:
    """METHOD.md 4 (v2): the promoter's energy bill change a year, ``sum_f q_f *
    tariff_f(y)``: the sector's retail price or the project's own tariff, net of
    VAT where the promoter recovers it; (P, Y)."""
    tariffs = flat.tariffs[lo:hi]
    own = ~np.isnan(tariffs)
    q_pack = np.where(own, 0.0, q_eff)
    vr = flat.vat_recoverable[lo:hi, None]
    net = 1.0 / (1.0 + tab.vat)
    gross = _by_sector(esec, q_pack, tab.retail)
    excl = _by_sector(esec, q_pack, tab.retail * net)
    out = np.where(vr, excl, gross)
    if own.any():
        q_own = np.where(own, q_eff * np.nan_to_num(tariffs), 0.0)
        out += np.where(vr, _by_sector(esec, q_own, net),
                        q_own.sum(1)[:, None] * np.ones(tab.vat.shape[2]))
    return out
