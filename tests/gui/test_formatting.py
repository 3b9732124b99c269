"""Figures and codes as people read them (issue 9): a BCR never rounds into the next
value-for-money band, and codes (natural_gas, lifetime_years, 'renewable_generation')
are shown in words. Pure functions: no window."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.core import load_pack
from appraisal.core.pack import FUELS_KNOWN_UNITS
from appraisal.core.results import VFM_BANDS, vfm_category
from appraisal.gui import formatting as fmt
from appraisal.io import submission_layout
from appraisal.resources import default_pack_dir

BOUNDS = [0.0, 1.0, 1.5, 2.0, 4.0]
assert sorted(b for b, _ in VFM_BANDS) == BOUNDS   # the bands the test walks


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


def test_a_bcr_of_1_4994_reads_low_beside_its_low_band():
    assert vfm_category(1.4994) == "low"
    assert fmt.bcr(1.4994) == "1.499"       # not "1.50", which reads MEDIUM
    assert fmt.ratio(1.4994) == "1.499"     # the name the views call


@pytest.mark.parametrize("bound", BOUNDS)
@pytest.mark.parametrize("offset", [1e-1, 1e-2, 5e-3, 4.9e-3, 1e-3, 5e-4, 4e-4, 1e-4, 5e-5, 1e-6,
                                    1e-9, 1e-13, 0.0])
@pytest.mark.parametrize("side", [-1, 1])
def test_a_bcr_and_its_band_agree_on_both_sides_of_every_bound(bound, offset, side):
    v = bound + side * offset
    text = fmt.bcr(v)
    assert vfm_category(float(text)) == vfm_category(v), (v, text)
    assert not (text.startswith("-") and float(text) == 0), text    # "-0.00" is no figure
    places = len(text.split(".")[1])
    assert 2 <= places <= 4
    assert abs(float(text) - v) <= 10 ** -places + 1e-12   # still the figure, to its places


@given(st.floats(min_value=-50, max_value=50, allow_nan=False))
def test_any_bcr_agrees_with_its_band(v):
    text = fmt.bcr(v)
    assert vfm_category(float(text)) == vfm_category(v), (v, text)


def test_an_ordinary_bcr_keeps_two_decimals():
    assert fmt.bcr(2.3149) == "2.31"
    assert fmt.bcr(1.5) == "1.50" and fmt.bcr(4.0) == "4.00" and fmt.bcr(0) == "0.00"
    assert fmt.bcr(-0.0) == "0.00"
    assert fmt.bcr(12.345) == "12.35"
    assert fmt.bcr(None) == fmt.DASH and fmt.bcr(math.nan) == fmt.DASH


def test_fuels_types_and_levels_in_words(pack):
    assert fmt.fuel_label("natural_gas") == "Natural gas (kWh)"
    assert fmt.fuel_label("diesel") == "Diesel (litre)"
    assert fmt.fuel_label("lpg") == "LPG (kWh)"
    assert fmt.ob_type_name("standard_buildings") == "Standard buildings"
    assert fmt.spatial_level_name("sub-regional") == "Sub-regional"
    assert fmt.spatial_level_meaning("local").startswith("Local: ")
    assert fmt.category_label("renewable_generation", pack) == \
        pack.categories["renewable_generation"].label
    assert fmt.table_title("gdp_deflator.csv") == "GDP deflator"
    # every fuel, project type and level of the default pack has its words
    assert set(pack.fuels()) <= set(fmt.FUEL_NAMES)
    assert {c.ob_project_type for c in pack.categories.values()} <= set(fmt.OB_TYPE_NAMES)
    assert set(pack.additionality) <= set(fmt.SPATIAL_LEVEL_MEANINGS)
    # the same words as the submission template and the core's units
    assert fmt.FUEL_NAMES == submission_layout.FUEL_NAMES
    assert fmt.OB_TYPE_NAMES == submission_layout.OB_TYPE_NAMES
    assert fmt.STAGE_NAMES == submission_layout.STAGE_NAMES
    assert fmt.FUEL_UNITS == FUELS_KNOWN_UNITS


@pytest.mark.parametrize("code, words", [
    ("lifetime_years", "lifetime"), ("public_funding_share", "public funding share"),
    ("capex.2021", "capex 2021"), ("readiness.months_to_start", "readiness: months to start"),
    ("other_benefits[2].per_year", "other benefit 3, amount a year"),
    ("additionality.deadweight", "additionality: deadweight"),
])
def test_field_paths_in_words(code, words):
    assert fmt.field_words(code) == words


@pytest.mark.parametrize("message, shown", [
    ("category 'renewable_generation' is in no investment-gap sector of the pack",
     "category 'Renewable generation' is in no investment-gap sector of the pack"),
    ("emission factors for grid_electricity end in 2039: later years hold the 2039 value",
     "emission factors for grid electricity end in 2039: later years hold the 2039 value"),
    ("energy prices for natural_gas end in 2050", "energy prices for natural gas end in 2050"),
    ("energy prices for lpg end in 2050", "energy prices for LPG end in 2050"),
    ("lifetime_years is 0: the project has no operating years",
     "lifetime is 0: the project has no operating years"),
    ("the assumption pack has no air_quality table (the term is zero)",
     "the assumption pack has no air-quality damage costs table (the term is zero)"),
    ("the pack's network_reinforcement_gbp_per_kw is zero or missing",
     "the pack's network reinforcement cost per kW is zero or missing"),
    ("ob_mitigation is ignored because the project gives its own optimism_bias",
     "optimism-bias mitigation is ignored because the project gives its own optimism bias"),
    ("Rows not official: gdp_deflator.csv 36/36, carbon_values.csv 81/81",
     "Rows not official: GDP deflator 36/36, Carbon values 81/81"),
    # what is not a code stays as it is: file names, METHOD.md, e.g.
    ("C:/work/ev_102.xlsx: sheet 'Project', cell C5, field 'lifetime_years': not a number",
     "C:/work/ev_102.xlsx: sheet 'Project', cell C5, field 'lifetime': not a number"),
    ("Construction jobs per GBP 1m", "Construction jobs per £1m"),
    ("the grant may be deadweight (METHOD.md 4), e.g. a loan",
     "the grant may be deadweight (METHOD.md 4), e.g. a loan"),
])
def test_messages_of_the_core_are_shown_with_words(pack, message, shown):
    assert fmt.plain(message, pack) == shown


def test_every_warning_of_the_example_reads_without_a_code(pack):
    import json
    import re

    from appraisal.core import appraise_portfolio, parse_portfolio
    from appraisal.resources import example_portfolio
    inputs = parse_portfolio(json.loads(example_portfolio().read_text(encoding="utf-8")), pack)
    results = appraise_portfolio(inputs, pack)
    codes = set(pack.categories) | set(pack.fuels()) | set(pack.investment_gap)
    seen = 0
    for warnings in results.warnings:
        for w in warnings:
            shown = fmt.plain(w, pack)
            seen += shown != w
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), shown
            assert not any(re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", shown)
                           for c in codes if "_" in c or c == "lpg"), shown
    assert seen   # the example has warnings with codes: they were put in words
