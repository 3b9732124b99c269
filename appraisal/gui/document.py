"""The open portfolio: the document model every view and undo command acts on.

The truth is :class:`appraisal.core.Portfolio` (FORMAT.md's JSON object, with
unknown fields kept). The document keeps each project's parsed, immutable form
beside it, re-parsing only the project an edit touched, and recomputes the
results off the GUI thread: an edit hands a tuple of immutable project inputs
to a worker, and the newest results win.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core import (AssumptionPack, InputError, Portfolio, PortfolioInputs, PortfolioResults,
                    Problem, ProjectInputs, parse_project)
from ..core.delivery import DELIVERY_FIELDS
from ..core.incremental import appraise_with_series_on_demand, reappraise
from ..core.portfolio import DEFAULTS, check_portfolio

Path_ = tuple[Any, ...]   # keys into a project dict, e.g. ("readiness", "months_to_start")


def get_path(data: dict, path: Path_, default: Any = None) -> Any:
    cur: Any = data
    for key in path:
        if isinstance(cur, dict):
            cur = cur.get(key)
        elif isinstance(cur, list) and isinstance(key, int) and 0 <= key < len(cur):
            cur = cur[key]
        else:
            return default
        if cur is None:
            return default
    return cur


def set_path(data: dict, path: Path_, value: Any) -> None:
    cur = data
    for key in path[:-1]:
        nxt = cur.get(key) if isinstance(cur, dict) else cur[key]
        if not isinstance(nxt, (dict, list)):
            nxt = {}
            cur[key] = nxt
        cur = nxt
    cur[path[-1]] = copy.deepcopy(value)


# ---------------------------------------------------------------------------
# Undo commands: each records the old value when built and reads as a sentence
# ---------------------------------------------------------------------------

class SetProjectField(QUndoCommand):
    MERGE_ID = 1001

    def __init__(self, doc: "PortfolioDocument", row: int, path: Path_, value: Any, label: str,
                 merge: bool = False):
        pid = doc.project(row).get("id") or f"project {row + 1}"
        super().__init__(f"Change {label} of {pid}")
        self.doc, self.row, self.path, self.new = doc, row, path, copy.deepcopy(value)
        self.old = copy.deepcopy(get_path(doc.project(row), path))
        self.had = _has_path(doc.project(row), path)
        self.merge = merge

    def id(self) -> int:
        # edits made while typing in one field become one undo step
        return self.MERGE_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        # ``merge`` names a typing session (the editor gives each session in a field its
        # own number): the commits of one session merge; a second edit of the same field,
        # after the first was finished, is an undo step of its own
        if not isinstance(other, SetProjectField) or (other.row, other.path) != (self.row, self.path) \
                or not other.merge or other.merge != self.merge:
            return False
        self.new = copy.deepcopy(other.new)
        return True

    def redo(self) -> None:
        set_path(self.doc.project(self.row), self.path, self.new)
        self.doc._project_changed(self.row)

    def undo(self) -> None:
        if self.had:
            set_path(self.doc.project(self.row), self.path, self.old)
        else:
            _del_path(self.doc.project(self.row), self.path)
        self.doc._project_changed(self.row)


class SetPortfolioSetting(QUndoCommand):
    """A portfolio-level field; ``None`` removes it (its default applies)."""

    def __init__(self, doc: "PortfolioDocument", key: str, value: Any, label: str):
        super().__init__(f"Change {label}")
        self.doc, self.key, self.new = doc, key, copy.deepcopy(value)
        self.had = key in doc.portfolio.data
        self.old = copy.deepcopy(doc.portfolio.data.get(key))

    def _set(self, present: bool, value: Any) -> None:
        if present:
            self.doc.portfolio.data[self.key] = copy.deepcopy(value)
        else:
            self.doc.portfolio.data.pop(self.key, None)
        self.doc._settings_changed()

    def redo(self) -> None:
        self._set(self.new is not None, self.new)

    def undo(self) -> None:
        self._set(self.had, self.old)


class InsertProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int, project: dict, text: str):
        super().__init__(text)
        self.doc, self.row, self.project = doc, row, copy.deepcopy(project)

    def redo(self) -> None:
        self.doc.portfolio.projects.insert(self.row, copy.deepcopy(self.project))
        self.doc._row_inserted(self.row)

    def undo(self) -> None:
        del self.doc.portfolio.projects[self.row]
        self.doc._row_removed(self.row)


class RemoveProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int):
        pid = doc.project(row).get("id") or f"project {row + 1}"
        super().__init__(f"Delete project {pid}")
        self.doc, self.row, self.project = doc, row, copy.deepcopy(doc.project(row))

    def redo(self) -> None:
        del self.doc.portfolio.projects[self.row]
        self.doc._row_removed(self.row)

    def undo(self) -> None:
        self.doc.portfolio.projects.insert(self.row, copy.deepcopy(self.project))
        self.doc._row_inserted(self.row)


class ReplaceProject(QUndoCommand):
    """A project replaced whole, in its place (a resubmission, an accepted change of a
    returned workbook): one undo step, whatever fields it changes."""

    def __init__(self, doc: "PortfolioDocument", row: int, project: dict, text: str):
        super().__init__(text)
        self.doc, self.row = doc, row
        self.old, self.new = copy.deepcopy(doc.project(row)), copy.deepcopy(project)

    def _put(self, project: dict) -> None:
        self.doc.portfolio.projects[self.row] = copy.deepcopy(project)
        self.doc._project_changed(self.row)

    def redo(self) -> None:
        self._put(self.new)

    def undo(self) -> None:
        self._put(self.old)


class MoveProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int, to: int):
        pid = doc.project(row).get("id") or f"project {row + 1}"
        super().__init__(f"Move project {pid} {'up' if to < row else 'down'}")
        self.doc, self.row, self.to = doc, row, to

    def _move(self, a: int, b: int) -> None:
        projects = self.doc.portfolio.projects
        projects.insert(b, projects.pop(a))
        self.doc._row_moved(a, b)

    def redo(self) -> None:
        self._move(self.row, self.to)

    def undo(self) -> None:
        self._move(self.to, self.row)


def _has_path(data: dict, path: Path_) -> bool:
    cur: Any = data
    for key in path:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return False
    return True


def _del_path(data: dict, path: Path_) -> None:
    cur: Any = data
    for key in path[:-1]:
        cur = cur.get(key) if isinstance(cur, dict) else None
        if cur is None:
            return
    if isinstance(cur, dict):
        cur.pop(path[-1], None)


# ---------------------------------------------------------------------------
# Background recomputation
# ---------------------------------------------------------------------------

class _Signals(QObject):
    done = Signal(int, object, float)    # generation, PortfolioResults or Exception, ms


class _AppraiseTask(QRunnable):
    """One appraisal in a worker thread: of every project, or, given the previous
    results, of the ``changed`` projects alone (core/incremental.py)."""

    def __init__(self, generation: int, inputs: PortfolioInputs, pack: AssumptionPack,
                 signals: _Signals, previous: PortfolioResults | None = None,
                 changed: tuple[int, ...] = ()):
        super().__init__()
        self.generation, self.inputs, self.pack, self.signals = generation, inputs, pack, signals
        self.previous, self.changed = previous, changed

    def run(self) -> None:  # in a worker thread: only immutable inputs are read
        t0 = time.perf_counter()
        try:
            if self.previous is not None:
                out: object = reappraise(self.previous, self.inputs, self.changed, self.pack)
            else:
                out = appraise_with_series_on_demand(self.inputs, self.pack)
                _ = out.warnings     # worded here, not on the GUI thread; edits carry them over
        except Exception as exc:  # noqa: BLE001 - reported to the user, never lost
            out = exc
        self.signals.done.emit(self.generation, out, (time.perf_counter() - t0) * 1000)


@dataclass
class Snapshot:
    """What the last appraisal saw: results and, for each row, its index in them."""

    results: PortfolioResults | None
    result_index: dict[int, int]
    elapsed_ms: float = 0.0
    error: str | None = None
    # the rows whose results differ from the snapshot before (None: any row may)
    changed_rows: frozenset[int] | None = None


class PortfolioDocument(QObject):
    """An open portfolio file, its undo stack and its latest results."""

    structureChanged = Signal()        # projects added, removed or moved
    projectChanged = Signal(int)       # a project's fields changed (row)
    settingsChanged = Signal()         # portfolio-level fields changed
    resultsChanged = Signal()          # new results arrived
    pathChanged = Signal()
    packChanged = Signal()

    def __init__(self, pack: AssumptionPack, portfolio: Portfolio | None = None,
                 path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pack = pack
        self.portfolio = portfolio or Portfolio.new()
        self.path = path
        self.undo_stack = QUndoStack(self)
        self.snapshot = Snapshot(None, {})
        # per row: the project as the core parsed it (None: it has problems), its own
        # problems, and its id; ids across rows are this document's check
        self._parsed: list[ProjectInputs | None] = []
        self._problems: list[list[Problem]] = []
        self._ids: list[str | None] = []
        self._duplicate_of: dict[int, int] = {}       # row -> the first row with its id
        self._rows: tuple[list[int], dict[int, int]] | None = None   # the sound rows (_inputs)
        self._settings_problems: list[Problem] = []
        # the core's checked portfolio-level inputs (check_portfolio); the projects of
        # an appraisal are put in by _inputs. None while a portfolio-level field is wrong.
        self._checked: PortfolioInputs | None = None
        # one appraisal at a time: the rows edited since the last one began (None: all
        # must be appraised again), and the last results with the rows they cover
        self._dirty: set[int] | None = None
        self._base: tuple[PortfolioResults, tuple[int, ...]] | None = None
        self._running: tuple[int, ...] | None = None      # rows of the appraisal under way
        self._running_index: dict[int, int] = {}
        self._running_rows: set[int] | None = None        # the rows it appraises (None: all)
        self._unshown: set[int] | None = set()            # rows appraised, not yet shown
        self._generation = 0
        self._awaiting = 0
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_results)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self._start_appraisal)
        self._reparse_all()

    # -- reading ------------------------------------------------------------
    @property
    def projects(self) -> list[dict]:
        return self.portfolio.projects

    def project(self, row: int) -> dict:
        return self.portfolio.projects[row]

    def problems(self, row: int) -> list[Problem]:
        if not 0 <= row < len(self._problems):
            return []
        first = self._duplicate_of.get(row)
        if first is None:
            return self._problems[row]
        pid = self._ids[row]
        return self._problems[row] + [Problem(f"duplicate id {pid!r} (also project #{first + 1})",
                                              project=pid, field="id")]

    def settings_problems(self) -> list[Problem]:
        return list(self._settings_problems)

    def result_index(self, row: int) -> int | None:
        return self.snapshot.result_index.get(row)

    @property
    def results(self) -> PortfolioResults | None:
        return self.snapshot.results

    def setting(self, key: str, default: Any = None) -> Any:
        """The portfolio's choice of ``key``; where it makes none, ``default`` or else the
        core's (``DEFAULTS``: one source, so that an explicit 0 stays 0)."""
        v = self.portfolio.data.get(key)
        if v is not None:
            return v
        return getattr(DEFAULTS, key, None) if default is None else default

    @property
    def name(self) -> str:
        return str(self.portfolio.data.get("name") or "Untitled portfolio")

    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def wait_for_results(self, timeout_ms: int = 10_000) -> None:
        """Block until pending appraisals are done (tests and scripts)."""
        from PySide6.QtCore import QCoreApplication
        deadline = time.perf_counter() + timeout_ms / 1000
        while (self._pending.isActive() or self._pool.activeThreadCount()
               or self._awaiting) and time.perf_counter() < deadline:
            QCoreApplication.processEvents()
            self._pool.waitForDone(10)
        QCoreApplication.processEvents()

    # -- editing (every edit is an undo command) ------------------------------
    def check_value(self, row: int, path: Path_, value: Any) -> list[Problem]:
        """Problems the project would have with ``value`` at ``path``, for that field only."""
        candidate = copy.deepcopy(self.project(row))
        if value is None:
            _del_path(candidate, path)
        else:
            set_path(candidate, path, value)
        _, problems = parse_project(candidate, row, self.pack)
        field = ".".join(str(k) for k in path)
        return [p for p in problems if p.field and (p.field == field or p.field.startswith(field + ".")
                                                    or p.field.startswith(field + "["))]

    def set_field(self, row: int, path: Path_, value: Any, label: str | None = None, *,
                  typing: bool = False) -> bool:
        """Change a project's field through the undo stack, unless the value is wrong there.

        ``typing``: the value comes from a field still being typed in; successive
        such changes of one field merge into a single undo step.
        """
        if self.check_value(row, path, value):
            return False
        if get_path(self.project(row), path) == value and _has_path(self.project(row), path):
            return True
        self.undo_stack.push(SetProjectField(self, row, path, value, label or path[-1], typing))
        return True

    def check_setting(self, key: str, value: Any) -> list[Problem]:
        """Problems the portfolio would have with ``value`` for ``key`` (the core's checks)."""
        candidate = {k: v for k, v in self.portfolio.data.items() if k != "projects"}
        if value is None:
            candidate.pop(key, None)
        else:
            candidate[key] = value
        checked = check_portfolio(candidate, self.pack)
        return [p for p in checked.portfolio_problems
                if p.field and (p.field == key or p.field.startswith(key + "."))]

    def set_setting(self, key: str, value: Any, label: str | None = None) -> bool:
        """Change a portfolio-level field through the undo stack, unless the value is wrong."""
        if self.check_setting(key, value):
            return False
        present = key in self.portfolio.data
        if (value is None and not present) or (value is not None and present
                                               and self.portfolio.data[key] == value):
            return True     # nothing changes: nothing to undo
        self.undo_stack.push(SetPortfolioSetting(self, key, value, label or key.replace("_", " ")))
        return True

    def add_project(self, project: dict | None = None, row: int | None = None) -> int:
        row = len(self.projects) if row is None else row
        project = project or self.blank_project()
        self.undo_stack.push(InsertProject(self, row, project, f"Add project {project.get('id')}"))
        return row

    def duplicate_project(self, row: int) -> int:
        # a copy is a new project: the original's baselines and returns are not its own
        copy_ = {k: copy.deepcopy(v) for k, v in self.project(row).items()
                 if k not in DELIVERY_FIELDS}
        copy_["id"] = self.unique_id(str(copy_.get("id") or "P") + "-copy")
        copy_["name"] = f"{copy_.get('name') or ''} (copy)".strip()
        self.undo_stack.push(InsertProject(self, row + 1, copy_,
                                           f"Duplicate project {self.project(row).get('id')}"))
        return row + 1

    def delete_project(self, row: int) -> None:
        self.undo_stack.push(RemoveProject(self, row))

    def move_project(self, row: int, to: int) -> None:
        if 0 <= to < len(self.projects) and to != row:
            self.undo_stack.push(MoveProject(self, row, to))

    def row_of(self, pid: str) -> int | None:
        """The row of the project whose ID is ``pid``, case ignored (the one rule)."""
        from ..core.diff import project_key
        key = project_key(pid)
        return next((n for n, p in enumerate(self.projects)
                     if isinstance(p, dict) and project_key(p.get("id")) == key), None)

    def replace_project(self, row: int, project: dict, text: str) -> None:
        """Put ``project`` in place of row ``row``, keeping the row's spelling of the ID."""
        new = {**copy.deepcopy(project), "id": self.project(row).get("id")}
        self.undo_stack.push(ReplaceProject(self, row, new, text))

    def accept_changes(self, items: list, rebuilt: dict, file: str) -> int:
        """Apply the accepted changes of a returned appraisal workbook (returned.py), one
        undo step each, in the order listed; a change whose project the portfolio no
        longer has is left out. Returns how many were applied."""
        from .returned import changed_project, changed_setting
        done = 0
        for item in items:
            text = f"Accept {item.field} of {item.project or 'the portfolio'} from {file}"
            if item.project is None:
                key, value = changed_setting(self.portfolio.data, item)
                command = SetPortfolioSetting(self, key, value, key)
                command.setText(text)
                self.undo_stack.push(command)
            else:
                row = self.row_of(item.project)
                if row is None:
                    continue
                self.undo_stack.push(ReplaceProject(
                    self, row, changed_project(self.project(row), item, rebuilt), text))
            done += 1
        return done

    def unique_id(self, base: str) -> str:
        have = {p.get("id") for p in self.projects if isinstance(p, dict)}
        if base not in have:
            return base
        n = 2
        while f"{base}-{n}" in have:
            n += 1
        return f"{base}-{n}"

    def blank_project(self) -> dict:
        year = int(self.setting("appraisal_year", 2025))
        return {"id": self.unique_id("NEW-001"), "name": "New project", "category": "other",
                "area": "", "spatial_level": "sub-regional", "price_year": None,
                "capex": {str(year): 1_000_000}, "public_funding_share": 1.0,
                "public_funding": None, "opex_per_year": 0, "operating_start": None,
                "lifetime_years": 20, "energy_changes": [], "other_benefits": [],
                "bill_savings_to_promoter": False, "optimism_bias": None, "ob_mitigation": None,
                "job_years_per_million": None, "operational_fte": 0,
                "additionality": {k: None for k in ("deadweight", "leakage", "displacement",
                                                    "substitution", "multiplier")},
                "readiness": {"planning_consent": False, "site_secured": False,
                              "procurement_ready": False, "match_funding_confirmed": False,
                              "months_to_start": None}}

    # -- whole-document changes -----------------------------------------------
    def replace(self, portfolio: Portfolio, path: Path | None) -> None:
        """Show another portfolio (open, new): the undo history starts afresh."""
        self.portfolio = portfolio
        self.path = path
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._reparse_all()
        self.structureChanged.emit()
        self.settingsChanged.emit()
        self.pathChanged.emit()

    def set_pack(self, pack: AssumptionPack) -> None:
        self.pack = pack
        self._reparse_all()
        self.packChanged.emit()
        self.structureChanged.emit()

    def mark_saved(self, path: Path) -> None:
        self.path = path
        self.undo_stack.setClean()
        self.pathChanged.emit()

    def shutdown(self) -> None:
        """Stop recomputing and wait for a running appraisal (the window is closing)."""
        self._pending.stop()
        self._pool.waitForDone(10_000)
        self._signals.done.disconnect(self._on_results)

    # -- internals: checking ------------------------------------------------------
    def _reparse_all(self) -> None:
        """Check the whole document (opened, or another pack): the core's check_portfolio."""
        checked = check_portfolio(self.portfolio.data, self.pack)
        self._take_settings(checked)
        n = len(self.projects)
        self._parsed = [None] * n
        self._problems = [[q for q in checked.project_problems.get(i, []) if not _is_duplicate(q)]
                          for i in range(n)]
        if checked.inputs is not None:
            for row, p in zip(checked.rows, checked.inputs.projects):
                self._parsed[row] = p
        for i, p in enumerate(self.projects):
            # rows the core set aside (a duplicate id: this document's check), or all of
            # them when a portfolio-level field kept the core from returning projects
            if self._parsed[i] is None and not self._problems[i]:
                self._parsed[i], self._problems[i] = parse_project(p, i, self.pack)
        self._ids = [_project_id(p, q) for p, q in zip(self.projects, self._parsed)]
        self._find_duplicates()
        self._dirty = None
        self._schedule()

    def _take_settings(self, checked) -> None:
        self._settings_problems = list(checked.portfolio_problems)
        self._checked = (None if checked.inputs is None
                         else dataclasses.replace(checked.inputs, projects=()))

    def _find_duplicates(self) -> None:
        self._rows = None
        seen: dict[str, int] = {}
        self._duplicate_of = {}
        for i, pid in enumerate(self._ids):
            if pid is None:
                continue
            if pid in seen:
                self._duplicate_of[i] = seen[pid]
            else:
                seen[pid] = i

    def _project_changed(self, row: int) -> None:
        was_sound = self._parsed[row] is not None
        self._parsed[row], self._problems[row] = parse_project(self.project(row), row, self.pack)
        if (self._parsed[row] is not None) != was_sound:
            self._rows = None
        pid = _project_id(self.project(row), self._parsed[row])
        if pid != self._ids[row]:
            self._ids[row] = pid
            self._find_duplicates()
        if self._dirty is not None:
            self._dirty.add(row)
        self.projectChanged.emit(row)
        self._schedule()

    def _settings_changed(self) -> None:
        # the projects do not depend on the portfolio's fields: check those alone
        self._take_settings(check_portfolio(
            {k: v for k, v in self.portfolio.data.items() if k != "projects"}, self.pack))
        self._dirty = None
        self.settingsChanged.emit()
        self._schedule()

    def _row_inserted(self, row: int) -> None:
        parsed, problems = parse_project(self.project(row), row, self.pack)
        self._parsed.insert(row, parsed)
        self._problems.insert(row, problems)
        self._ids.insert(row, _project_id(self.project(row), parsed))
        self._follow_rows(lambda r: r + (r >= row))
        self._structure_changed()

    def _row_removed(self, row: int) -> None:
        for rows in (self._parsed, self._problems, self._ids):
            del rows[row]
        self._follow_rows(lambda r: None if r == row else r - (r > row))
        self._structure_changed()

    def _row_moved(self, a: int, b: int) -> None:
        for rows in (self._parsed, self._problems, self._ids):
            rows.insert(b, rows.pop(a))
        order = list(range(len(self._ids)))
        order.insert(b, order.pop(a))           # new row -> old row
        new_of = {old: new for new, old in enumerate(order)}
        self._follow_rows(new_of.get)
        self._structure_changed()

    def _follow_rows(self, new_row) -> None:
        """Until the new results come, the last ones stay with their projects' new rows."""
        snap = self.snapshot
        index = {new_row(r): i for r, i in snap.result_index.items()}
        index.pop(None, None)
        self.snapshot = dataclasses.replace(snap, result_index=index, changed_rows=None)

    def _structure_changed(self) -> None:
        for i, pid in enumerate(self._ids):
            if pid is None:    # its problems name it by its place ("#3"), which moved
                self._parsed[i], self._problems[i] = parse_project(self.project(i), i, self.pack)
        self._find_duplicates()
        self._dirty = None
        self.structureChanged.emit()
        self._schedule()

    def _schedule(self) -> None:
        self._pending.start()

    def appraisable_inputs(self, rows: list[int] | None = None
                           ) -> tuple[PortfolioInputs | None, dict[int, int]]:
        """Immutable inputs of the sound projects (or of ``rows`` of them) for work in
        another thread, and for each document row its index in them."""
        inputs, index = self._inputs()
        if inputs is None or rows is None:
            return inputs, index
        keep = [r for r in rows if r in index]
        return (dataclasses.replace(inputs, projects=tuple(inputs.projects[index[r]] for r in keep)),
                {r: k for k, r in enumerate(keep)})

    def _inputs(self) -> tuple[PortfolioInputs | None, dict[int, int]]:
        """The core's checked inputs (one path with the command line: ``check_portfolio``),
        with each project as last parsed, and each row's index in them."""
        if self._checked is None:
            return None, {}
        if self._rows is None:     # which rows are sound changes seldom: kept until it does
            rows = [i for i, p in enumerate(self._parsed)
                    if p is not None and i not in self._duplicate_of]
            self._rows = (rows, {row: k for k, row in enumerate(rows)})
        rows, index = self._rows
        inputs = dataclasses.replace(self._checked, projects=tuple(map(self._parsed.__getitem__, rows)))
        return inputs, index       # never changed in place: a new one when the rows change

    # -- internals: appraising -----------------------------------------------------
    @Slot()
    def _start_appraisal(self) -> None:
        """Appraise in the background: only the edited projects when nothing else changed
        since the last results (core/incremental.py), else every project."""
        if self._running is not None:
            return                   # _on_results starts the next one
        inputs, index = self._inputs()
        dirty, self._dirty = self._dirty, set()
        self._generation += 1
        if inputs is None:
            self._base, self._unshown = None, set()
            self.snapshot = Snapshot(None, {}, 0.0, "; ".join(str(p) for p in self._settings_problems))
            self.resultsChanged.emit()
            return
        rows = tuple(index)
        previous, changed = None, ()
        if dirty is not None and self._base is not None and self._base[1] == rows:
            previous = self._base[0]
            changed = tuple(sorted(index[r] for r in dirty if r in index))
        else:
            dirty = None
        self._running, self._running_index, self._running_rows = rows, index, dirty
        self._awaiting += 1
        self._pool.start(_AppraiseTask(self._generation, inputs, self.pack, self._signals,
                                       previous, changed))

    @Slot(int, object, float)
    def _on_results(self, generation: int, out: object, ms: float) -> None:
        self._awaiting -= 1
        rows, index = self._running, self._running_index
        self._running = None
        assert rows is not None
        if isinstance(out, Exception):
            self._base = None
            message = str(out) if isinstance(out, InputError) else f"{type(out).__name__}: {out}"
            snapshot = Snapshot(None, {}, ms, message)
        else:
            self._base = (out, rows)  # type: ignore[assignment]
            snapshot = Snapshot(out, index, ms)  # type: ignore[arg-type]
        appraised = self._running_rows
        self._unshown = None if appraised is None or self._unshown is None \
            else self._unshown | appraised
        if self._dirty is None or self._dirty:
            self._schedule()         # edited meanwhile: these results are already stale
            return
        snapshot.changed_rows = None if self._unshown is None or isinstance(out, Exception) \
            else frozenset(self._unshown)
        self._unshown = set()
        self.snapshot = snapshot
        self.resultsChanged.emit()


def _is_duplicate(problem: Problem) -> bool:
    return problem.field == "id" and problem.message.startswith("duplicate id")


def _project_id(project: Any, parsed: ProjectInputs | None) -> str | None:
    """A project's id as the core reads it, for the check of duplicates."""
    if parsed is not None:
        return parsed.id or None
    pid = project.get("id") if isinstance(project, dict) else None
    return pid.strip() or None if isinstance(pid, str) else None
