"""Validation of portfolio documents by parse_portfolio (FORMAT.md section 1).

Every fault must come back as a Problem that names the project (its id) and
the field, so that the command line and the GUI can point at it; several
faults are reported together.
"""
from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose

from appraisal.core import InputError, Problem, parse_portfolio
from appraisal.core.portfolio import Portfolio


def problems_of(data, pack, file=None) -> list[Problem]:
    with pytest.raises(InputError) as info:
        parse_portfolio(data, pack, file=file)
    assert info.value.problems
    return info.value.problems


def where(problems: list[Problem]) -> set[tuple[str | None, str | None]]:
    return {(p.project, p.field) for p in problems}


# Each case: fields laid over a valid project with id "HP-1", and the field
# the problem must name.
FAULTS = {
    "wrong type, text for a number": ({"opex_per_year": "20000"}, "opex_per_year"),
    "wrong type, text for a year map": ({"capex": "1.2m"}, "capex"),
    "wrong type, object for a list": ({"energy_changes": {"fuel": "natural_gas"}}, "energy_changes"),
    "wrong type, number for a flag": ({"readiness": {"site_secured": 1}}, "readiness.site_secured"),
    "share above 1": ({"public_funding_share": 1.2}, "public_funding_share"),
    "negative share": ({"public_funding_share": -0.1}, "public_funding_share"),
    "negative capex": ({"capex": {"2022": -5}}, "capex.2022"),
    "negative opex": ({"opex_per_year": -1}, "opex_per_year"),
    "lifetime too long": ({"lifetime_years": 301}, "lifetime_years"),
    "lifetime not whole": ({"lifetime_years": 12.5}, "lifetime_years"),
    "lifetime missing": ({"lifetime_years": None}, "lifetime_years"),
    "unknown category": ({"category": "nuclear"}, "category"),
    "unknown spatial level": ({"spatial_level": "galactic"}, "spatial_level"),
    "unknown fuel": ({"energy_changes": [{"fuel": "coal", "quantity_per_year": -1}]},
                     "energy_changes[0].fuel"),
    "missing quantity": ({"energy_changes": [{"fuel": "diesel"}]},
                         "energy_changes[0].quantity_per_year"),
    "price year well before the deflator table": ({"price_year": 1980}, "price_year"),
    "price year before the deflator table": ({"price_year": 1985}, "price_year"),
    "NaN": ({"opex_per_year": float("nan")}, "opex_per_year"),
    "NaN in a year map": ({"capex": {"2022": float("nan")}}, "capex.2022"),
    "infinity": ({"operational_fte": float("inf")}, "operational_fte"),
    "bool for a number": ({"opex_per_year": True}, "opex_per_year"),
    "bool for a whole number": ({"lifetime_years": False}, "lifetime_years"),
    "bool in a year map": ({"capex": {"2022": True}}, "capex.2022"),
    "year key not a year": ({"capex": {"FY22": 1000}}, "capex.FY22"),
    "year key with decimals": ({"capex": {"2022.0": 1000}}, "capex.2022.0"),
    "year key out of range": ({"capex": {"1066": 1000}}, "capex.1066"),
    "unknown benefit kind": ({"other_benefits": [{"label": "x", "kind": "gift", "per_year": 1}]},
                             "other_benefits[0].kind"),
    "benefit with per_year and profile": (
        {"other_benefits": [{"label": "x", "per_year": 1, "profile": {"2022": 1}}]},
        "other_benefits[0]"),
    "additionality factor above 1": ({"additionality": {"leakage": 1.5}}, "additionality.leakage"),
    "multiplier below 1": ({"additionality": {"multiplier": 0.9}}, "additionality.multiplier"),
    "ob mitigation above 1": ({"ob_mitigation": 1.1}, "ob_mitigation"),
    "unknown ob project type": ({"ob_project_type": "pyramids"}, "ob_project_type"),
    "ob shares not adding to 1": ({"ob_project_type": {"standard_buildings": 0.5}}, "ob_project_type"),
    "months to start negative": ({"readiness": {"months_to_start": -1}}, "readiness.months_to_start"),
}


@pytest.mark.parametrize("fields, field", list(FAULTS.values()), ids=list(FAULTS))
def test_each_fault_names_project_and_field(pack, make_project, make_portfolio, fields, field):
    data = make_portfolio(make_project(id="HP-1", **fields))
    problems = problems_of(data, pack, file="pipeline.json")
    assert ("HP-1", field) in where(problems), problems
    hit = next(p for p in problems if (p.project, p.field) == ("HP-1", field))
    assert hit.file == "pipeline.json"
    assert hit.message
    # str() of the problem is what the command line prints: it names all three
    assert "pipeline.json" in str(hit) and "HP-1" in str(hit) and field in str(hit)


def test_nan_message_says_what_is_wrong(pack, make_project, make_portfolio):
    problems = problems_of(make_portfolio(make_project(opex_per_year=math.nan)), pack)
    assert "finite" in problems[0].message


def test_bool_message_says_what_is_wrong(pack, make_project, make_portfolio):
    # JSON true is a Python bool, which is also an int: it must not pass as 1
    problems = problems_of(make_portfolio(make_project(opex_per_year=True)), pack)
    assert "number" in problems[0].message


def test_duplicate_ids(pack, make_project, make_portfolio):
    data = make_portfolio(make_project(id="EV-7"), make_project(id="EV-8"), make_project(id="EV-7"))
    problems = problems_of(data, pack)
    assert where(problems) == {("EV-7", "id")}
    assert "#1" in problems[0].message  # says which project it repeats


def test_project_without_an_id_is_named_by_position(pack, make_project, make_portfolio):
    bad = make_project(category="nuclear")
    del bad["id"]
    problems = problems_of(make_portfolio(make_project(id="A"), bad), pack)
    assert ("#2", "id") in where(problems)
    assert ("#2", "category") in where(problems)


def test_several_problems_at_once(pack, make_project, make_portfolio):
    data = make_portfolio(
        make_project(id="A", public_funding_share=1.5, capex={"2022": -1}),
        make_project(id="B", category="nuclear", opex_per_year=float("nan")),
        make_project(id="C"),
        make_project(id="D", lifetime_years=400,
                     energy_changes=[{"fuel": "coal", "quantity_per_year": 1}]),
    )
    assert where(problems_of(data, pack)) == {
        ("A", "public_funding_share"), ("A", "capex.2022"),
        ("B", "category"), ("B", "opex_per_year"),
        ("D", "lifetime_years"), ("D", "energy_changes[0].fuel"),
    }


@pytest.mark.parametrize("fields, field", [
    ({"appraisal_year": "2021"}, "appraisal_year"),
    ({"appraisal_year": None}, "appraisal_year"),
    ({"price_base_year": 1931}, "price_base_year"),
    ({"discount_schedule": "generous"}, "discount_schedule"),
    ({"carbon_series": "medium"}, "carbon_series"),
    ({"financial_discount_rate": 3.5}, "financial_discount_rate"),
    ({"projects": {"HP-1": {}}}, "projects"),
    ({"format": "something-else"}, "format"),
])
def test_portfolio_level_faults(pack, make_project, make_portfolio, fields, field):
    problems = problems_of(make_portfolio(make_project(), **fields), pack)
    assert (None, field) in where(problems), problems


def test_not_an_object(pack):
    problems = problems_of([1, 2], pack, file="x.json")
    assert problems[0].file == "x.json"


def test_a_valid_project_is_typed(pack, make_project, make_portfolio):
    data = make_portfolio(make_project(
        id="HP-001", capex={"2021": 1_200_000, "2022": 800_000}, public_funding_share=0.6,
        opex_per_year=20_000, operating_start=2023, lifetime_years=20, price_year=2022,
        energy_changes=[{"fuel": "natural_gas", "quantity_per_year": -1_333_333}],
        other_benefits=[{"label": "Avoided boilers", "kind": "economic", "per_year": 15_000}],
        readiness={"planning_consent": True, "months_to_start": 6}))
    inputs = parse_portfolio(data, pack)
    p = inputs.projects[0]
    assert p.capex == {2021: 1_200_000.0, 2022: 800_000.0}
    assert_allclose(p.public_funding_share, 0.6, rtol=0, atol=0)
    assert p.lifetime_years == 20 and p.operating_start == 2023 and p.price_year == 2022
    assert p.energy_changes == (("natural_gas", -1_333_333.0),)
    assert p.other_benefits[0].kind == "economic"
    assert p.readiness.planning_consent and not p.readiness.site_secured
    # portfolio defaults (METHOD.md, notation)
    assert inputs.discount_schedule == "standard" and inputs.carbon_series == "central"
    assert_allclose(inputs.financial_discount_rate, 0.035, rtol=0, atol=0)
    assert inputs.price_base_year is None


def test_unknown_fields_are_kept_in_the_document(pack, make_project, make_portfolio):
    # FORMAT.md 1: unknown fields are kept on load and written back on save
    data = make_portfolio(make_project(custom_note="keep me"), custom_top="also")
    doc = Portfolio(data)
    parse_portfolio(doc.data, pack)
    assert doc.data["custom_top"] == "also"
    assert doc.projects[0]["custom_note"] == "keep me"
    assert doc.copy().data == doc.data


def test_parse_does_not_change_the_document(pack, make_project, make_portfolio):
    data = make_portfolio(make_project(capex={"2022": 5}))
    before = repr(data)
    parse_portfolio(data, pack)
    assert repr(data) == before


def test_int_year_key_is_read_or_reported(pack, make_project, make_portfolio):
    data = make_portfolio(make_project(id="HP-1", capex={2022: 5}))
    try:
        inputs = parse_portfolio(data, pack)
    except InputError as exc:
        assert ("HP-1", "capex.2022") in where(exc.problems)
    else:
        assert inputs.projects[0].capex == {2022: 5.0}


def test_a_misspelt_field_is_kept_but_named_in_the_warnings(pack):
    # FORMAT.md 1 keeps unknown fields; one that looks like a known field is
    # most likely a typo that leaves the default in force, so the results say so
    from appraisal.core import appraise_portfolio, parse_portfolio
    doc = {"appraisal_year": 2021, "projects": [
        {"id": "A", "category": "heat_pumps", "lifetime_years": 10, "capex": {"2021": 1e6},
         "optimism_bais": 0.05, "promoter_reference": "X-17"}]}
    out = appraise_portfolio(parse_portfolio(doc, pack), pack).to_dict()["projects"][0]
    typo = [w for w in out["warnings"] if "optimism_bais" in w]
    assert typo and "did you mean 'optimism_bias'" in typo[0]
    assert not any("promoter_reference" in w for w in out["warnings"])   # not close to any field
