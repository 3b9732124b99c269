"""The portfolio: projects as users enter them, checked and typed.

The document a user keeps is the JSON-shaped dictionary of FORMAT.md section 1
(``Portfolio.data``): it is the truth, and it keeps every field the
application does not know, so that a save writes them back. The calculation
core works on a typed, validated view of it (:class:`PortfolioInputs`), made
by :func:`parse_portfolio`, which reports every problem at once, each naming
the project and the field.
"""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .calculators import run_calculator
from .delivery import DELIVERY_FIELDS, read_delivery
from .errors import InputError, Problem
from .limits import Range, check_number, describe, has_lone_surrogate
from .pack import (ADDITIONALITY_FACTORS, BUSINESS_CASE_STAGES, CARBON_SERIES, ENERGY_SECTORS,
                   AssumptionPack)

FORMAT_NAME = "appraisal-portfolio"
FORMAT_VERSION = 1
CATEGORIES = ("heat_pumps", "building_retrofit", "ev_charging", "public_transport",
              "active_travel", "green_space", "hydrogen", "renewable_generation",
              "broadband", "other")
SPATIAL_LEVELS = ("neighbourhood", "local", "sub-regional", "regional")
DEFAULT_SPATIAL_LEVEL = "sub-regional"
BENEFIT_KINDS = ("economic", "revenue")
READINESS_FLAGS = ("planning_consent", "site_secured", "procurement_ready", "match_funding_confirmed")
ADDITIONALITY_FIELDS = ADDITIONALITY_FACTORS   # the pack's columns are the project's fields
YEAR_RANGE = (1900, 2200)
MAX_LIFETIME_YEARS = 300
MAX_TEXT = 500        # characters in a name, label or area
MAX_ID = 64
MAX_MONEY = 1e13      # GBP 10 trillion: more is a typing error, not a project
MAX_ENERGY = 1e13     # kWh or litres a year: 10 TWh, more than a large power station
MAX_CAR_KM = 1e12     # car-km a year: about three times Great Britain's
MAX_NOTES = 100_000   # characters of free-text notes

_MONEY, _SIGNED_MONEY = Range(0.0, MAX_MONEY, "GBP"), Range(-MAX_MONEY, MAX_MONEY, "GBP")
_SHARE, _YEAR = Range(0.0, 1.0, "fraction"), Range(*YEAR_RANGE, "calendar year", whole=True)
# The one declaration of the range of every number of a portfolio (FORMAT.md 6
# lists it): "*" stands for any key (a year, a fuel, a project type, a driver),
# "[]" for any item of a list. Read by the parser (files, the desktop
# application's fields) and by the submission importer.
FIELD_RANGES: dict[str, Range] = {
    # the portfolio
    "appraisal_year": Range(1990, 2100, "calendar year", whole=True),
    "price_base_year": _YEAR,
    "financial_discount_rate": Range(-0.5, 1.0, "fraction a year"),
    "financial_ob_share": _SHARE,
    "sensitivity.*.low": Range(0.0, 10.0, "factor"),
    "sensitivity.*.high": Range(0.0, 10.0, "factor"),
    # a project
    "price_year": _YEAR,
    "capex.*": _MONEY,
    "public_funding_share": _SHARE,
    "public_funding.*": _MONEY,
    "opex_per_year": _MONEY,
    "operating_start": _YEAR,
    "lifetime_years": Range(0, MAX_LIFETIME_YEARS, "years", whole=True),
    "energy_changes[].quantity_per_year": Range(-MAX_ENERGY, MAX_ENERGY, "kWh or litres a year"),
    "other_benefits[].per_year": _SIGNED_MONEY,
    "other_benefits[].profile.*": _SIGNED_MONEY,
    "optimism_bias": Range(0.0, 10.0, "fraction"),
    "ob_mitigation": _SHARE,
    "ob_project_type.*": _SHARE,
    "job_years_per_million": Range(0.0, 1000.0, "job-years per GBP 1m"),
    "operational_fte": Range(0.0, 1e6, "FTE"),
    "additionality.deadweight": _SHARE,
    "additionality.leakage": _SHARE,
    "additionality.displacement": _SHARE,
    "additionality.substitution": _SHARE,
    "additionality.multiplier": Range(1.0, 10.0, "factor"),
    "readiness.months_to_start": Range(0.0, 600.0, "months"),
    "counterfactual_capex.*": _MONEY,
    "benefit_deadweight": _SHARE,
    "comfort_taking": _SHARE,
    "car_km_removed": Range(-MAX_CAR_KM, MAX_CAR_KM, "car-km a year"),
    "car_km_removed.*": Range(-MAX_CAR_KM, MAX_CAR_KM, "car-km"),
    "added_peak_kw": Range(0.0, 1e9, "kW"),
    "renewals[].cost": _MONEY,
    "renewals[].every_years": Range(1, MAX_LIFETIME_YEARS, "years", whole=True),
    "residual_value": _MONEY,
    "asset_life_years": Range(1, MAX_LIFETIME_YEARS, "years", whole=True),
    "vfm_adjustment": Range(-1, 1, "bands", whole=True),
    "tariffs.*": Range(0.0, 1e6, "GBP per unit"),
}


@functools.lru_cache(maxsize=8192)   # paths repeat across projects ("capex.2027")
def field_range(path: str) -> Range:
    """The declared range of the field at ``path`` ("capex.2027", "renewals[0].cost",
    "sensitivity.capex.low"); a path without one is a programming error."""
    parts = re.sub(r"\[\d+\]", "[]", path).split(".")
    candidates = [parts] + [parts[:k] + ["*"] + parts[k + 1:] for k in range(len(parts) - 1, 0, -1)]
    for c in candidates + [parts[:1] + ["*"]]:
        rng = FIELD_RANGES.get(".".join(c))
        if rng is not None:
            return rng
    raise KeyError(f"no range is declared for the field {path!r}")


VFM_BASES = ("public", "social")
FINANCIAL_BASES = ("real", "nominal")
DISCOUNTINGS = ("standard", "health")


@dataclass(frozen=True)
class PortfolioDefaults:
    """METHOD.md notation: the portfolio's choices when a file leaves them out.
    The one definition: the parser, a new document and the GUI read these."""

    discount_schedule: str = "standard"
    carbon_series: str = "central"
    energy_series: str = "central"
    financial_discount_rate: float = 0.035
    vfm_basis: str = "public"
    financial_ob_share: float = 1.0
    financial_basis: str = "real"


DEFAULTS = PortfolioDefaults()


@dataclass(frozen=True)
class BenefitStream:
    label: str
    kind: str                              # "economic" or "revenue"
    per_year: float | None                 # GBP a year at the project's price year, in operating years
    profile: dict[int, float] | None       # GBP by calendar year, in exactly those years
    discounting: str = "standard"          # v2: "health" streams use the health schedule


@dataclass(frozen=True)
class Readiness:
    planning_consent: bool = False
    site_secured: bool = False
    procurement_ready: bool = False
    match_funding_confirmed: bool = False
    months_to_start: float | None = None


@dataclass(frozen=True)
class ProjectInputs:
    """One project's inputs, typed; ``None`` means "use the default"."""

    id: str
    name: str
    category: str
    area: str = ""
    spatial_level: str = DEFAULT_SPATIAL_LEVEL
    price_year: int | None = None
    capex: dict[int, float] = field(default_factory=dict)
    public_funding_share: float | None = None
    public_funding: dict[int, float] | None = None
    opex_per_year: float = 0.0
    operating_start: int | None = None
    lifetime_years: int = 0
    energy_changes: tuple[tuple[str, float], ...] = ()
    other_benefits: tuple[BenefitStream, ...] = ()
    bill_savings_to_promoter: bool = False
    optimism_bias: float | None = None
    ob_mitigation: float | None = None     # None: the business-case stage's, else 0
    ob_project_type: str | dict[str, float] | None = None
    job_years_per_million: float | None = None
    operational_fte: float = 0.0
    additionality: dict[str, float | None] = field(default_factory=dict)
    readiness: Readiness = Readiness()
    sensitivity: dict[str, tuple[float, float]] = field(default_factory=dict)  # driver -> low, high
    notes: tuple[str, ...] = ()   # what reading it found worth saying (e.g. a likely typo)
    # -- method version 2 (FORMAT.md 4); every default is neutral
    energy_sector: str | None = None                 # None: the category's
    counterfactual_capex: dict[int, float] | None = None
    benefit_deadweight: float | None = None          # None: the category's, else 0
    comfort_taking: float | None = None              # None: the category's
    car_km_removed: float | None = None              # per operating year
    car_km_removed_by_year: dict[int, float] | None = None
    added_peak_kw: float = 0.0
    renewals: tuple[tuple[str, float, int], ...] = ()   # (label, cost, every_years)
    residual_value: float | None = None
    asset_life_years: int | None = None
    business_case_stage: str | None = None
    vfm_adjustment: int = 0
    vfm_adjustment_reason: str = ""
    tariffs: dict[str, float] = field(default_factory=dict)   # fuel -> GBP per unit incl. VAT
    vat_recoverable: bool = True
    promoter_public: bool = False


@dataclass(frozen=True)
class PortfolioInputs:
    name: str
    appraisal_year: int
    price_base_year: int | None
    financial_discount_rate: float
    discount_schedule: str
    carbon_series: str
    projects: tuple[ProjectInputs, ...]
    sensitivity: dict[str, tuple[float, float]] = field(default_factory=dict)  # driver -> low, high
    energy_series: str = DEFAULTS.energy_series
    vfm_basis: str = DEFAULTS.vfm_basis
    financial_ob_share: float = DEFAULTS.financial_ob_share
    financial_basis: str = DEFAULTS.financial_basis
    sign_off: dict[str, str] = field(default_factory=dict)   # SIGN_OFF_FIELDS -> text


# the sign-off of an appraisal (FORMAT.md 4): who prepared it, who checked it, when, which version
SIGN_OFF_FIELDS = ("prepared_by", "checked_by", "date", "version")


@dataclass
class Portfolio:
    """The document: FORMAT.md's JSON object, with unknown fields kept."""

    data: dict[str, Any]
    migrated_from: int | None = None   # version the file had before migration, if older

    @property
    def projects(self) -> list[dict[str, Any]]:
        projects: list[dict[str, Any]] = self.data.setdefault("projects", [])
        return projects

    @classmethod
    def new(cls, name: str = "New portfolio", appraisal_year: int | None = None,
            price_base_year: int | None = None) -> "Portfolio":
        """An empty portfolio: the current year, prices of the pack's default
        price base year (METHOD.md notation; the caller passes the pack's)."""
        import datetime
        year = appraisal_year if appraisal_year is not None else datetime.date.today().year
        return cls({"format": FORMAT_NAME, "version": FORMAT_VERSION, "name": name,
                    "appraisal_year": year, "price_base_year": price_base_year,
                    "financial_discount_rate": DEFAULTS.financial_discount_rate,
                    "discount_schedule": DEFAULTS.discount_schedule,
                    "carbon_series": DEFAULTS.carbon_series, "energy_series": DEFAULTS.energy_series,
                    "vfm_basis": DEFAULTS.vfm_basis, "financial_ob_share": DEFAULTS.financial_ob_share,
                    "financial_basis": DEFAULTS.financial_basis, "projects": []})

    def copy(self) -> "Portfolio":
        return Portfolio(copy.deepcopy(self.data), self.migrated_from)


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------

class _Checker:
    """Typed reads from JSON-shaped data that record a Problem instead of raising.

    Every number is checked by :func:`appraisal.core.limits.check_number` against
    the range :data:`FIELD_RANGES` declares for its field path."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.project: str | None = None

    def bad(self, fieldname: str, message: str) -> None:
        self.problems.append(Problem(message, file=self.file, project=self.project, field=fieldname))

    def number(self, obj: dict[str, Any], key: str, path: str, *, default: float | None = None,
               rng: Range | None = None) -> float | None:
        v = obj.get(key)
        if v is None:
            return default
        return self.value(v, path, fallback=default, rng=rng)

    def value(self, v: Any, path: str, *, fallback: float | None = None,
              rng: Range | None = None) -> float | None:
        """``v`` checked against ``rng``, or else the range FIELD_RANGES declares for
        ``path`` (a record that is not an appraisal input, such as a delivery return,
        declares its ranges beside its own fields and passes them)."""
        x, problem = check_number(v, rng or field_range(path))
        if problem is not None:
            self.bad(path, problem)
            return fallback
        return x

    def integer(self, obj: dict[str, Any], key: str, path: str, *, default: int | None = None,
                required: bool = False, rng: Range | None = None) -> int | None:
        v = obj.get(key)
        if v is None:
            if required:
                self.bad(path, "is missing")
            return default
        x = self.value(v, path, rng=rng)
        return default if x is None else int(x)   # the field's Range says it is whole

    def text(self, obj: dict[str, Any], key: str, path: str, *, default: str = "", required: bool = False,
             limit: int = MAX_TEXT) -> str:
        v = obj.get(key)
        if v is None:
            if required:
                self.bad(path, "is missing")
            return default
        if not isinstance(v, str):
            self.bad(path, f"must be text, not {_describe(v)}")
            return default
        if has_lone_surrogate(v):
            self.bad(path, "holds a lone surrogate (\\ud800 to \\udfff), which is not a "
                           "character; retype the text")
            return default
        if len(v) > limit:
            self.bad(path, f"is {len(v)} characters long; at most {limit} are allowed")
            return v[:limit]
        if required and not v.strip():
            self.bad(path, "is empty")
        return v

    def boolean(self, obj: dict[str, Any], key: str, path: str, default: bool = False) -> bool:
        v = obj.get(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            self.bad(path, f"must be true or false, not {_describe(v)}")
            return default
        return v

    def mapping(self, obj: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        v = obj.get(key)
        if v is None:
            return None
        if not isinstance(v, dict):
            self.bad(path, f"must be an object, not {_describe(v)}")
            return None
        return v

    def year_map(self, obj: dict[str, Any], key: str, path: str) -> dict[int, float] | None:
        m = self.mapping(obj, key, path)
        if m is None:
            return None
        out: dict[int, float] = {}
        for k, v in m.items():
            if isinstance(k, int) and not isinstance(k, bool):   # from Python callers
                y, ok = k, True
            else:
                try:
                    y = int(k)
                    ok = str(y) == k
                except (TypeError, ValueError, AttributeError):
                    ok = False
            if not ok:
                self.bad(f"{path}.{k}"[:80], "the key must be a calendar year such as \"2024\"")
                continue
            if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
                self.bad(f"{path}.{k}", f"year {y} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
                continue
            x = self.value(v, f"{path}.{k}")
            if x is not None:
                out[y] = x
        return out


_describe = describe


def _parse_project(p: dict[str, Any], index: int, ck: _Checker, pack: AssumptionPack | None) -> ProjectInputs | None:
    """One project of the file, checked field by field; every problem goes to ``ck``.

    The helpers run in the order the fields are read so the problems are listed in that
    order.
    """
    pid, name, category = _parse_identity(p, index, ck, pack)
    level = _parse_spatial_level(p, ck, pack)
    price_year = ck.integer(p, "price_year", "price_year")
    if price_year is not None and pack is not None and not pack.deflator.covers(price_year):
        lo, hi = pack.deflator_years
        ck.bad("price_year", f"{price_year} is before the GDP deflator table ({lo}-{hi}) of the "
                             "assumption pack; give the amounts at prices of a year in it")
    capex = ck.year_map(p, "capex", "capex") or {}
    share = ck.number(p, "public_funding_share", "public_funding_share")
    public_funding = ck.year_map(p, "public_funding", "public_funding")
    opex = ck.number(p, "opex_per_year", "opex_per_year", default=0.0)
    op_start = ck.integer(p, "operating_start", "operating_start")
    lifetime = ck.integer(p, "lifetime_years", "lifetime_years",
                          required=True, default=0)

    fuels = pack.fuels() if pack is not None else None
    energy, energy_given = _parse_energy_changes(p, ck, fuels)
    derived = _parse_calculator(p, ck, pack, fuels, energy_given)
    if derived is not None:
        energy = derived
    benefits, stream_notes = _parse_other_benefits(p, ck)

    ob = ck.number(p, "optimism_bias", "optimism_bias")
    ob_mit = ck.number(p, "ob_mitigation", "ob_mitigation")
    ob_type = p.get("ob_project_type")
    if ob_type is not None:
        ob_type = _parse_ob_type(ob_type, ck, pack)
    jypm = ck.number(p, "job_years_per_million", "job_years_per_million")
    fte = ck.number(p, "operational_fte", "operational_fte", default=0.0)
    additionality = _parse_additionality(p, ck)
    readiness = _parse_readiness(p, ck)

    ranges = _parse_ranges(p.get("sensitivity"), ck)
    ck.text(p, "notes", "notes", limit=MAX_NOTES)   # free text, kept as it is
    notes = tuple(likely_typos(p, PROJECT_FIELDS + DELIVERY_FIELDS)) + tuple(stream_notes)
    v2 = _parse_v2_project(p, ck, pack, fuels)
    return ProjectInputs(
        id=pid, name=name, category=category, area=ck.text(p, "area", "area"),
        spatial_level=level, price_year=price_year, capex=capex, public_funding_share=share,
        public_funding=public_funding, opex_per_year=opex or 0.0, operating_start=op_start,
        lifetime_years=lifetime or 0, energy_changes=tuple(energy), other_benefits=tuple(benefits),
        bill_savings_to_promoter=ck.boolean(p, "bill_savings_to_promoter", "bill_savings_to_promoter"),
        optimism_bias=ob, ob_mitigation=ob_mit, ob_project_type=ob_type,
        job_years_per_million=jypm, operational_fte=fte or 0.0, additionality=additionality,
        readiness=readiness, sensitivity=ranges, notes=notes, **v2)


def _parse_identity(p: dict[str, Any], index: int, ck: _Checker,
                    pack: AssumptionPack | None) -> tuple[str, str, str]:
    """The id, name and category of a project; sets ``ck.project`` so later messages name it."""
    label = f"#{index + 1}"
    pid = p.get("id")
    # a message names the project by its id, unless the id is unusable (a 1 MB id is not echoed)
    ck.project = pid if isinstance(pid, str) and pid.strip() and len(pid) <= MAX_ID \
        and not has_lone_surrogate(pid) else label
    pid = ck.text(p, "id", "id", required=True, limit=MAX_ID).strip()
    name = ck.text(p, "name", "name", default=pid)
    category = ck.text(p, "category", "category", required=True)
    known_categories = pack.categories if pack is not None else CATEGORIES
    if category and category not in known_categories:
        ck.bad("category", f"{category[:40]!r} is not a known category "
                           f"(one of {', '.join(sorted(known_categories))})")
    return pid, name, category


def _parse_spatial_level(p: dict[str, Any], ck: _Checker, pack: AssumptionPack | None) -> str:
    """The spatial level of additionality: given, or the default when the pack has that row."""
    levels = list(pack.additionality) if pack is not None else list(SPATIAL_LEVELS)
    level = p.get("spatial_level")
    if level is None:
        level = DEFAULT_SPATIAL_LEVEL
        if level not in levels:
            ck.bad("spatial_level", f"is needed: the assumption pack has no {level!r} row to use "
                                    f"by default (give one of {', '.join(levels)})")
    elif not isinstance(level, str) or level not in levels:
        ck.bad("spatial_level", f"{_describe(level)} is not one of {', '.join(levels)}")
        level = levels[0] if levels else DEFAULT_SPATIAL_LEVEL
    return level


def _parse_energy_changes(p: dict[str, Any], ck: _Checker,
                          fuels: list[str] | None) -> tuple[list[tuple[str, float]], bool]:
    """The (fuel, quantity a year) pairs of ``energy_changes``, and whether any were given
    (a calculator may not be given beside them)."""
    energy: list[tuple[str, float]] = []
    items = p.get("energy_changes")
    if items is not None and not isinstance(items, list):
        ck.bad("energy_changes", f"must be a list, not {_describe(items)}")
        items = None
    for k, item in enumerate(items or []):
        path = f"energy_changes[{k}]"
        if not isinstance(item, dict):
            ck.bad(path, f"must be an object with fuel and quantity_per_year, not {_describe(item)}")
            continue
        fuel = ck.text(item, "fuel", f"{path}.fuel", required=True)
        if fuels is not None and fuel and fuel not in fuels:
            ck.bad(f"{path}.fuel", f"{fuel[:40]!r} is not a fuel of the assumption pack "
                                   f"(one of {', '.join(fuels)})")
        q = item.get("quantity_per_year")
        if q is None:
            ck.bad(f"{path}.quantity_per_year", "is missing")
            continue
        qv = ck.value(q, f"{path}.quantity_per_year")
        if qv is not None and fuel:
            energy.append((fuel, qv))
    return energy, bool(items)


def _parse_calculator(p: dict[str, Any], ck: _Checker, pack: AssumptionPack | None,
                      fuels: list[str] | None,
                      energy_given: bool) -> list[tuple[str, float]] | None:
    """The energy changes a ``calculator`` block derives, checked against the ranges and the
    pack's fuels; None when there is no usable calculator (the given changes then stand)."""
    calc = p.get("calculator")
    if calc is None:
        return None
    if not isinstance(calc, dict):
        ck.bad("calculator", f"must be an object with a type, not {_describe(calc)}")
        return None
    if energy_given:
        ck.bad("calculator", "give either energy_changes or calculator inputs, not both")
        return None
    try:
        derived = run_calculator(calc, pack.calculator_defaults if pack is not None else {},
                                 ck.project or "")
    except InputError as exc:
        ck.problems.extend(replace(prob, file=ck.file) for prob in exc.problems)
        return None
    energy = [(c["fuel"], c["quantity_per_year"]) for c in derived.energy_changes]
    limit = FIELD_RANGES["energy_changes[].quantity_per_year"]
    for fuel, q in energy:
        if not limit.lo <= q <= limit.hi:
            ck.bad("calculator", f"gives {q:,.4g} a year of {fuel}, beyond the "
                                 f"{limit.words()} an energy change may be; check "
                                 "the inputs")
    for fuel, _ in energy:
        if fuels is not None and fuel not in fuels:
            ck.bad("calculator.displaced_fuel",
                   f"{fuel!r} is not a fuel of the assumption pack "
                   f"(one of {', '.join(fuels)})")
    return energy


def _parse_other_benefits(p: dict[str, Any],
                          ck: _Checker) -> tuple[list[BenefitStream], list[str]]:
    """The ``other_benefits`` streams, and notes on streams whose settings do not apply
    (health discounting on revenue)."""
    benefits: list[BenefitStream] = []
    stream_notes: list[str] = []
    items = p.get("other_benefits")
    if items is not None and not isinstance(items, list):
        ck.bad("other_benefits", f"must be a list, not {_describe(items)}")
        items = None
    for k, item in enumerate(items or []):
        path = f"other_benefits[{k}]"
        if not isinstance(item, dict):
            ck.bad(path, f"must be an object, not {_describe(item)}")
            continue
        blabel = ck.text(item, "label", f"{path}.label")
        kind = item.get("kind", "economic")
        if kind not in BENEFIT_KINDS:
            ck.bad(f"{path}.kind", f"{_describe(kind)} is not 'economic' or 'revenue'")
            continue
        has_per_year, has_profile = item.get("per_year") is not None, item.get("profile") is not None
        if has_per_year == has_profile:
            ck.bad(path, "give either per_year or profile (exactly one)")
            continue
        per_year = ck.value(item["per_year"], f"{path}.per_year") \
            if has_per_year else None
        profile = ck.year_map(item, "profile", f"{path}.profile") if has_profile else None
        disc = item.get("discounting", "standard")
        if disc is None:
            disc = "standard"
        if disc not in DISCOUNTINGS:
            ck.bad(f"{path}.discounting", f"{_describe(disc)} is not 'standard' or 'health'")
            continue
        if disc == "health" and kind != "economic":
            stream_notes.append(f"{path}.discounting: health discounting applies to economic "
                                "benefits only; this revenue stream is cash to the promoter and "
                                "stays in the financial case")
        if per_year is not None or profile is not None:
            benefits.append(BenefitStream(blabel, kind, per_year, profile, disc))
    return benefits, stream_notes


def _parse_additionality(p: dict[str, Any], ck: _Checker) -> dict[str, float | None]:
    """The project's own additionality factors (None where the pack's row applies)."""
    add_in = ck.mapping(p, "additionality", "additionality") or {}
    additionality: dict[str, float | None] = {}
    for f in ADDITIONALITY_FIELDS:
        additionality[f] = ck.number(add_in, f, f"additionality.{f}")
    return additionality


def _parse_readiness(p: dict[str, Any], ck: _Checker) -> Readiness:
    """The readiness flags and months to start (missing flags read as not done)."""
    r_in = ck.mapping(p, "readiness", "readiness") or {}
    return Readiness(
        **{f: ck.boolean(r_in, f, f"readiness.{f}") for f in READINESS_FLAGS},
        months_to_start=ck.number(r_in, "months_to_start", "readiness.months_to_start"))


def _parse_v2_project(p: dict[str, Any], ck: _Checker, pack: AssumptionPack | None,
                      fuels: list[str] | None) -> dict[str, Any]:
    """The method version 2 fields of a project (FORMAT.md 4)."""
    out: dict[str, Any] = {}
    sector = p.get("energy_sector")
    if sector is not None and sector not in ENERGY_SECTORS:
        ck.bad("energy_sector", f"{_describe(sector)} is not one of {', '.join(ENERGY_SECTORS)}")
        sector = None
    out["energy_sector"] = sector
    out["counterfactual_capex"] = ck.year_map(p, "counterfactual_capex", "counterfactual_capex")
    out["benefit_deadweight"] = ck.number(p, "benefit_deadweight", "benefit_deadweight")
    out["comfort_taking"] = ck.number(p, "comfort_taking", "comfort_taking")
    km = p.get("car_km_removed")
    if isinstance(km, dict):
        out["car_km_removed_by_year"] = ck.year_map(p, "car_km_removed", "car_km_removed")
    elif km is not None:
        out["car_km_removed"] = ck.value(km, "car_km_removed")
    out["added_peak_kw"] = ck.number(p, "added_peak_kw", "added_peak_kw", default=0.0) or 0.0
    renewals = []
    items = p.get("renewals")
    if items is not None and not isinstance(items, list):
        ck.bad("renewals", f"must be a list, not {_describe(items)}")
        items = None
    for k, item in enumerate(items or []):
        path = f"renewals[{k}]"
        if not isinstance(item, dict):
            ck.bad(path, f"must be an object with label, cost and every_years, not {_describe(item)}")
            continue
        label = ck.text(item, "label", f"{path}.label")
        cost = ck.number(item, "cost", f"{path}.cost")
        every = ck.integer(item, "every_years", f"{path}.every_years",
                           required=True)
        if cost is None and item.get("cost") is None:
            ck.bad(f"{path}.cost", "is missing")
        if cost is not None and every is not None:
            renewals.append((label, cost, every))
    out["renewals"] = tuple(renewals)
    out["residual_value"] = ck.number(p, "residual_value", "residual_value")
    out["asset_life_years"] = ck.integer(p, "asset_life_years", "asset_life_years")
    stage = p.get("business_case_stage")
    if stage is not None and stage not in BUSINESS_CASE_STAGES:
        ck.bad("business_case_stage", f"{_describe(stage)} is not one of "
                                      f"{', '.join(BUSINESS_CASE_STAGES)} (strategic outline, "
                                      "outline or full business case)")
        stage = None
    out["business_case_stage"] = stage
    adj = ck.integer(p, "vfm_adjustment", "vfm_adjustment", default=0) or 0
    reason = ck.text(p, "vfm_adjustment_reason", "vfm_adjustment_reason")
    if adj and not reason.strip():
        ck.bad("vfm_adjustment_reason", "is needed when vfm_adjustment moves the value-for-money "
                                        "band: say which non-monetised impacts justify it")
    out["vfm_adjustment"], out["vfm_adjustment_reason"] = adj, reason
    tariffs: dict[str, float] = {}
    t_in = ck.mapping(p, "tariffs", "tariffs") or {}
    for fuel, v in t_in.items():
        path = f"tariffs.{fuel}"[:80]
        if fuels is not None and fuel not in fuels:
            ck.bad(path, f"is not a fuel of the assumption pack (one of {', '.join(fuels)})")
            continue
        x = ck.value(v, path)
        if x is not None:
            tariffs[str(fuel)] = x
    out["tariffs"] = tariffs
    out["vat_recoverable"] = ck.boolean(p, "vat_recoverable", "vat_recoverable", default=True)
    out["promoter_public"] = ck.boolean(p, "promoter_public", "promoter_public")
    read_delivery(p, ck, pack)   # baselines and actuals: checked, not used here (docs/delivery.md)
    return out


PROJECT_FIELDS = ("id", "name", "category", "area", "spatial_level", "price_year", "capex",
                  "public_funding_share", "public_funding", "opex_per_year", "operating_start",
                  "lifetime_years", "energy_changes", "other_benefits", "bill_savings_to_promoter",
                  "optimism_bias", "ob_mitigation", "ob_project_type", "job_years_per_million",
                  "operational_fte", "additionality", "readiness", "calculator", "sensitivity",
                  "energy_sector", "counterfactual_capex", "benefit_deadweight", "comfort_taking",
                  "car_km_removed", "added_peak_kw", "renewals", "residual_value",
                  "asset_life_years", "business_case_stage", "vfm_adjustment",
                  "vfm_adjustment_reason", "tariffs", "vat_recoverable", "promoter_public", "notes")
PORTFOLIO_FIELDS = ("format", "version", "name", "appraisal_year", "price_base_year",
                    "financial_discount_rate", "discount_schedule", "carbon_series", "projects",
                    "sensitivity", "energy_series", "vfm_basis", "financial_ob_share",
                    "financial_basis", "notes", "sign_off")


def likely_typos(obj: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    """Unknown fields that look like a misspelt known one: they are kept (FORMAT.md
    1) but would otherwise leave the default in force without a word."""
    import difflib
    out = []
    for key in obj:
        if isinstance(key, str) and key not in known and len(key) <= 2 * MAX_ID:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
            if close:
                out.append(f"the field {key!r} is not one the application reads: did you mean "
                           f"{close[0]!r}? (the default of {close[0]!r} is used)")
    return out


# drivers whose low and high a portfolio or a project may set (factors on the central
# value); the carbon values' range is the pack's low and high series
RANGE_DRIVERS = ("capex", "opex", "optimism_bias", "energy_quantities", "energy_prices",
                 "other_benefits", "lifetime", "job_intensity", "additionality")


def _parse_ranges(v: Any, ck: _Checker) -> dict[str, tuple[float, float]]:
    """``{"capex": {"low": 0.85, "high": 1.5}, ...}``: the sensitivity ranges to use."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        ck.bad("sensitivity", f"must be an object of drivers, not {_describe(v)}")
        return {}
    out: dict[str, tuple[float, float]] = {}
    for driver, rng in v.items():
        path = f"sensitivity.{driver}"[:80]
        if driver not in RANGE_DRIVERS:
            ck.bad(path, f"is not a driver whose range can be set (one of {', '.join(RANGE_DRIVERS)})")
            continue
        if not isinstance(rng, dict):
            ck.bad(path, f"must be an object with low and high, not {_describe(rng)}")
            continue
        low = ck.number(rng, "low", f"{path}.low")
        high = ck.number(rng, "high", f"{path}.high")
        if low is None or high is None:
            if rng.get("low") is None or rng.get("high") is None:
                ck.bad(path, "needs both low and high (factors on the central value, e.g. 0.9 "
                             "and 1.3)")
            continue
        if not low <= 1.0 <= high:
            ck.bad(path, f"low {low:g} and high {high:g} must bracket the central value 1")
            continue
        out[driver] = (low, high)
    return out


def _parse_ob_type(v: Any, ck: _Checker, pack: AssumptionPack | None) -> str | dict[str, float] | None:
    known = pack.optimism_bias if pack is not None else None
    if isinstance(v, str):
        if known is not None and v not in known:
            ck.bad("ob_project_type", f"{v[:40]!r} is not a project type of the optimism bias table "
                                      f"(one of {', '.join(known)})")
            return None
        return v
    if isinstance(v, dict):
        out: dict[str, float] = {}
        for k, s in v.items():
            if known is not None and k not in known:
                ck.bad(f"ob_project_type.{k}"[:80], "is not a project type of the optimism bias table")
                continue
            x = ck.value(s, f"ob_project_type.{k}")
            if x is not None:
                out[k] = x
        if not v:
            ck.bad("ob_project_type", "is an empty set of shares; name a type, or give shares "
                                      "that add up to 1, or leave it out")
            return None
        if out and abs(sum(out.values()) - 1.0) > 1e-6:
            ck.bad("ob_project_type", f"shares add up to {sum(out.values()):.4g}; they must add up to 1")
            return None
        return out or None
    ck.bad("ob_project_type", f"must be a project type or an object of shares, not {_describe(v)}")
    return None


@dataclass(frozen=True)
class CheckedPortfolio:
    """What :func:`check_portfolio` found: the projects that can be appraised,
    and every problem, by project index for those of a project."""

    inputs: PortfolioInputs | None          # None when a portfolio-level field is wrong
    rows: tuple[int, ...]                   # index in the document of each project in inputs
    portfolio_problems: tuple[Problem, ...]
    project_problems: dict[int, list[Problem]]

    @property
    def problems(self) -> list[Problem]:
        out = list(self.portfolio_problems)
        for i in sorted(self.project_problems):
            out.extend(self.project_problems[i])
        return out


def parse_project(data: Any, index: int, pack: AssumptionPack | None = None, *,
                  file: str | None = None) -> tuple[ProjectInputs | None, list[Problem]]:
    """Check one project (the GUI's editor checks the project being edited).

    Returns the typed project, or None, and every problem found in it.
    Duplicate ids across projects are :func:`check_portfolio`'s business.
    """
    ck = _Checker(file)
    if not isinstance(data, dict):
        ck.project = f"#{index + 1}"
        ck.bad("", f"a project must be an object, not {_describe(data)}")
        return None, ck.problems
    parsed = _parse_project(data, index, ck, pack)
    return (None if ck.problems else parsed), ck.problems


def project_key(pid: Any) -> str:
    """Projects are the same when their IDs differ only in case (or surrounding spaces):
    the loader refuses two such, and a resubmission replaces its namesake."""
    return str(pid).strip().casefold()


def check_portfolio(data: Any, pack: AssumptionPack | None = None, *, file: str | None = None
                    ) -> CheckedPortfolio:
    """Check a portfolio document, keeping the projects that are sound.

    The desktop application appraises what it can while the user is still
    mending a project; :func:`parse_portfolio` is the strict form.
    """
    ck = _Checker(file)
    if not isinstance(data, dict):
        return CheckedPortfolio(None, (), (Problem(
            f"the portfolio must be a JSON object, not {_describe(data)}", file=file),), {})
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        ck.bad("format", f"is {_describe(data.get('format'))}; expected {FORMAT_NAME!r}")
    name = ck.text(data, "name", "name", default="Untitled portfolio")
    ck.text(data, "notes", "notes", limit=MAX_NOTES)
    a_year = ck.integer(data, "appraisal_year", "appraisal_year", required=True)
    b_year = ck.integer(data, "price_base_year", "price_base_year")
    if b_year is not None and pack is not None and not pack.deflator.covers(b_year):
        lo, hi = pack.deflator_years
        ck.bad("price_base_year", f"{b_year} is before the GDP deflator table ({lo}-{hi}) of the pack")
    rate = ck.number(data, "financial_discount_rate", "financial_discount_rate",
                     default=DEFAULTS.financial_discount_rate)
    energy_series = _choice(data, "energy_series", CARBON_SERIES, DEFAULTS.energy_series, ck)
    vfm_basis = _choice(data, "vfm_basis", VFM_BASES, DEFAULTS.vfm_basis, ck)
    financial_basis = _choice(data, "financial_basis", FINANCIAL_BASES, DEFAULTS.financial_basis, ck)
    fin_ob_share = ck.number(data, "financial_ob_share", "financial_ob_share",
                             default=DEFAULTS.financial_ob_share)
    schedule = data.get("discount_schedule")
    schedule = "standard" if schedule is None else schedule   # only a missing value defaults
    schedules = pack.discount_schedules if pack is not None else None
    if not isinstance(schedule, str) or (schedules is not None and schedule not in schedules) \
            or not schedule:
        ck.bad("discount_schedule", f"{_describe(schedule)} is not a schedule of the pack"
                                    + (f" (one of {', '.join(schedules)})" if schedules else ""))
        schedule = "standard"
    series = data.get("carbon_series")
    series = "central" if series is None else series
    if not isinstance(series, str) or series not in CARBON_SERIES:
        ck.bad("carbon_series", f"{_describe(series)} is not one of {', '.join(CARBON_SERIES)}")
        series = "central"
    raw_projects = data.get("projects", [])
    if not isinstance(raw_projects, list):
        ck.bad("projects", f"must be a list, not {_describe(raw_projects)}")
        raw_projects = []
    ck.project = None
    portfolio_ranges = _parse_ranges(data.get("sensitivity"), ck)
    sign_off = _parse_sign_off(data.get("sign_off"), ck)
    portfolio_problems = tuple(ck.problems)
    project_problems: dict[int, list[Problem]] = {}
    projects: list[ProjectInputs] = []
    rows: list[int] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(raw_projects):
        ck.problems = []
        if not isinstance(p, dict):
            ck.project = f"#{i + 1}"
            ck.bad("", f"a project must be an object, not {_describe(p)}")
            parsed = None
        else:
            parsed = _parse_project(p, i, ck, pack)
        if parsed is not None:
            key = project_key(parsed.id)   # "HP-001" and "hp-001" are one project (issue 10)
            if key in seen:
                ck.bad("id", f"duplicate id {parsed.id!r} (also project #{seen[key] + 1}; IDs "
                             "that differ only in case are the same project)")
            elif key:
                seen[key] = i
        if ck.problems:
            project_problems[i] = ck.problems
        elif parsed is not None:
            projects.append(parsed)
            rows.append(i)
    inputs = None if portfolio_problems else PortfolioInputs(
        name=name, appraisal_year=a_year or 0, price_base_year=b_year,
        financial_discount_rate=rate if rate is not None else DEFAULTS.financial_discount_rate,
        discount_schedule=schedule, carbon_series=series, projects=tuple(projects),
        sensitivity=portfolio_ranges, energy_series=energy_series, vfm_basis=vfm_basis,
        financial_ob_share=fin_ob_share if fin_ob_share is not None else DEFAULTS.financial_ob_share,
        financial_basis=financial_basis, sign_off=sign_off)
    return CheckedPortfolio(inputs, tuple(rows), portfolio_problems, project_problems)


def _parse_sign_off(v: Any, ck: _Checker) -> dict[str, str]:
    """The optional ``sign_off`` object: text for each of SIGN_OFF_FIELDS (others are kept
    in the document, unused)."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        ck.bad("sign_off", f"must be an object with {', '.join(SIGN_OFF_FIELDS)}, not {_describe(v)}")
        return {}
    return {k: ck.text(v, k, f"sign_off.{k}") for k in SIGN_OFF_FIELDS if v.get(k) is not None}


def _choice(data: dict[str, Any], key: str, allowed: tuple[str, ...], default: str, ck: _Checker) -> str:
    v = data.get(key)
    if v is None:
        return default
    if not isinstance(v, str) or v not in allowed:
        ck.bad(key, f"{_describe(v)} is not one of {', '.join(allowed)}")
        return default
    return v


def parse_portfolio(data: Any, pack: AssumptionPack | None = None, *, file: str | None = None
                    ) -> PortfolioInputs:
    """Check a portfolio document and return its typed inputs.

    Parameters
    ----------
    data : dict
        FORMAT.md section 1 object (already migrated to the current version).
    pack : AssumptionPack, optional
        When given, categories, fuels, spatial levels, the discount schedule
        and price years are checked against it too.
    file : str, optional
        Named in every problem.

    Raises
    ------
    InputError
        One :class:`Problem` per thing wrong, each naming the project and field.
    """
    checked = check_portfolio(data, pack, file=file)
    if checked.portfolio_problems or checked.project_problems:
        raise InputError(checked.problems)
    assert checked.inputs is not None
    return checked.inputs
