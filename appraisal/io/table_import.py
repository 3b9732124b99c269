"""A flat table of projects (a pipeline tracker) read into portfolio projects.

Pipeline trackers are spreadsheets with one row per project and columns such
as "Project ID", "Scheme name", "Capex (GBP)", "Grant rate" and "Go-live
year". :func:`read_table` reads one (``.csv`` or ``.xlsx``; the workbook
through :mod:`appraisal.io.xlsx_guard`), :func:`read_rows` any header and rows
(a pandas DataFrame's, for :func:`appraisal.portfolio_from_frame`). Columns
are matched by :data:`COLUMNS`, a list of headers with the aliases trackers
use, case, spacing and punctuation aside; a unit in brackets scales the
column ("Capex (GBP m)", "Gas saved (MWh/yr)"). Every cell is read by the
core's one parser of amounts and percentages
(:mod:`appraisal.core.quantities`). A column not in the list is reported and
not read; a cell that cannot be read is a :class:`Problem` naming the file,
the row (or sheet and cell) and the column. The list is documented in
``docs/api.md`` (:func:`header_list_markdown` writes its table).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InputError, Problem
from ..core.quantities import (
    ENERGY_UNITS,
    SCALES,
    VOLUME_UNITS,
    parse_amount,
    parse_share,
    share_of_cell,
)

MAX_TABLE_BYTES = 50_000_000     # a tracker of thousands of projects is a few MB
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 20          # a tracker may have a title or notes above its header


@dataclass(frozen=True)
class Column:
    """A column of the header list: the header, its aliases, what a cell holds
    (``kind``) and the project field it fills."""

    header: str
    aliases: tuple[str, ...]
    kind: str           # text, category, spatial, money, share, year, count, number, flag
    target: str         # the project field; "capex.total" and the like are assembled later
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("Project ID", ("id", "ref", "reference", "project ref", "project reference", "scheme id",
                          "scheme ref", "scheme reference", "project code"), "text", "id",
           "the project's unique ID (required)"),
    Column("Project name", ("name", "scheme name", "scheme", "project", "project title", "title"),
           "text", "name", "its name (the ID when empty)"),
    Column("Category", ("project category", "type", "project type", "scheme type", "technology"),
           "category", "category", "a category of the pack, by code (heat_pumps) or label "
                                   "(Heat pumps) (required)"),
    Column("Area", ("location", "local authority", "district", "place", "council"), "text", "area",
           "where it is"),
    Column("Spatial level", ("geography", "spatial scale", "scale"), "spatial", "spatial_level",
           "neighbourhood, local, sub-regional or regional"),
    Column("Price year", ("price base", "price base year", "prices", "cost base year"), "year",
           "price_year", "the year of the prices its amounts are in"),
    Column("Capex", ("capital cost", "capital costs", "total capex", "capex total", "total cost",
                     "project cost", "total project cost", "capital"), "money", "capex.total",
           "capital cost, spread evenly over the capex years from the capex year"),
    Column("Capex year", ("construction start", "start year", "capex start year", "year of spend",
                          "spend year", "construction start year", "start on site"), "year",
           "capex.year", "the first year of capital spending (else the year before operation)"),
    Column("Capex years", ("construction years", "build years", "years of spend",
                           "construction period", "build period"), "count", "capex.years",
           "how many years the capex is spread over (1 when empty)"),
    Column("Public funding share", ("public share", "grant rate", "grant share", "public funding",
                                    "intervention rate", "grant percentage", "public contribution"),
           "share", "public_funding_share", "the share of capex paid by public money (70 or 70%)"),
    Column("Grant", ("grant requested", "grant amount", "funding requested", "public funding amount",
                     "ask", "public money"), "money", "public_funding.total",
           "the public money asked for: read as a share of the capex"),
    Column("Opex per year", ("annual opex", "operating cost", "operating costs",
                             "annual operating cost", "o and m", "o m"), "money", "opex_per_year",
           "operating cost per year"),
    Column("Operating start", ("operational from", "operation start", "go live", "go live year",
                               "first year of operation", "completion year", "completion",
                               "opening year"), "year", "operating_start",
           "the first year of operation"),
    Column("Lifetime years", ("lifetime", "asset life", "design life", "useful life", "life",
                              "appraisal period"), "count", "lifetime_years",
           "years of operation (required)"),
    Column("Other benefits per year", ("wider benefits", "economic benefits",
                                       "other economic benefits", "non energy benefits"),
           "money", "other_benefits.economic", "social benefits per year (economic case)"),
    Column("Revenue per year", ("income", "annual revenue", "annual income"), "money",
           "other_benefits.revenue", "cash to the promoter per year (financial case)"),
    Column("Optimism bias", ("ob", "optimism bias uplift", "ob uplift"), "share", "optimism_bias",
           "the capex uplift, when not the pack's"),
    Column("Operational FTE", ("permanent jobs", "ongoing jobs", "operational jobs",
                               "jobs created"), "number", "operational_fte",
           "permanent jobs in operation"),
    Column("Planning consent", ("planning", "planning permission", "consented", "consent"), "flag",
           "readiness.planning_consent", "yes or no"),
    Column("Site secured", ("site", "land secured", "land"), "flag", "readiness.site_secured",
           "yes or no"),
    Column("Procurement ready", ("procurement",), "flag", "readiness.procurement_ready",
           "yes or no"),
    Column("Match funding confirmed", ("match funding", "match funded", "match funding secured"),
           "flag", "readiness.match_funding_confirmed", "yes or no"),
    Column("Months to start", ("months until start", "start in months", "months to start on site"),
           "count", "readiness.months_to_start", "months from now to the start on site"),
    Column("Public promoter", ("promoter public", "council led", "public sector promoter",
                               "public sector"), "flag", "promoter_public",
           "yes when the promoter is a public body"),
    Column("Notes", ("comments", "comment", "description", "summary"), "text", "notes",
           "free text, kept with the project"),
)

# fuel -> the words a tracker uses for it ("Gas saved (kWh/yr)", "Electricity change")
FUEL_WORDS = {"grid_electricity": ("electricity", "grid electricity", "power"),
              "natural_gas": ("gas", "natural gas", "mains gas"),
              "heating_oil": ("oil", "heating oil", "kerosene"),
              "lpg": ("lpg",), "petrol": ("petrol", "gasoline"), "diesel": ("diesel",)}
CHANGE_WORDS = {"change": 1.0, "increase": 1.0, "use change": 1.0, "saved": -1.0,
                "saving": -1.0, "savings": -1.0, "reduction": -1.0}
TRUE_WORDS = {"yes", "y", "true", "1", "x", "✓", "✔"}
FALSE_WORDS = {"no", "n", "false", "0"}
_PER_YEAR = re.compile(r"(?:/|\bper\s*)(?:yr|year|annum)\b|\bp\.?\s?a\.?$|\ba year\b")


@dataclass
class TableImport:
    """What a table gave: the projects (FORMAT.md section 1), the problems (nothing
    should be written when there are any), and notes on columns not read."""

    projects: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------

def normalise(header: str) -> tuple[str, str]:
    """A header as matched, and its unit: "Capex (GBP m)" -> ("capex", "gbp m").

    Case, punctuation and spacing do not matter; a unit is what stands in
    brackets, or a trailing "GBP", "£", "%" or "per year".

    >>> normalise("Capex (£m)")
    ('capex', '£m')
    >>> normalise("  Scheme-name ")
    ('scheme name', '')
    """
    text = str(header).strip().lower().replace("&", " and ")
    unit = " ".join(m.strip() for m in re.findall(r"[(\[]([^)\]]*)[)\]]", text))
    text = re.sub(r"[(\[][^)\]]*[)\]]", " ", text)
    text = re.sub(r"[^0-9a-z£%]+", " ", text).strip()
    for tail in ("gbp", "£", "%", "per year", "per annum", "pa", "p a", "per yr"):
        if text.endswith(" " + tail):
            text = text[: -len(tail) - 1].strip()
            unit = (unit + " " + tail).strip()
    return text, unit


_BY_NAME = {name: c for c in COLUMNS for name in (normalise(c.header)[0], *c.aliases)}
_CAPEX_YEAR = re.compile(r"^(?:capex|capital cost|capital|capital spend) (\d{4})$")


def match_column(header: str, fuels: Sequence[str] | None = None
                 ) -> tuple[Column | None, str, str, int | None, float]:
    """The column a header names, its unit, the fuel it changes (with its sign)
    or the capex year it holds; (None, ...) for a header not in the list.

    >>> col, unit, fuel, year, sign = match_column("Gas saved (MWh/yr)")
    >>> col.target, unit, fuel, sign
    ('energy.natural_gas', 'mwh/yr', 'natural_gas', -1.0)
    >>> match_column("Capex 2028")[3], match_column("RAG status")[0] is None
    (2028, True)
    """
    name, unit = normalise(header)
    if name in _BY_NAME:
        return _BY_NAME[name], unit, "", None, 1.0
    m = _CAPEX_YEAR.match(name)
    if m:
        return _BY_NAME["capex"], unit, "", int(m.group(1)), 1.0
    for fuel, words in FUEL_WORDS.items():
        if fuels is not None and fuel not in fuels:
            continue
        for word in (*words, fuel.replace("_", " ")):
            for change, sign in CHANGE_WORDS.items():
                if name == f"{word} {change}":
                    return (Column(header, (), "fuel", f"energy.{fuel}", ""), unit, fuel, None,
                            sign)
    return None, unit, "", None, 1.0


def _money_scale(unit: str) -> float | None:
    """The multiplier a money column's unit says: "GBP m" 1e6, "£000" 1e3, "" 1."""
    u = _PER_YEAR.sub("", unit.lower()).replace(" ", "")
    for word in ("gbp", "£", "pounds", "/yr", "/year", "peryear"):
        u = u.replace(word, "")
    u = u.strip(".,")
    if u in ("000", "000s", "'000", "'000s"):
        return 1e3
    return SCALES.get(u)


def _quantity_scale(unit: str, fuel_unit: str) -> float | None:
    """The multiplier of an energy (to kWh) or volume (to litres) column's unit."""
    u = _PER_YEAR.sub("", unit.lower()).replace(" ", "").strip(".,/")
    if u == "":
        return 1.0
    table = ENERGY_UNITS if fuel_unit == "kWh" else VOLUME_UNITS
    if u in table:
        return table[u]
    for word, scale in SCALES.items():   # "m litres", "k kwh"
        if word and u.startswith(word) and u[len(word):] in table:
            return scale * table[u[len(word):]]
    return None


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------

def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "-", "n/a", "na", "tbc", "tbd")


def _own_scale(text: str) -> bool:
    """Whether a typed amount carries its own multiplier or unit ("1.2m", "300 MWh")."""
    return bool(re.search(r"\d\s*[a-z£]", text.lower().replace("gbp", "").replace("£", "")))


def _number(value: Any, kind: str, scale: float, unit: str) -> float:
    """A cell's number: a spreadsheet number as it is (times the column's scale), or
    text through the core's parser (its own multiplier wins over the column's)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError("is not a finite number")
        return x * scale
    text = str(value)
    parsed = parse_amount(text, unit)
    if parsed is None:
        raise ValueError("is empty")
    return parsed if _own_scale(text) else parsed * scale


def _year(value: Any) -> int:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.year
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        m = re.fullmatch(r"\s*(?:fy\s*)?(\d{4})(?:\s*[/-]\s*\d{2,4})?\s*", str(value).lower())
        if not m:
            raise ValueError(f"{str(value)[:30]!r} is not a year (e.g. 2027 or 2027/28)")
        year = int(m.group(1))
    if not 1900 <= year <= 2200:
        raise ValueError(f"{year} is not a year between 1900 and 2200")
    return year


def _count(value: Any) -> int:
    x = _number(value, "count", 1.0, "number")
    if x != int(x) or x < 0:
        raise ValueError(f"{str(value)[:30]!r} is not a whole number of 0 or more")
    return int(x)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"{text[:30]!r} is not yes or no")


def _share(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(float(value)):
            raise ValueError("is not a finite number")
        return share_of_cell(float(value))
    reading = parse_share(str(value))
    if reading is None:
        raise ValueError("is empty")
    return reading.value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Categories:
    """A category by its code or its label in the pack, case aside."""

    def __init__(self, pack) -> None:
        self.by_word: dict[str, str] = {}
        if pack is not None:
            for code, cat in pack.categories.items():
                self.by_word[code.lower()] = code
                self.by_word[code.replace("_", " ").lower()] = code
                self.by_word[str(cat.label).strip().lower()] = code

    def __call__(self, value: Any) -> str:
        text = _text(value)
        if not self.by_word:
            return text
        code = self.by_word.get(text.lower())
        if code is None:
            raise ValueError(f"{text[:40]!r} is not a category of the assumption pack (one of "
                             f"{', '.join(sorted(set(self.by_word.values())))})")
        return code


# ---------------------------------------------------------------------------
# Rows to projects
# ---------------------------------------------------------------------------

@dataclass
class _Layout:
    """The columns of a header: position -> (column, scale, capex year, fuel sign)."""

    read: dict[int, tuple[Column, float, int | None, float]]
    unknown: list[str]
    problems: list[Problem]


def _layout(header: Sequence[Any], fuels: dict[str, str], where) -> _Layout:
    read: dict[int, tuple[Column, float, int | None, float]] = {}
    unknown: list[str] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int | None], str] = {}
    for j, raw in enumerate(header):
        if _empty(raw):
            continue
        text = _text(raw)
        col, unit, fuel, year, sign = match_column(text, list(fuels) or None)
        if col is not None and col.kind == "share" and _money_scale(unit) not in (None, 1.0) \
                or col is not None and col.kind == "share" and re.search(r"gbp|£", unit):
            col = _BY_NAME["grant"]     # "Public funding (GBP)": an amount, not a share
        if col is None:
            unknown.append(text)
            continue
        scale: float | None = 1.0
        if col.kind == "money":
            scale = _money_scale(unit)
        elif col.kind == "fuel":
            scale = _quantity_scale(unit, fuels.get(fuel, "kWh"))
        if scale is None:
            problems.append(where(j, None, f"cannot tell the unit {unit!r} of this column "
                                           "(write e.g. GBP, GBP m, £000, kWh, MWh or litres)"))
            continue
        key = (col.target, year)
        if key in seen:
            problems.append(where(j, None, f"says the same as column {seen[key]!r}: give one"))
            continue
        seen[key] = text
        read[j] = (col, scale * sign, year, sign)
    return _Layout(read, unknown, problems)


def _cell_value(col: Column, value: Any, scale: float, categories: _Categories,
                fuel_unit: str) -> Any:
    kind = col.kind
    if kind == "money":
        x = _number(value, kind, scale, "GBP")
        if x < 0:
            raise ValueError("is negative; an amount of money here is 0 or more")
        return x
    if kind == "fuel":
        return _number(value, kind, scale, fuel_unit)
    if kind == "share":
        return _share(value)
    if kind == "year":
        return _year(value)
    if kind == "count":
        return _count(value)
    if kind == "number":
        x = _number(value, kind, 1.0, "number")
        if x < 0:
            raise ValueError("is negative")
        return x
    if kind == "flag":
        return _flag(value)
    if kind == "category":
        return categories(value)
    if kind == "spatial":
        level = re.sub(r"[\s_-]+", "-", _text(value).lower())
        return {"subregional": "sub-regional"}.get(level, level)
    return _text(value)


def _assemble(values: dict[str, Any], capex_by_year: dict[int, float]) -> tuple[dict[str, Any], str | None]:
    """A project (FORMAT.md 1) from the row's values; or a reason it cannot be made."""
    p: dict[str, Any] = {}
    for key in ("id", "name", "category", "area", "spatial_level", "price_year", "opex_per_year",
                "operating_start", "lifetime_years", "optimism_bias", "operational_fte",
                "promoter_public", "notes", "public_funding_share"):
        if key in values:
            p[key] = values[key]
    total = values.get("capex.total")
    if capex_by_year:
        if total is not None:
            return p, "give the capex either as a total or by year (Capex 2027, ...), not both"
        capex = {str(y): v for y, v in sorted(capex_by_year.items())}
    elif total is not None:
        first = values.get("capex.year")
        if first is None and "operating_start" in values:
            first = values["operating_start"] - values.get("capex.years", 1)
        if first is None:
            return p, ("the capex needs a year: add a 'Capex year' (or 'Operating start') column, "
                       "or give it by year (Capex 2027, Capex 2028)")
        years = max(1, values.get("capex.years", 1))
        capex = {str(first + k): total / years for k in range(years)}
    else:
        capex = {}
    p["capex"] = capex
    grant = values.get("public_funding.total")
    if grant is not None:
        spend = sum(capex.values())
        if "public_funding_share" in p:
            return p, "give the public funding either as a share or as an amount (Grant), not both"
        if spend <= 0 or grant > spend * (1 + 1e-9):
            return p, f"the grant (GBP {grant:,.0f}) is more than the capex (GBP {spend:,.0f})"
        p["public_funding_share"] = grant / spend
    p["energy_changes"] = [{"fuel": key[7:], "quantity_per_year": v}
                           for key, v in values.items() if key.startswith("energy.")]
    p["other_benefits"] = [
        {"label": label, "kind": kind, "per_year": values[f"other_benefits.{kind}"]}
        for kind, label in (("economic", "Other economic benefits (from the table)"),
                            ("revenue", "Revenue (from the table)"))
        if f"other_benefits.{kind}" in values]
    readiness = {key[10:]: v for key, v in values.items() if key.startswith("readiness.")}
    if readiness:
        p["readiness"] = readiness
    return p, None


def read_rows(header: Sequence[Any], rows: Iterable[tuple[Any, Sequence[Any]]], *,
              pack=None, file: str | None = None, sheet: str | None = None,
              header_row: int | None = None) -> TableImport:
    """Projects from a header and rows ``(row number, cells)``: the row number is
    the spreadsheet's (the header's row is before the first); with ``sheet``,
    problems name the cell, else the row.

    >>> out = read_rows(["Project ID", "Scheme name", "Capex (GBP m)", "Capex year",
    ...                  "Lifetime (years)", "Category", "Funding stream"],
    ...                 [(2, ["P-1", "Depot", "1.5", "2027", "20", "other", "LUF"])])
    >>> out.projects[0]["capex"], out.unknown_columns, out.problems
    ({'2027': 1500000.0}, ['Funding stream'], [])
    """
    fuels = dict(getattr(pack, "fuel_units", {}) or {}) or {f: ("litre" if f in ("petrol", "diesel")
                                                              else "kWh") for f in FUEL_WORDS}
    categories = _Categories(pack)

    def where(j: int, rownum: int | None, message: str, project: str | None = None) -> Problem:
        head = _text(header[j]) if j < len(header) else f"column {j + 1}"
        if sheet is not None:
            cell = f"{_column_letter(j)}{rownum}" if rownum is not None else f"{_column_letter(j)}"
            return Problem(message, file=file, sheet=sheet, cell=cell, project=project, field=head)
        return Problem(message, file=file, row=rownum, project=project, field=head)

    layout = _layout(header, fuels, lambda j, _row, message: where(j, header_row, message))
    out = TableImport(problems=list(layout.problems), unknown_columns=layout.unknown)
    if not any(col.target == "id" for col, *_ in layout.read.values()):
        out.problems.append(Problem("no column of project IDs (a header such as 'Project ID', "
                                    "'Ref' or 'Scheme ID'; docs/api.md lists them)", file=file,
                                    sheet=sheet))
        return out
    seen: dict[str, int] = {}
    for rownum, cells in rows:
        project = _row_project(cells, rownum, layout, categories, fuels, where, out.problems)
        if project is None:
            continue
        pid = project["id"]
        if pid in seen:
            out.problems.append(Problem(f"the ID {pid!r} is also on row {seen[pid]}", file=file,
                                        sheet=sheet, row=None if sheet else rownum, project=pid,
                                        field="Project ID"))
            continue
        seen[pid] = rownum
        out.projects.append(project)
    return out


def _row_project(cells: Sequence[Any], rownum: int, layout: _Layout, categories: _Categories,
                 fuels: dict[str, str], where, problems: list[Problem]) -> dict[str, Any] | None:
    """One row's project, or None (an empty row, or one with problems, which are added)."""
    if all(_empty(v) for v in cells):
        return None
    id_col = next(j for j, (c, *_) in layout.read.items() if c.target == "id")
    pid = _text(cells[id_col]) if id_col < len(cells) and not _empty(cells[id_col]) else None
    label = pid or f"on row {rownum}"
    values: dict[str, Any] = {}
    capex_by_year: dict[int, float] = {}
    bad = False
    for j, (col, scale, year, _sign) in layout.read.items():
        value = cells[j] if j < len(cells) else None
        if _empty(value):
            continue
        try:
            v = _cell_value(col, value, scale, categories, fuels.get(col.target[7:], "kWh"))
        except ValueError as exc:
            problems.append(where(j, rownum, _cell_message(value, exc), label))
            bad = True
            continue
        if year is not None:
            capex_by_year[year] = v
        elif col.kind == "fuel":
            values[col.target] = values.get(col.target, 0.0) + v
        else:
            values[col.target] = v
    if pid is None:
        problems.append(where(id_col, rownum, "the project has no ID", label))
        return None
    if bad:
        return None
    project, why = _assemble(values, capex_by_year)
    if why is not None:
        problems.append(dataclasses.replace(where(id_col, rownum, why, pid), field=None))
        return None
    return project


def _cell_message(value: Any, exc: ValueError) -> str:
    """The parser's words, with the cell's text where they do not quote it."""
    message = str(exc)
    if message.startswith("is "):
        return f"{str(value).strip()[:30]!r} {message}"
    return message


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

def read_table(path: str | Path, pack=None, *, sheet: str | None = None) -> TableImport:
    """Projects from a pipeline tracker: a ``.csv`` file (UTF-8, or Windows-1252 as
    Excel saves it; comma, semicolon or tab separated) or an ``.xlsx`` workbook
    (its first sheet, or ``sheet``; the header is the first row, among the first
    20, that names a column of project IDs).

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "t.csv")
    ...     _ = path.write_text("Ref;Category;Capex (GBP k);Capex year;Life\\n"
    ...                         "R-1;other;250;2027;15\\n", encoding="utf-8")
    ...     read_table(path).projects[0]["capex"]
    {'2027': 250000.0}
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, pack)
    if suffix in (".xlsx", ".xlsm", ".xltm", ".xlam"):
        return _read_xlsx(path, pack, sheet)
    raise InputError([Problem("is not a table this command reads: give a .csv or .xlsx file",
                              file=str(path))])


def _read_csv(path: Path, pack) -> TableImport:
    file = str(path)
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise InputError([Problem(f"is over {MAX_TABLE_BYTES / 1e6:,.0f} MB; a pipeline table "
                                      "is a few MB", file=file)])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"cannot be read: {exc.strerror or exc}", file=file)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")   # Excel's "CSV" on Windows
    if "\x00" in text:
        raise InputError([Problem("is not a text table (it holds NUL bytes)", file=file)])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise InputError([Problem(f"is not a readable CSV table: {exc}", file=file)]) from None
    if len(rows) > MAX_ROWS:
        raise InputError([Problem(f"has {len(rows):,} rows; at most {MAX_ROWS:,} are read",
                                  file=file)])
    at = _header_row([r for r in rows[:HEADER_SEARCH_ROWS]])
    if at is None:
        raise InputError([Problem("has no header row naming a column of project IDs (e.g. "
                                  "'Project ID'; docs/api.md lists the headers)", file=file)])
    return read_rows(rows[at], ((k + 1, r) for k, r in enumerate(rows) if k > at), pack=pack,
                     file=file, header_row=at + 1)


def _header_row(rows: Sequence[Sequence[Any]]) -> int | None:
    for k, row in enumerate(rows):
        for cell in row:
            col = match_column(_text(cell))[0] if not _empty(cell) else None
            if col is not None and col.target == "id":
                return k
    return None


def _read_xlsx(path: Path, pack, sheet: str | None) -> TableImport:
    from .xlsx_guard import read_checked_xlsx, require_safe_xml
    data = read_checked_xlsx(path)
    require_safe_xml()
    import openpyxl
    file = str(path)
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any parse failure of an untrusted file is its fault
        raise InputError([Problem(f"is a damaged workbook ({exc.__class__.__name__})",
                                  file=file)]) from None
    try:
        name = sheet or values.sheetnames[0]
        if name not in values.sheetnames:
            raise InputError([Problem(f"has no sheet {name!r} (it has "
                                      f"{', '.join(values.sheetnames)})", file=file)])
        rows = [list(r) for r in values[name].iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
        raw = [list(r) for r in formulas[name].iter_rows(values_only=True, max_row=MAX_ROWS + 1)]
    finally:
        values.close()
        formulas.close()
    if len(rows) > MAX_ROWS:
        raise InputError([Problem(f"has over {MAX_ROWS:,} rows", file=file, sheet=name)])
    at = _header_row(rows[:HEADER_SEARCH_ROWS])
    if at is None:
        raise InputError([Problem("has no header row naming a column of project IDs (e.g. "
                                  "'Project ID'; docs/api.md lists the headers)", file=file,
                                  sheet=name)])
    unsaved = [Problem("holds a formula without a saved value: open the workbook in a "
                       "spreadsheet program and save it, so that its values are stored",
                       file=file, sheet=name, cell=f"{_column_letter(j)}{k + 1}")
               for k, row in enumerate(raw) for j, v in enumerate(row)
               if isinstance(v, str) and v.startswith("=")
               and (k >= len(rows) or j >= len(rows[k]) or rows[k][j] is None)]
    out = read_rows(rows[at], ((k + 1, r) for k, r in enumerate(rows) if k > at), pack=pack,
                    file=file, sheet=name, header_row=at + 1)
    out.problems[:0] = unsaved
    return out


def header_list_markdown() -> str:
    """The header list as a Markdown table (docs/api.md).

    >>> header_list_markdown().splitlines()[2].startswith("| Project ID | id, ref,")
    True
    """
    lines = ["| header | also read as | holds |", "| --- | --- | --- |"]
    for c in COLUMNS:
        lines.append(f"| {c.header} | {', '.join(c.aliases)} | {c.doc} |")
    return "\n".join(lines) + "\n"
