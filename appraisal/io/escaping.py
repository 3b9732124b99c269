"""Text as it leaves the application: CSV cells, workbook cells, page headers, the terminal.

Anything a promoter typed (IDs, names, notes) and anything a pack says (its id,
vintage, sources) reaches a spreadsheet or a terminal through these functions,
so that no text can run as a formula, corrupt a workbook, or drive a terminal.

The choices (OWASP "CSV injection" guidance):

- Text whose first character other than spaces is ``= + - @`` (a leading tab,
  carriage return or line feed is a space by then) gets a leading apostrophe, in CSV
  cells and in workbook cells alike. In a CSV file the apostrophe is what stops
  a spreadsheet from running it; in a workbook the cell is text already, but the
  same text would run as a formula if a user edited the cell or saved the sheet
  as CSV, and one rule for both writers is easier to trust. Numbers are never
  text here, so a negative number keeps its sign.
- Control characters (C0, C1, DEL: Word's Shift+Enter puts U+000B in a cell)
  and characters XML cannot hold (lone surrogates, U+FFFE, U+FFFF) make an
  .xlsx file that Excel calls corrupt: a line break becomes a space in
  one-line fields and ``\\n`` in multi-line ones (notes), anything else a space,
  and unpaired surrogates the replacement character U+FFFD.
"""
from __future__ import annotations

import re
from typing import Any

from ..core.errors import elide

__all__ = ["clean_text", "elide", "header_footer_text", "looks_like_formula", "message_text",
           "no_negative_zero", "safe_text", "sheet_name_text", "terminal_text", "unescaped_text"]

FORMULA_START = "=+-@"
_FORMULA_CHARS = frozenset(FORMULA_START)
_LEADING_BREAKS = frozenset("\t\r\n")
REPLACEMENT = "\ufffd"

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# C0 (tab, CR, LF included), DEL and C1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
# other two-character escapes; 8-bit CSI (U+009B) is a C1 control, removed after
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?")
# bidirectional overrides and isolates reorder what a terminal shows ("Trojan source")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# a minus before a figure of zeros only ("-0.00", "-£0", "£-0", "-0.0%", "-0 tCO2e")
_NEGATIVE_ZERO = re.compile(r"^(\s*[£$€]?)-([£$€]?)([.,]*0[0.,]*)(?![\d.,])")


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """``value`` as text with no control characters and nothing XML refuses.

    Line breaks become ``\\n`` when ``multiline`` (notes, warnings), a space
    otherwise; every other control character becomes a space.
    """
    text = "" if value is None else str(value)
    if text.isprintable():   # the usual case, and fast: no control, surrogate or separator
        return text
    text = _NOT_XML.sub(REPLACEMENT, text)
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text)
    if multiline:
        return "\n".join(_CONTROL.sub(" ", line) for line in text.split("\n"))
    return _CONTROL.sub(" ", text)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula: it starts with
    a tab or a line break, or with ``= + - @`` after any spaces (spaces before
    the sign do not stop every spreadsheet)."""
    first = text[:1]
    if first in _FORMULA_CHARS or first in _LEADING_BREAKS:
        return True
    return first == " " and text.lstrip(" \t\r\n")[:1] in _FORMULA_CHARS


def safe_text(value: Any, *, multiline: bool = False) -> str:
    """Text for a CSV cell or a workbook text cell: clean (:func:`clean_text`) and
    never read as a formula (a leading apostrophe when it would be)."""
    text = clean_text(value, multiline=multiline)
    # decided on the text as written (a leading tab is a space by now), and past any
    # apostrophes of its own, so that :func:`unescaped_text` undoes exactly this
    if looks_like_formula(text.lstrip("'")):
        return "'" + text
    return text


def unescaped_text(text: str) -> str:
    """``text`` read back from a cell :func:`safe_text` wrote: without the apostrophe
    it added, and only that one (a name of its own beginning with an apostrophe keeps
    it), so that export then import gives the text exported."""
    if text.startswith("'") and looks_like_formula(text[1:].lstrip("'")):
        return text[1:]
    return text


def _header_escape(text: str) -> str:
    # XlsxWriter counts "&G" even after "&&" and then drops the header: a
    # zero-width space between keeps the text as shown and Excel's meaning
    return text.replace("&", "&&").replace("&&G", "&&\u200bG")


def header_footer_text(value: Any, limit: int = 60) -> str:
    """Text for an Excel page header or footer: clean, every ``&`` doubled
    (``&G`` would otherwise be read as a picture code and drop the header),
    and at most ``limit`` characters once escaped (Excel allows 255 for a
    whole header), cut with "…"."""
    text = clean_text(value)
    out = _header_escape(text)
    if len(out) <= limit:
        return out
    keep = limit - 1
    while keep > 0 and len(_header_escape(text[:keep])) > limit - 1:
        keep -= 1
    return _header_escape(text[:keep]) + "…"


def terminal_text(value: Any) -> str:
    """Text for the terminal: no escape sequences, control characters or
    direction overrides, so a name can neither recolour, move the cursor nor
    reorder what is shown; unpaired surrogates (which cannot be encoded)
    become U+FFFD."""
    text = _ANSI.sub("", "" if value is None else str(value))
    return _BIDI.sub("", clean_text(text))


def message_text(value: Any, limit: int = 2000) -> str:
    """A message for the terminal: :func:`terminal_text`, cut to about ``limit``
    characters (a one-megabyte ID must not fill the screen)."""
    return terminal_text(elide(str(value), limit))


def sheet_name_text(value: Any) -> str:
    """Text for a worksheet name: clean; the characters Excel forbids in names
    are handled by the caller (:func:`appraisal.io.workbook.layout.sheet_names`)."""
    return clean_text(value).replace(REPLACEMENT, "_")


def no_negative_zero(text: str) -> str:
    """A formatted number without the sign of a value that rounds to zero
    ("-0.00" becomes "0.00", "-£0" "£0", "-0.0%" "0.0%")."""
    return _NEGATIVE_ZERO.sub(r"\1\2\3", text)
