"""Profile watch: an account's public profile, its history, and what changed.

A :class:`Profile` holds what a visitor sees at the top of an account: the
display name, the bio, the avatar and header images (URL and SHA-256 of the
image bytes) and the external link. Each cycle the adapter's profile parser
(:mod:`scraper.platforms.profiles`) reads it; :func:`diff_profiles` compares
it with the last one kept; :class:`ProfileStore` keeps the current profile
and a capped history per account, one JSON file per account under
``<storage>/profiles/<account_key>.json`` (atomic writes, 0600), next to the
account's post shard ``posts/<account_key>.json``.

A change is an event (:class:`ProfileChange`): the pipeline runs the new bio
and the text read from a new avatar or header through the detector. The first
sight of a profile is reported as changes from nothing (``first=True``) so a
bio that already says "Relawan 02" is checked once too.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from alerts.storage import atomic_write_json, ensure_private_dir, file_lock, read_json
from alerts.timeutil import iso

from .models import Account

#: history entries kept per account (oldest dropped first)
HISTORY_LIMIT = 200
#: at most this many characters kept of any profile field (hostile pages)
MAX_FIELD = 2000

#: the fields a change can name, with the words staff read
FIELD_LABELS = {
    "display_name": "nama tampilan",
    "bio": "bio",
    "avatar": "foto profil",
    "header": "gambar sampul",
    "link": "tautan",
}


@dataclass(frozen=True)
class Profile:
    """One account's public profile as seen at one time."""

    display_name: str = ""
    bio: str = ""
    avatar_url: str = ""
    avatar_sha256: str = ""
    header_url: str = ""
    header_sha256: str = ""
    link: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, str):
                raise TypeError(f"Profile.{f.name} must be text")
            if len(value) > MAX_FIELD:
                object.__setattr__(self, f.name, value[:MAX_FIELD])

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> "Profile | None":
        if not isinstance(doc, Mapping):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in doc.items() if k in known and v is not None})

    def image(self, which: str) -> tuple[str, str]:
        """(url, sha256) of ``which`` = "avatar" or "header"."""
        return getattr(self, f"{which}_url"), getattr(self, f"{which}_sha256")

    def with_image(self, which: str, sha256: str) -> "Profile":
        return replace(self, **{f"{which}_sha256": sha256})

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class ProfileChange:
    """One field of a profile that changed (``first``: the profile's first sight)."""

    field: str  # a key of FIELD_LABELS
    old: str
    new: str
    first: bool = False

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "first": self.first}

    def key(self) -> str:
        """Stable id of this change's new value (same new bio -> same key): one alert per value."""
        return hashlib.sha256(f"{self.field}|{self.new}".encode()).hexdigest()[:16]


def _image_value(profile: Profile, which: str) -> str:
    url, sha = profile.image(which)
    return f"sha256:{sha}" if sha else url


def same_image_url(a: str, b: str) -> bool:
    """The same picture by URL: CDNs (Instagram, Telegram) sign URLs with a query
    that changes on every fetch, so the query and fragment are ignored."""
    return a.split("#", 1)[0].split("?", 1)[0] == b.split("#", 1)[0].split("?", 1)[0]


def _image_changed(old: Profile, new: Profile, which: str) -> bool:
    old_url, old_sha = old.image(which)
    new_url, new_sha = new.image(which)
    if old_sha and new_sha:
        return old_sha != new_sha  # a CDN that rotates URLs is not a new picture
    return not same_image_url(old_url, new_url)


def diff_profiles(old: Profile | None, new: Profile) -> list[ProfileChange]:
    """What changed from ``old`` to ``new`` (pure). ``old`` None: every non-empty field, ``first``."""
    if old is None:
        changes = [ProfileChange(name, "", getattr(new, name), first=True)
                   for name in ("display_name", "bio", "link") if getattr(new, name)]
        changes += [ProfileChange(which, "", new.image(which)[0], first=True)
                    for which in ("avatar", "header") if new.image(which)[0]]
        return changes
    changes = [ProfileChange(name, getattr(old, name), getattr(new, name))
               for name in ("display_name", "bio", "link") if getattr(old, name) != getattr(new, name)]
    for which in ("avatar", "header"):
        if _image_changed(old, new, which):
            changes.append(ProfileChange(which, old.image(which)[0], new.image(which)[0]))
    return changes


def carry_images(old: Profile | None, new: Profile) -> Profile:
    """``new`` with the image hashes of ``old`` where the image URL did not change
    (so an unchanged avatar is not fetched again every cycle)."""
    if old is None:
        return new
    for which in ("avatar", "header"):
        old_url, old_sha = old.image(which)
        new_url, new_sha = new.image(which)
        if new_url and same_image_url(new_url, old_url) and old_sha and not new_sha:
            new = new.with_image(which, old_sha)
    return new


class ProfileStore:
    """Current profile and history per account: ``<root>/profiles/<account_key>.json``."""

    def __init__(self, root: Path):
        self.dir = ensure_private_dir(Path(root) / "profiles")

    def path(self, account_key: str) -> Path:
        if "/" in account_key or account_key.startswith("."):
            raise ValueError(f"not an account key: {account_key!r}")
        return self.dir / f"{account_key}.json"

    def _doc(self, account_key: str) -> dict[str, Any]:
        try:
            doc = read_json(self.path(account_key), {})
        except ValueError:  # damaged file: start again rather than stop the account
            doc = {}
        return doc if isinstance(doc, dict) else {}

    def current(self, account: Account) -> Profile | None:
        return Profile.from_json(self._doc(account.key).get("current"))

    def history(self, account_key: str) -> list[dict[str, Any]]:
        """Oldest first: ``{"at", "profile", "changes"}`` for every recorded change."""
        return self.history_of(self._doc(account_key))

    @staticmethod
    def history_of(doc: Any) -> list[dict[str, Any]]:
        history = doc.get("history") if isinstance(doc, dict) else None
        return [h for h in history if isinstance(h, dict)] if isinstance(history, list) else []

    def record(self, account: Account, profile: Profile, now: datetime) -> list[ProfileChange]:
        """Store ``profile`` as current; the changes against the stored one (one atomic write)."""
        path = self.path(account.key)
        with file_lock(path):
            doc = self._doc(account.key)
            old = Profile.from_json(doc.get("current"))
            changes = diff_profiles(old, profile)
            if old is not None and not changes and old == profile:
                return []
            history = list(doc.get("history") or [])
            if changes:
                history.append({"at": iso(now), "profile": profile.to_json(),
                                "changes": [c.to_json() for c in changes]})
            doc.update({"account_url": account.url, "platform": account.platform,
                        "current": profile.to_json(), "seen_at": iso(now),
                        "history": history[-HISTORY_LIMIT:]})
            atomic_write_json(path, doc)
        return changes

    def account_keys(self) -> list[str]:
        return sorted(p.stem for p in self.dir.glob("*.json"))
