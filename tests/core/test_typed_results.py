"""The analyses' typed results: ``to_dict()`` is the JSON the command line always
wrote (FORMAT.md 3), the results are frozen, and the core exports them.

The expected JSON was written by the code before this change (commit 5c8a4f2;
tests/data/typed-results/README.md gives the commands), so these tests fail if
a key, its order or a figure of ``appraisal sensitivity``, ``montecarlo`` or
``select`` changes.
"""
from __future__ import annotations

import dataclasses
import gc
import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from appraisal import core
from appraisal.cli import main
from appraisal.core import appraise_portfolio, parse_portfolio
from appraisal.core.montecarlo import SimulationSummary, simulate
from appraisal.core.selection import Selection, select_projects
from appraisal.core.sensitivity import DRIVERS, Tornado, sensitivity
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import example_portfolio

DATA = Path(__file__).resolve().parents[1] / "data" / "typed-results"


def same_json(got, want, path="") -> None:
    """Equal keys in equal order, equal strings, numbers within 1e-9 relative."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), path
        for k in want:
            same_json(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for k, (g, w) in enumerate(zip(got, want)):
            same_json(g, w, f"{path}[{k}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), path
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6), (path, got, want)
    else:
        assert got == want and type(got) is type(want), (path, got, want)


@pytest.fixture(scope="module")
def pack(default_pack):
    return default_pack         # the bundled pack, as the command line's --example uses


@pytest.fixture(scope="module")
def example(pack):
    return parse_portfolio(load_portfolio(example_portfolio()).data, pack)


def cli_json(*args: str):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(args)) == 0
    return json.loads(out.getvalue())


def test_tornado_to_dict_is_the_json_before(example, pack):
    t = sensitivity(example, pack)
    want = json.loads((DATA / "sensitivity-example.json").read_text())
    same_json(t.to_dict(), want)
    # and the command line prints it
    same_json(cli_json("sensitivity", "--example", "--format", "json"), want)


def test_simulation_to_dict_is_the_json_before(example, pack):
    mc = simulate(example, pack, draws=3000, seed=5)
    want = json.loads((DATA / "montecarlo-example-3000-seed5.json").read_text())
    same_json(mc.to_dict(), want)
    same_json(cli_json("montecarlo", "--example", "--draws", "3000", "--seed", "5",
                       "--format", "json"), want)


def test_selection_to_dict_is_the_json_before():
    want = json.loads((DATA / "select-example-20m-curve.json").read_text())
    same_json(cli_json("select", "--example", "--budget", "20m", "--format", "json", "--curve"),
              want)


def test_the_results_are_frozen_and_hold_arrays(example, pack):
    t = sensitivity(example, pack)
    mc = simulate(example, pack, draws=200, seed=1)
    sel = select_projects(appraise_portfolio(example, pack), 20e6)
    for obj, name in ((t, "pack_id"), (mc, "seed"), (sel, "budget_gbp"), (t.projects[0], "id"),
                      (t.portfolio_tornado[0], "driver"), (mc.portfolio, "id")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)
    n = len(example.projects)
    assert t.at_low["npsv_gbp"].shape == (len(DRIVERS), n)
    assert t.switching_value.shape == (len(DRIVERS), n) and t.reachable.dtype == bool
    assert mc.project_stats.percentiles["npsv_gbp"].shape == (3, n)
    assert mc.project_stats.histogram_counts.shape == (n, 30)
    # the arrays' central NPSV is the appraisal's, project by project
    np.testing.assert_allclose(t.central["npsv_gbp"],
                               appraise_portfolio(example, pack).metrics["npsv_gbp"], rtol=1e-12)


def test_rows_read_by_attribute_agree_with_the_json(example, pack):
    t = sensitivity(example, pack)
    d = t.to_dict()
    for p, pj in zip(t.projects, d["projects"]):
        for row, rj in zip(p.tornado, pj["tornado"]):
            assert row.driver == rj["driver"] and row.at("npsv_gbp", "low") == rj["npsv_gbp_low"]
            assert row.npsv_swing_gbp == rj["npsv_swing_gbp"]
        for s, sj in zip(p.switching_values, pj["switching_values"]):
            assert (s.driver, s.switching_value, s.reachable) == (
                sj["driver"], sj["switching_value"], sj["reachable"])
    # the portfolio's swing is |NPSV at high - NPSV at low|, rows sorted by it
    swings = [r.npsv_swing_gbp for r in t.portfolio_tornado]
    assert swings == sorted(swings, reverse=True)
    for r in t.portfolio_tornado:
        assert r.npsv_swing_gbp == pytest.approx(abs(r.npsv_gbp_high - r.npsv_gbp_low))
    with pytest.raises(KeyError):
        t.portfolio_tornado[0].at("npsv", "low")


def test_the_core_exports_the_typed_results():
    assert core.Tornado is Tornado and core.SimulationSummary is SimulationSummary
    assert core.Selection is Selection        # imported on first use (scipy)
    for name in ("Tornado", "SimulationSummary", "Selection", "TornadoRow", "Outcome"):
        assert name in core.__all__


def test_portfolio_results_building_is_private(example, pack):
    results = appraise_portfolio(example, pack)
    for name in ("empty", "store", "finish"):
        assert not hasattr(results, name), name
    for name in ("totals", "gap", "project_records", "portfolio_record", "to_dict", "warnings"):
        assert hasattr(results, name), name


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_back_as_it_was(example, pack, enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        appraise_portfolio(example, pack)
        assert gc.isenabled() is enabled
        with pytest.raises(AttributeError):
            appraise_portfolio(example, None)      # fails inside: the state is restored still
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
