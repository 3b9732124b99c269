"""The pack loader reads every pack in the repository, and a few thousand broken
ones, exactly as the loader did before it was driven by the table spec (issue 12):
same attributes, same figures, same problems in the same words and order.

The expected outcomes were computed once from the hand-written loader (commit
before the spec) by tests/core/pack_golden.py; tests/data/pack-spec-golden/README.md
says how to regenerate them (only when a change of behaviour is intended).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pack_golden as g  # noqa: E402


def _expected(name: str) -> dict:
    return json.loads((g.GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("pack", g.REPO_PACKS, ids=lambda p: p.name)
def test_every_pack_of_the_repository_loads_as_before(pack):
    assert g.outcome(pack) == _expected(g.golden_name(pack))


@pytest.mark.parametrize("rel", g.MUTATED_PACKS)
def test_every_broken_pack_is_refused_or_read_as_before(rel):
    expected = _expected(f"mutations__{g.golden_name(rel)}")
    got = g.mutated_outcomes(rel)
    assert list(got) == list(expected)          # the same cases were run
    differ = [k for k in expected if got[k] != expected[k]]
    assert not differ, {k: (got[k], expected[k]) for k in differ[:3]}


def test_the_golden_cases_cover_every_kind_of_outcome():
    """Not vacuous: packs load, packs are refused, and the problems are many and varied."""
    expected = _expected(f"mutations__{g.golden_name(g.MUTATED_PACKS[0])}")
    messages = {p[3] for v in expected.values() for p in v.get("problems", [])}
    assert sum("pack_sha256" in v for v in expected.values()) > 100
    assert len(messages) > 100
    assert all("pack" in _expected(g.golden_name(p)) for p in g.REPO_PACKS
               if p.name != "reference-pack-v1")


# -- the spec writes the pack's documentation table ------------------------------------

def test_the_format_doc_holds_the_table_the_specs_write():
    """docs/FORMAT.md section 6 shows, between its markers, exactly markdown_table()."""
    from appraisal.core.pack_spec import DOC_BEGIN, DOC_END, markdown_table
    text = (g.REPO / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    start, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END)
    assert text[start:end] == markdown_table()


def test_the_table_names_every_column_the_loader_reads_with_its_range():
    from appraisal.core.pack import COLUMN_RANGES, OPTIONAL_TABLE_COLUMNS, TABLE_COLUMNS
    from appraisal.core.pack_spec import markdown_table
    table = markdown_table()
    for file, columns in {**TABLE_COLUMNS, **OPTIONAL_TABLE_COLUMNS}.items():
        for col in columns:
            assert f"| `{file}` `{col}` |" in table
    # hand-picked rows, as FORMAT.md 2 and 6 state them
    assert ("| `discount_schedules.csv` `rate` | number | 0 to 0.5 fraction a year | yes |"
            in table)
    assert ("| `energy_prices.csv` `vat_rate` | number | 0 to 1 fraction; empty: 0 | no (version 2) |"
            in table)
    assert "| `optimism_bias.csv` `capex_lower` | number | 0 to 10 fraction; empty: not given" in table
    assert len(COLUMN_RANGES) == table.count("| number |")


def test_a_column_is_read_only_as_the_type_its_spec_declares(tmp_path):
    """No name reused for different types: reading a number column as text is a
    programming error, not a silent string."""
    from appraisal.core.pack import _Collector, _Row
    from appraisal.core.pack_spec import SPECS
    row = _Row(SPECS["gdp_deflator.csv"], {"year": "2020", "index": "1.5", "source": "s",
                                          "quality": ""}, 2, _Collector())
    assert row.number("index") == 1.5 and row.year("year") == 2020
    with pytest.raises(TypeError):
        row.text("index")
    with pytest.raises(TypeError):
        row.number("year")
