"""Every control a user can reach on the window's own pages has a name a screen reader
says (issue 9): the welcome page, the toolbar and navigation, the dashboard, the
Projects page's list and filters, Uncertainty, Selection, Portfolio and Delivery. The editor and
the results panel have their own test."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QWidget

QT_INTERNALS = ("qt_spinbox_lineedit",)


def unnamed(root: QWidget, skip: tuple[QWidget, ...] = ()) -> list[str]:
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus or w.objectName() in QT_INTERNALS:
            continue
        if any(w is s or s.isAncestorOf(w) for s in skip):
            continue
        if isinstance(w.parent(), QComboBox) or (isinstance(w, QAbstractItemView)
                                                 and isinstance(w.parent().parent(), QComboBox)):
            continue        # a combo box's own popup list
        if w.parent() is not None and w.parent().inherits("QAbstractScrollArea") \
                and w is w.parent().viewport():
            continue
        if w.inherits("QChartView") is False and type(w).__name__ == "QWidget" \
                and w.parent() is not None and w.parent().inherits("QGraphicsView"):
            continue
        name = w.accessibleName() or (w.text().replace("&", "")
                                      if isinstance(w, QAbstractButton) else "")
        if not name:
            out.append(f"{type(w).__name__} {w.toolTip()[:50]!r} in {type(root).__name__}")
    return out


def test_every_control_of_the_windows_own_pages_has_a_name(window):
    missing = []
    for page in (window.welcome, window.dashboard, window.uncertainty, window.selection,
                 window.portfolio_page, window.delivery, window.toolbar, window.nav):
        missing += unnamed(page)
    page = window.projects
    missing += unnamed(page, skip=(page.editor, page.results))
    assert missing == [], "\n".join(missing)
