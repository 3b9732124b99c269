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
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .discounting import step_lookup
from .errors import InputError, Problem

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
# falls back to asking the user for every input.
OPTIONAL_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "calculator_defaults.csv": ("calculator", "name", "value", "unit", "source"),
}

SOURCE_NOTE_WORDS = ("illustrative", "recalled", "secondary copy", "not verified", "check against")


@dataclass(frozen=True)
class Table:
    """A pack table as read, for display: column names and rows of strings."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def flagged_rows(self) -> list[int]:
        """Indices of rows whose source carries a caveat users must see."""
        if "source" not in self.columns:
            return []
        k = self.columns.index("source")
        return [i for i, r in enumerate(self.rows)
                if any(w in r[k].lower() for w in SOURCE_NOTE_WORDS)]


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


@dataclass(frozen=True)
class GapSector:
    sector: str
    label: str
    annual_gap_gbp: float
    first_year: int
    last_year: int
    price_year: int
    source: str


@dataclass
class AssumptionPack:
    """A validated assumption pack. Read-only by convention once loaded."""

    id: str
    name: str
    vintage: str
    notes: str
    folder: Path | None
    discount_schedules: dict[str, list[tuple[int, int | None, float]]]
    deflator: dict[int, float]
    carbon_price_year: int
    carbon_values: dict[str, YearTable]                     # series -> table
    emission_factors: dict[str, YearTable]                  # fuel -> kgCO2e per unit
    energy_prices: dict[str, YearTable]                     # fuel -> GBP per unit, at price year below
    energy_price_years: dict[str, np.ndarray]               # fuel -> price year of each row
    fuel_units: dict[str, str]
    categories: dict[str, Category]
    optimism_bias: dict[str, dict[str, float | None]]        # type -> column -> value
    additionality: dict[str, dict[str, float]]              # spatial level -> factor -> value
    investment_gap: dict[str, GapSector]
    parameters: dict[str, float]
    calculator_defaults: dict[str, dict[str, tuple[float, str, str]]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    # -- derived look-ups -------------------------------------------------
    @property
    def default_price_base_year(self) -> int:
        """METHOD.md notation: B defaults to the price year of the carbon values."""
        return self.carbon_price_year

    @property
    def deflator_years(self) -> tuple[int, int]:
        return min(self.deflator), max(self.deflator)

    def rebase_factor(self, from_year: int, to_year: int) -> float:
        """``D(to) / D(from)``: multiply a value at ``from_year`` prices by this.

        METHOD.md 1.1. A year missing from the deflator table is an input error.
        """
        try:
            return self.deflator[to_year] / self.deflator[from_year]
        except KeyError as exc:
            lo, hi = self.deflator_years
            raise InputError([Problem(
                f"price year {exc.args[0]} is outside the GDP deflator table ({lo}-{hi})",
                file="gdp_deflator.csv")]) from None

    def energy_prices_on(self, fuel: str, axis: np.ndarray, base_year: int
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Price of ``fuel`` on calendar years ``axis`` [GBP per unit at ``base_year``
        prices], and a mask of years past the table's last row.

        Each row is rebased from its own price year (METHOD.md 1.1), then the
        step rule of METHOD.md 3 picks the row of each year.
        """
        table = self.energy_prices[fuel]
        rebased = np.array([float(v) * (self.deflator[base_year] / self.deflator[int(py)])
                            for v, py in zip(table.values, self.energy_price_years[fuel])])
        rows = (np.zeros(axis.size, int) if table.years is None
                else step_lookup(table.years, axis))
        past = (np.zeros(axis.size, bool) if table.years is None else axis > table.years[-1])
        return rebased[rows], past

    def fuels(self) -> list[str]:
        return sorted(set(self.emission_factors) | set(self.energy_prices))

    def is_flagged(self) -> bool:
        return any(t.flagged_rows() for t in self.tables.values())


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

class _Collector:
    """Collects problems while parsing cells, so that all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, file: str, row: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(message, file=file, row=row, field=column))

    def number(self, text: str, file: str, row: int, column: str, *, lo: float | None = None,
               hi: float | None = None, required: bool = True) -> float | None:
        text = text.strip()
        if text == "":
            if required:
                self.add("is empty; a number is needed", file, row, column)
            return None
        try:
            value = float(text)
        except ValueError:
            self.add(f"{text[:40]!r} is not a number", file, row, column)
            return None
        if not math.isfinite(value):
            self.add(f"{text!r} is not a finite number", file, row, column)
            return None
        if lo is not None and value < lo or hi is not None and value > hi:
            rng = f"{lo if lo is not None else '-inf'} to {hi if hi is not None else 'inf'}"
            self.add(f"{value:g} is out of range ({rng})", file, row, column)
            return None
        return value

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
    """The table for display, and its rows in ``columns`` order, each ending
    with its spreadsheet row number (as text)."""
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
    body = []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) > len(header):
            c.add(f"row has {len(r)} cells but the header has {len(header)}", name, i)
            continue
        r = list(r) + [""] * (len(header) - len(r))
        body.append(tuple(r[header.index(col)] for col in columns) + (str(i),))
    if not body:
        c.add("table has no rows", name)
    for r in body:
        if "source" in columns and not r[columns.index("source")].strip():
            c.add("source is empty; every row must say where its figure comes from",
                  name, int(r[-1]), "source")
    return Table(name, columns, tuple(tuple(r[:-1]) for r in body)), body


def _rows(result) -> tuple[Table | None, list[tuple[str, ...]]]:
    if result is None:
        return None, []
    return result


def _dupes(keys: list[tuple], rownums: list[int], file: str, what: str, c: _Collector,
           column: str = "year") -> None:
    seen: dict[tuple, int] = {}
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
    manifest: dict = {}
    mpath = folder / "pack.json"
    if not mpath.is_file():
        c.add("file is missing from the pack", "pack.json")
    else:
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8-sig")[:MAX_TABLE_BYTES])
            if not isinstance(manifest, dict):
                raise ValueError("not an object")
        except (ValueError, OSError, RecursionError) as exc:
            c.add(f"is not a JSON object ({exc.__class__.__name__})", "pack.json")
            manifest = {}
        for key in ("id", "name", "vintage"):
            if manifest and not (isinstance(manifest.get(key), str) and manifest.get(key).strip()):
                c.add("is missing or not text", "pack.json", None, key)

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
    deflator: dict[int, float] = {}
    for r in body(f):
        rn = int(r[-1])
        y = c.year(r[0], f, rn, "year")
        v = c.number(r[1], f, rn, "index", lo=1e-9)
        if y is not None and v is not None:
            if y in deflator:
                c.add(f"duplicate year {y}", f, rn, "year")
            deflator[y] = v

    def check_price_year(y: int | None, file: str, rn: int) -> None:
        if y is not None and deflator and y not in deflator:
            c.add(f"price year {y} is not in gdp_deflator.csv", file, rn, "price_year")

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
        rate = c.number(r[3], f, rn, "rate", lo=0.0, hi=0.5)
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
        vals = [c.number(r[k], f, rn, s, lo=0.0) for k, s in enumerate(CARBON_SERIES, 1)]
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
    order = np.argsort(cy) if cy else np.array([], int)
    carbon = {s: YearTable(np.asarray(cy, int)[order], np.asarray(cvals[s], float)[order])
              for s in CARBON_SERIES}
    carbon_price_year = min(cpy) if cpy else 0

    # -- emission factors and energy prices (per fuel step tables)
    def fuel_tables(f: str, value_col: str, has_price_year: bool):
        per_fuel: dict[str, list[tuple[int | None, float, int | None, int]]] = {}
        units: dict[str, str] = {}
        for r in body(f):
            rn = int(r[-1])
            fuel, unit = r[0].strip(), r[1].strip()
            y = c.year(r[2], f, rn, "year", required=False)
            v = c.number(r[3], f, rn, value_col, lo=0.0)
            py = None
            if has_price_year:
                py = c.year(r[4], f, rn, "price_year")
                check_price_year(py, f, rn)
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
            if v is None or (has_price_year and py is None):
                continue
            per_fuel.setdefault(fuel, []).append((y, v, py, rn))
        out: dict[str, YearTable] = {}
        pys: dict[str, np.ndarray] = {}
        for fuel, rows in per_fuel.items():
            _dupes([(fuel, y if y is not None else "") for y, *_ in rows],
                   [rn for *_, rn in rows], f, "fuel and year", c)
            if any(y is None for y, *_ in rows):
                if len(rows) > 1:
                    c.add(f"{fuel} has a row with no year (applies to every year) and other rows; "
                          "give either one row with an empty year or one row per year", f,
                          rows[0][3], "year")
                out[fuel] = YearTable(None, np.array([rows[0][1]]))
                pys[fuel] = np.array([rows[0][2] or 0])
            else:
                rows = sorted(rows, key=lambda x: x[0])
                out[fuel] = YearTable(np.array([x[0] for x in rows], int),
                                      np.array([x[1] for x in rows], float))
                pys[fuel] = np.array([x[2] or 0 for x in rows], int)
        return out, pys, units

    emission_factors, _, ef_units = fuel_tables("emission_factors.csv", "kgco2e_per_unit", False)
    energy_prices, energy_pys, ep_units = fuel_tables("energy_prices.csv", "gbp_per_unit", True)
    for fuel in set(ef_units) & set(ep_units):
        if ef_units[fuel] != ep_units[fuel]:
            c.add(f"{fuel} is in {ep_units[fuel]!r} here but in {ef_units[fuel]!r} in "
                  "emission_factors.csv", "energy_prices.csv", None, "unit")
    for fuel in sorted(set(ef_units) ^ set(ep_units)):
        missing_in = "energy_prices.csv" if fuel in ef_units else "emission_factors.csv"
        c.add(f"fuel {fuel!r} has no rows here but has rows in the other fuel table", missing_in)

    # -- optimism bias
    f = "optimism_bias.csv"
    ob: dict[str, dict[str, float | None]] = {}
    for r in body(f):
        rn = int(r[-1])
        t = r[0].strip()
        vals = {col: c.number(r[k], f, rn, col, lo=0.0, hi=10.0, required=(col == "capex_upper"))
                for k, col in enumerate(TABLE_COLUMNS[f][1:5], 1)}
        if not t:
            c.add("project_type is empty", f, rn, "project_type")
        elif t in ob:
            c.add(f"duplicate project_type {t}", f, rn, "project_type")
        else:
            ob[t] = vals

    # -- additionality
    f = "additionality.csv"
    add: dict[str, dict[str, float]] = {}
    for r in body(f):
        rn = int(r[-1])
        level = r[0].strip()
        vals = {}
        for k, col in enumerate(ADDITIONALITY_FACTORS, 1):
            lo, hi = (1.0, 10.0) if col == "multiplier" else (0.0, 1.0)
            vals[col] = c.number(r[k], f, rn, col, lo=lo, hi=hi)
        if not level:
            c.add("spatial_level is empty", f, rn, "spatial_level")
        elif level in add:
            c.add(f"duplicate spatial_level {level}", f, rn, "spatial_level")
        elif None not in vals.values():
            add[level] = vals  # type: ignore[assignment]

    # -- investment gap
    f = "investment_gap.csv"
    gap: dict[str, GapSector] = {}
    for r in body(f):
        rn = int(r[-1])
        sector = r[0].strip()
        amount = c.number(r[2], f, rn, "annual_gap_gbp", lo=0.0)
        y0 = c.year(r[3], f, rn, "first_year")
        y1 = c.year(r[4], f, rn, "last_year")
        py = c.year(r[5], f, rn, "price_year")
        check_price_year(py, f, rn)
        if y0 is not None and y1 is not None and y1 < y0:
            c.add(f"last_year {y1} is before first_year {y0}", f, rn, "last_year")
            continue
        if not sector:
            c.add("sector is empty", f, rn, "sector")
        elif sector in gap:
            c.add(f"duplicate sector {sector}", f, rn, "sector")
        elif None not in (amount, y0, y1, py):
            gap[sector] = GapSector(sector, r[1].strip() or sector, amount, y0, y1, py,  # type: ignore[arg-type]
                                    r[6].strip())

    # -- categories
    f = "categories.csv"
    cats: dict[str, Category] = {}
    for r in body(f):
        rn = int(r[-1])
        cat = r[0].strip()
        sector = r[2].strip() or None
        ob_type = r[3].strip()
        jypm = c.number(r[4], f, rn, "job_years_per_million", lo=0.0, hi=1000.0)
        if sector is not None and "investment_gap.csv" in tables and sector not in gap:
            c.add(f"gap_sector {sector!r} is not a sector of investment_gap.csv", f, rn, "gap_sector")
        if "optimism_bias.csv" in tables and ob_type not in ob:
            c.add(f"ob_project_type {ob_type!r} is not a project_type of optimism_bias.csv",
                  f, rn, "ob_project_type")
        if not cat:
            c.add("category is empty", f, rn, "category")
        elif cat in cats:
            c.add(f"duplicate category {cat}", f, rn, "category")
        elif jypm is not None:
            cats[cat] = Category(cat, r[1].strip() or cat, sector, ob_type, jypm, r[5].strip())

    # -- parameters
    f = "parameters.csv"
    params: dict[str, float] = {}
    for r in body(f):
        rn = int(r[-1])
        name = r[0].strip()
        v = c.number(r[1], f, rn, "value")
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
    )
