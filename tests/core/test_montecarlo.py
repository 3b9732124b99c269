"""Monte Carlo: reproducible, ordered percentiles, and unbiased where NPSV is linear.

With symmetric distributions on drivers that NPSV is linear in, the expected
NPSV is the central NPSV (linearity of expectation), so the simulated mean
must converge to it; the tolerance is set from the standard error of the mean.
"""
from __future__ import annotations

import numpy as np
import pytest

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.montecarlo import DISTRIBUTIONS, Distribution, simulate
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir, example_portfolio


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def inputs(pack):
    return parse_portfolio(load_portfolio(example_portfolio()).data, pack)


def test_same_seed_same_figures(inputs, pack):
    a = simulate(inputs, pack, draws=2000, seed=7)
    b = simulate(inputs, pack, draws=2000, seed=7)
    c = simulate(inputs, pack, draws=2000, seed=8)
    assert a == b
    assert a["projects"][0]["npsv_mean_gbp"] != c["projects"][0]["npsv_mean_gbp"]
    assert a["seed"] == 7 and a["draws"] == 2000 and a["assumptions"]["id"] == pack.id


def test_percentiles_are_ordered_and_probability_is_a_probability(inputs, pack):
    out = simulate(inputs, pack, draws=5000, seed=1)
    for p in out["projects"] + [out["portfolio"]]:
        assert p["npsv_p10_gbp"] <= p["npsv_p50_gbp"] <= p["npsv_p90_gbp"]
        assert p["carbon_p10_tco2e"] <= p["carbon_p50_tco2e"] <= p["carbon_p90_tco2e"]
        assert 0.0 <= p["prob_npsv_negative"] <= 1.0
        assert sum(p["npsv_histogram"]["counts"]) == 5000


def test_symmetric_linear_drivers_give_the_central_mean(inputs, pack):
    symmetric = tuple(Distribution(d.driver, "triangular", 0.8, 1.0, 1.2, d.common, "test")
                      for d in DISTRIBUTIONS if d.driver != "optimism_bias")
    draws = 40_000
    out = simulate(inputs, pack, draws=draws, seed=3, distributions=symmetric)
    central = appraise_portfolio(inputs, pack).metrics["npsv_gbp"]
    for i, p in enumerate(out["projects"]):
        # standard error of the mean from the P10-P90 spread (about 2.56 sd for a normal)
        sd = (p["npsv_p90_gbp"] - p["npsv_p10_gbp"]) / 2.56
        assert abs(p["npsv_mean_gbp"] - central[i]) <= 5 * sd / np.sqrt(draws) + 1e-6


def test_common_drivers_make_the_portfolio_riskier_than_independent_draws(inputs, pack):
    common = simulate(inputs, pack, draws=20_000, seed=5)
    independent = simulate(inputs, pack, draws=20_000, seed=5, distributions=tuple(
        Distribution(d.driver, d.shape, d.low, d.mode, d.high, False, d.reason)
        for d in DISTRIBUTIONS))
    spread = lambda o: o["portfolio"]["npsv_p90_gbp"] - o["portfolio"]["npsv_p10_gbp"]
    assert spread(common) > spread(independent)


def test_bad_draws_are_refused(inputs, pack):
    with pytest.raises(ValueError):
        simulate(inputs, pack, draws=0, seed=1)
