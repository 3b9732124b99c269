"""Vectorised financial measures over many projects at once (METHOD.md section 4).

Each function takes a 2-D array of yearly cash flows, one row per project and
one column per year from the appraisal year (t = 0) on, and answers for every
row in one pass. They agree with numpy-financial's ``npv`` and ``irr`` applied
row by row (tests/core/test_financial.py checks it) but run in a few numpy
operations instead of a Python loop with a polynomial root-finder per project.
"""
from __future__ import annotations

import numpy as np

# Cumulative flows closer to zero than this are taken as zero, so that float
# noise in a sum that balances exactly does not move a payback year [GBP].
PAYBACK_TOLERANCE_GBP = 1e-6


def npv(rate: float, flows: np.ndarray) -> np.ndarray:
    """Net present value of each row of ``flows``, first value at t = 0.

    Parameters
    ----------
    rate : float [fraction per year]
    flows : ndarray, shape (P, T) [GBP]

    Returns
    -------
    ndarray, shape (P,) [GBP]

    Warnings
    --------
    As numpy-financial's ``npv``: the first column is at t = 0 and is not
    discounted (a spreadsheet's ``NPV`` discounts its first value).
    """
    t = np.arange(flows.shape[1])
    out: np.ndarray = flows @ (1.0 + rate) ** -t
    return out


def _irr_grid() -> np.ndarray:
    """Rates scanned for sign changes: dense near zero, where IRRs live."""
    return np.unique(np.concatenate([
        [-0.9999, -0.999, -0.995],
        np.arange(-0.99, -0.3, 0.01),
        np.arange(-0.3, 0.6, 0.005),
        np.arange(0.6, 3.0, 0.05),
        np.geomspace(3.0, 1e4, 40),
        [0.0],
    ]))


_GRID = _irr_grid()
# Flows that change sign once have exactly one rate (Descartes' rule of signs),
# so a coarse grid brackets it as surely as the dense one.
_COARSE = np.unique(np.concatenate([[-0.9999, -0.99, -0.9, -0.7, -0.5, -0.3, -0.2, -0.1, -0.05],
                                    [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 5.0, 10.0, 100.0,
                                     1e3, 1e4]]))


def _poly(coef: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value and derivative of ``sum_k coef[:, k] z**k`` for each row (Horner)."""
    p = np.zeros(coef.shape[0])
    dp = np.zeros(coef.shape[0])
    for k in range(coef.shape[1] - 1, -1, -1):  # a loop over years, vectorised over rows
        dp = dp * z + p
        p = p * z + coef[:, k]
    return p, dp


def _root_in_bracket(coef: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Root of each row's polynomial in ``[lo, hi]`` by safeguarded Newton.

    Newton steps that leave the bracket or shrink it too slowly fall back to
    bisection (Press et al., Numerical Recipes, ``rtsafe``), so every row
    converges; typically in five or six vectorised passes.
    """
    f_lo, _ = _poly(coef, lo)
    f_hi, _ = _poly(coef, hi)
    # orient each bracket so that the polynomial is negative at xl
    xl = np.where(f_lo < 0, lo, hi)
    xh = np.where(f_lo < 0, hi, lo)
    z = 0.5 * (lo + hi)
    dx_old = np.abs(hi - lo)
    dx = dx_old.copy()
    f, df = _poly(coef, z)
    active = np.arange(coef.shape[0])
    for _ in range(200):
        c = coef[active]
        za, fa, dfa, xla, xha = z[active], f[active], df[active], xl[active], xh[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = fa / dfa
        newton = za - step
        bisect = (((newton - xha) * (newton - xla)) > 0) \
            | (np.abs(2.0 * fa) > np.abs(dx_old[active] * dfa)) | ~np.isfinite(newton)
        dx_old[active] = dx[active]
        dxa = np.where(bisect, 0.5 * (xha - xla), step)
        z_new = np.where(bisect, xla + dxa, newton)
        done = (np.abs(dxa) <= 1e-14 * np.maximum(1.0, np.abs(z_new))) | (fa == 0)
        fa, dfa = _poly(c, z_new)
        below = fa < 0
        xl[active] = np.where(below, z_new, xla)
        xh[active] = np.where(below, xha, z_new)
        z[active], f[active], df[active], dx[active] = z_new, fa, dfa, dxa
        active = active[~done]
        if active.size == 0:
            break
    # an exact zero at a bracket end is the root
    z = np.where(f_lo == 0, lo, z)
    return np.where((f_hi == 0) & (f_lo != 0), hi, z)


def irr(flows: np.ndarray) -> np.ndarray:
    """Internal rate of return of each row of ``flows`` (NaN where none).

    Parameters
    ----------
    flows : ndarray, shape (P, T) [GBP], first column at t = 0

    Returns
    -------
    ndarray, shape (P,) [fraction per year]; NaN where the flows do not change
    sign or no rate in (-99.99%, 1,000,000%) solves NPV = 0.

    Notes
    -----
    Like numpy-financial's ``irr``, when several rates solve NPV = 0 the one
    closest to zero is returned. NPV = 0 is a polynomial in ``x = 1/(1+r)``
    for rates at or above zero, and (multiplied by ``(1+r)^(T-1) > 0``) in
    ``y = 1 + r`` below zero; both stay within (0, 1], so nothing overflows.
    Roots are bracketed by the signs on a fixed grid of rates (steps of 0.5
    percentage points between -30% and 60%), then polished by safeguarded
    Newton, vectorised over rows. A double root, where the NPV touches zero
    without crossing it, is not found (numpy-financial may report one).
    """
    flows = np.asarray(flows, dtype=float)
    P, T = flows.shape
    out = np.full(P, np.nan)
    if P == 0 or T < 2:
        return out
    idx = np.nonzero((flows > 0).any(1) & (flows < 0).any(1))[0]
    if idx.size == 0:
        return out
    F = flows[idx]
    best = np.full(idx.size, np.nan)
    single = at_most_one_sign_change(F)
    for rows, grid in ((np.nonzero(single)[0], _COARSE), (np.nonzero(~single)[0], _GRID)):
        if rows.size:
            best[rows] = _irr_on_grid(F[rows], grid)
    out[idx] = best
    return out


def _irr_on_grid(F: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """IRRs of rows ``F`` bracketed on ``grid`` (which holds 0), closest to zero."""
    T = F.shape[1]
    g0 = int(np.searchsorted(grid, 0.0))
    t = np.arange(T)
    pos_rates, neg_rates = grid[g0:], grid[:g0]
    W_pos = (1.0 / (1.0 + pos_rates))[None, :] ** t[:, None]
    W_neg = (1.0 + neg_rates)[None, :] ** (T - 1 - t)[:, None]
    S = np.sign(np.concatenate([F @ W_neg, F @ W_pos], axis=1))
    # bracket g = [grid[g], grid[g+1]] holds a root where the sign changes,
    # or where the value at its left end is exactly zero
    crossing = (S[:, :-1] * S[:, 1:] < 0) | (S[:, :-1] == 0)
    right, left = crossing[:, g0:], crossing[:, :g0]
    g_right = g0 + np.argmax(right, axis=1)
    g_left = g0 - 1 - np.argmax(left[:, ::-1], axis=1)
    best = np.full(F.shape[0], np.nan)
    rows = np.nonzero(right.any(1))[0]
    if rows.size:  # at or above zero: polynomial in x = 1/(1+r), x falls as r rises
        g = g_right[rows]
        x = _root_in_bracket(F[rows], 1.0 / (1.0 + grid[g + 1]), 1.0 / (1.0 + grid[g]))
        best[rows] = 1.0 / x - 1.0
    rows = np.nonzero(left.any(1))[0]
    if rows.size:  # below zero: polynomial in y = 1 + r with the coefficients reversed
        g = g_left[rows]
        y = _root_in_bracket(F[rows][:, ::-1], 1.0 + grid[g], 1.0 + grid[g + 1])
        r_left = y - 1.0
        current = best[rows]
        take = np.isnan(current) | (np.abs(r_left) < np.abs(current))
        best[rows] = np.where(take, r_left, current)
    return best


def at_most_one_sign_change(flows: np.ndarray) -> np.ndarray:
    """Whether each row's non-zero values change sign at most once.

    True when every negative value comes before every positive one, or the
    other way round (or a sign is missing); False when the IRR may not be unique.
    """
    P, T = flows.shape
    pos, neg = flows > 0, flows < 0
    if T == 0:
        return np.ones(P, bool)
    first_pos, first_neg = np.argmax(pos, axis=1), np.argmax(neg, axis=1)
    last_pos = T - 1 - np.argmax(pos[:, ::-1], axis=1)
    last_neg = T - 1 - np.argmax(neg[:, ::-1], axis=1)
    has_pos, has_neg = pos.any(1), neg.any(1)
    out: np.ndarray = ~has_pos | ~has_neg | (last_neg < first_pos) | (last_pos < first_neg)
    return out


def payback_year(flows: np.ndarray, first_year: int) -> np.ndarray:
    """Year after the last year in which cumulative ``flows`` is negative.

    Parameters
    ----------
    flows : ndarray, shape (P, T) [GBP], column k is calendar year ``first_year + k``
    first_year : int

    Returns
    -------
    ndarray, shape (P,) of float; NaN where the cumulative sum is still
    negative in the last year, or never negative.

    Notes
    -----
    METHOD.md 4: ``payback_year``. Cumulative sums within
    ``PAYBACK_TOLERANCE_GBP`` of zero count as zero.
    """
    P, T = flows.shape
    if T == 0:
        return np.full(P, np.nan)
    negative = np.cumsum(flows, axis=1) < -PAYBACK_TOLERANCE_GBP
    last_negative = T - 1 - np.argmax(negative[:, ::-1], axis=1)
    ok = negative.any(1) & ~negative[:, -1]
    return np.where(ok, first_year + last_negative + 1.0, np.nan)
