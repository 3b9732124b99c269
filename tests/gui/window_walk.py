"""What a user does that can widen the window, and how to tell that it stayed on the screen.

Shared by the offscreen test (test_window_size.py) and the real-window run under Xvfb
(xvfb_screens.py): every page in turn, a Monte Carlo run (its provenance line once
widened the window to some 1,900 px), a selection run, a project with a lifetime of 0
(2,165 px), then every page again.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator

from PySide6.QtWidgets import QApplication


@dataclass
class Measure:
    step: str
    window_width: int
    frame_width: int
    screen_width: int
    nav_width: int
    cut_off: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _settle(window, timeout_s: float = 60.0) -> None:
    """Let background work finish and the layouts settle."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while window._tasks and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.doc.wait_for_results()
    for _ in range(5):
        app.processEvents()


def steps(window) -> Iterator[str]:
    """Do each step in ``window`` (with a portfolio open) and yield its name."""
    from appraisal.gui.main_window import PAGES
    for k, name in enumerate(PAGES):
        window._show_page(k)
        yield f"page {name}"
    window._show_page(PAGES.index("Uncertainty"))
    window.uncertainty.draws.setValue(2000)
    window.uncertainty.run_button.click()
    _settle(window)
    yield "Monte Carlo run"
    window._show_page(PAGES.index("Selection"))
    window.selection.run_button.click()
    _settle(window)
    yield "selection run"
    window.show_project(0)
    window.doc.set_field(0, ("lifetime_years",), 0, "lifetime")
    _settle(window)
    yield "a lifetime of 0"
    for k, name in enumerate(PAGES):
        window._show_page(k)
        yield f"page {name} again"


def measure(window, step: str) -> Measure:
    """The window's width against its screen's, and what does not fit."""
    _settle(window)
    screen = window.screen()
    free = screen.availableGeometry()
    cut: list[str] = []
    page = window.stack.currentWidget()
    if page.minimumSizeHint().width() > window.stack.width():
        cut.append(f"{type(page).__name__} needs {page.minimumSizeHint().width()} px, "
                   f"has {window.stack.width()}")
    bar = window.statusBar()
    for w in (window.status_pack, window.status_choices, window.status_saved, window.status_time):
        if w.isVisible() and w.text() and w.mapTo(window, w.rect().topRight()).x() > window.width():
            cut.append(f"status bar: {w.text()!r} beyond the window")
    if bar.width() > window.width():
        cut.append("the status bar is wider than the window")
    return Measure(step, window.width(), window.frameGeometry().width(), free.width(),
                   window.nav.width(), cut)


def walk(window, on_step: Callable[[Measure], None] | None = None) -> list[Measure]:
    """Every step with its measure (``on_step`` runs after each, e.g. a screenshot)."""
    out = [measure(window, "opened")]
    for name in steps(window):
        out.append(measure(window, name))
        if on_step is not None:
            on_step(out[-1])
    return out


def problems(measures: list[Measure], nav_width: int) -> list[str]:
    """What went wrong at each step: too wide, cut off, the navigation squeezed."""
    bad = []
    for m in measures:
        if m.frame_width > m.screen_width:
            bad.append(f"{m.step}: the window is {m.frame_width} px wide on a "
                       f"{m.screen_width} px screen")
        if m.nav_width != nav_width:
            bad.append(f"{m.step}: the navigation list is {m.nav_width} px, was {nav_width}")
        bad += [f"{m.step}: {c}" for c in m.cut_off]
    return bad
