"""Peak memory of appraising a very large portfolio.

    python benchmarks/bench_memory.py [--n 100000]

Generates N projects to a temporary file, then runs two child processes: a
baseline that only imports the modules, and one that does what the command
line does with `--format json -o FILE`: read the file, parse_portfolio,
appraise_portfolio, results to JSON (to_dict + json.dumps, as the CLI's
to_json) and write it to a file. Reports each child's peak resident set size
(resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, KiB on Linux) and the
difference. The issue's goal: within 2 GiB.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import write_portfolio

# The child prints its own high-water mark after each step, to show where memory goes.
CHILD = """
import resource, sys, time
from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.io.portfolio_file import load_portfolio
from appraisal.io.results_output import to_json
from appraisal.resources import default_pack_dir
if len(sys.argv) == 1:
    sys.exit(0)  # the baseline: imports only
t0 = time.perf_counter()
def step(label):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"    after {label:<34} peak {peak:7.0f} MiB  at {time.perf_counter() - t0:5.1f} s")
pack = load_pack(default_pack_dir())
doc = load_portfolio(sys.argv[1]); step("reading the file")
inputs = parse_portfolio(doc.data, pack); step("parse_portfolio")
results = appraise_portfolio(inputs, pack); step("appraise_portfolio")
text = to_json(results); step("to_dict + json.dumps (as the CLI)")
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    fh.write(text)
step("writing the file")
"""


def peak_rss_kib(args: list[str]) -> int:
    """Peak RSS of a child running CHILD with ``args`` [KiB].

    RUSAGE_CHILDREN is the largest peak of all children waited for so far, so
    children must run from the smallest to the largest (baseline first). On
    Linux a child's figure also starts from this process's own peak at the
    time of the fork (exec keeps the larger of the two), so this process
    never holds the portfolio: generate.write_portfolio streams it to disk.
    """
    subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="projects (default 100,000)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        portfolio = write_portfolio(args.n, Path(tmp) / "portfolio.json", args.seed)
        out = Path(tmp) / "results.json"
        print(f"{args.n:,} projects, {portfolio.stat().st_size / 1e6:.0f} MB portfolio file")
        base = peak_rss_kib([])
        t0 = time.perf_counter()
        full = peak_rss_kib([str(portfolio), str(out)])
        elapsed = time.perf_counter() - t0
        print(f"  ({out.stat().st_size / 1e6:.0f} MB of results written in {elapsed:.1f} s)")

    mib = 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS [MiB] (ru_maxrss; this benchmark process's own peak: {own / mib:.0f}):")
    print(f"  imports only (baseline)           {base / mib:7.0f}")
    print(f"  read + parse + appraise + JSON    {full / mib:7.0f}   (goal: within 2048)")
    print(f"  difference                        {(full - base) / mib:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
