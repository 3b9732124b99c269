"""Fixtures for the core tests: the default assumption pack and small portfolios.

The pack fixture is session-scoped (loading it reads eleven CSV files) and the
builders are plain callables, so that hypothesis tests can use them without
tripping its function-scoped-fixture health check.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest

from appraisal.core import AssumptionPack, appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.results import PortfolioResults
from appraisal.resources import default_pack_dir

# the tests' reference data, with the sources of each file (tests/data/README.md)
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
# The version 1 default pack (uk-default-2026-11), kept for the v1 tests: with a
# v1 pack, "vfm_basis": "social" and "financial_ob_share": 0, method v2 gives
# exactly the v1 figures (METHOD.md, compatibility rule), so these tests keep
# checking the published vectors that way.
V1_PACK_DIR = TEST_DATA / "pack-v1"
V1_SETTINGS = {"vfm_basis": "social", "financial_ob_share": 0}


@pytest.fixture(scope="session")
def pack() -> AssumptionPack:
    """The version 1 pack: the tests written for method version 1 run on it."""
    return load_pack(V1_PACK_DIR)


@pytest.fixture(scope="session")
def default_pack() -> AssumptionPack:
    """The application's default pack (the 2026 reference pack, method v2)."""
    return load_pack(default_pack_dir())


@pytest.fixture(scope="session")
def pack_dir() -> Path:
    return V1_PACK_DIR


@pytest.fixture(scope="session")
def test_data() -> Path:
    """tests/data: copies of the shared reference data and the tests' own packs."""
    return TEST_DATA


def project(**fields: Any) -> dict[str, Any]:
    """A minimal valid project dict (FORMAT.md 1) with ``fields`` laid over it.

    With no fields: a heat-pump project with no money, no operating years and
    every default left to METHOD.md.
    """
    p: dict[str, Any] = {"id": "P1", "name": "Test project", "category": "heat_pumps",
                         "lifetime_years": 0}
    p.update(fields)
    return p


def portfolio(*projects: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A portfolio dict (FORMAT.md 1), appraisal year 2021 unless ``fields`` say otherwise."""
    d: dict[str, Any] = {"format": "appraisal-portfolio", "version": 1, "name": "Test portfolio",
                         "appraisal_year": 2021, **V1_SETTINGS,
                         "projects": [copy.deepcopy(p) for p in projects]}
    d.update(fields)
    return d


@pytest.fixture(scope="session")
def make_project() -> Callable[..., dict[str, Any]]:
    return project


@pytest.fixture(scope="session")
def make_portfolio() -> Callable[..., dict[str, Any]]:
    return portfolio


@pytest.fixture(scope="session")
def appraise(pack: AssumptionPack) -> Callable[..., PortfolioResults]:
    """Parse a portfolio dict against the default pack and appraise it."""

    def run(data: dict[str, Any], *, use_pack: AssumptionPack | None = None,
            **kwargs: Any) -> PortfolioResults:
        p = use_pack or pack
        return appraise_portfolio(parse_portfolio(data, p), p, **kwargs)

    return run
