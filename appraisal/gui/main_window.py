"""The main window: pages, menus, files, undo, background work, autosave."""
from __future__ import annotations

import copy
import os
import re
import sys
import sysconfig
from pathlib import Path

from PySide6.QtCore import QByteArray, QDataStream, QSettings, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QMainWindow, QMessageBox, QPushButton, QSplitter, QStackedWidget, QToolBar,
                               QVBoxLayout, QWidget)

from .. import __version__
from ..core import InputError, Portfolio, load_pack, parse_portfolio
from ..core.pack import CARBON_SERIES
from ..core.portfolio import DEFAULTS
from ..core.results import METHOD_VERSION
from ..io.appraisal_workbook import is_appraisal_workbook
from ..io.portfolio_file import open_portfolio, save_portfolio
from ..io.escaping import message_text
from ..resources import default_pack_dir, example_portfolio, resource_path, resources_dir
from .analysis_pages import SelectionPage, UncertaintyPage
from .assumptions_view import AssumptionsView
from .dashboard import Dashboard
from .document import InsertProject, PortfolioDocument
from .models import ProjectsModel
from .plain import escape, install_plain_message_boxes, plain_labels, plain_tip
from .delivery_page import DeliveryPage
from .projects_page import ProjectsPage
from .recovery import Recoverable, RecoveryFile
from .recovery_dialog import offer_recovery_files
from .settings_page import SettingsPage
from .tasks import BackgroundTask, outcome_handler

# names come from other people's files: no message box reads them as HTML (plain.py)
install_plain_message_boxes()

APP_NAME = "Low-Carbon Appraisal"
MAX_RECENT = 8
# Delivery last: the shortcuts Ctrl+1 to Ctrl+6 of the earlier pages stay as they were
PAGES = ("Dashboard", "Projects", "Assumptions", "Uncertainty", "Selection", "Portfolio",
         "Delivery")
PORTFOLIO_PAGE = PAGES.index("Portfolio")


def icon(name: str) -> QIcon:
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def documents_folder() -> Path:
    """The user's documents folder (where a new file is saved), else the home folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder and Path(folder).is_dir() else Path.home()


def installation_folders() -> list[Path]:
    """Folders of the installed program: a file there is the program's, not the user's."""
    from .. import __file__ as package_init
    folders = [resources_dir(), Path(package_init).resolve().parent]
    for key in ("purelib", "platlib"):
        folders.append(Path(sysconfig.get_paths()[key]))
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders.append(Path(frozen))
    return [f.resolve() for f in folders]


def is_installed_file(path: Path) -> bool:
    """True for a file inside the installation (the bundled example, the default pack)."""
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return any(resolved.is_relative_to(folder) for folder in installation_folders())


def file_stem(name: str) -> str:
    """A portfolio's name as a file name: no characters a file system refuses."""
    stem = re.sub(r'[\\/:*?"<>|]+', " ", name).strip(" .")
    return re.sub(r"\s+", " ", stem)[:80] or "portfolio"


def problems_text(exc: InputError, limit: int = 12) -> str:
    lines = [str(p) for p in exc.problems[:limit]]
    if len(exc.problems) > limit:
        lines.append(f"… and {len(exc.problems) - limit} more")
    return "\n".join(lines)


class WelcomePage(QWidget):
    def __init__(self, window: "MainWindow") -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 40)
        title = QLabel(APP_NAME)
        title.setStyleSheet("font-size: 20pt; font-weight: 600; color: #1F4E79;")
        layout.addWidget(title)
        blurb = QLabel("Appraise a pipeline of low-carbon projects by the Green Book: economic and "
                       "financial cases, carbon, jobs and the contribution to the investment gap, "
                       "with every figure traceable to its assumptions.")
        blurb.setWordWrap(True)
        layout.addWidget(blurb)
        row = QHBoxLayout()
        for text, slot in (("Open the example portfolio", window.open_example),
                           ("New portfolio", window.new_portfolio), ("Open…", window.open_dialog)):
            b = QPushButton(text)
            b.setMinimumHeight(36)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel("Recent files"))
        self.recent = QListWidget()
        self.recent.setAccessibleName("Recent files")
        self.recent.itemActivated.connect(lambda item: window.open_file(Path(item.text())))
        layout.addWidget(self.recent, 1)

    def set_recent(self, files: list[str]) -> None:
        self.recent.clear()
        self.recent.addItems(files)


class PageStack(QStackedWidget):
    """The pages, sized by the page shown: a hidden page's wide content (a long line,
    a wide table) must not widen the window past the screen."""

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()


MAX_SAVE_PROBLEMS = 20   # problems listed when a save is refused; the rest counted


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.setWindowIcon(icon("app"))
        pack = self._load_initial_pack()
        self.doc = PortfolioDocument(pack, parent=self)
        self.model = ProjectsModel(self.doc, self)
        self.recovery = RecoveryFile()
        self.restored_windows: list[MainWindow] = []    # more recovered documents, one each
        self._has_document = False
        self._shown_once = False
        self.help_window = None
        self._tasks: list[BackgroundTask] = []

        self.stack = PageStack()
        self.stack.currentChanged.connect(lambda _k: self.stack.updateGeometry())
        self.welcome = WelcomePage(self)
        self.dashboard = Dashboard(self.doc, self.model)
        self.projects = ProjectsPage(self.doc, self.model)
        self.assumptions = AssumptionsView(self.doc)
        self.uncertainty = UncertaintyPage(self.doc)
        self.selection = SelectionPage(self.doc)
        self.portfolio_page = SettingsPage(self.doc)
        self.delivery = DeliveryPage(self.doc)
        for w in (self.welcome, self.dashboard, self.projects, self.assumptions, self.uncertainty,
                  self.selection, self.portfolio_page, self.delivery):
            self.stack.addWidget(w)
        self.nav = QListWidget()
        self.nav.addItems(PAGES)
        self.nav.item(PORTFOLIO_PAGE).setToolTip("The portfolio's name, years, notes and the "
                                                 "choices that apply to every project")
        # wide enough for the longest page name, and never squeezed by a wide page
        self.nav.setFixedWidth(max(self.nav.fontMetrics().horizontalAdvance(p) for p in PAGES)
                               + 4 * self.nav.frameWidth() + 24)
        self.nav.setAccessibleName("Pages")
        self.nav.currentRowChanged.connect(self._nav_changed)
        central = QWidget()
        h = QHBoxLayout(central)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.nav)
        h.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status()
        self.dashboard.projectActivated.connect(self.show_project)
        self.assumptions.openPackRequested.connect(self.choose_pack)
        self.uncertainty.runRequested.connect(self.run_simulation)
        self.selection.runRequested.connect(self.run_selection)
        # bound methods, not lambdas: Qt then drops the connections with the window
        self.projects.currentChanged.connect(self._current_project_changed)
        self.projects.message.connect(self._show_message)
        self.doc.undo_stack.cleanChanged.connect(self._clean_changed)
        self.doc.undo_stack.indexChanged.connect(self._edited)
        self.doc.pathChanged.connect(self._update_title)
        self.doc.settingsChanged.connect(self._settings_changed)
        self.doc.resultsChanged.connect(self._results_changed)
        self.doc.packChanged.connect(self._update_status)
        self.autosave = QTimer(self)
        self.autosave.setInterval(int(os.environ.get("APPRAISAL_AUTOSAVE_MS", "60000")))
        self.autosave.timeout.connect(self._autosave)
        self.autosave.start()
        self._restore_layout()
        self._settings_changed()
        self._show_page(None)
        self._update_title()
        self._update_actions()
        plain_labels(self)          # names, ids and files shown as written, never as HTML

    # -- set-up ----------------------------------------------------------------------
    def _load_initial_pack(self):
        folder = self.settings.value("pack_dir", "")
        if folder:
            try:
                return load_pack(folder)
            except InputError:
                self.settings.remove("pack_dir")   # a pack that no longer loads: use the default
        return load_pack(default_pack_dir())

    def _action(self, text: str, slot, shortcut=None, tip: str = "", icon_name: str = "") -> QAction:
        a = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.setStatusTip(tip or text.replace("&", "").replace("…", ""))
        a.triggered.connect(slot)
        return a

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.a_new = self._action("&New portfolio", self.new_portfolio, K.New, icon_name="new")
        self.a_open = self._action("&Open…", self.open_dialog, K.Open, icon_name="open")
        self.a_example = self._action("Open the &example portfolio", self.open_example)
        self.a_save = self._action("&Save", self.save, K.Save, icon_name="save")
        self.a_save_as = self._action("Save &as…", self.save_as, K.SaveAs)
        self.a_import = self._action("&Import submission workbooks…", self.import_dialog, "Ctrl+I",
                                     "Read projects from filled promoter workbooks")
        self.a_export = self._action("&Export appraisal workbook…", self.export_dialog, "Ctrl+E",
                                     "Write an Excel workbook whose formulas recompute every figure",
                                     icon_name="export")
        self.a_template = self._action("Save a blank submission &template…", self.template_dialog)
        self.a_pdf = self._action("Export &PDF summary…", self.pdf_dialog, "Ctrl+Shift+E",
                                  "A PDF executive summary: a page for the pipeline, one per project")
        self.a_quit = self._action("&Quit", self.close, K.Quit)
        self.a_undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        self.a_undo.setShortcut(QKeySequence(K.Undo))
        self.a_undo.setIcon(icon("undo"))
        self.a_redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        # the platform's redo (Ctrl+Shift+Z on Linux) and Ctrl+Y, as Excel users expect
        redo = QKeySequence.keyBindings(K.Redo)
        if QKeySequence("Ctrl+Y") not in redo:
            redo.append(QKeySequence("Ctrl+Y"))
        self.a_redo.setShortcuts(redo)
        self.a_redo.setIcon(icon("redo"))
        self.a_add = self._action("&Add project", self._add_project, "Ctrl+Shift+N", icon_name="add")
        self.a_duplicate = self._action("&Duplicate project", self._duplicate, "Ctrl+D")
        self.a_delete = self._action("De&lete project", self._delete, "Ctrl+Del")
        self.a_up = self._action("Move project &up", lambda: self.projects.move_project(-1), "Ctrl+Up")
        self.a_down = self._action("Move project do&wn", lambda: self.projects.move_project(+1),
                                   "Ctrl+Down")
        self.a_portfolio = self._action("Portfolio &settings…", self.show_settings, "Ctrl+,",
                                        "The portfolio's name, years, notes and choices")
        self.a_pack = self._action("Use another assumption &pack…", self.choose_pack)
        self.a_default_pack = self._action("Use the &default assumption pack", self.use_default_pack)
        self.a_guide = self._action("&User guide", lambda: self.show_guide(), K.HelpContents,
                                    "From a new portfolio to a workbook you can send")
        self.a_method = self._action("The &method", lambda: self.show_guide("METHOD.md"),
                                     tip="Every formula, with the guidance it follows")
        self.a_about = self._action("&About", self.about)
        self.page_actions = []
        group = QActionGroup(self)
        for k, name in enumerate(PAGES):
            a = self._action(name, lambda _c=False, k=k: self._show_page(k), f"Ctrl+{k + 1}")
            a.setCheckable(True)
            group.addAction(a)
            self.page_actions.append(a)

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        for a in (self.a_new, self.a_open, self.a_example):
            m.addAction(a)
        self.recent_menu = m.addMenu("Open &recent")
        m.addSeparator()
        m.addAction(self.a_save)
        m.addAction(self.a_save_as)
        m.addSeparator()
        m.addAction(self.a_import)
        m.addAction(self.a_export)
        m.addAction(self.a_pdf)
        m.addAction(self.a_template)
        m.addSeparator()
        m.addAction(self.a_quit)
        m = self.menuBar().addMenu("&Edit")
        for a in (self.a_undo, self.a_redo):
            m.addAction(a)
        m.addSeparator()
        for a in (self.a_add, self.a_duplicate, self.a_delete, self.a_up, self.a_down):
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.a_portfolio)
        m = self.menuBar().addMenu("&View")
        for a in self.page_actions:
            m.addAction(a)
        m = self.menuBar().addMenu("&Assumptions")
        m.addAction(self.a_pack)
        m.addAction(self.a_default_pack)
        m = self.menuBar().addMenu("&Help")
        m.addAction(self.a_guide)
        m.addAction(self.a_method)
        m.addSeparator()
        m.addAction(self.a_about)
        self._fill_recent()

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main")
        tb.setObjectName("main-toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.a_new, self.a_open, self.a_save):
            tb.addAction(a)
        tb.addSeparator()
        tb.addAction(self.a_undo)
        tb.addAction(self.a_redo)
        for a in (self.a_undo, self.a_redo):   # "Undo Change ... of HP-001" would crowd the bar
            tb.widgetForAction(a).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addSeparator()
        tb.addAction(self.a_add)
        tb.addAction(self.a_export)
        tb.addSeparator()
        tb.addWidget(QLabel(" Carbon: "))
        self.carbon_box = QComboBox()
        for s in CARBON_SERIES:
            self.carbon_box.addItem(s.capitalize(), s)
        self.carbon_box.setToolTip("Carbon values: central, or the low and high scenarios (DESNZ)")
        self.carbon_box.setAccessibleName("Carbon values")
        self.carbon_box.activated.connect(lambda _i: self.doc.set_setting(
            "carbon_series", self.carbon_box.currentData(), "carbon series"))
        tb.addWidget(self.carbon_box)
        tb.addWidget(QLabel(" Discounting: "))
        self.schedule_box = QComboBox()
        self.schedule_box.setAccessibleName("Discount schedule")
        self.schedule_box.setToolTip("Discount schedule of the pack: standard (Green Book STPR), "
                                     "reduced (lower-rate test) or health")
        self.schedule_box.activated.connect(lambda _i: self.doc.set_setting(
            "discount_schedule", self.schedule_box.currentData(), "discount schedule"))
        tb.addWidget(self.schedule_box)
        for box in (self.carbon_box, self.schedule_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setMinimumContentsLength(9)
        self.addToolBar(tb)
        self.toolbar = tb

    def _build_status(self) -> None:
        self.status_pack = QLabel()
        self.status_choices = QLabel()
        self.status_saved = QLabel()
        self.status_time = QLabel()
        for w in (self.status_pack, self.status_choices, self.status_saved, self.status_time):
            w.setStyleSheet("border-left: 1px solid #B0B0B0; padding-left: 6px;")
            self.statusBar().addPermanentWidget(w)
        self._update_status()

    # -- pages -------------------------------------------------------------------------
    def _nav_changed(self, k: int) -> None:
        if k >= 0 and self._has_document:
            self.stack.setCurrentIndex(k + 1)
            self.page_actions[k].setChecked(True)

    def _show_page(self, k: int | None) -> None:
        if not self._has_document:
            self.welcome.set_recent(self._recent())
            self.stack.setCurrentWidget(self.welcome)
            self.nav.setEnabled(False)
            return
        self.nav.setEnabled(True)
        if k is None:
            k = max(0, self.nav.currentRow())
        self.nav.setCurrentRow(k)
        self.stack.setCurrentIndex(k + 1)

    def show_settings(self) -> None:
        """The Portfolio page, with the name field ready for typing."""
        if self._has_document:
            self._show_page(PORTFOLIO_PAGE)
            self.portfolio_page.name.setFocus()

    def show_project(self, row: int) -> None:
        self._show_page(1)
        self.projects.select_row(row)

    # -- files -------------------------------------------------------------------------
    def _set_document(self, portfolio: Portfolio, path: Path | None) -> None:
        self.doc.replace(portfolio, path)
        self._has_document = True
        self._settings_changed()
        self._show_page(1 if portfolio.projects else 0)
        self.projects.select_row(0 if portfolio.projects else None)
        if path is not None:
            self._add_recent(path)
            self.settings.setValue("last_file", str(path))
        self._update_title()
        self._update_actions()

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        if not self._has_document or not self.doc.is_dirty:
            return True
        answer = QMessageBox.question(
            self, APP_NAME, f"Save the changes to {self._display_name()}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_portfolio(self) -> None:
        if self.maybe_save():
            self.recovery.discard()
            # METHOD.md notation: the current year, prices of the pack's default price base
            self._set_document(Portfolio.new(price_base_year=self.doc.pack.default_price_base_year),
                               None)

    def open_example(self) -> None:
        """The bundled example as an untitled copy: saving asks where, never over the original."""
        if self.maybe_save():
            self.open_file(example_portfolio(), remember=False)

    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a portfolio", str(self.start_folder()),
            "Portfolios and appraisal workbooks (*.json *.xlsx);;Portfolios (*.json);;"
            "Appraisal workbooks (*.xlsx);;All files (*)")
        if name and is_appraisal_workbook(name):
            self.open_returned(Path(name))     # reviewed before anything changes
        elif name and self.maybe_save():
            self.open_file(Path(name))

    def start_folder(self) -> Path:
        """Where a file dialog opens: the portfolio's own folder, else the documents folder;
        never a folder of the installation."""
        path = self.doc.path
        if path is not None and not is_installed_file(path) and path.parent.is_dir():
            return path.parent
        return documents_folder()

    def suggested_file(self, suffix: str) -> Path:
        """A file of the portfolio's name, with ``suffix``, in :meth:`start_folder`."""
        stem = self.doc.path.stem if self.doc.path is not None else file_stem(self.doc.name)
        return self.start_folder() / f"{stem}{suffix}"

    def open_file(self, path: Path, remember: bool = True) -> bool:
        """Open a portfolio file; a damaged or hostile file is refused and nothing changes.

        ``remember`` False, or a file of the installation: the document is an untitled
        copy (Save asks where to save it)."""
        remember = remember and not is_installed_file(path)
        try:   # the command line's way (open_portfolio): what it refuses is refused here
            portfolio, _ = open_portfolio(path, self.doc.pack)
        except InputError as exc:
            QMessageBox.critical(self, "Cannot open the portfolio",
                                 f"{path} cannot be opened:\n\n{problems_text(exc)}\n\n"
                                 "Nothing was changed.")
            return False
        self.recovery.discard()
        self._set_document(portfolio, path if remember else None)
        if not remember:
            self.doc.portfolio.data["name"] = self.doc.name
            self.statusBar().showMessage(f"{path.name} opened as an untitled copy: Save asks "
                                         "where to keep it", 10000)
        if portfolio.migrated_from is not None:
            self.statusBar().showMessage(f"{path.name} was read as format version 1", 8000)
        problems = sum(len(self.doc.problems(i)) for i in range(len(self.doc.projects)))
        if problems:
            self.statusBar().showMessage(
                f"{problems} problems in the projects: see the Checks column and the editor", 10000)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._save_to(self.doc.path)

    def save_as(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, "Save the portfolio",
                                              str(self.suggested_file(".json")),
                                              "Portfolios (*.json)")
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        if not self._loadable(path):
            return False
        try:
            save_portfolio(self.doc.portfolio, path)
        except (OSError, InputError) as exc:
            QMessageBox.critical(self, "Cannot save", f"{path} could not be saved: {exc}\n\n"
                                                      "The file on disk is unchanged.")
            return False
        self.doc.mark_saved(path)
        self.recovery.discard()
        self._add_recent(path)
        self.settings.setValue("last_file", str(path))
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _loadable(self, path: Path) -> bool:
        """Whether the file saved would open again: the loader's check (the core's
        ``parse_portfolio``, as ``open_portfolio`` runs it), which the editor does not
        apply while editing (two projects may share an ID for a while). When it would
        not, nothing is written, the loader's words are shown, and the document stays
        open and modified (the autosave keeps it)."""
        try:
            parse_portfolio(self.doc.portfolio.data, self.doc.pack, file=str(path))
        except InputError as exc:
            listed = "\n".join(f"- {message_text(p, 400)}" for p in exc.problems[:MAX_SAVE_PROBLEMS])
            more = len(exc.problems) - MAX_SAVE_PROBLEMS
            if more > 0:
                listed += f"\n... and {more} more"
            QMessageBox.critical(self, "Cannot save", f"{path} was not saved: the file would not "
                                 f"open again.\n\n{listed}\n\nCorrect these and save again; "
                                 "your changes are kept.")
            return False
        return True

    # -- recent files ----------------------------------------------------------------------
    def _recent(self) -> list[str]:
        v = self.settings.value("recent", [])
        files = [v] if isinstance(v, str) else list(v or [])
        return [f for f in files if f]

    def _add_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self._recent() if f != str(path)]
        self.settings.setValue("recent", files[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self._recent()
        for f in files:
            a = self.recent_menu.addAction(f)
            a.triggered.connect(lambda _c=False, f=f: self.maybe_save() and self.open_file(Path(f)))
        self.recent_menu.setEnabled(bool(files))

    # -- background work -----------------------------------------------------------------
    def _say(self, text: str) -> None:
        """A passing message in the status bar (a cancelled task's, for instance)."""
        self.statusBar().showMessage(text, 6000)

    def _run(self, title: str, job, on_done) -> BackgroundTask:
        task = BackgroundTask(self, title, job)
        self._tasks.append(task)

        def finished(result, error):
            self._tasks.remove(task)
            on_done(result, error)

        task.done.connect(finished)
        task.start()
        return task

    def export_dialog(self) -> None:
        if not self._has_document:
            return
        try:
            inputs = parse_portfolio(self.doc.portfolio.data, self.doc.pack)
        except InputError as exc:
            QMessageBox.warning(self, "Cannot export yet", "The portfolio has problems to mend "
                                "before it can be exported:\n\n" + problems_text(exc))
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the appraisal workbook",
                                              str(self.suggested_file(".xlsx")),
                                              "Excel workbooks (*.xlsx)")
        if name:
            self.export_to(Path(name), inputs)

    def export_to(self, path: Path, inputs=None) -> BackgroundTask:
        from ..io.workbook import ExportCancelled, export_workbook
        from .review_flow import export_document
        inputs = inputs or parse_portfolio(self.doc.portfolio.data, self.doc.pack)
        pack = self.doc.pack
        document, changes = export_document(self.doc)   # its id, to know it when it returns
        # the analysis sheets follow the Uncertainty and Selection pages' settings
        analysis = dict(analysis=True, draws=self.uncertainty.draws.value(),
                        seed=self.uncertainty.seed.value(), budget_gbp=self.selection.budget_gbp(),
                        objective=self.selection.objective.currentData())
        # the Delivery sheet's baselines and returns: a copy, as the export runs in the background
        delivery = copy.deepcopy(self.doc.portfolio.data)

        def job(progress, cancelled):
            return export_workbook(inputs, pack, path, progress=progress, cancelled=cancelled,
                                   document=document, changes=changes(), delivery_document=delivery,
                                   **analysis)

        done = outcome_handler(
            self, cancelled=ExportCancelled, cancelled_text="Export cancelled; nothing was written",
            failed_title="Export failed", failed_text=lambda e: f"{path} was not written: {e}",
            on_result=lambda _: self.statusBar().showMessage(f"Exported {path}", 8000),
            status=self._say)

        return self._run("Exporting the workbook", job, done)

    def pdf_dialog(self) -> None:
        if not self._has_document:
            return
        try:
            inputs = parse_portfolio(self.doc.portfolio.data, self.doc.pack)
        except InputError as exc:
            QMessageBox.warning(self, "Cannot write the summary yet", "The portfolio has problems "
                                "to mend first:\n\n" + problems_text(exc))
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the PDF summary",
                                              str(self.suggested_file(".pdf")), "PDF (*.pdf)")
        if name:
            self.export_pdf(Path(name), inputs)

    def export_pdf(self, path: Path, inputs=None) -> BackgroundTask:
        from .report import ReportCancelled, write_summary_pdf
        inputs = inputs or parse_portfolio(self.doc.portfolio.data, self.doc.pack)
        pack = self.doc.pack
        draws, seed = self.uncertainty.draws.value(), self.uncertainty.seed.value()
        delivery = copy.deepcopy(self.doc.portfolio.data)   # the Delivery page's baselines

        def job(progress, cancelled):
            write_summary_pdf(path, inputs, pack, draws=draws, seed=seed, progress=progress,
                              cancelled=cancelled, delivery_document=delivery)

        done = outcome_handler(
            self, cancelled=ReportCancelled,
            cancelled_text="PDF summary cancelled; nothing was written",
            failed_title="PDF summary failed", failed_text=lambda e: f"{path} was not written: {e}",
            on_result=lambda _: self.statusBar().showMessage(f"Wrote {path}", 8000),
            status=self._say)

        return self._run("Writing the PDF summary", job, done)

    def import_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import submission workbooks", str(self.start_folder()),
                                                "Excel workbooks (*.xlsx)")
        returned = [n for n in names if is_appraisal_workbook(n)]
        if returned and len(names) > 1:
            QMessageBox.warning(self, "Import", f"{returned[0]} is an appraisal workbook (a whole "
                                "portfolio): import it alone. Nothing was imported.")
        elif returned:
            self.open_returned(Path(returned[0]))
        elif names:
            if not self._has_document:
                self.new_portfolio()
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> BackgroundTask:
        from ..io.submission import ImportCancelled, import_workbooks
        from .returned import sort_submissions
        pack, data = self.doc.pack, copy.deepcopy(self.doc.portfolio.data)

        def job(progress, cancelled):   # resubmissions are diffed here too, off the GUI thread
            report = import_workbooks(paths, pack, progress=progress, cancelled=cancelled)
            return sort_submissions(report, data, pack)

        done = outcome_handler(
            self, cancelled=ImportCancelled, cancelled_text="Import cancelled; nothing was added",
            failed_title="Import failed", on_result=self._add_imported, status=self._say)

        return self._run("Importing submissions", job, done)

    def _add_imported(self, found) -> None:
        """Add the new projects (one undo step), then offer each resubmission (Replace,
        with its diff, or Skip: review_flow.py), then show the report."""
        from .review_flow import offer_resubmissions
        added = found.added
        if added:
            stack = self.doc.undo_stack
            stack.beginMacro(f"Import {len(added)} submission{'s' * (len(added) > 1)}")
            for project in added:
                stack.push(InsertProject(self.doc, len(self.doc.projects), project,
                                         f"Import project {project.get('id')}"))
            stack.endMacro()
        offer_resubmissions(self, found)

    def open_returned(self, path: Path) -> BackgroundTask:
        """A returned appraisal workbook: read off the GUI thread, then reviewed
        (review_flow.py) before anything is applied."""
        from .returned import ReadCancelled, read_returned
        from .review_flow import review_returned
        pack = self.doc.pack
        data = copy.deepcopy(self.doc.portfolio.data) if self._has_document else None

        def job(progress, cancelled):
            progress(0, 2)
            found = read_returned(path, pack, data)
            if cancelled():
                raise ReadCancelled()
            progress(2, 2)
            return found

        done = outcome_handler(
            self, cancelled=ReadCancelled, cancelled_text="Reading cancelled; nothing was changed",
            failed_title="Cannot read the workbook",
            failed_text=lambda e: (f"{path} cannot be read:\n\n"
                                   f"{problems_text(e) if isinstance(e, InputError) else e}"
                                   "\n\nNothing was changed."),
            on_result=lambda found: review_returned(self, found, path), status=self._say)
        return self._run("Reading the appraisal workbook", job, done)

    def template_dialog(self) -> None:
        from ..io.submission import write_template
        name, _ = QFileDialog.getSaveFileName(self, "Save a blank submission template",
                                              str(self.start_folder() / "project-submission.xlsx"),
                                              "Excel workbooks (*.xlsx)")
        if name:
            try:
                write_template(Path(name), self.doc.pack)
            except OSError as exc:
                QMessageBox.critical(self, "Cannot save the template", str(exc))
            else:
                self.statusBar().showMessage(f"Saved {name}", 6000)

    # -- uncertainty and selection (issue: Green Book sensitivity and choosing a pipeline) --------
    def run_simulation(self, draws: int, seed: int) -> BackgroundTask | None:
        from ..core.montecarlo import SimulationCancelled, simulate
        inputs, _ = self.doc.appraisable_inputs()
        if inputs is None or not inputs.projects:
            QMessageBox.warning(self, "Nothing to simulate", "The portfolio has no project that "
                                "can be appraised yet.")
            return None
        pack = self.doc.pack

        def job(progress, cancelled):
            return simulate(inputs, pack, draws=draws, seed=seed, progress=progress,
                            cancelled=cancelled)

        done = outcome_handler(
            self, cancelled=SimulationCancelled, cancelled_text="Simulation cancelled",
            failed_title="Simulation failed", on_result=self.uncertainty.show_result,
            status=self._say)

        return self._run("Simulating", job, done)

    def run_selection(self, params: dict) -> BackgroundTask | None:
        from ..core.selection import budget_curve, select_projects
        results = self.doc.results
        if results is None or not results.ids:
            self.selection.show_error("The portfolio has no appraised project to choose from.")
            return None
        known = set(results.ids)
        unknown = [i for i in params["must_include"] + params["must_exclude"] if i not in known]
        if unknown:
            self.selection.show_error(f"Unknown or unappraised project IDs: {', '.join(unknown)}")
            return None
        constraints = {k: params[k] for k in ("min_readiness", "shovel_ready_only",
                                              "must_include", "must_exclude")}

        def job(progress, cancelled):
            chosen = select_projects(results, params["budget_gbp"], params["objective"],
                                     **constraints)
            progress(1, 2)
            return chosen, budget_curve(results, params["objective"], **constraints)

        def done(result, error):
            if error is not None:
                text = problems_text(error) if isinstance(error, InputError) else str(error)
                self.selection.show_error(text)
            else:
                self.selection.show_result(*result)

        return self._run("Choosing projects", job, done)

    # -- assumptions ----------------------------------------------------------------------------
    def choose_pack(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an assumption pack folder",
                                                  str(self.doc.pack.folder or Path.home()))
        if folder:
            self.use_pack(Path(folder))

    def use_pack(self, folder: Path) -> bool:
        try:
            pack = load_pack(folder)
        except InputError as exc:
            QMessageBox.critical(self, "Cannot use this pack", f"{folder} is not a valid assumption "
                                 f"pack:\n\n{problems_text(exc)}\n\nThe pack in use is unchanged.")
            return False
        self.doc.set_pack(pack)
        self.settings.setValue("pack_dir", str(folder))
        self._settings_changed()
        return True

    def use_default_pack(self) -> None:
        self.doc.set_pack(load_pack(default_pack_dir()))
        self.settings.remove("pack_dir")
        self._settings_changed()

    # -- reacting ------------------------------------------------------------------------------
    def _display_name(self) -> str:
        return self.doc.path.name if self.doc.path else self.doc.name

    def _update_title(self) -> None:
        if not self._has_document:
            self.setWindowTitle(APP_NAME)
            return
        # an untitled portfolio is named once, with "(not saved)" where a file name would be
        where = self.doc.path.name if self.doc.path else "not saved"
        self.setWindowTitle(f"{self.doc.name} — {where}[*] — {APP_NAME}")
        self.setWindowModified(self.doc.is_dirty)
        self.status_saved.setText("unsaved changes" if self.doc.is_dirty else "saved")

    def _edited(self, _index: int = 0) -> None:
        self._update_title()
        self._update_actions()

    def _clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _current_project_changed(self, _row) -> None:
        self._update_actions()

    def _settings_changed(self) -> None:
        self.carbon_box.setCurrentIndex(max(0, self.carbon_box.findData(
            self.doc.setting("carbon_series", DEFAULTS.carbon_series))))
        self.schedule_box.clear()
        for name in self.doc.pack.discount_schedules:
            self.schedule_box.addItem(name.capitalize(), name)
        self.schedule_box.setCurrentIndex(max(0, self.schedule_box.findData(
            self.doc.setting("discount_schedule", DEFAULTS.discount_schedule))))
        self._update_status()
        self._update_title()

    def _results_changed(self) -> None:
        self._update_status()

    def _update_status(self) -> None:
        pack = self.doc.pack
        self.status_pack.setText(f"Pack: {pack.id} ({pack.vintage})")
        self.status_pack.setToolTip(plain_tip(pack.notes))
        self.status_choices.setText(
            f"carbon {self.doc.setting('carbon_series', DEFAULTS.carbon_series)}, "
            f"{self.doc.setting('discount_schedule', DEFAULTS.discount_schedule)}")
        snap = self.doc.snapshot
        self.status_time.setText(f"computed in {snap.elapsed_ms:.0f} ms"
                                 if snap.results is not None and self._has_document else "")
        self.status_time.setToolTip("Time of the last appraisal of the whole portfolio")

    def _update_actions(self) -> None:
        has = self._has_document
        self.carbon_box.setEnabled(has)
        self.schedule_box.setEnabled(has)
        row = self.projects.current_row() if has else None
        for a in (self.a_save, self.a_save_as, self.a_export, self.a_pdf, self.a_add,
                  self.a_portfolio):
            a.setEnabled(has)
        for a in (self.a_duplicate, self.a_delete, self.a_up, self.a_down):
            a.setEnabled(has and row is not None)

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def _add_project(self) -> None:
        self._show_page(1)
        self.projects.add_project()

    def _duplicate(self) -> None:
        self.projects.duplicate_project()

    def _delete(self) -> None:
        self.projects.delete_project()

    def show_guide(self, page: str = "guide.md") -> None:
        """Help > User guide: a window of its own, kept open beside the work."""
        from .help_window import HelpWindow
        if self.help_window is None:
            self.help_window = HelpWindow(self)
            self.help_window.move(self.geometry().center() - self.help_window.rect().center())
        self.help_window.show_page(page)
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()

    def about(self) -> None:
        pack = self.doc.pack
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<h3>{APP_NAME} {__version__}</h3>"
                          "<p>Green Book appraisal of low-carbon infrastructure pipelines for Local "
                          "Enterprise Partnerships and combined authorities.</p>"
                          f"<p>Method version {METHOD_VERSION} (HM Treasury Green Book).<br>"
                          f"Assumption pack: <b>{escape(pack.name)}</b><br>id {escape(pack.id)}, "
                          f"vintage {escape(pack.vintage)}<br>{escape(pack.folder or '')}</p>"
                          f"<p>{escape(pack.notes)}</p>")

    # -- autosave and closing --------------------------------------------------------------------
    def _autosave(self) -> None:
        if self._has_document and self.doc.is_dirty:
            try:
                self.recovery.save(self.doc.portfolio.data, self.doc.path)
            except (OSError, ValueError) as exc:
                self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)

    def offer_recovery(self) -> bool:
        """At start: offer the recovery files that instances which ended badly left
        (recovery_dialog). The first chosen opens here, unless a document is already
        open; each other one opens in a window of its own. True when any was restored."""
        restored = False
        for r in offer_recovery_files(self, self.recovery.path, APP_NAME):
            target = self
            if self._has_document:
                target = MainWindow(self.settings)
                self.restored_windows.append(target)
                target.show()
            restored = target.restore(r) or restored
        return restored

    def restore(self, r: Recoverable) -> bool:
        """Open a recovered document, marked as changed (its edits are not on disk).
        Its recovery file is removed once this instance's own copy is written; when
        that cannot be written, the old file is kept for a later start."""
        try:
            portfolio = r.portfolio()
        except InputError as exc:
            r.release()
            QMessageBox.critical(self, "Cannot recover", f"{r.file} cannot be recovered:\n\n"
                                 f"{problems_text(exc)}\n\nIt is kept for a later start.")
            return False
        self._set_document(portfolio, Path(r.original) if r.original else None)
        self.doc.undo_stack.resetClean()
        self._update_title()
        try:
            self.recovery.save(self.doc.portfolio.data, self.doc.path)
        except (OSError, ValueError) as exc:
            r.release()
            self.statusBar().showMessage(f"Recovered; the recovery copy is kept as {r.file} "
                                         f"(autosave failed: {exc})", 15000)
            return True
        r.remove()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        for task in list(self._tasks):
            task.cancel()
            task.thread.quit()
            task.thread.wait(5000)
        self.recovery.close()
        self._save_layout()
        self.autosave.stop()
        self.projects.results.sensitivity_runner.wait()
        self.doc.shutdown()
        self.doc.undo_stack.blockSignals(True)   # no title updates while the window goes
        event.accept()

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 740)
        self.fit_to_screen()
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        for key, splitter, shares in self._splitters():
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                restore_splitter(splitter, value, shares)

    def _splitters(self):
        """Each splitter whose sizes are kept, with the least share of it each pane needs."""
        return (("split_projects", self.projects.splitter, (0.15, 0.2, 0.2)),
                # the scatter: its axis titles and labels overlap when squeezed
                ("split_dashboard", self.dashboard.splitter, (0.2, 0.4)),
                ("split_dashboard_v", self.dashboard.vsplitter, (0.25, 0.2)),
                ("split_assumptions", self.assumptions.splitter, (0.1, 0.4)))

    def fit_to_screen(self) -> None:
        """The window, frame included, within the screen's free area: a first start on a
        laptop, a layout saved on a bigger screen, or by a version whose window grew past
        the screen."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        free = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), free.width() - extra_w)
        height = min(self.height(), free.height() - extra_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.left(), free.left()), free.right() + 1 - frame.width())
        y = min(max(frame.top(), free.top()), free.bottom() + 1 - frame.height())
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:      # the frame's size is known once the window is shown
            self._shown_once = True
            QTimer.singleShot(0, self.fit_to_screen)
            self.fit_to_screen()

    def _save_layout(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        for key, splitter, _shares in self._splitters():
            self.settings.setValue(key, splitter.saveState())


SPLITTER_MAGIC = 0xFF    # QSplitter::saveState() begins with it, then a version, then the sizes


def saved_splitter_sizes(state: QByteArray) -> list[int] | None:
    """The pane sizes a QSplitter state holds, or None when it is not one."""
    stream = QDataStream(state)
    if stream.readInt32() != SPLITTER_MAGIC:
        return None
    stream.readInt32()                     # the state's version
    count = stream.readInt32()
    if not 0 < count < 16:
        return None
    sizes = [stream.readInt32() for _ in range(count)]
    return sizes if stream.status() == QDataStream.Status.Ok else None


def restore_splitter(splitter: QSplitter, state: QByteArray, min_shares: tuple[float, ...]) -> bool:
    """Restore a splitter's saved sizes unless they squeeze a pane below its least share
    (a chart whose axis labels would overlap): then its default sizes stay. Judged on the
    saved sizes themselves, since before the window is shown the splitter has no size of
    its own to judge by. True when restored."""
    sizes = saved_splitter_sizes(state)
    total = sum(sizes or ())
    if (not sizes or len(sizes) != len(min_shares) or total <= 0
            or any(size < share * total for size, share in zip(sizes, min_shares))):
        return False
    return splitter.restoreState(state)


def start(argv_path: str | None, settings: QSettings | None = None, *,
          example: bool = False) -> MainWindow:
    """The window as the application opens it: the file given, or the example (an untitled
    copy), or a recovery, or the last file, or the welcome page."""
    window = MainWindow(settings)
    window.show()
    QApplication.processEvents()
    if example:
        window.open_example()
    elif argv_path:
        window.open_file(Path(argv_path))
    # every orphaned recovery file is offered, also when a file was asked for
    restored = window.offer_recovery()
    if not (example or argv_path or restored):
        last = window.settings.value("last_file", "")
        if last and Path(last).is_file():
            window.open_file(Path(last))
    return window
