"""Peak memory of the Monte Carlo simulation, streamed in chunks, against keeping every draw.

    python benchmarks/bench_montecarlo_memory.py [--n 500] [--draws 20000] [--max-draws 10000000]

Each figure is the peak resident set size of a child process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read in the child, KiB on
Linux) less its size just before ``simulate`` (the interpreter, numpy, the
pack and the appraised portfolio), for a portfolio of N generated projects
(benchmarks/generate.py, seed 1):

1. baseline: the unchunked code path as it was before chunking (commit
   5c8a4f2's ``appraisal/core/montecarlo.py``, taken from git and run on
   today's core; it kept every draw of every project), at ``--draws`` on N
   projects, a size it can handle; and the same size streamed; their ratio.
2. the streamed path at the documented maximum of draws (``--max-draws``,
   10,000,000) on 2 projects: the part of the memory that grows with the
   draws (the portfolio's draws, kept to give its exact percentiles);
3. the streamed path at ``--draws`` on N projects and on 2 projects: the
   part that grows with the projects (histograms of each project's draws);

and the bound at the maximum on N projects, (2) + (3, N projects) - (3, 2
projects): what grows with the draws plus what grows with the projects
(the chunks of draws evaluated at a time are bounded by CHUNK_VALUES either
way). The issue's goal: under 1 GiB at 10,000,000 draws on 500 projects.
Running that size itself takes hours on two cores; pass ``--direct`` to
run it anyway.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_portfolio  # noqa: E402

CHILD = r"""
import importlib.util, resource, subprocess, sys, time
sys.path.insert(0, {root!r})
from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.io.portfolio_file import load_portfolio
from appraisal.resources import default_pack_dir
path, draws, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pack = load_pack(default_pack_dir())
inputs = parse_portfolio(load_portfolio(path).data, pack)
appraise_portfolio(inputs, pack)
if mode == "old":
    source = subprocess.run(["git", "-C", {root!r}, "show", "5c8a4f2:appraisal/core/montecarlo.py"],
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("appraisal.core._montecarlo_old", loader=None)
    old = importlib.util.module_from_spec(spec)
    old.__package__ = "appraisal.core"
    sys.modules[spec.name] = old
    exec(compile(source, "montecarlo_old.py", "exec"), old.__dict__)
    simulate = old.simulate
else:
    from appraisal.core.montecarlo import simulate
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
out = simulate(inputs, pack, draws=draws, seed=1)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, peak, seconds)
"""


def run(path: Path, draws: int, mode: str) -> tuple[float, float, float]:
    """(size before simulate, growth during it [MiB], seconds) of one child."""
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path),
                           str(draws), mode], check=False, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({mode}, {draws} draws):\n{proc.stderr[-2000:]}")
    before, peak, seconds = proc.stdout.split()
    return int(before) / 1024, (int(peak) - int(before)) / 1024, float(seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--draws", type=int, default=20_000)
    ap.add_argument("--max-draws", type=int, default=10_000_000)
    ap.add_argument("--direct", action="store_true", help="also run --max-draws on --n projects")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp, "big.json"), Path(tmp, "small.json")
        write_portfolio(args.n, big, seed=1)
        write_portfolio(2, small, seed=1)

        def show(label: str, path: Path, draws: int, mode: str) -> float:
            t = time.perf_counter()
            base, grew, seconds = run(path, draws, mode)
            print(f"  {label:<58} +{grew:8.0f} MiB  (process before: {base:5.0f} MiB; "
                  f"simulate {seconds:6.1f} s; wall {time.perf_counter() - t:6.1f} s)")
            return grew

        print(f"Monte Carlo peak memory growth, {args.n} projects unless said")
        old = show(f"1. unchunked (before), {args.draws:,} draws", big, args.draws, "old")
        new = show(f"1. streamed, {args.draws:,} draws", big, args.draws, "new")
        print(f"     ratio unchunked / streamed: {old / max(new, 1.0):.1f}x")
        at_max = show(f"2. streamed, {args.max_draws:,} draws, 2 projects", small, args.max_draws,
                      "new")
        few = show(f"3. streamed, {args.draws:,} draws, 2 projects", small, args.draws, "new")
        bound = at_max + new - few
        print(f"  bound at {args.max_draws:,} draws on {args.n} projects: {at_max:.0f} + {new:.0f} "
              f"- {few:.0f} = {bound:.0f} MiB (goal: under 1024 MiB)")
        if args.direct:
            show(f"direct: streamed, {args.max_draws:,} draws", big, args.max_draws, "new")


if __name__ == "__main__":
    main()
