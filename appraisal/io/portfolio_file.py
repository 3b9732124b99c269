"""Reading and writing portfolio files (FORMAT.md section 1), safely.

Loading refuses anything that is not a sound portfolio (too big, not UTF-8,
not JSON, NaN or infinity, duplicate keys, nesting too deep, a newer version)
with an :class:`InputError` that names the file; older versions are migrated
and the migration is reported. Saving is atomic (:mod:`.atomic`): the new file
is written beside the old one and renamed over it, so a failure leaves the old
file whole.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..core.errors import InputError, Problem
from ..core.portfolio import FORMAT_NAME, FORMAT_VERSION, Portfolio
# the write side lives in .atomic; these names stay importable from here
from .atomic import (WriteError, atomic_target, atomic_write_bytes,  # noqa: F401
                     atomic_write_chunks, atomic_write_text, publish, temp_file_beside)

MAX_FILE_BYTES = 256 * 1024 * 1024   # 100,000 projects take about 60 MB


class _Refused(ValueError):
    pass


def _no_constants(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows; use a finite number or null")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Refused(f"the key {dup[:60]!r} appears twice in one object")
    return out


def parse_json_text(text: str, file: str) -> Any:
    """Parse JSON text strictly, raising InputError that names ``file``."""
    if not text.strip():
        raise InputError([Problem("the file is empty", file=file)])
    try:
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except _Refused as exc:
        raise InputError([Problem(str(exc), file=file)]) from None
    except json.JSONDecodeError as exc:
        raise InputError([Problem(f"is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                  f"column {exc.colno}", file=file)]) from None
    except RecursionError:
        raise InputError([Problem("is nested too deeply to be a portfolio", file=file)]) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InputError([Problem(f"is not a valid portfolio: {str(exc)[:120]}", file=file)]) from None


def read_json_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> Any:
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Problem(f"cannot be opened: {exc.strerror or exc}", file=name)]) from None
    if not path.is_file():
        raise InputError([Problem("is not a file", file=name)])
    if size > max_bytes:
        raise InputError([Problem(f"is {size / 1e6:,.0f} MB; a portfolio file may be at most "
                                  f"{max_bytes / 1e6:,.0f} MB", file=name)])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"cannot be read: {exc.strerror or exc}", file=name)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(f"is not UTF-8 text (byte {exc.start}); is it a portfolio file?",
                                  file=name)]) from None
    return parse_json_text(text, name)


# -- versions -------------------------------------------------------------

def _from_unversioned(data: dict[str, Any]) -> dict[str, Any]:
    """Files written by hand or by early drafts carry no format or version:
    their fields are those of version 1, so only the markers are added."""
    data = dict(data)
    data["format"] = FORMAT_NAME
    data["version"] = 1
    return data


# version found in a file -> function that brings it one step closer to current
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_unversioned}


def migrate(data: Any, file: str) -> tuple[dict[str, Any], int | None]:
    """Bring a portfolio document to the current version.

    Returns the document and the version it had (None when already current).
    """
    if not isinstance(data, dict):
        raise InputError([Problem("the portfolio must be a JSON object", file=file)])
    fmt = data.get("format")
    if fmt is not None and fmt != FORMAT_NAME:
        raise InputError([Problem(f"is a {str(fmt)[:40]!r} file, not an appraisal portfolio",
                                  file=file, field="format")])
    version = data.get("version", 0 if fmt is None else None)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError([Problem("version must be a whole number", file=file, field="version")])
    if version > FORMAT_VERSION:
        raise InputError([Problem(f"was written in portfolio format version {version}; this "
                                  f"application reads versions up to {FORMAT_VERSION}. Please "
                                  "update the application.", file=file, field="version")])
    original = version
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise InputError([Problem(f"format version {version} is not supported", file=file,
                                      field="version")])
        data = step(data)
        version = data["version"]
    return data, (original if original != FORMAT_VERSION else None)


def load_portfolio(path: str | Path) -> Portfolio:
    """Read a portfolio file: safe JSON parsing, then migration to the current version.

    The returned document is not yet validated against a pack; call
    :func:`appraisal.core.parse_portfolio` for that.
    """
    data = read_json_file(path)
    data, old = migrate(data, str(path))
    return Portfolio(data, migrated_from=old)


def dumps_portfolio(portfolio: Portfolio) -> str:
    try:
        return json.dumps(portfolio.data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:
        raise InputError([Problem(f"cannot be saved: {exc}")]) from None


def save_portfolio(portfolio: Portfolio, path: str | Path) -> None:
    """Save atomically; unknown fields are written back as they were read."""
    portfolio.data.setdefault("format", FORMAT_NAME)
    portfolio.data["version"] = FORMAT_VERSION
    # an unpaired surrogate (which UTF-8 cannot hold) is kept as its JSON escape
    atomic_write_bytes(path, dumps_portfolio(portfolio).encode("utf-8", "backslashreplace"))
