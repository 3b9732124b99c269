"""Reviewing a returned appraisal workbook and a resubmitted promoter workbook in the
window before anything is applied (issue 10; appraisal/gui/changes_dialog.py,
review_flow.py, returned.py).

The returned workbook is the example's export with two input cells typed into a copy
(openpyxl), at the cells the export's register (``_inputs``) names: a capex year and
a lifetime of the example's first project.
"""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import load_pack, parse_portfolio
from appraisal.gui.changes_dialog import ChangesDialog
from appraisal.gui.import_report import ImportReportDialog
from appraisal.io.submission import write_template
from appraisal.io.workbook import export_workbook
from appraisal.io.workbook import input_register as R
from appraisal.resources import default_pack_dir, example_portfolio


EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))
FIRST = EXAMPLE["projects"][0]["id"]
YEAR = "2027"
CAPEX_BEFORE = EXAMPLE["projects"][0]["capex"][YEAR]
CAPEX_AFTER = CAPEX_BEFORE + 200_000
LIFE_BEFORE = EXAMPLE["projects"][0]["lifetime_years"]
LIFE_AFTER = LIFE_BEFORE + 5
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "review-changes.png"


def _load(path: Path, name: str):
    """A test module's helpers, by file path (the tests folders are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _submission_helpers():
    return _load(Path(__file__).resolve().parents[1] / "io" / "test_submission.py",
                 "_changes_submission_helpers")


unnamed = _load(Path(__file__).with_name("test_accessible_names.py"), "_changes_names").unnamed


def register_of(path: Path) -> dict[tuple[str, ...], str]:
    """Field path -> 'Sheet!B40', as the export's hidden register wrote it."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for row in wb[R.SHEET].iter_rows(min_row=R.FIRST_CELL_ROW + 1, max_col=3, values_only=True):
        if row[0]:
            out[tuple(json.loads(row[0]))] = row[2]
    wb.close()
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """The example exported, and a copy with the capex of 2027 and the lifetime of its
    first project changed; and where those two cells are."""
    pack = load_pack(default_pack_dir())
    folder = tmp_path_factory.mktemp("returned")
    book = folder / "example.xlsx"
    export_workbook(parse_portfolio(copy.deepcopy(EXAMPLE), pack), pack, book,
                    document=copy.deepcopy(EXAMPLE))
    where = register_of(book)
    cells = {"capex": where[("projects", FIRST, "capex", YEAR)],
             "lifetime": where[("projects", FIRST, "lifetime_years")]}
    wb = openpyxl.load_workbook(book)
    for key, value in (("capex", CAPEX_AFTER), ("lifetime", LIFE_AFTER)):
        sheet, ref = cells[key].rsplit("!", 1)
        wb[sheet][ref] = value
    returned = folder / "example-returned.xlsx"
    wb.save(returned)
    return book, returned, cells


def _dialog(window, qtbot) -> ChangesDialog:
    qtbot.waitUntil(lambda: not window._tasks and bool(window.findChildren(ChangesDialog)),
                    timeout=60_000)
    dialog = window.findChildren(ChangesDialog)[-1]
    assert dialog.isVisible()
    return dialog


def _rows(dialog: ChangesDialog) -> list[tuple]:
    return [(r.project, r.field, r.before, r.after, r.where) for r in dialog.rows]


def _first(window) -> dict:
    return window.doc.project(window.doc.row_of(FIRST))


def test_returned_workbook_is_reviewed_before_anything_changes(window, books, qtbot):
    _, returned, cells = books
    before = copy.deepcopy(window.doc.portfolio.data)
    window.open_returned(returned)
    dialog = _dialog(window, qtbot)
    # exactly the two cells typed, old and new as written and as found
    assert sorted(_rows(dialog)) == sorted([
        (FIRST, f"capex.{YEAR}", CAPEX_BEFORE, CAPEX_AFTER, cells["capex"]),
        (FIRST, "lifetime_years", LIFE_BEFORE, LIFE_AFTER, cells["lifetime"])])
    assert window.doc.portfolio.data == before           # nothing applied yet
    assert not window.doc.is_dirty
    # the measures and the attribution are shown, with the order said
    assert dialog.measures.rowCount() == 6
    assert dialog.measures.item(0, 0).text() == "NPSV"
    steps = [dialog.attribution.item(r, 0).text() for r in range(dialog.attribution.rowCount())]
    assert steps[-1] == "Total" and len(steps) == 3      # capex, then lifetime (PROJECT_ORDER)
    assert "capex" in steps[0] and "lifetime" in steps[1]
    assert "one at a time, in this order" in dialog.order.text()
    assert not unnamed(dialog)
    # every label is plain text: names in it come from other people's files
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel
    assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in dialog.findChildren(QLabel))

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    dialog.resize(980, 660)
    assert dialog.grab().save(str(SCREENSHOT))

    # accept the lifetime alone
    n_life = next(n for n, r in enumerate(dialog.rows) if r.field == "lifetime_years")
    dialog.set_checked(1 - n_life, False)
    dialog.buttons["selected"].click()
    assert _first(window)["lifetime_years"] == LIFE_AFTER
    assert _first(window)["capex"][YEAR] == CAPEX_BEFORE
    assert window.doc.undo_stack.undoText().startswith("Accept lifetime_years of " + FIRST)
    window.a_undo.trigger()                               # Ctrl+Z
    assert window.doc.portfolio.data == before


def test_accept_all_is_one_undo_step_per_change(window, books, qtbot):
    _, returned, _ = books
    before = copy.deepcopy(window.doc.portfolio.data)
    index = window.doc.undo_stack.index()
    window.open_returned(returned)
    dialog = _dialog(window, qtbot)
    dialog.buttons["all"].click()
    first = _first(window)
    assert first["capex"][YEAR] == CAPEX_AFTER and first["lifetime_years"] == LIFE_AFTER
    assert window.doc.undo_stack.index() == index + 2            # one step each
    window.a_undo.trigger()                                      # the last one undone
    first = _first(window)
    assert (first["capex"][YEAR] == CAPEX_AFTER) != (first["lifetime_years"] == LIFE_AFTER)
    window.a_undo.trigger()
    assert window.doc.portfolio.data == before


def test_the_measures_shown_are_those_after_accepting(window, books, qtbot, appraise):
    _, returned, _ = books
    window.open_returned(returned)
    dialog = _dialog(window, qtbot)
    after = copy.deepcopy(window.doc.portfolio.data)
    p = next(p for p in after["projects"] if p["id"] == FIRST)
    p["capex"][YEAR], p["lifetime_years"] = CAPEX_AFTER, LIFE_AFTER
    want = appraise(after, window.doc.pack).totals()["npsv_gbp"]
    from appraisal.gui import formatting as fmt
    assert dialog.measures.item(0, 2).text() == fmt.money(want)
    dialog.buttons["none"].click()


def test_reject_all_leaves_the_document_unchanged(window, books, qtbot):
    _, returned, _ = books
    before = copy.deepcopy(window.doc.portfolio.data)
    index = window.doc.undo_stack.index()
    window.open_returned(returned)
    _dialog(window, qtbot).buttons["none"].click()
    assert window.doc.portfolio.data == before
    assert window.doc.undo_stack.index() == index and not window.doc.is_dirty


def test_workbook_of_another_portfolio_opens_as_a_new_document(window, books, qtbot):
    _, returned, _ = books
    window.doc.portfolio.data["id"] = "another-portfolio"    # the open one is not its source
    window.open_returned(returned)
    dialog = _dialog(window, qtbot)
    assert dialog.mode == "open" and len(dialog.rows) == 2
    window.doc.undo_stack.setClean()
    dialog.buttons["all"].click()
    data = window.doc.portfolio.data
    assert window.doc.path is None and window.doc.is_dirty
    assert next(p for p in data["projects"] if p["id"] == FIRST)["lifetime_years"] == LIFE_AFTER
    # its record of the workbook: a later export gains the Changes sheet
    assert data["imported_from"]["file"] == returned.name
    assert data["imported_from"]["base"]["projects"][0]["lifetime_years"] == LIFE_BEFORE


def test_with_no_portfolio_open_the_workbook_opens_after_the_report(make_window, books, qtbot):
    _, returned, _ = books
    window = make_window()
    window.open_returned(returned)
    dialog = _dialog(window, qtbot)
    assert dialog.mode == "open" and "another portfolio" not in dialog.heading.text()
    assert not window._has_document                          # nothing before the decision
    dialog.buttons["all"].click()
    assert window._has_document and window.doc.path is None
    assert _first(window)["capex"][YEAR] == CAPEX_AFTER


def test_export_gives_the_portfolio_an_id_and_the_returned_copy_is_known(window, tmp_path, qtbot):
    window.doc.portfolio.data.pop("id", None)
    path = tmp_path / "sent.xlsx"
    task = window.export_to(path)
    with qtbot.waitSignal(task.done, timeout=120_000):
        pass
    pid = window.doc.portfolio.data["id"]
    assert register_of(path) and window.doc.is_dirty          # the id is a change to save
    assert window.doc.set_field(0, ("name",), "Renamed after the export")   # edited since
    window.open_returned(path)
    dialog = _dialog(window, qtbot)
    assert dialog.mode == "review" and dialog.rows == [] and pid
    assert not dialog.buttons["all"].isEnabled()
    dialog.buttons["none"].click()


def test_open_dialog_takes_an_appraisal_workbook(window, books, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    _, returned, _ = books
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(returned), "")))
    window.open_dialog()
    dialog = _dialog(window, qtbot)
    assert dialog.mode == "review" and len(dialog.rows) == 2
    dialog.buttons["none"].click()


def test_resubmission_of_an_existing_id_offers_replace_then_undo(window, tmp_path, qtbot):
    helpers = _submission_helpers()
    pack = window.doc.pack
    template = tmp_path / "template.xlsx"
    write_template(template, pack)
    project = copy.deepcopy(EXAMPLE["projects"][0])
    project["id"] = FIRST.lower()                 # the same project: case is ignored
    project["lifetime_years"] = LIFE_AFTER
    book = helpers.fill(template, tmp_path / "resubmitted.xlsx",
                        helpers.project_entries(project, pack))
    before = copy.deepcopy(window.doc.portfolio.data)
    n = len(window.doc.projects)

    window.import_files([book])
    dialog = _dialog(window, qtbot)
    assert dialog.mode == "replace"
    assert window.doc.portfolio.data == before               # never a silent overwrite
    # the example's project reads back from the template as it was (tests/io/test_submission.py):
    # the one field changed is the one difference
    assert _rows(dialog) == [(FIRST, "lifetime_years", LIFE_BEFORE, LIFE_AFTER, "")]
    assert dialog.heading.text().startswith(f"{book.name} resubmits project {FIRST}")
    dialog.buttons["all"].click()                            # Replace
    first = _first(window)
    assert first["lifetime_years"] == LIFE_AFTER and first["id"] == FIRST
    assert len(window.doc.projects) == n
    qtbot.waitUntil(lambda: bool(window.findChildren(ImportReportDialog)), timeout=10_000)
    assert window.last_import_report == (1, [])
    assert window.doc.undo_stack.undoText() == f"Replace project {FIRST} from {book.name}"
    window.a_undo.trigger()
    assert window.doc.portfolio.data == before


def test_resubmission_skipped_is_reported(window, tmp_path, qtbot):
    helpers = _submission_helpers()
    pack = window.doc.pack
    template = tmp_path / "template.xlsx"
    write_template(template, pack)
    project = {**copy.deepcopy(EXAMPLE["projects"][0]), "lifetime_years": LIFE_AFTER}
    book = helpers.fill(template, tmp_path / "again.xlsx", helpers.project_entries(project, pack))
    before = copy.deepcopy(window.doc.portfolio.data)
    window.import_files([book])
    _dialog(window, qtbot).buttons["none"].click()           # Skip
    assert window.doc.portfolio.data == before
    qtbot.waitUntil(lambda: bool(window.findChildren(ImportReportDialog)), timeout=10_000)
    added, lines = window.last_import_report
    assert added == 0 and len(lines) == 1 and FIRST in lines[0] and "skipped" in lines[0]
