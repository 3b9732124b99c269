"""Appraising again only what changed (appraisal/core/incremental.py) gives the full
appraisal's figures: a project's figures do not depend on the other projects nor on the
calendar-year axis they share, and the totals are sums of the projects' figures.

Equal up to the order of floating-point sums: a longer shared axis adds zeros to a
project's sums, which numpy's pairwise summation groups differently (differences seen:
below 4e-13 relative).
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.incremental import SeriesOnDemand, appraise_with_series_on_demand, reappraise

sys.path.insert(0, str(Path(__file__).resolve().parent))
from v2_helpers import PACK_2026, SMALL_PACK  # noqa: E402
from v2_strategies import PACK_2026_INFO, SMALL, v2_portfolios  # noqa: E402

PACKS = {"pack-v2-test": (load_pack(SMALL_PACK), SMALL),
         "reference-pack-2026": (load_pack(PACK_2026), PACK_2026_INFO)}
SETTINGS = settings(deadline=None, max_examples=60,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RTOL, ATOL = 1e-10, 1e-6       # relative; absolute in GBP, tonnes or jobs (near zero)


def assert_same_figures(a, b, rows_a=None, rows_b=None) -> None:
    rows_a = slice(None) if rows_a is None else rows_a
    rows_b = slice(None) if rows_b is None else rows_b
    assert sorted(a.metrics) == sorted(b.metrics)
    for k in a.metrics:
        assert_allclose(a.metrics[k][rows_a], b.metrics[k][rows_b], rtol=RTOL, atol=ATOL,
                        equal_nan=True, err_msg=k)
    for k in a.flags:
        np.testing.assert_array_equal(a.flags[k][rows_a], b.flags[k][rows_b], err_msg=k)


def totals_close(a: dict, b: dict) -> None:
    for k, v in a.items():
        if isinstance(v, dict):
            totals_close(v, b[k])
        elif isinstance(v, float) or isinstance(b[k], float):
            assert v == pytest.approx(b[k], rel=RTOL, abs=ATOL), k
        else:
            assert v == b[k], k


@pytest.mark.parametrize("pack_name", list(PACKS))
@SETTINGS
@given(data=st.data())
def test_a_project_appraised_alone_has_its_figures_in_the_portfolio(pack_name, data):
    pack, info = PACKS[pack_name]
    inputs = parse_portfolio(data.draw(v2_portfolios(info, max_projects=5)), pack)
    full = appraise_portfolio(inputs, pack)
    for i, project in enumerate(inputs.projects):
        alone = appraise_portfolio(dataclasses.replace(inputs, projects=(project,)), pack)
        assert_same_figures(full, alone, [i], [0])
        assert full.warnings[i] == alone.warnings[0]


@pytest.mark.parametrize("pack_name", list(PACKS))
@SETTINGS
@given(data=st.data())
def test_reappraising_the_edited_projects_gives_the_full_appraisal(pack_name, data):
    pack, info = PACKS[pack_name]
    before = parse_portfolio(data.draw(v2_portfolios(info, max_projects=6)), pack)
    n = len(before.projects)
    edited = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    projects = list(before.projects)
    for i in edited:
        projects[i] = dataclasses.replace(
            projects[i], opex_per_year=data.draw(st.sampled_from([0.0, 5_000.0, 80_000.0])),
            lifetime_years=data.draw(st.integers(0, 40)),
            capex={y: v * 1.5 for y, v in projects[i].capex.items()})
    after = dataclasses.replace(before, projects=tuple(projects))
    previous = appraise_portfolio(before, pack)
    _ = previous.warnings                                 # read: carried over when spliced
    spliced = reappraise(previous, after, edited, pack)
    full = appraise_portfolio(after, pack)
    assert spliced.ids == full.ids and spliced.names == full.names
    assert_same_figures(spliced, full)
    totals_close(spliced.totals(), full.totals())
    totals_close(spliced.gap(), full.gap())
    assert spliced.warnings == full.warnings
    assert_same_figures(previous, appraise_portfolio(before, pack))   # left as it was


def test_reappraise_refuses_results_of_other_options():
    pack, _ = PACKS["reference-pack-2026"]
    from appraisal.resources import example_portfolio
    import json
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    inputs = parse_portfolio(data, pack)
    previous = appraise_portfolio(inputs, pack)
    with pytest.raises(ValueError, match="carbon_series"):
        reappraise(previous, dataclasses.replace(inputs, carbon_series="high"), [0], pack)
    with pytest.raises(ValueError, match="projects"):
        reappraise(previous, dataclasses.replace(inputs, projects=inputs.projects[1:]), [0], pack)


@pytest.mark.parametrize("pack_name", list(PACKS))
@SETTINGS
@given(data=st.data())
def test_series_on_demand_are_the_full_appraisals(pack_name, data):
    pack, info = PACKS[pack_name]
    inputs = parse_portfolio(data.draw(v2_portfolios(info, max_projects=5)), pack)
    full = appraise_portfolio(inputs, pack, keep_series=True)
    lazy = appraise_with_series_on_demand(inputs, pack)
    assert isinstance(lazy, SeriesOnDemand) and not lazy.series
    assert_same_figures(lazy, full)
    order = data.draw(st.permutations(range(len(inputs.projects))))
    for i in order:
        s = lazy.project_series(i)
        years = lazy.years
        expected = full.project_series(i)
        for k, v in expected.items():
            assert s[k].shape == years.shape
            on_full = dict(zip(full.years.tolist(), v.tolist()))
            got = dict(zip(years.tolist(), s[k].tolist()))
            # a flow is zero outside the project's horizon; the discount factor is the year's
            ys = set(on_full) & set(got) if k == "discount_factor" else set(on_full) | set(got)
            for y in ys:
                assert got.get(y, 0.0) == pytest.approx(on_full.get(y, 0.0), rel=RTOL, abs=ATOL), (k, y)
    # an edit keeps the series of the other projects and makes the edited one's again
    if len(inputs.projects) > 1:
        projects = list(inputs.projects)
        projects[0] = dataclasses.replace(projects[0], opex_per_year=123_456.0)
        after = dataclasses.replace(inputs, projects=tuple(projects))
        spliced = reappraise(lazy, after, [0], pack)
        assert isinstance(spliced, SeriesOnDemand) and 0 not in spliced.own_series
        assert set(spliced.own_series) == set(range(1, len(projects)))
        s = spliced.project_series(0)
        expected = appraise_portfolio(after, pack, keep_series=True)
        on_full = dict(zip(expected.years.tolist(), expected.project_series(0)["opex"].tolist()))
        got = dict(zip(spliced.years.tolist(), s["opex"].tolist()))
        for y in set(on_full) | set(got):
            assert got.get(y, 0.0) == pytest.approx(on_full.get(y, 0.0), rel=RTOL, abs=ATOL), y
