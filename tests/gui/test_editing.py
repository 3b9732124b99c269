"""Editing a project in the editor: the results follow, agree with the core, and undo.

The figures the window shows come from a background appraisal; each is compared
with :func:`appraisal.core.appraise_portfolio` run on the same edit of a copy of
the portfolio, to floating-point precision (rtol 1e-12).
"""
from __future__ import annotations

import copy

from numpy.testing import assert_allclose
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from appraisal.gui.editor import ERROR_STYLE, Field, parse_number


def editor_field(window, path: tuple) -> Field:
    (f,) = [f for f in window.projects.editor.fields if f.path == path]
    return f


def npsv(window, row: int) -> float:
    doc = window.doc
    return float(doc.results.metrics["npsv_gbp"][doc.result_index(row)])


def test_capex_edit_in_the_year_grid_changes_the_npsv_and_undoes(window, qtbot, appraise):
    doc = window.doc
    before = copy.deepcopy(doc.portfolio.data)
    npsv_before = npsv(window, 0)
    window.projects.select_row(0)
    editor = window.projects.editor
    assert editor.row == 0 and editor.title.text().startswith("HP-001")
    grid = editor.grid
    assert [grid.cell_text(r, 0) for r in range(grid.rowCount())] == ["2022", "2023"]
    assert grid.cell_text(0, 1) == "3,000,000"

    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        grid.item(0, 1).setText("3,500,000")       # as a user types into the cell

    assert doc.project(0)["capex"] == {"2022": 3_500_000, "2023": 2_000_000}
    edited = copy.deepcopy(before)
    edited["projects"][0]["capex"]["2022"] = 3_500_000
    expected = appraise(edited, doc.pack).metrics["npsv_gbp"][0]
    assert_allclose(npsv(window, 0), expected, rtol=1e-12)
    assert npsv(window, 0) < npsv_before           # more capex, same benefits
    # the other projects are untouched
    assert_allclose(npsv(window, 1), appraise(before, doc.pack).metrics["npsv_gbp"][1], rtol=1e-12)

    assert doc.undo_stack.undoText() == "Change capex and funding of HP-001"
    assert window.a_undo.text().replace("&", "") == "Undo Change capex and funding of HP-001"
    assert window.isWindowModified()

    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        window.a_undo.trigger()
    assert doc.portfolio.data == before
    assert_allclose(npsv(window, 0), npsv_before, rtol=1e-12)
    assert grid.cell_text(0, 1) == "3,000,000"     # the editor shows the undone value
    assert not window.isWindowModified()
    window.a_redo.trigger()
    assert doc.project(0)["capex"]["2022"] == 3_500_000


def test_pasted_block_adds_years(window, qtbot, appraise):
    doc = window.doc
    window.projects.select_row(6)                   # GRN-007: one capex year
    grid = window.projects.editor.grid
    assert grid.rowCount() == 1
    grid.setCurrentCell(0, 0)
    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        grid.paste("2022\t1,000,000\r\n2023\t£250,000\t200000\r\n")
    assert doc.project(6)["capex"] == {"2022": 1_000_000, "2023": 250_000}
    assert doc.project(6)["public_funding"] == {"2023": 200_000}
    assert doc.undo_stack.count() == 1
    assert_allclose(npsv(window, 6), appraise(doc.portfolio.data, doc.pack).metrics["npsv_gbp"][6],
                    rtol=1e-12)


def test_typing_a_number_commits_and_recomputes(window, qtbot, appraise):
    doc = window.doc
    window.projects.select_row(0)
    opex = editor_field(window, ("opex_per_year",))
    edit = opex.widget
    assert isinstance(edit, QLineEdit) and edit.text() == "30,000"
    npsv_before = npsv(window, 0)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "£45,000")
    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)     # editingFinished
    assert doc.project(0)["opex_per_year"] == 45_000
    assert doc.undo_stack.undoText() == "Change opex per operating year of HP-001"
    assert_allclose(npsv(window, 0), appraise(doc.portfolio.data, doc.pack).metrics["npsv_gbp"][0],
                    rtol=1e-12)
    assert npsv(window, 0) < npsv_before
    assert parse_number(edit.text()) == 45_000


def test_an_invalid_value_turns_its_field_red_and_leaves_the_document_alone(window):
    doc = window.doc
    window.projects.select_row(0)
    editor = window.projects.editor
    share = editor_field(window, ("public_funding_share",))
    assert share.widget.text() == "70%"
    before = copy.deepcopy(doc.portfolio.data)
    commands = doc.undo_stack.count()

    share.widget.setText("150")                     # "150" means 150%: more than all of capex
    share.widget.editingFinished.emit()

    assert share.widget.styleSheet() == ERROR_STYLE
    assert share.widget.property("error").startswith("Public funding share of capex:")
    assert "Public funding share of capex" in editor.error_label.text()
    assert doc.portfolio.data == before and doc.undo_stack.count() == commands
    assert not window.isWindowModified()

    # text that is not a number at all is refused the same way
    share.widget.setText("seventy")
    share.widget.editingFinished.emit()
    assert "'seventy' is not a number" in share.widget.property("error")
    assert doc.portfolio.data == before

    # the rest of the form is not blocked
    lifetime = editor_field(window, ("lifetime_years",))
    lifetime.widget.setText("25")
    lifetime.widget.editingFinished.emit()
    assert doc.project(0)["lifetime_years"] == 25
    assert doc.project(0)["public_funding_share"] == 0.7
    assert lifetime.widget.styleSheet() == "" and not lifetime.widget.property("error")
    # ... and the wrong value stays in its field, red, for the user to mend (UI.md)
    window.doc.wait_for_results()
    assert share.widget.text() == "seventy" and share.widget.styleSheet() == ERROR_STYLE

    # a right value clears the mark
    share.widget.setText("80%")
    share.widget.editingFinished.emit()
    assert share.widget.styleSheet() == "" and not share.widget.property("error")
    assert doc.project(0)["public_funding_share"] == 0.8
    assert editor.error_label.text() == ""

