"""Loading and validating assumption packs (FORMAT.md section 2).

Each fault is made in a copy of the default pack, and the test asserts on the
Problem's fields (file, row, column), not only on its text: the command line
and the GUI point the user at the cell from those fields.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.core import InputError, Problem, load_pack
from appraisal.core.pack import TABLE_COLUMNS


@pytest.fixture
def pack_copy(tmp_path, pack_dir) -> Path:
    target = tmp_path / "pack"
    shutil.copytree(pack_dir, target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a pack file (the test fails if absent)."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def row_of(folder: Path, name: str, starts_with: str) -> int:
    """Spreadsheet row (header = 1) of the line that starts with ``starts_with``."""
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    rows = [i for i, line in enumerate(lines, start=1) if line.startswith(starts_with)]
    assert len(rows) == 1, (name, starts_with, rows)
    return rows[0]


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_pack(folder)
    assert info.value.problems, "an InputError must carry at least one problem"
    return info.value.problems


def located(problems: list[Problem], file: str, row: int | None, field: str | None) -> list[Problem]:
    return [p for p in problems if (p.file, p.row, p.field) == (file, row, field)]


# -- the default pack -----------------------------------------------------------

def test_default_pack_loads(pack):
    # resources/packs/uk-default/pack.json
    assert pack.id == "uk-default-2026-11"
    assert pack.vintage == "2026-11-28"
    assert pack.name
    assert set(pack.discount_schedules) == {"standard", "health", "reduced"}
    assert set(pack.carbon_values) == {"low", "central", "high"}
    assert pack.default_price_base_year == 2022   # DESNZ carbon values at 2022 prices
    assert set(pack.fuels()) == {"grid_electricity", "natural_gas", "heating_oil", "lpg",
                                 "petrol", "diesel"}
    assert {"job_years_per_permanent_job", "public_carbon_cost_threshold"} <= set(pack.parameters)
    # every category maps to a known gap sector or to none, and to a known OB type
    for cat in pack.categories.values():
        assert cat.gap_sector is None or cat.gap_sector in pack.investment_gap
        assert cat.ob_project_type in pack.optimism_bias


def test_default_pack_figures(pack):
    # Spot checks against the CSV rows (sources named in each row):
    # Green Book standard STPR 3.5% for years 0-30, 1.0% from 301;
    # optimism bias standard buildings capex upper 24% (HMT Supplementary
    # Guidance, Table 2); DESNZ central carbon value 2025 = GBP 273.06/tCO2e
    # (2022 prices); deflator 2024 = 100.
    first = pack.discount_schedules["standard"][0]
    assert first[:2] == (0, 30)
    assert_allclose(first[2], 0.035, rtol=1e-15)
    assert pack.discount_schedules["standard"][-1][1] is None
    assert_allclose(pack.optimism_bias["standard_buildings"]["capex_upper"], 0.24, rtol=1e-15)
    values, past = pack.carbon_values["central"].on_axis(np.array([2025]))
    assert_allclose(values, [273.06], rtol=1e-15)
    assert_allclose(pack.deflator[2024], 100.0, rtol=1e-15)
    assert_allclose(pack.rebase_factor(2022, 2022), 1.0, rtol=0, atol=0)
    # D(2024) / D(2022) = 100 / 90.5005
    assert_allclose(pack.rebase_factor(2022, 2024), 100 / 90.5005, rtol=1e-15)


def test_default_pack_shows_its_caveats(pack):
    # shared/data/README.md: rows marked illustrative, recalled or secondary
    # copy must be shown to users; the pack knows it has some.
    assert pack.is_flagged()
    assert pack.tables["additionality.csv"].flagged_rows()


def test_rebase_before_the_deflator_table_is_an_input_error(pack):
    # METHOD.md 1.1: a year before the deflator table's first row is an input error.
    with pytest.raises(InputError) as info:
        pack.rebase_factor(1980, 2022)
    assert info.value.problems[0].file == "gdp_deflator.csv"
    assert "1980" in info.value.problems[0].message


def test_rebase_after_the_deflator_table_is_extrapolated(pack):
    # METHOD.md 1.1 (v2): past the last row (2024 in the v1 pack, index 100) the
    # deflator grows at deflator_forecast_growth, default 0.02 a year:
    # D(2030) = 100 * 1.02**6 = 112.6162419264; D(2022) = 90.5005 (the table).
    assert_allclose(pack.rebase_factor(2030, 2022), 90.5005 / (100 * 1.02 ** 6), rtol=1e-12)


def test_the_copy_loads(pack_copy, pack):
    # the fixture itself: an unedited copy is a valid pack with the same content
    copy = load_pack(pack_copy)
    assert copy.id == pack.id
    assert copy.discount_schedules == pack.discount_schedules


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError) as info:
        load_pack(tmp_path / "nowhere")
    assert info.value.problems[0].file == str(tmp_path / "nowhere")


# -- faults -----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TABLE_COLUMNS) + ["pack.json"])
def test_missing_file(pack_copy, name):
    (pack_copy / name).unlink()
    problems = problems_of(pack_copy)
    # a missing file has no row or column to point at
    assert located(problems, name, None, None), problems
    assert any("missing" in p.message for p in located(problems, name, None, None))


@pytest.mark.parametrize("name, column", [
    ("carbon_values.csv", "central"),
    ("gdp_deflator.csv", "index"),
    ("discount_schedules.csv", "rate"),
    ("categories.csv", "gap_sector"),
    ("emission_factors.csv", "source"),
])
def test_missing_column(pack_copy, name, column):
    header = (pack_copy / name).read_text(encoding="utf-8").splitlines()[0]
    renamed = header.replace(column, column + "_renamed", 1)
    edit(pack_copy, name, header + "\n", renamed + "\n")
    problems = problems_of(pack_copy)
    # the header is row 1; the problem names the missing column
    assert located(problems, name, 1, column), problems


def test_non_number(pack_copy):
    row = row_of(pack_copy, "gdp_deflator.csv", "2021,")
    edit(pack_copy, "gdp_deflator.csv", "2021,85.6358,", "2021,85.6x58,")
    problems = problems_of(pack_copy)
    assert located(problems, "gdp_deflator.csv", row, "index"), problems
    assert "not a number" in located(problems, "gdp_deflator.csv", row, "index")[0].message


def test_non_number_in_carbon_values(pack_copy):
    row = row_of(pack_copy, "carbon_values.csv", "2030,")
    edit(pack_copy, "carbon_values.csv", "2030,147.25,294.5,", "2030,147.25,n/a,")
    assert located(problems_of(pack_copy), "carbon_values.csv", row, "central")


def test_year_that_is_not_a_year(pack_copy):
    row = row_of(pack_copy, "gdp_deflator.csv", "2021,")
    edit(pack_copy, "gdp_deflator.csv", "2021,85.6358,", "2021.5,85.6358,")
    assert located(problems_of(pack_copy), "gdp_deflator.csv", row, "year")


def test_duplicate_year_in_the_deflator(pack_copy):
    # 2021 given again as 2020: the second 2020 row is the duplicate
    row = row_of(pack_copy, "gdp_deflator.csv", "2021,")
    edit(pack_copy, "gdp_deflator.csv", "2021,85.6358,", "2020,85.6358,")
    problems = problems_of(pack_copy)
    assert located(problems, "gdp_deflator.csv", row, "year"), problems


def test_duplicate_year_in_carbon_values_names_the_column(pack_copy):
    row = row_of(pack_copy, "carbon_values.csv", "2021,")
    edit(pack_copy, "carbon_values.csv", "2021,128.52,", "2020,128.52,")
    problems = problems_of(pack_copy)
    assert located(problems, "carbon_values.csv", row, "year"), problems


def test_duplicate_year_in_carbon_values_names_the_row(pack_copy):
    # what does hold today: the file and the row of the second 2020
    row = row_of(pack_copy, "carbon_values.csv", "2021,")
    edit(pack_copy, "carbon_values.csv", "2021,128.52,", "2020,128.52,")
    problems = [p for p in problems_of(pack_copy) if p.file == "carbon_values.csv"]
    assert [p.row for p in problems] == [row]
    assert "duplicate year 2020" in problems[0].message


def test_duplicate_year_in_emission_factors_names_the_column(pack_copy):
    row = row_of(pack_copy, "emission_factors.csv", "grid_electricity,kWh,2020,")
    edit(pack_copy, "emission_factors.csv", "grid_electricity,kWh,2020,", "grid_electricity,kWh,2019,")
    problems = problems_of(pack_copy)
    assert located(problems, "emission_factors.csv", row, "year"), problems


@pytest.mark.parametrize("line, new, name, column", [
    # a rate given in percent: FORMAT.md 2, "Rates and shares are fractions (0.035, not 3.5)"
    ("standard,0,30,0.035,", "standard,0,30,3.5,", "discount_schedules.csv", "rate"),
    ("sub-regional,0.25,", "sub-regional,25,", "additionality.csv", "deadweight"),
    ("standard_buildings,0.24,", "standard_buildings,24,", "optimism_bias.csv", "capex_upper"),
])
def test_rate_out_of_range(pack_copy, line, new, name, column):
    row = row_of(pack_copy, name, line)
    edit(pack_copy, name, line, new)
    problems = problems_of(pack_copy)
    hits = located(problems, name, row, column)
    assert hits, problems
    assert "out of range" in hits[0].message


def test_gap_in_discount_bands_is_reported(pack_copy):
    # standard 0-30 then 32-75: year 31 has no rate
    edit(pack_copy, "discount_schedules.csv", "standard,31,75,", "standard,32,75,")
    problems = [p for p in problems_of(pack_copy) if p.file == "discount_schedules.csv"]
    gaps = [p for p in problems if "without gaps" in p.message]
    assert len(gaps) == 1, problems
    assert "'standard'" in gaps[0].message and "31" in gaps[0].message and "32" in gaps[0].message


def test_gap_in_discount_bands_names_row_and_column(pack_copy):
    row = row_of(pack_copy, "discount_schedules.csv", "standard,31,75,")
    edit(pack_copy, "discount_schedules.csv", "standard,31,75,", "standard,32,75,")
    problems = problems_of(pack_copy)
    assert located(problems, "discount_schedules.csv", row, "from_year"), problems


def test_gap_in_discount_bands_is_the_only_schedule_problem(pack_copy):
    edit(pack_copy, "discount_schedules.csv", "standard,31,75,", "standard,32,75,")
    problems = problems_of(pack_copy)
    assert not [p for p in problems if "empty to_year" in p.message], problems


def test_overlap_in_discount_bands(pack_copy):
    edit(pack_copy, "discount_schedules.csv", "health,31,75,", "health,30,75,")
    problems = problems_of(pack_copy)
    assert any("'health'" in p.message and "overlap" in p.message for p in problems), problems


def test_schedule_without_an_open_end(pack_copy):
    edit(pack_copy, "discount_schedules.csv", "reduced,301,,", "reduced,301,400,")
    problems = problems_of(pack_copy)
    assert any("'reduced'" in p.message and "empty to_year" in p.message for p in problems)


def test_category_pointing_at_an_unknown_gap_sector(pack_copy):
    row = row_of(pack_copy, "categories.csv", "heat_pumps,")
    edit(pack_copy, "categories.csv", "heat_pumps,Heat pumps,buildings_nature_industry,",
         "heat_pumps,Heat pumps,buildings,")
    problems = problems_of(pack_copy)
    hits = located(problems, "categories.csv", row, "gap_sector")
    assert hits, problems
    assert "'buildings'" in hits[0].message


def test_category_pointing_at_an_unknown_ob_type(pack_copy):
    row = row_of(pack_copy, "categories.csv", "hydrogen,")
    edit(pack_copy, "categories.csv", "hydrogen,Hydrogen,buildings_nature_industry,equipment_development,",
         "hydrogen,Hydrogen,buildings_nature_industry,rocketry,")
    assert located(problems_of(pack_copy), "categories.csv", row, "ob_project_type")


def test_empty_source(pack_copy):
    # FORMAT.md 2: every table row carries its source
    row = row_of(pack_copy, "parameters.csv", "public_carbon_cost_threshold,")
    path = pack_copy / "parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[row - 1] = "public_carbon_cost_threshold,325,"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert located(problems_of(pack_copy), "parameters.csv", row, "source")


def test_price_year_before_the_deflator(pack_copy):
    row = row_of(pack_copy, "energy_prices.csv", "lpg,")
    edit(pack_copy, "energy_prices.csv", "lpg,kWh,,0.075,2024,", "lpg,kWh,,0.075,1931,")
    assert located(problems_of(pack_copy), "energy_prices.csv", row, "price_year")


def test_wrong_unit_for_a_known_fuel(pack_copy):
    # FORMAT.md 1: petrol is in litres
    row = row_of(pack_copy, "energy_prices.csv", "petrol,")
    edit(pack_copy, "energy_prices.csv", "petrol,litre,,1.36,", "petrol,kWh,,1.36,")
    assert located(problems_of(pack_copy), "energy_prices.csv", row, "unit")


def test_missing_required_parameter(pack_copy):
    row = row_of(pack_copy, "parameters.csv", "job_years_per_permanent_job,")
    path = pack_copy / "parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[row - 1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(pack_copy)
    assert any(p.file == "parameters.csv" and "job_years_per_permanent_job" in p.message
               for p in problems), problems


def test_all_problems_are_reported_at_once(pack_copy):
    # pack.py: "every problem found is reported at once"
    (pack_copy / "investment_gap.csv").unlink()
    edit(pack_copy, "gdp_deflator.csv", "2021,85.6358,", "2021,85.6x58,")
    edit(pack_copy, "discount_schedules.csv", "standard,0,30,0.035,", "standard,0,30,3.5,")
    files = {p.file for p in problems_of(pack_copy)}
    assert {"investment_gap.csv", "gdp_deflator.csv", "discount_schedules.csv"} <= files


def test_a_utf8_bom_is_accepted(pack_copy):
    # a pack saved by a spreadsheet program often starts with a byte-order mark
    path = pack_copy / "gdp_deflator.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert_allclose(load_pack(pack_copy).deflator[2024], 100.0, rtol=1e-15)


def test_pack_is_a_dataclass_that_can_be_varied(pack):
    # tests elsewhere vary a loaded pack with dataclasses.replace (e.g. a zero
    # discount schedule); the pack must stay a dataclass for that
    zero = dataclasses.replace(pack, discount_schedules={"zero": [(0, None, 0.0)]})
    assert "zero" in zero.discount_schedules and "zero" not in pack.discount_schedules



# -- version 2 tables and columns (FORMAT.md 4) ---------------------------------

@pytest.fixture
def pack2_copy(tmp_path) -> Path:
    from appraisal.resources import default_pack_dir
    target = tmp_path / "pack2"
    shutil.copytree(default_pack_dir(), target)
    return target


def _line(folder: Path, name: str, starts_with: str) -> tuple[int, str]:
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    hits = [(i, line) for i, line in enumerate(lines, start=1) if line.startswith(starts_with)]
    assert hits, (name, starts_with)
    return hits[0]


def test_the_2026_pack_loads_with_its_v2_tables(default_pack):
    # resources/packs/uk-default is the 2026 reference pack (its README)
    assert default_pack.id == "uk-reference-2026-12"
    assert default_pack.default_price_base_year == 2025
    assert default_pack.ob_stage_mitigation == {"soc": 0.0, "obc": 0.375, "fbc": 0.75}
    # header-only tables are absent (FORMAT.md 4): their terms are zero
    assert not default_pack.air_quality and not default_pack.external_costs
    assert default_pack.traded_carbon_price is None
    # grid electricity is the one traded fuel; the appraisal rows win over reporting ones
    years = np.array([2030])
    _, _, traded, fallback = default_pack.factor_on("grid_electricity", years, "domestic")
    assert traded and not fallback
    assert not default_pack.factor_on("natural_gas", years, "domestic")[2]


def test_every_row_that_is_not_official_is_flagged(default_pack):
    t = default_pack.tables["discount_schedules.csv"]
    assert t.flagged_rows() == []          # all 18 rows official
    t = default_pack.tables["parameters.csv"]
    assert len(t.flagged_rows()) == len(t.rows)
    assert "parameters.csv 6/6" in default_pack.flagged_summary()


@pytest.mark.parametrize("file, starts_with, old, new, column", [
    ("energy_prices.csv", "petrol,litre,2025", ",retail,", ",wholesale,", "basis"),
    ("energy_prices.csv", "petrol,litre,2025", "2025,,retail", "2025,marine,retail", "sector"),
    ("energy_prices.csv", "diesel,litre,2025", ",0.2,", ",1.2,", "vat_rate"),
    ("emission_factors.csv", "diesel,litre,2019", ",false,", ",perhaps,", "traded"),
    ("categories.csv", "heat_pumps,", ",domestic,", ",household,", "energy_sector"),
    ("ob_stage_mitigation.csv", "obc,", "obc,0.375", "obc,1.375", "mitigation"),
    ("readiness_weights.csv", "site_secured,", "site_secured,", "site_found,", "criterion"),
    ("parameters.csv", "public_carbon_cost_threshold,", ",secondary copy", ",hearsay", "quality"),
])
def test_a_bad_v2_cell_is_named_by_file_row_and_column(pack2_copy, file, starts_with, old, new,
                                                       column):
    row, line = _line(pack2_copy, file, starts_with)
    assert old in line
    lines = (pack2_copy / file).read_text(encoding="utf-8").splitlines()
    lines[row - 1] = line.replace(old, new, 1)
    (pack2_copy / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert located(problems_of(pack2_copy), file, row, column), problems_of(pack2_copy)


def test_a_duplicated_column_is_refused(pack2_copy):
    path = pack2_copy / "readiness_weights.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",points"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert located(problems_of(pack2_copy), "readiness_weights.csv", 1, "points")


def test_a_v2_table_with_rows_is_read(pack2_copy):
    (pack2_copy / "air_quality.csv").write_text(
        "fuel,sector,year,gbp_per_unit,price_year,source,quality\n"
        "natural_gas,,,0.01,2025,illustrative test row,illustrative\n", encoding="utf-8")
    pack = load_pack(pack2_copy)
    assert_allclose(pack.air_quality_on("natural_gas", np.array([2030]), 2025, "domestic"), [0.01])
    assert_allclose(pack.air_quality_on("petrol", np.array([2030]), 2025, "domestic"), [0.0])


def test_gap_rows_need_both_years_or_neither(pack2_copy):
    row, line = _line(pack2_copy, "investment_gap.csv", "transport,")
    edit(pack2_copy, "investment_gap.csv", "8700000000,,,", "8700000000,2026,,")
    assert located(problems_of(pack2_copy), "investment_gap.csv", row, "last_year")
