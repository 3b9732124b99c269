"""The Green Book's uncertainty tests in the window: the tornado and switching
values of the selected project, the Monte Carlo page and the Selection page.

Each figure shown is compared with the core function run directly on the same
portfolio (they must agree exactly: the window adds nothing to the arithmetic).
"""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PySide6.QtCharts import QBarCategoryAxis, QHorizontalBarSeries, QLineSeries

from appraisal.core import parse_portfolio
from appraisal.core.montecarlo import simulate
from appraisal.core.selection import budget_curve
from appraisal.core.sensitivity import sensitivity
from appraisal.gui import formatting as fmt
from appraisal.gui.charts import SHORT_DRIVER_LABELS


def wait_tasks(window, qtbot):
    qtbot.waitUntil(lambda: not window._tasks, timeout=30_000)


def unscaled(shown: np.ndarray, want: np.ndarray) -> np.ndarray:
    """A chart's values back in pounds: the chart divides every value by one power of
    1,000 (£, £k or £m, charts._scale), the one that its largest value shows."""
    scale = np.max(np.abs(want)) / np.max(np.abs(shown))
    assert any(np.isclose(scale, s, rtol=1e-9) for s in (1.0, 1e3, 1e6)), scale
    return shown * scale


def test_the_selected_projects_tornado_and_switching_values(window, qtbot):
    window.show_project(0)
    panel = window.projects.results
    qtbot.waitUntil(lambda: getattr(panel, "sensitivity", None) is not None
                    and panel.sensitivity.to_dict()["projects"][0]["id"] == "HP-001", timeout=20_000)
    expected = sensitivity(parse_portfolio({**window.doc.portfolio.data,
                                            "projects": window.doc.projects[:1]}, window.doc.pack),
                           window.doc.pack).to_dict()["projects"][0]
    table = panel.switching
    assert table.rowCount() == len(expected["switching_values"])
    capex = next(r for r in expected["switching_values"] if r["driver"] == "capex")
    row = next(k for k in range(table.rowCount()) if table.item(k, 0).text() == "Capital cost")
    assert table.item(row, 1).text() == f"× {capex['switching_value']:.3g}"
    assert "carbon low" in panel.scenarios.text()
    # the tornado's bars: each driver's change in NPSV from the central case at its low
    # and its high, the widest swing at the top (charts.tornado draws the first 8 rows
    # bottom-up, so the list read from the bottom is the core's order)
    chart = panel.chart_tornado.chart()
    (series,) = [s for s in chart.series() if isinstance(s, QHorizontalBarSeries)]
    (axis,) = [a for a in chart.axes() if isinstance(a, QBarCategoryAxis)]
    rows = [r for r in expected["tornado"] if r["npsv_gbp_low"] is not None][:8]
    assert len(rows) >= 2
    assert axis.categories()[::-1] == [SHORT_DRIVER_LABELS.get(r["driver"], r["label"])
                                       for r in rows]
    low, high = series.barSets()
    central = expected["npsv_gbp"]
    for bars, key in ((low, "npsv_gbp_low"), (high, "npsv_gbp_high")):
        want = np.array([r[key] - central for r in rows])
        shown = np.array([bars.at(k) for k in range(bars.count())])[::-1]
        assert_allclose(unscaled(shown, want), want, rtol=1e-9, atol=1e-6)


def test_monte_carlo_page_shows_the_simulation_with_its_seed(window, qtbot):
    page = window.uncertainty
    page.draws.setValue(3000)
    page.seed.setValue(42)
    page.run_button.click()
    wait_tasks(window, qtbot)
    assert page.result is not None and page.result.seed == 42 and page.result.draws == 3000
    inputs = parse_portfolio(window.doc.portfolio.data, window.doc.pack)
    expected = simulate(inputs, window.doc.pack, draws=3000, seed=42).to_dict()
    assert page.result.to_dict() == expected
    assert page.table.rowCount() == 1 + len(expected["projects"])
    assert page.table.item(0, 3).text() == fmt.money(expected["portfolio"]["npsv_mean_gbp"])
    assert "Seed 42, 3,000 draws" in page.provenance.text()
    # an edit makes the figures stale, and the page says so
    window.doc.set_field(0, ("opex_per_year",), 1.0, "opex")
    assert "run it again" in page.provenance.text()


def test_a_cancelled_simulation_changes_nothing(window, qtbot):
    page = window.uncertainty
    task = window.run_simulation(200_000, 1)
    task.cancel()
    wait_tasks(window, qtbot)
    assert page.result is None


def test_selection_page_chooses_within_the_budget(window, qtbot):
    page = window.selection
    page.budget.setText("20m")
    page.run_button.click()
    wait_tasks(window, qtbot)
    assert page.summary.text().startswith("Best set:")
    chosen = [page.table.item(r, 0).text() for r in range(page.table.rowCount())
              if page.table.item(r, 4).text()]
    costs = {p.get("id"): p for p in window.doc.projects}
    results = window.doc.results
    spent = sum(float(results.metrics["public_cost_gbp"][results.ids.index(pid)]) for pid in chosen)
    assert 0 < spent <= 20e6 and set(chosen) <= set(costs)
    # the chart is the budget curve of the core (the page's objective, NPSV by default):
    # the best NPSV at each budget, both axes in the same power of £1,000 as the values
    curve = budget_curve(results, "npsv")
    points = [(p.budget_gbp, p.objective_value) for p in curve.points
              if p.objective_value is not None]
    (line,) = [s for s in page.chart.chart().series() if isinstance(s, QLineSeries)]
    shown = np.array([(p.x(), p.y()) for p in line.points()])
    assert len(points) > 10 and shown.shape == (len(points), 2)
    want = np.array(points)
    assert_allclose(unscaled(shown[:, 0], want[:, 0]), want[:, 0], rtol=1e-9)
    assert_allclose(unscaled(shown[:, 1], want[:, 1]), want[:, 1], rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("text, expect", [("lots", "not an amount"), ("-5", "not an amount")])
def test_selection_refuses_a_bad_budget(window, text, expect):
    page = window.selection
    page.budget.setText(text)
    page.run_button.click()
    assert expect in page.error.text()
    assert not window._tasks


def test_selection_names_unknown_ids(window):
    page = window.selection
    page.include.setText("HP-001, NOPE-9")
    page.run_button.click()
    assert "NOPE-9" in page.error.text()


def test_pdf_summary_is_written_in_the_background(window, qtbot, tmp_path):
    path = tmp_path / "summary.pdf"
    window.uncertainty.draws.setValue(500)
    window.export_pdf(path)
    wait_tasks(window, qtbot)
    assert path.exists() and path.read_bytes()[:5] == b"%PDF-"
    assert "Wrote" in window.statusBar().currentMessage()


def test_the_portfolios_own_sensitivity_ranges_reach_the_tornado(window, qtbot):
    """Issue 9: the window's tornado ignored the ranges a portfolio sets (FORMAT.md 1)."""
    doc = window.doc
    doc.set_setting("sensitivity", {"capex": {"low": 0.5, "high": 2.0}}, "sensitivity ranges")
    doc.wait_for_results()
    window.show_project(0)
    panel = window.projects.results
    qtbot.waitUntil(lambda: getattr(panel, "sensitivity", None) is not None
                    and panel.sensitivity.to_dict()["projects"][0]["id"] == "HP-001"
                    and any(r["driver"] == "capex" and r["low"] == 0.5
                            for r in panel.sensitivity.to_dict()["projects"][0]["tornado"]), timeout=20_000)
    expected = sensitivity(parse_portfolio({**doc.portfolio.data, "projects": doc.projects[:1]},
                                           doc.pack), doc.pack).to_dict()["projects"][0]
    shown = next(r for r in panel.sensitivity.to_dict()["projects"][0]["tornado"] if r["driver"] == "capex")
    capex = next(r for r in expected["tornado"] if r["driver"] == "capex")
    assert (shown["low"], shown["high"]) == (0.5, 2.0)
    assert shown["npsv_gbp_low"] == pytest.approx(capex["npsv_gbp_low"], rel=1e-12)
    assert shown["npsv_gbp_high"] == pytest.approx(capex["npsv_gbp_high"], rel=1e-12)
