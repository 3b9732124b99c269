"""Help > User guide: docs/guide.md (and the method it links to) in a window of its own.

The guide is the Markdown file a reader of the repository sees, rendered by Qt's
QTextBrowser; its links to METHOD.md and method-notes.md open in the same window,
and its screenshots are scaled to the window's width.
"""
from __future__ import annotations

from PySide6.QtCore import QUrl, Qt
from PySide6.QtGui import QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout,
                               QWidget)

from ..resources import docs_dir

GUIDE = "guide.md"
MISSING = ("# User guide\n\nThe user guide was not installed with this copy of the "
           "application. It is `docs/guide.md` in the application's source.")


class GuideBrowser(QTextBrowser):
    """A QTextBrowser whose images fit its width (the screenshots are 1366 pixels wide)."""

    def loadResource(self, kind: int, url: QUrl):
        data = super().loadResource(kind, url)
        if kind == QTextDocument.ResourceType.ImageResource.value and data is not None:
            image = data if isinstance(data, QImage) else QImage.fromData(data)
            width = max(320, self.viewport().width() - 40)
            if not image.isNull() and image.width() > width:
                return image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            return image
        return data


class HelpWindow(QWidget):
    """The user guide, with back, forward and contents buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("User guide — Low-Carbon Appraisal")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.browser = GuideBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setAccessibleName("User guide")
        self.buttons = {}
        for key, text, slot, keys in (
                ("back", "◀ Back", self.browser.backward, QKeySequence.StandardKey.Back),
                ("forward", "Forward ▶", self.browser.forward, QKeySequence.StandardKey.Forward),
                ("home", "Contents", self.show_guide, None)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            if keys is not None:
                button.setShortcut(QKeySequence(keys))
            button.setAccessibleName(text.strip("◀▶ "))
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        layout.addLayout(bar)
        layout.addWidget(self.browser, 1)
        self.browser.backwardAvailable.connect(self.buttons["back"].setEnabled)
        self.browser.forwardAvailable.connect(self.buttons["forward"].setEnabled)
        self.buttons["back"].setEnabled(False)
        self.buttons["forward"].setEnabled(False)
        self._fit()
        self.show_guide()

    def _fit(self) -> None:
        screen = self.screen() or QApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        width, height = 960, 720
        if free is not None:
            width, height = min(width, free.width() - 40), min(height, free.height() - 60)
        self.resize(width, height)

    def show_page(self, name: str) -> bool:
        """Show ``name`` (``guide.md``, ``METHOD.md``...) of the docs; False if absent."""
        folder = docs_dir()
        if folder is None or not (folder / name).is_file():
            self.browser.setMarkdown(MISSING)
            return False
        self.browser.setSearchPaths([str(folder)])
        self.browser.setSource(QUrl.fromLocalFile(str(folder / name)),
                               QTextDocument.ResourceType.MarkdownResource)
        return True

    def show_guide(self) -> bool:
        return self.show_page(GUIDE)
