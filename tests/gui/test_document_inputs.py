"""The window appraises the core's own checked inputs: what the document hands to
``appraise_portfolio`` is exactly what ``parse_portfolio`` (the command line's
path) makes of the same file, before and after edits."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from appraisal.core import InputError, Portfolio, load_pack, parse_portfolio
from appraisal.core.portfolio import RANGE_DRIVERS
from appraisal.gui.document import PortfolioDocument
from appraisal.resources import default_pack_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from v2_strategies import PACK_2026_INFO, v2_portfolios  # noqa: E402

PACK = load_pack(default_pack_dir())
SETTINGS = settings(deadline=None, max_examples=60,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@st.composite
def portfolios(draw) -> dict:
    """v2 portfolios (energy series, value-for-money basis, financial optimism-bias share
    and basis among them), some with their own sensitivity ranges and notes."""
    data = draw(v2_portfolios(PACK_2026_INFO))
    if draw(st.booleans()):
        drivers = draw(st.lists(st.sampled_from(RANGE_DRIVERS), unique=True, max_size=3))
        data["sensitivity"] = {d: {"low": draw(st.sampled_from([0.5, 0.8, 1.0])),
                                   "high": draw(st.sampled_from([1.0, 1.25, 2.0]))}
                               for d in drivers}
    if draw(st.booleans()):
        data["notes"] = "Board paper, March"
    return data


def core_inputs(data: dict):
    try:
        return parse_portfolio(copy.deepcopy(data), PACK)
    except InputError:
        return None


@SETTINGS
@given(data=portfolios())
def test_the_documents_inputs_are_parse_portfolios(qapp, data):
    expected = core_inputs(data)
    assume(expected is not None)
    doc = PortfolioDocument(PACK, Portfolio(copy.deepcopy(data)))
    inputs, index = doc.appraisable_inputs()
    assert inputs == expected
    assert index == {row: row for row in range(len(data["projects"]))}
    doc.shutdown()


@SETTINGS
@given(data=portfolios(), rate=st.sampled_from([0.0, 0.02, 0.1]),
       share=st.sampled_from([0.0, 0.5, 1.0]), basis=st.sampled_from(["real", "nominal"]),
       vfm=st.sampled_from(["public", "social"]), opex=st.sampled_from([0.0, 12_345.0]))
def test_after_edits_the_documents_inputs_are_parse_portfolios(qapp, data, rate, share, basis,
                                                               vfm, opex):
    assume(core_inputs(data) is not None)
    doc = PortfolioDocument(PACK, Portfolio(copy.deepcopy(data)))
    doc.set_setting("financial_discount_rate", rate)
    doc.set_setting("financial_ob_share", share)
    doc.set_setting("financial_basis", basis)
    doc.set_setting("vfm_basis", vfm)
    assert doc.set_field(0, ("opex_per_year",), opex, "opex")
    inputs, _ = doc.appraisable_inputs()
    assert inputs == parse_portfolio(copy.deepcopy(doc.portfolio.data), PACK)
    assert (inputs.financial_discount_rate, inputs.financial_ob_share, inputs.financial_basis,
            inputs.vfm_basis) == (rate, share, basis, vfm)
    doc.shutdown()


def test_an_explicit_financial_rate_of_zero_is_zero(window, appraise):
    """Issue 9: the window's copy of the defaults turned a rate of 0 into 3.5%."""
    doc = window.doc
    doc.set_setting("financial_discount_rate", 0.0, "financial discount rate")
    doc.wait_for_results()
    expected = appraise(doc.portfolio.data, doc.pack)
    assert doc.results.financial_discount_rate == 0.0 == expected.financial_discount_rate
    assert_allclose(doc.results.metrics["financial_npv_gbp"],
                    expected.metrics["financial_npv_gbp"], rtol=1e-12)
    # at a zero rate the financial NPV is the plain sum of the promoter's flows
    assert doc.results.metrics["financial_npv_gbp"][0] != pytest.approx(
        appraise({**doc.portfolio.data, "financial_discount_rate": 0.035},
                 doc.pack).metrics["financial_npv_gbp"][0], rel=1e-6)
