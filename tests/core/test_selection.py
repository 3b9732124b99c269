"""Choosing a pipeline within a budget (appraisal.core.selection).

The exact choice is checked against brute force over every subset of small
random portfolios, against a hand-made case where funding in order of BCR
is provably worse, and for every constraint; the greedy choice and the
budget curve for the properties their docstrings state.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.results import PortfolioResults
from appraisal.core.selection import (BUDGET_SLACK_GBP, MIP_REL_GAP, OBJECTIVES,
                                      _native_stdout_silenced, budget_curve, budget_step,
                                      select_projects)
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir, example_portfolio

SECTOR_OF = {"heat_pumps": "buildings_nature_industry", "building_retrofit":
             "buildings_nature_industry", "ev_charging": "transport", "public_transport": "transport",
             "broadband": None}
CATEGORIES = list(SECTOR_OF)


def results_of(public_cost, npsv, bcr=None, *, carbon=None, jobs=None, gap=None, categories=None,
               readiness=None, shovel_ready=None, ids=None) -> PortfolioResults:
    """A PortfolioResults holding only what selection reads, with the figures given."""
    n = len(public_cost)
    ids = ids or [f"P{i}" for i in range(n)]
    zeros = np.zeros(n)
    metrics = {
        "public_cost_gbp": np.asarray(public_cost, float),
        "npsv_gbp": np.asarray(npsv, float),
        "bcr": np.asarray(bcr if bcr is not None else np.full(n, np.nan), float),
        "carbon_saved_tco2e": np.asarray(carbon if carbon is not None else zeros, float),
        "net_additional_jobs_fte": np.asarray(jobs if jobs is not None else zeros, float),
        "gap_contribution_gbp": np.asarray(gap if gap is not None else zeros, float),
        "readiness_score": np.asarray(readiness if readiness is not None else np.full(n, 100.0),
                                      float),
        "shovel_ready": np.asarray(shovel_ready if shovel_ready is not None else np.ones(n), float),
    }
    return PortfolioResults(
        name="test", appraisal_year=2021, price_base_year=2022, carbon_series="central",
        discount_schedule="standard", financial_discount_rate=0.035, pack_id="test-pack",
        pack_name="Test pack", pack_vintage="2026-11-28", pack_flagged=False, ids=list(ids),
        names=list(ids), categories=list(categories or ["heat_pumps"] * n), areas=["x"] * n,
        gap_sector_of_category=dict(SECTOR_OF), fuels=[], fuel_table_last_year={},
        price_table_last_year={}, carbon_last_year=None, public_carbon_cost_threshold=0.0,
        gap_sectors={"transport": None, "buildings_nature_industry": None}, deflator={},
        years=None, metrics=metrics)


@pytest.fixture(scope="module")
def example():
    pack = load_pack(default_pack_dir())
    data = load_portfolio(example_portfolio()).data
    return appraise_portfolio(parse_portfolio(data, pack), pack)


def _cost(results, ids):
    m = results.metrics
    return sum(m["public_cost_gbp"][results.ids.index(i)] for i in ids)


# ---------------------------------------------------------------------------
# Exact against greedy, by hand
# ---------------------------------------------------------------------------

def test_greedy_by_bcr_is_worse_than_the_optimum_by_hand():
    # Budget GBP 10m. A costs 6m with NPSV 7.2m (BCR 2.2); B and C cost 5m
    # each with NPSV 5m (BCR 2.0). Greedy takes A first (highest BCR); then
    # 6 + 5 = 11 > 10, so neither B nor C fits: NPSV 7.2m, GBP 4m unspent.
    # B + C cost 5 + 5 = 10 <= 10 and give 5 + 5 = 10m, 2.8m more.
    r = results_of([6e6, 5e6, 5e6], [7.2e6, 5e6, 5e6], [2.2, 2.0, 2.0], ids=["A", "B", "C"])
    s = select_projects(r, 10e6, "npsv")
    assert s.feasible and s.status == "optimal"
    assert set(s.selected) == {"B", "C"}
    assert_allclose(s.objective_value, 10e6, rtol=1e-12)
    assert_allclose(s.public_cost_gbp, 10e6, rtol=1e-12)
    assert s.greedy_selected == ("A",)
    assert_allclose(s.greedy_objective_value, 7.2e6, rtol=1e-12)
    assert_allclose(s.greedy_public_cost_gbp, 6e6, rtol=1e-12)
    assert_allclose(s.difference, 2.8e6, rtol=1e-12)


def test_greedy_puts_projects_without_a_bcr_last_and_skips_what_does_not_fit():
    # BCRs 3 (cost 8), none (cost 1), 2 (cost 5), 1.5 (cost 2); budget 11.
    # Greedy: 8 (3.0); 5 does not fit (13); 2 fits (10); the no-BCR project
    # last: 1 fits (11). All four values are positive.
    r = results_of([8, 1, 5, 2], [1, 1, 1, 1], [3.0, np.nan, 2.0, 1.5], ids=["A", "N", "B", "C"])
    s = select_projects(r, 11, "npsv")
    assert set(s.greedy_selected) == {"A", "C", "N"}
    assert_allclose(s.greedy_public_cost_gbp, 11, rtol=1e-12)


# ---------------------------------------------------------------------------
# Exact against brute force
# ---------------------------------------------------------------------------

def _brute_force(cost, value, budget, *, allowed, forced, groups):
    """Best value over every subset (None when no subset is feasible)."""
    n = len(cost)
    subsets = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(bool)
    ok = subsets @ cost <= budget + BUDGET_SLACK_GBP
    ok &= ~np.any(subsets & ~allowed, axis=1)
    ok &= np.all(subsets[:, forced], axis=1)
    for member, lo, hi in groups:
        count = subsets[:, member].sum(axis=1)
        ok &= (count >= lo) & (count <= hi)
    return float((subsets[ok] @ value).max()) if ok.any() else None


@pytest.mark.parametrize("seed", range(60))
def test_exact_choice_equals_brute_force_on_small_portfolios(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 13))
    cost = np.round(rng.lognormal(14.5, 0.8, n), 2)              # about GBP 2m, pennies
    value = np.round(rng.normal(1.0, 1.2, n) * cost, 2)         # some negative
    bcr = np.where(cost > 0, 1 + value / cost, np.nan)
    categories = list(rng.choice(CATEGORIES, n))
    readiness = rng.choice([45.0, 68.0, 80.0, 93.0, 100.0], n)
    budget = float(rng.uniform(0, 1.1) * cost.sum())
    ids = [f"P{i}" for i in range(n)]
    r = results_of(cost, value, bcr, categories=categories, readiness=readiness, ids=ids)

    kwargs = {}
    allowed = np.ones(n, bool)
    forced = np.zeros(n, bool)
    groups = []
    if seed % 3 == 1:   # constraints on every third case
        kwargs["min_readiness"] = 70
        allowed &= readiness >= 70
        cat = categories[0]
        kwargs["category_max"] = {cat: 1}
        groups.append((np.array(categories) == cat, 0, 1))
        kwargs["sector_min"] = {"transport": 1}
        groups.append((np.array([SECTOR_OF[c] == "transport" for c in categories]), 1, n))
    if seed % 3 == 2 and n >= 3:
        kwargs["must_include"] = [ids[1]]
        kwargs["must_exclude"] = [ids[2]]
        forced[1] = True
        allowed[2] = False

    best = _brute_force(cost, value, budget, allowed=allowed, forced=forced, groups=groups)
    s = select_projects(r, budget, "npsv", **kwargs)
    if best is None:
        assert not s.feasible and s.message
        return
    assert s.feasible, s.message
    # within the solver's relative gap (MIP_REL_GAP, Notes), and never above the optimum
    assert_allclose(s.objective_value, best, rtol=MIP_REL_GAP, atol=1e-9)
    assert s.objective_value <= best + 1e-9 * abs(best)
    chosen = np.isin(ids, s.selected)
    assert_allclose(s.objective_value, value[chosen].sum(), rtol=1e-12, atol=1e-9)
    assert cost[chosen].sum() <= budget + BUDGET_SLACK_GBP
    assert not np.any(chosen & ~allowed) and np.all(chosen[forced])
    for member, lo, hi in groups:
        assert lo <= chosen[member].sum() <= hi


# ---------------------------------------------------------------------------
# Constraints
# ---------------------------------------------------------------------------

BIG = 1e9   # funds everything in the example portfolio (about GBP 50m)


def test_shovel_ready_only_leaves_out_the_others(example):
    m = example.metrics
    not_ready = {i for i, r in zip(example.ids, m["shovel_ready"]) if not r}
    assert not_ready == {"H2-008", "BB-012"}
    assert "BB-012" in select_projects(example, BIG, "npsv").selected   # NPSV > 0: it is worth it
    s = select_projects(example, BIG, "npsv", shovel_ready_only=True)
    assert not not_ready & set(s.selected)
    assert s.constraints.shovel_ready_only


def test_min_readiness_leaves_out_projects_below_it(example):
    s = select_projects(example, BIG, "carbon", min_readiness=95)
    scores = dict(zip(example.ids, example.metrics["readiness_score"]))
    assert s.selected and all(scores[i] >= 95 for i in s.selected)
    assert "GRN-007" not in s.selected and "BB-012" not in s.selected   # 93 and 68
    assert not {"GRN-007", "BB-012"} & set(s.greedy_selected)


def test_category_max_and_min_are_respected(example):
    free = select_projects(example, 20e6, "carbon")
    pt = [i for i in free.selected if example.categories[example.ids.index(i)] == "public_transport"]
    assert len(pt) >= 1
    capped = select_projects(example, 20e6, "carbon", category_max={"public_transport": 0})
    assert not any(example.categories[example.ids.index(i)] == "public_transport"
                   for i in capped.selected)
    assert capped.objective_value <= free.objective_value
    floor = select_projects(example, 20e6, "npsv", category_min={"heat_pumps": 1})
    assert "HP-001" in floor.selected          # the only heat-pump project; its NPSV is negative
    assert "HP-001" not in select_projects(example, 20e6, "npsv").selected


def test_sector_counts_are_respected(example):
    s = select_projects(example, BIG, "npsv", sector_max={"transport": 1})
    sectors = [example.gap_sector_of_category[example.categories[example.ids.index(i)]]
               for i in s.selected]
    assert sectors.count("transport") == 1


def test_must_include_and_must_exclude(example):
    s = select_projects(example, 20e6, "npsv", must_include=["H2-008"], must_exclude=["CYC-006"])
    assert "H2-008" in s.selected and "CYC-006" not in s.selected
    assert "H2-008" in s.greedy_selected and "CYC-006" not in s.greedy_selected
    assert _cost(example, s.selected) <= 20e6 + BUDGET_SLACK_GBP


def test_greedy_ignores_counts_and_says_so():
    # Two transport projects with the best BCRs; at most one is allowed.
    r = results_of([1, 1, 1], [3, 3, 1], [4.0, 4.0, 2.0], categories=["ev_charging"] * 2
                   + ["heat_pumps"], ids=["E1", "E2", "H"])
    s = select_projects(r, 3, "npsv", category_max={"ev_charging": 1})
    assert len(set(s.selected) & {"E1", "E2"}) == 1 and "H" in s.selected
    assert set(s.greedy_selected) == {"E1", "E2", "H"}
    assert s.greedy_meets_constraints is False
    assert s.difference < 0                    # the greedy set scores more by breaking the cap


# ---------------------------------------------------------------------------
# Budgets at the ends
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_budget_zero_selects_nothing(example, objective):
    s = select_projects(example, 0, objective)
    assert s.feasible and s.selected == () and s.greedy_selected == ()
    assert s.objective_value == 0 and s.public_cost_gbp == 0


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_a_budget_for_everything_selects_every_project_worth_it(example, objective):
    values = example.metrics[OBJECTIVES[objective][0]]
    total = float(example.metrics["public_cost_gbp"].sum())
    s = select_projects(example, total, objective)
    worth = {i for i, v in zip(example.ids, values) if v > 0}
    assert set(s.selected) == worth
    assert set(s.greedy_selected) == worth
    assert_allclose(s.objective_value, values[values > 0].sum(), rtol=1e-12)
    assert s.difference == pytest.approx(0, abs=1e-6)


def test_zero_value_projects_are_not_chosen(example):
    # GRN-007 saves no carbon: funding it would buy nothing under "carbon".
    assert example.metrics["carbon_saved_tco2e"][example.ids.index("GRN-007")] == 0
    assert "GRN-007" not in select_projects(example, BIG, "carbon").selected


# ---------------------------------------------------------------------------
# Infeasible choices and wrong input
# ---------------------------------------------------------------------------

def test_must_include_costing_more_than_the_budget_is_reported(example):
    s = select_projects(example, 20e6, "npsv", must_include=["H2-008", "BUS-005"])
    assert not s.feasible and s.status == "infeasible"
    assert s.selected == () and s.objective_value is None and s.difference is None
    assert "BUS-005" in s.message and "H2-008" in s.message and "£20,000,000" in s.message


def test_must_include_that_is_not_eligible_is_reported(example):
    s = select_projects(example, BIG, "npsv", must_include=["H2-008"], shovel_ready_only=True)
    assert not s.feasible and "H2-008" in s.message and "shovel-ready" in s.message


def test_minimum_counts_beyond_reach_are_reported(example):
    s = select_projects(example, BIG, "npsv", category_min={"hydrogen": 2})
    assert not s.feasible and "hydrogen" in s.message
    s = select_projects(example, 20e6, "npsv",
                        category_min={"public_transport": 2, "building_retrofit": 2})
    assert not s.feasible and "cheapest" in s.message and "£20,000,000" in s.message


@pytest.mark.parametrize("kwargs, names", [
    ({"must_include": ["HP-999"]}, "HP-999"),
    ({"must_exclude": ["NOPE"]}, "NOPE"),
    ({"must_include": ["HP-001"], "must_exclude": ["HP-001"]}, "HP-001"),
    ({"category_max": {"rockets": 1}}, "rockets"),
    ({"sector_min": {"space": 1}}, "space"),
    ({"category_min": {"heat_pumps": -1}}, "heat_pumps"),
    ({"category_min": {"heat_pumps": 2}, "category_max": {"heat_pumps": 1}}, "heat_pumps"),
    ({"min_readiness": 101}, "readiness"),
])
def test_wrong_options_raise_input_error_naming_them(example, kwargs, names):
    with pytest.raises(InputError) as info:
        select_projects(example, 20e6, "npsv", **kwargs)
    assert names in str(info.value)


@pytest.mark.parametrize("budget", [-1, float("nan"), float("inf"), "lots"])
def test_a_bad_budget_raises_input_error(example, budget):
    with pytest.raises(InputError, match="budget"):
        select_projects(example, budget, "npsv")


def test_an_unknown_objective_raises_input_error(example):
    with pytest.raises(InputError, match="objective"):
        select_projects(example, 20e6, "happiness")


def test_an_empty_portfolio_selects_nothing():
    s = select_projects(results_of([], []), 1e6, "npsv")
    assert s.feasible and s.selected == () and s.objective_value == 0


# ---------------------------------------------------------------------------
# The curve
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_curve_is_non_decreasing_from_nothing_to_everything(example, objective):
    curve = budget_curve(example, objective)
    budgets = np.array([p.budget_gbp for p in curve.points])
    values = np.array([p.objective_value for p in curve.points])
    assert budgets[0] == 0 and values[0] == 0
    assert_allclose(budgets[-1], example.metrics["public_cost_gbp"].sum(), rtol=1e-12)
    assert np.all(np.diff(budgets) > 0)
    assert np.all(np.diff(values) >= -MIP_REL_GAP * values[1:])
    # round steps of GBP 1m for this GBP 50m pipeline: each marginal is what the next 1m buys
    assert_allclose(np.diff(budgets[:-1]), 1e6)
    marginal = np.array([p.marginal_per_gbp_1m for p in curve.points[:-1]])
    assert_allclose(marginal, np.diff(values) / np.diff(budgets) * 1e6, rtol=1e-12, atol=1e-9)
    assert curve.points[-1].marginal_per_gbp_1m is None
    for p in curve.points:
        assert p.public_cost_gbp <= p.budget_gbp + BUDGET_SLACK_GBP


def test_curve_points_agree_with_single_selections(example):
    curve = budget_curve(example, "jobs", budgets=[7e6, 21e6], shovel_ready_only=True)
    for p in curve.points:
        s = select_projects(example, p.budget_gbp, "jobs", shovel_ready_only=True)
        assert p.selected == s.selected
        assert_allclose(p.objective_value, s.objective_value, rtol=1e-12)


def test_curve_marks_budgets_too_small_for_what_must_be_included(example):
    # BUS-005 costs about GBP 13.7m
    curve = budget_curve(example, "npsv", budgets=[0, 5e6, 15e6], must_include=["BUS-005"])
    assert [p.objective_value is None for p in curve.points] == [True, True, False]
    assert curve.points[0].marginal_per_gbp_1m is None


@pytest.mark.parametrize("total, steps, step", [(49.55e6, 50, 1e6), (2.09e9, 50, 50e6),
                                                (100e6, 50, 2e6), (110e6, 50, 2.5e6),
                                                (0.0, 50, 0.0)])
def test_budget_steps_are_round(total, steps, step):
    assert budget_step(total, steps) == pytest.approx(step)


# ---------------------------------------------------------------------------
# The solver's stray output
# ---------------------------------------------------------------------------

def test_native_output_of_the_solver_does_not_reach_stdout(capfd):
    # HiGHS 1.12 writes a debugging line to descriptor 1 (ERGO-Code/HiGHS#2783).
    with _native_stdout_silenced():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution\n")
    os.write(1, b"after\n")
    out = capfd.readouterr().out
    assert "Highs" not in out and "after" in out
