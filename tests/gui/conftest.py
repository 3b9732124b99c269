"""Fixtures for the GUI tests: the real main window, off screen, with its settings,
recovery files and portfolio in the test's own folder, and message boxes that
record what they would have asked instead of blocking the test."""
from __future__ import annotations

import os
from pathlib import Path

# Before any QApplication exists (pytest-qt creates it in its qapp fixture): no display
# needed. The offscreen platform gets two screens (screens.json): the council laptop the
# application is designed for (1366x768, primary) and a desktop (1920x1080) beside it.
SCREENS = Path(__file__).with_name("screens.json")
if os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"

import json
import shutil
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from appraisal.core import appraise_portfolio, parse_portfolio
from appraisal.gui.main_window import MainWindow
from appraisal.resources import example_portfolio

Button = QMessageBox.StandardButton


@dataclass
class MessageBoxes:
    """Stands in for QMessageBox's blocking static functions.

    Every call is recorded as (kind, title, text). ``question`` returns the
    answers queued with :meth:`answer`, in order; a question nobody expected
    fails the test rather than hanging it (a real modal box would wait forever
    off screen).
    """

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    answers: list[Button] = field(default_factory=list)

    def answer(self, *buttons: Button) -> None:
        self.answers.extend(buttons)

    def take(self, kind: str) -> list[tuple[str, str, str]]:
        """The calls of one kind, which the test thereby expected."""
        taken = [c for c in self.calls if c[0] == kind]
        self.calls = [c for c in self.calls if c[0] != kind]
        return taken

    def _record(self, kind: str):
        def record(parent, title, text, *args, **kwargs):
            self.calls.append((kind, title, text))
            if kind != "question":
                return Button.Ok
            if not self.answers:
                raise AssertionError(f"unexpected question: {title}: {text}")
            return self.answers.pop(0)
        return record


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch) -> MessageBoxes:
    boxes = MessageBoxes()
    for kind in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(boxes._record(kind)))
    yield boxes
    # an error box the test did not look at is a failure the user would have seen
    unexpected = [c for c in boxes.calls if c[0] in ("critical", "warning")]
    assert not unexpected, f"unexpected message boxes: {unexpected}"


@pytest.fixture
def settings(tmp_path) -> QSettings:
    """Settings of this test alone (never the user's registry or ~/.config)."""
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def recovery_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("APPRAISAL_RECOVERY_DIR", str(tmp_path / "appdata"))
    return tmp_path / "appdata" / "recovery"


@pytest.fixture
def example_copy(tmp_path) -> Path:
    path = tmp_path / "pipeline.json"
    shutil.copyfile(example_portfolio(), path)
    return path


def _leave_quietly(window: MainWindow) -> None:
    """Before pytest-qt closes the window: no pending work, nothing to ask about."""
    window.doc.wait_for_results()
    window.doc.undo_stack.setClean()


@pytest.fixture
def make_window(qtbot, settings, recovery_folder):
    """A function building a shown MainWindow that pytest-qt closes after the test."""
    def make() -> MainWindow:
        window = MainWindow(settings)
        qtbot.addWidget(window, before_close_func=_leave_quietly)
        window.show()
        qtbot.waitExposed(window)
        return window
    return make


@pytest.fixture
def start_window(qtbot, settings, recovery_folder):
    """A function opening the window as the application does (``main_window.start``)."""
    from appraisal.gui.main_window import start

    def make(path: str | None = None, **kwargs) -> MainWindow:
        window = start(path, settings, **kwargs)
        qtbot.addWidget(window, before_close_func=_leave_quietly)
        qtbot.waitExposed(window)
        return window
    return make


@pytest.fixture
def window(make_window, example_copy) -> MainWindow:
    """The main window with a copy of the example portfolio open and appraised."""
    w = make_window()
    assert w.open_file(example_copy)
    w.doc.wait_for_results()
    assert w.doc.results is not None and len(w.doc.results.ids) == len(w.doc.projects)
    return w


@pytest.fixture
def appraise():
    """The core's own appraisal of a portfolio document (a copy), as the command line does it."""
    def run(data: dict[str, Any], pack, **options):
        return appraise_portfolio(parse_portfolio(json.loads(json.dumps(data)), pack), pack, **options)
    return run


@pytest.fixture(autouse=True)
def _no_dialog_left_open(qapp):
    """A dialog a test leaves open (an import report, a review) is closed after it: a
    top-level window left on screen takes the mouse from the next test's window (a
    chart's hover then never arrives)."""
    yield
    from PySide6.QtWidgets import QApplication, QDialog
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.close()
    QApplication.processEvents()
