"""Per-account health: "nothing new" versus "the scraper cannot see this account".

Every fetch attempt ends in :meth:`HealthBook.record_success` (with the number
of posts parsed) or :meth:`HealthBook.record_failure` (with the state of the
error: ``login_wall``, ``layout_changed``, ``network``, ``rate_limited``...).
After ``threshold`` consecutive failures the book returns one ``failing``
:class:`HealthEvent` for that run of failures; the first success after it
returns one ``recovered`` event. Staff hear about an account once, not once per
attempt.

The book is one JSON file written atomically; each update holds
:func:`alerts.storage.file_lock` and re-reads the file, so a CLI process
reading or writing it at the same time never loses an update.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.storage import atomic_write_json, file_lock, file_signature, read_json
from alerts.timeutil import iso, parse_iso

log = logging.getLogger(__name__)

OK = "ok"
_VERSION = 1
#: seconds between two writes of routine "still ok" updates (timestamps only)
QUIET_WRITE_EVERY = 60.0


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
    """Health of every watched account, persisted in one JSON file."""

    def __init__(self, path: Path, threshold: int = 3) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.path = Path(path)
        self.threshold = threshold
        self._cache: dict[str, dict[str, Any]] | None = None
        self._sig: tuple[int, int, int] | None = None
        self._last_write = float("-inf")

    # -- reading -------------------------------------------------------------
    def _raw(self) -> dict[str, dict[str, Any]]:
        """The accounts table as stored; re-read only when the file changed."""
        sig = file_signature(self.path)
        if sig != self._sig or self._cache is None:
            data = read_json(self.path, default=None) or {}
            accounts = data.get("accounts", {}) if isinstance(data, dict) else {}
            self._cache, self._sig = (accounts if isinstance(accounts, dict) else {}), sig
        return self._cache

    def _load(self) -> dict[str, AccountHealth]:
        return {key: AccountHealth.from_json({**entry, "key": key}) for key, entry in self._raw().items()}

    def _entry(self, account_key: str) -> AccountHealth | None:
        entry = self._raw().get(account_key)
        return None if entry is None else AccountHealth.from_json({**entry, "key": account_key})

    def _put(self, health: AccountHealth, *, write: bool = True) -> None:
        accounts = self._raw()
        accounts[health.key] = health.to_json()
        if write:
            atomic_write_json(self.path, {"version": _VERSION, "accounts": dict(sorted(accounts.items()))})
            self._sig = file_signature(self.path)
            self._last_write = time.monotonic()

    def _save(self, book: dict[str, AccountHealth]) -> None:
        payload = {"version": _VERSION,
                   "accounts": {key: h.to_json() for key, h in sorted(book.items())}}
        atomic_write_json(self.path, payload)
        self._cache, self._sig = payload["accounts"], file_signature(self.path)

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
        """A good fetch; returns a ``recovered`` event if staff had been alerted.

        An account that was ok and stays ok with nothing new to remember
        (only its timestamps move) is written at most every
        ``QUIET_WRITE_EVERY`` seconds: one write per account per cycle made a
        cycle cost grow with the square of the number of accounts.
        """
        with file_lock(self.path):
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
            routine = (old.ok and old.last_ok is not None and old.last_posts == posts
                       and old.ever_had_posts == new.ever_had_posts)
            due = time.monotonic() - self._last_write >= QUIET_WRITE_EVERY
            self._put(new, write=not routine or due)
        return event

    def record_failure(self, account_key: str, state: str, reason: str, now: datetime) -> HealthEvent | None:
        """A failed fetch; returns one ``failing`` event when the run reaches the threshold."""
        if not state or state == OK:
            raise ValueError("a failure needs a failure state")
        with file_lock(self.path):
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
            self._put(new)
        return event

    def forget(self, account_key: str) -> None:
        """Drop an account that left the watchlists."""
        with file_lock(self.path):
            book = self._load()
            if book.pop(account_key, None) is not None:
                self._save(book)

    def flush(self) -> None:
        """Write timestamps held back by :meth:`record_success` (call at shutdown)."""
        with file_lock(self.path):
            if self._cache is not None and file_signature(self.path) == self._sig:
                atomic_write_json(self.path, {"version": _VERSION, "accounts": dict(sorted(self._cache.items()))})
                self._sig = file_signature(self.path)
