"""The monitoring return: the promoter's quarterly return of one project, and reading it back.

``appraisal template --monitoring PORTFOLIO --project ID -o return.xlsx`` writes
the workbook: an ``Instructions`` sheet and a ``Return`` sheet with the return's
date and source, a table of yellow entry rows (a year, or a quarter of it:
capex, public funding drawn, opex, the measured change in use of each of the
project's fuels, jobs, the start of works and of operation) and, beside the
blanks, the project's reference baseline (the capex and public-funding profile
by year, the planned dates and the appraised change in energy use a year).
Grey cells are protected, as in the submission template
(:mod:`appraisal.io.submission_template`, whose styles it shares).

``appraisal import-return return.xlsx --into P.json -o OUT.json`` reads it
(:func:`read_return`): every problem in one pass, each naming the sheet, the
cell and the field, a value outside the entry cells included; the entries are
checked and added by the core (:func:`appraisal.core.delivery.add_actual`), so
the rules are those of any actuals entry (docs/delivery.md 2, FORMAT.md 8).
The layout (the fuel columns, the project) is kept on the hidden ``Lists``
sheet, so that a return is read as it was written even if the portfolio has
changed since.
"""
from __future__ import annotations

import copy
import datetime as _dt
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from ..core.delivery import (BASELINE_STAGES, Baseline, add_actual, after_comfort_taking,
                             parse_delivery)
from ..core.errors import InputError, Problem
from ..core.pack import AssumptionPack
from ..core.portfolio import YEAR_RANGE, parse_project
from .atomic import atomic_write_bytes
from .submission_layout import fuel_name
from .submission_template import FONT, GREY, INPUT_LINE, LINE, YELLOW, _Styles
from .xlsx_guard import read_checked_xlsx
from .xlsx_text import SafeTextWorksheet

RETURN_KIND = "appraisal-monitoring-return"
RETURN_VERSION = 1
INSTRUCTIONS, RETURN, LISTS = "Instructions", "Return", "Lists"
TITLE = "Quarterly monitoring return"
ENTRY_ROWS = 12                 # three years of quarters, or twelve years
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "£#,##0.00;[Red]-£#,##0.00"
# the header block (1-based rows): the project and its baseline, then the return's own fields
ID_ROW, NAME_ROW, BASELINE_ROW, WORKS_ROW, OPERATION_ROW = 4, 5, 6, 7, 8
DATE_CELL, SOURCE_CELL = "B11", "B12"
HEADER_ROW = 15                 # the entry table's headings; entries from the row below
FIRST_ENTRY_ROW = HEADER_ROW + 1
LAST_ENTRY_ROW = FIRST_ENTRY_ROW + ENTRY_ROWS - 1
BASELINE_TITLE_ROW = LAST_ENTRY_ROW + 3
MAX_ROWS, MAX_COLUMNS = 400, 40   # a sheet far larger is refused before it is read


@dataclass(frozen=True)
class Column:
    """One column of the entry table: where it is, what it holds, and the field of the
    actuals entry (FORMAT.md 8) it becomes."""

    letter: str
    heading: str
    field: str                  # ENTRY field, or "energy_change.<fuel>", or "note"
    kind: str                   # year, quarter, money, quantity, fte, date, text


def _letter(k: int) -> str:
    return xlsxwriter.utility.xl_col_to_name(k)


def entry_columns(fuels: list[str], units: dict[str, str]) -> list[Column]:
    """The entry table's columns for a project with ``fuels`` (in that order)."""
    spec = [("Year *", "year", "year"), ("Quarter (1-4; empty: the whole year)", "quarter", "quarter"),
            ("Capex spent (£)", "capex_gbp", "money"),
            ("Public funding drawn (£)", "public_funding_gbp", "money"),
            ("Opex (£)", "opex_gbp", "money")]
    spec += [(f"{fuel_name(f)}: measured change ({units.get(f, 'unit')}; negative is a saving)",
              f"energy_change.{f}", "quantity") for f in fuels]
    spec += [("Jobs (FTE)", "jobs_fte", "fte"), ("Works started on", "works_start", "date"),
             ("Operation started on", "operating_start", "date"),
             ("Note (added to the source)", "note", "text")]
    return [Column(_letter(k), h, f, kind) for k, (h, f, kind) in enumerate(spec)]


# ---------------------------------------------------------------------------
# What the return shows: the project's reference baseline
# ---------------------------------------------------------------------------

@dataclass
class BaselineView:
    """The reference baseline as the return shows it beside the blanks."""

    words: str
    works_start: str
    operating_start: str
    years: list[int] = field(default_factory=list)
    capex: dict[int, float] = field(default_factory=dict)
    public: dict[int, float] = field(default_factory=dict)
    energy: dict[str, float] = field(default_factory=dict)   # fuel -> appraised change a year
    operating_year: int | None = None
    price_year: int | None = None


def _year_map(m: Any) -> dict[int, float]:
    if not isinstance(m, dict):
        return {}
    out = {}
    for k, v in m.items():
        try:
            out[int(k)] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def baseline_view(project: dict, pack: AssumptionPack) -> BaselineView:
    """The project's reference baseline (docs/delivery.md 1) for the return; a project
    without one gets a line saying so and no profile."""
    ref: Baseline | None = parse_delivery(project, pack).reference
    if ref is None:
        return BaselineView("no approved baseline recorded yet", "-", "-")
    b = dict(ref.project)
    capex = _year_map(b.get("capex"))
    share = b.get("public_funding_share")
    share = float(share) if isinstance(share, (int, float)) and not isinstance(share, bool) else 1.0
    public = _year_map(b.get("public_funding")) or {y: v * share for y, v in capex.items()}
    parsed, _ = parse_project(copy.deepcopy(b), 0, pack)
    energy = after_comfort_taking(parsed, pack) if parsed is not None else {}
    start = b.get("operating_start")
    op_year = int(start) if isinstance(start, int) else (max(capex) + 1 if capex else None)
    works = ref.planned_works_start or (_dt.date(min(y for y in capex if capex[y] > 0), 1, 1)
                                        if any(v > 0 for v in capex.values()) else None)
    operating = ref.planned_operating_start or (_dt.date(op_year, 1, 1) if op_year else None)
    last = max([*capex, *public, *([op_year + 2] if op_year and energy else [])], default=None)
    first = min([*capex, *public], default=last)
    years = list(range(first, last + 1)) if first is not None and last is not None else []
    return BaselineView(
        f"{BASELINE_STAGES.get(ref.stage, ref.stage)} of {ref.date.isoformat()}"
        f"{'' if not ref.reason else ': ' + ref.reason} (assumptions {ref.pack_id}, "
        f"{ref.pack_vintage})",
        works.isoformat() if works else "-", operating.isoformat() if operating else "-",
        years[:30], capex, public, energy, op_year,
        b.get("price_year") if isinstance(b.get("price_year"), int) else None)


def project_fuels(project: dict, pack: AssumptionPack) -> list[str]:
    """The fuels the return asks about: the baseline's and the project's appraised fuels,
    then any reported before; only the pack's."""
    fuels: list[str] = []
    delivery = parse_delivery(project, pack)
    sources = [dict(delivery.reference.project)] if delivery.reference else []
    for p in sources + [project]:
        for change in p.get("energy_changes") or []:
            if isinstance(change, dict) and isinstance(change.get("fuel"), str):
                fuels.append(change["fuel"])
    for e in delivery.actuals:
        fuels += [f for f, _ in (*e.energy_change, *e.energy_use)]
    known = pack.fuels()
    return [f for f in dict.fromkeys(fuels) if f in known]


def _find_project(data: dict, project_id: str, file: str | None) -> dict:
    for p in data.get("projects") or []:
        if isinstance(p, dict) and p.get("id") == project_id:
            return p
    raise InputError([Problem(f"has no project with the id {project_id!r}", file=file,
                              field="--project")])


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

INSTRUCTION_TEXT = [
    ("What this workbook is", [
        "Your quarterly monitoring return for one project: what was spent, drawn down and "
        "used, and when works and operation started. The authority compares it with the "
        "appraisal it approved (the baseline, shown on 'Return' beside the blanks)."]),
    ("How to fill it in", [
        "On 'Return', give the date of this return and who prepared it (its source), then one "
        "row per period: the year and, for a quarter, its number (1: January to March ... 4: "
        "October to December). Leave the quarter empty for a whole year. Do not report a "
        "year and its quarters for the same figure.",
        "Money in pounds as spent (cash, at the prices of the period's year). Energy: the "
        "measured change in use in the period against the measured use before the project, in "
        "the fuel's unit; negative when less is used. Leave a cell empty when you have no figure.",
        "Dates as dates (2028-03-31). Give the start of works or of operation once, on the row "
        "of the period in which it happened.",
        "A figure reported again for the same period replaces the earlier one when this return "
        "is dated later: send corrections that way.",
        "Type values, not formulas. Keep the sheets as they are: a value outside the yellow "
        "cells is refused when the return is read, with its cell named."]),
]


def _page(ws, landscape: bool) -> None:
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.set_header(f'&L&"{FONT},Bold"{TITLE}&R&A')
    ws.set_footer(f"&LMonitoring return version {RETURN_VERSION}&RPage &P of &N")
    ws.hide_gridlines(2)


def _protect(ws) -> None:
    # against slips, not secrets (as the submission template): no password
    ws.protect("", {"format_columns": True, "format_rows": True})


class _ReturnStyles(_Styles):
    def __init__(self, wb) -> None:
        super().__init__(wb)

        def fmt(**kw: Any):
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top", **kw})
        entry = {"bg_color": YELLOW, "border": 1, "border_color": INPUT_LINE, "locked": False}
        self.entry = {"year": fmt(num_format="0", **entry), "quarter": fmt(num_format="0", **entry),
                      "money": fmt(num_format=MONEY_FORMAT, **entry),
                      "quantity": fmt(num_format="#,##0.##;-#,##0.##", **entry),
                      "fte": fmt(num_format="0.0#", **entry),
                      "date": fmt(num_format=DATE_FORMAT, **entry),
                      "text": fmt(num_format="@", text_wrap=True, **entry)}
        ref = {"bg_color": GREY, "border": 1, "border_color": LINE}
        self.ref_money = fmt(num_format="£#,##0", **ref)
        self.ref_number = fmt(num_format="#,##0", **ref)
        self.ref_year = fmt(num_format="0", **ref)


def _validation(kind: str) -> dict[str, Any]:
    if kind in ("year", "quarter"):
        lo, hi = (YEAR_RANGE if kind == "year" else (1, 4))
        return {"validate": "integer", "criteria": "between", "minimum": lo, "maximum": hi,
                "error_title": "Not accepted",
                "error_message": f"A whole number from {lo} to {hi}."}
    if kind == "date":
        return {"validate": "date", "criteria": "between", "minimum": _dt.date(2000, 1, 1),
                "maximum": _dt.date(2100, 12, 31), "error_title": "Not accepted",
                "error_message": "A date such as 2028-03-31."}
    if kind in ("money", "fte"):
        return {"validate": "decimal", "criteria": ">=", "value": 0,
                "error_title": "Not accepted", "error_message": "A number, 0 or more."}
    if kind == "quantity":
        return {"validate": "decimal", "criteria": "between", "minimum": -1e13, "maximum": 1e13,
                "error_title": "Not accepted", "error_message": "A number (negative: a saving)."}
    return {"validate": "length", "criteria": "<=", "value": 500,
            "error_title": "Not accepted", "error_message": "At most 500 characters."}


def _instructions(wb, st: _ReturnStyles, project_id: str) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS)
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 110)
    ws.set_row(0, 26)
    ws.write(0, 0, f"{TITLE}: {project_id}", st.title)
    row = 2
    for heading, paragraphs in INSTRUCTION_TEXT:
        ws.merge_range(row, 0, row, 1, heading, st.section)
        row += 1
        for k, text in enumerate(paragraphs, 1):
            if len(paragraphs) > 1:
                ws.write_string(row, 0, f"{k}.", st.bold)
            ws.write_string(row, 1, text, st.intro)
            ws.set_row(row, 13 * max(1, -(-len(text) // 140)))
            row += 1
        row += 1
    ws.merge_range(row, 0, row, 1, "Colour key", st.section)
    ws.write_blank(row + 1, 0, None, st.key_input)
    ws.write_string(row + 1, 1, "Yellow cells: your entries (the only cells you can change).",
                    st.intro)
    ws.write_blank(row + 2, 0, None, st.key_label)
    ws.write_string(row + 2, 1, "Grey cells: the project, its baseline and the headings "
                                "(protected).", st.intro)
    ws.write_string(row + 4, 1, f"Return '{RETURN_KIND}' version {RETURN_VERSION}.", st.code)
    _page(ws, landscape=False)
    _protect(ws)
    ws.activate()


def _header(ws, st: _ReturnStyles, project: dict, view: BaselineView, width: int) -> None:
    ws.set_row(0, 26)
    ws.write(0, 0, TITLE, st.title)
    ws.merge_range(1, 0, 1, width, "Fill in the yellow cells: the date and source of this return, "
                   "then one row per year or quarter. Grey cells are protected. Your baseline, "
                   "what the authority approved, is below the entries for reference.", st.intro)
    ws.set_row(1, 30)
    rows = ((ID_ROW, "Project ID", str(project.get("id", ""))),
            (NAME_ROW, "Project name", str(project.get("name", ""))),
            (BASELINE_ROW, "Baseline", view.words),
            (WORKS_ROW, "Planned start of works", view.works_start),
            (OPERATION_ROW, "Planned start of operation", view.operating_start))
    for r, label, value in rows:
        ws.write_string(r - 1, 0, label, st.label)
        ws.merge_range(r - 1, 1, r - 1, width, value, st.note)
    ws.merge_range(9, 0, 9, width, "About this return", st.section)
    ws.write_string(10, 0, "Date of this return *", st.required)
    ws.write_blank(10, 1, None, st.entry["date"])
    ws.data_validation(10, 1, 10, 1, _validation("date"))
    ws.write_string(11, 0, "Prepared by, and from what (source) *", st.required)
    ws.merge_range(11, 1, 11, 4, "", st.entry["text"])
    ws.data_validation(11, 1, 11, 1, _validation("text"))


def _entries(ws, st: _ReturnStyles, columns: list[Column], width: int) -> None:
    ws.merge_range(HEADER_ROW - 2, 0, HEADER_ROW - 2, width,
                   "What was spent, used and started: one row per year, or per quarter", st.section)
    ws.set_row(HEADER_ROW - 1, 54)
    for k, c in enumerate(columns):
        ws.write_string(HEADER_ROW - 1, k, c.heading, st.heading)
        for r in range(FIRST_ENTRY_ROW - 1, LAST_ENTRY_ROW):
            ws.write_blank(r, k, None, st.entry[c.kind])
        ws.data_validation(FIRST_ENTRY_ROW - 1, k, LAST_ENTRY_ROW - 1, k, _validation(c.kind))


def _baseline_block(ws, st: _ReturnStyles, view: BaselineView, fuels: list[str],
                    units: dict[str, str], width: int) -> None:
    """The reference baseline by year (grey, protected): what each row is compared with."""
    r = BASELINE_TITLE_ROW - 1
    ws.merge_range(r, 0, r, width, "Your baseline, for reference: what the appraisal approved "
                   "(do not change)", st.section)
    prices = f"£ at {view.price_year} prices" if view.price_year else "£ at the baseline's prices"
    heads = ["Year", f"Capex profile ({prices})", f"Public funding profile ({prices})"] + [
        f"{fuel_name(f)}: appraised change a year ({units.get(f, 'unit')})" for f in fuels]
    ws.set_row(r + 1, 54)
    for k, h in enumerate(heads):
        ws.write_string(r + 1, k, h, st.heading)
    if not view.years:
        ws.write_string(r + 2, 0, "No approved baseline yet: the authority records one when it "
                                  "approves the appraisal.", st.note)
        return
    for k, y in enumerate(view.years, start=r + 2):
        ws.write_number(k, 0, y, st.ref_year)
        ws.write_number(k, 1, view.capex.get(y, 0.0), st.ref_money)
        ws.write_number(k, 2, view.public.get(y, 0.0), st.ref_money)
        operating = view.operating_year is not None and y >= view.operating_year
        for j, f in enumerate(fuels, start=3):
            ws.write_number(k, j, view.energy.get(f, 0.0) if operating else 0.0, st.ref_number)


def _lists(wb, project_id: str, fuels: list[str]) -> None:
    """The marker (kind, version, project) and the fuel columns, read back by :func:`read_return`."""
    ws = wb.add_worksheet(LISTS)
    ws.write_string(0, 0, RETURN_KIND)
    ws.write_number(0, 1, RETURN_VERSION)
    ws.write_string(0, 2, project_id)
    for k, f in enumerate(fuels):
        ws.write_string(1, k, f)
    ws.hide()
    _protect(ws)


def return_bytes(data: dict, project_id: str, pack: AssumptionPack, *,
                 file: str | None = None) -> bytes:
    """The blank monitoring return of ``project_id`` of the portfolio document ``data``."""
    project = _find_project(data, project_id, file)
    view = baseline_view(project, pack)
    fuels = project_fuels(project, pack)
    return _layout_bytes(project, view, fuels, pack)


def _layout_bytes(project: dict, view: BaselineView, fuels: list[str], pack: AssumptionPack) -> bytes:
    units = {f: pack.fuel_units.get(f, "unit") for f in fuels}
    columns = entry_columns(fuels, units)
    width = max(len(columns) - 1, 5)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    wb.worksheet_class = SafeTextWorksheet
    wb.set_properties({"title": TITLE, "subject": f"Monitoring return of {project.get('id')}",
                       "comments": f"{RETURN_KIND} version {RETURN_VERSION}"})
    st = _ReturnStyles(wb)
    _instructions(wb, st, str(project.get("id", "")))
    ws = wb.add_worksheet(RETURN)
    ws.set_column(0, 0, 30)
    ws.set_column(1, len(columns) - 1, 16)
    _header(ws, st, project, view, width)
    _entries(ws, st, columns, width)
    _baseline_block(ws, st, view, fuels, units, width)
    ws.freeze_panes(HEADER_ROW, 0)
    _page(ws, landscape=True)
    ws.repeat_rows(HEADER_ROW - 1, HEADER_ROW - 1)
    _protect(ws)
    _lists(wb, str(project.get("id", "")), fuels)
    wb.close()
    return buf.getvalue()


def write_return(path: str | Path, data: dict, project_id: str, pack: AssumptionPack, *,
                 file: str | None = None) -> None:
    """Write the blank return to ``path`` atomically."""
    atomic_write_bytes(path, return_bytes(data, project_id, pack, file=file))


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReturnImport:
    """A return read: its project, the entries found (FORMAT.md 8) with the row each
    came from, and every problem (sheet, cell and field named)."""

    file: str
    project_id: str | None
    entries: tuple[tuple[int, dict[str, Any]], ...] = ()
    problems: tuple[Problem, ...] = ()
    columns: tuple[Column, ...] = ()      # the entry table's layout, as written


def is_monitoring_return(path: str | Path) -> bool:
    """Whether ``path`` carries the monitoring return's marker (a quick look, no checks)."""
    try:
        data = read_checked_xlsx(path)
        wb = _open(data)
    except Exception:  # noqa: BLE001 - anything unreadable is not a return
        return False
    try:
        return _marker(wb)[0] == RETURN_KIND
    finally:
        wb.close()


def _open(data: bytes):
    import openpyxl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # features openpyxl drops say nothing about the cells
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False, keep_vba=False)


def _marker(wb) -> tuple[Any, Any, Any, list[Any]]:
    if LISTS not in wb.sheetnames:
        return None, None, None, []
    rows = [list(r) for r in wb[LISTS].iter_rows(min_row=1, max_row=2, max_col=MAX_COLUMNS,
                                                  values_only=True)]
    first = (rows[0] if rows else []) + [None, None, None]
    return first[0], first[1], first[2], [v for v in (rows[1] if len(rows) > 1 else []) if v]


def _cells(ws, file: str) -> dict[str, Any]:
    """Every filled cell of the sheet: coordinate -> (value, openpyxl data type)."""
    ws.reset_dimensions()
    out: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=1):
        for c in row:
            if c.value is None or not hasattr(c, "coordinate"):
                continue
            if c.row > MAX_ROWS or c.column > MAX_COLUMNS:
                raise InputError([Problem(f"the sheet reaches row {c.row:,}, column {c.column:,}, "
                                          "far beyond the return's; copy the entries into a fresh "
                                          "return", file=file, sheet=RETURN)])
            out[c.coordinate] = (c.value, c.data_type)
    return out


def read_return(path: str | Path, data: dict, pack: AssumptionPack) -> ReturnImport:
    """Read a filled return against the portfolio document ``data`` (nothing is added:
    see :func:`import_return`). Every problem is found in one pass."""
    file = str(path)
    try:
        book = read_checked_xlsx(path)
        wb = _open(book)
    except InputError as exc:
        return ReturnImport(file, None, (), tuple(exc.problems))
    except Exception as exc:  # noqa: BLE001 - a damaged file is a problem to report
        return ReturnImport(file, None, (), (Problem(
            f"cannot be read as an Excel workbook ({type(exc).__name__})", file=file),))
    try:
        kind, version, project_id, fuels = _marker(wb)
        problem = _marker_problem(kind, version, project_id, file)
        if problem is not None:
            return ReturnImport(file, None, (), (problem,))
        if RETURN not in wb.sheetnames:
            return ReturnImport(file, project_id, (), (Problem(
                f"the sheet {RETURN!r} is missing; keep the return's sheets as they are",
                file=file, sheet=RETURN),))
        cells = _cells(wb[RETURN], file)
    except InputError as exc:
        return ReturnImport(file, None, (), tuple(exc.problems))
    finally:
        wb.close()
    try:
        project = _find_project(data, str(project_id), None)
    except InputError:
        return ReturnImport(file, str(project_id), (), (Problem(
            f"is the return of project {project_id!r}, which the portfolio does not have",
            file=file, sheet=RETURN, cell=f"B{ID_ROW}"),))
    fuels = [str(f) for f in fuels]
    bad = [f for f in fuels if f not in pack.fuels()]
    if bad:
        return ReturnImport(file, str(project_id), (), (Problem(
            f"asks for fuels the assumption pack does not have ({', '.join(bad)}): make a new "
            "return with 'appraisal template --monitoring'", file=file, sheet=LISTS),))
    columns = entry_columns(fuels, {f: pack.fuel_units.get(f, "unit") for f in fuels})
    blank = _blank_cells(project, fuels, pack)
    problems = _stray(cells, blank, columns, file)
    entries, more = _rows(cells, columns, file)
    return ReturnImport(file, str(project_id), tuple(entries), tuple(problems + more),
                        tuple(columns))


def _marker_problem(kind, version, project_id, file: str) -> Problem | None:
    if kind != RETURN_KIND:
        return Problem("is not a monitoring return: its marker is missing. Use a return made "
                       "with 'appraisal template --monitoring'", file=file)
    if isinstance(version, bool) or not isinstance(version, (int, float)) \
            or not float(version).is_integer() or int(version) != RETURN_VERSION:
        return Problem(f"is a monitoring return of version {version!r}; this application reads "
                       f"version {RETURN_VERSION}", file=file, sheet=LISTS, cell="B1")
    if not isinstance(project_id, str) or not project_id:
        return Problem("is a monitoring return with a damaged project marker", file=file,
                       sheet=LISTS, cell="C1")
    return None


def _blank_cells(project: dict, fuels: list[str], pack: AssumptionPack) -> dict[str, Any]:
    """The cells of the blank return of this layout (labels, reference figures)."""
    wb = _open(_layout_bytes(project, baseline_view(project, pack), fuels, pack))
    try:
        return _cells(wb[RETURN], "template")
    finally:
        wb.close()


def entry_cells(columns: list[Column]) -> set[str]:
    out = {DATE_CELL, SOURCE_CELL}
    for c in columns:
        out |= {f"{c.letter}{r}" for r in range(FIRST_ENTRY_ROW, LAST_ENTRY_ROW + 1)}
    return out


def _kind(value: Any, data_type: str) -> str:
    if data_type == "f":
        return "formula"
    return "text" if isinstance(value, str) else "value"


def _stray(cells: dict[str, Any], blank: dict[str, Any], columns: list[Column],
           file: str) -> list[Problem]:
    """A problem for each filled cell outside the entry cells that the blank return
    does not hold in kind (a label where it has a label, a figure where it has one):
    the reader reads only the entry cells, so such a value would be lost."""
    entry = entry_cells(columns)
    out = []
    for coordinate, (value, data_type) in cells.items():
        if coordinate in entry or (isinstance(value, str) and not value.strip()):
            continue
        own = blank.get(coordinate)
        if own is not None and _kind(*own) == _kind(value, data_type):
            continue
        out.append(Problem(f"holds {_shown(value, data_type)} outside the return's entry cells, "
                           "so it would not be read: move it into the yellow cells (the entry "
                           f"table has {ENTRY_ROWS} rows; send a second return for more)",
                           file=file, sheet=RETURN, cell=coordinate))
    return sorted(out, key=lambda p: _order(p.cell or ""))


def _order(cell: str) -> tuple[int, int]:
    m = re.match(r"([A-Z]+)(\d+)$", cell)
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _shown(value: Any, data_type: str) -> str:
    if data_type == "f":
        return f"a formula ({str(value)[:30]})"
    if isinstance(value, str):
        return repr(value.strip()[:30])
    return str(value)[:30]


def _value(value: Any, data_type: str, kind: str) -> Any:
    """A cell's value as the entry field takes it: whole numbers as int for a year or a
    quarter, a date as YYYY-MM-DD, text stripped; anything else as it is, for the core
    to refuse with the field named."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    if kind in ("year", "quarter") and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(cells: dict[str, Any], columns: list[Column], file: str
          ) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """The entry rows with anything in them, as actuals entries (unchecked), and the
    problems found in reading them (formulas, a missing date)."""
    problems: list[Problem] = []
    common: dict[str, Any] = {}
    for name, ref, kind in (("date", DATE_CELL, "date"), ("source", SOURCE_CELL, "text")):
        if ref in cells:
            value, data_type = cells[ref]
            if data_type == "f":
                problems.append(_formula(file, ref, name))
            else:
                common[name] = _value(value, data_type, kind)
    entries = []
    for r in range(FIRST_ENTRY_ROW, LAST_ENTRY_ROW + 1):
        row = {c: cells[f"{c.letter}{r}"] for c in columns if f"{c.letter}{r}" in cells
               and not (isinstance(cells[f"{c.letter}{r}"][0], str)
                        and not cells[f"{c.letter}{r}"][0].strip())}
        if not row:
            continue
        entry: dict[str, Any] = {"year": None, "quarter": None, "date": common.get("date"),
                                 "source": common.get("source", "")}
        for c, (value, data_type) in row.items():
            if data_type == "f":
                problems.append(_formula(file, f"{c.letter}{r}", c.field))
                continue
            v = _value(value, data_type, c.kind)
            if c.field == "note":
                entry["source"] = f"{entry['source']}; {v}" if entry["source"] else str(v)
            elif c.field.startswith("energy_change."):
                entry.setdefault("energy_change", {})[c.field.split(".", 1)[1]] = v
            else:
                entry[c.field] = v
        entries.append((r, entry))
    if entries and "date" not in common:
        problems.append(Problem("is empty: give the date of this return", file=file, sheet=RETURN,
                                cell=DATE_CELL, field="date"))
    return entries, problems


def _formula(file: str, ref: str, name: str) -> Problem:
    return Problem("holds a formula: type the value (paste values only)", file=file,
                   sheet=RETURN, cell=ref, field=name)


# ---------------------------------------------------------------------------
# Adding the entries: the core checks each one
# ---------------------------------------------------------------------------

_FIELD = re.compile(r"^actuals\[(\d+)\](?:\.(.*))?$")


def cell_of(field_path: str | None, row: int, columns: list[Column]) -> tuple[str, str]:
    """The cell of a return row that a core problem's field (``actuals[3].capex_gbp``)
    names, and the field without the index."""
    m = _FIELD.match(field_path or "")
    rest = (m.group(2) or "") if m else ""
    if rest == "date":
        return DATE_CELL, "date"
    if rest == "source":
        return SOURCE_CELL, "source"
    by_field = {c.field: c.letter for c in columns}
    if rest in by_field:
        return f"{by_field[rest]}{row}", rest
    return f"{columns[0].letter}{row}", rest or "actuals"


def import_return(path: str | Path, data: dict, pack: AssumptionPack
                  ) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Read a return and add its entries to the project of ``data`` (the document is
    changed only when there is no problem at all: then the entries added, in canonical
    form, and no problems; else nothing added and every problem, with its cell)."""
    read = read_return(path, data, pack)
    problems = list(read.problems)
    if read.project_id is None or (problems and not read.entries):
        return [], problems
    project = _find_project(data, read.project_id, read.file)
    if not read.entries and not problems:
        return [], [Problem("has no entries: fill in at least one row of the entry table",
                            file=read.file, sheet=RETURN, cell=f"A{FIRST_ENTRY_ROW}")]
    columns = list(read.columns)
    trial = {k: v for k, v in data.items() if k != "projects"}
    trial["projects"] = [copy.deepcopy(project)]
    added = []
    for row, entry in read.entries:
        try:
            added.append(add_actual(trial, read.project_id, entry, pack).to_dict())
        except InputError as exc:
            for p in exc.problems:
                ref, name = cell_of(p.field, row, columns)
                problems.append(Problem(p.message, file=read.file, sheet=RETURN, cell=ref,
                                        field=name))
    if problems:
        return [], _unique(problems)
    project["actuals"] = trial["projects"][0]["actuals"]
    return added, []


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.sheet, p.cell, p.field, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


__all__ = ["RETURN_KIND", "RETURN_VERSION", "ReturnImport", "entry_columns", "import_return",
           "is_monitoring_return", "read_return", "return_bytes", "write_return"]
