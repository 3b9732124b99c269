"""Autosave to a recovery file, and recovery after a crash.

While a portfolio has unsaved changes its document is copied, now and then,
to this instance's recovery file (atomically, readable by its owner alone).
A clean close removes it, so a recovery file found at start-up belongs either
to an instance still running or to one that ended badly.

Which of the two is told by a lock, not by guessing: each instance's file,
``session-<process id>-<start time>.json``, has a lock file beside it
(``.lock``) that the instance holds locked, with the operating system's lock
(``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows), for as long as it
lives. The operating system drops the lock when the process ends, however it
ends, so a recovery file whose lock can be taken is an orphan: its owner is
gone. A lock that cannot be taken means the owner is alive, and its file is
never offered, moved or deleted by another instance.

Orphans are offered to the user (:mod:`.recovery_dialog`) and deleted only at
the user's word. While one instance is offering an orphan it holds the
orphan's lock, so a second instance starting at the same moment does not offer
the same file. A recovery file that cannot be read as one (not JSON, a save time
of 1e400, a wrongly typed field) is moved into ``damaged/`` with a message,
so it never stops the application from starting and is never offered again.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from PySide6.QtCore import QStandardPaths

from ..core.errors import InputError
from ..core.portfolio import Portfolio
from ..io.portfolio_file import migrate, read_json_file

PREFIX = "session-"
DAMAGED = "damaged"
FILE_MODE = 0o600      # a portfolio's unsaved figures are its owner's business alone
FOLDER_MODE = 0o700
TIME_FORMAT = "%d %b %Y %H:%M"


def recovery_dir() -> Path:
    base = os.environ.get("APPRAISAL_RECOVERY_DIR") or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


def private_folder(folder: Path) -> Path:
    """``folder``, created if missing, readable by its owner alone (POSIX)."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if os.name == "posix" and folder.stat().st_mode & 0o777 != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)
    return folder


# -- the operating system's lock ----------------------------------------------------------------

def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on an open lock file without waiting; False when another
    open file (another instance, or another window of this one) holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock_and_close(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass
    finally:
        os.close(fd)     # on POSIX closing drops the flock


def _still_named(fd: int, lock: Path) -> bool:
    """True when ``lock`` still names the file locked through ``fd``: another instance
    tidying lone lock files may have removed it between its creation and the lock."""
    if sys.platform == "win32":
        return True         # Windows cannot remove a file that is open
    try:
        return os.path.samestat(os.fstat(fd), os.stat(lock))
    except OSError:
        return False


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def lock_path(file: Path) -> Path:
    return file.with_suffix(".lock")


def temp_path(file: Path) -> Path:
    """The one temporary file of an instance's autosave: an instance writes one autosave
    at a time, so a fixed name does, and an orphan's is recognised and removed."""
    return file.with_name(file.name + ".tmp")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, the file created 0600: the temporary file is
    created with that mode (never wider, even for a moment), flushed, and renamed over
    ``path``."""
    tmp = temp_path(path)
    _unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


# -- this instance's recovery file ---------------------------------------------------------------

class RecoveryFile:
    """This instance's recovery file, named by process id and start time, and its lock.

    The lock is taken before the file is first written and kept until :meth:`close`
    (or the process's end), so the file exists only while it is locked."""

    def __init__(self) -> None:
        self.started = time.time()
        self._fd: int | None = None
        self.path = recovery_dir() / self._name(0)

    def _name(self, attempt: int) -> str:
        stamp = datetime.datetime.fromtimestamp(self.started).strftime("%Y%m%dT%H%M%S-%f")
        return f"{PREFIX}{os.getpid()}-{stamp}{f'-{attempt}' if attempt else ''}.json"

    def _claim(self) -> None:
        """Create and lock this instance's lock file. Two windows of one process started
        in the same microsecond get distinct names (the lock file is created exclusively)."""
        folder = private_folder(self.path.parent)
        for attempt in range(1000):
            path = folder / self._name(attempt)
            try:
                fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
            except FileExistsError:
                continue
            if _try_lock(fd) and _still_named(fd, lock_path(path)):
                self._fd, self.path = fd, path
                return
            os.close(fd)
        raise OSError(f"no free recovery file name in {folder}")

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def save(self, data: dict, original: Path | None) -> None:
        if self._fd is None:
            self._claim()
        write_private(self.path, json.dumps(
            {"recovery_of": str(original) if original else None, "saved_at": time.time(),
             "pid": os.getpid(), "started_at": self.started, "portfolio": data},
            ensure_ascii=False, allow_nan=False))

    def discard(self) -> None:
        """The work is saved (or dropped at the user's word): nothing to recover."""
        _unlink(self.path)

    def close(self) -> None:
        """The instance closes cleanly: remove the file and its lock."""
        self.discard()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _unlink(temp_path(self.path))
            _unlink_after_unlock(fd, lock_path(self.path))


def _unlink_after_unlock(fd: int, lock: Path) -> None:
    """Windows cannot remove a file that is open; POSIX can, and does it first so that
    no other instance takes the lock of a file about to go."""
    if sys.platform != "win32":
        _unlink(lock)
    _unlock_and_close(fd)
    if sys.platform == "win32":
        try:
            _unlink(lock)
        except OSError:
            pass     # another instance is looking at it; a lone lock file is tidied later


# -- orphans: recovery files of instances that are gone -------------------------------------------

@dataclass
class Recoverable:
    """An orphaned recovery file, its lock held by this instance while it is offered."""

    file: Path
    original: str | None
    saved_at: float
    data: dict
    _fd: int | None = field(default=None, repr=False)

    @property
    def when(self) -> str:
        return datetime.datetime.fromtimestamp(self.saved_at).strftime(TIME_FORMAT)

    @property
    def project_count(self) -> int:
        return len(self.data.get("projects") or ())

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else ""

    def portfolio(self) -> Portfolio:
        """The recovered document, brought to the current format version."""
        data, old = migrate(json.loads(json.dumps(self.data)), str(self.file))
        return Portfolio(data, migrated_from=old)

    def release(self) -> None:
        """Stop holding the file (it stays for a later start)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _unlock_and_close(fd)

    def remove(self) -> None:
        """Delete the file: restored, or deleted at the user's word."""
        _unlink(self.file)
        _unlink(temp_path(self.file))
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _unlink_after_unlock(fd, lock_path(self.file))
        else:
            _unlink(lock_path(self.file))


@dataclass
class Damaged:
    """A recovery file that could not be read, and where it was moved."""

    file: Path
    reason: str
    moved_to: Path | None      # None: it could not be moved (the reason says why)


def _claim_orphan(file: Path) -> tuple[bool, int | None]:
    """(orphan, fd): whether ``file``'s owner is gone, with its lock now held by us
    (fd None when it had no lock file: written by a version without locks, or its
    lock file was lost)."""
    try:
        fd = os.open(lock_path(file), os.O_RDWR)
    except FileNotFoundError:
        return True, None
    except OSError:
        return False, None          # cannot tell: leave it alone
    if _try_lock(fd):
        return True, fd
    os.close(fd)
    return False, None


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_recoverable(file: Path) -> Recoverable:
    """A recovery file's content, checked: InputError (with the reason) when it is not
    a sound recovery file."""
    from ..core.errors import Problem

    def bad(why: str, name: str | None = None) -> InputError:
        return InputError([Problem(why, file=str(file), field=name)])

    doc = read_json_file(file)
    if not isinstance(doc, dict):
        raise bad("is not a recovery file (not a JSON object)")
    saved_at, original, data = doc.get("saved_at"), doc.get("recovery_of"), doc.get("portfolio")
    if not _number(saved_at) or not math.isfinite(saved_at) or saved_at < 0:
        raise bad("is not a time", "saved_at")
    try:
        datetime.datetime.fromtimestamp(saved_at).strftime(TIME_FORMAT)
    except (OverflowError, OSError, ValueError):
        raise bad("is not a time", "saved_at") from None
    if original is not None and (not isinstance(original, str) or not original
                                 or "\x00" in original):
        raise bad("is not a file name", "recovery_of")
    if not isinstance(data, dict):
        raise bad("is not a portfolio", "portfolio")
    projects = data.get("projects", [])
    if not isinstance(projects, list) or not all(isinstance(p, dict) for p in projects):
        raise bad("is not a list of projects", "portfolio.projects")
    try:   # an autosave is written as UTF-8: a lone surrogate means it was not one
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
        if original is not None:
            original.encode("utf-8")
    except UnicodeEncodeError:
        raise bad("holds text that is not Unicode") from None
    migrate(json.loads(json.dumps(data)), str(file))
    return Recoverable(file, original, float(saved_at), data)


def _move_aside(file: Path) -> Path:
    """Move a damaged recovery file into ``damaged/`` under a free name; its temporary
    and lock files go."""
    folder = private_folder(file.parent / DAMAGED)
    target = folder / file.name
    n = 1
    while target.exists():
        target = folder / f"{file.stem}-{n}{file.suffix}"
        n += 1
    os.replace(file, target)
    _unlink(temp_path(file))
    return target


def _tidy_lone_locks(folder: Path, live: set[Path]) -> None:
    """Lock files of instances that are gone and left no recovery file hold nothing:
    remove them (a live instance's lock cannot be taken, so it stays)."""
    for lock in folder.glob(f"{PREFIX}*.lock"):
        if lock.with_suffix(".json") in live or lock.with_suffix(".json").exists():
            continue
        orphan, fd = _claim_orphan(lock.with_suffix(".json"))
        if orphan and fd is not None:
            _unlink_after_unlock(fd, lock)


def find_recoverable(exclude: Path | None = None) -> tuple[list[Recoverable], list[Damaged]]:
    """The orphaned recovery files, newest first, each locked by this instance until
    released or removed; and the damaged ones, already moved aside.

    A file whose owner lives (its lock is held) is neither returned nor touched."""
    folder = recovery_dir()
    found: list[Recoverable] = []
    damaged: list[Damaged] = []
    if not folder.is_dir():
        return found, damaged
    for file in sorted(folder.glob(f"{PREFIX}*.json")):
        if exclude is not None and file == exclude:
            continue
        orphan, fd = _claim_orphan(file)
        if not orphan:
            continue
        try:
            r = read_recoverable(file)
        except InputError as exc:
            damaged.append(_set_aside(file, fd, _reason(exc)))
            continue
        r._fd = fd
        found.append(r)
    _tidy_lone_locks(folder, {r.file for r in found})
    return sorted(found, key=lambda r: -r.saved_at), damaged


def _reason(exc: InputError) -> str:
    """The problems without the file's path (the message names the file once)."""
    return "; ".join((f"field {p.field!r}: " if p.field else "") + p.message
                     for p in exc.problems[:3])


def _set_aside(file: Path, fd: int | None, reason: str) -> Damaged:
    try:
        moved: Path | None = _move_aside(file)
    except OSError as exc:
        moved, reason = None, f"{reason} (it could not be moved aside: {exc.strerror or exc})"
    if fd is not None:
        _unlink_after_unlock(fd, lock_path(file))
    return Damaged(file, reason, moved)
