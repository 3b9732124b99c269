"""The dashboard shows every project and opens the one a user picks; the toolbar's carbon
series drives the appraisal."""
from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PySide6.QtCharts import QScatterSeries
from PySide6.QtCore import QPointF, Qt

from appraisal.gui import formatting as fmt
from appraisal.gui.breakdown import BASIS_KEYS, BASIS_NAMES
from appraisal.gui.models import SORT_ROLE


@pytest.fixture
def dashboard(window):
    window.page_actions[0].trigger()
    assert window.stack.currentWidget() is window.dashboard
    return window.dashboard


def test_ranking_lists_every_project_by_npsv(window, dashboard):
    table, proxy = dashboard.table, dashboard.proxy
    assert table.model() is proxy and proxy.rowCount() == len(window.doc.projects) == 12
    shown = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert sorted(shown) == sorted(p["id"] for p in window.doc.projects)
    npsv_column = [c.key for c in window.model.columns].index("npsv_gbp")
    npsv = [proxy.index(r, npsv_column).data(SORT_ROLE) for r in range(proxy.rowCount())]
    assert npsv == sorted(npsv, reverse=True)
    assert_allclose(sorted(npsv), np.sort(window.doc.results.metrics["npsv_gbp"]), rtol=1e-12)
    assert dashboard.cards["npsv_gbp"].value.text() == fmt.money(window.doc.results.totals()["npsv_gbp"])
    assert dashboard.cards["shovel_ready_projects"].value.text().endswith("of 12")


def test_scatter_shows_every_project_that_has_a_cost_per_tonne(window, dashboard):
    r, doc = window.doc.results, window.doc
    placeable = {row for row in range(len(doc.projects))
                 if math.isfinite(r.metrics["cost_per_tco2e_gbp"][doc.result_index(row)])}
    # GRN-007 saves no carbon: it has no cost per tonne to place it by
    assert placeable == set(range(12)) - {6}
    points = [p for s in dashboard.scatter.chart().series() if isinstance(s, QScatterSeries)
              for p in s.points()]
    assert len(points) == len(placeable)
    assert {row for _, row in dashboard.scatter._rows} == placeable
    for point, row in dashboard.scatter._rows:
        i = doc.result_index(row)
        assert point.x() == pytest.approx(r.metrics["cost_per_tco2e_gbp"][i], rel=1e-12)
        # the BCR the value-for-money bands are read on (the funder BCR by default)
        assert point.y() == pytest.approx(r.metrics[BASIS_KEYS[r.vfm_basis]][i], rel=1e-12)
    assert dashboard.scatter.chart().axes(Qt.Orientation.Vertical)[0].titleText() == \
        BASIS_NAMES[r.vfm_basis][:1].upper() + BASIS_NAMES[r.vfm_basis][1:]


def test_double_clicking_a_ranked_project_opens_it(window, dashboard, qtbot):
    table, proxy = dashboard.table, dashboard.proxy
    ix = proxy.index(2, 0)                  # the third-best project
    row = proxy.mapToSource(ix).row()
    pid = ix.data()
    table.scrollTo(ix)
    pos = table.visualRect(ix).center()
    with qtbot.waitSignal(dashboard.projectActivated, timeout=2_000) as activated:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert activated.args == [row]
    assert window.stack.currentWidget() is window.projects
    assert window.nav.currentRow() == 1 and window.page_actions[1].isChecked()
    assert window.projects.current_row() == row
    assert window.projects.editor.title.text().startswith(pid)


def test_clicking_a_point_of_the_scatter_opens_its_project(window, dashboard, qtbot):
    point, row = dashboard.scatter._rows[3]
    series = next(s for s in dashboard.scatter.chart().series()
                  if isinstance(s, QScatterSeries) and point in s.points())
    with qtbot.waitSignal(dashboard.projectActivated, timeout=2_000) as activated:
        series.clicked.emit(QPointF(point.x() * 1.0001, point.y()))    # near the marker
    assert activated.args == [row]
    assert window.projects.current_row() == row


def test_opening_a_filtered_out_project_clears_the_filter(window, dashboard):
    window.projects.search.setText("no such project")
    assert window.projects.proxy.rowCount() == 0
    dashboard.projectActivated.emit(5)
    assert window.projects.current_row() == 5
    assert window.projects.search.text() == "" and window.projects.proxy.rowCount() == 12


@pytest.mark.parametrize("series, sign", [("high", +1), ("low", -1)])
def test_carbon_series_from_the_toolbar(window, qtbot, appraise, series, sign):
    doc = window.doc
    central = doc.results
    assert central.carbon_series == "central"
    box = window.carbon_box
    k = box.findData(series)
    box.setCurrentIndex(k)
    with qtbot.waitSignal(doc.resultsChanged, timeout=10_000):
        box.activated.emit(k)                # as when the user picks it

    r = doc.results
    assert r.carbon_series == series and doc.setting("carbon_series") == series
    expected = appraise(doc.portfolio.data, doc.pack)
    assert expected.carbon_series == series
    assert_allclose(r.metrics["pv_benefits_gbp"], expected.metrics["pv_benefits_gbp"], rtol=1e-12)
    change = r.metrics["pv_benefits_gbp"] - central.metrics["pv_benefits_gbp"]
    saves_carbon = central.metrics["carbon_saved_tco2e"] > 0
    assert np.all(np.sign(change[saves_carbon]) == sign)
    assert_allclose(change[~saves_carbon], 0.0, atol=1e-6)    # GRN-007: no carbon, no change
    assert_allclose(r.metrics["pv_costs_gbp"], central.metrics["pv_costs_gbp"], rtol=1e-12)

    # every view says which series it used
    assert f"carbon values {series};" in window.dashboard.provenance.text()
    assert f"carbon values {series};" in window.projects.results.provenance.text()
    assert window.status_choices.text().startswith(f"carbon {series},")
    assert window.assumptions.series.currentData() == series
    assert doc.undo_stack.undoText() == "Change carbon series"

    with qtbot.waitSignal(doc.resultsChanged, timeout=10_000):
        window.a_undo.trigger()
    assert doc.results.carbon_series == "central"
    assert box.currentData() == "central"
    assert_allclose(doc.results.metrics["pv_benefits_gbp"], central.metrics["pv_benefits_gbp"],
                    rtol=1e-12)
