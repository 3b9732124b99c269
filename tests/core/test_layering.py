"""The core and the portfolio-file layer run without Qt or an Excel library.

STYLE.md, "Layout that shows the architecture": appraisal.core never imports
Qt or an Excel library (napari enforces the same with a CI run without
PySide6). A fresh interpreter with those imports blocked imports the core and
appraisal.io.portfolio_file and appraises a portfolio.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# pandas too: the analyst's tables (to_frame) import it where they are made, so that the
# core stays numpy at its heart and imports fast (issue 12)
BLOCKED = ("PySide6", "shiboken6", "openpyxl", "xlsxwriter", "pandas")

SCRIPT = textwrap.dedent('''
    import importlib.abc
    import json
    import sys

    BLOCKED = {blocked!r}


    class Blocker(importlib.abc.MetaPathFinder):
        """Refuse every import of a blocked package or any of its modules."""

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is blocked: the core must not import it")
            return None


    sys.meta_path.insert(0, Blocker())

    # the blocker itself works (otherwise this test could not fail)
    for name in BLOCKED:
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            sys.exit(f"{{name}} was imported despite the blocker")

    import appraisal.core
    from appraisal.core import appraise_portfolio, load_pack, parse_portfolio
    from appraisal.io.portfolio_file import load_portfolio
    from appraisal.resources import default_pack_dir, example_portfolio

    pack = load_pack(default_pack_dir())
    path = example_portfolio()
    if path.is_file():
        data = load_portfolio(path).data
        source = str(path)
    else:
        data = {inline!r}
        source = "inline"
    results = appraise_portfolio(parse_portfolio(data, pack), pack)
    out = results.to_dict()
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(json.dumps({{"source": source, "projects": len(out["projects"]), "leaked": leaked}}))
''')

INLINE = {
    "format": "appraisal-portfolio", "version": 1, "name": "Layering check",
    "appraisal_year": 2021,
    "projects": [{"id": "HP-001", "name": "Heat pumps", "category": "heat_pumps",
                  "capex": {"2021": 1_200_000, "2022": 800_000}, "public_funding_share": 0.6,
                  "lifetime_years": 20, "operational_fte": 2,
                  "energy_changes": [{"fuel": "natural_gas", "quantity_per_year": -1_333_333},
                                     {"fuel": "grid_electricity", "quantity_per_year": 400_000}]}],
}


def test_core_and_portfolio_files_import_without_qt_or_excel(tmp_path):
    script = tmp_path / "blocked_imports.py"
    script.write_text(SCRIPT.format(blocked=set(BLOCKED), inline=INLINE), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr or proc.stdout
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["projects"] >= 1
    assert report["leaked"] == []
