"""The appraisal workbook printed (issue 10, "A workbook a finance team can print").

Every sheet carries one page set-up (A4, an orientation, margins, print titles,
fitted to the page width, a header and footer naming the portfolio, the pack, the
export date and the page); the example's workbook converted by LibreOffice is under
30 pages; the Summary shows labels, not codes; the sign-off block is written as
input cells; and the Funding profile's figures, recalculated by LibreOffice, equal
figures computed here from the application's results.
"""
from __future__ import annotations

import copy
import shutil
import subprocess

import numpy as np
import openpyxl
import pytest

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.appraise import project_span
from appraisal.core.portfolio import SIGN_OFF_FIELDS, check_portfolio
from appraisal.io.portfolio_file import load_portfolio
from appraisal.io.workbook import (SUMMARY_COLUMNS, SUMMARY_HEADER_ROW, SUMMARY_PRINT_SCALE,
                                   export_workbook)
from appraisal.io.workbook.funding_profile import (APRIL_TO_DECEMBER, SHEET as FUNDING, fy_label,
                                                   funding_years)
from appraisal.io.workbook.layout import header_footer_text
from appraisal.io.workbook.project_sheet import INPUTS_HEADER_ROW
from appraisal.resources import default_pack_dir, example_portfolio

RTOL, ATOL = 1e-9, 1e-6
FIXED = ("Read me", "Summary", "Gap", FUNDING, "Assumptions")
PORTRAIT = ("Read me",)
SIGN_OFF = {"prepared_by": "A. Analyst & Co", "checked_by": "B. Finance", "date": "2026-12-03",
            "version": "v1.2 (draft)"}


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def example_doc():
    doc = copy.deepcopy(load_portfolio(example_portfolio()).data)
    doc["name"] = "R&D pipeline: " + doc["name"]      # an ampersand the header must escape
    doc["sign_off"] = dict(SIGN_OFF)
    return doc


@pytest.fixture(scope="module")
def book(pack, example_doc, tmp_path_factory):
    """The example with the analysis sheets (they print too), and its results."""
    path = tmp_path_factory.mktemp("print") / "example.xlsx"
    inputs = parse_portfolio(example_doc, pack)
    export_workbook(inputs, pack, path, analysis=True, draws=50)
    return path, inputs, appraise_portfolio(inputs, pack, keep_series=True)


def test_header_footer_text_doubles_every_ampersand():
    assert header_footer_text("R&D & Co") == "R&&D && Co"
    assert header_footer_text("Page &P") == "Page &&P"     # user text never becomes a code
    assert header_footer_text(None) == ""


def test_every_sheet_has_the_page_setup(book, example_doc, pack):
    path, inputs, _ = book
    wb = openpyxl.load_workbook(path)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert len(visible) == len(FIXED) + 2 + len(inputs.projects)   # + Sensitivity, Monte Carlo
    for ws in visible:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9, ws.title                        # A4
        assert ps.orientation == ("portrait" if ws.title in PORTRAIT else "landscape"), ws.title
        assert ws.print_title_rows, ws.title                          # repeated header rows
        if ws.title == "Summary":
            # three blocks of columns at a set scale: a fit to pages would override the breaks
            assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
            assert int(ps.scale) == SUMMARY_PRINT_SCALE
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert int(ps.fitToWidth if ps.fitToWidth is not None else 1) == 1, ws.title
            tall = 1 if ps.fitToHeight is None else int(ps.fitToHeight)   # OOXML: absent is 1
            assert tall == (1 if ws.title in inputs_ids(inputs) else 0), ws.title
        header, footer = ws.oddHeader, ws.oddFooter
        assert header.left.text == header_footer_text(example_doc["name"]), ws.title
        assert header.right.text == "&A", ws.title                    # the sheet's name
        assert f"{pack.id} ({pack.vintage})" in footer.left.text, ws.title
        assert "exported " in footer.left.text, ws.title
        assert footer.right.text == "Page &P of &N", ws.title
        assert ws.page_margins.left == 0.5 and ws.page_margins.top == 0.75, ws.title
    wb.close()


def inputs_ids(inputs) -> set[str]:
    return {p.id for p in inputs.projects}


def test_project_sheets_print_their_results_page_not_the_year_table(book):
    path, inputs, _ = book
    wb = openpyxl.load_workbook(path)
    for p in inputs.projects:
        ws = wb[p.id]
        area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
        last_row = int(area.split(":")[-1].lstrip("$").split("$")[-1])
        year_title = next(c.row for c in ws["A"] if str(c.value).startswith("Year by year"))
        assert last_row < year_title, (p.id, area)
        assert last_row >= INPUTS_HEADER_ROW - 1, (p.id, area)    # every result is printed
    wb.close()


def test_summary_shows_labels_not_codes(book, pack):
    path, inputs, _ = book
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Summary"]
    header = [c.value for c in ws[SUMMARY_HEADER_ROW + 1]]
    cat_col, gap_col = header.index("Category") + 1, header.index("Gap sector") + 1
    for i, p in enumerate(inputs.projects):
        r = SUMMARY_HEADER_ROW + 2 + i
        category = pack.categories[p.category]
        assert ws.cell(r, cat_col).value == category.label, p.id
        want = pack.investment_gap[category.gap_sector].label if category.gap_sector else None
        assert ws.cell(r, gap_col).value in ((want,) if want else (None, "")), p.id
    codes = set(pack.categories) | set(pack.investment_gap)
    shown = {ws.cell(SUMMARY_HEADER_ROW + 2 + i, c).value for i in range(len(inputs.projects))
             for c in (cat_col, gap_col)}
    assert not shown & codes, shown & codes
    wb.close()


def test_project_sheets_show_the_words_beside_the_codes(book, pack):
    path, inputs, _ = book
    wb = openpyxl.load_workbook(path, data_only=True)
    p = inputs.projects[0]
    ws = wb[p.id]
    rows = {ws.cell(r, 1).value: r for r in range(INPUTS_HEADER_ROW + 1, INPUTS_HEADER_ROW + 60)}
    assert ws.cell(rows["Category"], 2).value == p.category               # the input keeps the code
    assert ws.cell(rows["Category"], 3).value == pack.categories[p.category].label
    assert ws.cell(rows["Spatial level"], 2).value == p.spatial_level
    assert ws.cell(rows["Spatial level"], 3).value == p.spatial_level.capitalize()
    assert ws.cell(rows["Business case stage"], 3).value == "Full business case (FBC)"  # HP-001: fbc
    assert "Energy change: Grid electricity" in rows
    wb.close()


def test_sign_off_is_written_as_input_cells(book):
    path, _, _ = book
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    found = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value in ("Prepared by", "Checked by", "Date", "Version"):
                found[c.value] = ws.cell(c.row, c.column + 1)
    labels = dict(zip(SIGN_OFF_FIELDS, ("Prepared by", "Checked by", "Date", "Version")))
    for field, label in labels.items():
        value = found[label]
        assert value.value == SIGN_OFF[field], field
        assert value.data_type == "s", field                       # text as typed, never a formula
        assert value.protection.locked is False, field             # the input cell format
        assert value.fill.fgColor.rgb.endswith("FFF2CC"), field
    wb.close()


def test_sign_off_must_be_an_object_of_text():
    doc = copy.deepcopy(load_portfolio(example_portfolio()).data)
    doc["sign_off"] = "me"
    problems = check_portfolio(doc).portfolio_problems
    assert any("sign_off" in str(p) for p in problems)
    doc["sign_off"] = {"prepared_by": 3}
    assert any("sign_off.prepared_by" in str(p) for p in check_portfolio(doc).portfolio_problems)
    doc["sign_off"] = {"checked_by": "C. Checker"}
    assert check_portfolio(doc).inputs.sign_off == {"checked_by": "C. Checker"}


def promoter_capex(p, results, i, pack) -> dict[int, tuple[float, float]]:
    """(total capex, public funding) by calendar year, from the application's series:
    capex plus renewals on the promoter's timeline (METHOD.md 2 and 10.3: a renewal every
    ``every`` years from the operating start, up to the last operating year), rebased
    with the factor the project sheet shows."""
    s = results.project_series(i)
    years = results.years
    start = project_span(p, results.appraisal_year, pack)[0]
    k = results.deflator[results.price_base_year] / results.deflator[
        p.price_year if p.price_year is not None else results.price_base_year]
    total = np.array(s["capex"], dtype=float)
    for _, cost, every in p.renewals:
        off = years - start
        total += ((off > 0) & (off % every == 0) & (off <= p.lifetime_years - 1)) * cost * k
    return {int(y): (float(t), float(g)) for y, t, g in zip(years, total, s["public_funding"])}


def _close(a, b) -> bool:
    return a is not None and abs(a - b) <= ATOL + RTOL * abs(b)


@pytest.mark.slow
def test_funding_profile_recalculated_by_libreoffice_matches_the_application(book, pack, libreoffice):
    """Each project's public funding, private capex and total capex, by calendar year and
    by financial year (9/12 of calendar year Y and 3/12 of Y+1 in FY Y-(Y+1)), and their
    portfolio totals, equal the application's figures after LibreOffice recalculates."""
    path, inputs, results = book
    recalc = libreoffice(path)
    wb = openpyxl.load_workbook(recalc, data_only=True)
    ws = wb[FUNDING]
    flows = [promoter_capex(p, results, i, pack) for i, p in enumerate(inputs.projects)]

    def calendar(i, y, measure):
        t, g = flows[i].get(y, (0.0, 0.0))
        return {"Public funding": g, "Private capex": t - g, "Total capex": t}[measure]

    def financial(i, y, measure):
        return APRIL_TO_DECEMBER * calendar(i, y, measure) + (1 - APRIL_TO_DECEMBER) * calendar(i, y + 1, measure)

    mismatches, compared = [], 0
    project_at = {p.id: i for i, p in enumerate(inputs.projects)}
    header = None
    current = None
    for row in ws.iter_rows(min_row=4):
        a, b = row[0].value, row[1].value
        if b == "Measure (£)":
            header = [c.value for c in row]
            continue
        if header is None or b not in ("Public funding", "Private capex", "Total capex"):
            continue
        current = a if a else current
        for c, label in enumerate(header[2:], 2):
            if label is None:
                continue
            got = row[c].value
            if label == "All years":
                want = sum((calendar(i, y, b) for i in range(len(flows)) for y in flows[i])
                           if current == "Portfolio" else (calendar(project_at[current], y, b)
                                                          for y in flows[project_at[current]]))
            else:
                fy = "-" in str(label)
                y = int(str(label)[:4])
                ids = range(len(flows)) if current == "Portfolio" else [project_at[current]]
                want = sum(financial(i, y, b) if fy else calendar(i, y, b) for i in ids)
            compared += 1
            if not _close(got, want):
                mismatches.append((current, b, label, got, want))
    # the words beside the codes are formulas too: LibreOffice finds the same labels
    sheet = wb[inputs.projects[0].id]
    words = {sheet.cell(r, 1).value: sheet.cell(r, 3).value for r in range(INPUTS_HEADER_ROW + 1,
                                                                          INPUTS_HEADER_ROW + 40)}
    assert words["Category"] == pack.categories[inputs.projects[0].category].label
    assert words["Business case stage"] == "Full business case (FBC)"
    assert words["Spatial level"] == "Local"
    wb.close()
    assert compared > 100 and not mismatches, mismatches[:10]
    # the public funding over all years is the application's public cost (METHOD.md 5)
    for i in range(len(inputs.projects)):
        assert _close(sum(g for _, g in flows[i].values()), float(results.metrics["public_cost_gbp"][i]))


def test_financial_years_are_named_as_budgets_name_them(book):
    assert fy_label(2026) == "2026-27" and fy_label(2099) == "2099-00"
    path, _, _ = book
    wb = openpyxl.load_workbook(path)
    ws = wb[FUNDING]
    labels = {c.value for row in ws.iter_rows(max_row=12) for c in row if isinstance(c.value, str)}
    assert "By financial year (April to March)" in labels and "2026-27" in labels
    notes = " ".join(str(ws.cell(r, 1).value) for r in range(1, 4))
    assert "9/12" in notes and "3/12" in notes        # the convention, stated
    wb.close()


@pytest.mark.slow
def test_the_example_prints_on_fewer_than_30_pages(pack, tmp_path, libreoffice):
    """Issue 10: the example's workbook, converted to PDF by LibreOffice, is under 30 pages
    (the project sheets' year tables and the Assumptions' derived tables are outside the
    print areas)."""
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler's pdfinfo is not installed")
    path = tmp_path / "example.xlsx"
    export_workbook(parse_portfolio(load_portfolio(example_portfolio()).data, pack), pack, path)
    pdf = libreoffice(path, to="pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    n = len(parse_portfolio(load_portfolio(example_portfolio()).data, pack).projects)
    assert n + 5 <= pages < 30, pages      # a page a project, and the fixed sheets


def test_funding_years_cover_every_flow():
    from appraisal.io.workbook.funding_profile import FundingRows
    rows = FundingRows("S", "P", "n", np.array([2026, 2027, 2040]), "", "", "", "",
                       np.array([100.0, 0.0, 50.0]), np.array([40.0, 0.0, 0.0]))
    cal, fys = funding_years([rows])
    assert cal == [2026, 2040] and fys == [2025, 2026, 2039, 2040]
    # FY 2025-26 holds January to March 2026: 3/12 of the year's 100
    assert rows.financial(2025, "Total capex") == pytest.approx(25.0)
    assert rows.financial(2026, "Private capex") == pytest.approx(0.75 * 60.0)


def test_summary_column_blocks_start_where_the_page_breaks_are(book):
    path, _, _ = book
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    breaks = [b.id for b in ws.col_breaks.brk]
    keys = [k for _, k, *_ in SUMMARY_COLUMNS]
    assert breaks == [keys.index("pv_costs_public_gbp"), keys.index("gap_sector")]
    assert ws.print_title_cols == "$A:$B"
    wb.close()


def test_assumptions_prints_the_pack_tables_not_the_derived_ones(book):
    path, _, _ = book
    wb = openpyxl.load_workbook(path)
    ws = wb["Assumptions"]
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    last_row = int(area.split(":")[-1].split("$")[-1])
    titles = {str(c.value): c.row for c in ws["A"] if c.value}
    assert titles["Discount factors"] > last_row and titles["Year tables"] > last_row
    assert titles["Categories"] < last_row and titles["Energy prices"] < last_row
    wb.close()


def test_the_summary_chart_starts_a_page_when_it_would_not_fit_below_the_table(pack, tmp_path):
    """A chart is never split across pages: with many projects the NPSV chart (22 px a
    project) starts a printed page of its own; with the example it fits below the table."""
    doc = copy.deepcopy(load_portfolio(example_portfolio()).data)
    base = doc["projects"]
    doc["projects"] = [dict(p, id=f"{p['id']}-{k}") for k in range(3) for p in base]
    path = tmp_path / "many.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Summary"]
    chart_row = ws._charts[0].anchor._from.row          # 0-based
    assert [b.id for b in ws.row_breaks.brk] == [chart_row]
    wb.close()
    small = tmp_path / "example.xlsx"
    export_workbook(parse_portfolio(load_portfolio(example_portfolio()).data, pack), pack, small)
    wb = openpyxl.load_workbook(small)
    assert not wb["Summary"].row_breaks.brk
    wb.close()
