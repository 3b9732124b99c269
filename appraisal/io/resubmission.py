"""Adding imported submissions to a portfolio, and replacing a project on resubmission.

A promoter sends a corrected workbook for a project the portfolio already
holds. It replaces the project only when the caller says so (``--replace`` on
the command line, a confirmation in the GUI), never silently; IDs that differ
only in case (or surrounding spaces) are the same project.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..core.diff import project_key
from ..core.errors import Problem
from ..core.portfolio import Portfolio


@dataclass
class Merge:
    """What :func:`merge_projects` did."""

    added: list[str] = field(default_factory=list)
    replaced: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # old, new
    problems: list[Problem] = field(default_factory=list)


def merge_projects(portfolio: Portfolio, books: list[tuple[str, dict[str, Any]]], *,
                   replace: bool, hint: str = "use --replace to replace it",
                   sheet: str | None = None, cell: str | None = None) -> Merge:
    """Add each ``(file, project)`` to ``portfolio``; a project whose ID the portfolio has
    (case ignored) replaces it, in its place and keeping its ID, when ``replace`` is
    True, and is refused (a problem naming the file and ``hint``) when not. Two
    submissions of one ID in the same import are a problem of the later one. ``sheet``
    and ``cell`` locate the ID in a submission workbook, for the problems."""
    out = Merge()
    index = {project_key(p.get("id")): n for n, p in enumerate(portfolio.projects)
             if isinstance(p, dict)}
    seen: dict[str, str] = {}
    for file, project in books:
        pid = str(project.get("id", ""))
        key = project_key(pid)
        if key in seen:
            out.problems.append(Problem(f"the project ID {pid!r} is also submitted by {seen[key]} "
                                        "(IDs that differ only in case are the same project)",
                                        file=file, project=pid, field="id", sheet=sheet, cell=cell))
            continue
        seen[key] = file
        if key not in index:
            portfolio.projects.append(project)
            index[key] = len(portfolio.projects) - 1
            out.added.append(pid)
            continue
        old = portfolio.projects[index[key]]
        same_case = "" if old.get("id") == pid else f" (as {old.get('id')!r})"
        if not replace:
            out.problems.append(Problem(f"the portfolio already has a project with ID {pid!r}"
                                        f"{same_case}; it is not overwritten: {hint}",
                                        file=file, project=pid, field="id", sheet=sheet, cell=cell))
            continue
        new = copy.deepcopy(project)
        new["id"] = old.get("id")       # the portfolio's spelling of the ID stays
        portfolio.projects[index[key]] = new
        out.replaced.append((old, new))
    return out


__all__ = ["Merge", "merge_projects"]
