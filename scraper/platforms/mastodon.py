"""Mastodon (any instance): the profile RSS feed or the REST API.

Default fetch: ``<instance>/@<user>.rss`` (public, no id needed; boosts are
not in it). With ``options.api = true`` the adapter reads
``/api/v1/accounts/:id/statuses`` instead: the numeric id comes from
``options.account_id`` or is resolved once through
``/api/v1/accounts/lookup?acct=<user>`` (the base resolution hooks). The
account URL may also be a ``.rss`` or ``/api/v1/accounts/:id/statuses`` URL.
``parse`` reads whatever came back: RSS, a JSON list of statuses, one status,
or a JSON error (404 -> NotFound, 401/403 -> LoginWall). Boosts (reblogs)
are kept as the account's shares (``extra``: ``share``, ``share_kind="boost"``,
``original_author``, ``original_url``); the RSS feed never shows them.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from ..errors import LayoutChanged, LoginWall, NotFound
from ..models import Account, Post
from . import register
from .base import Adapter, FetchMode, Page, build_posts, check_status, html_to_text, origin, parse_time
from .rss import FEED_ACCEPT, item_text, looks_like_xml, parse_feed

_USER_PATH = re.compile(r"^/@([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)(?:\.rss)?/?$")
_API_PATH = re.compile(r"^/api/v1/accounts/(\d+)/statuses")


def _user(url: str) -> str | None:
    m = _USER_PATH.match(urlsplit(url).path)
    return m.group(1) if m else None


def _wants_api(account: Account) -> bool:
    return bool(account.options.get("api")) or _API_PATH.match(urlsplit(account.url).path) is not None


def _account_id(account: Account, memo: Mapping[str, Any] | None) -> str | None:
    m = _API_PATH.match(urlsplit(account.url).path)
    if m:
        return m.group(1)
    for source in (account.options, memo or {}):
        value = source.get("account_id")
        if value is not None and str(value).isdigit():
            return str(value)
    return None


@register
class MastodonAdapter(Adapter):
    name = "mastodon"
    mode = FetchMode.HTTP
    default_interval = "30m"

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        path = urlsplit(url).path
        if _user(url) or _API_PATH.match(path):
            return []
        return ["URL Mastodon harus berbentuk https://INSTANCE/@nama (atau feed .rss / URL API statuses)"]

    def needs_resolution(self, account: Account, memo: Mapping[str, Any]) -> str | None:
        if not _wants_api(account) or _account_id(account, memo):
            return None
        user = _user(account.url)
        return f"{origin(account.url)}/api/v1/accounts/lookup?acct={quote(user or '', safe='')}"

    def parse_resolution(self, page: Page) -> dict[str, Any]:
        data = _json(page)
        if isinstance(data, dict) and str(data.get("id", "")).isdigit():
            return {"account_id": str(data["id"])}
        raise LayoutChanged("jawaban lookup akun Mastodon tanpa id", url=page.url)

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        path = urlsplit(account.url).path
        if path.endswith(".rss") or _API_PATH.match(path):
            return account.url
        if _wants_api(account):
            account_id = _account_id(account, memo)
            if account_id:
                return f"{origin(account.url)}/api/v1/accounts/{account_id}/statuses"
        user = _user(account.url) or ""
        return f"{origin(account.url)}/@{user}.rss"

    def request_headers(self, account: Account) -> dict[str, str]:
        return {"Accept": "application/json" if _wants_api(account) else FEED_ACCEPT}

    def parse(self, page: Page, account: Account) -> list[Post]:
        body = page.body.lstrip("\ufeff \t\r\n")
        if body.startswith(("[", "{")):
            data = _json(page)
            statuses = data if isinstance(data, list) else [data]
            return build_posts((s for s in statuses if isinstance(s, dict)), lambda s: _status_post(s, account),
                               url=page.url)
        if not looks_like_xml(body):
            check_status(page)
            if page.status in (401, 403):
                raise LoginWall(f"instance Mastodon menolak akses tanpa login (HTTP {page.status})", url=page.url)
        return build_posts(parse_feed(page), lambda item: self._rss_post(item, account), url=page.url)

    def _rss_post(self, item: Any, account: Account) -> Post:
        guid = item.guid or item.link
        post_id = guid.rstrip("/").rsplit("/", 1)[-1] if guid else ""
        if not post_id:
            raise LayoutChanged("item RSS Mastodon tanpa guid/link", url=account.url)
        tags = [c.text.strip() for c in item.element.findall("category") if c.text]
        return Post(
            platform=self.name,
            account_url=account.url,
            post_id=post_id,
            url=item.link or guid,
            published=parse_time(item.published_text),
            text=item_text(item),
            media=tuple(item.media),
            raw=item.raw,
            extra={"tags": tags} if tags else {},
        )


def _json(page: Page) -> Any:
    """The JSON body, or the health verdict its error object (or status) means."""
    try:
        data = json.loads(page.body)
    except ValueError:
        check_status(page)
        raise LayoutChanged("jawaban API Mastodon bukan JSON", url=page.url) from None
    if isinstance(data, dict) and "error" in data and "id" not in data:
        message = str(data.get("error"))
        if page.status in (401, 403) or "authenticated" in message.lower():
            raise LoginWall(f"API Mastodon meminta login: {message}", url=page.url)
        if page.status in (404, 410) or "not found" in message.lower():
            raise NotFound(f"akun Mastodon tidak ditemukan: {message}", url=page.url)
        raise LayoutChanged(f"API Mastodon menjawab galat: {message}", url=page.url)
    check_status(page)
    return data


def _status_post(status: Mapping[str, Any], account: Account) -> Post:
    if "id" not in status or "created_at" not in status:
        raise LayoutChanged("status Mastodon tanpa id/created_at", url=account.url)
    boost = status.get("reblog")
    if isinstance(boost, dict):
        # a boost: the boosted status's content, kept as the account's share
        original = _status_post({**boost, "id": status["id"], "created_at": status["created_at"]}, account)
        author = boost.get("account") if isinstance(boost.get("account"), dict) else {}
        extra = {**original.extra, "share": True, "share_kind": "boost", "original_author": author.get("acct", ""),
                 "original_url": boost.get("url") or boost.get("uri") or "", "original_id": str(boost.get("id", "")),
                 "boosted_by": (status.get("account") or {}).get("acct", "")}
        return Post(platform="mastodon", account_url=account.url, post_id=str(status["id"]),
                    url=status.get("url") or original.url, published=original.published, text=original.text,
                    media=original.media, raw=json.dumps(status, ensure_ascii=False, sort_keys=True), extra=extra)
    parts = []
    if status.get("spoiler_text"):
        parts.append(html_to_text(status["spoiler_text"]))
    parts.append(html_to_text(status.get("content") or ""))
    poll = status.get("poll") or {}
    if poll.get("options"):
        parts.append("\n".join("- " + str(o.get("title", "")) for o in poll["options"]))
    media = tuple(m.get("url") or m.get("remote_url") for m in status.get("media_attachments") or []
                  if m.get("url") or m.get("remote_url"))
    extra: dict[str, Any] = {
        "author": (status.get("account") or {}).get("acct", ""),
        "tags": [t.get("name") for t in status.get("tags") or [] if t.get("name")],
    }
    if status.get("edited_at"):
        extra["edited_at"] = status["edited_at"]
    if status.get("in_reply_to_id"):
        extra["in_reply_to_id"] = status["in_reply_to_id"]
    if (status.get("card") or {}).get("url"):
        extra["card_url"] = status["card"]["url"]
    return Post(
        platform="mastodon",
        account_url=account.url,
        post_id=str(status["id"]),
        url=status.get("url") or status.get("uri") or "",
        published=parse_time(status.get("created_at")),
        text="\n\n".join(p for p in parts if p).strip(),
        media=media,
        raw=json.dumps(status, ensure_ascii=False, sort_keys=True),
        extra=extra,
    )
