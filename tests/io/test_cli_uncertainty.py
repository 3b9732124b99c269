"""`appraisal sensitivity` and `appraisal montecarlo`: the JSON keys the issue names,
reproducible draws, and exit status 2 for wrong input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from appraisal.core import load_pack
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir, example_portfolio

# what the checks below need to know of the example and the default pack, read
# from them rather than written out: both are replaced as new vintages come
DEFAULT_PACK_ID = load_pack(default_pack_dir()).id
EXAMPLE_IDS = [p["id"] for p in load_portfolio(example_portfolio()).data["projects"]]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *args], capture_output=True, text=True,
                          timeout=180)


def test_sensitivity_json_has_switching_values_per_project():
    proc = run("sensitivity", "--example", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["assumptions"]["id"] == DEFAULT_PACK_ID
    assert [p["id"] for p in out["projects"]] == EXAMPLE_IDS
    for p in out["projects"]:
        for row in p["switching_values"]:
            assert {"driver", "switching_value", "switching_change", "reachable"} <= row.keys()
        assert p["tornado"] and "carbon_central" in p["scenarios"]
        # the energy series are scenarios only where the pack has them for a fuel used
        assert ("energy_low" in p["scenarios"]) == bool(out["energy_fuels_with_series"])
        assert {"bcr_public_low", "bcr_public_high"} <= p["tornado"][0].keys()
    energy = next(d for d in out["drivers"] if d["driver"] == "energy_prices")
    assert energy["kind"] == "series" and "series" in energy["reason"]


def test_montecarlo_json_keys_and_reproducibility():
    a = run("montecarlo", "--example", "--draws", "1500", "--seed", "9", "--format", "json")
    b = run("montecarlo", "--example", "--draws", "1500", "--seed", "9", "--format", "json")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    out = json.loads(a.stdout)
    assert out["seed"] == 9 and out["draws"] == 1500
    assert [p["id"] for p in out["projects"]] == EXAMPLE_IDS
    for p in out["projects"] + [out["portfolio"]]:
        assert {"npsv_p10_gbp", "npsv_p50_gbp", "npsv_p90_gbp", "npsv_mean_gbp",
                "bcr_public_p50", "prob_npsv_negative"} <= p.keys()


@pytest.mark.parametrize("args", [("montecarlo", "--example", "--draws", "0"),
                                  ("montecarlo", "--example", "--draws", "many"),
                                  ("sensitivity", "missing.json")])
def test_wrong_input_exits_2(args, tmp_path):
    proc = run(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_tables_name_the_pack_and_the_seed():
    proc = run("montecarlo", "--example", "--draws", "500", "--seed", "4")
    assert proc.returncode == 0 and "seed 4" in proc.stdout and DEFAULT_PACK_ID in proc.stdout
    proc = run("sensitivity", "--example")
    assert proc.returncode == 0 and "switching values" in proc.stdout
