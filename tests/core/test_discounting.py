"""Green Book discount factors (METHOD.md 1.2) against the published table."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from numpy.testing import assert_allclose

from appraisal.core.discounting import band_rates, discount_factors, step_lookup

# green_book_discount_factors.csv gives six decimals: a correct factor is
# within half a unit of the last place of the printed one.
TABLE_ATOL = 5e-7

SCHEDULE_COLUMNS = {"standard": "df_std", "health": "df_health", "reduced": "df_reduced"}


@pytest.fixture(scope="module")
def table(test_data):
    with open(test_data / "green_book_discount_factors.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "the discount factor table is empty"
    return rows


@pytest.mark.parametrize("schedule", sorted(SCHEDULE_COLUMNS))
def test_every_row_of_the_green_book_table(pack, table, schedule):
    # Source: tests/data/green_book_discount_factors.csv (a copy of shared/data's),
    # derived from the Green Book STPR schedules by DF(t) = DF(t-1) / (1 + r(t)); years 0-100
    # and selected later years up to 400.
    years = np.array([int(r["year"]) for r in table])
    expected = np.array([float(r[SCHEDULE_COLUMNS[schedule]]) for r in table])
    df = discount_factors(pack.discount_schedules[schedule], int(years.max()))
    assert_allclose(df[years], expected, rtol=0, atol=TABLE_ATOL,
                    err_msg=f"{schedule} schedule against green_book_discount_factors.csv")


def test_standard_rates_of_the_table(pack, table):
    # Source: green_book_discount_factors.csv column rate_std (the Green Book
    # standard STPR: 3.5% to year 30, 3.0% to 75, ..., 1.0% after 300).
    years = np.array([int(r["year"]) for r in table])
    expected = np.array([float(r["rate_std"]) for r in table])
    rates = band_rates(pack.discount_schedules["standard"], int(years.max()))
    # t = 0 is undiscounted, whatever rate the table prints beside it
    assert_allclose(rates[years[years > 0]], expected[years > 0], rtol=0, atol=1e-12)


def test_cumulative_annuity_column(pack, table):
    # Source: green_book_discount_factors.csv column cum_annuity_std(1..t),
    # the sum of DF(1..t) on the standard schedule. Each entry is a sum of
    # factors each rounded to 6 decimals in the table, so allow half a unit in
    # the last place for the printed sum itself.
    years = np.array([int(r["year"]) for r in table])
    expected = np.array([float(r["cum_annuity_std(1..t)"]) for r in table])
    df = discount_factors(pack.discount_schedules["standard"], int(years.max()))
    cumulative = np.cumsum(df) - df[0]
    assert_allclose(cumulative[years], expected, rtol=0, atol=TABLE_ATOL)


def test_test_vector_factors(pack):
    # Source: tests/data/test-vectors.md (a copy of shared/data's), "Discount factor,
    # standard schedule":
    # t = 1, 10, 30, 31, 75, 76, 100 -> 0.966184, 0.708919, 0.356278,
    # 0.345901, 0.094214, 0.091916, 0.050818 (six decimals: atol 5e-7).
    t = np.array([1, 10, 30, 31, 75, 76, 100])
    expected = [0.966184, 0.708919, 0.356278, 0.345901, 0.094214, 0.091916, 0.050818]
    df = discount_factors(pack.discount_schedules["standard"], 100)
    assert_allclose(df[t], expected, rtol=0, atol=TABLE_ATOL)


def test_year_zero_is_undiscounted(pack):
    # METHOD.md 1.2: DF(0) = 1, year 0 is undiscounted.
    for name, bands in pack.discount_schedules.items():
        assert_allclose(discount_factors(bands, 5)[0], 1.0, rtol=0, atol=0, err_msg=name)


def test_annuity_factor_thirty_years(pack):
    # Source: test-vectors.md, "Annuity factor": sum of DF(1..30) on the
    # standard schedule = 18.392045 = (1 - 1.035**-30) / 0.035 (derived; six
    # decimals, atol 5e-7).
    df = discount_factors(pack.discount_schedules["standard"], 30)
    assert_allclose(df[1:31].sum(), 18.392045, rtol=0, atol=TABLE_ATOL)
    assert_allclose(df[1:31].sum(), (1 - 1.035 ** -30) / 0.035, rtol=1e-12)


def test_no_jump_at_the_band_edge(pack):
    # Source: test-vectors.md, "No jump at the band edge" (Green Book Annex 6
    # method): DF(31) = DF(30) / 1.03 < DF(30). The forbidden shortcut
    # 1 / 1.03**31 = 0.400 would exceed DF(30) = 0.356.
    df = discount_factors(pack.discount_schedules["standard"], 40)
    assert df[31] < df[30]
    assert_allclose(df[31], df[30] / 1.03, rtol=1e-12)
    assert 1 / 1.03 ** 31 > df[30]  # the shortcut would jump up: this test can tell
    assert np.all(np.diff(df) < 0)


def test_every_band_edge_chains(pack):
    # METHOD.md 1.2: DF(t) = DF(t-1) / (1 + r(t)) at every t, on every schedule.
    for name, bands in pack.discount_schedules.items():
        df = discount_factors(bands, 400)
        rates = band_rates(bands, 400)
        assert_allclose(df[1:], df[:-1] / (1 + rates[1:]), rtol=1e-12, err_msg=name)


def test_schedule_starting_at_year_one_leaves_year_zero_undiscounted():
    # A schedule with no band for t = 0 (bands from year 1): t = 0 still has
    # DF = 1 (METHOD.md 1.2, year 0 undiscounted).
    df = discount_factors([(1, None, 0.05)], 3)
    assert_allclose(df, [1.0, 1 / 1.05, 1 / 1.05 ** 2, 1 / 1.05 ** 3], rtol=1e-12)


def test_step_lookup_reads_steps():
    # METHOD.md 3, "Emissions": the row of the latest year at or before y;
    # before the first row, the first row; past the last row, the last row.
    table_years = np.array([2020, 2022, 2025])
    axis = np.array([2015, 2020, 2021, 2022, 2024, 2025, 2040])
    np.testing.assert_array_equal(step_lookup(table_years, axis), [0, 0, 0, 1, 1, 2, 2])
