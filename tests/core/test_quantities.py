"""The one reader of numbers people type (appraisal/core/quantities.py; issue 9)."""
from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from appraisal.core.quantities import (format_percent, parse_amount, parse_budget, parse_share,
                                       share_of_cell)


@pytest.mark.parametrize("text, unit, expected", [
    ("1,200,000", "GBP", 1.2e6), ("£30k", "GBP", 3e4), ("GBP 1.2m", "GBP", 1.2e6),
    ("gbp 1.2m", "GBP", 1.2e6), ("1.2m", "GBP", 1.2e6), ("1.5bn", "GBP", 1.5e9),
    ("20m GBP", "GBP", 2e7), ("£ 250 k", "GBP", 2.5e5), ("-5,000", "GBP", -5e3),
    ("300 MWh", "kWh", 3e5), ("0.3 GWh", "kWh", 3e5), ("1.2m kWh", "kWh", 1.2e6),
    ("500", "kWh", 500.0), ("-1,333,333 kWh", "kWh", -1333333.0), ("250 Wh", "kWh", 0.25),
    ("1,200 litres", "litre", 1200.0), ("1.2m l", "litre", 1.2e6), ("12", "number", 12.0),
    ("1e6", "GBP", 1e6), ("\u22121,000", "GBP", -1000.0),
])
def test_amounts_with_units(text, unit, expected):
    assert_allclose(parse_amount(text, unit), expected, rtol=1e-12)


@pytest.mark.parametrize("text, unit", [
    ("300 MWh", "GBP"), ("3 apples", "kWh"), ("GBP", "GBP"), ("1.2.3", "GBP"), ("12 m3", "litre"),
    ("1e999", "GBP"), ("x" * 100, "GBP"),
])
def test_what_is_not_an_amount_says_what_is_wanted(text, unit):
    with pytest.raises(ValueError) as info:
        parse_amount(text, unit)
    assert "is not" in str(info.value) or "long" in str(info.value) or "large" in str(info.value)


def test_empty_is_none():
    assert parse_amount("  ") is None and parse_share("") is None


@pytest.mark.parametrize("text, value", [
    ("70", 0.70), ("70%", 0.70), ("70 %", 0.70), ("3.5", 0.035), ("3.5%", 0.035),
    ("150%", 1.5), ("0", 0.0), ("0%", 0.0), ("1", 0.01), ("100", 1.0), ("0.7%", 0.007),
    ("12 percent", 0.12),
])
def test_percentages_typed_as_per_cent(text, value):
    r = parse_share(text)
    assert_allclose(r.value, value, rtol=1e-12)
    assert not r.ambiguous


def test_a_bare_number_below_one_is_flagged_with_both_readings():
    # issue 9: an Excel user typing 0.7 means 70%; the field's % sign suggests 0.7%
    r = parse_share("0.7")
    assert r.ambiguous
    assert_allclose(r.value, 0.7, rtol=1e-12)
    assert_allclose(r.alternative, 0.007, rtol=1e-12)
    assert r.shown() == "70%"


@pytest.mark.parametrize("text", ["seventy", "70%%", "70 kWh", "%"])
def test_not_a_percentage(text):
    with pytest.raises(ValueError):
        parse_share(text)


def test_cells_follow_the_same_rule():
    # a percentage-formatted cell holds 0.7 for 70%; a plain cell holds 70 for 70%
    assert share_of_cell(0.7) == 0.7
    assert_allclose(share_of_cell(70.0), 0.7, rtol=1e-12)
    assert share_of_cell(1.0) == 1.0
    assert_allclose(share_of_cell(150.0), 1.5, rtol=1e-12)


def test_format_percent():
    assert format_percent(0.035) == "3.5%" and format_percent(0.7) == "70%"


@pytest.mark.parametrize("text, expected", [("20m", 20e6), ("£20,000,000", 20e6), ("0", 0.0),
                                            ("GBP 1.5bn", 1.5e9), ("2e7", 2e7)])
def test_a_budget_is_an_amount_of_gbp(text, expected):
    # the window's budget field and `appraisal select --budget` both read with this
    assert_allclose(parse_budget(text), expected, rtol=1e-12)
    assert_allclose(parse_budget(text), parse_amount(text, "GBP"), rtol=0)


@pytest.mark.parametrize("text, words", [("", "is empty"), ("-5", "is negative"),
                                         ("lots", "is not an amount of GBP"),
                                         ("40,000 kWh", "is not an amount of GBP")])
def test_what_is_not_a_budget_says_why(text, words):
    with pytest.raises(ValueError, match=words):
        parse_budget(text)
