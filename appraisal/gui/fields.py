"""What the editor's fields show and read, and the binding of one input to one project field.

Every number is read by :mod:`appraisal.core.quantities`, the one reader of amounts and
shares (the submission template and the command line use it too): ``1.2m``, ``GBP 1.2m``,
``300 MWh``, ``70%``. The words for codes (fuels, stages, sectors, project types) are the
submission template's (:mod:`appraisal.io.submission_layout`), so that a promoter's
workbook and the officer's editor say the same thing. Codes stay in the JSON.

A :class:`Field` commits what is typed through the document's undo stack: a pause in
typing commits what is typed so far, merged into one undo step with the rest of that
typing; leaving the field ends the step.
"""
from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QWidget)

from ..core.pack import AssumptionPack
from ..core.quantities import ShareReading, format_percent, parse_amount, parse_share
# the template's words for codes, which the editor shows as fields.SECTOR_NAMES and so on
from ..io.submission_layout import (DISCOUNTING_NAMES, FUEL_NAMES, KIND_NAMES,  # noqa: F401
                                    OB_TYPE_NAMES, SECTOR_NAMES, STAGE_NAMES,
                                    VFM_ADJUSTMENT_NAMES)
from .document import get_path

if TYPE_CHECKING:
    from .editor import ProjectEditor

TYPING_PAUSE_MS = 300   # a pause in typing this long updates the results
ERROR_STYLE = "QLineEdit { border: 2px solid #B00020; background: #FDECEE; }"
_SESSIONS = itertools.count(1)

# The areas over which additionality is judged (HCA Additionality Guide, 4th edition 2014,
# chapter 3; ready-reckoner levels in the assumption pack's additionality.csv).
SPATIAL_LEVEL_WORDS = {
    "neighbourhood": ("Neighbourhood", "a few streets, an estate or a ward"),
    "local": ("Local", "one local authority district, such as a city or borough council's area"),
    "sub-regional": ("Sub-regional", "a combined authority, a county or a travel-to-work area"),
    "regional": ("Regional", "the region as a whole, such as the West Midlands"),
}

# Money, energy and counts: the unit :func:`parse_amount` reads each kind of field in
AMOUNT_UNITS = {"money": "GBP", "price": "GBP", "number": "number", "int": "number",
                "year": "number"}


def fuel_words(pack: AssumptionPack, fuel: str) -> str:
    """'natural_gas' -> 'Natural gas (kWh)': the fuel and the unit its quantities are in."""
    name = FUEL_NAMES.get(fuel) or fuel.replace("_", " ").capitalize()
    unit = pack.fuel_units.get(fuel)
    return f"{name} ({unit})" if unit else name


def fuel_reader_unit(pack: AssumptionPack, fuel: str | None) -> str:
    """The unit :func:`parse_amount` reads a quantity of ``fuel`` in: kWh, litre or a bare number."""
    unit = (pack.fuel_units.get(fuel) or "") if fuel else ""
    return {"kwh": "kWh", "litre": "litre", "litres": "litre", "l": "litre"}.get(unit.lower(), "number")


def level_words(level: str) -> str:
    return SPATIAL_LEVEL_WORDS.get(level, (level.replace("-", " ").capitalize(), ""))[0]


def level_tooltip(pack: AssumptionPack) -> str:
    """What each spatial level means for additionality, with the pack's factors."""
    lines = ["The area over which the benefits and jobs are counted. The larger the area, the "
             "less leaks out to people outside it (leakage) and the more is taken from other "
             "activity inside it (displacement). It sets the default additionality factors "
             "(HCA Additionality Guide ready reckoner; the assumption pack's additionality.csv):"]
    for level, factors in pack.additionality.items():
        what = SPATIAL_LEVEL_WORDS.get(level, ("", ""))[1]
        shown = ", ".join(f"{k} {v:g}" if k == "multiplier" else f"{k} {format_percent(v)}"
                          for k, v in factors.items())
        lines.append(f"• {level_words(level)}{': ' + what if what else ''} ({shown})")
    return "\n".join(lines)


def level_item_tooltip(pack: AssumptionPack, level: str) -> str:
    what = SPATIAL_LEVEL_WORDS.get(level, ("", ""))[1]
    factors = pack.additionality.get(level, {})
    shown = ", ".join(f"{k} {v:g}" if k == "multiplier" else f"{k} {format_percent(v)}"
                      for k, v in factors.items())
    return f"{level_words(level)}: {what}. Default factors: {shown}" if what else shown


# -- reading and showing values ---------------------------------------------------------------

def read_value(kind: str, text: str, unit: str = "number") -> tuple[Any, ShareReading | None]:
    """The value a person typed into a field of ``kind``, and for a percentage its reading.

    ``unit`` is the unit an ``energy`` field is read in (kWh, litre). Raises ValueError with
    a message in words.
    """
    if kind == "text":
        return text, None
    if kind == "percent":
        reading = parse_share(text)
        return (None if reading is None else reading.value), reading
    value = parse_amount(text, unit if kind == "energy" else AMOUNT_UNITS.get(kind, "number"))
    if kind in ("int", "year") and value is not None:
        if not float(value).is_integer():
            raise ValueError(f"{text.strip()[:30]!r} is not a whole number")
        value = int(value)
    return value, None


def plain_number(v: float) -> str:
    """1100000 -> '1,100,000'; 0.18 -> '0.18'; no exponent, no float noise."""
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{v:,.0f}"
    return f"{v:,.6f}".rstrip("0").rstrip(".")


def show_value(kind: str, v: Any) -> str:
    """The text a field of ``kind`` shows for the document's value ``v``."""
    if v is None:
        return ""
    if kind == "text":
        return str(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)        # a wrong value in the file, shown as it is for the user to mend
    if kind == "percent":
        return format_percent(float(v))
    if kind == "money":
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if kind in ("int", "year"):
        return str(int(v)) if kind == "year" else f"{int(v):,}" if float(v).is_integer() else str(v)
    return plain_number(float(v))


def share_note(reading: ShareReading | None) -> str:
    """Beside a percentage field: how a bare number below 1 was read, and how to say the other."""
    if reading is None or not reading.ambiguous or reading.alternative is None:
        return ""
    typed = f"{reading.value:g}"
    return f"read as {reading.shown()}; type {typed}% for {typed} per cent"


def parse_number(text: str) -> float | None:
    """An amount as people type it ('1,200,000', '£30k', 'GBP 1.2m'); None for empty text.

    Kept for the pages that read a budget (analysis_pages.py): the reading is
    :func:`appraisal.core.quantities.parse_amount`'s.
    """
    return parse_amount(text, "number")


# -- problems in words ---------------------------------------------------------------------------

_RANGE = re.compile(r"^is (-?[\d,.]+(?:e[+-]?\d+)?); it must be at (most|least) (-?[\d,.]+(?:e[+-]?\d+)?)$")
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_INDEXED = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.(\w+))?$")


def range_in_percent(message: str) -> str:
    """A range problem of a share in per cent: 'is 1.5; it must be at most 1' ->
    '150% is more than 100%'."""
    m = _RANGE.match(message.strip())
    if not m:
        return message
    value, side, bound = (float(m.group(1).replace(",", "")), m.group(2),
                          float(m.group(3).replace(",", "")))
    return f"{format_percent(value)} is {'more' if side == 'most' else 'less'} than " \
           f"{format_percent(bound)}"


class CodeWords:
    """Field paths and codes in the words the editor shows them in.

    ``labels`` maps a field path as the core names it ("lifetime_years",
    "additionality.deadweight") to its label; list and map fields
    ("renewals[0].cost", "capex.2027") are named by their item.
    """

    ITEMS = {"energy_changes": "Energy change", "other_benefits": "Benefit",
             "renewals": "Renewal"}
    PARTS = {"fuel": "fuel", "quantity_per_year": "change a year", "label": "what",
             "kind": "kind", "per_year": "£ a year", "profile": "amounts by year",
             "discounting": "discounting", "cost": "cost", "every_years": "every (years)"}

    def __init__(self, labels: dict[str, str], pack: AssumptionPack) -> None:
        self.labels = dict(labels)
        self.codes: dict[str, str] = {}
        for fuel in pack.fuels():
            self.codes[fuel] = FUEL_NAMES.get(fuel, fuel.replace("_", " "))
        for t in pack.optimism_bias:
            self.codes[t] = OB_TYPE_NAMES.get(t, t.replace("_", " ")).lower()
        for c in pack.categories.values():
            if "_" in c.category:
                self.codes[c.category] = c.label
        for path, label in labels.items():
            if "." not in path:
                self.codes[path] = label[0].lower() + label[1:]

    def path(self, path: str | None) -> str:
        """'lifetime_years' -> 'Lifetime'; 'renewals[0].cost' -> 'Renewal 1, cost'."""
        if not path:
            return "Project"
        if path in self.labels:
            return self.labels[path]
        m = _INDEXED.match(path)
        if m and m.group(1) in self.ITEMS:
            part = self.PARTS.get(m.group(3) or "", (m.group(3) or "").replace("_", " "))
            return f"{self.ITEMS[m.group(1)]} {int(m.group(2)) + 1}" + (f", {part}" if part else "")
        head, _, rest = path.partition(".")
        if head in self.labels:
            key = rest.split(".")[0]
            return f"{self.labels[head]}, {self.codes.get(key, key.replace('_', ' '))}"
        return self.message(path.replace(".", ", "))

    def message(self, text: str) -> str:
        """Codes inside a message in words ('give either energy_changes or ...')."""
        return _SNAKE.sub(lambda m: self.codes.get(m.group(0), m.group(0).replace("_", " ")), text)


# -- the binding of an input to a project field -------------------------------------------

def in_sentence(label: str) -> str:
    """'Opex per operating year' -> 'opex per operating year'; 'VAT ...' keeps its capitals."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


# ---------------------------------------------------------------------------------------
# A field: one input widget bound to one field of the current project
# ---------------------------------------------------------------------------------------

class NotesEdit(QPlainTextEdit):
    """Free text over several lines; Tab moves on, leaving the field commits."""

    editingFinished = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()

    def text(self) -> str:
        return self.toPlainText()


class _Keys(QObject):
    """A field's own undo gives way to the document's once its edit is committed.

    A line edit claims Ctrl+Z and Ctrl+Y for its own typing history, so the window's
    Undo would never run while a field has the focus. When the field shows what the
    document holds (nothing typed since the last commit), the claim is dropped and the
    keys reach the document's undo stack; while something is typed, they undo the typing.
    A new focus also starts a new undo step for the field's typing.
    """

    def __init__(self, field: "Field") -> None:
        super().__init__(field.widget)
        self.field = field

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride:
            f = self.field
            clean = f.widget.text() == f.clean_text
            if event.matches(QKeySequence.StandardKey.Undo) and clean:
                event.ignore()
                return True
            if event.matches(QKeySequence.StandardKey.Redo) and clean and not f.can_redo_typing():
                event.ignore()
                return True
        elif kind == QEvent.Type.FocusIn:
            self.field.session = next(_SESSIONS)
        return False


class Field:
    """Binds one input widget to one field of the current project.

    ``kind``: text, percent, money, price, energy (in ``unit``), number, int, year, choice,
    bool. ``default`` gives the placeholder (what the appraisal uses when the field is
    empty); ``missing`` is what a choice or tick shows when the file leaves the field out.
    """

    def __init__(self, editor: "ProjectEditor", path: tuple, label: str, kind: str,
                 widget: QWidget, *, unit: str = "", default: Callable[[], str] | None = None,
                 calculator: str | None = None, missing: Any = None,
                 reader_unit: str = "number", what: str | None = None) -> None:
        self.editor, self.path, self.label, self.kind, self.widget = editor, path, label, kind, widget
        self.unit, self.default, self.calculator, self.missing = unit, default, calculator, missing
        self.reader_unit = reader_unit
        self.what = what or in_sentence(label)   # the edit in the Edit menu: "Change <what> of P"
        self.note: QLabel | None = None         # beside a percentage: how a number was read
        self.note_value: Any = None
        self.row_layout: QHBoxLayout | None = None   # the field and its unit, in the form
        self.clean_text = ""                    # the text that shows the document's value
        self.session = next(_SESSIONS)          # the typing whose commits make one undo step
        if isinstance(widget, (QLineEdit, NotesEdit)):
            widget.editingFinished.connect(self.commit)
            widget.installEventFilter(_Keys(self))
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(self._typed)
        elif isinstance(widget, QComboBox):
            widget.activated.connect(lambda _i: self.commit())
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(lambda _b: self.commit())

    # -- reading and showing ---------------------------------------------------------
    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        value, reading = read_value(self.kind, w.text(), self.reader_unit)  # type: ignore[attr-defined]
        self._show_note(reading)
        return value

    def text_of(self, v: Any) -> str:
        return "" if isinstance(v, (dict, list)) else show_value(self.kind, v)

    def show(self, project: dict) -> None:
        w = self.widget
        v = get_path(project, self.path)
        w.blockSignals(True)
        try:
            if isinstance(w, QCheckBox):
                w.setChecked(bool(self.missing if v is None else v))
            elif isinstance(w, QComboBox):
                k = w.findData(self.missing if v is None else v)
                w.setCurrentIndex(k if k >= 0 else 0)
            else:
                text = self.text_of(v)
                if w.text() != text:   # type: ignore[attr-defined]
                    if isinstance(w, NotesEdit):
                        w.setPlainText(text)
                    else:
                        w.setText(text)  # type: ignore[attr-defined]
                self.clean_text = text
                if self.default is not None:
                    w.setPlaceholderText(self.default())  # type: ignore[attr-defined]
        finally:
            w.blockSignals(False)
        if self.note is not None and v != self.note_value:
            self.note.hide()
        self.session = next(_SESSIONS)   # the document changed under the field: a new step
        self.mark(None)

    def can_redo_typing(self) -> bool:
        w = self.widget
        if isinstance(w, QLineEdit):
            return w.isRedoAvailable()
        if isinstance(w, NotesEdit):
            return w.document().isRedoAvailable()
        return False

    def _show_note(self, reading) -> None:
        if self.note is None:
            return
        text = share_note(reading)
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self.note_value = reading.value if text else None

    def _typed(self, text: str) -> None:
        """Results follow the typing: a short pause commits the value (merged into one undo
        step with the rest of this typing in this field)."""
        if self.kind == "percent":
            try:
                self.value()       # shows how a bare number below 1 will be read, as it is typed
            except ValueError:
                self._show_note(None)
        self.editor.typing_timer.stop()
        self.editor.typing_field = self
        self.editor.typing_timer.start()

    # -- committing --------------------------------------------------------------------
    def commit(self, typing: bool = False) -> None:
        ed = self.editor
        row = ed.row
        # a field that loses the focus because the refresh hid it (an undo that changes the
        # calculator) has nothing to say about the project now shown
        if row is None or ed._updating:
            return
        if self.calculator is not None and get_path(ed.doc.project(row),
                                                    ("calculator", "type")) != self.calculator:
            return
        if not typing and ed.typing_field is self:
            ed.typing_timer.stop()
            ed.typing_field = None
        try:
            value = self.value()
        except ValueError as exc:
            self.mark(f"{self.label}: {exc}")
            return
        if self.kind == "text" and self.path == ("id",) and not value.strip():
            self.mark("Project ID: an ID is needed")
            return
        problems = ed.doc.check_value(row, self.path, value)
        if problems:
            self.mark("; ".join(f"{self.label}: {ed.problem_words(p.field, p.message)}"
                                for p in problems))
            return
        if not typing and isinstance(self.widget, QLineEdit) and self.kind != "text":
            shown = self.text_of(value)         # the reading, shown back: "0.7" becomes "70%"
            if shown != self.widget.text():
                self.widget.setText(shown)
        ed.committing = self   # the refresh that follows leaves this field's text alone
        try:
            ed.doc.set_field(row, self.path, value, self.what, typing=self.session)
        finally:
            ed.committing = None
        if isinstance(self.widget, (QLineEdit, NotesEdit)):
            self.clean_text = self.widget.text()
        if not typing:
            self.session = next(_SESSIONS)   # the next edit of this field is another undo step
        self.mark(None)

    def mark(self, error: str | None) -> None:
        w = self.widget
        if isinstance(w, QLineEdit):
            w.setStyleSheet(ERROR_STYLE if error else "")
        w.setProperty("error", error or "")
        self.editor.report(self, error)
