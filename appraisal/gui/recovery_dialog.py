"""The dialog that offers, at start, the work that instances which ended badly left.

Every orphaned recovery file is listed with its save time, the file it was a copy
of and its number of projects. The user ticks some and restores them (each opens
as its own document), deletes them (after a confirmation), or keeps them all for
a later start. Nothing is deleted without the user's word: closing the dialog
keeps everything. Damaged recovery files were moved aside before the dialog; a
message says so and where they went.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from .recovery import Damaged, Recoverable, find_recoverable

__all__ = ["RecoveryDialog", "offer_recovery_files", "report_damaged"]

COLUMNS = ("Saved at", "File", "Portfolio", "Projects")
NEW_FILE = "a new portfolio (never saved)"


def original_name(r: Recoverable) -> str:
    return Path(r.original).name if r.original else NEW_FILE


class RecoveryDialog(QDialog):
    """The orphaned recovery files, newest first; the newest is ticked.

    After ``exec()``, :attr:`chosen` holds the ticked files to restore (empty when
    the user kept them all for later), and :attr:`deleted` those deleted here."""

    def __init__(self, found: list[Recoverable], parent: QWidget | None = None,
                 app_name: str = "The application") -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.found = list(found)
        self.chosen: list[Recoverable] = []
        self.deleted: list[Recoverable] = []
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{app_name} did not close properly. Unsaved work was kept in the copies below. "
            "Tick the ones to restore (each opens as its own document) or to delete; the "
            "others are kept for the next start.")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTreeWidget()
        self.table.setAccessibleName("Recovered copies of unsaved work")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(list(COLUMNS))
        for k, r in enumerate(self.found):
            self.table.addTopLevelItem(self._item(r, ticked=k == 0))
        for c in range(len(COLUMNS)):
            self.table.resizeColumnToContents(c)
        self.table.itemChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore ticked")
        self.delete_button = QPushButton("Delete ticked…")
        self.keep_button = QPushButton("Keep all for later")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self.restore_ticked)
        self.delete_button.clicked.connect(self.delete_ticked)
        self.keep_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 320)
        self._update_buttons()

    @staticmethod
    def _item(r: Recoverable, ticked: bool) -> QTreeWidgetItem:
        item = QTreeWidgetItem([r.when, original_name(r), r.name, f"{r.project_count:,}"])
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        item.setToolTip(1, r.original or NEW_FILE)     # a tooltip is plain text here:
        item.setData(1, Qt.ItemDataRole.ToolTipRole, r.original or NEW_FILE)
        item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def ticked(self) -> list[Recoverable]:
        return [r for k, r in enumerate(self.found)
                if self.table.topLevelItem(k).checkState(0) == Qt.CheckState.Checked]  # type: ignore[union-attr]  # one item a file found

    def set_ticked(self, files: list[Recoverable]) -> None:
        for k, r in enumerate(self.found):
            item = self.table.topLevelItem(k)   # one item a file found: never None
            assert item is not None
            item.setCheckState(0, Qt.CheckState.Checked if r in files else Qt.CheckState.Unchecked)

    def _update_buttons(self, *_args) -> None:
        some = bool(self.ticked())
        self.restore_button.setEnabled(some)
        self.delete_button.setEnabled(some)

    def restore_ticked(self) -> None:
        self.chosen = self.ticked()
        if self.chosen:
            self.accept()

    def delete_ticked(self) -> None:
        """Delete the ticked copies once the user confirms; the dialog stays for the rest."""
        doomed = self.ticked()
        if not doomed:
            return
        listing = "\n".join(f"  {r.when}  {original_name(r)}" for r in doomed)
        answer = QMessageBox.question(
            self, "Delete unsaved work?",
            f"Delete {len(doomed)} cop{'ies' if len(doomed) != 1 else 'y'} of unsaved work? "
            f"Their changes will be lost.\n\n{listing}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        for r in doomed:
            k = self.found.index(r)
            try:
                r.remove()
            except OSError as exc:
                QMessageBox.warning(self, "Cannot delete",
                                    f"{r.file} could not be deleted: {exc.strerror or exc}")
                continue
            self.found.pop(k)
            self.table.takeTopLevelItem(k)
            self.deleted.append(r)
        if not self.found:
            self.reject()
        self._update_buttons()


def report_damaged(parent: QWidget | None, damaged: list[Damaged]) -> None:
    """Say which recovery files could not be read and where they were put."""
    if not damaged:
        return
    lines = []
    for d in damaged[:10]:
        where = f"moved to {d.moved_to}" if d.moved_to else "left where it is"
        lines.append(f"{d.file.name}: {d.reason}; {where}")
    if len(damaged) > 10:
        lines.append(f"… and {len(damaged) - 10} more")
    box_text = (f"{len(damaged)} recovery file{'s' * (len(damaged) != 1)} could not be read "
                "and will not be offered again:\n\n" + "\n".join(lines))
    QMessageBox.warning(parent, "Damaged recovery files", box_text)


def offer_recovery_files(parent: QWidget | None, exclude: Path | None,
                         app_name: str = "The application") -> list[Recoverable]:
    """Report the damaged recovery files, then offer the orphans. Returns the ones to
    restore, still locked by this instance: the caller restores each, then calls its
    ``remove()`` (or ``release()`` when the restore failed). The others are released."""
    found, damaged = find_recoverable(exclude)
    report_damaged(parent, damaged)
    if not found:
        return []
    dialog = RecoveryDialog(found, parent, app_name)
    try:
        dialog.exec()
        chosen = list(dialog.chosen)
    finally:
        for r in dialog.found:
            if r not in dialog.chosen:
                r.release()
        dialog.deleteLater()
    return chosen
