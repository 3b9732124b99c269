"""The declaration of every table of an assumption pack: its columns, their types,
ranges and whether they are required (FORMAT.md 2 and 4; issue 12).

One source for three users: the loader (:mod:`appraisal.core.pack`) reads,
converts and range-checks every cell by its column here; the desktop
application lists the tables; :func:`markdown_table` writes the table of
columns that docs/FORMAT.md section 6 shows (a test keeps the two equal).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .limits import Range

ColumnType = Literal["text", "number", "year", "truth"]

CARBON_SERIES = ("low", "central", "high")
ADDITIONALITY_FACTORS = ("deadweight", "leakage", "displacement", "substitution", "multiplier")
QUALITY_LABELS = ("official", "secondary copy", "derived", "recalled", "illustrative")
ENERGY_SECTORS = ("domestic", "commercial", "industrial", "transport")
PRICE_BASES = ("resource", "retail")
FACTOR_BASES = ("appraisal", "reporting")
BUSINESS_CASE_STAGES = ("soc", "obc", "fbc")
READINESS_CRITERIA = ("planning_consent", "site_secured", "procurement_ready",
                      "match_funding_confirmed", "start_within_6_months", "start_within_12_months")


@dataclass(frozen=True)
class Column:
    """One column of a pack table.

    ``required``: the header must carry the column (False: a version 2 column a
    v1 pack lacks, read as empty). ``needed``: a number or year cell must not be
    empty (an empty optional number reads as ``default``); for a text column with
    ``choices`` (the words a cell may hold), whether empty is refused. The
    per-table functions of the loader check the choices, in their own words.
    """

    name: str
    type: ColumnType = "text"
    range: Range | None = None
    required: bool = True
    needed: bool = True
    default: float | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One CSV file of a pack: its columns in FORMAT.md order, the column(s) that
    key a row, and whether a pack must have the file (an optional table left out,
    or with a header and no rows, leaves its feature neutral, FORMAT.md 4)."""

    file: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required_file: bool = True
    doc: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.file} has no column {name}")

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required and c.name != "quality")

    @property
    def v2_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required and c.name != "quality")


_SHARE, _FACTOR = Range(0.0, 1.0, "fraction"), Range(1.0, 10.0, "factor")
_PER_UNIT = Range(0.0, 1e4, "GBP per unit")
_PER_TONNE = Range(0.0, 1e6, "GBP per tCO2e")
_OB = Range(0.0, 10.0, "fraction")
_SOURCE = Column("source", doc="where the figure comes from (never empty)")
_QUALITY = Column("quality", required=False, choices=QUALITY_LABELS,
                  doc="rows not official are flagged wherever their figures are shown")


def _v2(name: str, type: ColumnType = "text", range: Range | None = None, *,
        default: float | None = None, choices: tuple[str, ...] = (), needed: bool = False,
        doc: str = "") -> Column:
    """A version 2 column: a v1 pack may lack it, and an empty cell is neutral."""
    return Column(name, type, range, required=False, needed=needed, default=default, choices=choices,
                  doc=doc)


def _table(file: str, *columns: Column, key: tuple[str, ...] = (), optional: bool = False,
           doc: str = "") -> TableSpec:
    """A table whose rows end with ``source`` and an optional ``quality`` (every one)."""
    body = tuple(c for c in columns if c.required)
    v2 = tuple(c for c in columns if not c.required)
    return TableSpec(file, body + (_SOURCE,) + v2 + (_QUALITY,), key, not optional, doc)


_YEAR = Column("year", "year")
_STEP_YEAR = Column("year", "year", needed=False, doc="empty: the row applies to every year")
_PRICE_YEAR = Column("price_year", "year", doc="in the GDP deflator's years or after them")

TABLE_SPECS: tuple[TableSpec, ...] = (
    _table("discount_schedules.csv", Column("schedule"), Column("from_year", "year"),
           Column("to_year", "year", needed=False, doc="empty: no end"),
           Column("rate", "number", Range(0.0, 0.5, "fraction a year")), key=("schedule", "from_year")),
    _table("gdp_deflator.csv", _YEAR, Column("index", "number", Range(0.001, 1e6, "index")),
           key=("year",)),
    _table("carbon_values.csv", _YEAR,
           *(Column(s, "number", _PER_TONNE) for s in CARBON_SERIES), _PRICE_YEAR, key=("year",)),
    _table("emission_factors.csv", Column("fuel"), Column("unit"), _STEP_YEAR,
           Column("kgco2e_per_unit", "number", Range(0.0, 1e4, "kgCO2e per unit")),
           _v2("sector", choices=ENERGY_SECTORS), _v2("basis", choices=FACTOR_BASES, needed=True),
           _v2("traded", "truth"), key=("fuel", "basis", "sector", "year")),
    _table("energy_prices.csv", Column("fuel"), Column("unit"), _STEP_YEAR,
           Column("gbp_per_unit", "number", _PER_UNIT), _PRICE_YEAR,
           _v2("sector", choices=ENERGY_SECTORS), _v2("basis", choices=PRICE_BASES, needed=True),
           _v2("series", choices=CARBON_SERIES), _v2("vat_rate", "number", _SHARE, default=0.0),
           _v2("duty_gbp_per_unit", "number", _PER_UNIT, default=0.0),
           key=("fuel", "basis", "sector", "series", "year")),
    _table("categories.csv", Column("category"), Column("label"), Column("gap_sector"),
           Column("ob_project_type"),
           Column("job_years_per_million", "number", Range(0.0, 1000.0, "job-years per GBP 1m")),
           _v2("energy_sector", choices=ENERGY_SECTORS),
           _v2("benefit_deadweight", "number", _SHARE, default=0.0),
           _v2("comfort_taking", "number", _SHARE),
           _v2("embodied_tco2e_per_million", "number", Range(0.0, 1e5, "tCO2e per GBP 1m"),
               default=0.0),
           _v2("psds_test", "truth"), key=("category",)),
    _table("optimism_bias.csv", Column("project_type"),
           Column("capex_upper", "number", _OB),
           *(Column(c, "number", _OB, needed=False)
             for c in ("capex_lower", "duration_upper", "duration_lower")), key=("project_type",)),
    _table("additionality.csv", Column("spatial_level"),
           *(Column(f, "number", _FACTOR if f == "multiplier" else _SHARE)
             for f in ADDITIONALITY_FACTORS), key=("spatial_level",)),
    _table("investment_gap.csv", Column("sector"), Column("label"),
           Column("annual_gap_gbp", "number", Range(0.0, 1e13, "GBP a year")),
           Column("first_year", "year", needed=False, doc="empty with last_year: from the appraisal year"),
           Column("last_year", "year", needed=False), _PRICE_YEAR, key=("sector",)),
    # a parameter the method does not read; the ones it reads have PARAMETER_RANGES
    _table("parameters.csv", Column("name"), Column("value", "number", Range(-1e13, 1e13)),
           key=("name",)),
    # the calculator checks its own range
    _table("calculator_defaults.csv", Column("calculator"), Column("name"),
           Column("value", "number", Range(0.0, 1e9)), Column("unit"), optional=True,
           key=("calculator", "name")),
    _table("air_quality.csv", Column("fuel"), Column("sector", choices=ENERGY_SECTORS, needed=False), _STEP_YEAR,
           Column("gbp_per_unit", "number", _PER_UNIT), _PRICE_YEAR, optional=True,
           key=("fuel", "sector", "year")),
    _table("marginal_external_costs.csv", Column("component"), _STEP_YEAR,
           Column("gbp_per_car_km", "number", Range(-1e3, 1e3, "GBP per car-km")), _PRICE_YEAR,
           optional=True, key=("component", "year")),
    _table("ob_stage_mitigation.csv", Column("stage", choices=BUSINESS_CASE_STAGES),
           Column("mitigation", "number", _SHARE), optional=True, key=("stage",)),
    _table("readiness_weights.csv", Column("criterion", choices=READINESS_CRITERIA),
           Column("points", "number", Range(0.0, 100.0, "points")), optional=True, key=("criterion",)),
    _table("traded_carbon_price.csv", _STEP_YEAR, Column("gbp_per_tco2e", "number", _PER_TONNE),
           _PRICE_YEAR, optional=True, key=("year",)),
)
SPECS: dict[str, TableSpec] = {s.file: s for s in TABLE_SPECS}

# parameters.csv: the range of each parameter the method reads
PARAMETER_RANGES: dict[str, Range] = {
    "job_years_per_permanent_job": Range(0.0, 1000.0, "job-years", open_lo=True),
    "public_carbon_cost_threshold": _PER_TONNE,
    "deflator_forecast_growth": Range(-0.5, 1.0, "fraction a year", open_lo=True),
    "default_price_base_year": Range(1, 3000, "calendar year", whole=True),
    "gap_window_years": Range(1, 300, "years", whole=True),
    "network_reinforcement_gbp_per_kw": Range(0.0, 1e6, "GBP per kW"),
}

DOC_BEGIN = "<!-- pack-columns: generated by appraisal.core.pack_spec.markdown_table; do not edit -->"
DOC_END = "<!-- pack-columns: end -->"


def _range_words(r: Range | None) -> str:
    return "" if r is None else r.words() + (" (whole)" if r.whole else "")


def _cell_words(col: Column) -> str:
    """What a cell holds, in the words of the documentation table."""
    if col.type == "number":
        return _range_words(col.range)
    if col.type == "year":
        return "0 to 3000 calendar year (whole)"
    if col.type == "truth":
        return "true or false (yes/no, 1/0; empty: false)"
    if not col.choices:
        return "text"
    return "one of " + ", ".join(col.choices) + ("" if col.needed else ", or empty")


def _required_words(col: Column) -> str:
    """Whether the header must carry the column, and whether a cell may be empty."""
    if not col.required:
        return "no" if col.name == "quality" else "no (version 2)"
    if col.type in ("number", "year") and not col.needed:
        return "yes; a cell may be empty"
    return "yes"


def _notes(col: Column) -> str:
    empty = "" if col.type != "number" or col.needed else \
        f"; empty: {'not given' if col.default is None else format(col.default, 'g')}"
    return empty + (f"; {col.doc}" if col.doc else "")


def markdown_table() -> str:
    """The Markdown table of every pack file's columns (type, unit or range,
    whether required), then the ranges of the parameters the method reads:
    docs/FORMAT.md section 6 holds exactly this text between its markers."""
    lines = [DOC_BEGIN, "", "| pack table, column | type | unit or range | required |",
             "| --- | --- | --- | --- |"]
    for table in TABLE_SPECS:
        for col in table.columns:
            required = _required_words(col) if table.required_file else "optional file; " + _required_words(col)
            lines.append(f"| `{table.file}` `{col.name}` | {col.type} | {_cell_words(col)}{_notes(col)} "
                         f"| {required} |")
    lines += ["", "| pack parameter (`parameters.csv` `name`) | range |", "| --- | --- |"]
    lines += [f"| `parameters.csv` `{name}` | {_range_words(r)} |" for name, r in PARAMETER_RANGES.items()]
    return "\n".join(lines + ["", DOC_END])
