"""The Delivery page (issue 13): the example's tracked projects with their status in
words, a baseline recorded and undone, a return added through the dialog, a wrong
entry refused with the core's own message, and a duplicate that starts without the
original's baselines and returns.

Expected figures come from the core (``appraisal.core.delivery``) run on the same
document: the page lays them out and must not compute its own."""
from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from appraisal.core.delivery import DELIVERY_FIELDS, add_actual, track
from appraisal.core.errors import InputError
from appraisal.gui.delivery_page import PIPELINE_COLUMNS, RAG_COLOURS, trial_document
from appraisal.gui.main_window import PAGES

STATUS = PIPELINE_COLUMNS.index("Status")


@pytest.fixture
def page(window):
    window._show_page(PAGES.index("Delivery"))
    window.delivery.refresh()
    return window.delivery


def shown_statuses(page) -> dict[str, str]:
    return {page.table.item(r, 0).text(): page.table.item(r, STATUS).text()
            for r in range(page.table.rowCount())}


def click_ok(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_the_example_shows_its_tracked_projects_with_their_status_in_words(window, page):
    with_baseline = [p["id"] for p in window.doc.projects if p.get("baselines")]
    assert len(with_baseline) == 3         # the example carries GRN-007, PV-009 and RET-010
    core = {p.id: p for p in track(window.doc.portfolio.data, window.doc.pack).projects}
    shown = shown_statuses(page)
    tracked = {pid: text for pid, text in shown.items() if text != "No baseline"}
    assert tracked == {pid: core[pid].status.capitalize() for pid in with_baseline}
    for r in range(page.table.rowCount()):
        item = page.table.item(r, STATUS)
        p = core[page.table.item(r, 0).text()]
        if p.status is None:
            continue
        # the colour is never the only sign: the text says it, and a screen reader hears why
        assert item.background().color().name().lower() == RAG_COLOURS[p.status].lower()
        spoken = item.data(Qt.ItemDataRole.AccessibleTextRole)
        assert spoken.startswith(p.status.capitalize())
        assert all(reason in spoken for reason in p.reasons)
    # the tracked projects come first
    assert list(shown)[:3] == [pid for pid in core if pid in with_baseline]


def test_record_a_baseline_then_undo_it(window, page, qtbot):
    doc = window.doc
    row = next(k for k, p in enumerate(doc.projects) if not p.get("baselines"))
    pid = doc.project(row)["id"]
    record = next(r for r in doc.results.iter_project_records() if r["id"] == pid)
    page.select_project(pid)
    dialog = page.open_baseline_dialog()
    dialog.stage.setCurrentIndex(dialog.stage.findData("obc"))
    dialog.reason.setText("Outline business case approved by the board")
    dialog.date.setText("2027-03-12")
    click_ok(dialog)
    assert not dialog.isVisible() and not dialog.error.isVisible()
    baselines = doc.project(row)["baselines"]
    assert len(baselines) == 1
    b = baselines[0]
    assert (b["stage"], b["reason"], b["date"]) == ("obc", "Outline business case approved by "
                                                    "the board", "2027-03-12")
    assert b["results"]["npsv_gbp"] == pytest.approx(record["npsv_gbp"], rel=1e-12)
    assert b["pack"]["id"] == doc.pack.id
    qtbot.waitUntil(lambda: shown_statuses(page)[pid] != "No baseline")
    assert doc.undo_stack.undoText() == f"Record outline business case baseline of {pid}"
    doc.undo_stack.undo()
    assert "baselines" not in doc.project(row)       # as it was: the field absent
    qtbot.waitUntil(lambda: shown_statuses(page)[pid] == "No baseline")
    doc.undo_stack.redo()
    assert doc.project(row)["baselines"] == baselines


def test_add_a_return_through_the_dialog(window, page, qtbot):
    doc = window.doc
    row = next(k for k, p in enumerate(doc.projects) if p["id"] == "PV-009")
    before = copy.deepcopy(doc.project(row)["actuals"])
    page.select_project("PV-009")
    dialog = page.open_return_dialog()
    dialog.year.setText("2029")
    dialog.quarter.setCurrentIndex(dialog.quarter.findData(1))
    dialog.date.setText("2029-04-20")
    dialog.source.setText("Q1 2029 return: meter readings")
    dialog.money["opex_gbp"].setText("1,250")
    dialog.energy["grid_electricity"].setText("-50000")
    dialog.jobs.setText("1.5")
    click_ok(dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert doc.project(row)["actuals"] == before + [{
        "year": 2029, "quarter": 1, "date": "2029-04-20",
        "source": "Q1 2029 return: meter readings", "opex_gbp": 1250.0,
        "energy_change": {"grid_electricity": -50000.0}, "jobs_fte": 1.5}]
    qtbot.waitUntil(lambda: page.actuals.rowCount() == len(before) + 1)
    assert page.actuals.item(len(before), 0).text() == "2029 Q1"
    doc.undo_stack.undo()
    assert doc.project(row)["actuals"] == before


def test_a_wrong_return_is_refused_with_the_cores_message(window, page):
    doc = window.doc
    row = next(k for k, p in enumerate(doc.projects) if p["id"] == "GRN-007")
    before = copy.deepcopy(doc.project(row))
    steps = doc.undo_stack.count()
    page.select_project("GRN-007")
    dialog = page.open_return_dialog()
    dialog.year.setText("2029")
    dialog.date.setText("2029-02-01")
    dialog.money["capex_gbp"].setText("-5000")
    click_ok(dialog)
    entry = dialog.value()
    with pytest.raises(InputError) as refused:
        add_actual(trial_document(doc, row), "GRN-007", entry, doc.pack)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text() == refused.value.summary(8)
    assert "capex_gbp" in dialog.error.text() and "GRN-007" in dialog.error.text()
    assert dialog.error.textFormat() == Qt.TextFormat.PlainText
    assert doc.project(row) == before and doc.undo_stack.count() == steps
    dialog.reject()


def test_a_date_that_is_not_a_date_is_refused(window, page):
    page.select_project("GRN-007")
    dialog = page.open_return_dialog()
    dialog.date.setText("31/01/2029")
    click_ok(dialog)
    assert "is not a date written YYYY-MM-DD" in dialog.error.text()
    dialog.reject()


def test_a_duplicate_starts_without_the_originals_baselines_and_returns(window):
    doc = window.doc
    row = next(k for k, p in enumerate(doc.projects) if p["id"] == "RET-010")
    assert all(k in doc.project(row) for k in ("baselines", "actuals"))
    new = doc.duplicate_project(row)
    copy_ = doc.project(new)
    assert not any(k in copy_ for k in DELIVERY_FIELDS)
    assert "baselines" in doc.project(row)         # the original keeps them
    rest = {k: v for k, v in doc.project(row).items() if k not in DELIVERY_FIELDS + ("id", "name")}
    assert {k: v for k, v in copy_.items() if k not in ("id", "name")} == rest


def test_the_windows_exports_carry_the_delivery_sheet_and_page(window, qtbot, tmp_path):
    """The workbook and the PDF the window writes get the document's delivery data
    (main_window passes a copy of the document to both)."""
    import openpyxl

    from appraisal.io.workbook.delivery_sheet import SHEET
    book, pdf = tmp_path / "b.xlsx", tmp_path / "s.pdf"
    window.uncertainty.draws.setValue(200)
    for start, path in ((window.export_to, book), (window.export_pdf, pdf)):
        start(path)
        qtbot.waitUntil(lambda: not window._tasks, timeout=120_000)
        assert path.exists(), window.statusBar().currentMessage()
    assert SHEET in openpyxl.load_workbook(book, read_only=True).sheetnames
    from .test_report import pdf_text
    assert "Delivery against the appraisal" in pdf_text(pdf, 3)
