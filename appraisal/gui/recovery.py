"""Autosave to a recovery file, and recovery after a crash.

While a portfolio has unsaved changes its document is copied, now and then,
to a recovery file of this session (atomically). A clean close removes it, so
a recovery file found at start-up belongs to a session that ended badly.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from ..io.portfolio_file import atomic_write_text, read_json_file


def recovery_dir() -> Path:
    base = os.environ.get("APPRAISAL_RECOVERY_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


@dataclass
class Recoverable:
    file: Path
    original: str | None
    saved_at: float
    data: dict


class RecoveryFile:
    def __init__(self) -> None:
        self.path = recovery_dir() / f"session-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"

    def save(self, data: dict, original: Path | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(
            {"recovery_of": str(original) if original else None, "saved_at": time.time(),
             "portfolio": data}, ensure_ascii=False, allow_nan=False))

    def discard(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


def find_recoverable(exclude: Path | None = None) -> list[Recoverable]:
    """Recovery files left by sessions that did not close cleanly, newest first."""
    folder = recovery_dir()
    out: list[Recoverable] = []
    if not folder.is_dir():
        return out
    for f in folder.glob("session-*.json"):
        if exclude is not None and f == exclude:
            continue
        try:
            doc = read_json_file(f)
            if isinstance(doc, dict) and isinstance(doc.get("portfolio"), dict):
                out.append(Recoverable(f, doc.get("recovery_of"), float(doc.get("saved_at") or 0),
                                       doc["portfolio"]))
        except Exception:  # noqa: BLE001 - a damaged recovery file is skipped, not fatal
            continue
    return sorted(out, key=lambda r: -r.saved_at)
