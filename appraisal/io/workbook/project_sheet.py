"""One worksheet per project: the results, the inputs, and the year-by-year table.

Every derived cell is a formula on the project's input cells (yellow) and on
the ``Assumptions`` sheet's names, following METHOD.md (version 2) step by
step, and carries the application's own figure as its cached value. The
economic case runs on its own timeline (operation delayed by duration optimism
bias), the financial case on the promoter's, each with its own rows.
"""
from __future__ import annotations

import textwrap
from typing import Callable

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from ...core.appraise import (READINESS_POINTS, SECTORS, SHOVEL_READY_MAX_MONTHS,
                              SHOVEL_READY_MIN_SCORE, blended_upper_bound, project_span)
from ...core.financial import PAYBACK_TOLERANCE_GBP
from ...core.pack import AssumptionPack
from ...core.portfolio import ADDITIONALITY_FIELDS, READINESS_FLAGS, ProjectInputs
from ...core.results import PortfolioResults, vfm_category
from .assumptions import YearAxis
from .layout import (FACTOR, MONEY, NUM0, NUM1, NUM2, NUM5, PCT, PCT2, RATIO, YEAR, Formats, cached, cell,
                     write_text)

TOL = f"{PAYBACK_TOLERANCE_GBP:.0E}"

# result key -> (label, number format, unit); the order of the results block
RESULT_ROWS = [
    ("pv_costs_gbp", "Present value of costs (PVC)", MONEY, ""),
    ("pv_benefits_gbp", "Present value of benefits (PVB)", MONEY, ""),
    ("npsv_gbp", "Net present social value (NPSV)", MONEY, ""),
    ("bcr", "Social BCR (PVB / PVC)", RATIO, ""),
    ("pv_costs_public_gbp", "PV of costs borne by the public sector", MONEY, ""),
    ("pv_costs_private_gbp", "PV of costs borne privately", MONEY, ""),
    ("bcr_public", "Funder BCR ((PVB - private PVC) / public PVC)", RATIO, ""),
    ("vfm_basis", "Value-for-money basis", None, ""),
    ("vfm_category_unadjusted", "Value for money before adjustment", None, ""),
    ("vfm_category", "Value for money", None, ""),
    ("pv_carbon_benefit_gbp", "PV of carbon benefits", MONEY, ""),
    ("pv_energy_benefit_gbp", "PV of energy saved (resource cost)", MONEY, ""),
    ("pv_comfort_gbp", "PV of comfort taken", MONEY, ""),
    ("pv_air_quality_gbp", "PV of air-quality benefits", MONEY, ""),
    ("pv_road_externalities_gbp", "PV of road externalities avoided", MONEY, ""),
    ("pv_other_economic_gbp", "PV of other economic benefits", MONEY, ""),
    ("pv_embodied_carbon_cost_gbp", "PV of embodied carbon (deducted)", MONEY, ""),
    ("pv_residual_value_gbp", "PV of residual value", MONEY, ""),
    ("pv_other_benefits_gbp", "PV of benefits other than carbon", MONEY, ""),
    ("pv_network_reinforcement_gbp", "PV of network reinforcement (in PVC)", MONEY, ""),
    ("pv_indirect_tax_change_gbp", "Exchequer: PV of indirect tax change", MONEY, "not in PVB"),
    ("carbon_saved_tco2e", "Carbon saved over the life", NUM0, "tCO2e"),
    ("carbon_saved_traded_tco2e", "  of which traded (grid electricity)", NUM0, "tCO2e"),
    ("carbon_saved_direct_tco2e", "  of which direct", NUM0, "tCO2e"),
    ("embodied_carbon_tco2e", "Embodied carbon of the works", NUM0, "tCO2e"),
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
    ("net_construction_jobs_fte", "Net construction jobs (permanent equivalent)", NUM2, "FTE"),
    ("net_operational_jobs_fte", "Net operational jobs", NUM2, "FTE"),
    ("net_additional_jobs_fte", "Net additional jobs", NUM2, "FTE"),
    ("public_cost_gbp", "Public cost", MONEY, ""),
    ("cost_per_net_job_gbp", "Public cost per net additional job", MONEY, "£/FTE"),
    ("public_cost_per_tco2e_gbp", "Public cost per tonne saved", MONEY, "£/tCO2e"),
    ("public_cost_per_direct_tco2e_gbp", "Public cost per direct tonne", MONEY, "£/tCO2e"),
    ("psds_test_passed", "PSDS-style carbon cost test passed", None, ""),
    ("gap_sector", "Investment-gap sector", None, ""),
    ("gap_public_in_window_gbp", "Public funding in the gap window", MONEY, ""),
    ("gap_contribution_gbp", "Contribution to the investment gap", MONEY, ""),
    ("investment_mobilised_gbp", "Investment mobilised in the gap window", MONEY, ""),
    ("readiness_score", "Readiness score", NUM0, "of 100"),
    ("shovel_ready", "Shovel-ready", None, ""),
]
TEXT_RESULTS = ("vfm_basis", "vfm_category_unadjusted", "vfm_category", "psds_test_passed",
                "gap_sector", "shovel_ready")
UNDEFINED_NOTES = {
    "bcr": "not defined: the present value of costs is zero",
    "bcr_public": "not defined: no costs are borne by the public sector",
    "vfm_category_unadjusted": "not defined without a BCR on the basis",
    "vfm_category": "not defined without a BCR on the basis",
    "cost_per_tco2e_gbp": "not defined: no carbon is saved",
    "switching_benefits_fall": "not defined: PVB is zero",
    "switching_costs_rise": "not defined: PVC is zero",
    "financial_irr": "none: the cash flows do not change sign, or no rate solves NPV = 0",
    "payback_year": "none: never negative, or still negative in the last year",
    "discounted_payback_year": "none: never negative, or still negative in the last year",
    "cost_per_net_job_gbp": "not defined: no net additional jobs",
    "public_cost_per_tco2e_gbp": "not defined: no carbon is saved",
    "public_cost_per_direct_tco2e_gbp": "not defined: no direct tonnes are saved",
    "psds_test_passed": "the test does not apply to the category",
    "gap_sector": "the category is in no gap sector: no contribution",
}
ARRAY_RESULTS = ("financial_irr",)    # formulas that need array evaluation (IRR of IF(...))
UNGUARDED_RESULTS = ("vfm_basis", "gap_sector", "readiness_score", "shovel_ready")
RESULTS_FIRST_ROW = 5                                   # row of the first result (0-based)
INPUTS_HEADER_ROW = RESULTS_FIRST_ROW + len(RESULT_ROWS) + 1
ID_CELL, NAME_CELL, CATEGORY_CELL = (cell(INPUTS_HEADER_ROW + k, 1) for k in (1, 2, 3))
LABEL_WIDTH, YEAR_WIDTH = 46, 13
PRINT_SCALE = 55           # per cent: a printed page holds the results, the chart and the checks
CHART_COL = 7
CHART_WIDTH_PX = 560
CHECK_LINE_CHARS = 85      # a check's text is split into lines of about this length
BOLD_ITEMS = ("costs", "benefits", "cash")


def result_cell(key: str) -> str:
    """Absolute address of a result on every project sheet (the Summary reads them)."""
    return cell(RESULTS_FIRST_ROW + [k for k, *_ in RESULT_ROWS].index(key), 1)


def vfm_formula(bcr: str, adjustment: str = "0") -> str:
    """METHOD.md 3 (v2): the value-for-money band of a BCR (a cell or an expression),
    moved ``adjustment`` bands and stopping at the ends of the scale, from the
    Assumptions sheet's band table (written from the core's ``VFM_BANDS``)."""
    band = f"IF({bcr}<INDEX(VfM_Lower,1),1,MATCH({bcr},VfM_Lower,1)+1)"
    return (f'=IF({bcr}="","",INDEX(VfM_Label,MIN(MAX({band}+{adjustment},1),'
            f'ROWS(VfM_Label))))')


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
    ProjectSheet(wb, fmt, sheet, p, i, results, pack, axis).write()


class ProjectSheet:
    """The parts of one project's sheet, sharing the addresses they need."""

    def __init__(self, wb, fmt: Formats, sheet: str, p: ProjectInputs, i: int,
                 results: PortfolioResults, pack: AssumptionPack, axis: YearAxis) -> None:
        self.wb, self.fmt, self.sheet, self.p, self.i = wb, fmt, sheet, p, i
        self.results, self.pack, self.axis = results, pack, axis
        self.ws = wb.add_worksheet(sheet)
        self.m = {k: v[i] for k, v in results.metrics.items()}
        self.A = results.appraisal_year
        self.fuels = pack.fuels()
        self.category = pack.categories[p.category]
        self.start, first, last = project_span(p, self.A, pack)
        self.years = np.arange(first, last + 1)
        self.ny = self.years.size
        self.s0 = int(first - axis.years[0])
        self.s = {k: v[self.s0:self.s0 + self.ny] for k, v in results.project_series(i).items()}
        self.k = results.deflator[results.price_base_year] / results.deflator[
            p.price_year if p.price_year is not None else results.price_base_year]
        self.streams = list(p.other_benefits)
        self.has_pf_map = p.public_funding is not None
        self.row = INPUTS_HEADER_ROW
        self.at: dict[str, str] = {}    # input key -> address of the value used
        self.inp: dict[str, str] = {}   # input key -> address of the input cell
        self.deferred: list[Callable[[], None]] = []   # formulas that need the year table's rows
        self.rows: dict[str, int] = {}
        self.res = {key: result_cell(key) for key, *_ in RESULT_ROWS}

    def write(self) -> None:
        ws, p, results = self.ws, self.p, self.results
        ws.set_column(0, 0, LABEL_WIDTH)
        ws.set_column(1, 2, 15)
        ws.set_column(3, max(3, self.ny), YEAR_WIDTH)
        write_text(ws, 0, 0, f"{p.id}: {p.name}", self.fmt.title)
        write_text(ws, 1, 0, f"Category {p.category}; {p.area or 'area not given'}; money in £ at "
                             f"{results.price_base_year} prices; appraisal year {self.A}; method "
                             f"version 2; assumptions {results.pack_id} ({results.pack_vintage})",
                   self.fmt.note)
        write_text(ws, 2, 0, "Yellow cells are inputs. Every other figure is a formula: change an "
                             "input and the results and the Summary recalculate.", self.fmt.note)
        self.inputs()
        self.year_table()
        for write in self.deferred:
            write()
        self.results_block()
        self.chart_and_checks()
        ws.freeze_panes(3, 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_print_scale(PRINT_SCALE)
        ws.repeat_columns(0)
        ws.set_header(f"&L{p.id}&R{results.pack_id} ({results.pack_vintage})")
        ws.set_footer("&LLow-Carbon Appraisal&RPage &P of &N")

    # ------------------------------------------------------------------ inputs
    def put(self, key: str, label: str, value, num_fmt: str | None,
            used: str | Callable[[], str] | None = None, used_value=None, unit: str = "",
            note: str = "", used_fmt: str | None = None) -> None:
        """An input row: the input (column B, yellow), and where a default or a
        conversion applies, the value used (column C, a formula; ``{B}`` stands
        for the input cell; a callable is written once the year table is laid out)."""
        ws, fmt, row = self.ws, self.fmt, self.row
        write_text(ws, row, 0, label)
        if isinstance(value, str):
            ws.write_string(row, 1, value, fmt.input_text())
        elif value is None:
            ws.write_blank(row, 1, None, fmt.num(num_fmt or "General", input=True))
        else:
            ws.write_number(row, 1, float(value), fmt.num(num_fmt or "General", input=True))
        self.inp[key] = self.at[key] = cell(row, 1)
        if used is not None:
            f = fmt.num(used_fmt or num_fmt or "General")
            b = self.inp[key]
            if callable(used):
                self.deferred.append(lambda: ws.write_formula(
                    row, 2, used().replace("{B}", b), f, cached(used_value)))
            else:
                ws.write_formula(row, 2, used.replace("{B}", b), f, cached(used_value))
            self.at[key] = cell(row, 2)
        write_text(ws, row, 3, unit, fmt.unit)
        if note:
            write_text(ws, row, 4, note, fmt.note)
        self.row += 1

    def derived(self, key: str, label: str, formula: str | Callable[[], str], value,
                num_fmt: str, unit: str = "", note: str = "") -> None:
        """A row with no input: only the value used (column C)."""
        self.put(key, label, None, num_fmt, formula, value, unit, note)
        self.ws.write_blank(self.row - 1, 1, None)

    def section(self, title: str) -> None:
        write_text(self.ws, self.row, 0, title, self.fmt.subtitle)
        self.row += 1

    def cat(self, name: str) -> str:
        """The category's value in the Assumptions sheet's column ``name``."""
        return f"INDEX({name},MATCH({self.inp['category']},Cat_Name,0))"

    def inputs(self) -> None:
        for c, label in enumerate(["Inputs", "Input", "Used", "Unit", "Note"]):
            write_text(self.ws, self.row, c, label, self.fmt.header)
        self.row += 1
        self.inputs_project()
        self.inputs_timeline()
        self.inputs_costs()
        self.inputs_energy()
        self.inputs_streams()
        self.inputs_financial()
        self.inputs_jobs()

    def inputs_project(self) -> None:
        p, results = self.p, self.results
        self.put("id", "Project ID", p.id, None)
        self.put("name", "Name", p.name, None)
        self.put("category", "Category", p.category, None, note="a category of the Assumptions sheet")
        self.put("area", "Area", p.area, None)
        self.put("level", "Spatial level", p.spatial_level, None, note="sets the default additionality")
        price_year = p.price_year if p.price_year is not None else results.price_base_year
        self.put("price_year", "Price year of the money inputs", price_year, YEAR)
        self.put("k", "Rebase factor to the price base", None, FACTOR,
                 f"=INDEX(Defl_Index,MATCH(PriceBaseYear,Defl_Year,0))/"
                 f"INDEX(Defl_Index,MATCH({self.inp['price_year']},Defl_Year,0))", self.k,
                 note="GDP deflator: D(price base year) / D(price year), extrapolated past the table")

    def inputs_timeline(self) -> None:
        """METHOD.md 2 and 3: operation, optimism bias on capex and on duration (v2)."""
        p, pack, m = self.p, self.pack, self.m
        self.section("Timeline and optimism bias")
        self.put("opstart", "Operating start (promoter's timeline)", p.operating_start, YEAR,
                 lambda: (f"=IF(ISNUMBER({{B}}),{{B}},IF(COUNT({self.rng('capex_in')})=0,"
                          f"AppraisalYear,SUMPRODUCT(MAX(ISNUMBER({self.rng('capex_in')})*"
                          f"{self.rng('year')}))+1))"), self.start, "year",
                 "empty: the year after the last capex year")
        self.put("lifetime", "Lifetime", p.lifetime_years, NUM0, unit="years")
        self.put("stage", "Business case stage", p.business_case_stage or "", None,
                 note="soc, obc or fbc; empty: no duration optimism bias")
        ptype = p.ob_project_type or self.category.ob_project_type
        self.put("ob_given", "Optimism bias given by the project", p.optimism_bias, PCT,
                 note="empty: the project type's upper bound, less mitigation")
        if isinstance(p.ob_project_type, dict):
            shares = []
            for t, v in p.ob_project_type.items():
                self.put(f"ob_share_{t}", f"Optimism bias: share of {t.replace('_', ' ')}", v, PCT,
                         note="a mix of project types: the shares should add up to 100%")
                shares.append((self.inp[f"ob_share_{t}"], f'MATCH("{t}",OB_Type,0)'))
        else:
            self.put("ob_type", "Optimism bias project type", p.ob_project_type or "", None,
                     f'=IF({{B}}="",{self.cat("Cat_OBType")},{{B}})', ptype,
                     note="empty: the category's type")
            shares = [("1", f"MATCH({self.at['ob_type']},OB_Type,0)")]
        for key, col, label in (("ob_upper", "capex_upper", "capex"),
                                ("ob_dur_upper", "duration_upper", "works duration")):
            name = "OB_CapexUpper" if col == "capex_upper" else "OB_DurationUpper"
            self.derived(key, f"Optimism bias upper bound ({label})",
                         "=" + "+".join(f"{s}*INDEX({name},{match})" for s, match in shares),
                         blended_upper_bound(ptype, pack, col), PCT, note="from the Optimism bias table")
        stage, mit_given = self.inp["stage"], p.ob_mitigation
        by_stage = (f'IF({stage}="",0,IFERROR(INDEX(Stage_Mitigation,MATCH({stage},Stage_Name,0)),0))'
                    if pack.ob_stage_mitigation else "0")
        mit = mit_given if mit_given is not None else pack.ob_stage_mitigation.get(
            p.business_case_stage, 0.0) if p.business_case_stage else 0.0
        self.put("ob_mit", "Optimism bias mitigation", mit_given, PCT,
                 f"=IF(ISNUMBER({{B}}),{{B}},{by_stage})", mit, note="empty: the stage's mitigation")
        self.derived("ob", "Optimism bias used",
                     f"=IF(ISNUMBER({self.inp['ob_given']}),{self.inp['ob_given']},"
                     f"{self.at['ob_upper']}*(1-{self.at['ob_mit']}))", m["optimism_bias"], PCT,
                     note="uplift on incremental capex (METHOD.md 3)")
        self.derived("delay", "Duration optimism bias: operation delayed by",
                     lambda: (f'=IF({stage}="",0,INT({self.at["ob_dur_upper"]}*(1-{self.at["ob_mit"]})'
                              f'*SUMPRODUCT(ISNUMBER({self.rng("capex_in")})*({self.rng("capex_in")}'
                              f'<>0))+0.5))'), m["ob_delay_years"], NUM0, "years",
                     "upper bound x (1 - mitigation) x capex years, rounded; economic case only")
        self.derived("opstart_e", "Operating start (economic case)",
                     lambda: f"={self.at['opstart']}+{self.at['delay']}",
                     self.start + m["ob_delay_years"], YEAR, "year")

    def inputs_costs(self) -> None:
        p, pack, k = self.p, self.pack, self.k
        self.section("Costs, funding and residual value")
        self.put("opex", "Opex per operating year", p.opex_per_year, MONEY, "={B}*" + self.at["k"],
                 p.opex_per_year * k, "£", "input at its price year; used at base prices")
        if not p.renewals:
            write_text(self.ws, self.row, 0, "Renewals")
            write_text(self.ws, self.row, 4, "none (add them in the application)", self.fmt.note)
            self.row += 1
        for j, (label, cost, every) in enumerate(p.renewals):
            self.put(f"ren_cost_{j}", f"Renewal {j + 1}: {label}"[:120], cost, MONEY,
                     "={B}*" + self.at["k"], cost * k, "£", "capex for every purpose")
            self.put(f"ren_every_{j}", f"Renewal {j + 1}: every", every, NUM0, unit="years",
                     note="from the operating start, up to the last operating year")
        self.put("peak_kw", "Added peak electrical load", p.added_peak_kw, NUM1, unit="kW")
        self.derived("network", "Network reinforcement cost", f"={self.inp['peak_kw']}*NR_Rate",
                     p.added_peak_kw * pack.parameter("network_reinforcement_gbp_per_kw")
                     * pack.rebase_factor(pack.default_price_base_year, self.results.price_base_year),
                     MONEY, "£", "peak kW x the pack's £ per kW; in the first operating year, "
                                 "economic case only")
        self.put("residual_in", "Residual value", p.residual_value, MONEY, unit="£",
                 note="at the input price year; a benefit the year after operation ends")
        self.put("asset_life", "Asset life", p.asset_life_years, NUM0, unit="years",
                 note="instead of a residual value: straight line on the capex")
        self.derived("residual", "Residual value used", lambda: (
            f"=IF(ISNUMBER({self.inp['residual_in']}),{self.inp['residual_in']}*{self.at['k']},"
            f"IF(AND(ISNUMBER({self.inp['asset_life']}),{self.inp['asset_life']}>{self.at['lifetime']}),"
            f"SUM({self.rng('capex')})*({self.inp['asset_life']}-{self.at['lifetime']})/"
            f"{self.inp['asset_life']},0))"), self._residual(), MONEY, "£")
        share = p.public_funding_share
        if self.has_pf_map:
            self.put("share", "Public funding share of capex", None, PCT,
                     note="not used: public funding is given by year in the table below")
        else:
            self.put("share", "Public funding share of capex", share, PCT, "=IF(ISNUMBER({B}),{B},1)",
                     share if share is not None else 1.0,
                     note="empty: all capex publicly funded" if share is None else "")
        self.put("promoter_public", "Promoter is a public body bearing every cost",
                 _yes(p.promoter_public), None, '=IF({B}="Yes",1,0)', int(p.promoter_public),
                 note="Yes: the funder BCR's public costs are all costs", used_fmt=NUM0)

    def _residual(self) -> float:
        p = self.p
        if p.residual_value is not None:
            return p.residual_value * self.k
        if p.asset_life_years is not None and p.asset_life_years > p.lifetime_years:
            return sum(p.capex.values()) * self.k * (p.asset_life_years - p.lifetime_years) \
                / p.asset_life_years
        return 0.0

    def inputs_energy(self) -> None:
        """METHOD.md 3 (v2): sector, deadweight, comfort taking, external effects."""
        p, c, m = self.p, self.category, self.m
        self.section("Energy, carbon and external effects")
        sector = p.energy_sector or c.energy_sector or ""
        own = self.cat("Cat_EnergySector")
        self.put("sector", "Energy sector", p.energy_sector or "", None,
                 f'=IF({{B}}="",IF({own}="","(none)",{own}),{{B}})', sector or "(none)",
                 note="domestic, commercial, industrial or transport; empty: the category's")
        self.derived("sc", "Energy sector: column of the year tables",
                     f"=MATCH({self.at['sector']},Sector_Names,0)", SECTORS.index(sector) + 1, NUM0)
        self.put("deadweight", "Benefit deadweight", p.benefit_deadweight, PCT,
                 f"=IF(ISNUMBER({{B}}),{{B}},{self.cat('Cat_Deadweight')})", m["benefit_deadweight"],
                 note="share of the benefits that would happen anyway; empty: the category's")
        self.derived("keep", "Share of benefits that is additional", f"=1-{self.at['deadweight']}",
                     1.0 - m["benefit_deadweight"], PCT)
        ct = (p.comfort_taking if p.comfort_taking is not None else c.comfort_taking or 0.0) \
            if c.comfort_taking is not None else 0.0
        self.comfort_used = ct
        flagged = self.cat("Cat_Comfort")
        self.put("comfort", "Comfort taking", p.comfort_taking, PCT,
                 f"=IF(ISNUMBER({flagged}),IF(ISNUMBER({{B}}),{{B}},{flagged}),0)", ct,
                 note="share of each fuel saving taken as warmth; only for categories the pack flags")
        self.derived("embodied", "Embodied carbon per £1m of capex", f"={self.cat('Cat_Embodied')}",
                     c.embodied_tco2e_per_million, NUM2, "tCO2e", "the category's")
        self.put("km", "Car-km removed per operating year", p.car_km_removed, NUM0,
                 "=N({B})", p.car_km_removed or 0.0, "car-km", "or by year in the table below")
        qty = {f: 0.0 for f in self.fuels}
        for f, q in p.energy_changes:
            qty[f] += q
        self.qty = qty
        for f in self.fuels:
            q = qty[f]
            self.put(f"q_{f}", f"Energy change: {f}", q, NUM0, f"=IF({{B}}<0,{{B}}*(1-{self.at['comfort']}),{{B}})",
                     q * (1.0 - ct) if q < 0 else q, f"{self.pack.fuel_units[f]} a year",
                     "per operating year; negative = less used; used: after comfort taking")

    def inputs_streams(self) -> None:
        for j, st in enumerate(self.streams):
            kind = ("economic: a social benefit" if st.kind == "economic"
                    else "revenue: cash to the promoter (financial case only)")
            label = f"Benefit {j + 1}: {st.label}"[:120]
            if st.per_year is not None:
                self.put(f"stream_{j}", label, st.per_year, MONEY, unit="£ a year",
                         note=f"{kind}; per operating year, at the input price year")
            else:
                write_text(self.ws, self.row, 0, label)
                write_text(self.ws, self.row, 1, "by year", self.fmt.note)
                write_text(self.ws, self.row, 4, f"{kind}; amounts by year in the table below",
                           self.fmt.note)
                self.row += 1
            if st.kind == "economic":
                self.put(f"disc_{j}", f"Benefit {j + 1}: discounting", st.discounting, None,
                         note="standard, or health (the health schedule, METHOD.md 1.2)")

    def inputs_financial(self) -> None:
        p = self.p
        self.section("Financial case and value for money")
        self.put("bill", "Energy bill savings go to the promoter", _yes(p.bill_savings_to_promoter),
                 None, '=IF({B}="Yes",1,0)', int(p.bill_savings_to_promoter), note="Yes or No",
                 used_fmt=NUM0)
        self.put("vat_rec", "The promoter recovers VAT", _yes(p.vat_recoverable), None,
                 '=IF({B}="Yes",1,0)', int(p.vat_recoverable), note="Yes: bills are valued net of VAT",
                 used_fmt=NUM0)
        for f in self.fuels:
            self.put(f"tariff_{f}", f"Tariff paid: {f}", p.tariffs.get(f), "£#,##0.0000",
                     unit=f"£/{self.pack.fuel_units[f]}",
                     note="incl. VAT, at the input price year; empty: the pack's retail price")
        self.put("vfm_adj", "Value-for-money adjustment", p.vfm_adjustment, NUM0, unit="bands",
                 note="-1, 0 or +1 for non-monetised impacts, with a reason")
        self.put("vfm_reason", "Reason for the adjustment", p.vfm_adjustment_reason, None)
        self.derived("psds", "PSDS-style carbon cost test applies", f"={self.cat('Cat_PSDS')}",
                     int(self.category.psds_test), NUM0, note="1: the category is flagged in the pack")

    def inputs_jobs(self) -> None:
        p, pack = self.p, self.pack
        self.section("Jobs and readiness")
        self.put("jypm", "Construction job-years per £1m of capex", p.job_years_per_million, NUM2,
                 f"=IF(ISNUMBER({{B}}),{{B}},{self.cat('Cat_JYPM')})",
                 p.job_years_per_million if p.job_years_per_million is not None
                 else self.category.job_years_per_million, "job-years", "empty: the category's default")
        self.put("fte", "Operational jobs", p.operational_fte, NUM2, unit="FTE")
        factors = []
        for f in ADDITIONALITY_FIELDS:
            v = p.additionality.get(f)
            used = v if v is not None else pack.additionality[p.spatial_level][f]
            factors.append(used)
            self.put(f"add_{f}", f"Additionality: {f}", v, RATIO if f == "multiplier" else PCT,
                     f"=IF(ISNUMBER({{B}}),{{B}},INDEX(Add_{f.capitalize()},MATCH({self.inp['level']},"
                     "Add_Level,0)))", used, note="empty: the spatial level's default")
        a = {f: self.at[f"add_{f}"] for f in ADDITIONALITY_FIELDS}
        self.derived("add_factor", "Net additionality factor",
                     f"=(1-{a['deadweight']})*(1-{a['leakage']})*(1-{a['displacement']})*"
                     f"(1-{a['substitution']})*{a['multiplier']}",
                     (1 - factors[0]) * (1 - factors[1]) * (1 - factors[2]) * (1 - factors[3]) * factors[4],
                     FACTOR, note="gross jobs x this = net additional jobs")
        for f in READINESS_FLAGS:
            self.put(f"ready_{f}", f"Readiness: {f.replace('_', ' ')}", _yes(getattr(p.readiness, f)),
                     None, '=IF({B}="Yes",1,0)', int(getattr(p.readiness, f)), note="Yes or No",
                     used_fmt=NUM0)
        self.put("months", "Months to start", p.readiness.months_to_start, NUM1, unit="months")

    # ------------------------------------------------------------ year table
    def rng(self, key: str) -> str:
        r = self.rows[key]
        return f"${xl_col_to_name(1)}${r + 1}:${xl_col_to_name(self.ny)}${r + 1}"

    def items(self) -> list[tuple[str, str, str]]:
        """The rows of the year table: (key, label, number format)."""
        pack = self.pack
        out = [("year", "Year", YEAR), ("t", "t (years from the appraisal year)", NUM0),
               ("yt", "Row of the Assumptions year tables", NUM0),
               ("operating", "In operation, economic case (1 = yes)", NUM0),
               ("operating_fin", "In operation, promoter's timeline (1 = yes)", NUM0),
               ("rate", "Discount rate r(t)", "0.00%"),
               ("df", "Discount factor DF(t) = DF(t-1) / (1 + r(t))", FACTOR),
               ("dfh", "Discount factor, health schedule", FACTOR),
               ("capex_in", "Capex (£ at the input price year)", MONEY), ("capex", "Capex", MONEY),
               ("renewals", "Renewals (economic timeline)", MONEY),
               ("cf_in", "Counterfactual capex (£ at the input price year)", MONEY),
               ("cf", "Counterfactual capex", MONEY),
               ("capex_inc", "Incremental capex: capex + renewals - counterfactual", MONEY),
               ("ob", "Optimism bias", MONEY), ("opex", "Opex", MONEY),
               ("network", "Network reinforcement", MONEY), ("costs", "Costs", MONEY)]
        out += [(f"q_{f}", f"Energy change after comfort taking: {f} ({pack.fuel_units[f]})", NUM0)
                for f in self.fuels]
        out += [("carbon_traded", "Carbon saved, traded fuels (tCO2e, after deadweight)", NUM2),
                ("carbon_direct", "Carbon saved, direct (tCO2e, after deadweight)", NUM2),
                ("carbon_saved", "Carbon saved (tCO2e)", NUM2),
                ("cv", "Carbon value (£ per tCO2e)", NUM2),
                ("tcp", "Carbon price inside traded fuels' costs (£ per tCO2e)", NUM2),
                ("carbon_benefit", "Carbon benefit", MONEY),
                ("energy_saving", "Energy saving at resource cost", MONEY),
                ("comfort", "Comfort taken (at retail prices)", MONEY),
                ("air_quality", "Air-quality benefit", MONEY),
                ("km_in", "Car-km removed by year (input)", NUM0), ("km", "Car-km removed", NUM0),
                ("mec", "Marginal external cost (£ per car-km)", NUM5),
                ("road", "Road externalities avoided", MONEY),
                ("embodied_t", "Embodied carbon (tCO2e)", NUM2),
                ("embodied", "Embodied carbon cost", MONEY)]
        out += [(f"stream_{j}", f"Benefit {j + 1}: {st.label} (£, input prices)"[:120], MONEY)
                for j, st in enumerate(self.streams)]
        out += [("other", "Other economic benefits, standard discounting", MONEY),
                ("health", "Other economic benefits, health discounting", MONEY),
                ("residual", "Residual value", MONEY), ("benefits", "Benefits", MONEY),
                ("dcosts", "Discounted costs", MONEY), ("dbenefits", "Discounted benefits", MONEY),
                ("dnet", "Discounted net benefit", MONEY),
                ("cum_dnet", "Cumulative discounted net benefit (from year 0)", MONEY),
                ("tax", "Exchequer: indirect tax change (duty and VAT)", MONEY),
                ("renewals_fin", "Renewals (promoter's timeline)", MONEY),
                ("capex_fin", "Capex funded by the promoter, with optimism bias", MONEY),
                ("opex_fin", "Opex (promoter's timeline)", MONEY),
                ("revenue", "Revenue (financial case)", MONEY),
                ("bill", "Energy bill saving to the promoter", MONEY),
                ("cash_real", "Financial cash flow, real", MONEY),
                ("nominal", "Real to nominal factor", FACTOR),
                ("cash", "Financial cash flow (promoter)", MONEY),
                ("cum_cash", "Cumulative cash flow (from year 0)", MONEY)]
        if self.has_pf_map:
            out.append(("pf_in", "Public funding (£ at the input price year)", MONEY))
        out += [("pf", "Public funding", MONEY), ("ps", "Public share of capex", PCT),
                ("dpublic", "Discounted costs borne by the public sector", MONEY),
                ("window", "In the investment-gap window (1 = yes)", NUM0)]
        return out

    def fuel_sum(self, term: Callable[[str], str]) -> str:
        """``(term(fuel 1) + term(fuel 2) + ...)`` over every fuel of the pack."""
        return "(" + "+".join(term(f) for f in self.fuels) + ")"

    @staticmethod
    def lookup(code: str, fuel: str) -> str:
        """The year table ``code`` for ``fuel`` in this year and the project's sector."""
        return f"INDEX(YT_{code}_{fuel},{{yt}},{{sc}})"

    def renewal_terms(self, start: str) -> str:
        """METHOD.md 2 and 10.3: each renewal's cost in years ``start + k * every``
        (k >= 1) up to and including the last operating year."""
        off = f"({{year}}-{{{start}}})"
        terms = [f"IF(AND({off}>0,MOD({off},{{ren_every_{j}}})=0,{off}<={{lifetime}}-1),"
                 f"{{ren_cost_{j}}},0)" for j in range(len(self.p.renewals))]
        return "=" + ("+".join(terms) or "0")

    def templates(self) -> dict[str, str]:
        """Each year row's formula, METHOD.md sections 2 to 6 in order."""
        return {**self.cost_templates(), **self.benefit_templates(), **self.financial_templates()}

    def cost_templates(self) -> dict[str, str]:
        return {
            "t": "={year}-AppraisalYear",
            "yt": "=MATCH({year},YT_Year,0)",
            "operating": "=IF(AND({year}>={opstart_e},{year}<{opstart_e}+{lifetime}),1,0)",
            "operating_fin": "=IF(AND({year}>={opstart},{year}<{opstart}+{lifetime}),1,0)",
            "rate": "=IF({t}<=0,0,INDEX(DT_Rate,{t}+1))",
            # chained year to year; a column whose previous year is before year 0
            # starts from the Assumptions sheet's chain (so moving AppraisalYear works)
            "df": "=IF({t}<0,0,IF({p_t}>=0,{p_df}/(1+{rate}),INDEX(DT_DF,{t}+1)))",
            "dfh": "=IF({t}<0,0,INDEX(DT_DFH,{t}+1))",
            "capex": "=N({capex_in})*{k}",
            "renewals": self.renewal_terms("opstart_e"),
            "cf": "=N({cf_in})*{k}",
            "capex_inc": "={capex}+{renewals}-{cf}",
            "ob": "={capex_inc}*{ob_used}",
            "opex": "={operating}*{opex_used}",
            "network": "=IF(AND({year}={opstart_e},{lifetime}>0),{nr_used},0)",
            "costs": "={capex_inc}+{ob}+{opex}+{network}",
        }

    def benefit_templates(self) -> dict[str, str]:
        L = self.lookup
        streams = list(enumerate(self.streams))
        other = [f'IF({{disc_{j}}}="health",0,1)*N({{stream_{j}}})' for j, st in streams
                 if st.kind == "economic"]
        health = [f'IF({{disc_{j}}}="health",1,0)*N({{stream_{j}}})' for j, st in streams
                  if st.kind == "economic"]
        out = {f"q_{f}": f"={{operating}}*{{qeff_{f}}}" for f in self.fuels}
        out.update({
            "carbon_traded": "=-{keep}*" + self.fuel_sum(
                lambda f: f"{{q_{f}}}*{L('EF', f)}*INDEX(TR_{f},1,{{sc}})") + "/1000",
            "carbon_direct": "=-{keep}*" + self.fuel_sum(
                lambda f: f"{{q_{f}}}*{L('EF', f)}*(1-INDEX(TR_{f},1,{{sc}}))") + "/1000",
            "carbon_saved": "={carbon_traded}+{carbon_direct}",
            "cv": "=INDEX(YT_CV,{yt})",
            "tcp": "=INDEX(YT_TCP,{yt})",
            "carbon_benefit": "={carbon_direct}*{cv}+{carbon_traded}*({cv}-{tcp})",
            "energy_saving": "=-{keep}*" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('RES', f)}"),
            "comfort": "={keep}*{operating}*" + self.fuel_sum(
                lambda f: f"({{qeff_{f}}}-{{qin_{f}}})*{L('RET', f)}"),
            "air_quality": "=-{keep}*" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('AQ', f)}"),
            "km": "={operating}*{km_used}+N({km_in})",
            "mec": "=INDEX(YT_MEC,{yt})",
            "road": "={km}*{mec}*{keep}",
            "embodied_t": "=({capex}+{renewals})/1000000*{emb_used}",
            "embodied": "={embodied_t}*{cv}",
            "other": "={keep}*{k}*(" + ("+".join(other) or "0") + ")",
            "health": "={keep}*{k}*(" + ("+".join(health) or "0") + ")",
            "residual": "=IF({year}={opstart_e}+{lifetime},{residual_used},0)",
            "benefits": ("={carbon_benefit}+{energy_saving}+{comfort}+{air_quality}+{road}+{other}"
                         "+{health}-{embodied}+{residual}"),
            "dcosts": "={costs}*{df}",
            "dbenefits": "=({benefits}-{health})*{df}+{health}*{dfh}",
            "dnet": "={dbenefits}-{dcosts}",
            "cum_dnet": "=IF({t}<0,0,IF({t}=0,{dnet},{p_cum_dnet}+{dnet}))",
            # METHOD.md 3 (v2): duty and VAT the Exchequer gains (negative: loses); a transfer
            "tax": "=" + self.fuel_sum(lambda f: f"{{q_{f}}}*{L('TAX', f)}"),
        })
        for j, st in streams:
            if st.per_year is not None:
                op = "operating_fin" if st.kind == "revenue" else "operating"
                out[f"stream_{j}"] = f"={{{op}}}*{{stream_in_{j}}}"
        return out

    def financial_templates(self) -> dict[str, str]:
        L = self.lookup
        rev = [f"N({{stream_{j}}})" for j, st in enumerate(self.streams) if st.kind == "revenue"]
        sector = self.res["gap_sector"]
        gap = f"MATCH({sector},Gap_Sector,0)"
        # METHOD.md 4 (v2): the pack's retail price or the project's tariff, net of VAT
        # where the promoter recovers it
        tariff = (lambda f: f"{{qeff_{f}}}*IF(ISNUMBER({{tariff_{f}}}),{{tariff_{f}}}*{{k}},"
                            f"{L('RET', f)})/IF({{vat_rec}}=1,1+{L('VAT', f)},1)")
        return {
            "renewals_fin": self.renewal_terms("opstart"),
            "capex_fin": "=({capex}+{renewals_fin})*(1+{ob_used}*FinancialOBShare)",
            "opex_fin": "={operating_fin}*{opex_used}",
            "revenue": "={k}*(" + ("+".join(rev) or "0") + ")",
            "bill": "=-{bill_used}*{operating_fin}*" + self.fuel_sum(tariff),
            "cash_real": "=-{capex_fin}-{opex_fin}+{revenue}+{bill}",
            "nominal": "=INDEX(YT_Nominal,{yt})",
            "cash": "={cash_real}*{nominal}",
            "cum_cash": "=IF({t}<0,0,IF({t}=0,{cash},{p_cum_cash}+{cash}))",
            "pf": "=N({pf_in})*{k}" if self.has_pf_map else "=({capex}+{renewals_fin})*{share_used}",
            # METHOD.md 3 and 10.7: the public share of each year's gross capex
            "ps": ("=IF({capex}+{renewals}<>0,{pf}/({capex}+{renewals}),0)" if self.has_pf_map
                   else "={share_used}"),
            "dpublic": "={ps}*({capex_inc}+{ob})*{df}",
            "window": (f'=IF({sector}="",0,IF(AND({{year}}>=INDEX(Gap_First,{gap}),'
                       f'{{year}}<=INDEX(Gap_Last,{gap})),1,0))'),
        }

    def fixed_refs(self) -> dict[str, str]:
        at, inp = self.at, self.inp
        fixed = {"opstart": at["opstart"], "opstart_e": at["opstart_e"], "lifetime": at["lifetime"],
                 "k": at["k"], "ob_used": at["ob"], "opex_used": at["opex"], "bill_used": at["bill"],
                 "share_used": at["share"], "keep": at["keep"], "sc": at["sc"],
                 "nr_used": at["network"], "residual_used": at["residual"], "emb_used": at["embodied"],
                 "km_used": at["km"], "vat_rec": at["vat_rec"]}
        for f in self.fuels:
            fixed.update({f"qeff_{f}": at[f"q_{f}"], f"qin_{f}": inp[f"q_{f}"],
                          f"tariff_{f}": inp[f"tariff_{f}"]})
        for j in range(len(self.p.renewals)):
            fixed.update({f"ren_cost_{j}": at[f"ren_cost_{j}"], f"ren_every_{j}": inp[f"ren_every_{j}"]})
        for j, st in enumerate(self.streams):
            if st.per_year is not None:
                fixed[f"stream_in_{j}"] = inp[f"stream_{j}"]
            if st.kind == "economic":
                fixed[f"disc_{j}"] = inp[f"disc_{j}"]
        return fixed

    def renewals_on(self, start: int) -> np.ndarray:
        """Renewal costs by year from operating start ``start`` [GBP, base prices]."""
        out = np.zeros(self.ny)
        offset = self.years - start
        for _, cost, every in self.p.renewals:
            due = (offset > 0) & (offset % every == 0) & (offset <= self.p.lifetime_years - 1)
            out += due * cost * self.k
        return out

    def caches(self) -> dict[str, np.ndarray]:
        """The application's own figures for every year row (the cached values)."""
        s, ax, p = self.s, self.axis, self.p
        sl = slice(self.s0, self.s0 + self.ny)
        t = self.years - self.A
        after = t >= 0
        op_e, op_f = s["operating"], s["operating_financial"]
        capex_e = s["capex"] + s["renewals"]
        capex_inc = capex_e - s["counterfactual_capex"]
        ren_f = self.renewals_on(self.start)
        dnet = s["discounted_benefits"] - s["discounted_costs"]
        cash = s["financial_cash_flow"]
        opex_fin = op_f * p.opex_per_year * self.k
        cash_real = -s["capex_financial"] - opex_fin + s["revenue"] + s["bill_savings"]
        if self.has_pf_map:
            with np.errstate(divide="ignore", invalid="ignore"):
                ps = np.where(capex_e != 0, s["public_funding"] / np.where(capex_e != 0, capex_e, 1), 0)
        else:
            ps = np.full(self.ny, 1.0 if p.public_funding_share is None else p.public_funding_share)
        km_map = p.car_km_removed_by_year or {}
        sector = self.category.gap_sector
        lo, hi = self.results.gap_windows.get(sector, (0, -1)) if sector else (0, -1)
        out = {
            "t": t, "yt": np.arange(self.s0 + 1, self.s0 + self.ny + 1), "operating": op_e,
            "operating_fin": op_f, "rate": ax.rate[sl], "df": ax.df[sl], "dfh": ax.df_health[sl],
            "capex": s["capex"], "renewals": s["renewals"], "cf": s["counterfactual_capex"],
            "capex_inc": capex_inc, "ob": s["optimism_bias"], "opex": s["opex"],
            "network": s["network_reinforcement"], "costs": s["costs"],
            "carbon_traded": s["carbon_saved_traded"], "carbon_direct": s["carbon_saved_direct"],
            "carbon_saved": s["carbon_saved"], "cv": ax.cv[sl], "tcp": ax.tcp[sl],
            "carbon_benefit": s["carbon_benefit"], "energy_saving": s["energy_saving"],
            "comfort": s["comfort"], "air_quality": s["air_quality"],
            "km": op_e * (p.car_km_removed or 0.0) + np.array([km_map.get(int(y), 0.0) for y in self.years]),
            "mec": ax.mec[sl], "road": s["road_externalities"],
            "embodied_t": s["embodied_carbon_tco2e"], "embodied": s["embodied_carbon"],
            "other": s["other_benefits"] - s["health_benefits"], "health": s["health_benefits"],
            "residual": s["residual_value"], "benefits": s["benefits"],
            "dcosts": s["discounted_costs"], "dbenefits": s["discounted_benefits"], "dnet": dnet,
            "cum_dnet": np.where(after, np.cumsum(np.where(after, dnet, 0.0)), 0.0),
            "tax": s["indirect_tax"], "renewals_fin": ren_f, "capex_fin": s["capex_financial"],
            "opex_fin": opex_fin, "revenue": s["revenue"], "bill": s["bill_savings"],
            "cash_real": cash_real, "nominal": ax.nominal[sl], "cash": cash,
            "cum_cash": np.where(after, np.cumsum(np.where(after, cash, 0.0)), 0.0),
            "pf": s["public_funding"], "ps": ps,
            "dpublic": ps * (capex_inc + s["optimism_bias"]) * ax.df[sl],
            "window": ((self.years >= lo) & (self.years <= hi)).astype(float),
        }
        for f in self.fuels:
            q = self.qty[f]
            out[f"q_{f}"] = op_e * (q * (1.0 - self.comfort_used) if q < 0 else q)
        for j, st in enumerate(self.streams):
            if st.per_year is not None:
                out[f"stream_{j}"] = (op_f if st.kind == "revenue" else op_e) * st.per_year
        return out

    def year_table(self) -> None:
        ws, fmt = self.ws, self.fmt
        ty = self.row + 2
        write_text(ws, ty - 1, 0, "Year by year (money in £ at base prices unless marked)",
                   fmt.subtitle)
        items = self.items()
        self.rows = {key: ty + n for n, (key, *_) in enumerate(items)}
        for key, label, _ in items:
            write_text(ws, self.rows[key], 0, label, fmt.header if key == "year"
                       else fmt.bold if key in BOLD_ITEMS else fmt.label)
        p = self.p
        inputs_by_year = {"capex_in": p.capex, "cf_in": p.counterfactual_capex or {},
                          "km_in": p.car_km_removed_by_year or {}, "pf_in": p.public_funding or {}}
        for j, st in enumerate(self.streams):
            if st.per_year is None:
                inputs_by_year[f"stream_{j}"] = st.profile or {}
        templates, cache = self.templates(), self.caches()
        first_column = {"df": "=IF({t}<0,0,INDEX(DT_DF,{t}+1))", "cum_dnet": "=IF({t}<0,0,{dnet})",
                        "cum_cash": "=IF({t}<0,0,{cash})"}
        refs = _Refs(self.rows, self.fixed_refs())
        formats = {key: fmt.num(num_fmt, bold=key in BOLD_ITEMS) for key, _, num_fmt in items}
        input_fmt = {key: fmt.num(num_fmt, input=True) for key, _, num_fmt in items}
        for n, y in enumerate(self.years):
            c = 1 + n
            refs.col, refs.prev = xl_col_to_name(c), xl_col_to_name(c - 1)
            ws.write_number(self.rows["year"], c, int(y), fmt.header)
            for key, _, _ in items[1:]:
                r = self.rows[key]
                if key in inputs_by_year:
                    v = inputs_by_year[key].get(int(y))
                    if v is None:
                        ws.write_blank(r, c, None, input_fmt[key])
                    else:
                        ws.write_number(r, c, v, input_fmt[key])
                    continue
                template = first_column.get(key, templates[key]) if n == 0 else templates[key]
                ws.write_formula(r, c, template.format_map(refs), formats[key], float(cache[key][n]))

    # ------------------------------------------------------------ results
    def result_formulas(self) -> dict[str, str]:
        """METHOD.md 3: the economic case's results, as formulas on the year table."""
        R, at, rng = self.res, self.at, self.rng

        def pv(key: str, df: str = "df") -> str:
            return f"SUMPRODUCT({rng(key)},{rng(df)})"

        basis = f'IF(VfmBasis="public",{R["bcr_public"]},{R["bcr"]})'
        pvc, pvb = R["pv_costs_gbp"], R["pv_benefits_gbp"]
        out = {
            "pv_costs_gbp": f"=SUM({rng('dcosts')})",
            "pv_benefits_gbp": f"=SUM({rng('dbenefits')})",
            "npsv_gbp": f"={pvb}-{pvc}",
            "bcr": f'=IF({pvc}=0,"",{pvb}/{pvc})',
            "pv_costs_public_gbp": f"=IF({at['promoter_public']}=1,{pvc},SUM({rng('dpublic')}))",
            "pv_costs_private_gbp": f"={pvc}-{R['pv_costs_public_gbp']}",
            "bcr_public": (f'=IF({R["pv_costs_public_gbp"]}=0,"",({pvb}-{R["pv_costs_private_gbp"]})/'
                           f'{R["pv_costs_public_gbp"]})'),
            "vfm_basis": "=VfmBasis",
            "vfm_category_unadjusted": vfm_formula(basis),
            "vfm_category": vfm_formula(basis, f"N({at['vfm_adj']})"),
            "pv_other_economic_gbp": f"={pv('other')}+{pv('health', 'dfh')}",
            "pv_other_benefits_gbp": f"={pvb}-{R['pv_carbon_benefit_gbp']}",
            "carbon_saved_tco2e": f"=SUM({rng('carbon_saved')})",
            "carbon_saved_traded_tco2e": f"=SUM({rng('carbon_traded')})",
            "carbon_saved_direct_tco2e": f"=SUM({rng('carbon_direct')})",
            "embodied_carbon_tco2e": f"=SUM({rng('embodied_t')})",
            "cost_per_tco2e_gbp": (f'=IF({R["carbon_saved_tco2e"]}>0,({pvc}-{R["pv_other_benefits_gbp"]})/'
                                   f'{R["carbon_saved_tco2e"]},"")'),
            "switching_benefits_fall": f'=IF({pvb}=0,"",{R["npsv_gbp"]}/{pvb})',
            "switching_costs_rise": f'=IF({pvc}=0,"",{R["npsv_gbp"]}/{pvc})',
            "sunk_costs_gbp": (f"=SUMPRODUCT(({rng('t')}<0)*({rng('capex')}+{rng('renewals_fin')}+"
                               f"{rng('opex_fin')}))"),
        }
        for key, row in (("pv_carbon_benefit_gbp", "carbon_benefit"), ("pv_energy_benefit_gbp",
                         "energy_saving"), ("pv_comfort_gbp", "comfort"), ("pv_air_quality_gbp",
                         "air_quality"), ("pv_road_externalities_gbp", "road"),
                         ("pv_embodied_carbon_cost_gbp", "embodied"), ("pv_residual_value_gbp",
                         "residual"), ("pv_network_reinforcement_gbp", "network"),
                         ("pv_indirect_tax_change_gbp", "tax")):
            out[key] = "=" + pv(row)
        return out

    def other_result_formulas(self) -> dict[str, str]:
        """METHOD.md 4 to 7: the financial case, jobs, public cost, gap and readiness."""
        R, at, rng = self.res, self.at, self.rng
        c1 = self.ny
        irr_guess = float(self.m["financial_irr"]) if np.isfinite(self.m["financial_irr"]) else 0.05
        months = at["months"]
        weight = (lambda name: f'INDEX(RW_Points,MATCH("{name}",RW_Criterion,0))')
        return {
            "financial_npv_gbp": (f"=SUMPRODUCT(({rng('t')}>=0)*{rng('cash')}*(1+FinancialRate)^"
                                  f"(-{rng('t')}))"),
            # the years before year 0 count as zero (leading zeros leave the IRR unchanged)
            "financial_irr": (f'=IF(OR(SUMPRODUCT(({rng("t")}>=0)*({rng("cash")}>0))=0,'
                              f'SUMPRODUCT(({rng("t")}>=0)*({rng("cash")}<0))=0),"",'
                              f'IFERROR(IRR(IF({rng("t")}>=0,{rng("cash")},0),{irr_guess!r}),""))'),
            "payback_year": _payback(rng("cum_cash"), rng("year"), cell(self.rows["cum_cash"], c1)),
            "discounted_payback_year": _payback(rng("cum_dnet"), rng("year"),
                                                cell(self.rows["cum_dnet"], c1)),
            "viability_gap_gbp": f"=MAX(0,-{R['financial_npv_gbp']})",
            "construction_job_years": (f"=(SUM({rng('capex')})+SUM({rng('renewals_fin')}))/1000000*"
                                       f"{at['jypm']}"),
            "gross_jobs_fte": f"={R['construction_job_years']}/JobYearsPerJob+{at['fte']}",
            "net_construction_jobs_fte": (f"={R['construction_job_years']}/JobYearsPerJob*"
                                          f"{at['add_factor']}"),
            "net_operational_jobs_fte": f"={at['fte']}*{at['add_factor']}",
            "net_additional_jobs_fte": f"={R['gross_jobs_fte']}*{at['add_factor']}",
            "public_cost_gbp": f"=SUM({rng('pf')})",
            "cost_per_net_job_gbp": (f'=IF({R["net_additional_jobs_fte"]}>0,{R["public_cost_gbp"]}/'
                                     f'{R["net_additional_jobs_fte"]},"")'),
            "public_cost_per_tco2e_gbp": (f'=IF({R["carbon_saved_tco2e"]}>0,{R["public_cost_gbp"]}/'
                                          f'{R["carbon_saved_tco2e"]},"")'),
            "public_cost_per_direct_tco2e_gbp": (f'=IF({R["carbon_saved_direct_tco2e"]}>0,'
                                                 f'{R["public_cost_gbp"]}/{R["carbon_saved_direct_tco2e"]},"")'),
            # METHOD.md 10.17: a flagged project with no direct tonnes fails
            "psds_test_passed": (f'=IF({at["psds"]}=1,IF(AND(ISNUMBER({R["public_cost_per_direct_tco2e_gbp"]}),'
                                 f'{R["public_cost_per_direct_tco2e_gbp"]}<=CarbonCostThreshold),"Yes","No"),"")'),
            "gap_sector": (f'=IF({self.cat("Cat_Sector")}="","",{self.cat("Cat_Sector")})'),
            "gap_public_in_window_gbp": f"=SUMPRODUCT({rng('pf')},{rng('window')})",
            "gap_contribution_gbp": f"={R['gap_public_in_window_gbp']}*(1-{at['deadweight']})",
            "investment_mobilised_gbp": (f"=SUMPRODUCT(({rng('capex')}+{rng('renewals_fin')})*"
                                         f"{rng('window')})"),
            "readiness_score": "=" + "+".join(f"{weight(flag)}*{at['ready_' + flag]}"
                                              for flag in READINESS_POINTS)
                               + f"+IF(ISNUMBER({months}),IF({months}<=6,{weight('start_within_6_months')},"
                                 f"IF({months}<=12,{weight('start_within_12_months')},0)),0)",
            "shovel_ready": (f'=IF(AND({R["readiness_score"]}>={SHOVEL_READY_MIN_SCORE:g},'
                             f'ISNUMBER({months}),{months}<={SHOVEL_READY_MAX_MONTHS:g}),"Yes","No")'),
        }

    def result_values(self) -> dict:
        """The application's figures for the results block (the cached values)."""
        m, results = self.m, self.results
        values = {key: _plain(m.get(key)) for key, *_ in RESULT_ROWS}
        basis = values["bcr_public"] if results.vfm_basis == "public" else values["bcr"]
        values["vfm_basis"] = results.vfm_basis
        values["vfm_category_unadjusted"] = vfm_category(basis)
        values["vfm_category"] = vfm_category(basis, self.p.vfm_adjustment)
        values["gap_sector"] = self.category.gap_sector or ""
        values["shovel_ready"] = _yes(m["shovel_ready"])
        passed = _plain(m["psds_test_passed"])
        values["psds_test_passed"] = None if passed is None else _yes(passed)
        return values

    def results_block(self) -> None:
        ws, fmt, at = self.ws, self.fmt, self.at
        for c, label in enumerate(["Results", "Value", "Unit", "Note"]):
            write_text(ws, RESULTS_FIRST_ROW - 1, c, label, fmt.header)
        # a guard: inputs that move operating years (or the residual's) outside the sheet's columns
        guard = cell(3, 0)
        y0, y1 = int(self.years[0]), int(self.years[-1])
        ws.write_formula(3, 0, f'=IF(OR({at["opstart"]}<{y0},{at["opstart_e"]}+{at["lifetime"]}-1>{y1},'
                               f'AND({at["residual"]}<>0,{at["opstart_e"]}+{at["lifetime"]}>{y1})),'
                               f'"⚠ The operating years now fall outside this sheet\'s years ({y0}-{y1}):'
                               f' results are not shown. Export the workbook again from the '
                               f'application.","")', fmt.warn, "")
        formulas = {**self.result_formulas(), **self.other_result_formulas()}
        for key, *_ in RESULT_ROWS:
            if key not in UNGUARDED_RESULTS:
                formulas[key] = f'=IF({guard}<>"",NA(),{formulas[key][1:]})'
        values = self.result_values()
        R = self.res
        for n, (key, label, num_fmt, unit) in enumerate(RESULT_ROWS):
            r = RESULTS_FIRST_ROW + n
            write_text(ws, r, 0, label)
            f = fmt.num(num_fmt or "General", bold=key in ("npsv_gbp", "bcr", "bcr_public", "vfm_category"),
                        align="right" if key in TEXT_RESULTS and key != "gap_sector" else None)
            if key in ARRAY_RESULTS:
                ws.write_array_formula(r, 1, r, 1, "{" + formulas[key] + "}", f, cached(values[key]))
            else:
                ws.write_formula(r, 1, formulas[key], f, cached(values[key]))
            write_text(ws, r, 2, unit, fmt.unit)
            if key in UNDEFINED_NOTES:
                note = UNDEFINED_NOTES[key]
                ws.write_formula(r, 3, f'=IF({R[key]}="","{note}","")', fmt.note,
                                 note if cached(values[key]) == "" else "")

    def chart_and_checks(self) -> None:
        ws, wb, rng = self.ws, self.wb, self.rng
        chart = wb.add_chart({"type": "column"})
        q = self.sheet.replace("'", "''")
        chart.add_series({"name": "Costs", "categories": f"='{q}'!{rng('year')}",
                          "values": f"='{q}'!{rng('costs')}", "fill": {"color": "#C00000"}})
        chart.add_series({"name": "Benefits", "categories": f"='{q}'!{rng('year')}",
                          "values": f"='{q}'!{rng('benefits')}", "fill": {"color": "#2E75B6"}})
        chart.set_title({"name": "Annual costs and benefits (£, base prices)", "name_font": {"size": 11}})
        chart.set_y_axis({"num_format": "£#,##0", "major_gridlines": {
            "visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_x_axis({"num_font": {"rotation": -45}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": CHART_WIDTH_PX, "height": 300})
        # columns D to G stay free for the notes beside the results
        ws.insert_chart(RESULTS_FIRST_ROW - 1, CHART_COL, chart)
        r = RESULTS_FIRST_ROW + 16
        warnings = self.results.warnings[self.i]
        write_text(ws, r, CHART_COL, "Checks raised by the application", self.fmt.subtitle)
        for w in warnings or ["none"]:
            for k, line in enumerate(textwrap.wrap(w, CHECK_LINE_CHARS)):
                r += 1
                write_text(ws, r, CHART_COL, ("" if k == 0 else "   ") + line,
                           self.fmt.warn if warnings else self.fmt.note)


def _payback(cum: str, years: str, last: str) -> str:
    """METHOD.md 4: the year after the last year in which the cumulative sum is negative."""
    return (f'=IF({last}<-{TOL},"",IF(SUMPRODUCT(({cum}<-{TOL})*1)=0,"",'
            f'SUMPRODUCT(MAX(({cum}<-{TOL})*{years}))+1))')
