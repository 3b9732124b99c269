"""The workbook's value-for-money formula and the core's ``vfm_category`` agree at
every band edge, after LibreOffice recalculates (issue 12: VFM_BANDS drives both).

The exported book's Assumptions sheet holds the band table written from
``VFM_BANDS`` (named VfM_Lower and VfM_Label); the project sheets' formula is
``vfm_formula``. Here that formula is written beside BCRs on each side of every
band's lower bound, with each adjustment (-1, 0, +1), into the exported book;
LibreOffice computes the bands and they must be the core's, word for word.
"""
from __future__ import annotations

import json

import openpyxl
import pytest

from appraisal.core import load_pack, parse_portfolio
from appraisal.core.results import VFM_BANDS, vfm_category
from appraisal.io.workbook import export_workbook
from appraisal.io.workbook.project_sheet import vfm_formula
from appraisal.resources import default_pack_dir, example_portfolio

ADJUSTMENTS = (-1, 0, 1)


# Spreadsheets compare numbers to about 15 significant digits: LibreOffice's MATCH
# takes 3.9999999999999996 (one double below 4) as 4, so the workbook puts a BCR within
# some 1e-15 of a bound in the band above, where the core (exact comparison) does not.
# No BCR is shown to that precision (formatting.bcr: at most 4 decimals), so the edges
# tested are the bound itself and a millionth of a millionth on either side.
EDGE_STEP = 1e-12


def edge_bcrs() -> list[float]:
    """Each band's lower bound, the BCRs just below and above it, and values far
    outside the scale (METHOD.md 3: a band holds its lower bound)."""
    out = [-1e6, -1.0, 1e6]
    for lower, _ in VFM_BANDS:
        out += [lower - EDGE_STEP, lower, lower + EDGE_STEP, lower + 0.25]
    return out


@pytest.mark.slow
def test_the_workbook_band_formula_is_vfm_category_at_every_edge(tmp_path, libreoffice):
    pack = load_pack(default_pack_dir())
    data = json.loads(example_portfolio().read_text(encoding="utf-8"))
    data["projects"] = data["projects"][:1]          # the band table is all this test needs
    book = tmp_path / "bands.xlsx"
    export_workbook(parse_portfolio(data, pack), pack, book)

    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("Edges")
    cases = [(b, a) for b in edge_bcrs() for a in ADJUSTMENTS]
    for r, (bcr, adjustment) in enumerate(cases, start=1):
        ws.cell(r, 1, bcr)
        ws.cell(r, 2, adjustment)
        ws.cell(r, 3, vfm_formula(f"A{r}", f"B{r}"))
    ws.cell(len(cases) + 1, 3, vfm_formula(f"A{len(cases) + 1}"))   # a blank BCR: no band
    wb.save(book)
    wb.close()

    recalculated = openpyxl.load_workbook(libreoffice(book), data_only=True)
    got = [row[2].value for row in recalculated["Edges"].iter_rows(min_row=1, max_row=len(cases) + 1)]
    recalculated.close()
    want = [vfm_category(b, a) for b, a in cases]
    assert got[:-1] == want, [(c, g, w) for c, g, w in zip(cases, got, want) if g != w]
    assert got[-1] in (None, "")
    assert len(set(want)) == 6       # every band was reached
