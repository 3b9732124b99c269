"""The Qt item models keep Qt's model contract (QAbstractItemModelTester), while the
document under them changes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from appraisal.core.pack import OPTIONAL_TABLE_COLUMNS, TABLE_COLUMNS
from appraisal.gui.models import FLAG_ROLE, PackTableModel, ProjectFilter, ProjectsModel


def test_projects_model_keeps_the_contract_through_edits(window, qtmodeltester):
    model = window.model
    assert isinstance(model, ProjectsModel)
    assert model.rowCount() == len(window.doc.projects) == 12
    qtmodeltester.check(model)
    # the tester stays attached: structure and result changes are checked as they happen
    doc = window.doc
    doc.add_project()
    doc.move_project(0, 1)
    doc.set_field(0, ("opex_per_year",), 12_345.0, "opex")
    doc.wait_for_results()
    doc.delete_project(3)
    doc.undo_stack.undo()
    doc.wait_for_results()
    qtmodeltester.check(model)
    assert model.rowCount() == 13


def test_project_filter_keeps_the_contract_while_filtering(window, qtmodeltester):
    proxy = window.projects.proxy
    assert isinstance(proxy, ProjectFilter)
    qtmodeltester.check(proxy)
    window.projects.search.setText("bus-00")
    assert {proxy.index(r, 0).data() for r in range(proxy.rowCount())} == {"BUS-004", "BUS-005"}
    window.projects.search.clear()
    # the band on the portfolio's basis, after any adjustment, as the core's records give it
    records = window.doc.results.project_records()
    poor = [rec["id"] for rec in records if rec["vfm_category"] == "poor"]
    assert poor and len(poor) < 12
    proxy.set_filter(vfm="poor")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == poor
    proxy.set_filter(vfm="", shovel_ready_only=True)
    assert 0 < proxy.rowCount() < 12
    proxy.sort(4, Qt.SortOrder.DescendingOrder)
    window.doc.set_field(0, ("opex_per_year",), 0.0, "opex")
    window.doc.wait_for_results()
    qtmodeltester.check(proxy)


@pytest.mark.parametrize("name", ["carbon_values.csv", "emission_factors.csv", "parameters.csv"])
def test_pack_table_model_keeps_the_contract(window, qtmodeltester, name):
    table = window.doc.pack.tables[name]
    model = PackTableModel(table)
    qtmodeltester.check(model)
    assert model.rowCount() == len(table.rows)
    # the quality first (its own column), the source last: every other column once
    assert model.columnCount() == len(table.columns)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Quality"
    assert model.column_name(model.columnCount() - 1) == "source"
    flagged = table.flagged_rows()
    assert flagged   # the default pack has rows that are not official
    for r in range(model.rowCount()):
        assert model.index(r, 0).data(FLAG_ROLE) is (r in flagged)
        label = table.quality_of(r)
        text = model.index(r, 0).data()
        assert text.startswith("⚠ " + label) if r in flagged else text == label
        shaded = model.index(r, 1).data(Qt.ItemDataRole.BackgroundRole)
        assert (shaded is not None) is (r in flagged)
    model.set_table(None)
    assert model.rowCount() == model.columnCount() == 0
    qtmodeltester.check(model)


def test_the_assumptions_page_model_keeps_the_contract_for_every_table(window, qtmodeltester):
    view = window.assumptions
    qtmodeltester.check(view.model)
    pack = window.doc.pack
    names = []
    for row in range(view.list.count()):
        view.list.setCurrentRow(row)
        name = view.list.item(row).data(Qt.ItemDataRole.UserRole)
        names.append(name)
        if name in pack.tables:
            assert view.model.table is pack.tables[name]
            assert view.absent.isHidden()
        else:   # a v2 table the pack leaves empty: listed, with what its absence means
            assert view.model.rowCount() == 0 and "no rows" in view.list.item(row).text()
            assert not view.absent.isHidden() and name in view.absent.text()
        qtmodeltester.check(view.model)
    # every table a pack may have, the new version 2 ones included
    assert set(names) == set(TABLE_COLUMNS) | set(OPTIONAL_TABLE_COLUMNS)
    assert set(pack.tables) <= set(names)


def test_ranking_model_keeps_the_contract_and_the_order_through_edits(window, qtmodeltester):
    """The dashboard's ranking sorts with numpy (RankingModel), not row by row in Python."""
    from appraisal.gui.models import SORT_ROLE, RankingModel
    proxy = window.dashboard.proxy
    assert isinstance(proxy, RankingModel)
    qtmodeltester.check(proxy)
    keys = [c.key for c in window.model.columns]

    def column(c):
        return [proxy.index(r, c).data(SORT_ROLE) for r in range(proxy.rowCount())]

    for key in ("npsv_gbp", "bcr_public", "name", "vfm", "financial_irr", "status"):
        c = keys.index(key)
        for order, reverse in ((Qt.SortOrder.AscendingOrder, False),
                               (Qt.SortOrder.DescendingOrder, True)):
            proxy.sort(c, order)
            values = column(c)
            assert values == sorted(values, reverse=reverse), key
    c = keys.index("npsv_gbp")
    proxy.sort(c, Qt.SortOrder.DescendingOrder)
    doc = window.doc
    last = proxy.mapToSource(proxy.index(11, 0)).row()
    doc.set_field(last, ("other_benefits",), [{"label": "windfall", "kind": "economic",
                                               "per_year": 9e6}], "other benefits")
    doc.wait_for_results()
    assert proxy.mapToSource(proxy.index(0, 0)).row() == last      # to the top
    assert column(c) == sorted(column(c), reverse=True)
    doc.delete_project(2)
    doc.add_project()
    doc.wait_for_results()
    assert proxy.rowCount() == 12 and column(c) == sorted(column(c), reverse=True)
    qtmodeltester.check(proxy)
