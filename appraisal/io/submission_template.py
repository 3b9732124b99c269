"""The blank project submission workbook a promoter fills in (template version 2).

One project per workbook: an 'Instructions' sheet, then one sheet per part of
a FORMAT.md project, each row with its label, a yellow input cell, the unit,
an example and help. Grey cells are protected; drop-down lists and numeric
validation catch most slips as they are typed, and the importer
(:mod:`appraisal.io.submission`) checks everything again. The cell addresses
come from :mod:`appraisal.io.submission_layout`.
"""
from __future__ import annotations

import io
import math
from dataclasses import replace
from typing import Any

import xlsxwriter

from ..core.calculators import HEATING_FUELS, VEHICLE_FUELS
from ..core.pack import AssumptionPack
from ..core.portfolio import MAX_ID
from . import submission_layout as L
from .submission_layout import Field, Table
from .xlsx_text import SafeTextWorksheet

FONT = "Arial"
BLUE, GREY, YELLOW, DARK = "#1F4E79", "#F2F2F2", "#FFF2CC", "#404040"
LINE, INPUT_LINE = "#BFBFBF", "#BF9000"
TITLE = "Low-carbon project submission"
POINTS_PER_LINE = 13.0

NUM_FORMATS = {"text": "@", "choice": "@", "yesno": "@", "year": "0", "whole": "#,##0",
               "money": "£#,##0;[Red]-£#,##0", "price": "£#,##0.00##",
               # a share cell is a plain number: 70 typed is 70%, and 70% typed is stored as
               # 0.7 with Excel's own percentage format, which the importer reads as such
               "fraction": "General"}
BIG_QUANTITY = 1e12     # number fields allowing this much show thousands separators


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        def fmt(**kw: Any):
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top", **kw})

        boxed = {"border": 1, "border_color": LINE, "text_wrap": True}
        self.title = fmt(bold=True, font_size=16, font_color=BLUE, valign="vcenter")
        self.intro = fmt(text_wrap=True, font_color=DARK)
        self.bold = fmt(bold=True, text_wrap=True)
        self.section = fmt(bold=True, font_color="#FFFFFF", bg_color=BLUE, valign="vcenter")
        self.heading = fmt(bold=True, bg_color="#D9D9D9", valign="vcenter", **boxed)
        self.label = fmt(bg_color=GREY, **boxed)
        self.required = fmt(bg_color=GREY, bold=True, **boxed)
        self.note = fmt(bg_color=GREY, font_color=DARK, **boxed)
        self.code = fmt(bg_color=GREY, font_color="#7F7F7F", font_size=8, **boxed)
        self.total = fmt(bg_color=GREY, bold=True, num_format=NUM_FORMATS["money"], **boxed)
        self.key_input = fmt(bg_color=YELLOW, border=1, border_color=INPUT_LINE)
        self.key_label = fmt(bg_color=GREY, border=1, border_color=LINE)
        self._inputs: dict[tuple[str, bool], Any] = {}
        self._fmt = fmt

    def input(self, f: Field):
        """Yellow, unlocked, formatted for the field's kind."""
        # energy and car-km with separators (negative use is a saving, so not red); other
        # numbers as typed, so that 0.5 FTE or 7.5 kW do not show rounded
        num = NUM_FORMATS.get(f.kind) or ("#,##0;-#,##0" if (f.hi or 0) >= BIG_QUANTITY
                                          else "General")
        key = (num, f.kind == "text")          # free text wraps; codes and numbers do not
        if key not in self._inputs:
            self._inputs[key] = self._fmt(bg_color=YELLOW, border=1, border_color=INPUT_LINE,
                                          locked=False, num_format=num, text_wrap=key[1])
        return self._inputs[key]


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (an estimate)."""
    per_line = max(width * 1.4 - 4, 8)     # Arial 10 in a column of Calibri 11 widths
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _fit_row(ws, row: int, cells: list[tuple[str, float]], minimum: int = 1) -> None:
    """Make 0-based ``row`` tall enough for its wrapped texts ((text, column width) pairs)."""
    lines = max([minimum] + [_lines(t, w) for t, w in cells if t])
    if lines > 1:
        ws.set_row(row, POINTS_PER_LINE * lines + 3)


def _input_message(f: Field) -> str:
    """What the cell takes, shown when it is selected (Excel allows 255 characters)."""
    def num(x: float) -> str:
        return f"{x:.0%}" if f.kind == "fraction" else str(int(x)) if f.kind == "year" \
            else f"{x:,.10g}"
    unit = f" ({f.unit})" if f.unit and f.kind not in ("year", "fraction") else ""
    if f.kind == "fraction":
        return f"A percentage from {num(f.lo)} to {num(f.hi)}: type 70 or 70% for 70%."
    if f.kind in ("money", "price"):
        sign = " (0 or more)" if f.lo == 0 else " (negative for a cost)"
        example = "e.g. 1.36 or £1.36" if f.kind == "price" else "e.g. 1200000, 1.2m or £30k"
        return f"An amount in £{sign}, {example}."
    what = {"year": "A calendar year", "whole": f"A whole number{unit}",
            "number": f"A number{unit}"}[f.kind]
    if f.amount_unit == "kWh" or f.amount_unit == "fuel":
        what += ", e.g. 300000 or 300 MWh" if f.amount_unit == "kWh" else \
            ", e.g. -300000, -300 MWh or -1,200 litres"
    bounded = f.lo is not None and f.hi is not None and f.hi < BIG_QUANTITY
    return f"{what} from {num(f.lo)} to {num(f.hi)}." if bounded else f"{what}."


def _plain(x: float) -> str:
    """A number as a formula takes it, without an exponent: 1e13 -> '10000000000000'."""
    return format(x, "f").rstrip("0").rstrip(".") or "0"


def _validation(f: Field, lists: dict[str, list[tuple[str, Any]]], cell: str) -> dict[str, Any]:
    """XlsxWriter data validation for a field whose (first) cell is ``cell``: drop-down,
    length or numeric range. Amounts may also be typed as text with units ("300 MWh",
    "£1.2m"): the importer reads and checks those, so text passes here."""
    if f.kind == "choice":
        v: dict[str, Any] = {"validate": "list",
                             "source": L.list_range(f.choices, len(lists[f.choices]))}
        message = "Choose from the list."
    elif f.kind == "yesno":
        v, message = {"validate": "list", "source": [L.YES, L.NO]}, "Yes or No."
    elif f.kind == "text":
        v = {"validate": "length", "criteria": "<=", "value": f.limit}
        message = f"Text, at most {f.limit:,} characters."
    elif f.kind in ("year", "whole"):
        v = {"validate": "integer", "criteria": "between",
             "minimum": f.lo if f.lo is not None else -1e15,
             "maximum": f.hi if f.hi is not None else 1e15}
        message = _input_message(f)
    else:
        lo = f.lo if f.lo is not None else -1e15
        hi = f.hi if f.hi is not None else 1e15
        if f.kind == "fraction":     # 70 and 70% (0.7) both pass; the importer tells them apart
            hi = max(hi, 100 * hi)
        v = {"validate": "custom",
             "value": f"=OR(ISTEXT({cell}),AND(ISNUMBER({cell}),{cell}>={_plain(lo)},"
                      f"{cell}<={_plain(hi)}))"}
        message = _input_message(f)
    error = message + (" This entry is required." if f.required else
                       " Leave the cell empty if you do not know.")
    v.update(input_title=f.label[:32].rstrip(), input_message=message[:255],
             error_title="Not accepted", error_message=error[:255])
    return v


def _page(ws, *, header_rows: tuple[int, int] | None = None, landscape: bool = True) -> None:
    ws.set_paper(9)                                  # A4
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)                            # one page wide, as many tall as needed
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.set_header(f'&L&"{FONT},Bold"{TITLE}&R&A')
    ws.set_footer(f"&LTemplate version {L.TEMPLATE_VERSION}&RPage &P of &N")
    ws.hide_gridlines(2)
    if header_rows:
        ws.repeat_rows(*header_rows)


def _protect(ws) -> None:
    # Labels are protected against slips, not secrets: no password, and column
    # widths and row heights stay adjustable so that long text can be read.
    ws.protect("", {"format_columns": True, "format_rows": True})


def _title(ws, st: _Styles, title: str, intro: str, last_col: int, widths: list[float]) -> None:
    ws.set_row(0, 26)
    ws.write(0, 0, title, st.title)
    ws.merge_range(1, 0, 1, last_col, intro, st.intro)
    _fit_row(ws, 1, [(intro, sum(widths[:last_col + 1]))])


def _price_year_note(ws, st: _Styles, row0: int, last_col: int) -> None:
    """A line that repeats the price year given on 'Project', as a reminder."""
    ref = f"'{L.PROJECT}'!{L.PROJECT_CELLS['price_year']}"
    missing = "Price year: not yet given on 'Project'"
    ws.merge_range(row0, 0, row0, last_col, "", st.bold)
    ws.write_formula(row0, 0, f'=IF({ref}="","{missing}","All amounts in £ at "&{ref}&" prices")',
                     st.bold, missing)


def _set_widths(ws, widths: list[float]) -> None:
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)


def _text_lines(f: Field) -> int:
    """Lines of room a free-text input gets: a name a few words long, notes a paragraph."""
    if f.kind != "text" or f.limit <= MAX_ID:
        return 1
    return 6 if f.limit > 1000 else 3 if f.path.endswith("reason") else 2


def _write_field_row(ws, st: _Styles, row0: int, f: Field, lists, widths: list[float],
                     extra: list[tuple[str, Any]]) -> None:
    """Label in A, the input in B, then ``extra`` (text, format) cells to the right."""
    label = f.label + (" *" if f.required else "")
    ws.write_string(row0, 0, label, st.required if f.required else st.label)
    ws.write_blank(row0, 1, None, st.input(f))
    ws.data_validation(row0, 1, row0, 1, _validation(f, lists, f"B{row0 + 1}"))
    for k, (text, style) in enumerate(extra, start=2):
        ws.write_string(row0, k, text, style)
    _fit_row(ws, row0, [(label, widths[0])] + [(t, widths[k]) for k, (t, _) in enumerate(extra, 2)],
             minimum=_text_lines(f))


def _write_long_text_row(ws, st: _Styles, row0: int, f: Field, lists, widths: list[float]) -> None:
    """A paragraph of free text (the notes): the input spans the columns from B to the
    help's, and the label in A carries the help, so that a paragraph can be read in place."""
    label = f"{f.label}\n\n{f.help}"
    ws.write_string(row0, 0, label, st.label)
    ws.merge_range(row0, 1, row0, 4, "", st.input(f))
    ws.data_validation(row0, 1, row0, 1, _validation(f, lists, f"B{row0 + 1}"))
    ws.write_string(row0, 5, f.path, st.code)
    _fit_row(ws, row0, [(label, widths[0])], minimum=10)


def _col(letter: str) -> int:
    return ord(letter) - ord("A")


def _write_table(ws, st: _Styles, table: Table, lists) -> None:
    for col, f in table.columns:
        c = _col(col)
        ws.write_string(table.header_row - 1, c, f.label + (f" ({f.unit})" if f.unit in (
            "years", "car-km") else ""), st.heading)
        for r in range(table.first_row - 1, table.last_row):
            ws.write_blank(r, c, None, st.input(f))
        ws.data_validation(table.first_row - 1, c, table.last_row - 1, c,
                           _validation(f, lists, f"{col}{table.first_row}"))


def _block_title(ws, st: _Styles, row1: int, last_col: int, title: str, intro: str,
                 widths: list[float]) -> None:
    """A block's title bar on 1-based ``row1`` and its introduction on the row below."""
    ws.merge_range(row1 - 1, 0, row1 - 1, last_col, title, st.section)
    ws.set_row(row1 - 1, 18)
    ws.merge_range(row1, 0, row1, last_col, intro, st.intro)
    _fit_row(ws, row1, [(intro, sum(widths[:last_col + 1]))])


def _table_help(ws, st: _Styles, table: Table, col: int, notes: dict[str, str]) -> None:
    """The help of every column of ``table``, merged down column ``col`` beside it."""
    helps = "\n\n".join(f"{f.label}: {f.help.format(**notes)}" for _, f in table.columns if f.help)
    ws.write_string(table.header_row - 1, col, "Help", st.heading)
    ws.merge_range(table.first_row - 1, col, table.last_row - 1, col, helps, st.note)


def _row_labels(ws, st: _Styles, table: Table, word: str) -> None:
    """'Renewal 1', 'Renewal 2'... in column A beside a table whose inputs start in B."""
    ws.write_string(table.header_row - 1, 0, "", st.heading)
    for k in range(table.rows):
        ws.write_string(table.first_row - 1 + k, 0, f"{word} {k + 1}", st.label)


# -- sheets ---------------------------------------------------------------------

INSTRUCTION_BLOCKS: list[tuple[str, list[str]]] = [
    ("What this workbook is", [
        "It collects the facts about one low-carbon infrastructure project that the combined "
        "authority needs to appraise it by HM Treasury's Green Book: costs by year, funding, "
        "operation, the change in energy use, other benefits, jobs and readiness to start. "
        "The authority reads it with its appraisal tool, which checks every entry and "
        "computes the economic case (net present social value, benefit-cost ratio), the "
        "financial case, carbon saved and jobs. You do not need to compute any of these."]),
    ("How to fill it in", [
        "Fill in the yellow cells on the sheets 'Project', 'Capex and funding', 'Energy' and "
        "'Other benefits' (and 'Benefit profiles' if a benefit or the car travel removed varies "
        "by year). Entries marked * are required.",
        "Each row has a unit, an example and help. Leave a yellow cell empty when you have no "
        "figure: the help says what the appraisal uses instead (usually a published default).",
        "Type values, not formulas: cells holding a formula are refused when the workbook is "
        "read. If you work the figures out elsewhere, copy them and paste values only.",
        "On 'Energy' fill in only one of the blocks A, B and C: A (change in use of each fuel) "
        "if you know it, otherwise the heat pump calculator (B) or the EV charging calculator "
        "(C). Block D, the prices you pay, is optional whichever you use.",
        "'Capex and funding' also takes what would be spent anyway, parts renewed during "
        "operation and, for a project mixing kinds of work, the shares of each project type.",
        "Say how you built your figures under 'Notes' on 'Project': the appraisal officer reads "
        "them with the figures.",
        "One project per workbook. Keep the sheets and their names as they are, and save as an "
        "Excel Workbook (.xlsx), not .xlsm, .xls or .ods. Name the file after the project ID."]),
    ("Units", [
        "Money: pounds (£), all at the prices of one year, the 'price year' on 'Project' (real "
        "terms: do not add inflation year by year). Capital spend before optimism bias. "
        "Type 1200000, or with units: 1.2m, £30k or GBP 1.2m.",
        "Years: calendar years such as 2027 (not financial years such as 2027/28).",
        "Energy: the change in use a year once the project operates, in kWh for electricity, "
        "gas, heating oil and LPG, and in litres for petrol and diesel; negative when less is "
        "used. Larger units are read too: 300 MWh, 0.3 GWh, 1.2m kWh, 1,200 litres.",
        "Shares and rates: percentages. 70 and 70% both mean 70%. A number below 1 such as 0.7 "
        "is read as 70% and the import says so (type 0.7% if you mean 0.7%); a share over 100% "
        "is refused."]),
]


def _instructions(wb, st: _Styles, pack: AssumptionPack, contact: str | None) -> None:
    ws = wb.add_worksheet(L.INSTRUCTIONS)
    widths = [4, 110]
    _set_widths(ws, widths)
    ws.set_row(0, 26)
    ws.write(0, 0, TITLE, st.title)
    send_to = contact or "the officer of the combined authority who sent you this workbook"
    blocks = INSTRUCTION_BLOCKS + [("When you have finished", [
        f"Save the workbook and send it to {send_to}. Keep a copy: you may be asked about "
        "your figures, and the authority may send back a list of cells to correct."])]
    row = 2
    for heading, paragraphs in blocks:
        ws.merge_range(row, 0, row, 1, heading, st.section)
        ws.set_row(row, 18)
        row += 1
        for k, text in enumerate(paragraphs, 1):
            if len(paragraphs) > 1:
                ws.write_string(row, 0, f"{k}.", st.bold)
            ws.write_string(row, 1, text, st.intro)
            _fit_row(ws, row, [(text, widths[1])])
            row += 1
        row += 1
    ws.merge_range(row, 0, row, 1, "Colour key", st.section)
    ws.set_row(row + 1, 18)
    ws.set_row(row + 2, 18)
    ws.write_blank(row + 1, 0, None, st.key_input)
    ws.write_string(row + 1, 1, "Yellow cells: your entries (the only cells you can change).",
                    st.intro)
    ws.write_blank(row + 2, 0, None, st.key_label)
    grey = ("Grey cells: labels, units, examples and help, protected against accidental "
            "edits (without a password). Anything typed outside the yellow cells is not read: "
            "the import lists it as a problem to correct.")
    ws.write_string(row + 2, 1, grey, st.intro)
    _fit_row(ws, row + 2, [(grey, widths[1])])
    about = (f"Template '{L.TEMPLATE_KIND}' version {L.TEMPLATE_VERSION}. Lists and defaults from "
             f"the assumption pack '{pack.name}' ({pack.id}, {pack.vintage}).")
    ws.write_string(row + 4, 1, about, st.code)
    _page(ws, landscape=False)
    _protect(ws)
    ws.activate()


def _project(wb, st: _Styles, pack: AssumptionPack, lists, notes: dict[str, str]) -> None:
    ws = wb.add_worksheet(L.PROJECT)
    widths = [34, 30, 16, 26, 62, 26]
    _set_widths(ws, widths)
    _title(ws, st, "Project details", "One row per item. Type your entry in the yellow cell; "
           "grey cells are protected. * marks a required entry. The last column gives the "
           "field name the appraisal tool uses in its messages.", 4, widths)
    header = L.PROJECT_HEADER_ROW - 1
    for c, text in enumerate(L.PROJECT_COLUMNS):
        ws.write_string(header, c, text, st.heading)
    lo, hi = pack.deflator_years
    for row, item in L.PROJECT_ROWS:
        if isinstance(item, str):
            ws.merge_range(row - 1, 0, row - 1, len(L.PROJECT_COLUMNS) - 1, item, st.section)
            ws.set_row(row - 1, 18)
            continue
        item = replace(item, help=item.help.format(**notes))
        if item.path == "price_year":   # amounts must be at prices of a year the deflator covers
            item = replace(item, lo=lo, hi=hi)
        if item.limit > 1000:
            _write_long_text_row(ws, st, row - 1, item, lists, widths)
            continue
        _write_field_row(ws, st, row - 1, item, lists, widths,
                         [(item.unit, st.note), (item.example, st.note), (item.help, st.note),
                          (item.path, st.code)])
    ws.freeze_panes(L.PROJECT_HEADER_ROW, 0)
    _page(ws, header_rows=(header, header))
    _protect(ws)


def _capex(wb, st: _Styles, lists, notes: dict[str, str]) -> None:
    ws = wb.add_worksheet(L.CAPEX)
    t, rn, ob = L.CAPEX_TABLE, L.RENEWALS_TABLE, L.OB_TYPES_TABLE
    widths = [14, 30, 26, 28, 3, 60]
    _set_widths(ws, widths)
    _title(ws, st, "Capital spend and public funding by year",
           "One row per calendar year with capital spend, in £ at the prices of the price year "
           "on 'Project'. Include spend already made: the appraisal shows it as sunk.", 5, widths)
    _price_year_note(ws, st, 2, 5)
    _write_table(ws, st, t, lists)
    _table_help(ws, st, t, 5, notes)
    total = t.last_row                                  # 0-based index of the row after the table
    ws.write_string(total, 0, "Total", st.total)
    for col in "BCD":
        ws.write_formula(total, _col(col), f"=SUM({col}{t.first_row}:{col}{t.last_row})",
                         st.total, 0)

    _block_title(ws, st, rn.header_row - 2, 5, "Renewals during operation (optional)",
                 "Parts replaced during the operating lifetime, e.g. batteries, inverters or "
                 "charger units. The cost falls every so many years from the first year of "
                 "operation up to the last, and counts as capital spend (optimism bias, jobs, "
                 "public share).", widths)
    _row_labels(ws, st, rn, "Renewal")
    _write_table(ws, st, rn, lists)
    _table_help(ws, st, rn, 5, notes)

    _block_title(ws, st, ob.header_row - 2, 5, "Project types for optimism bias (optional)",
                 "Only for a project that mixes kinds of work, e.g. 60% standard civil "
                 "engineering and 40% equipment and development: the shares must add up to "
                 "100%. Otherwise leave this empty and choose one type on 'Project' (or none: "
                 "the category's type).", widths)
    _row_labels(ws, st, ob, "Type")
    _write_table(ws, st, ob, lists)
    _table_help(ws, st, ob, 5, notes)
    ws.freeze_panes(t.header_row, 0)
    _page(ws, header_rows=(t.header_row - 1, t.header_row - 1))
    _protect(ws)


def _calculator_default(calculator: str, f: Field, pack: AssumptionPack) -> str:
    """What the calculator uses for an empty input, from the pack's calculator_defaults."""
    d = pack.calculator_defaults.get(calculator, {})
    if f.path == "displaced_fuel":   # the calculators' own default: the first fuel listed
        return L.fuel_name(HEATING_FUELS[0] if calculator == "heat_pumps" else VEHICLE_FUELS[0])
    per_fuel = {"displaced_efficiency": ("efficiency_{}", HEATING_FUELS, "{:.0%}"),
                "ice_litres_per_km": ("{}_litres_per_km", VEHICLE_FUELS, "{:g}")}
    if f.path in per_fuel:
        key, fuels, shown = per_fuel[f.path]
        groups: dict[str, list[str]] = {}
        for fuel in fuels:
            if key.format(fuel) in d:
                groups.setdefault(shown.format(d[key.format(fuel)][0]), []).append(
                    L.fuel_name(fuel).lower() if fuel != "lpg" else "LPG")
        return "; ".join(f"{v} ({', '.join(fs)})" for v, fs in groups.items()) or "none: required"
    if f.path in d:
        value = d[f.path][0]
        return f"{value:.0%}" if f.kind == "fraction" else f"{value:,.10g}"
    return "none: required"


def _energy(wb, st: _Styles, pack: AssumptionPack, lists, notes: dict[str, str]) -> None:
    ws = wb.add_worksheet(L.ENERGY)
    widths = [38, 20, 22, 26, 56]
    _set_widths(ws, widths)
    _title(ws, st, "Energy: the change in energy use a year",
           "Fill in ONE of the blocks A, B and C. A: the change in use of each fuel, if you know "
           "it. B or C: the inputs of a calculator, which works the fuel changes out for a heat "
           "pump or an EV charging project; an empty input takes the value shown beside it. "
           "D, the prices you pay, is optional whichever block you fill in.", 4, widths)
    t = L.ENERGY_TABLE
    ws.merge_range(L.ENERGY_BLOCK_A_ROW - 1, 0, L.ENERGY_BLOCK_A_ROW - 1, 4,
                   "A. Change in use of each fuel", st.section)
    ws.merge_range(L.ENERGY_BLOCK_A_ROW, 0, L.ENERGY_BLOCK_A_ROW, 4,
                   "If you know the project's effect on each fuel, e.g. from an energy survey or "
                   "a business case.", st.intro)
    _write_table(ws, st, t, lists)
    ws.merge_range(t.header_row - 1, 2, t.header_row - 1, 4, "Help", st.heading)
    help_a = (t.columns[1][1].help + " Give one row per fuel, the change in a full year of "
              "operation, e.g. a gas boiler replaced by a heat pump: natural gas -4,000,000 kWh "
              "and grid electricity 1,214,000 kWh. Larger units are read too: -4 GWh, "
              "1,214 MWh, -540,000 litres.")
    ws.merge_range(t.first_row - 1, 2, t.last_row - 1, 4, help_a, st.note)
    blocks = (("B. Heat pump calculator", "For heat pumps replacing boilers or heaters.",
               "heat_pumps", L.HEAT_PUMP_FIELDS, L.HEAT_PUMP_FIRST_ROW),
              ("C. EV charging calculator", "For public chargers whose electricity replaces "
               "petrol or diesel car journeys; it assumes every km charged replaces one driven in "
               "a petrol or diesel car.", "ev_charging", L.EV_FIELDS, L.EV_FIRST_ROW))
    for title, intro, calculator, fields, first in blocks:
        ws.merge_range(first - 4, 0, first - 4, 4, title, st.section)
        ws.merge_range(first - 3, 0, first - 3, 4, intro, st.intro)
        for c, text in enumerate(L.CALCULATOR_COLUMNS):
            ws.write_string(first - 2, c, text, st.heading)
        for k, f in enumerate(fields):
            _write_field_row(ws, st, first - 1 + k, f, lists, widths,
                             [(f.unit, st.note), (_calculator_default(calculator, f, pack), st.note),
                              (f.help, st.note)])
    tt = L.TARIFFS_TABLE
    _block_title(ws, st, L.TARIFF_BLOCK_ROW, 4, "D. Prices you pay for energy (optional)",
                 "For the financial case when the energy bill savings go to the promoter (see "
                 "'Project'): your own prices, e.g. a fleet's bulk diesel or a contract for "
                 "electricity. Empty: the assumption pack's retail prices for the sector.", widths)
    _write_table(ws, st, tt, lists)
    ws.merge_range(tt.header_row - 1, 2, tt.header_row - 1, 4, "Help", st.heading)
    help_d = (tt.field("tariff").help + " One row per fuel, in £ per unit of the fuel as the "
              "list shows it (kWh or litre), e.g. diesel £1.36 a litre, electricity £0.24 a kWh.")
    ws.merge_range(tt.first_row - 1, 2, tt.last_row - 1, 4, help_d, st.note)
    ws.freeze_panes(2, 0)
    _page(ws)
    _protect(ws)


def _benefits(wb, st: _Styles, lists, notes: dict[str, str]) -> None:
    ws = wb.add_worksheet(L.BENEFITS)
    t = L.BENEFITS_TABLE
    widths = [46, 16, 20, 16, 22, 3, 60]
    _set_widths(ws, widths)
    _title(ws, st, "Other benefits",
           "Benefits other than carbon and energy savings (the tool values those itself), one row "
           "each, in £ at the prices of the price year on 'Project'. Give an amount a year for "
           "every year of operation, or leave it empty and give the amounts by year on "
           "'Benefit profiles'.", 4, widths)
    _price_year_note(ws, st, 2, 4)
    _write_table(ws, st, t, lists)
    link = _col(L.BENEFIT_PROFILE_LINK_COLUMN)
    ws.write_string(t.header_row - 1, link, "Profile by year", st.heading)
    p = L.PROFILES_TABLE
    for k, col in enumerate(L.PROFILE_COLUMNS):
        rng = f"'{L.PROFILES}'!{col}{p.first_row}:{col}{p.last_row}"
        ws.write_formula(t.first_row - 1 + k, link,
                         f'=IF(COUNT({rng})>0,"on \'{L.PROFILES}\'","")', st.note, "")
    _table_help(ws, st, t, len(widths) - 1, notes)
    ws.freeze_panes(t.header_row, 0)
    _page(ws, header_rows=(t.header_row - 1, t.header_row - 1))
    _protect(ws)


def _profiles(wb, st: _Styles, lists) -> None:
    ws = wb.add_worksheet(L.PROFILES)
    t, b = L.PROFILES_TABLE, L.BENEFITS_TABLE
    widths = [12] + [17] * len(L.PROFILE_COLUMNS) + [19]
    _set_widths(ws, widths)
    _title(ws, st, "Benefit profiles and car travel by year (optional)",
           "For a benefit whose amount changes from year to year (e.g. use building up), give "
           "its amount in each calendar year in the column of its row on 'Other benefits', and "
           "leave its 'Amount a year' empty. Likewise the car-km removed in the last column, "
           "instead of the figure a year on 'Project'. A profile applies in exactly the years "
           "listed.", len(widths) - 1, widths)
    _write_table(ws, st, t, lists)
    # The heading row shows "Benefit n"; the row above it the benefit's label.
    for k, col in enumerate(L.PROFILE_COLUMNS):
        c = _col(col)
        ws.write_string(t.header_row - 2, c, f"Benefit {k + 1}", st.heading)
        label = f"'{L.BENEFITS}'!A{b.first_row + k}"
        ws.write_formula(t.header_row - 1, c, f'=IF({label}="","(row {k + 1} empty)",{label})',
                         st.heading, f"(row {k + 1} empty)")
    car_km = _col(L.CAR_KM_COLUMN)
    ws.write_string(t.header_row - 2, car_km, "Car travel removed", st.heading)
    ws.write_string(t.header_row - 1, car_km, "car-km in the year", st.heading)
    ws.write_string(t.header_row - 2, 0, "Year", st.heading)
    ws.write_string(t.header_row - 1, 0, "", st.heading)
    ws.set_row(t.header_row - 1, 3 * POINTS_PER_LINE + 3)     # labels of up to three lines
    ws.freeze_panes(t.header_row, 1)
    _page(ws, header_rows=(t.header_row - 2, t.header_row - 1))
    _protect(ws)


def _lists(wb, st: _Styles, pack: AssumptionPack, lists) -> None:
    ws = wb.add_worksheet(L.LISTS)
    ws.write_string(0, 0, L.TEMPLATE_KIND)        # the marker the importer looks for
    ws.write_number(0, 1, L.TEMPLATE_VERSION)
    ws.write_string(0, 2, pack.id)
    ws.write_string(0, 3, pack.vintage)
    for k, name in enumerate(L.LIST_ORDER):
        ws.write_string(L.LISTS_HEADER_ROW - 1, 2 * k, name, st.bold)
        ws.write_string(L.LISTS_HEADER_ROW - 1, 2 * k + 1, "code", st.bold)
        for r, (shown, code) in enumerate(lists[name], start=L.LISTS_HEADER_ROW):
            ws.write_string(r, 2 * k, shown)
            ws.write_string(r, 2 * k + 1, str(code))
    ws.hide()
    _protect(ws)


def template_bytes(pack: AssumptionPack, *, contact: str | None = None) -> bytes:
    """The blank submission workbook (.xlsx) as bytes; lists and defaults from ``pack``."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    wb.worksheet_class = SafeTextWorksheet   # every text cell escaped (pack labels, contact)
    wb.set_properties({"title": TITLE, "subject": "Project submission for a Green Book appraisal",
                       "comments": f"{L.TEMPLATE_KIND} version {L.TEMPLATE_VERSION}"})
    st = _Styles(wb)
    lists = L.choice_lists(pack)
    notes = L.pack_notes(pack)
    _instructions(wb, st, pack, contact)
    _project(wb, st, pack, lists, notes)
    _capex(wb, st, lists, notes)
    _energy(wb, st, pack, lists, notes)
    _benefits(wb, st, lists, notes)
    _profiles(wb, st, lists)
    _lists(wb, st, pack, lists)
    wb.close()
    return buf.getvalue()
