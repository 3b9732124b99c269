"""Typing through every field of the project editor as a person does.

In each section of the editor, both energy calculators and the tables (capex, renewals,
benefit streams, energy changes, tariffs, car-km by year): click the first field, type,
pause longer than the typing pause (which commits what is typed so far), type again,
leave the field by Tab or by a click on the next one, and go on. Tab also passes the
controls between two fields (a table, its buttons, a choice), as a keyboard does.
Through every commit the field being typed in keeps the keyboard focus and its text,
no widget is deleted under the user (the editor's widgets stay the same live objects),
and the document ends with what was typed.

Keys go to whichever widget holds the focus, as a keyboard sends them, so a focus
lost on the way fails the walk. The same walk in a real X window is xvfb_walk.py
(test_real_window.py): the crash this guards against (issue 9, a calculator's
fields rebuilt while one of them was still committing) showed only there as a
segmentation fault.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from numpy.testing import assert_allclose
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit,
                               QRadioButton, QTableWidget, QWidget)
from shiboken6 import isValid

from appraisal.gui.document import get_path
from appraisal.gui.editor import TYPING_PAUSE_MS, Field

PAUSE_MS = TYPING_PAUSE_MS + 200   # past the typing pause, and the commit that follows it
LEFT = Qt.MouseButton.LeftButton

# What is typed in each line edit, in two goes around a pause, and the value the
# document then holds. Every line edit of the editor must be here (the walk fails
# on one that is not). Percentages are typed as people type them, 65 for 65%.
TYPED: dict[tuple, tuple[str, str, Any]] = {
    ("id",): ("HP-1", "01", "HP-101"),
    ("name",): ("Heat pumps, ", "phase 2", "Heat pumps, phase 2"),
    ("area",): ("Coven", "try", "Coventry"),
    ("price_year",): ("20", "23", 2023),
    ("public_funding_share",): ("6", "5", 0.65),
    ("asset_life_years",): ("4", "0", 40),
    ("residual_value",): ("£1.", "5m", 1_500_000),
    ("operating_start",): ("20", "29", 2029),
    ("lifetime_years",): ("2", "5", 25),
    ("opex_per_year",): ("£40,", "000", 40_000),
    ("benefit_deadweight",): ("1", "5", 0.15),
    ("comfort_taking",): ("1", "0%", 0.10),
    ("car_km_removed",): ("1.2", "m", 1_200_000),
    ("added_peak_kw",): ("1,5", "00", 1500),
    ("optimism_bias",): ("4", "5", 0.45),
    ("ob_mitigation",): ("1", "0", 0.10),
    ("job_years_per_million",): ("1", "2", 12),
    ("operational_fte",): ("3", ".5", 3.5),
    ("additionality", "deadweight"): ("2", "0", 0.20),
    ("additionality", "leakage"): ("1", "5", 0.15),
    ("additionality", "displacement"): ("2", "5", 0.25),
    ("additionality", "substitution"): ("1", "0", 0.10),
    ("additionality", "multiplier"): ("1.", "4", 1.4),
    ("vfm_adjustment_reason",): ("Biodiversity ", "gain", "Biodiversity gain"),
    ("readiness", "months_to_start"): ("1", "8", 18),
    ("notes",): ("Checked with ", "the housing team", "Checked with the housing team"),
    ("calculator", "installs"): ("12", "00", 1200),
    ("calculator", "heat_demand_kwh_per_install"): ("90", "00", 9000),
    ("calculator", "scop"): ("3.", "1", 3.1),
    ("calculator", "displaced_efficiency"): ("0.", "9", 0.9),
    ("calculator", "chargers"): ("4", "00", 400),
    ("calculator", "kwh_per_charger_per_year"): ("70", "00", 7000),
    ("calculator", "ev_kwh_per_km"): ("0.1", "8", 0.18),
    ("calculator", "ice_litres_per_km"): ("0.0", "6", 0.06),
}

SECTIONS = ["Details", "Capex and public funding", "Operation and other benefits",
            "What would happen anyway, and wider effects", "Promoter and financial case",
            "Business case and optimism bias", "Jobs and additionality", "Value for money",
            "Readiness", "Notes"]
CALCULATORS = {"heat pumps": ("HP-001", "Heat pump calculator", "heat_pumps"),
               "EV charging": ("EV-003", "EV charging calculator", "ev_charging")}
MOVES = ["tab", "click"]


# -- a keyboard and a mouse ---------------------------------------------------------------

def focus() -> QWidget | None:
    return QApplication.focusWidget()


def type_text(qtbot, text: str) -> None:
    """Each key to whatever holds the keyboard focus, as a keyboard sends it."""
    for ch in text:
        w = focus()
        assert w is not None, f"the keyboard focus was lost while typing {text!r}"
        qtbot.keyClicks(w, ch)     # keyClicks sends the character's text: "£" too


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    w = focus()
    assert w is not None, "the keyboard focus was lost"
    qtbot.keyClick(w, key, modifier)


def click(qtbot, w: QWidget) -> None:
    # a check box or radio button takes clicks on its box and words only
    pos = QPoint(8, w.height() // 2) if isinstance(w, (QCheckBox, QRadioButton)) else w.rect().center()
    qtbot.mouseClick(w, LEFT, pos=pos)


def choose_in_list(qtbot, box: QComboBox, key: Qt.Key) -> None:
    """In the list a click on ``box`` opened: move by ``key`` and take the item with Return."""
    window = box.window()
    qtbot.keyClick(box.view(), key)
    qtbot.keyClick(box.view(), Qt.Key.Key_Return)
    # The offscreen platform leaves the closed list's frame as the active window (a
    # window manager gives the activation back): once its events are through, give it
    # back, as the window's own focus widget is what must be right.
    qtbot.waitUntil(lambda: not box.view().isVisible())
    qtbot.wait(50)
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def pause(qtbot) -> None:
    qtbot.wait(PAUSE_MS)


def holds_focus(w: QWidget) -> bool:
    """The keyboard goes to ``w`` (or to the list a click on a combo box opened)."""
    f = focus()
    return f is w or (isinstance(w, QComboBox) and w.view().isVisible() and f is w.view())


def name(w: QWidget | None) -> str:
    if w is None:
        return "nothing"
    if not isValid(w):
        return "a deleted widget"
    return f"{type(w).__name__} {w.accessibleName() or w.toolTip()[:40]!r}"


# -- the fields of a section ---------------------------------------------------------------------

@dataclass
class Step:
    """One control of the walk: a field, typed into, and the value it should end with in
    the document; or a control between two fields that Tab passes (``field`` None)."""

    field: Field | None
    expected: Any = None
    passing: QWidget | None = None

    @property
    def widget(self) -> QWidget:
        return self.field.widget if self.field is not None else self.passing

    @property
    def label(self) -> str:
        return self.field.label if self.field is not None else name(self.passing)

    def enter(self, qtbot) -> None:
        w = self.widget
        if self.field is None:
            return                    # Tab passes it
        if isinstance(w, (QLineEdit, QPlainTextEdit)):
            first, second, self.expected = TYPED[self.field.path]
            press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)   # select all
            type_text(qtbot, first)
            pause(qtbot)
            assert isValid(w), f"{self.label}: deleted after a typing pause"
            assert focus() is w, f"{self.label}: the focus went to {name(focus())} in a pause"
            assert w.text() == first, f"{self.label}: the text typed became {w.text()!r}"
            type_text(qtbot, second)
            assert w.text() == first + second
        elif isinstance(w, QComboBox):
            before = w.currentIndex()
            key = Qt.Key.Key_Home if before == w.count() - 1 else Qt.Key.Key_End
            if w.view().isVisible():      # opened by a click: choose in its list
                choose_in_list(qtbot, w, key)
            else:
                press(qtbot, key)
            assert w.currentIndex() != before
            self.expected = w.currentData()
            pause(qtbot)
            assert isValid(w) and focus() is w, f"{self.label}: focus lost after a choice"
        elif isinstance(w, QCheckBox):
            before = w.isChecked()
            press(qtbot, Qt.Key.Key_Space)
            assert w.isChecked() != before
            self.expected = w.isChecked()
            pause(qtbot)
            assert isValid(w) and focus() is w, f"{self.label}: focus lost after a tick"
        else:
            raise AssertionError(f"{self.label}: no way to type into {type(w).__name__}")


def tab_stops(editor, first: QWidget, last: QWidget, inside: QWidget) -> list[QWidget]:
    """The controls Tab stops at from ``first`` to ``last`` within ``inside``, in order (a
    table once: its cells and their combo boxes are the table's)."""
    tables = editor.tables()
    out, w = [first], first
    while w is not last:
        w = w.nextInFocusChain()
        assert w is not first, "the focus chain never reached the last field"
        if not inside.isAncestorOf(w) or not w.isVisible() or not w.isEnabled() \
                or not w.focusPolicy() & Qt.FocusPolicy.TabFocus \
                or any(t is not w and t.isAncestorOf(w) for t in tables):
            continue
        out.append(w)
    return out


def section_steps(editor, title: str) -> list[Step]:
    section = editor.open_section(title)
    fields = {f.widget: f for f in editor.fields
              if section.body.isAncestorOf(f.widget) and f.widget.isVisible()}
    if not fields:
        return []
    order = [w for w in tab_stops(editor, section.button, list(fields)[-1], section.body)
             if w is not section.button]
    order = order[order.index(next(w for w in order if w in fields)):]
    return [Step(fields[w]) if w in fields else Step(None, passing=w) for w in order]


def calculator_steps(editor) -> list[Step]:
    return [Step(f) for f in editor.fields if f.path[0] == "calculator" and f.widget.isVisible()]


def holds(w: QWidget) -> bool:
    """The keyboard is on ``w``, in it (a table's cell) or in the list it opened."""
    f = focus()
    return holds_focus(w) or (isinstance(w, QTableWidget) and f is not None and w.isAncestorOf(f))


def pass_by_tab(qtbot, w: QWidget) -> None:
    """Tab past a control between two fields: through a table's cells, or once."""
    for _ in range(200):
        press(qtbot, Qt.Key.Key_Tab)
        if not holds(w):
            return
    raise AssertionError(f"Tab never left {name(w)}")


def walk(qtbot, editor, steps: list[Step], move: str) -> None:
    """Type into each field in turn, leaving it by Tab or by a click on the next one (a
    click goes straight to the next field; Tab passes the controls between)."""
    if move == "click":
        steps = [s for s in steps if s.field is not None]
    assert steps
    widgets = [s.widget for s in steps]
    click(qtbot, widgets[0])
    assert holds_focus(widgets[0]), f"a click on {name(widgets[0])} left the focus on {name(focus())}"
    for k, step in enumerate(steps):
        w = step.widget
        step.enter(qtbot)
        if move == "tab" or len(widgets) == 1:    # a lone field is left by Tab
            nxt = widgets[k + 1] if k + 1 < len(widgets) else None
            if step.field is None:
                pass_by_tab(qtbot, w)
            else:
                press(qtbot, Qt.Key.Key_Tab)
        else:
            nxt = widgets[(k + 1) % len(widgets)]   # from the last field, back to the first
            click(qtbot, nxt)
            if nxt is widgets[0] and isinstance(nxt, QCheckBox):
                steps[0].expected = not steps[0].expected    # that click ticked or cleared it
        pause(qtbot)
        assert all(isValid(x) for x in widgets), f"a widget was deleted after leaving {name(w)}"
        if nxt is not None:
            assert holds(nxt), (f"{move} from {step.label} put the focus on "
                                f"{name(focus())}, not on {name(nxt)}")
        else:
            assert focus() is not None and focus() is not w, f"Tab from {step.label}"
    # the same widgets, alive, still edit the project
    typed = [s.widget for s in steps if s.field is not None]
    assert [f.widget for f in editor.fields if f.widget in typed] == typed
    assert all(isValid(x) for x in widgets)


def assert_document_holds(doc, row: int, steps: list[Step]) -> None:
    project = doc.project(row)
    for s in steps:
        if s.field is None:
            continue
        got = get_path(project, s.field.path)
        if isinstance(s.expected, (int, float)) and not isinstance(s.expected, bool):
            assert got is not None, f"{s.field.label}: nothing in the document"
            assert_allclose(got, s.expected, rtol=1e-12, err_msg=s.field.label)
        else:
            assert got == s.expected, f"{s.field.label}: {got!r} in the document"


# -- the walks -------------------------------------------------------------------------------------

@pytest.fixture
def editor(window):
    window.projects.select_row(0)
    window.activateWindow()
    return window.projects.editor


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("section", SECTIONS)
def test_typing_through_a_section(window, editor, qtbot, section, move):
    steps = section_steps(editor, section)
    walk(qtbot, editor, steps, move)
    window.doc.wait_for_results()
    assert_document_holds(window.doc, 0, steps)
    assert editor.errors == {}, editor.errors


def choose_calculator(window, editor, qtbot, which: str) -> int:
    pid, radio_text, kind = CALCULATORS[which]
    row = [p["id"] for p in window.doc.projects].index(pid)
    window.projects.select_row(row)
    section_steps(editor, "Energy and carbon")
    (radio,) = [b for b in editor.mode_group.buttons() if b.text() == radio_text]
    click(qtbot, radio)
    pause(qtbot)
    assert window.doc.project(row)["calculator"]["type"] == kind
    return row


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("which", list(CALCULATORS))
def test_typing_through_a_calculator(window, editor, qtbot, which, move):
    row = choose_calculator(window, editor, qtbot, which)
    steps = calculator_steps(editor)
    assert [s.field.label for s in steps][-2] == "Displaced fuel"
    walk(qtbot, editor, steps, move)
    window.doc.wait_for_results()
    assert_document_holds(window.doc, row, steps)
    assert window.doc.project(row)["calculator"]["type"] == CALCULATORS[which][2]
    assert editor.errors == {}, editor.errors
    assert window.doc.result_index(row) is not None     # the calculator's inputs appraise


def test_a_calculator_chosen_or_dropped_by_undo_while_its_field_has_the_focus(window, editor, qtbot):
    doc = window.doc
    row = choose_calculator(window, editor, qtbot, "heat pumps")
    energy_before = doc.undo_stack.command(0)   # the choice of the calculator, undoable
    assert energy_before is not None
    (installs,) = [s.widget for s in calculator_steps(editor)][:1]
    click(qtbot, installs)
    type_text(qtbot, "25")
    pause(qtbot)
    assert doc.project(row)["calculator"]["installs"] == 25 and focus() is installs
    while doc.project(row).get("calculator") is not None:   # from the Edit menu
        window.a_undo.trigger()
        qtbot.wait(50)
    pause(qtbot)
    assert doc.project(row)["energy_changes"], "undo brought the energy changes back"
    assert editor.energy.isVisible() and not installs.isVisible()
    assert focus() is None or isValid(focus()) and focus().isVisible()
    while doc.undo_stack.canRedo():
        window.a_redo.trigger()
    pause(qtbot)
    assert doc.project(row)["calculator"]["installs"] == 25
    fields = calculator_steps(editor)
    assert fields and all(isValid(s.widget) for s in fields)
    assert fields[0].widget.text() == "25"


def test_a_wrong_value_in_a_calculator_goes_with_it(window, editor, qtbot):
    row = choose_calculator(window, editor, qtbot, "EV charging")
    chargers = calculator_steps(editor)[0].widget
    click(qtbot, chargers)
    type_text(qtbot, "lots")
    press(qtbot, Qt.Key.Key_Tab)
    assert "Chargers" in editor.error_label.text()
    (radio,) = [b for b in editor.mode_group.buttons() if b.text() == "Heat pump calculator"]
    click(qtbot, radio)
    pause(qtbot)
    assert window.doc.project(row)["calculator"] == {"type": "heat_pumps", "installs": 0}
    assert isValid(chargers) and not chargers.isVisible()
    assert "Chargers" not in editor.error_label.text() and editor.errors == {}


# -- the tables: capex by year, renewals, benefit streams, energy, tariffs, car-km by year --------

COMBO = "choose"   # a combo box cell: the next item, by keyboard or from its list
PASS = "pass"      # a cell Tab goes through without typing (a click goes past it)


@dataclass
class TablePlan:
    """Where a walk through a table types: in which project, table and section, the cells in
    tab order (row, column, first typing, second typing) and what the document then holds."""

    pid: str
    table: str
    section: str
    cells: list[tuple[int, int, str, str]]
    expected: dict[str, Any]


def table_plan(doc, which: str) -> TablePlan:
    """The walk through ``which`` table, on the example portfolio's own years and rows."""
    project = {p["id"]: p for p in doc.projects}
    if which == "capex":
        y0, y1 = sorted(project["HP-001"]["capex"])[:2]
        return TablePlan("HP-001", "grid", "Capex and public funding",
                         [(0, 0, y0[:2], y0[2:]), (0, 1, "3,4", "00,000"), (0, 2, "1,0", "00,000"),
                          (0, 3, "5", "00,000"), (1, 0, y1[:2], y1[2:]), (1, 1, "2,1", "00,000"),
                          (1, 2, "50", "0000"), (1, 3, "6", "00k")],
                         {"capex": {y0: 3_400_000, y1: 2_100_000},
                          "public_funding": {y0: 1_000_000, y1: 500_000},
                          "counterfactual_capex": {y0: 500_000, y1: 600_000}})
    if which == "renewals":
        (item,) = project["EV-003"]["renewals"]
        return TablePlan("EV-003", "renewals", "Capex and public funding",
                         [(0, 0, "Charger ", "units"), (0, 1, "£90", "0,000"), (0, 2, "1", "2")],
                         {"renewals": [{**item, "label": "Charger units", "cost": 900_000,
                                        "every_years": 12}]})
    if which == "benefits":
        # two streams a year, economic and standard: the choices move to revenue and health
        return TablePlan("BUS-005", "benefits", "Operation and other benefits",
                         [(0, 0, "Bus ", "time savings"), (0, 1, COMBO, ""), (0, 2, "12", "0000"),
                          (0, 3, COMBO, ""), (1, 0, "Health ", "benefits"), (1, 1, COMBO, ""),
                          (1, 2, "9", "0000"), (1, 3, COMBO, "")],
                         {"other_benefits": [
                             {"label": "Bus time savings", "kind": "revenue", "per_year": 120_000,
                              "discounting": "health"},
                             {"label": "Health benefits", "kind": "revenue", "per_year": 90_000,
                              "discounting": "health"}]})
    if which == "energy":
        # natural gas and grid electricity: the next fuels of the pack's list
        return TablePlan("HP-001", "energy", "Energy and carbon",
                         [(0, 0, COMBO, ""), (0, 1, "-5,0", "00,000"), (1, 0, COMBO, ""),
                          (1, 1, "1.5", " GWh")],
                         {"energy_changes": [{"fuel": "petrol", "quantity_per_year": -5_000_000},
                                             {"fuel": "heating_oil",
                                              "quantity_per_year": 1_500_000}]})
    if which == "tariffs":
        return TablePlan("BUS-004", "tariffs", "Promoter and financial case",
                         [(0, 0, PASS, ""), (0, 1, "1.", "45"), (1, 0, COMBO, ""), (1, 1, "0.2", "6")],
                         {"tariffs": {"diesel": 1.45, "heating_oil": 0.26}})
    if which == "car-km":
        km = project["CYC-006"]["car_km_removed"]
        y0, y1 = sorted(km)[:2]
        return TablePlan("CYC-006", "car_km_grid", "What would happen anyway, and wider effects",
                         [(0, 0, PASS, ""), (0, 1, "30", "0000"), (1, 0, PASS, ""), (1, 1, "4", "50k")],
                         {"car_km_removed": {**km, y0: 300_000, y1: 450_000}})
    raise KeyError(which)


TABLES = ["capex", "renewals", "benefits", "energy", "tariffs", "car-km"]


def in_table(table: QTableWidget) -> bool:
    """The focus is in the table: on a cell, its editor or a cell's combo box (or its list)."""
    w = focus()
    box = table.cellWidget(table.currentRow(), table.currentColumn())
    return w is not None and (w is table or table.isAncestorOf(w) or box is not None
                              and holds_focus(box))


def go_to_cell(qtbot, table: QTableWidget, r: int, c: int) -> None:
    box = table.cellWidget(r, c)
    if box is not None:
        click(qtbot, box)      # opens its list
    else:
        qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualRect(table.model().index(r, c)).center())


def enter_cell(qtbot, table: QTableWidget, r: int, c: int, first: str, second: str) -> None:
    if first == PASS:
        return
    box = table.cellWidget(r, c)
    if first == COMBO:
        assert isinstance(box, QComboBox) and focus() is box or box.view().isVisible()
        if box.view().isVisible():          # opened by a click: pick the next item in the list
            choose_in_list(qtbot, box, Qt.Key.Key_Down)
        else:
            press(qtbot, Qt.Key.Key_Down)
        pause(qtbot)
        assert isValid(box) and table.cellWidget(r, c) is box, f"cell ({r}, {c}): combo box replaced"
        assert focus() is box, f"cell ({r}, {c}): the focus went to {name(focus())} after a choice"
        return
    type_text(qtbot, first)                 # the first key opens the cell's editor
    pause(qtbot)
    assert in_table(table) and isinstance(focus(), QLineEdit), f"cell ({r}, {c}): editor lost"
    assert focus().text() == first
    type_text(qtbot, second)
    assert focus().text() == first + second


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("which", TABLES)
def test_typing_through_a_table(window, editor, qtbot, which, move):
    plan = table_plan(window.doc, which)
    row = [p["id"] for p in window.doc.projects].index(plan.pid)
    window.projects.select_row(row)
    editor.open_section(plan.section)
    table: QTableWidget = getattr(editor, plan.table)
    assert table.isVisible()
    cells = plan.cells if move == "tab" else [c for c in plan.cells if c[2] != PASS]
    boxes = {(r, c): table.cellWidget(r, c) for r in range(table.rowCount())
             for c in range(table.columnCount()) if table.cellWidget(r, c) is not None}
    r0, c0, first0, _ = cells[0]
    if first0 == PASS and table.cellWidget(r0, c0) is not None:
        table.setCurrentCell(r0, c0)         # as Tab arrives on it (a click opens its list)
        table.cellWidget(r0, c0).setFocus(Qt.FocusReason.TabFocusReason)
    else:
        go_to_cell(qtbot, table, r0, c0)
    for k, (r, c, first, second) in enumerate(cells):
        assert (table.currentRow(), table.currentColumn()) == (r, c)
        enter_cell(qtbot, table, r, c, first, second)
        nxt = cells[k + 1][:2] if k + 1 < len(cells) else None
        if move == "tab" or nxt is None:
            press(qtbot, Qt.Key.Key_Tab)
        else:
            go_to_cell(qtbot, table, *nxt)
        pause(qtbot)
        assert isValid(table) and all(isValid(b) for b in boxes.values())
        if nxt is not None:
            assert (table.currentRow(), table.currentColumn()) == nxt, f"{move} from ({r}, {c})"
            assert in_table(table), f"{move} from ({r}, {c}) put the focus on {name(focus())}"
    if cells[-1][:2] == (table.rowCount() - 1, table.columnCount() - 1):
        # Tab from the table's last cell leaves it for the next control (no keyboard trap)
        assert focus() is not None and not in_table(table), f"Tab from the last cell: {name(focus())}"
    window.doc.wait_for_results()
    for key, expected in plan.expected.items():
        got = window.doc.project(row)[key]
        if key == "tariffs":     # pence: compare as money, not as binary fractions
            assert got.keys() == expected.keys()
            assert_allclose([got[f] for f in expected], list(expected.values()), rtol=1e-12)
        else:
            assert got == expected, key    # whole pounds, kWh and km: exact in binary floating point
    assert {rc: table.cellWidget(*rc) for rc in boxes} == boxes, "combo boxes were replaced"
    assert editor.errors == {}, editor.errors
