"""Reading and writing portfolio files (FORMAT.md section 1), safely.

Loading refuses anything that is not a sound portfolio (too big, not UTF-8,
not JSON, NaN or infinity, duplicate keys, nesting too deep, a newer version)
with an :class:`InputError` that names the file; older versions are migrated
and the migration is reported. Saving is atomic (:mod:`.atomic`): the new file
is written beside the old one and renamed over it, so a failure leaves the old
file whole.
"""
from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any, Callable

from ..core.errors import InputError, Problem
from ..core.limits import JsonFlaw, describe, has_lone_surrogate, loads_strict
from ..core.pack import AssumptionPack
from ..core.portfolio import (FORMAT_NAME, FORMAT_VERSION, MAX_ID, Portfolio, PortfolioInputs,
                              parse_portfolio)
# the write side lives in .atomic; these names stay importable from here
from .atomic import (WriteError, atomic_target, atomic_write_bytes,  # noqa: F401
                     atomic_write_chunks, atomic_write_text, publish, temp_file_beside)

MAX_FILE_BYTES = 256 * 1024 * 1024   # 100,000 projects take about 60 MB


def _flaw_problem(flaw: JsonFlaw, file: str, data: Any) -> Problem:
    """A NaN, a duplicate key or a lone surrogate, named by project, field and line."""
    path = list(flaw.path)
    project = None
    if len(path) >= 2 and path[0] == "projects" and isinstance(path[1], int):
        project = _project_label(data, path[1])
        path = path[2:]
    field = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".")
    return Problem(f"line {flaw.line}: {flaw.message}", file=file, project=project,
                   field=field[:120] or None)


def _project_label(data: Any, index: int) -> str:
    """How a message names the project at ``index``: its id when usable, else "#n"."""
    try:
        pid = data["projects"][index].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        pid = None
    if isinstance(pid, str) and pid.strip() and len(pid) <= MAX_ID and not has_lone_surrogate(pid):
        return pid
    return f"#{index + 1}"


def parse_json_text(text: str, file: str) -> Any:
    """Parse JSON text strictly, raising InputError that names ``file``: NaN and
    Infinity, a key twice in one object and lone surrogates are refused, each
    named by its project, field and line."""
    if not text.strip():
        raise InputError([Problem("the file is empty", file=file)])
    try:
        data, flaws = loads_strict(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(f"is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                  f"column {exc.colno}", file=file)]) from None
    except RecursionError:
        raise InputError([Problem("is nested too deeply to be a portfolio", file=file)]) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise InputError([Problem(f"is not a valid portfolio: {str(exc)[:120]}", file=file)]) from None
    if flaws:
        raise InputError([_flaw_problem(f, file, data) for f in flaws])
    return data


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
        what = repr(fmt[:40]) if isinstance(fmt, str) else describe(fmt)
        raise InputError([Problem(f"is a {what} file, not an appraisal portfolio",
                                  file=file, field="format")])
    version = data.get("version", 0 if fmt is None else None)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError([Problem("version must be a whole number", file=file, field="version")])
    if version > FORMAT_VERSION:
        newer = str(version) if version < 10**6 else "beyond any published"
        raise InputError([Problem(f"was written in portfolio format version {newer}; this "
                                  f"application reads versions up to {FORMAT_VERSION}. Please "
                                  "update the application.", file=file, field="version")])
    original = version
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            older = str(version) if abs(version) < 10**6 else "(out of range)"
            raise InputError([Problem(f"format version {older} is not supported", file=file,
                                      field="version")])
        data = step(data)
        version = data["version"]
    return data, (original if original != FORMAT_VERSION else None)


def open_portfolio(path: str | Path, pack: AssumptionPack) -> tuple[Portfolio, PortfolioInputs]:
    """The one way a portfolio file is opened, by the command line and the desktop
    application alike: :func:`load_portfolio` (safe JSON, migration), then the core's
    :func:`~appraisal.core.portfolio.parse_portfolio` against ``pack``. A file one
    of them refuses, the other refuses with the same words (an :class:`InputError`
    naming the file, the project and the field).

    The parsed form makes no reference cycles, so the cyclic collector is paused
    while it is made (it would otherwise rescan the whole document, about 0.1 s
    per 10,000 projects each time).
    """
    doc = load_portfolio(path)
    enabled = gc.isenabled()
    gc.disable()
    try:
        inputs = parse_portfolio(doc.data, pack, file=str(path))
    finally:
        if enabled:
            gc.enable()
    return doc, inputs


def load_portfolio(path: str | Path) -> Portfolio:
    """Read a portfolio file: safe JSON parsing, then migration to the current version.

    The returned document is not yet validated against a pack; call
    :func:`appraisal.core.parse_portfolio` for that.
    """
    data = read_json_file(path)
    data, old = migrate(data, str(path))
    if "projects" not in data:   # a settings file or a fragment: not an empty portfolio
        raise InputError([Problem("has no \"projects\" list, so it is not a portfolio (a "
                                  "portfolio without projects has \"projects\": [])",
                                  file=str(path), field="projects")])
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
