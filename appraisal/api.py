"""The analyst's API: appraise from a notebook and read the results as pandas tables.

>>> import appraisal
>>> a = appraisal.appraise(appraisal.example_path())
>>> frame = a.to_frame()          # one row per project, the JSON's keys as columns
>>> frame.index.name, "npsv_gbp" in frame.columns
('id', True)

The command line and the application read the same files and give the same
figures; this module only adds tables on top (pandas is imported here and in
the tables' ``to_frame`` methods, never by the core). ``docs/api.md`` walks
through it.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core import (
    AssumptionPack,
    Portfolio,
    PortfolioInputs,
    PortfolioResults,
    appraise_portfolio,
    parse_portfolio,
)
from .core import load_pack as _load_pack

if TYPE_CHECKING:
    import pandas as pd

    from .core.montecarlo import SimulationSummary
    from .core.selection import Selection
    from .core.sensitivity import Tornado


class UnknownColumnsWarning(UserWarning):
    """A table given to :func:`portfolio_from_frame` has columns that are not read."""


def example_path() -> Path:
    """The bundled example portfolio (West Midlands, illustrative).

    >>> example_path().name
    'west-midlands-pipeline.json'
    """
    from .resources import example_portfolio
    return Path(example_portfolio())


def _pack(pack: AssumptionPack | str | Path | None) -> AssumptionPack:
    if isinstance(pack, AssumptionPack):
        return pack
    from .resources import default_pack_dir
    return _load_pack(pack if pack is not None else default_pack_dir())


def _inputs(source: Any, pack: AssumptionPack) -> tuple[PortfolioInputs, str | None]:
    """Parsed inputs from a path, a :class:`Portfolio`, a JSON-shaped dict or inputs."""
    if isinstance(source, PortfolioInputs):
        return source, None
    if isinstance(source, (str, Path)):
        from .io.portfolio_file import load_portfolio
        doc = load_portfolio(source)
        return parse_portfolio(doc.data, pack, file=str(source)), str(source)
    if isinstance(source, Portfolio):
        return parse_portfolio(source.data, pack), None
    if isinstance(source, dict):
        return parse_portfolio(source, pack), None
    raise TypeError("appraise() takes a portfolio file's path, a Portfolio, a portfolio "
                    f"dict or PortfolioInputs, not {type(source).__name__}")


@dataclass(frozen=True)
class Appraisal:
    """An appraised portfolio: the results, with the inputs and the pack they came from.

    ``results`` is the core's :class:`~appraisal.core.PortfolioResults`; the
    methods here give it as tables and run the analyses of uncertainty and
    choice on the same inputs.
    """

    results: PortfolioResults
    inputs: PortfolioInputs
    pack: AssumptionPack
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return list(self.results.ids)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``appraisal appraise --format json`` (FORMAT.md 3).

        >>> sorted(appraise(example_path()).to_dict())
        ['portfolio', 'projects']
        """
        return self.results.to_dict()

    def portfolio(self) -> dict[str, Any]:
        """The portfolio's totals and provenance (the JSON's ``portfolio`` object).

        >>> a = appraise(example_path())
        >>> p = a.portfolio()
        >>> p["project_count"] == len(a.ids), p["assumptions"]["id"] == a.pack.id
        (True, True)
        """
        return self.results.portfolio_record()

    def to_frame(self) -> pd.DataFrame:
        """One row per project, the JSON result's keys as columns, the project ID as index.

        >>> a = appraise(example_path())
        >>> f = a.to_frame()
        >>> f.shape[0] == len(a.ids), list(f.columns[:3])
        (True, ['name', 'category', 'area'])
        """
        import pandas as pd
        records = self.results.project_records()
        columns = list(records[0]) if records else ["id"]
        return pd.DataFrame.from_records(records, columns=columns).set_index("id")

    def series_frame(self, project_id: str) -> pd.DataFrame:
        """A project's year-by-year figures: one row per calendar year (GBP at the
        price base year; ``discount_factor`` the factor applied to that year).

        >>> a = appraise(example_path())
        >>> s = a.series_frame("HP-001")
        >>> s.index.name, int(s.index[0]) == a.results.appraisal_year
        ('year', True)
        >>> bool(abs(s["discounted_benefits"].sum() - s["discounted_costs"].sum()
        ...          - a.to_frame().loc["HP-001", "npsv_gbp"]) < 1.0)
        True
        """
        import pandas as pd
        if project_id not in self.results.ids:
            raise KeyError(f"no project {project_id!r} in the portfolio")
        results = self.results
        if results.years is None:     # appraised without the series: appraise this project again
            one = dataclasses.replace(self.inputs, projects=tuple(
                p for p in self.inputs.projects if p.id == project_id))
            results = appraise_portfolio(one, self.pack, keep_series=True, **self.options)
        series = results.project_series(results.ids.index(project_id))
        years: Any = results.years if results.years is not None else []
        return pd.DataFrame(dict(series), index=pd.Index(years, name="year"))

    def sensitivity(self) -> Tornado:
        """Tornado ranges, switching values and scenarios (:func:`appraisal.core.sensitivity`).

        >>> t = appraise(example_path()).sensitivity()
        >>> t.to_frame().index[0] in [d.driver for d in t.drivers]
        True
        """
        from .core.sensitivity import sensitivity
        return sensitivity(self.inputs, self.pack, results=self.results)

    def simulate(self, draws: int = 10_000, seed: int = 1, **kwargs: Any) -> SimulationSummary:
        """The Monte Carlo simulation (:func:`appraisal.core.simulate`), with the
        portfolio's series and schedule.

        >>> mc = appraise(example_path()).simulate(draws=300, seed=2)
        >>> bool(mc.to_frame().loc["PORTFOLIO", "npsv_central_gbp"] == mc.portfolio.npsv_central_gbp)
        True
        """
        from .core.montecarlo import simulate
        return simulate(self.inputs, self.pack, draws=draws, seed=seed,
                        carbon_series=self.results.carbon_series,
                        discount_schedule=self.results.discount_schedule,
                        energy_series=self.results.energy_series, **kwargs)

    def select(self, budget_gbp: float, objective: str = "npsv", **constraints: Any) -> Selection:
        """The best set of projects within a public budget (:func:`appraisal.core.select_projects`).

        >>> s = appraise(example_path()).select(20e6)
        >>> s.feasible, s.public_cost_gbp <= 20e6 + 0.01
        (True, True)
        """
        from .core.selection import select_projects
        return select_projects(self.results, budget_gbp, objective, **constraints)


def appraise(path_or_portfolio: Any, pack: AssumptionPack | str | Path | None = None,
             **options: Any) -> Appraisal:
    """Appraise a portfolio: a file's path, a :class:`~appraisal.core.Portfolio`, a dict
    in the file's format, or parsed :class:`~appraisal.core.PortfolioInputs`.

    ``pack`` is an :class:`~appraisal.core.AssumptionPack` or a pack folder (the
    bundled UK pack by default). ``options`` are those of
    :func:`appraisal.core.appraise_portfolio`: ``carbon_series``,
    ``discount_schedule``, ``energy_series``, and ``keep_series`` (True here, so
    that :meth:`Appraisal.series_frame` needs no second appraisal; give False for
    a very large portfolio).

    >>> a = appraise(example_path(), carbon_series="high")
    >>> a.results.carbon_series
    'high'
    """
    the_pack = _pack(pack)
    inputs, _ = _inputs(path_or_portfolio, the_pack)
    keep = options.pop("keep_series", True)
    results = appraise_portfolio(inputs, the_pack, keep_series=keep, **options)
    return Appraisal(results, inputs, the_pack, dict(options))


def portfolio_from_frame(frame: pd.DataFrame, *, name: str = "Imported table",
                         appraisal_year: int | None = None,
                         pack: AssumptionPack | str | Path | None = None) -> Portfolio:
    """A portfolio from a table of projects, one row per project, its columns named
    as a pipeline tracker names them (the header list in ``docs/api.md``).

    A column not in the list is not read, and a :class:`UnknownColumnsWarning`
    says which; a cell that cannot be read raises :class:`~appraisal.core.InputError`
    naming its row (counting the header as row 1) and column. The portfolio is
    checked as the command line checks a file.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"Project ID": ["D-1"], "Scheme name": ["Depot heat pumps"],
    ...                    "Category": ["Heat pumps"], "Capex (GBP)": ["£1.2m"],
    ...                    "Capex year": [2027], "Lifetime (years)": [20],
    ...                    "Gas saved (MWh/yr)": [900], "Electricity change (kWh/yr)": [250_000]})
    >>> p = portfolio_from_frame(df, appraisal_year=2026)
    >>> project = p.projects[0]
    >>> project["capex"], project["energy_changes"][0]
    ({'2027': 1200000.0}, {'fuel': 'natural_gas', 'quantity_per_year': -900000.0})
    """
    import math

    from .core.errors import InputError
    from .io.table_import import read_rows
    the_pack = _pack(pack)
    df = frame
    if df.index.name is not None or any(n is not None for n in getattr(df.index, "names", [])):
        df = df.reset_index()    # an index named "Project ID" is a column of the table

    def cell(v: Any) -> Any:
        if hasattr(v, "item") and not isinstance(v, (str, bytes)):
            v = v.item()         # numpy scalars to Python numbers
        return None if isinstance(v, float) and math.isnan(v) else v
    rows = ((k + 2, [cell(v) for v in row]) for k, row in enumerate(df.itertuples(index=False)))
    out = read_rows([str(c) for c in df.columns], rows, pack=the_pack, file="the table")
    if out.unknown_columns:
        warnings.warn(UnknownColumnsWarning(
            "columns not read (not in the header list, docs/api.md): "
            + ", ".join(repr(c) for c in out.unknown_columns)), stacklevel=2)
    if out.problems:
        raise InputError(out.problems)
    doc = Portfolio.new(name, appraisal_year)
    doc.data["projects"] = out.projects
    parse_portfolio(doc.data, the_pack, file="the table")   # the checks of a portfolio file
    return doc
