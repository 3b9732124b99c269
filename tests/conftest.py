"""Test-session setup shared by tests/core, tests/io and tests/gui."""
from __future__ import annotations

import os
import shutil
import warnings
from typing import NoReturn

import pytest

# When a hypothesis test fails, hypothesis's pytest plugin imports
# hypothesis.extra._patching (to suggest an @example patch), which imports
# libcst, which subclasses mypy_extensions.TypedDict and so emits a
# DeprecationWarning. Under filterwarnings = "error" that warning turns the
# failure report into a pytest INTERNALERROR that hides the failing example.
# Import the module once here, with only that warning silenced, so the
# plugin finds it already loaded.
try:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"mypy_extensions\.TypedDict is deprecated",
                                category=DeprecationWarning)
        import hypothesis.extra._patching  # noqa: F401
except ImportError:  # hypothesis without libcst: no patch suggestions, nothing to do
    pass


# ---------------------------------------------------------------------------
# External programs (LibreOffice, poppler, Xvfb...). On a developer's machine a
# missing program skips the tests that need it; in CI (CI=true, as .ci/run and
# most CI services set, or APPRAISAL_REQUIRE_TOOLS=1) it fails them, so that a
# broken environment cannot pass as a green run of skipped tests.

def tools_required() -> bool:
    """True in CI, where every external program the tests use must be installed."""
    flags = (os.environ.get("CI", ""), os.environ.get("APPRAISAL_REQUIRE_TOOLS", ""))
    return any(f.strip().lower() in ("1", "true", "yes") for f in flags)


def missing_tool(message: str) -> NoReturn:
    """Skip the test for want of a program, or fail it in CI (tools_required())."""
    if tools_required():
        pytest.fail(f"{message} (required in CI: CI or APPRAISAL_REQUIRE_TOOLS is set)",
                    pytrace=False)
    pytest.skip(message)


class ExternalTools:
    """What the ``tools`` fixture gives a test: look programs up on PATH."""

    required = staticmethod(tools_required)
    missing = staticmethod(missing_tool)

    @staticmethod
    def require(*names: str) -> str:
        """The path of the first of ``names`` on PATH; if none is, skip (fail in CI)."""
        for name in names:
            path = shutil.which(name)
            if path:
                return path
        missing_tool(f"{' or '.join(names)} is not installed (.ci/run installs it)")

    @staticmethod
    def available(name: str) -> bool:
        """For an optional extra check: False without ``name``, except in CI, where it fails."""
        if shutil.which(name):
            return True
        if tools_required():
            missing_tool(f"{name} is not installed (.ci/run installs it)")
        return False


@pytest.fixture(scope="session")
def tools() -> ExternalTools:
    """External programs: ``tools.require("soffice", "libreoffice")`` and friends."""
    return ExternalTools()


@pytest.fixture(scope="session")
def poppler(tools: ExternalTools) -> None:
    """Tests that read PDFs with poppler's pdftotext, pdftoppm and pdfinfo."""
    for name in ("pdftotext", "pdftoppm", "pdfinfo"):
        tools.require(name)
