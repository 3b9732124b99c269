"""Vectorised financial measures against numpy-financial (METHOD.md section 4).

numpy-financial is the reference the method names for ``npv`` and ``irr``;
appraisal.core.financial answers for many rows at once and must agree with it
row by row.
"""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from appraisal.core import financial

# Rates are compared to 1e-9 absolute: both sides polish the root of the same
# polynomial to near machine precision (numpy-financial through the companion
# matrix eigenvalues, ours by safeguarded Newton), and 1e-9 is a millionth of
# a basis point.
RATE_ATOL = 1e-9

# -- npv ---------------------------------------------------------------------


@pytest.mark.parametrize("rate, flows, expected", [
    # numpy-financial npv docstring example: 8%, -40 000, 5 000, 8 000,
    # 12 000, 30 000 -> 3065.22267 (5 decimals given: atol 5e-6)
    (0.08, [-40_000, 5_000, 8_000, 12_000, 30_000], 3065.22267),
    # test-vectors.md "Excel vs numpy-financial NPV": 3.5%, -100, 50, 60 -> 4.319820766
    (0.035, [-100, 50, 60], 4.319820766),
])
def test_npv_published_examples(rate, flows, expected):
    assert_allclose(financial.npv(rate, np.array([flows], float)), [expected], rtol=0, atol=5e-6)


money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)


@settings(deadline=None, max_examples=100)
@given(rate=st.floats(min_value=-0.5, max_value=1.0),
       rows=st.integers(1, 5).flatmap(lambda p: st.integers(1, 30).flatmap(
           lambda t: st.lists(st.lists(money, min_size=t, max_size=t), min_size=p, max_size=p))))
def test_npv_agrees_with_numpy_financial_row_by_row(rate, rows):
    flows = np.array(rows)
    expected = [npf.npv(rate, row) for row in flows]
    # the same sum taken in a different order: relative to the sum of the
    # absolute discounted terms, rounding is below 1e-12
    scale = np.abs(flows) @ (1 + rate) ** -np.arange(flows.shape[1])
    assert_allclose(financial.npv(rate, flows), expected, rtol=0,
                    atol=1e-12 * max(scale.max(), 1.0))


# -- irr ---------------------------------------------------------------------

# numpy-financial irr docstring examples (npf 1.0): rounded to 5 decimals
# there, so atol 5e-6 against the printed figure, and RATE_ATOL against
# numpy-financial's own unrounded answer.
NPF_IRR_EXAMPLES = [
    ([-100, 39, 59, 55, 20], 0.28095),
    ([-100, 0, 0, 74], -0.0955),
    ([-100, 100, 0, -7], -0.0833),
    ([-100, 100, 0, 7], 0.06206),
    ([-5, 10.5, 1, -8, 1], 0.0886),
]


def test_irr_numpy_financial_docstring_examples_in_one_call():
    width = max(len(f) for f, _ in NPF_IRR_EXAMPLES)
    # pad with zeros at the end: a zero flow in a later year changes no root
    flows = np.array([f + [0] * (width - len(f)) for f, _ in NPF_IRR_EXAMPLES], float)
    ours = financial.irr(flows)
    assert_allclose(ours, [r for _, r in NPF_IRR_EXAMPLES], rtol=0, atol=5e-6)
    assert_allclose(ours, [npf.irr(np.array(f, float)) for f, _ in NPF_IRR_EXAMPLES],
                    rtol=0, atol=RATE_ATOL)


@pytest.mark.parametrize("flows", [
    [100.0, 50.0, 10.0],      # never negative
    [-100.0, -50.0, -1.0],    # never positive
    [0.0, 0.0, 0.0],
    [-100.0],                 # a single year: nothing to solve
])
def test_irr_none_without_a_sign_change(flows):
    # METHOD.md 4: none where the flows do not change sign.
    assert np.isnan(financial.irr(np.array([flows]))).all()
    assert np.isnan(npf.irr(np.array(flows)))


@pytest.mark.parametrize("flows, expected", [
    # rates that solve NPV = 0 exactly, by hand: -100 + 110 / (1 + r) = 0 -> r = 10%
    ([-100, 110, 0], 0.10),
    ([-100, 100, 0], 0.0),        # a root exactly at zero, a point of the search grid
    ([-100, 0, 121], 0.10),       # 121 = 100 * 1.1**2
    ([-100, 90, 0], -0.10),
    ([-100, 50, 0], -0.50),
    ([100, -110, 0], 0.10),       # borrowing: the same rate
    ([0, -100, 110], 0.10),       # a leading zero year changes no rate
    ([-100, 0.5, 0], -0.995),
])
def test_irr_exact_cases(flows, expected):
    assert_allclose(financial.irr(np.array([flows], float)), [expected], rtol=0, atol=1e-12)


def test_irr_outside_the_searched_range_is_none():
    # financial.irr docstring: NaN where no rate in (-99.99%, 1,000,000%)
    # solves it; -0.001 then 1,000,000 has an IRR of 1e9 (numpy-financial
    # reports it), outside that range.
    flows = np.array([[-1e-3, 1e6]])
    assert np.isnan(financial.irr(flows)).all()
    assert_allclose(npf.irr(flows[0]), 1e9 - 1, rtol=1e-6)


def test_irr_of_an_empty_portfolio():
    assert financial.irr(np.zeros((0, 5))).shape == (0,)


def _real_rates(flows: np.ndarray) -> np.ndarray:
    """Every real rate r > -1 that solves NPV = 0, as numpy-financial finds them."""
    roots = np.roots(flows[::-1])
    x = roots[(roots.imag == 0) & (roots.real > 0)].real
    return 1.0 / x - 1.0


investment_then_returns = st.tuples(
    st.lists(st.integers(1, 10_000_000), min_size=1, max_size=3),    # outlays, years 0..
    st.lists(st.integers(0, 5_000_000), min_size=1, max_size=40),     # then returns
).filter(lambda t: any(t[1])).map(
    lambda t: np.array([-x for x in t[0]] + t[1], dtype=float))


@settings(deadline=None, max_examples=200)
@given(investment_then_returns)
def test_irr_matches_numpy_financial_investment_then_returns(flows):
    # One sign change: exactly one rate above -100% solves NPV = 0
    # (Descartes), and both implementations must find it.
    expected = npf.irr(flows)
    # stay inside the documented search range (-99.99%, 1,000,000%) with a margin
    assume(-0.999 < expected < 1e3)
    got = financial.irr(flows[None, :])[0]
    assert_allclose(got, expected, rtol=1e-9, atol=RATE_ATOL)


# Most random flows are filtered out by the assumptions below, so hypothesis's
# filter health check would fail the test on a slow, shared machine.
@settings(deadline=None, max_examples=200,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.lists(st.integers(-1000, 1000), min_size=3, max_size=25))
def test_irr_matches_numpy_financial_with_several_sign_changes(values):
    # Several sign changes: several rates may solve NPV = 0, and numpy-financial
    # answers the one closest to zero. We compare where that answer is a simple
    # root that a grid of 0.5-point steps can separate: within -30%..60% (the
    # dense part of the grid), with no other root within 2 points of it and no
    # root equally close to zero on the other side.
    flows = np.array(values, dtype=float)
    assume(not financial.at_most_one_sign_change(flows[None, :])[0])
    expected = npf.irr(flows)
    assume(np.isfinite(expected) and -0.3 < expected < 0.6)
    others = [r for r in _real_rates(flows) if abs(r - expected) > 1e-9]
    assume(all(abs(r - expected) > 0.02 for r in others))
    assume(all(abs(abs(r) - abs(expected)) > 1e-6 for r in others))
    # a simple root: the NPV crosses zero with a slope well clear of rounding
    t = np.arange(flows.size)
    slope = -(t * flows * (1 + expected) ** (-t - 1)).sum()
    assume(abs(slope) > 1e-6 * np.abs(flows).sum())
    got = financial.irr(flows[None, :])[0]
    assert_allclose(got, expected, rtol=0, atol=1e-7)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.lists(st.integers(-1_000_000, 1_000_000), min_size=12, max_size=12),
                min_size=1, max_size=6))
def test_npv_at_the_irr_is_zero(rows):
    # The defining property of the IRR: NPV(IRR) = 0. Measured against the
    # sum of the absolute discounted terms, which is what rounding scales with.
    flows = np.array(rows, dtype=float)
    rates = financial.irr(flows)
    t = np.arange(flows.shape[1])
    for row, r in zip(flows, rates, strict=True):
        if np.isnan(r):
            continue  # no IRR: compared with numpy-financial in the tests above
        w = (1 + r) ** -t
        assert abs(row @ w) <= 1e-9 * (np.abs(row) @ w)
        assert_allclose(financial.npv(r, row[None, :]), [0.0], rtol=0,
                        atol=1e-9 * (np.abs(row) @ w))


@settings(deadline=None, max_examples=100)
@given(st.lists(investment_then_returns, min_size=1, max_size=8))
def test_irr_rows_are_independent(rows):
    # The vectorised solver must give each row the answer it gives that row alone.
    width = max(r.size for r in rows)
    flows = np.array([np.pad(r, (0, width - r.size)) for r in rows])
    together = financial.irr(flows)
    alone = np.array([financial.irr(row[None, :])[0] for row in flows])
    assert_allclose(together, alone, rtol=1e-12, atol=1e-15, equal_nan=True)


# -- payback -----------------------------------------------------------------

@pytest.mark.parametrize("flows, expected", [
    # METHOD.md 4: "the year after the last year in which the cumulative
    # undiscounted F (summed from A) is negative". From 2021: cumulative -100,
    # -50, +10: last negative in 2022, so payback 2023.
    ([-100, 50, 60], 2023),
    # cumulative -100, 0: zero is not negative, so the last negative year is
    # 2021 and payback is 2022 (break-even counts as paid back)
    ([-100, 100], 2022),
    # cumulative -100, +50, -50, +50: negative again in 2023, so payback 2024
    ([-100, 150, -100, 100], 2024),
    # sunk-free start: cumulative 0, -10, +5: payback 2023
    ([0, -10, 15], 2023),
])
def test_payback_year_cases(flows, expected):
    got = financial.payback_year(np.array([flows], float), 2021)
    assert_allclose(got, [expected], rtol=0, atol=0)


@pytest.mark.parametrize("flows", [
    [100, 50, 60],       # never negative: "none when ... never negative"
    [0, 0, 0],           # never negative either
    [100, -50, -40],     # cumulative 100, 50, 10: never negative
    [-100, 50, 20],      # cumulative -30 in the last year: "none when it is still negative in the last year"
    [-100, 150, -100],   # back below zero in the last year
])
def test_payback_year_none(flows):
    assert np.isnan(financial.payback_year(np.array([flows], float), 2021)).all()


def test_payback_year_ignores_float_noise_in_an_exact_balance():
    # -0.1 - 0.2 + 0.3 is -5.6e-17 in floating point, but the promoter has
    # broken even: the cumulative is zero, not negative, in the last year
    # (financial.PAYBACK_TOLERANCE_GBP). Last negative year 2022 -> 2023.
    flows = np.array([[-0.1, -0.2, 0.3]])
    assert np.cumsum(flows)[-1] < 0  # the noise this test is about
    assert_allclose(financial.payback_year(flows, 2021), [2023], rtol=0, atol=0)


def test_payback_year_many_rows_at_once():
    flows = np.array([[-100, 50, 60], [100, 50, 60], [-100, 50, 20]], float)
    assert_allclose(financial.payback_year(flows, 2021), [2023, np.nan, np.nan],
                    rtol=0, atol=0, equal_nan=True)


def test_payback_year_with_no_years():
    assert np.isnan(financial.payback_year(np.zeros((2, 0)), 2021)).all()


# -- sign changes --------------------------------------------------------------

@pytest.mark.parametrize("flows, expected", [
    ([-100, 50, 60], 1),
    ([-100, 0, 0, 74], 1),         # zeros are skipped
    ([-5, 10.5, 1, -8, 1], 3),
    ([0, 0, 0], 0),
    ([10, 0, -5, 0, 5], 2),
])
def test_at_most_one_sign_change(flows, expected):
    # expected: the number of sign changes, zeros skipped (Descartes' rule of signs)
    assert financial.at_most_one_sign_change(np.array([flows], float))[0] == (expected <= 1)
