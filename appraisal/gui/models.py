"""Qt item models: thin adapters over the document and the pack.

The document (and its results) is the truth; these models only read it and
tell their views when it changed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from ..core.pack import Table
from ..core.results import vfm_category
from . import formatting as fmt
from .document import PortfolioDocument

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FLAG_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    text: Callable[[Any], str]
    numeric: bool = True
    tip: str = ""


def _metric(results, i, key):
    v = results.metrics[key][i]
    return None if isinstance(v, float) and math.isnan(v) else float(v)


COLUMNS = [
    Column("id", "ID", str, False),
    Column("name", "Project", str, False),
    Column("category", "Category", str, False),
    Column("area", "Area", str, False),
    Column("npsv_gbp", "NPSV", fmt.money, tip="Net present social value: PV of benefits less PV of costs"),
    Column("bcr", "BCR", fmt.ratio, tip="Benefit-cost ratio: PV of benefits over PV of costs"),
    Column("vfm", "VfM", fmt.vfm_badge, False,
           "Value for money: the Green Book / DfT category of the BCR"),
    Column("pv_costs_gbp", "PV costs", fmt.money),
    Column("pv_benefits_gbp", "PV benefits", fmt.money),
    Column("carbon_saved_tco2e", "tCO2e saved", lambda v: fmt.number(v)),
    Column("cost_per_tco2e_gbp", "£/tCO2e", lambda v: fmt.number(v),
           tip="Cost-effectiveness: (PVC - PV of non-carbon benefits) / tonnes saved"),
    Column("net_additional_jobs_fte", "Net jobs", lambda v: fmt.number(v, 1)),
    Column("cost_per_net_job_gbp", "£/net job", fmt.money),
    Column("public_cost_gbp", "Public cost", fmt.money),
    Column("gap_contribution_gbp", "Gap contribution", fmt.money),
    Column("financial_npv_gbp", "Financial NPV", fmt.money),
    Column("financial_irr", "IRR", fmt.percent),
    Column("readiness_score", "Readiness", lambda v: fmt.number(v)),
    Column("shovel_ready", "Shovel-ready", lambda v: "Yes" if v else "No", False),
    Column("status", "Checks", str, False, "Errors (the project is not appraised) or warnings"),
]
LIST_COLUMNS = ("id", "name", "npsv_gbp", "vfm")


class ProjectsModel(QAbstractTableModel):
    """One row per project of the document, with its key results beside it."""

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.columns = COLUMNS
        doc.structureChanged.connect(self._reset)
        doc.packChanged.connect(self._reset)
        doc.projectChanged.connect(self._row_changed)
        doc.resultsChanged.connect(self._all_changed)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _row_changed(self, row: int) -> None:
        if 0 <= row < self.rowCount():
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _all_changed(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.doc.projects)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            col = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return col.tip or None
        return None

    def raw(self, row: int, key: str) -> Any:
        """The value behind a cell: the project's field or its result (None if undefined)."""
        project = self.doc.project(row)
        if key in ("id", "name", "category", "area"):
            v = project.get(key) if isinstance(project, dict) else None
            return "" if v is None else str(v)
        if key == "status":
            problems = self.doc.problems(row)
            if problems:
                return f"{len(problems)} error{'s' * (len(problems) > 1)}"
            i = self.doc.result_index(row)
            results = self.doc.results
            if results is None or i is None:
                return ""
            n = len(results.warnings[i])
            return f"{n} warning{'s' * (n > 1)}" if n else "OK"
        results, i = self.doc.results, self.doc.result_index(row)
        if results is None or i is None:
            return None
        if key == "vfm":
            return vfm_category(_metric(results, i, "bcr"))
        if key == "shovel_ready":
            return bool(results.metrics["shovel_ready"][i])
        return _metric(results, i, key)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < self.rowCount()):
            return None
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.TextAlignmentRole):
            v = self.raw(index.row(), col.key)
        else:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if v is None:
                return fmt.DASH if col.numeric or col.key == "vfm" else ""
            if col.key == "category":   # the pack's label, not its code
                category = self.doc.pack.categories.get(v)
                return category.label if category is not None else v
            return col.text(v)
        if role == SORT_ROLE:
            if v is None:
                return -math.inf if col.numeric else ""
            return v if col.numeric else str(v).lower()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if col.numeric \
                else int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.key == "vfm" and v:
                return QBrush(QColor(fmt.VFM_COLOURS.get(v, "#000000")))
            if col.key == "npsv_gbp" and v is not None and v < 0:
                return QBrush(QColor("#B00020"))
            if col.key == "status" and isinstance(v, str) and "error" in v:
                return QBrush(QColor("#B00020"))
            if col.key == "status" and isinstance(v, str) and "warning" in v:
                return QBrush(QColor("#9A6700"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.key == "status":
                problems = self.doc.problems(index.row())
                if problems:
                    return "\n".join(f"{p.field}: {p.message}" for p in problems)
                i, results = self.doc.result_index(index.row()), self.doc.results
                if results is not None and i is not None and results.warnings[i]:
                    return "\n".join(results.warnings[i])
            if v is None and col.numeric:
                return "Not defined for this project (see its checks)"
            return col.tip or None
        return None


class ProjectFilter(QSortFilterProxyModel):
    """Filters the projects by text, category, area, readiness and value for money."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.text = ""
        self.category = ""
        self.vfm = ""
        self.shovel_ready_only = False
        self.min_readiness = 0

    def set_filter(self, **kw) -> None:
        # Qt 6.10 deprecates invalidateFilter() (PySide6 warns on each call) for the
        # begin/endFilterChange() pair; earlier Qt has only invalidateFilter().
        if hasattr(self, "endFilterChange"):
            self.beginFilterChange()
            for k, v in kw.items():
                setattr(self, k, v)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
            return
        for k, v in kw.items():
            setattr(self, k, v)
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        m: ProjectsModel = self.sourceModel()  # type: ignore[assignment]
        if self.text:
            hay = " ".join(str(m.raw(source_row, k) or "") for k in ("id", "name", "area", "category"))
            if self.text.lower() not in hay.lower():
                return False
        if self.category and m.raw(source_row, "category") != self.category:
            return False
        if self.vfm and (m.raw(source_row, "vfm") or "") != self.vfm:
            return False
        if self.shovel_ready_only and not m.raw(source_row, "shovel_ready"):
            return False
        if self.min_readiness and (m.raw(source_row, "readiness_score") or 0) < self.min_readiness:
            return False
        return True


class PackTableModel(QAbstractTableModel):
    """A table of the assumption pack, read only, with caveated rows marked."""

    def __init__(self, table: Table | None = None, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self.flagged: set[int] = set()
        self.set_table(table)

    def set_table(self, table: Table | None) -> None:
        self.beginResetModel()
        self.table = table
        self.flagged = set(table.flagged_rows()) if table is not None else set()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.table.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.table.columns) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or self.table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section == 0:
                return "Note"
            if 1 <= section <= len(self.table.columns):
                return self.table.columns[section - 1]
            return None
        return str(section + 2)   # the spreadsheet row of the CSV file (header is row 1)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self.table is None or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.table.rows)) or not (0 <= c <= len(self.table.columns)):
            return None
        flagged = r in self.flagged
        if role == Qt.ItemDataRole.DisplayRole:
            if c == 0:
                return "⚠ check" if flagged else ""
            return self.table.rows[r][c - 1]
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == 0 and flagged or (c > 0 and self.table.columns[c - 1] == "source"):
                return self.table.rows[r][self.table.columns.index("source")] \
                    if "source" in self.table.columns else None
        if role == Qt.ItemDataRole.BackgroundRole and flagged:
            return QBrush(QColor("#FCE4D6"))
        if role == FLAG_ROLE:
            return flagged
        return None
