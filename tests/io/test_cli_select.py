"""`appraisal select`: the JSON keys the issue lists, the table, budgets as
people write them, and exit status 2 for wrong input (FORMAT.md section 3).

The choices are checked on a small portfolio written for the tests (nine
projects, every one's public cost a round figure, optimism bias 0), not on the
example, whose projects and figures change with its vintage; the example is
only run once, to see that the command reads it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.cli import parse_budget
from appraisal.core import load_pack
from appraisal.resources import default_pack_dir


def _project(pid: str, category: str, capex: float, share: float, per_year: float,
             ready: bool = True, energy: tuple = ()) -> dict:
    return {"id": pid, "name": f"{category.replace('_', ' ').capitalize()} {pid}",
            "category": category, "capex": {"2026": capex}, "public_funding_share": share,
            "optimism_bias": 0.0, "lifetime_years": 20,
            "energy_changes": [{"fuel": f, "quantity_per_year": q} for f, q in energy],
            "other_benefits": [{"label": "Benefit", "kind": "economic", "per_year": per_year}],
            "readiness": {"planning_consent": ready, "site_secured": ready,
                          "procurement_ready": ready, "match_funding_confirmed": ready,
                          "months_to_start": 3 if ready else 24}}


# Public costs: HP-001 3m, CYC-006 5m, BUS-004 10m, BUS-005 5m, H2-008 8m, BB-012 2m,
# RET-002 2m, RET-003 2.5m, PV-007 2m (half of 4m). Within GBP 20m the greedy choice by
# BCR takes BUS-004, CYC-006, PV-007 and RET-003 and leaves GBP 0.5m unspent; BUS-004,
# CYC-006 and BUS-005 (a lower BCR) spend the whole budget for more NPSV.
PROJECTS = [
    _project("HP-001", "heat_pumps", 3e6, 1.0, 120e3,
             energy=(("natural_gas", -2e6), ("grid_electricity", 5e5))),
    _project("CYC-006", "active_travel", 5e6, 1.0, 1.0e6, ready=False),
    _project("BUS-004", "public_transport", 10e6, 1.0, 1.7e6, energy=(("diesel", -2e5),)),
    _project("BUS-005", "public_transport", 5e6, 1.0, 0.67e6),
    _project("H2-008", "hydrogen", 8e6, 1.0, 0.5e6, ready=False),
    _project("BB-012", "broadband", 2e6, 1.0, 0.2e6, ready=False),
    _project("RET-002", "building_retrofit", 2e6, 1.0, 0.15e6, energy=(("natural_gas", -1e6),)),
    _project("RET-003", "building_retrofit", 2.5e6, 1.0, 0.17e6,
             energy=(("natural_gas", -1.5e6),)),
    _project("PV-007", "renewable_generation", 4e6, 0.5, 0.2e6,
             energy=(("grid_electricity", -2e6),)),
]


@pytest.fixture(scope="module")
def portfolio_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("select") / "pipeline.json"
    path.write_text(json.dumps({"format": "appraisal-portfolio", "version": 1,
                                "name": "Select test pipeline", "appraisal_year": 2026,
                                "price_base_year": 2025, "projects": PROJECTS}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(portfolio_file):
    def run(*args: str, source: tuple[str, ...] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "appraisal", "select",
                               *(source or (str(portfolio_file),)), *args],
                              capture_output=True, text=True, timeout=120, check=False)
    return run


@pytest.fixture(scope="module")
def select_json(run):
    def select_json(*args: str) -> dict:
        proc = run("--format", "json", *args)
        assert proc.returncode == 0, proc.stderr
        # strict: no NaN or infinity, and nothing but the JSON on stdout
        return json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"{c} in output"))
    return select_json

# The issue: "JSON keys for selection `selected` (ids), `objective_value`,
# `public_cost_gbp`, `greedy_selected`, `greedy_objective_value`", and the
# brief's object around them.
SELECTION_KEYS = {"budget_gbp", "objective", "selected", "objective_value", "public_cost_gbp",
                  "greedy_selected", "greedy_objective_value", "difference", "feasible", "message",
                  "constraints", "assumptions"}
CONSTRAINT_KEYS = {"min_readiness", "shovel_ready_only", "category_min", "category_max",
                   "sector_min", "sector_max", "must_include", "must_exclude"}
CURVE_KEYS = {"budget_gbp", "objective_value", "public_cost_gbp", "selected_count",
              "marginal_per_gbp_1m"}


def test_json_has_the_keys_of_the_issue(select_json):
    out = select_json("--budget", "20m", "--objective", "npsv")
    assert set(out) == {"selection"}
    sel = out["selection"]
    assert SELECTION_KEYS <= sel.keys()
    assert CONSTRAINT_KEYS <= sel["constraints"].keys()
    default = load_pack(default_pack_dir())
    assert sel["assumptions"] == {"id": default.id, "vintage": default.vintage}
    assert sel["budget_gbp"] == 20_000_000 and sel["objective"] == "npsv"
    assert sel["feasible"] is True and sel["message"] is None
    assert sel["selected"] and all(isinstance(i, str) for i in sel["selected"])
    assert sel["public_cost_gbp"] <= 20_000_000
    assert sel["difference"] == pytest.approx(sel["objective_value"] - sel["greedy_objective_value"])
    assert sel["objective_value"] >= sel["greedy_objective_value"]
    assert sel["selected"] == ["CYC-006", "BUS-004", "BUS-005"]
    assert sel["greedy_selected"] == ["CYC-006", "BUS-004", "RET-003", "PV-007"]
    assert sel["public_cost_gbp"] == pytest.approx(20e6) and sel["difference"] > 0


def test_greedy_ranks_by_the_bcr_value_for_money_is_judged_on(select_json, run, tmp_path,
                                                              portfolio_file):
    """METHOD.md 3 (v2): the funder BCR with vfm_basis public (the default), else the social."""
    assert select_json("--budget", "20m")["selection"]["greedy_ranked_by"] == "bcr_public"
    social = tmp_path / "social.json"
    social.write_text(json.dumps({**json.loads(portfolio_file.read_text(encoding="utf-8")),
                                  "vfm_basis": "social"}), encoding="utf-8")
    proc = run("--budget", "20m", "--format", "json", source=(str(social),))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["selection"]["greedy_ranked_by"] == "bcr"


def test_the_example_is_read(run):
    proc = run("--budget", "20m", "--format", "json", source=("--example",))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["selection"]["feasible"] is True


def test_curve_is_added_on_request(select_json):
    out = select_json("--budget", "20m", "--objective", "carbon", "--curve", "--steps", "10")
    points = out["curve"]
    assert 2 <= len(points) <= 12
    for p in points:
        assert CURVE_KEYS <= p.keys()
    assert points[0]["budget_gbp"] == 0 and points[-1]["marginal_per_gbp_1m"] is None
    values = [p["objective_value"] for p in points]
    assert values == sorted(values)


def test_options_reach_the_choice(select_json):
    out = select_json("--budget", "20m", "--objective", "jobs", "--shovel-ready-only",
                      "--include", "HP-001", "--exclude", "CYC-006", "BUS-004",
                      "--category-max", "building_retrofit=1", "--min-readiness", "90")
    sel = out["selection"]
    assert "HP-001" in sel["selected"]
    assert not {"CYC-006", "BUS-004", "H2-008", "BB-012"} & set(sel["selected"])
    assert sum(i.startswith("RET-") for i in sel["selected"]) <= 1
    c = sel["constraints"]
    assert c["must_include"] == ["HP-001"] and c["must_exclude"] == ["CYC-006", "BUS-004"]
    assert c["category_max"] == {"building_retrofit": 1} and c["min_readiness"] == 90
    assert c["shovel_ready_only"] is True


# one reader for the window and the command line (core.quantities.parse_budget): "2e7"
# is read as the window always read it (the command line's own reader refused it)
@pytest.mark.parametrize("text", ["20000000", "20m", "20M", "£20,000,000", "20,000,000",
                                  "GBP 20m", "20000000.00", "0.02bn", "20000k", "2e7"])
def test_budgets_as_people_write_them(text):
    assert parse_budget(text) == pytest.approx(20e6, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "-5", "20q", "£", "nan", "inf", "20m20", "-1e7"])
def test_bad_budgets_are_refused(text):
    import argparse
    with pytest.raises(argparse.ArgumentTypeError):
        parse_budget(text)


def test_table_reads_for_a_board(run):
    proc = run("--budget", "£20,000,000")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Budget £20,000,000" in text and load_pack(default_pack_dir()).id in text
    assert "Best choice" in text and "Greedy choice" in text
    assert "CYC-006" in text and "£5,000,000" in text
    assert "more NPSV than funding projects in order of the funder BCR" in text


def test_output_file(tmp_path, run):
    out = tmp_path / "choice.json"
    proc = run("--budget", "20m", "--format", "json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["selection"]["feasible"] is True


@pytest.mark.parametrize("args, says", [
    (["--budget", "lots"], "--budget"),
    (["--budget", "-20m"], "--budget"),
    (["--budget", "20m", "--objective", "happiness"], "--objective"),
    (["--budget", "20m", "--include", "HP-999"], "HP-999"),
    (["--budget", "20m", "--exclude", "XX-1"], "XX-1"),
    (["--budget", "20m", "--category-max", "rockets=1"], "rockets"),
    (["--budget", "20m", "--category-min", "heat_pumps"], "heat_pumps"),
    (["--budget", "20m", "--min-readiness", "150"], "readiness"),
    # no set fits: the projects that must be included cost GBP 20.5m
    (["--budget", "20m", "--include", "H2-008", "BUS-004", "RET-003"], "RET-003"),
])
def test_wrong_input_exits_2_naming_it_and_writes_nothing(tmp_path, run, args, says):
    out = tmp_path / "out.json"
    proc = run("--format", "json", "-o", str(out), *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and proc.stdout == ""


def test_missing_budget_exits_2(run):
    assert run().returncode == 2


def test_missing_portfolio_exits_2(tmp_path, run):
    proc = run("--budget", "1m", source=(str(tmp_path / "nope.json"),))
    assert proc.returncode == 2 and "nope.json" in proc.stderr


def test_select_is_a_subcommand_not_the_gui():
    from appraisal.cli import SUBCOMMANDS, _wants_gui
    assert "select" in SUBCOMMANDS
    assert not _wants_gui(["select", str(Path("x.json")), "--budget", "1m"])
