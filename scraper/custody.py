"""Append-only, hash-chained logs: the evidence custody log and the audit log.

One JSON object per line, written with :func:`alerts.storage.append_line`
(fsync before returning) under :func:`alerts.storage.file_lock`, so the
daemon and staff commands append safely from different processes::

    {"seq": 3, "time": "2026-11-24T02:00:00+00:00", "action": "captured",
     "finding_id": "9f...", "actor": "pantau", "details": {...},
     "artefacts": {"screenshot.png": "<sha256>", ...},
     "prev": "<sha256 of the previous line's exact bytes>",
     "hash": "<sha256 of this entry without 'hash', canonical JSON>"}

Canonical JSON = ``json.dumps(obj, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` encoded as UTF-8; the line written is the canonical
JSON of the whole entry, so ``hash`` can be recomputed from the line alone.
The first entry's ``prev`` is 64 zeros.

Changing any byte of a line breaks that line's own ``hash`` (or its JSON),
and ``prev`` of the next line; deleting or inserting a line breaks ``prev``
and ``seq``. Removing the last entries cannot be seen from the log alone:
callers keep anchors (the ``seq`` and ``hash`` of an entry stored elsewhere,
e.g. in the finding) and check them with :meth:`ChainLog.entry_at`.

A torn last line (bytes after the last newline: a crash mid-write) is not
tampering: :meth:`ChainLog.verify` reports it as ``torn`` and the entries
before it stay valid. The next :meth:`ChainLog.append` moves the fragment to
``<log>.torn-<seq>`` (0600), truncates the log back to its last complete line
and records a ``repaired`` entry (size and SHA-256 of the fragment) before its
own entry, so no entry ever chains onto garbage and the repair itself is on
the record.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from alerts.storage import FILE_MODE, append_line, atomic_write_bytes, file_lock
from alerts.timeutil import iso, utc_now

log = logging.getLogger(__name__)

GENESIS = "0" * 64


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    return sha256_bytes(canonical({k: v for k, v in entry.items() if k != "hash"}))


@dataclass(frozen=True)
class ChainIssue:
    """One thing wrong with a log: ``kind`` is altered, broken_link, bad_seq, torn or anchor."""

    log: str
    line: int  # 1-based line number (0 when not tied to a line)
    kind: str
    message: str

    @property
    def tampering(self) -> bool:
        return self.kind != "torn"

    def __str__(self) -> str:
        where = f"baris {self.line}" if self.line else "(log)"
        return f"{self.log}: {where}: {self.message}"


@dataclass
class ChainReport:
    log: str
    entries: int = 0
    issues: list[ChainIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no committed entry was altered (a torn tail is only a warning)."""
        return not any(i.tampering for i in self.issues)

    @property
    def torn(self) -> bool:
        return any(i.kind == "torn" for i in self.issues)

    @property
    def first_broken(self) -> ChainIssue | None:
        return next((i for i in self.issues if i.tampering), None)


def _split(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (without their newline) and the torn tail (maybe empty)."""
    parts = data.split(b"\n")
    return parts[:-1], parts[-1]


class ChainLog:
    """One hash-chained JSON-lines log file."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = utc_now):
        self.path = Path(path)
        self.clock = clock

    # -- writing -------------------------------------------------------------
    def append(self, action: str, *, finding_id: str | None = None, actor: str = "pantau",
               details: dict[str, Any] | None = None, artefacts: dict[str, str] | None = None,
               now: datetime | None = None) -> dict[str, Any]:
        """Append one entry (fsynced) and return it with its ``seq`` and ``hash``."""
        with file_lock(self.path):
            data = self._read_bytes()
            lines, tail = _split(data)
            if tail:
                lines = self._repair(data, lines, tail, now)
            return self._write_entry(lines, action, finding_id, actor, details or {}, artefacts or {}, now)

    def _write_entry(self, lines: list[bytes], action: str, finding_id: str | None, actor: str,
                     details: dict[str, Any], artefacts: dict[str, str],
                     now: datetime | None) -> dict[str, Any]:
        prev_line = lines[-1] if lines else None
        seq = 1
        if prev_line is not None:
            try:
                seq = int(json.loads(prev_line.decode("utf-8"))["seq"]) + 1
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                seq = len(lines) + 1  # a damaged last line: verify will name it
        entry = {
            "seq": seq,
            "time": iso(now or self.clock()),
            "action": action,
            "finding_id": finding_id,
            "actor": actor,
            "details": details,
            "artefacts": dict(sorted(artefacts.items())),
            "prev": sha256_bytes(prev_line) if prev_line is not None else GENESIS,
        }
        entry["hash"] = entry_hash(entry)
        append_line(self.path, canonical(entry).decode("utf-8"))
        lines.append(canonical(entry))
        return entry

    def _repair(self, data: bytes, lines: list[bytes], tail: bytes, now: datetime | None) -> list[bytes]:
        """Set a torn fragment aside, truncate to the last full line, record it."""
        keep = len(data) - len(tail)
        aside = self.path.with_name(f"{self.path.name}.torn-{len(lines) + 1}")
        atomic_write_bytes(aside, tail)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.ftruncate(fd, keep)
            os.fsync(fd)
        finally:
            os.close(fd)
        log.warning("%s: torn last line (%d bytes) set aside as %s", self.path, len(tail), aside.name)
        self._write_entry(lines, "repaired", None, "pantau",
                          {"torn_bytes": len(tail), "torn_sha256": sha256_bytes(tail), "saved_as": aside.name},
                          {}, now)
        return lines

    # -- reading -------------------------------------------------------------
    def _read_bytes(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def entries(self, finding_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Parsed complete entries (unparseable lines skipped), optionally of one finding."""
        lines, _tail = _split(self._read_bytes())
        for raw in lines:
            try:
                entry = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(entry, dict) and (finding_id is None or entry.get("finding_id") == finding_id):
                yield entry

    def entry_at(self, seq: int) -> dict[str, Any] | None:
        return next((e for e in self.entries() if e.get("seq") == seq), None)

    def verify(self) -> ChainReport:
        """Check every line: JSON, own hash, link to the previous line, sequence."""
        name = self.path.name
        report = ChainReport(log=name)
        data = self._read_bytes()
        if not data:
            return report
        lines, tail = _split(data)
        prev_raw: bytes | None = None
        prev_seq = 0
        prev_bad = False
        for n, raw in enumerate(lines, 1):
            report.entries += 1
            entry = None
            try:
                entry = json.loads(raw.decode("utf-8"))
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except (ValueError, UnicodeDecodeError):
                report.issues.append(ChainIssue(name, n, "altered", "bukan JSON yang utuh (isi baris diubah)"))
            if entry is not None:
                expected_prev = sha256_bytes(prev_raw) if prev_raw is not None else GENESIS
                if entry.get("hash") != entry_hash(entry):
                    report.issues.append(ChainIssue(
                        name, n, "altered", f"hash entri tidak cocok dengan isinya (entri seq {entry.get('seq')} diubah)"))
                elif raw != canonical(entry):
                    report.issues.append(ChainIssue(name, n, "altered", "baris tidak dalam bentuk kanonik (diubah)"))
                if entry.get("prev") != expected_prev and not prev_bad:
                    report.issues.append(ChainIssue(
                        name, n, "broken_link",
                        "rantai putus: 'prev' tidak cocok dengan baris sebelumnya "
                        "(baris sebelumnya diubah, atau ada baris yang dihapus/disisipkan)"))
                if entry.get("seq") != prev_seq + 1:
                    report.issues.append(ChainIssue(
                        name, n, "bad_seq", f"nomor urut {entry.get('seq')}, seharusnya {prev_seq + 1} "
                        "(ada entri yang dihapus atau disisipkan)"))
                prev_seq = entry.get("seq") if isinstance(entry.get("seq"), int) else prev_seq + 1
            else:
                prev_seq += 1
            prev_bad = entry is None or any(i.line == n and i.kind == "altered" for i in report.issues)
            prev_raw = raw
        if tail:
            report.issues.append(ChainIssue(
                name, len(lines) + 1, "torn",
                f"baris terakhir terpotong ({len(tail)} bita tanpa akhir baris): penulisan terhenti "
                "(crash/listrik padam), bukan perubahan; akan disisihkan pada penulisan berikutnya"))
        return report


def check_anchor(chain: ChainLog, seq: Any, expected_hash: Any, what: str) -> ChainIssue | None:
    """An issue when the entry ``seq`` is missing or no longer has ``expected_hash``."""
    if not isinstance(seq, int) or not expected_hash:
        return None
    entry = chain.entry_at(seq)
    if entry is None:
        return ChainIssue(chain.path.name, 0, "anchor",
                          f"entri seq {seq} ({what}) tidak ada lagi di log (log dipotong atau entri dihapus)")
    if entry.get("hash") != expected_hash:
        return ChainIssue(chain.path.name, 0, "anchor",
                          f"entri seq {seq} ({what}) berbeda dari yang tercatat saat itu (log ditulis ulang)")
    return None


def private_file(path: Path) -> None:
    """Make ``path`` owner-only if it exists (logs are created 0600 already)."""
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass
