"""Names shown as the user typed them, never as HTML (issue 11).

Qt shows a label's, a message box's or a tooltip's text as rich text when it
looks like HTML (``Qt::mightBeRichText``: a known tag early in the first
line). Project names, IDs, file names, pack ids and sources come from
promoters' workbooks and other people's files, so a name such as
``<b>x</b><img src=x>`` would be shown bold, with an image fetched, instead of
as written. The application never means a label or a message box to be rich
text (the About box, which builds its HTML itself, escapes what it quotes), so:

- every QLabel of a window is made plain text (:func:`plain_labels`, after the
  window is built; a label made later is made plain where it is made);
- QMessageBox's static functions (``critical``, ``warning``, ``information``,
  ``question``) are replaced by ones that show the text as plain text
  (:func:`install_plain_message_boxes`), so that every call site, present or
  future, is safe;
- a tooltip has no plain-text setting: :func:`plain_tip` turns a tooltip that
  Qt would read as HTML into HTML that shows the same characters.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt   # the namespace with mightBeRichText
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = ["escape", "install_plain_message_boxes", "message_box", "plain_labels", "plain_tip"]

Button = QMessageBox.StandardButton


def escape(text: object) -> str:
    """Text to quote inside HTML the application writes itself (the About box)."""
    return html.escape(str(text), quote=True)


def plain_tip(text: str | None) -> str:
    """A tooltip that shows ``text`` as written: unchanged unless Qt would take it for
    HTML, then escaped HTML of the same characters (line breaks kept)."""
    if not text:
        return ""
    if not GuiQt.mightBeRichText(text):
        return text
    # pre-wrap: spaces and line breaks as written, long lines still wrapped
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


def plain_labels(root: QWidget) -> None:
    """Make every label under ``root`` (and ``root`` itself, if a label) plain text."""
    labels = root.findChildren(QLabel)
    if isinstance(root, QLabel):
        labels.append(root)
    for label in labels:
        if label.textFormat() == Qt.TextFormat.AutoText:
            label.setTextFormat(Qt.TextFormat.PlainText)


def message_box(icon: QMessageBox.Icon, parent: QWidget | None, title: str, text: str,
                buttons: Button = Button.Ok, default: Button = Button.NoButton) -> QMessageBox:
    """The box QMessageBox's static functions show, with its text as plain text."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if default != Button.NoButton:
        box.setDefaultButton(default)
    return box


def _static(icon: QMessageBox.Icon, ok: Button):
    def show(parent, title, text, buttons=ok, defaultButton=Button.NoButton):
        box = message_box(icon, parent, title, text, buttons, defaultButton)
        try:
            # exec() gives the standard button pressed (Escape: the box's escape button)
            return Button(box.exec())
        finally:
            box.deleteLater()
    show.__doc__ = f"QMessageBox's static function, the text shown as plain text ({icon.name})."
    return staticmethod(show)


REPLACED = {
    "critical": (QMessageBox.Icon.Critical, Button.Ok),
    "warning": (QMessageBox.Icon.Warning, Button.Ok),
    "information": (QMessageBox.Icon.Information, Button.Ok),
    "question": (QMessageBox.Icon.Question, Button.Yes | Button.No),
}


def install_plain_message_boxes() -> None:
    """Replace QMessageBox's static functions by plain-text ones (once; harmless again)."""
    for name, (icon, ok) in REPLACED.items():
        if not getattr(getattr(QMessageBox, name), "_plain", False):
            func = _static(icon, ok)
            func.__func__._plain = True      # type: ignore[attr-defined]
            setattr(QMessageBox, name, func)
