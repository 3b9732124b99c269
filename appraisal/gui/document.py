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
                    Problem, ProjectInputs, appraise_portfolio, parse_project)
from ..core.portfolio import CARBON_SERIES, check_portfolio

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
    def __init__(self, doc: "PortfolioDocument", key: str, value: Any, label: str):
        super().__init__(f"Change {label}")
        self.doc, self.key, self.new = doc, key, value
        self.old = doc.portfolio.data.get(key)

    def redo(self) -> None:
        self.doc.portfolio.data[self.key] = self.new
        self.doc._settings_changed()

    def undo(self) -> None:
        self.doc.portfolio.data[self.key] = self.old
        self.doc._settings_changed()


class InsertProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int, project: dict, text: str):
        super().__init__(text)
        self.doc, self.row, self.project = doc, row, copy.deepcopy(project)

    def redo(self) -> None:
        self.doc.portfolio.projects.insert(self.row, copy.deepcopy(self.project))
        self.doc._structure_changed()

    def undo(self) -> None:
        del self.doc.portfolio.projects[self.row]
        self.doc._structure_changed()


class RemoveProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int):
        pid = doc.project(row).get("id") or f"project {row + 1}"
        super().__init__(f"Delete project {pid}")
        self.doc, self.row, self.project = doc, row, copy.deepcopy(doc.project(row))

    def redo(self) -> None:
        del self.doc.portfolio.projects[self.row]
        self.doc._structure_changed()

    def undo(self) -> None:
        self.doc.portfolio.projects.insert(self.row, copy.deepcopy(self.project))
        self.doc._structure_changed()


class MoveProject(QUndoCommand):
    def __init__(self, doc: "PortfolioDocument", row: int, to: int):
        pid = doc.project(row).get("id") or f"project {row + 1}"
        super().__init__(f"Move project {pid} {'up' if to < row else 'down'}")
        self.doc, self.row, self.to = doc, row, to

    def _move(self, a: int, b: int) -> None:
        projects = self.doc.portfolio.projects
        projects.insert(b, projects.pop(a))
        self.doc._structure_changed()

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
    def __init__(self, generation: int, inputs: PortfolioInputs, pack: AssumptionPack,
                 signals: _Signals):
        super().__init__()
        self.generation, self.inputs, self.pack, self.signals = generation, inputs, pack, signals

    def run(self) -> None:  # in a worker thread: only immutable inputs are read
        t0 = time.perf_counter()
        try:
            out: object = appraise_portfolio(self.inputs, self.pack, keep_series=True)
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
        self._parsed: list[ProjectInputs | None] = []
        self._problems: list[list[Problem]] = []
        self._settings_problems: list[Problem] = []
        self._generation = 0
        self._awaiting = 0
        self._index_for: dict[int, dict[int, int]] = {}
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
        return self._problems[row] if 0 <= row < len(self._problems) else []

    def settings_problems(self) -> list[Problem]:
        return list(self._settings_problems)

    def result_index(self, row: int) -> int | None:
        return self.snapshot.result_index.get(row)

    @property
    def results(self) -> PortfolioResults | None:
        return self.snapshot.results

    def setting(self, key: str, default: Any = None) -> Any:
        v = self.portfolio.data.get(key)
        return default if v is None else v

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

    def set_setting(self, key: str, value: Any, label: str | None = None) -> None:
        if self.portfolio.data.get(key) != value:
            self.undo_stack.push(SetPortfolioSetting(self, key, value, label or key.replace("_", " ")))

    def add_project(self, project: dict | None = None, row: int | None = None) -> int:
        row = len(self.projects) if row is None else row
        project = project or self.blank_project()
        self.undo_stack.push(InsertProject(self, row, project, f"Add project {project.get('id')}"))
        return row

    def duplicate_project(self, row: int) -> int:
        copy_ = copy.deepcopy(self.project(row))
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

    # -- internals ------------------------------------------------------------
    def _reparse_all(self) -> None:
        checked = check_portfolio(self.portfolio.data, self.pack)
        self._settings_problems = list(checked.portfolio_problems)
        n = len(self.projects)
        self._problems = [checked.project_problems.get(i, []) for i in range(n)]
        self._parsed = [None] * n
        if checked.inputs is not None:
            for row, p in zip(checked.rows, checked.inputs.projects):
                self._parsed[row] = p
        else:
            for i, p in enumerate(self.projects):
                self._parsed[i], self._problems[i] = parse_project(p, i, self.pack)
        self._check_duplicate_ids()
        self._schedule()

    def _check_duplicate_ids(self) -> None:
        seen: dict[str, int] = {}
        for i, p in enumerate(self.projects):
            pid = p.get("id") if isinstance(p, dict) else None
            self._problems[i] = [q for q in self._problems[i] if not q.message.startswith("duplicate id")]
            if not isinstance(pid, str):
                continue
            if pid in seen:
                self._problems[i].append(Problem(f"duplicate id {pid!r} (also project #{seen[pid] + 1})",
                                                 project=pid, field="id"))
                self._parsed[i] = None
            else:
                seen[pid] = i

    def _project_changed(self, row: int) -> None:
        self._parsed[row], self._problems[row] = parse_project(self.project(row), row, self.pack)
        self._check_duplicate_ids()
        self.projectChanged.emit(row)
        self._schedule()

    def _settings_changed(self) -> None:
        self._reparse_all()
        self.settingsChanged.emit()

    def _structure_changed(self) -> None:
        self._reparse_all()
        self.structureChanged.emit()

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
        if self._settings_problems:
            return None, {}
        d = self.portfolio.data
        rows = [i for i, p in enumerate(self._parsed) if p is not None]
        series = d.get("carbon_series") or "central"
        inputs = PortfolioInputs(
            name=self.name, appraisal_year=int(d.get("appraisal_year") or 0),
            price_base_year=d.get("price_base_year"),
            financial_discount_rate=float(d.get("financial_discount_rate") or 0.035)
            if d.get("financial_discount_rate") is not None else 0.035,
            discount_schedule=d.get("discount_schedule") or "standard",
            carbon_series=series if series in CARBON_SERIES else "central",
            projects=tuple(self._parsed[i] for i in rows))  # type: ignore[misc]
        return inputs, {row: k for k, row in enumerate(rows)}

    @Slot()
    def _start_appraisal(self) -> None:
        inputs, index = self._inputs()
        self._generation += 1
        if inputs is None:
            self.snapshot = Snapshot(None, {}, 0.0, "; ".join(str(p) for p in self._settings_problems))
            self.resultsChanged.emit()
            return
        self._index_for[self._generation] = index
        self._awaiting += 1
        self._pool.start(_AppraiseTask(self._generation, inputs, self.pack, self._signals))

    @Slot(int, object, float)
    def _on_results(self, generation: int, out: object, ms: float) -> None:
        self._awaiting -= 1
        index = self._index_for.pop(generation, {})
        if generation != self._generation:
            return   # a newer edit is being appraised; these results are stale
        if isinstance(out, Exception):
            message = str(out) if isinstance(out, InputError) else f"{type(out).__name__}: {out}"
            self.snapshot = Snapshot(None, {}, ms, message)
        else:
            self.snapshot = Snapshot(out, index, ms)  # type: ignore[arg-type]
        self.resultsChanged.emit()
