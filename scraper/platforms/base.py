"""The contract every platform adapter follows.

An adapter is a small class: its name, how it fetches (plain HTTP or a
browser), the hosts it recognises, and a pure ``parse(page, account)`` that
turns a fetched page into posts. ``parse`` raises a
:class:`~scraper.errors.HealthProblem` subclass (login wall, layout change,
...) instead of returning ``[]`` when the page is not what it expects; an
empty list means "the page is fine and holds no posts".

Optional hooks (safe defaults): :meth:`Adapter.fetch_mode` (per-account fetch
mode), :meth:`Adapter.needs_resolution` / :meth:`Adapter.parse_resolution`
(resolve an account once, e.g. a YouTube ``@handle`` to its channel id, and
remember it in a memo passed back to :meth:`Adapter.fetch_url`). The pure
helpers at the bottom (:func:`check_status`, :func:`element_text`,
:func:`html_to_text`, :func:`parse_time`, :func:`abs_url`, :func:`origin`)
are shared by the adapters.
"""
from __future__ import annotations

import functools
import inspect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from enum import Enum
from html import unescape
from typing import Any, ClassVar, Mapping
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from alerts.timeutil import parse_iso

from ..errors import Blocked, NotFound
from ..models import Account, Post


class FetchMode(str, Enum):
    HTTP = "http"
    BROWSER = "browser"


@dataclass(frozen=True)
class Page:
    """What a fetch returned, before parsing."""

    url: str  # what was requested
    final_url: str  # after redirects
    status: int
    body: str  # text (HTML, XML, JSON); for browser fetches the rendered DOM
    fetched_at: datetime  # aware, UTC
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""
    not_modified: bool = False  # HTTP 304 on a conditional GET: nothing changed
    title: str = ""  # browser fetches: document.title


class Adapter(ABC):
    """Base class of platform adapters (one file per platform)."""

    #: platform name used in watchlists (``telegram``, ``rss``, ``web``, ...)
    name: ClassVar[str]
    mode: ClassVar[FetchMode] = FetchMode.HTTP
    #: host names (exact or parent domains) used to infer the platform from a URL
    hosts: ClassVar[tuple[str, ...]] = ()
    #: uses a saved, logged-in browser session (``pantau login PLATFORM``)
    needs_session: ClassVar[bool] = False
    #: default refresh interval, a duration string like "1h"
    default_interval: ClassVar[str] = "1h"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Adapters written against the first contract override fetch_url(self, account);
        # callers now pass the resolution memo too: accept and ignore it for them.
        own = cls.__dict__.get("fetch_url")
        if own is not None and len(inspect.signature(own).parameters) < 3:
            @functools.wraps(own)
            def fetch_url(self: Adapter, account: Account, memo: Mapping[str, Any] | None = None,
                          _own: Any = own) -> str:
                return _own(self, account)

            cls.fetch_url = fetch_url  # type: ignore[method-assign]

    def check_account(self, url: str, options: Mapping[str, object]) -> list[str]:
        """Problems with an account entry for this platform (messages only)."""
        return []

    def fetch_url(self, account: Account, memo: Mapping[str, Any] | None = None) -> str:
        """The URL to fetch for ``account`` (e.g. ``t.me/x`` -> ``t.me/s/x``).

        ``memo`` holds what :meth:`parse_resolution` found earlier for this
        account (e.g. a YouTube channel id); adapters without resolution ignore it.
        """
        return account.url

    def fetch_mode(self, account: Account) -> FetchMode:
        """How to fetch ``account``; per account for adapters that can do both."""
        return self.mode

    def needs_resolution(self, account: Account, memo: Mapping[str, Any]) -> str | None:
        """A URL to fetch once to resolve ``account`` (e.g. a YouTube ``@handle``
        to its channel id), or None when ``memo`` already holds what is needed
        or the adapter never resolves anything (the default).

        The caller fetches that URL (same fetch mode and headers as normal
        fetches), passes the page to :meth:`parse_resolution`, merges the
        returned dict into the account's memo, persists it, and from then on
        passes the memo to :meth:`fetch_url`.
        """
        return None

    def parse_resolution(self, page: Page) -> dict[str, Any]:
        """Pure: what a resolution page says (e.g. ``{"channel_id": "UC..."}``).

        Raises a :class:`~scraper.errors.HealthProblem` when the page does not
        resolve (account removed, consent page, layout changed).
        """
        return {}

    def request_headers(self, account: Account) -> dict[str, str]:
        """Extra HTTP headers for this platform's requests."""
        return {}

    def wait_selector(self, account: Account) -> str | None:
        """Browser fetches: a CSS selector to wait for before reading the DOM."""
        return None

    def post_selector(self, post: Post) -> str | None:
        """A CSS selector for ``post``'s element on the fetched page (evidence screenshots)."""
        return None

    @abstractmethod
    def parse(self, page: Page, account: Account) -> list[Post]:
        """Posts on ``page``, newest first if the page says; pure, no I/O."""


# -- helpers shared by adapters (pure) ------------------------------------

def check_status(page: Page) -> None:
    """Raise the health verdict that the HTTP status alone gives, if any.

    404/410 -> :class:`NotFound`; a Cloudflare interstitial ("Just a
    moment...", usually with 403/503) -> :class:`Blocked`. Other statuses are
    left to the adapter, which knows what its platform's error pages mean.
    """
    if page.status in (404, 410):
        raise NotFound(f"HTTP {page.status}: akun atau halaman tidak ditemukan", url=page.url)
    if is_cloudflare_challenge(page):
        raise Blocked("diblokir tantangan Cloudflare (\"Just a moment...\")", url=page.url)


def is_cloudflare_challenge(page: Page) -> bool:
    head = page.body[:20000]
    title_hit = "Just a moment..." in page.title or "<title>Just a moment...</title>" in head
    marker = "cf-browser-verification" in head or "challenges.cloudflare.com" in head or "_cf_chl_opt" in head
    return (page.status in (403, 503) and (title_hit or marker)) or (title_hit and marker)


_BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "table", "tr", "section", "article",
    "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption",
})
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "svg"})
_WS = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_TAG = re.compile(r"<[A-Za-z!/]")


def element_text(element: Tag) -> str:
    """Plain text of a bs4 element as a reader sees it: source whitespace
    collapsed, ``<br>`` and block elements as line breaks, paragraphs
    separated by one blank line."""
    parts: list[str] = []

    def boundary(count: int) -> None:
        """End the current block with ``count`` line breaks, counting those already there."""
        have = 0
        for part in reversed(parts):
            stripped = part.strip(" ")
            if stripped == "":
                continue
            have += len(stripped) - len(stripped.rstrip("\n"))
            if stripped.strip("\n"):
                break
        if parts and have < count:
            parts.append("\n" * (count - have))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) in (NavigableString, CData):
                    parts.append(_WS.sub(" ", str(child)))
                continue
            name = child.name
            if name in _SKIP_TAGS:
                continue
            if name == "br":
                parts.append("\n")
            elif name in _BLOCK_TAGS:
                boundary(1)
                walk(child)
                boundary(2 if name == "p" else 1)
            else:
                walk(child)

    walk(element)
    lines = [line.strip() for line in "".join(parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (e.g. a feed item's description).

    Text without any tag keeps its line breaks (plain-text feed descriptions)."""
    if not html:
        return ""
    if not _TAG.search(html):
        lines = [_SPACES.sub(" ", line).strip() for line in unescape(html).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return element_text(BeautifulSoup(html, "lxml"))


def parse_time(value: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 822 text, or None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return parse_iso(value)
    except ValueError:
        pass
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def abs_url(base: str, href: str | None) -> str:
    """``href`` made absolute against ``base`` ("" when there is no href)."""
    return urljoin(base, href.strip()) if href and href.strip() else ""


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme or 'https'}://{parts.netloc}"
