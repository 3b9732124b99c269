"""The results of the selected project: headline figures, what makes up its NPSV, carbon
and jobs, charts, sensitivity and checks."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGridLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QScrollArea, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from . import formatting as fmt
from .breakdown import (TIPS, Line, benefit_lines, carbon_cost_test, carbon_lines, cost_lines,
                        deadweight_line, delay_line, exchequer_line, job_lines, pack_note,
                        project_values, project_vfm, short_pack_note)
from ..core.sensitivity import sensitivity
from ..core.wording import results_provenance, shovel_ready_rule
from .charts import (BENEFIT_COLOUR, CARBON_COLOUR, ChartView, annual_costs_benefits, line_by_year,
                     tornado)
from .document import PortfolioDocument
from .plain import plain_tip
from .workers import LatestRunner

CARDS = [
    # key, title, formatter, tooltip (definition and source); laid out three to a row
    ("npsv_gbp", "NPSV", fmt.money, "Net present social value: PV of benefits less PV of costs "
                                    "(Green Book, real terms, discounted at the STPR schedule)"),
    ("bcr", "Social BCR", fmt.bcr, TIPS["bcr"]),
    ("bcr_public", "Funder BCR", fmt.bcr, TIPS["bcr_public"]),
    ("vfm", "Value for money", str, TIPS["vfm"]),
    ("carbon_saved_tco2e", "Carbon saved", lambda v: fmt.number(v, 0, "tCO2e"),
     "Tonnes of CO2e saved over the operating life (undiscounted, after deadweight): direct "
     "tonnes (fuels burnt on site or in vehicles) and traded tonnes (grid electricity)"),
    ("cost_per_tco2e_gbp", "Cost per tonne", lambda v: fmt.DASH if v is None else f"{fmt.money(v, short=False)}/t",
     "(PVC - PV of energy and other benefits) / tonnes saved"),
    ("psds", "Carbon cost test (PSDS)", str, TIPS["psds"]),
    ("net_additional_jobs_fte", "Net additional jobs", lambda v: fmt.number(v, 1, "FTE"),
     "Gross direct jobs after deadweight, leakage, displacement, substitution and multiplier "
     "(HCA Additionality Guide): construction (permanent-equivalent) and operation apart"),
    ("cost_per_net_job_gbp", "Cost per net job", fmt.money, "Public cost / net additional jobs"),
    ("gap_contribution_gbp", "Gap contribution", fmt.money,
     "Public funding in the investment gap's window years, net of benefit deadweight "
     "(Green Alliance, 2020)"),
    ("financial_npv_gbp", "Financial NPV", fmt.money,
     "The promoter's cash flows discounted at the portfolio's financial rate"),
    ("financial_irr", "Financial IRR", fmt.percent, "Internal rate of return of the promoter's cash flows"),
    ("payback_year", "Payback year", fmt.year, "The year after the last year of negative cumulative cash"),
    ("readiness_score", "Readiness", lambda v: fmt.DASH if v is None else f"{v:.0f}/100",
     "Planning, site, procurement, match funding and an early start, by the pack's readiness "
     "weights"),
    ("viability_gap_gbp", "Viability gap", fmt.money, "The grant that would make the promoter break even"),
]
WIDE_CARDS = {"vfm"}     # a card across the panel: its basis and any adjustment need the room
CARD_COLUMNS = 3
NEGATIVE = "#B00020"
AMBER = "#9A6700"


class Card(QFrame):
    """A headline figure: its title, its value, and an optional line under it."""

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
        self.detail = QLabel()
        self.detail.setStyleSheet("color: #555; font-size: 8pt;")
        self.detail.setWordWrap(True)
        self.detail.setVisible(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for label in (self.value, self.detail):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)     # cards of a row line up at the top when one has more to say

    def set(self, text: str, colour: str | None = None, note: str | None = None,
            detail: str = "") -> None:
        """The value (coloured only beside words that carry the meaning), a tooltip note,
        and a visible line of detail under it."""
        self.value.setText(text)
        self.value.setStyleSheet("font-size: 11pt; font-weight: 600;"
                                 + (f" color: {colour};" if colour else ""))
        self.value.setToolTip(plain_tip(note))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))


class FigureList(QFrame):
    """Figures in words, one to a line, a part indented under its total; the values
    right-aligned so that they read as a column."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(1)
        self.grid.setColumnStretch(0, 1)
        self.heading = QLabel(title)
        self.heading.setStyleSheet("font-weight: 600;")
        self.grid.addWidget(self.heading, 0, 0, 1, 2)
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self._rows = 1

    def set_lines(self, lines: list[Line | None]) -> None:
        seen = set()
        for line in lines:
            if line is None:
                continue
            seen.add(line.key)
            if line.key not in self.labels:
                label, value = QLabel(), QLabel()
                for w in (label, value):       # names shown as written (plain.py)
                    w.setTextFormat(Qt.TextFormat.PlainText)
                label.setWordWrap(True)
                value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(label, self._rows, 0)
                self.grid.addWidget(value, self._rows, 1)
                self._rows += 1
                self.labels[line.key], self.values[line.key] = label, value
            label, value = self.labels[line.key], self.values[line.key]
            label.setText(line.label)
            weight = "font-weight: 600;" if line.level == 0 else ""
            label.setStyleSheet(weight + ("" if line.level == 0 else " padding-left: 12px;"))
            value.setText(line.text())
            colour = NEGATIVE if line.unit == "gbp" and (line.value or 0) < 0 else None
            value.setStyleSheet(weight + (f" color: {colour};" if colour else ""))
            for w in (label, value):
                w.setToolTip(plain_tip(line.tip))
                w.setVisible(True)
        for key in self.labels:
            if key not in seen:      # a line that applies only sometimes (a delay, deadweight)
                self.labels[key].setVisible(False)
                self.values[key].setVisible(False)

    def clear(self) -> None:
        for w in list(self.labels.values()) + list(self.values.values()):
            w.setVisible(False)


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
        layout.addLayout(self._build_cards())
        # what the NPSV is made of, the Exchequer beside it, then carbon, jobs and the rest
        self.value_list = FigureList("What makes up the NPSV")
        self.value_list.setToolTip("Present values at base-year prices; each external effect on "
                                   "its own line")
        self.other_list = FigureList("Carbon, jobs and other figures")
        for w in (self.value_list, self.other_list):
            w.setFrameShape(QFrame.Shape.StyledPanel)
            layout.addWidget(w)
        self.chart_flows = ChartView()
        self.chart_cumulative = ChartView()
        self.chart_carbon = ChartView()
        for view in (self.chart_flows, self.chart_cumulative, self.chart_carbon):
            view.setMinimumHeight(190)
            layout.addWidget(view)
        self._build_sensitivity(layout)
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

    def _build_cards(self) -> QGridLayout:
        """The project's headline figures: cards in CARD_COLUMNS columns, wide ones alone."""
        grid = QGridLayout()
        grid.setSpacing(4)
        self.cards: dict[str, Card] = {}
        row = col = 0
        for key, title, _, tip in CARDS:
            card = Card(title, tip)
            self.cards[key] = card
            if key in WIDE_CARDS:
                if col:
                    row, col = row + 1, 0
                grid.addWidget(card, row, 0, 1, CARD_COLUMNS)
                row += 1
                continue
            grid.addWidget(card, row, col)
            row, col = (row + 1, 0) if col == CARD_COLUMNS - 1 else (row, col + 1)
        for c in range(CARD_COLUMNS):
            grid.setColumnStretch(c, 1)
        return grid

    def _build_sensitivity(self, layout: QVBoxLayout) -> None:
        """The tornado, the switching values and the scenarios, computed in the background."""
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

    def _blank(self) -> None:
        for card in self.cards.values():
            card.set(fmt.DASH)
        self.value_list.clear()
        self.other_list.clear()

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
            self._blank()
            return
        project = doc.project(row)
        category = doc.pack.categories.get(str(project.get("category", "")))
        self.heading.setText(f"{project.get('id', '')}: {project.get('name', '')}"
                             + (f"  ·  {category.label}" if category is not None else ""))
        problems = doc.problems(row)
        for p in problems:   # codes in words: "Error in lifetime: ..." (the JSON keeps the codes)
            where = fmt.field_words(p.field) if p.field else "the project"
            self._check(f"Error in {where}: {fmt.plain(p.message, doc.pack)}", "#B00020", "✖")
        i = doc.result_index(row)
        if results is None or i is None:
            self._blank()
            if doc.snapshot.error:
                self._check(doc.snapshot.error, "#B00020", "✖")
            elif not problems:
                self._check("Computing…", "#555555", "…")
            self.provenance.setText("")
            return
        v = project_values(results, i)
        self._show_cards(v, results, i, project)
        self.value_list.set_lines(
            benefit_lines(v) + cost_lines(v)
            + [Line("npsv_gbp", "Net present social value (NPSV)", v.get("npsv_gbp"), level=0),
               exchequer_line(v)])
        self.other_list.set_lines(carbon_lines(v) + job_lines(v)
                                  + [delay_line(v), deadweight_line(v)])
        for w in results.warnings[i]:
            self._check(fmt.sentence(w, doc.pack), "#9A6700", "⚠")
        if not problems and not results.warnings[i]:
            self._check("No warnings", "#1E7B34", "✔")
        self.provenance.setText(
            results_provenance(results, vfm_basis_name=project_vfm(results, i).basis_name) + "."
            + short_pack_note(doc.pack))
        self.provenance.setToolTip(plain_tip(pack_note(results)))
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

    def _show_cards(self, v: dict, results, i: int, project: dict) -> None:
        """The headline cards of project ``i`` (``v``: its values, None where undefined)."""
        for key, _title, f, _tip in CARDS:
            if key in ("vfm", "psds"):
                continue
            x = v.get(key)
            colour = NEGATIVE if key in ("npsv_gbp", "financial_npv_gbp") and (x or 0) < 0 else None
            self.cards[key].set(f(x), colour, None if x is not None else "Not defined: see the checks")
        ex = exchequer_line(v)
        self.cards["npsv_gbp"].set(self.cards["npsv_gbp"].value.text(),
                                   NEGATIVE if (v.get("npsv_gbp") or 0) < 0 else None,
                                   detail=f"Exchequer {ex.text()} (transfer, not in NPSV)")
        if v.get("bcr") is None:
            self.cards["bcr"].set(fmt.DASH, note="Not defined: no costs")
        if v.get("bcr_public") is None:
            self.cards["bcr_public"].set(fmt.DASH, note="Not defined: no public costs")
        reason = project.get("vfm_adjustment_reason", "") if isinstance(project, dict) else ""
        vfm = project_vfm(results, i, str(reason or ""))
        self.cards["vfm"].set(vfm.short(), fmt.VFM_COLOURS.get(vfm.band or ""),
                              detail=vfm.adjustment_text() or
                              ("Benefits net of private costs, over public costs" if vfm.basis ==
                               "public" else "All benefits over all costs") +
                              ": a guide for decision makers, not a pass or fail test")
        self.cards["carbon_saved_tco2e"].set(
            self.cards["carbon_saved_tco2e"].value.text(),
            detail=f"direct {fmt.number(v.get('carbon_saved_direct_tco2e'), 0)}, traded "
                   f"{fmt.number(v.get('carbon_saved_traded_tco2e'), 0)}")
        test = carbon_cost_test(v, results.public_carbon_cost_threshold)
        self.cards["psds"].set(test.verdict, {True: "#1E7B34", False: AMBER}.get(test.passed),
                               detail=test.detail())
        self.cards["net_additional_jobs_fte"].set(
            self.cards["net_additional_jobs_fte"].value.text(),
            detail=f"construction {fmt.number(v.get('net_construction_jobs_fte'), 1)}, "
                   f"operation {fmt.number(v.get('net_operational_jobs_fte'), 1)}")
        if v.get("shovel_ready"):
            self.cards["readiness_score"].set(
                self.cards["readiness_score"].value.text() + " ✔", "#1E7B34",
                f"Shovel-ready: {shovel_ready_rule()}",
                detail="shovel-ready")

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
        if row != self.row or not result.projects:
            return
        p = result.projects[0]
        self.sensitivity = result
        self.chart_tornado.show_chart(tornado(p.tornado, p.npsv_gbp or 0.0))
        rows = p.switching_values
        labels = {d.driver: d.label for d in result.drivers}
        self.switching.setRowCount(len(rows))
        for k, r in enumerate(rows):
            value = r.switching_value
            if not r.reachable:
                text, change = ("not within reach" if r.note is None else r.note), fmt.DASH
            elif r.unit == "years":
                text, change = f"{value:.0f} years", fmt.percent(r.switching_change, 0)
            elif r.unit == "rate":
                text, change = fmt.percent(value, 1), fmt.percent(r.switching_change, 0)
            else:
                text, change = f"× {value:.3g}", fmt.percent(r.switching_change, 1)
            driver = fmt.plain(labels.get(r.driver) or fmt.driver_name(r.driver))
            for c, t in enumerate((driver, text, change)):
                item = QTableWidgetItem(t)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.switching.setItem(k, c, item)
        sc = p.scenarios
        parts = [f"carbon {s[7:]}: NPSV {fmt.money(v.npsv_gbp)}, social BCR {fmt.bcr(v.bcr)}"
                 for s, v in sc.items() if s.startswith("carbon_")]
        if "reduced_discount_schedule" in sc:
            v = sc["reduced_discount_schedule"]
            parts.append(f"reduced discount schedule (horizon over 50 years): NPSV "
                         f"{fmt.money(v.npsv_gbp)}, social BCR {fmt.bcr(v.bcr)}")
        self.scenarios.setText("Scenarios: " + "; ".join(parts) + ".")

    def _check(self, text: str, colour: str, mark: str) -> None:
        item = QListWidgetItem(f"{mark} {text}")
        from PySide6.QtGui import QBrush, QColor
        item.setForeground(QBrush(QColor(colour)))
        self.checks.addItem(item)
