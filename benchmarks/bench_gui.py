"""Time the desktop application: start-up, and from an edit to updated results.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--n 500] [--edits 20]

1. Start-up: the whole process `python -m appraisal --example --smoke-test`
   (interpreter start, imports, the window shown with the example portfolio
   appraised, then closed) against, in the same run, a process that only
   imports PySide6's widgets. The issue's goal: under 2 seconds.
2. Edit latency: a window with N generated projects; each edit changes a
   project's opex through the document (an undo command, as the editor does)
   and the clock stops when the new results have arrived on the GUI thread.
   Beside it, the core's own appraisal of the same portfolio. Goal: under
   50 ms for 500 projects.
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
    print(f"start-up, medians of {repeats} [s]")
    print(f"  window shown with the example appraised, then closed  {statistics.median(app_runs):.3f}"
          f"   (runs: {', '.join(f'{t:.3f}' for t in app_runs)})")
    print(f"  python -c 'import PySide6.QtWidgets' (baseline)        {statistics.median(base_runs):.3f}")
    print("  goal: under 2 s")


def edit_latency(n: int, edits: int) -> None:
    from generate import generate_portfolio
    from PySide6.QtCore import QSettings
    from appraisal.core import Portfolio, appraise_portfolio, parse_portfolio
    from appraisal.gui.app import make_app
    from appraisal.gui.main_window import MainWindow
    os.environ["APPRAISAL_RECOVERY_DIR"] = tempfile.mkdtemp()
    app = make_app()
    tmp = tempfile.mkdtemp()
    w = MainWindow(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    w.resize(1366, 768)
    w.show()
    doc_data = generate_portfolio(n, 1)
    w._set_document(Portfolio(doc_data), None)
    w.doc.wait_for_results(60_000)
    w.projects.select_row(n // 2)
    app.processEvents()
    times = []
    for k in range(edits):
        row = (k * 37) % n
        arrived = []
        w.doc.resultsChanged.connect(lambda: arrived.append(time.perf_counter()))
        t0 = time.perf_counter()
        w.doc.set_field(row, ("opex_per_year",), 1000.0 + k, "opex")
        while not arrived:
            app.processEvents()
        times.append((arrived[0] - t0) * 1000)
        w.doc.resultsChanged.disconnect()
        app.processEvents()
    inputs = parse_portfolio(w.doc.portfolio.data, w.doc.pack)
    core = []
    for _ in range(edits):
        t0 = time.perf_counter()
        appraise_portfolio(inputs, w.doc.pack, keep_series=True)
        core.append((time.perf_counter() - t0) * 1000)
    print(f"edit to updated results, {n} projects, medians of {edits} edits [ms]")
    print(f"  edit -> results on the GUI thread   {statistics.median(times):.1f}"
          f"   (max {max(times):.1f})")
    print(f"  the core's appraisal alone           {statistics.median(core):.1f}")
    print("  goal: under 50 ms")
    w.doc.undo_stack.setClean()
    w.close()
    w.deleteLater()    # destroy Qt objects now, not in the interpreter's final collection
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    startup(args.repeats)
    edit_latency(args.n, args.edits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
