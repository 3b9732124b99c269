"""The ``Assumptions`` sheet: portfolio settings, every pack table with its
sources, and the year tables (step look-ups rebased to the price base) that
the project sheets read.

Everything the project sheets need is reached through workbook names
(``AppraisalYear``, ``DS_Rate``, ``YT_CV`` ...), so that their formulas read
like the method and survive rows being added to a table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.appraise import Options
from ...core.discounting import band_rates, discount_factors
from ...core.pack import SOURCE_NOTE_WORDS, AssumptionPack
from .layout import FACTOR, MONEY, NUM2, NUM5, PCT, RATIO, YEAR, Formats, cell, col_range, write_text

SHEET = "Assumptions"
DT_MIN_YEARS = 400    # rows of the discount-factor table (t = 0..400 at least)
DT_MARGIN = 100       # beyond the workbook's years, for an appraisal year moved earlier
NUM0_ = "0"


@dataclass
class YearAxis:
    """The workbook's calendar years and the per-year values of the year
    tables, as the application computed them (the formulas' cached values)."""

    years: np.ndarray
    rate: np.ndarray   # r(t), 0 for t <= 0
    df: np.ndarray     # DF(t), 0 before the appraisal year (sunk)
    cv: np.ndarray     # carbon value of the chosen series at base prices


def year_axis(pack: AssumptionPack, opts: Options, years: np.ndarray) -> YearAxis:
    t = years - opts.appraisal_year
    post = t >= 0
    bands = pack.discount_schedules[opts.discount_schedule]
    t_max = max(int(t[-1]), 0)
    rate = np.zeros(years.size)
    df = np.zeros(years.size)
    rate[post] = band_rates(bands, t_max)[t[post]]
    rate[t == 0] = 0.0
    df[post] = discount_factors(bands, t_max)[t[post]]
    cv = pack.carbon_values[opts.carbon_series].on_axis(years)[0] \
        * pack.rebase_factor(pack.carbon_price_year, opts.price_base_year)
    return YearAxis(years, rate, df, cv)


def _flagged(source: str) -> bool:
    s = source.lower()
    return any(w in s for w in SOURCE_NOTE_WORDS)


class _Writer:
    def __init__(self, wb, ws, fmt: Formats) -> None:
        self.wb, self.ws, self.fmt = wb, ws, fmt
        self.row = 0

    def name(self, name: str, ref: str) -> None:
        self.wb.define_name(name, f"={SHEET}!{ref}")

    def title(self, text: str, note: str | None = None) -> None:
        self.row += 1
        write_text(self.ws, self.row, 0, text, self.fmt.subtitle)
        if note:
            write_text(self.ws, self.row, 2, note, self.fmt.note)
        self.row += 1

    def header(self, labels: list[str]) -> None:
        for c, label in enumerate(labels):
            write_text(self.ws, self.row, c, label, self.fmt.header)
        self.row += 1

    def source(self, col: int, text: str) -> None:
        write_text(self.ws, self.row, col, text, self.fmt.flag if _flagged(text) else self.fmt.text)


def write_assumptions(wb, fmt: Formats, pack: AssumptionPack, opts: Options, axis: YearAxis) -> None:
    ws = wb.add_worksheet(SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 9, 14)
    ws.set_column(10, 10, 60)
    ws.freeze_panes(1, 0)
    w = _Writer(wb, ws, fmt)
    write_text(ws, 0, 0, f"Assumptions: {pack.name}", fmt.title)
    write_text(ws, 1, 0, f"Pack id {pack.id}, vintage {pack.vintage}. {pack.notes}", fmt.note)
    write_text(ws, 2, 0, "Yellow cells are inputs: change one and every project sheet and the "
                         "Summary recalculate. Sources shaded orange are marked illustrative, "
                         "recalled or secondary copy in the pack: check them before a formal "
                         "business case.", fmt.note)
    w.row = 3
    D = pack.deflator
    B, A = opts.price_base_year, opts.appraisal_year
    defl_b = "INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))"

    # -- portfolio settings
    w.title("Portfolio settings", "the choices every figure is computed under")
    settings = [
        ("Appraisal year (year 0)", "AppraisalYear", A, YEAR, "METHOD.md notation A: t = year - A"),
        ("Price base year", "PriceBaseYear", B, YEAR, "all money in real terms at these prices"),
        ("Carbon value series", "CarbonSeries", opts.carbon_series, None, "low, central or high"),
        ("Discount schedule", "DiscountSchedule", opts.discount_schedule, None,
         ", ".join(pack.discount_schedules)),
        ("Financial discount rate", "FinancialRate", opts.financial_discount_rate, PCT,
         "the promoter's constant rate for the financial NPV"),
    ]
    for label, name, value, num_fmt, note in settings:
        write_text(ws, w.row, 0, label)
        if num_fmt is None:
            ws.write_string(w.row, 1, str(value), fmt.input_text())
            ws.data_validation(w.row, 1, w.row, 1, {
                "validate": "list",
                "source": (["low", "central", "high"] if name == "CarbonSeries"
                           else list(pack.discount_schedules))})
        else:
            ws.write_number(w.row, 1, value, fmt.num(num_fmt, input=True))
        write_text(ws, w.row, 2, note, fmt.note)
        w.name(name, cell(w.row, 1))
        w.row += 1

    # -- parameters
    w.title("Parameters", "parameters.csv")
    w.header(["name", "value", "", "", "", "", "", "", "", "", "source"])
    for name, value in pack.parameters.items():
        write_text(ws, w.row, 0, name)
        ws.write_number(w.row, 1, value, fmt.num(NUM2, input=True))
        src = next((r[2] for r in pack.tables["parameters.csv"].rows if r[0].strip() == name), "")
        w.source(10, src)
        if name == "job_years_per_permanent_job":
            w.name("JobYearsPerJob", cell(w.row, 1))
        elif name == "public_carbon_cost_threshold":
            w.name("CarbonCostThreshold", cell(w.row, 1))
        w.row += 1

    # -- GDP deflator
    w.title("GDP deflator", "gdp_deflator.csv: index, rebases money from its price year to the base")
    w.header(["year", "index", "", "", "", "", "", "", "", "", "source"])
    first = w.row
    for y in sorted(D):
        ws.write_number(w.row, 0, y, fmt.num(YEAR))
        ws.write_number(w.row, 1, D[y], fmt.num(NUM5, input=True))
        src = next(r[2] for r in pack.tables["gdp_deflator.csv"].rows if int(r[0]) == y)
        w.source(10, src)
        w.row += 1
    w.name("Defl_Year", col_range(0, first, w.row - 1))
    w.name("Defl_Index", col_range(1, first, w.row - 1))

    # -- discount schedules
    w.title("Discount schedules", "discount_schedules.csv; r(t) is the rate of the band that holds t")
    w.header(["schedule", "from_year", "to_year", "rate", "to (for look-ups)", "", "", "", "", "",
              "source"])
    first = w.row
    rows = pack.tables["discount_schedules.csv"].rows
    for name, bands in pack.discount_schedules.items():
        for lo, hi, rate in bands:
            write_text(ws, w.row, 0, name)
            ws.write_number(w.row, 1, lo, fmt.num(YEAR, input=True))
            if hi is None:
                ws.write_blank(w.row, 2, None, fmt.num(YEAR, input=True))
            else:
                ws.write_number(w.row, 2, hi, fmt.num(YEAR, input=True))
            ws.write_number(w.row, 3, rate, fmt.num("0.00%", input=True))
            ws.write_formula(w.row, 4, f'=IF({cell(w.row, 2)}="",1E+9,{cell(w.row, 2)})',
                             fmt.num(YEAR), 1e9 if hi is None else hi)
            src = next((r[4] for r in rows if r[0].strip() == name and int(r[1]) == lo), "")
            w.source(10, src)
            w.row += 1
    for col, nm in ((0, "DS_Schedule"), (1, "DS_From"), (4, "DS_To"), (3, "DS_Rate")):
        w.name(nm, col_range(col, first, w.row - 1))

    # -- discount factors by t: the chain every project sheet reads
    w.title("Discount factors", "by years from the appraisal year: DF(0) = 1, DF(t) = DF(t-1) / "
                                "(1 + r(t)), r(t) the rate of the band of the schedule in use")
    w.header(["t", "rate r(t)", "DF(t)"])
    first = w.row
    t_max = max(DT_MIN_YEARS, int(axis.years[-1] - axis.years[0]) + DT_MARGIN)
    bands = pack.discount_schedules[opts.discount_schedule]
    rates, factors = band_rates(bands, t_max), discount_factors(bands, t_max)
    for t in range(t_max + 1):
        r = w.row
        ws.write_number(r, 0, t, fmt.num(NUM0_))
        ws.write_formula(r, 1, f'=IF({cell(r, 0)}=0,0,SUMIFS(DS_Rate,DS_Schedule,DiscountSchedule,'
                               f'DS_From,"<="&{cell(r, 0)},DS_To,">="&{cell(r, 0)}))',
                         fmt.num("0.00%"), 0.0 if t == 0 else float(rates[t]))
        ws.write_formula(r, 2, "=1" if t == 0 else f"={cell(r - 1, 2)}/(1+{cell(r, 1)})",
                         fmt.num(FACTOR), float(factors[t]))
        w.row += 1
    w.name("DT_Rate", col_range(1, first, w.row - 1))
    w.name("DT_DF", col_range(2, first, w.row - 1))

    # -- carbon values
    w.title("Carbon values", "carbon_values.csv: GBP per tCO2e at the row's price year")
    w.header(["year", "low", "central", "high", "price_year", "", "", "", "", "", "source"])
    first = w.row
    cv = pack.carbon_values
    for k, y in enumerate(cv["central"].years):
        ws.write_number(w.row, 0, int(y), fmt.num(YEAR))
        for c, series in enumerate(("low", "central", "high"), 1):
            ws.write_number(w.row, c, float(cv[series].values[k]), fmt.num(NUM2, input=True))
        ws.write_number(w.row, 4, pack.carbon_price_year, fmt.num(YEAR))
        src = next(r[5] for r in pack.tables["carbon_values.csv"].rows if int(r[0]) == int(y))
        w.source(10, src)
        w.row += 1
    w.name("CV_Year", col_range(0, first, w.row - 1))
    w.name("CV_Values", f"{cell(first, 1)}:{cell(w.row - 1, 3)}")
    w.name("CV_Header", f"{cell(first - 1, 1)}:{cell(first - 1, 3)}")
    write_text(ws, w.row, 0, "Rebase factor to the price base")
    cv_rebase = pack.rebase_factor(pack.carbon_price_year, B)
    ws.write_formula(w.row, 1, f"={defl_b}/INDEX(Defl_Index,MATCH({cell(first, 4)},Defl_Year,0))",
                     fmt.num(FACTOR), cv_rebase)
    w.name("CV_Rebase", cell(w.row, 1))
    w.row += 1

    # -- emission factors and energy prices (long tables, one block of rows per fuel)
    fuels = pack.fuels()
    ef_rows: dict[str, tuple[int, int, bool]] = {}
    w.title("Emission factors", "emission_factors.csv: kgCO2e per unit of fuel; a row with no "
                                "year applies to every year")
    w.header(["fuel", "unit", "year", "kgco2e_per_unit", "", "", "", "", "", "", "source"])
    src_rows = pack.tables["emission_factors.csv"].rows
    for fuel in fuels:
        t = pack.emission_factors[fuel]
        start = w.row
        for k in range(len(t.values)):
            y = None if t.years is None else int(t.years[k])
            write_text(ws, w.row, 0, fuel)
            write_text(ws, w.row, 1, pack.fuel_units[fuel])
            if y is not None:
                ws.write_number(w.row, 2, y, fmt.num(YEAR))
            ws.write_number(w.row, 3, float(t.values[k]), fmt.num(NUM5, input=True))
            src = next((r[4] for r in src_rows if r[0].strip() == fuel
                        and (r[2].strip() == "" if y is None else r[2].strip() == str(y))), "")
            w.source(10, src)
            w.row += 1
        ef_rows[fuel] = (start, w.row - 1, t.years is None)

    price_rows: dict[str, tuple[int, int, bool]] = {}
    w.title("Energy prices", "energy_prices.csv: GBP per unit at the row's price year, and rebased")
    w.header(["fuel", "unit", "year", "gbp_per_unit", "price_year", "at base prices", "", "", "", "",
              "source"])
    src_rows = pack.tables["energy_prices.csv"].rows
    for fuel in fuels:
        t = pack.energy_prices[fuel]
        start = w.row
        for k in range(len(t.values)):
            y = None if t.years is None else int(t.years[k])
            py = int(pack.energy_price_years[fuel][k])
            write_text(ws, w.row, 0, fuel)
            write_text(ws, w.row, 1, pack.fuel_units[fuel])
            if y is not None:
                ws.write_number(w.row, 2, y, fmt.num(YEAR))
            ws.write_number(w.row, 3, float(t.values[k]), fmt.num(NUM5, input=True))
            ws.write_number(w.row, 4, py, fmt.num(YEAR, input=True))
            ws.write_formula(w.row, 5, f"={cell(w.row, 3)}*({defl_b}/INDEX(Defl_Index,MATCH("
                                       f"{cell(w.row, 4)},Defl_Year,0)))", fmt.num(NUM5),
                             float(t.values[k]) * (D[B] / D[py]))
            src = next((r[5] for r in src_rows if r[0].strip() == fuel
                        and (r[2].strip() == "" if y is None else r[2].strip() == str(y))), "")
            w.source(10, src)
            w.row += 1
        price_rows[fuel] = (start, w.row - 1, t.years is None)

    # -- categories, optimism bias, additionality, investment gap
    w.title("Categories", "categories.csv: gap sector, optimism bias project type, jobs per GBP 1m")
    w.header(["category", "label", "gap_sector", "ob_project_type", "job_years_per_million", "", "",
              "", "", "", "source"])
    first = w.row
    for c in pack.categories.values():
        for col, v in enumerate((c.category, c.label, c.gap_sector or "", c.ob_project_type)):
            write_text(ws, w.row, col, v)
        ws.write_number(w.row, 4, c.job_years_per_million, fmt.num(NUM2, input=True))
        w.source(10, c.source)
        w.row += 1
    for col, nm in ((0, "Cat_Name"), (1, "Cat_Label"), (2, "Cat_Sector"), (3, "Cat_OBType"),
                    (4, "Cat_JYPM")):
        w.name(nm, col_range(col, first, w.row - 1))

    w.title("Optimism bias", "optimism_bias.csv: upper bounds (HMT Supplementary Guidance)")
    w.header(["project_type", "capex_upper", "capex_lower", "duration_upper", "duration_lower", "",
              "", "", "", "", "source"])
    first = w.row
    ob_src = pack.tables["optimism_bias.csv"].rows
    for t, vals in pack.optimism_bias.items():
        write_text(ws, w.row, 0, t)
        for col, key in enumerate(("capex_upper", "capex_lower", "duration_upper", "duration_lower"), 1):
            if vals[key] is not None:
                ws.write_number(w.row, col, vals[key], fmt.num(PCT, input=True))
        w.source(10, next(r[5] for r in ob_src if r[0].strip() == t))
        w.row += 1
    w.name("OB_Type", col_range(0, first, w.row - 1))
    w.name("OB_CapexUpper", col_range(1, first, w.row - 1))

    w.title("Additionality", "additionality.csv: by spatial level, used where a project gives none")
    w.header(["spatial_level", "deadweight", "leakage", "displacement", "substitution", "multiplier",
              "", "", "", "", "source"])
    first = w.row
    add_src = pack.tables["additionality.csv"].rows
    for level, vals in pack.additionality.items():
        write_text(ws, w.row, 0, level)
        for col, key in enumerate(("deadweight", "leakage", "displacement", "substitution",
                                   "multiplier"), 1):
            ws.write_number(w.row, col, vals[key],
                            fmt.num(RATIO if key == "multiplier" else PCT, input=True))
        w.source(10, next(r[6] for r in add_src if r[0].strip() == level))
        w.row += 1
    w.name("Add_Level", col_range(0, first, w.row - 1))
    for col, key in enumerate(("Deadweight", "Leakage", "Displacement", "Substitution",
                               "Multiplier"), 1):
        w.name(f"Add_{key}", col_range(col, first, w.row - 1))

    w.title("Investment gap", "investment_gap.csv: the annual public investment gap by sector")
    w.header(["sector", "label", "annual_gap_gbp", "first_year", "last_year", "price_year",
              "annual gap at base prices", "cumulative gap at base prices", "", "", "source"])
    first = w.row
    for g in pack.investment_gap.values():
        write_text(ws, w.row, 0, g.sector)
        write_text(ws, w.row, 1, g.label)
        ws.write_number(w.row, 2, g.annual_gap_gbp, fmt.num(MONEY, input=True))
        ws.write_number(w.row, 3, g.first_year, fmt.num(YEAR, input=True))
        ws.write_number(w.row, 4, g.last_year, fmt.num(YEAR, input=True))
        ws.write_number(w.row, 5, g.price_year, fmt.num(YEAR, input=True))
        n_years = g.last_year - g.first_year + 1
        cum = g.annual_gap_gbp * n_years * D[B] / D[g.price_year]
        r = w.row
        ws.write_formula(r, 7, f"={cell(r, 2)}*({cell(r, 4)}-{cell(r, 3)}+1)*{defl_b}"
                               f"/INDEX(Defl_Index,MATCH({cell(r, 5)},Defl_Year,0))",
                         fmt.num(MONEY), cum)
        ws.write_formula(r, 6, f"={cell(r, 7)}/({cell(r, 4)}-{cell(r, 3)}+1)", fmt.num(MONEY),
                         cum / n_years)
        w.source(10, g.source)
        w.row += 1
    for col, nm in ((0, "Gap_Sector"), (3, "Gap_First"), (4, "Gap_Last"), (6, "Gap_Annual"),
                    (7, "Gap_Cumulative")):
        w.name(nm, col_range(col, first, w.row - 1))

    # -- year tables: the step look-ups of METHOD.md 3, on the workbook's years
    w.title("Year tables", "derived: the row of the latest year at or before each year (the first "
                           "row before it; the last row holds after it), rebased to the price base")
    labels = ["year", "carbon value (GBP/tCO2e)"] + [f"EF {f} (kg/{pack.fuel_units[f]})" for f in fuels] \
        + [f"price {f} (GBP/{pack.fuel_units[f]})" for f in fuels]
    for c, label in enumerate(labels):
        write_text(ws, w.row, c, label, fmt.header)
    ws.set_row(w.row, 45)
    w.row += 1
    first = w.row
    years = axis.years
    cv_vals = axis.cv
    ef_vals = {f: pack.emission_factors[f].on_axis(years)[0] for f in fuels}
    price_vals = {}
    for f in fuels:
        t = pack.energy_prices[f]
        rows_idx = (np.zeros(years.size, int) if t.years is None
                    else np.clip(np.searchsorted(t.years, years, side="right") - 1, 0, len(t.years) - 1))
        rebased = np.array([float(t.values[k]) * (D[B] / D[int(pack.energy_price_years[f][k])])
                            for k in range(len(t.values))])
        price_vals[f] = rebased[rows_idx]

    def step(col_values: str, col_years: str | None, y_ref: str, single: str) -> str:
        if col_years is None:
            return f"={single}"
        return f"=INDEX({col_values},IF({y_ref}<MIN({col_years}),1,MATCH({y_ref},{col_years},1)))"

    for k, y in enumerate(years):
        r = w.row
        y_ref = cell(r, 0, absolute=False)
        ws.write_number(r, 0, int(y), fmt.num(YEAR))
        ws.write_formula(r, 1, f"=INDEX(CV_Values,IF({y_ref}<MIN(CV_Year),1,MATCH({y_ref},CV_Year,1)),"
                               f"MATCH(CarbonSeries,CV_Header,0))*CV_Rebase", fmt.num(NUM2),
                         float(cv_vals[k]))
        for j, f in enumerate(fuels):
            a, b, single = ef_rows[f]
            ws.write_formula(r, 2 + j, step(col_range(3, a, b), None if single else col_range(2, a, b),
                                            y_ref, cell(a, 3)), fmt.num(NUM5), float(ef_vals[f][k]))
            a, b, single = price_rows[f]
            ws.write_formula(r, 2 + len(fuels) + j,
                             step(col_range(5, a, b), None if single else col_range(2, a, b), y_ref,
                                  cell(a, 5)), fmt.num(NUM5), float(price_vals[f][k]))
        w.row += 1
    last = w.row - 1
    w.name("YT_Year", col_range(0, first, last))
    w.name("YT_CV", col_range(1, first, last))
    for j, f in enumerate(fuels):
        w.name(f"YT_EF_{f}", col_range(2 + j, first, last))
        w.name(f"YT_Price_{f}", col_range(2 + len(fuels) + j, first, last))
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
