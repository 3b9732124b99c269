"""The appraisal workbook: live formulas that reproduce the application's figures.

The expected figures are the application's own JSON results
(``PortfolioResults.to_dict``), which the core tests check against METHOD.md
and the published vectors; here the claim is that the workbook reproduces
them: from its cached values without any recalculation, and after a full
recalculation by LibreOffice to a relative 1e-9 (issue: "to the penny").
"""
from __future__ import annotations

import copy
import csv
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.io.escaping import safe_text
from appraisal.io.portfolio_file import load_portfolio
from appraisal.io.workbook import SUMMARY_COLUMNS, ExportCancelled, export_workbook
from appraisal.io.workbook.project_sheet import RESULT_ROWS, RESULTS_FIRST_ROW
from appraisal.resources import default_pack_dir, example_portfolio

RTOL = 1e-9          # the tolerance for a LibreOffice recalculation
ATOL = 1e-6          # pounds or tonnes: figures that cancel to about zero
REQUIRED_HEADERS = ["Project ID", "PV costs (£)", "PV benefits (£)", "NPSV (£)", "Social BCR",
                    "Funder BCR", "Value for money", "Carbon saved (tCO2e)", "of which traded (tCO2e)",
                    "of which direct (tCO2e)", "Exchequer: PV of indirect tax change (£)",
                    "Net additional jobs (FTE)", "Gap contribution (£)"]
# Summary column -> the key of the application's figure (project record and portfolio total)
SUMMARY_KEYS = {"PV costs (£)": "pv_costs_gbp", "PV benefits (£)": "pv_benefits_gbp",
                "NPSV (£)": "npsv_gbp", "Social BCR": "bcr", "Funder BCR": "bcr_public",
                "Value-for-money basis": "vfm_basis",
                "Value for money before adjustment": "vfm_category_unadjusted",
                "Value for money": "vfm_category",
                "PV costs, public (£)": "pv_costs_public_gbp",
                "PV costs, private (£)": "pv_costs_private_gbp",
                "Exchequer: PV of indirect tax change (£)": "pv_indirect_tax_change_gbp",
                "Carbon saved (tCO2e)": "carbon_saved_tco2e",
                "of which traded (tCO2e)": "carbon_saved_traded_tco2e",
                "of which direct (tCO2e)": "carbon_saved_direct_tco2e",
                "Net additional jobs (FTE)": "net_additional_jobs_fte",
                "Gross jobs (FTE)": "gross_jobs_fte", "Public cost (£)": "public_cost_gbp",
                "Gap contribution (£)": "gap_contribution_gbp"}
# project-sheet results that are not keys of the JSON output: read from the metrics
METRIC_ONLY = ("pv_other_economic_gbp", "gap_public_in_window_gbp")
# Gap sheet column (1-based) -> key of a sector (or the total) in the JSON gap object
GAP_COLUMNS = {3: "window_from", 4: "window_to", 5: "annual_gap_gbp", 6: "cumulative_gap_gbp",
               7: "contribution_gbp", 8: "share_closed", 9: "annual_average_contribution_gbp",
               11: "investment_mobilised_gbp", 12: "leverage"}


def edge_portfolio() -> dict:
    """Projects that take every path of the method: sunk costs, a profile and a
    revenue stream, public funding by year, a mix of optimism-bias types, a
    calculator, a category outside every gap sector, flows that never turn
    positive (no IRR), more emissions (no cost per tonne), zero costs (no BCR),
    and a price year other than the base."""
    return {
        "format": "appraisal-portfolio", "version": 1, "name": "Edge cases", "appraisal_year": 2022,
        "price_base_year": 2022, "financial_discount_rate": 0.035,
        "projects": [
            {"id": "SUNK-1", "name": "Sunk costs and a profile", "category": "public_transport",
             "price_year": 2020, "capex": {"2020": 500000, "2021": 700000, "2023": 300000},
             "public_funding": {"2021": 400000, "2023": 250000, "2024": 10000},
             "opex_per_year": 12000, "lifetime_years": 25,
             "energy_changes": [{"fuel": "diesel", "quantity_per_year": -90000},
                                {"fuel": "grid_electricity", "quantity_per_year": 300000}],
             "other_benefits": [
                 {"label": "Time savings", "kind": "economic",
                  "profile": {"2024": 50000, "2025": 80000, "2030": 120000, "2060": 5000}},
                 {"label": "Fares", "kind": "revenue", "per_year": 60000}],
             "ob_project_type": {"non_standard_buildings": 0.3, "standard_buildings": 0.7},
             "readiness": {"planning_consent": True, "months_to_start": 9}},
            {"id": "HP-CALC", "name": "=HYPERLINK(\"http://example.invalid\",\"click\")",
             "category": "heat_pumps", "capex": {"2023": 2000000}, "public_funding_share": 0.5,
             "lifetime_years": 18, "calculator": {"type": "heat_pumps", "installs": 250},
             "bill_savings_to_promoter": True, "optimism_bias": 0.1,
             "additionality": {"deadweight": 0.1, "multiplier": 1.2}},
            {"id": "+cmd|' /C calc'!A0", "name": "No gap sector, more emissions",
             "category": "renewable_generation", "capex": {"2022": 100000}, "lifetime_years": 10,
             "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": 50000}],
             "ob_mitigation": 0.5, "operational_fte": 1.5},
            {"id": "ZERO", "name": "Benefits only", "category": "green_space",
             "lifetime_years": 5, "operating_start": 2024,
             "other_benefits": [{"label": "Amenity", "kind": "economic", "per_year": 1000}]},
        ],
    }


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


def _appraise(doc: dict, pack) -> dict:
    """The application's JSON figures, with the few the sheets show that JSON leaves out."""
    results = appraise_portfolio(parse_portfolio(doc, pack), pack)
    out = results.to_dict()
    for i, project in enumerate(out["projects"]):
        for key in METRIC_ONLY:
            project[key] = float(results.metrics[key][i])
    return out


@pytest.fixture(scope="module", params=["example", "edge"])
def exported(request, pack, tmp_path_factory):
    doc = load_portfolio(example_portfolio()).data if request.param == "example" else edge_portfolio()
    path = tmp_path_factory.mktemp("wb") / f"{request.param}.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, path)
    return doc, path, _appraise(doc, pack)


def _close(a, b, rtol=RTOL) -> bool:
    if b is None:
        return a in (None, "")
    if isinstance(b, bool):
        return a == ("Yes" if b else "No")
    if isinstance(b, str):   # text as the workbook writes it (issue 11: never a formula)
        return a == safe_text(b) or (b == "" and a is None)
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=rtol, abs_tol=ATOL)


def project_sheets(book: Path) -> list[str]:
    """Names of the project sheets, in portfolio order (after the five fixed sheets)."""
    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        return [n for n in wb.sheetnames
                if n not in ("Read me", "Summary", "Gap", "Funding profile", "Assumptions")]
    finally:
        wb.close()


def assert_matches_json(book: Path, expected: dict, rtol: float) -> int:
    """Every result on every project sheet, the Summary rows and total, and the
    Gap sheet equal the application's JSON figures. Returns how many cells were compared."""
    sheets = project_sheets(book)
    wb = openpyxl.load_workbook(book, data_only=True)
    summary = wb["Summary"]
    header = [c.value for c in summary[5]]
    mismatches = []
    compared = 0
    for i, project in enumerate(expected["projects"]):
        row_values = [c.value for c in summary[6 + i]]
        sheet = wb[sheets[i]]
        for n, (key, *_rest) in enumerate(RESULT_ROWS):
            got = sheet.cell(RESULTS_FIRST_ROW + 1 + n, 2).value
            want = project[key]
            if key == "gap_sector" and want is None:
                want = ""
            compared += 1
            if not _close(got, want, rtol):
                mismatches.append((project["id"], key, got, want))
        for label, key in SUMMARY_KEYS.items():
            got = row_values[header.index(label)]
            compared += 1
            if not _close(got, project[key], rtol):
                mismatches.append((project["id"], "Summary " + label, got, project[key]))
        if row_values[header.index("Project ID")] != safe_text(project["id"]):
            mismatches.append((project["id"], "Summary Project ID", row_values[0]))
    total = [c.value for c in summary[6 + len(expected["projects"])]]
    portfolio = expected["portfolio"]
    for label, key in SUMMARY_KEYS.items():
        want = (portfolio["gap"]["total"]["contribution_gbp"] if key == "gap_contribution_gbp"
                else portfolio["vfm_category"] if key == "vfm_category_unadjusted" else portfolio[key])
        compared += 1
        if not _close(total[header.index(label)], want, rtol):
            mismatches.append(("TOTAL", label, total[header.index(label)], want))
    gap = wb["Gap"]
    sectors = portfolio["gap"]["sectors"]
    for r in range(5, 5 + len(sectors) + 1):
        name = gap.cell(r, 1).value
        want = dict(portfolio["gap"]["total"]) if name == "All sectors" else dict(sectors[name])
        window = portfolio["gap"]["window"] if name == "All sectors" else want["window"]
        want["window_from"], want["window_to"] = window or (None, None)
        for col, key in GAP_COLUMNS.items():
            compared += 1
            if not _close(gap.cell(r, col).value, want[key], rtol):
                mismatches.append(("Gap", name, key, gap.cell(r, col).value, want[key]))
    wb.close()
    assert not mismatches, mismatches
    return compared


def numeric_cells(book: Path) -> dict[tuple[str, str], float]:
    wb = openpyxl.load_workbook(book, data_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    out[(ws.title, c.coordinate)] = float(c.value)
    wb.close()
    return out


# ---------------------------------------------------------------------------

def test_summary_has_the_required_table(exported):
    doc, path, expected = exported
    wb = openpyxl.load_workbook(path)   # formulas, not values
    ws = wb["Summary"]
    header = [c.value for c in ws[5]]
    for label in REQUIRED_HEADERS:
        assert label in header, label
    assert header[:len(SUMMARY_COLUMNS)] == [c[0] for c in SUMMARY_COLUMNS]
    n = len(expected["projects"])
    sheets = project_sheets(path)
    for i in range(n):
        for label in REQUIRED_HEADERS:
            f = ws.cell(6 + i, header.index(label) + 1).value
            # every figure reaches back to the project's own sheet
            assert isinstance(f, str) and f.startswith("=") and "!" in f, (i, label, f)
            assert sheets[i].replace("'", "''") in f, (sheets[i], f)
    assert ws.cell(6 + n, 1).value == "Portfolio total"
    for label in REQUIRED_HEADERS[1:]:
        assert str(ws.cell(6 + n, header.index(label) + 1).value).startswith("=")


def test_cached_values_match_the_application_without_recalculation(exported):
    """A viewer that does not recalculate (openpyxl's data_only reads the cached
    values) sees the application's figures exactly."""
    doc, path, expected = exported
    assert_matches_json(path, expected, rtol=1e-12)


@pytest.mark.slow
def test_libreoffice_recalculation_reproduces_every_figure(exported, libreoffice):
    doc, path, expected = exported
    recalculated = libreoffice(path)
    assert_matches_json(recalculated, expected, rtol=RTOL)
    # and every number anywhere in the workbook (year tables, look-ups, totals)
    before, after = numeric_cells(path), numeric_cells(recalculated)
    assert before.keys() <= after.keys() | {k for k, v in before.items() if v == 0}
    bad = [(k, before[k], after.get(k)) for k in before
           if not math.isclose(before[k], after.get(k, 0.0), rel_tol=RTOL, abs_tol=ATOL)]
    assert not bad, bad[:20]


def _set_cell(book: Path, out: Path, sheet: str, row_label: str, year_or_col, value) -> None:
    """Change one input cell with openpyxl (which keeps formulas but drops cached values,
    so whatever LibreOffice then reports it computed itself)."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    year_row = label_row = None
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == row_label:
            label_row = row[0].row
        if row[0].value == "Year" and year_row is None and sheet != "Assumptions":
            year_row = row[0].row
    assert label_row is not None, row_label
    if sheet == "Assumptions":
        ws.cell(label_row, year_or_col).value = value
    else:
        col = next(c.column for c in ws[year_row] if c.value == year_or_col)
        ws.cell(label_row, col).value = value
    wb.save(out)


@pytest.mark.slow
def test_changing_a_capex_cell_recalculates_as_the_application_would(pack, tmp_path, libreoffice):
    doc = load_portfolio(example_portfolio()).data
    book = tmp_path / "book.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, book)
    project = doc["projects"][0]
    year = int(min(project["capex"]))
    edited = tmp_path / "edited.xlsx"
    _set_cell(book, edited, project["id"], "Capex (£ at the input price year)", year, 5_000_000)
    changed = copy.deepcopy(doc)
    changed["projects"][0]["capex"][str(year)] = 5_000_000
    expected = _appraise(changed, pack)
    assert expected["projects"][0]["npsv_gbp"] != pytest.approx(_appraise(doc, pack)["projects"][0]["npsv_gbp"])
    assert_matches_json(libreoffice(edited), expected, rtol=RTOL)


@pytest.mark.slow
def test_changing_a_carbon_value_recalculates_as_the_application_would(pack, tmp_path, libreoffice):
    doc = load_portfolio(example_portfolio()).data
    book = tmp_path / "book.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, book)
    # the same change in a copy of the pack: central carbon value of 2030 raised by a fifth
    folder = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), folder)
    with (folder / "carbon_values.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for r in rows[1:]:
        if r[0] == "2030":
            new_value = float(r[header.index("central")]) * 1.2
            r[header.index("central")] = repr(new_value)
    with (folder / "carbon_values.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    changed_pack = load_pack(folder)
    expected = _appraise(doc, changed_pack)
    # the 2030 row of the Assumptions sheet's carbon table, column "central" (C)
    wb = openpyxl.load_workbook(book)
    ws = wb["Assumptions"]
    title_row = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "Carbon values")
    row = next(r for r in range(title_row + 2, title_row + 60) if ws.cell(r, 1).value == 2030)
    ws.cell(row, 3).value = new_value
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert_matches_json(libreoffice(edited), expected, rtol=RTOL)


def test_text_users_typed_is_never_a_formula(pack, tmp_path):
    path = tmp_path / "edge.xlsx"
    export_workbook(parse_portfolio(edge_portfolio(), pack), pack, path)
    wb = openpyxl.load_workbook(path)
    sheets = project_sheets(path)
    name_cell = wb[sheets[1]].cell(RESULTS_FIRST_ROW + len(RESULT_ROWS) + 4, 2)
    # text, and with OWASP's leading apostrophe (issue 11), so that neither editing
    # the cell nor saving the sheet as CSV can turn it into a formula
    assert name_cell.data_type == "s"
    assert name_cell.value.startswith("'=HYPERLINK")
    id_cell = wb[sheets[2]].cell(RESULTS_FIRST_ROW + len(RESULT_ROWS) + 3, 2)
    assert id_cell.data_type == "s" and id_cell.value.startswith("'+cmd")
    # the sheet name of a hostile id is sanitised but the id is kept whole
    assert all(ch not in sheets[2] for ch in "[]:*?/\\")


def test_cancelled_export_writes_nothing(pack, tmp_path):
    path = tmp_path / "book.xlsx"
    inputs = parse_portfolio(load_portfolio(example_portfolio()).data, pack)
    calls = []
    with pytest.raises(ExportCancelled):
        export_workbook(inputs, pack, path, progress=lambda done, total: calls.append(done),
                        cancelled=lambda: len(calls) >= 3)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
    assert calls == [1, 2, 3]


def test_export_keeps_an_existing_file_when_it_fails(pack, tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"previous workbook")
    inputs = parse_portfolio(load_portfolio(example_portfolio()).data, pack)
    import appraisal.io.workbook as wbmod

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wbmod, "write_project_sheet", boom)
    with pytest.raises(RuntimeError):
        export_workbook(inputs, pack, path)
    assert path.read_bytes() == b"previous workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_cli_export_refuses_a_bad_portfolio_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"appraisal_year": 2021, "projects": [
        {"id": "A", "category": "heat_pumps", "lifetime_years": 10, "capex": {"2021": -5}}]}))
    out = tmp_path / "book.xlsx"
    proc = subprocess.run([sys.executable, "-m", "appraisal", "export", str(bad), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "project A" in proc.stderr and "capex.2021" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_cli_export_example(tmp_path):
    out = tmp_path / "book.xlsx"
    proc = subprocess.run([sys.executable, "-m", "appraisal", "export", "--example", "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[:5] == ["Read me", "Summary", "Gap", "Funding profile", "Assumptions"]
    wb.close()


@pytest.mark.slow
def test_workbook_renders_to_pdf(pack, tmp_path, libreoffice, tools):
    """The workbook prints: LibreOffice renders it to a PDF with a page or more
    per sheet (the pages themselves are looked at by eye, see docs/)."""
    path = tmp_path / "book.xlsx"
    export_workbook(parse_portfolio(load_portfolio(example_portfolio()).data, pack), pack, path)
    pdf = libreoffice(path, to="pdf")
    assert pdf.stat().st_size > 20_000
    if tools.available("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages")))
        assert pages >= 4 + 12


@pytest.mark.slow
def test_moving_the_appraisal_year_recalculates_as_the_application_would(pack, tmp_path, libreoffice):
    """AppraisalYear is an input of the Assumptions sheet: discounting restarts
    from the new year 0 (the factors come from the sheet's chain by t) and the
    IRR counts the years from it (review finding: DF and the IRR range were
    fixed at export)."""
    doc = load_portfolio(example_portfolio()).data
    book = tmp_path / "book.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Assumptions"]
    row = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1)
               if r[0].value == "Appraisal year (year 0)")
    later = doc["appraisal_year"] + 1
    ws.cell(row, 2).value = later
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    changed = copy.deepcopy(doc)
    changed["appraisal_year"] = later
    assert_matches_json(libreoffice(edited), _appraise(changed, pack), rtol=RTOL)


@pytest.mark.slow
def test_operating_years_beyond_the_sheet_show_no_results(pack, tmp_path, libreoffice):
    """A lifetime that runs past the sheet's last year column cannot be
    appraised by the sheet: the results say so instead of a wrong figure."""
    doc = load_portfolio(example_portfolio()).data
    book = tmp_path / "book.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, book)
    wb = openpyxl.load_workbook(book)
    sheet = project_sheets(book)[0]
    ws = wb[sheet]
    row = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "Lifetime")
    ws.cell(row, 2).value = 60
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    out = openpyxl.load_workbook(libreoffice(edited), data_only=True)[sheet]
    assert "Export the workbook again" in (out.cell(4, 1).value or "")
    npsv_row = RESULTS_FIRST_ROW + 1 + [k for k, *_ in RESULT_ROWS].index("npsv_gbp")
    assert out.cell(npsv_row, 2).value == "#N/A"
