"""Delivery tracking: baselines, actuals, the comparison and the re-forecast.

Expected figures are worked by hand in each test from docs/delivery.md (the
section is cited), or, for a re-forecast NPSV, computed by the independent
oracle tests/core/reference_v2.py on the inputs docs/delivery.md 7 says the
re-forecast uses.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import shutil

import pytest
from numpy.testing import assert_allclose

from appraisal.core import InputError, appraise_portfolio, load_pack, parse_portfolio
from appraisal.core.delivery import (
    DELIVERY_FIELDS,
    Thresholds,
    calibrate,
    months_between,
    parse_delivery,
    record_baseline,
    track,
)
from appraisal.core.portfolio import Portfolio
from appraisal.io.portfolio_file import dumps_portfolio, load_portfolio, save_portfolio
from appraisal.resources import default_pack_dir, example_portfolio

from .reference_v2 import appraise_reference

CAPEX = {"2027": 1_000_000, "2028": 1_000_000}
Q = -1_000_000.0       # kWh of grid electricity a year (a saving)
OPEX = 10_000.0


def solar(pid: str = "PV-1", **fields) -> dict:
    """Capex 1m in 2027 and 2028 at 2025 prices, operating from 2029 for 20 years,
    no business-case stage (so no duration optimism bias: METHOD.md 3)."""
    p = {"id": pid, "name": f"Solar {pid}", "category": "renewable_generation",
         "spatial_level": "local", "price_year": 2025, "capex": dict(CAPEX),
         "public_funding_share": 0.5, "opex_per_year": OPEX, "lifetime_years": 20,
         "energy_changes": [{"fuel": "grid_electricity", "quantity_per_year": Q}]}
    p.update(fields)
    return p


def doc_of(*projects: dict) -> Portfolio:
    return Portfolio({"format": "appraisal-portfolio", "version": 1, "name": "Delivery test",
                      "appraisal_year": 2026, "price_base_year": 2025,
                      "projects": [copy.deepcopy(p) for p in projects]})


@pytest.fixture(scope="module")
def pack():
    return load_pack(default_pack_dir())


def with_baseline(doc: Portfolio, pack, date: str = "2026-12-02", **kwargs) -> Portfolio:
    results = appraise_portfolio(parse_portfolio(doc.data, pack), pack)
    for p in doc.projects:
        record_baseline(doc, p["id"], results, pack, "fbc", "approved", date, **kwargs)
    return doc


def entry(year, quarter=None, date=None, **fields) -> dict:
    return {"year": year, "quarter": quarter, "date": date or f"{year + 1}-01-20",
            "source": "test return", "price_year": 2025, **fields}


def actuals(doc: Portfolio, pid: str, *entries: dict) -> None:
    p = next(p for p in doc.projects if p["id"] == pid)
    p.setdefault("actuals", []).extend(entries)


def uplift(pack) -> float:
    """The category's capex uplift (renewable_generation: non-standard civil engineering)."""
    return pack.optimism_bias[pack.categories["renewable_generation"].ob_project_type]["capex_upper"]


def reference_npsv(project: dict) -> float:
    data = doc_of(project).data
    return appraise_reference(data, default_pack_dir())["projects"][0]["npsv_gbp"]


# ---------------------------------------------------------------------------
# The three projects of the issue
# ---------------------------------------------------------------------------

def test_on_profile_is_green_and_reforecasts_to_the_baseline(pack):
    doc = with_baseline(doc_of(solar()), pack)
    energy = {"grid_electricity": Q}
    actuals(doc, "PV-1",
            entry(2027, capex_gbp=1_000_000, public_funding_gbp=500_000, works_start="2027-01-01"),
            entry(2028, capex_gbp=1_000_000, public_funding_gbp=500_000,
                  operating_start="2029-01-01"),
            entry(2029, energy_change=energy, opex_gbp=OPEX, date="2030-01-15"))
    (p,) = track(doc, pack, as_of="2030-01-31").projects
    assert p.status == "green" and p.reasons == ()
    # docs/delivery.md 3: profile to date = 1m + 1m (both years ended), spent the same
    assert_allclose([p.capex_profile_to_date_gbp, p.capex_to_date_gbp], 2_000_000, rtol=1e-12)
    assert_allclose(p.spend_share_of_profile, 1.0, rtol=1e-12)
    assert_allclose(p.public_funding_profile_to_date_gbp, 1_000_000, rtol=1e-12)
    # docs/delivery.md 4: no overrun; against capex with OB, 2/(2 (1 + OB)) - 1
    assert abs(p.overrun) < 1e-12
    assert_allclose(p.overrun_with_ob, 1 / (1 + uplift(pack)) - 1, rtol=1e-12)
    # docs/delivery.md 5: started and opened on the planned 1 January
    assert p.works_start_slippage_months == 0 and p.completion_slippage_months == 0
    # docs/delivery.md 6: 2029 measured as appraised
    assert_allclose(p.carbon_delivery_share, 1.0, rtol=1e-12)
    (fuel,) = p.fuels
    assert (fuel.appraised_to_date, fuel.measured_to_date) == (Q, Q)
    # docs/delivery.md 7: the re-forecast is the baseline, to the penny and beyond
    assert_allclose(p.reforecast.npsv_gbp, p.baseline.npsv_gbp, rtol=0, atol=1e-6)
    assert_allclose(p.reforecast.bcr, p.baseline.bcr, rtol=1e-12)
    assert_allclose(p.reforecast.cost_per_tco2e_gbp, p.baseline.cost_per_tco2e_gbp, rtol=1e-9)
    assert_allclose(p.reforecast.gap_contribution_gbp, p.baseline.gap_contribution_gbp, rtol=1e-12)


def test_thirty_percent_over_and_a_year_late(pack):
    doc = with_baseline(doc_of(solar()), pack)
    actuals(doc, "PV-1",
            entry(2027, capex_gbp=1_300_000, works_start="2027-01-01"),
            entry(2028, capex_gbp=1_300_000),
            entry(2029, date="2030-01-10", operating_start="2030-01-01"))
    (p,) = track(doc, pack, as_of="2030-01-31").projects
    ob = uplift(pack)
    # docs/delivery.md 4: 2.6m forecast against 2.0m
    assert_allclose(p.forecast_capex_gbp, 2_600_000, rtol=1e-12)
    assert_allclose(p.overrun, 2_600_000 / 2_000_000 - 1, rtol=1e-12)           # 0.30
    assert_allclose(p.overrun_with_ob, 2_600_000 / (2_000_000 * (1 + ob)) - 1, rtol=1e-12)
    # docs/delivery.md 5: 1 January 2029 to 1 January 2030
    assert p.planned_operating_start == dt.date(2029, 1, 1)
    assert_allclose(p.completion_slippage_months, 12.0, rtol=0, atol=1e-12)
    assert p.completion_slippage_is_minimum is False
    assert p.status == "red"
    assert len(p.reasons) == 2 and "+30%" in p.reasons[0] and "12.0 months late" in p.reasons[1]
    # docs/delivery.md 7: the project with capex 1.3m + 1.3m, operating from 2030, the
    # baseline's uplift; NPSV by the independent oracle
    expected = reference_npsv(solar(capex={"2027": 1_300_000, "2028": 1_300_000},
                                    operating_start=2030, optimism_bias=ob))
    assert_allclose(p.reforecast.npsv_gbp, expected, rtol=1e-9)
    assert p.reforecast.npsv_gbp < p.baseline.npsv_gbp


def test_half_the_energy_saving(pack):
    doc = with_baseline(doc_of(solar()), pack)
    half_quarter = Q / 4 / 2
    actuals(doc, "PV-1",
            entry(2027, capex_gbp=1_000_000),
            entry(2028, capex_gbp=1_000_000, operating_start="2029-01-01"),
            *(entry(2029, q, date=f"2030-0{q}-01",
                    energy_change={"grid_electricity": half_quarter}) for q in (1, 2, 3, 4)))
    (p,) = track(doc, pack, as_of="2030-06-30").projects
    # docs/delivery.md 2 and 6: four quarters add up to the year; half of Q delivered
    (fuel,) = p.fuels
    assert_allclose(fuel.measured_to_date, Q / 2, rtol=1e-12)
    assert_allclose(fuel.appraised_in_measured_periods, Q, rtol=1e-12)
    assert_allclose(fuel.share_delivered, 0.5, rtol=1e-12)
    # one fuel, one year: tonnes are proportional to the kWh (METHOD.md 3)
    assert_allclose(p.carbon_delivery_share, 0.5, rtol=1e-12)
    assert_allclose(p.carbon_delivered_to_date_tco2e, p.carbon_appraised_in_measured_periods_tco2e / 2,
                    rtol=1e-12)
    assert p.status == "red" and "50% of the appraised carbon" in p.reasons[0]
    # the year table: 2029 measured, half its appraised tonnes (2030 is half to date)
    by_year = {y.year: y for y in p.years}
    assert_allclose(by_year[2029].carbon_delivered_tco2e,
                    by_year[2029].carbon_appraised_to_date_tco2e / 2, rtol=1e-12)
    assert by_year[2030].share_to_date == 0.5 and by_year[2030].carbon_delivered_tco2e is None
    # docs/delivery.md 7.4: the re-forecast loses half of 2029's energy value. The
    # oracle values 2029's energy alone as a one-year project without capex or opex.
    year_2029 = reference_npsv(solar(capex={}, opex_per_year=0, operating_start=2029,
                                     lifetime_years=1, public_funding_share=None))
    assert year_2029 > 0
    assert_allclose(p.reforecast.npsv_gbp, p.baseline.npsv_gbp - year_2029 / 2, rtol=1e-9)


# ---------------------------------------------------------------------------
# "To date", restatements, quarters (docs/delivery.md 2 to 5)
# ---------------------------------------------------------------------------

def test_to_date_counts_only_periods_ended_and_returns_made(pack):
    doc = with_baseline(doc_of(solar()), pack)
    actuals(doc, "PV-1",
            entry(2027, 1, date="2027-04-20", capex_gbp=200_000),
            entry(2027, 2, date="2027-07-20", capex_gbp=300_000),
            entry(2027, 2, date="2027-08-01", capex_gbp=350_000),   # a restatement: later wins
            entry(2027, 3, date="2027-10-20", capex_gbp=400_000))
    (p,) = track(doc, pack, as_of="2027-09-30").projects
    # Q3 has ended (30 September) but its return is dated after as_of: not counted.
    # Profile: the 3 quarters of 2027 that have ended, 1m/4 each
    assert_allclose(p.capex_to_date_gbp, 200_000 + 350_000, rtol=1e-12)
    assert_allclose(p.capex_profile_to_date_gbp, 1_000_000 * 3 / 4, rtol=1e-12)
    assert any("1 entry" in n for n in p.notes)
    # docs/delivery.md 4: 2027's two uncovered quarters keep the baseline's 250,000 each
    assert_allclose(p.forecast_capex_gbp, 550_000 + 500_000 + 1_000_000, rtol=1e-12)
    y2027 = next(y for y in p.years if y.year == 2027)
    assert (y2027.share_to_date, y2027.capex_profile_gbp) == (0.75, 1_000_000)
    assert_allclose([y2027.capex_actual_gbp, y2027.capex_forecast_gbp], [550_000, 1_050_000])
    # the start of works is inferred from the first quarter with spend: on time
    assert p.actual_works_start == dt.date(2027, 1, 1)
    assert p.works_start_slippage_months == 0
    # operation is not due before 2029: no slippage yet
    assert p.completion_slippage_months is None


def test_not_started_past_the_planned_date_is_a_minimum_slippage(pack):
    doc = with_baseline(doc_of(solar()), pack)
    actuals(doc, "PV-1", entry(2027, capex_gbp=1_000_000), entry(2028, capex_gbp=1_000_000))
    (p,) = track(doc, pack, as_of="2029-04-16").projects
    # docs/delivery.md 5: 1 January to 16 April = 3 months and 15 days
    assert_allclose(p.completion_slippage_months, 3 + 15 / 30, rtol=1e-12)
    assert p.completion_slippage_is_minimum
    assert p.status == "amber"
    # docs/delivery.md 7: operation now expected in the year after as_of's
    later = reference_npsv(solar(operating_start=2030, optimism_bias=uplift(pack)))
    assert_allclose(p.reforecast.npsv_gbp, later, rtol=1e-9)


def test_cash_is_rebased_with_the_deflator(pack):
    """docs/delivery.md 2: an amount without a price year is cash of its year."""
    doc = with_baseline(doc_of(solar()), pack)
    cash = 1_000_000 * pack.deflator[2027] / pack.deflator[2025]
    actuals(doc, "PV-1", {"year": 2027, "date": "2028-01-20", "source": "ledger", "capex_gbp": cash})
    (p,) = track(doc, pack, as_of="2028-01-31").projects
    assert_allclose(p.capex_to_date_gbp, 1_000_000, rtol=1e-12)


def test_months_between():
    assert months_between(dt.date(2029, 1, 1), dt.date(2030, 1, 1)) == 12
    assert_allclose(months_between(dt.date(2029, 1, 1), dt.date(2029, 4, 15)), 3 + 14 / 30)
    assert months_between(dt.date(2029, 3, 1), dt.date(2029, 1, 1)) == -2


# ---------------------------------------------------------------------------
# Baselines: frozen, the latest approved is the reference
# ---------------------------------------------------------------------------

def test_baseline_is_frozen_against_a_new_pack_and_edits(pack, tmp_path):
    doc = with_baseline(doc_of(solar()), pack)
    recorded = doc.projects[0]["baselines"][0]["results"]["npsv_gbp"]
    doc.projects[0]["capex"] = {"2027": 5_000_000}      # an edit after the decision
    other_dir = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), other_dir)
    manifest = json.loads((other_dir / "pack.json").read_text(encoding="utf-8"))
    manifest.update(id="other-pack", vintage="2030-01-01")
    (other_dir / "pack.json").write_text(json.dumps(manifest), encoding="utf-8")
    carbon = other_dir / "carbon_values.csv"          # carbon worth twice as much
    with carbon.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("low", "central", "high"):
            r[k] = repr(2 * float(r[k])) if r[k] else r[k]
    with carbon.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    other = load_pack(other_dir)
    (p,) = track(doc, other, as_of="2027-06-30").projects
    assert p.baseline.npsv_gbp == recorded            # frozen: not recomputed
    assert p.baseline_capex_gbp == 2_000_000          # the baseline's capex, not the edit
    assert p.reforecast.npsv_gbp > recorded + 1000    # the re-forecast uses the new pack
    assert any("other-pack" in n and pack.id in n for n in p.notes)


def test_latest_approved_baseline_is_the_reference(pack):
    doc = with_baseline(doc_of(solar()), pack, date="2026-12-02")
    revised = copy.deepcopy(doc)
    revised.projects[0]["capex"] = {"2027": 1_500_000, "2028": 1_500_000}
    results = appraise_portfolio(parse_portfolio(revised.data, pack), pack)
    record_baseline(doc, "PV-1", results, pack, "change_request", "re-scoped", "2027-06-01")
    record_baseline(doc, "PV-1", results, pack, "change_request", "proposed", "2027-09-01",
                    approved=False)
    doc.projects[0]["baselines"][1]["project"]["capex"] = revised.projects[0]["capex"]
    d = parse_delivery(doc.projects[0], pack)
    assert d.reference.reason == "re-scoped" and d.decision.reason == "approved"
    (p,) = track(doc, pack, as_of="2027-12-31").projects
    assert p.baseline_stage == "change_request" and p.baseline_capex_gbp == 3_000_000


def test_record_baseline_refuses_unknown_project_and_stage(pack):
    doc = doc_of(solar())
    results = appraise_portfolio(parse_portfolio(doc.data, pack), pack)
    with pytest.raises(InputError) as info:
        record_baseline(doc, "NOPE", results, pack, "fbc", "x", "2026-12-02")
    assert info.value.problems[0].project == "NOPE"
    with pytest.raises(InputError) as info:
        record_baseline(doc, "PV-1", results, pack, "final", "x", "2026-12-02")
    assert info.value.problems[0].field == "stage"
    assert "baselines" not in doc.projects[0]


# ---------------------------------------------------------------------------
# Thresholds from the pack (docs/delivery.md 8)
# ---------------------------------------------------------------------------

def test_thresholds_come_from_the_pack(pack, tmp_path):
    assert Thresholds.from_pack(pack) == Thresholds(0.10, 0.25, 3, 6, 0.90, 0.75)
    d = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), d)
    with (d / "parameters.csv").open("a", encoding="utf-8") as f:
        f.write("delivery_overrun_amber,0.02,test,illustrative\n"
                "delivery_overrun_red,0.04,test,illustrative\n")
    strict = load_pack(d)
    doc = with_baseline(doc_of(solar()), pack)
    actuals(doc, "PV-1", entry(2027, capex_gbp=1_060_000))    # +3% forecast
    (p,) = track(doc, pack, as_of="2028-01-31").projects
    assert p.status == "green"
    (p,) = track(doc, strict, as_of="2028-01-31").projects
    assert_allclose(p.overrun, 0.03, rtol=1e-12)
    assert p.status == "amber"
    with pytest.raises(InputError):
        Thresholds(overrun_amber=0.3, overrun_red=0.2).check()


# ---------------------------------------------------------------------------
# Calibration (docs/delivery.md 10)
# ---------------------------------------------------------------------------

def test_calibration_pools_completed_projects(pack):
    doc = with_baseline(doc_of(solar("A"), solar("B"), solar("C")), pack)
    actuals(doc, "A", entry(2027, capex_gbp=1_300_000), entry(2028, capex_gbp=1_300_000,
                                                              operating_start="2029-03-01"))
    actuals(doc, "B", entry(2027, capex_gbp=1_100_000), entry(2028, capex_gbp=1_100_000,
                                                              operating_start="2029-01-01"))
    actuals(doc, "C", entry(2027, capex_gbp=1_000_000))    # not complete: left out
    cal = calibrate(doc, pack)
    assert cal.completed == 2
    (cat, every) = cal.categories
    assert cat.category == "renewable_generation" and every.category == "all"
    assert cat.projects == ("A", "B")
    # overruns 0.30 and 0.10: mean and median 0.2; quartiles by linear interpolation
    assert_allclose([cat.overrun.mean, cat.overrun.median, cat.overrun.q1, cat.overrun.q3],
                    [0.2, 0.2, 0.15, 0.25], rtol=1e-12)
    assert_allclose(cat.optimism_bias_used.mean, uplift(pack), rtol=1e-12)
    assert cat.overrun_within_allowance == 2           # both within a 66% uplift
    assert_allclose(cat.completion_slippage_months.mean, (2 + 0) / 2, rtol=1e-12)
    assert len(cal.notes) == 1


# ---------------------------------------------------------------------------
# The file: additive, validated, old files unchanged
# ---------------------------------------------------------------------------

BAD = {
    "quarter out of range": (entry(2027, 5, capex_gbp=1), "actuals[0].quarter"),
    "negative capex": (entry(2027, capex_gbp=-1), "actuals[0].capex_gbp"),
    "infinite opex": (entry(2027, opex_gbp=float("inf")), "actuals[0].opex_gbp"),
    "not a date": ({**entry(2027), "date": "31/01/2028"}, "actuals[0].date"),
    "no date": ({k: v for k, v in entry(2027).items() if k != "date"}, "actuals[0].date"),
    "unknown fuel": (entry(2027, energy_change={"coal": -1}), "actuals[0].energy_change.coal"),
    "use without pre-project use": (entry(2027, energy_use={"natural_gas": 5}),
                                    "actuals[0].energy_use.natural_gas"),
    "unknown field": ({**entry(2027), "capex": 5}, "actuals[0].capex"),
    "jobs as text": (entry(2027, jobs_fte="ten"), "actuals[0].jobs_fte"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_actuals_name_the_project_and_field(case, pack):
    item, fieldname = BAD[case]
    data = doc_of(solar(actuals=[item])).data
    with pytest.raises(InputError) as info:
        parse_portfolio(data, pack, file="p.json")
    assert ("PV-1", fieldname) in {(p.project, p.field) for p in info.value.problems}
    assert all(p.file == "p.json" for p in info.value.problems)


def test_a_year_and_its_quarters_together_are_refused(pack):
    data = doc_of(solar(actuals=[entry(2027, capex_gbp=1), entry(2027, 2, capex_gbp=1)])).data
    with pytest.raises(InputError) as info:
        parse_portfolio(data, pack)
    assert any(p.field == "actuals[1]" and "year and for its quarters" in p.message
               for p in info.value.problems)


def test_bad_baseline_names_the_field(pack):
    doc = with_baseline(doc_of(solar()), pack)
    b = doc.projects[0]["baselines"][0]
    del b["settings"]["appraisal_year"]
    b["results"]["npsv_gbp"] = float("nan")
    b["stage"] = "final"
    with pytest.raises(InputError) as info:
        parse_portfolio(doc.data, pack)
    where = {p.field for p in info.value.problems}
    assert {"baselines[0].settings.appraisal_year", "baselines[0].results.npsv_gbp",
            "baselines[0].stage"} <= where


def test_delivery_fields_do_not_change_the_appraisal(pack):
    with_delivery = load_portfolio(example_portfolio()).data
    assert any("actuals" in p for p in with_delivery["projects"])
    without = copy.deepcopy(with_delivery)
    for p in without["projects"]:
        for k in DELIVERY_FIELDS:
            p.pop(k, None)
    a = appraise_portfolio(parse_portfolio(with_delivery, pack), pack).to_dict()
    b = appraise_portfolio(parse_portfolio(without, pack), pack).to_dict()
    assert a == b


def test_an_old_file_opens_unchanged_and_saves_byte_identically(pack, tmp_path):
    data = load_portfolio(example_portfolio()).data
    for p in data["projects"]:
        for k in DELIVERY_FIELDS:
            p.pop(k, None)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    doc = load_portfolio(old)
    assert doc.migrated_from is None
    parse_portfolio(doc.data, pack)
    report = track(doc, pack)
    assert all(p.status is None for p in report.projects)
    assert dumps_portfolio(doc).encode("utf-8") == old.read_bytes()
    save_portfolio(doc, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == old.read_bytes()


def test_the_example_tracks_three_projects(pack):
    """docs/example-portfolio.md: one on profile, one over cost and late, one
    delivering half its energy saving."""
    report = track(load_portfolio(example_portfolio()), pack)
    status = {p.id: p.status for p in report.projects if p.status}
    assert status == {"GRN-007": "green", "PV-009": "red", "RET-010": "red"}
    by_id = {p.id: p for p in report.projects}
    assert_allclose(by_id["PV-009"].carbon_delivery_share, 0.5, rtol=1e-9)
    assert_allclose(by_id["RET-010"].overrun, 4.0 / 3.08 - 1, rtol=1e-6)
    assert_allclose(by_id["GRN-007"].reforecast.npsv_gbp, by_id["GRN-007"].baseline.npsv_gbp,
                    rtol=1e-9)
    assert json.loads(json.dumps(report.to_dict(), allow_nan=False))


def test_a_baseline_the_pack_cannot_read_still_tracks_spend(pack):
    doc = with_baseline(doc_of(solar()), pack)
    doc.projects[0]["baselines"][0]["project"]["category"] = "fusion"   # not in the pack
    actuals(doc, "PV-1", entry(2027, capex_gbp=1_100_000))
    (p,) = track(doc, pack, as_of="2028-01-31").projects
    assert p.reforecast is None and p.carbon_delivery_share is None
    assert any("no re-forecast" in n and "fusion" in n for n in p.notes)
    # docs/delivery.md 4: spend and overrun need only the frozen figures
    assert_allclose(p.overrun, 2_100_000 / 2_000_000 - 1, rtol=1e-12)
    assert p.status == "green"


def test_add_actual_checks_first_and_stores_the_canonical_form(pack):
    from appraisal.core.delivery import add_actual
    doc = doc_of(solar())
    with pytest.raises(InputError) as info:
        add_actual(doc, "PV-1", entry(2027, 0, capex_gbp=5), pack)
    assert {(p.project, p.field) for p in info.value.problems} == {("PV-1", "actuals[0].quarter")}
    assert "actuals" not in doc.projects[0]
    added = add_actual(doc, "PV-1", {"date": "2028-01-05", "year": 2027, "capex_gbp": 5}, pack)
    assert added.capex_gbp == 5 and added.quarter is None
    assert doc.projects[0]["actuals"] == [{"year": 2027, "quarter": None, "date": "2028-01-05",
                                           "source": "", "capex_gbp": 5}]


def test_amounts_before_the_deflator_table_are_refused(pack):
    first = min(pack.deflator)
    data = doc_of(solar(actuals=[entry(2027, capex_gbp=5, price_year=first - 1)])).data
    with pytest.raises(InputError) as info:
        parse_portfolio(data, pack)
    assert {(p.project, p.field) for p in info.value.problems} == {("PV-1", "actuals[0].price_year")}


def test_measured_as_appraised_after_comfort_taking_reforecasts_to_the_baseline(pack):
    """docs/delivery.md 6 and 7: a retrofit whose measured gas saving is the appraised
    one after comfort taking (and with outcome deadweight) is on profile: the
    comfort benefit stays as appraised, the energy is replaced like for like."""
    comfort = pack.categories["building_retrofit"].comfort_taking
    assert comfort and comfort > 0
    gas = -1_000_000.0
    p = solar(category="building_retrofit", benefit_deadweight=0.2,
              energy_changes=[{"fuel": "natural_gas", "quantity_per_year": gas}])
    doc = with_baseline(doc_of(p), pack)
    actuals(doc, "PV-1", entry(2027, capex_gbp=1_000_000), entry(2028, capex_gbp=1_000_000,
                                                                 operating_start="2029-01-01"),
            entry(2029, date="2030-01-15", energy_change={"natural_gas": gas * (1 - comfort)}))
    (t,) = track(doc, pack, as_of="2030-01-31").projects
    (fuel,) = t.fuels
    assert_allclose(fuel.appraised_in_measured_periods, gas * (1 - comfort), rtol=1e-12)
    assert_allclose(t.carbon_delivery_share, 1.0, rtol=1e-12)
    assert_allclose(t.reforecast.npsv_gbp, t.baseline.npsv_gbp, rtol=0, atol=1e-6)
    assert t.status == "green"


def test_four_quarters_read_as_their_year(pack):
    """docs/delivery.md 2: quarters add up to their year; the figures are the same."""
    annual = with_baseline(doc_of(solar()), pack)
    quarterly = copy.deepcopy(annual)
    actuals(annual, "PV-1", entry(2027, capex_gbp=1_200_000, public_funding_gbp=600_000),
            entry(2028, capex_gbp=900_000, operating_start="2029-01-01"),
            entry(2029, energy_change={"grid_electricity": 0.8 * Q}, opex_gbp=12_000,
                  date="2030-01-20"))
    split = (0.1, 0.2, 0.3, 0.4)
    actuals(quarterly, "PV-1",
            *(entry(2027, q + 1, date="2028-01-20", capex_gbp=1_200_000 * s,
                    public_funding_gbp=600_000 * s) for q, s in enumerate(split)),
            entry(2028, capex_gbp=900_000, operating_start="2029-01-01"),
            *(entry(2029, q + 1, date="2030-01-20", energy_change={"grid_electricity": 0.8 * Q * s},
                    opex_gbp=12_000 * s) for q, s in enumerate(split)))
    (a,) = track(annual, pack, as_of="2030-01-31").projects
    (b,) = track(quarterly, pack, as_of="2030-01-31").projects
    for key in ("capex_to_date_gbp", "forecast_capex_gbp", "overrun", "public_funding_to_date_gbp",
                "carbon_delivered_to_date_tco2e", "carbon_delivery_share"):
        assert_allclose(getattr(b, key), getattr(a, key), rtol=1e-12, err_msg=key)
    assert_allclose(b.reforecast.npsv_gbp, a.reforecast.npsv_gbp, rtol=1e-12)
    assert_allclose(a.overrun, 2_100_000 / 2_000_000 - 1, rtol=1e-12)
    assert_allclose(a.carbon_delivery_share, 0.8, rtol=1e-12)


def test_operation_is_inferred_from_measured_energy(pack):
    """docs/delivery.md 5: no start of operation reported, but 2029 Q2 measures a saving."""
    doc = with_baseline(doc_of(solar()), pack)
    actuals(doc, "PV-1", entry(2027, capex_gbp=1_000_000), entry(2028, capex_gbp=1_000_000),
            entry(2029, 1, date="2029-04-10", energy_change={"grid_electricity": 0.0}),
            entry(2029, 2, date="2029-07-10", energy_change={"grid_electricity": Q / 4}))
    (p,) = track(doc, pack, as_of="2029-07-31").projects
    assert p.actual_operating_start == dt.date(2029, 4, 1)
    assert_allclose(p.completion_slippage_months, 3.0, rtol=0, atol=1e-12)
    assert p.completion_slippage_is_minimum is False
    assert any("start of operation is not reported" in n for n in p.notes)
    # 3 months is not above the amber threshold of 3; Q1 measured nothing where the
    # appraisal expected Q/4, Q2 delivered Q/4: half of the appraised carbon
    assert p.status == "red" and len(p.reasons) == 1 and "50%" in p.reasons[0]


import functools

from hypothesis import given, settings
from hypothesis import strategies as st


@functools.lru_cache(maxsize=1)
def default_pack():
    """The pack, outside pytest's fixtures (hypothesis prints its arguments)."""
    return load_pack(default_pack_dir())


@settings(max_examples=25, deadline=None)
@given(amounts=st.lists(st.integers(0, 5_000_000), min_size=1, max_size=3),
       first=st.integers(2026, 2029), by_quarter=st.lists(st.booleans(), min_size=3, max_size=3),
       lifetime=st.integers(1, 30))
def test_actuals_on_profile_always_reforecast_to_the_baseline(amounts, first, by_quarter,
                                                              lifetime):
    """docs/delivery.md 7.3: whatever the profile, years or quarters, spending exactly
    the baseline leaves the re-forecast NPSV, BCR and gap contribution where they were."""
    pack = default_pack()
    capex = {str(first + k): float(v) for k, v in enumerate(amounts)}
    doc = with_baseline(doc_of(solar(capex=capex, lifetime_years=lifetime)), pack)
    entries = []
    for k, v in enumerate(amounts):
        y = first + k
        if by_quarter[k]:
            entries += [entry(y, q, date=f"{y + 1}-01-20", capex_gbp=v / 4) for q in (1, 2, 3, 4)]
        else:
            entries.append(entry(y, capex_gbp=float(v)))
    opened = first + len(amounts)       # METHOD.md 2: the year after the last capex year
    entries.append(entry(opened - 1, date=f"{opened}-01-25", operating_start=f"{opened}-01-01"))
    actuals(doc, "PV-1", *entries)
    (p,) = track(doc, pack, as_of=f"{opened}-01-31").projects
    assert p.completion_slippage_months == 0
    assert abs(p.overrun) < 1e-12 if sum(amounts) else p.overrun is None
    assert_allclose(p.reforecast.npsv_gbp, p.baseline.npsv_gbp, rtol=1e-12, atol=1e-6)
    assert_allclose(p.reforecast.gap_contribution_gbp, p.baseline.gap_contribution_gbp,
                    rtol=1e-12, atol=1e-6)
    if p.baseline.bcr is not None:
        assert_allclose(p.reforecast.bcr, p.baseline.bcr, rtol=1e-9)
