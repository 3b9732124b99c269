"""The dashboard's scatter says what each bubble is (issue 9): hovering shows the project's
ID, name, BCR with its band and cost per tonne; the largest bubbles are named where their
labels fit."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QGuiApplication

from appraisal.gui import formatting as fmt
from appraisal.gui.breakdown import BASIS_NAMES, project_vfm
from appraisal.gui.charts import LABELLED_POINTS, ScatterPoint, scatter_points


@pytest.fixture
def scatter(window, qtbot):
    window.page_actions[0].trigger()
    view = window.dashboard.scatter
    r = window.doc.results
    # the points the dashboard gives, with each project's name and band (its hook)
    view.set_points(scatter_points(window.doc, r), BASIS_NAMES[r.vfm_basis])
    qtbot.waitUntil(lambda: view.chart().plotArea().width() > 100)
    return view


def _marker(view, p: ScatterPoint) -> QPoint:
    chart = view.chart()
    scene = chart.mapToPosition(QPointF(p.cost_per_t, p.bcr), chart.series()[0])
    return view.mapFromScene(scene)


def test_scatter_points_carry_each_projects_name_and_band(window):
    doc, r = window.doc, window.doc.results
    points = scatter_points(doc, r)
    assert len(points) == 11          # GRN-007 saves no carbon: no cost per tonne
    for p in points:
        i = doc.result_index(p.row)
        assert p.pid == r.ids[i] and p.name == doc.project(p.row)["name"]
        assert p.band == project_vfm(r, i).band


def test_hovering_a_bubble_says_what_project_it_is(window, scatter, qtbot):
    r = window.doc.results
    if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
        # QTest's double click in an earlier test can leave a button down: a move is then
        # a drag, and hovers nothing
        qtbot.mouseRelease(scatter.viewport(), QGuiApplication.mouseButtons(), pos=QPoint(3, 3))
    for p in sorted(scatter.points, key=lambda p: -p.bcr)[:3]:
        qtbot.mouseMove(scatter.viewport(), QPoint(3, 3))      # into the view, then onto it
        qtbot.mouseMove(scatter.viewport(), _marker(scatter, p))
        qtbot.waitUntil(lambda: scatter.callout.shown_text != "", timeout=10_000)  # a shared, loaded machine can be slow
        text = scatter.callout.shown_text
        assert text.splitlines()[0] == f"{p.pid}  {p.name}"
        assert f"Funder BCR {fmt.bcr(p.bcr)}: value for money {fmt.vfm_badge(p.band)}" in text
        assert f"{fmt.money(p.cost_per_t, short=False)} per tonne of CO2e" in text
        assert scatter.toolTip() == text            # the window's own tooltip says the same
        assert scatter.chart().plotArea().contains(scatter.callout.sceneBoundingRect())
        qtbot.mouseMove(scatter.viewport(), QPoint(2, 2))      # off the bubble: the tip goes
        qtbot.waitUntil(lambda: scatter.callout.shown_text == "", timeout=10_000)
    assert r.vfm_basis == "public"


def test_the_largest_bubbles_are_named_where_their_labels_fit(window, scatter, qtbot):
    biggest = sorted(scatter.points, key=lambda p: -p.public_cost)[:LABELLED_POINTS]
    assert [item.text() for item in scatter.labels] == [p.pid for p in biggest]
    shown = [item for item in scatter.labels if item.isVisible()]
    assert len(shown) >= 3
    area = scatter.chart().plotArea()
    rects = [item.sceneBoundingRect() for item in shown]
    for k, rect in enumerate(rects):
        assert area.contains(rect)
        assert not any(rect.intersects(o) for o in rects[k + 1:])      # no label over another
        # nor over another project's marker
        own = biggest[[p.pid for p in biggest].index(shown[k].text())]
        for p in scatter.points:
            if p is own:
                continue
            c = scatter.chart().mapToPosition(QPointF(p.cost_per_t, p.bcr),
                                              scatter.chart().series()[0])
            assert not rect.intersects(QRectF(c.x() - 4, c.y() - 4, 8, 8)), (shown[k].text(), p.pid)
    # a narrow window: labels that no longer fit are hidden rather than piled up
    scatter.resize(260, 200)
    qtbot.waitUntil(lambda: scatter.chart().plotArea().width() < 250)
    shown = [item.sceneBoundingRect() for item in scatter.labels if item.isVisible()]
    assert all(not a.intersects(b) for k, a in enumerate(shown) for b in shown[k + 1:])


def test_plain_tuples_still_plot_and_describe_their_band(qtbot):
    from appraisal.gui.charts import ScatterView
    view = ScatterView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.set_points([(0, "A-1", 100.0, 1.4994, 5e5), (1, "B-2", -50.0, 2.5, 1e6)], "social BCR")
    assert [p.pid for p in view.points] == ["A-1", "B-2"]
    text = view.describe(view.points[0])
    assert "Social BCR 1.499: value for money LOW" in text     # never "1.50 ... LOW"
