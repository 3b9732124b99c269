"""Green Book discounting and price rebasing (METHOD.md section 1)."""
from __future__ import annotations

import numpy as np

Band = tuple[int, "int | None", float]


def band_rates(bands: list[Band], t_max: int) -> np.ndarray:
    """Rate ``r(t)`` of the band containing each ``t = 0..t_max``.

    Parameters
    ----------
    bands : list of (from_year, to_year or None, rate)
        The schedule as in ``discount_schedules.csv``; ``to_year`` None means
        no end.
    t_max : int
        Last year from the appraisal year to cover.

    Returns
    -------
    ndarray, shape (t_max + 1,) [fraction per year]
    """
    t = np.arange(t_max + 1)
    rates = np.full(t.shape, np.nan)
    for lo, hi, rate in bands:  # a handful of bands: this loop is not over projects
        upper = t_max if hi is None else hi
        rates[(t >= lo) & (t <= upper)] = rate
    # t = 0 is undiscounted whatever the schedule says; a schedule starting at
    # year 1 leaves it unset.
    rates[0] = 0.0 if np.isnan(rates[0]) else rates[0]
    return rates


def discount_factors(bands: list[Band], t_max: int) -> np.ndarray:
    """Discount factors ``DF(0..t_max)`` for a stepped schedule.

    Parameters
    ----------
    bands : list of (from_year, to_year or None, rate)
    t_max : int

    Returns
    -------
    ndarray, shape (t_max + 1,) [dimensionless]

    Notes
    -----
    ``DF(0) = 1`` and ``DF(t) = DF(t-1) / (1 + r(t))`` with ``r(t)`` the rate
    of the band that contains ``t``.

    Warnings
    --------
    Flows are at year ends and year 0 is undiscounted. The factor is a chain,
    never ``1 / (1 + r_band) ** t``, which would jump up at t = 31.

    References
    ----------
    HM Treasury, The Green Book (2022), Annex 6 "Discounting", Table 8.
    """
    rates = band_rates(bands, t_max)
    growth = 1.0 + rates
    growth[0] = 1.0
    return 1.0 / np.cumprod(growth)


def step_lookup(table_years: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Index of the row of ``table_years`` that applies to each year of ``axis``.

    The latest row at or before the year; before the first row, the first.
    """
    idx = np.searchsorted(table_years, axis, side="right") - 1
    return np.clip(idx, 0, len(table_years) - 1)
