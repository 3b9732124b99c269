"""Qt item models: thin adapters over the document and the pack.

The document (and its results) is the truth; these models only read it and
tell their views when it changed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import (QAbstractProxyModel, QAbstractTableModel, QModelIndex,
                            QPersistentModelIndex, QSortFilterProxyModel, Qt)
from PySide6.QtGui import QBrush, QColor

from ..core.pack import Table
from . import formatting as fmt
from ..core.results import VFM_ORDER
from .breakdown import TIPS, project_vfm
from .document import PortfolioDocument
from .plain import plain_tip

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
    Column("bcr", "Social BCR", fmt.ratio, tip=TIPS["bcr"]),
    Column("bcr_public", "Funder BCR", fmt.ratio, tip=TIPS["bcr_public"]),
    Column("vfm", "VfM", fmt.vfm_badge, False, TIPS["vfm"]),
    Column("pv_costs_gbp", "PV costs", fmt.money),
    Column("pv_benefits_gbp", "PV benefits", fmt.money),
    Column("pv_indirect_tax_change_gbp", "Exchequer", fmt.money,
           tip="PV of the change in VAT and duty receipts: a transfer, shown beside the NPSV and "
               "not in it"),
    Column("carbon_saved_tco2e", "tCO2e saved", lambda v: fmt.number(v)),
    Column("carbon_saved_direct_tco2e", "Direct tCO2e", lambda v: fmt.number(v),
           tip="Tonnes saved outside the emissions trading scheme (fuels burnt on site or in "
               "vehicles)"),
    Column("carbon_saved_traded_tco2e", "Traded tCO2e", lambda v: fmt.number(v),
           tip="Tonnes saved in the UK ETS (grid electricity)"),
    Column("cost_per_tco2e_gbp", "£/tCO2e", lambda v: fmt.number(v),
           tip="Cost-effectiveness: (PVC - PV of non-carbon benefits) / tonnes saved"),
    Column("psds", "Carbon cost test", lambda v: {True: "PASS", False: "FAIL"}.get(v, "n/a"), False,
           TIPS["psds"]),
    Column("net_additional_jobs_fte", "Net jobs", lambda v: fmt.number(v, 1)),
    Column("net_construction_jobs_fte", "Net construction jobs", lambda v: fmt.number(v, 1),
           tip="Permanent-equivalent construction jobs, net of additionality"),
    Column("net_operational_jobs_fte", "Net operational jobs", lambda v: fmt.number(v, 1),
           tip="Operational jobs, net of additionality"),
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
        doc.resultsChanged.connect(self._results_changed)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _row_changed(self, row: int) -> None:
        if 0 <= row < self.rowCount():
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _results_changed(self) -> None:
        rows = self.doc.snapshot.changed_rows
        if rows is None or len(rows) > 64:
            self._all_changed()
            return
        for row in sorted(rows):     # an edit: its own row alone (10,000 rows stay quick)
            self._row_changed(row)

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

    def category_label(self, code: str) -> str:
        """The pack's label of a category code (the code itself if the pack lacks it)."""
        category = self.doc.pack.categories.get(code)
        return category.label if category is not None else code

    def sorted_rows(self, column: int, descending: bool) -> list[int]:
        """Every row in the order of ``column``'s sort keys (SORT_ROLE), stable: figures by
        numpy at once, words by Python's sort; an undefined figure last when descending."""
        col = self.columns[column]
        n = self.rowCount()
        results = self.doc.results
        if col.numeric and results is None:
            return list(range(n))         # no figures yet: every key is "undefined"
        if col.numeric and col.key in results.metrics:
            keys = np.full(n, -np.inf)
            index = {r: i for r, i in self.doc.snapshot.result_index.items() if r < n}
            if index:
                rows = np.fromiter(index.keys(), dtype=int, count=len(index))
                at = np.fromiter(index.values(), dtype=int, count=len(index))
                values = np.asarray(results.metrics[col.key], dtype=float)[at]
                keys[rows] = np.where(np.isnan(values), -np.inf, values)
            order = np.argsort(-keys if descending else keys, kind="stable")
            return order.tolist()
        words = [self.data(self.index(r, column), SORT_ROLE) for r in range(n)]
        return sorted(range(n), key=words.__getitem__, reverse=descending)

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
        if key == "vfm":   # the band on the portfolio's basis, after any adjustment
            return project_vfm(results, i).band
        if key == "psds":
            passed = _metric(results, i, "psds_test_passed")
            return None if passed is None else bool(passed)
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
                return fmt.DASH if col.numeric or col.key == "vfm" else \
                    ("n/a" if col.key == "psds" and self.doc.result_index(index.row()) is not None
                     else "")
            if col.key == "category":   # the pack's label, not its code
                return self.category_label(v)
            return col.text(v)
        if role == SORT_ROLE:
            if v is None:
                return -math.inf if col.numeric else ""
            if col.key == "category":
                return self.category_label(v).lower()
            if col.key == "vfm":   # best band first when sorted descending
                return f"{VFM_ORDER.index(v) if v in VFM_ORDER else -1:02d}"
            return v if col.numeric else str(v).lower()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if col.numeric \
                else int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.key == "vfm" and v:
                return QBrush(QColor(fmt.VFM_COLOURS.get(v, "#000000")))
            if col.key == "psds" and v is False:
                return QBrush(QColor("#9A6700"))
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
                    return plain_tip("\n".join(f"{p.field}: {p.message}" for p in problems))
                i, results = self.doc.result_index(index.row()), self.doc.results
                if results is not None and i is not None and results.warnings[i]:
                    return plain_tip("\n".join(results.warnings[i]))
            if col.key == "vfm":
                i, results = self.doc.result_index(index.row()), self.doc.results
                if results is not None and i is not None:
                    project = self.doc.project(index.row())
                    reason = project.get("vfm_adjustment_reason", "") if isinstance(project, dict) \
                        else ""
                    vfm = project_vfm(results, i, str(reason or ""))
                    extra = vfm.adjustment_text()
                    return plain_tip(vfm.short() + (f"; {extra}" if extra else ""))
            if v is None and col.numeric:
                return "Not defined for this project (see its checks)"
            return col.tip or None
        return None


class RankingModel(QAbstractProxyModel):
    """Every project of a :class:`ProjectsModel`, sorted by any column with numpy.

    A QSortFilterProxyModel compares rows through Python calls of ``data()``, some
    300,000 of them to sort 10,000 projects (seconds); this sorts the column's keys at
    once, and after an edit sorts again only if the edited rows moved in the order.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._order: list[int] = []        # view row -> source row
        self._position: list[int] = []     # source row -> view row
        self._column, self._descending = -1, False

    # -- the source ------------------------------------------------------------------
    def setSourceModel(self, model: "ProjectsModel") -> None:  # type: ignore[override]
        self.beginResetModel()
        old = self.sourceModel()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self.beginResetModel)
            old.modelReset.disconnect(self._source_reset)
            old.dataChanged.disconnect(self._source_data_changed)
        super().setSourceModel(model)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.dataChanged.connect(self._source_data_changed)
        self._order = self._sorted()
        self._position = _inverse(self._order)
        self.endResetModel()

    def _source_reset(self) -> None:
        self._order = self._sorted()
        self._position = _inverse(self._order)
        self.endResetModel()

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex,
                             roles=()) -> None:
        changed = range(top_left.row(), bottom_right.row() + 1)
        if len(changed) > 8 or not all(self._in_place(r) for r in changed):
            self._resort()
        rows = sorted(self._position[r] for r in changed)
        if rows:
            self.dataChanged.emit(self.index(rows[0], top_left.column()),
                                  self.index(rows[-1], bottom_right.column()))

    def _key(self, source_row: int) -> tuple:
        """Where a row belongs: its sort key, then its row (the sort is stable)."""
        v = self.sourceModel().data(self.sourceModel().index(source_row, self._column), SORT_ROLE)
        if isinstance(v, float) and math.isnan(v):
            v = -math.inf
        if self._descending:
            return (_Reversed(v), source_row)
        return (v, source_row)

    def _in_place(self, source_row: int) -> bool:
        """The row still sits between its neighbours (an edit seldom moves a project)."""
        if self._column < 0:
            return True
        p = self._position[source_row]
        key = self._key(source_row)
        before = p == 0 or self._key(self._order[p - 1]) <= key
        after = p == len(self._order) - 1 or key <= self._key(self._order[p + 1])
        return before and after

    def _resort(self) -> None:
        order = self._sorted()
        if order != self._order:
            self.layoutAboutToBeChanged.emit()
            old = self.persistentIndexList()
            sources = [self.mapToSource(ix) for ix in old]
            self._order, self._position = order, _inverse(order)
            self.changePersistentIndexList(old, [self.mapFromSource(ix) for ix in sources])
            self.layoutChanged.emit()

    def _sorted(self) -> list[int]:
        model = self.sourceModel()
        n = model.rowCount() if model is not None else 0
        if self._column < 0 or n == 0:
            return list(range(n))
        return model.sorted_rows(self._column, self._descending)

    # -- QAbstractProxyModel -----------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._column, self._descending = column, order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [self.mapToSource(ix) for ix in old]
        self._order = self._sorted()
        self._position = _inverse(self._order)
        self.changePersistentIndexList(old, [self.mapFromSource(ix) for ix in sources])
        self.layoutChanged.emit()

    def mapToSource(self, proxy: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        model = self.sourceModel()
        if model is None or not proxy.isValid() or not 0 <= proxy.row() < len(self._order):
            return QModelIndex()
        return model.index(self._order[proxy.row()], proxy.column())

    def mapFromSource(self, source: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        if not source.isValid() or not 0 <= source.row() < len(self._position):
            return QModelIndex()
        return self.index(self._position[source.row()], source.column())

    def index(self, row: int, column: int,
              parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:
        if parent.isValid() or not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child=None) -> QModelIndex:  # type: ignore[override]
        return QModelIndex()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        model = self.sourceModel()
        return 0 if parent.isValid() or model is None else model.columnCount()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        model = self.sourceModel()
        if model is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return model.headerData(section, orientation, role)
        return None

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self.rowCount() > 0


class _Reversed:
    """A sort key compared the other way round (a descending column in a tuple key)."""

    __slots__ = ("v",)

    def __init__(self, v) -> None:
        self.v = v

    def __lt__(self, other: "_Reversed") -> bool:
        return other.v < self.v

    def __le__(self, other: "_Reversed") -> bool:
        return other.v <= self.v

    def __eq__(self, other) -> bool:
        return isinstance(other, _Reversed) and self.v == other.v


def _inverse(order: list[int]) -> list[int]:
    position = [0] * len(order)
    for k, row in enumerate(order):
        position[row] = k
    return position


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
            hay += " " + m.category_label(m.raw(source_row, "category"))
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


# -- the assumption pack's tables, for reading -------------------------------------------------
# what each quality label means (the pack's README), in the words a reader needs
QUALITY_WORDS = {
    "official": "official: seen in the publisher's own text",
    "secondary copy": "secondary copy: seen only in someone else's transcription of the source",
    "derived": "derived: computed from other figures (the source gives the arithmetic)",
    "recalled": "recalled: from memory of the guidance, not checked against it",
    "illustrative": "illustrative: a reasoned placeholder, not a published figure",
}
# the label in the Quality column: the pack's own word, and a few more where it needs them
QUALITY_SHORT = {"secondary copy": "secondary copy (not the publisher's text)",
                 "derived": "derived (computed from other figures)",
                 "recalled": "recalled (not checked)",
                 "illustrative": "illustrative (a placeholder)"}
# column headers in words; (table, column) first, then the column alone
COLUMN_WORDS = {
    "schedule": "Schedule", "from_year": "From year", "to_year": "To year", "rate": "Rate",
    "year": "Year", "index": "Index", "price_year": "Price year", "fuel": "Fuel", "unit": "Unit",
    "kgco2e_per_unit": "kg CO2e per unit", "sector": "Sector", "basis": "Basis",
    "traded": "Traded (UK ETS)", "gbp_per_unit": "£ per unit", "series": "Series",
    "vat_rate": "VAT rate", "duty_gbp_per_unit": "Duty, £ per unit", "category": "Category code",
    "label": "Label", "gap_sector": "Investment-gap sector", "ob_project_type": "Optimism-bias type",
    "job_years_per_million": "Job-years per £m", "energy_sector": "Energy sector",
    "benefit_deadweight": "Benefit deadweight", "comfort_taking": "Comfort taking",
    "embodied_tco2e_per_million": "Embodied tCO2e per £m", "psds_test": "Carbon cost test applies",
    "project_type": "Project type", "capex_upper": "Capex upper bound",
    "capex_lower": "Capex lower bound", "duration_upper": "Duration upper bound",
    "duration_lower": "Duration lower bound", "spatial_level": "Spatial level",
    "deadweight": "Deadweight", "leakage": "Leakage", "displacement": "Displacement",
    "substitution": "Substitution", "multiplier": "Multiplier", "annual_gap_gbp": "Annual gap, £",
    "first_year": "First year", "last_year": "Last year", "name": "Name", "value": "Value",
    "calculator": "Calculator", "component": "Component", "gbp_per_car_km": "£ per car-km",
    "stage": "Business-case stage", "mitigation": "Mitigation", "criterion": "Criterion",
    "points": "Points", "gbp_per_tco2e": "£ per tCO2e", "source": "Source", "quality": "Quality",
    ("carbon_values.csv", "low"): "Low, £ per tCO2e",
    ("carbon_values.csv", "central"): "Central, £ per tCO2e",
    ("carbon_values.csv", "high"): "High, £ per tCO2e",
    ("gdp_deflator.csv", "index"): "Deflator index",
}
# columns holding shares or rates, shown as percentages (0.035 -> 3.5%)
PERCENT_COLUMNS = {
    "discount_schedules.csv": {"rate"},
    "optimism_bias.csv": {"capex_upper", "capex_lower", "duration_upper", "duration_lower"},
    "additionality.csv": {"deadweight", "leakage", "displacement", "substitution"},
    "categories.csv": {"benefit_deadweight", "comfort_taking"},
    "ob_stage_mitigation.csv": {"mitigation"},
    "energy_prices.csv": {"vat_rate"},
}
PERCENT_PARAMETERS = {"deflator_forecast_growth"}      # parameters.csv rows that are rates
_WORD_SWAPS = (("kgco2e", "kg CO2e"), ("tco2e", "tCO2e"), ("gbp", "£"), ("kwh", "kWh"),
               ("vat", "VAT"), ("ob", "optimism bias"), ("psds", "PSDS"))


def column_words(table: str, column: str) -> str:
    """A CSV header in words: 'kgco2e_per_unit' -> 'kg CO2e per unit'."""
    words = COLUMN_WORDS.get((table, column)) or COLUMN_WORDS.get(column)
    if words:
        return words
    parts = [dict(_WORD_SWAPS).get(w, w) for w in column.split("_")]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def _percent_text(text: str) -> str:
    try:
        v = float(text)
    except ValueError:
        return text
    return f"{v * 100:.4g}%"


def _number_text(text: str) -> str:
    """Thousands separators for big whole numbers (8700000000 -> 8,700,000,000)."""
    t = text.strip()
    if t.isdigit() and len(t) > 4 and not t.startswith("0"):
        return f"{int(t):,}"
    return text


def quality_words(label: str) -> str:
    """The meaning of a row's quality label in plain words."""
    key = label.strip().lower()
    return QUALITY_WORDS.get(key, f"{key}: check the source" if key else "check the source")


class PackTableModel(QAbstractTableModel):
    """A table of the assumption pack, read only, with every row that is not official marked.

    Column 0 is the row's quality in words, with a warning sign and shading where it
    is not ``official``; then the table's columns with their headers in words and
    shares as percentages; the source last (its full text in the tooltip).
    """

    def __init__(self, table: Table | None = None, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self.flagged: set[int] = set()
        self.shown: list[int] = []     # the table's columns shown, in order (quality apart)
        self.set_table(table)

    def set_table(self, table: Table | None) -> None:
        self.beginResetModel()
        self.table = table
        self.flagged = set(table.flagged_rows()) if table is not None else set()
        if table is None:
            self.shown = []
        else:
            cols = list(table.columns)
            keep = [k for k, c in enumerate(cols) if c not in ("source", "quality")]
            self.shown = keep + [cols.index("source")] if "source" in cols else keep
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.table.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.shown) + 1

    def column_name(self, section: int) -> str | None:
        """The CSV header behind a view column (None for the quality column)."""
        if self.table is None or not (1 <= section <= len(self.shown)):
            return None
        return self.table.columns[self.shown[section - 1]]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if self.table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not (0 <= section <= len(self.shown)):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return "Quality" if section == 0 else column_words(self.table.name,
                                                                   self.column_name(section))
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("How far the figure was checked (the pack's quality label)" if section == 0
                        else f"{self.column_name(section)} in {self.table.name}")
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 2)   # the spreadsheet row of the CSV file (header is row 1)
        return None

    def cell_text(self, r: int, c: int) -> str:
        """What the view shows in cell (r, c)."""
        row = self.table.rows[r]
        if c == 0:
            label = self.table.quality_of(r)
            words = QUALITY_SHORT.get(label.strip().lower(), label)
            return f"⚠ {words or 'check the source'}" if r in self.flagged else words
        name = self.column_name(c)
        text = row[self.shown[c - 1]]
        if not text.strip():
            return text
        table = self.table.name
        cols = self.table.columns
        if name in PERCENT_COLUMNS.get(table, ()):
            return _percent_text(text)
        if name == "value" and table == "parameters.csv" and row[cols.index("name")] in PERCENT_PARAMETERS:
            return _percent_text(text)
        if (name == "value" and table == "calculator_defaults.csv" and "unit" in cols
                and row[cols.index("unit")].strip() == "fraction"):
            return _percent_text(text)
        if name in ("source", "label"):
            return text
        return _number_text(text)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self.table is None or not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.table.rows)) or not (0 <= c <= len(self.shown)):
            return None
        flagged = r in self.flagged
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(r, c)
        if role == Qt.ItemDataRole.ToolTipRole:
            source = (self.table.rows[r][self.table.columns.index("source")]
                      if "source" in self.table.columns else "")
            if c == 0:
                words = quality_words(self.table.quality_of(r) or ("" if not flagged else "check"))
                return plain_tip(f"{words[:1].upper()}{words[1:]}."
                                 + (f"\nSource: {source}" if source else ""))
            if self.column_name(c) == "source":
                return plain_tip(source) or None
            return None
        if role == Qt.ItemDataRole.BackgroundRole and flagged:
            return QBrush(QColor("#FCE4D6"))
        if role == Qt.ItemDataRole.ForegroundRole and flagged and c == 0:
            return QBrush(QColor("#7F3F00"))
        if role == FLAG_ROLE:
            return flagged
        return None
