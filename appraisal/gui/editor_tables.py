"""The editor's small tables: a row per year (capex, car-km) or per item (renewals,
benefit streams, energy changes, tariffs).

A table's cells and combo boxes are changed in place, never rebuilt: the cell being
committed, its open editor or the combo box being chosen from may still be on the stack
when the refresh that follows the commit runs (issue 9).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemDelegate, QAbstractItemView, QApplication, QComboBox,
                               QHeaderView, QScrollArea, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QWidget)

Hint = QAbstractItemDelegate.EndEditHint


def show_cell(table: QTableWidget, r: int, c: int, text: str, *, editable: bool = True,
              tip: str = "") -> None:
    """Show ``text`` in a cell, changing its item in place: the item being committed, and
    the editor open on it, are never deleted under the user."""
    item = table.item(r, c)
    if item is None:
        item = QTableWidgetItem(text)
        table.setItem(r, c, item)
    elif item.text() != text:
        item.setText(text)
    flags = item.flags() | Qt.ItemFlag.ItemIsEditable if editable \
        else item.flags() & ~Qt.ItemFlag.ItemIsEditable
    if item.flags() != flags:
        item.setFlags(flags)
    if item.toolTip() != tip:
        item.setToolTip(tip)


class EditorTable(QTableWidget):
    """A small table of inputs with named columns; pastes blocks copied from Excel.

    ``columns`` are (key, heading) pairs. Choice cells hold a combo box made once per
    cell (:meth:`show_choice`); ``edited`` is emitted when a cell's text changes, a
    choice is made, or a block is pasted or deleted.
    """

    edited = Signal()

    def __init__(self, columns: list[tuple[str, str]], name: str, tip: str, parent=None) -> None:
        super().__init__(0, len(columns), parent)
        self.keys = [k for k, _ in columns]
        self.setHorizontalHeaderLabels([h for _, h in columns])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAccessibleName(name)
        self.setToolTip(tip)
        self.verticalHeader().setDefaultSectionSize(max(26, self.fontMetrics().height() + 10))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(self.sizePolicy().horizontalPolicy(), QSizePolicy.Policy.Fixed)
        self.itemChanged.connect(lambda _item: self.edited.emit())
        self.model().rowsInserted.connect(lambda *_a: self.updateGeometry())
        self.model().rowsRemoved.connect(lambda *_a: self.updateGeometry())

    MAX_ROWS_SHOWN = 8    # more rows scroll inside the table

    def sizeHint(self) -> QSize:
        """As tall as its rows and one empty row (where a paste or a new row goes), up to
        MAX_ROWS_SHOWN; the form then scrolls as one page rather than table by table."""
        hint = super().sizeHint()
        rows = min(self.rowCount() + 1, self.MAX_ROWS_SHOWN)
        height = (self.horizontalHeader().sizeHint().height()
                  + rows * self.verticalHeader().defaultSectionSize() + 2 * self.frameWidth())
        return QSize(hint.width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    # -- showing -----------------------------------------------------------------------
    def set_rows(self, n: int) -> None:
        if self.rowCount() != n:
            self.setRowCount(n)

    def show_text(self, r: int, key: str, text: str, *, editable: bool = True, tip: str = "") -> None:
        show_cell(self, r, self.keys.index(key), text, editable=editable, tip=tip)

    def show_choice(self, r: int, key: str, items: list[tuple[str, Any]], current: Any,
                    name: str) -> QComboBox:
        """The combo box of a choice cell, made once, showing ``current``."""
        c = self.keys.index(key)
        box = self.cellWidget(r, c)
        if not isinstance(box, QComboBox):
            box = QComboBox()
            box.activated.connect(lambda _i: self.edited.emit())
            self.setCellWidget(r, c, box)
            self.chain_cell_widgets()
        box.setAccessibleName(name)
        box.view().setAccessibleName(f"{name}: choices")
        if [(box.itemText(i), box.itemData(i)) for i in range(box.count())] != items:
            box.clear()
            for text, data in items:
                box.addItem(text, data)
        k = box.findData(current)
        box.setCurrentIndex(k if k >= 0 else 0)
        return box

    # -- reading ----------------------------------------------------------------------
    def text(self, r: int, key: str) -> str:
        item = self.item(r, self.keys.index(key))
        return item.text().strip() if item is not None else ""

    def cell_text(self, r: int, c: int) -> str:
        item = self.item(r, c)
        return item.text().strip() if item is not None else ""

    def choice(self, r: int, key: str, default: Any = None) -> Any:
        box = self.cellWidget(r, self.keys.index(key))
        return box.currentData() if isinstance(box, QComboBox) else default

    # -- keys -------------------------------------------------------------------------
    def _at_end(self, forward: bool) -> bool:
        r, c = self.currentRow(), self.currentColumn()
        if forward:
            return (r, c) == (self.rowCount() - 1, self.columnCount() - 1)
        return (r, c) == (0, 0)

    def moveCursor(self, action, modifiers) -> QModelIndex:
        # Tab from the last cell (Shift+Tab from the first) leaves the table, where Qt's
        # table would start again at the other end: no keyboard trap (WCAG 2.1.2)
        if action == QAbstractItemView.CursorAction.MoveNext and self._at_end(True) or \
                action == QAbstractItemView.CursorAction.MovePrevious and self._at_end(False):
            return QModelIndex()
        return super().moveCursor(action, modifiers)

    def closeEditor(self, editor, hint) -> None:
        """Tab out of the last cell being edited commits it and moves on to the next control."""
        forward = hint == Hint.EditNextItem
        leaving = (forward or hint == Hint.EditPreviousItem) and self._at_end(forward)
        super().closeEditor(editor, hint)
        if leaving:
            self._leave(forward)

    def focusNextPrevChild(self, next_: bool) -> bool:
        # Tab moves between the cells (a cell's combo box included); past the last cell
        # it goes to the control after the table, never back into the table's own combo boxes
        if self.tabKeyNavigation() and not self._at_end(next_) and self.rowCount():
            return super().focusNextPrevChild(next_)
        return self._leave(next_) or super().focusNextPrevChild(next_)

    def _leave(self, forward: bool) -> bool:
        """Give the focus to the control before or after the table in the focus chain."""
        w: QWidget = self
        for _ in range(2000):   # the chain is a ring; a window has far fewer widgets
            w = w.nextInFocusChain() if forward else w.previousInFocusChain()
            if w is self:
                return False
            if self.isAncestorOf(w) or not w.isVisible() or not w.isEnabled() \
                    or not w.focusPolicy() & Qt.FocusPolicy.TabFocus or w.focusProxy() is not None:
                continue
            w.setFocus(Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason)
            area = self.parentWidget()
            while area is not None and not isinstance(area, QScrollArea):
                area = area.parentWidget()
            if area is not None and area.isAncestorOf(w):
                area.ensureWidgetVisible(w)
            return True
        return False

    def chain_cell_widgets(self) -> None:
        """Put the cells' combo boxes right after the table in the focus chain (a combo box
        made later would otherwise come last in the window)."""
        prev: QWidget = self
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                w = self.cellWidget(r, c)
                if w is not None:
                    QWidget.setTabOrder(prev, w)
                    prev = w

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste(QApplication.clipboard().text())
            return
        if event.matches(QKeySequence.StandardKey.Delete) and self.selectedItems():
            self.blockSignals(True)
            for item in self.selectedItems():
                if item.flags() & Qt.ItemFlag.ItemIsEditable:
                    item.setText("")
            self.blockSignals(False)
            self.edited.emit()
            return
        super().keyPressEvent(event)

    def paste(self, text: str) -> None:
        """A block copied from a spreadsheet, from the current cell on; rows are added
        as needed (a table of years grows by the years pasted)."""
        rows = [r.split("\t") for r in text.replace("\r\n", "\n").rstrip("\n").split("\n") if r != ""]
        r0 = max(self.currentRow(), 0)
        c0 = max(self.currentColumn(), 0)
        self.blockSignals(True)
        try:
            for dr, cells in enumerate(rows):
                r = r0 + dr
                if r >= self.rowCount():
                    self.insertRow(r)
                for dc, value in enumerate(cells):
                    c = c0 + dc
                    if c < self.columnCount() and self.cellWidget(r, c) is None:
                        show_cell(self, r, c, value.strip())
        finally:
            self.blockSignals(False)
        self.edited.emit()


class YearGrid(EditorTable):
    """A table with a row per calendar year: the first column is the year."""

    def years(self) -> list[int]:
        return [int(t) for r in range(self.rowCount()) if (t := self.cell_text(r, 0)).isdigit()]
