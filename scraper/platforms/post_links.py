"""A single post's link -> the account it belongs to and the post's id (for tips).

Staff paste a post link (``pantau capture URL``); the daemon watches
accounts. :func:`post_link` reads the account and post id out of the link for
the platforms whose post links name the account; anything else is left to the
caller (a listed account on the same host, or a post Pantau already stored).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .text import origin

_NAME = r"[A-Za-z0-9_.-]{1,64}"
#: platform -> (path pattern, account path template); groups: name, id
PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "telegram": (re.compile(r"^/(?:s/)?(?P<name>[A-Za-z0-9_]{3,64})/(?P<id>\d+)/?$"), "/{name}"),
    "x": (re.compile(rf"^/(?P<name>{_NAME})/status/(?P<id>\d+)"), "/{name}"),
    "tiktok": (re.compile(rf"^/@(?P<name>{_NAME})/video/(?P<id>\d+)"), "/@{name}"),
    "mastodon": (re.compile(rf"^/@(?P<name>{_NAME})/(?P<id>\d+)/?$"), "/@{name}"),
    "bluesky": (re.compile(r"^/profile/(?P<name>[^/]{1,253})/post/(?P<id>[A-Za-z0-9]+)"), "/profile/{name}"),
    "facebook": (re.compile(rf"^/(?P<name>{_NAME})/posts/(?P<id>[A-Za-z0-9_]+)"), "/{name}"),
    "youtube": (re.compile(r"^/shorts/(?P<id>[A-Za-z0-9_-]{6,})"), ""),
}


@dataclass(frozen=True)
class PostLink:
    platform: str
    account_url: str | None  # None: the link does not name the account
    post_id: str | None


def post_link(url: str, platform: str) -> PostLink | None:
    """The account and post id named by ``url`` on ``platform``, or None if the link does not fit."""
    entry = PATTERNS.get(platform)
    if entry is None:
        return None
    pattern, account_path = entry
    m = pattern.match(urlsplit(url).path or "/")
    if not m:
        return None
    groups = m.groupdict()
    account = origin(url) + account_path.format(**groups) if account_path and groups.get("name") else None
    return PostLink(platform=platform, account_url=account, post_id=groups.get("id"))


def same_post(a: str, b: str) -> bool:
    """Two links of one post (scheme, ``www.``, a trailing slash and letter case of the host aside)."""
    def norm(u: str) -> tuple[str, str, str, str]:
        s = urlsplit(u.strip())
        host = (s.hostname or "").lower().removeprefix("www.")
        return host, str(s.port or ""), s.path.rstrip("/"), s.fragment
    return bool(a and b) and norm(a) == norm(b)


def account_key_of(url: str) -> tuple[str, str]:
    """(host, path) of an account URL for comparison: letter case, ``www.``, a trailing slash, a
    ``.rss`` feed suffix, Telegram's ``/s/`` preview prefix and the query left out."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("mobile.").removeprefix("m.")
    host = {"twitter.com": "x.com", "telegram.me": "t.me"}.get(host, host)
    path = parts.path.lower().rstrip("/").removesuffix(".rss")
    if path.startswith("/s/"):
        path = path[2:]
    port = f":{parts.port}" if parts.port else ""
    return host + port, path


def same_account(a: str, b: str) -> bool:
    """Two URLs of one account (see :func:`account_key_of`)."""
    return bool(a and b) and account_key_of(a) == account_key_of(b)
