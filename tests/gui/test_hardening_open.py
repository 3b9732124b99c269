"""Issue 11: the desktop application opens a portfolio exactly as the command line does
(appraisal.io.portfolio_file.open_portfolio). A file the command line refuses is refused
here with the same words, and nothing is thrown in the event loop; a typed value is
checked against the core's stated range."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.resources import example_portfolio

REPO = Path(__file__).resolve().parents[2]


def _example() -> dict:
    return json.loads(example_portfolio().read_text(encoding="utf-8"))


def _wrong_type(data):
    data["projects"][2]["lifetime_years"] = "20"


def _list_for_object(data):
    data["projects"][0]["readiness"] = ["yes"]


def _bool_for_number(data):
    data["projects"][1]["opex_per_year"] = True


def _projects_not_a_list(data):
    data["projects"] = {"a": 1}


def _no_projects(data):
    del data["projects"]


def _surrogate(data):
    data["projects"][0]["name"] = "\ud800"


def _out_of_range(data):
    data["projects"][0]["capex"] = {"2027": 1e300}


def _notes_not_text(data):
    data["notes"] = ["a", "b"]


@pytest.mark.parametrize("damage", [_wrong_type, _list_for_object, _bool_for_number,
                                    _projects_not_a_list, _no_projects, _surrogate,
                                    _out_of_range, _notes_not_text])
def test_a_file_the_command_line_refuses_is_refused_with_the_same_words(
        window, tmp_path, damage, message_boxes, qtbot):
    data = _example()
    damage(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "appraisal", "appraise", str(bad)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2
    lines = [line.removeprefix("appraisal: error: ") for line in cli.stderr.splitlines()]
    before = json.dumps(window.doc.portfolio.data, sort_keys=True)

    assert window.open_file(bad) is False
    ((_kind, title, text),) = message_boxes.take("critical")
    assert title == "Cannot open the portfolio"
    for line in lines[:12]:
        assert line in text, (line, text)
    assert json.dumps(window.doc.portfolio.data, sort_keys=True) == before
    qtbot.wait(50)   # anything thrown in the event loop would fail the test here


def test_a_typed_ev_consumption_is_checked_against_the_cores_range(window):
    """The editor's field goes through the core's check: the same message as a file."""
    doc = window.doc
    row = doc.add_project({"id": "EV-9", "name": "Chargers", "category": "ev_charging",
                           "lifetime_years": 10, "capex": {"2027": 1_000_000},
                           "calculator": {"type": "ev_charging", "chargers": 10,
                                          "kwh_per_charger_per_year": 10_000}})
    (problem,) = doc.check_value(row, ("calculator", "ev_kwh_per_km"), 1e-300)
    assert problem.field == "calculator.ev_kwh_per_km" and "at least 0.01" in problem.message
    assert doc.set_field(row, ("calculator", "ev_kwh_per_km"), 1e-300) is False
    assert doc.set_field(row, ("calculator", "ev_kwh_per_km"), 0.2) is True
