"""One worksheet per project: inputs, the results, and the year-by-year table.

Every derived cell is a formula on the project's input cells and on the
``Assumptions`` sheet's names, following METHOD.md step by step, and carries
the application's own figure as its cached value.
"""
from __future__ import annotations

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from ...core.appraise import (READINESS_POINTS, READINESS_START_POINTS, blended_upper_bound,
                              project_span)
from ...core.pack import AssumptionPack
from ...core.financial import PAYBACK_TOLERANCE_GBP
from ...core.portfolio import ADDITIONALITY_FIELDS, READINESS_FLAGS, ProjectInputs
from ...core.results import PortfolioResults, vfm_category
from .assumptions import YearAxis
from .layout import FACTOR, MONEY, NUM0, NUM1, NUM2, PCT, PCT2, RATIO, YEAR, Formats, cached, cell, write_text

TOL = f"{PAYBACK_TOLERANCE_GBP:.0E}"

# result key -> (label, number format, unit); the order of the results block
RESULT_ROWS = [
    ("pv_costs_gbp", "Present value of costs (PVC)", MONEY, ""),
    ("pv_benefits_gbp", "Present value of benefits (PVB)", MONEY, ""),
    ("npsv_gbp", "Net present social value (NPSV)", MONEY, ""),
    ("bcr", "Benefit-cost ratio (BCR)", RATIO, ""),
    ("vfm_category", "Value for money", None, ""),
    ("pv_carbon_benefit_gbp", "PV of carbon benefits", MONEY, ""),
    ("pv_other_benefits_gbp", "PV of energy and other benefits", MONEY, ""),
    ("carbon_saved_tco2e", "Carbon saved over the life", NUM0, "tCO2e"),
    ("cost_per_tco2e_gbp", "Cost-effectiveness", MONEY, "£/tCO2e"),
    ("switching_benefits_fall", "Switching value: fall in PVB", PCT, ""),
    ("switching_costs_rise", "Switching value: rise in PVC", PCT, ""),
    ("sunk_costs_gbp", "Sunk costs (before the appraisal year)", MONEY, ""),
    ("financial_npv_gbp", "Financial NPV (promoter)", MONEY, ""),
    ("financial_irr", "Financial IRR", PCT2, ""),
    ("payback_year", "Payback year", YEAR, ""),
    ("discounted_payback_year", "Discounted payback year (economic)", YEAR, ""),
    ("viability_gap_gbp", "Viability gap", MONEY, ""),
    ("construction_job_years", "Construction job-years", NUM1, "job-years"),
    ("gross_jobs_fte", "Gross direct jobs", NUM2, "FTE"),
    ("net_additional_jobs_fte", "Net additional jobs", NUM2, "FTE"),
    ("public_cost_gbp", "Public cost", MONEY, ""),
    ("cost_per_net_job_gbp", "Public cost per net additional job", MONEY, "£/FTE"),
    ("public_cost_per_tco2e_gbp", "Public cost per tonne saved", MONEY, "£/tCO2e"),
    ("gap_sector", "Investment-gap sector", None, ""),
    ("gap_contribution_gbp", "Contribution to the investment gap", MONEY, ""),
    ("investment_mobilised_gbp", "Investment mobilised in the gap window", MONEY, ""),
    ("readiness_score", "Readiness score", NUM0, "of 100"),
    ("shovel_ready", "Shovel-ready", None, ""),
]
UNDEFINED_NOTES = {
    "bcr": "not defined: the present value of costs is zero",
    "vfm_category": "not defined without a BCR",
    "cost_per_tco2e_gbp": "not defined: no carbon is saved",
    "switching_benefits_fall": "not defined: PVB is zero",
    "switching_costs_rise": "not defined: PVC is zero",
    "financial_irr": "none: the cash flows do not change sign, or no rate solves NPV = 0",
    "payback_year": "none: never negative, or still negative in the last year",
    "discounted_payback_year": "none: never negative, or still negative in the last year",
    "cost_per_net_job_gbp": "not defined: no net additional jobs",
    "public_cost_per_tco2e_gbp": "not defined: no carbon is saved",
    "gap_sector": "the category is in no gap sector: no contribution",
}


ARRAY_RESULTS = ("financial_irr",)
# results summed over the year columns: not shown when the guard finds years outside them
GUARDED_RESULTS = ("pv_costs_gbp", "pv_benefits_gbp", "pv_carbon_benefit_gbp",
                   "pv_other_benefits_gbp", "carbon_saved_tco2e", "sunk_costs_gbp",
                   "financial_npv_gbp", "financial_irr", "payback_year", "discounted_payback_year",
                   "construction_job_years", "public_cost_gbp", "gap_contribution_gbp",
                   "investment_mobilised_gbp")   # formulas that need array evaluation (IRR of IF(...))
RESULTS_FIRST_ROW = 5                                   # row of the first result (0-based)
INPUTS_HEADER_ROW = RESULTS_FIRST_ROW + len(RESULT_ROWS) + 1
ID_CELL, NAME_CELL, CATEGORY_CELL = (cell(INPUTS_HEADER_ROW + k, 1) for k in (1, 2, 3))
LABEL_WIDTH, YEAR_WIDTH = 44, 13
YEARS_PER_PRINTED_PAGE = 14
CHART_COL = 7
BOLD_ITEMS = ("costs", "benefits", "cash")


def result_cell(key: str) -> str:
    """Absolute address of a result on every project sheet (the Summary reads them)."""
    return cell(RESULTS_FIRST_ROW + [k for k, *_ in RESULT_ROWS].index(key), 1)


def _yes(v: bool) -> str:
    return "Yes" if v else "No"


def _plain(v):
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


class _Refs(dict):
    """Cell references for formula templates: ``{capex}`` is the capex row in the
    current year's column, ``{p_capex}`` the previous year's; other keys are
    absolute input cells."""

    def __init__(self, rows: dict[str, int], fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rows = rows
        self.col = self.prev = ""

    def __missing__(self, key: str) -> str:
        if key.startswith("p_"):
            return f"{self.prev}{self.rows[key[2:]] + 1}"
        return f"{self.col}{self.rows[key] + 1}"


def write_project_sheet(wb, fmt: Formats, sheet: str, p: ProjectInputs, i: int,
                        results: PortfolioResults, pack: AssumptionPack, axis: YearAxis) -> None:
    """Write project ``i``'s sheet: results at the top, then inputs, then the
    year-by-year table with the years across the columns, as in a financial model."""
    ws = wb.add_worksheet(sheet)
    m = {k: v[i] for k, v in results.metrics.items()}
    A = results.appraisal_year
    fuels = pack.fuels()
    start, first, last = project_span(p, A)
    years = np.arange(first, last + 1)
    ny = years.size
    s0 = int(first - axis.years[0])
    s = {k: v[s0:s0 + ny] for k, v in results.project_series(i).items()}
    category = pack.categories[p.category]

    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, 2, 15)
    ws.set_column(3, max(3, ny), YEAR_WIDTH)
    write_text(ws, 0, 0, f"{p.id}: {p.name}", fmt.title)
    write_text(ws, 1, 0, f"Category {p.category}; {p.area or 'area not given'}; money in £ at "
                         f"{results.price_base_year} prices; appraisal year {A}; assumptions "
                         f"{results.pack_id} ({results.pack_vintage})", fmt.note)
    write_text(ws, 2, 0, "Yellow cells are inputs. Every other figure is a formula: change an "
                         "input and the results and the Summary recalculate.", fmt.note)
    res = {key: result_cell(key) for key, *_ in RESULT_ROWS}

    # ------------------------------------------------------------------ inputs
    row = INPUTS_HEADER_ROW
    for c, label in enumerate(["Inputs", "Input", "Used", "Unit", "Note"]):
        write_text(ws, row, c, label, fmt.header)
    row += 1
    at: dict[str, str] = {}   # input key -> address of the value used
    inp: dict[str, str] = {}  # input key -> address of the input cell

    def put(key: str, label: str, value, num_fmt: str | None, used_formula: str | None = None,
            used_value=None, unit: str = "", note: str = "", used_fmt: str | None = None) -> None:
        nonlocal row
        write_text(ws, row, 0, label)
        if isinstance(value, str):
            ws.write_string(row, 1, value, fmt.input_text())
        elif value is None:
            ws.write_blank(row, 1, None, fmt.num(num_fmt or "General", input=True))
        else:
            ws.write_number(row, 1, float(value), fmt.num(num_fmt or "General", input=True))
        inp[key] = at[key] = cell(row, 1)
        if used_formula is not None:
            used_formula = used_formula.replace("{B}", inp[key]).replace("{k}", at.get("k", ""))
            ws.write_formula(row, 2, used_formula, fmt.num(used_fmt or num_fmt or "General"),
                             cached(used_value))
            at[key] = cell(row, 2)
        write_text(ws, row, 3, unit)
        if note:
            write_text(ws, row, 4, note, fmt.note)
        row += 1

    put("id", "Project ID", p.id, None)
    put("name", "Name", p.name, None)
    put("category", "Category", p.category, None, note="a category of the Assumptions sheet")
    put("area", "Area", p.area, None)
    put("level", "Spatial level", p.spatial_level, None, note="sets the default additionality")
    price_year = p.price_year if p.price_year is not None else results.price_base_year
    put("price_year", "Price year of the money inputs", price_year, YEAR)
    k = results.deflator[results.price_base_year] / results.deflator[price_year]
    put("k", "Rebase factor to the price base", None, FACTOR,
        f"=INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
        f"INDEX(Defl_Index,MATCH({inp['price_year']},Defl_Year,0))", k,
        note="GDP deflator: D(price base year) / D(price year)")
    row_opstart = row   # its formula needs the capex row of the year table, placed below
    row += 1
    put("lifetime", "Lifetime", p.lifetime_years, NUM0, unit="years")
    put("opex", "Opex per operating year", p.opex_per_year, MONEY, "={B}*{k}",
        p.opex_per_year * k, "£", "input at its price year; used at base prices")
    has_pf_map = p.public_funding is not None
    share = p.public_funding_share
    if has_pf_map:
        put("share", "Public funding share of capex", None, PCT,
            note="not used: public funding is given by year in the table below")
    else:
        put("share", "Public funding share of capex", share, PCT, "=IF(ISNUMBER({B}),{B},1)",
            share if share is not None else 1.0,
            note="empty: all capex publicly funded" if share is None else "")
    put("ob_given", "Optimism bias given by the project", p.optimism_bias, PCT,
        note="empty: the project type's upper bound, less mitigation")
    if isinstance(p.ob_project_type, dict):
        terms = []
        for t, v in p.ob_project_type.items():
            put(f"ob_share_{t}", f"Optimism bias: share of {t.replace('_', ' ')}", v, PCT,
                note="a mix of project types: the shares should add up to 100%")
            terms.append(f'{inp[f"ob_share_{t}"]}*INDEX(OB_CapexUpper,MATCH("{t}",OB_Type,0))')
        upper_formula = "=" + "+".join(terms)
    else:
        put("ob_type", "Optimism bias project type", p.ob_project_type or "", None,
            f'=IF({{B}}="",INDEX(Cat_OBType,MATCH({inp["category"]},Cat_Name,0)),{{B}})',
            p.ob_project_type or category.ob_project_type, note="empty: the category's type")
        upper_formula = f"=INDEX(OB_CapexUpper,MATCH({at['ob_type']},OB_Type,0))"
    put("ob_upper", "Optimism bias upper bound (capex)", None, PCT, upper_formula,
        blended_upper_bound(p.ob_project_type or category.ob_project_type, pack),
        note="from the Optimism bias table")
    put("ob_mit", "Optimism bias mitigation", p.ob_mitigation, PCT)
    put("ob", "Optimism bias used", None, PCT,
        f"=IF(ISNUMBER({inp['ob_given']}),{inp['ob_given']},{at['ob_upper']}*(1-{at['ob_mit']}))",
        m["optimism_bias"], note="uplift on capex (METHOD.md 3)")
    put("jypm", "Construction job-years per £1m of capex", p.job_years_per_million, NUM2,
        f"=IF(ISNUMBER({{B}}),{{B}},INDEX(Cat_JYPM,MATCH({inp['category']},Cat_Name,0)))",
        p.job_years_per_million if p.job_years_per_million is not None
        else category.job_years_per_million, "job-years", "empty: the category's default")
    put("fte", "Operational jobs", p.operational_fte, NUM2, unit="FTE")
    for f in ADDITIONALITY_FIELDS:
        v = p.additionality.get(f)
        put(f"add_{f}", f"Additionality: {f}", v, RATIO if f == "multiplier" else PCT,
            f"=IF(ISNUMBER({{B}}),{{B}},INDEX(Add_{f.capitalize()},MATCH({inp['level']},Add_Level,0)))",
            v if v is not None else pack.additionality[p.spatial_level][f],
            note="empty: the spatial level's default")
    put("bill", "Energy bill savings go to the promoter", _yes(p.bill_savings_to_promoter), None,
        '=IF({B}="Yes",1,0)', int(p.bill_savings_to_promoter), note="Yes or No", used_fmt=NUM0)
    for f in READINESS_FLAGS:
        put(f"ready_{f}", f"Readiness: {f.replace('_', ' ')}", _yes(getattr(p.readiness, f)), None,
            '=IF({B}="Yes",1,0)', int(getattr(p.readiness, f)), note="Yes or No", used_fmt=NUM0)
    put("months", "Months to start", p.readiness.months_to_start, NUM1, unit="months")
    qty = {f: 0.0 for f in fuels}
    for f, q in p.energy_changes:
        qty[f] += q
    for f in fuels:
        put(f"q_{f}", f"Energy change: {f}", qty[f], NUM0, unit=f"{pack.fuel_units[f]} a year",
            note="per operating year; negative = less used")
    streams = list(p.other_benefits)
    for j, st in enumerate(streams):
        kind = ("economic: a social benefit (economic case)" if st.kind == "economic"
                else "revenue: cash to the promoter (financial case only)")
        if st.per_year is not None:
            put(f"stream_{j}", f"Benefit {j + 1}: {st.label}"[:120], st.per_year, MONEY,
                unit="£ a year", note=f"{kind}; per operating year, at the input price year")
        else:
            write_text(ws, row, 0, f"Benefit {j + 1}: {st.label}"[:120])
            write_text(ws, row, 1, "by year", fmt.note)
            write_text(ws, row, 4, f"{kind}; amounts by year in the table below", fmt.note)
            row += 1

    # ------------------------------------------------------------ year table
    ty = row + 2
    write_text(ws, ty - 1, 0, "Year by year (money in £ at base prices unless marked)", fmt.subtitle)
    items: list[tuple[str, str, str]] = []   # (key, label, number format)

    def item(key: str, label: str, num_fmt: str) -> None:
        items.append((key, label, num_fmt))

    item("year", "Year", YEAR)
    item("t", "t (years from the appraisal year)", NUM0)
    item("operating", "In operation (1 = yes)", NUM0)
    item("rate", "Discount rate r(t)", "0.00%")
    item("df", "Discount factor DF(t) = DF(t-1) / (1 + r(t))", FACTOR)
    item("capex_in", "Capex (£ at the input price year)", MONEY)
    item("capex", "Capex", MONEY)
    item("ob", "Optimism bias", MONEY)
    item("opex", "Opex", MONEY)
    for f in fuels:
        item(f"q_{f}", f"Energy change: {f} ({pack.fuel_units[f]})", NUM0)
    item("emissions", "Emissions change (tCO2e)", NUM2)
    item("carbon_saved", "Carbon saved (tCO2e)", NUM2)
    item("cv", "Carbon value (£ per tCO2e)", NUM2)
    item("carbon_benefit", "Carbon benefit", MONEY)
    item("energy_saving", "Energy cost saving", MONEY)
    for j, st in enumerate(streams):
        item(f"stream_{j}", f"{st.label[:30]} ({st.kind}, input prices)", MONEY)
    item("other", "Other economic benefits", MONEY)
    item("costs", "Costs", MONEY)
    item("benefits", "Benefits", MONEY)
    item("dcosts", "Discounted costs", MONEY)
    item("dbenefits", "Discounted benefits", MONEY)
    item("dnet", "Discounted net benefit", MONEY)
    item("cum_dnet", "Cumulative discounted net benefit (from year 0)", MONEY)
    item("revenue", "Revenue (financial case)", MONEY)
    item("cash", "Financial cash flow (promoter)", MONEY)
    item("cum_cash", "Cumulative cash flow (from year 0)", MONEY)
    if has_pf_map:
        item("pf_in", "Public funding (£ at the input price year)", MONEY)
    item("pf", "Public funding", MONEY)
    item("window", "In the investment-gap window (1 = yes)", NUM0)
    rows = {key: ty + n for n, (key, *_) in enumerate(items)}
    c0, c1 = 1, ny   # first and last year columns

    def rng(key: str) -> str:
        r = rows[key]
        return f"${xl_col_to_name(c0)}${r + 1}:${xl_col_to_name(c1)}${r + 1}"

    for key, label, _ in items:
        write_text(ws, rows[key], 0, label, fmt.header if key == "year"
                   else fmt.bold if key in BOLD_ITEMS else fmt.label)

    # operating start: the input, or the year after the last capex year (METHOD.md 2)
    write_text(ws, row_opstart, 0, "Operating start")
    if p.operating_start is not None:
        ws.write_number(row_opstart, 1, p.operating_start, fmt.num(YEAR, input=True))
    else:
        ws.write_blank(row_opstart, 1, None, fmt.num(YEAR, input=True))
    b = cell(row_opstart, 1)
    ws.write_formula(row_opstart, 2, f"=IF(ISNUMBER({b}),{b},IF(COUNT({rng('capex_in')})=0,"
                                     f"AppraisalYear,SUMPRODUCT(MAX(ISNUMBER({rng('capex_in')})*"
                                     f"{rng('year')}))+1))", fmt.num(YEAR), start)
    write_text(ws, row_opstart, 3, "year")
    write_text(ws, row_opstart, 4, "empty: the year after the last capex year", fmt.note)
    at["opstart"] = cell(row_opstart, 2)

    econ = [f"N({{stream_{j}}})" for j, st in enumerate(streams) if st.kind == "economic"]
    rev = [f"N({{stream_{j}}})" for j, st in enumerate(streams) if st.kind == "revenue"]
    sector_ref = res["gap_sector"]
    ef_terms = "+".join(f"{{q_{f}}}*INDEX(YT_EF_{f},MATCH({{year}},YT_Year,0))" for f in fuels)
    price_terms = "+".join(f"{{q_{f}}}*INDEX(YT_Price_{f},MATCH({{year}},YT_Year,0))" for f in fuels)
    templates = {
        "t": "={year}-AppraisalYear",
        "operating": "=IF(AND({year}>={opstart},{year}<{opstart}+{lifetime}),1,0)",
        "rate": "=IF({t}<=0,0,INDEX(DT_Rate,{t}+1))",
        # chained year to year; a column whose previous year is before year 0
        # starts from the Assumptions sheet's chain (so moving AppraisalYear works)
        "df": "=IF({t}<0,0,IF({p_t}>=0,{p_df}/(1+{rate}),INDEX(DT_DF,{t}+1)))",
        "capex": "=N({capex_in})*{k}",
        "ob": "={capex}*{ob_used}",
        "opex": "={operating}*{opex_used}",
        "emissions": f"=({ef_terms})/1000",
        "carbon_saved": "=-{emissions}",
        "cv": "=INDEX(YT_CV,MATCH({year},YT_Year,0))",
        "carbon_benefit": "={carbon_saved}*{cv}",
        "energy_saving": f"=-({price_terms})",
        "other": "={k}*(" + ("+".join(econ) or "0") + ")",
        "costs": "={capex}*(1+{ob_used})+{opex}",
        "benefits": "={carbon_benefit}+{energy_saving}+{other}",
        "dcosts": "={costs}*{df}",
        "dbenefits": "={benefits}*{df}",
        "dnet": "=({benefits}-{costs})*{df}",
        "cum_dnet": "=IF({t}<0,0,IF({t}=0,{dnet},{p_cum_dnet}+{dnet}))",
        "revenue": "={k}*(" + ("+".join(rev) or "0") + ")",
        "cash": "=-{capex}-{opex}+{revenue}+{energy_saving}*{bill}",
        "cum_cash": "=IF({t}<0,0,IF({t}=0,{cash},{p_cum_cash}+{cash}))",
        "pf": "=N({pf_in})*{k}" if has_pf_map else "={capex}*{share_used}",
        "window": (f'=IF({sector_ref}="",0,IF(AND({{year}}>=INDEX(Gap_First,MATCH({sector_ref},'
                   f'Gap_Sector,0)),{{year}}<=INDEX(Gap_Last,MATCH({sector_ref},Gap_Sector,0))),1,0))'),
    }
    first_column = {"df": "=IF({t}<0,0,INDEX(DT_DF,{t}+1))", "cum_dnet": "=IF({t}<0,0,{dnet})",
                    "cum_cash": "=IF({t}<0,0,{cash})"}
    for f in fuels:
        templates[f"q_{f}"] = f"={{operating}}*{{q_in_{f}}}"
    for j, st in enumerate(streams):
        if st.per_year is not None:
            templates[f"stream_{j}"] = f"={{operating}}*{{stream_in_{j}}}"

    # the application's own figures, as the cached values
    t_arr = years - A
    after = t_arr >= 0
    dnet = (s["benefits"] - s["costs"]) * axis.df[s0:s0 + ny]
    g = pack.investment_gap.get(category.gap_sector) if category.gap_sector else None
    cache: dict[str, np.ndarray] = {
        "t": t_arr, "operating": s["operating"], "rate": axis.rate[s0:s0 + ny],
        "df": axis.df[s0:s0 + ny], "capex": s["capex"], "ob": s["optimism_bias"], "opex": s["opex"],
        "emissions": s["emissions"], "carbon_saved": s["carbon_saved"], "cv": axis.cv[s0:s0 + ny],
        "carbon_benefit": s["carbon_benefit"], "energy_saving": s["energy_saving"],
        "other": s["other_benefits"], "costs": s["costs"], "benefits": s["benefits"],
        "dcosts": s["discounted_costs"], "dbenefits": s["discounted_benefits"], "dnet": dnet,
        "cum_dnet": np.where(after, np.cumsum(np.where(after, dnet, 0.0)), 0.0),
        "revenue": s["revenue"], "cash": s["financial_cash_flow"],
        "cum_cash": np.where(after, np.cumsum(np.where(after, s["financial_cash_flow"], 0.0)), 0.0),
        "pf": s["public_funding"],
        "window": ((years >= g.first_year) & (years <= g.last_year)).astype(float) if g
        else np.zeros(ny),
    }
    for f in fuels:
        cache[f"q_{f}"] = s["operating"] * qty[f]
    inputs_by_year = {"capex_in": p.capex, "pf_in": p.public_funding or {}}
    for j, st in enumerate(streams):
        if st.per_year is not None:
            cache[f"stream_{j}"] = s["operating"] * st.per_year
        else:
            inputs_by_year[f"stream_{j}"] = st.profile or {}

    fixed = {"opstart": at["opstart"], "lifetime": at["lifetime"], "k": at["k"],
             "ob_used": at["ob"], "opex_used": at["opex"], "bill": at["bill"],
             "share_used": at["share"]}
    fixed.update({f"q_in_{f}": at[f"q_{f}"] for f in fuels})
    fixed.update({f"stream_in_{j}": at[f"stream_{j}"] for j, st in enumerate(streams)
                  if st.per_year is not None})
    refs = _Refs(rows, fixed)
    formats = {key: fmt.num(num_fmt, bold=key in BOLD_ITEMS) for key, _, num_fmt in items}
    input_fmt = fmt.num(MONEY, input=True)
    year_fmt = fmt.header
    for n, y in enumerate(years):
        c = c0 + n
        refs.col, refs.prev = xl_col_to_name(c), xl_col_to_name(c - 1)
        ws.write_number(rows["year"], c, int(y), year_fmt)
        for key, _, _ in items[1:]:
            r = rows[key]
            if key in inputs_by_year:
                v = inputs_by_year[key].get(int(y))
                if v is None:
                    ws.write_blank(r, c, None, input_fmt)
                else:
                    ws.write_number(r, c, v, input_fmt)
                continue
            template = first_column.get(key, templates[key]) if n == 0 else templates[key]
            ws.write_formula(r, c, template.format_map(refs), formats[key], float(cache[key][n]))

    # ------------------------------------------------------------ results
    for c, label in enumerate(["Results", "Value", "Unit", "Note"]):
        write_text(ws, RESULTS_FIRST_ROW - 1, c, label, fmt.header)
    R = res
    # a guard: inputs that move operating years outside this sheet's columns
    guard = cell(3, 0)
    ws.write_formula(3, 0, f'=IF(OR({at["opstart"]}<{int(years[0])},{at["opstart"]}+{at["lifetime"]}'
                           f'-1>{int(years[-1])}),"⚠ The operating years now fall outside this '
                           f'sheet\'s years ({int(years[0])}-{int(years[-1])}): results are not '
                           f'shown. Export the workbook again from the application.","")',
                     fmt.warn, "")
    irr_guess = float(m["financial_irr"]) if np.isfinite(m["financial_irr"]) else 0.05
    formulas = {
        "pv_costs_gbp": f"=SUMPRODUCT({rng('costs')},{rng('df')})",
        "pv_benefits_gbp": f"=SUMPRODUCT({rng('benefits')},{rng('df')})",
        "npsv_gbp": f"={R['pv_benefits_gbp']}-{R['pv_costs_gbp']}",
        "bcr": f'=IF({R["pv_costs_gbp"]}=0,"",{R["pv_benefits_gbp"]}/{R["pv_costs_gbp"]})',
        "vfm_category": vfm_formula(R["bcr"]),
        "pv_carbon_benefit_gbp": f"=SUMPRODUCT({rng('carbon_benefit')},{rng('df')})",
        "pv_other_benefits_gbp": f"=SUMPRODUCT({rng('energy_saving')}+{rng('other')},{rng('df')})",
        "carbon_saved_tco2e": f"=SUM({rng('carbon_saved')})",
        "cost_per_tco2e_gbp": f'=IF({R["carbon_saved_tco2e"]}>0,({R["pv_costs_gbp"]}-'
                              f'{R["pv_other_benefits_gbp"]})/{R["carbon_saved_tco2e"]},"")',
        "switching_benefits_fall": f'=IF({R["pv_benefits_gbp"]}=0,"",{R["npsv_gbp"]}/'
                                   f'{R["pv_benefits_gbp"]})',
        "switching_costs_rise": f'=IF({R["pv_costs_gbp"]}=0,"",{R["npsv_gbp"]}/{R["pv_costs_gbp"]})',
        "sunk_costs_gbp": f"=SUMPRODUCT(({rng('t')}<0)*({rng('capex')}+{rng('opex')}))",
        "financial_npv_gbp": f"=SUMPRODUCT(({rng('t')}>=0)*{rng('cash')}*(1+FinancialRate)^"
                             f"(-{rng('t')}))",
        # the years before year 0 count as zero (leading zeros leave the IRR unchanged)
        "financial_irr": (f'=IF(OR(SUMPRODUCT(({rng("t")}>=0)*({rng("cash")}>0))=0,'
                          f'SUMPRODUCT(({rng("t")}>=0)*({rng("cash")}<0))=0),"",'
                          f'IFERROR(IRR(IF({rng("t")}>=0,{rng("cash")},0),{irr_guess!r}),""))'),
        "payback_year": _payback(rng("cum_cash"), rng("year"), cell(rows["cum_cash"], c1)),
        "discounted_payback_year": _payback(rng("cum_dnet"), rng("year"), cell(rows["cum_dnet"], c1)),
        "viability_gap_gbp": f"=MAX(0,-{R['financial_npv_gbp']})",
        "construction_job_years": f"=SUM({rng('capex')})/1000000*{at['jypm']}",
        "gross_jobs_fte": f"={R['construction_job_years']}/JobYearsPerJob+{at['fte']}",
        "net_additional_jobs_fte": (f"={R['gross_jobs_fte']}*(1-{at['add_deadweight']})*(1-"
                                    f"{at['add_leakage']})*(1-{at['add_displacement']})*(1-"
                                    f"{at['add_substitution']})*{at['add_multiplier']}"),
        "public_cost_gbp": f"=SUM({rng('pf')})",
        "cost_per_net_job_gbp": f'=IF({R["net_additional_jobs_fte"]}>0,{R["public_cost_gbp"]}/'
                                f'{R["net_additional_jobs_fte"]},"")',
        "public_cost_per_tco2e_gbp": f'=IF({R["carbon_saved_tco2e"]}>0,{R["public_cost_gbp"]}/'
                                     f'{R["carbon_saved_tco2e"]},"")',
        "gap_sector": f'=IF(INDEX(Cat_Sector,MATCH({inp["category"]},Cat_Name,0))="","",'
                      f'INDEX(Cat_Sector,MATCH({inp["category"]},Cat_Name,0)))',
        "gap_contribution_gbp": f"=SUMPRODUCT({rng('pf')},{rng('window')})",
        "investment_mobilised_gbp": f"=SUMPRODUCT({rng('capex')},{rng('window')})",
        "readiness_score": "=" + "+".join(
            f"{int(pts)}*{at['ready_' + flag]}" for flag, pts in READINESS_POINTS.items())
            + f"+IF(ISNUMBER({at['months']}),IF({at['months']}<=6,{READINESS_START_POINTS[6]:g},"
              f"IF({at['months']}<=12,{READINESS_START_POINTS[12]:g},0)),0)",
        "shovel_ready": (f'=IF(AND({R["readiness_score"]}>=80,ISNUMBER({at["months"]}),'
                         f'{at["months"]}<=12),"Yes","No")'),
    }
    for key in GUARDED_RESULTS:
        formulas[key] = f'=IF({guard}<>"",NA(),{formulas[key][1:]})'
    values = {key: _plain(m.get(key)) for key, *_ in RESULT_ROWS}
    values["vfm_category"] = vfm_category(values["bcr"])
    values["gap_sector"] = category.gap_sector or ""
    values["shovel_ready"] = "Yes" if m["shovel_ready"] else "No"
    for n, (key, label, num_fmt, unit) in enumerate(RESULT_ROWS):
        r = RESULTS_FIRST_ROW + n
        write_text(ws, r, 0, label)
        bold = key in ("npsv_gbp", "bcr", "vfm_category")
        write = ws.write_array_formula if key in ARRAY_RESULTS else None
        if write is not None:
            write(r, 1, r, 1, "{" + formulas[key] + "}", fmt.num(num_fmt or "General", bold=bold),
                  cached(values[key]))
        else:
            ws.write_formula(r, 1, formulas[key], fmt.num(num_fmt or "General", bold=bold),
                             cached(values[key]))
        write_text(ws, r, 2, unit)
        if key in UNDEFINED_NOTES:
            note = UNDEFINED_NOTES[key]
            ws.write_formula(r, 3, f'=IF({R[key]}="","{note}","")', fmt.note,
                             note if cached(values[key]) == "" else "")

    # ------------------------------------------------------------ chart and checks
    chart = wb.add_chart({"type": "column"})
    q = sheet.replace("'", "''")
    chart.add_series({"name": "Costs", "categories": f"='{q}'!{rng('year')}",
                      "values": f"='{q}'!{rng('costs')}", "fill": {"color": "#C00000"}})
    chart.add_series({"name": "Benefits", "categories": f"='{q}'!{rng('year')}",
                      "values": f"='{q}'!{rng('benefits')}", "fill": {"color": "#2E75B6"}})
    chart.set_title({"name": "Annual costs and benefits (£, base prices)", "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "£#,##0", "major_gridlines": {
        "visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_x_axis({"num_font": {"rotation": -45}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 300})
    # columns D to G stay free for the notes beside the results
    ws.insert_chart(RESULTS_FIRST_ROW - 1, CHART_COL, chart)
    r = RESULTS_FIRST_ROW + 16
    write_text(ws, r, CHART_COL, "Checks raised by the application", fmt.subtitle)
    for w in results.warnings[i] or ["none"]:
        r += 1
        write_text(ws, r, CHART_COL, w, fmt.warn if results.warnings[i] else fmt.note)

    ws.freeze_panes(3, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(max(1, -(-ny // YEARS_PER_PRINTED_PAGE)), 0)
    ws.repeat_columns(0)
    ws.set_header(f"&L{p.id}&R{results.pack_id} ({results.pack_vintage})")
    ws.set_footer("&LLow-Carbon Appraisal&RPage &P of &N")


def vfm_formula(bcr_ref: str) -> str:
    """METHOD.md 3 value-for-money bands as a formula on a BCR cell."""
    b = bcr_ref
    return (f'=IF({b}="","",IF({b}<1,"poor",IF({b}<1.5,"low",IF({b}<2,"medium",'
            f'IF({b}<4,"high","very high")))))')


def _payback(cum: str, years: str, last: str) -> str:
    """METHOD.md 4: the year after the last year in which the cumulative sum is negative."""
    return (f'=IF({last}<-{TOL},"",IF(SUMPRODUCT(({cum}<-{TOL})*1)=0,"",'
            f'SUMPRODUCT(MAX(({cum}<-{TOL})*{years}))+1))')
