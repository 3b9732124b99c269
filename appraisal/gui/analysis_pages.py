"""The Uncertainty page (Monte Carlo) and the Selection page (a pipeline within a budget).

Both run their computation in the background through the main window, with a
progress dialog and a cancel button, and show what they were run with (seed
and draws; budget, objective and constraints; the assumption pack).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.montecarlo import Outcome, SimulationSummary
from ..core.quantities import parse_budget
from ..core.wording import provenance
from . import formatting as fmt
from .breakdown import project_vfm
from .charts import ChartView, curve, histogram
from .document import PortfolioDocument

OBJECTIVES = (("NPSV", "npsv"), ("Carbon saved", "carbon"), ("Net additional jobs", "jobs"),
              ("Gap contribution", "gap"))


def _item(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setWordWrap(False)
    t.verticalHeader().setDefaultSectionSize(22)
    t.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    return t


class UncertaintyPage(QWidget):
    """Monte Carlo: percentiles of NPSV and the risk of a negative NPSV."""

    runRequested = Signal(int, int)   # draws, seed

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.result: SimulationSummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel("Uncertainty: Monte Carlo simulation")
        title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        layout.addWidget(title)
        controls = QHBoxLayout()
        self.draws = QSpinBox()
        self.draws.setRange(100, 1_000_000)
        self.draws.setSingleStep(1000)
        self.draws.setValue(10_000)
        self.draws.setToolTip("Number of futures drawn")
        self.draws.setAccessibleName("Draws")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed gives the same figures")
        self.seed.setAccessibleName("Seed")
        self.run_button = QPushButton("Run simulation")
        self.run_button.clicked.connect(lambda: self.runRequested.emit(self.draws.value(),
                                                                       self.seed.value()))
        form = QFormLayout()
        form.addRow("Draws", self.draws)
        form.addRow("Seed", self.seed)
        controls.addLayout(form)
        controls.addWidget(self.run_button)
        controls.addStretch(1)
        layout.addLayout(controls)
        self.about = QLabel("Each draw scales every project's costs and benefits by factors drawn "
                            "from each driver's distribution (the ranges of the sensitivity "
                            "analysis); carbon values and energy prices are drawn once per draw for "
                            "all projects, so the pipeline's risk is not understated.")
        self.about.setWordWrap(True)
        self.about.setStyleSheet("color: #555;")
        layout.addWidget(self.about)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = _table(["ID", "Project", "Central NPSV", "Mean NPSV", "P10", "P50", "P90",
                             "P(NPSV < 0)", "P50 social BCR"])
        self.table.currentCellChanged.connect(lambda r, *_: self._show_histogram(r))
        self.table.setAccessibleName("Monte Carlo results by project")
        split.addWidget(self.table)
        self.chart = ChartView()
        self.chart.setAccessibleName("Histogram of NPSV")
        split.addWidget(self.chart)
        layout.addWidget(split, 1)
        self.provenance = QLabel("Not run yet.")
        self.provenance.setStyleSheet("color: #666; font-size: 8pt;")
        self.provenance.setWordWrap(True)    # a long line would widen the window past the screen
        layout.addWidget(self.provenance)
        doc.structureChanged.connect(self._stale)
        doc.projectChanged.connect(self._stale)
        doc.settingsChanged.connect(self._stale)

    def _stale(self, *args) -> None:
        if self.result is not None:
            self.provenance.setText(self.provenance.text().split(" — ")[0]
                                    + " — the portfolio has changed since: run it again.")

    def show_result(self, result: SimulationSummary) -> None:
        self.result = result
        rows: list[tuple[str | None, str, Outcome]] = [("Portfolio", "All projects", result.portfolio)] + \
               [(p.id, self._name(p.id), p) for p in result.projects]
        self.table.setRowCount(len(rows))
        for r, (pid, name, s) in enumerate(rows):
            cells = [pid, name, fmt.money(s.npsv_central_gbp), fmt.money(s.npsv_mean_gbp),
                     fmt.money(s.npsv_p10_gbp),
                     fmt.money(s.npsv_p50_gbp), fmt.money(s.npsv_p90_gbp),
                     fmt.percent(s.prob_npsv_negative, 1), fmt.ratio(s.p50["bcr"])]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, _item(text, right=c >= 2))
        self.provenance.setText(
            f"Seed {result.seed}, {result.draws:,} draws. "
            + provenance(result.pack_id, result.pack_vintage,
                         carbon_series=result.carbon_series,
                         discount_schedule=result.discount_schedule)
            + f". {result.note}")
        self.table.setCurrentCell(0, 0)
        self._show_histogram(0)

    def _name(self, pid: str | None) -> str:
        for p in self.doc.projects:
            if isinstance(p, dict) and p.get("id") == pid:
                return str(p.get("name") or "")
        return ""

    def _show_histogram(self, row: int) -> None:
        if self.result is None or row < 0:
            return
        s = self.result.portfolio if row == 0 else self.result.projects[row - 1]
        label = "the portfolio" if row == 0 else s.id
        self.chart.show_chart(histogram(
            list(s.histogram_counts), list(s.histogram_edges_gbp), f"NPSV of {label} ({{unit}}):",
            {"P10": s.npsv_p10_gbp, "P50": s.npsv_p50_gbp, "P90": s.npsv_p90_gbp}))  # type: ignore[dict-item]  # NPSV percentiles: always defined


class SelectionPage(QWidget):
    """The best set of projects within a public budget, beside the greedy choice by BCR."""

    runRequested = Signal(dict)

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel("Choosing a pipeline within a budget")
        title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        layout.addWidget(title)
        form = QFormLayout()
        self.budget = QLineEdit("20m")
        self.budget.setToolTip("Public budget in £: 20,000,000 or 20m")
        self.budget.setAccessibleName("Public budget")
        self.objective = QComboBox()
        for text, key in OBJECTIVES:
            self.objective.addItem(text, key)
        self.objective.setAccessibleName("Maximise")
        self.min_readiness = QSpinBox()
        self.min_readiness.setRange(0, 100)
        self.min_readiness.setToolTip("Leave at 0 for no minimum")
        self.min_readiness.setAccessibleName("Minimum readiness score")
        self.shovel = QCheckBox("Shovel-ready projects only")
        self.include = QLineEdit()
        self.include.setPlaceholderText("IDs, separated by commas")
        self.include.setAccessibleName("Must be in")
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText("IDs, separated by commas")
        self.exclude.setAccessibleName("Must be out")
        form.addRow("Public budget", self.budget)
        form.addRow("Maximise", self.objective)
        form.addRow("Minimum readiness score", self.min_readiness)
        form.addRow("", self.shovel)
        form.addRow("Must be in", self.include)
        form.addRow("Must be out", self.exclude)
        top = QHBoxLayout()
        top.addLayout(form)
        self.run_button = QPushButton("Choose projects")
        self.run_button.clicked.connect(self._run)
        top.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        layout.addLayout(top)
        self.error = QLabel()
        self.error.setStyleSheet("color: #B00020;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.summary = QLabel("Not run yet.")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = _table(["ID", "Project", "Public cost", "Objective", "Best set", "Greedy by BCR"])
        self.table.setAccessibleName("Projects chosen")
        split.addWidget(self.table)
        self.chart = ChartView()
        self.chart.setAccessibleName("The best objective for each budget")
        split.addWidget(self.chart)
        split.setSizes([700, 560])
        layout.addWidget(split, 1)
        self.provenance = QLabel()
        self.provenance.setStyleSheet("color: #666; font-size: 8pt;")
        self.provenance.setWordWrap(True)
        layout.addWidget(self.provenance)

    def budget_gbp(self) -> float | None:
        """The budget typed in, or None when it is not an amount."""
        try:
            return parse_budget(self.budget.text())     # the command line's reader too
        except ValueError:
            return None

    def _ids(self, text: str) -> list[str]:
        return [t.strip() for t in text.split(",") if t.strip()]

    def _run(self) -> None:
        budget = self.budget_gbp()
        if budget is None:
            self.show_error(f"Public budget: {self.budget.text()!r} is not an amount of money")
            return
        self.error.setText("")
        self.runRequested.emit({
            "budget_gbp": budget, "objective": self.objective.currentData(),
            "min_readiness": self.min_readiness.value() or None,
            "shovel_ready_only": self.shovel.isChecked(),
            "must_include": self._ids(self.include.text()),
            "must_exclude": self._ids(self.exclude.text())})

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.summary.setText("Not run: mend the inputs above.")
        self.table.setRowCount(0)

    def show_result(self, selection, curve_result) -> None:
        d = selection.to_dict() if hasattr(selection, "to_dict") else selection
        unit = d.get("objective_unit", "")
        label = self.objective.currentText()

        def value(v):
            if v is None:
                return fmt.DASH
            return fmt.money(v) if d["objective"] in ("npsv", "gap") else f"{v:,.1f} {unit}".strip()

        if not d["feasible"]:
            self.summary.setText(f"No set of projects meets the constraints: {d.get('message') or ''}")
        else:
            diff = d.get("difference")
            words = ("the same as" if not diff else
                     f"{value(abs(diff))} {'more' if diff > 0 else 'less'} than")
            self.summary.setText(
                f"Best set: {len(d['selected'])} projects, {label} {value(d['objective_value'])} for "
                f"{fmt.money(d['public_cost_gbp'])} of public money; {words} the greedy choice by "
                f"social BCR ({len(d['greedy_selected'])} projects, "
                f"{value(d['greedy_objective_value'])}).")
        chosen, greedy = set(d["selected"]), set(d["greedy_selected"])
        results = self.doc.results
        # projects whose band (on the portfolio's basis) is poor or very poor: a guide for
        # the board, never a reason the tool drops a project by itself (METHOD.md 3)
        poor = [pid for pid in d["selected"] if results is not None and pid in results.ids
                and project_vfm(results, results.ids.index(pid)).band in ("poor", "very poor")]
        if poor:
            basis = project_vfm(results, 0).basis_name if results is not None else "BCR"
            self.summary.setText(self.summary.text() + f"  Note: the best set includes projects "
                                 f"of poor or very poor value for money on the {basis} "
                                 f"({', '.join(poor)}); exclude them under 'Must be out' if the "
                                 "board wants.")
        rows = []
        if results is not None:
            key = {"npsv": "npsv_gbp", "carbon": "carbon_saved_tco2e",
                   "jobs": "net_additional_jobs_fte", "gap": "gap_contribution_gbp"}[d["objective"]]
            for i, pid in enumerate(results.ids):
                if pid in chosen or pid in greedy:
                    rows.append((pid, results.names[i], float(results.metrics["public_cost_gbp"][i]),
                                 float(results.metrics[key][i])))
        self.table.setRowCount(len(rows))
        for r, (pid, name, cost, obj) in enumerate(rows):
            for c, (text, right) in enumerate(((pid, False), (name, False), (fmt.money(cost), True),
                                               (value(obj), True),
                                               ("✔ chosen" if pid in chosen else "", False),
                                               ("✔ greedy" if pid in greedy else "", False))):
                self.table.setItem(r, c, _item(text, right))
        if curve_result is not None:
            points = [(p.budget_gbp, p.objective_value) for p in curve_result.points
                      if p.objective_value is not None]
            self.chart.show_chart(curve(points, f"The best {label} for each budget", "Public budget",
                                        label, y_money=d["objective"] in ("npsv", "gap")))
        a = d.get("assumptions", {})
        self.provenance.setText(
            "Exact choice by mixed-integer programming (scipy's milp). "
            f"{provenance(a.get('id', ''), a.get('vintage', ''))}. The greedy choice takes projects by "
            "falling social BCR while they fit in the budget.")
