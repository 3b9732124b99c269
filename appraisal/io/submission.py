"""Project submission workbooks: the template promoters fill in, and reading them back.

:func:`write_template` writes the blank workbook (one project each);
:func:`import_workbooks` reads filled ones into FORMAT.md project objects and
reports every problem with the file, sheet, cell and field it concerns. Each
workbook is untrusted input: it is checked by :mod:`appraisal.io.xlsx_guard`
before openpyxl opens it, read only at the template's own cells, and checked
by :func:`appraisal.core.parse_portfolio` like any portfolio. A bad workbook
never stops the others from being read.

Entries typed as text are read by :mod:`appraisal.core.quantities`, the one
reader of amounts with units and of percentages; an entry read one way that
could have meant another (a share typed as 0.7) is a warning, not a problem.
A workbook is read by the layout of its own template version
(:mod:`appraisal.io.submission_layout`), so older workbooks still import.
"""
from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable

from ..core.errors import InputError, Problem
from ..core.pack import AssumptionPack
from ..core.portfolio import FORMAT_NAME, FORMAT_VERSION, Portfolio, parse_portfolio
from ..core.quantities import format_percent, parse_amount, parse_share, share_of_cell
from . import submission_layout as L
from .portfolio_file import atomic_write_bytes
from .submission_layout import Field
from .submission_template import template_bytes
from .xlsx_guard import read_checked_xlsx, require_safe_xml

WORKBOOK_SUFFIXES = (".xlsx",)
# other spreadsheets found in a folder are read too, to be refused with a reason, not skipped
OTHER_SPREADSHEET_SUFFIXES = (".xlsm", ".xls", ".xlsb", ".ods", ".xltm", ".xltx")

__all__ = ["ImportReport", "WorkbookImport", "add_to_portfolio", "describe_problem",
           "import_workbooks", "template_bytes", "write_template"]


def write_template(path: str | Path, pack: AssumptionPack, *, contact: str | None = None) -> None:
    """Write the blank submission workbook to ``path`` (atomically).

    ``contact`` is who promoters send it back to, as shown on 'Instructions'.
    """
    atomic_write_bytes(path, template_bytes(pack, contact=contact))


@dataclass(frozen=True)
class WorkbookImport:
    """One workbook read: its project (FORMAT.md shape) unless unreadable, its problems,
    and its warnings (entries read one way that could have meant another, e.g. a share
    typed as 0.7: they do not stop the project from being imported)."""

    file: str
    project: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.project is not None and not self.problems


@dataclass
class ImportReport:
    """What :func:`import_workbooks` read: every workbook, in the order read."""

    workbooks: list[WorkbookImport] = field(default_factory=list)
    strict: bool = False

    @property
    def problems(self) -> list[Problem]:
        return [p for w in self.workbooks for p in w.problems]

    @property
    def warnings(self) -> list[Problem]:
        """Entries read one way that could have meant another (the cell and both readings);
        they do not stop a project from being imported."""
        return [p for w in self.workbooks for p in w.warnings]

    def kept(self) -> list[WorkbookImport]:
        """The workbooks whose projects are kept: those without problems, or none under
        ``strict`` when any workbook has a problem."""
        if self.strict and self.problems:
            return []
        return [w for w in self.workbooks if w.ok]

    @property
    def projects(self) -> list[dict[str, Any]]:
        return [w.project for w in self.kept() if w.project is not None]


def describe_problem(p: Problem) -> str:
    """``file: sheet 'X', cell C5, field 'capex.2021': message``."""
    where = ", ".join(part for part in (
        f"sheet {p.sheet!r}" if p.sheet else "", f"cell {p.cell}" if p.cell else "",
        f"project {p.project}" if p.project and not p.sheet else "",
        f"field {p.field!r}" if p.field else "") if part)
    return ": ".join(part for part in (p.file or "", where, p.message) if part)


# -- reading ----------------------------------------------------------------

def workbook_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read: each file given, and every .xlsx in each folder given (sorted).

    Other spreadsheet files in a folder (.xlsm, .xls, ...) are listed too, so
    that they are refused with a reason rather than skipped unseen; Excel's
    "~$" lock files and hidden files are skipped.
    """
    out: list[Path] = []
    problems: list[Problem] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file()
                           and f.suffix.lower() in WORKBOOK_SUFFIXES + OTHER_SPREADSHEET_SUFFIXES
                           and not f.name.startswith(("~$", ".")))
            if not found:
                problems.append(Problem("is a folder with no .xlsx workbooks in it", file=str(p)))
            out += found
        elif not p.exists():
            problems.append(Problem("does not exist", file=str(p)))
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, problems


class ImportCancelled(Exception):
    """The user cancelled an import; nothing was added anywhere."""


def import_workbooks(paths: Iterable[str | Path], pack: AssumptionPack, *,
                     strict: bool = False, progress=None, cancelled=None) -> ImportReport:
    """Read filled submission workbooks (files, or folders of .xlsx files).

    Parameters
    ----------
    paths : files or folders
    pack : AssumptionPack
        Categories, fuels and calculator defaults are checked against it.
    strict : bool
        When any workbook has a problem, :attr:`ImportReport.projects` is empty.
    progress : callable(done, total), optional
        Called after each workbook (for a progress bar).
    cancelled : callable() -> bool, optional
        Polled before each workbook; True stops the import with
        :class:`ImportCancelled`.

    Returns
    -------
    ImportReport
        Per workbook its project (FORMAT.md section 1 object) and problems,
        each problem naming the file, sheet, cell and field. Two workbooks
        with one project ID are a problem of the later one.
    """
    require_safe_xml()
    files, problems = workbook_paths(paths)
    report = ImportReport([WorkbookImport(p.file or "", None, (p,)) for p in problems], strict)
    owner: dict[str, str] = {}
    for n, path in enumerate(files):
        if cancelled is not None and cancelled():
            raise ImportCancelled()
        result = _import_one(path, pack)
        if progress is not None:
            progress(n + 1, len(files))
        pid = (result.project or {}).get("id")
        if isinstance(pid, str) and pid:
            if pid in owner:
                result = replace(result, problems=result.problems + (Problem(
                    f"the project ID {pid!r} is also used by {owner[pid]}; each project needs "
                    "its own ID", file=result.file, project=pid, field="id", sheet=L.PROJECT,
                    cell=L.PROJECT_CELLS["id"]),))
            else:
                owner[pid] = result.file
        report.workbooks.append(result)
    return report


def new_projects(projects: Iterable[Any], report: ImportReport) -> tuple[list[dict[str, Any]],
                                                                          list[Problem]]:
    """The report's projects whose IDs are not among ``projects`` (nor an earlier
    one of the report), and a problem for each one refused.

    The one rule for an imported ID that is taken: the command line
    (:func:`add_to_portfolio`) and the window's import both apply it.
    """
    have = {p.get("id") for p in projects if isinstance(p, dict)}
    kept, problems = [], []
    for book in report.kept():
        project = book.project or {}
        pid = project.get("id")
        if pid in have:
            problems.append(Problem(f"the portfolio already has a project with ID {pid!r}; give "
                                    "this one another ID, or remove the old one first",
                                    file=book.file, project=pid, field="id",
                                    sheet=L.PROJECT, cell=L.PROJECT_CELLS["id"]))
            continue
        kept.append(project)
        have.add(pid)
    return kept, problems


def add_to_portfolio(portfolio: Portfolio, report: ImportReport) -> tuple[int, list[Problem]]:
    """Append the report's projects to ``portfolio``, refusing IDs it already has
    (:func:`new_projects`).

    Returns the number added and a problem per project refused.
    """
    added, problems = new_projects(portfolio.projects, report)
    portfolio.projects.extend(added)
    return len(added), problems


def _import_one(path: Path, pack: AssumptionPack) -> WorkbookImport:
    file = str(path)
    try:
        data = read_checked_xlsx(path)
        cells = _read_cells(data, file)
    except InputError as exc:
        return WorkbookImport(file, None, tuple(exc.problems))
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file must not stop the others
        return WorkbookImport(file, None, (Problem(_unreadable(exc), file=file),))
    version = cells.pop(_VERSION)
    # structural problems (missing sheets, values outside the entry cells) are listed
    # with the entries' own problems, all in one pass
    structural = cells.pop(_MISSING) + _stray_cells(cells, version, pack, file)
    reader = _ProjectReader(cells, file, pack, version)
    if not any(reader.filled(sheet, c) for sheet, cs in L.input_cells(version).items()
               for c in cs):
        return WorkbookImport(file, None, tuple(structural) + (Problem(
            "has no entries: it is a blank template. Fill in the yellow cells", file=file),))
    project = reader.project()
    return WorkbookImport(file, project, tuple(structural) + tuple(reader.problems),
                          tuple(reader.warnings))


def _unreadable(exc: BaseException) -> str:
    chain = exc
    while chain is not None:
        if type(chain).__module__.startswith("defusedxml"):
            return ("cannot be read: it contains XML that is refused (entity or DTD "
                    "declarations); save it again from Excel as .xlsx")
        chain = chain.__cause__ or chain.__context__  # type: ignore[assignment]
    if isinstance(exc, MemoryError):
        return "cannot be read: it needs more memory than a submission workbook may take"
    return f"cannot be read as an Excel workbook ({type(exc).__name__}: {str(exc)[:100]})"


@dataclass(frozen=True)
class _Cell:
    value: Any
    data_type: str           # openpyxl's: "n", "s", "b", "d", "f" (formula), "e" (error)
    percent: bool = False    # formatted as a percentage: a share's fraction is the value itself


_EMPTY = _Cell(None, "n")
_VERSION = "\0version"      # the template version, kept beside the sheets by _read_cells
_MISSING = "\0missing"      # problems of missing sheets, kept beside the sheets


def _read_cells(data: bytes, file: str) -> dict[str, Any]:
    """Every filled cell of the input sheets (value, data type, percentage format), sheet
    by sheet, the template version under ``_VERSION``, and under ``_MISSING`` the
    problems of sheets that are missing (reported with the rest, not alone).

    Every cell is read, wherever it is: a sheet's stated size can be wrong (it is
    reset and the rows themselves are read), and a cell outside the template's
    entry cells is the importer's to report (:func:`_stray_cells`), never silently
    left out. One pass with ``data_only=False``: a cell holding a formula then
    shows as type "f" (refused where an entry belongs), and every other cell has
    the same value it would have with ``data_only=True``.
    """
    import openpyxl
    missing: list[Problem] = []
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (extensions, styles);
        # only the cells are read, so the warnings say nothing to the user.
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                    keep_links=False, keep_vba=False)
        try:
            out: dict[str, Any] = {_VERSION: _check_marker(wb, file)}
            for name in L.INPUT_SHEETS:
                if name not in wb.sheetnames:
                    missing.append(Problem(f"the sheet {name!r} is missing; keep the template's "
                                           "sheets and their names as they are", file=file,
                                           sheet=name))
                    out[name] = {}
                    continue
                out[name] = _sheet_cells(wb[name], file, name)
            missing += _other_sheets(wb, file)
        finally:
            wb.close()
    out[_MISSING] = missing
    return out


def _sheet_cells(ws: Any, file: str, name: str) -> dict[str, _Cell]:
    """Every filled cell of one sheet; a sheet far larger than the template is refused."""
    rows, cols = ws.max_row or 0, ws.max_column or 0
    if rows > L.MAX_SHEET_ROWS or cols > L.MAX_SHEET_COLUMNS:
        raise InputError([_too_large(file, name, rows, cols)])
    ws.reset_dimensions()     # the stated size may hide cells beyond it: read the rows
    sheet: dict[str, _Cell] = {}
    for row in ws.iter_rows(min_row=1):
        for c in row:
            if c.value is None or not hasattr(c, "coordinate"):
                continue
            if c.row > L.MAX_SHEET_ROWS or c.column > L.MAX_SHEET_COLUMNS:
                raise InputError([_too_large(file, name, c.row, c.column)])
            sheet[c.coordinate] = _Cell(c.value, c.data_type, "%" in str(c.number_format or ""))
    return sheet


def _other_sheets(wb: Any, file: str) -> list[Problem]:
    """A problem for each sheet the template does not have that holds anything: its
    entries would not be read (a promoter's own working sheet is fine when empty)."""
    known = set(L.INPUT_SHEETS) | {L.INSTRUCTIONS, L.LISTS}
    problems = []
    for name in wb.sheetnames:
        if name in known or not hasattr(wb[name], "iter_rows"):   # a chart sheet holds no cells
            continue
        cells = _sheet_cells(wb[name], file, name)
        if cells:
            first = min(cells, key=lambda c: (_split_cell(c)[1], _column_number(_split_cell(c)[0])))
            problems.append(Problem(
                f"the sheet {name[:40]!r} is not one of the template's, and its {len(cells):,} "
                "filled cell(s) would not be read: move the entries into the template's sheets",
                file=file, sheet=name[:40], cell=first))
    return problems


def _too_large(file: str, sheet: str, rows: int, cols: int) -> Problem:
    return Problem(f"the sheet reaches row {rows:,} and column {cols:,}, far beyond the "
                   f"template's (about row {_READ_ROWS}, column {_READ_COLUMNS}); copy your "
                   "entries into a fresh template", file=file, sheet=sheet)


# The blank template's own cells (labels, headings, help, totals) for a pack: what a
# cell outside the entry cells may hold. Made once per pack (by identity) and kept.
_BLANK_CELLS: dict[int, tuple[AssumptionPack, dict[str, dict[str, _Cell]]]] = {}


def _blank_template_cells(pack: AssumptionPack) -> dict[str, dict[str, _Cell]]:
    kept = _BLANK_CELLS.get(id(pack))
    if kept is None or kept[0] is not pack:
        cells = _read_cells(template_bytes(pack), "template")
        kept = (pack, {name: cells[name] for name in L.INPUT_SHEETS})
        _BLANK_CELLS.clear()          # one pack at a time is enough; do not grow
        _BLANK_CELLS[id(pack)] = kept
    return kept[1]


def _is_entry(value: Any) -> bool:
    """A value a person types as an entry (a number, a date, TRUE/FALSE), not a label."""
    return not isinstance(value, str)


def _stray_cells(cells: dict[str, dict[str, _Cell]], version: int, pack: AssumptionPack,
                 file: str) -> list[Problem]:
    """A problem for every filled cell outside the template's entry cells that the blank
    template does not hold there: a 16th capex row, a 7th fuel, a 9th benefit, an amount
    typed beside the table. The importer reads only the entry cells, so such a value
    would otherwise be lost without a word; the sheets' protection only guards against
    accidental edits and is never relied on.

    For the current template version the blank template (made with ``pack``) says what
    each other cell holds; a label whose words differ (another pack's help) is not a
    problem, but an entry (a number, a date, a formula) where the template has none is.
    A workbook of an older version is held to the entries rule alone.
    """
    entry = {sheet: set(cs) for sheet, cs in L.input_cells(version).items()}
    blank = _blank_template_cells(pack) if version == L.TEMPLATE_VERSION else None
    problems = []
    for sheet in L.INPUT_SHEETS:
        for coordinate, c in cells.get(sheet, {}).items():
            if coordinate in entry[sheet] or (isinstance(c.value, str) and not c.value.strip()):
                continue
            if blank is not None:
                own = blank[sheet].get(coordinate)
                if own is not None and (own.data_type == c.data_type == "f"
                                        or (not _is_entry(own.value) and not _is_entry(c.value)
                                            and c.data_type != "f")):
                    continue     # the template's own label or formula
            elif not _is_entry(c.value) or c.data_type == "f":
                continue         # an older template's label or formula
            problems.append(Problem(
                f"holds {_shown(c)} outside the template's entry cells, so it would not be "
                "read: move it into the yellow entry cells (a table has a fixed number of "
                "rows; put what does not fit in the notes, or ask the appraisal officer)",
                file=file, sheet=sheet, cell=coordinate))
    return problems


def _shown(c: _Cell) -> str:
    if c.data_type == "f":
        return f"a formula ({str(c.value)[:30]})"
    if isinstance(c.value, str):
        return repr(c.value.strip()[:30])
    if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) \
            and float(c.value).is_integer() and abs(c.value) < 1e15:
        return f"{c.value:,.0f}"
    return str(c.value)[:30]


def _check_marker(wb: Any, file: str) -> int:
    """The template version of a workbook whose marker is sound (else InputError)."""
    kind = version = None
    if L.LISTS in wb.sheetnames:
        for row in wb[L.LISTS].iter_rows(min_row=1, max_row=1, max_col=2, values_only=True):
            kind, version = (tuple(row) + (None, None))[:2]
    if kind != L.TEMPLATE_KIND:
        raise InputError([Problem(
            "is not a project submission workbook: the template's marker is missing. Fill in a "
            "template made with 'appraisal template' (do not copy its sheets into another "
            "workbook)", file=file)])
    if isinstance(version, bool) or not isinstance(version, (int, float)) or version < 1 \
            or not float(version).is_integer():
        raise InputError([Problem("is a submission workbook with a damaged version marker",
                                  file=file, sheet=L.LISTS, cell="B1")])
    if version > L.TEMPLATE_VERSION:
        raise InputError([Problem(
            f"was made from submission template version {version:g}; this application reads "
            f"versions up to {L.TEMPLATE_VERSION}. Please update the application", file=file)])
    if int(version) not in L.READABLE_VERSIONS:
        raise InputError([Problem(
            f"was made from submission template version {version:g}, which this application no "
            f"longer reads; copy the entries into a new template ('appraisal template')",
            file=file)])
    return int(version)


def _column_number(letters: str) -> int:
    """'A' -> 1, 'J' -> 10, 'AA' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n


def _split_cell(cell: str) -> tuple[str, int]:
    letters = cell.rstrip("0123456789")
    return letters, int(cell[len(letters):])


# The current template's cells include every older version's (see submission_layout).
_ALL_CELLS = [c for cs in L.input_cells().values() for c in cs]
_READ_ROWS = max(_split_cell(c)[1] for c in _ALL_CELLS)
_READ_COLUMNS = max((_split_cell(c)[0] for c in _ALL_CELLS), key=_column_number)


# -- cell values to FORMAT.md values ---------------------------------------------

def _choice_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold().removeprefix("+")


class _ProjectReader:
    """Reads one workbook's cells into a FORMAT.md project, recording problems by cell.

    ``where`` maps each FORMAT.md path read to its (sheet, cell), so that the
    problems :func:`parse_portfolio` reports by field can be placed too.
    ``version`` is the workbook's template version: its cells are read by that
    version's layout.
    """

    def __init__(self, cells: dict[str, dict[str, _Cell]], file: str, pack: AssumptionPack,
                 version: int = L.TEMPLATE_VERSION) -> None:
        self.cells, self.file, self.pack, self.version = cells, file, pack, version
        self.lists = L.choice_lists(pack)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.where: dict[str, tuple[str, str]] = {}
        self.reported: set[str] = set()
        self.pid: str | None = None

    def bad(self, path: str, message: str, sheet: str, cell: str) -> None:
        self.reported.add(path)
        self.problems.append(Problem(message, file=self.file, project=self.pid, field=path,
                                     sheet=sheet, cell=cell))

    def warn(self, path: str, message: str, sheet: str, cell: str) -> None:
        self.warnings.append(Problem(message, file=self.file, project=self.pid, field=path,
                                     sheet=sheet, cell=cell))

    def table(self, table: L.Table) -> L.Table | None:
        """``table`` as this workbook's template version lays it out (None: not in it)."""
        return table.of_version(self.version)

    def filled(self, sheet: str, cell: str) -> bool:
        value = self.cells.get(sheet, {}).get(cell, _EMPTY).value
        return value is not None and not (isinstance(value, str) and not value.strip())

    def row_filled(self, table: L.Table, k: int) -> bool:
        return any(self.filled(table.sheet, table.cell(f.path, k)) for _, f in table.columns)

    def get(self, sheet: str, cell: str, f: Field, path: str, unit: str | None = None) -> Any:
        """The cell's entry as a FORMAT.md value; None when empty or wrong (then reported).
        ``unit`` overrides the unit a number typed as text is read in."""
        self.where.setdefault(path, (sheet, cell))
        c = self.cells.get(sheet, {}).get(cell, _EMPTY)
        if c.data_type == "f":
            self.bad(path, f"holds a formula ({str(c.value)[:40]}); type the value itself (copy "
                           "the cell, then paste values only)", sheet, cell)
            return None
        if c.data_type == "e":
            self.bad(path, f"holds the error value {str(c.value)[:20]}; type the value itself",
                     sheet, cell)
            return None
        if c.value is None or (isinstance(c.value, str) and not c.value.strip()):
            return None
        try:
            if f.kind == "fraction":
                return self._share(c, f, path, sheet, cell)
            return self._convert(c.value, f, unit or f.amount_unit)
        except ValueError as exc:
            self.bad(path, str(exc), sheet, cell)
            return None

    def _share(self, c: _Cell, f: Field, path: str, sheet: str, cell: str) -> float:
        """A share by the one rule of :mod:`appraisal.core.quantities`: text as
        :func:`parse_share` reads it; a percentage-formatted cell holds the fraction
        itself; a plain number is per cent (70 is 70%). A number below 1 that is not
        formatted as a percentage could mean either: it is read as the fraction, with a
        warning giving both readings."""
        v = c.value
        if isinstance(v, bool) or isinstance(v, (datetime, date, time, timedelta)):
            raise ValueError("must be a percentage such as 70%")
        if isinstance(v, str):
            reading = parse_share(v)
            assert reading is not None            # empty text was dealt with by get()
            x, typed, other = reading.value, repr(v.strip()[:30]), reading.alternative
            ambiguous = reading.ambiguous
        elif not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError("must be a percentage such as 70%")
        elif c.percent:
            x, typed, other, ambiguous = float(v), "", None, False
        else:
            # share_of_cell: 1 to 100 is per cent; past 100 too, as parse_share reads it
            x = share_of_cell(v) if abs(v) <= 100 else v / 100.0
            typed, other, ambiguous = f"{v:g}", v / 100.0, 0 < abs(v) <= 1
        if ambiguous and other is not None:
            self.warn(path, f"{typed} is read as {format_percent(x)}; if you meant "
                            f"{format_percent(other)}, type {format_percent(other)}", sheet, cell)
        if f.lo is not None and x < f.lo:
            raise ValueError(f"{format_percent(x)} is less than {format_percent(f.lo)}")
        if f.hi is not None and x > f.hi:
            raise ValueError(f"{format_percent(x)} is more than {format_percent(f.hi)}")
        return x

    def _convert(self, value: Any, f: Field, unit: str) -> Any:
        if f.kind == "text":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
            if len(text) > f.limit:
                raise ValueError(f"is {len(text):,} characters long; at most {f.limit:,} are "
                                 "allowed")
            return text
        if f.kind == "choice":
            options = self.lists[f.choices or ""]
            text = _choice_text(value)
            for shown, code in options:
                if text in (shown.casefold(), str(code).casefold()):
                    return code
            raise ValueError(f"{str(value)[:40]!r} is not in the list (one of "
                             f"{', '.join(s for s, _ in options)})")
        if f.kind == "yesno":
            if isinstance(value, bool):
                return value
            text = str(value).strip().casefold()
            if text in ("yes", "y", "true"):
                return True
            if text in ("no", "n", "false"):
                return False
            raise ValueError(f"must be Yes or No, not {str(value)[:30]!r}")
        return self._number(value, f, unit)

    @staticmethod
    def _number(value: Any, f: Field, unit: str) -> float | int:
        """A number, or an amount typed as text with its unit (parse_amount)."""
        if isinstance(value, bool):
            raise ValueError("must be a number, not TRUE/FALSE")
        if isinstance(value, (datetime, date, time, timedelta)):
            raise ValueError("is a date or time; type a plain number" +
                             (" such as 2027" if f.kind == "year" else ""))
        if isinstance(value, str):
            try:
                x: float | int | None = parse_amount(
                    value, "number" if f.kind in ("year", "whole") else unit)
            except ValueError as exc:
                hint = (" (give the calendar year, e.g. 2027, not a financial year)"
                        if f.kind == "year" and "/" in value else "")
                raise ValueError(f"{exc}{hint}") from None
            assert x is not None                    # empty text was dealt with by get()
        elif isinstance(value, (int, float)):
            x = value
            if not math.isfinite(x):
                raise ValueError("must be a finite number")
        else:
            raise ValueError(f"must be a number, not {type(value).__name__}")
        if f.kind in ("year", "whole"):
            if not float(x).is_integer():
                raise ValueError(f"must be a whole number{' (a calendar year)' if f.kind == 'year' else ''}, "
                                 f"not {x:g}")
            return int(x)
        return x

    # -- parts of the project -------------------------------------------------
    def project(self) -> dict[str, Any]:
        p: dict[str, Any] = {}
        cells = L.project_cells(self.version)
        for _, f in L.project_rows(self.version):
            if not isinstance(f, Field):
                continue
            value = self.get(L.PROJECT, cells[f.path], f, f.path)
            if f.path == "id" and isinstance(value, str) and value:
                self.pid = value   # the first field read: every problem can name the project
            head, _, tail = f.path.partition(".")
            if tail:
                p.setdefault(head, {})[tail] = value
            else:
                p[f.path] = value
        p["capex"], p["public_funding"], p["counterfactual_capex"] = self.capex()
        self.energy(p)
        p["tariffs"] = self.tariffs()
        p["other_benefits"] = self.benefits()
        p["renewals"] = self.renewals()
        self.car_km_by_year(p, cells)
        self.ob_types(p, cells)
        project = {k: p[k] for k in _V1_ORDER if k in p}
        project.update((k, p[k]) for k in _V2_ORDER if p.get(k) not in (None, {}, []))
        self.validate(project)
        return project

    def year_column(self, table: L.Table, path: str) -> dict[int, int]:
        """Row k -> year for table rows with any entry; reports missing and repeated years."""
        years: dict[int, int] = {}
        first: dict[int, str] = {}
        year_field = table.field("year")
        for k in range(table.rows):
            cell = table.cell("year", k)
            if not self.row_filled(table, k):
                continue
            y = self.get(table.sheet, cell, year_field, path)
            if y is None:
                if not self.filled(table.sheet, cell):   # else get() has said what is wrong
                    self.bad(path, "the year is missing for the amounts in this row", table.sheet,
                             cell)
                continue
            if y in first:
                self.bad(path, f"the year {y} appears twice (also in cell {first[y]})",
                         table.sheet, cell)
                continue
            first[y] = cell
            years[k] = y
        return years

    def capex(self) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
        """Capital spend, public funding and (v2) what would be spent anyway, by year."""
        t = self.table(L.CAPEX_TABLE)
        assert t is not None
        keys = [f.path for _, f in t.columns if f.path != "year"]
        maps: dict[str, dict[str, Any]] = {key: {} for key in keys}
        for k, year in self.year_column(t, "capex").items():
            for key in keys:
                value = self.get(t.sheet, t.cell(key, k), t.field(key), f"{key}.{year}")
                if value is not None:
                    maps[key][str(year)] = value
        for key in keys:
            self.where.setdefault(key, (t.sheet, t.cell(key, 0)))
        return (maps["capex"], maps["public_funding"] or None,
                maps.get("counterfactual_capex") or None)

    def energy(self, p: dict[str, Any]) -> None:
        t = L.ENERGY_TABLE
        changes = []
        for k in range(t.rows):
            if not self.row_filled(t, k):
                continue
            j = len(changes)
            self.where[f"energy_changes[{j}]"] = (t.sheet, t.cell("fuel", k))
            fuel = self.get(t.sheet, t.cell("fuel", k), t.field("fuel"),
                            f"energy_changes[{j}].fuel")
            path = f"energy_changes[{j}].quantity_per_year"
            changes.append({"fuel": fuel, "quantity_per_year": self.get(
                t.sheet, t.cell("quantity_per_year", k), t.field("quantity_per_year"), path,
                unit=self.pack.fuel_units.get(fuel or "", "number"))})
        blocks = []
        for kind, fields, first in L.CALCULATORS:
            cells = {f.path: f"B{first + k}" for k, f in enumerate(fields)}
            if any(self.filled(L.ENERGY, c) for c in cells.values()):
                blocks.append((kind, fields, cells))
        self.where["energy_changes"] = (t.sheet, t.cell("fuel", 0))
        if changes and blocks or len(blocks) > 1:
            names = (["A (change in use of each fuel)"] if changes else []) + [
                "B (heat pump calculator)" if kind == "heat_pumps" else "C (EV charging calculator)"
                for kind, _, _ in blocks]
            kind, _, cells = blocks[-1]
            self.bad("calculator", f"fill in only one of the blocks; {' and '.join(names)} "
                                   "are filled in", L.ENERGY, next(iter(cells.values())))
        if blocks and not changes:
            kind, fields, cells = blocks[0]
            self.where["calculator"] = self.where["calculator.type"] = (L.ENERGY, cells[fields[0].path])
            calc: dict[str, Any] = {"type": kind}
            for f in fields:
                value = self.get(L.ENERGY, cells[f.path], f, f"calculator.{f.path}")
                if value is not None:
                    calc[f.path] = value
            p["calculator"] = calc
        else:
            p["energy_changes"] = changes

    def keyed_rows(self, table: L.Table, key: str, value: str, path: str,
                   missing: str) -> dict[Any, Any]:
        """A table of (choice, amount) rows as a mapping: fuel -> tariff, type -> share.
        A row with only one of the two, or a choice given twice, is a problem of its cell."""
        out: dict[Any, Any] = {}
        first: dict[Any, str] = {}
        before = len(self.problems)
        for k in range(table.rows):
            if not self.row_filled(table, k):
                continue
            key_cell, value_cell = table.cell(key, k), table.cell(value, k)
            code = self.get(table.sheet, key_cell, table.field(key), path)
            if code is None:
                if not self.filled(table.sheet, key_cell):
                    self.bad(path, f"choose the {table.field(key).label.lower()} of this row",
                             table.sheet, key_cell)
                continue
            if code in first:
                self.bad(f"{path}.{code}", f"is given twice (also in cell {first[code]})",
                         table.sheet, key_cell)
                continue
            first[code] = key_cell
            amount = self.get(table.sheet, value_cell, table.field(value), f"{path}.{code}")
            if amount is None:
                if not self.filled(table.sheet, value_cell):
                    self.bad(f"{path}.{code}", missing, table.sheet, value_cell)
                continue
            out[code] = amount
        if first:     # a problem of the whole mapping (shares adding up to 90%) is placed here
            self.where[path] = (table.sheet, next(iter(first.values())))
        if len(self.problems) > before:   # the rows' own problems say it; not "add up to 70%"
            self.reported.add(path)
        return out

    def tariffs(self) -> dict[str, float] | None:
        t = self.table(L.TARIFFS_TABLE)
        if t is None:
            return None
        return self.keyed_rows(t, "fuel", "tariff", "tariffs",
                               "the price is missing for this fuel") or None

    def renewals(self) -> list[dict[str, Any]] | None:
        t = self.table(L.RENEWALS_TABLE)
        if t is None:
            return None
        out = []
        for k in range(t.rows):
            if not self.row_filled(t, k):
                continue
            path = f"renewals[{len(out)}]"
            self.where[path] = (t.sheet, t.cell("label", k))
            item = {f.path: self.get(t.sheet, t.cell(f.path, k), f, f"{path}.{f.path}")
                    for _, f in t.columns}
            item["label"] = item["label"] or ""
            out.append(item)
        self.where.setdefault("renewals", (t.sheet, t.cell("label", 0)))
        return out or None

    def car_km_by_year(self, p: dict[str, Any], cells: dict[str, str]) -> None:
        """Car-km removed by year ('Benefit profiles'), in place of the figure a year."""
        pt = self.table(L.PROFILES_TABLE)
        if pt is None or "car_km_removed" not in dict((f.path, c) for c, f in pt.columns):
            return
        f = pt.field("car_km_removed")
        by_year = {}
        for r, year in self.year_column(pt, "other_benefits.profile").items():
            cell = pt.cell("car_km_removed", r)
            if self.filled(pt.sheet, cell):
                value = self.get(pt.sheet, cell, f, f"car_km_removed.{year}")
                if value is not None:
                    by_year[str(year)] = value
        if not by_year and not any(self.filled(pt.sheet, pt.cell("car_km_removed", r))
                                   for r in range(pt.rows)):
            return
        if p.get("car_km_removed") is not None:
            self.bad("car_km_removed", "give the car-km removed either as a figure a year here "
                     "or by year on 'Benefit profiles', not both", L.PROJECT,
                     cells["car_km_removed"])
            return
        self.where["car_km_removed"] = (pt.sheet, pt.cell("car_km_removed", 0))
        p["car_km_removed"] = by_year or None

    def ob_types(self, p: dict[str, Any], cells: dict[str, str]) -> None:
        """Shares of optimism bias project types ('Capex and funding'), in place of one type."""
        t = self.table(L.OB_TYPES_TABLE)
        if t is None:
            return
        shares = self.keyed_rows(t, "type", "share", "ob_project_type",
                                 "the share is missing for this type")
        if not shares:
            return
        if p.get("ob_project_type") is not None:
            self.bad("ob_project_type", "choose one type here or give shares of types on "
                     f"'{L.CAPEX}', not both", L.PROJECT, cells["ob_project_type"])
            return
        p["ob_project_type"] = shares

    def benefits(self) -> list[dict[str, Any]]:
        t, pt = self.table(L.BENEFITS_TABLE), self.table(L.PROFILES_TABLE)
        assert t is not None and pt is not None
        years = self.year_column(pt, "other_benefits.profile")
        out = []
        for k, col in enumerate(L.PROFILE_COLUMNS):
            profile_cells = {y: f"{col}{pt.first_row + r}" for r, y in years.items()
                             if self.filled(pt.sheet, f"{col}{pt.first_row + r}")}
            if not profile_cells and not self.row_filled(t, k):
                continue
            j = len(out)
            path = f"other_benefits[{j}]"
            self.where[path] = (t.sheet, t.cell("per_year", k))
            item: dict[str, Any] = {}
            for _, f in t.columns:
                item[f.path] = self.get(t.sheet, t.cell(f.path, k), f, f"{path}.{f.path}")
            item["label"] = item["label"] or ""
            if item["kind"] is None and f"{path}.kind" not in self.reported:
                self.bad(f"{path}.kind", "choose Economic or Revenue", t.sheet, t.cell("kind", k))
            if item["per_year"] is None:
                del item["per_year"]
            if item.get("discounting", 0) is None:
                del item["discounting"]
            if profile_cells:
                money = pt.columns[1 + k][1]
                item["profile"] = {str(y): self.get(pt.sheet, c, money, f"{path}.profile.{y}")
                                   for y, c in profile_cells.items()}
                self.where[f"{path}.profile"] = (pt.sheet, next(iter(profile_cells.values())))
            out.append(item)
        return out

    def validate(self, project: dict[str, Any]) -> None:
        """Check the project as a portfolio would be checked, placing each problem at its cell."""
        doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "name": "submission",
               "appraisal_year": self.pack.default_price_base_year, "projects": [project]}
        try:
            parse_portfolio(doc, self.pack, file=self.file)
        except InputError as exc:
            for prob in exc.problems:
                path = prob.field or ""
                if path in self.reported or path.rpartition(".")[0] in self.reported:
                    continue   # already said, in the cell's own words
                sheet, cell = self._locate(path)
                self.problems.append(replace(prob, file=self.file, project=self.pid,
                                             sheet=sheet, cell=cell))

    def _locate(self, path: str) -> tuple[str | None, str | None]:
        while path:
            if path in self.where:
                return self.where[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None, None


# The order of a project's fields as imported: version 1's, each present (null when the
# cell is empty), then version 2's and the notes, each only when given.
_V1_ORDER = ("id", "name", "category", "area", "spatial_level", "price_year", "capex",
             "public_funding_share", "public_funding", "opex_per_year", "operating_start",
             "lifetime_years", "energy_changes", "calculator", "other_benefits",
             "bill_savings_to_promoter", "optimism_bias", "ob_mitigation",
             "job_years_per_million", "operational_fte", "additionality", "readiness")
_V2_ORDER = ("energy_sector", "business_case_stage", "promoter_public", "vat_recoverable",
             "counterfactual_capex", "benefit_deadweight", "comfort_taking", "car_km_removed",
             "added_peak_kw", "renewals", "residual_value", "asset_life_years", "ob_project_type",
             "vfm_adjustment", "vfm_adjustment_reason", "tariffs", "notes")
