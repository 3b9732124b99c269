"""The published worked examples of tests/data/test-vectors.md (a copy of
shared/data/test-vectors.md), one test each."""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
from numpy.testing import assert_allclose

from appraisal.core import blended_upper_bound, financial
from appraisal.core.discounting import discount_factors

MIXED = {"non_standard_buildings": 0.3, "standard_buildings": 0.7}


def test_optimism_bias_mixed_project_capex(pack):
    # Source: test-vectors.md "Optimism bias, mixed project" (HMT Supplementary
    # Guidance: Optimism Bias): 30% non-standard + 70% standard buildings ->
    # capex uplift 32.1% = 0.3 * 51% + 0.7 * 24%. Exact in the table's
    # figures, so only float rounding is allowed.
    assert_allclose(blended_upper_bound(MIXED, pack, column="capex_upper"), 0.321, rtol=1e-12)


def test_optimism_bias_mixed_project_duration(pack):
    # Same source: works duration 14.5% = 0.3 * 39% + 0.7 * 4%.
    assert_allclose(blended_upper_bound(MIXED, pack, column="duration_upper"), 0.145, rtol=1e-12)


def test_optimism_bias_mixed_project_through_a_project(appraise, make_project, make_portfolio):
    # Same vector through parse_portfolio + appraise_portfolio: the project's
    # ob_project_type is the mix and its optimism bias is 32.1%; with capex of
    # GBP 1m at t = 0 alone, PVC = 1m * 1.321 (METHOD.md 3, "Optimism bias").
    res = appraise(make_portfolio(make_project(ob_project_type=MIXED, capex={"2021": 1e6})))
    rec = res.to_dict()["projects"][0]
    assert_allclose(rec["optimism_bias"], 0.321, rtol=1e-12)
    assert_allclose(rec["pv_costs_gbp"], 1.321e6, rtol=1e-12)


def test_optimism_bias_mitigation(pack, appraise, make_project, make_portfolio):
    # Source: test-vectors.md "Optimism bias, mitigation": non-standard
    # building upper bound 51%, 92% mitigated, GBP 100m -> "4% uplift, GBP 104m".
    # Exactly: 0.51 * (1 - 0.92) = 4.08%, GBP 104.08m. The vector is rounded to
    # the nearest percent and GBP 1m, so it is only good to half a unit of its
    # last place: 0.5m / 104m = 4.8e-3 relative; rtol 5e-3 accepts 104.08m and
    # would reject, say, 105m (the wrong sign of a rounding, or no mitigation).
    uplift = blended_upper_bound("non_standard_buildings", pack) * (1 - 0.92)
    assert_allclose(uplift, 0.04, rtol=0, atol=0.005)
    assert_allclose(100e6 * (1 + uplift), 104e6, rtol=5e-3)

    # and through a project: capex GBP 100m at t = 0, optimism bias from the
    # project type with ob_mitigation 0.92 (METHOD.md 3); the exact figures
    # hold to float precision.
    res = appraise(make_portfolio(make_project(
        ob_project_type="non_standard_buildings", ob_mitigation=0.92, capex={"2021": 100e6})))
    rec = res.to_dict()["projects"][0]
    assert_allclose(rec["pv_costs_gbp"], 104e6, rtol=5e-3)
    assert_allclose(rec["pv_costs_gbp"], 104.08e6, rtol=1e-12)
    assert_allclose(rec["optimism_bias"], 0.0408, rtol=1e-12)


def test_additionality(appraise, make_project, make_portfolio):
    # Source: test-vectors.md "Additionality" (HCA Additionality Guide formula):
    # gross 100, deadweight 20%, leakage 10%, displacement 25%, substitution 0,
    # multiplier 1.3 -> 100 * 0.8 * 0.9 * 0.75 * 1.0 * 1.3 = 70.2 (exact).
    # Gross jobs of 100 come from operational_fte alone: no capex means no
    # construction job-years (METHOD.md 5).
    res = appraise(make_portfolio(make_project(
        operational_fte=100, lifetime_years=10,
        additionality={"deadweight": 0.2, "leakage": 0.1, "displacement": 0.25,
                       "substitution": 0.0, "multiplier": 1.3})))
    rec = res.to_dict()["projects"][0]
    assert_allclose(rec["gross_jobs_fte"], 100.0, rtol=1e-12)
    assert_allclose(rec["net_additional_jobs_fte"], 70.2, rtol=1e-12)


def test_green_book_bcr(appraise, make_project, make_portfolio):
    # Source: test-vectors.md "Green Book BCR" (Green Book 2020, Box 12):
    # PVB GBP 8m, PVC GBP 10m -> BCR 0.8, NPSV -GBP 2m. Both flows are put at
    # t = 0 (the appraisal year), where DF = 1, so PVB and PVC are the amounts
    # themselves: capex 10m with no optimism bias, and an economic benefit of
    # 8m given as a profile for that year only; lifetime 0, so no other year.
    res = appraise(make_portfolio(make_project(
        capex={"2021": 10e6}, optimism_bias=0.0,
        other_benefits=[{"label": "Box 12", "kind": "economic", "profile": {"2021": 8e6}}])))
    rec = res.to_dict()["projects"][0]
    assert_allclose(rec["pv_benefits_gbp"], 8e6, rtol=1e-12)
    assert_allclose(rec["pv_costs_gbp"], 10e6, rtol=1e-12)
    assert_allclose(rec["bcr"], 0.8, rtol=1e-12)
    assert_allclose(rec["npsv_gbp"], -2e6, rtol=1e-12)
    assert rec["vfm_category"] == "poor"


CARBON_PV_2022_PRICES = 250_746.19


def test_carbon_pv_from_the_pack_tables(pack):
    # Source: test-vectors.md "Carbon PV" (derived from DESNZ Nov 2023 Table
    # 3): 100 tCO2e a year saved 2025-2034, central series at 2022 prices,
    # year 0 = 2025, standard schedule -> GBP 250,746.19. Given to the penny:
    # atol 0.005.
    years = np.arange(2025, 2035)
    cv, past = pack.carbon_values["central"].on_axis(years)
    assert not past.any()
    assert pack.carbon_price_year == 2022
    df = discount_factors(pack.discount_schedules["standard"], 9)
    assert_allclose((100.0 * cv * df).sum(), CARBON_PV_2022_PRICES, rtol=0, atol=0.005)


def test_carbon_pv_through_a_project(pack, appraise, make_project, make_portfolio):
    # Same vector through parse_portfolio + appraise_portfolio. Exactly 100
    # tCO2e a year is saved by cutting heating oil, whose emission factor is a
    # single row for every year (0.24677 kgCO2e/kWh in the default pack):
    # q = -100 t * 1000 kg/t / 0.24677 kg/kWh. Operating 2025-2034 (lifetime
    # 10 from 2025), appraisal year 2025 = year 0, price base 2022 (the pack's
    # carbon price year, the default B). Float rounding in q leaves the total a
    # few ulps from 1000, hence rtol 1e-9 on the tonnes.
    ef = pack.emission_factors["heating_oil"]
    assert ef.years is None  # one row for every year: the saving is the same each year
    q = -100.0 * 1000.0 / float(ef.values[0])
    res = appraise(make_portfolio(
        make_project(energy_changes=[{"fuel": "heating_oil", "quantity_per_year": q}],
                     operating_start=2025, lifetime_years=10),
        appraisal_year=2025), keep_series=True)
    rec = res.to_dict()["projects"][0]
    assert_allclose(res.project_series(0)["carbon_saved"], np.full(10, 100.0), rtol=1e-9)
    assert_allclose(rec["carbon_saved_tco2e"], 1000.0, rtol=1e-9)
    assert_allclose(rec["pv_carbon_benefit_gbp"], CARBON_PV_2022_PRICES, rtol=0, atol=0.005)


NPF_NPV = 4.319820766
SPREADSHEET_NPV = 4.173739870


def test_excel_vs_numpy_financial_npv():
    # Source: test-vectors.md "Excel vs numpy-financial NPV": rate 3.5%, flows
    # -100, 50, 60 -> npf.npv = 4.319820766 (first value at t = 0);
    # spreadsheet NPV(0.035, -100, 50, 60) = 4.173739870 (discounts the first
    # value too); NPV(r, B2:B11) + B1 equals npf.npv. Nine decimals given:
    # atol 5e-10.
    flows = np.array([[-100.0, 50.0, 60.0]])
    ours = financial.npv(0.035, flows)
    assert_allclose(ours, [NPF_NPV], rtol=0, atol=5e-10)
    assert_allclose(npf.npv(0.035, flows[0]), NPF_NPV, rtol=0, atol=5e-10)
    # the spreadsheet convention is one more year of discounting
    assert_allclose(ours / 1.035, [SPREADSHEET_NPV], rtol=0, atol=5e-10)
    # NPV(r, later values) + first value, as a spreadsheet user writes it
    later = financial.npv(0.035, np.array([[0.0, 50.0, 60.0]]))
    assert_allclose(later + flows[0, 0], [NPF_NPV], rtol=0, atol=5e-10)
