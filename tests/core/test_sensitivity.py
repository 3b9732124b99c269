"""Sensitivity analysis (method v2): the component model is exact, switching values zero NPSV.

Expected figures come from the appraisal itself run on changed inputs: a
switching value is right when the project appraised with the driver at that
value has an NPSV of zero (Green Book 2022, Annex A: the change at which the
NPSV falls to zero). The portfolio and the pack are made for the tests
(``uncertainty_data``): every v2 term of the present values is non-zero, and
no figure of the example portfolio or of the default pack is asserted.
"""
from __future__ import annotations

import copy
import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.sensitivity import (DRIVER_BY_NAME, DRIVERS, OUTPUTS, Components, appraiser,
                                        carbon_value_part, fuel_values, sensitivity)
from appraisal.resources import default_pack_dir



def _helpers():
    """tests/core/uncertainty_data.py (the tests import in importlib mode: no sys.path)."""
    name = "tests_core_uncertainty_data"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("uncertainty_data.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


scaled, v2_pack, v2_portfolio = _helpers().scaled, _helpers().v2_pack, _helpers().v2_portfolio
SERIES = {"grid_electricity": (0.7, 1.3), "natural_gas": (0.8, 1.25)}
CHECKED = ("npsv_gbp", "bcr", "bcr_public", "pv_costs_gbp", "pv_benefits_gbp",
           "pv_costs_public_gbp", "carbon_saved_tco2e")


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The default pack with every v2 table filled and low/high series for two fuels."""
    return load_pack(v2_pack(tmp_path_factory.mktemp("pack") / "p", energy_series=SERIES))


@pytest.fixture(scope="module")
def doc():
    return v2_portfolio()


@pytest.fixture(scope="module")
def base(doc, pack):
    return appraise_portfolio(parse_portfolio(doc, pack), pack)


@pytest.fixture(scope="module")
def comp(doc, pack, base):
    run = appraiser(parse_portfolio(doc, pack), pack, base)
    return Components.of(base, pack.parameters["job_years_per_permanent_job"],
                         carbon_value_part(run, pack, base))


@pytest.fixture(scope="module")
def out(doc, pack):
    return sensitivity(parse_portfolio(doc, pack), pack).to_dict()


def appraise(doc, pack, **kw):
    return appraise_portfolio(parse_portfolio(doc, pack), pack, **kw).metrics


def test_the_test_data_has_every_v2_term(base):
    m = base.metrics
    for key in ("pv_network_reinforcement_gbp", "pv_comfort_gbp", "pv_air_quality_gbp",
                "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp", "pv_residual_value_gbp",
                "pv_indirect_tax_change_gbp", "ob_delay_years", "benefit_deadweight"):
        assert np.any(m[key] != 0), key
    assert np.any(m["pv_capex_gbp"] < m["capex_gbp"])            # a counterfactual
    assert np.any(m["promoter_public"] > 0)
    assert np.any(m["pv_costs_public_gbp"] < m["pv_costs_gbp"])


def test_components_reproduce_the_appraisal_at_central_values(comp, base):
    model = comp.evaluate()
    for key in CHECKED + ("net_additional_jobs_fte", "pv_indirect_tax_change_gbp"):
        assert_allclose(model[key], base.metrics[key], rtol=1e-12, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("driver, factor", [("capex", 1.3), ("capex", 0.9), ("opex", 0.9),
                                            ("optimism_bias", 1.5), ("energy_quantities", 0.75),
                                            ("other_benefits", 1.1)])
def test_component_model_equals_a_full_appraisal(doc, pack, comp, base, driver, factor):
    model = comp.evaluate(**{driver: factor})
    full = appraise(scaled(doc, driver, factor, base.metrics["optimism_bias"]), pack)
    for key in CHECKED:
        assert_allclose(model[key], full[key], rtol=1e-9, atol=1e-6, err_msg=key)
    if driver in ("capex", "opex", "energy_quantities"):
        assert_allclose(model["net_additional_jobs_fte"], full["net_additional_jobs_fte"], rtol=1e-9)
    if driver == "energy_quantities":      # the Exchequer line moves with the quantities
        assert_allclose(model["pv_indirect_tax_change_gbp"], full["pv_indirect_tax_change_gbp"],
                        rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("driver, factor", [("energy_prices", 1.4), ("carbon_values", 0.6)])
def test_price_and_carbon_value_factors_equal_a_full_appraisal(doc, comp, tmp_path, driver, factor):
    """A factor on every energy price (resource and retail) or every carbon value is
    exact, traded tonnes netted of the traded carbon price included."""
    kw = {"price_scale": factor} if driver == "energy_prices" else {"carbon_scale": factor}
    other = load_pack(v2_pack(tmp_path / "scaled", energy_series=SERIES, **kw))
    full = appraise(doc, other)
    model = comp.evaluate(**{driver: factor})
    for key in ("npsv_gbp", "bcr", "bcr_public"):
        assert_allclose(model[key], full[key], rtol=1e-9, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("driver", ["capex", "opex", "optimism_bias", "energy_quantities",
                                    "other_benefits"])
def test_switching_value_makes_npsv_zero(doc, pack, out, base, driver):
    checked = 0
    for i, project in enumerate(out["projects"]):
        row = next(r for r in project["switching_values"] if r["driver"] == driver)
        if not row["reachable"]:
            continue
        one = {**doc, "projects": [doc["projects"][i]]}
        if driver == "optimism_bias":   # the rate itself: a factor on the central rate
            ob = base.metrics["optimism_bias"][i:i + 1]
            changed = scaled(one, driver, row["switching_value"] / ob[0], ob)
        else:
            changed = scaled(one, driver, row["switching_value"])
            assert row["switching_change"] == pytest.approx(row["switching_value"] - 1.0)
        result = appraise_portfolio(parse_portfolio(changed, pack), pack).to_dict()["projects"][0]
        assert abs(result["npsv_gbp"]) <= 1e-6 * max(result["pv_costs_gbp"], 1.0), (project["id"], row)
        checked += 1
    assert checked >= 3, f"too few projects with a reachable {driver} switching value to test"


@pytest.mark.parametrize("driver", ["energy_prices", "carbon_values"])
def test_price_and_carbon_switching_values_make_npsv_zero(doc, out, tmp_path, driver):
    rows = [(i, next(r for r in p["switching_values"] if r["driver"] == driver))
            for i, p in enumerate(out["projects"])]
    reachable = [(i, r) for i, r in rows if r["reachable"]]
    assert len(reachable) >= 2
    i, row = reachable[0]
    kw = ({"price_scale": row["switching_value"]} if driver == "energy_prices"
          else {"carbon_scale": row["switching_value"]})
    other = load_pack(v2_pack(tmp_path / "at-switch", energy_series=SERIES, **kw))
    one = {**doc, "projects": [doc["projects"][i]]}
    result = appraise_portfolio(parse_portfolio(one, other), other).to_dict()["projects"][0]
    assert abs(result["npsv_gbp"]) <= 1e-6 * max(result["pv_costs_gbp"], 1.0), row


def test_lifetime_switching_value_is_where_the_sign_changes(doc, pack, out, base):
    inputs = parse_portfolio(doc, pack)
    npsv0 = base.metrics["npsv_gbp"]
    checked = 0
    for i, project in enumerate(out["projects"]):
        row = next(r for r in project["switching_values"] if r["driver"] == "lifetime")
        if not row["reachable"]:
            continue
        life0 = inputs.projects[i].lifetime_years
        L = int(row["switching_value"])
        one_step_back = L - 1 if L > life0 else L + 1

        def npsv(years: int, i: int = i) -> float:
            p = dataclasses.replace(inputs.projects[i], lifetime_years=years)
            return float(appraise_portfolio(dataclasses.replace(inputs, projects=(p,)), pack)
                         .metrics["npsv_gbp"][0])
        assert np.sign(npsv(L)) != np.sign(npsv0[i]), project["id"]
        assert np.sign(npsv(one_step_back)) == np.sign(npsv0[i]) or one_step_back == life0
        checked += 1
    assert checked >= 3


def _tornado(out, driver):
    return [next(r for r in p["tornado"] if r["driver"] == driver) for p in out["projects"]]


def test_energy_driver_is_the_low_and_high_series_appraised_in_full(doc, pack, out):
    rows = _tornado(out, "energy_prices")
    for side in ("low", "high"):
        full = appraise(doc, pack, energy_series=side)
        for key in ("npsv_gbp", "bcr", "bcr_public"):
            assert_allclose([r[f"{key}_{side}"] for r in rows], full[key], rtol=1e-9, atol=1e-6)
        assert all(r[side] == f"{side} series" for r in rows)
    by_id = {p["id"]: r for p, r in zip(out["projects"], rows)}
    # the fuels with series move; a project using only fuels without them does not
    assert by_id["ELEC-8"]["npsv_gbp_low"] < by_id["ELEC-8"]["npsv_gbp_high"]
    assert by_id["GAS-7"]["npsv_gbp_low"] < by_id["GAS-7"]["npsv_gbp_high"]
    assert by_id["PARK-6"]["npsv_swing_gbp"] == 0.0
    assert out["energy_fuels_with_series"] == ["grid_electricity", "natural_gas"]
    scenarios = out["projects"][0]["scenarios"]
    assert scenarios["energy_low"]["npsv_gbp"] == pytest.approx(rows[0]["npsv_gbp_low"])
    assert scenarios["energy_central"]["npsv_gbp"] == pytest.approx(out["projects"][0]["npsv_gbp"])


def test_a_fuel_without_low_and_high_rows_does_not_move(tmp_path):
    only_gas = load_pack(v2_pack(tmp_path / "gas", energy_series={"natural_gas": (0.5, 2.0)}))
    out = sensitivity(parse_portfolio(v2_portfolio("GAS-7", "ELEC-8", "CYC-4"), only_gas), only_gas).to_dict()
    swing = {p["id"]: r["npsv_swing_gbp"] for p, r in zip(out["projects"], _tornado(out, "energy_prices"))}
    assert swing["GAS-7"] > 0 and swing["ELEC-8"] == 0.0 and swing["CYC-4"] == 0.0
    assert "swing is zero" in DRIVER_BY_NAME["energy_prices"].reason


def test_the_default_pack_without_energy_series_gives_no_energy_swing():
    default = load_pack(default_pack_dir())
    out = sensitivity(parse_portfolio(v2_portfolio(), default), default).to_dict()
    assert all(r["npsv_swing_gbp"] == 0.0 for r in _tornado(out, "energy_prices"))
    assert out["energy_fuels_with_series"] == []
    assert "diesel" in out["energy_fuels_without_series"]
    assert not any("energy_low" in p["scenarios"] for p in out["projects"])


def test_an_energy_price_range_in_the_file_replaces_the_series(doc, pack, comp, tmp_path):
    d = copy.deepcopy(doc)
    d["sensitivity"] = {"energy_prices": {"low": 0.8, "high": 1.2}}
    out = sensitivity(parse_portfolio(d, pack), pack).to_dict()
    rows = _tornado(out, "energy_prices")
    assert all((r["low"], r["high"]) == (0.8, 1.2) for r in rows)
    entry = next(x for x in out["drivers"] if x["driver"] == "energy_prices")
    assert entry["kind"] == "factor" and entry["set_by"] == "portfolio"
    full = appraise(doc, load_pack(v2_pack(tmp_path / "x08", energy_series=SERIES, price_scale=0.8)))
    assert_allclose([r["npsv_gbp_low"] for r in rows], full["npsv_gbp"], rtol=1e-9, atol=1e-6)


def test_carbon_driver_is_the_low_and_high_series_appraised_in_full(doc, pack, out, comp):
    rows = _tornado(out, "carbon_values")
    for side in ("low", "high"):
        full = appraise(doc, pack, carbon_series=side)
        for key in ("npsv_gbp", "bcr_public"):
            assert_allclose([r[f"{key}_{side}"] for r in rows], full[key], rtol=1e-9, atol=1e-6)


def test_carbon_scenarios_bracket_the_central_case(out, comp):
    for i, project in enumerate(out["projects"]):
        s = project["scenarios"]
        low, central, high = (s[f"carbon_{k}"]["npsv_gbp"] for k in ("low", "central", "high"))
        assert central == pytest.approx(project["npsv_gbp"], rel=1e-9, abs=1e-6)
        # a higher carbon value raises NPSV when the tonnes saved are worth more than
        # the embodied carbon, and lowers it when not (a park: embodied carbon only)
        if comp.pv_carbon_at_cv[i] > comp.pv_embodied[i]:
            assert low <= central <= high, project["id"]
        else:
            assert low >= central >= high, project["id"]
    park = next(p for p in out["projects"] if p["id"] == "PARK-6")["scenarios"]
    assert park["carbon_low"]["npsv_gbp"] > park["carbon_high"]["npsv_gbp"]


def test_drivers_that_do_not_touch_npsv_are_not_reachable(out):
    for project in out["projects"]:
        for row in project["switching_values"]:
            if row["driver"] in ("job_intensity", "additionality"):
                assert row == {**row, "reachable": False, "switching_value": None}


def test_tornado_is_sorted_by_swing_and_has_every_driver_and_output(out):
    names = {d.name for d in DRIVERS}
    for project in out["projects"] + [out["portfolio"]]:
        swings = [r["npsv_swing_gbp"] for r in project["tornado"]]
        assert swings == sorted(swings, reverse=True)
        assert {r["driver"] for r in project["tornado"]} == names
        for r in project["tornado"]:
            assert {f"{k}_{s}" for k in OUTPUTS for s in ("low", "high")} <= r.keys()


def test_funder_bcr_is_reported(out, base):
    assert_allclose([p["bcr_public"] for p in out["projects"]], base.metrics["bcr_public"], rtol=1e-12)
    t = base.totals()
    assert out["portfolio"]["bcr_public"] == pytest.approx(t["bcr_public"], rel=1e-12)
    assert out["portfolio"]["npsv_gbp"] == pytest.approx(t["npsv_gbp"], rel=1e-12)
    # the portfolio's funder BCR at a driver's low is a ratio of totals
    row = next(r for r in out["portfolio"]["tornado"] if r["driver"] == "capex")
    assert row["bcr_public_low"] is not None and row["bcr_public_low"] > row["bcr_public_high"]


def test_reduced_schedule_scenario_for_long_horizons(pack, doc):
    long = {**doc, "projects": [dict(doc["projects"][5], lifetime_years=60)]}
    out = sensitivity(parse_portfolio(long, pack), pack).to_dict()
    scenario = out["projects"][0]["scenarios"]["reduced_discount_schedule"]
    assert "lower-rate" in scenario["why"]
    # a lower rate values the long tail of benefits more
    assert scenario["npsv_gbp"] > out["projects"][0]["npsv_gbp"]


def test_the_horizon_counts_the_delay_of_duration_optimism_bias(pack, doc):
    from appraisal.core.sensitivity import _horizons
    inputs = parse_portfolio(doc, pack)
    results = appraise_portfolio(inputs, pack)
    i = int(np.argmax(results.metrics["ob_delay_years"]))
    delay = results.metrics["ob_delay_years"][i]
    assert delay > 0
    p = inputs.projects[i]
    assert _horizons(results, inputs)[i] == max(p.capex) + 1 + delay + p.lifetime_years - 1 \
        - inputs.appraisal_year + 1


def test_every_driver_documents_its_range_and_what_it_moves(out):
    for d in out["drivers"]:
        assert d["reason"] and d["label"]
    assert "embodied carbon" in DRIVER_BY_NAME["capex"].reason
    assert "Exchequer" in DRIVER_BY_NAME["energy_quantities"].reason


def test_ranges_set_by_the_portfolio_and_by_a_project(doc, pack):
    d = copy.deepcopy(doc)
    d["sensitivity"] = {"capex": {"low": 0.8, "high": 1.5}}
    d["projects"][1]["sensitivity"] = {"capex": {"low": 0.95, "high": 1.1}}
    out = sensitivity(parse_portfolio(d, pack), pack).to_dict()
    rows = [next(r for r in p["tornado"] if r["driver"] == "capex") for p in out["projects"][:2]]
    assert (rows[0]["low"], rows[0]["high"]) == (0.8, 1.5)       # the portfolio's
    assert (rows[1]["low"], rows[1]["high"]) == (0.95, 1.1)      # the project's own
    assert next(x for x in out["drivers"] if x["driver"] == "capex")["set_by"] == "portfolio"
    # and the NPSV at the high is that of capex x 1.5 for the first project
    one = {**doc, "projects": [doc["projects"][0]]}
    full = appraise(scaled(one, "capex", 1.5), pack)
    assert rows[0]["npsv_gbp_high"] == pytest.approx(float(full["npsv_gbp"][0]), rel=1e-9)


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
    assert any(p.field == field and p.project == "HP-1" for p in exc.value.problems)


def test_fuel_values_add_up_to_each_project_energy_value(doc, pack, base):
    inputs = parse_portfolio(doc, pack)
    run = appraiser(inputs, pack, base)
    fuels = ["diesel", "grid_electricity", "heating_oil", "natural_gas", "petrol"]
    fv = fuel_values(inputs, pack, run, fuels)
    for s in ("low", "central", "high"):
        m = appraise(doc, pack, energy_series=s)
        assert_allclose(fv.values[s].sum(1), m["pv_energy_benefit_gbp"] + m["pv_comfort_gbp"],
                        rtol=1e-9, atol=1e-6)
    j = fuels.index("diesel")      # no diesel series: the same in every series
    assert_allclose(fv.values["low"][:, j], fv.values["high"][:, j])
