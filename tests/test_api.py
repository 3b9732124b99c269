"""The analyst's API: ``appraisal.appraise`` and its tables are the command line's
figures (the JSON of FORMAT.md 3), the typed results' tables have their JSON's
keys, and every docstring example (and docs/api.md) runs as written."""
from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import appraisal
from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir, example_portfolio

ROOT = Path(__file__).resolve().parents[1]
DOCTEST_MODULES = ("appraisal.api", "appraisal.io.table_import", "appraisal.core.sensitivity",
                   "appraisal.core.montecarlo", "appraisal.core.selection")


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def a(pack):
    return appraisal.appraise(appraisal.example_path(), pack)


def test_to_frame_is_the_json_one_row_per_project(a):
    records = a.to_dict()["projects"]
    frame = a.to_frame()
    assert frame.index.name == "id" and list(frame.index) == [r["id"] for r in records]
    assert list(frame.columns) == [k for k in records[0] if k != "id"]
    assert frame.shape == (len(records), len(records[0]) - 1)
    for r in records:
        row = frame.loc[r["id"]]
        for key, value in r.items():
            if key == "id":
                continue
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, rel=1e-15), key
            elif value is None:
                assert row[key] is None or pd.isna(row[key]), key
            else:
                assert row[key] == value, key


def test_series_frame_is_the_projects_years(a, pack):
    i = a.ids.index("HP-001")
    years = a.series_frame("HP-001")
    series = a.results.project_series(i)
    assert years.index.name == "year" and list(years.index) == list(a.results.years)
    assert list(years.columns) == list(series)
    for key, values in series.items():
        np.testing.assert_array_equal(years[key].to_numpy(), values)
    # METHOD.md 3: NPSV is the sum of discounted benefits less discounted costs
    assert (years["discounted_benefits"] - years["discounted_costs"]).sum() == pytest.approx(
        a.results.metrics["npsv_gbp"][i], rel=1e-9)
    # appraised without the series, the project is appraised again alone for them: the same
    # figures, on its own years (the portfolio's axis runs on to its last project's end)
    lean = appraisal.appraise(appraisal.example_path(), pack, keep_series=False)
    again = lean.series_frame("HP-001")
    assert again.index[0] == years.index[0] and set(again.index) <= set(years.index)
    pd.testing.assert_frame_equal(years.loc[again.index], again, rtol=1e-12)
    rest = years.drop(index=again.index).drop(columns="discount_factor")
    assert (rest.to_numpy() == 0).all()
    with pytest.raises(KeyError):
        a.series_frame("NOT-A-PROJECT")


def test_appraise_takes_a_path_a_document_a_dict_or_inputs(a, pack):
    doc = load_portfolio(example_portfolio())
    inputs = parse_portfolio(doc.data, pack)
    want = a.to_frame()["npsv_gbp"]
    for source in (str(example_portfolio()), doc, doc.data, inputs):
        got = appraisal.appraise(source, pack).to_frame()["npsv_gbp"]
        pd.testing.assert_series_equal(got, want)
    by_folder = appraisal.appraise(doc, default_pack_dir())
    pd.testing.assert_series_equal(by_folder.to_frame()["npsv_gbp"], want)
    high = appraisal.appraise(doc, pack, carbon_series="high")
    assert high.results.carbon_series == "high"
    direct = appraise_portfolio(inputs, pack, carbon_series="high")
    np.testing.assert_array_equal(high.to_frame()["npsv_gbp"].to_numpy(), direct.metrics["npsv_gbp"])
    with pytest.raises(TypeError, match="not int"):
        appraisal.appraise(3, pack)


def test_the_analyses_tables_have_their_jsons_keys(a):
    tornado = a.sensitivity()
    t = tornado.to_frame()
    rows = tornado.to_dict()["portfolio"]["tornado"]
    assert list(t.index) == [r["driver"] for r in rows]
    assert list(t.columns) == [k for k in rows[0] if k != "driver"]
    p = tornado.to_frame("HP-001")
    assert list(p.columns) == [k for k in tornado.to_dict()["projects"][0]["tornado"][0]
                               if k != "driver"]
    with pytest.raises(KeyError):
        tornado.to_frame("NOT-A-PROJECT")

    mc = a.simulate(draws=500, seed=2)
    m = mc.to_frame()
    d = mc.to_dict()
    assert list(m.index) == [*a.ids, "PORTFOLIO"]
    assert list(m.columns) == [k for k in d["projects"][0] if k not in ("id", "npsv_histogram")]
    assert m.loc["PORTFOLIO", "npsv_p50_gbp"] == d["portfolio"]["npsv_p50_gbp"]

    choice = a.select(20e6)
    c = choice.to_frame()
    assert set(c.index[c["selected"]]) == set(choice.selected)
    assert set(c.index[c["greedy_selected"]]) == set(choice.greedy_selected)


def test_portfolio_from_frame_reports_unknown_columns_and_bad_cells(pack):
    df = pd.DataFrame({"Project ID": ["X-1", "X-2"], "Category": ["other", "other"],
                       "Capex (GBP)": [1e6, 2e6], "Capex year": [2027, 2028],
                       "Lifetime (years)": [15, 20], "Owner": ["a", "b"]})
    with pytest.warns(appraisal.UnknownColumnsWarning, match="'Owner'"):
        doc = appraisal.portfolio_from_frame(df, appraisal_year=2026, pack=pack)
    assert [p["capex"] for p in doc.projects] == [{"2027": 1e6}, {"2028": 2e6}]
    # numpy numbers in the frame are read as numbers; an index named like a column is a column
    indexed = df.drop(columns="Owner").set_index("Project ID")
    again = appraisal.portfolio_from_frame(indexed, appraisal_year=2026, pack=pack)
    assert again.projects == doc.projects
    bad = df.drop(columns="Owner").assign(**{"Lifetime (years)": [15, "long"]})
    with pytest.raises(InputError) as exc:
        appraisal.portfolio_from_frame(bad, appraisal_year=2026, pack=pack)
    (problem,) = exc.value.problems
    assert (problem.row, problem.project, problem.field) == (3, "X-2", "Lifetime (years)")
    # what the portfolio checks refuse is refused too (a lifetime over the maximum)
    with pytest.raises(InputError, match="lifetime_years"):
        appraisal.portfolio_from_frame(df.drop(columns="Owner").assign(
            **{"Lifetime (years)": [15, 100_000]}), appraisal_year=2026, pack=pack)


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_the_walk_through_in_docs_runs():
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0, result


def test_the_core_and_the_command_line_do_not_import_pandas():
    code = ("import sys, appraisal, appraisal.cli, appraisal.core, appraisal.core.sensitivity, "
            "appraisal.core.montecarlo, appraisal.core.selection; "
            "assert 'pandas' not in sys.modules, 'pandas imported'")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
