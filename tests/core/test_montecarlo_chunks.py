"""Monte Carlo in chunks: the figures do not depend on how many draws are
evaluated at a time, and the streamed summary (no project's draws kept, for
draws x projects over EXACT_MAX_VALUES) agrees with the one from every draw:
exactly for the means, the risk of a negative NPSV, the histograms and the
portfolio; within one bin of QUANTILE_BINS for the projects' percentiles
(docs/uncertainty.md, "Memory")."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from appraisal.cli import _positive_int
from appraisal.core import parse_portfolio
from appraisal.core.montecarlo import (
    MAX_DRAWS,
    OUTPUTS,
    PERCENTILES,
    QUANTILE_BINS,
    RNG_BLOCK,
    SimulationCancelled,
    _binned_percentile,
    _histogram_counts,
    _Moments,
    _outer_edges,
    simulate,
)
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import example_portfolio

DRAWS = RNG_BLOCK + 500        # over one block of the seed's draws


@pytest.fixture(scope="module")
def inputs(default_pack):
    """The example, and a project without costs, whose BCR no draw defines."""
    data = load_portfolio(example_portfolio()).data
    free = copy.deepcopy(data["projects"][0])
    free.update(id="NO-COST", capex={}, opex_per_year=0, counterfactual_capex=None,
                public_funding_share=0, energy_changes=[])
    data["projects"] = data["projects"] + [free]
    return parse_portfolio(data, default_pack)


def close(a, b, rel=1e-12, path=""):
    """Two summaries' JSON equal, numbers within ``rel`` relative."""
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            close(a[k], b[k], rel, f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b)):
            close(x, y, rel, f"{path}[{k}]")
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize("exact_max_values", [10**9, 0], ids=["all draws kept", "streamed"])
def test_chunk_of_7_gives_the_figures_of_one_chunk(inputs, default_pack, exact_max_values):
    one = simulate(inputs, default_pack, draws=DRAWS, seed=3, chunk=DRAWS,
                   exact_max_values=exact_max_values)
    sevens = simulate(inputs, default_pack, draws=DRAWS, seed=3, chunk=7,
                      exact_max_values=exact_max_values)
    close(sevens.to_dict(), one.to_dict())
    assert sevens.percentiles == ("exact" if exact_max_values else sevens.percentiles)


def test_streamed_summary_agrees_with_the_one_from_every_draw(inputs, default_pack):
    exact = simulate(inputs, default_pack, draws=DRAWS, seed=4)
    streamed = simulate(inputs, default_pack, draws=DRAWS, seed=4, exact_max_values=0)
    assert exact.percentiles == "exact" and streamed.percentiles.startswith("binned")
    assert "project_percentiles" in streamed.to_dict() and "project_percentiles" not in exact.to_dict()
    close(streamed.to_dict()["portfolio"], exact.to_dict()["portfolio"])
    e, s = exact.project_stats, streamed.project_stats
    for key in OUTPUTS:
        np.testing.assert_allclose(s.mean[key], e.mean[key], rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(s.prob_npsv_negative, e.prob_npsv_negative)
    np.testing.assert_array_equal(s.histogram_counts, e.histogram_counts)
    np.testing.assert_allclose(s.histogram_edges, e.histogram_edges, rtol=1e-15)
    assert (s.histogram_counts.sum(axis=1) == DRAWS).all()    # both runs drew the same futures
    # NPSV's percentiles within one bin of the range of the draws (the histogram's edges)
    width = (e.histogram_edges[:, -1] - e.histogram_edges[:, 0]) / QUANTILE_BINS
    err = np.abs(s.percentiles["npsv_gbp"] - e.percentiles["npsv_gbp"])
    assert (err <= width + 1e-9 * np.abs(e.percentiles["npsv_gbp"])).all()
    # the project without costs: no BCR in any draw, either way
    assert streamed.projects[-1].mean["bcr"] is None and streamed.projects[-1].p50["bcr"] is None


def test_binned_percentiles_are_within_one_bin():
    rng = np.random.default_rng(5)
    data = np.column_stack([rng.normal(0, 1, 5000), rng.lognormal(0, 2, 5000),
                            np.full(5000, 3.0), rng.integers(0, 3, 5000).astype(float),
                            np.r_[rng.normal(size=4000), np.full(1000, np.nan)]])
    m = _Moments(data.shape[1])
    for part in np.array_split(data, 13):
        m.add(part)
    from appraisal.core.montecarlo import _fine_counts
    counts = sum(_fine_counts(part, m.low, m.high) for part in np.array_split(data, 13))
    width = (m.high - m.low) / QUANTILE_BINS
    for p in PERCENTILES:
        got = _binned_percentile(counts, m, p)
        want = [np.percentile(c[np.isfinite(c)], p) for c in data.T]
        assert (np.abs(got - want) <= width + 1e-12).all(), p
    assert _binned_percentile(counts, m, 50)[2] == 3.0      # a constant column: its value


def test_fewer_bins_past_819_projects_bound_the_histograms():
    from appraisal.core.montecarlo import HISTOGRAM_VALUES, MIN_QUANTILE_BINS, quantile_bins
    assert quantile_bins(500) == quantile_bins(819) == QUANTILE_BINS
    for n in (820, 5_000, 50_000):     # down to the least number of bins
        assert len(OUTPUTS) * n * quantile_bins(n) <= HISTOGRAM_VALUES
    assert quantile_bins(10**7) == MIN_QUANTILE_BINS
    # with fewer bins the percentiles stay within one (wider) bin
    rng = np.random.default_rng(7)
    data = rng.normal(size=(4000, 3))
    m = _Moments(3)
    m.add(data)
    from appraisal.core.montecarlo import _fine_counts
    counts = _fine_counts(data, m.low, m.high, 100)
    got = _binned_percentile(counts, m, 90)
    assert (np.abs(got - np.percentile(data, 90, axis=0)) <= (m.high - m.low) / 100).all()


def test_histogram_in_chunks_is_numpys():
    rng = np.random.default_rng(6)
    data = np.column_stack([rng.normal(1e6, 3e5, 3001), np.full(3001, -2.5),
                            np.round(rng.normal(size=3001), 1), rng.exponential(size=3001)])
    first, last = data.min(axis=0), data.max(axis=0)
    outer = _outer_edges(first, last)
    edges = np.array([np.linspace(a, b, 31) for a, b in zip(*outer)])
    got = sum(_histogram_counts(part, outer, edges) for part in np.array_split(data, 7))
    for j in range(data.shape[1]):
        counts, want_edges = np.histogram(data[:, j], bins=30)
        np.testing.assert_array_equal(got[j], counts)
        np.testing.assert_array_equal(edges[j], want_edges)


def test_progress_counts_both_runs_and_cancel_stops(inputs, default_pack):
    seen = []
    simulate(inputs, default_pack, draws=600, seed=1, chunk=250, exact_max_values=0,
             progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (1200, 1200) and all(t == 1200 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    calls = []
    with pytest.raises(SimulationCancelled):
        simulate(inputs, default_pack, draws=600, seed=1, chunk=100,
                 cancelled=lambda: calls.append(1) or len(calls) > 2)


def test_the_documented_maximum_of_draws_is_the_command_lines():
    import argparse
    assert MAX_DRAWS == 10_000_000
    assert _positive_int(str(MAX_DRAWS)) == MAX_DRAWS
    with pytest.raises(argparse.ArgumentTypeError, match="10,000,000"):
        _positive_int(str(MAX_DRAWS + 1))
