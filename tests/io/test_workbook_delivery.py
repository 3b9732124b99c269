"""The appraisal workbook's Delivery sheet (issue 13): written when a project has a
baseline or actuals, and after LibreOffice recalculates it, its live formulas
(spend share, overrun with and without optimism bias, months late, carbon share,
the pipeline's ratios, the RAG status from the thresholds on the sheet) give the
core's figures (``appraisal.core.delivery.track``, docs/delivery.md 3-9) to the
penny; a threshold edited on the sheet moves the statuses as the core moves them
with the same thresholds."""
from __future__ import annotations

import copy
import dataclasses
import json

import openpyxl
import pytest

from appraisal.core import load_pack, parse_portfolio
from appraisal.core.delivery import DELIVERY_FIELDS, Thresholds, track
from appraisal.io.workbook import RESERVED, export_workbook
from appraisal.io.workbook.delivery_sheet import (COLUMNS, HEADER_ROW, SHEET, THRESHOLD_ROW,
                                                  THRESHOLDS, late_value)
from appraisal.resources import default_pack_dir, example_portfolio

PENNY = 0.005
RTOL = 1e-9
HEADERS = {key.lstrip("="): header for key, header, _ in COLUMNS}


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def example() -> dict:
    return json.loads(example_portfolio().read_text(encoding="utf-8"))


def export(doc: dict, pack, path):
    export_workbook(parse_portfolio(copy.deepcopy(doc), pack), pack, path, document=doc)
    return path


def rows_by_id(ws) -> dict[str, dict[str, object]]:
    header = [c.value for c in ws[HEADER_ROW + 1]]
    out = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True):
        if row[0] is None:
            continue
        out[str(row[0])] = dict(zip(header, row))
    return out


def expected(p) -> dict[str, object]:
    """The core's figure for each column of a tracked project's row."""
    return {"baseline_npsv": p.baseline.npsv_gbp, "baseline_bcr": p.baseline.bcr,
            "baseline_capex_gbp": p.baseline_capex_gbp, "optimism_bias": p.optimism_bias,
            "capex_to_date_gbp": p.capex_to_date_gbp,
            "capex_profile_to_date_gbp": p.capex_profile_to_date_gbp,
            "spend_share": p.spend_share_of_profile, "forecast_capex_gbp": p.forecast_capex_gbp,
            "overrun": p.overrun, "overrun_with_ob": p.overrun_with_ob,
            "works_start_slippage_months": p.works_start_slippage_months,
            "completion_slippage_months": p.completion_slippage_months, "late": late_value(p),
            "carbon_appraised_in_measured_periods_tco2e": p.carbon_appraised_in_measured_periods_tco2e,
            "carbon_delivered_to_date_tco2e": p.carbon_delivered_to_date_tco2e,
            "carbon_share": p.carbon_delivery_share,
            "reforecast_npsv": p.reforecast.npsv_gbp if p.reforecast else None,
            "reforecast_bcr": p.reforecast.bcr if p.reforecast else None, "status": p.status}


def assert_same(got, want, what: str) -> None:
    if want is None:
        assert got in (None, ""), what
    elif isinstance(want, str):
        assert got == want, what
    else:
        assert got == pytest.approx(want, rel=RTOL, abs=PENNY), what


def test_delivery_sheet_recalculated_by_libreoffice_equals_the_core(tmp_path, example, pack,
                                                                    libreoffice):
    report = track(example, pack)
    tracked = [p for p in report.projects if p.status is not None]
    assert {p.id for p in tracked} == {"GRN-007", "PV-009", "RET-010"}   # the example's
    path = export(example, pack, tmp_path / "a.xlsx")
    recalculated = libreoffice(path)
    for book in (openpyxl.load_workbook(path, data_only=True),             # cached values
                 openpyxl.load_workbook(recalculated, data_only=True)):    # LibreOffice's own
        rows = rows_by_id(book[SHEET])
        for p in tracked:
            for key, want in expected(p).items():
                assert_same(rows[p.id][HEADERS[key]], want, f"{p.id} {HEADERS[key]}")
        untracked = [p.id for p in report.projects if p.status is None]
        assert all(rows[pid][HEADERS["status"]] == "none" for pid in untracked)
        pl = report.pipeline
        total = rows["Pipeline"]
        for key, want in (("capex_to_date_gbp", pl.capex_to_date_gbp),
                          ("capex_profile_to_date_gbp", pl.capex_profile_to_date_gbp),
                          ("spend_share", pl.spend_share_of_profile), ("overrun", pl.overrun),
                          ("forecast_capex_gbp", pl.forecast_capex_gbp),
                          ("carbon_share", pl.carbon_delivery_share),
                          ("baseline_npsv", pl.baseline.npsv_gbp),
                          ("reforecast_npsv", pl.reforecast.npsv_gbp)):
            assert_same(total[HEADERS[key]], want, f"pipeline {HEADERS[key]}")


def test_a_threshold_edited_on_the_sheet_moves_the_status_as_the_core_would(tmp_path, example,
                                                                            pack, libreoffice):
    path = export(example, pack, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    changed = {"overrun_red": 0.5, "slippage_red_months": 12.0, "carbon_red": 0.4}
    for k, (_, attr, _) in enumerate(THRESHOLDS):
        if attr in changed:
            ws.cell(THRESHOLD_ROW + k + 1, 2).value = changed[attr]
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    rows = rows_by_id(openpyxl.load_workbook(libreoffice(edited), data_only=True)[SHEET])
    core = track(example, pack, thresholds=dataclasses.replace(Thresholds.from_pack(pack), **changed))
    statuses = {p.id: p.status for p in core.projects if p.status is not None}
    assert {pid: rows[pid][HEADERS["status"]] for pid in statuses} == statuses
    # the edit changed something: RET-010 was red on the pack's thresholds
    assert track(example, pack).projects != core.projects
    assert statuses["RET-010"] != next(p.status for p in track(example, pack).projects
                                       if p.id == "RET-010")


def test_no_delivery_data_no_sheet_and_the_name_is_reserved(tmp_path, example, pack):
    bare = copy.deepcopy(example)
    for p in bare["projects"]:
        for k in DELIVERY_FIELDS:
            p.pop(k, None)
    wb = openpyxl.load_workbook(export(bare, pack, tmp_path / "b.xlsx"))
    assert SHEET not in wb.sheetnames
    assert SHEET in RESERVED
    wb = openpyxl.load_workbook(export(example, pack, tmp_path / "a.xlsx"))
    ws = wb[SHEET]
    # the print set-up every sheet has (layout.page_setup): A4 landscape, fitted, titled rows
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}"
    assert "Page &P of &N" in ws.oddFooter.right.text


def test_a_project_name_that_looks_like_a_formula_is_written_as_text(tmp_path, example, pack):
    doc = copy.deepcopy(example)
    p = next(p for p in doc["projects"] if p["id"] == "GRN-007")
    p["name"] = '=HYPERLINK("http://x","y")'
    ws = openpyxl.load_workbook(export(doc, pack, tmp_path / "c.xlsx"))[SHEET]
    row = rows_by_id(ws)["GRN-007"]
    assert not str(row[HEADERS["name"]]).startswith("=")
