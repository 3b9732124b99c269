"""A returned appraisal workbook, change by change: what the review dialog lists and
what accepting one change does to the open portfolio (issue 10).

No Qt here: the window reads the workbook and computes the diff off the GUI thread
with these functions, and the document (document.py) turns each accepted change
into an undo step with :func:`changed_project` and :func:`changed_setting`.

A change is one input cell of the workbook whose value differs from the value the
export wrote (:class:`appraisal.io.appraisal_workbook.CellChange`); its new value is
the one the reader put in the rebuilt portfolio, so that a change accepted here is
set exactly as ``appraisal import`` sets it (one rule: ``apply_input``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..core.diff import (PROJECT_ORDER, SETTINGS_ORDER, PortfolioDiff, diff_portfolios,
                         project_key)
from ..io.appraisal_workbook import (IMPORTED_FROM, AppraisalWorkbookReport, apply_input,
                                     imported_changes)

YEAR_MAPS = ("capex", "counterfactual_capex", "public_funding", "car_km_removed")


@dataclass(frozen=True)
class ReviewItem:
    """One changed input cell: ``project`` None for a portfolio setting."""

    project: str | None
    path: tuple[str, ...]        # the register's path (("projects", "HP-001", "capex", "2027"))
    field: str                   # dotted, within the project or the portfolio ("capex.2027")
    where: str                   # Sheet!B40
    before: Any                  # as the export wrote it
    after: Any                   # as the workbook holds it
    value: Any                   # the JSON value set when accepted


@dataclass
class Returned:
    """What reading a returned workbook gave the window (built off the GUI thread)."""

    portfolio: Any                          # the rebuilt Portfolio (with imported_from)
    report: AppraisalWorkbookReport
    items: list[ReviewItem]
    same_portfolio: bool                    # a returned copy of the open portfolio
    diff: PortfolioDiff | None = None       # open portfolio -> every change accepted
    diff_error: str = ""                    # why there is no diff (the portfolio has problems)
    missing: tuple[int, ...] = ()           # items whose project the open portfolio lacks
    none_open: bool = False                 # no portfolio was open


def _order(item: ReviewItem) -> tuple:
    """Settings first, then projects by ID, each project's fields in the attribution's
    order (core/diff.py): listed and applied as the NPSV attribution takes them."""
    if item.project is None:
        head = item.path[0]
        rank = SETTINGS_ORDER.index(head) if head in SETTINGS_ORDER else len(SETTINGS_ORDER)
        return (0, "", rank, item.path)
    name = item.path[2]
    rank = PROJECT_ORDER.index(name) if name in PROJECT_ORDER else len(PROJECT_ORDER)
    return (1, project_key(item.project), rank, item.path)


def review_items(report: AppraisalWorkbookReport, rebuilt: dict) -> list[ReviewItem]:
    """Each changed cell of ``report``, with the value the reader set in ``rebuilt``, in
    the attribution's order."""
    out = []
    for c in report.changes:
        path = tuple(c.path)
        project = path[1] if path[:1] == ("projects",) and len(path) > 2 else None
        field = ".".join(path[2:] if project is not None else path)
        out.append(ReviewItem(project, path, field, c.where, c.before, c.after,
                              value_at(rebuilt, path)))
    return sorted(out, key=_order)


def _project(doc: dict, pid: str) -> dict | None:
    key = project_key(pid)
    for p in doc.get("projects", []):
        if isinstance(p, dict) and project_key(p.get("id")) == key:
            return p
    return None


def value_at(doc: dict, path: tuple[str, ...]) -> Any:
    """The value of the input at the register's ``path`` in ``doc`` (None: absent)."""
    if path[0] != "projects":
        cur: Any = doc
        for key in path:
            cur = cur.get(key) if isinstance(cur, dict) else None
        return copy.deepcopy(cur)
    p = _project(doc, path[1]) or {}
    name, rest = path[2], path[3:]
    found = p.get(name)
    if not rest:
        return copy.deepcopy(found)
    if name == "energy_changes":
        return next((e.get("quantity_per_year") for e in found or []
                     if isinstance(e, dict) and e.get("fuel") == rest[0]), None)
    if name in ("renewals", "other_benefits"):
        item = (found or [])[int(rest[0])]
        if rest[1] == "profile":
            return (item.get("profile") or {}).get(rest[2])
        return copy.deepcopy(item.get(rest[1]))
    return copy.deepcopy((found or {}).get(rest[0])) if isinstance(found or {}, dict) else None


def changed_project(project: dict, item: ReviewItem, rebuilt: dict) -> dict:
    """A copy of ``project`` with ``item`` accepted. Energy changes that came from a
    calculator are replaced by the workbook's quantities whole, as the reader does."""
    new = copy.deepcopy(project)
    pid = str(new.get("id", "")).strip()
    apply_input({"projects": [new]}, ("projects", pid) + item.path[2:], copy.deepcopy(item.value))
    source = _project(rebuilt, item.path[1]) or {}
    if item.path[2] == "energy_changes" and "calculator" in new and "calculator" not in source:
        del new["calculator"]
        new["energy_changes"] = copy.deepcopy(source.get("energy_changes") or [])
    return new


def changed_setting(data: dict, item: ReviewItem) -> tuple[str, Any]:
    """The portfolio field (top level) ``item`` changes, and its value once accepted."""
    key = item.path[0]
    holder = {key: copy.deepcopy(data.get(key))}
    apply_input(holder, item.path, copy.deepcopy(item.value))
    return key, holder[key]


def with_accepted(data: dict, items: list[ReviewItem], rebuilt: dict) -> dict:
    """A copy of the document ``data`` with every one of ``items`` accepted (those whose
    project it lacks are left out)."""
    out = copy.deepcopy(data)
    for item in items:
        if item.project is None:
            key, value = changed_setting(out, item)
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
            continue
        for n, p in enumerate(out.get("projects", [])):
            if isinstance(p, dict) and project_key(p.get("id")) == project_key(item.project):
                out["projects"][n] = changed_project(p, item, rebuilt)
                break
    return out


def same_portfolio(data: dict | None, report: AppraisalWorkbookReport) -> bool:
    """True when the open document ``data`` is the portfolio the workbook was exported
    from: the same ``id``; or, the document having none, the very document exported."""
    if data is None:
        return False
    pid = data.get("id")
    if isinstance(pid, str) and pid:
        return pid == report.portfolio_id
    base = {k: v for k, v in report.base.data.items() if k not in ("id", IMPORTED_FROM)}
    return base == {k: v for k, v in data.items() if k not in ("id", IMPORTED_FROM)}


def read_returned(path, pack, data: dict | None) -> Returned:
    """Read the workbook at ``path`` and compare it with the open document ``data``
    (None: no portfolio is open). Runs in a worker thread; raises InputError."""
    from ..core.errors import InputError
    from ..io.appraisal_workbook import read_appraisal_workbook
    portfolio, report = read_appraisal_workbook(path, pack)
    rebuilt = portfolio.data
    items = review_items(report, rebuilt)
    same = same_portfolio(data, report)
    out = Returned(portfolio, report, items, same, none_open=data is None)
    if same and data is not None:
        before, names = data, ("the open portfolio", "after the changes")
        out.missing = tuple(n for n, i in enumerate(items)
                            if i.project is not None and _project(data, i.project) is None)
        after = with_accepted(data, items, rebuilt)
    else:
        before, names = report.base.data, ("the workbook as exported", "the workbook")
        after = rebuilt
    try:
        out.diff = diff_portfolios(before, after, pack, names=names)
    except InputError as exc:
        out.diff_error = "; ".join(p.message for p in exc.problems[:3])
    return out


class ReadCancelled(Exception):
    """The user cancelled reading a returned workbook: nothing changes."""


@dataclass
class Resubmission:
    """A submitted project whose ID the open portfolio has (case ignored)."""

    file: str
    old: dict                                # the portfolio's project
    new: dict                                # the submission, with the portfolio's ID
    diff: PortfolioDiff | None = None        # the portfolio -> the project replaced
    error: str = ""


@dataclass
class Submissions:
    """An import of promoter workbooks, sorted for the window (off the GUI thread)."""

    report: Any                              # the ImportReport
    added: list[dict]                        # projects with new IDs
    resubmitted: list[Resubmission]
    repeated: list[Any]                      # Problems: one ID submitted twice


def sort_submissions(report, data: dict, pack) -> Submissions:
    """Split the kept workbooks of ``report`` against the open document ``data`` by the
    one rule (:func:`appraisal.io.resubmission.merge_projects`, IDs case ignored), and
    diff each resubmission against the portfolio it would replace a project of."""
    from ..core.errors import InputError
    from ..core.portfolio import Portfolio
    from ..io import submission_layout as L
    from ..io.resubmission import merge_projects
    books = [(str(w.file), w.project) for w in report.kept() if w.project]
    scratch = Portfolio(copy.deepcopy(data))
    merge = merge_projects(scratch, books, replace=True, sheet=L.PROJECT,
                           cell=L.PROJECT_CELLS["id"])
    file_of = {project_key(p.get("id")): f for f, p in books}
    added = [p for p in scratch.projects if str(p.get("id")) in merge.added]
    out = Submissions(report, added, [], list(merge.problems))
    for old, new in merge.replaced:
        r = Resubmission(file_of.get(project_key(old.get("id")), ""), old, new)
        after = copy.deepcopy(data)
        after["projects"] = [new if project_key(p.get("id")) == project_key(old.get("id")) else p
                             for p in after.get("projects", [])]
        try:
            r.diff = diff_portfolios(data, after, pack, names=("the portfolio", r.file))
        except InputError as exc:
            r.error = "; ".join(p.message for p in exc.problems[:3])
        out.resubmitted.append(r)
    return out


__all__ = ["ReadCancelled", "Resubmission", "Returned", "Submissions", "sort_submissions", "ReviewItem", "changed_project", "changed_setting", "imported_changes",
           "read_returned", "review_items", "same_portfolio", "value_at", "with_accepted"]
