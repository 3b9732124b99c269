"""Time the appraisal workbook's export against writing the same values without formulas.

    python benchmarks/bench_export.py [--n 500] [--repeats 3]

The export writes, for N projects, every sheet with live formulas, their
cached values, formats and charts. The baseline, in the same run, writes the
same year-by-year values and results of every project as plain numbers
(one sheet per project, no formulas, no formats, no charts) with the same
library: what any export must at least do. Goal: 500 projects in under 20 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import xlsxwriter  # noqa: E402
from generate import generate_portfolio  # noqa: E402

from appraisal.core import appraise_portfolio, load_pack, parse_portfolio  # noqa: E402
from appraisal.io.workbook import export_workbook  # noqa: E402
from appraisal.resources import default_pack_dir  # noqa: E402


def values_only(inputs, pack, path: Path) -> None:
    results = appraise_portfolio(inputs, pack, keep_series=True)
    wb = xlsxwriter.Workbook(str(path))
    records = results.project_records()
    for i, record in enumerate(records):
        ws = wb.add_worksheet(f"P{i + 1}")
        for r, (key, value) in enumerate(record.items()):
            ws.write_string(r, 0, key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, 1, value)
        series = results.project_series(i)
        row = len(record) + 2
        for k, (name, values) in enumerate(series.items()):
            ws.write_string(row + k, 0, name)
            for c, v in enumerate(values):
                ws.write_number(row + k, 1 + c, float(v))
    wb.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    pack = load_pack(default_pack_dir())
    inputs = parse_portfolio(generate_portfolio(args.n, 0), pack)
    out = Path(tempfile.mkdtemp())
    export_runs, base_runs = [], []
    for k in range(args.repeats):   # interleaved: the machine's noise falls on both
        t0 = time.perf_counter()
        export_workbook(inputs, pack, out / f"book{k}.xlsx")
        export_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        values_only(inputs, pack, out / f"values{k}.xlsx")
        base_runs.append(time.perf_counter() - t0)
    e, b = statistics.median(export_runs), statistics.median(base_runs)
    size = (out / "book0.xlsx").stat().st_size / 1e6
    print(f"{args.n} projects, medians of {args.repeats} runs [s]")
    print(f"  appraisal workbook (formulas, cached values, formats, charts)  {e:.2f}"
          f"   (runs {', '.join(f'{t:.2f}' for t in export_runs)}; {size:.1f} MB)")
    print(f"  the same values without formulas (baseline)                   {b:.2f}")
    print(f"  ratio {e / b:.1f}; goal: under 20 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
