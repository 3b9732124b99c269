"""Editing a project in the editor: the results follow, agree with the core, and undo.

The figures the window shows come from a background appraisal; each is compared
with :func:`appraisal.core.appraise_portfolio` run on the same edit of a copy of
the portfolio, to floating-point precision (rtol 1e-12). The example portfolio's
years and amounts are read from it, not written here.
"""
from __future__ import annotations

import copy

from numpy.testing import assert_allclose
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from appraisal.gui.editor import ERROR_STYLE, Field, parse_number


def row_of(window, pid: str) -> int:
    return [p["id"] for p in window.doc.projects].index(pid)


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
    pid = doc.project(0)["id"]
    assert editor.row == 0 and editor.title.text().startswith(pid)
    grid = editor.grid
    capex = doc.project(0)["capex"]
    years = sorted(capex)
    assert [grid.cell_text(r, 0) for r in range(grid.rowCount())] == years
    assert grid.cell_text(0, 1) == f"{capex[years[0]]:,.0f}"
    more = capex[years[0]] + 500_000

    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        grid.item(0, 1).setText(f"{more:,.0f}")       # as a user types into the cell

    assert doc.project(0)["capex"] == {**capex, years[0]: more}
    edited = copy.deepcopy(before)
    edited["projects"][0]["capex"][years[0]] = more
    expected = appraise(edited, doc.pack).metrics["npsv_gbp"][0]
    assert_allclose(npsv(window, 0), expected, rtol=1e-12)
    assert npsv(window, 0) < npsv_before           # more capex, same benefits
    # the other projects are untouched
    assert_allclose(npsv(window, 1), appraise(before, doc.pack).metrics["npsv_gbp"][1], rtol=1e-12)

    assert doc.undo_stack.undoText() == f"Change capex and funding of {pid}"
    assert window.a_undo.text().replace("&", "") == f"Undo Change capex and funding of {pid}"
    assert window.isWindowModified()

    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        window.a_undo.trigger()
    assert doc.portfolio.data == before
    assert_allclose(npsv(window, 0), npsv_before, rtol=1e-12)
    assert grid.cell_text(0, 1) == f"{capex[years[0]]:,.0f}"     # the editor shows the undone value
    assert not window.isWindowModified()
    window.a_redo.trigger()
    assert doc.project(0)["capex"][years[0]] == more


def test_pasted_block_adds_years(window, qtbot, appraise):
    doc = window.doc
    row = row_of(window, "GRN-007")                 # one capex year
    window.projects.select_row(row)
    grid = window.projects.editor.grid
    (year,) = doc.project(row)["capex"]
    assert grid.rowCount() == 1
    nxt = str(int(year) + 1)
    grid.setCurrentCell(0, 0)
    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        grid.paste(f"{year}\t1,000,000\r\n{nxt}\t£250,000\t200000\r\n")
    assert doc.project(row)["capex"] == {year: 1_000_000, nxt: 250_000}
    assert doc.project(row)["public_funding"] == {nxt: 200_000}
    assert doc.undo_stack.count() == 1
    assert_allclose(npsv(window, row),
                    appraise(doc.portfolio.data, doc.pack).metrics["npsv_gbp"][row], rtol=1e-12)


def test_typing_a_number_commits_and_recomputes(window, qtbot, appraise):
    doc = window.doc
    window.projects.select_row(0)
    opex = editor_field(window, ("opex_per_year",))
    edit = opex.widget
    before = doc.project(0)["opex_per_year"]
    assert isinstance(edit, QLineEdit) and edit.text() == f"{before:,.0f}"
    npsv_before = npsv(window, 0)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, f"£{before + 20_000:,.0f}")
    with qtbot.waitSignal(window.doc.resultsChanged, timeout=10_000):
        qtbot.keyClick(edit, Qt.Key.Key_Return)     # editingFinished
    assert doc.project(0)["opex_per_year"] == before + 20_000
    assert doc.undo_stack.undoText() == f"Change opex per operating year of {doc.project(0)['id']}"
    assert_allclose(npsv(window, 0), appraise(doc.portfolio.data, doc.pack).metrics["npsv_gbp"][0],
                    rtol=1e-12)
    assert npsv(window, 0) < npsv_before
    assert parse_number(edit.text()) == before + 20_000


def test_an_invalid_value_turns_its_field_red_and_leaves_the_document_alone(window):
    doc = window.doc
    window.projects.select_row(0)
    editor = window.projects.editor
    share = editor_field(window, ("public_funding_share",))
    shared = doc.project(0)["public_funding_share"]
    assert share.widget.text() == f"{shared * 100:g}%"
    before = copy.deepcopy(doc.portfolio.data)
    commands = doc.undo_stack.count()

    share.widget.setText("150")                     # "150" means 150%: more than all of capex
    share.widget.editingFinished.emit()

    assert share.widget.styleSheet() == ERROR_STYLE
    assert share.widget.property("error") == "Public funding share of capex: 150% is more than 100%"
    assert "Public funding share of capex" in editor.error_label.text()
    assert doc.portfolio.data == before and doc.undo_stack.count() == commands
    assert not window.isWindowModified()

    # text that is not a number at all is refused the same way
    share.widget.setText("seventy")
    share.widget.editingFinished.emit()
    assert "'seventy' is not a percentage" in share.widget.property("error")
    assert doc.portfolio.data == before

    # the rest of the form is not blocked
    lifetime = editor_field(window, ("lifetime_years",))
    lifetime.widget.setText("25")
    lifetime.widget.editingFinished.emit()
    assert doc.project(0)["lifetime_years"] == 25
    assert doc.project(0)["public_funding_share"] == shared
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

