"""Names shown as written, never as HTML (issue 11: "names rendered as HTML in the GUI").

A project named ``<b>x</b><img src=x>`` was shown bold with an image; each place
a name, ID or pack text reaches a label, a message box or a tooltip is checked
to show the characters themselves.
"""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from appraisal.gui import plain

Button = QMessageBox.StandardButton
NAME = "<b>x</b><img src=x>"
PID = "<i>P1</i>"
PORTFOLIO = "<h1>Big</h1> pipeline"


def shown_as(tip: str) -> str:
    """The characters a tooltip shows: Qt renders it as HTML when it looks like HTML."""
    from PySide6.QtGui import Qt as GuiQt
    if not GuiQt.mightBeRichText(tip):
        return tip
    doc = QTextDocument()
    doc.setHtml(tip)
    return doc.toPlainText()


@pytest.fixture
def hostile(make_window, example_copy):
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["name"] = PORTFOLIO
    data["projects"][0].update(id=PID, name=NAME)
    example_copy.write_text(json.dumps(data), encoding="utf-8")
    window = make_window()
    assert window.open_file(example_copy)   # a file with a problem is refused on opening
    # a problem that quotes what was read, made while editing
    assert window.doc.set_field(1, ("id",), PID)   # two projects with one ID
    window.doc.wait_for_results()
    window.projects.select_row(0)
    return window


def labels_showing(window, text: str) -> list[QLabel]:
    return [w for w in window.findChildren(QLabel) if text in w.text()]


def test_the_editor_header_and_the_results_heading_show_the_name_as_written(hostile):
    editor = hostile.projects.editor
    assert editor.title.text() == f"{PID}: {NAME}"
    assert editor.title.textFormat() == Qt.TextFormat.PlainText
    heading = hostile.projects.results.heading
    assert heading.text().startswith(f"{PID}: {NAME}")
    assert heading.textFormat() == Qt.TextFormat.PlainText


def test_every_label_of_every_page_showing_a_name_is_plain_text(hostile):
    for k in range(len(hostile.page_actions)):
        hostile.page_actions[k].trigger()
        QApplication.processEvents()
    found = labels_showing(hostile, NAME) + labels_showing(hostile, PORTFOLIO)
    assert {hostile.dashboard.title, hostile.projects.editor.title} <= set(found)
    rich = [(w.objectName(), w.text()) for w in found
            if w.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []
    # the rule behind it: no label of the window reads its text as HTML, including the
    # labels made after the window was built (the gap bars, the figure lists)
    assert hostile.dashboard.gap_bars
    assert [w.text() for w in hostile.findChildren(QLabel)
            if w.textFormat() != Qt.TextFormat.PlainText] == []
    assert hostile.dashboard.title.text() == PORTFOLIO
    assert PORTFOLIO in hostile.windowTitle()    # a window title is never rich text


def test_the_projects_list_and_the_ranking_show_the_name_and_tooltips_literally(hostile):
    model = hostile.model
    keys = [c.key for c in model.columns]
    assert model.index(0, keys.index("name")).data() == NAME
    assert model.index(0, keys.index("id")).data() == PID
    checks = model.index(1, keys.index("status")).data(Qt.ItemDataRole.ToolTipRole)
    assert checks and PID in shown_as(checks)       # the problem quotes the entry as written
    ranking = hostile.dashboard.proxy
    ids = [ranking.index(r, 0).data() for r in range(ranking.rowCount())]
    assert PID in ids


def test_the_scatter_tooltip_shows_the_name_literally(hostile):
    hostile.page_actions[0].trigger()
    scatter = hostile.dashboard.scatter
    point = next(p for p in scatter.points if p.row == 0)
    assert (point.pid, point.name) == (PID, NAME)
    text = scatter.describe(point)
    scatter.show_tip(point)
    assert shown_as(scatter.toolTip()) == text
    assert text.startswith(f"{PID}  {NAME}")


def test_the_delete_question_quotes_the_name(hostile, message_boxes):
    message_boxes.answer(Button.No)
    assert hostile.projects.delete_project() is False
    ((_, title, text),) = message_boxes.take("question")
    assert f"Delete project {PID} ({NAME})" in text


@pytest.mark.parametrize("kind", ["critical", "warning", "information", "question"])
def test_message_boxes_show_their_text_as_plain_text(monkeypatch, qtbot, kind):
    # the test's recorder of message boxes stands in for QMessageBox's static functions;
    # undone here, they are the application's plain-text ones (installed by main_window)
    monkeypatch.undo()
    assert getattr(QMessageBox, kind).__name__ == "show"
    seen = {}

    def look_and_close():
        box = QApplication.activeModalWidget()
        label = box.findChild(QLabel, "qt_msgbox_label")
        seen.update(format=box.textFormat(), label=label.textFormat(), text=label.text())
        box.reject() if kind == "question" else box.accept()
    QTimer.singleShot(0, look_and_close)
    getattr(QMessageBox, kind)(None, "Cannot open", f"Project {NAME} cannot be opened")
    assert seen == {"format": Qt.TextFormat.PlainText, "label": Qt.TextFormat.PlainText,
                    "text": f"Project {NAME} cannot be opened"}


def test_the_about_box_escapes_the_pack_texts(hostile, message_boxes, monkeypatch):
    pack = hostile.doc.pack
    monkeypatch.setattr(pack, "name", NAME)
    monkeypatch.setattr(pack, "notes", PORTFOLIO)
    hostile.about()
    ((_, _, text),) = message_boxes.take("about")
    doc = QTextDocument()
    doc.setHtml(text)
    assert NAME in doc.toPlainText() and PORTFOLIO in doc.toPlainText()


def test_plain_tip_keeps_ordinary_tooltips_and_line_breaks():
    assert plain.plain_tip("Public cost £1.2m") == "Public cost £1.2m"
    assert plain.plain_tip(None) == ""
    tip = plain.plain_tip(f"{NAME}\nsecond line")
    assert tip != f"{NAME}\nsecond line"
    assert shown_as(tip).splitlines() == [NAME, "second line"]
