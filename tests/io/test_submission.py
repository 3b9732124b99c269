"""Project submission workbooks: the template, filling it in, reading it back, and refusing
hostile or broken files (appraisal.io.submission, `appraisal template` and `appraisal import`).

The round trips fill the template as a promoter would, cell by cell with openpyxl, from
FORMAT.md project objects (the bundled example portfolio), import the result and appraise
both: every figure must agree to floating-point precision.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.io import submission_layout as L
from appraisal.io.submission import describe_problem, import_workbooks, write_template
from appraisal.resources import default_pack_dir, example_portfolio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))
FIRST, FIFTH = (EXAMPLE["projects"][k]["id"] for k in (0, 4))


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def template(pack, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path, pack, contact="Jo Bloggs, appraisal@example.gov.uk")
    return path


# -- filling in the template as a promoter would -----------------------------------

def _shown(pack, list_name: str, code: Any) -> str:
    return next(shown for shown, c in L.choice_lists(pack)[list_name] if c == code)


def _entry(pack, f: L.Field, value: Any) -> Any:
    """What a promoter types into a cell for a FORMAT.md value (a share: see PercentTyped)."""
    if f.kind == "yesno":
        return L.YES if value else L.NO
    if f.kind == "choice":
        return _shown(pack, f.choices, value)
    if f.kind == "fraction":
        return PercentTyped(value)
    return value


class PercentTyped(float):
    """A share typed with its % sign ("70%"): Excel stores the fraction, 0.7, and gives the
    cell a percentage format; :func:`fill` does the same."""


def _year_table(cells, table, maps: dict[str, dict[str, Any]], start: int = 0) -> list[int]:
    """Fill a year table's columns from year maps (FORMAT.md) and return the years in order."""
    years = sorted({int(y) for m in maps.values() for y in m})
    for k, year in enumerate(years, start):
        cells[(table.sheet, table.cell("year", k))] = year
        for key, m in maps.items():
            if str(year) in m:
                cells[(table.sheet, table.cell(key, k))] = m[str(year)]
    return years


def project_entries(project: dict[str, Any], pack) -> dict[tuple[str, str], Any]:
    """(sheet, cell) -> entry for a FORMAT.md project, laid out as the template asks."""
    cells: dict[tuple[str, str], Any] = {}
    for _, f in L.PROJECT_ROWS:
        if not isinstance(f, L.Field):
            continue
        head, _, tail = f.path.partition(".")
        value = (project.get(head) or {}).get(tail) if tail else project.get(head)
        if isinstance(value, dict):    # car-km by year and shares of types: on other sheets
            continue
        if value is not None:
            cells[(L.PROJECT, L.PROJECT_CELLS[f.path])] = _entry(pack, f, value)
    _year_table(cells, L.CAPEX_TABLE, {key: project.get(key) or {} for key in (
        "capex", "public_funding", "counterfactual_capex")})
    t = L.RENEWALS_TABLE
    for k, item in enumerate(project.get("renewals") or []):
        for key, value in item.items():
            cells[(t.sheet, t.cell(key, k))] = value
    t = L.OB_TYPES_TABLE
    if isinstance(project.get("ob_project_type"), dict):
        for k, (code, share) in enumerate(project["ob_project_type"].items()):
            cells[(t.sheet, t.cell("type", k))] = _shown(pack, "ob_type", code)
            cells[(t.sheet, t.cell("share", k))] = PercentTyped(share)
    calc = project.get("calculator")
    if calc:
        kind, fields, first = next(c for c in L.CALCULATORS if c[0] == calc["type"])
        for k, f in enumerate(fields):
            if calc.get(f.path) is not None:
                cells[(L.ENERGY, f"B{first + k}")] = _entry(pack, f, calc[f.path])
    t = L.ENERGY_TABLE
    for k, change in enumerate(project.get("energy_changes") or []):
        cells[(t.sheet, t.cell("fuel", k))] = _shown(pack, "fuel", change["fuel"])
        cells[(t.sheet, t.cell("quantity_per_year", k))] = change["quantity_per_year"]
    t = L.TARIFFS_TABLE
    for k, (fuel, price) in enumerate((project.get("tariffs") or {}).items()):
        cells[(t.sheet, t.cell("fuel", k))] = _shown(pack, "fuel", fuel)
        cells[(t.sheet, t.cell("tariff", k))] = price
    _benefit_entries(cells, project, pack)
    return cells


def _benefit_entries(cells, project: dict[str, Any], pack) -> None:
    t, pt = L.BENEFITS_TABLE, L.PROFILES_TABLE
    benefits = project.get("other_benefits") or []
    maps = {f"benefit{k}": b.get("profile") or {} for k, b in enumerate(benefits)}
    if isinstance(project.get("car_km_removed"), dict):
        maps["car_km_removed"] = project["car_km_removed"]
    _year_table(cells, pt, maps)
    for k, b in enumerate(benefits):
        cells[(t.sheet, t.cell("label", k))] = b["label"]
        cells[(t.sheet, t.cell("kind", k))] = _shown(pack, "kind", b.get("kind", "economic"))
        if b.get("per_year") is not None:
            cells[(t.sheet, t.cell("per_year", k))] = b["per_year"]
        if b.get("discounting") is not None:
            cells[(t.sheet, t.cell("discounting", k))] = _shown(pack, "discounting", b["discounting"])


def fill(template: Path, out: Path, cells: dict[tuple[str, str], Any],
         text_cells: dict[tuple[str, str], str] | None = None) -> Path:
    """Write ``cells`` into a copy of the template; ``text_cells`` are stored as text even
    when they start with "=" (as Excel does for a cell formatted as text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openpyxl on features it does not keep
        wb = openpyxl.load_workbook(template)
    for (sheet, cell), value in cells.items():
        wb[sheet][cell] = float(value) if isinstance(value, PercentTyped) else value
        if isinstance(value, PercentTyped):
            wb[sheet][cell].number_format = "0%"
    for (sheet, cell), value in (text_cells or {}).items():
        wb[sheet][cell].value = value
        wb[sheet][cell].data_type = "s"
    wb.save(out)
    return out


def portfolio_of(*projects: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in EXAMPLE.items() if k != "projects"},
            "projects": [copy.deepcopy(p) for p in projects]}


def assert_same_figures(a: dict[str, Any], b: dict[str, Any], pack) -> None:
    """Appraise two portfolios and compare every figure of every project."""
    ra = appraise_portfolio(parse_portfolio(a, pack), pack).project_records()
    rb = appraise_portfolio(parse_portfolio(b, pack), pack).project_records()
    assert len(ra) == len(rb)
    for x, y in zip(ra, rb):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], (int, float)) and not isinstance(x[key], bool):
                assert isinstance(y[key], (int, float)), key
                assert_allclose(y[key], x[key], rtol=1e-12, atol=0, err_msg=key)
            else:
                assert x[key] == y[key], key


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


# -- the template ----------------------------------------------------------------

def test_template_marks_itself_and_protects_its_labels(template):
    wb = openpyxl.load_workbook(template, read_only=False)
    assert wb[L.LISTS]["A1"].value == L.TEMPLATE_KIND
    assert wb[L.LISTS]["B1"].value == L.TEMPLATE_VERSION
    assert wb[L.LISTS].sheet_state == "hidden"
    assert wb.sheetnames == [L.INSTRUCTIONS, *L.INPUT_SHEETS, L.LISTS]
    for sheet, cells in L.input_cells().items():
        ws = wb[sheet]
        assert ws.protection.sheet
        for cell in cells:
            assert ws[cell].protection.locked is False, (sheet, cell)
    project = wb[L.PROJECT]
    assert project["A6"].value == "Project ID *" and L.PROJECT_CELLS["id"] == "B6"
    assert project["A6"].protection.locked
    # every Project input has a drop-down or a range check
    validated = {c for dv in project.data_validations.dataValidation for c in str(dv.sqref).split()}
    assert set(L.PROJECT_CELLS.values()) <= validated
    assert "Jo Bloggs" in " ".join(str(c.value) for row in wb[L.INSTRUCTIONS].iter_rows()
                                   for c in row if c.value)


def test_template_command_writes_a_template_import_recognises(tmp_path):
    out = tmp_path / "t.xlsx"
    done = run_cli("template", "-o", out)
    assert done.returncode == 0, done.stderr
    done = run_cli("import", out, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2
    assert "blank template" in done.stderr and str(out) in done.stderr
    assert not (tmp_path / "p.json").exists()


# -- round trips -------------------------------------------------------------------

def test_heat_pump_calculator_inputs_round_trip(pack, template, tmp_path):
    project = {**EXAMPLE["projects"][0], "energy_changes": [],
               "calculator": {"type": "heat_pumps", "installs": 520, "displaced_fuel": "heating_oil",
                              "scop": 3.1}}
    del project["energy_changes"]
    book = fill(template, tmp_path / "hp.xlsx", project_entries(project, pack))
    report = import_workbooks([book], pack)
    assert report.problems == []
    (imported,) = report.projects
    # empty inputs stay empty: the pack's defaults apply when appraised
    assert imported["calculator"] == project["calculator"]
    assert "energy_changes" not in imported
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)


def test_calculator_problem_points_at_its_cell(pack, template, tmp_path):
    project = {**EXAMPLE["projects"][2], "calculator": {"type": "ev_charging", "chargers": 40,
                                                       "ev_kwh_per_km": 7.0}}
    del project["energy_changes"]
    book = fill(template, tmp_path / "ev.xlsx", project_entries(project, pack))
    (problem,) = import_workbooks([book], pack).problems
    assert (problem.sheet, problem.field) == (L.ENERGY, "calculator.ev_kwh_per_km")
    assert problem.cell == f"B{L.EV_FIRST_ROW + 3}"


def test_text_that_looks_like_a_formula_is_plain_text(pack, template, tmp_path):
    name = '=HYPERLINK("http://x","y")'
    book = fill(template, tmp_path / "link.xlsx", project_entries(EXAMPLE["projects"][0], pack),
                text_cells={(L.PROJECT, L.PROJECT_CELLS["name"]): name})
    report = import_workbooks([book], pack)
    assert report.problems == []
    assert report.projects[0]["name"] == name


def _problems(report) -> dict[tuple[str | None, str | None, str | None], str]:
    return {(p.sheet, p.cell, p.field): p.message for p in report.problems}


def _project_cell(path: str) -> tuple[str, str]:
    return (L.PROJECT, L.PROJECT_CELLS[path])


def test_problems_name_the_sheet_cell_and_field(pack, template, tmp_path):
    project = EXAMPLE["projects"][0]
    second_year = sorted(project["capex"], key=int)[1]
    cells = project_entries(project, pack)
    cells[_project_cell("lifetime_years")] = 900          # parse_portfolio's range
    cells[_project_cell("readiness.site_secured")] = "Maybe"
    cells[(L.CAPEX, L.CAPEX_TABLE.cell("capex", 1))] = -5
    cells[_project_cell("category")] = "Heat pumps!"
    cells[_project_cell("additionality.leakage")] = "150%"
    book = fill(template, tmp_path / "bad.xlsx", cells)
    report = import_workbooks([book], pack)
    got = _problems(report)
    assert set(got) == {(*_project_cell("lifetime_years"), "lifetime_years"),
                        (*_project_cell("readiness.site_secured"), "readiness.site_secured"),
                        (L.CAPEX, L.CAPEX_TABLE.cell("capex", 1), f"capex.{second_year}"),
                        (*_project_cell("category"), "category"),
                        (*_project_cell("additionality.leakage"), "additionality.leakage")}
    assert got[(*_project_cell("additionality.leakage"), "additionality.leakage")] == \
        "150% is more than 100%"
    assert all(p.file == str(book) and p.project == project["id"] for p in report.problems)
    assert report.projects == []


def test_problems_in_tables_name_their_cells(pack, template, tmp_path):
    project = next(p for p in EXAMPLE["projects"]
                   if any(b.get("profile") for b in p["other_benefits"]))
    cells = project_entries(project, pack)
    t, pt = L.CAPEX_TABLE, L.PROFILES_TABLE
    cells[(t.sheet, t.cell("capex", 14))] = 1000                    # an amount with no year
    first_year = cells[(pt.sheet, pt.cell("year", 0))]
    cells[(pt.sheet, pt.cell("year", 1))] = first_year               # a year twice
    cells[(L.ENERGY, f"B{L.HEAT_PUMP_FIRST_ROW}")] = 300             # block B beside block A
    book = fill(template, tmp_path / "tables.xlsx", cells)
    assert _problems(import_workbooks([book], pack)) == {
        (L.CAPEX, t.cell("year", 14), "capex"): "the year is missing for the amounts in this row",
        (L.PROFILES, pt.cell("year", 1), "other_benefits.profile"):
            f"the year {first_year} appears twice (also in cell {pt.cell('year', 0)})",
        (L.ENERGY, f"B{L.HEAT_PUMP_FIRST_ROW}", "calculator"):
            "fill in only one of the blocks; A (change in use of each fuel) and "
            "B (heat pump calculator) are filled in"}


# -- every input of method version 2 ------------------------------------------------

# A project giving every input the template has, in its own figures (not the example's),
# each in the less common of its forms where there are two (shares of project types, car-km
# by year in the variant below).
EVERY_FIELD: dict[str, Any] = {
    "id": "FLEET-201", "name": "Electric refuse fleet and depot (test project)",
    "category": "public_transport", "area": "Dudley", "spatial_level": "local",
    "price_year": 2025, "capex": {"2026": 500000, "2027": 3000000, "2028": 1500000},
    "public_funding_share": 0.6, "opex_per_year": 40000, "operating_start": 2029,
    "lifetime_years": 15,
    "energy_changes": [{"fuel": "diesel", "quantity_per_year": -300000},
                       {"fuel": "grid_electricity", "quantity_per_year": 900000}],
    "other_benefits": [
        {"label": "Quieter early-morning rounds", "kind": "economic", "per_year": 40000},
        {"label": "Fewer respiratory admissions", "kind": "economic", "discounting": "health",
         "profile": {"2029": 10000, "2030": 20000, "2031": 30000}},
        {"label": "Trade waste charges", "kind": "revenue", "per_year": 15000,
         "discounting": "standard"}],
    "bill_savings_to_promoter": True, "optimism_bias": None, "ob_mitigation": 0.2,
    "job_years_per_million": 9.5, "operational_fte": 2.5,
    "additionality": {"deadweight": 0.1, "leakage": 0.15, "displacement": 0.05,
                      "substitution": 0.0, "multiplier": 1.2},
    "readiness": {"planning_consent": True, "site_secured": True, "procurement_ready": False,
                  "match_funding_confirmed": True, "months_to_start": 7},
    "energy_sector": "commercial", "business_case_stage": "obc", "promoter_public": False,
    "vat_recoverable": False, "counterfactual_capex": {"2027": 1200000, "2028": 800000},
    "benefit_deadweight": 0.15, "comfort_taking": 0.05, "car_km_removed": 250000,
    "added_peak_kw": 600.5,
    "renewals": [{"label": "Traction batteries", "cost": 900000, "every_years": 7},
                 {"label": "Depot chargers", "cost": 200000, "every_years": 10}],
    "residual_value": 300000, "asset_life_years": 40,
    "ob_project_type": {"standard_civil_engineering": 0.7, "equipment_development": 0.3},
    "vfm_adjustment": -1, "vfm_adjustment_reason": "Night-time depot noise, not valued",
    "tariffs": {"diesel": 1.4, "grid_electricity": 0.2175},
    "notes": "How the figures were built: 12 vehicles at GBP 400,000.\nSecond line of notes.",
}
VARIANT = {**EVERY_FIELD, "id": "FLEET-202", "ob_project_type": "non_standard_civil_engineering",
           "car_km_removed": {"2029": 100000, "2030": 180000, "2031": 250000},
           "vfm_adjustment": 1, "vat_recoverable": True, "promoter_public": True,
           "optimism_bias": 0.35}


def given(obj: Any) -> Any:
    """A FORMAT.md object without the fields left to their defaults (null or empty)."""
    if isinstance(obj, dict):
        out = {k: given(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v is not None and v != {} and v != []}
    if isinstance(obj, list):
        return [given(v) for v in obj]
    return obj


def _import(pack, template, tmp_path, project, cells=None):
    book = fill(template, tmp_path / f"{project['id']}.xlsx",
                cells if cells is not None else project_entries(project, pack))
    return book, import_workbooks([book], pack)


@pytest.mark.parametrize("project", [*EXAMPLE["projects"], EVERY_FIELD, VARIANT],
                         ids=[p["id"] for p in EXAMPLE["projects"]] + ["every-field", "variant"])
def test_every_field_round_trips(project, pack, template, tmp_path):
    # a submission is a new project: its delivery record (baselines, actuals) is not in it
    from appraisal.core.delivery import DELIVERY_FIELDS
    project = {k: v for k, v in project.items() if k not in DELIVERY_FIELDS}
    _, report = _import(pack, template, tmp_path, project)
    assert [describe_problem(p) for p in report.problems + report.warnings] == []
    (imported,) = report.projects
    assert given(imported) == given(project)
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)


def test_the_test_projects_use_every_input(pack):
    """EVERY_FIELD and VARIANT give every field the template reads (else the round trip
    above proves less than it says)."""
    from appraisal.core.portfolio import PROJECT_FIELDS
    read = set(PROJECT_FIELDS) - {"calculator", "sensitivity"}   # calculators: tests above
    both = set(given(EVERY_FIELD)) | set(given(VARIANT))
    assert read <= both | {"public_funding"}       # public funding by year: the example has it
    assert {f.path.partition(".")[0] for _, f in L.PROJECT_ROWS if isinstance(f, L.Field)} <= both
    assert isinstance(VARIANT["car_km_removed"], dict) and isinstance(VARIANT["ob_project_type"], str)


def test_percentages_follow_one_rule(pack, template, tmp_path):
    cells = project_entries(EVERY_FIELD, pack)
    cells[_project_cell("public_funding_share")] = 70                  # a plain number: per cent
    cells[_project_cell("ob_mitigation")] = "70%"                       # text with its sign
    cells[_project_cell("additionality.deadweight")] = PercentTyped(0.7)   # Excel's 70%
    cells[_project_cell("additionality.leakage")] = "0.7"               # text below 1: a fraction
    cells[_project_cell("additionality.displacement")] = 0.25           # a plain number below 1
    cells[_project_cell("benefit_deadweight")] = " 15 "
    _, report = _import(pack, template, tmp_path, EVERY_FIELD, cells)
    assert report.problems == []
    (imported,) = report.projects
    assert imported["public_funding_share"] == pytest.approx(0.7, rel=1e-15)
    assert imported["ob_mitigation"] == pytest.approx(0.7, rel=1e-15)
    assert imported["additionality"]["deadweight"] == 0.7
    assert imported["additionality"]["leakage"] == 0.7
    assert imported["additionality"]["displacement"] == 0.25
    assert imported["benefit_deadweight"] == pytest.approx(0.15, rel=1e-15)
    # the readings that could have meant something else are named, with both readings
    assert {(p.sheet, p.cell, p.field): p.message for p in report.warnings} == {
        (*_project_cell("additionality.leakage"), "additionality.leakage"):
            "'0.7' is read as 70%; if you meant 0.7%, type 0.7%",
        (*_project_cell("additionality.displacement"), "additionality.displacement"):
            "0.25 is read as 25%; if you meant 0.25%, type 0.25%"}
    assert all(w.file and w.project == EVERY_FIELD["id"] for w in report.warnings)


def test_shares_over_100_percent_are_refused_in_percent(pack, template, tmp_path):
    cells = project_entries(EVERY_FIELD, pack)
    cells[_project_cell("public_funding_share")] = PercentTyped(1.5)   # 150% typed in Excel
    cells[_project_cell("additionality.leakage")] = "150%"
    cells[_project_cell("comfort_taking")] = 150                       # a plain number: per cent
    cells[_project_cell("ob_mitigation")] = "-5%"
    t = L.OB_TYPES_TABLE
    cells[(t.sheet, t.cell("share", 1))] = "1,000"
    _, report = _import(pack, template, tmp_path, EVERY_FIELD, cells)
    assert _problems(report) == {
        (*_project_cell("public_funding_share"), "public_funding_share"): "150% is more than 100%",
        (*_project_cell("additionality.leakage"), "additionality.leakage"):
            "150% is more than 100%",
        (*_project_cell("comfort_taking"), "comfort_taking"): "150% is more than 100%",
        (*_project_cell("ob_mitigation"), "ob_mitigation"): "-5% is less than 0%",
        (t.sheet, t.cell("share", 1), "ob_project_type.equipment_development"):
            "1000% is more than 100%"}
    assert report.projects == []


def test_amounts_typed_with_units_are_read(pack, template, tmp_path):
    project = copy.deepcopy(EVERY_FIELD)
    cells = project_entries(project, pack)
    t, e, r, tt = L.CAPEX_TABLE, L.ENERGY_TABLE, L.RENEWALS_TABLE, L.TARIFFS_TABLE
    year0 = str(cells[(t.sheet, t.cell("year", 0))])
    typed = {  # cell: (text, FORMAT.md path, value)
        (t.sheet, t.cell("year", 0)): (f" {year0} ", None, None),
        (t.sheet, t.cell("capex", 0)): ("GBP 1.2m", ("capex", year0), 1_200_000),
        (t.sheet, t.cell("counterfactual_capex", 1)): ("£1,250,000", ("counterfactual_capex", "2027"),
                                                       1_250_000),
        _project_cell("opex_per_year"): ("£30k", ("opex_per_year",), 30_000),
        _project_cell("residual_value"): ("0.25m GBP", ("residual_value",), 250_000),
        (e.sheet, e.cell("quantity_per_year", 0)): ("-1,200 litres",
                                                    ("energy_changes", 0, "quantity_per_year"), -1200),
        (e.sheet, e.cell("quantity_per_year", 1)): ("0.3 GWh",
                                                    ("energy_changes", 1, "quantity_per_year"), 300_000),
        (r.sheet, r.cell("cost", 0)): ("£0.9m", ("renewals", 0, "cost"), 900_000),
        (tt.sheet, tt.cell("tariff", 0)): ("£1.36", ("tariffs", "diesel"), 1.36),
        _project_cell("car_km_removed"): ("1.25m", ("car_km_removed",), 1_250_000),
        _project_cell("added_peak_kw"): ("1,850", ("added_peak_kw",), 1850),
    }
    for cell, (text, path, value) in typed.items():
        cells[cell] = text
        if path:
            *head, last = path
            target = project
            for key in head:
                target = target[key]
            target[last] = value
    _, report = _import(pack, template, tmp_path, project, cells)
    assert [describe_problem(p) for p in report.problems + report.warnings] == []
    (imported,) = report.projects
    for _, (_, path, value) in typed.items():
        if path:
            got = imported
            for key in path:
                got = got[key]
            assert got == pytest.approx(value, rel=1e-15), path
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)


def test_an_amount_in_the_wrong_unit_is_refused(pack, template, tmp_path):
    cells = project_entries(EVERY_FIELD, pack)
    e = L.ENERGY_TABLE
    cells[(e.sheet, e.cell("quantity_per_year", 0))] = "-300 MWh"        # diesel is in litres
    cells[(e.sheet, e.cell("quantity_per_year", 1))] = "0.9 GWh"         # electricity: fine
    cells[_project_cell("opex_per_year")] = "40,000 kWh"
    _, report = _import(pack, template, tmp_path, EVERY_FIELD, cells)
    assert _problems(report) == {
        (e.sheet, e.cell("quantity_per_year", 0), "energy_changes[0].quantity_per_year"):
            "'-300 MWh' is not a volume (e.g. 1,200 or 1,200 litres)",
        (*_project_cell("opex_per_year"), "opex_per_year"):
            "'40,000 kWh' is not an amount of GBP (e.g. 1,200,000, 1.2m or GBP 30k)"}


def test_wrong_v2_entries_name_their_cells(pack, template, tmp_path):
    project = {**EVERY_FIELD, "vfm_adjustment_reason": None}      # an adjustment, no reason
    cells = project_entries(project, pack)
    cells[_project_cell("business_case_stage")] = "xyz"
    cells[_project_cell("energy_sector")] = "Space"
    r, ob, tt, pt = L.RENEWALS_TABLE, L.OB_TYPES_TABLE, L.TARIFFS_TABLE, L.PROFILES_TABLE
    del cells[(r.sheet, r.cell("every_years", 1))]
    cells[(ob.sheet, ob.cell("share", 1))] = PercentTyped(0.2)      # 70% + 20%
    cells[(tt.sheet, tt.cell("fuel", 2))] = _shown(pack, "fuel", "natural_gas")   # no price
    cells[(tt.sheet, tt.cell("tariff", 3))] = 0.3                                 # no fuel
    cells[(pt.sheet, pt.cell("car_km_removed", 0))] = 5000      # and a figure a year on Project
    _, report = _import(pack, template, tmp_path, project, cells)
    got = _problems(report)
    assert set(got) == {
        (*_project_cell("business_case_stage"), "business_case_stage"),
        (*_project_cell("energy_sector"), "energy_sector"),
        (*_project_cell("vfm_adjustment_reason"), "vfm_adjustment_reason"),
        (r.sheet, r.cell("every_years", 1), "renewals[1].every_years"),
        (ob.sheet, ob.cell("type", 0), "ob_project_type"),
        (tt.sheet, tt.cell("tariff", 2), "tariffs.natural_gas"),
        (tt.sheet, tt.cell("fuel", 3), "tariffs"),
        (*_project_cell("car_km_removed"), "car_km_removed")}
    assert got[(*_project_cell("business_case_stage"), "business_case_stage")].startswith(
        "'xyz' is not in the list (one of Strategic outline case (SOC), Outline business case")
    assert "is needed when vfm_adjustment moves" in \
        got[(*_project_cell("vfm_adjustment_reason"), "vfm_adjustment_reason")]
    assert got[(r.sheet, r.cell("every_years", 1), "renewals[1].every_years")] == "is missing"
    assert "add up to 0.9" in got[(ob.sheet, ob.cell("type", 0), "ob_project_type")]
    assert got[(tt.sheet, tt.cell("tariff", 2), "tariffs.natural_gas")] == \
        "the price is missing for this fuel"
    assert "not both" in got[(*_project_cell("car_km_removed"), "car_km_removed")]


def test_one_type_and_shares_of_types_are_not_both_given(pack, template, tmp_path):
    cells = project_entries(EVERY_FIELD, pack)
    cells[_project_cell("ob_project_type")] = _shown(pack, "ob_type", "standard_buildings")
    _, report = _import(pack, template, tmp_path, EVERY_FIELD, cells)
    assert list(_problems(report)) == [(*_project_cell("ob_project_type"), "ob_project_type")]


def test_version_1_workbook_still_imports(pack):
    """A workbook filled in on template version 1 (kept in tests/data) reads as before."""
    folder = REPO / "tests" / "data" / "submission-v1"
    report = import_workbooks([folder / "SCH-101.xlsx"], pack)
    assert [describe_problem(p) for p in report.problems + report.warnings] == []
    (imported,) = report.projects
    expected = json.loads((folder / "SCH-101.json").read_text(encoding="utf-8"))
    assert imported == expected
    v1_cells = L.project_cells(1)
    assert v1_cells["readiness.months_to_start"] == "B34" and "notes" not in v1_cells


def test_a_newer_template_is_refused_with_a_reason(pack, good_book, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(good_book)
    wb[L.LISTS]["B1"] = L.TEMPLATE_VERSION + 1
    wb.save(tmp_path / "newer.xlsx")
    (problem,) = import_workbooks([tmp_path / "newer.xlsx"], pack).problems
    assert f"template version {L.TEMPLATE_VERSION + 1}" in problem.message
    assert "Please update the application" in problem.message


# -- the command line --------------------------------------------------------------

def test_formula_in_a_number_cell_is_refused(pack, template, tmp_path):
    project = EXAMPLE["projects"][0]
    cell = L.CAPEX_TABLE.cell("capex", 0)
    cells = project_entries(project, pack)
    cells[(L.CAPEX, cell)] = "=1500000*2"
    book = fill(template, tmp_path / "formula.xlsx", cells)
    done = run_cli("import", book, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2
    year = min(project["capex"], key=int)
    assert f"{book}: sheet 'Capex and funding', cell {cell}, field 'capex.{year}': holds a " \
        "formula" in done.stderr
    assert not (tmp_path / "p.json").exists()


def _good_and_bad(pack, template, folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    good = fill(template, folder / "a-good.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    cells = project_entries(EXAMPLE["projects"][1], pack)
    cells[(L.PROJECT, L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    bad = fill(template, folder / "b-bad.xlsx", cells)
    return good, bad


def test_folder_imports_the_good_workbook_and_reports_the_bad(pack, template, tmp_path):
    good, bad = _good_and_bad(pack, template, tmp_path / "in")
    out = tmp_path / "p.json"
    done = run_cli("import", tmp_path / "in", "-o", out, "--appraisal-year", "2021",
                   "--name", "Spring call")
    assert done.returncode == 2
    assert f"{bad}: sheet 'Project', cell {L.PROJECT_CELLS['lifetime_years']}, " \
           "field 'lifetime_years': 'thirty' is not a number" in done.stderr
    assert str(good) not in done.stderr.replace("wrote", "")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["name"] == "Spring call" and written["appraisal_year"] == 2021
    assert [p["id"] for p in written["projects"]] == [FIRST]
    appraised = run_cli("appraise", out, "--format", "json")
    assert appraised.returncode == 0, appraised.stderr


def test_strict_writes_nothing(pack, template, tmp_path):
    _good_and_bad(pack, template, tmp_path / "in")
    out = tmp_path / "p.json"
    done = run_cli("import", tmp_path / "in", "-o", out, "--appraisal-year", "2021", "--strict")
    assert done.returncode == 2
    assert "nothing written" in done.stderr
    assert not out.exists()


def test_into_appends_and_refuses_duplicate_ids(pack, template, tmp_path):
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps(portfolio_of(EXAMPLE["projects"][0])), encoding="utf-8")
    dup = fill(template, tmp_path / "dup.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    new = fill(template, tmp_path / "new.xlsx", project_entries(EXAMPLE["projects"][4], pack))
    out = tmp_path / "out.json"
    done = run_cli("import", dup, new, "--into", existing, "-o", out)
    assert done.returncode == 2
    assert f"{dup}: sheet 'Project', cell B6, field 'id': the portfolio already has a project " \
           f"with ID '{FIRST}'" in done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [p["id"] for p in written["projects"]] == [FIRST, FIFTH]
    assert written["name"] == EXAMPLE["name"]
    done = run_cli("import", new, "--into", existing, "-o", existing)
    assert done.returncode == 0, done.stderr


def test_two_workbooks_with_one_id(pack, template, tmp_path):
    a = fill(template, tmp_path / "a.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    b = fill(template, tmp_path / "b.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    report = import_workbooks([a, b], pack)
    (problem,) = report.problems
    assert problem.file == str(b) and "also used by" in problem.message
    assert [p["id"] for p in report.projects] == [FIRST]


# -- hostile and broken files --------------------------------------------------------

def _rezip(src: Path, dst: Path, add: dict[str, bytes] | None = None,
           change: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, (change or {}).get(info.filename, zin.read(info)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _not_a_zip(good: Path, d: Path) -> Path:
    (d / "notes.xlsx").write_bytes(b"Dear officer, please find our figures below.\n")
    return d / "notes.xlsx"


def _old_xls(good: Path, d: Path) -> Path:
    (d / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    return d / "old.xlsx"


def _ratio_bomb(good: Path, d: Path) -> Path:
    return _rezip(good, d / "ratio.xlsx", add={"xl/media/filler.bin": bytes(20_000_000)})


def _size_bomb(good: Path, d: Path) -> Path:
    return _rezip(good, d / "bomb.xlsx", add={f"xl/media/f{k}.bin": bytes(20_000_000)
                                              for k in range(3)})


def _big_part(good: Path, d: Path) -> Path:
    """Shared strings that do not compress: within the file size limit, too big a part."""
    rng = np.random.default_rng(1)
    strings = b"".join(b"<si><t>%s</t></si>" % rng.bytes(12).hex().encode() for _ in range(400_000))
    return _rezip(good, d / "strings.xlsx", add={"xl/sharedStrings.xml": b"<sst>" + strings + b"</sst>"})


def _macros(good: Path, d: Path) -> Path:
    return _rezip(good, d / "macros.xlsx", add={"xl/vbaProject.bin": b"\x00" * 100})


def _xlsm(good: Path, d: Path) -> Path:
    (d / "macros.xlsm").write_bytes(good.read_bytes())
    return d / "macros.xlsm"


def _external_links(good: Path, d: Path) -> Path:
    return _rezip(good, d / "links.xlsx", add={
        "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxml'
                                              b'formats.org/spreadsheetml/2006/main"/>'})


def _gigantic_sheet(good: Path, d: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(good)
    wb[L.PROJECT].cell(row=1_048_576, column=16_384, value=1)
    wb.save(d / "gigantic.xlsx")
    return d / "gigantic.xlsx"


def _huge_file(good: Path, d: Path) -> Path:
    with open(d / "huge.xlsx", "wb") as fh:
        fh.truncate(60_000_000)          # sparse: costs no disk
    return d / "huge.xlsx"


def _not_our_template(good: Path, d: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Project"
    wb.active["B6"] = "HP-001"
    wb.save(d / "other.xlsx")
    return d / "other.xlsx"


def _entity_expansion(good: Path, d: Path) -> Path:
    """A "billion laughs" entity declaration in the workbook part."""
    with zipfile.ZipFile(good) as z:
        part = z.read("xl/workbook.xml")
    laughs = (b'<!DOCTYPE workbook [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    if part.startswith(b"<?xml"):
        declaration, _, body = part.partition(b"?>")
        part = declaration + b"?>" + laughs + body
    else:
        part = laughs + part
    return _rezip(good, d / "laughs.xlsx", change={"xl/workbook.xml": part})


HOSTILE = {
    "not a zip": (_not_a_zip, "not a zip archive"),
    "old xls or encrypted": (_old_xls, "old-style .xls"),
    "compression ratio": (_ratio_bomb, "zip bomb"),
    "uncompressed size": (_size_bomb, "would expand to 60 MB"),
    "large XML part": (_big_part, "are a few kB"),
    "vbaProject.bin": (_macros, "macros"),
    "xlsm": (_xlsm, "macro-enabled"),
    "external links": (_external_links, "external links"),
    "gigantic sheet": (_gigantic_sheet, "far beyond the template"),
    "file too big": (_huge_file, "at most 50 MB"),
    "not our template": (_not_our_template, "marker is missing"),
    "entity expansion": (_entity_expansion, "XML that is refused"),
}


@pytest.fixture(scope="module")
def good_book(pack, template, tmp_path_factory) -> Path:
    return fill(template, tmp_path_factory.mktemp("good") / "good.xlsx",
                project_entries(EXAMPLE["projects"][0], pack))


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_or_broken_workbook_is_refused(case, good_book, tmp_path):
    make, says = HOSTILE[case]
    book = make(good_book, tmp_path)
    done = run_cli("import", book, good_book, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith(str(book))]
    assert says in line
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    # the good workbook beside it is still imported
    assert [p["id"] for p in json.loads((tmp_path / "p.json").read_text())["projects"]] == [FIRST]


def test_import_refuses_to_run_without_defusedxml(pack, good_book, monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(RuntimeError, match="defusedxml"):
        import_workbooks([good_book], pack)


def test_guard_bounds_what_openpyxl_may_inflate(good_book):
    """The limits the guard applies are below what an honest filled template uses by far."""
    with zipfile.ZipFile(good_book) as z:
        total = sum(i.file_size for i in z.infolist())
        worst = max(i.file_size / max(i.compress_size, 1) for i in z.infolist())
    assert total < 1_000_000 and worst < 100


# -- LibreOffice as the promoter's spreadsheet program ----------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("project", [EVERY_FIELD, VARIANT], ids=["every-field", "variant"])
def test_workbook_saved_by_libreoffice_imports(project, pack, template, tmp_path, libreoffice):
    """Every input, shares typed as 70% and as plain numbers among them, survives a save
    by another spreadsheet program (its number formats included)."""
    cells = project_entries(project, pack)
    cells[_project_cell("additionality.leakage")] = 100 * project["additionality"]["leakage"]
    book = fill(template, tmp_path / "lo-in.xlsx", cells)
    saved = libreoffice(book, "xlsx:Calc MS Excel 2007 XML")
    report = import_workbooks([saved], pack)
    assert [describe_problem(p) for p in report.problems + report.warnings] == []
    (imported,) = report.projects
    assert imported["additionality"]["leakage"] == pytest.approx(project["additionality"]["leakage"],
                                                                 rel=1e-15)
    imported["additionality"]["leakage"] = project["additionality"]["leakage"]
    assert given(imported) == given(project)
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)
