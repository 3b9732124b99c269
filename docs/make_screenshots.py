"""Take the README's and the user guide's screenshots at 1366x768 (a council laptop),
in a real X window under Xvfb.

    python docs/make_screenshots.py [OUT_DIR]           # starts Xvfb 1366x768 itself
    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py --here [OUT_DIR]

Runs the real application on the bundled example portfolio, with settings
and recovery files in a temporary folder so that nothing of the user's is
read or changed. Under X each shot is the screen as ImageMagick's ``import``
sees it (the window fills the screen: Xvfb has no window manager, so no title
bar); with ``--here`` on another platform, Qt's own rendering of the window.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCREEN = "1366x768x24"


def in_xvfb(argv: list[str]) -> int:
    """Run this script again (``--here``) on a fresh Xvfb display with Qt's xcb platform."""
    missing = [t for t in ("Xvfb", "import") if shutil.which(t) is None]
    if missing:
        print(f"make_screenshots: missing {', '.join(missing)} (Debian: apt-get install xvfb "
              "imagemagick); or run with QT_QPA_PLATFORM=offscreen and --here", file=sys.stderr)
        return 2
    for n in range(150, 250):
        if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while not Path(f"/tmp/.X11-unix/X{n}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            env = dict(os.environ, DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb")
            env.pop("QT_SCALE_FACTOR", None)
            return subprocess.run([sys.executable, __file__, "--here", *argv], env=env).returncode
        finally:
            xvfb.terminate()
            xvfb.wait(10)
    print("make_screenshots: no free X display", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    if "--here" not in argv:
        return in_xvfb(argv)
    args = [a for a in argv if a != "--here"]
    out = Path(args[0]) if args else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="appraisal-shots-")
    os.environ["APPRAISAL_RECOVERY_DIR"] = tmp
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication
    from appraisal.gui.app import make_app
    from appraisal.gui.main_window import MainWindow
    from appraisal.resources import example_portfolio
    app = make_app()
    real_window = QGuiApplication.platformName() == "xcb" and shutil.which("import")
    settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    w.show()
    w.setGeometry(w.screen().availableGeometry())     # the whole 1366x768 screen

    def settle() -> None:
        for _ in range(30):
            app.processEvents()
            time.sleep(0.01)
        while w._tasks:
            app.processEvents()
        w.doc.wait_for_results()

    def shot(name: str, widget=None) -> None:
        settle()
        path = out / f"{name}.png"
        if real_window:
            subprocess.run(["import", "-window", "root", str(path)], check=True)
        else:
            (widget or w).grab().save(str(path))
        print(f"wrote {path}")

    w.welcome.set_recent([str(Path.home() / "Documents" / "west-midlands-pipeline.json")])
    shot("welcome")
    w.open_example()
    shots = [("dashboard", 0, None), ("projects", 1, 2), ("assumptions", 2, None),
             ("portfolio", 5, None)]
    for name, page, row in shots:
        w._show_page(page)
        if row is not None:
            w.projects.select_row(row)
        shot(name)
    # the Delivery page, the project with the most to say selected
    w._show_page(6)
    w.delivery.select_project("RET-010")
    shot("delivery")
    # the Uncertainty and Selection pages, run as a user would
    w._show_page(3)
    w.uncertainty.draws.setValue(10_000)
    w.uncertainty.run_button.click()
    shot("uncertainty")
    w._show_page(4)
    w.selection.budget.setText("20m")
    w.selection.run_button.click()
    shot("selection")
    # Help > User guide, in its own window over the main one
    w._show_page(1)
    w.show_guide()
    shot("help", w.help_window)
    w.help_window.close()
    w.doc.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
