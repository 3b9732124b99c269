"""Time the uncertainty analysis against the plain appraisal, in the same run.

    python benchmarks/bench_uncertainty.py [--repeats 5]

1. Monte Carlo: 10,000 draws on 100 projects (goal: under 3 s), beside one
   appraisal of the same projects.
2. Tornado, switching values and scenarios for 500 projects (goal: under
   1 s), beside one appraisal of the same projects.
Medians of the repeats; the machine is shared, so read the ratios too.
"""
from __future__ import annotations

import argparse
import statistics
import sys
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


def median_time(fn, repeats: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    pack = load_pack(default_pack_dir())
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
        t, runs = median_time(work, args.repeats)
        b, _ = median_time(base, args.repeats)
        print(f"{label}: median {t:.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)}); "
              f"one appraisal {b:.3f} s; ratio {t / b:.1f}; goal under {goal:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
