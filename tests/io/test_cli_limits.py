"""The documented maxima of the command line (FORMAT.md 5): --draws up to
MAX_DRAWS, select --steps up to MAX_STEPS; beyond, exit status 2 naming the
option, and nothing computed."""
from __future__ import annotations

import pytest

from appraisal.cli import main
from appraisal.core import InputError
from appraisal.core.montecarlo import MAX_DRAWS
from appraisal.core.selection import MAX_STEPS, budget_curve


@pytest.mark.parametrize("args, words", [
    (["montecarlo", "--example", "--draws", str(MAX_DRAWS + 1)], "10,000,000"),
    (["export", "--example", "-o", "x.xlsx", "--analysis", "--draws", str(MAX_DRAWS + 1)],
     "10,000,000"),
    (["select", "--example", "--budget", "20m", "--curve", "--steps", str(MAX_STEPS + 1)],
     "--steps: 1,001 is not between 1 and 1,000"),
    (["select", "--example", "--budget", "20m", "--curve", "--steps", "0"], "--steps"),
])
def test_beyond_the_maximum_is_refused_with_exit_2(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()


def test_the_core_refuses_more_steps_too(default_pack_results):
    with pytest.raises(InputError, match="1 to 1,000"):
        budget_curve(default_pack_results, "npsv", MAX_STEPS + 1)


@pytest.fixture(scope="module")
def default_pack_results():
    from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
    from appraisal.io.portfolio_file import load_portfolio
    from appraisal.resources import default_pack_dir, example_portfolio
    pack = load_pack(default_pack_dir())
    return appraise_portfolio(parse_portfolio(load_portfolio(example_portfolio()).data, pack), pack)
