"""Saving, reopening, and refusing files that are not sound portfolios."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.gui.main_window import APP_NAME


def test_save_and_reopen_gives_the_same_figures_and_keeps_unknown_fields(
        make_window, example_copy, tmp_path, qtbot):
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["x_council_reference"] = {"board": "Investment Board", "item": 7}   # not in FORMAT.md
    data["projects"][2]["x_officer"] = "J. Smith"
    example_copy.write_text(json.dumps(data), encoding="utf-8")

    window = make_window()
    assert window.open_file(example_copy)
    doc = window.doc
    assert window.windowTitle() == f"{doc.name} — pipeline.json[*] — {APP_NAME}"
    assert not window.isWindowModified()

    window.projects.select_row(2)
    lifetime = next(f for f in window.projects.editor.fields if f.path == ("lifetime_years",))
    lifetime.widget.setText("18")
    with qtbot.waitSignal(doc.resultsChanged, timeout=10_000):
        lifetime.widget.editingFinished.emit()
    assert window.isWindowModified() and window.status_saved.text() == "unsaved changes"

    saved = tmp_path / "saved.json"
    assert window._save_to(saved)
    assert not window.isWindowModified() and window.status_saved.text() == "saved"
    assert window.windowTitle() == f"{doc.name} — saved.json[*] — {APP_NAME}"
    assert doc.path == saved

    written = json.loads(saved.read_text(encoding="utf-8"))
    assert written["x_council_reference"] == {"board": "Investment Board", "item": 7}
    assert written["projects"][2]["x_officer"] == "J. Smith"
    assert written["projects"][2]["lifetime_years"] == 18

    # an edit after saving marks the window again; undoing it returns to the saved state
    doc.set_field(0, ("opex_per_year",), 1.0, "opex")
    assert window.isWindowModified()
    window.a_undo.trigger()
    assert not window.isWindowModified()

    other = make_window()
    assert other.open_file(saved)
    other.doc.wait_for_results()
    doc.wait_for_results()
    a, b = doc.results, other.doc.results
    assert b.ids == a.ids
    for key, values in a.metrics.items():
        assert_allclose(np.asarray(b.metrics[key], float), np.asarray(values, float), rtol=1e-12,
                        equal_nan=True, err_msg=key)
    assert other.doc.portfolio.data == doc.portfolio.data


def _not_json(path):
    path.write_text('{"format": "appraisal-portfolio", "projects": [', encoding="utf-8")


def _deeply_nested(path):
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")


def _binary(path):
    path.write_bytes(bytes(range(256)) * 64)


def _duplicate_keys(path):
    path.write_text('{"name": "a", "name": "b", "projects": []}', encoding="utf-8")


def _nan(path):
    path.write_text('{"name": "a", "projects": [], "appraisal_year": NaN}', encoding="utf-8")


def _newer_version(path):
    path.write_text('{"format": "appraisal-portfolio", "version": 99, "projects": []}',
                    encoding="utf-8")


def _a_list(path):
    path.write_text("[1, 2, 3]", encoding="utf-8")


def _empty(path):
    path.write_bytes(b"")


def _folder(path):
    path.mkdir()


@pytest.mark.parametrize("damage", [_not_json, _deeply_nested, _binary, _duplicate_keys, _nan,
                                    _newer_version, _a_list, _empty, _folder])
def test_a_damaged_or_hostile_file_is_refused_and_nothing_changes(window, tmp_path, damage,
                                                                  message_boxes):
    doc = window.doc
    window.projects.select_row(3)
    doc.set_field(3, ("opex_per_year",), 61_000.0, "opex")    # unsaved work that must survive
    doc.wait_for_results()
    before = copy.deepcopy(doc.portfolio.data)
    path_before, title_before = doc.path, window.windowTitle()
    commands, results = doc.undo_stack.count(), doc.results

    bad = tmp_path / "bad.json"
    damage(bad)
    assert window.open_file(bad) is False

    ((_kind, title, text),) = message_boxes.take("critical")
    assert title == "Cannot open the portfolio"
    assert str(bad) in text and text.endswith("Nothing was changed.")
    assert doc.portfolio.data == before
    assert doc.path == path_before and window.windowTitle() == title_before
    assert doc.undo_stack.count() == commands and doc.is_dirty and window.isWindowModified()
    assert doc.results is results
    assert window.projects.current_row() == 3
    assert str(bad) not in window._recent()


class SaveDialogs:
    """Stands in for QFileDialog.getSaveFileName: records where it would open."""

    def __init__(self, answer: str = "") -> None:
        self.starts: list[str] = []
        self.answer = answer

    def __call__(self, parent, caption, start, *args, **kwargs):
        self.starts.append(start)
        return self.answer, ""


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """The user's documents folder, in the test's own folder."""
    from PySide6.QtCore import QStandardPaths
    folder = tmp_path / "Documents"
    folder.mkdir()
    real = QStandardPaths.writableLocation

    def location(kind):
        return str(folder) if kind == QStandardPaths.StandardLocation.DocumentsLocation else real(kind)
    monkeypatch.setattr(QStandardPaths, "writableLocation", staticmethod(location))
    return folder


def test_the_example_opens_as_an_untitled_copy_saved_in_the_documents_folder(
        start_window, documents, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from appraisal.gui.main_window import is_installed_file
    from appraisal.resources import example_portfolio
    original = example_portfolio().read_bytes()
    window = start_window(None, example=True)          # `appraisal --example`
    doc = window.doc
    assert doc.path is None and len(doc.projects) == 12
    assert window.windowTitle() == f"{doc.name} — not saved[*] — {APP_NAME}"
    assert str(example_portfolio()) not in window._recent()
    assert is_installed_file(example_portfolio())

    dialogs = SaveDialogs(answer=str(documents / "my pipeline.json"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialogs))
    doc.set_field(0, ("opex_per_year",), 1.0, "opex")
    window.a_save.trigger()                             # Ctrl+S asks where, in Documents
    (start,) = dialogs.starts
    assert Path(start).parent == documents and not is_installed_file(Path(start))
    assert doc.path == documents / "my pipeline.json" and not doc.is_dirty
    assert example_portfolio().read_bytes() == original

    # Save As then starts in the portfolio's own folder
    dialogs.answer = ""
    window.a_save_as.trigger()
    assert Path(dialogs.starts[-1]) == documents / "my pipeline.json"


def test_a_file_of_the_installation_opened_by_name_is_an_untitled_copy(
        make_window, documents, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from appraisal.resources import example_portfolio
    window = make_window()
    assert window.open_file(example_portfolio())         # e.g. from an old recent-files list
    assert window.doc.path is None
    dialogs = SaveDialogs()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialogs))
    assert window.save() is False                        # cancelled in the dialog
    assert Path(dialogs.starts[0]).parent == documents
    for dialog in (window.export_dialog, window.pdf_dialog):
        dialog()
        assert Path(dialogs.starts[-1]).parent == documents


def test_saving_a_document_the_loader_would_refuse_is_refused_and_nothing_is_lost(
        window, example_copy, message_boxes):
    """Two projects whose IDs differ only in case may stand while editing, but the
    file would not open again (the loader refuses it): the save is refused with the
    loader's words, nothing is written and the document stays open and modified."""
    doc = window.doc
    on_disk = example_copy.read_bytes()
    first_id = doc.projects[0]["id"]
    doc.set_field(1, ("id",), first_id.lower(), "Project ID")
    doc.wait_for_results()
    edited = copy.deepcopy(doc.portfolio.data)

    assert window._save_to(example_copy) is False

    ((_kind, title, text),) = message_boxes.take("critical")
    assert title == "Cannot save"
    assert str(example_copy) in text and "was not saved" in text
    assert f"duplicate id {first_id.lower()!r}" in text   # the loader's words (core/portfolio.py)
    assert example_copy.read_bytes() == on_disk
    assert doc.portfolio.data == edited and doc.is_dirty and window.isWindowModified()

    doc.set_field(1, ("id",), "RET-002-B", "Project ID")   # put right, it saves
    assert window._save_to(example_copy)
    assert json.loads(example_copy.read_text(encoding="utf-8"))["projects"][1]["id"] == "RET-002-B"
    assert not window.isWindowModified()


def test_the_application_removes_stale_xlsx_temp_folders_at_start(monkeypatch):
    """app.run calls the command line's start-up cleanup (issue 11: XlsxWriter's temp
    files of killed exports go at the next start)."""
    import appraisal.gui.app as app_module
    import appraisal.io.atomic as atomic
    called = []
    monkeypatch.setattr(atomic, "prepare_cleanup", lambda: called.append(True))

    class Stop(Exception):
        pass

    def stop(*_a, **_k):
        raise Stop

    import appraisal.gui.main_window as mw
    monkeypatch.setattr(mw, "start", stop)
    with pytest.raises(Stop):
        app_module.run(None)
    assert called == [True]
