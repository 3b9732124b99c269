"""The core's rules in words (appraisal/core/wording.py): each sentence is made from
the constant that is the rule, so a changed rule changes every view's words."""
from __future__ import annotations

import numpy as np
import pytest

from appraisal.core import appraise as appraise_module
from appraisal.core import results as results_module
from appraisal.core import wording
from appraisal.core.results import VFM_BANDS, vfm_category


def test_the_shovel_ready_rule_in_words_follows_its_constants(monkeypatch):
    # METHOD.md 7: shovel-ready = readiness score >= 80 and a start within 12 months
    assert wording.shovel_ready_rule() == ("a readiness score of 80 or more and a start "
                                           "within 12 months")
    assert wording.shovel_ready_rule(short=True) == "score 80+, start within 12 months"
    monkeypatch.setattr(wording, "SHOVEL_READY_MIN_SCORE", 70.0)
    monkeypatch.setattr(wording, "SHOVEL_READY_MAX_MONTHS", 18.0)
    assert wording.shovel_ready_rule(short=True) == "score 70+, start within 18 months"
    assert appraise_module.SHOVEL_READY_MIN_SCORE == 80.0   # the rule itself untouched


def test_the_bands_in_words_are_the_bands_of_vfm_category():
    # METHOD.md 3 (DfT VfM framework): very poor < 0 <= poor < 1 <= low < 1.5 <= medium
    # < 2 <= high < 4 <= very high
    text = wording.vfm_bands_text()
    assert text == ("very poor below 0, poor 0-1, low 1-1.5, medium 1.5-2, high 2-4, "
                    "very high 4+")
    # each "label a-b" of the text: vfm_category puts a and the middle of a-b in it
    for part in text.split(", ")[1:]:
        label, _, bounds = part.rpartition(" ")
        lo, _, hi = bounds.rstrip("+").partition("-")
        assert vfm_category(float(lo)) == label
        assert vfm_category((float(lo) + float(hi or float(lo) + 1)) / 2) == label
    assert vfm_category(-0.01) == "very poor"


def test_the_bands_in_words_follow_vfm_bands(monkeypatch):
    bands = ((3.0, "good"), (0.0, "bad"))
    monkeypatch.setattr(wording, "VFM_BANDS", bands)
    assert wording.vfm_bands_text() == "very poor below 0, bad 0-3, good 3+"
    assert results_module.VFM_BANDS is not bands and len(VFM_BANDS) == 5


def test_provenance_names_the_pack_then_the_parts_given_in_one_order():
    assert wording.provenance("uk-x", "2026-12") == "Assumptions uk-x (2026-12)"
    assert wording.provenance("uk-x", "2026-12", vfm_basis_name="funder BCR", appraisal_year=2025,
                              price_base_year=2024, discount_schedule="standard",
                              energy_series="high", carbon_series="central") == (
        "Assumptions uk-x (2026-12); carbon values central; energy prices high; discounting "
        "standard; £ at 2024 prices; appraisal year 2025; value for money on the funder BCR")


@pytest.mark.parametrize("flows, irr, payback", [
    # an outlay that the income never repays (cumulative -40 at the end): the flows
    # change sign, so the IRR is undefined because no rate solves NPV = 0
    ([-100.0, 30.0, 30.0], "no rate solves NPV = 0", "not repaid in its life"),
    ([10.0, 10.0], "cash never changes sign", "never in deficit"),
    ([-10.0, -10.0], "cash never changes sign", "not repaid in its life"),
])
def test_undefined_reason_says_which_reason_applies(flows, irr, payback):
    # METHOD.md 4: the IRR needs a change of sign; payback needs the cumulative flow to
    # go from negative to non-negative
    a = np.array(flows)
    assert wording.undefined_reason("financial_irr", a) == irr
    assert wording.undefined_reason("payback_year", a) == payback
    assert wording.undefined_reason("discounted_payback_year", a) == payback


def test_undefined_reason_without_flows_gives_both_reasons_and_none_for_defined_keys():
    assert wording.undefined_reason("financial_irr") == (
        "none: the cash flows do not change sign, or no rate solves NPV = 0")
    assert wording.undefined_reason("cost_per_tco2e_gbp") == "not defined: no carbon saved"
    assert wording.undefined_reason("npsv_gbp") is None    # always defined
