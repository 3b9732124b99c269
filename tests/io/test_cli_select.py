"""`appraisal select`: the JSON keys the issue lists, the table, budgets as
people write them, and exit status 2 for wrong input (FORMAT.md section 3).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.cli import parse_budget

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


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", "select", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def select_json(*args: str) -> dict:
    proc = run("--example", "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    # strict: no NaN or infinity, and nothing but the JSON on stdout
    return json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"{c} in output"))


def test_json_has_the_keys_of_the_issue():
    out = select_json("--budget", "20m", "--objective", "npsv")
    assert set(out) == {"selection"}
    sel = out["selection"]
    assert SELECTION_KEYS <= sel.keys()
    assert CONSTRAINT_KEYS <= sel["constraints"].keys()
    assert sel["assumptions"] == {"id": "uk-default-2026-11", "vintage": "2026-11-28"}
    assert sel["budget_gbp"] == 20_000_000 and sel["objective"] == "npsv"
    assert sel["feasible"] is True and sel["message"] is None
    assert sel["selected"] and all(isinstance(i, str) for i in sel["selected"])
    assert sel["public_cost_gbp"] <= 20_000_000
    assert sel["difference"] == pytest.approx(sel["objective_value"] - sel["greedy_objective_value"])
    assert sel["objective_value"] >= sel["greedy_objective_value"]


def test_curve_is_added_on_request():
    out = select_json("--budget", "20m", "--objective", "carbon", "--curve", "--steps", "10")
    points = out["curve"]
    assert 2 <= len(points) <= 12
    for p in points:
        assert CURVE_KEYS <= p.keys()
    assert points[0]["budget_gbp"] == 0 and points[-1]["marginal_per_gbp_1m"] is None
    values = [p["objective_value"] for p in points]
    assert values == sorted(values)


def test_options_reach_the_choice():
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


@pytest.mark.parametrize("text", ["20000000", "20m", "20M", "£20,000,000", "20,000,000",
                                  "GBP 20m", "20000000.00", "0.02bn", "20000k"])
def test_budgets_as_people_write_them(text):
    assert parse_budget(text) == pytest.approx(20e6, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "-5", "20q", "£", "1e7", "nan", "inf", "20m20"])
def test_bad_budgets_are_refused(text):
    import argparse
    with pytest.raises(argparse.ArgumentTypeError):
        parse_budget(text)


def test_table_reads_for_a_board():
    proc = run("--example", "--budget", "£20,000,000")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Budget £20,000,000" in text and "uk-default-2026-11" in text
    assert "Best choice" in text and "Greedy choice" in text
    assert "CYC-006" in text and "£5,000,000" in text
    assert "more NPSV than funding projects in order of BCR" in text


def test_output_file(tmp_path):
    out = tmp_path / "choice.json"
    proc = run("--example", "--budget", "20m", "--format", "json", "-o", str(out))
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
    # no set fits: the projects that must be included cost about GBP 20.9m
    (["--budget", "20m", "--include", "H2-008", "BUS-005"], "BUS-005"),
])
def test_wrong_input_exits_2_naming_it_and_writes_nothing(tmp_path, args, says):
    out = tmp_path / "out.json"
    proc = run("--example", "--format", "json", "-o", str(out), *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() and proc.stdout == ""


def test_missing_budget_exits_2():
    assert run("--example").returncode == 2


def test_missing_portfolio_exits_2(tmp_path):
    proc = run(str(tmp_path / "nope.json"), "--budget", "1m")
    assert proc.returncode == 2 and "nope.json" in proc.stderr


def test_select_is_a_subcommand_not_the_gui():
    from appraisal.cli import SUBCOMMANDS, _wants_gui
    assert "select" in SUBCOMMANDS
    assert not _wants_gui(["select", str(Path("x.json")), "--budget", "1m"])
