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

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Callable, ClassVar, Iterable, Mapping

from alerts.timeutil import parse_iso

from ..errors import Blocked, HealthProblem, LayoutChanged, NotFound, RateLimited
from ..models import Account, Post
from .text import abs_url, clean_text, element_text, html_to_text, origin  # noqa: F401  (the shared helpers)


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
    #: browser fetches: (url, body) of the JSON responses the page loaded whose URL
    #: contains one of the adapter's :meth:`Adapter.capture_responses` markers
    responses: tuple[tuple[str, str], ...] = ()


class Adapter(ABC):
    """Base class of platform adapters (one file per platform)."""

    #: platform name used in watchlists (``telegram``, ``rss``, ``web``, ...)
    name: ClassVar[str]
    mode: ClassVar[FetchMode] = FetchMode.HTTP
    #: host names (exact or parent domains) used to infer the platform from a URL
    hosts: ClassVar[tuple[str, ...]] = ()
    #: uses a saved, logged-in browser session (``pantau login PLATFORM``)
    needs_session: ClassVar[bool] = False
    #: what changes on every load of an unchanged page (e.g. view counters): removed before the
    #: page's digest is compared with the last run's (``pipeline.body_digest``); None: nothing
    volatile: ClassVar[re.Pattern[str] | None] = None
    #: where staff log in once with the watcher account (``pantau login``), for session platforms
    login_url: ClassVar[str] = ""
    #: cookie domains of that login (an imported session must hold cookies of one of them)
    session_domains: ClassVar[tuple[str, ...]] = ()
    #: default refresh interval, a duration string like "1h"
    default_interval: ClassVar[str] = "1h"

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

    def older_page_url(self, page: Page, posts: list[Post], account: Account) -> str | None:
        """The URL of the page of posts older than ``page`` (a new account's first
        scan reads back to ``[scan] first_scan_since``), or None: no paging."""
        return None

    def capture_responses(self, account: Account) -> tuple[str, ...]:
        """Browser fetches: URL substrings of JSON responses the page itself
        loads that the adapter wants to read (e.g. X's ``/UserTweets``)."""
        return ()

    def post_selector(self, post: Post) -> str | None:
        """A CSS selector for ``post``'s element on the fetched page (evidence screenshots)."""
        return None

    @abstractmethod
    def parse(self, page: Page, account: Account) -> list[Post]:
        """Posts on ``page``, newest first if the page says; pure, no I/O."""


# -- helpers shared by adapters (pure) ------------------------------------

def check_status(page: Page, title: str | None = None) -> None:
    """Raise the verdict the transport alone gives, if any (HTTP and browser alike).

    404/410 -> :class:`NotFound`; a Cloudflare interstitial ("Just a
    moment...", usually with 403/429/503) -> :class:`Blocked`; any other 429
    -> :class:`~scraper.errors.RateLimited` (the same verdict the HTTP
    fetcher gives). Other statuses are left to the adapter, which knows what
    its platform's error pages mean. ``title``: the document title when the
    caller already has it (browser pages carry it in ``page.title``).
    """
    if is_cloudflare_challenge(page, title):
        raise Blocked(f"diblokir tantangan Cloudflare (\"Just a moment...\", HTTP {page.status})", url=page.url)
    if page.status in (404, 410):
        raise NotFound(f"HTTP {page.status}: akun atau halaman tidak ditemukan", url=page.url)
    if page.status == 429:
        raise RateLimited("terlalu banyak permintaan (HTTP 429)", url=page.url)


_CF_TITLES = ("just a moment", "attention required! | cloudflare", "tunggu sebentar")
_CF_MARKERS = ("cf-browser-verification", "challenges.cloudflare.com", "_cf_chl_opt", "challenge-platform", "cf-chl")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def is_cloudflare_challenge(page: Page, title: str | None = None) -> bool:
    head = (page.body or "")[:20000]
    if title is None:
        title = page.title
        if not title:
            m = _TITLE_RE.search(head)
            title = m.group(1) if m else ""
    folded = title.strip().lower()
    title_hit = any(t in folded for t in _CF_TITLES)
    marker = any(m in head for m in _CF_MARKERS)
    return (page.status in (403, 429, 503) and (title_hit or marker)) or (title_hit and marker)


def parse_time(value: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 822 text, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        return parse_iso(value)
    except (ValueError, OverflowError):
        pass
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


# -- one bad post never costs the page ------------------------------------------

class Posts(list):
    """A list of posts that also says how many items could not be read."""

    skipped: int = 0
    skip_reasons: list[str]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.skipped = 0
        self.skip_reasons = []


#: what a malformed item can raise while one post is built from it
POST_ERRORS = (HealthProblem, ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError,
               RecursionError)


def build_posts(items: Iterable[Any], build: Callable[[Any], "Post | None"], *, url: str) -> Posts:
    """``build(item)`` for every item; an item that fails is skipped and counted.

    When every item failed, the page as a whole is unreadable:
    :class:`~scraper.errors.LayoutChanged` naming the first reason.
    """
    posts = Posts()
    for item in items:
        try:
            post = build(item)
        except POST_ERRORS as exc:
            posts.skipped += 1
            reason = exc.reason if isinstance(exc, HealthProblem) else f"{type(exc).__name__}: {exc}"
            posts.skip_reasons.append(str(reason)[:200])
            continue
        if post is not None:
            posts.append(post)
    if posts.skipped and not posts:
        raise LayoutChanged(f"{posts.skipped} postingan di halaman tidak terbaca ({posts.skip_reasons[0]})", url=url)
    return posts
