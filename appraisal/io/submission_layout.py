"""Where each input of a project submission workbook lives (template version 2).

The template writer and the importer in :mod:`appraisal.io.submission` both
read this module, so a cell is placed and read at the same address by
construction. A workbook is read by these addresses only after its marker
(kind and version, on the hidden 'Lists' sheet) has been found.

Every input carries the template version that introduced it (``since``).
Version 2 added the method version 2 inputs without moving any input of
version 1 off its sheet, its table or its order: the layout of version 1 is
this layout with the newer inputs left out (:func:`project_rows`,
:meth:`Table.of_version`), so the importer still reads workbooks of version 1
already in promoters' hands. Moving an input in any other way means a new
``TEMPLATE_VERSION`` and a reader for the old one.

Every path is a FORMAT.md project field path as :func:`parse_portfolio` names
it in its problems ("capex.2021", "readiness.months_to_start",
"other_benefits[2].per_year", "renewals[0].cost"), so that a problem maps back
to its cell.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.calculators import HEATING_FUELS, INPUT_RANGES, VEHICLE_FUELS
from ..core.pack import BUSINESS_CASE_STAGES, ENERGY_SECTORS, AssumptionPack
from ..core.words import OB_TYPE_NAMES  # noqa: F401 - read by the template's drop-downs
from ..core.portfolio import (BENEFIT_KINDS, DISCOUNTINGS, MAX_ID, MAX_LIFETIME_YEARS, MAX_MONEY,
                              MAX_TEXT, YEAR_RANGE, field_range)

TEMPLATE_KIND = "appraisal-submission"
TEMPLATE_VERSION = 2
READABLE_VERSIONS = (1, 2)

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
# row 60, column J); the importer refuses it rather than read it.
MAX_SHEET_ROWS = 1000
MAX_SHEET_COLUMNS = 52

YES, NO = "Yes", "No"
FUEL_NAMES = {"grid_electricity": "Grid electricity", "natural_gas": "Natural gas",
              "heating_oil": "Heating oil", "lpg": "LPG", "petrol": "Petrol", "diesel": "Diesel"}
KIND_NAMES = {"economic": "Economic", "revenue": "Revenue"}
SECTOR_NAMES = {"domestic": "Domestic", "commercial": "Commercial and public",
                "industrial": "Industrial", "transport": "Transport"}
STAGE_NAMES = {"soc": "Strategic outline case (SOC)", "obc": "Outline business case (OBC)",
               "fbc": "Full business case (FBC)"}
VFM_ADJUSTMENT_NAMES = {1: "Up one band (+1)", 0: "No adjustment (0)", -1: "Down one band (-1)"}
DISCOUNTING_NAMES = {"standard": "Standard", "health": "Health"}
NOTES_LIMIT = 5000        # characters of the project's notes (a cell holds 32,767)

# The one rule for percentages (appraisal.core.quantities), in the words the
# template's help uses.
SHARE_RULE = ("Type 70 or 70% for 70%. A number below 1 such as 0.7 is read as 70% (the "
              "import says so); more than 100% is refused.")
AMOUNT_RULE = "Type a number such as 1200000, or with units: 1.2m, £30k, GBP 1.2m."


@dataclass(frozen=True)
class Field:
    """One input cell: what it means, how it is typed and checked.

    ``kind`` is one of text, choice, yesno, year, whole, number, money, price
    (GBP per unit, with pence), fraction (a share, shown as a percentage).
    ``choices`` names a list of :func:`choice_lists` for a choice field.
    ``lo``/``hi`` are the ranges that :mod:`appraisal.core.portfolio` and
    :mod:`appraisal.core.calculators` declare (:func:`core_ranged` sets them from
    there), for the workbook's own data validation. ``amount`` is the unit a number typed as text is read in
    (:func:`appraisal.core.quantities.parse_amount`: GBP, kWh, litre, number;
    "fuel": the unit of the fuel in the same row). ``since`` is the template
    version that added the input.
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
    amount: str = "number"
    since: int = 1

    @property
    def amount_unit(self) -> str:
        return "GBP" if self.kind in ("money", "price") else self.amount


YEAR_LO, YEAR_HI = YEAR_RANGE
NUMERIC_KINDS = ("year", "whole", "number", "money", "price", "fraction")


def core_ranged(f: Field, path: str | None = None, calculator: str | None = None) -> Field:
    """``f`` with the range the core declares for its field (FORMAT.md 6): the workbook's
    own validation then allows exactly what the import accepts (one source)."""
    if f.kind not in NUMERIC_KINDS:
        return f
    try:
        rng = (INPUT_RANGES[calculator][f.path] if calculator is not None
               else field_range(path or f.path))
    except KeyError:
        return f
    return replace(f, lo=rng.lo, hi=rng.hi)


def _ranged_table(table: "Table", paths: dict[str, str]) -> "Table":
    """A table whose columns take the core's ranges; ``paths`` names each column's
    field as the core does ("capex" -> "capex.2000")."""
    return replace(table, columns=tuple((c, core_ranged(f, paths[f.path]) if f.path in paths
                                         else f) for c, f in table.columns))


# Help texts may name the assumption pack's values in braces ("{deflator_years}",
# "{add_<factor>}", ...): :func:`pack_notes` fills them in.
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
        Field("energy_sector", "Sector of the energy used", "choice", "", "Domestic",
              "Whose energy prices and emission factors apply (DESNZ Green Book "
              "supplementary guidance, data tables 1-19: domestic, commercial and public, "
              "industrial). Empty: the category's ({sector_defaults}).",
              choices="energy_sector", since=2),
    ]),
    ("Business case and promoter", [
        Field("business_case_stage", "Business case stage", "choice", "", "Outline business "
              "case (OBC)",
              "The stage of the Five Case Model the project's business case has reached. It "
              "sets how much optimism bias counts as mitigated ({stage_mitigation}) and delays "
              "the benefits by the duration optimism bias (Green Book supplementary guidance: "
              "optimism bias). Empty: no stage, no delay.", choices="stage", since=2),
        Field("promoter_public", "Is the promoter a public body bearing every cost?", "yesno",
              "Yes / No", "Yes",
              "Yes for a council, combined authority or other public body that pays for the "
              "whole project: the funder's benefit-cost ratio then counts every cost as public. "
              "Empty: No.", since=2),
        Field("vat_recoverable", "Can the promoter recover VAT?", "yesno", "Yes / No", "Yes",
              "No if the promoter cannot reclaim VAT (e.g. many housing associations and "
              "charities): its energy bills in the financial case then include VAT. Empty: Yes.",
              since=2),
    ]),
    ("Costs and operation", [
        Field("price_year", "Price year of all £ amounts", "year", "year", "2025",
              "The year whose prices every £ amount in this workbook is in (real terms, "
              "not cash inflated year by year). From {deflator_years}. Empty: the "
              "portfolio's price base year.", lo=YEAR_LO, hi=YEAR_HI),
        Field("public_funding_share", "Public funding share of capital spend", "fraction",
              "% of capex", "70%",
              "Share of each year's capital spend paid from public funds. Not used when you "
              "give public funding by year on the 'Capex and funding' sheet. " + SHARE_RULE,
              lo=0, hi=1),
        Field("opex_per_year", "Operating cost a year", "money", "£ a year", "£30,000",
              "Running and maintenance cost in each year of operation. Empty: none.",
              lo=0, hi=MAX_MONEY),
        Field("operating_start", "First year of operation", "year", "year", "2028",
              "The calendar year the asset starts to operate. Empty: the year after the "
              "last year of capital spend.", lo=YEAR_LO, hi=YEAR_HI),
        Field("lifetime_years", "Operating lifetime", "whole", "years", "20",
              "Years the asset operates and yields benefits.", lo=0, hi=MAX_LIFETIME_YEARS,
              required=True),
        Field("bill_savings_to_promoter", "Energy bill savings go to the promoter?", "yesno",
              "Yes / No", "No",
              "Yes if the promoter pays the energy bills the project saves (e.g. its own "
              "buildings or buses): the savings then count as cash in the financial case. "
              "Empty: No."),
        Field("asset_life_years", "Life of the main assets", "whole", "years", "40",
              "Only if the assets last longer than the operating lifetime: the appraisal then "
              "counts what is left as a benefit, capital spend x (asset life - operating "
              "lifetime) / asset life (straight line). Empty: no residual value, unless given "
              "below.", lo=1, hi=MAX_LIFETIME_YEARS, since=2),
        Field("residual_value", "Value left at the end", "money", "£", "£960,000",
              "What the assets are still worth when operation ends (e.g. civil works with "
              "years of life left), counted as a benefit in the year after. Used instead of "
              "the asset life when both are given. Empty: none.", lo=0, hi=MAX_MONEY, since=2),
    ]),
    ("Optimism bias and jobs", [
        Field("optimism_bias", "Optimism bias (own estimate)", "fraction", "% uplift on capex",
              "(empty)",
              "Leave empty to use the Green Book upper bound for the project type. Give your "
              "own figure only with evidence.", lo=0, hi=10),
        Field("ob_mitigation", "Optimism bias mitigated", "fraction", "% of the bias", "0%",
              "Share of the optimism bias that your risk management has already mitigated. "
              "Empty: the business case stage's ({stage_mitigation}), else 0%.", lo=0, hi=1),
        Field("ob_project_type", "Project type for optimism bias", "choice", "",
              "Standard civil engineering",
              "The Green Book type whose upper bound applies (Supplementary Green Book "
              "Guidance: Optimism Bias, Mott MacDonald 2002; capex uplift {ob_uppers}). Empty: "
              "the category's type. A project mixing types: leave empty and give shares on "
              "'Capex and funding'.", choices="ob_type", since=2),
        Field("job_years_per_million", "Construction job-years per £1m of capital spend",
              "number", "job-years per £1m", "(empty)",
              "Empty: the assumption pack's value ({jobs_default}).", lo=0, hi=1000),
        Field("operational_fte", "Permanent jobs to operate the asset", "number", "FTE", "3",
              "Full-time-equivalent jobs in operation. Empty: none.", lo=0, hi=1e6),
    ]),
    ("What would happen anyway, and effects the appraisal values", [
        Field("benefit_deadweight", "Share of the benefits that would happen anyway",
              "fraction", "% of benefits", "25%",
              "Carbon, energy and other benefits that would come about without the project, "
              "e.g. charging the market would provide (outcome deadweight, Green Book "
              "Additionality Guide). Not the jobs' deadweight below. Empty: the category's "
              "({deadweight_defaults}).", lo=0, hi=1, since=2),
        Field("comfort_taking", "Share of the energy saving taken as warmth", "fraction",
              "% of the saving", "15%",
              "Part of a modelled heating saving that households take as warmer homes instead "
              "of lower bills; the appraisal values it as comfort. Empty: the category's "
              "({comfort_defaults}).", lo=0, hi=1, since=2),
        Field("car_km_removed", "Car travel removed", "number", "car-km a year", "1,100,000",
              "Car kilometres no longer driven in each year of operation (mode shift), from "
              "your transport model; valued at DfT TAG A5.4 marginal external costs "
              "(congestion, accidents, noise). {mec_note}Give the fuel saved on 'Energy' too. "
              "Changing by year: leave empty and use 'Benefit profiles'.",
              lo=-1e12, hi=1e12, since=2),
        Field("added_peak_kw", "New peak electricity demand", "number", "kW", "1,000",
              "The peak load the project adds to the local network after diversity (chargers, "
              "heat pumps). {network_note} Empty: none.", lo=0, hi=1e9, since=2),
    ]),
    ("Additionality (leave empty to use the assumption pack's values)", [
        Field("additionality.deadweight", "Deadweight", "fraction", "%", "(empty)",
              "Share of the jobs and outcome that would have happened anyway. {add_deadweight}",
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
    ("Value for money", [
        Field("vfm_adjustment", "Adjust the value-for-money band?", "choice", "",
              "Up one band (+1)",
              "One band up or down for impacts that have no £ value (e.g. biodiversity), as "
              "the Green Book and the DfT Value for Money Framework allow. Give the reason "
              "below. Empty: no adjustment.", choices="vfm_adjustment", since=2),
        Field("vfm_adjustment_reason", "Reason for the adjustment", "text", "", "Biodiversity "
              "gain of 2 ha of new habitat, not monetised",
              "Which impacts without a £ value justify the adjustment, and their evidence. "
              "Required with an adjustment.", since=2),
    ]),
    ("Notes", [
        Field("notes", "How the figures were built", "text", "", "400 homes at about £13,000 "
              "each; gas use from the stock survey ...",
              "Sources, assumptions and the counterfactual behind your figures, for the "
              "appraisal officer. Kept with the project in the portfolio.", limit=NOTES_LIMIT,
              since=2),
    ]),
]


PROJECT_SECTIONS = [(title, [core_ranged(f) for f in fields]) for title, fields in PROJECT_SECTIONS]


# -- 'Project' sheet ------------------------------------------------------
PROJECT_HEADER_ROW = 4          # column headings; sections and fields follow
PROJECT_COLUMNS = ("Item", "Your entry", "Unit", "Example", "Help", "Field")
PROJECT_INPUT_COLUMN = "B"


def project_rows(version: int = TEMPLATE_VERSION) -> list[tuple[int, str | Field]]:
    """Row number of each section title (a str) and each field on the 'Project' sheet of
    template ``version``: the sections and fields of that version, in order."""
    out: list[tuple[int, str | Field]] = []
    row = PROJECT_HEADER_ROW + 1
    for title, fields in PROJECT_SECTIONS:
        fields = [f for f in fields if f.since <= version]
        if not fields:
            continue
        out.append((row, title))
        row += 1
        for f in fields:
            out.append((row, f))
            row += 1
    return out


def project_cells(version: int = TEMPLATE_VERSION) -> dict[str, str]:
    """Field path -> input cell on the 'Project' sheet of template ``version``."""
    return {f.path: f"{PROJECT_INPUT_COLUMN}{row}" for row, f in project_rows(version)
            if isinstance(f, Field)}


PROJECT_ROWS = project_rows()
PROJECT_CELLS = project_cells()


# -- repeating tables -------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """Rows of inputs under a heading row; ``columns`` pair a column letter with a Field
    whose path is relative to the row (e.g. "year", "fuel")."""

    sheet: str
    header_row: int
    rows: int
    columns: tuple[tuple[str, Field], ...]
    since: int = 1

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

    def field(self, key: str) -> Field:
        return next(f for _, f in self.columns if f.path == key)

    def of_version(self, version: int) -> "Table | None":
        """The table as template ``version`` has it (None: not in that version)."""
        if self.since > version:
            return None
        return replace(self, columns=tuple((c, f) for c, f in self.columns if f.since <= version))


CAPEX_TABLE = Table(CAPEX, header_row=5, rows=15, columns=(
    ("A", Field("year", "Year", "year", "year", "2027", "Calendar year of the spend.",
                lo=YEAR_LO, hi=YEAR_HI)),
    ("B", Field("capex", "Capital spend", "money", "£", "£2,600,000",
                "All capital spend of the year, public and private, before optimism bias.",
                lo=0, hi=MAX_MONEY)),
    ("C", Field("public_funding", "Public funding (optional)", "money", "£", "£1,300,000",
                "The public part of the year's spend. Give it for every year or leave the whole "
                "column empty to use the public funding share on the 'Project' sheet.",
                lo=0, hi=MAX_MONEY)),
    ("D", Field("counterfactual_capex", "Would be spent anyway (optional)", "money", "£",
                "£550,000",
                "What would be spent in the year without the project, e.g. boilers or buses due "
                "for like-for-like replacement (the Green Book's 'business as usual'). The "
                "economic case counts only the spend above it. Empty: none.",
                lo=0, hi=MAX_MONEY, since=2)),
))
CAPEX_TABLE = _ranged_table(CAPEX_TABLE, {"capex": "capex.2000", "public_funding": "public_funding.2000",
                                                "counterfactual_capex": "counterfactual_capex.2000"})

# Below the capex table on the same sheet: renewals, then shares of optimism bias types.
# Column A shows "Renewal 1", "Type 1"...; the inputs are in B to D.
RENEWALS_TABLE = Table(CAPEX, header_row=CAPEX_TABLE.last_row + 5, rows=5, since=2, columns=(
    ("B", Field("label", "What is renewed", "text", "", "Inverter replacement",
                "The part replaced during operation (batteries, inverters, charger units).",
                since=2)),
    ("C", Field("cost", "Cost each time", "money", "£", "£150,000",
                "The cost of one renewal, at the price year's prices.", lo=0, hi=MAX_MONEY,
                since=2)),
    ("D", Field("every_years", "Every", "whole", "years", "15",
                "Years between renewals, counted from the first year of operation.",
                lo=1, hi=MAX_LIFETIME_YEARS, since=2)),
))
RENEWALS_TABLE = _ranged_table(RENEWALS_TABLE, {"cost": "renewals[0].cost",
                                                      "every_years": "renewals[0].every_years"})
OB_TYPES_TABLE = Table(CAPEX, header_row=RENEWALS_TABLE.last_row + 4, rows=4, since=2, columns=(
    ("B", Field("type", "Project type", "choice", "", "Standard civil engineering",
                "A Green Book project type for optimism bias.", choices="ob_type", since=2)),
    ("C", Field("share", "Share of the capital spend", "fraction", "%", "60%",
                "The part of the capital spend of that type. " + SHARE_RULE, lo=0, hi=1,
                since=2)),
))
OB_TYPES_TABLE = _ranged_table(OB_TYPES_TABLE, {"share": "ob_project_type.any"})

ENERGY_TABLE = Table(ENERGY, header_row=6, rows=6, columns=(
    ("A", Field("fuel", "Fuel (unit)", "choice", "", "Natural gas (kWh)",
                "Choose from the list.", choices="fuel")),
    ("B", Field("quantity_per_year", "Change in use a year", "number", "kWh or litres a year",
                "-4,000,000", "Negative when less is used (e.g. gas no longer burnt), positive "
                "when more is used (e.g. electricity for heat pumps).", lo=-1e13, hi=1e13,
                amount="fuel")),
))
ENERGY_TABLE = _ranged_table(ENERGY_TABLE, {"quantity_per_year": "energy_changes[0].quantity_per_year"})

ENERGY_BLOCK_A_ROW = 4                          # block heading rows on the 'Energy' sheet
HEAT_PUMP_BLOCK_ROW = ENERGY_TABLE.last_row + 2
HEAT_PUMP_FIRST_ROW = HEAT_PUMP_BLOCK_ROW + 3   # title, intro, column headings, then inputs
CALCULATOR_COLUMNS = ("Input", "Your entry", "Unit", "Used when left empty", "Help")

HEAT_PUMP_FIELDS: tuple[Field, ...] = (
    Field("installs", "Heat pumps installed", "whole", "count", "500",
          "Number of homes or buildings that get a heat pump.", lo=0, hi=1e7),
    Field("heat_demand_kwh_per_install", "Heat demand of each", "number", "kWh of heat a year",
          "9,775", "Space and water heat each home or building needs in a year.", lo=0, hi=1e7,
          amount="kWh"),
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
EV_FIELDS: tuple[Field, ...] = (
    Field("chargers", "Chargers installed", "whole", "count", "120",
          "Number of charge points.", lo=0, hi=1e7),
    Field("kwh_per_charger_per_year", "Energy each charger delivers", "number", "kWh a year",
          "6,132", "Electricity sold by each charger in a year (the operator's forecast).",
          lo=0, hi=1e9, amount="kWh"),
    Field("displaced_fuel", "Fuel of the car journeys replaced", "choice", "", "Petrol",
          "Petrol or diesel.", choices="vehicle_fuel"),
    Field("ev_kwh_per_km", "Electric car consumption", "number", "kWh per km", "0.2",
          "Electricity per km at the charger, charging losses included.", lo=0, hi=5),
    Field("ice_litres_per_km", "Consumption of the car replaced", "number", "litres per km",
          "0.075", "Fuel a petrol or diesel car would have burnt per km.", lo=0, hi=1),
)
HEAT_PUMP_FIELDS = tuple(core_ranged(f, calculator="heat_pumps") for f in HEAT_PUMP_FIELDS)
EV_FIELDS = tuple(core_ranged(f, calculator="ev_charging") for f in EV_FIELDS)
CALCULATORS = (("heat_pumps", HEAT_PUMP_FIELDS, HEAT_PUMP_FIRST_ROW),
               ("ev_charging", EV_FIELDS, EV_FIRST_ROW))

TARIFF_BLOCK_ROW = EV_FIRST_ROW + len(EV_FIELDS) + 1
TARIFFS_TABLE = Table(ENERGY, header_row=TARIFF_BLOCK_ROW + 2, rows=6, since=2, columns=(
    ("A", Field("fuel", "Fuel (unit)", "choice", "", "Diesel (litre)", "Choose from the list.",
                choices="fuel", since=2)),
    ("B", Field("tariff", "Price you pay, VAT included", "price", "£ per kWh or litre", "£1.36",
                "Your contract or pump price for the fuel, at the price year's prices, VAT "
                "included (the appraisal takes VAT off if you can recover it).", lo=0, hi=1e6,
                since=2)),
))
TARIFFS_TABLE = _ranged_table(TARIFFS_TABLE, {"tariff": "tariffs.any"})

BENEFITS_TABLE = Table(BENEFITS, header_row=5, rows=8, columns=(
    ("A", Field("label", "Benefit", "text", "", "Journey time savings to bus users",
                "What the benefit is.")),
    ("B", Field("kind", "Kind", "choice", "", "Economic",
                "Economic: a benefit to society (health, time, air quality). Revenue: cash "
                "the promoter receives (fares, fees, sales).", choices="kind")),
    ("C", Field("per_year", "Amount a year", "money", "£ a year", "£110,000",
                "The same amount in every year of operation. Leave empty and give a profile "
                "on 'Benefit profiles' instead if it changes from year to year.",
                lo=-MAX_MONEY, hi=MAX_MONEY)),
    ("D", Field("discounting", "Discounting", "choice", "", "Standard",
                "Health: the Green Book's lower discount rate for health effects ({health_rate}), "
                "for an economic benefit that is a health outcome (e.g. more physical activity). "
                "Empty: Standard.", choices="discounting", since=2)),
))
BENEFITS_TABLE = _ranged_table(BENEFITS_TABLE, {"per_year": "other_benefits[0].per_year"})
BENEFIT_PROFILE_LINK_COLUMN = "E"     # shows "on 'Benefit profiles'" when a profile is given

PROFILE_COLUMNS = tuple("BCDEFGHI")[:BENEFITS_TABLE.rows]     # one per benefit row
CAR_KM_COLUMN = "J"
PROFILE_LABEL_ROW = 5            # shows the benefit's label (a formula), under "Benefit n"
PROFILES_TABLE = Table(PROFILES, header_row=PROFILE_LABEL_ROW, rows=40, columns=(
    ("A", Field("year", "Year", "year", "year", "2028", "Calendar year.", lo=YEAR_LO, hi=YEAR_HI)),
    *((col, Field(f"benefit{k}", f"Benefit {k + 1}", "money", "£", "", "", lo=-MAX_MONEY,
                  hi=MAX_MONEY)) for k, col in enumerate(PROFILE_COLUMNS)),
    (CAR_KM_COLUMN, Field("car_km_removed", "Car travel removed", "number", "car-km", "270,000",
                          "Car-km no longer driven in the year, when it changes from year to "
                          "year (e.g. use building up); instead of the figure a year on "
                          "'Project'.", lo=-1e12, hi=1e12, since=2)),
))
PROFILES_TABLE = _ranged_table(PROFILES_TABLE, {**{f"benefit{k}": "other_benefits[0].profile.2000"
                                                    for k in range(len(PROFILE_COLUMNS))},
                                                 "car_km_removed": "car_km_removed.2000"})


def tables(version: int = TEMPLATE_VERSION) -> list[Table]:
    """The repeating tables of template ``version``, as that version lays them out."""
    out = (t.of_version(version) for t in (CAPEX_TABLE, RENEWALS_TABLE, OB_TYPES_TABLE,
                                           ENERGY_TABLE, TARIFFS_TABLE, BENEFITS_TABLE,
                                           PROFILES_TABLE))
    return [t for t in out if t is not None]


# -- the pack's values that help texts name -------------------------------------
def _by_value(values: dict[str, object], shown) -> str:
    """A category default in words, grouped by value, the commonest value last: '15% for
    building retrofit, 0% for the others'."""
    groups: dict[str, list[str]] = {}
    for name, v in values.items():
        groups.setdefault(shown(v), []).append(name)
    if len(groups) == 1:
        return f"{next(iter(groups))} for every category"
    ordered = sorted(groups.items(), key=lambda item: len(item[1]))
    return "; ".join([f"{v} for {', '.join(names)}" for v, names in ordered[:-1]]
                     + [f"{ordered[-1][0]} for the others"])


def _in_sentence(label: str) -> str:
    """'EV charging' stays, 'Heat pumps' becomes 'heat pumps'."""
    return " ".join(w if w.isupper() else w.lower() for w in label.split())


def pack_notes(pack: AssumptionPack) -> dict[str, str]:
    """The assumption pack's values that help texts name (see PROJECT_SECTIONS)."""
    lo, hi = pack.deflator_years
    jobs = sorted({c.job_years_per_million for c in pack.categories.values()})
    cats = {_in_sentence(c.label): c for c in pack.categories.values()}
    pct = "{:.0%}".format
    notes = {"deflator_years": f"{lo} to {hi}",
             "jobs_default": (f"{jobs[0]:g} for every category" if len(jobs) == 1 else
                              f"{jobs[0]:g} to {jobs[-1]:g} by category") if jobs else "none",
             "sector_defaults": _by_value({n: c.energy_sector or "" for n, c in cats.items()},
                                          lambda s: SECTOR_NAMES.get(s, "all sectors").lower()),
             "deadweight_defaults": _by_value({n: c.benefit_deadweight for n, c in cats.items()},
                                              pct),
             "comfort_defaults": _by_value({n: c.comfort_taking for n, c in cats.items()},
                                           lambda v: "not applied" if v is None else pct(v)),
             "stage_mitigation": (", ".join(f"{s.upper()} {pct(m)}"
                                            for s, m in pack.ob_stage_mitigation.items())
                                  if pack.ob_stage_mitigation else "none in the assumption pack"),
             "ob_uppers": ", ".join(f"{OB_TYPE_NAMES.get(t, t).lower()} {pct(v['capex_upper'])}"
                                    for t, v in pack.optimism_bias.items()
                                    if v.get("capex_upper") is not None)}
    rate = pack.discount_schedules.get("health")
    notes["health_rate"] = (f"{rate[0][2]:.1%} a year in the first 30 years, against 3.5%"
                            if rate else "not in the assumption pack, so Standard is used")
    notes["mec_note"] = ("" if pack.external_costs else
                         "The assumption pack has no such costs yet, so they count as zero for "
                         "now (the appraisal warns). ")
    if not any(c.energy_sector for c in pack.categories.values()):
        notes["sector_defaults"] = "none: the pack's figures for all sectors"
    per_kw = pack.parameter("network_reinforcement_gbp_per_kw")
    notes["network_note"] = (f"Valued at £{per_kw:,.0f} per kW of network reinforcement." if per_kw
                             else "The assumption pack values network reinforcement at £0 per kW "
                                  "for now: put your connection offer in the capital spend.")
    for factor in ("deadweight", "leakage", "displacement", "substitution", "multiplier"):
        shown = "{:g}" if factor == "multiplier" else "{:.0%}"
        vals = [f"{lvl} {shown.format(values[factor])}"
                for lvl, values in pack.additionality.items()]
        notes[f"add_{factor}"] = ("Empty: the pack's value for the spatial level ("
                                  + ", ".join(vals) + ").")
    return notes


# -- lists for drop-downs ----------------------------------------------------
def fuel_name(code: str) -> str:
    return FUEL_NAMES.get(code, code.replace("_", " ").capitalize())


def choice_lists(pack: AssumptionPack) -> dict[str, list[tuple[str, object]]]:
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
        "energy_sector": [(SECTOR_NAMES.get(s, s), s) for s in ENERGY_SECTORS],
        "stage": [(STAGE_NAMES.get(s, s.upper()), s) for s in BUSINESS_CASE_STAGES],
        "vfm_adjustment": [(shown, code) for code, shown in VFM_ADJUSTMENT_NAMES.items()],
        "discounting": [(DISCOUNTING_NAMES.get(d, d), d) for d in DISCOUNTINGS],
        "ob_type": [(OB_TYPE_NAMES.get(t, t.replace("_", " ").capitalize()), t)
                    for t in pack.optimism_bias],
    }


LIST_ORDER = ("category", "spatial_level", "fuel", "heating_fuel", "vehicle_fuel", "kind",
              "energy_sector", "stage", "vfm_adjustment", "discounting", "ob_type")
LISTS_HEADER_ROW = 3


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def list_range(name: str, length: int) -> str:
    """Absolute reference of a list's shown texts on the 'Lists' sheet (column per list)."""
    col = _column_letter(2 * LIST_ORDER.index(name))
    return f"={LISTS}!${col}${LISTS_HEADER_ROW + 1}:${col}${LISTS_HEADER_ROW + length}"


def input_cells(version: int = TEMPLATE_VERSION) -> dict[str, list[str]]:
    """Every input cell of template ``version``, by sheet."""
    out: dict[str, list[str]] = {sheet: [] for sheet in INPUT_SHEETS}
    out[PROJECT] += project_cells(version).values()
    for table in tables(version):
        out[table.sheet] += [table.cell(f.path, k) for k in range(table.rows) for _, f in table.columns]
    for _, fields, first in CALCULATORS:
        out[ENERGY] += [f"B{first + k}" for k in range(len(fields))]
    return out
