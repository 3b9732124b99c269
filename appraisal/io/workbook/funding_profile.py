"""The ``Funding profile`` sheet: public funding, private capex and total capex by
financial year (April to March, "2026-27") and by calendar year, per project and
for the portfolio, as live formulas on the project sheets' year rows.

Public budgets are set by financial year; the method works in calendar years
(METHOD.md 2). METHOD.md does not say how to move between them, so the sheet
uses the HM Treasury convention for a flow spread evenly over its year: the
financial year that starts in April of year Y holds 9/12 of calendar year Y
(April to December) and 3/12 of calendar year Y+1 (January to March). The
note on the sheet states it, and every cell shows it in its formula.

Total capex is the gross capital spend on the promoter's timeline (capex plus
renewals, at base prices, without optimism bias): the spend public funding is
a share of (METHOD.md 3 and 10.7). Private capex is total capex less public
funding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import YEAR, Formats, cell, page_setup, sheet_ref, write_text

SHEET = "Funding profile"
APRIL_TO_DECEMBER = 9 / 12        # share of a calendar year's flow in the FY starting that April
JANUARY_TO_MARCH = 1 - APRIL_TO_DECEMBER
YEARS_PER_BLOCK = 16              # year columns per printed block (an A4 landscape page)
MEASURES = ("Public funding", "Private capex", "Total capex")
MONEY_DASH = '£#,##0;[Red]-£#,##0;"-"'   # a dash for nothing, so the years with money stand out
FIRST_ROW = 4                     # the first block's header row


@dataclass(frozen=True)
class FundingRows:
    """Where one project sheet holds the year rows the profile reads, and the
    application's figures for them (the cached values)."""

    sheet: str
    project_id: str
    name: str
    years: np.ndarray        # the sheet's calendar years
    year: str                # the year row's range, e.g. $B$130:$Z$130
    capex: str               # capex at base prices
    renewals: str            # renewals on the promoter's timeline
    public: str              # public funding
    total_values: np.ndarray  # capex + renewals by year [GBP, base prices]
    public_values: np.ndarray  # public funding by year [GBP, base prices]

    def ref(self, rng: str) -> str:
        return sheet_ref(self.sheet, rng)

    def calendar(self, y: int, measure: str) -> float:
        """The application's figure of ``measure`` in calendar year ``y``."""
        k = np.flatnonzero(self.years == y)
        if not k.size:
            return 0.0
        total, public = float(self.total_values[k[0]]), float(self.public_values[k[0]])
        return {"Public funding": public, "Private capex": total - public, "Total capex": total}[measure]

    def financial(self, y: int, measure: str) -> float:
        """The financial year starting in April of ``y`` (the module's convention)."""
        return APRIL_TO_DECEMBER * self.calendar(y, measure) + JANUARY_TO_MARCH * self.calendar(y + 1, measure)


def fy_label(y: int) -> str:
    """The financial year starting in April of ``y``, as public budgets name it: 2026-27."""
    return f"{y}-{(y + 1) % 100:02d}"


def funding_years(projects: list[FundingRows]) -> tuple[list[int], list[int]]:
    """The calendar years with any capex or public funding, and the financial years they touch."""
    cal = sorted({int(y) for p in projects for y, t, g in zip(p.years, p.total_values, p.public_values)
                  if t != 0 or g != 0})
    return cal, sorted({y - 1 for y in cal} | set(cal))


def _weights(y_ref: str, financial: bool) -> str:
    """The share of each sheet column that falls in the year of ``y_ref`` (a year cell)."""
    if not financial:
        return f"({{year}}={y_ref})"
    return f"(({{year}}={y_ref})*{APRIL_TO_DECEMBER!r}+({{year}}={y_ref}+1)*{JANUARY_TO_MARCH!r})"


def _formula(p: FundingRows, measure: str, weights: str, public_cell: str, total_cell: str) -> str:
    w = weights.format(year=p.ref(p.year))
    if measure == "Public funding":
        return f"=SUMPRODUCT({w}*{p.ref(p.public)})"
    if measure == "Total capex":
        return f"=SUMPRODUCT({w}*({p.ref(p.capex)}+{p.ref(p.renewals)}))"
    return f"={total_cell}-{public_cell}"


def _block(ws, fmt: Formats, row: int, projects: list[FundingRows], years: list[int],
           financial: bool, all_years: bool) -> int:
    """One table of years across: a row per project and measure, then the portfolio's,
    with (``all_years``) a last column over every year of the project sheets, which the
    years add up to; returns the row after it."""
    write_text(ws, row, 0, "Project", fmt.header)
    write_text(ws, row, 1, "Measure (£)", fmt.header)
    write_text(ws, row + 1, 0, "", fmt.header)
    write_text(ws, row + 1, 1, "April of" if financial else "", fmt.header)
    for c, y in enumerate(years, 2):
        write_text(ws, row, c, fy_label(y) if financial else str(y), fmt.header)
        ws.write_number(row + 1, c, y, fmt.num(YEAR))
    end = 2 + len(years)      # the all-years column
    if all_years:
        write_text(ws, row, end, "All years", fmt.header)
        write_text(ws, row + 1, end, "", fmt.header)
    first = row + 2
    r = first
    money, total_fmt = fmt.num(MONEY_DASH), fmt.num(MONEY_DASH, total=True)
    all_fmt = fmt.num(MONEY_DASH, bold=True)
    for p in projects:
        for k, measure in enumerate(MEASURES):
            write_text(ws, r, 0, p.project_id if k == 0 else "")
            write_text(ws, r, 1, measure)
            for c, y in enumerate(years, 2):
                value = p.financial(y, measure) if financial else p.calendar(y, measure)
                text = _formula(p, measure, _weights(cell(row + 1, c), financial),
                                cell(r - k, c), cell(r - k + 2, c))
                ws.write_formula(r, c, text, money, value)
            if all_years:
                ws.write_formula(r, end, _formula(p, measure, "1", cell(r - k, end), cell(r - k + 2, end)),
                                 all_fmt, sum(p.calendar(int(y), measure) for y in p.years))
            r += 1
    last = r - 1
    for k, measure in enumerate(MEASURES):
        write_text(ws, r, 0, "Portfolio" if k == 0 else "", fmt.num("@", total=True))
        write_text(ws, r, 1, measure, fmt.num("@", total=True))
        columns = [(c, sum(p.financial(y, measure) if financial else p.calendar(y, measure)
                           for p in projects)) for c, y in enumerate(years, 2)]
        if all_years:
            columns.append((end, sum(p.calendar(int(y), measure) for p in projects for y in p.years)))
        for c, value in columns:
            col = f"{cell(first, c)}:{cell(last, c)}"
            ws.write_formula(r, c, f'=SUMIF({cell(first, 1)}:{cell(last, 1)},"{measure}",{col})'
                             if projects else "=0", total_fmt, value)
        r += 1
    return r + 1


def write_funding_profile(ws, fmt: Formats, projects: list[FundingRows], price_base_year: int) -> None:
    """Fill the sheet (added before the project sheets, written after them)."""
    write_text(ws, 0, 0, "Funding profile: public funding, private capex and total capex",
               fmt.title)
    write_text(ws, 1, 0, f"Money in £ at {price_base_year} prices; total capex is capex plus "
                         "renewals on the promoter's timeline, before optimism bias; private capex "
                         "is total capex less public funding. Every figure is a formula on the "
                         "project sheets' year rows.", fmt.note)
    write_text(ws, 2, 0, "Financial years run April to March. A calendar year's figure is spread "
                         "evenly over its months (the HM Treasury convention; METHOD.md is silent): "
                         "financial year Y-(Y+1) = 9/12 x calendar year Y + 3/12 x calendar year Y+1.",
               fmt.note)
    cal, fys = funding_years(projects)
    row = FIRST_ROW
    breaks = []
    widest = 0
    for financial, years, title in ((True, fys, "By financial year (April to March)"),
                                    (False, cal, "By calendar year")):
        blocks = -(-max(len(years), 1) // YEARS_PER_BLOCK)
        size = -(-max(len(years), 1) // blocks)          # blocks of about equal width
        widest = max(widest, size)                       # year columns, then "All years"
        for k in range(0, max(len(years), 1), size):
            if row > FIRST_ROW:
                breaks.append(row)
            write_text(ws, row, 0, title + ("" if k == 0 else " (continued)"), fmt.subtitle)
            row = _block(ws, fmt, row + 1, projects, years[k:k + size], financial,
                         all_years=k + size >= len(years))
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2 + YEARS_PER_BLOCK, 12)
    ws.print_area(0, 0, row, 2 + widest)   # the notes' long lines are not to widen the page
    ws.set_h_pagebreaks(breaks)
    ws.freeze_panes(0, 2)
    page_setup(ws, fmt.page, landscape=True, repeat_rows=(0, 0), repeat_columns=(0, 1))


def add_sheet(wb):
    """The sheet, in its place among the others (its figures come after the project sheets)."""
    return wb.add_worksheet(SHEET)


__all__ = ["SHEET", "FundingRows", "add_sheet", "fy_label", "funding_years",
           "write_funding_profile"]
