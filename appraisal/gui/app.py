"""Starting the desktop application."""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

ORGANISATION = "Low-Carbon Appraisal"
APPLICATION = "Low-Carbon Appraisal"


def make_app(argv: list[str] | None = None) -> QApplication:
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance()
    if app is None:
        # fractional scale factors as the screen asks (council laptops at 125% and 150%)
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    return app  # type: ignore[return-value]


def run(path: str | None = None, *, example: bool = False, smoke_test: bool = False) -> int:
    """Open the main window (on ``path``, the example, the last file, or the welcome page)."""
    app = make_app()
    from ..io.atomic import prepare_cleanup
    prepare_cleanup()   # killed runs' XlsxWriter temporary folders go, as the command line does
    from .main_window import start
    settings = QSettings() if not smoke_test else QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, "smoke-test")
    window = start(path, settings, example=example)
    if smoke_test:
        # the bundle's smoke test: the example portfolio appraised in a real window, then exit
        window.doc.wait_for_results(30_000)
        results = window.doc.results
        ok = results is not None and len(results.ids) > 0
        print(f"smoke test: {'ok' if ok else 'FAILED'}: {len(results.ids) if results else 0} "
              f"projects, pack {window.doc.pack.id}")
        window.doc.undo_stack.setClean()
        QTimer.singleShot(0, window.close)
        app.exec()
        return 0 if ok else 1
    return app.exec()
