"""Drawing primitives of the PDF executive summary: page geometry, colours, a
:class:`Canvas` of text, cards, tables and rules in page coordinates, and the
charts (annual flows, tornado, histogram) drawn with QPainter."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPdfWriter, QPen

from ..core.montecarlo import Outcome
from . import formatting as fmt
from .formatting import DASH

RESOLUTION_DPI = 300
PAGE_W, PAGE_H = 595.28, 841.89           # A4 portrait [pt]
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 42.0, 40.0, 40.0   # about 15 and 14 mm
LEFT, RIGHT = MARGIN_X, PAGE_W - MARGIN_X
WIDTH = RIGHT - LEFT
FOOTER_Y = PAGE_H - MARGIN_BOTTOM + 10   # the footer sits in the bottom margin

# Fonts every user has (Windows, macOS) first, then their metric twins on Linux.
FONT_FAMILIES = ["Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]

INK = QColor("#1A1A1A")
GREY = QColor("#5F6368")
RULE = QColor("#C9D1DB")
PANEL = QColor("#F3F6FA")
ZEBRA = QColor("#F6F8FB")
ACCENT = QColor("#1F4E79")
NEGATIVE = QColor("#B00020")
AMBER_FILL, AMBER_EDGE, AMBER_INK = QColor("#FFF4D6"), QColor("#D9A400"), QColor("#6B4E00")
# as in charts.py, so that the PDF and the application speak the same colours
COST_COLOUR = QColor("#C00000")
BENEFIT_COLOUR = QColor("#2E75B6")
LOW_COLOUR = QColor("#9DC3E6")            # a driver at its low value
HIGH_COLOUR = QColor("#1F4E79")           # at its high value
HIST_COLOUR = QColor("#A9C4DE")

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter

TORNADO_ROWS_PORTFOLIO = 6
TORNADO_ROWS_PROJECT = 8
RANK_ROW_H = 11.5
LINE_SPACING = 1.22      # a line of wrapped table text, in font sizes
CHART_H = 135.0
# refs to None a page may use up before they are given back (see _spare_none_references)
NONE_FLOOR = 100_000


# -- figures ----------------------------------------------------------------------------
def _defined(v: object) -> TypeGuard[float]:
    return v is not None and not (isinstance(v, float) and not math.isfinite(v))


def _vfm_colour(category: str | None) -> QColor:
    return QColor(fmt.VFM_COLOURS.get(category or "", "#5F6368"))


def _money_colour(v) -> QColor:
    return NEGATIVE if _defined(v) and v < 0 else INK


def _signed_percent(v, places: int = 1) -> str:
    if not _defined(v):
        return DASH
    return ("+" if v > 0 else "") + fmt.percent(v, places)


def _range(low, high) -> str:
    """Two ratios as a range, or a single '–' when neither is defined."""
    if not (_defined(low) or _defined(high)):
        return DASH
    return f"{fmt.bcr(low)} – {fmt.bcr(high)}"


def _tag(value) -> str:
    """A driver's low or high as read in a legend: ×0.9, or the carbon series."""
    if isinstance(value, str):
        return value.replace(" series", "")
    return f"×{value:g}"


def _scale(values: Sequence[float]) -> tuple[float, str]:
    m = max((abs(v) for v in values), default=0.0)
    if m >= 1e9:
        return 1e9, "£bn"
    if m >= 1e6:
        return 1e6, "£m"
    if m >= 1e3:
        return 1e3, "£k"
    return 1.0, "£"


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi (1, 2, 2.5 or 5 times a power of ten apart)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo <= 0:
        lo, hi = (lo - 1.0, hi + 1.0) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    raw = (hi - lo) / max(1, count)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [k * step for k in range(first, last + 1)]


def _tick_label(v: float, step: float, div: float) -> str:
    s = step / div
    places = 0
    while places < 3 and abs(round(s, places) - s) > 1e-9 * max(1.0, abs(s)):
        places += 1
    return f"{v / div:,.{places}f}"


# -- drawing ----------------------------------------------------------------------------
@dataclass
class Cell:
    """A table cell: text with an optional colour and weight."""

    text: str
    colour: QColor | None = None
    bold: bool = False


class Canvas:
    """QPainter helpers in points: text that fits, tables, cards, rules."""

    def __init__(self, painter: QPainter, device: QPdfWriter) -> None:
        self.p = painter
        self.device = device
        self._fonts: dict[tuple, QFont] = {}
        # dry: lay out without drawing (measuring what a page holds before the pages are
        # numbered); elided: every text cut short with an ellipsis, for the tests to read
        self.dry = False
        self.elided: list[str] = []

    def font(self, size: float, bold: bool = False, italic: bool = False) -> QFont:
        key = (size, bold, italic)
        f = self._fonts.get(key)
        if f is None:
            f = QFont()
            f.setFamilies(FONT_FAMILIES)
            f.setStyleHint(QFont.StyleHint.SansSerif)
            # a point size is resolved at the writer's dots per inch, and the painter
            # then scales points to dots: size it in points of the scaled painter
            f.setPointSizeF(size * 72.0 / RESOLUTION_DPI)
            f.setBold(bold)
            f.setItalic(italic)
            if hasattr(QFont, "Tag"):   # Qt 6.7+: no "fi" ligature glyphs, so that the PDF's
                for tag in ("liga", "clig"):   # text reads and searches as typed ("benefits")
                    f.setFeature(QFont.Tag.fromString(tag), 0)
            self._fonts[key] = f
        return f

    def metrics(self, size: float, bold: bool = False, italic: bool = False) -> QFontMetricsF:
        return QFontMetricsF(self.font(size, bold, italic), self.device)

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return self.metrics(size, bold).horizontalAdvance(text)

    def text(self, x: float, y: float, w: float, h: float, text: str, size: float = 8.0, *,
             bold: bool = False, italic: bool = False, colour: QColor = INK,
             align=ALIGN_LEFT) -> None:
        """One line in the box (x, y, w, h), cut short with an ellipsis if too long."""
        fm = self.metrics(size, bold, italic)
        if fm.horizontalAdvance(text) > w:
            if not self.dry:
                self.elided.append(text)
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, w)
        if self.dry:
            return
        self.p.setFont(self.font(size, bold, italic))
        self.p.setPen(colour)
        self.p.drawText(QRectF(x, y, w, h), int(align), text)

    def wrapped_height(self, w: float, text: str, size: float, bold: bool = False) -> float:
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        return self.metrics(size, bold).boundingRect(QRectF(0, 0, w, 10_000), flags, text).height()

    def wrapped(self, x: float, y: float, w: float, text: str, size: float = 8.0, *,
                bold: bool = False, italic: bool = False, colour: QColor = INK) -> float:
        """A paragraph from (x, y), wrapped at w; returns its height."""
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        h = self.wrapped_height(w, text, size, bold)
        if self.dry:
            return h
        self.p.setFont(self.font(size, bold, italic))
        self.p.setPen(colour)
        self.p.drawText(QRectF(x, y, w, h + 2), flags, text)
        return h

    def lines(self, text: str, w: float, size: float, bold: bool = False,
              max_lines: int = 2, record: bool = False) -> list[str]:
        """``text`` broken at spaces into at most ``max_lines`` lines of width ``w``; only
        what still does not fit is cut short, with an ellipsis at the end of the last
        (and, with ``record``, noted in :attr:`elided`)."""
        fm = self.metrics(size, bold)
        out: list[str] = []
        words = text.split()
        k = 0
        while k < len(words) and len(out) < max_lines:
            line = words[k]
            k += 1
            while k < len(words) and fm.horizontalAdvance(line + " " + words[k]) <= w:
                line += " " + words[k]
                k += 1
            out.append(line)
        if k < len(words) or (out and fm.horizontalAdvance(out[-1]) > w):
            rest = " ".join([out[-1]] + words[k:]) if out else text
            if record and not self.dry:
                self.elided.append(text)
            out[-1:] = [fm.elidedText(rest, Qt.TextElideMode.ElideRight, w)]
        return out or [""]

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: QColor = RULE,
             width: float = 0.5, style=Qt.PenStyle.SolidLine) -> None:
        if self.dry:
            return
        pen = QPen(colour, width, style)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        self.p.setPen(pen)
        self.p.drawLine(QPointF(x1, y1), QPointF(x2, y2))

    def box(self, x: float, y: float, w: float, h: float, fill: QColor | None,
            edge: QColor | None = None, width: float = 0.5) -> None:
        if self.dry:
            return
        self.p.setPen(QPen(edge, width) if edge is not None else Qt.PenStyle.NoPen)
        self.p.setBrush(QBrush(fill) if fill is not None else Qt.BrushStyle.NoBrush)
        self.p.drawRect(QRectF(x, y, w, h))
        self.p.setBrush(Qt.BrushStyle.NoBrush)

    def heading(self, y: float, text: str, x: float = LEFT, w: float = WIDTH,
                aside: str = "") -> float:
        """A section heading with a rule under it; returns the y below it."""
        self.text(x, y, w, 13, text, 10.0, bold=True, colour=ACCENT)
        if aside:
            self.text(x, y, w, 13, aside, 7.0, colour=GREY, align=ALIGN_RIGHT)
        self.line(x, y + 14, x + w, y + 14, ACCENT, 0.8)
        return y + 18

    def row_lines(self, columns: Sequence[tuple[str, float, Any]], row: Sequence[Cell | str], *,
                  size: float, wrap: Sequence[int] = (), max_lines: int = 2,
                  bold: bool = False, record: bool = False) -> list[list[str]]:
        """Each cell's lines: one, or up to ``max_lines`` in the columns ``wrap``."""
        pad = 3.0
        out = []
        for k, ((_, w, _), cell) in enumerate(zip(columns, row, strict=True)):
            c = cell if isinstance(cell, Cell) else Cell(cell)
            out.append(self.lines(c.text, w - 2 * pad, size, c.bold or bold, max_lines, record)
                       if k in wrap else [c.text])
        return out

    @staticmethod
    def row_height(lines: list[list[str]], row_h: float, size: float) -> float:
        """A row of one line is ``row_h`` high; each further line adds a line of text."""
        return row_h + (max(len(c) for c in lines) - 1) * size * LINE_SPACING

    def table(self, x: float, y: float, columns: Sequence[tuple[str, float, Any]],
              rows: Sequence[Sequence[Cell | str]], *, size: float = 7.5, row_h: float = 11.5,
              total_rows: int = 0, wrap: Sequence[int] = (), max_lines: int = 2) -> float:
        """Columns (title, width, alignment); the last ``total_rows`` rows are set off
        as totals; cells of the columns ``wrap`` take up to ``max_lines`` lines rather
        than being cut short. Returns the y below the table."""
        pad = 3.0
        width = sum(c[1] for c in columns)
        line_h = size * LINE_SPACING
        head_lines = max(len(c[0].split("\n")) for c in columns) if columns else 1
        head_h = row_h + 1 + (head_lines - 1) * line_h     # a title may have two lines ("\n")
        self.box(x, y, width, head_h, PANEL)
        cx = x
        for title, w, align in columns:
            parts = title.split("\n")
            top = y + head_h - len(parts) * line_h - (row_h + 1 - line_h) / 2   # to the bottom
            for k, part in enumerate(parts):
                self.text(cx + pad, top + k * line_h, w - 2 * pad, line_h, part, size - 0.5,
                          bold=True, colour=GREY, align=align)
            cx += w
        self.line(x, y + head_h, x + width, y + head_h, RULE, 0.6)
        y += head_h
        for r, row in enumerate(rows):
            is_total = r >= len(rows) - total_rows
            cells = self.row_lines(columns, row, size=size, wrap=wrap, max_lines=max_lines,
                                   bold=is_total, record=True)
            h = self.row_height(cells, row_h, size)
            if is_total and r == len(rows) - total_rows:
                self.line(x, y, x + width, y, GREY, 0.6)
            elif r % 2 == 1:
                self.box(x, y, width, h, ZEBRA)
            cx = x
            for (_, w, align), cell, texts in zip(columns, row, cells, strict=True):
                c = cell if isinstance(cell, Cell) else Cell(cell)
                if len(texts) == 1:     # one line: centred in the row, as every other cell
                    self.text(cx + pad, y, w - 2 * pad, h, texts[0], size, bold=c.bold or is_total,
                              colour=c.colour or INK, align=align)
                else:
                    top = y + (row_h - line_h) / 2
                    for k, t in enumerate(texts):
                        self.text(cx + pad, top + k * line_h, w - 2 * pad, line_h, t, size,
                                  bold=c.bold or is_total, colour=c.colour or INK, align=align)
                cx += w
            y += h
        self.line(x, y, x + width, y, RULE, 0.6)
        return y

    def card(self, x: float, y: float, w: float, h: float, title: str, value: str,
             note: str = "", colour: QColor = INK) -> None:
        """A headline figure: title, value, and a note under it (why a figure is '–')."""
        self.box(x, y, w, h, PANEL, RULE)
        self.text(x + 5, y + 3, w - 10, 10, title, 6.8, colour=GREY)
        self.text(x + 5, y + 12, w - 10, 15, value, 11.5, bold=True, colour=colour)
        if note:
            self.text(x + 5, y + h - 11, w - 10, 9, note, 6.3, italic=True, colour=GREY)

    def badge(self, x_right: float, y: float, text: str, colour: QColor, size: float = 8.0) -> float:
        """A filled label ending at x_right (the word carries the meaning, not only the colour);
        returns its width."""
        w = self.width(text, size, True) + 10
        self.box(x_right - w, y, w, size + 6, colour)
        self.text(x_right - w, y, w, size + 6, text, size, bold=True, colour=QColor("white"),
                  align=ALIGN_CENTRE)
        return w


# -- charts -----------------------------------------------------------------------------
def annual_chart(cv: Canvas, x: float, y: float, w: float, h: float, years: np.ndarray,
                 costs: np.ndarray, benefits: np.ndarray, appraisal_year: int) -> None:
    """Costs and benefits by year as paired bars, with a value axis on the left."""
    div, unit = _scale(list(costs) + list(benefits))
    lo = min(0.0, float(np.min(costs, initial=0)), float(np.min(benefits, initial=0)))
    hi = max(0.0, float(np.max(costs, initial=0)), float(np.max(benefits, initial=0)))
    ticks = _nice_ticks(lo, hi, 4)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    axis_w, legend_h, label_h = 30.0, 12.0, 11.0
    px, py, pw, ph = x + axis_w, y + legend_h, w - axis_w, h - legend_h - label_h

    def ypos(v: float) -> float:
        return py + ph - (v - lo) / (hi - lo) * ph if hi > lo else py + ph

    # legend and unit
    cv.text(x, y, 120, 10, f"{unit}, undiscounted", 6.5, colour=GREY)
    lx = x + w
    for label, colour in (("Benefits", BENEFIT_COLOUR), ("Costs (with optimism bias)", COST_COLOUR)):
        tw = cv.width(label, 6.8)
        lx -= tw
        cv.text(lx, y, tw + 2, 10, label, 6.8, colour=INK)
        lx -= 10
        cv.box(lx, y + 2, 7, 6, colour)
        lx -= 12
    for t in ticks:
        yy = ypos(t)
        cv.line(px, yy, px + pw, yy, RULE if t else GREY, 0.4 if t else 0.7)
        cv.text(x, yy - 5, axis_w - 4, 10, _tick_label(t, step, div), 6.3, colour=GREY,
                align=ALIGN_RIGHT)
    n = max(1, len(years))
    slot = pw / n
    bar = max(0.6, min(9.0, slot * 0.38))
    label_every = next(k for k in (1, 2, 5, 10, 20, 50, 100) if slot * k >= 20)
    zero = ypos(0.0)
    for k, yr in enumerate(years):
        cx = px + slot * k + slot / 2
        for v, colour, dx in ((costs[k], COST_COLOUR, -bar), (benefits[k], BENEFIT_COLOUR, 0.0)):
            if v:
                top = ypos(float(v))
                cv.box(cx + dx, min(top, zero), bar, abs(zero - top), colour)
        if int(yr) % label_every == 0 or (label_every > 1 and k == 0 and n < 3):
            cv.line(cx, py + ph, cx, py + ph + 2, GREY, 0.5)
            cv.text(cx - 14, py + ph + 1.5, 28, 9, str(int(yr)), 6.3, colour=GREY, align=ALIGN_CENTRE)
    if len(years) and years[0] < appraisal_year <= years[-1]:
        # flows before the appraisal year are sunk: show where year 0 is
        k = int(np.searchsorted(years, appraisal_year))
        xx = px + slot * k
        cv.line(xx, py, xx, py + ph, GREY, 0.6, Qt.PenStyle.DashLine)
        cv.text(xx + 2, py, 80, 9, f"appraisal year {appraisal_year}", 6.0, colour=GREY)


@dataclass
class TornadoRow:
    label: str
    low: float | None      # NPSV with the driver at its low
    high: float | None     # and at its high
    low_tag: str
    high_tag: str


def tornado_chart(cv: Canvas, x: float, y: float, w: float, rows: Sequence[TornadoRow],
                  central: float, *, label_w: float = 118.0, row_h: float = 13.0) -> float:
    """NPSV with each driver at its low and high, as bars from the central NPSV.

    Zero is always on the axis, so that a bar crossing it shows a driver that
    turns the NPSV's sign. Returns the y below the chart."""
    values = [central, 0.0] + [v for r in rows for v in (r.low, r.high) if _defined(v)]
    div, unit = _scale(values)
    ticks = _nice_ticks(min(values), max(values), 4)
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    value_pad = 40.0
    px0, px1 = x + label_w + value_pad, x + w - value_pad

    def xpos(v: float) -> float:
        return px0 + (v - lo) / (hi - lo) * (px1 - px0) if hi > lo else px0

    # legend
    lx = x + label_w
    for label, colour in (("driver at its low", LOW_COLOUR), ("driver at its high", HIGH_COLOUR)):
        cv.box(lx, y + 2, 7, 6, colour)
        cv.text(lx + 10, y, 90, 10, label, 6.8)
        lx += 20 + cv.width(label, 6.8)
    cv.text(x, y, label_w - 6, 10, f"NPSV, {unit}", 6.5, colour=GREY)
    top = y + 14
    plot_h = row_h * max(1, len(rows))
    for t in ticks:
        xx = xpos(t)
        cv.line(xx, top, xx, top + plot_h, RULE, 0.3)
        cv.text(xx - 20, top + plot_h + 1.5, 40, 9, _tick_label(t, step, div), 6.3, colour=GREY,
                align=ALIGN_CENTRE)
    c = xpos(central)
    bottom = top + plot_h
    labels: list[tuple[float, float, str, Any, bool]] = []   # x, y, text, alignment, italic
    for k, r in enumerate(rows):
        ry = top + k * row_h
        cv.text(x, ry, label_w - 4, row_h, f"{r.label}  ({r.low_tag} / {r.high_tag})", 6.8,
                align=ALIGN_LEFT)
        ends = [(v, colour) for v, colour in ((r.low, LOW_COLOUR), (r.high, HIGH_COLOUR)) if _defined(v)]
        # the longer bar first, so that a shorter one on the same side stays visible
        ends.sort(key=lambda e: -abs(e[0] - central))
        for v, colour in ends:
            xx = xpos(v)
            cv.box(min(c, xx), ry + 2.5, abs(xx - c), row_h - 5, colour)
        if all(abs(v - central) <= 1e-9 * max(1.0, abs(central)) for v, _ in ends):
            labels.append((c + 3, ry, "no effect", ALIGN_LEFT, True))
            continue
        left = sorted((v for v, _ in ends if v < central), reverse=True)
        right = sorted(v for v, _ in ends if v >= central)
        for side, align in ((left, ALIGN_RIGHT), (right, ALIGN_LEFT)):
            if side:
                # both ends on one side (rare): name both, once if they print alike
                text = " / ".join(dict.fromkeys(fmt.money(v) for v in side))
                end = xpos(side[-1])
                labels.append((end - 2 if align == ALIGN_RIGHT else end + 2, ry, text, align, False))
    cv.line(xpos(0.0), top - 2, xpos(0.0), bottom, NEGATIVE, 0.7, Qt.PenStyle.DashLine)
    cv.line(c, top - 2, c, bottom, INK, 0.9)
    cv.line(px0, bottom, px1, bottom, GREY, 0.5)
    for lx, ly, text, align, italic in labels:   # last: legible over the lines
        tw = cv.width(text, 6.3) + 2
        if align == ALIGN_RIGHT:
            lx -= tw
        cv.box(lx, ly + 3, tw, row_h - 6, QColor("white"))
        cv.text(lx, ly, tw + 1, row_h, text, 6.3, italic=italic, colour=GREY, align=ALIGN_CENTRE)
    return bottom + 12


def histogram_chart(cv: Canvas, x: float, y: float, w: float, h: float, summary: Outcome) -> None:
    """The simulated NPSV's histogram, with P10, P50 and P90 marked, and zero."""
    counts, edges = summary.histogram_counts, summary.histogram_edges_gbp
    if not counts or len(edges) != len(counts) + 1 or not edges[-1] > edges[0]:
        return
    lo, hi = edges[0], edges[-1]
    div, unit = _scale([lo, hi])
    ph = h - 9 - 11
    top = y + 9
    biggest = max(counts) or 1

    def xpos(v: float) -> float:
        return x + (v - lo) / (hi - lo) * w

    for k, n in enumerate(counts):
        if n:
            x0, x1 = xpos(edges[k]), xpos(edges[k + 1])
            bh = n / biggest * ph
            cv.box(x0, top + ph - bh, max(0.3, x1 - x0 - 0.4), bh, HIST_COLOUR)
    cv.line(x, top + ph, x + w, top + ph, GREY, 0.5)
    ticks = [t for t in _nice_ticks(lo, hi, 5) if lo <= t <= hi]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (hi - lo)
    for t in ticks:
        xx = xpos(t)
        cv.line(xx, top + ph, xx, top + ph + 2, GREY, 0.5)
        cv.text(xx - 20, top + ph + 2, 40, 9, _tick_label(t, step, div), 6.2, colour=GREY,
                align=ALIGN_CENTRE)
    cv.text(x + w + 4, top + ph + 2, 40, 9, f"NPSV, {unit}", 6.2, colour=GREY)
    if lo < 0 < hi:
        xx = xpos(0.0)
        cv.line(xx, top, xx, top + ph, NEGATIVE, 0.7, Qt.PenStyle.DashLine)
    last_label = -math.inf
    for v, label in ((summary.npsv_p10_gbp, "P10"), (summary.npsv_p50_gbp, "P50"),
                     (summary.npsv_p90_gbp, "P90")):
        if _defined(v):
            xx = xpos(v)
            cv.line(xx, top, xx, top + ph, ACCENT, 0.8 if label == "P50" else 0.5,
                    Qt.PenStyle.SolidLine if label == "P50" else Qt.PenStyle.DashLine)
            if xx - last_label >= 20:   # close percentiles: the figures beside say which is which
                cv.text(xx - 12, y, 24, 9, label, 6.2, bold=True, colour=ACCENT, align=ALIGN_CENTRE)
                last_label = xx


# -- the contents -----------------------------------------------------------------------
