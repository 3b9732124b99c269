"""Resubmissions on the command line: ``appraisal import BOOK --into P.json --replace``
replaces the project with the same ID (case ignored) and prints the differences;
without --replace the project is refused (exit 2) and never overwritten."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from appraisal.core import load_pack
from appraisal.core.portfolio import Portfolio
from appraisal.io.resubmission import merge_projects
from appraisal.io.submission import write_template
from appraisal.resources import default_pack_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_submission import EXAMPLE, fill, portfolio_of, project_entries, run_cli  # noqa: E402

FIRST = EXAMPLE["projects"][0]


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def template(pack, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path, pack)
    return path


@pytest.fixture()
def resubmitted(pack, template, tmp_path) -> tuple[Path, Path]:
    """A portfolio holding the example's first project, and a resubmission of it with a
    longer lifetime under the same ID written in lower case."""
    existing = tmp_path / "existing.json"
    existing.write_text(json.dumps(portfolio_of(FIRST)), encoding="utf-8")
    changed = copy.deepcopy(FIRST)
    changed["lifetime_years"] = FIRST["lifetime_years"] + 5
    changed["id"] = FIRST["id"].lower()
    book = fill(template, tmp_path / "resubmitted.xlsx", project_entries(changed, pack))
    return existing, book


def test_an_existing_id_is_refused_without_replace(resubmitted, tmp_path):
    existing, book = resubmitted
    before = existing.read_text(encoding="utf-8")
    out = tmp_path / "out.json"
    done = run_cli("import", book, "--into", existing, "-o", out)
    assert done.returncode == 2
    assert "use --replace to replace it" in done.stderr
    assert f"(as {FIRST['id']!r})" in done.stderr      # the same project, in another case
    assert not out.exists()
    assert existing.read_text(encoding="utf-8") == before


def test_replace_replaces_the_project_and_prints_the_diff(resubmitted, tmp_path):
    existing, book = resubmitted
    out = tmp_path / "out.json"
    done = run_cli("import", book, "--into", existing, "-o", out, "--replace")
    assert done.returncode == 0, done.stderr
    assert f"lifetime_years: {FIRST['lifetime_years']} -> {FIRST['lifetime_years'] + 5}" \
        in done.stdout
    assert "Total change in NPSV" in done.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    (project,) = written["projects"]
    assert project["id"] == FIRST["id"]                  # the portfolio's spelling stays
    assert project["lifetime_years"] == FIRST["lifetime_years"] + 5


def test_replace_needs_into(resubmitted, tmp_path):
    _, book = resubmitted
    done = run_cli("import", book, "-o", tmp_path / "o.json", "--appraisal-year", "2026",
                   "--replace")
    assert done.returncode == 2 and "--into" in done.stderr


def test_two_submissions_of_one_id_in_different_case():
    doc = Portfolio({"projects": []})
    merge = merge_projects(doc, [("a.xlsx", {"id": "EV-1"}), ("b.xlsx", {"id": "ev-1"})],
                           replace=True)
    assert merge.added == ["EV-1"]
    (problem,) = merge.problems
    assert problem.file == "b.xlsx" and "differ only in case" in problem.message
