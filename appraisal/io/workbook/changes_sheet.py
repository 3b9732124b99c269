"""The ``Changes`` sheet: what changed since the appraisal workbook a portfolio was
imported from, and the NPSV change attributed input by input.

Written by :func:`appraisal.io.workbook.export_workbook` when given a
:class:`appraisal.core.diff.PortfolioDiff`, and by ``appraisal diff --format
xlsx`` as a report of its own (:func:`write_diff_report`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..portfolio_file import atomic_target
from .layout import MONEY, NUM2, Formats, new_workbook, write_text

CHANGES = "Changes"
METRIC_FORMATS = {"bcr": "0.00", "carbon_saved_tco2e": "#,##0", "net_additional_jobs_fte": NUM2}


def _shown(value: Any) -> Any:
    """A value as a cell holds it: numbers and text as they are, the rest as JSON."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return value
    return json.dumps(value, ensure_ascii=False)[:1000]


def _put(ws, r: int, c: int, value: Any, fmt) -> None:
    v = _shown(value)
    if isinstance(v, str):
        write_text(ws, r, c, v)
    else:
        ws.write_number(r, c, v, fmt)


def write_changes(wb, fmt: Formats, diff, sheet: str = CHANGES, title: str | None = None) -> None:
    """Three tables one after another: inputs changed, measures before and after, the
    NPSV attribution (with the order it follows)."""
    from ...core.diff import DIFF_METRICS
    ws = wb.add_worksheet(sheet)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 4, 18)
    write_text(ws, 0, 0, title or "Changes since the appraisal workbook this portfolio was "
                                  "imported from", fmt.title)
    write_text(ws, 1, 0, f"Assumptions {diff.pack_id} ({diff.pack_vintage}); money in £ at the "
                         "portfolio's price base year.", fmt.note)
    r = 3
    write_text(ws, r, 0, "Inputs changed", fmt.subtitle)
    r += 1
    for c, label in enumerate(("Project", "Field", "Before", "After")):
        write_text(ws, r, c, label, fmt.header)
    r += 1
    changes = diff.input_changes
    if not changes:
        write_text(ws, r, 0, "No input differs.", fmt.note)
        r += 1
    for ch in changes:
        write_text(ws, r, 0, ch.project or "(portfolio)")
        write_text(ws, r, 1, ch.field)
        _put(ws, r, 2, ch.before, fmt.num("General"))
        _put(ws, r, 3, ch.after, fmt.num("General"))
        r += 1
    for p in diff.projects:
        if p.status in ("added", "removed"):
            write_text(ws, r, 0, p.id)
            write_text(ws, r, 1, f"(project {p.status})")
            r += 1
    r += 1
    write_text(ws, r, 0, "Measures before and after", fmt.subtitle)
    r += 1
    for c, label in enumerate(("Project", "Measure", "Before", "After", "Change")):
        write_text(ws, r, c, label, fmt.header)
    r += 1
    rows = [("Portfolio total", diff.totals)] + [(p.id, p.metrics) for p in diff.projects
                                                  if p.status != "unchanged"]
    for who, metrics in rows:
        for key, label, unit in DIFF_METRICS:
            m = metrics[key]
            f = fmt.num(METRIC_FORMATS.get(key, MONEY))
            write_text(ws, r, 0, who)
            write_text(ws, r, 1, f"{label} ({unit})" if unit else label)
            for c, v in ((2, m.before), (3, m.after), (4, m.change)):
                if v is None:
                    write_text(ws, r, c, "-")
                else:
                    ws.write_number(r, c, v, f)
            r += 1
    r += 1
    write_attribution(ws, fmt, diff, r)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def write_attribution(ws, fmt: Formats, diff, r: int) -> int:
    write_text(ws, r, 0, "Why NPSV moved: the change attributed to each input", fmt.subtitle)
    r += 1
    write_text(ws, r, 0, "Order: " + diff.order + ". Each part is NPSV after the step less NPSV "
                         "before it, so the parts add up to the total change.", fmt.note)
    r += 1
    for c, label in enumerate(("Step", "Change", "NPSV change (£)")):
        write_text(ws, r, c, label, fmt.header)
    r += 1
    first = r
    for n, step in enumerate(diff.attribution, 1):
        ws.write_number(r, 0, n)
        write_text(ws, r, 1, step.label)
        ws.write_number(r, 2, step.npsv_change_gbp, fmt.num(MONEY))
        r += 1
    write_text(ws, r, 1, "Total change in NPSV", fmt.bold)
    total = diff.totals["npsv_gbp"].change or 0.0
    if r > first:
        ws.write_formula(r, 2, f"=SUM(C{first + 1}:C{r})", fmt.num(MONEY, total=True), total)
    else:
        ws.write_number(r, 2, total, fmt.num(MONEY, total=True))
    return r + 1


def write_diff_report(diff, path: str | Path, names: tuple[str, str]) -> None:
    """``appraisal diff --format xlsx``: the Changes sheet alone, written atomically."""
    with atomic_target(path, ".tmp.xlsx") as tmp:
        wb = new_workbook(tmp)
        fmt = Formats(wb)
        write_changes(wb, fmt, diff, title=f"Changes from {names[0]} to {names[1]}")
        wb.close()


__all__ = ["CHANGES", "write_changes", "write_diff_report"]
