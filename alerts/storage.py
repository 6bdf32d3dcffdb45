"""Crash-safe file primitives shared by every state file.

Every state write goes through :func:`atomic_write_bytes`: write a temporary
file in the same folder, fsync it, ``os.replace`` it over the target and fsync
the folder. A SIGKILL or a full disk at any moment leaves either the old or the
new file, never a torn one. Files are created readable by the owner only.
"""
from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import filelock
from tinydb import TinyDB
from tinydb.storages import Storage

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
#: errors that mean "the disk cannot take this write now" (full, quota, read-only)
SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
#: seconds between two log lines about the same ongoing disk trouble
DISK_LOG_EVERY = 60.0


def is_disk_full(exc: BaseException) -> bool:
    """True for an OSError that says the storage cannot take writes now."""
    return isinstance(exc, OSError) and exc.errno in SPACE_ERRNOS


class DiskTrouble:
    """Process-wide memory of failed state writes: one log line a minute, not one per write.

    Every write helper below reports here. While writes fail with
    :data:`SPACE_ERRNOS`, the first failure and then at most one line every
    :data:`DISK_LOG_EVERY` seconds are logged (with how many writes failed
    since); the first write that succeeds afterwards logs that the storage is
    writable again. :meth:`problem` tells ``status`` and the daemon what is
    going on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.since: float | None = None  # monotonic time of the first failure of this run
        self.since_wall: float | None = None
        self.last_error = ""
        self.failed = 0  # failed writes since the last log line
        self._logged: float | None = None

    def failure(self, path: Path, exc: OSError) -> None:
        with self._lock:
            now = self.clock()
            if self.since is None:
                self.since, self.since_wall = now, time.time()
            self.failed += 1
            self.last_error = f"{exc.strerror or exc} ({path})"
            if self._logged is None or now - self._logged >= DISK_LOG_EVERY:
                log.error("storage full: cannot write %s: %s; state is kept in memory and written when "
                          "space returns (%d write(s) failed in the last minute)",
                          path, exc.strerror or exc, self.failed)
                self._logged, self.failed = now, 0

    def success(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is not None:
                log.warning("storage writable again after %.0f s", self.clock() - self.since)
                self.since = self.since_wall = self._logged = None
                self.failed, self.last_error = 0, ""

    def problem(self) -> dict[str, Any] | None:
        """``{"since": epoch seconds, "error": text}`` while writes fail, else None."""
        if self.since is None:
            return None
        return {"since": self.since_wall, "error": self.last_error}


#: the one tracker of this process
DISK = DiskTrouble()


@contextlib.contextmanager
def _watched(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            DISK.failure(path, exc)
        raise
    DISK.success()


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; the leaf is owner-only."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    try:
        os.chmod(path, DIR_MODE)
    except PermissionError:  # pragma: no cover - not our folder
        pass
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (mode 0600).

    The data is fsynced before the rename, so after a crash or a power loss
    the file is the old one or the new one, never torn. With ``durable``
    (default) the folder is fsynced too, so the rename itself survives a power
    loss; writers whose lost update is re-derived on the next run (an
    account's shard) pass ``durable=False`` and pay one fsync, not two.
    """
    path = Path(path)
    folder = path.parent
    with _watched(path):
        folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), FILE_MODE)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        if durable:
            _fsync_dir(folder)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dump_json(obj: Any) -> bytes:
    """Compact JSON for machine files: C encoder (no indent, no key sorting), UTF-8."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def atomic_write_json(path: Path, obj: Any, *, durable: bool = True) -> None:
    atomic_write_bytes(path, dump_json(obj), durable=durable)


def read_json(path: Path, default: Any = None) -> Any:
    """Read a JSON state file; a missing file gives ``default``."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return default


def append_line(path: Path, line: str) -> None:
    """Append one line to an append-only log and fsync it before returning."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if "\n" in line:
        raise ValueError("a log line must not contain a newline")
    with _watched(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            data = (line + "\n").encode("utf-8")
            written = os.write(fd, data)
            if written != len(data):  # a short append on a nearly full disk: undo it
                os.ftruncate(fd, os.fstat(fd).st_size - written)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            os.fsync(fd)
        finally:
            os.close(fd)


def read_lines(path: Path) -> Iterator[str]:
    """Lines of an append-only log; a torn last line (no newline) is skipped."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n")[:-1]:
        if raw:
            yield raw.decode("utf-8")


#: seconds a state-file lock is waited for before giving up with :class:`LockTimeout`.
#: Locks are held for one read-modify-write (milliseconds; never across a network
#: send), so a minute means another process hangs while holding it.
LOCK_TIMEOUT = 60.0


class LockTimeout(TimeoutError):
    """A state file stayed locked by another process longer than the timeout.

    The message (Indonesian: staff see it) names the file and what to do.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self.path, self.timeout = Path(path), timeout
        super().__init__(f"{path}: berkas sedang dikunci proses Pantau lain lebih dari {timeout:g} detik "
                         f"(kunci {path}.lock); coba lagi sebentar lagi, atau periksa proses yang macet "
                         "dengan `pantau status`")


def file_lock(path: Path, timeout: float | None = None) -> contextlib.AbstractContextManager:
    """Exclusive inter-process lock for a read-modify-write of ``path``.

    The daemon and staff commands (review, retry) may write the same state
    file; each transaction holds this lock so neither loses the other's update.
    The lock is ``filelock``'s flock on ``<path>.lock`` (kept in place, 0600):
    re-entrant within a thread (one lock object per path), exclusive between
    threads and processes, and given up after ``timeout`` seconds (default
    :data:`LOCK_TIMEOUT`) with :class:`LockTimeout` naming the file, so a hung
    command cannot block the daemon forever.
    """
    return _held_lock(Path(path), LOCK_TIMEOUT if timeout is None else timeout)


#: one FileLock per lock file, as filelock's own singleton registry would give, without its
#: path canonicalisation on every lookup (a lstat per path component; issue #17)
_LOCKS: dict[str, filelock.FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(lock_path: Path) -> filelock.FileLock:
    key = str(lock_path)
    lock = _LOCKS.get(key)
    if lock is None:
        with _LOCKS_GUARD:
            lock = _LOCKS.get(key)
            if lock is None:
                lock = _LOCKS[key] = filelock.FileLock(lock_path, mode=FILE_MODE, is_singleton=True)
    return lock


@contextlib.contextmanager
def _held_lock(path: Path, timeout: float) -> Iterator[None]:
    lock_path = Path(str(path) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    lock = _lock_for(lock_path)
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise LockTimeout(path, timeout) from None
    try:
        yield
    finally:
        lock.release()


def pid_alive(pid: int | None) -> bool:
    """True when a process with this id runs on this machine (no id: False).

    Used for stale claims in the outbox and the daemon's pid in ``state.json``.
    """
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime ns, size) of ``path``, or None: changes whenever the file is replaced."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


_signature = file_signature


class AtomicJSONStorage(Storage):
    """TinyDB storage that never overwrites its file in place.

    TinyDB's default JSONStorage truncates and rewrites the file, so a crash
    or a full disk mid-write loses the whole database. This one goes through
    :func:`atomic_write_bytes`. It keeps the parsed data in memory between
    reads and re-reads the file only when another process replaced it
    (inode, mtime or size changed). Writers that share a file across processes
    wrap each read-modify-write in :func:`file_lock`.
    """

    def __init__(self, path: str | Path, **_: Any) -> None:
        super().__init__()
        self._path = Path(path)
        self._cache: dict | None = None
        self._sig: tuple[int, int, int] | None = None

    def _current(self) -> dict | None:
        """The cached data, re-read first if another process replaced the file."""
        sig = _signature(self._path)
        if sig is None:
            self._cache = None
            return None
        if self._cache is None or sig != self._sig:
            raw = self._path.read_bytes()
            if not raw.strip():
                return None
            self._cache = json.loads(raw.decode("utf-8"))
            self._sig = sig
        return self._cache

    def read(self) -> dict | None:
        data = self._current()
        # TinyDB mutates what read() returns before calling write(); hand out
        # a copy so a failed write cannot leave the cache ahead of the disk.
        return None if data is None else json.loads(json.dumps(data))

    def peek(self) -> dict | None:
        """The stored data without a defensive copy: for callers that only read it."""
        return self._current()

    #: fsync the folder after each write (see :func:`atomic_write_bytes`)
    durable = True

    def write(self, data: dict) -> None:
        payload = dump_json(data)
        atomic_write_bytes(self._path, payload, durable=self.durable)
        self._cache = json.loads(payload)
        self._sig = _signature(self._path)

    def close(self) -> None:
        self._cache = None


def open_db(path: Path) -> TinyDB:
    """Open a TinyDB file with the atomic storage (created on first write)."""
    return TinyDB(Path(path), storage=AtomicJSONStorage)
