"""Project submission workbooks: the template promoters fill in, and reading them back.

:func:`write_template` writes the blank workbook (one project each);
:func:`import_workbooks` reads filled ones into FORMAT.md project objects and
reports every problem with the file, sheet, cell and field it concerns. Each
workbook is untrusted input: it is checked by :mod:`appraisal.io.xlsx_guard`
before openpyxl opens it, read only at the template's own cells, and checked
by :func:`appraisal.core.parse_portfolio` like any portfolio. A bad workbook
never stops the others from being read.
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
from . import submission_layout as L
from .portfolio_file import atomic_write_bytes
from .submission_layout import Field
from .submission_template import template_bytes
from .xlsx_guard import read_checked_xlsx, require_safe_xml

WORKBOOK_SUFFIXES = (".xlsx",)
# other spreadsheets found in a folder are read too, to be refused with a reason, not skipped
OTHER_SPREADSHEET_SUFFIXES = (".xlsm", ".xls", ".xlsb", ".ods", ".xltm", ".xltx")
READ_COLUMNS = 9         # the template's inputs are all in columns A to I

__all__ = ["ImportReport", "WorkbookImport", "add_to_portfolio", "describe_problem",
           "import_workbooks", "template_bytes", "write_template"]


def write_template(path: str | Path, pack: AssumptionPack, *, contact: str | None = None) -> None:
    """Write the blank submission workbook to ``path`` (atomically).

    ``contact`` is who promoters send it back to, as shown on 'Instructions'.
    """
    atomic_write_bytes(path, template_bytes(pack, contact=contact))


@dataclass(frozen=True)
class WorkbookImport:
    """One workbook read: its project (FORMAT.md shape) unless unreadable, and its problems."""

    file: str
    project: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()

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


def add_to_portfolio(portfolio: Portfolio, report: ImportReport) -> tuple[int, list[Problem]]:
    """Append the report's projects to ``portfolio``, refusing IDs it already has.

    Returns the number added and a problem per project refused.
    """
    have = {p.get("id") for p in portfolio.projects if isinstance(p, dict)}
    added, problems = 0, []
    for book in report.kept():
        project = book.project or {}
        pid = project.get("id")
        if pid in have:
            problems.append(Problem(f"the portfolio already has a project with ID {pid!r}; give "
                                    "this one another ID, or remove the old one first",
                                    file=book.file, project=pid, field="id",
                                    sheet=L.PROJECT, cell=L.PROJECT_CELLS["id"]))
            continue
        portfolio.projects.append(project)
        have.add(pid)
        added += 1
    return added, problems


def _import_one(path: Path, pack: AssumptionPack) -> WorkbookImport:
    file = str(path)
    try:
        data = read_checked_xlsx(path)
        cells = _read_cells(data, file)
    except InputError as exc:
        return WorkbookImport(file, None, tuple(exc.problems))
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file must not stop the others
        return WorkbookImport(file, None, (Problem(_unreadable(exc), file=file),))
    reader = _ProjectReader(cells, file, pack)
    if not any(reader.filled(sheet, c) for sheet, cs in _INPUT_CELLS.items() for c in cs):
        return WorkbookImport(file, None, (Problem(
            "has no entries: it is a blank template. Fill in the yellow cells", file=file),))
    project = reader.project()
    return WorkbookImport(file, project, tuple(reader.problems))


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


def _read_cells(data: bytes, file: str) -> dict[str, dict[str, tuple[Any, str]]]:
    """Values and data types of the template's cells, sheet by sheet.

    One pass with ``data_only=False``: a cell holding a formula then shows as
    type "f" (refused where an entry belongs), and every other cell has the
    same value it would have with ``data_only=True``.
    """
    import openpyxl
    problems: list[Problem] = []
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (extensions, styles);
        # only the cells are read, so the warnings say nothing to the user.
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                    keep_links=False, keep_vba=False)
        try:
            _check_marker(wb, file)
            out: dict[str, dict[str, tuple[Any, str]]] = {}
            for name in L.INPUT_SHEETS:
                if name not in wb.sheetnames:
                    problems.append(Problem(f"the sheet {name!r} is missing; keep the template's "
                                            "sheets and their names as they are", file=file,
                                            sheet=name))
                    continue
                ws = wb[name]
                rows, cols = ws.max_row or 0, ws.max_column or 0
                if rows > L.MAX_SHEET_ROWS or cols > L.MAX_SHEET_COLUMNS:
                    raise InputError([Problem(
                        f"the sheet reaches row {rows:,} and column {cols:,}, far beyond the "
                        f"template's (about row 50, column I); copy your entries into a fresh "
                        "template", file=file, sheet=name)])
                sheet: dict[str, tuple[Any, str]] = {}
                for row in ws.iter_rows(min_row=1, max_row=_READ_ROWS, max_col=READ_COLUMNS):
                    for c in row:
                        if c.value is not None:
                            sheet[c.coordinate] = (c.value, c.data_type)
                out[name] = sheet
        finally:
            wb.close()
    if problems:
        raise InputError(problems)
    return out


def _check_marker(wb: Any, file: str) -> None:
    kind = version = None
    if L.LISTS in wb.sheetnames:
        for row in wb[L.LISTS].iter_rows(min_row=1, max_row=1, max_col=2, values_only=True):
            kind, version = (tuple(row) + (None, None))[:2]
    if kind != L.TEMPLATE_KIND:
        raise InputError([Problem(
            "is not a project submission workbook: the template's marker is missing. Fill in a "
            "template made with 'appraisal template' (do not copy its sheets into another "
            "workbook)", file=file)])
    if isinstance(version, bool) or not isinstance(version, (int, float)) or version < 1:
        raise InputError([Problem("is a submission workbook with a damaged version marker",
                                  file=file, sheet=L.LISTS, cell="B1")])
    if version > L.TEMPLATE_VERSION:
        raise InputError([Problem(
            f"was made from submission template version {version:g}; this application reads "
            f"version {L.TEMPLATE_VERSION}. Please update the application", file=file)])


_INPUT_CELLS = L.input_cells()
_READ_ROWS = max(int(c.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for cs in _INPUT_CELLS.values()
                 for c in cs)


# -- cell values to FORMAT.md values ---------------------------------------------

def _number_text(text: str, fraction: bool) -> float:
    """A number typed as text: "1,200,000", "£30,000", "70%" (shares only)."""
    t = text.strip().replace(",", "").replace("£", "").replace(" ", "").replace("\u00a0", "")
    scale = 1.0
    if fraction and t.endswith("%"):
        t, scale = t[:-1], 0.01
    if not t or len(t) > 40:
        raise ValueError(text)
    x = float(t) * scale
    if not math.isfinite(x):
        raise ValueError(text)
    return x


class _ProjectReader:
    """Reads one workbook's cells into a FORMAT.md project, recording problems by cell.

    ``where`` maps each FORMAT.md path read to its (sheet, cell), so that the
    problems :func:`parse_portfolio` reports by field can be placed too.
    """

    def __init__(self, cells: dict[str, dict[str, tuple[Any, str]]], file: str,
                 pack: AssumptionPack) -> None:
        self.cells, self.file, self.pack = cells, file, pack
        self.lists = L.choice_lists(pack)
        self.problems: list[Problem] = []
        self.where: dict[str, tuple[str, str]] = {}
        self.reported: set[str] = set()
        self.pid: str | None = None

    def bad(self, path: str, message: str, sheet: str, cell: str) -> None:
        self.reported.add(path)
        self.problems.append(Problem(message, file=self.file, project=self.pid, field=path,
                                     sheet=sheet, cell=cell))

    def filled(self, sheet: str, cell: str) -> bool:
        value, _ = self.cells.get(sheet, {}).get(cell, (None, "n"))
        return value is not None and not (isinstance(value, str) and not value.strip())

    def get(self, sheet: str, cell: str, f: Field, path: str) -> Any:
        """The cell's entry as a FORMAT.md value; None when empty or wrong (then reported)."""
        self.where.setdefault(path, (sheet, cell))
        value, dtype = self.cells.get(sheet, {}).get(cell, (None, "n"))
        if dtype == "f":
            self.bad(path, f"holds a formula ({str(value)[:40]}); type the value itself (copy "
                           "the cell, then paste values only)", sheet, cell)
            return None
        if dtype == "e":
            self.bad(path, f"holds the error value {str(value)[:20]}; type the value itself",
                     sheet, cell)
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self._convert(value, f)
        except ValueError as exc:
            self.bad(path, str(exc), sheet, cell)
            return None

    def _convert(self, value: Any, f: Field) -> Any:
        if f.kind == "text":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()
        if f.kind == "choice":
            options = self.lists[f.choices or ""]
            text = str(value).strip().casefold()
            for shown, code in options:
                if text in (shown.casefold(), code.casefold()):
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
        # numbers
        if isinstance(value, bool):
            raise ValueError("must be a number, not TRUE/FALSE")
        if isinstance(value, (datetime, date, time, timedelta)):
            raise ValueError("is a date or time; type a plain number" +
                             (" such as 2025" if f.kind == "year" else ""))
        if isinstance(value, str):
            try:
                x: float | int = _number_text(value, f.kind == "fraction")
            except ValueError:
                hint = (" (give the calendar year, e.g. 2025, not a financial year)"
                        if f.kind == "year" and "/" in value else "")
                raise ValueError(f"must be a number, not {value.strip()[:30]!r}{hint}") from None
        elif isinstance(value, (int, float)):
            x = value
            if not math.isfinite(x):
                raise ValueError("must be a finite number")
        else:
            raise ValueError(f"must be a number, not {type(value).__name__}")
        if f.kind == "fraction" and f.hi == 1 and 1 < x <= 100:
            # 70 typed for 70% into a cell Excel did not treat as a percentage
            raise ValueError(f"is {x:g}, more than 100%; type a percentage such as {x:g}%")
        if f.kind in ("year", "whole"):
            if not float(x).is_integer():
                raise ValueError(f"must be a whole number{' (a calendar year)' if f.kind == 'year' else ''}, "
                                 f"not {x:g}")
            return int(x)
        return x

    # -- parts of the project -------------------------------------------------
    def project(self) -> dict[str, Any]:
        p: dict[str, Any] = {}
        for row, f in L.PROJECT_ROWS:
            if not isinstance(f, Field):
                continue
            value = self.get(L.PROJECT, L.PROJECT_CELLS[f.path], f, f.path)
            if f.path == "id" and isinstance(value, str) and value:
                self.pid = value   # the first field read: every problem can name the project
            head, _, tail = f.path.partition(".")
            if tail:
                p.setdefault(head, {})[tail] = value
            else:
                p[f.path] = value
        capex, public = self.capex()
        p["capex"] = capex
        p["public_funding"] = public
        self.energy(p)
        p["other_benefits"] = self.benefits()
        order = ["id", "name", "category", "area", "spatial_level", "price_year", "capex",
                 "public_funding_share", "public_funding", "opex_per_year", "operating_start",
                 "lifetime_years", "energy_changes", "calculator", "other_benefits",
                 "bill_savings_to_promoter", "optimism_bias", "ob_mitigation",
                 "job_years_per_million", "operational_fte", "additionality", "readiness"]
        project = {k: p[k] for k in order if k in p}
        self.validate(project)
        return project

    def year_column(self, table: L.Table, path: str) -> dict[int, int]:
        """Row k -> year for table rows with any entry; reports missing and repeated years."""
        years: dict[int, int] = {}
        first: dict[int, str] = {}
        year_field = table.columns[0][1]
        for k in range(table.rows):
            cell = table.cell("year", k)
            if not any(self.filled(table.sheet, table.cell(f.path, k)) for _, f in table.columns):
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

    def capex(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        t = L.CAPEX_TABLE
        capex: dict[str, Any] = {}
        public: dict[str, Any] = {}
        money = {f.path: f for _, f in t.columns}
        for k, year in self.year_column(t, "capex").items():
            for key, out in (("capex", capex), ("public_funding", public)):
                value = self.get(t.sheet, t.cell(key, k), money[key], f"{key}.{year}")
                if value is not None:
                    out[str(year)] = value
        self.where.setdefault("capex", (t.sheet, t.cell("capex", 0)))
        self.where.setdefault("public_funding", (t.sheet, t.cell("public_funding", 0)))
        return capex, (public or None)

    def energy(self, p: dict[str, Any]) -> None:
        t = L.ENERGY_TABLE
        changes = []
        for k in range(t.rows):
            if not any(self.filled(t.sheet, t.cell(f.path, k)) for _, f in t.columns):
                continue
            j = len(changes)
            self.where[f"energy_changes[{j}]"] = (t.sheet, t.cell("fuel", k))
            changes.append({f.path: self.get(t.sheet, t.cell(f.path, k), f,
                                             f"energy_changes[{j}].{f.path}")
                            for _, f in t.columns})
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

    def benefits(self) -> list[dict[str, Any]]:
        t, pt = L.BENEFITS_TABLE, L.PROFILES_TABLE
        years = self.year_column(pt, "other_benefits.profile")
        out = []
        for k, col in enumerate(L.PROFILE_COLUMNS):
            profile_cells = {y: f"{col}{pt.first_row + r}" for r, y in years.items()
                             if self.filled(pt.sheet, f"{col}{pt.first_row + r}")}
            row_cells = [t.cell(f.path, k) for _, f in t.columns]
            if not profile_cells and not any(self.filled(t.sheet, c) for c in row_cells):
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
