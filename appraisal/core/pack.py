"""Assumption packs: the folder of CSV tables every figure is computed from.

A pack is a folder laid out as FORMAT.md section 2 describes: ``pack.json``
and one CSV file per table, every row carrying its source. :func:`load_pack`
reads and validates a folder and returns an :class:`AssumptionPack`; every
problem found is reported at once, naming the file, the spreadsheet row (the
header is row 1) and the column.

Every table is read by its declaration in :mod:`appraisal.core.pack_spec`
(columns, types, ranges, which are required): one reader checks the file and
its header and hands each row over as cells by column name, converted and
range-checked as the spec says; a small function per table then builds the
pack's look-ups and checks the rules between rows and tables.

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
from typing import Any, NamedTuple

import numpy as np

from .discounting import step_lookup
from .errors import InputError, Problem
from .limits import MIN_MAGNITUDE, Range, check_number, has_lone_surrogate, loads_strict
# the words and ranges are declared with the tables; re-exported here for the callers
from .pack_spec import ADDITIONALITY_FACTORS as ADDITIONALITY_FACTORS
from .pack_spec import BUSINESS_CASE_STAGES as BUSINESS_CASE_STAGES
from .pack_spec import CARBON_SERIES as CARBON_SERIES
from .pack_spec import ENERGY_SECTORS as ENERGY_SECTORS
from .pack_spec import FACTOR_BASES as FACTOR_BASES
from .pack_spec import PARAMETER_RANGES as PARAMETER_RANGES
from .pack_spec import PRICE_BASES as PRICE_BASES
from .pack_spec import QUALITY_LABELS as QUALITY_LABELS
from .pack_spec import READINESS_CRITERIA as READINESS_CRITERIA
from .pack_spec import TABLE_SPECS, Column, TableSpec

MAX_TABLE_BYTES = 5_000_000  # a pack table is a few kB; anything this big is not a pack

FUELS_KNOWN_UNITS = {
    "grid_electricity": "kWh", "natural_gas": "kWh", "heating_oil": "kWh",
    "lpg": "kWh", "petrol": "litre", "diesel": "litre",
}
REQUIRED_PARAMETERS = ("job_years_per_permanent_job", "public_carbon_cost_threshold")

# Derived from the table specs (appraisal/core/pack_spec.py), for the callers that
# list the tables: file name -> columns the header must carry, in FORMAT.md order
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    s.file: s.required_columns for s in TABLE_SPECS if s.required_file}
# Optional tables: a pack may leave them out and the feature that uses them
# falls back to asking the user for every input (calculators) or to the
# neutral value of METHOD.md v2 (a header without rows counts as absent, FORMAT.md 4).
OPTIONAL_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    s.file: s.required_columns for s in TABLE_SPECS if not s.required_file}
# Version 2 columns a table may carry (FORMAT.md 4); a v1 pack lacks them and
# gets the v1 result. Every table may carry ``quality``.
V2_COLUMNS: dict[str, tuple[str, ...]] = {s.file: s.v2_columns for s in TABLE_SPECS if s.v2_columns}
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

# The range of every number of a pack (FORMAT.md 6 lists them), as the table specs
# declare it: (file, column) -> range. With these, and the portfolio's own ranges,
# no sound appraisal can overflow (appraisal/core/limits.py says why).
COLUMN_RANGES: dict[tuple[str, str], Range] = {
    (s.file, col.name): col.range for s in TABLE_SPECS for col in s.columns if col.range is not None}

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

    def number(self, text: str, file: str, row: int, column: str, *, required: bool,
               rng: Range) -> float | None:
        """The number in a cell, checked against the column's declared range."""
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
        x, problem = check_number(value, rng)
        if problem is not None:
            self.add(f"{value:g} is out of range ({rng.words()}; other than 0, at least "
                     f"{MIN_MAGNITUDE:g} in size)", file, row, column)
        return x

    def year(self, text: str, file: str, row: int, column: str, *, required: bool) -> int | None:
        text = text.strip()
        if text == "":
            if required:
                self.add("is empty; a calendar year is needed", file, row, column)
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                as_float = math.nan
            if not (math.isfinite(as_float) and as_float.is_integer()):
                self.add(f"{text[:40]!r} is not a whole year", file, row, column)
                return None
            value = int(as_float)
        if not 0 <= value <= 3000:
            self.add(f"{value} is not a plausible year", file, row, column)
            return None
        return value


@dataclass(frozen=True)
class _Row:
    """One row of a pack table: its cells by column name (empty text for a v2
    column the file lacks), read and checked as its table's spec declares, and
    its spreadsheet row number (the header is row 1)."""

    spec: TableSpec
    cells: dict[str, str]
    rn: int
    c: _Collector

    def _column(self, name: str, kind: str) -> Column:
        col = self.spec.column(name)
        if col.type != kind:   # a programming error: the spec says what the column holds
            raise TypeError(f"{self.spec.file} {name} is {col.type}, not {kind}")
        return col

    def blank(self, name: str) -> bool:
        return self.cells[name].strip() == ""

    def text(self, name: str) -> str:
        self._column(name, "text")
        return self.cells[name].strip()

    def number(self, name: str, rng: Range | None = None) -> float | None:
        """The cell's number (``rng``: a range that depends on the row), or the
        column's default where empty or wrong (the problem is collected)."""
        col = self._column(name, "number")
        assert col.range is not None
        value = self.c.number(self.cells[name], self.spec.file, self.rn, name, required=col.needed,
                              rng=rng or col.range)
        return col.default if value is None else value

    def year(self, name: str) -> int | None:
        col = self._column(name, "year")
        return self.c.year(self.cells[name], self.spec.file, self.rn, name, required=col.needed)

    def truth(self, name: str) -> bool:
        self._column(name, "truth")
        raw = self.cells[name]
        word = raw.strip().lower()
        if word in ("true", "yes", "1"):
            return True
        if word not in ("false", "no", "0", ""):
            self.c.add(f"{raw[:20]!r} is not true or false", self.spec.file, self.rn, name)
        return False


def _csv_rows(folder: Path, spec: TableSpec, c: _Collector) -> list[list[str]] | None:
    """The non-blank rows of a table's file, or None (the problem collected)."""
    name = spec.file
    path = folder / name
    if not path.is_file():
        if spec.required_file:
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
    return rows


def _header_problems(spec: TableSpec, header: tuple[str, ...], c: _Collector) -> bool:
    """Collect the header's missing and doubled columns; True where the table can be read."""
    missing = [col for col in spec.required_columns if col not in header]
    for col in missing:
        c.add("column is missing", spec.file, 1, col)
    if missing:
        return False
    duplicated = sorted({h for h in header if header.count(h) > 1})
    for col in duplicated:
        c.add("column appears more than once in the header; which one holds the figures "
              "cannot be told, so the table is not read", spec.file, 1, col)
    return not duplicated


def _read_table(folder: Path, spec: TableSpec, c: _Collector) -> tuple[Table, list[_Row]] | None:
    """The table for display (its required columns and the optional ones the file
    has) and its rows, by the table's spec; None where it cannot be read or an
    optional table has a header and no rows (absent, FORMAT.md 4)."""
    rows = _csv_rows(folder, spec, c)
    if rows is None:
        return None
    name = spec.file
    header = tuple(h.strip() for h in rows[0])
    if not _header_problems(spec, header, c):
        return None
    shown = tuple(col.name for col in spec.columns if col.required or col.name in header)
    body, display = [], []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) > len(header):
            c.add(f"row has {len(r)} cells but the header has {len(header)}", name, i)
            continue
        cell = dict(zip(header, list(r) + [""] * (len(header) - len(r))))
        body.append(_Row(spec, {col.name: cell.get(col.name, "") for col in spec.columns}, i, c))
        display.append(tuple(cell[col] for col in shown))
    if not body:
        if not spec.required_file:
            return None
        c.add("table has no rows", name)
    for row in body:
        if row.blank("source"):
            c.add("source is empty; every row must say where its figure comes from",
                  name, row.rn, "source")
        if "quality" in header:
            label = row.cells["quality"].strip().lower()
            if label not in QUALITY_LABELS:
                c.add(f"{label[:30]!r} is not a quality label (one of {', '.join(QUALITY_LABELS)})",
                      name, row.rn, "quality")
    return Table(name, shown, tuple(display)), body


def _dupes(keys: list[tuple[Any, ...]], rownums: list[int], file: str, what: str, c: _Collector,
           column: str = "year") -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for key, rn in zip(keys, rownums):
        if key in seen:
            c.add(f"duplicate {what} {', '.join(str(k) for k in key if k != '')} "
                  f"(first at row {seen[key]})", file, rn, column)
        else:
            seen[key] = rn


# what the loader's helpers are handed: a table's rows by file name, and the check of a price year
_Body = Callable[[str], list[_Row]]
_PriceYearCheck = Callable[[int | None, str, int], None]


def _read_manifest(folder: Path, c: _Collector) -> dict[str, Any]:
    """pack.json's object (empty where it is missing or broken: the problems collected)."""
    manifest: dict[str, Any] = {}
    mpath = folder / "pack.json"
    if not mpath.is_file():
        c.add("file is missing from the pack", "pack.json")
        return manifest
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
    return manifest


def _read_deflator(rows: list[_Row], c: _Collector) -> Deflator:
    deflator = Deflator()
    for row in rows:
        year, index = row.year("year"), row.number("index")
        if year is not None and index is not None:
            if year in deflator:
                c.add(f"duplicate year {year}", row.spec.file, row.rn, "year")
            deflator[year] = index
    return deflator


def _price_year_check(deflator: Deflator, c: _Collector) -> _PriceYearCheck:
    """The check every price_year cell gets: inside or after the deflator's years."""
    def check(year: int | None, file: str, rn: int) -> None:
        if year is not None and deflator and not deflator.covers(year):
            c.add(f"price year {year} is before the first year of gdp_deflator.csv", file, rn,
                  "price_year")
    return check


_Schedules = dict[str, list[tuple[int, int | None, float]]]


def _read_schedules(rows: list[_Row], c: _Collector) -> _Schedules:
    """Discount schedules by name: their bands (from, to or None, rate), sorted and
    checked to run on from year 0 without gaps or overlaps."""
    file = "discount_schedules.csv"
    schedules: _Schedules = {}
    band_rows: dict[str, list[int]] = {}
    broken: set[str] = set()   # schedules with a bad row: their bands are not checked for gaps
    for row in rows:
        name = row.text("schedule")
        n_before = len(c.problems)
        lo, hi, rate = row.year("from_year"), row.year("to_year"), row.number("rate")
        if not name:
            c.add("schedule name is empty", file, row.rn, "schedule")
        elif len(c.problems) > n_before or lo is None or rate is None:
            broken.add(name)
        else:
            if hi is not None and hi < lo:
                c.add(f"to_year {hi} is before from_year {lo}", file, row.rn, "to_year")
                broken.add(name)
            schedules.setdefault(name, []).append((lo, hi, rate))
            band_rows.setdefault(name, []).append(row.rn)
    for name, bands in schedules.items():
        if name not in broken:
            order = sorted(range(len(bands)), key=lambda k: bands[k][0])
            bands[:] = [bands[k] for k in order]
            _check_bands(name, bands, [band_rows[name][k] for k in order], c)
    if rows and "standard" not in schedules:
        c.add("the 'standard' schedule is missing", file)
    return schedules


def _check_bands(name: str, bands: list[tuple[int, int | None, float]], rownums: list[int],
                 c: _Collector) -> None:
    file = "discount_schedules.csv"
    expect: int | None = 0
    for (lo, hi, _), rn in zip(bands, rownums):
        if expect is None:
            c.add(f"schedule {name!r}: a band follows the open-ended band", file, rn, "from_year")
            return
        if lo > max(expect, 1) or lo < expect and not (expect == 0 and lo == 0):
            c.add(f"schedule {name!r}: bands must run on from year 0 without gaps or "
                  f"overlaps (expected a band starting at {expect}, found {lo})", file, rn,
                  "from_year")
            return   # reported; no second message about the last band
        expect = None if hi is None else hi + 1
    if expect is not None:
        c.add(f"schedule {name!r}: the last band must have an empty to_year (no end)", file,
              rownums[-1], "to_year")


def _read_carbon(rows: list[_Row], c: _Collector, check_price_year: _PriceYearCheck
                 ) -> tuple[dict[str, YearTable], int]:
    """Carbon values by series as step tables by year, and their one price year."""
    file = "carbon_values.csv"
    years: list[int] = []
    values: dict[str, list[float]] = {s: [] for s in CARBON_SERIES}
    price_years: set[int] = set()
    rownums = []
    for row in rows:
        year = row.year("year")
        low, central, high = (row.number(s) for s in CARBON_SERIES)
        price_year = row.year("price_year")
        check_price_year(price_year, file, row.rn)
        if year is None or low is None or central is None or high is None or price_year is None:
            continue
        if not low <= central <= high:
            c.add("values must satisfy low <= central <= high", file, row.rn)
        years.append(year)
        rownums.append(row.rn)
        price_years.add(price_year)
        for s, value in zip(CARBON_SERIES, (low, central, high)):
            values[s].append(value)
    _dupes([(y,) for y in years], rownums, file, "year", c)
    if len(price_years) > 1:
        c.add(f"all rows must share one price_year (found {sorted(price_years)})", file)
    by_year = np.argsort(years) if years else np.array([], int)
    carbon = {s: YearTable(np.asarray(years, int)[by_year], np.asarray(values[s], float)[by_year])
              for s in CARBON_SERIES}
    return carbon, min(price_years) if price_years else 0


@dataclass(frozen=True)
class _Fuels:
    """Energy prices and emission factors as the pack holds them (FORMAT.md 2 and 4)."""

    price_rows: dict[str, dict[tuple[Any, ...], FuelRows]]
    factor_rows: dict[str, dict[tuple[Any, ...], FuelRows]]
    units: dict[str, str]


def _read_fuels(body: _Body, c: _Collector, check_price_year: _PriceYearCheck,
                tables: dict[str, Table]) -> _Fuels:
    """Both fuel tables, and the checks between them (same fuels, same units)."""
    prices_file, factors_file = "energy_prices.csv", "emission_factors.csv"
    price_rows, price_units = _fuel_rows(body(prices_file), prices_file, c, check_price_year, tables)
    factor_rows, factor_units = _fuel_rows(body(factors_file), factors_file, c, check_price_year, tables)
    for fuel in set(factor_units) & set(price_units):
        if factor_units[fuel] != price_units[fuel]:
            c.add(f"{fuel} is in {price_units[fuel]!r} here but in {factor_units[fuel]!r} in "
                  "emission_factors.csv", prices_file, None, "unit")
    for fuel in sorted(set(factor_units) ^ set(price_units)):
        missing_in = prices_file if fuel in factor_units else factors_file
        c.add(f"fuel {fuel!r} has no rows here but has rows in the other fuel table", missing_in)
    return _Fuels(price_rows, factor_rows, {**price_units, **factor_units})


def _read_optimism_bias(rows: list[_Row], c: _Collector) -> dict[str, dict[str, float | None]]:
    file = "optimism_bias.csv"
    ob: dict[str, dict[str, float | None]] = {}
    for row in rows:
        ptype = row.text("project_type")
        bias = {col: row.number(col) for col in ("capex_upper", "capex_lower", "duration_upper",
                                                 "duration_lower")}
        if not ptype:
            c.add("project_type is empty", file, row.rn, "project_type")
        elif ptype in ob:
            c.add(f"duplicate project_type {ptype}", file, row.rn, "project_type")
        else:
            ob[ptype] = bias
    return ob


def _read_additionality(rows: list[_Row], c: _Collector) -> dict[str, dict[str, float]]:
    file = "additionality.csv"
    additionality: dict[str, dict[str, float]] = {}
    for row in rows:
        level = row.text("spatial_level")
        factors = {col: row.number(col) for col in ADDITIONALITY_FACTORS}
        if not level:
            c.add("spatial_level is empty", file, row.rn, "spatial_level")
        elif level in additionality:
            c.add(f"duplicate spatial_level {level}", file, row.rn, "spatial_level")
        else:
            known = {k: v for k, v in factors.items() if v is not None}
            if len(known) == len(factors):
                additionality[level] = known
    return additionality


def _read_gap(rows: list[_Row], c: _Collector, check_price_year: _PriceYearCheck
              ) -> dict[str, GapSector]:
    file = "investment_gap.csv"
    gap: dict[str, GapSector] = {}
    for row in rows:
        sector = row.text("sector")
        amount = row.number("annual_gap_gbp")
        first, last = row.year("first_year"), row.year("last_year")
        if (first is None) != (last is None) and row.blank("first_year") != row.blank("last_year"):
            c.add("give both first_year and last_year, or leave both empty (the window then "
                  "runs from the appraisal year)", file, row.rn, "first_year" if first is None else "last_year")
            continue
        price_year = row.year("price_year")
        check_price_year(price_year, file, row.rn)
        if first is not None and last is not None and last < first:
            c.add(f"last_year {last} is before first_year {first}", file, row.rn, "last_year")
            continue
        if not sector:
            c.add("sector is empty", file, row.rn, "sector")
        elif sector in gap:
            c.add(f"duplicate sector {sector}", file, row.rn, "sector")
        elif amount is not None and price_year is not None:
            gap[sector] = GapSector(sector, row.text("label") or sector, amount, first, last,
                                    price_year, row.text("source"))
    return gap


def _read_categories(rows: list[_Row], c: _Collector, tables: dict[str, Table],
                     gap: dict[str, GapSector], ob: dict[str, dict[str, float | None]]
                     ) -> dict[str, Category]:
    file = "categories.csv"
    cats: dict[str, Category] = {}
    for row in rows:
        cat = row.text("category")
        gap_sector = row.text("gap_sector") or None
        ob_type = row.text("ob_project_type")
        jobs = row.number("job_years_per_million")
        if gap_sector is not None and "investment_gap.csv" in tables and gap_sector not in gap:
            c.add(f"gap_sector {gap_sector!r} is not a sector of investment_gap.csv", file, row.rn,
                  "gap_sector")
        if "optimism_bias.csv" in tables and ob_type not in ob:
            c.add(f"ob_project_type {ob_type!r} is not a project_type of optimism_bias.csv",
                  file, row.rn, "ob_project_type")
        if not cat:
            c.add("category is empty", file, row.rn, "category")
        elif cat in cats:
            c.add(f"duplicate category {cat}", file, row.rn, "category")
        elif jobs is not None:
            cats[cat] = Category(cat, row.text("label") or cat, gap_sector, ob_type, jobs,
                                 row.text("source"), **_category_v2(row, c))
    return cats


def _category_v2(row: _Row, c: _Collector) -> dict[str, Any]:
    """The v2 columns of a categories.csv row (neutral where empty or absent)."""
    sector = row.text("energy_sector")
    if sector and sector not in ENERGY_SECTORS:
        c.add(f"{sector[:30]!r} is not a sector (one of {', '.join(ENERGY_SECTORS)})", row.spec.file,
              row.rn, "energy_sector")
    return dict(
        energy_sector=sector or None,
        benefit_deadweight=row.number("benefit_deadweight"),
        comfort_taking=row.number("comfort_taking"),
        embodied_tco2e_per_million=row.number("embodied_tco2e_per_million"),
        psds_test=row.truth("psds_test"))


def _read_parameters(rows: list[_Row], c: _Collector, tables: dict[str, Table]) -> dict[str, float]:
    """Parameters by name, each checked against its own range where the method reads it."""
    file = "parameters.csv"
    params: dict[str, float] = {}
    for row in rows:
        name = row.text("name")
        value = row.number("value", rng=PARAMETER_RANGES.get(name))
        if name in params:
            c.add(f"duplicate parameter {name}", file, row.rn, "name")
        elif name and value is not None:
            params[name] = value
    if file in tables:
        for name in REQUIRED_PARAMETERS:
            if name not in params:
                c.add(f"parameter {name!r} is missing", file, None, "name")
        if params.get("job_years_per_permanent_job", 1.0) <= 0:
            c.add("job_years_per_permanent_job must be above zero", file, None, "value")
    return params


def _check_parameters(params: dict[str, float], deflator: Deflator, c: _Collector) -> None:
    """The parameters' rules that need other tables; sets the deflator's growth."""
    file = "parameters.csv"
    deflator.growth = params.get("deflator_forecast_growth", PARAMETER_DEFAULTS["deflator_forecast_growth"])
    if not -0.5 < deflator.growth < 1.0:
        c.add("deflator_forecast_growth must be between -0.5 and 1", file, None, "value")
        deflator.growth = 0.0
    for name in ("default_price_base_year", "gap_window_years"):
        value = params.get(name)
        if value is not None and not (float(value).is_integer() and 0 < value <= 3000):
            c.add(f"{name} must be a whole number above zero", file, None, "value")
    if "default_price_base_year" in params and deflator \
            and not deflator.covers(int(params["default_price_base_year"])):
        c.add("default_price_base_year is before the first year of gdp_deflator.csv", file, None, "value")


def _read_calculator_defaults(rows: list[_Row]) -> dict[str, dict[str, tuple[float, str, str]]]:
    calc: dict[str, dict[str, tuple[float, str, str]]] = {}
    for row in rows:
        value = row.number("value")
        if value is not None:
            calc.setdefault(row.text("calculator"), {})[row.text("name")] = (
                value, row.text("unit"), row.text("source"))
    return calc


def _read_tables(folder: Path, c: _Collector) -> tuple[dict[str, Table], dict[str, list[_Row]]]:
    """Every table of the pack by its spec: for display, and its rows."""
    tables: dict[str, Table] = {}
    bodies: dict[str, list[_Row]] = {}
    for spec in (*(s for s in TABLE_SPECS if s.required_file),
                 *(s for s in TABLE_SPECS if not s.required_file)):
        result = _read_table(folder, spec, c)
        if result is not None:
            tables[spec.file], bodies[spec.file] = result
    return tables, bodies


def _method_version(manifest: dict[str, Any]) -> int:
    version = manifest.get("method_version", 1)
    return version if isinstance(version, int) else 1


def load_pack(folder: str | Path) -> AssumptionPack:
    """Read and validate the assumption pack in ``folder``.

    Every table is read by its spec (:mod:`appraisal.core.pack_spec`); the
    functions above turn the rows into the pack's look-ups, in the order the
    problems are reported.

    Raises
    ------
    InputError
        With one :class:`Problem` per thing wrong (missing files or columns,
        cells that are not numbers or years, duplicate rows, rates and shares
        out of range, gaps in a discount schedule, unknown references).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem("is not a folder; an assumption pack is a folder of CSV files",
                                  file=str(folder))])
    c = _Collector()
    manifest = _read_manifest(folder, c)
    tables, bodies = _read_tables(folder, c)

    def body(name: str) -> list[_Row]:
        return bodies.get(name, [])

    deflator = _read_deflator(body("gdp_deflator.csv"), c)
    check_price_year = _price_year_check(deflator, c)
    schedules = _read_schedules(body("discount_schedules.csv"), c)
    carbon, carbon_price_year = _read_carbon(body("carbon_values.csv"), c, check_price_year)
    fuels = _read_fuels(body, c, check_price_year, tables)
    ob = _read_optimism_bias(body("optimism_bias.csv"), c)
    additionality = _read_additionality(body("additionality.csv"), c)
    gap = _read_gap(body("investment_gap.csv"), c, check_price_year)
    cats = _read_categories(body("categories.csv"), c, tables, gap, ob)
    params = _read_parameters(body("parameters.csv"), c, tables)
    _check_parameters(params, deflator, c)
    v2 = _load_v2_tables(body, c, check_price_year)
    calc = _read_calculator_defaults(body("calculator_defaults.csv"))
    if c.problems:
        raise InputError(c.problems)
    main_prices = {fuel: _main(k, ("resource", "", "retail")) for fuel, k in fuels.price_rows.items()}
    return AssumptionPack(
        id=manifest["id"].strip(), name=manifest["name"].strip(),
        vintage=str(manifest["vintage"]).strip(), notes=str(manifest.get("notes", "")),
        folder=folder.resolve(), discount_schedules=schedules, deflator=deflator,
        carbon_price_year=carbon_price_year, carbon_values=carbon,
        emission_factors={fuel: _main(k, ("appraisal", "", "reporting")).table
                          for fuel, k in fuels.factor_rows.items()},
        energy_prices={fuel: r.table for fuel, r in main_prices.items()},
        energy_price_years={fuel: r.price_years for fuel, r in main_prices.items()},
        fuel_units=fuels.units, categories=cats, optimism_bias=ob, additionality=additionality,
        investment_gap=gap, parameters=params, calculator_defaults=calc, tables=tables,
        price_rows=fuels.price_rows, factor_rows=fuels.factor_rows,
        method_version=_method_version(manifest), **v2,
    )


def _main(keys: dict[tuple[Any, ...], FuelRows], bases: tuple[str, ...]) -> FuelRows:
    """The rows shown as a fuel's one series where a single one is wanted (v1
    callers, the workbook's simple view): the first basis of ``bases`` present,
    empty sector and series first."""
    order = sorted(keys, key=lambda k: (bases.index(k[0]) if k[0] in bases else 9, k[1] != "",
                                        k[1], *(k[2:] and (k[2] not in ("", "central"), k[2]))))
    return keys[order[0]]


def _fuel_key(row: _Row, prices: bool, has_basis: bool, c: _Collector) -> tuple[Any, ...]:
    """The row's (basis, sector[, series]) key, each word checked against its choices."""
    file = row.spec.file
    sector, basis = row.text("sector"), row.text("basis")
    if sector and sector not in ENERGY_SECTORS:
        c.add(f"{sector[:30]!r} is not a sector (one of {', '.join(ENERGY_SECTORS)}, or empty)",
              file, row.rn, "sector")
    bases = PRICE_BASES if prices else FACTOR_BASES
    if has_basis and basis not in bases:
        c.add(f"{basis[:30]!r} is not a basis (one of {', '.join(bases)})", file, row.rn, "basis")
    if not prices:
        return (basis, sector)
    series = row.text("series")
    if series and series not in CARBON_SERIES:
        c.add(f"{series[:30]!r} is not a series (low, central, high, or empty)", file, row.rn, "series")
    return (basis, sector, series)


def _fuel_rows(rows: list[_Row], file: str, c: _Collector, check_price_year: _PriceYearCheck,
               tables: dict[str, Table]
               ) -> tuple[dict[str, dict[tuple[Any, ...], FuelRows]], dict[str, str]]:
    """Energy prices or emission factors by fuel and key (basis, sector[, series])
    as step tables (FORMAT.md 2 and 4). Each key has one all-years row or one row per year."""
    prices = file == "energy_prices.csv"
    has_basis = file in tables and "basis" in tables[file].columns
    value_col = "gbp_per_unit" if prices else "kgco2e_per_unit"
    per_key: dict[str, dict[tuple[Any, ...], list[_StepRow]]] = {}
    units: dict[str, str] = {}
    for row in rows:
        fuel, unit = row.text("fuel"), row.text("unit")
        year, value = row.year("year"), row.number(value_col)
        price_year = None
        if prices:
            price_year = row.year("price_year")
            check_price_year(price_year, file, row.rn)
        key = _fuel_key(row, prices, has_basis, c)
        vat = row.number("vat_rate") or 0.0 if prices else 0.0
        duty = row.number("duty_gbp_per_unit") or 0.0 if prices else 0.0
        traded = False if prices else row.truth("traded")
        if not fuel:
            c.add("fuel is empty", file, row.rn, "fuel")
            continue
        _check_unit(fuel, unit, units, file, row.rn, c)
        if value is None or (prices and price_year is None):
            continue
        per_key.setdefault(fuel, {}).setdefault(key, []).append(
            _StepRow(year, value, price_year, vat, duty, traded, row.rn))
    out: dict[str, dict[tuple[Any, ...], FuelRows]] = {}
    for fuel, keys in per_key.items():
        for key, key_rows in keys.items():
            out.setdefault(fuel, {})[key] = _fuel_step_table(fuel, key, key_rows, file, c)
    return out, units


def _check_unit(fuel: str, unit: str, units: dict[str, str], file: str, rn: int, c: _Collector) -> None:
    """One unit a fuel, and the FORMAT.md 1 unit of a known fuel; records the fuel's unit."""
    if fuel in units and units[fuel] != unit:
        c.add(f"unit {unit!r} differs from {units[fuel]!r} on an earlier row for {fuel}",
              file, rn, "unit")
    units.setdefault(fuel, unit)
    if fuel in FUELS_KNOWN_UNITS and unit != FUELS_KNOWN_UNITS[fuel]:
        c.add(f"{fuel} must be in {FUELS_KNOWN_UNITS[fuel]} (FORMAT.md 1), not {unit!r}",
              file, rn, "unit")


class _StepRow(NamedTuple):
    """One read row of a step table by year (a fuel table's, or a small v2 table's)."""

    year: int | None          # None: the row applies to every year
    value: float
    price_year: int | None
    vat: float
    duty: float
    traded: bool
    rn: int


def _year_dupes(rows: list[_StepRow], file: str, what: str, c: _Collector) -> None:
    _dupes([(r.year if r.year is not None else "",) for r in rows], [r.rn for r in rows], file,
           f"year for {what}".strip() + ":", c)


def _step_table(rows: list[_StepRow]) -> FuelRows:
    """The rows of one key as a step table by year: one all-years row (the first
    row where any has no year) or one row per year, sorted."""
    if any(r.year is None for r in rows):
        rows = rows[:1]
        table = YearTable(None, np.array([rows[0].value]))
    else:
        rows = sorted(rows, key=lambda r: r.year or 0)
        table = YearTable(np.array([r.year for r in rows], int), np.array([r.value for r in rows]))
    return FuelRows(table, np.array([r.price_year or 0 for r in rows], int), np.array([r.vat for r in rows]),
                    np.array([r.duty for r in rows]), bool(rows[0].traded))


def _fuel_step_table(fuel: str, key: tuple[Any, ...], rows: list[_StepRow], file: str, c: _Collector
                     ) -> FuelRows:
    """One key's rows of a fuel table; its rows agree on ``traded`` and on having years."""
    what = " ".join(k for k in (fuel, *key) if k)
    _year_dupes(rows, file, what, c)
    if len({r.traded for r in rows}) > 1:
        c.add(f"traded differs between rows of {what}", file, rows[0].rn, "traded")
    if any(r.year is None for r in rows) and len(rows) > 1:
        c.add(f"{what} has a row with no year (applies to every year) and other rows; "
              "give either one row with an empty year or one row per year", file,
              rows[0].rn, "year")
    return _step_table(rows)


def _year_rows(rows: list[_Row], c: _Collector, check_price_year: _PriceYearCheck,
               value_col: str, key_cols: tuple[str, ...] = ()) -> dict[tuple[str, ...], FuelRows]:
    """A small v2 table as step tables by key (air quality, external costs, traded carbon)."""
    per_key: dict[tuple[str, ...], list[_StepRow]] = {}
    file = rows[0].spec.file if rows else ""
    for row in rows:
        year, value = row.year("year"), row.number(value_col)
        price_year = row.year("price_year")
        check_price_year(price_year, file, row.rn)
        key = tuple(row.text(k) for k in key_cols)
        if value is None or price_year is None:
            continue
        per_key.setdefault(key, []).append(_StepRow(year, value, price_year, 0.0, 0.0, False, row.rn))
    out = {}
    for key, key_rows in per_key.items():
        _year_dupes(key_rows, file, " ".join(key), c)
        out[key] = _step_table(key_rows)
    return out


def _read_keyed_weights(rows: list[_Row], key_col: str, value_col: str, choices: tuple[str, ...],
                        noun: str, c: _Collector) -> dict[str, float]:
    """A v2 table of one number per word from ``choices`` (stage mitigation, readiness points)."""
    out: dict[str, float] = {}
    for row in rows:
        word = row.text(key_col)
        value = row.number(value_col)
        if word not in choices:
            c.add(f"{word[:30]!r} is not a {noun} (one of {', '.join(choices)})", row.spec.file,
                  row.rn, key_col)
        elif word in out:
            c.add(f"duplicate {noun} {word}", row.spec.file, row.rn, key_col)
        elif value is not None:
            out[word] = value
    return out


def _load_v2_tables(body: _Body, c: _Collector, check_price_year: _PriceYearCheck) -> dict[str, Any]:
    """The new tables of METHOD.md v2 (each absent: its term is neutral)."""
    aq_flat = _year_rows(body("air_quality.csv"), c, check_price_year, "gbp_per_unit",
                         key_cols=("fuel", "sector"))
    for (_fuel, sector), _ in aq_flat.items():
        if sector and sector not in ENERGY_SECTORS:
            c.add(f"{sector[:30]!r} is not a sector", "air_quality.csv", None, "sector")
    air_quality: dict[str, dict[tuple[Any, ...], FuelRows]] = {}
    for (fuel, sector), fuel_rows in aq_flat.items():
        air_quality.setdefault(fuel, {})[(sector,)] = fuel_rows
    mec = {k[0]: v for k, v in _year_rows(body("marginal_external_costs.csv"), c, check_price_year,
                                          "gbp_per_car_km", key_cols=("component",)).items()}
    tcp = _year_rows(body("traded_carbon_price.csv"), c, check_price_year, "gbp_per_tco2e")
    stages = _read_keyed_weights(body("ob_stage_mitigation.csv"), "stage", "mitigation",
                                 BUSINESS_CASE_STAGES, "stage", c)
    weights = dict(DEFAULT_READINESS_WEIGHTS)
    weights.update(_read_keyed_weights(body("readiness_weights.csv"), "criterion", "points",
                                       READINESS_CRITERIA, "criterion", c))
    return dict(air_quality=air_quality, external_costs=mec,
                traded_carbon_price=tcp.get(()), ob_stage_mitigation=stages,
                readiness_weights=weights)
