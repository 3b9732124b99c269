"""Time the core of this checkout against the core of an earlier commit, same run.

    python benchmarks/bench_against_ref.py [--ref e276b7d] [--n 10000] [--rounds 5]

The earlier commit is extracted with ``git archive`` into a temporary folder;
each round times ``appraise_portfolio`` (and ``parse_portfolio``) in a fresh
process for each tree, alternately, on the same generated portfolio and the
version 1 pack (tests/data/pack-v1), which both versions read: so the same
inputs cost what each version's method costs. Medians and the ratio are
printed. Issue 8 asks the v2 core to stay within 10% of the v1 core's time per
project (e276b7d is the last v1 commit).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time, statistics
tree, pack_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path[:0] = [tree, tree + '/benchmarks']
from generate import generate_portfolio
from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
pack = load_pack(pack_dir)
doc = generate_portfolio(n, 0)
inputs = parse_portfolio(doc, pack)
appraise_portfolio(inputs, pack)
a, p = [], []
for _ in range(3):
    t0 = time.perf_counter(); appraise_portfolio(inputs, pack); a.append(time.perf_counter() - t0)
    t0 = time.perf_counter(); parse_portfolio(doc, pack); p.append(time.perf_counter() - t0)
print(json.dumps({"appraise": statistics.median(a), "parse": statistics.median(p)}))
"""


def extract(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True,
                             capture_output=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".tar") as f:
        f.write(archive)
        f.flush()
        with tarfile.open(f.name) as tar:
            tar.extractall(into, filter="data")
    return into


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="e276b7d")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    pack = ROOT / "tests" / "data" / "pack-v1"
    with tempfile.TemporaryDirectory() as tmp:
        old = extract(args.ref, Path(tmp))
        runs: dict[str, list[dict]] = {"ref": [], "this": []}
        for _ in range(args.rounds):
            for name, tree in (("ref", old), ("this", ROOT)):
                out = subprocess.run([sys.executable, "-c", CHILD, str(tree), str(pack), str(args.n)],
                                     check=True, capture_output=True, text=True).stdout
                runs[name].append(json.loads(out))
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("appraise", "parse")}
           for k, v in runs.items()}
    print(f"{args.n:,} projects on the v1 pack, medians of {args.rounds} alternating rounds [s]:")
    for m in ("appraise", "parse"):
        print(f"  {m:<9} {args.ref}: {med['ref'][m]:.3f}   this checkout: {med['this'][m]:.3f}   "
              f"ratio {med['this'][m] / med['ref'][m]:.2f}")
    both = [sum(med[k].values()) for k in ("ref", "this")]
    print(f"  parse + appraise ratio {both[1] / both[0]:.2f} (goal: at most 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
