"""Writing files so that nothing is lost and nothing is left behind.

Every save and export goes through here. The new content is written to a
temporary file beside the target, named ``.NAME.appraisal-PID-XXXXXXXX.tmp``
so that a later run recognises it, flushed to disk and renamed over the
target: readers see the old file or the new, never half of one. A temporary
file whose process is gone (killed during a save) is removed at the next save
or export to the same folder.

What a user names as the target is respected: a symbolic link keeps pointing
where it did (its target is replaced), a read-only file is refused, and a
device, a pipe or a descriptor (``/dev/null``, ``/dev/stdout``, a FIFO) is
written through, never replaced by a regular file.

XlsxWriter writes each part of a workbook to a temporary file before zipping
them: :func:`xlsx_temp_dir` gives it a folder private to this process, removed
when the process ends (also on Ctrl-C and SIGTERM), and the folders of
processes that were killed are removed when the next one starts.
"""
from __future__ import annotations

import atexit
import errno
import gc
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError, Problem, elide

TEMP_MARK = ".appraisal-"
# .NAME.appraisal-PID-RANDOM.tmp[.ext]: NAME is cut so that the whole fits in 255 bytes
_TEMP_NAME = re.compile(r"^\..*\.appraisal-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp(?:\.[A-Za-z0-9]+)?$")
_NAME_IN_TEMP = 120
XLSX_DIR_PREFIX = "appraisal-xlsx-"
_XLSX_DIR = re.compile(r"^appraisal-xlsx-(?P<pid>\d+)-[A-Za-z0-9_]+$")
# the descriptors a path can name on Linux and macOS; written to, never reopened
_DESCRIPTOR_PATH = re.compile(r"^/dev/(?:(?P<std>stdout|stderr)|fd/(?P<fd>\d+))$"
                              r"|^/proc/self/fd/(?P<proc>\d+)$")


class WriteError(OSError):
    """A file could not be written; the message names the file and says why.

    An :class:`OSError`, so callers that catch those keep working; the command
    line turns it into exit status 1 (the environment, not the input, is wrong).
    """

    def __init__(self, path: str | os.PathLike, reason: str, code: int | None = None) -> None:
        super().__init__(code or 0, reason, str(path))
        self.message = f"cannot write {elide(str(path), 120)}: {reason}"

    def __str__(self) -> str:
        return self.message


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = str(exc) or exc.__class__.__name__
    return text[:1].lower() + text[1:]


def write_error(path: str | os.PathLike, exc: BaseException) -> WriteError:
    """``exc`` (an OSError, or a library's error wrapping one) as a WriteError naming ``path``."""
    if isinstance(exc, WriteError):
        return exc
    inner = exc if isinstance(exc, OSError) else exc.args[0]
    return WriteError(path, _reason(inner), getattr(inner, "errno", None))


def _wraps_os_error(exc: BaseException) -> bool:
    """An OSError, or an error a library raised for one (XlsxWriter's FileCreateError)."""
    return isinstance(exc, OSError) or bool(exc.args) and isinstance(exc.args[0], OSError)


# -- processes ----------------------------------------------------------------------------

def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a temporary file of a live process is in use)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":   # os.kill(pid, 0) would send CTRL_C_EVENT there
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True   # exists, owned by someone else
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5   # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259   # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


# -- temporary files beside the target ------------------------------------------------------

def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of our temporary files."""
    return _TEMP_NAME.match(name) is not None


def remove_stale_temps(folder: str | os.PathLike) -> list[str]:
    """Remove the temporary files in ``folder`` whose process is no longer running.

    Returns the names removed. Files of live processes (another instance
    saving now) are left alone; anything that is not one of our regular files
    is never touched.
    """
    removed: list[str] = []
    try:
        entries = list(os.scandir(os.fspath(folder)))
    except OSError:
        return removed
    for entry in entries:
        if TEMP_MARK not in entry.name:
            continue
        m = _TEMP_NAME.match(entry.name)
        try:
            if m is None or not entry.is_file(follow_symlinks=False) or pid_alive(int(m["pid"])):
                continue
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            continue
    return removed


def temp_file_beside(path: str | os.PathLike, suffix: str = ".tmp") -> tuple[int, str]:
    """A new temporary file beside ``path``'s real file (so that a rename is atomic).

    Stale temporary files of killed runs in that folder are removed first.
    For a device or a pipe the file goes to this process's private temporary
    folder instead (nothing may be created in /dev). An error names ``path``,
    not the temporary file the user never asked for.
    """
    target = resolve_target(path)
    if target.stream:
        folder = Path(xlsx_temp_dir())
    else:
        folder = target.path.parent
        remove_stale_temps(folder)
    suffix = suffix if suffix.startswith(".tmp") else ".tmp" + suffix
    prefix = f".{target.path.name[:_NAME_IN_TEMP]}{TEMP_MARK}{os.getpid()}-"
    try:
        return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except OSError as exc:
        raise write_error(path, exc) from None


# -- what the user named ------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """Where the bytes for a path the user named really go."""

    path: Path               # the file replaced (a symbolic link's target), or the device
    stream: bool = False     # a device, a pipe or a descriptor: written through, never replaced
    fd: int | None = None    # a descriptor of this process (/dev/stdout, /dev/fd/N)


def _descriptor(path: str) -> int | None:
    if os.name != "posix":
        return None
    m = _DESCRIPTOR_PATH.match(path)
    if m is None:
        return None
    fd = {"stdout": 1, "stderr": 2}[m["std"]] if m["std"] else int(m["fd"] or m["proc"])
    try:
        os.fstat(fd)
    except OSError:
        return None
    return fd


def resolve_target(path: str | os.PathLike) -> Target:
    """What writing to ``path`` means: replace a file (following symbolic links),
    or write through a device, pipe or descriptor.

    Raises :class:`WriteError` for a folder and for a read-only file, so that
    a save never replaces a file its owner protected.
    """
    name = os.fspath(path)
    fd = _descriptor(name)
    if fd is not None:
        return Target(Path(name), stream=True, fd=fd)
    try:
        st = os.stat(name)
    except OSError:   # a new file, perhaps through a dangling symbolic link
        return Target(Path(os.path.realpath(name)) if os.path.islink(name) else Path(name))
    if stat.S_ISDIR(st.st_mode):
        raise WriteError(name, "it is a folder; give a file name", errno.EISDIR)
    if not stat.S_ISREG(st.st_mode):
        return Target(Path(name), stream=True)
    real = Path(os.path.realpath(name))
    # the mode bits as well as access(): root may write anything, but a file
    # nobody may write is one its owner meant to keep
    if not st.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise WriteError(name, "the file is read-only (make it writable, or choose "
                               "another name)", errno.EACCES)
    return Target(real)


@contextmanager
def _stream(target: Target):
    """A binary file object writing through ``target``'s device, pipe or descriptor."""
    if target.fd is not None:
        fh = os.fdopen(os.dup(target.fd), "wb")
    else:
        fh = open(target.path, "wb")   # noqa: SIM115 - closed below
    with fh:
        yield fh


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: str, path: str | os.PathLike) -> None:
    """Put a finished temporary file in ``path``'s place.

    A file is replaced by a rename, with the permissions a normally created
    file would have (an existing file keeps its own; mkstemp makes temporary
    files private). A device or pipe gets the bytes written through it, and
    the temporary file is removed.
    """
    target = resolve_target(path)
    try:
        if target.stream:
            with open(tmp, "rb") as src, _stream(target) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            os.unlink(tmp)
            return
        try:
            mode = os.stat(target.path).st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target.path)
    except OSError as exc:
        raise write_error(path, exc) from None


def _release_failed_writer(exc: BaseException) -> None:
    """Close what a failed writer left open, quietly.

    A library that fails mid-write (XlsxWriter's zip file on a full disk)
    leaves a file object in its frames; closed later by the garbage collector,
    it would fail again and print "Exception ignored ... No space left on
    device" after our message. Clearing those frames closes it now, with the
    failure it already reported silenced."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        seen: BaseException | None = exc
        while seen is not None:
            traceback.clear_frames(seen.__traceback__)
            seen = seen.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


@contextmanager
def atomic_target(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[str]:
    """Yield the name of a temporary file beside ``path`` to write; on success it
    is put in ``path``'s place (:func:`publish`), on any error (or cancel) it is
    removed and ``path`` is left as it was. A failure to write (a full disk,
    a permission) is raised as :class:`WriteError` naming ``path``."""
    fd, tmp = temp_file_beside(path, suffix)
    os.close(fd)
    try:
        yield tmp
        publish(tmp, path)
    except BaseException as exc:
        if isinstance(exc, Exception) and _wraps_os_error(exc):
            _release_failed_writer(exc)
            _discard(tmp)
            raise write_error(path, exc) from None
        _discard(tmp)
        raise


def atomic_write_chunks(path: str | os.PathLike, chunks: Iterable[bytes]) -> None:
    """Write bytes made in pieces to ``path``: nothing is put in place unless
    every piece was written and flushed to disk. A device or pipe is written
    through as the pieces come."""
    target = resolve_target(path)
    if target.stream:
        try:
            with _stream(target) as fh:
                for data in chunks:
                    fh.write(data)
        except OSError as exc:
            raise write_error(path, exc) from None
        return
    with atomic_target(path) as tmp, open(tmp, "wb") as fh:
        for data in chunks:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    atomic_write_chunks(path, [data])


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


# -- outputs that would destroy inputs ------------------------------------------------------

def _same_file(output: Path, source: Path) -> bool:
    try:
        return (output.exists() and source.exists() and os.path.samefile(output, source)
                or output.resolve() == source.resolve())
    except (OSError, RuntimeError):   # RuntimeError: a loop of links (Path.resolve)
        return False


def _input_files(source: Path) -> list[Path]:
    """A file input, or the files directly in a folder input (an assumption pack)."""
    try:
        return [p for p in source.iterdir() if p.is_file()] if source.is_dir() else [source]
    except OSError:
        return []


def check_output(output: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse, before any work, an output that would replace one of the inputs
    (``appraise p.json -o p.json``; symbolic links and hard links are seen
    through; a folder given as an input stands for the files in it), a folder,
    or a file in a folder that does not exist: the input is wrong (exit status
    2). A read-only file is refused as :class:`WriteError`."""
    out = Path(output)
    for source in (f for s in inputs if s is not None for f in _input_files(Path(s))):
        if _same_file(out, source):
            raise InputError([Problem(f"is also an input ({elide(str(source), 120)}); the output "
                                      "would replace it: give another file name",
                                      file=str(output), field="-o")])
    if _descriptor(os.fspath(out)) is not None:
        return
    try:
        try:
            os.stat(out)
        except FileNotFoundError:
            pass   # a new file (perhaps through a dangling link) is fine
        if out.is_dir():
            raise InputError([Problem("is a folder; give a file name", file=str(output),
                                      field="-o")])
        parent = Path(os.path.realpath(out)).parent if out.is_symlink() else out.parent
        if str(parent) and not parent.is_dir():
            raise InputError([Problem(f"the folder {elide(str(parent), 120)} does not exist",
                                      file=str(output), field="-o")])
    except OSError as exc:   # a name too long, a loop of links: the name is wrong
        raise InputError([Problem(f"cannot be used as a file name: {_reason(exc)}",
                                  file=str(output), field="-o")]) from None
    resolve_target(out)


# -- XlsxWriter's temporary folder --------------------------------------------------------

_xlsx_dir: str | None = None
_xlsx_lock = threading.Lock()


def remove_stale_xlsx_dirs(base: str | os.PathLike | None = None) -> list[str]:
    """Remove the private temporary folders of processes that are no longer running."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(os.fspath(base or tempfile.gettempdir())))
    except OSError:
        return removed
    for entry in entries:
        m = _XLSX_DIR.match(entry.name)
        if m and entry.is_dir(follow_symlinks=False) and not pid_alive(int(m["pid"])):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def remove_xlsx_temp_dir() -> None:
    """Remove this process's private temporary folder (at exit, on Ctrl-C or SIGTERM)."""
    global _xlsx_dir
    with _xlsx_lock:
        if _xlsx_dir is not None:
            shutil.rmtree(_xlsx_dir, ignore_errors=True)
            _xlsx_dir = None


def xlsx_temp_dir() -> str:
    """This process's private temporary folder (XlsxWriter's ``tmpdir``), made on first use."""
    global _xlsx_dir
    with _xlsx_lock:
        if _xlsx_dir is None or not os.path.isdir(_xlsx_dir):
            first = _xlsx_dir is None
            if first:
                remove_stale_xlsx_dirs()
            _xlsx_dir = tempfile.mkdtemp(prefix=f"{XLSX_DIR_PREFIX}{os.getpid()}-")
            if first:
                atexit.register(remove_xlsx_temp_dir)
        return _xlsx_dir


def prepare_cleanup() -> None:
    """At the start of a process: remove the temporary folders of killed runs,
    and make SIGTERM end this one as Ctrl-C does (:func:`exit_cleanly_on_sigterm`)."""
    remove_stale_xlsx_dirs()
    exit_cleanly_on_sigterm()


def exit_cleanly_on_sigterm() -> None:
    """Make SIGTERM end the process as Ctrl-C does: through ``finally`` blocks
    and ``atexit``, so temporary files are removed (only when nothing else
    handles SIGTERM, and only from the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
