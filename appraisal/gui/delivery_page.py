"""The Delivery page: each project's spend, schedule and carbon against its baseline.

The figures are :func:`appraisal.core.delivery.track`'s (docs/delivery.md); this
page lays them out, and records baselines and monitoring returns through the
document's undo stack. The core checks every entry (``add_actual``): what it
refuses is shown in the dialog as written, and the document is left unchanged.

``track`` re-runs the engine only for the projects with a baseline: about 20 ms
on the example portfolio, about twice the appraisal run after every edit
(benchmarks/bench_delivery.py), so it runs on the GUI thread, and only while the
page is shown (an edit elsewhere marks the page stale).
"""
from __future__ import annotations

import copy
import datetime as _dt
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QUndoCommand
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ..core.delivery import (BASELINE_STAGES, RAG, DeliveryReport, ProjectTrack, YearDelivery,
                             add_actual, parse_delivery, record_baseline, track)
from ..core.errors import InputError
from ..io.delivery_output import STAGE_ABBREVIATIONS
from ..io.escaping import no_negative_zero
from . import formatting as fmt
from .charts import CARBON_COLOUR, COST_COLOUR, ChartView, bars_by_year
from .document import PortfolioDocument, get_path, set_path
from .plain import plain_tip

# status colours (the text says the status too: colour is never the only sign)
RAG_COLOURS = {"green": "#1E7B34", "amber": "#B36B00", "red": "#B00020"}
NO_STATUS = "No baseline"
PROFILE_COLOUR = QColor("#7F7F7F")
FORECAST_COLOUR = QColor("#2E75B6")
PIPELINE_COLUMNS = ("ID", "Project", "Status", "Baseline", "Spent to date", "Profile to date",
                    "Overrun", "Overrun after OB", "Late (months)", "Carbon delivered",
                    "NPSV baseline", "NPSV re-forecast")
COLUMN_TIPS = {
    "Overrun": "Forecast outturn capex over the baseline's capex, less 1 (docs/delivery.md 4)",
    "Overrun after OB": "The overrun against the baseline's capex with its optimism-bias uplift: "
                        "negative means the allowance covered it",
    "Late (months)": "The larger of the slippage of the start of works and of operation; '≥' when "
                     "it has not happened yet (a minimum)",
    "Carbon delivered": "Measured carbon saving over the appraised saving in the measured periods",
    "NPSV re-forecast": "The appraisal re-run with the actuals in place of the periods they cover",
}
ACTUALS_COLUMNS = ("Period", "Date", "Source", "Capex", "Public funding", "Opex", "Energy",
                   "Jobs (FTE)", "Started works", "Started operation")
BASELINE_COLUMNS = ("Stage", "Reason", "Date", "Approved", "Assumptions", "NPSV", "BCR")


def status_text(status: str | None) -> str:
    return status.capitalize() if status else NO_STATUS


def signed_percent(v: float | None) -> str:
    return fmt.DASH if v is None else no_negative_zero(f"{v * 100:+.0f}%")


def late_text(p: ProjectTrack) -> str:
    """The larger slippage in months, '≥' when it is a minimum (not happened yet)."""
    pairs = [(p.works_start_slippage_months, p.works_start_slippage_is_minimum),
             (p.completion_slippage_months, p.completion_slippage_is_minimum)]
    pairs = [x for x in pairs if x[0] is not None]
    if not pairs:
        return fmt.DASH
    months, minimum = max(pairs, key=lambda x: x[0] or 0.0)
    return f"{'≥' if minimum else ''}{fmt.number(months, 1)}"


def pipeline_cells(p: ProjectTrack) -> list[str]:
    """A project's row of the pipeline table, as shown (PIPELINE_COLUMNS)."""
    base = (f"{STAGE_ABBREVIATIONS.get(p.baseline_stage, p.baseline_stage)}, "
            f"{p.baseline_date.isoformat()}" if p.baseline_stage and p.baseline_date else fmt.DASH)
    return [p.id, p.name, status_text(p.status), base, fmt.money(p.capex_to_date_gbp),
            fmt.money(p.capex_profile_to_date_gbp), signed_percent(p.overrun),
            signed_percent(p.overrun_with_ob), late_text(p),
            fmt.percent(p.carbon_delivery_share, 0),
            fmt.money(p.baseline.npsv_gbp if p.baseline else None),
            fmt.money(p.reforecast.npsv_gbp if p.reforecast else None)]


def status_item(p: ProjectTrack) -> QTableWidgetItem:
    """The status cell: the word, the colour behind it, and the reasons for a screen reader."""
    item = QTableWidgetItem(status_text(p.status))
    reasons = "; ".join(p.reasons)
    if p.status:
        item.setBackground(QColor(RAG_COLOURS[p.status]))
        item.setForeground(QColor("white"))
    else:
        item.setForeground(QColor("#555555"))
    item.setToolTip(plain_tip(reasons or "Within every threshold"))
    item.setData(Qt.ItemDataRole.AccessibleTextRole,
                 f"{status_text(p.status)}: {reasons}" if reasons else status_text(p.status))
    return item


def _readonly_table(name: str, columns: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setAccessibleName(name)
    t.setHorizontalHeaderLabels(list(columns))
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.verticalHeader().setDefaultSectionSize(22)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))


def energy_text(entry: dict) -> str:
    parts = [f"{fmt.fuel_name(f)} {fmt.number(q, 0)} (change)"
             for f, q in (entry.get("energy_change") or {}).items()]
    parts += [f"{fmt.fuel_name(f)} {fmt.number(q, 0)} (use)"
              for f, q in (entry.get("energy_use") or {}).items()]
    return "; ".join(parts) or fmt.DASH


def actual_cells(e: dict) -> list[str]:
    period = str(e.get("year")) + (f" Q{e['quarter']}" if e.get("quarter") else "")
    return [period, str(e.get("date") or ""), str(e.get("source") or ""),
            fmt.money(e.get("capex_gbp")), fmt.money(e.get("public_funding_gbp")),
            fmt.money(e.get("opex_gbp")), energy_text(e), fmt.number(e.get("jobs_fte"), 1),
            str(e.get("works_start") or fmt.DASH), str(e.get("operating_start") or fmt.DASH)]


def baseline_cells(b: dict) -> list[str]:
    pack = b.get("pack") or {}
    res = b.get("results") or {}
    return [BASELINE_STAGES.get(str(b.get("stage")), str(b.get("stage"))), str(b.get("reason") or ""),
            str(b.get("date") or ""), "yes" if b.get("approved", True) else "no",
            f"{pack.get('id', '')} ({pack.get('vintage', '')})", fmt.money(res.get("npsv_gbp")),
            fmt.bcr(res.get("bcr"))]


# ---------------------------------------------------------------------------
# Undo: a delivery list of a project replaced as one step
# ---------------------------------------------------------------------------

class SetDeliveryList(QUndoCommand):
    """A project's ``baselines`` or ``actuals`` replaced by the list the core built
    (one more baseline or entry); undo puts the old list back, or removes the
    field when the project had none (an old file saves unchanged)."""

    def __init__(self, doc: PortfolioDocument, row: int, key: str, value: list, text: str):
        super().__init__(text)
        self.doc, self.row, self.key, self.new = doc, row, key, copy.deepcopy(value)
        project = doc.project(row)
        self.had = key in project
        self.old = copy.deepcopy(get_path(project, (key,)))

    def redo(self) -> None:
        set_path(self.doc.project(self.row), (self.key,), copy.deepcopy(self.new))
        self.doc._project_changed(self.row)

    def undo(self) -> None:
        project = self.doc.project(self.row)
        if self.had:
            project[self.key] = copy.deepcopy(self.old)
        else:
            project.pop(self.key, None)
        self.doc._project_changed(self.row)


def trial_document(doc: PortfolioDocument, row: int) -> dict:
    """The portfolio's settings with a copy of one project: the core edits this, and
    the document takes the result through the undo stack only when it succeeded."""
    data = {k: v for k, v in doc.portfolio.data.items() if k != "projects"}
    return {**copy.deepcopy(data), "projects": [copy.deepcopy(doc.project(row))]}


# ---------------------------------------------------------------------------
# Dialogs: they hand the entry to the page, which answers with the core's refusal
# ---------------------------------------------------------------------------

class _EntryDialog(QDialog):
    """A form whose OK button asks ``apply`` (returns None when done, else the
    message to show); the dialog stays open on a refusal, the text kept."""

    def __init__(self, title: str, apply, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.apply = apply
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        self.error.setAccessibleName("Problem with the entry")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _line(self, label: str, text: str = "", tip: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setAccessibleName(label)
        if tip:
            edit.setToolTip(tip)
        self.form.addRow(label, edit)
        return edit

    def value(self) -> dict[str, Any]:
        raise NotImplementedError

    def accept(self) -> None:
        problem = self.apply(self.value())
        if problem:
            self.error.setText(problem)
            self.error.setVisible(True)
            return
        super().accept()


def number_or_text(text: str) -> float | str | None:
    """What the user typed: blank is 'not reported', a number (commas and £ allowed)
    a number, anything else passed on as typed so that the core names the field."""
    t = text.strip()
    if not t:
        return None
    try:
        return float(t.replace(",", "").replace("£", ""))
    except ValueError:
        return t


class BaselineDialog(_EntryDialog):
    def __init__(self, project_id: str, apply, parent=None) -> None:
        super().__init__(f"Record baseline of {project_id}", apply, parent)
        self.stage = QComboBox()
        self.stage.setAccessibleName("Stage")
        for code, words in BASELINE_STAGES.items():
            self.stage.addItem(words, code)
        self.stage.setCurrentIndex(list(BASELINE_STAGES).index("fbc"))
        self.form.addRow("Stage", self.stage)
        self.reason = self._line("Reason", tip="Why: e.g. 'Full business case approved by the "
                                               "investment board'")
        self.date = self._line("Date", _dt.date.today().isoformat(), "YYYY-MM-DD")
        self.approved = QCheckBox("Approved (the reference for delivery)")
        self.approved.setChecked(True)
        self.form.addRow("", self.approved)

    def value(self) -> dict[str, Any]:
        return {"stage": self.stage.currentData(), "reason": self.reason.text().strip(),
                "date": self.date.text().strip(), "approved": self.approved.isChecked()}


class ReturnDialog(_EntryDialog):
    """One actuals entry (FORMAT.md 6): a year or a quarter, and what was reported."""

    MONEY = (("capex_gbp", "Capex (£)"), ("public_funding_gbp", "Public funding drawn (£)"),
             ("opex_gbp", "Opex (£)"))

    def __init__(self, project_id: str, fuels: list[str], apply, parent=None) -> None:
        super().__init__(f"Add return for {project_id}", apply, parent)
        today = _dt.date.today()
        self.year = self._line("Year", str(today.year - 1))
        self.quarter = QComboBox()
        self.quarter.setAccessibleName("Quarter")
        self.quarter.addItem("Whole year", None)
        for q, months in zip((1, 2, 3, 4), ("January-March", "April-June", "July-September",
                                            "October-December")):
            self.quarter.addItem(f"Q{q} ({months})", q)
        self.form.addRow("Quarter", self.quarter)
        self.date = self._line("Date of the return", today.isoformat(), "YYYY-MM-DD")
        self.source = self._line("Source", tip="Which return, ledger, meter or invoice")
        self.money = {k: self._line(label, tip="Blank: not reported. Cash as spent (prices of "
                                                "the period's year)") for k, label in self.MONEY}
        self.energy = {f: self._line(f"{fmt.fuel_name(f)} change ({fmt.FUEL_UNITS.get(f, 'unit')})",
                                     tip="Measured change against the pre-project baseline in "
                                         "the period; negative is a saving")
                       for f in fuels}
        self.jobs = self._line("Jobs reported (FTE)")
        self.works_start = self._line("Works started on", tip="YYYY-MM-DD, if this return reports it")
        self.operating_start = self._line("Operation started on",
                                          tip="YYYY-MM-DD, if this return reports it")

    def value(self) -> dict[str, Any]:
        year = number_or_text(self.year.text())
        entry: dict[str, Any] = {
            "year": int(year) if isinstance(year, float) and year.is_integer() else year,
            "quarter": self.quarter.currentData(), "date": self.date.text().strip() or None,
            "source": self.source.text().strip()}
        for k, edit in self.money.items():
            if (v := number_or_text(edit.text())) is not None:
                entry[k] = v
        change = {f: v for f, e in self.energy.items() if (v := number_or_text(e.text())) is not None}
        if change:
            entry["energy_change"] = change
        if (v := number_or_text(self.jobs.text())) is not None:
            entry["jobs_fte"] = v
        for k in ("works_start", "operating_start"):
            if text := getattr(self, k).text().strip():
                entry[k] = text
        return entry


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------

class DeliveryPage(QWidget):
    """The pipeline's delivery (table with RAG, charts) and the selected project's
    baselines and returns, with the two actions that add to them."""

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.report: DeliveryReport | None = None
        self.dialog: _EntryDialog | None = None
        self._rows: list[str] = []          # project id of each table row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._header())
        layout.addWidget(self._body(), 1)
        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        self.provenance.setStyleSheet("color: #666; font-size: 8pt;")
        layout.addWidget(self.provenance)
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        for signal in (doc.structureChanged, doc.settingsChanged, doc.packChanged,
                       doc.resultsChanged):
            signal.connect(self._changed)
        doc.projectChanged.connect(self._changed)

    def _header(self) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Delivery against the appraisal")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("Pipeline delivery summary")
        v.addWidget(self.title)
        v.addWidget(self.summary)
        return box

    def _body(self) -> QWidget:
        self.table = _readonly_table("Delivery of the projects", PIPELINE_COLUMNS)
        for c, name in enumerate(PIPELINE_COLUMNS):
            header = self.table.horizontalHeaderItem(c)
            if name in COLUMN_TIPS and header is not None:
                header.setToolTip(COLUMN_TIPS[name])
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.spend_chart = ChartView()
        self.spend_chart.setAccessibleName("Chart of capital spend against the profile by year")
        self.carbon_chart = ChartView()
        self.carbon_chart.setAccessibleName("Chart of carbon delivered against appraised by year")
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.spend_chart)
        charts.addWidget(self.carbon_chart)
        charts.setChildrenCollapsible(False)
        top = QSplitter(Qt.Orientation.Vertical)
        top.addWidget(self.table)
        top.addWidget(charts)
        top.addWidget(self._detail())
        top.setChildrenCollapsible(False)
        top.setSizes([220, 220, 240])
        self.splitter = top
        return top

    def _detail(self) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.detail_title = QLabel("Select a project")
        self.detail_title.setStyleSheet("font-weight: 600;")
        self.record_button = QPushButton("Record &baseline…")
        self.record_button.setToolTip("Freeze the project's current appraisal as a baseline "
                                      "(stage and reason); Undo removes it")
        self.record_button.clicked.connect(self.open_baseline_dialog)
        self.return_button = QPushButton("Add &return…")
        self.return_button.setToolTip("Enter a monitoring return: a year or quarter's spend, "
                                      "energy and jobs")
        self.return_button.clicked.connect(self.open_return_dialog)
        row.addWidget(self.detail_title, 1)
        row.addWidget(self.record_button)
        row.addWidget(self.return_button)
        v.addLayout(row)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons.setAccessibleName("Status reasons and notes")
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.reasons)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.baselines = _readonly_table("Baselines of the project", BASELINE_COLUMNS)
        self.actuals = _readonly_table("Returns (actuals) of the project", ACTUALS_COLUMNS)
        split.addWidget(self.baselines)
        split.addWidget(self.actuals)
        split.setSizes([350, 650])
        split.setChildrenCollapsible(False)
        v.addWidget(split, 1)
        return box

    # -- refreshing --------------------------------------------------------------
    def _changed(self, *_args) -> None:
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Track the document afresh (the core's figures), keeping the selection."""
        self._stale = False
        selected = self.selected_id()
        try:
            self.report = track(self.doc.portfolio.data, self.doc.pack)
        except InputError as exc:
            self.report = None
            self.summary.setText("Delivery cannot be compared until these are put right:\n"
                                 + exc.summary(8))
        self._fill_table()
        if self.report is not None:
            self._show_summary(self.report)
        self.select_project(selected)
        self._selection_changed()

    def _fill_table(self) -> None:
        # the tracked projects first (document order), then those without a baseline
        projects = sorted(self.report.projects if self.report else (),
                          key=lambda p: p.status is None)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(projects))
        self._rows = [p.id for p in projects]
        for r, p in enumerate(projects):
            for c, text in enumerate(pipeline_cells(p)):
                item = status_item(p) if PIPELINE_COLUMNS[c] == "Status" else QTableWidgetItem(text)
                if PIPELINE_COLUMNS[c] not in ("ID", "Project", "Status", "Baseline"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(240, self.table.columnWidth(1)))
        self.table.horizontalHeader().setSectionResizeMode(len(PIPELINE_COLUMNS) - 1,
                                                           QHeaderView.ResizeMode.Interactive)

    def _show_summary(self, r: DeliveryReport) -> None:
        pl = r.pipeline
        counts = ", ".join(f"{pl.status_counts.get(s, 0)} {s}" for s in RAG)
        self.summary.setText(
            f"{pl.projects_tracked} projects tracked ({counts}); "
            f"{pl.projects_without_baseline} without an approved baseline. "
            f"Spent {fmt.money(pl.capex_to_date_gbp)} against a profile of "
            f"{fmt.money(pl.capex_profile_to_date_gbp)} to date; forecast overrun "
            f"{signed_percent(pl.overrun)}; carbon delivered {fmt.percent(pl.carbon_delivery_share, 0)}"
            f" of appraised; NPSV {fmt.money(pl.baseline.npsv_gbp)} at baseline, "
            f"{fmt.money(pl.reforecast.npsv_gbp)} re-forecast.")
        t = r.thresholds
        self.provenance.setText(
            f"As of {r.as_of.isoformat()} (the latest return); assumptions {r.pack_id} "
            f"({r.pack_vintage}); money at each baseline's price base year. Status: amber above "
            f"{t.overrun_amber:.0%} overrun or {t.slippage_amber_months:g} months late or below "
            f"{t.carbon_amber:.0%} of the carbon; red above {t.overrun_red:.0%}, "
            f"{t.slippage_red_months:g} months, below {t.carbon_red:.0%} (the pack's thresholds; "
            "docs/delivery.md).")

    # -- selection and detail ------------------------------------------------------
    def selected_id(self) -> str | None:
        rows = {ix.row() for ix in self.table.selectionModel().selectedRows()}
        return self._rows[min(rows)] if rows and min(rows) < len(self._rows) else None

    def select_project(self, project_id: str | None) -> None:
        if project_id in self._rows:
            self.table.selectRow(self._rows.index(project_id))
        else:
            self.table.clearSelection()

    def document_row(self, project_id: str | None) -> int | None:
        for k, p in enumerate(self.doc.projects):
            if isinstance(p, dict) and p.get("id") == project_id:
                return k
        return None

    def _selection_changed(self) -> None:
        pid = self.selected_id()
        row = self.document_row(pid)
        track_ = next((p for p in (self.report.projects if self.report else ()) if p.id == pid),
                      None)
        self.record_button.setEnabled(row is not None)
        self.return_button.setEnabled(row is not None)
        self._show_detail(row, track_)
        self._show_charts(track_)

    def _show_detail(self, row: int | None, p: ProjectTrack | None) -> None:
        project = self.doc.project(row) if row is not None else {}
        if row is None:
            self.detail_title.setText("Select a project for its baselines and returns")
        else:
            self.detail_title.setText(f"{project.get('id')}: {project.get('name') or ''}")
        lines = []
        if p is not None:
            lines.append(f"Status {status_text(p.status)}"
                         + (f": {'; '.join(p.reasons)}" if p.reasons else ""))
            lines += [f"Note: {n}" for n in p.notes]
        self.reasons.setText("\n".join(lines))
        raw_baselines, raw_actuals = project.get("baselines"), project.get("actuals")
        baselines = raw_baselines if isinstance(raw_baselines, list) else []
        actuals = raw_actuals if isinstance(raw_actuals, list) else []
        _fill(self.baselines, [baseline_cells(b) for b in baselines if isinstance(b, dict)])
        _fill(self.actuals, [actual_cells(e) for e in actuals if isinstance(e, dict)])
        for t in (self.baselines, self.actuals):
            t.resizeColumnsToContents()
            t.setColumnWidth(1 if t is self.baselines else 2,
                             min(260, t.columnWidth(1 if t is self.baselines else 2)))

    def _show_charts(self, p: ProjectTrack | None) -> None:
        if self.report is None:
            return
        years = p.years if p is not None else self.report.pipeline_years()
        whose = p.id if p is not None else "pipeline"
        self.spend_chart.show_chart(spend_chart(years, whose))
        self.carbon_chart.show_chart(carbon_chart(years, whose))

    # -- actions ---------------------------------------------------------------------
    def open_baseline_dialog(self) -> BaselineDialog | None:
        pid = self.selected_id()
        if pid is None or self.document_row(pid) is None:
            return None
        self.dialog = BaselineDialog(pid, lambda v: self.record(pid, v), self)
        self.dialog.open()
        return self.dialog

    def open_return_dialog(self) -> ReturnDialog | None:
        pid = self.selected_id()
        row = self.document_row(pid)
        if pid is None or row is None:
            return None
        self.dialog = ReturnDialog(pid, project_fuels(self.doc.project(row), self.doc.pack),
                                   lambda v: self.add_return(pid, v), self)
        self.dialog.open()
        return self.dialog

    def record(self, project_id: str, v: dict[str, Any]) -> str | None:
        """Freeze the project's current appraisal as a baseline (one undo step); the
        core's refusal as text otherwise."""
        row = self.document_row(project_id)
        if row is None:
            return f"project {project_id} is no longer in the portfolio"
        self.doc.wait_for_results()      # the figures frozen are those of the inputs now
        results = self.doc.results
        if results is None or self.doc.result_index(row) is None:
            return (f"project {project_id} has no appraisal to freeze: put its problems right "
                    "on the Projects page first")
        trial = trial_document(self.doc, row)
        try:
            record_baseline(trial, project_id, results, self.doc.pack, v["stage"], v["reason"],
                            v["date"] or None, approved=v["approved"])
        except InputError as exc:
            return exc.summary(8)
        stage = BASELINE_STAGES.get(v["stage"], v["stage"])
        self.doc.undo_stack.push(SetDeliveryList(self.doc, row, "baselines",
                                                 trial["projects"][0]["baselines"],
                                                 f"Record {stage} baseline of {project_id}"))
        return None

    def add_return(self, project_id: str, entry: dict[str, Any]) -> str | None:
        """Add one actuals entry, checked by the core (one undo step)."""
        row = self.document_row(project_id)
        if row is None:
            return f"project {project_id} is no longer in the portfolio"
        trial = trial_document(self.doc, row)
        try:
            added = add_actual(trial, project_id, entry, self.doc.pack)
        except InputError as exc:
            return exc.summary(8)
        self.doc.undo_stack.push(SetDeliveryList(self.doc, row, "actuals",
                                                 trial["projects"][0]["actuals"],
                                                 f"Add {added.period_label} return of {project_id}"))
        return None


def project_fuels(project: dict, pack) -> list[str]:
    """The fuels a return asks about: the project's appraised ones, then any reported before."""
    fuels: list[str] = []
    for change in project.get("energy_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("fuel"), str):
            fuels.append(change["fuel"])
    try:
        delivery = parse_delivery(project, pack)
        for e in delivery.actuals:
            fuels += [f for f, _ in (*e.energy_change, *e.energy_use)]
    except InputError:
        pass
    known = set(pack.fuels())
    return [f for f in dict.fromkeys(fuels) if f in known]


def _values(years: tuple[YearDelivery, ...], name: str) -> np.ndarray:
    return np.array([getattr(y, name) or 0.0 for y in years], dtype=float)


def spend_chart(years: tuple[YearDelivery, ...], whose: str):
    ys = np.array([y.year for y in years], dtype=int)
    return bars_by_year(f"Capital spend against profile, {whose} ({{unit}})", ys,
                        [("Profile", _values(years, "capex_profile_gbp"), PROFILE_COLOUR),
                         ("Actual", _values(years, "capex_actual_gbp"), COST_COLOUR),
                         ("Forecast outturn", _values(years, "capex_forecast_gbp"),
                          FORECAST_COLOUR)])


def carbon_chart(years: tuple[YearDelivery, ...], whose: str):
    ys = np.array([y.year for y in years], dtype=int)
    appraised = _values(years, "carbon_appraised_to_date_tco2e")
    delivered = _values(years, "carbon_delivered_tco2e")
    empty = "" if appraised.any() or delivered.any() else ": none due or measured yet"
    return bars_by_year(f"Carbon saved, {whose} (tCO2e){empty}", ys,
                        [("Appraised to date", appraised, PROFILE_COLOUR),
                         ("Delivered (measured)", delivered, CARBON_COLOUR)], money=False)
