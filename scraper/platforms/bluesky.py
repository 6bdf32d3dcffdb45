"""Bluesky through the public AppView API (``app.bsky.feed.getAuthorFeed``)
or the profile RSS feed (``https://bsky.app/profile/<did>/rss``).

Account URL ``https://bsky.app/profile/<handle or did>``. For bsky.app the
API host is ``https://public.api.bsky.app``; for any other host (a mirror, a
loopback test server) the same origin is used; ``options.api`` overrides it.
Reposts (feed items with a ``reason``) are kept as shares of the account
(``extra``: ``share``, ``share_kind="repost"``, ``original_author``,
``original_url``, ``reposted_by``); quotes (``embed.record``) are the
account's own posts marked ``share_kind="quote"``. Link facets replace the
shortened link text with their full target (``extra["links"]``); video
embeds give their playlist and thumbnail as media. Accounts labelled
``!no-unauthenticated`` answer 403 (-> LoginWall); unknown or suspended
profiles answer an error object (-> NotFound).
"""
from __future__ import annotations

import json
from typing import Any, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

from ..errors import LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, build_posts, check_status, origin, parse_time
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

    def older_page_url(self, page: Page, posts: list[Post], account: Account) -> str | None:
        """getAuthorFeed's ``cursor``: the same request with ``&cursor=<cursor>``."""
        if looks_like_xml(page.body.lstrip("\ufeff \t\r\n")):
            return None  # the RSS feed has no paging
        try:
            cursor = json.loads(page.body).get("cursor")
        except (ValueError, AttributeError, RecursionError):
            return None
        if not isinstance(cursor, str) or not cursor:
            return None
        parts = urlsplit(page.url)
        query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("cursor="))
        return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{query}&cursor={quote(cursor, safe='')}", ""))

    def request_headers(self, account: Account) -> dict[str, str]:
        if urlsplit(account.url).path.rstrip("/").endswith("/rss"):
            return {"Accept": FEED_ACCEPT}
        return {"Accept": "application/json"}

    def parse(self, page: Page, account: Account) -> list[Post]:
        body = page.body.lstrip("\ufeff \t\r\n")
        if looks_like_xml(body):
            return build_posts(parse_feed(page), lambda item: self._rss_post(item, account), url=page.url)
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
        return build_posts((i for i in data["feed"] if isinstance(i, dict)), lambda i: _feed_post(i, account, web),
                           url=page.url)

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


def _facet_text(record: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The record's text with each link facet's shortened text replaced by its
    full target (facets index UTF-8 bytes), and the link targets in order."""
    text = record.get("text")
    text = text if isinstance(text, str) else ""
    data = text.encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in record.get("facets") or []:
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        uri = next((f.get("uri") for f in features if isinstance(f, dict)
                    and f.get("$type") == "app.bsky.richtext.facet#link" and isinstance(f.get("uri"), str)), None)
        if uri and isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data):
            spans.append((start, end, uri))
    spans.sort()
    out, pos, links = [], 0, []
    for start, end, uri in spans:
        if start < pos:
            continue  # overlapping facets: keep the first
        out.append(data[pos:start].decode("utf-8", "replace"))
        out.append(uri)
        links.append(uri)
        pos = end
    out.append(data[pos:].decode("utf-8", "replace"))
    return "".join(out), links


def _embed_media(embed: Mapping[str, Any]) -> tuple[list[str], str]:
    """Image and video URLs of a post's embed view, and the link card's target."""
    parts = [embed]
    if isinstance(embed.get("media"), dict):
        parts.append(embed["media"])
    media: list[str] = []
    external = ""
    for part in parts:
        for image in part.get("images") or []:
            if isinstance(image, dict) and isinstance(image.get("fullsize") or image.get("thumb"), str):
                media.append(image.get("fullsize") or image.get("thumb"))
        for key in ("playlist", "thumbnail"):  # app.bsky.embed.video#view
            if isinstance(part.get(key), str):
                media.append(part[key])
        card = part.get("external")
        if isinstance(card, dict) and isinstance(card.get("uri"), str) and not external:
            external = card["uri"]
    return media, external


def _share(item: Mapping[str, Any], post: Mapping[str, Any], web: str, handle: str, rkey: str) -> dict[str, Any]:
    reason = item.get("reason")
    if isinstance(reason, dict) and "repost" in str(reason.get("$type", "")).lower():
        by = reason.get("by") if isinstance(reason.get("by"), dict) else {}
        return {"share": True, "share_kind": "repost", "original_author": handle,
                "original_url": f"{web}/profile/{handle}/post/{rkey}",
                "reposted_by": by.get("handle") or by.get("did") or ""}
    embed = post.get("embed") if isinstance(post.get("embed"), dict) else {}
    record = embed.get("record")
    if isinstance(record, dict) and isinstance(record.get("record"), dict):  # recordWithMedia
        record = record["record"]
    if isinstance(record, dict) and str(record.get("uri", "")).startswith("at://"):
        author = record.get("author") if isinstance(record.get("author"), dict) else {}
        q_handle = author.get("handle") or str(record["uri"]).split("/")[2]
        return {"share": True, "share_kind": "quote", "original_author": q_handle,
                "original_url": f"{web}/profile/{q_handle}/post/{str(record['uri']).rsplit('/', 1)[-1]}"}
    return {}


def _feed_post(item: Mapping[str, Any], account: Account, web: str) -> Post:
    post = item.get("post")
    post = post if isinstance(post, dict) else {}
    uri = str(post.get("uri") or "")
    record = post.get("record")
    record = record if isinstance(record, dict) else {}
    if not uri.startswith("at://") or "/app.bsky.feed.post/" not in uri:
        raise LayoutChanged("postingan Bluesky tanpa uri at://.../app.bsky.feed.post/...", url=account.url)
    rkey = uri.rsplit("/", 1)[1]
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    handle = str(author.get("handle") or author.get("did") or uri.split("/")[2])
    embed = post.get("embed") if isinstance(post.get("embed"), dict) else {}
    media, external = _embed_media(embed)
    text, links = _facet_text(record)
    extra: dict[str, Any] = {"uri": uri, "author": handle}
    if links:
        extra["links"] = links
    if external:
        extra["external_url"] = external
    if record.get("reply"):
        extra["reply"] = True
    extra.update(_share(item, post, web, handle, rkey))
    return Post(
        platform="bluesky",
        account_url=account.url,
        post_id=rkey,
        url=f"{web}/profile/{handle}/post/{rkey}",
        published=parse_time(record.get("createdAt") or post.get("indexedAt")),
        text=text,
        media=tuple(dict.fromkeys(media)),
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True),
        extra=extra,
    )
