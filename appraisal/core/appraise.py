"""The appraisal of a whole portfolio, vectorised over projects and years.

:func:`appraise_portfolio` follows METHOD.md sections 1 to 8. It first
flattens the projects' inputs into arrays (one pass over the projects, as
they are parsed), then computes every measure for blocks of projects at once
on a shared calendar-year axis, with numpy. No Python loop runs over projects
in the calculation; the only loops are over fuels, gap sectors and years,
which are few.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import financial
from .discounting import discount_factors
from .errors import InputError, Problem
from .pack import AssumptionPack
from .portfolio import PortfolioInputs, ProjectInputs
from .results import PortfolioResults, ProjectSeries

# Projects evaluated together; bounds memory for very large portfolios
# (about 20 arrays of BLOCK x years float64 are alive at once).
BLOCK = 4096
DEFAULT_PUBLIC_FUNDING_SHARE = 1.0
READINESS_POINTS = {"planning_consent": 25, "site_secured": 20, "procurement_ready": 20,
                    "match_funding_confirmed": 20}


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
class _Sparse:
    """Year-keyed amounts of many projects, as parallel lists (COO layout)."""

    project: list[int] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def add(self, p: int, amounts: dict[int, float], scale: float = 1.0) -> None:
        for y, v in amounts.items():
            self.project.append(p)
            self.year.append(y)
            self.value.append(v * scale)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.asarray(self.project, dtype=np.int64), np.asarray(self.year, dtype=np.int64),
                np.asarray(self.value, dtype=float))


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
    notes: list[list[str]]   # per-project warnings found while flattening


def _resolve_ob(p: ProjectInputs, pack: AssumptionPack, notes: list[str]) -> float:
    """METHOD.md 3, 'Optimism bias'.

    The project's own ``optimism_bias`` is used as given. Otherwise the
    capital-expenditure upper bound of its project type (the category's, or
    the project's own ``ob_project_type``, possibly a mix weighted by shares)
    is reduced by ``ob_mitigation`` (HMT Supplementary Green Book Guidance:
    Optimism Bias, "mitigation").
    """
    if p.optimism_bias is not None:
        if p.ob_mitigation:
            notes.append("ob_mitigation is ignored because the project gives its own optimism_bias")
        return p.optimism_bias
    return blended_upper_bound(p.ob_project_type or pack.categories[p.category].ob_project_type,
                               pack) * (1.0 - p.ob_mitigation)


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


def readiness_score(p: ProjectInputs) -> float:
    """METHOD.md 7: 0 to 100 points for how ready a project is to start."""
    r = p.readiness
    score = sum(pts for name, pts in READINESS_POINTS.items() if getattr(r, name))
    if r.months_to_start is not None:
        score += 15 if r.months_to_start <= 6 else 8 if r.months_to_start <= 12 else 0
    return float(score)


def project_span(p: ProjectInputs, appraisal_year: int) -> tuple[int, int, int]:
    """Operating start, and first and last calendar year of a project's horizon.

    METHOD.md 2: operation starts in ``operating_start``, by default the year
    after the last capex year (or the appraisal year when there is no capex);
    the horizon runs from the earliest year with a flow, or the appraisal year
    if earlier, to the last year with a flow.
    """
    start = p.operating_start
    if start is None:
        start = max(p.capex) + 1 if p.capex else appraisal_year
    years = [appraisal_year, *p.capex, *(p.public_funding or {}), start,
             start + max(p.lifetime_years, 1) - 1]
    for stream in p.other_benefits:
        years.extend(stream.profile or ())
    return start, min(years), max(years)


def _flatten(inputs: PortfolioInputs, pack: AssumptionPack, opts: Options,
             fuels: list[str], sectors: list[str]) -> _Flat:
    n = len(inputs.projects)
    B = opts.price_base_year
    fuel_index = {f: i for i, f in enumerate(fuels)}
    sector_index = {s: i for i, s in enumerate(sectors)}
    capex, pf, econ, rev = _Sparse(), _Sparse(), _Sparse(), _Sparse()
    a = {name: np.zeros(n) for name in ("pf_share", "op_start", "lifetime", "opex", "econ", "rev",
                                        "ob", "jypm", "fte", "readiness", "months")}
    has_pf = np.zeros(n, bool)
    bill = np.zeros(n, bool)
    q = np.zeros((n, len(fuels)))
    add = np.zeros((n, 5))
    sector = np.full(n, -1, dtype=np.int64)
    notes: list[list[str]] = [[] for _ in range(n)]
    first, last = opts.appraisal_year, opts.appraisal_year
    deflator = pack.deflator
    d_base = deflator[B]
    pp_default = pack.additionality
    missing_years: dict[int, list[str]] = {}
    for i, p in enumerate(inputs.projects):  # flattening only: one pass, no arithmetic per year
        py = p.price_year if p.price_year is not None else B
        if py not in deflator:
            missing_years.setdefault(py, []).append(p.id)
            continue
        k = d_base / deflator[py]
        capex.add(i, p.capex, k)
        if p.public_funding is not None:
            has_pf[i] = True
            pf.add(i, p.public_funding, k)
        if p.public_funding_share is None and p.public_funding is None and p.capex:
            notes[i].append("public_funding_share is not given: all capex is taken as publicly "
                            f"funded (share {DEFAULT_PUBLIC_FUNDING_SHARE:g})")
        a["pf_share"][i] = (p.public_funding_share if p.public_funding_share is not None
                            else DEFAULT_PUBLIC_FUNDING_SHARE)
        start, p_first, p_last = project_span(p, opts.appraisal_year)
        a["op_start"][i] = start
        a["lifetime"][i] = p.lifetime_years
        a["opex"][i] = p.opex_per_year * k
        for fuel, qty in p.energy_changes:
            q[i, fuel_index[fuel]] += qty
        for s in p.other_benefits:
            target = econ if s.kind == "economic" else rev
            if s.per_year is not None:
                a["econ" if s.kind == "economic" else "rev"][i] += s.per_year * k
            else:
                target.add(i, s.profile or {}, k)
        if p.lifetime_years == 0:
            notes[i].append("lifetime_years is 0: the project has no operating years")
        bill[i] = p.bill_savings_to_promoter
        a["ob"][i] = _resolve_ob(p, pack, notes[i])
        cat = pack.categories[p.category]
        a["jypm"][i] = p.job_years_per_million if p.job_years_per_million is not None \
            else cat.job_years_per_million
        a["fte"][i] = p.operational_fte
        defaults = pp_default[p.spatial_level]
        for j, name in enumerate(("deadweight", "leakage", "displacement", "substitution",
                                  "multiplier")):
            v = p.additionality.get(name)
            add[i, j] = defaults[name] if v is None else v
        a["readiness"][i] = readiness_score(p)
        a["months"][i] = np.nan if p.readiness.months_to_start is None else p.readiness.months_to_start
        if cat.gap_sector is not None:
            sector[i] = sector_index[cat.gap_sector]
        else:
            notes[i].append(f"category {p.category!r} is in no investment-gap sector of the pack, "
                            "so the project contributes nothing to the gap")
        first, last = min(first, p_first), max(last, p_last)
    if missing_years:
        lo, hi = pack.deflator_years
        raise InputError([Problem(f"price year {y} is outside the GDP deflator table ({lo}-{hi})",
                                  project=", ".join(ids[:5]), field="price_year")
                          for y, ids in missing_years.items()])
    return _Flat(n=n, capex=capex.arrays(), public_funding=pf.arrays(), econ_profile=econ.arrays(),
                 rev_profile=rev.arrays(), has_pf_map=has_pf, pf_share=a["pf_share"],
                 op_start=a["op_start"], lifetime=a["lifetime"], opex=a["opex"], q=q,
                 econ_per_year=a["econ"], rev_per_year=a["rev"], ob=a["ob"], bill_savings=bill,
                 jypm=a["jypm"], fte=a["fte"], add_factors=add, readiness=a["readiness"],
                 months_to_start=a["months"], sector=sector, first_year=first, last_year=last,
                 notes=notes)


def _dense(sparse: tuple, lo: int, hi: int, first_year: int, n_years: int) -> np.ndarray:
    """Rows ``lo..hi-1`` of a sparse (project, year, value) list as a dense matrix."""
    proj, year, value = sparse
    out = np.zeros((hi - lo, n_years))
    if proj.size:
        a, b = np.searchsorted(proj, [lo, hi])  # entries are in project order
        if b > a:
            np.add.at(out, (proj[a:b] - lo, year[a:b] - first_year), value[a:b])
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
                       keep_series: bool = False, block: int = BLOCK) -> PortfolioResults:
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
        table = pack.energy_prices[fuel]
        values, price_past[j] = table.on_axis(years)
        row_price_years = pack.energy_price_years[fuel]
        rows = (np.zeros(Y, int) if table.years is None
                else np.clip(np.searchsorted(table.years, years, side="right") - 1, 0,
                             len(table.years) - 1))
        price[j] = values * np.array([pack.deflator[B] / pack.deflator[int(y)]
                                      for y in row_price_years])[rows]
    cv, cv_past = pack.carbon_values[opts.carbon_series].on_axis(years)
    cv = cv * pack.rebase_factor(pack.carbon_price_year, B)

    # Gap windows (METHOD.md 6): per sector, a mask of its years on the axis
    window = np.zeros((len(sectors) + 1, Y))   # last row: no sector
    for s, name in enumerate(sectors):
        g = pack.investment_gap[name]
        window[s] = (years >= g.first_year) & (years <= g.last_year)

    res = PortfolioResults.empty(inputs, pack, opts, years if keep_series else None)
    for lo in range(0, flat.n, block):
        hi = min(flat.n, lo + block)
        _appraise_block(flat, lo, hi, years, t, post, df, ef, price, cv, window, opts, pack, res,
                        keep_series, ef_past, price_past, cv_past)
    res.finish(flat.notes, sectors)
    return res


def _appraise_block(flat: _Flat, lo: int, hi: int, years: np.ndarray, t: np.ndarray,
                    post: np.ndarray, df: np.ndarray, ef: np.ndarray, price: np.ndarray,
                    cv: np.ndarray, window: np.ndarray, opts: Options, pack: AssumptionPack,
                    res: PortfolioResults, keep_series: bool, ef_past: np.ndarray,
                    price_past: np.ndarray, cv_past: np.ndarray) -> None:
    sl = slice(lo, hi)
    y0, Y = int(years[0]), years.size
    start = flat.op_start[sl, None]
    operating = (years >= start) & (years < start + flat.lifetime[sl, None])   # (P, Y)
    capex = _dense(flat.capex, lo, hi, y0, Y)
    opex = operating * flat.opex[sl, None]

    # Economic case (METHOD.md 3)
    ob = flat.ob[sl]
    capex_adj = capex * (1.0 + ob[:, None])
    costs = capex_adj + opex
    q = flat.q[sl]
    emissions = operating * (q @ ef) / 1000.0                     # tCO2e, + = more emitted
    carbon_saved = -emissions
    carbon_benefit = carbon_saved * cv
    energy_saving = -(operating * (q @ price))
    other_econ = operating * flat.econ_per_year[sl, None] + _dense(flat.econ_profile, lo, hi, y0, Y)
    benefits = carbon_benefit + energy_saving + other_econ
    pvc = costs @ df
    pvb = benefits @ df
    npsv = pvb - pvc
    pv_carbon = carbon_benefit @ df
    pv_non_carbon = (energy_saving + other_econ) @ df
    total_carbon = carbon_saved.sum(1)
    sunk = ((capex + opex) * ~post).sum(1)

    # Financial case (METHOD.md 4)
    revenue = operating * flat.rev_per_year[sl, None] + _dense(flat.rev_profile, lo, hi, y0, Y)
    cash = -capex - opex + revenue + energy_saving * flat.bill_savings[sl, None]
    cash_from_a = cash[:, post]
    a_year = int(years[post][0])
    fin_npv = financial.npv(opts.financial_discount_rate, cash_from_a)
    fin_irr = financial.irr(cash_from_a)
    payback = financial.payback_year(cash_from_a, a_year)
    disc_payback = financial.payback_year(((benefits - costs) * df)[:, post], a_year)

    # Jobs and public cost (METHOD.md 5)
    job_years = capex.sum(1) / 1e6 * flat.jypm[sl]
    gross = job_years / pack.parameters["job_years_per_permanent_job"] + flat.fte[sl]
    f = flat.add_factors[sl]
    net = gross * (1 - f[:, 0]) * (1 - f[:, 1]) * (1 - f[:, 2]) * (1 - f[:, 3]) * f[:, 4]
    public = np.where(flat.has_pf_map[sl, None], _dense(flat.public_funding, lo, hi, y0, Y),
                      capex * flat.pf_share[sl, None])
    public_cost = public.sum(1)

    # Gap (METHOD.md 6)
    in_window = window[flat.sector[sl]]                           # (P, Y); sector -1 -> no window
    gap_contribution = (public * in_window).sum(1)
    mobilised = (capex * in_window).sum(1)

    # Method notes that depend on the years (METHOD.md 9)
    uses = q != 0
    ef_extrap = (uses[:, :, None] & ef_past[None] & operating[:, None, :]).any(2)   # (P, F)
    price_extrap = (uses[:, :, None] & price_past[None] & operating[:, None, :]).any(2)
    cv_extrap = ((carbon_saved != 0) & cv_past).any(1)
    early_benefits = ((benefits != 0) & ~post).any(1)
    multi_sign = financial.sign_changes(cash_from_a) > 1

    res.store(sl, dict(
        pv_costs_gbp=pvc, pv_benefits_gbp=pvb, npsv_gbp=npsv, pv_carbon_benefit_gbp=pv_carbon,
        pv_other_benefits_gbp=pv_non_carbon, carbon_saved_tco2e=total_carbon, optimism_bias=ob,
        financial_npv_gbp=fin_npv, financial_irr=fin_irr, payback_year=payback,
        discounted_payback_year=disc_payback, construction_job_years=job_years,
        gross_jobs_fte=gross, net_additional_jobs_fte=net, public_cost_gbp=public_cost,
        gap_contribution_gbp=gap_contribution, investment_mobilised_gbp=mobilised,
        sunk_costs_gbp=sunk, readiness_score=flat.readiness[sl],
        months_to_start=flat.months_to_start[sl], capex_gbp=capex.sum(1),
    ), flags=dict(ef_extrap=ef_extrap, price_extrap=price_extrap, cv_extrap=cv_extrap,
                  early_benefits=early_benefits, multi_sign=multi_sign))
    if keep_series:
        res.series.append(ProjectSeries.block(
            capex=capex, optimism_bias=capex_adj - capex, opex=opex, emissions=emissions,
            carbon_saved=carbon_saved, carbon_benefit=carbon_benefit, energy_saving=energy_saving,
            other_benefits=other_econ, costs=costs, benefits=benefits,
            discounted_costs=costs * df, discounted_benefits=benefits * df, revenue=revenue,
            financial_cash_flow=cash, public_funding=public, operating=operating.astype(float)))
