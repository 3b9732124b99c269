"""Short computations off the GUI thread whose newest answer wins.

A :class:`LatestRunner` runs one function at a time in a thread pool; when a
new request arrives while one is running, the older answer is dropped on
arrival. Used for the selected project's sensitivity analysis, which follows
every edit.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    done = Signal(int, object, object)    # generation, result, error


class _Task(QRunnable):
    def __init__(self, generation: int, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.generation, self.fn, self.signals = generation, fn, signals

    def run(self) -> None:
        try:
            out, err = self.fn(), None
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread
            out, err = None, exc
        self.signals.done.emit(self.generation, out, err)


class LatestRunner(QObject):
    finished = Signal(object, object)     # result, error (only the newest request's)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._done)
        self._generation = 0

    def request(self, fn: Callable[[], Any]) -> None:
        self._generation += 1
        self._pool.start(_Task(self._generation, fn, self._signals))

    def wait(self, ms: int = 10_000) -> None:
        self._pool.waitForDone(ms)

    @Slot(int, object, object)
    def _done(self, generation: int, out: Any, err: Any) -> None:
        if generation == self._generation:
            self.finished.emit(out, err)
