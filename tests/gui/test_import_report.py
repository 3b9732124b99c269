"""The import report (issue 9): its lines can be selected and copied, a Copy button copies
the whole report, and it lists the warnings (a share read as a percentage) as well as the
problems, in words."""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPlainTextEdit, QWidget

from appraisal.core import load_pack
from appraisal.gui.import_report import ImportReportDialog, import_lines, show_import_report
from appraisal.io.submission import import_workbooks, write_template
from appraisal.resources import default_pack_dir, example_portfolio


def _submission_helpers():
    """tests/io/test_submission.py fills the template as a promoter would (loaded by path:
    the tests folders are not packages)."""
    path = Path(__file__).resolve().parents[1] / "io" / "test_submission.py"
    spec = importlib.util.spec_from_file_location("_import_report_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _submission_helpers()
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture
def books(tmp_path, pack):
    """A good workbook with a share typed as 0.7 (a warning), a broken one (a problem)."""
    template = tmp_path / "template.xlsx"
    write_template(template, pack)
    project = copy.deepcopy(EXAMPLE["projects"][2])
    project["id"], project["name"] = "EV-101", "Rapid chargers at park-and-ride sites"
    cells = helpers.project_entries(project, pack)
    cells[(helpers.L.PROJECT, helpers.L.PROJECT_CELLS["additionality.leakage"])] = "0.7"
    good = helpers.fill(template, tmp_path / "ev-101.xlsx", cells)
    cells = helpers.project_entries({**project, "id": "EV-102"}, pack)
    cells[(helpers.L.PROJECT, helpers.L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    broken = helpers.fill(template, tmp_path / "ev-102.xlsx", cells)
    return good, broken


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_report_lists_problems_refusals_and_warnings_in_words(books, pack, parent, qtbot):
    good, broken = books
    report = import_workbooks([good, broken], pack)
    assert report.warnings and report.problems       # the import found both
    refused = [f"{good}: the portfolio already has project 'HP-001'"]
    dialog = show_import_report(parent, report, 1, refused, pack)
    assert isinstance(dialog, ImportReportDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Import report"
    assert dialog.windowModality() == Qt.WindowModality.WindowModal   # never an app-wide loop
    assert dialog.text() == "1 project imported. 2 problems found; 1 warning to check."
    assert dialog.icon() == QMessageBox.Icon.Warning
    text = dialog.detailedText()
    # the problem, with its workbook, cell and field in words
    assert "ev-102.xlsx: sheet 'Project', cell" in text and "field 'lifetime'" in text
    assert "lifetime_years" not in text
    assert "  • ev-101.xlsx: the portfolio already has project 'HP-001'" in text
    # the warning: the cell, both readings
    assert "Imported, but check (1): an entry read one way that could have meant another" in text
    assert f"Workbooks read from {good.parent}" in text     # once: each line names its file
    assert "ev-101.xlsx" in text and "'0.7' is read as 70%; if you meant 0.7%, type 0.7%" in text
    assert "field 'additionality: leakage'" in text


def test_the_lines_can_be_selected_and_copied(books, pack, parent, qtbot):
    good, broken = books
    report = import_workbooks([good, broken], pack)
    dialog = show_import_report(parent, report, 1, [], pack)
    box = dialog.findChild(QPlainTextEdit)
    assert box is dialog.lines and box.isReadOnly() and box.isVisible()
    assert box.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert box.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByKeyboard
    # select all and copy, as a user would with the keyboard
    box.setFocus()
    box.selectAll()
    box.copy()
    assert QGuiApplication.clipboard().text() == box.toPlainText()
    # the Copy button copies the summary and every line
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(dialog.text())
    for line in box.toPlainText().splitlines():
        assert line in copied
    assert dialog.isVisible()                  # copying does not close the report
    assert dialog.copied.text() == "Copied to the clipboard."


def test_a_clean_import_says_so(books, pack, parent, qtbot):
    template = books[0].parent / "template.xlsx"
    project = copy.deepcopy(EXAMPLE["projects"][2])
    project["id"] = "EV-103"
    clean = helpers.fill(template, template.parent / "ev-103.xlsx",
                         helpers.project_entries(project, pack))
    report = import_workbooks([clean], pack)
    lines = import_lines(report, 1, [], pack)
    assert lines.summary() == "1 project imported."
    dialog = ImportReportDialog(lines, parent)
    qtbot.addWidget(dialog)
    assert dialog.icon() == QMessageBox.Icon.Information
    assert "without a problem or a warning" in dialog.detailedText()


def test_the_report_can_be_saved_as_a_text_file(books, pack, parent, qtbot, tmp_path,
                                                monkeypatch, message_boxes):
    good, broken = books
    dialog = show_import_report(parent, import_workbooks([good, broken], pack), 1, [], pack)
    # the workbooks share a folder: the report is suggested beside them
    assert dialog.suggested_file().parent == good.parent
    assert dialog.suggested_file().suffix == ".txt"
    out = tmp_path / "reports"
    out.mkdir()
    asked = []

    def choose(parent, title, start, filters):
        asked.append((title, start))
        return str(out / "for the promoters"), "Text files (*.txt)"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0][0] == "Save the import report"
    saved = out / "for the promoters.txt"                  # .txt added
    text = saved.read_text(encoding="utf-8")
    assert text == dialog.report.text() + "\n"
    assert text.startswith(dialog.text())
    for line in dialog.detailedText().splitlines():
        assert line in text
    assert [p.name for p in out.iterdir()] == [saved.name]   # no temporary file left
    assert dialog.isVisible() and dialog.copied.text() == f"Saved to {saved}"

    # a folder that is not there: a message naming the file, and nothing written
    missing = tmp_path / "gone" / "report.txt"
    assert dialog.save(missing) is False
    ((_, title, message),) = message_boxes.take("critical")
    assert title == "Cannot save the report" and str(missing) in message
    assert not missing.parent.exists()
    # cancelling the file dialog writes nothing
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    assert dialog.save_dialog() is False
    assert [p.name for p in out.iterdir()] == [saved.name]
