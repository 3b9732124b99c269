"""``appraisal diff A B``: exit 0 when the inputs are the same, 1 when they differ,
2 on bad input; the JSON keys of docs/FORMAT.md section 6; the xlsx report."""
from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from appraisal.resources import example_portfolio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))
TOP_KEYS = {"a", "b", "equal", "assumptions", "settings", "projects", "totals", "attribution"}
METRICS = {"npsv_gbp", "bcr", "carbon_saved_tco2e", "net_additional_jobs_fte", "public_cost_gbp",
           "gap_contribution_gbp"}


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diff")
    a, b = folder / "a.json", folder / "b.json"
    a.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    changed = copy.deepcopy(EXAMPLE)
    changed["projects"][0]["lifetime_years"] += 5
    changed["projects"][1]["public_funding_share"] = 0.75
    del changed["projects"][-1]
    b.write_text(json.dumps(changed), encoding="utf-8")
    return a, b


def test_equal_portfolios_exit_0(files):
    a, _ = files
    done = run_cli("diff", a, a)
    assert done.returncode == 0, done.stderr
    assert "inputs are the same" in done.stdout


def test_different_portfolios_exit_1_with_json_keys(files):
    a, b = files
    done = run_cli("diff", a, b, "--format", "json")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == TOP_KEYS and out["equal"] is False
    assert set(out["totals"]) == METRICS
    assert set(out["totals"]["npsv_gbp"]) == {"before", "after", "change"}
    first, second, last = (p["id"] for p in (EXAMPLE["projects"][0], EXAMPLE["projects"][1],
                                             EXAMPLE["projects"][-1]))
    status = {p["id"]: p["status"] for p in out["projects"]}
    assert status == {first: "changed", second: "changed", last: "removed"}
    fields = {(f["project"], f["field"]) for p in out["projects"] for f in p["fields"]}
    assert fields == {(first, "lifetime_years"), (second, "public_funding_share")}
    steps = out["attribution"]["steps"]
    assert {"project", "fields", "what", "label", "npsv_change_gbp"} <= set(steps[0])
    assert out["attribution"]["order"].startswith("portfolio settings first")
    assert math.fsum(s["npsv_change_gbp"] for s in steps) == pytest.approx(
        out["totals"]["npsv_gbp"]["change"], abs=1e-6)
    assert out["attribution"]["total_npsv_change_gbp"] == out["totals"]["npsv_gbp"]["change"]


def test_table_names_the_changes_and_the_order(files):
    a, b = files
    done = run_cli("diff", a, b)
    assert done.returncode == 1, done.stderr
    assert "lifetime_years: 20 -> 25" in done.stdout
    assert "Order: portfolio settings first" in done.stdout
    assert "Total change in NPSV" in done.stdout


def test_xlsx_report_opens(files, tmp_path):
    a, b = files
    report = tmp_path / "diff.xlsx"
    done = run_cli("diff", a, b, "--format", "xlsx", "-o", report)
    assert done.returncode == 1, done.stderr
    wb = openpyxl.load_workbook(report)
    ws = wb["Changes"]
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert "lifetime_years" in cells and "Total change in NPSV" in cells


@pytest.mark.parametrize("bad", ["missing.json", "not-json.json", "plain.xlsx"])
def test_bad_input_exit_2(files, tmp_path, bad):
    a, _ = files
    (tmp_path / "not-json.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "plain.xlsx").write_bytes(b"PK\x03\x04 not really")
    done = run_cli("diff", a, tmp_path / bad)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert bad in done.stderr and "Traceback" not in done.stderr


def test_xlsx_needs_an_output_file(files):
    a, b = files
    done = run_cli("diff", a, b, "--format", "xlsx")
    assert done.returncode == 2 and "-o REPORT.xlsx" in done.stderr
