"""The Projects page: a filterable list, the project editor and its results."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QSplitter, QTableView, QVBoxLayout,
                               QWidget)

from ..core.wording import shovel_ready_rule
from .document import PortfolioDocument
from .editor import ProjectEditor
from .models import LIST_COLUMNS, ProjectFilter, ProjectsModel
from .results_panel import ResultsPanel


class ProjectsPage(QWidget):
    currentChanged = Signal(object)   # document row or None
    message = Signal(str)             # what an action did, for the status bar

    def __init__(self, doc: PortfolioDocument, model: ProjectsModel, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.model = model
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(self.splitter)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self._build_filters(lv)
        self.proxy = ProjectFilter(self)
        self.proxy.setSourceModel(model)
        lv.addWidget(self._build_list(model), 1)
        lv.addLayout(self._build_buttons())
        self.count = QLabel()
        self.count.setStyleSheet("color: #555; font-size: 8pt;")
        lv.addWidget(self.count)

        self.editor = ProjectEditor(doc)
        self.results = ResultsPanel(doc)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(self.results)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 4)
        self.splitter.setSizes([330, 480, 520])
        self._connect(doc)
        self._fill_categories()
        self._count()

    def _build_filters(self, lv: QVBoxLayout) -> None:
        """The search field, the category and value-for-money choices, shovel-ready only."""
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search id, name, area")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search projects")
        lv.addWidget(self.search)
        filters = QHBoxLayout()
        self.category = QComboBox()
        self.category.setToolTip("Show one category")
        self.category.setAccessibleName("Category shown")
        self.vfm = QComboBox()
        self.vfm.setToolTip("Show one value-for-money category")
        self.vfm.setAccessibleName("Value for money shown")
        for text, data in (("Any value for money", ""), ("VERY HIGH", "very high"), ("HIGH", "high"),
                           ("MEDIUM", "medium"), ("LOW", "low"), ("POOR", "poor")):
            self.vfm.addItem(text, data)
        filters.addWidget(self.category)
        filters.addWidget(self.vfm)
        lv.addLayout(filters)
        self.shovel = QCheckBox("Shovel-ready only")
        self.shovel.setToolTip(f"Shovel-ready: {shovel_ready_rule()}")
        lv.addWidget(self.shovel)

    def _build_list(self, model: ProjectsModel) -> QTableView:
        """The projects, in portfolio order until a heading is clicked."""
        self.list = QTableView()
        self.list.setTabKeyNavigation(False)   # Tab leaves the list for the next control
        self.list.setModel(self.proxy)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(-1, Qt.SortOrder.AscendingOrder)   # portfolio order until asked
        self.list.verticalHeader().setVisible(False)
        self.list.setAlternatingRowColors(True)
        keys = [c.key for c in model.columns]
        for c, key in enumerate(keys):
            self.list.setColumnHidden(c, key not in LIST_COLUMNS)
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(keys.index("name"), QHeaderView.ResizeMode.Stretch)
        self.list.setColumnWidth(keys.index("id"), 70)
        self.list.setColumnWidth(keys.index("npsv_gbp"), 72)
        self.list.setColumnWidth(keys.index("vfm"), 78)
        self.list.setWordWrap(False)
        self.list.verticalHeader().setDefaultSectionSize(22)
        self.list.setAccessibleName("Projects")
        # Delete in the list deletes the project (after asking); Ctrl+Del works anywhere
        # but a text field, where it deletes a word
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.delete_project)
        return self.list

    def _build_buttons(self) -> QHBoxLayout:
        """Add, copy, delete and move, each with its shortcut in the tooltip."""
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip in (("add", "+", "Add a project (Ctrl+Shift+N)"),
                               ("duplicate", "Copy", "Duplicate the project (Ctrl+D)"),
                               ("delete", "−", "Delete the project (Del in the list, Ctrl+Del)"),
                               ("up", "▲", "Move up (Ctrl+Up)"), ("down", "▼", "Move down (Ctrl+Down)")):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setAccessibleName(tip.split(" (")[0])
            b.setMaximumWidth(52)
            buttons.addWidget(b)
            self.buttons[key] = b
        buttons.addStretch(1)
        return buttons

    def _connect(self, doc: PortfolioDocument) -> None:
        """The filters, the list's selection and the buttons to what they do."""
        self.search.textChanged.connect(lambda t: self.proxy.set_filter(text=t))
        self.category.activated.connect(lambda _i: self.proxy.set_filter(category=self.category.currentData()))
        self.vfm.activated.connect(lambda _i: self.proxy.set_filter(vfm=self.vfm.currentData()))
        self.shovel.toggled.connect(lambda b: self.proxy.set_filter(shovel_ready_only=b))
        self.list.selectionModel().currentRowChanged.connect(self._current_changed)
        self.buttons["add"].clicked.connect(self.add_project)
        self.buttons["duplicate"].clicked.connect(self.duplicate_project)
        self.buttons["delete"].clicked.connect(self.delete_project)
        self.buttons["up"].clicked.connect(lambda: self.move_project(-1))
        self.buttons["down"].clicked.connect(lambda: self.move_project(+1))
        doc.structureChanged.connect(self._after_structure)
        doc.packChanged.connect(self._fill_categories)
        self.proxy.rowsInserted.connect(self._count)
        self.proxy.rowsRemoved.connect(self._count)
        self.proxy.modelReset.connect(self._count)
        self.proxy.layoutChanged.connect(self._count)

    def _fill_categories(self) -> None:
        self.category.clear()
        self.category.addItem("All categories", "")
        for c in self.doc.pack.categories.values():
            self.category.addItem(c.label, c.category)

    def _count(self, *args) -> None:
        n, shown = self.model.rowCount(), self.proxy.rowCount()
        self.count.setText(f"{shown} of {n} projects shown" if shown != n else f"{n} projects")

    # -- selection --------------------------------------------------------------
    def current_row(self) -> int | None:
        ix = self.list.selectionModel().currentIndex()
        return self.proxy.mapToSource(ix).row() if ix.isValid() else None

    def select_row(self, row: int | None) -> None:
        if row is None or not (0 <= row < self.model.rowCount()):
            self.list.selectionModel().clearCurrentIndex()
            self._current_changed()
            return
        ix = self.proxy.mapFromSource(self.model.index(row, 0))
        if not ix.isValid():   # hidden by a filter: clear the filters to show it
            self.search.clear()
            self.proxy.set_filter(text="", category="", vfm="", shovel_ready_only=False)
            self.category.setCurrentIndex(0)
            self.vfm.setCurrentIndex(0)
            self.shovel.setChecked(False)
            ix = self.proxy.mapFromSource(self.model.index(row, 0))
        self.list.selectionModel().setCurrentIndex(
            ix, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.list.scrollTo(ix)

    def _current_changed(self, *args) -> None:
        row = self.current_row()
        self._last_row = row
        self.editor.show_project(row)
        self.results.show_project(row)
        for key in ("duplicate", "delete", "up", "down"):
            self.buttons[key].setEnabled(row is not None)
        self.currentChanged.emit(row)

    def _after_structure(self) -> None:
        row = getattr(self, "_select_after", None)
        self._select_after = None
        if row is None:
            row = self.current_row()
        if row is None:
            # the model's reset cleared the view's current index without a signal: keep the
            # user's place after an undo, a redo or a new pack
            row = getattr(self, "_last_row", None)
        if row is not None:
            row = min(row, self.model.rowCount() - 1)
        self.select_row(row if row is not None and row >= 0 else None)
        self._count()

    # -- actions ---------------------------------------------------------------------
    def add_project(self) -> None:
        self._select_after = len(self.doc.projects)
        self.doc.add_project()

    def duplicate_project(self) -> None:
        row = self.current_row()
        if row is not None:
            self._select_after = row + 1
            self.doc.duplicate_project(row)

    def delete_project(self) -> bool:
        """Delete the selected project once the user confirms; True when it was deleted."""
        row = self.current_row()
        if row is None:
            return False
        project = self.doc.project(row)
        pid = str(project.get("id") or f"project {row + 1}")
        name = str(project.get("name") or "")
        answer = QMessageBox.question(
            self, "Delete project",
            f"Delete project {pid}{f' ({name})' if name else ''} from the portfolio?\n\n"
            "Edit > Undo (Ctrl+Z) brings it back.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self._select_after = max(0, row - 1) if row >= len(self.doc.projects) - 1 else row
        self.doc.delete_project(row)
        self.message.emit(f"Deleted project {pid}{f' ({name})' if name else ''}: "
                          "Edit > Undo (Ctrl+Z) brings it back")
        return True

    def move_project(self, step: int) -> None:
        row = self.current_row()
        if row is not None and 0 <= row + step < len(self.doc.projects):
            self._select_after = row + step
            self.doc.move_project(row, row + step)
