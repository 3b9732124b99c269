"""Assumption packs: the folder of CSV tables every figure is computed from.

A pack is a folder laid out as FORMAT.md section 2 describes: ``pack.json``
and one CSV file per table, every row carrying its source. :func:`load_pack`
reads and validates a folder and returns an :class:`AssumptionPack`; every
problem found is reported at once, naming the file, the spreadsheet row (the
header is row 1) and the column.

The loader uses the standard ``csv`` module rather than pandas: it keeps the
command line's start-up fast and lets each message point at the exact cell.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .discounting import step_lookup
from .errors import InputError, Problem
from .limits import MIN_MAGNITUDE, Range, check_number, has_lone_surrogate, loads_strict

MAX_TABLE_BYTES = 5_000_000  # a pack table is a few kB; anything this big is not a pack

FUELS_KNOWN_UNITS = {
    "grid_electricity": "kWh", "natural_gas": "kWh", "heating_oil": "kWh",
    "lpg": "kWh", "petrol": "litre", "diesel": "litre",
}
CARBON_SERIES = ("low", "central", "high")
REQUIRED_PARAMETERS = ("job_years_per_permanent_job", "public_carbon_cost_threshold")
ADDITIONALITY_FACTORS = ("deadweight", "leakage", "displacement", "substitution", "multiplier")

# file name -> required columns, in FORMAT.md order
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "discount_schedules.csv": ("schedule", "from_year", "to_year", "rate", "source"),
    "gdp_deflator.csv": ("year", "index", "source"),
    "carbon_values.csv": ("year", "low", "central", "high", "price_year", "source"),
    "emission_factors.csv": ("fuel", "unit", "year", "kgco2e_per_unit", "source"),
    "energy_prices.csv": ("fuel", "unit", "year", "gbp_per_unit", "price_year", "source"),
    "categories.csv": ("category", "label", "gap_sector", "ob_project_type",
                       "job_years_per_million", "source"),
    "optimism_bias.csv": ("project_type", "capex_upper", "capex_lower", "duration_upper",
                          "duration_lower", "source"),
    "additionality.csv": ("spatial_level",) + ADDITIONALITY_FACTORS + ("source",),
    "investment_gap.csv": ("sector", "label", "annual_gap_gbp", "first_year", "last_year",
                           "price_year", "source"),
    "parameters.csv": ("name", "value", "source"),
}
# Optional tables: a pack may leave them out and the feature that uses them
# falls back to asking the user for every input (calculators) or to the
# neutral value of METHOD.md v2 (the v2 tables; a header without rows counts
# as absent, FORMAT.md 4).
OPTIONAL_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "calculator_defaults.csv": ("calculator", "name", "value", "unit", "source"),
    "air_quality.csv": ("fuel", "sector", "year", "gbp_per_unit", "price_year", "source"),
    "marginal_external_costs.csv": ("component", "year", "gbp_per_car_km", "price_year", "source"),
    "ob_stage_mitigation.csv": ("stage", "mitigation", "source"),
    "readiness_weights.csv": ("criterion", "points", "source"),
    "traded_carbon_price.csv": ("year", "gbp_per_tco2e", "price_year", "source"),
}
# Version 2 columns a table may carry (FORMAT.md 4); a v1 pack lacks them and
# gets the v1 result. Every table may carry ``quality``.
V2_COLUMNS: dict[str, tuple[str, ...]] = {
    "energy_prices.csv": ("sector", "basis", "series", "vat_rate", "duty_gbp_per_unit"),
    "emission_factors.csv": ("sector", "basis", "traded"),
    "categories.csv": ("energy_sector", "benefit_deadweight", "comfort_taking",
                       "embodied_tco2e_per_million", "psds_test"),
}
QUALITY_LABELS = ("official", "secondary copy", "derived", "recalled", "illustrative")
ENERGY_SECTORS = ("domestic", "commercial", "industrial", "transport")
PRICE_BASES = ("resource", "retail")
FACTOR_BASES = ("appraisal", "reporting")
BUSINESS_CASE_STAGES = ("soc", "obc", "fbc")
READINESS_CRITERIA = ("planning_consent", "site_secured", "procurement_ready",
                      "match_funding_confirmed", "start_within_6_months", "start_within_12_months")
# METHOD.md 7: the default weights, used for every criterion a pack does not weigh
DEFAULT_READINESS_WEIGHTS = {"planning_consent": 25.0, "site_secured": 20.0, "procurement_ready": 20.0,
                             "match_funding_confirmed": 20.0, "start_within_6_months": 15.0,
                             "start_within_12_months": 8.0}
# v2 parameters and their neutral defaults (METHOD.md 1.1, 3, 6)
PARAMETER_DEFAULTS = {"deflator_forecast_growth": 0.02, "gap_window_years": 5.0,
                      "network_reinforcement_gbp_per_kw": 0.0,
                      # delivery tracking RAG thresholds (docs/delivery.md 8): overrun as a
                      # fraction over the baseline capex, slippage in months, carbon as the
                      # share of the appraised tonnes delivered
                      "delivery_overrun_amber": 0.10, "delivery_overrun_red": 0.25,
                      "delivery_slippage_amber_months": 3.0, "delivery_slippage_red_months": 6.0,
                      "delivery_carbon_amber": 0.90, "delivery_carbon_red": 0.75}

_SHARE, _FACTOR = Range(0.0, 1.0, "fraction"), Range(1.0, 10.0, "factor")
_PER_UNIT = Range(0.0, 1e4, "GBP per unit")
_PER_TONNE = Range(0.0, 1e6, "GBP per tCO2e")
# The one declaration of the range of every number of a pack (FORMAT.md 6 lists
# them): (file, column) -> range. With these, and the portfolio's own ranges,
# no sound appraisal can overflow (appraisal/core/limits.py says why).
COLUMN_RANGES: dict[tuple[str, str], Range] = {
    ("gdp_deflator.csv", "index"): Range(0.001, 1e6, "index"),
    ("discount_schedules.csv", "rate"): Range(0.0, 0.5, "fraction a year"),
    **{("carbon_values.csv", s): _PER_TONNE for s in CARBON_SERIES},
    ("emission_factors.csv", "kgco2e_per_unit"): Range(0.0, 1e4, "kgCO2e per unit"),
    ("energy_prices.csv", "gbp_per_unit"): _PER_UNIT,
    ("energy_prices.csv", "vat_rate"): _SHARE,
    ("energy_prices.csv", "duty_gbp_per_unit"): _PER_UNIT,
    **{("optimism_bias.csv", col): Range(0.0, 10.0, "fraction")
       for col in ("capex_upper", "capex_lower", "duration_upper", "duration_lower")},
    **{("additionality.csv", col): (_FACTOR if col == "multiplier" else _SHARE)
       for col in ADDITIONALITY_FACTORS},
    ("investment_gap.csv", "annual_gap_gbp"): Range(0.0, 1e13, "GBP a year"),
    ("categories.csv", "job_years_per_million"): Range(0.0, 1000.0, "job-years per GBP 1m"),
    ("categories.csv", "benefit_deadweight"): _SHARE,
    ("categories.csv", "comfort_taking"): _SHARE,
    ("categories.csv", "embodied_tco2e_per_million"): Range(0.0, 1e5, "tCO2e per GBP 1m"),
    ("parameters.csv", "value"): Range(-1e13, 1e13),      # a parameter the method does not read
    ("calculator_defaults.csv", "value"): Range(0.0, 1e9),  # the calculator checks its own range
    ("air_quality.csv", "gbp_per_unit"): _PER_UNIT,
    ("marginal_external_costs.csv", "gbp_per_car_km"): Range(-1e3, 1e3, "GBP per car-km"),
    ("traded_carbon_price.csv", "gbp_per_tco2e"): _PER_TONNE,
    ("ob_stage_mitigation.csv", "mitigation"): _SHARE,
    ("readiness_weights.csv", "points"): Range(0.0, 100.0, "points"),
}
# parameters.csv: the range of each parameter the method reads
PARAMETER_RANGES: dict[str, Range] = {
    "job_years_per_permanent_job": Range(0.0, 1000.0, "job-years", open_lo=True),
    "public_carbon_cost_threshold": _PER_TONNE,
    "deflator_forecast_growth": Range(-0.5, 1.0, "fraction a year", open_lo=True),
    "default_price_base_year": Range(1, 3000, "calendar year", whole=True),
    "gap_window_years": Range(1, 300, "years", whole=True),
    "network_reinforcement_gbp_per_kw": Range(0.0, 1e6, "GBP per kW"),
}

SOURCE_NOTE_WORDS = ("illustrative", "recalled", "secondary copy", "not verified", "check against")


@dataclass(frozen=True)
class Table:
    """A pack table as read, for display: column names and rows of strings."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def flagged_rows(self) -> list[int]:
        """Indices of rows users must see marked: not ``official`` where the table
        labels its rows' quality (FORMAT.md 4), else a caveat in the source."""
        if "quality" in self.columns:
            k = self.columns.index("quality")
            return [i for i, r in enumerate(self.rows) if r[k].strip().lower() != "official"]
        if "source" not in self.columns:
            return []
        k = self.columns.index("source")
        return [i for i, r in enumerate(self.rows)
                if any(w in r[k].lower() for w in SOURCE_NOTE_WORDS)]

    def quality_of(self, i: int) -> str:
        """The row's quality label, or a caveat word found in its source, or ''."""
        if "quality" in self.columns:
            return self.rows[i][self.columns.index("quality")].strip()
        if "source" in self.columns:
            src = self.rows[i][self.columns.index("source")].lower()
            return next((w for w in SOURCE_NOTE_WORDS if w in src), "")
        return ""


@dataclass(frozen=True)
class YearTable:
    """A step table by calendar year (FORMAT.md 2; METHOD.md 3, 'Emissions').

    ``years`` is None for a single row that applies to every year.
    """

    years: np.ndarray | None        # sorted int years, or None
    values: np.ndarray              # same length as years (or length 1)

    def on_axis(self, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values on calendar years ``axis`` and a mask of years past the last row.

        The row of the latest year at or before ``y`` applies; before the first
        row, the first row; past the last row the last row holds (the mask says
        where, so that results can carry a warning).
        """
        if self.years is None:
            return np.full(axis.shape, self.values[0], dtype=float), np.zeros(axis.shape, bool)
        return self.values[step_lookup(self.years, axis)], axis > self.years[-1]

    @property
    def last_year(self) -> int | None:
        return None if self.years is None else int(self.years[-1])


@dataclass(frozen=True)
class Category:
    category: str
    label: str
    gap_sector: str | None
    ob_project_type: str
    job_years_per_million: float
    source: str
    # METHOD.md v2 defaults of the category (neutral where the pack lacks the column)
    energy_sector: str | None = None
    benefit_deadweight: float = 0.0
    comfort_taking: float | None = None          # None: the category is not flagged
    embodied_tco2e_per_million: float = 0.0
    psds_test: bool = False


@dataclass(frozen=True)
class GapSector:
    sector: str
    label: str
    annual_gap_gbp: float
    first_year: int | None      # None: the window runs from the appraisal year (v2)
    last_year: int | None
    price_year: int
    source: str

    def window(self, appraisal_year: int, window_years: int) -> tuple[int, int]:
        """METHOD.md 6 (v2): the row's years where both are given, else
        ``A .. A + gap_window_years - 1``."""
        if self.first_year is not None and self.last_year is not None:
            return self.first_year, self.last_year
        return appraisal_year, appraisal_year + max(int(window_years), 1) - 1


class Deflator(dict[int, float]):
    """The GDP deflator by calendar year (METHOD.md 1.1).

    A year past the table's last row is extrapolated at ``growth`` a year from
    the last row (v2; results warn where that happens); a year before the
    first row is an input error (``KeyError``). ``y in deflator`` still says
    whether the table itself has the year.
    """

    growth: float = 0.02

    def __missing__(self, year: int) -> float:
        if not self or not isinstance(year, (int, np.integer)):
            raise KeyError(year)
        last = max(self)
        if year <= last:
            raise KeyError(year)
        return self[last] * (1.0 + self.growth) ** (int(year) - last)

    def covers(self, year: int) -> bool:
        """Whether a price year can be used: in the table, or after it (extrapolated)."""
        return bool(self) and year >= min(self)

    @property
    def last_year(self) -> int:
        return max(self)


@dataclass(frozen=True)
class FuelRows:
    """The rows of one fuel for one (basis, sector, series) key, as a step table
    by year, with each row's price year and taxes (energy prices) or traded
    flag (emission factors)."""

    table: YearTable
    price_years: np.ndarray       # per row (0 where the table has none)
    vat: np.ndarray               # per row, fraction (0 where not given)
    duty: np.ndarray              # per row, GBP per unit at the row's price year
    traded: bool = False


def _pick(keys: dict[tuple[Any, ...], FuelRows], bases: tuple[str, str], sector: str, series: str | None
          ) -> tuple["FuelRows | None", bool]:
    """METHOD.md 10.9: rows for the sector win over empty-sector rows, rows for
    the series over empty-series rows; the other basis is a fallback (True).
    Rows without a basis (a v1 pack) serve both bases."""
    for basis, fallback in ((bases[0], False), ("", False), (bases[1], True)):
        for sec in (sector, ""):
            for ser in ((series, "") if series is not None else (None,)):
                key = (basis, sec) if ser is None else (basis, sec, ser)
                if key in keys:
                    return keys[key], fallback
    return None, True


@dataclass
class AssumptionPack:
    """A validated assumption pack. Read-only by convention once loaded."""

    id: str
    name: str
    vintage: str
    notes: str
    folder: Path | None
    discount_schedules: dict[str, list[tuple[int, int | None, float]]]
    deflator: Deflator
    carbon_price_year: int
    carbon_values: dict[str, YearTable]                     # series -> table
    emission_factors: dict[str, YearTable]                  # fuel -> main rows (display, v1 callers)
    energy_prices: dict[str, YearTable]                     # fuel -> main rows, at price years below
    energy_price_years: dict[str, np.ndarray]               # fuel -> price year of each main row
    fuel_units: dict[str, str]
    categories: dict[str, Category]
    optimism_bias: dict[str, dict[str, float | None]]        # type -> column -> value
    additionality: dict[str, dict[str, float]]              # spatial level -> factor -> value
    investment_gap: dict[str, GapSector]
    parameters: dict[str, float]
    calculator_defaults: dict[str, dict[str, tuple[float, str, str]]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    # -- version 2 (empty in a v1 pack: every term neutral)
    price_rows: dict[str, dict[tuple[Any, ...], FuelRows]] = field(default_factory=dict)   # fuel -> (basis, sector, series)
    factor_rows: dict[str, dict[tuple[Any, ...], FuelRows]] = field(default_factory=dict)  # fuel -> (basis, sector)
    air_quality: dict[str, dict[tuple[Any, ...], FuelRows]] = field(default_factory=dict)  # fuel -> (sector,)
    external_costs: dict[str, FuelRows] = field(default_factory=dict)            # component -> rows
    traded_carbon_price: FuelRows | None = None
    ob_stage_mitigation: dict[str, float] = field(default_factory=dict)
    readiness_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_READINESS_WEIGHTS))
    method_version: int = 1

    # -- derived look-ups -------------------------------------------------
    @property
    def default_price_base_year(self) -> int:
        """METHOD.md notation: B defaults to the pack's ``default_price_base_year``
        parameter, else the price year of the carbon values."""
        v = self.parameters.get("default_price_base_year")
        return int(v) if v is not None else self.carbon_price_year

    @property
    def deflator_years(self) -> tuple[int, int]:
        return min(self.deflator), max(self.deflator)

    def parameter(self, name: str) -> float:
        """A parameter, or its METHOD.md v2 neutral default."""
        return self.parameters.get(name, PARAMETER_DEFAULTS.get(name, 0.0))

    def rebase_factor(self, from_year: int, to_year: int) -> float:
        """``D(to) / D(from)``: multiply a value at ``from_year`` prices by this.

        METHOD.md 1.1. A year before the deflator table is an input error; a
        year after it is extrapolated (v2).
        """
        try:
            return self.deflator[to_year] / self.deflator[from_year]
        except KeyError as exc:
            lo, hi = self.deflator_years
            raise InputError([Problem(
                f"price year {exc.args[0]} is before the GDP deflator table ({lo}-{hi})",
                file="gdp_deflator.csv")]) from None

    def _rebased(self, rows: FuelRows, axis: np.ndarray, base_year: int, column: np.ndarray
                 ) -> np.ndarray:
        rebased = np.array([float(v) * (self.deflator[base_year] / self.deflator[int(py)])
                            if py else float(v) for v, py in zip(column, rows.price_years)])
        t = rows.table
        idx = np.zeros(axis.size, int) if t.years is None else step_lookup(t.years, axis)
        out: np.ndarray = rebased[idx]
        return out

    def price_rows_for(self, fuel: str, basis: str, sector: str, series: str
                       ) -> tuple[FuelRows | None, bool]:
        other = "retail" if basis == "resource" else "resource"
        return _pick(self.price_rows.get(fuel, {}), (basis, other), sector, series)

    def price_on(self, fuel: str, axis: np.ndarray, base_year: int, *, basis: str = "resource",
                 sector: str = "", series: str = "central"
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
        """Energy price of ``fuel`` on calendar years ``axis`` (METHOD.md 3, v2).

        Returns
        -------
        price [GBP per unit at ``base_year`` prices], a mask of years past the
        rows' last year, the VAT rate inside the price, the duty [GBP per unit,
        rebased], and whether the other basis had to stand in (a warning).
        """
        rows, fallback = self.price_rows_for(fuel, basis, sector, series)
        if rows is None:
            z = np.zeros(axis.size)
            return z, np.zeros(axis.size, bool), z, z, True
        t = rows.table
        idx = np.zeros(axis.size, int) if t.years is None else step_lookup(t.years, axis)
        past = np.zeros(axis.size, bool) if t.years is None else axis > t.years[-1]
        return (self._rebased(rows, axis, base_year, t.values), past, rows.vat[idx],
                self._rebased(rows, axis, base_year, rows.duty), fallback)

    def energy_prices_on(self, fuel: str, axis: np.ndarray, base_year: int
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Resource price (central series, the first sector's rows where the pack
        has no empty-sector rows) and the extrapolation mask: the v1 view."""
        values, past, *_ = self.price_on(fuel, axis, base_year, sector=self._any_sector(fuel))
        return values, past

    def _any_sector(self, fuel: str) -> str:
        sectors = sorted({k[1] for k in self.price_rows.get(fuel, {})})
        return "" if "" in sectors or not sectors else sectors[0]

    def factor_on(self, fuel: str, axis: np.ndarray, sector: str = ""
                  ) -> tuple[np.ndarray, np.ndarray, bool, bool]:
        """Emission factor of ``fuel`` [kgCO2e per unit] on ``axis``: appraisal
        basis for the sector, else the reporting rows (fallback True); the
        mask of years past the rows; whether the rows are traded."""
        rows, fallback = _pick(self.factor_rows.get(fuel, {}), ("appraisal", "reporting"), sector, None)
        if rows is None:
            z = np.zeros(axis.size)
            return z, np.zeros(axis.size, bool), False, True
        values, past = rows.table.on_axis(axis)
        return values, past, rows.traded, fallback

    def air_quality_on(self, fuel: str, axis: np.ndarray, base_year: int, sector: str = ""
                       ) -> np.ndarray:
        """Air-quality damage cost [GBP per unit of fuel, rebased]; zero for a fuel
        without rows (METHOD.md 10.12)."""
        rows = self.air_quality.get(fuel, {})
        r = rows.get((sector,)) or rows.get(("",))
        if r is None:
            return np.zeros(axis.size)
        return self._rebased(r, axis, base_year, r.table.values)

    def external_cost_on(self, axis: np.ndarray, base_year: int) -> np.ndarray:
        """Marginal external costs of a car-km, summed over components [GBP, rebased]."""
        out = np.zeros(axis.size)
        for rows in self.external_costs.values():   # a handful of components
            out += self._rebased(rows, axis, base_year, rows.table.values)
        return out

    def traded_price_on(self, axis: np.ndarray, base_year: int) -> np.ndarray:
        """Carbon price inside traded fuels' resource costs [GBP/tCO2e, rebased]."""
        r = self.traded_carbon_price
        return np.zeros(axis.size) if r is None else self._rebased(r, axis, base_year, r.table.values)

    def fuels(self) -> list[str]:
        return sorted(set(self.emission_factors) | set(self.energy_prices))

    def is_flagged(self) -> bool:
        return any(t.flagged_rows() for t in self.tables.values())

    def flagged_summary(self) -> str:
        """One line naming how many rows are not official, table by table."""
        parts = [f"{t.name} {len(t.flagged_rows())}/{len(t.rows)}" for t in self.tables.values()
                 if t.flagged_rows()]
        return ("rows not official (secondary copy, derived, recalled or illustrative): "
                + ", ".join(parts)) if parts else ""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

class _Collector:
    """Collects problems while parsing cells, so that all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, file: str, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(message, file=file, row=row, field=column))

    def number(self, text: str, file: str, row: int, column: str, *, required: bool = True,
               rng: Range | None = None) -> float | None:
        """The number in a cell, checked against the column's declared range
        (:data:`COLUMN_RANGES`, or ``rng`` for a column whose range depends on the row)."""
        text = text.strip()
        if text == "":
            if required:
                self.add("is empty; a number is needed", file, row, column)
            return None
        try:
            value = float(text.replace("_", "x"))   # float() would read "1_000" as 1000
        except ValueError:
            self.add(f"{text[:40]!r} is not a number", file, row, column)
            return None
        if not math.isfinite(value):
            self.add(f"{text[:40]!r} is not a finite number", file, row, column)
            return None
        rng = rng or COLUMN_RANGES[(file, column)]
        x, problem = check_number(value, rng)
        if problem is not None:
            self.add(f"{value:g} is out of range ({rng.words()}; other than 0, at least "
                     f"{MIN_MAGNITUDE:g} in size)", file, row, column)
        return x

    def year(self, text: str, file: str, row: int, column: str, *, required: bool = True) -> int | None:
        text = text.strip()
        if text == "":
            if required:
                self.add("is empty; a calendar year is needed", file, row, column)
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                f = math.nan
            if not (math.isfinite(f) and f.is_integer()):
                self.add(f"{text[:40]!r} is not a whole year", file, row, column)
                return None
            value = int(f)
        if not 0 <= value <= 3000:
            self.add(f"{value} is not a plausible year", file, row, column)
            return None
        return value


def _read_csv(folder: Path, name: str, columns: tuple[str, ...], c: _Collector,
              optional: bool = False) -> tuple[Table, list[tuple[str, ...]]] | None:
    """The table for display, and its rows in ``columns`` order followed by the
    table's v2 columns and ``quality`` (empty text where the file lacks them),
    each ending with its spreadsheet row number (as text).

    An optional table with a header and no rows is treated as absent (FORMAT.md 4).
    """
    path = folder / name
    if not path.is_file():
        if not optional:
            c.add("file is missing from the pack", name)
        return None
    if path.stat().st_size > MAX_TABLE_BYTES:
        c.add(f"file is larger than {MAX_TABLE_BYTES // 1_000_000} MB; not a pack table", name)
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        c.add(f"cannot be read as UTF-8 text ({exc.__class__.__name__})", name)
        return None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        c.add(f"is not valid CSV: {exc}", name)
        return None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        c.add("file is empty (no header row)", name)
        return None
    header = tuple(h.strip() for h in rows[0])
    missing = [col for col in columns if col not in header]
    for col in missing:
        c.add("column is missing", name, 1, col)
    if missing:
        return None
    duplicated = sorted({h for h in header if header.count(h) > 1})
    for col in duplicated:
        c.add("column appears more than once in the header; which one holds the figures "
              "cannot be told, so the table is not read", name, 1, col)
    if duplicated:
        return None
    extras = V2_COLUMNS.get(name, ()) + ("quality",)
    shown = columns + tuple(e for e in extras if e in header)
    body, display = [], []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) > len(header):
            c.add(f"row has {len(r)} cells but the header has {len(header)}", name, i)
            continue
        r = list(r) + [""] * (len(header) - len(r))
        cell = {h: r[k] for k, h in enumerate(header)}
        body.append(tuple(cell[col] for col in columns)
                    + tuple(cell.get(e, "") for e in extras) + (str(i),))
        display.append(tuple(cell[col] for col in shown))
    if not body:
        if optional:
            return None
        c.add("table has no rows", name)
    for row in body:
        if "source" in columns and not row[columns.index("source")].strip():
            c.add("source is empty; every row must say where its figure comes from",
                  name, int(row[-1]), "source")
        if "quality" in header:
            q = row[len(columns) + len(extras) - 1].strip().lower()
            if q not in QUALITY_LABELS:
                c.add(f"{q[:30]!r} is not a quality label (one of {', '.join(QUALITY_LABELS)})",
                      name, int(row[-1]), "quality")
    return Table(name, shown, tuple(display)), body


def _rows(result: tuple[Table, list[tuple[str, ...]]] | None
          ) -> tuple[Table | None, list[tuple[str, ...]]]:
    if result is None:
        return None, []
    return result


def _dupes(keys: list[tuple[Any, ...]], rownums: list[int], file: str, what: str, c: _Collector,
           column: str = "year") -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for key, rn in zip(keys, rownums):
        if key in seen:
            c.add(f"duplicate {what} {', '.join(str(k) for k in key if k != '')} "
                  f"(first at row {seen[key]})", file, rn, column)
        else:
            seen[key] = rn


def load_pack(folder: str | Path) -> AssumptionPack:
    """Read and validate the assumption pack in ``folder``.

    Raises
    ------
    InputError
        With one :class:`Problem` per thing wrong (missing files or columns,
        cells that are not numbers or years, duplicate rows, rates and shares
        out of range, gaps in a discount schedule, unknown references).
    """
    folder = Path(folder)
    c = _Collector()
    if not folder.is_dir():
        raise InputError([Problem("is not a folder; an assumption pack is a folder of CSV files",
                                  file=str(folder))])
    # -- manifest
    manifest: dict[str, Any] = {}
    mpath = folder / "pack.json"
    if not mpath.is_file():
        c.add("file is missing from the pack", "pack.json")
    else:
        try:
            manifest, flaws = loads_strict(mpath.read_text(encoding="utf-8-sig")[:MAX_TABLE_BYTES])
            if not isinstance(manifest, dict):
                raise ValueError("not an object")
        except (ValueError, OSError, RecursionError) as exc:
            c.add(f"is not a JSON object ({exc.__class__.__name__})", "pack.json")
            manifest, flaws = {}, []
        for flaw in flaws:
            c.add(f"line {flaw.line}: {flaw.message}", "pack.json", None,
                  ".".join(str(k) for k in flaw.path) or None)
        if flaws:
            manifest = {}
        for key in ("id", "name", "vintage"):
            if manifest and not (isinstance(manifest.get(key), str) and manifest[key].strip()):
                c.add("is missing or not text", "pack.json", None, key)
            elif manifest and has_lone_surrogate(manifest[key]):
                c.add("holds a lone surrogate (\\ud800 to \\udfff), which is not a character",
                      "pack.json", None, key)

    tables: dict[str, Table] = {}
    bodies: dict[str, list[tuple[str, ...]]] = {}
    for name, cols in TABLE_COLUMNS.items():
        t, b = _rows(_read_csv(folder, name, cols, c))
        if t is not None:
            tables[name], bodies[name] = t, b
    for name, cols in OPTIONAL_TABLE_COLUMNS.items():
        t, b = _rows(_read_csv(folder, name, cols, c, optional=True))
        if t is not None:
            tables[name], bodies[name] = t, b

    def body(name: str) -> list[tuple[str, ...]]:
        return bodies.get(name, [])

    # -- GDP deflator
    f = "gdp_deflator.csv"
    deflator = Deflator()
    for r in body(f):
        rn = int(r[-1])
        y = c.year(r[0], f, rn, "year")
        v = c.number(r[1], f, rn, "index")
        if y is not None and v is not None:
            if y in deflator:
                c.add(f"duplicate year {y}", f, rn, "year")
            deflator[y] = v

    def check_price_year(y: int | None, file: str, rn: int) -> None:
        if y is not None and deflator and not deflator.covers(y):
            c.add(f"price year {y} is before the first year of gdp_deflator.csv", file, rn,
                  "price_year")

    # -- discount schedules
    f = "discount_schedules.csv"
    schedules: dict[str, list[tuple[int, int | None, float]]] = {}
    band_rows: dict[str, list[int]] = {}
    broken: set[str] = set()   # schedules with a bad row: their bands are not checked for gaps
    for r in body(f):
        rn = int(r[-1])
        name = r[0].strip()
        n_before = len(c.problems)
        lo = c.year(r[1], f, rn, "from_year")
        hi = c.year(r[2], f, rn, "to_year", required=False)
        rate = c.number(r[3], f, rn, "rate")
        if not name:
            c.add("schedule name is empty", f, rn, "schedule")
        elif len(c.problems) > n_before or lo is None or rate is None:
            broken.add(name)
        else:
            if hi is not None and hi < lo:
                c.add(f"to_year {hi} is before from_year {lo}", f, rn, "to_year")
                broken.add(name)
            schedules.setdefault(name, []).append((lo, hi, rate))
            band_rows.setdefault(name, []).append(rn)
    for name, bands in schedules.items():
        if name in broken:
            continue
        order = sorted(range(len(bands)), key=lambda k: bands[k][0])
        bands[:] = [bands[k] for k in order]
        rownums = [band_rows[name][k] for k in order]
        expect: int | None = 0
        for (lo, hi, _), rn in zip(bands, rownums):
            if expect is None:
                c.add(f"schedule {name!r}: a band follows the open-ended band", f, rn, "from_year")
                break
            if lo > max(expect, 1) or lo < expect and not (expect == 0 and lo == 0):
                c.add(f"schedule {name!r}: bands must run on from year 0 without gaps or "
                      f"overlaps (expected a band starting at {expect}, found {lo})", f, rn,
                      "from_year")
                expect = -1   # reported; no second message about the last band
                break
            expect = None if hi is None else hi + 1
        if expect is not None and expect != -1:
            c.add(f"schedule {name!r}: the last band must have an empty to_year (no end)", f,
                  rownums[-1], "to_year")
    if body(f) and "standard" not in schedules:
        c.add("the 'standard' schedule is missing", f)

    # -- carbon values
    f = "carbon_values.csv"
    cy: list[int] = []
    cvals: dict[str, list[float]] = {s: [] for s in CARBON_SERIES}
    cpy: set[int] = set()
    rownums = []
    for r in body(f):
        rn = int(r[-1])
        y = c.year(r[0], f, rn, "year")
        vals = [c.number(r[k], f, rn, s) for k, s in enumerate(CARBON_SERIES, 1)]
        py = c.year(r[4], f, rn, "price_year")
        check_price_year(py, f, rn)
        if y is None or None in vals or py is None:
            continue
        if not vals[0] <= vals[1] <= vals[2]:  # type: ignore[operator]
            c.add("values must satisfy low <= central <= high", f, rn)
        cy.append(y)
        rownums.append(rn)
        cpy.add(py)
        for s, v in zip(CARBON_SERIES, vals):
            cvals[s].append(v)  # type: ignore[arg-type]
    _dupes([(y,) for y in cy], rownums, f, "year", c)
    if len(cpy) > 1:
        c.add(f"all rows must share one price_year (found {sorted(cpy)})", f)
    by_year = np.argsort(cy) if cy else np.array([], int)
    carbon = {s: YearTable(np.asarray(cy, int)[by_year], np.asarray(cvals[s], float)[by_year])
              for s in CARBON_SERIES}
    carbon_price_year = min(cpy) if cpy else 0

    # -- emission factors and energy prices (per fuel and key step tables)
    price_rows, ep_units = _fuel_rows(body("energy_prices.csv"), "energy_prices.csv", c,
                                      check_price_year, tables)
    factor_rows, ef_units = _fuel_rows(body("emission_factors.csv"), "emission_factors.csv", c,
                                       check_price_year, tables)
    for fuel in set(ef_units) & set(ep_units):
        if ef_units[fuel] != ep_units[fuel]:
            c.add(f"{fuel} is in {ep_units[fuel]!r} here but in {ef_units[fuel]!r} in "
                  "emission_factors.csv", "energy_prices.csv", None, "unit")
    for fuel in sorted(set(ef_units) ^ set(ep_units)):
        missing_in = "energy_prices.csv" if fuel in ef_units else "emission_factors.csv"
        c.add(f"fuel {fuel!r} has no rows here but has rows in the other fuel table", missing_in)
    emission_factors = {f: _main(k, ("appraisal", "", "reporting")).table for f, k in factor_rows.items()}
    main_prices = {f: _main(k, ("resource", "", "retail")) for f, k in price_rows.items()}
    energy_prices = {f: r.table for f, r in main_prices.items()}
    energy_pys = {f: r.price_years for f, r in main_prices.items()}

    # -- optimism bias
    f = "optimism_bias.csv"
    ob: dict[str, dict[str, float | None]] = {}
    for r in body(f):
        rn = int(r[-1])
        ptype = r[0].strip()
        bias = {col: c.number(r[k], f, rn, col, required=(col == "capex_upper"))
                for k, col in enumerate(TABLE_COLUMNS[f][1:5], 1)}
        if not ptype:
            c.add("project_type is empty", f, rn, "project_type")
        elif ptype in ob:
            c.add(f"duplicate project_type {ptype}", f, rn, "project_type")
        else:
            ob[ptype] = bias

    # -- additionality
    f = "additionality.csv"
    add: dict[str, dict[str, float]] = {}
    for r in body(f):
        rn = int(r[-1])
        level = r[0].strip()
        factors: dict[str, float | None] = {}
        for k, col in enumerate(ADDITIONALITY_FACTORS, 1):
            factors[col] = c.number(r[k], f, rn, col)
        if not level:
            c.add("spatial_level is empty", f, rn, "spatial_level")
        elif level in add:
            c.add(f"duplicate spatial_level {level}", f, rn, "spatial_level")
        elif None not in factors.values():
            add[level] = factors  # type: ignore[assignment]

    # -- investment gap
    f = "investment_gap.csv"
    gap: dict[str, GapSector] = {}
    for r in body(f):
        rn = int(r[-1])
        sector = r[0].strip()
        amount = c.number(r[2], f, rn, "annual_gap_gbp")
        y0 = c.year(r[3], f, rn, "first_year", required=False)
        y1 = c.year(r[4], f, rn, "last_year", required=False)
        if (y0 is None) != (y1 is None) and (r[3].strip() == "") != (r[4].strip() == ""):
            c.add("give both first_year and last_year, or leave both empty (the window then "
                  "runs from the appraisal year)", f, rn, "first_year" if y0 is None else "last_year")
            continue
        py = c.year(r[5], f, rn, "price_year")
        check_price_year(py, f, rn)
        if y0 is not None and y1 is not None and y1 < y0:
            c.add(f"last_year {y1} is before first_year {y0}", f, rn, "last_year")
            continue
        if not sector:
            c.add("sector is empty", f, rn, "sector")
        elif sector in gap:
            c.add(f"duplicate sector {sector}", f, rn, "sector")
        elif None not in (amount, py):
            gap[sector] = GapSector(sector, r[1].strip() or sector, amount, y0, y1, py,  # type: ignore[arg-type]
                                    r[6].strip())

    # -- categories
    f = "categories.csv"
    cats: dict[str, Category] = {}
    for r in body(f):
        rn = int(r[-1])
        cat = r[0].strip()
        gap_sector = r[2].strip() or None
        ob_type = r[3].strip()
        jypm = c.number(r[4], f, rn, "job_years_per_million")
        if gap_sector is not None and "investment_gap.csv" in tables and gap_sector not in gap:
            c.add(f"gap_sector {gap_sector!r} is not a sector of investment_gap.csv", f, rn, "gap_sector")
        if "optimism_bias.csv" in tables and ob_type not in ob:
            c.add(f"ob_project_type {ob_type!r} is not a project_type of optimism_bias.csv",
                  f, rn, "ob_project_type")
        if not cat:
            c.add("category is empty", f, rn, "category")
        elif cat in cats:
            c.add(f"duplicate category {cat}", f, rn, "category")
        elif jypm is not None:
            cats[cat] = Category(cat, r[1].strip() or cat, gap_sector, ob_type, jypm, r[5].strip(),
                                 **_category_v2(r, f, rn, c))

    # -- parameters
    f = "parameters.csv"
    params: dict[str, float] = {}
    for r in body(f):
        rn = int(r[-1])
        name = r[0].strip()
        v = c.number(r[1], f, rn, "value", rng=PARAMETER_RANGES.get(name))
        if name in params:
            c.add(f"duplicate parameter {name}", f, rn, "name")
        elif name and v is not None:
            params[name] = v
    if "parameters.csv" in tables:
        for name in REQUIRED_PARAMETERS:
            if name not in params:
                c.add(f"parameter {name!r} is missing", f, None, "name")
        if params.get("job_years_per_permanent_job", 1.0) <= 0:
            c.add("job_years_per_permanent_job must be above zero", f, None, "value")

    deflator.growth = params.get("deflator_forecast_growth", PARAMETER_DEFAULTS["deflator_forecast_growth"])
    if not -0.5 < deflator.growth < 1.0:
        c.add("deflator_forecast_growth must be between -0.5 and 1", f, None, "value")
        deflator.growth = 0.0
    for name in ("default_price_base_year", "gap_window_years"):
        v = params.get(name)
        if v is not None and not (float(v).is_integer() and 0 < v <= 3000):
            c.add(f"{name} must be a whole number above zero", f, None, "value")
    if "default_price_base_year" in params and deflator \
            and not deflator.covers(int(params["default_price_base_year"])):
        c.add("default_price_base_year is before the first year of gdp_deflator.csv", f, None, "value")

    v2 = _load_v2_tables(body, c, check_price_year)

    # -- calculator defaults (optional)
    f = "calculator_defaults.csv"
    calc: dict[str, dict[str, tuple[float, str, str]]] = {}
    for r in body(f):
        rn = int(r[-1])
        v = c.number(r[2], f, rn, "value")
        if v is not None:
            calc.setdefault(r[0].strip(), {})[r[1].strip()] = (v, r[3].strip(), r[4].strip())

    if c.problems:
        raise InputError(c.problems)
    return AssumptionPack(
        id=manifest["id"].strip(), name=manifest["name"].strip(),
        vintage=str(manifest["vintage"]).strip(), notes=str(manifest.get("notes", "")),
        folder=folder.resolve(), discount_schedules=schedules, deflator=deflator,
        carbon_price_year=carbon_price_year, carbon_values=carbon,
        emission_factors=emission_factors, energy_prices=energy_prices,
        energy_price_years=energy_pys, fuel_units={**ep_units, **ef_units},
        categories=cats, optimism_bias=ob, additionality=add, investment_gap=gap,
        parameters=params, calculator_defaults=calc, tables=tables,
        price_rows=price_rows, factor_rows=factor_rows,
        method_version=int(manifest.get("method_version", 1)) if isinstance(
            manifest.get("method_version", 1), int) else 1, **v2,
    )


def _main(keys: dict[tuple[Any, ...], FuelRows], bases: tuple[str, ...]) -> FuelRows:
    """The rows shown as a fuel's one series where a single one is wanted (v1
    callers, the workbook's simple view): the first basis of ``bases`` present,
    empty sector and series first."""
    order = sorted(keys, key=lambda k: (bases.index(k[0]) if k[0] in bases else 9, k[1] != "",
                                        k[1], *(k[2:] and (k[2] not in ("", "central"), k[2]))))
    return keys[order[0]]


def _truth(text: str, file: str, rn: int, column: str, c: _Collector) -> bool:
    t = text.strip().lower()
    if t in ("true", "yes", "1"):
        return True
    if t in ("false", "no", "0", ""):
        return False
    c.add(f"{text[:20]!r} is not true or false", file, rn, column)
    return False


# what the loader's helpers are handed: a table's rows by file name, and the check of a price year
_Body = Callable[[str], list[tuple[str, ...]]]
_PriceYearCheck = Callable[[int | None, str, int], None]


def _fuel_rows(body: list[tuple[str, ...]], f: str, c: _Collector, check_price_year: _PriceYearCheck,
               tables: dict[str, Table]
               ) -> tuple[dict[str, dict[tuple[Any, ...], FuelRows]], dict[str, str]]:
    """Energy prices or emission factors by fuel and key (basis, sector[, series])
    as step tables (FORMAT.md 2 and 4). Each key has one all-years row or one row per year."""
    prices = f == "energy_prices.csv"
    cols = TABLE_COLUMNS[f]
    v2 = V2_COLUMNS[f]
    header = tables[f].columns if f in tables else ()
    at = {name: k for k, name in enumerate(cols + v2)}
    value_col = "gbp_per_unit" if prices else "kgco2e_per_unit"
    per_key: dict[str, dict[tuple[Any, ...], list[Any]]] = {}
    units: dict[str, str] = {}
    for r in body:
        rn = int(r[-1])
        fuel, unit = r[at["fuel"]].strip(), r[at["unit"]].strip()
        y = c.year(r[at["year"]], f, rn, "year", required=False)
        v = c.number(r[at[value_col]], f, rn, value_col)
        py = None
        if prices:
            py = c.year(r[at["price_year"]], f, rn, "price_year")
            check_price_year(py, f, rn)
        sector = r[at["sector"]].strip()
        basis = r[at["basis"]].strip()
        if sector and sector not in ENERGY_SECTORS:
            c.add(f"{sector[:30]!r} is not a sector (one of {', '.join(ENERGY_SECTORS)}, or empty)",
                  f, rn, "sector")
        bases = PRICE_BASES if prices else FACTOR_BASES
        if "basis" in header and basis not in bases:
            c.add(f"{basis[:30]!r} is not a basis (one of {', '.join(bases)})", f, rn, "basis")
        key: tuple[Any, ...] = (basis, sector)
        vat = duty = 0.0
        traded = False
        if prices:
            series = r[at["series"]].strip()
            if series and series not in CARBON_SERIES:
                c.add(f"{series[:30]!r} is not a series (low, central, high, or empty)", f, rn, "series")
            key = (basis, sector, series)
            vat = c.number(r[at["vat_rate"]], f, rn, "vat_rate", required=False) or 0.0
            duty = c.number(r[at["duty_gbp_per_unit"]], f, rn, "duty_gbp_per_unit", required=False) or 0.0
        else:
            traded = _truth(r[at["traded"]], f, rn, "traded", c)
        if not fuel:
            c.add("fuel is empty", f, rn, "fuel")
            continue
        if fuel in units and units[fuel] != unit:
            c.add(f"unit {unit!r} differs from {units[fuel]!r} on an earlier row for {fuel}",
                  f, rn, "unit")
        units.setdefault(fuel, unit)
        if fuel in FUELS_KNOWN_UNITS and unit != FUELS_KNOWN_UNITS[fuel]:
            c.add(f"{fuel} must be in {FUELS_KNOWN_UNITS[fuel]} (FORMAT.md 1), not {unit!r}",
                  f, rn, "unit")
        if v is None or (prices and py is None):
            continue
        per_key.setdefault(fuel, {}).setdefault(key, []).append((y, v, py, vat, duty, traded, rn))
    out: dict[str, dict[tuple[Any, ...], FuelRows]] = {}
    for fuel, keys in per_key.items():
        for key, rows in keys.items():
            what = " ".join(k for k in (fuel, *key) if k)
            _dupes([(y if y is not None else "",) for y, *_ in rows], [x[-1] for x in rows], f,
                   f"year for {what}:", c)
            if len({x[5] for x in rows}) > 1:
                c.add(f"traded differs between rows of {what}", f, rows[0][-1], "traded")
            if any(y is None for y, *_ in rows):
                if len(rows) > 1:
                    c.add(f"{what} has a row with no year (applies to every year) and other rows; "
                          "give either one row with an empty year or one row per year", f,
                          rows[0][-1], "year")
                rows = rows[:1]
                table = YearTable(None, np.array([rows[0][1]]))
            else:
                rows = sorted(rows, key=lambda x: x[0])
                table = YearTable(np.array([x[0] for x in rows], int), np.array([x[1] for x in rows]))
            out.setdefault(fuel, {})[key] = FuelRows(
                table, np.array([x[2] or 0 for x in rows], int), np.array([x[3] for x in rows]),
                np.array([x[4] for x in rows]), bool(rows[0][5]))
    return out, units


def _category_v2(r: tuple[str, ...], f: str, rn: int, c: _Collector) -> dict[str, Any]:
    """The v2 columns of a categories.csv row (neutral where empty or absent)."""
    base = len(TABLE_COLUMNS[f])
    sector, bd, ct, emb, psds = (r[base + k] for k in range(5))
    sector = sector.strip()
    if sector and sector not in ENERGY_SECTORS:
        c.add(f"{sector[:30]!r} is not a sector (one of {', '.join(ENERGY_SECTORS)})", f, rn,
              "energy_sector")
    return dict(
        energy_sector=sector or None,
        benefit_deadweight=c.number(bd, f, rn, "benefit_deadweight", required=False) or 0.0,
        comfort_taking=c.number(ct, f, rn, "comfort_taking", required=False),
        embodied_tco2e_per_million=c.number(emb, f, rn, "embodied_tco2e_per_million", required=False) or 0.0,
        psds_test=_truth(psds, f, rn, "psds_test", c))


def _year_rows(body: list[tuple[str, ...]], f: str, c: _Collector, check_price_year: _PriceYearCheck,
               value_col: str, value_at: int, year_at: int, price_year_at: int | None,
               key_at: tuple[int, ...] = ()) -> dict[tuple[Any, ...], FuelRows]:
    """A small v2 table as step tables by key (air quality, external costs, traded carbon)."""
    per_key: dict[tuple[Any, ...], list[Any]] = {}
    for r in body:
        rn = int(r[-1])
        y = c.year(r[year_at], f, rn, "year", required=False)
        v = c.number(r[value_at], f, rn, value_col)
        py = None
        if price_year_at is not None:
            py = c.year(r[price_year_at], f, rn, "price_year")
            check_price_year(py, f, rn)
        key = tuple(r[k].strip() for k in key_at)
        if v is None or (price_year_at is not None and py is None):
            continue
        per_key.setdefault(key, []).append((y, v, py, rn))
    out = {}
    for key, rows in per_key.items():
        _dupes([(y if y is not None else "",) for y, *_ in rows], [x[-1] for x in rows], f,
               f"year for {' '.join(key)}".strip() + ":", c)
        if any(y is None for y, *_ in rows):
            rows = rows[:1]
            table = YearTable(None, np.array([rows[0][1]]))
        else:
            rows = sorted(rows, key=lambda x: x[0])
            table = YearTable(np.array([x[0] for x in rows], int), np.array([x[1] for x in rows]))
        z = np.zeros(len(rows))
        out[key] = FuelRows(table, np.array([x[2] or 0 for x in rows], int), z, z)
    return out


def _load_v2_tables(body: _Body, c: _Collector, check_price_year: _PriceYearCheck) -> dict[str, Any]:
    """The new tables of METHOD.md v2 (each absent: its term is neutral)."""
    aq_flat = _year_rows(body("air_quality.csv"), "air_quality.csv", c, check_price_year,
                         "gbp_per_unit", 3, 2, 4, key_at=(0, 1))
    for (_fuel, sector), _ in aq_flat.items():
        if sector and sector not in ENERGY_SECTORS:
            c.add(f"{sector[:30]!r} is not a sector", "air_quality.csv", None, "sector")
    air_quality: dict[str, dict[tuple[Any, ...], FuelRows]] = {}
    for (fuel, sector), rows in aq_flat.items():
        air_quality.setdefault(fuel, {})[(sector,)] = rows
    mec = {k[0]: v for k, v in _year_rows(body("marginal_external_costs.csv"),
                                          "marginal_external_costs.csv", c, check_price_year,
                                          "gbp_per_car_km", 2, 1, 3, key_at=(0,)).items()}
    tcp = _year_rows(body("traded_carbon_price.csv"), "traded_carbon_price.csv", c, check_price_year,
                     "gbp_per_tco2e", 1, 0, 2)
    f = "ob_stage_mitigation.csv"
    stages: dict[str, float] = {}
    for r in body(f):
        rn = int(r[-1])
        stage = r[0].strip()
        v = c.number(r[1], f, rn, "mitigation")
        if stage not in BUSINESS_CASE_STAGES:
            c.add(f"{stage[:30]!r} is not a stage (one of {', '.join(BUSINESS_CASE_STAGES)})", f, rn, "stage")
        elif stage in stages:
            c.add(f"duplicate stage {stage}", f, rn, "stage")
        elif v is not None:
            stages[stage] = v
    f = "readiness_weights.csv"
    weights = dict(DEFAULT_READINESS_WEIGHTS)
    seen: set[str] = set()
    for r in body(f):
        rn = int(r[-1])
        crit = r[0].strip()
        v = c.number(r[1], f, rn, "points")
        if crit not in READINESS_CRITERIA:
            c.add(f"{crit[:30]!r} is not a criterion (one of {', '.join(READINESS_CRITERIA)})",
                  f, rn, "criterion")
        elif crit in seen:
            c.add(f"duplicate criterion {crit}", f, rn, "criterion")
        elif v is not None:
            weights[crit] = v
            seen.add(crit)
    return dict(air_quality=air_quality, external_costs=mec,
                traded_carbon_price=tcp.get(()), ob_stage_mitigation=stages,
                readiness_weights=weights)
