"""Appraising again only the projects that changed, for an application that edits a
portfolio one field at a time.

A project's figures depend on its own inputs and on the portfolio's options, never on
the other projects, nor on the calendar-year axis the appraisal shares between them
(a project's flows are zero outside its own horizon). So after an edit the portfolio's
results are the previous results with the edited projects' figures replaced, and the
totals and the gap, which are sums over the projects' figures made when read, follow.
The year-by-year series, large for a large portfolio, are made for one project when
first asked for.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .appraise import appraise_portfolio
from .discounting import discount_factors
from .pack import AssumptionPack
from .portfolio import PortfolioInputs
from .results import PortfolioResults

# what makes two appraisals comparable: the same options and the same pack
OPTION_FIELDS = ("appraisal_year", "price_base_year", "carbon_series", "discount_schedule",
                 "financial_discount_rate", "energy_series", "vfm_basis", "financial_ob_share",
                 "financial_basis", "pack_id", "pack_vintage", "name")


@dataclass
class SeriesOnDemand(PortfolioResults):
    """Results whose year-by-year series are made one project at a time, when asked for.

    :meth:`project_series` appraises project ``i`` alone with its series kept and
    places them on :attr:`years`, which grows to cover every series handed out so
    far (it starts at the appraisal year). Read ``years`` after ``project_series``.
    """

    inputs: PortfolioInputs | None = None
    pack: AssumptionPack | None = None
    # project index -> (its own years, its series on them)
    own_series: dict[int, tuple[np.ndarray, dict[str, np.ndarray]]] = field(default_factory=dict)

    @classmethod
    def of(cls, results: PortfolioResults, inputs: PortfolioInputs,
           pack: AssumptionPack) -> "SeriesOnDemand":
        values = {f.name: getattr(results, f.name) for f in dataclasses.fields(PortfolioResults)}
        values.update(years=np.array([results.appraisal_year]), series=[])
        return cls(**values, inputs=inputs, pack=pack)

    def project_series(self, i: int) -> dict[str, np.ndarray]:
        """Year-by-year arrays of project ``i`` on :attr:`years` (zero outside its horizon)."""
        if self.inputs is None or self.pack is None:
            raise ValueError("no inputs to make the series from")
        if i not in self.own_series:
            one = dataclasses.replace(self.inputs, projects=(self.inputs.projects[i],))
            r = appraise_portfolio(one, self.pack, keep_series=True)
            assert r.years is not None   # keep_series=True keeps the years
            self.own_series[i] = (r.years, r.project_series(0))
        years, arrays = self.own_series[i]
        assert self.years is not None and years is not None
        first, last = min(int(self.years[0]), int(years[0])), max(int(self.years[-1]), int(years[-1]))
        if first != self.years[0] or last != self.years[-1]:
            self.years = np.arange(first, last + 1)
        lo = int(years[0]) - first
        out = {}
        for key, v in arrays.items():
            if key == "discount_factor":     # of the year, not a flow of the project
                out[key] = self._discount_factors()
                continue
            padded = np.zeros(self.years.size, dtype=v.dtype)
            padded[lo:lo + v.size] = v
            out[key] = padded
        return out

    def _discount_factors(self) -> np.ndarray:
        """The main schedule's factors on :attr:`years` (0 before the appraisal year), as
        :func:`appraise_portfolio` makes them."""
        assert self.years is not None and self.pack is not None
        t = self.years - self.appraisal_year
        post = t >= 0
        df = np.zeros(self.years.size)
        if post.any():
            schedule = self.pack.discount_schedules[self.discount_schedule]
            df[post] = discount_factors(schedule, int(t[-1]))[t[post]]
        return df


def appraise_with_series_on_demand(inputs: PortfolioInputs, pack: AssumptionPack) -> SeriesOnDemand:
    """:func:`appraise_portfolio` of every project, with series made when asked for."""
    return SeriesOnDemand.of(appraise_portfolio(inputs, pack), inputs, pack)


def reappraise(previous: PortfolioResults, inputs: PortfolioInputs, changed: Sequence[int],
               pack: AssumptionPack) -> PortfolioResults:
    """The results of ``inputs``, appraising only the projects at ``changed``.

    Parameters
    ----------
    previous : PortfolioResults
        Results of a portfolio with the same options, pack and number of projects, in
        which only the projects at ``changed`` may differ from ``inputs``.
    inputs : PortfolioInputs
    changed : sequence of int
        Indices into ``inputs.projects``.

    Returns
    -------
    PortfolioResults
        A new object (``previous`` is left as it was, for whoever still reads it), of
        the class of ``previous``; equal to ``appraise_portfolio(inputs, pack)`` up to the
        order of floating-point sums.
    """
    changed = sorted(set(changed))
    if len(inputs.projects) != len(previous.ids):
        raise ValueError(f"{len(inputs.projects)} projects, the previous results have "
                         f"{len(previous.ids)}")
    fresh = appraise_portfolio(
        dataclasses.replace(inputs, projects=tuple(inputs.projects[i] for i in changed)), pack)
    differ = [k for k in OPTION_FIELDS if getattr(fresh, k) != getattr(previous, k)]
    if differ:
        raise ValueError(f"the previous results were made with other options ({', '.join(differ)})")
    return splice(previous, fresh, changed, inputs)


def splice(previous: PortfolioResults, fresh: PortfolioResults, rows: Sequence[int],
           inputs: PortfolioInputs | None = None) -> PortfolioResults:
    """``previous`` with the projects at ``rows`` replaced by those of ``fresh``, in order."""
    out = copy.copy(previous)
    index = np.asarray(rows, dtype=int)
    out.metrics = {k: v.copy() for k, v in previous.metrics.items()}
    out.flags = {k: v.copy() for k, v in previous.flags.items()}
    for k in out.metrics:
        out.metrics[k][index] = fresh.metrics[k]
    for k in out.flags:
        out.flags[k][index] = fresh.flags[k]
    for name in ("ids", "names", "categories", "areas"):
        values = list(getattr(previous, name))
        for j, i in enumerate(rows):
            values[i] = getattr(fresh, name)[j]
        setattr(out, name, values)
    replaced = set(rows)
    out.notes = {i: n for i, n in previous.notes.items() if i not in replaced}
    out.notes.update({rows[j]: n for j, n in fresh.notes.items()})
    if previous._warnings is not None:        # else worded for all when first read
        warnings = list(previous._warnings)
        for j, i in enumerate(rows):
            warnings[i] = fresh.warnings[j]
        out._warnings = warnings
    if isinstance(out, SeriesOnDemand):
        out.inputs = inputs if inputs is not None else out.inputs
        out.own_series = {i: s for i, s in previous.own_series.items()  # type: ignore[attr-defined]
                          if i not in replaced}
    elif previous.series:
        out.years, out.series = None, []      # kept series would be stale: none, as asked
    return out
