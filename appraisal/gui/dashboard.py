"""The portfolio dashboard: totals, the investment gap, the ranking and a scatter."""
from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QGridLayout, QLabel, QProgressBar, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from ..core.wording import results_provenance, shovel_ready_rule
from . import formatting as fmt
from .breakdown import (BASIS_NAMES, TIPS, exchequer_line, pack_note, pipeline_values,
                        pipeline_vfm, short_pack_note)
from .charts import ScatterView, scatter_points
from .document import PortfolioDocument
from .models import ProjectsModel, RankingModel
from .plain import plain_labels, plain_tip
from .results_panel import Card


class GapBar(QWidget):
    """Progress against a gap, with the figures in words (the bar alone would look empty)."""

    def __init__(self, label: str, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self.label = QLabel(label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 10_000)
        self.bar.setTextVisible(True)
        self.bar.setMaximumHeight(16)
        self.detail = QLabel()
        self.detail.setStyleSheet("color: #555; font-size: 8pt;")
        self.detail.setWordWrap(True)
        for w in (self.label, self.bar, self.detail):
            layout.addWidget(w)
        plain_labels(self)      # made after the window: the pack's sector labels as written

    def set(self, share: float | None, detail: str) -> None:
        share = share or 0.0
        self.bar.setValue(int(min(1.0, share) * 10_000))
        self.bar.setFormat(f"{share * 100:.3f}% closed")
        self.detail.setText(detail)


def window_text(window) -> str:
    """A gap window in words: '2026-2030', or why there is none for the total."""
    if not window:
        return "windows differ by sector"
    return f"{window[0]}-{window[1]}"


def gap_detail(s: dict) -> str:
    """A sector's (or the total's) contribution in words (METHOD.md 6)."""
    text = (f"{fmt.money(s['contribution_gbp'])} of a cumulative gap of "
            f"{fmt.money(s['cumulative_gap_gbp'])}")
    if s.get("annual_average_contribution_gbp") is not None and s.get("annual_gap_gbp") is not None:
        text += (f"; {fmt.money(s['annual_average_contribution_gbp'])} a year against "
                 f"{fmt.money(s['annual_gap_gbp'])} a year")
    lev = s.get("leverage")
    text += (f"; leverage {lev:,.2f} (private £ per public £)" if lev is not None
             else "; no public funding in the window")
    return text


class Dashboard(QWidget):
    projectActivated = Signal(int)   # document row

    def __init__(self, doc: PortfolioDocument, model: ProjectsModel, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        layout.addWidget(self.title)
        layout.addLayout(self._build_cards())
        self.splitter = self._build_gap_and_scatter()
        self.vsplitter = self._build_ranking(model, self.splitter)
        layout.addWidget(self.vsplitter, 1)
        self.provenance = QLabel()
        self.provenance.setStyleSheet("color: #666; font-size: 8pt;")
        self.provenance.setWordWrap(True)
        layout.addWidget(self.provenance)
        self._sized = False
        self._stale = False
        doc.resultsChanged.connect(self.refresh)
        doc.settingsChanged.connect(self.refresh)
        doc.structureChanged.connect(self._structure_changed)

    def _build_cards(self) -> QGridLayout:
        """The pipeline's headline figures, one card each, in a row."""
        cards = QGridLayout()
        self.cards: dict[str, Card] = {}
        for k, (key, title, tip) in enumerate([
                ("npsv_gbp", "Total NPSV", "Sum of the projects' NPSV; the Exchequer line beside "
                                           "it is a transfer, not in the NPSV"),
                ("bcr", "Social BCR", TIPS["bcr"] + ". For the pipeline: total PV of benefits "
                                                    "over total PV of costs (never an average of "
                                                    "ratios)"),
                ("bcr_public", "Funder BCR", TIPS["bcr_public"] + ". For the pipeline: from the "
                                                                  "totals"),
                ("vfm", "Value for money", TIPS["vfm"]),
                ("carbon_saved_tco2e", "Carbon saved", "Tonnes of CO2e over the projects' lives: "
                                                       "direct and traded (grid electricity)"),
                ("net_additional_jobs_fte", "Net additional jobs", "Sum over projects: "
                                                                   "construction "
                                                                   "(permanent-equivalent) and "
                                                                   "operation"),
                ("public_cost_gbp", "Public cost", "Public funding over all years"),
                ("shovel_ready_projects", "Shovel-ready", f"Projects with {shovel_ready_rule()}")]):
            card = Card(title, tip)
            card.value.setAccessibleName(title)        # selectable text: a screen reader
            card.detail.setAccessibleName(f"{title}, detail")   # says whose figure it is
            self.cards[key] = card
            cards.addWidget(card, 0, k)
        return cards

    def _build_gap_and_scatter(self) -> QSplitter:
        """The investment-gap bars (left) beside the scatter of BCR against cost per tonne."""
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        head = QLabel("Contribution to closing the low-carbon investment gap")
        head.setStyleSheet("font-weight: 600;")
        lv.addWidget(head)
        self.gap_note = QLabel()
        self.gap_note.setWordWrap(True)
        self.gap_note.setStyleSheet("color: #555; font-size: 8pt;")
        lv.addWidget(self.gap_note)
        self.gap_box = QVBoxLayout()
        lv.addLayout(self.gap_box)
        self.gap_bars: list[GapBar] = []
        lv.addStretch(1)
        self.scatter = ScatterView()
        self.scatter.setAccessibleName("Scatter of BCR against cost per tonne")
        self.scatter.projectClicked.connect(self.projectActivated)
        split.addWidget(left)
        split.addWidget(self.scatter)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        # the scatter's axis titles and labels overlap below about 300 px: never squeeze it
        self.scatter.setMinimumWidth(300)
        split.setChildrenCollapsible(False)
        split.setSizes([400, 600])
        return split

    def _build_ranking(self, model: ProjectsModel, split: QSplitter) -> QSplitter:
        """The ranking table under ``split``, in a splitter of their own."""
        self.table = QTableView()
        self.table.setAccessibleName("Ranking of the projects")
        self.proxy = RankingModel(self)
        self.proxy.setSourceModel(model)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)   # NPSV, largest first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.doubleClicked.connect(
            lambda ix: self.projectActivated.emit(self.proxy.mapToSource(ix).row()))
        # column widths from the first 50 rows: every row of 10,000 would take seconds
        self.table.horizontalHeader().setResizeContentsPrecision(50)
        self.table.resizeColumnsToContents()
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(split)
        rank = QWidget()
        rv = QVBoxLayout(rank)
        rv.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Ranking (click a heading to sort; double-click a project to open it)")
        label.setStyleSheet("font-weight: 600;")
        rv.addWidget(label)
        rv.addWidget(self.table)
        vsplit.addWidget(rank)
        vsplit.setStretchFactor(0, 1)
        vsplit.setStretchFactor(1, 1)
        vsplit.setChildrenCollapsible(False)
        vsplit.setSizes([380, 300])
        return vsplit

    def _structure_changed(self) -> None:
        self._sized = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale and self.doc.results is not None:
            self._draw(self.doc.results)

    def _draw(self, results) -> None:
        """The scatter, and the ranking's column widths the first time."""
        self._stale = False
        self.scatter.set_points(scatter_points(self.doc, results),
                                BASIS_NAMES.get(results.vfm_basis, "BCR"))
        if not self._sized and results.ids:
            self.table.resizeColumnsToContents()
            self.table.setColumnWidth(1, min(260, self.table.columnWidth(1)))
            self._sized = True

    def refresh(self) -> None:
        """The figures of the latest results; the scatter is drawn when the page is shown
        (10,000 projects take a third of a second: not after every edit made elsewhere)."""
        doc, results = self.doc, self.doc.results
        self.title.setText(doc.name)
        if results is None:
            for card in self.cards.values():
                card.set(fmt.DASH)
            self.provenance.setText(doc.snapshot.error or "")
            return
        t = pipeline_values(results)
        self.cards["npsv_gbp"].set(fmt.money(t["npsv_gbp"]), "#B00020" if (t["npsv_gbp"] or 0) < 0
                                   else None,
                                   detail=f"Exchequer {exchequer_line(t).text()} (a transfer)")
        self.cards["bcr"].set(fmt.ratio(t["bcr"]), None, None if t["bcr"] is not None else
                              "Not defined: no costs", detail="all benefits / all costs")
        self.cards["bcr_public"].set(fmt.ratio(t["bcr_public"]), None,
                                     None if t["bcr_public"] is not None else
                                     "Not defined: no public costs",
                                     detail="net benefits / public costs")
        vfm = pipeline_vfm(results)
        self.cards["vfm"].set(vfm.badge, fmt.VFM_COLOURS.get(vfm.band or ""),
                              detail=f"on the {vfm.basis_name}")
        self.cards["carbon_saved_tco2e"].set(
            fmt.number(t["carbon_saved_tco2e"], 0, "tCO2e"),
            detail=f"direct {fmt.number(t['carbon_saved_direct_tco2e'], 0)}, traded "
                   f"{fmt.number(t['carbon_saved_traded_tco2e'], 0)}")
        self.cards["net_additional_jobs_fte"].set(
            fmt.number(t["net_additional_jobs_fte"], 1, "FTE"),
            detail=f"construction {fmt.number(t['net_construction_jobs_fte'], 1)}, operation "
                   f"{fmt.number(t['net_operational_jobs_fte'], 1)}")
        self.cards["public_cost_gbp"].set(fmt.money(t["public_cost_gbp"]),
                                          detail="before optimism bias")
        self.cards["shovel_ready_projects"].set(f"{int(t['shovel_ready_projects'] or 0)} of "
                                                f"{len(results.ids)}",
                                                detail=shovel_ready_rule(short=True))
        gap = results.gap()
        while len(self.gap_bars) < len(gap["sectors"]) + 1:
            bar = GapBar("")
            self.gap_bars.append(bar)
            self.gap_box.addWidget(bar)
        rows = list(gap["sectors"].values()) + [dict(gap["total"], label="All sectors",
                                                     window=gap["window"])]
        for bar, s in zip(self.gap_bars, rows):
            bar.label.setText(f"{s['label']}  ({window_text(s['window'])})")
            bar.set(s["share_closed"], gap_detail(s))
        windows = {tuple(s["window"]) for s in gap["sectors"].values()}
        self.gap_note.setText(
            f"£ at {results.price_base_year} prices. Public funding in each sector's window years "
            "counts, net of benefit deadweight"
            + (" (the windows differ by sector)" if len(windows) > 1 else "")
            + "; the gap is the assumption pack's estimate of the annual public investment gap "
            "(Green Alliance, 2020, in the default pack).")
        if self.isVisible():
            self._draw(results)
        else:
            self._stale = True
        self.provenance.setText(
            results_provenance(results, energy=False, prices=False,
                               vfm_basis_name=pipeline_vfm(results).basis_name) + "."
            + short_pack_note(doc.pack))
        self.provenance.setToolTip(plain_tip(pack_note(results)))
