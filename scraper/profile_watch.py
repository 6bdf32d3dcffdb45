"""One account's profile in a run: read it, hash its images, detect on what changed.

Called by the pipeline after the posts are parsed. For platforms with a
profile parser (:mod:`scraper.platforms.profiles`) it reads the profile from
the page already fetched or from one extra polite request (Bluesky's
``getProfile``), fetches a new avatar/header image through the OCR reader
(which hashes it and reads its text), diffs against the stored profile, and
runs the detector over the new bio, the new display name and the text on a
new avatar or header. Each such change that reaches the detector's
threshold becomes a finding on a stand-in post (``post_id`` =
``profil-<field>-<key of the new value>``): the same new value never alerts
twice. The new profile is stored by :meth:`ProfileRun.commit`, which the
pipeline calls after findings and outbox are written (crash safety: a crash
before it replays the same, deduplicated findings).

Profile trouble never fails the account: it is logged and the posts go on.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import FetchError, HealthProblem
from .models import Account, Post
from .platforms.base import Page
from .platforms.profiles import has_profile, parse_profile, profile_url
from .profile import FIELD_LABELS, Profile, ProfileChange, carry_images, diff_profiles

log = logging.getLogger(__name__)

#: the changes whose new value is text the detector reads
TEXT_FIELDS = ("bio", "display_name")
IMAGE_FIELDS = ("avatar", "header")


@dataclass
class ProfileItem:
    """One profile change to detect on: a stand-in post and its fields."""

    change: ProfileChange
    post: Post
    field_name: str  # "profile" or "profile_image"
    text: str
    images: list[Any] = field(default_factory=list)  # OcrResult of the new image

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.change.field, self.change.field)


@dataclass
class ProfileRun:
    account: Account
    profile: Profile | None = None
    page: Page | None = None
    items: list[ProfileItem] = field(default_factory=list)
    store: Any = None
    #: the profile differs from the stored one (or is seen for the first time)
    changed: bool = False

    def commit(self, now: datetime) -> list[ProfileChange]:
        """Store the profile read in this run (after findings and outbox are written)."""
        if self.store is None or self.profile is None:
            return []
        return self.store.record(self.account, self.profile, now)


def own_profile_fetch(account: Account) -> bool:
    """The profile needs a request of its own (not on the posts page): read it even when
    the posts page did not change."""
    return has_profile(account.platform) and profile_url(account) is not None


async def read_profile(services: Any, account: Account, page: Page, now: datetime) -> ProfileRun:
    """The profile of ``account`` and the changes worth detecting on (never raises for profile trouble)."""
    run = ProfileRun(account=account, store=getattr(services, "profiles", None))
    if run.store is None or not has_profile(account.platform):
        return run
    try:
        url = profile_url(account)
        ppage = page if url is None else await services.http.get(url, headers={"Accept": "application/json"})
        profile = parse_profile(ppage, account)
    except (FetchError, HealthProblem) as exc:
        log.info("profile of %s not read: %s", account.url, exc)
        return run
    if profile is None:
        return run
    old = run.store.current(account)
    profile = carry_images(old, profile)
    images: dict[str, Any] = {}
    profile = await _hash_images(services, account, old, profile, images)
    run.profile, run.page = profile, ppage
    changes = diff_profiles(old, profile)
    run.changed = bool(changes)  # a rotated CDN URL of the same image is no change
    for change in changes:
        item = _item(account, profile, change, images, now)
        if item is not None:
            run.items.append(item)
    return run


async def _hash_images(services: Any, account: Account, old: Profile | None, profile: Profile,
                       images: dict[str, Any]) -> Profile:
    """Fetch (through the OCR reader) each image whose hash is not known yet."""
    ocr = getattr(services, "ocr", None)
    if ocr is None or not ocr.enabled_for(account.platform):
        return profile
    for which in IMAGE_FIELDS:
        url, sha = profile.image(which)
        if not url or sha:
            continue
        try:
            result = await ocr.read_url(url, account.url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # OCR trouble must not cost the posts
            log.warning("profile image of %s not read: %s", account.url, exc)
            result = None
        if result is not None:
            profile = profile.with_image(which, result.sha256)
            images[which] = result
    return profile


def _item(account: Account, profile: Profile, change: ProfileChange, images: dict[str, Any],
          now: datetime) -> ProfileItem | None:
    if change.field in TEXT_FIELDS:
        text, kind, found = change.new, "profile", []
    elif change.field in IMAGE_FIELDS and change.field in images:
        found = [images[change.field]]
        text, kind = found[0].text, "profile_image"
    else:
        return None
    if not text.strip():
        return None
    label = FIELD_LABELS.get(change.field, change.field)
    if change.field in TEXT_FIELDS:  # what staff read on the evidence card and in the report
        shown = f"{label.capitalize()} {'terlihat' if change.first else 'diubah menjadi'}:\n{change.new}"
        if not change.first:
            shown += f"\n\nSebelumnya: {change.old or '(kosong)'}"
    else:
        shown = f"{label.capitalize()} {'terlihat' if change.first else 'diganti'}; teks pada gambar (OCR):\n{text}"
    post = Post(
        platform=account.platform,
        account_url=account.url,
        post_id=f"profil-{change.field}-{change.key()}",
        url=account.url,
        published=None,
        text=shown,
        media=tuple(i.url for i in found),
        raw=json.dumps({"profile": profile.to_json(), "change": change.to_json()}, ensure_ascii=False, sort_keys=True),
        extra={"profile_change": change.to_json(), "seen_at": now.isoformat()},
    )
    return ProfileItem(change=change, post=post, field_name=kind, text=text, images=found)
