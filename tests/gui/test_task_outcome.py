"""The one done/failed/cancelled handler of the window's background tasks
(gui/tasks.py outcome_handler), and the window's tasks going through it."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from appraisal.gui.tasks import outcome_handler


class Stopped(Exception):
    pass


def handler(parent, said, got):
    return outcome_handler(parent, cancelled=Stopped, cancelled_text="Stopped; nothing written",
                           failed_title="It failed", failed_text=lambda e: f"not written: {e}",
                           on_result=got.append, status=said.append)


def test_each_outcome_goes_to_its_own_place(qtbot, message_boxes):
    parent = QWidget()
    qtbot.addWidget(parent)
    said, got = [], []
    done = handler(parent, said, got)
    done(42, None)
    assert (got, said, message_boxes.calls) == ([42], [], [])
    done(None, Stopped())
    assert (got, said, message_boxes.calls) == ([42], ["Stopped; nothing written"], [])
    done(None, OSError("disk full"))
    assert message_boxes.take("critical") == [("critical", "It failed", "not written: disk full")]
    assert (got, said) == ([42], ["Stopped; nothing written"])


def test_a_cancelled_simulation_says_so_in_the_status_bar(window, qtbot):
    task = window.run_simulation(200_000, 1)
    task.cancel()
    qtbot.waitUntil(lambda: not window._tasks, timeout=30_000)
    assert window.statusBar().currentMessage() == "Simulation cancelled"
    assert window.uncertainty.result is None
