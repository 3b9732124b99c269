"""The linter, the type checker and the import contracts, run as the tests run.

They are configured in pyproject.toml (ruff, mypy, import-linter); running them here
keeps the README's one test command (`python -m pytest`) the whole of CI. Each runs
in a subprocess from the repository root, as a developer or pre-commit would.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(tools, module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` in the repository; skipped (failed in CI) without it."""
    if importlib.util.find_spec(module) is None:
        tools.missing(f"{module} is not installed (pip install '.[test]')")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing(tools):
    proc = run(tools, "ruff", "check", "appraisal", "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_reports_no_error_beyond_the_baseline(tools):
    # strict on appraisal.core, default elsewhere (pyproject.toml); the errors the code
    # had when mypy came in are in .ci/mypy-baseline.txt, and only they may remain
    if importlib.util.find_spec("mypy") is None:
        tools.missing("mypy is not installed (pip install '.[test]')")
    proc = subprocess.run([sys.executable, str(REPO / ".ci" / "mypy_baseline.py")], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_contracts_are_kept(tools):
    # gui above io above core; no Qt or Excel library in the core, no Qt in io
    if importlib.util.find_spec("importlinter") is None:
        tools.missing("import-linter is not installed (pip install '.[test]')")
    proc = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import "
                           "lint_imports_command; sys.exit(lint_imports_command())"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_the_tools_skip_locally_and_fail_in_ci(tools, monkeypatch):
    # tests/conftest.py: a missing program skips a test on a developer's machine and
    # fails it in CI (CI=true, as .ci/run exports, or APPRAISAL_REQUIRE_TOOLS=1)
    missing = "no-such-program-appraisal-test"
    for ci, require in (("", ""), ("false", "0")):
        monkeypatch.setenv("CI", ci)
        monkeypatch.setenv("APPRAISAL_REQUIRE_TOOLS", require)
        assert not tools.required() and not tools.available(missing)
        with pytest.raises(pytest.skip.Exception):
            tools.require(missing)
    for ci, require in (("true", ""), ("1", ""), ("", "1")):
        monkeypatch.setenv("CI", ci)
        monkeypatch.setenv("APPRAISAL_REQUIRE_TOOLS", require)
        assert tools.required()
        with pytest.raises(pytest.fail.Exception):
            tools.require(missing)
        with pytest.raises(pytest.fail.Exception):
            tools.available(missing)
    # the first of the names that is installed
    here = Path(sys.executable)
    monkeypatch.setenv("PATH", str(here.parent))
    assert Path(tools.require(missing, here.name)).samefile(here)


# Functions over 80 lines with no "# long:" reason: none (issue 12); none may join.
LONG_WITHOUT_REASON: set[tuple[str, str]] = set()


def test_no_new_function_over_80_lines_without_a_reason():
    # STYLE.md: a function fits on a screen; past 80 lines it is split, or says why in a
    # "# long:" comment (.ci/long_functions.py lists them)
    spec = importlib.util.spec_from_file_location("long_functions", REPO / ".ci" / "long_functions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    unexplained = {(path.replace("\\", "/"), name)
                   for path, name, _, _, explained in module.long_functions() if not explained}
    assert unexplained == LONG_WITHOUT_REASON, sorted(unexplained)
