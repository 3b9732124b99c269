"""Goes through the editor's sections by keyboard and types through the heat-pump and EV
calculators of the real application, in a real X window.

The offscreen tests call Qt directly; this script does what a person does. It starts
``Xvfb``, opens a copy of the example portfolio in the application (``appraisal
PORTFOLIO.json`` on the xcb platform) and drives it with ``xdotool``: real clicks and key
presses. First the keyboard alone: Shift+Tab to the first section's heading, then Tab from
heading to heading, each opened with Return and closed with Left. Then typing with pauses
longer than the editor's typing pause, Tab and clicks between fields, in the heat-pump
calculator of HP-001 (with Ctrl+Z and Ctrl+Y on a committed field: the document's undo and
redo, not the field's) and the EV charging calculator of EV-003.
After each step the application must be alive, the expected field must hold the keyboard
focus and the typed text, and the document must hold the typed values; at the end the
portfolio is saved (Ctrl+S) and the file read back, and the application must quit (Ctrl+Q)
with status 0 and nothing on stderr that looks like an error. Screenshots of the screen
are left in the output folder.

To find where a field is on the screen, the application runs under a small observer
(``--app`` below) that writes, every 100 ms, the screen rectangle of every visible
widget, the focused widget and the document's calculator inputs to a JSON file. It only
reads; every input reaches the application through the X server.

    python tests/gui/xvfb_walk.py [--out FOLDER]

Exit status: 0 when the walk passed, 1 when it failed (the reason on stderr), 2 when
Xvfb, xdotool or ImageMagick's ``import`` is missing, or the libraries of Qt's xcb
platform (Debian: libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
libxkbcommon-x11-0 and the others .ci/run installs).
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
if str(REPO) not in sys.path:     # run as a script from anywhere: the application's package
    sys.path.insert(0, str(REPO))
EXAMPLE = REPO / "resources" / "examples" / "west-midlands-pipeline.json"
TOOLS = ("Xvfb", "xdotool", "import")     # import: ImageMagick, for the screenshots
SCREEN = "1366x768x24"                    # the laptop screen
EXIT_MISSING_TOOLS = 2


class WalkFailed(AssertionError):
    pass


class MissingTools(RuntimeError):
    pass


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


# ---------------------------------------------------------------------------------------
# Inside the application's process: the observer
# ---------------------------------------------------------------------------------------

def _checked(w) -> bool | None:
    from PySide6.QtWidgets import QAbstractButton
    return w.isChecked() if isinstance(w, QAbstractButton) and w.isCheckable() else None


def _widget_name(w) -> str:
    from PySide6.QtWidgets import QAbstractButton
    name = w.accessibleName()
    if not name and isinstance(w, QAbstractButton):
        name = w.text().replace("&", "")
    return name or w.objectName()


def _describe_screen(report: Path) -> None:
    """Write what is on the screen, and the document's calculator inputs, to ``report``."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLineEdit, QWidget
    from shiboken6 import isValid

    from appraisal.gui.main_window import MainWindow

    widgets, projects = [], []
    for top in QApplication.topLevelWidgets():
        if not isValid(top) or not top.isVisible():
            continue
        for w in [top, *top.findChildren(QWidget)]:
            if not isValid(w) or not w.isVisible():
                continue
            name = _widget_name(w)
            if not name:
                continue
            p = w.mapToGlobal(QPoint(0, 0))
            widgets.append({"name": name, "class": type(w).__name__, "window": top.windowTitle(),
                            "rect": [p.x(), p.y(), w.width(), w.height()], "checked": _checked(w)})
            if isinstance(w, QAbstractScrollArea):
                v = w.viewport()
                q = v.mapToGlobal(QPoint(0, 0))
                widgets.append({"name": name + ".viewport", "class": "viewport",
                                "window": top.windowTitle(), "rect": [q.x(), q.y(), v.width(), v.height()]})
        if isinstance(top, MainWindow):
            projects = [{"id": p.get("id"), "calculator": p.get("calculator"),
                         "energy_changes": p.get("energy_changes")} for p in top.doc.projects]
    focus = QApplication.focusWidget()
    focused = None
    if focus is not None and isValid(focus):
        focused = {"name": _widget_name(focus), "class": type(focus).__name__,
                   "text": focus.text() if isinstance(focus, QLineEdit) else None}
    tmp = report.with_suffix(".tmp")
    tmp.write_text(json.dumps({"time": time.time(), "widgets": widgets, "focus": focused,
                               "projects": projects}))
    os.replace(tmp, report)


def run_app(portfolio: str, report: Path) -> int:
    """The application's own entry point, with the observer writing ``report``."""
    from PySide6.QtCore import QTimer

    from appraisal.__main__ import main
    from appraisal.gui.app import make_app

    app = make_app()        # the application's run() takes this instance over
    timer = QTimer(app)
    timer.setInterval(100)

    def observe() -> None:
        try:
            _describe_screen(report)
        except Exception as exc:  # noqa: BLE001 - the observer must not be what fails
            print(f"xvfb_walk observer: {type(exc).__name__}: {exc}", file=sys.stderr)
    timer.timeout.connect(observe)
    timer.start()
    return main([portfolio])


# ---------------------------------------------------------------------------------------
# The driver: X server, application, xdotool
# ---------------------------------------------------------------------------------------

class XServer:
    """``Xvfb :N -screen 0 1366x768x24`` on the first free display from :90."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.display = ""

    def __enter__(self) -> "XServer":
        for n in range(90, 200):
            if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
                continue
            proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    self.proc, self.display = proc, f":{n}"
                    return self
                time.sleep(0.05)
            proc.kill()
            proc.wait()
        raise WalkFailed("Xvfb did not start on any display from :90 to :199")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Walk:
    """The application in a window of ``display``, and the steps a person takes in it."""

    def __init__(self, display: str, out: Path) -> None:
        from appraisal.gui.editor import TYPING_PAUSE_MS
        self.display, self.out = display, out
        self.pause = 2 * TYPING_PAUSE_MS / 1000 + 0.3   # long enough for the pause to commit
        self.portfolio = out / "pipeline.json"
        shutil.copyfile(EXAMPLE, self.portfolio)
        self.report = out / "screen.json"
        self.stderr_path = out / "app-stderr.txt"
        path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
        self.env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=path,
                        XDG_CONFIG_HOME=str(out / "config"),     # fresh settings, not the user's
                        XDG_DATA_HOME=str(out / "data"), XDG_CACHE_HOME=str(out / "cache"),
                        APPRAISAL_RECOVERY_DIR=str(out / "recovery"),
                        PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
        self.env.pop("QT_SCALE_FACTOR", None)
        self.proc: subprocess.Popen | None = None
        self.shots = 0
        self.log: list[str] = []
        self.radio_buttons = {"Heat pump calculator", "EV charging calculator"}

    # -- the application ----------------------------------------------------------------
    def start(self) -> None:
        self._stderr = self.stderr_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--app", str(self.portfolio),
             str(self.report)], env=self.env, cwd=str(self.out), stdout=subprocess.DEVNULL,
            stderr=self._stderr)
        self.find("Energy and carbon", timeout=60)     # the window is open on the Projects page
        wid = self.xdo("search", "--sync", "--onlyvisible", "--name", "Low-Carbon Appraisal").split()
        if not wid:
            raise WalkFailed("xdotool found no window named Low-Carbon Appraisal")
        self.window_id = wid[0]
        # no window manager: give the window the X input focus as one would on a click
        self.xdo("windowfocus", "--sync", self.window_id)
        self.screenshot("opened")

    def alive(self, step: str) -> None:
        assert self.proc is not None
        code = self.proc.poll()
        if code is not None:
            self._stderr.flush()
            if 'Qt platform plugin "xcb"' in self.stderr_path.read_text():
                raise MissingTools("Qt's xcb platform cannot load (missing libraries)")
            raise WalkFailed(f"the application died after: {step} (exit {_exit_text(code)})")

    def quit(self) -> int:
        """Ctrl+Q, then wait; a save question (not expected after Ctrl+S) is answered Discard."""
        assert self.proc is not None
        self.key("ctrl+q")
        deadline = time.monotonic() + 20
        while self.proc.poll() is None and time.monotonic() < deadline:
            screen = self.screen()
            discard = [w for w in screen["widgets"] if w["class"] == "QPushButton"
                       and w["name"] in ("Discard", "Close without Saving", "Don't Save")]
            if discard:
                self.log.append("quit asked to save the changes: answered Discard")
                self.click_rect(discard[0]["rect"])
            time.sleep(0.3)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            raise WalkFailed("the application did not quit on Ctrl+Q within 20 s")
        self._stderr.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if hasattr(self, "_stderr"):
            self._stderr.close()

    # -- looking -------------------------------------------------------------------------
    def screen(self) -> dict:
        for _ in range(50):
            try:
                return json.loads(self.report.read_text())
            except (OSError, ValueError):
                time.sleep(0.1)
        raise WalkFailed("the observer wrote no screen description")

    def fresh_screen(self) -> dict:
        """A description written after this call (the observer writes every 100 ms)."""
        t0 = time.time()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            s = self.screen()
            if s["time"] > t0:
                return s
            time.sleep(0.05)
        time.sleep(2)            # a dying process may take a moment to be reaped
        self.alive(self.log[-1] if self.log else "the start")
        raise WalkFailed("the observer stopped writing (the application hangs?)")

    def find(self, name: str, timeout: float = 10, cls: str | None = None) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None:
                self.alive(f"waiting for {name!r}")
            if self.report.exists():
                for w in self.screen()["widgets"]:
                    if w["name"] == name and (cls is None or w["class"] == cls):
                        return w["rect"]
            time.sleep(0.1)
        raise WalkFailed(f"no visible widget named {name!r} on the screen")

    def focus(self) -> dict:
        return self.fresh_screen()["focus"] or {}

    def checked(self, name: str) -> bool | None:
        """Whether the visible check box or section heading ``name`` is ticked or open."""
        for w in self.fresh_screen()["widgets"]:
            if w["name"] == name and w.get("checked") is not None:
                return w["checked"]
        raise WalkFailed(f"no visible check box or section named {name!r}")

    def project(self, pid: str) -> dict:
        (p,) = [p for p in self.fresh_screen()["projects"] if p["id"] == pid]
        return p

    def screenshot(self, label: str) -> None:
        self.shots += 1
        path = self.out / f"{self.shots:02d}-{label}.png"
        subprocess.run(["import", "-display", self.display, "-window", "root", str(path)],
                       check=False, env=self.env, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # -- acting ----------------------------------------------------------------------------
    def xdo(self, *args: str) -> str:
        r = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise WalkFailed(f"xdotool {' '.join(args)} failed: {r.stderr.strip()}")
        return r.stdout

    def click_rect(self, rect: list[int], dx: int | None = None, dy: int | None = None) -> None:
        x, y, w, h = rect
        self.xdo("mousemove", "--sync", str(x + (w // 2 if dx is None else dx)),
                 str(y + (h // 2 if dy is None else dy)), "click", "1")
        time.sleep(0.15)

    def click(self, name: str, cls: str | None = None) -> None:
        self.log.append(f"click {name}")
        # a radio button or check box takes clicks on its circle and words only
        left = 8 if name in self.radio_buttons else None
        self.click_rect(self.find(name, cls=cls), dx=left)
        self.alive(f"a click on {name!r}")

    def type(self, text: str) -> None:
        self.log.append(f"type {text!r}")
        self.xdo("type", "--delay", "40", text)

    def key(self, *keys: str) -> None:
        self.log.append(f"key {' '.join(keys)}")
        self.xdo("key", "--delay", "40", *keys)

    def wait_typing_pause(self) -> None:
        time.sleep(self.pause)

    def expect_focus(self, name: str, text: str | None = None, step: str = "") -> None:
        self.alive(step)
        f = self.focus()
        if f.get("name") != name:
            raise WalkFailed(f"after {step}: the keyboard focus is on {f or 'nothing'}, not {name!r}")
        if text is not None and f.get("text") != text:
            raise WalkFailed(f"after {step}: {name!r} shows {f.get('text')!r}, not {text!r}")

    # -- the walk ----------------------------------------------------------------------------
    def calculator(self, pid: str, radio: str, fields: list[tuple[str, str, str]],
                   expected: dict) -> None:
        """In project ``pid``: choose the calculator, then walk its fields.

        ``fields`` are (name, first typing, second typing) of the four number fields in
        tab order (the fuel choice between the third and the fourth); the walk chooses the
        last fuel, and ``expected`` is then the calculator object of the document.
        """
        self.click(radio)
        self.find(fields[0][0])
        (a, a1, a2), (b, b1, b2), (c, c1, c2), (d, d1, d2) = fields
        # A: click, type, Tab at once (the field commits as the focus leaves it)
        self.click(a)
        self.key("ctrl+a")
        self.type(a1)
        self.key("Tab")
        self.expect_focus(b, step=f"typing in {a!r} and Tab")
        # B: Tab selected its text; type, pause (the pause commits), type again, pause
        self.type(b1)
        self.wait_typing_pause()
        self.expect_focus(b, b1, f"a typing pause in {b!r}")
        self.type(b2)
        self.wait_typing_pause()
        self.expect_focus(b, b1 + b2, f"a second typing pause in {b!r}")
        # C by a click; type, pause, type, Tab to the fuel choice
        self.click(c)
        self.expect_focus(c, step=f"a click from {b!r} on {c!r}")
        self.key("ctrl+a")
        self.type(c1)
        self.wait_typing_pause()
        self.type(c2)
        self.key("Tab")
        self.expect_focus("Displaced fuel", step=f"Tab from {c!r}")
        # the fuel by keyboard (the last one), a pause, Tab to D
        self.key("End")
        self.wait_typing_pause()
        self.expect_focus("Displaced fuel", step="choosing the displaced fuel")
        self.key("Tab")
        self.expect_focus(d, step="Tab from the fuel choice")
        self.type(d1)
        self.wait_typing_pause()
        self.type(d2)
        self.wait_typing_pause()
        self.expect_focus(d, d1 + d2, f"typing in {d!r}")
        # back to A by a click, type at the end, pause, Shift+Tab away
        self.click(a)
        self.expect_focus(a, step=f"a click from {d!r} on {a!r}")
        self.key("End")
        self.type(a2)
        self.wait_typing_pause()
        self.expect_focus(a, a1 + a2, f"typing again in {a!r}")
        self.key("shift+Tab")
        self.wait_typing_pause()
        self.alive("Shift+Tab")
        got = self.project(pid)["calculator"]
        if got != expected:
            raise WalkFailed(f"{pid}'s calculator inputs are {got}, not {expected}")
        self.log.append(f"{pid}: {got}")

    def sections_by_keyboard(self) -> None:
        """From the first field, Shift+Tab to the first section's heading; then Tab from
        heading to heading, opening each with Return (Tab would go into it) and closing it
        with Left, as a keyboard user looks through the form."""
        titles = [w["name"] for w in sorted(self.screen()["widgets"], key=lambda w: w["rect"][1])
                  if w["class"] == "SectionButton"]
        if len(titles) < 8:
            raise WalkFailed(f"the editor shows {len(titles)} section headings: {titles}")
        self.click("Project ID")                 # the first section is open at the start
        self.key("shift+Tab")
        self.expect_focus(titles[0], step="Shift+Tab from the first field")
        self.key("Left")
        for title in titles[1:]:
            self.key("Tab")
            self.expect_focus(title, step=f"Tab to the heading {title!r}")
            self.key("Return")
            if not self.checked(title):
                raise WalkFailed(f"Return did not open the section {title!r}")
            if title == "Business case and optimism bias":
                self.expect_focus(title, step="opening a section")
                self.screenshot("sections-by-keyboard")
            self.key("Left")
            if self.checked(title):
                raise WalkFailed(f"Left did not close the section {title!r}")
        self.alive("the sections by keyboard")
        self.log.append(f"sections by keyboard: {len(titles)}")

    def undo_redo_in_a_field(self, pid: str, name: str, typed: str, key: str) -> None:
        """Commit ``typed`` in a field with Return; Ctrl+Z undoes it in the document (the
        field keeps the focus), Ctrl+Y redoes it, Ctrl+Z again leaves it undone."""
        before = self.project(pid)["calculator"][key]
        self.click(name)
        self.key("ctrl+a")
        self.type(typed)
        self.key("Return")
        self.wait_typing_pause()
        got = self.project(pid)["calculator"][key]
        if str(got) != typed:
            raise WalkFailed(f"{name!r}: Return committed {got!r}, not {typed}")
        for keys, want in (("ctrl+z", before), ("ctrl+y", got), ("ctrl+z", before)):
            self.key(keys)
            self.wait_typing_pause()
            now = self.project(pid)["calculator"][key]
            if now != want:
                raise WalkFailed(f"{name!r}: {keys} left {now!r} in the document, not {want!r}")
            self.expect_focus(name, step=f"{keys} in {name!r}")
        self.log.append(f"undo and redo in {name!r}")

    def run(self) -> None:
        self.start()
        self.sections_by_keyboard()
        self.click("Energy and carbon")
        self.find("Heat pump calculator")
        self.calculator(
            "HP-001", "Heat pump calculator",
            [("Heat pumps installed", "12", "00"), ("Heat demand per install", "90", "00"),
             ("Heat pump SCOP", "3.", "1"), ("Displaced heating efficiency", "0.", "9")],
            {"type": "heat_pumps", "installs": 1200, "heat_demand_kwh_per_install": 9000,
             "scop": 3.1, "displaced_fuel": "grid_electricity", "displaced_efficiency": 0.9})
        self.undo_redo_in_a_field("HP-001", "Heat pumps installed", "1300", "installs")
        self.screenshot("heat-pump-calculator")
        # EV-003: a click in the project list, then the arrow keys
        rect = self.find("Projects.viewport")
        self.click_rect(rect, dx=40, dy=8)
        self.key("Down", "Down")
        self.wait_typing_pause()
        self.alive("choosing EV-003")
        self.calculator(
            "EV-003", "EV charging calculator",
            [("Chargers", "4", "00"), ("Energy per charger", "70", "00"),
             ("Electric car use", "0.1", "8"), ("Displaced car fuel use", "0.0", "6")],
            {"type": "ev_charging", "chargers": 400, "kwh_per_charger_per_year": 7000,
             "ev_kwh_per_km": 0.18, "displaced_fuel": "diesel", "ice_litres_per_km": 0.06})
        self.screenshot("ev-calculator")
        # saved to disk as typed
        self.key("ctrl+s")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            saved = {p["id"]: p for p in json.loads(self.portfolio.read_text())["projects"]}
            if saved["EV-003"].get("calculator"):
                break
            time.sleep(0.2)
        for pid in ("HP-001", "EV-003"):
            if saved[pid].get("calculator") != self.project(pid)["calculator"]:
                raise WalkFailed(f"the saved file has {pid} calculator {saved[pid].get('calculator')}")
        self.screenshot("saved")
        code = self.quit()
        if code != 0:
            raise WalkFailed(f"the application exited with {_exit_text(code)} on Ctrl+Q")
        errors = [line for line in self.stderr_path.read_text().splitlines()
                  if any(s in line for s in ("Traceback", "Error", "Fatal", "already deleted"))]
        if errors:
            raise WalkFailed("the application wrote errors on stderr:\n" + "\n".join(errors[:20]))


def _exit_text(code: int) -> str:
    if code < 0:
        import signal
        name = signal.Signals(-code).name
        return f"{128 - code}, killed by {name}" + (" (segmentation fault)" if name == "SIGSEGV" else "")
    return str(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the screenshots, the copy of the "
                                                 "portfolio and the application's stderr "
                                                 "(default: a new temporary folder)")
    parser.add_argument("--app", nargs=2, metavar=("PORTFOLIO", "REPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app:
        return run_app(args.app[0], Path(args.app[1]))
    missing = missing_tools()
    if missing:
        print(f"xvfb_walk: missing {', '.join(missing)} (Debian: apt-get install xvfb xdotool "
              "imagemagick)", file=sys.stderr)
        return EXIT_MISSING_TOOLS
    out = args.out or Path(tempfile.mkdtemp(prefix="xvfb-walk-"))
    out.mkdir(parents=True, exist_ok=True)
    with XServer() as x:
        walk = Walk(x.display, out)
        try:
            walk.run()
        except MissingTools as exc:
            walk.kill()
            print(f"xvfb_walk: {exc}:\n{walk.stderr_path.read_text()[-2000:]}", file=sys.stderr)
            return EXIT_MISSING_TOOLS
        except WalkFailed as exc:
            walk.screenshot("failed")
            walk.kill()
            stderr = walk.stderr_path.read_text() if walk.stderr_path.exists() else ""
            print(f"xvfb_walk: FAILED: {exc}\nsteps: {'; '.join(walk.log[-12:])}\n"
                  f"application stderr (last lines):\n{stderr[-3000:]}\nscreenshots in {out}",
                  file=sys.stderr)
            return 1
        finally:
            walk.kill()
    print(f"xvfb_walk: passed; screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
