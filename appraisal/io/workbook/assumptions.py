"""The ``Assumptions`` sheet: portfolio settings, every pack table with its
sources and quality labels, and the year tables (step look-ups rebased to the
price base, per energy sector) that the project sheets read.

Everything the project sheets need is reached through workbook names
(``AppraisalYear``, ``DS_Rate``, ``YT_CV``, ``YT_EF_grid_electricity`` ...),
so that their formulas read like the method and survive rows being added to
a table. A pack row that is not ``official`` (FORMAT.md 4) is shaded and shows
its quality label in red.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...core.appraise import Options
from ...core.discounting import band_rates, discount_factors
from ...core.pack import CARBON_SERIES, PARAMETER_DEFAULTS, AssumptionPack, Table
from ...core.results import METHOD_VERSION, VFM_BANDS, VFM_LOWEST
from ...core.words import OB_TYPE_NAMES, SPATIAL_LEVEL_NAMES, STAGE_NAMES
from .input_register import InputRegister
from .layout import (FACTOR, MONEY, NUM2, NUM5, PCT, RATIO, YEAR, Formats, cell, col_range, page_setup,
                     write_text)
from .year_tables import SECTOR_NAMES, write_traded_flags, write_year_tables

SHEET = "Assumptions"
DT_MIN_YEARS = 400    # rows of the discount-factor table (t = 0..400 at least)
DT_MARGIN = 100       # beyond the workbook's years, for an appraisal year moved earlier
DEFLATOR_MARGIN = 10  # extrapolated deflator years past the last year any sheet uses
NUM0_ = "0"
QUALITY_COL, SOURCE_COL = 13, 14
SOURCE_WIDTH = 50     # characters: the source column
HEADER_CHARS = 11     # a column name longer than this wraps onto a second line
# pack parameters -> workbook names
PARAMETER_NAMES = {"job_years_per_permanent_job": "JobYearsPerJob",
                   "public_carbon_cost_threshold": "CarbonCostThreshold",
                   "deflator_forecast_growth": "DeflatorGrowth",
                   "default_price_base_year": "DefaultPriceBaseYear",
                   "gap_window_years": "GapWindowYears",
                   "network_reinforcement_gbp_per_kw": "NR_GBPperkW"}
TRUE_WORDS = ("true", "yes", "1")


@dataclass
class YearAxis:
    """The workbook's calendar years and the per-year values of the year
    tables, as the application computed them (the formulas' cached values)."""

    years: np.ndarray
    rate: np.ndarray       # r(t), 0 for t <= 0
    df: np.ndarray         # DF(t), 0 before the appraisal year (sunk)
    df_health: np.ndarray  # DF(t) of the health schedule (the main one without it)
    cv: np.ndarray         # carbon value of the chosen series at base prices
    tcp: np.ndarray        # carbon price inside traded fuels' costs, base prices
    mec: np.ndarray        # marginal external costs of a car-km, summed, base prices
    nominal: np.ndarray    # D(y) / D(B) on a nominal financial basis, else 1


def year_axis(pack: AssumptionPack, opts: Options, years: np.ndarray) -> YearAxis:
    t = years - opts.appraisal_year
    post = t >= 0
    t_max = max(int(t[-1]), 0)

    def factors(schedule: str) -> tuple[np.ndarray, np.ndarray]:
        bands = pack.discount_schedules[schedule]
        rate, df = np.zeros(years.size), np.zeros(years.size)
        rate[post] = band_rates(bands, t_max)[t[post]]
        rate[t == 0] = 0.0
        df[post] = discount_factors(bands, t_max)[t[post]]
        return rate, df

    rate, df = factors(opts.discount_schedule)
    df_health = factors("health")[1] if "health" in pack.discount_schedules else df
    B = opts.price_base_year
    cv = pack.carbon_values[opts.carbon_series].on_axis(years)[0] \
        * pack.rebase_factor(pack.carbon_price_year, B)
    nominal = np.ones(years.size)
    if opts.financial_basis == "nominal":
        nominal = np.array([pack.deflator[int(y)] for y in years]) / pack.deflator[B]
    return YearAxis(years, rate, df, df_health, cv, pack.traded_price_on(years, B),
                    pack.external_cost_on(years, B), nominal)


@dataclass(frozen=True)
class Block:
    """The rows of one key of a long table on the sheet (a fuel's appraisal
    factors for a sector, a component's external costs...): first and last
    row, whether it is one row for every year, and its columns."""

    first: int
    last: int
    single: bool
    year_col: int
    value_col: int                       # the value at base prices (or the factor)
    cols: dict[str, int] = field(default_factory=dict)   # other columns by name

    def step(self, y_ref: str, col: int | None = None) -> str:
        """METHOD.md 3: the row of the latest year at or before ``y`` (the first
        row before the table, the last after it), as a formula without '='."""
        col = self.value_col if col is None else col
        if self.single:
            return cell(self.first, col)
        years = col_range(self.year_col, self.first, self.last)
        return (f"INDEX({col_range(col, self.first, self.last)},IF({y_ref}<MIN({years}),1,"
                f"MATCH({y_ref},{years},1)))")


class _Writer:
    """Writes one table after another down the sheet, with names and provenance."""

    def __init__(self, wb, ws, fmt: Formats, pack: AssumptionPack, opts: Options) -> None:
        self.wb, self.ws, self.fmt, self.pack, self.opts = wb, ws, fmt, pack, opts
        self.row = 0
        self.register: InputRegister | None = None   # marks the settings' cells
        self.blocks: dict[str, dict[tuple, Block]] = {}   # table -> key -> rows on the sheet
        self._flagged: dict[str, set[int]] = {}

    def name(self, name: str, ref: str) -> None:
        self.wb.define_name(name, f"={SHEET}!{ref}")

    def title(self, text: str, note: str | None = None) -> None:
        self.row += 1
        write_text(self.ws, self.row, 0, text, self.fmt.subtitle)
        if note:
            write_text(self.ws, self.row, 2, note, self.fmt.note)
        self.row += 1

    def header(self, labels: list[str], provenance: bool = True) -> None:
        labels = [label.replace("_", " ") for label in labels]   # pack column names in words
        for c, label in enumerate(labels):
            if label:
                write_text(self.ws, self.row, c, label, self.fmt.header)
        if any(len(label) > HEADER_CHARS for label in labels[1:]):
            self.ws.set_row(self.row, 30)   # two lines: a long column name wraps, not cut
        if provenance:
            write_text(self.ws, self.row, QUALITY_COL, "quality", self.fmt.header)
            write_text(self.ws, self.row, SOURCE_COL, "source", self.fmt.header)
        self.row += 1

    def provenance(self, table: Table | None, i: int | None, quality: str = "",
                   source: str = "") -> bool:
        """Write the row's quality label and source. Returns True when the row is
        to be marked: not ``official`` (FORMAT.md 4; a v1 pack: a caveat word in
        its source), or a value the pack does not give."""
        flagged = quality not in ("", "official")
        if table is not None and i is not None:
            if table.name not in self._flagged:
                self._flagged[table.name] = set(table.flagged_rows())
            flagged = i in self._flagged[table.name]
            quality = table.quality_of(i) or ("official" if "quality" in table.columns else "")
            if "source" in table.columns:
                source = table.rows[i][table.columns.index("source")]
        write_text(self.ws, self.row, QUALITY_COL, quality,
                   self.fmt.flag_label if flagged else self.fmt.text)
        # one line a row, cut at the page's edge when printed: the pack's sources run to
        # 88,000 characters, some 20 pages wrapped; the cell holds the whole text
        write_text(self.ws, self.row, SOURCE_COL, source, self.fmt.flag if flagged else self.fmt.text)
        return flagged

    def text(self, col: int, value: str, flag: bool) -> None:
        write_text(self.ws, self.row, col, value, self.fmt.text_cell(flag=flag))

    def number(self, col: int, value: float | None, num_fmt: str, *, input: bool = True,
               flag: bool = False) -> None:
        f = self.fmt.num(num_fmt, input=input, flag=flag and not input)
        if value is None:
            self.ws.write_blank(self.row, col, None, f)
        else:
            self.ws.write_number(self.row, col, float(value), f)

    def formula(self, col: int, text: str, num_fmt: str, value, flag: bool = False) -> None:
        self.ws.write_formula(self.row, col, text, self.fmt.num(num_fmt, flag=flag), value)

    def rebase(self, price: float, price_year: int) -> float:
        return price * self.pack.rebase_factor(price_year, self.opts.price_base_year)


def _row_index(table: Table | None, column: str, key: str) -> int | None:
    """The index of the first row of ``table`` whose ``column`` is ``key``."""
    if table is None or column not in table.columns:
        return None
    k = table.columns.index(column)
    return next((i for i, r in enumerate(table.rows) if r[k].strip() == key), None)


def _text(table: Table, row: tuple[str, ...], column: str) -> str:
    """A cell of a pack row as read ('' where the table lacks the column)."""
    return row[table.columns.index(column)].strip() if column in table.columns else ""


def _rebase_formula(value_col: int, price_year_col: int, r: int) -> str:
    return (f"={cell(r, value_col)}*INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
            f"INDEX(Defl_Index,MATCH({cell(r, price_year_col)},Defl_Year,0))")


def write_assumptions(wb, fmt: Formats, pack: AssumptionPack, opts: Options, axis: YearAxis,
                      last_price_year: int, register: InputRegister | None = None) -> None:
    """Write the sheet. ``last_price_year`` is the latest year any project's money
    is priced in: the deflator is extrapolated at least that far. The portfolio
    settings' cells are marked in ``register`` (for reading the workbook back)."""
    ws = wb.add_worksheet(SHEET)
    ws.set_column(0, 0, 32)
    ws.set_column(1, QUALITY_COL - 1, 11)
    ws.set_column(QUALITY_COL, QUALITY_COL, 14)
    ws.set_column(SOURCE_COL, SOURCE_COL, SOURCE_WIDTH)
    ws.freeze_panes(1, 0)
    w = _Writer(wb, ws, fmt, pack, opts)
    w.register = register
    write_text(ws, 0, 0, f"Assumptions: {pack.name}", fmt.title)
    write_text(ws, 1, 0, f"Pack id {pack.id}, vintage {pack.vintage}; method version "
                         f"{METHOD_VERSION}. {pack.notes}", fmt.note)
    write_text(ws, 2, 0, "Yellow cells are inputs: change one and every project sheet and the "
                         "Summary recalculate. Rows whose quality is not 'official' (secondary "
                         "copy, derived, recalled, illustrative, or a default or extrapolation "
                         "the pack does not give) are shaded orange with the label in red: check "
                         "them before a formal business case.", fmt.note)
    w.row = 3
    _settings(w)
    _parameters(w)
    _vfm_bands(w)
    _deflator(w, max(int(axis.years[-1]), last_price_year, opts.price_base_year) + DEFLATOR_MARGIN)
    _discount_schedules(w)
    _carbon_values(w)
    _emission_factors(w)
    _energy_prices(w)
    _small_year_tables(w)
    _categories(w)
    _optimism_bias(w)
    _additionality(w)
    _investment_gap(w)
    _readiness_weights(w)
    _calculator_defaults(w)
    write_traded_flags(w)
    # printed: the pack's tables with quality and source, one after another; the
    # derived tables below (discount factors by t, year tables) are for the formulas
    ws.print_area(0, 0, w.row - 1, SOURCE_COL)
    w.row += 1
    write_text(ws, w.row, 0, "Derived tables (not printed): the discount factors and the year "
                             "tables every project sheet reads", fmt.title)
    w.row += 1
    _discount_factors(w, axis)
    write_year_tables(w, axis)
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(0, 0))


# ---------------------------------------------------------------------------
# Settings, parameters, bands
# ---------------------------------------------------------------------------

# the Assumptions sheet's setting (its defined name) -> the portfolio field it holds
SETTING_FIELDS = {"AppraisalYear": "appraisal_year", "PriceBaseYear": "price_base_year",
                  "CarbonSeries": "carbon_series", "EnergySeries": "energy_series",
                  "DiscountSchedule": "discount_schedule", "FinancialRate": "financial_discount_rate",
                  "FinancialBasis": "financial_basis", "FinancialOBShare": "financial_ob_share",
                  "VfmBasis": "vfm_basis"}


def _settings(w: _Writer) -> None:
    ws, fmt, pack, opts = w.ws, w.fmt, w.pack, w.opts
    w.title("Portfolio settings", "the choices every figure is computed under")
    settings = [
        ("Appraisal year (year 0)", "AppraisalYear", opts.appraisal_year, YEAR,
         "METHOD.md notation A: t = year - A", None),
        ("Price base year", "PriceBaseYear", opts.price_base_year, YEAR,
         "all money in real terms at these prices", None),
        ("Carbon value series", "CarbonSeries", opts.carbon_series, None, "low, central or high",
         list(CARBON_SERIES)),
        ("Energy price series", "EnergySeries", opts.energy_series, None,
         "low, central or high: the rows of energy_prices.csv used", list(CARBON_SERIES)),
        ("Discount schedule", "DiscountSchedule", opts.discount_schedule, None,
         ", ".join(pack.discount_schedules), list(pack.discount_schedules)),
        ("Financial discount rate", "FinancialRate", opts.financial_discount_rate, PCT,
         "the promoter's constant rate for the financial NPV (nominal on a nominal basis)", None),
        ("Financial basis", "FinancialBasis", opts.financial_basis, None,
         "real, or nominal: cash flows inflated by the deflator from the price base year",
         ["real", "nominal"]),
        ("Optimism bias in the financial case", "FinancialOBShare", opts.financial_ob_share, PCT,
         "share of the capex uplift the promoter must fund (0 gives version 1)", None),
        ("Value-for-money basis", "VfmBasis", opts.vfm_basis, None,
         "public: the funder BCR; social: the social BCR", ["public", "social"]),
    ]
    for label, name, value, num_fmt, note, choices in settings:
        write_text(ws, w.row, 0, label)
        if num_fmt is None:
            ws.write_string(w.row, 1, str(value), fmt.input_text())
            ws.data_validation(w.row, 1, w.row, 1, {"validate": "list", "source": choices})
        else:
            ws.write_number(w.row, 1, value, fmt.num(num_fmt, input=True))
        write_text(ws, w.row, 2, note, fmt.note)
        w.name(name, cell(w.row, 1))
        if w.register is not None:
            w.register.add((SETTING_FIELDS[name],), SHEET, w.row, 1, value,
                           "text" if num_fmt is None else "integer" if num_fmt == YEAR else "number")
        w.row += 1
    write_text(ws, w.row, 0, "Method version")
    ws.write_number(w.row, 1, METHOD_VERSION, fmt.num(NUM0_))
    write_text(ws, w.row, 2, "METHOD.md version 2 (docs/METHOD.md)", fmt.note)
    w.row += 1
    write_text(ws, w.row, 0, "Energy sectors")
    write_text(ws, w.row, 2, "the columns of the sector year tables, in this order", fmt.note)
    for c, s in enumerate(SECTOR_NAMES, 3):
        write_text(ws, w.row, c, s)
    w.name("Sector_Names", f"{cell(w.row, 3)}:{cell(w.row, 2 + len(SECTOR_NAMES))}")
    w.row += 1
    write_text(ws, w.row, 0, "Energy price series")
    write_text(ws, w.row, 2, "in the order of the CHOOSE of the year tables", fmt.note)
    for c, s in enumerate(CARBON_SERIES, 3):
        write_text(ws, w.row, c, s)
    w.name("Series_List", f"{cell(w.row, 3)}:{cell(w.row, 2 + len(CARBON_SERIES))}")
    w.row += 1


def _parameters(w: _Writer) -> None:
    pack = w.pack
    table = pack.tables.get("parameters.csv")
    w.title("Parameters", "parameters.csv; a parameter the pack does not give takes METHOD.md's "
                          "default")
    w.header(["name", "value", "at base prices"])
    values = dict(pack.parameters)
    defaults = {**PARAMETER_DEFAULTS, "default_price_base_year": float(pack.default_price_base_year)}
    for name, v in defaults.items():
        values.setdefault(name, v)
    for name, value in values.items():
        given = name in pack.parameters
        flagged = w.provenance(table, _row_index(table, "name", name)) if given else w.provenance(
            None, None, "default", "not in the pack: METHOD.md's default (for "
            "default_price_base_year, the carbon values' price year)")
        w.text(0, name, flagged)
        w.number(1, value, YEAR if name == "default_price_base_year" else NUM2)
        if name in PARAMETER_NAMES:
            w.name(PARAMETER_NAMES[name], cell(w.row, 1))
        if name == "network_reinforcement_gbp_per_kw":
            # METHOD.md 10.8: at prices of the default price base year
            w.formula(2, f"={cell(w.row, 1)}*INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
                         "INDEX(Defl_Index,MATCH(DefaultPriceBaseYear,Defl_Year,0))", NUM2,
                      w.rebase(value, pack.default_price_base_year))
            w.name("NR_Rate", cell(w.row, 2))
        w.row += 1


def _vfm_bands(w: _Writer) -> None:
    """METHOD.md 3 (v2): the bands of the core's ``VFM_BANDS`` (a rule, not a pack table)."""
    ws, fmt = w.ws, w.fmt
    w.title("Value-for-money bands", "METHOD.md 3: applied to the BCR of the value-for-money "
                                     "basis; an adjustment moves a band up or down, stopping at "
                                     "the ends")
    w.header(["band", "BCR at least"], provenance=False)
    first = w.row
    write_text(ws, w.row, 0, VFM_LOWEST)
    write_text(ws, w.row, 1, "(below the next)", fmt.note)
    w.row += 1
    for lower, label in reversed(VFM_BANDS):
        write_text(ws, w.row, 0, label)
        ws.write_number(w.row, 1, lower, fmt.num(RATIO))
        w.row += 1
    w.name("VfM_Label", col_range(0, first, w.row - 1))
    w.name("VfM_Lower", col_range(1, first + 1, w.row - 1))


# ---------------------------------------------------------------------------
# Deflator, discounting, carbon values
# ---------------------------------------------------------------------------

def _deflator(w: _Writer, last_year: int) -> None:
    pack, ws, fmt = w.pack, w.ws, w.fmt
    D = pack.deflator
    table = pack.tables.get("gdp_deflator.csv")
    w.title("GDP deflator", "gdp_deflator.csv: index, rebases money from its price year to the "
                            "base; years after the table are extrapolated at "
                            "deflator_forecast_growth a year (METHOD.md 1.1)")
    w.header(["year", "index"])
    first = w.row
    for y in sorted(D):
        flagged = w.provenance(table, _row_index(table, "year", str(y)))
        ws.write_number(w.row, 0, y, fmt.num(YEAR, flag=flagged))
        w.number(1, D[y], NUM5)
        w.row += 1
    for y in range(D.last_year + 1, last_year + 1):
        w.provenance(None, None, "extrapolated", f"extrapolated: the {y - 1} index x (1 + "
                     "deflator_forecast_growth); not in the pack (METHOD.md 1.1)")
        ws.write_number(w.row, 0, y, fmt.num(YEAR, flag=True))
        w.formula(1, f"={cell(w.row - 1, 1)}*(1+DeflatorGrowth)", NUM5, D[y], flag=True)
        w.row += 1
    w.name("Defl_Year", col_range(0, first, w.row - 1))
    w.name("Defl_Index", col_range(1, first, w.row - 1))


def _discount_schedules(w: _Writer) -> None:
    table = w.pack.tables.get("discount_schedules.csv")
    w.title("Discount schedules", "discount_schedules.csv; r(t) is the rate of the band that holds t")
    w.header(["schedule", "from_year", "to_year", "rate", "to (for look-ups)"])
    first = w.row
    for name, bands in w.pack.discount_schedules.items():
        for lo, hi, rate in bands:
            i = next((k for k, r in enumerate(table.rows) if r[0].strip() == name
                      and int(r[1]) == lo), None) if table else None
            flagged = w.provenance(table, i)
            w.text(0, name, flagged)
            w.number(1, lo, YEAR)
            w.number(2, hi, YEAR)
            w.number(3, rate, "0.00%")
            w.formula(4, f'=IF({cell(w.row, 2)}="",1E+9,{cell(w.row, 2)})', YEAR,
                      1e9 if hi is None else hi)
            w.row += 1
    for col, nm in ((0, "DS_Schedule"), (1, "DS_From"), (4, "DS_To"), (3, "DS_Rate")):
        w.name(nm, col_range(col, first, w.row - 1))


def _discount_factors(w: _Writer, axis: YearAxis) -> None:
    """The chains every project sheet reads, by t: the schedule in use and
    (METHOD.md 1.2, v2) the health schedule for streams marked 'health'."""
    pack, ws, fmt = w.pack, w.ws, w.fmt
    has_health = "health" in pack.discount_schedules
    w.title("Discount factors", "by years from the appraisal year: DF(0) = 1, DF(t) = DF(t-1) / "
                                "(1 + r(t)), r(t) the rate of the band of the schedule in use; "
                                "benefit streams marked 'health' use the health schedule"
                                + ("" if has_health else " (none in this pack: the main one)"))
    w.header(["t", "rate r(t)", "DF(t)", "health r(t)", "health DF(t)"], provenance=False)
    first = w.row
    t_max = max(DT_MIN_YEARS, int(axis.years[-1] - axis.years[0]) + DT_MARGIN)
    main = pack.discount_schedules[w.opts.discount_schedule]
    health = pack.discount_schedules.get("health", main)
    cached = {1: band_rates(main, t_max), 2: discount_factors(main, t_max),
              3: band_rates(health, t_max), 4: discount_factors(health, t_max)}
    for t in range(t_max + 1):
        r = w.row
        ws.write_number(r, 0, t, fmt.num(NUM0_))
        for col, schedule in ((1, "DiscountSchedule"), (3, '"health"')):
            if col == 3 and not has_health:
                rate = f"={cell(r, 1)}"
            else:
                rate = (f'=IF({cell(r, 0)}=0,0,SUMIFS(DS_Rate,DS_Schedule,{schedule},'
                        f'DS_From,"<="&{cell(r, 0)},DS_To,">="&{cell(r, 0)}))')
            ws.write_formula(r, col, rate, fmt.num("0.00%"), 0.0 if t == 0 else float(cached[col][t]))
            ws.write_formula(r, col + 1, "=1" if t == 0 else f"={cell(r - 1, col + 1)}/(1+{cell(r, col)})",
                             fmt.num(FACTOR), float(cached[col + 1][t]))
        w.row += 1
    w.name("DT_Rate", col_range(1, first, w.row - 1))
    w.name("DT_DF", col_range(2, first, w.row - 1))
    w.name("DT_DFH", col_range(4, first, w.row - 1))


def _carbon_values(w: _Writer) -> None:
    pack, ws, fmt = w.pack, w.ws, w.fmt
    table = pack.tables.get("carbon_values.csv")
    w.title("Carbon values", "carbon_values.csv: GBP per tCO2e at the row's price year")
    w.header(["year", "low", "central", "high", "price_year"])
    first = w.row
    cv = pack.carbon_values
    for k, y in enumerate(cv["central"].years):
        flagged = w.provenance(table, _row_index(table, "year", str(int(y))))
        ws.write_number(w.row, 0, int(y), fmt.num(YEAR, flag=flagged))
        for c, series in enumerate(CARBON_SERIES, 1):
            w.number(c, float(cv[series].values[k]), NUM2)
        w.number(4, pack.carbon_price_year, YEAR, input=False, flag=flagged)
        w.row += 1
    w.name("CV_Year", col_range(0, first, w.row - 1))
    w.name("CV_Values", f"{cell(first, 1)}:{cell(w.row - 1, 3)}")
    w.name("CV_Header", f"{cell(first - 1, 1)}:{cell(first - 1, 3)}")
    write_text(ws, w.row, 0, "Rebase factor to the price base")
    ws.write_formula(w.row, 1, f"=INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
                               f"INDEX(Defl_Index,MATCH({cell(first, 4)},Defl_Year,0))",
                     fmt.num(FACTOR), w.rebase(1.0, pack.carbon_price_year))
    w.name("CV_Rebase", cell(w.row, 1))
    w.row += 1


# ---------------------------------------------------------------------------
# Long tables by key: each key's rows together, in year order
# ---------------------------------------------------------------------------

def _keyed_rows(table: Table, keys: tuple[str, ...]) -> list[tuple[tuple, list[tuple[int, int | None]]]]:
    """Every row of ``table`` as (key, [(row index, year)...]), the rows of a key
    together and in year order, as the step look-ups need."""
    groups: dict[tuple, list[tuple[int, int | None]]] = {}
    for i, r in enumerate(table.rows):
        y = _text(table, r, "year")
        groups.setdefault(tuple(_text(table, r, k) for k in keys), []).append(
            (i, int(float(y)) if y else None))
    return [(key, sorted(rows, key=lambda x: -1 if x[1] is None else x[1]))
            for key, rows in sorted(groups.items())]


def _long_table(w: _Writer, file: str, keys: tuple[str, ...], columns: list[tuple],
                value_col: int, title: str, note: str) -> None:
    """Write a long pack table, one block per key, every row with its provenance.

    ``columns``: (sheet column, pack column, kind) with kind ``text``, ``year``,
    ``number`` (an input, with its number format), ``flag`` (true/false as an
    input 1 or 0) or ``rebased`` (a formula: the pack column at base prices,
    with the price year in column ``price_year``).
    """
    ws, fmt = w.ws, w.fmt
    table = w.pack.tables.get(file)
    w.title(title, note)
    w.header(_labels(columns))
    blocks: dict[tuple, Block] = {}
    if table is None:
        write_text(ws, w.row, 0, f"{file} is absent (or has no rows): the term is zero", fmt.note)
        w.row += 1
        w.blocks[file] = blocks
        return
    year_col = next((c for c, name, *_ in columns if name == "year"), 0)
    at = {name: c for c, name, kind, *_ in columns if kind != "rebased"}
    for key, rows in _keyed_rows(table, keys):
        start = w.row
        for i, y in rows:
            r = table.rows[i]
            flagged = w.provenance(table, i)
            for c, name, kind, *more in columns:
                if kind == "text":
                    w.text(c, _text(table, r, name), flagged)
                elif kind == "year" and y is not None:
                    ws.write_number(w.row, c, y, fmt.num(YEAR, flag=flagged))
                elif kind == "number":
                    v = _text(table, r, name)
                    w.number(c, float(v) if v else (0.0 if more[1] else None), more[0])
                elif kind == "flag":
                    w.number(c, 1.0 if _text(table, r, name).lower() in TRUE_WORDS else 0.0, NUM0_)
                elif kind == "rebased":
                    v = float(_text(table, r, name) or 0.0)
                    py = int(_text(table, r, "price_year"))
                    w.formula(c, _rebase_formula(at[name], at["price_year"], w.row), more[0],
                              w.rebase(v, py), flagged)
            w.row += 1
        blocks[key] = Block(start, w.row - 1, rows[0][1] is None, year_col, value_col,
                            {name + ("@base" if kind == "rebased" else ""): c
                             for c, name, kind, *_ in columns})
    w.blocks[file] = blocks


def _labels(columns: list[tuple]) -> list[str]:
    labels = [""] * (max(c for c, *_ in columns) + 1)
    for c, name, kind, *_ in columns:
        labels[c] = (f"{name} at base prices" if kind == "rebased" else
                     f"{name} (1 = yes)" if kind == "flag" else name)
    return labels


def _emission_factors(w: _Writer) -> None:
    _long_table(w, "emission_factors.csv", ("fuel", "basis", "sector"), [
        (0, "fuel", "text"), (1, "unit", "text"), (2, "year", "year"), (3, "sector", "text"),
        (4, "basis", "text"), (5, "traded", "flag"), (6, "kgco2e_per_unit", "number", NUM5, False),
    ], 6, "Emission factors", "emission_factors.csv: kgCO2e per unit of fuel by basis (appraisal, "
       "reporting) and sector (empty: every sector); a row with no year applies to every year; "
       "traded: a fuel inside an emissions trading scheme")


def _energy_prices(w: _Writer) -> None:
    _long_table(w, "energy_prices.csv", ("fuel", "basis", "sector", "series"), [
        (0, "fuel", "text"), (1, "unit", "text"), (2, "year", "year"), (3, "sector", "text"),
        (4, "basis", "text"), (5, "series", "text"), (6, "gbp_per_unit", "number", NUM5, False),
        (7, "vat_rate", "number", PCT, True), (8, "duty_gbp_per_unit", "number", NUM5, True),
        (9, "price_year", "number", YEAR, False), (10, "gbp_per_unit", "rebased", NUM5),
        (11, "duty_gbp_per_unit", "rebased", NUM5),
    ], 10, "Energy prices", "energy_prices.csv: GBP per unit at the row's price year by sector, "
       "basis (resource: the economic case; retail, incl. VAT: bills) and series (empty: all); "
       "VAT and duty are the taxes inside retail prices; rebased to the price base")


def _small_year_tables(w: _Writer) -> None:
    """The version 2 tables of external effects and the traded carbon price."""
    _long_table(w, "air_quality.csv", ("fuel", "sector"), [
        (0, "fuel", "text"), (1, "sector", "text"), (2, "year", "year"),
        (3, "gbp_per_unit", "number", NUM5, False), (4, "price_year", "number", YEAR, False),
        (5, "gbp_per_unit", "rebased", NUM5),
    ], 5, "Air quality", "air_quality.csv: damage cost per unit of fuel burnt, by sector (empty: "
       "every sector); a fuel without a row has none (METHOD.md 10.12)")
    _long_table(w, "marginal_external_costs.csv", ("component",), [
        (0, "component", "text"), (1, "year", "year"), (2, "gbp_per_car_km", "number", NUM5, False),
        (3, "price_year", "number", YEAR, False), (4, "gbp_per_car_km", "rebased", NUM5),
    ], 4, "Marginal external costs", "marginal_external_costs.csv: GBP per car-km removed, by "
       "component (congestion, accidents, noise, infrastructure, local air quality...)")
    _long_table(w, "traded_carbon_price.csv", (), [
        (0, "year", "year"), (1, "gbp_per_tco2e", "number", NUM2, False),
        (2, "price_year", "number", YEAR, False), (3, "gbp_per_tco2e", "rebased", NUM2),
    ], 3, "Traded carbon price", "traded_carbon_price.csv: the carbon price already inside "
       "traded fuels' resource costs; traded tonnes are valued at the carbon value less it")


# ---------------------------------------------------------------------------
# Categories, optimism bias, additionality, gap, readiness
# ---------------------------------------------------------------------------

def _categories(w: _Writer) -> None:
    pack = w.pack
    table = pack.tables.get("categories.csv")
    w.title("Categories", "categories.csv: gap sector, optimism bias project type, jobs per GBP "
                          "1m, and the version 2 defaults (energy sector, benefit deadweight, "
                          "comfort taking (empty: not flagged), embodied carbon, PSDS test)")
    w.header(["category", "label", "gap_sector", "ob_project_type", "job_years_per_million",
              "energy_sector", "benefit_deadweight", "comfort_taking", "embodied_tco2e_per_million",
              "psds_test (1 = yes)"])
    first = w.row
    for c in pack.categories.values():
        flagged = w.provenance(table, _row_index(table, "category", c.category))
        for col, v in enumerate((c.category, c.label, c.gap_sector or "", c.ob_project_type)):
            w.text(col, v, flagged)
        w.number(4, c.job_years_per_million, NUM2)
        w.ws.write_string(w.row, 5, c.energy_sector or "", w.fmt.input_text())
        w.number(6, c.benefit_deadweight, PCT)
        w.number(7, c.comfort_taking, PCT)
        w.number(8, c.embodied_tco2e_per_million, NUM2)
        w.number(9, 1.0 if c.psds_test else 0.0, NUM0_)
        w.row += 1
    for col, nm in ((0, "Cat_Name"), (1, "Cat_Label"), (2, "Cat_Sector"), (3, "Cat_OBType"),
                    (4, "Cat_JYPM"), (5, "Cat_EnergySector"), (6, "Cat_Deadweight"),
                    (7, "Cat_Comfort"), (8, "Cat_Embodied"), (9, "Cat_PSDS")):
        w.name(nm, col_range(col, first, w.row - 1))


def _optimism_bias(w: _Writer) -> None:
    pack = w.pack
    table = pack.tables.get("optimism_bias.csv")
    w.title("Optimism bias", "optimism_bias.csv: upper bounds (HMT Supplementary Guidance)")
    w.header(["project_type", "capex_upper", "capex_lower", "duration_upper", "duration_lower", "in words"])
    first = w.row
    for t, vals in pack.optimism_bias.items():
        flagged = w.provenance(table, _row_index(table, "project_type", t))
        w.text(0, t, flagged)
        w.text(5, OB_TYPE_NAMES.get(t, t), flagged)
        for col, key in enumerate(("capex_upper", "capex_lower", "duration_upper", "duration_lower"), 1):
            w.number(col, vals[key], PCT)
        w.row += 1
    w.name("OB_Type", col_range(0, first, w.row - 1))
    w.name("OB_CapexUpper", col_range(1, first, w.row - 1))
    w.name("OB_DurationUpper", col_range(3, first, w.row - 1))

    table = pack.tables.get("ob_stage_mitigation.csv")
    w.title("Optimism bias mitigation by business-case stage",
            "ob_stage_mitigation.csv (v2): the default mitigation at each stage")
    w.header(["stage", "mitigation", "in words"])
    if not pack.ob_stage_mitigation:
        write_text(w.ws, w.row, 0, "absent: a business-case stage mitigates nothing", w.fmt.note)
        w.row += 1
        return
    first = w.row
    for stage, v in pack.ob_stage_mitigation.items():
        flagged = w.provenance(table, _row_index(table, "stage", stage))
        w.text(0, stage, flagged)
        w.text(2, STAGE_NAMES.get(stage, stage), flagged)
        w.number(1, v, PCT)
        w.row += 1
    w.name("Stage_Name", col_range(0, first, w.row - 1))
    w.name("Stage_Mitigation", col_range(1, first, w.row - 1))


def _additionality(w: _Writer) -> None:
    pack = w.pack
    table = pack.tables.get("additionality.csv")
    w.title("Additionality", "additionality.csv: by spatial level, used where a project gives none")
    factors = ("deadweight", "leakage", "displacement", "substitution", "multiplier")
    w.header(["spatial_level", *factors, "in words"])
    first = w.row
    for level, vals in pack.additionality.items():
        flagged = w.provenance(table, _row_index(table, "spatial_level", level))
        w.text(0, level, flagged)
        w.text(len(factors) + 1, SPATIAL_LEVEL_NAMES.get(level, level), flagged)
        for col, key in enumerate(factors, 1):
            w.number(col, vals[key], RATIO if key == "multiplier" else PCT)
        w.row += 1
    w.name("Add_Level", col_range(0, first, w.row - 1))
    for col, key in enumerate(factors, 1):
        w.name(f"Add_{key.capitalize()}", col_range(col, first, w.row - 1))


def _investment_gap(w: _Writer) -> None:
    """METHOD.md 6 (v2): the window is the row's years, else relative to the appraisal year."""
    pack = w.pack
    table = pack.tables.get("investment_gap.csv")
    w.title("Investment gap", "investment_gap.csv: the annual public investment gap by sector; "
                              "empty years: the window runs from the appraisal year for "
                              "gap_window_years")
    w.header(["sector", "label", "annual_gap_gbp", "first_year", "last_year", "price_year",
              "window from", "window to", "window years", "annual gap at base prices",
              "cumulative gap at base prices"])
    first = w.row
    A, gw = w.opts.appraisal_year, int(pack.parameter("gap_window_years"))
    for g in pack.investment_gap.values():
        flagged = w.provenance(table, _row_index(table, "sector", g.sector))
        w.text(0, g.sector, flagged)
        w.text(1, g.label, flagged)
        w.number(2, g.annual_gap_gbp, MONEY)
        w.number(3, g.first_year, YEAR)
        w.number(4, g.last_year, YEAR)
        w.number(5, g.price_year, YEAR)
        r = w.row
        lo, hi = g.window(A, gw)
        given = f"AND(ISNUMBER({cell(r, 3)}),ISNUMBER({cell(r, 4)}))"
        w.formula(6, f"=IF({given},{cell(r, 3)},AppraisalYear)", YEAR, lo)
        w.formula(7, f"=IF({given},{cell(r, 4)},AppraisalYear+MAX(INT(GapWindowYears),1)-1)",
                  YEAR, hi)
        w.formula(8, f"={cell(r, 7)}-{cell(r, 6)}+1", NUM0_, hi - lo + 1)
        annual = w.rebase(g.annual_gap_gbp, g.price_year)
        w.formula(9, _rebase_formula(2, 5, r), MONEY, annual)
        w.formula(10, f"={cell(r, 9)}*{cell(r, 8)}", MONEY, annual * (hi - lo + 1))
        w.row += 1
    for col, nm in ((0, "Gap_Sector"), (1, "Gap_Label"), (6, "Gap_First"), (7, "Gap_Last"), (9, "Gap_Annual"),
                    (10, "Gap_Cumulative")):
        w.name(nm, col_range(col, first, w.row - 1))


def _readiness_weights(w: _Writer) -> None:
    pack = w.pack
    table = pack.tables.get("readiness_weights.csv")
    w.title("Readiness weights", "readiness_weights.csv (v2): points per criterion; a criterion "
                                 "the pack does not weigh takes METHOD.md 7's default")
    w.header(["criterion", "points"])
    first = w.row
    for criterion, points in pack.readiness_weights.items():
        i = _row_index(table, "criterion", criterion)
        flagged = w.provenance(table, i) if i is not None else w.provenance(
            None, None, "default", "not in the pack: METHOD.md 7's default")
        w.text(0, criterion, flagged)
        w.number(1, points, NUM0_)
        w.row += 1
    w.name("RW_Criterion", col_range(0, first, w.row - 1))
    w.name("RW_Points", col_range(1, first, w.row - 1))


def _calculator_defaults(w: _Writer) -> None:
    """Shown for completeness: the calculators turn physical inputs into energy
    changes when a project is entered; no formula here reads them."""
    table = w.pack.tables.get("calculator_defaults.csv")
    if table is None:
        return
    w.title("Calculator defaults", "calculator_defaults.csv: used by the application's "
                                   "calculators when a project is entered, not by these formulas")
    w.header(["calculator", "name", "value", "unit"])
    for i, r in enumerate(table.rows):
        flagged = w.provenance(table, i)
        w.text(0, _text(table, r, "calculator"), flagged)
        w.text(1, _text(table, r, "name"), flagged)
        w.number(2, float(_text(table, r, "value")), NUM5, input=False, flag=flagged)
        w.text(3, _text(table, r, "unit"), flagged)
        w.row += 1
