"""The appraisal workbook: live formulas that recompute every figure.

:func:`export_workbook` writes a ``Read me``, a ``Summary`` (one row per
project and a portfolio total, every figure a formula reaching back to the
project sheets), a ``Gap`` sheet, the ``Assumptions`` sheet, and one sheet per
project. Each formula also carries the application's own value as its cached
result, so a viewer that does not recalculate shows the right numbers, and a
recalculation by Excel or LibreOffice reproduces them.

XlsxWriter is used rather than openpyxl because it writes a formula together
with its cached value, and writes large workbooks quickly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ...core.appraise import appraise_portfolio, resolve_options
from ...core.pack import AssumptionPack
from ...core.portfolio import PortfolioInputs
from ...core.results import PortfolioResults, vfm_category
from ..portfolio_file import atomic_target
from .analysis import ANALYSIS_SHEETS, write_analysis
from .assumptions import SHEET as ASSUMPTIONS, write_assumptions, year_axis
from .layout import (MONEY, NUM0, NUM2, PCT2, new_workbook, RATIO, YEAR, Formats, cached, cell, col_range,
                     sheet_names, sheet_ref, write_text)
from .project_sheet import CATEGORY_CELL, ID_CELL, NAME_CELL, result_cell, vfm_formula, write_project_sheet

SUMMARY, GAP, README = "Summary", "Gap", "Read me"
RESERVED = (SUMMARY, GAP, README, ASSUMPTIONS)

# Summary columns: (header, result key or special, number format, total rule)
SUMMARY_COLUMNS = [
    ("Project ID", "@id", None, "label"),
    ("Name", "@name", None, None),
    ("Category", "@category", None, None),
    ("PV costs (£)", "pv_costs_gbp", MONEY, "sum"),
    ("PV benefits (£)", "pv_benefits_gbp", MONEY, "sum"),
    ("NPSV (£)", "npsv_gbp", MONEY, "sum"),
    ("BCR", "bcr", RATIO, "bcr"),
    ("Value for money", "vfm_category", None, "vfm"),
    ("Carbon saved (tCO2e)", "carbon_saved_tco2e", NUM0, "sum"),
    ("Cost per tCO2e (£)", "cost_per_tco2e_gbp", MONEY, None),
    ("Net additional jobs (FTE)", "net_additional_jobs_fte", NUM2, "sum"),
    ("Gross jobs (FTE)", "gross_jobs_fte", NUM2, "sum"),
    ("Public cost (£)", "public_cost_gbp", MONEY, "sum"),
    ("Gap sector", "gap_sector", None, None),
    ("Gap contribution (£)", "gap_contribution_gbp", MONEY, "sum"),
    ("Investment mobilised in the gap window (£)", "investment_mobilised_gbp", MONEY, "sum"),
    ("Financial NPV (£)", "financial_npv_gbp", MONEY, "sum"),
    ("Financial IRR", "financial_irr", PCT2, None),
    ("Viability gap (£)", "viability_gap_gbp", MONEY, "sum"),
    ("Readiness score", "readiness_score", NUM0, None),
    ("Shovel-ready", "shovel_ready", None, "count_yes"),
]
SUMMARY_HEADER_ROW = 4

ProgressFn = Callable[[int, int], None]


class ExportCancelled(Exception):
    """The user cancelled; no file was written."""


def export_workbook(inputs: PortfolioInputs, pack: AssumptionPack, path: str | Path, *,
                    carbon_series: str | None = None, discount_schedule: str | None = None,
                    progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None,
                    analysis: bool = False, draws: int = 2000, seed: int = 1,
                    budget_gbp: float | None = None, objective: str = "npsv") -> PortfolioResults:
    """Appraise ``inputs`` and write the appraisal workbook to ``path``, atomically.

    Parameters
    ----------
    progress : callable(done, total), optional
        Called after each project sheet (for a progress bar).
    cancelled : callable() -> bool, optional
        Polled between sheets; when it returns True the export stops,
        nothing is written and :class:`ExportCancelled` is raised.
    analysis : bool
        Also add the ``Sensitivity`` and ``Monte Carlo`` sheets (``draws``
        futures with ``seed``), and with ``budget_gbp`` [GBP] the ``Selection``
        sheet (the best set for ``objective`` within that public budget), after
        the ``Gap`` sheet: values, not formulas (:mod:`.analysis`).

    Returns
    -------
    PortfolioResults
        The figures the workbook's cached values hold.
    """
    results = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                 discount_schedule=discount_schedule, keep_series=True)
    opts = resolve_options(inputs, pack, carbon_series=carbon_series,
                           discount_schedule=discount_schedule)
    with atomic_target(path, ".tmp.xlsx") as tmp:
        wb = new_workbook(tmp)
        wb.set_properties({"title": f"Appraisal: {inputs.name}", "subject": "Green Book appraisal",
                           "comments": f"Assumptions {pack.id} ({pack.vintage})",
                           "author": "Low-Carbon Appraisal"})
        fmt = Formats(wb)
        names = sheet_names(results.ids, RESERVED + (ANALYSIS_SHEETS if analysis else ()))
        axis = year_axis(pack, opts, results.years)
        _write_readme(wb, fmt, results)
        _write_summary(wb, fmt, results, names)
        _write_gap(wb, fmt, results)
        if analysis:
            write_analysis(wb, fmt, inputs, pack, results, draws=draws, seed=seed,
                           budget_gbp=budget_gbp, objective=objective, carbon_series=carbon_series,
                           discount_schedule=discount_schedule)
        write_assumptions(wb, fmt, pack, opts, axis)
        n = len(inputs.projects)
        for i, p in enumerate(inputs.projects):
            if cancelled is not None and cancelled():
                raise ExportCancelled()
            write_project_sheet(wb, fmt, names[i], p, i, results, pack, axis)
            if progress is not None:
                progress(i + 1, n)
        wb.get_worksheet_by_name(SUMMARY).activate()
        wb.close()
    return results


def _value(results: PortfolioResults, key: str, i: int):
    v = results.metrics[key][i]
    v = v.item() if isinstance(v, np.generic) else v
    return None if isinstance(v, float) and v != v else v


def _write_summary(wb, fmt: Formats, results: PortfolioResults, names: list[str]) -> None:
    ws = wb.add_worksheet(SUMMARY)
    write_text(ws, 0, 0, results.name, fmt.title)
    write_text(ws, 1, 0, f"Appraisal year {results.appraisal_year}; money in £ at "
                         f"{results.price_base_year} prices; carbon values {results.carbon_series}; "
                         f"discounting {results.discount_schedule}; assumptions {results.pack_id} "
                         f"({results.pack_vintage}).", fmt.note)
    write_text(ws, 2, 0, "Every figure is a formula on the project sheets. Blank cells are figures "
                         "that are not defined (for example a BCR when costs are zero).", fmt.note)
    h = SUMMARY_HEADER_ROW
    for c, (label, *_rest) in enumerate(SUMMARY_COLUMNS):
        write_text(ws, h, c, label, fmt.header)
    ws.set_row(h, 32)
    n = len(results.ids)
    first, last = h + 1, h + n
    for i in range(n):
        r = h + 1 + i
        sheet = names[i]
        for c, (label, key, num_fmt, _) in enumerate(SUMMARY_COLUMNS):
            if key == "@id":
                ref, value = sheet_ref(sheet, ID_CELL), results.ids[i]
            elif key == "@name":
                ref, value = sheet_ref(sheet, NAME_CELL), results.names[i]
            elif key == "@category":   # the pack's label for the category the sheet names
                code = sheet_ref(sheet, CATEGORY_CELL)
                ref = f"IFERROR(INDEX(Cat_Label,MATCH({code},Cat_Name,0)),{code})"
                value = results.category_labels.get(results.categories[i], results.categories[i])
            else:
                ref = sheet_ref(sheet, result_cell(key))
                if key == "vfm_category":
                    value = vfm_category(_value(results, "bcr", i))
                elif key == "gap_sector":
                    value = results.gap_sector_of_category.get(results.categories[i]) or ""
                elif key == "shovel_ready":
                    value = "Yes" if results.metrics["shovel_ready"][i] else "No"
                else:
                    value = _value(results, key, i)
            ws.write_formula(r, c, f"={ref}", fmt.num(num_fmt or "General"), cached(value))
    # portfolio total (METHOD.md 8: sums; the BCR is total PVB over total PVC)
    r = last + 1
    totals = results.totals()
    col_of = {key: c for c, (_, key, *_) in enumerate(SUMMARY_COLUMNS)}

    def rng(key: str) -> str:
        return col_range(col_of[key], first, max(first, last))

    for c, (label, key, num_fmt, rule) in enumerate(SUMMARY_COLUMNS):
        f = fmt.num(num_fmt or "General", total=True)
        if rule == "label":
            ws.write_string(r, c, "Portfolio total", f)
        elif rule == "sum":
            value = totals.get(key) if key in totals else float(np.nansum(results.metrics[key]))
            ws.write_formula(r, c, f"=SUM({rng(key)})" if n else "=0", f, cached(value))
        elif rule == "bcr":
            pvc, pvb = cell(r, col_of["pv_costs_gbp"]), cell(r, col_of["pv_benefits_gbp"])
            ws.write_formula(r, c, f'=IF({pvc}=0,"",{pvb}/{pvc})', f, cached(totals["bcr"]))
        elif rule == "vfm":
            ws.write_formula(r, c, vfm_formula(cell(r, col_of["bcr"])), f,
                             cached(vfm_category(totals["bcr"])))
        elif rule == "count_yes":
            ws.write_formula(r, c, f'=COUNTIF({rng(key)},"Yes")' if n else "=0", f,
                             totals["shovel_ready_projects"])
        else:
            ws.write_blank(r, c, None, f)
    wb.define_name("Summary_Total_Row", f"={SUMMARY}!${r + 1}:${r + 1}")
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 18)
    ws.set_column(3, len(SUMMARY_COLUMNS) - 1, 15)
    ws.freeze_panes(h + 1, 2)
    ws.autofilter(h, 0, max(last, h), len(SUMMARY_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(h)
    ws.set_footer(f"&L{results.pack_id} ({results.pack_vintage})&RPage &P of &N")
    if n:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "NPSV (£)",
                          "categories": f"={SUMMARY}!{rng('@id')}",
                          "values": f"={SUMMARY}!{rng('npsv_gbp')}",
                          "fill": {"color": "#2E75B6"}, "invert_if_negative": True,
                          "invert_if_negative_color": "#C00000"})
        chart.set_title({"name": "Net present social value by project", "name_font": {"size": 11}})
        chart.set_x_axis({"num_format": "£#,##0,,\"m\"", "major_gridlines": {
            "visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": max(260, 22 * n + 80)})
        ws.insert_chart(r + 3, 1, chart)


def _write_gap(wb, fmt: Formats, results: PortfolioResults) -> None:
    ws = wb.add_worksheet(GAP)
    gap = results.gap()
    write_text(ws, 0, 0, "Contribution to closing the low-carbon investment gap", fmt.title)
    write_text(ws, 1, 0, "The gap is the annual public investment gap of the Assumptions sheet "
                         "(Green Alliance, 2020, by default); a project contributes its public "
                         f"funding in the gap's window years. Money in £ at {results.price_base_year} "
                         "prices.", fmt.note)
    headers = ["Sector", "Label", "First year", "Last year", "Annual gap (£)", "Cumulative gap (£)",
               "Contribution (£)", "Share closed", "Average annual contribution (£)"]
    h = 3
    for c, label in enumerate(headers):
        write_text(ws, h, c, label, fmt.header)
    ws.set_row(h, 32)
    sc = {key: c for c, (_, key, *_) in enumerate(SUMMARY_COLUMNS)}
    n = len(results.ids)
    s_first, s_last = SUMMARY_HEADER_ROW + 1, SUMMARY_HEADER_ROW + max(n, 1)
    sector_rng = f"{SUMMARY}!{col_range(sc['gap_sector'], s_first, s_last)}"
    contrib_rng = f"{SUMMARY}!{col_range(sc['gap_contribution_gbp'], s_first, s_last)}"
    r = h + 1
    for name, s in gap["sectors"].items():
        m = f"MATCH({cell(r, 0)},Gap_Sector,0)"
        write_text(ws, r, 0, name)
        write_text(ws, r, 1, s["label"])
        ws.write_formula(r, 2, f"=INDEX(Gap_First,{m})", fmt.num(YEAR), s["window"][0])
        ws.write_formula(r, 3, f"=INDEX(Gap_Last,{m})", fmt.num(YEAR), s["window"][1])
        ws.write_formula(r, 4, f"=INDEX(Gap_Annual,{m})", fmt.num(MONEY), s["annual_gap_gbp"])
        ws.write_formula(r, 5, f"=INDEX(Gap_Cumulative,{m})", fmt.num(MONEY), s["cumulative_gap_gbp"])
        ws.write_formula(r, 6, f"=SUMIF({sector_rng},{cell(r, 0)},{contrib_rng})" if n else "=0",
                         fmt.num(MONEY), s["contribution_gbp"])
        ws.write_formula(r, 7, f'=IF({cell(r, 5)}=0,"",{cell(r, 6)}/{cell(r, 5)})', fmt.num("0.000%"),
                         cached(s["share_closed"]))
        ws.write_formula(r, 8, f"={cell(r, 6)}/({cell(r, 3)}-{cell(r, 2)}+1)", fmt.num(MONEY),
                         s["annual_average_contribution_gbp"])
        r += 1
    first, last = h + 1, r - 1
    t = gap["total"]
    f = {k: fmt.num(v, total=True) for k, v in (("y", YEAR), ("m", MONEY), ("p", "0.000%"))}
    ws.write_string(r, 0, "All sectors", f["m"])
    ws.write_string(r, 1, "All sectors", f["m"])
    if last >= first:
        ws.write_formula(r, 2, f"=MIN({col_range(2, first, last)})", f["y"], gap["window"][0])
        ws.write_formula(r, 3, f"=MAX({col_range(3, first, last)})", f["y"], gap["window"][1])
        ws.write_formula(r, 5, f"=SUM({col_range(5, first, last)})", f["m"], t["cumulative_gap_gbp"])
        ws.write_formula(r, 4, f"={cell(r, 5)}/({cell(r, 3)}-{cell(r, 2)}+1)", f["m"],
                         cached(t["annual_gap_gbp"]))
        ws.write_formula(r, 6, f"=SUM({col_range(6, first, last)})", f["m"], t["contribution_gbp"])
        ws.write_formula(r, 7, f'=IF({cell(r, 5)}=0,"",{cell(r, 6)}/{cell(r, 5)})', f["p"],
                         cached(t["share_closed"]))
        ws.write_formula(r, 8, f"={cell(r, 6)}/({cell(r, 3)}-{cell(r, 2)}+1)", f["m"],
                         cached(t["annual_average_contribution_gbp"]))
    total_row = r
    r += 2
    write_text(ws, r, 0, "Investment mobilised in the window (all capex, public and private, of "
                         "projects in a gap sector)")
    mob = f"{SUMMARY}!{col_range(sc['investment_mobilised_gbp'], s_first, s_last)}"
    ws.write_formula(r, 6, f"=SUM({mob})" if n else "=0", fmt.num(MONEY, bold=True),
                     t["investment_mobilised_gbp"])
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 38)
    ws.set_column(2, 3, 10)
    ws.set_column(4, 8, 18)
    ws.freeze_panes(h + 1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if last >= first:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "Share of the cumulative gap closed",
                          "categories": f"={GAP}!{col_range(1, first, total_row)}",
                          "values": f"={GAP}!{col_range(7, first, total_row)}",
                          "fill": {"color": "#548235"}, "data_labels": {"value": True,
                                                                        "num_format": "0.000%"}})
        chart.set_title({"name": "Share of the investment gap closed by the pipeline",
                         "name_font": {"size": 11}})
        chart.set_x_axis({"num_format": "0.00%", "min": 0})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": 260})
        ws.insert_chart(r + 2, 0, chart)


README_TEXT = [
    ("What this workbook is", [
        "The appraisal of the portfolio '{name}' by Low-Carbon Appraisal, exported so that every "
        "figure can be followed cell by cell. It was computed with the assumption pack {pack} "
        "(vintage {vintage}); money is in pounds at {base} prices, the appraisal year (year 0) "
        "is {year}, carbon values follow the {series} series and discounting the {schedule} "
        "schedule.",
    ]),
    ("How it is laid out", [
        "Summary: one row per project and the portfolio total. Every figure is a formula that "
        "reads the project sheets.",
        "Gap: the pipeline's contribution to closing the low-carbon public investment gap, by "
        "sector.",
        "Sensitivity, Monte Carlo and Selection (when exported with the analysis): the tornado "
        "ranges and switching values, the simulation's percentiles (with its seed and draws) and "
        "the best set of projects within a budget. These hold values, not formulas: export again "
        "after changing an input.",
        "Assumptions: the portfolio settings and every table of the assumption pack, each row "
        "with its source. Rows whose source is marked illustrative, recalled or a secondary copy "
        "are shaded: check them before a formal business case.",
        "One sheet per project: its inputs (yellow cells), its results, the checks the application "
        "raised, and the year-by-year table from which every result is computed.",
    ]),
    ("The method in plain words", [
        "Costs are capital spend with an optimism bias uplift, plus operating costs. Benefits are "
        "the value of carbon saved, energy cost savings and other social benefits. Both are "
        "discounted with the Green Book schedule (3.5% a year for 30 years, then lower), chained "
        "year by year, and summed into present values. NPSV is benefits less costs; the BCR is "
        "benefits over costs.",
        "The financial case follows the promoter's cash: capital and operating costs against "
        "revenue, at a constant rate, with its IRR and payback.",
        "Jobs are construction job-years per £1m of capex, turned into permanent-equivalent jobs, "
        "plus operational jobs, then adjusted for deadweight, leakage, displacement, substitution "
        "and multiplier effects.",
        "Flows before the appraisal year are sunk: reported, but not counted in present values.",
    ]),
    ("How to change an input", [
        "Type a new value in a yellow cell of a project sheet (for example a capex amount in the "
        "year table, or the opex) or of the Assumptions sheet (for example a carbon value or the "
        "carbon series); the workbook recalculates as the application would. Blank cells in the "
        "results mean the figure is not defined; the note beside them says why.",
        "The cached values in this file are the application's own figures, so a viewer that does "
        "not recalculate still shows the right numbers.",
    ]),
]


def _write_readme(wb, fmt: Formats, results: PortfolioResults) -> None:
    ws = wb.add_worksheet(README)
    ws.set_column(0, 0, 110)
    write_text(ws, 0, 0, f"Read me: {results.name}", fmt.title)
    r = 2
    fields = dict(name=results.name, pack=results.pack_id, vintage=results.pack_vintage,
                  base=results.price_base_year, year=results.appraisal_year,
                  series=results.carbon_series, schedule=results.discount_schedule)
    for heading, paragraphs in README_TEXT:
        write_text(ws, r, 0, heading, fmt.subtitle)
        r += 1
        for text in paragraphs:
            write_text(ws, r, 0, text.format(**fields), fmt.wrap)
            ws.set_row(r, 15 * (1 + len(text) // 105))
            r += 1
        r += 1
    if results.pack_flagged:
        write_text(ws, r, 0, "Note: the assumption pack has figures marked illustrative, recalled "
                             "or secondary copy (shaded on the Assumptions sheet).", fmt.warn)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


__all__ = ["ExportCancelled", "SUMMARY_COLUMNS", "export_workbook"]
