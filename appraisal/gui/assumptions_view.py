"""The assumptions in force: every table of the pack with its sources and caveats."""
from __future__ import annotations

import re

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from ..core.pack import CARBON_SERIES, OPTIONAL_TABLE_COLUMNS, TABLE_COLUMNS, Table
from . import formatting as fmt
from .document import PortfolioDocument
from .models import PackTableModel
from .plain import plain_tip

TABLE_TITLES = fmt.TABLE_TITLES     # each table by its title ("GDP deflator")
# what a table left out (absent, or a header without rows) means for the appraisal
ABSENT_MEANS = {
    "air_quality.csv": "air-quality benefits count as zero",
    "marginal_external_costs.csv": "fewer car-km carry no congestion, accident or noise value",
    "traded_carbon_price.csv": "traded tonnes are valued at the full carbon value",
    "ob_stage_mitigation.csv": "a business-case stage gives no optimism-bias mitigation",
    "readiness_weights.csv": "readiness uses the default points (METHOD.md 7)",
}


# -- codes in the pack's cells, in words -------------------------------------------------------
SCHEDULE_NAMES = {"standard": "Standard (STPR)", "reduced": "Reduced (lower-rate test)",
                  "health": "Health"}
YES_NO = {"true": "Yes", "false": "No", "yes": "Yes", "no": "No", "1": "Yes", "0": "No"}
UNIT_WORDS = {"fraction": "share (%)"}
# (table, column) whose codes are identifiers the portfolio's JSON uses: shown as they are,
# beside their label (the header says "code")
CODE_COLUMNS = {("categories.csv", "category"): "Category code",
                ("investment_gap.csv", "sector"): "Sector code"}
TABLE_NOTES = {
    "additionality.csv": "Spatial level: " + fmt.SPATIAL_LEVEL_NOTE[:1].lower()
                         + fmt.SPATIAL_LEVEL_NOTE[1:] + " " + "; ".join(
        fmt.spatial_level_meaning(k) for k in fmt.SPATIAL_LEVEL_MEANINGS if k != "national") + ".",
    "optimism_bias.csv": "Optimism bias: the upper bound is the uplift on capex (or on duration) "
                         "at the start of a business case, the lower bound what is left once its "
                         "risks are managed (HM Treasury supplementary Green Book guidance).",
    "ob_stage_mitigation.csv": "How much of the optimism bias a business case at each stage has "
                               "mitigated: SOC, OBC and FBC are the strategic outline, outline and "
                               "full business case.",
}
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$")


class PackWords(QIdentityProxyModel):
    """The pack's table (a :class:`PackTableModel`) with its codes in words: fuels by name
    with their unit, categories' project types and gap sectors, spatial levels with what
    they mean, stages, criteria, parameters and calculator inputs; the code is in the
    cell's tooltip. The CSV files and the JSON keep the codes."""

    def __init__(self, source: PackTableModel, pack_of, parent=None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self._pack_of = pack_of      # the pack in force now (a callable: it may change)

    # PackTableModel's own names, so that callers read either alike
    @property
    def table(self) -> Table | None:
        return self.sourceModel().table

    def column_name(self, section: int) -> str | None:
        return self.sourceModel().column_name(section)

    def set_table(self, table: Table | None) -> None:
        self.sourceModel().set_table(table)

    def raw(self, r: int, c: int) -> str:
        t = self.table
        return t.rows[r][t.columns.index(self.column_name(c))] if self.column_name(c) else ""

    def words(self, r: int, c: int) -> str | None:
        """The cell in words, or None where it is not a code."""
        t, name = self.table, self.column_name(c)
        if t is None or name is None or name in ("source", "quality"):
            return None
        text = self.raw(r, c).strip()
        if name == "gap_sector" and not text:
            return "None (counts toward no gap)"
        if not text:
            return None
        table, pack = t.name, self._pack_of()
        if (table, name) in CODE_COLUMNS:
            return None
        if name == "fuel":      # with its unit, unless the unit is the next column
            return fmt.fuel_name(text) if "unit" in t.columns else fmt.fuel_label(text)
        if name in ("sector", "energy_sector"):
            return fmt.SECTOR_NAMES.get(text) or fmt.plain(text)
        if name == "gap_sector":
            gap = getattr(pack, "investment_gap", {}).get(text)
            return gap.label if gap is not None else fmt.plain(text)
        if name in ("ob_project_type", "project_type"):
            return fmt.ob_type_name(text)
        if name == "spatial_level":
            return fmt.spatial_level_name(text)
        if name == "stage":
            return fmt.STAGE_NAMES.get(text.lower()) or text
        if name == "criterion":
            return fmt.READINESS_NAMES.get(text) or fmt._title_words(text)
        if name == "calculator":
            return fmt.CALCULATOR_NAMES.get(text) or fmt._title_words(text)
        if name == "schedule":
            return SCHEDULE_NAMES.get(text) or text.capitalize()
        if name == "basis":
            return fmt.BASIS_WORDS.get(text) or text.capitalize()
        if name in ("traded", "psds_test"):
            return YES_NO.get(text.lower()) or text
        if name == "unit":
            return UNIT_WORDS.get(text) or None
        if name == "series" or name == "component":
            return fmt._title_words(text)
        if name == "name" and table in ("parameters.csv", "calculator_defaults.csv"):
            words = fmt.FIELD_WORDS.get(text)
            return (words[:1].upper() + words[1:]) if words else fmt._title_words(text)
        if _CODE.match(text) and "_" in text:
            return fmt._title_words(text)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            words = self.words(index.row(), index.column())
            if words is not None:
                if role == Qt.ItemDataRole.DisplayRole:
                    return words
                raw = self.raw(index.row(), index.column())
                name = self.column_name(index.column())
                if not raw.strip():
                    return super().data(index, role)
                tip = f"{words}: code {raw!r} in the pack and the portfolio file"
                if name == "spatial_level":
                    tip = (f"{fmt.spatial_level_meaning(raw)}.\n{fmt.SPATIAL_LEVEL_NOTE}\n"
                           f"Code {raw!r} in the pack and the portfolio file")
                return plain_tip(tip)
        return super().data(index, role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and self.table is not None):
            header = CODE_COLUMNS.get((self.table.name, self.column_name(section)))
            if header:
                return header
        return super().headerData(section, orientation, role)


class AssumptionsView(QWidget):
    openPackRequested = Signal()

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.quality.setStyleSheet("color: #7F3F00; background: #FCE4D6; padding: 3px;")
        self.quality.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.quality)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        layout.addLayout(self._build_choices(doc))
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_table)
        self.source_model = PackTableModel()
        self.model = PackWords(self.source_model, lambda: self.doc.pack, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.list.setMaximumWidth(300)
        split.addWidget(self.list)
        split.addWidget(self.table)
        split.setStretchFactor(1, 4)
        self.splitter = split
        layout.addWidget(split, 1)
        self.note = QLabel()        # what the table's codes and columns mean, where it helps
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #333;")
        self.note.setVisible(False)
        layout.addWidget(self.note)
        self.absent = QLabel()
        self.absent.setWordWrap(True)
        self.absent.setStyleSheet("color: #555;")
        self.absent.setVisible(False)
        layout.addWidget(self.absent)
        self.legend = QLabel("Shaded rows marked ⚠ are not official: a secondary copy, derived, "
                             "recalled or illustrative figure (the Quality column says which). "
                             "Check them against the published source before a formal business "
                             "case. Hover over a row's quality or source to read the source in "
                             "full.")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #7F6000;")
        layout.addWidget(self.legend)
        doc.packChanged.connect(self.refresh)
        doc.settingsChanged.connect(self._show_choices)
        self.refresh()

    def _build_choices(self, doc: PortfolioDocument) -> QHBoxLayout:
        """The portfolio's carbon series and discount schedule, and another pack's folder."""
        choices = QHBoxLayout()
        form = QFormLayout()
        self.series = QComboBox()
        for s in CARBON_SERIES:
            self.series.addItem(s.capitalize(), s)
        self.series.setToolTip("The carbon values used for the portfolio: central, or the low and "
                               "high scenarios (DESNZ)")
        self.series.activated.connect(
            lambda _i: doc.set_setting("carbon_series", self.series.currentData(), "carbon series"))
        self.schedule = QComboBox()
        self.schedule.setToolTip("The discount schedule: standard (STPR), reduced (the Green Book's "
                                 "lower-rate test) or health")
        self.schedule.activated.connect(
            lambda _i: doc.set_setting("discount_schedule", self.schedule.currentData(),
                                       "discount schedule"))
        form.addRow("Carbon values", self.series)
        form.addRow("Discount schedule", self.schedule)
        choices.addLayout(form)
        choices.addStretch(1)
        open_pack = QPushButton("Use another pack folder…")
        open_pack.setToolTip("Load an assumption pack: a folder of CSV files laid out as the "
                             "default pack (every row with its source)")
        open_pack.clicked.connect(self.openPackRequested)
        choices.addWidget(open_pack)
        return choices

    def refresh(self) -> None:
        pack = self.doc.pack
        self.title.setText(f"{pack.name}: {pack.id} (vintage {pack.vintage})")
        self.notes.setText(pack.notes + (f"\nFolder: {pack.folder}" if pack.folder else ""))
        self.schedule.clear()
        for name in pack.discount_schedules:
            self.schedule.addItem(SCHEDULE_NAMES.get(name) or name.capitalize(), name)
        summary = fmt.plain(pack.flagged_summary())     # tables by title, not file
        self.quality.setText("⚠ " + summary[:1].upper() + summary[1:] + "." if summary else
                             "Every row of this pack is marked official.")
        self.quality.setVisible(True)
        self.list.blockSignals(True)
        self.list.clear()
        for name, table in self.tables().items():
            flagged = len(table.flagged_rows())
            if name in pack.tables:
                text = TABLE_TITLES.get(name, name) + (f"  ⚠ {flagged} of {len(table.rows)}"
                                                       if flagged else "")
                tip = (f"{name}: {flagged} of its {len(table.rows)} rows are not official"
                       if flagged else f"{name}: every row official")
            else:
                text = f"{TABLE_TITLES.get(name, name)}  (no rows)"
                tip = (f"{name}: not in this pack, or a header without rows, so "
                       f"{ABSENT_MEANS.get(name, 'the term it feeds is zero')}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(tip)
            if name not in pack.tables:
                item.setForeground(Qt.GlobalColor.darkGray)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(0)
        self._show_table(0)
        self._show_choices()

    def tables(self) -> dict[str, Table]:
        """Every table a pack may have, in the pack's order: the loaded ones, then the
        optional ones it lacks (or that have no rows), shown empty with their columns."""
        out = dict(self.doc.pack.tables)
        for name, cols in {**TABLE_COLUMNS, **OPTIONAL_TABLE_COLUMNS}.items():
            if name not in out:
                out[name] = Table(name, tuple(cols) + ("quality",), ())
        return out

    def _show_choices(self) -> None:
        series = self.doc.setting("carbon_series")         # the core's default if unset
        schedule = self.doc.setting("discount_schedule")
        self.series.setCurrentIndex(max(0, self.series.findData(series)))
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(schedule)))

    def _show_table(self, row: int) -> None:
        item = self.list.item(row)
        if item is None:
            self.model.set_table(None)
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        self.model.set_table(self.tables().get(name))
        self.absent.setVisible(name not in self.doc.pack.tables)
        self.note.setText(TABLE_NOTES.get(name, ""))
        self.note.setVisible(name in TABLE_NOTES)
        self.absent.setText(f"{TABLE_TITLES.get(name, name)} ({name}) has no rows in this pack: "
                            f"{ABSENT_MEANS.get(name, 'the term it feeds is zero')}. A project "
                            "that gives the physical input for it is warned.")
        self.table.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            if self.table.columnWidth(c) > 420:
                self.table.setColumnWidth(c, 420)
