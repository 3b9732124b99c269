"""A plain, one-project-at-a-time reading of METHOD.md (version 2): the oracle.

This module is the independent reference the vectorised core
(``appraisal/core``) is checked against. It is written the simplest honest
way: Python loops over years, one project at a time, flows kept as
``{calendar year: GBP}`` dicts, every rule in the order METHOD.md states it.
It reads the assumption pack's CSV files itself with the ``csv`` module and
shares no code with the core, so that a misreading in one is not copied into
the other.

    appraise_reference(portfolio_dict, pack_dir) -> {"portfolio": {...}, "projects": [...]}

takes a portfolio as the JSON dict of FORMAT.md 1 and 4 and returns the
result keys of FORMAT.md 3 and 4 (undefined = ``None``). The benchmark
(benchmarks/bench_core.py) reads the pack once with ``load_reference_pack``
and calls ``appraise_project`` per project.

Where METHOD.md leaves a choice that its section 10 ("Settled readings") does
not settle, the reading taken here is marked ``AMBIGUOUS:`` in a comment, so
that it can be reconciled with the core's.
"""
from __future__ import annotations

import bisect
import csv
import datetime
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy_financial as npf

METHOD_VERSION = 2
# METHOD.md 1.1 (v2): deflator growth past the table's last row when the pack
# gives no ``deflator_forecast_growth`` parameter.
DEFAULT_DEFLATOR_GROWTH = 0.02
DEFAULT_GAP_WINDOW_YEARS = 5                       # METHOD.md 6, v2
DEFAULT_JOB_YEARS_PER_PERMANENT_JOB = 10.0         # METHOD.md 5
# METHOD.md 7 and settled reading 19: the default readiness weights.
DEFAULT_READINESS_WEIGHTS = {
    "planning_consent": 25.0, "site_secured": 20.0, "procurement_ready": 20.0,
    "match_funding_confirmed": 20.0, "start_within_6_months": 15.0,
    "start_within_12_months": 8.0,
}
SHOVEL_READY_SCORE = 80.0
ADDITIONALITY_FACTORS = ("deadweight", "leakage", "displacement", "substitution", "multiplier")
# METHOD.md 3, value for money (v2): lower bound of each band, from the top.
VFM_BANDS = [(4.0, "very high"), (2.0, "high"), (1.5, "medium"), (1.0, "low"), (0.0, "poor")]
VFM_SCALE = ["very poor", "poor", "low", "medium", "high", "very high"]
# FORMAT.md 4 and the pack README: cumulative payback sums within this of
# zero count as zero (docs/method-notes.md, v1 behaviour kept).
PAYBACK_TOLERANCE_GBP = 1e-6


class ReferenceInputError(ValueError):
    """An input the method calls an error (a deflator year before the table...)."""


# ---------------------------------------------------------------------------
# The assumption pack, read with the csv module
# ---------------------------------------------------------------------------

def _read_csv(path: Path) -> list[dict[str, str]] | None:
    """Rows of a CSV file as dicts of stripped strings; None when the file is
    absent or has a header and no rows (FORMAT.md 4: treated as absent)."""
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
                for row in csv.DictReader(f)]
    rows = [r for r in rows if any(r.values())]
    return rows or None


def _num(cell: str | None) -> float | None:
    return None if cell is None or cell == "" else float(cell)


def _year(cell: str | None) -> int | None:
    return None if cell is None or cell == "" else int(float(cell))


def _flag(cell: str | None) -> bool | None:
    if cell is None or cell == "":
        return None
    return cell.strip().lower() in ("true", "1", "yes")


@dataclass
class ReferencePack:
    """The pack's tables as plain rows (one dict per CSV row, cells parsed)."""

    id: str
    name: str
    vintage: str
    deflator: dict[int, float]
    parameters: dict[str, float]
    discount_schedules: dict[str, list[tuple[int, int | None, float]]]
    carbon_values: list[dict[str, Any]]
    emission_factors: list[dict[str, Any]]
    energy_prices: list[dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    optimism_bias: dict[str, dict[str, float | None]]
    additionality: dict[str, dict[str, float]]
    investment_gap: list[dict[str, Any]]
    air_quality: list[dict[str, Any]] | None
    marginal_external_costs: list[dict[str, Any]] | None
    traded_carbon_price: list[dict[str, Any]] | None
    ob_stage_mitigation: dict[str, float] | None
    readiness_weights: dict[str, float] | None
    has_traded_column: bool
    _selection_cache: dict = field(default_factory=dict, repr=False)

    def parameter(self, name: str, default: float | None = None) -> float | None:
        return self.parameters.get(name, default)


def load_reference_pack(pack_dir: Path | str) -> ReferencePack:
    """Read every table of the pack folder (FORMAT.md 2 and 4)."""
    d = Path(pack_dir)
    manifest = json.loads((d / "pack.json").read_text(encoding="utf-8"))

    deflator = {int(r["year"]): float(r["index"]) for r in _read_csv(d / "gdp_deflator.csv")}
    parameters = {r["name"]: float(r["value"]) for r in _read_csv(d / "parameters.csv") or []
                  if r.get("value", "") != ""}

    schedules: dict[str, list] = defaultdict(list)
    for r in _read_csv(d / "discount_schedules.csv"):
        schedules[r["schedule"]].append((int(r["from_year"]), _year(r.get("to_year")),
                                         float(r["rate"])))

    carbon = [{"year": _year(r.get("year")), "low": _num(r.get("low")),
               "central": _num(r.get("central")), "high": _num(r.get("high")),
               "price_year": _year(r.get("price_year"))}
              for r in _read_csv(d / "carbon_values.csv")]

    ef_rows = _read_csv(d / "emission_factors.csv")
    has_traded = "traded" in ef_rows[0]
    factors = [{"fuel": r["fuel"], "year": _year(r.get("year")), "sector": r.get("sector", ""),
                # METHOD.md 3: "a pack without a basis column is all one basis"
                "basis": r.get("basis", "") or "appraisal",
                # "A pack without the traded column treats every fuel as direct (v1)"
                "traded": bool(_flag(r.get("traded"))),
                "value": float(r["kgco2e_per_unit"])} for r in ef_rows]

    prices = [{"fuel": r["fuel"], "year": _year(r.get("year")), "sector": r.get("sector", ""),
               # "A pack with one basis uses it for both cases (v1)": an empty
               # basis serves resource and retail alike
               "basis": r.get("basis", ""), "series": r.get("series", ""),
               "value": float(r["gbp_per_unit"]),
               "vat": _num(r.get("vat_rate")) or 0.0,
               "duty": _num(r.get("duty_gbp_per_unit")) or 0.0,
               "price_year": _year(r.get("price_year"))}
              for r in _read_csv(d / "energy_prices.csv")]

    categories = {}
    for r in _read_csv(d / "categories.csv"):
        categories[r["category"]] = {
            "label": r.get("label", r["category"]),
            "gap_sector": r.get("gap_sector") or None,
            "ob_project_type": r["ob_project_type"],
            "job_years_per_million": float(r["job_years_per_million"]),
            "energy_sector": r.get("energy_sector") or None,
            "benefit_deadweight": _num(r.get("benefit_deadweight")),
            # settled reading 11: flagged for comfort taking when the cell is
            # not empty (None = not flagged, including a pack without the column)
            "comfort_taking": _num(r.get("comfort_taking")),
            "embodied_tco2e_per_million": _num(r.get("embodied_tco2e_per_million")),
            # AMBIGUOUS: an empty psds_test cell (or no column) is "not flagged".
            "psds_test": bool(_flag(r.get("psds_test"))),
        }

    ob = {r["project_type"]: {k: _num(r.get(k)) for k in
                              ("capex_upper", "capex_lower", "duration_upper", "duration_lower")}
          for r in _read_csv(d / "optimism_bias.csv")}
    additionality = {r["spatial_level"]: {k: float(r[k]) for k in ADDITIONALITY_FACTORS}
                     for r in _read_csv(d / "additionality.csv")}
    gap = [{"sector": r["sector"], "label": r.get("label", r["sector"]),
            "annual_gap_gbp": float(r["annual_gap_gbp"]),
            "first_year": _year(r.get("first_year")), "last_year": _year(r.get("last_year")),
            "price_year": _year(r.get("price_year"))}
           for r in _read_csv(d / "investment_gap.csv")]

    aq = _read_csv(d / "air_quality.csv")
    mec = _read_csv(d / "marginal_external_costs.csv")
    tcp = _read_csv(d / "traded_carbon_price.csv")
    stages = _read_csv(d / "ob_stage_mitigation.csv")
    weights = _read_csv(d / "readiness_weights.csv")
    return ReferencePack(
        id=manifest.get("id", ""), name=manifest.get("name", ""),
        vintage=manifest.get("vintage", ""),
        deflator=deflator, parameters=parameters, discount_schedules=dict(schedules),
        carbon_values=carbon, emission_factors=factors, energy_prices=prices,
        categories=categories, optimism_bias=ob, additionality=additionality,
        investment_gap=gap,
        air_quality=None if aq is None else [
            {"fuel": r["fuel"], "sector": r.get("sector", ""), "year": _year(r.get("year")),
             "value": float(r["gbp_per_unit"]), "price_year": _year(r.get("price_year"))}
            for r in aq],
        marginal_external_costs=None if mec is None else [
            {"component": r["component"], "year": _year(r.get("year")),
             "value": float(r["gbp_per_car_km"]), "price_year": _year(r.get("price_year"))}
            for r in mec],
        traded_carbon_price=None if tcp is None else [
            {"year": _year(r.get("year")), "value": float(r["gbp_per_tco2e"]),
             "price_year": _year(r.get("price_year"))} for r in tcp],
        ob_stage_mitigation=None if stages is None else {
            r["stage"]: float(r["mitigation"]) for r in stages},
        readiness_weights=None if weights is None else {
            r["criterion"]: float(r["points"]) for r in weights},
        has_traded_column=has_traded,
    )


# ---------------------------------------------------------------------------
# Prices, time and table look-ups (METHOD.md 1 and 3)
# ---------------------------------------------------------------------------

def deflator_index(pack: ReferencePack, year: int, warnings: list[str] | None = None) -> float:
    """D(year); METHOD.md 1.1 v2: past the last row, the last row grown at
    ``deflator_forecast_growth`` a year; before the first row, an input error."""
    table = pack.deflator
    first, last = min(table), max(table)
    if year in table:
        return table[year]
    if year < first:
        raise ReferenceInputError(f"GDP deflator has no year {year} (the table starts in {first})")
    if year > last:
        growth = pack.parameter("deflator_forecast_growth", DEFAULT_DEFLATOR_GROWTH)
        if warnings is not None:
            warnings.append(f"GDP deflator extrapolated to {year} at {growth:.2%} a year")
        return table[last] * (1.0 + growth) ** (year - last)
    raise ReferenceInputError(f"GDP deflator has no year {year} (a gap in the table)")


def discount_factors(schedule: list[tuple[int, int | None, float]], n: int) -> list[float]:
    """DF(0..n-1): DF(0) = 1, DF(t) = DF(t-1) / (1 + r(t)) (METHOD.md 1.2)."""
    def rate(t: int) -> float:
        for lo, hi, r in schedule:
            if lo <= t and (hi is None or t <= hi):
                return r
        raise ReferenceInputError(f"discount schedule has no band for year {t}")

    out = [1.0]
    for t in range(1, n):
        out.append(out[-1] / (1.0 + rate(t)))
    return out


def step_row(rows: list[dict[str, Any]], year: int) -> dict[str, Any]:
    """The row that applies in ``year`` (METHOD.md 3: year tables are steps):
    a row without a year applies to every year; else the latest row at or
    before ``year``, the first row before the first, the last past the last."""
    for r in rows:
        if r["year"] is None:
            return r
    ordered = sorted(rows, key=lambda r: r["year"])
    years = [r["year"] for r in ordered]
    i = bisect.bisect_right(years, year) - 1
    return ordered[max(i, 0)]


def _select_rows(pack: ReferencePack, table: str, fuel: str, basis: str | None,
                 sector: str | None, series: str | None) -> list[dict[str, Any]]:
    """Rows of ``table`` for one fuel, basis, sector and series (settled reading 9):
    rows for the project's sector win over empty-sector rows, rows for the
    chosen series over empty-series rows; year steps then apply within them."""
    key = (table, fuel, basis, sector, series)
    if key in pack._selection_cache:
        return pack._selection_cache[key]
    rows = [r for r in getattr(pack, table) if r["fuel"] == fuel]
    if basis is not None:
        rows = [r for r in rows if r["basis"] in (basis, "")]
    # AMBIGUOUS: rows that cannot apply (another sector, another series) are
    # dropped first; then the sector preference, then the series preference.
    rows = [r for r in rows if r["sector"] in ("", sector or "")]
    if series is not None:
        rows = [r for r in rows if r["series"] in ("", series)]
    own_sector = [r for r in rows if sector and r["sector"] == sector]
    rows = own_sector or [r for r in rows if r["sector"] == ""]
    if series is not None:
        own_series = [r for r in rows if r["series"] == series]
        rows = own_series or [r for r in rows if r["series"] == ""]
    pack._selection_cache[key] = rows
    return rows


# ---------------------------------------------------------------------------
# One portfolio's settings
# ---------------------------------------------------------------------------

@dataclass
class Context:
    """The portfolio-wide values every project's appraisal uses."""

    pack: ReferencePack
    A: int                      # appraisal year (t = 0)
    B: int                      # price base year
    discount_schedule: str
    carbon_series: str
    energy_series: str
    financial_discount_rate: float
    vfm_basis: str
    financial_ob_share: float
    financial_basis: str
    _df: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _deflator: dict[int, float] = field(default_factory=dict, repr=False)

    def D(self, year: int) -> float:
        if year not in self._deflator:
            self._deflator[year] = deflator_index(self.pack, year)
        return self._deflator[year]

    def rebase(self, value: float, price_year: int | None) -> float:
        """value at prices of ``price_year`` -> prices of B (METHOD.md 1.1)."""
        if price_year is None or price_year == self.B:
            return value
        return value * self.D(self.B) / self.D(price_year)

    def df(self, t: int, schedule: str | None = None) -> float:
        name = schedule or self.discount_schedule
        table = self._df.get(name)
        if table is None or len(table) <= t:
            table = discount_factors(self.pack.discount_schedules[name], max(t + 1, 400))
            self._df[name] = table
        return table[t]

    # -- carbon, prices, factors on a year, all at prices of B ------------------

    def carbon_value(self, year: int) -> float:
        row = step_row(self.pack.carbon_values, year)
        return self.rebase(row[self.carbon_series], row["price_year"])

    def traded_carbon_price(self, year: int) -> float:
        rows = self.pack.traded_carbon_price
        if rows is None:
            return 0.0
        row = step_row(rows, year)
        return self.rebase(row["value"], row["price_year"])

    def emission_factor(self, fuel: str, sector: str | None, year: int,
                        warnings: list[str]) -> tuple[float, bool]:
        """[kgCO2e per unit], traded? METHOD.md 3 "Emissions, v2 by basis"."""
        rows = _select_rows(self.pack, "emission_factors", fuel, "appraisal", sector, None)
        if not rows:
            rows = _select_rows(self.pack, "emission_factors", fuel, "reporting", sector, None)
            _warn_once(warnings, f"emission factors for {fuel}: no appraisal row, "
                                 "the reporting factor is used")
        if not rows:
            raise ReferenceInputError(f"the pack has no emission factor for {fuel}")
        row = step_row(rows, year)
        return row["value"], row["traded"]

    def price_row(self, fuel: str, basis: str, sector: str | None, year: int,
                  warnings: list[str]) -> dict[str, Any]:
        """The energy_prices row for a fuel on a basis (resource or retail);
        settled reading 9: the other basis when the fuel has no row on this one."""
        rows = _select_rows(self.pack, "energy_prices", fuel, basis, sector, self.energy_series)
        if not rows:
            other = "retail" if basis == "resource" else "resource"
            rows = _select_rows(self.pack, "energy_prices", fuel, other, sector,
                                self.energy_series)
            _warn_once(warnings, f"energy prices for {fuel}: no {basis} row, "
                                 f"the {other} price is used")
        if not rows:
            raise ReferenceInputError(f"the pack has no energy price for {fuel}")
        return step_row(rows, year)

    def price(self, fuel: str, basis: str, sector: str | None, year: int,
              warnings: list[str]) -> tuple[float, float, float]:
        """(price, VAT rate, duty) [GBP per unit at prices of B; fraction; GBP per unit]."""
        row = self.price_row(fuel, basis, sector, year, warnings)
        # AMBIGUOUS: duty is rebased from the row's price_year like the price.
        return (self.rebase(row["value"], row["price_year"]), row["vat"],
                self.rebase(row["duty"], row["price_year"]))

    def air_quality_cost(self, fuel: str, sector: str | None, year: int) -> float:
        """[GBP per unit]; settled reading 12: zero for a fuel without a row."""
        if self.pack.air_quality is None:
            return 0.0
        rows = _select_rows(self.pack, "air_quality", fuel, None, sector, None)
        if not rows:
            return 0.0
        row = step_row(rows, year)
        return self.rebase(row["value"], row["price_year"])

    def marginal_external_cost(self, year: int) -> float:
        """sum over components k of mec_k(y) [GBP per car-km] (METHOD.md 3)."""
        rows = self.pack.marginal_external_costs
        if rows is None:
            return 0.0
        by_component: dict[str, list] = defaultdict(list)
        for r in rows:
            by_component[r["component"]].append(r)
        total = 0.0
        for comp_rows in by_component.values():
            row = step_row(comp_rows, year)
            total += self.rebase(row["value"], row["price_year"])
        return total


def make_context(portfolio: dict[str, Any], pack: ReferencePack) -> Context:
    """Portfolio defaults (METHOD.md, notation paragraph; FORMAT.md 4)."""
    A = portfolio.get("appraisal_year")
    if A is None:
        A = datetime.date.today().year
    B = portfolio.get("price_base_year")
    if B is None:
        B = pack.parameter("default_price_base_year")
        B = int(B) if B is not None else pack.carbon_values[0]["price_year"]

    def get(name: str, default: Any) -> Any:
        v = portfolio.get(name)
        return default if v is None else v

    return Context(pack=pack, A=int(A), B=int(B),
                   discount_schedule=get("discount_schedule", "standard"),
                   carbon_series=get("carbon_series", "central"),
                   energy_series=get("energy_series", "central"),
                   financial_discount_rate=float(get("financial_discount_rate", 0.035)),
                   vfm_basis=get("vfm_basis", "public"),
                   financial_ob_share=float(get("financial_ob_share", 1.0)),
                   financial_basis=get("financial_basis", "real"))


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def _warn_once(warnings: list[str], text: str) -> None:
    if text not in warnings:
        warnings.append(text)


def _ratio(num: float, den: float) -> float | None:
    """num / den, None when undefined or not finite (METHOD.md 9)."""
    if den == 0:
        return None
    try:
        r = num / den
    except (OverflowError, ZeroDivisionError):
        return None
    return r if math.isfinite(r) else None


def _year_map(m: dict[str, Any] | None, k: float = 1.0) -> dict[int, float]:
    """A FORMAT.md year map {"2021": amount} as {2021: amount * k}."""
    out: dict[int, float] = defaultdict(float)
    for y, v in (m or {}).items():
        if v is not None:
            out[int(y)] += float(v) * k
    return out


def vfm_band(bcr: float | None) -> str | None:
    """METHOD.md 3, v2 bands: below 0 very poor, 0-1 poor, 1-1.5 low, 1.5-2
    medium, 2-4 high, 4 and above very high (a lower bound belongs to the
    band above it)."""
    if bcr is None or not math.isfinite(bcr):
        return None
    for lower, name in VFM_BANDS:
        if bcr >= lower:
            return name
    return "very poor"


def adjust_band(band: str | None, adjustment: int) -> str | None:
    """Settled reading 13: the adjustment stops at the ends of the scale."""
    if band is None:
        return None
    i = VFM_SCALE.index(band) + int(adjustment)
    return VFM_SCALE[min(max(i, 0), len(VFM_SCALE) - 1)]


def payback(flows: list[float], first_year: int) -> int | None:
    """METHOD.md 4 (v1): the year after the last year in which the cumulative
    sum is negative; None when still negative in the last year or never negative."""
    cum, last_negative = 0.0, None
    for i, f in enumerate(flows):
        cum += f
        if cum < -PAYBACK_TOLERANCE_GBP:
            last_negative = i
    if last_negative is None or last_negative == len(flows) - 1:
        return None
    return first_year + last_negative + 1


def _pv(flows: dict[int, float], ctx: Context, schedule: str | None = None) -> float:
    """sum over y >= A of DF(y - A) * flow[y] (METHOD.md 3)."""
    return sum(ctx.df(y - ctx.A, schedule) * v for y, v in sorted(flows.items()) if y >= ctx.A)


def _add(target: dict[int, float], year: int, value: float) -> None:
    target[year] = target.get(year, 0.0) + value


# ---------------------------------------------------------------------------
# One project (METHOD.md 2 to 7)
# ---------------------------------------------------------------------------

def _optimism_bias(p: dict[str, Any], cat: dict[str, Any], ctx: Context,
                   warnings: list[str]) -> tuple[float, int]:
    """(OB, delay in years): METHOD.md 3 "Optimism bias" and settled reading 5."""
    pack = ctx.pack
    kind = p.get("ob_project_type") or cat["ob_project_type"]
    mix = {kind: 1.0} if isinstance(kind, str) else dict(kind)

    def bound(name: str) -> float:
        # docs/method-notes.md: a mix of project types takes the share-weighted bounds
        return sum(w * (pack.optimism_bias[t][name] or 0.0) for t, w in mix.items())

    stage = p.get("business_case_stage")
    if p.get("ob_mitigation") is not None:
        mitigation = float(p["ob_mitigation"])
    elif stage is not None:
        # AMBIGUOUS: a stage missing from the table (or no table) mitigates 0.
        mitigation = (pack.ob_stage_mitigation or {}).get(stage, 0.0)
    else:
        mitigation = 0.0
    if p.get("optimism_bias") is not None:
        ob = float(p["optimism_bias"])
    else:
        ob = bound("capex_upper") * (1.0 - mitigation)
    delay = 0
    if stage is not None:
        # settled reading 5: n counts the capex map's years with non-zero capex
        n = sum(1 for v in (p.get("capex") or {}).values() if v)
        # AMBIGUOUS: the delay uses the type's duration upper bound times
        # (1 - mitigation) even when the project gives its own optimism_bias.
        delay = math.floor(bound("duration_upper") * (1.0 - mitigation) * n + 0.5)
    return ob, delay


def _renewal_years(start: int, lifetime: int, every: int) -> list[int]:
    """Settled reading 3: operating_start + k * every_years, k = 1, 2, ...,
    up to and including the last operating year."""
    last = start + lifetime - 1
    years, k = [], 1
    while every > 0 and start + k * every <= last:
        years.append(start + k * every)
        k += 1
    return years


@dataclass
class Years:
    """A project's money and timelines: METHOD.md 1.1 and 2, optimism bias (3).

    ``*_f``: the undelayed timeline (financial case, jobs, public funding, gap,
    sunk costs); ``*_e``: the economic case's, delayed by the duration OB.
    Money at prices of B, {calendar year: GBP}.
    """

    k: float                          # D(B) / D(P), the project's rebasing factor
    capex_map: dict[int, float]       # the capex map, gross, rebased
    lifetime: int
    start: int                        # operating_start (undelayed)
    delay: int                        # ob_delay_years
    ob: float                         # optimism bias
    operating_f: list[int]
    operating_e: list[int]
    gross_capex_f: dict[int, float]   # capex map + renewals, undelayed
    gross_capex_e: dict[int, float]   # capex map + renewals, economic timeline

    @property
    def start_e(self) -> int:
        return self.start + self.delay


def project_years(p: dict[str, Any], cat: dict[str, Any], ctx: Context,
                  warnings: list[str]) -> Years:
    k = ctx.rebase(1.0, p.get("price_year"))     # price_year default B: k = 1
    capex_map = _year_map(p.get("capex"), k)
    lifetime = int(p.get("lifetime_years") or 0)
    start = p.get("operating_start")
    if start is None:
        start = max(int(y) for y in p["capex"]) + 1 if p.get("capex") else ctx.A
    start = int(start)
    ob, delay = _optimism_bias(p, cat, ctx, warnings)
    start_e = start + delay
    gross_f, gross_e = dict(capex_map), dict(capex_map)
    for r in p.get("renewals") or []:
        # M2 v2: renewals are capex for every purpose; S6: moved by the delay
        cost = float(r["cost"]) * k
        for y in _renewal_years(start, lifetime, int(r["every_years"])):
            _add(gross_f, y, cost)
        for y in _renewal_years(start_e, lifetime, int(r["every_years"])):
            _add(gross_e, y, cost)
    return Years(k=k, capex_map=capex_map, lifetime=lifetime, start=start, delay=delay, ob=ob,
                 operating_f=list(range(start, start + lifetime)),
                 operating_e=list(range(start_e, start_e + lifetime)),
                 gross_capex_f=gross_f, gross_capex_e=gross_e)


def economic_costs(p: dict[str, Any], yrs: Years, ctx: Context) -> dict[str, dict[int, float]]:
    """METHOD.md 3 "Costs": C = capex_adj + opex + NR, with the counterfactual."""
    pack = ctx.pack
    counterfactual = _year_map(p.get("counterfactual_capex"), yrs.k)   # calendar years, not moved
    capex_adj = {y: (yrs.gross_capex_e.get(y, 0.0) - counterfactual.get(y, 0.0)) * (1.0 + yrs.ob)
                 for y in sorted(set(yrs.gross_capex_e) | set(counterfactual))}
    opex = float(p.get("opex_per_year") or 0.0) * yrs.k
    network: dict[int, float] = {}
    added_kw = float(p.get("added_peak_kw") or 0.0)
    if added_kw:
        # S8: rebased from default_price_base_year (else the carbon values'
        # price year); in the economic case's first operating year.
        nr_year = pack.parameter("default_price_base_year")
        nr_year = int(nr_year) if nr_year is not None else pack.carbon_values[0]["price_year"]
        per_kw = ctx.rebase(pack.parameter("network_reinforcement_gbp_per_kw", 0.0), nr_year)
        # AMBIGUOUS: the cost falls in operating_start (+ delay) even when
        # lifetime_years is 0 (no operating year).
        network[yrs.start_e] = added_kw * per_kw
    costs: dict[int, float] = defaultdict(float)
    for part in (capex_adj, {y: opex for y in yrs.operating_e}, network):
        for y, v in part.items():
            costs[y] += v
    return {"capex_adj": capex_adj, "network": network, "costs": dict(costs),
            "counterfactual": counterfactual}


def fuel_quantities(p: dict[str, Any], cat: dict[str, Any],
                    warnings: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """(q after comfort taking, comfort taken) per fuel: METHOD.md 3 and S11."""
    if cat["comfort_taking"] is not None:        # S11: a flagged category
        share = p.get("comfort_taking")
        share = float(share if share is not None else cat["comfort_taking"])
    else:
        share = 0.0
        if p.get("comfort_taking"):
            warnings.append("comfort_taking is ignored: the category is not flagged for it")
    # AMBIGUOUS: several energy_changes entries for one fuel are summed first,
    # then comfort taking applies to the fuel's net reduction.
    q_by_fuel: dict[str, float] = {}
    for ch in p.get("energy_changes") or []:
        q = float(ch.get("quantity_per_year") or 0.0)
        q_by_fuel[ch["fuel"]] = q_by_fuel.get(ch["fuel"], 0.0) + q
    used = {f: q * (1.0 - share) if q < 0 else q for f, q in q_by_fuel.items()}
    comfort = {f: -q * share if q < 0 else 0.0 for f, q in q_by_fuel.items()}
    return used, comfort


def fuel_effects(q_used: dict[str, float], q_comfort: dict[str, float], sector: str | None,
                 keep: float, yrs: Years, ctx: Context,
                 warnings: list[str]) -> dict[str, dict[int, float]]:
    """Per economic operating year: tonnes saved (traded, direct), CB, EB,
    comfort, AQ and the Exchequer line (METHOD.md 3)."""
    out: dict[str, dict[int, float]] = {name: {} for name in (
        "saved_traded", "saved_direct", "carbon", "energy", "comfort", "air_quality",
        "indirect_tax")}
    for y in yrs.operating_e:
        traded_t = direct_t = eb = comfort = aq = tax = 0.0
        for f, q in q_used.items():
            ef, traded = ctx.emission_factor(f, sector, y, warnings)
            tonnes = -q * ef / 1000.0
            if traded:
                traded_t += tonnes
            else:
                direct_t += tonnes
            resource, _, _ = ctx.price(f, "resource", sector, y, warnings)
            eb += -q * resource
            retail, vat, duty = ctx.price(f, "retail", sector, y, warnings)
            # AMBIGUOUS: comfort is valued at the retail price as the row
            # gives it, VAT included (what the household pays).
            comfort += q_comfort[f] * retail
            aq += -q * ctx.air_quality_cost(f, sector, y)
            # "v2 Exchequer": q x (duty + p x vat / (1 + vat)); not reduced by
            # deadweight (S10)
            tax += q * (duty + retail * vat / (1.0 + vat))
        # outcome deadweight: the tonnes and every benefit but residual value
        traded_t *= keep
        direct_t *= keep
        cv = ctx.carbon_value(y)
        out["saved_traded"][y] = traded_t
        out["saved_direct"][y] = direct_t
        out["carbon"][y] = direct_t * cv + traded_t * (cv - ctx.traded_carbon_price(y))
        out["energy"][y] = eb * keep
        out["comfort"][y] = comfort * keep
        out["air_quality"][y] = aq * keep
        # AMBIGUOUS: the Exchequer line follows the economic (delayed) timeline.
        out["indirect_tax"][y] = tax
    return out


def other_economic_terms(p: dict[str, Any], cat: dict[str, Any], keep: float, yrs: Years,
                         ctx: Context) -> dict[str, Any]:
    """Road externalities, embodied carbon, residual value and the benefit
    streams (economic: standard or health discounting; revenue)."""
    road: dict[int, float] = {}
    km = p.get("car_km_removed")
    if km is not None:
        if isinstance(km, dict):                  # a calendar-year map: not moved (S6)
            km_by_year = dict(_year_map(km))
        else:                                     # per operating year: moved with the delay
            km_by_year = {y: float(km) for y in yrs.operating_e}
        for y, v in km_by_year.items():
            road[y] = v * ctx.marginal_external_cost(y) * keep

    per_million = cat["embodied_tco2e_per_million"] or 0.0
    embodied: dict[int, float] = {}
    embodied_tonnes = 0.0
    for y, c in sorted(yrs.gross_capex_e.items()):
        tonnes = c / 1e6 * per_million
        embodied_tonnes += tonnes                # S12: sunk years in
        # S12: the full CV(y) in the economic timeline's capex years; S10: not
        # reduced by deadweight
        embodied[y] = tonnes * ctx.carbon_value(y)

    residual: dict[int, float] = {}
    if p.get("residual_value") is not None:       # S4: it wins over asset_life_years
        amount = float(p["residual_value"]) * yrs.k
    elif p.get("asset_life_years") is not None and float(p["asset_life_years"]) > yrs.lifetime:
        life = float(p["asset_life_years"])
        amount = sum(yrs.capex_map.values()) * (life - yrs.lifetime) / life
    else:
        amount = 0.0
    if amount:
        residual[yrs.start_e + yrs.lifetime] = amount   # the year after the last operating year

    other_std: dict[int, float] = {}
    other_health: dict[int, float] = {}
    revenue: dict[int, float] = {}
    for s in p.get("other_benefits") or []:
        economic = s.get("kind", "economic") == "economic"
        if s.get("per_year") is not None:
            stream = {y: float(s["per_year"]) * yrs.k
                      for y in (yrs.operating_e if economic else yrs.operating_f)}
        else:
            stream = dict(_year_map(s.get("profile"), yrs.k))   # calendar years, not moved
        if not economic:                          # transfers: the financial case only
            for y, v in stream.items():
                _add(revenue, y, v)
            continue
        target = other_health if s.get("discounting") == "health" else other_std
        for y, v in stream.items():
            _add(target, y, v * keep)
    return {"road": road, "embodied": embodied, "embodied_tonnes": embodied_tonnes,
            "residual": residual, "other_std": other_std, "other_health": other_health,
            "revenue": revenue}


def public_cost_of_capex(p: dict[str, Any], yrs: Years, capex_adj: dict[int, float],
                         pvc: float, ctx: Context, warnings: list[str]) -> float:
    """PVC_public (METHOD.md 3 "v2 funder BCR", S7)."""
    if p.get("promoter_public"):
        return pvc
    if p.get("public_funding") is not None:
        funding = _year_map(p["public_funding"], yrs.k)
        shares = {}
        for y in capex_adj:
            c = yrs.gross_capex_e.get(y, 0.0)     # S7: the economic timeline's gross capex
            shares[y] = funding.get(y, 0.0) / c if c != 0 else 0.0
    else:
        share = p.get("public_funding_share")
        if share is None:
            share = 1.0                           # v1 behaviour (docs/method-notes.md)
            warnings.append("public_funding_share is not given: all capex is taken as public")
        shares = {y: float(share) for y in capex_adj}
    return _pv({y: shares[y] * v for y, v in capex_adj.items()}, ctx)


def public_funding_by_year(p: dict[str, Any], yrs: Years) -> dict[int, float]:
    """Public money by calendar year (M5, M6): the map, else the share of gross capex.

    AMBIGUOUS: with a share, renewals count on the undelayed timeline (the
    public cost and the gap follow calendar years; the delay is economic only).
    """
    if p.get("public_funding") is not None:
        return dict(_year_map(p["public_funding"], yrs.k))
    share = p.get("public_funding_share")
    share = 1.0 if share is None else float(share)
    return {y: v * share for y, v in yrs.gross_capex_f.items()}


def promoter_cash(p: dict[str, Any], yrs: Years, q_used: dict[str, float], sector: str | None,
                  revenue: dict[int, float], ctx: Context,
                  warnings: list[str]) -> dict[int, float]:
    """METHOD.md 4: F = -capex_fin - opex + revenue (+ bill saving), undelayed."""
    capex_fin = {y: v * (1.0 + yrs.ob * ctx.financial_ob_share)
                 for y, v in yrs.gross_capex_f.items()}
    opex = float(p.get("opex_per_year") or 0.0) * yrs.k
    bills: dict[int, float] = {}
    if p.get("bill_savings_to_promoter"):
        tariffs = p.get("tariffs") or {}
        recoverable = p.get("vat_recoverable")
        recoverable = True if recoverable is None else bool(recoverable)   # S15
        for y in yrs.operating_f:
            saving = 0.0
            for f, q in q_used.items():           # S11: the comfort-reduced quantity
                retail, vat, _ = ctx.price(f, "retail", sector, y, warnings)
                # S15: a project's tariff includes VAT like a retail row and is
                # money at the project's price year.
                # AMBIGUOUS: its VAT is taken off at the retail row's vat_rate.
                tariff = float(tariffs[f]) * yrs.k if tariffs.get(f) is not None else retail
                if recoverable:
                    tariff = tariff / (1.0 + vat)
                saving += -q * tariff
            bills[y] = saving
    # AMBIGUOUS: residual value is an economic benefit only, not a promoter's cash flow.
    cash: dict[int, float] = defaultdict(float)
    for part, sign in ((capex_fin, -1), ({y: opex for y in yrs.operating_f}, -1), (revenue, 1),
                       (bills, 1)):
        for y, v in part.items():
            cash[y] += sign * v
    return dict(cash)


def jobs(p: dict[str, Any], cat: dict[str, Any], yrs: Years,
         pack: ReferencePack) -> dict[str, float]:
    """METHOD.md 5: construction job-years, gross and net jobs, apart (v2)."""
    jypm = p.get("job_years_per_million")
    jypm = float(jypm if jypm is not None else cat["job_years_per_million"])
    job_years = sum(yrs.gross_capex_f.values()) / 1e6 * jypm     # sunk years in, before OB
    construction = job_years / pack.parameter("job_years_per_permanent_job",
                                              DEFAULT_JOB_YEARS_PER_PERMANENT_JOB)
    operational = float(p.get("operational_fte") or 0.0)
    level = p.get("spatial_level") or "sub-regional"
    own = p.get("additionality") or {}
    f = {name: float(own[name]) if own.get(name) is not None else pack.additionality[level][name]
         for name in ADDITIONALITY_FACTORS}
    factor = ((1 - f["deadweight"]) * (1 - f["leakage"]) * (1 - f["displacement"])
              * (1 - f["substitution"]) * f["multiplier"])
    gross = construction + operational
    return {"construction_job_years": job_years, "gross_jobs_fte": gross,
            "net_additional_jobs_fte": gross * factor,
            "net_construction_jobs_fte": construction * factor,
            "net_operational_jobs_fte": operational * factor}


def appraise_project(p: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Every result of one project (METHOD.md 1 to 7), as a FORMAT.md 3/4 record."""
    pack, A = ctx.pack, ctx.A
    warnings: list[str] = []
    cat = pack.categories[p["category"]]
    if p.get("calculator"):
        raise NotImplementedError("the reference does not implement calculators")
    yrs = project_years(p, cat, ctx, warnings)

    # -- 3 economic case ----------------------------------------------------------
    cost_parts = economic_costs(p, yrs, ctx)
    costs = cost_parts["costs"]
    bdw = p.get("benefit_deadweight")
    if bdw is None:
        bdw = cat["benefit_deadweight"] if cat["benefit_deadweight"] is not None else 0.0
    bdw = float(bdw)
    keep = 1.0 - bdw
    sector = p.get("energy_sector") or cat["energy_sector"]
    q_used, q_comfort = fuel_quantities(p, cat, warnings)
    fuel = fuel_effects(q_used, q_comfort, sector, keep, yrs, ctx, warnings)
    other = other_economic_terms(p, cat, keep, yrs, ctx)

    # Bn, less the health-discounted streams, which are discounted apart
    benefits_std: dict[int, float] = defaultdict(float)
    for part, sign in ((fuel["carbon"], 1), (fuel["energy"], 1), (fuel["comfort"], 1),
                       (fuel["air_quality"], 1), (other["road"], 1), (other["other_std"], 1),
                       (other["embodied"], -1), (other["residual"], 1)):
        for y, v in part.items():
            benefits_std[y] += sign * v
    other_health = other["other_health"]
    pvc = _pv(costs, ctx)
    pvb = _pv(benefits_std, ctx) + _pv(other_health, ctx, "health")
    pv_carbon = _pv(fuel["carbon"], ctx)
    npsv = pvb - pvc
    bcr = _ratio(pvb, pvc)
    if pvc == 0:
        warnings.append("the present value of costs is zero: no BCR")

    pvc_public = public_cost_of_capex(p, yrs, cost_parts["capex_adj"], pvc, ctx, warnings)
    pvc_private = pvc - pvc_public
    bcr_public = _ratio(pvb - pvc_private, pvc_public)

    adjustment = int(p.get("vfm_adjustment") or 0)
    if adjustment and not p.get("vfm_adjustment_reason"):
        raise ReferenceInputError(f"project {p.get('id')}: vfm_adjustment needs a "
                                  "vfm_adjustment_reason")
    band = vfm_band(bcr_public if ctx.vfm_basis == "public" else bcr)

    # S14: the economic case's operating years, sunk years in, after deadweight
    traded_total = sum(fuel["saved_traded"].values())
    direct_total = sum(fuel["saved_direct"].values())
    carbon_total = traded_total + direct_total
    cost_per_tonne = (_ratio(pvc - (pvb - pv_carbon), carbon_total)
                      if carbon_total > 0 else None)

    # -- 4 financial case ---------------------------------------------------------
    cash = promoter_cash(p, yrs, q_used, sector, other["revenue"], ctx, warnings)
    # the horizon: A to the last year with a flow (METHOD.md 2)
    flow_years = [A, yrs.start + max(yrs.lifetime, 1) - 1, yrs.start_e + max(yrs.lifetime, 1) - 1]
    for part in (yrs.gross_capex_e, yrs.gross_capex_f, cost_parts["counterfactual"], costs,
                 benefits_std, other_health, other["revenue"], cash, other["road"],
                 _year_map(p.get("public_funding"))):
        flow_years.extend(part)
    years_from_a = list(range(A, max(flow_years) + 1))
    flows = [cash.get(y, 0.0) for y in years_from_a]
    if ctx.financial_basis == "nominal":
        # S16: F_nom[y] = F[y] x D(y) / D(B)
        flows = [f * ctx.D(y) / ctx.D(ctx.B) for f, y in zip(flows, years_from_a)]
    fin_npv = float(npf.npv(ctx.financial_discount_rate, flows))
    irr = float(npf.irr(flows)) if any(flows) else float("nan")
    # S1: the health streams keep their own discounting in the discounted payback
    econ_flows = [ctx.df(y - A) * (benefits_std.get(y, 0.0) - costs.get(y, 0.0))
                  + (ctx.df(y - A, "health") * other_health[y] if y in other_health else 0.0)
                  for y in years_from_a]
    public_by_year = public_funding_by_year(p, yrs)
    if p.get("public_funding") is not None or (p.get("public_funding_share") or 0) > 0:
        if fin_npv >= 0:
            warnings.append("public funding with a financial NPV at or above zero: "
                            "the grant may be deadweight")

    # -- 5 jobs and public cost ---------------------------------------------------
    job_figures = jobs(p, cat, yrs, pack)
    public_cost = sum(public_by_year.values())
    threshold = pack.parameter("public_carbon_cost_threshold")
    per_tonne_public = _ratio(public_cost, carbon_total) if carbon_total > 0 else None
    # AMBIGUOUS: the cost per direct tonne is given for every project; the
    # PSDS pass or fail only for the categories the pack flags (S17).
    per_direct_public = _ratio(public_cost, direct_total) if direct_total > 0 else None
    psds = None
    if cat["psds_test"]:
        psds = bool(per_direct_public is not None and threshold is not None
                    and per_direct_public <= threshold)
    net_jobs = job_figures["net_additional_jobs_fte"]

    # -- 6 gap contribution; sunk costs (S2) ---------------------------------------
    gap_sector = cat["gap_sector"]
    window = gap_window(pack, gap_sector, A) if gap_sector else None
    contribution = 0.0
    if window is not None:
        contribution = sum(v for y, v in public_by_year.items()
                           if window[0] <= y <= window[1]) * keep
    sunk = sum(v for y, v in yrs.gross_capex_f.items() if y < A) + sum(
        float(p.get("opex_per_year") or 0.0) * yrs.k for y in yrs.operating_f if y < A)
    score, shovel_ready = readiness(p.get("readiness") or {}, pack)

    return {
        "id": p.get("id"), "name": p.get("name"), "category": p["category"],
        "method_version": METHOD_VERSION, "vfm_basis": ctx.vfm_basis,
        "pv_costs_gbp": pvc, "pv_benefits_gbp": pvb, "npsv_gbp": npsv,
        "bcr": bcr, "bcr_public": bcr_public,
        "vfm_category": adjust_band(band, adjustment), "vfm_category_unadjusted": band,
        "pv_costs_public_gbp": pvc_public, "pv_costs_private_gbp": pvc_private,
        "carbon_saved_tco2e": carbon_total,
        "carbon_saved_traded_tco2e": traded_total,
        "carbon_saved_direct_tco2e": direct_total,
        "pv_carbon_benefit_gbp": pv_carbon,
        "pv_energy_benefit_gbp": _pv(fuel["energy"], ctx),
        "pv_comfort_gbp": _pv(fuel["comfort"], ctx),
        "pv_air_quality_gbp": _pv(fuel["air_quality"], ctx),
        "pv_road_externalities_gbp": _pv(other["road"], ctx),
        "pv_embodied_carbon_cost_gbp": _pv(other["embodied"], ctx),
        "pv_network_reinforcement_gbp": _pv(cost_parts["network"], ctx),
        "pv_residual_value_gbp": _pv(other["residual"], ctx),
        "pv_indirect_tax_change_gbp": _pv(fuel["indirect_tax"], ctx),
        "ob_delay_years": yrs.delay,
        "benefit_deadweight": bdw,
        "embodied_carbon_tco2e": other["embodied_tonnes"],
        "cost_per_tco2e_gbp": cost_per_tonne,
        "optimism_bias": yrs.ob,
        "switching_benefits_fall": _ratio(npsv, pvb),
        "switching_costs_rise": _ratio(npsv, pvc),
        "financial_npv_gbp": fin_npv,
        "financial_irr": irr if math.isfinite(irr) else None,
        "payback_year": payback(flows, A),
        "discounted_payback_year": payback(econ_flows, A),
        "viability_gap_gbp": max(0.0, -fin_npv),
        **job_figures,
        "public_cost_gbp": public_cost,
        "cost_per_net_job_gbp": _ratio(public_cost, net_jobs) if net_jobs > 0 else None,
        "public_cost_per_tco2e_gbp": per_tonne_public,
        "public_cost_per_direct_tco2e_gbp": per_direct_public,
        "psds_test_passed": psds,
        "gap_sector": gap_sector,
        "gap_contribution_gbp": contribution,
        "sunk_costs_gbp": sunk,
        "readiness_score": score,
        "shovel_ready": shovel_ready,
        "warnings": warnings,
        # for the portfolio's gap (not project results: S18) and for tests
        # that judge the IRR's uniqueness (the promoter's flows from A)
        "_public_by_year": public_by_year,
        "_gross_capex_by_year": yrs.gross_capex_f,
        "_financial_flows": flows,
    }


def gap_window(pack: ReferencePack, sector: str, A: int) -> tuple[int, int] | None:
    """METHOD.md 6 v2: the row's first_year..last_year where both are given,
    else A .. A + gap_window_years - 1."""
    for row in pack.investment_gap:
        if row["sector"] == sector:
            if row["first_year"] is not None and row["last_year"] is not None:
                return row["first_year"], row["last_year"]
            n = int(pack.parameter("gap_window_years", DEFAULT_GAP_WINDOW_YEARS))
            return A, A + n - 1
    return None


def readiness(r: dict[str, Any], pack: ReferencePack) -> tuple[float, bool]:
    """METHOD.md 7: the score with the pack's weights (readiness_weights.csv) or
    the defaults; shovel-ready at 80 and a start within 12 months."""
    weights = dict(DEFAULT_READINESS_WEIGHTS)
    # AMBIGUOUS: a criterion missing from a present table keeps its default.
    weights.update(pack.readiness_weights or {})
    score = 0.0
    for criterion in ("planning_consent", "site_secured", "procurement_ready",
                      "match_funding_confirmed"):
        if r.get(criterion):
            score += weights[criterion]
    months = r.get("months_to_start")
    if months is not None and months <= 6:
        score += weights["start_within_6_months"]
    elif months is not None and months <= 12:
        score += weights["start_within_12_months"]
    return score, bool(score >= SHOVEL_READY_SCORE and months is not None and months <= 12)


# ---------------------------------------------------------------------------
# The portfolio (METHOD.md 6 and 8, settled readings 18 and 20)
# ---------------------------------------------------------------------------

SUMMED_KEYS = (
    "pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "carbon_saved_tco2e",
    "carbon_saved_traded_tco2e", "carbon_saved_direct_tco2e", "gross_jobs_fte",
    "net_additional_jobs_fte", "public_cost_gbp", "pv_carbon_benefit_gbp", "sunk_costs_gbp",
    "pv_costs_public_gbp", "pv_costs_private_gbp", "pv_energy_benefit_gbp", "pv_comfort_gbp",
    "pv_air_quality_gbp", "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp",
    "pv_network_reinforcement_gbp", "pv_residual_value_gbp", "pv_indirect_tax_change_gbp",
    "embodied_carbon_tco2e", "construction_job_years", "net_construction_jobs_fte",
    "net_operational_jobs_fte",
)


def portfolio_gap(records: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    """Per sector and in total: contribution, cumulative gap, share closed,
    annual average, investment mobilised and leverage (METHOD.md 6)."""
    pack, A = ctx.pack, ctx.A
    sectors: dict[str, dict[str, Any]] = {}
    windows = []
    total = {"contribution_gbp": 0.0, "cumulative_gap_gbp": 0.0, "annual_gap_gbp": 0.0,
             "investment_mobilised_gbp": 0.0}
    total_public = 0.0
    for row in pack.investment_gap:
        name = row["sector"]
        first, last = gap_window(pack, name, A)
        n_years = last - first + 1
        windows.append((first, last))
        annual = ctx.rebase(row["annual_gap_gbp"], row["price_year"])
        cumulative = annual * n_years
        contribution = mobilised = public = 0.0
        for rec in records:
            if rec["gap_sector"] != name:
                continue
            contribution += rec["gap_contribution_gbp"]
            mobilised += sum(v for y, v in rec["_gross_capex_by_year"].items()
                             if first <= y <= last)
            # settled reading 10: leverage uses the public money, deadweight or not
            public += sum(v for y, v in rec["_public_by_year"].items() if first <= y <= last)
        sectors[name] = {
            "label": row["label"], "window": [first, last],
            "contribution_gbp": contribution, "cumulative_gap_gbp": cumulative,
            "share_closed": _ratio(contribution, cumulative), "annual_gap_gbp": annual,
            "annual_average_contribution_gbp": contribution / n_years,
            "investment_mobilised_gbp": mobilised,
            # METHOD.md 6: private capex / public funding in the window
            "leverage": _ratio(mobilised - public, public) if public > 0 else None,
        }
        total["contribution_gbp"] += contribution
        total["cumulative_gap_gbp"] += cumulative
        total["annual_gap_gbp"] += annual
        total["investment_mobilised_gbp"] += mobilised
        total_public += public
    same = len(set(windows)) == 1
    window = list(windows[0]) if same else None      # settled reading 18
    total["share_closed"] = _ratio(total["contribution_gbp"], total["cumulative_gap_gbp"])
    total["annual_average_contribution_gbp"] = (
        total["contribution_gbp"] / (window[1] - window[0] + 1) if same else None)
    total["leverage"] = (_ratio(total["investment_mobilised_gbp"] - total_public, total_public)
                         if total_public > 0 else None)
    return {"window": window, "price_base_year": ctx.B, "sectors": sectors, "total": total}


def appraise_loaded(portfolio: dict[str, Any], pack: ReferencePack) -> dict[str, Any]:
    """appraise_reference on a pack already read with load_reference_pack."""
    ctx = make_context(portfolio, pack)
    records = [appraise_project(p, ctx) for p in portfolio.get("projects") or []]
    totals = {key: sum(r[key] for r in records) for key in SUMMED_KEYS}
    bcr = _ratio(totals["pv_benefits_gbp"], totals["pv_costs_gbp"])
    bcr_public = _ratio(totals["pv_benefits_gbp"] - totals["pv_costs_private_gbp"],
                        totals["pv_costs_public_gbp"])
    out_portfolio = {
        "name": portfolio.get("name"), "appraisal_year": ctx.A, "price_base_year": ctx.B,
        "assumptions": {"id": pack.id, "vintage": pack.vintage},
        "carbon_series": ctx.carbon_series, "energy_series": ctx.energy_series,
        "discount_schedule": ctx.discount_schedule,
        "financial_discount_rate": ctx.financial_discount_rate,
        "method_version": METHOD_VERSION, "vfm_basis": ctx.vfm_basis,
        "project_count": len(records),
        **totals,
        "bcr": bcr, "bcr_public": bcr_public,
        "vfm_category": vfm_band(bcr_public if ctx.vfm_basis == "public" else bcr),
        "shovel_ready_projects": sum(1 for r in records if r["shovel_ready"]),
        "gap": portfolio_gap(records, ctx),
    }
    for r in records:
        del r["_public_by_year"], r["_gross_capex_by_year"]
    return {"portfolio": out_portfolio, "projects": records}


def appraise_reference(portfolio: dict[str, Any], pack_dir: Path | str) -> dict[str, Any]:
    """METHOD.md v2 for a portfolio dict (FORMAT.md 1 and 4) on a pack folder.

    Returns ``{"portfolio": {...}, "projects": [{...}, ...]}`` with the result
    keys of FORMAT.md 3 and 4; an undefined figure is ``None``.
    """
    return appraise_loaded(portfolio, load_reference_pack(pack_dir))
