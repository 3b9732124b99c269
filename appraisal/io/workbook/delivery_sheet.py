"""The ``Delivery`` sheet: each project against its baseline (docs/delivery.md).

Written when any project of the document has a baseline or actuals. The
figures the comparison starts from (the baseline's frozen results, spend and
profile to date, the forecast outturn, slippage, carbon, the re-forecast) are
the core's (:func:`appraisal.core.delivery.track`), written as values; what is
arithmetic on them is a live formula, so that a reader can follow and change
it: the spend share, the overrun with and without optimism bias, the months
late, the carbon delivery share, the pipeline's totals and the RAG status,
which reads the thresholds written on the sheet (edit one and the statuses
follow). Each formula carries the core's figure as its cached value.
"""
from __future__ import annotations

from typing import Any

from ...core.delivery import RAG, THRESHOLD_PARAMETERS, DeliveryReport, ProjectTrack
from ..delivery_output import STAGE_ABBREVIATIONS
from .layout import MONEY, NUM0, PCT, RATIO, Formats, cached, cell, page_setup, write_text

SHEET = "Delivery"
MONTHS = '0.0'
# the thresholds block: (label, Thresholds attribute, number format); rows from THRESHOLD_ROW
THRESHOLDS = (("Overrun: amber above", "overrun_amber", PCT),
              ("Overrun: red above", "overrun_red", PCT),
              ("Months late: amber above", "slippage_amber_months", MONTHS),
              ("Months late: red above", "slippage_red_months", MONTHS),
              ("Carbon delivered: amber below", "carbon_amber", PCT),
              ("Carbon delivered: red below", "carbon_red", PCT))
assert {k for _, k, _ in THRESHOLDS} == set(THRESHOLD_PARAMETERS)
THRESHOLD_ROW = 3
HEADER_ROW = THRESHOLD_ROW + len(THRESHOLDS) + 1
# columns: (key, header, number format); a key starting "=" is a formula written below
COLUMNS = (
    ("id", "Project ID", None), ("name", "Name", None), ("baseline", "Baseline", None),
    ("baseline_npsv", "Baseline NPSV (£)", MONEY), ("baseline_bcr", "Baseline BCR", RATIO),
    ("baseline_capex_gbp", "Baseline capex (£)", MONEY),
    ("optimism_bias", "Optimism bias uplift", PCT),
    ("capex_to_date_gbp", "Actual spend to date (£)", MONEY),
    ("capex_profile_to_date_gbp", "Profile to date (£)", MONEY),
    ("=spend_share", "Spend / profile", PCT),
    ("forecast_capex_gbp", "Forecast outturn capex (£)", MONEY),
    ("=overrun", "Overrun", PCT), ("=overrun_with_ob", "Overrun after optimism bias", PCT),
    ("works_start_slippage_months", "Start of works late (months)", MONTHS),
    ("completion_slippage_months", "Start of operation late (months)", MONTHS),
    ("=late", "Months late (the larger)", MONTHS),
    ("carbon_appraised_in_measured_periods_tco2e", "Carbon appraised, measured periods (tCO2e)",
     NUM0),
    ("carbon_delivered_to_date_tco2e", "Carbon delivered (tCO2e)", NUM0),
    ("=carbon_share", "Carbon delivered / appraised", PCT),
    ("carbon_appraised_to_date_tco2e", "Carbon appraised to date (tCO2e)", NUM0),
    ("reforecast_npsv", "Re-forecast NPSV (£)", MONEY), ("reforecast_bcr", "Re-forecast BCR", RATIO),
    ("=status", "Status", None),
)
COL = {key.lstrip("="): k for k, (key, _, _) in enumerate(COLUMNS)}


def has_delivery(document: dict | None) -> bool:
    """Whether any project of the document has a baseline or actuals (the sheet is then written)."""
    projects = (document or {}).get("projects")
    return isinstance(projects, list) and any(
        isinstance(p, dict) and (p.get("baselines") or p.get("actuals")) for p in projects)


def threshold_cell(attr: str) -> str:
    k = next(i for i, (_, a, _) in enumerate(THRESHOLDS) if a == attr)
    return cell(THRESHOLD_ROW + k, 1)


def _c(r: int, key: str) -> str:
    return cell(r, COL[key], absolute=False)


def formulas(r: int) -> dict[str, str]:
    """The live formulas of the row ``r`` (0-based), by column key."""
    def level(ref: str, amber: str, red: str, below: bool = False) -> str:
        op = "<" if below else ">"
        return (f'IF({ref}="",0,IF({ref}{op}{threshold_cell(red)},2,'
                f'IF({ref}{op}{threshold_cell(amber)},1,0)))')
    spent, profile = _c(r, "capex_to_date_gbp"), _c(r, "capex_profile_to_date_gbp")
    base, fore, ob = _c(r, "baseline_capex_gbp"), _c(r, "forecast_capex_gbp"), _c(r, "optimism_bias")
    works, done = _c(r, "works_start_slippage_months"), _c(r, "completion_slippage_months")
    like, got = _c(r, "carbon_appraised_in_measured_periods_tco2e"), _c(r, "carbon_delivered_to_date_tco2e")
    levels = ",".join([level(_c(r, "overrun"), "overrun_amber", "overrun_red"),
                       level(_c(r, "late"), "slippage_amber_months", "slippage_red_months"),
                       level(_c(r, "carbon_share"), "carbon_amber", "carbon_red", below=True)])
    return {
        "spend_share": f'=IF(OR({profile}="",{profile}=0),"",{spent}/{profile})',
        "overrun": f'=IF(OR({base}="",{base}<=0),"",{fore}/{base}-1)',
        "overrun_with_ob": f'=IF(OR({base}="",{base}<=0,{ob}=""),"",{fore}/({base}*(1+{ob}))-1)',
        "late": f'=IF(COUNT({works},{done})=0,"",MAX({works},{done}))',
        "carbon_share": f'=IF(OR({got}="",{like}="",{like}=0),"",{got}/{like})',
        "status": f'=CHOOSE(MAX({levels})+1,"{RAG[0]}","{RAG[1]}","{RAG[2]}")',
    }


def late_value(p: ProjectTrack) -> float | None:
    slips = [s for s in (p.works_start_slippage_months, p.completion_slippage_months) if s is not None]
    return max(slips) if slips else None


def values(p: ProjectTrack) -> dict[str, Any]:
    """The core's figures of a tracked project, by column key (the cached values too)."""
    out: dict[str, Any] = {k: getattr(p, k) for k in COL if hasattr(p, k)}
    out.update(
        baseline=f"{STAGE_ABBREVIATIONS.get(p.baseline_stage or '', p.baseline_stage or '')} "
                 f"{p.baseline_date.isoformat() if p.baseline_date else ''}",
        baseline_npsv=p.baseline.npsv_gbp if p.baseline else None,
        baseline_bcr=p.baseline.bcr if p.baseline else None,
        reforecast_npsv=p.reforecast.npsv_gbp if p.reforecast else None,
        reforecast_bcr=p.reforecast.bcr if p.reforecast else None,
        spend_share=p.spend_share_of_profile, late=late_value(p),
        carbon_share=p.carbon_delivery_share)
    return out


def _project_row(ws, fmt: Formats, r: int, p: ProjectTrack) -> None:
    write_text(ws, r, COL["id"], p.id)
    write_text(ws, r, COL["name"], p.name)
    if p.status is None:
        write_text(ws, r, COL["baseline"], "no approved baseline")
        write_text(ws, r, COL["status"], "none")
        return
    v, live = values(p), formulas(r)
    for key, _, number in COLUMNS:
        k = key.lstrip("=")
        if k in ("id", "name"):
            continue
        style = fmt.num(number) if number else None
        if key.startswith("="):
            value = p.status if k == "status" else v[k]
            ws.write_formula(r, COL[k], live[k], style, cached(value))
        elif isinstance(v[k], str):
            write_text(ws, r, COL[k], v[k])
        elif v[k] is None:
            ws.write_blank(r, COL[k], None, style)     # blank, not "": formulas add it as 0
        else:
            ws.write_number(r, COL[k], float(v[k]), style)


def _pipeline_row(ws, fmt: Formats, r: int, first: int, last: int, report: DeliveryReport) -> None:
    """Totals over the tracked rows: sums, and the ratios of the sums (docs/delivery.md 9)."""
    pl = report.pipeline
    total = fmt.num("@", total=True)
    write_text(ws, r, 0, "Pipeline", total)
    write_text(ws, r, 1, f"{pl.projects_tracked} tracked", total)

    def rng(key: str) -> str:
        return f"{cell(first, COL[key])}:{cell(last, COL[key])}"
    sums: dict[str, float | None] = {"capex_to_date_gbp": pl.capex_to_date_gbp,
            "capex_profile_to_date_gbp": pl.capex_profile_to_date_gbp,
            "baseline_capex_gbp": pl.baseline_capex_gbp, "forecast_capex_gbp": pl.forecast_capex_gbp}
    for key, value in sums.items():
        ws.write_formula(r, COL[key], f"=SUM({rng(key)})", fmt.num(MONEY, total=True), value)
    live = formulas(r)
    for key, value in (("spend_share", pl.spend_share_of_profile), ("overrun", pl.overrun)):
        ws.write_formula(r, COL[key], live[key], fmt.num(PCT, total=True), cached(value))
    share = rng("carbon_share")   # like for like: the projects whose own share is defined
    ws.write_formula(
        r, COL["carbon_share"],
        f'=IF(SUMPRODUCT(ISNUMBER({share})*{rng("carbon_appraised_in_measured_periods_tco2e")})=0,"",'
        f'SUMPRODUCT(ISNUMBER({share})*{rng("carbon_delivered_to_date_tco2e")})/'
        f'SUMPRODUCT(ISNUMBER({share})*{rng("carbon_appraised_in_measured_periods_tco2e")}))',
        fmt.num(PCT, total=True), cached(pl.carbon_delivery_share))
    for key, value in (("baseline_npsv", pl.baseline.npsv_gbp), ("reforecast_npsv", pl.reforecast.npsv_gbp),
                       ("baseline_bcr", pl.baseline.bcr), ("reforecast_bcr", pl.reforecast.bcr)):
        if value is not None:      # ratios of summed present values: the core's, as values
            ws.write_number(r, COL[key], float(value),
                            fmt.num(RATIO if key.endswith("bcr") else MONEY, total=True))


def write_delivery(wb, fmt: Formats, report: DeliveryReport) -> None:
    """Add the sheet for ``report`` (the core's tracking of the exported document)."""
    ws = wb.add_worksheet(SHEET)
    write_text(ws, 0, 0, "Delivery against the appraisal", fmt.title)
    write_text(ws, 1, 0, f"As of {report.as_of.isoformat()}; assumptions {report.pack_id} "
                         f"({report.pack_vintage}); money in £ at each baseline's price base year. "
                         "Baseline figures are frozen; spend, forecast, slippage and carbon are the "
                         "application's (docs/delivery.md); ratios and the status are formulas.",
               fmt.note)
    write_text(ws, 2, 0, "Status thresholds (the pack's; change one and the statuses follow)",
               fmt.subtitle)
    for k, (label, attr, number) in enumerate(THRESHOLDS):
        write_text(ws, THRESHOLD_ROW + k, 0, label)
        ws.write_number(THRESHOLD_ROW + k, 1, float(getattr(report.thresholds, attr)),
                        fmt.num(number, input=True))
    for c, (_, header, _) in enumerate(COLUMNS):
        write_text(ws, HEADER_ROW, c, header, fmt.header)
    first = HEADER_ROW + 1
    tracked = [p for p in report.projects if p.status is not None]
    others = [p for p in report.projects if p.status is None]
    for r, p in enumerate(tracked + others, first):
        _project_row(ws, fmt, r, p)
    last = first + max(len(tracked), 1) - 1
    _pipeline_row(ws, fmt, first + len(tracked) + len(others), first, last, report)
    ws.set_column(0, 0, 11)
    ws.set_column(1, 1, 28)
    ws.set_column(2, len(COLUMNS) - 1, 13)
    ws.set_row(HEADER_ROW, 45)
    ws.freeze_panes(HEADER_ROW + 1, 2)
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(HEADER_ROW, HEADER_ROW),
               repeat_columns=(0, 1), pages_wide=2)


__all__ = ["SHEET", "COLUMNS", "HEADER_ROW", "THRESHOLDS", "has_delivery", "write_delivery"]
