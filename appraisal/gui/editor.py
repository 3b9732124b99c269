"""The project editor: the inputs of one project, in sections a user recognises.

Every field shows its unit, a tooltip that defines it and names its source,
and, when it may be left empty, the default the appraisal will use. A wrong
value turns its field red and is not saved (the rest of the form is not
blocked); warnings about the figures are listed amber in the results panel.
Every change goes through the document's undo stack.

The widgets are built once. A commit, an undo or another project only changes what
they show, in place: a field may commit while it still has the keyboard focus or
is still emitting (editingFinished on a focus-out, activated on a choice), so the
refresh that follows must never delete it (issue 9: rebuilding the calculator's
fields under the committing one crashed the application in a real window).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox, QComboBox,
                               QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QScrollArea, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QToolBox, QVBoxLayout, QWidget)

from ..core.calculators import HEATING_FUELS, VEHICLE_FUELS
from ..core.portfolio import SPATIAL_LEVELS
from .document import PortfolioDocument, get_path

TYPING_PAUSE_MS = 300   # a pause in typing this long updates the results
ERROR_STYLE = "QLineEdit { border: 2px solid #B00020; background: #FDECEE; }"
_NUM = re.compile(r"[£,\s]")


@dataclass(frozen=True)
class CalculatorForm:
    """The inputs of one energy calculator (appraisal/core/calculators.py) as the editor asks them."""

    kind: str                                      # the calculator object's "type"
    title: str                                     # the mode's radio button
    inputs: tuple[tuple[str, str, str, str, str], ...]   # input, label, kind, unit, tooltip
    fuels: tuple[str, ...]                          # what the displaced fuel may be
    fuel_use: tuple[str, str, str, str]            # input, label, unit, tooltip: per displaced fuel
    fuel_use_default: str                          # its default's name in the pack, per {fuel}


CALCULATOR_FORMS = (
    CalculatorForm(
        "heat_pumps", "Heat pump calculator",
        (("installs", "Heat pumps installed", "int", "", "Number of homes or buildings"),
         ("heat_demand_kwh_per_install", "Heat demand per install", "number", "kWh a year",
          "Annual heat delivered to each home"),
         ("scop", "Heat pump SCOP", "number", "",
          "Seasonal coefficient of performance: kWh of heat per kWh of electricity")),
        HEATING_FUELS,
        ("displaced_efficiency", "Displaced heating efficiency", "",
         "Seasonal efficiency of the heating replaced"),
        "efficiency_{fuel}"),
    CalculatorForm(
        "ev_charging", "EV charging calculator",
        (("chargers", "Chargers", "int", "", "Number of charge points"),
         ("kwh_per_charger_per_year", "Energy per charger", "number", "kWh a year",
          "Electricity delivered by each charger in a year"),
         ("ev_kwh_per_km", "Electric car use", "number", "kWh per km",
          "Electricity per km at the charger")),
        VEHICLE_FUELS,
        ("ice_litres_per_km", "Displaced car fuel use", "litre per km",
         "Litres of fuel per km of the car replaced"),
        "{fuel}_litres_per_km"),
)


def parse_number(text: str) -> float | None:
    """A number as people type it: '1,200,000', '£30,000', '24%' (a share), '1.2m'."""
    t = _NUM.sub("", text.strip()).lower()
    if t == "":
        return None
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1], 0.01
    elif t.endswith("bn"):
        t, scale = t[:-2], 1e9
    elif t.endswith("m"):
        t, scale = t[:-1], 1e6
    elif t.endswith("k"):
        t, scale = t[:-1], 1e3
    value = float(t) * scale   # ValueError for anything else
    return value


def _show_cell(table: QTableWidget, r: int, c: int, text: str, *, editable: bool = True,
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


class Field:
    """Binds one input widget to one field of the current project."""

    def __init__(self, editor: "ProjectEditor", path: tuple, label: str, kind: str,
                 widget: QWidget, default: Callable[[], str] | None = None,
                 calculator: str | None = None) -> None:
        self.editor, self.path, self.label, self.kind, self.widget = editor, path, label, kind, widget
        self.default = default
        self.calculator = calculator   # the calculator type whose input this is, if any
        if isinstance(widget, QLineEdit):
            widget.editingFinished.connect(self.commit)
            widget.textEdited.connect(self._typed)
        elif isinstance(widget, QComboBox):
            widget.activated.connect(lambda _i: self.commit())
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(lambda _b: self.commit())

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        text = w.text()  # type: ignore[attr-defined]
        if self.kind == "text":
            return text
        v = parse_number(text)
        # in a percentage field a plain number is a percentage: "24" and "24%" mean 24%
        if self.kind == "percent" and v is not None and "%" not in text:
            v = v / 100.0
        if self.kind in ("int", "year") and v is not None:
            if not float(v).is_integer():
                raise ValueError("a whole number is needed")
            v = int(v)
        return v

    def show(self, project: dict) -> None:
        w = self.widget
        v = get_path(project, self.path)
        w.blockSignals(True)
        try:
            if isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QComboBox):
                k = w.findData(v)
                w.setCurrentIndex(k if k >= 0 else 0)
            else:
                w.setText(self._text(v))  # type: ignore[attr-defined]
                if self.default is not None:
                    w.setPlaceholderText(self.default())  # type: ignore[attr-defined]
        finally:
            w.blockSignals(False)
        self.mark(None)

    def _text(self, v: Any) -> str:
        if v is None:
            return ""
        if self.kind == "text":
            return str(v)
        if self.kind == "percent":
            return f"{float(v) * 100:g}%"
        if self.kind == "money":
            return f"{float(v):,.0f}" if float(v).is_integer() else f"{float(v):,.2f}"
        if self.kind in ("int", "year"):
            return str(int(v)) if isinstance(v, (int, float)) else str(v)
        return f"{float(v):,g}" if isinstance(v, (int, float)) else str(v)

    def _typed(self, _text: str) -> None:
        """Results follow the typing: a short pause commits the value (merged into
        one undo step with the rest of the typing in this field)."""
        self.editor.typing_timer.stop()
        self.editor.typing_field = self
        self.editor.typing_timer.start()

    def commit(self, typing: bool = False) -> None:
        row = self.editor.row
        # a field that loses the focus because the refresh hid it (an undo that changes the
        # calculator) has nothing to say about the project now shown
        if row is None or self.editor._updating:
            return
        if self.calculator is not None and get_path(self.editor.doc.project(row),
                                                    ("calculator", "type")) != self.calculator:
            return
        if not typing and self.editor.typing_field is self:
            self.editor.typing_timer.stop()
            self.editor.typing_field = None
        try:
            value = self.value()
        except ValueError:
            self.mark(f"{self.label}: {self.widget.text()!r} is not a number")  # type: ignore[attr-defined]
            return
        if self.kind == "text" and self.path == ("id",) and not value.strip():
            self.mark("Project ID: an ID is needed")
            return
        problems = self.editor.doc.check_value(row, self.path, value)
        if problems:
            self.mark("; ".join(f"{self.label}: {p.message}" for p in problems))
            return
        self.editor.committing = self   # the refresh that follows leaves this field's text alone
        try:
            self.editor.doc.set_field(row, self.path, value, self.label.lower(), typing=True)
        finally:
            self.editor.committing = None
        self.mark(None)

    def mark(self, error: str | None) -> None:
        w = self.widget
        if isinstance(w, QLineEdit):
            w.setStyleSheet(ERROR_STYLE if error else "")
        w.setProperty("error", error or "")
        self.editor.report(self, error)


class YearGrid(QTableWidget):
    """A small table with a row per year; pastes blocks copied from Excel."""

    edited = Signal()

    def __init__(self, headers: list[str], parent=None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(headers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setMinimumHeight(150)
        self.itemChanged.connect(lambda _item: self.edited.emit())

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste(QApplication.clipboard().text())
            return
        if event.matches(QKeySequence.StandardKey.Delete):
            self.blockSignals(True)
            for item in self.selectedItems():
                item.setText("")
            self.blockSignals(False)
            self.edited.emit()
            return
        super().keyPressEvent(event)

    def paste(self, text: str) -> None:
        rows = [r.split("\t") for r in text.replace("\r\n", "\n").rstrip("\n").split("\n") if r != ""]
        r0 = max(self.currentRow(), 0)
        c0 = max(self.currentColumn(), 0)
        self.blockSignals(True)
        for dr, cells in enumerate(rows):
            r = r0 + dr
            if r >= self.rowCount():
                self.insertRow(r)
            for dc, value in enumerate(cells):
                if c0 + dc < self.columnCount():
                    self.setItem(r, c0 + dc, QTableWidgetItem(value.strip()))
        self.blockSignals(False)
        self.edited.emit()

    def cell_text(self, r: int, c: int) -> str:
        item = self.item(r, c)
        return item.text().strip() if item is not None else ""


class ProjectEditor(QWidget):
    """The inputs of the selected project."""

    errorsChanged = Signal(int)

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.row: int | None = None
        self.fields: list[Field] = []
        self.errors: dict[str, str] = {}
        self._updating = False
        self.typing_field: Field | None = None
        self.committing: Field | None = None
        self.typing_timer = QTimer(self)
        self.typing_timer.setSingleShot(True)
        self.typing_timer.setInterval(TYPING_PAUSE_MS)
        self.typing_timer.timeout.connect(self._typing_paused)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("No project selected")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        outer.addWidget(self.title)
        self.toolbox = QToolBox()
        outer.addWidget(self.toolbox, 1)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #B00020;")
        outer.addWidget(self.error_label)
        self._build()
        doc.projectChanged.connect(self._project_changed)
        doc.structureChanged.connect(self._structure_changed)
        doc.settingsChanged.connect(self.refresh)
        doc.packChanged.connect(self._pack_changed)
        self.setEnabled(False)

    def _typing_paused(self) -> None:
        field, self.typing_field = self.typing_field, None
        if field is not None and field.kind != "text":   # names and ids commit when done
            field.commit(typing=True)

    # -- building -------------------------------------------------------------
    def _section(self, title: str) -> QFormLayout:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.toolbox.addItem(scroll, title)
        return form

    def _line(self, form: QFormLayout, label: str, path: tuple, kind: str, unit: str, tip: str,
              default: Callable[[], str] | None = None, calculator: str | None = None) -> Field:
        edit = QLineEdit()
        edit.setToolTip(tip)
        edit.setAccessibleName(label)
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        if unit:
            u = QLabel(unit)
            u.setMinimumWidth(70)
            u.setStyleSheet("color: #555;")
            row.addWidget(u)
        lab = QLabel(label)
        lab.setToolTip(tip)
        lab.setBuddy(edit)
        form.addRow(lab, row)
        f = Field(self, path, label, kind, edit, default, calculator)
        self.fields.append(f)
        return f

    def _combo(self, form: QFormLayout, label: str, path: tuple, items: list[tuple[str, Any]],
               tip: str, calculator: str | None = None) -> Field:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.setToolTip(tip)
        box.setAccessibleName(label)
        lab = QLabel(label)
        lab.setToolTip(tip)
        lab.setBuddy(box)
        form.addRow(lab, box)
        f = Field(self, path, label, "combo", box, calculator=calculator)
        self.fields.append(f)
        return f

    def _check(self, form: QFormLayout, label: str, path: tuple, tip: str) -> Field:
        box = QCheckBox(label)
        box.setToolTip(tip)
        form.addRow("", box)
        f = Field(self, path, label, "bool", box)
        self.fields.append(f)
        return f

    def _build(self) -> None:
        pack = self.doc.pack
        # -- details
        form = self._section("Details")
        self._line(form, "Project ID", ("id",), "text", "", "A short code, unique in the portfolio")
        self._line(form, "Name", ("name",), "text", "", "The project's name as the board knows it")
        self.category = self._combo(form, "Category", ("category",),
                                    [(c.label, c.category) for c in pack.categories.values()],
                                    "Sets the default optimism bias, jobs per £1m and gap sector "
                                    "(categories.csv of the assumption pack)")
        self._line(form, "Area", ("area",), "text", "", "Local authority or area")
        self._combo(form, "Spatial level", ("spatial_level",),
                    [(s, s) for s in SPATIAL_LEVELS],
                    "The area over which additionality is judged; sets the default factors "
                    "(HCA Additionality Guide ready reckoner)")
        self._line(form, "Price year of the money inputs", ("price_year",), "year", "",
                   "The year whose prices the amounts are in; rebased with the HM Treasury GDP "
                   "deflator", lambda: f"the portfolio's price base ({self._base_year()})")
        # -- capex and funding
        form = self._section("Capex and public funding")
        self.grid = YearGrid(["Year", "Capex (£)", "Public funding (£)"])
        self.grid.setToolTip("Capital spend and public funding by calendar year, at the project's "
                             "price year. Paste from Excel with Ctrl+V. Leave public funding empty "
                             "to use the share below.")
        self.grid.edited.connect(self._commit_grid)
        buttons = QHBoxLayout()
        add = QPushButton("Add year")
        add.clicked.connect(self._add_year)
        remove = QPushButton("Remove year")
        remove.clicked.connect(self._remove_year)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        form.addRow(self.grid)
        form.addRow(buttons)
        self._line(form, "Public funding share of capex", ("public_funding_share",), "percent", "%",
                   "The share of capex paid from public funds, used when public funding is not "
                   "given by year", lambda: "all capex (100%)")
        # -- operation and benefits
        form = self._section("Operation, opex and other benefits")
        self._line(form, "Operating start", ("operating_start",), "year", "year",
                   "First year of operation", lambda: "the year after the last capex year")
        self._line(form, "Lifetime", ("lifetime_years",), "int", "years",
                   "Years of operation, from the operating start")
        self._line(form, "Opex per operating year", ("opex_per_year",), "money", "£ a year",
                   "Operating and maintenance cost in each operating year", lambda: "0")
        self._check(form, "Energy bill savings go to the promoter", ("bill_savings_to_promoter",),
                    "When ticked, the energy cost saving counts in the promoter's cash flow "
                    "(for example a council that pays its buildings' bills)")
        self.benefits = QTableWidget(0, 3)
        self.benefits.setHorizontalHeaderLabels(["Benefit", "Kind", "£ a year"])
        self.benefits.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.benefits.verticalHeader().setVisible(False)
        self.benefits.setToolTip("Economic: a social benefit (health, time, air quality) in the "
                                 "economic case. Revenue: cash to the promoter (fares, fees) in the "
                                 "financial case only.")
        self.benefits.itemChanged.connect(lambda _i: self._commit_benefits())
        self.benefits.setMinimumHeight(120)
        form.addRow(QLabel("Other benefit streams"))
        form.addRow(self.benefits)
        b = QHBoxLayout()
        add = QPushButton("Add benefit")
        add.clicked.connect(self._add_benefit)
        remove = QPushButton("Remove benefit")
        remove.clicked.connect(self._remove_benefit)
        b.addWidget(add)
        b.addWidget(remove)
        b.addStretch(1)
        form.addRow(b)
        # -- energy and carbon
        form = self._section("Energy and carbon")
        self.mode_group = QButtonGroup(self)
        modes = QVBoxLayout()
        for k, text in enumerate(["Enter the energy changes"] + [c.title for c in CALCULATOR_FORMS]):
            rb = QRadioButton(text)
            self.mode_group.addButton(rb, k)
            modes.addWidget(rb)
        self.mode_group.idClicked.connect(self._mode_changed)
        form.addRow(modes)
        self.energy = QTableWidget(0, 2)
        self.energy.setHorizontalHeaderLabels(["Fuel", "Change per operating year"])
        self.energy.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.energy.verticalHeader().setVisible(False)
        self.energy.setToolTip("Annual change in use of each fuel in its unit (kWh, or litres of "
                               "petrol and diesel); negative = less used")
        self.energy.itemChanged.connect(lambda _i: self._commit_energy())
        self.energy.setMinimumHeight(120)
        self.energy_buttons = QWidget()
        eb = QHBoxLayout(self.energy_buttons)
        eb.setContentsMargins(0, 0, 0, 0)
        add = QPushButton("Add fuel")
        add.clicked.connect(self._add_fuel)
        remove = QPushButton("Remove fuel")
        remove.clicked.connect(self._remove_fuel)
        eb.addWidget(add)
        eb.addWidget(remove)
        eb.addStretch(1)
        form.addRow(self.energy)
        form.addRow(self.energy_buttons)
        # a page per calculator, each built once: choosing a calculator shows its page
        self.calc_pages = QStackedWidget()
        self.calc_pages.addWidget(QWidget())     # mode 0: the energy changes table above
        self.calc_fields: dict[str, list[Field]] = {}
        self._calc_tips: list[tuple[Field, str, Callable[[], str]]] = []
        for spec in CALCULATOR_FORMS:
            page = QWidget()
            calc_form = QFormLayout(page)
            calc_form.setContentsMargins(0, 0, 0, 0)
            calc_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            self.calc_fields[spec.kind] = self._build_calculator(calc_form, spec)
            self.calc_pages.addWidget(page)
        form.addRow(self.calc_pages)
        # -- costs and risk
        form = self._section("Optimism bias")
        self._line(form, "Optimism bias", ("optimism_bias",), "percent", "%",
                   "Uplift on capex for the systematic tendency to underestimate costs (HM Treasury "
                   "Supplementary Green Book Guidance: Optimism Bias)", self._default_ob)
        self._line(form, "Mitigation of the upper bound", ("ob_mitigation",), "percent", "%",
                   "Share of the upper bound removed by evidence of risk management", lambda: "0%")
        self._combo(form, "Project type", ("ob_project_type",),
                    [("The category's type", None)] + [(t.replace("_", " "), t)
                                                        for t in pack.optimism_bias],
                    "The project type whose upper bound applies (optimism_bias.csv)")
        # -- jobs
        form = self._section("Jobs and additionality")
        self._line(form, "Construction job-years per £1m", ("job_years_per_million",), "number",
                   "job-years", "Job-years of construction work per £1m of capex",
                   lambda: f"{self._category().job_years_per_million:g} (category default)")
        self._line(form, "Operational jobs", ("operational_fte",), "number", "FTE",
                   "Permanent jobs to run the project", lambda: "0")
        for factor, tip in (("deadweight", "Share of the outcome that would happen anyway"),
                            ("leakage", "Share of the benefit going to people outside the area"),
                            ("displacement", "Share of the outcome taken from other activity in "
                                             "the area"),
                            ("substitution", "Share of the outcome from firms substituting one "
                                             "activity for another"),
                            ("multiplier", "Further jobs through supply chains and spending "
                                           "(1 = none)")):
            self._line(form, factor.capitalize(), ("additionality", factor),
                       "number" if factor == "multiplier" else "percent",
                       "×" if factor == "multiplier" else "%",
                       f"{tip} (HCA Additionality Guide)", self._default_add(factor))
        # -- readiness
        form = self._section("Readiness")
        for flag, text in (("planning_consent", "Planning consent granted (25 points)"),
                           ("site_secured", "Site secured (20 points)"),
                           ("procurement_ready", "Procurement ready (20 points)"),
                           ("match_funding_confirmed", "Match funding confirmed (20 points)")):
            self._check(form, text, ("readiness", flag), "Counts towards the readiness score "
                                                         "(METHOD.md 7)")
        self._line(form, "Months to start", ("readiness", "months_to_start"), "number", "months",
                   "15 points when at most 6, 8 when at most 12; shovel-ready needs a score of 80 "
                   "or more and a start within 12 months")

    # -- defaults shown as placeholders ------------------------------------------
    def _project(self) -> dict:
        return self.doc.project(self.row) if self.row is not None else {}

    def _category(self):
        return self.doc.pack.categories.get(self._project().get("category"),
                                            next(iter(self.doc.pack.categories.values())))

    def _base_year(self) -> int:
        return int(self.doc.setting("price_base_year", self.doc.pack.default_price_base_year))

    def _default_ob(self) -> str:
        from ..core.appraise import blended_upper_bound
        p = self._project()
        t = p.get("ob_project_type") or self._category().ob_project_type
        upper = blended_upper_bound(t, self.doc.pack)
        mit = p.get("ob_mitigation") or 0.0
        return f"{upper * (1 - mit) * 100:g}% ({t if isinstance(t, str) else 'mix'} upper bound" \
               + (f", less {mit:.0%} mitigation)" if mit else ")")

    def _default_add(self, factor: str) -> Callable[[], str]:
        def text() -> str:
            level = self._project().get("spatial_level") or "sub-regional"
            v = self.doc.pack.additionality.get(level, {}).get(factor)
            if v is None:
                return ""
            return (f"{v:g}" if factor == "multiplier" else f"{v * 100:g}%") + f" ({level} default)"
        return text

    # -- showing ------------------------------------------------------------------
    def show_project(self, row: int | None) -> None:
        self.row = row if row is not None and 0 <= row < len(self.doc.projects) else None
        self.errors.clear()
        for f in self.fields:   # wrong values typed for another project are dropped
            f.widget.setProperty("error", "")
        self.refresh()

    def _project_changed(self, row: int) -> None:
        if row == self.row:
            self.refresh()

    def _structure_changed(self) -> None:
        if self.row is not None and self.row >= len(self.doc.projects):
            self.row = None
        self.refresh()

    def _pack_changed(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.setEnabled(self.row is not None)
        if self.row is None:
            self.title.setText("No project selected")
            return
        self._updating = True
        try:
            p = self.doc.project(self.row)
            self.title.setText(f"{p.get('id', '')}: {p.get('name', '')}")
            for f in self.fields:
                # a field being typed in, or holding a wrong value the user must see,
                # keeps its text; the others show the document
                if f is not self.committing and not f.widget.property("error"):
                    f.show(p)
            self._show_grid(p)
            self._show_benefits(p)
            self._show_energy(p)
        finally:
            self._updating = False
        self._show_problems()

    def _show_problems(self) -> None:
        problems = self.doc.problems(self.row) if self.row is not None else []
        lines = [f"{e}" for e in self.errors.values() if e]
        lines += [f"{p.field}: {p.message}" for p in problems
                  if not any(p.field and p.field in e for e in self.errors.values())]
        self.error_label.setText("\n".join(f"✖ {l}" for l in lines[:6]))
        self.errorsChanged.emit(len(lines))

    def report(self, field: Field, error: str | None) -> None:
        key = ".".join(map(str, field.path))
        if error:
            self.errors[key] = error
        else:
            self.errors.pop(key, None)
        if not self._updating:
            self._show_problems()

    # -- capex grid ------------------------------------------------------------------
    def _show_grid(self, p: dict) -> None:
        capex = p.get("capex") or {}
        pf = p.get("public_funding") or {}
        years = sorted({*capex, *pf}, key=lambda y: str(y))
        g = self.grid
        g.blockSignals(True)
        try:
            if g.rowCount() != len(years):
                g.setRowCount(len(years))
            for r, y in enumerate(years):
                c, v = capex.get(y), pf.get(y)
                _show_cell(g, r, 0, str(y))
                _show_cell(g, r, 1, "" if c is None else f"{c:,.0f}")
                _show_cell(g, r, 2, "" if v is None else f"{v:,.0f}")
        finally:
            g.blockSignals(False)

    def _add_year(self) -> None:
        years = [int(t) for r in range(self.grid.rowCount()) if (t := self.grid.cell_text(r, 0)).isdigit()]
        nxt = (max(years) + 1) if years else int(self.doc.setting("appraisal_year", 2025))
        r = self.grid.rowCount()
        self.grid.blockSignals(True)
        self.grid.insertRow(r)
        self.grid.setItem(r, 0, QTableWidgetItem(str(nxt)))
        self.grid.setItem(r, 1, QTableWidgetItem("0"))
        self.grid.blockSignals(False)
        self._commit_grid()

    def _remove_year(self) -> None:
        r = self.grid.currentRow()
        if r >= 0:
            self.grid.removeRow(r)
            self._commit_grid()

    def _commit_grid(self) -> None:
        if self._updating or self.row is None:
            return
        capex: dict[str, float] = {}
        pf: dict[str, float] = {}
        errors = []
        for r in range(self.grid.rowCount()):
            y, c, f = (self.grid.cell_text(r, k) for k in range(3))
            if not y and not c and not f:
                continue
            if not re.fullmatch(r"\d{4}", y):
                errors.append(f"row {r + 1}: the year {y!r} is not a calendar year")
                continue
            try:
                if c:
                    capex[y] = capex.get(y, 0.0) + parse_number(c)  # type: ignore[operator]
                if f:
                    pf[y] = pf.get(y, 0.0) + parse_number(f)  # type: ignore[operator]
            except (ValueError, TypeError):
                errors.append(f"row {r + 1}: an amount is not a number")
        project = self.doc.project(self.row)
        new_pf = pf or None
        problems = errors or [f"{p.field}: {p.message}" for p in
                              self.doc.check_value(self.row, ("capex",), capex)
                              + (self.doc.check_value(self.row, ("public_funding",), new_pf)
                                 if new_pf else [])]
        self.grid.setStyleSheet("QTableWidget { border: 2px solid #B00020; }" if problems else "")
        self.errors["capex"] = "Capex and funding: " + "; ".join(problems) if problems else ""
        if not problems:
            self.errors.pop("capex", None)
            stack = self.doc.undo_stack
            pid = project.get("id")
            if project.get("capex") != capex or project.get("public_funding") != new_pf:
                stack.beginMacro(f"Change capex and funding of {pid}")
                self.doc.set_field(self.row, ("capex",), capex, "capex")
                self.doc.set_field(self.row, ("public_funding",), new_pf, "public funding")
                stack.endMacro()
        self._show_problems()

    # -- benefits ------------------------------------------------------------------------
    def _show_benefits(self, p: dict) -> None:
        streams = p.get("other_benefits") or []
        t = self.benefits
        t.blockSignals(True)
        try:
            if t.rowCount() != len(streams):
                t.setRowCount(len(streams))
            for r, s in enumerate(streams):
                s = s if isinstance(s, dict) else {}
                _show_cell(t, r, 0, str(s.get("label", "")))
                kind = t.cellWidget(r, 1)
                if not isinstance(kind, QComboBox):
                    kind = QComboBox()
                    kind.addItem("economic", "economic")
                    kind.addItem("revenue", "revenue")
                    kind.setAccessibleName(f"Kind of benefit {r + 1}")
                    kind.activated.connect(lambda _i: self._commit_benefits())
                    t.setCellWidget(r, 1, kind)
                kind.setCurrentIndex(0 if s.get("kind", "economic") == "economic" else 1)
                if s.get("profile") is not None:
                    _show_cell(t, r, 2, f"by year ({len(s['profile'])} years)", editable=False,
                               tip="This stream gives amounts by year; edit them in the portfolio "
                                   "file or a submission workbook")
                else:
                    v = s.get("per_year")
                    _show_cell(t, r, 2, "" if v is None else f"{v:,.0f}")
        finally:
            t.blockSignals(False)

    def _add_benefit(self) -> None:
        if self.row is None:
            return
        streams = list(self.doc.project(self.row).get("other_benefits") or [])
        streams.append({"label": "New benefit", "kind": "economic", "per_year": 0})
        self.doc.set_field(self.row, ("other_benefits",), streams, "other benefits")

    def _remove_benefit(self) -> None:
        r = self.benefits.currentRow()
        if self.row is None or r < 0:
            return
        streams = list(self.doc.project(self.row).get("other_benefits") or [])
        if r < len(streams):
            del streams[r]
            self.doc.set_field(self.row, ("other_benefits",), streams, "other benefits")

    def _commit_benefits(self) -> None:
        if self._updating or self.row is None:
            return
        old = self.doc.project(self.row).get("other_benefits") or []
        streams = []
        problems = []
        t = self.benefits
        for r in range(t.rowCount()):
            base = dict(old[r]) if r < len(old) and isinstance(old[r], dict) else {}
            base["label"] = t.item(r, 0).text() if t.item(r, 0) else ""
            box = t.cellWidget(r, 1)
            base["kind"] = box.currentData() if isinstance(box, QComboBox) else "economic"
            if base.get("profile") is None:
                text = t.item(r, 2).text() if t.item(r, 2) else ""
                try:
                    base["per_year"] = parse_number(text) or 0.0
                except ValueError:
                    problems.append(f"benefit {r + 1}: {text!r} is not a number")
            streams.append(base)
        problems += [f"{p.field}: {p.message}" for p in
                     self.doc.check_value(self.row, ("other_benefits",), streams)]
        if problems:
            self.errors["other_benefits"] = "Other benefits: " + "; ".join(problems)
        else:
            self.errors.pop("other_benefits", None)
            self.doc.set_field(self.row, ("other_benefits",), streams, "other benefits")
        self._show_problems()

    # -- energy ----------------------------------------------------------------------------
    def _build_calculator(self, form: QFormLayout, spec: CalculatorForm) -> list[Field]:
        """The fields of one calculator, the pack's defaults as their placeholders."""
        def pack_default(key: Callable[[], str]) -> Callable[[], str]:
            def text() -> str:
                found = self.doc.pack.calculator_defaults.get(spec.kind, {}).get(key())
                return f"{found[0]:g} (pack default)" if found else ""
            return text

        def fuel_use_key() -> str:   # the default follows the fuel chosen
            calc = self._project().get("calculator")
            fuel = calc.get("displaced_fuel") if isinstance(calc, dict) else None
            return spec.fuel_use_default.format(fuel=fuel if fuel in spec.fuels else spec.fuels[0])

        fields = []
        for name, label, kind, unit, tip in spec.inputs:
            key = (lambda name=name: name)
            fields.append(self._line(form, label, ("calculator", name), kind, unit, tip,
                                     pack_default(key), spec.kind))
            self._calc_tips.append((fields[-1], tip, key))
        fields.append(self._combo(form, "Displaced fuel", ("calculator", "displaced_fuel"),
                                  [(f, f) for f in spec.fuels], "The fuel the project replaces",
                                  spec.kind))
        name, label, unit, tip = spec.fuel_use
        fields.append(self._line(form, label, ("calculator", name), "number", unit, tip,
                                 pack_default(fuel_use_key), spec.kind))
        self._calc_tips.append((fields[-1], tip, fuel_use_key))
        return fields

    def _show_energy(self, p: dict) -> None:
        calc = p.get("calculator")
        kinds = [c.kind for c in CALCULATOR_FORMS]
        kind = calc.get("type") if isinstance(calc, dict) else None
        mode = kinds.index(kind) + 1 if kind in kinds else 0
        self.mode_group.button(mode).setChecked(True)
        self.energy.setVisible(mode == 0)
        self.energy_buttons.setVisible(mode == 0)
        self.calc_pages.setCurrentIndex(mode)
        self.calc_pages.setVisible(mode != 0)
        self._show_energy_changes(p.get("energy_changes") or [])
        for f in self.fields:   # a wrong value typed in a calculator no longer used is dropped
            if f.calculator not in (None, kind) and f.widget.property("error"):
                f.mark(None)
                f.show(p)
        if mode:
            # the fields themselves were shown with the others; their tooltips name the
            # source of the pack's defaults, which follow the pack and the fuel chosen
            defaults = self.doc.pack.calculator_defaults.get(kind, {})
            for f, tip, key in self._calc_tips:
                if f.calculator == kind:
                    src = defaults.get(key(), (None, None, ""))[2]
                    f.widget.setToolTip(tip + (f"\nDefault's source: {src}" if src else ""))

    def _show_energy_changes(self, changes: list) -> None:
        t = self.energy
        fuels = self.doc.pack.fuels()
        t.blockSignals(True)
        try:
            if t.rowCount() != len(changes):
                t.setRowCount(len(changes))
            for r, ch in enumerate(changes):
                ch = ch if isinstance(ch, dict) else {}
                box = t.cellWidget(r, 0)
                if not isinstance(box, QComboBox):
                    box = QComboBox()
                    box.setAccessibleName(f"Fuel {r + 1}")
                    box.activated.connect(lambda _i: self._commit_energy())
                    t.setCellWidget(r, 0, box)
                if [box.itemData(i) for i in range(box.count())] != list(fuels):   # a new pack
                    box.clear()
                    for f in fuels:
                        box.addItem(f"{f} ({self.doc.pack.fuel_units[f]})", f)
                box.setCurrentIndex(max(box.findData(ch.get("fuel")), 0))
                q = ch.get("quantity_per_year")
                _show_cell(t, r, 1, "" if q is None else f"{q:,.0f}")
        finally:
            t.blockSignals(False)

    def _mode_changed(self, mode: int) -> None:
        if self._updating or self.row is None:
            return
        p = self.doc.project(self.row)
        stack = self.doc.undo_stack
        pid = p.get("id")
        if mode == 0:
            if p.get("calculator") is None:
                return
            stack.beginMacro(f"Use energy changes for {pid}")
            self.doc.set_field(self.row, ("calculator",), None, "calculator")
            stack.endMacro()
        else:
            spec = CALCULATOR_FORMS[mode - 1]
            kind = spec.kind
            if isinstance(p.get("calculator"), dict) and p["calculator"].get("type") == kind:
                return
            start = {"type": kind, spec.inputs[0][0]: 0}
            stack.beginMacro(f"Use the {kind.replace('_', ' ')} calculator for {pid}")
            self.doc.set_field(self.row, ("energy_changes",), [], "energy changes")
            self.doc.set_field(self.row, ("calculator",), start, "calculator")
            stack.endMacro()
        self.refresh()

    def _add_fuel(self) -> None:
        if self.row is None:
            return
        changes = list(self.doc.project(self.row).get("energy_changes") or [])
        changes.append({"fuel": "grid_electricity", "quantity_per_year": 0})
        self.doc.set_field(self.row, ("energy_changes",), changes, "energy changes")

    def _remove_fuel(self) -> None:
        r = self.energy.currentRow()
        if self.row is None or r < 0:
            return
        changes = list(self.doc.project(self.row).get("energy_changes") or [])
        if r < len(changes):
            del changes[r]
            self.doc.set_field(self.row, ("energy_changes",), changes, "energy changes")

    def _commit_energy(self) -> None:
        if self._updating or self.row is None:
            return
        changes, problems = [], []
        t = self.energy
        for r in range(t.rowCount()):
            box = t.cellWidget(r, 0)
            text = t.item(r, 1).text() if t.item(r, 1) else ""
            try:
                q = parse_number(text) or 0.0
            except ValueError:
                problems.append(f"fuel {r + 1}: {text!r} is not a number")
                continue
            changes.append({"fuel": box.currentData() if isinstance(box, QComboBox) else "",
                            "quantity_per_year": q})
        problems += [f"{p.field}: {p.message}" for p in
                     self.doc.check_value(self.row, ("energy_changes",), changes)]
        if problems:
            self.errors["energy_changes"] = "Energy changes: " + "; ".join(problems)
        else:
            self.errors.pop("energy_changes", None)
            self.doc.set_field(self.row, ("energy_changes",), changes, "energy changes")
        self._show_problems()

