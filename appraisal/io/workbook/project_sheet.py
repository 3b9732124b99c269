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

from ...core.appraise import (READINESS_POINTS, SHOVEL_READY_MAX_MONTHS, SHOVEL_READY_MIN_SCORE,
                              project_span)
from ...core.financial import PAYBACK_TOLERANCE_GBP
from ...core.pack import AssumptionPack
from ...core.portfolio import ProjectInputs
from ...core.results import PortfolioResults, vfm_category
from ...core.wording import UNDEFINED_REASONS
from .assumptions import YearAxis
from .input_register import InputRegister
from .funding_profile import FundingRows
from .layout import (MONEY, NUM0, NUM1, NUM2, PCT, PCT2, RATIO, YEAR, Formats, cached, cell, page_setup,
                     write_text, yes_no)
from .project_inputs import InputsBlock
from .project_years import YearTable

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
UNDEFINED_NOTES = UNDEFINED_REASONS     # the core's words (core/wording.py)
ARRAY_RESULTS = ("financial_irr",)    # formulas that need array evaluation (IRR of IF(...))
UNGUARDED_RESULTS = ("vfm_basis", "gap_sector", "readiness_score", "shovel_ready")
RESULTS_FIRST_ROW = 5                                   # row of the first result (0-based)
INPUTS_HEADER_ROW = RESULTS_FIRST_ROW + len(RESULT_ROWS) + 1
ID_CELL, NAME_CELL, CATEGORY_CELL = (cell(INPUTS_HEADER_ROW + k, 1) for k in (1, 2, 3))
LABEL_WIDTH, YEAR_WIDTH = 46, 13
CHART_COL = 7
CHART_WIDTH_PX = 560
CHECK_LINE_CHARS = 85      # a check's text is split into lines of about this length
PRINT_LAST_COL = CHART_COL + 6   # the chart and the checks' lines end by here


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


def _plain(v):
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def write_project_sheet(wb, fmt: Formats, sheet: str, p: ProjectInputs, i: int,
                        results: PortfolioResults, pack: AssumptionPack, axis: YearAxis,
                        register: InputRegister | None = None) -> FundingRows:
    """Write project ``i``'s sheet: results at the top, then inputs, then the
    year-by-year table with the years across the columns, as in a financial model.
    Each input cell is marked in ``register`` (for reading the workbook back).
    Returns where its capex and public funding rows are (for the Funding profile)."""
    sheet_writer = ProjectSheet(wb, fmt, sheet, p, i, results, pack, axis, register)
    sheet_writer.write()
    return sheet_writer.funding_rows()


class ProjectSheet(InputsBlock, YearTable):
    """One project's sheet: the inputs block, the year table and the results block
    (each a part of its own module), sharing the addresses they need."""

    def __init__(self, wb, fmt: Formats, sheet: str, p: ProjectInputs, i: int,
                 results: PortfolioResults, pack: AssumptionPack, axis: YearAxis,
                 register: InputRegister | None = None) -> None:
        self.wb, self.fmt, self.sheet, self.p, self.i = wb, fmt, sheet, p, i
        self.register = register
        self.results, self.pack, self.axis = results, pack, axis
        self.ws = wb.add_worksheet(sheet)
        self.m = {k: v[i] for k, v in results.metrics.items()}
        self.A = results.appraisal_year
        self.fuels = pack.fuels()
        self.category = pack.categories[p.category]
        self.start, first, last = project_span(p, self.A, pack)
        # project_span counts a residual year whenever a residual value or asset life is
        # given; the appraisal's axis only when the residual is worth something
        last = min(last, int(results.years[-1])) if results.years is not None else last
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
        self.checks_end = 0    # the last row of the checks beside the results
        self.res = {key: result_cell(key) for key, *_ in RESULT_ROWS}

    def write(self) -> None:
        ws, p, results = self.ws, self.p, self.results
        ws.set_column(0, 0, LABEL_WIDTH)
        ws.set_column(1, 2, 15)
        ws.set_column(3, max(3, self.ny), YEAR_WIDTH)
        write_text(ws, 0, 0, f"{p.id}: {p.name}", self.fmt.title)
        write_text(ws, 1, 0, f"{self.category.label}; {p.area or 'area not given'}; money in £ at "
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
        # printed: one page of results, chart and checks; the inputs and the year
        # table are for working in the workbook (the Funding profile prints the capex)
        ws.print_area(0, 0, max(INPUTS_HEADER_ROW - 2, self.checks_end), PRINT_LAST_COL)
        page_setup(ws, self.fmt.page, landscape=True, repeat_rows=(0, 0), pages_tall=1)

    def funding_rows(self) -> FundingRows:
        """The year rows the Funding profile sheet reads, with their cached values."""
        c = self.year_cache
        return FundingRows(self.sheet, self.p.id, self.p.name, self.years, self.rng("year"),
                           self.rng("capex"), self.rng("renewals_fin"), self.rng("pf"),
                           np.asarray(c["capex"]) + np.asarray(c["renewals_fin"]), np.asarray(c["pf"]))

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
        values["shovel_ready"] = yes_no(m["shovel_ready"])
        passed = _plain(m["psds_test_passed"])
        values["psds_test_passed"] = None if passed is None else yes_no(passed)
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
            if key == "gap_sector":   # the sector's label beside its code (the code is looked up)
                ws.write_formula(r, 2, f'=IF({R[key]}="","",IFERROR(INDEX(Gap_Label,MATCH({R[key]},'
                                       f'Gap_Sector,0)),""))', fmt.unit, self.gap_label())
            else:
                write_text(ws, r, 2, unit, fmt.unit)
            if key in UNDEFINED_NOTES:
                note = UNDEFINED_NOTES[key]
                ws.write_formula(r, 3, f'=IF({R[key]}="","{note}","")', fmt.note,
                                 note if cached(values[key]) == "" else "")

    def gap_label(self) -> str:
        """The pack's label of the project's investment-gap sector ('' for none)."""
        sector = self.category.gap_sector
        gap = self.pack.investment_gap.get(sector) if sector else None
        return gap.label if gap is not None else ""

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
        self.checks_end = r


def _payback(cum: str, years: str, last: str) -> str:
    """METHOD.md 4: the year after the last year in which the cumulative sum is negative."""
    return (f'=IF({last}<-{TOL},"",IF(SUMPRODUCT(({cum}<-{TOL})*1)=0,"",'
            f'SUMPRODUCT(MAX(({cum}<-{TOL})*{years}))+1))')
