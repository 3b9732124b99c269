"""The editor's small tables: a row per year (capex, car-km) or per item (renewals,
benefit streams, energy changes, tariffs), and how each shows and commits its field.

A table's cells and combo boxes are changed in place, never rebuilt: the cell being
committed, its open editor or the combo box being chosen from may still be on the stack
when the refresh that follows the commit runs (issue 9).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemDelegate, QAbstractItemView, QApplication, QComboBox,
                               QHeaderView, QScrollArea, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QWidget)

from ..core.quantities import parse_amount
from . import fields as words

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


class TableInputs:
    """The project editor's tables: each shows its field of the project and commits the
    whole field through the undo stack when a cell, a choice or a pasted block changes it.
    A wrong cell blocks only its table: the error is listed in words and nothing is saved
    until it is mended. (A part of :class:`appraisal.gui.editor.ProjectEditor`.)"""

    # -- capex grid ------------------------------------------------------------------
    def _show_grid(self, p: dict) -> None:
        maps = [p.get(k) if isinstance(p.get(k), dict) else {} for k in
                ("capex", "public_funding", "counterfactual_capex")]
        years = sorted({y for m in maps for y in m}, key=lambda y: str(y))
        g = self.grid
        g.blockSignals(True)
        try:
            g.set_rows(len(years))
            for r, y in enumerate(years):
                g.show_text(r, "year", str(y))
                for key, m in zip(("capex", "public_funding", "counterfactual_capex"), maps):
                    v = m.get(y)
                    g.show_text(r, key, "" if v is None else words.show_value("money", v))
        finally:
            g.blockSignals(False)

    def _add_year(self) -> None:
        years = self.grid.years()
        nxt = (max(years) + 1) if years else int(self.doc.setting("appraisal_year", 2025))
        g = self.grid
        g.blockSignals(True)
        g.insertRow(g.rowCount())
        g.show_text(g.rowCount() - 1, "year", str(nxt))
        g.show_text(g.rowCount() - 1, "capex", "0")
        g.blockSignals(False)
        self._commit_grid()

    def _remove_year(self) -> None:
        r = self.grid.currentRow()
        if r >= 0:
            self.grid.removeRow(r)
            self._commit_grid()

    def _read_year_map(self, grid: YearGrid, columns: list[str], what: str
                       ) -> tuple[list[dict[str, float]], list[str]]:
        maps: list[dict[str, float]] = [{} for _ in columns]
        errors = []
        for r in range(grid.rowCount()):
            y = grid.text(r, "year")
            cells = [grid.text(r, c) for c in columns]
            if not y and not any(cells):
                continue
            if not re.fullmatch(r"\d{4}", y):
                errors.append(f"row {r + 1}: the year {y!r} is not a calendar year")
                continue
            for m, text in zip(maps, cells):
                try:
                    v = parse_amount(text, what)
                except ValueError as exc:
                    errors.append(f"{y}: {exc}")
                    continue
                if v is not None:
                    m[y] = m.get(y, 0.0) + v
        return maps, errors

    def _commit_grid(self) -> None:
        if self._updating or self.row is None:
            return
        keys = ["capex", "public_funding", "counterfactual_capex"]
        (capex, pf, cf), errors = self._read_year_map(self.grid, keys, "GBP")
        new = {"capex": capex, "public_funding": pf or None, "counterfactual_capex": cf or None}
        problems = errors or [q for k in keys if new[k] is not None for q in self._checked(k, new[k])]
        self.grid.setStyleSheet("QTableWidget { border: 2px solid #B00020; }" if problems else "")
        if self._table_problem("capex", "Capex and funding", problems):
            project = self.doc.project(self.row)
            changed = [k for k in keys if project.get(k) != new[k]
                       and not (new[k] is None and k not in project)]
            if changed:
                stack = self.doc.undo_stack
                stack.beginMacro(f"Change capex and funding of {project.get('id')}")
                for k in changed:
                    self.doc.set_field(self.row, (k,), new[k], self._words.path(k).lower())
                stack.endMacro()
        self._show_problems()

    # -- renewals ---------------------------------------------------------------------------
    def _show_renewals(self, p: dict) -> None:
        items = p.get("renewals") if isinstance(p.get("renewals"), list) else []
        t = self.renewals
        t.blockSignals(True)
        try:
            t.set_rows(len(items))
            for r, item in enumerate(items):
                item = item if isinstance(item, dict) else {}
                label = str(item.get("label") or "")
                t.show_text(r, "label", label, tip=label)
                t.show_text(r, "cost", words.show_value("money", item.get("cost")))
                t.show_text(r, "every_years", words.show_value("int", item.get("every_years")))
        finally:
            t.blockSignals(False)

    def add_renewal(self) -> None:
        if self.row is None:
            return
        items = list(self.doc.project(self.row).get("renewals") or [])
        items.append({"label": "New renewal", "cost": 0, "every_years": 10})
        self.doc.set_field(self.row, ("renewals",), items, "renewals")

    def _remove_renewal(self) -> None:
        self._remove_item("renewals", self.renewals.currentRow(), "renewals")

    def _remove_item(self, key: str, r: int, label: str) -> None:
        if self.row is None or r < 0:
            return
        items = list(self.doc.project(self.row).get(key) or [])
        if r < len(items):
            del items[r]
            self.doc.set_field(self.row, (key,), items, label)

    def _commit_renewals(self) -> None:
        if self._updating or self.row is None:
            return
        old = self.doc.project(self.row).get("renewals") or []
        items, problems = [], []
        t = self.renewals
        for r in range(t.rowCount()):
            item = dict(old[r]) if r < len(old) and isinstance(old[r], dict) else {}
            item["label"] = t.text(r, "label")
            try:
                item["cost"] = parse_amount(t.text(r, "cost"), "GBP") or 0
                every, _ = words.read_value("int", t.text(r, "every_years"))
                item["every_years"] = every
            except ValueError as exc:
                problems.append(f"Renewal {r + 1}: {exc}")
            items.append(item)
        problems = problems or self._checked("renewals", items)
        if self._table_problem("renewals", "Renewals", problems):
            self.doc.set_field(self.row, ("renewals",), items, "renewals")
        self._show_problems()

    # -- benefits ------------------------------------------------------------------------
    def _show_benefits(self, p: dict) -> None:
        streams = p.get("other_benefits") if isinstance(p.get("other_benefits"), list) else []
        t = self.benefits
        kinds = [(words.KIND_NAMES[k], k) for k in ("economic", "revenue")]
        discounting = [(words.DISCOUNTING_NAMES[k], k) for k in ("standard", "health")]
        t.blockSignals(True)
        try:
            t.set_rows(len(streams))
            for r, s in enumerate(streams):
                s = s if isinstance(s, dict) else {}
                label = str(s.get("label", ""))
                t.show_text(r, "label", label, tip=label)
                t.show_choice(r, "kind", kinds, s.get("kind") or "economic", f"Kind of benefit {r + 1}")
                if s.get("profile") is not None:
                    t.show_text(r, "per_year", "by year", editable=False,
                                tip=f"This stream gives amounts for {len(s['profile'])} calendar "
                                    "years; edit them in the portfolio file or a submission "
                                    "workbook")
                else:
                    t.show_text(r, "per_year", words.show_value("money", s.get("per_year")))
                t.show_choice(r, "discounting", discounting, s.get("discounting") or "standard",
                              f"Discounting of benefit {r + 1}")
        finally:
            t.blockSignals(False)

    def _add_benefit(self) -> None:
        if self.row is None:
            return
        streams = list(self.doc.project(self.row).get("other_benefits") or [])
        streams.append({"label": "New benefit", "kind": "economic", "per_year": 0})
        self.doc.set_field(self.row, ("other_benefits",), streams, "other benefits")

    def _remove_benefit(self) -> None:
        self._remove_item("other_benefits", self.benefits.currentRow(), "other benefits")

    def _commit_benefits(self) -> None:
        if self._updating or self.row is None:
            return
        old = self.doc.project(self.row).get("other_benefits") or []
        streams, problems = [], []
        t = self.benefits
        for r in range(t.rowCount()):
            base = dict(old[r]) if r < len(old) and isinstance(old[r], dict) else {}
            base["label"] = t.text(r, "label")
            base["kind"] = t.choice(r, "kind", "economic")
            disc = t.choice(r, "discounting", "standard")
            if disc == "standard" and "discounting" not in base:
                pass                   # the default stays implicit in the file
            else:
                base["discounting"] = disc
            if base.get("profile") is None:
                try:
                    base["per_year"] = parse_amount(t.text(r, "per_year"), "GBP") or 0.0
                except ValueError as exc:
                    problems.append(f"Benefit {r + 1}: {exc}")
            streams.append(base)
        problems = problems or self._checked("other_benefits", streams)
        if self._table_problem("other_benefits", "Other benefits", problems):
            self.doc.set_field(self.row, ("other_benefits",), streams, "other benefits")
        self._show_problems()

    # -- energy ----------------------------------------------------------------------------
    def _fuel_items(self, fuels: list[str] | tuple[str, ...]) -> list[tuple[str, Any]]:
        return [(words.fuel_words(self.doc.pack, f), f) for f in fuels]

    def _show_energy_changes(self, changes: list) -> None:
        t = self.energy
        items = self._fuel_items(self.doc.pack.fuels())
        t.blockSignals(True)
        try:
            t.set_rows(len(changes))
            for r, ch in enumerate(changes):
                ch = ch if isinstance(ch, dict) else {}
                t.show_choice(r, "fuel", items, ch.get("fuel"), f"Fuel {r + 1}")
                t.show_text(r, "quantity", words.show_value("number", ch.get("quantity_per_year")))
        finally:
            t.blockSignals(False)

    def _add_fuel(self) -> None:
        if self.row is None:
            return
        changes = list(self.doc.project(self.row).get("energy_changes") or [])
        changes.append({"fuel": "grid_electricity", "quantity_per_year": 0})
        self.doc.set_field(self.row, ("energy_changes",), changes, "energy changes")

    def _remove_fuel(self) -> None:
        self._remove_item("energy_changes", self.energy.currentRow(), "energy changes")

    def _commit_energy(self) -> None:
        if self._updating or self.row is None:
            return
        changes, problems = [], []
        t = self.energy
        for r in range(t.rowCount()):
            fuel = t.choice(r, "fuel", "")
            try:
                q = parse_amount(t.text(r, "quantity"), words.fuel_reader_unit(self.doc.pack, fuel))
            except ValueError as exc:
                problems.append(f"Energy change {r + 1}: {exc}")
                continue
            changes.append({"fuel": fuel, "quantity_per_year": q or 0.0})
        problems = problems or self._checked("energy_changes", changes)
        if self._table_problem("energy_changes", "Energy changes", problems):
            self.doc.set_field(self.row, ("energy_changes",), changes, "energy changes")
        self._show_problems()

    # -- car travel removed ----------------------------------------------------------------
    def _show_car_km(self, p: dict) -> None:
        km = p.get("car_km_removed")
        by_year = isinstance(km, dict)
        self.car_km_mode.setCurrentIndex(1 if by_year else 0)
        self._car_km_form.setRowVisible(self.car_km.row_layout, not by_year)
        self.car_km_grid.setVisible(by_year)
        self.car_km_buttons.setVisible(by_year)
        g = self.car_km_grid
        g.blockSignals(True)
        try:
            years = sorted(km, key=str) if by_year else []
            g.set_rows(len(years))
            for r, y in enumerate(years):
                g.show_text(r, "year", str(y))
                g.show_text(r, "car_km", words.show_value("number", km[y]))
        finally:
            g.blockSignals(False)

    def set_car_km_by_year(self, by_year: bool) -> None:
        """Car travel removed by calendar year (a year map) or the same in every operating year."""
        if self.row is None:
            return
        km = self.doc.project(self.row).get("car_km_removed")
        if by_year == isinstance(km, dict):
            return
        self.doc.set_field(self.row, ("car_km_removed",), {} if by_year else None,
                           "car travel removed")
        self.refresh()

    def _add_car_km_year(self) -> None:
        years = self.car_km_grid.years()
        p = self._project()
        start = p.get("operating_start") or max((int(y) for y in (p.get("capex") or {})),
                                                default=int(self.doc.setting("appraisal_year", 2025)) - 1) + 1
        g = self.car_km_grid
        g.blockSignals(True)
        g.insertRow(g.rowCount())
        g.show_text(g.rowCount() - 1, "year", str(max(years) + 1 if years else start))
        g.show_text(g.rowCount() - 1, "car_km", "0")
        g.blockSignals(False)
        self._commit_car_km()

    def _remove_car_km_year(self) -> None:
        r = self.car_km_grid.currentRow()
        if r >= 0:
            self.car_km_grid.removeRow(r)
            self._commit_car_km()

    def _commit_car_km(self) -> None:
        if self._updating or self.row is None:
            return
        (km,), errors = self._read_year_map(self.car_km_grid, ["car_km"], "number")
        problems = errors or self._checked("car_km_removed", km)
        if self._table_problem("car_km_removed", "Car travel removed", problems):
            self.doc.set_field(self.row, ("car_km_removed",), km, "car travel removed")
        self._show_problems()

    # -- tariffs -----------------------------------------------------------------------------
    def _show_tariffs(self, p: dict) -> None:
        tariffs = p.get("tariffs") if isinstance(p.get("tariffs"), dict) else {}
        items = self._fuel_items(self.doc.pack.fuels())
        t = self.tariffs
        t.blockSignals(True)
        try:
            t.set_rows(len(tariffs))
            for r, (fuel, price) in enumerate(tariffs.items()):
                t.show_choice(r, "fuel", items, fuel, f"Fuel of tariff {r + 1}")
                t.show_text(r, "tariff", words.show_value("price", price))
        finally:
            t.blockSignals(False)

    def _retail_price(self, fuel: str) -> float:
        """The pack's retail price of ``fuel`` for the project's sector in the appraisal year,
        at the project's price year (VAT included): where a new tariff starts."""
        p = self._project()
        sector = p.get("energy_sector") or self._category().energy_sector or ""
        year = int(self.doc.setting("appraisal_year", 2025))
        price_year = int(p.get("price_year") or self._base_year())
        try:
            price, *_ = self.doc.pack.price_on(fuel, np.array([year]), price_year, basis="retail",
                                               sector=sector,
                                               series=self.doc.setting("energy_series"))
        except Exception:   # noqa: BLE001 - a price year the pack cannot rebase: start at 0
            return 0.0
        return round(float(price[0]), 4)

    def add_tariff(self) -> None:
        if self.row is None:
            return
        tariffs = dict(self.doc.project(self.row).get("tariffs") or {})
        fuel = next((f for f in self.doc.pack.fuels() if f not in tariffs), None)
        if fuel is None:
            return
        tariffs[fuel] = self._retail_price(fuel)
        self.doc.set_field(self.row, ("tariffs",), tariffs, "tariffs")

    def _remove_tariff(self) -> None:
        r = self.tariffs.currentRow()
        if self.row is None or r < 0:
            return
        tariffs = dict(self.doc.project(self.row).get("tariffs") or {})
        if r < len(tariffs):
            del tariffs[list(tariffs)[r]]
            self.doc.set_field(self.row, ("tariffs",), tariffs or None, "tariffs")

    def _commit_tariffs(self) -> None:
        if self._updating or self.row is None:
            return
        tariffs: dict[str, float] = {}
        problems = []
        t = self.tariffs
        for r in range(t.rowCount()):
            fuel = t.choice(r, "fuel", "")
            try:
                price = parse_amount(t.text(r, "tariff"), "GBP")
            except ValueError as exc:
                problems.append(f"Tariff {r + 1}: {exc}")
                continue
            if fuel in tariffs:
                problems.append(f"{words.fuel_words(self.doc.pack, fuel)} is given twice")
            elif price is not None:
                tariffs[fuel] = price
        problems = problems or self._checked("tariffs", tariffs)
        if self._table_problem("tariffs", "Tariffs", problems):
            self.doc.set_field(self.row, ("tariffs",), tariffs or None, "tariffs")
        self._show_problems()
