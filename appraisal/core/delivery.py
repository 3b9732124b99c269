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
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, Problem
from .limits import Range
from .pack import PARAMETER_DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from .pack import AssumptionPack
    from .portfolio import Portfolio, PortfolioInputs, ProjectInputs, _Checker
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
DAYS_PER_MONTH = 30          # slippage: whole calendar months, then days / 30 (docs/delivery.md 5)

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
    whole calendar months plus the remaining days over 30 (docs/delivery.md 5),
    so 1 January 2029 to 1 January 2030 is exactly 12."""
    return ((later.year - earlier.year) * 12 + (later.month - earlier.month)
            + (later.day - earlier.day) / DAYS_PER_MONTH)


# ---------------------------------------------------------------------------
# Reading and checking (called from portfolio._parse_project)
# ---------------------------------------------------------------------------

def _date(v: Any, path: str, ck: _Checker) -> _dt.date | None:
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


def _fuel_map(obj: dict[str, Any], key: str, path: str, ck: _Checker, fuels: list[str] | None,
              lo: float) -> tuple[tuple[str, float], ...]:
    m = ck.mapping(obj, key, path)
    out = []
    for fuel, v in (m or {}).items():
        p = f"{path}.{fuel}"[:80]
        if fuels is not None and fuel not in fuels:
            ck.bad(p, f"is not a fuel of the assumption pack (one of {', '.join(fuels)})")
            continue
        x = ck.value(v, p, rng=Range(lo, MAX_QUANTITY, "kWh or litres"))
        if x is not None:
            out.append((str(fuel), x))
    return tuple(out)


def _parse_entry(item: Any, path: str, ck: _Checker, fuels: list[str] | None, deflator: Any = None
                 ) -> ActualEntry | None:
    from .portfolio import MAX_MONEY, YEAR_RANGE
    if not isinstance(item, dict):
        ck.bad(path, "must be an object with year, date and source")
        return None
    unknown = [k for k in item if k not in ENTRY_FIELDS]
    for k in unknown[:3]:
        ck.bad(f"{path}.{k}"[:80], f"is not a field of an actuals entry (fields: "
                                   f"{', '.join(ENTRY_FIELDS)})")
    year = ck.integer(item, "year", f"{path}.year", rng=Range(*YEAR_RANGE, "calendar year", whole=True),
                      required=True)
    quarter = ck.integer(item, "quarter", f"{path}.quarter", rng=Range(1, 4, "quarter", whole=True))
    date = _date(item.get("date"), f"{path}.date", ck)
    if item.get("date") is None:
        ck.bad(f"{path}.date", "is missing: give the date of the return (YYYY-MM-DD)")
    source = ck.text(item, "source", f"{path}.source")
    price_year = ck.integer(item, "price_year", f"{path}.price_year",
                            rng=Range(*YEAR_RANGE, "calendar year", whole=True))
    money = {name: ck.number(item, name, f"{path}.{name}", rng=Range(0.0, MAX_MONEY, "GBP"))
             for name in MONEY_FIELDS}
    use = _fuel_map(item, "energy_use", f"{path}.energy_use", ck, fuels, 0.0)
    change = _fuel_map(item, "energy_change", f"{path}.energy_change", ck, fuels, -MAX_QUANTITY)
    both = {f for f, _ in use} & {f for f, _ in change}
    for fuel in sorted(both):
        ck.bad(f"{path}.energy_use.{fuel}"[:80], "give the measured use or the change "
                                                 "for a fuel, not both")
    prices = price_year or year
    if deflator is not None and prices is not None and any(v is not None for v in money.values()) \
            and not deflator.covers(prices):
        lo, hi = min(deflator), max(deflator)
        ck.bad(f"{path}.price_year", f"amounts at {prices} prices cannot be rebased: the GDP "
                                     f"deflator table starts in {lo} (it runs {lo}-{hi})")
    jobs = ck.number(item, "jobs_fte", f"{path}.jobs_fte", rng=Range(0.0, MAX_JOBS_FTE, "FTE"))
    works = _date(item.get("works_start"), f"{path}.works_start", ck)
    operating = _date(item.get("operating_start"), f"{path}.operating_start", ck)
    if year is None or date is None:
        return None
    return ActualEntry(year=year, quarter=quarter, date=date, source=source, price_year=price_year,
                       capex_gbp=money["capex_gbp"], public_funding_gbp=money["public_funding_gbp"],
                       opex_gbp=money["opex_gbp"], energy_use=use, energy_change=change,
                       jobs_fte=jobs, works_start=works, operating_start=operating)


def _check_periods(entries: list[tuple[int, ActualEntry]], ck: _Checker) -> None:
    """A measure of a year is given for the year or for its quarters, not both;
    one period's measure given twice on one date is ambiguous (docs/delivery.md 2)."""
    seen: dict[tuple[Any, ...], int] = {}
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


def _parse_baseline(item: Any, path: str, ck: _Checker) -> Baseline | None:
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
    method = ck.integer(item, "method_version", f"{path}.method_version",
                        rng=Range(1, 1000, whole=True),
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


def _check_results(results: dict[str, Any], path: str, ck: _Checker) -> None:
    """Frozen figures: numbers finite, text short; nothing is recomputed from them."""
    for key, v in results.items():
        if isinstance(v, bool) or v is None or isinstance(v, (str, list)):
            continue
        if isinstance(v, (int, float)):
            ck.value(v, f"{path}.{key}"[:80], rng=Range(-MAX_RESULT, MAX_RESULT))
        else:
            ck.bad(f"{path}.{key}"[:80], "must be a number, text, true/false or null")


def read_delivery(p: dict[str, Any], ck: _Checker, pack: AssumptionPack | None = None) -> ProjectDelivery:
    """Read the delivery fields of one project dict, recording each problem on
    ``ck`` (portfolio._Checker: it names the file, the project and the field).

    This is the one call :func:`appraisal.core.portfolio._parse_project` makes:
    a project whose delivery fields are wrong is reported like any other
    input problem. A project without them reads as empty.
    """
    fuels = pack.fuels() if pack is not None else None
    pid = p["id"] if isinstance(p.get("id"), str) else ""
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
        e = _parse_entry(item, f"actuals[{k}]", ck, fuels,
                         pack.deflator if pack is not None else None)
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

def _project_dict(portfolio: Portfolio | dict[str, Any], project_id: str) -> dict[str, Any]:
    data = portfolio.data if hasattr(portfolio, "data") else portfolio
    for p in data.get("projects", []):
        if isinstance(p, dict) and p.get("id") == project_id:
            return p
    raise InputError([Problem(f"no project has the id {project_id!r}", project=project_id)])


def portfolio_settings(data: dict[str, Any]) -> dict[str, Any]:
    """The portfolio's SETTINGS_FIELDS, with the defaults of FORMAT.md where a file leaves one out."""
    from .portfolio import DEFAULTS
    defaults = {"price_base_year": None, **{k: getattr(DEFAULTS, k) for k in SETTINGS_FIELDS
                                             if hasattr(DEFAULTS, k)}}
    return {k: copy.deepcopy(data.get(k, defaults.get(k))) if data.get(k) is not None
            else defaults.get(k) for k in SETTINGS_FIELDS}


def record_baseline(portfolio: Portfolio | dict[str, Any], project_id: str,
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
    day = date if isinstance(date, _dt.date) else None
    if isinstance(date, str):
        try:
            day = _dt.date.fromisoformat(date)
        except ValueError:
            problems.append(Problem(f"{date[:30]!r} is not a date written YYYY-MM-DD",
                                    project=project_id, field="date"))
    if problems:
        raise InputError(problems)
    snapshot = {k: copy.deepcopy(v) for k, v in p.items() if k not in DELIVERY_FIELDS}
    from .results import METHOD_VERSION
    baseline = Baseline(stage=stage, reason=reason, date=day or _dt.date.today(),
                        approved=approved, pack_id=pack.id, pack_vintage=pack.vintage,
                        method_version=METHOD_VERSION, settings=portfolio_settings(data),
                        project=snapshot, results=_json_ready(record),
                        planned_works_start=planned_works_start,
                        planned_operating_start=planned_operating_start)
    p.setdefault("baselines", []).append(baseline.to_dict())
    return baseline


def _record_of(results: Any, project_id: str) -> dict[str, Any] | None:
    if isinstance(results, Mapping):
        return dict(results) if results.get("id", project_id) == project_id else None
    if project_id not in results.ids:
        return None
    i = results.ids.index(project_id)
    for k, rec in enumerate(results.iter_project_records()):
        if k == i:
            found: dict[str, Any] = rec   # ``results`` is a PortfolioResults here
            return found
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


def add_actual(portfolio: Portfolio | dict[str, Any], project_id: str, entry: ActualEntry | Mapping[str, Any],
               pack: AssumptionPack | None = None) -> ActualEntry:
    """Append one actuals entry to a project (checked first: InputError naming the
    project and field, and the document unchanged, when it is wrong). It is stored
    in the canonical form of :meth:`ActualEntry.to_dict`."""
    p = _project_dict(portfolio, project_id)
    raw = entry.to_dict() if isinstance(entry, ActualEntry) else copy.deepcopy(dict(entry))
    trial = {**p, "actuals": [*(p.get("actuals") or []), raw]}
    added = parse_delivery(trial, pack).actuals[-1]
    p.setdefault("actuals", []).append(added.to_dict())
    return added


# ---------------------------------------------------------------------------
# Thresholds (pack-configurable)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """RAG thresholds (docs/delivery.md 8). Overrun is the forecast outturn capex
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
    pv_carbon_benefit_gbp: float | None = None
    pv_costs_public_gbp: float | None = None
    pv_costs_private_gbp: float | None = None

    @classmethod
    def of_sums(cls, pvb: float, pvc: float, carbon: float, pv_carbon: float, public: float,
                private: float, gap: float) -> Outcome:
        """The measures of METHOD.md 3 and 8 from summed present values: the
        ratios of sums, as a portfolio's are (results.PortfolioResults.finish)."""
        other = pvb - pv_carbon
        return cls(npsv_gbp=pvb - pvc, bcr=_ratio(pvb, pvc), bcr_public=_ratio(pvb - private, public),
                   cost_per_tco2e_gbp=_ratio(pvc - other, carbon) if carbon > 0 else None,
                   gap_contribution_gbp=gap, carbon_saved_tco2e=carbon, pv_costs_gbp=pvc,
                   pv_benefits_gbp=pvb, pv_carbon_benefit_gbp=pv_carbon,
                   pv_costs_public_gbp=public, pv_costs_private_gbp=private)

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> Outcome:
        """The frozen figures of a baseline's results record (FORMAT.md 3)."""
        def num(k: str) -> float | None:
            v = record.get(k)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        return cls(**{k: num(k) for k in cls.__dataclass_fields__})

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
class YearDelivery:
    """One calendar year of a project, for the charts and the workbook: GBP at
    the baseline's price base year, tonnes as the engine values them.

    ``share_to_date`` is the share of the year that is to date (docs/delivery.md
    2); an actual is None where no counted entry gives one for the year.
    """

    year: int
    share_to_date: float
    capex_profile_gbp: float            # the baseline's capex of the year
    capex_actual_gbp: float | None
    capex_forecast_gbp: float           # docs/delivery.md 4
    public_funding_profile_gbp: float
    public_funding_actual_gbp: float | None
    carbon_appraised_to_date_tco2e: float | None   # the year's appraised tonnes x share_to_date
    carbon_delivered_tco2e: float | None           # from the measured energy of the year

    def to_dict(self) -> dict[str, Any]:
        return {k: _clean(getattr(self, k)) for k in self.__dataclass_fields__}


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
    baseline_price_base_year: int | None = None   # B: the prices of every GBP figure here
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
    years: tuple[YearDelivery, ...] = ()   # year by year, for charts (docs/delivery.md 3, 6)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of docs/FORMAT.md, "appraisal track"."""
        return {k: _json_field(getattr(self, k)) for k in self.__dataclass_fields__}


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
        return {k: _json_field(getattr(self, k)) for k in self.__dataclass_fields__}


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

    def pipeline_years(self) -> tuple[YearDelivery, ...]:
        """The tracked projects' year tables added up by year (a figure is None only
        when no project has it): the pipeline's spend and carbon against profile."""
        rows: dict[int, dict[str, Any]] = {}
        for p in self.projects:
            for yd in p.years:
                row = rows.setdefault(yd.year, {"year": yd.year, "share_to_date": yd.share_to_date})
                for k in YearDelivery.__dataclass_fields__:
                    v = getattr(yd, k)
                    if k in ("year", "share_to_date") or v is None:
                        continue
                    row[k] = row.get(k, 0.0) + v
        fields = [k for k in YearDelivery.__dataclass_fields__ if k not in ("year", "share_to_date")]
        return tuple(YearDelivery(**{**dict.fromkeys(fields), **rows[y]}) for y in sorted(rows))

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
    """What :func:`calibrate` found (docs/delivery.md 10)."""

    completed: int
    categories: tuple[CategoryCalibration, ...]   # by category, then "all"
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"calibration": {"completed_projects": self.completed,
                                "categories": [c.to_dict() for c in self.categories],
                                "notes": list(self.notes)}}


def _json_field(v: Any) -> Any:
    """A field of a tracking result as JSON: dates ISO, results and rows by their own
    ``to_dict``, tuples as lists, non-finite numbers as null."""
    if isinstance(v, _dt.date):
        return v.isoformat()
    if hasattr(v, "to_dict"):
        return v.to_dict()
    if isinstance(v, Mapping):
        return dict(v)
    if isinstance(v, tuple):
        return [x.to_dict() if hasattr(x, "to_dict") else x for x in v]
    if isinstance(v, float):
        return _clean(v)
    return v


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
# The comparison: reading the actuals to date (docs/delivery.md 2)
# ---------------------------------------------------------------------------

def _data(portfolio: Portfolio | dict[str, Any]) -> dict[str, Any]:
    return portfolio.data if hasattr(portfolio, "data") else portfolio


def read_portfolio_delivery(portfolio: Portfolio | dict[str, Any], pack: AssumptionPack | None = None, *,
                            file: str | None = None) -> list[tuple[dict[str, Any], ProjectDelivery]]:
    """Every project's document and delivery fields; InputError listing every
    problem (file, project, field) when any is wrong."""
    from .portfolio import _Checker
    ck = _Checker(file)
    out = []
    for i, p in enumerate(_data(portfolio).get("projects") or []):
        if not isinstance(p, dict):
            continue   # parse_portfolio reports it
        pid = p.get("id")
        ck.project = pid if isinstance(pid, str) and pid.strip() else f"#{i + 1}"
        out.append((p, read_delivery(p, ck, pack)))
    if ck.problems:
        raise InputError(ck.problems)
    return out


def as_date(value: _dt.date | str | None, what: str = "as_of") -> _dt.date | None:
    """A date from a date or ISO text; InputError naming ``what`` when unreadable."""
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError([Problem(f"{str(value)[:30]!r} is not a date written YYYY-MM-DD",
                                  field=what)]) from None


def default_as_of(deliveries: Iterable[ProjectDelivery]) -> _dt.date:
    """The date of the latest return in the portfolio; today when there is none."""
    dates = [e.date for d in deliveries for e in d.actuals]
    return max(dates) if dates else _dt.date.today()


def fraction_to_date(year: int, as_of: _dt.date) -> float:
    """Share of calendar year ``year`` that is "to date": the whole year when it
    ended on or before ``as_of``, else its quarters that did, over 4."""
    if period_end(year, None) <= as_of:
        return 1.0
    if year != as_of.year:
        return 0.0
    return sum(period_end(year, q) <= as_of for q in QUARTERS) / 4


@dataclass
class _Covered:
    """One measure's counted actuals by calendar year: the amount and the quarters it covers."""

    amount: dict[int, float] = field(default_factory=dict)
    quarters: dict[int, set[int]] = field(default_factory=dict)
    periods: dict[tuple[int, int | None], float] = field(default_factory=dict)  # as reported

    def first_period_start(self) -> _dt.date | None:
        """The first day of the first period with a non-zero amount, or None."""
        nonzero = [(y, q or 1) for (y, q), v in self.periods.items() if v != 0]
        if not nonzero:
            return None
        y, q = min(nonzero)
        return _dt.date(y, 3 * q - 2, 1)

    def share(self, year: int) -> float:
        """Share of the year the actuals cover (quarters over 4)."""
        return len(self.quarters.get(year, ())) / 4

    def total(self) -> float:
        return float(sum(self.amount.values()))


def counted_entries(entries: Iterable[ActualEntry], as_of: _dt.date) -> list[ActualEntry]:
    """Entries "to date": dated on or before ``as_of``, for periods ending on or before it."""
    return [e for e in entries if e.date <= as_of and e.period_end <= as_of]


def _cover(entries: list[ActualEntry], value: Callable[[ActualEntry], float | None]) -> _Covered:
    """Per period, the latest-dated entry's value wins (a later return restates an
    earlier one); periods then add up by year."""
    latest: dict[tuple[int, int | None], tuple[ActualEntry, float]] = {}
    for e in sorted(entries, key=lambda e: e.date):   # a stable sort: list order breaks ties
        v = value(e)
        if v is not None:
            latest[(e.year, e.quarter)] = (e, v)
    c = _Covered()
    for (y, q), (e, v) in latest.items():
        c.periods[(y, q)] = v
        c.amount[y] = c.amount.get(y, 0.0) + v
        c.quarters.setdefault(y, set()).update(e.quarters)
    return c


def _latest(entries: list[ActualEntry], name: str) -> Any:
    dated = [e for e in entries if getattr(e, name) is not None]
    return max(dated, key=lambda e: e.date) if dated else None


def measured_change(e: ActualEntry, fuel: str, pre: Mapping[str, float]) -> float | None:
    """The entry's measured change in use of ``fuel`` [fuel unit]: given, or the
    measured use less the pre-project use for the period (a year's, times 1 or 1/4)."""
    change = dict(e.energy_change)
    if fuel in change:
        return change[fuel]
    use = dict(e.energy_use)
    if fuel in use and fuel in pre:
        return use[fuel] - pre[fuel] * e.fraction
    return None


# ---------------------------------------------------------------------------
# One project against one baseline
# ---------------------------------------------------------------------------

@dataclass
class _Case:
    """A project, a baseline and its counted actuals, ready to compare."""

    doc: dict[str, Any]
    delivery: ProjectDelivery
    baseline: Baseline
    as_of: _dt.date
    counted: list[ActualEntry]
    inputs: Any                 # PortfolioInputs of the baseline (its settings, its project), or None
    problem: str | None         # why the baseline cannot be re-appraised with this pack
    price_year: int             # the project's price year P (money of the comparison)
    base_year: int              # the baseline's price base year B (money of the report)
    to_base: float              # D(B) / D(P)
    capex: _Covered
    public: _Covered
    opex: _Covered
    energy: dict[str, _Covered]
    appraised_energy: dict[str, float]   # fuel -> change a year after comfort taking

    @property
    def project(self) -> ProjectInputs | None:
        return self.inputs.projects[0] if self.inputs is not None else None


def _baseline_inputs(baseline: Baseline, pack: AssumptionPack
                     ) -> tuple[PortfolioInputs | None, str | None]:
    """The baseline's settings and project, parsed against ``pack`` (or the reason they cannot be)."""
    from .portfolio import check_portfolio
    doc = {**dict(baseline.settings), "name": "baseline", "projects": [dict(baseline.project)]}
    checked = check_portfolio(doc, pack)
    if checked.inputs is not None and checked.inputs.projects:
        return checked.inputs, None
    words = "; ".join(f"{p.field}: {p.message}" if p.field else p.message
                      for p in checked.problems[:3])
    return None, f"the baseline's inputs do not read with pack {pack.id}: {words}"


def _case(doc: dict[str, Any], delivery: ProjectDelivery, baseline: Baseline, pack: AssumptionPack,
          as_of: _dt.date, file: str | None = None) -> _Case:
    inputs, problem = _baseline_inputs(baseline, pack)
    b = baseline.settings.get("price_base_year")
    base_year = int(b) if isinstance(b, int) and not isinstance(b, bool) else pack.default_price_base_year
    p_year = baseline.project.get("price_year")
    price_year = int(p_year) if isinstance(p_year, int) and not isinstance(p_year, bool) else base_year
    counted = counted_entries(delivery.actuals, as_of)

    def rebase(e: ActualEntry, name: str) -> float | None:
        v = getattr(e, name)
        if v is None:
            return None
        try:   # METHOD.md 1.1: amounts at the entry's prices (default its year: cash) to P
            rebased: float = v * pack.rebase_factor(e.price_year or e.year, price_year)
            return rebased
        except InputError as exc:
            raise InputError([replace(pr, file=file, project=delivery.project_id,
                                      field=f"actuals ({e.period_label}).{name}")
                              for pr in exc.problems]) from None

    money = {name: _cover(counted, functools.partial(rebase, name=name)) for name in MONEY_FIELDS}
    fuels = sorted({f for e in counted for f, _ in (*e.energy_use, *e.energy_change)})
    energy = {f: _cover(counted, functools.partial(measured_change, fuel=f, pre=delivery.pre_project_energy))
              for f in fuels}
    try:
        to_base = pack.rebase_factor(price_year, base_year)
    except InputError:   # the baseline's inputs did not read either: ``problem`` says why
        to_base = 1.0
    q = after_comfort_taking(inputs.projects[0], pack) if inputs is not None else {}
    return _Case(doc, delivery, baseline, as_of, counted, inputs, problem, price_year, base_year,
                 to_base, money["capex_gbp"], money["public_funding_gbp"], money["opex_gbp"],
                 energy, q)


def after_comfort_taking(p: ProjectInputs, pack: AssumptionPack) -> dict[str, float]:
    """The appraised change in use of each fuel a year after comfort taking (METHOD.md
    3, as appraise._flatten reads it: the project's share, else its category's, and
    only for a category the pack flags): what a measured change is compared with."""
    cat = pack.categories[p.category]
    share = 0.0
    if cat.comfort_taking is not None:
        share = p.comfort_taking if p.comfort_taking is not None else (cat.comfort_taking or 0.0)
    out: dict[str, float] = {}
    for fuel, q in p.energy_changes:
        out[fuel] = out.get(fuel, 0.0) + q
    return {f: q * (1.0 - share) if q < 0 else q for f, q in out.items()}


def _year_map(m: Any) -> dict[int, float]:
    """A year map of the file (keys text) as numbers; anything else as nothing."""
    out: dict[int, float] = {}
    for k, v in (m or {}).items() if isinstance(m, dict) else ():
        try:
            out[int(k)] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def _public_profile(project: Mapping[str, Any], capex: dict[int, float]) -> dict[int, float]:
    """Public funding by year as appraised: the year map where given, else the share
    (default 1, METHOD.md 5) of each year's capex."""
    if isinstance(project.get("public_funding"), dict):
        return _year_map(project["public_funding"])
    share = project.get("public_funding_share")
    from .appraise import DEFAULT_PUBLIC_FUNDING_SHARE
    share = DEFAULT_PUBLIC_FUNDING_SHARE if share is None else float(share)
    return {y: share * v for y, v in capex.items()}


def forecast_map(baseline: dict[int, float], actual: _Covered) -> dict[int, float]:
    """docs/delivery.md 4: each year's actuals for the quarters they cover, the
    baseline's amount for the rest (a quarter of the year's amount each)."""
    years = sorted(set(baseline) | set(actual.amount))
    return {y: actual.amount.get(y, 0.0) + baseline.get(y, 0.0) * (1.0 - actual.share(y))
            for y in years}


def _spend(c: _Case) -> dict[str, Any]:
    """Spend against profile and cost overrun (docs/delivery.md 3 and 4), at B."""
    capex = _year_map(c.baseline.project.get("capex"))
    public = _public_profile(c.baseline.project, capex)
    k = c.to_base
    profile = sum(v * fraction_to_date(y, c.as_of) for y, v in capex.items())
    public_profile = sum(v * fraction_to_date(y, c.as_of) for y, v in public.items())
    base_total = sum(capex.values())
    forecast = sum(forecast_map(capex, c.capex).values())
    ob = c.baseline.results.get("optimism_bias")
    ob = float(ob) if isinstance(ob, (int, float)) and not isinstance(ob, bool) else None
    spent = c.capex.total()
    return {
        "capex_to_date_gbp": spent * k, "capex_profile_to_date_gbp": profile * k,
        "spend_share_of_profile": _ratio(spent, profile),
        "public_funding_to_date_gbp": c.public.total() * k,
        "public_funding_profile_to_date_gbp": public_profile * k,
        "baseline_capex_gbp": base_total * k, "forecast_capex_gbp": forecast * k,
        "optimism_bias": ob,
        "overrun": None if base_total <= 0 else forecast / base_total - 1.0,
        "overrun_with_ob": (None if base_total <= 0 or ob is None
                            else forecast / (base_total * (1.0 + ob)) - 1.0),
    }


def planned_dates(c: _Case) -> tuple[_dt.date | None, _dt.date, int]:
    """Planned start of works and of operation (docs/delivery.md 5), and the
    operating start year the appraisal used (before duration optimism bias)."""
    capex = _year_map(c.baseline.project.get("capex"))
    spend_years = [y for y, v in capex.items() if v > 0]
    works = c.baseline.planned_works_start or (_dt.date(min(spend_years), 1, 1) if spend_years else None)
    p = c.project
    if p is not None:
        from .appraise import project_span
        start_year = project_span(p, c.inputs.appraisal_year)[0]
    else:   # METHOD.md 2: given, else the year after the last capex year
        given = c.baseline.project.get("operating_start")
        start_year = int(given) if isinstance(given, int) else (
            max(capex) + 1 if capex else int(c.baseline.settings.get("appraisal_year") or c.as_of.year))
    operating = c.baseline.planned_operating_start or _dt.date(start_year, 1, 1)
    return works, operating, start_year


def actual_operating_start(c: _Case) -> tuple[_dt.date | None, bool]:
    """The reported start of operation; without one, the start of the first period
    with a non-zero measured energy change (inferred: True); else None."""
    entry = _latest(c.counted, "operating_start")
    if entry is not None:
        return entry.operating_start, False
    starts = [d for d in (cov.first_period_start() for cov in c.energy.values()) if d is not None]
    return (min(starts), True) if starts else (None, False)


def _slip(planned: _dt.date | None, actual: _dt.date | None, as_of: _dt.date
          ) -> tuple[float | None, bool]:
    """Months late (negative: early), and whether it is only a minimum (not yet
    happened, and the planned date has passed)."""
    if planned is None:
        return None, False
    if actual is not None:
        return months_between(planned, actual), False
    if as_of > planned:
        return months_between(planned, as_of), True
    return None, False


def _schedule(c: _Case) -> tuple[dict[str, Any], list[str]]:
    """Slippage of the start of works and of operation (docs/delivery.md 5)."""
    works_plan, op_plan, _ = planned_dates(c)
    notes = []
    entry = _latest(c.counted, "works_start")
    works = entry.works_start if entry else None
    if works is None:   # inferred from the first period with capex spent
        works = c.capex.first_period_start()
        if works is not None:
            notes.append(f"the start of works is not reported: taken as {works.isoformat()}, the "
                         "start of the first period with capex spent")
    operating, inferred = actual_operating_start(c)
    if inferred and operating is not None:
        notes.append(f"the start of operation is not reported: taken as {operating.isoformat()}, "
                     "the start of the first period with a measured energy change")
    w_slip, w_min = _slip(works_plan, works, c.as_of)
    o_slip, o_min = _slip(op_plan, operating, c.as_of)
    delay = c.baseline.results.get("ob_delay_years")
    allowance = 12.0 * float(delay) if isinstance(delay, (int, float)) else 0.0
    return {
        "planned_works_start": works_plan, "actual_works_start": works,
        "works_start_slippage_months": w_slip, "works_start_slippage_is_minimum": w_min,
        "planned_operating_start": op_plan, "actual_operating_start": operating,
        "completion_slippage_months": o_slip, "completion_slippage_is_minimum": o_min,
        "ob_duration_allowance_months": allowance,
        "completion_slippage_beyond_allowance_months": None if o_slip is None else o_slip - allowance,
    }, notes


# ---------------------------------------------------------------------------
# The re-forecast and the carbon delivered: the engine on the baseline's inputs
# ---------------------------------------------------------------------------

def operating_year(start: _dt.date) -> int:
    """The calendar year an actual start of operation counts as in the method's whole
    years: the year whose 1 January is nearest (a start on 15 December 2027 counts
    as 2028, on 10 March 2028 as 2028; docs/delivery.md 7)."""
    return start.year + (1 if start >= _dt.date(start.year, 7, 2) else 0)


def reforecast_start_year(c: _Case) -> int:
    """docs/delivery.md 7: the operating start year of the re-forecast (before
    duration optimism bias): the actual start's year; else, when the planned
    start has passed without one, the year after ``as_of``; else as appraised."""
    _, op_plan, start_year = planned_dates(c)
    operating, _ = actual_operating_start(c)
    if operating is not None:
        return operating_year(operating)
    if op_plan < c.as_of:
        return max(start_year, c.as_of.year + 1)
    return start_year


def reforecast_inputs(c: _Case) -> ProjectInputs:
    """The baseline's project with the actuals in place (docs/delivery.md 7): capex
    and public funding by year from :func:`forecast_map`, operation from
    :func:`reforecast_start_year`, and the baseline's own optimism-bias uplift and
    duration allowance (pinned: the re-forecast changes inputs, not the method)."""
    p = c.project
    assert p is not None   # only cases whose baseline inputs read are re-forecast (_run_engine)
    capex_base = dict(p.capex)
    capex = forecast_map(capex_base, c.capex)
    changes: dict[str, Any] = {"capex": capex}
    if c.public.amount:   # public funding drawn: the rest as appraised, by the same rule
        if p.public_funding is not None:
            rest = dict(p.public_funding)
        else:
            from .appraise import DEFAULT_PUBLIC_FUNDING_SHARE
            share = DEFAULT_PUBLIC_FUNDING_SHARE if p.public_funding_share is None \
                else p.public_funding_share
            rest = {y: share * v for y, v in capex.items()}
        changes["public_funding"] = forecast_map(rest, c.public)
    delay = _delay_years(c)
    ob = c.baseline.results.get("optimism_bias")
    if isinstance(ob, (int, float)) and not isinstance(ob, bool):
        changes["optimism_bias"] = float(ob)
    changes.update(operating_start=reforecast_start_year(c) + delay, business_case_stage=None)
    return replace(p, **changes)


def _delay_years(c: _Case) -> int:
    d = c.baseline.results.get("ob_delay_years")
    return int(d) if isinstance(d, (int, float)) and not isinstance(d, bool) else 0


def _one_year(p: ProjectInputs, row_id: str, year: int, energy: list[tuple[str, float]], opex: float
              ) -> ProjectInputs:
    """A part with one operating year: an energy change and opex in that year of
    project ``p``, valued by the engine with p's sector, deadweight and prices.
    The change is taken as it is (comfort taking 0): a measured change is what
    happened, and the appraised one is given after comfort taking already."""
    return replace(p, id=row_id, capex={}, public_funding=None, counterfactual_capex=None,
                   opex_per_year=opex, operating_start=year, lifetime_years=1,
                   energy_changes=tuple(energy), other_benefits=(), car_km_removed=None,
                   car_km_removed_by_year=None, added_peak_kw=0.0, renewals=(),
                   residual_value=None, asset_life_years=None, business_case_stage=None,
                   operational_fte=0.0, bill_savings_to_promoter=False, sensitivity={}, notes=(),
                   comfort_taking=0.0)


def _operating(year: int, start: int, lifetime: int) -> bool:
    return start <= year < start + lifetime


def _parts(c: _Case, k: int) -> list[tuple[Any, str, float]]:
    """The engine parts of case ``k`` with their role and sign (docs/delivery.md 6, 7)."""
    p, main = c.project, reforecast_inputs(c)
    assert p is not None and main.operating_start is not None   # reforecast_inputs: both set
    delay = _delay_years(c)
    _, _, base_start = planned_dates(c)
    base_e, new_e, life = base_start + delay, main.operating_start, p.lifetime_years
    q = c.appraised_energy
    parts: list[tuple[Any, str, float]] = [(main, "reforecast", 1.0)]
    years = sorted(set(c.opex.amount) | {y for cov in c.energy.values() for y in cov.amount})
    for y in years:
        measured = [(f, cov.amount[y]) for f, cov in c.energy.items() if y in cov.amount]
        parts.append((_one_year(p, f"{k}:m{y}", y, measured, c.opex.amount.get(y, 0.0)),
                      "measured", 1.0))
        if _operating(y, new_e, life):   # the year as the re-forecast appraises it comes out
            taken = [(f, v * c.energy[f].share(y)) for f, v in q.items() if f in c.energy]
            parts.append((_one_year(p, f"{k}:x{y}", y, taken, p.opex_per_year * c.opex.share(y)),
                          "reforecast", -1.0))
        if _operating(y, base_e, life):
            like = [(f, v * c.energy[f].share(y)) for f, v in q.items() if f in c.energy]
            parts.append((_one_year(p, f"{k}:b{y}", y, like, 0.0), "appraised_measured", 1.0))
    for y in range(base_e, min(base_e + life, c.as_of.year + 1)):
        share = fraction_to_date(y, c.as_of)
        if share > 0 and q:
            parts.append((_one_year(p, f"{k}:d{y}", y, [(f, v * share) for f, v in q.items()], 0.0),
                          "appraised_to_date", 1.0))
    return parts


SUM_KEYS = ("pv_benefits_gbp", "pv_costs_gbp", "carbon_saved_tco2e", "pv_carbon_benefit_gbp",
            "pv_costs_public_gbp", "pv_costs_private_gbp", "gap_contribution_gbp")


def _run_engine(cases: list[_Case], pack: AssumptionPack) -> dict[int, dict[str, Any]]:
    """Appraise every case's parts (one engine run per set of baseline settings).

    Per case: for each role the signed sums of SUM_KEYS, and under ``"years"``
    the tonnes of the one-year parts by role and year (for the charts). A group
    the engine refuses (e.g. a price year the pack cannot rebase) gets the
    reason under ``"problem"`` instead.
    """
    from .appraise import appraise_portfolio
    groups: dict[str, list[int]] = {}
    for k, c in enumerate(cases):
        if c.inputs is not None:
            key = repr(sorted((n, repr(v)) for n, v in c.baseline.settings.items()))
            groups.setdefault(key, []).append(k)
    out: dict[int, dict[str, Any]] = {}
    for ks in groups.values():
        parts = [(k, role, sign, part) for k in ks for part, role, sign in _parts(cases[k], k)]
        inputs = replace(cases[ks[0]].inputs, projects=tuple(part for *_, part in parts))
        try:
            m = appraise_portfolio(inputs, pack).metrics
        except InputError as exc:
            for k in ks:
                out[k] = {"problem": "; ".join(p.message for p in exc.problems[:2])}
            continue
        for j, (k, role, sign, part) in enumerate(parts):
            case = out.setdefault(k, {"years": {}})
            sums = case.setdefault(role, dict.fromkeys(SUM_KEYS, 0.0))
            for key in SUM_KEYS:
                sums[key] += sign * float(np.nan_to_num(m[key][j]))
            if role in ("measured", "appraised_to_date"):
                by_year = case["years"].setdefault(role, {})
                y = part.operating_start
                by_year[y] = by_year.get(y, 0.0) + float(np.nan_to_num(m["carbon_saved_tco2e"][j]))
    return out


def _energy(c: _Case, sums: dict[str, Any] | None) -> dict[str, Any]:
    """Energy by fuel and carbon, appraised and delivered to date (docs/delivery.md 6)."""
    p = c.project
    delay = _delay_years(c)
    _, _, base_start = planned_dates(c)
    start, life = base_start + delay, (p.lifetime_years if p is not None else 0)
    q = c.appraised_energy
    fuels = []
    for f in sorted(set(q) | set(c.energy)):
        cov = c.energy.get(f, _Covered())
        to_date = sum(q.get(f, 0.0) * fraction_to_date(y, c.as_of)
                      for y in range(start, min(start + life, c.as_of.year + 1)))
        expected = sum(q.get(f, 0.0) * cov.share(y) for y in cov.amount
                       if _operating(y, start, life))
        fuels.append(FuelDelivery(f, to_date, expected, cov.total()))
    zero = dict.fromkeys(SUM_KEYS, 0.0)
    appraised = sums.get("appraised_to_date", zero)["carbon_saved_tco2e"] if sums else None
    like = sums.get("appraised_measured", zero)["carbon_saved_tco2e"] if sums else None
    delivered = sums.get("measured", zero)["carbon_saved_tco2e"] if sums and c.energy else None
    return {"fuels": tuple(fuels), "carbon_appraised_to_date_tco2e": appraised,
            "carbon_appraised_in_measured_periods_tco2e": like if c.energy else None,
            "carbon_delivered_to_date_tco2e": delivered,
            "carbon_delivery_share": _ratio(delivered, like) if c.energy and like else None}


def _years(c: _Case, engine: dict[str, Any] | None) -> tuple[YearDelivery, ...]:
    """The year-by-year table of a project (docs/delivery.md 3, 4, 6), at B."""
    capex = _year_map(c.baseline.project.get("capex"))
    public = _public_profile(c.baseline.project, capex)
    forecast = forecast_map(capex, c.capex)
    by_year = (engine or {}).get("years", {})
    appraised, delivered = by_year.get("appraised_to_date", {}), by_year.get("measured", {})
    measured_years = {y for cov in c.energy.values() for y in cov.amount}
    years = set(capex) | set(public) | set(forecast) | set(appraised) | measured_years
    k = c.to_base
    return tuple(YearDelivery(
        year=y, share_to_date=fraction_to_date(y, c.as_of),
        capex_profile_gbp=capex.get(y, 0.0) * k,
        capex_actual_gbp=c.capex.amount[y] * k if y in c.capex.amount else None,
        capex_forecast_gbp=forecast.get(y, 0.0) * k,
        public_funding_profile_gbp=public.get(y, 0.0) * k,
        public_funding_actual_gbp=c.public.amount[y] * k if y in c.public.amount else None,
        carbon_appraised_to_date_tco2e=appraised.get(y, 0.0 if engine and "years" in engine else None),
        carbon_delivered_tco2e=delivered.get(y) if y in measured_years else None)
        for y in sorted(years))


def _outcome(sums: dict[str, dict[str, float]]) -> Outcome:
    total = dict.fromkeys(SUM_KEYS, 0.0)
    for role in ("reforecast", "measured"):
        for key in SUM_KEYS:
            total[key] += sums.get(role, {}).get(key, 0.0)
    return Outcome.of_sums(total["pv_benefits_gbp"], total["pv_costs_gbp"],
                           total["carbon_saved_tco2e"], total["pv_carbon_benefit_gbp"],
                           total["pv_costs_public_gbp"], total["pv_costs_private_gbp"],
                           total["gap_contribution_gbp"])


# ---------------------------------------------------------------------------
# RAG (docs/delivery.md 8)
# ---------------------------------------------------------------------------

def rag(overrun: float | None, slippage_months: float | None, carbon_share: float | None,
        t: Thresholds) -> tuple[str, tuple[str, ...]]:
    """The status from the stated thresholds, and the reasons for it, worst first.

    Red when any measure passes its red threshold, else amber when any passes
    its amber one, else green; a measure that is undefined (None) counts for
    nothing. Overrun and slippage must be *above* the threshold, the carbon
    delivery share *below* it.
    """
    found: list[tuple[int, str]] = []
    if overrun is not None:
        for level, limit in ((2, t.overrun_red), (1, t.overrun_amber)):
            if overrun > limit + 1e-12:
                found.append((level, (f"cost {overrun:+.0%} against the baseline ({RAG[level]} "
                                     f"above {limit:.0%})")))
                break
    if slippage_months is not None:
        for level, limit in ((2, t.slippage_red_months), (1, t.slippage_amber_months)):
            if slippage_months > limit + 1e-9:
                found.append((level, (f"{slippage_months:.1f} months late ({RAG[level]} above "
                                     f"{limit:g} months)")))
                break
    if carbon_share is not None:
        for level, limit in ((2, t.carbon_red), (1, t.carbon_amber)):
            if carbon_share < limit - 1e-12:
                found.append((level, (f"{carbon_share:.0%} of the appraised carbon saving "
                                     f"delivered ({RAG[level]} below {limit:.0%})")))
                break
    found.sort(key=lambda x: -x[0])
    return RAG[found[0][0] if found else 0], tuple(text for _, text in found)


# ---------------------------------------------------------------------------
# track() and calibrate()
# ---------------------------------------------------------------------------

def _untracked(doc: dict[str, Any], reason: str) -> ProjectTrack:
    return ProjectTrack(id=str(doc.get("id", "")), name=str(doc.get("name", "")),
                        category=str(doc.get("category", "")), status=None, reasons=(reason,),
                        baseline_stage=None, baseline_date=None, baseline_pack_id=None,
                        baseline_pack_vintage=None, reported_to=None)


def _project_track(c: _Case, sums: dict[str, Any] | None, pack: AssumptionPack, t: Thresholds
                   ) -> ProjectTrack:
    spend = _spend(c)
    schedule: dict[str, Any]
    notes: list[str]
    schedule, notes = _schedule(c)
    engine = sums
    if sums is not None and "problem" in sums:
        notes.append(f"no re-forecast or carbon comparison: the appraisal engine refused the "
                     f"baseline's inputs with pack {pack.id}: {sums['problem']}")
        sums = None
    energy = _energy(c, sums)
    slips = [s for s in (schedule["works_start_slippage_months"],
                         schedule["completion_slippage_months"]) if s is not None]
    status, reasons = rag(spend["overrun"], max(slips) if slips else None,
                          energy["carbon_delivery_share"], t)
    b = c.baseline
    if c.problem:
        notes.append(f"no re-forecast or carbon comparison: {c.problem}")
    elif (b.pack_id, b.pack_vintage) != (pack.id, pack.vintage):
        notes.append(f"the baseline was appraised with pack {b.pack_id} ({b.pack_vintage}); the "
                     f"re-forecast uses {pack.id} ({pack.vintage}): part of any difference is the "
                     "pack's")
    later = len(c.delivery.actuals) - len(c.counted)
    if later:
        notes.append(f"{later} entr{'y' if later == 1 else 'ies'} dated or for periods after "
                     f"{c.as_of.isoformat()} not counted")
    jobs = _latest(c.counted, "jobs_fte")
    gross = b.results.get("gross_jobs_fte")
    return ProjectTrack(
        id=str(c.doc.get("id", "")), name=str(c.doc.get("name", "")),
        category=str(b.project.get("category", "")), status=status, reasons=reasons,
        baseline_stage=b.stage, baseline_date=b.date, baseline_pack_id=b.pack_id,
        baseline_pack_vintage=b.pack_vintage, baseline_price_base_year=c.base_year,
        reported_to=max((e.period_end for e in c.counted), default=None),
        **spend, **schedule, **energy,
        jobs_reported_fte=jobs.jobs_fte if jobs else None,
        gross_jobs_appraised_fte=float(gross) if isinstance(gross, (int, float)) else None,
        baseline=Outcome.of_record(b.results), reforecast=_outcome(sums) if sums else None,
        years=_years(c, engine if sums else None), notes=tuple(notes))


def track(portfolio: Portfolio | dict[str, Any], pack: AssumptionPack, as_of: _dt.date | str | None = None,
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
    t = thresholds or Thresholds.from_pack(pack)
    t.check()
    docs = read_portfolio_delivery(portfolio, pack, file=file)
    day = as_date(as_of) or default_as_of(d for _, d in docs)
    cases: list[_Case] = []
    slots: list[ProjectTrack | int] = []
    for doc, d in docs:
        ref = d.reference
        if ref is None:
            slots.append(_untracked(doc, "no approved baseline"))
            continue
        slots.append(len(cases))
        cases.append(_case(doc, d, ref, pack, day, file))
    sums = _run_engine(cases, pack)
    projects = tuple(s if isinstance(s, ProjectTrack)
                     else _project_track(cases[s], sums.get(s), pack, t) for s in slots)
    return DeliveryReport(name=str(_data(portfolio).get("name", "")), as_of=day, pack_id=pack.id,
                          pack_vintage=pack.vintage, thresholds=t, projects=projects,
                          pipeline=_pipeline(projects))


def _pipeline(projects: tuple[ProjectTrack, ...]) -> PipelineTrack:
    """Sums over tracked projects; ratios of the sums (docs/delivery.md 9)."""
    tracked = [p for p in projects if p.status is not None]
    counts = {s: sum(p.status == s for p in tracked) for s in RAG}

    def total(key: str) -> float:
        return float(sum(getattr(p, key) or 0.0 for p in tracked))

    def outcome(which: str) -> Outcome:
        both = [p for p in tracked if p.baseline is not None and p.reforecast is not None]
        s = {k: float(sum(getattr(getattr(p, which), k) or 0.0 for p in both))
             for k in ("pv_benefits_gbp", "pv_costs_gbp", "carbon_saved_tco2e",
                       "pv_carbon_benefit_gbp", "pv_costs_public_gbp", "pv_costs_private_gbp",
                       "gap_contribution_gbp")}
        return Outcome.of_sums(s["pv_benefits_gbp"], s["pv_costs_gbp"], s["carbon_saved_tco2e"],
                               s["pv_carbon_benefit_gbp"], s["pv_costs_public_gbp"],
                               s["pv_costs_private_gbp"], s["gap_contribution_gbp"])

    notes = []
    bases = sorted({p.baseline_price_base_year for p in tracked
                    if p.baseline_price_base_year is not None})
    if len(bases) > 1:
        notes.append("the baselines are at prices of different years (" + ", ".join(map(str, bases))
                     + "): money totals add them as they are")
    if any(p.reforecast is None for p in tracked):
        notes.append("projects without a re-forecast are left out of both NPSV totals")
    base, fore = total("baseline_capex_gbp"), total("forecast_capex_gbp")
    profile, spent = total("capex_profile_to_date_gbp"), total("capex_to_date_gbp")
    shared = [p for p in tracked if p.carbon_delivery_share is not None]   # like for like
    like = float(sum(p.carbon_appraised_in_measured_periods_tco2e or 0.0 for p in shared))
    delivered = float(sum(p.carbon_delivered_to_date_tco2e or 0.0 for p in shared))
    return PipelineTrack(
        projects_tracked=len(tracked), projects_without_baseline=len(projects) - len(tracked),
        status_counts=counts, capex_to_date_gbp=spent, capex_profile_to_date_gbp=profile,
        spend_share_of_profile=_ratio(spent, profile), baseline_capex_gbp=base,
        forecast_capex_gbp=fore, overrun=fore / base - 1.0 if base > 0 else None,
        carbon_appraised_to_date_tco2e=total("carbon_appraised_to_date_tco2e"),
        carbon_delivered_to_date_tco2e=total("carbon_delivered_to_date_tco2e"),
        carbon_delivery_share=_ratio(delivered, like) if like else None,
        baseline=outcome("baseline"), reforecast=outcome("reforecast"), notes=tuple(notes))


def calibrate(portfolio: Portfolio | dict[str, Any], pack: AssumptionPack, *,
              file: str | None = None) -> Calibration:
    """Pool the completed projects (those reporting an actual operating start):
    their cost overrun and slippage against the decision baseline (the earliest
    approved), by category and for all, beside the optimism-bias allowances that
    baseline used (docs/delivery.md 10).

    Every entry counts (no ``as_of``): the outturn is the latest word.
    """
    docs = read_portfolio_delivery(portfolio, pack, file=file)
    rows: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    skipped = 0
    for doc, d in docs:
        decision = d.decision
        if decision is None or not any(e.operating_start for e in d.actuals):
            skipped += decision is not None
            continue
        end = max([e.date for e in d.actuals] + [e.period_end for e in d.actuals])
        c = _case(doc, d, decision, pack, end, file)
        schedule, _ = _schedule(c)
        rows.append((d.project_id, str(decision.project.get("category", "")), _spend(c), schedule))
    cats = sorted({cat for _, cat, _, _ in rows})
    out = [_calibration_of(cat, [r for r in rows if r[1] == cat]) for cat in cats]
    out.append(_calibration_of("all", rows))
    notes = [(f"{skipped} project(s) with an approved baseline are not complete (no actual "
             "operating start) and are left out")] if skipped else []
    return Calibration(len(rows), tuple(out), tuple(notes))


def _calibration_of(category: str, rows: list[tuple[str, str, dict[str, Any], dict[str, Any]]]) -> CategoryCalibration:
    within = sum(1 for _, _, s, _ in rows if s["overrun"] is not None and s["optimism_bias"]
                 is not None and s["overrun"] <= s["optimism_bias"] + 1e-12)
    return CategoryCalibration(
        category=category, projects=tuple(r[0] for r in rows),
        overrun=Distribution.of(s["overrun"] for _, _, s, _ in rows),
        optimism_bias_used=Distribution.of(s["optimism_bias"] for _, _, s, _ in rows),
        overrun_within_allowance=within,
        works_start_slippage_months=Distribution.of(
            h["works_start_slippage_months"] for _, _, _, h in rows),
        completion_slippage_months=Distribution.of(
            h["completion_slippage_months"] for _, _, _, h in rows),
        duration_allowance_months=Distribution.of(
            h["ob_duration_allowance_months"] for _, _, _, h in rows))
