"""Issue 11, the numbers that enter the core: one check (appraisal.core.limits), ranges
declared once beside the fields and stated in docs/FORMAT.md section 6, and no NaN or
infinity out of a sound appraisal. Each test is built from one of the issue's
reproductions (EV consumption 1e-300, calculator inputs 10**400, pack values 1e308).
"""
from __future__ import annotations

import dataclasses
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.calculators import INPUT_RANGES
from appraisal.core.finite import ensure_finite, non_finite_paths
from appraisal.core.limits import MIN_MAGNITUDE, Range, check_number, fmt
from appraisal.core.montecarlo import simulate
from appraisal.core.pack import COLUMN_RANGES, PARAMETER_RANGES
from appraisal.core.portfolio import FIELD_RANGES, field_range, parse_project
from appraisal.core.selection import select_projects
from appraisal.core.sensitivity import sensitivity
from appraisal.resources import default_pack_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reference_pack():
    return load_pack(default_pack_dir())


def problems(data, pack) -> list:
    with pytest.raises(InputError) as caught:
        parse_portfolio(data, pack)
    return caught.value.problems


# -- the one check -----------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    (True, "must be a number, not true/false"),
    ("12", "must be a number, not text '12'"),
    ([1], "must be a number, not a list"),
    (10**400, "is too large a number"),
    (float("nan"), "finite"),
    (float("inf"), "finite"),
    (-1.0, "at least 0"),
    (11.0, "at most 10"),
    (1e-300, "at least 1e-09 in size"),
    (2.5, "whole number"),
])
def test_check_number_refuses_in_words(value, words):
    x, problem = check_number(value, Range(0, 10, whole=True))
    assert x is None and words in problem


@pytest.mark.parametrize("value", [0, 0.0, MIN_MAGNITUDE, 10, 10**1])
def test_check_number_keeps_sound_numbers(value):
    assert check_number(value, Range(0, 10)) == (float(value), None)


def test_every_field_path_the_parser_names_has_a_declared_range():
    for path, key in [("capex.2027", "capex.*"), ("renewals[3].cost", "renewals[].cost"),
                      ("other_benefits[0].profile.2030", "other_benefits[].profile.*"),
                      ("sensitivity.capex.low", "sensitivity.*.low"),
                      ("tariffs.odd.fuel", "tariffs.*"), ("lifetime_years", "lifetime_years")]:
        assert field_range(path) is FIELD_RANGES[key], path


def test_the_documented_ranges_are_the_declared_ones():
    """docs/FORMAT.md section 6 states every range; it must say what the core enforces."""
    text = (REPO / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    section = text[text.index("## 6. The range of every number"):]
    rows = dict(re.findall(r"^\| (`[^|]+`) \| ([^|]+) \|$", section, flags=re.M))

    def words(r: Range) -> str:
        return r.words() + (" (whole)" if r.whole else "")
    expected = {f"`{k}`": words(r) for k, r in FIELD_RANGES.items()}
    expected |= {f"`{c}.{k}`": words(r) for c, d in INPUT_RANGES.items() for k, r in d.items()}
    expected |= {f"`parameters.csv` `{k}`": words(r) for k, r in PARAMETER_RANGES.items()}
    assert {k: rows.get(k) for k in expected} == expected
    # the pack's columns: a generated table (type, range and notes, required)
    columns = dict(re.findall(r"^\| (`[^|]+` `[^|]+`) \| number \| ([^|;]+?)(?:;[^|]*)? \| [^|]+ \|$",
                              section, flags=re.M))
    expected_columns = {f"`{f}` `{c}`": words(r) for (f, c), r in COLUMN_RANGES.items()}
    assert {k: columns.get(k) for k in expected_columns} == expected_columns


# -- the reproductions ---------------------------------------------------------

def ev_project(**calc):
    return {"id": "EV-1", "name": "Chargers", "category": "ev_charging", "lifetime_years": 10,
            "capex": {"2027": 1_000_000},
            "calculator": {"type": "ev_charging", "chargers": 10,
                           "kwh_per_charger_per_year": 10_000, **calc}}


def portfolio_of(*projects):
    return {"format": "appraisal-portfolio", "version": 1, "name": "t", "appraisal_year": 2026,
            "projects": list(projects)}


def test_ev_consumption_of_1e_minus_300_is_refused_by_the_stated_range(reference_pack):
    """It gave NPSV of about 1e305 and NaN further on: 0.01 kWh a km is the stated floor."""
    (p,) = problems(portfolio_of(ev_project(ev_kwh_per_km=1e-300)), reference_pack)
    assert (p.project, p.field) == ("EV-1", "calculator.ev_kwh_per_km")
    assert "at least 0.01" in p.message
    assert INPUT_RANGES["ev_charging"]["ev_kwh_per_km"].lo == 0.01


def test_ev_consumption_at_the_floor_appraises_finitely(reference_pack):
    inputs = parse_portfolio(portfolio_of(ev_project(ev_kwh_per_km=0.01)), reference_pack)
    # hand-worked: 10 chargers x 10,000 kWh = 100,000 kWh a year, over 0.01 kWh/km =
    # 10,000,000 km, x the pack's petrol litres per km (calculator_defaults.csv)
    ((fuel, litres),) = [(f, q) for f, q in inputs.projects[0].energy_changes if f == "petrol"]
    per_km = reference_pack.calculator_defaults["ev_charging"]["petrol_litres_per_km"][0]
    assert litres == pytest.approx(-10_000_000 * per_km, rel=1e-12)
    results = appraise_portfolio(inputs, reference_pack)
    assert all(np.isfinite(results.metrics[k]).all() for k in ("npsv_gbp", "pv_benefits_gbp"))


@pytest.mark.parametrize("name", ["installs", "heat_demand_kwh_per_install", "scop"])
def test_calculator_inputs_of_10_to_the_400_are_refused_not_an_internal_error(reference_pack,
                                                                              name):
    project = {"id": "HP-1", "category": "heat_pumps", "lifetime_years": 10,
               "calculator": {"type": "heat_pumps", name: 10**400}}
    (p,) = [q for q in problems(portfolio_of(project), reference_pack)
            if q.field == f"calculator.{name}"]
    assert p.project == "HP-1" and "too large" in p.message


def test_a_calculator_result_beyond_the_energy_range_is_refused(reference_pack):
    # 1e7 installs x 1e7 kWh / 0.85 = 1.2e14 kWh of gas, above 1e13 (FIELD_RANGES)
    project = {"id": "HP-1", "category": "heat_pumps", "lifetime_years": 10,
               "calculator": {"type": "heat_pumps", "installs": 1e7,
                              "heat_demand_kwh_per_install": 1e7}}
    found = problems(portfolio_of(project), reference_pack)
    assert {p.field for p in found} == {"calculator"}
    assert any("natural_gas" in p.message for p in found)


def test_a_non_zero_amount_below_the_floor_is_refused_naming_the_field(reference_pack):
    project = {"id": "A", "category": "other", "lifetime_years": 10,
               "capex": {"2027": 1e-300}, "opex_per_year": 5e-324}
    found = {p.field for p in problems(portfolio_of(project), reference_pack)}
    assert found == {"capex.2027", "opex_per_year"}


def test_a_lone_surrogate_from_a_python_caller_is_refused(reference_pack):
    _, found = parse_project({"id": "A", "name": "bad \ud800", "category": "other",
                              "lifetime_years": 1}, 0, reference_pack)
    assert [p.field for p in found] == ["name"]


def test_a_1mb_id_is_not_echoed(reference_pack):
    big = "X" * 1_000_000
    found = problems(portfolio_of({"id": big, "category": "other", "lifetime_years": 1}),
                     reference_pack)
    assert all(len(str(p)) < 500 for p in found)


# -- the pack ---------------------------------------------------------------------------

@pytest.fixture
def pack_copy(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), target)
    return target


def replace_cell(folder: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell of a pack table (row as a spreadsheet counts it: header = 1)."""
    import csv
    import io
    path = folder / name
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def pack_problems(folder: Path) -> list:
    with pytest.raises(InputError) as caught:
        load_pack(folder)
    return caught.value.problems


@pytest.mark.parametrize("name, column", [
    ("carbon_values.csv", "high"), ("energy_prices.csv", "gbp_per_unit"),
    ("emission_factors.csv", "kgco2e_per_unit"), ("gdp_deflator.csv", "index"),
    ("investment_gap.csv", "annual_gap_gbp"), ("calculator_defaults.csv", "value"),
])
def test_pack_values_of_1e308_are_refused_naming_file_row_and_column(pack_copy, name, column):
    replace_cell(pack_copy, name, 2, column, "1e308")
    found = [p for p in pack_problems(pack_copy) if (p.file, p.row, p.field) == (name, 2, column)]
    assert found and "out of range" in found[0].message


def test_a_tiny_pack_index_is_refused(pack_copy):
    """A deflator index of 1e-300 would rebase a pound to 1e300 pounds."""
    replace_cell(pack_copy, "gdp_deflator.csv", 3, "index", "1e-300")
    assert any((p.file, p.row, p.field) == ("gdp_deflator.csv", 3, "index")
               for p in pack_problems(pack_copy))


def test_a_duplicate_pack_column_is_refused_once_and_the_table_not_read(pack_copy):
    path = pack_copy / "discount_schedules.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",rate"] + [line + ",0.5" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [p for p in pack_problems(pack_copy) if p.file == "discount_schedules.csv"]
    assert [(p.row, p.field) for p in found] == [(1, "rate")]
    assert "more than once" in found[0].message


def test_a_duplicate_key_in_pack_json_is_refused(pack_copy):
    path = pack_copy / "pack.json"
    path.write_text(path.read_text(encoding="utf-8").replace('{', '{"id": "other",\n', 1),
                    encoding="utf-8")
    found = [p for p in pack_problems(pack_copy) if p.file == "pack.json"]
    assert found and found[0].field == "id" and "twice" in found[0].message


# -- overflow during the computation -----------------------------------------------------

def test_an_overflow_of_inputs_built_in_code_is_a_named_input_error(reference_pack):
    """A Python caller can skip the parser; the figures are then checked after the
    appraisal: an InputError naming the project and the input, no NaN, no warning
    (pytest turns warnings into errors here)."""
    inputs = parse_portfolio(portfolio_of(
        {"id": "A", "category": "other", "lifetime_years": 60, "capex": {"2027": 1e6},
         "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1e6}]},
        {"id": "B", "category": "other", "lifetime_years": 5, "capex": {"2027": 1e6}}),
        reference_pack)
    bad = dataclasses.replace(inputs.projects[0], energy_changes=(("natural_gas", -1.7e308),))
    inputs = dataclasses.replace(inputs, projects=(bad, inputs.projects[1]))
    with pytest.raises(InputError) as caught:
        appraise_portfolio(inputs, reference_pack)
    (p,) = caught.value.problems
    assert p.project == "A" and p.field == "energy_changes[0].quantity_per_year"
    assert "overflows" in p.message


def test_ensure_finite_leaves_undefined_ratios_alone(reference_pack):
    """A project with no costs has no BCR (NaN by design): that is not an overflow."""
    inputs = parse_portfolio(portfolio_of({"id": "A", "category": "other", "lifetime_years": 0}),
                             reference_pack)
    results = appraise_portfolio(inputs, reference_pack)
    assert math.isnan(results.metrics["bcr"][0])
    ensure_finite(results, inputs)


def extreme_portfolio() -> dict:
    """Every amount at its stated ceiling or floor (FORMAT.md 6): odd but sound input."""
    top = {"id": "MAX", "category": "heat_pumps", "lifetime_years": 300,
           "capex": {str(y): 1e13 for y in range(2026, 2031)}, "opex_per_year": 1e13,
           "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1e13},
                              {"fuel": "grid_electricity", "quantity_per_year": 1e13}],
           "other_benefits": [{"label": "b", "kind": "economic", "per_year": 1e13},
                              {"label": "r", "kind": "revenue", "per_year": -1e13}],
           "optimism_bias": 10, "operational_fte": 1e6, "job_years_per_million": 1000,
           "tariffs": {"natural_gas": 1e6}, "car_km_removed": 1e12, "added_peak_kw": 1e9,
           "renewals": [{"label": "r", "cost": 1e13, "every_years": 1}],
           "residual_value": 1e13}
    low = {"id": "MIN", "category": "other", "lifetime_years": 1, "capex": {"2027": 1e-9},
           "public_funding_share": 1e-9,
           "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1e-9}]}
    mid = {"id": "MID", "category": "other", "lifetime_years": 20, "capex": {"2027": 2e6},
           "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -4e6}]}
    return {**portfolio_of(top, low, mid), "financial_discount_rate": -0.5}


def test_inputs_at_the_edges_of_their_ranges_give_finite_figures_everywhere(reference_pack):
    inputs = parse_portfolio(extreme_portfolio(), reference_pack)
    results = appraise_portfolio(inputs, reference_pack)
    assert non_finite_paths(results.to_dict()) == []
    assert non_finite_paths(sensitivity(inputs, reference_pack, results=results)) == []
    assert non_finite_paths(simulate(inputs, reference_pack, draws=200, seed=1)) == []
    chosen = select_projects(results, 1e15, "npsv")
    assert chosen.feasible and non_finite_paths(chosen) == []


def test_fmt_writes_years_without_separators():
    assert (fmt(2026), fmt(1e13), fmt(0.035), fmt(250_000)) == ("2026", "1e+13", "0.035",
                                                                  "250,000")
