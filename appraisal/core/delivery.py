"""After the decision: baselines, actuals, and delivery against the appraisal.

A portfolio can freeze the approved appraisal of a project as a *baseline*
(its inputs, the pack and method it was made with, its results and the date),
and record *actuals* by year or quarter (capex, public funding drawn, opex,
measured energy, jobs, operating start), each with its date and source. Both
are additive fields of a project in the portfolio file (docs/FORMAT.md,
"Delivery"): ``baselines``, ``actuals`` and ``pre_project_energy``.

:func:`track` compares the actuals with the reference baseline (the latest
approved one) and re-runs the appraisal with the actuals in place of the
periods they cover; :func:`calibrate` pools completed projects' cost overrun
and slippage against the optimism-bias allowances they were appraised with.
docs/delivery.md states how every figure is computed.

Baselines are never recomputed: the figures they hold are those of the day
they were recorded, whatever pack is loaded later.
"""
from __future__ import annotations

import copy
import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, Problem
from .pack import PARAMETER_DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from .pack import AssumptionPack
    from .portfolio import Portfolio
    from .results import PortfolioResults

# ---------------------------------------------------------------------------
# Vocabulary (one definition: the parser, the GUI, the workbook and the CLI read these)
# ---------------------------------------------------------------------------

DELIVERY_FIELDS = ("baselines", "actuals", "pre_project_energy")   # additive project fields
# stage of a baseline: the business-case stages of FORMAT.md 4, and a re-baseline
BASELINE_STAGES = {"soc": "strategic outline case", "obc": "outline business case",
                   "fbc": "full business case", "change_request": "change request",
                   "other": "other"}
# the portfolio's choices an appraisal depends on: frozen with each baseline
SETTINGS_FIELDS = ("appraisal_year", "price_base_year", "financial_discount_rate",
                   "discount_schedule", "carbon_series", "energy_series", "vfm_basis",
                   "financial_ob_share", "financial_basis")
MONEY_FIELDS = ("capex_gbp", "public_funding_gbp", "opex_gbp")   # amounts in a period
ENERGY_FIELDS = ("energy_use", "energy_change")                  # {fuel: quantity in the period}
DATE_FIELDS = ("works_start", "operating_start")
ENTRY_FIELDS = ("year", "quarter", "date", "source", "price_year", *MONEY_FIELDS,
                *ENERGY_FIELDS, "jobs_fte", *DATE_FIELDS)
QUARTERS = (1, 2, 3, 4)
MAX_QUANTITY = 1e13          # a fuel quantity in a period, in the fuel's unit
MAX_JOBS_FTE = 1e7
MAX_RESULT = 1e18            # a frozen result figure; more is not a result of this engine
DAYS_PER_MONTH = 30          # slippage: whole calendar months, then days / 30 (docs/delivery.md 3)

# RAG statuses, best first; a project with no approved baseline has none
RAG = ("green", "amber", "red")
# pack parameters (parameters.csv) that set the RAG thresholds; defaults in pack.PARAMETER_DEFAULTS
THRESHOLD_PARAMETERS = {
    "overrun_amber": "delivery_overrun_amber", "overrun_red": "delivery_overrun_red",
    "slippage_amber_months": "delivery_slippage_amber_months",
    "slippage_red_months": "delivery_slippage_red_months",
    "carbon_amber": "delivery_carbon_amber", "carbon_red": "delivery_carbon_red",
}


# ---------------------------------------------------------------------------
# The data model
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    """One approved (or proposed) appraisal of a project, frozen.

    Nothing here is recomputed: ``results`` are the figures of the appraisal
    made on ``date`` with pack ``pack_id`` (``pack_vintage``) and method
    ``method_version``, from the inputs in ``project`` under the portfolio's
    ``settings`` of that day. A later pack or edit does not move them.
    """

    stage: str                       # a key of BASELINE_STAGES
    reason: str                      # why this baseline was made (e.g. "FBC approved by board")
    date: _dt.date                   # when it was recorded
    approved: bool
    pack_id: str
    pack_vintage: str
    method_version: int
    settings: Mapping[str, Any]      # SETTINGS_FIELDS of the portfolio then
    project: Mapping[str, Any]       # the project dict of the file then (without DELIVERY_FIELDS)
    results: Mapping[str, Any]       # the project's record of FORMAT.md 3 then
    planned_works_start: _dt.date | None = None       # None: 1 January of the first capex year
    planned_operating_start: _dt.date | None = None   # None: 1 January of the operating start year

    @property
    def stage_label(self) -> str:
        return BASELINE_STAGES.get(self.stage, self.stage)

    def to_dict(self) -> dict[str, Any]:
        """The object stored in the project's ``baselines`` list (docs/FORMAT.md)."""
        out: dict[str, Any] = {
            "stage": self.stage, "reason": self.reason, "date": self.date.isoformat(),
            "approved": self.approved,
            "pack": {"id": self.pack_id, "vintage": self.pack_vintage},
            "method_version": self.method_version,
            "settings": copy.deepcopy(dict(self.settings)),
            "project": copy.deepcopy(dict(self.project)),
            "results": copy.deepcopy(dict(self.results)),
        }
        if self.planned_works_start is not None:
            out["planned_works_start"] = self.planned_works_start.isoformat()
        if self.planned_operating_start is not None:
            out["planned_operating_start"] = self.planned_operating_start.isoformat()
        return out


@dataclass(frozen=True)
class ActualEntry:
    """What a monitoring return says about one period of one project.

    A period is a calendar year (``quarter`` None) or one of its quarters
    (1: January to March ... 4: October to December). Money is GBP at prices
    of ``price_year`` (None: the period's own year, i.e. cash as spent).
    Energy is in the fuel's unit (FORMAT.md 1): ``energy_use`` is the use
    measured in the period (the change is use minus the project's
    ``pre_project_energy`` for the period), ``energy_change`` the change
    itself against a measured pre-project baseline (negative: a saving).
    A field left None was not reported.
    """

    year: int
    quarter: int | None
    date: _dt.date                   # date of the return
    source: str = ""                 # free text: which return, meter, invoice...
    price_year: int | None = None
    capex_gbp: float | None = None
    public_funding_gbp: float | None = None
    opex_gbp: float | None = None
    energy_use: tuple[tuple[str, float], ...] = ()
    energy_change: tuple[tuple[str, float], ...] = ()
    jobs_fte: float | None = None
    works_start: _dt.date | None = None       # actual start of works, if this return reports it
    operating_start: _dt.date | None = None   # actual start of operation, if this return reports it

    @property
    def quarters(self) -> tuple[int, ...]:
        """The quarters of its year the entry covers."""
        return QUARTERS if self.quarter is None else (self.quarter,)

    @property
    def fraction(self) -> float:
        """Share of its year the period covers (1 or 1/4)."""
        return 1.0 if self.quarter is None else 0.25

    @property
    def period_end(self) -> _dt.date:
        return period_end(self.year, self.quarter)

    @property
    def period_label(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year} Q{self.quarter}"

    def to_dict(self) -> dict[str, Any]:
        """The object stored in the project's ``actuals`` list (docs/FORMAT.md)."""
        out: dict[str, Any] = {"year": self.year, "quarter": self.quarter,
                               "date": self.date.isoformat(), "source": self.source}
        if self.price_year is not None:
            out["price_year"] = self.price_year
        for name in MONEY_FIELDS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ENERGY_FIELDS:
            if getattr(self, name):
                out[name] = dict(getattr(self, name))
        if self.jobs_fte is not None:
            out["jobs_fte"] = self.jobs_fte
        for name in DATE_FIELDS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name).isoformat()
        return out


@dataclass(frozen=True)
class ProjectDelivery:
    """A project's baselines and actuals, as read from its document."""

    project_id: str
    baselines: tuple[Baseline, ...] = ()
    actuals: tuple[ActualEntry, ...] = ()
    pre_project_energy: Mapping[str, float] = field(default_factory=dict)  # fuel -> a year

    @property
    def reference(self) -> Baseline | None:
        """The latest approved baseline (by date; of two on one date, the later
        in the list): what delivery is compared with."""
        return reference_baseline(self.baselines)

    @property
    def decision(self) -> Baseline | None:
        """The earliest approved baseline: the estimate the decision was made on
        (what :func:`calibrate` measures outturn against)."""
        approved = [b for b in self.baselines if b.approved]
        return min(approved, key=lambda b: b.date) if approved else None


def reference_baseline(baselines: Iterable[Baseline]) -> Baseline | None:
    """The latest approved baseline, or None (docs/delivery.md 1)."""
    best = None
    for b in baselines:   # in list order: on equal dates the later one wins
        if b.approved and (best is None or b.date >= best.date):
            best = b
    return best


def period_end(year: int, quarter: int | None) -> _dt.date:
    """Last day of a year or of one of its quarters."""
    if quarter is None or quarter == 4:
        return _dt.date(year, 12, 31)
    return _dt.date(year, 3 * quarter + 1, 1) - _dt.timedelta(days=1)


def months_between(earlier: _dt.date, later: _dt.date) -> float:
    """Months from ``earlier`` to ``later`` (negative when ``later`` is earlier):
    whole calendar months plus the remaining days over 30 (docs/delivery.md 3),
    so 1 January 2029 to 1 January 2030 is exactly 12."""
    return ((later.year - earlier.year) * 12 + (later.month - earlier.month)
            + (later.day - earlier.day) / DAYS_PER_MONTH)


# ---------------------------------------------------------------------------
# Reading and checking (called from portfolio._parse_project)
# ---------------------------------------------------------------------------

def _date(v: Any, path: str, ck) -> _dt.date | None:
    if v is None:
        return None
    if not isinstance(v, str):
        ck.bad(path, "must be a date written YYYY-MM-DD")
        return None
    try:
        d = _dt.date.fromisoformat(v.strip())
    except ValueError:
        ck.bad(path, f"{v[:30]!r} is not a date written YYYY-MM-DD")
        return None
    from .portfolio import YEAR_RANGE
    if not YEAR_RANGE[0] <= d.year <= YEAR_RANGE[1]:
        ck.bad(path, f"year {d.year} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
        return None
    return d


def _fuel_map(obj: dict, key: str, path: str, ck, fuels: list[str] | None,
              lo: float) -> tuple[tuple[str, float], ...]:
    m = ck.mapping(obj, key, path)
    out = []
    for fuel, v in (m or {}).items():
        p = f"{path}.{fuel}"[:80]
        if fuels is not None and fuel not in fuels:
            ck.bad(p, f"is not a fuel of the assumption pack (one of {', '.join(fuels)})")
            continue
        x = ck.value(v, p, lo=lo, hi=MAX_QUANTITY)
        if x is not None:
            out.append((str(fuel), x))
    return tuple(out)


def _parse_entry(item: Any, path: str, ck, fuels: list[str] | None) -> ActualEntry | None:
    from .portfolio import MAX_MONEY, YEAR_RANGE
    if not isinstance(item, dict):
        ck.bad(path, "must be an object with year, date and source")
        return None
    unknown = [k for k in item if k not in ENTRY_FIELDS]
    for k in unknown[:3]:
        ck.bad(f"{path}.{k}"[:80], f"is not a field of an actuals entry (fields: "
                                   f"{', '.join(ENTRY_FIELDS)})")
    year = ck.integer(item, "year", f"{path}.year", lo=YEAR_RANGE[0], hi=YEAR_RANGE[1],
                      required=True)
    quarter = ck.integer(item, "quarter", f"{path}.quarter", lo=1, hi=4)
    date = _date(item.get("date"), f"{path}.date", ck)
    if item.get("date") is None:
        ck.bad(f"{path}.date", "is missing: give the date of the return (YYYY-MM-DD)")
    source = ck.text(item, "source", f"{path}.source")
    price_year = ck.integer(item, "price_year", f"{path}.price_year", lo=YEAR_RANGE[0],
                            hi=YEAR_RANGE[1])
    money = {name: ck.number(item, name, f"{path}.{name}", lo=0.0, hi=MAX_MONEY)
             for name in MONEY_FIELDS}
    use = _fuel_map(item, "energy_use", f"{path}.energy_use", ck, fuels, 0.0)
    change = _fuel_map(item, "energy_change", f"{path}.energy_change", ck, fuels, -MAX_QUANTITY)
    both = {f for f, _ in use} & {f for f, _ in change}
    for fuel in sorted(both):
        ck.bad(f"{path}.energy_use.{fuel}"[:80], "give the measured use or the change "
                                                 "for a fuel, not both")
    jobs = ck.number(item, "jobs_fte", f"{path}.jobs_fte", lo=0.0, hi=MAX_JOBS_FTE)
    dates = {name: _date(item.get(name), f"{path}.{name}", ck) for name in DATE_FIELDS}
    if year is None or date is None:
        return None
    return ActualEntry(year=year, quarter=quarter, date=date, source=source, price_year=price_year,
                       energy_use=use, energy_change=change, jobs_fte=jobs, **money, **dates)


def _check_periods(entries: list[tuple[int, ActualEntry]], ck) -> None:
    """A measure of a year is given for the year or for its quarters, not both;
    one period's measure given twice on one date is ambiguous (docs/delivery.md 2)."""
    seen: dict[tuple, int] = {}
    for k, e in entries:
        measures = [n for n in MONEY_FIELDS if getattr(e, n) is not None]
        measures += [f"energy:{f}" for f, _ in (*e.energy_use, *e.energy_change)]
        for m in measures:
            for other_q in ((None,) if e.quarter is not None else QUARTERS):
                j = seen.get((m, e.year, other_q))
                if j is not None:
                    ck.bad(f"actuals[{k}]", f"{m.replace('energy:', 'energy of ')} for {e.year} is "
                                            f"given for the year and for its quarters (also "
                                            f"actuals[{j}]): give one or the other")
            j = seen.get((m, e.year, e.quarter, e.date))
            if j is not None:
                ck.bad(f"actuals[{k}]", f"{m.replace('energy:', 'energy of ')} for "
                                        f"{e.period_label} is given twice with the same date "
                                        f"(also actuals[{j}]): which one holds?")
            seen.setdefault((m, e.year, e.quarter), k)
            seen[(m, e.year, e.quarter, e.date)] = k


def _parse_baseline(item: Any, path: str, ck) -> Baseline | None:
    if not isinstance(item, dict):
        ck.bad(path, "must be an object (a baseline recorded by the application)")
        return None
    stage = item.get("stage")
    if stage not in BASELINE_STAGES:
        ck.bad(f"{path}.stage", f"must be one of {', '.join(BASELINE_STAGES)}")
        stage = "other"
    reason = ck.text(item, "reason", f"{path}.reason")
    date = _date(item.get("date"), f"{path}.date", ck)
    if item.get("date") is None:
        ck.bad(f"{path}.date", "is missing")
    approved = ck.boolean(item, "approved", f"{path}.approved", default=False)
    pack = ck.mapping(item, "pack", f"{path}.pack") or {}
    pack_id = ck.text(pack, "id", f"{path}.pack.id", required=True)
    vintage = ck.text(pack, "vintage", f"{path}.pack.vintage")
    method = ck.integer(item, "method_version", f"{path}.method_version", lo=1, hi=1000,
                        required=True, default=0) or 0
    settings = ck.mapping(item, "settings", f"{path}.settings")
    project = ck.mapping(item, "project", f"{path}.project")
    results = ck.mapping(item, "results", f"{path}.results")
    for name, obj in (("settings", settings), ("project", project), ("results", results)):
        if obj is None:
            ck.bad(f"{path}.{name}", "is missing")
    if settings is not None:
        for k in SETTINGS_FIELDS:
            if k not in settings:
                ck.bad(f"{path}.settings.{k}", "is missing")
    if results is not None:
        _check_results(results, f"{path}.results", ck)
    works = _date(item.get("planned_works_start"), f"{path}.planned_works_start", ck)
    operating = _date(item.get("planned_operating_start"), f"{path}.planned_operating_start", ck)
    if date is None or settings is None or project is None or results is None:
        return None
    return Baseline(stage=stage, reason=reason, date=date, approved=approved, pack_id=pack_id,
                    pack_vintage=vintage, method_version=method, settings=settings,
                    project=project, results=results, planned_works_start=works,
                    planned_operating_start=operating)


def _check_results(results: dict, path: str, ck) -> None:
    """Frozen figures: numbers finite, text short; nothing is recomputed from them."""
    for key, v in results.items():
        if isinstance(v, bool) or v is None or isinstance(v, (str, list)):
            continue
        if isinstance(v, (int, float)):
            ck.value(v, f"{path}.{key}"[:80], lo=-MAX_RESULT, hi=MAX_RESULT)
        else:
            ck.bad(f"{path}.{key}"[:80], "must be a number, text, true/false or null")


def read_delivery(p: dict, ck, pack: AssumptionPack | None = None) -> ProjectDelivery:
    """Read the delivery fields of one project dict, recording each problem on
    ``ck`` (portfolio._Checker: it names the file, the project and the field).

    This is the one call :func:`appraisal.core.portfolio._parse_project` makes:
    a project whose delivery fields are wrong is reported like any other
    input problem. A project without them reads as empty.
    """
    fuels = pack.fuels() if pack is not None else None
    pid = p.get("id") if isinstance(p.get("id"), str) else ""
    baselines: list[Baseline] = []
    items = p.get("baselines")
    if items is not None and not isinstance(items, list):
        ck.bad("baselines", "must be a list of baselines")
        items = None
    for k, item in enumerate(items or []):
        b = _parse_baseline(item, f"baselines[{k}]", ck)
        if b is not None:
            baselines.append(b)
    entries: list[tuple[int, ActualEntry]] = []
    items = p.get("actuals")
    if items is not None and not isinstance(items, list):
        ck.bad("actuals", "must be a list of entries (one per year or quarter and return)")
        items = None
    for k, item in enumerate(items or []):
        e = _parse_entry(item, f"actuals[{k}]", ck, fuels)
        if e is not None:
            entries.append((k, e))
    _check_periods(entries, ck)
    pre = dict(_fuel_map(p, "pre_project_energy", "pre_project_energy", ck, fuels, 0.0))
    for k, e in entries:
        for fuel, _ in e.energy_use:
            if fuel not in pre:
                ck.bad(f"actuals[{k}].energy_use.{fuel}"[:80],
                       f"measured use needs the use before the project: give "
                       f"pre_project_energy.{fuel} (a year's use), or report energy_change")
    return ProjectDelivery(pid, tuple(baselines), tuple(e for _, e in entries), pre)


def parse_delivery(p: Any, pack: AssumptionPack | None = None, *, file: str | None = None
                   ) -> ProjectDelivery:
    """A project's delivery fields, typed; InputError naming the file, the project
    and the field when any is wrong."""
    from .portfolio import _Checker
    ck = _Checker(file)
    if not isinstance(p, dict):
        raise InputError([Problem("a project must be an object", file=file)])
    ck.project = p.get("id") if isinstance(p.get("id"), str) else None
    out = read_delivery(p, ck, pack)
    if ck.problems:
        raise InputError(ck.problems)
    return out


# ---------------------------------------------------------------------------
# Writing (the document is the truth: these edit Portfolio.data)
# ---------------------------------------------------------------------------

def _project_dict(portfolio: Portfolio | dict, project_id: str) -> dict:
    data = portfolio.data if hasattr(portfolio, "data") else portfolio
    for p in data.get("projects", []):
        if isinstance(p, dict) and p.get("id") == project_id:
            return p
    raise InputError([Problem(f"no project has the id {project_id!r}", project=project_id)])


def portfolio_settings(data: dict) -> dict[str, Any]:
    """The portfolio's SETTINGS_FIELDS, with the defaults of FORMAT.md where a file leaves one out."""
    from .portfolio import DEFAULTS
    defaults = {"price_base_year": None, **{k: getattr(DEFAULTS, k) for k in SETTINGS_FIELDS
                                             if hasattr(DEFAULTS, k)}}
    return {k: copy.deepcopy(data.get(k, defaults.get(k))) if data.get(k) is not None
            else defaults.get(k) for k in SETTINGS_FIELDS}


def record_baseline(portfolio: Portfolio | dict, project_id: str,
                    results: PortfolioResults | Mapping[str, Any], pack: AssumptionPack,
                    stage: str, reason: str, date: _dt.date | str | None = None, *,
                    approved: bool = True, planned_works_start: _dt.date | None = None,
                    planned_operating_start: _dt.date | None = None) -> Baseline:
    """Freeze the current appraisal of a project as a baseline and store it in
    the document (appended to the project's ``baselines``).

    Parameters
    ----------
    portfolio : Portfolio or dict
        The document; its project ``project_id`` gains the baseline.
    results : PortfolioResults or dict
        The current appraisal of the portfolio (the project's record is taken
        from it), or the project's record itself (FORMAT.md 3).
    pack : AssumptionPack
        The pack ``results`` were made with (its id and vintage are stored).
    stage : str
        A key of :data:`BASELINE_STAGES` (``fbc``, ``change_request``...).
    reason : str
        Why: e.g. "Full business case approved by the investment board, 12 March 2027".
    date : date or ISO text, optional
        Default today.

    Returns
    -------
    Baseline
        As stored. Raises InputError (naming the project and field) when the
        project is unknown, the stage is not one of BASELINE_STAGES, or the
        results hold no record of the project.
    """
    p = _project_dict(portfolio, project_id)
    data = portfolio.data if hasattr(portfolio, "data") else portfolio
    problems = []
    if stage not in BASELINE_STAGES:
        problems.append(Problem(f"{stage!r} is not one of {', '.join(BASELINE_STAGES)}",
                                project=project_id, field="stage"))
    record = _record_of(results, project_id)
    if record is None:
        problems.append(Problem("the appraisal results hold no figures for this project "
                                "(is it appraised without problems?)", project=project_id,
                                field="results"))
    if isinstance(date, str):
        try:
            date = _dt.date.fromisoformat(date)
        except ValueError:
            problems.append(Problem(f"{date[:30]!r} is not a date written YYYY-MM-DD",
                                    project=project_id, field="date"))
    if problems:
        raise InputError(problems)
    snapshot = {k: copy.deepcopy(v) for k, v in p.items() if k not in DELIVERY_FIELDS}
    from .results import METHOD_VERSION
    baseline = Baseline(stage=stage, reason=reason, date=date or _dt.date.today(),
                        approved=approved, pack_id=pack.id, pack_vintage=pack.vintage,
                        method_version=METHOD_VERSION, settings=portfolio_settings(data),
                        project=snapshot, results=_json_ready(record),
                        planned_works_start=planned_works_start,
                        planned_operating_start=planned_operating_start)
    p.setdefault("baselines", []).append(baseline.to_dict())
    return baseline


def _record_of(results: Any, project_id: str) -> dict | None:
    if isinstance(results, Mapping):
        return dict(results) if results.get("id", project_id) == project_id else None
    if project_id not in results.ids:
        return None
    i = results.ids.index(project_id)
    for k, rec in enumerate(results.iter_project_records()):
        if k == i:
            return rec
    return None


def _json_ready(x: Any) -> Any:
    """A results record as the file holds it: NaN and infinity as null."""
    if isinstance(x, dict):
        return {k: _json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_ready(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, np.generic):
        return _json_ready(x.item())
    return x


def add_actual(portfolio: Portfolio | dict, project_id: str, entry: ActualEntry | Mapping[str, Any],
               pack: AssumptionPack | None = None) -> ActualEntry:
    """Append one actuals entry to a project (checked first: InputError naming the
    project and field, and the document unchanged, when it is wrong)."""
    p = _project_dict(portfolio, project_id)
    raw = entry.to_dict() if isinstance(entry, ActualEntry) else copy.deepcopy(dict(entry))
    trial = {**p, "actuals": [*(p.get("actuals") or []), raw]}
    delivery = parse_delivery(trial, pack)
    p.setdefault("actuals", []).append(raw)
    return delivery.actuals[-1]


# ---------------------------------------------------------------------------
# Thresholds (pack-configurable)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """RAG thresholds (docs/delivery.md 6). Overrun is the forecast outturn capex
    over the baseline's capex, less 1 (0.10 = 10% over); slippage in months;
    carbon delivery the share of the appraised tonnes delivered (0.9 = 90%).

    Amber when overrun > ``overrun_amber`` or slippage > ``slippage_amber_months``
    or carbon delivery < ``carbon_amber``; red at the red thresholds likewise.
    """

    overrun_amber: float = PARAMETER_DEFAULTS["delivery_overrun_amber"]
    overrun_red: float = PARAMETER_DEFAULTS["delivery_overrun_red"]
    slippage_amber_months: float = PARAMETER_DEFAULTS["delivery_slippage_amber_months"]
    slippage_red_months: float = PARAMETER_DEFAULTS["delivery_slippage_red_months"]
    carbon_amber: float = PARAMETER_DEFAULTS["delivery_carbon_amber"]
    carbon_red: float = PARAMETER_DEFAULTS["delivery_carbon_red"]

    @classmethod
    def from_pack(cls, pack: AssumptionPack) -> Thresholds:
        """The pack's ``delivery_*`` parameters, METHOD defaults where it gives none.
        InputError naming parameters.csv when they are out of order."""
        t = cls(**{k: float(pack.parameter(name)) for k, name in THRESHOLD_PARAMETERS.items()})
        t.check(file="parameters.csv")
        return t

    def check(self, file: str | None = None) -> None:
        problems = []
        if not 0 <= self.overrun_amber <= self.overrun_red:
            problems.append("delivery_overrun_amber must be at least 0 and at most delivery_overrun_red")
        if not 0 <= self.slippage_amber_months <= self.slippage_red_months:
            problems.append("delivery_slippage_amber_months must be at least 0 and at most "
                            "delivery_slippage_red_months")
        if not 0 <= self.carbon_red <= self.carbon_amber <= 1:
            problems.append("delivery_carbon_red must be at least 0 and at most "
                            "delivery_carbon_amber, itself at most 1")
        if problems:
            raise InputError([Problem(m, file=file, field="value") for m in problems])

    def to_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in THRESHOLD_PARAMETERS}


# ---------------------------------------------------------------------------
# What track() returns
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """Headline figures of an appraisal of one project (or the pipeline), GBP at
    prices of the baseline's price base year."""

    npsv_gbp: float | None
    bcr: float | None
    bcr_public: float | None
    cost_per_tco2e_gbp: float | None
    gap_contribution_gbp: float | None
    carbon_saved_tco2e: float | None
    pv_costs_gbp: float | None
    pv_benefits_gbp: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {k: _clean(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class FuelDelivery:
    """One fuel's change in use [the fuel's unit]: appraised and measured."""

    fuel: str
    appraised_to_date: float            # what the baseline counted in the periods to date
    appraised_in_measured_periods: float
    measured_to_date: float             # the measured change (negative: a saving)

    @property
    def share_delivered(self) -> float | None:
        return _ratio(self.measured_to_date, self.appraised_in_measured_periods)

    def to_dict(self) -> dict[str, Any]:
        return {"fuel": self.fuel, "appraised_to_date": self.appraised_to_date,
                "appraised_in_measured_periods": self.appraised_in_measured_periods,
                "measured_to_date": self.measured_to_date,
                "share_delivered": _clean(self.share_delivered)}


@dataclass(frozen=True)
class ProjectTrack:
    """Delivery of one project against its reference baseline (docs/delivery.md).

    Money is GBP at prices of the baseline's price base year. ``None`` is an
    undefined figure (no baseline, nothing due yet, a zero denominator).
    """

    id: str
    name: str
    category: str
    status: str | None                 # green, amber, red; None without an approved baseline
    reasons: tuple[str, ...]           # why the status, in words, worst first
    baseline_stage: str | None
    baseline_date: _dt.date | None
    baseline_pack_id: str | None
    baseline_pack_vintage: str | None
    reported_to: _dt.date | None       # end of the latest period with an entry counted
    # spend against profile (docs/delivery.md 3)
    capex_to_date_gbp: float | None = None
    capex_profile_to_date_gbp: float | None = None
    spend_share_of_profile: float | None = None
    public_funding_to_date_gbp: float | None = None
    public_funding_profile_to_date_gbp: float | None = None
    # cost (docs/delivery.md 4)
    baseline_capex_gbp: float | None = None
    forecast_capex_gbp: float | None = None
    optimism_bias: float | None = None
    overrun: float | None = None                 # forecast / baseline capex - 1
    overrun_with_ob: float | None = None         # forecast / (baseline capex * (1 + OB)) - 1
    # schedule (docs/delivery.md 5)
    planned_works_start: _dt.date | None = None
    actual_works_start: _dt.date | None = None
    works_start_slippage_months: float | None = None
    works_start_slippage_is_minimum: bool = False
    planned_operating_start: _dt.date | None = None
    actual_operating_start: _dt.date | None = None
    completion_slippage_months: float | None = None
    completion_slippage_is_minimum: bool = False
    ob_duration_allowance_months: float | None = None
    completion_slippage_beyond_allowance_months: float | None = None
    # energy and carbon (docs/delivery.md 6)
    fuels: tuple[FuelDelivery, ...] = ()
    carbon_appraised_to_date_tco2e: float | None = None
    carbon_appraised_in_measured_periods_tco2e: float | None = None
    carbon_delivered_to_date_tco2e: float | None = None
    carbon_delivery_share: float | None = None
    jobs_reported_fte: float | None = None
    gross_jobs_appraised_fte: float | None = None
    # re-forecast (docs/delivery.md 7)
    baseline: Outcome | None = None
    reforecast: Outcome | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of docs/FORMAT.md, "appraisal track"."""
        out: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            if isinstance(v, _dt.date):
                v = v.isoformat()
            elif isinstance(v, Outcome):
                v = v.to_dict()
            elif k == "fuels":
                v = [f.to_dict() for f in v]
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, float):
                v = _clean(v)
            out[k] = v
        return out


@dataclass(frozen=True)
class PipelineTrack:
    """The pipeline's totals: sums over the projects with a reference baseline."""

    projects_tracked: int
    projects_without_baseline: int
    status_counts: Mapping[str, int]            # green / amber / red -> count
    capex_to_date_gbp: float
    capex_profile_to_date_gbp: float
    spend_share_of_profile: float | None
    baseline_capex_gbp: float
    forecast_capex_gbp: float
    overrun: float | None
    carbon_appraised_to_date_tco2e: float
    carbon_delivered_to_date_tco2e: float
    carbon_delivery_share: float | None
    baseline: Outcome
    reforecast: Outcome
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            if isinstance(v, Outcome):
                v = v.to_dict()
            elif isinstance(v, Mapping):
                v = dict(v)
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, float):
                v = _clean(v)
            out[k] = v
        return out


@dataclass(frozen=True)
class DeliveryReport:
    """What :func:`track` found: per project and for the pipeline."""

    name: str
    as_of: _dt.date
    pack_id: str
    pack_vintage: str
    thresholds: Thresholds
    projects: tuple[ProjectTrack, ...]
    pipeline: PipelineTrack

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``appraisal track --format json`` (docs/FORMAT.md)."""
        return {"delivery": {"name": self.name, "as_of": self.as_of.isoformat(),
                             "assumptions": {"id": self.pack_id, "vintage": self.pack_vintage},
                             "thresholds": self.thresholds.to_dict(),
                             "pipeline": self.pipeline.to_dict()},
                "projects": [p.to_dict() for p in self.projects]}


@dataclass(frozen=True)
class Distribution:
    """n, mean, median and quartiles of a sample (None when it is empty)."""

    n: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        a = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
        if a.size == 0:
            return cls(0, None, None, None, None)
        q1, med, q3 = np.percentile(a, [25, 50, 75])   # linear interpolation (numpy's default)
        return cls(int(a.size), float(a.mean()), float(med), float(q1), float(q3))

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean": _clean(self.mean), "median": _clean(self.median),
                "q1": _clean(self.q1), "q3": _clean(self.q3)}


@dataclass(frozen=True)
class CategoryCalibration:
    """Completed projects of one category (or all): outturn against the allowance."""

    category: str                       # a category code, or "all"
    projects: tuple[str, ...]
    overrun: Distribution               # outturn capex / decision baseline capex - 1
    optimism_bias_used: Distribution    # the decision baselines' capex uplifts
    overrun_within_allowance: int       # projects whose overrun <= their uplift
    works_start_slippage_months: Distribution
    completion_slippage_months: Distribution
    duration_allowance_months: Distribution

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category": self.category, "projects": list(self.projects),
                               "overrun_within_allowance": self.overrun_within_allowance}
        for k in ("overrun", "optimism_bias_used", "works_start_slippage_months",
                  "completion_slippage_months", "duration_allowance_months"):
            out[k] = getattr(self, k).to_dict()
        return out


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` found (docs/delivery.md 8)."""

    completed: int
    categories: tuple[CategoryCalibration, ...]   # by category, then "all"
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"calibration": {"completed_projects": self.completed,
                                "categories": [c.to_dict() for c in self.categories],
                                "notes": list(self.notes)}}


def _clean(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, (bool, int)) and not isinstance(x, float):
        return x
    x = float(x)
    return x if math.isfinite(x) else None


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    r = num / den
    return r if math.isfinite(r) else None


# ---------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------

def track(portfolio: Portfolio | dict, pack: AssumptionPack, as_of: _dt.date | str | None = None,
          thresholds: Thresholds | None = None, *, file: str | None = None) -> DeliveryReport:
    """Compare each project's actuals with its reference baseline, and re-forecast.

    Parameters
    ----------
    portfolio : Portfolio or dict
        The document (FORMAT.md 1 with the delivery fields).
    pack : AssumptionPack
        Used to rebase actual money (GDP deflator), to value measured energy
        and for the re-forecast; the baselines' own figures are not touched.
    as_of : date or ISO text, optional
        "To date" means periods ending on or before ``as_of``, from returns
        dated on or before it. Default: the latest return date in the
        portfolio (else today) (docs/delivery.md 2).
    thresholds : Thresholds, optional
        Default: the pack's (:meth:`Thresholds.from_pack`).

    Returns
    -------
    DeliveryReport

    Raises
    ------
    InputError
        A delivery field is wrong (naming the file, project and field).
    """
    raise NotImplementedError("track: being written (docs/delivery.md)")


def calibrate(portfolio: Portfolio | dict, pack: AssumptionPack | None = None, *,
              file: str | None = None) -> Calibration:
    """Pool the completed projects (those reporting an actual operating start):
    their cost overrun and slippage against the decision baseline, by category,
    beside the optimism-bias allowances that baseline used (docs/delivery.md 8)."""
    raise NotImplementedError("calibrate: being written (docs/delivery.md)")
