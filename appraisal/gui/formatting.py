"""Figures and codes as people read them: £1.2m, 2.31, 16,200 tCO2e, '–' when undefined;
'Natural gas (kWh)' for natural_gas, 'lifetime' for lifetime_years."""
from __future__ import annotations

import functools
import math
import re
from decimal import ROUND_FLOOR, Decimal

from ..core.results import vfm_category
from ..io.escaping import no_negative_zero
from ..core.words import OB_TYPE_NAMES, SECTOR_NAMES, SPATIAL_LEVEL_NAMES, STAGE_NAMES  # noqa: F401

DASH = "–"


def _ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and not math.isfinite(v))


def _no_negative_zero(format_figure):
    """A figure that rounds to zero is shown without a sign ("£0", never "-£0")."""
    @functools.wraps(format_figure)
    def formatted(*args, **kwargs) -> str:
        return no_negative_zero(format_figure(*args, **kwargs))
    return formatted


@_no_negative_zero
def money(v, short: bool = True) -> str:
    if not _ok(v):
        return DASH
    v = float(v)
    sign, a = ("-" if v < 0 else ""), abs(v)
    if short:
        if a >= 1e9:
            return f"{sign}£{a / 1e9:,.2f}bn"
        if a >= 1e6:
            return f"{sign}£{a / 1e6:,.2f}m"
        if a >= 1e4:
            return f"{sign}£{a / 1e3:,.0f}k"
    return f"{sign}£{a:,.0f}"


@_no_negative_zero
def number(v, places: int = 0, unit: str = "") -> str:
    if not _ok(v):
        return DASH
    return f"{float(v):,.{places}f}{(' ' + unit) if unit else ''}"


@_no_negative_zero
def percent(v, places: int = 1) -> str:
    return DASH if not _ok(v) else f"{float(v) * 100:,.{places}f}%"


def year(v) -> str:
    return DASH if not _ok(v) else str(int(v))


VFM_COLOURS = {"very high": "#1E7B34", "high": "#3B8E3A", "medium": "#B58900",
               "low": "#C05A00", "poor": "#B00020", "very poor": "#7A0016"}


def vfm_badge(category: str | None) -> str:
    """The category in capitals: colour carries meaning only with the word."""
    return DASH if not category else category.upper()


# -- a BCR beside its band ------------------------------------------------------------------
# the lower bounds of the value-for-money bands (core.results.VFM_BANDS): 0, 1, 1.5, 2, 4
BCR_PLACES = 2          # as a BCR is usually read
BCR_MAX_PLACES = 4      # more only where 2 would round the figure into the next band


def _band(v: float) -> str | None:
    return vfm_category(v)


def bcr(v, places: int = BCR_PLACES) -> str:
    """A benefit-cost ratio as read beside its value-for-money band: 2 decimals, more
    only where 2 would round it across a band's bound (1.4994 is '1.499', never '1.50',
    which reads MEDIUM beside a LOW band), and cut toward its own band where even 4
    would not do (1.49999 is '1.4999'). Every view that shows a BCR (results panel,
    dashboard, ranking, PDF) prints it with this, so the figure and its band agree."""
    if not _ok(v):
        return DASH
    v = float(v) + 0.0           # -0.0 -> 0.0
    band = _band(v)
    for p in range(places, BCR_MAX_PLACES + 1):
        text = f"{v:.{p}f}"
        if _band(float(text)) == band and not (text.startswith("-") and float(text) == 0):
            return text
    # rounding to the bound itself: cut toward the band's side (a bound is a band's lowest
    # value, so a figure below it is cut downwards)
    cut = Decimal(repr(v)).quantize(Decimal(1).scaleb(-BCR_MAX_PLACES), rounding=ROUND_FLOOR)
    return f"{cut:.{BCR_MAX_PLACES}f}"


ratio = bcr     # the name the views used first: every ratio they show is a BCR


# -- codes in words ---------------------------------------------------------------------------
# The JSON, the pack's CSV files and the core's messages use codes (natural_gas,
# standard_buildings, lifetime_years); a person reads the words below. Codes stay in
# the files; these are for display only.
FUEL_UNITS = {"grid_electricity": "kWh", "natural_gas": "kWh", "heating_oil": "kWh", "lpg": "kWh",
              "petrol": "litre", "diesel": "litre"}
FUEL_NAMES = {"grid_electricity": "Grid electricity", "natural_gas": "Natural gas",
              "heating_oil": "Heating oil", "lpg": "LPG", "petrol": "Petrol", "diesel": "Diesel"}
SPATIAL_LEVEL_MEANINGS = {
    "neighbourhood": "a few streets or an estate",
    "local": "the local authority's area",
    "sub-regional": "a city region or a group of authorities (a combined authority or LEP area)",
    "regional": "an English region",
    "national": "England or the UK",
}
SPATIAL_LEVEL_NOTE = ("The area over which a project's effects are counted. It sets the default "
                      "additionality: the smaller the area, the more of the effect leaks out "
                      "of it (HCA Additionality Guide).")
BASIS_WORDS = {"resource": "Resource cost (no taxes)", "retail": "Retail (with taxes)",
               "appraisal": "Appraisal", "reporting": "Reporting"}
CALCULATOR_NAMES = {"heat_pumps": "Heat pumps", "ev_charging": "EV charging"}
READINESS_NAMES = {"planning_consent": "Planning consent in place",
                   "site_secured": "Site secured", "procurement_ready": "Procurement ready",
                   "match_funding_confirmed": "Match funding confirmed",
                   "start_within_6_months": "Start within 6 months",
                   "start_within_12_months": "Start within 12 months",
                   "months_to_start": "Months to start"}
DRIVER_NAMES = {"capex": "Capital cost", "opex": "Operating cost", "optimism_bias": "Optimism bias",
                "energy_quantities": "Energy saved (uptake)", "energy_prices": "Energy prices",
                "carbon_values": "Carbon values", "other_benefits": "Other economic benefits",
                "lifetime": "Asset lifetime", "job_intensity": "Construction jobs",
                "additionality": "Additionality"}
# the pack's tables by title (and in a sentence)
TABLE_TITLES = {
    "discount_schedules.csv": "Discount schedules",
    "gdp_deflator.csv": "GDP deflator",
    "carbon_values.csv": "Carbon values",
    "emission_factors.csv": "Emission factors",
    "energy_prices.csv": "Energy prices",
    "categories.csv": "Categories",
    "optimism_bias.csv": "Optimism bias",
    "additionality.csv": "Additionality",
    "investment_gap.csv": "Investment gap",
    "parameters.csv": "Parameters",
    "calculator_defaults.csv": "Calculator defaults",
    "air_quality.csv": "Air quality damage costs",
    "marginal_external_costs.csv": "Road transport external costs",
    "traded_carbon_price.csv": "Traded carbon price",
    "ob_stage_mitigation.csv": "Optimism bias by stage",
    "readiness_weights.csv": "Readiness weights",
}
# a project's fields and the pack's parameters as a sentence names them
FIELD_WORDS = {
    "id": "ID", "name": "name", "category": "category", "area": "area",
    "spatial_level": "spatial level", "price_year": "price year", "capex": "capex",
    "public_funding": "public funding", "public_funding_share": "public funding share",
    "counterfactual_capex": "capex that would be spent anyway", "opex_per_year": "operating cost a year",
    "operating_start": "first operating year", "lifetime_years": "lifetime",
    "asset_life_years": "asset life", "residual_value": "residual value",
    "optimism_bias": "optimism bias", "ob_mitigation": "optimism-bias mitigation",
    "ob_project_type": "optimism-bias project type", "ob_mix": "optimism-bias mix",
    "job_years_per_million": "construction job-years per £m",
    "operational_fte": "operational jobs (FTE)", "energy_changes": "energy changes",
    "energy_sector": "energy sector", "business_case_stage": "business-case stage",
    "promoter_public": "public promoter", "vat_recoverable": "VAT recoverable",
    "bill_savings_to_promoter": "bill savings to the promoter",
    "benefit_deadweight": "benefit deadweight", "comfort_taking": "comfort taking",
    "car_km_removed": "car-km removed", "car_km_profile": "car-km by year",
    "added_peak_kw": "added peak load (kW)", "vfm_adjustment": "value-for-money adjustment",
    "vfm_adjustment_reason": "reason for the value-for-money adjustment",
    "other_benefits": "other benefits", "quantity_per_year": "quantity a year",
    "per_year": "amount a year", "every_years": "renewal interval (years)",
    "renewals": "renewals", "tariffs": "tariffs", "additionality": "additionality",
    "readiness": "readiness", "calculator": "calculator", "notes": "notes",
    "heat_demand_kwh_per_install": "heat demand per install (kWh)",
    "displaced_fuel": "fuel replaced", "displaced_efficiency": "efficiency of the heating replaced",
    "kwh_per_charger_per_year": "kWh per charger a year", "ev_kwh_per_km": "EV kWh per km",
    "ice_litres_per_km": "litres per km of the car replaced",
    "petrol_litres_per_km": "petrol litres per km", "diesel_litres_per_km": "diesel litres per km",
    "installs": "installs", "chargers": "chargers", "scop": "SCOP",
    "efficiency_natural_gas": "efficiency of natural gas heating",
    "efficiency_heating_oil": "efficiency of oil heating", "efficiency_lpg": "efficiency of LPG heating",
    "efficiency_grid_electricity": "efficiency of electric heating",
    # the pack's parameters
    "job_years_per_permanent_job": "job-years per permanent job",
    "public_carbon_cost_threshold": "public carbon cost threshold",
    "deflator_forecast_growth": "deflator forecast growth",
    "default_price_base_year": "default price base year", "gap_window_years": "gap window (years)",
    "network_reinforcement_gbp_per_kw": "network reinforcement cost per kW",
    # the pack's tables named without their file
    "air_quality": "air-quality damage costs",
    "marginal_external_costs": "road transport external costs",
    "traded_carbon_price": "traded carbon price", "ob_stage_mitigation": "optimism bias by stage",
    "readiness_weights": "readiness weights", "calculator_defaults": "calculator defaults",
    "emission_factors": "emission factors", "energy_prices": "energy prices",
    "carbon_values": "carbon values", "gdp_deflator": "GDP deflator",
    "discount_schedules": "discount schedules", "investment_gap": "investment gap",
}


def _title_words(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def fuel_name(code: str) -> str:
    """'natural_gas' -> 'Natural gas'."""
    return FUEL_NAMES.get(code) or _title_words(code)


def fuel_label(code: str, unit: str | None = None) -> str:
    """A fuel by name with its unit: 'natural_gas' -> 'Natural gas (kWh)'."""
    unit = unit or FUEL_UNITS.get(code)
    return f"{fuel_name(code)} ({unit})" if unit else fuel_name(code)


def ob_type_name(code: str) -> str:
    """'standard_buildings' -> 'Standard buildings'."""
    return OB_TYPE_NAMES.get(code) or _title_words(code)


def spatial_level_name(code: str) -> str:
    """'sub-regional' -> 'Sub-regional'."""
    return SPATIAL_LEVEL_NAMES.get(code) or _title_words(code)


def spatial_level_meaning(code: str) -> str:
    """'Sub-regional: a city region or a group of authorities (...)', or the name alone."""
    meaning = SPATIAL_LEVEL_MEANINGS.get(code)
    return f"{spatial_level_name(code)}: {meaning}" if meaning else spatial_level_name(code)


def driver_name(code: str) -> str:
    return DRIVER_NAMES.get(code) or _title_words(code)


def table_title(name: str) -> str:
    """'gdp_deflator.csv' -> 'GDP deflator'."""
    return TABLE_TITLES.get(name) or _title_words(name.removesuffix(".csv"))


def category_label(code: str, pack=None) -> str:
    """The pack's label of a category code, or the code in words."""
    c = getattr(pack, "categories", {}).get(code) if pack is not None else None
    return c.label if c is not None else _title_words(code)


_PATH_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$")


def field_words(path: str) -> str:
    """A FORMAT.md field path in words: 'lifetime_years' -> 'lifetime';
    'capex.2021' -> 'capex 2021'; 'other_benefits[2].per_year' -> 'other benefit 3, amount
    a year'; 'readiness.months_to_start' -> 'readiness: months to start'."""
    out: list[str] = []
    for part in path.split("."):
        m = _PATH_PART.match(part)
        if part.isdigit() or m is None:
            out.append(part)
            continue
        name, index = m.group(1), m.group(2)
        words = FIELD_WORDS.get(name) or name.replace("_", " ")
        if index is not None:
            singular = words[:-1] if words.endswith("s") else words
            words = f"{singular} {int(index) + 1}"
        out.append(words)
    if len(out) == 1:
        return out[0]
    if len(out) == 2 and out[1].isdigit():
        return f"{out[0]} {out[1]}"
    return out[0] + (": " if "[" not in path.split(".")[0] else ", ") + ", ".join(out[1:])


# a quoted code ('renewable_generation'), a field path (other_benefits[0].per_year,
# readiness.months_to_start), a file of the pack (air_quality.csv), or a bare code with an
# underscore (grid_electricity); 'lpg' alone
_QUOTED = re.compile(r"(['\"])([a-z][a-z0-9_\-]*)\1")
_CSV = re.compile(r"\b([a-z][a-z0-9_]*\.csv)\b")
_PATH = re.compile(r"\b([a-z][a-z0-9_]*(?:\[\d+\])?(?:\.(?:[a-z][a-z0-9_]*(?:\[\d+\])?|\d{4}))+)"
                   r"(?![\w(])")
_CODE = re.compile(r"(?<![\w./\\-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w/\\-]|\.\w)")
_LPG = re.compile(r"\blpg\b")
_GBP = re.compile(r"\bGBP ?(?=[0-9£])")     # "GBP 1m" as a person writes it: "£1m"


def _code_words(code: str, pack=None, *, quoted: bool = False) -> str | None:
    """A code in words for the middle of a sentence, or None if it is not a known code."""
    if pack is not None and code in getattr(pack, "categories", {}):
        return pack.categories[code].label
    if pack is not None and code in getattr(pack, "investment_gap", {}):
        return pack.investment_gap[code].label
    if code in FUEL_NAMES:
        name = FUEL_NAMES[code]
        return name if name.isupper() else name.lower()
    if code in OB_TYPE_NAMES:
        return OB_TYPE_NAMES[code].lower()
    if code in FIELD_WORDS:
        return FIELD_WORDS[code]
    if code in CALCULATOR_NAMES:
        return CALCULATOR_NAMES[code].lower().replace("ev ", "EV ")
    if code in READINESS_NAMES:
        return READINESS_NAMES[code].lower()
    if "_" in code:
        return code.replace("_", " ")
    return None


def plain(text: str, pack=None) -> str:
    """A message of the core (a warning, a problem) with its codes in words, for display:
    "category 'renewable_generation' is in no investment-gap sector" -> "category
    'Renewable generation' is in no ..."; "emission factors for grid_electricity end in
    2039" -> "... for grid electricity end in 2039"; "lifetime_years is 0" -> "lifetime is
    0"; "the pack has no air_quality table" -> "... no air-quality damage costs table".
    ``pack`` gives the labels of categories and investment-gap sectors. The JSON and the
    workbook's machine-readable columns keep the codes."""
    if not text:
        return text

    def quoted(m: re.Match) -> str:
        words = _code_words(m.group(2), pack, quoted=True)
        return m.group(0) if words is None else f"{m.group(1)}{words}{m.group(1)}"

    def path(m: re.Match) -> str:
        p = m.group(1)
        head = _PATH_PART.match(p.split(".")[0])
        if head is None or not (head.group(1) in FIELD_WORDS or head.group(2) is not None):
            return p
        return field_words(p)

    def code(m: re.Match) -> str:
        words = _code_words(m.group(1), pack)
        return m.group(0) if words is None else words

    text = _CSV.sub(lambda m: table_title(m.group(1)), text)
    text = _QUOTED.sub(quoted, text)
    text = _PATH.sub(path, text)
    text = _CODE.sub(code, text)
    text = _GBP.sub("£", text)
    return _LPG.sub("LPG", text)


def sentence(text: str, pack=None) -> str:
    """A message in words, with a capital and a full stop."""
    text = plain(text, pack).strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
