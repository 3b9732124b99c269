"""Time the uncertainty analysis against the plain appraisal, in the same run.

    python benchmarks/bench_uncertainty.py [--repeats 5] [--energy-series]

1. Monte Carlo: 10,000 draws on 100 projects (goal: under 3 s), beside one
   appraisal of the same projects.
2. Tornado, switching values and scenarios for 500 projects (goal: under
   1 s), beside one appraisal of the same projects.
Medians of the repeats, wall clock and CPU time of this process; the machine
is shared, so read the ratios and the CPU times too.

With ``--energy-series`` the default pack gains low and high energy price rows
(0.8 and 1.2 times each row, every fuel), as the DESNZ tables give them, so
that the energy-price driver's extra appraisals (the low and high series in the
tornado; each fuel apart in Monte Carlo) are timed; the 2026 reference pack
has none, and then those appraisals are skipped.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate_portfolio  # noqa: E402

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio  # noqa: E402
from appraisal.core.montecarlo import simulate  # noqa: E402
from appraisal.core.sensitivity import sensitivity  # noqa: E402
from appraisal.resources import default_pack_dir  # noqa: E402


def median_time(fn, repeats: int) -> tuple[float, float, list[float]]:
    """Median wall-clock and CPU seconds of ``repeats`` runs, and the wall-clock runs."""
    runs, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(runs), statistics.median(cpu), runs


def pack_with_energy_series(folder: Path, low: float = 0.8, high: float = 1.2) -> Path:
    """The default pack copied to ``folder`` with low and high rows beside every
    row that serves all series (FORMAT.md 4: an empty ``series`` cell)."""
    shutil.copytree(default_pack_dir(), folder)
    path = folder / "energy_prices.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = list(reader.fieldnames or []), list(reader)
    out = []
    for r in rows:
        out.append(r)
        if not r["series"]:
            out += [{**r, "series": s, "quality": "illustrative",
                     "gbp_per_unit": repr(float(r["gbp_per_unit"]) * k)}
                    for s, k in (("low", low), ("high", high))]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(out)
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--energy-series", action="store_true",
                    help="give every fuel low and high energy price series (x0.8, x1.2)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pack = load_pack(pack_with_energy_series(Path(tmp) / "pack") if args.energy_series
                         else default_pack_dir())
    print(f"pack {pack.id}" + (" with low and high energy series for every fuel"
                               if args.energy_series else ""))
    hundred = parse_portfolio(generate_portfolio(100, 0), pack)
    five_hundred = parse_portfolio(generate_portfolio(500, 0), pack)
    for label, work, base, goal in (
            ("Monte Carlo, 10,000 draws x 100 projects",
             lambda: simulate(hundred, pack, draws=10_000, seed=1),
             lambda: appraise_portfolio(hundred, pack), 3.0),
            ("tornado + switching values + scenarios, 500 projects",
             lambda: sensitivity(five_hundred, pack),
             lambda: appraise_portfolio(five_hundred, pack), 1.0)):
        work()   # warm-up
        t, cpu, runs = median_time(work, args.repeats)
        b, b_cpu, _ = median_time(base, args.repeats)
        print(f"{label}: median {t:.3f} s, CPU {cpu:.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)}); "
              f"one appraisal {b:.3f} s, CPU {b_cpu:.3f} s; ratio {t / b:.1f}; goal under {goal:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
