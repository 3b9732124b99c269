"""Issue 11: property-based fuzzing of the three readers of untrusted input.

Whatever a portfolio file, a pack's CSV table or a submission workbook holds, reading it
gives a result or an :class:`~appraisal.core.errors.InputError` (the project's one error
for bad input), never another exception; an appraisal of what was read has only finite
figures. The budget is fixed and the examples derandomized, so a CI run takes the same
few seconds every time (well under a minute for the three together).
"""
from __future__ import annotations

import csv
import io
import json
import math
import shutil
import tempfile
import warnings
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.core import InputError, appraise_portfolio, load_pack
from appraisal.core.finite import non_finite_paths
from appraisal.io import submission_layout as L
from appraisal.io.portfolio_file import open_portfolio
from appraisal.io.submission import import_workbooks, write_template
from appraisal.resources import default_pack_dir, example_portfolio

PACK = load_pack(default_pack_dir())
EXAMPLE = json.loads(example_portfolio().read_text(encoding="utf-8"))


def budget(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# -- JSON values a hostile or clumsy file may hold ---------------------------------------

SCALARS = (st.none() | st.booleans()
           | st.integers(min_value=-(10**400), max_value=10**400)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0, -0.0, 1e-300, 5e-324, 1e308, 1e13, 2026, 0.5, 10**20])
           | st.text(max_size=12)
           | st.sampled_from(["\ud800", "2027", "", "heat_pumps", "natural_gas", "=1+1"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6) | st.sampled_from(["2027", "2030"]),
                                        inner, max_size=3), max_leaves=8)
PROJECT_KEYS = sorted({k for p in EXAMPLE["projects"] for k in p} | {
    "calculator", "sensitivity", "ob_project_type", "tariffs", "renewals", "notes"})
PORTFOLIO_KEYS = sorted(set(EXAMPLE) | {"sensitivity", "notes", "version", "format"})


@st.composite
def portfolio_texts(draw) -> str:
    """The example portfolio with some fields replaced by arbitrary JSON values, some
    projects dropped, and sometimes the text itself cut or a key doubled."""
    data = json.loads(json.dumps(EXAMPLE))
    data["projects"] = data["projects"][:draw(st.integers(0, 3))]
    for _ in range(draw(st.integers(0, 4))):
        if isinstance(data.get("projects"), list) and data["projects"] and draw(st.booleans()):
            p = data["projects"][draw(st.integers(0, len(data["projects"]) - 1))]
            if not isinstance(p, dict):
                continue
            p[draw(st.sampled_from(PROJECT_KEYS))] = draw(VALUES)
        else:
            data[draw(st.sampled_from(PORTFOLIO_KEYS))] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        data = draw(VALUES)
    text = json.dumps(data, allow_nan=True, ensure_ascii=draw(st.booleans()))
    cut = draw(st.integers(0, 9))
    if cut == 0:
        text = text[:draw(st.integers(0, len(text)))]
    elif cut == 1:
        text = text.replace('"name":', '"name": 1, "name":', 1)
    elif cut == 2:
        text = text.replace("2027", "2027.5e999", 1)
    return text


@budget(200)
@given(text=portfolio_texts())
def test_any_portfolio_file_gives_a_portfolio_or_a_named_input_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            _, inputs = open_portfolio(path, PACK)
        except InputError as exc:
            assert exc.problems and all(p.file == str(path) for p in exc.problems)
            assert all(str(p) for p in exc.problems)           # printable, never empty
            for p in exc.problems:
                str(p).encode("utf-8")                         # never a lone surrogate
            return
    try:
        results = appraise_portfolio(inputs, PACK)
    except InputError:
        return
    assert non_finite_paths(results.to_dict()) == []


# -- a pack's CSV cells -----------------------------------------------------------------

TABLES = sorted(p.name for p in default_pack_dir().glob("*.csv"))
CELL_TEXT = (st.sampled_from(["", "nan", "inf", "-inf", "1e308", "-1e308", "1e-300", "0", "-1",
                              "2026", "abc", "1_000", "١٢", "0x10", '"', "\ud800", "1e400",
                              "true", "  ", "\n"])
             | st.floats(allow_nan=True, allow_infinity=True).map(repr)
             | st.text(max_size=8))


@pytest.fixture(scope="module")
def pack_folder():
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "pack"
        shutil.copytree(default_pack_dir(), target)
        yield target


@budget(120)
@given(table=st.sampled_from(TABLES), edits=st.lists(st.tuples(st.integers(0, 200),
                                                                st.integers(0, 12), CELL_TEXT),
                                                      min_size=1, max_size=3),
       doubled=st.booleans())
def test_any_pack_cell_gives_a_pack_or_a_named_input_error(pack_folder, table, edits, doubled):
    path = pack_folder / table
    original = path.read_bytes()
    rows = list(csv.reader(io.StringIO(original.decode("utf-8-sig"))))
    for r, c, text in edits:
        row = rows[r % len(rows)]
        row[c % len(row)] = text
    if doubled:
        rows[0].append(rows[0][0])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    try:
        path.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
        try:
            load_pack(pack_folder)
        except InputError as exc:
            assert exc.problems
            assert all(p.file for p in exc.problems)
    finally:
        path.write_bytes(original)


# -- a submission workbook's cells ------------------------------------------------------

@pytest.fixture(scope="module")
def filled_template():
    """The template, filled in with the example's first project (bytes), and the folder."""
    sys_path = Path(__file__).resolve().parent
    import sys
    sys.path.insert(0, str(sys_path))
    from test_submission import fill, project_entries
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.xlsx"
        write_template(template, PACK)
        book = fill(template, Path(folder) / "filled.xlsx",
                    project_entries(EXAMPLE["projects"][0], PACK))
        yield book, Path(folder)


WORKBOOK_VALUES = (st.none() | st.booleans() | st.integers(-(10**15), 10**15)
                   | st.floats(allow_nan=False, allow_infinity=False)
                   | st.sampled_from([1e308, -1e308, 1e-300, 0.7, 70, 2027, "=1/0", "=A1",
                                      "£4m", "70%", "thirty", "Natural gas (kWh)", "Yes",
                                      "Economic", "2027/28", "\x07bell", " =cmd"])
                   | st.text(max_size=10).filter(lambda s: not s.startswith("=")))


@budget(30)
@given(edits=st.lists(st.tuples(st.sampled_from(L.INPUT_SHEETS), st.integers(1, 60),
                                st.integers(1, 12), WORKBOOK_VALUES), min_size=1, max_size=4))
def test_any_workbook_cell_gives_a_project_or_problems_naming_cells(filled_template, edits):
    book, folder = filled_template
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book)
    for sheet, row, col, value in edits:
        try:
            wb[sheet].cell(row=row, column=col).value = value
        except (ValueError, TypeError, AttributeError,
                openpyxl.utils.exceptions.IllegalCharacterError):
            continue   # openpyxl refuses it (a merged cell, a control character)
    path = folder / "fuzzed.xlsx"
    wb.save(path)
    report = import_workbooks([path], PACK)
    for p in report.problems:
        assert "cannot be read as an Excel workbook" not in p.message, p.message
        assert p.file == str(path)
    for project in report.projects:
        try:
            assert not any(isinstance(v, float) and not math.isfinite(v)
                           for v in _leaves(project))
        except RecursionError:   # pragma: no cover - a project is a few levels deep
            raise


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj
