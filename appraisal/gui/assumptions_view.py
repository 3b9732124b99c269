"""The assumptions in force: every table of the pack with its sources and caveats."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from ..core.pack import CARBON_SERIES
from .document import PortfolioDocument
from .models import PackTableModel

TABLE_TITLES = {
    "discount_schedules.csv": "Discount schedules",
    "gdp_deflator.csv": "GDP deflator",
    "carbon_values.csv": "Carbon values",
    "emission_factors.csv": "Emission factors",
    "energy_prices.csv": "Energy prices",
    "categories.csv": "Categories",
    "optimism_bias.csv": "Optimism bias",
    "additionality.csv": "Additionality",
    "investment_gap.csv": "Investment gap",
    "parameters.csv": "Parameters",
    "calculator_defaults.csv": "Calculator defaults",
}


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
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
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
        layout.addLayout(choices)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_table)
        self.model = PackTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.list.setMaximumWidth(260)
        split.addWidget(self.list)
        split.addWidget(self.table)
        split.setStretchFactor(1, 4)
        self.splitter = split
        layout.addWidget(split, 1)
        self.legend = QLabel("Rows marked ⚠ check (shaded) have a source marked illustrative, "
                             "recalled or secondary copy: check them before a formal business "
                             "case. Hover over a row to read its source.")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #7F6000;")
        layout.addWidget(self.legend)
        doc.packChanged.connect(self.refresh)
        doc.settingsChanged.connect(self._show_choices)
        self.refresh()

    def refresh(self) -> None:
        pack = self.doc.pack
        self.title.setText(f"{pack.name}: {pack.id} (vintage {pack.vintage})")
        self.notes.setText(pack.notes + (f"\nFolder: {pack.folder}" if pack.folder else ""))
        self.schedule.clear()
        for name in pack.discount_schedules:
            self.schedule.addItem(name.capitalize(), name)
        self.list.blockSignals(True)
        self.list.clear()
        for name, table in pack.tables.items():
            flagged = len(table.flagged_rows())
            item = QListWidgetItem(TABLE_TITLES.get(name, name)
                                   + (f"  (⚠ {flagged} to check)" if flagged else ""))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(0)
        self._show_table(0)
        self._show_choices()

    def _show_choices(self) -> None:
        series = self.doc.setting("carbon_series", "central")
        schedule = self.doc.setting("discount_schedule", "standard")
        self.series.setCurrentIndex(max(0, self.series.findData(series)))
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(schedule)))

    def _show_table(self, row: int) -> None:
        item = self.list.item(row)
        if item is None:
            self.model.set_table(None)
            return
        self.model.set_table(self.doc.pack.tables.get(item.data(Qt.ItemDataRole.UserRole)))
        self.table.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            if self.table.columnWidth(c) > 420:
                self.table.setColumnWidth(c, 420)
