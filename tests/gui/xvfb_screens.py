"""The window-size walk (window_walk.py) in a real X window, at 1366x768 and 1920x1080.

For each screen size this starts ``Xvfb -screen 0 WxHx24``, opens a copy of the example
in the application on Qt's xcb platform (``main_window.start``, as ``appraisal FILE``
does), first as the application opens and then filling the screen, and walks every page,
a Monte Carlo run, a selection run and a lifetime of 0, with a screenshot of the whole
screen after each step. The window must stay within the screen, the navigation list must
keep its width and no page may need more room than it has.

    python tests/gui/xvfb_screens.py [--out FOLDER]

Exit status: 0 passed, 1 failed (the reasons on stderr), 2 when Xvfb or ImageMagick's
``import`` is missing, or Qt's xcb platform cannot load.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "examples" / "west-midlands-pipeline.json"
SIZES = ("1366x768", "1920x1080")
TOOLS = ("Xvfb", "import")
EXIT_MISSING_TOOLS = 2


def run_app(size: str, out: Path, full: bool) -> int:
    """In the child, on the X display: open, walk, write the measures; 1 on a problem."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from window_walk import problems, walk

    from appraisal.gui.app import make_app
    from appraisal.gui.main_window import start

    app = make_app()
    portfolio = out / "pipeline.json"
    shutil.copyfile(EXAMPLE, portfolio)
    settings = QSettings(str(out / f"settings-{size}.ini"), QSettings.Format.IniFormat)
    window = start(str(portfolio), settings)
    if full:
        window.setGeometry(window.screen().availableGeometry())
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    tag = f"{size}-{'full' if full else 'opened'}"
    shots = iter(range(1, 100))

    def screenshot(m) -> None:
        name = f"{tag}-{next(shots):02d}-{m.step.replace(' ', '-')}.png"
        for _ in range(10):
            app.processEvents()
            time.sleep(0.02)
        subprocess.run(["import", "-window", "root", str(out / name)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    nav_width = window.nav.width()
    measures = walk(window, screenshot)
    (out / f"{tag}.json").write_text(json.dumps([m.as_dict() for m in measures], indent=1))
    bad = problems(measures, nav_width)
    for line in bad:
        print(f"{tag}: {line}", file=sys.stderr)
    window.doc.undo_stack.setClean()
    window.close()
    QApplication.processEvents()
    return 1 if bad else 0


def xvfb(size: str):
    """An Xvfb server of ``size`` on the first free display from :120; (process, display)."""
    for n in range(120, 220):
        if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                return proc, f":{n}"
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise RuntimeError("Xvfb did not start on any display from :120 to :219")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the screenshots and measures")
    parser.add_argument("--app", nargs=3, metavar=("SIZE", "OUT", "FULL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app:
        return run_app(args.app[0], Path(args.app[1]), args.app[2] == "full")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"xvfb_screens: missing {', '.join(missing)} (Debian: apt-get install xvfb "
              "imagemagick)", file=sys.stderr)
        return EXIT_MISSING_TOOLS
    out = args.out or Path(tempfile.mkdtemp(prefix="xvfb-screens-"))
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    for size in SIZES:
        proc, display = xvfb(size)
        try:
            for full in ("opened", "full"):
                env = {k: v for k, v in os.environ.items() if k != "QT_SCALE_FACTOR"}
                env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb",
                           APPRAISAL_RECOVERY_DIR=str(out / "recovery"),
                           XDG_CONFIG_HOME=str(out / "config"), PYTHONFAULTHANDLER="1")
                run = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--app",
                                      size, str(out), full], env=env, capture_output=True,
                                     text=True, timeout=300)
                if 'Qt platform plugin "xcb"' in run.stderr and run.returncode not in (0, 1):
                    print(f"xvfb_screens: Qt's xcb platform cannot load:\n{run.stderr[-2000:]}",
                          file=sys.stderr)
                    return EXIT_MISSING_TOOLS
                if run.returncode != 0:
                    failed = True
                    print(f"xvfb_screens: {size} {full}: FAILED (exit {run.returncode})\n"
                          f"{run.stderr[-3000:]}", file=sys.stderr)
                else:
                    print(f"xvfb_screens: {size} {full}: passed")
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"screenshots and measures in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
