"""The figures of method version 2 on screen: the results panel, the dashboard, the ranking
and the assumptions page read back against the core's results (METHOD.md 3 to 6;
FORMAT.md 4)."""
from __future__ import annotations

import csv
import math
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from appraisal.core import load_pack
from appraisal.gui import formatting as fmt
from appraisal.gui.breakdown import BASIS_NAMES, pipeline_values
from appraisal.gui.dashboard import gap_detail, window_text
from appraisal.gui.models import SORT_ROLE
from appraisal.resources import default_pack_dir

# result key -> what the "What makes up the NPSV" list shows for it (the embodied carbon
# is a cost taken off the benefits, so it reads negative)
PV_LINES = {"pv_carbon_benefit_gbp": 1, "pv_energy_benefit_gbp": 1, "pv_comfort_gbp": 1,
            "pv_air_quality_gbp": 1, "pv_road_externalities_gbp": 1,
            "pv_other_economic_gbp": 1, "pv_residual_value_gbp": 1,
            "pv_embodied_carbon_cost_gbp": -1, "pv_benefits_gbp": 1, "pv_opex_gbp": 1,
            "pv_network_reinforcement_gbp": 1, "pv_costs_gbp": 1, "pv_costs_public_gbp": 1,
            "pv_costs_private_gbp": 1, "npsv_gbp": 1, "pv_indirect_tax_change_gbp": 1}


def metric(results, key: str, i: int) -> float | None:
    v = float(results.metrics[key][i])
    return v if math.isfinite(v) else None


def panel_texts(panel) -> list[str]:
    return [w.text() for w in panel.widget().findChildren(QLabel) if w.isVisibleTo(panel)]


@pytest.fixture
def panel(window):
    window.page_actions[1].trigger()
    return window.projects.results


def show(window, row: int):
    window.projects.select_row(row)
    window.doc.wait_for_results()
    return window.projects.results


def test_every_project_shows_both_bcrs_the_band_on_its_basis_and_each_pv_line(window, panel):
    doc = window.doc
    r = doc.results
    records = r.project_records()
    assert r.vfm_basis == "public"   # the default basis (METHOD.md 3, Value for money, v2)
    for row in range(len(doc.projects)):
        show(window, row)
        i = doc.result_index(row)
        rec = records[i]
        cards = panel.cards
        assert cards["bcr"].value.text() == fmt.ratio(rec["bcr"])
        assert cards["bcr_public"].value.text() == fmt.ratio(rec["bcr_public"])
        assert cards["vfm"].value.text() == (
            f"{fmt.vfm_badge(rec['vfm_category'])} on the funder BCR" if rec["vfm_category"]
            else "not defined: no funder BCR")
        assert cards["npsv_gbp"].detail.text() == \
            f"Exchequer {fmt.money(rec['pv_indirect_tax_change_gbp'])} (transfer, not in NPSV)"
        assert cards["carbon_saved_tco2e"].detail.text() == (
            f"direct {fmt.number(rec['carbon_saved_direct_tco2e'], 0)}, traded "
            f"{fmt.number(rec['carbon_saved_traded_tco2e'], 0)}")
        assert cards["net_additional_jobs_fte"].detail.text() == (
            f"construction {fmt.number(rec['net_construction_jobs_fte'], 1)}, operation "
            f"{fmt.number(rec['net_operational_jobs_fte'], 1)}")
        # each present value on its own line, read from the core's metrics
        for key, sign in PV_LINES.items():
            v = metric(r, key, i)
            assert panel.value_list.values[key].text() == fmt.money(None if v is None else sign * v), \
                (rec["id"], key)
        label = panel.value_list.labels["pv_indirect_tax_change_gbp"].text()
        assert "Exchequer" in label and "transfer" in label and "not in the NPSV" in label
        other = panel.other_list.values
        assert other["carbon_saved_direct_tco2e"].text() == \
            fmt.number(rec["carbon_saved_direct_tco2e"], 0, "tCO2e")
        assert other["carbon_saved_traded_tco2e"].text() == \
            fmt.number(rec["carbon_saved_traded_tco2e"], 0, "tCO2e")
        assert other["embodied_carbon_tco2e"].text() == \
            fmt.number(rec["embodied_carbon_tco2e"], 0, "tCO2e")
        assert other["net_construction_jobs_fte"].text() == \
            fmt.number(rec["net_construction_jobs_fte"], 1, "FTE")
        assert other["net_operational_jobs_fte"].text() == \
            fmt.number(rec["net_operational_jobs_fte"], 1, "FTE")
        # the PSDS-style test: pass, fail or not applicable, with the pack's threshold
        verdict = {True: "PASS", False: "FAIL", None: "not applicable"}[rec["psds_test_passed"]]
        assert cards["psds"].value.text() == verdict
        assert f"£{r.public_carbon_cost_threshold:,.0f}" in cards["psds"].detail.text()
        # the OB delay only where there is one
        labels = panel.other_list.labels
        shown = "ob_delay_years" in labels and labels["ob_delay_years"].isVisibleTo(panel)
        assert shown is ((rec["ob_delay_years"] or 0) > 0)
        # the BCR is never a pass or fail test: no project is called failed
        assert not any("failed" in t.lower() for t in panel_texts(panel))
        assert "FAIL" not in cards["vfm"].value.text() + cards["bcr_public"].value.text()


def test_a_duration_delay_shows_in_years(window, panel):
    doc = window.doc
    row = [p["id"] for p in doc.projects].index("H2-008")
    doc.set_field(row, ("business_case_stage",), "soc", "stage")
    doc.wait_for_results()
    show(window, row)
    i = doc.result_index(row)
    delay = metric(doc.results, "ob_delay_years", i)
    # equipment/development: duration upper bound 54% over its capex years, no mitigation at
    # the strategic outline case (METHOD.md 3): floor(0.54 * n + 0.5) >= 1 for n >= 1
    assert delay is not None and delay >= 1
    line = panel.other_list
    assert line.labels["ob_delay_years"].isVisibleTo(panel)
    assert line.values["ob_delay_years"].text() == f"{delay:.0f} year{'s' * (delay != 1)}"


def test_a_moved_band_shows_the_band_before_and_the_reason(window, panel):
    doc = window.doc
    r = doc.results
    # a project whose band can move up
    row = next(k for k in range(len(doc.projects))
               if r.project_records()[doc.result_index(k)]["vfm_category"] not in (None, "very high"))
    reason = "Biodiversity and shade in heatwaves are not monetised"
    doc.set_field(row, ("vfm_adjustment_reason",), reason, "reason")
    doc.set_field(row, ("vfm_adjustment",), 1, "adjustment")
    doc.wait_for_results()
    show(window, row)
    rec = doc.results.project_records()[doc.result_index(row)]
    assert rec["vfm_category"] != rec["vfm_category_unadjusted"]
    assert panel.cards["vfm"].value.text() == f"{fmt.vfm_badge(rec['vfm_category'])} on the funder BCR"
    assert panel.cards["vfm"].detail.text() == (
        f"{fmt.vfm_badge(rec['vfm_category_unadjusted'])} before a move up one band for "
        f"non-monetised impacts: {reason}")
    # the ranking's band is the adjusted one, its tooltip says the rest
    model = window.model
    col = [c.key for c in model.columns].index("vfm")
    assert model.index(row, col).data() == fmt.vfm_badge(rec["vfm_category"])
    assert reason in model.index(row, col).data(Qt.ItemDataRole.ToolTipRole)


def test_the_ranking_has_the_funder_bcr_and_the_band_on_its_basis(window, qtmodeltester):
    model = window.model
    qtmodeltester.check(model)
    doc, r = window.doc, window.doc.results
    records = r.project_records()
    keys = [c.key for c in model.columns]
    titles = [c.title for c in model.columns]
    assert "Social BCR" in titles and "Funder BCR" in titles and "Exchequer" in titles
    for row in range(model.rowCount()):
        rec = records[doc.result_index(row)]
        cell = {k: model.index(row, c) for c, k in enumerate(keys)}
        assert cell["bcr_public"].data() == fmt.ratio(rec["bcr_public"])
        assert cell["bcr"].data() == fmt.ratio(rec["bcr"])
        assert cell["vfm"].data() == fmt.vfm_badge(rec["vfm_category"])
        assert cell["carbon_saved_direct_tco2e"].data() == fmt.number(rec["carbon_saved_direct_tco2e"])
        assert cell["carbon_saved_traded_tco2e"].data() == fmt.number(rec["carbon_saved_traded_tco2e"])
        assert cell["pv_indirect_tax_change_gbp"].data() == fmt.money(rec["pv_indirect_tax_change_gbp"])
        assert cell["psds"].data() == {True: "PASS", False: "FAIL", None: "n/a"}[rec["psds_test_passed"]]
        # the pack's label, never the category's code
        assert cell["category"].data() == doc.pack.categories[rec["category"]].label
        assert cell["category"].data(SORT_ROLE) == doc.pack.categories[rec["category"]].label.lower()


def test_the_dashboard_totals_show_both_bcrs_and_the_band_with_its_basis(window):
    window.page_actions[0].trigger()
    dash = window.dashboard
    r = window.doc.results
    port = r.portfolio_record()
    t = pipeline_values(r)
    assert dash.cards["bcr"].value.text() == fmt.ratio(port["bcr"])
    assert dash.cards["bcr_public"].value.text() == fmt.ratio(port["bcr_public"])
    assert dash.cards["vfm"].value.text() == fmt.vfm_badge(port["vfm_category"])
    assert dash.cards["vfm"].detail.text() == f"on the {BASIS_NAMES[port['vfm_basis']]}"
    assert dash.cards["npsv_gbp"].detail.text() == \
        f"Exchequer {fmt.money(port['pv_indirect_tax_change_gbp'])} (a transfer)"
    assert dash.cards["carbon_saved_tco2e"].detail.text() == (
        f"direct {fmt.number(t['carbon_saved_direct_tco2e'], 0)}, traded "
        f"{fmt.number(t['carbon_saved_traded_tco2e'], 0)}")
    gap = port["gap"]
    for bar, s in zip(dash.gap_bars, gap["sectors"].values()):
        assert bar.label.text() == f"{s['label']}  ({s['window'][0]}-{s['window'][1]})"
        assert bar.detail.text() == gap_detail(s)
    note = fmt.plain(r.pack_quality_note)     # the pack's tables by title (breakdown.pack_note)
    assert note and note[:1].upper() + note[1:] == dash.provenance.toolTip()
    assert "rows are not official" in dash.provenance.text()


def test_the_gap_progress_uses_each_sectors_own_window(window, tmp_path):
    """A pack whose sectors have different windows (METHOD.md 6, v2): each bar says its own,
    and the total has no single window or annual figures (METHOD.md 10.18)."""
    folder = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), folder)
    path = folder / "investment_gap.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["first_year"], rows[0]["last_year"] = "2020", "2022"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    pack = load_pack(folder)
    window.doc.set_pack(pack)
    window.doc.wait_for_results()
    window.page_actions[0].trigger()
    dash = window.dashboard
    gap = window.doc.results.gap()
    assert gap["window"] is None
    windows = [s["window"] for s in gap["sectors"].values()]
    assert windows[0] == [2020, 2022] and windows[1] != windows[0]
    labels = [bar.label.text() for bar in dash.gap_bars]
    for text, s in zip(labels, gap["sectors"].values()):
        assert f"({s['window'][0]}-{s['window'][1]})" in text
    assert labels[len(gap["sectors"])] == "All sectors  (windows differ by sector)"
    total = dash.gap_bars[len(gap["sectors"])].detail.text()
    assert "a year" not in total   # no annual figures without one window
    assert "windows differ by sector" in dash.gap_note.text()
    assert window_text(None) == "windows differ by sector"


def test_the_assumptions_page_shows_words_percentages_and_the_rows_not_official(window):
    window.page_actions[2].trigger()
    view = window.assumptions
    pack = window.doc.pack
    summary = fmt.plain(pack.flagged_summary())      # its tables by title
    assert view.quality.text() == "⚠ " + summary[:1].upper() + summary[1:] + "."

    def open_table(name):
        for row in range(view.list.count()):
            if view.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                view.list.setCurrentRow(row)
                return view.model
        raise AssertionError(name)

    model = open_table("discount_schedules.csv")
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[0] == "Quality" and "Rate" in headers and "rate" not in headers
    rate = headers.index("Rate")
    table = pack.tables["discount_schedules.csv"]
    raw = [row[table.columns.index("rate")] for row in table.rows]
    shown = [model.index(r, rate).data() for r in range(model.rowCount())]
    assert "0.035" in raw and shown[raw.index("0.035")] == "3.5%"
    for text, value in zip(shown, raw):
        assert text == f"{float(value) * 100:.4g}%"

    model = open_table("emission_factors.csv")
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "kg CO2e per unit" in headers and "kgco2e_per_unit" not in headers
    assert headers[-1] == "Source"
    table = pack.tables["emission_factors.csv"]
    flagged = set(table.flagged_rows())
    assert flagged and len(flagged) < len(table.rows)   # some official, some not
    for r in range(model.rowCount()):
        text = model.index(r, 0).data()
        tip = model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole)
        if r in flagged:
            assert text.startswith("⚠ " + table.quality_of(r)) and "Source:" in tip
            assert model.index(r, 2).data(Qt.ItemDataRole.BackgroundRole) is not None
        else:
            assert text == "official"
            assert model.index(r, 2).data(Qt.ItemDataRole.BackgroundRole) is None

    model = open_table("parameters.csv")
    table = pack.tables["parameters.csv"]
    names = [row[0] for row in table.rows]
    value = [c for c in range(model.columnCount()) if model.column_name(c) == "value"][0]
    assert model.index(names.index("deflator_forecast_growth"), value).data() == "2%"
    assert model.index(names.index("public_carbon_cost_threshold"), value).data() == "510"


# -- issue 9: a BCR agrees with its band; the checks in words ---------------------------------
def test_a_bcr_beside_its_band_never_rounds_into_the_next_band(window, panel, monkeypatch):
    doc = window.doc
    show(window, 0)
    r, i = doc.results, doc.result_index(0)
    for key in ("bcr", "bcr_public"):
        r.metrics[key][i] = 1.4994          # LOW: "1.50" would read MEDIUM
    if "vfm_adjustment" in r.metrics:
        r.metrics["vfm_adjustment"][i] = 0
    panel.refresh()
    assert panel.cards["bcr"].value.text() == "1.499"
    assert panel.cards["bcr_public"].value.text() == "1.499"
    assert panel.cards["vfm"].value.text().startswith("LOW")

    # the dashboard's totals, through the same function
    totals = r.totals
    monkeypatch.setattr(r, "totals", lambda: {**totals(), "bcr": 1.99999, "bcr_public": 3.9996})
    window.page_actions[0].trigger()
    window.dashboard.refresh()
    assert window.dashboard.cards["bcr"].value.text() == "1.9999"
    assert window.dashboard.cards["bcr_public"].value.text() == "3.9996"
    assert window.dashboard.cards["vfm"].value.text() == "HIGH"


def test_the_checks_show_the_cores_warnings_and_errors_in_words(window, panel):
    doc = window.doc
    row = [p["id"] for p in doc.projects].index("PV-009")
    show(window, row)

    def checks() -> list[str]:
        return [panel.checks.item(k).text() for k in range(panel.checks.count())]

    label = doc.pack.categories["renewable_generation"].label
    texts = checks()
    assert any(f"Category '{label}' is in no investment-gap sector" in t for t in texts), texts
    assert any("Emission factors for grid electricity end in" in t for t in texts), texts
    assert any("no air-quality damage costs table" in t for t in texts), texts
    for code in ("renewable_generation", "grid_electricity", "air_quality", "_"):
        assert not any(code in t for t in texts), (code, texts)

    doc.project(row)["lifetime_years"] = -3    # as an opened file may have it (the editor refuses it)
    doc._project_changed(row)
    doc.wait_for_results()
    texts = checks()
    assert any(t.startswith("✖ Error in lifetime:") for t in texts), texts
    assert not any("lifetime_years" in t for t in texts), texts


def test_the_assumptions_page_shows_codes_in_words(window):
    window.page_actions[2].trigger()
    view = window.assumptions
    pack = window.doc.pack
    assert ".csv" not in view.quality.text()        # "GDP deflator 36/36", not the file

    def open_table(name):
        for row in range(view.list.count()):
            if view.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                view.list.setCurrentRow(row)
                return view.model
        raise AssertionError(name)

    def column(model, name):
        c = [c for c in range(model.columnCount()) if model.column_name(c) == name][0]
        return [model.index(r, c).data() for r in range(model.rowCount())], c

    model = open_table("emission_factors.csv")
    fuels, _ = column(model, "fuel")
    assert "Natural gas" in fuels and "Grid electricity" in fuels and "natural_gas" not in fuels
    assert set(column(model, "traded")[0]) <= {"Yes", "No"}

    model = open_table("categories.csv")
    types, _ = column(model, "ob_project_type")
    assert "Standard buildings" in types and "standard_buildings" not in types
    sectors, _ = column(model, "gap_sector")
    assert {g.label for g in pack.investment_gap.values()} & set(sectors)
    codes, c = column(model, "category")        # the code the portfolio file uses, so headed
    assert "heat_pumps" in codes and model.headerData(c, Qt.Orientation.Horizontal) == "Category code"

    model = open_table("optimism_bias.csv")
    assert "Standard civil engineering" in column(model, "project_type")[0]
    assert view.note.isVisible() and "Optimism bias" in view.note.text()

    model = open_table("additionality.csv")
    levels, c = column(model, "spatial_level")
    assert levels == ["Neighbourhood", "Local", "Sub-regional", "Regional"]
    tip = model.index(levels.index("Local"), c).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Local: the local authority's area") and "additionality" in tip
    assert view.note.isVisible() and "Sub-regional: a city region" in view.note.text()

    model = open_table("parameters.csv")
    names, _ = column(model, "name")
    assert "Network reinforcement cost per kW" in names and "Deflator forecast growth" in names
    model = open_table("ob_stage_mitigation.csv")
    assert column(model, "stage")[0][0] == "Strategic outline case (SOC)"
    model = open_table("readiness_weights.csv")
    assert "Planning consent in place" in column(model, "criterion")[0]
    assert view.schedule.itemText(view.schedule.findData("standard")) == "Standard (STPR)"

    # no cell of any table reads as a code, but the code columns and the sources
    import re
    for name in pack.tables:
        model = open_table(name)
        for c in range(1, model.columnCount()):
            if model.column_name(c) == "source" or \
                    model.headerData(c, Qt.Orientation.Horizontal).endswith("code"):
                continue
            for r in range(model.rowCount()):
                text = model.index(r, c).data() or ""
                assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text), (name, c, text)


def test_the_switching_values_name_their_drivers_in_words(window, panel, qtbot):
    show(window, 0)
    qtbot.waitUntil(lambda: panel.switching.rowCount() > 0, timeout=20_000)
    drivers = [panel.switching.item(r, 0).text() for r in range(panel.switching.rowCount())]
    assert "Construction jobs per £1m" in drivers
    assert not any("GBP" in d or "_" in d for d in drivers), drivers
