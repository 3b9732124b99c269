"""Charts (QtCharts) of a project's years and of the pipeline."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from PySide6.QtCharts import (QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView,
                              QHorizontalBarSeries, QLineSeries, QScatterSeries, QValueAxis)
from PySide6.QtCore import QMargins, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsSimpleTextItem, QToolTip

from ..core.results import vfm_category
from ..core.sensitivity import TornadoRow
from . import formatting as fmt
from .plain import plain_tip

SHORT_DRIVER_LABELS = {"capex": "Capex", "opex": "Opex", "optimism_bias": "Optimism bias",
                       "energy_quantities": "Energy saved", "energy_prices": "Energy prices",
                       "carbon_values": "Carbon values", "other_benefits": "Other benefits",
                       "lifetime": "Lifetime", "job_intensity": "Job intensity",
                       "additionality": "Additionality"}
COST_COLOUR = QColor("#C00000")
BENEFIT_COLOUR = QColor("#2E75B6")
CARBON_COLOUR = QColor("#548235")


def _font(points: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(points)
    f.setBold(bold)
    return f


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTitleFont(_font(9, bold=True))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(0)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _nice_axis(lo: float, hi: float, fmt: str) -> QValueAxis:
    axis = QValueAxis()
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        lo, hi = (lo - 1, hi + 1) if math.isfinite(lo) else (0, 1)
    axis.setRange(min(lo, 0), max(hi, 0))
    axis.applyNiceNumbers()
    if fmt == "%.1f":      # as many decimals as the ticks need: "500", not "500.0"; "0.5"
        step = (axis.max() - axis.min()) / max(1, axis.tickCount() - 1)
        fmt = "%.0f" if step >= 1 and float(step).is_integer() else \
            "%.1f" if step >= 0.1 else "%.2f"
    axis.setLabelFormat(fmt)
    axis.setLabelsFont(_font(7.5))
    axis.setTruncateLabels(False)
    return axis


def _scale(values: np.ndarray) -> tuple[float, str]:
    m = float(np.max(np.abs(values))) if values.size else 0.0
    if m >= 1e6:
        return 1e6, "£m"
    if m >= 1e3:
        return 1e3, "£k"
    return 1.0, "£"


class ChartView(QChartView):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(170)

    def show_chart(self, chart: QChart) -> None:
        old = self.chart()
        self.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()


def annual_costs_benefits(years: np.ndarray, costs: np.ndarray, benefits: np.ndarray) -> QChart:
    div, unit = _scale(np.concatenate([costs, benefits]))
    chart = _chart(f"Annual costs and benefits ({unit}, base prices)")
    series = QBarSeries()
    for label, values, colour in (("Costs", costs, COST_COLOUR), ("Benefits", benefits, BENEFIT_COLOUR)):
        s = QBarSet(label)
        s.setColor(colour)
        s.setBorderColor(colour)
        s.append([float(v) / div for v in values])
        series.append(s)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append([str(int(y)) for y in years])
    axis_x.setLabelsFont(_font(7))
    axis_x.setLabelsAngle(-90)   # a year under every bar, readable however many years
    axis_x.setTruncateLabels(False)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    lo = float(min(costs.min(initial=0), benefits.min(initial=0))) / div
    hi = float(max(costs.max(initial=0), benefits.max(initial=0))) / div
    axis_y = _nice_axis(lo, hi, "%.1f")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    return chart


def line_by_year(title: str, years: np.ndarray, values: np.ndarray, colour: QColor, *,
                 money: bool = True, mark_zero: bool = False) -> QChart:
    div, unit = _scale(values) if money else (1.0, "")
    chart = _chart(title.format(unit=unit))
    series = QLineSeries()
    series.setName(title.split(" (")[0])
    pen = QPen(colour)
    pen.setWidthF(2.0)
    series.setPen(pen)
    for y, v in zip(years, values):
        series.append(QPointF(float(y), float(v) / div))
    chart.addSeries(series)
    chart.legend().hide()
    axis_x = QValueAxis()
    axis_x.setRange(float(years[0]) if len(years) else 0, float(years[-1]) if len(years) else 1)
    axis_x.setLabelFormat("%d")
    axis_x.setTickCount(min(8, max(2, len(years))))
    axis_x.setLabelsFont(_font(7.5))
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = _nice_axis(float(values.min(initial=0)) / div, float(values.max(initial=0)) / div, "%.1f")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    if mark_zero and len(years):
        zero = QLineSeries()
        zero.setPen(QPen(QColor("#808080"), 1, Qt.PenStyle.DashLine))
        zero.append(float(years[0]), 0.0)
        zero.append(float(years[-1]), 0.0)
        chart.addSeries(zero)
        zero.attachAxis(axis_x)
        zero.attachAxis(axis_y)
    return chart


class ScatterPoint(NamedTuple):
    """A project on the scatter: its document row, ID, cost per tonne, the BCR the bands
    are read on, public cost, and (for its label and tooltip) its name and band."""

    row: int
    pid: str
    cost_per_t: float
    bcr: float
    public_cost: float
    name: str = ""
    band: str | None = None      # None: the band of ``bcr`` (no adjustment known)


def scatter_points(doc, results) -> list[ScatterPoint]:
    """The dashboard's points: every appraised project with a cost per tonne, with its
    name and its band (after any adjustment for non-monetised impacts)."""
    from .breakdown import BASIS_KEYS, project_vfm
    basis = BASIS_KEYS.get(results.vfm_basis, "bcr")
    m = results.metrics
    out = []
    for row, i in doc.snapshot.result_index.items():
        x, y = float(m["cost_per_tco2e_gbp"][i]), float(m[basis][i])
        if math.isfinite(x) and math.isfinite(y):
            project = doc.project(row)
            out.append(ScatterPoint(row, results.ids[i], x, y, float(m["public_cost_gbp"][i]),
                                    str(project.get("name", "")) if isinstance(project, dict) else "",
                                    project_vfm(results, i).band))
    return out


LABELLED_POINTS = 5        # the largest bubbles (most public money) named beside them
MARKER_SIZES = ((9.0, 0.0, 0.25), (14.0, 0.25, 0.6), (20.0, 0.6, 1.01))   # size, share of largest


class ScatterView(ChartView):
    """BCR against cost per tonne, one point per project; hovering a point shows what it is,
    the largest are named where their labels fit, and a click opens the project."""

    projectClicked = Signal(int)   # row of the document

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QPointF, int]] = []
        self.points: list[ScatterPoint] = []
        self.bcr_name = "BCR"
        self.labels: list[QGraphicsSimpleTextItem] = []
        self.callout: Callout | None = None
        self.setMouseTracking(True)

    def set_points(self, points, bcr_name: str = "BCR") -> None:
        """points: :class:`ScatterPoint` or tuples (row, id, cost per tonne, BCR, public
        cost[, name, band]); ``bcr_name`` says which BCR ("funder BCR" or "social BCR": the
        one the value-for-money bands are read on)."""
        points = [p if isinstance(p, ScatterPoint) else ScatterPoint(*p) for p in points]
        self.points, self.bcr_name = points, bcr_name
        bcr_title = bcr_name[:1].upper() + bcr_name[1:]
        chart = _chart(f"{bcr_title} against £ per tonne of CO2e (larger marker: more public money)")
        chart.legend().hide()
        self._rows = []
        self._sizes: dict[int, float] = {}
        self.labels = []
        self.callout = Callout(chart)
        if not points:
            self.show_chart(chart)
            return
        costs = np.array([p.public_cost for p in points])
        big = float(costs.max()) if costs.size and costs.max() > 0 else 1.0
        for size, lo, hi in MARKER_SIZES:
            series = QScatterSeries()
            series.setMarkerSize(size)
            series.setColor(QColor(46, 117, 182, 170))
            series.setBorderColor(QColor("#1F4E79"))
            for k, p in enumerate(points):
                if lo <= p.public_cost / big < hi:
                    series.append(p.cost_per_t, p.bcr)
                    self._rows.append((QPointF(p.cost_per_t, p.bcr), p.row))
                    self._sizes[k] = size
            series.clicked.connect(self._clicked)
            series.hovered.connect(self._hovered)
            chart.addSeries(series)
        xs = [p.cost_per_t for p in points]
        ys = [p.bcr for p in points]
        ax = _nice_axis(min(xs), max(xs), "%.0f")
        ax.setTitleText("£ per tCO2e")
        ay = _nice_axis(min(ys), max(ys), "%.1f")
        ay.setTitleText(bcr_title)
        chart.addAxis(ax, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(ay, Qt.AlignmentFlag.AlignLeft)
        for s in chart.series():
            s.attachAxis(ax)
            s.attachAxis(ay)
        # a BCR of 1, where the "poor" band ends (a guide, never a pass or fail line)
        one = QLineSeries()
        one.setPen(QPen(QColor("#B00020"), 1, Qt.PenStyle.DashLine))
        one.append(ax.min(), 1.0)
        one.append(ax.max(), 1.0)
        chart.addSeries(one)
        one.attachAxis(ax)
        one.attachAxis(ay)
        # the largest few by public money, named beside their markers
        order = sorted(range(len(points)), key=lambda k: -points[k].public_cost)[:LABELLED_POINTS]
        for k in order:
            item = QGraphicsSimpleTextItem(points[k].pid, chart)
            item.setFont(_font(7.5))
            item.setBrush(QColor("#1F1F1F"))
            item.setZValue(5)
            item.setData(0, k)
            self.labels.append(item)
        chart.plotAreaChanged.connect(self._place_labels)
        self.show_chart(chart)
        self._place_labels()

    # -- what a point is --------------------------------------------------------------
    def describe(self, p: ScatterPoint) -> str:
        """The tooltip of a point: ID and name, the BCR with its band, cost per tonne and
        public cost."""
        band = p.band if p.band is not None else vfm_category(p.bcr)
        bcr_title = self.bcr_name[:1].upper() + self.bcr_name[1:]
        return "\n".join(line for line in (
            f"{p.pid}  {p.name}".strip(),
            f"{bcr_title} {fmt.bcr(p.bcr)}: value for money {fmt.vfm_badge(band)}",
            f"{fmt.money(p.cost_per_t, short=False)} per tonne of CO2e",
            f"Public cost {fmt.money(p.public_cost)}") if line)

    def point_at(self, value: QPointF) -> ScatterPoint | None:
        """The project whose marker is nearest ``value`` (chart coordinates), by distance
        on screen."""
        if not self.points or self.chart() is None or not self.chart().series():
            return None
        series = self.chart().series()[0]
        here = self.chart().mapToPosition(value, series)

        def dist(p: ScatterPoint) -> float:
            there = self.chart().mapToPosition(QPointF(p.cost_per_t, p.bcr), series)
            return (there.x() - here.x()) ** 2 + (there.y() - here.y()) ** 2
        return min(self.points, key=dist)

    def _hovered(self, value: QPointF, state: bool) -> None:
        if not state:
            self.callout.hide_tip()
            QToolTip.hideText()
            return
        p = self.point_at(value)
        if p is None:
            return
        self.show_tip(p)

    def show_tip(self, p: ScatterPoint) -> str:
        """Show what ``p`` is beside its marker (in the chart, so that a screenshot has it)
        and as the window's tooltip; returns the text."""
        text = self.describe(p)
        chart = self.chart()
        anchor = chart.mapToPosition(QPointF(p.cost_per_t, p.bcr), chart.series()[0])
        self.callout.show_tip(text, anchor, chart.plotArea())
        self.setToolTip(plain_tip(text))
        return text

    # -- labels of the largest -------------------------------------------------------
    def _place_labels(self) -> None:
        """Each label to the right of its marker (or left, where the plot ends), unless it
        would cover another label, another marker or leave the plot: then it is hidden
        (hovering names every point)."""
        chart = self.chart()
        if chart is None or not chart.series() or not self.labels:
            return
        series = chart.series()[0]
        area = chart.plotArea()
        markers = []
        for k, p in enumerate(self.points):
            c = chart.mapToPosition(QPointF(p.cost_per_t, p.bcr), series)
            r = self._sizes.get(k, 9.0) / 2
            markers.append((k, QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)))
        placed: list[QRectF] = []
        mark_of = dict(markers)
        for item in self.labels:
            k = item.data(0)
            box = item.boundingRect()
            mark = mark_of[k]
            spots = [QPointF(mark.right() + 2, mark.center().y() - box.height() / 2),
                     QPointF(mark.left() - 2 - box.width(), mark.center().y() - box.height() / 2),
                     QPointF(mark.center().x() - box.width() / 2, mark.top() - 1 - box.height()),
                     QPointF(mark.center().x() - box.width() / 2, mark.bottom() + 1)]
            item.setVisible(False)
            for spot in spots:
                rect = QRectF(spot, box.size())
                if not area.contains(rect):
                    continue
                if any(rect.intersects(o) for o in placed):
                    continue
                if any(rect.intersects(m) for j, m in markers if j != k):
                    continue
                item.setPos(spot)
                item.setVisible(True)
                placed.append(rect)
                break

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_labels()

    def _clicked(self, point: QPointF) -> None:
        if not self._rows:
            return
        best = min(self._rows, key=lambda pr: (pr[0].x() - point.x()) ** 2 + (pr[0].y() - point.y()) ** 2)
        self.projectClicked.emit(best[1])


class Callout(QGraphicsRectItem):
    """A box of text beside a point of a chart: what the point is."""

    def __init__(self, chart: QChart) -> None:
        super().__init__(chart)
        self.text = QGraphicsSimpleTextItem(self)
        self.text.setFont(_font(8))
        self.text.setBrush(QColor("#1A1A1A"))
        self.setBrush(QColor(255, 255, 240, 240))
        self.setPen(QPen(QColor("#8A8A8A"), 0.8))
        self.setZValue(10)
        self.hide()

    def show_tip(self, text: str, anchor: QPointF, area: QRectF) -> None:
        self.text.setText(text)
        box = self.text.boundingRect().adjusted(-5, -3, 5, 3)
        self.setRect(QRectF(0, 0, box.width(), box.height()))
        self.text.setPos(5, 3)
        x = anchor.x() + 10
        y = anchor.y() - box.height() - 8
        if x + box.width() > area.right():     # inside the plot, on whichever side has room
            x = anchor.x() - 10 - box.width()
        if y < area.top():
            y = anchor.y() + 10
        x = max(area.left(), min(x, area.right() - box.width()))
        y = max(area.top(), min(y, area.bottom() - box.height()))
        self.setPos(x, y)
        self.show()

    def hide_tip(self) -> None:
        self.hide()

    @property
    def shown_text(self) -> str:
        return self.text.text() if self.isVisible() else ""


def tornado(rows: Sequence[TornadoRow], central: float,
            title: str = "Change in NPSV at each driver's low and high") -> QChart:
    """A tornado: the change in NPSV from the central case at each driver's low and
    high, the widest swing at the top."""
    rows = [r for r in rows if r.npsv_gbp_low is not None and r.npsv_gbp_high is not None][:8]
    lows = np.array([r.npsv_gbp_low for r in rows], dtype=float) - central   # both ends set: above
    highs = np.array([r.npsv_gbp_high for r in rows], dtype=float) - central
    div, unit = _scale(np.concatenate([lows, highs])) if rows else (1.0, "£")
    chart = _chart(f"{title} ({unit})")
    series = QHorizontalBarSeries()
    for label, values, colour in (("At the driver's low", lows, COST_COLOUR),
                                  ("At the driver's high", highs, BENEFIT_COLOUR)):
        s = QBarSet(label)
        s.setColor(colour)
        s.setBorderColor(colour)
        s.append([float(v) / div for v in values[::-1]])
        series.append(s)
    series.setBarWidth(0.8)
    chart.addSeries(series)
    axis_y = QBarCategoryAxis()
    axis_y.append([SHORT_DRIVER_LABELS.get(r.driver, r.label) for r in rows[::-1]])
    axis_y.setLabelsFont(_font(7.5))
    axis_y.setTruncateLabels(False)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    lo = float(min(lows.min(initial=0), highs.min(initial=0))) / div
    hi = float(max(lows.max(initial=0), highs.max(initial=0))) / div
    axis_x = _nice_axis(lo, hi, "%.1f")
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    return chart


def histogram(counts: list[int], edges: list[float], title: str, marks: dict[str, float]) -> QChart:
    """A histogram of simulated NPSV, with its percentiles named in the title."""
    edges_a = np.asarray(edges, dtype=float)
    div, unit = _scale(edges_a) if edges_a.size else (1.0, "£")
    chart = _chart(title.format(unit=unit) + "  " + ", ".join(
        f"{k} {v / div:,.2f}" for k, v in marks.items()))
    series = QBarSeries()
    s = QBarSet("Draws")
    s.setColor(BENEFIT_COLOUR)
    s.append([float(c) for c in counts])
    series.append(s)
    series.setBarWidth(1.0)
    chart.addSeries(series)
    chart.legend().hide()
    axis_x = QBarCategoryAxis()
    mids = (edges_a[:-1] + edges_a[1:]) / 2 / div if edges_a.size > 1 else np.zeros(0)
    axis_x.append([f"{m:,.1f}" for m in mids])
    axis_x.setLabelsFont(_font(7))
    axis_x.setLabelsAngle(-90)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = _nice_axis(0.0, float(max(counts, default=1)), "%d")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    return chart


def curve(points: list[tuple[float, float]], title: str, x_title: str, y_title: str,
          y_money: bool = False) -> QChart:
    """A line of (x, y) points, such as the objective against the budget."""
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    dx, ux = _scale(xs) if xs.size else (1.0, "£")
    dy, uy = _scale(ys) if y_money and ys.size else (1.0, "")
    ys = ys / dy
    y_title = f"{y_title} ({uy})" if uy else y_title
    chart = _chart(title)
    chart.legend().hide()
    series = QLineSeries()
    pen = QPen(BENEFIT_COLOUR)
    pen.setWidthF(2.0)
    series.setPen(pen)
    for x, y in zip(xs, ys):
        series.append(float(x) / dx, float(y))
    chart.addSeries(series)
    ax = _nice_axis(float(xs.min(initial=0)) / dx, float(xs.max(initial=1)) / dx, "%.1f")
    ax.setTitleText(f"{x_title} ({ux})")
    ay = _nice_axis(float(ys.min(initial=0)), float(ys.max(initial=1)), "%.1f" if y_money else "%.0f")
    ay.setTitleText(y_title)
    chart.addAxis(ax, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(ay, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(ax)
    series.attachAxis(ay)
    return chart


def bars_by_year(title: str, years: np.ndarray, sets: list[tuple[str, np.ndarray, QColor]], *,
                 money: bool = True) -> QChart:
    """Bars side by side for each year (the Delivery page's profile, actual and forecast);
    ``{unit}`` in the title becomes £m, £k or £ when ``money``."""
    values = np.concatenate([v for _, v, _ in sets]) if sets else np.zeros(0)
    div, unit = _scale(values) if money else (1.0, "")
    chart = _chart(title.format(unit=unit))
    series = QBarSeries()
    for label, vals, colour in sets:
        s = QBarSet(label)
        s.setColor(colour)
        s.setBorderColor(colour)
        s.append([float(v) / div for v in vals])
        series.append(s)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append([str(int(y)) for y in years] or [""])
    axis_x.setLabelsFont(_font(7.5))
    axis_x.setTruncateLabels(False)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = _nice_axis(float(values.min(initial=0)) / div, float(values.max(initial=0)) / div,
                        "%.1f")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    return chart
