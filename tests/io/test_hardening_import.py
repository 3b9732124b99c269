"""Issue 11, the input side of the readers: a submission workbook is read cell by cell,
whatever its protection; the portfolio reader names the field and the line of what
JSON lets through; the desktop application opens a file exactly as the command line
does. Each test is built from one of the issue's reproductions.
"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import InputError, load_pack
from appraisal.io import submission_layout as L
from appraisal.io.portfolio_file import load_portfolio, open_portfolio, parse_json_text
from appraisal.io.submission import describe_problem, import_workbooks, write_template
from appraisal.resources import default_pack_dir, example_portfolio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_submission import EXAMPLE, fill, project_entries  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIRST = EXAMPLE["projects"][0]


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def template(pack, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path, pack)
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def where(report) -> set[tuple[str | None, str | None]]:
    return {(p.sheet, p.cell) for p in report.problems}


# -- the submission importer: every filled cell -----------------------------------------

def test_a_16th_capex_row_typed_after_unprotecting_is_refused_not_lost(pack, template, tmp_path):
    """The issue's case: GBP 4.0m typed on the row after the 15 capex rows (the Total row,
    once the sheet is unprotected) gave exit 0 and a project without that money."""
    cells = project_entries(FIRST, pack)
    t = L.CAPEX_TABLE
    row = t.last_row + 1                       # the 16th row
    cells[(L.CAPEX, f"A{row}")] = 2040
    cells[(L.CAPEX, f"B{row}")] = 4_000_000
    book = fill(template, tmp_path / "sixteen.xlsx", cells)
    report = import_workbooks([book], pack)
    assert {(L.CAPEX, f"A{row}"), (L.CAPEX, f"B{row}")} <= where(report)
    assert report.projects == []               # not imported without the money
    message = next(p.message for p in report.problems if p.cell == f"B{row}")
    assert "4,000,000" in message and "outside the template's entry cells" in message


@pytest.mark.parametrize("what, cells_of", [
    ("a 7th fuel", lambda t: {(L.ENERGY, f"A{L.ENERGY_TABLE.last_row + 1}"): "Diesel (litre)",
                              (L.ENERGY, f"B{L.ENERGY_TABLE.last_row + 1}"): -50_000}),
    ("a 9th benefit", lambda t: {(L.BENEFITS, f"A{L.BENEFITS_TABLE.last_row + 1}"): "Parking",
                                 (L.BENEFITS, f"C{L.BENEFITS_TABLE.last_row + 1}"): 120_000}),
    ("an amount beside the capex table", lambda t: {(L.CAPEX, "E8"): 250_000}),
    ("an entry typed in the Example column", lambda t: {(L.PROJECT, "D10"): 30_000}),
    ("text where the template has nothing", lambda t: {(L.CAPEX, "A22"): "2041: £1.2m"}),
    ("a number far down the sheet", lambda t: {(L.PROFILES, "A900"): 2050}),
])
def test_a_value_outside_the_entry_cells_is_a_problem_naming_its_cell(pack, template, tmp_path,
                                                                      what, cells_of):
    extra = cells_of(None)
    cells = {**project_entries(FIRST, pack), **extra}
    book = fill(template, tmp_path / "extra.xlsx", cells)
    report = import_workbooks([book], pack)
    assert set(extra) <= where(report), (what, [describe_problem(p) for p in report.problems])
    assert report.projects == []


def test_a_row_inserted_into_the_capex_table_is_refused(pack, template, tmp_path):
    """Inserting a row pushes the 15th year and the Total row down: both are reported."""
    book = fill(template, tmp_path / "filled.xlsx", project_entries(FIRST, pack))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book)
    ws = wb[L.CAPEX]
    ws.protection.sheet = False
    ws.insert_rows(L.CAPEX_TABLE.first_row + 2)
    ws[f"A{L.CAPEX_TABLE.first_row + 2}"] = 2029
    ws[f"B{L.CAPEX_TABLE.first_row + 2}"] = 1_500_000
    wb.save(book)
    report = import_workbooks([book], pack)
    assert report.projects == []
    assert any(p.sheet == L.CAPEX and p.cell and p.cell.startswith("A") and
               int(p.cell[1:]) > L.CAPEX_TABLE.last_row for p in report.problems)


def test_structural_and_value_problems_are_listed_together(pack, template, tmp_path):
    cells = project_entries(FIRST, pack)
    cells[(L.PROJECT, L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    cells[(L.ENERGY, f"B{L.ENERGY_TABLE.last_row + 1}")] = -50_000
    book = fill(template, tmp_path / "both.xlsx", cells)
    report = import_workbooks([book], pack)
    assert (L.PROJECT, L.PROJECT_CELLS["lifetime_years"]) in where(report)
    assert (L.ENERGY, f"B{L.ENERGY_TABLE.last_row + 1}") in where(report)


def test_a_missing_sheet_is_listed_with_the_other_problems(pack, template, tmp_path):
    cells = project_entries(FIRST, pack)
    cells[(L.PROJECT, L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    book = fill(template, tmp_path / "nosheet.xlsx", cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book)
    del wb[L.PROFILES]
    wb.save(book)
    report = import_workbooks([book], pack)
    assert (L.PROFILES, None) in where(report)
    assert (L.PROJECT, L.PROJECT_CELLS["lifetime_years"]) in where(report)


def test_the_filled_template_still_imports_cleanly(pack, template, tmp_path):
    """The guard above costs nothing to a sound workbook: labels, totals and the
    price-year notes of the template are its own, not entries."""
    book = fill(template, tmp_path / "sound.xlsx", project_entries(FIRST, pack))
    report = import_workbooks([book], pack)
    assert [describe_problem(p) for p in report.problems] == []
    assert [p["id"] for p in report.projects] == [FIRST["id"]]


def test_the_template_is_protected_without_a_password_and_the_importer_does_not_rely_on_it(
        template):
    wb = openpyxl.load_workbook(template)
    for sheet in L.INPUT_SHEETS:
        assert wb[sheet].protection.sheet and not wb[sheet].protection.password


def test_import_on_the_command_line_exits_2_naming_the_cell(pack, template, tmp_path):
    cells = project_entries(FIRST, pack)
    cells[(L.CAPEX, f"B{L.CAPEX_TABLE.last_row + 1}")] = 4_000_000
    book = fill(template, tmp_path / "cli.xlsx", cells)
    out = tmp_path / "p.json"
    done = run_cli("import", book, "-o", out, "--appraisal-year", "2026")
    assert done.returncode == 2, done.stderr
    assert f"sheet 'Capex and funding', cell B{L.CAPEX_TABLE.last_row + 1}" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


# -- the portfolio file reader --------------------------------------------------------

def _refused(text: str, tmp_path: Path) -> list:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_portfolio(path)
    return caught.value.problems


def test_a_file_without_projects_is_an_error_not_an_empty_portfolio(tmp_path):
    (problem,) = _refused('{"name": "settings", "appraisal_year": 2026}', tmp_path)
    assert problem.field == "projects" and "projects" in problem.message


def test_nan_is_named_by_project_field_and_line(tmp_path):
    text = ('{"appraisal_year": 2026,\n"projects": [\n {"id": "HP-1",\n'
            '  "capex": {"2027": NaN}}]}')
    (problem,) = _refused(text, tmp_path)
    assert (problem.project, problem.field) == ("HP-1", "capex.2027")
    assert "line 4" in problem.message and "NaN" in problem.message


def test_infinity_at_the_top_is_named_by_field_and_line(tmp_path):
    (problem,) = _refused('{"projects": [],\n"financial_discount_rate": -Infinity}', tmp_path)
    assert problem.field == "financial_discount_rate" and "line 2" in problem.message


def test_a_duplicate_key_is_named_by_field_and_line(tmp_path):
    text = '{"projects": [\n{"id": "A",\n "name": "x",\n "name": "y"}]}'
    (problem,) = _refused(text, tmp_path)
    assert (problem.project, problem.field) == ("A", "name")
    assert "line 4" in problem.message and "twice" in problem.message


def test_a_lone_surrogate_is_refused_naming_the_field(tmp_path):
    (problem,) = _refused('{"projects": [{"id": "A", "name": "\\ud800"}]}', tmp_path)
    assert (problem.project, problem.field) == ("A", "name")
    assert "surrogate" in problem.message


def test_escaped_pairs_and_backslashes_are_not_surrogates():
    data = parse_json_text('{"projects": [], "name": "\\ud83d\\ude00 \\\\ud800"}', "x.json")
    assert data["name"] == "\U0001F600 \\ud800"


@pytest.mark.parametrize("project, field", [
    ({"lifetime_years": "20"}, "lifetime_years"),            # a string where a number belongs
    ({"readiness": ["yes"]}, "readiness"),                   # a list where an object belongs
    ({"opex_per_year": True}, "opex_per_year"),              # true where a number belongs
    ({"capex": {"2027": [1]}}, "capex.2027"),
    ({"notes": 5}, "notes"),
])
def test_wrongly_typed_values_are_refused_with_file_project_and_field(pack, tmp_path, project,
                                                                      field):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    data["projects"][0].update(project)
    path = tmp_path / "typed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        open_portfolio(path, pack)
    hits = [p for p in caught.value.problems if p.field == field]
    assert hits and hits[0].file == str(path) and hits[0].project == FIRST["id"]


def test_the_command_line_names_the_line_of_a_nan(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"appraisal_year": 2026,\n "projects": [], "financial_ob_share": NaN}',
                    encoding="utf-8")
    done = run_cli("appraise", path)
    assert done.returncode == 2
    assert "field 'financial_ob_share': line 2" in done.stderr


# -- the command line's own arguments ---------------------------------------------------

def test_a_negative_seed_is_a_usage_error_not_an_internal_error():
    done = run_cli("montecarlo", "--example", "--draws", "100", "--seed", "-1")
    assert done.returncode == 2
    assert "--seed" in done.stderr and "internal error" not in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_schedule_is_an_error_not_the_default():
    done = run_cli("appraise", "--example", "--schedule", "")
    assert done.returncode == 2 and done.stdout == ""
    assert "--schedule" in done.stderr


def test_an_ev_consumption_of_1e_minus_300_exits_2_in_every_command(tmp_path):
    """The issue: blank results, numpy warnings, `nan` from sensitivity, a failing
    montecarlo and a project select dropped silently."""
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    p = data["projects"][0]
    p.pop("energy_changes")
    p.update(category="ev_charging", calculator={"type": "ev_charging", "chargers": 10,
                                                 "kwh_per_charger_per_year": 10_000,
                                                 "ev_kwh_per_km": 1e-300})
    path = tmp_path / "ev.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for args in (["appraise"], ["sensitivity"], ["montecarlo", "--draws", "100"],
                 ["select", "--budget", "100m"]):
        done = run_cli(*args, path)
        assert done.returncode == 2, (args, done.stderr)
        assert f"project {p['id']}, field 'calculator.ev_kwh_per_km'" in done.stderr
        assert "Warning" not in done.stderr and done.stdout == ""


def test_a_sheet_that_understates_its_size_is_still_read_to_the_last_row(pack, template,
                                                                        tmp_path):
    """A workbook's stated dimension (<dimension ref=...>) is not trusted: openpyxl's
    read-only mode would stop at it, and a 16th capex row beyond it would be lost."""
    import re
    import zipfile
    cells = project_entries(FIRST, pack)
    row = L.CAPEX_TABLE.last_row + 1
    cells[(L.CAPEX, f"B{row}")] = 4_000_000
    book = fill(template, tmp_path / "dim.xlsx", cells)
    wb = openpyxl.load_workbook(book, read_only=True)
    part = f"xl/worksheets/sheet{wb.sheetnames.index(L.CAPEX) + 1}.xml"
    wb.close()
    lied = tmp_path / "lied.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(lied, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F5"', data)
                assert n == 1
            dst.writestr(info, data)
    report = import_workbooks([lied], pack)
    assert (L.CAPEX, f"B{row}") in where(report)
    assert report.projects == []


def test_entries_on_a_sheet_of_the_promoters_own_are_a_problem(pack, template, tmp_path):
    book = fill(template, tmp_path / "own.xlsx", project_entries(FIRST, pack))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book)
    wb.create_sheet("Extra capex")["C3"] = 4_000_000
    wb.create_sheet("Empty")
    wb.save(book)
    report = import_workbooks([book], pack)
    assert where(report) == {("Extra capex", "C3")}
    assert report.projects == []
