"""Time the calculation core against a plain per-project loop.

    python benchmarks/bench_core.py [--n 10000] [--repeats 5] [--baseline-repeats 3]

Times (a) parse_portfolio + appraise_portfolio and appraise_portfolio alone,
on N generated projects with the default pack loaded once, and (b) a baseline
written the simplest honest way: the oracle of the method-version-2 tests,
tests/core/reference_v2.py, which follows METHOD.md one project and one year
at a time in plain Python (numpy_financial.npv and numpy_financial.irr for the
financial case). The baseline reads the pack's CSV files once, before any
timing, so that it times only the per-project arithmetic. The baseline's
figures are checked against the core's, so that both do the same work. Runs
of the two alternate, so that the machine's noise falls on both alike;
medians are reported. The issue's goal: the core at least 30x faster than the
loop.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "core"))

from generate import generate_portfolio
from reference_v2 import appraise_project, load_reference_pack, make_context

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
from appraisal.resources import default_pack_dir


# ---------------------------------------------------------------------------
# The baseline: one project at a time, METHOD.md read literally
# ---------------------------------------------------------------------------

def baseline(doc: dict, context) -> list[dict]:
    """The reference's per-project appraisal of every project of ``doc``.

    ``context`` (reference_v2.make_context) carries the pack already read from
    its CSV files, so that only the per-project arithmetic is timed.
    """
    return [appraise_project(p, context) for p in doc["projects"]]


# ---------------------------------------------------------------------------
# Agreement between the two
# ---------------------------------------------------------------------------

def max_rel_diff(base: list, core: list) -> float:
    b = np.array([np.nan if v is None else v for v in base], float)
    c = np.array([np.nan if v is None else v for v in core], float)
    scale = np.maximum(np.abs(b), np.abs(c))
    both = ~np.isnan(b) & ~np.isnan(c) & (scale > 0)
    return float(np.max(np.abs(b - c)[both] / scale[both], initial=0.0))


def compare(rows: list[dict], results) -> None:
    projects = results.to_dict()["projects"]
    print("agreement, baseline vs core over all projects (max relative difference):")
    for key in ("npsv_gbp", "financial_npv_gbp", "pv_costs_gbp", "pv_benefits_gbp",
                "carbon_saved_tco2e", "net_additional_jobs_fte", "public_cost_gbp",
                "bcr_public", "pv_energy_benefit_gbp", "pv_indirect_tax_change_gbp"):
        if key not in projects[0]:
            print(f"  {key:<26} not in the core's results")
            continue
        print(f"  {key:<26} {max_rel_diff([r[key] for r in rows], [p[key] for p in projects]):.1e}")
    for key in ("payback_year", "discounted_payback_year"):
        same = sum(1 for r, p in zip(rows, projects) if r[key] == p[key])
        print(f"  {key:<26} same in {same:,} of {len(rows):,} projects")
    b = np.array([np.nan if r["financial_irr"] is None else r["financial_irr"] for r in rows])
    c = np.array([np.nan if p["financial_irr"] is None else p["financial_irr"] for p in projects])
    both = ~np.isnan(b) & ~np.isnan(c)
    close = both & (np.abs(b - c) < 1e-9)
    print(f"  financial_irr              within 1e-9 in {close.sum():,} of {both.sum():,} projects "
          f"where both give one; only baseline: {np.sum(~np.isnan(b) & np.isnan(c)):,}, "
          f"only core: {np.sum(np.isnan(b) & ~np.isnan(c)):,}")


# ---------------------------------------------------------------------------

def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="projects (default 10,000)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    pack = load_pack(default_pack_dir())
    doc = generate_portfolio(args.n, args.seed)
    # the baseline's pack: its CSV files read once, here, outside every timing
    context = make_context(doc, load_reference_pack(default_pack_dir()))
    inputs = parse_portfolio(doc, pack)
    results = appraise_portfolio(inputs, pack)          # warm-up, and the figures to check
    compare(baseline(doc, context), results)            # the baseline's warm-up too

    t_core, t_appraise, t_base = [], [], []
    for r in range(max(args.repeats, args.baseline_repeats)):
        if r < args.repeats:
            t_core.append(timed(lambda: appraise_portfolio(parse_portfolio(doc, pack), pack))[0])
            t_appraise.append(timed(appraise_portfolio, inputs, pack)[0])
        if r < args.baseline_repeats:
            t_base.append(timed(baseline, doc, context)[0])

    med = statistics.median
    core, appraise, base = med(t_core), med(t_appraise), med(t_base)
    parse = core - appraise
    print(f"\n{args.n:,} projects, medians of {args.repeats} (baseline {args.baseline_repeats}) "
          f"runs [s]; load average at the end {os.getloadavg()[0]:.1f}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    for label, runs in (("parse_portfolio + appraise_portfolio", t_core),
                        ("appraise_portfolio alone", t_appraise),
                        ("per-project baseline loop", t_base)):
        print(f"  {label:<38} {med(runs):7.3f}   (runs: {', '.join(f'{x:.3f}' for x in runs)})")
    print("ratios (goal: the core at least 30x faster than the loop):")
    print(f"  baseline / appraise_portfolio                  {base / appraise:6.1f}x   (like for like: "
          "both start from parsed inputs)")
    print(f"  baseline / (parse + appraise)                  {base / core:6.1f}x")
    print(f"  (parse + baseline) / (parse + appraise)        {(parse + base) / core:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
