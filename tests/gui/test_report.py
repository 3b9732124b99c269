"""The PDF executive summary: its pages, what they say, and a cancelled run leaving nothing."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from appraisal.core import load_pack, parse_portfolio
from appraisal.gui.report import ReportCancelled, write_summary_pdf
from appraisal.resources import default_pack_dir, example_portfolio

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext (poppler-utils) is not installed")


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


@pytest.fixture(scope="module")
def example(pack):
    return parse_portfolio(json.loads(example_portfolio().read_text(encoding="utf-8")), pack)


@pytest.fixture(scope="module")
def summary(qapp, tmp_path_factory, example, pack):
    """The example pipeline's summary, written once, with the progress it reported."""
    path = tmp_path_factory.mktemp("report") / "summary.pdf"
    calls: list[tuple[int, int]] = []
    write_summary_pdf(path, example, pack, draws=2000, seed=1,
                      progress=lambda done, total: calls.append((done, total)))
    return path, calls


def page_count(path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))
    # "/Type /Page" but not "/Type /Pages" (the page tree)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def pdf_text(path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_page_for_the_pipeline_then_one_per_project(summary, example):
    path, calls = summary
    n = len(example.projects)
    assert path.read_bytes().startswith(b"%PDF")
    assert page_count(path) == 1 + n
    assert calls == [(k, 1 + n) for k in range(1, n + 2)]   # after every page
    assert [p.name for p in path.parent.iterdir()] == ["summary.pdf"]   # no temporary file left


@needs_poppler
def test_the_pipeline_page_names_the_pack_the_projects_and_the_simulation(summary, example, pack):
    text = pdf_text(summary[0], 1)
    assert example.name in text
    assert pack.id in text and pack.vintage in text
    # the default pack has rows marked illustrative: the first page says so
    assert pack.is_flagged()
    assert "figures marked illustrative or recalled" in text
    for p in example.projects:
        assert p.id in text
    assert "P10" in text and "P50" in text and "P90" in text
    assert "Probability NPSV < 0" in text
    assert "2,000 draws, seed 1" in text
    assert "Contribution to closing the investment gap" in text
    assert "Page 1 of 13" in text


@needs_poppler
def test_each_project_page_has_its_figures_and_a_footer(summary, example, pack):
    path = summary[0]
    total = 1 + len(example.projects)
    for k, p in enumerate(example.projects, start=2):
        text = pdf_text(path, k)
        assert p.id in text
        for heading in ("Annual costs and benefits", "Sensitivity of NPSV", "Switching values",
                        "Scenarios", "Monte Carlo", "Warnings"):
            assert heading in text, (p.id, heading)
        assert "P10" in text
        assert f"Page {k} of {total}" in text
        assert pack.id in text


@needs_poppler
def test_an_undefined_figure_prints_as_a_dash_with_why(summary, example):
    # GRN-007 (a park) saves no carbon: no cost per tonne (METHOD.md 3)
    k = 2 + [p.id for p in example.projects].index("GRN-007")
    text = pdf_text(summary[0], k)
    assert "–" in text
    assert "not defined: no carbon saved" in text
    assert "nan" not in text.lower().split() and "inf" not in text.lower().split()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_pages_render_with_ink_on_them(summary, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "2", str(summary[0]),
                    str(tmp_path / "page")], check=True, capture_output=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        image = QImage(str(png))
        assert not image.isNull()
        dark = sum(1 for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
                   if image.pixelColor(x, y).lightness() < 128)
        assert dark > 100, png.name   # text and bars, not a blank page


def test_a_cancelled_report_leaves_nothing_behind(qapp, tmp_path, example, pack):
    path = tmp_path / "summary.pdf"
    pages: list[int] = []
    with pytest.raises(ReportCancelled):
        write_summary_pdf(path, example, pack, draws=200,
                          progress=lambda done, total: pages.append(done),
                          cancelled=lambda: len(pages) >= 3)
    assert pages == [1, 2, 3]   # polled between pages: stopped before the fourth
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_report_keeps_the_file_it_would_have_replaced(qapp, tmp_path, example, pack):
    path = tmp_path / "summary.pdf"
    path.write_bytes(b"the old summary")
    with pytest.raises(ReportCancelled):
        write_summary_pdf(path, example, pack, draws=200, cancelled=lambda: True)
    assert path.read_bytes() == b"the old summary"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


def test_a_report_replaces_an_older_one(qapp, tmp_path, example, pack):
    path = tmp_path / "summary.pdf"
    path.write_bytes(b"the old summary")
    write_summary_pdf(path, example, pack, draws=200)
    assert path.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


def test_an_empty_pipeline_has_its_one_page(qapp, tmp_path, pack):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    data["projects"] = []
    path = tmp_path / "empty.pdf"
    write_summary_pdf(path, parse_portfolio(data, pack), pack, draws=50)
    assert page_count(path) == 1


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_writing_reports_does_not_use_up_references_to_none(qapp, tmp_path, example, pack):
    # PySide6 6.12 under Python 3.11 takes a reference to None on every void call;
    # two reports' worth (~20,000 calls) would free None and abort the interpreter
    # (see report._spare_none_references).
    from appraisal.gui.report import NONE_FLOOR
    before = sys.getrefcount(None)
    for k in range(2):
        write_summary_pdf(tmp_path / f"s{k}.pdf", example, pack, draws=50)
    # without the top-up: about 22,000 fewer
    assert sys.getrefcount(None) >= min(before, NONE_FLOOR) - 1_000
