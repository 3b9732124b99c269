"""Time the desktop application: start-up, opening a large portfolio, and from an edit to
updated results.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--n 10000] [--edits 40]

1. Start-up: the whole process `python -m appraisal --example --smoke-test`
   (interpreter start, imports, the window shown with the example portfolio
   appraised, then closed) against, in the same run, a process that only
   imports PySide6's widgets. Goal: under 2 seconds.
2. Opening N projects (10,000 by default): `open_file` on a generated portfolio
   until its results are on the GUI thread, with the Projects page shown,
   against, in the same run, what the command line does with the same file (read,
   `parse_portfolio`, `appraise_portfolio`). Goal (issue 9): under 3 seconds.
3. Edit to result at N projects: each edit changes a project's opex through the
   document (an undo command, as the editor does), with the Projects page shown and a
   project selected; the clock stops when every view has taken the new results (a slot
   connected after all of the window's own). The edited project alone is appraised
   again (appraisal/core/incremental.py). Against, in the same run, the core's full
   appraisal of the portfolio (what every edit cost before) and its appraisal of one
   project. One warm-up edit first (the results panel lays itself out), reported apart.
   Goals (issue 9): median under 50 ms, worst under 150 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def startup(repeats: int) -> None:
    env = dict(os.environ, APPRAISAL_RECOVERY_DIR=tempfile.mkdtemp())
    app_runs, base_runs = [], []
    for _ in range(repeats):   # interleaved, so machine noise falls on both alike
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "appraisal", "--example", "--smoke-test"],
                             capture_output=True, text=True, env=env, cwd=HERE.parent)
        app_runs.append(time.perf_counter() - t0)
        assert "smoke test: ok" in out.stdout, out.stdout + out.stderr
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], env=env, check=True)
        base_runs.append(time.perf_counter() - t0)
    app_m, base_m = statistics.median(app_runs), statistics.median(base_runs)
    print(f"start-up, medians of {repeats} [s]")
    print(f"  window shown with the example appraised, then closed  {app_m:.3f}"
          f"   (runs: {', '.join(f'{t:.3f}' for t in app_runs)})")
    print(f"  python -c 'import PySide6.QtWidgets' (baseline)        {base_m:.3f}"
          f"   ratio {app_m / base_m:.1f}")
    print("  goal: under 2 s")


def _window():
    from PySide6.QtCore import QSettings

    from appraisal.gui.main_window import MainWindow
    w = MainWindow(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    w.resize(1366, 740)
    w.show()
    return w


def _close(app, w) -> None:
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()    # destroy Qt objects now, not in the interpreter's final collection
    app.processEvents()


def opening(app, path: Path, n: int, repeats: int) -> None:
    from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
    from appraisal.io.portfolio_file import load_portfolio
    from appraisal.resources import default_pack_dir
    pack = load_pack(default_pack_dir())
    gui, core = [], []
    for _ in range(repeats):
        w = _window()
        app.processEvents()
        t0 = time.perf_counter()
        assert w.open_file(path)
        w.doc.wait_for_results(120_000)
        app.processEvents()
        gui.append(time.perf_counter() - t0)
        assert w.doc.results is not None and len(w.doc.results.ids) == n
        _close(app, w)
        t0 = time.perf_counter()
        appraise_portfolio(parse_portfolio(load_portfolio(path).data, pack), pack)
        core.append(time.perf_counter() - t0)
    g, c = statistics.median(gui), statistics.median(core)
    print(f"opening {n:,} projects, medians of {repeats} [s]")
    print(f"  open_file to results on the GUI thread       {g:.3f}"
          f"   (runs: {', '.join(f'{t:.3f}' for t in gui)})")
    print(f"  read + parse + appraise, the core (baseline)  {c:.3f}   ratio {g / c:.2f}")
    print("  goal: under 3 s")


def edit_latency(app, path: Path, n: int, edits: int) -> None:
    import dataclasses

    from appraisal.core import appraise_portfolio, parse_portfolio
    w = _window()
    assert w.open_file(path)
    w.doc.wait_for_results(120_000)
    w.projects.select_row(n // 2)
    w.projects.results.sensitivity_runner.wait()
    app.processEvents()

    def edit(k: int) -> float:
        arrived: list[float] = []
        w.doc.resultsChanged.connect(lambda: arrived.append(time.perf_counter()))
        row = (k * 7919) % n
        t0 = time.perf_counter()
        w.doc.set_field(row, ("opex_per_year",), 1000.0 + k, "opex")
        while not arrived:
            app.processEvents()
        w.doc.resultsChanged.disconnect()
        app.processEvents()
        return (arrived[0] - t0) * 1000

    warm_up = edit(0)
    times = [edit(k) for k in range(1, edits + 1)]
    inputs = parse_portfolio(w.doc.portfolio.data, w.doc.pack)
    full, one = [], []
    for k in range(5):
        t0 = time.perf_counter()
        appraise_portfolio(inputs, w.doc.pack)
        full.append((time.perf_counter() - t0) * 1000)
        single = dataclasses.replace(inputs, projects=(inputs.projects[k],))
        t0 = time.perf_counter()
        appraise_portfolio(single, w.doc.pack)
        one.append((time.perf_counter() - t0) * 1000)
    med, worst, base = statistics.median(times), max(times), statistics.median(full)
    print(f"edit to updated results, {n:,} projects, {edits} edits [ms]")
    print(f"  edit -> every view updated: median {med:.1f}, worst {worst:.1f}"
          f"   (warm-up edit {warm_up:.1f})")
    print(f"  the core's full appraisal (baseline, what each edit cost before)  {base:.1f}"
          f"   ratio median/baseline {med / base:.3f}")
    print(f"  the core's appraisal of one project                               "
          f"{statistics.median(one):.1f}")
    print("  goal: median under 50 ms, worst under 150 ms")
    _close(app, w)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-startup", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_startup:
        startup(args.repeats)
    from generate import write_portfolio

    from appraisal.gui.app import make_app
    os.environ["APPRAISAL_RECOVERY_DIR"] = tempfile.mkdtemp()
    app = make_app()
    path = Path(tempfile.mkdtemp()) / f"portfolio-{args.n}.json"
    write_portfolio(args.n, path, 1)
    opening(app, path, args.n, args.repeats)
    edit_latency(app, path, args.n, args.edits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
