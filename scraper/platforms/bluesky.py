"""Bluesky through the public AppView API (``app.bsky.feed.getAuthorFeed``)
or the profile RSS feed (``https://bsky.app/profile/<did>/rss``).

Account URL ``https://bsky.app/profile/<handle or did>``. For bsky.app the
API host is ``https://public.api.bsky.app``; for any other host (a mirror, a
loopback test server) the same origin is used; ``options.api`` overrides it.
Reposts (feed items with a ``reason``) are skipped. Accounts labelled
``!no-unauthenticated`` answer 403 (-> LoginWall); unknown or suspended
profiles answer an error object (-> NotFound).
"""
from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from ..errors import LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, check_status, origin, parse_time
from .rss import FEED_ACCEPT, item_text, looks_like_xml, parse_feed

PUBLIC_API = "https://public.api.bsky.app"
WEB = "https://bsky.app"
_NOT_FOUND_ERRORS = {"ActorNotFound", "AccountTakedown", "AccountDeactivated", "NotFound", "BlockedActor"}


def _actor(url: str) -> str | None:
    """``<handle or did>`` from ``.../profile/<actor>[/rss]``."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) >= 2 and segments[0] == "profile" and segments[1]:
        return segments[1]
    return None


def _web_origin(account: Account) -> str:
    host = (urlsplit(account.url).hostname or "").lower()
    return WEB if host.endswith("bsky.app") else origin(account.url)


@register
class BlueskyAdapter(Adapter):
    name = "bluesky"
    mode = FetchMode.HTTP
    hosts = ("bsky.app",)
    default_interval = "30m"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        if _actor(url) is None:
            return ["URL Bluesky harus berbentuk https://bsky.app/profile/NAMA.bsky.social (atau DID)"]
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        if urlsplit(account.url).path.rstrip("/").endswith("/rss"):
            return account.url
        api = account.options.get("api") if account.options else None
        if not isinstance(api, str) or not api:
            host = (urlsplit(account.url).hostname or "").lower()
            api = PUBLIC_API if host.endswith("bsky.app") else origin(account.url)
        actor = quote(_actor(account.url) or "", safe=":")
        return f"{api.rstrip('/')}/xrpc/app.bsky.feed.getAuthorFeed?actor={actor}&limit=30"

    def request_headers(self, account: Account) -> dict[str, str]:
        if urlsplit(account.url).path.rstrip("/").endswith("/rss"):
            return {"Accept": FEED_ACCEPT}
        return {"Accept": "application/json"}

    def parse(self, page: Page, account: Account) -> list[Post]:
        body = page.body.lstrip("\ufeff \t\r\n")
        if looks_like_xml(body):
            return [self._rss_post(item, account) for item in parse_feed(page)]
        try:
            data = json.loads(body)
        except ValueError:
            check_status(page)
            raise LayoutChanged("jawaban Bluesky bukan JSON maupun RSS", url=page.url) from None
        if isinstance(data, dict) and "error" in data:
            error, message = str(data.get("error")), str(data.get("message", ""))
            if page.status in (401, 403) or "unauthenticated" in message.lower() or error == "AuthRequired":
                raise LoginWall(f"akun Bluesky hanya untuk pengguna yang login: {error} {message}".strip(), url=page.url)
            if error in _NOT_FOUND_ERRORS or "not found" in message.lower() or page.status in (404, 410):
                raise NotFound(f"profil Bluesky tidak ditemukan: {error} {message}".strip(), url=page.url)
            raise LayoutChanged(f"API Bluesky menjawab galat: {error} {message}".strip(), url=page.url)
        check_status(page)
        if page.status in (401, 403):
            raise LoginWall(f"API Bluesky menolak akses (HTTP {page.status})", url=page.url)
        if not isinstance(data, dict) or not isinstance(data.get("feed"), list):
            raise LayoutChanged("jawaban getAuthorFeed tanpa daftar feed", url=page.url)
        web = _web_origin(account)
        return [_feed_post(item, account, web) for item in data["feed"] if isinstance(item, dict) and not item.get("reason")]

    def _rss_post(self, item: Any, account: Account) -> Post:
        link = item.link or ""
        post_id = (link or item.guid).rstrip("/").rsplit("/", 1)[-1]
        if not post_id:
            raise LayoutChanged("item RSS Bluesky tanpa tautan/guid", url=account.url)
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=post_id,
            url=link,
            published=parse_time(item.published_text),
            text=item_text(item),
            media=tuple(item.media),
            raw=item.raw,
            extra={"uri": item.guid} if item.guid.startswith("at://") else {},
        )


def _feed_post(item: Mapping[str, Any], account: Account, web: str) -> Post:
    post = item.get("post") or {}
    uri = str(post.get("uri") or "")
    record = post.get("record") or {}
    if not uri.startswith("at://") or "/app.bsky.feed.post/" not in uri:
        raise LayoutChanged("postingan Bluesky tanpa uri at://.../app.bsky.feed.post/...", url=account.url)
    rkey = uri.rsplit("/", 1)[1]
    author = post.get("author") or {}
    handle = author.get("handle") or author.get("did") or uri.split("/")[2]
    embed = post.get("embed") or {}
    images = list(embed.get("images") or []) + list((embed.get("media") or {}).get("images") or [])
    media = tuple(i.get("fullsize") or i.get("thumb") for i in images if i.get("fullsize") or i.get("thumb"))
    extra: dict[str, Any] = {"uri": uri, "author": handle}
    external = embed.get("external") or (embed.get("media") or {}).get("external") or {}
    if external.get("uri"):
        extra["external_url"] = external["uri"]
    if record.get("reply"):
        extra["reply"] = True
    return Post(
        platform="bluesky",
        account_url=account.url,
        post_id=rkey,
        url=f"{web}/profile/{handle}/post/{rkey}",
        published=parse_time(record.get("createdAt") or post.get("indexedAt")),
        text=str(record.get("text") or ""),
        media=media,
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True),
        extra=extra,
    )
