"""Shared helpers of the logged-in-session adapters (Facebook, Instagram, TikTok, X).

These platforms are read in a browser context that carries the saved session
of a dedicated monitoring account. Their pages fail in a handful of known
ways (login wall, checkpoint, consent screen, "temporarily blocked",
Cloudflare challenge, 404); each adapter lists its :class:`Marker` s and calls
:func:`detect`. "Hard" markers are checked before parsing (a login form on a
page that should be logged in means the session expired, even if a few public
posts still show); "soft" markers only when no post was found.

Everything here is pure: a :class:`Page` in, a :class:`Doc` or an exception out.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Iterator, Literal
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from ..errors import Blocked, HealthProblem, NotFound
from .base import Page

Where = Literal["url", "title", "text", "css"]

_INVISIBLE = {"script", "style", "noscript", "template", "head"}
_BLOCK = {"p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
          "section", "article", "header", "footer", "tr", "pre"}


@dataclass(frozen=True)
class Marker:
    """A sign that the page is not the account's posts.

    ``where``: ``url`` (substring of the final URL), ``title`` (substring of
    the document title), ``text`` (phrase in the visible text) or ``css``
    (a selector that matches). Needles are compared case-insensitively, with
    curly apostrophes folded to straight ones.
    """

    where: Where
    needle: str
    error: type[HealthProblem]
    reason: str
    hard: bool = True


def fold(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower()


class Doc:
    """A fetched page, parsed lazily: soup, visible text, embedded JSON."""

    def __init__(self, page: Page):
        self.page = page
        self.final_url = page.final_url or page.url

    @cached_property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.page.body or "", "lxml")

    @cached_property
    def title(self) -> str:
        if self.page.title:
            return self.page.title.strip()
        tag = self.soup.find("title")
        return tag.get_text(" ", strip=True) if tag else ""

    @cached_property
    def visible_text(self) -> str:
        parts = []
        for s in self.soup.find_all(string=True):
            if isinstance(s, NavigableString) and not any(p.name in _INVISIBLE for p in s.parents):
                if s.strip():
                    parts.append(s.strip())
        return fold(" ".join(parts))

    @cached_property
    def body_json(self) -> Any:
        """The page itself as JSON: a raw JSON body, or the ``<pre>`` Chromium wraps it in."""
        text = (self.page.body or "").strip()
        if text[:1] in "{[":
            try:
                return json.loads(text)
            except ValueError:
                pass
        if "<pre" in text[:2000].lower():
            pre = self.soup.find("pre")
            if pre is not None:
                try:
                    return json.loads(pre.get_text())
                except ValueError:
                    return None
        return None

    def script_json(self, css: str = 'script[type="application/json"]') -> Iterator[tuple[Tag, Any]]:
        """Every script element matching ``css`` whose content parses as JSON."""
        for tag in self.soup.select(css):
            content = tag.string if tag.string is not None else tag.get_text()
            if not content or not content.strip():
                continue
            try:
                yield tag, json.loads(content)
            except ValueError:
                continue


def _matches(doc: Doc, marker: Marker) -> bool:
    needle = fold(marker.needle)
    if marker.where == "url":
        return needle in fold(doc.final_url)
    if marker.where == "title":
        return needle in fold(doc.title)
    if marker.where == "text":
        return needle in doc.visible_text
    return doc.soup.select_one(marker.needle) is not None


def detect(doc: Doc, markers: tuple[Marker, ...], *, hard: bool) -> None:
    """Raise the error of the first matching marker of the given kind."""
    if hard:
        check_transport(doc)
    for marker in markers:
        if marker.hard == hard and _matches(doc, marker):
            raise marker.error(marker.reason, url=doc.final_url)


_CF_TITLES = ("just a moment", "attention required! | cloudflare", "tunggu sebentar")


def check_transport(doc: Doc) -> None:
    """Markers every platform shares: Cloudflare challenge, 404/410, 429."""
    status = doc.page.status
    title = fold(doc.title)
    body_head = (doc.page.body or "")[:20000]
    cloudflare = any(t in title for t in _CF_TITLES) or "challenge-platform" in body_head or "cf-chl" in body_head
    if cloudflare and status in (403, 429, 503):
        raise Blocked(f"tantangan Cloudflare (\"Just a moment...\", HTTP {status})", url=doc.final_url)
    if status in (404, 410):
        raise NotFound(f"halaman tidak ditemukan (HTTP {status})", url=doc.final_url)
    if status == 429:
        raise Blocked("terlalu banyak permintaan (HTTP 429)", url=doc.final_url)


# -- small pure helpers -------------------------------------------------------

def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def first_path_segment(url: str) -> str:
    path = urlsplit(url).path.strip("/")
    return path.split("/", 1)[0] if path else ""


def absolute(base: str, href: str | None) -> str:
    return urljoin(base, href) if href else ""


def from_timestamp(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    if seconds > 10**11:  # milliseconds
        seconds //= 1000
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def clean_text(text: str) -> str:
    """Plain text with line breaks kept: trimmed lines, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def dom_text(el: Tag | None) -> str:
    """Visible text of an element: ``<br>`` and block ends become line breaks,
    emoji images contribute their ``alt``."""
    if el is None:
        return ""
    out: list[str] = []

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Script", "Stylesheet"):
                    continue
                out.append(str(child))
            elif isinstance(child, Tag):
                if child.name in _INVISIBLE:
                    continue
                if child.name == "br":
                    out.append("\n")
                elif child.name == "img":
                    out.append(child.get("alt") or "")
                else:
                    block = child.name in _BLOCK
                    if block:
                        out.append("\x00")
                    walk(child)
                    if block:
                        out.append("\x00")

    walk(el)
    # a block boundary is one line break, however many blocks meet there
    joined = re.sub(r"[ \t]*\x00[\s\x00]*", "\n", "".join(out))
    return clean_text(joined)


def walk_json(obj: Any, parent_key: str = "") -> Iterator[tuple[str, Any]]:
    """Depth-first (key, value) pairs of every dict/list node of a JSON tree."""
    stack: list[tuple[str, Any]] = [(parent_key, obj)]
    while stack:
        key, node = stack.pop()
        yield key, node
        if isinstance(node, dict):
            stack.extend(reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(reversed([(key, v) for v in node]))


def dig(obj: Any, *path: Any) -> Any:
    """``obj[p0][p1]...`` or None when any step is missing."""
    for step in path:
        if isinstance(obj, dict):
            obj = obj.get(step)
        elif isinstance(obj, list) and isinstance(step, int) and -len(obj) <= step < len(obj):
            obj = obj[step]
        else:
            return None
    return obj


def find_key(obj: Any, key: str, *, skip: tuple[str, ...] = ()) -> Any:
    """The first value stored under ``key`` anywhere in ``obj`` (depth-first),
    not descending into subtrees stored under a key in ``skip``."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node and node[key] is not None:
                return node[key]
            stack.extend(reversed([v for k, v in node.items() if k not in skip]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
