"""Cell formats, addresses and safe writing shared by the workbook's sheets."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..atomic import xlsx_temp_dir
from ..escaping import header_footer_text, sheet_name_text
from ..xlsx_text import SafeTextWorksheet, document_properties  # noqa: F401 - used by the sheets

MONEY = '£#,##0;[Red]-£#,##0'
MONEY_P = '£#,##0.00;[Red]-£#,##0.00'
RATIO = '0.00'
PCT = '0.0%'
PCT2 = '0.00%'
NUM0 = '#,##0;[Red]-#,##0'
NUM1 = '#,##0.0;[Red]-#,##0.0'
NUM2 = '#,##0.00'
NUM5 = '0.00000'
FACTOR = '0.000000'
YEAR = '0'

INPUT_FILL = "#FFF2CC"     # pale yellow: cells a user may change
INPUT_FONT = "#1F3FBF"     # blue text for inputs (finance convention)
HEADER_FILL = "#1F4E79"
TITLE_FONT = "#1F4E79"
NOTE_FONT = "#7F6000"
FLAG_FILL = "#FCE4D6"      # pack rows that are not official (FORMAT.md 4: quality label)
FLAG_FONT = "#9C0006"


PAPER_A4 = 9               # XlsxWriter's paper code for A4
MARGINS_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}   # inches
HEADER_FOOTER_CHARS = 100  # user text cut to this in a header or footer (Excel: 255 in all)


@dataclass(frozen=True)
class PageContext:
    """What every printed page of the workbook says in its header and footer, so a
    loose page can be traced: the portfolio, the assumption pack and the export date."""

    portfolio: str
    pack: str            # "id (vintage)"
    date: str            # the export date, ISO

    def header(self) -> str:
        name = self.portfolio if len(self.portfolio) <= HEADER_FOOTER_CHARS \
            else self.portfolio[:HEADER_FOOTER_CHARS - 1] + "…"
        return f"&L{header_footer_text(name)}&R&A"

    def footer(self) -> str:
        return (f"&LAssumptions {header_footer_text(self.pack[:HEADER_FOOTER_CHARS // 2])}; exported "
                f"{header_footer_text(self.date)}&RPage &P of &N")


def page_setup(ws, page: "PageContext | None", *, landscape: bool,
               repeat_rows: tuple[int, int] | None = None,
               repeat_columns: tuple[int, int] | None = None, pages_wide: int = 1,
               pages_tall: int = 0, scale: int | None = None) -> None:
    """The one print set-up of every sheet: A4, an orientation, margins, the header
    rows repeated on each page, fitted to ``pages_wide`` pages across (as many down
    as needed unless ``pages_tall``) or printed at ``scale`` per cent, and a header and footer naming the portfolio, the sheet, the pack,
    the export date and the page (n of m)."""
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**MARGINS_IN)
    if scale is None:
        ws.fit_to_pages(pages_wide, pages_tall)
    else:   # a fixed scale where manual page breaks must hold (a fit to pages overrides them)
        ws.set_print_scale(scale)
    if repeat_rows is not None:
        ws.repeat_rows(*repeat_rows)
    if repeat_columns is not None:
        ws.repeat_columns(*repeat_columns)
    if page is not None:
        ws.set_header(page.header())
        ws.set_footer(page.footer())


def _array_text(values) -> str:
    return "{" + ",".join('"' + str(v).replace('"', '""') + '"' for v in values) + "}"


def label_formula(ref: str, labels: Mapping[str, str], suffix: str = "") -> str:
    """A formula (with '=') showing the label of the code in ``ref``: the code itself
    when it has no label, nothing when the cell is empty; it follows an edited code.
    ``suffix`` is text after the label."""
    codes, words = _array_text(labels), _array_text(labels.values())
    tail = "&" + _array_text([suffix])[1:-1] if suffix else ""
    return f'=IF({ref}="","",IFERROR(INDEX({words},MATCH({ref},{codes},0)),{ref}){tail})'


class Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, wb, page: PageContext | None = None) -> None:
        self.wb = wb
        self.page = page     # the header and footer of every printed page
        self._cache: dict[tuple, Any] = {}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": TITLE_FONT})
        self.subtitle = wb.add_format({"bold": True, "font_size": 11, "font_color": TITLE_FONT})
        self.header = wb.add_format({"bold": True, "font_color": "white", "bg_color": HEADER_FILL,
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.label = wb.add_format({"text_wrap": False})
        self.unit = wb.add_format({"indent": 1})
        self.bold = wb.add_format({"bold": True})
        self.text = wb.add_format({})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.note = wb.add_format({"italic": True, "font_color": NOTE_FONT, "text_wrap": False})
        self.flag = wb.add_format({"bg_color": FLAG_FILL, "text_wrap": False})
        self.flag_label = wb.add_format({"bg_color": FLAG_FILL, "font_color": FLAG_FONT,
                                         "bold": True, "text_wrap": False})
        self.warn = wb.add_format({"font_color": "#9C0006", "text_wrap": False})
        self.warn_wrap = wb.add_format({"font_color": "#9C0006", "text_wrap": True, "valign": "top"})

    def num(self, fmt: str, *, input: bool = False, bold: bool = False, total: bool = False,
            flag: bool = False, align: str | None = None):
        key = (fmt, input, bold, total, flag, align)
        if key not in self._cache:
            spec: dict[str, Any] = {"num_format": fmt}
            if align:
                spec["align"] = align
            if flag:
                spec["bg_color"] = FLAG_FILL
            if input:
                spec.update({"bg_color": INPUT_FILL, "font_color": INPUT_FONT, "border": 1,
                             "border_color": "#BFBFBF", "locked": False})
            if bold or total:
                spec["bold"] = True
            if total:
                spec["top"] = 1
            self._cache[key] = self.wb.add_format(spec)
        return self._cache[key]

    def input_text(self):
        return self.num("@", input=True)

    def text_cell(self, *, flag: bool = False):
        """Plain text, shaded when the pack row it belongs to is not official."""
        return self.flag if flag else self.text


def cell(row: int, col: int, *, absolute: bool = True) -> str:
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


def col_range(col: int, first_row: int, last_row: int, *, absolute: bool = True) -> str:
    c = xl_col_to_name(col, col_abs=absolute)
    d = "$" if absolute else ""
    return f"{c}{d}{first_row + 1}:{c}{d}{last_row + 1}"


def sheet_ref(sheet: str, ref: str) -> str:
    return f"'{sheet.replace(chr(39), chr(39) * 2)}'!{ref}"


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(ids: list[str], reserved: tuple[str, ...]) -> list[str]:
    """A valid, unique worksheet name for each project id (Excel: 31 characters,
    none of []:*?/\\, not starting or ending with an apostrophe, unique ignoring case)."""
    taken = {r.lower() for r in reserved}
    out = []
    for i, pid in enumerate(ids, 1):
        base = _BAD_SHEET_CHARS.sub("_", sheet_name_text(pid)).strip().strip("'") or f"Project {i}"
        if base.lower() in ("history",):
            base = f"{base}_"
        name = base[:31]
        n = 2
        while name.lower() in taken:
            suffix = f" ({n})"
            name = base[:31 - len(suffix)] + suffix
            n += 1
        taken.add(name.lower())
        out.append(name)
    return out


def cached(v: Any) -> Any:
    """A formula's cached value: numbers as they are, undefined as empty text."""
    if v is None:
        return ""
    if isinstance(v, (bool,)):
        return int(v)
    if isinstance(v, float) and not math.isfinite(v):
        return ""
    return v


def yes_no(v: bool) -> str:
    """How the workbook writes a flag a user can edit."""
    return "Yes" if v else "No"


def write_text(ws, row: int, col: int, text: Any, fmt=None) -> None:
    """Write text a user typed as text, never as a formula or a link.

    The workbook's worksheets (:class:`FastFormulaWorksheet`) pass every
    string cell through :func:`appraisal.io.escaping.safe_text`, whichever
    XlsxWriter call writes it."""
    ws.write_string(row, col, "" if text is None else str(text), fmt)


# XlsxWriter prefixes Excel's dynamic-array functions (FILTER, XLOOKUP...) with
# "_xlfn." by trying some thirty regular expressions on every formula; the
# appraisal workbook has some 2,000 formulas a project and none of those
# functions, so one search tells whether the expansion is needed at all.
_DYNAMIC = re.compile(r"\b(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|"
                      r"HSTACK|LAMBDA|MAKEARRAY|MAP|RANDARRAY|REDUCE|SCAN|SINGLE|SEQUENCE|SORT|"
                      r"SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE|VSTACK|WRAPCOLS|WRAPROWS|"
                      r"XLOOKUP)\(")


class FastFormulaWorksheet(SafeTextWorksheet):
    def _prepare_formula(self, formula, expand_future_functions=False):
        if self.use_future_functions or expand_future_functions or _DYNAMIC.search(formula):
            return super()._prepare_formula(formula, expand_future_functions)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


def new_workbook(path: str) -> "xlsxwriter.Workbook":
    """An XlsxWriter workbook that writes user text as text (never a formula or a
    link) and prepares formulas quickly."""
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                    "strings_to_numbers": False, "nan_inf_to_errors": False,
                                    "tmpdir": xlsx_temp_dir()})
    wb.worksheet_class = FastFormulaWorksheet
    return wb


def pack_label(pack_id: str, vintage: str) -> str:
    """'id (vintage)' for a page header or footer, escaped for it."""
    return f"{header_footer_text(pack_id, 60)} ({header_footer_text(vintage, 30)})"
