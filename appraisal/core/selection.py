"""Choosing a pipeline within a public budget: the exact best set of projects
by mixed-integer programming, set beside the greedy choice by BCR.

:func:`select_projects` picks the set of appraised projects that maximises one
objective (NPSV, carbon saved, net additional jobs or the contribution to the
investment gap) within a public budget and a few constraints;
:func:`budget_curve` traces that optimum from a budget of nothing to one that
funds everything, with what each further GBP 1m buys.
"""
from __future__ import annotations

import contextlib
import math
import operator
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .errors import InputError, Problem
from .finite import finite_output
from .results import PortfolioResults

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd   # imported where used: the core loads without it

# objective name -> (metric of PortfolioResults, what it is, unit)
OBJECTIVES: dict[str, tuple[str, str, str]] = {
    "npsv": ("npsv_gbp", "NPSV", "GBP"),
    "carbon": ("carbon_saved_tco2e", "carbon saved", "tCO2e"),
    "jobs": ("net_additional_jobs_fte", "net additional jobs", "FTE"),
    "gap": ("gap_contribution_gbp", "contribution to the investment gap", "GBP"),
}
DEFAULT_STEPS = 50
# A budget curve takes at most this many steps: each is one exact solve (up to the
# time limit), and a board reads a curve of a few dozen points; 1,000 solves of a
# 500-project pipeline already take minutes (benchmarks/bench_select.py).
MAX_STEPS = 1_000
DEFAULT_TIME_LIMIT_S = 60.0
# A chosen set may cost at most half a penny more than the budget, so that a
# set that fits to the penny is not lost to the rounding of rebased costs.
# HiGHS accepts a constraint as met within a relative tolerance of about 1e-7
# (GBP 2 on GBP 20m): a set over by more than this slack is refused, and the
# solve repeated with the budget tightened by the excess, up to _RESOLVES times.
BUDGET_SLACK_GBP = 0.005
_RESOLVES = 3
# The solver stops when its set is proved within this fraction of the optimum
# (GBP 50 on GBP 50m). Proving the last penny costs far more: choosing 50m
# of gap contribution from 500 generated projects, where contribution equals
# cost and the choice is a subset sum, took 5 to 7 s with a gap of 1e-7 or
# zero against 0.4 to 1 s with 1e-6 (benchmarks/bench_select.py).
MIP_REL_GAP = 1e-6
_SOLVER_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "error"}


@dataclass(frozen=True)
class Constraints:
    """What a chosen set must respect besides the budget (all optional)."""

    min_readiness: float | None = None
    shovel_ready_only: bool = False
    category_min: dict[str, int] = field(default_factory=dict)
    category_max: dict[str, int] = field(default_factory=dict)
    sector_min: dict[str, int] = field(default_factory=dict)
    sector_max: dict[str, int] = field(default_factory=dict)
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()

    def describe(self) -> str:
        """The constraints in words, for a board ("none" when there are none)."""
        said = []
        if self.shovel_ready_only:
            said.append("shovel-ready projects only")
        if self.min_readiness is not None:
            said.append(f"readiness score at least {self.min_readiness:g}")
        for kind, lo, hi in (("category ", self.category_min, self.category_max),
                             ("gap sector ", self.sector_min, self.sector_max)):
            said += [f"at least {n} of {kind}{k}" for k, n in lo.items()]
            said += [f"at most {n} of {kind}{k}" for k, n in hi.items()]
        if self.must_include:
            said.append("must include " + ", ".join(self.must_include))
        if self.must_exclude:
            said.append("must exclude " + ", ".join(self.must_exclude))
        return "; ".join(said) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {"min_readiness": self.min_readiness, "shovel_ready_only": self.shovel_ready_only,
                "category_min": dict(self.category_min), "category_max": dict(self.category_max),
                "sector_min": dict(self.sector_min), "sector_max": dict(self.sector_max),
                "must_include": list(self.must_include), "must_exclude": list(self.must_exclude)}


@dataclass(frozen=True)
class Selection:
    """The best set of projects within a budget, and the greedy choice by BCR.

    ``objective_value`` and the greedy figures are in the objective's unit
    (``objective_unit``). When ``feasible`` is False no set meets the
    constraints within the budget: ``selected`` is empty, the figures are
    None and ``message`` says why.
    """

    budget_gbp: float
    objective: str
    objective_unit: str
    selected: tuple[str, ...]
    objective_value: float | None
    public_cost_gbp: float | None
    greedy_selected: tuple[str, ...]
    greedy_objective_value: float | None
    greedy_public_cost_gbp: float | None
    greedy_meets_constraints: bool | None
    difference: float | None      # objective_value - greedy_objective_value
    feasible: bool
    status: str                   # optimal, time_limit, infeasible, error
    message: str | None
    constraints: Constraints
    assumptions: dict[str, str]
    greedy_ranked_by: str = "bcr"  # the BCR the greedy choice ranks by (see ranking_bcr)

    def to_dict(self) -> dict[str, Any]:
        """The ``selection`` object of ``appraisal select --format json``."""
        return {"budget_gbp": self.budget_gbp, "objective": self.objective,
                "objective_measure": OBJECTIVES[self.objective][0],
                "objective_unit": self.objective_unit,
                "selected": list(self.selected), "objective_value": self.objective_value,
                "public_cost_gbp": self.public_cost_gbp,
                "greedy_selected": list(self.greedy_selected),
                "greedy_objective_value": self.greedy_objective_value,
                "greedy_public_cost_gbp": self.greedy_public_cost_gbp,
                "greedy_meets_constraints": self.greedy_meets_constraints,
                "greedy_ranked_by": self.greedy_ranked_by,
                "difference": self.difference, "feasible": self.feasible, "status": self.status,
                "message": self.message, "constraints": self.constraints.to_dict(),
                "assumptions": dict(self.assumptions)}

    def to_frame(self) -> pd.DataFrame:
        """The projects either choice funds, one row each (ID as index): whether the
        best choice (``selected``) and the greedy one (``greedy_selected``) fund it.

        >>> from appraisal import appraise, example_path
        >>> s = appraise(example_path()).select(20e6)
        >>> f = s.to_frame()
        >>> list(f.columns), int(f["selected"].sum()) == len(s.selected)
        (['selected', 'greedy_selected'], True)
        """
        import pandas as pd
        ids = list(dict.fromkeys((*self.selected, *self.greedy_selected)))
        chosen, greedy = set(self.selected), set(self.greedy_selected)
        frame: pd.DataFrame = pd.DataFrame({"selected": [i in chosen for i in ids],
                             "greedy_selected": [i in greedy for i in ids]},
                            index=pd.Index(ids, name="id", dtype=object))
        return frame


@dataclass(frozen=True)
class CurvePoint:
    """The optimum at one budget, and what the step to the next budget buys."""

    budget_gbp: float
    objective_value: float | None     # None: no set meets the constraints at this budget
    public_cost_gbp: float | None     # what the chosen set actually costs (at most the budget)
    selected: tuple[str, ...]
    marginal_per_gbp_1m: float | None  # (next value - this value) per GBP 1m of the step

    def to_dict(self) -> dict[str, Any]:
        return {"budget_gbp": self.budget_gbp, "objective_value": self.objective_value,
                "public_cost_gbp": self.public_cost_gbp, "selected_count": len(self.selected),
                "selected": list(self.selected), "marginal_per_gbp_1m": self.marginal_per_gbp_1m}


@dataclass(frozen=True)
class BudgetCurve:
    """The optimum objective against the budget, from nothing to everything."""

    objective: str
    objective_unit: str
    points: tuple[CurvePoint, ...]
    status: str                       # optimal, or the worst status met along the curve

    def to_records(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.points]


# ---------------------------------------------------------------------------
# The problem, built once for any number of budgets
# ---------------------------------------------------------------------------

@dataclass
class _Problem:
    ids: list[str]
    value: np.ndarray          # objective per project [unit of the objective]
    cost: np.ndarray           # public cost per project [GBP]
    bcr: np.ndarray            # NaN where undefined
    eligible: np.ndarray       # bool: meets readiness and is not excluded
    forced: np.ndarray         # bool: must be included
    rows: np.ndarray           # (groups, projects) 0/1 membership of each counted group
    row_lo: np.ndarray
    row_hi: np.ndarray
    row_names: list[str]
    objective: str
    constraints: Constraints
    assumptions: dict[str, str]
    ranked_by: str = "bcr"


def _count_map(values: Mapping[str, Any] | None, name: str, known: set[str],
               kind: str) -> tuple[dict[str, int], list[Problem]]:
    out: dict[str, int] = {}
    problems: list[Problem] = []
    for key, n in (values or {}).items():
        if key not in known:
            problems.append(Problem(f"{key!r} is not a {kind} (one of {', '.join(sorted(known))})",
                                    field=name))
            continue
        try:
            if isinstance(n, bool):
                raise TypeError
            count = operator.index(n)
        except TypeError:
            problems.append(Problem(f"the count for {key!r} must be a whole number, not {n!r}",
                                    field=name))
            continue
        if count < 0:
            problems.append(Problem(f"the count for {key!r} must not be negative ({count})",
                                    field=name))
            continue
        out[str(key)] = count
    return out, problems


_Counts = Mapping[str, Any] | None   # a count of projects by category or gap sector, as given


def _build(results: PortfolioResults, objective: str, *, min_readiness: float | None,
           shovel_ready_only: bool, category_min: _Counts, category_max: _Counts,
           sector_min: _Counts, sector_max: _Counts,
           must_include: Iterable[str], must_exclude: Iterable[str]) -> _Problem:
    problems: list[Problem] = []
    if objective not in OBJECTIVES:
        raise InputError([Problem(f"{objective!r} is not an objective (one of "
                                  f"{', '.join(OBJECTIVES)})", field="objective")])
    if min_readiness is not None and not (isinstance(min_readiness, (int, float))
                                          and 0 <= min_readiness <= 100):
        problems.append(Problem(f"the minimum readiness score must be from 0 to 100, not "
                                f"{min_readiness!r}", field="min_readiness"))
    include, exclude = tuple(dict.fromkeys(must_include)), tuple(dict.fromkeys(must_exclude))
    index = {pid: i for i, pid in enumerate(results.ids)}
    for name, ids in (("must_include", include), ("must_exclude", exclude)):
        for pid in ids:
            if pid not in index:
                problems.append(Problem(f"no project {pid!r} in the portfolio", project=pid,
                                        field=name))
    for pid in sorted(set(include) & set(exclude), key=include.index):
        problems.append(Problem("the project is both to be included and to be excluded",
                                project=pid, field="must_include"))
    categories = set(results.gap_sector_of_category) | set(results.categories)
    sectors = set(results.gap_sectors)
    counts = {}
    for name, values, known, kind in (
            ("category_min", category_min, categories, "category"),
            ("category_max", category_max, categories, "category"),
            ("sector_min", sector_min, sectors, "gap sector"),
            ("sector_max", sector_max, sectors, "gap sector")):
        counts[name], found = _count_map(values, name, known, kind)
        problems += found
    for kind in ("category", "sector"):
        lo, hi = counts[f"{kind}_min"], counts[f"{kind}_max"]
        for key in lo.keys() & hi.keys():
            if lo[key] > hi[key]:
                problems.append(Problem(f"the minimum for {key!r} ({lo[key]}) is above its "
                                        f"maximum ({hi[key]})", field=f"{kind}_min"))
    if problems:
        raise InputError(problems)

    m = results.metrics
    n = len(results.ids)
    value = np.nan_to_num(np.asarray(m[OBJECTIVES[objective][0]], float), nan=0.0) if n else np.zeros(0)
    cost = np.nan_to_num(np.asarray(m["public_cost_gbp"], float), nan=0.0) if n else np.zeros(0)
    ranked_by = ranking_bcr(results)
    bcr = np.asarray(m[ranked_by], float) if n else np.zeros(0)
    ready = np.ones(n, bool)
    if min_readiness is not None:
        ready &= np.nan_to_num(m["readiness_score"], nan=-1.0) >= min_readiness
    if shovel_ready_only:
        ready &= np.asarray(m["shovel_ready"]) > 0
    forced = np.zeros(n, bool)
    forced[[index[p] for p in include]] = True
    excluded = np.zeros(n, bool)
    excluded[[index[p] for p in exclude]] = True

    cats = np.array(results.categories, dtype=object)
    sector_of = np.array([results.gap_sector_of_category.get(c) or "" for c in results.categories],
                         dtype=object)
    rows, lo_list, hi_list, names = [], [], [], []
    for kind, labels in (("category", cats), ("sector", sector_of)):  # a few groups
        lo, hi = counts[f"{kind}_min"], counts[f"{kind}_max"]
        for key in sorted(lo.keys() | hi.keys()):
            rows.append(labels == key)
            lo_list.append(lo.get(key, 0))
            hi_list.append(hi.get(key, n))
            names.append(f"{kind} {key}")
    constraints = Constraints(min_readiness=min_readiness, shovel_ready_only=shovel_ready_only,
                              category_min=counts["category_min"],
                              category_max=counts["category_max"],
                              sector_min=counts["sector_min"], sector_max=counts["sector_max"],
                              must_include=include, must_exclude=exclude)
    return _Problem(ids=list(results.ids), value=value, cost=cost, bcr=bcr,
                    eligible=ready & ~excluded, forced=forced,
                    rows=np.array(rows, float).reshape(len(rows), n),
                    row_lo=np.array(lo_list, float), row_hi=np.array(hi_list, float),
                    row_names=names, objective=objective, constraints=constraints,
                    assumptions={"id": results.pack_id, "vintage": results.pack_vintage},
                    ranked_by=ranked_by)


def ranking_bcr(results: PortfolioResults) -> str:
    """The metric the greedy choice ranks by: the BCR that value for money is
    judged on (METHOD.md 3, v2): ``bcr_public``, the funder BCR, when the
    portfolio's ``vfm_basis`` is ``public`` (the default), else ``bcr``."""
    basis = getattr(results, "vfm_basis", "social")
    return "bcr_public" if basis == "public" and "bcr_public" in results.metrics else "bcr"


def _check_budget(budget_gbp: float) -> float:
    try:
        budget = float(budget_gbp)
    except (TypeError, ValueError):
        budget = math.nan
    if not math.isfinite(budget) or budget < 0:
        raise InputError([Problem(f"the budget must be a finite amount of GBP, zero or more, "
                                  f"not {budget_gbp!r}", field="budget_gbp")])
    return budget


# ---------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------

@dataclass
class _Solution:
    chosen: np.ndarray | None   # bool per project; None when there is no solution
    status: str
    gap: float | None           # the solver's relative gap when stopped early


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Keep what the solver's C++ code prints off the process's standard output.

    HiGHS 1.12 (bundled with scipy 1.17) prints a stray debugging line,
    "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();",
    straight to file descriptor 1 whatever its output options say
    (ERGO-Code/HiGHS issue 2783), which would corrupt JSON printed by the
    command line. Where descriptor 1 cannot be redirected (no console), the
    solver runs as it is. The redirection is process-wide for the length of a
    solve (milliseconds to seconds); nothing else here prints meanwhile.
    """
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        yield
        return
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _solve(pb: _Problem, budget: float, time_limit_s: float | None,
           minimise_cost: bool = False) -> _Solution:
    """Solve the 0-1 programme for one budget (or, with ``minimise_cost``, the
    cheapest set meeting the constraints whatever the budget)."""
    n = len(pb.ids)
    lb = pb.forced.astype(float)
    ub = pb.eligible.astype(float)
    if not pb.rows.size and not minimise_cost:
        # with no minimum counts, a project that adds nothing is never worth its cost
        ub[(pb.value <= 0) & ~pb.forced] = 0.0
    if n == 0:
        return _Solution(np.zeros(0, bool), "optimal", None)
    if np.any(lb > ub):   # a forced project that is not eligible
        return _Solution(None, "infeasible", None)
    # Scaled so that the solver's absolute tolerances act on numbers near 1.
    cost_scale = max(budget, float(pb.cost.max(initial=0.0)), 1.0)
    if minimise_cost:
        c = pb.cost / cost_scale
    else:
        value_scale = max(float(np.abs(pb.value).max(initial=0.0)), 1e-300)
        c = -pb.value / value_scale
    rows = [LinearConstraint(pb.rows, pb.row_lo, pb.row_hi)] if pb.rows.size else []
    rhs = budget
    options: dict[str, Any] = {"mip_rel_gap": MIP_REL_GAP}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    for _ in range(_RESOLVES):
        cons = list(rows)
        if not minimise_cost:
            cons.append(LinearConstraint(pb.cost[None, :] / cost_scale, -np.inf, rhs / cost_scale))
        with _native_stdout_silenced():
            res = milp(c, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=cons,
                       options=options)
        status = _SOLVER_STATUS.get(res.status, "error")
        if res.x is None:
            return _Solution(None, status if status != "optimal" else "error", None)
        chosen = np.round(res.x) > 0.5
        over = float(pb.cost[chosen].sum()) - budget
        if minimise_cost or over <= BUDGET_SLACK_GBP:
            gap = getattr(res, "mip_gap", None)
            return _Solution(chosen, status, float(gap) if gap is not None else None)
        rhs -= over + BUDGET_SLACK_GBP   # accepted within the solver's tolerance: tighten
    return _Solution(None, "error", None)


def _drop_idle(pb: _Problem, chosen: np.ndarray) -> np.ndarray:
    """Of equally good sets, prefer the cheaper: leave out chosen projects that add
    nothing to the objective, unless forced or needed for a minimum count."""
    chosen = chosen.copy()
    for i in np.nonzero(chosen & (pb.value <= 0) & ~pb.forced)[0]:   # few, if any
        trial = chosen.copy()
        trial[i] = False
        if not pb.rows.size or np.all(pb.rows @ trial >= pb.row_lo - 0.5):
            chosen = trial
    return chosen


def _greedy(pb: _Problem, budget: float) -> np.ndarray | None:
    """Fund in order of BCR, highest first (none last), each project that still fits."""
    chosen: np.ndarray = pb.forced.copy()
    spent = float(pb.cost[chosen].sum())
    if spent > budget + BUDGET_SLACK_GBP or np.any(pb.forced & ~pb.eligible):
        return None
    candidates = pb.eligible & ~pb.forced & (pb.value > 0)
    key = np.where(np.isnan(pb.bcr), -np.inf, pb.bcr)
    order = np.argsort(-key, kind="stable")
    for i in order[candidates[order]]:   # sequential by nature: each step depends on the last
        if spent + pb.cost[i] <= budget + BUDGET_SLACK_GBP:
            chosen[i] = True
            spent += pb.cost[i]
    return chosen


def _meets_counts(pb: _Problem, chosen: np.ndarray) -> bool:
    if not pb.rows.size:
        return True
    counts = pb.rows @ chosen
    return bool(np.all((counts >= pb.row_lo - 0.5) & (counts <= pb.row_hi + 0.5)))


def _gbp(x: float) -> str:
    return f"£{x:,.0f}"


def _why_infeasible(pb: _Problem, budget: float, time_limit_s: float | None) -> str:
    """The plainest reason we can find that no set meets the constraints."""
    c = pb.constraints
    for i in np.nonzero(pb.forced & ~pb.eligible)[0]:
        reasons = []
        if c.shovel_ready_only:
            reasons.append("it is not shovel-ready")
        if c.min_readiness is not None:
            reasons.append(f"its readiness score is below {c.min_readiness:g}")
        why = " or ".join(reasons) or "it is not eligible"
        return f"{pb.ids[i]} must be included but {why}"
    forced_cost = float(pb.cost[pb.forced].sum())
    if forced_cost > budget + BUDGET_SLACK_GBP:
        return (f"the projects that must be included ({', '.join(np.array(pb.ids)[pb.forced])}) "
                f"cost {_gbp(forced_cost)}, more than the budget of {_gbp(budget)}")
    available = pb.eligible
    for name, row, lo, hi in zip(pb.row_names, pb.rows, pb.row_lo, pb.row_hi):
        member = row > 0
        if np.sum(member & available) < lo:
            return (f"at least {lo:.0f} project(s) of {name} are asked for, but only "
                    f"{int(np.sum(member & available))} are eligible")
        if np.sum(member & pb.forced) > hi:
            return (f"{int(np.sum(member & pb.forced))} projects that must be included are of "
                    f"{name}, more than the maximum of {hi:.0f}")
    cheapest = _solve(pb, budget, time_limit_s, minimise_cost=True)
    if cheapest.chosen is None:
        return "no set of projects meets the minimum and maximum counts together"
    return (f"the cheapest set of projects that meets every constraint costs "
            f"{_gbp(float(pb.cost[cheapest.chosen].sum()))}, more than the budget of "
            f"{_gbp(budget)}")


def _ids(pb: _Problem, chosen: np.ndarray) -> tuple[str, ...]:
    return tuple(np.array(pb.ids, dtype=object)[chosen].tolist()) if len(pb.ids) else ()


@finite_output("selection")
def select_projects(results: PortfolioResults, budget_gbp: float, objective: str = "npsv", *,
                    min_readiness: float | None = None, shovel_ready_only: bool = False,
                    category_min: Mapping[str, int] | None = None,
                    category_max: Mapping[str, int] | None = None,
                    sector_min: Mapping[str, int] | None = None,
                    sector_max: Mapping[str, int] | None = None,
                    must_include: Iterable[str] = (), must_exclude: Iterable[str] = (),
                    time_limit_s: float | None = DEFAULT_TIME_LIMIT_S) -> Selection:
    # long: 80 of its lines are the numpydoc docstring; the code is 6 lines (_build, _select)
    """The set of projects that maximises an objective within a public budget.

    Parameters
    ----------
    results : PortfolioResults
        An appraised portfolio (:func:`appraise_portfolio`).
    budget_gbp : float [GBP, real, price base]
        Public money available: the chosen projects' public cost (METHOD.md 5)
        adds up to at most this.
    objective : {"npsv", "carbon", "jobs", "gap"}
        What to maximise: the sum over chosen projects of NPSV [GBP], carbon
        saved [tCO2e], net additional jobs [FTE] or the contribution to the
        investment gap [GBP] (METHOD.md 3, 5, 6).
    min_readiness : float, optional
        Only projects whose readiness score (0 to 100, METHOD.md 7) is at
        least this.
    shovel_ready_only : bool
        Only shovel-ready projects.
    category_min, category_max : dict of str to int, optional
        At least / at most this many chosen projects of each named category.
    sector_min, sector_max : dict of str to int, optional
        The same per gap sector of the pack (METHOD.md 6).
    must_include, must_exclude : iterable of str
        Project ids that must be chosen, or must not be.
    time_limit_s : float, optional [s]
        Stop the solver after this long and report the best set found
        (``status`` "time_limit"); None for no limit.

    Returns
    -------
    Selection
        The exact choice, the greedy choice by BCR, the difference between
        their objective values, the solver status, and a message when no set
        meets the constraints (``feasible`` False).

    Raises
    ------
    InputError
        Unknown objective, project id, category or gap sector; a negative
        budget or count; a project both included and excluded; a minimum
        count above its maximum.

    Notes
    -----
    The choice is the 0-1 knapsack problem with side constraints, solved
    exactly by branch and bound (HiGHS, through :func:`scipy.optimize.milp`).
    With ``x_i`` in {0, 1} for project ``i``, value ``v_i`` of the objective
    and public cost ``c_i``, it maximises ``sum v_i x_i`` subject to
    ``sum c_i x_i <= budget``, ``L_g <= sum_{i in g} x_i <= U_g`` for each
    category or sector ``g`` with a count, ``x_i = 1`` for projects that
    must be included and ``x_i = 0`` for excluded or ineligible ones (below
    the readiness score, or not shovel-ready when that is asked). A project
    with a negative or zero value is chosen only when forced or needed for a
    minimum count; of equally good sets the one without such projects is
    reported. The solver stops when its set is proved within one part in a
    million of the optimum (``MIP_REL_GAP``; GBP 50 on GBP 50m), and the
    greedy set is reported instead when it is feasible and better, so the
    exact choice is never worse than a greedy one that meets every
    constraint.

    The greedy choice funds projects in order of BCR (the funder BCR when
    the portfolio judges value for money on it, ``vfm_basis`` public, as a
    fund ranks bids; else the social BCR), highest first and
    those with no BCR last, taking each eligible project with a positive
    value that still fits in what is left of the budget, after the projects
    that must be included. It honours eligibility and must-include and
    must-exclude, but not the minimum and maximum counts
    (``greedy_meets_constraints`` says whether it happens to meet them), so
    with counts it may even score above the exact choice. Ranking by a ratio
    is optimal only when projects can be funded in part: with whole projects
    a high-BCR project can leave money unspent that two others would have
    used better.

    References
    ----------
    scipy.optimize.milp; Q. Huangfu and J. A. J. Hall, "Parallelizing the
    dual revised simplex method", Mathematical Programming Computation 10
    (2018) (HiGHS); S. Martello and P. Toth, Knapsack Problems (Wiley, 1990),
    chapter 2.
    """
    budget = _check_budget(budget_gbp)
    pb = _build(results, objective, min_readiness=min_readiness,
                shovel_ready_only=shovel_ready_only, category_min=category_min,
                category_max=category_max, sector_min=sector_min, sector_max=sector_max,
                must_include=must_include, must_exclude=must_exclude)
    return _select(pb, budget, time_limit_s)


def _select(pb: _Problem, budget: float, time_limit_s: float | None) -> Selection:
    unit = OBJECTIVES[pb.objective][2]
    sol = _solve(pb, budget, time_limit_s)
    if sol.chosen is None:
        if sol.status == "infeasible":
            message: str | None = _why_infeasible(pb, budget, time_limit_s)
        elif sol.status == "time_limit":
            message = f"the solver found no set within its time limit of {time_limit_s:g} s"
        else:
            message = "the solver failed; no set was chosen"
        return Selection(budget_gbp=budget, objective=pb.objective, objective_unit=unit,
                         selected=(), objective_value=None, public_cost_gbp=None,
                         greedy_selected=(), greedy_objective_value=None,
                         greedy_public_cost_gbp=None, greedy_meets_constraints=None,
                         difference=None, feasible=False, status=sol.status, message=message,
                         constraints=pb.constraints, assumptions=pb.assumptions,
                         greedy_ranked_by=pb.ranked_by)
    chosen = _drop_idle(pb, sol.chosen)
    value = float(pb.value[chosen].sum())
    greedy = _greedy(pb, budget)
    if (greedy is not None and _meets_counts(pb, greedy)
            and float(pb.value[greedy].sum()) > value):
        # the greedy set is feasible too, and the solver stopped within its
        # gap below it: never report an "optimum" worse than a set in hand
        chosen, value = greedy, float(pb.value[greedy].sum())
    message = None
    if sol.status == "time_limit":
        gap = (f", within {sol.gap:.2%} of the optimum"
               if sol.gap is not None and math.isfinite(sol.gap) else "")
        message = (f"the solver stopped at its time limit of {time_limit_s:g} s: the set is the "
                   f"best found{gap}")
    g_value = float(pb.value[greedy].sum()) if greedy is not None else None
    return Selection(
        budget_gbp=budget, objective=pb.objective, objective_unit=unit,
        selected=_ids(pb, chosen), objective_value=value + 0.0,
        public_cost_gbp=float(pb.cost[chosen].sum()) + 0.0,
        greedy_selected=_ids(pb, greedy) if greedy is not None else (),
        greedy_objective_value=None if g_value is None else g_value + 0.0,
        greedy_public_cost_gbp=None if greedy is None else float(pb.cost[greedy].sum()) + 0.0,
        greedy_meets_constraints=None if greedy is None else _meets_counts(pb, greedy),
        difference=None if g_value is None else value - g_value + 0.0,
        feasible=True, status=sol.status, message=message, constraints=pb.constraints,
        assumptions=pb.assumptions, greedy_ranked_by=pb.ranked_by)


def budget_step(total_gbp: float, steps: int = DEFAULT_STEPS) -> float:
    """A round step [GBP] (1, 2, 2.5 or 5 times a power of ten) that covers
    ``total_gbp`` in at most ``steps`` steps: GBP 1m for a GBP 40m pipeline."""
    if total_gbp <= 0:
        return 0.0
    raw = total_gbp / steps
    power = 10.0 ** math.floor(math.log10(raw))
    return next(k * power for k in (1.0, 2.0, 2.5, 5.0, 10.0) if k * power >= raw * (1 - 1e-12))


@finite_output("budget curve")
def budget_curve(results: PortfolioResults, objective: str = "npsv", steps: int = DEFAULT_STEPS,
                 *, budgets: Iterable[float] | None = None,
                 time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
                 **constraints: Any) -> BudgetCurve:
    """The optimum objective against the budget, and what the next GBP 1m buys.

    Parameters
    ----------
    results : PortfolioResults
    objective : {"npsv", "carbon", "jobs", "gap"}
    steps : int
        1 to :data:`MAX_STEPS`. At most this many steps from a budget of zero to the public cost of
        every project that could be chosen (the total), each a round amount
        (:func:`budget_step`); the total is the last budget.
    budgets : iterable of float, optional [GBP]
        Budgets to use instead.
    time_limit_s : float, optional [s]
        Per budget, as in :func:`select_projects`.
    **constraints
        The keyword constraints of :func:`select_projects`.

    Returns
    -------
    BudgetCurve
        One point per distinct budget, in increasing order: the optimum, the
        public cost of the set that reaches it (at most the budget) and the
        set itself, and ``marginal_per_gbp_1m``, the rise in the optimum from
        this budget to the next, per GBP 1m (None at the last point, or where
        either budget admits no set).

    Notes
    -----
    The optimum is a step function of the budget: it rises only where the
    budget reaches the cost of some better set, so the rise per GBP 1m is an
    average over each step of the curve, not a derivative. With a step of
    GBP 1m it is exactly what the next GBP 1m buys. The optimum never falls
    as the budget rises (a set that fits a budget fits every larger one), up
    to the solver's gap (``MIP_REL_GAP``).
    """
    pb = _build(results, objective, **_constraint_kwargs(constraints))
    if budgets is None:
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise InputError([Problem(f"steps must be a whole number from 1 to {MAX_STEPS:,}, "
                                      f"not {steps!r}", field="steps")])
        total = float(pb.cost[pb.eligible].sum())
        step = budget_step(total, steps)
        grid = np.arange(0, steps + 1) * step if step else np.zeros(1)
        grid = np.unique(np.append(grid[grid < total], total))
    else:
        grid = np.unique([_check_budget(b) for b in budgets])
    selections = [_select(pb, float(b), time_limit_s) for b in grid]   # one solve each: few
    worst = next((s.status for s in selections if s.status not in ("optimal", "infeasible")),
                 "optimal")
    points = []
    for k, sel in enumerate(selections):
        marginal = None
        if k + 1 < len(selections):
            v, v_next = sel.objective_value, selections[k + 1].objective_value
            if v is not None and v_next is not None:
                marginal = (v_next - v) / (grid[k + 1] - grid[k]) * 1e6 + 0.0
        points.append(CurvePoint(budget_gbp=float(grid[k]), objective_value=sel.objective_value,
                                 public_cost_gbp=sel.public_cost_gbp, selected=sel.selected,
                                 marginal_per_gbp_1m=marginal))
    return BudgetCurve(objective=pb.objective, objective_unit=OBJECTIVES[pb.objective][2],
                       points=tuple(points), status=worst)


_CONSTRAINT_NAMES = ("min_readiness", "shovel_ready_only", "category_min", "category_max",
                     "sector_min", "sector_max", "must_include", "must_exclude")


def _constraint_kwargs(given: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(_CONSTRAINT_NAMES))
    if unknown:
        raise TypeError(f"unknown constraint(s): {', '.join(unknown)}")
    defaults: dict[str, Any] = {"min_readiness": None, "shovel_ready_only": False,
                                "category_min": None, "category_max": None, "sector_min": None,
                                "sector_max": None, "must_include": (), "must_exclude": ()}
    return {**defaults, **given}
