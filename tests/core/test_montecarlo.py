"""Monte Carlo (method v2): reproducible, ordered percentiles, unbiased where NPSV is
linear, and each fuel's price drawn from its own series.

With symmetric distributions on drivers that NPSV is linear in, the expected
NPSV is the central NPSV (linearity of expectation), so the simulated mean
must converge to it; the tolerance is set from the standard error of the mean.
Carbon values and energy prices are drawn as a position between the pack's
low (-1), central (0) and high (+1) series, triangular in that position, so
the expected NPSV is also known exactly when the series are not symmetric:
``central + (NPSV(low) + NPSV(high) - 2 central) / 6`` per driver. The
portfolio and the packs are made for the tests (``uncertainty_data``).
"""
from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.montecarlo import DISTRIBUTIONS, Distribution, simulate
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


v2_pack, v2_portfolio = _helpers().v2_pack, _helpers().v2_portfolio
SYMMETRIC_SERIES = {"grid_electricity": (0.8, 1.2), "natural_gas": (0.75, 1.25)}
SKEWED_SERIES = {"grid_electricity": (0.9, 1.5), "natural_gas": (0.6, 1.1)}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(v2_pack(tmp_path_factory.mktemp("sym") / "p", energy_series=SYMMETRIC_SERIES))


@pytest.fixture(scope="module")
def skewed(tmp_path_factory):
    return load_pack(v2_pack(tmp_path_factory.mktemp("skew") / "p", energy_series=SKEWED_SERIES))


@pytest.fixture(scope="module")
def inputs(pack):
    return parse_portfolio(v2_portfolio(), pack)


def symmetric(kind_of_series: str = "series") -> tuple[Distribution, ...]:
    """Every factor driver triangular and symmetric; the series drivers as given."""
    out = []
    for d in DISTRIBUTIONS:
        if d.kind == "series" and kind_of_series == "series":
            out.append(d)
        else:
            out.append(Distribution(d.driver, "triangular", 0.8, 1.0, 1.2, d.common, "test"))
    return tuple(out)


def only(driver: str, **changes) -> tuple[Distribution, ...]:
    """Every distribution held at its mode but ``driver``'s."""
    return tuple(dataclasses.replace(d, **changes) if d.driver == driver
                 else dataclasses.replace(d, low=d.mode, high=d.mode) for d in DISTRIBUTIONS)


def spread(summary: dict) -> float:
    return summary["npsv_p90_gbp"] - summary["npsv_p10_gbp"]


def test_same_seed_same_figures(inputs, pack):
    a = simulate(inputs, pack, draws=2000, seed=7).to_dict()
    b = simulate(inputs, pack, draws=2000, seed=7).to_dict()
    c = simulate(inputs, pack, draws=2000, seed=8).to_dict()
    assert a == b
    assert a["projects"][0]["npsv_mean_gbp"] != c["projects"][0]["npsv_mean_gbp"]
    assert a["seed"] == 7 and a["draws"] == 2000 and a["assumptions"]["id"] == pack.id


def test_percentiles_are_ordered_and_probability_is_a_probability(inputs, pack):
    out = simulate(inputs, pack, draws=5000, seed=1).to_dict()
    for p in out["projects"] + [out["portfolio"]]:
        for prefix, unit in (("npsv", "_gbp"), ("carbon", "_tco2e"), ("bcr", ""),
                             ("bcr_public", "")):
            assert p[f"{prefix}_p10{unit}"] <= p[f"{prefix}_p50{unit}"] <= p[f"{prefix}_p90{unit}"]
        assert 0.0 <= p["prob_npsv_negative"] <= 1.0
        assert sum(p["npsv_histogram"]["counts"]) == 5000


@pytest.mark.parametrize("kind", ["series", "factor"])
def test_symmetric_linear_drivers_give_the_central_mean(inputs, pack, kind):
    """Series drivers between symmetric low and high series (energy +/-20% and
    +/-25%, carbon values half and one and a half times central), or every
    driver a symmetric factor: the mean is the central NPSV."""
    draws = 40_000
    out = simulate(inputs, pack, draws=draws, seed=3, distributions=symmetric(kind)).to_dict()
    central = appraise_portfolio(inputs, pack).metrics["npsv_gbp"]
    for i, p in enumerate(out["projects"]):
        # standard error of the mean from the P10-P90 spread (about 2.56 sd for a normal)
        sd = spread(p) / 2.56
        assert abs(p["npsv_mean_gbp"] - central[i]) <= 5 * sd / np.sqrt(draws) + 1e-6, p["id"]
        assert p["npsv_central_gbp"] == pytest.approx(central[i])


def test_skewed_series_give_the_mean_of_the_two_piece_triangle(skewed):
    inputs = parse_portfolio(v2_portfolio(), skewed)
    draws = 40_000
    out = simulate(inputs, skewed, draws=draws, seed=11, distributions=symmetric("series")).to_dict()
    run = {(c, e): appraise_portfolio(inputs, skewed, carbon_series=c, energy_series=e)
           .metrics["npsv_gbp"] for c, e in (("central", "central"), ("low", "central"),
                                             ("high", "central"), ("central", "low"),
                                             ("central", "high"))}
    c = run["central", "central"]
    expected = (c + (run["low", "central"] + run["high", "central"] - 2 * c) / 6
                + (run["central", "low"] + run["central", "high"] - 2 * c) / 6)
    moved = 0
    for i, p in enumerate(out["projects"]):
        sd = spread(p) / 2.56
        assert abs(p["npsv_mean_gbp"] - expected[i]) <= 5 * sd / np.sqrt(draws) + 1e-6, p["id"]
        moved += abs(expected[i] - c[i]) > 5 * sd / np.sqrt(draws)
    assert moved >= 2     # the skew is visible, not lost in the noise


def test_each_fuel_is_drawn_from_its_own_series(tmp_path):
    """Only electricity has low and high rows: a gas-only project does not move,
    an electricity-only one moves within its low and high series."""
    elec = load_pack(v2_pack(tmp_path / "elec", energy_series={"grid_electricity": (0.7, 1.4)}))
    inputs = parse_portfolio(v2_portfolio("GAS-7", "ELEC-8"), elec)
    out = simulate(inputs, elec, draws=20_000, seed=2, distributions=only("energy_prices")).to_dict()
    gas, power = out["projects"]
    central = appraise_portfolio(inputs, elec).metrics["npsv_gbp"]
    assert gas["npsv_p10_gbp"] == pytest.approx(central[0]) == gas["npsv_p90_gbp"]
    low, high = (appraise_portfolio(inputs, elec, energy_series=s).metrics["npsv_gbp"][1]
                 for s in ("low", "high"))
    assert low < power["npsv_p10_gbp"] < power["npsv_p50_gbp"] < power["npsv_p90_gbp"] < high
    counts, edges = power["npsv_histogram"]["counts"], power["npsv_histogram"]["edges_gbp"]
    assert edges[0] == pytest.approx(low, rel=0.02) and edges[-1] == pytest.approx(high, rel=0.02)
    assert sum(counts) == 20_000
    mc = next(d for d in out["distributions"] if d["driver"] == "energy_prices")
    assert mc["fuels_drawn"] == ["grid_electricity"] and mc["kind"] == "series"
    assert out["energy_fuels_without_series"] == ["natural_gas"]
    assert "natural_gas" in out["note"]


def test_a_fuel_price_is_common_to_every_project_in_a_draw(pack):
    doc = v2_portfolio("ELEC-8")
    doc["projects"].append({**doc["projects"][0], "id": "ELEC-8b"})
    inputs = parse_portfolio(doc, pack)
    out = simulate(inputs, pack, draws=5_000, seed=4, distributions=only("energy_prices")).to_dict()
    assert spread(out["portfolio"]) == pytest.approx(2 * spread(out["projects"][0]), rel=1e-9)


def test_fuels_are_drawn_apart_unless_correlated(pack):
    """Gas and electricity savings both gain from high prices: drawn together
    (correlation 1) the portfolio is riskier than drawn apart (0)."""
    inputs = parse_portfolio(v2_portfolio("GAS-7", "ELEC-8"), pack)
    apart = simulate(inputs, pack, draws=20_000, seed=6, distributions=only("energy_prices")).to_dict()
    together = simulate(inputs, pack, draws=20_000, seed=6,
                        distributions=only("energy_prices", correlation=1.0)).to_dict()
    for a, b in zip(apart["projects"], together["projects"]):   # the same margins
        assert spread(a) == pytest.approx(spread(b), rel=0.05)
    assert spread(together["portfolio"]) > 1.1 * spread(apart["portfolio"])


def test_the_default_pack_without_energy_series_holds_prices_central():
    default = load_pack(default_pack_dir())
    inputs = parse_portfolio(v2_portfolio("GAS-7", "ELEC-8"), default)
    out = simulate(inputs, default, draws=2_000, seed=1, distributions=only("energy_prices")).to_dict()
    central = appraise_portfolio(inputs, default).metrics["npsv_gbp"]
    for p, c in zip(out["projects"], central):
        assert p["npsv_p10_gbp"] == pytest.approx(c) == p["npsv_p90_gbp"]
    assert out["energy_fuels_without_series"] == ["grid_electricity", "natural_gas"]


def test_carbon_values_move_embodied_carbon_too(pack):
    """A park saves no carbon but has embodied carbon: higher carbon values lower
    its NPSV, within its low and high carbon series."""
    inputs = parse_portfolio(v2_portfolio("PARK-6"), pack)
    out = simulate(inputs, pack, draws=5_000, seed=9, distributions=only("carbon_values")).to_dict()
    low, high = (appraise_portfolio(inputs, pack, carbon_series=s).metrics["npsv_gbp"][0]
                 for s in ("low", "high"))
    p = out["projects"][0]
    assert high < p["npsv_p10_gbp"] < p["npsv_p90_gbp"] < low


def test_common_drivers_make_the_portfolio_riskier_than_independent_draws(inputs, pack):
    common = simulate(inputs, pack, draws=20_000, seed=5).to_dict()
    independent = simulate(inputs, pack, draws=20_000, seed=5, distributions=tuple(
        dataclasses.replace(d, common=False) for d in DISTRIBUTIONS)).to_dict()
    assert spread(common["portfolio"]) > spread(independent["portfolio"])


def test_bad_draws_and_distributions_are_refused(inputs, pack):
    with pytest.raises(ValueError):
        simulate(inputs, pack, draws=0, seed=1).to_dict()
    with pytest.raises(ValueError):
        simulate(inputs, pack, draws=10, seed=1, distributions=(
            Distribution("capex", "triangular", -1, 0, 1, False, "x", kind="series"),)).to_dict()
    with pytest.raises(ValueError):
        simulate(inputs, pack, draws=10, seed=1, distributions=only("energy_prices",
                                                                     correlation=1.5)).to_dict()
