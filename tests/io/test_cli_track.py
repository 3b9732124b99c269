"""`appraisal track`: output formats, the JSON keys of docs/FORMAT.md 6, exit status.

Exit status 0 done, 2 the input is wrong (the message names the file, the
project and the field, and nothing is written).
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from appraisal.resources import example_portfolio

# docs/FORMAT.md 6, verbatim
DELIVERY_KEYS = {"name", "as_of", "assumptions", "thresholds", "pipeline"}
THRESHOLD_KEYS = {"overrun_amber", "overrun_red", "slippage_amber_months", "slippage_red_months",
                  "carbon_amber", "carbon_red"}
PIPELINE_KEYS = {"projects_tracked", "projects_without_baseline", "status_counts",
                 "capex_to_date_gbp", "capex_profile_to_date_gbp", "spend_share_of_profile",
                 "baseline_capex_gbp", "forecast_capex_gbp", "overrun",
                 "carbon_appraised_to_date_tco2e", "carbon_delivered_to_date_tco2e",
                 "carbon_delivery_share", "baseline", "reforecast", "notes"}
OUTCOME_KEYS = {"npsv_gbp", "bcr", "bcr_public", "cost_per_tco2e_gbp", "gap_contribution_gbp",
                "carbon_saved_tco2e", "pv_costs_gbp", "pv_benefits_gbp", "pv_carbon_benefit_gbp",
                "pv_costs_public_gbp", "pv_costs_private_gbp"}
PROJECT_KEYS = {"id", "name", "category", "status", "reasons", "baseline_stage", "baseline_date",
                "baseline_pack_id", "baseline_pack_vintage", "baseline_price_base_year",
                "reported_to", "capex_to_date_gbp", "capex_profile_to_date_gbp",
                "spend_share_of_profile", "public_funding_to_date_gbp",
                "public_funding_profile_to_date_gbp", "baseline_capex_gbp", "forecast_capex_gbp",
                "optimism_bias", "overrun", "overrun_with_ob", "planned_works_start",
                "actual_works_start", "works_start_slippage_months",
                "works_start_slippage_is_minimum", "planned_operating_start",
                "actual_operating_start", "completion_slippage_months",
                "completion_slippage_is_minimum", "ob_duration_allowance_months",
                "completion_slippage_beyond_allowance_months", "fuels",
                "carbon_appraised_to_date_tco2e", "carbon_appraised_in_measured_periods_tco2e",
                "carbon_delivered_to_date_tco2e", "carbon_delivery_share", "jobs_reported_fte",
                "gross_jobs_appraised_fte", "baseline", "reforecast", "years", "notes"}
FUEL_KEYS = {"fuel", "appraised_to_date", "appraised_in_measured_periods", "measured_to_date",
             "share_delivered"}
YEAR_KEYS = {"year", "share_to_date", "capex_profile_gbp", "capex_actual_gbp",
             "capex_forecast_gbp", "public_funding_profile_gbp", "public_funding_actual_gbp",
             "carbon_appraised_to_date_tco2e", "carbon_delivered_tco2e"}
DISTRIBUTION_KEYS = {"n", "mean", "median", "q1", "q3"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_json_has_every_key_of_format_md():
    proc = run("track", str(example_portfolio()), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    d = out["delivery"]
    assert d.keys() == DELIVERY_KEYS
    assert d["thresholds"].keys() == THRESHOLD_KEYS
    assert d["pipeline"].keys() == PIPELINE_KEYS
    assert d["pipeline"]["baseline"].keys() == d["pipeline"]["reforecast"].keys() == OUTCOME_KEYS
    assert d["as_of"] == "2029-01-31"     # the latest return of the example
    assert d["assumptions"]["id"] == "uk-reference-2026-12"
    assert len(out["projects"]) == 12
    for p in out["projects"]:
        assert p.keys() == PROJECT_KEYS
        for f in p["fuels"]:
            assert f.keys() == FUEL_KEYS
        for y in p["years"]:
            assert y.keys() == YEAR_KEYS
    by_id = {p["id"]: p for p in out["projects"]}
    assert by_id["GRN-007"]["status"] == "green"
    assert by_id["PV-009"]["status"] == by_id["RET-010"]["status"] == "red"
    assert by_id["HP-001"]["status"] is None and by_id["HP-001"]["reforecast"] is None
    assert d["pipeline"]["status_counts"] == {"green": 1, "amber": 0, "red": 2}


def test_as_of_moves_to_date():
    proc = run("track", "--example", "--format", "json", "--as-of", "2028-06-30")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["delivery"]["as_of"] == "2028-06-30"
    ret = next(p for p in out["projects"] if p["id"] == "RET-010")
    assert ret["reported_to"] == "2027-12-31"          # the 2028 return is not yet made
    # docs/delivery.md 3: profile to date = 2027's 1.9m and half of 2028's 1.18m
    assert abs(ret["capex_profile_to_date_gbp"] - (1_900_000 + 1_180_000 / 2)) < 1e-6


def test_csv_one_row_per_project():
    proc = run("track", "--example", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["id"] for r in rows][:2] == ["HP-001", "RET-002"] and len(rows) == 12
    assert {"baseline_npsv_gbp", "reforecast_npsv_gbp", "as_of", "assumptions_id"} <= rows[0].keys()
    pv = next(r for r in rows if r["id"] == "PV-009")
    assert float(pv["carbon_delivery_share"]) == 0.5 and pv["status"] == "red"


def test_table_says_why():
    proc = run("track", "--example")
    assert proc.returncode == 0, proc.stderr
    assert "Why amber or red:" in proc.stdout
    assert "PV-009: 50% of the appraised carbon saving delivered" in proc.stdout
    assert "nan" not in proc.stdout.lower() and "inf" not in proc.stdout.replace("info", "")


def test_calibration_json(tmp_path: Path):
    proc = run("track", "--example", "--calibration", "--format", "json", "-o",
               str(tmp_path / "cal.json"))
    assert proc.returncode == 0, proc.stderr
    cal = json.loads((tmp_path / "cal.json").read_text(encoding="utf-8"))["calibration"]
    assert cal.keys() == {"completed_projects", "categories", "notes"}
    assert cal["completed_projects"] == 2               # GRN-007 and PV-009 are operating
    last = cal["categories"][-1]
    assert last["category"] == "all" and sorted(last["projects"]) == ["GRN-007", "PV-009"]
    for k in ("overrun", "optimism_bias_used", "works_start_slippage_months",
              "completion_slippage_months", "duration_allowance_months"):
        assert last[k].keys() == DISTRIBUTION_KEYS
    assert run("track", "--example", "--calibration").returncode == 0
    assert run("track", "--example", "--calibration", "--format", "csv").returncode == 0


def test_bad_actuals_exit_2_and_write_nothing(tmp_path: Path):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    pv = next(p for p in data["projects"] if p["id"] == "PV-009")
    pv["actuals"][0]["capex_gbp"] = -5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    proc = run("track", str(path), "--format", "json", "-o", str(out))
    assert proc.returncode == 2
    assert "project PV-009" in proc.stderr and "actuals[0].capex_gbp" in proc.stderr
    assert str(path) in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_bad_options_exit_2():
    proc = run("track", "--example", "--as-of", "2029-13-01")
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr
    assert run("track", "--example", "--format", "xml").returncode == 2
    assert run("track").returncode == 2
    proc = run("track", "/no/such/file.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
