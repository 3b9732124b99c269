"""BackgroundTask: long work in a thread, its outcome back on the GUI thread."""
from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from appraisal.gui.tasks import BackgroundTask


@pytest.fixture
def parent(qtbot) -> QWidget:
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_result_comes_back_on_the_gui_thread(parent, qtbot):
    ran_in: list[QThread] = []
    received_in: list[QThread] = []

    def job(progress, cancelled):
        ran_in.append(QThread.currentThread())
        return 42

    task = BackgroundTask(parent, "Working", job)
    task.done.connect(lambda result, error: received_in.append(QThread.currentThread()))
    with qtbot.waitSignal(task.done, timeout=5_000) as done:
        task.start()
    assert done.args == [42, None]
    gui = QApplication.instance().thread()
    assert ran_in[0] is not gui and received_in == [gui]


def test_an_error_in_the_job_comes_back_as_the_error(parent, qtbot):
    def job(progress, cancelled):
        raise OSError("disk full")

    task = BackgroundTask(parent, "Working", job)
    with qtbot.waitSignal(task.done, timeout=5_000) as done:
        task.start()
    result, error = done.args
    assert result is None and isinstance(error, OSError) and str(error) == "disk full"


def test_cancel_is_seen_by_the_job(parent, qtbot):
    started = threading.Event()

    def job(progress, cancelled):
        started.set()
        deadline = time.monotonic() + 20   # bounded: a broken cancel fails, it does not hang
        while time.monotonic() < deadline:
            if cancelled():
                return "stopped"
        return "ran to the end"

    task = BackgroundTask(parent, "Working", job)
    with qtbot.waitSignal(task.done, timeout=10_000) as done:
        task.start()
        assert started.wait(5)
        task.cancel()
    assert done.args == ["stopped", None]


def test_progress_arriving_together_with_the_end(parent, qtbot):
    """A shown window-modal progress dialog processes events inside setValue(), so the
    end of the task can be handled in the middle of a progress update."""
    task = BackgroundTask(parent, "Working", lambda progress, cancelled: None)
    task.dialog.setMinimumDuration(0)
    # queued as the worker thread would queue them: three steps, then the end
    for step in (1, 2, 3):
        task.worker.progress.emit(step, 3)
    task.worker.finished.emit("result", None)
    with qtbot.waitSignal(task.done, timeout=5_000) as done:
        pass
    assert done.args == ["result", None]
    qtbot.waitUntil(lambda: not parent.findChildren(QProgressDialog), timeout=5_000)
