"""The appraisal of a whole portfolio, vectorised over projects and years.

:func:`appraise_portfolio` follows METHOD.md sections 1 to 8. It first
flattens the projects' inputs into arrays (one pass over the projects, as
they are parsed), then computes every measure for blocks of projects at once
on a shared calendar-year axis, with numpy. No Python loop runs over projects
in the calculation; the only loops are over fuels, gap sectors and years,
which are few.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass
from itertools import chain

import numpy as np

from . import financial
from .discounting import discount_factors
from .errors import InputError, Problem
from .pack import ADDITIONALITY_FACTORS, AssumptionPack
from .portfolio import PortfolioInputs, ProjectInputs
from .results import PortfolioResults, ProjectSeries

# Cells (projects x years) evaluated together. Bigger blocks mean fewer numpy
# calls; the bound keeps memory modest for very large portfolios: about 25
# arrays of this many float64 are alive at once (some 400 MB at most).
BLOCK_CELLS = 2_000_000
DEFAULT_PUBLIC_FUNDING_SHARE = 1.0
READINESS_POINTS = {"planning_consent": 25, "site_secured": 20, "procurement_ready": 20,
                    "match_funding_confirmed": 20}
READINESS_START_POINTS = {6: 15.0, 12: 8.0}     # start within 6 months, within 12


@dataclass(frozen=True)
class Options:
    """Choices that apply to the whole portfolio (METHOD.md, notation)."""

    appraisal_year: int
    price_base_year: int
    discount_schedule: str
    carbon_series: str
    financial_discount_rate: float


# ---------------------------------------------------------------------------
# Flattening the inputs
# ---------------------------------------------------------------------------

@dataclass
class _Flat:
    """All projects' inputs as arrays; money already rebased to the price base."""

    n: int
    capex: tuple           # sparse (project, year, GBP)
    public_funding: tuple  # sparse, only for projects that give it by year
    econ_profile: tuple
    rev_profile: tuple
    has_pf_map: np.ndarray
    pf_share: np.ndarray
    op_start: np.ndarray
    lifetime: np.ndarray
    opex: np.ndarray
    q: np.ndarray          # (P, F) annual change in use of each fuel [fuel unit]
    econ_per_year: np.ndarray
    rev_per_year: np.ndarray
    ob: np.ndarray
    bill_savings: np.ndarray
    jypm: np.ndarray
    fte: np.ndarray
    add_factors: np.ndarray  # (P, 5) deadweight, leakage, displacement, substitution, multiplier
    readiness: np.ndarray
    months_to_start: np.ndarray
    sector: np.ndarray       # index into the pack's gap sectors, -1 for none
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


def readiness_points(months_to_start: np.ndarray) -> np.ndarray:
    """METHOD.md 7: points for an early start (15 within 6 months, 8 within 12;
    none when the months are not given, NaN)."""
    return np.where(months_to_start <= 6, READINESS_START_POINTS[6],
                    np.where(months_to_start <= 12, READINESS_START_POINTS[12], 0.0))


def readiness_score(p: ProjectInputs) -> float:
    """METHOD.md 7: 0 to 100 points for how ready a project is to start."""
    r = p.readiness
    flags = sum(pts for name, pts in READINESS_POINTS.items() if getattr(r, name))
    months = np.nan if r.months_to_start is None else r.months_to_start
    return float(flags + readiness_points(np.array([months]))[0])


def project_spans(projects, appraisal_year: int, capex=None, public_funding=None,
                  profiles=()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Operating start, and first and last calendar year of each project's horizon.

    METHOD.md 2: operation starts in ``operating_start``, by default the year
    after the last capex year (or the appraisal year when there is no capex),
    and lasts ``lifetime_years``; the horizon runs from the earliest year with
    a flow, or the appraisal year if earlier, to the last year with a flow.
    The sparse year maps may be passed in when the caller has them already.
    """
    P = projects
    n = len(P)
    capex = _sparse(P, "capex") if capex is None else capex
    public_funding = _sparse(P, "public_funding") if public_funding is None else public_funding
    if not profiles:
        streams = [(i, st.profile) for i, p in enumerate(P) for st in p.other_benefits if st.profile]
        profiles = [(np.repeat(np.array([i for i, _ in streams], dtype=np.int64),
                               [len(m) for _, m in streams]),
                     np.fromiter(chain.from_iterable(m for _, m in streams), dtype=np.int64))]
    last_capex = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_capex, capex[0], capex[1])
    given = np.array([np.nan if p.operating_start is None else p.operating_start for p in P],
                     dtype=float)
    start = np.where(np.isnan(given), np.where(last_capex > np.iinfo(np.int64).min,
                                               last_capex + 1, appraisal_year), given)
    lifetime = np.array([p.lifetime_years for p in P], dtype=float)
    end = start + np.maximum(lifetime, 1) - 1
    first = np.minimum(start, appraisal_year).astype(np.int64)
    last = np.maximum(end, appraisal_year).astype(np.int64)
    for idx, years, *_ in (capex, public_funding, *profiles):
        np.minimum.at(first, idx, years)
        np.maximum.at(last, idx, years)
    return start, first, last


def project_span(p: ProjectInputs, appraisal_year: int) -> tuple[int, int, int]:
    """:func:`project_spans` of one project: (operating start, first year, last year)."""
    start, first, last = project_spans((p,), appraisal_year)
    return int(start[0]), int(first[0]), int(last[0])


def _sparse(projects, field) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(project index, year, amount) of a year map of every project, in project order."""
    maps = [getattr(p, field) or {} for p in projects]
    idx = np.repeat(np.arange(len(maps), dtype=np.int64), [len(m) for m in maps])
    years = np.fromiter(chain.from_iterable(maps), dtype=np.int64, count=idx.size)
    values = np.fromiter(chain.from_iterable(m.values() for m in maps), dtype=float, count=idx.size)
    return idx, years, values


def _flatten(inputs: PortfolioInputs, pack: AssumptionPack, opts: Options,
             fuels: list[str], sectors: list[str]) -> _Flat:
    """All projects' inputs as arrays, money rebased to the price base.

    Each column is read from every project in one comprehension and turned
    into an array; the arithmetic then happens on whole arrays.
    """
    P = inputs.projects
    n = len(P)
    A, B = opts.appraisal_year, opts.price_base_year
    deflator = pack.deflator
    price_years = [p.price_year if p.price_year is not None else B for p in P]
    missing = sorted(set(price_years) - set(deflator))
    if missing:
        lo, hi = pack.deflator_years
        raise InputError([Problem(f"price year {y} is outside the GDP deflator table ({lo}-{hi})",
                                  project=", ".join(p.id for p in P if p.price_year == y)[:200],
                                  field="price_year") for y in missing])
    d_base = deflator[B]
    rebase = {y: d_base / d for y, d in deflator.items()}
    k = np.array([rebase[y] for y in price_years], dtype=float)

    capex = _sparse(P, "capex")
    capex[2][:] *= k[capex[0]]
    has_pf = np.array([p.public_funding is not None for p in P], dtype=bool)
    pf = _sparse(P, "public_funding")
    pf[2][:] *= k[pf[0]]
    # None becomes NaN in a float array: the default fills it
    pf_share = np.array([p.public_funding_share for p in P], dtype=float)
    pf_share[np.isnan(pf_share)] = DEFAULT_PUBLIC_FUNDING_SHARE
    lifetime = np.array([p.lifetime_years for p in P], dtype=float)
    opex = np.array([p.opex_per_year for p in P], dtype=float) * k

    fuel_index = {f: j for j, f in enumerate(fuels)}
    q = np.zeros((n, len(fuels)))
    changes = [p.energy_changes for p in P]
    e_idx = np.repeat(np.arange(n), [len(c) for c in changes])
    if e_idx.size:
        flat_changes = list(chain.from_iterable(changes))
        cells = e_idx * len(fuels) + np.fromiter((fuel_index[f] for f, _ in flat_changes),
                                                 dtype=np.int64, count=e_idx.size)
        q = np.bincount(cells, weights=np.fromiter((v for _, v in flat_changes), dtype=float,
                                                   count=e_idx.size),
                        minlength=n * len(fuels)).reshape(n, len(fuels))

    # benefit streams: one pass over all streams of all projects
    per_year = {"economic": np.zeros(n), "revenue": np.zeros(n)}
    streams = [p.other_benefits for p in P]
    s_idx = np.repeat(np.arange(n), [len(st) for st in streams]).tolist()
    profile_maps: dict[str, tuple[list[int], list[dict]]] = {"economic": ([], []),
                                                              "revenue": ([], [])}
    flat_per_year: dict[str, tuple[list[int], list[float]]] = {"economic": ([], []),
                                                                "revenue": ([], [])}
    for i, st in zip(s_idx, chain.from_iterable(streams)):
        if st.per_year is not None:
            flat_per_year[st.kind][0].append(i)
            flat_per_year[st.kind][1].append(st.per_year)
        elif st.profile:
            profile_maps[st.kind][0].append(i)
            profile_maps[st.kind][1].append(st.profile)
    profiles = {}
    for kind in per_year:  # two kinds of stream
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
    upper = {t: float(v["capex_upper"] or 0.0) for t, v in pack.optimism_bias.items()}
    ob = np.array([
        p.optimism_bias if p.optimism_bias is not None else
        (upper[p.ob_project_type or c.ob_project_type] if not isinstance(p.ob_project_type, dict)
         else blended_upper_bound(p.ob_project_type, pack)) * (1.0 - p.ob_mitigation)
        for p, c in zip(P, cat)])
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
    ready = np.fromiter((nan if v is None else v for p in P for v in (
        *(getattr(p.readiness, f) for f in flags), p.readiness.months_to_start)),
        dtype=float, count=5 * n).reshape(n, 5)
    months = ready[:, 4]
    readiness = ready[:, :4] @ np.array(list(READINESS_POINTS.values())) + readiness_points(months)
    sector_of = {name: sectors.index(c.gap_sector) if c.gap_sector in sectors else -1
                 for name, c in categories.items()}
    sector = np.array([sector_of[p.category] for p in P], dtype=np.int64)

    # the calendar years the projects span (METHOD.md 2: the horizon)
    op_start, firsts, lasts = project_spans(P, A, capex, pf, (profiles["economic"],
                                                              profiles["revenue"]))
    first = int(firsts.min()) if n else A
    last = int(lasts.max()) if n else A

    notes: dict[int, list[str]] = {}

    def note(mask: np.ndarray, text) -> None:
        for i in np.nonzero(mask)[0]:   # only the projects that need a note
            notes.setdefault(int(i), []).append(text(int(i)))

    for i, p in enumerate(P):   # what parsing found worth saying (few projects have any)
        if p.notes:
            notes.setdefault(i, []).extend(p.notes)
    n_capex = np.bincount(capex[0], minlength=n)
    share_given = np.array([p.public_funding_share is not None for p in P], dtype=bool)
    note(~share_given & ~has_pf & (n_capex > 0), lambda i: (
        "public_funding_share is not given: all capex is taken as publicly funded "
        f"(share {DEFAULT_PUBLIC_FUNDING_SHARE:g})"))
    note(lifetime == 0, lambda i: "lifetime_years is 0: the project has no operating years")
    note(np.array([p.optimism_bias is not None and bool(p.ob_mitigation) for p in P], dtype=bool),
         lambda i: "ob_mitigation is ignored because the project gives its own optimism_bias")
    note(sector < 0, lambda i: (f"category {P[i].category!r} is in no investment-gap sector of "
                                "the pack, so the project contributes nothing to the gap"))
    partial = np.array([p.public_funding is not None and bool(p.capex)
                        and any(y not in p.public_funding for y in p.capex) for p in P], dtype=bool)
    note(partial, lambda i: (
        "public funding is given by year but not for every capex year ("
        + ", ".join(str(y) for y in sorted(P[i].capex) if y not in P[i].public_funding)
        + "): those years count no public money"))
    return _Flat(n=n, capex=capex, public_funding=pf, econ_profile=profiles["economic"],
                 rev_profile=profiles["revenue"], has_pf_map=has_pf, pf_share=pf_share,
                 op_start=op_start, lifetime=lifetime, opex=opex, q=q,
                 econ_per_year=per_year["economic"], rev_per_year=per_year["revenue"], ob=ob,
                 bill_savings=np.array([p.bill_savings_to_promoter for p in P], dtype=bool),
                 jypm=jypm, fte=np.array([p.operational_fte for p in P], dtype=float),
                 add_factors=add, readiness=readiness, months_to_start=months, sector=sector,
                 first_year=first, last_year=last, notes=notes)


def _dense(sparse: tuple, lo: int, hi: int, first_year: int, n_years: int,
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
                    discount_schedule: str | None = None) -> Options:
    B = inputs.price_base_year if inputs.price_base_year is not None else pack.default_price_base_year
    if B not in pack.deflator:
        lo, hi = pack.deflator_years
        raise InputError([Problem(f"{B} is outside the GDP deflator table ({lo}-{hi})",
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
    return Options(inputs.appraisal_year, B, schedule, series, inputs.financial_discount_rate)


def appraise_portfolio(inputs: PortfolioInputs, pack: AssumptionPack, *,
                       carbon_series: str | None = None, discount_schedule: str | None = None,
                       keep_series: bool = False, block: int | None = None) -> PortfolioResults:
    """Appraise every project of a portfolio and the portfolio as a whole.

    Parameters
    ----------
    inputs : PortfolioInputs
        Parsed and validated against ``pack`` (:func:`parse_portfolio`).
    pack : AssumptionPack
    carbon_series, discount_schedule : str, optional
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
    METHOD.md (version 1); HM Treasury, The Green Book (2022), Annex 6.
    """
    # The appraisal makes many short-lived arrays and lists but no reference
    # cycles; a full garbage collection would scan the whole parsed portfolio
    # (about 0.1 s at 10,000 projects) for nothing.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        return _appraise(inputs, pack, carbon_series, discount_schedule, keep_series, block)
    finally:
        if gc_enabled:
            gc.enable()


def _appraise(inputs: PortfolioInputs, pack: AssumptionPack, carbon_series: str | None,
              discount_schedule: str | None, keep_series: bool, block: int | None) -> PortfolioResults:
    opts = resolve_options(inputs, pack, carbon_series=carbon_series,
                           discount_schedule=discount_schedule)
    A, B = opts.appraisal_year, opts.price_base_year
    fuels = pack.fuels()
    sectors = list(pack.investment_gap)
    flat = _flatten(inputs, pack, opts, fuels, sectors)
    years = np.arange(flat.first_year, flat.last_year + 1)
    Y = years.size
    t = years - A
    post = t >= 0
    df = np.zeros(Y)
    df[post] = discount_factors(pack.discount_schedules[opts.discount_schedule], int(t[-1]))[t[post]]

    # Year tables on the axis, rebased to B (METHOD.md 1.1 and 3)
    ef = np.zeros((len(fuels), Y))
    price = np.zeros((len(fuels), Y))
    ef_past = np.zeros((len(fuels), Y), bool)
    price_past = np.zeros((len(fuels), Y), bool)
    for j, fuel in enumerate(fuels):  # a handful of fuels
        ef[j], ef_past[j] = pack.emission_factors[fuel].on_axis(years)
        price[j], price_past[j] = pack.energy_prices_on(fuel, years, B)
    cv, cv_past = pack.carbon_values[opts.carbon_series].on_axis(years)
    cv = cv * pack.rebase_factor(pack.carbon_price_year, B)

    # Gap windows (METHOD.md 6): per sector, a mask of its years on the axis
    window = np.zeros((len(sectors) + 1, Y))   # last row: no sector
    for s, name in enumerate(sectors):
        g = pack.investment_gap[name]
        window[s] = (years >= g.first_year) & (years <= g.last_year)

    res = PortfolioResults.empty(inputs, pack, opts, years if keep_series else None)
    if block is None:
        block = max(256, BLOCK_CELLS // max(Y, 1))
    for lo in range(0, max(flat.n, 1), block):   # an empty portfolio: one block of no rows
        hi = min(flat.n, lo + block)
        _appraise_block(flat, lo, hi, years, t, post, df, ef, price, cv, window, opts, pack, res,
                        keep_series, ef_past, price_past, cv_past)
    res.finish(flat.notes, sectors)
    return res


def _sum_by_project(sparse: tuple, lo: int, hi: int, weights: np.ndarray | None = None,
                    y0: int = 0) -> np.ndarray:
    """For rows ``lo..hi-1``: the sum of each project's amounts, each weighted by
    ``weights[year - y0]`` when given (a discount factor, a window mask)."""
    proj, year, value = sparse
    a, b = np.searchsorted(proj, [lo, hi])   # entries are in project order
    v = value[a:b] if weights is None else value[a:b] * weights[year[a:b] - y0]
    return np.bincount(proj[a:b] - lo, weights=v, minlength=hi - lo)


def _appraise_block(flat: _Flat, lo: int, hi: int, years: np.ndarray, t: np.ndarray,
                    post: np.ndarray, df: np.ndarray, ef: np.ndarray, price: np.ndarray,
                    cv: np.ndarray, window: np.ndarray, opts: Options, pack: AssumptionPack,
                    res: PortfolioResults, keep_series: bool, ef_past: np.ndarray,
                    price_past: np.ndarray, cv_past: np.ndarray) -> None:
    """METHOD.md 3 to 6 for projects ``lo..hi-1``.

    Present values are taken without building every year-by-year matrix: a
    flow that is a constant in each operating year discounts to that constant
    times the sum of the discount factors of the operating years, and energy
    flows (fuels x years) discount through one small matrix product. Only the
    promoter's cash flow and the discounted net benefit, whose IRR and payback
    need every year, are built in full, and only from the appraisal year on.
    """
    sl = slice(lo, hi)
    y0 = int(years[0])
    start = flat.op_start[sl, None]
    operating = (years >= start) & (years < start + flat.lifetime[sl, None])   # (P, Y) bool
    op = operating.astype(float)
    op_df = op @ df                                   # sum of DF over each project's operating years
    ob, opex, q = flat.ob[sl], flat.opex[sl], flat.q[sl]
    econ_py, rev_py = flat.econ_per_year[sl], flat.rev_per_year[sl]
    capex_total = _sum_by_project(flat.capex, lo, hi)
    capex_pv = _sum_by_project(flat.capex, lo, hi, df, y0)
    capex_before = _sum_by_project(flat.capex, lo, hi, (~post).astype(float), y0)

    # Economic case (METHOD.md 3): energy and carbon through (P, Y) @ (Y, F) products
    pvc = capex_pv * (1.0 + ob) + opex * op_df
    total_carbon = -(q * (op @ ef.T)).sum(1) / 1000.0
    pv_carbon = -(q * (op @ (ef * (cv * df)).T)).sum(1) / 1000.0
    pv_energy = -(q * (op @ (price * df).T)).sum(1)
    pv_other = econ_py * op_df + _sum_by_project(flat.econ_profile, lo, hi, df, y0)
    pv_non_carbon = pv_energy + pv_other
    pvb = pv_carbon + pv_non_carbon
    npsv = pvb - pvc
    sunk = capex_before + opex * (op @ (~post).astype(float))

    # Financial case (METHOD.md 4) and discounted payback: every year from A on
    op_a = op[:, post]
    ya = years[post]
    capex_a = _dense(flat.capex, lo, hi, int(ya[0]), ya.size, clip=True)
    energy_rate = q @ price[:, post]                 # GBP a year of more energy use, per project
    bill = flat.bill_savings[sl].astype(float)
    cash_a = (op_a * (rev_py - opex)[:, None] - capex_a
              + _dense(flat.rev_profile, lo, hi, int(ya[0]), ya.size, clip=True)
              - (op_a * energy_rate) * bill[:, None])
    benefit_rate = -(q @ (ef[:, post] * cv[post])) / 1000.0 - energy_rate + econ_py[:, None]
    dnet_a = (op_a * (benefit_rate - opex[:, None])
              + _dense(flat.econ_profile, lo, hi, int(ya[0]), ya.size, clip=True)
              - capex_a * (1.0 + ob)[:, None]) * df[post]
    a_year = int(ya[0])
    fin_npv = financial.npv(opts.financial_discount_rate, cash_a)
    fin_irr = financial.irr(cash_a)
    payback = financial.payback_year(cash_a, a_year)
    disc_payback = financial.payback_year(dnet_a, a_year)

    # Jobs and public cost (METHOD.md 5)
    job_years = capex_total / 1e6 * flat.jypm[sl]
    gross = job_years / pack.parameters["job_years_per_permanent_job"] + flat.fte[sl]
    f = flat.add_factors[sl]
    net = gross * (1 - f[:, 0]) * (1 - f[:, 1]) * (1 - f[:, 2]) * (1 - f[:, 3]) * f[:, 4]
    by_map = flat.has_pf_map[sl]
    share = flat.pf_share[sl]
    public_cost = np.where(by_map, _sum_by_project(flat.public_funding, lo, hi), capex_total * share)

    # Gap (METHOD.md 6): amounts in the window years of the project's sector
    sector = flat.sector[sl]
    gap_contribution, mobilised = _in_window(flat, lo, hi, window, sector, y0, by_map, share)

    # Method notes that depend on the years (METHOD.md 9)
    uses = q != 0
    op_end = (flat.op_start[sl] + flat.lifetime[sl] - 1)[:, None]
    has_life = (flat.lifetime[sl] > 0)[:, None]
    ef_extrap = uses & has_life & (op_end > _last_years(ef_past, years)[None, :])
    price_extrap = uses & has_life & (op_end > _last_years(price_past, years)[None, :])
    tail = cv_past
    cv_extrap = ((op[:, tail] * (q @ ef[:, tail])) != 0).any(1) if tail.any() \
        else np.zeros(hi - lo, bool)
    before = ~post
    early_benefits = np.zeros(hi - lo, bool)
    early_revenue = np.zeros(hi - lo, bool)
    if before.any():
        op_before = op[:, before]
        bill_before = (op_before * (q @ price[:, before])).any(1) & flat.bill_savings[sl]
        early_revenue = (((op_before.any(1)) & (rev_py != 0)) | bill_before
                         | (_dense(flat.rev_profile, lo, hi, y0, int(before.sum()), clip=True)
                            != 0).any(1))
        early = (op[:, before] * (-(q @ (ef[:, before] * cv[before])) / 1000.0
                                  - q @ price[:, before] + econ_py[:, None])
                 + _dense(flat.econ_profile, lo, hi, y0, int(before.sum()), clip=True))
        early_benefits = (early != 0).any(1)
    multi_sign = ~financial.at_most_one_sign_change(cash_a)

    res.store(sl, dict(
        pv_costs_gbp=pvc, pv_benefits_gbp=pvb, npsv_gbp=npsv, pv_carbon_benefit_gbp=pv_carbon,
        pv_other_benefits_gbp=pv_non_carbon, carbon_saved_tco2e=total_carbon, optimism_bias=ob,
        financial_npv_gbp=fin_npv, financial_irr=fin_irr, payback_year=payback,
        discounted_payback_year=disc_payback, construction_job_years=job_years,
        gross_jobs_fte=gross, net_additional_jobs_fte=net, public_cost_gbp=public_cost,
        gap_contribution_gbp=gap_contribution, investment_mobilised_gbp=mobilised,
        sunk_costs_gbp=sunk, readiness_score=flat.readiness[sl],
        months_to_start=flat.months_to_start[sl], capex_gbp=capex_total,
        # components of the present values, for sensitivity analysis and Monte Carlo:
        # PVC = pv_capex * (1 + OB) + pv_opex; PVB = pv_carbon + pv_energy + pv_other
        pv_capex_gbp=capex_pv, pv_opex_gbp=opex * op_df, pv_energy_saving_gbp=pv_energy,
        pv_other_economic_gbp=pv_other, construction_job_years_per_million=flat.jypm[sl],
    ), flags=dict(ef_extrap=ef_extrap, price_extrap=price_extrap, cv_extrap=cv_extrap,
                  early_benefits=early_benefits, early_revenue=early_revenue,
                  multi_sign=multi_sign))
    if keep_series:
        res.series.append(_series(flat, lo, hi, years, df, ef, price, cv, operating))


def _last_years(past: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Per fuel, the last year of its table (years after it are extrapolated); +inf if none."""
    out = np.full(past.shape[0], np.inf)
    for j in range(past.shape[0]):   # a handful of fuels
        if past[j].any():
            out[j] = years[np.argmax(past[j])] - 1
    return out


def _in_window(flat: _Flat, lo: int, hi: int, window: np.ndarray, sector: np.ndarray, y0: int,
               by_map: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Public funding and capex of each project in its gap sector's window years."""
    def weighted(sparse: tuple) -> np.ndarray:
        proj, year, value = sparse
        a, b = np.searchsorted(proj, [lo, hi])
        w = window[sector[proj[a:b] - lo], year[a:b] - y0]
        return np.bincount(proj[a:b] - lo, weights=value[a:b] * w, minlength=hi - lo)
    capex_in = weighted(flat.capex)
    return np.where(by_map, weighted(flat.public_funding), capex_in * share), capex_in


def _series(flat: _Flat, lo: int, hi: int, years: np.ndarray, df: np.ndarray, ef: np.ndarray,
            price: np.ndarray, cv: np.ndarray, operating: np.ndarray) -> ProjectSeries:
    """The year-by-year arrays of METHOD.md 3-6 (for charts and the workbook)."""
    sl = slice(lo, hi)
    y0, Y = int(years[0]), years.size
    capex = _dense(flat.capex, lo, hi, y0, Y)
    opex = operating * flat.opex[sl, None]
    capex_adj = capex * (1.0 + flat.ob[sl, None])
    costs = capex_adj + opex
    q = flat.q[sl]
    emissions = operating * (q @ ef) / 1000.0                     # tCO2e, + = more emitted
    carbon_saved = -emissions
    carbon_benefit = carbon_saved * cv
    energy_saving = -(operating * (q @ price))
    other = operating * flat.econ_per_year[sl, None] + _dense(flat.econ_profile, lo, hi, y0, Y)
    benefits = carbon_benefit + energy_saving + other
    revenue = operating * flat.rev_per_year[sl, None] + _dense(flat.rev_profile, lo, hi, y0, Y)
    cash = -capex - opex + revenue + energy_saving * flat.bill_savings[sl, None]
    public = np.where(flat.has_pf_map[sl, None], _dense(flat.public_funding, lo, hi, y0, Y),
                      capex * flat.pf_share[sl, None])
    return ProjectSeries.block(
        capex=capex, optimism_bias=capex_adj - capex, opex=opex, emissions=emissions,
        carbon_saved=carbon_saved, carbon_benefit=carbon_benefit, energy_saving=energy_saving,
        other_benefits=other, costs=costs, benefits=benefits, discounted_costs=costs * df,
        discounted_benefits=benefits * df, revenue=revenue, financial_cash_flow=cash,
        public_funding=public, operating=operating.astype(float))
