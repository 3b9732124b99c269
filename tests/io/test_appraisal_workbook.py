"""Reading an appraisal workbook back (appraisal/io/appraisal_workbook.py).

The workbooks are edited the way a finance team edits them: in LibreOffice.
Input edits are typed into a copy with openpyxl and the copy is converted by
``soffice --convert-to xlsx`` with a profile that recalculates every formula
(the issue accepts this); a deleted row is deleted by LibreOffice itself, by a
Basic macro run headless, so that LibreOffice rewrites the references as it
would for a user.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings

from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.io.appraisal_workbook import IMPORTED_FROM, read_appraisal_workbook
from appraisal.io.portfolio_file import dumps_portfolio, load_portfolio
from appraisal.io.workbook import SUMMARY, SUMMARY_COLUMNS, SUMMARY_HEADER_ROW, export_workbook
from appraisal.io.workbook import input_register as R
from appraisal.resources import default_pack_dir, example_portfolio



def _io_conftest():
    """tests/io/conftest.py as a module of its own name (``conftest`` is ambiguous when
    tests of several folders run together)."""
    spec = importlib.util.spec_from_file_location(
        "appraisal_io_test_conftest", Path(__file__).resolve().parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECALC_ALWAYS = _io_conftest().RECALC_ALWAYS

REPO = Path(__file__).resolve().parents[2]
# LibreOffice Basic library files (XML whose long lines are kept as LibreOffice writes them)
FIRST = "HP-001"   # the example's first project

DELETE_ROW_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub DeleteRow(src As String, dst As String, sheetName As String, rowIndex As Long)
    Dim args(0) As New com.sun.star.beans.PropertyValue
    args(0).Name = &quot;Hidden&quot;
    args(0).Value = True
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, args())
    doc.Sheets.getByName(sheetName).Rows.removeByIndex(rowIndex, 1)
    doc.calculateAll()
    Dim out(0) As New com.sun.star.beans.PropertyValue
    out(0).Name = &quot;FilterName&quot;
    out(0).Value = &quot;Calc MS Excel 2007 XML&quot;
    doc.storeToURL(ConvertToURL(dst), out())
    doc.close(True)
End Sub
</script:module>
"""
LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">{body}</library:library>
"""
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{name}.xlb/" xlink:type="simple" library:link="false"/>
</library:libraries>
"""


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def example():
    return load_portfolio(example_portfolio())


@pytest.fixture(scope="module")
def book(pack, example, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "example.xlsx"
    export_workbook(parse_portfolio(example.data, pack), pack, path, document=example.data)
    return path


@pytest.fixture(scope="module")
def delete_row(tmp_path_factory, tools):
    """LibreOffice deletes a row of a sheet (a Basic macro in a throw-away profile)."""
    exe = tools.require("soffice", "libreoffice")   # skips without it; fails in CI
    profile = tmp_path_factory.mktemp("lo-macro")
    (profile / "user").mkdir()
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    # a first start sets the profile up (and would replace a Basic library written before it)
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--terminate_after_init"], capture_output=True, timeout=240)
    basic = profile / "user" / "basic"
    (basic / "Standard").mkdir(parents=True, exist_ok=True)
    (basic / "Standard" / "Module1.xba").write_text(DELETE_ROW_MACRO)
    (basic / "Standard" / "script.xlb").write_text(
        LIBRARY.format(body='<library:element library:name="Module1"/>'))
    (basic / "Standard" / "dialog.xlb").write_text(LIBRARY.format(body=""))
    (basic / "script.xlc").write_text(CONTAINER.format(name="script"))
    (basic / "dialog.xlc").write_text(CONTAINER.format(name="dialog"))

    def run(src: Path, dst: Path, sheet: str, row0: int) -> Path:
        macro = f'macro:///Standard.Module1.DeleteRow("{src}","{dst}","{sheet}",{row0})'
        proc = subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                               "--norestore", macro], capture_output=True, text=True, timeout=240)
        assert dst.exists(), f"LibreOffice did not run the macro: {proc.stdout} {proc.stderr}"
        return dst

    return run


def register_of(path: Path) -> dict[tuple[str, ...], str]:
    """Field path -> 'Sheet!B40' as the export wrote it."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for row in wb[R.SHEET].iter_rows(min_row=R.FIRST_CELL_ROW + 1, max_col=3, values_only=True):
        if row[0]:
            out[tuple(json.loads(row[0]))] = row[2]
    wb.close()
    return out


def edit(src: Path, dst: Path, cells: dict[str, object]) -> Path:
    """Type values into a copy: ``{"Sheet!B40": value}``."""
    wb = openpyxl.load_workbook(src)
    for where, value in cells.items():
        sheet, ref = where.rsplit("!", 1)
        wb[sheet][ref] = value
    wb.save(dst)
    return dst


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_round_trip_changing_nothing_gives_the_identical_portfolio(pack, example, book):
    portfolio, report = read_appraisal_workbook(book, pack)
    assert dumps_portfolio(portfolio) == dumps_portfolio(example)
    assert report.unchanged and not report.formula_problems
    assert report.pack_id == pack.id and report.method_version == 2


def test_round_trip_through_libreoffice_changing_nothing(pack, example, book, libreoffice):
    portfolio, report = read_appraisal_workbook(libreoffice(book), pack)
    assert dumps_portfolio(portfolio) == dumps_portfolio(example)
    # LibreOffice recalculated every formula: its Summary agrees with the application
    assert report.unchanged and not report.formula_problems and not report.notes


def test_libreoffice_edited_copy_gives_exactly_those_changes(pack, example, book, libreoffice,
                                                             tmp_path):
    where = register_of(book)
    capex = where[("projects", FIRST, "capex", "2027")]
    lifetime = where[("projects", FIRST, "lifetime_years")]
    year = where[("appraisal_year",)]
    edited = libreoffice(edit(book, tmp_path / "edited.xlsx",
                              {capex: 2_800_000, lifetime: 25, year: 2027}))
    portfolio, report = read_appraisal_workbook(edited, pack)
    assert {(c.path, c.before, c.after) for c in report.changes} == {
        (("projects", FIRST, "capex", "2027"), 2_600_000, 2_800_000),
        (("projects", FIRST, "lifetime_years"), 20, 25), (("appraisal_year",), 2026, 2027)}
    expected = copy.deepcopy(example.data)
    expected["appraisal_year"] = 2027
    expected["projects"][0]["lifetime_years"] = 25
    expected["projects"][0]["capex"]["2027"] = 2_800_000
    got = copy.deepcopy(portfolio.data)
    record = got.pop(IMPORTED_FROM)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert record["base"] == example.data       # what the Changes sheet compares against
    # LibreOffice's recalculation with the new inputs agrees with the application's
    assert not report.formula_problems, report.formula_problems

    out = tmp_path / "imported.json"
    done = run_cli("import", edited, "-o", out)       # no --appraisal-year: it has its own
    assert done.returncode == 0, done.stderr
    assert "changed: projects[HP-001].lifetime_years at HP-001!" in done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["appraisal_year"] == 2027

    # the export of the imported portfolio gains a Changes sheet with the attribution
    again = tmp_path / "again.xlsx"
    done = run_cli("export", out, "-o", again)
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(again, read_only=True)
    assert "Changes" in wb.sheetnames
    text = [c for row in wb["Changes"].iter_rows(values_only=True) for c in row if c is not None]
    wb.close()
    for expected_text in ("capex.2027", "lifetime_years", "appraisal_year", "Total change in NPSV"):
        assert expected_text in text


def test_a_deleted_row_is_refused_naming_the_sheet_and_cell(pack, book, delete_row, tmp_path):
    lifetime = register_of(book)[("projects", FIRST, "lifetime_years")]
    sheet, ref = lifetime.rsplit("!", 1)
    broken = delete_row(book, tmp_path / "deleted.xlsx", sheet, int(ref[1:]) - 1)
    with pytest.raises(InputError) as caught:
        read_appraisal_workbook(broken, pack)
    first = caught.value.problems[0]
    assert (first.sheet, first.cell) == (sheet, ref)
    assert "was deleted" in first.message
    moved = [p for p in caught.value.problems if "is now at" in p.message]
    assert moved and moved[0].sheet == sheet      # the inputs below it moved up a row
    done = run_cli("import", broken, "-o", tmp_path / "p.json")
    assert done.returncode == 2
    assert f"sheet '{sheet}', cell {ref}" in done.stderr
    assert not (tmp_path / "p.json").exists()


def test_an_edited_formula_is_reported(pack, book, libreoffice, tmp_path):
    col = [key for _, key, *_ in SUMMARY_COLUMNS].index("npsv_gbp")
    ref = f"{openpyxl.utils.get_column_letter(col + 1)}{SUMMARY_HEADER_ROW + 2}"
    edited = libreoffice(edit(book, tmp_path / "formula.xlsx", {f"{SUMMARY}!{ref}": "=1234"}))
    portfolio, report = read_appraisal_workbook(edited, pack)
    assert report.unchanged            # no input changed: the figures are recomputed
    (problem,) = report.formula_problems
    assert (problem.sheet, problem.cell) == (SUMMARY, ref)
    assert f"a formula was edited: {SUMMARY}!{ref}" in problem.message
    assert "shows 1,234.00" in problem.message


def test_an_edited_hidden_sheet_is_refused(pack, book, tmp_path):
    wb = openpyxl.load_workbook(book)
    wb[R.SHEET].cell(R.FIRST_CELL_ROW + 1, 4).value = 1999    # the appraisal year as written
    wb.save(tmp_path / "tampered.xlsx")
    with pytest.raises(InputError, match="checksum"):
        read_appraisal_workbook(tmp_path / "tampered.xlsx", pack)


def test_an_invalid_edit_names_its_cell(pack, book, tmp_path):
    lifetime = register_of(book)[("projects", FIRST, "lifetime_years")]
    bad = edit(book, tmp_path / "bad.xlsx", {lifetime: "twenty"})
    with pytest.raises(InputError) as caught:
        read_appraisal_workbook(bad, pack)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.cell) == tuple(lifetime.rsplit("!", 1))
    assert "must be a number" in problem.message


def test_a_submission_workbook_is_not_an_appraisal_workbook(pack, tmp_path):
    from appraisal.io.submission import write_template
    write_template(tmp_path / "t.xlsx", pack)
    with pytest.raises(InputError, match="is not an appraisal workbook"):
        read_appraisal_workbook(tmp_path / "t.xlsx", pack)


def _random_portfolios():
    sys.path.insert(0, str(REPO / "tests" / "core"))
    from v2_helpers import PACK_2026
    from v2_strategies import PACK_2026_INFO, v2_portfolios
    return load_pack(PACK_2026), v2_portfolios(PACK_2026_INFO, max_projects=2)


SMALL_PACK_LOADED, RANDOM_PORTFOLIOS = _random_portfolios()


@settings(deadline=None, max_examples=12,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(doc=RANDOM_PORTFOLIOS)
def test_random_portfolios_with_every_v2_field_round_trip(doc, tmp_path):
    """Every input the export writes is read back as written: with the document the
    identical portfolio; with parsed inputs only, a portfolio with the same figures."""
    pack = SMALL_PACK_LOADED
    try:
        inputs = parse_portfolio(doc, pack)
    except InputError:
        assume(False)
    book = tmp_path / "random.xlsx"
    export_workbook(inputs, pack, book, document=doc)
    portfolio, report = read_appraisal_workbook(book, pack)
    assert report.unchanged and not report.formula_problems
    assert json.dumps(portfolio.data) == json.dumps(doc)
    export_workbook(inputs, pack, book)                 # no document: made from the inputs
    portfolio, report = read_appraisal_workbook(book, pack)
    assert report.unchanged
    again = appraise_portfolio(parse_portfolio(portfolio.data, pack), pack).totals()
    first = appraise_portfolio(inputs, pack).totals()
    for key in ("npsv_gbp", "pv_costs_gbp", "carbon_saved_tco2e", "public_cost_gbp"):
        assert again[key] == pytest.approx(first[key], rel=1e-12, abs=1e-6), key
