"""`appraisal appraise`: output formats, exit status, and refusal of bad input.

FORMAT.md section 3 is the contract: the JSON keys listed there, exit status
0 done / 2 input wrong / 1 anything else, a one-line reason per problem, no
traceback, and no output file when the input is wrong.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.resources import example_portfolio

# FORMAT.md section 3, verbatim
PORTFOLIO_KEYS = {"name", "appraisal_year", "price_base_year", "assumptions", "pv_costs_gbp",
                  "pv_benefits_gbp", "npsv_gbp", "bcr", "carbon_saved_tco2e", "gross_jobs_fte",
                  "net_additional_jobs_fte", "public_cost_gbp", "gap"}
PROJECT_KEYS = {"id", "name", "category", "pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "bcr",
                "vfm_category", "pv_carbon_benefit_gbp", "carbon_saved_tco2e", "cost_per_tco2e_gbp",
                "optimism_bias", "switching_benefits_fall", "switching_costs_rise",
                "financial_npv_gbp", "financial_irr", "payback_year", "discounted_payback_year",
                "viability_gap_gbp", "construction_job_years", "gross_jobs_fte",
                "net_additional_jobs_fte", "public_cost_gbp", "cost_per_net_job_gbp",
                "public_cost_per_tco2e_gbp", "gap_sector", "gap_contribution_gbp", "sunk_costs_gbp",
                "readiness_score", "warnings"}
GAP_SECTOR_KEYS = {"contribution_gbp", "cumulative_gap_gbp", "share_closed",
                   "annual_average_contribution_gbp"}
# FORMAT.md section 4 (method version 2), verbatim
V2_PROJECT_KEYS = {"method_version", "bcr_public", "vfm_basis", "vfm_category_unadjusted",
                   "pv_costs_public_gbp", "pv_costs_private_gbp", "carbon_saved_traded_tco2e",
                   "carbon_saved_direct_tco2e", "pv_carbon_benefit_gbp", "pv_energy_benefit_gbp",
                   "pv_comfort_gbp", "pv_air_quality_gbp", "pv_road_externalities_gbp",
                   "pv_embodied_carbon_cost_gbp", "pv_network_reinforcement_gbp",
                   "pv_residual_value_gbp", "pv_indirect_tax_change_gbp", "ob_delay_years",
                   "benefit_deadweight", "embodied_carbon_tco2e", "construction_job_years",
                   "net_construction_jobs_fte", "net_operational_jobs_fte",
                   "public_cost_per_direct_tco2e_gbp", "psds_test_passed"}
# METHOD.md 10.20: the portfolio's sums and ratios (no per-project-only keys)
V2_PORTFOLIO_KEYS = {"method_version", "vfm_basis", "bcr_public", "pv_costs_public_gbp",
                     "pv_costs_private_gbp", "carbon_saved_traded_tco2e", "carbon_saved_direct_tco2e",
                     "pv_energy_benefit_gbp", "pv_comfort_gbp", "pv_air_quality_gbp",
                     "pv_road_externalities_gbp", "pv_embodied_carbon_cost_gbp",
                     "pv_network_reinforcement_gbp", "pv_residual_value_gbp",
                     "pv_indirect_tax_change_gbp", "embodied_carbon_tco2e", "construction_job_years",
                     "net_construction_jobs_fte", "net_operational_jobs_fte"}
VFM_LABELS = (None, "very poor", "poor", "low", "medium", "high", "very high")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_json_has_every_key_of_format_md():
    proc = run("appraise", str(example_portfolio()), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    p = out["portfolio"]
    assert PORTFOLIO_KEYS <= p.keys()
    assert V2_PORTFOLIO_KEYS <= p.keys()
    assert p["method_version"] == 2
    assert not {"ob_delay_years", "benefit_deadweight", "public_cost_per_direct_tco2e_gbp",
                "psds_test_passed"} & p.keys()
    assert {"id", "vintage"} <= p["assumptions"].keys()
    assert p["assumptions"]["id"] == "uk-reference-2026-12"
    assert {"window", "sectors", "total"} <= p["gap"].keys()
    for sector in p["gap"]["sectors"].values():
        assert GAP_SECTOR_KEYS <= sector.keys()
    assert GAP_SECTOR_KEYS | {"investment_mobilised_gbp", "leverage"} <= p["gap"]["total"].keys()
    assert len(out["projects"]) == 12
    for project in out["projects"]:
        assert PROJECT_KEYS <= project.keys()
        assert V2_PROJECT_KEYS <= project.keys()
        assert project["method_version"] == 2
        assert project["vfm_category"] in VFM_LABELS
        assert project["vfm_category_unadjusted"] in VFM_LABELS
    # no NaN or infinity: the strict parser refuses them
    json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"{c} in output"))


def test_csv_has_a_row_per_project_and_names_the_pack(tmp_path):
    out = tmp_path / "r.csv"
    proc = run("appraise", "--example", "--format", "csv", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 12
    assert rows[0]["id"] == "HP-001"
    assert {r["assumptions_id"] for r in rows} == {"uk-reference-2026-12"}
    assert set(PROJECT_KEYS) <= set(rows[0])


def test_table_shows_totals_and_the_pack():
    proc = run("appraise", "--example")
    assert proc.returncode == 0, proc.stderr
    assert "TOTAL" in proc.stdout and "uk-reference-2026-12" in proc.stdout
    assert "illustrative" in proc.stdout   # the pack's caveat stays visible


def test_carbon_series_changes_the_results():
    central = json.loads(run("appraise", "--example", "--format", "json").stdout)
    high = json.loads(run("appraise", "--example", "--format", "json", "--carbon", "high").stdout)
    assert high["portfolio"]["carbon_series"] == "high"
    assert high["portfolio"]["pv_benefits_gbp"] > central["portfolio"]["pv_benefits_gbp"]


def test_assumptions_option_uses_another_pack(tmp_path):
    import shutil
    from appraisal.resources import default_pack_dir
    folder = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), folder)
    manifest = json.loads((folder / "pack.json").read_text())
    manifest["id"] = "test-pack"
    (folder / "pack.json").write_text(json.dumps(manifest))
    out = json.loads(run("appraise", "--example", "--format", "json", "--assumptions",
                         str(folder)).stdout)
    assert out["portfolio"]["assumptions"]["id"] == "test-pack"


BAD_INPUTS = {
    "not_json": b"this is not json",
    "empty": b"",
    "whitespace": b"   \n",
    "array": b"[1, 2, 3]",
    "deeply_nested": b"[" * 100_000 + b"]" * 100_000,
    "nan": b'{"appraisal_year": 2021, "projects": [{"id": "A", "category": "other", '
           b'"lifetime_years": 10, "opex_per_year": NaN}]}',
    "wrong_types": b'{"appraisal_year": "2021", "projects": {"id": "A"}}',
    "duplicate_keys": b'{"appraisal_year": 2021, "appraisal_year": 2022, "projects": []}',
    "binary": bytes(range(256)) * 10,
    "huge_integer": b'{"appraisal_year": ' + b"9" * 5000 + b', "projects": []}',
    "newer_version": b'{"format": "appraisal-portfolio", "version": 99, "appraisal_year": 2021}',
    "other_format": b'{"format": "something-else", "version": 1}',
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_malformed_input_exits_2_with_a_reason_and_writes_nothing(case, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(BAD_INPUTS[case])
    out = tmp_path / "out.json"
    proc = run("appraise", str(bad), "--format", "json", "-o", str(out))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines()
             if ln.strip() and not ln.startswith("appraisal: note:")]
    assert lines and all(ln.startswith("appraisal: error:") for ln in lines), proc.stderr
    assert not out.exists()


def test_validation_names_project_and_field_once_per_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"appraisal_year": 2021, "projects": [
        {"id": "A", "category": "heat_pumps", "lifetime_years": 10, "public_funding_share": 1.5},
        {"id": "B", "category": "rockets", "lifetime_years": 10,
         "energy_changes": [{"fuel": "coal", "quantity_per_year": 5}]},
    ]}))
    proc = run("appraise", str(bad))
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("appraisal: note:")]
    assert any("project A" in ln and "public_funding_share" in ln for ln in lines)
    assert any("project B" in ln and "'category'" in ln for ln in lines)
    assert any("project B" in ln and "energy_changes[0].fuel" in ln for ln in lines)
    assert len(lines) == 3


def test_missing_file_and_missing_pack_exit_2(tmp_path):
    assert run("appraise", str(tmp_path / "nope.json")).returncode == 2
    proc = run("appraise", "--example", "--assumptions", str(tmp_path / "nopack"))
    assert proc.returncode == 2 and "nopack" in proc.stderr


def test_unknown_option_exits_2():
    proc = run("appraise", "--example", "--format", "xml")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_output_file_is_written_whole(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    assert run("appraise", "--example", "--format", "json", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text())["portfolio"]["project_count"] == 12
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
