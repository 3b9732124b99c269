"""Hand-computed small cases, one group per rule of METHOD.md.

Unless a test says otherwise: appraisal year A = 2021 (t = 0), price base
B = 2022 (the default: the pack's carbon price year), projects priced at B,
standard discount schedule, so DF(1) = 1/1.035 and DF(2) = 1/1.035**2.
Figures taken from the default pack are quoted with their file.
"""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from numpy.testing import assert_allclose

from appraisal.core import parse_portfolio, readiness_score, vfm_category

# Hand arithmetic in floats against the vectorised code: the same operations
# in a different order, so agreement to 1e-12 relative is expected.
RTOL = 1e-12

# resources/packs/uk-default (DESNZ / Ofgem / HMT rows, as the files cite them)
HEATING_OIL_KG_PER_KWH = 0.24677           # emission_factors.csv, heating_oil, every year
HEATING_OIL_GBP_PER_KWH_2024 = 0.06        # energy_prices.csv, heating_oil, 2024 prices
GAS_GBP_PER_KWH_2024 = 0.0624              # energy_prices.csv, natural_gas, 2024 prices
D2020, D2022, D2024 = 85.2137, 90.5005, 100.0   # gdp_deflator.csv
CV_CENTRAL_2021 = 257.05                   # carbon_values.csv, central, 2022 prices
CV_CENTRAL_2050 = 397.54
CV_HIGH_2025 = 409.6


def record(appraise, make_portfolio, *projects, **portfolio_fields):
    """Appraise and return the first project's JSON record (FORMAT.md 3)."""
    return appraise(make_portfolio(*projects, **portfolio_fields)).to_dict()["projects"][0]


# -- 1.1 Price base -------------------------------------------------------------

def test_rebasing_money_from_its_price_year(appraise, make_project, make_portfolio):
    # METHOD.md 1.1: value_B = value_P * D(B) / D(P). Capex GBP 1m at 2020
    # prices, at t = 0 with no optimism bias: PVC = 1m * 90.5005 / 85.2137.
    rec = record(appraise, make_portfolio, make_project(
        price_year=2020, capex={"2021": 1e6}, optimism_bias=0.0))
    assert_allclose(rec["pv_costs_gbp"], 1e6 * D2022 / D2020, rtol=RTOL)
    assert_allclose(rec["capex_gbp"], 1e6 * D2022 / D2020, rtol=RTOL)


def test_carbon_values_rebased_to_the_price_base(appraise, make_project, make_portfolio):
    # METHOD.md 1.1 and 3: carbon values are rebased from their own price year
    # (2022) to B. With B = 2024: 1 t saved in 2021 is worth 257.05 * 100 / 90.5005.
    q = -1000.0 / HEATING_OIL_KG_PER_KWH   # 1 tCO2e a year of heating oil
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": q}],
        operating_start=2021, lifetime_years=1), price_base_year=2024)
    assert_allclose(rec["carbon_saved_tco2e"], 1.0, rtol=1e-9)
    assert_allclose(rec["pv_carbon_benefit_gbp"], CV_CENTRAL_2021 * D2024 / D2022, rtol=1e-9)


def test_energy_prices_rebased_to_the_price_base(appraise, make_project, make_portfolio):
    # METHOD.md 3, "Energy cost saving": EB = -q * price, with the price
    # rebased from 2024 to B = 2022: 100,000 kWh of gas saved at t = 0 is worth
    # 100,000 * 0.0624 * 90.5005 / 100 = GBP 5,647.2312.
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "natural_gas", "quantity_per_year": -100_000}],
        operating_start=2021, lifetime_years=1))
    assert_allclose(rec["pv_other_benefits_gbp"], 100_000 * GAS_GBP_PER_KWH_2024 * D2022 / D2024,
                    rtol=RTOL)


# -- 1.2 and 1.3 Discounting, sunk costs ---------------------------------------------

def test_sunk_costs(appraise, make_project, make_portfolio):
    # METHOD.md 1.3. A = 2022. Capex 1m in 2020, 1m in 2021, 2m in 2022;
    # operating 2021-2023 (start 2021, lifetime 3) with opex 10,000 a year;
    # optimism bias 10%; public funding share 0.5; 10 job-years per GBP 1m.
    res = appraise(make_portfolio(make_project(
        capex={"2020": 1e6, "2021": 1e6, "2022": 2e6}, optimism_bias=0.1,
        operating_start=2021, lifetime_years=3, opex_per_year=10_000,
        public_funding_share=0.5, job_years_per_million=10), appraisal_year=2022))
    rec = res.to_dict()["projects"][0]
    # sunk: capex and opex before A, without optimism bias: 1m + 1m + 10,000
    assert_allclose(rec["sunk_costs_gbp"], 2_010_000, rtol=RTOL)
    # PVC from A only: 2m * 1.1 + 10,000 at t = 0, 10,000 at t = 1
    assert_allclose(rec["pv_costs_gbp"], 2e6 * 1.1 + 10_000 + 10_000 / 1.035, rtol=RTOL)
    # the promoter's NPV and IRR start at A too: F = [-2,010,000, -10,000]
    assert_allclose(rec["financial_npv_gbp"], -2_010_000 - 10_000 / 1.035, rtol=RTOL)
    assert rec["financial_irr"] is None   # no sign change from A
    # jobs follow calendar years, sunk years included: 4m / 1m * 10 = 40
    # job-years = 4 permanent-equivalent jobs (10 job-years per job, parameters.csv)
    assert_allclose(rec["construction_job_years"], 40.0, rtol=RTOL)
    assert_allclose(rec["gross_jobs_fte"], 4.0, rtol=RTOL)
    # public cost 0.5 * 4m over all years; gap window 2021-2023 (investment_gap.csv)
    # takes the sunk 2021 year too: 0.5 * (1m + 2m)
    assert_allclose(rec["public_cost_gbp"], 2e6, rtol=RTOL)
    assert_allclose(rec["gap_contribution_gbp"], 1.5e6, rtol=RTOL)
    assert any("sunk" in w and "2,010,000" in w for w in rec["warnings"])


def test_sunk_costs_do_not_change_present_values(appraise, make_project, make_portfolio):
    # METHOD.md 1.3: the same project without its pre-A flows has the same PVC and PVB.
    base = dict(capex={"2022": 2e6}, operating_start=2022, lifetime_years=3,
                opex_per_year=10_000,
                other_benefits=[{"label": "b", "kind": "economic", "per_year": 50_000}])
    with_sunk = dict(base, capex={"2019": 5e6, "2022": 2e6})
    a = record(appraise, make_portfolio, make_project(**base), appraisal_year=2022)
    b = record(appraise, make_portfolio, make_project(**with_sunk), appraisal_year=2022)
    for key in ("pv_costs_gbp", "pv_benefits_gbp", "npsv_gbp", "financial_npv_gbp"):
        assert_allclose(b[key], a[key], rtol=RTOL, err_msg=key)
    assert_allclose(b["sunk_costs_gbp"] - a["sunk_costs_gbp"], 5e6, rtol=RTOL)


def test_discounting_in_the_appraisal(appraise, make_project, make_portfolio):
    # METHOD.md 1.2: flows at year ends, year 0 undiscounted. Opex 100 a year
    # for 2021-2023 with no capex: PVC = 100 + 100/1.035 + 100/1.035**2.
    rec = record(appraise, make_portfolio, make_project(opex_per_year=100, lifetime_years=3))
    assert_allclose(rec["pv_costs_gbp"], 100 + 100 / 1.035 + 100 / 1.035 ** 2, rtol=RTOL)


def test_discount_schedule_choice(appraise, make_project, make_portfolio):
    # The health schedule: 1.5% for t = 1..30 (discount_schedules.csv).
    rec = record(appraise, make_portfolio, make_project(opex_per_year=100, lifetime_years=2),
                 discount_schedule="health")
    assert_allclose(rec["pv_costs_gbp"], 100 + 100 / 1.015, rtol=RTOL)


# -- 2 The project's years -------------------------------------------------------

def test_default_operating_start_after_the_last_capex_year(appraise, make_project,
                                                           make_portfolio):
    # METHOD.md 2: operation starts the year after the last capex year (2023),
    # lasting lifetime_years = 2: operating 2024 and 2025. The horizon runs from
    # A = 2021 to the last year with a flow, 2025.
    res = appraise(make_portfolio(make_project(
        capex={"2021": 1e6, "2023": 1e6}, optimism_bias=0.0, lifetime_years=2,
        opex_per_year=1000)), keep_series=True)
    np.testing.assert_array_equal(res.years, [2021, 2022, 2023, 2024, 2025])
    assert_allclose(res.project_series(0)["operating"], [0, 0, 0, 1, 1], rtol=0, atol=0)
    # PVC = 1m + 1m/1.035**2 + 1000/1.035**3 + 1000/1.035**4
    expected = 1e6 + 1e6 / 1.035 ** 2 + 1000 / 1.035 ** 3 + 1000 / 1.035 ** 4
    assert_allclose(res.metrics["pv_costs_gbp"][0], expected, rtol=RTOL)


def test_default_operating_start_without_capex_is_the_appraisal_year(appraise, make_project,
                                                                     make_portfolio):
    # METHOD.md 2: "or A when there is no capex": operating 2021-2023.
    res = appraise(make_portfolio(make_project(opex_per_year=1, lifetime_years=3)),
                   keep_series=True)
    np.testing.assert_array_equal(res.years, [2021, 2022, 2023])
    assert_allclose(res.project_series(0)["operating"], [1, 1, 1], rtol=0, atol=0)


def test_explicit_operating_start(appraise, make_project, make_portfolio):
    # operating_start given: 2022 and 2023, even though capex runs to 2023
    res = appraise(make_portfolio(make_project(
        capex={"2021": 10, "2023": 10}, operating_start=2022, lifetime_years=2,
        opex_per_year=1)), keep_series=True)
    assert_allclose(res.project_series(0)["operating"], [0, 1, 1], rtol=0, atol=0)


def test_profile_applies_in_exactly_its_years(appraise, make_project, make_portfolio):
    # METHOD.md 2: a stream's profile applies in exactly the years it lists,
    # operating or not. Operating 2021 only; profile 2021: 10, 2023: 30 ->
    # PVB = 10 + 30/1.035**2; the horizon extends to 2023 for it.
    res = appraise(make_portfolio(make_project(
        lifetime_years=1, opex_per_year=1,
        other_benefits=[{"label": "p", "kind": "economic", "profile": {"2021": 10, "2023": 30}}])),
        keep_series=True)
    np.testing.assert_array_equal(res.years, [2021, 2022, 2023])
    assert_allclose(res.project_series(0)["other_benefits"], [10, 0, 30], rtol=0, atol=0)
    assert_allclose(res.metrics["pv_benefits_gbp"][0], 10 + 30 / 1.035 ** 2, rtol=RTOL)


def test_per_year_stream_applies_in_operating_years(appraise, make_project, make_portfolio):
    # operating 2022-2023 (after capex in 2021): 500 a year -> 500/1.035 + 500/1.035**2
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1}, lifetime_years=2,
        other_benefits=[{"label": "p", "kind": "economic", "per_year": 500}]))
    assert_allclose(rec["pv_benefits_gbp"], 500 / 1.035 + 500 / 1.035 ** 2, rtol=RTOL)


def test_lifetime_zero_is_noted(appraise, make_project, make_portfolio):
    rec = record(appraise, make_portfolio, make_project(capex={"2021": 1}, lifetime_years=0))
    assert any("no operating years" in w for w in rec["warnings"])


# -- 3 Economic case -------------------------------------------------------------

@pytest.mark.parametrize("category, expected", [
    # categories.csv ob_project_type -> optimism_bias.csv capex_upper
    ("heat_pumps", 0.24),              # standard_buildings
    ("ev_charging", 0.44),             # standard_civil_engineering
    ("renewable_generation", 0.66),    # non_standard_civil_engineering
    ("hydrogen", 2.0),                 # equipment_development
])
def test_optimism_bias_default_by_category(appraise, make_project, make_portfolio, category,
                                           expected):
    # METHOD.md 3: capex_adj = capex * (1 + OB); capex 1m at t = 0.
    rec = record(appraise, make_portfolio, make_project(category=category, capex={"2021": 1e6}))
    assert_allclose(rec["optimism_bias"], expected, rtol=RTOL)
    assert_allclose(rec["pv_costs_gbp"], 1e6 * (1 + expected), rtol=RTOL)


def test_optimism_bias_mitigation_and_own_value(appraise, make_project, make_portfolio):
    # OB = upper bound * (1 - ob_mitigation): 0.24 * 0.5 = 0.12
    rec = record(appraise, make_portfolio, make_project(capex={"2021": 1e6}, ob_mitigation=0.5))
    assert_allclose(rec["optimism_bias"], 0.12, rtol=RTOL)
    # the project's own optimism_bias is used as given; mitigation does not apply to it
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1e6}, optimism_bias=0.3, ob_mitigation=0.5))
    assert_allclose(rec["optimism_bias"], 0.3, rtol=RTOL)
    assert_allclose(rec["pv_costs_gbp"], 1.3e6, rtol=RTOL)
    assert any("mitigation is ignored" in w for w in rec["warnings"])


def test_optimism_bias_not_on_opex_or_in_the_financial_case(appraise, make_project,
                                                            make_portfolio):
    # METHOD.md 3 and 4: OB applies to capex only; F has no optimism bias.
    # Capex 1000 at t = 0 (OB 0.24), opex 100 in 2022: PVC = 1240 + 100/1.035;
    # financial NPV = -1000 - 100/1.035.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, opex_per_year=100, lifetime_years=1))
    assert_allclose(rec["pv_costs_gbp"], 1240 + 100 / 1.035, rtol=RTOL)
    assert_allclose(rec["financial_npv_gbp"], -1000 - 100 / 1.035, rtol=RTOL)


def test_emissions_and_carbon_benefit(appraise, make_project, make_portfolio):
    # METHOD.md 3: dE = q * EF / 1000; S = -dE; CB = S * CV. Heating oil
    # -1,000,000 kWh in 2021: S = 246.77 t, CB = 246.77 * 257.05 (t = 0).
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": -1e6}],
        operating_start=2021, lifetime_years=1))
    saved = 1e6 * HEATING_OIL_KG_PER_KWH / 1000
    assert_allclose(rec["carbon_saved_tco2e"], saved, rtol=RTOL)
    assert_allclose(rec["pv_carbon_benefit_gbp"], saved * CV_CENTRAL_2021, rtol=RTOL)
    # Bn = CB + EB: EB = 1e6 * 0.06 * 90.5005 / 100
    energy = 1e6 * HEATING_OIL_GBP_PER_KWH_2024 * D2022 / D2024
    assert_allclose(rec["pv_benefits_gbp"], saved * CV_CENTRAL_2021 + energy, rtol=RTOL)


def test_more_energy_used_is_a_negative_benefit(appraise, make_project, make_portfolio):
    # METHOD.md 3: EB is negative when the project uses more energy; S < 0
    # when it emits more, and then there is no cost per tonne.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, operating_start=2021, lifetime_years=1,
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": 1e6}]))
    assert_allclose(rec["carbon_saved_tco2e"], -246.77, rtol=RTOL)
    assert_allclose(rec["pv_other_benefits_gbp"], -1e6 * 0.06 * D2022 / D2024, rtol=RTOL)
    assert rec["cost_per_tco2e_gbp"] is None
    assert any("adds 246.8 tCO2e" in w for w in rec["warnings"])


def test_carbon_series_choice(appraise, make_project, make_portfolio):
    # carbon_series high: 2025 value GBP 409.60/t (carbon_values.csv), A = 2025.
    q = -1000.0 / HEATING_OIL_KG_PER_KWH
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": q}],
        operating_start=2025, lifetime_years=1), appraisal_year=2025, carbon_series="high")
    assert_allclose(rec["pv_carbon_benefit_gbp"], CV_HIGH_2025, rtol=1e-9)


@pytest.mark.parametrize("year, a_year, kg_per_kwh", [
    # emission_factors.csv natural_gas rows: 2019 0.18385 ... 2023 0.18293,
    # no 2024 row, 2025 0.18296, 2026 0.18231
    (2024, 2021, 0.18293),   # no 2024 row: the latest row at or before, 2023
    (2017, 2017, 0.18385),   # before the first row: the first row (2019)
    (2022, 2021, 0.18254),   # a row of its own
    (2027, 2021, 0.18231),   # past the last row: 2026 holds (with a warning)
])
def test_step_tables(appraise, make_project, make_portfolio, year, a_year, kg_per_kwh):
    # METHOD.md 3, "Emissions": year tables are read as steps. 1,000,000 kWh of
    # gas saved in one year saves 1e6 * EF / 1000 tonnes.
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "natural_gas", "quantity_per_year": -1e6}],
        operating_start=year, lifetime_years=1), appraisal_year=a_year)
    assert_allclose(rec["carbon_saved_tco2e"], 1e6 * kg_per_kwh / 1000, rtol=RTOL)
    extrapolated = [w for w in rec["warnings"] if "extrapolated" in w]
    if year > 2026:
        assert extrapolated == [
            "emission factors for natural gas end in 2026: later years hold the 2026 value "
            "(extrapolated)"]
    else:
        assert extrapolated == []


def test_carbon_values_past_the_table(appraise, make_project, make_portfolio):
    # METHOD.md 3 and 9: past 2050 the 2050 carbon value (397.54) holds and the
    # results say so. Saving in 2051 = t 30: PV = 246.77 * 397.54 / 1.035**30.
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": -1e6}],
        operating_start=2051, lifetime_years=1))
    assert_allclose(rec["pv_carbon_benefit_gbp"], 246.77 * CV_CENTRAL_2050 / 1.035 ** 30,
                    rtol=RTOL)
    assert ("carbon values end in 2050: later years hold the 2050 value (extrapolated)"
            in rec["warnings"])


def test_revenue_only_in_the_financial_case(appraise, make_project, make_portfolio):
    # METHOD.md 3 and 4: revenue streams are transfers: not in PVB, only in F.
    # Capex 1000 in 2021 (no OB), revenue 600 a year in 2022-2023.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, optimism_bias=0.0, lifetime_years=2,
        other_benefits=[{"label": "fares", "kind": "revenue", "per_year": 600}]))
    assert_allclose(rec["pv_benefits_gbp"], 0.0, rtol=0, atol=0)
    # F = [-1000, 600, 600]: NPV at 3.5% and the IRR of numpy-financial
    assert_allclose(rec["financial_npv_gbp"], -1000 + 600 / 1.035 + 600 / 1.035 ** 2, rtol=RTOL)
    # -1000 + 600 x + 600 x**2 = 0 with x = 1/(1+r): x = (-600 + sqrt(600**2 + 4*600*1000)) / 1200
    x = (-600 + np.sqrt(600 ** 2 + 4 * 600 * 1000)) / 1200
    assert_allclose(rec["financial_irr"], 1 / x - 1, rtol=1e-9)
    assert_allclose(rec["financial_irr"], npf.irr([-1000, 600, 600]), rtol=1e-9)
    # cumulative -1000, -400, +200: last negative 2022, payback 2023
    assert rec["payback_year"] == 2023
    assert_allclose(rec["viability_gap_gbp"], 0.0, rtol=0, atol=0)


def test_economic_stream_only_in_the_economic_case(appraise, make_project, make_portfolio):
    # the same 600 a year as a social benefit: in PVB, not in F
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, optimism_bias=0.0, lifetime_years=2,
        other_benefits=[{"label": "health", "kind": "economic", "per_year": 600}]))
    assert_allclose(rec["pv_benefits_gbp"], 600 / 1.035 + 600 / 1.035 ** 2, rtol=RTOL)
    assert_allclose(rec["financial_npv_gbp"], -1000, rtol=RTOL)
    assert rec["payback_year"] is None   # the promoter never recovers: negative in the last year
    # discounted payback on DF * (Bn - C): -1000, +579.71, +560.11 -> cumulative
    # -1000, -420.29, +139.82: last negative 2022, so 2023
    assert rec["discounted_payback_year"] == 2023
    assert_allclose(rec["viability_gap_gbp"], 1000, rtol=RTOL)


@pytest.mark.parametrize("to_promoter", [False, True])
def test_bill_savings_to_promoter(appraise, make_project, make_portfolio, to_promoter):
    # METHOD.md 4: with bill_savings_to_promoter, EB joins F. Gas saving of
    # 100,000 kWh at t = 0: EB = 100,000 * 0.0624 * 90.5005 / 100. PVB holds EB
    # (and the carbon benefit) either way.
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "natural_gas", "quantity_per_year": -100_000}],
        operating_start=2021, lifetime_years=1, bill_savings_to_promoter=to_promoter))
    energy = 100_000 * GAS_GBP_PER_KWH_2024 * D2022 / D2024
    assert_allclose(rec["pv_other_benefits_gbp"], energy, rtol=RTOL)
    assert_allclose(rec["financial_npv_gbp"], energy if to_promoter else 0.0, rtol=RTOL, atol=0)


@pytest.mark.parametrize("pvb, pvc, bcr, vfm, fall, rise", [
    # METHOD.md 3: switching values NPSV/PVB and NPSV/PVC.
    # PVB 15m, PVC 10m: NPSV 5m; PVB may fall by 5/15, PVC may rise by 5/10
    (15e6, 10e6, 1.5, "medium", 5 / 15, 0.5),
    # Green Book Box 12 (test-vectors.md): PVB 8m, PVC 10m -> BCR 0.8, NPSV -2m
    (8e6, 10e6, 0.8, "poor", -2 / 8, -0.2),
    # no benefits: BCR 0, PVB may not fall: none
    (0.0, 10e6, 0.0, "poor", None, -1.0),
])
def test_bcr_vfm_and_switching_values(appraise, make_project, make_portfolio, pvb, pvc, bcr,
                                      vfm, fall, rise):
    benefits = ([{"label": "b", "kind": "economic", "profile": {"2021": pvb}}] if pvb else [])
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": pvc}, optimism_bias=0.0, other_benefits=benefits))
    assert_allclose(rec["bcr"], bcr, rtol=RTOL)
    assert rec["vfm_category"] == vfm
    assert_allclose(rec["npsv_gbp"], pvb - pvc, rtol=RTOL)
    if fall is None:
        assert rec["switching_benefits_fall"] is None
    else:
        assert_allclose(rec["switching_benefits_fall"], fall, rtol=RTOL)
    assert_allclose(rec["switching_costs_rise"], rise, rtol=RTOL)


def test_no_bcr_without_costs(appraise, make_project, make_portfolio):
    # METHOD.md 3: BCR none when PVC = 0; METHOD.md 9: null in JSON
    rec = record(appraise, make_portfolio, make_project(
        lifetime_years=1, other_benefits=[{"label": "b", "kind": "economic", "per_year": 5}]))
    assert rec["bcr"] is None and rec["vfm_category"] is None
    assert rec["switching_costs_rise"] is None
    assert "the present value of costs is zero: no BCR" in rec["warnings"]


@pytest.mark.parametrize("bcr, band", [
    # METHOD.md 3 (v2): below 0 very poor, 0 to 1 poor, 1 to 1.5 low, 1.5 to 2 medium, 2 to 4 high,
    # 4 and above very high; each lower bound belongs to the band above it
    (0.99, "poor"), (0.0, "poor"), (-0.5, "very poor"), (-1e-9, "very poor"),
    (1.0, "low"), (1.4999, "low"),
    (1.5, "medium"), (1.99, "medium"),
    (2.0, "high"), (3.99, "high"),
    (4.0, "very high"), (25.0, "very high"),
])
def test_value_for_money_bands(bcr, band):
    assert vfm_category(bcr) == band


@pytest.mark.parametrize("bcr", [None, float("nan"), float("inf")])
def test_value_for_money_undefined(bcr):
    assert vfm_category(bcr) is None


def test_cost_per_tonne(appraise, make_project, make_portfolio):
    # METHOD.md 3: cost-effectiveness = (PVC - PV(EB + OBn)) / total carbon saved.
    # Capex 1m at t = 0 (no OB); heating oil -1,000,000 kWh in 2021 (saves
    # 246.77 t, EB = 1e6 * 0.06 * 90.5005 / 100 = 54,300.30); a social benefit
    # of 10,000 in 2021.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1e6}, optimism_bias=0.0, operating_start=2021, lifetime_years=1,
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": -1e6}],
        other_benefits=[{"label": "air quality", "kind": "economic", "per_year": 10_000}]))
    energy = 1e6 * HEATING_OIL_GBP_PER_KWH_2024 * D2022 / D2024
    assert_allclose(rec["cost_per_tco2e_gbp"], (1e6 - energy - 10_000) / 246.77, rtol=RTOL)
    # METHOD.md 5: carbon cost to the public purse = public cost / carbon
    # saved: share not given, so all 1m is public; 1e6 / 246.77 = 4,052 per
    # tonne, above the pack's threshold of 325 (parameters.csv): flagged
    assert_allclose(rec["public_cost_per_tco2e_gbp"], 1e6 / 246.77, rtol=RTOL)
    assert any("above the pack's threshold of £325" in w for w in rec["warnings"])
    assert any("the public funding share is not given" in w for w in rec["warnings"])


def test_total_carbon_counts_every_operating_year(appraise, make_project, make_portfolio):
    # METHOD.md 3: total carbon saved is the undiscounted sum over all
    # operating years, before A too; PVs count from A. Operating 2019-2022
    # with A = 2021: 4 * 246.77 t in total, carbon PV of 2021 and 2022 only.
    rec = record(appraise, make_portfolio, make_project(
        energy_changes=[{"fuel": "heating_oil", "quantity_per_year": -1e6}],
        operating_start=2019, lifetime_years=4))
    assert_allclose(rec["carbon_saved_tco2e"], 4 * 246.77, rtol=RTOL)
    cv_2022 = 260.96   # carbon_values.csv, central, 2022
    assert_allclose(rec["pv_carbon_benefit_gbp"],
                    246.77 * CV_CENTRAL_2021 + 246.77 * cv_2022 / 1.035, rtol=RTOL)
    assert "benefits in years before the appraisal year 2021 are not counted" in rec["warnings"]


# -- 4 Financial case ---------------------------------------------------------

def test_viability_gap(appraise, make_project, make_portfolio):
    # METHOD.md 4: viability gap = max(0, -financial NPV). Capex 1000 at t = 0,
    # revenue 300 in 2022 and 2023: NPV = -1000 + 300/1.035 + 300/1.035**2.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, lifetime_years=2,
        other_benefits=[{"label": "fees", "kind": "revenue", "per_year": 300}]))
    npv = -1000 + 300 / 1.035 + 300 / 1.035 ** 2
    assert_allclose(rec["financial_npv_gbp"], npv, rtol=RTOL)
    assert_allclose(rec["viability_gap_gbp"], -npv, rtol=RTOL)


def test_financial_discount_rate_of_the_portfolio(appraise, make_project, make_portfolio):
    # METHOD.md 4: financial NPV at the portfolio's constant rate (here 8%)
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, lifetime_years=2,
        other_benefits=[{"label": "fees", "kind": "revenue", "per_year": 600}]),
        financial_discount_rate=0.08)
    assert_allclose(rec["financial_npv_gbp"], -1000 + 600 / 1.08 + 600 / 1.08 ** 2, rtol=RTOL)


def test_several_sign_changes_are_flagged(appraise, make_project, make_portfolio):
    # numpy-financial irr docstring flows -100, 100, 0, -7 (IRR -8.33%): the
    # promoter's cash changes sign twice, so the IRR may not be unique.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 100, "2024": 7}, operating_start=2022, lifetime_years=1,
        other_benefits=[{"label": "r", "kind": "revenue", "per_year": 100}]))
    assert_allclose(rec["financial_irr"], npf.irr([-100, 100, 0, -7]), rtol=1e-9)
    assert any("change sign more than once" in w for w in rec["warnings"])


# -- 5 Jobs and public cost ---------------------------------------------------

def test_jobs_with_pack_defaults(appraise, make_project, make_portfolio):
    # METHOD.md 5. Capex 2m; job-years per GBP 1m from categories.csv (7.45);
    # 10 job-years per permanent job (parameters.csv); operational_fte 2;
    # sub-regional additionality (additionality.csv): deadweight 0.25,
    # leakage 0.1, displacement 0.5, substitution 0, multiplier 1.3.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1.5e6, "2022": 0.5e6}, public_funding_share=0.6, operational_fte=2,
        lifetime_years=5))
    job_years = 2.0 * 7.45                        # 14.9
    gross = job_years / 10 + 2                    # 3.49
    net = gross * 0.75 * 0.9 * 0.5 * 1.0 * 1.3    # 1.5312375
    assert_allclose(rec["construction_job_years"], job_years, rtol=RTOL)
    assert_allclose(rec["gross_jobs_fte"], gross, rtol=RTOL)
    assert_allclose(rec["net_additional_jobs_fte"], net, rtol=RTOL)
    assert_allclose(rec["public_cost_gbp"], 0.6 * 2e6, rtol=RTOL)
    assert_allclose(rec["cost_per_net_job_gbp"], 0.6 * 2e6 / net, rtol=RTOL)


def test_jobs_use_capex_before_optimism_bias(appraise, make_project, make_portfolio):
    # METHOD.md 5: capex before optimism bias; the hydrogen category's 200%
    # OB (optimism_bias.csv, equipment_development) does not add jobs.
    rec = record(appraise, make_portfolio, make_project(
        category="hydrogen", capex={"2021": 1e6}, job_years_per_million=20))
    assert_allclose(rec["construction_job_years"], 20.0, rtol=RTOL)


def test_jobs_with_spatial_level_and_own_factors(appraise, make_project, make_portfolio):
    # local level (additionality.csv): 0.25, 0.25, 0.25, 0, 1.1; the project
    # overrides leakage with 0.5 and keeps the other local factors.
    rec = record(appraise, make_portfolio, make_project(
        spatial_level="local", operational_fte=10, lifetime_years=1,
        additionality={"leakage": 0.5}))
    assert_allclose(rec["net_additional_jobs_fte"], 10 * 0.75 * 0.5 * 0.75 * 1.0 * 1.1,
                    rtol=RTOL)


def test_no_cost_per_job_without_jobs(appraise, make_project, make_portfolio):
    rec = record(appraise, make_portfolio, make_project(
        lifetime_years=1, public_funding={"2021": 1000}))
    assert_allclose(rec["net_additional_jobs_fte"], 0.0, rtol=0, atol=0)
    assert rec["cost_per_net_job_gbp"] is None


def test_public_funding_map_takes_precedence(appraise, make_project, make_portfolio):
    # FORMAT.md 1 and METHOD.md 5: public_funding by year wins over the share.
    # Capex 1m in 2021 and 2022 with share 0.5, but funding 300,000 in 2021
    # only: public cost 300,000 (not 1m), all of it in the gap window.
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1e6, "2022": 1e6}, public_funding_share=0.5,
        public_funding={"2021": 300_000}, lifetime_years=1))
    assert_allclose(rec["public_cost_gbp"], 300_000, rtol=RTOL)
    assert_allclose(rec["gap_contribution_gbp"], 300_000, rtol=RTOL)


def test_public_funding_rebased(appraise, make_project, make_portfolio):
    # METHOD.md 5: public cost is rebased: 1m at 2020 prices -> 1m * 90.5005 / 85.2137
    rec = record(appraise, make_portfolio, make_project(
        price_year=2020, capex={"2021": 1e6}, public_funding_share=1.0))
    assert_allclose(rec["public_cost_gbp"], 1e6 * D2022 / D2020, rtol=RTOL)


def test_public_funding_above_capex_is_flagged(appraise, make_project, make_portfolio):
    rec = record(appraise, make_portfolio, make_project(
        capex={"2021": 1000}, public_funding={"2021": 2000}))
    assert any("exceeds capex" in w for w in rec["warnings"])


# -- 6 Investment gap ---------------------------------------------------------

def test_gap_contribution_only_in_window_years(appraise, make_project, make_portfolio):
    # METHOD.md 6; investment_gap.csv: transport GBP 8.7bn a year, 2021-2023,
    # 2020 prices. EV charging (transport) with capex 1m in each of 2020, 2021,
    # 2023 and 2024, all public: contribution 2021 + 2023 = 2m; public cost 4m;
    # investment mobilised (capex in the window) 2m.
    res = appraise(make_portfolio(make_project(
        category="ev_charging", capex={"2020": 1e6, "2021": 1e6, "2023": 1e6, "2024": 1e6},
        public_funding_share=1.0), appraisal_year=2020))
    out = res.to_dict()
    rec = out["projects"][0]
    assert rec["gap_sector"] == "transport"
    assert_allclose(rec["gap_contribution_gbp"], 2e6, rtol=RTOL)
    assert_allclose(rec["public_cost_gbp"], 4e6, rtol=RTOL)
    gap = out["portfolio"]["gap"]
    assert gap["window"] == [2021, 2023]
    transport = gap["sectors"]["transport"]
    cumulative = 8.7e9 * 3 * D2022 / D2020   # rebased from 2020 to B = 2022
    assert_allclose(transport["cumulative_gap_gbp"], cumulative, rtol=RTOL)
    assert_allclose(transport["contribution_gbp"], 2e6, rtol=RTOL)
    assert_allclose(transport["share_closed"], 2e6 / cumulative, rtol=RTOL)
    assert_allclose(transport["annual_average_contribution_gbp"], 2e6 / 3, rtol=RTOL)
    total = gap["total"]
    # total gap 14.1bn a year (8.7bn + 5.4bn) over 3 years
    assert_allclose(total["cumulative_gap_gbp"], 14.1e9 * 3 * D2022 / D2020, rtol=RTOL)
    assert_allclose(total["contribution_gbp"], 2e6, rtol=RTOL)
    assert_allclose(total["investment_mobilised_gbp"], 2e6, rtol=RTOL)


def test_investment_mobilised_counts_private_capex(appraise, make_project, make_portfolio):
    # METHOD.md 6: all capex, public and private, of projects in a gap sector
    # in the window: share 0.25 of 1m in 2022 -> contribution 250,000,
    # mobilised 1m.
    out = appraise(make_portfolio(make_project(
        capex={"2022": 1e6}, public_funding_share=0.25))).to_dict()
    assert_allclose(out["projects"][0]["gap_contribution_gbp"], 250_000, rtol=RTOL)
    assert_allclose(out["portfolio"]["gap"]["total"]["investment_mobilised_gbp"], 1e6, rtol=RTOL)


def test_category_without_a_gap_sector(appraise, make_project, make_portfolio):
    # categories.csv: renewable_generation has no gap sector: contributes
    # zero, mobilises nothing, and the results say why.
    out = appraise(make_portfolio(make_project(
        category="renewable_generation", capex={"2022": 1e6}, public_funding_share=1.0))).to_dict()
    rec = out["projects"][0]
    assert rec["gap_sector"] is None
    assert_allclose(rec["gap_contribution_gbp"], 0.0, rtol=0, atol=0)
    assert_allclose(out["portfolio"]["gap"]["total"]["investment_mobilised_gbp"], 0.0,
                    rtol=0, atol=0)
    assert any("no investment-gap sector" in w for w in rec["warnings"])


# -- 7 Readiness --------------------------------------------------------------

@pytest.mark.parametrize("readiness, score, shovel_ready", [
    # METHOD.md 7: 25 planning + 20 site + 20 procurement + 20 match funding
    # + 15 when months_to_start <= 6 (8 when <= 12); shovel-ready at 80 or more
    # and able to start within 12 months.
    ({"planning_consent": True, "site_secured": True, "procurement_ready": True,
      "match_funding_confirmed": True, "months_to_start": 6}, 100, True),
    ({"planning_consent": True, "site_secured": True, "match_funding_confirmed": True,
      "months_to_start": 6}, 80, True),                       # exactly 80
    ({"planning_consent": True, "site_secured": True, "procurement_ready": True,
      "match_funding_confirmed": True, "months_to_start": 13}, 85, False),   # too far off
    ({"planning_consent": True, "site_secured": True, "procurement_ready": True,
      "match_funding_confirmed": True}, 85, False),           # start date unknown
    ({"planning_consent": True, "site_secured": True, "procurement_ready": True,
      "months_to_start": 12}, 73, False),                     # 25 + 20 + 20 + 8
    ({"site_secured": True, "procurement_ready": True, "match_funding_confirmed": True,
      "months_to_start": 7}, 68, False),                      # 60 + 8
    ({}, 0, False),
])
def test_readiness(pack, appraise, make_project, make_portfolio, readiness, score, shovel_ready):
    data = make_portfolio(make_project(readiness=readiness))
    p = parse_portfolio(data, pack).projects[0]
    assert_allclose(readiness_score(p), score, rtol=0, atol=0)
    rec = appraise(data).to_dict()["projects"][0]
    assert_allclose(rec["readiness_score"], score, rtol=0, atol=0)
    assert rec["shovel_ready"] is shovel_ready


# -- 8 Portfolio --------------------------------------------------------------

def test_portfolio_bcr_is_a_ratio_of_totals(appraise, make_project, make_portfolio):
    # METHOD.md 8: project A PVB 3m / PVC 1m (BCR 3), project B PVB 1m / PVC
    # 4m (BCR 0.25): portfolio BCR = 4m / 5m = 0.8, not the mean of 3 and 0.25.
    def flows(pid, pvb, pvc):
        return make_project(id=pid, capex={"2021": pvc}, optimism_bias=0.0, other_benefits=[
            {"label": "b", "kind": "economic", "profile": {"2021": pvb}}])

    out = appraise(make_portfolio(flows("A", 3e6, 1e6), flows("B", 1e6, 4e6))).to_dict()
    assert_allclose(out["portfolio"]["bcr"], 0.8, rtol=RTOL)
    assert out["portfolio"]["vfm_category"] == "poor"
    assert_allclose(out["portfolio"]["npsv_gbp"], -1e6, rtol=RTOL)


def test_assumptions_named_in_the_results(pack, appraise, make_project, make_portfolio):
    # FORMAT.md 3: the portfolio object names the pack's id and vintage
    out = appraise(make_portfolio(make_project())).to_dict()
    assert out["portfolio"]["assumptions"]["id"] == pack.id
    assert out["portfolio"]["assumptions"]["vintage"] == pack.vintage
    assert out["portfolio"]["price_base_year"] == 2022


# -- 9 Never silently ---------------------------------------------------------

def test_sub_penny_costs_give_no_infinite_bcr(appraise, make_project, make_portfolio):
    # issue 11: a non-zero amount below 1e-9 (appraisal.core.limits.MIN_MAGNITUDE) is
    # refused by its field's stated range, so a BCR over a sub-penny cost never arises
    from appraisal.core.errors import InputError
    with pytest.raises(InputError) as caught:
        appraise(make_portfolio(make_project(
            category="active_travel", capex={"2021": 2.2e-311}, lifetime_years=1,
            energy_changes=[{"fuel": "diesel", "quantity_per_year": 1.0}])))
    assert [p.field for p in caught.value.problems] == ["capex.2021"]
