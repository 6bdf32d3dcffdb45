"""Replacing a watchlist file from the console, checked first like ``pantau check``.

The upload is written to a hidden file next to the watchlists (hidden files
are not matched by the ``[watchlists] paths`` globs, so the daemon does not
read it), checked together with the other watchlist files with the same
checker (and so the same messages: file, row, what to fix) as ``pantau
check``, and only if the uploaded file has no problem does it replace the file
of the same name in one atomic rename. The previous file is kept next to it as
``NAME.sebelumnya-<UTC time>`` (not matched by the globs). The daemon notices
the change and reloads by itself.
"""
from __future__ import annotations

import fnmatch
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alerts.problems import Problem
from alerts.storage import atomic_write_bytes

from ..watchlist import check_watchlists

SUFFIXES = (".csv", ".toml", ".xlsx")
MAX_BYTES = 5 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class UploadResult:
    name: str
    target: Path | None = None
    problems: list[Problem] = field(default_factory=list)  # in the uploaded file: nothing replaced
    elsewhere: list[Problem] = field(default_factory=list)  # in the other files (shown, not blocking)
    people: int = 0
    accounts: int = 0
    backup: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.target is not None


def safe_name(filename: str) -> str:
    base = Path((filename or "").replace("\\", "/")).name
    return _SAFE.sub("_", base).lstrip("._")[:100]


def watchlist_folder(config) -> Path:
    """Where uploads go: the folder of the first ``[watchlists] paths`` pattern."""
    first = config.watchlists.paths[0] if config.watchlists.paths else "watchlists/*.csv"
    folder = Path(first).parent
    if not folder.is_absolute():
        folder = config.base_dir / folder
    if any(ch in str(folder) for ch in "*?["):
        existing = config.watchlist_files()
        folder = existing[0].parent if existing else config.base_dir
    return folder.resolve()


def matched_by_globs(config, path: Path) -> bool:
    for pattern in config.watchlists.paths:
        full = pattern if os.path.isabs(pattern) else str(config.base_dir / pattern)
        if fnmatch.fnmatch(str(path), os.path.normpath(full)):
            return True
    return False


def current_files(config) -> list[dict]:
    out = []
    for path in config.watchlist_files():
        st = path.stat()
        out.append({"name": path.name, "path": str(path), "bytes": st.st_size,
                    "modified": datetime.fromtimestamp(st.st_mtime).astimezone()})
    return out


def upload(config, filename: str, data: bytes, now: datetime) -> UploadResult:
    """Check ``data`` as the watchlist ``filename``; replace the file only when it is valid."""
    name = safe_name(filename)
    result = UploadResult(name=name or filename or "(tanpa nama)")
    label = result.name
    if not name or not name.lower().endswith(SUFFIXES):
        result.problems.append(Problem(label, "file", "pilih berkas daftar pantauan .csv, .xlsx atau .toml"))
        return result
    if not data:
        result.problems.append(Problem(label, "file", "berkas kosong; pilih berkas yang berisi daftar pantauan"))
        return result
    if len(data) > MAX_BYTES:
        result.problems.append(Problem(label, "file", f"berkas terlalu besar (maksimal {MAX_BYTES // 1024 // 1024} MB)"))
        return result
    folder = watchlist_folder(config)
    target = folder / name
    if not matched_by_globs(config, target):
        result.problems.append(Problem(label, "file", "berkas dengan akhiran ini tidak dibaca Pantau "
                                       f"([watchlists] paths = {config.watchlists.paths}); pakai akhiran yang tercakup"))
        return result
    temp = folder / f".unggah-{secrets.token_hex(4)}-{name}"
    atomic_write_bytes(temp, data)
    try:
        others = [p for p in config.watchlist_files() if p.resolve() != target.resolve()]
        people, problems = check_watchlists(others + [temp])
        for p in problems:
            mine = p.file == str(temp) or str(temp) in p.message
            fixed = Problem(label if p.file == str(temp) else p.file, p.entry, p.message.replace(str(temp), label))
            (result.problems if mine else result.elsewhere).append(fixed)
        if result.problems:
            return result
        mine_people = _people_of(people, temp)
        result.people, result.accounts = len(mine_people), sum(len(p.accounts) for p in mine_people)
        if target.exists():
            stamp = now.strftime("%Y%m%dT%H%M%SZ")
            result.backup = folder / f"{name}.sebelumnya-{stamp}"
            shutil.copy2(target, result.backup)
            os.chmod(result.backup, 0o600)
        os.replace(temp, target)
        result.target = target
        return result
    finally:
        temp.unlink(missing_ok=True)


def _people_of(people: list, path: Path) -> list:
    return [p for p in people if Path(p.source or "").name == path.name]
