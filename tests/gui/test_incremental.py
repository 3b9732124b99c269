"""An edit appraises the edited project alone and the totals stay those of a full
appraisal (core/incremental.py through the document); any other change (settings, a
project added, moved or deleted, another pack) appraises everything."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import appraisal.core.incremental as incremental
from appraisal.core import Portfolio, appraise_portfolio, load_pack, parse_portfolio
from appraisal.gui.document import PortfolioDocument
from appraisal.resources import default_pack_dir, example_portfolio
from appraisal.io.portfolio_file import load_portfolio

RTOL, ATOL = 1e-10, 1e-6       # summation order (tests/core/test_incremental.py)


@pytest.fixture
def appraised(monkeypatch):
    """How many projects each appraisal the document starts takes in."""
    sizes: list[int] = []
    real = incremental.appraise_portfolio

    def counting(inputs, pack, **kw):
        if not kw.get("keep_series"):           # a project's series, asked for by a chart
            sizes.append(len(inputs.projects))
        return real(inputs, pack, **kw)
    monkeypatch.setattr(incremental, "appraise_portfolio", counting)
    return sizes


def same_as_full(doc) -> None:
    doc.wait_for_results()
    r = doc.results
    expected = appraise_portfolio(parse_portfolio(copy.deepcopy(doc.portfolio.data), doc.pack),
                                  doc.pack)
    assert r.ids == expected.ids and r.names == expected.names
    for k, v in expected.metrics.items():
        assert_allclose(r.metrics[k], v, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=k)
    for k, v in expected.totals().items():
        assert r.totals()[k] == pytest.approx(v, rel=RTOL, abs=ATOL), k
    assert r.gap()["total"]["contribution_gbp"] == pytest.approx(
        expected.gap()["total"]["contribution_gbp"], rel=RTOL, abs=ATOL)
    assert r.warnings == expected.warnings
    assert [r.ids[doc.result_index(row)] for row in range(len(doc.projects))] == \
        [p["id"] for p in doc.projects]


def test_an_edit_appraises_the_edited_project_alone(window, appraised):
    doc = window.doc
    appraised.clear()
    doc.set_field(3, ("opex_per_year",), 61_000.0, "opex")
    same_as_full(doc)
    assert appraised == [1]
    doc.set_field(0, ("lifetime_years",), 0, "lifetime")
    doc.set_field(7, ("capex",), {"2027": 2_500_000.0}, "capex")
    same_as_full(doc)
    assert appraised[1:] and all(n <= 2 for n in appraised[1:])
    appraised.clear()
    window.a_undo.trigger()                     # undo is an edit too
    same_as_full(doc)
    assert appraised == [1]


@pytest.mark.parametrize("change", ["setting", "add", "delete", "move", "pack"])
def test_other_changes_appraise_every_project(window, appraised, message_boxes, change):
    doc = window.doc
    n = len(doc.projects)
    appraised.clear()
    if change == "setting":
        doc.set_setting("carbon_series", "high", "carbon series")
    elif change == "add":
        doc.add_project()
        n += 1
    elif change == "delete":
        doc.delete_project(4)
        n -= 1
    elif change == "move":
        doc.move_project(4, 5)
    else:
        window.use_pack(doc.pack.folder)
    same_as_full(doc)
    assert appraised == [n]
    doc.set_field(1, ("opex_per_year",), 5.0, "opex")       # and edits are single again
    same_as_full(doc)
    assert appraised[-1] == 1


def test_a_duplicate_id_and_its_mending(window, appraised):
    doc = window.doc
    doc.set_field(5, ("id",), "HP-001", "id")
    doc.wait_for_results()
    assert doc.result_index(5) is None and doc.problems(5)[0].message.startswith("duplicate id")
    assert not doc.problems(0) and doc.result_index(0) is not None
    doc.set_field(0, ("id",), "HP-001a", "id")      # mending it on the other project
    same_as_full(doc)
    assert not doc.problems(5) and doc.result_index(5) is not None


OPS = st.lists(st.tuples(st.sampled_from(["opex", "lifetime", "name", "undo", "redo", "rate"]),
                         st.integers(0, 11), st.sampled_from([0.0, 0.02, 7.0, 35_000.0])),
               min_size=1, max_size=8)


@settings(deadline=None, max_examples=25,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS, wait_each=st.booleans())
def test_any_sequence_of_edits_ends_at_the_full_appraisal(qapp, ops, wait_each):
    pack = load_pack(default_pack_dir())
    doc = PortfolioDocument(pack, load_portfolio(example_portfolio()))
    doc.wait_for_results()
    for op, row, value in ops:
        if op == "opex":
            doc.set_field(row, ("opex_per_year",), value * 10, "opex")
        elif op == "lifetime":
            doc.set_field(row, ("lifetime_years",), int(value), "lifetime")
        elif op == "name":
            doc.set_field(row, ("name",), f"renamed {value}", "name")
        elif op == "undo":
            doc.undo_stack.undo()
        elif op == "redo":
            doc.undo_stack.redo()
        else:
            doc.set_setting("financial_discount_rate", value / 10, "financial discount rate")
        if wait_each:
            doc.wait_for_results()
    same_as_full(doc)
    doc.shutdown()


def test_the_charts_series_are_the_projects_own(window):
    """The year-by-year series are made for the project shown (not kept for all)."""
    doc = window.doc
    full = appraise_portfolio(parse_portfolio(copy.deepcopy(doc.portfolio.data), doc.pack),
                              doc.pack, keep_series=True)
    r = doc.results
    assert not r.series                          # nothing held for the other projects
    for row in (0, 5, 11):
        s = r.project_series(doc.result_index(row))
        years = r.years
        i = full.ids.index(doc.project(row)["id"])
        want = dict(zip(full.years.tolist(), full.project_series(i)["costs"].tolist()))
        got = dict(zip(years.tolist(), s["costs"].tolist()))
        for y in set(want) | set(got):
            assert got.get(y, 0.0) == pytest.approx(want.get(y, 0.0), rel=RTOL, abs=ATOL)
    assert window.projects.results.chart_flows.chart() is not None


def test_results_from_before_an_open_are_never_shown(window, example_copy):
    doc = window.doc
    doc.set_field(0, ("opex_per_year",), 1.0, "opex")    # under way when another file opens
    doc.undo_stack.setClean()
    data = copy.deepcopy(doc.portfolio.data)
    data["projects"] = data["projects"][:3]
    doc.replace(Portfolio(data), None)
    same_as_full(doc)
    assert len(doc.results.ids) == 3
