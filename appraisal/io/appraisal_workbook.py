"""Reading an appraisal workbook back: the portfolio rebuilt from its input cells.

An appraisal workbook (:func:`appraisal.io.workbook.export_workbook`) travels
to a finance team, is edited in Excel or LibreOffice, and comes back.
:func:`read_appraisal_workbook` reads the hidden ``_inputs`` sheet that marks
every input cell (:mod:`appraisal.io.workbook.input_register`), refuses the
workbook when a marked cell was deleted or moved (naming the sheet and cell),
reads each input cell, and applies the cells that differ from what was written
to the portfolio document the workbook carries. Nothing else is taken from the
workbook: the results are recomputed by the application, and where the
workbook's own recalculated Summary disagrees with them (a formula was edited)
the report says so, cell by cell.

The file is untrusted: it is checked by :mod:`.xlsx_guard` before openpyxl
parses it, and openpyxl reads XML through defusedxml.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.appraise import appraise_portfolio
from ..core.errors import InputError, Problem
from ..core.pack import AssumptionPack
from ..core.portfolio import Portfolio, parse_portfolio
from .escaping import unescaped_text
from .workbook import SUMMARY, SUMMARY_COLUMNS, SUMMARY_HEADER_ROW
from .workbook import input_register as R
from .xlsx_guard import read_checked_xlsx, require_safe_xml

MAX_PROBLEMS = 30            # structural problems listed before "... and N more"
MONEY_TOLERANCE_GBP = 0.01   # a penny: recalculated money that differs by more is reported
RELATIVE_TOLERANCE = 1e-6    # for ratios, tonnes and jobs
IMPORTED_FROM = "imported_from"   # the portfolio field that keeps the workbook's inputs as exported
_REF = re.compile(r"^=?\s*(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)\s*$")


@dataclass(frozen=True)
class CellChange:
    """An input cell whose value differs from what the export wrote."""

    path: tuple[str, ...]
    where: str            # Sheet!B40
    before: Any           # as written
    after: Any            # as found

    @property
    def field(self) -> str:
        return field_label(self.path)


@dataclass(frozen=True)
class AppraisalWorkbookReport:
    """What reading an appraisal workbook found."""

    file: str
    portfolio_id: str
    method_version: int
    pack_id: str
    pack_vintage: str
    changes: tuple[CellChange, ...]
    base: Portfolio                          # the portfolio as exported
    formula_problems: tuple[Problem, ...] = ()   # recalculated figures that disagree
    notes: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def lines(self) -> list[str]:
        """The report in words, one line each (the command line prints them)."""
        out = [f"{self.file}: appraisal workbook of portfolio {self.portfolio_id} (method version "
               f"{self.method_version}, assumptions {self.pack_id} {self.pack_vintage})"]
        if not self.changes:
            out.append("no input was changed since the export")
        for c in self.changes:
            out.append(f"changed: {c.field} at {c.where}: {_shown(c.before)} -> {_shown(c.after)}")
        out += [f"warning: {p.message}" for p in self.formula_problems]
        out += [f"note: {n}" for n in self.notes]
        return out


def field_label(path: tuple[str, ...]) -> str:
    """``projects[HP-001].capex.2024`` for ``("projects", "HP-001", "capex", "2024")``."""
    if len(path) >= 2 and path[0] == "projects":
        return f"projects[{path[1]}]" + "".join(f".{p}" for p in path[2:])
    return ".".join(path)


def _shown(v: Any) -> str:
    if v is None:
        return "(empty)"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if abs(v) < 10_000:   # years, lifetimes and shares as typed
            return f"{v:g}"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"
    return repr(v)


# ---------------------------------------------------------------------------
# Recognising and opening
# ---------------------------------------------------------------------------

def is_appraisal_workbook(path: str | Path) -> bool:
    """True when ``path`` is an .xlsx workbook with the export's ``_inputs`` sheet
    (a cheap look at the workbook part; nothing is parsed beyond it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 5_000_000:
                return False
            return f'name="{R.SHEET}"'.encode() in archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError):
        return False


def _open(data: bytes, data_only: bool):
    import openpyxl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # features openpyxl drops say nothing about the cells
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only,
                                      keep_links=False, keep_vba=False)


@dataclass
class _Register:
    meta: dict[str, Any]
    document_text: str
    rows: list[tuple[int, list[str], str, str, Any, str]] = field(default_factory=list)
    # (row on _inputs, path, formula found, written at, value written, kind)


def _read_register(wb, file: str) -> _Register:
    if R.SHEET not in wb.sheetnames:
        raise InputError([Problem("is not an appraisal workbook exported by the application (its "
                                  f"hidden sheet {R.SHEET!r} is missing)", file=file)])
    ws = wb[R.SHEET]
    meta: dict[str, Any] = {}
    chunks: list[str] = []
    reg = _Register(meta, "")
    for n, row in enumerate(ws.iter_rows(min_row=1, max_col=R.DOC_COL + 1, values_only=True)):
        row = tuple(row) + (None,) * (R.DOC_COL + 1 - len(row))
        if n < len(R.HEADER_KEYS):
            meta[str(row[0])] = row[1]
        if isinstance(row[R.DOC_COL], str):   # a chunk may begin "-1..": written escaped
            chunks.append(unescaped_text(row[R.DOC_COL]))
        if n >= R.FIRST_CELL_ROW and row[0] is not None:
            try:
                path = json.loads(str(row[0]))
            except ValueError:
                path = None
            if not isinstance(path, list) or not all(isinstance(p, str) for p in path):
                raise InputError([Problem(f"the hidden sheet {R.SHEET!r} is damaged: row {n + 1} "
                                          "does not name a field", file=file, sheet=R.SHEET,
                                          cell=f"A{n + 1}")])
            reg.rows.append((n + 1, path, str(row[1] or ""), str(row[2] or ""), _as_written(row[3]),
                             str(row[4] or "")))
    reg.document_text = "".join(chunks[:int(meta.get("document_chunks") or 0)])
    _check_meta(reg, file)
    return reg


def _check_meta(reg: _Register, file: str) -> None:
    meta = reg.meta

    def damaged(what: str) -> InputError:
        return InputError([Problem(f"the hidden sheet {R.SHEET!r} is damaged or was edited "
                                   f"({what}); export the workbook again from the portfolio",
                                   file=file, sheet=R.SHEET)])
    if meta.get("kind") != R.KIND:
        raise damaged("its marker is missing")
    version = meta.get("register_version")
    if not isinstance(version, (int, float)) or version > R.REGISTER_VERSION:
        raise InputError([Problem("was exported by a newer version of the application; update "
                                  "the application to read it", file=file)])
    if meta.get("cells") != len(reg.rows):
        raise damaged(f"it lists {len(reg.rows)} input cells, not {meta.get('cells')}")
    text_hash = hashlib.sha256(reg.document_text.encode("utf-8")).hexdigest()
    if text_hash != meta.get("document_sha256"):
        raise damaged("the portfolio it carries does not match its checksum")
    stored = R.inputs_hash([(path, value) for _, path, _, _, value, _ in reg.rows])
    if stored != meta.get("inputs_sha256"):
        raise damaged("the values written do not match their checksum")


# ---------------------------------------------------------------------------
# Structure: every marked cell still where it was written
# ---------------------------------------------------------------------------

def _split_where(where: str) -> tuple[str, str]:
    sheet, _, ref = where.rpartition("!")
    return sheet, ref


def _structure_problems(reg: _Register, file: str) -> list[Problem]:
    """Each deleted input cell; the moved ones, one problem per sheet (a deleted or
    inserted row moves every input below it) naming the first."""
    problems: list[Problem] = []
    moved: dict[str, list[Problem]] = {}
    for n, path, formula, where, _, _ in reg.rows:
        sheet, ref = _split_where(where)
        label = field_label(tuple(path))
        if "#REF" in formula.upper():
            problems.append(Problem(
                f"the input cell of {label}, written at {where}, was deleted (a row, column or "
                "sheet holding it was removed); put the workbook's layout back as exported, or "
                "export it again, and make the change in the input cell itself",
                file=file, sheet=sheet, cell=ref, field=label))
            continue
        m = _REF.match(formula)
        if m is None:
            problems.append(Problem(f"the hidden sheet's reference to {where} was changed",
                                    file=file, sheet=R.SHEET, cell=f"B{n}", field=label))
            continue
        now_sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "").strip()
        now = f"{m.group(3)}{m.group(4)}"
        if now_sheet != sheet or now != ref:
            moved.setdefault(sheet, []).append(Problem(
                f"the input cell of {label} was written at {where} and is now at "
                f"{now_sheet}!{now}: rows, columns or a block were inserted, deleted or moved, "
                "or the sheet was renamed; the workbook is refused so that no input is read "
                "from the wrong cell. Undo the move, or export the workbook again",
                file=file, sheet=sheet, cell=ref, field=label))
    for sheet, found in moved.items():
        first = found[0]
        others = (f" ({len(found) - 1} more input cells of this sheet moved with it)"
                  if len(found) > 1 else "")
        problems.append(Problem(first.message + others, file=file, sheet=sheet, cell=first.cell,
                                field=first.field))
    return problems


def _refuse(problems: list[Problem]) -> InputError:
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem(f"... and {more} more cells like these",
                                                      file=problems[0].file)]
    return InputError(problems)


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def _cell_values(wb, wanted: dict[str, set[str]]) -> dict[str, dict[str, tuple[Any, str]]]:
    """The value and openpyxl data type of each wanted cell, by sheet."""
    from openpyxl.utils.cell import coordinate_from_string
    out: dict[str, dict[str, tuple[Any, str]]] = {}
    for sheet, refs in wanted.items():
        found: dict[str, tuple[Any, str]] = {}
        if sheet in wb.sheetnames and refs:
            last = max(coordinate_from_string(r)[1] for r in refs)
            for row in wb[sheet].iter_rows(min_row=1, max_row=last):
                for c in row:
                    coord = getattr(c, "coordinate", None)
                    if coord in refs:
                        found[coord] = (c.value, c.data_type)
        out[sheet] = found
    return out


def _as_written(value: Any) -> Any:
    """A cell's text without the apostrophe the writer put before text that looks like a
    formula (:func:`appraisal.io.escaping.safe_text`): a name "=1+2" comes back "=1+2"."""
    return unescaped_text(value) if isinstance(value, str) else value


def _normal(value: Any) -> Any:
    """A cell's value in the register's terms (numbers as floats, empty text as empty)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return value if value.strip() else None
    return None if value is None else str(value)


def _convert(value: Any, kind: str) -> Any:
    """The JSON value of a changed cell, or ValueError with what is wrong in words."""
    if kind in ("number", "integer"):
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = float(value.replace(",", "").replace("£", "").strip())
            except ValueError:
                raise ValueError(f"must be a number, not the text {value[:40]!r}") from None
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        if kind == "integer":
            if not float(value).is_integer():
                raise ValueError(f"must be a whole number, not {value:g}")
            return int(value)
        return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else float(value)
    if kind == "yesno":
        text = str(value or "").strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0", ""):
            return False
        raise ValueError(f"must be Yes or No, not {str(value)[:40]!r}")
    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    if kind == "choice":
        return text.strip() or None
    return text


# ---------------------------------------------------------------------------
# Applying the changed cells to the carried document
# ---------------------------------------------------------------------------

def _project(doc: dict, pid: str) -> dict:
    for p in doc.get("projects", []):
        if isinstance(p, dict) and str(p.get("id", "")).strip() == pid:
            return p
    raise KeyError(pid)


def _set_map(obj: dict, key: str, year: str, value: Any) -> None:
    m = obj.get(key)
    if not isinstance(m, dict):
        m = {}
    if value is None:
        m.pop(year, None)
    else:
        m[year] = value
    obj[key] = dict(sorted(m.items())) if m or key == "capex" else None


def _apply(doc: dict, path: list[str], value: Any) -> None:
    """Set one field of the document from a changed cell (see input_register's paths)."""
    if path[0] != "projects":   # a portfolio setting, or a field of a block (sign_off.prepared_by)
        target = doc
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = value
        return
    p = _project(doc, path[1])
    name, rest = path[2], path[3:]
    if not rest:
        p[name] = value
    elif name in ("capex", "counterfactual_capex", "public_funding", "car_km_removed"):
        _set_map(p, name, rest[0], value)
    elif name in ("renewals", "other_benefits"):
        item = p[name][int(rest[0])]
        if rest[1] == "profile":
            _set_map(item, "profile", rest[2], value)
        else:
            item[rest[1]] = value
    elif name == "energy_changes":   # one quantity per fuel: the fuel's entries become one
        items = [e for e in p.get("energy_changes") or [] if e.get("fuel") != rest[0]]
        if value:
            items.append({"fuel": rest[0], "quantity_per_year": value})
        p["energy_changes"] = items
    else:   # additionality, readiness, tariffs, ob_project_type shares: a mapping
        found = p.get(name)
        m: dict[str, Any] = found if isinstance(found, dict) else {}
        if value is None and name == "tariffs":
            m.pop(rest[0], None)
        else:
            m[rest[0]] = value
        p[name] = m


def apply_input(doc: dict, path: list[str] | tuple[str, ...], value: Any) -> None:
    """Set one input of a portfolio document as the reader sets a changed cell: the
    window applies the changes a user accepts one at a time with it."""
    _apply(doc, list(path), value)


def _energy_of_calculator(doc: dict, changes: list[CellChange], cells: dict) -> list[str]:
    """A project whose energy changes came from a calculator and were edited: the
    quantities in the cells replace the calculator (said in a note)."""
    notes = []
    for pid in sorted({c.path[1] for c in changes if c.path[:1] == ("projects",)
                       and c.path[2:3] == ("energy_changes",)}):
        p = _project(doc, pid)
        if p.get("calculator") is not None:
            del p["calculator"]
            p["energy_changes"] = [{"fuel": path[3], "quantity_per_year": v}
                                   for path, v in cells.get(pid, []) if v]
            notes.append(f"project {pid}: its energy changes were edited, so they replace its "
                         "calculator inputs")
    return notes


# ---------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------

def read_appraisal_workbook(path: str | Path, pack: AssumptionPack | None = None
                            ) -> tuple[Portfolio, AppraisalWorkbookReport]:
    """Rebuild the portfolio from an appraisal workbook's input cells.

    Parameters
    ----------
    path : the workbook (.xlsx), exported by the application and perhaps edited
    pack : AssumptionPack, optional
        To check the inputs and recompute the results (default: the bundled pack).

    Returns
    -------
    (Portfolio, AppraisalWorkbookReport)
        The portfolio (the document the workbook carries, with every changed
        input cell applied; when anything changed, its field ``imported_from``
        keeps the document as exported, for the ``Changes`` sheet of the next
        export) and what was found.

    Raises
    ------
    InputError
        The file is not a sound appraisal workbook, a marked input cell was
        deleted or moved (each problem names the sheet and cell), or a changed
        input is not valid.
    """
    if pack is None:
        from ..core.pack import load_pack
        from ..resources import default_pack_dir
        pack = load_pack(default_pack_dir())
    require_safe_xml()
    file = str(path)
    data = read_checked_xlsx(path)
    try:
        wb = _open(data, data_only=False)
    except Exception as exc:  # noqa: BLE001 - a damaged file is the user's problem, said in words
        raise InputError([Problem(f"cannot be read as an Excel workbook ({type(exc).__name__})",
                                  file=file)]) from None
    try:
        reg = _read_register(wb, file)
        structure = _structure_problems(reg, file)
        if structure:
            raise _refuse(structure)
        wanted: dict[str, set[str]] = {}
        for _, _, _, where, _, _ in reg.rows:
            sheet, ref = _split_where(where)
            wanted.setdefault(sheet, set()).add(ref)
        values = _cell_values(wb, wanted)
    finally:
        wb.close()
    try:
        base_doc = json.loads(reg.document_text)
    except ValueError:
        raise InputError([Problem(f"the hidden sheet {R.SHEET!r} is damaged", file=file,
                                  sheet=R.SHEET)]) from None
    doc, changes, notes = _rebuild(base_doc, reg, values, file)
    where_of = {tuple(p): w for _, p, _, w, _, _ in reg.rows}
    inputs = _parse(doc, pack, file, where_of)
    options = _workbook_options(reg, values)
    formula_problems, more = _check_results(data, inputs, pack, options, file)
    notes += more
    if str(reg.meta.get("pack_id")) != pack.id:
        notes.append(f"the workbook was exported with assumptions {reg.meta.get('pack_id')}; the "
                     f"results are recomputed with {pack.id} ({pack.vintage})")
    if changes:
        base = copy.deepcopy(base_doc)
        base.pop(IMPORTED_FROM, None)
        doc[IMPORTED_FROM] = {"file": Path(file).name, "portfolio_id": reg.meta.get("portfolio_id"),
                              "inputs_sha256": reg.meta.get("inputs_sha256"), "base": base}
    report = AppraisalWorkbookReport(
        file=file, portfolio_id=str(reg.meta.get("portfolio_id")),
        method_version=int(reg.meta.get("method_version") or 0), pack_id=str(reg.meta.get("pack_id")),
        pack_vintage=str(reg.meta.get("pack_vintage")), changes=tuple(changes),
        base=Portfolio(base_doc), formula_problems=tuple(formula_problems), notes=tuple(notes))
    return Portfolio(doc), report


def _rebuild(base_doc: dict, reg: _Register, values: dict, file: str
             ) -> tuple[dict, list[CellChange], list[str]]:
    """The carried document with every changed cell applied, the changes and notes."""
    doc = copy.deepcopy(base_doc)
    doc.pop(IMPORTED_FROM, None)
    changes: list[CellChange] = []
    problems: list[Problem] = []
    energy: dict[str, list[tuple[list[str], Any]]] = {}
    pending: list[tuple[list[str], Any]] = []
    for _, path, _, where, written, kind in reg.rows:
        sheet, ref = _split_where(where)
        raw, dtype = values.get(sheet, {}).get(ref, (None, "n"))
        if dtype == "f" or isinstance(raw, str) and raw.startswith("="):
            problems.append(Problem(f"the input cell of {field_label(tuple(path))} holds a formula; "
                                    "type a value", file=file, sheet=sheet, cell=ref))
            continue
        now = _normal(_as_written(raw))
        before = R.as_read(written)
        try:
            value = _convert(now, kind)
        except ValueError as exc:
            problems.append(Problem(f"the input cell of {field_label(tuple(path))} {exc}",
                                    file=file, sheet=sheet, cell=ref, field=field_label(tuple(path))))
            continue
        if path[:1] == ["projects"] and path[2:3] == ["energy_changes"]:
            energy.setdefault(path[1], []).append((path, value))
        if now == before:
            continue
        changes.append(CellChange(tuple(path), where, before, now))
        pending.append((path, value))
    if problems:
        raise _refuse(problems)
    for path, value in pending:
        try:
            _apply(doc, path, value)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            raise InputError([Problem(f"the field {field_label(tuple(path))} cannot be set from "
                                      "the workbook: the portfolio it carries has no such field",
                                      file=file)]) from None
    notes = _energy_of_calculator(doc, changes, energy)
    return doc, changes, notes


def _parse(doc: dict, pack: AssumptionPack, file: str, where_of: dict):
    """Check the rebuilt portfolio; each problem names the cell the field came from."""
    try:
        return parse_portfolio(doc, pack, file=file)
    except InputError as exc:
        located = []
        for p in exc.problems:
            key = (("projects", p.project) if p.project else ()) + tuple((p.field or "").split("."))
            where = where_of.get(key)
            if where:
                sheet, ref = _split_where(where)
                located.append(Problem(p.message, file=file, project=p.project, field=p.field,
                                       sheet=sheet, cell=ref))
            else:
                located.append(p)
        raise InputError(located) from None


def _workbook_options(reg: _Register, values: dict) -> dict[str, Any]:
    """The carbon series and discount schedule the workbook's own formulas use."""
    out: dict[str, Any] = {}
    for _, path, _, where, _, _ in reg.rows:
        if path in (["carbon_series"], ["discount_schedule"]):
            sheet, ref = _split_where(where)
            v = values.get(sheet, {}).get(ref, (None, "n"))[0]
            if isinstance(v, str) and v.strip():
                out[path[0]] = v.strip()
    return out


def _check_results(data: bytes, inputs, pack: AssumptionPack, options: dict, file: str
                   ) -> tuple[list[Problem], list[str]]:
    """The Summary's recalculated figures against the application's (beyond a penny)."""
    from openpyxl.utils import get_column_letter
    from ..core.errors import InputError as _IE
    try:
        results = appraise_portfolio(inputs, pack, carbon_series=options.get("carbon_series"),
                                     discount_schedule=options.get("discount_schedule"))
    except _IE:
        results = appraise_portfolio(inputs, pack)
    wb = _open(data, data_only=True)
    try:
        if SUMMARY not in wb.sheetnames:
            return [], ["the workbook has no Summary sheet: its figures were not checked"]
        n = len(results.ids)
        first = SUMMARY_HEADER_ROW + 1
        rows = list(wb[SUMMARY].iter_rows(min_row=first + 1, max_row=first + n,
                                          max_col=len(SUMMARY_COLUMNS), values_only=True))
    finally:
        wb.close()
    problems: list[Problem] = []
    checked = 0
    for i, row in enumerate(rows):
        row = tuple(row) + (None,) * (len(SUMMARY_COLUMNS) - len(row))
        if str(row[0] or "").strip() != results.ids[i]:
            continue
        for c, (label, key, num_fmt, _) in enumerate(SUMMARY_COLUMNS):
            shown = row[c]
            if key.startswith("@") or num_fmt is None or key not in results.metrics:
                continue
            if not isinstance(shown, (int, float)) or isinstance(shown, bool):
                continue
            checked += 1
            app = results.metrics[key][i]
            app = float(app) if app == app else None
            ref = f"{get_column_letter(c + 1)}{first + 1 + i}"
            if app is None or _differs(key, float(shown), app):
                problems.append(Problem(
                    f"a formula was edited: {SUMMARY}!{ref} ({label}, project {results.ids[i]}) "
                    f"shows {_number(shown)}, the application computes "
                    f"{'nothing (undefined)' if app is None else _number(app)}; the application's "
                    "figures are used", file=file, sheet=SUMMARY, cell=ref, project=results.ids[i]))
    notes = [] if checked else ["the workbook holds no recalculated figures (it was saved by a "
                                "program that does not calculate): its figures were not checked"]
    return problems, notes


def _differs(key: str, shown: float, app: float) -> bool:
    if key.endswith("_gbp"):
        return abs(shown - app) > MONEY_TOLERANCE_GBP + 1e-12 * abs(app)
    return abs(shown - app) > RELATIVE_TOLERANCE * max(1.0, abs(app))


def _number(x: float) -> str:
    return f"{x:,.2f}"


__all__ = ["AppraisalWorkbookReport", "CellChange", "IMPORTED_FROM", "apply_input", "is_appraisal_workbook",
           "read_appraisal_workbook"]


def imported_changes(data: dict, pack: AssumptionPack):
    """For the export's Changes sheet: the diff from the appraisal workbook the portfolio
    was imported from (its ``imported_from`` record), or None when it was not."""
    from ..core.diff import diff_portfolios
    record = data.get(IMPORTED_FROM)
    if not isinstance(record, dict) or not isinstance(record.get("base"), dict):
        return None
    return diff_portfolios(record["base"], data, pack,
                           names=(f"{record.get('file', 'the workbook')} as exported", "portfolio"))
