"""Delivery tracking as text: a readable table, CSV and JSON (docs/FORMAT.md, "appraisal track").

The figures come from :func:`appraisal.core.delivery.track` and
:func:`~appraisal.core.delivery.calibrate`; this module only lays them out.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..core.delivery import BASELINE_STAGES, Calibration, DeliveryReport, Outcome, ProjectTrack
from .escaping import safe_text

STAGE_ABBREVIATIONS = {"soc": "SOC", "obc": "OBC", "fbc": "FBC", "change_request": "CR",
                       "other": "other"}
assert set(STAGE_ABBREVIATIONS) == set(BASELINE_STAGES)
# CSV: nested figures flattened with these prefixes; lists joined with " | "
OUTCOME_PREFIXES = ("baseline", "reforecast")


def to_json(obj: DeliveryReport | Calibration) -> str:
    return json.dumps(obj.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def project_row(p: ProjectTrack) -> dict[str, Any]:
    """One project's JSON record flattened for a CSV row: ``baseline_npsv_gbp``,
    ``reforecast_bcr``...; fuels as ``fuel:appraised/measured`` text."""
    d = p.to_dict()
    row: dict[str, Any] = {}
    for k, v in d.items():
        if k in OUTCOME_PREFIXES:   # every column on every row, empty where undefined
            for key in Outcome.__dataclass_fields__:
                row[f"{k}_{key}"] = (v or {}).get(key)
        elif k == "years":   # a table of its own: the JSON has it
            continue
        elif k == "fuels":
            row[k] = " | ".join(f"{f['fuel']}: appraised {f['appraised_in_measured_periods']:g}, "
                                f"measured {f['measured_to_date']:g}" for f in v)
        elif isinstance(v, list):
            row[k] = " | ".join(str(x) for x in v)
        else:
            row[k] = v
    return row


def to_csv(report: DeliveryReport) -> str:
    """One row per project with every figure, and the as-of date and pack on each
    row so that a row copied elsewhere stays traceable."""
    rows = [project_row(p) for p in report.projects]
    keys = list(project_row(_EMPTY))
    extra = {"as_of": report.as_of.isoformat(), "assumptions_id": report.pack_id,
             "assumptions_vintage": report.pack_vintage}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys + list(extra))
    for r in rows:
        w.writerow([_cell(r.get(k)) for k in keys] + [_cell(v) for v in extra.values()])
    return out.getvalue()


_EMPTY = ProjectTrack(id="", name="", category="", status=None, reasons=(), baseline_stage=None,
                      baseline_date=None, baseline_pack_id=None, baseline_pack_vintage=None,
                      reported_to=None)


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):   # names, IDs, reasons, the pack's id: never a formula (issue 11)
        return safe_text(v)
    return v


def _pct(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:+.0%}" if signed else f"{v:.0%}"


def _money(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{'-' if v < -0.005e6 else ''}£{abs(v) / 1e6:,.2f}m"


def _months(v: float | None, minimum: bool = False) -> str:
    if v is None:
        return "-"
    return f"{'>=' if minimum else ''}{v:.1f}"


def to_table(report: DeliveryReport) -> str:
    """The pipeline as a board reads it: a line per project with its status, then totals."""
    lines = [f"Delivery against the appraisal: {report.name}",
             f"As of {report.as_of.isoformat()}; assumptions {report.pack_id} "
             f"({report.pack_vintage}); money at each baseline's price base year",
             _thresholds_line(report), ""]
    head = (f"{'ID':<10} {'Status':<6} {'Baseline':<16} {'Spent':>10} {'Profile':>10} "
            f"{'Overrun':>8} {'w/ OB':>7} {'Late (m)':>9} {'Carbon':>7} {'NPSV base':>11} "
            f"{'Re-forecast':>11}")
    lines += [head, "-" * len(head)]
    for p in report.projects:
        lines.append(_project_line(p))
    pl = report.pipeline
    lines += ["-" * len(head),
              (f"{'Pipeline':<10} {'':<6} {pl.projects_tracked:>3} tracked{'':<4} "
               f"{_money(pl.capex_to_date_gbp):>10} {_money(pl.capex_profile_to_date_gbp):>10} "
               f"{_pct(None if pl.overrun is None else pl.overrun, True):>8} {'':>7} {'':>9} "
               f"{_pct(pl.carbon_delivery_share):>7} {_money(pl.baseline.npsv_gbp):>11} "
               f"{_money(pl.reforecast.npsv_gbp):>11}"),
              "Status: " + ", ".join(f"{n} {s}" for s, n in pl.status_counts.items())
              + (f"; {pl.projects_without_baseline} without an approved baseline"
                 if pl.projects_without_baseline else "")]
    reasons = [f"  {p.id}: {'; '.join(p.reasons)}" for p in report.projects
               if p.status in ("amber", "red")]
    if reasons:
        lines += ["", "Why amber or red:", *reasons]
    notes = [f"  {p.id}: {n}" for p in report.projects for n in p.notes] + \
        [f"  pipeline: {n}" for n in pl.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines) + "\n"


def _thresholds_line(report: DeliveryReport) -> str:
    t = report.thresholds
    return (f"RAG: overrun amber above {t.overrun_amber:.0%}, red above {t.overrun_red:.0%}; "
            f"slippage amber above {t.slippage_amber_months:g}, red above "
            f"{t.slippage_red_months:g} months; carbon delivered amber below "
            f"{t.carbon_amber:.0%}, red below {t.carbon_red:.0%}")


def _project_line(p: ProjectTrack) -> str:
    if p.status is None:
        return f"{p.id[:10]:<10} {'-':<6} {'; '.join(p.reasons)}"
    base = f"{STAGE_ABBREVIATIONS.get(p.baseline_stage or '', '')} " \
        f"{p.baseline_date.isoformat() if p.baseline_date else ''}"
    slips = [(s, m) for s, m in ((p.works_start_slippage_months, p.works_start_slippage_is_minimum),
                                 (p.completion_slippage_months, p.completion_slippage_is_minimum))
             if s is not None]
    late = max(slips) if slips else (None, False)
    return (f"{p.id[:10]:<10} {p.status:<6} {base[:16]:<16} {_money(p.capex_to_date_gbp):>10} "
            f"{_money(p.capex_profile_to_date_gbp):>10} {_pct(p.overrun, True):>8} "
            f"{_pct(p.overrun_with_ob, True):>7} {_months(*late):>9} "
            f"{_pct(p.carbon_delivery_share):>7} "
            f"{_money(p.baseline.npsv_gbp if p.baseline else None):>11} "
            f"{_money(p.reforecast.npsv_gbp if p.reforecast else None):>11}")


def calibration_table(cal: Calibration, labels: dict[str, str] | None = None) -> str:
    """Outturn against the optimism-bias allowance, by category (``labels``: the
    pack's words for the category codes)."""
    labels = {"all": "All completed", **(labels or {})}
    lines = ["Optimism bias against outturn: completed projects, against the estimate approved "
             "at the decision (the earliest approved baseline)",
             f"{cal.completed} completed project(s)", ""]
    head = (f"{'Category':<22} {'n':>3} {'Overrun mean':>13} {'median':>8} {'IQR':>15} "
            f"{'OB used':>8} {'Within OB':>9} {'Late (m) median':>16} {'Allowance (m)':>14}")
    lines += [head, "-" * len(head)]
    for c in cal.categories:
        o = c.overrun
        iqr = "-" if o.q1 is None else f"{o.q1:+.0%} to {o.q3:+.0%}"
        lines.append(f"{labels.get(c.category, c.category)[:22]:<22} {o.n:>3} {_pct(o.mean, True):>13} "
                     f"{_pct(o.median, True):>8} {iqr:>15} {_pct(c.optimism_bias_used.mean):>8} "
                     f"{c.overrun_within_allowance:>4} of {o.n:<2} "
                     f"{_months(c.completion_slippage_months.median):>16} "
                     f"{_months(c.duration_allowance_months.mean):>14}")
    if cal.notes:
        lines += ["", "Notes:", *(f"  {n}" for n in cal.notes)]
    return "\n".join(lines) + "\n"


def calibration_csv(cal: Calibration) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    measures = ("overrun", "optimism_bias_used", "works_start_slippage_months",
                "completion_slippage_months", "duration_allowance_months")
    stats = ("n", "mean", "median", "q1", "q3")
    w.writerow(["category", "projects", "overrun_within_allowance",
                *(f"{m}_{s}" for m in measures for s in stats)])
    for c in cal.categories:
        d = c.to_dict()
        w.writerow([_cell(c.category), _cell(" | ".join(c.projects)), c.overrun_within_allowance,
                     *(_cell(d[m][s]) for m in measures for s in stats)])
    return out.getvalue()
