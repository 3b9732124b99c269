"""The PDF executive summary: one page for the pipeline, then one page per project.

Drawn with Qt's own PDF writer (QPdfWriter and QPainter): no other library, the
same pages on every platform, and it runs off screen (the command line) as well
as in the application. Charts are drawn with QPainter directly rather than
through QtCharts, whose scenes need a widget application and lay out
differently at print resolution.
"""
from __future__ import annotations

import contextlib
import ctypes
import datetime
import functools
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMarginsF, QRectF
from PySide6.QtGui import QColor, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter

from ..core import appraise_portfolio
from ..core.delivery import DeliveryReport, track
from ..core.montecarlo import SimulationSummary, simulate
from ..core.pack import AssumptionPack
from ..core.portfolio import PortfolioInputs
from ..core.results import PortfolioResults, vfm_category
from ..core.sensitivity import DRIVER_BY_NAME, Scenario, SwitchingValue, Tornado, sensitivity
from ..core.sensitivity import TornadoRow as SensitivityRow
from ..core.wording import UNDEFINED_REASONS, provenance, shovel_ready_rule, undefined_reason
from ..io.portfolio_file import publish, temp_file_beside
from ..io.workbook.delivery_sheet import has_delivery
from . import formatting as fmt
from .breakdown import (BASIS_KEYS, Line, benefit_lines, carbon_cost_test, cost_lines, deadweight_line,
                        delay_line, exchequer_line, pack_note, pipeline_values, pipeline_vfm,
                        project_values, project_vfm)
from .formatting import DASH
from .report_drawing import (ALIGN_LEFT, ALIGN_RIGHT, AMBER_EDGE, AMBER_FILL, AMBER_INK, CHART_H,
                             Canvas, LINE_SPACING, Cell, FOOTER_Y, GREY, INK, LEFT, MARGIN_TOP, NEGATIVE,
                             NONE_FLOOR, PAGE_H, RANK_ROW_H, RESOLUTION_DPI, RIGHT, RULE,
                             TORNADO_ROWS_PORTFOLIO, TORNADO_ROWS_PROJECT, TornadoRow, WIDTH,
                             _defined, _money_colour, _range, _signed_percent, _tag, _vfm_colour,
                             annual_chart, histogram_chart, tornado_chart)

__all__ = ["ReportCancelled", "SummaryLayout", "write_summary_pdf"]


class ReportCancelled(Exception):
    """The user stopped the report; no file was written."""


# -- the page ---------------------------------------------------------------------------
# Everything below is laid out in points (1/72 inch): the painter is scaled from the
# writer's dots to points once per page, so that geometry reads as it prints.

@dataclass
class Figures:
    """Everything the pages print, computed once before the first page."""

    results: PortfolioResults
    records: list[dict[str, Any]]
    portfolio: dict[str, Any]
    sensitivity: Tornado
    simulation: SimulationSummary
    pack: AssumptionPack
    inputs: PortfolioInputs
    produced: datetime.date
    ranks: dict[int, int]        # project index -> rank by NPSV (1 = highest)

    # the pages in order (see plan_pages): set once laid out, before the first is drawn
    plan: list[tuple] = field(default_factory=list)
    # delivery against the baselines (docs/delivery.md): a page of its own when any
    # project has a baseline or actuals
    delivery: DeliveryReport | None = None

    PIPELINE_PAGES = 2     # the totals, ranking and gap; then the NPSV's make-up and its risks

    @property
    def pages(self) -> int:
        if self.plan:
            return len(self.plan)
        # an empty pipeline has nothing to break down: its one page says so
        return ((self.PIPELINE_PAGES if self.records else 1) + len(self.records)
                + (self.delivery is not None))

    def category_label(self, category: str) -> str:
        c = self.pack.categories.get(category)
        return c.label if c is not None else category.replace("_", " ")

    def adjustment_reason(self, i: int) -> str:
        p = self.inputs.projects[i] if i < len(self.inputs.projects) else None
        return str(getattr(p, "vfm_adjustment_reason", "") or "")


def _fit(columns: list[tuple[str, float, Any]]) -> list[tuple[str, float, Any]]:
    """The column of width 0 takes what the others leave of the page's width."""
    rest = WIDTH - sum(c[1] for c in columns)
    return [(t, w or rest, a) for t, w, a in columns]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _date(d: datetime.date) -> str:
    # not strftime("%B"): Qt sets the C library's locale from the user's, and the
    # summary is written in English whatever the machine's language
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


FOOTER_SIZE = 6.5
FOOTER_LINE_H = 8.0


def footer_text(fig: Figures) -> str:
    """The pack line of every page, with its line on the rows that are not official."""
    r = fig.results
    note = pack_note(r)
    return provenance(r.pack_id, r.pack_vintage) + (f"  ·  {note}" if note else "")


def footer_top(cv: Canvas, fig: Figures) -> float:
    """Where the footer begins: a page's content stops above it (the pack line may wrap)."""
    right_w = cv.width(f"Page {fig.pages} of {fig.pages}", FOOTER_SIZE) + 2
    h = cv.wrapped_height(WIDTH - right_w - 12, footer_text(fig), FOOTER_SIZE)
    return min(FOOTER_Y, PAGE_H - 14 - h)


def footer(cv: Canvas, fig: Figures, page: int) -> None:
    top = footer_top(cv, fig)
    cv.line(LEFT, top - 3, RIGHT, top - 3, RULE, 0.5)
    right = f"Page {page} of {fig.pages}"
    right_w = cv.width(f"Page {fig.pages} of {fig.pages}", FOOTER_SIZE) + 2
    cv.wrapped(LEFT, top, WIDTH - right_w - 12, footer_text(fig), FOOTER_SIZE, colour=GREY)
    cv.text(RIGHT - right_w, top, right_w, 9, right, FOOTER_SIZE, colour=GREY, align=ALIGN_RIGHT)


def _undefined_notes(r: PortfolioResults, s: dict[str, np.ndarray]) -> dict[str, str]:
    """Why each of a project's figures would be '–', in a few words (METHOD.md 3 to 5)."""
    k0 = int(np.searchsorted(r.years, r.appraisal_year))
    cash = s["financial_cash_flow"][k0:]
    net = (s["discounted_benefits"] - s["discounted_costs"])[k0:]
    flows = {"financial_irr": cash, "payback_year": cash, "discounted_payback_year": net}
    keys = ("bcr", "bcr_public", "cost_per_tco2e_gbp", "public_cost_per_tco2e_gbp",
            "cost_per_net_job_gbp", *flows)
    return {k: undefined_reason(k, flows.get(k)) or "not defined" for k in keys}


def _line_rows(lines: list[Line]) -> list[list[Cell | str]]:
    """Lines of figures as table rows: parts indented, totals in bold, losses in red."""
    rows: list[list[Cell | str]] = []
    for line in lines:
        bold = line.level == 0
        colour = NEGATIVE if line.unit == "gbp" and (line.value or 0) < 0 else None
        rows.append([Cell(("" if bold else "   ") + line.label, None, bold),
                     Cell(line.text(), colour, bold)])
    return rows


def value_tables(cv: Canvas, y: float, v: dict[str, Any], *, heading: str, row_h: float = 10.0,
                 size: float = 7.0) -> float:
    """What makes up the NPSV (benefits left; costs, the NPSV and the Exchequer right),
    each external effect on its own line. Returns the y below."""
    y = cv.heading(y, heading, aside="present values, £ in real terms; each effect on its own line")
    half = (WIDTH - 14) / 2
    value_w = 58.0
    left = cv.table(LEFT, y, [("Benefits", half - value_w, ALIGN_LEFT), ("PV", value_w, ALIGN_RIGHT)],
                    _line_rows(benefit_lines(v)), size=size, row_h=row_h, total_rows=1)
    right_x = LEFT + half + 14
    costs = cost_lines(v)
    rows = _line_rows(costs[:4])
    rows += [[Cell("   " + line.label, GREY), Cell(line.text(), GREY)] for line in costs[4:]]
    npsv = Line("npsv_gbp", "Net present social value (NPSV)", v.get("npsv_gbp"), level=0)
    rows += _line_rows([npsv])
    right = cv.table(right_x, y, [("Costs", half - value_w, ALIGN_LEFT), ("PV", value_w, ALIGN_RIGHT)],
                     rows, size=size, row_h=row_h, total_rows=1)
    ex = exchequer_line(v)
    right += 2
    cv.text(right_x + 3, right, half - value_w - 6, row_h, "Exchequer: VAT and duty receipts",
            size, bold=True)
    cv.text(right_x + half - value_w, right, value_w - 3, row_h, ex.text(), size, bold=True,
            colour=_money_colour(ex.value), align=ALIGN_RIGHT)
    right += row_h
    cv.text(right_x + 3, right, half - 6, 8, "a transfer, shown beside the NPSV and not in it",
            6.0, italic=True, colour=GREY)
    right += 9
    return max(left, right)


def facts_line(v: dict[str, Any]) -> str:
    """Carbon by kind, embodied tonnes, jobs apart, and any delay or deadweight, in one line."""
    parts = [f"Carbon saved {fmt.number(v.get('carbon_saved_tco2e'), 0)} tCO2e: direct "
             f"{fmt.number(v.get('carbon_saved_direct_tco2e'), 0)}, traded "
             f"{fmt.number(v.get('carbon_saved_traded_tco2e'), 0)}; embodied in construction "
             f"{fmt.number(v.get('embodied_carbon_tco2e'), 0)} (not netted)",
             f"net jobs: construction {fmt.number(v.get('net_construction_jobs_fte'), 1)}, "
             f"operation {fmt.number(v.get('net_operational_jobs_fte'), 1)} FTE"]
    for line in (delay_line(v), deadweight_line(v)):
        if line is not None:
            parts.append(f"{line.label[:1].lower()}{line.label[1:]}: {line.text()}")
    return "  ·  ".join(parts) + "."


def _caution(cv: Canvas, y: float, fig: Figures) -> float:
    note = pack_note(fig.results)
    if not note:
        return y + 4
    text = (f"Caution: {note[:1].lower()}{note[1:]}. Check them against the published sources "
            "before a formal business case.")
    h = cv.wrapped_height(WIDTH - 12, text, 7.2, True) + 8
    cv.box(LEFT, y, WIDTH, h, AMBER_FILL, AMBER_EDGE, 0.8)
    cv.wrapped(LEFT + 6, y + 4, WIDTH - 12, text, 7.2, bold=True, colour=AMBER_INK)
    return y + h + 8


def pipeline_page(cv: Canvas, fig: Figures) -> None:
    """Page 1: the pipeline's totals and its ranking."""
    vfm = pipeline_vfm(fig.results)
    y = _pipeline_title(cv, fig, vfm)
    y = _pipeline_cards(cv, fig, y, vfm)
    _ranking(cv, fig, y, vfm)
    footer(cv, fig, 1)


def _pipeline_title(cv: Canvas, fig: Figures, vfm) -> float:
    """The page's title, the pipeline's name, where its figures come from and any caution."""
    r = fig.results
    y = MARGIN_TOP
    cv.text(LEFT, y, WIDTH, 10, "EXECUTIVE SUMMARY  ·  GREEN BOOK APPRAISAL OF THE PIPELINE", 7.0,
            bold=True, colour=GREY)
    cv.text(LEFT, y, WIDTH, 10, f"Produced {_date(fig.produced)}", 7.0, colour=GREY,
            align=ALIGN_RIGHT)
    y += 12
    y += cv.wrapped(LEFT, y, WIDTH, r.name, 16.0, bold=True) + 5
    provenance = (f"Assumption pack {r.pack_id} ({r.pack_name}), vintage {r.pack_vintage}.  "
                  f"Carbon values: {r.carbon_series} series.  Energy prices: {r.energy_series} "
                  f"series.  Discounting: {r.discount_schedule} schedule.  Appraisal year (year 0): "
                  f"{r.appraisal_year}.  Money: £ in real terms at {r.price_base_year} prices.  "
                  f"Value for money on the {vfm.basis_name}.  {len(r.ids)} projects.")
    y += cv.wrapped(LEFT, y, WIDTH, provenance, 7.5, colour=GREY) + 4
    return _caution(cv, y, fig)


def _pipeline_cards(cv: Canvas, fig: Figures, y: float, vfm) -> float:
    """The headline totals, in cards four to a row; the y below them."""
    r, port = fig.results, fig.portfolio
    v = pipeline_values(r)
    ex = exchequer_line(v)
    cards = [
        ("Net present social value", fmt.money(port["npsv_gbp"]), "PV of benefits less PV of costs",
         _money_colour(port["npsv_gbp"])),
        ("Social BCR", fmt.bcr(port["bcr"]),
         "all benefits / all costs" if _defined(port["bcr"]) else UNDEFINED_REASONS["bcr"], INK),
        ("Funder BCR", fmt.bcr(port.get("bcr_public")),
         "net of private costs / public costs" if _defined(port.get("bcr_public"))
         else UNDEFINED_REASONS["bcr_public"], INK),
        ("Value for money", vfm.badge, f"on the {vfm.basis_name}",
         _vfm_colour(vfm.band)),
        ("Exchequer (VAT and duty)", ex.text(), "a transfer, not in the NPSV",
         _money_colour(ex.value)),
        ("PV of costs", fmt.money(port["pv_costs_gbp"]),
         f"public {fmt.money(port.get('pv_costs_public_gbp'))}, private "
         f"{fmt.money(port.get('pv_costs_private_gbp'))}", INK),
        ("PV of benefits", fmt.money(port["pv_benefits_gbp"]),
         f"carbon {fmt.money(v.get('pv_carbon_benefit_gbp'))}", INK),
        ("Public cost", fmt.money(port["public_cost_gbp"]), "funding, before optimism bias", INK),
        ("Carbon saved", fmt.number(port["carbon_saved_tco2e"], 0, "tCO2e"),
         f"direct {fmt.number(v.get('carbon_saved_direct_tco2e'), 0)}, traded "
         f"{fmt.number(v.get('carbon_saved_traded_tco2e'), 0)}", INK),
        ("Net additional jobs", fmt.number(port["net_additional_jobs_fte"], 1, "FTE"),
         f"construction {fmt.number(v.get('net_construction_jobs_fte'), 1)}, operation "
         f"{fmt.number(v.get('net_operational_jobs_fte'), 1)}", INK),
        ("Gap contribution", fmt.money(port["gap"]["total"]["contribution_gbp"]),
         f"{fmt.percent(port['gap']['total']['share_closed'], 3)} of the gap closed", INK),
        ("Shovel-ready projects", f"{port['shovel_ready_projects']} of {len(r.ids)}",
         shovel_ready_rule(short=True), INK),
    ]
    gap_w, card_h, per_row = 6.0, 38.0, 4
    cw = (WIDTH - (per_row - 1) * gap_w) / per_row
    for k, (title, value, note, colour) in enumerate(cards):
        cv.card(LEFT + (k % per_row) * (cw + gap_w), y + (k // per_row) * (card_h + gap_w), cw,
                card_h, title, value, note, colour)
    rows_of_cards = -(-len(cards) // per_row)
    return y + rows_of_cards * card_h + (rows_of_cards - 1) * gap_w + 12


def _ranking(cv: Canvas, fig: Figures, y: float, vfm) -> None:
    """The projects ranked by NPSV, as many as the page holds (a long pipeline keeps its
    top and its tail, with a line for the ones between), and the pipeline's total."""
    port = fig.portfolio
    y = cv.heading(y, "Projects ranked by NPSV",
                   aside=f"VfM: band on the {vfm.basis_name} (DfT/MHCLG bands)  ·  ready: "
                         "shovel-ready  ·  – : not defined")
    order = sorted(range(len(fig.records)), key=lambda i: fig.ranks[i])

    def rank_row(i: int) -> list[Cell | str]:
        rec = fig.records[i]
        return [str(fig.ranks[i]), Cell(rec["id"], bold=True), rec["name"],
                Cell(fmt.money(rec["npsv_gbp"]), _money_colour(rec["npsv_gbp"])),
                fmt.bcr(rec["bcr"]), fmt.bcr(rec.get("bcr_public")),
                Cell(fmt.vfm_badge(rec["vfm_category"]), _vfm_colour(rec["vfm_category"]), True),
                fmt.number(rec["carbon_saved_tco2e"], 0),
                f"{rec['readiness_score']:.0f}" + ("  ready" if rec["shovel_ready"] else "")]

    total_row: list[Cell | str] = [
        "", "", "Pipeline", Cell(fmt.money(port["npsv_gbp"]), _money_colour(port["npsv_gbp"])),
        fmt.bcr(port["bcr"]), fmt.bcr(port.get("bcr_public")), Cell(vfm.badge, _vfm_colour(vfm.band)),
        fmt.number(port["carbon_saved_tco2e"], 0), f"{port['shovel_ready_projects']} ready"]

    # every column as wide as its widest figure (of the rows that can be shown), the
    # project's name the rest: the name is what needs the room
    top = order[:80]
    sample = [rank_row(i) for i in top + [i for i in order[-2:] if i not in top]]
    titles = ["#", "ID", "Project", "NPSV", "Social\nBCR", "Funder\nBCR", "VfM", "tCO2e\nsaved",
              "Readiness"]
    aligns = [ALIGN_RIGHT, ALIGN_LEFT, ALIGN_LEFT] + [ALIGN_RIGHT] * 3 + [ALIGN_LEFT] + [ALIGN_RIGHT] * 2

    def text_w(cell: Cell | str, bold: bool = False) -> float:
        c = cell if isinstance(cell, Cell) else Cell(cell)
        return cv.width(c.text, 7.5, c.bold or bold)

    widths = [max([cv.width(part, 7.0, True) for part in t.split("\n")] + [text_w(r[k]) for r in sample]
                  + [text_w(total_row[k], True)]) + 8 for k, t in enumerate(titles)]
    widths[1] = min(widths[1], 90.0)      # an ID is short; a long one is cut rather than the name
    widths[2] = 0
    columns = _fit(list(zip(titles, widths, aligns)))

    def more_row(first: int, last: int) -> list[Cell | str]:
        return ["", "", Cell(f"… {last - first + 1} more (ranks {first} to {last}): each has its "
                             "own page", GREY), "", "", "", "", "", ""]

    # a long name wraps, onto three lines at most (and only then is cut short: the project's
    # own page has it in full); a long pipeline keeps its top and its tail here
    wrap, max_lines = (2,), 3

    def height(row: list[Cell | str]) -> float:
        return cv.row_height(cv.row_lines(columns, row, size=7.5, wrap=wrap, max_lines=max_lines),
                             RANK_ROW_H, 7.5)

    room = footer_top(cv, fig) - 10 - y - (RANK_ROW_H + 1 + 7.5 * LINE_SPACING) - height(total_row)
    shown: list[list[Cell | str]] = []
    used = 0.0
    for i in order:
        row = rank_row(i)
        used += height(row)
        if used > room:
            break
        shown.append(row)
    if len(shown) < len(order) > 5:     # the top, a line for the ones left out, the last two
        tail = [rank_row(i) for i in order[-2:]]
        left = room - height(more_row(1, 1)) - sum(height(t) for t in tail)
        top, used = [], 0.0
        for row in shown:
            used += height(row)
            if used > left and len(top) >= 3:
                break
            top.append(row)
        shown = top + [more_row(len(top) + 1, len(order) - 2)] + tail
    rows: list[list[Cell | str]] = shown + [total_row]
    if not fig.records:
        rows.insert(0, ["", "", Cell("No projects in the pipeline", GREY), "", "", "", "", "", ""])
    cv.table(LEFT, y, columns, rows, row_h=RANK_ROW_H, total_rows=1, wrap=wrap, max_lines=max_lines)


def gap_section(cv: Canvas, y: float, fig: Figures) -> float:
    """The contribution to the investment gap, per sector with its own window (METHOD.md 6)."""
    r, port = fig.results, fig.portfolio
    gap = port["gap"]
    y = cv.heading(y, "Contribution to closing the investment gap",
                   aside=f"£ at {r.price_base_year} prices")
    columns = _fit([("Sector", 0, ALIGN_LEFT), ("Window", 50, ALIGN_LEFT),
                    ("Contribution", 56, ALIGN_RIGHT), ("Cumulative gap", 76, ALIGN_RIGHT),
                    ("Closed", 44, ALIGN_RIGHT), ("A year", 46, ALIGN_RIGHT),
                    ("Gap a year", 50, ALIGN_RIGHT), ("Leverage", 50, ALIGN_RIGHT)])

    def window(w) -> str:
        return f"{w[0]}–{w[1]}" if w else "differ"

    def leverage(x) -> str:
        return DASH if not _defined(x) else f"{x:,.2f}"

    rows = []
    for s in gap["sectors"].values():
        rows.append([s["label"], window(s["window"]), fmt.money(s["contribution_gbp"]),
                     fmt.money(s["cumulative_gap_gbp"]), fmt.percent(s["share_closed"], 3),
                     fmt.money(s["annual_average_contribution_gbp"]), fmt.money(s["annual_gap_gbp"]),
                     leverage(s.get("leverage"))])
    t = gap["total"]
    rows.append(["All sectors", window(gap["window"]), fmt.money(t["contribution_gbp"]),
                 fmt.money(t["cumulative_gap_gbp"]), fmt.percent(t["share_closed"], 3),
                 fmt.money(t.get("annual_average_contribution_gbp")),
                 fmt.money(t.get("annual_gap_gbp")), leverage(t.get("leverage"))])
    y = cv.table(LEFT, y, columns, rows, size=7.0, total_rows=1) + 3
    outside = [rec["id"] for rec in fig.records if not rec["gap_sector"]]
    note = ("Public funding in each sector's window years counts, net of benefit deadweight. "
            f"Investment mobilised (all capex, public and private, of projects in a gap sector, in "
            f"the window): {fmt.money(t['investment_mobilised_gbp'])}. Leverage: private £ per "
            "public £ in the window."
            + ("" if gap["window"] else " The sectors' windows differ, so the total has no annual "
                                        "figures."))
    if outside:
        note += (f" In no gap sector, so contributing nothing: {', '.join(outside)}.")
    return y + cv.wrapped(LEFT, y, WIDTH, note, 6.8, colour=GREY) + 12


def pipeline_detail_page(cv: Canvas, fig: Figures) -> None:
    """Page 2: what makes up the pipeline's NPSV, its uncertainty and its drivers."""
    r, sens, mc = fig.results, fig.sensitivity, fig.simulation
    v = pipeline_values(r)
    y = MARGIN_TOP
    cv.text(LEFT, y, WIDTH, 10, f"{r.name}  ·  the pipeline, continued", 7.0, colour=GREY)
    y += 16
    y = gap_section(cv, y, fig)
    y = value_tables(cv, y, v, heading="What makes up the pipeline's NPSV") + 4
    y += cv.wrapped(LEFT, y, WIDTH, facts_line(v), 7.0, colour=INK) + 14

    # uncertainty: the Monte Carlo figures beside their histogram, then the tornado
    summary = mc.portfolio
    y = cv.heading(y, "Monte Carlo simulation of the pipeline's NPSV",
                   aside=f"{mc.draws:,} draws, seed {mc.seed}")
    figures_w = 190.0
    lines = [("NPSV P10", fmt.money(summary.npsv_p10_gbp)),
             ("NPSV P50 (median)", fmt.money(summary.npsv_p50_gbp)),
             ("NPSV P90", fmt.money(summary.npsv_p90_gbp)),
             ("Probability NPSV < 0", fmt.percent(summary.prob_npsv_negative, 1)),
             ("Social BCR P10 – P90", _range(summary.p10["bcr"], summary.p90["bcr"]))]
    top = y
    for label, value in lines:
        cv.text(LEFT, y, figures_w - 70, 11, label, 7.5)
        cv.text(LEFT + figures_w - 70, y, 70, 11, value, 7.5, bold=True, align=ALIGN_RIGHT)
        y += 11
    y += 3
    y += cv.wrapped(LEFT, y, figures_w,
                    "The same seed gives the same figures. Carbon values and energy prices are "
                    "drawn once per draw for all projects; lifetimes are held central.", 6.3,
                    colour=GREY)
    hist_x = LEFT + figures_w + 40
    histogram_chart(cv, hist_x, top, RIGHT - hist_x - 36, 78, summary)
    y = max(y, top + 80) + 12

    y = cv.heading(y, "What moves the pipeline's NPSV most",
                   aside="the drivers with the widest swing")
    rows_t = [TornadoRow(row.label, row.npsv_gbp_low, row.npsv_gbp_high,
                         _tag(_driver_low(row.driver)), _tag(_driver_high(row.driver)))
              for row in sens.portfolio_tornado
              if DRIVER_BY_NAME[row.driver].affects_npsv][:TORNADO_ROWS_PORTFOLIO + 2]
    y = tornado_chart(cv, LEFT, y, WIDTH, rows_t, sens.portfolio_central["npsv_gbp"], label_w=205,  # type: ignore[arg-type]  # NPSV: always defined
                      row_h=12.5)
    cv.wrapped(LEFT, y, WIDTH,
               "Bars run from the central NPSV (solid line) to the NPSV with each driver at its "
               "tested low and high value; the dashed red line is NPSV = 0.", 6.3, colour=GREY)
    footer(cv, fig, 2)


def _driver_low(name: str):
    d = DRIVER_BY_NAME[name]
    return "low series" if d.kind == "series" else d.low


def _driver_high(name: str):
    d = DRIVER_BY_NAME[name]
    return "high series" if d.kind == "series" else d.high


def _switching_text(row: SwitchingValue) -> tuple[str, str]:
    value = row.switching_value
    if not row.reachable or not _defined(value):
        return "not within reach", DASH
    if row.unit == "years":
        return f"{value:.0f} years", _signed_percent(row.switching_change, 0)
    if row.unit == "rate":
        change = row.switching_change
        return (f"{fmt.percent(value, 1)} uplift",
                ">+999%" if _defined(change) and change >= 10 else _signed_percent(change, 0))
    change = row.switching_change
    if value >= 10:   # far outside any tested range: the digits that matter
        return f"×{value:,.0f}", ">+999%" if change >= 10 else _signed_percent(change, 0)  # type: ignore[operator]  # set with the value
    return f"×{value:.3g}", _signed_percent(change, 1)


def _in_tested_range(tornado_row: SensitivityRow | None, central: float | None) -> bool | None:
    """Whether NPSV changes sign between the driver's tested low and high: the
    switching value then lies inside the range the tornado tests."""
    if tornado_row is None or not _defined(central):
        return None
    if central == 0:
        return True
    ends = [tornado_row.npsv_gbp_low, tornado_row.npsv_gbp_high]
    return any(_defined(v) and (v == 0 or (v > 0) != (central > 0)) for v in ends)


SCENARIO_NAMES = {"carbon_low": "Carbon low", "carbon_central": "Carbon central",
                  "carbon_high": "Carbon high", "energy_low": "Energy low",
                  "energy_central": "Energy central", "energy_high": "Energy high",
                  "reduced_discount_schedule": "Reduced discounting"}


def _scenarios_table(cv: Canvas, x: float, y: float, w: float, scenarios: dict[str, Scenario],
                     basis: str) -> float:
    """NPSV, social BCR ("BCR") and, where the scenario gives the BCR the bands are read on, the band."""
    key = BASIS_KEYS.get(basis, "bcr")
    banded = key in ("bcr", "bcr_public")    # the BCRs every scenario gives
    columns = [("Scenario", w - (152 if banded else 94), ALIGN_LEFT), ("NPSV", 48, ALIGN_RIGHT),
               ("BCR", 46, ALIGN_RIGHT)]
    if banded:
        columns.append(("VfM", 58, ALIGN_RIGHT))
    rows: list[list[Cell | str]] = []
    for name, sc in scenarios.items():
        row: list[Cell | str] = [SCENARIO_NAMES.get(name, name.replace("_", " ")),
                                 Cell(fmt.money(sc.npsv_gbp), _money_colour(sc.npsv_gbp)),
                                 fmt.bcr(sc.bcr)]
        if banded:
            cat = vfm_category(getattr(sc, key))
            row.append(Cell(fmt.vfm_badge(cat), _vfm_colour(cat), True))
        rows.append(row)
    return cv.table(x, y, columns, rows, size=7.0, row_h=10.0) + 2


def _active_years(r: PortfolioResults, s: dict[str, np.ndarray]) -> slice:
    years = r.years
    active = (np.abs(s["costs"]) + np.abs(s["benefits"]) + np.abs(s["financial_cash_flow"])) > 0
    if not active.any():
        return slice(0, len(years))
    lo, hi = int(np.argmax(active)), int(len(active) - np.argmax(active[::-1]))
    lo = min(lo, int(np.searchsorted(years, r.appraisal_year)))
    return slice(lo, hi)


def project_page(cv: Canvas, fig: Figures, i: int, page: int) -> list[str]:
    """Project ``i``'s page (page number ``page``); returns the warnings it could not hold."""
    r = fig.results
    s = r.project_series(i)
    v = project_values(r, i)
    vfm = project_vfm(r, i, fig.adjustment_reason(i))
    y = _project_title(cv, fig, i, s, vfm)
    y = _project_cards(cv, fig, i, y, s, v)
    # what makes up the NPSV (carbon by kind and jobs apart are on the cards above)
    y = value_tables(cv, y, v, heading="What makes up the NPSV", row_h=9.0, size=6.8) + 6
    y = _project_charts(cv, fig, i, y, s)
    y = _project_uncertainty(cv, fig, i, y, vfm)
    rest = _project_warnings(cv, fig, i, y)
    footer(cv, fig, page)
    return rest


def _project_title(cv: Canvas, fig: Figures, i: int, s: dict[str, np.ndarray], vfm) -> float:
    """The project's name, its value-for-money badge and a line of facts; the y below."""
    r, rec = fig.results, fig.records[i]
    y = MARGIN_TOP
    cv.text(LEFT, y, WIDTH, 10, f"{r.name}  ·  project ranked {fig.ranks[i]} of {len(fig.records)} "
            "by NPSV", 7.0, colour=GREY)
    badge_w = cv.badge(RIGHT, y + 13, f"VALUE FOR MONEY: {vfm.badge}" if vfm.band else
                       "VALUE FOR MONEY: NOT DEFINED", _vfm_colour(vfm.band), 8.0)
    cv.text(RIGHT - badge_w, y + 28, badge_w, 9, f"on the {vfm.basis_name}", 6.5, colour=GREY,
            align=ALIGN_RIGHT)
    y += 11
    y += cv.wrapped(LEFT, y, WIDTH - badge_w - 12, f"{rec['id']}  {rec['name']}", 14.0, bold=True) + 3
    operating = np.nonzero(s["operating"] > 0)[0]
    capex_years = np.nonzero(s["capex"] > 0)[0]
    parts = [fig.category_label(rec["category"])]
    if rec["area"]:
        parts.append(rec["area"])
    if capex_years.size:
        y0, y1 = int(r.years[capex_years[0]]), int(r.years[capex_years[-1]])
        parts.append(f"capex {fmt.money(rec['capex_gbp'])} in "
                     + (f"{y0}" if y0 == y1 else f"{y0}–{y1}"))
    if operating.size:
        parts.append(f"operating {int(r.years[operating[0]])}–{int(r.years[operating[-1]])} "
                     f"({operating.size} years)")
    parts.append(f"readiness {rec['readiness_score']:.0f}/100"
                 + (", shovel-ready" if rec["shovel_ready"] else ", not shovel-ready"))
    y += cv.wrapped(LEFT, y, WIDTH - badge_w - 12, "  ·  ".join(parts), 7.5, colour=GREY) + 3
    if vfm.adjustment:
        y += cv.wrapped(LEFT, y, WIDTH, vfm.sentence(), 7.2, colour=INK) + 3
    return y + 5


def _project_cards(cv: Canvas, fig: Figures, i: int, y: float, s: dict[str, np.ndarray],
                   v: dict[str, Any]) -> float:
    """The headline figures, three rows of cards, each '–' with why where undefined."""
    r, rec = fig.results, fig.records[i]
    undefined = _undefined_notes(r, s)

    def card_of(key: str, title: str, text: Callable[[Any], str], note: str = "",
                colour: QColor = INK):
        x = v.get(key)
        return title, text(x), note if _defined(x) else undefined.get(key, "not defined"), colour

    def per_t(x) -> str:
        return DASH if not _defined(x) else f"{fmt.money(x, short=False)}/t"

    test = carbon_cost_test(v, r.public_carbon_cost_threshold)
    gap_w, card_h, per_row = 5.0, 36.0, 5
    cw = (WIDTH - (per_row - 1) * gap_w) / per_row
    ob_note = f"optimism bias {fmt.percent(rec['optimism_bias'], 0)}"
    if v.get("ob_delay_years"):    # the delay where the card has room (a warning says it too)
        longer = f"{ob_note}, delay {v['ob_delay_years']:.0f}y"
        ob_note = longer if cv.width(longer, 6.3) <= cw - 10 else ob_note
    cards = [
        card_of("npsv_gbp", "Net present social value", fmt.money,
                f"Exchequer {exchequer_line(v).text()}", _money_colour(v.get("npsv_gbp"))),
        card_of("bcr", "Social BCR", fmt.bcr, "all benefits / all costs"),
        card_of("bcr_public", "Funder BCR", fmt.bcr, "net benefits / public costs"),
        card_of("pv_costs_gbp", "PV of costs", fmt.money, ob_note),
        card_of("pv_benefits_gbp", "PV of benefits", fmt.money,
                # one short line: the card cuts what does not fit, and the carbon line is below
                f"net of {fmt.percent(v['benefit_deadweight'], 0)} deadweight"
                if v.get("benefit_deadweight") else
                f"carbon {fmt.money(v.get('pv_carbon_benefit_gbp'))}"),
        card_of("carbon_saved_tco2e", "Carbon saved (tCO2e)", lambda x: fmt.number(x, 0),
                f"direct {fmt.number(v.get('carbon_saved_direct_tco2e'), 0)}, traded "
                f"{fmt.number(v.get('carbon_saved_traded_tco2e'), 0)}"),
        card_of("cost_per_tco2e_gbp", "Cost per tonne saved", per_t,
                "net of other benefits" if (v.get("cost_per_tco2e_gbp") or 0) >= 0
                else "below zero: saves money"),
        ("Carbon cost test (PSDS)",
         "n/a" if test.passed is None else test.verdict if test.cost_per_direct_t is None
         else f"{test.verdict}  {per_t(test.cost_per_direct_t)}",
         ("direct tonnes; limit " if test.passed is not None else "not for this category; ")
         + f"£{test.threshold:,.0f}/t",
         {True: QColor("#1E7B34"), False: AMBER_INK}.get(test.passed, GREY)),
        card_of("net_additional_jobs_fte", "Net additional jobs", lambda x: fmt.number(x, 1, "FTE"),
                f"constr. {fmt.number(v.get('net_construction_jobs_fte'), 1)}, operation "
                f"{fmt.number(v.get('net_operational_jobs_fte'), 1)}"),
        card_of("public_cost_gbp", "Public cost", fmt.money,
                f"per net job {fmt.money(v.get('cost_per_net_job_gbp'))}"),
        card_of("financial_npv_gbp", "Financial NPV (promoter)", fmt.money,
                f"viability gap {fmt.money(rec['viability_gap_gbp'])}",
                _money_colour(v.get("financial_npv_gbp"))),
        card_of("financial_irr", "Financial IRR", fmt.percent),
        card_of("payback_year", "Payback year", fmt.year,
                "discounted: " + (fmt.year(rec["discounted_payback_year"])
                                  if _defined(rec["discounted_payback_year"])
                                  else undefined["discounted_payback_year"])),
        card_of("sunk_costs_gbp", "Sunk costs", fmt.money, "before year 0: left out of PVs"),
        card_of("gap_contribution_gbp", "Gap contribution", fmt.money,
                "in no gap sector" if not rec["gap_sector"] else "public funding in the window"),
    ]
    for k, (title, value, note, colour) in enumerate(cards):
        cv.card(LEFT + (k % per_row) * (cw + gap_w), y + (k // per_row) * (card_h + gap_w), cw,
                card_h, title, value, note, colour)
    return y + 3 * card_h + 2 * gap_w + 10


def _project_charts(cv: Canvas, fig: Figures, i: int, y: float, s: dict[str, np.ndarray]) -> float:
    """The annual costs and benefits, then the tornado; the y below them."""
    r, rec = fig.results, fig.records[i]
    sl = _active_years(r, s)
    y = cv.heading(y, "Annual costs and benefits",
                   aside=f"£ in real terms at {r.price_base_year} prices")
    chart_h = CHART_H - 71     # the page also carries what makes up the NPSV, and its warnings
    annual_chart(cv, LEFT, y, WIDTH, chart_h, r.years[sl], s["costs"][sl], s["benefits"][sl],
                 r.appraisal_year)
    y += chart_h + 6
    y = cv.heading(y, "Sensitivity of NPSV to each driver",
                   aside="sorted by swing; solid line: central NPSV; dashed red: NPSV = 0")
    rows_t = [TornadoRow(row.label, row.npsv_gbp_low, row.npsv_gbp_high,
                         _tag(row.low), _tag(row.high))
              for row in fig.sensitivity.projects[i].tornado
              if DRIVER_BY_NAME[row.driver].affects_npsv][:TORNADO_ROWS_PROJECT - 2]
    return tornado_chart(cv, LEFT, y, WIDTH, rows_t, rec["npsv_gbp"] or 0.0, label_w=205,
                         row_h=11.0) + 2


def _project_uncertainty(cv: Canvas, fig: Figures, i: int, y: float, vfm) -> float:
    """Switching values (left), scenarios and Monte Carlo (right); the y below both."""
    rec, sens_p, mc_p = fig.records[i], fig.sensitivity.projects[i], fig.simulation.projects[i]
    top = y
    left_w = 270.0
    right_x = LEFT + left_w + 16
    right_w = RIGHT - right_x
    y = cv.heading(top, "Switching values (NPSV = 0)", x=LEFT, w=left_w)
    torn = {row.driver: row for row in sens_p.tornado}
    columns = [("Driver", 96, ALIGN_LEFT), ("Switching value", 72, ALIGN_RIGHT),
               ("Change", 40, ALIGN_RIGHT), ("In range?", left_w - 208, ALIGN_RIGHT)]
    rows: list[list[Cell | str]] = []
    for row in sens_p.switching_values:
        d = DRIVER_BY_NAME[row.driver]
        if not d.affects_npsv:
            continue
        value, change = _switching_text(row)
        inside = _in_tested_range(torn.get(row.driver), rec["npsv_gbp"]) if row.reachable else None
        rows.append([d.label, Cell(value, GREY if value == "not within reach" else None), change,
                     DASH if inside is None else
                     (Cell("YES", NEGATIVE, True) if inside else Cell("no", GREY))])
    y_left = cv.table(LEFT, y, columns, rows, size=7.0, row_h=10.0) + 2
    y_left += cv.wrapped(LEFT, y_left, left_w,
                         "The value of each driver, alone, at which NPSV reaches zero. YES: within "
                         "the range the tornado tests. Construction jobs and additionality do not "
                         "change NPSV.", 6.3, colour=GREY)

    y = cv.heading(top, "Scenarios", x=right_x, w=right_w, aside="BCR: the social BCR")
    y = _scenarios_table(cv, right_x, y, right_w, sens_p.scenarios, vfm.basis)
    reduced = sens_p.scenarios.get("reduced_discount_schedule")
    note = (f"Reduced discounting: {reduced.why}." if reduced else
            "The reduced discount schedule is tested only for horizons over 50 years.")
    y += cv.wrapped(right_x, y, right_w, note, 6.3, colour=GREY) + 8
    y = cv.heading(y, "Monte Carlo", x=right_x, w=right_w,
                   aside=f"{fig.simulation.draws:,} draws, seed {fig.simulation.seed}")
    for label, value, colour in (
            ("NPSV P10 / P50 / P90",
             " / ".join(fmt.money(v) for v in (mc_p.npsv_p10_gbp, mc_p.npsv_p50_gbp,
                                               mc_p.npsv_p90_gbp)), INK),
            ("Social BCR P10 – P90", _range(mc_p.p10["bcr"], mc_p.p90["bcr"]), INK),
            ("Probability NPSV < 0", fmt.percent(mc_p.prob_npsv_negative, 1),
             NEGATIVE if (mc_p.prob_npsv_negative or 0) >= 0.5 else INK)):
        cv.text(right_x, y, right_w, 11, label, 7.2)
        cv.text(right_x, y, right_w, 11, value, 7.2, bold=True, colour=colour, align=ALIGN_RIGHT)
        y += 11
    return max(y, y_left) + 9


def _project_warnings(cv: Canvas, fig: Figures, i: int, y: float) -> list[str]:
    """Every warning, in words; smaller or in two columns when many, and the rest on a
    page of their own rather than hidden (returned)."""
    texts = [fmt.sentence(w, fig.pack) for w in fig.records[i]["warnings"]]
    y = cv.heading(y, "Warnings", aside=f"{len(texts)} for this project" if texts else "")
    if not texts:
        cv.wrapped(LEFT, y, WIDTH, "None: no sunk costs, extrapolated tables or thresholds to report.",
                   7.2, colour=GREY)
        return []
    return warnings_block(cv, y, footer_top(cv, fig) - 6, texts)


# (font size, columns) tried in turn until a project's warnings fit
WARNING_LAYOUTS = ((7.2, 1), (6.8, 1), (6.4, 1), (6.4, 2))
WARNING_GAP = 1.0
COLUMN_GAP = 14.0


def _two_columns(heights: list[float]) -> int:
    """Where to split warnings, in order, into two columns of the least height."""
    total = sum(heights)
    best, best_k, run = math.inf, len(heights), 0.0
    for k in range(len(heights) + 1):
        worst = max(run, total - run)
        if worst < best:
            best, best_k = worst, k
        if k < len(heights):
            run += heights[k]
    return best_k


def warnings_block(cv: Canvas, y: float, bottom: float, texts: list[str]) -> list[str]:
    """Warnings as bullets from ``y``, down to ``bottom`` at most: in the first of
    :data:`WARNING_LAYOUTS` that holds them all. Where none does, as many as fit at the
    smallest size and a line saying the rest follow; returns the rest (for the next page)."""
    for size, ncols in WARNING_LAYOUTS:
        col_w = (WIDTH - (ncols - 1) * COLUMN_GAP) / ncols
        heights = [cv.wrapped_height(col_w - 10, t, size) + WARNING_GAP for t in texts]
        split = _two_columns(heights) if ncols == 2 else len(texts)
        columns = [range(0, split), range(split, len(texts))] if ncols == 2 else [range(len(texts))]
        if max(sum(heights[k] for k in col) for col in columns) <= bottom - y:
            for c, col in enumerate(columns):
                x, yy = LEFT + c * (col_w + COLUMN_GAP), y
                for k in col:
                    _bullet(cv, x, yy, col_w, texts[k], size)
                    yy += heights[k]
            return []
    size = WARNING_LAYOUTS[-2][0]
    note_h = 10.0
    for k, text in enumerate(texts):
        h = cv.wrapped_height(WIDTH - 10, text, size) + WARNING_GAP
        if y + h > bottom - note_h:
            rest = texts[k:]
            cv.text(LEFT + 10, y, WIDTH - 10, 9, f"… {len(rest)} more on the next page.", size,
                    italic=True, colour=GREY)
            return rest
        _bullet(cv, LEFT, y, WIDTH, text, size)
        y += h
    return []


def _bullet(cv: Canvas, x: float, y: float, w: float, text: str, size: float) -> None:
    cv.text(x, y, 10, size + 3, "•", size, colour=AMBER_INK)
    cv.wrapped(x + 10, y, w - 10, text, size)


def warnings_page(cv: Canvas, fig: Figures, i: int, texts: list[str], page: int) -> list[str]:
    """A project's warnings that its page could not hold; returns any this page cannot."""
    r, rec = fig.results, fig.records[i]
    y = MARGIN_TOP
    cv.text(LEFT, y, WIDTH, 10, f"{r.name}  ·  project ranked {fig.ranks[i]} of {len(fig.records)} "
            "by NPSV, continued", 7.0, colour=GREY)
    y += 11
    y += cv.wrapped(LEFT, y, WIDTH, f"{rec['id']}  {rec['name']}", 14.0, bold=True) + 8
    y = cv.heading(y, "Warnings, continued", aside=f"{len(texts)} more of the "
                                                   f"{len(rec['warnings'])} for this project")
    rest = warnings_block(cv, y, footer_top(cv, fig) - 6, texts)
    footer(cv, fig, page)
    return rest


RAG_INK = {"green": QColor("#1E7B34"), "amber": QColor("#B36B00"), "red": QColor("#B00020")}
DELIVERY_COLUMNS = [("ID", 46.0, ALIGN_LEFT), ("Project", 0, ALIGN_LEFT), ("Status", 30.0, ALIGN_LEFT),
                    ("Baseline", 48.0, ALIGN_LEFT), ("Spent\nto date", 38.0, ALIGN_RIGHT),
                    ("Profile\nto date", 38.0, ALIGN_RIGHT), ("Overrun", 34.0, ALIGN_RIGHT),
                    ("After\nOB", 30.0, ALIGN_RIGHT), ("Months\nlate", 32.0, ALIGN_RIGHT),
                    ("Carbon\ndelivered", 40.0, ALIGN_RIGHT), ("NPSV\nbaseline", 38.0, ALIGN_RIGHT),
                    ("NPSV re-\nforecast", 38.0, ALIGN_RIGHT)]


def _delivery_columns(cv: Canvas, rows: list[list[Cell | str]]) -> list[tuple[str, float, Any]]:
    """Every column as wide as its title and its widest figure; the project's name the rest
    (as the ranking's columns)."""
    def w(c: Cell | str) -> float:
        c = c if isinstance(c, Cell) else Cell(c)
        return cv.width(c.text, 7.0, c.bold)
    out = []
    for k, (title, width, align) in enumerate(DELIVERY_COLUMNS):
        if width:
            cells = ([cv.width("0000-00-00", 7.0)] if k == 3     # the baseline wraps: a date a line
                     else [w(r[k]) for r in rows])
            width = max([cv.width(part, 6.5, True) for part in title.split("\n")] + cells) + 8
        out.append((title, width, align))
    return _fit(out)


def _delivery_row(p) -> list[Cell | str]:
    from .delivery_page import pipeline_cells, status_text
    cells: list[Cell | str] = list(pipeline_cells(p))
    cells[0] = Cell(p.id, bold=True)
    cells[2] = Cell(status_text(p.status), RAG_INK.get(p.status or ""), True)
    for k in (10, 11):
        npsv = (p.baseline if k == 10 else p.reforecast)
        cells[k] = Cell(str(cells[k]), _money_colour(npsv.npsv_gbp if npsv else None))
    return cells


def delivery_page(cv: Canvas, fig: Figures, page: int) -> None:
    """The delivery of the projects with a baseline: status in words and colour, spend
    against profile, overrun, slippage, carbon and the re-forecast (docs/delivery.md)."""
    d = fig.delivery
    assert d is not None
    pl, t = d.pipeline, d.thresholds
    y = cv.heading(MARGIN_TOP, "Delivery against the appraisal",
                   aside=f"as of {_date(d.as_of)}  ·  money at each baseline's price base year")
    counts = ", ".join(f"{pl.status_counts.get(s, 0)} {s}" for s in ("green", "amber", "red"))
    cards = [("Projects tracked", f"{pl.projects_tracked}", counts, INK),
             ("Spent to date", fmt.money(pl.capex_to_date_gbp),
              f"profile {fmt.money(pl.capex_profile_to_date_gbp)}", INK),
             ("Forecast overrun", _signed_percent(pl.overrun, 0), "outturn against baseline",
              INK),
             ("Carbon delivered", fmt.percent(pl.carbon_delivery_share, 0),
              "of appraised, metered", INK),
             ("NPSV re-forecast", fmt.money(pl.reforecast.npsv_gbp),
              f"baseline {fmt.money(pl.baseline.npsv_gbp)}", _money_colour(pl.reforecast.npsv_gbp))]
    gap_w, card_h = 6.0, 38.0
    cw = (WIDTH - (len(cards) - 1) * gap_w) / len(cards)
    for k, (title, value, note, colour) in enumerate(cards):
        cv.card(LEFT + k * (cw + gap_w), y, cw, card_h, title, value, note, colour)
    y += card_h + 8
    rule = (f"Status: amber above {t.overrun_amber:.0%} overrun, {t.slippage_amber_months:g} months "
            f"late or below {t.carbon_amber:.0%} of the carbon; red above {t.overrun_red:.0%}, "
            f"{t.slippage_red_months:g} months, below {t.carbon_red:.0%} (the pack's thresholds). "
            f"{pl.projects_without_baseline} projects have no approved baseline.")
    y += cv.wrapped(LEFT, y, WIDTH, rule, 7.0, colour=GREY) + 4
    tracked = [p for p in d.projects if p.status is not None]
    bottom = footer_top(cv, fig) - 10
    room = max(0, int((bottom - y - 120) // (RANK_ROW_H + 16)))  # three-line rows; the reasons
    rows = [_delivery_row(p) for p in tracked[:room]]
    columns = _delivery_columns(cv, rows)
    if len(tracked) > room:
        more: list[Cell | str] = ["", Cell(f"… {len(tracked) - room} more: the workbook's "
                                           "Delivery sheet has them all", GREY)]
        rows.append(more + [""] * (len(columns) - 2))
    y = cv.table(LEFT, y, columns, rows, row_h=RANK_ROW_H, size=7.0, wrap=(1, 3),
                 max_lines=3) + 10
    reasons = [f"{p.id}: {'; '.join(p.reasons)}" for p in tracked if p.status in ("amber", "red")]
    if reasons:
        y = cv.heading(y, "Why amber or red")
        for text in reasons:
            h = cv.wrapped_height(WIDTH - 10, text, 7.5)
            if y + h > bottom:
                break
            _bullet(cv, LEFT, y, WIDTH, text, 7.5)
            y += h + 2
    footer(cv, fig, page)


def plan_pages(cv: Canvas, fig: Figures) -> list[tuple]:
    """The pages, in order: ("pipeline",), ("detail",), then ("project", i) for each
    project, each followed by ("warnings", i, texts) where its warnings run on. Laid out
    without drawing (``cv.dry``), so that every page knows the number of pages."""
    plan: list[tuple] = [("pipeline",)] + ([("detail",)] if fig.records else [])
    if fig.delivery is not None:
        plan.append(("delivery",))
    dry, cv.dry = cv.dry, True
    try:
        for i in range(len(fig.records)):
            _spare_none_references()      # a page laid out makes Qt calls as a drawn one does
            plan.append(("project", i))
            rest = project_page(cv, fig, i, len(plan))
            while rest:
                plan.append(("warnings", i, rest))
                left = warnings_page(cv, fig, i, rest, len(plan))
                if len(left) == len(rest):   # not even one fits a page: never loop for ever
                    break
                rest = left
    finally:
        cv.dry = dry
    return plan


def draw_page(cv: Canvas, fig: Figures, entry: tuple, page: int) -> None:
    kind = entry[0]
    if kind == "pipeline":
        pipeline_page(cv, fig)
    elif kind == "detail":
        pipeline_detail_page(cv, fig)
    elif kind == "delivery":
        delivery_page(cv, fig, page)
    elif kind == "project":
        project_page(cv, fig, entry[1], page)
    else:
        warnings_page(cv, fig, entry[1], entry[2], page)


# -- the file ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SummaryLayout:
    """What :func:`write_summary_pdf` laid out: its pages (see :func:`plan_pages`) and
    every text it had to cut short with an ellipsis (none, for a name that wraps)."""

    plan: list[tuple]
    elided: list[str]

    @property
    def pages(self) -> int:
        return len(self.plan)


@functools.cache
def _qt_drops_none() -> bool:
    """Whether calls of Qt methods that return nothing take a reference to None.

    PySide6 6.12.0 under CPython 3.11 does (QPainter.setPen, QFont.setBold,
    QRectF.setWidth: every void method). From Python 3.12 None is immortal and
    its count is never used up.
    """
    if sys.version_info >= (3, 12):
        return False
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(20):
        rect.setWidth(1.0)
    return sys.getrefcount(None) <= before - 10


def _spare_none_references() -> None:
    """Top None's reference count up to a floor, with references never given back.

    A page makes about a thousand Qt calls; where each takes a reference to None
    (see :func:`_qt_drops_none`), a dozen pages use up what the interpreter holds
    and it aborts ("Fatal Python error: none_dealloc"). None is never freed in any
    case, so references held for ever cost nothing. Called before every page.
    """
    if not _qt_drops_none():
        return
    missing = NONE_FLOOR - sys.getrefcount(None)
    if missing > 0:
        spare = [None] * missing
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(spare))   # the list, and so its Nones, stay


_own_application: QGuiApplication | None = None


def _ensure_application() -> None:
    """Fonts and painting need a Qt application; the command line has none."""
    global _own_application
    if QGuiApplication.instance() is not None:
        return
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")):
        # nothing is shown: a server without a display needs no display
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _own_application = QGuiApplication([sys.argv[0] if sys.argv and sys.argv[0] else "appraisal"])


def compute_figures(inputs: PortfolioInputs, pack: AssumptionPack, *, draws: int, seed: int,
                    stop: Callable[[], None], delivery_document: dict | None = None) -> Figures:
    results = appraise_portfolio(inputs, pack, keep_series=True)
    stop()
    sens = sensitivity(inputs, pack, results=results)
    stop()
    mc = simulate(inputs, pack, draws=draws, seed=seed)
    stop()
    records = results.project_records()
    npsv = [rec["npsv_gbp"] if _defined(rec["npsv_gbp"]) else -math.inf for rec in records]
    order = sorted(range(len(records)), key=lambda i: -npsv[i])
    delivery = (track(delivery_document, pack)
                if delivery_document is not None and has_delivery(delivery_document) else None)
    return Figures(results, records, results.portfolio_record(), sens, mc, pack, inputs,
                   datetime.date.today(), {i: k + 1 for k, i in enumerate(order)},
                   delivery=delivery)


def write_summary_pdf(path: str | Path, inputs: PortfolioInputs, pack: AssumptionPack, *,
                      draws: int = 2000, seed: int = 1,
                      progress: Callable[[int, int], None] | None = None,
                      cancelled: Callable[[], bool] | None = None,
                      delivery_document: dict | None = None) -> "SummaryLayout":
    # long: 38 of its lines are the numpydoc docstring; the code itself is under 50
    """Write the executive summary of a pipeline to ``path`` as an A4 PDF.

    Page 1 is the pipeline (totals with the social and funder BCR and the
    value-for-money band on its basis, the ranking, the investment gap by
    sector window); page 2 what makes up its NPSV (each external effect on its
    own line, the Exchequer line beside it), Monte Carlo and the drivers of its
    NPSV; then one page per project (headline figures, what makes up its NPSV,
    annual costs and benefits, tornado, switching values, scenarios, Monte
    Carlo and every one of its warnings, in words). A project whose warnings its
    page cannot hold, even smaller or in two columns, continues on a page of
    its own. Every page's footer names the assumption pack and the pack's rows
    that are not official.

    Parameters
    ----------
    path : the PDF to write; replaced atomically (readers see the old file or the new).
    inputs : PortfolioInputs, parsed and checked against ``pack``.
    pack : AssumptionPack
    draws, seed : the Monte Carlo simulation's size and seed (printed on the pages).
    progress : callable(done, total), optional
        Called after each page.
    cancelled : callable() -> bool, optional
        Polled between pages; when it returns True nothing is left behind and
        :class:`ReportCancelled` is raised.
    delivery_document : dict, optional
        The portfolio document: when any of its projects has a baseline or
        actuals, a Delivery page (after the pipeline's pages) shows each
        tracked project's status and figures (docs/delivery.md).

    Returns
    -------
    SummaryLayout : the pages written, and any text cut short to fit.

    Notes
    -----
    Needs a Qt application (one is created if there is none, off screen on a
    Linux machine without a display); the pages may be drawn in a worker
    thread of the application.
    """
    def stop() -> None:
        if cancelled is not None and cancelled():
            raise ReportCancelled()

    stop()
    _ensure_application()
    fig = compute_figures(inputs, pack, draws=draws, seed=seed, stop=stop,
                          delivery_document=delivery_document)
    fd, tmp = temp_file_beside(path, ".tmp.pdf")
    os.close(fd)
    done = False
    try:
        writer = QPdfWriter(tmp)
        writer.setResolution(RESOLUTION_DPI)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        writer.setTitle(f"Executive summary: {fig.results.name}")
        writer.setCreator("Low-Carbon Appraisal")
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write {path}")
        try:
            scale = RESOLUTION_DPI / 72.0
            cv = Canvas(painter, writer)
            fig.plan = plan_pages(cv, fig)
            for page, entry in enumerate(fig.plan):
                _spare_none_references()
                if page:
                    stop()
                    writer.newPage()
                painter.resetTransform()
                painter.scale(scale, scale)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                draw_page(cv, fig, entry, page + 1)
                if progress is not None:
                    progress(page + 1, fig.pages)
        finally:
            ended = painter.end()
            del painter, writer   # closes the file before it is renamed or removed
            _spare_none_references()
        if not ended:
            raise OSError(f"cannot write {path}")
        publish(tmp, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return SummaryLayout(fig.plan, cv.elided)
