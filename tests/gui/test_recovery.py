"""Recovery after a crash with several instances (issue 11, defect 3).

Reproductions from the issue: after two crashed runs, accepting the newest
recovery deleted the other unoffered; a second running instance offered the
first's live autosave as a crash and deleted it on "No"; a damaged recovery
file (``saved_at`` 1e400) crashed the GUI at every start; recovery files were
0644. A crashed run is simulated by a real process that writes its autosave
and is killed (the operating system drops its lock), or, inside the test
process, by closing a window's lock file as the end of its process would.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from appraisal.gui import recovery
from appraisal.gui.recovery_dialog import RecoveryDialog

Button = QMessageBox.StandardButton
ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from appraisal.gui.recovery import RecoveryFile
    data, original = json.loads(sys.argv[1]), sys.argv[2] or None
    r = RecoveryFile()
    r.save(data, Path(original) if original else None)
    print(r.path, flush=True)
    time.sleep(120)      # alive, holding its lock, until the test kills it
""")


class Instance:
    """Another running instance of the application, in its own process."""

    def __init__(self, folder: Path, data: dict, original: Path | None) -> None:
        env = dict(os.environ, APPRAISAL_RECOVERY_DIR=str(folder.parent))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(data), str(original or "")], cwd=ROOT,
            env=env, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        assert line, "the other instance did not start"
        self.path = Path(line)

    def kill(self) -> None:
        """It crashes: no clean close, its recovery file stays."""
        self.proc.kill()
        self.proc.wait(30)
        self.proc.stdout.close()


@pytest.fixture
def instances(recovery_folder):
    started: list[Instance] = []

    def start(data: dict, original: Path | None = None) -> Instance:
        started.append(Instance(recovery_folder, data, original))
        return started[-1]
    yield start
    for i in started:
        if i.proc.poll() is None:
            i.kill()


def crashed_run(instances, data: dict, original: Path | None = None) -> Path:
    i = instances(data, original)
    i.kill()
    return i.path


def crash(window) -> Path:
    """A window's process ends without a clean close: the lock goes, the file stays."""
    window.autosave.stop()
    fd, window.recovery._fd = window.recovery._fd, None
    os.close(fd)
    return window.recovery.path


def in_dialog(act):
    """Run ``act(dialog)`` on the recovery dialog once it is shown (it is modal): looked
    for every 10 ms, since the window may process events before the dialog opens."""
    seen = []

    def run(tries: int = 0):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RecoveryDialog):
            if tries < 1000:
                QTimer.singleShot(10, lambda: run(tries + 1))
            return
        seen.append(dialog)
        try:
            act(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()
    QTimer.singleShot(0, run)
    return seen


def example_data(example_copy: Path, opex: float) -> dict:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["projects"][1]["opex_per_year"] = opex
    return data


def rows(dialog) -> list[list[str]]:
    return [[dialog.table.topLevelItem(k).text(c) for c in range(4)]
            for k in range(dialog.table.topLevelItemCount())]


def test_two_crashed_runs_are_both_offered_and_restoring_one_keeps_the_other(
        make_window, instances, example_copy, recovery_folder, tmp_path):
    old = crashed_run(instances, example_data(example_copy, 11_000.0), example_copy)
    other = tmp_path / "other.json"
    newer_data = example_data(example_copy, 22_000.0)
    del newer_data["projects"][3:]
    newer = crashed_run(instances, newer_data, other)
    assert old != newer and old.exists() and newer.exists()

    shown = []

    def choose(dialog):
        shown.extend(rows(dialog))
        assert dialog.ticked() == [dialog.found[0]]      # the newest, ticked by default
        dialog.restore_button.click()
    seen = in_dialog(choose)
    window = make_window()
    assert window.offer_recovery() is True
    assert seen and shown[0][1:] == ["other.json", newer_data["name"], "3"]
    full = len(example_data(example_copy, 0.0)["projects"])
    assert full > 3 and shown[1][1:] == ["pipeline.json", newer_data["name"], str(full)]
    assert window.doc.portfolio.data["projects"] == newer_data["projects"]
    assert window.doc.path == other and window.doc.is_dirty
    assert not newer.exists()                 # restored: this instance keeps its own copy
    assert window.recovery.path.exists()
    assert old.exists()                       # never offered away: it stays for later

    # the next start offers the one that was kept, and no more
    shown.clear()
    in_dialog(lambda dialog: (shown.extend(rows(dialog)), dialog.keep_button.click()))
    later = make_window()
    assert later.offer_recovery() is False
    assert [r[1] for r in shown] == ["pipeline.json"]
    assert old.exists()


def test_several_can_be_restored_each_as_its_own_document(
        make_window, example_copy, recovery_folder, qtbot):
    first, second = make_window(), make_window()
    for w, opex in ((first, 31_000.0), (second, 32_000.0)):
        assert w.open_file(example_copy)
        w.doc.set_field(1, ("opex_per_year",), opex, "opex")
        w._autosave()
    expected = {crash(w): json.loads(json.dumps(w.doc.portfolio.data)) for w in (first, second)}

    in_dialog(lambda dialog: (dialog.set_ticked(dialog.found), dialog.restore_button.click()))
    window = make_window()
    assert window.offer_recovery() is True
    (extra,) = window.restored_windows
    qtbot.addWidget(extra, before_close_func=lambda w: (w.doc.wait_for_results(),
                                                         w.doc.undo_stack.setClean()))
    restored = [window.doc.portfolio.data, extra.doc.portfolio.data]
    assert sorted(d["projects"][1]["opex_per_year"] for d in restored) == [31_000, 32_000]
    assert all(d in expected.values() for d in restored)
    assert not any(p.exists() for p in expected)
    assert extra.isVisible() and extra.doc.is_dirty


def test_a_live_instance_autosave_is_neither_offered_nor_deleted(
        make_window, instances, example_copy, recovery_folder, message_boxes):
    # another process, running: it holds the lock of its recovery file
    running = instances(example_data(example_copy, 44_000.0), example_copy)
    # and another window of this process, with unsaved changes
    first = make_window()
    assert first.open_file(example_copy)
    first.doc.set_field(1, ("opex_per_year",), 45_000.0, "opex")
    first._autosave()
    assert first.recovery.path.exists()

    second = make_window()
    assert second.offer_recovery() is False          # no dialog: nothing orphaned
    assert QApplication.activeModalWidget() is None
    assert running.path.exists() and first.recovery.path.exists()
    assert running.proc.poll() is None

    # once the other process has crashed, its file is offered (and kept on "keep")
    running.kill()
    offered = []
    in_dialog(lambda dialog: (offered.extend(r.file for r in dialog.found),
                              dialog.keep_button.click()))
    assert second.offer_recovery() is False
    assert offered == [running.path] and running.path.exists()
    assert message_boxes.calls == []


def test_deleting_asks_first_and_deletes_only_the_ticked(
        make_window, instances, example_copy, recovery_folder, message_boxes):
    a = crashed_run(instances, example_data(example_copy, 1.0), example_copy)
    b = crashed_run(instances, example_data(example_copy, 2.0), None)

    def delete(dialog):
        dialog.set_ticked([r for r in dialog.found if r.file == a])
        message_boxes.answer(Button.No)
        dialog.delete_button.click()              # the user says no: nothing goes
        assert a.exists() and len(dialog.found) == 2
        message_boxes.answer(Button.Yes)
        dialog.delete_button.click()
        assert [r.file for r in dialog.found] == [b]
        assert rows(dialog)[0][1] == "a new portfolio (never saved)"
        dialog.keep_button.click()
    in_dialog(delete)
    window = make_window()
    assert window.offer_recovery() is False
    questions = message_boxes.take("question")
    assert len(questions) == 2 and questions[0][1] == "Delete unsaved work?"
    assert "pipeline.json" in questions[0][2]
    assert not a.exists() and not a.with_suffix(".lock").exists()
    assert b.exists()
    assert window.stack.currentWidget() is window.welcome


@pytest.mark.parametrize("content, field", [
    ("{not json", None),
    ('{"recovery_of": null, "saved_at": 1e400, "portfolio": {"projects": []}}', "saved_at"),
    ('{"recovery_of": 7, "saved_at": 1.0, "portfolio": {"projects": []}}', "recovery_of"),
    ('{"recovery_of": null, "saved_at": 1' + "0" * 400 + ', "portfolio": {}}', "saved_at"),
    ('{"recovery_of": null, "saved_at": true, "portfolio": {}}', "saved_at"),
    ('{"recovery_of": null, "saved_at": "yesterday", "portfolio": {}}', "saved_at"),
    ('{"recovery_of": null, "saved_at": 1.0, "portfolio": [1, 2]}', "portfolio"),
    ('{"recovery_of": null, "saved_at": 1.0, "portfolio": {"projects": {"a": 1}}}',
     "portfolio.projects"),
    ('{"recovery_of": null, "saved_at": 1.0, "portfolio": {"version": "two"}}', "version"),
    ('{"recovery_of": "\\ud800", "saved_at": 1.0, "portfolio": {}}', None),
])
def test_a_damaged_recovery_file_is_moved_aside_and_the_window_starts(
        start_window, recovery_folder, message_boxes, content, field):
    recovery.private_folder(recovery_folder)
    bad = recovery_folder / "session-999999-20260101T000000-000000.json"
    bad.write_text(content, encoding="utf-8")

    window = start_window()
    ((_, title, text),) = message_boxes.take("warning")
    assert title == "Damaged recovery files"
    assert bad.name in text and "damaged" in text
    if field:
        assert f"field {field!r}" in text
    assert not bad.exists()
    assert (recovery_folder / "damaged" / bad.name).read_text(encoding="utf-8") == content
    assert window.isVisible() and window.stack.currentWidget() is window.welcome

    again = start_window()                        # never offered, nor reported, again
    assert message_boxes.calls == [] and again.isVisible()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_recovery_files_are_private(make_window, example_copy, recovery_folder):
    recovery_folder.mkdir(parents=True, mode=0o755)
    os.chmod(recovery_folder, 0o755)
    window = make_window()
    assert window.open_file(example_copy)
    window.doc.set_field(1, ("opex_per_year",), 5.0, "opex")
    old_umask = os.umask(0)       # even with a permissive umask
    try:
        window._autosave()
    finally:
        os.umask(old_umask)
    path = window.recovery.path
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.with_suffix(".lock").stat().st_mode & 0o777 == 0o600
    assert recovery_folder.stat().st_mode & 0o777 == 0o700
    # a clean close removes the file and its lock
    window.doc.undo_stack.setClean()
    assert window.close()
    assert not path.exists() and not path.with_suffix(".lock").exists()


def test_the_recovery_dialog_shows_names_as_plain_text(qtbot, tmp_path):
    name = "<b>x</b><img src=x>"
    file = "<i>copy<img src=x>.json"
    r = recovery.Recoverable(tmp_path / "session-1-x.json", str(tmp_path / file),
                             1.0e9, {"name": name, "projects": [{"id": name}]})
    dialog = RecoveryDialog([r])
    qtbot.addWidget(dialog)
    assert rows(dialog) == [[r.when, file, name, "1"]]
    assert dialog.table.topLevelItem(0).checkState(0) == Qt.CheckState.Checked


def test_starting_on_a_file_still_offers_the_orphans_in_a_window_of_their_own(
        start_window, instances, example_copy, tmp_path, qtbot):
    data = example_data(example_copy, 66_000.0)
    left = crashed_run(instances, data, tmp_path / "elsewhere.json")
    in_dialog(lambda dialog: dialog.restore_button.click())
    window = start_window(str(example_copy))
    assert window.doc.path == example_copy and not window.doc.is_dirty   # the file asked for
    (extra,) = window.restored_windows
    qtbot.addWidget(extra, before_close_func=lambda w: (w.doc.wait_for_results(),
                                                         w.doc.undo_stack.setClean()))
    assert extra.doc.portfolio.data["projects"] == data["projects"]
    assert extra.doc.path == tmp_path / "elsewhere.json" and extra.doc.is_dirty
    assert not left.exists() and extra.recovery.path.exists()
