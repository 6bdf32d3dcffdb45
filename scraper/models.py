"""Domain objects: Person, Account, Post.

Plain frozen dataclasses; validation of staff input happens in
``scraper.watchlist`` before these are built.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from alerts.timeutil import DurationText


def account_key(platform: str, url: str) -> str:
    """Stable, filesystem-safe key of an account (used for shard file names)."""
    slug = re.sub(r"[^a-z0-9]+", "-", url.lower().split("://", 1)[-1]).strip("-")[:40]
    digest = hashlib.sha256(f"{platform}|{url}".encode()).hexdigest()[:10]
    return f"{platform}-{slug}-{digest}"


@dataclass(frozen=True)
class Account:
    """One public account of a watched person on one platform."""

    platform: str
    url: str
    #: adapter-specific options from the watchlist entry (e.g. CSS selectors
    #: for the ``web`` platform); read-only by convention.
    options: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    person_nip: str = ""
    person_name: str = ""
    #: the refresh interval written for this account in its watchlist (None: the platform's)
    interval: DurationText | None = field(default=None, hash=False, compare=False)

    @property
    def key(self) -> str:
        return account_key(self.platform, self.url)


@dataclass(frozen=True)
class Person:
    """A civil servant (ASN) on a watchlist."""

    name: str
    nip: str
    position: str
    unit: str
    accounts: tuple[Account, ...]
    source: str = ""  # the watchlist file this person came from


class Deferred:
    """Text made on first use: a parsed post's ``raw`` fragment (issue #17: serialising the
    element was a quarter of a Telegram page's parse, and only evidence reads it)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __call__(self) -> str:
        return self._make()


class _DeferredText:
    """Data descriptor behind ``Post.raw``: set with a str or a :class:`Deferred`, read as a str
    (made once, then kept). Equality, hashing, ``repr`` and ``replace`` all read the str."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> str:
        if obj is None:
            return ""  # the dataclass default
        value = obj.__dict__[self._key]
        if isinstance(value, Deferred):
            value = obj.__dict__[self._key] = value()
        return value

    def __set__(self, obj: Any, value: Any) -> None:  # only __init__ gets here (frozen)
        obj.__dict__[self._key] = value


@dataclass(frozen=True)
class Post:
    """One post as parsed from a platform page or feed."""

    platform: str
    account_url: str
    post_id: str  # stable id within the account (platform's own id)
    url: str  # permalink
    published: datetime | None  # aware, UTC
    text: str
    media: tuple[str, ...] = ()
    #: the raw HTML/JSON/XML fragment the post was parsed from (evidence); an adapter may
    #: pass a :class:`Deferred` to make it only when read
    raw: str = _DeferredText()  # type: ignore[assignment]
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.post_id,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "text": self.text,
            "media": list(self.media),
        }
