"""The assumptions in force: every table of the pack with its sources and caveats."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from ..core.pack import CARBON_SERIES, OPTIONAL_TABLE_COLUMNS, TABLE_COLUMNS, Table
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
    "air_quality.csv": "Air quality damage costs",
    "marginal_external_costs.csv": "Road transport external costs",
    "traded_carbon_price.csv": "Traded carbon price",
    "ob_stage_mitigation.csv": "Optimism bias by stage",
    "readiness_weights.csv": "Readiness weights",
}
# what a table left out (absent, or a header without rows) means for the appraisal
ABSENT_MEANS = {
    "air_quality.csv": "air-quality benefits count as zero",
    "marginal_external_costs.csv": "fewer car-km carry no congestion, accident or noise value",
    "traded_carbon_price.csv": "traded tonnes are valued at the full carbon value",
    "ob_stage_mitigation.csv": "a business-case stage gives no optimism-bias mitigation",
    "readiness_weights.csv": "readiness uses the default points (METHOD.md 7)",
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
        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.quality.setStyleSheet("color: #7F3F00; background: #FCE4D6; padding: 3px;")
        self.quality.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.quality)
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
        self.list.setMaximumWidth(300)
        split.addWidget(self.list)
        split.addWidget(self.table)
        split.setStretchFactor(1, 4)
        self.splitter = split
        layout.addWidget(split, 1)
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

    def refresh(self) -> None:
        pack = self.doc.pack
        self.title.setText(f"{pack.name}: {pack.id} (vintage {pack.vintage})")
        self.notes.setText(pack.notes + (f"\nFolder: {pack.folder}" if pack.folder else ""))
        self.schedule.clear()
        for name in pack.discount_schedules:
            self.schedule.addItem(name.capitalize(), name)
        summary = pack.flagged_summary()
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
        series = self.doc.setting("carbon_series", "central")
        schedule = self.doc.setting("discount_schedule", "standard")
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
        self.absent.setText(f"{TABLE_TITLES.get(name, name)} ({name}) has no rows in this pack: "
                            f"{ABSENT_MEANS.get(name, 'the term it feeds is zero')}. A project "
                            "that gives the physical input for it is warned.")
        self.table.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            if self.table.columnWidth(c) > 420:
                self.table.setColumnWidth(c, 420)
