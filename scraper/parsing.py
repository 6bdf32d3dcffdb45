"""The logic behind ``pantau parse`` (a saved page, offline) and ``pantau probe``
(a live fetch): pick the adapter, parse, and report either the posts or the
health verdict. The typer wiring lives in ``scraper.cli``.

JSON shape (``ParseResult.to_json``)::

    {"posts": [{"id", "url", "published", "text"}], "health": null | {"state", "reason"}}

Exit codes: 0 for posts (also none on a genuinely empty page), 3 for a
health verdict.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, Mapping, Protocol

from alerts.timeutil import fmt_wita, iso, utc_now

from .errors import FetchError, HealthProblem, PantauError, RateLimited
from .fetch.page import BrowserUnavailable, fetch_account_page
from .models import Account, Post
from .platforms import ADAPTERS, get_adapter, infer_platform, known_platforms
from .platforms.base import Adapter, Page, Posts

log = logging.getLogger(__name__)

EXIT_POSTS = 0
EXIT_HEALTH = 3
NEEDS_BROWSER = "needs_browser"

#: Indonesian labels of health states, for staff.
STATE_LABELS = {
    "login_wall": "dinding login / sesi kedaluwarsa",
    "consent": "halaman persetujuan cookie",
    "checkpoint": "checkpoint keamanan akun",
    "blocked": "diblokir / tantangan anti-bot",
    "not_found": "akun atau halaman tidak ditemukan",
    "layout_changed": "tata letak halaman berubah",
    "broken": "halaman tidak terbaca",
    "too_large": "halaman terlalu besar (batas [http] max_body)",
    "redirect_refused": "dialihkan ke situs lain (pengalihan ditolak)",
    "rate_limited": "dibatasi (HTTP 429), menunggu jeda",
    NEEDS_BROWSER: "perlu browser",
}

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class UnknownPlatform(PantauError, ValueError):
    """A platform name no adapter answers to."""

    def __init__(self, name: str | None, url: str | None = None):
        known = ", ".join(known_platforms())
        if name:
            message = f"platform tidak dikenal: {name!r}; yang dikenal: {known}"
        else:
            message = f"platform untuk {url} tidak bisa ditebak dari alamatnya; pakai --platform (salah satu dari: {known})"
        super().__init__(message)
        self.name = name


class Fetcher(Protocol):
    async def get(self, url: str, headers: Mapping[str, str] | None = None,
                  etag: str | None = None, last_modified: str | None = None) -> Page: ...


class BrowserFetcher(Protocol):
    async def fetch_page(self, url: str, *, wait_selector: str | None = None,
                         session_platform: str | None = None, headers: dict[str, str] | None = None,
                         capture: tuple[str, ...] | None = None) -> Page: ...


@dataclass(frozen=True)
class Health:
    """A health verdict: the page is not a readable list of posts."""

    state: str
    reason: str

    @classmethod
    def from_problem(cls, problem: HealthProblem) -> "Health":
        return cls(problem.state, problem.reason)


@dataclass(frozen=True)
class ParseResult:
    platform: str
    source: str  # the file or URL that was parsed
    posts: tuple[Post, ...] = ()
    health: Health | None = None
    fetched_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    skipped: int = 0  # items of the page that could not be read as posts

    @property
    def exit_code(self) -> int:
        return EXIT_HEALTH if self.health is not None else EXIT_POSTS

    def to_json(self) -> dict[str, Any]:
        return {
            "posts": [
                {"id": p.post_id, "url": p.url, "published": iso(p.published), "text": p.text}
                for p in self.posts
            ],
            "health": None if self.health is None else {"state": self.health.state, "reason": self.health.reason},
        }


def _adapter(platform: str) -> Adapter:
    if platform not in ADAPTERS:
        raise UnknownPlatform(platform)
    return get_adapter(platform)


def page_title(body: str) -> str:
    m = _TITLE.search(body[:200_000])
    return re.sub(r"\s+", " ", unescape(m.group(1))).strip() if m else ""


def read_posts(adapter: Adapter, page: Page, account: Account) -> Posts:
    """``adapter.parse`` as the daemon and ``pantau parse`` both call it.

    Whatever a hostile or malformed page makes a parser raise becomes a
    health verdict (``broken``), never a traceback: a page nothing can be
    read from is a health problem. Bad single posts were already skipped and
    counted by the adapter (``Posts.skipped``).
    """
    try:
        posts = adapter.parse(page, account)
    except (HealthProblem, FetchError):
        raise
    except RecursionError:
        raise HealthProblem("halaman tidak terbaca: susunan HTML/JSON terlalu dalam bersarang", url=page.url) from None
    except Exception as exc:  # a parser bug or a page shape nobody foresaw: a verdict, not a crash
        log.debug("parsing %s with %s failed", page.url, adapter.name, exc_info=True)
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise HealthProblem(f"halaman tidak terbaca ({type(exc).__name__}: {first})", url=page.url) from None
    return posts if isinstance(posts, Posts) else Posts(posts)


def parse_page(adapter: Adapter, page: Page, account: Account, source: str) -> ParseResult:
    """Parse one page; a HealthProblem (or a 429) becomes the result's verdict."""
    try:
        posts = read_posts(adapter, page, account)
    except HealthProblem as problem:
        return ParseResult(adapter.name, source, health=Health.from_problem(problem), fetched_url=page.url)
    except RateLimited as exc:
        return ParseResult(adapter.name, source, health=Health("rate_limited", str(exc)), fetched_url=page.url)
    return ParseResult(adapter.name, source, posts=tuple(posts), fetched_url=page.url, skipped=posts.skipped)


def parse_file(platform: str, path: Path, *, url: str | None = None,
               options: Mapping[str, Any] | None = None) -> ParseResult:
    """Parse a saved page (HTML, XML or JSON) offline with ``platform``'s adapter.

    ``url`` is the account URL the page belongs to (used for relative links
    and fallback permalinks; default: the file's ``file://`` URI); ``options``
    are the account's watchlist options (the ``web`` platform needs its
    selectors there). Raises :class:`UnknownPlatform` for an unknown name and
    ``OSError`` when the file cannot be read.
    """
    adapter = _adapter(platform)
    path = Path(path)
    body = path.read_bytes().decode("utf-8", errors="replace")
    account_url = url or path.resolve().as_uri()
    page = Page(url=account_url, final_url=account_url, status=200, body=body,
                fetched_at=utc_now(), title=page_title(body))
    account = Account(platform=platform, url=account_url, options=dict(options or {}))
    return parse_page(adapter, page, account, str(path))


async def probe(url: str, platform: str | None, fetcher: Fetcher, browser: BrowserFetcher | None = None,
                *, options: Mapping[str, Any] | None = None) -> ParseResult:
    """Fetch ``url`` live with the adapter's own fetch URL, mode and headers, then parse.

    ``platform`` defaults to the one inferred from the host. Resolution
    (e.g. YouTube ``@handle``) is done on the spot. A browser-mode account
    without ``browser`` gives the verdict ``needs_browser``. Network errors
    (:class:`~scraper.errors.FetchError`) propagate to the caller.
    """
    name = platform or infer_platform(url)
    if not name:
        raise UnknownPlatform(None, url)
    adapter = _adapter(name)
    account = Account(platform=name, url=url, options=dict(options or {}))
    problems = adapter.check_account(url, account.options)
    if problems:
        raise PantauError(f"akun {name} {url} tidak sah: " + "; ".join(problems))
    memo: dict[str, Any] = {}
    try:
        resolve_url = adapter.needs_resolution(account, memo)
        if resolve_url:
            page = await _fetch(adapter, account, resolve_url, fetcher, browser)
            if page is None:
                return _needs_browser(adapter, url)
            memo.update(adapter.parse_resolution(page))
            log.info("resolved %s: %s", url, memo)
        target = adapter.fetch_url(account, memo)
    except HealthProblem as problem:
        return ParseResult(name, url, health=Health.from_problem(problem))
    try:
        page = await _fetch(adapter, account, target, fetcher, browser)
    except RateLimited as exc:  # the same verdict the daemon records
        return ParseResult(name, url, health=Health("rate_limited", str(exc)), fetched_url=target)
    except HealthProblem as problem:  # too large, redirected off-site
        return ParseResult(name, url, health=Health.from_problem(problem))
    except FetchError as exc:
        if exc.status not in (404, 410):
            raise
        # a fetcher that raises on 404 instead of returning the page
        return ParseResult(name, url, health=Health("not_found", f"HTTP {exc.status}: akun atau halaman tidak ditemukan"))
    if page is None:
        return _needs_browser(adapter, url)
    result = parse_page(adapter, page, account, url)
    return ParseResult(result.platform, url, result.posts, result.health, fetched_url=target, extra={"memo": memo},
                       skipped=result.skipped)


async def _fetch(adapter: Adapter, account: Account, target: str, fetcher: Fetcher,
                 browser: BrowserFetcher | None) -> Page | None:
    """The daemon's own fetch path; None when a browser account has no browser."""
    try:
        return await fetch_account_page(adapter, account, target, http=fetcher, browser=browser)
    except BrowserUnavailable:
        return None


def _needs_browser(adapter: Adapter, url: str) -> ParseResult:
    reason = f"perlu browser: platform {adapter.name} diambil lewat browser, bukan HTTP biasa"
    if adapter.needs_session:
        reason += f" (dengan sesi login tersimpan: pantau login {adapter.name})"
    return ParseResult(adapter.name, url, health=Health(NEEDS_BROWSER, reason))


def format_result(result: ParseResult) -> str:
    """Human-readable result in Indonesian, for the terminal."""
    lines = []
    if result.health is not None:
        label = STATE_LABELS.get(result.health.state, result.health.state)
        lines.append(f"MASALAH KESEHATAN SCRAPER ({result.platform}): {label} [{result.health.state}]")
        lines.append(f"Alasan: {result.health.reason}")
        lines.append(f"Sumber: {result.source}")
        lines.append("Ini BUKAN berarti akun tidak punya postingan baru: scraper tidak bisa membaca halamannya.")
        return "\n".join(lines)
    count = len(result.posts)
    if count == 0:
        lines.append(f"0 postingan ditemukan ({result.platform}): halaman terbaca dan memang kosong.")
    else:
        lines.append(f"{count} postingan ditemukan ({result.platform}) di {result.source}")
    if result.skipped:
        lines.append(f"{result.skipped} item di halaman tidak terbaca sebagai postingan dan dilewati.")
    for number, post in enumerate(result.posts, 1):
        lines.append("")
        lines.append(f"[{number}] ID {post.post_id} | {fmt_wita(post.published)}")
        lines.append(f"    {post.url}")
        text = post.text or "(tanpa teks)"
        lines.extend(("    " + line).rstrip() for line in text.splitlines())
        if post.media:
            lines.append(f"    media: {len(post.media)} berkas")
    return "\n".join(lines)
