"""Where each input of a project submission workbook lives (template version 1).

The template writer and the importer in :mod:`appraisal.io.submission` both
read this module, so a cell is placed and read at the same address by
construction. A workbook is read by these addresses only after its marker
(kind and version, on the hidden 'Lists' sheet) has been found; moving any
input cell means a new ``TEMPLATE_VERSION``, and the importer must then keep
reading version 1 workbooks already in promoters' hands.

Every path is a FORMAT.md section 1 field path as :func:`parse_portfolio`
names it in its problems ("capex.2021", "readiness.months_to_start",
"other_benefits[2].per_year"), so that a problem maps back to its cell.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.calculators import HEATING_FUELS, VEHICLE_FUELS
from ..core.pack import AssumptionPack
from ..core.portfolio import (BENEFIT_KINDS, MAX_ID, MAX_LIFETIME_YEARS, MAX_MONEY, MAX_TEXT,
                              YEAR_RANGE)

TEMPLATE_KIND = "appraisal-submission"
TEMPLATE_VERSION = 1

INSTRUCTIONS = "Instructions"
PROJECT = "Project"
CAPEX = "Capex and funding"
ENERGY = "Energy"
BENEFITS = "Other benefits"
PROFILES = "Benefit profiles"
LISTS = "Lists"
INPUT_SHEETS = (PROJECT, CAPEX, ENERGY, BENEFITS, PROFILES)
MARKER_CELLS = {"kind": (LISTS, "A1"), "version": (LISTS, "B1")}

# Beyond these a sheet is not a filled template (the largest sheet ends near
# row 50, column I); the importer refuses it rather than read it.
MAX_SHEET_ROWS = 1000
MAX_SHEET_COLUMNS = 52

YES, NO = "Yes", "No"
FUEL_NAMES = {"grid_electricity": "Grid electricity", "natural_gas": "Natural gas",
              "heating_oil": "Heating oil", "lpg": "LPG", "petrol": "Petrol", "diesel": "Diesel"}
KIND_NAMES = {"economic": "Economic", "revenue": "Revenue"}


@dataclass(frozen=True)
class Field:
    """One input cell: what it means, how it is typed and checked.

    ``kind`` is one of text, choice, yesno, year, whole, number, money,
    fraction (a share, shown as a percentage). ``choices`` names a list of
    :func:`choice_lists` for a choice field. ``lo``/``hi`` repeat the ranges
    that :mod:`appraisal.core.portfolio` and :mod:`appraisal.core.calculators`
    enforce, for the workbook's own data validation.
    """

    path: str
    label: str
    kind: str
    unit: str = ""
    example: str = ""
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    choices: str | None = None
    limit: int = MAX_TEXT
    required: bool = False


YEAR_LO, YEAR_HI = YEAR_RANGE


# Help texts may name the assumption pack's values: "{deflator_years}",
# "{jobs_default}" and "{add_<factor>}" are filled in by :func:`pack_notes`.
PROJECT_SECTIONS: list[tuple[str, list[Field]]] = [
    ("About the project", [
        Field("id", "Project ID", "text", "", "HP-001",
              "A short reference, unique in the pipeline (letters, digits, dashes). The "
              "combined authority may give you one.", limit=MAX_ID, required=True),
        Field("name", "Project name", "text", "", "Council housing heat pumps",
              "What the project is, in a few words. Empty: the project ID is used."),
        Field("category", "Category", "choice", "", "Heat pumps",
              "Choose from the list. It sets the default optimism bias, jobs per £1m and "
              "the investment gap sector the project counts towards.",
              choices="category", required=True),
        Field("area", "Area", "text", "", "Birmingham",
              "The local authority or place where the project is."),
        Field("spatial_level", "Spatial level of impact", "choice", "", "local",
              "The area over which benefits and jobs are counted; it sets the default "
              "additionality factors below. Empty: sub-regional.", choices="spatial_level"),
    ]),
    ("Costs and operation", [
        Field("price_year", "Price year of all £ amounts", "year", "year", "2022",
              "The year whose prices every £ amount in this workbook is in (real terms, "
              "not cash inflated year by year). From {deflator_years}. Empty: the "
              "portfolio's price base year.", lo=YEAR_LO, hi=YEAR_HI),
        Field("public_funding_share", "Public funding share of capital spend", "fraction",
              "% of capex", "70%",
              "Share of each year's capital spend paid from public funds. Not used when you "
              "give public funding by year on the 'Capex and funding' sheet.", lo=0, hi=1),
        Field("opex_per_year", "Operating cost a year", "money", "£ a year", "£30,000",
              "Running and maintenance cost in each year of operation. Empty: none.",
              lo=0, hi=MAX_MONEY),
        Field("operating_start", "First year of operation", "year", "year", "2024",
              "The calendar year the asset starts to operate. Empty: the year after the "
              "last year of capital spend.", lo=YEAR_LO, hi=YEAR_HI),
        Field("lifetime_years", "Operating lifetime", "whole", "years", "20",
              "Years the asset operates and yields benefits.", lo=0, hi=MAX_LIFETIME_YEARS,
              required=True),
        Field("bill_savings_to_promoter", "Energy bill savings go to the promoter?", "yesno",
              "Yes / No", "No",
              "Yes if the promoter pays the energy bills the project saves (e.g. its own "
              "buildings): the savings then count as cash in the financial case. Empty: No."),
    ]),
    ("Optimism bias and jobs", [
        Field("optimism_bias", "Optimism bias (own estimate)", "fraction", "% uplift on capex",
              "(empty)",
              "Leave empty to use the Green Book upper bound for the category's project "
              "type. Give your own figure only with evidence.", lo=0, hi=10),
        Field("ob_mitigation", "Optimism bias mitigated", "fraction", "% of the bias", "0%",
              "Share of the optimism bias that your risk management has already mitigated. "
              "Empty: 0%.", lo=0, hi=1),
        Field("job_years_per_million", "Construction job-years per £1m of capital spend",
              "number", "job-years per £1m", "(empty)",
              "Empty: the assumption pack's value ({jobs_default}).", lo=0, hi=1000),
        Field("operational_fte", "Permanent jobs to operate the asset", "number", "FTE", "3",
              "Full-time-equivalent jobs in operation. Empty: none.", lo=0, hi=1e6),
    ]),
    ("Additionality (leave empty to use the assumption pack's values)", [
        Field("additionality.deadweight", "Deadweight", "fraction", "%", "(empty)",
              "Share of the outcome that would have happened anyway. {add_deadweight}",
              lo=0, hi=1),
        Field("additionality.leakage", "Leakage", "fraction", "%", "(empty)",
              "Share of the benefits and jobs that go to people outside the area. "
              "{add_leakage}", lo=0, hi=1),
        Field("additionality.displacement", "Displacement", "fraction", "%", "(empty)",
              "Share of the outcome lost elsewhere in the area (e.g. jobs lost by "
              "competitors). {add_displacement}", lo=0, hi=1),
        Field("additionality.substitution", "Substitution", "fraction", "%", "(empty)",
              "Share of the outcome where a firm swaps one activity for a similar one to "
              "take up public funding. {add_substitution}", lo=0, hi=1),
        Field("additionality.multiplier", "Multiplier", "number", "ratio, 1 = none", "(empty)",
              "Supply-chain and income effects: 1.3 means 30% more jobs. {add_multiplier}",
              lo=1, hi=10),
    ]),
    ("Readiness to start", [
        Field("readiness.planning_consent", "Planning consent in place?", "yesno", "Yes / No",
              "Yes", "Planning permission granted, or none needed. Empty: No."),
        Field("readiness.site_secured", "Site secured?", "yesno", "Yes / No", "Yes",
              "The land or buildings are owned, leased or under agreement. Empty: No."),
        Field("readiness.procurement_ready", "Procurement ready?", "yesno", "Yes / No", "No",
              "The procurement route is settled and tender documents are ready. Empty: No."),
        Field("readiness.match_funding_confirmed", "Match funding confirmed?", "yesno",
              "Yes / No", "Yes", "Every other funder has confirmed in writing. Empty: No."),
        Field("readiness.months_to_start", "Months until work starts", "number", "months", "6",
              "From the funding decision to the start on site. Empty: not known.",
              lo=0, hi=600),
    ]),
]


# -- 'Project' sheet ------------------------------------------------------
PROJECT_HEADER_ROW = 4          # column headings; sections and fields follow
PROJECT_COLUMNS = ("Item", "Your entry", "Unit", "Example", "Help", "Field")
PROJECT_INPUT_COLUMN = "B"


def _project_rows() -> list[tuple[int, str | Field]]:
    out: list[tuple[int, str | Field]] = []
    row = PROJECT_HEADER_ROW + 1
    for title, fields in PROJECT_SECTIONS:
        out.append((row, title))
        row += 1
        for f in fields:
            out.append((row, f))
            row += 1
    return out


# Row number of each section title (a str) and each field on the 'Project' sheet.
PROJECT_ROWS = _project_rows()
PROJECT_CELLS = {f.path: f"{PROJECT_INPUT_COLUMN}{row}" for row, f in PROJECT_ROWS
                 if isinstance(f, Field)}


def pack_notes(pack: AssumptionPack) -> dict[str, str]:
    """The assumption pack's values that help texts name (see PROJECT_SECTIONS)."""
    lo, hi = pack.deflator_years
    jobs = sorted({c.job_years_per_million for c in pack.categories.values()})
    notes = {"deflator_years": f"{lo} to {hi}",
             "jobs_default": (f"{jobs[0]:g} for every category" if len(jobs) == 1 else
                              f"{jobs[0]:g} to {jobs[-1]:g} by category") if jobs else "none"}
    for factor in ("deadweight", "leakage", "displacement", "substitution", "multiplier"):
        shown = "{:g}" if factor == "multiplier" else "{:.0%}"
        vals = [f"{lvl} {shown.format(values[factor])}"
                for lvl, values in pack.additionality.items()]
        notes[f"add_{factor}"] = ("Empty: the pack's value for the spatial level ("
                                  + ", ".join(vals) + ").")
    return notes


# -- repeating tables -------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """Rows of inputs under a heading row; ``columns`` pair a column letter with a Field
    whose path is relative to the row (e.g. "year", "fuel")."""

    sheet: str
    header_row: int
    rows: int
    columns: tuple[tuple[str, Field], ...]

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + self.rows

    def cell(self, key: str, k: int) -> str:
        """Address of column ``key`` in data row ``k`` (0-based)."""
        letter = next(col for col, f in self.columns if f.path == key)
        return f"{letter}{self.first_row + k}"


CAPEX_TABLE = Table(CAPEX, header_row=5, rows=15, columns=(
    ("A", Field("year", "Year", "year", "year", "2022", "Calendar year of the spend.",
                lo=YEAR_LO, hi=YEAR_HI)),
    ("B", Field("capex", "Capital spend", "money", "£", "£3,000,000",
                "All capital spend of the year, public and private, before optimism bias.",
                lo=0, hi=MAX_MONEY)),
    ("C", Field("public_funding", "Public funding (optional)", "money", "£", "£2,100,000",
                "The public part of the year's spend. Give it for every year or leave the whole "
                "column empty to use the public funding share on the 'Project' sheet.",
                lo=0, hi=MAX_MONEY)),
))

ENERGY_TABLE = Table(ENERGY, header_row=6, rows=6, columns=(
    ("A", Field("fuel", "Fuel (unit)", "choice", "", "Natural gas (kWh)",
                "Choose from the list.", choices="fuel")),
    ("B", Field("quantity_per_year", "Change in use a year", "number", "kWh or litres a year",
                "-5,750,000", "Negative when less is used (e.g. gas no longer burnt), positive "
                "when more is used (e.g. electricity for heat pumps).", lo=-1e13, hi=1e13)),
))

ENERGY_BLOCK_A_ROW = 4                          # block heading rows on the 'Energy' sheet
HEAT_PUMP_BLOCK_ROW = ENERGY_TABLE.last_row + 2
HEAT_PUMP_FIRST_ROW = HEAT_PUMP_BLOCK_ROW + 3   # title, intro, column headings, then inputs
CALCULATOR_COLUMNS = ("Input", "Your entry", "Unit", "Used when left empty", "Help")

HEAT_PUMP_FIELDS = (
    Field("installs", "Heat pumps installed", "whole", "count", "500",
          "Number of homes or buildings that get a heat pump.", lo=0, hi=1e7),
    Field("heat_demand_kwh_per_install", "Heat demand of each", "number", "kWh of heat a year",
          "9,775", "Space and water heat each home or building needs in a year.", lo=0, hi=1e7),
    Field("displaced_fuel", "Heating replaced", "choice", "", "Natural gas",
          "The fuel of the boilers or heaters the heat pumps replace.", choices="heating_fuel"),
    Field("displaced_efficiency", "Efficiency of the heating replaced", "fraction",
          "% (heat out per fuel in)", "85%", "Seasonal efficiency in use of the old boilers or "
          "heaters.", lo=0.1, hi=1.5),
    Field("scop", "Heat pump seasonal performance (SCOP)", "number", "kWh heat per kWh power",
          "2.8", "Heat delivered per unit of electricity over a year, in use.", lo=0.5, hi=10),
)
EV_BLOCK_ROW = HEAT_PUMP_FIRST_ROW + len(HEAT_PUMP_FIELDS) + 1
EV_FIRST_ROW = EV_BLOCK_ROW + 3
EV_FIELDS = (
    Field("chargers", "Chargers installed", "whole", "count", "120",
          "Number of charge points.", lo=0, hi=1e7),
    Field("kwh_per_charger_per_year", "Energy each charger delivers", "number", "kWh a year",
          "6,132", "Electricity sold by each charger in a year (the operator's forecast).",
          lo=0, hi=1e9),
    Field("displaced_fuel", "Fuel of the car journeys replaced", "choice", "", "Petrol",
          "Petrol or diesel.", choices="vehicle_fuel"),
    Field("ev_kwh_per_km", "Electric car consumption", "number", "kWh per km", "0.2",
          "Electricity per km at the charger, charging losses included.", lo=0, hi=5),
    Field("ice_litres_per_km", "Consumption of the car replaced", "number", "litres per km",
          "0.075", "Fuel a petrol or diesel car would have burnt per km.", lo=0, hi=1),
)
CALCULATORS = (("heat_pumps", HEAT_PUMP_FIELDS, HEAT_PUMP_FIRST_ROW),
               ("ev_charging", EV_FIELDS, EV_FIRST_ROW))

BENEFITS_TABLE = Table(BENEFITS, header_row=5, rows=8, columns=(
    ("A", Field("label", "Benefit", "text", "", "Avoided boiler replacements",
                "What the benefit is.")),
    ("B", Field("kind", "Kind", "choice", "", "Economic",
                "Economic: a benefit to society (health, time, air quality). Revenue: cash "
                "the promoter receives (fares, fees, sales).", choices="kind")),
    ("C", Field("per_year", "Amount a year", "money", "£ a year", "£110,000",
                "The same amount in every year of operation. Leave empty and give a profile "
                "on 'Benefit profiles' instead if it changes from year to year.",
                lo=-MAX_MONEY, hi=MAX_MONEY)),
))

PROFILE_COLUMNS = tuple("BCDEFGHI")[:BENEFITS_TABLE.rows]     # one per benefit row
PROFILE_LABEL_ROW = 5            # shows the benefit's label (a formula), under "Benefit n"
PROFILES_TABLE = Table(PROFILES, header_row=PROFILE_LABEL_ROW, rows=40, columns=(
    ("A", Field("year", "Year", "year", "year", "2024", "Calendar year.", lo=YEAR_LO, hi=YEAR_HI)),
    *((col, Field(f"benefit{k}", f"Benefit {k + 1}", "money", "£", "", "", lo=-MAX_MONEY,
                  hi=MAX_MONEY)) for k, col in enumerate(PROFILE_COLUMNS)),
))


# -- lists for drop-downs ----------------------------------------------------
def fuel_name(code: str) -> str:
    return FUEL_NAMES.get(code, code.replace("_", " ").capitalize())


def choice_lists(pack: AssumptionPack) -> dict[str, list[tuple[str, str]]]:
    """Each drop-down list as (shown text, FORMAT.md code) pairs."""
    labels = [c.label for c in pack.categories.values()]
    unique = len(set(labels)) == len(labels)
    return {
        "category": [(c.label if unique else code, code) for code, c in pack.categories.items()],
        "spatial_level": [(lvl, lvl) for lvl in pack.additionality],
        "fuel": [(f"{fuel_name(f)} ({pack.fuel_units.get(f, '?')})", f) for f in pack.fuels()],
        "heating_fuel": [(fuel_name(f), f) for f in HEATING_FUELS],
        "vehicle_fuel": [(fuel_name(f), f) for f in VEHICLE_FUELS],
        "kind": [(KIND_NAMES[k], k) for k in BENEFIT_KINDS],
    }


LIST_ORDER = ("category", "spatial_level", "fuel", "heating_fuel", "vehicle_fuel", "kind")
LISTS_HEADER_ROW = 3


def list_range(name: str, length: int) -> str:
    """Absolute reference of a list's shown texts on the 'Lists' sheet (column per list)."""
    col = chr(ord("A") + 2 * LIST_ORDER.index(name))
    return f"={LISTS}!${col}${LISTS_HEADER_ROW + 1}:${col}${LISTS_HEADER_ROW + length}"


def input_cells() -> dict[str, list[str]]:
    """Every input cell of the template, by sheet."""
    out: dict[str, list[str]] = {sheet: [] for sheet in INPUT_SHEETS}
    out[PROJECT] += PROJECT_CELLS.values()
    for table in (CAPEX_TABLE, ENERGY_TABLE, BENEFITS_TABLE, PROFILES_TABLE):
        out[table.sheet] += [table.cell(f.path, k) for k in range(table.rows) for _, f in table.columns]
    for _, fields, first in CALCULATORS:
        out[ENERGY] += [f"B{first + k}" for k in range(len(fields))]
    return out

