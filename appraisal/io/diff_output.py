"""``appraisal diff`` output: a portfolio diff as a table a person reads, or as JSON.

The JSON keys are documented in docs/FORMAT.md (section 6); the xlsx report
is :func:`appraisal.io.workbook.changes_sheet.write_diff_report`.
"""
from __future__ import annotations

import json
from typing import Any

from ..core.diff import DIFF_METRICS, PortfolioDiff


def _value(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if abs(v) < 10_000:   # years, lifetimes and shares as typed
            return f"{v:g}"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)[:80]


def _measure(key: str, v: float | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    sign = "+" if signed and v > 0 else ""
    if key.endswith("_gbp"):
        return f"{sign}£{v:,.0f}" if v >= 0 else f"-£{-v:,.0f}"
    if key == "bcr":
        return f"{sign}{v:.2f}"
    return f"{sign}{v:,.1f}"


def diff_table(diff: PortfolioDiff, names: tuple[str, str] = ("A", "B")) -> str:
    """The inputs that differ, the measures before and after, and the NPSV attribution."""
    lines = [f"Comparing {names[0]} (before) with {names[1]} (after); assumptions "
             f"{diff.pack_id} ({diff.pack_vintage})", ""]
    if diff.equal:
        lines.append("The portfolios' inputs are the same.")
        return "\n".join(lines) + "\n"
    lines.append("Inputs that differ:")
    for c in diff.settings:
        lines.append(f"  portfolio  {c.field}: {_value(c.before)} -> {_value(c.after)}")
    for p in diff.projects:
        if p.status in ("added", "removed"):
            lines.append(f"  {p.id}  project {p.status}")
        for c in p.fields:
            lines.append(f"  {p.id}  {c.field}: {_value(c.before)} -> {_value(c.after)}")
    lines += ["", f"  {'':<14} {'Measure':<22} {'Before':>16} {'After':>16} {'Change':>16}"]
    rows = [("Portfolio", diff.totals)] + [(p.id, p.metrics) for p in diff.projects
                                           if p.status != "unchanged"]
    for who, metrics in rows:
        for key, label, unit in DIFF_METRICS:
            m = metrics[key]
            name = f"{label} ({unit})" if unit and unit != "GBP" else label
            lines.append(f"  {who[:14]:<14} {name:<22} {_measure(key, m.before):>16} "
                         f"{_measure(key, m.after):>16} {_measure(key, m.change, True):>16}")
    lines += ["", "Why NPSV moved (each input applied in turn; the parts add up to the total):",
              f"  Order: {diff.order}."]
    for n, step in enumerate(diff.attribution, 1):
        lines.append(f"  {n:>3}. {step.label:<60} {_measure('npsv_gbp', step.npsv_change_gbp, True):>16}")
    lines.append(f"       {'Total change in NPSV':<60} "
                 f"{_measure('npsv_gbp', diff.totals['npsv_gbp'].change, True):>16}")
    return "\n".join(lines) + "\n"


def diff_json(diff: PortfolioDiff, names: tuple[str, str] = ("A", "B")) -> str:
    out = {"a": names[0], "b": names[1], **diff.to_dict()}
    return json.dumps(out, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


__all__ = ["diff_json", "diff_table"]
