"""A pipeline tracker (one row per project) read into a portfolio: csv and xlsx,
the header list's aliases and units, columns not read reported, bad cells named
by row (csv) or sheet and cell (xlsx) and column, nothing written on a problem.

Expected projects are worked by hand from the cells: "2.5" under "Capex (£m)"
is GBP 2,500,000; "1,000" under "Gas saved (MWh/yr)" is a change of -1,000 x
1,000 = -1,000,000 kWh a year; with a go-live year of 2028 and no capex year,
the capex falls in 2027 (the year before operation, one year of spending).
"""
from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from appraisal.core import (
    InputError,
    Portfolio,
    appraise_portfolio,
    load_pack,
    parse_portfolio,
)
from appraisal.io.table_import import (
    COLUMNS,
    header_list_markdown,
    match_column,
    normalise,
    read_table,
)
from appraisal.resources import default_pack_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


TRACKER = """Pipeline tracker, Q3 (draft),,,,,,,,,
Ref,Scheme name,Technology,Capex (£m),Go-live year,Asset life (years),Grant rate,Gas saved (MWh/yr),Electricity change (kWh pa),Planning,Funding stream
A1,Depot heat pumps,Heat pumps,2.5,2028,20,60%,"1,000",200000,yes,LUF
A2,Electric buses,public transport,£3m,2029,12,80,,"1.1m",no,
,,,,,,,,,,
"""

A1 = {"id": "A1", "name": "Depot heat pumps", "category": "heat_pumps", "operating_start": 2028,
      "lifetime_years": 20, "public_funding_share": 0.6, "capex": {"2027": 2_500_000.0},
      "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1_000_000.0},
                         {"fuel": "grid_electricity", "quantity_per_year": 200_000.0}],
      "other_benefits": [], "readiness": {"planning_consent": True}}


def write(tmp_path: Path, text: str, name: str = "tracker.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_tracker_csv_is_read_by_its_aliases(tmp_path, pack):
    out = read_table(write(tmp_path, TRACKER), pack)
    assert out.problems == []
    assert out.unknown_columns == ["Funding stream"]
    assert out.projects[0] == A1
    a2 = out.projects[1]
    # "£3m" carries its own multiplier; "80" in a share column is 80%; the empty row is skipped
    assert a2["capex"] == {"2028": 3_000_000.0} and a2["public_funding_share"] == pytest.approx(0.8)
    assert a2["energy_changes"] == [{"fuel": "grid_electricity", "quantity_per_year": 1_100_000.0}]
    assert len(out.projects) == 2


def test_the_imported_portfolio_appraises_as_the_same_file_written_by_hand(tmp_path, pack):
    out = read_table(write(tmp_path, TRACKER), pack)
    doc = Portfolio.new("t", 2026)
    doc.data["projects"] = out.projects
    by_hand = Portfolio.new("t", 2026)
    by_hand.data["projects"] = [json.loads(json.dumps(A1)), out.projects[1]]
    a = appraise_portfolio(parse_portfolio(doc.data, pack), pack)
    b = appraise_portfolio(parse_portfolio(by_hand.data, pack), pack)
    assert a.metrics["npsv_gbp"].tolist() == pytest.approx(b.metrics["npsv_gbp"].tolist(), rel=1e-12)
    assert a.metrics["carbon_saved_tco2e"][0] > 0         # the gas saved is counted


def test_a_bad_cell_is_named_by_row_and_column(tmp_path, pack):
    bad = TRACKER.replace("A2,Electric buses,public transport,£3m,2029,12,80",
                          "A2,Electric buses,public transport,three million,2029,twelve,80")
    out = read_table(write(tmp_path, bad), pack)
    assert [(p.row, p.project, p.field) for p in out.problems] == [
        (4, "A2", "Capex (£m)"), (4, "A2", "Asset life (years)")]
    assert "'three million' is not an amount of GBP" in out.problems[0].message
    assert [p["id"] for p in out.projects] == ["A1"]


def test_semicolons_and_windows_1252_as_excel_saves_them(tmp_path, pack):
    text = "Project ID;Project name;Category;Capex (£000);Capex year;Lifetime\n" \
           "S-1;Solar canopy;Renewable generation;450;2027;25\n"
    out = read_table(write(tmp_path, text, encoding="cp1252"), pack)
    assert out.problems == []
    assert out.projects[0]["capex"] == {"2027": 450_000.0}
    assert out.projects[0]["category"] == "renewable_generation"


def test_duplicate_ids_grants_and_units(tmp_path, pack):
    text = ("Project ID,Category,Capex 2027,Capex 2028,Grant (GBP),Lifetime,Gas change (furlongs)\n"
            "D-1,other,100000,50000,75000,10,\n"
            "D-1,other,1,1,,10,\n"
            "D-2,other,100,,500,10,\n")
    out = read_table(write(tmp_path, text), pack)
    messages = [(p.row, p.field, p.message) for p in out.problems]
    assert (1, "Gas change (furlongs)", messages[0][2]) == messages[0]   # the header's row
    assert "cannot tell the unit 'furlongs'" in messages[0][2]
    assert any(p.project == "D-1" and "also on row 2" in p.message for p in out.problems)
    assert any(p.project == "D-2" and "more than the capex" in p.message for p in out.problems)
    d1 = out.projects[0]
    # capex by year; the grant of GBP 75,000 on GBP 150,000 of capex is a half
    assert d1["capex"] == {"2027": 100_000.0, "2028": 50_000.0}
    assert d1["public_funding_share"] == pytest.approx(0.5)


def test_a_workbook_is_read_through_the_guard_with_cells_named(tmp_path, pack):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    ws.append(["West Midlands pipeline"])
    ws.append([])
    ws.append(["Project ID", "Project name", "Category", "Capex", "Capex year", "Lifetime years",
               "Public funding share", "Operating start", "Notes", "RAG status"])
    ws.append(["W-1", "Retrofit", "building_retrofit", 1_500_000, 2027, 30, 0.4,
               datetime.datetime(2028, 4, 1), "council homes", "amber"])
    ws.append(["W-2", "Cycle lanes", "active_travel", "2m", 2027, "forever", 0.9, 2028, None, None])
    ws.append(["W-3", "Depot", "other", None, 2027, 20, None, None, None, None])
    ws["D6"] = "=1000*1000"             # a formula whose value was never saved
    path = tmp_path / "pipeline.xlsx"
    wb.save(path)
    out = read_table(path, pack)
    assert out.unknown_columns == ["RAG status"]
    assert out.projects[0] == {
        "id": "W-1", "name": "Retrofit", "category": "building_retrofit", "lifetime_years": 30,
        "public_funding_share": 0.4, "operating_start": 2028, "notes": "council homes",
        "capex": {"2027": 1_500_000.0}, "energy_changes": [], "other_benefits": []}
    named = {(p.sheet, p.cell, p.field): p.message for p in out.problems}
    assert ("Pipeline", "F5", "Lifetime years") in named          # 'forever' in W-2's lifetime
    assert any(cell == "D6" and "formula without a saved value" in m
               for (_, cell, _), m in named.items())


def test_a_file_that_is_no_workbook_is_refused_by_the_guard(tmp_path, pack):
    path = tmp_path / "pipeline.xlsx"
    path.write_bytes(b"Project ID,Category\n")
    with pytest.raises(InputError, match="not a zip archive"):
        read_table(path, pack)


def test_a_table_without_an_id_column_is_refused(tmp_path, pack):
    with pytest.raises(InputError, match="no header row naming a column of project IDs"):
        read_table(write(tmp_path, "Name,Capex\nx,1\n"), pack)


def test_headers_normalise_and_every_alias_is_one_columns():
    assert normalise("Capex (£m)") == ("capex", "£m")
    assert normalise("Grant %") == ("grant", "%")
    assert match_column("OPEX per year (GBP)")[0].target == "opex_per_year"
    names = [n for c in COLUMNS for n in (normalise(c.header)[0], *c.aliases)]
    assert len(names) == len(set(names))          # no alias names two columns
    assert header_list_markdown().count("\n") == len(COLUMNS) + 2


def test_the_header_list_in_the_docs_is_the_codes():
    assert header_list_markdown() in (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *args], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_the_command_writes_a_portfolio_or_nothing(tmp_path, pack):
    table = write(tmp_path, TRACKER)
    out = tmp_path / "p.json"
    proc = cli("import-table", str(table), "-o", str(out), "--appraisal-year", "2026")
    assert proc.returncode == 0, proc.stderr
    assert "column 'Funding stream' is not read" in proc.stderr
    doc = json.loads(out.read_text())
    assert [p["id"] for p in doc["projects"]] == ["A1", "A2"] and doc["appraisal_year"] == 2026
    # a bad cell: exit 2, the row and column named, nothing written
    bad = write(tmp_path, TRACKER.replace(",12,80,", ",12,eighty,"), "bad.csv")
    out2 = tmp_path / "p2.json"
    proc = cli("import-table", str(bad), "-o", str(out2), "--appraisal-year", "2026")
    assert proc.returncode == 2 and not out2.exists()
    assert "row 4, project A2, field 'Grant rate'" in proc.stderr
    assert "Traceback" not in proc.stderr
    # into an existing portfolio that has A1 already: refused, nothing written
    proc = cli("import-table", str(table), "-o", str(out2), "--into", str(out))
    assert proc.returncode == 2 and not out2.exists() and "already has a project 'A1'" in proc.stderr
    # the table itself as the output: refused
    proc = cli("import-table", str(table), "-o", str(table), "--appraisal-year", "2026")
    assert proc.returncode == 2 and table.read_text(encoding="utf-8") == TRACKER


def test_the_command_needs_a_year_for_a_new_portfolio(tmp_path):
    proc = cli("import-table", str(write(tmp_path, TRACKER)), "-o", str(tmp_path / "p.json"))
    assert proc.returncode == 2 and "--appraisal-year" in proc.stderr
