"""The report shown after importing promoters' submission workbooks: what was added, what
was not and why, and the entries read one way that could have meant another.

Every line is in a read-only text box the user can select and copy from (a Copy
button copies the whole report, and Save… writes it to a text file), so that problems
can be sent back to the promoters who filled the workbooks. Codes are put in words (``field 'lifetime'``, not
``'lifetime_years'``); the cell of each entry is named as the workbook has it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QMessageBox, QPlainTextEdit, QPushButton, QStyle, QVBoxLayout,
                               QWidget)

from ..io.portfolio_file import atomic_write_text
from . import formatting as fmt
from .plain import plain_labels

__all__ = ["ImportLines", "ImportReportDialog", "import_lines", "show_import_report"]


@dataclass(frozen=True)
class ImportLines:
    """An import's outcome in words, one line per entry."""

    added: int
    problems: tuple[str, ...] = ()     # workbooks not imported, and why (cell by cell)
    refused: tuple[str, ...] = ()      # read, but not added (the portfolio has the ID)
    warnings: tuple[str, ...] = ()     # imported as read; a reading to check
    folder: str = ""                   # where the workbooks are (when they share one)

    @property
    def not_added(self) -> int:
        return len(self.problems) + len(self.refused)

    def summary(self) -> str:
        """'1 project imported. 2 problems found; 1 warning to check.'"""
        text = f"{self.added} project{'s' * (self.added != 1)} imported."
        parts = []
        if self.not_added:
            parts.append(f"{self.not_added} problem{'s' * (self.not_added != 1)} found")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)} to check")
        return text + (" " + "; ".join(parts) + "." if parts else "")

    def text(self) -> str:
        """The report as plain text: the summary, then each section with its lines."""
        out = [self.summary(), ""]
        if not (self.not_added or self.warnings):
            out.append("Every workbook was read without a problem or a warning.")
        if self.folder:
            out.append(f"Workbooks read from {self.folder}")
        for title, why, lines in (
                ("Not imported", "correct the cell in the workbook and import it again",
                 self.problems),
                ("Not added", "the portfolio already has a project with this ID", self.refused),
                ("Imported, but check", "an entry read one way that could have meant another",
                 self.warnings)):
            if lines:
                out += ["", f"{title} ({len(lines)}): {why}"] + [f"  • {line}" for line in lines]
        return "\n".join(out)


def _by_name(text: str, files: list[str], short: bool) -> str:
    """A line that begins with a workbook's path, begun with its name instead (when every
    workbook is in one folder, said once at the top)."""
    if short:
        for f in files:
            if f and text.startswith(f):
                return Path(f).name + text[len(f):]
    return text


def import_lines(report, added: int, refused: list[str] = (), pack=None) -> ImportLines:
    """The lines of an :class:`~appraisal.io.submission.ImportReport`: its problems, the
    projects refused for a duplicate ID (``refused``, worded by the caller), and its
    warnings; each in words ("field 'lifetime'", not "'lifetime_years'")."""
    from ..io.submission import describe_problem
    files = sorted({str(w.file) for w in getattr(report, "workbooks", ()) if w.file}, key=len,
                   reverse=True)
    folders = {str(Path(f).parent) for f in files}
    short = len(folders) == 1 and folders != {"."}

    def line(text: str) -> str:
        return fmt.plain(_by_name(text, files, short), pack)

    return ImportLines(added, tuple(line(describe_problem(p)) for p in report.problems),
                       tuple(line(r) for r in refused),
                       tuple(line(describe_problem(w)) for w in report.warnings),
                       next(iter(folders)) if short else "")


class ImportReportDialog(QDialog):
    """The import's report: a summary, then every line in a box that can be selected and
    copied, with a Copy button for the whole of it."""

    def __init__(self, lines: ImportLines, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = lines
        self.setWindowTitle("Import report")
        self.setObjectName("importReport")
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.severity = (QMessageBox.Icon.Warning if lines.not_added or lines.warnings
                         else QMessageBox.Icon.Information)
        icon = QLabel()
        pixmap = self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning if self.severity == QMessageBox.Icon.Warning
            else QStyle.StandardPixmap.SP_MessageBoxInformation)
        icon.setPixmap(pixmap.pixmap(32, 32))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        head.addWidget(icon)
        self.summary = QLabel(lines.summary())
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet("font-weight: 600;")
        head.addWidget(self.summary, 1)
        layout.addLayout(head)
        self.lines = QPlainTextEdit()
        self.lines.setReadOnly(True)     # read only, but selectable and copyable (Ctrl+C)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                           | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.lines.setAccessibleName("Import report lines")
        self.lines.setPlainText(lines.text().split("\n", 1)[1].lstrip("\n"))  # the summary is above
        self.lines.setMinimumSize(560, 180 if (lines.not_added or lines.warnings) else 60)
        layout.addWidget(self.lines, 1)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole report, to paste into an email or a document")
        self.copy_button.setAccessibleName("Copy the import report")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the whole report as a text file")
        self.save_button.setAccessibleName("Save the import report")
        self.save_button.clicked.connect(self.save_dialog)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close the import report")
        buttons.rejected.connect(self.reject)
        close.clicked.connect(self.accept)
        layout.addWidget(buttons)
        self.copied = QLabel()
        self.copied.setStyleSheet("color: #555;")
        layout.addWidget(self.copied)
        self.resize(720, 360 if (lines.not_added or lines.warnings) else 160)
        close.setDefault(True)
        plain_labels(self)       # a saved file's name shown as written

    # QMessageBox's names, so that callers and tests read it alike
    def text(self) -> str:
        return self.summary.text()

    def detailedText(self) -> str:
        return self.lines.toPlainText()

    def icon(self) -> QMessageBox.Icon:
        return self.severity

    def copy(self) -> None:
        """The whole report (summary and every line) to the clipboard."""
        QGuiApplication.clipboard().setText(self.report.text())
        self.copied.setText("Copied to the clipboard.")

    def suggested_file(self) -> Path:
        """'import report 2026-12-03.txt' beside the workbooks (when they share a folder),
        else in the home folder."""
        folder = Path(self.report.folder) if self.report.folder else Path.home()
        if not folder.is_dir():
            folder = Path.home()
        return folder / f"import report {datetime.date.today().isoformat()}.txt"

    def save_dialog(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, "Save the import report",
                                              str(self.suggested_file()),
                                              "Text files (*.txt);;All files (*)")
        return self.save(Path(name)) if name else False

    def save(self, path: Path) -> bool:
        """Write the whole report (summary and every line) to ``path`` as UTF-8 text,
        atomically: a failure leaves no file, or the old one whole. True when saved."""
        if not path.suffix:
            path = path.with_suffix(".txt")
        try:
            atomic_write_text(path, self.report.text() + "\n")
        except OSError as exc:
            QMessageBox.critical(self, "Cannot save the report",
                                 f"{path} could not be saved: {exc.strerror or exc}")
            return False
        self.copied.setText(f"Saved to {path}")
        return True


def show_import_report(parent: QWidget, report, added: int, refused: list[str] = (),
                       pack=None) -> ImportReportDialog:
    """Open the report of an import, window-modal (the application keeps running, as
    with QMessageBox.open); returns the dialog. ``report``: the ImportReport read;
    ``added``: how many projects were added; ``refused``: a line for each project read
    but not added."""
    if pack is None:
        pack = getattr(getattr(parent, "doc", None), "pack", None)
    dialog = ImportReportDialog(import_lines(report, added, list(refused), pack), parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    return dialog

