"""The "Review changes" dialog: what a returned appraisal workbook or a resubmitted
promoter workbook would change, before anything is applied (issue 10).

It lists the changes project by project and field by field (before -> after, and the
cell of the workbook), the change in NPSV, BCR, carbon, net jobs, public cost and
gap contribution, and the NPSV change attributed to each changed input in the order
:data:`appraisal.core.diff.ATTRIBUTION_ORDER` states (said in the dialog), with the
formula problems and notes the reader found. Three modes:

- ``review``: each change has a checkbox; Accept all / Accept selected / Reject all;
- ``replace``: a resubmission replaces a project whole; Replace / Skip;
- ``open``: the workbook is another portfolio; Open as a new portfolio / Cancel.

Every text comes from other people's files: labels are plain text, item texts are
never read as HTML.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout,
                               QHeaderView, QLabel, QPlainTextEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ..core.diff import DIFF_METRICS, PortfolioDiff
from . import formatting as fmt
from .plain import plain_labels

__all__ = ["ChangeRow", "ChangesDialog", "shown"]

BUTTONS = {"review": (("Accept all", "all"), ("Accept selected", "selected"), ("Reject all", "none")),
           "replace": (("Replace", "all"), ("Skip", "none")),
           "open": (("Open as a new portfolio", "all"), ("Cancel", "none"))}
CHECKED = Qt.CheckState.Checked


@dataclass(frozen=True)
class ChangeRow:
    """One change as listed: ``project`` None for a portfolio setting; ``where`` the
    workbook's cell ("" when there is none); ``usable`` False when it cannot be applied
    (``why`` says why)."""

    project: str | None
    field: str
    before: Any
    after: Any
    where: str = ""
    usable: bool = True
    why: str = ""


def shown(v: Any) -> str:
    """A value as the user typed it: numbers with thousands separators, empty as such."""
    if v is None or v == "":
        return "(empty)"
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, (int, float)):
        if abs(v) < 10_000:
            return f"{v:g}"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if isinstance(v, (dict, list)):
        text = json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
        return text if len(text) <= 90 else text[:89] + "…"
    return str(v)


def _measure(key: str, v: float | None, change: bool = False) -> str:
    if v is None:
        return fmt.DASH
    if key == "bcr":
        text = fmt.bcr(v)
    elif key.endswith("_gbp"):
        text = fmt.money(v)
    else:
        text = fmt.number(v, 1 if key.startswith("net_") else 0)
    return ("+" + text) if change and v > 0 and text != fmt.DASH else text


class ChangesDialog(QDialog):
    """The review of a set of changes; ``decision`` is "all", "selected" or "none" once
    closed, and :meth:`chosen` the rows to apply."""

    def __init__(self, parent: QWidget | None, *, title: str, heading: str, rows: list[ChangeRow],
                 diff: PortfolioDiff | None, diff_error: str = "", problems: tuple[str, ...] = (),
                 mode: str = "review") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("reviewChanges")
        self.rows, self.mode, self.decision = rows, mode, "none"
        layout = QVBoxLayout(self)
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.heading)
        self.tree = self._changes_tree()
        self.tree.setMinimumHeight(150)
        layout.addWidget(self.tree, 1)
        layout.addLayout(self._measures(diff, diff_error))
        if problems:
            self.problems = QPlainTextEdit("\n".join(problems))
            self.problems.setReadOnly(True)
            self.problems.setAccessibleName("Problems and notes of the workbook")
            self.problems.setMaximumHeight(64)
            layout.addWidget(QLabel("Found in the workbook (its figures are recomputed):"))
            layout.addWidget(self.problems)
        layout.addWidget(self._buttons())
        plain_labels(self)
        self.resize(980, 700)

    # -- the changes ----------------------------------------------------------------------------
    def _changes_tree(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setAccessibleName("Changes")
        tree.setHeaderLabels(["Change", "Before", "After", "Cell"])
        tree.setRootIsDecorated(True)
        tree.setUniformRowHeights(True)
        checkable = self.mode == "review"
        self.items: list[QTreeWidgetItem] = []
        groups: dict[str | None, QTreeWidgetItem] = {}
        for row in self.rows:
            group = groups.get(row.project)
            if group is None:
                group = QTreeWidgetItem([f"Project {row.project}" if row.project is not None
                                         else "Portfolio settings"])
                if checkable:
                    group.setFlags(group.flags() | Qt.ItemFlag.ItemIsAutoTristate
                                   | Qt.ItemFlag.ItemIsUserCheckable)
                tree.addTopLevelItem(group)
                groups[row.project] = group
            label = fmt.field_words(row.field) + (f" ({row.why})" if row.why else "")
            item = QTreeWidgetItem([label, shown(row.before), shown(row.after), row.where])
            item.setToolTip(0, row.field)
            group.addChild(item)
            if checkable and row.usable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, CHECKED)
            elif not row.usable:
                item.setDisabled(True)
            self.items.append(item)
        if not self.rows:
            tree.addTopLevelItem(QTreeWidgetItem(["No input was changed since the export"]))
        tree.expandAll()
        tree.setColumnHidden(3, not any(r.where for r in self.rows))   # a resubmission: no cells
        header = tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        return tree

    def chosen(self) -> list[int]:
        """The rows to apply: every usable one, or the ticked ones ("selected")."""
        if self.decision == "none":
            return []
        return [n for n, (row, item) in enumerate(zip(self.rows, self.items)) if row.usable
                and (self.decision == "all" or item.checkState(0) == CHECKED)]

    def set_checked(self, n: int, checked: bool) -> None:
        self.items[n].setCheckState(0, CHECKED if checked else Qt.CheckState.Unchecked)

    # -- what the numbers do --------------------------------------------------------------------
    def _measures(self, diff: PortfolioDiff | None, error: str) -> QHBoxLayout:
        row = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        self.measures = _table(["Measure", "Before", "After", "Change"], "Change in the measures")
        self.attribution = _table(["Input changed (in order)", "NPSV change"],
                                  "NPSV change attributed to each input")
        what = "accepting every change" if self.mode == "review" else "the change"
        if diff is None:
            left.addWidget(QLabel(f"The measures cannot be compared: {error or 'nothing to appraise'}"))
            self.order = QLabel("")
        else:
            left.addWidget(QLabel(f"The portfolio's measures, before and after {what}"))
            for key, label, unit in DIFF_METRICS:
                m = diff.totals[key]
                _append(self.measures, [label + (f" ({unit})" if unit not in ("", "GBP") else ""),
                                        _measure(key, m.before), _measure(key, m.after),
                                        _measure(key, m.change, True)])
            for step in diff.attribution:
                _append(self.attribution, [fmt.plain(step.label),
                                           _measure("npsv_gbp", step.npsv_change_gbp, True)])
            _append(self.attribution, ["Total", _measure("npsv_gbp",
                                                         diff.totals["npsv_gbp"].change, True)])
            _bold_last_row(self.attribution)
            self.order = QLabel("Each input is changed one at a time, in this order, and the "
                                f"portfolio appraised after each: {diff.order}. The parts add "
                                "up to the total.")
        left.addWidget(self.measures)
        left.addStretch(1)
        right.addWidget(QLabel("Why NPSV moves: the change each input brings"))
        right.addWidget(self.attribution)
        _fit(self.measures)
        _fit(self.attribution, 8)
        self.order.setWordWrap(True)
        self.order.setStyleSheet("color: #444; font-size: 8pt;")
        self.order.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.order.setAccessibleName("Order in which the inputs are changed")
        right.addWidget(self.order)
        right.addStretch(1)
        return row

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        self.buttons: dict[str, QPushButton] = {}
        for text, decision in BUTTONS[self.mode]:
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, d=decision: self._decide(d))
            role = (QDialogButtonBox.ButtonRole.RejectRole if decision == "none"
                    else QDialogButtonBox.ButtonRole.AcceptRole)
            box.addButton(b, role)
            self.buttons[decision] = b
        nothing = not any(r.usable for r in self.rows)
        for d in ("all", "selected"):
            if d in self.buttons and self.mode != "open":
                self.buttons[d].setEnabled(not nothing)
        return box

    def _decide(self, decision: str) -> None:
        self.decision = decision
        (self.reject if decision == "none" else self.accept)()


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setAccessibleName(name)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for c in range(1, len(headers)):
        t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
    return t


def _bold_last_row(table: QTableWidget) -> None:
    for c in range(table.columnCount()):
        item = table.item(table.rowCount() - 1, c)
        if item is not None:
            font = item.font()
            font.setBold(True)
            item.setFont(font)


def _fit(table: QTableWidget, most: int = 12) -> None:
    """A table as tall as its rows (up to ``most`` of them; then it scrolls)."""
    table.resizeRowsToContents()
    rows = min(table.rowCount(), most)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + sum(
        table.rowHeight(r) for r in range(rows))
    table.setFixedHeight(height)


def _append(table: QTableWidget, cells: list[str]) -> None:
    r = table.rowCount()
    table.insertRow(r)
    for c, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if c:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(r, c, item)


def review_dialog(parent: QWidget, returned, file: str) -> ChangesDialog:
    """The dialog for a returned appraisal workbook (returned.Returned): checkboxes when
    it is a copy of the open portfolio, else the report before opening it anew."""
    report = returned.report
    rows = [ChangeRow(i.project, i.field, i.before, i.after, i.where,
                      usable=n not in returned.missing,
                      why="the open portfolio has no such project" if n in returned.missing else "")
            for n, i in enumerate(returned.items)]
    if returned.same_portfolio:
        heading = (f"{file} is a returned copy of the open portfolio. {len(rows)} input"
                   f"{'s' * (len(rows) != 1)} changed since it was exported; nothing is applied "
                   "until you accept. Each accepted change is one step of Edit > Undo.")
        mode = "review"
    else:
        which = "" if returned.none_open else "another portfolio than the open one, "
        heading = (f"{file} is an appraisal workbook of {which}portfolio {report.portfolio_id}. "
                   f"{len(rows)} input{'s' * (len(rows) != 1)} changed since it was exported. "
                   "Open it as a new portfolio?")
        mode = "open"
    problems = tuple(f"Warning: {p.message}" for p in report.formula_problems) + tuple(
        f"Note: {n}" for n in report.notes)
    dialog = ChangesDialog(parent, title="Review changes", heading=heading, rows=rows,
                           diff=returned.diff, diff_error=returned.diff_error, problems=problems,
                           mode=mode)
    return dialog


def replace_dialog(parent: QWidget, resubmission) -> ChangesDialog:
    """The dialog for a resubmitted promoter workbook (returned.Resubmission): the
    project's fields, old -> new, and what replacing it does to the measures."""
    pid = resubmission.old.get("id")
    rows = []
    if resubmission.diff is not None:
        rows = [ChangeRow(c.project, c.field, c.before, c.after)
                for p in resubmission.diff.projects for c in p.fields]
    differ = "1 field differs" if len(rows) == 1 else f"{len(rows)} fields differ"
    heading = (f"{Path(resubmission.file).name} resubmits project {pid}, which the portfolio "
               f"has. Replace the project with it ({differ}), or skip it? Replacing is one step "
               "of Edit > Undo.")
    return ChangesDialog(parent, title="Review changes", heading=heading, rows=rows,
                         diff=resubmission.diff, diff_error=resubmission.error, mode="replace")
