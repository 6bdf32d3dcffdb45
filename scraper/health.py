"""Per-account health: "nothing new" versus "the scraper cannot see this account".

Every fetch attempt ends in :meth:`HealthBook.record_success` (with the number
of posts parsed) or :meth:`HealthBook.record_failure` (with the state of the
error: ``login_wall``, ``layout_changed``, ``network``, ``rate_limited``...).
After ``threshold`` consecutive failures the book returns one ``failing``
:class:`HealthEvent` for that run of failures; the first success after it
returns one ``recovered`` event. Staff hear about an account once, not once per
attempt.

The book lives in memory and is written as one JSON file (compact, C
encoder) once per cycle, on the daemon's timer and at shutdown
(:meth:`HealthBook.flush`): one write per account made a cycle cost grow with
the square of the number of accounts. What a kill loses that way (timestamps,
counters, a failure not yet at the threshold) is re-derived by the next
fetch. The two changes that decide whether staff are told -- a ``failing``
event and its ``recovered`` event -- are appended (fsynced) to a small
journal next to the file before they are returned, so a restart never
announces a run of failures twice nor forgets that it was announced. A
flush merges under :func:`alerts.storage.file_lock`: accounts this process
did not touch keep what another process wrote.

A write that fails (full disk) never raises out of the book: the state stays
in memory, is written by the next flush, and the failure is logged once a
minute (:data:`alerts.storage.DISK`).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.storage import (append_line, atomic_write_json, dump_json, file_lock, is_disk_full,
                            read_json, read_lines)
from alerts.timeutil import iso, parse_iso

log = logging.getLogger(__name__)

OK = "ok"
_VERSION = 1
#: seconds between two flushes by the daemon's timer
FLUSH_EVERY = 60.0


@dataclass(frozen=True)
class AccountHealth:
    key: str
    state: str = OK  # "ok" or the failure state (login_wall, network, ...)
    reason: str = ""
    since: datetime | None = None  # first failure of the current run
    failures: int = 0  # consecutive failures
    last_ok: datetime | None = None
    last_attempt: datetime | None = None
    last_posts: int | None = None  # posts the last good fetch yielded
    ever_had_posts: bool = False
    alerted: bool = False  # a "failing" event was returned for this run

    @property
    def ok(self) -> bool:
        return self.state == OK

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "state": self.state, "reason": self.reason, "since": iso(self.since),
            "failures": self.failures, "last_ok": iso(self.last_ok), "last_attempt": iso(self.last_attempt),
            "last_posts": self.last_posts, "ever_had_posts": self.ever_had_posts, "alerted": self.alerted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AccountHealth":
        return cls(
            key=str(data["key"]),
            state=str(data.get("state") or OK),
            reason=str(data.get("reason") or ""),
            since=parse_iso(data.get("since")),
            failures=int(data.get("failures") or 0),
            last_ok=parse_iso(data.get("last_ok")),
            last_attempt=parse_iso(data.get("last_attempt")),
            last_posts=data.get("last_posts"),
            ever_had_posts=bool(data.get("ever_had_posts")),
            alerted=bool(data.get("alerted")),
        )


@dataclass(frozen=True)
class HealthEvent:
    kind: str  # "failing" or "recovered"
    account_key: str
    state: str  # the failure state (for "recovered": the state that ended)
    reason: str
    since: datetime | None
    failures: int

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = iso(self.since)
        return data


def empty_result_reason(previous: AccountHealth | None, posts: int) -> str | None:
    """Why an empty (but well-formed) result is suspicious, or None.

    An adapter returns ``[]`` only for a page that looks like an empty
    account. If that account yielded posts before, a page that now yields none
    most likely changed its layout: the caller records a ``layout_changed``
    failure with this reason instead of a success.
    """
    if posts > 0 or previous is None or not previous.ever_had_posts:
        return None
    return (f"halaman tidak lagi menghasilkan postingan (sebelumnya {previous.last_posts or 0}); "
            "kemungkinan tata letak berubah")


class HealthBook:
    """Health of every watched account: kept in memory, persisted in one JSON file."""

    def __init__(self, path: Path, threshold: int = 3) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".journal")
        self.threshold = threshold
        self._book: dict[str, dict[str, Any]] | None = None
        self._dirty: set[str] = set()  # keys changed (or forgotten) since the last flush
        self._undo: dict[str, dict[str, Any] | None] = {}  # entry before the last event, per key
        self.writes = 0  # whole-file writes by this book (tests count them)

    # -- reading -------------------------------------------------------------
    def _read_disk(self) -> dict[str, dict[str, Any]]:
        """The file plus the journal of events written after it."""
        data = read_json(self.path, default=None) or {}
        accounts = data.get("accounts", {}) if isinstance(data, dict) else {}
        accounts = dict(accounts) if isinstance(accounts, dict) else {}
        for line in read_lines(self.journal):
            try:
                entry = json.loads(line)
                accounts[str(entry["key"])] = entry
            except (ValueError, KeyError, TypeError):
                continue
        return accounts

    def _raw(self) -> dict[str, dict[str, Any]]:
        if self._book is None:
            self._book = self._read_disk()
        return self._book

    def _load(self) -> dict[str, AccountHealth]:
        return {key: AccountHealth.from_json({**entry, "key": key}) for key, entry in self._raw().items()}

    def _entry(self, account_key: str) -> AccountHealth | None:
        entry = self._raw().get(account_key)
        return None if entry is None else AccountHealth.from_json({**entry, "key": account_key})

    def _put(self, health: AccountHealth, *, event: bool = False) -> None:
        book = self._raw()
        if event:
            self._undo[health.key] = book.get(health.key)
        entry = health.to_json()
        book[health.key] = entry
        self._dirty.add(health.key)
        if event:
            self._journal(entry)

    def _journal(self, entry: dict[str, Any]) -> None:
        try:
            with file_lock(self.path):
                append_line(self.journal, dump_json(entry).decode("utf-8"))
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            # kept in memory; the next flush writes it (logged by alerts.storage.DISK)

    def get(self, account_key: str) -> AccountHealth | None:
        return self._entry(account_key)

    def all(self) -> list[AccountHealth]:
        return [h for _, h in sorted(self._load().items())]

    def failing(self) -> list[AccountHealth]:
        return [h for h in self.all() if not h.ok]

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "accounts": [h.to_json() for h in self.all()]}

    # -- recording -----------------------------------------------------------
    def record_success(self, account_key: str, now: datetime, posts: int) -> HealthEvent | None:
        """A good fetch; returns a ``recovered`` event if staff had been alerted."""
        old = self._entry(account_key) or AccountHealth(key=account_key)
        event = None
        if old.alerted:
            event = HealthEvent("recovered", account_key, old.state, old.reason, old.since, old.failures)
            log.info("account %s recovered after %d failures", account_key, old.failures)
        new = AccountHealth(
            key=account_key,
            last_ok=now,
            last_attempt=now,
            last_posts=posts,
            ever_had_posts=old.ever_had_posts or posts > 0,
        )
        self._put(new, event=event is not None)
        return event

    def record_failure(self, account_key: str, state: str, reason: str, now: datetime) -> HealthEvent | None:
        """A failed fetch; returns one ``failing`` event when the run reaches the threshold."""
        if not state or state == OK:
            raise ValueError("a failure needs a failure state")
        old = self._entry(account_key) or AccountHealth(key=account_key)
        new = replace(
            old,
            state=state,
            reason=reason,
            since=old.since if not old.ok and old.since else now,
            failures=old.failures + 1,
            last_attempt=now,
        )
        event = None
        if new.failures >= self.threshold and not new.alerted:
            new = replace(new, alerted=True)
            event = HealthEvent("failing", account_key, state, reason, new.since, new.failures)
            log.warning("account %s failing (%s) after %d attempts: %s",
                        account_key, state, new.failures, reason)
        self._put(new, event=event is not None)
        return event

    def retract(self, event: HealthEvent) -> None:
        """Undo the announcement of ``event`` when its alert could not be queued.

        A ``failing`` event that never reached the outbox is raised again by
        the next failure, and a ``recovered`` one by the next success: staff
        never get a recovery note for a failure they were not told about.
        """
        key = event.account_key
        if key not in self._undo:
            return
        before = self._undo.pop(key)
        book = self._raw()
        if event.kind == "failing":
            entry = dict(book.get(key) or {"key": key})
            entry["alerted"] = False
        else:
            entry = before
        if entry is None:
            book.pop(key, None)
        else:
            book[key] = entry
        self._dirty.add(key)
        if entry is not None:
            self._journal(entry)

    def forget(self, account_key: str) -> None:
        """Drop an account that left the watchlists (written by the next flush)."""
        if self._raw().pop(account_key, None) is not None:
            self._dirty.add(account_key)

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def flush(self) -> bool:
        """Write the book if anything changed; False (and kept in memory) if the disk refused.

        Under the file lock the file on disk is read again and only the
        accounts this book changed replace its entries, so a concurrent
        writer's accounts are kept. Then the journal is emptied.
        """
        if not self._dirty:
            return True
        try:
            with file_lock(self.path):
                merged = self._read_disk()
                book = self._raw()
                for key in self._dirty:
                    if key in book:
                        merged[key] = book[key]
                    else:
                        merged.pop(key, None)
                atomic_write_json(self.path, {"version": _VERSION, "accounts": merged})
                self.writes += 1
                try:
                    self.journal.unlink()
                except FileNotFoundError:
                    pass
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            return False
        self._book, self._dirty = merged, set()
        self._undo.clear()
        return True
