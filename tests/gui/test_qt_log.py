"""A Qt warning in a GUI test fails it (pyproject.toml: qt_log_level_fail), except the
offscreen platform's own limits, each named there with its reason."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INNER = '''
from PySide6.QtCore import qWarning

def test_a_qt_warning(qapp):
    qWarning("QLayout: Attempting to add QLayout to a widget which already has a layout")

def test_an_offscreen_limit(qapp):
    qWarning("This plugin does not support propagateSizeHints()")
    qWarning("This plugin does not support raise()")
'''


def test_a_qt_warning_fails_the_test_but_an_offscreen_limit_does_not(tmp_path):
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(INNER, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "pytest", str(test_file), "-c",
                          str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
                          "-p", "no:cacheprovider", "-q"],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "1 failed, 1 passed" in out.stdout, out.stdout + out.stderr
    assert "FAILED" in out.stdout and "test_a_qt_warning" in out.stdout
    assert "Qt messages with level WARNING or above emitted" in out.stdout
