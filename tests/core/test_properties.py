"""Properties of the appraisal that hold for every valid portfolio (hypothesis).

METHOD.md 3 and 8: BCR is PVB / PVC, NPSV is PVB - PVC, portfolio totals are
the sums of the projects' figures; 1.1: rebasing from B to B is the identity;
1.2: a zero discount rate gives the plain sum; 9: no NaN or infinity in any
output. The calculation runs in blocks of projects; the block size must not
change any figure.
"""
from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.resources import default_pack_dir

# The strategies need the pack's names (categories, fuels, deflator years)
# when they are built, at import time, so the pack is loaded here too.
PACK = load_pack(default_pack_dir())
CATEGORIES = sorted(PACK.categories)
FUELS = PACK.fuels()
DEFLATOR_YEARS = sorted(PACK.deflator)
SCHEDULES = sorted(PACK.discount_schedules)
SPATIAL_LEVELS = sorted(PACK.additionality)

PROPERTY_SETTINGS = settings(deadline=None, max_examples=60,
                             suppress_health_check=[HealthCheck.too_slow])

# Sums of up to eight projects' figures, each a sum over up to ~80 years: the
# totals may differ from a re-summation in the last few bits only.
SUM_RTOL = 1e-12

year = st.integers(2012, 2040)


def rounded(lo: float, hi: float, places: int) -> st.SearchStrategy:
    """Floats in [lo, hi] rounded to ``places`` decimals.

    Inputs are money to the penny, quantities and shares to a few decimals, as
    users type them. Sub-normal amounts such as 1e-311 are kept out: they
    overflow ratios (see test_method.py, test_sub_penny_costs_overflow_bcr).
    """
    return st.floats(min_value=lo, max_value=hi, allow_nan=False).map(lambda x: round(x, places))


amount = rounded(0, 5e7, 2)
signed_amount = rounded(-5e6, 5e6, 2)
fraction = rounded(0, 1, 4)


def year_map(values: st.SearchStrategy, max_size: int = 4) -> st.SearchStrategy:
    return st.dictionaries(year.map(str), values, max_size=max_size)


def optional(s: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | s


energy_change = st.fixed_dictionaries({
    "fuel": st.sampled_from(FUELS),
    "quantity_per_year": rounded(-5e6, 5e6, 3),
})

benefit = st.one_of(
    st.fixed_dictionaries({"label": st.just("stream"), "kind": st.sampled_from(["economic", "revenue"]),
                           "per_year": signed_amount}),
    st.fixed_dictionaries({"label": st.just("profile"), "kind": st.sampled_from(["economic", "revenue"]),
                           "profile": year_map(signed_amount)}),
)

additionality = st.fixed_dictionaries({}, optional={
    "deadweight": optional(fraction), "leakage": optional(fraction),
    "displacement": optional(fraction), "substitution": optional(fraction),
    "multiplier": optional(rounded(1, 3, 3)),
})

readiness = st.fixed_dictionaries({}, optional={
    "planning_consent": st.booleans(), "site_secured": st.booleans(),
    "procurement_ready": st.booleans(), "match_funding_confirmed": st.booleans(),
    "months_to_start": optional(rounded(0, 48, 1)),
})

project_fields = st.fixed_dictionaries({
    "name": st.just("generated"),
    "category": st.sampled_from(CATEGORIES),
    "lifetime_years": st.integers(0, 60),
}, optional={
    "spatial_level": optional(st.sampled_from(SPATIAL_LEVELS)),
    "price_year": optional(st.sampled_from(DEFLATOR_YEARS)),
    "capex": year_map(amount),
    "public_funding_share": optional(fraction),
    "public_funding": optional(year_map(amount)),
    "opex_per_year": optional(rounded(0, 2e6, 2)),
    "operating_start": optional(year),
    "energy_changes": st.lists(energy_change, max_size=3),
    "other_benefits": st.lists(benefit, max_size=3),
    "bill_savings_to_promoter": st.booleans(),
    "optimism_bias": optional(rounded(0, 2, 4)),
    "ob_mitigation": optional(fraction),
    "job_years_per_million": optional(rounded(0, 50, 2)),
    "operational_fte": optional(rounded(0, 200, 1)),
    "additionality": additionality,
    "readiness": readiness,
})


@st.composite
def portfolios(draw) -> dict[str, Any]:
    projects = draw(st.lists(project_fields, min_size=1, max_size=8))
    for i, p in enumerate(projects):
        p["id"] = f"P{i + 1}"
    return {
        "format": "appraisal-portfolio", "version": 1, "name": "generated",
        "appraisal_year": draw(st.integers(2015, 2035)),
        "price_base_year": draw(optional(st.sampled_from(DEFLATOR_YEARS))),
        "financial_discount_rate": draw(rounded(0, 0.12, 4)),
        "discount_schedule": draw(st.sampled_from(SCHEDULES)),
        "carbon_series": draw(st.sampled_from(["low", "central", "high"])),
        "projects": projects,
    }


def appraise_dict(data: dict[str, Any], pack=PACK, **kwargs):
    return appraise_portfolio(parse_portfolio(data, pack), pack, **kwargs)


def as_array(values: list) -> np.ndarray:
    """A JSON column as floats, null as NaN (for assert_allclose with equal_nan)."""
    return np.array([np.nan if v is None else float(v) for v in values])


@PROPERTY_SETTINGS
@given(portfolios())
def test_portfolio_totals_are_sums_of_projects(data):
    # METHOD.md 8: totals are sums of the projects' PVC, PVB, NPSV, carbon
    # saved, jobs, public cost and contributions; the BCR is total PVB over
    # total PVC, never an average of ratios.
    out = appraise_dict(data).to_dict()
    total, projects = out["portfolio"], out["projects"]
    for key in ("pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "carbon_saved_tco2e",
                "gross_jobs_fte", "net_additional_jobs_fte", "public_cost_gbp",
                "pv_carbon_benefit_gbp", "sunk_costs_gbp"):
        column = np.array([p[key] for p in projects], dtype=float)
        scale = np.abs(column).sum()
        assert_allclose(total[key], column.sum(), rtol=0, atol=SUM_RTOL * scale + 1e-9,
                        err_msg=key)
    contribution = sum(p["gap_contribution_gbp"] for p in projects)
    gap_total = total["gap"]["total"]["contribution_gbp"]
    assert_allclose(gap_total, contribution, rtol=SUM_RTOL, atol=1e-9)
    sectors = total["gap"]["sectors"]
    for name, sector in sectors.items():
        mine = sum(p["gap_contribution_gbp"] for p in projects if p["gap_sector"] == name)
        assert_allclose(sector["contribution_gbp"], mine, rtol=SUM_RTOL, atol=1e-9, err_msg=name)
    # projects in no gap sector contribute nothing (METHOD.md 6)
    for p in projects:
        if p["gap_sector"] is None:
            assert_allclose(p["gap_contribution_gbp"], 0.0, rtol=0, atol=0)
    assert total["shovel_ready_projects"] == sum(p["shovel_ready"] for p in projects)
    pvc, pvb = total["pv_costs_gbp"], total["pv_benefits_gbp"]
    if pvc > 0:
        assert_allclose(total["bcr"], pvb / pvc, rtol=1e-12)
    else:
        assert total["bcr"] is None


@PROPERTY_SETTINGS
@given(portfolios())
def test_project_bcr_and_npsv(data):
    # METHOD.md 3: NPSV = PVB - PVC; BCR = PVB / PVC (none when PVC = 0);
    # switching values NPSV / PVB and NPSV / PVC; viability gap max(0, -NPV).
    projects = appraise_dict(data).to_dict()["projects"]
    pvc = as_array([p["pv_costs_gbp"] for p in projects])
    pvb = as_array([p["pv_benefits_gbp"] for p in projects])
    npsv = as_array([p["npsv_gbp"] for p in projects])
    assert_allclose(npsv, pvb - pvc, rtol=1e-12, atol=1e-6)
    bcr = as_array([p["bcr"] for p in projects])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(pvc != 0, pvb / np.where(pvc != 0, pvc, 1), np.nan)
    assert_allclose(bcr, expected, rtol=1e-12, equal_nan=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        fall = np.where(pvb != 0, npsv / np.where(pvb != 0, pvb, 1), np.nan)
        rise = np.where(pvc != 0, npsv / np.where(pvc != 0, pvc, 1), np.nan)
    assert_allclose(as_array([p["switching_benefits_fall"] for p in projects]), fall,
                    rtol=1e-12, atol=1e-12, equal_nan=True)
    assert_allclose(as_array([p["switching_costs_rise"] for p in projects]), rise,
                    rtol=1e-12, atol=1e-12, equal_nan=True)
    fin = as_array([p["financial_npv_gbp"] for p in projects])
    assert_allclose(as_array([p["viability_gap_gbp"] for p in projects]), np.maximum(0, -fin),
                    rtol=0, atol=0)
    # costs are never negative: capex, opex and optimism bias are at least zero
    assert (pvc >= 0).all()


@PROPERTY_SETTINGS
@given(portfolios())
def test_zero_discount_rate_gives_plain_sums(data):
    # METHOD.md 1.2 with r = 0 for every t: DF(t) = 1, so PVC and PVB are the
    # plain sums of C[y] and Bn[y] over y >= A, the financial NPV is the plain
    # sum of F, and the discounted payback is the undiscounted one of Bn - C.
    zero = dataclasses.replace(
        PACK, discount_schedules={**PACK.discount_schedules, "zero": [(0, None, 0.0)]})
    data = dict(data, financial_discount_rate=0.0)
    res = appraise_dict(data, pack=zero, discount_schedule="zero", keep_series=True)
    assert res.discount_schedule == "zero"
    later = res.years >= data["appraisal_year"]
    for i in range(len(data["projects"])):
        s = res.project_series(i)
        for key, series in (("pv_costs_gbp", "costs"), ("pv_benefits_gbp", "benefits")):
            plain = s[series][later]
            assert_allclose(res.metrics[key][i], plain.sum(), rtol=1e-12,
                            atol=1e-9 * (np.abs(plain).sum() + 1), err_msg=key)
        cash = s["financial_cash_flow"][later]
        assert_allclose(res.metrics["financial_npv_gbp"][i], cash.sum(), rtol=1e-12,
                        atol=1e-9 * (np.abs(cash).sum() + 1))
        assert_allclose(s["discounted_costs"][later], s["costs"][later], rtol=0, atol=0)
        assert_allclose(res.metrics["discounted_payback_year"][i],
                        _payback(s["benefits"][later] - s["costs"][later], data["appraisal_year"]),
                        rtol=0, atol=0, equal_nan=True)
        assert_allclose(res.metrics["payback_year"][i], _payback(cash, data["appraisal_year"]),
                        rtol=0, atol=0, equal_nan=True)


def _payback(flows: np.ndarray, first_year: int) -> float:
    """METHOD.md 4 payback year written out plainly, for comparison."""
    cumulative = np.cumsum(flows)
    negative = np.nonzero(cumulative < -1e-6)[0]
    if negative.size == 0 or negative[-1] == flows.size - 1:
        return math.nan
    return float(first_year + negative[-1] + 1)


@PROPERTY_SETTINGS
@given(portfolios())
def test_price_year_equal_to_the_base_is_the_identity(data):
    # METHOD.md 1.1: value_B = value_P * D(B) / D(P); with P = B the factor is
    # exactly 1, so leaving price_year to default (None -> B) and giving B
    # itself must give identical results.
    B = data["price_base_year"] or PACK.default_price_base_year
    implicit = json.loads(json.dumps(data))
    explicit = json.loads(json.dumps(data))
    for p in implicit["projects"]:
        p["price_year"] = None
    for p in explicit["projects"]:
        p["price_year"] = B
    a, b = appraise_dict(implicit), appraise_dict(explicit)
    for key, values in a.metrics.items():
        assert_allclose(b.metrics[key], values, rtol=1e-15, atol=0, equal_nan=True, err_msg=key)


def _walk(obj: Any, path: str = "") -> list[str]:
    """Paths of every float in a JSON-shaped object that is NaN or infinite."""
    bad = []
    if isinstance(obj, float) and not math.isfinite(obj):
        bad.append(path)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            bad += _walk(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            bad += _walk(v, f"{path}[{i}]")
    elif isinstance(obj, np.generic):
        bad.append(f"{path} (numpy scalar {type(obj).__name__}, not a JSON type)")
    return bad


@PROPERTY_SETTINGS
@given(portfolios())
def test_no_nan_or_infinity_in_the_results(data):
    # METHOD.md 9: no result is NaN or infinite in any output; an undefined
    # ratio is null in JSON.
    out = appraise_dict(data).to_dict()
    assert _walk(out) == []
    json.dumps(out, allow_nan=False)  # raises on NaN or infinity


@PROPERTY_SETTINGS
@given(portfolios())
def test_results_do_not_depend_on_the_block_size(data):
    # appraise_portfolio works on blocks of projects; a block of one project
    # and one block of all must agree figure for figure.
    whole = appraise_dict(data, keep_series=True)
    single = appraise_dict(data, block=1, keep_series=True)
    for key, values in whole.metrics.items():
        assert_allclose(single.metrics[key], values, rtol=1e-12, atol=1e-9, equal_nan=True,
                        err_msg=key)
    assert single.warnings == whole.warnings
    for i in range(len(data["projects"])):
        a, b = whole.project_series(i), single.project_series(i)
        for key in a:
            assert_allclose(b[key], a[key], rtol=1e-12, atol=1e-9, err_msg=key)


def test_generated_portfolios_are_valid():
    # The strategy must produce inputs parse_portfolio accepts, or the
    # properties above would test nothing: draw a few and parse them.
    @settings(deadline=None, max_examples=20)
    @given(portfolios())
    def check(data):
        assert len(parse_portfolio(data, PACK).projects) == len(data["projects"])

    check()


@pytest.mark.parametrize("block", [1, 2, 3])
def test_block_size_on_a_fixed_portfolio(block, make_project, make_portfolio):
    # The same check as above on a fixed portfolio whose projects differ in
    # every respect that is stored sparsely (capex, public funding maps, profiles).
    data = make_portfolio(
        make_project(id="A", capex={"2020": 1e6, "2022": 2e6}, public_funding={"2022": 5e5},
                     lifetime_years=5),
        make_project(id="B", capex={"2021": 3e6}, lifetime_years=10,
                     other_benefits=[{"label": "x", "kind": "revenue", "profile": {"2019": 1e5}}]),
        make_project(id="C", category="ev_charging", operational_fte=3, lifetime_years=2,
                     energy_changes=[{"fuel": "diesel", "quantity_per_year": -1e5}]),
        make_project(id="D", capex={"2025": 1e6}, public_funding_share=0.25, lifetime_years=1),
    )
    whole, split = appraise_dict(data), appraise_dict(data, block=block)
    for key, values in whole.metrics.items():
        assert_allclose(split.metrics[key], values, rtol=1e-12, atol=1e-9, equal_nan=True,
                        err_msg=key)
