"""What changed between two portfolios, and why the numbers moved.

:func:`diff_portfolios` compares two portfolio documents (FORMAT.md section 1)
input by input, project by project and field by field, and appraises both:
the change in NPSV, BCR, carbon, net jobs, public cost and gap contribution,
per project and in total. The NPSV change is attributed to each changed
input by applying the changes one at a time in a stated order
(:data:`ATTRIBUTION_ORDER`) and appraising after each: part *k* is
NPSV(after step *k*) - NPSV(after step *k* - 1), so the parts telescope to
NPSV(B) - NPSV(A) by construction. The last step ends on B itself.

An intermediate state that cannot be appraised (for example a value-for-money
adjustment applied before its reason) is not reported on its own: the step is
joined with the next one, and the part names both changes.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable

from .appraise import appraise_portfolio
from .errors import InputError
from .pack import AssumptionPack
from .portfolio import PROJECT_FIELDS, Portfolio, parse_portfolio, project_key
from .results import PortfolioResults

# measures compared, per project and in total: (result key, label, unit)
DIFF_METRICS = (("npsv_gbp", "NPSV", "GBP"), ("bcr", "BCR", ""),
                ("carbon_saved_tco2e", "Carbon saved", "tCO2e"),
                ("net_additional_jobs_fte", "Net additional jobs", "FTE"),
                ("public_cost_gbp", "Public cost", "GBP"),
                ("gap_contribution_gbp", "Gap contribution", "GBP"))
# portfolio settings first, in this order (then any other field, alphabetically)
SETTINGS_ORDER = ("appraisal_year", "price_base_year", "discount_schedule",
                  "financial_discount_rate", "financial_basis", "financial_ob_share",
                  "carbon_series", "energy_series", "vfm_basis", "sensitivity", "name", "notes")
# then projects in order of ID (removed, added or changed), each project's fields in
# FORMAT.md's order, with a reason before the adjustment it justifies
PROJECT_ORDER = tuple(g for f in PROJECT_FIELDS if f not in ("id", "vfm_adjustment_reason")
                      for g in (("vfm_adjustment_reason", f) if f == "vfm_adjustment" else (f,))
                      ) + ("id",)
ATTRIBUTION_ORDER = (
    "portfolio settings first (" + ", ".join(SETTINGS_ORDER) + ", then any other field "
    "alphabetically); then projects in order of ID (case ignored): a removed project is "
    "removed, an added one added whole, a changed one field by field in the order "
    + ", ".join(PROJECT_ORDER) + " (then any other field alphabetically)")
_NOT_COMPARED = ("format", "version", "projects", "imported_from")   # imported_from: a record, not an input


@dataclass(frozen=True)
class FieldChange:
    """One input that differs: ``project`` is None for a portfolio setting; ``field`` a
    dotted path (``capex.2024``); ``before``/``after`` None where absent."""

    project: str | None
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "field": self.field, "before": self.before,
                "after": self.after}


@dataclass(frozen=True)
class MetricChange:
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "change": self.change}


@dataclass(frozen=True)
class ProjectDiff:
    id: str
    status: str                          # "changed", "added", "removed" or "unchanged"
    fields: tuple[FieldChange, ...]
    metrics: dict[str, MetricChange]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status,
                "fields": [f.to_dict() for f in self.fields],
                "metrics": {k: v.to_dict() for k, v in self.metrics.items()}}


@dataclass(frozen=True)
class AttributionStep:
    """One step of the attribution: the input(s) changed and the NPSV change they bring."""

    project: str | None
    fields: tuple[str, ...]              # top-level fields changed together in this step
    what: str                            # "setting", "changed", "added" or "removed"
    npsv_before_gbp: float
    npsv_after_gbp: float

    @property
    def npsv_change_gbp(self) -> float:
        return self.npsv_after_gbp - self.npsv_before_gbp

    @property
    def label(self) -> str:
        target = f"project {self.project}" if self.project is not None else "portfolio"
        if self.what in ("added", "removed"):
            return f"{target} {self.what}"
        return f"{target}: {', '.join(self.fields)}"

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "fields": list(self.fields), "what": self.what,
                "label": self.label, "npsv_change_gbp": self.npsv_change_gbp}


@dataclass(frozen=True)
class PortfolioDiff:
    """Inputs that differ between A and B, the change in the measures, and the
    NPSV change attributed step by step (see the module's docstring)."""

    settings: tuple[FieldChange, ...]
    projects: tuple[ProjectDiff, ...]
    totals: dict[str, MetricChange]
    attribution: tuple[AttributionStep, ...]
    order: str = ATTRIBUTION_ORDER
    pack_id: str = ""
    pack_vintage: str = ""

    @property
    def equal(self) -> bool:
        return not self.settings and all(p.status == "unchanged" for p in self.projects)

    @property
    def input_changes(self) -> list[FieldChange]:
        out = list(self.settings)
        for p in self.projects:
            out.extend(p.fields)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"equal": self.equal,
                "assumptions": {"id": self.pack_id, "vintage": self.pack_vintage},
                "settings": [c.to_dict() for c in self.settings],
                "projects": [p.to_dict() for p in self.projects if p.status != "unchanged"],
                "totals": {k: v.to_dict() for k, v in self.totals.items()},
                "attribution": {"order": self.order,
                                "steps": [s.to_dict() for s in self.attribution],
                                "total_npsv_change_gbp": self.totals["npsv_gbp"].change}}


# ---------------------------------------------------------------------------
# Comparing inputs
# ---------------------------------------------------------------------------

_ABSENT = object()


def _ordered(keys: set[str], order: tuple[str, ...]) -> list[str]:
    return [k for k in order if k in keys] + sorted(k for k in keys if k not in order)


def _leaf_changes(project: str | None, name: str, a: Any, b: Any) -> list[FieldChange]:
    """A field that differs, down to the entries of a mapping (a year map, additionality,
    readiness, tariffs); lists are compared whole."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[FieldChange] = []
        for k in sorted(set(a) | set(b), key=str):
            va, vb = a.get(k, _ABSENT), b.get(k, _ABSENT)
            if va is _ABSENT and vb is None or vb is _ABSENT and va is None:
                continue   # absent and null both mean "the default"
            if not _same(va, vb):
                out += _leaf_changes(project, f"{name}.{k}", None if va is _ABSENT else va,
                                     None if vb is _ABSENT else vb)
        return out
    return [FieldChange(project, name, a, b)]


def _same(a: Any, b: Any) -> bool:
    """Equal as inputs: numbers by value (1 == 1.0), absent as null."""
    a = None if a is _ABSENT else a
    b = None if b is _ABSENT else b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(_same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    same: bool = a == b   # two JSON values: == gives a bool
    return same


def _changed_fields(a: dict[str, Any], b: dict[str, Any], order: tuple[str, ...], skip: tuple[str, ...] = ()
                    ) -> list[str]:
    keys = {k for k in set(a) | set(b) if k not in skip}
    return [k for k in _ordered(keys, order) if not _same(a.get(k), b.get(k))]


def _by_key(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {project_key(p.get("id")): p for p in doc.get("projects", []) if isinstance(p, dict)}


# ---------------------------------------------------------------------------
# Appraising
# ---------------------------------------------------------------------------

def _appraise(doc: dict[str, Any], pack: AssumptionPack, options: dict[str, Any], file: str | None) -> PortfolioResults:
    return appraise_portfolio(parse_portfolio(doc, pack, file=file), pack, **options)


def _total_npsv(results: PortfolioResults) -> float:
    return float(results.totals()["npsv_gbp"])


def _measure(results: PortfolioResults, key: str, i: int | None) -> float | None:
    if i is None:
        totals = results.totals()
        v = totals[key] if key in totals else float(results.metrics[key].sum())
    else:
        v = results.metrics[key][i]
        v = v.item() if hasattr(v, "item") else v
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)


# ---------------------------------------------------------------------------
# The diff
# ---------------------------------------------------------------------------

def diff_portfolios(a: Portfolio | dict[str, Any], b: Portfolio | dict[str, Any], pack: AssumptionPack, *,
                    carbon_series: str | None = None, discount_schedule: str | None = None,
                    names: tuple[str, str] = ("A", "B")) -> PortfolioDiff:
    """Compare portfolio ``a`` (before) with ``b`` (after) under ``pack``.

    Parameters
    ----------
    a, b : Portfolio or dict
        FORMAT.md section 1 documents; each must appraise (else InputError,
        naming ``names``).
    carbon_series, discount_schedule : str, optional
        Override both portfolios' own choice, as ``appraisal appraise`` does.

    Returns
    -------
    PortfolioDiff
        Input changes (settings, then projects in order of ID), the measures
        before and after, and the NPSV attribution, whose parts sum to the
        total change (see :data:`ATTRIBUTION_ORDER`).
    """
    da = a.data if isinstance(a, Portfolio) else a
    db = b.data if isinstance(b, Portfolio) else b
    options = {"carbon_series": carbon_series, "discount_schedule": discount_schedule}
    ra = _appraise(da, pack, options, names[0])
    rb = _appraise(db, pack, options, names[1])
    settings = [c for k in _changed_fields(da, db, SETTINGS_ORDER, _NOT_COMPARED)
                for c in _leaf_changes(None, k, da.get(k), db.get(k))]
    projects = _project_diffs(da, db, ra, rb)
    totals = {key: MetricChange(_measure(ra, key, None), _measure(rb, key, None))
              for key, *_ in DIFF_METRICS}
    steps = _attribute(da, db, pack, options, _total_npsv(ra), _total_npsv(rb))
    return PortfolioDiff(tuple(settings), tuple(projects), totals, tuple(steps),
                         pack_id=pack.id, pack_vintage=pack.vintage)


def _project_diffs(da: dict[str, Any], db: dict[str, Any], ra: PortfolioResults, rb: PortfolioResults
                   ) -> list[ProjectDiff]:
    pa, pb = _by_key(da), _by_key(db)
    row_a = {project_key(pid): i for i, pid in enumerate(ra.ids)}
    row_b = {project_key(pid): i for i, pid in enumerate(rb.ids)}
    out = []
    for key in sorted(set(pa) | set(pb)):
        before, after = pa.get(key), pb.get(key)
        pid = str((after or before or {}).get("id", key))
        fields: list[FieldChange]
        if before is None:
            status, fields = "added", []
        elif after is None:
            status, fields = "removed", []
        else:
            fields = [c for k in _changed_fields(before, after, PROJECT_ORDER)
                      for c in _leaf_changes(pid, k, before.get(k), after.get(k))]
            status = "changed" if fields else "unchanged"
        metrics = {}
        for m, *_ in DIFF_METRICS:
            va = _measure(ra, m, row_a[key]) if key in row_a else None
            vb = _measure(rb, m, row_b[key]) if key in row_b else None
            if before is None:
                va = 0.0 if m != "bcr" else None
            if after is None:
                vb = 0.0 if m != "bcr" else None
            metrics[m] = MetricChange(va, vb)
        out.append(ProjectDiff(pid, status, tuple(fields), metrics))
    return out


_Step = tuple[str | None, tuple[str, ...], str, Callable[[dict[str, Any]], None]]


def _steps(da: dict[str, Any], db: dict[str, Any]) -> list[_Step]:
    """The changes from A to B, one input at a time, in ATTRIBUTION_ORDER."""
    out: list[_Step] = []
    for k in _changed_fields(da, db, SETTINGS_ORDER, _NOT_COMPARED):
        out.append((None, (k,), "setting", _setter(k, db)))
    pa, pb = _by_key(da), _by_key(db)
    for key in sorted(set(pa) | set(pb)):
        before, after = pa.get(key), pb.get(key)
        pid = str((after or before or {}).get("id", key))
        if after is None:
            out.append((pid, (), "removed", _remover(key)))
        elif before is None:
            out.append((pid, (), "added", _adder(after)))
        else:
            for k in _changed_fields(before, after, PROJECT_ORDER):
                out.append((pid, (k,), "changed", _project_setter(key, k, after)))
    return out


def _setter(k: str, src: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def apply(state: dict[str, Any]) -> None:
        if k in src:
            state[k] = copy.deepcopy(src[k])
        else:
            state.pop(k, None)
    return apply


def _remover(key: str) -> Callable[[dict[str, Any]], None]:
    def apply(state: dict[str, Any]) -> None:
        state["projects"] = [p for p in state.get("projects", [])
                             if not (isinstance(p, dict) and project_key(p.get("id")) == key)]
    return apply


def _adder(project: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def apply(state: dict[str, Any]) -> None:
        state.setdefault("projects", []).append(copy.deepcopy(project))
    return apply


def _project_setter(key: str, k: str, src: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def apply(state: dict[str, Any]) -> None:
        for p in state.get("projects", []):
            if isinstance(p, dict) and project_key(p.get("id")) == key:
                _setter(k, src)(p)
    return apply


def _attribute(da: dict[str, Any], db: dict[str, Any], pack: AssumptionPack, options: dict[str, Any], npsv_a: float,
               npsv_b: float) -> list[AttributionStep]:
    """Apply the steps in turn; each part is NPSV(after) - NPSV(before). A state that does
    not appraise is joined to the next step; the last state is B itself."""
    steps = _steps(da, db)
    state = copy.deepcopy(da)
    out: list[AttributionStep] = []
    previous = npsv_a
    pending: list[_Step] = []
    for n, step in enumerate(steps):
        step[3](state)
        pending.append(step)
        last = n == len(steps) - 1
        if last:
            npsv = npsv_b          # the state is B (up to the order of projects and keys)
        else:
            try:
                npsv = _total_npsv(_appraise(state, pack, options, None))
            except InputError:
                continue           # join this step to the next
        out.append(_joined(pending, previous, npsv))
        previous, pending = npsv, []
    return out


def _joined(pending: list[_Step], before: float, after: float) -> AttributionStep:
    projects = {p for p, *_ in pending}
    fields = tuple(f if p is None or len(projects) == 1 else f"{p}.{f}"
                   for p, fs, _, _ in pending for f in (fs or ("(whole project)",)))
    what = pending[0][2] if len(pending) == 1 else "changed"
    project = pending[0][0] if len(projects) == 1 else None
    if len(pending) == 1 and what in ("added", "removed"):
        fields = ()
    return AttributionStep(project, fields, what, before, after)


__all__ = ["ATTRIBUTION_ORDER", "AttributionStep", "DIFF_METRICS", "FieldChange", "MetricChange",
           "PortfolioDiff", "ProjectDiff", "diff_portfolios", "project_key"]
