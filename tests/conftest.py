"""Test-session setup shared by tests/core, tests/io and tests/gui."""
from __future__ import annotations

import warnings

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
