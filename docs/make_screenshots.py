"""Take the README's screenshots of the main views at 1366x768 (a council laptop).

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py [OUT_DIR]

Runs the real application on the bundled example portfolio, with settings
and recovery files in a temporary folder so that nothing of the user's is
read or changed.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="appraisal-shots-")
    os.environ["APPRAISAL_RECOVERY_DIR"] = tmp
    from PySide6.QtCore import QSettings
    from appraisal.gui.app import make_app
    from appraisal.gui.main_window import MainWindow
    from appraisal.resources import example_portfolio
    app = make_app()
    settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    w.resize(1366, 768)
    w.show()
    app.processEvents()
    w.welcome.set_recent([str(example_portfolio())])
    app.processEvents()
    w.grab().save(str(out / "welcome.png"))
    w.open_file(example_portfolio(), remember=False)
    w.doc.wait_for_results()
    shots = [("dashboard", 0, None), ("projects", 1, 2), ("assumptions", 2, None)]
    for name, page, row in shots:
        w._show_page(page)
        if row is not None:
            w.projects.select_row(row)
        app.processEvents()
        w.doc.wait_for_results()
        app.processEvents()
        w.grab().save(str(out / f"{name}.png"))
        print(f"wrote {out / (name + '.png')}")
    # the Uncertainty and Selection pages, run as a user would
    w._show_page(3)
    w.uncertainty.draws.setValue(10_000)
    w.uncertainty.run_button.click()
    while w._tasks:
        app.processEvents()
    w.grab().save(str(out / "uncertainty.png"))
    w._show_page(4)
    w.selection.budget.setText("20m")
    w.selection.run_button.click()
    while w._tasks:
        app.processEvents()
    app.processEvents()
    w.grab().save(str(out / "selection.png"))
    print(f"wrote {out / 'uncertainty.png'} and {out / 'selection.png'}")
    w.doc.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
