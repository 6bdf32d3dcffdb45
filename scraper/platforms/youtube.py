"""YouTube channels through the channel's Atom feed.

Feed: ``<origin>/feeds/videos.xml?channel_id=UC...`` (about 15 newest videos).
An account given as ``/channel/UC...`` (or the feed URL, or with
``options.channel_id``) is fetched directly; a ``/@handle``, ``/c/name`` or
``/user/name`` URL is resolved once through the resolution hooks of
:class:`~scraper.platforms.base.Adapter`: :meth:`YoutubeAdapter.needs_resolution`
returns the channel page URL, :meth:`YoutubeAdapter.parse_resolution` finds
the ``UC...`` id in it, and the caller remembers ``{"channel_id": ...}`` in
the account's memo that :meth:`YoutubeAdapter.fetch_url` reads.
"""
from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import parse_qs, urlsplit

from ..errors import ConsentWall, FetchError, LayoutChanged, PantauError
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, build_posts, check_status, origin, parse_time
from .rss import FEED_ACCEPT, MEDIA, parse_feed

YT = "http://www.youtube.com/xml/schemas/2015"
_CHANNEL_ID = r"UC[0-9A-Za-z_-]{22}"
_CHANNEL_PATH = re.compile(rf"^/channel/({_CHANNEL_ID})(?:/|$)")
_RESOLVE_PATTERNS = [  # most authoritative first: other channels' ids appear further down the page
    re.compile(rf'<link\s+rel="canonical"\s+href="[^"]*/channel/({_CHANNEL_ID})"'),
    re.compile(rf'"externalId"\s*:\s*"({_CHANNEL_ID})"'),
    re.compile(rf'<meta\s+itemprop="(?:identifier|channelId)"\s+content="({_CHANNEL_ID})"'),
    re.compile(rf'"browseId"\s*:\s*"({_CHANNEL_ID})"'),
    re.compile(rf'"channelId"\s*:\s*"({_CHANNEL_ID})"'),
]


def known_channel_id(account: Account, memo: Mapping[str, Any] | None = None) -> str | None:
    """The channel id the account entry or its memo already gives, if any."""
    option = account.options.get("channel_id") if account.options else None
    if isinstance(option, str) and re.fullmatch(_CHANNEL_ID, option):
        return option
    parts = urlsplit(account.url)
    m = _CHANNEL_PATH.match(parts.path)
    if m:
        return m.group(1)
    if parts.path.startswith("/feeds/videos.xml"):
        ids = parse_qs(parts.query).get("channel_id") or []
        if ids and re.fullmatch(_CHANNEL_ID, ids[0]):
            return ids[0]
    remembered = (memo or {}).get("channel_id")
    return remembered if isinstance(remembered, str) and re.fullmatch(_CHANNEL_ID, remembered) else None


def is_consent_page(page: Page) -> bool:
    host = (urlsplit(page.final_url or page.url).hostname or "").lower()
    head = page.body[:30000]
    return host.startswith("consent.") or "consent.youtube.com" in head and "<form" in head \
        or "Before you continue to YouTube" in head or "Sebelum Anda melanjutkan ke YouTube" in head


@register
class YoutubeAdapter(Adapter):
    name = "youtube"
    mode = FetchMode.HTTP
    hosts = ("youtube.com",)
    default_interval = "2h"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        path = urlsplit(url).path
        if _CHANNEL_PATH.match(path) or path.startswith(("/@", "/c/", "/user/", "/feeds/videos.xml")):
            return []
        if isinstance(options.get("channel_id"), str):
            return []
        return ["URL YouTube harus berupa kanal: https://www.youtube.com/@nama atau "
                "https://www.youtube.com/channel/UC... (bukan tautan video)"]

    def needs_resolution(self, account: Account, memo: Mapping[str, Any]) -> str | None:
        return None if known_channel_id(account, memo) else account.url

    def parse_resolution(self, page: Page) -> dict[str, Any]:
        check_status(page)
        if is_consent_page(page):
            raise ConsentWall("halaman persetujuan cookie YouTube, bukan halaman kanal", url=page.url)
        for pattern in _RESOLVE_PATTERNS:
            m = pattern.search(page.body)
            if m:
                return {"channel_id": m.group(1)}
        raise LayoutChanged("ID kanal (UC...) tidak ditemukan di halaman kanal YouTube", url=page.url)

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        parts = urlsplit(account.url)
        if parts.path.startswith("/feeds/videos.xml"):
            return account.url
        channel_id = known_channel_id(account, memo)
        if channel_id is None:
            raise PantauError(f"kanal YouTube {account.url} belum di-resolve ke ID kanal (needs_resolution)")
        return f"{origin(account.url)}/feeds/videos.xml?channel_id={channel_id}"

    def request_headers(self, account: Account) -> dict[str, str]:
        return {"Accept": FEED_ACCEPT}

    def parse(self, page: Page, account: Account) -> list[Post]:
        if page.status >= 500:
            raise FetchError(f"feed YouTube HTTP {page.status}", url=page.url, status=page.status)
        check_status(page)
        if is_consent_page(page):
            raise ConsentWall("halaman persetujuan cookie YouTube, bukan feed", url=page.url)
        return build_posts(parse_feed(page), lambda item: self._entry_post(item, account, page),
                           url=page.url)

    def _entry_post(self, item: Any, account: Account, page: Page) -> Post | None:
        entry = item.element
        video_id = (entry.findtext(f"{{{YT}}}videoId") or "").strip()
        if not video_id and item.guid.startswith("yt:video:"):
            video_id = item.guid.split(":", 2)[2]
        if not video_id:
            raise LayoutChanged("entri feed YouTube tanpa yt:videoId", url=page.url)
        if "googleads" in video_id:
            return None
        description = (entry.findtext(f"{{{MEDIA}}}group/{{{MEDIA}}}description") or "").strip()
        title = (entry.findtext(f"{{{MEDIA}}}group/{{{MEDIA}}}title") or item.title).strip()
        stats = entry.find(f"{{{MEDIA}}}group/{{{MEDIA}}}community/{{{MEDIA}}}statistics")
        extra: dict[str, Any] = {"title": title, "channel_id": (entry.findtext(f"{{{YT}}}channelId") or "").strip()}
        if stats is not None and stats.get("views"):
            extra["views"] = stats.get("views")
        updated = parse_time(entry.findtext("{http://www.w3.org/2005/Atom}updated"))
        if updated:
            extra["updated"] = updated.isoformat()
        thumbs = [u for u in item.media if "/vi/" in u or "ytimg" in u] or item.media[:1]
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=video_id,
            url=item.link or f"https://www.youtube.com/watch?v={video_id}",
            published=parse_time(item.published_text),
            text=f"{title}\n\n{description}".strip(),
            media=tuple(thumbs),
            raw=item.raw,
            extra=extra,
        )
