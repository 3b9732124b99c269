"""Long work off the GUI thread, with a progress dialog and a cancel button."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(object, object)   # result, exception

    def __init__(self, job: Callable[[Callable[[int, int], None], Callable[[], bool]], Any]) -> None:
        super().__init__()
        self.job = job
        self.cancel_requested = False

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(lambda done, total: self.progress.emit(done, total),
                              lambda: self.cancel_requested)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never lost
            self.finished.emit(None, exc)
        else:
            self.finished.emit(result, None)


class BackgroundTask(QObject):
    """Runs ``job(progress, cancelled)`` in a thread; ``done(result, error)`` comes back
    on the GUI thread. The window stays responsive meanwhile."""

    done = Signal(object, object)

    def __init__(self, parent: QWidget, title: str, job, *, show_dialog: bool = True) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.worker = _Worker(job)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.worker.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self.dialog: QProgressDialog | None = None
        if show_dialog:
            self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(300)
            self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.worker.cancel_requested = True

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        dialog = self.dialog
        if dialog is not None:
            dialog.setMaximum(total)
            dialog.setLabelText(f"{done} of {total}")
            # last: a modal dialog's setValue() processes events, so _finished may run inside it
            dialog.setValue(done)

    @Slot(object, object)
    def _finished(self, result, error) -> None:
        self.thread.quit()
        self.thread.wait()
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            # the dialog belongs to the window, not to this task: without this, every
            # import or export would leave a hidden dialog behind for the window's life
            self.dialog.deleteLater()
            self.dialog = None
        self.done.emit(result, error)
        self.deleteLater()


def outcome_handler(parent: QWidget, *, cancelled: type[BaseException], cancelled_text: str,
                    failed_title: str, on_result: Callable[[Any], object],
                    failed_text: Callable[[BaseException], str] = str,
                    status: Callable[[str], None] | None = None
                    ) -> Callable[[Any, BaseException | None], None]:
    """The ``done(result, error)`` of a background task that the user may cancel: a
    cancellation is said in the status bar (``status``), a failure in a box titled
    ``failed_title`` with ``failed_text(error)``, and a result goes to ``on_result``.
    The one copy of what export, the PDF summary, import and simulation each did."""

    def done(result: Any, error: BaseException | None) -> None:
        if isinstance(error, cancelled):
            if status is not None:
                status(cancelled_text)
        elif error is not None:
            QMessageBox.critical(parent, failed_title, failed_text(error))
        else:
            on_result(result)

    return done
