"""Help > User guide: docs/guide.md in the application, its screenshots and its links
to the method; and the guide is installed with the program."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence, QTextDocument

from appraisal.gui.main_window import PAGES
from appraisal.resources import docs_dir

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide.md"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)]+)\)")


def test_the_guide_links_to_the_method_and_shows_existing_screenshots():
    text = GUIDE.read_text(encoding="utf-8")
    targets = LINK.findall(text)
    assert "METHOD.md" in targets and "method-notes.md" in targets
    images = [t for t in targets if t.startswith("screenshots/")]
    assert len(images) >= 5
    for target in targets:
        if not target.startswith("http"):
            assert (GUIDE.parent / target).is_file(), target
    # it walks the officer through every page, to a workbook sent
    for words in (*PAGES, "New portfolio", "Import submission workbooks", "funder BCR",
                  "social BCR", "Monte Carlo", "Export appraisal workbook", "Export PDF summary"):
        assert words.lower() in " ".join(text.split()).lower(), words


def test_help_menu_opens_the_guide_in_the_application(window, qtbot):
    assert window.a_guide.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.a_guide in help_menu.actions() and window.a_method in help_menu.actions()
    window.a_guide.trigger()
    help_window = window.help_window
    qtbot.waitExposed(help_window)
    browser = help_window.browser
    assert browser.toPlainText().startswith("User guide: from a new portfolio")
    assert browser.source().fileName() == "guide.md"
    # every screenshot of the guide is found, and scaled to the window
    for target in LINK.findall(GUIDE.read_text(encoding="utf-8")):
        if target.startswith("screenshots/"):
            image = browser.loadResource(QTextDocument.ResourceType.ImageResource.value,
                                         QUrl(target))
            assert image is not None and not image.isNull(), target
            assert image.width() <= browser.viewport().width()
    # a link to the method opens it in the same window; Back returns
    browser.setSource(QUrl("METHOD.md"))
    assert browser.toPlainText().startswith("The appraisal method")
    assert help_window.buttons["back"].isEnabled()
    help_window.buttons["back"].click()
    assert browser.source().fileName() == "guide.md"
    window.a_method.trigger()
    assert browser.toPlainText().startswith("The appraisal method")
    help_window.buttons["home"].click()
    assert browser.source().fileName() == "guide.md"
    assert help_window.width() <= help_window.screen().availableGeometry().width()


def test_the_guide_is_installed_with_the_program():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    assert "appraisal._docs" in setuptools["packages"]
    assert setuptools["package-dir"]["appraisal._docs"] == "docs"
    assert {"*.md", "screenshots/*.png"} <= set(setuptools["package-data"]["appraisal._docs"])
    assert (docs_dir() / "guide.md").is_file()
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert "get_docs()" in spec
