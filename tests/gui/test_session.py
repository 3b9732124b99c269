"""Autosave and recovery after a crash, and closing with unsaved changes."""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from appraisal.gui.recovery_dialog import RecoveryDialog

Button = QMessageBox.StandardButton


def _edit(window, value: float = 52_000.0) -> None:
    window.projects.select_row(1)
    opex = next(f for f in window.projects.editor.fields if f.path == ("opex_per_year",))
    opex.widget.setText(f"{value:,.0f}")
    opex.widget.editingFinished.emit()
    assert window.doc.project(1)["opex_per_year"] == value


def test_autosave_writes_a_recovery_file_only_with_unsaved_changes(
        make_window, example_copy, recovery_folder, monkeypatch, qtbot):
    monkeypatch.setenv("APPRAISAL_AUTOSAVE_MS", "20")
    window = make_window()
    assert window.autosave.interval() == 20
    window.open_file(example_copy)
    qtbot.wait(100)                      # several autosave ticks
    assert not window.recovery.path.exists()    # nothing unsaved, nothing to recover
    _edit(window)
    qtbot.waitUntil(window.recovery.path.exists, timeout=5_000)
    assert window.recovery.path.parent == recovery_folder
    kept = json.loads(window.recovery.path.read_text(encoding="utf-8"))
    assert kept["recovery_of"] == str(example_copy)
    assert kept["portfolio"]["projects"][1]["opex_per_year"] == 52_000
    # saving removes it: the work is on disk
    assert window._save_to(example_copy)
    assert not window.recovery.path.exists()


def _crash(window) -> None:
    """The session dies here: no more autosaves, no clean close; the end of its process
    drops the lock of its recovery file (test_recovery.py has crashes of real processes)."""
    window._autosave()
    window.autosave.stop()
    fd, window.recovery._fd = window.recovery._fd, None
    os.close(fd)


def _in_dialog(button: str) -> list:
    """Press ``button`` of the recovery dialog when it shows; what it listed is returned."""
    listed: list = []

    def press(tries: int = 0):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RecoveryDialog):
            if tries < 1000:
                QTimer.singleShot(10, lambda: press(tries + 1))
            return
        listed.extend(dialog.found)
        getattr(dialog, button).click()
    QTimer.singleShot(0, press)
    return listed


def test_a_new_window_recovers_the_edited_portfolio_marked_as_modified(
        make_window, example_copy, message_boxes):
    crashed = make_window()
    crashed.open_file(example_copy)
    _edit(crashed)
    _crash(crashed)
    left = crashed.recovery.path
    assert left.exists()
    edited = json.loads(json.dumps(crashed.doc.portfolio.data))

    window = make_window()
    listed = _in_dialog("restore_button")
    assert window.offer_recovery() is True
    assert [r.original for r in listed] == [str(example_copy)]
    assert message_boxes.calls == []

    doc = window.doc
    assert doc.portfolio.data == edited
    assert doc.path == example_copy
    assert doc.is_dirty and window.isWindowModified()
    assert "pipeline.json" in window.windowTitle()
    doc.wait_for_results()
    assert doc.results is not None and len(doc.results.ids) == len(doc.projects)
    # the old session's file is gone; this session keeps its own copy until saved
    assert not left.exists()
    assert window.recovery.path.exists()
    assert window.offer_recovery() is False      # nothing more to recover


def test_keeping_the_recovery_for_later_keeps_the_file(make_window, example_copy, message_boxes):
    crashed = make_window()
    crashed.open_file(example_copy)
    _edit(crashed)
    _crash(crashed)
    window = make_window()
    _in_dialog("keep_button")
    assert window.offer_recovery() is False
    assert message_boxes.calls == []
    assert crashed.recovery.path.exists()        # nothing deleted without the user's word
    assert window.doc.projects == []             # still on the welcome page
    assert window.stack.currentWidget() is window.welcome


def test_closing_with_unsaved_changes_asks(window, message_boxes, example_copy):
    _edit(window)
    window._autosave()
    assert window.recovery.path.exists()

    message_boxes.answer(Button.Cancel)
    assert window.close() is False
    assert window.isVisible() and window.doc.is_dirty
    ((_, _, text),) = message_boxes.take("question")
    assert text == "Save the changes to pipeline.json?"

    message_boxes.answer(Button.Discard)
    assert window.close() is True
    assert not window.isVisible()
    assert len(message_boxes.take("question")) == 1
    assert not window.recovery.path.exists()     # a clean close leaves nothing to recover
    on_disk = json.loads(example_copy.read_text(encoding="utf-8"))
    assert on_disk["projects"][1]["opex_per_year"] == 10_000     # discarded


def test_closing_and_saving(window, message_boxes, example_copy):
    _edit(window, 47_500.0)
    message_boxes.answer(Button.Save)
    assert window.close() is True
    assert len(message_boxes.take("question")) == 1
    on_disk = json.loads(example_copy.read_text(encoding="utf-8"))
    assert on_disk["projects"][1]["opex_per_year"] == 47_500


def test_closing_without_changes_does_not_ask(window, message_boxes):
    assert window.close() is True
    assert message_boxes.calls == []
