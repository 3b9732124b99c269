"""The appraisal workbook on method version 2 (issue 8): live formulas for every
v2 term, still matching the application after LibreOffice recalculates.

The portfolio below uses every version 2 input of FORMAT.md section 4, on a
pack (tests/data/pack-v2-workbook) where every version 2 table has rows. The
claim is the one tests/io/test_workbook.py makes for the example: every result
of every project sheet, the Summary and the Gap sheet equals the application's
JSON figure, from the cached values and after a full recalculation by
LibreOffice, to a relative 1e-9; so does every other number of the book (year
tables, look-ups); and after an input is edited in the workbook, the
recalculated book equals the application's figures for the edited portfolio.
"""
from __future__ import annotations

import copy
import importlib.util
import math
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import load_pack, parse_portfolio
from appraisal.core.results import METHOD_VERSION
from appraisal.io.portfolio_file import load_portfolio
from appraisal.io.workbook import SUMMARY_COLUMNS, export_workbook
from appraisal.io.workbook.assumptions import QUALITY_COL
from appraisal.io.workbook.layout import FLAG_FILL
from appraisal.resources import example_portfolio

DATA = Path(__file__).resolve().parents[1] / "data"
RTOL = 1e-9     # the tolerance for a LibreOffice recalculation
ATOL = 1e-6     # pounds or tonnes: figures that cancel to about zero
# FORMAT.md 4: every version 2 project field, each used by a project below
V2_PROJECT_FIELDS = ("energy_sector", "counterfactual_capex", "benefit_deadweight", "comfort_taking",
                     "car_km_removed", "added_peak_kw", "renewals", "residual_value",
                     "asset_life_years", "business_case_stage", "vfm_adjustment",
                     "vfm_adjustment_reason", "tariffs", "vat_recoverable", "promoter_public")
# v2 figures each non-zero for some project, so that no term is checked only at zero
V2_TERMS = ("pv_energy_benefit_gbp", "pv_comfort_gbp", "pv_air_quality_gbp",
            "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp",
            "pv_network_reinforcement_gbp", "pv_residual_value_gbp", "pv_indirect_tax_change_gbp",
            "carbon_saved_traded_tco2e", "carbon_saved_direct_tco2e", "embodied_carbon_tco2e",
            "ob_delay_years", "net_construction_jobs_fte", "net_operational_jobs_fte",
            "sunk_costs_gbp", "pv_costs_private_gbp")


def _workbook_helpers():
    """tests/io/test_workbook.py's checks (loaded by path: the tests folders are not
    packages, and under --import-mode=importlib not on sys.path either)."""
    path = Path(__file__).resolve().parent / "test_workbook.py"
    spec = importlib.util.spec_from_file_location("_workbook_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checks = _workbook_helpers()


def v2_portfolio() -> dict:
    """Five projects that between them use every version 2 input (FORMAT.md 4)."""
    return {
        "format": "appraisal-portfolio", "version": 1, "name": "Version 2 inputs",
        "appraisal_year": 2026, "price_base_year": 2025, "financial_discount_rate": 0.06,
        "discount_schedule": "standard", "carbon_series": "central", "energy_series": "high",
        "vfm_basis": "public", "financial_ob_share": 0.5, "financial_basis": "nominal",
        "projects": [
            {"id": "HP-V2", "name": "Heat pumps in council offices", "category": "heat_pumps",
             "energy_sector": "commercial", "price_year": 2024,
             "capex": {"2025": 400000, "2026": 1600000}, "counterfactual_capex": {"2026": 300000},
             "public_funding_share": 0.6, "opex_per_year": 15000, "lifetime_years": 20,
             "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -2400000},
                                {"fuel": "grid_electricity", "quantity_per_year": 750000}],
             "other_benefits": [
                 {"label": "Fewer cold-related illnesses", "kind": "economic", "per_year": 40000,
                  "discounting": "health"},
                 {"label": "Avoided boiler servicing", "kind": "economic", "per_year": 6000}],
             "benefit_deadweight": 0.1, "business_case_stage": "obc",
             "renewals": [{"label": "Compressors", "cost": 120000, "every_years": 7}],
             "asset_life_years": 25, "added_peak_kw": 220,
             "tariffs": {"grid_electricity": 0.26}, "vat_recoverable": False,
             "promoter_public": True, "bill_savings_to_promoter": True,
             "vfm_adjustment": 1, "vfm_adjustment_reason": "Resilience of council services",
             "operational_fte": 1, "readiness": {"planning_consent": True, "site_secured": True,
                                                 "months_to_start": 10}},
            {"id": "RET-V2", "name": "Whole-house retrofit", "category": "building_retrofit",
             "price_year": 2027, "capex": {"2026": 900000, "2027": 1100000},
             "public_funding": {"2026": 700000, "2027": 500000},
             "lifetime_years": 30, "comfort_taking": 0.2, "residual_value": 150000,
             "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1800000},
                                {"fuel": "heating_oil", "quantity_per_year": -300000}],
             "other_benefits": [
                 {"label": "Health of occupants", "kind": "economic", "discounting": "health",
                  "profile": {"2028": 30000, "2029": 45000, "2035": 60000}}],
             "business_case_stage": "soc", "ob_project_type": "non_standard_buildings",
             "vfm_adjustment": -1,
             "vfm_adjustment_reason": "Disruption to tenants during the works",
             "readiness": {"planning_consent": True, "procurement_ready": True,
                           "months_to_start": 5}},
            {"id": "BUS-V2", "name": "Electric buses and depot", "category": "public_transport",
             "price_year": 2025, "capex": {"2026": 5000000, "2027": 3000000, "2028": 1000000},
             "counterfactual_capex": {"2026": 2500000, "2027": 1500000},
             "public_funding_share": 0.75, "opex_per_year": 40000, "lifetime_years": 14,
             "energy_changes": [{"fuel": "diesel", "quantity_per_year": -450000},
                                {"fuel": "grid_electricity", "quantity_per_year": 1900000}],
             "car_km_removed": 1200000, "added_peak_kw": 1500,
             "renewals": [{"label": "Batteries", "cost": 900000, "every_years": 8}],
             "business_case_stage": "soc", "bill_savings_to_promoter": True,
             "other_benefits": [{"label": "Extra fares", "kind": "revenue", "per_year": 150000}],
             "additionality": {"deadweight": 0.2}},
            {"id": "CYC-V2", "name": "Segregated cycle routes", "category": "active_travel",
             "capex": {"2026": 2500000}, "lifetime_years": 25, "benefit_deadweight": 0.3,
             "car_km_removed": {"2027": 300000, "2028": 700000, "2029": 900000, "2030": 900000,
                                "2035": 1000000},
             "energy_changes": [{"fuel": "petrol", "quantity_per_year": -60000}],
             "other_benefits": [{"label": "Physical activity", "kind": "economic", "per_year": 200000,
                                 "discounting": "health"}],
             "public_funding_share": 1.0, "promoter_public": True},
            {"id": "EV-V2", "name": "Rapid chargers", "category": "ev_charging",
             "capex": {"2027": 1200000}, "public_funding_share": 0.4, "lifetime_years": 10,
             "energy_changes": [{"fuel": "grid_electricity", "quantity_per_year": 900000},
                                {"fuel": "petrol", "quantity_per_year": -120000},
                                {"fuel": "diesel", "quantity_per_year": -60000}],
             "business_case_stage": "fbc", "ob_mitigation": 0.2, "asset_life_years": 12,
             "added_peak_kw": 600, "tariffs": {"grid_electricity": 0.3}, "vat_recoverable": True,
             "bill_savings_to_promoter": True,
             "other_benefits": [{"label": "Charging fees", "kind": "revenue",
                                 "profile": {"2028": 250000, "2029": 300000, "2030": 320000}}],
             "renewals": [{"label": "Charger units", "cost": 300000, "every_years": 5}],
             "readiness": {"planning_consent": True, "site_secured": True, "procurement_ready": True,
                           "match_funding_confirmed": True, "months_to_start": 3}},
        ],
    }


@pytest.fixture(scope="module")
def pack():
    return load_pack(DATA / "pack-v2-workbook")


@pytest.fixture(scope="module")
def book(pack, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wb-v2") / "v2.xlsx"
    export_workbook(parse_portfolio(v2_portfolio(), pack), pack, path)
    return path


@pytest.fixture(scope="module")
def expected(pack) -> dict:
    return checks._appraise(v2_portfolio(), pack)


def compare_numbers(before: Path, after: Path) -> tuple[int, float, list]:
    """Every number of ``before`` against the same cell of ``after``: how many,
    the largest relative difference, and the cells that differ by more than RTOL."""
    a, b = checks.numeric_cells(before), checks.numeric_cells(after)
    worst, bad = 0.0, []
    for key, v in a.items():
        w = b.get(key)
        if w is None and v == 0:
            continue
        if w is None or not math.isclose(v, w, rel_tol=RTOL, abs_tol=ATOL):
            bad.append((key, v, w))
        elif v != 0:
            worst = max(worst, abs(w - v) / abs(v))
    return len(a), worst, bad


def result_cells(expected: dict) -> int:
    """How many figures assert_matches_json compares: every result of every project
    sheet, its Summary row, the Summary total and the Gap sheet's sectors and total."""
    n = len(expected["projects"])
    return (n * (len(checks.RESULT_ROWS) + len(checks.SUMMARY_KEYS)) + len(checks.SUMMARY_KEYS)
            + (len(expected["portfolio"]["gap"]["sectors"]) + 1) * len(checks.GAP_COLUMNS))


def _figures(results: dict) -> list:
    """The figures of a JSON result (warnings aside), to tell whether an edit changed any."""
    return [{k: v for k, v in p.items() if k != "warnings"} for p in results["projects"]] \
        + [results["portfolio"]]


def _set_input(book: Path, out: Path, sheet: str, label: str, value) -> None:
    """Change the input cell (column B) of the row labelled ``label``."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    row = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == label)
    ws.cell(row, 2).value = value
    wb.save(out)


# ---------------------------------------------------------------------------

def test_the_portfolio_and_pack_exercise_every_v2_term(pack, expected):
    """The fixtures are what the claim needs: every v2 input given, every v2 table
    filled, and every v2 figure non-zero somewhere."""
    doc = v2_portfolio()
    used = {f for p in doc["projects"] for f in p}
    assert set(V2_PROJECT_FIELDS) <= used, set(V2_PROJECT_FIELDS) - used
    assert {"energy_series", "vfm_basis", "financial_ob_share", "financial_basis"} <= set(doc)
    streams = [s for p in doc["projects"] for s in p.get("other_benefits", [])]
    assert {s.get("discounting") for s in streams} >= {"health", None}
    assert {s["kind"] for s in streams} == {"economic", "revenue"}
    assert {p.get("business_case_stage") for p in doc["projects"]} >= {"soc", "obc", "fbc"}
    for name in ("air_quality.csv", "marginal_external_costs.csv", "traded_carbon_price.csv",
                 "ob_stage_mitigation.csv", "readiness_weights.csv"):
        assert pack.tables[name].rows, name
    assert pack.parameter("network_reinforcement_gbp_per_kw") > 0
    for key in V2_TERMS:
        assert any(p[key] for p in expected["projects"]), key
    bands = {p["vfm_category"] for p in expected["projects"]}
    assert any(p["vfm_category"] != p["vfm_category_unadjusted"] for p in expected["projects"])
    assert "very poor" in bands
    assert {p["psds_test_passed"] for p in expected["projects"]} >= {True, None}
    assert expected["portfolio"]["gap"]["window"] is None   # the sectors' windows differ


def test_cached_values_match_the_application_without_recalculation(book, expected):
    assert checks.assert_matches_json(book, expected, rtol=1e-12) == result_cells(expected)


def test_summary_shows_the_funder_bcr_beside_the_social_bcr(book):
    ws = openpyxl.load_workbook(book)["Summary"]
    header = [c.value for c in ws[5]]
    assert header.index("Funder BCR") == header.index("Social BCR") + 1
    assert header[:len(SUMMARY_COLUMNS)] == [c[0] for c in SUMMARY_COLUMNS]
    for label in ("Value-for-money basis", "Value for money before adjustment", "Value for money",
                  "of which traded (tCO2e)", "of which direct (tCO2e)",
                  "Exchequer: PV of indirect tax change (£)"):
        assert label in header, label


def test_every_row_that_is_not_official_is_marked(book, pack):
    """FORMAT.md 4: each row of a pack table whose quality is not 'official' is shaded
    with its label shown; the deflator's extrapolated years are labelled so."""
    ws = openpyxl.load_workbook(book)["Assumptions"]
    labels = []
    tables_end = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "Year tables")
    for row in ws.iter_rows(min_col=QUALITY_COL + 1, max_col=QUALITY_COL + 1, max_row=tables_end):
        c = row[0]
        if c.value in (None, "quality"):
            continue
        shaded = (c.fill.fgColor.rgb or "")[-6:].upper() == FLAG_FILL[1:].upper()
        labels.append(c.value)
        assert shaded == (c.value != "official"), (c.coordinate, c.value)
    flagged = sum(len(t.flagged_rows()) for t in pack.tables.values())
    official = sum(len(t.rows) - len(t.flagged_rows()) for t in pack.tables.values())
    assert sum(v != "official" for v in labels) >= flagged
    assert labels.count("official") == official
    assert "extrapolated" in labels


def test_read_me_names_the_method_version_the_pack_and_its_quality(book, pack):
    ws = openpyxl.load_workbook(book)["Read me"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert f"Method version {METHOD_VERSION}" in text
    assert pack.id in text and pack.vintage in text
    summary = pack.flagged_summary()
    assert summary and summary[1:] in text


@pytest.mark.slow
def test_libreoffice_recalculation_reproduces_every_v2_figure(book, expected, libreoffice):
    recalculated = libreoffice(book)
    assert checks.assert_matches_json(recalculated, expected, rtol=RTOL) == result_cells(expected)
    n, worst, bad = compare_numbers(book, recalculated)
    assert not bad, bad[:20]
    assert n > 10_000 and worst <= RTOL


EDITS = {
    # what a user types, and the same change to the portfolio file
    "capex": (("BUS-V2", "year", "Capex (£ at the input price year)", 2027, 4_200_000),
              lambda doc: doc["projects"][2]["capex"].__setitem__("2027", 4_200_000)),
    "deadweight": (("HP-V2", "input", "Benefit deadweight", None, 0.35),
                   lambda doc: doc["projects"][0].__setitem__("benefit_deadweight", 0.35)),
    "appraisal year": (("Assumptions", "input", "Appraisal year (year 0)", None, 2027),
                       lambda doc: doc.__setitem__("appraisal_year", 2027)),
    "energy sector": (("HP-V2", "input", "Energy sector", None, "domestic"),
                      lambda doc: doc["projects"][0].__setitem__("energy_sector", "domestic")),
    "business case stage": (("RET-V2", "input", "Business case stage", None, "fbc"),
                            lambda doc: doc["projects"][1].__setitem__("business_case_stage", "fbc")),
    "energy series": (("Assumptions", "input", "Energy price series", None, "low"),
                      lambda doc: doc.__setitem__("energy_series", "low")),
    "value-for-money basis": (("Assumptions", "input", "Value-for-money basis", None, "social"),
                              lambda doc: doc.__setitem__("vfm_basis", "social")),
    "financial basis": (("Assumptions", "input", "Financial basis", None, "real"),
                        lambda doc: doc.__setitem__("financial_basis", "real")),
}


@pytest.mark.slow
@pytest.mark.parametrize("edit", list(EDITS))
def test_editing_an_input_recalculates_as_the_application_would(edit, book, pack, expected,
                                                                 tmp_path, libreoffice):
    (sheet, where, label, year, value), change = EDITS[edit]
    edited = tmp_path / "edited.xlsx"
    if where == "year":
        checks._set_cell(book, edited, sheet, label, year, value)
    else:
        _set_input(book, edited, sheet, label, value)
    doc = copy.deepcopy(v2_portfolio())
    change(doc)
    want = checks._appraise(doc, pack)
    assert _figures(want) != _figures(expected)   # the edit changes some figure
    assert checks.assert_matches_json(libreoffice(edited), want, rtol=RTOL) == result_cells(want)


@pytest.mark.parametrize("portfolio", ["example", "edge"])
def test_a_v1_pack_with_v1_settings_exports_and_matches(portfolio, tmp_path):
    """METHOD.md compatibility rule: a version 1 pack and a portfolio with
    vfm_basis social and financial_ob_share 0 still export, figures as the application's."""
    pack = load_pack(DATA / "pack-v1")
    doc = load_portfolio(example_portfolio()).data if portfolio == "example" else checks.edge_portfolio()
    doc = {**copy.deepcopy(doc), "vfm_basis": "social", "financial_ob_share": 0}
    path = tmp_path / "v1.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, path)
    expected = checks._appraise(doc, pack)
    assert checks.assert_matches_json(path, expected, rtol=1e-12) == result_cells(expected)


@pytest.mark.slow
def test_a_v1_pack_with_v1_settings_recalculates(tmp_path, libreoffice):
    pack = load_pack(DATA / "pack-v1")
    doc = {**checks.edge_portfolio(), "vfm_basis": "social", "financial_ob_share": 0}
    path = tmp_path / "v1.xlsx"
    export_workbook(parse_portfolio(doc, pack), pack, path)
    recalculated = libreoffice(path)
    want = checks._appraise(doc, pack)
    assert checks.assert_matches_json(recalculated, want, rtol=RTOL) == result_cells(want)
    n, worst, bad = compare_numbers(path, recalculated)
    assert not bad, bad[:20]
