"""The project editor: every input of one project, in sections a user recognises.

Every field shows its unit, a tooltip that defines it and names its source, and,
when it may be left empty, the default the appraisal will use. A wrong value turns
its field red and is not saved (the rest of the form is not blocked); warnings about
the figures are listed amber in the results panel. Every change goes through the
document's undo stack. Codes (fuels, stages, sectors) are shown in words; numbers
are read by :mod:`appraisal.core.quantities` (:mod:`.fields`).

The editor is one scroll area of sections that open and close from the keyboard
(Space, Return or the arrow keys on a section's heading); Tab goes through every
input from top to bottom. Ctrl+Z and Ctrl+Y undo and redo the document from any
field once its edit is committed.

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

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QScrollArea, QSizePolicy, QStackedWidget, QToolButton,
                               QVBoxLayout, QWidget)

from ..core.appraise import blended_upper_bound, ob_terms
from ..core.calculators import HEATING_FUELS, VEHICLE_FUELS
from ..core.pack import ENERGY_SECTORS
from ..core.portfolio import MAX_TEXT, parse_project
from ..core.quantities import format_percent
from ..core.wording import shovel_ready_rule
from ..io.submission_layout import NOTES_LIMIT
from . import fields as words
from .document import PortfolioDocument
from .editor_tables import EditorTable, TableInputs, YearGrid
from .fields import ERROR_STYLE, TYPING_PAUSE_MS, Field, NotesEdit
from .fields import parse_number  # noqa: F401 - the name other pages import from here
from .plain import plain_tip

__all__ = ["ERROR_STYLE", "TYPING_PAUSE_MS", "Field", "ProjectEditor", "parse_number"]
FOCUS_COLOUR = "#1F6FD0"
# A visible focus for every kind of control (WCAG 2.4.7): a blue frame, or a tint where a
# frame would hide the control's own drawing.
FOCUS_STYLE = f"""
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QAbstractItemView:focus {{
    border: 2px solid {FOCUS_COLOUR}; border-radius: 2px; }}
QCheckBox:focus, QRadioButton:focus {{ background: #DCEBFA; border-radius: 2px; }}
QPushButton:focus {{ border: 2px solid {FOCUS_COLOUR}; border-radius: 3px; padding: 3px 10px;
    background: #EEF5FD; }}
QToolButton[section="true"] {{ text-align: left; font-weight: 600; padding: 4px 2px;
    border: 1px solid #C8CDD3; border-radius: 2px; background: #F0F2F5; }}
QToolButton[section="true"]:checked {{ background: #E3E8EE; }}
QToolButton:focus, QToolButton[section="true"]:focus {{ border: 2px solid {FOCUS_COLOUR};
    background: #DCEBFA; }}
"""


@dataclass(frozen=True)
class CalculatorForm:
    """The inputs of one energy calculator (appraisal/core/calculators.py) as the editor asks them."""

    kind: str                                      # the calculator object's "type"
    title: str                                     # the mode's radio button
    inputs: tuple[tuple[str, str, str, str, str], ...]   # input, label, kind, unit, tooltip
    fuels: tuple[str, ...]                          # what the displaced fuel may be
    fuel_use: tuple[str, str, str, str, str]       # input, label, kind, unit, tooltip: per fuel
    fuel_use_default: str                          # its default's name in the pack, per {fuel}


CALCULATOR_FORMS = (
    CalculatorForm(
        "heat_pumps", "Heat pump calculator",
        (("installs", "Heat pumps installed", "int", "", "Number of homes or buildings"),
         ("heat_demand_kwh_per_install", "Heat demand per install", "energy", "kWh a year",
          "Annual heat delivered to each home (300 MWh and 0.3 GWh are read too)"),
         ("scop", "Heat pump SCOP", "number", "",
          "Seasonal coefficient of performance: kWh of heat per kWh of electricity")),
        HEATING_FUELS,
        ("displaced_efficiency", "Displaced heating efficiency", "percent", "%",
         "Seasonal efficiency of the heating replaced: heat out per fuel in"),
        "efficiency_{fuel}"),
    CalculatorForm(
        "ev_charging", "EV charging calculator",
        (("chargers", "Chargers", "int", "", "Number of charge points"),
         ("kwh_per_charger_per_year", "Energy per charger", "energy", "kWh a year",
          "Electricity delivered by each charger in a year"),
         ("ev_kwh_per_km", "Electric car use", "number", "kWh per km",
          "Electricity per km at the charger")),
        VEHICLE_FUELS,
        ("ice_litres_per_km", "Displaced car fuel use", "number", "litre per km",
         "Litres of fuel per km of the car replaced"),
        "{fuel}_litres_per_km"),
)

OB_TIP = ("Uplift on capex for the systematic tendency to underestimate costs (HM Treasury "
          "Supplementary Green Book Guidance: Optimism Bias; METHOD.md 3). Leave empty for the "
          "upper bound of the project type (optimism_bias.csv), less the mitigation.")


# ---------------------------------------------------------------------------------------
# Sections that open and close from the keyboard
# ---------------------------------------------------------------------------------------

class SectionButton(QToolButton):
    """A section's heading: Space or Return opens or closes it, Right opens, Left closes."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setText(title)
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setArrowType(Qt.ArrowType.RightArrow)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setProperty("section", True)
        self.setAccessibleName(title)
        self.setAccessibleDescription("Section: Space or Return opens and closes it")
        self.setToolTip(f"{title}: click, or press Space or Return, to open or close")
        self.toggled.connect(lambda on: self.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow))

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.toggle()
        elif key == Qt.Key.Key_Right:
            self.setChecked(True)
        elif key == Qt.Key.Key_Left:
            self.setChecked(False)
        else:
            super().keyPressEvent(event)


class Section(QWidget):
    """A heading and the form under it, shown while the section is open."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        self.button = SectionButton(title)
        self.body = QWidget()
        self.body.setAccessibleName(title)
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(6, 4, 2, 6)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.addWidget(self.button)
        layout.addWidget(self.body)
        self.body.setVisible(False)
        self.button.toggled.connect(self.body.setVisible)

    def set_open(self, open_: bool) -> None:
        self.button.setChecked(open_)

    def is_open(self) -> bool:
        return self.button.isChecked()


# ---------------------------------------------------------------------------------------
# The editor
# ---------------------------------------------------------------------------------------

class ProjectEditor(TableInputs, QWidget):
    """The inputs of the selected project."""

    errorsChanged = Signal(int)

    def __init__(self, doc: PortfolioDocument, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.row: int | None = None
        self.fields: list[Field] = []
        self.sections: list[Section] = []
        self.errors: dict[str, str] = {}
        self._updating = False
        self.typing_field: Field | None = None
        self.committing: Field | None = None
        self.typing_timer = QTimer(self)
        self.typing_timer.setSingleShot(True)
        self.typing_timer.setInterval(TYPING_PAUSE_MS)
        self.typing_timer.timeout.connect(self._typing_paused)
        self.setStyleSheet(FOCUS_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("No project selected")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # Tab goes to the inputs
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        page = QWidget()
        self._column = QVBoxLayout(page)
        self._column.setContentsMargins(0, 0, 4, 0)
        self._column.setSpacing(2)
        self.scroll.setWidget(page)
        outer.addWidget(self.scroll, 1)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #B00020;")
        outer.addWidget(self.error_label)
        self._build()
        self._show_readiness_points()
        self._column.addStretch(1)
        self.sections[0].set_open(True)
        self._words = words.CodeWords({".".join(map(str, f.path)): f.label for f in self.fields}
                                      | self._table_words(), doc.pack)
        # Ctrl+Y (where the platform's Redo is another key) is the main window's Redo
        # action's second shortcut: a shortcut of the editor's own would make it ambiguous
        doc.projectChanged.connect(self._project_changed)
        doc.structureChanged.connect(self._structure_changed)
        doc.settingsChanged.connect(self.refresh)
        doc.packChanged.connect(self._pack_changed)
        self.setEnabled(False)

    def _typing_paused(self) -> None:
        field, self.typing_field = self.typing_field, None
        if field is not None and field.kind != "text":   # names and ids commit when done
            field.commit(typing=True)

    # -- sections ------------------------------------------------------------------------
    def _section(self, title: str) -> QFormLayout:
        s = Section(title)
        self._column.addWidget(s)
        self.sections.append(s)
        return s.form

    def section(self, title: str) -> Section:
        (s,) = [s for s in self.sections if s.title == title]
        return s

    def open_section(self, title: str) -> Section:
        """Open a section and scroll to it."""
        s = self.section(title)
        s.set_open(True)
        # lay the opened section out now: the scroll goes to where it is, not where it was
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll.ensureWidgetVisible(s.button, 0, 0)
        return s

    def tables(self) -> list[EditorTable]:
        return [self.grid, self.renewals, self.benefits, self.energy, self.car_km_grid,
                self.tariffs]

    # -- building blocks -------------------------------------------------------------------
    def _line(self, form: QFormLayout, label: str, path: tuple, kind: str, unit: str, tip: str,
              default: Callable[[], str] | None = None, calculator: str | None = None,
              reader_unit: str = "number", shown: str | None = None) -> Field:
        """A line edit with its unit; ``shown`` is a shorter label where the form's context
        says the rest (``label`` names the field to a screen reader and in messages)."""
        edit = QLineEdit()
        edit.setToolTip(tip)
        edit.setAccessibleName(label)
        if kind == "text" and path != ("id",):
            edit.setMaxLength(MAX_TEXT)   # the core's limit of a name or label
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(edit, 1)
        if unit:
            u = QLabel(unit)
            u.setMinimumWidth(28)
            u.setStyleSheet("color: #555;")
            row.addWidget(u)
        lab = QLabel(shown or label)
        lab.setToolTip(tip)
        lab.setBuddy(edit)
        f = Field(self, path, label, kind, edit, unit=unit, default=default, calculator=calculator,
                  reader_unit=reader_unit)
        if kind == "percent":
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addLayout(row)
            f.note = QLabel()
            f.note.setStyleSheet("color: #7A4D00; font-size: 8pt;")
            f.note.setWordWrap(True)
            f.note.hide()
            box.addWidget(f.note)
            form.addRow(lab, box)
        else:
            form.addRow(lab, row)
        f.row_layout = row
        self.fields.append(f)
        return f

    def _combo(self, form: QFormLayout, label: str, path: tuple, items: list[tuple[str, Any]],
               tip: str, calculator: str | None = None, missing: Any = None,
               shown: str | None = None) -> Field:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.setToolTip(tip)
        box.setAccessibleName(label)
        box.view().setAccessibleName(f"{label}: choices")
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        lab = QLabel(shown or label)
        lab.setToolTip(tip)
        lab.setBuddy(box)
        form.addRow(lab, box)
        f = Field(self, path, label, "choice", box, calculator=calculator, missing=missing)
        self.fields.append(f)
        return f

    def _check(self, form: QFormLayout, label: str, path: tuple, tip: str, what: str,
               missing: bool = False) -> Field:
        box = QCheckBox(label)
        box.setToolTip(tip)
        form.addRow(box)
        f = Field(self, path, label, "bool", box, missing=missing, what=what)
        self.fields.append(f)
        return f

    def _buttons(self, form: QFormLayout, *buttons: tuple[str, Callable[[], None], str]) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        for text, action, tip in buttons:
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(action)
            row.addWidget(b)
        row.addStretch(1)
        form.addRow(holder)
        return holder

    def _heading(self, form: QFormLayout, text: str, tip: str = "") -> None:
        lab = QLabel(text)
        lab.setStyleSheet("font-weight: 600; margin-top: 6px;")
        lab.setToolTip(tip)
        form.addRow(lab)

    # -- the sections ----------------------------------------------------------------------
    def _build(self) -> None:
        self._build_details()
        self._build_capex()
        self._build_operation()
        self._build_energy()
        self._build_effects()
        self._build_promoter()
        self._build_optimism_bias()
        self._build_jobs()
        self._build_value_for_money()
        self._build_readiness()
        self._build_notes()

    def _build_details(self) -> None:
        pack = self.doc.pack
        form = self._section("Details")
        self._line(form, "Project ID", ("id",), "text", "", "A short code, unique in the portfolio")
        self._line(form, "Name", ("name",), "text", "", "The project's name as the board knows it")
        self.category = self._combo(form, "Category", ("category",),
                                    [(c.label, c.category) for c in pack.categories.values()],
                                    "Sets the default optimism bias, jobs per £1m, gap sector, "
                                    "energy sector and benefit deadweight (the assumption pack's "
                                    "categories.csv)")
        self._line(form, "Area", ("area",), "text", "", "Local authority or area")
        self.level = self._combo(form, "Spatial level", ("spatial_level",),
                                 [(words.level_words(s), s) for s in pack.additionality],
                                 words.level_tooltip(pack), missing="sub-regional")
        self.sector = self._combo(
            form, "Sector of the energy used", ("energy_sector",),
            [("The category's", None)] + [(words.SECTOR_NAMES.get(s, s), s) for s in ENERGY_SECTORS],
            "Whose energy prices, emission factors and air-quality costs apply (DESNZ Green Book "
            "supplementary guidance, data tables 1-19: domestic, commercial and public, "
            "industrial; the pack's energy_prices.csv and emission_factors.csv rows of that "
            "sector). METHOD.md 3. Empty: the category's (categories.csv).")
        self._line(form, "Price year of the money inputs", ("price_year",), "year", "",
                   "The year whose prices the amounts are in; rebased with the HM Treasury GDP "
                   "deflator (METHOD.md 1.1)", lambda: f"the portfolio's price base ({self._base_year()})")

    def _build_capex(self) -> None:
        form = self._section("Capex and public funding")
        self.grid = YearGrid(
            [("year", "Year"), ("capex", "Capex\n(£)"), ("public_funding", "Public\nfunding (£)"),
             ("counterfactual_capex", "Would be spent\nanyway (£)")],
            "Capex and public funding by year",
            "Capital spend and public funding by calendar year, at the project's price year. "
            "Paste from Excel with Ctrl+V; 1.2m and £30k are read. Leave public funding empty "
            "to use the share below. Would be spent anyway: the counterfactual, e.g. boilers or "
            "buses due for like-for-like replacement; the economic case counts only the capex "
            "above it (METHOD.md 3, counterfactual).")
        self.grid.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.grid.edited.connect(self._commit_grid)
        form.addRow(self.grid)
        self._buttons(form, ("Add year", self._add_year, "Add the year after the last one"),
                      ("Remove year", self._remove_year, "Remove the selected year"))
        self._line(form, "Public funding share of capex", ("public_funding_share",), "percent", "%",
                   "The share of capex paid from public funds, used when public funding is not "
                   "given by year. Type 70 or 70% for 70%.", lambda: "all capex (100%)")
        self._heading(form, "Renewals during operation",
                      "Parts replaced during operation (batteries, inverters, charger units): "
                      "capex for every purpose, in years operating start + k × every (METHOD.md 2)")
        self.renewals = EditorTable(
            [("label", "What is renewed"), ("cost", "Cost each time (£)"),
             ("every_years", "Every (years)")],
            "Renewals",
            "A part replaced during operation: its cost each time (at the price year's prices) "
            "and the years between renewals, counted from the first year of operation "
            "(METHOD.md 2, renewals)")
        header = self.renewals.horizontalHeader()
        for c in (1, 2):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.renewals.edited.connect(self._commit_renewals)
        form.addRow(self.renewals)
        self._buttons(form, ("Add renewal", self.add_renewal, "Add a renewal"),
                      ("Remove renewal", self._remove_renewal, "Remove the selected renewal"))
        self._line(form, "Life of the main assets", ("asset_life_years",), "int", "years",
                   "Only when the assets outlast the operating lifetime: what is left counts as a "
                   "benefit after operation, capex × (asset life − lifetime) / asset life "
                   "(METHOD.md 2, residual value)",
                   lambda: "no residual value")
        self._line(form, "Value left at the end", ("residual_value",), "money", "£",
                   "What the assets are still worth when operation ends, counted as a benefit in "
                   "the year after; used instead of the asset life when both are given "
                   "(METHOD.md 10.4)", lambda: "none")

    def _build_operation(self) -> None:
        form = self._section("Operation and other benefits")
        self._line(form, "Operating start", ("operating_start",), "year", "year",
                   "First year of operation", lambda: "the year after the last capex year")
        self._line(form, "Lifetime", ("lifetime_years",), "int", "years",
                   "Years of operation, from the operating start")
        self._line(form, "Opex per operating year", ("opex_per_year",), "money", "£ a year",
                   "Operating and maintenance cost in each operating year (1.2m, £30k are read)",
                   lambda: "0")
        self._heading(form, "Other benefit streams")
        self.benefits = EditorTable(
            [("label", "Benefit"), ("kind", "Kind"), ("per_year", "£ a year"),
             ("discounting", "Discounting")],
            "Other benefit streams",
            "Economic: a social benefit (health, time, air quality) in the economic case. "
            "Revenue: cash to the promoter (fares, fees) in the financial case only. "
            "Discounting: Health uses the Green Book's lower rate for health effects "
            "(METHOD.md 1.2).")
        header = self.benefits.horizontalHeader()
        header.setSectionResizeMode(header.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        self.benefits.edited.connect(self._commit_benefits)
        form.addRow(self.benefits)
        self._buttons(form, ("Add benefit", self._add_benefit, "Add a benefit stream"),
                      ("Remove benefit", self._remove_benefit, "Remove the selected stream"))

    def _build_energy(self) -> None:
        form = self._section("Energy and carbon")
        self.mode_group = QButtonGroup(self)
        modes = QVBoxLayout()
        for k, text in enumerate(["Enter the energy changes"] + [c.title for c in CALCULATOR_FORMS]):
            rb = QRadioButton(text)
            self.mode_group.addButton(rb, k)
            modes.addWidget(rb)
        self.mode_group.idClicked.connect(self._mode_changed)
        form.addRow(modes)
        self.energy = EditorTable(
            [("fuel", "Fuel (unit)"), ("quantity", "Change a year")], "Energy changes",
            "Annual change in use of each fuel in its unit (kWh, or litres of petrol and "
            "diesel); negative = less used. 300 MWh, 0.3 GWh and 1.2m are read.")
        self.energy.edited.connect(self._commit_energy)
        form.addRow(self.energy)
        self.energy_buttons = self._buttons(form, ("Add fuel", self._add_fuel, "Add a fuel"),
                                            ("Remove fuel", self._remove_fuel,
                                             "Remove the selected fuel"))
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
            calc_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            self.calc_fields[spec.kind] = self._build_calculator(calc_form, spec)
            self.calc_pages.addWidget(page)
        form.addRow(self.calc_pages)

    def _build_effects(self) -> None:
        form = self._section("What would happen anyway, and wider effects")
        self._line(form, "Share of the benefits that would happen anyway", ("benefit_deadweight",),
                   "percent", "%",
                   "Carbon, energy and other economic benefits that would come about without the "
                   "project (outcome deadweight, HCA Additionality Guide; METHOD.md 3). Not the "
                   "jobs' deadweight. Empty: the category's (categories.csv, benefit_deadweight).",
                   self._default_deadweight, shown="Benefits happening anyway")
        self.comfort = self._line(
            form, "Share of the energy saving taken as warmth", ("comfort_taking",), "percent", "%",
            self._comfort_tip(True), self._default_comfort, shown="Saving taken as warmth")
        self.car_km_mode = QComboBox()
        self.car_km_mode.addItem("The same each operating year", False)
        self.car_km_mode.addItem("By calendar year", True)
        self.car_km_mode.setAccessibleName("Car travel removed is given")
        self.car_km_mode.view().setAccessibleName("Car travel removed is given: choices")
        self.car_km_mode.setToolTip("One figure for every operating year, or a figure for each "
                                    "calendar year (e.g. use building up)")
        self.car_km_mode.activated.connect(lambda _i: self.set_car_km_by_year(
            bool(self.car_km_mode.currentData())))
        lab = QLabel("Car travel removed")
        lab.setBuddy(self.car_km_mode)
        form.addRow(lab, self.car_km_mode)
        self._car_km_form = form
        self.car_km = self._line(
            form, "Car travel removed each operating year", ("car_km_removed",), "number", "car-km",
            "Car kilometres no longer driven in each operating year (mode shift), valued at the "
            "pack's marginal external costs (DfT TAG A5.4: congestion, accidents, noise; "
            "marginal_external_costs.csv; METHOD.md 3). Give the fuel saved under Energy too.",
            lambda: "none", shown="Each operating year")
        self.car_km_grid = YearGrid(
            [("year", "Year"), ("car_km", "Car-km removed")], "Car travel removed by year",
            "Car-km no longer driven in each calendar year; paste from Excel with Ctrl+V")
        self.car_km_grid.edited.connect(self._commit_car_km)
        form.addRow(self.car_km_grid)
        self.car_km_buttons = self._buttons(
            form, ("Add car-km year", self._add_car_km_year, "Add the year after the last one"),
            ("Remove car-km year", self._remove_car_km_year, "Remove the selected year"))
        self._line(form, "New peak electricity demand", ("added_peak_kw",), "number", "kW",
                   "The peak load the project adds to the local network after diversity "
                   "(chargers, heat pumps), costed at the pack's network_reinforcement_gbp_per_kw "
                   "(parameters.csv) in the first operating year (METHOD.md 3)", lambda: "none",
                   shown="Added peak load")

    def _build_promoter(self) -> None:
        form = self._section("Promoter and financial case")
        self._check(form, "The promoter is a public body bearing every cost", ("promoter_public",),
                    "Tick for a council, combined authority or other public body that pays for "
                    "the whole project: the funder's benefit-cost ratio then counts every cost "
                    "as public (METHOD.md 3, funder BCR)", "public promoter")
        self._check(form, "The promoter can recover VAT", ("vat_recoverable",),
                    "Untick if the promoter cannot reclaim VAT (many housing associations and "
                    "charities): its energy bills in the financial case then include VAT "
                    "(METHOD.md 4, 10.15). Default: ticked.", "VAT recovery", missing=True)
        self._check(form, "Energy bill savings go to the promoter", ("bill_savings_to_promoter",),
                    "When ticked, the energy cost saving counts in the promoter's cash flow "
                    "(for example a council that pays its buildings' bills)",
                    "bill savings to the promoter")
        self._heading(form, "Tariffs the promoter pays",
                      "Leave empty to use the pack's retail price for the sector "
                      "(energy_prices.csv, basis retail; METHOD.md 4)")
        self.tariffs = EditorTable(
            [("fuel", "Fuel (unit)"), ("tariff", "£ per unit, VAT included")], "Tariffs",
            "The promoter's contract or pump price for a fuel, at the price year's prices, VAT "
            "included (VAT is taken off where the promoter can recover it). A fuel not listed "
            "uses the pack's retail price for the sector (METHOD.md 4).")
        self.tariffs.edited.connect(self._commit_tariffs)
        form.addRow(self.tariffs)
        self._buttons(form, ("Add tariff", self.add_tariff,
                             "Add a fuel, starting from the pack's retail price"),
                      ("Remove tariff", self._remove_tariff, "Remove the selected tariff"))

    def _build_optimism_bias(self) -> None:
        pack = self.doc.pack
        form = self._section("Business case and optimism bias")
        self._combo(form, "Business case stage", ("business_case_stage",),
                    [("Not given (no delay)", None)] + [(words.STAGE_NAMES[s], s)
                                                        for s in ("soc", "obc", "fbc")],
                    "The stage of the Five Case Model the business case has reached. It sets the "
                    "default mitigation of optimism bias (the pack's ob_stage_mitigation.csv) and "
                    "delays the benefits by the duration optimism bias (HM Treasury Supplementary "
                    "Green Book Guidance: Optimism Bias; METHOD.md 3). Not given: no delay.")
        self.optimism_bias = self._line(form, "Optimism bias", ("optimism_bias",), "percent", "%",
                                        OB_TIP, self._default_ob)
        self._line(form, "Mitigation of the upper bound", ("ob_mitigation",), "percent", "%",
                   "Share of the upper bound removed by evidence of risk management. Empty: the "
                   "business case stage's (ob_stage_mitigation.csv), else 0%.",
                   self._default_mitigation)
        self.ob_type = self._combo(form, "Project type", ("ob_project_type",),
                                   [("The category's", None)] + [(words.OB_TYPE_NAMES.get(t, t), t)
                                                                 for t in pack.optimism_bias],
                                   "The Green Book project type whose upper bound applies "
                                   "(optimism_bias.csv); empty: the category's "
                                   "(categories.csv, ob_project_type)")

    def _build_jobs(self) -> None:
        form = self._section("Jobs and additionality")
        self._line(form, "Construction job-years per £1m", ("job_years_per_million",), "number",
                   "job-years", "Job-years of construction work per £1m of capex (categories.csv, "
                   "job_years_per_million)",
                   lambda: f"{self._category().job_years_per_million:g} (category default)")
        self._line(form, "Operational jobs", ("operational_fte",), "number", "FTE",
                   "Permanent jobs to run the project", lambda: "0")
        for factor, tip in (("deadweight", "Share of the jobs and outcome that would happen anyway"),
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
                       f"{tip} (HCA Additionality Guide; the pack's additionality.csv row for the "
                       "spatial level)", self._default_add(factor))

    def _build_value_for_money(self) -> None:
        form = self._section("Value for money")
        self._combo(form, "Adjustment of the value-for-money band", ("vfm_adjustment",),
                    [(words.VFM_ADJUSTMENT_NAMES[k], k) for k in (0, 1, -1)],
                    "One band up or down for impacts that have no £ value (e.g. biodiversity), as "
                    "the Green Book and the DfT Value for Money Framework allow; give the reason "
                    "below (METHOD.md 3, 10.13)", missing=0, shown="Adjustment of the band")
        self._text_area(form, "Reason for the adjustment", ("vfm_adjustment_reason",),
                        "Which impacts without a £ value justify the adjustment, and their "
                        "evidence. Required with an adjustment. Tab moves on.",
                        "Required with an adjustment", lines=4)

    READINESS = (("planning_consent", "Planning consent granted", "planning consent"),
                 ("site_secured", "Site secured", "site secured"),
                 ("procurement_ready", "Procurement ready", "procurement readiness"),
                 ("match_funding_confirmed", "Match funding confirmed", "match funding"))

    def _build_readiness(self) -> None:
        form = self._section("Readiness")
        self._readiness = [(flag, text, self._check(form, text, ("readiness", flag), "", what))
                           for flag, text, what in self.READINESS]
        self.months = self._line(form, "Months to start", ("readiness", "months_to_start"),
                                 "number", "months", "")

    def _show_readiness_points(self) -> None:
        """The points of each criterion, from the pack's readiness weights (METHOD.md 7)."""
        w = self.doc.pack.readiness_weights
        for flag, text, f in self._readiness:
            f.widget.setText(f"{text} ({w[flag]:g} points)")
            f.widget.setToolTip("Counts towards the readiness score (METHOD.md 7; the pack's "
                                "readiness_weights.csv)")
        self.months.widget.setToolTip(
            f"{w['start_within_6_months']:g} points when at most 6, "
            f"{w['start_within_12_months']:g} when at most 12; shovel-ready needs "
            f"{shovel_ready_rule()}")

    def _build_notes(self) -> None:
        form = self._section("Notes")
        self._text_area(form, "Notes", ("notes",),
                        "Sources, assumptions and the counterfactual behind the figures, for the "
                        f"appraisal officer; kept with the project (up to {NOTES_LIMIT:,} "
                        "characters). Tab moves on.", "How the figures were built", lines=12,
                        labelled=False)

    def _text_area(self, form: QFormLayout, label: str, path: tuple, tip: str, placeholder: str,
                   lines: int, labelled: bool = True) -> Field:
        """Free text over several lines, committed when the field is left."""
        edit = NotesEdit()
        edit.setAccessibleName(label)
        edit.setToolTip(tip)
        edit.setPlaceholderText(placeholder)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
        if labelled:
            lab = QLabel(label)
            lab.setToolTip(tip)
            lab.setBuddy(edit)
            form.addRow(lab, edit)
        else:
            form.addRow(edit)
        f = Field(self, path, label, "text", edit)
        self.fields.append(f)
        return f

    def _table_words(self) -> dict[str, str]:
        return {"capex": "Capex", "public_funding": "Public funding",
                "counterfactual_capex": "Would be spent anyway", "energy_changes": "Energy changes",
                "other_benefits": "Other benefits", "renewals": "Renewals", "tariffs": "Tariff",
                "calculator": "Calculator", "readiness": "Readiness",
                "additionality": "Additionality", "sensitivity": "Sensitivity ranges"}

    # -- defaults shown as placeholders ------------------------------------------
    def _project(self) -> dict:
        return self.doc.project(self.row) if self.row is not None else {}

    def _category(self):
        return self.doc.pack.categories.get(self._project().get("category"),
                                            next(iter(self.doc.pack.categories.values())))

    def _base_year(self) -> int:
        return int(self.doc.setting("price_base_year", self.doc.pack.default_price_base_year))

    def _stage_mitigation(self) -> tuple[str | None, float]:
        stage = self._project().get("business_case_stage")
        if stage not in ("soc", "obc", "fbc"):
            return None, 0.0
        return stage, self.doc.pack.ob_stage_mitigation.get(stage, 0.0)

    def _stage_words(self, stage: str) -> str:
        return re.sub(r"\s*\(.*\)$", "", words.STAGE_NAMES[stage]).lower()

    def _default_mitigation(self) -> str:
        stage, mitigation = self._stage_mitigation()
        if stage is None:
            return "0% (no business case stage given)"
        return f"{format_percent(mitigation)} ({self._stage_words(stage)})"

    def _ob_terms(self) -> tuple[float, int, float, float]:
        """The project's capex uplift, delay [years], mitigation and upper bound as the
        appraisal takes them (:func:`appraisal.core.appraise.ob_terms`)."""
        p = self._project()
        cat = self._category()
        kind = p.get("ob_project_type") or cat.ob_project_type
        upper = blended_upper_bound(kind, self.doc.pack)
        parsed = parse_project(p, self.row or 0, self.doc.pack)[0] if p else None
        if parsed is None:   # the project has a problem to mend first: the upper bound alone
            return upper, 0, 0.0, upper
        uplift, delay = ob_terms(parsed, self.doc.pack, cat.ob_project_type)
        mitigation = (parsed.ob_mitigation if parsed.ob_mitigation is not None
                      else self._stage_mitigation()[1])
        return uplift, delay, mitigation, upper

    def _default_ob(self) -> str:
        uplift, _, mitigation, upper = self._ob_terms()
        if not mitigation:
            return f"{uplift * 100:.4g}% (the project type's upper bound)"
        return f"{uplift * 100:.4g}% ({upper * 100:.4g}% upper bound, less {format_percent(mitigation)})"

    def _ob_tip(self) -> str:
        uplift, delay, mitigation, upper = self._ob_terms()
        now = (f"\nNow: the upper bound {upper * 100:.4g}%"
               + (f" less {format_percent(mitigation)} mitigation" if mitigation else "")
               + f" gives {uplift * 100:.4g}%"
               + (f"; the benefits start {delay} year{'s' if delay != 1 else ''} later "
                  "(duration optimism bias)" if delay else ""))
        return OB_TIP + now

    def _default_add(self, factor: str) -> Callable[[], str]:
        def text() -> str:
            level = self._project().get("spatial_level") or "sub-regional"
            v = self.doc.pack.additionality.get(level, {}).get(factor)
            if v is None:
                return ""
            shown = f"{v:g}" if factor == "multiplier" else format_percent(v)
            return f"{shown} ({words.level_words(level).lower()} default)"
        return text

    def _default_deadweight(self) -> str:
        c = self._category()
        return f"{format_percent(c.benefit_deadweight)} (category default)"

    def _default_comfort(self) -> str:
        c = self._category()
        if c.comfort_taking is None:
            return "not applied to this category"
        return f"{format_percent(c.comfort_taking)} (category default)"

    def _comfort_tip(self, flagged: bool) -> str:
        tip = ("Part of a modelled heating saving that households take as warmer homes instead of "
               "lower bills; valued as comfort at the retail price (METHOD.md 3, comfort taking). "
               "Empty: the category's (categories.csv, comfort_taking).")
        if not flagged:
            tip = (f"The assumption pack does not flag {self._category().label} for comfort "
                   "taking (its comfort_taking cell in categories.csv is empty), so this share is "
                   "not used.\n" + tip)
        return tip

    def _sector_default(self) -> str:
        s = self._category().energy_sector
        return f"The category's: {words.SECTOR_NAMES.get(s, s)}" if s else \
            "The category's: every sector's rows"

    # -- showing ------------------------------------------------------------------
    def show_project(self, row: int | None) -> None:
        self.row = row if row is not None and 0 <= row < len(self.doc.projects) else None
        self.errors.clear()
        for f in self.fields:   # wrong values typed for another project are dropped
            f.widget.setProperty("error", "")
            if f.note is not None:
                f.note.hide()
        self.refresh()

    def _project_changed(self, row: int) -> None:
        if row == self.row:
            self.refresh()

    def _structure_changed(self) -> None:
        if self.row is not None and self.row >= len(self.doc.projects):
            self.row = None
        self.refresh()

    def _pack_changed(self) -> None:
        self._words = words.CodeWords(self._words.labels, self.doc.pack)
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
            self._show_choices()
            for f in self.fields:
                # a field being typed in, or holding a wrong value the user must see,
                # keeps its text; the others show the document
                if f is not self.committing and not f.widget.property("error"):
                    f.show(p)
            self._show_grid(p)
            self._show_renewals(p)
            self._show_benefits(p)
            self._show_energy(p)
            self._show_car_km(p)
            self._show_tariffs(p)
        finally:
            self._updating = False
        self._show_problems()

    def _show_choices(self) -> None:
        """Choices whose words follow the project: the category's sector and comfort taking."""
        box: QComboBox = self.sector.widget   # type: ignore[assignment]
        if box.itemText(0) != self._sector_default():
            box.setItemText(0, self._sector_default())
        kind = self._category().ob_project_type
        self.ob_type.widget.setItemText(0, f"The category's: {words.OB_TYPE_NAMES.get(kind, kind)}")
        self.optimism_bias.widget.setToolTip(self._ob_tip())
        self._show_readiness_points()
        flagged = self._category().comfort_taking is not None
        self.comfort.widget.setEnabled(flagged)
        self.comfort.widget.setToolTip(self._comfort_tip(flagged))
        level: QComboBox = self.level.widget   # type: ignore[assignment]
        for i in range(level.count()):
            level.setItemData(i, plain_tip(words.level_item_tooltip(self.doc.pack,
                                                                    level.itemData(i))),
                              Qt.ItemDataRole.ToolTipRole)

    # -- problems, in words ---------------------------------------------------------------
    def problem_words(self, path: str | None, message: str) -> str:
        """A problem's message in words; a share's range in per cent."""
        kind = next((f.kind for f in self.fields if ".".join(map(str, f.path)) == path), "")
        if kind == "percent":
            message = words.range_in_percent(message)
        return self._words.message(message)

    def _show_problems(self) -> None:
        problems = self.doc.problems(self.row) if self.row is not None else []
        lines = [e for e in self.errors.values() if e]
        for p in problems:
            named = self._words.path(p.field)
            if not any(named in e for e in lines):
                lines.append(f"{named}: {self.problem_words(p.field, p.message)}")
        self.error_label.setText("\n".join(f"✖ {line}" for line in lines[:6]))
        self.errorsChanged.emit(len(lines))

    def report(self, field: Field, error: str | None) -> None:
        key = ".".join(map(str, field.path))
        if error:
            self.errors[key] = error
        else:
            self.errors.pop(key, None)
        if not self._updating:
            self._show_problems()

    def _table_problem(self, key: str, title: str, problems: list[str]) -> bool:
        """Record a table's problems (True when there are none)."""
        if problems:
            self.errors[key] = f"{title}: " + "; ".join(problems)
        else:
            self.errors.pop(key, None)
        return not problems

    def _checked(self, path: str, value: Any) -> list[str]:
        return [f"{self._words.path(p.field)}: {self.problem_words(p.field, p.message)}"
                for p in self.doc.check_value(self.row, (path,), value)]  # type: ignore[arg-type]

    # -- energy and the calculators -------------------------------------------------------
    def _build_calculator(self, form: QFormLayout, spec: CalculatorForm) -> list[Field]:
        """The fields of one calculator, the pack's defaults as their placeholders."""
        def pack_default(key: Callable[[], str], kind: str) -> Callable[[], str]:
            def text() -> str:
                found = self.doc.pack.calculator_defaults.get(spec.kind, {}).get(key())
                if not found:
                    return ""
                return f"{words.show_value(kind, found[0])} (pack default)"
            return text

        def fuel_use_key() -> str:   # the default follows the fuel chosen
            calc = self._project().get("calculator")
            fuel = calc.get("displaced_fuel") if isinstance(calc, dict) else None
            return spec.fuel_use_default.format(fuel=fuel if fuel in spec.fuels else spec.fuels[0])

        fields = []
        for name, label, kind, unit, tip in spec.inputs:
            key = (lambda name=name: name)
            fields.append(self._line(form, label, ("calculator", name), kind, unit, tip,
                                     pack_default(key, kind), spec.kind,
                                     reader_unit="kWh" if kind == "energy" else "number"))
            self._calc_tips.append((fields[-1], tip, key))
        fields.append(self._combo(form, "Displaced fuel", ("calculator", "displaced_fuel"),
                                  self._fuel_items(spec.fuels), "The fuel the project replaces",
                                  spec.kind))
        name, label, kind, unit, tip = spec.fuel_use
        fields.append(self._line(form, label, ("calculator", name), kind, unit, tip,
                                 pack_default(fuel_use_key, kind), spec.kind))
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
        self._show_energy_changes(p.get("energy_changes") if isinstance(p.get("energy_changes"), list)
                                  else [])
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
                    f.widget.setToolTip(plain_tip(
                        tip + (f"\nDefault's source: {src}" if src else "")))

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
            stack.beginMacro(f"Use the {spec.title.lower()} for {pid}")
            self.doc.set_field(self.row, ("energy_changes",), [], "energy changes")
            self.doc.set_field(self.row, ("calculator",), start, "calculator")
            stack.endMacro()
        self.refresh()

