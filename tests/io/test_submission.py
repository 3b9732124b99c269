"""Project submission workbooks: the template, filling it in, reading it back, and refusing
hostile or broken files (appraisal.io.submission, `appraisal template` and `appraisal import`).

The round trips fill the template as a promoter would, cell by cell with openpyxl, from
FORMAT.md project objects (the bundled example portfolio), import the result and appraise
both: every figure must agree to floating-point precision.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from numpy.testing import assert_allclose

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.io import submission_layout as L
from appraisal.io.submission import describe_problem, import_workbooks, write_template
from appraisal.resources import default_pack_dir, example_portfolio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def template(pack, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path, pack, contact="Jo Bloggs, appraisal@example.gov.uk")
    return path


# -- filling in the template as a promoter would -----------------------------------

def _shown(pack, list_name: str, code: str) -> str:
    return next(shown for shown, c in L.choice_lists(pack)[list_name] if c == code)


def _entry(pack, f: L.Field, value: Any) -> Any:
    """What a promoter types into a cell for a FORMAT.md value."""
    if f.kind == "yesno":
        return L.YES if value else L.NO
    if f.kind == "choice":
        return _shown(pack, f.choices, value)
    return value


def project_entries(project: dict[str, Any], pack) -> dict[tuple[str, str], Any]:
    """(sheet, cell) -> entry for a FORMAT.md project, laid out as the template asks."""
    cells: dict[tuple[str, str], Any] = {}
    for _, f in L.PROJECT_ROWS:
        if not isinstance(f, L.Field):
            continue
        head, _, tail = f.path.partition(".")
        value = (project.get(head) or {}).get(tail) if tail else project.get(head)
        if value is not None:
            cells[(L.PROJECT, L.PROJECT_CELLS[f.path])] = _entry(pack, f, value)
    capex, public = project.get("capex") or {}, project.get("public_funding") or {}
    t = L.CAPEX_TABLE
    for k, year in enumerate(sorted(set(capex) | set(public), key=int)):
        cells[(t.sheet, t.cell("year", k))] = int(year)
        if year in capex:
            cells[(t.sheet, t.cell("capex", k))] = capex[year]
        if year in public:
            cells[(t.sheet, t.cell("public_funding", k))] = public[year]
    calc = project.get("calculator")
    if calc:
        kind, fields, first = next(c for c in L.CALCULATORS if c[0] == calc["type"])
        for k, f in enumerate(fields):
            if calc.get(f.path) is not None:
                cells[(L.ENERGY, f"B{first + k}")] = _entry(pack, f, calc[f.path])
    t = L.ENERGY_TABLE
    for k, change in enumerate(project.get("energy_changes") or []):
        cells[(t.sheet, t.cell("fuel", k))] = _shown(pack, "fuel", change["fuel"])
        cells[(t.sheet, t.cell("quantity_per_year", k))] = change["quantity_per_year"]
    t, pt = L.BENEFITS_TABLE, L.PROFILES_TABLE
    benefits = project.get("other_benefits") or []
    years = sorted({int(y) for b in benefits for y in (b.get("profile") or {})})
    for r, year in enumerate(years):
        cells[(pt.sheet, pt.cell("year", r))] = year
    for k, b in enumerate(benefits):
        cells[(t.sheet, t.cell("label", k))] = b["label"]
        cells[(t.sheet, t.cell("kind", k))] = _shown(pack, "kind", b.get("kind", "economic"))
        if b.get("per_year") is not None:
            cells[(t.sheet, t.cell("per_year", k))] = b["per_year"]
        for y, amount in (b.get("profile") or {}).items():
            cells[(pt.sheet, f"{L.PROFILE_COLUMNS[k]}{pt.first_row + years.index(int(y))}")] = amount
    return cells


def fill(template: Path, out: Path, cells: dict[tuple[str, str], Any],
         text_cells: dict[tuple[str, str], str] | None = None) -> Path:
    """Write ``cells`` into a copy of the template; ``text_cells`` are stored as text even
    when they start with "=" (as Excel does for a cell formatted as text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openpyxl on features it does not keep
        wb = openpyxl.load_workbook(template)
    for (sheet, cell), value in cells.items():
        wb[sheet][cell] = value
    for (sheet, cell), value in (text_cells or {}).items():
        wb[sheet][cell].value = value
        wb[sheet][cell].data_type = "s"
    wb.save(out)
    return out


def portfolio_of(*projects: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in EXAMPLE.items() if k != "projects"},
            "projects": [copy.deepcopy(p) for p in projects]}


def assert_same_figures(a: dict[str, Any], b: dict[str, Any], pack) -> None:
    """Appraise two portfolios and compare every figure of every project."""
    ra = appraise_portfolio(parse_portfolio(a, pack), pack).project_records()
    rb = appraise_portfolio(parse_portfolio(b, pack), pack).project_records()
    assert len(ra) == len(rb)
    for x, y in zip(ra, rb):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], (int, float)) and not isinstance(x[key], bool):
                assert isinstance(y[key], (int, float)), key
                assert_allclose(y[key], x[key], rtol=1e-12, atol=0, err_msg=key)
            else:
                assert x[key] == y[key], key


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appraisal", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


# -- the template ----------------------------------------------------------------

def test_template_marks_itself_and_protects_its_labels(template):
    wb = openpyxl.load_workbook(template, read_only=False)
    assert wb[L.LISTS]["A1"].value == L.TEMPLATE_KIND
    assert wb[L.LISTS]["B1"].value == L.TEMPLATE_VERSION
    assert wb[L.LISTS].sheet_state == "hidden"
    assert wb.sheetnames == [L.INSTRUCTIONS, *L.INPUT_SHEETS, L.LISTS]
    for sheet, cells in L.input_cells().items():
        ws = wb[sheet]
        assert ws.protection.sheet
        for cell in cells:
            assert ws[cell].protection.locked is False, (sheet, cell)
    project = wb[L.PROJECT]
    assert project["A6"].value == "Project ID *" and L.PROJECT_CELLS["id"] == "B6"
    assert project["A6"].protection.locked
    # every Project input has a drop-down or a range check
    validated = {c for dv in project.data_validations.dataValidation for c in str(dv.sqref).split()}
    assert set(L.PROJECT_CELLS.values()) <= validated
    assert "Jo Bloggs" in " ".join(str(c.value) for row in wb[L.INSTRUCTIONS].iter_rows()
                                   for c in row if c.value)


def test_template_command_writes_a_template_import_recognises(tmp_path):
    out = tmp_path / "t.xlsx"
    done = run_cli("template", "-o", out)
    assert done.returncode == 0, done.stderr
    done = run_cli("import", out, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2
    assert "blank template" in done.stderr and str(out) in done.stderr
    assert not (tmp_path / "p.json").exists()


# -- round trips -------------------------------------------------------------------

@pytest.mark.parametrize("project", EXAMPLE["projects"], ids=[p["id"] for p in EXAMPLE["projects"]])
def test_round_trip_gives_the_same_figures(project, pack, template, tmp_path):
    book = fill(template, tmp_path / f"{project['id']}.xlsx", project_entries(project, pack))
    report = import_workbooks([book], pack)
    assert [describe_problem(p) for p in report.problems] == []
    (imported,) = report.projects
    assert imported["id"] == project["id"] and imported["name"] == project["name"]
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)


def test_heat_pump_calculator_inputs_round_trip(pack, template, tmp_path):
    project = {**EXAMPLE["projects"][0], "energy_changes": [],
               "calculator": {"type": "heat_pumps", "installs": 520, "displaced_fuel": "heating_oil",
                              "scop": 3.1}}
    del project["energy_changes"]
    book = fill(template, tmp_path / "hp.xlsx", project_entries(project, pack))
    report = import_workbooks([book], pack)
    assert report.problems == []
    (imported,) = report.projects
    # empty inputs stay empty: the pack's defaults apply when appraised
    assert imported["calculator"] == project["calculator"]
    assert "energy_changes" not in imported
    assert_same_figures(portfolio_of(project), portfolio_of(imported), pack)


def test_calculator_problem_points_at_its_cell(pack, template, tmp_path):
    project = {**EXAMPLE["projects"][2], "calculator": {"type": "ev_charging", "chargers": 40,
                                                       "ev_kwh_per_km": 7.0}}
    del project["energy_changes"]
    book = fill(template, tmp_path / "ev.xlsx", project_entries(project, pack))
    (problem,) = import_workbooks([book], pack).problems
    assert (problem.sheet, problem.field) == (L.ENERGY, "calculator.ev_kwh_per_km")
    assert problem.cell == f"B{L.EV_FIRST_ROW + 3}"


def test_numbers_typed_as_text_are_read(pack, template, tmp_path):
    project = EXAMPLE["projects"][0]
    cells = project_entries(project, pack)
    cells[(L.CAPEX, L.CAPEX_TABLE.cell("capex", 0))] = "3,000,000"
    cells[(L.CAPEX, L.CAPEX_TABLE.cell("year", 0))] = " 2022 "
    cells[(L.PROJECT, L.PROJECT_CELLS["public_funding_share"])] = "70%"
    cells[(L.PROJECT, L.PROJECT_CELLS["opex_per_year"])] = "£30,000"
    book = fill(template, tmp_path / "text.xlsx", cells)
    report = import_workbooks([book], pack)
    assert report.problems == []
    assert_same_figures(portfolio_of(project), portfolio_of(*report.projects), pack)


def test_text_that_looks_like_a_formula_is_plain_text(pack, template, tmp_path):
    name = '=HYPERLINK("http://x","y")'
    book = fill(template, tmp_path / "link.xlsx", project_entries(EXAMPLE["projects"][0], pack),
                text_cells={(L.PROJECT, L.PROJECT_CELLS["name"]): name})
    report = import_workbooks([book], pack)
    assert report.problems == []
    assert report.projects[0]["name"] == name


def test_problems_name_the_sheet_cell_and_field(pack, template, tmp_path):
    cells = project_entries(EXAMPLE["projects"][0], pack)
    cells[(L.PROJECT, L.PROJECT_CELLS["lifetime_years"])] = 900          # parse_portfolio's range
    cells[(L.PROJECT, L.PROJECT_CELLS["readiness.site_secured"])] = "Maybe"
    cells[(L.CAPEX, L.CAPEX_TABLE.cell("capex", 1))] = -5
    cells[(L.PROJECT, L.PROJECT_CELLS["category"])] = "Heat pumps!"
    cells[(L.PROJECT, L.PROJECT_CELLS["additionality.leakage"])] = 40   # meant 40%
    book = fill(template, tmp_path / "bad.xlsx", cells)
    report = import_workbooks([book], pack)
    got = {(p.sheet, p.cell, p.field) for p in report.problems}
    assert got == {(L.PROJECT, L.PROJECT_CELLS["lifetime_years"], "lifetime_years"),
                   (L.PROJECT, L.PROJECT_CELLS["readiness.site_secured"], "readiness.site_secured"),
                   (L.CAPEX, L.CAPEX_TABLE.cell("capex", 1), "capex.2023"),
                   (L.PROJECT, L.PROJECT_CELLS["category"], "category"),
                   (L.PROJECT, L.PROJECT_CELLS["additionality.leakage"], "additionality.leakage")}
    assert all(p.file == str(book) and p.project == "HP-001" for p in report.problems)
    assert report.projects == []


def test_problems_in_tables_name_their_cells(pack, template, tmp_path):
    cells = project_entries(EXAMPLE["projects"][5], pack)         # has a benefit profile
    t, pt = L.CAPEX_TABLE, L.PROFILES_TABLE
    cells[(t.sheet, t.cell("capex", 4))] = 1000                     # an amount with no year
    cells[(pt.sheet, pt.cell("year", 1))] = 2023                    # 2023 twice
    cells[(L.ENERGY, f"B{L.HEAT_PUMP_FIRST_ROW}")] = 300             # block B beside block A
    book = fill(template, tmp_path / "tables.xlsx", cells)
    got = {(p.sheet, p.cell, p.field): p.message for p in import_workbooks([book], pack).problems}
    assert got == {
        (L.CAPEX, t.cell("year", 4), "capex"): "the year is missing for the amounts in this row",
        (L.PROFILES, pt.cell("year", 1), "other_benefits.profile"):
            f"the year 2023 appears twice (also in cell {pt.cell('year', 0)})",
        (L.ENERGY, f"B{L.HEAT_PUMP_FIRST_ROW}", "calculator"):
            "fill in only one of the blocks; A (change in use of each fuel) and "
            "B (heat pump calculator) are filled in"}


# -- the command line --------------------------------------------------------------

def test_formula_in_a_number_cell_is_refused(pack, template, tmp_path):
    cells = project_entries(EXAMPLE["projects"][0], pack)
    cells[(L.CAPEX, "B6")] = "=1500000*2"
    book = fill(template, tmp_path / "formula.xlsx", cells)
    done = run_cli("import", book, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2
    assert f"{book}: sheet 'Capex and funding', cell B6, field 'capex.2022': holds a formula" \
        in done.stderr
    assert not (tmp_path / "p.json").exists()


def _good_and_bad(pack, template, folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    good = fill(template, folder / "a-good.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    cells = project_entries(EXAMPLE["projects"][1], pack)
    cells[(L.PROJECT, L.PROJECT_CELLS["lifetime_years"])] = "thirty"
    bad = fill(template, folder / "b-bad.xlsx", cells)
    return good, bad


def test_folder_imports_the_good_workbook_and_reports_the_bad(pack, template, tmp_path):
    good, bad = _good_and_bad(pack, template, tmp_path / "in")
    out = tmp_path / "p.json"
    done = run_cli("import", tmp_path / "in", "-o", out, "--appraisal-year", "2021",
                   "--name", "Spring call")
    assert done.returncode == 2
    assert f"{bad}: sheet 'Project', cell {L.PROJECT_CELLS['lifetime_years']}, " \
           "field 'lifetime_years': must be a number" in done.stderr
    assert str(good) not in done.stderr.replace("wrote", "")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["name"] == "Spring call" and written["appraisal_year"] == 2021
    assert [p["id"] for p in written["projects"]] == ["HP-001"]
    appraised = run_cli("appraise", out, "--format", "json")
    assert appraised.returncode == 0, appraised.stderr


def test_strict_writes_nothing(pack, template, tmp_path):
    _good_and_bad(pack, template, tmp_path / "in")
    out = tmp_path / "p.json"
    done = run_cli("import", tmp_path / "in", "-o", out, "--appraisal-year", "2021", "--strict")
    assert done.returncode == 2
    assert "nothing written" in done.stderr
    assert not out.exists()


def test_into_appends_and_refuses_duplicate_ids(pack, template, tmp_path):
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps(portfolio_of(EXAMPLE["projects"][0])), encoding="utf-8")
    dup = fill(template, tmp_path / "dup.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    new = fill(template, tmp_path / "new.xlsx", project_entries(EXAMPLE["projects"][4], pack))
    out = tmp_path / "out.json"
    done = run_cli("import", dup, new, "--into", existing, "-o", out)
    assert done.returncode == 2
    assert f"{dup}: sheet 'Project', cell B6, field 'id': the portfolio already has a project " \
           "with ID 'HP-001'" in done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [p["id"] for p in written["projects"]] == ["HP-001", "BUS-005"]
    assert written["name"] == EXAMPLE["name"]
    done = run_cli("import", new, "--into", existing, "-o", existing)
    assert done.returncode == 0, done.stderr


def test_two_workbooks_with_one_id(pack, template, tmp_path):
    a = fill(template, tmp_path / "a.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    b = fill(template, tmp_path / "b.xlsx", project_entries(EXAMPLE["projects"][0], pack))
    report = import_workbooks([a, b], pack)
    (problem,) = report.problems
    assert problem.file == str(b) and "also used by" in problem.message
    assert [p["id"] for p in report.projects] == ["HP-001"]


# -- hostile and broken files --------------------------------------------------------

def _rezip(src: Path, dst: Path, add: dict[str, bytes] | None = None,
           change: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, (change or {}).get(info.filename, zin.read(info)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _not_a_zip(good: Path, d: Path) -> Path:
    (d / "notes.xlsx").write_bytes(b"Dear officer, please find our figures below.\n")
    return d / "notes.xlsx"


def _old_xls(good: Path, d: Path) -> Path:
    (d / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    return d / "old.xlsx"


def _ratio_bomb(good: Path, d: Path) -> Path:
    return _rezip(good, d / "ratio.xlsx", add={"xl/media/filler.bin": bytes(20_000_000)})


def _size_bomb(good: Path, d: Path) -> Path:
    return _rezip(good, d / "bomb.xlsx", add={f"xl/media/f{k}.bin": bytes(20_000_000)
                                              for k in range(3)})


def _big_part(good: Path, d: Path) -> Path:
    """Shared strings that do not compress: within the file size limit, too big a part."""
    rng = np.random.default_rng(1)
    strings = b"".join(b"<si><t>%s</t></si>" % rng.bytes(12).hex().encode() for _ in range(400_000))
    return _rezip(good, d / "strings.xlsx", add={"xl/sharedStrings.xml": b"<sst>" + strings + b"</sst>"})


def _macros(good: Path, d: Path) -> Path:
    return _rezip(good, d / "macros.xlsx", add={"xl/vbaProject.bin": b"\x00" * 100})


def _xlsm(good: Path, d: Path) -> Path:
    (d / "macros.xlsm").write_bytes(good.read_bytes())
    return d / "macros.xlsm"


def _external_links(good: Path, d: Path) -> Path:
    return _rezip(good, d / "links.xlsx", add={
        "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxml'
                                              b'formats.org/spreadsheetml/2006/main"/>'})


def _gigantic_sheet(good: Path, d: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(good)
    wb[L.PROJECT].cell(row=1_048_576, column=16_384, value=1)
    wb.save(d / "gigantic.xlsx")
    return d / "gigantic.xlsx"


def _huge_file(good: Path, d: Path) -> Path:
    with open(d / "huge.xlsx", "wb") as fh:
        fh.truncate(60_000_000)          # sparse: costs no disk
    return d / "huge.xlsx"


def _not_our_template(good: Path, d: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Project"
    wb.active["B6"] = "HP-001"
    wb.save(d / "other.xlsx")
    return d / "other.xlsx"


def _entity_expansion(good: Path, d: Path) -> Path:
    """A "billion laughs" entity declaration in the workbook part."""
    with zipfile.ZipFile(good) as z:
        part = z.read("xl/workbook.xml")
    laughs = (b'<!DOCTYPE workbook [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    if part.startswith(b"<?xml"):
        declaration, _, body = part.partition(b"?>")
        part = declaration + b"?>" + laughs + body
    else:
        part = laughs + part
    return _rezip(good, d / "laughs.xlsx", change={"xl/workbook.xml": part})


HOSTILE = {
    "not a zip": (_not_a_zip, "not a zip archive"),
    "old xls or encrypted": (_old_xls, "old-style .xls"),
    "compression ratio": (_ratio_bomb, "zip bomb"),
    "uncompressed size": (_size_bomb, "would expand to 60 MB"),
    "large XML part": (_big_part, "are a few kB"),
    "vbaProject.bin": (_macros, "macros"),
    "xlsm": (_xlsm, "macro-enabled"),
    "external links": (_external_links, "external links"),
    "gigantic sheet": (_gigantic_sheet, "far beyond the template"),
    "file too big": (_huge_file, "at most 50 MB"),
    "not our template": (_not_our_template, "marker is missing"),
    "entity expansion": (_entity_expansion, "XML that is refused"),
}


@pytest.fixture(scope="module")
def good_book(pack, template, tmp_path_factory) -> Path:
    return fill(template, tmp_path_factory.mktemp("good") / "good.xlsx",
                project_entries(EXAMPLE["projects"][0], pack))


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_or_broken_workbook_is_refused(case, good_book, tmp_path):
    make, says = HOSTILE[case]
    book = make(good_book, tmp_path)
    done = run_cli("import", book, good_book, "-o", tmp_path / "p.json", "--appraisal-year", "2021")
    assert done.returncode == 2, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith(str(book))]
    assert says in line
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    # the good workbook beside it is still imported
    assert [p["id"] for p in json.loads((tmp_path / "p.json").read_text())["projects"]] == ["HP-001"]


def test_import_refuses_to_run_without_defusedxml(pack, good_book, monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(RuntimeError, match="defusedxml"):
        import_workbooks([good_book], pack)


def test_guard_bounds_what_openpyxl_may_inflate(good_book):
    """The limits the guard applies are below what an honest filled template uses by far."""
    with zipfile.ZipFile(good_book) as z:
        total = sum(i.file_size for i in z.infolist())
        worst = max(i.file_size / max(i.compress_size, 1) for i in z.infolist())
    assert total < 1_000_000 and worst < 100


# -- LibreOffice as the promoter's spreadsheet program ----------------------------------

@pytest.mark.slow
def test_workbook_saved_by_libreoffice_imports(pack, template, tmp_path, libreoffice):
    project = EXAMPLE["projects"][5]       # a profile, additionality and an operating start
    book = fill(template, tmp_path / "lo-in.xlsx", project_entries(project, pack))
    saved = libreoffice(book, "xlsx:Calc MS Excel 2007 XML")
    report = import_workbooks([saved], pack)
    assert [describe_problem(p) for p in report.problems] == []
    assert_same_figures(portfolio_of(project), portfolio_of(*report.projects), pack)
