"""The results of the selected project: headline figures, charts and checks."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGridLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QScrollArea, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.results import vfm_category
from . import formatting as fmt
from ..core.sensitivity import sensitivity
from .charts import (BENEFIT_COLOUR, CARBON_COLOUR, ChartView, annual_costs_benefits, line_by_year,
                     tornado)
from .document import PortfolioDocument
from .workers import LatestRunner

CARDS = [
    # key, title, formatter, tooltip (definition and source)
    ("npsv_gbp", "NPSV", fmt.money, "Net present social value: PV of benefits less PV of costs "
                                    "(Green Book, real terms, discounted at the STPR schedule)"),
    ("bcr", "BCR", fmt.ratio, "Benefit-cost ratio: PV of benefits / PV of costs"),
    ("carbon_saved_tco2e", "Carbon saved", lambda v: fmt.number(v, 0, "tCO2e"),
     "Tonnes of CO2e saved over the operating life (undiscounted)"),
    ("cost_per_tco2e_gbp", "Cost per tonne", lambda v: fmt.DASH if v is None else f"{fmt.money(v, short=False)}/t",
     "(PVC - PV of energy and other benefits) / tonnes saved"),
    ("net_additional_jobs_fte", "Net additional jobs", lambda v: fmt.number(v, 1, "FTE"),
     "Gross direct jobs after deadweight, leakage, displacement, substitution and multiplier "
     "(HCA Additionality Guide)"),
    ("cost_per_net_job_gbp", "Cost per net job", fmt.money, "Public cost / net additional jobs"),
    ("gap_contribution_gbp", "Gap contribution", fmt.money,
     "Public funding in the investment gap's window years (Green Alliance, 2020)"),
    ("financial_npv_gbp", "Financial NPV", fmt.money,
     "The promoter's cash flows discounted at the portfolio's financial rate"),
    ("financial_irr", "Financial IRR", fmt.percent, "Internal rate of return of the promoter's cash flows"),
    ("payback_year", "Payback year", fmt.year, "The year after the last year of negative cumulative cash"),
    ("readiness_score", "Readiness", lambda v: fmt.DASH if v is None else f"{v:.0f}/100",
     "25 planning + 20 site + 20 procurement + 20 match funding + up to 15 for an early start"),
    ("viability_gap_gbp", "Viability gap", fmt.money, "The grant that would make the promoter break even"),
]


class Card(QFrame):
    def __init__(self, title: str, tip: str, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(0)
        self.title = QLabel(title)
        self.title.setStyleSheet("color: #555; font-size: 8pt;")
        self.value = QLabel(fmt.DASH)
        self.value.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.value)

    def set(self, text: str, colour: str | None = None, note: str | None = None) -> None:
        self.value.setText(text)
        self.value.setStyleSheet("font-size: 11pt; font-weight: 600;"
                                 + (f" color: {colour};" if colour else ""))
        if note:
            self.value.setToolTip(note)


class ResultsPanel(QScrollArea):
    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.row: int | None = None
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.setWidget(inner)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.heading)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.cards: dict[str, Card] = {}
        for k, (key, title, _, tip) in enumerate(CARDS):
            card = Card(title, tip)
            self.cards[key] = card
            grid.addWidget(card, k // 3, k % 3)
        layout.addLayout(grid)
        self.chart_flows = ChartView()
        self.chart_cumulative = ChartView()
        self.chart_carbon = ChartView()
        for view in (self.chart_flows, self.chart_cumulative, self.chart_carbon):
            view.setMinimumHeight(190)
            layout.addWidget(view)
        self.sens_title = QLabel("Sensitivity and switching values")
        self.sens_title.setStyleSheet("font-weight: 600;")
        self.sens_title.setToolTip("Green Book: the NPSV at each driver's low and high, and the change "
                                   "in each driver that would bring the NPSV to zero")
        layout.addWidget(self.sens_title)
        self.chart_tornado = ChartView()
        self.chart_tornado.setMinimumHeight(230)
        layout.addWidget(self.chart_tornado)
        self.switching = QTableWidget(0, 3)
        self.switching.setHorizontalHeaderLabels(["Driver", "NPSV is zero at", "Change"])
        self.switching.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.switching.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.switching.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.switching.verticalHeader().setVisible(False)
        self.switching.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.switching.setWordWrap(False)
        self.switching.verticalHeader().setDefaultSectionSize(22)
        self.switching.setMinimumHeight(22 * 11 + 6)
        layout.addWidget(self.switching)
        self.scenarios = QLabel()
        self.scenarios.setWordWrap(True)
        layout.addWidget(self.scenarios)
        self.sensitivity_runner = LatestRunner(self)
        self.sensitivity_runner.finished.connect(self._show_sensitivity)
        self.checks_title = QLabel("Checks")
        self.checks_title.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.checks_title)
        self.checks = QListWidget()
        self.checks.setWordWrap(True)
        self.checks.setMinimumHeight(90)
        layout.addWidget(self.checks)
        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        self.provenance.setStyleSheet("color: #666; font-size: 8pt;")
        layout.addWidget(self.provenance)
        doc.resultsChanged.connect(self.refresh)
        doc.projectChanged.connect(self._project_changed)

    def _project_changed(self, row: int) -> None:
        if row == self.row:
            self.refresh()

    def show_project(self, row: int | None) -> None:
        self.row = row
        self.refresh()

    def refresh(self) -> None:
        doc, row = self.doc, self.row
        results = doc.results
        self.checks.clear()
        if row is None or not (0 <= row < len(doc.projects)):
            self.heading.setText("No project selected")
            for card in self.cards.values():
                card.set(fmt.DASH)
            return
        project = doc.project(row)
        self.heading.setText(f"{project.get('id', '')}: {project.get('name', '')}")
        problems = doc.problems(row)
        for p in problems:
            self._check(f"Error in {p.field or 'the project'}: {p.message}", "#B00020", "✖")
        i = doc.result_index(row)
        if results is None or i is None:
            for card in self.cards.values():
                card.set(fmt.DASH)
            if doc.snapshot.error:
                self._check(doc.snapshot.error, "#B00020", "✖")
            elif not problems:
                self._check("Computing…", "#555555", "…")
            self.provenance.setText("")
            return
        m = {k: v[i] for k, v in results.metrics.items()}
        for key, title, f, tip in CARDS:
            v = m.get(key)
            v = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            text = f(v)
            colour = None
            if key == "bcr":
                cat = vfm_category(v)
                text = f"{text}  {fmt.vfm_badge(cat)}" if cat else text
                colour = fmt.VFM_COLOURS.get(cat or "")
            elif key in ("npsv_gbp", "financial_npv_gbp") and v is not None and v < 0:
                colour = "#B00020"
            elif key == "readiness_score" and m.get("shovel_ready"):
                text += " ✔"   # shovel-ready (the card's tooltip says so)
                colour = "#1E7B34"
            note = None if v is not None else "Not defined: see the checks"
            if key == "readiness_score" and m.get("shovel_ready"):
                note = "Shovel-ready: a score of 80 or more and a start within 12 months"
            self.cards[key].set(text, colour, note)
        for w in results.warnings[i]:
            self._check(w, "#9A6700", "⚠")
        if not problems and not results.warnings[i]:
            self._check("No warnings", "#1E7B34", "✔")
        self.provenance.setText(
            f"Assumptions {results.pack_id} ({results.pack_vintage}); carbon values "
            f"{results.carbon_series}; discounting {results.discount_schedule}; £ at "
            f"{results.price_base_year} prices; appraisal year {results.appraisal_year}."
            + (" The pack has figures marked illustrative or recalled." if results.pack_flagged else ""))
        s = results.project_series(i)
        years = results.years
        active = (np.abs(s["costs"]) + np.abs(s["benefits"]) + np.abs(s["financial_cash_flow"])) > 0
        if active.any():
            lo, hi = int(np.argmax(active)), int(len(active) - np.argmax(active[::-1]))
            lo = min(lo, int(np.searchsorted(years, results.appraisal_year)))
        else:
            lo, hi = 0, len(years)
        ys = years[lo:hi]
        self.chart_flows.show_chart(annual_costs_benefits(ys, s["costs"][lo:hi], s["benefits"][lo:hi]))
        disc = s["discounted_benefits"][lo:hi] - s["discounted_costs"][lo:hi]
        self.chart_cumulative.show_chart(line_by_year(
            "Cumulative discounted net value ({unit})", ys, np.cumsum(disc), BENEFIT_COLOUR,
            mark_zero=True))
        self.chart_carbon.show_chart(line_by_year(
            "Carbon saved by year (tCO2e)", ys, s["carbon_saved"][lo:hi], CARBON_COLOUR, money=False,
            mark_zero=True))
        self._request_sensitivity(row)

    # -- sensitivity of the selected project, computed in the background ---------------
    def _request_sensitivity(self, row: int) -> None:
        inputs, index = self.doc.appraisable_inputs([row])
        if inputs is None or row not in index:
            return
        pack = self.doc.pack
        self.scenarios.setText("Computing the sensitivity analysis…")
        self.sensitivity_runner.request(lambda: (row, sensitivity(inputs, pack)))

    def _show_sensitivity(self, out, error) -> None:
        if error is not None or out is None:
            self.scenarios.setText(f"Sensitivity analysis failed: {error}")
            return
        row, result = out
        if row != self.row or not result["projects"]:
            return
        p = result["projects"][0]
        self.sensitivity = result
        self.chart_tornado.show_chart(tornado(p["tornado"], p["npsv_gbp"] or 0.0))
        rows = p["switching_values"]
        labels = {d["driver"]: d["label"] for d in result["drivers"]}
        self.switching.setRowCount(len(rows))
        for k, r in enumerate(rows):
            value = r["switching_value"]
            if not r["reachable"]:
                text, change = ("not within reach" if r.get("note") is None else r["note"]), fmt.DASH
            elif r.get("unit") == "years":
                text, change = f"{value:.0f} years", fmt.percent(r["switching_change"], 0)
            elif r.get("unit") == "rate":
                text, change = fmt.percent(value, 1), fmt.percent(r["switching_change"], 0)
            else:
                text, change = f"× {value:.3g}", fmt.percent(r["switching_change"], 1)
            for c, t in enumerate((labels.get(r["driver"], r["driver"]), text, change)):
                item = QTableWidgetItem(t)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.switching.setItem(k, c, item)
        sc = p["scenarios"]
        parts = [f"carbon {s[7:]}: NPSV {fmt.money(v['npsv_gbp'])}, BCR {fmt.ratio(v['bcr'])}"
                 for s, v in sc.items() if s.startswith("carbon_")]
        if "reduced_discount_schedule" in sc:
            v = sc["reduced_discount_schedule"]
            parts.append(f"reduced discount schedule (horizon over 50 years): NPSV "
                         f"{fmt.money(v['npsv_gbp'])}, BCR {fmt.ratio(v['bcr'])}")
        self.scenarios.setText("Scenarios: " + "; ".join(parts) + ".")

    def _check(self, text: str, colour: str, mark: str) -> None:
        item = QListWidgetItem(f"{mark} {text}")
        from PySide6.QtGui import QBrush, QColor
        item.setForeground(QBrush(QColor(colour)))
        self.checks.addItem(item)
