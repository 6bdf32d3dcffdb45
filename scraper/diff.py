"""Diff a fetched list of posts against what was stored for the account.

Pure: no I/O. A post is

- *new* when its id was never stored;
- *edited* when its text changed (whitespace differences do not count);
- *deleted* when it is no longer listed although an older post still is
  (a profile page shows only a window of recent posts, so a post that merely
  scrolled out of the window is not deleted);
- *restored* when a post marked deleted shows up again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from .models import Post


@dataclass(frozen=True)
class StoredPost:
    """What the diff needs of a stored post."""

    post_id: str
    text: str
    published: datetime | None
    first_seen: datetime
    deleted: bool = False
    #: set when the text was purged (privacy) and only its hash is kept
    text_sha256: str | None = None
    #: the post's link as last stored ("" for posts stored before links were kept)
    url: str = ""

    def same_text_as(self, text: str) -> bool:
        if self.text_sha256 is not None:
            return self.text_sha256 == text_digest(text)
        return same_text(self.text, text)


@dataclass
class Changes:
    new: list[Post] = field(default_factory=list)
    edited: list[tuple[Post, StoredPost]] = field(default_factory=list)
    deleted: list[StoredPost] = field(default_factory=list)
    restored: list[Post] = field(default_factory=list)
    unchanged: list[Post] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new or self.edited or self.deleted or self.restored)


def same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def text_digest(text: str) -> str:
    """Hash of a post's text, whitespace-insensitive (what a tombstone keeps)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _age_key(published: datetime | None, first_seen: datetime) -> datetime:
    return published or first_seen


def diff_posts(stored: Mapping[str, StoredPost], fetched: list[Post], now: datetime) -> Changes:
    changes = Changes()
    seen_ids: set[str] = set()
    for post in fetched:
        if post.post_id in seen_ids:  # a page listing a post twice
            continue
        seen_ids.add(post.post_id)
        old = stored.get(post.post_id)
        if old is None:
            changes.new.append(post)
            continue
        if old.deleted:
            changes.restored.append(post)
        if not old.same_text_as(post.text):
            changes.edited.append((post, old))
        elif not old.deleted:
            changes.unchanged.append(post)

    if not fetched:
        return changes  # an empty page proves nothing about deletions
    oldest_listed = min(_age_key(p.published, now) for p in fetched if p.post_id in seen_ids)
    for post_id, old in stored.items():
        if post_id in seen_ids or old.deleted:
            continue
        # Deleted only if it would still be inside the listed window.
        if _age_key(old.published, old.first_seen) >= oldest_listed:
            changes.deleted.append(old)
    return changes
