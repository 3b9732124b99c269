"""One source for each rule (issue 12): the window's words and defaults come from the
core's constants, so that changing a rule there changes what the window says."""
from __future__ import annotations

import pytest

from appraisal.core import wording
from appraisal.core.portfolio import DEFAULTS
from appraisal.gui.breakdown import TIPS


@pytest.fixture
def other_rule(monkeypatch):
    """A different shovel-ready rule, in the core's words module only."""
    monkeypatch.setattr(wording, "SHOVEL_READY_MIN_SCORE", 65.0)
    monkeypatch.setattr(wording, "SHOVEL_READY_MAX_MONTHS", 9.0)


def test_the_shovel_ready_words_are_the_cores(other_rule, window):
    window.doc.wait_for_results()
    assert window.projects.shovel.toolTip() == (
        "Shovel-ready: a readiness score of 65 or more and a start within 9 months")
    card = window.dashboard.cards["shovel_ready_projects"]
    assert card.toolTip() == "Projects with a readiness score of 65 or more and a start within 9 months"
    assert card.detail.text() == "score 65+, start within 9 months"
    assert "a readiness score of 65 or more" in window.projects.editor.months.widget.toolTip()


def test_the_vfm_tooltip_lists_the_cores_bands():
    assert wording.vfm_bands_text() in TIPS["vfm"]


def test_a_setting_left_out_is_the_cores_default_and_an_explicit_zero_stays_zero(window):
    doc = window.doc
    for key in ("carbon_series", "discount_schedule", "energy_series", "financial_discount_rate",
                "vfm_basis", "financial_ob_share", "financial_basis"):
        doc.portfolio.data.pop(key, None)
        assert doc.setting(key) == getattr(DEFAULTS, key), key
    doc.portfolio.data["financial_discount_rate"] = 0.0
    assert doc.setting("financial_discount_rate") == 0.0      # not DEFAULTS' 3.5%
    assert doc.setting("no_such_setting") is None
    assert doc.setting("no_such_setting", 7) == 7


def test_the_provenance_lines_are_the_cores_sentence(window):
    window.doc.wait_for_results()
    r = window.doc.results
    head = wording.provenance(r.pack_id, r.pack_vintage, carbon_series=r.carbon_series)
    assert window.dashboard.provenance.text().startswith(head + "; discounting ")
    window.show_project(0)
    assert window.projects.results.provenance.text().startswith(
        wording.results_provenance(r) + "; value for money on the ")
