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
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.storage import atomic_write_json, file_lock, read_json
from alerts.timeutil import iso, parse_iso

log = logging.getLogger(__name__)

OK = "ok"
_VERSION = 1


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
        data = asdict(self)
        for name in ("since", "last_ok", "last_attempt"):
            data[name] = iso(data[name])
        return data

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

    # -- reading -------------------------------------------------------------
    def _load(self) -> dict[str, AccountHealth]:
        data = read_json(self.path, default=None) or {}
        accounts = data.get("accounts", {}) if isinstance(data, dict) else {}
        return {key: AccountHealth.from_json({**entry, "key": key}) for key, entry in accounts.items()}

    def _save(self, book: dict[str, AccountHealth]) -> None:
        payload = {"version": _VERSION,
                   "accounts": {key: h.to_json() for key, h in sorted(book.items())}}
        atomic_write_json(self.path, payload)

    def get(self, account_key: str) -> AccountHealth | None:
        return self._load().get(account_key)

    def all(self) -> list[AccountHealth]:
        return [h for _, h in sorted(self._load().items())]

    def failing(self) -> list[AccountHealth]:
        return [h for h in self.all() if not h.ok]

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "accounts": [h.to_json() for h in self.all()]}

    # -- recording -----------------------------------------------------------
    def record_success(self, account_key: str, now: datetime, posts: int) -> HealthEvent | None:
        """A good fetch; returns a ``recovered`` event if staff had been alerted."""
        with file_lock(self.path):
            book = self._load()
            old = book.get(account_key) or AccountHealth(key=account_key)
            event = None
            if old.alerted:
                event = HealthEvent("recovered", account_key, old.state, old.reason, old.since, old.failures)
                log.info("account %s recovered after %d failures", account_key, old.failures)
            book[account_key] = AccountHealth(
                key=account_key,
                last_ok=now,
                last_attempt=now,
                last_posts=posts,
                ever_had_posts=old.ever_had_posts or posts > 0,
            )
            self._save(book)
        return event

    def record_failure(self, account_key: str, state: str, reason: str, now: datetime) -> HealthEvent | None:
        """A failed fetch; returns one ``failing`` event when the run reaches the threshold."""
        if not state or state == OK:
            raise ValueError("a failure needs a failure state")
        with file_lock(self.path):
            book = self._load()
            old = book.get(account_key) or AccountHealth(key=account_key)
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
            book[account_key] = new
            self._save(book)
        return event

    def forget(self, account_key: str) -> None:
        """Drop an account that left the watchlists."""
        with file_lock(self.path):
            book = self._load()
            if book.pop(account_key, None) is not None:
                self._save(book)
