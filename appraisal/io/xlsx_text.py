"""XlsxWriter worksheets whose text is always safe (:mod:`appraisal.io.escaping`).

Both workbook writers (the appraisal workbook and the submission template) make
their sheets from :class:`SafeTextWorksheet`, so every string cell, whichever
call writes it, is escaped in one place.
"""
from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from .escaping import clean_text, safe_text


def _keeps_line_breaks(cell_format) -> bool:
    """Wrapped cells (notes, reasons) keep their line breaks; others get one line."""
    return bool(getattr(cell_format, "text_wrap", 0))


class SafeTextWorksheet(Worksheet):
    """A worksheet whose text cells, and the text a formula caches, go through
    :func:`~appraisal.io.escaping.safe_text`: no control character can corrupt
    the file and no text can run as a formula. XlsxWriter's ``write``,
    ``write_string``, ``write_row`` and ``merge_range`` all end in the private
    ``_write_string`` (XlsxWriter 3.x), so escaping there misses none of them."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, safe_text(
            string, multiline=_keeps_line_breaks(cell_format)), cell_format)

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        if isinstance(value, str):
            value = safe_text(value, multiline=_keeps_line_breaks(cell_format))
        return super()._write_formula(row, col, formula, cell_format, value)

    def data_validation(self, *args):
        """A drop-down list offers its choices as the cells show them (escaped alike);
        the options are the last argument in either of XlsxWriter's notations."""
        options = args[-1] if args else None
        if isinstance(options, dict) and isinstance(options.get("source"), (list, tuple)):
            args = (*args[:-1], {**options, "source": [
                safe_text(v) if isinstance(v, str) else v for v in options["source"]]})
        return super().data_validation(*args)

    def _write_array_formula(self, first_row, first_col, last_row, last_col, formula,
                             cell_format=None, value=0, atype="static"):
        if isinstance(value, str):
            value = safe_text(value)
        return super()._write_array_formula(first_row, first_col, last_row, last_col, formula,
                                            cell_format, value, atype)


def document_properties(properties: dict[str, str]) -> dict[str, str]:
    """Workbook properties (title, comments...) without control characters, which
    would corrupt docProps/core.xml."""
    return {k: clean_text(v) for k, v in properties.items()}
