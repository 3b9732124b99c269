"""The Portfolio page: every portfolio-level field edited through the document, each
change one undo step, checked by the core, with the core's defaults; a new portfolio
starts in the current year at the pack's default price base."""
from __future__ import annotations

import datetime

import pytest
from numpy.testing import assert_allclose
from PySide6.QtCore import Qt

from appraisal.core.portfolio import DEFAULTS
from appraisal.gui.main_window import PAGES, PORTFOLIO_PAGE


@pytest.fixture
def page(window):
    window.a_portfolio.trigger()                      # Edit > Portfolio settings…
    assert window.stack.currentWidget() is window.portfolio_page
    assert window.nav.currentItem().text() == PAGES[PORTFOLIO_PAGE] == "Portfolio"
    return window.portfolio_page


def pick(box, data) -> None:
    """Choose an item of a combo box as a user does (activated, not only the index)."""
    k = box.findData(data)
    assert k >= 0, data
    box.setCurrentIndex(k)
    box.activated.emit(k)


def spin(box, value) -> None:
    box.setValue(value)                               # keyboard tracking is off: one commit


def test_reachable_from_the_navigation(window):
    window.nav.setCurrentRow(PORTFOLIO_PAGE)
    assert window.stack.currentWidget() is window.portfolio_page


EDITS = [
    # key, how the user edits it, the value in the file, the Edit menu's words
    ("name", lambda p: (p.name.setText("Black Country pipeline"), p.name.editingFinished.emit()),
     "Black Country pipeline", "Change portfolio name"),
    ("appraisal_year", lambda p: spin(p.appraisal_year, 2027), 2027, "Change appraisal year"),
    ("price_base_year", lambda p: spin(p.price_base_year, 2023), 2023, "Change price base year"),
    ("notes", lambda p: (p.notes.setPlainText("For the March board"), p.notes.editingFinished.emit()),
     "For the March board", "Change portfolio notes"),
    ("discount_schedule", lambda p: pick(p.discount_schedule, "health"), "health",
     "Change discount schedule"),
    ("carbon_series", lambda p: pick(p.carbon_series, "high"), "high", "Change carbon series"),
    ("energy_series", lambda p: pick(p.energy_series, "low"), "low",
     "Change energy price series"),
    ("vfm_basis", lambda p: p.vfm_buttons["social"].click(), "social",
     "Change value-for-money basis"),
    ("financial_discount_rate", lambda p: spin(p.financial_discount_rate, 0.0), 0.0,
     "Change financial discount rate"),
    ("financial_ob_share", lambda p: spin(p.financial_ob_share, 40.0), 0.4,
     "Change optimism bias in the financial case"),
    ("financial_basis", lambda p: pick(p.financial_basis, "nominal"), "nominal",
     "Change financial basis"),
]


@pytest.mark.parametrize("key, edit, value, words", EDITS, ids=[e[0] for e in EDITS])
def test_each_field_is_an_undoable_edit_that_reaches_the_results(window, page, qtbot, appraise,
                                                                 key, edit, value, words):
    doc = window.doc
    before = dict(doc.portfolio.data)
    had = key in before
    commands = doc.undo_stack.count()
    edit(page)
    assert doc.portfolio.data[key] == value
    assert doc.undo_stack.count() == commands + 1 and doc.undo_stack.undoText() == words
    assert window.isWindowModified()
    doc.wait_for_results()
    assert doc.results is not None
    expected = appraise(doc.portfolio.data, doc.pack)
    for metric in ("npsv_gbp", "financial_npv_gbp", "bcr_public"):
        assert_allclose(doc.results.metrics[metric], expected.metrics[metric], rtol=1e-12,
                        equal_nan=True, err_msg=metric)
    if key == "name":
        assert window.dashboard.title.text() == value and value in window.windowTitle()

    window.a_undo.trigger()
    assert (key in doc.portfolio.data) == had and doc.portfolio.data.get(key) == before.get(key)
    assert not window.isWindowModified()
    # the page shows the document again
    page.refresh()
    window.a_redo.trigger()
    assert doc.portfolio.data[key] == value


def test_two_edits_are_two_undo_steps(window, page):
    doc = window.doc
    spin(page.financial_discount_rate, 5.0)
    spin(page.financial_discount_rate, 6.0)
    assert doc.portfolio.data["financial_discount_rate"] == 0.06
    window.a_undo.trigger()
    assert doc.portfolio.data["financial_discount_rate"] == 0.05
    assert page.financial_discount_rate.value() == 5.0       # the page follows the undo


def test_the_page_shows_the_cores_defaults_for_fields_left_out(make_window, tmp_path):
    import json
    from appraisal.resources import example_portfolio
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    for key in ("financial_discount_rate", "discount_schedule", "carbon_series", "energy_series",
                "vfm_basis", "financial_ob_share", "financial_basis", "price_base_year"):
        data.pop(key, None)
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    window = make_window()
    assert window.open_file(path)
    page = window.portfolio_page
    assert page.financial_discount_rate.value() == pytest.approx(DEFAULTS.financial_discount_rate
                                                                 * 100)
    assert page.financial_ob_share.value() == pytest.approx(DEFAULTS.financial_ob_share * 100)
    for key in ("discount_schedule", "carbon_series", "energy_series", "financial_basis"):
        assert getattr(page, key).currentData() == getattr(DEFAULTS, key), key
    assert page.vfm_buttons[DEFAULTS.vfm_basis].isChecked()
    assert page.price_base_year.text() == f"The pack's default ({window.doc.pack.default_price_base_year})"
    assert "Default: 3.5%" in page.errors["financial_discount_rate"].parent().findChildren(
        type(page.errors["name"]))[0].text()


def test_a_value_the_core_refuses_is_shown_and_not_set(window, page):
    doc = window.doc
    commands = doc.undo_stack.count()
    first = doc.pack.deflator_years[0]
    # the spin box cannot go below the table (its lowest value means "the pack's default"),
    # so ask the page to commit a year the core refuses, as a typed value would
    assert page.commit("price_base_year", first - 5) is False
    assert page.errors["price_base_year"].isVisibleTo(page)
    assert "deflator" in page.errors["price_base_year"].text()
    assert doc.undo_stack.count() == commands
    assert page.commit("price_base_year", first + 1) is True
    assert not page.errors["price_base_year"].isVisibleTo(page)


def test_restore_defaults_is_one_undo_step(window, page):
    doc = window.doc
    pick(page.carbon_series, "low")
    spin(page.financial_discount_rate, 7.0)
    page.restore_button.click()
    for key in ("carbon_series", "financial_discount_rate", "vfm_basis", "financial_basis"):
        assert doc.portfolio.data[key] == getattr(DEFAULTS, key)
    assert doc.undo_stack.undoText() == "Restore the default portfolio choices"
    window.a_undo.trigger()
    assert doc.portfolio.data["carbon_series"] == "low"
    assert doc.portfolio.data["financial_discount_rate"] == 0.07


def test_a_new_portfolio_starts_this_year_at_the_packs_price_base(make_window):
    window = make_window()
    window.new_portfolio()
    data = window.doc.portfolio.data
    assert data["appraisal_year"] == datetime.date.today().year
    assert data["price_base_year"] == window.doc.pack.default_price_base_year
    for key in ("discount_schedule", "carbon_series", "energy_series", "vfm_basis",
                "financial_discount_rate", "financial_ob_share", "financial_basis"):
        assert data[key] == getattr(DEFAULTS, key), key
    window.a_portfolio.trigger()
    page = window.portfolio_page
    assert page.appraisal_year.value() == datetime.date.today().year
    assert page.price_base_year.value() == window.doc.pack.default_price_base_year


def test_the_example_gets_a_name_of_its_own(window, page, qtbot):
    """Issue 9: a pipeline begun from the example kept "(illustrative example)"."""
    page.name.setFocus()
    page.name.selectAll()
    qtbot.keyClicks(page.name, "Our pipeline")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert window.doc.portfolio.data["name"] == "Our pipeline"
    assert window.doc.name == "Our pipeline"


def test_ctrl_z_in_a_committed_field_undoes_the_document(window, page, qtbot):
    """Issue 9: Ctrl+Z in a field undid the field's text, not the document."""
    doc = window.doc
    window.activateWindow()
    page.name.setFocus()
    qtbot.waitUntil(page.name.hasFocus, timeout=2_000)
    page.name.selectAll()
    qtbot.keyClicks(page.name, "Our pipeline")
    # still being typed: Ctrl+Z is the field's own
    qtbot.keyClick(page.name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.undo_stack.count() == 0
    qtbot.keyClicks(page.name, "Our pipeline")
    page.name.selectAll()
    qtbot.keyClicks(page.name, "Our pipeline")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)            # committed
    assert doc.portfolio.data["name"] == "Our pipeline" and doc.undo_stack.count() == 1
    qtbot.keyClick(page.name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.undo_stack.index() == 0 and doc.portfolio.data["name"] != "Our pipeline"
    assert page.name.text() == doc.portfolio.data["name"]    # the field follows the document
    qtbot.keyClick(page.name, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert doc.portfolio.data["name"] == "Our pipeline"
    # the same in a spin box
    page.financial_discount_rate.setFocus()
    spin(page.financial_discount_rate, 6.0)
    assert doc.undo_stack.undoText() == "Change financial discount rate"
    qtbot.keyClick(page.financial_discount_rate, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.portfolio.data["financial_discount_rate"] == pytest.approx(0.035)
