"""The Portfolio page: the portfolio's name, years, notes and the choices that apply to
every project (discounting, carbon and energy series, value-for-money basis, the
financial case), each change an undo step, checked by the core before it is made.

The defaults shown are the core's (:data:`appraisal.core.portfolio.DEFAULTS`); the
checks are the core's (``check_portfolio``): this page adds words and undo, nothing else.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QButtonGroup, QComboBox, QDoubleSpinBox,
                               QFormLayout, QFrame, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QRadioButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from ..core.pack import CARBON_SERIES
from ..core.portfolio import DEFAULTS, FIELD_RANGES, FINANCIAL_BASES, MAX_TEXT, VFM_BASES
from ..core.results import VFM_BASIS_LABELS
from .document import PortfolioDocument

# what each choice means, in the words of the guidance
SCHEDULE_WORDS = {
    "standard": "Standard: the Green Book's social time preference rate (3.5% for 30 years, "
                "then falling)",
    "reduced": "Reduced: the Green Book's lower-rate test for long-lived projects",
    "health": "Health: the lower rate for health and life values (no wealth effect)",
}
SERIES_WORDS = {"low": "Low", "central": "Central", "high": "High"}
VFM_WORDS = {
    "public": "Funder BCR: the benefits net of any private costs, over the public cost. What a "
              "funder's board asks: value for the public money (DfT and MHCLG practice).",
    "social": "Social BCR: all benefits over all costs, whoever bears them (the Green Book's "
              "social cost-benefit ratio).",
}
FINANCIAL_BASIS_WORDS = {
    "real": "Real: the promoter's cash flows at prices of the price base year",
    "nominal": "Nominal: cash flows inflated by the GDP deflator, at a nominal rate",
}
SETTING_LABELS = {
    "name": "portfolio name", "appraisal_year": "appraisal year",
    "price_base_year": "price base year", "notes": "portfolio notes",
    "discount_schedule": "discount schedule", "carbon_series": "carbon series",
    "energy_series": "energy price series", "vfm_basis": "value-for-money basis",
    "financial_discount_rate": "financial discount rate",
    "financial_ob_share": "optimism bias in the financial case",
    "financial_basis": "financial basis",
}


def _pct(share: float) -> str:
    return f"{share * 100:g}%"


def default_words(key: str) -> str:
    """The default a portfolio gets when it leaves ``key`` out, from the core's DEFAULTS."""
    v = getattr(DEFAULTS, key)
    if key in ("financial_discount_rate", "financial_ob_share"):
        return _pct(v)
    return {"public": "funder BCR", "social": "social BCR"}.get(v, str(v))


class NotesEdit(QPlainTextEdit):
    """Free text committed when the user leaves the box (one undo step per visit)."""

    editingFinished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class DocumentUndoKeys(QObject):
    """Ctrl+Z and Ctrl+Y in a field whose value is already in the document undo and redo
    the document (Edit > Undo), not the field's own typing; while an edit is still being
    typed, they undo the typing."""

    def __init__(self, committed: Callable[[QWidget], bool], parent: QObject) -> None:
        super().__init__(parent)
        self.committed = committed

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and _is_undo_or_redo(event) and self.committed(obj):  # type: ignore[arg-type]
            event.ignore()        # not the field's: the window's shortcut takes it
            return True
        return False


def _is_undo_or_redo(event: QKeyEvent) -> bool:
    return (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
            or event.keyCombination() == QKeyCombination(Qt.KeyboardModifier.ControlModifier,
                                                         Qt.Key.Key_Y))


class SettingsPage(QWidget):
    """Edits the portfolio-level fields of the document (FORMAT.md 1 and 4)."""

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.errors: dict[str, QLabel] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        title = QLabel("Portfolio settings")
        title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        outer.addWidget(title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName("Portfolio settings")
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        body.setMaximumWidth(820)     # lines of help text a reader can follow
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_about()
        self._build_economic()
        self._build_financial()
        restore = QPushButton("Restore the default choices")
        restore.setToolTip("Discounting, carbon and energy series, value-for-money basis and the "
                           "financial case back to the defaults (one undo step)")
        restore.clicked.connect(self.restore_defaults)
        self.restore_button = restore
        self.form.addRow("", restore)
        doc.settingsChanged.connect(self.refresh)
        doc.packChanged.connect(self.refresh)
        self.undo_keys = DocumentUndoKeys(self._committed, self)
        for w in (self.name, self.notes, self.appraisal_year, self.price_base_year,
                  self.financial_discount_rate, self.financial_ob_share):
            w.installEventFilter(self.undo_keys)
        self.refresh()

    def _committed(self, w: QWidget) -> bool:
        """Whether the field shows what the document holds (no edit being typed)."""
        data = self.doc.portfolio.data
        if w is self.name:
            return self.name.text().strip() == str(data.get("name") or "").strip()
        if w is self.notes:
            notes = data.get("notes")
            return self.notes.toPlainText().strip() == (notes.strip() if isinstance(notes, str) else "")
        if isinstance(w, QAbstractSpinBox):
            box = w
            special = box.specialValueText()
            if special and box.value() == box.minimum():   # type: ignore[attr-defined]
                return box.text() == special
            shown = box.textFromValue(box.value())          # type: ignore[attr-defined]
            return box.text() == box.prefix() + shown + box.suffix()  # type: ignore[attr-defined]
        return True

    # -- building -------------------------------------------------------------------
    def _heading(self, text: str) -> None:
        label = QLabel(text)
        label.setStyleSheet("font-weight: 600; margin-top: 8px;")
        self.form.addRow(label)

    def _row(self, key: str, label: str, widget: QWidget, help_text: str = "") -> QLabel:
        """A labelled field with its help below it and a place for the core's objection."""
        name = label.replace("&", "")
        widget.setAccessibleName(name)
        # the parts a screen reader reaches inside: a spin box's text, a combo box's list
        if isinstance(widget, QAbstractSpinBox):
            widget.findChild(QLineEdit).setAccessibleName(name)
        if isinstance(widget, QComboBox):
            widget.view().setAccessibleName(f"{name}: choices")
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        if help_text:
            note = QLabel(help_text)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; font-size: 8pt;")
            v.addWidget(note)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet("color: #B00020;")
        error.setVisible(False)
        v.addWidget(error)
        self.errors[key] = error
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, box)
        return caption

    def _build_about(self) -> None:
        self._heading("The portfolio")
        self.name = QLineEdit()
        self.name.setMaxLength(MAX_TEXT)
        self.name.editingFinished.connect(
            lambda: self.commit("name", self.name.text().strip() or None))
        self._row("name", "&Name", self.name, "Shown on the dashboard, the workbook and the PDF.")
        self.appraisal_year = QSpinBox()
        years = FIELD_RANGES["appraisal_year"]   # the core's range (FORMAT.md 6)
        self.appraisal_year.setRange(int(years.lo), int(years.hi))
        self.appraisal_year.setKeyboardTracking(False)
        self.appraisal_year.valueChanged.connect(
            lambda v: self.commit("appraisal_year", int(v)))
        self._row("appraisal_year", "&Appraisal year", self.appraisal_year,
                  "Year 0 of the appraisal: flows are discounted to it, and flows before it are "
                  "sunk. A new portfolio starts in the current year.")
        self.price_base_year = QSpinBox()
        self.price_base_year.setKeyboardTracking(False)
        self.price_base_year.valueChanged.connect(self._price_base_changed)
        self._row("price_base_year", "&Price base year", self.price_base_year,
                  "All money is shown in real terms at prices of this year (the GDP deflator "
                  "rebases each project's own price year).")
        self.notes = NotesEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(64)
        self.notes.editingFinished.connect(
            lambda: self.commit("notes", self.notes.toPlainText().strip() or None))
        self._row("notes", "N&otes", self.notes, "For the board or a colleague: kept in the file.")

    def _combo(self, items: list[tuple[str, str]]) -> QComboBox:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(14)
        return box

    def _build_economic(self) -> None:
        self._heading("The economic case (every project)")
        self.discount_schedule = self._combo([])
        self.discount_schedule.activated.connect(
            lambda _i: self.commit("discount_schedule", self.discount_schedule.currentData()))
        self._row("discount_schedule", "&Discount schedule", self.discount_schedule,
                  f"Default: {default_words('discount_schedule')}.")
        self.carbon_series = self._combo([(SERIES_WORDS[s], s) for s in CARBON_SERIES])
        self.carbon_series.activated.connect(
            lambda _i: self.commit("carbon_series", self.carbon_series.currentData()))
        self._row("carbon_series", "&Carbon values", self.carbon_series,
                  "DESNZ carbon values: central, or the low and high series for a sensitivity "
                  f"test. Default: {default_words('carbon_series')}.")
        self.energy_series = self._combo([(SERIES_WORDS[s], s) for s in CARBON_SERIES])
        self.energy_series.activated.connect(
            lambda _i: self.commit("energy_series", self.energy_series.currentData()))
        self._row("energy_series", "&Energy prices", self.energy_series,
                  "DESNZ energy price series (central, low or high fossil fuel prices). "
                  f"Default: {default_words('energy_series')}.")
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        self.vfm_group = QButtonGroup(self)
        self.vfm_buttons: dict[str, QRadioButton] = {}
        for k, basis in enumerate(VFM_BASES):
            name, words = VFM_WORDS[basis].split(": ", 1)
            button = QRadioButton(name)
            button.setAccessibleName(f"Value for money on the {VFM_BASIS_LABELS[basis]}")
            button.setToolTip(VFM_BASIS_LABELS[basis])
            self.vfm_group.addButton(button, k)
            self.vfm_buttons[basis] = button
            v.addWidget(button)
            # a radio button's own text never wraps: the explanation goes in a label
            explain = QLabel(words[:1].upper() + words[1:])
            explain.setWordWrap(True)
            explain.setContentsMargins(22, 0, 0, 2)
            v.addWidget(explain)
        self.vfm_group.idClicked.connect(lambda k: self.commit("vfm_basis", VFM_BASES[k]))
        caption = self._row("vfm_basis", "&Value for money on", box,
                            "The value-for-money bands (very high to very poor) are read on this "
                            f"ratio. Default: the {default_words('vfm_basis')}.")
        caption.setBuddy(self.vfm_buttons[VFM_BASES[0]])

    def _percent_box(self, key: str) -> QDoubleSpinBox:
        """A box in per cent for the portfolio field ``key``, over the core's range."""
        rng = FIELD_RANGES[key]
        box = QDoubleSpinBox()
        box.setRange(rng.lo * 100, rng.hi * 100)
        box.setDecimals(2)
        box.setSingleStep(0.5)
        box.setSuffix(" %")
        box.setKeyboardTracking(False)
        return box

    def _build_financial(self) -> None:
        self._heading("The financial case (the promoter's cash flows)")
        self.financial_discount_rate = self._percent_box("financial_discount_rate")
        self.financial_discount_rate.valueChanged.connect(
            lambda v: self.commit("financial_discount_rate", round(v / 100, 6)))
        self._row("financial_discount_rate", "&Financial discount rate",
                  self.financial_discount_rate,
                  "The promoter's cost of capital, for the financial NPV and the viability gap. "
                  f"Default: {default_words('financial_discount_rate')}.")
        self.financial_ob_share = self._percent_box("financial_ob_share")
        self.financial_ob_share.setSingleStep(10)
        self.financial_ob_share.valueChanged.connect(
            lambda v: self.commit("financial_ob_share", round(v / 100, 6)))
        self._row("financial_ob_share", "Optimism &bias in the financial case",
                  self.financial_ob_share,
                  "How much of the capex optimism-bias uplift the promoter must fund: 100% the "
                  "whole risk-adjusted cost, 0% the cost as estimated. "
                  f"Default: {default_words('financial_ob_share')}.")
        self.financial_basis = self._combo([(FINANCIAL_BASIS_WORDS[b].split(":")[0], b)
                                            for b in FINANCIAL_BASES])
        self.financial_basis.activated.connect(
            lambda _i: self.commit("financial_basis", self.financial_basis.currentData()))
        self._row("financial_basis", "Financial &basis", self.financial_basis,
                  "; ".join(FINANCIAL_BASIS_WORDS[b] for b in FINANCIAL_BASES)
                  + f". Default: {default_words('financial_basis')}.")

    # -- reading the document ---------------------------------------------------------
    def _value(self, key: str) -> Any:
        """The field's value in the document, else the core's default."""
        v = self.doc.portfolio.data.get(key)
        return getattr(DEFAULTS, key) if v is None and hasattr(DEFAULTS, key) else v

    def refresh(self) -> None:
        doc = self.doc
        widgets = (self.name, self.appraisal_year, self.price_base_year, self.notes,
                   self.discount_schedule, self.carbon_series, self.energy_series,
                   self.financial_discount_rate, self.financial_ob_share, self.financial_basis,
                   *self.vfm_buttons.values())
        for w in widgets:
            w.blockSignals(True)
        try:
            self.name.setText(str(doc.portfolio.data.get("name") or ""))
            self.name.setPlaceholderText(doc.name)
            year = doc.portfolio.data.get("appraisal_year")
            self.appraisal_year.setValue(int(year) if isinstance(year, (int, float))
                                         else datetime.date.today().year)
            lo, hi = doc.pack.deflator_years
            default = doc.pack.default_price_base_year
            self.price_base_year.setRange(lo - 1, max(hi, default) + 10)
            self.price_base_year.setSpecialValueText(f"The pack's default ({default})")
            base = doc.portfolio.data.get("price_base_year")
            self.price_base_year.setValue(int(base) if isinstance(base, (int, float)) else lo - 1)
            notes = doc.portfolio.data.get("notes")
            if self.notes.toPlainText() != (notes if isinstance(notes, str) else ""):
                self.notes.setPlainText(notes if isinstance(notes, str) else "")
            self.discount_schedule.clear()
            for name in doc.pack.discount_schedules:
                self.discount_schedule.addItem(SCHEDULE_WORDS.get(name, name.capitalize()), name)
            for key in ("discount_schedule", "carbon_series", "energy_series", "financial_basis"):
                box: QComboBox = getattr(self, key)
                box.setCurrentIndex(max(0, box.findData(self._value(key))))
            basis = self._value("vfm_basis")
            for b, button in self.vfm_buttons.items():
                button.setChecked(b == basis)
            for key in ("financial_discount_rate", "financial_ob_share"):
                v = self._value(key)
                getattr(self, key).setValue(float(v) * 100 if isinstance(v, (int, float)) else 0.0)
        finally:
            for w in widgets:
                w.blockSignals(False)
        problems = {p.field: p.message for p in doc.settings_problems()}
        for key, label in self.errors.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)

    # -- editing ----------------------------------------------------------------------
    def _price_base_changed(self, v: int) -> None:
        special = v == self.price_base_year.minimum()
        self.commit("price_base_year", None if special else int(v))

    def commit(self, key: str, value: Any) -> bool:
        """Set ``key`` through the undo stack; a value the core refuses is shown, not set."""
        problems = self.doc.check_setting(key, value)
        error = self.errors[key]
        if problems:
            error.setText("; ".join(p.message for p in problems) + " (not changed)")
            error.setVisible(True)
            return False
        error.setVisible(False)
        self.doc.set_setting(key, value, SETTING_LABELS.get(key))
        return True

    def restore_defaults(self) -> None:
        """The default choices (the core's DEFAULTS), in one undo step."""
        stack = self.doc.undo_stack
        stack.beginMacro("Restore the default portfolio choices")
        for key in ("discount_schedule", "carbon_series", "energy_series", "vfm_basis",
                    "financial_discount_rate", "financial_ob_share", "financial_basis"):
            self.doc.set_setting(key, getattr(DEFAULTS, key), SETTING_LABELS[key])
        stack.endMacro()

