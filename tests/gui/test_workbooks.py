"""Importing submission workbooks and exporting the appraisal workbook from the window,
in the background, without blocking it."""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from appraisal.gui import main_window as main_window_module
from appraisal.io.submission import write_template
from appraisal.io.workbook import SUMMARY, SUMMARY_HEADER_ROW
from appraisal.resources import example_portfolio


def _submission_helpers():
    """tests/io/test_submission.py fills the template as a promoter would; reuse it.

    Loaded by file path: the tests folders are not packages, and under
    --import-mode=importlib they are not on sys.path either.
    """
    path = Path(__file__).resolve().parents[1] / "io" / "test_submission.py"
    spec = importlib.util.spec_from_file_location("_gui_submission_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _submission_helpers()
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))


@pytest.fixture
def submission(window, tmp_path) -> tuple[Path, dict]:
    """A filled submission workbook for a new project (the example's EV-003 under a new ID)."""
    template = tmp_path / "template.xlsx"
    write_template(template, window.doc.pack)
    project = copy.deepcopy(EXAMPLE["projects"][2])
    project["id"], project["name"] = "EV-101", "Rapid chargers at park-and-ride sites"
    book = helpers.fill(template, tmp_path / "ev-101.xlsx",
                        helpers.project_entries(project, window.doc.pack))
    return book, project


def _report_box(window):
    from appraisal.gui.import_report import ImportReportDialog
    boxes = window.findChildren(ImportReportDialog)
    return boxes[-1] if boxes else None


def test_import_adds_the_project_without_blocking_and_undo_removes_it(window, submission, qtbot,
                                                                      appraise):
    book, project = submission
    doc = window.doc
    n = len(doc.projects)
    task = window.import_files([book])
    assert task in window._tasks
    qtbot.waitUntil(lambda: len(doc.projects) == n + 1 and not window._tasks, timeout=30_000)

    imported = doc.project(n)
    assert imported["id"] == "EV-101" and imported["name"] == project["name"]
    doc.wait_for_results()
    assert doc.results.ids[doc.result_index(n)] == "EV-101"
    # the imported inputs appraise exactly as the project they came from
    expected = appraise({**EXAMPLE, "projects": [project]}, doc.pack).metrics["npsv_gbp"][0]
    assert doc.results.metrics["npsv_gbp"][doc.result_index(n)] == pytest.approx(expected, rel=1e-12)

    box = _report_box(window)
    assert box is not None and box.isVisible()
    assert box.text() == "1 project imported."
    assert "without a problem" in box.detailedText()
    assert window.last_import_report == (1, [])
    # the report is window-modal, not an application-wide modal loop: the test got here
    box.close()

    assert doc.undo_stack.undoText() == "Import 1 submission"
    window.a_undo.trigger()
    assert len(doc.projects) == n and all(p["id"] != "EV-101" for p in doc.projects)
    window.a_redo.trigger()
    assert doc.project(n)["id"] == "EV-101"


def test_import_reports_problems_and_a_duplicate_id(window, submission, tmp_path, qtbot):
    book, project = submission
    template = tmp_path / "template.xlsx"
    duplicate = helpers.fill(template, tmp_path / "hp-001.xlsx",
                             helpers.project_entries(EXAMPLE["projects"][0], window.doc.pack))
    cells = helpers.project_entries({**project, "id": "EV-102"}, window.doc.pack)
    cells[(helpers.L.PROJECT, helpers.L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    broken = helpers.fill(template, tmp_path / "ev-102.xlsx", cells)
    doc = window.doc
    n = len(doc.projects)

    window.import_files([book, duplicate, broken])
    # HP-001 is a resubmission: Replace (with its diff) or Skip is offered; skipped here
    from appraisal.gui.changes_dialog import ChangesDialog
    qtbot.waitUntil(lambda: not window._tasks and bool(window.findChildren(ChangesDialog)),
                    timeout=30_000)
    window.findChildren(ChangesDialog)[-1].buttons["none"].click()
    qtbot.waitUntil(lambda: _report_box(window) is not None, timeout=30_000)

    assert [p["id"] for p in doc.projects[n:]] == ["EV-101"]
    added, lines = window.last_import_report
    assert added == 1 and len(lines) == 2
    assert any(str(broken) in line and "lifetime_years" in line for line in lines)
    assert any(str(duplicate) in line and "HP-001" in line for line in lines)
    box = _report_box(window)
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "1 project imported. 2 problems found."
    assert box.detailedText().count("\n  • ") == 2
    box.close()


def test_export_writes_a_summary_row_per_project(window, tmp_path, qtbot):
    path = tmp_path / "b.xlsx"
    task = window.export_to(path)
    with qtbot.waitSignal(task.done, timeout=60_000) as done:
        pass
    assert done.args[1] is None, done.args[1]
    qtbot.waitUntil(lambda: path.exists() and not window._tasks, timeout=10_000)
    assert window.statusBar().currentMessage() == f"Exported {path}"
    # the progress dialog goes with its task
    qtbot.waitUntil(lambda: not window.findChildren(QProgressDialog), timeout=5_000)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["b.xlsx"]

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)   # the cached values
    rows = list(wb[SUMMARY].iter_rows(min_row=SUMMARY_HEADER_ROW + 2, values_only=True))
    wb.close()
    ids = [p["id"] for p in window.doc.projects]
    assert [r[0] for r in rows[:len(ids)]] == ids
    assert rows[len(ids)][0] == "Portfolio total"
    assert all(r[0] is None for r in rows[len(ids) + 1:])


def test_cancelled_export_writes_nothing(window, tmp_path, qtbot, monkeypatch):
    from appraisal.io.workbook import ExportCancelled
    original_start = main_window_module.BackgroundTask.start

    def start_then_cancel(task):
        # the user presses Cancel before the first project sheet is written
        task.cancel()
        original_start(task)

    monkeypatch.setattr(main_window_module.BackgroundTask, "start", start_then_cancel)
    path = tmp_path / "cancelled.xlsx"
    task = window.export_to(path)
    with qtbot.waitSignal(task.done, timeout=60_000) as done:
        pass
    assert isinstance(done.args[1], ExportCancelled)
    assert window.statusBar().currentMessage() == "Export cancelled; nothing was written"
    assert not path.exists()
    assert not [p for p in tmp_path.iterdir() if "cancelled" in p.name]   # no temporary file left
    assert not window._tasks
