#!/usr/bin/env python3
"""Run mypy (configured in pyproject.toml) and fail on any error not in the baseline.

The baseline, .ci/mypy-baseline.txt, holds the errors the code had when the type
checker was introduced, one a line as ``path: [code] message`` (no line numbers,
so that an edit above an old error does not make it look new). A new error fails;
an error fixed is reported, and ``--update`` rewrites the baseline so the count
only goes down. Exit status: 0 clean, 1 new errors, 2 mypy itself failed.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / ".ci" / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[\w-]+)\]$")


def current_errors() -> Counter[str]:
    """mypy's errors, each as ``path: [code] message``, counted."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary",
                           "--show-error-codes", "--no-pretty", "--no-color-output"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1) or proc.stderr.strip():
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit(2)
    found: Counter[str] = Counter()
    for line in proc.stdout.splitlines():
        m = ERROR.match(line.strip())
        if m:
            found[f"{m['path'].replace(chr(92), '/')}: [{m['code']}] {m['message']}"] += 1
    return found


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = BASELINE.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def main(argv: list[str]) -> int:
    found = current_errors()
    if "--update" in argv:
        header = ("# mypy errors recorded by .ci/mypy_baseline.py --update: the count only goes "
                  "down.\n# Fix one, then run the script with --update to drop it from here.\n")
        BASELINE.write_text(header + "".join(f"{e}\n" for e in sorted(found.elements())),
                            encoding="utf-8")
        print(f"baseline: {sum(found.values())} errors written to {BASELINE.name}")
        return 0
    baseline = read_baseline()
    new, fixed = found - baseline, baseline - found
    by_module = Counter(e.split(":")[0] for e in found.elements())
    print(f"mypy: {sum(found.values())} errors, {sum(baseline.values())} in the baseline; "
          f"{sum(new.values())} new, {sum(fixed.values())} fixed")
    if "--by-module" in argv:
        for module, count in sorted(by_module.items()):
            print(f"  {count:4d}  {module}")
    if fixed:
        print("fixed since the baseline (run with --update to record it):")
        print("".join(f"  {e}\n" for e in sorted(fixed.elements())), end="")
    if new:
        print("NEW errors (not in .ci/mypy-baseline.txt):")
        print("".join(f"  {e}\n" for e in sorted(new.elements())), end="")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
