"""Time the whole command-line process on a large portfolio.

    python benchmarks/bench_cli.py [--n 10000] [--repeats 5]

Generates N projects to a temporary file and times, as separate processes,
`python -m appraisal appraise FILE --format json -o OUT` (start-up, imports,
pack, reading, checking, appraisal, JSON output) and, as a same-run
baseline, `python -c "import numpy"` (the interpreter's start-up and numpy's
import, which no change to the application can remove). Runs alternate;
medians are reported. The issue's goal: the whole process well under 2 s.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_portfolio


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``cmd``.

    CPU time is steadier than wall-clock when other programs share the cores.
    """
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="projects (default 10,000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        portfolio = write_portfolio(args.n, Path(tmp) / "portfolio.json", args.seed)
        out = Path(tmp) / "results.json"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        app = [sys.executable, "-m", "appraisal", "appraise", str(portfolio), "--format", "json",
               "-o", str(out)]
        bare = [sys.executable, "-c", "import numpy"]
        run(app, env), run(bare, env)            # warm the file cache; not counted
        t_app, t_bare = [], []
        for _ in range(args.repeats):
            t_app.append(run(app, env))
            t_bare.append(run(bare, env))
        size_in, size_out = portfolio.stat().st_size / 1e6, out.stat().st_size / 1e6

    med = statistics.median
    print(f"{args.n:,} projects ({size_in:.1f} MB in, {size_out:.1f} MB out), medians of "
          f"{args.repeats} runs [s]; load average at the end {os.getloadavg()[0]:.1f}")
    print(f"  {'':<38} {'wall':>6} {'CPU':>6}   wall-clock runs")
    for label, runs in (("appraisal appraise --format json -o", t_app),
                        ("python -c 'import numpy' (baseline)", t_bare)):
        print(f"  {label:<38} {med(w for w, _ in runs):6.3f} {med(c for _, c in runs):6.3f}   "
              f"{', '.join(f'{w:.3f}' for w, _ in runs)}")
    print(f"  {'difference (the application itself)':<38} "
          f"{med(w for w, _ in t_app) - med(w for w, _ in t_bare):6.3f} "
          f"{med(c for _, c in t_app) - med(c for _, c in t_bare):6.3f}")
    print("  goal: the whole process well under 2 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
