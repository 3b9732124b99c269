"""The PDF executive summary: its pages, what they say, and a cancelled run leaving nothing."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.gui import formatting as fmt
from appraisal.gui.breakdown import (benefit_lines, carbon_cost_test, cost_lines, exchequer_line,
                                     pipeline_values)
from appraisal.gui.report import ReportCancelled, write_summary_pdf
from appraisal.resources import default_pack_dir, example_portfolio

# without poppler-utils: skipped, or failed in CI (tests/conftest.py)
needs_poppler = pytest.mark.usefixtures("poppler")


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


def pdf_text(path, page: int | None = None, layout: bool = True) -> str:
    """The page's text with its white space collapsed: a title or note may wrap. Without
    ``layout``, in the order it was drawn (a wrapped paragraph reads on, whatever sits
    beside it)."""
    args = ["pdftotext"] + (["-layout"] if layout else [])
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


PIPELINE_PAGES = 2     # the totals, ranking; then the gap, the NPSV's make-up and its risks


def project_page(example, pid: str) -> int:
    """The page number of a project's page (1-based)."""
    return PIPELINE_PAGES + 1 + [p.id for p in example.projects].index(pid)


def test_two_pages_for_the_pipeline_then_one_per_project(summary, example):
    path, calls = summary
    n = len(example.projects)
    total = PIPELINE_PAGES + n
    assert path.read_bytes().startswith(b"%PDF")
    assert page_count(path) == total
    assert calls == [(k, total) for k in range(1, total + 1)]   # after every page
    assert [p.name for p in path.parent.iterdir()] == ["summary.pdf"]   # no temporary file left


@needs_poppler
def test_the_pipeline_page_names_the_pack_the_projects_and_the_simulation(summary, example, pack):
    text = pdf_text(summary[0], 1)
    assert example.name in text
    assert pack.id in text and pack.vintage in text
    # the default pack has rows that are not official: the first page says which
    assert pack.is_flagged()
    assert "Caution: " + fmt.plain(pack.flagged_summary()) in text   # its tables by title
    assert ".csv" not in text
    for p in example.projects:
        assert p.id in text
    assert f"Page 1 of {PIPELINE_PAGES + len(example.projects)}" in text
    text2 = pdf_text(summary[0], 2)
    assert "P10" in text2 and "P50" in text2 and "P90" in text2
    assert "Probability NPSV < 0" in text2
    assert "2,000 draws, seed 1" in text2
    assert "Contribution to closing the investment gap" in text2


@needs_poppler
def test_each_project_page_has_its_figures_and_a_footer(summary, example, pack):
    path = summary[0]
    total = PIPELINE_PAGES + len(example.projects)
    for p in example.projects:
        k = project_page(example, p.id)
        text = pdf_text(path, k)
        assert p.id in text
        for heading in ("What makes up the NPSV", "Annual costs and benefits", "Sensitivity of NPSV",
                        "Switching values", "Scenarios", "Monte Carlo", "Warnings"):
            assert heading in text, (p.id, heading)
        assert "P10" in text
        assert f"Page {k} of {total}" in text
        assert pack.id in text


@needs_poppler
def test_an_undefined_figure_prints_as_a_dash_with_why(summary, example):
    # GRN-007 (a park) saves no carbon: no cost per tonne (METHOD.md 3)
    text = pdf_text(summary[0], project_page(example, "GRN-007"))
    assert "–" in text
    assert "not defined: no carbon saved" in text
    assert "nan" not in text.lower().split() and "inf" not in text.lower().split()


@needs_poppler
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


def test_an_empty_pipeline_has_its_one_page(qapp, tmp_path, pack, tools):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    data["projects"] = []
    path = tmp_path / "empty.pdf"
    write_summary_pdf(path, parse_portfolio(data, pack), pack, draws=50)
    assert page_count(path) == 1
    if tools.available("pdftotext"):
        assert "No projects in the pipeline" in pdf_text(path, 1)


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


@pytest.fixture(scope="module")
def results(example, pack):
    return appraise_portfolio(example, pack, keep_series=True)


@needs_poppler
def test_the_pipeline_pages_show_both_bcrs_the_band_on_its_basis_and_the_exchequer(summary, results):
    port = results.portfolio_record()
    text = pdf_text(summary[0], 1)
    assert "Social BCR" in text and "Funder BCR" in text
    assert fmt.ratio(port["bcr"]) in text and fmt.ratio(port["bcr_public"]) in text
    assert port["vfm_basis"] == "public"   # the default basis (METHOD.md 3)
    assert fmt.vfm_badge(port["vfm_category"]) in text and "on the funder BCR" in text
    assert "Exchequer (VAT and duty)" in text
    assert fmt.money(port["pv_indirect_tax_change_gbp"]) in text
    assert "a transfer, not in the NPSV" in text
    assert (f"direct {fmt.number(port['carbon_saved_direct_tco2e'], 0)}, traded "
            f"{fmt.number(port['carbon_saved_traded_tco2e'], 0)}") in text
    assert (f"construction {fmt.number(port['net_construction_jobs_fte'], 1)}, operation "
            f"{fmt.number(port['net_operational_jobs_fte'], 1)}") in text
    for rec in results.project_records():   # the ranking: both BCRs of every project
        assert f"{fmt.ratio(rec['bcr'])} {fmt.ratio(rec['bcr_public'])} " \
               f"{fmt.vfm_badge(rec['vfm_category'])}" in text, rec["id"]


@needs_poppler
def test_the_second_page_breaks_the_npsv_down_with_each_external_effect(summary, results):
    text = pdf_text(summary[0], 2)
    v = pipeline_values(results)
    for line in benefit_lines(v) + cost_lines(v)[:4]:
        assert f"{line.label} {line.text()}" in text, line.key
    # each external effect has its own line, in plain words
    for words in ("Cleaner air", "Fewer car-km", "Warmth taken as comfort", "embodied in construction",
                  "Grid reinforcement", "Value left in the assets"):
        assert words in text
    assert f"Exchequer: VAT and duty receipts {exchequer_line(v).text()}" in text
    assert "a transfer, shown beside the NPSV and not in it" in text
    gap = results.gap()
    for sector in gap["sectors"].values():   # each sector with its own window
        assert f"{sector['label']} {sector['window'][0]}–{sector['window'][1]}" in text


@needs_poppler
def test_each_project_page_shows_its_v2_figures(summary, example, results):
    for i, rec in enumerate(results.project_records()):
        text = pdf_text(summary[0], project_page(example, rec["id"]))
        assert f"VALUE FOR MONEY: {fmt.vfm_badge(rec['vfm_category'])}" in text \
            if rec["vfm_category"] else "VALUE FOR MONEY: NOT DEFINED" in text
        assert "on the funder BCR" in text
        assert "Social BCR" in text and "Funder BCR" in text
        assert fmt.ratio(rec["bcr"]) in text and fmt.ratio(rec["bcr_public"]) in text
        assert f"Exchequer {fmt.money(rec['pv_indirect_tax_change_gbp'])}" in text
        assert (f"direct {fmt.number(rec['carbon_saved_direct_tco2e'], 0)}, traded "
                f"{fmt.number(rec['carbon_saved_traded_tco2e'], 0)}") in text
        test = carbon_cost_test(rec, results.public_carbon_cost_threshold)
        assert "Carbon cost test (PSDS)" in text
        assert ("n/a" if test.passed is None else test.verdict) in text
        v = {k: rec.get(k) for k in rec} | {"pv_other_economic_gbp":
                                            float(results.metrics["pv_other_economic_gbp"][i])}
        for line in benefit_lines(v):
            assert f"{line.label} {line.text()}" in text, (rec["id"], line.key)


@needs_poppler
def test_every_page_names_the_rows_that_are_not_official_and_none_says_failed(summary, pack):
    path = summary[0]
    note = fmt.plain(pack.flagged_summary())     # "GDP deflator 36/36", not "gdp_deflator.csv"
    assert note and note != pack.flagged_summary()
    for k in range(1, page_count(path) + 1):
        raw = pdf_text(path, k, layout=False)
        assert note[:1].upper() + note[1:] in raw, k
        assert ".csv" not in raw, k
        assert "failed" not in raw.lower()   # the BCR is never a pass or fail test (METHOD.md 3)


@needs_poppler
def test_a_moved_band_is_printed_with_its_reason(qapp, tmp_path, pack):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    project = next(p for p in data["projects"] if p["id"] == "GRN-007")
    project.update(vfm_adjustment=1, vfm_adjustment_reason="Biodiversity gain is not monetised.")
    data["projects"] = [project]
    inputs = parse_portfolio(data, pack)
    path = tmp_path / "one.pdf"
    write_summary_pdf(path, inputs, pack, draws=50)
    rec = appraise_portfolio(inputs, pack).project_records()[0]
    assert rec["vfm_category"] != rec["vfm_category_unadjusted"]
    # pdftotext joins a word hyphenated at a line's end ("non-" / "monetised"): compare without
    text = pdf_text(path, PIPELINE_PAGES + 1, layout=False).replace("non-monetised", "nonmonetised")
    assert (f"Value for money: {fmt.vfm_badge(rec['vfm_category'])} on the funder BCR (benefits "
            f"net of private costs, over public costs); "
            f"{fmt.vfm_badge(rec['vfm_category_unadjusted'])} before a move up one band for "
            "nonmonetised impacts: Biodiversity gain is not monetised.") in text


# -- issue 9: every warning shown, in words; names that wrap; a BCR beside its band -----------
def _with_results(monkeypatch, change):
    """Have the summary appraise as the core does, then ``change(results)`` before the pages
    read them."""
    from appraisal.gui import report as report_module
    real = report_module.appraise_portfolio

    def appraise(*args, **kwargs):
        results = real(*args, **kwargs)
        change(results)
        return results
    monkeypatch.setattr(report_module, "appraise_portfolio", appraise)


@needs_poppler
def test_every_warning_is_printed_in_words_and_none_is_left_out(summary, example, pack, results):
    path = summary[0]
    for rec in results.project_records():
        page = project_page(example, rec["id"])
        text = pdf_text(path, page, layout=False)
        assert "more:" not in text and "more on the next page" not in text, rec["id"]
        for w in rec["warnings"]:
            assert fmt.sentence(w, pack) in text, (rec["id"], w)
    every = pdf_text(path, layout=False)
    for code in ("grid_electricity", "natural_gas", "air_quality", "renewable_generation",
                 "network_reinforcement_gbp_per_kw", ".csv"):
        assert code not in every, code


def test_the_example_summary_cuts_nothing_short(qapp, tmp_path, example, pack):
    layout = write_summary_pdf(tmp_path / "s.pdf", example, pack, draws=50)
    assert layout.pages == PIPELINE_PAGES + len(example.projects)
    names = {p.name for p in example.projects}
    assert not [t for t in layout.elided if t in names]   # every name wraps in full
    assert not layout.elided, layout.elided    # no card's note, no figure, no name


@needs_poppler
def test_many_warnings_run_on_to_a_page_of_their_own(qapp, tmp_path, example, pack, monkeypatch):
    extra = [f"check number {k} of a long list of things the promoter should look at again "
             f"before the business case goes to the board (item {k})" for k in range(60)]

    def many(results):
        results.warnings[0].extend(extra)
    _with_results(monkeypatch, many)
    path = tmp_path / "many.pdf"
    calls: list[tuple[int, int]] = []
    layout = write_summary_pdf(path, example, pack, draws=50,
                               progress=lambda done, total: calls.append((done, total)))
    total = page_count(path)
    assert total == layout.pages > PIPELINE_PAGES + len(example.projects)
    assert calls[-1] == (total, total)
    assert [e[0] for e in layout.plan[:4]] == ["pipeline", "detail", "project", "warnings"]
    first = PIPELINE_PAGES + 1
    text = pdf_text(path, first, layout=False)
    assert "more on the next page" in text
    runs_on = " ".join(pdf_text(path, k, layout=False)
                       for k in range(first, first + 1 + sum(e[0] == "warnings" for e in layout.plan)))
    for w in extra:
        assert fmt.sentence(w) in runs_on, w
    assert "Warnings, continued" in pdf_text(path, first + 1)
    assert example.projects[0].id in pdf_text(path, first + 1)
    # the next project's page follows, numbered as the footers say
    nxt = next(k for k, e in enumerate(layout.plan) if e[:2] == ("project", 1)) + 1
    assert example.projects[1].id in pdf_text(path, nxt)
    assert f"Page {nxt} of {total}" in pdf_text(path, nxt)


@needs_poppler
def test_long_names_wrap_on_the_ranking_and_a_long_pipeline_keeps_its_tail(qapp, tmp_path, pack):
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    long_name = ("Schools, libraries and leisure centres across the combined authority: heat "
                 "pumps and rooftop solar")
    data["projects"][0]["name"] = long_name
    path = tmp_path / "long.pdf"
    layout = write_summary_pdf(path, parse_portfolio(data, pack), pack, draws=50)
    assert long_name not in layout.elided
    raw = subprocess.run(["pdftotext", "-raw", "-f", "1", "-l", "1", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert long_name in " ".join(raw.split())     # in full, on lines of its own cell

    many = dict(data, projects=[dict(p, id=f"{p['id']}-{k}", name=f"{p['name']} (phase {k})")
                                for k in range(5) for p in data["projects"]])
    layout = write_summary_pdf(path, parse_portfolio(many, pack), pack, draws=20)
    text = pdf_text(path, 1, layout=False)
    n = len(many["projects"])
    shown = re.search(r"… (\d+) more \(ranks (\d+) to (\d+)\): each has its own page", text)
    assert shown, text
    hidden, first, last = map(int, shown.groups())
    assert last == n - 2 and hidden == last - first + 1
    assert "Pipeline" in text and f"Page 1 of {layout.pages}" in text


@needs_poppler
def test_a_bcr_on_the_summary_never_rounds_into_the_next_band(qapp, tmp_path, example, pack,
                                                              monkeypatch):
    def near_a_bound(results):
        results.metrics["bcr"][0] = 1.4994
        results.metrics["bcr_public"][0] = 1.4994
        results.metrics["vfm_adjustment"][0] = 0
    _with_results(monkeypatch, near_a_bound)
    path = tmp_path / "bound.pdf"
    write_summary_pdf(path, example, pack, draws=20)
    pid = example.projects[0].id
    ranking = pdf_text(path, 1)
    assert re.search(rf"{pid} .*? 1\.499 1\.499 LOW ", ranking), ranking
    page = pdf_text(path, project_page(example, pid))
    assert "VALUE FOR MONEY: LOW" in page and "1.499" in page and "1.50 " not in page
