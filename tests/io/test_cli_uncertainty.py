"""`appraisal sensitivity` and `appraisal montecarlo`: the JSON keys the issue names,
reproducible draws, and exit status 2 for wrong input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *args], capture_output=True, text=True,
                          timeout=180)


def test_sensitivity_json_has_switching_values_per_project():
    proc = run("sensitivity", "--example", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["assumptions"]["id"] == "uk-default-2026-11"
    assert len(out["projects"]) == 12
    for p in out["projects"]:
        for row in p["switching_values"]:
            assert {"driver", "switching_value", "switching_change", "reachable"} <= row.keys()
        assert p["tornado"] and "carbon_central" in p["scenarios"]


def test_montecarlo_json_keys_and_reproducibility():
    a = run("montecarlo", "--example", "--draws", "1500", "--seed", "9", "--format", "json")
    b = run("montecarlo", "--example", "--draws", "1500", "--seed", "9", "--format", "json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    out = json.loads(a.stdout)
    assert out["seed"] == 9 and out["draws"] == 1500
    for p in out["projects"]:
        assert {"npsv_p10_gbp", "npsv_p50_gbp", "npsv_p90_gbp", "npsv_mean_gbp",
                "prob_npsv_negative"} <= p.keys()


@pytest.mark.parametrize("args", [("montecarlo", "--example", "--draws", "0"),
                                  ("montecarlo", "--example", "--draws", "many"),
                                  ("sensitivity", "missing.json")])
def test_wrong_input_exits_2(args, tmp_path):
    proc = run(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_tables_name_the_pack_and_the_seed():
    proc = run("montecarlo", "--example", "--draws", "500", "--seed", "4")
    assert proc.returncode == 0 and "seed 4" in proc.stdout and "uk-default-2026-11" in proc.stdout
    proc = run("sensitivity", "--example")
    assert proc.returncode == 0 and "switching values" in proc.stdout
