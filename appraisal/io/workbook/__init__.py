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

import datetime
import uuid
from pathlib import Path
from typing import Callable

import numpy as np

from ...core.appraise import appraise_portfolio, resolve_options
from ...core.delivery import track
from ...core.pack import AssumptionPack
from ...core.portfolio import PortfolioInputs
from ...core.results import METHOD_VERSION, VFM_BASIS_LABELS, PortfolioResults, vfm_category
from ..portfolio_file import atomic_target
from .analysis import ANALYSIS_SHEETS, write_analysis
from .assumptions import SHEET as ASSUMPTIONS, write_assumptions, year_axis
from ...core.portfolio import SIGN_OFF_FIELDS
from .changes_sheet import CHANGES, write_changes
from .delivery_sheet import SHEET as DELIVERY, has_delivery, write_delivery
from .funding_profile import SHEET as FUNDING, add_sheet as add_funding_sheet, write_funding_profile
from .input_register import SHEET as INPUTS_SHEET, InputRegister, document_from_inputs
from .layout import (MONEY, NUM0, NUM2, PCT2, new_workbook, RATIO, YEAR, Formats, PageContext, cached,
                     cell, col_range, document_properties, page_setup, sheet_names, sheet_ref, write_text)
from .project_sheet import CATEGORY_CELL, ID_CELL, NAME_CELL, result_cell, vfm_formula, write_project_sheet

SUMMARY, GAP, README = "Summary", "Gap", "Read me"
RESERVED = (SUMMARY, GAP, README, ASSUMPTIONS, FUNDING, CHANGES, INPUTS_SHEET, DELIVERY)

# Summary columns: (header, result key or special, number format, total rule)
SUMMARY_COLUMNS = [
    ("Project ID", "@id", None, "label"),
    ("Name", "@name", None, None),
    ("Category", "@category", None, None),
    ("PV costs (£)", "pv_costs_gbp", MONEY, "sum"),
    ("PV benefits (£)", "pv_benefits_gbp", MONEY, "sum"),
    ("NPSV (£)", "npsv_gbp", MONEY, "sum"),
    ("Social BCR", "bcr", RATIO, "bcr"),
    ("Funder BCR", "bcr_public", RATIO, "bcr_public"),
    ("Value-for-money basis", "vfm_basis", None, "basis"),
    ("Value for money before adjustment", "vfm_category_unadjusted", None, "vfm"),
    ("Value for money", "vfm_category", None, "vfm"),
    ("PV costs, public (£)", "pv_costs_public_gbp", MONEY, "sum"),
    ("PV costs, private (£)", "pv_costs_private_gbp", MONEY, "sum"),
    ("Exchequer: PV of indirect tax change (£)", "pv_indirect_tax_change_gbp", MONEY, "sum"),
    ("Carbon saved (tCO2e)", "carbon_saved_tco2e", NUM0, "sum"),
    ("of which traded (tCO2e)", "carbon_saved_traded_tco2e", NUM0, "sum"),
    ("of which direct (tCO2e)", "carbon_saved_direct_tco2e", NUM0, "sum"),
    ("Cost per tCO2e (£)", "cost_per_tco2e_gbp", MONEY, None),
    ("Net additional jobs (FTE)", "net_additional_jobs_fte", NUM2, "sum"),
    ("Gross jobs (FTE)", "gross_jobs_fte", NUM2, "sum"),
    ("Public cost (£)", "public_cost_gbp", MONEY, "sum"),
    ("Gap sector", "gap_sector", None, None),
    ("Public funding in the gap window (£)", "gap_public_in_window_gbp", MONEY, "sum"),
    ("Gap contribution (£)", "gap_contribution_gbp", MONEY, "sum"),
    ("Investment mobilised in the gap window (£)", "investment_mobilised_gbp", MONEY, "sum"),
    ("Financial NPV (£)", "financial_npv_gbp", MONEY, "sum"),
    ("Financial IRR", "financial_irr", PCT2, None),
    ("Viability gap (£)", "viability_gap_gbp", MONEY, "sum"),
    ("Readiness score", "readiness_score", NUM0, None),
    ("Shovel-ready", "shovel_ready", None, "count_yes"),
]
SUMMARY_HEADER_ROW = 4
# printed: one A4 landscape page for each block of columns, the ID and name repeated
# on each; a block starts at these columns (value for money | costs, carbon, jobs |
# the gap, the financial case and readiness)
SUMMARY_BLOCK_STARTS = ("pv_costs_public_gbp", "gap_sector")
# per cent: the widest block (about 180 characters) fits an A4 landscape page in Calibri and
# in the wider DejaVu Sans LibreOffice falls back to without Carlito
SUMMARY_PRINT_SCALE = 60
SUMMARY_PAGE_ROWS = 48   # rows of 15 pt a printed Summary page holds at SUMMARY_PRINT_SCALE
SIGN_OFF_COL, SIGN_OFF_SPAN = 3, 3   # the sign-off's input cells: columns D to F, merged
SIGN_OFF_LABELS = {"prepared_by": "Prepared by", "checked_by": "Checked by", "date": "Date",
                   "version": "Version"}

ProgressFn = Callable[[int, int], None]


class ExportCancelled(Exception):
    """The user cancelled; no file was written."""


def export_workbook(inputs: PortfolioInputs, pack: AssumptionPack, path: str | Path, *,
                    carbon_series: str | None = None, discount_schedule: str | None = None,
                    progress: ProgressFn | None = None,
                    cancelled: Callable[[], bool] | None = None,
                    analysis: bool = False, draws: int = 2000, seed: int = 1,
                    budget_gbp: float | None = None, objective: str = "npsv",
                    document: dict | None = None, changes=None,
                    delivery_document: dict | None = None) -> PortfolioResults:
    # long: 40 of its lines are the numpydoc docstring; each sheet has its own writer
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

    document : dict, optional
        The portfolio document (FORMAT.md section 1) ``inputs`` were parsed
        from: the workbook carries it, with its ``id`` (a new one when it has
        none), so that :func:`appraisal.io.appraisal_workbook.read_appraisal_workbook`
        can rebuild it from the input cells. Without it, a document is made
        from ``inputs``.
    delivery_document : dict, optional
        The document whose baselines and actuals the ``Delivery`` sheet compares
        (:mod:`.delivery_sheet`); default ``document``. The sheet is written when
        any of its projects has a baseline or actuals.
    changes : PortfolioDiff, optional
        What changed since the appraisal workbook the portfolio was imported
        from (:func:`appraisal.core.diff.diff_portfolios`): written on a
        ``Changes`` sheet.

    Returns
    -------
    PortfolioResults
        The figures the workbook's cached values hold.
    """
    results = appraise_portfolio(inputs, pack, carbon_series=carbon_series,
                                 discount_schedule=discount_schedule, keep_series=True)
    opts = resolve_options(inputs, pack, carbon_series=carbon_series,
                           discount_schedule=discount_schedule)
    price_years = [p.price_year for p in inputs.projects if p.price_year is not None]
    if document is None:
        document = document_from_inputs(inputs)
    given_id = document.get("id")
    portfolio_id = given_id if isinstance(given_id, str) and given_id else uuid.uuid4().hex
    register = InputRegister()
    tracked = delivery_document if delivery_document is not None else document
    delivery = track(tracked, pack) if has_delivery(tracked) else None
    with atomic_target(path, ".tmp.xlsx") as tmp:
        wb = new_workbook(tmp)
        wb.set_properties(document_properties({"title": f"Appraisal: {inputs.name}", "subject": "Green Book appraisal",
                           "comments": f"Assumptions {pack.id} ({pack.vintage}); method version "
                                       f"{METHOD_VERSION}", "author": "Low-Carbon Appraisal"}))
        fmt = Formats(wb, PageContext(inputs.name, f"{pack.id} ({pack.vintage})",
                                      datetime.date.today().isoformat()))
        names = sheet_names(results.ids, RESERVED + (ANALYSIS_SHEETS if analysis else ()))
        axis = year_axis(pack, opts, results.years)
        _write_readme(wb, fmt, results)
        _write_summary(wb, fmt, results, names, inputs.sign_off, register)
        if changes is not None:
            write_changes(wb, fmt, changes)
        _write_gap(wb, fmt, results)
        funding = add_funding_sheet(wb)
        if analysis:
            write_analysis(wb, fmt, inputs, pack, results, draws=draws, seed=seed,
                           budget_gbp=budget_gbp, objective=objective, carbon_series=carbon_series,
                           discount_schedule=discount_schedule)
        write_assumptions(wb, fmt, pack, opts, axis, max(price_years, default=opts.price_base_year),
                          register)
        rows = _write_project_sheets(wb, fmt, names, inputs, results, pack, axis, register,
                                     progress, cancelled)
        write_funding_profile(funding, fmt, rows, results.price_base_year)
        if delivery is not None:     # after the project sheets: the earlier order is unchanged
            write_delivery(wb, fmt, delivery)
        register.write(wb, portfolio_id=portfolio_id, method_version=METHOD_VERSION,
                       pack_id=pack.id, pack_vintage=pack.vintage, document=document)
        wb.get_worksheet_by_name(SUMMARY).activate()
        wb.close()
    return results


def _write_project_sheets(wb, fmt: Formats, names: list[str], inputs: PortfolioInputs,
                          results: PortfolioResults, pack: AssumptionPack, axis, register,
                          progress: ProgressFn | None, cancelled: Callable[[], bool] | None) -> list:
    """One sheet per project, reporting progress and stopping when ``cancelled()``;
    returns where each sheet's capex and public funding rows are (Funding profile)."""
    n = len(inputs.projects)
    rows = []
    for i, p in enumerate(inputs.projects):
        if cancelled is not None and cancelled():
            raise ExportCancelled()
        rows.append(write_project_sheet(wb, fmt, names[i], p, i, results, pack, axis, register))
        if progress is not None:
            progress(i + 1, n)
    return rows


def _value(results: PortfolioResults, key: str, i: int):
    v = results.metrics[key][i]
    v = v.item() if isinstance(v, np.generic) else v
    return None if isinstance(v, float) and v != v else v


def _basis_bcr(results: PortfolioResults, i: int | None = None):
    """The BCR value for money is judged on (METHOD.md 3, v2): of project ``i``, or the total's."""
    key = "bcr_public" if results.vfm_basis == "public" else "bcr"
    return results.totals()[key] if i is None else _value(results, key, i)


def _summary_cell(results: PortfolioResults, sheet: str, key: str, i: int,
                  gap_labels: dict[str, str] | None = None) -> tuple[str, object]:
    """A Summary cell of project ``i``: the formula (without '=') and its cached value."""
    if key == "@id":
        return sheet_ref(sheet, ID_CELL), results.ids[i]
    if key == "@name":
        return sheet_ref(sheet, NAME_CELL), results.names[i]
    if key == "@category":   # the pack's label for the category the sheet names
        code = sheet_ref(sheet, CATEGORY_CELL)
        return (f"IFERROR(INDEX(Cat_Label,MATCH({code},Cat_Name,0)),{code})",
                results.category_labels.get(results.categories[i], results.categories[i]))
    ref = sheet_ref(sheet, result_cell(key))
    if key == "vfm_category":
        return ref, vfm_category(_basis_bcr(results, i), int(results.metrics["vfm_adjustment"][i]))
    if key == "vfm_category_unadjusted":
        return ref, vfm_category(_basis_bcr(results, i))
    if key == "vfm_basis":
        return ref, results.vfm_basis
    if key == "gap_sector":   # the pack's label for the sector the sheet names
        code = results.gap_sector_of_category.get(results.categories[i]) or ""
        return (f'IF({ref}="","",IFERROR(INDEX(Gap_Label,MATCH({ref},Gap_Sector,0)),{ref}))',
                (gap_labels or {}).get(code, code))
    if key == "shovel_ready":
        return ref, "Yes" if results.metrics["shovel_ready"][i] else "No"
    return ref, _value(results, key, i)


def _write_summary(wb, fmt: Formats, results: PortfolioResults, names: list[str],
                   sign_off: dict[str, str] | None = None,
                   register: InputRegister | None = None) -> None:
    """The Summary. Input cells written here (the sign-off block's: prepared by, checked
    by, date, version; a portfolio field ``sign_off``) are marked with one call each,
    ``register.add(("sign_off", "prepared_by"), SUMMARY, row, col, value, "text")``,
    and are then read back by :mod:`appraisal.io.appraisal_workbook`."""
    ws = wb.add_worksheet(SUMMARY)
    write_text(ws, 0, 0, results.name, fmt.title)
    write_text(ws, 1, 0, f"Appraisal year {results.appraisal_year}; money in £ at "
                         f"{results.price_base_year} prices; carbon values {results.carbon_series}; "
                         f"energy prices {results.energy_series}; discounting "
                         f"{results.discount_schedule}; value for money on the "
                         f"{VFM_BASIS_LABELS[results.vfm_basis]}; method version {METHOD_VERSION}; "
                         f"assumptions {results.pack_id} ({results.pack_vintage}).", fmt.note)
    write_text(ws, 2, 0, "Every figure is a formula on the project sheets. Blank cells are figures "
                         "that are not defined (for example a BCR when costs are zero). The "
                         "Exchequer line is a transfer, shown beside the NPSV and not in it.", fmt.note)
    h = SUMMARY_HEADER_ROW
    for c, (label, *_rest) in enumerate(SUMMARY_COLUMNS):
        write_text(ws, h, c, label, fmt.header)
    ws.set_row(h, 60)   # four lines of a wrapped header
    n = len(results.ids)
    gap_labels = {name: sector["label"] for name, sector in results.gap()["sectors"].items()}
    for i in range(n):
        for c, (_label, key, num_fmt, _) in enumerate(SUMMARY_COLUMNS):
            ref, value = _summary_cell(results, names[i], key, i, gap_labels)
            # short words beside numbers: centred (a sector's label reads from the left)
            text = num_fmt is None and not key.startswith("@") and key != "gap_sector"
            ws.write_formula(h + 1 + i, c, f"={ref}", fmt.num(num_fmt or "General",
                             align="center" if text else None), cached(value))
    total_row = _summary_total(ws, fmt, results)
    wb.define_name("Summary_Total_Row", f"={SUMMARY}!${total_row + 1}:${total_row + 1}")
    cells = write_sign_off(ws, fmt, total_row + 2, sign_off or {})
    if register is not None:   # read back on import (FORMAT.md 7)
        for name, (r, c) in cells.items():
            register.add(("sign_off", name), SUMMARY, r, c, (sign_off or {}).get(name, ""), "text")
    _summary_layout(wb, ws, fmt, results, total_row + 3 + len(SIGN_OFF_FIELDS))


def sign_off_cells(first_row: int) -> dict[str, tuple[int, int]]:
    """Where the sign-off block below the Summary's total puts each field's input cell
    (row, column; 0-based), the block's title being in ``first_row``."""
    return {f: (first_row + 1 + k, SIGN_OFF_COL) for k, f in enumerate(SIGN_OFF_FIELDS)}


def write_sign_off(ws, fmt: Formats, first_row: int, sign_off: dict[str, str]) -> dict[str, tuple[int, int]]:
    """The sign-off block (prepared by, checked by, date, version): input cells for the
    portfolio field ``sign_off`` (FORMAT.md 4), text as typed. Returns their cells."""
    # past the ID and name columns (repeated on every printed page): printed once
    write_text(ws, first_row, SIGN_OFF_COL - 1, "Sign-off", fmt.subtitle)
    write_text(ws, first_row, SIGN_OFF_COL, "type in the yellow cells: kept in the portfolio when "
                                            "the workbook is read back", fmt.note)
    cells = sign_off_cells(first_row)
    for name, (r, c) in cells.items():
        write_text(ws, r, c - 1, SIGN_OFF_LABELS[name], fmt.bold)
        # the input is the merged range's first cell (the one read back)
        ws.merge_range(r, c, r, c + SIGN_OFF_SPAN - 1, "", fmt.input_text())
        write_text(ws, r, c, sign_off.get(name, ""), fmt.input_text())
    return cells


def _summary_total(ws, fmt: Formats, results: PortfolioResults) -> int:
    """The portfolio total (METHOD.md 8: sums; each BCR from the totals); returns its row."""
    h, n = SUMMARY_HEADER_ROW, len(results.ids)
    first, last = h + 1, h + n
    r = last + 1
    totals = results.totals()
    col_of = {key: c for c, (_, key, *_) in enumerate(SUMMARY_COLUMNS)}
    total = {key: cell(r, c) for key, c in col_of.items()}

    def rng(key: str) -> str:
        return col_range(col_of[key], first, max(first, last))

    basis = f'IF({total["vfm_basis"]}="public",{total["bcr_public"]},{total["bcr"]})'
    for c, (_label, key, num_fmt, rule) in enumerate(SUMMARY_COLUMNS):
        f = fmt.num(num_fmt or "General", total=True)
        if rule == "label":
            ws.write_string(r, c, "Portfolio total", f)
        elif rule == "sum":
            value = totals.get(key) if key in totals else float(np.nansum(results.metrics[key]))
            ws.write_formula(r, c, f"=SUM({rng(key)})" if n else "=0", f, cached(value))
        elif rule == "bcr":
            pvc, pvb = total["pv_costs_gbp"], total["pv_benefits_gbp"]
            ws.write_formula(r, c, f'=IF({pvc}=0,"",{pvb}/{pvc})', f, cached(totals["bcr"]))
        elif rule == "bcr_public":
            pub, priv = total["pv_costs_public_gbp"], total["pv_costs_private_gbp"]
            ws.write_formula(r, c, f'=IF({pub}=0,"",({total["pv_benefits_gbp"]}-{priv})/{pub})', f,
                             cached(totals["bcr_public"]))
        elif rule == "basis":
            ws.write_formula(r, c, "=VfmBasis", f, results.vfm_basis)
        elif rule == "vfm":   # the portfolio's band: on the basis, no adjustment
            ws.write_formula(r, c, vfm_formula(basis), f, cached(vfm_category(_basis_bcr(results))))
        elif rule == "count_yes":
            ws.write_formula(r, c, f'=COUNTIF({rng(key)},"Yes")' if n else "=0", f,
                             totals["shovel_ready_projects"])
        else:
            ws.write_blank(r, c, None, f)
    return r


def _summary_layout(wb, ws, fmt: Formats, results: PortfolioResults, chart_row: int) -> None:
    """Widths, the printed blocks of columns (ID and name repeated on each page) and the
    NPSV chart, on a page of its own below the table so that it is never split."""
    h, n = SUMMARY_HEADER_ROW, len(results.ids)
    first, last = h + 1, h + n
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 18)
    ws.set_column(3, len(SUMMARY_COLUMNS) - 1, 13)
    for c, (_, key, num_fmt, _) in enumerate(SUMMARY_COLUMNS[3:], 3):
        if num_fmt in (RATIO, NUM0, NUM2, PCT2) or key in ("vfm_basis", "shovel_ready"):
            ws.set_column(c, c, 10)
        elif key == "gap_sector":
            ws.set_column(c, c, 28)
    ws.freeze_panes(h + 1, 2)
    ws.autofilter(h, 0, max(last, h), len(SUMMARY_COLUMNS) - 1)
    col_of = {key: c for c, (_, key, *_) in enumerate(SUMMARY_COLUMNS)}
    breaks = [col_of[key] for key in SUMMARY_BLOCK_STARTS]
    ws.set_v_pagebreaks(breaks)
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(h, h), repeat_columns=(0, 1),
               scale=SUMMARY_PRINT_SCALE)
    if not n:
        return
    height = max(260, 22 * n + 80)
    if chart_row + height / 20 > SUMMARY_PAGE_ROWS:   # rows of 20 px: the chart starts a page
        ws.set_h_pagebreaks([chart_row])
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "NPSV (£)",
                      "categories": f"={SUMMARY}!{col_range(col_of['@id'], first, last)}",
                      "values": f"={SUMMARY}!{col_range(col_of['npsv_gbp'], first, last)}",
                      "fill": {"color": "#2E75B6"}, "invert_if_negative": True,
                      "invert_if_negative_color": "#C00000"})
    chart.set_title({"name": "Net present social value by project", "name_font": {"size": 11}})
    chart.set_x_axis({"num_format": "£#,##0,,\"m\"", "major_gridlines": {
        "visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": height})
    ws.insert_chart(chart_row, 2, chart)   # past the columns repeated on each printed page


GAP_CHART_ROWS = 14   # the chart's 260 px in rows of 20 px
GAP_HEADERS = ["Sector", "Label", "Window from", "Window to", "Annual gap (£)", "Cumulative gap (£)",
               "Contribution (£)", "Share closed", "Average annual contribution (£)",
               "Public funding in the window (£)", "Investment mobilised in the window (£)",
               "Leverage (private £ per public £)"]


def _write_gap(wb, fmt: Formats, results: PortfolioResults) -> None:
    ws = wb.add_worksheet(GAP)
    gap = results.gap()
    write_text(ws, 0, 0, "Contribution to closing the low-carbon investment gap", fmt.title)
    write_text(ws, 1, 0, "The gap is the annual public investment gap of the Assumptions sheet; a "
                         "project contributes its public funding in the window's years, less its "
                         "benefit deadweight. The window is the gap row's years, or runs from the "
                         "appraisal year for gap_window_years (METHOD.md 6). Leverage is private "
                         f"capex per £ of public funding in the window. Money in £ at "
                         f"{results.price_base_year} prices.", fmt.note)
    h = 3
    for c, label in enumerate(GAP_HEADERS):
        write_text(ws, h, c, label, fmt.header)
    ws.set_row(h, 45)
    r = h + 1
    sector_of = [results.gap_sector_of_category.get(c) for c in results.categories]
    in_window = results.metrics["gap_public_in_window_gbp"]
    publics = {name: float(sum(v for v, s in zip(in_window, sector_of) if s == name))
               for name in gap["sectors"]}
    for name, s in gap["sectors"].items():
        _gap_sector_row(ws, fmt, results, r, name, s, publics[name])
        r += 1
    if r > h + 1:
        _gap_total_row(ws, fmt, gap, sum(publics.values()), h + 1, r - 1, r)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 38)
    ws.set_column(2, 3, 10)
    ws.set_column(4, 5, 17)
    ws.set_column(6, len(GAP_HEADERS) - 1, 14)
    ws.freeze_panes(h + 1, 0)
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(h, h))
    # the table and the chart below it: the note's long line is not to widen the page
    ws.print_area(0, 0, r + 2 + GAP_CHART_ROWS, len(GAP_HEADERS) - 1)
    if r > h + 1:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "Share of the cumulative gap closed",
                          "categories": f"={GAP}!{col_range(1, h + 1, r)}",
                          "values": f"={GAP}!{col_range(7, h + 1, r)}",
                          "fill": {"color": "#548235"}, "data_labels": {"value": True,
                                                                        "num_format": "0.000%"}})
        chart.set_title({"name": "Share of the investment gap closed by the pipeline",
                         "name_font": {"size": 11}})
        chart.set_x_axis({"num_format": "0.00%", "min": 0})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": 260})
        ws.insert_chart(r + 2, 0, chart)


def _summary_range(results: PortfolioResults, key: str) -> str:
    c = next(c for c, (_, k, *_) in enumerate(SUMMARY_COLUMNS) if k == key)
    n = len(results.ids)
    return f"{SUMMARY}!{col_range(c, SUMMARY_HEADER_ROW + 1, SUMMARY_HEADER_ROW + max(n, 1))}"


def _gap_sector_row(ws, fmt: Formats, results: PortfolioResults, r: int, name: str, s: dict,
                    public: float) -> None:
    """METHOD.md 6: one sector's window (as used), gap, contribution and leverage."""
    m = f"MATCH({cell(r, 0)},Gap_Sector,0)"
    sector = _summary_range(results, "gap_sector")   # the Summary shows each sector's label

    def sumif(key: str) -> str:   # an exact match (SUMIF would read * and ? in a label as wildcards)
        return (f"=SUMPRODUCT(({sector}={cell(r, 1)})*{_summary_range(results, key)})"
                if results.ids else "=0")

    write_text(ws, r, 0, name)
    ws.write_formula(r, 1, f"=INDEX(Gap_Label,{m})", fmt.text, s["label"])
    money = fmt.num(MONEY)
    ws.write_formula(r, 2, f"=INDEX(Gap_First,{m})", fmt.num(YEAR), s["window"][0])
    ws.write_formula(r, 3, f"=INDEX(Gap_Last,{m})", fmt.num(YEAR), s["window"][1])
    ws.write_formula(r, 4, f"=INDEX(Gap_Annual,{m})", money, s["annual_gap_gbp"])
    ws.write_formula(r, 5, f"=INDEX(Gap_Cumulative,{m})", money, s["cumulative_gap_gbp"])
    ws.write_formula(r, 6, sumif("gap_contribution_gbp"), money, s["contribution_gbp"])
    ws.write_formula(r, 7, f'=IF({cell(r, 5)}=0,"",{cell(r, 6)}/{cell(r, 5)})', fmt.num("0.000%"),
                     cached(s["share_closed"]))
    ws.write_formula(r, 8, f"={cell(r, 6)}/({cell(r, 3)}-{cell(r, 2)}+1)", money,
                     s["annual_average_contribution_gbp"])
    ws.write_formula(r, 9, sumif("gap_public_in_window_gbp"), money, public)
    ws.write_formula(r, 10, sumif("investment_mobilised_gbp"), money, s["investment_mobilised_gbp"])
    ws.write_formula(r, 11, f'=IF({cell(r, 9)}=0,"",({cell(r, 10)}-{cell(r, 9)})/{cell(r, 9)})',
                     fmt.num(RATIO), cached(s["leverage"]))


def _gap_total_row(ws, fmt: Formats, gap: dict, public: float, first: int, last: int, r: int) -> None:
    """All sectors: sums; a window and the annual average contribution only when
    every sector has the same window (METHOD.md 10.18)."""
    t = gap["total"]
    f = {k: fmt.num(v, total=True) for k, v in (("y", YEAR), ("m", MONEY), ("p", "0.000%"),
                                                 ("r", RATIO))}
    ws.write_string(r, 0, "All sectors", f["m"])
    ws.write_string(r, 1, "All sectors", f["m"])
    window = gap["window"] or [None, None]
    one = (f"AND(MIN({col_range(2, first, last)})=MAX({col_range(2, first, last)}),"
           f"MIN({col_range(3, first, last)})=MAX({col_range(3, first, last)}))")
    ws.write_formula(r, 2, f'=IF({one},MIN({col_range(2, first, last)}),"")', f["y"], cached(window[0]))
    ws.write_formula(r, 3, f'=IF({one},MAX({col_range(3, first, last)}),"")', f["y"], cached(window[1]))
    years = f"({cell(r, 3)}-{cell(r, 2)}+1)"
    ws.write_formula(r, 5, f"=SUM({col_range(5, first, last)})", f["m"], t["cumulative_gap_gbp"])
    # the sectors' annual gaps add up whatever their windows
    ws.write_formula(r, 4, f"=SUM({col_range(4, first, last)})", f["m"],
                     cached(t["annual_gap_gbp"]))
    ws.write_formula(r, 6, f"=SUM({col_range(6, first, last)})", f["m"], t["contribution_gbp"])
    ws.write_formula(r, 7, f'=IF({cell(r, 5)}=0,"",{cell(r, 6)}/{cell(r, 5)})', f["p"],
                     cached(t["share_closed"]))
    ws.write_formula(r, 8, f'=IF({cell(r, 2)}="","",{cell(r, 6)}/{years})', f["m"],
                     cached(t["annual_average_contribution_gbp"]))
    ws.write_formula(r, 9, f"=SUM({col_range(9, first, last)})", f["m"], public)
    ws.write_formula(r, 10, f"=SUM({col_range(10, first, last)})", f["m"], t["investment_mobilised_gbp"])
    ws.write_formula(r, 11, f'=IF({cell(r, 9)}=0,"",({cell(r, 10)}-{cell(r, 9)})/{cell(r, 9)})',
                     f["r"], cached(t["leverage"]))


README_WIDTH = 80        # characters: an A4 portrait page at 100%, in a wider font than Calibri too
README_LINE_CHARS = 70   # characters per wrapped line (of the widest usual font), for the row heights
README_TEXT = [
    ("What this workbook is", [
        "The appraisal of the portfolio '{name}' by Low-Carbon Appraisal (method version {method}), "
        "exported so that every figure can be followed cell by cell. It was computed with the "
        "assumption pack {pack} (vintage {vintage}); money is in pounds at {base} prices, the "
        "appraisal year (year 0) is {year}, carbon values follow the {series} series, energy "
        "prices the {energy} series and discounting the {schedule} schedule. Value for money is "
        "judged on the {basis}.",
    ]),
    ("How it is laid out", [
        "Summary: one row per project and the portfolio total, with the social and the funder BCR, "
        "the value-for-money band before and after any adjustment, traded and direct tonnes and "
        "the Exchequer line. Every figure is a formula that reads the project sheets.",
        "Gap: the pipeline's contribution to closing the low-carbon public investment gap, by "
        "sector, with the window used and the leverage of private investment.",
        "Funding profile: public funding, private capex and total capex by financial year (April "
        "to March) and by calendar year, per project and for the portfolio: formulas on the "
        "project sheets' year rows. A calendar year's figure is spread evenly over its months: "
        "9/12 falls in the financial year starting that April, 3/12 in the one before.",
        "Sensitivity, Monte Carlo and Selection (when exported with the analysis): the tornado "
        "ranges and switching values, the simulation's percentiles (with its seed and draws) and "
        "the best set of projects within a budget. These hold values, not formulas: export again "
        "after changing an input.",
        "Assumptions: the portfolio settings and every table of the assumption pack, each row "
        "with its source and quality label. Rows that are not 'official' (secondary copy, "
        "derived, recalled, illustrative, or a default or extrapolation) are shaded with the "
        "label in red: check them before a formal business case. Below them, the year tables "
        "each project sheet reads, by fuel and energy sector.",
        "One sheet per project: its results, its inputs (yellow cells), the checks the "
        "application raised, and the year-by-year table from which every result is computed.",
        "Sign-off: below the Summary's total, who prepared and who checked the appraisal, the "
        "date and the version (yellow cells, kept when the workbook is read back).",
        "Printed (A4), every page names the portfolio, the sheet, the assumption pack, the export "
        "date and its page number. The Summary prints in three blocks of columns, each with the "
        "project IDs and names; a project sheet prints its results page (results, chart and "
        "checks); its inputs and year table, and the Assumptions sheet's year tables, are for "
        "working on screen: set a print area to print them.",
    ]),
    ("The method in plain words", [
        "Costs are capital spend net of what would be spent anyway (the counterfactual), with "
        "renewals and an optimism bias uplift, plus operating costs and any electricity network "
        "reinforcement. At an early business-case stage optimism bias also delays operation.",
        "Benefits are the carbon saved (traded tonnes valued net of the carbon price already in "
        "energy costs), energy saved at resource cost (without taxes), comfort taken, air "
        "quality, road-transport externalities, other social benefits and any residual value, "
        "less the value of the carbon embodied in the works; the share that would happen anyway "
        "(benefit deadweight) is taken off. Both are discounted with the Green Book schedule "
        "(3.5% a year for 30 years, then lower), chained year by year; health benefits use the "
        "health schedule. NPSV is benefits less costs; the social BCR is benefits over costs; "
        "the funder BCR is benefits net of private costs over public costs.",
        "The Exchequer line is the change in duty and VAT the fuel switch brings: a transfer, "
        "shown beside the NPSV and not counted in it.",
        "The financial case follows the promoter's cash on its own timeline: capital (with the "
        "share of optimism bias it must fund) and operating costs against revenue and bill "
        "savings at its tariffs, net of VAT it recovers, in real or nominal terms, with its IRR "
        "and payback.",
        "Jobs are construction job-years per £1m of capex, turned into permanent-equivalent jobs, "
        "plus operational jobs, then adjusted for deadweight, leakage, displacement, substitution "
        "and multiplier effects.",
        "Flows before the appraisal year are sunk: reported, but not counted in present values.",
    ]),
    ("How to change an input", [
        "Type a new value in a yellow cell of a project sheet (for example a capex amount in the "
        "year table, the benefit deadweight or the business-case stage) or of the Assumptions "
        "sheet (for example a carbon value, the energy series or the value-for-money basis); the "
        "workbook recalculates as the application would. Blank cells in the results mean the "
        "figure is not defined; the note beside them says why.",
        "The cached values in this file are the application's own figures, so a viewer that does "
        "not recalculate still shows the right numbers.",
    ]),
]


def _write_readme(wb, fmt: Formats, results: PortfolioResults) -> None:
    ws = wb.add_worksheet(README)
    ws.set_column(0, 0, README_WIDTH)
    write_text(ws, 0, 0, f"Read me: {results.name}", fmt.title)
    write_text(ws, 1, 0, f"Method version {METHOD_VERSION}; assumption pack {results.pack_id}, "
                         f"vintage {results.pack_vintage}.", fmt.bold)
    r = 3
    fields = dict(name=results.name, pack=results.pack_id, vintage=results.pack_vintage,
                  base=results.price_base_year, year=results.appraisal_year,
                  series=results.carbon_series, schedule=results.discount_schedule,
                  energy=results.energy_series, method=METHOD_VERSION,
                  basis=VFM_BASIS_LABELS[results.vfm_basis])
    for heading, paragraphs in README_TEXT:
        write_text(ws, r, 0, heading, fmt.subtitle)
        r += 1
        for text in paragraphs:
            text = text.format(**fields)
            write_text(ws, r, 0, text, fmt.wrap)
            ws.set_row(r, 15 * (1 + len(text) // README_LINE_CHARS))
            r += 1
        r += 1
    if results.pack_quality_note:
        write_text(ws, r, 0, "Quality of the assumptions", fmt.subtitle)
        text = (results.pack_quality_note[:1].upper() + results.pack_quality_note[1:]
                + ". They are shaded on the Assumptions sheet, with their label in red.")
        write_text(ws, r + 1, 0, text, fmt.warn_wrap)
        ws.set_row(r + 1, 15 * (1 + len(text) // README_LINE_CHARS))
    page_setup(ws, fmt.page, landscape=False, repeat_rows=(0, 0))


__all__ = ["ExportCancelled", "SUMMARY_COLUMNS", "export_workbook"]
