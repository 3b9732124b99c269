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
