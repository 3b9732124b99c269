"""Adding, duplicating, deleting and moving projects with the Projects page's buttons."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

Button = QMessageBox.StandardButton


def ids(window) -> list[str]:
    return [p["id"] for p in window.doc.projects]


def listed_ids(window) -> list[str]:
    proxy = window.projects.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


@pytest.fixture
def page(window):
    assert window.stack.currentWidget() is window.projects
    return window.projects


def click(qtbot, page, name: str) -> None:
    button = page.buttons[name]
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_selects_the_new_project_and_undo_removes_it(window, page, qtbot):
    before = ids(window)
    click(qtbot, page, "add")
    assert ids(window) == before + ["NEW-001"]
    assert page.current_row() == len(before)
    assert page.editor.title.text() == "NEW-001: New project"
    assert listed_ids(window)[-1] == "NEW-001"
    assert page.count.text() == "13 projects"
    window.doc.wait_for_results()
    assert window.doc.result_index(len(before)) is not None   # the blank project is appraised
    assert window.doc.undo_stack.undoText() == "Add project NEW-001"
    click(qtbot, page, "add")
    assert len(ids(window)) == len(before) + 2 and len(set(ids(window))) == len(before) + 2

    window.a_undo.trigger()
    window.a_undo.trigger()
    assert ids(window) == before
    assert page.current_row() is not None and page.current_row() < len(before)


def test_duplicate_copies_the_selected_project_beside_it(window, page, qtbot):
    before = ids(window)
    page.select_row(0)
    click(qtbot, page, "duplicate")
    assert ids(window)[:3] == ["HP-001", "HP-001-copy", "RET-002"]
    copy = window.doc.project(1)
    assert copy["name"] == window.doc.project(0)["name"] + " (copy)"
    assert {k: v for k, v in copy.items() if k not in ("id", "name")} == \
        {k: v for k, v in window.doc.project(0).items() if k not in ("id", "name")}
    assert page.current_row() == 1
    assert window.doc.undo_stack.undoText() == "Duplicate project HP-001"
    window.doc.wait_for_results()
    r = window.doc.results
    assert r.metrics["npsv_gbp"][window.doc.result_index(1)] == \
        pytest.approx(r.metrics["npsv_gbp"][window.doc.result_index(0)], rel=1e-12)
    window.a_undo.trigger()
    assert ids(window) == before


def test_delete_asks_first_naming_the_project(window, page, qtbot, message_boxes):
    before = ids(window)
    page.select_row(1)
    message_boxes.answer(Button.No)
    click(qtbot, page, "delete")
    ((_, title, text),) = message_boxes.take("question")
    name = window.doc.project(1)["name"]
    assert title == "Delete project" and f"RET-002 ({name})" in text and "Ctrl+Z" in text
    assert ids(window) == before and window.doc.undo_stack.count() == 0
    assert window.statusBar().currentMessage() == ""

    message_boxes.answer(Button.Yes)
    window.a_delete.trigger()                # Edit > Delete project asks the same
    assert len(message_boxes.take("question")) == 1
    assert ids(window) == before[:1] + before[2:]
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Deleted project RET-002 ({name})") and "Ctrl+Z" in message


def test_delete_removes_the_selected_project_and_undo_restores_it(window, page, qtbot,
                                                                  message_boxes):
    before = ids(window)
    data = window.doc.project(1)
    page.select_row(1)
    message_boxes.answer(Button.Yes, Button.Yes)
    click(qtbot, page, "delete")
    assert ids(window) == before[:1] + before[2:]
    assert page.current_row() == 1 and page.editor.title.text().startswith("EV-003")
    assert window.doc.undo_stack.undoText() == "Delete project RET-002"
    window.doc.wait_for_results()
    assert "RET-002" not in window.doc.results.ids
    window.a_undo.trigger()
    assert ids(window) == before and window.doc.project(1) == data
    assert page.current_row() == 1 and page.editor.title.text().startswith("RET-002")

    # deleting the last project selects the one before it
    page.select_row(len(before) - 1)
    click(qtbot, page, "delete")
    assert page.current_row() == len(before) - 2


def test_move_down_and_up_follow_the_selection_and_undo(window, page, qtbot):
    before = ids(window)
    page.select_row(0)
    click(qtbot, page, "down")
    assert ids(window)[:2] == ["RET-002", "HP-001"] and page.current_row() == 1
    assert listed_ids(window)[:2] == ["RET-002", "HP-001"]
    assert window.doc.undo_stack.undoText() == "Move project HP-001 down"
    click(qtbot, page, "down")
    assert ids(window)[:3] == ["RET-002", "EV-003", "HP-001"] and page.current_row() == 2
    click(qtbot, page, "up")
    assert ids(window)[:2] == ["RET-002", "HP-001"]
    assert window.doc.undo_stack.undoText() == "Move project HP-001 up"
    # the results follow their projects
    window.doc.wait_for_results()
    r, doc = window.doc.results, window.doc
    assert [r.ids[doc.result_index(row)] for row in range(len(before))] == ids(window)

    commands = doc.undo_stack.count()
    page.select_row(0)
    click(qtbot, page, "up")                 # already first: nothing to do, nothing to undo
    assert doc.undo_stack.count() == commands
    for _ in range(3):
        window.a_undo.trigger()
    assert ids(window) == before


def test_buttons_need_a_selected_project(window, page):
    page.select_row(None)
    assert page.editor.row is None and not page.editor.isEnabled()
    for name in ("duplicate", "delete", "up", "down"):
        assert not page.buttons[name].isEnabled(), name
    assert page.buttons["add"].isEnabled()
    assert not window.a_delete.isEnabled() and window.a_add.isEnabled()


def test_the_selection_survives_undo_redo_and_a_new_pack(window, page, qtbot):
    page.select_row(4)
    click(qtbot, page, "up")
    assert page.current_row() == 3
    window.a_undo.trigger()                  # the model is reset under the view
    assert page.current_row() == 3 and page.editor.row == 3
    window.a_redo.trigger()
    assert page.current_row() == 3
    assert page.editor.title.text().startswith("BUS-005")
    assert window.use_pack(window.doc.pack.folder)
    assert page.current_row() == 3 and page.editor.isEnabled()


def test_the_delete_key_in_the_list_deletes_after_asking(window, page, qtbot, message_boxes):
    before = ids(window)
    page.select_row(2)
    window.activateWindow()
    page.list.setFocus()
    qtbot.waitUntil(page.list.hasFocus, timeout=2_000)
    message_boxes.answer(Button.Yes)
    qtbot.keyClick(page.list, Qt.Key.Key_Delete)
    assert len(message_boxes.take("question")) == 1
    assert ids(window) == before[:2] + before[3:]
