"""The window's side of issue 10: reviewing a returned appraisal workbook, offering
each resubmitted promoter workbook, and exporting with the portfolio's id.

Kept out of main_window.py: these functions take the window and use only its
document, its status bar and its dialogs. Each dialog is window-modal and opened
(never exec'd): the application keeps running, and the decision is taken when the
dialog closes.
"""
from __future__ import annotations

import copy
import uuid
from pathlib import Path

from PySide6.QtCore import Qt

from ..core.errors import InputError, Problem
from ..io import submission_layout as L
from .changes_dialog import ChangesDialog, replace_dialog, review_dialog

__all__ = ["export_document", "offer_resubmissions", "review_returned"]


def _open(window, dialog: ChangesDialog, decided) -> ChangesDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _r: decided(dialog))
    window.review_dialog = dialog
    dialog.open()
    return dialog


def review_returned(window, found, path: Path) -> ChangesDialog:
    """Show what the returned workbook changes; apply what the user accepts (one undo
    step per change), or open it as a new portfolio when it is another one."""
    def decided(dialog: ChangesDialog) -> None:
        chosen = [found.items[n] for n in dialog.chosen()]
        if found.same_portfolio:
            n = window.doc.accept_changes(chosen, found.portfolio.data, path.name) if chosen else 0
            window._say(f"{n} change{'s' * (n != 1)} from {path.name} accepted" if n
                        else f"No change from {path.name} was applied")
        elif dialog.decision == "all" and window.maybe_save():
            window.recovery.discard()
            window._set_document(found.portfolio, None)   # untitled: Save asks where
            window.doc.undo_stack.resetClean()            # not on disk yet
            window._update_title()
            window._say(f"{path.name} opened as a new portfolio")
    return _open(window, review_dialog(window, found, path.name), decided)


def offer_resubmissions(window, found) -> None:
    """Offer each resubmitted project in turn (Replace, one undo step; or Skip), then
    show the import report with what was skipped."""
    from ..io.submission import describe_problem
    from .import_report import show_import_report
    queue = list(found.resubmitted)
    refused = [describe_problem(p) for p in found.repeated]
    replaced: list[str] = []

    def next_one(dialog: ChangesDialog | None = None, current=None) -> None:
        if dialog is not None:
            pid = str(current.old.get("id"))
            row = window.doc.row_of(pid)
            if dialog.decision == "all" and row is not None:
                window.doc.replace_project(row, current.new, f"Replace project {pid} from "
                                                             f"{Path(current.file).name}")
                replaced.append(pid)
            else:
                refused.append(describe_problem(Problem(
                    f"the portfolio already has a project with ID {pid!r}; the resubmission was "
                    "skipped, the project is unchanged", file=current.file, project=pid,
                    field="id", sheet=L.PROJECT, cell=L.PROJECT_CELLS["id"])))
        if queue:
            r = queue.pop(0)
            _open(window, replace_dialog(window, r), lambda d, r=r: next_one(d, r))
            return
        added = len(found.added) + len(replaced)
        problems = [describe_problem(p) for p in found.report.problems]
        window.import_report = show_import_report(window, found.report, added, refused)
        window.last_import_report = (added, problems + refused)
        if replaced:
            window._say(f"Replaced {', '.join(replaced)}")

    next_one()


def export_document(doc):
    """The document an export carries, and a function (for the worker) giving the
    changes since the workbook it was imported from (the Changes sheet). A portfolio
    without an ``id`` is given one first, so that its workbook is known when it comes
    back (FORMAT.md section 7); the portfolio then has a change to save."""
    from .returned import imported_changes
    if not (isinstance(doc.portfolio.data.get("id"), str) and doc.portfolio.data["id"]):
        doc.portfolio.data["id"] = uuid.uuid4().hex
        doc.undo_stack.resetClean()
    data, pack = copy.deepcopy(doc.portfolio.data), doc.pack

    def changes():
        try:
            return imported_changes(data, pack)
        except InputError:      # the workbook's base no longer appraises: no Changes sheet
            return None
    return data, changes
