"""The PyInstaller bundle builds from build.spec, and the frozen program runs.

Slow (it builds the whole bundle), so it runs only when asked:

    APPRAISAL_TEST_BUNDLE=1 python -m pytest -m bundle
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = "low-carbon-appraisal"  # the name build.spec gives the program and its folder

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason="PyInstaller is not installed (pip install pyinstaller)"),
    pytest.mark.skipif(os.environ.get("APPRAISAL_TEST_BUNDLE") != "1",
                       reason="builds the bundle only with APPRAISAL_TEST_BUNDLE=1"),
]


@pytest.fixture(scope="module")
def frozen_program(tmp_path_factory) -> Path:
    """Build build.spec into a temporary folder (once for this module); the program's path."""
    out = tmp_path_factory.mktemp("bundle")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert build.returncode == 0, f"pyinstaller failed:\n{build.stderr[-5000:]}"
    program = out / "dist" / NAME / (NAME + (".exe" if os.name == "nt" else ""))
    assert program.is_file(), f"no {program} after the build"
    return program


def _run(program: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ,
               QT_QPA_PLATFORM="offscreen",  # no display needed
               APPRAISAL_RECOVERY_DIR=str(tmp_path / "recovery"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))  # the user's settings stay untouched
    return subprocess.run([str(program), *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_frozen_window_appraises_the_example(frozen_program, tmp_path):
    smoke = _run(frozen_program, "--example", "--smoke-test", tmp_path=tmp_path)
    output = smoke.stdout + smoke.stderr
    assert smoke.returncode == 0, output
    assert "smoke test: ok" in smoke.stdout, output


def test_frozen_cli_gives_the_figures_of_the_source(frozen_program, tmp_path):
    frozen = _run(frozen_program, "appraise", "--example", "--format", "json", tmp_path=tmp_path)
    assert frozen.returncode == 0, frozen.stderr
    source = subprocess.run([sys.executable, "-m", "appraisal", "appraise", "--example",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert source.returncode == 0, source.stderr
    got, want = json.loads(frozen.stdout)["projects"], json.loads(source.stdout)["projects"]
    assert [p["id"] for p in got] == [p["id"] for p in want]
    for g, w in zip(got, want):
        numbers = [k for k, v in w.items() if isinstance(v, float)]
        assert numbers, "the source's results carry no figures to compare"
        # the same code and libraries: equal but for the last bits of summation order
        np.testing.assert_allclose([g[k] for k in numbers], [w[k] for k in numbers],
                                   rtol=1e-12, err_msg=w["id"])
