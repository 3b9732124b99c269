"""How long the Delivery page's recomputation takes, against an appraisal, same run.

    python benchmarks/bench_delivery.py [--rounds 7]

The Delivery page (appraisal/gui/delivery_page.py) calls
``appraisal.core.delivery.track`` on the GUI thread while it is shown, after each
change of the document. That is fine while it costs about what the appraisal the
application runs after every edit costs (it re-runs the engine on the tracked
projects only). Printed: the medians of ``track`` and of ``appraise_portfolio``
on the bundled example (3 tracked projects of 12) and their ratio; if the ratio
grows well above 1, ``track`` belongs in a worker (appraisal/gui/workers.py).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio  # noqa: E402
from appraisal.core.delivery import track  # noqa: E402
from appraisal.io.portfolio_file import load_portfolio  # noqa: E402
from appraisal.resources import default_pack_dir, example_portfolio  # noqa: E402


def median_seconds(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    pack = load_pack(default_pack_dir())
    doc = load_portfolio(example_portfolio())
    inputs = parse_portfolio(doc.data, pack)
    tracked = median_seconds(lambda: track(doc.data, pack), args.rounds)
    appraised = median_seconds(lambda: appraise_portfolio(inputs, pack), args.rounds)
    print(f"track (Delivery page refresh): {tracked * 1000:.1f} ms")
    print(f"appraise_portfolio (after every edit): {appraised * 1000:.1f} ms")
    print(f"ratio track / appraise: {tracked / appraised:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
