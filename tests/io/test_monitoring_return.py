"""The monitoring return (issue 13): ``appraisal template --monitoring`` writes the
promoter's return of one project with its baseline beside the blanks, and
``appraisal import-return`` reads it back: the portfolio gains exactly the entries
typed, and a wrong cell is reported with its sheet, cell and field, all problems in
one pass, nothing written."""
from __future__ import annotations

import copy
import datetime as dt
import json

import openpyxl
import pytest

from appraisal.cli import main
from appraisal.core import load_pack
from appraisal.core.delivery import parse_delivery
from appraisal.io.monitoring_return import (DATE_CELL, FIRST_ENTRY_ROW, HEADER_ROW, ID_ROW,
                                            RETURN, SOURCE_CELL, entry_columns)
from appraisal.resources import default_pack_dir, example_portfolio


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture
def portfolio(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(example_portfolio().read_text(encoding="utf-8"), encoding="utf-8")
    return path


def project(path, pid: str) -> dict:
    return next(p for p in json.loads(path.read_text(encoding="utf-8"))["projects"]
                if p["id"] == pid)


def write_return(portfolio, tmp_path, pid: str = "PV-009"):
    out = tmp_path / "return.xlsx"
    assert main(["template", "--monitoring", str(portfolio), "--project", pid, "-o", str(out)]) == 0
    return out


def columns(ws) -> dict[str, str]:
    """Field -> column letter, from the headings on the sheet."""
    heads = {c.value: c.column_letter for c in ws[HEADER_ROW] if c.value}
    cols = entry_columns(["grid_electricity"], {"grid_electricity": "kWh"})
    assert [c.heading for c in cols] == list(heads)        # the layout the reader expects
    return {c.field: heads[c.heading] for c in cols}


def test_the_return_shows_the_project_and_its_baseline_beside_the_blanks(portfolio, tmp_path, pack):
    ws = openpyxl.load_workbook(write_return(portfolio, tmp_path))[RETURN]
    assert ws[f"B{ID_ROW}"].value == "PV-009"
    ref = parse_delivery(project(portfolio, "PV-009"), pack).reference
    assert ref is not None
    assert ref.date.isoformat() in ws[f"B{ID_ROW + 2}"].value
    # the capex profile of the baseline, year by year (the reference block under the entries)
    capex = {int(y): v for y, v in ref.project["capex"].items()}
    shown = {}
    for row in ws.iter_rows(min_row=FIRST_ENTRY_ROW + 14, values_only=True):
        if isinstance(row[0], int) and isinstance(row[1], (int, float)):
            shown[row[0]] = row[1]
    assert {y: shown[y] for y in capex} == pytest.approx(capex)
    # entry cells are unlocked, the rest protected
    assert ws.protection.sheet
    assert ws[DATE_CELL].protection.locked is False
    assert ws[f"A{FIRST_ENTRY_ROW}"].protection.locked is False
    assert ws[f"B{ID_ROW}"].protection.locked is not False


def test_round_trip_the_portfolio_gains_exactly_the_entries_typed(portfolio, tmp_path):
    path = write_return(portfolio, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[RETURN]
    col = columns(ws)
    ws[DATE_CELL] = dt.date(2029, 4, 20)
    ws[SOURCE_CELL] = "Q1 and Q2 2029 return (Wolverhampton)"
    r = FIRST_ENTRY_ROW
    for field, value in (("year", 2029), ("quarter", 1), ("opex_gbp", 6250.5),
                         ("energy_change.grid_electricity", -52000), ("jobs_fte", 1.5)):
        ws[f"{col[field]}{r}"] = value
    for field, value in (("year", 2029), ("quarter", 2), ("capex_gbp", 12000),
                         ("public_funding_gbp", 9000), ("note", "invoice 4471")):
        ws[f"{col[field]}{r + 1}"] = value
    wb.save(path)
    before = project(portfolio, "PV-009")
    others = {p["id"]: p for p in json.loads(portfolio.read_text())["projects"] if p["id"] != "PV-009"}
    out = tmp_path / "out.json"
    assert main(["import-return", str(path), "--into", str(portfolio), "-o", str(out)]) == 0
    after = project(out, "PV-009")
    source = "Q1 and Q2 2029 return (Wolverhampton)"
    assert after["actuals"] == before["actuals"] + [
        {"year": 2029, "quarter": 1, "date": "2029-04-20", "source": source, "opex_gbp": 6250.5,
         "energy_change": {"grid_electricity": -52000.0}, "jobs_fte": 1.5},
        {"year": 2029, "quarter": 2, "date": "2029-04-20", "source": f"{source}; invoice 4471",
         "capex_gbp": 12000.0, "public_funding_gbp": 9000.0}]
    assert {k: v for k, v in after.items() if k != "actuals"} == \
        {k: v for k, v in before.items() if k != "actuals"}
    assert {p["id"]: p for p in json.loads(out.read_text())["projects"] if p["id"] != "PV-009"} \
        == others


def test_every_bad_cell_is_reported_with_its_address_and_nothing_is_written(portfolio, tmp_path,
                                                                            capsys):
    path = write_return(portfolio, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[RETURN]
    col = columns(ws)
    r = FIRST_ENTRY_ROW
    ws[f"{col['year']}{r}"] = 2029
    ws[f"{col['capex_gbp']}{r}"] = -3                          # refused by the core
    ws[f"{col['year']}{r + 1}"] = 2029
    ws[f"{col['quarter']}{r + 1}"] = 7                         # no such quarter
    ws[f"{col['opex_gbp']}{r + 1}"] = "=100*2"                 # a formula
    beside = chr(ord(col["note"]) + 1)
    ws[f"{beside}{r}"] = 500                                   # beside the table
    wb.save(path)                                              # and no date of the return
    out = tmp_path / "out.json"
    assert main(["import-return", str(path), "--into", str(portfolio), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    for cell, field in ((f"{col['capex_gbp']}{r}", "capex_gbp"),
                        (f"{col['quarter']}{r + 1}", "quarter"),
                        (f"{col['opex_gbp']}{r + 1}", "opex_gbp"), (DATE_CELL, "date")):
        assert f"sheet 'Return', cell {cell}, field '{field}'" in err, (cell, err)
    assert f"cell {beside}{r}: holds 500 outside the return's entry cells" in err
    assert "nothing written" in err
    assert not out.exists()


def test_a_submission_template_is_not_a_return(portfolio, tmp_path, capsys):
    template = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(template)]) == 0
    assert main(["import-return", str(template), "--into", str(portfolio),
                 "-o", str(tmp_path / "o.json")]) == 2
    assert "is not a monitoring return" in capsys.readouterr().err


def test_monitoring_and_project_go_together_and_the_project_must_exist(portfolio, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["template", "--monitoring", str(portfolio), "-o", str(out)]) == 2
    assert main(["template", "--monitoring", str(portfolio), "--project", "NOPE-1",
                 "-o", str(out)]) == 2
    assert "no project with the id 'NOPE-1'" in capsys.readouterr().err
    assert not out.exists()


def test_a_return_for_a_project_the_portfolio_no_longer_has(portfolio, tmp_path, capsys):
    path = write_return(portfolio, tmp_path)
    data = json.loads(portfolio.read_text())
    data["projects"] = [p for p in data["projects"] if p["id"] != "PV-009"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    assert main(["import-return", str(path), "--into", str(other), "-o", str(tmp_path / "o.json")]) == 2
    assert f"cell B{ID_ROW}" in capsys.readouterr().err


def test_reading_does_not_change_the_document_on_a_problem(portfolio, tmp_path, pack):
    from appraisal.io.monitoring_return import import_return
    path = write_return(portfolio, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[RETURN]
    col = columns(ws)
    ws[DATE_CELL] = dt.date(2029, 4, 20)
    ws[f"{col['year']}{FIRST_ENTRY_ROW}"] = 2029
    ws[f"{col['capex_gbp']}{FIRST_ENTRY_ROW}"] = 1000
    ws[f"{col['year']}{FIRST_ENTRY_ROW + 1}"] = 2029
    ws[f"{col['capex_gbp']}{FIRST_ENTRY_ROW + 1}"] = -1
    wb.save(path)
    data = json.loads(portfolio.read_text())
    kept = copy.deepcopy(data)
    added, problems = import_return(path, data, pack)
    assert added == [] and len(problems) == 1 and data == kept
