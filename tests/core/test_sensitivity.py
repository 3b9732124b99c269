"""Sensitivity analysis: the component model is exact, switching values zero NPSV.

Expected figures come from the appraisal itself run on changed inputs: a
switching value is right when the project appraised with the driver at that
value has an NPSV of zero (Green Book 2022, Annex A: the change at which the
NPSV falls to zero).
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.sensitivity import DRIVERS, Components, sensitivity
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir, example_portfolio


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def doc():
    return load_portfolio(example_portfolio()).data


@pytest.fixture(scope="module")
def out(doc, pack):
    return sensitivity(parse_portfolio(doc, pack), pack)


def _scaled(doc: dict, field: str, factor: float) -> dict:
    d = copy.deepcopy(doc)
    for p in d["projects"]:
        if field == "capex":
            p["capex"] = {y: v * factor for y, v in p.get("capex", {}).items()}
            if p.get("public_funding"):
                p["public_funding"] = {y: v * factor for y, v in p["public_funding"].items()}
        elif field == "opex":
            p["opex_per_year"] = (p.get("opex_per_year") or 0) * factor
        elif field == "energy_quantities":
            for e in p.get("energy_changes") or []:
                e["quantity_per_year"] *= factor
        elif field == "other_benefits":
            for s in p.get("other_benefits") or []:
                if s.get("kind", "economic") == "economic":
                    if s.get("per_year") is not None:
                        s["per_year"] *= factor
                    else:
                        s["profile"] = {y: v * factor for y, v in s["profile"].items()}
    return d


@pytest.mark.parametrize("driver, factor", [("capex", 1.3), ("opex", 0.9),
                                            ("energy_quantities", 0.75), ("other_benefits", 1.1)])
def test_component_model_equals_a_full_appraisal(doc, pack, driver, factor):
    base = appraise_portfolio(parse_portfolio(doc, pack), pack)
    comp = Components.of(base, pack.parameters["job_years_per_permanent_job"])
    model = comp.evaluate(**{driver: factor})
    full = appraise_portfolio(parse_portfolio(_scaled(doc, driver, factor), pack), pack).metrics
    for key in ("npsv_gbp", "carbon_saved_tco2e"):
        assert_allclose(model[key], full[key], rtol=1e-9, atol=1e-6)
    if driver in ("capex", "opex", "energy_quantities"):
        assert_allclose(model["net_additional_jobs_fte"], full["net_additional_jobs_fte"], rtol=1e-9)


@pytest.mark.parametrize("driver", ["capex", "opex", "energy_quantities", "other_benefits"])
def test_switching_value_makes_npsv_zero(doc, pack, out, driver):
    checked = 0
    for i, project in enumerate(out["projects"]):
        row = next(r for r in project["switching_values"] if r["driver"] == driver)
        if not row["reachable"]:
            continue
        one = {**doc, "projects": [doc["projects"][i]]}
        result = appraise_portfolio(parse_portfolio(_scaled(one, driver, row["switching_value"]), pack),
                                    pack).to_dict()["projects"][0]
        assert abs(result["npsv_gbp"]) <= 1e-6 * max(result["pv_costs_gbp"], 1.0), (project["id"], row)
        assert row["switching_change"] == pytest.approx(row["switching_value"] - 1.0)
        checked += 1
    assert checked >= 3, f"too few projects with a reachable {driver} switching value to test"


def test_lifetime_switching_value_is_where_the_sign_changes(doc, pack, out):
    inputs = parse_portfolio(doc, pack)
    base = appraise_portfolio(inputs, pack).metrics["npsv_gbp"]
    checked = 0
    for i, project in enumerate(out["projects"]):
        row = next(r for r in project["switching_values"] if r["driver"] == "lifetime")
        if not row["reachable"]:
            continue
        life0 = inputs.projects[i].lifetime_years
        L = int(row["switching_value"])
        one_step_back = L - 1 if L > life0 else L + 1

        def npsv(years: int) -> float:
            p = dataclasses.replace(inputs.projects[i], lifetime_years=years)
            return float(appraise_portfolio(dataclasses.replace(inputs, projects=(p,)), pack)
                         .metrics["npsv_gbp"][0])
        assert np.sign(npsv(L)) != np.sign(base[i]), project["id"]
        assert np.sign(npsv(one_step_back)) == np.sign(base[i]) or one_step_back == life0
        checked += 1
    assert checked >= 3


def test_drivers_that_do_not_touch_npsv_are_not_reachable(out):
    for project in out["projects"]:
        for row in project["switching_values"]:
            if row["driver"] in ("job_intensity", "additionality"):
                assert row == {**row, "reachable": False, "switching_value": None}


def test_tornado_is_sorted_by_swing_and_has_every_driver(out):
    names = {d.name for d in DRIVERS}
    for project in out["projects"] + [out["portfolio"]]:
        swings = [r["npsv_swing_gbp"] for r in project["tornado"]]
        assert swings == sorted(swings, reverse=True)
        assert {r["driver"] for r in project["tornado"]} == names


def test_carbon_scenarios_bracket_the_central_case(out):
    for project in out["projects"]:
        s = project["scenarios"]
        assert s["carbon_low"]["npsv_gbp"] <= s["carbon_central"]["npsv_gbp"] <= s["carbon_high"]["npsv_gbp"]
        assert s["carbon_central"]["npsv_gbp"] == pytest.approx(project["npsv_gbp"], rel=1e-9, abs=1e-6)


def test_reduced_schedule_scenario_for_long_horizons(pack, doc):
    long = copy.deepcopy(doc)
    long["projects"] = [dict(long["projects"][5], lifetime_years=60)]
    out = sensitivity(parse_portfolio(long, pack), pack)
    scenario = out["projects"][0]["scenarios"]["reduced_discount_schedule"]
    assert "lower-rate" in scenario["why"]
    # a lower rate values the long tail of benefits more
    assert scenario["npsv_gbp"] > out["projects"][0]["npsv_gbp"]


def test_every_driver_documents_its_range(out):
    for d in out["drivers"]:
        assert d["reason"] and d["label"]


def test_ranges_set_by_the_portfolio_and_by_a_project(doc, pack):
    d = copy.deepcopy(doc)
    d["sensitivity"] = {"capex": {"low": 0.8, "high": 1.5}}
    d["projects"][1]["sensitivity"] = {"capex": {"low": 0.95, "high": 1.1}}
    out = sensitivity(parse_portfolio(d, pack), pack)
    rows = [next(r for r in p["tornado"] if r["driver"] == "capex") for p in out["projects"][:2]]
    assert (rows[0]["low"], rows[0]["high"]) == (0.8, 1.5)       # the portfolio's
    assert (rows[1]["low"], rows[1]["high"]) == (0.95, 1.1)      # the project's own
    assert next(x for x in out["drivers"] if x["driver"] == "capex")["set_by"] == "portfolio"
    # and the NPSV at the high is that of capex x 1.5 for the first project
    one = {**doc, "projects": [doc["projects"][0]]}
    full = appraise_portfolio(parse_portfolio(_scaled(one, "capex", 1.5), pack), pack)
    assert rows[0]["npsv_gbp_high"] == pytest.approx(float(full.metrics["npsv_gbp"][0]), rel=1e-9)


@pytest.mark.parametrize("ranges, field", [
    ({"capex": {"low": 1.2, "high": 1.5}}, "sensitivity.capex"),     # does not bracket 1
    ({"rockets": {"low": 0.5, "high": 2}}, "sensitivity.rockets"),
    ({"opex": {"low": 0.9}}, "sensitivity.opex"),
    ({"opex": "wide"}, "sensitivity.opex"),
])
def test_wrong_ranges_are_reported_by_field(doc, pack, ranges, field):
    from appraisal.core import InputError
    d = copy.deepcopy(doc)
    d["projects"][0]["sensitivity"] = ranges
    with pytest.raises(InputError) as exc:
        parse_portfolio(d, pack)
    assert any(p.field == field and p.project == "HP-001" for p in exc.value.problems)
