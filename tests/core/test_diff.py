"""What changed between two portfolios, and why NPSV moved (appraisal/core/diff.py).

The attribution applies the changes one at a time (ATTRIBUTION_ORDER) and each
part is NPSV after the step less NPSV before it: the steps chain exactly (each
step starts at the figure the previous one ended on, the first at NPSV(A), the
last ends at NPSV(B)), so the parts add up to the total change up to the
rounding of the subtractions themselves.
"""
from __future__ import annotations

import copy
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.diff import ATTRIBUTION_ORDER, diff_portfolios

sys.path.insert(0, str(Path(__file__).resolve().parent))
from v2_helpers import SMALL_PACK  # noqa: E402
from v2_strategies import SMALL, v2_portfolios  # noqa: E402

SMALL_PACK_LOADED = load_pack(SMALL_PACK)
SETTINGS = settings(deadline=None, max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def npsv(doc: dict, pack) -> float:
    return appraise_portfolio(parse_portfolio(doc, pack), pack).totals()["npsv_gbp"]


@st.composite
def change_sets(draw):
    """A portfolio A and a B made from it by a random set of changes: settings and
    project fields taken from another random portfolio, projects removed and added."""
    a = draw(v2_portfolios(SMALL, max_projects=3))
    other = draw(v2_portfolios(SMALL, max_projects=3))
    b = copy.deepcopy(a)
    for key in ("appraisal_year", "price_base_year", "discount_schedule", "carbon_series",
                "financial_discount_rate", "energy_series", "vfm_basis", "financial_ob_share",
                "financial_basis"):
        if key in other and draw(st.booleans()):
            b[key] = other[key]
    donors = other["projects"]
    for p in b["projects"]:
        donor = donors[draw(st.integers(0, len(donors) - 1))]
        for key in sorted(set(donor) - {"id"}):
            if draw(st.booleans()):
                p[key] = copy.deepcopy(donor[key])
    if len(b["projects"]) > 1 and draw(st.booleans()):
        del b["projects"][draw(st.integers(0, len(b["projects"]) - 1))]
    if draw(st.booleans()):
        added = copy.deepcopy(donors[0])
        added["id"] = "NEW-1"
        b["projects"].append(added)
    return a, b


def _valid(doc: dict) -> bool:
    try:
        parse_portfolio(doc, SMALL_PACK_LOADED)
        return True
    except InputError:
        return False


@SETTINGS
@given(change_sets())
def test_attribution_parts_chain_and_add_up_to_the_total(pair):
    a, b = pair
    assume(_valid(a) and _valid(b))
    pack = SMALL_PACK_LOADED
    diff = diff_portfolios(a, b, pack)
    total = diff.totals["npsv_gbp"].change
    assert diff.totals["npsv_gbp"].before == npsv(a, pack)
    assert diff.totals["npsv_gbp"].after == npsv(b, pack)
    steps = diff.attribution
    if diff.equal:
        assert steps == () and total == 0.0
        return
    # exact by construction: each step starts where the previous ended
    assert steps[0].npsv_before_gbp == diff.totals["npsv_gbp"].before
    assert steps[-1].npsv_after_gbp == diff.totals["npsv_gbp"].after
    for prev, step in zip(steps, steps[1:]):
        assert step.npsv_before_gbp == prev.npsv_after_gbp
    # so the parts add up to the total, up to the rounding of each subtraction
    scale = max([1.0] + [abs(s.npsv_after_gbp) for s in steps])
    assert math.fsum(s.npsv_change_gbp for s in steps) == pytest.approx(
        total, abs=1e-12 * scale * len(steps) + 1e-9)
    # every changed input belongs to a step
    stepped = {(s.project, f) for s in steps for f in s.fields}
    for change in diff.input_changes:
        top = change.field.split(".")[0]
        assert any((change.project, top) == (p, f) or f.endswith(f".{top}") or p is None
                   and (change.project is None or f.startswith(f"{change.project}."))
                   for p, f in stepped), change


def test_one_capex_change_worked_by_hand(pack, make_portfolio, make_project):
    portfolio, project = make_portfolio, make_project
    """Capex of 1,000,000 in 2022 becomes 1,200,000, appraisal year 2021, no optimism
    bias, money at 2021 prices: the costs rise by 200,000 discounted one year at the
    Green Book's 3.5% (METHOD.md 1), so NPSV falls by 200,000 / 1.035 = 193,236.71."""
    before = portfolio(project(capex={"2022": 1_000_000}, optimism_bias=0, price_year=2021,
                               lifetime_years=0), price_base_year=2021)
    after = copy.deepcopy(before)
    after["projects"][0]["capex"]["2022"] = 1_200_000
    diff = diff_portfolios(before, after, pack)
    assert not diff.equal
    (change,) = diff.input_changes
    assert (change.project, change.field, change.before, change.after) == (
        "P1", "capex.2022", 1_000_000, 1_200_000)
    (step,) = diff.attribution
    assert step.project == "P1" and step.fields == ("capex",)
    assert step.npsv_change_gbp == pytest.approx(-200_000 / 1.035, abs=0.01)
    assert diff.totals["npsv_gbp"].change == pytest.approx(-200_000 / 1.035, abs=0.01)
    assert diff.totals["public_cost_gbp"].change == pytest.approx(200_000, abs=0.01)
    (p,) = diff.projects
    assert p.status == "changed" and p.metrics["npsv_gbp"].change == pytest.approx(
        -200_000 / 1.035, abs=0.01)
    body = diff.to_dict()
    assert body["attribution"]["order"] == ATTRIBUTION_ORDER
    assert body["attribution"]["steps"][0]["npsv_change_gbp"] == pytest.approx(-193_236.71, abs=0.01)


def test_equal_portfolios_have_no_changes(pack, make_portfolio, make_project):
    portfolio, project = make_portfolio, make_project
    doc = portfolio(project(capex={"2021": 5e5}, lifetime_years=5))
    diff = diff_portfolios(doc, copy.deepcopy(doc), pack)
    assert diff.equal and diff.attribution == () and diff.input_changes == []
    assert diff.to_dict()["equal"] is True


def test_added_removed_and_ids_differing_in_case(pack, make_portfolio, make_project):
    portfolio, project = make_portfolio, make_project
    """Capex at year 0 with no optimism bias at base prices: a project's NPSV is minus its
    capex, so adding one of 200,000 moves NPSV by -200,000 and removing one of 100,000
    by +100,000."""
    def one(pid: str, amount: float) -> dict:
        return project(id=pid, capex={"2021": amount}, optimism_bias=0, price_year=2021)
    a = portfolio(one("HP-1", 5e5), one("OLD", 1e5), price_base_year=2021)
    b = portfolio(one("hp-1", 5e5), one("NEW", 2e5), price_base_year=2021)
    diff = diff_portfolios(a, b, pack)
    status = {p.id: p.status for p in diff.projects}
    assert status == {"hp-1": "changed", "NEW": "added", "OLD": "removed"}
    ids = [p for p in diff.projects if p.id == "hp-1"][0].fields
    assert [(f.field, f.before, f.after) for f in ids] == [("id", "HP-1", "hp-1")]
    # projects in order of ID, case ignored: hp-1, NEW, OLD
    assert [s.label for s in diff.attribution] == ["project hp-1: id", "project NEW added",
                                                   "project OLD removed"]
    assert [s.npsv_change_gbp for s in diff.attribution] == pytest.approx([0.0, -2e5, 1e5],
                                                                           abs=1e-6)


def test_stated_order_settings_first_and_reason_before_adjustment(pack, make_portfolio, make_project):
    portfolio, project = make_portfolio, make_project
    a = portfolio(project(capex={"2021": 5e5}))
    b = portfolio(project(capex={"2021": 5e5}, vfm_adjustment=1,
                          vfm_adjustment_reason="Non-monetised benefits"), appraisal_year=2022)
    diff = diff_portfolios(a, b, pack)
    assert [s.label for s in diff.attribution] == [
        "portfolio: appraisal_year", "project P1: vfm_adjustment_reason",
        "project P1: vfm_adjustment"]


def test_a_step_that_cannot_be_appraised_alone_is_joined_to_the_next(pack, make_portfolio, make_project):
    portfolio, project = make_portfolio, make_project
    """Removing an adjustment and its reason: with the reason gone first, the adjustment
    alone would lack one (a problem), so the two changes make one step."""
    a = portfolio(project(capex={"2021": 5e5}, vfm_adjustment=1, vfm_adjustment_reason="x"))
    b = portfolio(project(capex={"2021": 5e5}))
    diff = diff_portfolios(a, b, pack)
    (step,) = diff.attribution
    assert step.fields == ("vfm_adjustment_reason", "vfm_adjustment")
    assert step.npsv_change_gbp == pytest.approx(diff.totals["npsv_gbp"].change, abs=1e-9)
