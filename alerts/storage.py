"""Crash-safe file primitives shared by every state file.

Every state write goes through :func:`atomic_write_bytes`: write a temporary
file in the same folder, fsync it, ``os.replace`` it over the target and fsync
the folder. A SIGKILL or a full disk at any moment leaves either the old or the
new file, never a torn one. Files are created readable by the owner only.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from tinydb import TinyDB
from tinydb.storages import Storage

FILE_MODE = 0o600
DIR_MODE = 0o700


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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably (mode 0600)."""
    path = Path(path)
    folder = path.parent
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
    _fsync_dir(folder)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))


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
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
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


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock for a read-modify-write of ``path``.

    The daemon and staff commands (review, retry) may write the same state
    file; each transaction holds this lock so neither loses the other's update.
    """
    lock_path = Path(str(path) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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

    def read(self) -> dict | None:
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
        # TinyDB mutates what read() returns before calling write(); hand out
        # a copy so a failed write cannot leave the cache ahead of the disk.
        return json.loads(json.dumps(self._cache))

    def write(self, data: dict) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write_bytes(self._path, payload)
        self._cache = json.loads(payload)
        self._sig = _signature(self._path)

    def close(self) -> None:
        self._cache = None


def open_db(path: Path) -> TinyDB:
    """Open a TinyDB file with the atomic storage (created on first write)."""
    return TinyDB(Path(path), storage=AtomicJSONStorage)
