"""The PDF summary's Delivery page (issue 13): present when a project has a baseline or
actuals, after the pipeline's two pages, with each tracked project's status in words
and its figures as the core computes them (``appraisal.core.delivery.track``); absent
otherwise, so that a summary without delivery data is unchanged."""
from __future__ import annotations

import copy
import json
import shutil

import pytest

from appraisal.core import load_pack, parse_portfolio
from appraisal.core.delivery import DELIVERY_FIELDS, track
from appraisal.gui.delivery_page import pipeline_cells
from appraisal.gui.report import write_summary_pdf
from appraisal.resources import default_pack_dir, example_portfolio

from .test_report import PIPELINE_PAGES, page_count, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler is not installed")
DELIVERY_PAGE = PIPELINE_PAGES + 1


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(example_portfolio().read_text(encoding="utf-8"))


def test_the_summary_has_a_delivery_page_with_each_tracked_project(qapp, tmp_path, pack, document):
    path = tmp_path / "s.pdf"
    inputs = parse_portfolio(copy.deepcopy(document), pack)
    layout = write_summary_pdf(path, inputs, pack, draws=50, delivery_document=document)
    assert layout.plan[DELIVERY_PAGE - 1] == ("delivery",)
    assert page_count(path) == layout.pages == PIPELINE_PAGES + 1 + len(inputs.projects)
    text = pdf_text(path, DELIVERY_PAGE)
    assert "Delivery against the appraisal" in text
    report = track(document, pack)
    tracked = [p for p in report.projects if p.status is not None]
    assert len(tracked) == 3
    for p in tracked:
        cells = pipeline_cells(p)
        # the ID, the status in words, spend, overrun and the re-forecast NPSV as the core has them
        row = f"{p.id} "
        assert row in text
        after = text[text.index(row):]
        for shown in (p.status.capitalize(), cells[4], cells[6], cells[11]):
            assert shown in after[:400], (p.id, shown)
    for p in tracked:
        if p.status in ("amber", "red"):
            assert f"{p.id}: {p.reasons[0]}" in text
    assert f"Page {DELIVERY_PAGE} of {layout.pages}" in text
    # the project pages follow, unmoved by one
    assert inputs.projects[0].id in pdf_text(path, DELIVERY_PAGE + 1)


def test_without_delivery_data_there_is_no_delivery_page(qapp, tmp_path, pack, document):
    bare = copy.deepcopy(document)
    for p in bare["projects"]:
        for k in DELIVERY_FIELDS:
            p.pop(k, None)
    path = tmp_path / "s.pdf"
    layout = write_summary_pdf(path, parse_portfolio(copy.deepcopy(bare), pack), pack, draws=50,
                               delivery_document=bare)
    assert ("delivery",) not in layout.plan
    assert "Delivery against the appraisal" not in pdf_text(path)
