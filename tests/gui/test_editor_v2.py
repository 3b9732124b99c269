"""The editor's inputs for method version 2 (issue 8), percentages and amounts as
people type them, and codes shown in words (issue 9).

Every edit goes through the document's undo stack; where an edit changes the
figures, the window's figure is compared with :func:`appraisal.core.appraise_portfolio`
run on the same edit of a copy of the portfolio (rtol 1e-12).
"""
from __future__ import annotations

import copy
import re
import shutil

import pytest
from numpy.testing import assert_allclose
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QLabel, QLineEdit, QPlainTextEdit,
                               QTableWidget, QWidget)

from appraisal.core.pack import load_pack
from appraisal.gui.document import SetProjectField, get_path
from appraisal.resources import default_pack_dir

V2_FIELDS = [("energy_sector",), ("benefit_deadweight",), ("comfort_taking",), ("car_km_removed",),
             ("added_peak_kw",), ("residual_value",), ("asset_life_years",),
             ("business_case_stage",), ("vfm_adjustment",), ("vfm_adjustment_reason",),
             ("vat_recoverable",), ("promoter_public",), ("notes",)]
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")     # lifetime_years, natural_gas, ...


# -- helpers ------------------------------------------------------------------------------

def row_of(window, pid: str) -> int:
    return [p["id"] for p in window.doc.projects].index(pid)


def open_project(window, pid: str):
    row = row_of(window, pid)
    window.projects.select_row(row)
    editor = window.projects.editor
    assert editor.row == row
    return editor, row


def field(editor, *path):
    (f,) = [f for f in editor.fields if f.path == tuple(path)]
    return f


def commit(f, text: str) -> None:
    """Type ``text`` into a line edit or text area and leave it (editingFinished)."""
    if isinstance(f.widget, QPlainTextEdit):
        f.widget.setPlainText(text)
    else:
        f.widget.setText(text)
    f.widget.editingFinished.emit()


def choose(f, data) -> None:
    """Choose the item of a combo box whose data is ``data``, as a user does."""
    box: QComboBox = f.widget
    k = box.findData(data)
    assert k >= 0, f"{f.label}: no item for {data!r}"
    box.setCurrentIndex(k)
    box.activated.emit(k)


def metric(window, row: int, key: str) -> float:
    doc = window.doc
    doc.wait_for_results()
    return float(doc.results.metrics[key][doc.result_index(row)])


def core_metric(window, appraise, row: int, key: str) -> float:
    return float(appraise(window.doc.portfolio.data, window.doc.pack).metrics[key][row])


def set_cell(table: QTableWidget, r: int, c: int, text: str) -> None:
    item = table.item(r, c)
    assert item is not None, f"no cell ({r}, {c})"
    item.setText(text)                    # as a user types into the cell


def editor_texts(editor) -> list[str]:
    """Everything the editor shows in words: labels, buttons, combo items, table headings."""
    out = []
    for w in editor.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, (QLineEdit, QPlainTextEdit)):
            out.append(w.placeholderText())
        if isinstance(w, QTableWidget):
            out += [w.horizontalHeaderItem(c).text() for c in range(w.columnCount())]
    return out


# -- issue 8: a control for every v2 input ---------------------------------------------------

def test_every_v2_input_has_a_control_with_a_tooltip(window):
    editor, _ = open_project(window, "HP-001")
    for path in V2_FIELDS:
        f = field(editor, *path)
        assert f.widget.toolTip(), f"{f.label}: no tooltip"
        assert f.widget.accessibleName() or isinstance(f.widget, QAbstractButton)
    headers = [editor.grid.horizontalHeaderItem(c).text().replace("\n", " ")
               for c in range(editor.grid.columnCount())]
    assert headers == ["Year", "Capex (£)", "Public funding (£)", "Would be spent anyway (£)"]
    assert editor.renewals.columnCount() == 3 and editor.tariffs.columnCount() == 2
    assert "Discounting" in [editor.benefits.horizontalHeaderItem(c).text()
                             for c in range(editor.benefits.columnCount())]


def test_energy_sector_in_words_with_the_categorys_default(window, appraise):
    editor, row = open_project(window, "RET-010")      # commercial, against its category
    sector = field(editor, "energy_sector")
    box: QComboBox = sector.widget
    assert box.currentText() == "Commercial and public"
    assert box.itemData(0) is None and box.itemText(0) == "The category's: Domestic"
    assert [box.itemText(i) for i in range(1, box.count())] == [
        "Domestic", "Commercial and public", "Industrial", "Transport"]
    choose(sector, None)
    assert "energy_sector" not in window.doc.project(row) or window.doc.project(row)["energy_sector"] is None
    assert window.doc.undo_stack.undoText() == "Change sector of the energy used of RET-010"
    assert_allclose(metric(window, row, "npsv_gbp"), core_metric(window, appraise, row, "npsv_gbp"),
                    rtol=1e-12)
    window.a_undo.trigger()
    assert window.doc.project(row)["energy_sector"] == "commercial"
    assert box.currentText() == "Commercial and public"
    # the default follows the category
    choose(field(editor, "category"), "ev_charging")
    assert box.itemText(0) == "The category's: Transport"


def test_business_case_stage_in_words_and_its_mitigation_as_the_default(window, appraise):
    editor, row = open_project(window, "RET-002")      # OBC, no mitigation of its own
    stage = field(editor, "business_case_stage")
    assert stage.widget.currentText() == "Outline business case (OBC)"
    assert [stage.widget.itemText(i) for i in range(stage.widget.count())][1:] == [
        "Strategic outline case (SOC)", "Outline business case (OBC)", "Full business case (FBC)"]
    mitigation = field(editor, "ob_mitigation")
    assert mitigation.widget.text() == ""
    assert mitigation.widget.placeholderText().startswith("37.5% (")
    assert "outline business case" in mitigation.widget.placeholderText()
    choose(stage, "fbc")
    assert window.doc.project(row)["business_case_stage"] == "fbc"
    assert mitigation.widget.placeholderText().startswith("75% (")
    ob = field(editor, "optimism_bias").widget.placeholderText()
    expected_ob = core_metric(window, appraise, row, "optimism_bias")
    assert ob.startswith(f"{expected_ob * 100:.4g}%"), ob
    assert_allclose(metric(window, row, "optimism_bias"), expected_ob, rtol=1e-12)


def test_a_new_project_takes_its_stages_mitigation(window, appraise):
    doc = window.doc
    window.projects.add_project()
    row = len(doc.projects) - 1
    assert doc.project(row)["ob_mitigation"] is None       # so that a stage's mitigation applies
    editor = window.projects.editor
    assert editor.row == row
    choose(field(editor, "business_case_stage"), "obc")
    upper = doc.pack.optimism_bias[doc.pack.categories["other"].ob_project_type]["capex_upper"]
    assert_allclose(metric(window, row, "optimism_bias"), upper * (1 - 0.375), rtol=1e-12)


def test_vfm_adjustment_in_words_needs_a_reason_named_in_words(window):
    editor, row = open_project(window, "HP-001")
    adj = field(editor, "vfm_adjustment")
    assert [adj.widget.itemText(i) for i in range(adj.widget.count())] == [
        "No adjustment (0)", "Up one band (+1)", "Down one band (-1)"]
    assert adj.widget.currentText() == "No adjustment (0)"
    choose(adj, 1)
    assert window.doc.project(row)["vfm_adjustment"] == 1
    text = editor.error_label.text()
    assert "Reason for the adjustment" in text, text
    assert "vfm_adjustment" not in text and not SNAKE_CODE.search(text), text
    commit(field(editor, "vfm_adjustment_reason"), "Biodiversity gain not monetised")
    assert window.doc.project(row)["vfm_adjustment_reason"] == "Biodiversity gain not monetised"
    assert editor.error_label.text() == ""
    window.doc.wait_for_results()
    assert window.doc.result_index(row) is not None


def test_comfort_taking_only_for_categories_the_pack_flags(window, tmp_path):
    editor, row = open_project(window, "RET-002")
    comfort = field(editor, "comfort_taking")
    assert comfort.widget.isEnabled()
    assert comfort.widget.placeholderText().startswith("15% (")
    commit(comfort, "20")
    assert window.doc.project(row)["comfort_taking"] == pytest.approx(0.2)
    # a pack that does not flag heat pumps (an empty comfort_taking cell)
    folder = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), folder)
    csv = folder / "categories.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    k = head.index("comfort_taking")
    lines = [(",".join(ln.split(",")[:k] + [""] + ln.split(",")[k + 1:])
              if ln.startswith("heat_pumps,") else ln) for ln in lines]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pack = load_pack(folder)
    assert pack.categories["heat_pumps"].comfort_taking is None
    window.doc.set_pack(pack)
    open_project(window, "HP-001")
    assert not comfort.widget.isEnabled()
    assert "does not" in comfort.widget.toolTip()
    open_project(window, "RET-002")
    assert comfort.widget.isEnabled()


def test_benefit_deadweight_shows_the_categorys_default_and_takes_a_percentage(window, appraise):
    editor, row = open_project(window, "EV-003")
    dw = field(editor, "benefit_deadweight")
    assert dw.widget.text() == "40%"
    commit(dw, "")
    assert get_path(window.doc.project(row), ("benefit_deadweight",)) is None
    assert dw.widget.placeholderText().startswith("0% (")
    commit(dw, "25%")
    assert window.doc.project(row)["benefit_deadweight"] == pytest.approx(0.25)
    assert_allclose(metric(window, row, "npsv_gbp"), core_metric(window, appraise, row, "npsv_gbp"),
                    rtol=1e-12)


def test_counterfactual_capex_is_a_column_of_the_year_grid(window, appraise):
    editor, row = open_project(window, "HP-001")
    doc = window.doc
    years = sorted(doc.project(row)["capex"])
    grid = editor.grid
    assert [grid.cell_text(r, 0) for r in range(grid.rowCount())] == years
    cf = doc.project(row)["counterfactual_capex"]
    assert grid.cell_text(0, 3) == f"{cf[years[0]]:,.0f}"
    before = copy.deepcopy(doc.portfolio.data)
    set_cell(grid, 0, 3, "£0.6m")
    assert doc.project(row)["counterfactual_capex"][years[0]] == 600_000
    assert doc.undo_stack.undoText() == "Change capex and funding of HP-001"
    assert_allclose(metric(window, row, "npsv_gbp"), core_metric(window, appraise, row, "npsv_gbp"),
                    rtol=1e-12)
    window.a_undo.trigger()
    assert doc.portfolio.data == before


def test_renewals_table_adds_types_and_undoes(window, appraise):
    editor, row = open_project(window, "HP-001")
    doc = window.doc
    assert editor.renewals.rowCount() == 0
    editor.add_renewal()
    assert doc.project(row)["renewals"] == [{"label": "New renewal", "cost": 0, "every_years": 10}]
    t = editor.renewals
    set_cell(t, 0, 0, "Heat pump compressors")
    set_cell(t, 0, 1, "GBP 150k")
    set_cell(t, 0, 2, "15")
    assert doc.project(row)["renewals"] == [
        {"label": "Heat pump compressors", "cost": 150_000, "every_years": 15}]
    assert_allclose(metric(window, row, "npsv_gbp"), core_metric(window, appraise, row, "npsv_gbp"),
                    rtol=1e-12)
    set_cell(t, 0, 2, "every year")
    assert "Renewal 1" in editor.error_label.text()
    assert doc.project(row)["renewals"][0]["every_years"] == 15
    n = doc.undo_stack.count()
    window.a_undo.trigger()
    assert doc.undo_stack.count() == n and doc.project(row)["renewals"][0]["cost"] == 150_000


def test_residual_value_and_asset_life(window, appraise):
    editor, row = open_project(window, "BUS-005")
    life = field(editor, "asset_life_years")
    assert life.widget.text() == str(window.doc.project(row)["asset_life_years"])
    commit(life, "50")
    commit(field(editor, "residual_value"), "£2.5m")
    assert window.doc.project(row)["residual_value"] == 2_500_000
    assert window.doc.project(row)["asset_life_years"] == 50
    assert_allclose(metric(window, row, "pv_residual_value_gbp"),
                    core_metric(window, appraise, row, "pv_residual_value_gbp"), rtol=1e-12)


def test_tariffs_per_fuel_in_words(window, appraise):
    editor, row = open_project(window, "BUS-004")
    doc = window.doc
    t = editor.tariffs
    assert t.rowCount() == len(doc.project(row)["tariffs"])
    box = t.cellWidget(0, 0)
    assert isinstance(box, QComboBox) and box.currentText() == "Diesel (litre)"
    assert t.item(0, 1).text() == "1.36"
    set_cell(t, 0, 1, "£1.40")
    assert doc.project(row)["tariffs"]["diesel"] == pytest.approx(1.40)
    editor.add_tariff()
    assert len(doc.project(row)["tariffs"]) == 3
    assert_allclose(metric(window, row, "financial_npv_gbp"),
                    core_metric(window, appraise, row, "financial_npv_gbp"), rtol=1e-12)


def test_car_km_removed_per_year_or_by_year(window, appraise):
    editor, row = open_project(window, "BUS-005")
    doc = window.doc
    editor.open_section("What would happen anyway, and wider effects")
    km = field(editor, "car_km_removed")
    assert km.widget.text() == "1,100,000"
    commit(km, "1.2m")
    assert doc.project(row)["car_km_removed"] == 1_200_000
    editor.set_car_km_by_year(True)
    assert isinstance(doc.project(row)["car_km_removed"], dict)
    assert not km.widget.isVisible() and editor.car_km_grid.isVisible()
    editor.car_km_grid.setCurrentCell(0, 0)
    editor.car_km_grid.paste("2030\t500,000\n2031\t900k\n")
    assert doc.project(row)["car_km_removed"] == {"2030": 500_000, "2031": 900_000}
    assert_allclose(metric(window, row, "pv_road_externalities_gbp"),
                    core_metric(window, appraise, row, "pv_road_externalities_gbp"), rtol=1e-12)
    editor.set_car_km_by_year(False)
    assert doc.project(row)["car_km_removed"] is None and km.widget.isVisible()
    window.a_undo.trigger()
    assert doc.project(row)["car_km_removed"] == {"2030": 500_000, "2031": 900_000}


def test_added_peak_kw_vat_promoter(window):
    editor, row = open_project(window, "HP-001")
    doc = window.doc
    commit(field(editor, "added_peak_kw"), "1,850")
    assert doc.project(row)["added_peak_kw"] == 1850
    vat = field(editor, "vat_recoverable").widget
    assert vat.isChecked()                       # the default, though the file leaves it out
    vat.click()
    assert doc.project(row)["vat_recoverable"] is False
    assert doc.undo_stack.undoText() == "Change VAT recovery of HP-001"
    promoter = field(editor, "promoter_public").widget
    assert promoter.isChecked()
    promoter.click()
    assert doc.project(row)["promoter_public"] is False


def test_benefit_discounting_standard_or_health(window):
    editor, row = open_project(window, "GRN-007")
    t = editor.benefits
    col = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())].index("Discounting")
    boxes = [t.cellWidget(r, col) for r in range(t.rowCount())]
    assert [b.currentText() for b in boxes] == ["Standard", "Health", "Standard"]
    boxes[0].setCurrentIndex(boxes[0].findData("health"))
    boxes[0].activated.emit(boxes[0].currentIndex())
    assert window.doc.project(row)["other_benefits"][0]["discounting"] == "health"
    kinds = t.cellWidget(0, 1)
    assert [kinds.itemText(i) for i in range(kinds.count())] == ["Economic", "Revenue"]


def test_readiness_points_are_the_packs(window):
    editor, _ = open_project(window, "HP-001")
    weights = window.doc.pack.readiness_weights
    consent = field(editor, "readiness", "planning_consent").widget
    assert consent.text() == f"Planning consent granted ({weights['planning_consent']:g} points)"


def test_notes_are_free_text_committed_when_leaving(window, qtbot):
    editor, row = open_project(window, "HP-001")
    notes = field(editor, "notes")
    assert notes.widget.toPlainText() == window.doc.project(row)["notes"]
    notes.widget.setPlainText("Checked with the housing team.\nSecond line.")
    notes.commit()
    assert window.doc.project(row)["notes"] == "Checked with the housing team.\nSecond line."
    assert window.doc.undo_stack.undoText() == "Change notes of HP-001"
    assert notes.widget.tabChangesFocus()


# -- issue 9: percentages ------------------------------------------------------------------------

@pytest.mark.parametrize("typed, value", [("70", 0.7), ("70%", 0.7), ("70 %", 0.7), ("0.7%", 0.007),
                                          ("100", 1.0), ("0", 0.0)])
def test_a_percentage_field_reads_per_cent(window, typed, value):
    editor, row = open_project(window, "HP-001")
    share = field(editor, "public_funding_share")
    commit(share, typed)
    assert share.widget.property("error") == ""
    assert window.doc.project(row)["public_funding_share"] == pytest.approx(value, abs=1e-15)
    assert share.widget.text() == f"{value * 100:g}%"   # shown back as a percentage


def test_more_than_100_per_cent_is_refused_in_per_cent(window):
    editor, row = open_project(window, "HP-001")
    share = field(editor, "public_funding_share")
    before = window.doc.project(row)["public_funding_share"]
    commit(share, "150%")
    assert share.widget.property("error") == "Public funding share of capex: 150% is more than 100%"
    assert window.doc.project(row)["public_funding_share"] == before
    commit(share, "150")
    assert share.widget.property("error") == "Public funding share of capex: 150% is more than 100%"


def test_a_bare_number_below_1_is_shown_back_as_a_percentage(window, qtbot):
    editor, row = open_project(window, "HP-001")
    share = field(editor, "public_funding_share")
    share.widget.setFocus()
    share.widget.selectAll()
    qtbot.keyClicks(share.widget, "0.7")
    # while typing, before any commit, the note says how the number will be read
    assert not share.note.isHidden() and share.note.text() == \
        "read as 70%; type 0.7% for 0.7 per cent"
    qtbot.keyClick(share.widget, Qt.Key.Key_Return)
    assert window.doc.project(row)["public_funding_share"] == pytest.approx(0.7)
    assert share.widget.text() == "70%"
    assert not share.note.isHidden()
    share.widget.selectAll()
    qtbot.keyClicks(share.widget, "65")
    assert share.note.isHidden()


def test_every_percentage_field_shows_per_cent(window):
    editor, _ = open_project(window, "RET-002")
    percent = [f for f in editor.fields if f.kind == "percent"]
    assert {f.path for f in percent} >= {
        ("public_funding_share",), ("optimism_bias",), ("ob_mitigation",), ("benefit_deadweight",),
        ("comfort_taking",), ("additionality", "deadweight"), ("additionality", "leakage"),
        ("additionality", "displacement"), ("additionality", "substitution")}
    for f in percent:
        assert f.unit == "%", f.label
        assert f.widget.text() == "" or f.widget.text().endswith("%"), f.label
        assert f.widget.placeholderText() == "" or "%" in f.widget.placeholderText(), f.label


# -- issue 9: amounts and energy with units --------------------------------------------------------

@pytest.mark.parametrize("typed", ["1.2m", "GBP 1.2m", "£1,200,000", "1200k"])
def test_money_accepts_units(window, typed):
    editor, row = open_project(window, "HP-001")
    commit(field(editor, "opex_per_year"), typed)
    assert window.doc.project(row)["opex_per_year"] == pytest.approx(1_200_000)


def test_energy_changes_in_the_fuels_unit(window):
    editor, row = open_project(window, "HP-001")
    doc = window.doc
    t = editor.energy
    fuels = [t.cellWidget(r, 0).currentText() for r in range(t.rowCount())]
    assert fuels == ["Natural gas (kWh)", "Grid electricity (kWh)"]
    set_cell(t, 0, 1, "-300 MWh")
    assert doc.project(row)["energy_changes"][0]["quantity_per_year"] == pytest.approx(-300_000)
    set_cell(t, 1, 1, "0.3 GWh")
    assert doc.project(row)["energy_changes"][1]["quantity_per_year"] == pytest.approx(300_000)
    editor2, row2 = open_project(window, "EV-003")
    t = editor2.energy
    petrol = [t.cellWidget(r, 0).currentData() for r in range(t.rowCount())].index("petrol")
    set_cell(t, petrol, 1, "-1,200 litres")
    assert doc.project(row2)["energy_changes"][petrol]["quantity_per_year"] == -1200
    set_cell(t, petrol, 1, "-300 MWh")          # not a volume
    assert "litre" in editor2.error_label.text() or "volume" in editor2.error_label.text()
    assert doc.project(row2)["energy_changes"][petrol]["quantity_per_year"] == -1200


def test_parse_number_still_reads_amounts_for_other_pages():
    from appraisal.gui.editor import parse_number
    assert parse_number("£1.2m") == pytest.approx(1_200_000)
    assert parse_number("") is None
    with pytest.raises(ValueError):
        parse_number("lots")


# -- issue 9: codes in words ---------------------------------------------------------------------------

def test_choices_are_words_with_the_spatial_levels_explained(window):
    editor, _ = open_project(window, "HP-001")
    category = field(editor, "category").widget
    assert [category.itemText(i) for i in range(category.count())] == [
        c.label for c in window.doc.pack.categories.values()]
    ob_type = field(editor, "ob_project_type").widget
    assert "Standard buildings" in [ob_type.itemText(i) for i in range(ob_type.count())]
    level = field(editor, "spatial_level").widget
    assert [level.itemText(i) for i in range(level.count())] == [
        "Neighbourhood", "Local", "Sub-regional", "Regional"]
    for word in ("neighbourhood", "local authority", "sub-regional", "region", "leakage",
                 "displacement"):
        assert word in level.toolTip().lower(), word
    assert level.itemData(0, Qt.ItemDataRole.ToolTipRole)


def test_no_code_is_shown_in_the_editor(window):
    for pid in ("HP-001", "EV-003", "BUS-004", "CYC-006", "GRN-007"):
        editor, _ = open_project(window, pid)
        shown = [t for t in editor_texts(editor) if SNAKE_CODE.search(t)]
        assert not shown, f"{pid}: codes shown: {shown}"


def test_error_messages_name_fields_in_words(window):
    editor, row = open_project(window, "HP-001")
    commit(field(editor, "lifetime_years"), "twenty")
    text = editor.error_label.text()
    assert text.startswith("✖ Lifetime:"), text
    commit(field(editor, "lifetime_years"), "-3")
    text = editor.error_label.text()
    assert "Lifetime" in text and "lifetime_years" not in text, text
    commit(field(editor, "lifetime_years"), "20")
    # a problem the document finds (not a typed one) is named in words too
    window.doc.undo_stack.push(SetProjectField(window.doc, row, ("energy_changes",),
                                               [{"fuel": "natural_gas"}], "energy changes"))
    text = editor.error_label.text()
    assert text and not SNAKE_CODE.search(text), text
